//! Azure: the ARM client ([`arm`]), one collector per list operation ([`collectors`]) and
//! the runner that scans the subscriptions of a tenant concurrently ([`scan_azure`]).
//!
//! ARM lists are subscription-wide (every location at once), so a collector's coverage scope
//! is `(subscription, global, kind)`. The binary widens a scope to the locations it knows of
//! (seen in this scan or stored) before comparing with stored rows: a Complete listing covers
//! every location of that subscription and kind; a failed one covers none.

pub mod arm;
pub mod collectors;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use skywarden_graph::model::{AzureSubscription, SubscriptionState};
use skywarden_graph::{
    AccountId, ConnectionId, Coverage, CoverageStatus, ErrorClass, Region, Resource, ResourceId,
    ResourceKind, Scope, ScopeError,
};

use crate::error::{CollectError, ScanError};
use crate::limits::{Gate, Limiter, RateLimits, Service};
use crate::runner::{AccountOutcome, RetryPolicy, ScanOutput};
use crate::sink::{Emit, ResourceSink};
pub use arm::{parse_endpoint, Arm, ArmEndpoints};

/// A service principal's client secret (tenant id, client id, secret).
pub struct AzureCredentials {
    pub tenant_id: String,
    pub client_id: String,
    secret: SecretString,
}

impl std::fmt::Debug for AzureCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureCredentials")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl AzureCredentials {
    pub fn new(tenant_id: String, client_id: String, secret: SecretString) -> Self {
        AzureCredentials {
            tenant_id,
            client_id,
            secret,
        }
    }

    /// `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` (one-shot scans; there is
    /// no DefaultAzureCredential in azure_identity 1.0).
    pub fn from_env() -> Result<Self, ScanError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let missing: Vec<&str> = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"]
            .into_iter()
            .filter(|k| var(k).is_none())
            .collect();
        match (
            var("AZURE_TENANT_ID"),
            var("AZURE_CLIENT_ID"),
            var("AZURE_CLIENT_SECRET"),
        ) {
            (Some(t), Some(c), Some(s)) => Ok(Self::new(t, c, SecretString::from(s))),
            _ => Err(ScanError::NoAzureCredentials(missing.join(", "))),
        }
    }

    pub(crate) fn secret(&self) -> &str {
        self.secret.expose_secret()
    }
}

/// What an Azure scan covers and how it behaves.
#[derive(Debug)]
pub struct AzureScanConfig {
    pub connection: Option<ConnectionId>,
    pub credentials: AzureCredentials,
    /// Subscriptions to scan; empty: every subscription the principal can list.
    pub subscriptions: Vec<AccountId>,
    pub endpoints: ArmEndpoints,
    pub max_concurrent_subscriptions: usize,
    pub max_concurrent_collectors: usize,
    pub retry: RetryPolicy,
    /// Upper bound of one call including every retry and `Retry-After` wait.
    pub call_deadline: Duration,
    pub rate_limits: RateLimits,
    /// Time limit of one collector in one subscription.
    pub scope_timeout: Duration,
}

impl AzureScanConfig {
    pub fn new(connection: Option<ConnectionId>, credentials: AzureCredentials) -> Self {
        AzureScanConfig {
            connection,
            credentials,
            subscriptions: Vec::new(),
            endpoints: ArmEndpoints::default(),
            max_concurrent_subscriptions: 4,
            max_concurrent_collectors: 4,
            retry: RetryPolicy::default(),
            call_deadline: Duration::from_secs(120),
            rate_limits: RateLimits::default(),
            scope_timeout: Duration::from_secs(600),
        }
    }
}

/// What a collector runs with: the client, the subscription and its rate-limit gate.
#[derive(Debug)]
pub struct SubscriptionCx {
    pub arm: Arc<Arm>,
    pub subscription: AccountId,
    pub(crate) gate: Gate,
}

impl SubscriptionCx {
    /// Lists `/subscriptions/{id}/{rest}` to the end, pushing every item `map` keeps.
    pub async fn list_into<T, F>(
        &self,
        service: Service,
        rest: &str,
        api_version: &str,
        extra: &[(&str, &str)],
        out: &mut Emit,
        mut map: F,
    ) -> Result<(), CollectError>
    where
        T: serde::de::DeserializeOwned,
        F: FnMut(T) -> Result<Option<Resource>, CollectError>,
    {
        let url = self.arm.url(
            &format!("/subscriptions/{}/{rest}", self.subscription),
            api_version,
            extra,
        );
        let mut pager = self.arm.pager::<T>(service, url);
        while let Some(items) = pager.next(&self.gate).await? {
            for item in items {
                if let Some(r) = map(item)? {
                    out.push(r).await;
                }
            }
        }
        Ok(())
    }

