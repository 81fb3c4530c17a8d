//! `aws.iam.no_password_policy`: the account has no IAM password policy.

use skywarden_graph::model::PasswordPolicy;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.no_password_policy",
        title: "Account has no IAM password policy",
        description: "GetAccountPasswordPolicy reports none: IAM users' console passwords need only \
                      8 characters, no complexity, no reuse prevention.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamPasswordPolicy],
        remediation: "Set one: `aws iam update-account-password-policy --minimum-password-length 14 \
                      --password-reuse-prevention 24`.",
        frameworks: &[
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.8" },
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.9" },
        ],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<PasswordPolicy>()
        .filter(|(_, p)| !p.configured)
        .map(|(r, _)| {
            let evidence = Evidence::PasswordPolicy {
                configured: false,
                minimum_length: None,
                reuse_prevention: None,
                problems: vec!["no password policy".into()],
            };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{eval_rule, password_policy};

    #[test]
    fn fires_only_without_a_policy() {
        assert_eq!(eval_rule(&RULE, vec![password_policy(|p| p.configured = false)]).len(), 1);
        assert!(eval_rule(&RULE, vec![password_policy(|_| {})]).is_empty());
    }
}
