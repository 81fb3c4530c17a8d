//! `aws.ebs.encryption_by_default_disabled`: new EBS volumes in the region are not encrypted
//! unless each request asks for it.

use skywarden_graph::model::EbsEncryptionDefault;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ebs.encryption_by_default_disabled",
        title: "EBS encryption by default is disabled in the region",
        description: "EBS encryption by default is off in this region: volumes (and so their \
                      snapshots) are created unencrypted unless the request, launch template or \
                      AMI asks for encryption. The setting is per region; CIS asks for it in \
                      every region.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2EbsEncryptionDefault],
        remediation: "Enable it in each region: `aws ec2 enable-ebs-encryption-by-default \
                      --region <region>` (optionally choose the key with `aws ec2 \
                      modify-ebs-default-kms-key-id`). Existing volumes are not changed: \
                      encrypt them by snapshot, encrypted copy and restore.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "2.2.1" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<EbsEncryptionDefault>()
        .filter(|(_, e)| !e.enabled)
        .map(|(r, e)| Finding::new(&RULE.meta, r, "", Evidence::EbsEncryptionByDefault { enabled: e.enabled }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{ebs_encryption_default, eval_rule};

    #[test]
    fn fires_when_disabled() {
        let findings = eval_rule(&RULE, vec![ebs_encryption_default(false)]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].resource_id.short_id(), "ebs-encryption-by-default");
        assert_eq!(findings[0].evidence, Evidence::EbsEncryptionByDefault { enabled: false });
    }

    #[test]
    fn passes_when_enabled() {
        assert!(eval_rule(&RULE, vec![ebs_encryption_default(true)]).is_empty());
    }
}
