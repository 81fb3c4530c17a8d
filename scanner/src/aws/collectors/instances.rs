//! `ec2:DescribeInstances` -> `aws_ec2_instance` (every instance of every reservation).

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{HttpTokens, Instance, InstanceState, MetadataOptions};
use skywarden_graph::Resource;

use crate::aws::{classify, datetime, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_instances().max_results(1000).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for reservation in page.map_err(classify)?.reservations() {
            for item in reservation.instances() {
                out.push(map(&cx.map, item)?).await;
            }
        }
    }
    Ok(())
}

fn state(s: Option<&sdk::InstanceStateName>) -> InstanceState {
    match s {
        Some(sdk::InstanceStateName::Pending) => InstanceState::Pending,
        Some(sdk::InstanceStateName::Running) => InstanceState::Running,
        Some(sdk::InstanceStateName::ShuttingDown) => InstanceState::ShuttingDown,
        Some(sdk::InstanceStateName::Terminated) => InstanceState::Terminated,
        Some(sdk::InstanceStateName::Stopping) => InstanceState::Stopping,
        Some(sdk::InstanceStateName::Stopped) => InstanceState::Stopped,
        _ => InstanceState::Unknown,
    }
}

pub fn map(cx: &MapCx, i: &sdk::Instance) -> Result<Resource, CollectError> {
    let id = required(i.instance_id(), "InstanceId")?;
    let md = i.metadata_options();
    let metadata = MetadataOptions {
        http_tokens: md.and_then(|m| m.http_tokens()).and_then(|t| match t {
            sdk::HttpTokensState::Optional => Some(HttpTokens::Optional),
            sdk::HttpTokensState::Required => Some(HttpTokens::Required),
            _ => None,
        }),
        // EC2 omits HttpEndpoint only when it is the default, "enabled".
        http_endpoint_enabled: !matches!(
            md.and_then(|m| m.http_endpoint()),
            Some(sdk::InstanceMetadataEndpointState::Disabled)
        ),
        http_put_response_hop_limit: md.and_then(|m| m.http_put_response_hop_limit()),
    };
    let mut security_groups = i
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id())
        .map(|g| cx.ec2_id("security-group", g))
        .collect::<Result<Vec<_>, _>>()?;
    security_groups.sort();
    security_groups.dedup();
    let volumes = i
        .block_device_mappings()
        .iter()
        .filter_map(|b| b.ebs().and_then(|e| e.volume_id()))
        .map(|v| cx.ec2_id("volume", v))
        .collect::<Result<Vec<_>, _>>()?;
    let model = Instance {
        instance_id: id.to_string(),
        instance_type: i.instance_type().map(|t| t.as_str().to_string()),
        state: state(i.state().and_then(|s| s.name())),
        vpc: i.vpc_id().map(|v| cx.ec2_id("vpc", v)).transpose()?,
        subnet: i.subnet_id().filter(|s| !s.is_empty()).map(|s| cx.ec2_id("subnet", s)).transpose()?,
        private_ip: i.private_ip_address().map(str::to_string),
        public_ip: i.public_ip_address().filter(|s| !s.is_empty()).map(str::to_string),
        security_groups,
        image_id: i.image_id().map(str::to_string),
        launch_time: datetime(i.launch_time()),
        metadata,
        volumes,
    };
    Ok(Resource::new(cx.ec2_id("instance", id)?, cx.account.clone(), cx.region.clone(), tags(i.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::{cx, tag};

    #[test]
    fn maps_an_instance() {
        let i = sdk::Instance::builder()
            .instance_id("i-1")
            .instance_type(sdk::InstanceType::T3Micro)
            .state(sdk::InstanceState::builder().name(sdk::InstanceStateName::Running).build())
            .vpc_id("vpc-1")
            .subnet_id("subnet-1")
            .public_ip_address("198.51.100.1")
            .security_groups(sdk::GroupIdentifier::builder().group_id("sg-b").build())
            .security_groups(sdk::GroupIdentifier::builder().group_id("sg-a").build())
            .metadata_options(
                sdk::InstanceMetadataOptionsResponse::builder()
                    .http_tokens(sdk::HttpTokensState::Optional)
                    .http_endpoint(sdk::InstanceMetadataEndpointState::Enabled)
                    .build(),
            )
            .block_device_mappings(
                sdk::InstanceBlockDeviceMapping::builder()
                    .device_name("/dev/xvda")
                    .ebs(sdk::EbsInstanceBlockDevice::builder().volume_id("vol-1").build())
                    .build(),
            )
            .launch_time(aws_sdk_ec2::primitives::DateTime::from_secs(1_700_000_000))
            .tags(tag("Name", "gov-euw1-app-00001"))
            .build();
        let r = map(&cx(), &i).unwrap();
        let m = r.model::<Instance>().unwrap();
        assert_eq!(m.state, InstanceState::Running);
        assert_eq!(m.instance_type.as_deref(), Some("t3.micro"));
        assert_eq!(m.security_groups.iter().map(|g| g.short_id()).collect::<Vec<_>>(), ["sg-a", "sg-b"]);
        assert_eq!(m.volumes[0].short_id(), "vol-1");
        assert!(m.allows_imdsv1());
        assert_eq!(m.launch_time.unwrap().timestamp(), 1_700_000_000);
    }

    #[test]
    fn disabled_endpoint_means_no_imdsv1() {
        let i = sdk::Instance::builder()
            .instance_id("i-2")
            .metadata_options(
                sdk::InstanceMetadataOptionsResponse::builder()
                    .http_tokens(sdk::HttpTokensState::Optional)
                    .http_endpoint(sdk::InstanceMetadataEndpointState::Disabled)
                    .build(),
            )
            .build();
        let m = map(&cx(), &i).unwrap();
        let m = m.model::<Instance>().unwrap();
        assert!(!m.allows_imdsv1());
        assert_eq!(m.state, InstanceState::Unknown);
        assert!(m.subnet.is_none() && m.public_ip.is_none());
    }
}
