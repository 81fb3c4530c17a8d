//! `aws_ebs_volume`: an EBS volume and its attachments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    pub volume_id: String,
    pub volume_type: VolumeType,
    pub size_gib: i32,
    pub iops: Option<i32>,
    pub throughput_mibps: Option<i32>,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    pub state: VolumeState,
    pub availability_zone: Option<String>,
    pub snapshot_id: Option<String>,
    pub create_time: Option<DateTime<Utc>>,
    pub attachments: Vec<VolumeAttachment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeAttachment {
    pub instance: ResourceId,
    pub device: Option<String>,
    pub delete_on_termination: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeType {
    Gp2,
    Gp3,
    Io1,
    Io2,
    St1,
    Sc1,
    Standard,
    #[serde(other)]
    Unknown,
}

impl VolumeType {
    pub fn parse(s: &str) -> Self {
        match s {
            "gp2" => Self::Gp2,
            "gp3" => Self::Gp3,
            "io1" => Self::Io1,
            "io2" => Self::Io2,
            "st1" => Self::St1,
            "sc1" => Self::Sc1,
            "standard" => Self::Standard,
            _ => Self::Unknown,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gp2 => "gp2",
            Self::Gp3 => "gp3",
            Self::Io1 => "io1",
            Self::Io2 => "io2",
            Self::St1 => "st1",
            Self::Sc1 => "sc1",
            Self::Standard => "standard",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VolumeState {
    Creating,
    Available,
    InUse,
    Deleting,
    Deleted,
    Error,
    #[serde(other)]
    Unknown,
}

impl Volume {
    pub fn references(&self) -> Vec<Reference> {
        self.attachments
            .iter()
            .map(|a| Reference::outgoing(EdgeKind::AttachedTo, a.instance.clone()))
            .collect()
    }
}
