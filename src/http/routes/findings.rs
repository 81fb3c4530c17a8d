//! Findings of the caller's organization: filtered, sorted, cursor-paginated listing, and
//! exports in every format of the rules crate, streamed to the client.

use std::io::Write;

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use skywarden_rules::export::{self, ExportFormat, ExportInput};
use skywarden_rules::{FindingRecord, FindingStatus};
use skywarden_store::{FindingCursor, FindingFilter, FindingSort, Role};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{ApiQuery, Principal};
use crate::http::routes::resources::{parse_kinds, parse_tag};
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_findings))
        .routes(routes!(export_findings))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FindingsQuery {
    /// Only this connection's findings (else every connection of the organization).
    pub connection: Option<String>,
    /// Statuses, comma separated: open, regressed, resolved, suppressed, or `active`
    /// (open + regressed, the default) or `all`.
    pub status: Option<String>,
    /// Minimum severity: info, low, medium, high (or `high+`), critical.
    pub severity: Option<String>,
    /// security, cost or drift.
    pub category: Option<String>,
    pub rule: Option<String>,
    /// One resource kind.
    pub kind: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    /// `KEY` or `KEY=VALUE` on the resource's tags.
    pub tag: Option<String>,
    /// Only findings whose status changed after this scan.
    pub since_scan: Option<String>,
    /// key (default), severity, first_seen, last_seen, cost.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingPage {
    /// Stored findings with lifecycle (status, first/last seen, regression count).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<FindingRecord>,
    pub next_cursor: Option<String>,
}

fn parse_statuses(s: Option<&str>) -> ApiResult<Vec<FindingStatus>> {
    match s {
        None | Some("active") => Ok(FindingFilter::active()),
        Some("all") => Ok(vec![]),
        Some(list) => list
            .split(',')
            .map(|x| {
                x.trim()
                    .parse::<FindingStatus>()
                    .map_err(|e| ApiError::bad_request(format!("status: {e}")))
            })
            .collect(),
    }
}

fn parse_sort(s: Option<&str>) -> ApiResult<FindingSort> {
    Ok(match s.unwrap_or("key") {
        "key" => FindingSort::Key,
        "severity" => FindingSort::SeverityDesc,
        "first_seen" => FindingSort::FirstSeenDesc,
        "last_seen" => FindingSort::LastSeenDesc,
        "cost" => FindingSort::CostDesc,
        other => {
            return Err(ApiError::bad_request(format!(
                "sort {other:?}: expected key, severity, first_seen, last_seen or cost"
            )))
        }
    })
}

/// Parses an optional query value; errors name the parameter.
pub fn parse_opt<T: std::str::FromStr>(s: Option<&str>, field: &str) -> ApiResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    s.map(|v| {
        v.parse::<T>()
            .map_err(|e| ApiError::bad_request(format!("{field}: {e}")))
    })
    .transpose()
}

/// The filter of a query, restricted to the caller's organization.
async fn filter_of(state: &AppState, p: &Principal, q: &FindingsQuery) -> ApiResult<FindingFilter> {
    let connection_id = match &q.connection {
        Some(c) => Some(state.owned_connection(p, c).await?.id),
        None => None,
    };
    let kinds = parse_kinds(q.kind.as_deref())?;
    if kinds.len() > 1 {
        return Err(ApiError::bad_request("kind: give one resource kind"));
    }
    let since_scan = match &q.since_scan {
        Some(s) => {
            let scan = crate::http::routes::scans::owned_scan(state, p, s).await?;
            Some(scan.id)
        }
        None => None,
    };
    Ok(FindingFilter {
        connection_id,
        org_connections: Some(state.org_connection_ids(p).await?),
        statuses: parse_statuses(q.status.as_deref())?,
        min_severity: parse_opt(q.severity.as_deref().map(|s| s.trim_end_matches('+')), "severity")?,
        rule_id: q.rule.clone(),
        category: parse_opt(q.category.as_deref(), "category")?,
        resource_kind: kinds.first().copied(),
        account_id: parse_opt(q.account.as_deref(), "account")?,
        region: parse_opt(q.region.as_deref(), "region")?,
        tag: parse_tag(q.tag.as_deref())?,
        since_scan,
        ..Default::default()
    })
}

/// Findings of the organization, filtered and sorted, with cursor pagination.
#[utoipa::path(get, path = "/findings", tag = "findings", security(("token" = [])),
    params(FindingsQuery),
    responses((status = 200, body = FindingPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_findings(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<FindingsQuery>,
) -> ApiResult<axum::Json<FindingPage>> {
    p.require(Role::Viewer)?;
    let mut filter = filter_of(&state, &p, &q).await?;
    let sort = parse_sort(q.sort.as_deref())?;
    let limit = state.page_limit(q.limit)?;
    filter.sort = sort;
    filter.after = q
        .cursor
        .as_deref()
        .map(|c| FindingCursor::decode(c, sort))
        .transpose()
        .map_err(|_| ApiError::bad_request("cursor: not a cursor of this listing and sort"))?;
    filter.limit = Some(limit + 1);
    let mut items = state.store.list_findings(&filter).await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items
            .last()
            .map(|r| skywarden_store::cursor_after(r, sort).encode())
    } else {
        None
    };
    Ok(axum::Json(FindingPage { items, next_cursor }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// json, ndjson, csv, ocsf, sarif or junit.
    pub format: String,
    pub connection: Option<String>,
    pub status: Option<String>,
    pub severity: Option<String>,
    pub category: Option<String>,
    pub rule: Option<String>,
    pub kind: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub tag: Option<String>,
    pub since_scan: Option<String>,
}

/// Streams the matching findings in one export format.
#[utoipa::path(get, path = "/findings/export", tag = "findings", security(("token" = [])),
    params(ExportQuery),
    responses((status = 200, description = "the export document (media type of the format)"),
        (status = 400, body = ErrorBody)))]
async fn export_findings(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    p.require(Role::Viewer)?;
    let format: ExportFormat = q
        .format
        .parse()
        .map_err(|e| ApiError::bad_request(format!("format: {e}")))?;
    let fq = FindingsQuery {
        connection: q.connection,
        status: q.status,
        severity: q.severity,
        category: q.category,
        rule: q.rule,
        kind: q.kind,
        account: q.account,
        region: q.region,
        tag: q.tag,
        since_scan: q.since_scan,
        sort: None,
        cursor: None,
        limit: None,
    };
    let filter = filter_of(&state, &p, &fq).await?;
    let findings = state.store.list_findings(&filter).await?;
    let rules = state.rules.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        let mut w = std::io::BufWriter::with_capacity(64 * 1024, ChannelWriter { tx: tx.clone() });
        let input = ExportInput {
            findings: &findings,
            rules: &rules,
            generated_at: Utc::now(),
            tool_version: env!("CARGO_PKG_VERSION"),
        };
        let r = export::write(format, &input, &mut w)
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|_| w.flush());
        if let Err(e) = r {
            tracing::warn!(error = %e, "export aborted");
            let _ = tx.blocking_send(Err(e));
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let filename = format!("skywarden-findings.{}", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.media_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// A `Write` that hands chunks to the response body; a gone client ends the export.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tx
            .blocking_send(Ok(buf.to_vec()))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
