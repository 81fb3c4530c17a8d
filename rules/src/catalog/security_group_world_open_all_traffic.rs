//! `aws.ec2.security_group_world_open_all_traffic`: ingress of every protocol from the world.

use skywarden_graph::model::IpProtocol;
use skywarden_graph::ResourceKind;

use super::world_open_matching;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.security_group_world_open_all_traffic",
        title: "Security group allows all traffic from the internet",
        description: "An ingress permission with IpProtocol -1 (every protocol, every port) has \
                      0.0.0.0/0 or ::/0 as its source: anything listening on an attached \
                      interface is reachable from the internet.",
        severity: Severity::Critical,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2SecurityGroup],
        remediation: "Replace the all-traffic rule with rules for the ports the workload serves, \
                      from the sources that need them.",
        frameworks: &[
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.2" },
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.3" },
        ],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    world_open_matching(cx, &RULE.meta, |p| p.protocol == IpProtocol::All)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{eval_rule, sg, sg_perm};
    use crate::finding::Evidence;

    #[test]
    fn fires_on_all_traffic_from_the_world() {
        let findings = eval_rule(&RULE, vec![
            sg("sg-v4", vec![sg_perm("-1", None, None, &["0.0.0.0/0"], &[])]),
            sg("sg-v6", vec![sg_perm("-1", None, None, &[], &["::/0"])]),
        ]);
        assert_eq!(findings.len(), 2);
        let Evidence::WorldOpenAllPorts { permissions } = &findings[0].evidence else {
            panic!("{:?}", findings[0].evidence)
        };
        assert_eq!(permissions.len(), 1);
        assert_eq!(permissions[0].protocol, IpProtocol::All);
    }

    #[test]
    fn passes_on_port_ranges_and_internal_sources() {
        let findings = eval_rule(&RULE, vec![
            sg("sg-range", vec![sg_perm("tcp", Some(0), Some(65535), &["0.0.0.0/0"], &[])]),
            sg("sg-internal", vec![sg_perm("-1", None, None, &["10.0.0.0/8"], &[])]),
        ]);
        assert!(findings.is_empty());
    }
}
