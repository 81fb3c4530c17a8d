//! `ec2:DescribeVpcs` -> `aws_ec2_vpc`.

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::Vpc;
use skywarden_graph::Resource;

use crate::aws::{classify, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_vpcs().max_results(1000).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.vpcs() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

pub fn map(cx: &MapCx, v: &sdk::Vpc) -> Result<Resource, CollectError> {
    let vpc_id = required(v.vpc_id(), "VpcId")?;
    let model = Vpc {
        vpc_id: vpc_id.to_string(),
        cidr_block: v.cidr_block().map(str::to_string),
        is_default: v.is_default().unwrap_or(false),
        state: v.state().map(|s| s.as_str().to_string()),
    };
    Ok(Resource::new(cx.ec2_id("vpc", vpc_id)?, cx.account.clone(), cx.region.clone(), tags(v.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::{cx, tag};

    #[test]
    fn maps_a_vpc() {
        let v = sdk::Vpc::builder()
            .vpc_id("vpc-0a1")
            .cidr_block("10.1.0.0/16")
            .is_default(false)
            .state(sdk::VpcState::Available)
            .tags(tag("Name", "gov-euw1-vpc-0001"))
            .build();
        let r = map(&cx(), &v).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0a1");
        assert_eq!(r.name.as_deref(), Some("gov-euw1-vpc-0001"));
        let m = r.model::<Vpc>().unwrap();
        assert_eq!(m.cidr_block.as_deref(), Some("10.1.0.0/16"));
        assert_eq!(m.state.as_deref(), Some("available"));
        assert!(!m.is_default);
    }

    #[test]
    fn missing_id_is_a_decode_error() {
        let err = map(&cx(), &sdk::Vpc::builder().build()).unwrap_err();
        assert_eq!(err.class, skywarden_graph::ErrorClass::Decode);
    }
}
