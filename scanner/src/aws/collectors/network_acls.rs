//! `ec2:DescribeNetworkAcls` -> `aws_ec2_network_acl` (entries and subnet associations).

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{AclAction, AclEntry, IcmpTypeCode, IpProtocol, NetworkAcl, PortRange};
use skywarden_graph::Resource;

use crate::aws::{classify, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_network_acls().max_results(100).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.network_acls() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

fn entry(e: &sdk::NetworkAclEntry) -> Result<AclEntry, CollectError> {
    Ok(AclEntry {
        rule_number: e.rule_number().ok_or_else(|| CollectError::decode("RuleNumber missing from response"))?,
        egress: e.egress().unwrap_or(false),
        protocol: IpProtocol::parse(e.protocol().unwrap_or("-1")),
        action: match e.rule_action() {
            Some(sdk::RuleAction::Allow) => AclAction::Allow,
            // Anything else (deny or an unknown value) is treated as the safe reading.
            _ => AclAction::Deny,
        },
        cidr_ipv4: e.cidr_block().map(str::to_string),
        cidr_ipv6: e.ipv6_cidr_block().map(str::to_string),
        port_range: e.port_range().and_then(|p| Some(PortRange { from: p.from()?, to: p.to()? })),
        icmp: e.icmp_type_code().and_then(|i| Some(IcmpTypeCode { icmp_type: i.r#type()?, code: i.code()? })),
    })
}

pub fn map(cx: &MapCx, a: &sdk::NetworkAcl) -> Result<Resource, CollectError> {
    let id = required(a.network_acl_id(), "NetworkAclId")?;
    let mut subnets = a
        .associations()
        .iter()
        .filter_map(|s| s.subnet_id())
        .map(|s| cx.ec2_id("subnet", s))
        .collect::<Result<Vec<_>, _>>()?;
    subnets.sort();
    subnets.dedup();
    let model = NetworkAcl {
        network_acl_id: id.to_string(),
        vpc: cx.ec2_id("vpc", required(a.vpc_id(), "VpcId")?)?,
        is_default: a.is_default().unwrap_or(false),
        entries: a.entries().iter().map(entry).collect::<Result<_, _>>()?,
        subnets,
    };
    Ok(Resource::new(cx.ec2_id("network-acl", id)?, cx.account.clone(), cx.region.clone(), tags(a.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    fn e(n: i32, egress: bool, proto: &str, action: sdk::RuleAction, cidr: &str) -> sdk::builders::NetworkAclEntryBuilder {
        sdk::NetworkAclEntry::builder().rule_number(n).egress(egress).protocol(proto).rule_action(action).cidr_block(cidr)
    }

    #[test]
    fn maps_entries_and_associations_and_evaluates() {
        let a = sdk::NetworkAcl::builder()
            .network_acl_id("acl-1")
            .vpc_id("vpc-1")
            .is_default(false)
            .associations(sdk::NetworkAclAssociation::builder().subnet_id("subnet-1").build())
            .entries(e(100, false, "6", sdk::RuleAction::Allow, "0.0.0.0/0").port_range(sdk::PortRange::builder().from(22).to(22).build()).build())
            .entries(e(90, false, "6", sdk::RuleAction::Deny, "0.0.0.0/0").port_range(sdk::PortRange::builder().from(3389).to(3389).build()).build())
            .entries(e(110, false, "1", sdk::RuleAction::Allow, "0.0.0.0/0").icmp_type_code(sdk::IcmpTypeCode::builder().r#type(8).code(0).build()).build())
            .entries(e(32767, false, "-1", sdk::RuleAction::Deny, "0.0.0.0/0").build())
            .entries(e(100, true, "-1", sdk::RuleAction::Allow, "0.0.0.0/0").build())
            .build();
        let r = map(&cx(), &a).unwrap();
        let m = r.model::<NetworkAcl>().unwrap();
        assert_eq!(m.subnets[0].short_id(), "subnet-1");
        assert_eq!(m.entries.len(), 5);
        assert_eq!(m.entries[0].port_range, Some(PortRange { from: 22, to: 22 }));
        assert_eq!(m.entries[2].icmp, Some(IcmpTypeCode { icmp_type: 8, code: 0 }));
        assert!(m.allows_world_ingress_tcp(22));
        assert!(!m.allows_world_ingress_tcp(3389));
        assert!(!m.allows_world_ingress_tcp(80));
    }
}
