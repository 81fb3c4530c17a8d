//! The AWS scan runner: identity, accounts (one, an assumed role, or every account of an
//! Organization), regions, bounded concurrency, rate limits, retry policy, timeouts and
//! coverage. A failing (account, region, kind) becomes a Failed coverage entry, never an
//! empty list; an account whose role cannot be assumed is Failed in every scope.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use futures::future::{BoxFuture, FutureExt};
use futures::{stream, StreamExt};
use serde::{Deserialize, Serialize};
use skywarden_graph::{
    AccountId, ConnectionId, Coverage, CoverageStatus, ErrorClass, Region, Scope, ScopeError,
};
use tracing::Instrument;

use crate::aws::collectors::{self, Collector, Run};
use crate::aws::{classify, sdk_config, GlobalCx, MapCx, RegionCx};
use crate::credentials::AwsCredentials;
use crate::error::{CollectError, ScanError};
use crate::limits::{Gate, Limiter, RateLimits, Service, ServiceCalls};
use crate::sink::ResourceSink;

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
    /// Standard plus the SDK's client-side rate limiting that adapts to throttling.
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
            max_attempts: 8,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            attempt_timeout: Duration::from_secs(60),
        }
    }
}

/// A role the scan assumes with its credentials before scanning (cross-account access).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    pub session_name: String,
}

/// Scan every account of an AWS Organization: the credentials belong to the management (or a
/// delegated administrator) account, which lists the accounts; each member account is scanned
/// through `role_name` (e.g. `OrganizationAccountAccessRole` or a read-only audit role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationScan {
    pub role_name: String,
    pub external_id: Option<String>,
    /// Only these accounts (empty = every ACTIVE account).
    pub accounts: Vec<AccountId>,
    /// Scan the management account itself with the original credentials.
    pub include_management: bool,
}

#[derive(Debug)]
pub struct AwsScanConfig {
    /// For logs and spans only (unknown until the account is identified for one-shot scans).
    pub connection: Option<ConnectionId>,
    pub credentials: AwsCredentials,
    /// Assume this role with `credentials` first (single-account cross-account scans).
    pub assume_role: Option<AssumeRole>,
    /// Scan every account of the caller's Organization instead of the caller's account.
    pub organization: Option<OrganizationScan>,
    pub regions: RegionSelection,
    /// Region for account-level calls (STS, DescribeRegions, IAM, S3 listing); default: the
    /// SDK's region chain, else us-east-1.
    pub home_region: Option<Region>,
    /// Endpoint override (emulators, VPC endpoints, proxies).
    pub endpoint_url: Option<String>,
    pub max_concurrent_accounts: usize,
    pub max_concurrent_regions: usize,
    pub max_concurrent_collectors: usize,
    pub retry: RetryPolicy,
    pub rate_limits: RateLimits,
    /// Upper bound for one (account, region, kind) collection including retries.
    pub scope_timeout: Duration,
}

impl AwsScanConfig {
    pub fn new(connection: Option<ConnectionId>) -> Self {
        AwsScanConfig {
            connection,
            credentials: AwsCredentials::DefaultChain,
            assume_role: None,
            organization: None,
            regions: RegionSelection::AllEnabled,
            home_region: None,
            endpoint_url: None,
            max_concurrent_accounts: 4,
            max_concurrent_regions: 4,
            max_concurrent_collectors: 4,
            retry: RetryPolicy::default(),
            rate_limits: RateLimits::default(),
            scope_timeout: Duration::from_secs(600),
        }
    }

    fn connection_label(&self) -> &str {
        self.connection.as_ref().map_or("-", |c| c.as_str())
    }
}

/// One scanned account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOutcome {
    pub account_id: AccountId,
    /// The Organizations account name, when listed through Organizations.
    pub name: Option<String>,
    /// Regions scanned in this account.
    pub regions: Vec<Region>,
    /// Why the account could not be scanned at all (role not assumable, ...).
    pub error: Option<ScopeError>,
}

/// What a scan could and could not see. The resources themselves went through the
/// [`ResourceSink`] while the scan ran.
#[derive(Debug)]
pub struct ScanOutput {
    /// The caller's account (the management account for an Organization scan).
    pub account_id: AccountId,
    /// Regions that were scanned (not skipped), across accounts.
    pub regions: Vec<Region>,
    pub accounts: Vec<AccountOutcome>,
    pub coverage: Coverage,
    /// Calls, attempts, retries and throttles per service.
    pub api_calls: BTreeMap<Service, ServiceCalls>,
    pub duration: Duration,
}

