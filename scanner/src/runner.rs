//! The AWS scan runner: identity, regions, bounded concurrency, retry policy, timeouts and
//! coverage. A failing (region, kind) becomes a Failed coverage entry, never an empty list.

use std::time::{Duration, Instant};

use futures::{stream, StreamExt};
use serde::{Deserialize, Serialize};
use skywarden_graph::{
    AccountId, ConnectionId, Coverage, CoverageStatus, ErrorClass, Region, Resource, Scope,
};
use tracing::Instrument;

use crate::aws::collectors::{Collector, REGIONAL};
use crate::aws::{classify, sdk_config, MapCx, RegionCx};
use crate::credentials::AwsCredentials;
use crate::error::{CollectError, ScanError};

/// Which regions to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionSelection {
    /// Every region enabled for the account (DescribeRegions).
    AllEnabled,
    /// Exactly these; each is checked against the account's regions.
    List(Vec<Region>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryMode {
    /// Exponential back-off with jitter on throttling and transient errors.
    Standard,
    /// Standard plus client-side rate limiting that adapts to throttling.
    Adaptive,
}

/// How the SDK retries each call. Throttling (RequestLimitExceeded, Throttling, SlowDown,
/// 429) and transient errors are retried with jittered exponential back-off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub mode: RetryMode,
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// Time limit of one attempt of one call.
    pub attempt_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            mode: RetryMode::Standard,
            max_attempts: 6,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            attempt_timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Debug)]
pub struct AwsScanConfig {
    /// For logs and spans only (unknown until the account is identified for one-shot scans).
    pub connection: Option<ConnectionId>,
    pub credentials: AwsCredentials,
    pub regions: RegionSelection,
    /// Region for account-level calls (STS, DescribeRegions); default: the SDK's region chain,
    /// else us-east-1.
    pub home_region: Option<Region>,
    /// Endpoint override (emulators, VPC endpoints, proxies).
    pub endpoint_url: Option<String>,
    pub max_concurrent_regions: usize,
    pub max_concurrent_collectors: usize,
    pub retry: RetryPolicy,
    /// Upper bound for one (region, kind) collection including retries.
    pub scope_timeout: Duration,
}

impl AwsScanConfig {
    pub fn new(connection: Option<ConnectionId>) -> Self {
        AwsScanConfig {
            connection,
            credentials: AwsCredentials::DefaultChain,
            regions: RegionSelection::AllEnabled,
            home_region: None,
            endpoint_url: None,
            max_concurrent_regions: 4,
            max_concurrent_collectors: 4,
            retry: RetryPolicy::default(),
            scope_timeout: Duration::from_secs(600),
        }
    }
}

impl AwsScanConfig {
    fn connection_label(&self) -> &str {
        self.connection.as_ref().map_or("-", |c| c.as_str())
    }
}

/// What a scan saw, and what it could not see.
#[derive(Debug)]
pub struct ScanOutput {
    pub account_id: AccountId,
    /// Regions that were scanned (not skipped).
    pub regions: Vec<Region>,
    pub resources: Vec<Resource>,
    pub coverage: Coverage,
    pub duration: Duration,
}

fn validate_endpoint(url: &str) -> Result<(), ScanError> {
    let parsed = url::Url::parse(url).map_err(|_| ScanError::InvalidEndpoint(url.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ScanError::InvalidEndpoint(url.to_string()));
    }
    Ok(())
}

fn fatal_identity_error(e: CollectError, endpoint: Option<&str>) -> ScanError {
    let lower = e.message.to_ascii_lowercase();
    if lower.contains("no credentials")
        || lower.contains("credentials provider")
        || lower.contains("load credentials")
    {
        return ScanError::NoCredentials(e.message);
    }
    match e.class {
        ErrorClass::InvalidCredentials => ScanError::InvalidCredentials(e.to_string()),
        ErrorClass::Transport | ErrorClass::Timeout => ScanError::Unreachable {
            endpoint: endpoint.map(str::to_string),
            detail: e.message,
        },
        _ => ScanError::Identity(e),
    }
}

/// What a connection test finds: who the credentials are and which regions would be scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub account_id: AccountId,
    /// The caller's ARN (user or assumed role).
    pub arn: Option<String>,
    pub regions: Vec<Region>,
    /// Requested regions that are not enabled for the account, with the reason.
    pub skipped_regions: Vec<(Region, String)>,
}

