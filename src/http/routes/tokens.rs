//! API tokens of the caller's organization (admin only): list, create (the secret is shown
//! once), revoke.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::json;
use skywarden_store::{Role, TokenInfo};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::http::extract::{ApiJson, ApiPath, Principal};
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// The organization's tokens (never their secrets).
#[utoipa::path(get, path = "/tokens", tag = "tokens", security(("token" = [])),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<axum::Json<Vec<TokenInfo>>> {
    p.require(Role::Admin)?;
    Ok(axum::Json(state.store.list_tokens(&p.org).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub name: String,
    /// admin, editor or viewer.
    pub role: String,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[schema(value_type = Object)]
    pub info: TokenInfo,
    /// The bearer token. Shown once; only its hash is stored.
    pub token: String,
}

/// Creates a token for this organization. Admin.
#[utoipa::path(post, path = "/tokens", tag = "tokens", security(("token" = [])),
    request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<CreateToken>,
) -> ApiResult<Response> {
    p.require(Role::Admin)?;
    let role: Role = body
        .role
        .parse()
        .map_err(|e: skywarden_store::StoreError| ApiError::new(ErrorCode::InvalidBody, e.to_string()))?;
    if body.name.trim().is_empty() || body.name.len() > 200 {
        return Err(ApiError::new(ErrorCode::InvalidBody, "name: 1 to 200 characters"));
    }
    if body.expires_at.is_some_and(|e| e <= Utc::now()) {
        return Err(ApiError::new(ErrorCode::InvalidBody, "expires_at must be in the future"));
    }
    let (info, secret) = state
        .store
        .create_token(&p.org, &body.name, role, body.expires_at, Utc::now())
        .await?;
    state
        .audit(&p, "token.create", &info.id, "ok", json!({ "role": role.to_string(), "name": body.name }))
        .await;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedToken {
            info,
            token: secret.expose_secret().to_string(),
        }),
    )
        .into_response())
}

/// Revokes a token of this organization. Admin.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", security(("token" = [])),
    params(("id" = String, Path, description = "token id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    p.require(Role::Admin)?;
    state.store.revoke_token(&p.org, &id, Utc::now()).await?;
    state.audit(&p, "token.revoke", &id, "ok", json!({})).await;
    Ok(StatusCode::NO_CONTENT)
}
