//! The edges Skywarden's graph derives from the estate's payloads, read back from the JSON
//! the server sends (so the ground truth follows the payloads, not the plan that built them).
//!
//! Mirrors graph/src/inventory.rs (placement from ids) and the `references()` of the Azure
//! models: an edge exists only when both ends are resources of the estate.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::estate::{Collection, Estate};

type Edge = (String, String, String);

const CONTAINS: &str = "contains";
const ATTACHED_TO: &str = "attached_to";
const SECURED_BY: &str = "secured_by";
const ROUTES_TO: &str = "routes_to";
const ASSOCIATED_WITH: &str = "associated_with";
const DERIVED_FROM: &str = "derived_from";

/// The parent of an ARM child id (`.../loadBalancers/lb/backendAddressPools/p` -> the load
/// balancer); `None` for a top-level resource, a group or a subscription.
pub fn arm_parent(id: &str) -> Option<String> {
    let seg: Vec<&str> = id.trim_start_matches('/').split('/').collect();
    let p = seg
        .iter()
        .position(|s| s.eq_ignore_ascii_case("providers"))?;
    (seg.len() > p + 4).then(|| format!("/{}", seg[..seg.len() - 2].join("/")))
}

/// What contains `id` by its shape: the subscription of a group, the group of a top-level
/// resource.
fn placement(id: &str) -> Option<String> {
    let seg: Vec<&str> = id.trim_start_matches('/').split('/').collect();
    if seg.len() == 4 && seg[2].eq_ignore_ascii_case("resourcegroups") {
        return Some(format!("/subscriptions/{}", seg[1]));
    }
    let p = seg
        .iter()
        .position(|s| s.eq_ignore_ascii_case("providers"))?;
    (seg.len() == p + 4 && p == 4).then(|| format!("/{}", seg[..4].join("/")))
}

fn id_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn items<'a>(v: &'a Value, pointer: &str) -> impl Iterator<Item = &'a Value> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// Every edge of the estate.
pub fn derive(estate: &Estate) -> BTreeSet<Edge> {
    let ids: BTreeSet<String> = estate
        .ground_truth
        .all_ids()
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut out = BTreeSet::new();
    let mut add = |from: &str, edge: &str, to: &str| {
        let (from, to) = (from.to_ascii_lowercase(), to.to_ascii_lowercase());
        if ids.contains(&from) && ids.contains(&to) {
            out.insert((from, edge.to_string(), to));
        }
    };
    for id in &ids {
        if let Some(container) = placement(id) {
            add(&container, CONTAINS, id);
        }
    }
    for sub in &estate.subscriptions {
        for (c, list) in &sub.collections {
            for item in list {
                let Some(id) = id_at(item, "/id") else {
                    continue;
                };
                match c {
                    Collection::VirtualNetworks => {
                        for s in items(item, "/properties/subnets") {
                            if let Some(sid) = id_at(s, "/id") {
                                add(id, CONTAINS, sid);
                                if let Some(nsg) = id_at(s, "/properties/networkSecurityGroup/id") {
                                    add(sid, SECURED_BY, nsg);
                                }
                            }
                        }
                    }
                    Collection::NetworkSecurityGroups => {
                        for r in items(item, "/properties/subnets")
                            .chain(items(item, "/properties/networkInterfaces"))
                        {
                            if let Some(rid) = id_at(r, "/id") {
                                add(rid, SECURED_BY, id);
                            }
                        }
                    }
                    Collection::NetworkInterfaces => {
                        for cfg in items(item, "/properties/ipConfigurations") {
                            if let Some(s) = id_at(cfg, "/properties/subnet/id") {
                                add(s, CONTAINS, id);
                            }
                            if let Some(p) = id_at(cfg, "/properties/publicIPAddress/id") {
                                add(p, ATTACHED_TO, id);
                            }
                            for child in items(cfg, "/properties/loadBalancerBackendAddressPools")
                                .chain(items(cfg, "/properties/loadBalancerInboundNatRules"))
                            {
                                if let Some(lb) = id_at(child, "/id").and_then(arm_parent) {
                                    add(&lb, ROUTES_TO, id);
                                }
                            }
                        }
                        if let Some(nsg) = id_at(item, "/properties/networkSecurityGroup/id") {
                            add(id, SECURED_BY, nsg);
                        }
                        if let Some(vm) = id_at(item, "/properties/virtualMachine/id") {
                            add(id, ATTACHED_TO, vm);
                        }
                    }
                    Collection::VirtualMachines => {
                        for n in items(item, "/properties/networkProfile/networkInterfaces") {
                            if let Some(nid) = id_at(n, "/id") {
                                add(nid, ATTACHED_TO, id);
                            }
                        }
                        if let Some(d) =
                            id_at(item, "/properties/storageProfile/osDisk/managedDisk/id")
                        {
                            add(d, ATTACHED_TO, id);
                        }
                        for d in items(item, "/properties/storageProfile/dataDisks") {
                            if let Some(did) = id_at(d, "/managedDisk/id") {
                                add(did, ATTACHED_TO, id);
                            }
                        }
                    }
                    Collection::Disks => {
                        if let Some(vm) = id_at(item, "/managedBy") {
                            add(id, ATTACHED_TO, vm);
                        }
                        if let Some(src) = id_at(item, "/properties/creationData/sourceResourceId")
                        {
                            add(id, DERIVED_FROM, src);
                        }
                    }
                    Collection::Snapshots => {
                        if let Some(src) = id_at(item, "/properties/creationData/sourceResourceId")
                        {
                            add(id, DERIVED_FROM, src);
                        }
                    }
                    Collection::PublicIpAddresses => {
                        if let Some(owner) =
                            id_at(item, "/properties/ipConfiguration/id").and_then(arm_parent)
                        {
                            add(id, ATTACHED_TO, &owner);
                        }
                    }
                    Collection::LoadBalancers => {
                        for fe in items(item, "/properties/frontendIPConfigurations") {
                            if let Some(p) = id_at(fe, "/properties/publicIPAddress/id") {
                                add(p, ATTACHED_TO, id);
                            }
                            if let Some(s) = id_at(fe, "/properties/subnet/id") {
                                add(id, ASSOCIATED_WITH, s);
                            }
                        }
                        for pool in items(item, "/properties/backendAddressPools") {
                            for cfg in items(pool, "/properties/backendIPConfigurations") {
                                if let Some(nic) = id_at(cfg, "/id").and_then(arm_parent) {
                                    add(id, ROUTES_TO, &nic);
                                }
                            }
                        }
                        for nat in items(item, "/properties/inboundNatRules") {
                            if let Some(nic) = id_at(nat, "/properties/backendIPConfiguration/id")
                                .and_then(arm_parent)
                            {
                                add(id, ROUTES_TO, &nic);
                            }
                        }
                    }
                    Collection::ResourceGroups
                    | Collection::StorageAccounts
                    | Collection::KeyVaults
                    | Collection::SqlServers => {}
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn parents_and_placement() {
        let pool = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/p";
        assert_eq!(
            arm_parent(pool).as_deref(),
            Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb")
        );
        assert_eq!(
            arm_parent(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb"
            ),
            None
        );
        assert_eq!(
            placement("/subscriptions/s/resourceGroups/rg").as_deref(),
            Some("/subscriptions/s")
        );
        assert_eq!(
            placement("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d")
                .as_deref(),
            Some("/subscriptions/s/resourceGroups/rg")
        );
        assert_eq!(placement(pool), None);
        assert_eq!(placement("/subscriptions/s"), None);
    }
}
