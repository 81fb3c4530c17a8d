//! `azure.compute.snapshot_older_than_90d`: a managed disk snapshot older than the retention
//! threshold (`[rules.thresholds] snapshot_max_age_days`, default 90), still billed.

use skywarden_graph::model::{AzureSnapshot, DiskSku};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use super::common::snapshot_evidence;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};
use crate::pricing::AzureSnapshotSku;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.compute.snapshot_older_than_90d",
        title: "Azure snapshot is older than the retention threshold",
        description: "The snapshot was created (`timeCreated`) more than `[rules.thresholds] \
                      snapshot_max_age_days` (default 90, shared with the AWS rule) days ago. A \
                      snapshot of unknown age is not reported. The monthly estimate prices the \
                      snapshot's `diskSizeGB` at its storage rate (Standard LRS/ZRS, or Premium \
                      for full Premium snapshots; incremental snapshots are stored on Standard); \
                      snapshots bill the data they hold, so for a partly used disk or an \
                      incremental snapshot the estimate is an upper bound.",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[ResourceKind::AzureComputeSnapshot],
        remediation: "Check whether a retention policy still needs the snapshot; delete it \
                      (`az snapshot delete -g <rg> -n <name>`) and let Azure Backup or a \
                      lifecycle job expire snapshots automatically.",
        frameworks: &[],
    },
    eval,
};

/// Where a snapshot's data is billed.
fn storage_sku(s: &AzureSnapshot) -> AzureSnapshotSku {
    match (&s.sku, s.incremental) {
        (Some(DiskSku::StandardZrs), _) => AzureSnapshotSku::StandardZrs,
        (Some(DiskSku::PremiumLrs), Some(false) | None) => AzureSnapshotSku::PremiumLrs,
        _ => AzureSnapshotSku::StandardLrs,
    }
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    let max = i64::from(cx.thresholds.snapshot_max_age_days);
    cx.inventory
        .of_kind::<AzureSnapshot>()
        .filter_map(|(r, s)| {
            let age = cx.now - s.time_created?;
            (age > chrono::Duration::days(max)).then_some((r, s))
        })
        .map(|(r, s)| {
            let estimate = s.size_gib.and_then(|gib| {
                cx.pricing
                    .azure_snapshot_monthly(r.region.as_str(), gib, storage_sku(s))
            });
            Finding::new(&RULE.meta, r, "", snapshot_evidence(cx, s)).with_estimate(estimate)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use skywarden_graph::InventoryBuilder;

    use super::*;
    use crate::catalog::testkit::azure::{az_snapshot, snapshot_id};
    use crate::finding::Evidence;
    use crate::catalog::testkit::{eval_rule, testkit_now};
    use crate::pricing::PriceTable;

    #[test]
    fn fires_on_old_snapshots_with_the_storage_price() {
        let f = eval_rule(
            &RULE,
            vec![
                az_snapshot("old", |s| {
                    s.time_created = Some(testkit_now() - Duration::days(400));
                    s.size_gib = Some(70);
                }),
                az_snapshot("premium", |s| {
                    s.time_created = Some(testkit_now() - Duration::days(91));
                    s.sku = Some(DiskSku::PremiumLrs);
                    s.size_gib = Some(10);
                }),
            ],
        );
        assert_eq!(f.len(), 2);
        let by = |name: &str| f.iter().find(|x| x.resource_id == snapshot_id(name)).unwrap();
        // 70 GiB Standard LRS in westeurope at 0.05.
        assert_eq!(by("old").monthly_cost_usd, Some(3.50));
        let Evidence::AzureSnapshot { age_days, .. } = &by("old").evidence else {
            panic!()
        };
        assert_eq!(*age_days, Some(400));
        // Full Premium snapshot: 10 * 0.12 (eastus fallback).
        assert_eq!(by("premium").monthly_cost_usd, Some(1.20));
    }

    #[test]
    fn passes_on_recent_or_undated_snapshots_and_honours_the_threshold() {
        let rs = vec![
            az_snapshot("recent", |s| s.time_created = Some(testkit_now() - Duration::days(90))),
            az_snapshot("undated", |s| s.time_created = None),
        ];
        assert!(eval_rule(&RULE, rs.clone()).is_empty());
        // With a 30-day threshold the 90-day-old one is reported.
        let mut b = InventoryBuilder::new();
        b.extend(rs);
        let inv = b.build();
        let pricing = PriceTable::default();
        let mut cx = EvalCx::new(&inv, &pricing, testkit_now());
        cx.thresholds.snapshot_max_age_days = 30;
        let f = (RULE.eval)(&cx);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id, snapshot_id("recent"));
    }

    #[test]
    fn incremental_snapshots_bill_standard_storage() {
        let s = |sku, inc| AzureSnapshot {
            sku: Some(sku),
            incremental: Some(inc),
            ..az_snapshot("x", |_| {}).model::<AzureSnapshot>().unwrap().clone()
        };
        assert_eq!(storage_sku(&s(DiskSku::PremiumLrs, true)), AzureSnapshotSku::StandardLrs);
        assert_eq!(storage_sku(&s(DiskSku::PremiumLrs, false)), AzureSnapshotSku::PremiumLrs);
        assert_eq!(storage_sku(&s(DiskSku::StandardZrs, true)), AzureSnapshotSku::StandardZrs);
    }
}
