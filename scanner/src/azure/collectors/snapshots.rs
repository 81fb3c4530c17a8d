//! `Snapshots_List`: `GET /subscriptions/{id}/providers/Microsoft.Compute/snapshots`
//! (api-version 2025-01-02).

use serde::Deserialize;
use skywarden_graph::model::{AzureSnapshot, DiskSku, NetworkAccessPolicy, OsType, PublicNetworkAccess};
use skywarden_graph::{AccountId, Resource};

use super::disks::{encryption, source, CreationData, Encryption};
use super::{resource, time, Common, Sku};
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
    sku: Option<Sku>,
    #[serde(default)]
    properties: Props,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Props {
    #[serde(default, rename = "diskSizeGB")]
    disk_size_gb: Option<i32>,
    #[serde(default)]
    os_type: Option<String>,
    #[serde(default)]
    incremental: Option<bool>,
    #[serde(default)]
    encryption: Option<Encryption>,
    #[serde(default)]
    time_created: Option<String>,
    #[serde(default)]
    network_access_policy: Option<String>,
    #[serde(default)]
    public_network_access: Option<String>,
    #[serde(default)]
    creation_data: Option<CreationData>,
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    cx.list_each(Service::ArmCompute, "providers/Microsoft.Compute/snapshots", "2025-01-02", out, map).await
}

pub(crate) fn map(sub: &AccountId, i: Item) -> Result<Resource, CollectError> {
    let p = i.properties;
    let (encryption_type, disk_encryption_set) = encryption(p.encryption.as_ref())?;
    let model = AzureSnapshot {
        sku: i.sku.and_then(|s| s.name).as_deref().map(DiskSku::parse),
        size_gib: p.disk_size_gb,
        source_disk: source(p.creation_data.as_ref())?,
        time_created: time(&p.time_created),
        incremental: p.incremental,
        os_type: p.os_type.as_deref().map(OsType::parse),
        encryption_type,
        disk_encryption_set,
        network_access_policy: p.network_access_policy.as_deref().map(NetworkAccessPolicy::parse),
        public_network_access: p.public_network_access.as_deref().map(PublicNetworkAccess::parse),
    };
    resource(sub, &i.common, model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::{mapped, subscription};

    #[test]
    fn maps_the_published_example() {
        let rs = mapped::<Item>(include_str!("testdata/Snapshots_List.json"), map);
        assert_eq!(rs.len(), 2);
        let s = rs[0].model::<AzureSnapshot>().unwrap();
        assert_eq!(s.size_gib, Some(200));
        assert_eq!(s.source_disk.as_ref().map(|d| d.short_id()), Some("mysnapshot"));
        // An imported snapshot has no source resource.
        assert_eq!(rs[1].model::<AzureSnapshot>().unwrap().source_disk, None);
    }

    #[test]
    fn an_exportable_snapshot_keeps_its_access_policy() {
        let i: Item = serde_json::from_str(
            r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/s1","location":"westeurope",
                "properties":{"networkAccessPolicy":"AllowAll","publicNetworkAccess":"Enabled","timeCreated":"2024-01-02T03:04:05.1234567+00:00"}}"#,
        )
        .unwrap();
        let r = map(&subscription(), i).unwrap();
        let s = r.model::<AzureSnapshot>().unwrap();
        assert_eq!(s.network_access_policy, Some(NetworkAccessPolicy::AllowAll));
        assert_eq!(s.public_network_access, Some(PublicNetworkAccess::Enabled));
        assert!(s.time_created.is_some());
    }
}
