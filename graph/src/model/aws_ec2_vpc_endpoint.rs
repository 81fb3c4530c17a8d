//! `aws_ec2_vpc_endpoint`: a VPC endpoint (`DescribeVpcEndpoints`): gateway, interface or
//! Gateway Load Balancer endpoint, with its placement and its parsed endpoint policy.
//!
//! Edges: VPC `contains` the endpoint; endpoint `associated_with` each subnet it has an
//! interface in; endpoint `secured_by` its security groups; each route table of a gateway
//! endpoint `routes_to` it (EC2 adds the prefix-list route itself; the table's own route is the
//! same edge); each of its network interfaces is `attached_to` it (as a NAT gateway's are).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};
use crate::model::aws_iam_policy::PolicyDocument;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcEndpoint {
    pub vpc_endpoint_id: String,
    pub endpoint_type: VpcEndpointType,
    /// e.g. `com.amazonaws.us-east-1.s3`.
    pub service_name: Option<String>,
    pub vpc: ResourceId,
    pub state: VpcEndpointState,
    /// Route tables of a gateway endpoint.
    pub route_tables: Vec<ResourceId>,
    /// Subnets of an interface / Gateway Load Balancer endpoint.
    pub subnets: Vec<ResourceId>,
    pub security_groups: Vec<ResourceId>,
    /// The endpoint's own interfaces (interface / Gateway Load Balancer endpoints).
    pub network_interfaces: Vec<ResourceId>,
    pub private_dns_enabled: bool,
    /// DNS names of the endpoint (interface endpoints).
    pub dns_names: Vec<String>,
    /// The endpoint policy (gateway and interface endpoints; AWS returns the full-access
    /// default when none was set). `None` when the endpoint type has no policy, or when the
    /// document did not parse (see `policy_error`).
    pub policy: Option<PolicyDocument>,
    /// Why the returned policy document could not be parsed, if it could not.
    pub policy_error: Option<String>,
    pub owner_id: Option<String>,
    pub requester_managed: bool,
    pub creation_time: Option<DateTime<Utc>>,
}

/// `VpcEndpointType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VpcEndpointType {
    Gateway,
    Interface,
    GatewayLoadBalancer,
    Resource,
    ServiceNetwork,
    #[serde(other)]
    Other,
}

impl VpcEndpointType {
    /// Parses EC2's spelling (`Gateway`, `Interface`, `GatewayLoadBalancer`, ...), any case.
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "gateway" => Self::Gateway,
            "interface" => Self::Interface,
            "gatewayloadbalancer" => Self::GatewayLoadBalancer,
            "resource" => Self::Resource,
            "servicenetwork" => Self::ServiceNetwork,
            _ => Self::Other,
        }
    }
}

/// `State` (EC2 spells them `PendingAcceptance`, `Available`, ... ; any case accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VpcEndpointState {
    PendingAcceptance,
    Pending,
    Available,
    Deleting,
    Deleted,
    Rejected,
    Failed,
    Expired,
    #[serde(other)]
    Unknown,
}

impl VpcEndpointState {
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "pendingacceptance" => Self::PendingAcceptance,
            "pending" => Self::Pending,
            "available" => Self::Available,
            "deleting" => Self::Deleting,
            "deleted" => Self::Deleted,
            "rejected" => Self::Rejected,
            "failed" => Self::Failed,
            "expired" => Self::Expired,
            _ => Self::Unknown,
        }
    }
}

impl VpcEndpoint {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference::incoming(EdgeKind::Contains, self.vpc.clone())];
        refs.extend(self.subnets.iter().map(|s| Reference::outgoing(EdgeKind::AssociatedWith, s.clone())));
        refs.extend(self.security_groups.iter().map(|g| Reference::outgoing(EdgeKind::SecuredBy, g.clone())));
        if self.endpoint_type == VpcEndpointType::Gateway {
            refs.extend(self.route_tables.iter().map(|t| Reference::incoming(EdgeKind::RoutesTo, t.clone())));
        }
        refs.extend(self.network_interfaces.iter().map(|e| Reference::incoming(EdgeKind::AttachedTo, e.clone())));
        refs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::ec2_id;

    #[test]
    fn gateway_endpoint_is_routed_to_by_its_tables_interface_endpoint_is_placed() {
        let mut e = VpcEndpoint {
            vpc_endpoint_id: "vpce-1".into(),
            endpoint_type: VpcEndpointType::Gateway,
            service_name: Some("com.amazonaws.us-east-1.s3".into()),
            vpc: ec2_id("vpc", "vpc-1"),
            state: VpcEndpointState::Available,
            route_tables: vec![ec2_id("route-table", "rtb-1")],
            subnets: vec![],
            security_groups: vec![],
            network_interfaces: vec![],
            private_dns_enabled: false,
            dns_names: vec![],
            policy: None,
            policy_error: None,
            owner_id: None,
            requester_managed: false,
            creation_time: None,
        };
        let refs = e.references();
        assert!(refs.contains(&Reference::incoming(EdgeKind::RoutesTo, ec2_id("route-table", "rtb-1"))));
        assert!(refs.contains(&Reference::incoming(EdgeKind::Contains, ec2_id("vpc", "vpc-1"))));
        e.endpoint_type = VpcEndpointType::Interface;
        e.subnets = vec![ec2_id("subnet", "subnet-1")];
        e.security_groups = vec![ec2_id("security-group", "sg-1")];
        e.network_interfaces = vec![ec2_id("network-interface", "eni-1")];
        let refs = e.references();
        assert!(!refs.iter().any(|r| r.edge == EdgeKind::RoutesTo));
        assert!(refs.contains(&Reference::outgoing(EdgeKind::AssociatedWith, ec2_id("subnet", "subnet-1"))));
        assert!(refs.contains(&Reference::outgoing(EdgeKind::SecuredBy, ec2_id("security-group", "sg-1"))));
        assert!(refs.contains(&Reference::incoming(EdgeKind::AttachedTo, ec2_id("network-interface", "eni-1"))));
        assert_eq!(VpcEndpointType::parse("GatewayLoadBalancer"), VpcEndpointType::GatewayLoadBalancer);
        assert_eq!(VpcEndpointState::parse("pendingAcceptance"), VpcEndpointState::PendingAcceptance);
        assert_eq!(VpcEndpointState::parse("Available"), VpcEndpointState::Available);
    }
}
