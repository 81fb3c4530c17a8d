//! `aws_ec2_nat_gateway`: a NAT gateway with its addresses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NatGateway {
    pub nat_gateway_id: String,
    pub state: NatGatewayState,
    pub vpc: ResourceId,
    pub subnet: ResourceId,
    pub connectivity_type: ConnectivityType,
    pub addresses: Vec<NatGatewayAddress>,
    pub create_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NatGatewayAddress {
    pub public_ip: Option<String>,
    pub private_ip: Option<String>,
    /// The Elastic IP (public NAT gateways).
    pub allocation: Option<ResourceId>,
    pub network_interface: Option<ResourceId>,
    pub is_primary: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NatGatewayState {
    Pending,
    Failed,
    Available,
    Deleting,
    Deleted,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectivityType {
    Public,
    Private,
}

impl NatGateway {
    /// Subnet -> NAT gateway (`contains`) and interface -> NAT gateway (`attached_to`).
    pub fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference::incoming(EdgeKind::Contains, self.subnet.clone())];
        for a in &self.addresses {
            if let Some(eni) = &a.network_interface {
                let r = Reference::incoming(EdgeKind::AttachedTo, eni.clone());
                if !refs.contains(&r) {
                    refs.push(r);
                }
            }
        }
        refs
    }

    /// The gateway's own network interfaces.
    pub fn network_interfaces(&self) -> impl Iterator<Item = &ResourceId> {
        self.addresses.iter().filter_map(|a| a.network_interface.as_ref())
    }
}
