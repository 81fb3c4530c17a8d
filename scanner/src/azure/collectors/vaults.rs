//! `Vaults_ListBySubscription`: `GET /subscriptions/{id}/providers/Microsoft.KeyVault/vaults`
//! (api-version 2023-07-01).

use serde::Deserialize;
use skywarden_graph::model::{AzureKeyVault, KeyVaultSku, NetworkDefaultAction, PublicNetworkAccess};
use skywarden_graph::{AccountId, Resource};

use super::storage_accounts::NetworkAcls;
use super::{resource, Common};
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
    properties: Props,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Props {
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default)]
    sku: Option<VaultSku>,
    #[serde(default)]
    vault_uri: Option<String>,
    #[serde(default)]
    enable_soft_delete: Option<bool>,
    #[serde(default)]
    soft_delete_retention_in_days: Option<i32>,
    #[serde(default)]
    enable_purge_protection: Option<bool>,
    #[serde(default)]
    enable_rbac_authorization: Option<bool>,
    #[serde(default)]
    public_network_access: Option<String>,
    #[serde(default)]
    network_acls: Option<NetworkAcls>,
}

#[derive(Debug, Default, Deserialize)]
struct VaultSku {
    #[serde(default)]
    name: Option<String>,
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    cx.list_each(Service::ArmKeyVault, "providers/Microsoft.KeyVault/vaults", "2023-07-01", out, map).await
}

pub(crate) fn map(sub: &AccountId, i: Item) -> Result<Resource, CollectError> {
    let p = i.properties;
    let model = AzureKeyVault {
        tenant_id: p.tenant_id,
        sku_name: p.sku.and_then(|s| s.name).as_deref().map(KeyVaultSku::parse),
        vault_uri: p.vault_uri,
        enable_soft_delete: p.enable_soft_delete,
        soft_delete_retention_days: p.soft_delete_retention_in_days,
        enable_purge_protection: p.enable_purge_protection,
        enable_rbac_authorization: p.enable_rbac_authorization,
        public_network_access: p.public_network_access.as_deref().map(PublicNetworkAccess::parse),
        network_acls_default_action: p
            .network_acls
            .and_then(|a| a.default_action)
            .as_deref()
            .map(NetworkDefaultAction::parse),
    };
    resource(sub, &i.common, model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::subscription;

    #[test]
    fn maps_a_vault_without_purge_protection() {
        // Shape of Vaults_ListBySubscription (azure-rest-api-specs keyvault 2023-07-01 example).
        let i: Item = serde_json::from_str(
            r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1","name":"kv1","location":"westeurope",
                "properties":{"tenantId":"t","sku":{"family":"A","name":"standard"},"vaultUri":"https://kv1.vault.azure.net/",
                "enableSoftDelete":true,"softDeleteRetentionInDays":90,"enableRbacAuthorization":false,"publicNetworkAccess":"Enabled",
                "networkAcls":{"defaultAction":"Allow","bypass":"AzureServices"}}}"#,
        )
        .unwrap();
        let r = map(&subscription(), i).unwrap();
        let v = r.model::<AzureKeyVault>().unwrap();
        assert!(!v.purge_protection_enabled());
        assert!(v.soft_delete_enabled());
        assert!(v.public_network_open());
        assert_eq!(v.soft_delete_retention_days, Some(90));
    }
}
