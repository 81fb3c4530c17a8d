//! `azure_network_load_balancer`: a load balancer with its frontend IP configurations,
//! backend pools, load-balancing rules and inbound NAT rules (all embedded in the ARM
//! resource).
//!
//! Backend pools are part of this model, not nodes: the graph has one `routes_to` edge from
//! the load balancer to every NIC in one of its pools or behind one of its NAT rules
//! ([`AzureLoadBalancer::pools_of_nic`] says which pools); a public IP on a frontend is
//! `attached_to` the load balancer; the load balancer is `associated_with` the subnets of
//! its private frontends.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};
use crate::model::azure_common::arm_enum;
use crate::model::azure_network_public_ip_address::SkuTier;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureLoadBalancer {
    /// `sku.name`.
    pub sku_name: Option<LbSkuName>,
    /// `sku.tier` (absent: regional).
    pub sku_tier: Option<SkuTier>,
    pub frontend_ip_configurations: Vec<LbFrontend>,
    pub backend_pools: Vec<LbBackendPool>,
    pub rules: Vec<LbRule>,
    pub inbound_nat_rules: Vec<LbNatRule>,
}

arm_enum! {
    /// `sku.name` of a load balancer.
    LbSkuName {
        /// Retired on 2025-09-30; backends are open unless an NSG denies.
        Basic => "Basic",
        /// Closed to inbound traffic unless an NSG allows it.
        Standard => "Standard",
        Gateway => "Gateway",
    }
}

arm_enum! {
    /// `protocol` of a load-balancing or inbound NAT rule.
    LbProtocol {
        Tcp => "Tcp",
        Udp => "Udp",
        /// Every protocol (HA ports when the frontend port is 0).
        All => "All",
    }
}

/// One `frontendIPConfigurations[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbFrontend {
    /// Its own id (a child of the load balancer; public IPs name it).
    pub id: ResourceId,
    pub name: String,
    /// `publicIPAddress.id`: a public (internet-facing) frontend.
    pub public_ip: Option<ResourceId>,
    /// `subnet.id`: a private frontend.
    pub subnet: Option<ResourceId>,
    pub private_ip: Option<String>,
}

/// One `backendAddressPools[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbBackendPool {
    pub id: ResourceId,
    pub name: String,
    /// `backendIPConfigurations[].id`: NIC IP configurations in the pool.
    pub nic_ip_configurations: Vec<ResourceId>,
}

/// One `loadBalancingRules[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbRule {
    pub name: String,
    /// `frontendIPConfiguration.id`.
    pub frontend: Option<ResourceId>,
    /// `backendAddressPool.id` and `backendAddressPools[].id`, merged.
    pub backend_pools: Vec<ResourceId>,
    pub protocol: LbProtocol,
    /// `frontendPort`; 0 with protocol `All` is HA ports (every port).
    pub frontend_port: u16,
    /// `backendPort`; 0 with protocol `All` is HA ports; absent: the frontend port.
    pub backend_port: Option<u16>,
}

/// One `inboundNatRules[]` entry: a frontend port forwarded to one NIC configuration (or,
/// for a pool-based rule, a frontend port range over a backend pool).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbNatRule {
    pub name: String,
    pub frontend: Option<ResourceId>,
    pub protocol: LbProtocol,
    /// `frontendPort` (single-VM rule), or `frontendPortRangeStart`..`End` (pool rule).
    pub frontend_port_from: Option<u16>,
    pub frontend_port_to: Option<u16>,
    pub backend_port: Option<u16>,
    /// `backendIPConfiguration.id` (single-VM rule).
    pub backend_ip_configuration: Option<ResourceId>,
    /// `backendAddressPool.id` (pool rule).
    pub backend_pool: Option<ResourceId>,
}

impl LbRule {
    /// The backend port traffic arrives on (the frontend port when absent).
    pub fn effective_backend_port(&self) -> u16 {
        self.backend_port.unwrap_or(self.frontend_port)
    }
    /// HA ports: every protocol and port.
    pub fn is_ha_ports(&self) -> bool {
        self.protocol == LbProtocol::All && self.frontend_port == 0
    }
}

impl AzureLoadBalancer {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        let mut push = |r: Reference| {
            if !refs.contains(&r) {
                refs.push(r);
            }
        };
        for f in &self.frontend_ip_configurations {
            if let Some(p) = &f.public_ip {
                push(Reference::incoming(EdgeKind::AttachedTo, p.clone()));
            }
            if let Some(s) = &f.subnet {
                push(Reference::outgoing(EdgeKind::AssociatedWith, s.clone()));
            }
        }
        for nic in self.backend_nics() {
            push(Reference::outgoing(EdgeKind::RoutesTo, nic));
        }
        refs
    }

    /// The NICs (parents of the IP configurations) in its pools and behind its NAT rules,
    /// ordered by id, without repeats.
    pub fn backend_nics(&self) -> Vec<ResourceId> {
        let mut nics: Vec<ResourceId> = self
            .backend_pools
            .iter()
            .flat_map(|p| &p.nic_ip_configurations)
            .chain(self.inbound_nat_rules.iter().filter_map(|n| n.backend_ip_configuration.as_ref()))
            .filter_map(ResourceId::azure_parent)
            .collect();
        nics.sort();
        nics.dedup();
        nics
    }

    /// The names of the pools `nic` (an interface id) is in.
    pub fn pools_of_nic(&self, nic: &ResourceId) -> Vec<&str> {
        self.backend_pools
            .iter()
            .filter(|p| {
                p.nic_ip_configurations
                    .iter()
                    .any(|c| c.azure_parent().as_ref() == Some(nic))
            })
            .map(|p| p.name.as_str())
            .collect()
    }

    pub fn frontend(&self, id: &ResourceId) -> Option<&LbFrontend> {
        self.frontend_ip_configurations.iter().find(|f| &f.id == id)
    }

    pub fn pool(&self, id: &ResourceId) -> Option<&LbBackendPool> {
        self.backend_pools.iter().find(|p| &p.id == id)
    }
}
