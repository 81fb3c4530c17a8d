//! `azure.compute.disk_unattached`: a managed disk attached to no VM, billed every month for
//! its size tier.

use skywarden_graph::model::AzureDisk;
use skywarden_graph::ResourceKind;

use super::common::{disk_evidence, disk_monthly};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.compute.disk_unattached",
        title: "Managed disk is not attached to any VM",
        description: "The disk's `diskState` is `Unattached`; or the state is absent (or a value \
                      this version does not know) and the disk has no `managedBy` VM. A \
                      `Reserved` disk (attached to a deallocated VM), a disk with an open SAS \
                      export, a frozen disk or one being uploaded is not reported. Managed disks \
                      bill their provisioned size tier whether attached or not; the monthly \
                      estimate prices the tier for the SKU and size (Standard HDD, Standard SSD \
                      and Premium SSD LRS; other SKUs carry no estimate).",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[ResourceKind::AzureComputeDisk],
        remediation: "Attach the disk to the VM that needs it, or snapshot it (an incremental \
                      snapshot bills only the used data) and delete it: `az disk delete -g <rg> \
                      -n <disk>`.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<AzureDisk>()
        .filter(|(_, d)| d.is_unattached())
        .map(|(r, d)| {
            Finding::new(&RULE.meta, r, "", disk_evidence(d))
                .with_estimate(disk_monthly(cx.pricing, r.region.as_str(), d))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{DiskSku, DiskState};

    use super::*;
    use crate::catalog::testkit::azure::{az_disk, disk_id, vm_id};
    use crate::catalog::testkit::eval_rule;

    #[test]
    fn fires_on_unattached_disks_with_the_tier_price() {
        let f = eval_rule(
            &RULE,
            vec![
                az_disk("idle", |_| {}),
                // No state, no managedBy (the published example's shape).
                az_disk("stateless", |d| {
                    d.disk_state = None;
                    d.sku = Some(DiskSku::StandardLrs);
                    d.size_gib = Some(1000);
                }),
                az_disk("ultra", |d| d.sku = Some(DiskSku::UltraSsdLrs)),
            ],
        );
        assert_eq!(f.len(), 3);
        let by = |name: &str| f.iter().find(|x| x.resource_id == disk_id(name)).unwrap();
        // 128 GiB Premium_LRS = P10; westeurope lists no P10, so the eastus price, flagged.
        assert_eq!(by("idle").monthly_cost_usd, Some(19.71));
        let basis = by("idle").pricing_basis.as_ref().unwrap();
        assert_eq!(basis.price_key, "azure-disk:p10-lrs:eastus");
        assert!(basis.region_fallback);
        // 1000 GiB Standard HDD = S30.
        assert_eq!(by("stateless").monthly_cost_usd, Some(40.96));
        // Ultra disks are not priced.
        assert_eq!(by("ultra").monthly_cost_usd, None);
    }

    #[test]
    fn passes_on_attached_and_reserved_disks() {
        let f = eval_rule(
            &RULE,
            vec![
                az_disk("attached", |d| {
                    d.disk_state = Some(DiskState::Attached);
                    d.managed_by = Some(vm_id("vm1"));
                }),
                az_disk("reserved", |d| d.disk_state = Some(DiskState::Reserved)),
                az_disk("exporting", |d| d.disk_state = Some(DiskState::ActiveSas)),
                az_disk("stateless-managed", |d| {
                    d.disk_state = None;
                    d.managed_by = Some(vm_id("vm1"));
                }),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