fn validate_endpoint(url: &str) -> Result<(), ScanError> {
    let parsed = url::Url::parse(url).map_err(|_| ScanError::InvalidEndpoint(url.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ScanError::InvalidEndpoint(url.to_string()));
    }
    Ok(())
}

pub(crate) fn fatal_identity_error(e: CollectError, endpoint: Option<&str>) -> ScanError {
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

/// The SDK configuration, identity and limiter every scan and connection test starts with.
struct Session {
    sdk: SdkConfig,
    limiter: Arc<Limiter>,
    account_id: AccountId,
    arn: Option<String>,
    home: Region,
}

fn home_region(sdk: &SdkConfig) -> Region {
    sdk.region()
        .and_then(|r| r.as_ref().parse().ok())
        .unwrap_or_else(Region::global)
}

/// The SDK configuration of `cfg`: checked endpoint override, credentials, home region,
/// retry policy and timeouts, then the assumed role if any. No call is made.
pub(crate) async fn configured_sdk(cfg: &AwsScanConfig) -> Result<SdkConfig, ScanError> {
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
    Ok(match &cfg.assume_role {
        Some(role) => {
            assumed(
                &sdk,
                &role.role_arn,
                role.external_id.as_deref(),
                &role.session_name,
            )
            .await
        }
        None => sdk,
    })
}

async fn open_session(cfg: &AwsScanConfig) -> Result<Session, ScanError> {
    let sdk = configured_sdk(cfg).await?;
    let limiter = Limiter::new(cfg.rate_limits.clone());
    let home = home_region(&sdk);
    let gate = Gate::unidentified(limiter.clone(), home.clone());
    let (account_id, arn) = caller_identity(&sdk, &gate)
        .await
        .map_err(|e| fatal_identity_error(e, cfg.endpoint_url.as_deref()))?;
    tracing::info!(connection = cfg.connection_label(), account = %account_id, "identified account");
    Ok(Session {
        sdk,
        limiter,
        account_id,
        arn,
        home,
    })
}

async fn caller_identity(
    sdk: &SdkConfig,
    gate: &Gate,
) -> Result<(AccountId, Option<String>), CollectError> {
    let sts = sts_client(sdk, gate);
    let identity = gate
        .call(Service::Sts, sts.get_caller_identity().send())
        .await
        .map_err(classify)?;
    let account_id: AccountId = identity
        .account()
        .unwrap_or_default()
        .parse()
        .map_err(|e| CollectError::decode(format!("{e}")))?;
    Ok((account_id, identity.arn().map(str::to_string)))
}

fn sts_client(sdk: &SdkConfig, gate: &Gate) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(sdk)
            .interceptor(gate.observer(Service::Sts))
            .build(),
    )
}

fn ec2_client(sdk: &SdkConfig, gate: &Gate, region: &Region) -> aws_sdk_ec2::Client {
    let mut b = aws_sdk_ec2::config::Builder::from(sdk).interceptor(gate.observer(Service::Ec2));
    if !region.is_global() {
        b = b.region(aws_config::Region::new(region.as_str().to_string()));
    }
    aws_sdk_ec2::Client::from_conf(b.build())
}

/// `sdk` with credentials of `role_arn`, assumed with `sdk`'s credentials and refreshed by the
/// SDK before they expire.
async fn assumed(
    sdk: &SdkConfig,
    role_arn: &str,
    external_id: Option<&str>,
    session_name: &str,
) -> SdkConfig {
    let mut b = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name(session_name)
        .configure(sdk);
    if let Some(id) = external_id {
        b = b.external_id(id);
    }
    let provider = b.build().await;
    sdk.to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build()
}

/// Checks a connection without collecting anything: `sts:GetCallerIdentity` and
/// `ec2:DescribeRegions`, with the same errors a scan would meet first.
pub async fn identify_aws(cfg: &AwsScanConfig) -> Result<Identity, ScanError> {
    let session = open_session(cfg).await?;
    let gate = Gate::new(
        session.limiter.clone(),
        session.account_id.clone(),
        session.home.clone(),
    );
    let ec2 = ec2_client(&session.sdk, &gate, &session.home);
    let (regions, skipped_regions) = resolve_regions(&ec2, &gate, &cfg.regions).await?;
    Ok(Identity {
        account_id: session.account_id,
        arn: session.arn,
        regions,
        skipped_regions,
    })
}

