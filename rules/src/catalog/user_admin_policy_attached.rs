//! `aws.iam.user_admin_policy_attached`: an IAM user holding a `*`-on-`*` policy, attached
//! directly or through one of its groups.

use skywarden_graph::model::User;
use skywarden_graph::ResourceKind;

use super::iam_admin_grants;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.user_admin_policy_attached",
        title: "IAM user has full administrator privileges",
        description: "A managed policy allowing Action `*` on Resource `*` (a customer-managed one \
                      with such a statement, or AWS `AdministratorAccess`) is attached to the user \
                      or to one of its groups. One finding per (user, policy).",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamUser, ResourceKind::AwsIamPolicy, ResourceKind::AwsIamGroup],
        remediation: "Grant least privilege: replace the policy with one scoped to the actions and \
                      resources the user needs; keep administrator access behind a role with MFA.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "1.16" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<User>()
        .flat_map(|(r, u)| {
            iam_admin_grants(cx, u)
                .into_iter()
                .map(move |e| {
                    let Some(arn) = admin_arn(&e) else { unreachable!("admin grants are AdminPolicy") };
                    Finding::new(&RULE.meta, r, &arn, e)
                })
        })
        .collect()
}

fn admin_arn(e: &crate::finding::Evidence) -> Option<String> {
    match e {
        crate::finding::Evidence::AdminPolicy { policy_arn, .. } => Some(policy_arn.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{admin_policy, eval_rule, iam_group, iam_user};
    use crate::finding::Evidence;

    #[test]
    fn fires_on_direct_and_group_admin() {
        let (pol, attached) = admin_policy("gov-admin", true);
        let (ro, ro_attached) = admin_policy("read-only", false);
        let findings = eval_rule(&RULE, vec![
            pol,
            ro,
            iam_user("admin", |u| u.attached_policies.push(attached.clone())),
            iam_group("ops", |g| g.attached_policies.push(attached.clone())),
            iam_user("member", |u| u.groups.push("arn:aws:iam::123456789012:group/ops".parse().unwrap())),
            iam_user("reader", |u| u.attached_policies.push(ro_attached.clone())),
            iam_user("nobody", |_| {}),
        ]);
        let mut who: Vec<(&str, String)> = findings
            .iter()
            .map(|f| {
                let Evidence::AdminPolicy { via, .. } = &f.evidence else { panic!() };
                (f.resource_id.short_id(), via.clone())
            })
            .collect();
        who.sort();
        assert_eq!(who, [("admin", "user:admin".to_string()), ("member", "group:ops".to_string())]);
    }

    #[test]
    fn aws_managed_administrator_access_counts() {
        let findings = eval_rule(&RULE, vec![iam_user("root-ish", |u| {
            u.attached_policies.push(skywarden_graph::model::AttachedPolicy {
                name: "AdministratorAccess".into(),
                arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
                local: None,
            })
        })]);
        assert_eq!(findings.len(), 1);
    }
}
