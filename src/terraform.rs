//! `skywarden drift terraform`: Terraform state files (local or S3 backend) against a
//! connection's stored inventory. The reading and comparison are `skywarden-terraform`'s; this
//! module reads the files, the inventory and the latest coverage, and renders the report.
//! The daemon's `POST /v1/connections/{id}/drift/terraform` shares [`compare_stored`].

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use skywarden_graph::{AccountId, ConnectionId, Region};
use skywarden_scanner::{read_s3_object, AwsScanConfig, S3Location};
use skywarden_store::{Store, StoreError};
use skywarden_terraform::{
    compare, map_states, parse, DriftReport, MapOptions, NotComparedReason, ScopeStatus, StateFile,
    TerraformError,
};

use crate::cli::{database_url, ConfigArg, DatabaseArg, Format, EXIT_OK};
use crate::config::Config;
use crate::{output, vault};

/// Drift exit code with `--fail-on-drift`.
pub const EXIT_DRIFT: u8 = 2;

/// Largest state file read from disk or S3.
pub const MAX_STATE_FILE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Subcommand)]
pub enum DriftCommand {
    /// Terraform state vs live: unmanaged, missing and changed resources of a connection.
    Terraform(DriftTerraformArgs),
}

#[derive(Debug, Args)]
pub struct DriftTerraformArgs {
    /// State file (format version 4): a path, or s3://bucket/key (the S3 backend's object,
    /// read with the connection's credentials like `scan aws`). Repeatable.
    #[arg(long = "state", required = true)]
    pub states: Vec<String>,
    /// Connection whose stored inventory is compared. Default: the only one in the database.
    #[arg(long)]
    pub connection: Option<String>,
    #[command(flatten)]
    pub db: DatabaseArg,
    #[command(flatten)]
    pub config: ConfigArg,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit with code 2 when anything is unmanaged, missing or changed.
    #[arg(long)]
    pub fail_on_drift: bool,
    /// Endpoint override for reading s3:// states (emulators, proxies).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Region of state resources whose attributes (and provider siblings) do not say it.
    #[arg(long)]
    pub region: Option<String>,
    /// Account of state resources whose attributes (and siblings) do not say it. Default: the
    /// connection's account when its inventory has exactly one.
    #[arg(long)]
    pub account: Option<String>,
    /// A connection with a sealed credential reads s3:// states with it.
    #[command(flatten)]
    pub key: vault::KeyArg,
}

