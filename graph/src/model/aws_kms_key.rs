//! `aws_kms_key`: a KMS key, its aliases and (for customer-managed symmetric keys) whether
//! automatic rotation is on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::inventory::Reference;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmsKey {
    pub key_id: String,
    pub manager: KeyManager,
    pub state: KeyState,
    /// `SYMMETRIC_DEFAULT`, `RSA_2048`, `HMAC_256`, ... (AWS adds specs; kept as sent).
    pub key_spec: String,
    pub usage: KeyUsage,
    /// `GetKeyRotationStatus`; `None` when not asked (AWS-managed keys rotate yearly and
    /// cannot be changed; asymmetric, HMAC and imported-material keys cannot rotate).
    pub rotation_enabled: Option<bool>,
    pub description: Option<String>,
    pub creation_date: Option<DateTime<Utc>>,
    /// Alias names (`alias/...`) pointing at this key.
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyManager {
    Aws,
    Customer,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    Creating,
    Enabled,
    Disabled,
    PendingDeletion,
    PendingImport,
    PendingReplicaDeletion,
    Unavailable,
    Updating,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyUsage {
    EncryptDecrypt,
    SignVerify,
    GenerateVerifyMac,
    KeyAgreement,
    #[serde(other)]
    Unknown,
}

impl KmsKey {
    pub const SYMMETRIC_DEFAULT: &'static str = "SYMMETRIC_DEFAULT";

    /// A customer-managed symmetric encryption key: the only kind whose rotation the
    /// customer controls (and CIS asks about).
    pub fn is_customer_symmetric(&self) -> bool {
        self.manager == KeyManager::Customer
            && self.key_spec == Self::SYMMETRIC_DEFAULT
            && self.usage == KeyUsage::EncryptDecrypt
    }

    pub fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}
