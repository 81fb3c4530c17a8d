//! `aws_ec2_internet_gateway`: an internet gateway and the VPCs it is attached to.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternetGateway {
    pub internet_gateway_id: String,
    /// VPCs with an `available`/`attached` attachment.
    pub attached_vpcs: Vec<ResourceId>,
}

impl InternetGateway {
    pub fn references(&self) -> Vec<Reference> {
        self.attached_vpcs
            .iter()
            .map(|v| Reference::outgoing(EdgeKind::AttachedTo, v.clone()))
            .collect()
    }
}