/// Scans one AWS account, or every account of an Organization. Every collected resource goes
/// into `sink` as the collectors map it (batches, bounded channel); the sink is dropped when
/// the scan returns, which ends the consumer's stream. Resources of scopes that end Failed may
/// have been sent already: the consumer drops them by the returned coverage.
pub async fn scan_aws(cfg: &AwsScanConfig, sink: ResourceSink) -> Result<ScanOutput, ScanError> {
    let started = Instant::now();
    let session = open_session(cfg).await?;
    let mut coverage = Coverage::new();
    let mut accounts = Vec::new();
    match &cfg.organization {
        None => {
            let scanned =
                scan_account(cfg, &session, &session.sdk, &session.account_id, &sink).await?;
            coverage.merge(scanned.coverage);
            accounts.push(AccountOutcome {
                account_id: session.account_id.clone(),
                name: None,
                regions: scanned.regions,
                error: None,
            });
        }
        Some(org) => {
            let members = list_accounts(&session, org).await?;
            // Boxed one by one: a `stream.map(closure)` of borrowing futures trips rustc's
            // higher-ranked `Send` inference (rust-lang/rust#102211) in the daemon's spawn.
            let jobs: Vec<BoxFuture<'_, (AccountOutcome, Coverage)>> = members
                .into_iter()
                .map(|(account, name)| {
                    scan_member(cfg, &session, org, account, name, &sink).boxed()
                })
                .collect();
            let per_account: Vec<(AccountOutcome, Coverage)> = stream::iter(jobs)
                .buffer_unordered(cfg.max_concurrent_accounts.max(1))
                .collect()
                .await;
            for (outcome, cov) in per_account {
                coverage.merge(cov);
                accounts.push(outcome);
            }
            accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        }
    }
    if accounts
        .iter()
        .all(|a| a.regions.is_empty() && a.error.is_none())
    {
        return Err(ScanError::NoRegions);
    }
    let mut regions: Vec<Region> = accounts.iter().flat_map(|a| a.regions.clone()).collect();
    regions.sort();
    regions.dedup();
    Ok(ScanOutput {
        account_id: session.account_id.clone(),
        regions,
        accounts,
        coverage,
        api_calls: session.limiter.calls(),
        duration: started.elapsed(),
    })
}

/// ACTIVE accounts of the organization (optionally filtered), with their names.
async fn list_accounts(
    session: &Session,
    org: &OrganizationScan,
) -> Result<Vec<(AccountId, Option<String>)>, ScanError> {
    let gate = Gate::new(
        session.limiter.clone(),
        session.account_id.clone(),
        session.home.clone(),
    );
    let client = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(&session.sdk)
            .interceptor(gate.observer(Service::Organizations))
            .build(),
    );
    let mut pages = client.list_accounts().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = gate.call(Service::Organizations, pages.next()).await {
        let page = page.map_err(|e| ScanError::Organization(classify(e)))?;
        for a in page.accounts() {
            let active = matches!(
                a.state(),
                None | Some(aws_sdk_organizations::types::AccountState::Active)
            ) && !matches!(
                a.status(),
                Some(aws_sdk_organizations::types::AccountStatus::Suspended)
            );
            let Some(id) = a.id().and_then(|i| i.parse::<AccountId>().ok()) else {
                continue;
            };
            if !active || (!org.accounts.is_empty() && !org.accounts.contains(&id)) {
                continue;
            }
            if id == session.account_id && !org.include_management {
                continue;
            }
            out.push((id, a.name().map(str::to_string)));
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out)
}

