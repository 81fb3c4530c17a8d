//! `aws.ebs.volume_unencrypted`: an EBS volume stored without encryption.

use skywarden_graph::model::Volume;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ebs.volume_unencrypted",
        title: "EBS volume is not encrypted",
        description: "The volume's data, its snapshots and the traffic to its instance are not \
                      encrypted. Root volumes and volumes in any state are included. CIS control \
                      2.2.1 asks for EBS encryption by default in every region, an account \
                      setting; this rule finds the volumes that setting would have prevented, \
                      which stay unencrypted after the setting is switched on.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEbsVolume],
        remediation: "A volume cannot be encrypted in place: snapshot it, copy the snapshot with \
                      encryption on (a KMS key of your choice), create a volume from the copy and \
                      swap it in (for a root volume, stop the instance or use root volume \
                      replacement). Then enable EBS encryption by default in every region: \
                      `aws ec2 enable-ebs-encryption-by-default --region <region>`.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "2.2.1" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Volume>()
        .filter(|(_, v)| !v.encrypted)
        .map(|(r, v)| {
            let evidence = Evidence::VolumeEncryption {
                encrypted: v.encrypted,
                volume_type: v.volume_type,
                size_gib: v.size_gib,
                state: v.state,
            };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{VolumeState, VolumeType};

    use super::*;
    use crate::catalog::testkit::{eval_rule, volume};

    #[test]
    fn fires_on_unencrypted_root_and_detached_volumes() {
        let findings = eval_rule(&RULE, vec![
            volume("vol-root", |v| v.encrypted = false),
            volume("vol-spare", |v| {
                v.encrypted = false;
                v.volume_type = VolumeType::St1;
                v.size_gib = 500;
                v.state = VolumeState::Available;
                v.attachments.clear();
            }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.short_id()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["vol-root", "vol-spare"]);
        let spare = findings.iter().find(|f| f.resource_id.short_id() == "vol-spare").unwrap();
        assert_eq!(spare.evidence, Evidence::VolumeEncryption {
            encrypted: false,
            volume_type: VolumeType::St1,
            size_gib: 500,
            state: VolumeState::Available,
        });
        assert!(findings.iter().all(|f| f.resource_kind == ResourceKind::AwsEbsVolume && f.monthly_cost_usd.is_none()));
    }

    #[test]
    fn passes_on_encrypted_volumes() {
        let findings = eval_rule(&RULE, vec![
            volume("vol-enc", |_| {}),
            volume("vol-enc-kms", |v| v.kms_key_id = Some("arn:aws:kms:us-east-1:123456789012:key/k".into())),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
