//! The read-side and policy commands: exports, cost totals, rule packs, scan comparison,
//! suppressions. `scan aws` lives in `cli.rs` + `pipeline.rs`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use skywarden_graph::{ConnectionId, InventoryBuilder, ScanId};
use skywarden_rules::export::{self, ExportFormat, ExportInput};
use skywarden_rules::pricing::{cost_totals, PriceTable};
use skywarden_rules::{EvalCx, Finding, FindingRecord, NewSuppression, RuleSettings};

use crate::cli::{
    self, FindingsExportArgs, FindingsTotalsArgs, Format, RulesListArgs, RulesTestArgs,
    ScansCommand, SuppressionAddArgs, SuppressionsCommand, EXIT_ERROR, EXIT_OK,
};
use crate::config::Config;
use crate::{output, packs};

pub async fn findings_export(args: FindingsExportArgs) -> Result<u8> {
    let format: ExportFormat = args
        .format
        .parse()
        .map_err(|e| anyhow::anyhow!("--format: {e}"))?;
    let filter = args.filter.filter()?;
    let to_stdout = args.output.as_os_str() == "-";
    if !to_stdout {
        output::check_writable(&args.output)?;
    }
    let config = Config::load(args.config.config.as_deref())?;
    // Metadata of every rule, whatever the settings: stored findings of a rule disabled
    // since still export with their remediation.
    let engine = packs::engine_for(&config, args.rules_dir.as_deref(), RuleSettings::default())?;
    let rules = engine.rules();
    let findings = stored_findings(&args.db, &config, &filter).await?;
    let input = ExportInput {
        findings: &findings,
        rules: &rules,
        generated_at: Utc::now(),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    if to_stdout {
        let stdout = std::io::stdout();
        let mut lock = std::io::BufWriter::new(stdout.lock());
        export::write(format, &input, &mut lock)?;
        lock.flush()?;
    } else {
        write_file_atomically(&args.output, |w| Ok(export::write(format, &input, w)?))?;
    }
    tracing::info!(
        format = format.as_str(),
        findings = findings.len(),
        "exported"
    );
    Ok(EXIT_OK)
}

/// The stored findings matching `filter` in the database the flags or the config name.
async fn stored_findings(
    db: &cli::DatabaseArg,
    config: &Config,
    filter: &skywarden_store::FindingFilter,
) -> Result<Vec<FindingRecord>> {
    let store = skywarden_store::Store::connect(&cli::database_url(db, config))
        .await
        .context("cannot open the database")?;
    let findings = store.list_findings(filter).await;
    store.close().await;
    Ok(findings?)
}

/// Streams into a temporary file next to `path`, then renames it into place.
fn write_file_atomically(
    path: &Path,
    f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<()>,
) -> Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        let mut w = std::io::BufWriter::new(file);
        f(&mut w)?;
        w.flush()
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("cannot move the export into {}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

pub async fn findings_totals(args: FindingsTotalsArgs) -> Result<u8> {
    let config = Config::load(args.config.config.as_deref())?;
    let tags: Vec<String> = if args.group_by_tag.is_empty() {
        config.cost.group_by_tags.clone()
    } else {
        args.group_by_tag.clone()
    };
    let filter = skywarden_store::FindingFilter {
        connection_id: args.connection.as_deref().map(str::parse).transpose()?,
        // Suppressed ones are fetched so the totals can say how much was excluded.
        statuses: vec![
            skywarden_rules::FindingStatus::Open,
            skywarden_rules::FindingStatus::Regressed,
            skywarden_rules::FindingStatus::Suppressed,
        ],
        category: Some(skywarden_rules::Category::Cost),
        ..Default::default()
    };
    let findings = stored_findings(&args.db, &config, &filter).await?;
    let keys: Vec<&str> = tags.iter().map(String::as_str).collect();
    let totals = cost_totals(&findings, &keys);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&totals)?),
        Format::Table => print!("{}", output::cost_totals_table(&totals)),
    }
    Ok(EXIT_OK)
}

pub fn pricing_list(config: Option<&Path>, prefix: Option<&str>, format: Format) -> Result<u8> {
    let config = Config::load(config)?;
    let table = PriceTable::with_overrides(config.pricing.clone())
        .context("invalid [pricing] configuration")?;
    let entries: Vec<_> = table
        .keys()
        .filter(|e| prefix.is_none_or(|p| e.key.starts_with(p)))
        .collect();
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&entries)?),
        Format::Table => {
            for e in &entries {
                println!(
                    "{:<48} {:>12.6} USD/{:<14} {}{}",
                    e.key,
                    e.usd_per_unit,
                    e.unit,
                    e.table_version,
                    if e.overridden { " (overridden)" } else { "" }
                );
            }
            println!("{} price(s)", entries.len());
        }
    }
    Ok(EXIT_OK)
}

