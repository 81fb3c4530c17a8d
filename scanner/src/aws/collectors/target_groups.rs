//! `elasticloadbalancing:DescribeTargetGroups` + `DescribeTargetHealth` per group ->
//! `aws_elbv2_target_group`.
//!
//! A group deleted between the two calls (`TargetGroupNotFound`) is gone, not an error. Tags
//! of target groups are not collected yet.

use aws_sdk_elasticloadbalancingv2::types as sdk;
use skywarden_graph::model::{
    ElbProtocol, HealthCheck, Target, TargetGroup, TargetHealthState, TargetType,
};
use skywarden_graph::Resource;

use crate::aws::{arn_id, classify, required, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx
        .elbv2
        .describe_target_groups()
        .page_size(400)
        .into_paginator()
        .send();
    while let Some(page) = cx.call(Service::Elbv2, pages.next()).await {
        for tg in page.map_err(classify)?.target_groups() {
            let arn = required(tg.target_group_arn(), "TargetGroupArn")?;
            let call = cx
                .elbv2
                .describe_target_health()
                .target_group_arn(arn)
                .send();
            let health = match cx.call(Service::Elbv2, call).await {
                Ok(h) => h.target_health_descriptions().to_vec(),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_target_group_not_found_exception()) =>
                {
                    continue
                }
                Err(e) => return Err(classify(e)),
            };
            out.push(map(&cx.map, tg, &health)?).await;
        }
    }
    Ok(())
}

fn protocol(p: Option<&sdk::ProtocolEnum>) -> Option<ElbProtocol> {
    p.map(|p| ElbProtocol::parse(p.as_str()))
}

fn target(
    cx: &MapCx,
    target_type: TargetType,
    d: &sdk::TargetHealthDescription,
) -> Result<Option<Target>, CollectError> {
    let Some(t) = d.target() else { return Ok(None) };
    let Some(id) = t.id().filter(|i| !i.is_empty()) else {
        return Ok(None);
    };
    let health = d.target_health();
    let instance = (target_type == TargetType::Instance && id.starts_with("i-"))
        .then(|| cx.ec2_id("instance", id))
        .transpose()?;
    Ok(Some(Target {
        id: id.to_string(),
        instance,
        port: t.port(),
        availability_zone: t
            .availability_zone()
            .filter(|z| !z.is_empty())
            .map(str::to_string),
        state: health
            .and_then(|h| h.state())
            .map_or(TargetHealthState::Unknown, |s| {
                TargetHealthState::parse(s.as_str())
            }),
        reason: health
            .and_then(|h| h.reason())
            .map(|r| r.as_str().to_string()),
        description: health
            .and_then(|h| h.description())
            .filter(|d| !d.is_empty())
            .map(str::to_string),
    }))
}

