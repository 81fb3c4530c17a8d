//! AWS: SDK configuration, error classification and the collector registry.

pub mod collectors;
pub mod object;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use chrono::{DateTime, Utc};
use skywarden_graph::{AccountId, ErrorClass, Region, ResourceId};

use crate::credentials::AwsCredentials;
use crate::error::CollectError;
use crate::limits::{Gate, Service};
use crate::runner::{RetryMode, RetryPolicy};

/// What a regional collector needs in one (account, region): a client per service, where
/// resources live, and the call gate. Every API call (each page of a paginator too) goes
/// through [`RegionCx::call`], which waits for the (account, region, service) token bucket and
/// the scan's global concurrency bound.
#[derive(Debug, Clone)]
pub struct RegionCx {
    pub ec2: aws_sdk_ec2::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub kms: aws_sdk_kms::Client,
    pub rds: aws_sdk_rds::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub map: MapCx,
    pub(crate) gate: Gate,
}

impl RegionCx {
    /// Runs one API call (or one `pages.next()`) under the rate limits of `service`.
    pub async fn call<F: std::future::Future>(&self, service: Service, call: F) -> F::Output {
        self.gate.call(service, call).await
    }
}

/// What a global (once per account) collector needs: IAM, S3 (home region, plus a client per
/// bucket region), where resources live (region `global`), and the call gate.
#[derive(Debug, Clone)]
pub struct GlobalCx {
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub map: MapCx,
    pub(crate) gate: Gate,
    pub(crate) sdk: SdkConfig,
    pub(crate) path_style: bool,
}

impl GlobalCx {
    /// Runs one API call under the rate limits of `service` in `region` (S3 bucket details are
    /// read from the bucket's own region and limited there).
    pub async fn call<F: std::future::Future>(&self, service: Service, call: F) -> F::Output {
        self.gate.call(service, call).await
    }
    /// Like [`GlobalCx::call`], limited under the bucket of `region` instead of the account's
    /// global bucket.
    pub async fn call_in<F: std::future::Future>(
        &self,
        region: &Region,
        service: Service,
        call: F,
    ) -> F::Output {
        self.gate.in_region(region).call(service, call).await
    }
    /// An S3 client for `region` (path-style addressing when an endpoint override is set).
    pub fn s3_in(&self, region: &Region) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.sdk)
                .region(aws_config::Region::new(region.as_str().to_string()))
                .force_path_style(self.path_style)
                .interceptor(self.gate.observer_in(region, Service::S3))
                .build(),
        )
    }
}

/// What a pure map function needs: where the resource lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapCx {
    pub account: AccountId,
    pub region: Region,
}

impl MapCx {
    /// The ARN of an EC2 resource in this account and region.
    pub fn ec2_id(&self, resource_type: &str, id: &str) -> Result<ResourceId, CollectError> {
        ResourceId::ec2(&self.region, &self.account, resource_type, id)
            .map_err(|e| CollectError::decode(format!("unusable {resource_type} id {id:?}: {e}")))
    }
}

/// Builds the shared SDK configuration: credentials, home region, endpoint override,
/// retry policy and timeouts.
pub(crate) async fn sdk_config(
    credentials: &AwsCredentials,
    home_region: Option<&Region>,
    endpoint_url: Option<&str>,
    retry: &RetryPolicy,
) -> SdkConfig {
    let retry_config = match retry.mode {
        RetryMode::Standard => RetryConfig::standard(),
        RetryMode::Adaptive => RetryConfig::adaptive(),
    }
    .with_max_attempts(retry.max_attempts.max(1))
    .with_initial_backoff(retry.initial_backoff)
    .with_max_backoff(retry.max_backoff);
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(retry.attempt_timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config)
        .timeout_config(timeouts);
    if let Some(r) = home_region {
        loader = loader.region(aws_config::Region::new(r.as_str().to_string()));
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(c) = credentials.provider() {
        loader = loader.credentials_provider(c);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        // No region configured anywhere: use the commercial partition's main region for
        // account-level calls; the regions to scan are discovered from there.
        return config
            .into_builder()
            .region(aws_config::Region::new("us-east-1"))
            .build();
    }
    config
}

const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "RequestThrottled",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
    "PriorRequestNotComplete",
    "BandwidthLimitExceeded",
    "EC2ThrottledException",
    "ProvisionedThroughputExceededException",
];
const ACCESS_DENIED: &[&str] = &[
    "UnauthorizedOperation",
    "AccessDenied",
    "AccessDeniedException",
    "Forbidden",
];
const BAD_CREDENTIALS: &[&str] = &[
    "AuthFailure",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidAccessKeyId",
    "InvalidToken",
    "RequestExpired",
];
const REGION_DISABLED: &[&str] = &["OptInRequired", "InvalidRegion"];

