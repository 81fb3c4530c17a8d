//! `azure.compute.vm_exposed_admin_port`: a VM reachable from the internet on SSH (TCP 22) or
//! RDP (TCP 3389) through the public IP of one of its NICs, with the path that makes it so.

use skywarden_graph::model::AzureVirtualMachine;
use skywarden_graph::ResourceKind;

use super::common::cis;
use crate::catalog::admin_port_ingress;
use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.compute.vm_exposed_admin_port",
        title: "Azure VM exposes SSH or RDP to the internet",
        description: "A VM has a NIC whose IP configuration holds a public IP address, and the \
                      effective inbound rules of both the subnet's NSG and the NIC's NSG (each \
                      evaluated in priority order with Azure's default rules, the first match \
                      deciding; an NSG that is not configured lets traffic through, but a \
                      Standard-SKU public IP with no NSG at all is closed) admit TCP 22 or 3389 \
                      from the internet to the NIC's private address. Unlike the NSG rules, this \
                      one follows the whole path, so it only reports VMs that are reachable. Any \
                      power state is reported (a stopped or deallocated VM is one start away); \
                      the evidence carries the power state and the path public IP -> subnet -> \
                      subnet NSG -> NIC NSG -> NIC -> VM with the ports open end to end.",
        severity: Severity::Critical,
        category: Category::Security,
        // Every kind the exposure fact reads.
        kinds: &[
            ResourceKind::AzureComputeVirtualMachine,
            ResourceKind::AzureNetworkInterface,
            ResourceKind::AzureNetworkPublicIpAddress,
            ResourceKind::AzureNetworkSubnet,
            ResourceKind::AzureNetworkSecurityGroup,
        ],
        remediation: "Remove the internet-facing SSH/RDP allow from the NSGs in the path (allow \
                      only known administrative networks), or take the VM off the internet: \
                      dissociate the public IP and reach it through Azure Bastion, a VPN or \
                      just-in-time VM access.",
        frameworks: &[cis("6.1"), cis("6.2")],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.exposures
        .iter()
        .filter_map(|(id, exposure)| {
            let resource = cx.inventory.get(id)?;
            let vm = resource.model::<AzureVirtualMachine>()?;
            // The path is IPv4 (a public IPv4 address): only sources that admit IPv4 count.
            let (open_ingress, ports) = admin_port_ingress(exposure)?;
            let evidence = Evidence::VmExposurePath {
                public_ip: exposure.public_ip.clone(),
                ports,
                path: exposure.full_path(cx.inventory),
                open_ingress,
                power_state: vm.power_state.clone(),
            };
            Some(Finding::new(&RULE.meta, resource, "", evidence))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::PowerState;
    use skywarden_graph::{Properties, Resource};

    use super::*;
    use crate::catalog::testkit::azure::{az_exposed_vm, nsg_id, nsg_rule, pip_id, vm_id};
    use crate::catalog::testkit::eval_rule;

    fn evidence(f: &Finding) -> (&[u16], Vec<ResourceKind>, Option<&PowerState>) {
        let Evidence::VmExposurePath {
            ports,
            path,
            power_state,
            ..
        } = &f.evidence
        else {
            panic!("{:?}", f.evidence)
        };
        (ports, path.iter().map(|h| h.kind).collect(), power_state.as_ref())
    }

    #[test]
    fn fires_when_both_nsgs_admit_an_admin_port() {
        let f = eval_rule(
            &RULE,
            az_exposed_vm(
                Some(vec![nsg_rule("all", 100, "Allow", "Tcp", &["*"], &["*"])]),
                Some(vec![nsg_rule("rdp", 100, "Allow", "Tcp", &["Internet"], &["3389"])]),
            ),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id, vm_id("vm1"));
        let (ports, kinds, power) = evidence(&f[0]);
        assert_eq!(ports, [3389]);
        assert_eq!(
            kinds,
            [
                ResourceKind::AzureNetworkPublicIpAddress,
                ResourceKind::AzureNetworkSubnet,
                ResourceKind::AzureNetworkSecurityGroup,
                ResourceKind::AzureNetworkSecurityGroup,
                ResourceKind::AzureNetworkInterface,
                ResourceKind::AzureComputeVirtualMachine,
            ]
        );
        assert_eq!(power, Some(&PowerState::Running));
        let Evidence::VmExposurePath { path, public_ip, .. } = &f[0].evidence else {
            unreachable!()
        };
        assert_eq!(public_ip, "203.0.113.1");
        assert_eq!(path[0].id, pip_id("pip1"));
        assert_eq!(path[3].id, nsg_id("nic-nsg"));
    }

    #[test]
    fn passes_when_a_filter_in_the_path_denies() {
        // The subnet NSG denies 22 while the NIC NSG allows it.
        let rs = az_exposed_vm(
            Some(vec![nsg_rule("web", 100, "Allow", "Tcp", &["*"], &["443"])]),
            Some(vec![nsg_rule("ssh", 100, "Allow", "Tcp", &["*"], &["22"])]),
        );
        assert!(eval_rule(&RULE, rs).is_empty());
        // Exposed, but on a web port only.
        let rs = az_exposed_vm(None, Some(vec![nsg_rule("web", 100, "Allow", "Tcp", &["*"], &["443"])]));
        assert!(eval_rule(&RULE, rs).is_empty());
        // No public IP on the NIC.
        let mut rs = az_exposed_vm(None, Some(vec![nsg_rule("ssh", 100, "Allow", "Tcp", &["*"], &["22"])]));
        rs.retain(|r: &Resource| r.id != pip_id("pip1"));
        assert!(eval_rule(&RULE, rs).is_empty());
    }

    #[test]
    fn deallocated_vms_are_reported_with_their_power_state() {
        let mut rs = az_exposed_vm(None, Some(vec![nsg_rule("ssh", 100, "Allow", "Tcp", &["*"], &["22"])]));
        for r in &mut rs {
            if let Properties::AzureComputeVirtualMachine(vm) = &mut r.properties {
                vm.power_state = Some(PowerState::Deallocated);
            }
        }
        let f = eval_rule(&RULE, rs);
        assert_eq!(evidence(&f[0]).2, Some(&PowerState::Deallocated));
        assert_eq!(evidence(&f[0]).0, [22]);
    }
}