async fn scan_member(
    cfg: &AwsScanConfig,
    session: &Session,
    org: &OrganizationScan,
    account: AccountId,
    name: Option<String>,
    sink: &ResourceSink,
) -> (AccountOutcome, Coverage) {
    let span =
        tracing::info_span!("account", connection = cfg.connection_label(), account = %account);
    async {
        let sdk = if account == session.account_id {
            session.sdk.clone()
        } else {
            let partition = session.home.partition().as_str();
            let arn = format!("arn:{partition}:iam::{account}:role/{}", org.role_name);
            let sdk = assumed(&session.sdk, &arn, org.external_id.as_deref(), "skywarden-scan").await;
            let gate = Gate::new(session.limiter.clone(), account.clone(), session.home.clone());
            match caller_identity(&sdk, &gate).await {
                Ok((seen, _)) if seen == account => sdk,
                Ok((seen, _)) => {
                    let e = CollectError::new(
                        ErrorClass::AccessDenied,
                        None,
                        format!("role {arn} resolved to account {seen}"),
                    );
                    return failed_account(cfg, account, name, e);
                }
                Err(e) => {
                    tracing::warn!(class = ?e.class, code = ?e.code, error = %e.message, "cannot assume the member role");
                    return failed_account(cfg, account, name, e);
                }
            }
        };
        match scan_account(cfg, session, &sdk, &account, sink).await {
            Ok(s) => (
                AccountOutcome {
                    account_id: account,
                    name,
                    regions: s.regions,
                    error: None,
                },
                s.coverage,
            ),
            Err(e) => {
                let e = match e {
                    ScanError::RegionDiscovery(c) => c,
                    other => CollectError::new(ErrorClass::Service, None, other.to_string()),
                };
                failed_account(cfg, account, name, e)
            }
        }
    }
    .instrument(span)
    .await
}

/// Every scope of an account that could not be scanned at all: Failed, so its stored
/// inventory stays untouched.
fn failed_account(
    cfg: &AwsScanConfig,
    account: AccountId,
    name: Option<String>,
    e: CollectError,
) -> (AccountOutcome, Coverage) {
    let mut coverage = Coverage::new();
    let regions: Vec<Region> = match &cfg.regions {
        RegionSelection::List(l) => l.clone(),
        RegionSelection::AllEnabled => Vec::new(),
    };
    for c in collectors::ALL {
        let scope_regions: Vec<Region> = if c.is_global() {
            vec![Region::global()]
        } else {
            regions.clone()
        };
        for region in scope_regions {
            coverage.record(
                Scope {
                    account_id: account.clone(),
                    region,
                    kind: c.kind,
                },
                CoverageStatus::Failed {
                    error: e.to_scope_error(),
                },
            );
        }
    }
    (
        AccountOutcome {
            account_id: account,
            name,
            regions: Vec::new(),
            error: Some(e.to_scope_error()),
        },
        coverage,
    )
}

struct AccountScan {
    regions: Vec<Region>,
    coverage: Coverage,
}

