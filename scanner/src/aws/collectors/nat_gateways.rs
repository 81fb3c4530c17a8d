//! `ec2:DescribeNatGateways` -> `aws_ec2_nat_gateway`.

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{ConnectivityType, NatGateway, NatGatewayAddress, NatGatewayState};
use skywarden_graph::Resource;

use crate::aws::{classify, datetime, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_nat_gateways().max_results(1000).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.nat_gateways() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

fn state(s: Option<&sdk::NatGatewayState>) -> NatGatewayState {
    match s {
        Some(sdk::NatGatewayState::Pending) => NatGatewayState::Pending,
        Some(sdk::NatGatewayState::Failed) => NatGatewayState::Failed,
        Some(sdk::NatGatewayState::Available) => NatGatewayState::Available,
        Some(sdk::NatGatewayState::Deleting) => NatGatewayState::Deleting,
        Some(sdk::NatGatewayState::Deleted) => NatGatewayState::Deleted,
        _ => NatGatewayState::Unknown,
    }
}

pub fn map(cx: &MapCx, n: &sdk::NatGateway) -> Result<Resource, CollectError> {
    let id = required(n.nat_gateway_id(), "NatGatewayId")?;
    let opt_id = |t: &str, v: Option<&str>| v.filter(|s| !s.is_empty()).map(|v| cx.ec2_id(t, v)).transpose();
    let addresses = n
        .nat_gateway_addresses()
        .iter()
        .map(|a| {
            Ok(NatGatewayAddress {
                public_ip: a.public_ip().map(str::to_string),
                private_ip: a.private_ip().map(str::to_string),
                allocation: opt_id("elastic-ip", a.allocation_id())?,
                network_interface: opt_id("network-interface", a.network_interface_id())?,
                // Older responses carry no IsPrimary; a single address is the primary one.
                is_primary: a.is_primary().unwrap_or(n.nat_gateway_addresses().len() == 1),
            })
        })
        .collect::<Result<Vec<_>, CollectError>>()?;
    let model = NatGateway {
        nat_gateway_id: id.to_string(),
        state: state(n.state()),
        vpc: cx.ec2_id("vpc", required(n.vpc_id(), "VpcId")?)?,
        subnet: cx.ec2_id("subnet", required(n.subnet_id(), "SubnetId")?)?,
        connectivity_type: match n.connectivity_type() {
            Some(sdk::ConnectivityType::Private) => ConnectivityType::Private,
            _ => ConnectivityType::Public,
        },
        addresses,
        create_time: datetime(n.create_time()),
    };
    Ok(Resource::new(cx.ec2_id("natgateway", id)?, cx.account.clone(), cx.region.clone(), tags(n.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_a_public_nat_gateway() {
        let n = sdk::NatGateway::builder()
            .nat_gateway_id("nat-1")
            .state(sdk::NatGatewayState::Available)
            .vpc_id("vpc-1")
            .subnet_id("subnet-1")
            .nat_gateway_addresses(
                sdk::NatGatewayAddress::builder()
                    .public_ip("198.51.100.4")
                    .private_ip("10.0.0.9")
                    .allocation_id("eipalloc-1")
                    .network_interface_id("eni-9")
                    .build(),
            )
            .build();
        let r = map(&cx(), &n).unwrap();
        assert_eq!(r.id.to_string(), "arn:aws:ec2:eu-west-1:123456789012:natgateway/nat-1");
        let m = r.model::<NatGateway>().unwrap();
        assert_eq!((m.state, m.connectivity_type), (NatGatewayState::Available, ConnectivityType::Public));
        let a = &m.addresses[0];
        assert!(a.is_primary);
        assert_eq!(a.allocation.as_ref().unwrap().short_id(), "eipalloc-1");
        assert_eq!(m.network_interfaces().next().unwrap().short_id(), "eni-9");
    }
}
