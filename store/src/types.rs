//! The store's public value types: scan lifecycle, what a finished scan hands over, and what
//! persisting it changed.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

use skywarden_graph::{
    AccountId, ConnectionId, Coverage, Provider, Region, Resource, ResourceKind, ScanId,
};
use skywarden_rules::{
    Category, Finding, FindingKey, FindingStatus, RuleInfo, Severity, StaleSuppression,
};

use crate::cursor::FindingCursor;
use crate::error::StoreError;

/// Which database a [`crate::Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A closed string enum: `as_str`, `Display`, `FromStr` (errors name the accepted values) and
/// snake_case serde, all from one list.
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident, $what:literal, { $($(#[$vm:meta])* $variant:ident => $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vm])* $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)* }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $name {
            type Err = StoreError;
            fn from_str(s: &str) -> Result<Self, StoreError> {
                match s {
                    $($s => Ok($name::$variant),)*
                    _ => Err(StoreError::InvalidValue {
                        what: $what,
                        value: s.chars().take(50).collect(),
                        expected: concat!("one of:" $(, " ", $s)*),
                    }),
                }
            }
        }
    };
}

string_enum!(
    /// What a sealed credential is (the plaintext's JSON shape is the caller's).
    CredentialKind, "credential kind", {
        /// Access key id + secret (+ session token).
        AwsStatic => "aws_static",
        /// A role ARN (+ external id) assumed with the base credentials.
        AwsAssumeRole => "aws_assume_role",
        /// An Organizations management account and the role name assumed into each account.
        AwsOrganization => "aws_organization",
        /// Tenant id, client id and client secret.
        AzureClientSecret => "azure_client_secret",
    }
);

/// What `list_credentials` shows: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialInfo {
    pub connection_id: ConnectionId,
    pub kind: CredentialKind,
    /// Id of the master key its data key is wrapped with.
    pub key_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

string_enum!(
    /// What started a scan.
    ScanTrigger, "scan trigger", {
        Cli => "cli",
        Api => "api",
        Schedule => "schedule",
    }
);

string_enum!(
    /// Where a scan is in its lifecycle.
    ScanStatus, "scan status", {
        /// Begun, not finished.
        Running => "running",
        /// Every coverage scope was Complete.
        Succeeded => "succeeded",
        /// Some scopes were Complete, some were not.
        Partial => "partial",
        /// No scope was Complete, or the scan failed as a whole.
        Failed => "failed",
        /// Stopped before it finished (shutdown, user request).
        Cancelled => "cancelled",
    }
);

impl ScanStatus {
    /// The status a scan with this coverage finishes with: Failed when nothing was scanned
    /// completely and something failed (or there are no entries at all), Partial when some
    /// scopes failed, Succeeded otherwise. Skipped scopes (e.g. regions not enabled for the
    /// account) are deliberate and do not make a scan partial.
    pub fn from_coverage(coverage: &Coverage) -> ScanStatus {
        let (complete, skipped, failed) = coverage.counts();
        match (complete, skipped, failed) {
            (0, 0, _) | (0, _, 1..) => ScanStatus::Failed,
            (_, _, 1..) => ScanStatus::Partial,
            _ => ScanStatus::Succeeded,
        }
    }
}

/// A scan about to run; [`crate::Store::begin_scan`] records it as running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScan {
    pub id: ScanId,
    pub connection_id: ConnectionId,
    pub provider: Provider,
    pub trigger: ScanTrigger,
    pub started_at: DateTime<Utc>,
}

/// A scan as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanRecord {
    pub id: ScanId,
    pub connection_id: ConnectionId,
    pub provider: Provider,
    pub trigger: ScanTrigger,
    pub status: ScanStatus,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub coverage: Coverage,
    pub errors: Vec<String>,
    /// Resources written by the scan (those of Complete scopes).
    pub resource_count: u64,
    /// Findings the scan produced.
    pub finding_count: u64,
    /// Findings detected for the first time.
    pub new_findings: u64,
    /// Active or suppressed findings the scan resolved.
    pub resolved_findings: u64,
    /// Resolved findings detected again.
    #[serde(default)]
    pub regressed_findings: u64,
    /// Findings the scan stored as suppressed.
    #[serde(default)]
    pub suppressed_findings: u64,
    /// The scanner's last progress report (opaque to the store), while and after it ran.
    #[serde(default)]
    pub progress: Option<Value>,
    /// When someone asked for the scan to stop ([`crate::Store::request_cancel`]).
    #[serde(default)]
    pub cancel_requested_at: Option<DateTime<Utc>>,
    /// Cloud API calls of the scan per service (`ec2`, `s3`, ...).
    #[serde(default)]
    pub api_calls: BTreeMap<String, ApiCalls>,
}