/// One account: its global collectors once, its regional collectors in every region.
async fn scan_account(
    cfg: &AwsScanConfig,
    session: &Session,
    sdk: &SdkConfig,
    account: &AccountId,
    sink: &ResourceSink,
) -> Result<AccountScan, ScanError> {
    let home = home_region(sdk);
    let gate = Gate::new(session.limiter.clone(), account.clone(), home.clone());
    let ec2 = ec2_client(sdk, &gate, &home);
    let mut coverage = Coverage::new();
    let (to_scan, skipped) = resolve_regions(&ec2, &gate, &cfg.regions).await?;
    for (region, reason) in &skipped {
        for c in collectors::regional() {
            coverage.record(
                Scope {
                    account_id: account.clone(),
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

    let global_gate = gate.in_region(&Region::global());
    let gcx = GlobalCx {
        iam: aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(sdk)
                .interceptor(global_gate.observer(Service::Iam))
                .build(),
        ),
        s3: aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(sdk)
                .force_path_style(cfg.endpoint_url.is_some())
                .interceptor(global_gate.observer(Service::S3))
                .build(),
        ),
        map: MapCx {
            account: account.clone(),
            region: Region::global(),
        },
        gate: global_gate,
        sdk: sdk.clone(),
        path_style: cfg.endpoint_url.is_some(),
    };
    let global = run_collectors(cfg, &gcx.map, Cx::Global(&gcx), collectors::global(), sink);
    // Boxed one by one (see scan_aws).
    let region_jobs: Vec<BoxFuture<'_, Coverage>> = to_scan
        .iter()
        .cloned()
        .map(|region| {
            let rcx = region_cx(sdk, &gate, account, region);
            async move {
                run_collectors(
                    cfg,
                    &rcx.map,
                    Cx::Region(&rcx),
                    collectors::regional(),
                    sink,
                )
                .await
            }
            .boxed()
        })
        .collect();
    let regional = stream::iter(region_jobs)
        .buffer_unordered(cfg.max_concurrent_regions.max(1))
        .collect::<Vec<_>>();
    let (global_coverage, per_region) = futures::join!(global, regional);

    coverage.merge(global_coverage);
    for cov in per_region {
        coverage.merge(cov);
    }
    Ok(AccountScan {
        regions: to_scan,
        coverage,
    })
}

fn region_cx(sdk: &SdkConfig, gate: &Gate, account: &AccountId, region: Region) -> RegionCx {
    let gate = gate.in_region(&region);
    let r = aws_config::Region::new(region.as_str().to_string());
    macro_rules! client {
        ($krate:ident, $svc:expr) => {
            $krate::Client::from_conf(
                $krate::config::Builder::from(sdk)
                    .region(r.clone())
                    .interceptor(gate.observer($svc))
                    .build(),
            )
        };
    }
    RegionCx {
        ec2: client!(aws_sdk_ec2, Service::Ec2),
        elbv2: client!(aws_sdk_elasticloadbalancingv2, Service::Elbv2),
        kms: client!(aws_sdk_kms, Service::Kms),
        rds: client!(aws_sdk_rds, Service::Rds),
        cloudtrail: client!(aws_sdk_cloudtrail, Service::Cloudtrail),
        lambda: client!(aws_sdk_lambda, Service::Lambda),
        map: MapCx {
            account: account.clone(),
            region,
        },
        gate,
    }
}

/// The context collectors of one scope run with.
#[derive(Clone, Copy)]
enum Cx<'a> {
    Region(&'a RegionCx),
    Global(&'a GlobalCx),
}

/// Runs the collectors of one scope (an account's globals, or one region) under the collector
/// bound and the scope timeout; each streams its resources into `sink` and ends Complete or
/// Failed.
async fn run_collectors<'a>(
    cfg: &'a AwsScanConfig,
    map: &'a MapCx,
    cx: Cx<'a>,
    list: impl Iterator<Item = &'static Collector>,
    sink: &'a ResourceSink,
) -> Coverage {
    type Job<'b> = BoxFuture<'b, (Collector, Result<usize, CollectError>)>;
    let jobs: Vec<Job<'a>> = list
        .map(|c| {
            let c = *c;
            let span = tracing::info_span!(
                "collect",
                connection = cfg.connection_label(),
                account = %map.account,
                region = %map.region,
                kind = %c.kind,
            );
            async move {
                let started = Instant::now();
                let mut out = sink.emitter();
                let r = {
                    // The collector's future borrows `out` until it is dropped here.
                    let fut = match (c.run, cx) {
                        (Run::Regional(f), Cx::Region(r)) => Some(f(r, &mut out)),
                        (Run::Global(f), Cx::Global(g)) => Some(f(g, &mut out)),
                        _ => None,
                    };
                    match fut {
                        None => Err(CollectError::new(
                            ErrorClass::Service,
                            None,
                            "collector run in the wrong scope",
                        )),
                        Some(fut) => match tokio::time::timeout(cfg.scope_timeout, fut).await {
                            Ok(r) => r,
                            Err(_) => Err(CollectError::new(
                                ErrorClass::Timeout,
                                None,
                                format!("collection exceeded {} s", cfg.scope_timeout.as_secs()),
                            )),
                        },
                    }
                };
                let r = match r {
                    Ok(()) => {
                        out.flush().await;
                        Ok(out.count())
                    }
                    Err(e) => Err(e),
                };
                match &r {
                    Ok(n) => tracing::debug!(items = n, ms = started.elapsed().as_millis() as u64, "collected"),
                    Err(e) => tracing::warn!(operation = c.operation(), class = ?e.class, code = ?e.code, error = %e.message, "collection failed"),
                }
                (c, r)
            }
            .instrument(span)
            .boxed()
        })
        .collect();
    let results: Vec<(Collector, Result<usize, CollectError>)> = stream::iter(jobs)
        .buffer_unordered(cfg.max_concurrent_collectors.max(1))
        .collect()
        .await;
    let mut coverage = Coverage::new();
    for (c, r) in results {
        let scope = Scope {
            account_id: map.account.clone(),
            region: map.region.clone(),
            kind: c.kind,
        };
        match r {
            Ok(_) => coverage.record(scope, CoverageStatus::Complete),
            Err(e) => coverage.record(
                scope,
                CoverageStatus::Failed {
                    error: e.to_scope_error(),
                },
            ),
        }
    }
    coverage
}

/// Regions to scan, and regions to record as skipped (with the reason).
async fn resolve_regions(
    ec2: &aws_sdk_ec2::Client,
    gate: &Gate,
    selection: &RegionSelection,
) -> Result<(Vec<Region>, Vec<(Region, String)>), ScanError> {
    let listed = gate
        .call(
            Service::Ec2,
            ec2.describe_regions().all_regions(true).send(),
        )
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
