//! `aws_ec2_launch_template`: an EC2 launch template and the settings of its default version.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};
use crate::model::{HttpTokens, VolumeType};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplate {
    pub launch_template_id: String,
    pub name: Option<String>,
    pub create_time: Option<DateTime<Utc>>,
    pub default_version: Option<i64>,
    pub latest_version: Option<i64>,
    /// The launch data of the default version (`None` if EC2 returned no default version).
    pub default: Option<LaunchTemplateData>,
}

/// What instances launched from a version get. Every field is optional in a template: an
/// unset field is decided at launch (by the caller, the AMI or the account defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplateData {
    pub version: Option<i64>,
    /// As written in the template: an AMI id or an SSM parameter (`resolve:ssm:...`).
    pub image_id: Option<String>,
    /// The AMI when `image_id` is an AMI id (it may belong to another account: then the edge
    /// dangles).
    pub image: Option<ResourceId>,
    pub instance_type: Option<String>,
    /// `None` when the template leaves IMDS session tokens unset.
    pub http_tokens: Option<HttpTokens>,
    /// `Some(false)` when the template switches IMDS off; `None` when unset.
    pub http_endpoint_enabled: Option<bool>,
    /// From `SecurityGroupIds` and the network interfaces' `Groups`.
    pub security_groups: Vec<ResourceId>,
    /// `AssociatePublicIpAddress` of any network interface: true if any says true.
    pub associate_public_ip: Option<bool>,
    pub block_devices: Vec<LaunchTemplateBlockDevice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplateBlockDevice {
    pub device_name: Option<String>,
    /// `None` when unset (then the account's EBS encryption default decides).
    pub encrypted: Option<bool>,
    pub volume_type: Option<VolumeType>,
    pub volume_size_gib: Option<i32>,
}

impl LaunchTemplateData {
    /// IMDSv1 allowed by the template: tokens not required and the endpoint not switched off.
    /// An unset `HttpTokens` counts: unless the AMI or the account default says otherwise,
    /// EC2 launches with tokens optional.
    pub fn allows_imdsv1(&self) -> bool {
        self.http_endpoint_enabled != Some(false) && self.http_tokens != Some(HttpTokens::Required)
    }
}

impl LaunchTemplate {
    pub fn references(&self) -> Vec<Reference> {
        let Some(d) = &self.default else {
            return Vec::new();
        };
        let mut refs: Vec<Reference> = d
            .security_groups
            .iter()
            .map(|g| Reference::outgoing(EdgeKind::SecuredBy, g.clone()))
            .collect();
        if let Some(image) = &d.image {
            refs.push(Reference::outgoing(EdgeKind::DerivedFrom, image.clone()));
        }
        refs
    }
}
