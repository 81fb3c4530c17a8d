//! `aws.ec2.vpc_peering_routes_too_broad`: a route to a VPC peering connection whose
//! destination reaches beyond the peer VPC's CIDR blocks (CIS 5.5, "least access" routing).

use std::net::{Ipv4Addr, Ipv6Addr};

use skywarden_graph::model::{RouteTable, RouteTarget, VpcPeeringConnection};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.vpc_peering_routes_too_broad",
        title: "Route to a VPC peering connection is wider than the peer VPC",
        description: "An active route of the table sends a destination to a peering connection \
                      that is not contained in any CIDR block of the VPC on the other side (e.g. \
                      10.0.0.0/8 or 0.0.0.0/0 for a 10.1.0.0/16 peer): the table claims more of \
                      the address space than the peering can reach, hiding mistakes and widening \
                      what a future peer CIDR exposes. A route to the whole peer CIDR or a part of \
                      it passes (CIS 5.5 also asks to review whole-VPC routes; that is a manual \
                      judgement). IPv6 destinations are compared with the peer's IPv6 blocks. \
                      Nothing is reported when the peering connection, the peer side or its \
                      CIDR blocks are unknown. One finding per (route table, peering connection).",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2RouteTable, ResourceKind::AwsEc2VpcPeeringConnection],
        remediation: "Replace the route with routes to the peer subnets (or hosts) that need to \
                      be reached: `aws ec2 delete-route --route-table-id <id> \
                      --destination-cidr-block <wide>` then `aws ec2 create-route ... \
                      --vpc-peering-connection-id <pcx>` per narrow destination.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.5" }],
    },
    eval,
};

/// `(network, prefix length)` of an IPv4 or IPv6 CIDR, as a 128-bit value (IPv4 in the low
/// 32 bits, prefix offset so the families never compare equal).
fn parse_cidr(s: &str) -> Option<(bool, u128, u32)> {
    let (addr, len) = s.split_once('/')?;
    let len: u32 = len.parse().ok()?;
    if let Ok(a) = addr.parse::<Ipv4Addr>() {
        (len <= 32).then(|| (false, u128::from(u32::from(a)), len))
    } else {
        let a = addr.parse::<Ipv6Addr>().ok()?;
        (len <= 128).then(|| (true, u128::from(a), len))
    }
}

