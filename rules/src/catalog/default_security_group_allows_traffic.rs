//! `aws.ec2.default_security_group_allows_traffic`: a VPC's `default` security group with any
//! rule (CIS 5.4).

use skywarden_graph::model::SecurityGroup;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.default_security_group_allows_traffic",
        title: "Default security group does not restrict all traffic",
        description: "The VPC's security group named `default` has at least one inbound or \
                      outbound rule. Anything launched without an explicit group lands in it, so \
                      CIS asks for it to have no rules at all, in every VPC including the default \
                      VPC. AWS creates it with a self-referencing inbound rule and an all-traffic \
                      outbound rule, so a new VPC fails until it is emptied.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2SecurityGroup],
        remediation: "Move members to purpose-built groups, then remove every rule: \
                      `aws ec2 revoke-security-group-ingress --group-id <id> --ip-permissions ...` \
                      and `aws ec2 revoke-security-group-egress --group-id <id> --ip-permissions ...`.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.4" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<SecurityGroup>()
        .filter(|(_, g)| g.group_name == "default" && g.vpc.is_some())
        .filter(|(_, g)| !g.ingress.is_empty() || !g.egress.is_empty())
        .map(|(r, g)| {
            let evidence =
                Evidence::DefaultSecurityGroupRules { vpc: g.vpc.clone(), ingress: g.ingress.clone(), egress: g.egress.clone() };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{ec2_id, eval_rule, sg, sg_perm};

    fn default_group(id: &str, ingress: bool, egress: bool) -> skywarden_graph::Resource {
        let mut r = sg(id, if ingress { vec![sg_perm("-1", None, None, &[], &[])] } else { vec![] });
        if let skywarden_graph::Properties::AwsEc2SecurityGroup(g) = &mut r.properties {
            g.group_name = "default".into();
            g.vpc = Some(ec2_id("vpc", "vpc-1"));
            if egress {
                g.egress = vec![sg_perm("-1", None, None, &["0.0.0.0/0"], &[])];
            }
        }
        r
    }

    #[test]
    fn fires_on_default_groups_with_rules() {
        let findings = eval_rule(&RULE, vec![default_group("sg-egress", false, true), default_group("sg-both", true, true)]);
        assert_eq!(findings.len(), 2);
        let f = findings.iter().find(|f| f.resource_id.short_id() == "sg-egress").unwrap();
        let Evidence::DefaultSecurityGroupRules { vpc, ingress, egress } = &f.evidence else { panic!("{:?}", f.evidence) };
        assert_eq!(vpc.as_ref().map(|v| v.short_id()), Some("vpc-1"));
        assert!(ingress.is_empty());
        assert_eq!(egress[0].ipv4_ranges, ["0.0.0.0/0"]);
    }

    #[test]
    fn passes_on_empty_default_groups_and_other_groups() {
        let findings = eval_rule(&RULE, vec![
            default_group("sg-empty", false, false),
            sg("sg-web", vec![sg_perm("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[])]),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
