//! `aws.iam.user_two_access_keys`: an IAM user with two access keys, Active or Inactive.

use skywarden_graph::model::User;
use skywarden_graph::ResourceKind;

use super::iam_keys_of;
use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.user_two_access_keys",
        title: "IAM user has two access keys",
        description: "The user holds two access keys (whatever their status): an inactive key can \
                      be re-activated by anyone allowed to, and it blocks the next rotation.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamUser, ResourceKind::AwsIamAccessKey],
        remediation: "Delete the key that is not in use: `aws iam delete-access-key`.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<User>()
        .filter_map(|(r, u)| {
            let keys = iam_keys_of(cx, r);
            (keys.len() > 1).then(|| {
                let evidence = Evidence::UserAccessKeys {
                    user_name: u.user_name.clone(),
                    active: keys.iter().filter(|k| k.is_active()).count(),
                    access_key_ids: keys.iter().map(|k| k.access_key_id.clone()).collect(),
                };
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
    fn fires_on_two_keys_of_any_status() {
        let findings = eval_rule(&RULE, vec![
            iam_user("bob", |_| {}),
            access_key("bob", "AKIA3", |_| {}),
            access_key("bob", "AKIA4", |k| k.status = AccessKeyStatus::Inactive),
            iam_user("carol", |_| {}),
            access_key("carol", "AKIA5", |_| {}),
            iam_user("dave", |_| {}),
        ]);
        assert_eq!(findings.len(), 1);
        let Evidence::UserAccessKeys { active, access_key_ids, .. } = &findings[0].evidence else { panic!() };
        assert_eq!((*active, access_key_ids.len()), (1, 2));
    }
}
