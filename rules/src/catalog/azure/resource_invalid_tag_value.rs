//! `azure.tagging.resource_invalid_tag_value`: an Azure resource carries a tag whose value the
//! tag policy (`[rules.tag_policy] allowed_values`, shared with AWS) does not allow; the Azure
//! twin of `aws.tagging.resource_invalid_tag_value`. A missing tag is
//! `azure.tagging.resource_missing_required_tags`' business. Reports nothing until allowed
//! values are configured.

use super::resource_missing_required_tags::TAGGABLE;
use crate::catalog::invalid_tag_values;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.tagging.resource_invalid_tag_value",
        title: "Azure resource tag has a value the tag policy does not allow",
        description: "The resource carries a tag whose value is not among the values the tag \
                      policy allows for that key (`[rules.tag_policy] allowed_values`, per kind \
                      `per_kind.<kind>.allowed_values`; the same policy as the AWS rule), e.g. \
                      `environment = production` where only prod, staging and dev are allowed. \
                      Azure tag names are case-insensitive, so keys are matched ignoring ASCII \
                      case; values are compared exactly (Azure keeps their case). Every Azure \
                      kind that carries ARM tags is checked (all but subnets and \
                      subscriptions). One finding per resource; the evidence lists every \
                      offending key (as the policy spells it) with its value and the allowed \
                      values.",
        severity: Severity::Low,
        category: Category::Drift,
        kinds: TAGGABLE,
        remediation: "Set the tag to an allowed value (`az tag update --resource-id <id> \
                      --operation merge --tags environment=prod`) and enforce the values with \
                      an Azure Policy assignment (`Require a tag and its value on resources`, or \
                      a custom `deny` policy with `notIn` the allowed values).",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    invalid_tag_values(cx, &RULE.meta, |k| TAGGABLE.contains(&k), true)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use skywarden_graph::{InventoryBuilder, Resource, ResourceKind};

    use super::*;
    use crate::catalog::testkit::azure::{az_disk, az_network, az_vm, disk_id, vm_id, vnet_id};
    use crate::catalog::testkit::{instance, testkit_now};
    use crate::engine::{KindTagPolicy, TagPolicy};
    use crate::finding::Evidence;
    use crate::pricing::PriceTable;

    fn run(policy: TagPolicy, rs: Vec<Resource>) -> Vec<Finding> {
        let mut b = InventoryBuilder::new();
        b.extend(rs);
        let inv = b.build();
        let pricing = PriceTable::default();
        let mut cx = EvalCx::new(&inv, &pricing, testkit_now());
        cx.tag_policy = policy;
        let mut f = (RULE.eval)(&cx);
        f.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
        f
    }

    fn tagged(mut r: Resource, tags: &[(&str, &str)]) -> Resource {
        r.tags = tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        r
    }

    fn envs(values: &[&str]) -> TagPolicy {
        TagPolicy {
            allowed_values: BTreeMap::from([(
                "environment".to_string(),
                values.iter().map(|v| v.to_string()).collect(),
            )]),
            ..TagPolicy::default()
        }
    }

    fn invalid(f: &Finding) -> Vec<(String, String, Vec<String>)> {
        let Evidence::InvalidTagValues { invalid } = &f.evidence else {
            panic!("{:?}", f.evidence)
        };
        invalid
            .iter()
            .map(|i| (i.key.clone(), i.value.clone(), i.allowed.clone()))
            .collect()
    }

    #[test]
    fn fires_on_azure_values_outside_the_allowed_set() {
        let mut rs = vec![
            tagged(az_vm("vm1", |_| {}), &[("Environment", "production")]),
            // Values are case-sensitive.
            tagged(az_disk("d1", |_| {}), &[("environment", "Prod")]),
            // An AWS instance is the AWS rule's.
            tagged(instance("i-1", |_| {}), &[("environment", "production")]),
        ];
        // The VNet is checked; subnets carry no ARM tags: never reported.
        rs.extend(az_network(None).into_iter().map(|r| tagged(r, &[("environment", "qa")])));
        let f = run(envs(&["prod", "dev"]), rs);
        let allowed = vec!["prod".to_string(), "dev".to_string()];
        let got: Vec<_> = f.iter().map(|x| (x.resource_id.clone(), invalid(x))).collect();
        assert_eq!(
            got,
            [
                (
                    disk_id("d1"),
                    vec![("environment".to_string(), "Prod".to_string(), allowed.clone())]
                ),
                (
                    vm_id("vm1"),
                    vec![("environment".to_string(), "production".to_string(), allowed.clone())]
                ),
                (
                    vnet_id("vnet1"),
                    vec![("environment".to_string(), "qa".to_string(), allowed)]
                ),
            ]
        );
        assert!(f.iter().all(|x| x.category == Category::Drift));
    }

    #[test]
    fn passes_on_allowed_or_absent_values_and_without_a_policy() {
        let rs = vec![
            tagged(az_vm("vm1", |_| {}), &[("ENVIRONMENT", "prod")]),
            tagged(az_disk("d1", |_| {}), &[("owner", "a")]),
        ];
        assert!(run(envs(&["prod", "dev"]), rs.clone()).is_empty());
        assert!(run(TagPolicy::default(), rs).is_empty());
        // Per-kind values replace the general ones.
        let mut policy = envs(&["dev"]);
        policy.per_kind.insert(
            ResourceKind::AzureComputeVirtualMachine,
            KindTagPolicy {
                allowed_values: envs(&["prod"]).allowed_values,
                ..Default::default()
            },
        );
        let vm = vec![tagged(az_vm("vm1", |_| {}), &[("environment", "prod")])];
        assert!(run(policy, vm).is_empty());
    }
}
