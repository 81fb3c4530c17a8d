//! `aws.ec2.security_group_world_open_ssh`: ingress from 0.0.0.0/0 or ::/0 reaching TCP 22.

use skywarden_graph::ResourceKind;

use super::world_open_port;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.security_group_world_open_ssh",
        title: "Security group allows SSH (TCP 22) from the internet",
        description: "An ingress permission from 0.0.0.0/0 or ::/0 covers TCP port 22, directly, \
                      through a port range, or through an all-protocols (-1) rule.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2SecurityGroup],
        remediation: "Restrict the rule's source to known administrative networks, or replace \
                      SSH with AWS Systems Manager Session Manager and remove the rule.",
        frameworks: &[
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.2" },
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.3" },
        ],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    world_open_port(cx, &RULE.meta, 22)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{eval_rule, sg, sg_perm};

    #[test]
    fn fires_on_world_open_ssh_ipv4_ipv6_range_and_all_traffic() {
        let findings = eval_rule(&RULE, vec![
            sg("sg-v4", vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])]),
            sg("sg-v6", vec![sg_perm("tcp", Some(22), Some(22), &[], &["::/0"])]),
            sg("sg-range", vec![sg_perm("tcp", Some(0), Some(65535), &["0.0.0.0/0"], &[])]),
            sg("sg-all", vec![sg_perm("-1", None, None, &["0.0.0.0/0"], &[])]),
        ]);
        let ids: Vec<&str> = findings.iter().map(|f| f.resource_id.short_id()).collect();
        assert_eq!(findings.len(), 4, "{ids:?}");
        assert!(findings.iter().all(|f| f.rule_id == RULE.meta.id && f.severity == Severity::High));
    }

    #[test]
    fn passes_on_restricted_or_other_ports() {
        let findings = eval_rule(&RULE, vec![
            sg("sg-internal", vec![sg_perm("tcp", Some(22), Some(22), &["10.0.0.0/8"], &[])]),
            sg("sg-web", vec![sg_perm("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[])]),
            sg("sg-udp", vec![sg_perm("udp", Some(22), Some(22), &["0.0.0.0/0"], &[])]),
        ]);
        assert!(findings.is_empty());
    }
}