    /// Lists `/subscriptions/{id}/{rest}` to the end, pushing `map` of every item (the
    /// common collector: one ARM list, one resource per item).
    pub async fn list_each<T: serde::de::DeserializeOwned>(
        &self,
        service: Service,
        rest: &str,
        api_version: &str,
        out: &mut Emit,
        map: fn(&AccountId, T) -> Result<Resource, CollectError>,
    ) -> Result<(), CollectError> {
        let sub = self.subscription.clone();
        self.list_into(service, rest, api_version, &[], out, |i: T| {
            map(&sub, i).map(Some)
        })
        .await
    }

    /// Lists every item of `/subscriptions/{id}/{rest}` (small side listings).
    pub async fn list_all<T: serde::de::DeserializeOwned>(
        &self,
        service: Service,
        path: &str,
        api_version: &str,
        extra: &[(&str, &str)],
    ) -> Result<Vec<T>, CollectError> {
        let url = self.arm.url(path, api_version, extra);
        let mut pager = self.arm.pager::<T>(service, url);
        let mut all = Vec::new();
        while let Some(items) = pager.next(&self.gate).await? {
            all.extend(items);
        }
        Ok(all)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionItem {
    subscription_id: String,
    display_name: Option<String>,
    state: Option<String>,
    tenant_id: Option<String>,
}

fn subscription_resource(s: &SubscriptionItem, account: &AccountId) -> Option<Resource> {
    let id: ResourceId = format!("/subscriptions/{account}").parse().ok()?;
    let mut r = Resource::new(
        id,
        account.clone(),
        Region::global(),
        BTreeMap::new(),
        AzureSubscription {
            subscription_id: account.to_string(),
            display_name: s.display_name.clone(),
            state: s.state.as_deref().map(SubscriptionState::parse),
            tenant_id: s.tenant_id.clone(),
        },
    );
    if let Some(n) = &s.display_name {
        r = r.named(n.clone());
    }
    Some(r)
}

/// Scans every subscription of the configuration, streaming resources into `sink`.
pub async fn scan_azure(
    cfg: &AzureScanConfig,
    sink: ResourceSink,
) -> Result<ScanOutput, ScanError> {
    let started = Instant::now();
    let limiter = Limiter::new(cfg.rate_limits.clone());
    let arm = Arc::new(Arm::new(
        &cfg.endpoints,
        &cfg.credentials,
        cfg.retry.clone(),
        cfg.call_deadline,
    )?);
    arm.authenticate().await?;
    let tenant_gate = Gate::unidentified(limiter.clone(), Region::global());
    let url = arm.url("/subscriptions", "2022-12-01", &[]);
    let mut pager = arm.pager::<SubscriptionItem>(Service::ArmResources, url);
    let mut listed: Vec<SubscriptionItem> = Vec::new();
    loop {
        match pager.next(&tenant_gate).await {
            Ok(Some(items)) => listed.extend(items),
            Ok(None) => break,
            Err(e) if e.class == ErrorClass::InvalidCredentials => {
                return Err(ScanError::AzureRejected(e.message))
            }
            Err(e) => return Err(ScanError::AzureSubscriptions(e)),
        }
    }
    let mut by_id: BTreeMap<AccountId, SubscriptionItem> = BTreeMap::new();
    for s in listed {
        match s.subscription_id.to_ascii_lowercase().parse::<AccountId>() {
            Ok(id) => {
                by_id.insert(id, s);
            }
            Err(_) => {
                tracing::warn!(subscription = %s.subscription_id, "subscription id is not a GUID; skipped")
            }
        }
    }
    let targets: Vec<AccountId> = if cfg.subscriptions.is_empty() {
        by_id.keys().cloned().collect()
    } else {
        cfg.subscriptions.clone()
    };
    if targets.is_empty() {
        return Err(ScanError::NoSubscriptions);
    }
    let jobs: Vec<_> = targets
        .iter()
        .cloned()
        .map(|sub| {
            let item = by_id.get(&sub).cloned();
            let cx = SubscriptionCx {
                arm: arm.clone(),
                gate: Gate::new(limiter.clone(), sub.clone(), Region::global()),
                subscription: sub,
            };
            scan_subscription(cfg, cx, item, sink.clone())
        })
        .collect();
    let results: Vec<(AccountOutcome, Coverage)> = stream::iter(jobs)
        .buffer_unordered(cfg.max_concurrent_subscriptions.max(1))
        .collect()
        .await;
    drop(sink);
    let mut coverage = Coverage::default();
    let mut accounts = Vec::with_capacity(results.len());
    for (outcome, c) in results {
        coverage.merge(c);
        accounts.push(outcome);
    }
    accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    Ok(ScanOutput {
        account_id: targets[0].clone(),
        regions: vec![Region::global()],
        accounts,
        coverage,
        api_calls: limiter.calls(),
        duration: started.elapsed(),
    })
}

async fn scan_subscription(
    cfg: &AzureScanConfig,
    cx: SubscriptionCx,
    item: Option<SubscriptionItem>,
    sink: ResourceSink,
) -> (AccountOutcome, Coverage) {
    let span = tracing::info_span!("subscription", connection = cfg.connection.as_ref().map_or("-", |c| c.as_str()), subscription = %cx.subscription);
    let _enter = span.enter();
    let mut coverage = Coverage::default();
    let scope = |kind| Scope {
        account_id: cx.subscription.clone(),
        region: Region::global(),
        kind,
    };
    // The subscription itself comes from the tenant-wide listing.
    match item
        .as_ref()
        .and_then(|s| subscription_resource(s, &cx.subscription))
    {
        Some(r) => {
            let mut out = sink.emitter();
            out.push(r).await;
            out.flush().await;
            coverage.record(
                scope(ResourceKind::AzureResourcesSubscription),
                CoverageStatus::Complete,
            );
        }
        None => coverage.record(
            scope(ResourceKind::AzureResourcesSubscription),
            CoverageStatus::Failed {
                error: ScopeError {
                    class: ErrorClass::AccessDenied,
                    code: Some("SubscriptionNotListed".into()),
                    message: "the principal's subscription list does not include it".into(),
                },
            },
        ),
    }
    let jobs: Vec<_> = collectors::ALL
        .iter()
        .map(|c| run_collector(cfg, &cx, c, sink.clone()))
        .collect();
    let results: Vec<(&collectors::Collector, Result<(), CollectError>)> = stream::iter(jobs)
        .buffer_unordered(cfg.max_concurrent_collectors.max(1))
        .collect()
        .await;
    let mut failures = 0usize;
    let mut first_error: Option<ScopeError> = None;
    for (c, res) in &results {
        let status = match res {
            Ok(()) => CoverageStatus::Complete,
            Err(e) => {
                failures += 1;
                tracing::warn!(kind = %c.kinds[0], class = ?e.class, code = e.code.as_deref().unwrap_or("-"), error = %e.message, "collector failed");
                first_error.get_or_insert_with(|| e.to_scope_error());
                CoverageStatus::Failed {
                    error: e.to_scope_error(),
                }
            }
        };
        for kind in c.kinds {
            coverage.record(scope(*kind), status.clone());
        }
    }
    let outcome = AccountOutcome {
        account_id: cx.subscription.clone(),
        name: item.and_then(|s| s.display_name),
        regions: vec![Region::global()],
        // The subscription as a whole failed when no collector got through.
        error: (failures == results.len()).then_some(first_error).flatten(),
    };
    (outcome, coverage)
}

async fn run_collector<'a>(
    cfg: &AzureScanConfig,
    cx: &SubscriptionCx,
    c: &'a collectors::Collector,
    sink: ResourceSink,
) -> (&'a collectors::Collector, Result<(), CollectError>) {
    let mut out = sink.emitter();
    let res = match tokio::time::timeout(cfg.scope_timeout, (c.run)(cx, &mut out)).await {
        Ok(r) => r,
        Err(_) => Err(CollectError::new(
            ErrorClass::Timeout,
            None,
            format!("not finished within {} s", cfg.scope_timeout.as_secs()),
        )),
    };
    out.flush().await;
    tracing::debug!(kind = %c.kinds[0], resources = out.count(), ok = res.is_ok(), "collector finished");
    (c, res)
}
