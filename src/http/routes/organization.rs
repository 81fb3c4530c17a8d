//! The caller's organization.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use skywarden_store::Role;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Principal;
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_org))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgView {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// The role of the token that asked.
    pub role: String,
}

/// The organization the token belongs to.
#[utoipa::path(get, path = "/org", tag = "organization", security(("token" = [])),
    responses((status = 200, body = OrgView), (status = 401, body = crate::http::error::ErrorBody)))]
async fn get_org(State(state): State<AppState>, p: Principal) -> ApiResult<axum::Json<OrgView>> {
    p.require(Role::Viewer)?;
    let org = state
        .store
        .get_org(&p.org)
        .await?
        .ok_or_else(|| ApiError::not_found("organization", p.org.as_str()))?;
    Ok(axum::Json(OrgView {
        id: org.id.to_string(),
        name: org.name,
        created_at: org.created_at,
        role: p.role.to_string(),
    }))
}
