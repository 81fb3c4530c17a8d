//! Unauthenticated operational routes: liveness, readiness, Prometheus metrics.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorCode};
use super::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

/// Liveness: 200 while the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health)))]
async fn healthz() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    pub status: &'static str,
    pub database: &'static str,
    pub migrations_applied: bool,
}

/// Readiness: 200 when the database answers and every migration is applied; 503 otherwise.
#[utoipa::path(get, path = "/readyz", tag = "system",
    responses((status = 200, body = Readiness), (status = 503, body = super::error::ErrorBody)))]
async fn readyz(State(state): State<AppState>) -> Response {
    if let Err(e) = state.store.ping().await {
        tracing::warn!(error = %e, "readiness: database unreachable");
        return ApiError::new(ErrorCode::Unavailable, "the database is not reachable")
            .with_retry_after(5)
            .into_response();
    }
    match state.store.migrations_applied().await {
        Ok(true) => axum::Json(Readiness {
            status: "ready",
            database: state.store.backend().as_str(),
            migrations_applied: true,
        })
        .into_response(),
        Ok(false) => ApiError::new(
            ErrorCode::Unavailable,
            "database migrations are not all applied",
        )
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: cannot read the migration table");
            ApiError::new(ErrorCode::Unavailable, "cannot read the migration state").into_response()
        }
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "system",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>) -> Response {
    match state
        .metrics
        .render(&state.store, state.scans.running_count())
        .await
    {
        Ok(text) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => ApiError::anyhow("metrics", &e).into_response(),
    }
}
