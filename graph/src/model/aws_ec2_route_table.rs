//! `aws_ec2_route_table`: a route table with its routes and associations.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTable {
    pub route_table_id: String,
    pub vpc: ResourceId,
    /// The VPC's main route table: used by every subnet without an explicit association.
    pub main: bool,
    /// Subnets explicitly associated with this table.
    pub subnets: Vec<ResourceId>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub destination_cidr: Option<String>,
    pub destination_ipv6_cidr: Option<String>,
    pub destination_prefix_list: Option<String>,
    pub target: RouteTarget,
    pub state: RouteState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "id")]
pub enum RouteTarget {
    Local,
    InternetGateway(ResourceId),
    EgressOnlyInternetGateway(String),
    NatGateway(String),
    TransitGateway(String),
    VpcPeeringConnection(String),
    NetworkInterface(String),
    Instance(String),
    VpcEndpoint(String),
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteState {
    Active,
    Blackhole,
}

impl Route {
    /// An active IPv4 default route (`0.0.0.0/0`) to an internet gateway.
    pub fn default_route_to_igw(&self) -> Option<&ResourceId> {
        match (&self.target, self.destination_cidr.as_deref(), self.state) {
            (RouteTarget::InternetGateway(igw), Some("0.0.0.0/0"), RouteState::Active) => Some(igw),
            _ => None,
        }
    }
}

impl RouteTable {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference::incoming(EdgeKind::Contains, self.vpc.clone())];
        refs.extend(self.subnets.iter().map(|s| Reference::outgoing(EdgeKind::AssociatedWith, s.clone())));
        if self.main {
            refs.push(Reference::outgoing(EdgeKind::AssociatedWith, self.vpc.clone()));
        }
        for r in &self.routes {
            if let RouteTarget::InternetGateway(igw) = &r.target {
                let reference = Reference::outgoing(EdgeKind::RoutesTo, igw.clone());
                if !refs.contains(&reference) {
                    refs.push(reference);
                }
            }
        }
        refs
    }

    /// The internet gateway this table sends `0.0.0.0/0` to, if any.
    pub fn internet_gateway_route(&self) -> Option<&ResourceId> {
        self.routes.iter().find_map(Route::default_route_to_igw)
    }
}
