//! AzureRM provider types: how each maps to a Skywarden resource and which attributes compare.
//!
//! Resource ids are the lower-cased ARM `id` (as the Azure scanner stores them); the
//! subscription in the id is the account, `location` (normalised: lower case, no spaces) the
//! region. As for AWS, an attribute is compared only when the state has it, both sides are
//! normalised to the Terraform vocabulary, and ids inside attributes are lower-cased. Absent
//! live properties take ARM's documented defaults (see `azure_storage_account` in the graph).
//!
//! | Terraform type | kind | compared attributes |
//! |---|---|---|
//! | `azurerm_linux_virtual_machine`, `azurerm_windows_virtual_machine` | `azure_compute_virtual_machine` | `size`, `network_interface_ids` (set), `tags` |
//! | `azurerm_virtual_machine` (legacy) | `azure_compute_virtual_machine` | `vm_size`, `network_interface_ids` (set), `storage_os_disk.managed_disk_id`, `tags` |
//! | `azurerm_managed_disk` | `azure_compute_disk` | `disk_size_gb`, `storage_account_type` (the SKU), `disk_encryption_set_id`, `network_access_policy`, `public_network_access_enabled`, `tags` |
//! | `azurerm_network_security_group` | `azure_network_security_group` | `security_rule` (set of `name priority direction access protocol src=… sport=… dst=… dport=…`; prefixes lower-cased, port ranges as `*`, `22` or `1000-2000`; default rules excluded), `tags` |
//! | `azurerm_network_security_rule` | folded into its NSG (the parent of its `id`) | joins the NSG's `security_rule` set |
//! | `azurerm_storage_account` | `azure_storage_account` | `account_kind`, `account_tier` and `account_replication_type` (the SKU), `https_traffic_only_enabled` (v4; `enable_https_traffic_only` in v3), `min_tls_version`, `allow_nested_items_to_be_public` (public blob access), `shared_access_key_enabled`, `public_network_access_enabled`, `tags` |

use std::collections::BTreeSet;

use skywarden_graph::model::{
    AzureDisk, AzureNetworkSecurityGroup, AzureStorageAccount, AzureVirtualMachine, NsgAccess,
    NsgDirection, NsgPortRange, NsgProtocol, NsgRule, PublicNetworkAccess,
};
use skywarden_graph::{AccountId, Region, Resource, ResourceId, ResourceKind};

use crate::error::{bounded, ErrorKind, TerraformError};
use crate::map::{always, Cloud, FoldType, IdCx, PrimaryType, Scoping};
use crate::value::{user_tags, AttrMap, AttrValue, Attrs};

type R<T> = Result<T, TerraformError>;

const VM: PrimaryType = PrimaryType {
    tf: "azurerm_linux_virtual_machine",
    kind: ResourceKind::AzureComputeVirtualMachine,
    cloud: Cloud::Azure,
    scoping: Scoping::Regional,
    id: arm_id,
    fold_key,
    state: vm_state,
    live: vm_live,
    exists: always,
    reportable: always,
};

pub(crate) static PRIMARY: &[PrimaryType] = &[
    VM,
    PrimaryType {
        tf: "azurerm_windows_virtual_machine",
        ..VM
    },
    PrimaryType {
        tf: "azurerm_virtual_machine",
        state: legacy_vm_state,
        live: legacy_vm_live,
        ..VM
    },
    PrimaryType {
        tf: "azurerm_managed_disk",
        kind: ResourceKind::AzureComputeDisk,
        state: disk_state,
        live: disk_live,
        ..VM
    },
    PrimaryType {
        tf: "azurerm_network_security_group",
        kind: ResourceKind::AzureNetworkSecurityGroup,
        state: nsg_state,
        live: nsg_live,
        ..VM
    },
    PrimaryType {
        tf: "azurerm_storage_account",
        kind: ResourceKind::AzureStorageAccount,
        state: storage_state,
        live: storage_live,
        ..VM
    },
];

pub(crate) static FOLD: &[FoldType] = &[FoldType {
    tf: "azurerm_network_security_rule",
    target: ResourceKind::AzureNetworkSecurityGroup,
    key: nsg_rule_parent,
    state: nsg_rule_state,
}];

// ---------------------------------------------------------------- ids and placement

fn parse_arm(a: &Attrs<'_>, field: &str, s: &str) -> R<ResourceId> {
    ResourceId::azure(s).map_err(|_| {
        a.error(ErrorKind::InvalidId {
            field: field.to_string(),
            value: bounded(s),
            what: "Azure resource id",
        })
    })
}

fn arm_id(a: &Attrs<'_>, _cx: &IdCx<'_>) -> R<ResourceId> {
    parse_arm(a, "id", a.id()?)
}

