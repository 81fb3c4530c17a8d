//! `aws_iam_group`: an IAM group and its policies (members are on the users).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::aws_iam_policy::AttachedPolicy;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub group_name: String,
    pub group_id: String,
    pub path: String,
    pub create_date: Option<DateTime<Utc>>,
    pub attached_policies: Vec<AttachedPolicy>,
    pub inline_policies: Vec<String>,
}

impl Group {
    /// Each customer-managed policy is `attached_to` the group (policy -> group).
    pub fn references(&self) -> Vec<Reference> {
        self.attached_policies
            .iter()
            .filter_map(|p| p.local.clone())
            .map(|p| Reference::incoming(EdgeKind::AttachedTo, p))
            .collect()
    }
}
