//! Command line: `skywarden scan aws`, `findings list|export|totals`, `scans list|compare`,
//! `suppressions add|list|revoke`, `rules list|validate|test`, `changes`, `baselines
//! pin|list|show|approve|delete`, `tags report`, `drift terraform`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use skywarden_graph::{AccountId, ConnectionId, Region, ResourceKind, ScanId};
use skywarden_rules::pricing::PriceTable;
use skywarden_rules::{FindingStatus, Severity};
use skywarden_scanner::{
    AssumeRole, AwsScanConfig, OrganizationScan, RateLimits, RegionSelection, RetryMode,
};
use skywarden_store::{FindingFilter, Store};

use crate::config::Config;
use crate::{commands, drift, output, packs, pipeline, serve, tenancy, terraform, vault};

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
    /// Rules: the catalog (built-in and user packs), pack validation and dry runs.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Scan history and scan-to-scan comparison.
    #[command(subcommand)]
    Scans(ScansCommand),
    /// Accepted risks: suppressions with an owner, a reason and an expiry.
    #[command(subcommand)]
    Suppressions(SuppressionsCommand),
    /// Resource change history: created, modified (with the JSON Patch) and deleted resources.
    Changes(drift::ChangesArgs),
    /// Approved baselines drift rules compare against: pin, list, show, approve, delete.
    #[command(subcommand)]
    Baselines(drift::BaselinesCommand),
    /// Tag policy totals per account.
    #[command(subcommand)]
    Tags(drift::TagsCommand),
    /// The price table cost estimates use (with [pricing] overrides applied).
    #[command(subcommand)]
    Pricing(PricingCommand),
    /// The credential vault's master key: generate, check, rotate.
    #[command(subcommand)]
    Keys(vault::KeysCommand),
    /// Sealed cloud credentials of connections (write-only: never shown).
    #[command(subcommand)]
    Credentials(vault::CredentialsCommand),
    /// Run the daemon: HTTP API, scheduled scans.
    Serve(serve::ServeArgs),
    /// Organizations (tenants) of the daemon.
    #[command(subcommand)]
    Orgs(tenancy::OrgsCommand),
    /// API tokens of an organization (bootstrap the first admin token here).
    #[command(subcommand)]
    Tokens(tenancy::TokensCommand),
    /// Print the HTTP API's OpenAPI document.
    Openapi,
    /// Drift: Terraform state vs the stored inventory.
    #[command(subcommand)]
    Drift(terraform::DriftCommand),
}