fn fold_key(a: &Attrs<'_>) -> R<String> {
    Ok(parse_arm(a, "id", a.id()?)?.to_string())
}

/// `westeurope` from `westeurope`, `West Europe` or `WESTEUROPE`.
fn location(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The id, subscription and location of an AzureRM resource.
pub(crate) fn place(
    a: &Attrs<'_>,
    default_region: Option<&Region>,
) -> R<(ResourceId, AccountId, Region)> {
    let id = parse_arm(a, "id", a.id()?)?;
    let sub = id.azure_subscription().unwrap_or_default();
    let account = sub.parse::<AccountId>().map_err(|_| {
        a.error(ErrorKind::InvalidId {
            field: "id".into(),
            value: bounded(sub),
            what: "subscription id (a GUID)",
        })
    })?;
    let region = match a.opt_str("location")? {
        Some(l) => {
            let l = location(l);
            l.parse::<Region>().map_err(|_| {
                a.error(ErrorKind::InvalidId {
                    field: "location".into(),
                    value: bounded(&l),
                    what: "Azure location",
                })
            })?
        }
        None => default_region
            .cloned()
            .ok_or_else(|| a.error(ErrorKind::Unplaceable { missing: "region" }))?,
    };
    Ok((id, account, region))
}

// ---------------------------------------------------------------- shared helpers

fn put(m: &mut AttrMap, k: &'static str, v: Option<AttrValue>) {
    if let Some(v) = v {
        m.insert(k, v);
    }
}

fn state_tags(a: &Attrs<'_>, m: &mut AttrMap) -> R<()> {
    put(m, "tags", a.opt_string_map("tags")?.map(AttrValue::Map));
    Ok(())
}

fn live_tags(r: &Resource, m: &mut AttrMap) {
    m.insert("tags", AttrValue::Map(user_tags(&r.tags)));
}

/// A set of ARM ids, lower-cased.
fn state_ids(a: &Attrs<'_>, m: &mut AttrMap, k: &'static str) -> R<()> {
    if let Some(ids) = a.opt_strings(k)? {
        let ids = ids
            .iter()
            .map(|s| parse_arm(a, k, s).map(|i| i.to_string()))
            .collect::<R<BTreeSet<_>>>()?;
        m.insert(k, AttrValue::Set(ids));
    }
    Ok(())
}

fn state_id(a: &Attrs<'_>, m: &mut AttrMap, k: &'static str) -> R<()> {
    // "" or null: none (a value here: no encryption set, no disk).
    let v = match a.opt_str(k)? {
        Some(s) => AttrValue::str(parse_arm(a, k, s)?.to_string()),
        None => AttrValue::Null,
    };
    if a.map.contains_key(k) {
        m.insert(k, v);
    }
    Ok(())
}

fn ids(v: &[ResourceId]) -> AttrValue {
    AttrValue::set(v.iter().map(ToString::to_string))
}

fn opt_id(v: Option<&ResourceId>) -> AttrValue {
    AttrValue::opt_str(v.map(ToString::to_string))
}

// ---------------------------------------------------------------- virtual machines

fn vm_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    put(&mut m, "size", a.opt_str("size")?.map(AttrValue::str));
    state_ids(a, &mut m, "network_interface_ids")?;
    state_tags(a, &mut m)?;
    Ok(m)
}

fn vm_live(r: &Resource) -> Option<AttrMap> {
    let vm = r.model::<AzureVirtualMachine>()?;
    let mut m = AttrMap::new();
    put(&mut m, "size", vm.vm_size.clone().map(AttrValue::Str));
    m.insert("network_interface_ids", ids(&vm.network_interfaces));
    live_tags(r, &mut m);
    Some(m)
}

fn legacy_vm_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    put(&mut m, "vm_size", a.opt_str("vm_size")?.map(AttrValue::str));
    state_ids(a, &mut m, "network_interface_ids")?;
    if let Some(d) = a.block("storage_os_disk")? {
        if let Some(id) = d.opt_str("managed_disk_id")? {
            m.insert(
                "storage_os_disk.managed_disk_id",
                AttrValue::str(parse_arm(a, "storage_os_disk.managed_disk_id", id)?.to_string()),
            );
        }
    }
    state_tags(a, &mut m)?;
    Ok(m)
}

fn legacy_vm_live(r: &Resource) -> Option<AttrMap> {
    let vm = r.model::<AzureVirtualMachine>()?;
    let mut m = vm_live(r)?;
    if let Some(size) = m.remove("size") {
        m.insert("vm_size", size);
    }
    m.insert(
        "storage_os_disk.managed_disk_id",
        opt_id(vm.os_disk.as_ref()),
    );
    Some(m)
}

