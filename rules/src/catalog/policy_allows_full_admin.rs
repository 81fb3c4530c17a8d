//! `aws.iam.policy_allows_full_admin`: an attached customer-managed policy that allows `*`
//! on `*`.

use skywarden_graph::model::Policy;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.policy_allows_full_admin",
        title: "Attached IAM policy allows full administrative privileges",
        description: "The default version of a customer-managed policy has a statement with Effect \
                      Allow, Action `*` and Resource `*`, and the policy is attached to at least \
                      one user, group or role.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamPolicy],
        remediation: "Detach the policy (`aws iam list-entities-for-policy`, then detach-*-policy) \
                      and grant scoped policies instead.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.16" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Policy>()
        .filter(|(_, p)| p.attachment_count > 0)
        .filter_map(|(r, p)| {
            let statements: Vec<_> =
                p.document.as_ref()?.statements.iter().filter(|s| s.allows_full_admin()).cloned().collect();
            (!statements.is_empty()).then(|| {
                let evidence = Evidence::AdminPolicy {
                    policy_arn: r.id.to_string(),
                    policy_name: p.policy_name.clone(),
                    via: format!("attachments:{}", p.attachment_count),
                    statements,
                };
                Finding::new(&RULE.meta, r, "", evidence)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{admin_policy, eval_rule};

    #[test]
    fn fires_on_attached_admin_policies_only() {
        let (attached_admin, _) = admin_policy("gov-admin", true);
        let (mut unattached, _) = admin_policy("spare-admin", true);
        if let skywarden_graph::Properties::AwsIamPolicy(p) = &mut unattached.properties {
            p.attachment_count = 0;
        }
        let (scoped, _) = admin_policy("read-only", false);
        let findings = eval_rule(&RULE, vec![attached_admin, unattached, scoped]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].resource_id.short_id(), "gov-admin");
    }
}
