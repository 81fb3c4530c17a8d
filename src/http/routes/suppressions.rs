//! Suppressions (accepted risks) of the caller's organization: list, create, revoke.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use skywarden_rules::{NewSuppression, Suppression};
use skywarden_store::Role;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, Principal};
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_suppressions, create_suppression))
        .routes(routes!(revoke_suppression))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Include revoked suppressions.
    #[serde(default)]
    pub include_revoked: bool,
}

/// The organization's suppressions.
#[utoipa::path(get, path = "/suppressions", tag = "suppressions", security(("token" = [])),
    params(ListQuery),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody)))]
async fn list_suppressions(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<axum::Json<Vec<Suppression>>> {
    p.require(Role::Viewer)?;
    Ok(axum::Json(
        state
            .store
            .list_org_suppressions(&p.org, q.include_revoked)
            .await?,
    ))
}

/// Creates a suppression: selectors (rule glob, resource glob, account, tags, connection),
/// owner, reason, ticket and a mandatory `expires_at`. Editor.
#[utoipa::path(post, path = "/suppressions", tag = "suppressions", security(("token" = [])),
    request_body = Object,
    responses((status = 201, body = Object), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_suppression(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<NewSuppression>,
) -> ApiResult<Response> {
    p.require(Role::Editor)?;
    if let Some(c) = &body.connection_id {
        state.owned_connection(&p, c.as_str()).await?;
    }
    let now = Utc::now();
    if body.expires_at <= now {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            "expires_at must be in the future",
        ));
    }
    let s = body
        .into_suppression(uuid::Uuid::now_v7().to_string(), now)
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, e.to_string()))?;
    state.store.create_org_suppression(&p.org, &s).await?;
    state
        .audit(
            &p,
            "suppression.create",
            &s.id,
            "ok",
            json!({ "rule": s.rule, "resource": s.resource, "expires_at": s.expires_at }),
        )
        .await;
    Ok((StatusCode::CREATED, axum::Json(s)).into_response())
}

/// Revokes a suppression (kept for the record); its findings re-surface at the next scan.
#[utoipa::path(delete, path = "/suppressions/{id}", tag = "suppressions", security(("token" = [])),
    params(("id" = String, Path, description = "suppression id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_suppression(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    p.require(Role::Editor)?;
    state
        .store
        .revoke_org_suppression(&p.org, &id, Utc::now())
        .await?;
    state
        .audit(&p, "suppression.revoke", &id, "ok", json!({}))
        .await;
    Ok(StatusCode::NO_CONTENT)
}