/// Why a comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    #[error(transparent)]
    State(#[from] TerraformError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The report with the connection it was made for.
#[derive(Debug, Serialize)]
pub struct DriftOutput {
    pub connection_id: ConnectionId,
    #[serde(flatten)]
    pub report: DriftReport,
}

/// Compares parsed `states` with `conn`'s stored inventory under its latest coverage.
/// Without a default account, a connection whose inventory spans one account lends it.
pub async fn compare_stored(
    store: &Store,
    conn: &ConnectionId,
    states: &[StateFile],
    mut opts: MapOptions,
) -> Result<DriftReport, DriftError> {
    let live = store.list_resources(conn).await?;
    if opts.default_account.is_none() {
        let accounts: BTreeSet<&AccountId> = live.iter().map(|r| &r.account_id).collect();
        if accounts.len() == 1 {
            opts.default_account = accounts.into_iter().next().cloned();
        }
    }
    let mapped = map_states(states, &opts)?;
    let latest = store.latest_coverage(conn).await?;
    Ok(compare(&mapped, &live, &latest))
}

pub async fn run(cmd: DriftCommand) -> Result<u8> {
    match cmd {
        DriftCommand::Terraform(args) => drift_terraform(args).await,
    }
}

async fn drift_terraform(args: DriftTerraformArgs) -> Result<u8> {
    // Everything typed is checked before any file, bucket or database is touched.
    let connection = args
        .connection
        .as_deref()
        .map(str::parse::<ConnectionId>)
        .transpose()?;
    let opts = MapOptions {
        default_account: args
            .account
            .as_deref()
            .map(str::parse::<AccountId>)
            .transpose()
            .context("--account")?,
        default_region: args
            .region
            .as_deref()
            .map(str::parse::<Region>)
            .transpose()
            .context("--region")?,
    };
    enum Source {
        File(PathBuf),
        S3(S3Location),
    }
    let sources = args
        .states
        .iter()
        .map(|s| {
            if s.starts_with("s3://") {
                S3Location::parse(s)
                    .map(Source::S3)
                    .with_context(|| format!("--state {s}: expected s3://bucket/key"))
            } else {
                Ok(Source::File(PathBuf::from(s)))
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let config = Config::load(args.config.config.as_deref())?;
    let store = Store::connect(&database_url(&args.db, &config))
        .await
        .context("cannot open the database")?;
    let result = async {
        let conn = pick_connection(&store, connection).await?;
        let mut states = Vec::new();
        for s in &sources {
            let (name, bytes) = match s {
                Source::File(p) => (p.display().to_string(), read_file(p)?),
                Source::S3(at) => {
                    let mut cfg = AwsScanConfig::new(Some(conn.clone()));
                    cfg.credentials =
                        vault::scan_credentials(&store, &args.key, Some(&conn)).await?;
                    cfg.endpoint_url = args.endpoint_url.clone();
                    let bytes = read_s3_object(&cfg, at, MAX_STATE_FILE_BYTES).await?;
                    (at.to_string(), bytes)
                }
            };
            states.push(parse(&name, &bytes)?);
        }
        let report = compare_stored(&store, &conn, &states, opts).await?;
        anyhow::Ok(DriftOutput {
            connection_id: conn,
            report,
        })
    }
    .await;
    store.close().await;
    let out = result?;
    match args.format {
        Format::Table => print!("{}", table(&out)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&out)?),
    }
    if args.fail_on_drift && out.report.summary.drift {
        return Ok(EXIT_DRIFT);
    }
    Ok(EXIT_OK)
}

/// The given connection (which must have stored data), or the only one.
async fn pick_connection(store: &Store, given: Option<ConnectionId>) -> Result<ConnectionId> {
    let known = store.list_connections().await?;
    match given {
        Some(c) if known.contains(&c) => Ok(c),
        Some(c) => bail!("connection {c} has no stored inventory: scan it first"),
        None => match known.as_slice() {
            [one] => Ok(one.clone()),
            [] => bail!("the database has no scanned connection: run `skywarden scan aws` first"),
            many => bail!(
                "the database has {} connections ({}): pass --connection",
                many.len(),
                many.iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

fn read_file(path: &PathBuf) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    f.take(MAX_STATE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_STATE_FILE_BYTES {
        bail!(
            "{}: larger than the limit of {MAX_STATE_FILE_BYTES} bytes",
            path.display()
        );
    }
    Ok(bytes)
}

fn scope_status(s: &ScopeStatus) -> String {
    match s {
        ScopeStatus::Failed { class } => format!(
            "failed ({})",
            serde_json::to_value(class)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        ),
        ScopeStatus::Skipped { reason } => format!("skipped ({reason})"),
        ScopeStatus::NotScanned => "not scanned".into(),
    }
}

fn value(v: &skywarden_terraform::AttrValue) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The report for people: summary, then one section per non-empty list.
pub fn table(o: &DriftOutput) -> String {
    let r = &o.report;
    let s = &r.summary;
    let mut out = String::new();
    for f in &r.states {
        let _ = writeln!(
            out,
            "state {}: {} resource instance(s), {} data source instance(s){}{}",
            f.file,
            f.instances,
            f.data_instances,
            f.serial
                .map(|n| format!(", serial {n}"))
                .unwrap_or_default(),
            f.terraform_version
                .as_deref()
                .map(|v| format!(", terraform {v}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        out,
        "connection {}: {} managed, {} compared, {} in sync; {} unmanaged, {} missing, {} changed; {} not compared",
        o.connection_id, s.managed, s.compared, s.in_sync, s.unmanaged, s.missing, s.changed, s.not_compared
    );
    if !r.unmanaged.is_empty() {
        out.push_str("\nUNMANAGED (live, not in the state)\n");
        let rows: Vec<Vec<String>> = r
            .unmanaged
            .iter()
            .map(|u| {
                vec![
                    u.kind.to_string(),
                    u.region.to_string(),
                    u.name.clone().unwrap_or_default(),
                    u.resource_id.to_string(),
                ]
            })
            .collect();
        out.push_str(&output::table(
            &["KIND", "REGION", "NAME", "RESOURCE"],
            &rows,
        ));
    }
    if !r.missing.is_empty() {
        out.push_str("\nMISSING (in the state, not live)\n");
        let rows: Vec<Vec<String>> = r
            .missing
            .iter()
            .map(|m| {
                vec![
                    m.address.clone(),
                    m.region.to_string(),
                    m.resource_id.to_string(),
                ]
            })
            .collect();
        out.push_str(&output::table(&["ADDRESS", "REGION", "RESOURCE"], &rows));
    }
    if !r.changed.is_empty() {
        out.push_str("\nCHANGED (state value -> live value)\n");
        let rows: Vec<Vec<String>> = r
            .changed
            .iter()
            .flat_map(|c| {
                c.attributes.iter().map(|a| {
                    vec![
                        c.address.clone(),
                        a.attribute.clone(),
                        value(&a.state),
                        value(&a.live),
                    ]
                })
            })
            .collect();
        out.push_str(&output::table(
            &["ADDRESS", "ATTRIBUTE", "STATE", "LIVE"],
            &rows,
        ));
    }
    if !r.unverified.is_empty() {
        let _ = writeln!(
            out,
            "\n{} attribute(s) unverified (the scan could not read them), e.g. {} {}",
            r.unverified.len(),
            r.unverified[0].address,
            r.unverified[0].attribute
        );
    }
    let nc = &r.not_compared;
    if !nc.scopes.is_empty() {
        out.push_str("\nNOT COMPARED: scope not complete in the latest scan\n");
        let rows: Vec<Vec<String>> = nc
            .scopes
            .iter()
            .map(|n| {
                vec![
                    n.account_id.to_string(),
                    n.region.to_string(),
                    n.kind.to_string(),
                    scope_status(&n.status),
                ]
            })
            .collect();
        out.push_str(&output::table(
            &["ACCOUNT", "REGION", "KIND", "STATUS"],
            &rows,
        ));
    }
    let orphans: Vec<Vec<String>> = nc
        .resources
        .iter()
        .filter_map(|n| match &n.reason {
            NotComparedReason::ParentNotInState { parent } => Some(vec![
                n.address.clone(),
                format!("its parent {parent} is not in the state"),
            ]),
            NotComparedReason::ScopeNotComplete { .. } => None,
        })
        .collect();
    if !orphans.is_empty() {
        out.push_str("\nNOT COMPARED: sub-resources without their parent\n");
        out.push_str(&output::table(&["ADDRESS", "REASON"], &orphans));
    }
    if !nc.types.is_empty() {
        out.push_str("\nNOT COMPARED: resource types Skywarden does not map\n");
        let rows: Vec<Vec<String>> = nc
            .types
            .iter()
            .map(|t| vec![t.type_name.clone(), t.instances.to_string()])
            .collect();
        out.push_str(&output::table(&["TYPE", "INSTANCES"], &rows));
    }
    out
}
