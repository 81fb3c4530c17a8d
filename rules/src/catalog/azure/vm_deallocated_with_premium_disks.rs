//! `azure.compute.vm_deallocated_with_premium_disks`: a deallocated VM whose premium disks
//! keep billing at premium rates while it does not run.

use skywarden_graph::model::{AzureVirtualMachine, PowerState};
use skywarden_graph::ResourceKind;

use super::common::{disk_monthly, vm_disks};
use crate::engine::EvalCx;
use crate::catalog::CostSum;
use crate::finding::{BilledAzureDisk, Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.compute.vm_deallocated_with_premium_disks",
        title: "Deallocated VM keeps premium disks",
        description: "The VM's power state is `deallocated` and at least one of its managed \
                      disks (named by its storage profile or `managedBy` it) has a premium SKU: \
                      Premium_LRS, Premium_ZRS, PremiumV2_LRS or UltraSSD_LRS. A deallocated VM \
                      bills no compute, but its disks bill their full provisioned tier. The \
                      monthly estimate is the sum of the premium disks' tier prices (Premium_LRS \
                      is priced; the other premium SKUs are listed without an estimate). A VM \
                      whose power state was not read is not reported.",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[
            ResourceKind::AzureComputeVirtualMachine,
            ResourceKind::AzureComputeDisk,
        ],
        remediation: "If the VM stays off, switch its disks to Standard SSD or HDD while it is \
                      deallocated (`az disk update -g <rg> -n <disk> --sku StandardSSD_LRS`; \
                      switch back before starting it), or snapshot the disks and delete the VM \
                      and its disks.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<AzureVirtualMachine>()
        .filter(|(_, vm)| vm.power_state == Some(PowerState::Deallocated))
        .filter_map(|(r, vm)| {
            let premium: Vec<_> = vm_disks(cx, r, vm)
                .into_iter()
                .filter(|(_, d)| d.sku.as_ref().is_some_and(|s| s.is_premium()))
                .collect();
            if premium.is_empty() {
                return None;
            }
            let mut sum = CostSum::default();
            let disks: Vec<BilledAzureDisk> = premium
                .into_iter()
                .map(|(dr, d)| BilledAzureDisk {
                    disk: dr.id.clone(),
                    sku: d.sku.clone(),
                    size_gib: d.size_gib,
                    monthly_cost_usd: sum.add(disk_monthly(cx.pricing, dr.region.as_str(), d)),
                })
                .collect();
            let evidence = Evidence::DeallocatedVmPremiumDisks {
                vm_size: vm.vm_size.clone(),
                power_state: PowerState::Deallocated,
                disks,
            };
            Some(sum.apply(Finding::new(&RULE.meta, r, "", evidence)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{DiskSku, DiskState};

    use super::*;
    use crate::catalog::testkit::azure::{az_disk, az_vm, disk_id, vm_id};
    use crate::catalog::testkit::eval_rule;

    fn deallocated(name: &str, os: &str, data: &[&str]) -> skywarden_graph::Resource {
        let (os, data): (String, Vec<String>) = (os.into(), data.iter().map(|s| s.to_string()).collect());
        az_vm(name, move |vm| {
            vm.power_state = Some(PowerState::Deallocated);
            vm.os_disk = Some(disk_id(&os));
            vm.data_disks = data.iter().map(|d| disk_id(d)).collect();
        })
    }

    fn attached(name: &str, vm: &str, sku: DiskSku, gib: i32) -> skywarden_graph::Resource {
        let vm = vm_id(vm);
        az_disk(name, move |d| {
            d.disk_state = Some(DiskState::Reserved);
            d.managed_by = Some(vm);
            d.sku = Some(sku);
            d.size_gib = Some(gib);
        })
    }

    #[test]
    fn fires_with_the_premium_disks_price() {
        let f = eval_rule(
            &RULE,
            vec![
                deallocated("vm1", "os1", &["data1", "data2"]),
                attached("os1", "vm1", DiskSku::PremiumLrs, 128),
                attached("data1", "vm1", DiskSku::PremiumLrs, 512),
                attached("data2", "vm1", DiskSku::StandardSsdLrs, 512),
                attached("ultra", "vm1", DiskSku::UltraSsdLrs, 64),
            ],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id, vm_id("vm1"));
        // P10 19.71 + P20 73.22 (eastus prices, westeurope falls back); the Standard SSD is
        // not listed, the Ultra disk (found through managedBy) is listed unpriced.
        assert_eq!(f[0].monthly_cost_usd, Some(92.93));
        let Evidence::DeallocatedVmPremiumDisks { disks, .. } = &f[0].evidence else {
            panic!()
        };
        let listed: Vec<(&str, Option<f64>)> = disks
            .iter()
            .map(|d| (d.disk.short_id(), d.monthly_cost_usd))
            .collect();
        assert_eq!(
            listed,
            [("data1", Some(73.22)), ("os1", Some(19.71)), ("ultra", None)]
        );
    }

    #[test]
    fn passes_on_running_vms_and_standard_disks() {
        let mut running = deallocated("vm1", "os1", &[]);
        if let skywarden_graph::Properties::AzureComputeVirtualMachine(vm) = &mut running.properties {
            vm.power_state = Some(PowerState::Running);
        }
        assert!(eval_rule(
            &RULE,
            vec![running, attached("os1", "vm1", DiskSku::PremiumLrs, 128)]
        )
        .is_empty());
        assert!(eval_rule(
            &RULE,
            vec![
                deallocated("vm2", "os2", &[]),
                attached("os2", "vm2", DiskSku::StandardSsdLrs, 128)
            ]
        )
        .is_empty());
    }
}
