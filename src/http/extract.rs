//! Extractors: the authenticated [`Principal`] (bearer token -> organization and role, with
//! failed-authentication rate limiting per client address), and JSON / query / path
//! extractors whose rejections are the API's JSON errors instead of axum's plain text.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use skywarden_store::{OrgId, Role};

use super::error::{ApiError, ErrorCode};
use super::AppState;

/// Who is calling: the token's organization and role, and where from.
#[derive(Debug, Clone)]
pub struct Principal {
    pub org: OrgId,
    pub role: Role,
    pub token_id: String,
    pub token_name: String,
    pub remote: Option<String>,
}

impl Principal {
    /// 403 unless the token's role includes `needed`.
    pub fn require(&self, needed: Role) -> Result<(), ApiError> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this route needs the {needed} role; the token has {}",
                self.role
            )))
        }
    }
    /// The actor recorded in the audit log.
    pub fn actor(&self) -> String {
        format!("token:{} ({})", self.token_id, self.token_name)
    }
}

/// The client address: the socket peer, or the first `X-Forwarded-For` entry when
/// `[server] trust_forwarded_for` is set.
pub fn client_addr(parts: &Parts, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for {
        if let Some(ip) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
        {
            return Some(ip);
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let remote = client_addr(parts, state.config.server.trust_forwarded_for);
        if let Some(ip) = remote {
            if let Some(wait) = state.auth_limiter.blocked(ip, Instant::now()) {
                return Err(ApiError::new(
                    ErrorCode::TooManyRequests,
                    "too many failed authentications from this address; retry later",
                )
                .with_retry_after(wait.as_secs().max(1)));
            }
        }
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let info = match token {
            Some(t) if !t.is_empty() && t.len() <= 256 => state
                .store
                .authenticate_token(t, chrono::Utc::now())
                .await
                .map_err(ApiError::from)?,
            _ => None,
        };
        match info {
            Some(info) => Ok(Principal {
                org: info.org_id,
                role: info.role,
                token_id: info.id,
                token_name: info.name,
                remote: remote.map(|r| r.to_string()),
            }),
            None => {
                if let Some(ip) = remote {
                    state.auth_limiter.failed(ip, Instant::now());
                }
                tracing::info!(remote = ?remote, "authentication failed");
                Err(ApiError::unauthorized())
            }
        }
    }
}

/// Failed authentications per client address in a sliding minute; at the limit the address
/// is refused (429) until the window moves on. Memory is bounded: old entries are dropped.
#[derive(Debug)]
pub struct AuthLimiter {
    per_minute: u32,
    failures: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

const WINDOW: Duration = Duration::from_secs(60);
const MAX_TRACKED: usize = 10_000;

impl AuthLimiter {
    pub fn new(per_minute: u32) -> Self {
        AuthLimiter {
            per_minute: per_minute.max(1),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// How long `ip` must wait, if it is over the limit.
    pub fn blocked(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.get_mut(&ip)?;
        list.retain(|t| now.duration_since(*t) < WINDOW);
        if list.len() >= self.per_minute as usize {
            let oldest = list.first().copied()?;
            Some(WINDOW.saturating_sub(now.duration_since(oldest)))
        } else {
            None
        }
    }

    pub fn failed(&self, ip: IpAddr, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_TRACKED {
            map.retain(|_, l| l.last().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        let list = map.entry(ip).or_default();
        list.push(now);
        if list.len() > self.per_minute as usize * 2 {
            let excess = list.len() - self.per_minute as usize;
            list.drain(..excess);
        }
    }
}

/// `Json<T>` with JSON error responses (400/413/415/422) naming what is wrong.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    let code = match &e {
        JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
        JsonRejection::JsonDataError(_) => ErrorCode::InvalidBody,
        JsonRejection::JsonSyntaxError(_) => ErrorCode::BadRequest,
        _ if e.status() == StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        _ => ErrorCode::BadRequest,
    };
    // serde's messages name the field and position; they quote at most a field name.
    ApiError::new(code, one_line(&e.body_text()))
}

/// `Query<T>` with JSON 400 errors.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(q) => Ok(ApiQuery(q.0)),
            Err(e) => Err(query_rejection(e)),
        }
    }
}

fn query_rejection(e: QueryRejection) -> ApiError {
    ApiError::bad_request(one_line(&e.body_text()))
}

/// `Path<T>` with JSON 400 errors.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(p) => Ok(ApiPath(p.0)),
            Err(e) => Err(path_rejection(e)),
        }
    }
}

fn path_rejection(e: PathRejection) -> ApiError {
    ApiError::bad_request(one_line(&e.body_text()))
}

fn one_line(s: &str) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    s.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_blocks_after_the_limit_and_forgets() {
        let l = AuthLimiter::new(3);
        let ip: IpAddr = "10.0.0.1".parse().unwrap_or(IpAddr::from([10, 0, 0, 1]));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(l.blocked(ip, t0).is_none(), "blocked after {i}");
            l.failed(ip, t0);
        }
        assert!(l.blocked(ip, t0).is_some());
        let other: IpAddr = IpAddr::from([10, 0, 0, 2]);
        assert!(l.blocked(other, t0).is_none());
        assert!(l
            .blocked(ip, t0 + WINDOW + Duration::from_secs(1))
            .is_none());
    }
}
