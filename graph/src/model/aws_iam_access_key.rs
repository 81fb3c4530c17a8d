//! `aws_iam_access_key`: an IAM user's access key: id, status, age and last use. The secret
//! is never part of it (`ListAccessKeys` does not return one).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub access_key_id: String,
    pub user_name: String,
    /// The owning `aws_iam_user`.
    pub user: ResourceId,
    pub status: AccessKeyStatus,
    pub create_date: Option<DateTime<Utc>>,
    /// `None`: never used (IAM reports no date).
    pub last_used_date: Option<DateTime<Utc>>,
    /// Service and region of the last use; `None` when never used (IAM says `N/A`).
    pub last_used_service: Option<String>,
    pub last_used_region: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessKeyStatus {
    Active,
    Inactive,
    Expired,
    #[serde(other)]
    Unknown,
}

impl AccessKey {
    /// The key is `attached_to` its user (key -> user).
    pub fn references(&self) -> Vec<Reference> {
        vec![Reference::outgoing(EdgeKind::AttachedTo, self.user.clone())]
    }
    pub fn is_active(&self) -> bool {
        self.status == AccessKeyStatus::Active
    }
}
