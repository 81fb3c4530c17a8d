//! `aws.iam.access_key_older_than_90d`: an active access key not rotated within
//! `[rules.thresholds] access_key_max_age_days` (90).

use skywarden_graph::model::AccessKey;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.access_key_older_than_90d",
        title: "IAM access key has not been rotated in 90 days",
        description: "An Active access key was created more than `access_key_max_age_days` (default \
                      90) days ago. Long-lived keys are the credentials most often leaked; \
                      inactive keys are not reported.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamAccessKey],
        remediation: "Create a second key, move its users to it, then deactivate and delete the old \
                      one: `aws iam update-access-key --status Inactive` and `aws iam delete-access-key`.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.14" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    let max = i64::from(cx.thresholds.access_key_max_age_days);
    cx.inventory
        .of_kind::<AccessKey>()
        .filter(|(_, k)| k.is_active())
        .filter_map(|(r, k)| {
            let age_days = (cx.now - k.create_date?).num_days();
            (age_days > max).then(|| {
                let evidence = Evidence::AccessKeyAge {
                    access_key_id: k.access_key_id.clone(),
                    user_name: k.user_name.clone(),
                    status: k.status,
                    created: k.create_date,
                    age_days,
                };
                Finding::new(&RULE.meta, r, "", evidence)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use skywarden_graph::model::AccessKeyStatus;

    use super::*;
    use crate::catalog::testkit::{access_key, eval_rule, testkit_now};

    #[test]
    fn fires_on_old_active_keys_only() {
        let now = testkit_now();
        let findings = eval_rule(&RULE, vec![
            access_key("alice", "AKIAOLD", |k| k.create_date = Some(now - Duration::days(120))),
            access_key("alice", "AKIANEW", |k| k.create_date = Some(now - Duration::days(10))),
            access_key("bob", "AKIAOLDOFF", |k| {
                k.create_date = Some(now - Duration::days(400));
                k.status = AccessKeyStatus::Inactive;
            }),
        ]);
        assert_eq!(findings.len(), 1);
        let Evidence::AccessKeyAge { access_key_id, age_days, .. } = &findings[0].evidence else { panic!() };
        assert_eq!((access_key_id.as_str(), *age_days), ("AKIAOLD", 120));
    }

    #[test]
    fn passes_on_fresh_keys() {
        let now = testkit_now();
        let findings = eval_rule(&RULE, vec![access_key("a", "AKIA1", |k| k.create_date = Some(now - Duration::days(90)))]);
        assert!(findings.is_empty());
    }
}
