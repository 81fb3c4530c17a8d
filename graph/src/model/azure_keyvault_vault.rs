//! `azure_keyvault_vault`: a key vault and its protection and network settings.
//!
//! Absent properties keep ARM's meaning: `enableSoftDelete` absent is true (soft delete is
//! on for every vault since 2020 and cannot be turned off for new ones);
//! `enablePurgeProtection` absent is false; `publicNetworkAccess` and
//! `networkAcls.defaultAction` absent are `Enabled` / `Allow`.

use serde::{Deserialize, Serialize};

use crate::inventory::Reference;
use crate::model::azure_common::{
    arm_enum, public_network_open, NetworkDefaultAction, PublicNetworkAccess,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureKeyVault {
    pub tenant_id: Option<String>,
    /// `properties.sku.name`.
    pub sku_name: Option<KeyVaultSku>,
    pub vault_uri: Option<String>,
    pub enable_soft_delete: Option<bool>,
    pub soft_delete_retention_days: Option<i32>,
    pub enable_purge_protection: Option<bool>,
    pub enable_rbac_authorization: Option<bool>,
    pub public_network_access: Option<PublicNetworkAccess>,
    /// `properties.networkAcls.defaultAction`.
    pub network_acls_default_action: Option<NetworkDefaultAction>,
}

arm_enum! {
    /// `properties.sku.name` of a key vault.
    KeyVaultSku {
        Standard => "standard",
        Premium => "premium",
    }
}

impl AzureKeyVault {
    pub fn references(&self) -> Vec<Reference> {
        Vec::new()
    }

    /// Soft delete on (absent: on).
    pub fn soft_delete_enabled(&self) -> bool {
        self.enable_soft_delete != Some(false)
    }

    /// Purge protection on (absent: off).
    pub fn purge_protection_enabled(&self) -> bool {
        self.enable_purge_protection == Some(true)
    }

    /// Reachable from any network: public network access `Enabled`/absent and the
    /// firewall's default action `Allow`/absent.
    pub fn public_network_open(&self) -> bool {
        public_network_open(
            self.public_network_access.as_ref(),
            self.network_acls_default_action.as_ref(),
        )
    }
}
