//! The scan pipeline: scanner -> graph -> rules -> store.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use chrono::Utc;
use serde::Serialize;
use skywarden_graph::{
    AccountId, ConnectionId, Coverage, CoverageStatus, InventoryBuilder, Provider, Region,
    ResourceKind, ScanId, Scope,
};
use skywarden_rules::pricing::PriceTable;
use skywarden_rules::{Engine, FindingRecord, RuleEvalError};
use skywarden_scanner::{
    AccountOutcome, AwsScanConfig, AzureScanConfig, ResourceStream, ScanError, ScanOutput, Service,
    ServiceCalls,
};
use skywarden_store::{FindingFilter, NewScan, PersistSummary, ScanRecord, ScanTrigger, Store};

/// What a scan evaluates with: rules (built-in + packs, settings applied), prices, policy.
#[derive(Debug, Clone)]
pub struct ScanSettings {
    pub engine: Engine,
    pub pricing: PriceTable,
    pub stale_after_scans: u32,
}

/// Everything a finished scan reports.
#[derive(Debug, Serialize)]
pub struct ScanReport {
    pub scan: ScanRecord,
    pub account_id: AccountId,
    pub regions: Vec<Region>,
    /// Every account scanned (one, or each member of an Organization), with why it failed.
    pub accounts: Vec<AccountOutcome>,
    /// API calls, attempts, retries and throttles per service.
    pub api_calls: BTreeMap<Service, ServiceCalls>,
    pub resources_by_kind: BTreeMap<ResourceKind, usize>,
    pub persist: PersistSummary,
    /// Rules that could not be evaluated this scan (their findings were left as stored).
    pub rule_errors: Vec<RuleEvalError>,
    /// Tag policy totals per account (resources checked, missing tags, invalid values).
    pub tag_policy: Vec<skywarden_rules::AccountTagTotals>,
    /// Open findings of the connection after the scan, including findings in scopes this scan
    /// could not see (they stay open until a Complete scope shows them gone).
    pub findings: Vec<FindingRecord>,
}

/// Scans one AWS account and persists the result. Fatal scanner errors (no identity, unknown
/// region) return before anything is written.
pub async fn scan_aws(
    store: &Store,
    cfg: AwsScanConfig,
    connection: Option<ConnectionId>,
    settings: &ScanSettings,
) -> Result<ScanReport> {
    let scan_id = ScanId::new();
    let started_at = Utc::now();
    let (out, builder) = collect_aws(&cfg).await?;
    let connection = match connection {
        Some(c) => c,
        None => format!("aws-{}", out.account_id)
            .parse()
            .context("derive connection id")?,
    };
    record_scan(
        store,
        Provider::Aws,
        scan_id,
        started_at,
        connection,
        out,
        builder,
        settings,
    )
    .await
}

/// Scans the subscriptions of one Azure tenant and persists the result. Fatal errors (wrong
/// secret, no subscription listable) return before anything is written.
pub async fn scan_azure(
    store: &Store,
    cfg: AzureScanConfig,
    connection: Option<ConnectionId>,
    settings: &ScanSettings,
) -> Result<ScanReport> {
    let scan_id = ScanId::new();
    let started_at = Utc::now();
    let (mut out, builder) = collect_azure(&cfg).await?;
    let connection = match connection {
        Some(c) => c,
        None => format!("azure-{}", out.account_id)
            .parse()
            .context("derive connection id")?,
    };
    let stored = store.resource_scopes(&connection).await?;
    widen_subscription_scopes(&mut out.coverage, &builder, &stored);
    record_scan(
        store,
        Provider::Azure,
        scan_id,
        started_at,
        connection,
        out,
        builder,
        settings,
    )
    .await
}