/// Classifies an error code (and HTTP status) from any AWS service.
pub fn classify_code(code: Option<&str>, status: Option<u16>) -> ErrorClass {
    match code {
        Some(c) if THROTTLING.contains(&c) => ErrorClass::Throttled,
        Some(c) if ACCESS_DENIED.contains(&c) => ErrorClass::AccessDenied,
        Some(c) if BAD_CREDENTIALS.contains(&c) => ErrorClass::InvalidCredentials,
        Some(c) if REGION_DISABLED.contains(&c) => ErrorClass::RegionDisabled,
        _ => match status {
            Some(429) => ErrorClass::Throttled,
            Some(401) => ErrorClass::InvalidCredentials,
            Some(403) => ErrorClass::AccessDenied,
            _ => ErrorClass::Service,
        },
    }
}

/// Classifies an SDK error into a [`CollectError`]. The message carries the service's code and
/// message, never request details (which could include signed headers).
pub fn classify<E, R>(err: SdkError<E, R>) -> CollectError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match &err {
        SdkError::ServiceError(se) => {
            let code = se.err().code();
            let status = status_of(se.raw());
            let class = classify_code(code, status);
            let message = se.err().message().unwrap_or("no message").to_string();
            CollectError::new(class, code, message)
        }
        SdkError::TimeoutError(_) => {
            CollectError::new(ErrorClass::Timeout, None, "request timed out")
        }
        SdkError::DispatchFailure(d) => {
            let class = if d.is_timeout() {
                ErrorClass::Timeout
            } else {
                ErrorClass::Transport
            };
            let detail = d
                .as_connector_error()
                .map(|c| error_chain(c))
                .unwrap_or_else(|| "request could not be sent".to_string());
            CollectError::new(class, None, detail)
        }
        SdkError::ResponseError(_) => {
            CollectError::new(ErrorClass::Decode, None, "unparseable response")
        }
        SdkError::ConstructionFailure(_) => {
            // Typically missing credentials or region.
            CollectError::new(ErrorClass::InvalidCredentials, None, error_chain(&err))
        }
        _ => CollectError::new(ErrorClass::Service, None, error_chain(&err)),
    }
}

fn status_of<R: std::fmt::Debug + 'static>(raw: &R) -> Option<u16> {
    // `R` is the SDK's HttpResponse for every operation; read the status without depending on
    // the smithy runtime crate directly.
    let any: &dyn std::any::Any = raw as &dyn std::any::Any;
    any.downcast_ref::<aws_sdk_ec2::config::http::HttpResponse>()
        .map(|r| r.status().as_u16())
}

/// `err: source: source...` on one line.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut s = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let m = e.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = e.source();
    }
    s
}

pub(crate) fn tags(t: &[aws_sdk_ec2::types::Tag]) -> BTreeMap<String, String> {
    t.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

pub(crate) fn datetime(d: Option<&aws_sdk_ec2::primitives::DateTime>) -> Option<DateTime<Utc>> {
    d.and_then(|d| DateTime::from_timestamp(d.secs(), d.subsec_nanos()))
}

/// A resource id from an ARN the API returned.
pub(crate) fn arn_id(arn: &str) -> Result<ResourceId, CollectError> {
    arn.parse()
        .map_err(|e| CollectError::decode(format!("unusable ARN {arn:?}: {e}")))
}

pub(crate) fn required<'a>(v: Option<&'a str>, what: &str) -> Result<&'a str, CollectError> {
    v.filter(|s| !s.is_empty())
        .ok_or_else(|| CollectError::decode(format!("{what} missing from response")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        assert_eq!(
            classify_code(Some("RequestLimitExceeded"), Some(503)),
            ErrorClass::Throttled
        );
        assert_eq!(
            classify_code(Some("UnauthorizedOperation"), Some(403)),
            ErrorClass::AccessDenied
        );
        assert_eq!(
            classify_code(Some("AuthFailure"), Some(401)),
            ErrorClass::InvalidCredentials
        );
        assert_eq!(
            classify_code(Some("OptInRequired"), Some(401)),
            ErrorClass::RegionDisabled
        );
        assert_eq!(classify_code(None, Some(429)), ErrorClass::Throttled);
        assert_eq!(
            classify_code(Some("InternalError"), Some(500)),
            ErrorClass::Service
        );
    }
}
