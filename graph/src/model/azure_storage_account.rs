//! `azure_storage_account`: a storage account and the settings the storage rules read.
//!
//! Absent properties keep ARM's meaning, read through the methods below rather than the raw
//! fields: `allowBlobPublicAccess` absent is *false* (the documented default interpretation
//! since api-version 2023-01-01; older api-versions documented *true*: collectors must use
//! 2023-01-01 or later, the project uses 2025-01-01); `supportsHttpsTrafficOnly` absent is
//! true (default since 2019-04-01); `minimumTlsVersion` absent is `TLS1_0`;
//! `allowSharedKeyAccess` absent is true; `publicNetworkAccess` and
//! `networkAcls.defaultAction` absent are `Enabled` / `Allow`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::inventory::Reference;
use crate::model::azure_common::{
    arm_enum, public_network_open, NetworkDefaultAction, PublicNetworkAccess,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureStorageAccount {
    /// `kind`.
    pub account_kind: Option<StorageAccountKind>,
    /// `sku.name`, e.g. `Standard_LRS`, `Premium_ZRS`.
    pub sku_name: Option<String>,
    pub allow_blob_public_access: Option<bool>,
    pub supports_https_traffic_only: Option<bool>,
    pub minimum_tls_version: Option<TlsVersion>,
    pub allow_shared_key_access: Option<bool>,
    pub public_network_access: Option<PublicNetworkAccess>,
    /// `properties.networkAcls.defaultAction`.
    pub network_acls_default_action: Option<NetworkDefaultAction>,
    /// `properties.encryption.keySource`.
    pub encryption_key_source: Option<StorageKeySource>,
    pub creation_time: Option<DateTime<Utc>>,
}

arm_enum! {
    /// `kind` of a storage account.
    StorageAccountKind {
        StorageV2 => "StorageV2",
        Storage => "Storage",
        BlobStorage => "BlobStorage",
        BlockBlobStorage => "BlockBlobStorage",
        FileStorage => "FileStorage",
    }
}

arm_enum! {
    /// `minimumTlsVersion` of a storage account.
    TlsVersion {
        Tls1_0 => "TLS1_0",
        Tls1_1 => "TLS1_1",
        Tls1_2 => "TLS1_2",
        Tls1_3 => "TLS1_3",
    }
}

arm_enum! {
    /// `encryption.keySource` of a storage account.
    StorageKeySource {
        Microsoft => "Microsoft.Storage",
        KeyVault => "Microsoft.Keyvault",
    }
}

impl AzureStorageAccount {
    pub fn references(&self) -> Vec<Reference> {
        Vec::new()
    }

    /// Containers may be made public: `allowBlobPublicAccess` true (absent: false).
    pub fn blob_public_access_allowed(&self) -> bool {
        self.allow_blob_public_access == Some(true)
    }

    /// Plain HTTP accepted: `supportsHttpsTrafficOnly` false (absent: true).
    pub fn http_allowed(&self) -> bool {
        self.supports_https_traffic_only == Some(false)
    }

    /// The minimum TLS version in effect (absent: `TLS1_0`).
    pub fn effective_minimum_tls(&self) -> TlsVersion {
        self.minimum_tls_version.clone().unwrap_or(TlsVersion::Tls1_0)
    }

    /// TLS 1.0 or 1.1 accepted (absent: TLS 1.0). An unknown value is not reported.
    pub fn tls_below_1_2(&self) -> bool {
        matches!(
            self.effective_minimum_tls(),
            TlsVersion::Tls1_0 | TlsVersion::Tls1_1
        )
    }

    /// Account keys and SAS signed with them are accepted (absent: true).
    pub fn shared_key_access_enabled(&self) -> bool {
        self.allow_shared_key_access != Some(false)
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