/// Begins the scan row, takes the connection's lease and persists. The scan row comes first
/// (it creates the connection row a lease refers to); the lease keeps a daemon from
/// scanning the same connection meanwhile.
#[allow(clippy::too_many_arguments)]
async fn record_scan(
    store: &Store,
    provider: Provider,
    scan_id: ScanId,
    started_at: chrono::DateTime<Utc>,
    connection: ConnectionId,
    out: ScanOutput,
    builder: InventoryBuilder,
    settings: &ScanSettings,
) -> Result<ScanReport> {
    store
        .begin_scan(&NewScan {
            id: scan_id,
            connection_id: connection.clone(),
            provider,
            trigger: ScanTrigger::Cli,
            started_at,
        })
        .await?;
    let holder = format!("cli-{}-{}", std::process::id(), scan_id);
    let ttl = std::time::Duration::from_secs(3600);
    let leased = store
        .acquire_lease(&connection, &holder, Some(scan_id), Utc::now(), ttl)
        .await;
    if !matches!(leased, Ok(true)) {
        let why = format!("connection {connection} is being scanned by another process right now (its lease is held); try again when that scan has finished");
        if let Err(e) = store
            .fail_scan(scan_id, Utc::now(), vec![why.clone()])
            .await
        {
            tracing::warn!(error = %e, "could not record the failed scan");
        }
        leased?;
        anyhow::bail!(why);
    }
    let result = persist(store, scan_id, connection.clone(), out, builder, settings).await;
    if let Err(e) = store.release_lease(&connection, &holder).await {
        tracing::warn!(error = %e, "could not release the scan lease (it expires by itself)");
    }
    result
}

/// Runs the Azure scanner while the inventory builder consumes its batches.
pub async fn collect_azure(
    cfg: &AzureScanConfig,
) -> Result<(ScanOutput, InventoryBuilder), ScanError> {
    let (sink, stream) = skywarden_scanner::sink::channel();
    let (out, builder) = tokio::join!(skywarden_scanner::scan_azure(cfg, sink), consume(stream));
    Ok((out?, builder))
}

/// ARM lists are subscription-wide: the scanner records `(subscription, global, kind)`. The
/// stored inventory and the change history compare per (account, region, kind), so each
/// such scope is copied to every location of that subscription the scan saw resources in or
/// the store holds resources in: a Complete listing covers them all (a location whose last
/// resource was deleted is still compared), a failed one none.
pub fn widen_subscription_scopes(
    coverage: &mut Coverage,
    builder: &InventoryBuilder,
    stored: &[Scope],
) {
    let mut locations: BTreeMap<AccountId, std::collections::BTreeSet<Region>> = BTreeMap::new();
    for r in builder.resources() {
        if r.kind().provider() == Provider::Azure {
            locations
                .entry(r.account_id.clone())
                .or_default()
                .insert(r.region.clone());
        }
    }
    for s in stored {
        if s.kind.provider() == Provider::Azure {
            locations
                .entry(s.account_id.clone())
                .or_default()
                .insert(s.region.clone());
        }
    }
    let global = Region::global();
    let wide: Vec<(Scope, CoverageStatus)> = coverage
        .iter()
        .filter(|(s, _)| s.region == global && s.kind.provider() == Provider::Azure)
        .map(|(s, st)| (s.clone(), st.clone()))
        .collect();
    for (scope, status) in wide {
        for region in locations.get(&scope.account_id).into_iter().flatten() {
            if *region != global {
                coverage.record(
                    Scope {
                        account_id: scope.account_id.clone(),
                        region: region.clone(),
                        kind: scope.kind,
                    },
                    status.clone(),
                );
            }
        }
    }
}

/// Runs the AWS scanner while the inventory builder consumes the batches its collectors
/// stream, so the scan never holds the resources twice.
pub async fn collect_aws(cfg: &AwsScanConfig) -> Result<(ScanOutput, InventoryBuilder), ScanError> {
    let (sink, stream) = skywarden_scanner::sink::channel();
    let (out, builder) = tokio::join!(skywarden_scanner::scan_aws(cfg, sink), consume(stream));
    Ok((out?, builder))
}

