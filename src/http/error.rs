//! The API's one error type: a closed table of (code, HTTP status), rendered as JSON
//! `{"code": "...", "message": "..."}`. Internal errors are logged once here with their cause
//! chain and answered with a generic message: driver text never reaches a client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use skywarden_store::StoreError;
use utoipa::ToSchema;

/// Every error code the API answers with, and its HTTP status.
macro_rules! codes {
    ($($variant:ident => ($code:literal, $status:ident)),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode { $($variant),* }
        impl ErrorCode {
            #[cfg(test)]
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),* }
            }
            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status),* }
            }
        }
    };
}

codes! {
    BadRequest => ("bad_request", BAD_REQUEST),
    InvalidBody => ("invalid_body", UNPROCESSABLE_ENTITY),
    UnsupportedMediaType => ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE),
    PayloadTooLarge => ("payload_too_large", PAYLOAD_TOO_LARGE),
    Unauthorized => ("unauthorized", UNAUTHORIZED),
    Forbidden => ("forbidden", FORBIDDEN),
    NotFound => ("not_found", NOT_FOUND),
    MethodNotAllowed => ("method_not_allowed", METHOD_NOT_ALLOWED),
    Conflict => ("conflict", CONFLICT),
    TooManyRequests => ("too_many_requests", TOO_MANY_REQUESTS),
    Unavailable => ("unavailable", SERVICE_UNAVAILABLE),
    Internal => ("internal", INTERNAL_SERVER_ERROR),
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `not_found`.
    pub code: &'static str,
    /// One human-readable line; never contains secrets or driver internals.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, m)
    }
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            ErrorCode::NotFound,
            format!("{what} {} not found", bounded(id)),
        )
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, m)
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, m)
    }
    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "missing or invalid bearer token (Authorization: Bearer swt_...)",
        )
    }
    /// Logs `cause` (with its chain) and answers 500 without it.
    pub fn internal(context: &str, cause: &dyn std::error::Error) -> Self {
        let mut chain = cause.to_string();
        let mut src = cause.source();
        while let Some(s) = src {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            src = s.source();
        }
        tracing::error!(context, error = %chain, "internal error");
        Self::new(ErrorCode::Internal, format!("internal error ({context})"))
    }
    pub fn anyhow(context: &str, e: &anyhow::Error) -> Self {
        let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
        tracing::error!(context, error = %chain.join(": "), "internal error");
        Self::new(ErrorCode::Internal, format!("internal error ({context})"))
    }
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
}

fn bounded(s: &str) -> String {
    s.chars().take(200).collect()
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::NotFound { .. } => ApiError::new(ErrorCode::NotFound, e.to_string()),
            StoreError::Conflict { .. } => ApiError::new(ErrorCode::Conflict, e.to_string()),
            StoreError::InvalidValue { .. } => ApiError::new(ErrorCode::BadRequest, e.to_string()),
            // Sealing/MasterKey messages are secret-free by construction, but they describe
            // the server's key material: keep them in the log only.
            _ => ApiError::internal("database", &e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let body = ErrorBody {
            code: self.code.as_str(),
            message: self.message,
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"skywarden\""),
            );
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_errors() {
        let mut seen = HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
            assert!(c.status().is_client_error() || c.status().is_server_error());
        }
    }

    #[test]
    fn store_errors_map_to_codes() {
        let nf: ApiError = StoreError::NotFound {
            what: "scan",
            id: "x".into(),
        }
        .into();
        assert_eq!(nf.code, ErrorCode::NotFound);
        let internal: ApiError = StoreError::Sealing("bad tag".into()).into();
        assert_eq!(internal.code, ErrorCode::Internal);
        assert!(!internal.message.contains("bad tag"));
    }
}
