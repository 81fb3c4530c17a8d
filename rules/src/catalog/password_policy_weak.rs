//! `aws.iam.password_policy_weak`: a password policy shorter than 14 characters (CIS 1.8) or
//! remembering fewer than 24 passwords (CIS 1.9).

use skywarden_graph::model::PasswordPolicy;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.password_policy_weak",
        title: "IAM password policy is weaker than CIS requires",
        description: "The account password policy requires fewer than 14 characters or prevents \
                      reuse of fewer than the last 24 passwords. An account without a policy is \
                      reported by `aws.iam.no_password_policy` instead.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamPasswordPolicy],
        remediation: "`aws iam update-account-password-policy --minimum-password-length 14 \
                      --password-reuse-prevention 24` (with your other settings: the call replaces \
                      the whole policy).",
        frameworks: &[
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.8" },
            FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.9" },
        ],
    },
    eval,
};

const MIN_LENGTH: i32 = 14;
const MIN_REUSE: i32 = 24;

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<PasswordPolicy>()
        .filter(|(_, p)| p.configured)
        .filter_map(|(r, p)| {
            let mut problems = Vec::new();
            if p.minimum_length.unwrap_or(0) < MIN_LENGTH {
                problems.push(format!("minimum length below {MIN_LENGTH}"));
            }
            if p.reuse_prevention.unwrap_or(0) < MIN_REUSE {
                problems.push(format!("reuse prevention below {MIN_REUSE}"));
            }
            (!problems.is_empty()).then(|| {
                let evidence = Evidence::PasswordPolicy {
                    configured: true,
                    minimum_length: p.minimum_length,
                    reuse_prevention: p.reuse_prevention,
                    problems,
                };
                Finding::new(&RULE.meta, r, "", evidence)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{eval_rule, password_policy};

    #[test]
    fn fires_on_short_or_reusable_passwords() {
        let f = eval_rule(&RULE, vec![password_policy(|p| p.minimum_length = Some(8))]);
        let Evidence::PasswordPolicy { problems, .. } = &f[0].evidence else { panic!() };
        assert_eq!(problems.len(), 1);
        assert_eq!(eval_rule(&RULE, vec![password_policy(|p| p.reuse_prevention = None)]).len(), 1);
    }

    #[test]
    fn passes_on_cis_policy_and_on_missing_policy() {
        assert!(eval_rule(&RULE, vec![password_policy(|_| {})]).is_empty());
        assert!(eval_rule(&RULE, vec![password_policy(|p| p.configured = false)]).is_empty());
    }
}
