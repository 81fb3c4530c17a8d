//! `aws.tagging.resource_invalid_tag_value`: a resource carries a tag whose value the tag
//! policy does not allow (`[rules.tag_policy] allowed_values`). A missing tag is
//! `aws.tagging.resource_missing_required_tags`' business, not this rule's. Reports nothing
//! until allowed values are configured.

use skywarden_graph::{Provider, ResourceKind};

use crate::catalog::invalid_tag_values;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.tagging.resource_invalid_tag_value",
        title: "Resource tag has a value the tag policy does not allow",
        description: "The resource carries a tag whose value is not among the values the tag \
                      policy allows for that key (`[rules.tag_policy] allowed_values`, per kind \
                      `per_kind.<kind>.allowed_values`), e.g. `environment = production` where \
                      only prod, staging and dev are allowed. Reports, cost allocation and \
                      automation that select on the tag miss such resources. Values are \
                      compared exactly (case-sensitive). One finding per resource; the \
                      evidence lists every offending key with its value and the allowed values.",
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
        remediation: "Set the tag to an allowed value, e.g. `aws ec2 create-tags --resources \
                      <id> --tags Key=environment,Value=prod`; enforce the values with an AWS \
                      Organizations tag policy (`tag_value` with `enforced_for`).",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    // Every AWS kind the policy applies to (not only those listed above); keys are exact.
    invalid_tag_values(cx, &RULE.meta, |k| k.provider() == Provider::Aws, false)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use skywarden_graph::{InventoryBuilder, Resource};

    use super::*;
    use crate::catalog::testkit::{instance, volume};
    use crate::finding::Evidence;
    use crate::engine::{KindTagPolicy, TagPolicy};
    use crate::pricing::PriceTable;

    fn run(policy: TagPolicy, resources: Vec<Resource>) -> Vec<Finding> {
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

    fn tagged(mut r: Resource, tags: &[(&str, &str)]) -> Resource {
        r.tags = tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        r
    }

    fn envs(values: &[&str]) -> BTreeMap<String, Vec<String>> {
        BTreeMap::from([(
            "environment".to_string(),
            values.iter().map(|v| v.to_string()).collect(),
        )])
    }

    fn invalid(f: &Finding) -> Vec<(String, String)> {
        let Evidence::InvalidTagValues { invalid } = &f.evidence else {
            panic!("{:?}", f.evidence)
        };
        invalid.iter().map(|i| (i.key.clone(), i.value.clone())).collect()
    }

    #[test]
    fn fires_on_values_outside_the_allowed_set_and_passes_otherwise() {
        let policy = TagPolicy {
            allowed_values: envs(&["prod", "staging", "dev"]),
            ..TagPolicy::default()
        };
        let findings = run(
            policy,
            vec![
                tagged(instance("i-ok", |_| {}), &[("environment", "prod")]),
                tagged(instance("i-bad", |_| {}), &[("environment", "production")]),
                // Case-sensitive.
                tagged(volume("vol-case", |_| {}), &[("environment", "Prod")]),
                // Absent is not invalid (the missing-tags rule reports it when required).
                tagged(volume("vol-none", |_| {}), &[("owner", "a")]),
            ],
        );
        let got: Vec<(&str, Vec<(String, String)>)> = findings
            .iter()
            .map(|f| (f.resource_id.short_id(), invalid(f)))
            .collect();
        assert_eq!(
            got,
            vec![
                ("i-bad", vec![("environment".into(), "production".into())]),
                ("vol-case", vec![("environment".into(), "Prod".into())]),
            ]
        );
        let Evidence::InvalidTagValues { invalid } = &findings[0].evidence else {
            unreachable!()
        };
        assert_eq!(invalid[0].allowed, ["prod", "staging", "dev"]);
        assert!(findings.iter().all(|f| f.category == Category::Drift));
    }

    #[test]
    fn per_kind_values_replace_the_general_ones() {
        let mut policy = TagPolicy {
            allowed_values: envs(&["prod", "dev"]),
            ..TagPolicy::default()
        };
        policy.per_kind.insert(
            ResourceKind::AwsEbsVolume,
            KindTagPolicy {
                allowed_values: envs(&["scratch"]),
                ..Default::default()
            },
        );
        let findings = run(
            policy,
            vec![
                tagged(instance("i-1", |_| {}), &[("environment", "dev")]),
                tagged(volume("vol-1", |_| {}), &[("environment", "dev")]),
                tagged(volume("vol-2", |_| {}), &[("environment", "scratch")]),
            ],
        );
        let ids: Vec<&str> = findings.iter().map(|f| f.resource_id.short_id()).collect();
        assert_eq!(ids, ["vol-1"]);
        assert!(run(TagPolicy::default(), vec![instance("i-1", |_| {})]).is_empty());
    }
}
