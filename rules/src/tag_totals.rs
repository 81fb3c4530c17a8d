//! Tag policy totals per account: how many resources lack required tags or carry values the
//! policy does not allow, and which keys. Built from findings of the tagging rules of every
//! provider ([`MISSING_RULES`], [`INVALID_RULES`]; a scan's, or the stored active ones),
//! optionally with the number of resources the policy applied to (known during a scan). An
//! Azure resource's account is its subscription (`Resource::account_id`, as on its findings).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use skywarden_graph::{AccountId, Inventory, Provider, ResourceKind};

use crate::finding::{Evidence, Finding};
use crate::TagPolicy;

/// Ids of the rules reporting missing required tags, one per provider.
pub const MISSING_RULES: &[&str] = &[
    "aws.tagging.resource_missing_required_tags",
    "azure.tagging.resource_missing_required_tags",
];
/// Ids of the rules reporting values outside the allowed set, one per provider.
pub const INVALID_RULES: &[&str] = &[
    "aws.tagging.resource_invalid_tag_value",
    "azure.tagging.resource_invalid_tag_value",
];

/// Every rule whose findings the totals count: [`MISSING_RULES`], then [`INVALID_RULES`].
pub fn rule_ids() -> impl Iterator<Item = &'static str> {
    MISSING_RULES.iter().chain(INVALID_RULES).copied()
}

/// Whether the tagging rules check resources of `kind`: every AWS kind, and the Azure kinds
/// that carry ARM tags.
fn checked_kind(kind: ResourceKind) -> bool {
    match kind.provider() {
        Provider::Aws => true,
        Provider::Azure => {
            crate::catalog::azure::resource_missing_required_tags::TAGGABLE.contains(&kind)
        }
    }
}

/// Totals of one tag key within an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagKeyTotals {
    /// Resources lacking the key where it is required.
    pub missing: u64,
    /// Resources carrying the key with a value that is not allowed.
    pub invalid: u64,
}

/// Tag policy totals of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountTagTotals {
    pub account_id: AccountId,
    /// Resources the policy applies to (`None` when only findings were available).
    pub resources_checked: Option<u64>,
    /// Resources with at least one missing required tag.
    pub resources_missing_tags: u64,
    /// Resources with at least one value outside the allowed set.
    pub resources_invalid_values: u64,
    /// Resources with either problem (each counted once).
    pub resources_non_compliant: u64,
    /// Per tag key.
    pub by_key: BTreeMap<String, TagKeyTotals>,
}

