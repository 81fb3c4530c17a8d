//! `drift.encryption_disabled`: a resource of the approved baseline was encrypted and is not
//! any more: EBS volume or snapshot, RDS DB instance storage, S3 default encryption, a
//! CloudTrail trail's KMS key, the region's EBS encryption by default. Per kind in
//! [`encryption`]; Azure kinds get an arm there when they land.

use skywarden_graph::model::{Bucket, BucketAspect, DbInstance, EbsEncryptionDefault, Snapshot, Trail, Volume};
use skywarden_graph::{Resource, ResourceKind};

use crate::baseline::modified_findings;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "drift.encryption_disabled",
        title: "Encryption disabled since the approved baseline",
        description: "Compared with the connection's pinned baseline, encryption at rest is \
                      off where it was on: an EBS volume or snapshot, an RDS DB instance's \
                      storage, an S3 bucket's default encryption, a CloudTrail trail's KMS \
                      encryption of log files, or the region's EBS encryption by default. \
                      (Volumes, snapshots and DB storage cannot be decrypted in place: the \
                      resource was replaced under the same id, or restored from an unencrypted \
                      copy.) The evidence is the JSON Patch of the encryption fields.",
        severity: Severity::High,
        category: Category::Drift,
        kinds: &[
            ResourceKind::AwsEbsVolume,
            ResourceKind::AwsEbsSnapshot,
            ResourceKind::AwsRdsDbInstance,
            ResourceKind::AwsS3Bucket,
            ResourceKind::AwsCloudtrailTrail,
            ResourceKind::AwsEc2EbsEncryptionDefault,
        ],
        remediation: "Re-enable the encryption (`aws ec2 enable-ebs-encryption-by-default`, `aws \
                      s3api put-bucket-encryption`, `aws cloudtrail update-trail --kms-key-id`; \
                      copy volumes, snapshots and DB instances into encrypted ones) and find who \
                      changed it in CloudTrail. If intended, approve it (`skywarden baselines \
                      approve --resource <id>`).",
        frameworks: &[],
    },
    eval,
};

/// Whether `r` is encrypted at rest and the fields that say so; `None`: not a kind this rule
/// reads, or not known (an unreadable bucket encryption).
fn encryption(r: &Resource) -> Option<(bool, &'static [&'static str])> {
    if let Some(v) = r.model::<Volume>() {
        return Some((v.encrypted, &["/properties/encrypted", "/properties/kms_key_id"]));
    }
    if let Some(s) = r.model::<Snapshot>() {
        return Some((s.encrypted, &["/properties/encrypted", "/properties/kms_key_id"]));
    }
    if let Some(d) = r.model::<DbInstance>() {
        return Some((d.storage_encrypted, &["/properties/storage_encrypted", "/properties/kms_key"]));
    }
    if let Some(b) = r.model::<Bucket>() {
        return b
            .known(BucketAspect::Encryption)
            .then_some((b.default_encryption.is_some(), &["/properties/default_encryption"][..]));
    }
    if let Some(t) = r.model::<Trail>() {
        return Some((t.kms_key.is_some(), &["/properties/kms_key"]));
    }
    if let Some(e) = r.model::<EbsEncryptionDefault>() {
        return Some((e.enabled, &["/properties/enabled"]));
    }
    None
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    modified_findings(cx, &RULE.meta, |approved, current| {
        let (now, paths) = encryption(current)?;
        let (before, _) = encryption(approved)?;
        (before && !now).then_some(paths)
    })
}

#[cfg(test)]
mod tests {
    use skywarden_graph::testkit::{bucket, ebs_encryption_default, snapshot, volume};

    use super::*;
    use crate::baseline::testkit::{ops, run};

    #[test]
    fn fires_where_encryption_went_off() {
        let approved = vec![
            volume("vol-1", |v| v.kms_key_id = Some("k1".into())),
            bucket("b1", |_| {}),
            ebs_encryption_default(true),
            snapshot("snap-1", |_| {}),
        ];
        let current = vec![
            volume("vol-1", |v| v.encrypted = false),
            bucket("b1", |b| b.default_encryption = None),
            ebs_encryption_default(false),
            snapshot("snap-1", |_| {}),
        ];
        let findings = run(&RULE, approved, current, &[]);
        let got: Vec<(String, Vec<(String, String)>)> = findings
            .iter()
            .map(|f| (f.resource_kind.as_str().to_string(), ops(f)))
            .collect();
        let op = |o: &str, p: &str| (o.to_string(), p.to_string());
        assert_eq!(
            got,
            [
                ("aws_ec2_ebs_encryption_default".to_string(), vec![op("replace", "/properties/enabled")]),
                ("aws_ebs_volume".to_string(), vec![op("replace", "/properties/encrypted"), op("replace", "/properties/kms_key_id")]),
                ("aws_s3_bucket".to_string(), vec![op("replace", "/properties/default_encryption")]),
            ]
        );
    }

    #[test]
    fn passes_when_still_encrypted_or_never_was() {
        let approved = vec![volume("vol-1", |_| {}), volume("vol-2", |v| v.encrypted = false)];
        let current = vec![volume("vol-1", |v| v.kms_key_id = Some("k2".into())), volume("vol-2", |v| v.encrypted = false)];
        assert!(run(&RULE, approved, current, &[]).is_empty());
    }
}
