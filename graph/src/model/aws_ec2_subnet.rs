//! `aws_ec2_subnet`: a subnet of a VPC.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    pub subnet_id: String,
    pub vpc: ResourceId,
    pub cidr_block: Option<String>,
    pub availability_zone: Option<String>,
    pub map_public_ip_on_launch: bool,
    pub default_for_az: bool,
}

impl Subnet {
    pub fn references(&self) -> Vec<Reference> {
        vec![Reference::incoming(EdgeKind::Contains, self.vpc.clone())]
    }
}
