//! `aws.iam.credentials_unused_45_days`: an IAM user whose console password or Active access
//! key has not been used in `[rules.thresholds] credentials_unused_days` (45) days.

use chrono::{DateTime, Utc};
use skywarden_graph::model::User;
use skywarden_graph::ResourceKind;

use super::iam_keys_of;
use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding, UnusedCredential};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.credentials_unused_45_days",
        title: "IAM user has credentials unused for 45 days",
        description: "A console password or an Active access key was last used more than \
                      `credentials_unused_days` (default 45) days ago, or was never used and was \
                      created more than that long ago. One finding per user listing each such \
                      credential.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamUser, ResourceKind::AwsIamAccessKey],
        remediation: "Disable what is not needed: `aws iam delete-login-profile` for the password, \
                      `aws iam update-access-key --status Inactive` for the key.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.12" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    let threshold = cx.thresholds.credentials_unused_days;
    let stale = |credential: String, last_used: Option<DateTime<Utc>>, created: Option<DateTime<Utc>>| {
        // Never used: counted from creation; unknown creation too: cannot judge.
        let since = last_used.or(created)?;
        let days_unused = (cx.now - since).num_days();
        (days_unused > i64::from(threshold)).then_some(UnusedCredential { credential, last_used, created, days_unused })
    };
    cx.inventory
        .of_kind::<User>()
        .filter_map(|(r, u)| {
            let mut unused: Vec<UnusedCredential> = Vec::new();
            if let Some(lp) = &u.login_profile {
                unused.extend(stale("password".into(), u.password_last_used, lp.created.or(u.create_date)));
            }
            for k in iam_keys_of(cx, r).into_iter().filter(|k| k.is_active()) {
                unused.extend(stale(k.access_key_id.clone(), k.last_used_date, k.create_date));
            }
            (!unused.is_empty()).then(|| {
                let evidence = Evidence::UnusedCredentials { user_name: u.user_name.clone(), unused, threshold_days: threshold };
                Finding::new(&RULE.meta, r, "", evidence)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use skywarden_graph::model::{AccessKeyStatus, LoginProfile};

    use super::*;
    use crate::catalog::testkit::{access_key, eval_rule, iam_user, testkit_now};

    #[test]
    fn fires_on_stale_password_and_never_used_old_key() {
        let now = testkit_now();
        let findings = eval_rule(&RULE, vec![
            iam_user("stale", |u| {
                u.login_profile = Some(LoginProfile { created: Some(now - Duration::days(300)), password_reset_required: false });
                u.password_last_used = Some(now - Duration::days(60));
            }),
            access_key("stale", "AKIANEVER", |k| {
                k.create_date = Some(now - Duration::days(50));
                k.last_used_date = None;
            }),
            access_key("stale", "AKIAOFF", |k| {
                k.create_date = Some(now - Duration::days(500));
                k.status = AccessKeyStatus::Inactive;
            }),
        ]);
        assert_eq!(findings.len(), 1);
        let Evidence::UnusedCredentials { unused, .. } = &findings[0].evidence else { panic!() };
        let creds: Vec<&str> = unused.iter().map(|c| c.credential.as_str()).collect();
        assert_eq!(creds, ["password", "AKIANEVER"]);
    }

    #[test]
    fn passes_on_recently_used_credentials() {
        let now = testkit_now();
        let findings = eval_rule(&RULE, vec![
            iam_user("busy", |u| {
                u.login_profile = Some(LoginProfile { created: Some(now - Duration::days(300)), password_reset_required: false });
                u.password_last_used = Some(now - Duration::days(3));
            }),
            access_key("busy", "AKIAUSED", |k| {
                k.create_date = Some(now - Duration::days(300));
                k.last_used_date = Some(now - Duration::days(1));
            }),
            access_key("busy", "AKIAYOUNG", |k| k.create_date = Some(now - Duration::days(10))),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
