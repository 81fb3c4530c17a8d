//! The ARM client: azure_core's HTTP pipeline with azure_identity's client-secret credential.
//!
//! - The transport is a reqwest client we build ourselves so an extra CA bundle (corporate
//!   TLS inspection, the test CA of the fake ARM server) is trusted on top of the system
//!   store; `HTTPS_PROXY` / `NO_PROXY` are honoured by reqwest's system proxy support.
//! - The pipeline's own retry policy is off: [`Arm::get`] retries 429/503 (and other
//!   transient failures) itself, honouring `Retry-After` / `retry-after-ms` /
//!   `x-ms-retry-after-ms`, but never past its own per-call deadline (the pipeline's policy
//!   would wait whatever the server asks for), through the scan's adaptive token buckets.
//! - `nextLink` is followed only when it points at the configured ARM endpoint (scheme, host
//!   and port): the bearer token is never sent anywhere else.
//! - Failures are classified like AWS's: `AuthorizationFailed` -> access denied,
//!   `SubscriptionNotFound` -> service error with that code, 429/503 -> throttled, transport
//!   and timeouts, undecodable bodies.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::policies::Policy;
use azure_core::http::{
    ClientOptions, Context, Method, Pipeline, PipelineSendOptions, Request, RetryOptions,
    Transport, Url,
};
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use skywarden_graph::ErrorClass;

use crate::azure::AzureCredentials;
use crate::error::{CollectError, ScanError};
use crate::limits::{Gate, Service};
use crate::runner::RetryPolicy;

const RETRY_AFTER: HeaderName = HeaderName::from_static("retry-after");
const RETRY_AFTER_MS: HeaderName = HeaderName::from_static("retry-after-ms");
const X_MS_RETRY_AFTER_MS: HeaderName = HeaderName::from_static("x-ms-retry-after-ms");

/// Where ARM and Entra ID are, and how to reach them.
#[derive(Debug, Clone)]
pub struct ArmEndpoints {
    /// ARM, e.g. `https://management.azure.com/` (public cloud).
    pub arm: Url,
    /// Entra ID, e.g. `https://login.microsoftonline.com/`.
    pub authority_host: Url,
    /// Extra PEM certificates to trust (on top of the system store).
    pub ca_bundle: Option<PathBuf>,
}

impl Default for ArmEndpoints {
    fn default() -> Self {
        ArmEndpoints {
            arm: Url::parse("https://management.azure.com/").unwrap_or_else(|_| unreachable!()),
            authority_host: Url::parse("https://login.microsoftonline.com/")
                .unwrap_or_else(|_| unreachable!()),
            ca_bundle: None,
        }
    }
}

/// Parses an https endpoint given by the user (`--arm-endpoint`, `--authority-host`).
pub fn parse_endpoint(s: &str) -> Result<Url, ScanError> {
    let url = Url::parse(s.trim()).map_err(|_| ScanError::InvalidAzureEndpoint(s.to_string()))?;
    if url.scheme() != "https" || url.host_str().is_none() {
        return Err(ScanError::InvalidAzureEndpoint(s.to_string()));
    }
    Ok(url)
}

/// One ARM page: `{"value": [...], "nextLink": "..."}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArmPage<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(default)]
    next_link: Option<String>,
}

/// ARM's error body: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Deserialize)]
struct ArmErrorBody {
    error: Option<ArmErrorDetail>,
}

#[derive(Debug, Deserialize)]
struct ArmErrorDetail {
    code: Option<String>,
    message: Option<String>,
}

/// The ARM client of one scan.
#[derive(Debug)]
pub struct Arm {
    pipeline: Pipeline,
    credential: Arc<ClientSecretCredential>,
    endpoint: Url,
    authority: String,
    scope: String,
    retry: RetryPolicy,
    call_deadline: Duration,
}