pub fn rules_list(args: RulesListArgs) -> Result<u8> {
    let config = Config::load(args.config.config.as_deref())?;
    let engine = packs::engine_for(&config, args.rules_dir.as_deref(), config.rules.settings())?;
    output::print_rules(&engine.rules(), args.format)?;
    Ok(EXIT_OK)
}

#[derive(Debug, Serialize)]
struct ValidateReport {
    dir: String,
    valid: bool,
    packs: Vec<skywarden_rules::user::PackSummary>,
    errors: Vec<skywarden_rules::user::PackError>,
}

pub fn rules_validate(dir: &Path, format: Format) -> Result<u8> {
    let sources = packs::read_dir(dir)?;
    if sources.is_empty() {
        bail!("no rule packs (*.yaml, *.yml) in {}", dir.display());
    }
    let report = match skywarden_rules::user::PackSet::load(&sources) {
        Ok(set) => ValidateReport {
            dir: dir.display().to_string(),
            valid: true,
            packs: set.packs().to_vec(),
            errors: vec![],
        },
        Err(e) => ValidateReport {
            dir: dir.display().to_string(),
            valid: false,
            packs: vec![],
            errors: e.errors().to_vec(),
        },
    };
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Table => {
            for p in &report.packs {
                println!("ok    {}  pack {}  {} rule(s)", p.file, p.pack, p.rules);
            }
            for e in &report.errors {
                eprintln!("error: {e}");
            }
            if report.valid {
                println!("{} pack(s) valid", report.packs.len());
            }
        }
    }
    Ok(if report.valid { EXIT_OK } else { EXIT_ERROR })
}

#[derive(Debug, Serialize)]
struct DryRun {
    connection_id: ConnectionId,
    resources: usize,
    findings: Vec<Finding>,
    errors: Vec<skywarden_rules::RuleEvalError>,
}

pub async fn rules_test(args: RulesTestArgs) -> Result<u8> {
    let set = packs::load(&args.dir, Default::default())?;
    let store = cli::open(&args.db).await?;
    let result = dry_run(&store, &set, args.connection.as_deref()).await;
    store.close().await;
    let runs = result?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&runs)?),
        Format::Table => {
            for run in &runs {
                println!(
                    "connection {} ({} stored resources)",
                    run.connection_id, run.resources
                );
                let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
                for f in &run.findings {
                    *by_rule.entry(f.rule_id.as_str()).or_default() += 1;
                }
                for r in set.rules() {
                    let id = r.info().id.as_str();
                    println!("  {:>6}  {id}", by_rule.get(id).copied().unwrap_or(0));
                }
                for f in &run.findings {
                    let cost = f
                        .monthly_cost_usd
                        .map(|c| format!("  {c:.2} USD/month"))
                        .unwrap_or_default();
                    println!("    would fire  {}  {}{cost}", f.rule_id, f.resource_id);
                }
                for e in &run.errors {
                    println!("  NOT EVALUATED  {}: {}", e.rule_id, e.message);
                }
            }
        }
    }
    Ok(EXIT_OK)
}

/// Evaluates only the packs' rules over each connection's stored inventory; writes nothing.
async fn dry_run(
    store: &skywarden_store::Store,
    set: &skywarden_rules::user::PackSet,
    connection: Option<&str>,
) -> Result<Vec<DryRun>> {
    let connections: Vec<ConnectionId> = match connection {
        Some(c) => vec![c.parse()?],
        None => store.list_connections().await?,
    };
    let pricing = PriceTable::default();
    let enabled = set.rules().iter().map(|r| r.info().id.clone()).collect();
    let mut out = Vec::new();
    for c in connections {
        let resources = store.list_resources(&c).await?;
        let n = resources.len();
        let mut b = InventoryBuilder::new();
        b.extend(resources);
        let inv = b.build();
        let cx = EvalCx::new(&inv, &pricing, Utc::now());
        let ev = set.evaluate(&cx, &enabled);
        let mut findings = ev.findings;
        findings.sort_by(|a, b| (&a.rule_id, &a.resource_id).cmp(&(&b.rule_id, &b.resource_id)));
        out.push(DryRun {
            connection_id: c,
            resources: n,
            findings,
            errors: ev.errors,
        });
    }
    Ok(out)
}

