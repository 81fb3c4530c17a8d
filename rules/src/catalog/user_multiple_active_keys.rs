//! `aws.iam.user_multiple_active_keys`: an IAM user with more than one Active access key.

use skywarden_graph::model::User;
use skywarden_graph::ResourceKind;

use super::iam_keys_of;
use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.user_multiple_active_keys",
        title: "IAM user has more than one active access key",
        description: "Two Active access keys double what can leak and usually mean a rotation was \
                      never finished.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamUser, ResourceKind::AwsIamAccessKey],
        remediation: "Find which key is in use (`aws iam get-access-key-last-used`), deactivate and \
                      delete the other.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.13" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<User>()
        .filter_map(|(r, u)| {
            let active: Vec<String> =
                iam_keys_of(cx, r).into_iter().filter(|k| k.is_active()).map(|k| k.access_key_id.clone()).collect();
            (active.len() > 1).then(|| {
                let evidence = Evidence::UserAccessKeys { user_name: u.user_name.clone(), active: active.len(), access_key_ids: active };
                Finding::new(&RULE.meta, r, "", evidence)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::AccessKeyStatus;

    use super::*;
    use crate::catalog::testkit::{access_key, eval_rule, iam_user};

    #[test]
    fn fires_on_two_active_keys_not_on_one_active_one_inactive() {
        let findings = eval_rule(&RULE, vec![
            iam_user("alice", |_| {}),
            access_key("alice", "AKIA1", |_| {}),
            access_key("alice", "AKIA2", |_| {}),
            iam_user("bob", |_| {}),
            access_key("bob", "AKIA3", |_| {}),
            access_key("bob", "AKIA4", |k| k.status = AccessKeyStatus::Inactive),
        ]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].resource_id.short_id(), "alice");
    }
}
