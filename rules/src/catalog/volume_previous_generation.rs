//! `aws.ebs.volume_previous_generation`: a gp2 or magnetic (`standard`) EBS volume.

use skywarden_graph::model::{Volume, VolumeType};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ebs.volume_previous_generation",
        title: "EBS volume uses a previous-generation type (gp2 or magnetic)",
        description: "gp2 volumes cost more per GiB than gp3 (20 % in every region of the price \
                      table) and tie performance to size; gp3 includes 3,000 IOPS and 125 MiB/s \
                      at any size. The estimate for a gp2 volume is the monthly saving of moving \
                      it to gp3 with at least gp2's baseline IOPS and throughput. Magnetic \
                      (`standard`) volumes are a previous generation with far lower performance; \
                      gp3 storage costs more per GiB than magnetic, so no saving is estimated for \
                      them (magnetic I/O requests, billed per request, are not modelled).",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[ResourceKind::AwsEbsVolume],
        remediation: "Modify the volume in place, without downtime: `aws ec2 modify-volume \
                      --volume-id <id> --volume-type gp3` (add `--iops`/`--throughput` for \
                      volumes above 1 TiB to keep gp2's baseline). Change launch templates and \
                      infrastructure code to create gp3.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Volume>()
        .filter(|(_, v)| matches!(v.volume_type, VolumeType::Gp2 | VolumeType::Standard))
        .map(|(r, v)| {
            let evidence = Evidence::PreviousGenerationVolume {
                volume_type: v.volume_type,
                size_gib: v.size_gib,
                iops: v.iops,
                suggested: VolumeType::Gp3,
            };
            let finding = Finding::new(&RULE.meta, r, "", evidence);
            let saving = match v.volume_type {
                VolumeType::Gp2 => cx.pricing.gp2_to_gp3_monthly_saving(&r.region, v.size_gib),
                _ => None,
            };
            match saving {
                Some((usd, basis)) => finding.with_cost(usd, basis),
                None => finding,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{eval_rule, volume};

    #[test]
    fn fires_on_gp2_with_the_saving_and_on_magnetic_without() {
        let findings = eval_rule(&RULE, vec![
            volume("vol-gp2", |v| {
                v.volume_type = VolumeType::Gp2;
                v.iops = Some(300);
                v.throughput_mibps = None;
            }),
            volume("vol-mag", |v| v.volume_type = VolumeType::Standard),
        ]);
        assert_eq!(findings.len(), 2);
        let by_id = |id: &str| findings.iter().find(|f| f.resource_id.short_id() == id).unwrap();
        // us-east-1: 100 GiB * (0.10 - 0.08)
        let gp2 = by_id("vol-gp2");
        assert_eq!(gp2.monthly_cost_usd, Some(2.0));
        assert_eq!(gp2.pricing_basis.as_ref().unwrap().price_key, "ebs:gp2-to-gp3:us-east-1");
        let mag = by_id("vol-mag");
        assert_eq!((mag.monthly_cost_usd, mag.category), (None, Category::Cost));
        let Evidence::PreviousGenerationVolume { suggested, .. } = &mag.evidence else { panic!() };
        assert_eq!(*suggested, VolumeType::Gp3);
    }

    #[test]
    fn passes_on_current_generation_volumes() {
        let findings = eval_rule(&RULE, vec![
            volume("vol-gp3", |_| {}),
            volume("vol-io2", |v| v.volume_type = VolumeType::Io2),
            volume("vol-st1", |v| v.volume_type = VolumeType::St1),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
