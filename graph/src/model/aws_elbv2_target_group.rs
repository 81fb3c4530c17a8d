//! `aws_elbv2_target_group`: a target group with its health check and registered targets
//! (from `DescribeTargetHealth`).

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};
use crate::model::aws_elbv2_listener::ElbProtocol;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetGroup {
    pub target_group_name: String,
    /// `None` for Lambda target groups.
    pub protocol: Option<ElbProtocol>,
    pub port: Option<i32>,
    pub protocol_version: Option<String>,
    pub target_type: TargetType,
    pub vpc: Option<ResourceId>,
    /// The load balancers that route to this group, sorted.
    pub load_balancers: Vec<ResourceId>,
    pub health_check: HealthCheck,
    /// Every registered target, in any health state.
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub enabled: Option<bool>,
    pub protocol: Option<ElbProtocol>,
    /// A port number or `traffic-port`.
    pub port: Option<String>,
    pub path: Option<String>,
    pub interval_seconds: Option<i32>,
    pub timeout_seconds: Option<i32>,
    pub healthy_threshold: Option<i32>,
    pub unhealthy_threshold: Option<i32>,
    /// HTTP codes (`200`, `200-299`) or gRPC codes the check accepts.
    pub matcher: Option<String>,
}

/// One registered target and its health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Instance id, IP address, Lambda function ARN or ALB ARN, as registered.
    pub id: String,
    /// The instance, for `instance` target groups.
    pub instance: Option<ResourceId>,
    pub port: Option<i32>,
    pub availability_zone: Option<String>,
    pub state: TargetHealthState,
    /// e.g. `Target.FailedHealthChecks`, `Target.NotInUse`.
    pub reason: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    Instance,
    Ip,
    Lambda,
    Alb,
    #[serde(other)]
    Unknown,
}

impl TargetType {
    pub fn parse(s: &str) -> Self {
        match s {
            "instance" => Self::Instance,
            "ip" => Self::Ip,
            "lambda" => Self::Lambda,
            "alb" => Self::Alb,
            _ => Self::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetHealthState {
    Initial,
    Healthy,
    Unhealthy,
    UnhealthyDraining,
    Unused,
    Draining,
    Unavailable,
    #[serde(other)]
    Unknown,
}

impl TargetHealthState {
    pub fn parse(s: &str) -> Self {
        match s {
            "initial" => Self::Initial,
            "healthy" => Self::Healthy,
            "unhealthy" => Self::Unhealthy,
            "unhealthy.draining" => Self::UnhealthyDraining,
            "unused" => Self::Unused,
            "draining" => Self::Draining,
            "unavailable" => Self::Unavailable,
            _ => Self::Unknown,
        }
    }
}

impl TargetGroup {
    /// Target group -> load balancer (`associated_with`), target group -> instance
    /// (`routes_to`, instance targets).
    pub fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> = self
            .load_balancers
            .iter()
            .map(|lb| Reference::outgoing(EdgeKind::AssociatedWith, lb.clone()))
            .collect();
        for i in self.targets.iter().filter_map(|t| t.instance.as_ref()) {
            let r = Reference::outgoing(EdgeKind::RoutesTo, i.clone());
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
        refs
    }

    /// Instances registered as targets (deduplicated: one instance may be registered on
    /// several ports).
    pub fn instances(&self) -> Vec<&ResourceId> {
        let mut v: Vec<&ResourceId> = self
            .targets
            .iter()
            .filter_map(|t| t.instance.as_ref())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_dedupe_instances_registered_twice() {
        let i: ResourceId = "arn:aws:ec2:us-east-1:123456789012:instance/i-1"
            .parse()
            .unwrap();
        let target = |port| Target {
            id: "i-1".into(),
            instance: Some(i.clone()),
            port: Some(port),
            availability_zone: None,
            state: TargetHealthState::parse("unhealthy.draining"),
            reason: None,
            description: None,
        };
        let tg = TargetGroup {
            target_group_name: "tg".into(),
            protocol: Some(ElbProtocol::Http),
            port: Some(80),
            protocol_version: None,
            target_type: TargetType::Instance,
            vpc: None,
            load_balancers: vec![
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb/1"
                    .parse()
                    .unwrap(),
            ],
            health_check: HealthCheck {
                enabled: Some(true),
                protocol: None,
                port: None,
                path: None,
                interval_seconds: None,
                timeout_seconds: None,
                healthy_threshold: None,
                unhealthy_threshold: None,
                matcher: None,
            },
            targets: vec![target(80), target(8080)],
        };
        assert_eq!(tg.references().len(), 2);
        assert_eq!(tg.instances(), [&i]);
        assert_eq!(tg.targets[0].state, TargetHealthState::UnhealthyDraining);
        assert_eq!(TargetType::parse("alb"), TargetType::Alb);
    }
}