pub async fn scans(cmd: ScansCommand) -> Result<u8> {
    match cmd {
        ScansCommand::List {
            db,
            connection,
            limit,
            format,
        } => {
            let connection: ConnectionId = connection.parse()?;
            let store = cli::open(&db).await?;
            let scans = store.list_scans(&connection, limit.max(1)).await;
            store.close().await;
            let scans = scans?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&scans)?),
                Format::Table => print!("{}", output::scans_table(&scans)),
            }
        }
        ScansCommand::Compare {
            from,
            to,
            db,
            include_unchanged,
            format,
        } => {
            let parse = |s: &str| {
                s.parse::<ScanId>()
                    .with_context(|| format!("invalid scan id {s:?}"))
            };
            let (from, to) = (parse(&from)?, parse(&to)?);
            let store = cli::open(&db).await?;
            let cmp = store.compare_scans(from, to, include_unchanged).await;
            store.close().await;
            let cmp = cmp?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&cmp)?),
                Format::Table => print!("{}", output::comparison_table(&cmp)),
            }
        }
    }
    Ok(EXIT_OK)
}

/// `30d`, `12h`, `90m`, `45s` from now, or an RFC 3339 time.
pub fn parse_expiry(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    parse_time_or_span(s, now, "--expires", 1)
}

/// An RFC 3339 time, or a span (`30d`, `12h`, `90m`, `45s`) added to `now` times `sign`
/// (1: from now, -1: ago). Errors name `flag`.
pub fn parse_time_or_span(
    s: &str,
    now: DateTime<Utc>,
    flag: &str,
    sign: i32,
) -> Result<DateTime<Utc>> {
    let s = s.trim();
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    if !digits.is_empty()
        && digits.len() + 1 == s.len()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        let n: i64 = digits
            .parse()
            .ok()
            .filter(|n| *n > 0 && *n <= 3650 * 24 * 60)
            .with_context(|| format!("{flag} {s:?}: expected e.g. 30d, 12h, 90m or 45s"))?;
        let d = match s.chars().last() {
            Some('d') => Duration::days(n),
            Some('h') => Duration::hours(n),
            Some('m') => Duration::minutes(n),
            Some('s') => Duration::seconds(n),
            _ => bail!("{flag} {s:?}: the unit must be d, h, m or s"),
        };
        return Ok(now + d * sign);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .with_context(|| format!("{flag} {s:?}: expected an RFC 3339 time or e.g. 30d"))
}

pub async fn suppressions(cmd: SuppressionsCommand) -> Result<u8> {
    match cmd {
        SuppressionsCommand::Add(args) => suppression_add(args).await,
        SuppressionsCommand::List { db, all, format } => {
            let store = cli::open(&db).await?;
            let list = store.list_suppressions(all).await;
            store.close().await;
            let list = list?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&list)?),
                Format::Table => print!("{}", output::suppressions_table(&list, Utc::now())),
            }
            Ok(EXIT_OK)
        }
        SuppressionsCommand::Revoke { id, db } => {
            let store = cli::open(&db).await?;
            let r = store.revoke_suppression(&id, Utc::now()).await;
            store.close().await;
            r?;
            println!("revoked {id}");
            Ok(EXIT_OK)
        }
    }
}

async fn suppression_add(args: SuppressionAddArgs) -> Result<u8> {
    let now = Utc::now();
    let mut tags = BTreeMap::new();
    for t in &args.tags {
        let (k, v) = t
            .split_once('=')
            .with_context(|| format!("--tag {t:?}: expected KEY=VALUE"))?;
        tags.insert(k.to_string(), v.to_string());
    }
    let new = NewSuppression {
        connection_id: args.connection.as_deref().map(str::parse).transpose()?,
        rule: args.rule.clone(),
        resource: args.resource.clone(),
        account_id: args.account.as_deref().map(str::parse).transpose()?,
        tags,
        owner: args.owner.clone(),
        reason: args.reason.clone(),
        ticket: args.ticket.clone(),
        expires_at: parse_expiry(&args.expires, now)?,
    };
    let s = new.into_suppression(uuid::Uuid::now_v7().to_string(), now)?;
    let store = cli::open(&args.db).await?;
    let r = store.create_suppression(&s).await;
    store.close().await;
    r?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&s)?),
        Format::Table => println!("suppression {} until {}", s.id, s.expires_at.to_rfc3339()),
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn expiry_forms() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert_eq!(parse_expiry("30d", now).unwrap(), now + Duration::days(30));
        assert_eq!(parse_expiry("12h", now).unwrap(), now + Duration::hours(12));
        assert_eq!(
            parse_expiry("2027-01-31T00:00:00Z", now).unwrap(),
            Utc.with_ymd_and_hms(2027, 1, 31, 0, 0, 0).unwrap()
        );
        for bad in ["", "0d", "-3d", "3w", "tomorrow", "99999999d"] {
            assert!(parse_expiry(bad, now).is_err(), "{bad}");
        }
    }
}
