//! `ec2:DescribeVpcEndpoints` -> `aws_ec2_vpc_endpoint` (placement, policy parsed with the IAM
//! policy-document parser).

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{PolicyDocument, VpcEndpoint, VpcEndpointState, VpcEndpointType};
use skywarden_graph::Resource;

use crate::aws::{classify, datetime, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_vpc_endpoints().max_results(1000).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.vpc_endpoints() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

pub fn map(cx: &MapCx, e: &sdk::VpcEndpoint) -> Result<Resource, CollectError> {
    let id = required(e.vpc_endpoint_id(), "VpcEndpointId")?;
    let ids = |t: &str, v: &[String]| -> Result<Vec<_>, CollectError> {
        let mut out = v.iter().filter(|s| !s.is_empty()).map(|s| cx.ec2_id(t, s)).collect::<Result<Vec<_>, _>>()?;
        out.sort();
        out.dedup();
        Ok(out)
    };
    let groups: Vec<String> = e.groups().iter().filter_map(|g| g.group_id()).map(str::to_string).collect();
    // A document that does not parse is kept as an error, not a failed scope: the endpoint's
    // placement is still right, and no rule reads a policy that is not there.
    let (policy, policy_error) = match e.policy_document().filter(|d| !d.trim().is_empty()) {
        None => (None, None),
        Some(d) => match PolicyDocument::parse(d) {
            Ok(p) => (Some(p), None),
            Err(err) => (None, Some(err.to_string())),
        },
    };
    let model = VpcEndpoint {
        vpc_endpoint_id: id.to_string(),
        endpoint_type: e.vpc_endpoint_type().map_or(VpcEndpointType::Other, |t| VpcEndpointType::parse(t.as_str())),
        service_name: e.service_name().map(str::to_string),
        vpc: cx.ec2_id("vpc", required(e.vpc_id(), "VpcId")?)?,
        state: e.state().map_or(VpcEndpointState::Unknown, |s| VpcEndpointState::parse(s.as_str())),
        route_tables: ids("route-table", e.route_table_ids())?,
        subnets: ids("subnet", e.subnet_ids())?,
        security_groups: ids("security-group", &groups)?,
        network_interfaces: ids("network-interface", e.network_interface_ids())?,
        private_dns_enabled: e.private_dns_enabled().unwrap_or(false),
        dns_names: e.dns_entries().iter().filter_map(|d| d.dns_name()).map(str::to_string).collect(),
        policy,
        policy_error,
        owner_id: e.owner_id().map(str::to_string),
        requester_managed: e.requester_managed().unwrap_or(false),
        creation_time: datetime(e.creation_timestamp()),
    };
    Ok(Resource::new(cx.ec2_id("vpc-endpoint", id)?, cx.account.clone(), cx.region.clone(), tags(e.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::{cx, tag};

    #[test]
    fn maps_a_gateway_endpoint_with_its_policy() {
        let e = sdk::VpcEndpoint::builder()
            .vpc_endpoint_id("vpce-1")
            .vpc_endpoint_type(sdk::VpcEndpointType::Gateway)
            .service_name("com.amazonaws.eu-west-1.s3")
            .vpc_id("vpc-1")
            .state(sdk::State::Available)
            .route_table_ids("rtb-2")
            .route_table_ids("rtb-1")
            .policy_document(r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#)
            .tags(tag("Name", "gov-s3"))
            .build();
        let r = map(&cx(), &e).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:ec2:eu-west-1:123456789012:vpc-endpoint/vpce-1");
        let m = r.model::<VpcEndpoint>().unwrap();
        assert_eq!((m.endpoint_type, m.state), (VpcEndpointType::Gateway, VpcEndpointState::Available));
        assert_eq!(m.route_tables.iter().map(|t| t.short_id()).collect::<Vec<_>>(), ["rtb-1", "rtb-2"]);
        let p = m.policy.as_ref().unwrap();
        assert!(p.statements[0].allows_full_admin());
        assert!(p.statements[0].principal.as_ref().unwrap().any);
        assert!(m.policy_error.is_none());
    }

    #[test]
    fn maps_an_interface_endpoint_and_tolerates_missing_fields() {
        let e = sdk::VpcEndpoint::builder()
            .vpc_endpoint_id("vpce-2")
            .vpc_endpoint_type(sdk::VpcEndpointType::Interface)
            .vpc_id("vpc-1")
            .subnet_ids("subnet-1")
            .groups(sdk::SecurityGroupIdentifier::builder().group_id("sg-1").group_name("ep").build())
            .network_interface_ids("eni-1")
            .private_dns_enabled(true)
            .dns_entries(sdk::DnsEntry::builder().dns_name("vpce-2.ssm.eu-west-1.vpce.amazonaws.com").build())
            .policy_document("not json")
            .build();
        let r = map(&cx(), &e).unwrap();
        let m = r.model::<VpcEndpoint>().unwrap();
        assert_eq!(m.state, VpcEndpointState::Unknown);
        assert_eq!(m.subnets[0].short_id(), "subnet-1");
        assert_eq!(m.security_groups[0].short_id(), "sg-1");
        assert_eq!(m.network_interfaces[0].short_id(), "eni-1");
        assert!(m.private_dns_enabled && m.policy.is_none() && m.policy_error.is_some());
        assert!(map(&cx(), &sdk::VpcEndpoint::builder().vpc_endpoint_id("vpce-3").build()).is_err(), "no VpcId");
    }
}