/// Feeds every streamed batch into a builder until the scan drops its sink.
pub async fn consume(mut stream: ResourceStream) -> InventoryBuilder {
    let mut builder = InventoryBuilder::new();
    while let Some(batch) = stream.next().await {
        builder.extend(batch);
    }
    builder
}

/// Drops the resources of scopes that ended Failed: a collector may have streamed batches
/// before it failed, and a Failed scope must look exactly as if nothing had been seen there.
pub fn drop_failed_scopes(builder: &mut InventoryBuilder, coverage: &Coverage) {
    let failed: std::collections::HashSet<&Scope> = coverage
        .iter()
        .filter(|(_, s)| matches!(s, CoverageStatus::Failed { .. }))
        .map(|(scope, _)| scope)
        .collect();
    if failed.is_empty() {
        return;
    }
    let before = builder.len();
    builder.retain(|r| {
        !failed.contains(&Scope {
            account_id: r.account_id.clone(),
            region: r.region.clone(),
            kind: r.kind(),
        })
    });
    if builder.len() < before {
        tracing::debug!(
            dropped = before - builder.len(),
            "resources streamed by collectors that then failed"
        );
    }
}

/// Phases a scan reports as progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Queued,
    Collecting,
    /// Evaluating rules and writing the results (one transaction).
    Persisting,
}

