//! The organization's audit log of writes (admin only), newest first.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use skywarden_store::{AuditRecord, Role};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{ApiQuery, Principal};
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// who (actor), what (action, target, outcome, detail), when (at), from where (remote_addr).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<AuditRecord>,
    pub next_cursor: Option<i64>,
}

/// Audit entries of this organization. Admin.
#[utoipa::path(get, path = "/audit", tag = "audit", security(("token" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
async fn list_audit(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<axum::Json<AuditPage>> {
    p.require(Role::Admin)?;
    let limit = state.page_limit(q.limit)?;
    let mut items = state.store.list_audit(&p.org, q.cursor, limit + 1).await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|a| a.id)
    } else {
        None
    };
    Ok(axum::Json(AuditPage { items, next_cursor }))
}
