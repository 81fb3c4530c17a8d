//! Command line: `skywarden scan aws`, `skywarden findings list`, `skywarden rules list`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use skywarden_graph::{ConnectionId, Region};
use skywarden_rules::{FindingStatus, Severity};
use skywarden_scanner::{AwsScanConfig, RegionSelection, RetryMode};
use skywarden_store::{FindingFilter, Store};

use crate::{output, pipeline};

pub const EXIT_OK: u8 = 0;
pub const EXIT_ERROR: u8 = 1;
/// `--fail-on` threshold reached.
pub const EXIT_FINDINGS: u8 = 2;
/// The scan finished but some (region, kind) scopes failed: the results are incomplete.
pub const EXIT_INCOMPLETE: u8 = 3;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://skywarden.db";

#[derive(Debug, Parser)]
#[command(
    name = "skywarden",
    version,
    about = "Cloud-governance scanner: inventory, topology, misconfiguration and cost findings."
)]
pub struct Cli {
    /// Log filter for stderr (e.g. info, debug, skywarden_scanner=debug). Default: RUST_LOG, else warn.
    #[arg(long, global = true)]
    pub log_level: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a one-shot scan and store its inventory and findings.
    #[command(subcommand)]
    Scan(ScanCommand),
    /// Read stored findings.
    #[command(subcommand)]
    Findings(FindingsCommand),
    /// The built-in rule catalog.
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Debug, Subcommand)]
pub enum ScanCommand {
    /// Scan one AWS account with the standard AWS credential chain.
    Aws(ScanAwsArgs),
}

#[derive(Debug, Subcommand)]
pub enum FindingsCommand {
    /// List stored findings.
    List(FindingsListArgs),
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the built-in rules with their metadata.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RetryModeArg {
    Standard,
    Adaptive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Open,
    Resolved,
    All,
}

#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// sqlite://PATH (default sqlite://skywarden.db), sqlite::memory:, or postgres://...
    #[arg(long, env = "SKYWARDEN_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
}

#[derive(Debug, Args)]
pub struct ScanAwsArgs {
    /// Regions to scan (comma separated). Default: every region enabled for the account.
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Endpoint override for every AWS service (emulators, proxies). AWS_ENDPOINT_URL is honoured too.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    #[command(flatten)]
    pub db: DatabaseArg,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Exit with code 2 when an open finding of this severity or worse exists after the scan.
    #[arg(long)]
    pub fail_on: Option<String>,
    /// Connection id to store the scan under. Default: aws-<account id>.
    #[arg(long)]
    pub connection: Option<String>,
    /// How many regions are scanned at once.
    #[arg(long, default_value_t = 4)]
    pub max_concurrent_regions: usize,
    /// Attempts per API call (first try included) on throttling and transient errors.
    #[arg(long, default_value_t = 6)]
    pub max_attempts: u32,
    #[arg(long, value_enum, default_value_t = RetryModeArg::Standard)]
    pub retry_mode: RetryModeArg,
    /// Upper bound, in seconds, for collecting one kind in one region (retries included).
    #[arg(long, default_value_t = 600)]
    pub scope_timeout_secs: u64,
}

#[derive(Debug, Args)]
pub struct FindingsListArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[arg(long, value_enum, default_value_t = StatusArg::Open)]
    pub status: StatusArg,
    /// Minimum severity, e.g. `high` or `high+` (both mean high and critical).
    #[arg(long)]
    pub severity: Option<String>,
    /// Only this connection's findings.
    #[arg(long)]
    pub connection: Option<String>,
    /// Only this rule's findings.
    #[arg(long)]
    pub rule: Option<String>,
}

fn parse_severity(s: &str) -> Result<Severity> {
    Ok(s.trim_end_matches('+').parse::<Severity>()?)
}

pub async fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(ScanCommand::Aws(args)) => scan_aws(args).await,
        Command::Findings(FindingsCommand::List(args)) => findings_list(args).await,
        Command::Rules(RulesCommand::List { format }) => {
            output::print_rules(format)?;
            Ok(EXIT_OK)
        }
    }
}

async fn scan_aws(args: ScanAwsArgs) -> Result<u8> {
    // Validate everything the user typed before touching the cloud or the database.
    let regions = args
        .regions
        .iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| r.trim().parse::<Region>().map_err(anyhow::Error::from))
        .collect::<Result<Vec<_>>>()?;
    let fail_on = args.fail_on.as_deref().map(parse_severity).transpose()?;
    let connection = args
        .connection
        .as_deref()
        .map(str::parse::<ConnectionId>)
        .transpose()?;
    if args.max_concurrent_regions == 0 || args.max_attempts == 0 {
        bail!("--max-concurrent-regions and --max-attempts must be at least 1");
    }
    if let Some(path) = &args.output {
        output::check_writable(path)?;
    }

    let store = Store::connect(&args.db.database_url)
        .await
        .context("cannot open the database")?;

    let mut cfg = AwsScanConfig::new(connection.clone());
    cfg.regions = if regions.is_empty() {
        RegionSelection::AllEnabled
    } else {
        RegionSelection::List(regions)
    };
    cfg.endpoint_url = args.endpoint_url.clone();
    cfg.max_concurrent_regions = args.max_concurrent_regions;
    cfg.retry.max_attempts = args.max_attempts;
    cfg.retry.mode = match args.retry_mode {
        RetryModeArg::Standard => RetryMode::Standard,
        RetryModeArg::Adaptive => RetryMode::Adaptive,
    };
    cfg.scope_timeout = Duration::from_secs(args.scope_timeout_secs.max(1));

    let report = pipeline::scan_aws(&store, cfg, connection).await;
    store.close().await;
    let report = report?;

    let rendered = match args.format {
        Format::Table => output::scan_table(&report),
        Format::Json => output::scan_json(&report)?,
    };
    match &args.output {
        Some(path) => output::write_atomically(path, &rendered)?,
        None => print!("{rendered}"),
    }

    if let Some(threshold) = fail_on {
        if report
            .findings
            .iter()
            .any(|f| f.finding.severity >= threshold)
        {
            return Ok(EXIT_FINDINGS);
        }
    }
    if report.scan.coverage.failed().next().is_some() {
        return Ok(EXIT_INCOMPLETE);
    }
    Ok(EXIT_OK)
}

async fn findings_list(args: FindingsListArgs) -> Result<u8> {
    let filter = FindingFilter {
        connection_id: args.connection.as_deref().map(str::parse).transpose()?,
        status: match args.status {
            StatusArg::Open => Some(FindingStatus::Open),
            StatusArg::Resolved => Some(FindingStatus::Resolved),
            StatusArg::All => None,
        },
        min_severity: args.severity.as_deref().map(parse_severity).transpose()?,
        rule_id: args.rule.clone(),
    };
    let store = Store::connect(&args.db.database_url)
        .await
        .context("cannot open the database")?;
    let findings = store.list_findings(&filter).await;
    store.close().await;
    let findings = findings?;
    match args.format {
        Format::Table => print!("{}", output::findings_table(&findings)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&findings)?),
    }
    Ok(EXIT_OK)
}
