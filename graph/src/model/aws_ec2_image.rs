//! `aws_ec2_image`: an AMI owned by the account.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};
use crate::model::VolumeType;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub image_id: String,
    pub name: Option<String>,
    pub state: ImageState,
    /// Launchable by every AWS account (launch permission group `all`).
    pub public: bool,
    pub creation_date: Option<DateTime<Utc>>,
    pub root_device_type: Option<RootDeviceType>,
    pub root_device_name: Option<String>,
    pub block_devices: Vec<ImageBlockDevice>,
    pub deprecation_time: Option<DateTime<Utc>>,
}

/// One block device mapping of the AMI; EBS mappings name the snapshot they restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageBlockDevice {
    pub device_name: Option<String>,
    pub snapshot: Option<ResourceId>,
    pub volume_size_gib: Option<i32>,
    pub volume_type: Option<VolumeType>,
    pub encrypted: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageState {
    Pending,
    Available,
    Invalid,
    Deregistered,
    Transient,
    Failed,
    Error,
    Disabled,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RootDeviceType {
    Ebs,
    InstanceStore,
}

impl Image {
    /// The snapshots behind the AMI's EBS block devices.
    pub fn snapshots(&self) -> impl Iterator<Item = &ResourceId> {
        self.block_devices.iter().filter_map(|b| b.snapshot.as_ref())
    }

    pub fn references(&self) -> Vec<Reference> {
        self.snapshots()
            .map(|s| Reference::outgoing(EdgeKind::DerivedFrom, s.clone()))
            .collect()
    }
}
