//! `aws_iam_password_policy`: the account's IAM password policy, one per account. An account
//! without one is still a resource (`configured: false`) so rules can report the absence.

use serde::{Deserialize, Serialize};

use crate::inventory::Reference;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    /// `false`: `GetAccountPasswordPolicy` said `NoSuchEntity` (AWS defaults apply: length 8,
    /// no complexity, no reuse prevention, no expiry). Every other field is then its default.
    pub configured: bool,
    pub minimum_length: Option<i32>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub allow_users_to_change: bool,
    pub expire_passwords: bool,
    pub max_age_days: Option<i32>,
    /// How many previous passwords cannot be reused.
    pub reuse_prevention: Option<i32>,
    pub hard_expiry: bool,
}

impl PasswordPolicy {
    pub fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}
