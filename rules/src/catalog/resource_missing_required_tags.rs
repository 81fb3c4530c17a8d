//! `aws.tagging.resource_missing_required_tags`: a resource without the tags the tag policy
//! (`[rules.tag_policy]`) requires. Reports nothing until required tags are configured.

use skywarden_graph::ResourceKind;

use skywarden_graph::Provider;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.tagging.resource_missing_required_tags",
        title: "Resource lacks required tags",
        description: "The resource does not carry every tag key the tag policy requires \
                      (`[rules.tag_policy] required`, optionally limited to `kinds`, plus \
                      `per_kind.<kind>.required`). Untagged \
                      resources cannot be attributed to an owner or a cost center, so their \
                      cost and risk have nobody to answer for them. Tag keys are compared \
                      exactly (AWS tag keys are case-sensitive). The evidence lists the missing \
                      keys.",
        severity: Severity::Low,
        category: Category::Drift,
        kinds: &[
            ResourceKind::AwsEc2Vpc,
            ResourceKind::AwsEc2Subnet,
            ResourceKind::AwsEc2RouteTable,
            ResourceKind::AwsEc2InternetGateway,
            ResourceKind::AwsEc2SecurityGroup,
            ResourceKind::AwsEc2Instance,
            ResourceKind::AwsEbsVolume,
        ],
        remediation: "Add the missing tags, e.g. `aws ec2 create-tags --resources <id> --tags \
                      Key=owner,Value=<team>`; enforce them at creation with an AWS \
                      Organizations tag policy or a service control policy that denies untagged \
                      creation.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    // Every AWS kind the policy applies to (not only those listed above); keys are exact.
    super::missing_required_tags(cx, &RULE.meta, |k| k.provider() == Provider::Aws, false)
}

#[cfg(test)]
mod tests {
    use skywarden_graph::InventoryBuilder;

    use super::*;
    use crate::catalog::testkit::{instance, volume};
    use crate::finding::Evidence;
    use crate::engine::TagPolicy;
    use crate::pricing::PriceTable;

    fn run(policy: TagPolicy, resources: Vec<skywarden_graph::Resource>) -> Vec<Finding> {
        let mut b = InventoryBuilder::new();
        b.extend(resources);
        let inv = b.build();
        let pricing = PriceTable::default();
        let mut cx = EvalCx::new(&inv, &pricing, chrono::Utc::now());
        cx.tag_policy = policy;
        let mut out = (RULE.eval)(&cx);
        out.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
        out
    }

    fn tagged(mut r: skywarden_graph::Resource, tags: &[(&str, &str)]) -> skywarden_graph::Resource {
        r.tags = tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        r
    }

    fn policy(kinds: Vec<ResourceKind>) -> TagPolicy {
        TagPolicy {
            required: vec!["owner".into(), "cost-center".into()],
            kinds,
            ..TagPolicy::default()
        }
    }

    #[test]
    fn fires_with_the_missing_keys_and_passes_when_complete() {
        let findings = run(
            policy(vec![]),
            vec![
                tagged(instance("i-none", |_| {}), &[("Name", "x")]),
                tagged(instance("i-half", |_| {}), &[("owner", "alice")]),
                tagged(instance("i-full", |_| {}), &[("owner", "a"), ("cost-center", "cc-1")]),
                // Keys are case-sensitive.
                tagged(volume("vol-case", |_| {}), &[("Owner", "a"), ("cost-center", "cc")]),
            ],
        );
        let got: Vec<(&str, Vec<String>)> = findings
            .iter()
            .map(|f| {
                let Evidence::MissingTags { missing, .. } = &f.evidence else {
                    panic!("{:?}", f.evidence)
                };
                (f.resource_id.short_id(), missing.clone())
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("i-half", vec!["cost-center".to_string()]),
                ("i-none", vec!["owner".to_string(), "cost-center".to_string()]),
                ("vol-case", vec!["owner".to_string()]),
            ]
        );
        assert!(findings.iter().all(|f| f.category == Category::Drift));
    }

    #[test]
    fn kinds_limit_the_policy_and_no_policy_reports_nothing() {
        let rs = || vec![instance("i-1", |_| {}), volume("vol-1", |_| {})];
        let only_volumes = run(policy(vec![ResourceKind::AwsEbsVolume]), rs());
        assert_eq!(only_volumes.len(), 1);
        assert_eq!(only_volumes[0].resource_kind, ResourceKind::AwsEbsVolume);
        assert!(run(TagPolicy::default(), rs()).is_empty());
    }

    #[test]
    fn per_kind_policies_add_required_keys_for_their_kind() {
        let mut p = TagPolicy {
            required: vec!["owner".into()],
            kinds: vec![ResourceKind::AwsEbsVolume],
            ..TagPolicy::default()
        };
        p.per_kind.insert(
            ResourceKind::AwsEc2Instance,
            crate::engine::KindTagPolicy {
                required: vec!["owner".into(), "environment".into()],
                ..Default::default()
            },
        );
        let findings = run(
            p,
            vec![
                tagged(instance("i-1", |_| {}), &[("owner", "a")]),
                tagged(instance("i-2", |_| {}), &[("owner", "a"), ("environment", "dev")]),
                tagged(volume("vol-1", |_| {}), &[("environment", "dev")]),
            ],
        );
        let got: Vec<(&str, Vec<String>, Vec<String>)> = findings
            .iter()
            .map(|f| {
                let Evidence::MissingTags { required, missing } = &f.evidence else {
                    panic!("{:?}", f.evidence)
                };
                (f.resource_id.short_id(), required.clone(), missing.clone())
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("i-1", vec!["owner".into(), "environment".into()], vec!["environment".into()]),
                ("vol-1", vec!["owner".into()], vec!["owner".into()]),
            ]
        );
    }
}
