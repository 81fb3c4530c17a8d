//! `azure_network_public_ip_address`: a public IP address resource.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};
use crate::model::azure_common::arm_enum;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzurePublicIpAddress {
    /// `properties.ipAddress`; absent for a dynamic address that is not allocated.
    pub ip_address: Option<String>,
    /// `properties.publicIPAllocationMethod`.
    pub allocation_method: Option<IpAllocationMethod>,
    /// `properties.publicIPAddressVersion`.
    pub ip_version: Option<IpVersion>,
    /// `sku.name`.
    pub sku_name: Option<PublicIpSkuName>,
    /// `sku.tier` (absent: regional).
    pub sku_tier: Option<SkuTier>,
    /// `properties.ipConfiguration.id`: a NIC's IP configuration or a load balancer's
    /// frontend IP configuration (or another service's: NAT gateway, VPN gateway, bastion);
    /// `None` when the address is associated with nothing.
    pub ip_configuration: Option<ResourceId>,
    /// `properties.dnsSettings.fqdn`.
    pub fqdn: Option<String>,
}

arm_enum! {
    /// `publicIPAllocationMethod` / `privateIPAllocationMethod`.
    IpAllocationMethod {
        Static => "Static",
        Dynamic => "Dynamic",
    }
}

arm_enum! {
    /// `publicIPAddressVersion` / `privateIPAddressVersion`.
    IpVersion {
        IPv4 => "IPv4",
        IPv6 => "IPv6",
    }
}

arm_enum! {
    /// `sku.name` of a public IP address.
    PublicIpSkuName {
        /// Retired on 2025-09-30; open to inbound traffic unless an NSG says otherwise.
        Basic => "Basic",
        /// Closed to inbound traffic unless an NSG allows it.
        Standard => "Standard",
    }
}

arm_enum! {
    /// `sku.tier` of a public IP address or load balancer.
    SkuTier {
        Regional => "Regional",
        Global => "Global",
    }
}

impl AzurePublicIpAddress {
    pub fn references(&self) -> Vec<Reference> {
        self.attached_to()
            .into_iter()
            .map(|t| Reference::outgoing(EdgeKind::AttachedTo, t))
            .collect()
    }

    /// The resource holding the address: the NIC or load balancer whose IP configuration
    /// names it.
    pub fn attached_to(&self) -> Option<ResourceId> {
        self.ip_configuration.as_ref().and_then(ResourceId::azure_parent)
    }

    pub fn is_associated(&self) -> bool {
        self.ip_configuration.is_some()
    }
}