#[derive(Debug, Subcommand)]
pub enum PricingCommand {
    /// Every price key with its USD figure, unit, table version and source.
    List {
        #[command(flatten)]
        config: ConfigArg,
        /// Only keys starting with this prefix, e.g. `ebs:gp3:` or `ec2:m5.large:`.
        #[arg(long)]
        prefix: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScanCommand {
    /// Scan one AWS account with the standard AWS credential chain.
    Aws(ScanAwsArgs),
    /// Scan the subscriptions of an Azure tenant with a service principal's client secret
    /// (AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET, or the connection's sealed
    /// azure_client_secret credential).
    Azure(ScanAzureArgs),
}

#[derive(Debug, Subcommand)]
pub enum FindingsCommand {
    /// List stored findings.
    List(FindingsListArgs),
    /// Export stored findings as json, ndjson, csv, ocsf, sarif or junit.
    Export(FindingsExportArgs),
    /// Estimated monthly waste of active cost findings, per account, rule and tag value.
    Totals(FindingsTotalsArgs),
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules (built-in, plus the packs of --rules-dir) with their metadata.
    List(RulesListArgs),
    /// Load and type-check every pack in DIR; print each error with file, rule, line and column.
    Validate {
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Dry run: evaluate the packs in DIR against the stored inventory; print what would fire.
    Test(RulesTestArgs),
}

#[derive(Debug, Subcommand)]
pub enum ScansCommand {
    /// A connection's scans, newest first.
    List {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        connection: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// How findings moved between two scans of one connection: new, resolved, regressed, unchanged.
    Compare {
        from: String,
        to: String,
        #[command(flatten)]
        db: DatabaseArg,
        /// Also list unchanged findings (always counted).
        #[arg(long)]
        include_unchanged: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum SuppressionsCommand {
    /// Suppress matching findings until an expiry (every given selector must match).
    Add(SuppressionAddArgs),
    /// List suppressions (active ones; --all includes revoked).
    List {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Revoke a suppression: its findings re-surface on the next scan.
    Revoke {
        id: String,
        #[command(flatten)]
        db: DatabaseArg,
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
    /// Open and regressed: present and not accepted.
    Open,
    /// Only findings that came back after being resolved.
    Regressed,
    Resolved,
    Suppressed,
    All,
}

impl StatusArg {
    pub fn statuses(self) -> Vec<FindingStatus> {
        match self {
            StatusArg::Open => FindingFilter::active(),
            StatusArg::Regressed => vec![FindingStatus::Regressed],
            StatusArg::Resolved => vec![FindingStatus::Resolved],
            StatusArg::Suppressed => vec![FindingStatus::Suppressed],
            StatusArg::All => vec![],
        }
    }
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// Configuration file (TOML). SKYWARDEN__SECTION__KEY variables override it.
    #[arg(long, env = "SKYWARDEN_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesListArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Directory of user rule packs (overrides [rules] dir).
    #[arg(long)]
    pub rules_dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct RulesTestArgs {
    pub dir: PathBuf,
    #[command(flatten)]
    pub db: DatabaseArg,
    /// Only this connection's inventory (default: every connection).
    #[arg(long)]
    pub connection: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct FindingFilterArgs {
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
    /// security, cost or drift.
    #[arg(long)]
    pub category: Option<String>,
    /// Resource kind, e.g. aws_ec2_instance.
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long)]
    pub account: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    /// Only findings whose status changed in a scan after this one (new, regressed, resolved, suppressed).
    #[arg(long)]
    pub since_scan: Option<String>,
}

impl FindingFilterArgs {
    pub fn filter(&self) -> Result<FindingFilter> {
        Ok(FindingFilter {
            connection_id: self.connection.as_deref().map(str::parse).transpose()?,
            statuses: self.status.statuses(),
            min_severity: self.severity.as_deref().map(parse_severity).transpose()?,
            rule_id: self.rule.clone(),
            category: self.category.as_deref().map(str::parse).transpose()?,
            resource_kind: self
                .kind
                .as_deref()
                .map(|k| {
                    ResourceKind::ALL
                        .iter()
                        .copied()
                        .find(|x| x.as_str() == k)
                        .with_context(|| format!("unknown resource kind {k:?}"))
                })
                .transpose()?,
            account_id: self.account.as_deref().map(str::parse).transpose()?,
            region: self.region.as_deref().map(str::parse).transpose()?,
            since_scan: self
                .since_scan
                .as_deref()
                .map(|s| {
                    s.parse::<ScanId>()
                        .with_context(|| format!("invalid scan id {s:?}"))
                })
                .transpose()?,
            ..Default::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct FindingsExportArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    #[command(flatten)]
    pub config: ConfigArg,
    /// json, ndjson, csv, ocsf, sarif or junit.
    #[arg(long)]
    pub format: String,
    #[command(flatten)]
    pub filter: FindingFilterArgs,
    /// Rule packs whose metadata (remediation, compliance) the export should carry.
    #[arg(long)]
    pub rules_dir: Option<PathBuf>,
    /// Output file (written atomically); `-` for stdout.
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct FindingsTotalsArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    #[command(flatten)]
    pub config: ConfigArg,
    #[arg(long)]
    pub connection: Option<String>,
    /// Tag keys to group by (default from [cost] group_by_tags: owner, cost-center).
    #[arg(long, value_delimiter = ',')]
    pub group_by_tag: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct SuppressionAddArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// Rule id or glob (`aws.ec2.*`).
    #[arg(long)]
    pub rule: Option<String>,
    /// Resource id glob.
    #[arg(long)]
    pub resource: Option<String>,
    #[arg(long)]
    pub account: Option<String>,
    /// Tag selector KEY=VALUE (VALUE `*` = has the tag); repeatable.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Only this connection's findings.
    #[arg(long)]
    pub connection: Option<String>,
    #[arg(long)]
    pub owner: String,
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub ticket: Option<String>,
    /// RFC 3339 time (2027-01-31T00:00:00Z) or a duration from now: 30d, 12h, 90m, 45s.
    #[arg(long)]
    pub expires: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// sqlite://PATH (default sqlite://skywarden.db), sqlite::memory:, or postgres://...
    #[arg(long, env = "SKYWARDEN_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

/// What every `scan` subcommand takes: where to store, how to report, which rules.
#[derive(Debug, Args)]
pub struct ScanCommonArgs {
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
    /// Connection id to store the scan under. Default: aws-<account id> / azure-<first subscription>.
    #[arg(long)]
    pub connection: Option<String>,
    #[command(flatten)]
    pub config: ConfigArg,
    /// Directory of user rule packs (overrides [rules] dir). A bad pack fails the scan before it starts.
    #[arg(long)]
    pub rules_dir: Option<PathBuf>,
    /// A connection with a sealed credential (`skywarden credentials set`) is scanned with it;
    /// the master key comes from here or SKYWARDEN_MASTER_KEY.
    #[command(flatten)]
    pub key: vault::KeyArg,
}

#[derive(Debug, Args)]
pub struct ScanAwsArgs {
    #[command(flatten)]
    pub common: ScanCommonArgs,
    /// Regions to scan (comma separated). Default: every region enabled for the account.
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Endpoint override for every AWS service (emulators, proxies). AWS_ENDPOINT_URL is honoured too.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// How many regions are scanned at once.
    #[arg(long, default_value_t = 4)]
    pub max_concurrent_regions: usize,
    /// Attempts per API call (first try included) on throttling and transient errors.
    #[arg(long, default_value_t = 8)]
    pub max_attempts: u32,
    /// Assume this role (ARN) with the credentials before scanning (cross-account access).
    #[arg(long, conflicts_with = "org_role")]
    pub assume_role: Option<String>,
    /// External id for --assume-role or --org-role.
    #[arg(long)]
    pub external_id: Option<String>,
    /// Scan every ACTIVE account of the caller's AWS Organization through this role name
    /// (e.g. OrganizationAccountAccessRole); the credentials belong to the management account.
    #[arg(long)]
    pub org_role: Option<String>,
    /// With --org-role: only these account ids (comma separated).
    #[arg(long, value_delimiter = ',', requires = "org_role")]
    pub org_accounts: Vec<String>,
    /// With --org-role: do not scan the management account itself.
    #[arg(long, requires = "org_role")]
    pub skip_management_account: bool,
    /// How many accounts of an Organization are scanned at once.
    #[arg(long, default_value_t = 4)]
    pub max_concurrent_accounts: usize,
    /// Multiplies every per-service rate limit (e.g. 0.5 on a busy account, 4 on an emulator).
    #[arg(long, default_value_t = 1.0)]
    pub rate_scale: f64,
    /// Upper bound on API calls in flight across the whole scan.
    #[arg(long, default_value_t = 32)]
    pub max_in_flight: usize,
    #[arg(long, value_enum, default_value_t = RetryModeArg::Standard)]
    pub retry_mode: RetryModeArg,
    /// Upper bound, in seconds, for collecting one kind in one region (retries included).
    #[arg(long, default_value_t = 600)]
    pub scope_timeout_secs: u64,
}

#[derive(Debug, Args)]
pub struct ScanAzureArgs {
    #[command(flatten)]
    pub common: ScanCommonArgs,
    /// Subscription ids to scan (comma separated). Default: every subscription the principal can list.
    #[arg(long, value_delimiter = ',')]
    pub subscriptions: Vec<String>,
    /// ARM endpoint (sovereign clouds, tests). Default: https://management.azure.com/.
    #[arg(long)]
    pub arm_endpoint: Option<String>,
    /// Entra ID authority host. Default: https://login.microsoftonline.com/.
    #[arg(long)]
    pub authority_host: Option<String>,
    /// Extra PEM CA certificates to trust (TLS-inspecting proxies, private test CAs);
    /// SSL_CERT_FILE is honoured too.
    #[arg(long)]
    pub ca_bundle: Option<PathBuf>,
    /// How many subscriptions are scanned at once.
    #[arg(long, default_value_t = 4)]
    pub max_concurrent_subscriptions: usize,
    /// Attempts per ARM call (first try included) on 429/503 and transient errors.
    #[arg(long, default_value_t = 8)]
    pub max_attempts: u32,
    /// Upper bound, in seconds, of one ARM call with every retry and Retry-After wait.
    #[arg(long, default_value_t = 120)]
    pub call_deadline_secs: u64,
    /// Multiplies every per-provider rate limit.
    #[arg(long, default_value_t = 1.0)]
    pub rate_scale: f64,
    /// Upper bound on ARM calls in flight across the whole scan.
    #[arg(long, default_value_t = 32)]
    pub max_in_flight: usize,
    /// Upper bound, in seconds, for one collector in one subscription (retries included).
    #[arg(long, default_value_t = 600)]
    pub scope_timeout_secs: u64,
}

#[derive(Debug, Args)]
pub struct FindingsListArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub filter: FindingFilterArgs,
}

pub fn parse_severity(s: &str) -> Result<Severity> {
    Ok(s.trim_end_matches('+').parse::<Severity>()?)
}

pub async fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(ScanCommand::Aws(args)) => scan_aws(args).await,
        Command::Scan(ScanCommand::Azure(args)) => scan_azure(args).await,
        Command::Findings(FindingsCommand::List(args)) => findings_list(args).await,
        Command::Findings(FindingsCommand::Export(args)) => commands::findings_export(args).await,
        Command::Findings(FindingsCommand::Totals(args)) => commands::findings_totals(args).await,
        Command::Rules(RulesCommand::List(args)) => commands::rules_list(args),
        Command::Rules(RulesCommand::Validate { dir, format }) => {
            commands::rules_validate(&dir, format)
        }
        Command::Rules(RulesCommand::Test(args)) => commands::rules_test(args).await,
        Command::Scans(cmd) => commands::scans(cmd).await,
        Command::Suppressions(cmd) => commands::suppressions(cmd).await,
        Command::Changes(args) => drift::changes(args).await,
        Command::Baselines(cmd) => drift::baselines(cmd).await,
        Command::Tags(cmd) => drift::tags(cmd).await,
        Command::Keys(cmd) => vault::keys(cmd).await,
        Command::Credentials(cmd) => vault::credentials(cmd).await,
        Command::Serve(args) => serve::serve(args).await,
        Command::Orgs(cmd) => tenancy::orgs(cmd).await,
        Command::Tokens(cmd) => tenancy::tokens(cmd).await,
        Command::Drift(cmd) => terraform::run(cmd).await,
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&crate::http::openapi())?);
            Ok(EXIT_OK)
        }
        Command::Pricing(PricingCommand::List {
            config,
            prefix,
            format,
        }) => commands::pricing_list(config.config.as_deref(), prefix.as_deref(), format),
    }
}

/// The database URL: the flag / SKYWARDEN_DATABASE_URL, else the config file's, else the default.
pub fn database_url(db: &DatabaseArg, config: &Config) -> String {
    match (&db.database_url, &config.database.url) {
        (Some(u), _) => u.clone(),
        (None, Some(u)) => u.clone(),
        (None, None) => DEFAULT_DATABASE_URL.to_string(),
    }
}

/// Opens the database named by the flags (no configuration file involved).
pub async fn open(db: &DatabaseArg) -> Result<Store> {
    let url = db
        .database_url
        .clone()
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
    Store::connect(&url)
        .await
        .context("cannot open the database")
}

/// The part of every scan command after its own flags were checked: the output file is
/// writable, configuration, rule packs and prices load, the database opens.
async fn open_for_scan(
    c: &ScanCommonArgs,
) -> Result<(pipeline::ScanSettings, skywarden_store::Retention, Store)> {
    if let Some(path) = &c.output {
        output::check_writable(path)?;
    }
    let config = Config::load(c.config.config.as_deref())?;
    let engine = packs::engine_for(&config, c.rules_dir.as_deref(), config.rules.settings())?;
    let pricing = PriceTable::with_overrides(config.pricing.clone())
        .context("invalid [pricing] configuration")?;
    let settings = pipeline::ScanSettings {
        engine,
        pricing,
        stale_after_scans: config.suppressions.stale_after_scans,
    };
    let retention = config.history.retention()?;
    let store = Store::connect(&database_url(&c.db, &config))
        .await
        .context("cannot open the database")?;
    Ok((settings, retention, store))
}

async fn scan_aws(args: ScanAwsArgs) -> Result<u8> {
    // Validate everything the user typed before touching the cloud or the database.
    let regions = args
        .regions
        .iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| r.trim().parse::<Region>().map_err(anyhow::Error::from))
        .collect::<Result<Vec<_>>>()?;
    let fail_on = args
        .common
        .fail_on
        .as_deref()
        .map(parse_severity)
        .transpose()?;
    let connection = args
        .common
        .connection
        .as_deref()
        .map(str::parse::<ConnectionId>)
        .transpose()?;
    if args.max_concurrent_regions == 0
        || args.max_attempts == 0
        || args.max_concurrent_accounts == 0
        || args.max_in_flight == 0
    {
        bail!("--max-concurrent-regions, --max-concurrent-accounts, --max-in-flight and --max-attempts must be at least 1");
    }
    if !(args.rate_scale.is_finite() && args.rate_scale > 0.0 && args.rate_scale <= 1000.0) {
        bail!("--rate-scale must be a number above 0 and at most 1000");
    }
    let org_accounts = args
        .org_accounts
        .iter()
        .filter(|a| !a.trim().is_empty())
        .map(|a| a.trim().parse::<AccountId>().map_err(anyhow::Error::from))
        .collect::<Result<Vec<_>>>()
        .context("--org-accounts")?;
    if let Some(arn) = &args.assume_role {
        crate::connection::check_role_arn(arn).context("--assume-role")?;
    }
    if let Some(name) = &args.org_role {
        crate::connection::check_role_name(name).context("--org-role")?;
    }
    let (settings, retention, store) = open_for_scan(&args.common).await?;

    let credentials =
        match vault::scan_credentials(&store, &args.common.key, connection.as_ref()).await {
            Ok(c) => c,
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        };
    let mut cfg = AwsScanConfig::new(connection.clone());
    cfg.credentials = credentials;
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
    cfg.max_concurrent_accounts = args.max_concurrent_accounts;
    cfg.rate_limits = RateLimits {
        max_in_flight: args.max_in_flight,
        ..RateLimits::default()
    }
    .scaled(args.rate_scale);
    cfg.assume_role = args.assume_role.clone().map(|role_arn| AssumeRole {
        role_arn,
        external_id: args.external_id.clone(),
        session_name: "skywarden-scan".into(),
    });
    cfg.organization = args.org_role.clone().map(|role_name| OrganizationScan {
        role_name,
        external_id: args.external_id.clone(),
        accounts: org_accounts,
        include_management: !args.skip_management_account,
    });

    let report = pipeline::scan_aws(&store, cfg, connection, &settings).await;
    if let Ok(r) = &report {
        drift::prune_after_scan(&store, retention, &r.scan.connection_id).await;
    }
    store.close().await;
    let report = report?;
    finish_report(
        &report,
        args.common.format,
        args.common.output.as_deref(),
        fail_on,
    )
}

async fn scan_azure(args: ScanAzureArgs) -> Result<u8> {
    // Validate everything the user typed before touching the cloud or the database.
    let subscriptions = args
        .subscriptions
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .to_ascii_lowercase()
                .parse::<AccountId>()
                .map_err(anyhow::Error::from)
        })
        .collect::<Result<Vec<_>>>()
        .context("--subscriptions")?;
    let fail_on = args
        .common
        .fail_on
        .as_deref()
        .map(parse_severity)
        .transpose()?;
    let connection = args
        .common
        .connection
        .as_deref()
        .map(str::parse::<ConnectionId>)
        .transpose()?;
    if args.max_concurrent_subscriptions == 0 || args.max_attempts == 0 || args.max_in_flight == 0 {
        bail!(
            "--max-concurrent-subscriptions, --max-in-flight and --max-attempts must be at least 1"
        );
    }
    if !(args.rate_scale.is_finite() && args.rate_scale > 0.0 && args.rate_scale <= 1000.0) {
        bail!("--rate-scale must be a number above 0 and at most 1000");
    }
    let mut endpoints = skywarden_scanner::azure::ArmEndpoints::default();
    if let Some(u) = &args.arm_endpoint {
        endpoints.arm = skywarden_scanner::azure::parse_endpoint(u).context("--arm-endpoint")?;
    }
    if let Some(u) = &args.authority_host {
        endpoints.authority_host =
            skywarden_scanner::azure::parse_endpoint(u).context("--authority-host")?;
    }
    if let Some(p) = &args.ca_bundle {
        if !p.is_file() {
            bail!("--ca-bundle {}: no such file", p.display());
        }
    }
    endpoints.ca_bundle = args.ca_bundle.clone();
    let (settings, retention, store) = open_for_scan(&args.common).await?;
    let credentials =
        match vault::azure_scan_credentials(&store, &args.common.key, connection.as_ref()).await {
            Ok(c) => c,
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        };
    let mut cfg = skywarden_scanner::AzureScanConfig::new(connection.clone(), credentials);
    cfg.subscriptions = subscriptions;
    cfg.endpoints = endpoints;
    cfg.max_concurrent_subscriptions = args.max_concurrent_subscriptions;
    cfg.retry.max_attempts = args.max_attempts;
    cfg.call_deadline = Duration::from_secs(args.call_deadline_secs.max(1));
    cfg.scope_timeout = Duration::from_secs(args.scope_timeout_secs.max(1));
    cfg.rate_limits = RateLimits {
        max_in_flight: args.max_in_flight,
        ..RateLimits::default()
    }
    .scaled(args.rate_scale);

    let report = pipeline::scan_azure(&store, cfg, connection, &settings).await;
    if let Ok(r) = &report {
        drift::prune_after_scan(&store, retention, &r.scan.connection_id).await;
    }
    store.close().await;
    let report = report?;
    finish_report(
        &report,
        args.common.format,
        args.common.output.as_deref(),
        fail_on,
    )
}

/// Prints or writes a scan report and picks the exit code: findings at or above `fail_on`,
/// then any scope not Complete.
fn finish_report(
    report: &pipeline::ScanReport,
    format: Format,
    output_path: Option<&std::path::Path>,
    fail_on: Option<Severity>,
) -> Result<u8> {
    let rendered = match format {
        Format::Table => output::scan_table(report),
        Format::Json => output::scan_json(report)?,
    };
    match output_path {
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
    let filter = args.filter.filter()?;
    let store = open(&args.db).await?;
    let findings = store.list_findings(&filter).await;
    store.close().await;
    let findings = findings?;
    match args.format {
        Format::Table => print!("{}", output::findings_table(&findings)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&findings)?),
    }
    Ok(EXIT_OK)
}
