//! `Disks_List`: `GET /subscriptions/{id}/providers/Microsoft.Compute/disks`
//! (api-version 2025-01-02). Shared JSON pieces (`encryption`, `creationData`) are used by
//! the snapshot collector too.

use serde::Deserialize;
use skywarden_graph::model::{
    AzureDisk, DiskEncryptionType, DiskSku, DiskState, NetworkAccessPolicy, OsType,
    PublicNetworkAccess,
};
use skywarden_graph::{AccountId, Resource, ResourceId};

use super::{arm_id, resource, time, Common, Sku};
use crate::azure::SubscriptionCx;
use crate::error::CollectError;
use crate::limits::Service;
use crate::sink::Emit;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Item {
    #[serde(flatten)]
    common: Common,
    #[serde(default)]
    managed_by: Option<String>,
    #[serde(default)]
    sku: Option<Sku>,
    #[serde(default)]
    zones: Option<Vec<String>>,
    #[serde(default)]
    properties: Props,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Props {
    #[serde(default, rename = "diskSizeGB")]
    disk_size_gb: Option<i32>,
    #[serde(default)]
    disk_state: Option<String>,
    #[serde(default)]
    os_type: Option<String>,
    #[serde(default)]
    encryption: Option<Encryption>,
    #[serde(default)]
    encryption_settings_collection: Option<EncryptionSettings>,
    #[serde(default)]
    time_created: Option<String>,
    #[serde(default)]
    network_access_policy: Option<String>,
    #[serde(default)]
    public_network_access: Option<String>,
    #[serde(default)]
    creation_data: Option<CreationData>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Encryption {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub disk_encryption_set_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EncryptionSettings {
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreationData {
    #[serde(default)]
    pub source_resource_id: Option<String>,
}

/// `(encryption type, disk encryption set)` of `encryption`.
pub(crate) fn encryption(
    e: Option<&Encryption>,
) -> Result<(Option<DiskEncryptionType>, Option<ResourceId>), CollectError> {
    let Some(e) = e else { return Ok((None, None)) };
    let set = match e.disk_encryption_set_id.as_deref() {
        Some(s) if !s.trim().is_empty() => Some(arm_id(s)?),
        _ => None,
    };
    Ok((e.kind.as_deref().map(DiskEncryptionType::parse), set))
}

/// `creationData.sourceResourceId` (comes without a leading `/` in some answers).
pub(crate) fn source(c: Option<&CreationData>) -> Result<Option<ResourceId>, CollectError> {
    match c.and_then(|c| c.source_resource_id.as_deref()) {
        Some(s) if !s.trim().is_empty() => arm_id(s).map(Some),
        _ => Ok(None),
    }
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    cx.list_each(Service::ArmCompute, "providers/Microsoft.Compute/disks", "2025-01-02", out, map).await
}

pub(crate) fn map(sub: &AccountId, i: Item) -> Result<Resource, CollectError> {
    let p = i.properties;
    let (encryption_type, disk_encryption_set) = encryption(p.encryption.as_ref())?;
    let managed_by = match i.managed_by.as_deref() {
        Some(s) if !s.trim().is_empty() => Some(arm_id(s)?),
        _ => None,
    };
    let model = AzureDisk {
        sku: i.sku.and_then(|s| s.name).as_deref().map(DiskSku::parse),
        size_gib: p.disk_size_gb,
        disk_state: p.disk_state.as_deref().map(DiskState::parse),
        managed_by,
        os_type: p.os_type.as_deref().map(OsType::parse),
        encryption_type,
        disk_encryption_set,
        azure_disk_encryption: p
            .encryption_settings_collection
            .and_then(|e| e.enabled)
            .unwrap_or(false),
        time_created: time(&p.time_created),
        network_access_policy: p.network_access_policy.as_deref().map(NetworkAccessPolicy::parse),
        public_network_access: p.public_network_access.as_deref().map(PublicNetworkAccess::parse),
        source_resource: source(p.creation_data.as_ref())?,
        zones: i.zones.unwrap_or_default(),
    };
    resource(sub, &i.common, model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::{mapped, subscription};

    #[test]
    fn maps_the_published_example() {
        let rs = mapped::<Item>(include_str!("testdata/Disks_List.json"), map);
        assert_eq!(rs.len(), 3);
        let d = rs[0].model::<AzureDisk>().unwrap();
        assert_eq!(d.size_gib, Some(200));
        assert_eq!(d.encryption_type, Some(DiskEncryptionType::PlatformKey));
        assert!(d.azure_disk_encryption);
        assert_eq!(d.os_type, Some(OsType::Windows));
        // No `managedBy` and no `diskState` in the example: neither attached nor known unattached.
        assert_eq!(d.managed_by, None);
        assert_eq!(d.disk_state, None);
        assert_eq!(
            d.source_resource.as_ref().map(|s| s.short_id()),
            Some("mymanageddisk1")
        );
    }

    #[test]
    fn an_attached_premium_disk_maps_its_vm_and_sku() {
        let i: Item = serde_json::from_str(
            r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d1","location":"westeurope",
                "managedBy":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
                "sku":{"name":"Premium_LRS"},"properties":{"diskState":"Attached","diskSizeGB":128,
                "encryption":{"type":"EncryptionAtRestWithCustomerKey","diskEncryptionSetId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des"}}}"#,
        )
        .unwrap();
        let r = map(&subscription(), i).unwrap();
        let d = r.model::<AzureDisk>().unwrap();
        assert_eq!(d.disk_state, Some(DiskState::Attached));
        assert_eq!(d.sku, Some(DiskSku::PremiumLrs));
        assert_eq!(d.managed_by.as_ref().map(|m| m.short_id()), Some("vm1"));
        assert!(d.disk_encryption_set.is_some());
    }
}
