//! `aws.ec2.nat_gateway_without_private_workloads`: an available NAT gateway that no workload
//! routes through, billed by the hour all the same.

use std::collections::BTreeSet;

use skywarden_graph::model::{
    Instance, InstanceState, NatGateway, NatGatewayState, NetworkInterface, NetworkInterfaceStatus, RouteTable, Subnet,
    VpcEndpoint,
};
use skywarden_graph::topology::effective_route_table;
use skywarden_graph::{ResourceId, ResourceKind};

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.nat_gateway_without_private_workloads",
        title: "NAT gateway serves no workloads",
        description: "The NAT gateway is `available` and no subnet with a workload sends traffic \
                      to it. Precisely: the subnets it serves are those whose effective route \
                      table (the explicitly associated one, else the VPC's main table) has an \
                      active route (any destination) to the gateway; a subnet has a workload when \
                      it holds an instance that is not terminated or shutting down, or a network \
                      interface that is in use, is not AWS service plumbing (NAT gateway, VPC \
                      endpoint, load balancer, transit gateway interfaces) and is not a NAT \
                      gateway's or VPC endpoint's own interface. A gateway no route table routes \
                      to serves no subnet. The gateway is billed per hour whether or not traffic \
                      flows; the finding carries the monthly hours from the price table (data \
                      processing is usage-based and not estimated).",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[
            ResourceKind::AwsEc2NatGateway,
            ResourceKind::AwsEc2RouteTable,
            ResourceKind::AwsEc2Subnet,
            ResourceKind::AwsEc2Instance,
            ResourceKind::AwsEc2NetworkInterface,
            ResourceKind::AwsEc2VpcEndpoint,
        ],
        remediation: "If nothing will use it, delete it (`aws ec2 delete-nat-gateway \
                      --nat-gateway-id <id>`) and release its Elastic IP; otherwise point the \
                      private subnets' route tables at it.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    let inv = cx.inventory;
    // Interfaces that belong to a NAT gateway or VPC endpoint (moto types endpoint interfaces
    // `interface`, so the type alone does not tell).
    let mut plumbing: BTreeSet<&ResourceId> = BTreeSet::new();
    for (_, n) in inv.of_kind::<NatGateway>() {
        plumbing.extend(n.network_interfaces());
    }
    for (_, e) in inv.of_kind::<VpcEndpoint>() {
        plumbing.extend(&e.network_interfaces);
    }
    let mut with_workloads: BTreeSet<&ResourceId> = BTreeSet::new();
    for (_, i) in inv.of_kind::<Instance>() {
        if !matches!(i.state, InstanceState::Terminated | InstanceState::ShuttingDown) {
            with_workloads.extend(&i.subnet);
        }
    }
    for (r, e) in inv.of_kind::<NetworkInterface>() {
        let in_use = e.status != NetworkInterfaceStatus::Available;
        if in_use && !e.is_service_plumbing() && !plumbing.contains(&r.id) {
            with_workloads.extend(&e.subnet);
        }
    }
    inv.of_kind::<NatGateway>()
        .filter(|(_, n)| n.state == NatGatewayState::Available)
        .filter_map(|(r, n)| {
            let routed_by: Vec<ResourceId> = inv
                .of_kind::<RouteTable>()
                .filter(|(_, t)| t.active_routes_to(&r.id).next().is_some())
                .map(|(t, _)| t.id.clone())
                .collect();
            let served_subnets: Vec<ResourceId> = inv
                .of_kind::<Subnet>()
                .filter(|(s, _)| effective_route_table(inv, &s.id).is_some_and(|(t, _)| routed_by.contains(t)))
                .map(|(s, _)| s.id.clone())
                .collect();
            if served_subnets.iter().any(|s| with_workloads.contains(s)) {
                return None;
            }
            let evidence =
                Evidence::IdleNatGateway { connectivity_type: n.connectivity_type, routed_by, served_subnets };
            let finding = Finding::new(&RULE.meta, r, "", evidence);
            Some(match cx.pricing.nat_gateway_monthly(&r.region) {
                Some((usd, basis)) => finding.with_cost(usd, basis),
                None => finding,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{
        ConnectivityType, InterfaceType, NatGatewayAddress, Properties, Route, RouteState, RouteTarget,
    };
    use skywarden_graph::Resource;

    use super::*;
    use crate::catalog::testkit::{ec2_id, eval_rule, instance, network, resource};

    /// [`network`] plus NAT gateway `nat-1` (in subnet-pub, interface eni-nat) and a route
    /// `0.0.0.0/0 -> nat-1` in the main table, which subnet-priv uses.
    fn estate() -> Vec<Resource> {
        let mut rs = network(true);
        for r in &mut rs {
            if let Properties::AwsEc2RouteTable(t) = &mut r.properties {
                if t.main {
                    t.routes.push(Route {
                        destination_cidr: Some("0.0.0.0/0".into()),
                        destination_ipv6_cidr: None,
                        destination_prefix_list: None,
                        target: RouteTarget::NatGateway(ec2_id("natgateway", "nat-1")),
                        state: RouteState::Active,
                    });
                }
            }
        }
        rs.push(resource(
            ec2_id("natgateway", "nat-1"),
            NatGateway {
                nat_gateway_id: "nat-1".into(),
                state: NatGatewayState::Available,
                vpc: ec2_id("vpc", "vpc-1"),
                subnet: ec2_id("subnet", "subnet-pub"),
                connectivity_type: ConnectivityType::Public,
                addresses: vec![NatGatewayAddress {
                    public_ip: Some("198.51.100.4".into()),
                    private_ip: None,
                    allocation: None,
                    network_interface: Some(ec2_id("network-interface", "eni-nat")),
                    is_primary: true,
                }],
                create_time: None,
            },
        ));
        rs.push(eni("eni-nat", "subnet-pub", InterfaceType::NatGateway));
        rs
    }

    fn eni(id: &str, subnet: &str, interface_type: InterfaceType) -> Resource {
        resource(
            ec2_id("network-interface", id),
            NetworkInterface {
                network_interface_id: id.into(),
                interface_type,
                status: NetworkInterfaceStatus::InUse,
                requester_managed: false,
                requester_id: None,
                description: None,
                vpc: Some(ec2_id("vpc", "vpc-1")),
                subnet: Some(ec2_id("subnet", subnet)),
                availability_zone: None,
                security_groups: vec![],
                private_ips: vec![],
                public_ip: None,
                attachment: None,
            },
        )
    }

    #[test]
    fn fires_when_the_served_subnets_are_empty_with_the_hourly_cost() {
        // A workload in the public subnet does not use the NAT gateway (its table goes to the IGW).
        let mut rs = estate();
        rs.push(instance("i-pub", |i| i.subnet = Some(ec2_id("subnet", "subnet-pub"))));
        let findings = eval_rule(&RULE, rs);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.category, Category::Cost);
        assert!(f.monthly_cost_usd.is_some_and(|c| c > 30.0 && c < 40.0), "{:?}", f.monthly_cost_usd);
        assert_eq!(f.pricing_basis.as_ref().unwrap().price_key, "vpc:nat-gateway:us-east-1:hour");
        let Evidence::IdleNatGateway { routed_by, served_subnets, connectivity_type } = &f.evidence else {
            panic!("{:?}", f.evidence)
        };
        assert_eq!(*connectivity_type, ConnectivityType::Public);
        assert_eq!(routed_by.iter().map(|t| t.short_id()).collect::<Vec<_>>(), ["rtb-main"]);
        assert_eq!(served_subnets.iter().map(|s| s.short_id()).collect::<Vec<_>>(), ["subnet-priv"]);
        // An interface that is a VPC endpoint's own (typed `interface`, as moto does) is no workload.
        let mut rs = estate();
        rs.push(eni("eni-ep", "subnet-priv", InterfaceType::Interface));
        rs.push(resource(
            ec2_id("vpc-endpoint", "vpce-1"),
            VpcEndpoint {
                vpc_endpoint_id: "vpce-1".into(),
                endpoint_type: skywarden_graph::model::VpcEndpointType::Interface,
                service_name: None,
                vpc: ec2_id("vpc", "vpc-1"),
                state: skywarden_graph::model::VpcEndpointState::Available,
                route_tables: vec![],
                subnets: vec![ec2_id("subnet", "subnet-priv")],
                security_groups: vec![],
                network_interfaces: vec![ec2_id("network-interface", "eni-ep")],
                private_dns_enabled: false,
                dns_names: vec![],
                policy: None,
                policy_error: None,
                owner_id: None,
                requester_managed: false,
                creation_time: None,
            },
        ));
        assert_eq!(eval_rule(&RULE, rs).len(), 1);
    }

    #[test]
    fn passes_when_a_served_subnet_has_a_workload_or_the_gateway_is_not_available() {
        let mut rs = estate();
        rs.push(instance("i-priv", |i| {
            i.subnet = Some(ec2_id("subnet", "subnet-priv"));
            i.state = InstanceState::Stopped;
        }));
        assert!(eval_rule(&RULE, rs).is_empty());
        let mut rs = estate();
        rs.push(eni("eni-lambda", "subnet-priv", InterfaceType::Lambda));
        assert!(eval_rule(&RULE, rs).is_empty());
        let mut rs = estate();
        for r in &mut rs {
            if let Properties::AwsEc2NatGateway(n) = &mut r.properties {
                n.state = NatGatewayState::Deleted;
            }
        }
        assert!(eval_rule(&RULE, rs).is_empty());
    }
}
