//! Value types of change history and baselines ([`crate::Store::list_changes`],
//! [`crate::Store::pin_baseline`] and friends).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use skywarden_graph::{
    AccountId, BaselineId, ConnectionId, PatchOp, Region, ResourceId, ResourceKind, ScanId, Scope,
};
use skywarden_rules::TagSelector;

use crate::error::StoreError;

/// What a scan found a resource of a Complete scope to be, compared with the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Created,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 3] = [
        ChangeKind::Created,
        ChangeKind::Modified,
        ChangeKind::Deleted,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChangeKind {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        ChangeKind::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| StoreError::InvalidValue {
                what: "change",
                value: s.chars().take(50).collect(),
                expected: "one of: created modified deleted",
            })
    }
}

/// One recorded change of one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// Increasing with time; the cursor of [`ChangeFilter::before`].
    pub id: i64,
    pub connection_id: ConnectionId,
    pub scan_id: ScanId,
    /// When the scan that saw it finished.
    pub at: DateTime<Utc>,
    pub resource_id: ResourceId,
    pub kind: ResourceKind,
    pub account_id: AccountId,
    pub region: Region,
    pub change: ChangeKind,
    /// SHA-256 of the normalised document after the change; `None` when deleted.
    pub content_hash: Option<String>,
    /// `modified`: the RFC 6902 JSON Patch from the previous normalised document to the new
    /// one (volatile fields are not in it).
    pub patch: Option<Vec<PatchOp>>,
    /// `deleted`: the last stored document.
    pub document: Option<Value>,
}

/// Which changes [`crate::Store::list_changes`] returns, newest first; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeFilter {
    pub connection_id: Option<ConnectionId>,
    /// Only changes of these connections (an organization's); `Some(vec![])` matches none.
    pub org_connections: Option<Vec<ConnectionId>>,
    /// Recorded at or after this instant.
    pub since: Option<DateTime<Utc>>,
    pub resource_id: Option<ResourceId>,
    pub kind: Option<ResourceKind>,
    pub change: Option<ChangeKind>,
    pub scan_id: Option<ScanId>,
    /// Strictly older than the change with this id (the last id of the previous page).
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

/// How long change history is kept (`[history]`); `None` = no limit of that sort. A change
/// goes when either limit says so.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Changes older than this many days.
    pub days: Option<u32>,
    /// Changes recorded before the oldest of the connection's newest this-many finished scans.
    pub scans: Option<u32>,
}

/// What one pruning pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneSummary {
    pub changes_deleted: u64,
    /// False when the row bound stopped the pass before everything due was deleted.
    pub complete: bool,
}

/// A pinned baseline as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineRecord {
    pub id: BaselineId,
    pub connection_id: ConnectionId,
    /// The pinned scan.
    pub scan_id: ScanId,
    /// `None`: the whole connection.
    pub selector: Option<TagSelector>,
    /// The (account, region, kind) scopes the pinned scan saw completely.
    pub scopes: BTreeSet<Scope>,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The last pin or approval.
    pub updated_at: DateTime<Utc>,
    /// Approved resources.
    pub resource_count: u64,
}

/// A baseline to pin ([`crate::Store::pin_baseline`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBaseline {
    pub connection_id: ConnectionId,
    /// The scan to pin; `None`: the connection's latest finished scan. Only that scan can be
    /// pinned: the stored inventory is what it saw.
    pub scan_id: Option<ScanId>,
    pub selector: Option<TagSelector>,
    pub note: Option<String>,
    /// Who pinned it (CLI user, `token:<name>`), for the record.
    pub created_by: String,
    /// Replace a baseline with the same selector (else that is a Conflict).
    pub replace: bool,
    pub at: DateTime<Utc>,
}

/// One approved resource of a baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub resource_id: ResourceId,
    pub kind: ResourceKind,
    pub account_id: AccountId,
    pub region: Region,
    pub content_hash: String,
    pub approved_at: DateTime<Utc>,
    pub approved_by: String,
    /// The approved document.
    pub document: Value,
}

/// What approving a resource did to one baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalAction {
    /// The approved document was replaced with the current one.
    Updated,
    /// The resource (created outside the baseline) was added.
    Added,
    /// The resource (deleted since) was removed from the baseline.
    Removed,
}

/// The outcome of [`crate::Store::approve_resource`] for one baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub baseline_id: BaselineId,
    pub resource_id: ResourceId,
    pub action: ApprovalAction,
}
