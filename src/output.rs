//! Rendering reports: tables for people, JSON for machines.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use skywarden_graph::CoverageStatus;
use skywarden_rules::{catalog, FindingRecord, RuleMeta, Severity};

use crate::cli::Format;
use crate::pipeline::ScanReport;

fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
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
        "  changes     {} new, {} reopened, {} resolved; {} resources written, {} removed",
        p.findings_new,
        p.findings_reopened,
        p.findings_resolved,
        p.resources_written,
        p.resources_deleted
    );
    let _ = writeln!(
        out,
        "  cost        {:.2} USD/month estimated waste",
        t.monthly_cost_usd
    );
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

pub fn print_rules(format: Format) -> Result<()> {
    let rules = catalog::all();
    let metas: Vec<&RuleMeta> = rules.iter().map(|r| &r.meta).collect();
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&metas)?),
        Format::Table => {
            let rows: Vec<Vec<String>> = metas
                .iter()
                .map(|m| {
                    let cis: Vec<String> = m
                        .frameworks
                        .iter()
                        .map(|f| format!("{} {}", f.version, f.control))
                        .collect();
                    vec![
                        m.id.to_string(),
                        m.severity.to_string(),
                        m.category.to_string(),
                        cis.join(", "),
                        m.title.to_string(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(&["RULE", "SEVERITY", "CATEGORY", "CIS AWS", "TITLE"], &rows)
            );
        }
    }
    Ok(())
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