/// Calls, attempts, retries and throttled attempts of one service in one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCalls {
    pub calls: u64,
    pub attempts: u64,
    pub retries: u64,
    pub throttles: u64,
}

/// Everything a finished scan hands to [`crate::Store::finish_scan`].
#[derive(Debug, Clone)]
pub struct ScanOutcome<'a> {
    pub scan_id: ScanId,
    pub connection_id: ConnectionId,
    pub finished_at: DateTime<Utc>,
    pub coverage: &'a Coverage,
    /// Every resource the scan saw, e.g. `inventory.resources().collect()`. References, so
    /// the inventory need not be cloned. Only resources of Complete scopes are written.
    pub resources: Vec<&'a Resource>,
    pub findings: &'a [Finding],
    /// Metadata of the rules that ran (built-in and packs): which kinds each reads.
    pub rules: &'a [RuleInfo],
    /// Ids of the rules that ran to completion. Only their unreported findings may be
    /// resolved: a rule that was disabled, removed or failed did not look.
    pub evaluated_rules: &'a BTreeSet<String>,
    /// Scan-level errors for the history (secret-free, one line each).
    pub errors: Vec<String>,
    /// A suppression that matched nothing in this many consecutive scans is reported stale.
    pub stale_after_scans: u32,
    /// Cloud API calls per service, recorded with the scan.
    pub api_calls: BTreeMap<String, ApiCalls>,
}

/// What [`crate::Store::finish_scan`] changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistSummary {
    /// Resources inserted or updated (Complete scopes only).
    pub resources_written: u64,
    /// Stored resources of Complete scopes that the scan no longer saw.
    pub resources_deleted: u64,
    /// Resources of Complete scopes stored for the first time (change history: `created`).
    #[serde(default)]
    pub resources_created: u64,
    /// Resources whose normalised document changed (change history: `modified`).
    #[serde(default)]
    pub resources_modified: u64,
    /// Resources seen again unchanged (only their last-seen time was updated).
    #[serde(default)]
    pub resources_unchanged: u64,
    /// Findings stored for the first time.
    pub findings_new: u64,
    /// Resolved findings detected again (status `regressed`, regression count + 1).
    pub findings_regressed: u64,
    /// Findings not detected again where their rule ran and every kind it reads was Complete.
    pub findings_resolved: u64,
    /// Detected findings stored as `suppressed` (new or already suppressed).
    pub findings_suppressed: u64,
    /// Suppressed findings that re-surfaced because their suppression expired or was revoked.
    pub findings_unsuppressed: u64,
    /// Suppressions that expired or matched nothing for too long (`skywarden.suppression_stale`).
    pub stale_suppressions: Vec<StaleSuppression>,
    pub status: ScanStatus,
}

/// Which findings [`crate::Store::list_findings`] returns; `None` / empty means any.
///
/// `FindingFilter::default()` lists every finding in today's order
/// ([`FindingSort::SeverityDesc`]: worst first, then rule id, resource id, key) without a
/// limit. Pages: set `limit`, then pass [`crate::cursor_after`] of the last row as `after`
/// with the same filter and sort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingFilter {
    pub connection_id: Option<ConnectionId>,
    /// Any of these statuses; empty = every status.
    pub statuses: Vec<FindingStatus>,
    /// This severity and worse (`--severity high+`).
    pub min_severity: Option<Severity>,
    pub rule_id: Option<String>,
    pub category: Option<Category>,
    pub resource_kind: Option<ResourceKind>,
    pub account_id: Option<AccountId>,
    pub region: Option<Region>,
    /// Only findings whose status changed (new, regressed, resolved, suppressed or
    /// re-surfaced) in a scan that finished after this one. Needs `connection_id` or is
    /// scoped to the scan's connection.
    pub since_scan: Option<ScanId>,
    /// Only findings of these connections (an organization's); `Some(vec![])` matches none.
    pub org_connections: Option<Vec<ConnectionId>>,
    /// Resource tag `key` present (`None`) or equal to the value (`Some`), on the tags the
    /// finding was stored with.
    pub tag: Option<(String, Option<String>)>,
    pub sort: FindingSort,
    /// Rows strictly after this one in `sort` order (keyset pagination).
    pub after: Option<FindingCursor>,
    /// At most this many rows; `None` = all.
    pub limit: Option<u32>,
}

