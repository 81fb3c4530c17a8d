//! `ec2:DescribeAddresses` -> `aws_ec2_elastic_ip` (VPC addresses; one call, no pagination).

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{AddressDomain, ElasticIp};
use skywarden_graph::Resource;

use crate::aws::{classify, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let listed = cx.call(Service::Ec2, cx.ec2.describe_addresses().send()).await.map_err(classify)?;
    for a in listed.addresses() {
        out.push(map(&cx.map, a)?).await;
    }
    Ok(())
}

pub fn map(cx: &MapCx, a: &sdk::Address) -> Result<Resource, CollectError> {
    let id = required(a.allocation_id(), "AllocationId")?;
    let opt_id = |t: &str, v: Option<&str>| v.filter(|s| !s.is_empty()).map(|v| cx.ec2_id(t, v)).transpose();
    let model = ElasticIp {
        allocation_id: id.to_string(),
        public_ip: required(a.public_ip(), "PublicIp")?.to_string(),
        association_id: a.association_id().filter(|s| !s.is_empty()).map(str::to_string),
        instance: opt_id("instance", a.instance_id())?,
        network_interface: opt_id("network-interface", a.network_interface_id())?,
        network_interface_owner_id: a.network_interface_owner_id().map(str::to_string),
        private_ip: a.private_ip_address().map(str::to_string),
        domain: match a.domain() {
            Some(sdk::DomainType::Standard) => AddressDomain::Standard,
            _ => AddressDomain::Vpc,
        },
        network_border_group: a.network_border_group().map(str::to_string),
        public_ipv4_pool: a.public_ipv4_pool().map(str::to_string),
    };
    Ok(Resource::new(cx.ec2_id("elastic-ip", id)?, cx.account.clone(), cx.region.clone(), tags(a.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_associated_and_idle_addresses() {
        let a = sdk::Address::builder()
            .allocation_id("eipalloc-1")
            .public_ip("198.51.100.2")
            .association_id("eipassoc-1")
            .instance_id("i-1")
            .network_interface_id("eni-1")
            .domain(sdk::DomainType::Vpc)
            .build();
        let r = map(&cx(), &a).unwrap();
        assert_eq!(r.id.short_id(), "eipalloc-1");
        let m = r.model::<ElasticIp>().unwrap();
        assert!(m.is_associated());
        assert_eq!(m.references().len(), 2);
        let idle = sdk::Address::builder().allocation_id("eipalloc-2").public_ip("198.51.100.3").build();
        let idle = map(&cx(), &idle).unwrap();
        let m = idle.model::<ElasticIp>().unwrap();
        assert!(!m.is_associated() && m.instance.is_none() && m.references().is_empty());
    }
}
