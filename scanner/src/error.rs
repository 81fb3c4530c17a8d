//! Scanner errors. [`CollectError`] is one scope's classified failure and becomes coverage;
//! [`ScanError`] is fatal for the whole scan (no identity, no usable region).

use skywarden_graph::{ErrorClass, ScopeError};

/// A classified failure of one fetch. Never carries credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{class:?}{}: {message}", code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct CollectError {
    pub class: ErrorClass,
    pub code: Option<String>,
    pub message: String,
}

impl CollectError {
    pub fn new(class: ErrorClass, code: Option<&str>, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        if message.len() > 500 {
            let mut cut = 500;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        CollectError {
            class,
            code: code.map(str::to_string),
            message,
        }
    }
    pub fn decode(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Decode, None, message)
    }
    pub fn to_scope_error(&self) -> ScopeError {
        ScopeError {
            class: self.class,
            code: self.code.clone(),
            message: self.message.clone(),
        }
    }
}

/// The scan could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("invalid endpoint URL {0:?}: expected http(s)://host[:port]")]
    InvalidEndpoint(String),
    #[error("cannot reach the AWS endpoint{}: {detail}", endpoint.as_ref().map(|e| format!(" {e}")).unwrap_or_default())]
    Unreachable {
        endpoint: Option<String>,
        detail: String,
    },
    #[error("AWS rejected the credentials: {0}")]
    InvalidCredentials(String),
    #[error("no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run on an instance role ({0})")]
    NoCredentials(String),
    #[error("unknown region(s) {}: this account's regions are {}", unknown.join(", "), available.join(", "))]
    UnknownRegions {
        unknown: Vec<String>,
        available: Vec<String>,
    },
    #[error("cannot identify the AWS account: {0}")]
    Identity(CollectError),
    #[error("cannot list the account's regions: {0}")]
    RegionDiscovery(CollectError),
    #[error("no region to scan")]
    NoRegions,
    #[error("cannot read {location}: {error}")]
    ObjectRead {
        location: String,
        error: CollectError,
    },
    #[error("{location} is larger than the limit of {limit} bytes")]
    ObjectTooLarge { location: String, limit: u64 },
    #[error("invalid Azure endpoint {0:?}: expected https://host[:port]")]
    InvalidAzureEndpoint(String),
    #[error("Entra ID rejected the credentials: {0}")]
    AzureRejected(String),
    #[error("cannot reach {endpoint}: {detail}")]
    AzureUnreachable { endpoint: String, detail: String },
    #[error("cannot read the CA bundle {path}: {detail}")]
    CaBundle { path: String, detail: String },
    #[error("no Azure credentials: set {0} (or pass a vault connection)")]
    NoAzureCredentials(String),
    #[error("cannot list the tenant's subscriptions: {0}")]
    AzureSubscriptions(CollectError),
    #[error("no subscription to scan: the principal cannot list any (grant it Reader on a subscription) and none was given")]
    NoSubscriptions,
    #[error("cannot list the organization's accounts (the credentials must belong to the management account or a delegated administrator): {0}")]
    Organization(CollectError),
}