/// Builds the graph from a scanner output, evaluates the rules and stores everything for the
/// running scan `scan_id` (begun by the caller). On a storage error the scan is recorded as
/// failed and nothing else changes.
pub async fn persist(
    store: &Store,
    scan_id: ScanId,
    connection: ConnectionId,
    out: ScanOutput,
    mut builder: InventoryBuilder,
    settings: &ScanSettings,
) -> Result<ScanReport> {
    drop_failed_scopes(&mut builder, &out.coverage);
    let inventory = builder.build();
    if !inventory.dangling().is_empty() {
        tracing::debug!(
            count = inventory.dangling().len(),
            "references to resources outside the inventory"
        );
    }
    // The connection's baselines for the drift rules; if they cannot be read, the drift rules
    // do not run (their stored findings stay as they are) and the report says why.
    let baseline = store.baseline_view(&connection).await;
    let mut cx = settings
        .engine
        .context(&inventory, &settings.pricing, Utc::now())
        .with_coverage(&out.coverage);
    if let Ok(view) = &baseline {
        cx = cx.with_baseline(view);
    }
    let mut evaluation = settings.engine.evaluate(&cx);
    if let Err(e) = &baseline {
        for rule in settings.engine.rules() {
            if skywarden_rules::catalog::is_drift_rule(&rule.id) {
                evaluation.errors.push(RuleEvalError {
                    rule_id: rule.id,
                    message: format!("the connection's baselines could not be read: {e}"),
                });
            }
        }
    }
    let tag_policy = skywarden_rules::tag_totals(
        &evaluation.findings,
        Some((&inventory, &settings.engine.settings().tag_policy)),
    );
    let rules = settings.engine.rules();
    for e in &evaluation.errors {
        tracing::warn!(rule = %e.rule_id, error = %e.message, "rule not evaluated");
    }

    let errors: Vec<String> = out
        .coverage
        .failed()
        .map(|(s, e)| {
            format!(
                "{} {} {}: {:?}{} {}",
                s.account_id,
                s.region,
                s.kind,
                e.class,
                e.code.as_ref().map(|c| format!(" {c}")).unwrap_or_default(),
                e.message
            )
        })
        .chain(
            evaluation
                .errors
                .iter()
                .map(|e| format!("rule {}: {}", e.rule_id, e.message)),
        )
        .collect();
    let outcome = skywarden_store::ScanOutcome {
        scan_id,
        connection_id: connection.clone(),
        finished_at: Utc::now(),
        coverage: &out.coverage,
        resources: inventory.resources().collect(),
        findings: &evaluation.findings,
        rules: &rules,
        evaluated_rules: &evaluation.evaluated,
        errors,
        stale_after_scans: settings.stale_after_scans,
        api_calls: out
            .api_calls
            .iter()
            .map(|(s, c)| {
                (
                    s.as_str().to_string(),
                    skywarden_store::ApiCalls {
                        calls: c.calls,
                        attempts: c.attempts,
                        retries: c.retries,
                        throttles: c.throttles,
                    },
                )
            })
            .collect(),
    };
    let persist = match store.finish_scan(&outcome).await {
        Ok(p) => p,
        Err(e) => {
            // The transaction rolled back; record the failure itself if the database allows.
            if let Err(e2) = store
                .fail_scan(scan_id, Utc::now(), vec![e.to_string()])
                .await
            {
                tracing::warn!(error = %e2, "could not record the failed scan");
            }
            return Err(e).context("cannot store the scan");
        }
    };
    let scan = store
        .get_scan(scan_id)
        .await?
        .context("the stored scan vanished")?;
    let findings = store
        .list_findings(&FindingFilter {
            connection_id: Some(connection),
            statuses: FindingFilter::active(),
            ..Default::default()
        })
        .await?;
    let mut resources_by_kind = BTreeMap::new();
    for r in inventory.resources() {
        *resources_by_kind.entry(r.kind()).or_insert(0) += 1;
    }
    Ok(ScanReport {
        scan,
        account_id: out.account_id,
        regions: out.regions,
        accounts: out.accounts,
        api_calls: out.api_calls,
        resources_by_kind,
        persist,
        rule_errors: evaluation.errors,
        tag_policy,
        findings,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use skywarden_graph::testkit::azure::{az_account, az_id, az_resource};
    use skywarden_graph::{ErrorClass, ScopeError};

    use super::*;

    fn scope(region: &str, kind: ResourceKind) -> Scope {
        Scope {
            account_id: az_account(),
            region: region.parse().unwrap(),
            kind,
        }
    }

    #[test]
    fn subscription_scopes_widen_to_seen_and_stored_locations_only() {
        let disk = ResourceKind::AzureComputeDisk;
        let nic = ResourceKind::AzureNetworkInterface;
        let mut coverage = Coverage::default();
        coverage.record(scope("global", disk), CoverageStatus::Complete);
        let failed = CoverageStatus::Failed {
            error: ScopeError {
                class: ErrorClass::AccessDenied,
                code: Some("AuthorizationFailed".into()),
                message: "no".into(),
            },
        };
        coverage.record(scope("global", nic), failed.clone());
        // Seen this scan: westeurope (the testkit's location). Stored: a disk in eastus whose
        // location has nothing left this scan.
        let mut b = InventoryBuilder::new();
        b.add(az_resource(
            az_id("Microsoft.Compute/disks/d1"),
            skywarden_graph::model::AzureDisk {
                sku: None,
                size_gib: None,
                disk_state: None,
                managed_by: None,
                os_type: None,
                encryption_type: None,
                disk_encryption_set: None,
                azure_disk_encryption: false,
                time_created: None,
                network_access_policy: None,
                public_network_access: None,
                source_resource: None,
                zones: vec![],
            },
        ));
        let stored = vec![scope("eastus", disk)];
        widen_subscription_scopes(&mut coverage, &b, &stored);
        assert!(coverage.is_complete(&scope("westeurope", disk)));
        assert!(coverage.is_complete(&scope("eastus", disk)));
        assert_eq!(coverage.get(&scope("westeurope", nic)), Some(&failed));
        assert_eq!(coverage.get(&scope("eastus", nic)), Some(&failed));
        // A location neither seen nor stored gets no entry (no entry is never Complete).
        assert_eq!(coverage.get(&scope("northeurope", disk)), None);
    }
}