// ---------------------------------------------------------------- managed disks

fn disk_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    put(
        &mut m,
        "disk_size_gb",
        a.opt_int("disk_size_gb")?.map(AttrValue::Int),
    );
    put(
        &mut m,
        "storage_account_type",
        a.opt_str("storage_account_type")?.map(AttrValue::str),
    );
    state_id(a, &mut m, "disk_encryption_set_id")?;
    put(
        &mut m,
        "network_access_policy",
        a.opt_str("network_access_policy")?.map(AttrValue::str),
    );
    put(
        &mut m,
        "public_network_access_enabled",
        a.opt_bool("public_network_access_enabled")?
            .map(AttrValue::Bool),
    );
    state_tags(a, &mut m)?;
    Ok(m)
}

fn public_access(p: Option<&PublicNetworkAccess>) -> Option<AttrValue> {
    match p {
        // Absent: ARM's default, Enabled.
        None | Some(PublicNetworkAccess::Enabled) => Some(AttrValue::Bool(true)),
        Some(PublicNetworkAccess::Disabled) => Some(AttrValue::Bool(false)),
        Some(_) => None,
    }
}

fn disk_live(r: &Resource) -> Option<AttrMap> {
    let d = r.model::<AzureDisk>()?;
    let mut m = AttrMap::new();
    put(
        &mut m,
        "disk_size_gb",
        d.size_gib.map(|n| AttrValue::Int(i64::from(n))),
    );
    put(
        &mut m,
        "storage_account_type",
        d.sku.as_ref().map(|s| AttrValue::str(s.as_str())),
    );
    m.insert(
        "disk_encryption_set_id",
        opt_id(d.disk_encryption_set.as_ref()),
    );
    put(
        &mut m,
        "network_access_policy",
        d.network_access_policy
            .as_ref()
            .map(|p| AttrValue::str(p.as_str())),
    );
    put(
        &mut m,
        "public_network_access_enabled",
        public_access(d.public_network_access.as_ref()),
    );
    live_tags(r, &mut m);
    Some(m)
}

// ---------------------------------------------------------------- network security groups

/// One NSG rule in a canonical text form both sides produce.
#[allow(clippy::too_many_arguments)]
fn nsg_rule(
    name: &str,
    priority: i64,
    direction: &str,
    access: &str,
    protocol: &str,
    sources: BTreeSet<String>,
    source_ports: BTreeSet<String>,
    destinations: BTreeSet<String>,
    destination_ports: BTreeSet<String>,
) -> String {
    let join = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(",");
    format!(
        "{name} {priority} {} {} {} src={} sport={} dst={} dport={}",
        NsgDirection::parse(direction).as_str(),
        NsgAccess::parse(access).as_str(),
        NsgProtocol::parse(protocol).as_str(),
        join(&sources),
        join(&source_ports),
        join(&destinations),
        join(&destination_ports)
    )
}

/// The singular and plural forms of a rule field (`source_port_range` and
/// `source_port_ranges`), together.
fn both(b: &Attrs<'_>, one: &str, many: &str) -> R<BTreeSet<String>> {
    let mut s = b.opt_strings(many)?.unwrap_or_default();
    if let Some(v) = b.opt_str(one)? {
        s.insert(v.to_string());
    }
    Ok(s)
}

fn ports(b: &Attrs<'_>, one: &str, many: &str) -> R<BTreeSet<String>> {
    both(b, one, many)?
        .iter()
        .map(|p| {
            NsgPortRange::parse(p).map(|r| r.to_string()).map_err(|_| {
                b.error(ErrorKind::InvalidField {
                    field: many.to_string(),
                    expected: "port ranges (*, a port or from-to)",
                })
            })
        })
        .collect()
}

fn prefixes(b: &Attrs<'_>, one: &str, many: &str, asgs: &str) -> R<BTreeSet<String>> {
    let mut s: BTreeSet<String> = both(b, one, many)?
        .iter()
        .map(|p| p.trim().to_lowercase())
        .collect();
    for id in b.opt_strings(asgs)?.unwrap_or_default() {
        s.insert(parse_arm(b, asgs, &id)?.to_string());
    }
    Ok(s)
}

fn tf_rule(b: &Attrs<'_>) -> R<String> {
    let req = |k: &str| {
        b.opt_str(k)?.ok_or_else(|| {
            b.error(ErrorKind::MissingField {
                field: k.to_string(),
            })
        })
    };
    let priority = b.opt_int("priority")?.ok_or_else(|| {
        b.error(ErrorKind::MissingField {
            field: "priority".into(),
        })
    })?;
    Ok(nsg_rule(
        req("name")?,
        priority,
        req("direction")?,
        req("access")?,
        req("protocol")?,
        prefixes(
            b,
            "source_address_prefix",
            "source_address_prefixes",
            "source_application_security_group_ids",
        )?,
        ports(b, "source_port_range", "source_port_ranges")?,
        prefixes(
            b,
            "destination_address_prefix",
            "destination_address_prefixes",
            "destination_application_security_group_ids",
        )?,
        ports(b, "destination_port_range", "destination_port_ranges")?,
    ))
}

