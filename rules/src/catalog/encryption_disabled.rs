//! `drift.encryption_disabled`: a resource of the approved baseline was encrypted and is not
//! any more: EBS volume or snapshot, RDS DB instance storage, S3 default encryption, a
//! CloudTrail trail's KMS key, the region's EBS encryption by default; on Azure, a storage
//! account accepting plain HTTP or moved from a customer-managed key to Microsoft-managed
//! keys, a managed disk or snapshot moved from a customer-managed key to platform keys, a
//! disk's Azure Disk Encryption turned off. Per kind in [`protections`]: the protections a
//! resource has; the rule fires when one the approved resource had is gone.

use std::collections::BTreeSet;

use skywarden_graph::model::{
    AzureDisk, AzureSnapshot, AzureStorageAccount, Bucket, BucketAspect, DbInstance,
    DiskEncryptionType, EbsEncryptionDefault, Snapshot, StorageKeySource, Trail, Volume,
};
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
                      copy.) Azure: a storage account's `supportsHttpsTrafficOnly` turned off \
                      (encryption in transit: plain HTTP is then accepted; a lowered \
                      `minimumTlsVersion` still encrypts and is not reported here, see \
                      `azure.storage.account_tls_below_1_2`), or its `encryption.keySource` \
                      moved from `Microsoft.Keyvault` (customer-managed key) to \
                      `Microsoft.Storage`/absent; a managed disk's or snapshot's encryption \
                      type moved from a customer-managed key (alone or with platform keys) to \
                      platform keys only (data stays encrypted at rest, but no longer under \
                      the customer's key), or a disk's Azure Disk Encryption \
                      (`encryptionSettingsCollection.enabled`) turned off. The evidence is the \
                      JSON Patch of the encryption fields.",
        severity: Severity::High,
        category: Category::Drift,
        kinds: &[
            ResourceKind::AwsEbsVolume,
            ResourceKind::AwsEbsSnapshot,
            ResourceKind::AwsRdsDbInstance,
            ResourceKind::AwsS3Bucket,
            ResourceKind::AwsCloudtrailTrail,
            ResourceKind::AwsEc2EbsEncryptionDefault,
            ResourceKind::AzureStorageAccount,
            ResourceKind::AzureComputeDisk,
            ResourceKind::AzureComputeSnapshot,
        ],
        remediation: "Re-enable the encryption (`aws ec2 enable-ebs-encryption-by-default`, `aws \
                      s3api put-bucket-encryption`, `aws cloudtrail update-trail --kms-key-id`; \
                      copy volumes, snapshots and DB instances into encrypted ones) and find who \
                      changed it in CloudTrail. Azure: `az storage account update -g <rg> -n \
                      <account> --https-only true` (customer-managed key: `--encryption-key-source \
                      Microsoft.Keyvault --encryption-key-vault <uri> --encryption-key-name \
                      <key>`); `az disk update -g <rg> -n <disk> --encryption-type \
                      EncryptionAtRestWithCustomerKey --disk-encryption-set <id>` (snapshots: \
                      `az snapshot update` with the same flags); find who changed it in the \
                      activity log (`az monitor activity-log list --resource-id <id>`). If \
                      intended, approve it (`skywarden baselines approve --resource <id>`).",
        frameworks: &[],
    },
    eval,
};

/// One protection of the AWS kinds: encryption at rest on.
const AT_REST: &str = "at_rest";

/// The encryption protections `r` has and the fields that decide them; `None`: not a kind
/// this rule reads, or not known (an unreadable bucket encryption).
fn protections(r: &Resource) -> Option<(BTreeSet<&'static str>, &'static [&'static str])> {
    let at_rest = |on: bool| if on { BTreeSet::from([AT_REST]) } else { BTreeSet::new() };
    if let Some(v) = r.model::<Volume>() {
        return Some((at_rest(v.encrypted), &["/properties/encrypted", "/properties/kms_key_id"]));
    }
    if let Some(s) = r.model::<Snapshot>() {
        return Some((at_rest(s.encrypted), &["/properties/encrypted", "/properties/kms_key_id"]));
    }
    if let Some(d) = r.model::<DbInstance>() {
        return Some((
            at_rest(d.storage_encrypted),
            &["/properties/storage_encrypted", "/properties/kms_key"],
        ));
    }
    if let Some(b) = r.model::<Bucket>() {
        return b.known(BucketAspect::Encryption).then(|| {
            (at_rest(b.default_encryption.is_some()), &["/properties/default_encryption"][..])
        });
    }
    if let Some(t) = r.model::<Trail>() {
        return Some((at_rest(t.kms_key.is_some()), &["/properties/kms_key"]));
    }
    if let Some(e) = r.model::<EbsEncryptionDefault>() {
        return Some((at_rest(e.enabled), &["/properties/enabled"]));
    }
    if let Some(a) = r.model::<AzureStorageAccount>() {
        let mut on = BTreeSet::new();
        if !a.http_allowed() {
            on.insert("https_only");
        }
        if a.encryption_key_source == Some(StorageKeySource::KeyVault) {
            on.insert("customer_key");
        }
        return Some((
            on,
            &["/properties/supports_https_traffic_only", "/properties/encryption_key_source"],
        ));
    }
    if let Some(d) = r.model::<AzureDisk>() {
        let mut on = customer_key(d.encryption_type.as_ref());
        if d.azure_disk_encryption {
            on.insert("azure_disk_encryption");
        }
        return Some((
            on,
            &[
                "/properties/encryption_type",
                "/properties/disk_encryption_set",
                "/properties/azure_disk_encryption",
            ],
        ));
    }
    if let Some(s) = r.model::<AzureSnapshot>() {
        return Some((
            customer_key(s.encryption_type.as_ref()),
            &["/properties/encryption_type", "/properties/disk_encryption_set"],
        ));
    }
    None
}

/// `customer_key` when a disk's or snapshot's encryption type uses a customer-managed key.
fn customer_key(t: Option<&DiskEncryptionType>) -> BTreeSet<&'static str> {
    t.filter(|t| t.uses_customer_key())
        .map(|_| BTreeSet::from(["customer_key"]))
        .unwrap_or_default()
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    modified_findings(cx, &RULE.meta, |approved, current| {
        let (now, paths) = protections(current)?;
        let (before, _) = protections(approved)?;
        (!before.is_subset(&now)).then_some(paths)
    })
}

