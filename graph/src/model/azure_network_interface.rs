//! `azure_network_interface`: a network interface (NIC) with its IP configurations.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureNetworkInterface {
    pub ip_configurations: Vec<NicIpConfiguration>,
    /// `properties.networkSecurityGroup.id`: the NIC's own NSG.
    pub network_security_group: Option<ResourceId>,
    /// `properties.virtualMachine.id`.
    pub virtual_machine: Option<ResourceId>,
    pub mac_address: Option<String>,
    /// `properties.primary`: the VM's primary interface.
    pub primary: Option<bool>,
    pub enable_ip_forwarding: bool,
    pub enable_accelerated_networking: bool,
}

/// One `properties.ipConfigurations[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NicIpConfiguration {
    /// The configuration's own id (`.../networkinterfaces/{nic}/ipconfigurations/{name}`);
    /// not a node of the graph. Public IPs and load balancer pools name it.
    pub id: ResourceId,
    pub name: String,
    pub subnet: Option<ResourceId>,
    pub private_ip: Option<String>,
    /// `publicIPAddress.id`.
    pub public_ip: Option<ResourceId>,
    pub primary: bool,
    /// `loadBalancerBackendAddressPools[].id` (children of a load balancer).
    pub load_balancer_backend_pools: Vec<ResourceId>,
    /// `loadBalancerInboundNatRules[].id` (children of a load balancer).
    pub load_balancer_inbound_nat_rules: Vec<ResourceId>,
    /// `applicationSecurityGroups[].id`: NSG rules may target these instead of addresses.
    pub application_security_groups: Vec<ResourceId>,
}

impl AzureNetworkInterface {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        let mut push = |r: Reference| {
            if !refs.contains(&r) {
                refs.push(r);
            }
        };
        for c in &self.ip_configurations {
            if let Some(s) = &c.subnet {
                push(Reference::incoming(EdgeKind::Contains, s.clone()));
            }
            if let Some(p) = &c.public_ip {
                push(Reference::incoming(EdgeKind::AttachedTo, p.clone()));
            }
            // Load balancer -> NIC (`routes_to`), named by the pools and NAT rules the
            // configuration is in; which pool is in the load balancer's model.
            for child in c
                .load_balancer_backend_pools
                .iter()
                .chain(&c.load_balancer_inbound_nat_rules)
            {
                if let Some(lb) = child.azure_parent() {
                    push(Reference::incoming(EdgeKind::RoutesTo, lb));
                }
            }
        }
        if let Some(nsg) = &self.network_security_group {
            push(Reference::outgoing(EdgeKind::SecuredBy, nsg.clone()));
        }
        if let Some(vm) = &self.virtual_machine {
            push(Reference::outgoing(EdgeKind::AttachedTo, vm.clone()));
        }
        refs
    }

    /// The configuration that holds `public_ip` (a public IP address resource id).
    pub fn configuration_with_public_ip(&self, public_ip: &ResourceId) -> Option<&NicIpConfiguration> {
        self.ip_configurations
            .iter()
            .find(|c| c.public_ip.as_ref() == Some(public_ip))
    }

    /// The subnets of its configurations, primary configuration first, without repeats.
    pub fn subnets(&self) -> Vec<&ResourceId> {
        let mut configs: Vec<&NicIpConfiguration> = self.ip_configurations.iter().collect();
        configs.sort_by_key(|c| !c.primary);
        let mut out: Vec<&ResourceId> = Vec::new();
        for s in configs.into_iter().filter_map(|c| c.subnet.as_ref()) {
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }
}