/// Checks a connection without collecting anything: `sts:GetCallerIdentity` and
/// `ec2:DescribeRegions`, with the same errors a scan would meet first.
pub async fn identify_aws(cfg: &AwsScanConfig) -> Result<Identity, ScanError> {
    if let Some(url) = &cfg.endpoint_url {
        validate_endpoint(url)?;
    }
    let sdk = sdk_config(
        &cfg.credentials,
        cfg.home_region.as_ref(),
        cfg.endpoint_url.as_deref(),
        &cfg.retry,
    )
    .await;
    let identity = aws_sdk_sts::Client::new(&sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| fatal_identity_error(classify(e), cfg.endpoint_url.as_deref()))?;
    let account_id: AccountId = identity
        .account()
        .unwrap_or_default()
        .parse()
        .map_err(|e| ScanError::Identity(CollectError::decode(format!("{e}"))))?;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let (regions, skipped_regions) = resolve_regions(&ec2, &cfg.regions).await?;
    Ok(Identity {
        account_id,
        arn: identity.arn().map(str::to_string),
        regions,
        skipped_regions,
    })
}

/// Scans one AWS account.
pub async fn scan_aws(cfg: &AwsScanConfig) -> Result<ScanOutput, ScanError> {
    let started = Instant::now();
    if let Some(url) = &cfg.endpoint_url {
        validate_endpoint(url)?;
    }
    let sdk = sdk_config(
        &cfg.credentials,
        cfg.home_region.as_ref(),
        cfg.endpoint_url.as_deref(),
        &cfg.retry,
    )
    .await;

    let sts = aws_sdk_sts::Client::new(&sdk);
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| fatal_identity_error(classify(e), cfg.endpoint_url.as_deref()))?;
    let account_id: AccountId = identity
        .account()
        .unwrap_or_default()
        .parse()
        .map_err(|e| ScanError::Identity(CollectError::decode(format!("{e}"))))?;
    tracing::info!(connection = cfg.connection_label(), account = %account_id, "identified account");

    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let mut coverage = Coverage::new();
    let (to_scan, skipped) = resolve_regions(&ec2, &cfg.regions).await?;
    for (region, reason) in &skipped {
        for c in REGIONAL {
            coverage.record(
                Scope {
                    account_id: account_id.clone(),
                    region: region.clone(),
                    kind: c.kind,
                },
                CoverageStatus::Skipped {
                    reason: reason.clone(),
                },
            );
        }
    }
    if to_scan.is_empty() && skipped.is_empty() {
        return Err(ScanError::NoRegions);
    }

    let per_region: Vec<(Vec<Resource>, Coverage)> = stream::iter(to_scan.iter().cloned())
        .map(|region| {
            let client = aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(&sdk)
                    .region(aws_config::Region::new(region.as_str().to_string()))
                    .build(),
            );
            let rcx = RegionCx {
                ec2: client,
                map: MapCx {
                    account: account_id.clone(),
                    region,
                },
            };
            scan_region(cfg, rcx)
        })
        .buffer_unordered(cfg.max_concurrent_regions.max(1))
        .collect()
        .await;

    let mut resources = Vec::new();
    for (rs, cov) in per_region {
        resources.extend(rs);
        coverage.merge(cov);
    }
    Ok(ScanOutput {
        account_id,
        regions: to_scan,
        resources,
        coverage,
        duration: started.elapsed(),
    })
}

