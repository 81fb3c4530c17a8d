//! `aws_iam_role`: an IAM role with its trust policy, policies and last use.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::aws_iam_policy::{AttachedPolicy, PolicyDocument};
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub role_name: String,
    pub role_id: String,
    pub path: String,
    pub create_date: Option<DateTime<Utc>>,
    /// Maximum session duration in seconds (1 h to 12 h).
    pub max_session_duration_s: Option<i32>,
    /// Who may assume the role; `None` if IAM returned no document.
    pub trust_policy: Option<PolicyDocument>,
    pub attached_policies: Vec<AttachedPolicy>,
    pub inline_policies: Vec<String>,
    /// Last time the role was assumed (IAM tracks 400 days back); `None` = not in that window.
    pub last_used: Option<DateTime<Utc>>,
    pub last_used_region: Option<String>,
}

impl Role {
    /// Each customer-managed policy is `attached_to` the role (policy -> role).
    pub fn references(&self) -> Vec<Reference> {
        self.attached_policies
            .iter()
            .filter_map(|p| p.local.clone())
            .map(|p| Reference::incoming(EdgeKind::AttachedTo, p))
            .collect()
    }
}
