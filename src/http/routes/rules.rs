//! The rule catalog: built-in rules and loaded packs with their metadata.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use skywarden_store::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::Principal;
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_rules))
}

/// Every rule: id, title, severity, category, kinds, remediation, compliance references.
#[utoipa::path(get, path = "/rules", tag = "rules", security(("token" = [])),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody)))]
async fn list_rules(State(state): State<AppState>, p: Principal) -> ApiResult<Response> {
    p.require(Role::Viewer)?;
    Ok(axum::Json(&state.rules).into_response())
}
