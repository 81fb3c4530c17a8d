//! The configuration file (TOML): one typed, layered struct. Layers, later wins: built-in
//! defaults, the file (`--config FILE` or `SKYWARDEN_CONFIG`), then `SKYWARDEN__SECTION__KEY`
//! environment variables (e.g. `SKYWARDEN__RULES__DIR=/etc/skywarden/rules`,
//! `SKYWARDEN__PRICING__DISCOUNT_PERCENT=12`), then command-line flags. Unknown keys are
//! errors, so a typo never silently leaves a rule on. No file at all is a valid configuration.
//!
//! ```toml
//! [database]
//! url = "sqlite://skywarden.db"
//!
//! [rules]
//! dir = "/etc/skywarden/rules"            # user rule packs (*.yaml), optional
//! disabled = ["aws.ec2.instance_imdsv1"]
//! [rules.severity_overrides]
//! "aws.ebs.volume_unattached" = "medium"
//! [rules.tag_policy]                       # aws.tagging.* (missing tags, invalid values)
//! required = ["owner", "cost-center"]
//! kinds = ["aws_ec2_instance", "aws_ebs_volume"]   # empty or absent: every kind
//! [rules.tag_policy.allowed_values]
//! environment = ["prod", "staging", "dev"]
//! [rules.tag_policy.per_kind.aws_s3_bucket]       # added to the general policy for one kind
//! required = ["data-classification"]
//! [rules.thresholds]
//! volume_unattached_min_age_days = 7
//! snapshot_max_age_days = 90               # aws.ebs.snapshot_older_than_90d
//! rds_backup_retention_min_days = 7        # aws.rds.backup_retention_insufficient
//! [rules.azure]
//! require_cmk_disks = false                # azure.compute.disk_not_encrypted_with_cmk
//! [rules.limits]                           # bounds on pack expressions
//! per_resource_ms = 50
//!
//! [pricing]                                # see skywarden_rules::pricing::PriceOverrides
//! discount_percent = 10
//! [pricing.prices]
//! "ebs:gp3:us-east-1" = 0.07
//!
//! [suppressions]
//! stale_after_scans = 3
//!
//! [cost]
//! group_by_tags = ["owner", "cost-center"]
//!
//! [history]                                # resource change history retention
//! retention_days = 180
//! retention_scans = 50
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use skywarden_rules::pricing::PriceOverrides;
use skywarden_rules::suppression::DEFAULT_STALE_AFTER_SCANS;
use skywarden_rules::user::Limits;
use skywarden_rules::{AzureRuleSettings, RuleSettings, Severity, TagPolicy, Thresholds};

/// Environment variable prefix of overrides; sections and keys are separated by `__`.
pub const ENV_PREFIX: &str = "SKYWARDEN__";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database: DatabaseConfig,
    pub rules: RulesConfig,
    pub pricing: PriceOverrides,
    pub suppressions: SuppressionsConfig,
    pub cost: CostConfig,
    /// `skywarden serve`: the HTTP API.
    pub server: ServerConfig,
    /// Where the credential vault's master key comes from.
    pub vault: VaultConfig,
    /// `skywarden serve`: scheduled scans.
    pub scheduler: SchedulerConfig,
    /// Change history retention.
    pub history: HistoryConfig,
}

/// `[history]`: how long resource change history is kept. A change is deleted when either
/// limit says so; with neither, history is kept forever. Pruned after every CLI scan (of that
/// connection) and by the daemon in the background, in bounded batches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HistoryConfig {
    /// Changes older than this many days are deleted (default 180, as Fix Inventory).
    pub retention_days: Option<u32>,
    /// Only the changes of each connection's newest this-many finished scans are kept.
    pub retention_scans: Option<u32>,
    /// How often the daemon prunes.
    pub prune_interval_secs: u64,
    /// At most this many changes are deleted per pruning pass (the rest in the next one).
    pub prune_max_rows: u64,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            retention_days: Some(180),
            retention_scans: None,
            prune_interval_secs: 3600,
            prune_max_rows: 50_000,
        }
    }
}

