//! `aws.iam.role_trust_allows_any_principal`: a role anyone (`Principal: *`) may assume,
//! with no condition narrowing it.

use skywarden_graph::model::Role;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.iam.role_trust_allows_any_principal",
        title: "IAM role can be assumed by any AWS principal",
        description: "A trust policy statement allows Principal `*` (or AWS `*`) with no Condition \
                      (such as sts:ExternalId or aws:PrincipalOrgID): any AWS account can assume \
                      the role.",
        severity: Severity::Critical,
        category: Category::Security,
        kinds: &[ResourceKind::AwsIamRole],
        remediation: "Name the accounts or roles that may assume it in the trust policy, or add a \
                      condition (aws:PrincipalOrgID, sts:ExternalId): `aws iam update-assume-role-policy`.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Role>()
        .filter_map(|(r, role)| {
            let statements: Vec<_> = role
                .trust_policy
                .as_ref()?
                .statements
                .iter()
                .filter(|s| s.allows_any_principal_unconditionally())
                .cloned()
                .collect();
            (!statements.is_empty()).then(|| Finding::new(&RULE.meta, r, "", Evidence::TrustAnyPrincipal { statements }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::PolicyDocument;

    use super::*;
    use crate::catalog::testkit::{eval_rule, iam_role};

    fn trust(doc: &str) -> impl FnOnce(&mut Role) + '_ {
        move |r| r.trust_policy = Some(PolicyDocument::parse(doc).unwrap())
    }

    #[test]
    fn fires_on_unconditional_star() {
        let findings = eval_rule(&RULE, vec![
            iam_role("open", trust(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#)),
            iam_role("open2", trust(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#)),
        ]);
        assert_eq!(findings.len(), 2);
    }

    #[test]
    fn passes_with_condition_or_named_principals() {
        let findings = eval_rule(&RULE, vec![
            iam_role("ext", trust(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}"#)),
            iam_role("acct", trust(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#)),
            iam_role("svc", trust(r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)),
            iam_role("deny", trust(r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}"#)),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
