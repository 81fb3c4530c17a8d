//! `ec2:DescribeSubnets` -> `aws_ec2_subnet`.

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::Subnet;
use skywarden_graph::Resource;

use crate::aws::{classify, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_subnets().max_results(1000).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.subnets() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

pub fn map(cx: &MapCx, s: &sdk::Subnet) -> Result<Resource, CollectError> {
    let subnet_id = required(s.subnet_id(), "SubnetId")?;
    let model = Subnet {
        subnet_id: subnet_id.to_string(),
        vpc: cx.ec2_id("vpc", required(s.vpc_id(), "VpcId")?)?,
        cidr_block: s.cidr_block().map(str::to_string),
        availability_zone: s.availability_zone().map(str::to_string),
        map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
        default_for_az: s.default_for_az().unwrap_or(false),
    };
    Ok(Resource::new(cx.ec2_id("subnet", subnet_id)?, cx.account.clone(), cx.region.clone(), tags(s.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_a_subnet_with_its_vpc_reference() {
        let s = sdk::Subnet::builder()
            .subnet_id("subnet-1")
            .vpc_id("vpc-1")
            .cidr_block("10.0.1.0/24")
            .availability_zone("eu-west-1a")
            .map_public_ip_on_launch(true)
            .build();
        let r = map(&cx(), &s).unwrap();
        let m = r.model::<Subnet>().unwrap();
        assert_eq!(m.vpc.as_str(), "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1");
        assert!(m.map_public_ip_on_launch && !m.default_for_az);
        assert!(map(&cx(), &sdk::Subnet::builder().subnet_id("subnet-2").build()).is_err());
    }
}
