//! Rendering reports: tables for people, JSON for machines.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use skywarden_graph::CoverageStatus;
use skywarden_rules::pricing::CostTotals;
use skywarden_rules::{FindingRecord, RuleInfo, RuleSource, Severity, StaleReason, Suppression};
use skywarden_store::{ScanComparison, ScanRecord};

use crate::cli::Format;
use crate::pipeline::ScanReport;

pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: &[String], out: &mut String| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{c:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(
        &headers.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        &mut out,
    );
    for r in rows {
        line(r, &mut out);
    }
    out
}

fn cost(v: Option<f64>) -> String {
    v.map(|c| format!("{c:.2}")).unwrap_or_default()
}

pub fn findings_table(findings: &[FindingRecord]) -> String {
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            let x = &f.finding;
            vec![
                x.severity.to_string(),
                x.rule_id.clone(),
                x.resource_id.short_id().to_string(),
                x.region.to_string(),
                f.status.as_str().to_string(),
                cost(x.monthly_cost_usd),
                x.title.clone(),
            ]
        })
        .collect();
    let mut out = table(
        &[
            "SEVERITY",
            "RULE",
            "RESOURCE",
            "REGION",
            "STATUS",
            "USD/MONTH",
            "TITLE",
        ],
        &rows,
    );
    let _ = writeln!(out, "{} finding(s)", findings.len());
    out
}

#[derive(Debug, Serialize)]
struct Totals {
    by_severity: BTreeMap<Severity, usize>,
    by_rule: BTreeMap<String, usize>,
    monthly_cost_usd: f64,
}

fn totals(findings: &[FindingRecord]) -> Totals {
    let mut t = Totals {
        by_severity: BTreeMap::new(),
        by_rule: BTreeMap::new(),
        monthly_cost_usd: 0.0,
    };
    for f in findings {
        *t.by_severity.entry(f.finding.severity).or_insert(0) += 1;
        *t.by_rule.entry(f.finding.rule_id.clone()).or_insert(0) += 1;
        t.monthly_cost_usd += f.finding.monthly_cost_usd.unwrap_or(0.0);
    }
    t.monthly_cost_usd = (t.monthly_cost_usd * 100.0).round() / 100.0;
    t
}

