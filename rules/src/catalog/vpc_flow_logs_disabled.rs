//! `aws.ec2.vpc_flow_logs_disabled`: a VPC with no active flow log of its own (CIS 3.7).

use skywarden_graph::model::{FlowLog, FlowLogResourceType, Vpc};
use skywarden_graph::{Direction, EdgeKind, ResourceKind};

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.vpc_flow_logs_disabled",
        title: "VPC flow logging is not enabled",
        description: "No flow log with status ACTIVE records the VPC itself (a flow log whose \
                      resource is the VPC; flow logs of single subnets or interfaces do not cover \
                      the rest of it). Every VPC counts, the default VPC included, as CIS asks. \
                      Without flow logs there is no record of accepted or rejected traffic for \
                      incident response. Any traffic type satisfies the rule; CIS recommends at \
                      least REJECT.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2Vpc, ResourceKind::AwsEc2FlowLog],
        remediation: "`aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc-id> \
                      --traffic-type REJECT --log-destination-type s3 --log-destination \
                      arn:aws:s3:::<bucket>` (or a CloudWatch Logs group with \
                      `--deliver-logs-permission-arn`).",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "3.7" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Vpc>()
        .filter_map(|(r, v)| {
            let logs: Vec<_> = cx
                .inventory
                .neighbors_of::<FlowLog>(&r.id, EdgeKind::LogsTo, Direction::Outgoing)
                .into_iter()
                .filter(|(_, f)| f.resource_type == FlowLogResourceType::Vpc)
                .collect();
            if logs.iter().any(|(_, f)| f.is_active()) {
                return None;
            }
            let inactive_flow_logs = logs.iter().map(|(_, f)| f.flow_log_id.clone()).collect();
            Some(Finding::new(&RULE.meta, r, "", Evidence::VpcFlowLogs { is_default: v.is_default, inactive_flow_logs }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{DeliverLogsStatus, FlowLogStatus, LogDestinationType, TrafficType};

    use super::*;
    use crate::catalog::testkit::{ec2_id, eval_rule, resource};

    fn vpc(id: &str) -> skywarden_graph::Resource {
        resource(ec2_id("vpc", id), Vpc { vpc_id: id.into(), cidr_block: None, is_default: false, state: None })
    }

    fn flow_log(id: &str, on: &str, status: FlowLogStatus) -> skywarden_graph::Resource {
        let resource_type = FlowLogResourceType::of_id(on);
        resource(
            ec2_id("vpc-flow-log", id),
            FlowLog {
                flow_log_id: id.into(),
                resource_id: on.into(),
                resource_type,
                resource: resource_type.arn_type().map(|t| ec2_id(t, on)),
                traffic_type: Some(TrafficType::All),
                log_destination_type: LogDestinationType::CloudWatchLogs,
                log_destination: None,
                log_group_name: Some("flows".into()),
                destination_bucket: None,
                deliver_logs_status: DeliverLogsStatus::Success,
                deliver_logs_error_message: None,
                flow_log_status: status,
                log_format: None,
                max_aggregation_interval: Some(600),
                creation_time: None,
            },
        )
    }

    #[test]
    fn fires_without_an_active_vpc_flow_log() {
        let findings = eval_rule(&RULE, vec![
            vpc("vpc-none"),
            vpc("vpc-inactive"),
            flow_log("fl-off", "vpc-inactive", FlowLogStatus::Unknown),
            vpc("vpc-subnet-only"),
            flow_log("fl-sub", "subnet-1", FlowLogStatus::Active),
        ]);
        let ids: Vec<&str> = findings.iter().map(|f| f.resource_id.short_id()).collect();
        assert_eq!(ids.len(), 3, "{ids:?}");
        let f = findings.iter().find(|f| f.resource_id.short_id() == "vpc-inactive").unwrap();
        let Evidence::VpcFlowLogs { is_default, inactive_flow_logs } = &f.evidence else { panic!("{:?}", f.evidence) };
        assert!(!is_default);
        assert_eq!(inactive_flow_logs, &["fl-off"]);
    }

    #[test]
    fn passes_with_an_active_vpc_flow_log() {
        let findings = eval_rule(&RULE, vec![
            vpc("vpc-logged"),
            flow_log("fl-on", "vpc-logged", FlowLogStatus::Active),
            flow_log("fl-off", "vpc-logged", FlowLogStatus::Unknown),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