impl Default for FindingFilter {
    fn default() -> Self {
        FindingFilter {
            connection_id: None,
            statuses: Vec::new(),
            min_severity: None,
            rule_id: None,
            category: None,
            resource_kind: None,
            account_id: None,
            region: None,
            since_scan: None,
            org_connections: None,
            tag: None,
            // Not FindingSort::default() (key order): existing callers keep their order.
            sort: FindingSort::SeverityDesc,
            after: None,
            limit: None,
        }
    }
}

string_enum!(
    /// The order of [`crate::Store::list_findings`]; every order ends with key, then
    /// connection id, so pages never overlap.
    #[derive(Default)]
    FindingSort, "finding sort", {
        /// Key ascending (the default sort for pages).
        #[default]
        Key => "key",
        /// Worst severity first, then rule id, resource id, key (the CLI's order).
        SeverityDesc => "severity_desc",
        /// Newest first detection first.
        FirstSeenDesc => "first_seen_desc",
        /// Most recently detected first.
        LastSeenDesc => "last_seen_desc",
        /// Highest monthly cost first, findings without a cost last.
        CostDesc => "cost_desc",
    }
);

impl FindingFilter {
    /// Open and regressed findings: what is there and nobody accepted.
    pub fn active() -> Vec<FindingStatus> {
        vec![FindingStatus::Open, FindingStatus::Regressed]
    }
}

/// How a finding moved between two scans of a connection ([`crate::Store::compare_scans`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Never detected up to the first scan, active at the second.
    New,
    /// Active or suppressed at the first scan, resolved at the second.
    Resolved,
    /// Active at the second scan after being resolved at (or since) the first.
    Regressed,
    /// Active at both, not resolved in between.
    Unchanged,
    /// Suppressed at the second scan (and not at the first).
    Suppressed,
}

/// One finding of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedFinding {
    pub key: FindingKey,
    pub change: Change,
    pub rule_id: String,
    pub resource_id: String,
    pub severity: Severity,
    /// Status as of the first scan (`None`: not detected yet).
    pub from: Option<FindingStatus>,
    /// Status as of the second scan.
    pub to: Option<FindingStatus>,
}

/// Scan-to-scan comparison: counts per change and every finding that is not unchanged
/// (unchanged ones only counted unless asked for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanComparison {
    pub connection_id: ConnectionId,
    pub from_scan: ScanId,
    pub to_scan: ScanId,
    pub new: u64,
    pub resolved: u64,
    pub regressed: u64,
    pub unchanged: u64,
    pub suppressed: u64,
    /// Sorted by change, then severity (worst first), rule id, resource id.
    pub findings: Vec<ComparedFinding>,
}

/// The id of an organization (a tenant of the daemon): 1-64 characters of `a-z`, `0-9`, `-`
/// or `_`, starting with a letter or digit (the rules of [`ConnectionId`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgId(String);

impl OrgId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for OrgId {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(OrgId(s.to_string()))
        } else {
            Err(StoreError::InvalidValue {
                what: "organization id",
                value: s.chars().take(80).collect(),
                expected:
                    "1-64 characters of a-z, 0-9, '-' or '_', starting with a letter or digit",
            })
        }
    }
}

impl TryFrom<String> for OrgId {
    type Error = StoreError;
    fn try_from(s: String) -> Result<Self, StoreError> {
        s.parse()
    }
}

