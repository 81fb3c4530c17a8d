//! `PublicIPAddresses_ListAll`: `GET /subscriptions/{id}/providers/Microsoft.Network/publicIPAddresses`
//! (api-version 2024-07-01).

use serde::Deserialize;
use skywarden_graph::model::{AzurePublicIpAddress, IpAllocationMethod, IpVersion, PublicIpSkuName, SkuTier};
use skywarden_graph::{AccountId, Resource};

use super::{resource, sub_id, Common, Sku, SubResource};
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
    #[serde(default)]
    ip_address: Option<String>,
    #[serde(default, rename = "publicIPAllocationMethod")]
    allocation_method: Option<String>,
    #[serde(default, rename = "publicIPAddressVersion")]
    ip_version: Option<String>,
    #[serde(default)]
    ip_configuration: Option<SubResource>,
    #[serde(default)]
    dns_settings: Option<DnsSettings>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DnsSettings {
    #[serde(default)]
    fqdn: Option<String>,
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    cx.list_each(Service::ArmNetwork, "providers/Microsoft.Network/publicIPAddresses", "2024-07-01", out, map).await
}

pub(crate) fn map(sub: &AccountId, i: Item) -> Result<Resource, CollectError> {
    let p = i.properties;
    let sku = i.sku.unwrap_or_default();
    let model = AzurePublicIpAddress {
        ip_address: p.ip_address,
        allocation_method: p.allocation_method.as_deref().map(IpAllocationMethod::parse),
        ip_version: p.ip_version.as_deref().map(IpVersion::parse),
        sku_name: sku.name.as_deref().map(PublicIpSkuName::parse),
        sku_tier: sku.tier.as_deref().map(SkuTier::parse),
        ip_configuration: sub_id(&p.ip_configuration)?,
        fqdn: p.dns_settings.and_then(|d| d.fqdn),
    };
    resource(sub, &i.common, model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::{mapped, subscription};

    #[test]
    fn maps_the_published_example_to_interfaces_and_load_balancers() {
        let rs = mapped::<Item>(include_str!("testdata/PublicIPAddresses_ListAll.json"), map);
        assert_eq!(rs.len(), 3);
        let on_nic = rs[0].model::<AzurePublicIpAddress>().unwrap();
        assert_eq!(on_nic.ip_configuration.as_ref().map(|c| c.short_id()), Some("ipconfig1"));
        assert!(on_nic.is_associated());
        let on_lb = rs[1].model::<AzurePublicIpAddress>().unwrap();
        assert!(on_lb.ip_configuration.as_ref().unwrap().as_str().contains("/loadbalancers/testlb/"));
    }

    #[test]
    fn an_unassociated_address_has_no_configuration() {
        let i: Item = serde_json::from_str(
            r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p","location":"westeurope",
                "sku":{"name":"Standard","tier":"Regional"},"properties":{"publicIPAllocationMethod":"Static","ipAddress":"20.1.2.3"}}"#,
        )
        .unwrap();
        let r = map(&subscription(), i).unwrap();
        let p = r.model::<AzurePublicIpAddress>().unwrap();
        assert!(!p.is_associated());
        assert_eq!(p.allocation_method, Some(IpAllocationMethod::Static));
        assert_eq!(p.sku_name, Some(PublicIpSkuName::Standard));
    }
}
