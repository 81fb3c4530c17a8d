//! `aws.ebs.snapshot_older_than_90d`: an EBS snapshot older than the retention threshold
//! (`[rules.thresholds] snapshot_max_age_days`, default 90), still billed every month.

use skywarden_graph::model::{Snapshot, SnapshotStorageTier};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ebs.snapshot_older_than_90d",
        title: "EBS snapshot is older than the retention threshold",
        description: "The snapshot started more than `[rules.thresholds] snapshot_max_age_days` \
                      (default 90) days ago and is still stored. Old snapshots are often left \
                      over from deleted volumes or ad-hoc backups. The monthly estimate prices \
                      the source volume's size at the snapshot storage rate (archive rate for \
                      archived snapshots); a standard-tier snapshot only bills the blocks it does \
                      not share with older snapshots of the same volume, so for it the estimate \
                      is an upper bound.",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[ResourceKind::AwsEbsSnapshot],
        remediation: "Check whether a retention policy still needs the snapshot. Delete it \
                      (`aws ec2 delete-snapshot --snapshot-id <id>`), archive it if it must be \
                      kept but is rarely restored (`aws ec2 modify-snapshot-tier --storage-tier \
                      archive`), and manage backups with Amazon Data Lifecycle Manager or AWS \
                      Backup so that expiry is automatic.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    let max = i64::from(cx.thresholds.snapshot_max_age_days);
    cx.inventory
        .of_kind::<Snapshot>()
        .filter_map(|(r, s)| {
            // A snapshot of unknown age is not reported: the rule is about age.
            let age = cx.now - s.start_time?;
            (age > chrono::Duration::days(max)).then_some((r, s, age.num_days()))
        })
        .map(|(r, s, age_days)| {
            let evidence = Evidence::Snapshot {
                volume_size_gib: s.volume_size_gib,
                encrypted: s.encrypted,
                public: s.public,
                state: s.state,
                storage_tier: s.storage_tier,
                started: s.start_time,
                age_days: Some(age_days),
            };
            let finding = Finding::new(&RULE.meta, r, "", evidence);
            let archive = s.storage_tier == SnapshotStorageTier::Archive;
            match cx.pricing.snapshot_monthly(&r.region, s.volume_size_gib, archive) {
                Some((usd, basis)) => finding.with_cost(usd, basis),
                None => finding,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::catalog::testkit::{eval_rule, snapshot};

    fn now() -> chrono::DateTime<Utc> {
        // the clock of `eval_rule`
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn fires_on_old_snapshots_with_the_snapshot_price() {
        let findings = eval_rule(&RULE, vec![
            snapshot("snap-old", |s| s.start_time = Some(now() - Duration::days(400))),
            snapshot("snap-archived", |s| {
                s.start_time = Some(now() - Duration::days(91));
                s.storage_tier = SnapshotStorageTier::Archive;
                s.volume_size_gib = 500;
            }),
        ]);
        assert_eq!(findings.len(), 2);
        let by_id = |id: &str| findings.iter().find(|f| f.resource_id.short_id() == id).unwrap();
        let old = by_id("snap-old");
        assert_eq!(old.category, Category::Cost);
        // us-east-1 standard tier: 100 GiB * 0.05
        assert_eq!(old.monthly_cost_usd, Some(5.0));
        assert_eq!(old.pricing_basis.as_ref().unwrap().price_key, "ebs-snapshot:standard:us-east-1");
        let Evidence::Snapshot { age_days, .. } = &old.evidence else { panic!("{:?}", old.evidence) };
        assert_eq!(*age_days, Some(400));
        // archive tier: 500 GiB * 0.0125
        assert_eq!(by_id("snap-archived").monthly_cost_usd, Some(6.25));
    }

    #[test]
    fn passes_on_young_or_undated_snapshots() {
        let findings = eval_rule(&RULE, vec![
            snapshot("snap-young", |s| s.start_time = Some(now() - Duration::days(30))),
            snapshot("snap-90", |s| s.start_time = Some(now() - Duration::days(90))),
            snapshot("snap-undated", |s| s.start_time = None),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn the_threshold_is_configurable() {
        use skywarden_graph::InventoryBuilder;
        let mut b = InventoryBuilder::new();
        b.extend(vec![snapshot("snap-30", |s| s.start_time = Some(now() - Duration::days(30)))]);
        let inv = b.build();
        let pricing = crate::pricing::PriceTable::default();
        let mut cx = EvalCx::new(&inv, &pricing, now());
        assert!((RULE.eval)(&cx).is_empty(), "default 90 days");
        cx.thresholds.snapshot_max_age_days = 7;
        assert_eq!((RULE.eval)(&cx).len(), 1);
    }
}
