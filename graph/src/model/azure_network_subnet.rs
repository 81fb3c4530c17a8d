//! `azure_network_subnet`: a subnet of a virtual network (embedded in the VNet's
//! `properties.subnets`; region = the VNet's location).

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureSubnet {
    /// The VNet the subnet belongs to (the parent of its id).
    pub virtual_network: ResourceId,
    /// `properties.addressPrefix` and `properties.addressPrefixes`, merged.
    pub address_prefixes: Vec<String>,
    /// `properties.networkSecurityGroup.id`: the subnet's NSG.
    pub network_security_group: Option<ResourceId>,
    /// `properties.routeTable.id` (route tables are not inventoried: no edge).
    pub route_table: Option<ResourceId>,
    /// `properties.natGateway.id` (NAT gateways are not inventoried: no edge).
    pub nat_gateway: Option<ResourceId>,
}

impl AzureSubnet {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference::incoming(
            EdgeKind::Contains,
            self.virtual_network.clone(),
        )];
        refs.extend(
            self.network_security_group
                .iter()
                .map(|n| Reference::outgoing(EdgeKind::SecuredBy, n.clone())),
        );
        refs
    }
}
