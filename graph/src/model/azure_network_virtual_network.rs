//! `azure_network_virtual_network`: a virtual network (VNet). Its subnets are their own kind
//! (`azure_network_subnet`), read from the VNet's embedded `properties.subnets`.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureVirtualNetwork {
    /// `properties.addressSpace.addressPrefixes`.
    pub address_prefixes: Vec<String>,
    /// The ids of `properties.subnets[]`.
    pub subnets: Vec<ResourceId>,
    /// `properties.enableDdosProtection`.
    pub enable_ddos_protection: Option<bool>,
    /// `properties.dhcpOptions.dnsServers`.
    pub dns_servers: Vec<String>,
}

impl AzureVirtualNetwork {
    pub fn references(&self) -> Vec<Reference> {
        self.subnets
            .iter()
            .map(|s| Reference::outgoing(EdgeKind::Contains, s.clone()))
            .collect()
    }
}
