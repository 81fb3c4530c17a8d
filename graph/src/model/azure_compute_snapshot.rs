//! `azure_compute_snapshot`: a managed disk snapshot (`Microsoft.Compute/snapshots`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};
use crate::model::azure_common::{OsType, PublicNetworkAccess};
use crate::model::azure_compute_disk::{DiskEncryptionType, DiskSku, NetworkAccessPolicy};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureSnapshot {
    /// `sku.name` (`Standard_LRS`, `Premium_LRS`, `Standard_ZRS`).
    pub sku: Option<DiskSku>,
    /// `properties.diskSizeGB`: the source disk's provisioned size.
    pub size_gib: Option<i32>,
    /// `properties.creationData.sourceResourceId`: the disk (or snapshot) it was taken from.
    pub source_disk: Option<ResourceId>,
    pub time_created: Option<DateTime<Utc>>,
    /// `properties.incremental`: billed for the changed data only.
    pub incremental: Option<bool>,
    pub os_type: Option<OsType>,
    pub encryption_type: Option<DiskEncryptionType>,
    pub disk_encryption_set: Option<ResourceId>,
    pub network_access_policy: Option<NetworkAccessPolicy>,
    pub public_network_access: Option<PublicNetworkAccess>,
}

impl AzureSnapshot {
    pub fn references(&self) -> Vec<Reference> {
        self.source_disk
            .iter()
            .map(|d| Reference::outgoing(EdgeKind::DerivedFrom, d.clone()))
            .collect()
    }

    /// Exportable from the internet: `networkAccessPolicy` `AllowAll` or
    /// `publicNetworkAccess` `Enabled` (explicit values only; both absent is not reported).
    pub fn publicly_exportable(&self) -> bool {
        self.network_access_policy == Some(NetworkAccessPolicy::AllowAll)
            || self.public_network_access == Some(PublicNetworkAccess::Enabled)
    }
}
