//! Resource change history of the caller's organization: every change (filtered, newest
//! first, cursor-paginated) and the history of one resource of a connection.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skywarden_graph::ResourceId;
use skywarden_store::{ChangeFilter, ChangeKind, ResourceChange, Role};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery, Principal};
use crate::http::routes::findings::parse_opt;
use crate::http::routes::resources::parse_kinds;
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_changes))
        .routes(routes!(resource_history))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// Only this connection's changes (else every connection of the organization).
    pub connection: Option<String>,
    /// Only changes recorded at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Only this resource (its id, e.g. an ARN).
    pub resource: Option<String>,
    /// One resource kind.
    pub kind: Option<String>,
    /// created, modified or deleted.
    pub change: Option<String>,
    /// Only the changes of this scan.
    pub scan: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    pub since: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    /// Newest first: id, connection_id, scan_id, at, resource_id, kind, account_id, region,
    /// change (created | modified | deleted), content_hash, patch (RFC 6902 ops, modified),
    /// document (the last one, deleted).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ResourceChange>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn parse_since(s: Option<&str>) -> ApiResult<Option<DateTime<Utc>>> {
    s.map(|v| {
        DateTime::parse_from_rfc3339(v)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ApiError::bad_request("since: expected an RFC 3339 time"))
    })
    .transpose()
}

fn parse_cursor(s: Option<&str>) -> ApiResult<Option<i64>> {
    s.map(|c| {
        c.parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::bad_request("cursor: expected a cursor returned with the previous page"))
    })
    .transpose()
}

/// One more row than asked tells whether there is a next page.
async fn page(state: &AppState, mut filter: ChangeFilter, limit: u32) -> ApiResult<ChangePage> {
    filter.limit = Some(limit + 1);
    let mut items = state.store.list_changes(&filter).await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|c| c.id.to_string())
    } else {
        None
    };
    Ok(ChangePage { items, next_cursor })
}

/// Resource changes of the organization, newest first, with cursor pagination.
#[utoipa::path(get, path = "/changes", tag = "drift", security(("token" = [])),
    params(ChangesQuery),
    responses((status = 200, body = ChangePage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_changes(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> ApiResult<axum::Json<ChangePage>> {
    p.require(Role::Viewer)?;
    let limit = state.page_limit(q.limit)?;
    let connection_id = match &q.connection {
        Some(c) => Some(state.owned_connection(&p, c).await?.id),
        None => None,
    };
    let kinds = parse_kinds(q.kind.as_deref())?;
    if kinds.len() > 1 {
        return Err(ApiError::bad_request("kind: give one resource kind"));
    }
    let filter = ChangeFilter {
        connection_id,
        org_connections: Some(state.org_connection_ids(&p).await?),
        since: parse_since(q.since.as_deref())?,
        resource_id: parse_opt::<ResourceId>(q.resource.as_deref(), "resource")?,
        kind: kinds.first().copied(),
        change: parse_opt::<ChangeKind>(q.change.as_deref(), "change")?,
        scan_id: parse_opt(q.scan.as_deref(), "scan")?,
        before: parse_cursor(q.cursor.as_deref())?,
        limit: None,
    };
    Ok(axum::Json(page(&state, filter, limit).await?))
}

/// The change history of one resource (id URL-encoded) of a connection, newest first (empty
/// when nothing was recorded or it was pruned). A deleted resource keeps its history.
#[utoipa::path(get, path = "/connections/{id}/resources/{resource_id}/history", tag = "drift", security(("token" = [])),
    params(("id" = String, Path, description = "connection id"),
        ("resource_id" = String, Path, description = "resource id (ARN), URL-encoded"), HistoryQuery),
    responses((status = 200, body = ChangePage), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn resource_history(
    State(state): State<AppState>,
    p: Principal,
    ApiPath((id, resource_id)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<axum::Json<ChangePage>> {
    p.require(Role::Viewer)?;
    let c = state.owned_connection(&p, &id).await?;
    let rid: ResourceId = resource_id
        .parse()
        .map_err(|_| ApiError::not_found("resource", &resource_id))?;
    let limit = state.page_limit(q.limit)?;
    let filter = ChangeFilter {
        connection_id: Some(c.id.clone()),
        since: parse_since(q.since.as_deref())?,
        resource_id: Some(rid),
        before: parse_cursor(q.cursor.as_deref())?,
        ..Default::default()
    };
    Ok(axum::Json(page(&state, filter, limit).await?))
}
