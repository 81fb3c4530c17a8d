//! `ec2:DescribeRouteTables` -> `aws_ec2_route_table` (routes, explicit and main associations).

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{Route, RouteState, RouteTable, RouteTarget};
use skywarden_graph::Resource;

use crate::aws::{classify, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_route_tables().max_results(100).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.route_tables() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

/// The typed target of a route: EC2 names exactly one target per route; ids become ARNs in
/// the table's account and region (a target in another account, e.g. a shared transit gateway
/// or the peer's side, keeps our ARN: the edge then dangles, it never errors).
fn target(cx: &MapCx, r: &sdk::Route) -> Result<RouteTarget, CollectError> {
    fn some(v: Option<&str>) -> Option<&str> {
        v.filter(|s| !s.is_empty())
    }
    Ok(if let Some(g) = some(r.gateway_id()) {
        match g {
            "local" => RouteTarget::Local,
            g if g.starts_with("igw-") => RouteTarget::InternetGateway(cx.ec2_id("internet-gateway", g)?),
            g if g.starts_with("vpce-") => RouteTarget::VpcEndpoint(cx.ec2_id("vpc-endpoint", g)?),
            // Some responses put a NAT gateway or peering connection in GatewayId.
            g if g.starts_with("nat-") => RouteTarget::NatGateway(cx.ec2_id("natgateway", g)?),
            g if g.starts_with("pcx-") => RouteTarget::VpcPeeringConnection(cx.ec2_id("vpc-peering-connection", g)?),
            g => RouteTarget::Other(g.to_string()),
        }
    } else if let Some(n) = some(r.nat_gateway_id()) {
        RouteTarget::NatGateway(cx.ec2_id("natgateway", n)?)
    } else if let Some(t) = some(r.transit_gateway_id()) {
        RouteTarget::TransitGateway(cx.ec2_id("transit-gateway", t)?)
    } else if let Some(p) = some(r.vpc_peering_connection_id()) {
        RouteTarget::VpcPeeringConnection(cx.ec2_id("vpc-peering-connection", p)?)
    } else if let Some(e) = some(r.egress_only_internet_gateway_id()) {
        RouteTarget::EgressOnlyInternetGateway(cx.ec2_id("egress-only-internet-gateway", e)?)
    } else if let Some(i) = some(r.instance_id()) {
        RouteTarget::Instance(cx.ec2_id("instance", i)?)
    } else if let Some(n) = some(r.network_interface_id()) {
        RouteTarget::NetworkInterface(cx.ec2_id("network-interface", n)?)
    } else {
        let other = r
            .local_gateway_id()
            .or(r.carrier_gateway_id())
            .or(r.core_network_arn())
            .unwrap_or("unknown");
        RouteTarget::Other(other.to_string())
    })
}

pub fn map(cx: &MapCx, t: &sdk::RouteTable) -> Result<Resource, CollectError> {
    let id = required(t.route_table_id(), "RouteTableId")?;
    let mut subnets = Vec::new();
    let mut main = false;
    for a in t.associations() {
        let disassociated = a.association_state().and_then(|s| s.state()).is_some_and(|s| {
            matches!(s, sdk::RouteTableAssociationStateCode::Disassociated | sdk::RouteTableAssociationStateCode::Disassociating)
        });
        if disassociated {
            continue;
        }
        main |= a.main().unwrap_or(false);
        if let Some(sn) = a.subnet_id() {
            subnets.push(cx.ec2_id("subnet", sn)?);
        }
    }
    subnets.sort();
    subnets.dedup();
    let routes = t
        .routes()
        .iter()
        .map(|r| {
            Ok(Route {
                destination_cidr: r.destination_cidr_block().map(str::to_string),
                destination_ipv6_cidr: r.destination_ipv6_cidr_block().map(str::to_string),
                destination_prefix_list: r.destination_prefix_list_id().map(str::to_string),
                target: target(cx, r)?,
                state: match r.state() {
                    Some(sdk::RouteState::Blackhole) => RouteState::Blackhole,
                    _ => RouteState::Active,
                },
            })
        })
        .collect::<Result<Vec<_>, CollectError>>()?;
    let model = RouteTable {
        route_table_id: id.to_string(),
        vpc: cx.ec2_id("vpc", required(t.vpc_id(), "VpcId")?)?,
        main,
        subnets,
        routes,
    };
    Ok(Resource::new(cx.ec2_id("route-table", id)?, cx.account.clone(), cx.region.clone(), tags(t.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    fn route(dest: &str) -> sdk::builders::RouteBuilder {
        sdk::Route::builder().destination_cidr_block(dest).state(sdk::RouteState::Active)
    }

    #[test]
    fn maps_routes_and_associations() {
        let t = sdk::RouteTable::builder()
            .route_table_id("rtb-1")
            .vpc_id("vpc-1")
            .associations(sdk::RouteTableAssociation::builder().main(true).build())
            .associations(sdk::RouteTableAssociation::builder().main(false).subnet_id("subnet-a").build())
            .associations(
                sdk::RouteTableAssociation::builder()
                    .subnet_id("subnet-gone")
                    .association_state(
                        sdk::RouteTableAssociationState::builder()
                            .state(sdk::RouteTableAssociationStateCode::Disassociated)
                            .build(),
                    )
                    .build(),
            )
            .routes(route("10.0.0.0/16").gateway_id("local").build())
            .routes(route("0.0.0.0/0").gateway_id("igw-9").build())
            .routes(route("192.168.0.0/16").nat_gateway_id("nat-1").state(sdk::RouteState::Blackhole).build())
            .routes(route("172.16.0.0/16").vpc_peering_connection_id("pcx-1").build())
            .routes(sdk::Route::builder().destination_prefix_list_id("pl-1").gateway_id("vpce-7").build())
            .routes(route("172.17.0.0/16").network_interface_id("eni-1").build())
            .routes(route("172.18.0.0/16").transit_gateway_id("tgw-1").build())
            .routes(route("172.19.0.0/16").carrier_gateway_id("cagw-1").build())
            .build();
        let r = map(&cx(), &t).unwrap();
        let m = r.model::<RouteTable>().unwrap();
        assert!(m.main);
        assert_eq!(m.subnets.len(), 1);
        assert_eq!(m.subnets[0].short_id(), "subnet-a");
        assert_eq!(m.routes[0].target, RouteTarget::Local);
        assert_eq!(m.internet_gateway_route().map(|g| g.short_id()), Some("igw-9"));
        assert_eq!(m.routes[2].target, RouteTarget::NatGateway(cx().ec2_id("natgateway", "nat-1").unwrap()));
        assert_eq!(m.routes[2].state, RouteState::Blackhole);
        let kinds: Vec<_> = m.routes[3..].iter().map(|r| r.target.resource_type()).collect();
        assert_eq!(
            kinds,
            [Some("vpc-peering-connection"), Some("vpc-endpoint"), Some("network-interface"), Some("transit-gateway"), None]
        );
        assert_eq!(m.routes[4].target.id().unwrap().as_str(), "arn:aws:ec2:eu-west-1:123456789012:vpc-endpoint/vpce-7");
    }
}
