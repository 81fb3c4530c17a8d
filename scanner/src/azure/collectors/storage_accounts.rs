//! `StorageAccounts_List`: `GET /subscriptions/{id}/providers/Microsoft.Storage/storageAccounts`
//! (api-version 2025-01-01: `allowBlobPublicAccess` absent means false from 2023-01-01 on).

use serde::Deserialize;
use skywarden_graph::model::{
    AzureStorageAccount, NetworkDefaultAction, PublicNetworkAccess, StorageAccountKind,
    StorageKeySource, TlsVersion,
};
use skywarden_graph::{AccountId, Resource};

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
    kind: Option<String>,
    #[serde(default)]
    sku: Option<Sku>,
    #[serde(default)]
    properties: Props,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Props {
    #[serde(default)]
    allow_blob_public_access: Option<bool>,
    #[serde(default)]
    supports_https_traffic_only: Option<bool>,
    #[serde(default)]
    minimum_tls_version: Option<String>,
    #[serde(default)]
    allow_shared_key_access: Option<bool>,
    #[serde(default)]
    public_network_access: Option<String>,
    #[serde(default)]
    network_acls: Option<NetworkAcls>,
    #[serde(default)]
    encryption: Option<Encryption>,
    #[serde(default)]
    creation_time: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NetworkAcls {
    #[serde(default)]
    pub default_action: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Encryption {
    #[serde(default)]
    key_source: Option<String>,
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    cx.list_each(Service::ArmStorage, "providers/Microsoft.Storage/storageAccounts", "2025-01-01", out, map).await
}

pub(crate) fn map(sub: &AccountId, i: Item) -> Result<Resource, CollectError> {
    let p = i.properties;
    let model = AzureStorageAccount {
        account_kind: i.kind.as_deref().map(StorageAccountKind::parse),
        sku_name: i.sku.and_then(|s| s.name),
        allow_blob_public_access: p.allow_blob_public_access,
        supports_https_traffic_only: p.supports_https_traffic_only,
        minimum_tls_version: p.minimum_tls_version.as_deref().map(TlsVersion::parse),
        allow_shared_key_access: p.allow_shared_key_access,
        public_network_access: p.public_network_access.as_deref().map(PublicNetworkAccess::parse),
        network_acls_default_action: p
            .network_acls
            .and_then(|a| a.default_action)
            .as_deref()
            .map(NetworkDefaultAction::parse),
        encryption_key_source: p
            .encryption
            .and_then(|e| e.key_source)
            .as_deref()
            .map(StorageKeySource::parse),
        creation_time: time(&p.creation_time),
    };
    resource(sub, &i.common, model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::mapped;

    #[test]
    fn maps_the_published_list_example() {
        let rs = mapped::<Item>(include_str!("testdata/StorageAccounts_List.json"), map);
        assert_eq!(rs.len(), 6);
        let a = rs[0].model::<AzureStorageAccount>().unwrap();
        assert_eq!(a.supports_https_traffic_only, Some(false));
        assert!(a.http_allowed());
        // Absent: the API default (no public blob access since 2023-01-01).
        assert_eq!(a.allow_blob_public_access, None);
        assert!(!a.blob_public_access_allowed());
        assert_eq!(a.account_kind, Some(StorageAccountKind::Storage));
        // `eastus2(stage)` in the example becomes a valid location.
        assert_eq!(rs[2].region.as_str(), "eastus2stage");
    }

    #[test]
    fn maps_the_secure_create_example() {
        let rs = mapped::<Item>(include_str!("testdata/StorageAccounts_Create.list.json"), map);
        let a = rs[0].model::<AzureStorageAccount>().unwrap();
        assert_eq!(a.minimum_tls_version, Some(TlsVersion::Tls1_2));
        assert!(!a.tls_below_1_2());
        assert!(!a.http_allowed());
        assert_eq!(a.allow_blob_public_access, Some(false));
    }
}
