//! `NetworkSecurityGroups_ListAll`: `GET /subscriptions/{id}/providers/Microsoft.Network/networkSecurityGroups`
//! (api-version 2024-07-01), with `securityRules` and the six `defaultSecurityRules`.

use serde::Deserialize;
use skywarden_graph::model::{
    AzureNetworkSecurityGroup, NsgAccess, NsgDirection, NsgPortRange, NsgProtocol, NsgRule,
};
use skywarden_graph::{AccountId, Resource};

use super::{resource, sub_ids, Common, SubResource};
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
    security_rules: Option<Vec<Rule>>,
    #[serde(default)]
    default_security_rules: Option<Vec<Rule>>,
    #[serde(default)]
    subnets: Option<Vec<SubResource>>,
    #[serde(default)]
    network_interfaces: Option<Vec<SubResource>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    properties: RuleProps,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleProps {
    #[serde(default)]
    priority: Option<i32>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    access: Option<String>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    source_address_prefix: Option<String>,
    #[serde(default)]
    source_address_prefixes: Option<Vec<String>>,
    #[serde(default)]
    source_application_security_groups: Option<Vec<SubResource>>,
    #[serde(default)]
    source_port_range: Option<String>,
    #[serde(default)]
    source_port_ranges: Option<Vec<String>>,
    #[serde(default)]
    destination_address_prefix: Option<String>,
    #[serde(default)]
    destination_address_prefixes: Option<Vec<String>>,
    #[serde(default)]
    destination_application_security_groups: Option<Vec<SubResource>>,
    #[serde(default)]
    destination_port_range: Option<String>,
    #[serde(default)]
    destination_port_ranges: Option<Vec<String>>,
    #[serde(default)]
    description: Option<String>,
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    cx.list_each(Service::ArmNetwork, "providers/Microsoft.Network/networkSecurityGroups", "2024-07-01", out, map).await
}

/// `x` and `xs` merged (ARM sends one or the other), blanks dropped.
fn merged(one: Option<String>, many: Option<Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = one.into_iter().filter(|s| !s.trim().is_empty()).collect();
    for s in many.into_iter().flatten() {
        if !s.trim().is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn ports(one: Option<String>, many: Option<Vec<String>>) -> Result<Vec<NsgPortRange>, CollectError> {
    merged(one, many)
        .iter()
        .map(|p| NsgPortRange::parse(p).map_err(|e| CollectError::decode(e.to_string())))
        .collect()
}

fn rule(r: Rule) -> Result<NsgRule, CollectError> {
    let p = r.properties;
    let name = r.name.unwrap_or_default();
    Ok(NsgRule {
        priority: p
            .priority
            .ok_or_else(|| CollectError::decode(format!("NSG rule {name:?} has no priority")))?,
        direction: NsgDirection::parse(p.direction.as_deref().unwrap_or("Inbound")),
        access: NsgAccess::parse(p.access.as_deref().unwrap_or("Deny")),
        protocol: NsgProtocol::parse(p.protocol.as_deref().unwrap_or("*")),
        source_address_prefixes: merged(p.source_address_prefix, p.source_address_prefixes),
        source_application_security_groups: sub_ids(&p.source_application_security_groups)?,
        source_port_ranges: ports(p.source_port_range, p.source_port_ranges)?,
        destination_address_prefixes: merged(
            p.destination_address_prefix,
            p.destination_address_prefixes,
        ),
        destination_application_security_groups: sub_ids(
            &p.destination_application_security_groups,
        )?,
        destination_port_ranges: ports(p.destination_port_range, p.destination_port_ranges)?,
        description: p.description,
        name,
    })
}

pub(crate) fn map(sub: &AccountId, i: Item) -> Result<Resource, CollectError> {
    let p = i.properties;
    let model = AzureNetworkSecurityGroup {
        security_rules: p
            .security_rules
            .into_iter()
            .flatten()
            .map(rule)
            .collect::<Result<_, _>>()?,
        default_security_rules: p
            .default_security_rules
            .into_iter()
            .flatten()
            .map(rule)
            .collect::<Result<_, _>>()?,
        subnets: sub_ids(&p.subnets)?,
        network_interfaces: sub_ids(&p.network_interfaces)?,
    };
    resource(sub, &i.common, model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::{mapped, subscription};

    #[test]
    fn maps_the_published_example_with_default_rules() {
        let rs = mapped::<Item>(include_str!("testdata/NetworkSecurityGroups_ListAll.json"), map);
        assert_eq!(rs.len(), 2);
        let g = rs[0].model::<AzureNetworkSecurityGroup>().unwrap();
        assert_eq!(g.default_security_rules.len(), 6);
        let deny = g
            .default_security_rules
            .iter()
            .find(|r| r.name == "DenyAllInBound")
            .unwrap();
        assert_eq!(deny.access, NsgAccess::Deny);
        assert_eq!(deny.priority, 65500);
        assert_eq!(deny.destination_port_ranges, vec![NsgPortRange::ANY]);
    }

    #[test]
    fn ssh_from_the_internet_maps_prefixes_and_ports() {
        let i: Item = serde_json::from_str(
            r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n","location":"westeurope",
                "properties":{"securityRules":[{"name":"ssh","properties":{"priority":100,"direction":"Inbound","access":"Allow","protocol":"Tcp",
                "sourceAddressPrefix":"Internet","sourcePortRange":"*","destinationAddressPrefix":"*","destinationPortRanges":["22","3389-3390"]}}]}}"#,
        )
        .unwrap();
        let r = map(&subscription(), i).unwrap();
        let g = r.model::<AzureNetworkSecurityGroup>().unwrap();
        let ssh = &g.security_rules[0];
        assert_eq!(ssh.protocol, NsgProtocol::Tcp);
        assert_eq!(ssh.source_address_prefixes, vec!["Internet".to_string()]);
        assert_eq!(
            ssh.destination_port_ranges,
            vec![NsgPortRange { from: 22, to: 22 }, NsgPortRange { from: 3389, to: 3390 }]
        );
    }

    #[test]
    fn a_rule_without_priority_or_with_a_bad_port_is_a_decode_error() {
        let bad: Item = serde_json::from_str(
            r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n",
                "properties":{"securityRules":[{"name":"x","properties":{"priority":100,"destinationPortRange":"abc"}}]}}"#,
        )
        .unwrap();
        assert!(map(&subscription(), bad).is_err());
    }
}
