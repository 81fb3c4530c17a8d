//! `LoadBalancers_ListAll`: `GET /subscriptions/{id}/providers/Microsoft.Network/loadBalancers`
//! (api-version 2024-07-01): frontends, backend pools, rules and inbound NAT rules.

use serde::Deserialize;
use skywarden_graph::model::{
    AzureLoadBalancer, LbBackendPool, LbFrontend, LbNatRule, LbProtocol, LbRule, LbSkuName,
    SkuTier,
};
use skywarden_graph::{AccountId, Resource, ResourceId};

use super::{arm_id, resource, sub_id, sub_ids, Common, Sku, SubResource};
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
    sku: Option<Sku>,
    #[serde(default)]
    properties: Props,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Props {
    #[serde(default, rename = "frontendIPConfigurations")]
    frontend_ip_configurations: Option<Vec<Child<FrontendProps>>>,
    #[serde(default)]
    backend_address_pools: Option<Vec<Child<PoolProps>>>,
    #[serde(default)]
    load_balancing_rules: Option<Vec<Child<RuleProps>>>,
    #[serde(default)]
    inbound_nat_rules: Option<Vec<Child<NatProps>>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Child<P: Default> {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    properties: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FrontendProps {
    #[serde(default, rename = "publicIPAddress")]
    public_ip_address: Option<SubResource>,
    #[serde(default)]
    subnet: Option<SubResource>,
    #[serde(default, rename = "privateIPAddress")]
    private_ip_address: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PoolProps {
    #[serde(default, rename = "backendIPConfigurations")]
    backend_ip_configurations: Option<Vec<SubResource>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleProps {
    #[serde(default, rename = "frontendIPConfiguration")]
    frontend_ip_configuration: Option<SubResource>,
    #[serde(default)]
    backend_address_pool: Option<SubResource>,
    #[serde(default)]
    backend_address_pools: Option<Vec<SubResource>>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    frontend_port: Option<u16>,
    #[serde(default)]
    backend_port: Option<u16>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NatProps {
    #[serde(default, rename = "frontendIPConfiguration")]
    frontend_ip_configuration: Option<SubResource>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    frontend_port: Option<u16>,
    #[serde(default)]
    frontend_port_range_start: Option<u16>,
    #[serde(default)]
    frontend_port_range_end: Option<u16>,
    #[serde(default)]
    backend_port: Option<u16>,
    #[serde(default, rename = "backendIPConfiguration")]
    backend_ip_configuration: Option<SubResource>,
    #[serde(default)]
    backend_address_pool: Option<SubResource>,
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    cx.list_each(Service::ArmNetwork, "providers/Microsoft.Network/loadBalancers", "2024-07-01", out, map).await
}

fn child_id<P: Default>(c: &Child<P>, what: &str) -> Result<(ResourceId, String), CollectError> {
    let id = c
        .id
        .as_deref()
        .ok_or_else(|| CollectError::decode(format!("load balancer {what} without an id")))?;
    let id = arm_id(id)?;
    let name = c.name.clone().unwrap_or_else(|| id.short_id().to_string());
    Ok((id, name))
}

pub(crate) fn map(sub: &AccountId, i: Item) -> Result<Resource, CollectError> {
    let p = i.properties;
    let sku = i.sku.unwrap_or_default();
    let mut frontends = Vec::new();
    for f in p.frontend_ip_configurations.iter().flatten() {
        let (id, name) = child_id(f, "frontend")?;
        frontends.push(LbFrontend {
            id,
            name,
            public_ip: sub_id(&f.properties.public_ip_address)?,
            subnet: sub_id(&f.properties.subnet)?,
            private_ip: f.properties.private_ip_address.clone(),
        });
    }
    let mut pools = Vec::new();
    for b in p.backend_address_pools.iter().flatten() {
        let (id, name) = child_id(b, "backend pool")?;
        pools.push(LbBackendPool {
            id,
            name,
            nic_ip_configurations: sub_ids(&b.properties.backend_ip_configurations)?,
        });
    }
    let mut rules = Vec::new();
    for r in p.load_balancing_rules.into_iter().flatten() {
        let rp = r.properties;
        let mut backend_pools: Vec<ResourceId> = sub_id(&rp.backend_address_pool)?.into_iter().collect();
        for b in sub_ids(&rp.backend_address_pools)? {
            if !backend_pools.contains(&b) {
                backend_pools.push(b);
            }
        }
        rules.push(LbRule {
            name: r.name.unwrap_or_default(),
            frontend: sub_id(&rp.frontend_ip_configuration)?,
            backend_pools,
            protocol: LbProtocol::parse(rp.protocol.as_deref().unwrap_or("Tcp")),
            frontend_port: rp.frontend_port.unwrap_or(0),
            backend_port: rp.backend_port,
        });
    }
    let mut nat = Vec::new();
    for r in p.inbound_nat_rules.into_iter().flatten() {
        let np = r.properties;
        let (from, to) = match (np.frontend_port, np.frontend_port_range_start, np.frontend_port_range_end) {
            (Some(port), _, _) if port != 0 => (Some(port), Some(port)),
            (_, Some(a), Some(b)) => (Some(a), Some(b)),
            (port, _, _) => (port, port),
        };
        nat.push(LbNatRule {
            name: r.name.unwrap_or_default(),
            frontend: sub_id(&np.frontend_ip_configuration)?,
            protocol: LbProtocol::parse(np.protocol.as_deref().unwrap_or("Tcp")),
            frontend_port_from: from,
            frontend_port_to: to,
            backend_port: np.backend_port,
            backend_ip_configuration: sub_id(&np.backend_ip_configuration)?,
            backend_pool: sub_id(&np.backend_address_pool)?,
        });
    }
    let model = AzureLoadBalancer {
        sku_name: sku.name.as_deref().map(LbSkuName::parse),
        sku_tier: sku.tier.as_deref().map(SkuTier::parse),
        frontend_ip_configurations: frontends,
        backend_pools: pools,
        rules,
        inbound_nat_rules: nat,
    };
    resource(sub, &i.common, model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::mapped;

    #[test]
    fn maps_the_published_example() {
        let rs = mapped::<Item>(include_str!("testdata/LoadBalancers_ListAll.json"), map);
        assert_eq!(rs.len(), 2);
        let lb = rs[0].model::<AzureLoadBalancer>().unwrap();
        assert_eq!(lb.sku_name, Some(LbSkuName::Basic));
        assert_eq!(lb.frontend_ip_configurations[0].name, "felb");
        assert_eq!(lb.frontend_ip_configurations[0].private_ip.as_deref(), Some("10.0.1.4"));
        assert_eq!(lb.backend_pools[0].name, "belb");
        let rule = &lb.rules[0];
        assert_eq!((rule.frontend_port, rule.backend_port), (80, Some(80)));
        assert_eq!(rule.backend_pools.len(), 1);
        assert_eq!(rule.frontend.as_ref().map(|f| f.short_id()), Some("felb"));
        let nat = &lb.inbound_nat_rules[0];
        assert!(nat.frontend_port_from.is_some());
    }
}