pub fn map(
    cx: &MapCx,
    tg: &sdk::TargetGroup,
    health: &[sdk::TargetHealthDescription],
) -> Result<Resource, CollectError> {
    let id = arn_id(required(tg.target_group_arn(), "TargetGroupArn")?)?;
    let name = tg
        .target_group_name()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        // targetgroup/<name>/<id>
        .or_else(|| id.as_str().rsplit('/').nth(1).map(str::to_string))
        .unwrap_or_default();
    let target_type = tg
        .target_type()
        .map_or(TargetType::Unknown, |t| TargetType::parse(t.as_str()));
    let mut load_balancers = tg
        .load_balancer_arns()
        .iter()
        .filter(|a| !a.is_empty())
        .map(|a| arn_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    load_balancers.sort();
    load_balancers.dedup();
    let mut targets = Vec::with_capacity(health.len());
    for d in health {
        if let Some(t) = target(cx, target_type, d)? {
            targets.push(t);
        }
    }
    targets.sort_by(|a, b| (&a.id, a.port).cmp(&(&b.id, b.port)));
    let s = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_string);
    let model = TargetGroup {
        target_group_name: name.clone(),
        protocol: protocol(tg.protocol()),
        port: tg.port(),
        protocol_version: s(tg.protocol_version()),
        target_type,
        vpc: tg
            .vpc_id()
            .filter(|v| !v.is_empty())
            .map(|v| cx.ec2_id("vpc", v))
            .transpose()?,
        load_balancers,
        health_check: HealthCheck {
            enabled: tg.health_check_enabled(),
            protocol: protocol(tg.health_check_protocol()),
            port: s(tg.health_check_port()),
            path: s(tg.health_check_path()),
            interval_seconds: tg.health_check_interval_seconds(),
            timeout_seconds: tg.health_check_timeout_seconds(),
            healthy_threshold: tg.healthy_threshold_count(),
            unhealthy_threshold: tg.unhealthy_threshold_count(),
            matcher: tg
                .matcher()
                .and_then(|m| s(m.http_code()).or_else(|| s(m.grpc_code()))),
        },
        targets,
    };
    let mut r = Resource::new(
        id,
        cx.account.clone(),
        cx.region.clone(),
        Default::default(),
        model,
    );
    if !name.is_empty() {
        r.name = Some(name);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    const TG: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/1";
    const LB: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/1";

    fn health(
        id: &str,
        port: i32,
        state: sdk::TargetHealthStateEnum,
    ) -> sdk::TargetHealthDescription {
        sdk::TargetHealthDescription::builder()
            .target(
                sdk::TargetDescription::builder()
                    .id(id)
                    .port(port)
                    .availability_zone("eu-west-1a")
                    .build(),
            )
            .target_health(
                sdk::TargetHealth::builder()
                    .state(state)
                    .reason(sdk::TargetHealthReasonEnum::FailedHealthChecks)
                    .description("Health checks failed")
                    .build(),
            )
            .build()
    }

    #[test]
    fn maps_an_instance_group_with_health_and_targets() {
        let tg = sdk::TargetGroup::builder()
            .target_group_arn(TG)
            .target_group_name("web")
            .protocol(sdk::ProtocolEnum::Http)
            .port(80)
            .vpc_id("vpc-1")
            .target_type(sdk::TargetTypeEnum::Instance)
            .load_balancer_arns(LB)
            .health_check_enabled(true)
            .health_check_protocol(sdk::ProtocolEnum::Http)
            .health_check_port("traffic-port")
            .health_check_path("/health")
            .health_check_interval_seconds(30)
            .healthy_threshold_count(5)
            .matcher(sdk::Matcher::builder().http_code("200-299").build())
            .build();
        let h = [
            health("i-2", 80, sdk::TargetHealthStateEnum::Healthy),
            health("i-1", 80, sdk::TargetHealthStateEnum::Unhealthy),
            sdk::TargetHealthDescription::builder().build(),
        ];
        let r = map(&cx(), &tg, &h).unwrap();
        assert_eq!(r.name.as_deref(), Some("web"));
        let m = r.model::<TargetGroup>().unwrap();
        assert_eq!(
            (m.protocol, m.port, m.target_type),
            (Some(ElbProtocol::Http), Some(80), TargetType::Instance)
        );
        assert_eq!(m.load_balancers[0].as_str(), LB);
        assert_eq!(m.health_check.path.as_deref(), Some("/health"));
        assert_eq!(m.health_check.matcher.as_deref(), Some("200-299"));
        assert_eq!(
            m.targets.len(),
            2,
            "a description without a target is skipped"
        );
        assert_eq!(m.targets[0].id, "i-1");
        assert_eq!(m.targets[0].state, TargetHealthState::Unhealthy);
        assert_eq!(
            m.targets[0].reason.as_deref(),
            Some("Target.FailedHealthChecks")
        );
        assert_eq!(m.targets[0].instance.as_ref().unwrap().short_id(), "i-1");
        // -> LB, -> two instances
        assert_eq!(m.references().len(), 3);
    }

    #[test]
    fn ip_and_lambda_targets_are_not_instances_and_missing_fields_are_unknown() {
        let tg = sdk::TargetGroup::builder()
            .target_group_arn(TG)
            .target_type(sdk::TargetTypeEnum::Ip)
            .build();
        let r = map(
            &cx(),
            &tg,
            &[health(
                "10.0.0.5",
                443,
                sdk::TargetHealthStateEnum::Draining,
            )],
        )
        .unwrap();
        let m = r.model::<TargetGroup>().unwrap();
        assert_eq!(m.target_group_name, "web", "name from the ARN");
        assert!(m.targets[0].instance.is_none());
        assert_eq!(m.targets[0].state, TargetHealthState::Draining);
        assert!(m.protocol.is_none() && m.vpc.is_none() && m.load_balancers.is_empty());
        assert!(m.references().is_empty());
        assert!(map(&cx(), &sdk::TargetGroup::builder().build(), &[]).is_err());
    }
}
