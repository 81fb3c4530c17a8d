//! `ec2:DescribeVpcPeeringConnections` -> `aws_ec2_vpc_peering_connection`.

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{PeeringStatus, PeeringVpc, VpcPeeringConnection};
use skywarden_graph::{Region, Resource, ResourceId};

use crate::aws::{classify, datetime, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_vpc_peering_connections().max_results(1000).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.vpc_peering_connections() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

fn side(cx: &MapCx, v: Option<&sdk::VpcPeeringConnectionVpcInfo>) -> PeeringVpc {
    let v = v.cloned().unwrap_or_else(|| sdk::VpcPeeringConnectionVpcInfo::builder().build());
    // A side's own region and owner, defaulting to the scanned ones (same-region, same-account
    // peering responses may leave them out); an unusable value leaves the side without an ARN.
    let region: Option<Region> = v.region().and_then(|r| r.parse().ok()).or_else(|| Some(cx.region.clone()));
    let owner = v.owner_id().map(str::to_string).or_else(|| Some(cx.account.to_string()));
    let vpc = match (v.vpc_id().filter(|s| !s.is_empty()), &region, owner.as_deref().and_then(|o| o.parse().ok())) {
        (Some(id), Some(r), Some(a)) => ResourceId::ec2(r, &a, "vpc", id).ok(),
        _ => None,
    };
    let mut cidr_blocks: Vec<String> = v.cidr_block().map(str::to_string).into_iter().collect();
    for c in v.cidr_block_set().iter().filter_map(|c| c.cidr_block()) {
        if !cidr_blocks.iter().any(|x| x == c) {
            cidr_blocks.push(c.to_string());
        }
    }
    PeeringVpc {
        vpc_id: v.vpc_id().map(str::to_string),
        owner_id: owner,
        region,
        vpc,
        cidr_blocks,
        ipv6_cidr_blocks: v.ipv6_cidr_block_set().iter().filter_map(|c| c.ipv6_cidr_block()).map(str::to_string).collect(),
    }
}

pub fn map(cx: &MapCx, p: &sdk::VpcPeeringConnection) -> Result<Resource, CollectError> {
    let id = required(p.vpc_peering_connection_id(), "VpcPeeringConnectionId")?;
    let model = VpcPeeringConnection {
        vpc_peering_connection_id: id.to_string(),
        status: p
            .status()
            .and_then(|s| s.code())
            .map_or(PeeringStatus::Unknown, |c| PeeringStatus::parse(c.as_str())),
        status_message: p.status().and_then(|s| s.message()).map(str::to_string),
        requester: side(cx, p.requester_vpc_info()),
        accepter: side(cx, p.accepter_vpc_info()),
        expiration_time: datetime(p.expiration_time()),
    };
    Ok(Resource::new(cx.ec2_id("vpc-peering-connection", id)?, cx.account.clone(), cx.region.clone(), tags(p.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_a_cross_account_cross_region_peering() {
        let p = sdk::VpcPeeringConnection::builder()
            .vpc_peering_connection_id("pcx-1")
            .status(sdk::VpcPeeringConnectionStateReason::builder().code(sdk::VpcPeeringConnectionStateReasonCode::Active).message("Active").build())
            .requester_vpc_info(
                sdk::VpcPeeringConnectionVpcInfo::builder()
                    .vpc_id("vpc-a")
                    .owner_id("123456789012")
                    .region("eu-west-1")
                    .cidr_block("10.0.0.0/16")
                    .cidr_block_set(sdk::CidrBlock::builder().cidr_block("10.0.0.0/16").build())
                    .cidr_block_set(sdk::CidrBlock::builder().cidr_block("10.9.0.0/16").build())
                    .build(),
            )
            .accepter_vpc_info(
                sdk::VpcPeeringConnectionVpcInfo::builder()
                    .vpc_id("vpc-b")
                    .owner_id("210987654321")
                    .region("us-east-1")
                    .cidr_block("172.16.0.0/16")
                    .ipv6_cidr_block_set(sdk::Ipv6CidrBlock::builder().ipv6_cidr_block("2600:1f18::/56").build())
                    .build(),
            )
            .build();
        let r = map(&cx(), &p).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:ec2:eu-west-1:123456789012:vpc-peering-connection/pcx-1");
        let m = r.model::<VpcPeeringConnection>().unwrap();
        assert_eq!(m.status, PeeringStatus::Active);
        assert_eq!(m.requester.cidr_blocks, ["10.0.0.0/16", "10.9.0.0/16"]);
        assert_eq!(m.accepter.vpc.as_ref().unwrap().as_str(), "arn:aws:ec2:us-east-1:210987654321:vpc/vpc-b");
        assert_eq!(m.accepter.ipv6_cidr_blocks, ["2600:1f18::/56"]);
    }

    #[test]
    fn missing_sides_and_status_do_not_panic() {
        let r = map(&cx(), &sdk::VpcPeeringConnection::builder().vpc_peering_connection_id("pcx-2").build()).unwrap();
        let m = r.model::<VpcPeeringConnection>().unwrap();
        assert_eq!(m.status, PeeringStatus::Unknown);
        assert!(m.requester.vpc.is_none() && m.accepter.cidr_blocks.is_empty());
        assert!(m.references().is_empty());
    }
}
