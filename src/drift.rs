//! Drift from the command line: `skywarden changes` (resource change history), `skywarden
//! baselines pin|list|show|approve|delete`, `skywarden tags report` (tag policy totals per
//! account); and the background pruning of change history (daemon and after CLI scans).

use std::time::Duration;

use anyhow::{bail, Context, Result};
use chrono::Utc;
use clap::{Args, Subcommand};
use serde::Serialize;
use skywarden_graph::{BaselineId, ConnectionId, ResourceId, ResourceKind, ScanId};
use skywarden_rules::{tag_totals, AccountTagTotals, FindingStatus, TagSelector};
use skywarden_store::{
    Approval, BaselineEntry, BaselineRecord, ChangeFilter, ChangeKind, FindingFilter, NewBaseline,
    ResourceChange, Retention, Store,
};
use tokio_util::sync::CancellationToken;

use crate::cli::{self, ConfigArg, DatabaseArg, Format, EXIT_OK};
use crate::config::Config;
use crate::output;

/// Rows a CLI scan prunes afterwards at most (the daemon prunes the rest in the background).
pub const CLI_PRUNE_MAX_ROWS: u64 = 10_000;

#[derive(Debug, Args)]
pub struct ChangesArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// Only this connection's changes.
    #[arg(long)]
    pub connection: Option<String>,
    /// Only changes recorded at or after this RFC 3339 time, or this long ago (7d, 12h).
    #[arg(long)]
    pub since: Option<String>,
    /// Only this resource's changes (its id, e.g. an ARN).
    #[arg(long)]
    pub resource: Option<String>,
    /// Only this resource kind, e.g. aws_ec2_security_group.
    #[arg(long)]
    pub kind: Option<String>,
    /// created, modified or deleted.
    #[arg(long)]
    pub change: Option<String>,
    /// Only the changes one scan recorded.
    #[arg(long)]
    pub scan: Option<String>,
    /// At most this many changes, newest first.
    #[arg(long, default_value_t = 1000)]
    pub limit: u32,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum BaselinesCommand {
    /// Pin the connection's latest finished scan as its approved baseline (optionally only
    /// the resources carrying one tag).
    Pin {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        connection: String,
        /// The scan to pin; must be the connection's latest finished scan (the default).
        #[arg(long)]
        scan: Option<String>,
        /// Only resources with this tag, KEY=VALUE.
        #[arg(long)]
        tag: Option<String>,
        #[arg(long)]
        note: Option<String>,
        /// Replace the connection's baseline with the same tag selector.
        #[arg(long)]
        replace: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Baselines (of one connection, or all).
    List {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        connection: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One baseline and its approved resources (documents in JSON).
    Show {
        id: String,
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Approve the current state of one resource into the baseline: its drift findings
    /// resolve on the next scan. A deleted resource leaves the baseline; a new one joins it.
    Approve {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        resource: String,
        /// The connection (needed when several connections have baselines).
        #[arg(long)]
        connection: Option<String>,
        /// Only this baseline of the connection.
        #[arg(long)]
        baseline: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Delete a baseline: its drift findings resolve on the next scan.
    Delete {
        id: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum TagsCommand {
    /// Tag policy totals per account from the stored active findings: resources missing
    /// required tags, resources with values the policy does not allow, per tag key.
    Report {
        #[command(flatten)]
        db: DatabaseArg,
        #[command(flatten)]
        config: ConfigArg,
        #[arg(long)]
        connection: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

fn parse_connection(s: &str) -> Result<ConnectionId> {
    s.parse().with_context(|| format!("--connection {s:?}"))
}

fn parse_kind(s: &str) -> Result<ResourceKind> {
    ResourceKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == s)
        .with_context(|| format!("--kind: unknown resource kind {s:?}"))
}

/// Who did it, for the record: `cli:<login>`.
fn actor() -> String {
    let user: String = std::env::var("USER")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    format!("cli:{}", if user.is_empty() { "unknown" } else { &user })
}

pub async fn changes(args: ChangesArgs) -> Result<u8> {
    let now = Utc::now();
    let filter = ChangeFilter {
        connection_id: args
            .connection
            .as_deref()
            .map(parse_connection)
            .transpose()?,
        since: args
            .since
            .as_deref()
            .map(|s| crate::commands::parse_time_or_span(s, now, "--since", -1))
            .transpose()?,
        resource_id: args
            .resource
            .as_deref()
            .map(|s| {
                s.parse::<ResourceId>()
                    .with_context(|| format!("--resource {s:?}"))
            })
            .transpose()?,
        kind: args.kind.as_deref().map(parse_kind).transpose()?,
        change: args
            .change
            .as_deref()
            .map(|s| s.parse::<ChangeKind>().context("--change"))
            .transpose()?,
        scan_id: args
            .scan
            .as_deref()
            .map(|s| s.parse::<ScanId>().with_context(|| format!("--scan {s:?}")))
            .transpose()?,
        limit: Some(args.limit.max(1)),
        ..Default::default()
    };
    let store = cli::open(&args.db).await?;
    let list = store.list_changes(&filter).await;
    store.close().await;
    let list = list?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&list)?),
        Format::Table => print!("{}", changes_table(&list)),
    }
    Ok(EXIT_OK)
}

fn changes_table(list: &[ResourceChange]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            let fields = match (&c.patch, c.change) {
                (Some(p), _) => p
                    .iter()
                    .map(|op| format!("{} {}", op.op(), op.path()))
                    .collect::<Vec<_>>()
                    .join(", "),
                (None, ChangeKind::Created) => "(new)".into(),
                (None, ChangeKind::Deleted) => "(gone)".into(),
                (None, ChangeKind::Modified) => String::new(),
            };
            vec![
                c.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                c.change.to_string(),
                c.kind.to_string(),
                c.region.to_string(),
                c.resource_id.short_id().to_string(),
                fields,
            ]
        })
        .collect();
    let mut out = output::table(
        &["at", "change", "kind", "region", "resource", "fields"],
        &rows,
    );
    out.push_str(&format!("{} change(s)\n", list.len()));
    out
}

pub async fn baselines(cmd: BaselinesCommand) -> Result<u8> {
    match cmd {
        BaselinesCommand::Pin {
            db,
            connection,
            scan,
            tag,
            note,
            replace,
            format,
        } => {
            let new = NewBaseline {
                connection_id: parse_connection(&connection)?,
                scan_id: scan
                    .as_deref()
                    .map(|s| s.parse::<ScanId>().with_context(|| format!("--scan {s:?}")))
                    .transpose()?,
                selector: tag
                    .as_deref()
                    .map(|t| t.parse::<TagSelector>().context("--tag"))
                    .transpose()?,
                note,
                created_by: actor(),
                replace,
                at: Utc::now(),
            };
            let store = cli::open(&db).await?;
            let r = store.pin_baseline(&new).await;
            store.close().await;
            let b = r?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&b)?),
                Format::Table => {
                    println!(
                        "pinned baseline {} of connection {}: scan {}, {} resource(s), {} scope(s){}",
                        b.id,
                        b.connection_id,
                        b.scan_id,
                        b.resource_count,
                        b.scopes.len(),
                        b.selector.as_ref().map(|s| format!(", tag {s}")).unwrap_or_default()
                    );
                }
            }
            Ok(EXIT_OK)
        }
        BaselinesCommand::List {
            db,
            connection,
            format,
        } => {
            let conns = connection.as_deref().map(parse_connection).transpose()?;
            let store = cli::open(&db).await?;
            let r = store
                .list_baselines(conns.as_ref().map(std::slice::from_ref))
                .await;
            store.close().await;
            let list = r?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&list)?),
                Format::Table => print!("{}", baselines_table(&list)),
            }
            Ok(EXIT_OK)
        }
        BaselinesCommand::Show { id, db, format } => {
            let id: BaselineId = id.parse().with_context(|| format!("baseline id {id:?}"))?;
            let store = cli::open(&db).await?;
            let r = async {
                let b = store
                    .get_baseline(id)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("baseline {id} not found"))?;
                let entries = store.baseline_entries(id, None, None).await?;
                Ok::<_, anyhow::Error>((b, entries))
            }
            .await;
            store.close().await;
            let (b, entries) = r?;
            match format {
                Format::Json => {
                    #[derive(Serialize)]
                    struct Shown<'a> {
                        #[serde(flatten)]
                        baseline: &'a BaselineRecord,
                        resources: &'a [BaselineEntry],
                    }
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&Shown {
                            baseline: &b,
                            resources: &entries,
                        })?
                    );
                }
                Format::Table => {
                    print!("{}", baselines_table(std::slice::from_ref(&b)));
                    let rows: Vec<Vec<String>> = entries
                        .iter()
                        .map(|e| {
                            vec![
                                e.kind.to_string(),
                                e.region.to_string(),
                                e.resource_id.short_id().to_string(),
                                e.approved_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                                e.approved_by.clone(),
                            ]
                        })
                        .collect();
                    print!(
                        "{}",
                        output::table(&["kind", "region", "resource", "approved", "by"], &rows)
                    );
                }
            }
            Ok(EXIT_OK)
        }
        BaselinesCommand::Approve {
            db,
            resource,
            connection,
            baseline,
            format,
        } => {
            let rid: ResourceId = resource
                .parse()
                .with_context(|| format!("--resource {resource:?}"))?;
            let baseline = baseline
                .as_deref()
                .map(|b| {
                    b.parse::<BaselineId>()
                        .with_context(|| format!("--baseline {b:?}"))
                })
                .transpose()?;
            let conn = connection.as_deref().map(parse_connection).transpose()?;
            let store = cli::open(&db).await?;
            let r = approve(&store, conn, baseline, &rid).await;
            store.close().await;
            let approvals = r?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&approvals)?),
                Format::Table => {
                    for a in &approvals {
                        println!(
                            "{:?} {} in baseline {}",
                            a.action, a.resource_id, a.baseline_id
                        );
                    }
                }
            }
            Ok(EXIT_OK)
        }
        BaselinesCommand::Delete { id, db } => {
            let id: BaselineId = id.parse().with_context(|| format!("baseline id {id:?}"))?;
            let store = cli::open(&db).await?;
            let r = store.delete_baseline(id).await;
            store.close().await;
            r?;
            println!("deleted baseline {id}");
            Ok(EXIT_OK)
        }
    }
}