impl HistoryConfig {
    pub fn retention(&self) -> Result<skywarden_store::Retention> {
        if self.retention_scans == Some(0) {
            bail!("[history] retention_scans must be at least 1 (leave it out to keep every scan's changes)");
        }
        if self.retention_days == Some(0) {
            bail!("[history] retention_days must be at least 1 (leave it out to keep changes forever)");
        }
        Ok(skywarden_store::Retention {
            days: self.retention_days,
            scans: self.retention_scans,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address the API listens on (`127.0.0.1:0` picks a free port and prints it).
    pub listen: String,
    /// Largest accepted request body, bytes.
    pub max_body_bytes: usize,
    /// Largest Terraform state accepted by `POST /v1/connections/{id}/drift/terraform`, bytes
    /// (states are larger than other bodies; 413 above it).
    pub max_terraform_state_bytes: usize,
    /// Failed authentications per client address per minute before answering 429.
    pub auth_failures_per_minute: u32,
    /// Take the client address for the audit log and auth rate limiting from the first
    /// `X-Forwarded-For` entry (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Whether connections may set `endpoint_url` (emulators, VPC endpoints). Off by
    /// default: a tenant could otherwise point the scanner at internal addresses.
    pub allow_endpoint_override: bool,
    /// Whether a connection without a sealed credential is scanned with the daemon's own
    /// AWS identity (instance role, environment). Off by default for the same reason.
    pub allow_ambient_credentials: bool,
    /// Default and largest page size of list routes.
    pub page_limit: u32,
    pub max_page_limit: u32,
    /// Seconds the daemon waits for in-flight requests and scans on SIGTERM.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            max_body_bytes: 1024 * 1024,
            max_terraform_state_bytes: 32 * 1024 * 1024,
            auth_failures_per_minute: 20,
            trust_forwarded_for: false,
            allow_endpoint_override: false,
            allow_ambient_credentials: false,
            page_limit: 100,
            max_page_limit: 1000,
            shutdown_grace_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VaultConfig {
    /// Master key file (base64 of 32 bytes, mode 0600). Else SKYWARDEN_MASTER_KEY_FILE or
    /// SKYWARDEN_MASTER_KEY. The daemon re-reads it when it meets a credential sealed with a
    /// key it does not hold, so `keys rotate` + replacing the file needs no restart.
    pub key_file: Option<PathBuf>,
    /// More key files tried when opening credentials (e.g. the new key during a rotation).
    pub extra_key_files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchedulerConfig {
    /// Run connection schedules (off: only API-triggered scans).
    pub enabled: bool,
    /// Scans running at once in this process (scheduled and API-triggered).
    pub concurrency: usize,
    /// A scan running longer is cancelled and recorded as such.
    pub scan_timeout_secs: u64,
    /// How long a scan's lease on its connection lasts without renewal (renewed every third).
    pub lease_secs: u64,
    /// How often schedules are checked.
    pub tick_secs: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            enabled: true,
            concurrency: 2,
            scan_timeout_secs: 3600,
            lease_secs: 60,
            tick_secs: 5,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Used when neither `--database-url` nor `SKYWARDEN_DATABASE_URL` is given.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesConfig {
    /// Directory of user rule packs (`*.yaml`, `*.yml`; not recursive).
    pub dir: Option<PathBuf>,
    /// Rule ids (built-in or pack) that are not evaluated.
    pub disabled: BTreeSet<String>,
    /// Rule id -> severity reported instead of the rule's own.
    pub severity_overrides: BTreeMap<String, Severity>,
    /// Bounds on rule pack expressions (defaults: skywarden_rules::user::Limits).
    pub limits: PackLimits,
    /// Required tags (`aws.tagging.resource_missing_required_tags`).
    pub tag_policy: TagPolicy,
    /// Age thresholds of built-in rules.
    pub thresholds: Thresholds,
    /// Azure policy switches (`require_cmk_disks`).
    pub azure: AzureRuleSettings,
}

/// `[rules.limits]`: every field optional, the built-in default otherwise.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PackLimits {
    pub max_expression_bytes: Option<usize>,
    pub max_depth: Option<usize>,
    /// Milliseconds one rule may spend on one resource.
    pub per_resource_ms: Option<u64>,
    /// Milliseconds one rule may spend in one scan.
    pub per_rule_ms: Option<u64>,
    /// Comprehension iterations one rule may run on one resource.
    pub max_steps: Option<u64>,
}

impl PackLimits {
    pub fn limits(&self) -> Limits {
        let mut l = Limits::default();
        if let Some(v) = self.max_expression_bytes {
            l.max_expression_bytes = v;
        }
        if let Some(v) = self.max_depth {
            l.max_depth = v;
        }
        if let Some(v) = self.per_resource_ms {
            l.per_resource = std::time::Duration::from_millis(v);
        }
        if let Some(v) = self.per_rule_ms {
            l.per_rule = std::time::Duration::from_millis(v);
        }
        if let Some(v) = self.max_steps {
            l.max_steps = v;
        }
        l
    }
}

impl RulesConfig {
    pub fn settings(&self) -> RuleSettings {
        RuleSettings {
            disabled: self.disabled.clone(),
            severity_overrides: self.severity_overrides.clone(),
            tag_policy: self.tag_policy.clone(),
            thresholds: self.thresholds.clone(),
            azure: self.azure.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuppressionsConfig {
    /// A suppression that matched nothing in this many consecutive scans is reported as
    /// `skywarden.suppression_stale`; 0 turns that off (expiry is always reported).
    pub stale_after_scans: u32,
}

impl Default for SuppressionsConfig {
    fn default() -> Self {
        SuppressionsConfig {
            stale_after_scans: DEFAULT_STALE_AFTER_SCANS,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostConfig {
    /// Tag keys cost totals are grouped by.
    pub group_by_tags: Vec<String>,
}

impl Default for CostConfig {
    fn default() -> Self {
        CostConfig {
            group_by_tags: vec!["owner".into(), "cost-center".into()],
        }
    }
}

impl Config {
    /// Reads `path` (if any) and applies the process environment's overrides.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX))
            .collect();
        let text = match path {
            Some(p) => Some((
                p.display().to_string(),
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read the configuration {}", p.display()))?,
            )),
            None => None,
        };
        Config::from_parts(text.as_ref().map(|(n, t)| (n.as_str(), t.as_str())), &env)
    }

    /// Parses `file` = (name for messages, TOML text) and applies `env` overrides.
    pub fn from_parts(file: Option<(&str, &str)>, env: &[(String, String)]) -> Result<Config> {
        let mut root = match file {
            Some((name, text)) => text.parse::<toml::Table>().map_err(|e| {
                anyhow::anyhow!("configuration {name}: {}", one_line(&e.to_string()))
            })?,
            None => toml::Table::new(),
        };
        for (key, value) in env {
            apply_env(&mut root, key, value)?;
        }
        let name = file.map(|(n, _)| n).unwrap_or("(defaults and environment)");
        let cfg: Config = toml::Value::Table(root)
            .try_into()
            .map_err(|e: toml::de::Error| {
                anyhow::anyhow!("configuration {name}: {}", one_line(&e.to_string()))
            })?;
        Ok(cfg)
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `SKYWARDEN__RULES__DIR=/x` sets `rules.dir = "/x"`. Values parse as TOML (numbers,
/// booleans, arrays like `["a","b"]`), falling back to a plain string. Keys are lowercased.
fn apply_env(root: &mut toml::Table, key: &str, value: &str) -> Result<()> {
    let path: Vec<String> = key[ENV_PREFIX.len()..]
        .split("__")
        .map(|p| p.to_ascii_lowercase())
        .collect();
    if path.iter().any(String::is_empty) {
        bail!("environment variable {key}: expected SKYWARDEN__SECTION__KEY");
    }
    let parsed = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    let (last, parents) = match path.split_last() {
        Some(x) => x,
        None => bail!("environment variable {key}: expected SKYWARDEN__SECTION__KEY"),
    };
    let mut table = root;
    for p in parents {
        let entry = table
            .entry(p.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = match entry {
            toml::Value::Table(t) => t,
            _ => bail!("environment variable {key}: {p} is not a section"),
        };
    }
    table.insert(last.clone(), parsed);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn empty_is_the_default() {
        let c = Config::from_parts(None, &[]).unwrap();
        assert!(c.rules.dir.is_none() && c.rules.disabled.is_empty());
        assert_eq!(c.suppressions.stale_after_scans, DEFAULT_STALE_AFTER_SCANS);
    }

    #[test]
    fn file_then_env() {
        let text = "[rules]\ndisabled = [\"aws.ec2.instance_imdsv1\"]\n[rules.severity_overrides]\n\"aws.ebs.volume_unattached\" = \"medium\"\n[suppressions]\nstale_after_scans = 5\n";
        let env = vec![
            (
                "SKYWARDEN__RULES__DIR".to_string(),
                "/tmp/packs".to_string(),
            ),
            (
                "SKYWARDEN__SUPPRESSIONS__STALE_AFTER_SCANS".to_string(),
                "7".to_string(),
            ),
        ];
        let c = Config::from_parts(Some(("t.toml", text)), &env).unwrap();
        assert_eq!(c.rules.dir.as_deref(), Some(Path::new("/tmp/packs")));
        assert!(c.rules.disabled.contains("aws.ec2.instance_imdsv1"));
        assert_eq!(
            c.rules.severity_overrides["aws.ebs.volume_unattached"],
            skywarden_rules::Severity::Medium
        );
        assert_eq!(c.suppressions.stale_after_scans, 7);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let e = Config::from_parts(Some(("t.toml", "[rules]\ndisabeld = []\n")), &[]).unwrap_err();
        assert!(e.to_string().contains("disabeld"), "{e}");
        let e = Config::from_parts(
            Some(("t.toml", "[rules.severity_overrides]\nx = \"urgent\"\n")),
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("t.toml"), "{e}");
        let e = Config::from_parts(Some(("t.toml", "[rules\n")), &[]).unwrap_err();
        assert!(e.to_string().contains("t.toml"), "{e}");
        let env = vec![("SKYWARDEN__NOPE__X".to_string(), "1".to_string())];
        assert!(Config::from_parts(None, &env).is_err());
    }

    #[test]
    fn azure_rule_switches_parse() {
        let c = Config::from_parts(None, &[]).unwrap();
        assert!(!c.rules.settings().azure.require_cmk_disks);
        let text = "[rules.azure]\nrequire_cmk_disks = true\n";
        let c = Config::from_parts(Some(("t.toml", text)), &[]).unwrap();
        assert!(c.rules.settings().azure.require_cmk_disks);
        let env = vec![(
            "SKYWARDEN__RULES__AZURE__REQUIRE_CMK_DISKS".to_string(),
            "true".to_string(),
        )];
        assert!(
            Config::from_parts(None, &env)
                .unwrap()
                .rules
                .settings()
                .azure
                .require_cmk_disks
        );
        assert!(
            Config::from_parts(Some(("t.toml", "[rules.azure]\nrequire_cmk = true\n")), &[])
                .is_err()
        );
    }

    #[test]
    fn tag_policy_per_kind_and_history_parse() {
        let text = "[rules.tag_policy]\nrequired = [\"owner\"]\n[rules.tag_policy.allowed_values]\nenvironment = [\"prod\", \"dev\"]\n[rules.tag_policy.per_kind.aws_s3_bucket]\nrequired = [\"data-classification\"]\n[history]\nretention_days = 30\nretention_scans = 10\n";
        let c = Config::from_parts(Some(("t.toml", text)), &[]).unwrap();
        let p = &c.rules.tag_policy;
        assert_eq!(p.allowed_values["environment"], ["prod", "dev"]);
        assert_eq!(
            p.per_kind[&skywarden_graph::ResourceKind::AwsS3Bucket].required,
            ["data-classification"]
        );
        let r = c.history.retention().unwrap();
        assert_eq!((r.days, r.scans), (Some(30), Some(10)));
        let e = Config::from_parts(
            Some((
                "t.toml",
                "[rules.tag_policy.per_kind.aws_s3_buckets]\nrequired = []\n",
            )),
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("aws_s3_buckets"), "{e}");
        let c =
            Config::from_parts(Some(("t.toml", "[history]\nretention_scans = 0\n")), &[]).unwrap();
        assert!(c.history.retention().is_err());
    }

    #[test]
    fn every_example_config_parses() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&p).unwrap();
                Config::from_parts(Some((&p.display().to_string(), &text)), &[])
                    .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                n += 1;
            }
        }
        assert!(n >= 1, "no example configuration in examples/");
    }
}
