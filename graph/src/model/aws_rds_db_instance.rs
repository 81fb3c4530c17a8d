//! `aws_rds_db_instance`: an RDS DB instance, its network placement and data protection.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbInstance {
    pub db_instance_identifier: String,
    pub engine: String,
    pub engine_version: Option<String>,
    pub instance_class: Option<String>,
    pub status: DbInstanceStatus,
    pub publicly_accessible: bool,
    pub storage_encrypted: bool,
    pub kms_key: Option<ResourceId>,
    /// Days automated backups are kept; 0 = automated backups off.
    pub backup_retention_days: i32,
    pub multi_az: bool,
    pub deletion_protection: bool,
    pub auto_minor_version_upgrade: bool,
    pub vpc: Option<ResourceId>,
    /// Subnets of the DB subnet group.
    pub subnets: Vec<ResourceId>,
    pub security_groups: Vec<ResourceId>,
    pub endpoint_address: Option<String>,
    pub endpoint_port: Option<i32>,
    pub created: Option<DateTime<Utc>>,
}

/// `DBInstanceStatus` (the common values; the rest are `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DbInstanceStatus {
    Available,
    BackingUp,
    Creating,
    Deleting,
    Failed,
    Maintenance,
    Modifying,
    Rebooting,
    Starting,
    Stopped,
    Stopping,
    StorageFull,
    Upgrading,
    #[serde(other)]
    Unknown,
}

impl DbInstanceStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "available" => Self::Available,
            "backing-up" => Self::BackingUp,
            "creating" => Self::Creating,
            "deleting" => Self::Deleting,
            "failed" => Self::Failed,
            "maintenance" => Self::Maintenance,
            "modifying" => Self::Modifying,
            "rebooting" => Self::Rebooting,
            "starting" => Self::Starting,
            "stopped" => Self::Stopped,
            "stopping" => Self::Stopping,
            "storage-full" => Self::StorageFull,
            "upgrading" => Self::Upgrading,
            _ => Self::Unknown,
        }
    }
}

impl DbInstance {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> =
            self.subnets.iter().map(|s| Reference::incoming(EdgeKind::Contains, s.clone())).collect();
        refs.extend(self.security_groups.iter().map(|g| Reference::outgoing(EdgeKind::SecuredBy, g.clone())));
        refs.extend(self.kms_key.iter().map(|k| Reference::outgoing(EdgeKind::EncryptedWith, k.clone())));
        refs
    }
}
