//! `aws.iam.user_policies_attached_directly`: an IAM user with managed or inline policies of
//! its own instead of permissions only through groups.

use skywarden_graph::model::User;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.user_policies_attached_directly",
        title: "IAM user has policies attached directly",
        description: "Managed policies are attached to the user, or the user has inline policies: \
                      permissions granted per user drift and are hard to review.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamUser],
        remediation: "Put the user in a group that carries the policies, then detach them from the \
                      user (`aws iam detach-user-policy`, `aws iam delete-user-policy`).",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.15" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<User>()
        .filter(|(_, u)| !u.attached_policies.is_empty() || !u.inline_policies.is_empty())
        .map(|(r, u)| {
            let evidence = Evidence::DirectUserPolicies {
                user_name: u.user_name.clone(),
                attached: u.attached_policies.iter().map(|p| p.arn.clone()).collect(),
                inline: u.inline_policies.clone(),
            };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{admin_policy, eval_rule, iam_user};

    #[test]
    fn fires_on_attached_or_inline_user_policies() {
        let (_, attached) = admin_policy("p", false);
        let findings = eval_rule(&RULE, vec![
            iam_user("a", |u| u.attached_policies.push(attached.clone())),
            iam_user("b", |u| u.inline_policies.push("inline".into())),
            iam_user("c", |u| u.groups.push("arn:aws:iam::123456789012:group/g".parse().unwrap())),
        ]);
        assert_eq!(findings.len(), 2);
    }
}
