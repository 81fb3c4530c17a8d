//! `aws.ec2.launch_template_imdsv1`: a launch template whose default version does not require
//! IMDSv2, so instances launched from it allow IMDSv1.

use skywarden_graph::model::LaunchTemplate;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.launch_template_imdsv1",
        title: "Launch template does not require IMDSv2",
        description: "The template's default version leaves IMDS session tokens optional (or \
                      unset, in which case EC2 launches with tokens optional unless the AMI or the \
                      account's metadata defaults require them) and does not switch the metadata \
                      endpoint off. Every instance launched from it, by hand, an Auto Scaling group \
                      or a fleet, answers token-less IMDSv1 requests (see \
                      `aws.ec2.instance_imdsv1`, CIS AWS Foundations v3.0.0 5.6, which audits the \
                      instances themselves).",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2LaunchTemplate],
        remediation: "Create a new template version with `MetadataOptions: {HttpTokens: required, \
                      HttpEndpoint: enabled}` (`aws ec2 create-launch-template-version \
                      --launch-template-id <id> --source-version <default> --launch-template-data \
                      '{\"MetadataOptions\":{\"HttpTokens\":\"required\"}}'`), make it the default \
                      (`aws ec2 modify-launch-template --default-version <n>`), and roll the \
                      instances.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<LaunchTemplate>()
        .filter_map(|(r, t)| Some((r, t, t.default.as_ref()?)))
        .filter(|(_, _, d)| d.allows_imdsv1())
        .map(|(r, t, d)| {
            let evidence = Evidence::LaunchTemplateMetadata {
                default_version: t.default_version,
                http_tokens: d.http_tokens,
                http_endpoint_enabled: d.http_endpoint_enabled,
            };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::HttpTokens;

    use super::*;
    use crate::catalog::testkit::{eval_rule, launch_template};

    fn data(t: &mut LaunchTemplate) -> &mut skywarden_graph::model::LaunchTemplateData {
        t.default.as_mut().unwrap()
    }

    #[test]
    fn fires_when_tokens_are_optional_or_unset() {
        let findings = eval_rule(&RULE, vec![
            launch_template("lt-optional", |t| data(t).http_tokens = Some(HttpTokens::Optional)),
            launch_template("lt-unset", |t| {
                data(t).http_tokens = None;
                data(t).http_endpoint_enabled = None;
            }),
        ]);
        assert_eq!(findings.len(), 2);
        let Evidence::LaunchTemplateMetadata { http_tokens, default_version, .. } = &findings[0].evidence else {
            panic!()
        };
        assert_eq!(*default_version, Some(1));
        assert!(http_tokens.is_none() || *http_tokens == Some(HttpTokens::Optional));
    }

    #[test]
    fn passes_when_required_disabled_or_unknown() {
        let findings = eval_rule(&RULE, vec![
            launch_template("lt-required", |_| {}),
            launch_template("lt-off", |t| {
                data(t).http_tokens = Some(HttpTokens::Optional);
                data(t).http_endpoint_enabled = Some(false);
            }),
            launch_template("lt-no-default", |t| t.default = None),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