/// Regions to scan, and regions to record as skipped (with the reason).
async fn resolve_regions(
    ec2: &aws_sdk_ec2::Client,
    selection: &RegionSelection,
) -> Result<(Vec<Region>, Vec<(Region, String)>), ScanError> {
    let listed = ec2
        .describe_regions()
        .all_regions(true)
        .send()
        .await
        .map_err(classify);
    let known: Result<Vec<(String, bool)>, CollectError> = listed.map(|out| {
        out.regions()
            .iter()
            .filter_map(|r| {
                let name = r.region_name()?.to_string();
                let enabled = matches!(
                    r.opt_in_status(),
                    None | Some("opt-in-not-required") | Some("opted-in")
                );
                Some((name, enabled))
            })
            .collect()
    });
    match (selection, known) {
        (RegionSelection::AllEnabled, Ok(known)) => {
            let mut regions: Vec<Region> = known
                .into_iter()
                .filter(|(_, enabled)| *enabled)
                .filter_map(|(n, _)| n.parse().ok())
                .collect();
            regions.sort();
            Ok((regions, Vec::new()))
        }
        (RegionSelection::AllEnabled, Err(e)) => Err(ScanError::RegionDiscovery(e)),
        (RegionSelection::List(list), Ok(known)) => {
            let unknown: Vec<String> = list
                .iter()
                .filter(|r| !known.iter().any(|(n, _)| n == r.as_str()))
                .map(|r| r.to_string())
                .collect();
            if !unknown.is_empty() {
                let mut available: Vec<String> = known.into_iter().map(|(n, _)| n).collect();
                available.sort();
                return Err(ScanError::UnknownRegions { unknown, available });
            }
            let mut scan = Vec::new();
            let mut skipped = Vec::new();
            for r in list {
                if known.iter().any(|(n, enabled)| n == r.as_str() && *enabled) {
                    scan.push(r.clone());
                } else {
                    skipped.push((
                        r.clone(),
                        "region not enabled for this account (opt-in required)".to_string(),
                    ));
                }
            }
            scan.dedup();
            Ok((scan, skipped))
        }
        (RegionSelection::List(list), Err(e)) if e.class == ErrorClass::AccessDenied => {
            // Least-privilege roles may lack ec2:DescribeRegions: trust the operator's list.
            tracing::warn!(error = %e, "cannot list regions; scanning the given regions unchecked");
            Ok((list.clone(), Vec::new()))
        }
        (RegionSelection::List(_), Err(e)) => Err(ScanError::RegionDiscovery(e)),
    }
}

async fn scan_region(cfg: &AwsScanConfig, rcx: RegionCx) -> (Vec<Resource>, Coverage) {
    let rcx = &rcx;
    let results: Vec<(Collector, Result<Vec<Resource>, CollectError>)> = stream::iter(REGIONAL.iter().copied())
        .map(|c| {
            let span = tracing::info_span!(
                "collect",
                connection = cfg.connection_label(),
                account = %rcx.map.account,
                region = %rcx.map.region,
                kind = %c.kind,
            );
            async move {
                let started = Instant::now();
                let r = match tokio::time::timeout(cfg.scope_timeout, (c.run)(rcx)).await {
                    Ok(r) => r,
                    Err(_) => Err(CollectError::new(
                        ErrorClass::Timeout,
                        None,
                        format!("collection exceeded {} s", cfg.scope_timeout.as_secs()),
                    )),
                };
                match &r {
                    Ok(rs) => tracing::debug!(items = rs.len(), ms = started.elapsed().as_millis() as u64, "collected"),
                    Err(e) => tracing::warn!(operation = c.operation, class = ?e.class, code = ?e.code, error = %e.message, "collection failed"),
                }
                (c, r)
            }
            .instrument(span)
        })
        .buffer_unordered(cfg.max_concurrent_collectors.max(1))
        .collect()
        .await;
    let mut resources = Vec::new();
    let mut coverage = Coverage::new();
    for (c, r) in results {
        let scope = Scope {
            account_id: rcx.map.account.clone(),
            region: rcx.map.region.clone(),
            kind: c.kind,
        };
        match r {
            Ok(rs) => {
                resources.extend(rs);
                coverage.record(scope, CoverageStatus::Complete);
            }
            Err(e) => coverage.record(
                scope,
                CoverageStatus::Failed {
                    error: e.to_scope_error(),
                },
            ),
        }
    }
    (resources, coverage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_validation() {
        assert!(validate_endpoint("http://127.0.0.1:5000").is_ok());
        assert!(validate_endpoint("https://ec2.vpce.example").is_ok());
        assert!(validate_endpoint("ftp://x").is_err());
        assert!(validate_endpoint("not a url").is_err());
    }

    #[test]
    fn identity_errors_are_classified() {
        let e = CollectError::new(
            ErrorClass::InvalidCredentials,
            Some("InvalidClientTokenId"),
            "bad token",
        );
        assert!(matches!(
            fatal_identity_error(e, None),
            ScanError::InvalidCredentials(_)
        ));
        let e = CollectError::new(ErrorClass::Transport, None, "connection refused");
        assert!(matches!(
            fatal_identity_error(e, Some("http://x")),
            ScanError::Unreachable { .. }
        ));
    }
}
