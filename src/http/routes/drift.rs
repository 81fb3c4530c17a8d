//! Drift: a Terraform state (the request body) against a connection's stored inventory.
//!
//! Viewer role: the comparison reads the stored inventory and writes nothing (like the
//! resource and exposure routes); the state is held in memory for the request only, never
//! stored, logged or audited (states carry secrets in their attributes; errors name fields
//! and addresses, never values). Bodies are limited by `[server] max_terraform_state_bytes`
//! (413 above it), not by `max_body_bytes`: states are larger than other bodies.

use axum::body::Body;
use axum::extract::State;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use skywarden_graph::{AccountId, Region};
use skywarden_store::Role;
use skywarden_terraform::{parse, DriftReport, MapOptions};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::http::extract::{ApiPath, ApiQuery, Principal};
use crate::http::AppState;
use crate::terraform::{compare_stored, DriftError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(terraform_drift))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TerraformDriftQuery {
    /// Region of state resources whose attributes (and provider siblings) do not say it.
    pub region: Option<String>,
    /// Account of such resources. Default: the connection's account when its inventory has
    /// exactly one.
    pub account: Option<String>,
    /// The state's name in the report and in errors (default `request body`).
    pub name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TerraformDriftView {
    pub connection_id: String,
    /// `states`, `summary` (managed, compared, in_sync, unmanaged, missing, changed,
    /// not_compared, drift), `unmanaged`, `missing`, `changed` (attribute, declared_by, state,
    /// live), `unverified`, `not_compared` (types, resources, scopes); as `skywarden drift
    /// terraform --format json` prints it.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub report: DriftReport,
}

/// Compares a Terraform state (format version 4, the request body) with the connection's
/// stored inventory: unmanaged, missing and changed resources over Complete scopes. Viewer.
/// 413 over `[server] max_terraform_state_bytes`; 422 naming the resource address when the
/// state is malformed or unsupported.
#[utoipa::path(post, path = "/connections/{id}/drift/terraform", tag = "drift", security(("token" = [])),
    params(("id" = String, Path, description = "connection id"), TerraformDriftQuery),
    request_body(content = Object, content_type = "application/json", description = "terraform.tfstate"),
    responses((status = 200, body = TerraformDriftView), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn terraform_drift(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<TerraformDriftQuery>,
    body: Body,
) -> ApiResult<axum::Json<TerraformDriftView>> {
    p.require(Role::Viewer)?;
    let c = state.owned_connection(&p, &id).await?;
    let opts = MapOptions {
        default_account: q
            .account
            .as_deref()
            .map(|a| a.parse::<AccountId>())
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("account: {e}")))?,
        default_region: q
            .region
            .as_deref()
            .map(|r| r.parse::<Region>())
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("region: {e}")))?,
    };
    let name = q
        .name
        .map(|n| n.chars().filter(|c| !c.is_control()).take(200).collect())
        .unwrap_or_else(|| "request body".to_string());
    let limit = state.config.server.max_terraform_state_bytes;
    let bytes = read_limited(body, limit).await?;
    let parsed = parse(&name, &bytes).map_err(|e| ApiError::new(ErrorCode::InvalidBody, e.to_string()))?;
    drop(bytes);
    let report = compare_stored(&state.store, &c.id, &[parsed], opts)
        .await
        .map_err(|e| match e {
            DriftError::State(e) => ApiError::new(ErrorCode::InvalidBody, e.to_string()),
            DriftError::Store(e) => ApiError::from(e),
        })?;
    Ok(axum::Json(TerraformDriftView {
        connection_id: c.id.to_string(),
        report,
    }))
}

/// The body, or 413 as soon as more than `limit` bytes arrived. The body is read up to the
/// limit even when `Content-Length` announces more: the client then gets its 413 instead of a
/// connection reset in the middle of its upload.
async fn read_limited(body: Body, limit: usize) -> ApiResult<Vec<u8>> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("cannot read the body: {e}")))?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!(
                    "the state is larger than the limit of {limit} bytes ([server] max_terraform_state_bytes)"
                ),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}