fn read_ca_bundle(path: &Path) -> Result<Vec<reqwest_arm::Certificate>, ScanError> {
    let pem = std::fs::read(path).map_err(|e| ScanError::CaBundle {
        path: path.display().to_string(),
        detail: e.to_string(),
    })?;
    let certs =
        reqwest_arm::Certificate::from_pem_bundle(&pem).map_err(|e| ScanError::CaBundle {
            path: path.display().to_string(),
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(ScanError::CaBundle {
            path: path.display().to_string(),
            detail: "no PEM certificate in the file".into(),
        });
    }
    Ok(certs)
}

impl Arm {
    /// Builds the pipeline and the credential; no network traffic yet.
    pub fn new(
        endpoints: &ArmEndpoints,
        credentials: &AzureCredentials,
        retry: RetryPolicy,
        call_deadline: Duration,
    ) -> Result<Arm, ScanError> {
        let mut builder = reqwest_arm::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(retry.attempt_timeout);
        let bundle = endpoints
            .ca_bundle
            .clone()
            .or_else(|| std::env::var_os("SSL_CERT_FILE").map(PathBuf::from));
        if let Some(path) = bundle {
            builder = builder.tls_certs_merge(read_ca_bundle(&path)?);
        }
        let http = builder.build().map_err(|e| ScanError::Unreachable {
            endpoint: Some(endpoints.arm.to_string()),
            detail: format!("cannot build the HTTPS client: {e}"),
        })?;
        let transport = Transport::new(Arc::new(http));
        let authority = endpoints.authority_host.as_str().trim_end_matches('/');
        let mut custom = CustomConfiguration::default();
        custom.authority_host = authority.to_string();
        let cloud = CloudConfiguration::Custom(custom);
        let options = || ClientOptions {
            transport: Some(transport.clone()),
            retry: RetryOptions::none(),
            cloud: Some(Arc::new(cloud.clone())),
            ..Default::default()
        };
        let credential = ClientSecretCredential::new(
            &credentials.tenant_id,
            credentials.client_id.clone(),
            Secret::new(credentials.secret().to_string()),
            Some(ClientSecretCredentialOptions {
                client_options: options(),
            }),
        )
        .map_err(|e| ScanError::AzureRejected(one_line(&e.to_string())))?;
        let scope = format!("{}/.default", endpoints.arm.as_str().trim_end_matches('/'));
        let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
            credential.clone(),
            [scope.clone()],
        ));
        let pipeline = Pipeline::new(
            Some("skywarden"),
            Some(env!("CARGO_PKG_VERSION")),
            options(),
            Vec::new(),
            vec![auth],
            None,
        );
        Ok(Arm {
            pipeline,
            credential,
            endpoint: endpoints.arm.clone(),
            authority: endpoints.authority_host.to_string(),
            scope,
            retry,
            call_deadline,
        })
    }

    /// Gets a token once, so wrong credentials fail the scan before any listing.
    pub async fn authenticate(&self) -> Result<(), ScanError> {
        match self
            .credential
            .get_token(&[self.scope.as_str()], None)
            .await
        {
            Ok(_) => Ok(()),
            // Entra answered (a status): the credentials were refused. No answer at all
            // (connection refused, DNS, TLS): the authority host is unreachable.
            Err(e) if answered(&e) => Err(ScanError::AzureRejected(one_line(&e.to_string()))),
            Err(e) => Err(ScanError::AzureUnreachable {
                endpoint: self.authority.clone(),
                detail: deepest(&e),
            }),
        }
    }

    /// `path` (absolute, e.g. `/subscriptions/{id}/resourcegroups`) on the ARM endpoint with
    /// `api-version` and `extra` query parameters.
    pub fn url(&self, path: &str, api_version: &str, extra: &[(&str, &str)]) -> Url {
        let mut url = self.endpoint.clone();
        url.set_path(path);
        {
            let mut q = url.query_pairs_mut();
            q.clear();
            q.append_pair("api-version", api_version);
            for (k, v) in extra {
                q.append_pair(k, v);
            }
        }
        url
    }

    fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.endpoint.scheme()
            && url.host_str().map(str::to_ascii_lowercase)
                == self.endpoint.host_str().map(str::to_ascii_lowercase)
            && url.port_or_known_default() == self.endpoint.port_or_known_default()
    }

    /// A pager over a list operation.
    pub fn pager<T: DeserializeOwned>(&self, service: Service, url: Url) -> Pager<'_, T> {
        Pager {
            arm: self,
            service,
            next: Some(url),
            _item: std::marker::PhantomData,
        }
    }

    /// One GET with retries; the body decoded as `T`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        gate: &Gate,
        service: Service,
        url: &Url,
    ) -> Result<T, CollectError> {
        let started = Instant::now();
        gate.count_call(service);
        let bucket = gate.bucket(service);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let sent = gate
                .call(service, async {
                    gate.count_attempt(service);
                    let mut req = Request::new(url.clone(), Method::Get);
                    tokio::time::timeout(
                        self.retry.attempt_timeout,
                        self.pipeline.send(
                            &Context::new(),
                            &mut req,
                            Some(PipelineSendOptions {
                                skip_checks: true,
                                ..Default::default()
                            }),
                        ),
                    )
                    .await
                })
                .await;
            let (error, retryable, hint) = match sent {
                Err(_) => (
                    CollectError::new(
                        ErrorClass::Timeout,
                        None,
                        format!(
                            "no answer within {} s",
                            self.retry.attempt_timeout.as_secs()
                        ),
                    ),
                    true,
                    None,
                ),
                Ok(Err(e)) => {
                    let (error, retryable) = classify_transport(&e);
                    (error, retryable, None)
                }
                Ok(Ok(resp)) => {
                    let (status, headers, body) = resp.deconstruct();
                    let status = u16::from(status);
                    if (200..300).contains(&status) {
                        bucket.on_success();
                        return serde_json::from_slice::<T>(body.as_ref()).map_err(|e| {
                            CollectError::decode(format!("{}: {e}", redact_url(url)))
                        });
                    }
                    let (code, message) = error_body(body.as_ref());
                    let throttled = status == 429 || status == 503;
                    if throttled {
                        gate.count_throttle(service);
                        bucket.on_throttle();
                    }
                    let (class, retryable) = match status {
                        429 | 503 => (ErrorClass::Throttled, true),
                        500 | 502 | 504 => (ErrorClass::Service, true),
                        401 => (ErrorClass::InvalidCredentials, false),
                        403 => (ErrorClass::AccessDenied, false),
                        _ => (ErrorClass::Service, false),
                    };
                    let message = message.unwrap_or_else(|| format!("HTTP {status}"));
                    (
                        CollectError::new(class, code.as_deref(), message),
                        retryable,
                        retry_after(&headers),
                    )
                }
            };
            if !retryable || attempt >= self.retry.max_attempts.max(1) {
                return Err(error);
            }
            let wait = hint.unwrap_or_else(|| self.backoff(attempt));
            if started.elapsed() + wait > self.call_deadline {
                return Err(CollectError::new(
                    error.class,
                    error.code.as_deref(),
                    format!(
                        "{} (retrying in {:.1} s would pass the call deadline of {} s)",
                        error.message,
                        wait.as_secs_f64(),
                        self.call_deadline.as_secs()
                    ),
                ));
            }
            tracing::debug!(service = %service, attempt, wait_ms = wait.as_millis() as u64, class = ?error.class, "ARM call retried");
            tokio::time::sleep(wait).await;
        }
    }

    /// Exponential back-off with full jitter between half and all of the step.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .retry
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let step = exp.min(self.retry.max_backoff);
        step.mul_f64(0.5 + fastrand::f64() * 0.5)
    }
}