/// Approves `rid` in `conn`, or in the one connection with baselines when not given.
async fn approve(
    store: &Store,
    conn: Option<ConnectionId>,
    baseline: Option<BaselineId>,
    rid: &ResourceId,
) -> Result<Vec<Approval>> {
    let conn = match conn {
        Some(c) => c,
        None => {
            let mut conns: Vec<ConnectionId> = store
                .list_baselines(None)
                .await?
                .into_iter()
                .filter(|b| baseline.is_none_or(|id| b.id == id))
                .map(|b| b.connection_id)
                .collect();
            conns.dedup();
            match conns.as_slice() {
                [one] => one.clone(),
                [] => bail!("no baseline to approve into; pin one first (skywarden baselines pin)"),
                _ => bail!(
                    "several connections have baselines ({}); give --connection",
                    conns
                        .iter()
                        .map(ConnectionId::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    };
    Ok(store
        .approve_resource(&conn, baseline, rid, &actor(), Utc::now())
        .await?)
}

fn baselines_table(list: &[BaselineRecord]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|b| {
            vec![
                b.id.to_string(),
                b.connection_id.to_string(),
                b.selector
                    .as_ref()
                    .map_or("(all)".into(), |s| s.to_string()),
                b.scan_id.to_string(),
                b.resource_count.to_string(),
                b.updated_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                b.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    output::table(
        &[
            "id",
            "connection",
            "selector",
            "scan",
            "resources",
            "updated",
            "note",
        ],
        &rows,
    )
}

pub async fn tags(cmd: TagsCommand) -> Result<u8> {
    let TagsCommand::Report {
        db,
        config,
        connection,
        format,
    } = cmd;
    let config = Config::load(config.config.as_deref())?;
    let connection_id = connection.as_deref().map(parse_connection).transpose()?;
    let store = Store::connect(&cli::database_url(&db, &config))
        .await
        .context("cannot open the database")?;
    let mut findings = Vec::new();
    let mut failed = None;
    for rule in skywarden_rules::tag_totals::rule_ids() {
        match store
            .list_findings(&FindingFilter {
                connection_id: connection_id.clone(),
                statuses: vec![FindingStatus::Open, FindingStatus::Regressed],
                rule_id: Some(rule.to_string()),
                ..Default::default()
            })
            .await
        {
            Ok(f) => findings.extend(f),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    store.close().await;
    if let Some(e) = failed {
        return Err(e.into());
    }
    let totals = tag_totals(findings.iter().map(|f| &f.finding), None);
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&totals)?),
        Format::Table => print!("{}", tag_totals_table(&totals)),
    }
    Ok(EXIT_OK)
}

/// Per account, then per key; `resources_checked` shown when known (scan reports).
pub fn tag_totals_table(totals: &[AccountTagTotals]) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for t in totals {
        rows.push(vec![
            t.account_id.to_string(),
            "(any)".into(),
            t.resources_checked
                .map(|n| n.to_string())
                .unwrap_or_default(),
            t.resources_missing_tags.to_string(),
            t.resources_invalid_values.to_string(),
            t.resources_non_compliant.to_string(),
        ]);
        for (key, k) in &t.by_key {
            rows.push(vec![
                String::new(),
                key.clone(),
                String::new(),
                k.missing.to_string(),
                k.invalid.to_string(),
                String::new(),
            ]);
        }
    }
    output::table(
        &[
            "account",
            "tag",
            "checked",
            "missing",
            "invalid",
            "non-compliant",
        ],
        &rows,
    )
}

/// Prunes change history outside `retention` for `connection` after a CLI scan, bounded; a
/// failure is logged, never fatal (the scan is stored).
pub async fn prune_after_scan(store: &Store, retention: Retention, connection: &ConnectionId) {
    match store
        .prune_history(Some(connection), retention, Utc::now(), CLI_PRUNE_MAX_ROWS)
        .await
    {
        Ok(s) if !s.complete => tracing::info!(
            connection = %connection,
            deleted = s.changes_deleted,
            "change history partly pruned; the rest goes after the next scans or by the daemon"
        ),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(connection = %connection, error = %e, "could not prune change history")
        }
    }
}

/// The daemon's background pruning: every `every`, at most `max_rows` changes per pass,
/// until `stop`.
pub fn spawn_pruner(
    store: Store,
    retention: Retention,
    every: Duration,
    max_rows: u64,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match store
                .prune_history(None, retention, Utc::now(), max_rows)
                .await
            {
                Ok(s) => tracing::debug!(
                    deleted = s.changes_deleted,
                    complete = s.complete,
                    "change history pruning pass"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "change history pruning failed; retried next pass")
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
        }
    })
}
