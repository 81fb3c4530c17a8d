//! `VirtualNetworks_ListAll`: `GET /subscriptions/{id}/providers/Microsoft.Network/virtualNetworks`
//! (api-version 2024-07-01). The subnets come embedded in `properties.subnets` and become
//! resources of their own (region: the VNet's location), so this collector fills two kinds.

use std::collections::BTreeMap;

use serde::Deserialize;
use skywarden_graph::model::{AzureSubnet, AzureVirtualNetwork};
use skywarden_graph::{AccountId, Resource};

use super::{arm_id, location, resource, sub_id, Common, SubResource};
use crate::azure::SubscriptionCx;
use crate::error::CollectError;
use crate::limits::Service;
use crate::sink::Emit;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Item {
    #[serde(flatten)]
    common: Common,
    #[serde(default)]
    properties: Props,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Props {
    #[serde(default)]
    address_space: Option<AddressSpace>,
    #[serde(default)]
    subnets: Option<Vec<Subnet>>,
    #[serde(default)]
    enable_ddos_protection: Option<bool>,
    #[serde(default)]
    dhcp_options: Option<DhcpOptions>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddressSpace {
    #[serde(default)]
    address_prefixes: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DhcpOptions {
    #[serde(default)]
    dns_servers: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Subnet {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    properties: SubnetProps,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubnetProps {
    #[serde(default)]
    address_prefix: Option<String>,
    #[serde(default)]
    address_prefixes: Option<Vec<String>>,
    #[serde(default)]
    network_security_group: Option<SubResource>,
    #[serde(default)]
    route_table: Option<SubResource>,
    #[serde(default)]
    nat_gateway: Option<SubResource>,
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    let sub = cx.subscription.clone();
    let mut pending: Vec<Resource> = Vec::new();
    cx.list_into(
        Service::ArmNetwork,
        "providers/Microsoft.Network/virtualNetworks",
        "2024-07-01",
        &[],
        out,
        |i: Item| {
            let (vnet, subnets) = map(&sub, i)?;
            pending.extend(subnets);
            Ok(Some(vnet))
        },
    )
    .await?;
    out.extend(pending).await;
    Ok(())
}

/// The VNet and its subnets.
pub(crate) fn map(sub: &AccountId, i: Item) -> Result<(Resource, Vec<Resource>), CollectError> {
    let vnet_id = arm_id(&i.common.id)?;
    let region = location(i.common.location.as_deref())?;
    let p = i.properties;
    let mut subnet_ids = Vec::new();
    let mut subnets = Vec::new();
    for s in p.subnets.into_iter().flatten() {
        let id = arm_id(&s.id)?;
        let sp = s.properties;
        let mut prefixes: Vec<String> = sp.address_prefix.into_iter().collect();
        for px in sp.address_prefixes.into_iter().flatten() {
            if !prefixes.contains(&px) {
                prefixes.push(px);
            }
        }
        let model = AzureSubnet {
            virtual_network: vnet_id.clone(),
            address_prefixes: prefixes,
            network_security_group: sub_id(&sp.network_security_group)?,
            route_table: sub_id(&sp.route_table)?,
            nat_gateway: sub_id(&sp.nat_gateway)?,
        };
        let name = s.name.unwrap_or_else(|| id.short_id().to_string());
        subnet_ids.push(id.clone());
        subnets.push(
            Resource::new(id, sub.clone(), region.clone(), BTreeMap::new(), model).named(name),
        );
    }
    let model = AzureVirtualNetwork {
        address_prefixes: p
            .address_space
            .and_then(|a| a.address_prefixes)
            .unwrap_or_default(),
        subnets: subnet_ids,
        enable_ddos_protection: p.enable_ddos_protection,
        dns_servers: p.dhcp_options.and_then(|d| d.dns_servers).unwrap_or_default(),
    };
    Ok((resource(sub, &i.common, model)?, subnets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::{items, subscription};

    #[test]
    fn maps_the_published_example_into_vnets_and_subnets() {
        let mapped: Vec<(Resource, Vec<Resource>)> =
            items::<Item>(include_str!("testdata/VirtualNetworks_ListAll.json"))
                .into_iter()
                .map(|i| map(&subscription(), i).unwrap())
                .collect();
        assert_eq!(mapped.len(), 2);
        let (vnet, subnets) = &mapped[0];
        let v = vnet.model::<AzureVirtualNetwork>().unwrap();
        assert_eq!(v.subnets.len(), subnets.len());
        assert!(!v.address_prefixes.is_empty());
        for s in subnets {
            let m = s.model::<AzureSubnet>().unwrap();
            assert_eq!(&m.virtual_network, &vnet.id);
            assert_eq!(s.region, vnet.region);
            assert!(!m.address_prefixes.is_empty());
        }
    }
}
