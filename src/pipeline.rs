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
    AccountOutcome, AwsScanConfig, ResourceStream, ScanError, ScanOutput, Service, ServiceCalls,
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
    // The scan row first (it creates the connection row a lease refers to), then the lease:
    // it keeps a daemon from scanning the same connection meanwhile.
    store
        .begin_scan(&NewScan {
            id: scan_id,
            connection_id: connection.clone(),
            provider: Provider::Aws,
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
