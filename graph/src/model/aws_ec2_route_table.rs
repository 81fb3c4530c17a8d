//! `aws_ec2_route_table`: a route table with its routes and associations.
//!
//! Every route target EC2 names by id is typed and carried as the target's ARN (in the table's
//! account and region), so a route is an edge: the table `routes_to` the internet gateways,
//! NAT gateways, VPC endpoints, VPC peering connections, network interfaces and instances its
//! routes name (blackhole routes included: the route is there, its target may be gone, and the
//! edge then dangles). Transit gateways and egress-only internet gateways are typed too but are
//! not inventoried kinds, so they get no edge.
//!
//! Documents stored before route targets were typed carried bare ids (`"nat-1"`) for every
//! target but internet gateways; they still load: a bare id is resolved against the table's
//! own VPC ARN (same partition, region and account).

use serde::{Deserialize, Serialize};

use crate::ids::{Arn, ResourceId};
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "compat::RouteTableDoc")]
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

/// Where a route sends traffic. Serialised as `{"type": "nat_gateway", "id": "<ARN>"}`
/// (`{"type": "local"}`; `other` carries EC2's raw id: local gateway, carrier gateway,
/// core network ARN, or a gateway id of an unknown kind).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "id")]
pub enum RouteTarget {
    Local,
    InternetGateway(ResourceId),
    EgressOnlyInternetGateway(ResourceId),
    NatGateway(ResourceId),
    TransitGateway(ResourceId),
    VpcPeeringConnection(ResourceId),
    NetworkInterface(ResourceId),
    Instance(ResourceId),
    VpcEndpoint(ResourceId),
    Other(String),
}

impl RouteTarget {
    /// The EC2 ARN resource type of each id-carrying target, e.g. `natgateway`.
    pub fn resource_type(&self) -> Option<&'static str> {
        Some(match self {
            RouteTarget::InternetGateway(_) => "internet-gateway",
            RouteTarget::EgressOnlyInternetGateway(_) => "egress-only-internet-gateway",
            RouteTarget::NatGateway(_) => "natgateway",
            RouteTarget::TransitGateway(_) => "transit-gateway",
            RouteTarget::VpcPeeringConnection(_) => "vpc-peering-connection",
            RouteTarget::NetworkInterface(_) => "network-interface",
            RouteTarget::Instance(_) => "instance",
            RouteTarget::VpcEndpoint(_) => "vpc-endpoint",
            RouteTarget::Local | RouteTarget::Other(_) => return None,
        })
    }

    /// The target's id, for typed targets.
    pub fn id(&self) -> Option<&ResourceId> {
        match self {
            RouteTarget::InternetGateway(id)
            | RouteTarget::EgressOnlyInternetGateway(id)
            | RouteTarget::NatGateway(id)
            | RouteTarget::TransitGateway(id)
            | RouteTarget::VpcPeeringConnection(id)
            | RouteTarget::NetworkInterface(id)
            | RouteTarget::Instance(id)
            | RouteTarget::VpcEndpoint(id) => Some(id),
            RouteTarget::Local | RouteTarget::Other(_) => None,
        }
    }

    /// The id of a target that is an inventoried kind (the `routes_to` edge goes there).
    pub fn inventoried(&self) -> Option<&ResourceId> {
        match self {
            RouteTarget::TransitGateway(_) | RouteTarget::EgressOnlyInternetGateway(_) => None,
            t => t.id(),
        }
    }
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

    pub fn is_active(&self) -> bool {
        self.state == RouteState::Active
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
            if let Some(target) = r.target.inventoried() {
                let reference = Reference::outgoing(EdgeKind::RoutesTo, target.clone());
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

    /// Active routes whose target is `target`.
    pub fn active_routes_to<'a>(&'a self, target: &'a ResourceId) -> impl Iterator<Item = &'a Route> + 'a {
        self.routes.iter().filter(move |r| r.is_active() && r.target.id() == Some(target))
    }
}

