//! Approved baselines of the caller's organization's connections: pin, list, show (with the
//! approved resources, cursor-paginated), approve one resource's current state, delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use skywarden_graph::{BaselineId, ResourceId, ScanId};
use skywarden_rules::TagSelector;
use skywarden_store::{Approval, BaselineEntry, BaselineRecord, NewBaseline, Role};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, Principal};
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_baselines, pin_baseline))
        .routes(routes!(approve_resource))
        .routes(routes!(get_baseline, delete_baseline))
        .routes(routes!(baseline_resources))
}

/// A baseline to pin.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinBody {
    /// The scan to pin: must be the connection's latest finished scan (the default).
    pub scan_id: Option<String>,
    /// Only resources carrying this tag, `KEY=VALUE`.
    pub tag: Option<String>,
    pub note: Option<String>,
    /// Replace the baseline with the same tag selector.
    #[serde(default)]
    pub replace: bool,
}

/// A resource whose current state is approved.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    pub resource_id: String,
    /// Only this baseline of the connection.
    pub baseline_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryPage {
    /// By resource id: resource_id, kind, account_id, region, content_hash, approved_at,
    /// approved_by, document.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<BaselineEntry>,
    pub next_cursor: Option<String>,
}

/// A baseline of the caller's organization; 404 otherwise (ids of other tenants are not
/// confirmed).
async fn owned_baseline(state: &AppState, p: &Principal, id: &str) -> ApiResult<BaselineRecord> {
    let parsed: BaselineId = id.parse().map_err(|_| ApiError::not_found("baseline", id))?;
    let b = state
        .store
        .get_baseline(parsed)
        .await?
        .ok_or_else(|| ApiError::not_found("baseline", id))?;
    state
        .owned_connection(p, b.connection_id.as_str())
        .await
        .map_err(|_| ApiError::not_found("baseline", id))?;
    Ok(b)
}

/// The connection's baselines.
#[utoipa::path(get, path = "/connections/{id}/baselines", tag = "drift", security(("token" = [])),
    params(("id" = String, Path, description = "connection id")),
    responses((status = 200, body = Vec<Object>), (status = 404, body = ErrorBody)))]
async fn list_baselines(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<axum::Json<Vec<BaselineRecord>>> {
    p.require(Role::Viewer)?;
    let c = state.owned_connection(&p, &id).await?;
    Ok(axum::Json(
        state
            .store
            .list_baselines(Some(std::slice::from_ref(&c.id)))
            .await?,
    ))
}

/// Pins the connection's latest finished scan as a baseline (optionally only resources with a
/// tag). 201 with the baseline; 409 when one with the same selector exists (unless
/// `replace`) or the scan is not the latest finished one. Editor.
#[utoipa::path(post, path = "/connections/{id}/baselines", tag = "drift", security(("token" = [])),
    params(("id" = String, Path, description = "connection id")),
    request_body = PinBody,
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn pin_baseline(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PinBody>,
) -> ApiResult<Response> {
    p.require(Role::Editor)?;
    let c = state.owned_connection(&p, &id).await?;
    let invalid = |m: String| ApiError::new(ErrorCode::InvalidBody, m);
    let new = NewBaseline {
        connection_id: c.id.clone(),
        scan_id: body
            .scan_id
            .as_deref()
            .map(|s| s.parse::<ScanId>().map_err(|e| invalid(format!("scan_id: {e}"))))
            .transpose()?,
        selector: body
            .tag
            .as_deref()
            .map(|t| t.parse::<TagSelector>().map_err(|e| invalid(format!("tag: {e}"))))
            .transpose()?,
        note: body.note.clone(),
        created_by: p.actor(),
        replace: body.replace,
        at: Utc::now(),
    };
    if new.note.as_ref().is_some_and(|n| n.len() > 1000) {
        return Err(invalid("note: at most 1000 characters".into()));
    }
    let b = state.store.pin_baseline(&new).await?;
    state
        .audit(
            &p,
            "baseline.pin",
            &b.id.to_string(),
            "ok",
            json!({ "connection": c.id, "scan": b.scan_id, "selector": b.selector, "resources": b.resource_count }),
        )
        .await;
    Ok((StatusCode::CREATED, axum::Json(b)).into_response())
}

/// Approves the current state of one resource into the connection's baselines (a deleted
/// resource leaves them, a new one joins the baseline covering it); its drift findings
/// resolve on the next scan. Editor.
#[utoipa::path(post, path = "/connections/{id}/baselines/approve", tag = "drift", security(("token" = [])),
    params(("id" = String, Path, description = "connection id")),
    request_body = ApproveBody,
    responses((status = 200, body = Vec<Object>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn approve_resource(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ApproveBody>,
) -> ApiResult<axum::Json<Vec<Approval>>> {
    p.require(Role::Editor)?;
    let c = state.owned_connection(&p, &id).await?;
    let invalid = |m: String| ApiError::new(ErrorCode::InvalidBody, m);
    let rid: ResourceId = body
        .resource_id
        .parse()
        .map_err(|e| invalid(format!("resource_id: {e}")))?;
    let baseline = match &body.baseline_id {
        Some(b) => Some(owned_baseline(&state, &p, b).await?.id),
        None => None,
    };
    let approvals = state
        .store
        .approve_resource(&c.id, baseline, &rid, &p.actor(), Utc::now())
        .await?;
    state
        .audit(
            &p,
            "baseline.approve",
            rid.as_str(),
            "ok",
            json!({ "connection": c.id, "approvals": approvals }),
        )
        .await;
    Ok(axum::Json(approvals))
}

/// One baseline (without its resources).
#[utoipa::path(get, path = "/baselines/{id}", tag = "drift", security(("token" = [])),
    params(("id" = String, Path, description = "baseline id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn get_baseline(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<axum::Json<BaselineRecord>> {
    p.require(Role::Viewer)?;
    Ok(axum::Json(owned_baseline(&state, &p, &id).await?))
}

/// Deletes a baseline; its drift findings resolve on the next scan. Editor.
#[utoipa::path(delete, path = "/baselines/{id}", tag = "drift", security(("token" = [])),
    params(("id" = String, Path, description = "baseline id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_baseline(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    p.require(Role::Editor)?;
    let b = owned_baseline(&state, &p, &id).await?;
    state.store.delete_baseline(b.id).await?;
    state
        .audit(&p, "baseline.delete", &id, "ok", json!({ "connection": b.connection_id }))
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// The approved resources of a baseline by resource id, cursor-paginated.
#[utoipa::path(get, path = "/baselines/{id}/resources", tag = "drift", security(("token" = [])),
    params(("id" = String, Path, description = "baseline id"), EntriesQuery),
    responses((status = 200, body = EntryPage), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn baseline_resources(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<EntriesQuery>,
) -> ApiResult<axum::Json<EntryPage>> {
    p.require(Role::Viewer)?;
    let b = owned_baseline(&state, &p, &id).await?;
    let limit = state.page_limit(q.limit)?;
    let after: Option<ResourceId> = q
        .cursor
        .as_deref()
        .map(|c| c.parse().map_err(|_| ApiError::bad_request("cursor: expected a cursor returned with the previous page")))
        .transpose()?;
    let mut items = state
        .store
        .baseline_entries(b.id, after.as_ref(), Some(limit + 1))
        .await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|e| e.resource_id.to_string())
    } else {
        None
    };
    Ok(axum::Json(EntryPage { items, next_cursor }))
}
