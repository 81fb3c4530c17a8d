//! `aws_iam_virtual_mfa_device`: a virtual MFA device, assigned (to a user or the root user)
//! or not.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualMfaDevice {
    pub serial_number: String,
    /// The IAM user it is assigned to; `None` when unassigned or assigned to the root user.
    pub user: Option<ResourceId>,
    pub user_name: Option<String>,
    pub assigned_to_root: bool,
    pub enable_date: Option<DateTime<Utc>>,
}

impl VirtualMfaDevice {
    pub fn assigned(&self) -> bool {
        self.user.is_some() || self.assigned_to_root
    }
    /// An assigned device is `attached_to` its user (device -> user).
    pub fn references(&self) -> Vec<Reference> {
        self.user
            .iter()
            .map(|u| Reference::outgoing(EdgeKind::AttachedTo, u.clone()))
            .collect()
    }
}
