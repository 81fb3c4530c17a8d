//! `NetworkInterfaces_ListAll`: `GET /subscriptions/{id}/providers/Microsoft.Network/networkInterfaces`
//! (api-version 2024-07-01).

use serde::Deserialize;
use skywarden_graph::model::{AzureNetworkInterface, NicIpConfiguration};
use skywarden_graph::{AccountId, Resource};

use super::{arm_id, resource, sub_id, sub_ids, Common, SubResource};
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
    ip_configurations: Option<Vec<IpConfiguration>>,
    #[serde(default)]
    network_security_group: Option<SubResource>,
    #[serde(default)]
    virtual_machine: Option<SubResource>,
    #[serde(default)]
    mac_address: Option<String>,
    #[serde(default)]
    primary: Option<bool>,
    #[serde(default, rename = "enableIPForwarding")]
    enable_ip_forwarding: Option<bool>,
    #[serde(default)]
    enable_accelerated_networking: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IpConfiguration {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    properties: IpProps,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IpProps {
    #[serde(default)]
    subnet: Option<SubResource>,
    #[serde(default, rename = "privateIPAddress")]
    private_ip_address: Option<String>,
    #[serde(default, rename = "publicIPAddress")]
    public_ip_address: Option<SubResource>,
    #[serde(default)]
    primary: Option<bool>,
    #[serde(default)]
    load_balancer_backend_address_pools: Option<Vec<SubResource>>,
    #[serde(default)]
    load_balancer_inbound_nat_rules: Option<Vec<SubResource>>,
    #[serde(default)]
    application_security_groups: Option<Vec<SubResource>>,
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    cx.list_each(Service::ArmNetwork, "providers/Microsoft.Network/networkInterfaces", "2024-07-01", out, map).await
}

pub(crate) fn map(sub: &AccountId, i: Item) -> Result<Resource, CollectError> {
    let p = i.properties;
    let mut ip_configurations = Vec::new();
    for c in p.ip_configurations.into_iter().flatten() {
        let id = arm_id(&c.id)?;
        let cp = c.properties;
        ip_configurations.push(NicIpConfiguration {
            name: c.name.unwrap_or_else(|| id.short_id().to_string()),
            id,
            subnet: sub_id(&cp.subnet)?,
            private_ip: cp.private_ip_address,
            public_ip: sub_id(&cp.public_ip_address)?,
            primary: cp.primary.unwrap_or(false),
            load_balancer_backend_pools: sub_ids(&cp.load_balancer_backend_address_pools)?,
            load_balancer_inbound_nat_rules: sub_ids(&cp.load_balancer_inbound_nat_rules)?,
            application_security_groups: sub_ids(&cp.application_security_groups)?,
        });
    }
    let model = AzureNetworkInterface {
        ip_configurations,
        network_security_group: sub_id(&p.network_security_group)?,
        virtual_machine: sub_id(&p.virtual_machine)?,
        mac_address: p.mac_address,
        primary: p.primary,
        enable_ip_forwarding: p.enable_ip_forwarding.unwrap_or(false),
        enable_accelerated_networking: p.enable_accelerated_networking.unwrap_or(false),
    };
    resource(sub, &i.common, model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::mapped;

    #[test]
    fn maps_the_published_example_with_its_references() {
        let rs = mapped::<Item>(include_str!("testdata/NetworkInterfaces_ListAll.json"), map);
        assert_eq!(rs.len(), 2);
        let n = rs[0].model::<AzureNetworkInterface>().unwrap();
        assert_eq!(n.virtual_machine.as_ref().map(|v| v.short_id()), Some("vm1"));
        assert_eq!(n.network_security_group.as_ref().map(|v| v.short_id()), Some("nsg"));
        assert!(n.enable_accelerated_networking);
        let c = &n.ip_configurations[0];
        assert_eq!(c.name, "ipconfig1");
        assert!(c.primary);
        assert_eq!(c.private_ip.as_deref(), Some("172.20.2.4"));
        assert_eq!(c.public_ip.as_ref().map(|v| v.short_id()), Some("test-ip"));
        assert_eq!(c.subnet.as_ref().map(|v| v.short_id()), Some("default"));
    }
}