/// Whether CIDR `inner` lies inside CIDR `outer` (same family). `None` if either is unparsable.
fn contained(inner: &str, outer: &str) -> Option<bool> {
    let (v6_in, a_in, l_in) = parse_cidr(inner)?;
    let (v6_out, a_out, l_out) = parse_cidr(outer)?;
    if v6_in != v6_out {
        return Some(false);
    }
    let width = if v6_in { 128 } else { 32 };
    let shift = width - l_out;
    let same = if shift >= 128 { true } else { (a_in >> shift) == (a_out >> shift) };
    Some(l_in >= l_out && same)
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (r, t) in cx.inventory.of_kind::<RouteTable>() {
        let mut by_peering: Vec<(&skywarden_graph::ResourceId, Vec<String>)> = Vec::new();
        for route in t.routes.iter().filter(|r| r.is_active()) {
            let RouteTarget::VpcPeeringConnection(pcx) = &route.target else { continue };
            let Some(p) = cx.inventory.get(pcx).and_then(|x| x.model::<VpcPeeringConnection>()) else { continue };
            let Some(peer) = p.peer_of(&t.vpc) else { continue };
            let checks = [(&route.destination_cidr, &peer.cidr_blocks), (&route.destination_ipv6_cidr, &peer.ipv6_cidr_blocks)];
            for (dest, blocks) in checks {
                let Some(dest) = dest.as_deref() else { continue };
                if blocks.is_empty() {
                    continue;
                }
                let results: Vec<Option<bool>> = blocks.iter().map(|b| contained(dest, b)).collect();
                if results.iter().any(Option::is_none) || results.contains(&Some(true)) {
                    continue; // unparsable: unknown, never a finding; contained: fine
                }
                match by_peering.iter_mut().find(|(id, _)| *id == pcx) {
                    Some((_, d)) => d.push(dest.to_string()),
                    None => by_peering.push((pcx, vec![dest.to_string()])),
                }
            }
        }
        for (pcx, broad_destinations) in by_peering {
            let Some(p) = cx.inventory.get(pcx).and_then(|x| x.model::<VpcPeeringConnection>()) else { continue };
            let peer = p.peer_of(&t.vpc);
            let evidence = Evidence::PeeringRoutesTooBroad {
                peering_connection: pcx.clone(),
                peer_vpc: peer.and_then(|s| s.vpc.clone()),
                peer_cidr_blocks: peer.map(|s| [s.cidr_blocks.clone(), s.ipv6_cidr_blocks.clone()].concat()).unwrap_or_default(),
                broad_destinations,
            };
            out.push(Finding::new(&RULE.meta, r, pcx.short_id(), evidence));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{PeeringStatus, PeeringVpc, Route, RouteState};
    use skywarden_graph::Resource;

    use super::*;
    use crate::catalog::testkit::{ec2_id, eval_rule, resource};

    fn peering() -> Resource {
        let side = |vpc: &str, cidr: &str| PeeringVpc {
            vpc_id: Some(vpc.into()),
            owner_id: Some("123456789012".into()),
            region: Some("us-east-1".parse().unwrap()),
            vpc: Some(ec2_id("vpc", vpc)),
            cidr_blocks: vec![cidr.into()],
            ipv6_cidr_blocks: vec!["2600:1f18:1::/56".into()],
        };
        resource(
            ec2_id("vpc-peering-connection", "pcx-1"),
            VpcPeeringConnection {
                vpc_peering_connection_id: "pcx-1".into(),
                status: PeeringStatus::Active,
                status_message: None,
                requester: side("vpc-1", "10.0.0.0/16"),
                accepter: side("vpc-2", "10.1.0.0/16"),
                expiration_time: None,
            },
        )
    }

    fn table(dests: &[(&str, bool)]) -> Resource {
        resource(
            ec2_id("route-table", "rtb-1"),
            RouteTable {
                route_table_id: "rtb-1".into(),
                vpc: ec2_id("vpc", "vpc-1"),
                main: false,
                subnets: vec![],
                routes: dests
                    .iter()
                    .map(|(d, v6)| Route {
                        destination_cidr: (!v6).then(|| d.to_string()),
                        destination_ipv6_cidr: v6.then(|| d.to_string()),
                        destination_prefix_list: None,
                        target: RouteTarget::VpcPeeringConnection(ec2_id("vpc-peering-connection", "pcx-1")),
                        state: RouteState::Active,
                    })
                    .collect(),
            },
        )
    }

    #[test]
    fn fires_on_destinations_wider_than_the_peer() {
        let findings =
            eval_rule(&RULE, vec![peering(), table(&[("10.0.0.0/8", false), ("10.1.2.0/24", false), ("::/0", true)])]);
        assert_eq!(findings.len(), 1);
        let Evidence::PeeringRoutesTooBroad { peering_connection, peer_vpc, broad_destinations, peer_cidr_blocks } =
            &findings[0].evidence
        else {
            panic!("{:?}", findings[0].evidence)
        };
        assert_eq!(peering_connection.short_id(), "pcx-1");
        assert_eq!(peer_vpc.as_ref().map(|v| v.short_id()), Some("vpc-2"));
        assert_eq!(broad_destinations, &["10.0.0.0/8", "::/0"]);
        assert_eq!(peer_cidr_blocks[0], "10.1.0.0/16");
    }

    #[test]
    fn passes_on_the_peer_cidr_or_narrower_and_on_unknown_peers() {
        let ok = vec![
            peering(),
            table(&[("10.1.0.0/16", false), ("10.1.7.9/32", false), ("2600:1f18:1:5::/64", true)]),
        ];
        assert!(eval_rule(&RULE, ok).is_empty());
        // The peering connection is not in the inventory: unknown, no finding.
        assert!(eval_rule(&RULE, vec![table(&[("0.0.0.0/0", false)])]).is_empty());
        assert_eq!(contained("10.1.0.0/16", "0.0.0.0/0"), Some(true));
        assert_eq!(contained("0.0.0.0/0", "10.1.0.0/16"), Some(false));
        assert_eq!(contained("nonsense", "10.1.0.0/16"), None);
    }
}
