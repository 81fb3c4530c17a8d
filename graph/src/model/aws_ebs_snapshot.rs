//! `aws_ebs_snapshot`: an EBS snapshot owned by the account.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub snapshot_id: String,
    /// The source volume. `None` when AWS reports none or the placeholder `vol-ffffffff`
    /// (snapshots copied from another snapshot or created by other services). The volume may
    /// have been deleted since: the edge then dangles.
    pub volume: Option<ResourceId>,
    /// Size of the source volume (the snapshot itself is incremental and usually smaller).
    pub volume_size_gib: i32,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    pub state: SnapshotState,
    pub start_time: Option<DateTime<Utc>>,
    pub description: Option<String>,
    pub storage_tier: SnapshotStorageTier,
    /// Restorable by every AWS account (`createVolumePermission` group `all`).
    pub public: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotState {
    Pending,
    Completed,
    Error,
    Recoverable,
    Recovering,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotStorageTier {
    Standard,
    Archive,
    #[serde(other)]
    Unknown,
}

impl Snapshot {
    pub fn references(&self) -> Vec<Reference> {
        self.volume
            .iter()
            .map(|v| Reference::outgoing(EdgeKind::DerivedFrom, v.clone()))
            .collect()
    }
}
