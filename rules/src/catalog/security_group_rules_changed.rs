//! `drift.security_group_rules_changed`: a security group's rules differ from its approved
//! baseline. Kind-generic over the kinds listed in [`rule_paths`]: AWS security groups
//! (ingress and egress) and Azure network security groups (their custom security rules; the
//! default rules are Azure's and cannot be edited).

use skywarden_graph::ResourceKind;

use crate::baseline::{modified_findings, normalised_document, same_unordered};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "drift.security_group_rules_changed",
        title: "Security group rules changed since the approved baseline",
        description: "The group's inbound or outbound rules are not the ones approved in the \
                      connection's pinned baseline (rules added, removed or widened): an AWS \
                      security group's ingress and egress permissions, or an Azure network \
                      security group's custom security rules (`securityRules`, both \
                      directions; Azure's default rules cannot be edited and are not compared). \
                      Rules are compared as sets: the same rules in another order are no \
                      change. The evidence is the JSON Patch from the approved rules to the \
                      current ones. Only resources of scopes the scan saw completely are \
                      compared.",
        severity: Severity::Medium,
        category: Category::Drift,
        kinds: &[
            ResourceKind::AwsEc2SecurityGroup,
            ResourceKind::AzureNetworkSecurityGroup,
        ],
        remediation: "If the change is intended, approve it (`skywarden baselines approve \
                      --resource <id>`); otherwise revert it (`aws ec2 \
                      revoke-security-group-ingress` / `authorize-security-group-ingress`) and \
                      find who made it in CloudTrail (`AuthorizeSecurityGroupIngress`, \
                      `RevokeSecurityGroupIngress`, `ModifySecurityGroupRules`); Azure: `az \
                      network nsg rule delete|update -g <rg> --nsg-name <nsg> -n <rule>` and the \
                      activity log (`az monitor activity-log list --resource-id <nsg id>`, \
                      operation `Microsoft.Network/networkSecurityGroups/securityRules/write`).",
        frameworks: &[],
    },
    eval,
};

/// Where the rules of a kind live in its document; `None`: not a kind this rule reads.
pub(crate) fn rule_paths(kind: ResourceKind) -> Option<&'static [&'static str]> {
    match kind {
        ResourceKind::AwsEc2SecurityGroup => Some(&["/properties/ingress", "/properties/egress"]),
        ResourceKind::AzureNetworkSecurityGroup => Some(&["/properties/security_rules"]),
        _ => None,
    }
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    modified_findings(cx, &RULE.meta, |approved, current| {
        let paths = rule_paths(current.kind())?;
        let same = same_unordered(
            &normalised_document(approved),
            &normalised_document(current),
            paths,
        );
        (!same).then_some(paths)
    })
}

#[cfg(test)]
mod tests {
    use skywarden_graph::testkit::azure::{az_nsg, nsg_rule};
    use skywarden_graph::testkit::{sg, sg_perm};

    use super::*;
    use crate::baseline::testkit::{ops, run, scope_of};

    fn ssh(cidrs: &[&str]) -> skywarden_graph::model::Permission {
        sg_perm("tcp", Some(22), Some(22), cidrs, &[])
    }

    #[test]
    fn fires_with_the_rule_diff_when_rules_change() {
        let approved = vec![sg("sg-1", vec![ssh(&["10.0.0.0/8"])]), sg("sg-2", vec![ssh(&["10.0.0.0/8"])])];
        let mut widened = sg("sg-1", vec![ssh(&["10.0.0.0/8"]), sg_perm("tcp", Some(3389), Some(3389), &["0.0.0.0/0"], &[])]);
        widened.tags.insert("touched".into(), "yes".into());
        let current = vec![widened, sg("sg-2", vec![ssh(&["10.0.0.0/8"])])];
        let findings = run(&RULE, approved, current, &[]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].resource_id.short_id(), "sg-1");
        // Only the rules: the tag change is not this rule's evidence.
        assert_eq!(ops(&findings[0]), [("add".to_string(), "/properties/ingress/1".to_string())]);
        assert_eq!(findings[0].category, Category::Drift);
    }

    #[test]
    fn passes_when_rules_are_equal_or_only_reordered() {
        let a = ssh(&["10.0.0.0/8"]);
        let b = sg_perm("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[]);
        let approved = vec![sg("sg-1", vec![a.clone(), b.clone()])];
        let current = vec![sg("sg-1", vec![b, a])];
        assert!(run(&RULE, approved, current, &[]).is_empty());
    }

    #[test]
    fn an_azure_nsg_rule_added_or_widened_fires_with_the_rules_patch() {
        let ssh_corp = nsg_rule("ssh-corp", 100, "Allow", "Tcp", &["10.0.0.0/8"], &["22"]);
        let web = nsg_rule("web", 200, "Allow", "Tcp", &["Internet"], &["443"]);
        let approved = vec![
            az_nsg("added", vec![ssh_corp.clone()]),
            az_nsg("widened", vec![ssh_corp.clone()]),
        ];
        let mut wider = ssh_corp.clone();
        wider.source_address_prefixes = vec!["*".into()];
        let current = vec![
            az_nsg("added", vec![ssh_corp.clone(), web]),
            az_nsg("widened", vec![wider]),
        ];
        let findings = run(&RULE, approved, current, &[]);
        let got: Vec<(&str, Vec<(String, String)>)> =
            findings.iter().map(|f| (f.resource_id.short_id(), ops(f))).collect();
        let op = |o: &str, p: &str| (o.to_string(), p.to_string());
        assert_eq!(
            got,
            [
                ("added", vec![op("add", "/properties/security_rules/1")]),
                (
                    "widened",
                    vec![op("replace", "/properties/security_rules/0/source_address_prefixes/0")]
                ),
            ]
        );
        assert!(findings.iter().all(|f| f.resource_kind == ResourceKind::AzureNetworkSecurityGroup));
    }

    #[test]
    fn an_azure_nsg_with_the_same_rules_in_another_order_passes() {
        let a = nsg_rule("ssh-corp", 100, "Allow", "Tcp", &["10.0.0.0/8"], &["22"]);
        let b = nsg_rule("web", 200, "Allow", "Tcp", &["Internet"], &["443"]);
        let approved = vec![az_nsg("nsg1", vec![a.clone(), b.clone()])];
        let mut current = az_nsg("nsg1", vec![b, a]);
        current.tags.insert("touched".into(), "yes".into());
        assert!(run(&RULE, approved, vec![current], &[]).is_empty());
    }

    #[test]
    fn a_failed_scope_is_not_compared() {
        let approved = vec![sg("sg-1", vec![ssh(&["10.0.0.0/8"])])];
        let current = vec![sg("sg-1", vec![ssh(&["0.0.0.0/0"])])];
        let failed = [scope_of(&current[0])];
        assert!(run(&RULE, approved, current, &failed).is_empty());
    }
}
