//! `elasticloadbalancing:DescribeLoadBalancers` + `DescribeTags` (20 ARNs per call) +
//! `DescribeLoadBalancerAttributes` per load balancer -> `aws_elbv2_load_balancer`.
//!
//! A load balancer deleted between the listing and a detail call (`LoadBalancerNotFound`) is
//! gone, not an error. Any other failure of a detail call fails the scope: attributes that
//! could not be read must not resolve stored findings.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types as sdk;
use skywarden_graph::model::{
    LbIpAddressType, LoadBalancer, LoadBalancerAttributes, LoadBalancerScheme, LoadBalancerState,
    LoadBalancerType,
};
use skywarden_graph::Resource;

use crate::aws::{arn_id, classify, datetime, required, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

/// DescribeTags accepts at most 20 resource ARNs per call.
pub(crate) const TAG_BATCH: usize = 20;

/// Every load balancer of the region (DescribeLoadBalancers, every page through the gate).
pub(crate) async fn list(cx: &RegionCx) -> Result<Vec<sdk::LoadBalancer>, CollectError> {
    let mut out = Vec::new();
    let mut pages = cx
        .elbv2
        .describe_load_balancers()
        .page_size(400)
        .into_paginator()
        .send();
    while let Some(page) = cx.call(Service::Elbv2, pages.next()).await {
        out.extend(page.map_err(classify)?.load_balancers().iter().cloned());
    }
    Ok(out)
}

/// Tags of `arns` (load balancers or target groups), 20 per DescribeTags call. When a batch
/// names a resource that no longer exists, the batch is asked again one ARN at a time and the
/// missing one is skipped.
pub(crate) async fn tags_of(
    cx: &RegionCx,
    arns: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, CollectError> {
    let mut out = BTreeMap::new();
    for batch in arns.chunks(TAG_BATCH) {
        let call = cx
            .elbv2
            .describe_tags()
            .set_resource_arns(Some(batch.to_vec()))
            .send();
        match cx.call(Service::Elbv2, call).await {
            Ok(o) => collect_tags(&mut out, o.tag_descriptions()),
            Err(e) if batch.len() > 1 && gone(e.as_service_error()) => {
                for arn in batch {
                    let call = cx.elbv2.describe_tags().resource_arns(arn).send();
                    match cx.call(Service::Elbv2, call).await {
                        Ok(o) => collect_tags(&mut out, o.tag_descriptions()),
                        Err(e) if gone(e.as_service_error()) => {}
                        Err(e) => return Err(classify(e)),
                    }
                }
            }
            Err(e) if gone(e.as_service_error()) => {}
            Err(e) => return Err(classify(e)),
        }
    }
    Ok(out)
}

fn gone(
    e: Option<&aws_sdk_elasticloadbalancingv2::operation::describe_tags::DescribeTagsError>,
) -> bool {
    e.is_some_and(|e| {
        e.is_load_balancer_not_found_exception() || e.is_target_group_not_found_exception()
    })
}

fn collect_tags(
    out: &mut BTreeMap<String, BTreeMap<String, String>>,
    descriptions: &[sdk::TagDescription],
) {
    for d in descriptions {
        if let Some(arn) = d.resource_arn() {
            out.insert(arn.to_string(), tags(d.tags()));
        }
    }
}

pub(crate) fn tags(t: &[sdk::Tag]) -> BTreeMap<String, String> {
    t.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let lbs = list(cx).await?;
    let arns: Vec<String> = lbs
        .iter()
        .filter_map(|l| l.load_balancer_arn().map(str::to_string))
        .collect();
    let mut tags = tags_of(cx, &arns).await?;
    for lb in &lbs {
        let arn = required(lb.load_balancer_arn(), "LoadBalancerArn")?;
        let call = cx
            .elbv2
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send();
        let attributes = match cx.call(Service::Elbv2, call).await {
            Ok(o) => o.attributes().to_vec(),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_load_balancer_not_found_exception()) =>
            {
                continue
            }
            Err(e) => return Err(classify(e)),
        };
        out.push(map(
            &cx.map,
            lb,
            &attributes,
            tags.remove(arn).unwrap_or_default(),
        )?).await;
    }
    Ok(())
}

pub fn map(
    cx: &MapCx,
    lb: &sdk::LoadBalancer,
    attributes: &[sdk::LoadBalancerAttribute],
    tags: BTreeMap<String, String>,
) -> Result<Resource, CollectError> {
    let id = arn_id(required(lb.load_balancer_arn(), "LoadBalancerArn")?)?;
    let name = lb
        .load_balancer_name()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        // The name is the ARN's second-to-last segment: loadbalancer/app/<name>/<id>.
        .or_else(|| id.as_str().rsplit('/').nth(1).map(str::to_string))
        .unwrap_or_default();
    let mut subnets = Vec::new();
    let mut availability_zones = Vec::new();
    for az in lb.availability_zones() {
        if let Some(s) = az.subnet_id().filter(|s| !s.is_empty()) {
            subnets.push(cx.ec2_id("subnet", s)?);
        }
        if let Some(z) = az.zone_name().filter(|z| !z.is_empty()) {
            availability_zones.push(z.to_string());
        }
    }
    subnets.sort();
    subnets.dedup();
    availability_zones.sort();
    availability_zones.dedup();
    let mut security_groups = lb
        .security_groups()
        .iter()
        .filter(|g| !g.is_empty())
        .map(|g| cx.ec2_id("security-group", g))
        .collect::<Result<Vec<_>, _>>()?;
    security_groups.sort();
    security_groups.dedup();
    let model = LoadBalancer {
        load_balancer_name: name.clone(),
        lb_type: lb.r#type().map_or(LoadBalancerType::Unknown, |t| {
            LoadBalancerType::parse(t.as_str())
        }),
        scheme: lb.scheme().map_or(LoadBalancerScheme::Unknown, |s| {
            LoadBalancerScheme::parse(s.as_str())
        }),
        state: lb
            .state()
            .and_then(|s| s.code())
            .map_or(LoadBalancerState::Unknown, |c| {
                LoadBalancerState::parse(c.as_str())
            }),
        state_reason: lb
            .state()
            .and_then(|s| s.reason())
            .filter(|r| !r.is_empty())
            .map(str::to_string),
        vpc: lb
            .vpc_id()
            .filter(|v| !v.is_empty())
            .map(|v| cx.ec2_id("vpc", v))
            .transpose()?,
        subnets,
        availability_zones,
        security_groups,
        dns_name: lb.dns_name().filter(|d| !d.is_empty()).map(str::to_string),
        canonical_hosted_zone_id: lb
            .canonical_hosted_zone_id()
            .filter(|z| !z.is_empty())
            .map(str::to_string),
        created: datetime(lb.created_time()),
        ip_address_type: lb.ip_address_type().map_or(LbIpAddressType::Unknown, |t| {
            LbIpAddressType::parse(t.as_str())
        }),
        attributes: LoadBalancerAttributes::from_pairs(
            attributes
                .iter()
                .filter_map(|a| Some((a.key()?, a.value().unwrap_or_default()))),
        ),
    };
    let mut r = Resource::new(id, cx.account.clone(), cx.region.clone(), tags, model);
    if r.name.is_none() && !name.is_empty() {
        r.name = Some(name);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    const ARN: &str =
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";

    fn attr(k: &str, v: &str) -> sdk::LoadBalancerAttribute {
        sdk::LoadBalancerAttribute::builder()
            .key(k)
            .value(v)
            .build()
    }

    #[test]
    fn maps_an_alb_with_zones_groups_attributes_and_tags() {
        let lb = sdk::LoadBalancer::builder()
            .load_balancer_arn(ARN)
            .load_balancer_name("web")
            .r#type(sdk::LoadBalancerTypeEnum::Application)
            .scheme(sdk::LoadBalancerSchemeEnum::InternetFacing)
            .state(
                sdk::LoadBalancerState::builder()
                    .code(sdk::LoadBalancerStateEnum::Active)
                    .build(),
            )
            .vpc_id("vpc-1")
            .availability_zones(
                sdk::AvailabilityZone::builder()
                    .zone_name("eu-west-1b")
                    .subnet_id("subnet-b")
                    .build(),
            )
            .availability_zones(
                sdk::AvailabilityZone::builder()
                    .zone_name("eu-west-1a")
                    .subnet_id("subnet-a")
                    .build(),
            )
            .security_groups("sg-1")
            .dns_name("web-1.eu-west-1.elb.amazonaws.com")
            .ip_address_type(sdk::IpAddressType::Dualstack)
            .created_time(
                aws_sdk_elasticloadbalancingv2::primitives::DateTime::from_secs(1_700_000_000),
            )
            .build();
        let attrs = [
            attr("deletion_protection.enabled", "false"),
            attr("access_logs.s3.enabled", "true"),
            attr("access_logs.s3.bucket", "logs"),
            attr("routing.http.drop_invalid_header_fields.enabled", "false"),
        ];
        let r = map(
            &cx(),
            &lb,
            &attrs,
            BTreeMap::from([("owner".to_string(), "web".to_string())]),
        )
        .unwrap();
        assert_eq!(r.id.as_str(), ARN);
        assert_eq!(r.name.as_deref(), Some("web"), "no Name tag: the LB name");
        assert_eq!(r.tags["owner"], "web");
        let m = r.model::<LoadBalancer>().unwrap();
        assert_eq!(
            (m.lb_type, m.scheme, m.state, m.ip_address_type),
            (
                LoadBalancerType::Application,
                LoadBalancerScheme::InternetFacing,
                LoadBalancerState::Active,
                LbIpAddressType::Dualstack
            )
        );
        assert_eq!(
            m.subnets.iter().map(|s| s.short_id()).collect::<Vec<_>>(),
            ["subnet-a", "subnet-b"]
        );
        assert_eq!(m.availability_zones, ["eu-west-1a", "eu-west-1b"]);
        assert_eq!(m.security_groups[0].short_id(), "sg-1");
        assert_eq!(m.vpc.as_ref().unwrap().short_id(), "vpc-1");
        assert_eq!(m.created.unwrap().timestamp(), 1_700_000_000);
        assert_eq!(m.attributes.deletion_protection, Some(false));
        assert_eq!(m.attributes.access_logs_enabled, Some(true));
        assert_eq!(m.attributes.access_logs_bucket.as_deref(), Some("logs"));
        assert_eq!(m.attributes.drop_invalid_header_fields, Some(false));
        // vpc contains, two subnets, one security group
        assert_eq!(m.references().len(), 4);
    }

    #[test]
    fn missing_fields_are_unknown_not_errors() {
        let lb = sdk::LoadBalancer::builder().load_balancer_arn(ARN).build();
        let r = map(&cx(), &lb, &[], BTreeMap::new()).unwrap();
        let m = r.model::<LoadBalancer>().unwrap();
        assert_eq!(m.load_balancer_name, "web", "name from the ARN");
        assert_eq!(
            (m.lb_type, m.state),
            (LoadBalancerType::Unknown, LoadBalancerState::Unknown)
        );
        assert!(m.vpc.is_none() && m.subnets.is_empty() && m.created.is_none());
        assert_eq!(m.attributes, LoadBalancerAttributes::default());
        assert!(map(
            &cx(),
            &sdk::LoadBalancer::builder().build(),
            &[],
            BTreeMap::new()
        )
        .is_err());
    }

    #[test]
    fn tag_descriptions_by_arn() {
        let mut out = BTreeMap::new();
        collect_tags(
            &mut out,
            &[sdk::TagDescription::builder()
                .resource_arn(ARN)
                .tags(sdk::Tag::builder().key("Name").value("gov-web").build())
                .tags(sdk::Tag::builder().key("empty").build())
                .build()],
        );
        assert_eq!(out[ARN]["Name"], "gov-web");
        assert_eq!(out[ARN]["empty"], "");
    }
}
