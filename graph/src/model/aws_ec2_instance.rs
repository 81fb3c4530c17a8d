//! `aws_ec2_instance`: an EC2 instance.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub instance_id: String,
    pub instance_type: Option<String>,
    pub state: InstanceState,
    pub vpc: Option<ResourceId>,
    pub subnet: Option<ResourceId>,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
    pub security_groups: Vec<ResourceId>,
    pub image_id: Option<String>,
    pub launch_time: Option<DateTime<Utc>>,
    pub metadata: MetadataOptions,
    /// EBS volumes from the block device mappings.
    pub volumes: Vec<ResourceId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceState {
    Pending,
    Running,
    ShuttingDown,
    Terminated,
    Stopping,
    Stopped,
    #[serde(other)]
    Unknown,
}

/// The instance metadata service settings (`MetadataOptions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataOptions {
    /// `optional` allows IMDSv1; `required` enforces IMDSv2 session tokens.
    pub http_tokens: Option<HttpTokens>,
    /// False when IMDS is switched off (`HttpEndpoint: disabled`).
    pub http_endpoint_enabled: bool,
    pub http_put_response_hop_limit: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HttpTokens {
    Optional,
    Required,
}

impl Instance {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        if let Some(subnet) = &self.subnet {
            refs.push(Reference::incoming(EdgeKind::Contains, subnet.clone()));
        }
        refs.extend(self.security_groups.iter().map(|g| Reference::outgoing(EdgeKind::SecuredBy, g.clone())));
        refs
    }

    /// IMDSv1 reachable: the endpoint is on and session tokens are optional.
    pub fn allows_imdsv1(&self) -> bool {
        self.metadata.http_endpoint_enabled && self.metadata.http_tokens == Some(HttpTokens::Optional)
    }
}
