//! Scans: trigger (202 + scan id), status with progress and coverage, history, cancel,
//! comparison of two scans.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skywarden_graph::{CoverageStatus, ScanId};
use skywarden_store::{Role, ScanRecord, ScanStatus, ScanTrigger};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery, Principal};
use crate::http::AppState;
use crate::scans::StartError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_scan, list_scans))
        .routes(routes!(get_scan))
        .routes(routes!(cancel_scan))
        .routes(routes!(compare_scans))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScanAccepted {
    pub scan_id: String,
    pub status: String,
    /// Poll this for progress.
    pub href: String,
}

/// Coverage counts of a scan.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageCounts {
    pub complete: usize,
    pub skipped: usize,
    pub failed: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScanView {
    /// The stored scan: status, times, coverage per (account, region, kind), errors, counts.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub scan: ScanRecord,
    pub coverage_counts: CoverageCounts,
}

impl ScanView {
    fn of(scan: ScanRecord) -> ScanView {
        let mut counts = CoverageCounts {
            complete: 0,
            skipped: 0,
            failed: 0,
        };
        for (_, s) in scan.coverage.iter() {
            match s {
                CoverageStatus::Complete => counts.complete += 1,
                CoverageStatus::Skipped { .. } => counts.skipped += 1,
                CoverageStatus::Failed { .. } => counts.failed += 1,
            }
        }
        ScanView {
            scan,
            coverage_counts: counts,
        }
    }
}

/// Starts a scan of the connection now. 202 with the scan id; 409 while one runs. Editor.
#[utoipa::path(post, path = "/connections/{id}/scans", tag = "scans", security(("token" = [])),
    params(("id" = String, Path, description = "connection id")),
    responses((status = 202, body = ScanAccepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn start_scan(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    p.require(Role::Editor)?;
    let c = state.owned_connection(&p, &id).await?;
    let scan_id = match state.scans.start(&c, ScanTrigger::Api).await {
        Ok(s) => s,
        Err(StartError::Busy(_)) => {
            return Err(ApiError::conflict(
                "a scan of this connection is already running",
            ))
        }
        Err(StartError::ShuttingDown) => {
            return Err(ApiError::new(
                crate::http::error::ErrorCode::Unavailable,
                "the daemon is shutting down",
            )
            .with_retry_after(5))
        }
        Err(StartError::Other(e)) => return Err(ApiError::anyhow("start scan", &e)),
    };
    state
        .audit(
            &p,
            "scan.start",
            c.id.as_str(),
            "ok",
            json!({ "scan_id": scan_id.to_string() }),
        )
        .await;
    let href = format!("/v1/scans/{scan_id}");
    let mut resp = (
        StatusCode::ACCEPTED,
        axum::Json(ScanAccepted {
            scan_id: scan_id.to_string(),
            status: ScanStatus::Running.as_str().to_string(),
            href: href.clone(),
        }),
    )
        .into_response();
    if let Ok(v) = header::HeaderValue::from_str(&href) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListScansQuery {
    /// At most this many, newest first (default 20, at most 200).
    pub limit: Option<u32>,
}

/// The connection's scans, newest first.
#[utoipa::path(get, path = "/connections/{id}/scans", tag = "scans", security(("token" = [])),
    params(("id" = String, Path, description = "connection id"), ListScansQuery),
    responses((status = 200, body = Vec<ScanView>), (status = 404, body = ErrorBody)))]
async fn list_scans(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ListScansQuery>,
) -> ApiResult<axum::Json<Vec<ScanView>>> {
    p.require(Role::Viewer)?;
    let c = state.owned_connection(&p, &id).await?;
    let limit = q.limit.unwrap_or(20).clamp(1, 200);
    let scans = state.store.list_scans(&c.id, limit).await?;
    Ok(axum::Json(scans.into_iter().map(ScanView::of).collect()))
}

/// The scan if it belongs to one of the caller's connections.
pub async fn owned_scan(state: &AppState, p: &Principal, id: &str) -> ApiResult<ScanRecord> {
    let scan_id: ScanId = id.parse().map_err(|_| ApiError::not_found("scan", id))?;
    let scan = state
        .store
        .get_scan(scan_id)
        .await?
        .ok_or_else(|| ApiError::not_found("scan", id))?;
    state
        .owned_connection(p, scan.connection_id.as_str())
        .await
        .map_err(|_| ApiError::not_found("scan", id))?;
    Ok(scan)
}

/// One scan: status, progress (`phase`), coverage, errors and counters.
#[utoipa::path(get, path = "/scans/{id}", tag = "scans", security(("token" = [])),
    params(("id" = String, Path, description = "scan id")),
    responses((status = 200, body = ScanView), (status = 404, body = ErrorBody)))]
async fn get_scan(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<axum::Json<ScanView>> {
    p.require(Role::Viewer)?;
    Ok(axum::Json(ScanView::of(owned_scan(&state, &p, &id).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CancelAccepted {
    pub scan_id: String,
    /// True when the scan was still running and is being cancelled.
    pub cancelling: bool,
}

/// Cancels a running scan (whichever replica runs it). 202; 409 if it already ended. Editor.
#[utoipa::path(post, path = "/scans/{id}/cancel", tag = "scans", security(("token" = [])),
    params(("id" = String, Path, description = "scan id")),
    responses((status = 202, body = CancelAccepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel_scan(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    p.require(Role::Editor)?;
    let scan = owned_scan(&state, &p, &id).await?;
    if scan.status != ScanStatus::Running {
        return Err(ApiError::conflict(format!(
            "scan {id} is not running (it is {})",
            scan.status
        )));
    }
    let marked = state.store.request_cancel(scan.id, chrono::Utc::now()).await?;
    state.scans.cancel_local(scan.id);
    state
        .audit(&p, "scan.cancel", &id, "ok", json!({ "connection": scan.connection_id.to_string() }))
        .await;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(CancelAccepted {
            scan_id: id,
            cancelling: marked,
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CompareQuery {
    /// The earlier scan.
    pub from: String,
    /// The later scan (same connection).
    pub to: String,
    /// Also list unchanged findings.
    #[serde(default)]
    pub include_unchanged: bool,
}

/// How findings moved between two scans of one connection: new, resolved, regressed.
#[utoipa::path(get, path = "/scans/compare", tag = "scans", security(("token" = [])),
    params(CompareQuery),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn compare_scans(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<CompareQuery>,
) -> ApiResult<Response> {
    p.require(Role::Viewer)?;
    let a = owned_scan(&state, &p, &q.from).await?;
    let b = owned_scan(&state, &p, &q.to).await?;
    let cmp = state
        .store
        .compare_scans(a.id, b.id, q.include_unchanged)
        .await?;
    Ok(axum::Json(cmp).into_response())
}
