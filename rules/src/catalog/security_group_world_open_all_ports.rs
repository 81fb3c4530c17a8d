//! `aws.ec2.security_group_world_open_all_ports`: every port reachable from the world, through
//! an all-traffic rule or TCP 0-65535 (Prowler / ScoutSuite "all ports" semantics).

use skywarden_graph::model::IpProtocol;
use skywarden_graph::ResourceKind;

use super::world_open_matching;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.security_group_world_open_all_ports",
        title: "Security group opens every TCP port to the internet",
        description: "An ingress permission from 0.0.0.0/0 or ::/0 is either all traffic \
                      (IpProtocol -1) or TCP 0-65535, so every TCP service on an attached \
                      interface is reachable from the internet.",
        severity: Severity::Critical,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2SecurityGroup],
        remediation: "Replace the rule with rules for the ports the workload serves, from the \
                      sources that need them.",
        frameworks: &[
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.2" },
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.3" },
        ],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    world_open_matching(cx, &RULE.meta, |p| match p.protocol {
        IpProtocol::All => true,
        IpProtocol::Tcp => matches!(
            (p.from_port, p.to_port),
            (Some(0), Some(65535)) | (None, None)
        ),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{eval_rule, sg, sg_perm};

    #[test]
    fn fires_on_all_traffic_and_full_tcp_range() {
        let findings = eval_rule(&RULE, vec![
            sg("sg-all", vec![sg_perm("-1", None, None, &["0.0.0.0/0"], &[])]),
            sg("sg-range", vec![sg_perm("tcp", Some(0), Some(65535), &[], &["::/0"])]),
        ]);
        assert_eq!(findings.len(), 2);
    }

    #[test]
    fn passes_on_partial_ranges_udp_and_internal_sources() {
        let findings = eval_rule(&RULE, vec![
            sg("sg-part", vec![sg_perm("tcp", Some(1), Some(65535), &["0.0.0.0/0"], &[])]),
            sg("sg-udp", vec![sg_perm("udp", Some(0), Some(65535), &["0.0.0.0/0"], &[])]),
            sg("sg-internal", vec![sg_perm("tcp", Some(0), Some(65535), &["10.0.0.0/8"], &[])]),
        ]);
        assert!(findings.is_empty());
    }
}
