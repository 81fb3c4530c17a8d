//! `aws.iam.user_console_without_mfa`: an IAM user with a console password and no MFA device.

use skywarden_graph::model::User;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.user_console_without_mfa",
        title: "IAM user with a console password has no MFA",
        description: "The user has a login profile (can sign in to the console) and no MFA device: \
                      a phished or reused password is enough to sign in.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamUser],
        remediation: "Enable an MFA device for the user (`aws iam enable-mfa-device`), or remove \
                      the console password if the user does not need it (`aws iam delete-login-profile`).",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.10" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<User>()
        .filter(|(_, u)| u.has_console_password() && u.mfa_devices.is_empty())
        .map(|(r, u)| {
            let evidence = Evidence::ConsoleWithoutMfa { user_name: u.user_name.clone(), password_last_used: u.password_last_used };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{LoginProfile, MfaDevice};

    use super::*;
    use crate::catalog::testkit::{eval_rule, iam_user};

    fn console(u: &mut User) {
        u.login_profile = Some(LoginProfile { created: None, password_reset_required: false });
    }

    #[test]
    fn fires_on_console_users_without_mfa_only() {
        let findings = eval_rule(&RULE, vec![
            iam_user("nomfa", console),
            iam_user("mfa", |u| {
                console(u);
                u.mfa_devices.push(MfaDevice { serial_number: "arn:aws:iam::123456789012:mfa/mfa".into(), enable_date: None });
            }),
            iam_user("api-only", |_| {}),
        ]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].resource_id.short_id(), "nomfa");
    }
}