/// Pages of one list operation, following `nextLink` on the ARM host only.
#[derive(Debug)]
pub struct Pager<'a, T> {
    arm: &'a Arm,
    service: Service,
    next: Option<Url>,
    _item: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Pager<'_, T> {
    /// The next page's items, `None` after the last page.
    pub(crate) async fn next(&mut self, gate: &Gate) -> Result<Option<Vec<T>>, CollectError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let page: ArmPage<T> = self.arm.get(gate, self.service, &url).await?;
        if let Some(link) = page.next_link.filter(|l| !l.trim().is_empty()) {
            let next = Url::parse(&link).map_err(|_| {
                CollectError::new(
                    ErrorClass::Decode,
                    Some("InvalidNextLink"),
                    format!("nextLink of {} is not a URL", redact_url(&url)),
                )
            })?;
            if !self.arm.same_origin(&next) {
                return Err(CollectError::new(
                    ErrorClass::Service,
                    Some("ForeignNextLink"),
                    format!(
                        "nextLink of {} points at {}, not the ARM endpoint {}; not followed (the token is only sent to ARM)",
                        redact_url(&url),
                        next.host_str().unwrap_or("?"),
                        self.arm.endpoint.host_str().unwrap_or("?"),
                    ),
                ));
            }
            self.next = Some(next);
        }
        Ok(Some(page.value))
    }
}

