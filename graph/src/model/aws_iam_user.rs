//! `aws_iam_user`: an IAM user with its console password, MFA devices, policies and groups.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::aws_iam_policy::AttachedPolicy;
use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub user_name: String,
    pub user_id: String,
    pub path: String,
    pub create_date: Option<DateTime<Utc>>,
    /// Last console sign-in; `None` if the password was never used (or there is none).
    pub password_last_used: Option<DateTime<Utc>>,
    /// The console password; `None` = the user cannot sign in to the console.
    pub login_profile: Option<LoginProfile>,
    pub mfa_devices: Vec<MfaDevice>,
    /// Managed policies attached directly to the user.
    pub attached_policies: Vec<AttachedPolicy>,
    /// Names of the user's inline policies.
    pub inline_policies: Vec<String>,
    /// Groups the user belongs to (`aws_iam_group` ids).
    pub groups: Vec<ResourceId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginProfile {
    pub created: Option<DateTime<Utc>>,
    pub password_reset_required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaDevice {
    /// The device ARN (virtual) or serial number (hardware).
    pub serial_number: String,
    pub enable_date: Option<DateTime<Utc>>,
}

impl User {
    /// Edges: each customer-managed policy is `attached_to` the user (policy -> user) and each
    /// group `contains` the user (group -> user).
    pub fn references(&self) -> Vec<Reference> {
        let policies = self.attached_policies.iter().filter_map(|p| p.local.clone());
        policies
            .map(|p| Reference::incoming(EdgeKind::AttachedTo, p))
            .chain(self.groups.iter().map(|g| Reference::incoming(EdgeKind::Contains, g.clone())))
            .collect()
    }
    /// Can sign in to the console.
    pub fn has_console_password(&self) -> bool {
        self.login_profile.is_some()
    }
}
