//! `aws.ec2.security_group_world_open_rdp`: ingress from 0.0.0.0/0 or ::/0 reaching TCP 3389.

use skywarden_graph::ResourceKind;

use super::world_open_port;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.security_group_world_open_rdp",
        title: "Security group allows RDP (TCP 3389) from the internet",
        description: "An ingress permission from 0.0.0.0/0 or ::/0 covers TCP port 3389, directly, \
                      through a port range, or through an all-protocols (-1) rule.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2SecurityGroup],
        remediation: "Restrict the rule's source to known administrative networks, or reach Windows \
                      hosts through AWS Systems Manager Fleet Manager or a bastion and remove the rule.",
        frameworks: &[
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.2" },
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.3" },
        ],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    world_open_port(cx, &RULE.meta, 3389)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{eval_rule, sg, sg_perm};
    use crate::finding::Evidence;

    #[test]
    fn fires_on_world_open_rdp_ipv4_ipv6_range_and_all_traffic() {
        let findings = eval_rule(&RULE, vec![
            sg("sg-v4", vec![sg_perm("tcp", Some(3389), Some(3389), &["0.0.0.0/0"], &[])]),
            sg("sg-v6", vec![sg_perm("tcp", Some(3389), Some(3389), &[], &["::/0"])]),
            sg("sg-range", vec![sg_perm("tcp", Some(3000), Some(4000), &["0.0.0.0/0"], &[])]),
            sg("sg-all", vec![sg_perm("-1", None, None, &["0.0.0.0/0"], &[])]),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.short_id()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["sg-all", "sg-range", "sg-v4", "sg-v6"]);
        assert!(findings.iter().all(|f| f.rule_id == RULE.meta.id && f.severity == Severity::High));
        let sg_v6 = findings.iter().find(|f| f.resource_id.short_id() == "sg-v6").unwrap();
        let Evidence::WorldOpenIngress { port, permissions } = &sg_v6.evidence else { panic!("{:?}", sg_v6.evidence) };
        assert_eq!(*port, 3389);
        assert_eq!(permissions.len(), 1);
        assert_eq!(permissions[0].source, "::/0");
    }

    #[test]
    fn passes_on_restricted_ssh_only_or_udp() {
        let findings = eval_rule(&RULE, vec![
            sg("sg-internal", vec![sg_perm("tcp", Some(3389), Some(3389), &["10.0.0.0/8"], &[])]),
            sg("sg-ssh", vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])]),
            sg("sg-udp", vec![sg_perm("udp", Some(3389), Some(3389), &["0.0.0.0/0"], &[])]),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
