//! `aws.iam.root_access_keys_present`: the root user has access keys (`AccountAccessKeysPresent` = 1).

use skywarden_graph::model::AccountSummary;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.root_access_keys_present",
        title: "Root user has access keys",
        description: "GetAccountSummary reports AccountAccessKeysPresent = 1: keys with unrestricted \
                      access to the account, which no policy can limit.",
        severity: Severity::Critical,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamAccountSummary],
        remediation: "Sign in as root, check the keys are unused (Security credentials), then delete \
                      them; use IAM roles for automation instead.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.4" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<AccountSummary>()
        .filter(|(_, s)| s.root_access_keys_present)
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
    fn fires_with_root_keys() {
        assert_eq!(eval_rule(&RULE, vec![account_summary(|s| s.root_access_keys_present = true)]).len(), 1);
        assert!(eval_rule(&RULE, vec![account_summary(|_| {})]).is_empty());
    }
}
