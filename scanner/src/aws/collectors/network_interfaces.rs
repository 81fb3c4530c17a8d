//! `ec2:DescribeNetworkInterfaces` -> `aws_ec2_network_interface`.

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{
    AttachmentStatus, InterfaceType, NetworkInterface, NetworkInterfaceAttachment, NetworkInterfaceStatus,
};
use skywarden_graph::Resource;

use crate::aws::{classify, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_network_interfaces().max_results(1000).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.network_interfaces() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

fn status(s: Option<&sdk::NetworkInterfaceStatus>) -> NetworkInterfaceStatus {
    match s {
        Some(sdk::NetworkInterfaceStatus::Available) => NetworkInterfaceStatus::Available,
        Some(sdk::NetworkInterfaceStatus::Associated) => NetworkInterfaceStatus::Associated,
        Some(sdk::NetworkInterfaceStatus::Attaching) => NetworkInterfaceStatus::Attaching,
        Some(sdk::NetworkInterfaceStatus::InUse) => NetworkInterfaceStatus::InUse,
        Some(sdk::NetworkInterfaceStatus::Detaching) => NetworkInterfaceStatus::Detaching,
        _ => NetworkInterfaceStatus::Unknown,
    }
}

fn attachment_status(s: Option<&sdk::AttachmentStatus>) -> AttachmentStatus {
    match s {
        Some(sdk::AttachmentStatus::Attaching) => AttachmentStatus::Attaching,
        Some(sdk::AttachmentStatus::Attached) => AttachmentStatus::Attached,
        Some(sdk::AttachmentStatus::Detaching) => AttachmentStatus::Detaching,
        Some(sdk::AttachmentStatus::Detached) => AttachmentStatus::Detached,
        _ => AttachmentStatus::Unknown,
    }
}

pub fn map(cx: &MapCx, n: &sdk::NetworkInterface) -> Result<Resource, CollectError> {
    let id = required(n.network_interface_id(), "NetworkInterfaceId")?;
    let opt_id = |t: &str, v: Option<&str>| v.filter(|s| !s.is_empty()).map(|v| cx.ec2_id(t, v)).transpose();
    let mut private_ips: Vec<String> = Vec::new();
    if let Some(p) = n.private_ip_address() {
        private_ips.push(p.to_string());
    }
    for a in n.private_ip_addresses() {
        if let Some(p) = a.private_ip_address() {
            if !private_ips.iter().any(|x| x == p) {
                private_ips.push(p.to_string());
            }
        }
    }
    let attachment = n
        .attachment()
        .map(|a| {
            Ok::<_, CollectError>(NetworkInterfaceAttachment {
                instance: opt_id("instance", a.instance_id())?,
                instance_owner_id: a.instance_owner_id().map(str::to_string),
                device_index: a.device_index(),
                status: attachment_status(a.status()),
                delete_on_termination: a.delete_on_termination().unwrap_or(false),
            })
        })
        .transpose()?
        .filter(|a| a.status != AttachmentStatus::Detached);
    let model = NetworkInterface {
        network_interface_id: id.to_string(),
        interface_type: InterfaceType::parse(n.interface_type().map(|t| t.as_str()).unwrap_or("interface")),
        status: status(n.status()),
        requester_managed: n.requester_managed().unwrap_or(false),
        requester_id: n.requester_id().map(str::to_string),
        description: n.description().filter(|d| !d.is_empty()).map(str::to_string),
        vpc: opt_id("vpc", n.vpc_id())?,
        subnet: opt_id("subnet", n.subnet_id())?,
        availability_zone: n.availability_zone().map(str::to_string),
        security_groups: n
            .groups()
            .iter()
            .filter_map(|g| g.group_id())
            .map(|g| cx.ec2_id("security-group", g))
            .collect::<Result<_, _>>()?,
        private_ips,
        public_ip: n.association().and_then(|a| a.public_ip()).map(str::to_string),
        attachment,
    };
    Ok(Resource::new(cx.ec2_id("network-interface", id)?, cx.account.clone(), cx.region.clone(), tags(n.tag_set()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_attached_and_service_interfaces() {
        let n = sdk::NetworkInterface::builder()
            .network_interface_id("eni-1")
            .interface_type(sdk::NetworkInterfaceType::Interface)
            .status(sdk::NetworkInterfaceStatus::InUse)
            .vpc_id("vpc-1")
            .subnet_id("subnet-1")
            .groups(sdk::GroupIdentifier::builder().group_id("sg-1").build())
            .private_ip_address("10.0.0.5")
            .private_ip_addresses(sdk::NetworkInterfacePrivateIpAddress::builder().private_ip_address("10.0.0.5").build())
            .private_ip_addresses(sdk::NetworkInterfacePrivateIpAddress::builder().private_ip_address("10.0.0.6").build())
            .association(sdk::NetworkInterfaceAssociation::builder().public_ip("198.51.100.1").build())
            .attachment(
                sdk::NetworkInterfaceAttachment::builder()
                    .instance_id("i-1")
                    .device_index(0)
                    .status(sdk::AttachmentStatus::Attached)
                    .build(),
            )
            .build();
        let r = map(&cx(), &n).unwrap();
        let m = r.model::<NetworkInterface>().unwrap();
        assert_eq!(m.private_ips, ["10.0.0.5", "10.0.0.6"]);
        assert_eq!(m.public_ip.as_deref(), Some("198.51.100.1"));
        let a = m.attachment.as_ref().unwrap();
        assert_eq!((a.instance.as_ref().unwrap().short_id(), a.device_index), ("i-1", Some(0)));
        assert_eq!(m.security_groups[0].short_id(), "sg-1");
        assert_eq!(r.id.short_id(), "eni-1");

        let nat = sdk::NetworkInterface::builder()
            .network_interface_id("eni-2")
            .interface_type(sdk::NetworkInterfaceType::NatGateway)
            .status(sdk::NetworkInterfaceStatus::Available)
            .requester_managed(true)
            .description("Interface for NAT Gateway nat-1")
            .build();
        let m = map(&cx(), &nat).unwrap();
        let m = m.model::<NetworkInterface>().unwrap();
        assert_eq!((m.interface_type, m.status, m.requester_managed), (InterfaceType::NatGateway, NetworkInterfaceStatus::Available, true));
        assert!(m.is_service_plumbing() && m.attachment.is_none() && m.subnet.is_none());
    }
}
