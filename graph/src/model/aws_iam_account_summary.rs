//! `aws_iam_account_summary`: `GetAccountSummary`, one per account: root MFA and root keys,
//! and entity counts and quotas.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::inventory::Reference;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// `AccountMFAEnabled`: the root user has an MFA device.
    pub root_mfa_enabled: bool,
    /// `AccountAccessKeysPresent`: the root user has access keys.
    pub root_access_keys_present: bool,
    /// `AccountSigningCertificatesPresent`.
    pub root_signing_certificates_present: bool,
    pub users: i64,
    pub groups: i64,
    pub roles: i64,
    pub policies: i64,
    pub mfa_devices: i64,
    pub mfa_devices_in_use: i64,
    /// The whole map as IAM returns it (counts and quotas), for display; rules read the typed
    /// fields above.
    pub summary: BTreeMap<String, i64>,
}

impl AccountSummary {
    pub fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}