pub fn scan_table(r: &ScanReport) -> String {
    let mut out = findings_table(&r.findings);
    let s = &r.scan;
    let (complete, skipped, failed) = s.coverage.counts();
    let t = totals(&r.findings);
    let secs = s
        .finished_at
        .map(|f| (f - s.started_at).num_milliseconds() as f64 / 1000.0)
        .unwrap_or(0.0);
    let _ = writeln!(out, "\nSummary");
    let _ = writeln!(
        out,
        "  scan        {} ({}) in {secs:.1} s",
        s.id,
        s.status.as_str()
    );
    let _ = writeln!(
        out,
        "  account     {} (connection {})",
        r.account_id, s.connection_id
    );
    if r.accounts.len() > 1 || r.accounts.iter().any(|a| a.error.is_some()) {
        let failed: Vec<String> = r
            .accounts
            .iter()
            .filter(|a| a.error.is_some())
            .map(|a| a.account_id.to_string())
            .collect();
        let _ = writeln!(
            out,
            "  accounts    {} scanned{}",
            r.accounts.len() - failed.len(),
            if failed.is_empty() {
                String::new()
            } else {
                format!(", {} failed: {}", failed.len(), failed.join(", "))
            }
        );
    }
    if !r.api_calls.is_empty() {
        let calls: u64 = r.api_calls.values().map(|c| c.calls).sum();
        let retries: u64 = r.api_calls.values().map(|c| c.retries).sum();
        let throttles: u64 = r.api_calls.values().map(|c| c.throttles).sum();
        let _ = writeln!(
            out,
            "  api calls   {calls} ({retries} retries, {throttles} throttled)"
        );
    }
    let regions: Vec<&str> = r.regions.iter().map(|x| x.as_str()).collect();
    let _ = writeln!(
        out,
        "  regions     {} scanned: {}",
        regions.len(),
        regions.join(", ")
    );
    let kinds: Vec<String> = r
        .resources_by_kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let total: usize = r.resources_by_kind.values().sum();
    let _ = writeln!(out, "  resources   {total} ({})", kinds.join(", "));
    let _ = writeln!(
        out,
        "  coverage    {complete} complete, {skipped} skipped, {failed} failed (region x kind)"
    );
    for (scope, status) in s.coverage.iter() {
        match status {
            CoverageStatus::Complete => {}
            CoverageStatus::Skipped { reason } => {
                let _ = writeln!(
                    out,
                    "    skipped   {} {}: {reason}",
                    scope.region, scope.kind
                );
            }
            CoverageStatus::Failed { error } => {
                let code = error.code.as_deref().unwrap_or("-");
                let _ = writeln!(
                    out,
                    "    FAILED    {} {}: {:?} {code}: {}",
                    scope.region, scope.kind, error.class, error.message
                );
            }
        }
    }
    let sev: Vec<String> = t
        .by_severity
        .iter()
        .rev()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let _ = writeln!(
        out,
        "  findings    {} open ({})",
        r.findings.len(),
        sev.join(", ")
    );
    for (rule, n) in &t.by_rule {
        let _ = writeln!(out, "    {n:>6}  {rule}");
    }
    let p = &r.persist;
    let _ = writeln!(
        out,
        "  changes     {} new, {} regressed, {} resolved, {} suppressed, {} re-surfaced; {} resources written, {} removed",
        p.findings_new,
        p.findings_regressed,
        p.findings_resolved,
        p.findings_suppressed,
        p.findings_unsuppressed,
        p.resources_written,
        p.resources_deleted
    );
    let _ = writeln!(
        out,
        "  cost        {:.2} USD/month estimated waste",
        t.monthly_cost_usd
    );
    let _ = writeln!(
        out,
        "  history     {} created, {} modified, {} deleted, {} unchanged (Complete scopes)",
        p.resources_created, p.resources_modified, p.resources_deleted, p.resources_unchanged
    );
    for a in &r.tag_policy {
        let _ = writeln!(
            out,
            "  tags        account {}: {} of {} resource(s) non-compliant ({} missing required tags, {} invalid values)",
            a.account_id,
            a.resources_non_compliant,
            a.resources_checked.unwrap_or(0),
            a.resources_missing_tags,
            a.resources_invalid_values
        );
    }
    for e in &r.rule_errors {
        let _ = writeln!(
            out,
            "  WARNING     rule {} not evaluated: {}",
            e.rule_id, e.message
        );
    }
    for st in &p.stale_suppressions {
        let why = match st.reason {
            StaleReason::Expired => "expired".to_string(),
            StaleReason::Unmatched { scans } => format!("matched nothing in {scans} scans"),
        };
        let _ = writeln!(
            out,
            "  STALE       suppression {} (owner {}): {why} [{}]",
            st.id, st.owner, st.code
        );
    }
    if failed > 0 {
        let _ = writeln!(out, "  WARNING     {failed} scope(s) failed: their stored inventory and findings were left untouched");
    }
    out
}

pub fn scan_json(r: &ScanReport) -> Result<String> {
    #[derive(Serialize)]
    struct Out<'a> {
        #[serde(flatten)]
        report: &'a ScanReport,
        totals: Totals,
    }
    let mut s = serde_json::to_string_pretty(&Out {
        report: r,
        totals: totals(&r.findings),
    })?;
    s.push('\n');
    Ok(s)
}

pub fn print_rules(rules: &[RuleInfo], format: Format) -> Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(rules)?),
        Format::Table => {
            let rows: Vec<Vec<String>> = rules
                .iter()
                .map(|m| {
                    let refs: Vec<String> = m
                        .compliance
                        .iter()
                        .map(|f| format!("{} {} {}", f.framework, f.version, f.control))
                        .collect();
                    let source = match &m.source {
                        RuleSource::Builtin => "builtin".to_string(),
                        RuleSource::Pack { pack, .. } => format!("pack {pack}"),
                    };
                    vec![
                        m.id.clone(),
                        m.severity.to_string(),
                        m.category.to_string(),
                        source,
                        refs.join(", "),
                        m.title.clone(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "RULE",
                        "SEVERITY",
                        "CATEGORY",
                        "SOURCE",
                        "COMPLIANCE",
                        "TITLE"
                    ],
                    &rows
                )
            );
        }
    }
    Ok(())
}