#[cfg(test)]
mod tests {
    use skywarden_graph::testkit::azure::{az_disk, az_id, az_snapshot, az_storage};
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

    fn cmk(d: &mut Option<DiskEncryptionType>, set: &mut Option<skywarden_graph::ResourceId>) {
        *d = Some(DiskEncryptionType::CustomerKey);
        *set = Some(des_id());
    }

    fn des_id() -> skywarden_graph::ResourceId {
        az_id("Microsoft.Compute/diskEncryptionSets/des1")
    }

    #[test]
    fn azure_encryption_weakened_fires() {
        let approved = vec![
            az_storage("st1", |_| {}),
            az_storage("st2", |s| s.encryption_key_source = Some(StorageKeySource::KeyVault)),
            az_disk("d1", |d| cmk(&mut d.encryption_type, &mut d.disk_encryption_set)),
            az_disk("d2", |d| d.azure_disk_encryption = true),
            az_snapshot("s1", |s| {
                cmk(&mut s.encryption_type, &mut s.disk_encryption_set);
                s.encryption_type = Some(DiskEncryptionType::PlatformAndCustomerKeys);
            }),
        ];
        let current = vec![
            az_storage("st1", |s| s.supports_https_traffic_only = Some(false)),
            az_storage("st2", |s| s.encryption_key_source = Some(StorageKeySource::Microsoft)),
            az_disk("d1", |_| {}),
            az_disk("d2", |_| {}),
            az_snapshot("s1", |_| {}),
        ];
        let findings = run(&RULE, approved, current, &[]);
        let got: Vec<(&str, Vec<(String, String)>)> =
            findings.iter().map(|f| (f.resource_id.short_id(), ops(f))).collect();
        let op = |o: &str, p: &str| (o.to_string(), p.to_string());
        assert_eq!(
            got,
            [
                (
                    "d1",
                    vec![
                        op("replace", "/properties/disk_encryption_set"),
                        op("replace", "/properties/encryption_type"),
                    ]
                ),
                ("d2", vec![op("replace", "/properties/azure_disk_encryption")]),
                (
                    "s1",
                    vec![
                        op("replace", "/properties/disk_encryption_set"),
                        op("replace", "/properties/encryption_type"),
                    ]
                ),
                ("st1", vec![op("replace", "/properties/supports_https_traffic_only")]),
                ("st2", vec![op("replace", "/properties/encryption_key_source")]),
            ]
        );
    }

    #[test]
    fn azure_encryption_kept_or_strengthened_passes() {
        use skywarden_graph::model::TlsVersion;
        let approved = vec![
            az_storage("st1", |s| s.supports_https_traffic_only = Some(false)),
            az_storage("st2", |_| {}),
            az_disk("d1", |_| {}),
            az_disk("d2", |d| cmk(&mut d.encryption_type, &mut d.disk_encryption_set)),
            az_snapshot("s1", |s| cmk(&mut s.encryption_type, &mut s.disk_encryption_set)),
        ];
        let current = vec![
            // Already plain HTTP in the baseline; now HTTPS only.
            az_storage("st1", |_| {}),
            // A lower minimum TLS version still encrypts; absent `supportsHttpsTrafficOnly` is true.
            az_storage("st2", |s| {
                s.minimum_tls_version = Some(TlsVersion::Tls1_0);
                s.supports_https_traffic_only = None;
            }),
            // Platform key to customer key.
            az_disk("d1", |d| cmk(&mut d.encryption_type, &mut d.disk_encryption_set)),
            // Customer key to double encryption.
            az_disk("d2", |d| {
                cmk(&mut d.encryption_type, &mut d.disk_encryption_set);
                d.encryption_type = Some(DiskEncryptionType::PlatformAndCustomerKeys);
            }),
            az_snapshot("s1", |s| cmk(&mut s.encryption_type, &mut s.disk_encryption_set)),
        ];
        assert!(run(&RULE, approved, current, &[]).is_empty());
    }
}