impl From<OrgId> for String {
    fn from(v: OrgId) -> String {
        v.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for OrgId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

string_enum!(
    /// What an API token may do. Each role includes the ones below it.
    Role, "role", {
        /// Everything, including tokens, organization settings and deletion.
        Admin => "admin",
        /// Connections, scans and suppressions.
        Editor => "editor",
        /// Read only.
        Viewer => "viewer",
    }
);

impl Role {
    fn rank(self) -> u8 {
        match self {
            Role::Viewer => 0,
            Role::Editor => 1,
            Role::Admin => 2,
        }
    }
    /// Whether a token with this role may do what needs `needed` (admin ⊇ editor ⊇ viewer).
    pub fn allows(self, needed: Role) -> bool {
        self.rank() >= needed.rank()
    }
}

/// An organization: the owner of connections, tokens, suppressions and audit rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// An API token as listed: never the token or its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: String,
    pub org_id: OrgId,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A connection to create ([`crate::Store::create_connection`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewConnection {
    pub id: ConnectionId,
    /// `None` for a connection outside any organization (as the CLI makes them).
    pub org_id: Option<OrgId>,
    pub provider: Provider,
    pub name: Option<String>,
    /// Provider-specific scan settings; opaque to the store.
    pub config: Value,
    /// When to scan; opaque to the store (`None` or JSON `null`: not scheduled).
    pub schedule: Option<Value>,
}

/// A connection as stored, with whether it has a sealed credential (never the credential).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    pub id: ConnectionId,
    pub org_id: Option<OrgId>,
    pub provider: Provider,
    pub name: Option<String>,
    /// `{}` for connections made by the CLI.
    pub config: Value,
    pub schedule: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub has_credential: bool,
    pub credential_kind: Option<CredentialKind>,
}

/// A change to a connection; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionUpdate {
    pub name: Option<Option<String>>,
    pub config: Option<Value>,
    pub schedule: Option<Option<Value>>,
}

/// One audit row to append.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub org_id: OrgId,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub remote_addr: Option<String>,
    pub outcome: String,
    pub detail: Value,
}

/// An audit row as stored; ids grow with every append.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: i64,
    pub org_id: OrgId,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub remote_addr: Option<String>,
    pub outcome: String,
    pub detail: Value,
}

/// What a deletion removed ([`crate::Store::delete_connection`], [`crate::Store::delete_org`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedCounts {
    pub connections: u64,
    pub scans: u64,
    pub resources: u64,
    pub findings: u64,
    pub credentials: u64,
    pub tokens: u64,
    pub suppressions: u64,
}

/// One page of a connection's inventory ([`crate::Store::page_resources`]), by resource id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceQuery {
    pub connection_id: ConnectionId,
    /// Any of these kinds; empty = every kind.
    pub kinds: Vec<ResourceKind>,
    pub region: Option<Region>,
    pub account_id: Option<AccountId>,
    /// Tag `key` present (`None`) or equal to the value (`Some`).
    pub tag: Option<(String, Option<String>)>,
    /// Case-insensitive substring of the resource id or name (ASCII case folding on SQLite).
    pub text: Option<String>,
    /// Only resource ids strictly greater than this one (the last id of the previous page).
    pub after: Option<String>,
    /// Page size, at most [`ResourceQuery::MAX_LIMIT`] (plus one, so a caller can ask for
    /// one row more than its largest page to learn whether another page follows); 0 returns
    /// nothing.
    pub limit: u32,
}

impl ResourceQuery {
    /// The largest page.
    pub const MAX_LIMIT: u32 = 1000;
}

