//! `aws.ebs.volume_unattached`: an EBS volume attached to nothing, still billed every month.

use skywarden_graph::model::{Volume, VolumeState};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ebs.volume_unattached",
        title: "EBS volume is not attached to any instance",
        description: "The volume is in state `available`: no instance uses it, yet its provisioned \
                      storage (and for gp3, io1 and io2 its provisioned IOPS and throughput) is \
                      billed every month. The finding carries the estimated monthly cost from the \
                      built-in on-demand price table.",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[ResourceKind::AwsEbsVolume],
        remediation: "Check whether the data is still needed. If it is, snapshot the volume (and \
                      archive the snapshot if it is rarely read); then delete the volume: \
                      `aws ec2 delete-volume --volume-id <id>`.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Volume>()
        .filter(|(_, v)| v.state == VolumeState::Available)
        .filter(|(_, v)| old_enough(cx, v))
        .map(|(r, v)| {
            let evidence = Evidence::UnattachedVolume {
                volume_type: v.volume_type,
                size_gib: v.size_gib,
                iops: v.iops,
                throughput_mibps: v.throughput_mibps,
                state: v.state,
                created: v.create_time,
            };
            let finding = Finding::new(&RULE.meta, r, "", evidence);
            match cx.pricing.ebs_monthly(&r.region, v.volume_type, v.size_gib, v.iops, v.throughput_mibps) {
                Some((usd, basis)) => finding.with_cost(usd, basis),
                None => finding,
            }
        })
        .collect()
}

/// Past `[rules.thresholds] volume_unattached_min_age_days`; a volume of unknown age counts.
fn old_enough(cx: &EvalCx<'_>, v: &Volume) -> bool {
    let min = i64::from(cx.thresholds.volume_unattached_min_age_days);
    min == 0
        || v
            .create_time
            .is_none_or(|created| (cx.now - created).num_days() >= min)
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::VolumeType;

    use super::*;
    use crate::catalog::testkit::{eval_rule, volume};

    fn available(v: &mut Volume) {
        v.state = VolumeState::Available;
        v.attachments.clear();
    }

    #[test]
    fn fires_on_available_volumes_with_cost() {
        let findings = eval_rule(&RULE, vec![
            volume("vol-gp3", |v| {
                available(v);
                v.size_gib = 500;
                v.iops = Some(6000);
                v.throughput_mibps = Some(250);
            }),
            volume("vol-io1", |v| {
                available(v);
                v.volume_type = VolumeType::Io1;
                v.iops = Some(1000);
                v.throughput_mibps = None;
            }),
        ]);
        assert_eq!(findings.len(), 2);
        let by_id = |id: &str| findings.iter().find(|f| f.resource_id.short_id() == id).unwrap();
        let gp3 = by_id("vol-gp3");
        assert_eq!(gp3.category, Category::Cost);
        assert_eq!(gp3.severity, Severity::Low);
        // us-east-1: 500 * 0.08 + 3000 * 0.005 + 125 * 0.04
        assert_eq!(gp3.monthly_cost_usd, Some(60.00));
        let basis = gp3.pricing_basis.as_ref().unwrap();
        assert_eq!(basis.price_key, "ebs:gp3:us-east-1");
        assert_eq!(basis.table_version, crate::pricing::EBS_TABLE_VERSION);
        assert!(!basis.region_fallback);
        // 100 * 0.125 + 1000 * 0.065
        assert_eq!(by_id("vol-io1").monthly_cost_usd, Some(77.50));
        let Evidence::UnattachedVolume { volume_type, size_gib, iops, state, .. } = &gp3.evidence else {
            panic!("{:?}", gp3.evidence)
        };
        assert_eq!((*volume_type, *size_gib, *iops, *state), (VolumeType::Gp3, 500, Some(6000), VolumeState::Available));
    }

    #[test]
    fn unknown_volume_type_fires_without_cost() {
        let findings = eval_rule(&RULE, vec![volume("vol-new", |v| {
            available(v);
            v.volume_type = VolumeType::Unknown;
        })]);
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].monthly_cost_usd, findings[0].pricing_basis.as_ref()), (None, None));
    }

    #[test]
    fn the_age_threshold_spares_young_volumes() {
        use chrono::Duration;
        use skywarden_graph::InventoryBuilder;
        let now = chrono::Utc::now();
        let aged = |id: &str, days: i64| {
            volume(id, |v| {
                available(v);
                v.create_time = Some(now - Duration::days(days));
            })
        };
        let mut b = InventoryBuilder::new();
        b.extend(vec![aged("vol-young", 2), aged("vol-old", 30), volume("vol-unknown", |v| {
            available(v);
            v.create_time = None;
        })]);
        let inv = b.build();
        let pricing = crate::pricing::PriceTable::default();
        let mut cx = EvalCx::new(&inv, &pricing, now);
        assert_eq!((RULE.eval)(&cx).len(), 3, "no threshold: all of them");
        cx.thresholds.volume_unattached_min_age_days = 7;
        let mut ids: Vec<String> =
            (RULE.eval)(&cx).iter().map(|f| f.resource_id.short_id().to_string()).collect();
        ids.sort();
        assert_eq!(ids, ["vol-old", "vol-unknown"]);
    }

    #[test]
    fn passes_on_attached_or_transient_volumes() {
        let findings = eval_rule(&RULE, vec![
            volume("vol-in-use", |_| {}),
            volume("vol-creating", |v| {
                v.state = VolumeState::Creating;
                v.attachments.clear();
            }),
            volume("vol-deleting", |v| {
                v.state = VolumeState::Deleting;
                v.attachments.clear();
            }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