/// The stored-document shape, accepting the bare target ids of documents written before
/// route targets were typed.
mod compat {
    use super::*;

    #[derive(Deserialize)]
    pub(super) struct RouteTableDoc {
        route_table_id: String,
        vpc: ResourceId,
        main: bool,
        subnets: Vec<ResourceId>,
        routes: Vec<RouteDoc>,
    }

    #[derive(Deserialize)]
    struct RouteDoc {
        destination_cidr: Option<String>,
        destination_ipv6_cidr: Option<String>,
        destination_prefix_list: Option<String>,
        target: TargetDoc,
        state: RouteState,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case", tag = "type", content = "id")]
    enum TargetDoc {
        Local,
        InternetGateway(String),
        EgressOnlyInternetGateway(String),
        NatGateway(String),
        TransitGateway(String),
        VpcPeeringConnection(String),
        NetworkInterface(String),
        Instance(String),
        VpcEndpoint(String),
        Other(String),
    }

    impl TryFrom<RouteTableDoc> for RouteTable {
        type Error = String;
        fn try_from(d: RouteTableDoc) -> Result<Self, String> {
            let vpc_arn = d.vpc.arn();
            // An ARN as stored, or a bare id placed in the VPC's account and region.
            let id = |resource_type: &str, raw: String| -> Result<ResourceId, String> {
                if raw.starts_with("arn:") {
                    return raw.parse().map_err(|e| format!("route target: {e}"));
                }
                let arn = vpc_arn.as_ref().ok_or("route target: the table's VPC id is not an ARN")?;
                let (Some(region), Some(account)) = (&arn.region, &arn.account) else {
                    return Err("route target: the table's VPC ARN has no region or account".into());
                };
                Arn::regional("ec2", region, account, resource_type, &raw)
                    .parse()
                    .map_err(|e| format!("route target: {e}"))
            };
            let routes = d
                .routes
                .into_iter()
                .map(|r| {
                    let target = match r.target {
                        TargetDoc::Local => RouteTarget::Local,
                        TargetDoc::InternetGateway(s) => RouteTarget::InternetGateway(id("internet-gateway", s)?),
                        TargetDoc::EgressOnlyInternetGateway(s) => {
                            RouteTarget::EgressOnlyInternetGateway(id("egress-only-internet-gateway", s)?)
                        }
                        TargetDoc::NatGateway(s) => RouteTarget::NatGateway(id("natgateway", s)?),
                        TargetDoc::TransitGateway(s) => RouteTarget::TransitGateway(id("transit-gateway", s)?),
                        TargetDoc::VpcPeeringConnection(s) => {
                            RouteTarget::VpcPeeringConnection(id("vpc-peering-connection", s)?)
                        }
                        TargetDoc::NetworkInterface(s) => RouteTarget::NetworkInterface(id("network-interface", s)?),
                        TargetDoc::Instance(s) => RouteTarget::Instance(id("instance", s)?),
                        TargetDoc::VpcEndpoint(s) => RouteTarget::VpcEndpoint(id("vpc-endpoint", s)?),
                        TargetDoc::Other(s) => RouteTarget::Other(s),
                    };
                    Ok(Route {
                        destination_cidr: r.destination_cidr,
                        destination_ipv6_cidr: r.destination_ipv6_cidr,
                        destination_prefix_list: r.destination_prefix_list,
                        target,
                        state: r.state,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(RouteTable { route_table_id: d.route_table_id, vpc: d.vpc, main: d.main, subnets: d.subnets, routes })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::ec2_id;

    fn route(dest: &str, target: RouteTarget) -> Route {
        Route {
            destination_cidr: Some(dest.into()),
            destination_ipv6_cidr: None,
            destination_prefix_list: None,
            target,
            state: RouteState::Active,
        }
    }

    fn table(routes: Vec<Route>) -> RouteTable {
        RouteTable {
            route_table_id: "rtb-1".into(),
            vpc: ec2_id("vpc", "vpc-1"),
            main: true,
            subnets: vec![ec2_id("subnet", "subnet-1")],
            routes,
        }
    }

    #[test]
    fn every_inventoried_target_is_a_routes_to_edge_once() {
        let nat = ec2_id("natgateway", "nat-1");
        let t = table(vec![
            route("10.0.0.0/16", RouteTarget::Local),
            route("0.0.0.0/0", RouteTarget::NatGateway(nat.clone())),
            route("192.168.0.0/16", RouteTarget::NatGateway(nat.clone())),
            route("172.16.0.0/16", RouteTarget::VpcPeeringConnection(ec2_id("vpc-peering-connection", "pcx-1"))),
            route("172.17.0.0/16", RouteTarget::NetworkInterface(ec2_id("network-interface", "eni-1"))),
            route("172.18.0.0/16", RouteTarget::VpcEndpoint(ec2_id("vpc-endpoint", "vpce-1"))),
            route("172.19.0.0/16", RouteTarget::Instance(ec2_id("instance", "i-1"))),
            route("172.20.0.0/16", RouteTarget::TransitGateway(ec2_id("transit-gateway", "tgw-1"))),
            route("172.21.0.0/16", RouteTarget::EgressOnlyInternetGateway(ec2_id("egress-only-internet-gateway", "eigw-1"))),
            route("172.22.0.0/16", RouteTarget::Other("lgw-1".into())),
        ]);
        let refs = t.references();
        let routes_to: Vec<&str> = refs
            .iter()
            .filter(|r| r.edge == EdgeKind::RoutesTo)
            .map(|r| r.target.short_id())
            .collect();
        assert_eq!(routes_to, ["nat-1", "pcx-1", "eni-1", "vpce-1", "i-1"]);
        assert_eq!(t.active_routes_to(&nat).count(), 2);
        assert_eq!(t.routes[1].target.resource_type(), Some("natgateway"));
        assert!(t.internet_gateway_route().is_none());
    }

    #[test]
    fn documents_with_bare_target_ids_still_load() {
        let old = serde_json::json!({
            "route_table_id": "rtb-1",
            "vpc": "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1",
            "main": false,
            "subnets": [],
            "routes": [
                {"destination_cidr": "10.0.0.0/16", "destination_ipv6_cidr": null, "destination_prefix_list": null,
                 "target": {"type": "local"}, "state": "active"},
                {"destination_cidr": "0.0.0.0/0", "destination_ipv6_cidr": null, "destination_prefix_list": null,
                 "target": {"type": "internet_gateway", "id": "arn:aws:ec2:eu-west-1:123456789012:internet-gateway/igw-1"},
                 "state": "active"},
                {"destination_cidr": "10.1.0.0/16", "destination_ipv6_cidr": null, "destination_prefix_list": null,
                 "target": {"type": "vpc_peering_connection", "id": "pcx-9"}, "state": "blackhole"},
                {"destination_cidr": "10.2.0.0/16", "destination_ipv6_cidr": null, "destination_prefix_list": null,
                 "target": {"type": "other", "id": "cagw-1"}, "state": "active"}
            ]
        });
        let t: RouteTable = serde_json::from_value(old).unwrap();
        assert_eq!(
            t.routes[2].target,
            RouteTarget::VpcPeeringConnection(
                "arn:aws:ec2:eu-west-1:123456789012:vpc-peering-connection/pcx-9".parse().unwrap()
            )
        );
        assert_eq!(t.internet_gateway_route().map(|g| g.short_id()), Some("igw-1"));
        assert_eq!(t.routes[3].target, RouteTarget::Other("cagw-1".into()));
        // New documents round-trip with ARNs.
        let back: RouteTable = serde_json::from_value(serde_json::to_value(&t).unwrap()).unwrap();
        assert_eq!(back, t);
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["routes"][2]["target"]["id"], "arn:aws:ec2:eu-west-1:123456789012:vpc-peering-connection/pcx-9");
    }
}
