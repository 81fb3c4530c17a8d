//! `azure.compute.disk_not_encrypted_with_cmk`: a managed disk encrypted with platform-managed
//! keys only, where policy requires customer-managed keys (`[rules.azure]
//! require_cmk_disks = true`; off otherwise).

use skywarden_graph::model::{AzureDisk, DiskEncryptionType};
use skywarden_graph::ResourceKind;

use super::common::{cis, disk_evidence};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.compute.disk_not_encrypted_with_cmk",
        title: "Managed disk is not encrypted with a customer-managed key",
        description: "Reports nothing unless `[rules.azure] require_cmk_disks = true`. Then every \
                      managed disk (attached or not) whose `encryption.type` is \
                      `EncryptionAtRestWithPlatformKey`, or absent (the platform-key default), \
                      is reported: the organisation cannot rotate, revoke or audit the key that \
                      protects it. `EncryptionAtRestWithCustomerKey` and \
                      `EncryptionAtRestWithPlatformAndCustomerKeys` pass; an encryption type \
                      this version does not know is not reported.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AzureComputeDisk],
        remediation: "Create a disk encryption set with a Key Vault key and move the disk to it \
                      (`az disk update -g <rg> -n <disk> --encryption-type \
                      EncryptionAtRestWithCustomerKey --disk-encryption-set <des-id>`; the disk \
                      must be unattached or its VM deallocated).",
        frameworks: &[cis("7.3"), cis("7.4")],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    if !cx.azure.require_cmk_disks {
        return Vec::new();
    }
    cx.inventory
        .of_kind::<AzureDisk>()
        .filter(|(_, d)| {
            matches!(
                d.encryption_type,
                None | Some(DiskEncryptionType::PlatformKey)
            )
        })
        .map(|(r, d)| Finding::new(&RULE.meta, r, "", disk_evidence(d)))
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::{InventoryBuilder, Resource};

    use super::*;
    use crate::catalog::testkit::azure::{az_disk, disk_id};
    use crate::catalog::testkit::{eval_rule, testkit_now};
    use crate::pricing::PriceTable;

    fn run_required(rs: Vec<Resource>) -> Vec<Finding> {
        let mut b = InventoryBuilder::new();
        b.extend(rs);
        let inv = b.build();
        let pricing = PriceTable::default();
        let mut cx = EvalCx::new(&inv, &pricing, testkit_now());
        cx.azure.require_cmk_disks = true;
        let mut f = (RULE.eval)(&cx);
        f.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
        f
    }

    fn disks() -> Vec<Resource> {
        vec![
            az_disk("pmk", |_| {}),
            az_disk("default", |d| d.encryption_type = None),
            az_disk("cmk", |d| d.encryption_type = Some(DiskEncryptionType::CustomerKey)),
            az_disk("double", |d| {
                d.encryption_type = Some(DiskEncryptionType::PlatformAndCustomerKeys)
            }),
        ]
    }

    #[test]
    fn fires_on_platform_key_disks_when_required() {
        let f = run_required(disks());
        let ids: Vec<_> = f.iter().map(|x| x.resource_id.clone()).collect();
        assert_eq!(ids, [disk_id("default"), disk_id("pmk")]);
    }

    #[test]
    fn passes_when_not_required_or_customer_keyed() {
        assert!(eval_rule(&RULE, disks()).is_empty(), "off by default");
        assert!(run_required(vec![
            az_disk("cmk", |d| d.encryption_type = Some(DiskEncryptionType::CustomerKey))
        ])
        .is_empty());
    }
}