pub fn cost_totals_table(t: &CostTotals) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:.2} USD/month estimated waste over {} active cost finding(s) ({} suppressed excluded)",
        t.total_monthly_usd, t.counted, t.excluded_suppressed
    );
    let section = |out: &mut String, title: &str, m: &BTreeMap<String, f64>| {
        let _ = writeln!(out, "\n{title}");
        let mut rows: Vec<(&String, &f64)> = m.iter().collect();
        rows.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
        for (k, v) in rows {
            let _ = writeln!(out, "  {v:>12.2}  {k}");
        }
    };
    section(&mut out, "by account", &t.by_account);
    section(&mut out, "by rule", &t.by_rule);
    for (tag, values) in &t.by_tag {
        section(&mut out, &format!("by tag {tag}"), values);
    }
    out
}

pub fn scans_table(scans: &[ScanRecord]) -> String {
    let rows: Vec<Vec<String>> = scans
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.status.to_string(),
                s.started_at.to_rfc3339(),
                s.resource_count.to_string(),
                s.finding_count.to_string(),
                format!(
                    "+{} new, {} regressed, -{} resolved, {} suppressed",
                    s.new_findings,
                    s.regressed_findings,
                    s.resolved_findings,
                    s.suppressed_findings
                ),
            ]
        })
        .collect();
    table(
        &[
            "SCAN",
            "STATUS",
            "STARTED",
            "RESOURCES",
            "FINDINGS",
            "CHANGES",
        ],
        &rows,
    )
}

pub fn comparison_table(c: &ScanComparison) -> String {
    let rows: Vec<Vec<String>> = c
        .findings
        .iter()
        .map(|f| {
            vec![
                format!("{:?}", f.change).to_lowercase(),
                f.severity.to_string(),
                f.rule_id.clone(),
                f.resource_id.clone(),
                f.key.to_string(),
            ]
        })
        .collect();
    let mut out = table(&["CHANGE", "SEVERITY", "RULE", "RESOURCE", "KEY"], &rows);
    let _ = writeln!(
        out,
        "{} -> {}: {} new, {} resolved, {} regressed, {} suppressed, {} unchanged",
        c.from_scan, c.to_scan, c.new, c.resolved, c.regressed, c.suppressed, c.unchanged
    );
    out
}

pub fn suppressions_table(list: &[Suppression], now: DateTime<Utc>) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|s| {
            let mut sel = Vec::new();
            if let Some(c) = &s.connection_id {
                sel.push(format!("connection={c}"));
            }
            if let Some(r) = &s.rule {
                sel.push(format!("rule={r}"));
            }
            if let Some(r) = &s.resource {
                sel.push(format!("resource={r}"));
            }
            if let Some(a) = &s.account_id {
                sel.push(format!("account={a}"));
            }
            for (k, v) in &s.tags {
                sel.push(format!("tag:{k}={v}"));
            }
            let state = if s.revoked_at.is_some() {
                "revoked"
            } else if s.is_active(now) {
                "active"
            } else {
                "expired"
            };
            vec![
                s.id.clone(),
                state.to_string(),
                s.expires_at.to_rfc3339(),
                s.owner.clone(),
                s.scans_without_match.to_string(),
                sel.join(" "),
                s.reason.clone(),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "STATE",
            "EXPIRES",
            "OWNER",
            "UNMATCHED SCANS",
            "SELECTOR",
            "REASON",
        ],
        &rows,
    )
}

/// Fails early (before scanning) when the report could not be written.
pub fn check_writable(path: &Path) -> Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        bail!(
            "cannot write the report to {}: directory {} does not exist",
            path.display(),
            parent.display()
        );
    }
    if path.is_dir() {
        bail!(
            "cannot write the report to {}: it is a directory",
            path.display()
        );
    }
    Ok(())
}

/// Writes via a temporary file and a rename, so a reader never sees half a report.
pub fn write_atomically(path: &Path, content: &str) -> Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, content).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move the report into {}", path.display()))?;
    Ok(())
}