/// Totals per account (ordered by account id) of the tagging findings among `findings`.
/// With an `inventory` and `policy`, `resources_checked` counts the resources the policy
/// applies to in each account (every AWS kind, the Azure kinds that carry tags; accounts with
/// none and no finding are left out).
pub fn tag_totals<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    scope: Option<(&Inventory, &TagPolicy)>,
) -> Vec<AccountTagTotals> {
    let mut out: BTreeMap<AccountId, AccountTagTotals> = BTreeMap::new();
    let new = |a: &AccountId| AccountTagTotals {
        account_id: a.clone(),
        resources_checked: None,
        resources_missing_tags: 0,
        resources_invalid_values: 0,
        resources_non_compliant: 0,
        by_key: BTreeMap::new(),
    };
    if let Some((inventory, policy)) = scope {
        let mut applies = BTreeMap::new();
        for r in inventory.resources() {
            let kind = r.kind();
            if checked_kind(kind)
                && *applies
                    .entry(kind)
                    .or_insert_with(|| policy.applies_to(kind))
            {
                let t = out
                    .entry(r.account_id.clone())
                    .or_insert_with(|| new(&r.account_id));
                *t.resources_checked.get_or_insert(0) += 1;
            }
        }
    }
    let mut flagged: std::collections::BTreeSet<(AccountId, String)> = Default::default();
    for f in findings {
        let tagging = match &f.evidence {
            Evidence::MissingTags { .. } => MISSING_RULES.contains(&f.rule_id.as_str()),
            Evidence::InvalidTagValues { .. } => INVALID_RULES.contains(&f.rule_id.as_str()),
            _ => false,
        };
        if !tagging {
            continue;
        }
        let t = out
            .entry(f.account_id.clone())
            .or_insert_with(|| new(&f.account_id));
        match &f.evidence {
            Evidence::MissingTags { missing, .. } => {
                t.resources_missing_tags += 1;
                for k in missing {
                    t.by_key.entry(k.clone()).or_default().missing += 1;
                }
            }
            Evidence::InvalidTagValues { invalid } => {
                t.resources_invalid_values += 1;
                for i in invalid {
                    t.by_key.entry(i.key.clone()).or_default().invalid += 1;
                }
            }
            _ => {}
        }
        if flagged.insert((f.account_id.clone(), f.resource_id.to_string())) {
            t.resources_non_compliant += 1;
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use skywarden_graph::testkit::{instance, volume};
    use skywarden_graph::InventoryBuilder;

    use super::*;
    use crate::catalog;
    use crate::pricing::PriceTable;
    use crate::EvalCx;

    #[test]
    fn counts_resources_and_keys_per_account() {
        let tagged = |mut r: skywarden_graph::Resource, tags: &[(&str, &str)]| {
            r.tags = tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            r
        };
        let mut b = InventoryBuilder::new();
        b.extend(vec![
            tagged(instance("i-1", |_| {}), &[("environment", "production")]),
            tagged(
                instance("i-2", |_| {}),
                &[("owner", "a"), ("environment", "prod")],
            ),
            tagged(
                volume("vol-1", |_| {}),
                &[("owner", "a"), ("environment", "qa")],
            ),
        ]);
        let inv = b.build();
        let pricing = PriceTable::default();
        let mut cx = EvalCx::new(&inv, &pricing, chrono::Utc::now());
        cx.tag_policy = TagPolicy {
            required: vec!["owner".into()],
            allowed_values: BTreeMap::from([(
                "environment".to_string(),
                vec!["prod".to_string(), "dev".to_string()],
            )]),
            ..TagPolicy::default()
        };
        let mut findings = Vec::new();
        for id in rule_ids() {
            findings.extend((catalog::get(id).unwrap().eval)(&cx));
        }
        let totals = tag_totals(&findings, Some((&inv, &cx.tag_policy)));
        assert_eq!(totals.len(), 1);
        let t = &totals[0];
        assert_eq!(t.resources_checked, Some(3));
        assert_eq!(t.resources_missing_tags, 1);
        assert_eq!(t.resources_invalid_values, 2);
        assert_eq!(t.resources_non_compliant, 2);
        assert_eq!(
            t.by_key["owner"],
            TagKeyTotals {
                missing: 1,
                invalid: 0
            }
        );
        assert_eq!(
            t.by_key["environment"],
            TagKeyTotals {
                missing: 0,
                invalid: 2
            }
        );
        let without = tag_totals(&findings, None);
        assert_eq!(without[0].resources_checked, None);
        assert_eq!(without[0].resources_non_compliant, 2);
    }

    #[test]
    fn counts_azure_findings_per_subscription() {
        use skywarden_graph::testkit::azure::{az_account, az_disk, az_network, az_vm};
        let tagged = |mut r: skywarden_graph::Resource, tags: &[(&str, &str)]| {
            r.tags = tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            r
        };
        let mut b = InventoryBuilder::new();
        // The VNet and subnet: the VNet is checked (and compliant), the subnet carries no tags.
        b.extend(
            az_network(None)
                .into_iter()
                .map(|r| tagged(r, &[("owner", "a"), ("environment", "prod")])),
        );
        b.extend(vec![
            tagged(
                az_vm("vm1", |_| {}),
                &[("Owner", "a"), ("environment", "qa")],
            ),
            tagged(az_disk("d1", |_| {}), &[("environment", "qa")]),
            tagged(
                instance("i-1", |_| {}),
                &[("owner", "a"), ("environment", "prod")],
            ),
        ]);
        let inv = b.build();
        let pricing = PriceTable::default();
        let mut cx = EvalCx::new(&inv, &pricing, chrono::Utc::now());
        cx.tag_policy = TagPolicy {
            required: vec!["owner".into()],
            allowed_values: BTreeMap::from([("environment".to_string(), vec!["prod".to_string()])]),
            ..TagPolicy::default()
        };
        let mut findings = Vec::new();
        for id in rule_ids() {
            findings.extend((catalog::get(id).unwrap().eval)(&cx));
        }
        let totals = tag_totals(&findings, Some((&inv, &cx.tag_policy)));
        let azure = totals
            .iter()
            .find(|t| t.account_id == az_account())
            .unwrap();
        assert_eq!(azure.resources_checked, Some(3));
        assert_eq!(azure.resources_missing_tags, 1);
        assert_eq!(azure.resources_invalid_values, 2);
        assert_eq!(azure.resources_non_compliant, 2);
        assert_eq!(
            azure.by_key["owner"],
            TagKeyTotals {
                missing: 1,
                invalid: 0
            }
        );
        assert_eq!(
            azure.by_key["environment"],
            TagKeyTotals {
                missing: 0,
                invalid: 2
            }
        );
        // The AWS account is counted on its own, compliant.
        let aws = totals
            .iter()
            .find(|t| t.account_id != az_account())
            .unwrap();
        assert_eq!(
            (aws.resources_checked, aws.resources_non_compliant),
            (Some(1), 0)
        );
        // A finding of another rule with the same evidence shape is not counted.
        let mut other = findings[0].clone();
        other.rule_id = "drift.public_access_enabled".into();
        assert!(tag_totals([&other], None).is_empty());
    }
}
