//! `aws.iam.root_mfa_disabled`: the root user has no MFA device (`AccountMFAEnabled` = 0).

use skywarden_graph::model::AccountSummary;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.root_mfa_disabled",
        title: "Root user has no MFA",
        description: "GetAccountSummary reports AccountMFAEnabled = 0: the root user, which can do \
                      anything in the account, signs in with a password alone.",
        severity: Severity::Critical,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamAccountSummary],
        remediation: "Sign in as root and assign an MFA device (Security credentials > Multi-factor \
                      authentication), preferably a hardware key.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.5" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<AccountSummary>()
        .filter(|(_, s)| !s.root_mfa_enabled)
        .map(|(r, s)| {
            let evidence = Evidence::RootAccount { root_mfa_enabled: s.root_mfa_enabled, root_access_keys_present: s.root_access_keys_present };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{account_summary, eval_rule};

    #[test]
    fn fires_without_root_mfa() {
        assert_eq!(eval_rule(&RULE, vec![account_summary(|s| s.root_mfa_enabled = false)]).len(), 1);
        assert!(eval_rule(&RULE, vec![account_summary(|_| {})]).is_empty());
    }
}
