//! `azure.tagging.resource_missing_required_tags`: an Azure resource without the tags the tag
//! policy (`[rules.tag_policy]`, shared with AWS) requires. Reports nothing until required
//! tags are configured.

use skywarden_graph::ResourceKind;

use crate::catalog::missing_required_tags;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

/// The Azure kinds that carry ARM tags: every Azure kind but subnets (ARM has no tags on
/// them) and subscriptions (their tags live in a separate API the scan does not read).
pub(crate) const TAGGABLE: &[ResourceKind] = &[
    ResourceKind::AzureResourcesResourceGroup,
    ResourceKind::AzureComputeVirtualMachine,
    ResourceKind::AzureComputeDisk,
    ResourceKind::AzureComputeSnapshot,
    ResourceKind::AzureNetworkInterface,
    ResourceKind::AzureNetworkPublicIpAddress,
    ResourceKind::AzureNetworkVirtualNetwork,
    ResourceKind::AzureNetworkSecurityGroup,
    ResourceKind::AzureNetworkLoadBalancer,
    ResourceKind::AzureStorageAccount,
    ResourceKind::AzureKeyvaultVault,
    ResourceKind::AzureSqlServer,
];

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.tagging.resource_missing_required_tags",
        title: "Azure resource lacks required tags",
        description: "The resource does not carry every tag the tag policy requires \
                      (`[rules.tag_policy] required`, optionally limited to `kinds`; the same \
                      policy as the AWS rule). Azure tag names are case-insensitive, so keys are \
                      compared ignoring ASCII case. Every Azure kind that carries ARM tags is \
                      checked (all but subnets and subscriptions). The evidence lists the missing \
                      keys.",
        severity: Severity::Low,
        category: Category::Drift,
        kinds: TAGGABLE,
        remediation: "Add the missing tags (`az tag update --resource-id <id> --operation merge \
                      --tags owner=<team>`) and enforce them at creation with an Azure Policy \
                      `Require a tag on resources` assignment.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    missing_required_tags(cx, &RULE.meta, |k| TAGGABLE.contains(&k), true)
}

#[cfg(test)]
mod tests {
    use skywarden_graph::{InventoryBuilder, Resource};

    use super::*;
    use crate::catalog::testkit::azure::{az_disk, az_network, az_vm, disk_id, vm_id};
    use crate::catalog::testkit::{instance, testkit_now};
    use crate::engine::TagPolicy;
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

    fn policy() -> TagPolicy {
        TagPolicy {
            required: vec!["owner".into(), "cost-center".into()],
            kinds: vec![],
            ..TagPolicy::default()
        }
    }

    #[test]
    fn fires_on_azure_resources_missing_tags() {
        let mut rs = vec![
            tagged(az_vm("vm1", |_| {}), &[("owner", "a")]),
            tagged(az_disk("d1", |_| {}), &[]),
            // An AWS instance is the AWS rule's.
            tagged(instance("i-1", |_| {}), &[]),
        ];
        // Subnets carry no tags: never reported.
        rs.extend(az_network(None).into_iter().map(|r| tagged(r, &[("owner", "a"), ("cost-center", "c")])));
        let f = run(policy(), rs);
        let got: Vec<(_, Vec<String>)> = f
            .iter()
            .map(|x| {
                let Evidence::MissingTags { missing, .. } = &x.evidence else {
                    panic!()
                };
                (x.resource_id.clone(), missing.clone())
            })
            .collect();
        assert_eq!(
            got,
            [
                (disk_id("d1"), vec!["owner".to_string(), "cost-center".to_string()]),
                (vm_id("vm1"), vec!["cost-center".to_string()]),
            ]
        );
    }

    #[test]
    fn passes_when_tagged_in_any_case_or_unconfigured() {
        let rs = vec![tagged(az_vm("vm1", |_| {}), &[("Owner", "a"), ("COST-CENTER", "c")])];
        assert!(run(policy(), rs.clone()).is_empty());
        let untagged = vec![az_vm("vm2", |_| {})];
        assert!(run(TagPolicy::default(), untagged.clone()).is_empty());
        // Limited to other kinds.
        let only_disks = TagPolicy {
            kinds: vec![ResourceKind::AzureComputeDisk],
            ..policy()
        };
        assert!(run(only_disks, untagged).is_empty());
    }
}