/// Whether some error in `e`'s chain is an HTTP answer (Entra refused the request).
fn answered(e: &azure_core::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(az) = err.downcast_ref::<azure_core::Error>() {
            if matches!(az.kind(), ErrorKind::HttpResponse { .. }) {
                return true;
            }
        }
        cur = err.source();
    }
    false
}

/// The innermost message of an error chain (the transport's own words), one line.
fn deepest(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e.to_string();
    let mut cur = e.source();
    while let Some(err) = cur {
        last = err.to_string();
        cur = err.source();
    }
    one_line(&last)
}

/// The URL without its query (skip tokens are opaque and long).
fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

fn one_line(s: &str) -> String {
    let first = s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s);
    first.trim().to_string()
}

fn error_body(body: &[u8]) -> (Option<String>, Option<String>) {
    match serde_json::from_slice::<ArmErrorBody>(body) {
        Ok(ArmErrorBody {
            error: Some(ArmErrorDetail { code, message }),
        }) => (code, message.map(|m| one_line(&m))),
        _ => (None, None),
    }
}

/// A transport-level failure of the pipeline (no HTTP status from ARM).
fn classify_transport(e: &azure_core::Error) -> (CollectError, bool) {
    match e.kind() {
        // The bearer policy could not get a token.
        ErrorKind::Credential => (
            CollectError::new(
                ErrorClass::InvalidCredentials,
                None,
                one_line(&e.to_string()),
            ),
            false,
        ),
        ErrorKind::HttpResponse { status, .. } => {
            let status = u16::from(*status);
            let class = if status == 429 {
                ErrorClass::Throttled
            } else {
                ErrorClass::InvalidCredentials
            };
            (
                CollectError::new(class, None, one_line(&e.to_string())),
                status == 429 || status >= 500,
            )
        }
        _ => (
            CollectError::new(ErrorClass::Transport, None, one_line(&e.to_string())),
            true,
        ),
    }
}

/// The wait a throttled or unavailable answer asks for.
fn retry_after(headers: &Headers) -> Option<Duration> {
    for h in [&RETRY_AFTER_MS, &X_MS_RETRY_AFTER_MS] {
        if let Some(ms) = headers
            .get_optional_str(h)
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            return Some(Duration::from_millis(ms));
        }
    }
    let v = headers.get_optional_str(&RETRY_AFTER)?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds();
    Some(Duration::from_millis(secs.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_milliseconds_and_dates() {
        let mut h = Headers::new();
        h.insert(RETRY_AFTER, "7");
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(RETRY_AFTER_MS, "1500");
        assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
        let mut d = Headers::new();
        d.insert(RETRY_AFTER, "Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(retry_after(&d), Some(Duration::ZERO));
        assert_eq!(retry_after(&Headers::new()), None);
    }

    #[test]
    fn arm_error_bodies_give_code_and_first_line() {
        let (code, msg) = error_body(
            br#"{"error":{"code":"AuthorizationFailed","message":"The client 'x' has no access.\nMore."}}"#,
        );
        assert_eq!(code.as_deref(), Some("AuthorizationFailed"));
        assert_eq!(msg.as_deref(), Some("The client 'x' has no access."));
        assert_eq!(error_body(b"not json"), (None, None));
    }

    #[test]
    fn endpoints_must_be_https_urls() {
        assert!(parse_endpoint("https://management.usgovcloudapi.net").is_ok());
        assert!(matches!(
            parse_endpoint("http://127.0.0.1:1"),
            Err(ScanError::InvalidAzureEndpoint(_))
        ));
        assert!(parse_endpoint("not a url").is_err());
    }
}
