//! `ec2:DescribeSecurityGroups` -> `aws_ec2_security_group` (ingress and egress permissions).

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{IpProtocol, Permission, SecurityGroup};
use skywarden_graph::Resource;

use crate::aws::{classify, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_security_groups().max_results(1000).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.security_groups() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

fn permission(p: &sdk::IpPermission) -> Permission {
    Permission {
        protocol: IpProtocol::parse(p.ip_protocol().unwrap_or("-1")),
        from_port: p.from_port(),
        to_port: p.to_port(),
        ipv4_ranges: p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).map(str::to_string).collect(),
        ipv6_ranges: p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()).map(str::to_string).collect(),
        prefix_lists: p.prefix_list_ids().iter().filter_map(|r| r.prefix_list_id()).map(str::to_string).collect(),
        referenced_groups: p.user_id_group_pairs().iter().filter_map(|r| r.group_id()).map(str::to_string).collect(),
    }
}

pub fn map(cx: &MapCx, g: &sdk::SecurityGroup) -> Result<Resource, CollectError> {
    let id = required(g.group_id(), "GroupId")?;
    let model = SecurityGroup {
        group_id: id.to_string(),
        group_name: g.group_name().unwrap_or_default().to_string(),
        description: g.description().map(str::to_string),
        vpc: g.vpc_id().map(|v| cx.ec2_id("vpc", v)).transpose()?,
        ingress: g.ip_permissions().iter().map(permission).collect(),
        egress: g.ip_permissions_egress().iter().map(permission).collect(),
    };
    Ok(Resource::new(cx.ec2_id("security-group", id)?, cx.account.clone(), cx.region.clone(), tags(g.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_permissions() {
        let g = sdk::SecurityGroup::builder()
            .group_id("sg-1")
            .group_name("gov-euw1-sg-ssh-world-00001")
            .vpc_id("vpc-1")
            .ip_permissions(
                sdk::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(22)
                    .to_port(22)
                    .ip_ranges(sdk::IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .ipv6_ranges(sdk::Ipv6Range::builder().cidr_ipv6("::/0").build())
                    .build(),
            )
            .ip_permissions(
                sdk::IpPermission::builder()
                    .ip_protocol("-1")
                    .user_id_group_pairs(sdk::UserIdGroupPair::builder().group_id("sg-2").build())
                    .build(),
            )
            .build();
        let r = map(&cx(), &g).unwrap();
        let m = r.model::<SecurityGroup>().unwrap();
        assert_eq!(m.ingress.len(), 2);
        assert_eq!(m.ingress[0].protocol, IpProtocol::Tcp);
        assert_eq!(m.ingress[0].world_sources(), ["0.0.0.0/0", "::/0"]);
        assert_eq!(m.ingress[1].protocol, IpProtocol::All);
        assert_eq!(m.ingress[1].referenced_groups, ["sg-2"]);
        assert!(!m.ingress[1].is_world_open());
        assert_eq!(m.world_open_ingress(22).count(), 1);
    }
}
