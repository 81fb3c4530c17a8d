//! `aws_ec2_network_interface`: an elastic network interface (ENI), attached or not.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInterface {
    pub network_interface_id: String,
    pub interface_type: InterfaceType,
    pub status: NetworkInterfaceStatus,
    /// Created and managed by an AWS service (NAT gateway, load balancer, Lambda, endpoint...).
    pub requester_managed: bool,
    /// The service or account that created a requester-managed interface.
    pub requester_id: Option<String>,
    pub description: Option<String>,
    pub vpc: Option<ResourceId>,
    pub subnet: Option<ResourceId>,
    pub availability_zone: Option<String>,
    pub security_groups: Vec<ResourceId>,
    /// Every private IPv4 address, the primary first.
    pub private_ips: Vec<String>,
    /// The public IPv4 address of the association (auto-assigned or an Elastic IP).
    pub public_ip: Option<String>,
    pub attachment: Option<NetworkInterfaceAttachment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInterfaceAttachment {
    /// The instance, when attached to one in this account (service interfaces have none).
    pub instance: Option<ResourceId>,
    pub instance_owner_id: Option<String>,
    pub device_index: Option<i32>,
    pub status: AttachmentStatus,
    pub delete_on_termination: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentStatus {
    Attaching,
    Attached,
    Detaching,
    Detached,
    #[serde(other)]
    Unknown,
}

/// `InterfaceType` (EC2 spells them `interface`, `nat_gateway`, `network_load_balancer`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterfaceType {
    Interface,
    NatGateway,
    NetworkLoadBalancer,
    GatewayLoadBalancer,
    GatewayLoadBalancerEndpoint,
    VpcEndpoint,
    Lambda,
    Efa,
    Trunk,
    TransitGateway,
    #[serde(other)]
    Other,
}

impl InterfaceType {
    pub fn parse(s: &str) -> Self {
        match s {
            "interface" => Self::Interface,
            "natGateway" | "nat_gateway" => Self::NatGateway,
            "network_load_balancer" => Self::NetworkLoadBalancer,
            "gateway_load_balancer" => Self::GatewayLoadBalancer,
            "gateway_load_balancer_endpoint" => Self::GatewayLoadBalancerEndpoint,
            "vpc_endpoint" => Self::VpcEndpoint,
            "lambda" => Self::Lambda,
            "efa" | "efa-only" => Self::Efa,
            "trunk" => Self::Trunk,
            "transit_gateway" => Self::TransitGateway,
            _ => Self::Other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkInterfaceStatus {
    Available,
    Associated,
    Attaching,
    InUse,
    Detaching,
    #[serde(other)]
    Unknown,
}

impl NetworkInterface {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        if let Some(subnet) = &self.subnet {
            refs.push(Reference::incoming(EdgeKind::Contains, subnet.clone()));
        }
        refs.extend(self.security_groups.iter().map(|g| Reference::outgoing(EdgeKind::SecuredBy, g.clone())));
        if let Some(i) = self.attachment.as_ref().and_then(|a| a.instance.as_ref()) {
            refs.push(Reference::outgoing(EdgeKind::AttachedTo, i.clone()));
        }
        refs
    }

    /// Created for an AWS service's own plumbing (NAT gateway, VPC endpoint, load balancer,
    /// transit gateway attachment): not a workload of the account.
    pub fn is_service_plumbing(&self) -> bool {
        matches!(
            self.interface_type,
            InterfaceType::NatGateway
                | InterfaceType::VpcEndpoint
                | InterfaceType::GatewayLoadBalancerEndpoint
                | InterfaceType::NetworkLoadBalancer
                | InterfaceType::GatewayLoadBalancer
                | InterfaceType::TransitGateway
        )
    }
}
