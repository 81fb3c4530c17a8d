//! `aws.ec2.instance_imdsv1`: the instance metadata service answers IMDSv1 (token-less) calls.

use skywarden_graph::model::Instance;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.instance_imdsv1",
        title: "EC2 instance allows IMDSv1",
        description: "The instance metadata endpoint is enabled and session tokens are optional \
                      (HttpTokens: optional), so a plain GET, e.g. through a server-side request \
                      forgery, can read the instance role's credentials. Reported in any instance \
                      state: a stopped instance keeps the setting when it starts again.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2Instance],
        remediation: "Require IMDSv2: `aws ec2 modify-instance-metadata-options --instance-id <id> \
                      --http-tokens required --http-endpoint enabled` (check first that the software \
                      on the instance uses an SDK or agent that supports IMDSv2), and set \
                      `HttpTokens: required` in launch templates and the account's instance \
                      metadata defaults.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "5.6" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Instance>()
        .filter(|(_, i)| i.allows_imdsv1())
        .map(|(r, i)| {
            let evidence = Evidence::InstanceMetadata {
                http_tokens: i.metadata.http_tokens,
                http_endpoint_enabled: i.metadata.http_endpoint_enabled,
                state: i.state,
            };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{HttpTokens, InstanceState};

    use super::*;
    use crate::catalog::testkit::{eval_rule, instance};

    #[test]
    fn fires_when_tokens_are_optional_in_any_state() {
        let findings = eval_rule(&RULE, vec![
            instance("i-running", |i| i.metadata.http_tokens = Some(HttpTokens::Optional)),
            instance("i-stopped", |i| {
                i.metadata.http_tokens = Some(HttpTokens::Optional);
                i.state = InstanceState::Stopped;
            }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.short_id()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["i-running", "i-stopped"]);
        let stopped = findings.iter().find(|f| f.resource_id.short_id() == "i-stopped").unwrap();
        assert_eq!(stopped.evidence, Evidence::InstanceMetadata {
            http_tokens: Some(HttpTokens::Optional),
            http_endpoint_enabled: true,
            state: InstanceState::Stopped,
        });
        assert!(findings.iter().all(|f| f.severity == Severity::Medium && f.resource_kind == ResourceKind::AwsEc2Instance));
    }

    #[test]
    fn passes_when_v2_required_endpoint_disabled_or_unknown() {
        let findings = eval_rule(&RULE, vec![
            instance("i-v2", |_| {}),
            instance("i-off", |i| {
                i.metadata.http_tokens = Some(HttpTokens::Optional);
                i.metadata.http_endpoint_enabled = false;
            }),
            // Not reported by the API: not evidence of IMDSv1.
            instance("i-unknown", |i| i.metadata.http_tokens = None),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
