//! `azure.network.public_ip_unassociated`: a public IP address associated with nothing,
//! billed by the hour all the same.

use skywarden_graph::model::{AzurePublicIpAddress, IpAllocationMethod};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};
use crate::pricing::AzurePublicIpSku;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.network.public_ip_unassociated",
        title: "Public IP address is not associated with anything",
        description: "The public IP address has no `ipConfiguration`: no NIC, load balancer \
                      frontend or gateway uses it. Standard addresses (and Basic static ones) \
                      bill every hour whether used or not; the monthly estimate prices the SKU \
                      (Standard regional or global, Basic static or dynamic). A Basic dynamic \
                      address with no address allocated is reported without an estimate: it \
                      bills only while allocated.",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[ResourceKind::AzureNetworkPublicIpAddress],
        remediation: "Associate the address with the resource that needs it, or delete it: \
                      `az network public-ip delete -g <rg> -n <name>` (a deleted static address \
                      cannot be recovered).",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<AzurePublicIpAddress>()
        .filter(|(_, p)| !p.is_associated())
        .map(|(r, p)| {
            let finding = Finding::new(
                &RULE.meta,
                r,
                "",
                Evidence::UnassociatedPublicIp {
                    ip_address: p.ip_address.clone(),
                    sku_name: p.sku_name.clone(),
                    sku_tier: p.sku_tier.clone(),
                    allocation_method: p.allocation_method.clone(),
                },
            );
            let dynamic_unallocated = p.allocation_method == Some(IpAllocationMethod::Dynamic)
                && p.ip_address.is_none();
            let sku = p.sku_name.as_ref().and_then(|name| {
                AzurePublicIpSku::from_arm(
                    name.as_str(),
                    p.sku_tier.as_ref().map(|t| t.as_str()),
                    p.allocation_method.as_ref().map(|a| a.as_str()),
                )
                .ok()
            });
            finding.with_estimate(
                sku.filter(|_| !dynamic_unallocated)
                    .and_then(|s| cx.pricing.azure_public_ip_monthly(r.region.as_str(), s)),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{PublicIpSkuName, SkuTier};

    use super::*;
    use crate::catalog::testkit::azure::{az_public_ip, ipconfig_id, pip_id};
    use crate::catalog::testkit::eval_rule;

    #[test]
    fn fires_on_unassociated_addresses_with_the_sku_price() {
        let f = eval_rule(
            &RULE,
            vec![
                az_public_ip("std", 1, None, |_| {}),
                az_public_ip("global", 2, None, |p| p.sku_tier = Some(SkuTier::Global)),
                az_public_ip("basic-dyn", 3, None, |p| {
                    p.sku_name = Some(PublicIpSkuName::Basic);
                    p.allocation_method = Some(IpAllocationMethod::Dynamic);
                    p.ip_address = None;
                }),
            ],
        );
        assert_eq!(f.len(), 3);
        let by = |name: &str| f.iter().find(|x| x.resource_id == pip_id(name)).unwrap();
        // 730 h * 0.005 and * 0.01 (westeurope is listed).
        assert_eq!(by("std").monthly_cost_usd, Some(3.65));
        assert_eq!(
            by("std").pricing_basis.as_ref().unwrap().price_key,
            "azure-pip:standard:westeurope"
        );
        assert_eq!(by("global").monthly_cost_usd, Some(7.30));
        assert_eq!(by("basic-dyn").monthly_cost_usd, None);
    }

    #[test]
    fn passes_on_associated_addresses() {
        let f = eval_rule(
            &RULE,
            vec![az_public_ip("used", 1, Some(ipconfig_id("vm1-nic")), |_| {})],
        );
        assert!(f.is_empty());
    }
}
