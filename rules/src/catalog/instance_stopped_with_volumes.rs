//! `aws.ec2.instance_stopped_with_volumes`: a stopped instance whose EBS volumes keep billing.

use skywarden_graph::model::{Instance, InstanceState, Volume};
use skywarden_graph::{Direction, EdgeKind, Resource, ResourceKind};

use crate::engine::EvalCx;
use super::CostSum;
use crate::finding::{BilledVolume, Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.instance_stopped_with_volumes",
        title: "Stopped EC2 instance keeps billing for its EBS volumes",
        description: "The instance is stopped, so its compute is not billed, but its attached EBS \
                      volumes (root and data) are, every month, as are any Elastic IPs. The \
                      estimate is the sum of the volumes' on-demand prices. How long the instance \
                      has been stopped is not known to the scanner (EC2 only reports it inside a \
                      free-text reason), so recently stopped instances are reported too.",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[ResourceKind::AwsEc2Instance, ResourceKind::AwsEbsVolume],
        remediation: "If the instance is no longer needed, snapshot what must be kept and \
                      terminate it (volumes with DeleteOnTermination go with it; delete the \
                      others). If it is only paused, consider an AMI or snapshots plus \
                      termination, and relaunch when needed.",
        frameworks: &[],
    },
    eval,
};

/// The instance's volumes: those whose attachments name it, plus those its block device
/// mappings name (deduplicated, ordered by id).
fn volumes<'a>(cx: &'a EvalCx<'_>, r: &Resource, i: &Instance) -> Vec<(&'a Resource, &'a Volume)> {
    let mut out = cx.inventory.neighbors_of::<Volume>(&r.id, EdgeKind::AttachedTo, Direction::Incoming);
    for id in &i.volumes {
        if let Some(v) = cx.inventory.get(id).and_then(|vr| vr.model::<Volume>().map(|m| (vr, m))) {
            out.push(v);
        }
    }
    out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    out.dedup_by(|a, b| a.0.id == b.0.id);
    out
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Instance>()
        .filter(|(_, i)| i.state == InstanceState::Stopped)
        .filter_map(|(r, i)| {
            let vols = volumes(cx, r, i);
            if vols.is_empty() {
                return None;
            }
            let mut sum = CostSum::default();
            let mut billed = Vec::new();
            for (vr, v) in vols {
                let priced = cx.pricing.ebs_monthly(&vr.region, v.volume_type, v.size_gib, v.iops, v.throughput_mibps);
                billed.push(BilledVolume {
                    volume: vr.id.clone(),
                    volume_type: v.volume_type,
                    size_gib: v.size_gib,
                    monthly_cost_usd: sum.add(priced),
                });
            }
            let evidence = Evidence::StoppedInstanceVolumes {
                instance_type: i.instance_type.clone(),
                state: i.state,
                volumes: billed,
            };
            Some(sum.apply(Finding::new(&RULE.meta, r, "", evidence)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::VolumeType;

    use super::*;
    use crate::catalog::testkit::{ec2_id, eval_rule, instance, volume};

    fn attached_to(id: &str) -> impl FnOnce(&mut Volume) + '_ {
        move |v| v.attachments[0].instance = ec2_id("instance", id)
    }

    #[test]
    fn fires_with_the_sum_of_the_volumes() {
        let findings = eval_rule(&RULE, vec![
            instance("i-stopped", |i| {
                i.state = InstanceState::Stopped;
                // named by the block device mapping only
                i.volumes = vec![ec2_id("volume", "vol-root")];
            }),
            volume("vol-root", |v| {
                v.attachments.clear();
                v.size_gib = 8;
            }),
            volume("vol-data", |v| {
                attached_to("i-stopped")(v);
                v.volume_type = VolumeType::Gp2;
                v.iops = None;
                v.throughput_mibps = None;
            }),
        ]);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.category, Category::Cost);
        // us-east-1: 8 GiB gp3 (0.64) + 100 GiB gp2 (10.00)
        assert_eq!(f.monthly_cost_usd, Some(10.64));
        assert_eq!(f.pricing_basis.as_ref().unwrap().components.len(), 2);
        let Evidence::StoppedInstanceVolumes { volumes, .. } = &f.evidence else { panic!() };
        let ids: Vec<&str> = volumes.iter().map(|v| v.volume.short_id()).collect();
        assert_eq!(ids, ["vol-data", "vol-root"]);
    }

    #[test]
    fn passes_on_running_instances_and_stopped_ones_without_volumes() {
        let findings = eval_rule(&RULE, vec![
            instance("i-1", |_| {}),
            volume("vol-1", |_| {}),
            instance("i-bare", |i| i.state = InstanceState::Stopped),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