/// Severity as an orderable integer, stored next to the text so `high+` filters run in SQL.
pub(crate) fn severity_rank(s: Severity) -> i32 {
    match s {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skywarden_graph::{CoverageStatus, ErrorClass, ResourceKind, Scope, ScopeError};

    #[test]
    fn enums_parse_and_print() {
        for s in ScanStatus::ALL {
            assert_eq!(s.as_str().parse::<ScanStatus>().unwrap(), *s);
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{s}\""));
        }
        for t in ScanTrigger::ALL {
            assert_eq!(t.as_str().parse::<ScanTrigger>().unwrap(), *t);
            assert_eq!(serde_json::to_string(t).unwrap(), format!("\"{t}\""));
        }
        let err = "done".parse::<ScanStatus>().unwrap_err().to_string();
        assert!(err.contains("\"done\"") && err.contains("partial"), "{err}");
    }

    #[test]
    fn roles_include_the_ones_below() {
        use Role::*;
        let allowed: Vec<(Role, Role)> = [Admin, Editor, Viewer]
            .into_iter()
            .flat_map(|have| [Admin, Editor, Viewer].map(|need| (have, need)))
            .filter(|(have, need)| have.allows(*need))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Admin, Admin),
                (Admin, Editor),
                (Admin, Viewer),
                (Editor, Editor),
                (Editor, Viewer),
                (Viewer, Viewer)
            ]
        );
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), *r);
            assert_eq!(serde_json::to_string(r).unwrap(), format!("\"{r}\""));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn org_ids_follow_connection_id_rules() {
        for ok in ["acme", "0rg", "a-b_c", &"a".repeat(64)] {
            let id: OrgId = ok.parse().unwrap();
            assert_eq!(id.as_str(), ok);
            assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{ok}\""));
        }
        for bad in ["", "Acme", "-acme", "_a", "a b", "a.b", &"a".repeat(65)] {
            let err = bad.parse::<OrgId>().unwrap_err();
            assert!(
                matches!(
                    err,
                    StoreError::InvalidValue {
                        what: "organization id",
                        ..
                    }
                ),
                "{bad}: {err:?}"
            );
        }
        assert!(serde_json::from_str::<OrgId>("\"Nope\"").is_err());
        assert_eq!(
            serde_json::from_str::<OrgId>("\"acme\"").unwrap(),
            "acme".parse::<OrgId>().unwrap()
        );
    }

    #[test]
    fn finding_sorts_parse_and_default() {
        assert_eq!(FindingSort::default(), FindingSort::Key);
        assert_eq!(FindingFilter::default().sort, FindingSort::SeverityDesc);
        for s in FindingSort::ALL {
            assert_eq!(s.as_str().parse::<FindingSort>().unwrap(), *s);
        }
    }

    #[test]
    fn status_from_coverage() {
        let scope = |r: &str| Scope {
            account_id: "123456789012".parse().unwrap(),
            region: r.parse().unwrap(),
            kind: ResourceKind::AwsEbsVolume,
        };
        let failed = CoverageStatus::Failed {
            error: ScopeError {
                class: ErrorClass::AccessDenied,
                code: None,
                message: "no".into(),
            },
        };
        let mut c = Coverage::new();
        assert_eq!(ScanStatus::from_coverage(&c), ScanStatus::Failed);
        c.record(scope("us-east-1"), CoverageStatus::Complete);
        assert_eq!(ScanStatus::from_coverage(&c), ScanStatus::Succeeded);
        c.record(scope("eu-west-1"), failed.clone());
        assert_eq!(ScanStatus::from_coverage(&c), ScanStatus::Partial);
        let mut only_failed = Coverage::new();
        only_failed.record(scope("eu-west-1"), failed);
        assert_eq!(ScanStatus::from_coverage(&only_failed), ScanStatus::Failed);
        let skipped = CoverageStatus::Skipped {
            reason: "region not enabled".into(),
        };
        let mut with_skipped = Coverage::new();
        with_skipped.record(scope("us-east-1"), CoverageStatus::Complete);
        with_skipped.record(scope("me-south-1"), skipped.clone());
        assert_eq!(
            ScanStatus::from_coverage(&with_skipped),
            ScanStatus::Succeeded
        );
        let mut only_skipped = Coverage::new();
        only_skipped.record(scope("me-south-1"), skipped);
        assert_eq!(
            ScanStatus::from_coverage(&only_skipped),
            ScanStatus::Succeeded
        );
    }

    #[test]
    fn severity_rank_follows_severity_order() {
        let ranks: Vec<i32> = Severity::ALL.iter().map(|s| severity_rank(*s)).collect();
        assert_eq!(ranks, vec![0, 1, 2, 3, 4]);
    }
}
