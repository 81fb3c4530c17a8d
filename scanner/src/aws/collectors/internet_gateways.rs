//! `ec2:DescribeInternetGateways` -> `aws_ec2_internet_gateway`.

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::InternetGateway;
use skywarden_graph::Resource;

use crate::aws::{classify, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_internet_gateways().max_results(1000).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.internet_gateways() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

pub fn map(cx: &MapCx, g: &sdk::InternetGateway) -> Result<Resource, CollectError> {
    let id = required(g.internet_gateway_id(), "InternetGatewayId")?;
    // EC2 reports an attached gateway's attachment as "available"; detached ones drop out.
    let attached_vpcs = g
        .attachments()
        .iter()
        .filter(|a| !matches!(a.state(), Some(sdk::AttachmentStatus::Detached | sdk::AttachmentStatus::Detaching)))
        .filter_map(|a| a.vpc_id())
        .map(|v| cx.ec2_id("vpc", v))
        .collect::<Result<Vec<_>, _>>()?;
    let model = InternetGateway { internet_gateway_id: id.to_string(), attached_vpcs };
    Ok(Resource::new(cx.ec2_id("internet-gateway", id)?, cx.account.clone(), cx.region.clone(), tags(g.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn keeps_only_live_attachments() {
        let att = |vpc: &str, st: &str| sdk::InternetGatewayAttachment::builder().vpc_id(vpc).state(st.into()).build();
        let g = sdk::InternetGateway::builder()
            .internet_gateway_id("igw-1")
            .attachments(att("vpc-1", "available"))
            .attachments(att("vpc-2", "detached"))
            .build();
        let r = map(&cx(), &g).unwrap();
        let m = r.model::<InternetGateway>().unwrap();
        assert_eq!(m.attached_vpcs.iter().map(|v| v.short_id()).collect::<Vec<_>>(), ["vpc-1"]);
    }
}
