//! `azure_compute_disk`: a managed disk (`Microsoft.Compute/disks`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};
use crate::model::azure_common::{arm_enum, OsType, PublicNetworkAccess};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureDisk {
    /// `sku.name`.
    pub sku: Option<DiskSku>,
    /// `properties.diskSizeGB`.
    pub size_gib: Option<i32>,
    /// `properties.diskState`; absent in some responses (then `managed_by` decides).
    pub disk_state: Option<DiskState>,
    /// `managedBy`: the VM the disk is attached to.
    pub managed_by: Option<ResourceId>,
    pub os_type: Option<OsType>,
    /// `properties.encryption.type`.
    pub encryption_type: Option<DiskEncryptionType>,
    /// `properties.encryption.diskEncryptionSetId`.
    pub disk_encryption_set: Option<ResourceId>,
    /// `properties.encryptionSettingsCollection.enabled` (Azure Disk Encryption in the guest).
    pub azure_disk_encryption: bool,
    pub time_created: Option<DateTime<Utc>>,
    /// `properties.networkAccessPolicy`.
    pub network_access_policy: Option<NetworkAccessPolicy>,
    /// `properties.publicNetworkAccess`.
    pub public_network_access: Option<PublicNetworkAccess>,
    /// `properties.creationData.sourceResourceId`: the snapshot or disk it was copied from.
    pub source_resource: Option<ResourceId>,
    /// Availability zones (`zones`).
    pub zones: Vec<String>,
}

arm_enum! {
    /// `sku.name` of a managed disk or snapshot.
    DiskSku {
        StandardLrs => "Standard_LRS",
        StandardSsdLrs => "StandardSSD_LRS",
        StandardSsdZrs => "StandardSSD_ZRS",
        PremiumLrs => "Premium_LRS",
        PremiumZrs => "Premium_ZRS",
        PremiumV2Lrs => "PremiumV2_LRS",
        UltraSsdLrs => "UltraSSD_LRS",
        StandardZrs => "Standard_ZRS",
    }
}

impl DiskSku {
    /// Premium SSD (v1 LRS/ZRS, v2) and Ultra disks: the tiers that bill a premium whether
    /// or not the VM runs.
    pub fn is_premium(&self) -> bool {
        matches!(
            self,
            DiskSku::PremiumLrs | DiskSku::PremiumZrs | DiskSku::PremiumV2Lrs | DiskSku::UltraSsdLrs
        )
    }
}

arm_enum! {
    /// `properties.diskState`.
    DiskState {
        Unattached => "Unattached",
        Attached => "Attached",
        /// Attached to a stopped-deallocated VM.
        Reserved => "Reserved",
        Frozen => "Frozen",
        /// A SAS URI is open on the disk (export).
        ActiveSas => "ActiveSAS",
        ActiveSasFrozen => "ActiveSASFrozen",
        ReadyToUpload => "ReadyToUpload",
        ActiveUpload => "ActiveUpload",
    }
}

arm_enum! {
    /// `properties.encryption.type` of a disk or snapshot (encryption at rest).
    DiskEncryptionType {
        /// Platform-managed keys only.
        PlatformKey => "EncryptionAtRestWithPlatformKey",
        /// A customer-managed key (through a disk encryption set).
        CustomerKey => "EncryptionAtRestWithCustomerKey",
        /// Double encryption: platform and customer-managed keys.
        PlatformAndCustomerKeys => "EncryptionAtRestWithPlatformAndCustomerKeys",
    }
}

impl DiskEncryptionType {
    /// A customer-managed key takes part.
    pub fn uses_customer_key(&self) -> bool {
        matches!(
            self,
            DiskEncryptionType::CustomerKey | DiskEncryptionType::PlatformAndCustomerKeys
        )
    }
}

arm_enum! {
    /// `properties.networkAccessPolicy` of a disk or snapshot: who may export it through a
    /// SAS URI.
    NetworkAccessPolicy {
        /// Exportable from any network.
        AllowAll => "AllowAll",
        /// Only through a disk access resource (private endpoint).
        AllowPrivate => "AllowPrivate",
        DenyAll => "DenyAll",
    }
}

impl AzureDisk {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> = self
            .managed_by
            .iter()
            .map(|vm| Reference::outgoing(EdgeKind::AttachedTo, vm.clone()))
            .collect();
        refs.extend(
            self.source_resource
                .iter()
                .map(|s| Reference::outgoing(EdgeKind::DerivedFrom, s.clone())),
        );
        refs
    }

    /// Not attached to any VM and billed for nothing it serves: `diskState` `Unattached`; or,
    /// when the state is absent or a value this version does not know, no `managedBy`.
    /// `Reserved` (a deallocated VM's disk), SAS, upload and frozen states are not idle.
    pub fn is_unattached(&self) -> bool {
        match &self.disk_state {
            Some(DiskState::Unattached) => true,
            None | Some(DiskState::Other(_)) => self.managed_by.is_none(),
            Some(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(state: Option<&str>, managed_by: bool) -> AzureDisk {
        let r = crate::testkit::azure::az_disk("d", |d| {
            d.disk_state = state.map(DiskState::parse);
            d.managed_by = managed_by.then(|| crate::testkit::azure::vm_id("vm"));
        });
        r.model::<AzureDisk>().unwrap().clone()
    }

    #[test]
    fn unattached_reads_the_state_then_managed_by() {
        assert!(disk(Some("Unattached"), false).is_unattached());
        assert!(!disk(Some("Attached"), true).is_unattached());
        assert!(!disk(Some("Reserved"), false).is_unattached());
        assert!(!disk(Some("ActiveSAS"), false).is_unattached());
        assert!(disk(None, false).is_unattached());
        assert!(!disk(None, true).is_unattached());
        assert!(disk(Some("Parked"), false).is_unattached());
        assert_eq!(disk(None, true).references().len(), 1);
        assert!(DiskSku::PremiumV2Lrs.is_premium() && !DiskSku::StandardSsdLrs.is_premium());
        assert_eq!(DiskSku::parse("premium_lrs"), DiskSku::PremiumLrs);
        assert!(DiskEncryptionType::parse("EncryptionAtRestWithPlatformAndCustomerKeys")
            .uses_customer_key());
        assert!(!DiskEncryptionType::PlatformKey.uses_customer_key());
    }
}