fn live_rule(r: &NsgRule) -> String {
    let lower = |v: &[String], asgs: &[ResourceId]| -> BTreeSet<String> {
        v.iter()
            .map(|p| p.trim().to_lowercase())
            .chain(asgs.iter().map(ToString::to_string))
            .collect()
    };
    let ports = |v: &[NsgPortRange]| v.iter().map(ToString::to_string).collect();
    nsg_rule(
        &r.name,
        i64::from(r.priority),
        r.direction.as_str(),
        r.access.as_str(),
        r.protocol.as_str(),
        lower(
            &r.source_address_prefixes,
            &r.source_application_security_groups,
        ),
        ports(&r.source_port_ranges),
        lower(
            &r.destination_address_prefixes,
            &r.destination_application_security_groups,
        ),
        ports(&r.destination_port_ranges),
    )
}

fn nsg_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    if a.map.get("security_rule").is_some_and(|v| !v.is_null()) {
        let rules = a
            .blocks("security_rule")?
            .iter()
            .map(tf_rule)
            .collect::<R<BTreeSet<_>>>()?;
        m.insert("security_rule", AttrValue::Set(rules));
    }
    state_tags(a, &mut m)?;
    Ok(m)
}

fn nsg_rule_parent(a: &Attrs<'_>) -> R<String> {
    let id = parse_arm(a, "id", a.id()?)?;
    id.azure_parent().map(|p| p.to_string()).ok_or_else(|| {
        a.error(ErrorKind::InvalidId {
            field: "id".into(),
            value: bounded(id.as_str()),
            what: "NSG rule id (.../networkSecurityGroups/{nsg}/securityRules/{rule})",
        })
    })
}

fn nsg_rule_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    m.insert("security_rule", AttrValue::set([tf_rule(a)?]));
    Ok(m)
}

fn nsg_live(r: &Resource) -> Option<AttrMap> {
    let g = r.model::<AzureNetworkSecurityGroup>()?;
    let mut m = AttrMap::new();
    m.insert(
        "security_rule",
        AttrValue::Set(g.security_rules.iter().map(live_rule).collect()),
    );
    live_tags(r, &mut m);
    Some(m)
}

// ---------------------------------------------------------------- storage accounts

fn storage_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    for k in [
        "account_kind",
        "account_tier",
        "account_replication_type",
        "min_tls_version",
    ] {
        put(&mut m, k, a.opt_str(k)?.map(AttrValue::str));
    }
    // v4 name, else v3's.
    let https = match a.opt_bool("https_traffic_only_enabled")? {
        Some(b) => Some(b),
        None => a.opt_bool("enable_https_traffic_only")?,
    };
    put(
        &mut m,
        "https_traffic_only_enabled",
        https.map(AttrValue::Bool),
    );
    for k in [
        "allow_nested_items_to_be_public",
        "shared_access_key_enabled",
        "public_network_access_enabled",
    ] {
        put(&mut m, k, a.opt_bool(k)?.map(AttrValue::Bool));
    }
    state_tags(a, &mut m)?;
    Ok(m)
}

fn storage_live(r: &Resource) -> Option<AttrMap> {
    let s = r.model::<AzureStorageAccount>()?;
    let mut m = AttrMap::new();
    put(
        &mut m,
        "account_kind",
        s.account_kind.as_ref().map(|k| AttrValue::str(k.as_str())),
    );
    if let Some((tier, replication)) = s.sku_name.as_deref().and_then(|n| n.split_once('_')) {
        m.insert("account_tier", AttrValue::str(tier));
        m.insert("account_replication_type", AttrValue::str(replication));
    }
    m.insert(
        "min_tls_version",
        AttrValue::str(s.effective_minimum_tls().as_str()),
    );
    m.insert(
        "https_traffic_only_enabled",
        AttrValue::Bool(!s.http_allowed()),
    );
    m.insert(
        "allow_nested_items_to_be_public",
        AttrValue::Bool(s.blob_public_access_allowed()),
    );
    m.insert(
        "shared_access_key_enabled",
        AttrValue::Bool(s.shared_key_access_enabled()),
    );
    put(
        &mut m,
        "public_network_access_enabled",
        public_access(s.public_network_access.as_ref()),
    );
    live_tags(r, &mut m);
    Some(m)
}
