//! `aws_ec2_elastic_ip`: an Elastic IP address (`DescribeAddresses`).

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElasticIp {
    pub allocation_id: String,
    pub public_ip: String,
    /// Present while the address is associated (with an instance or an interface, which
    /// includes a NAT gateway's interface).
    pub association_id: Option<String>,
    pub instance: Option<ResourceId>,
    pub network_interface: Option<ResourceId>,
    pub network_interface_owner_id: Option<String>,
    pub private_ip: Option<String>,
    pub domain: AddressDomain,
    pub network_border_group: Option<String>,
    pub public_ipv4_pool: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressDomain {
    Vpc,
    /// EC2-Classic, retired.
    Standard,
}

impl ElasticIp {
    pub fn references(&self) -> Vec<Reference> {
        self.network_interface
            .iter()
            .chain(&self.instance)
            .map(|t| Reference::outgoing(EdgeKind::AttachedTo, t.clone()))
            .collect()
    }

    pub fn is_associated(&self) -> bool {
        self.association_id.is_some()
    }
}
