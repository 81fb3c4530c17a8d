//! Helpers shared by the Azure rules.

use skywarden_graph::model::{
    AzureDisk, AzureKeyVault, AzureNetworkSecurityGroup, AzureSnapshot, AzureSqlServer,
    AzureStorageAccount, AzureVirtualMachine, DiskSku, NsgProtocol, NsgRule, SqlFirewallRule,
};
use skywarden_graph::{Direction, EdgeKind, Model, Resource};

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding, PricingBasis};
use crate::meta::{Framework, FrameworkRef, RuleMeta};
use crate::pricing::{AzureDiskSku, PriceTable};

/// The CIS Microsoft Azure Foundations Benchmark version the Azure rules cite (control numbers
/// checked against that version's list).
pub(crate) const CIS_AZURE: &str = "2.1.0";

pub(crate) const fn cis(control: &'static str) -> FrameworkRef {
    FrameworkRef {
        framework: Framework::CisAzureFoundations,
        version: CIS_AZURE,
        control,
    }
}

/// Which inbound internet traffic an NSG rule looks for.
pub(crate) struct InternetAccess {
    pub protocol: NsgProtocol,
    /// Only rules whose protocol is exactly `protocol` (not `*`).
    pub exact_protocol: bool,
    /// Ports of which at least one must be admitted; empty: any port.
    pub ports: &'static [u16],
}

/// One finding per NSG with a custom inbound Allow rule from an internet source admitting
/// `access` traffic on a port a higher-priority Deny does not already shadow.
pub(crate) fn nsg_internet_access(
    cx: &EvalCx<'_>,
    meta: &RuleMeta,
    access: &InternetAccess,
) -> Vec<Finding> {
    cx.inventory
        .of_kind::<AzureNetworkSecurityGroup>()
        .filter_map(|(r, nsg)| {
            let rules: Vec<NsgRule> = nsg
                .security_rules
                .iter()
                .filter(|rule| !access.exact_protocol || rule.protocol == access.protocol)
                .filter(|rule| {
                    let open = nsg.unshadowed_internet_ports(rule, &access.protocol);
                    if access.ports.is_empty() {
                        !open.is_empty()
                    } else {
                        access
                            .ports
                            .iter()
                            .any(|p| open.iter().any(|(lo, hi)| lo <= p && p <= hi))
                    }
                })
                .cloned()
                .collect();
            (!rules.is_empty()).then(|| {
                Finding::new(
                    meta,
                    r,
                    "",
                    Evidence::NsgInternetIngress {
                        protocol: access.protocol.clone(),
                        ports: access.ports.to_vec(),
                        rules,
                    },
                )
            })
        })
        .collect()
}

/// The pricing SKU of a disk SKU (Standard HDD/SSD and Premium SSD LRS are priced).
pub(crate) fn priced_sku(sku: Option<&DiskSku>) -> Option<AzureDiskSku> {
    sku.and_then(|s| s.as_str().parse().ok())
}

/// Monthly estimate of one managed disk, if its SKU and size are priced.
pub(crate) fn disk_monthly(
    pricing: &PriceTable,
    location: &str,
    disk: &AzureDisk,
) -> Option<(f64, PricingBasis)> {
    pricing.azure_disk_monthly(location, priced_sku(disk.sku.as_ref())?, disk.size_gib?)
}

pub(crate) fn disk_evidence(d: &AzureDisk) -> Evidence {
    Evidence::AzureDisk {
        sku: d.sku.clone(),
        size_gib: d.size_gib,
        disk_state: d.disk_state.clone(),
        managed_by: d.managed_by.clone(),
        encryption_type: d.encryption_type.clone(),
        disk_encryption_set: d.disk_encryption_set.clone(),
        created: d.time_created,
    }
}

/// The managed disks of a VM in the inventory: those its storage profile names plus those
/// `attached_to` it (`managedBy`), ordered by id, without repeats.
pub(crate) fn vm_disks<'a>(
    cx: &EvalCx<'a>,
    vm_resource: &Resource,
    vm: &AzureVirtualMachine,
) -> Vec<(&'a Resource, &'a AzureDisk)> {
    let mut out = cx.inventory.neighbors_of::<AzureDisk>(
        &vm_resource.id,
        EdgeKind::AttachedTo,
        Direction::Incoming,
    );
    for id in vm.disks() {
        if let Some(d) = cx
            .inventory
            .get(id)
            .and_then(|r| r.model::<AzureDisk>().map(|m| (r, m)))
        {
            out.push(d);
        }
    }
    out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    out.dedup_by(|a, b| a.0.id == b.0.id);
    out
}

/// What the snapshot rules report about a snapshot.
pub(crate) fn snapshot_evidence(cx: &EvalCx<'_>, s: &AzureSnapshot) -> Evidence {
    Evidence::AzureSnapshot {
        sku: s.sku.clone(),
        size_gib: s.size_gib,
        incremental: s.incremental,
        source_disk: s.source_disk.clone(),
        created: s.time_created,
        age_days: s.time_created.map(|t| (cx.now - t).num_days()),
        network_access_policy: s.network_access_policy.clone(),
        public_network_access: s.public_network_access.clone(),
    }
}

/// One finding per SQL server with a firewall rule for which `matches` holds (servers whose
/// firewall rules were not read are skipped: nothing is concluded from them).
pub(crate) fn sql_firewall_findings(
    cx: &EvalCx<'_>,
    meta: &RuleMeta,
    matches: fn(&SqlFirewallRule) -> bool,
) -> Vec<Finding> {
    cx.inventory
        .of_kind::<AzureSqlServer>()
        .filter_map(|(r, s)| {
            let rules: Vec<SqlFirewallRule> = s
                .firewall_rules
                .as_ref()?
                .iter()
                .filter(|f| matches(f))
                .cloned()
                .collect();
            (!rules.is_empty()).then(|| {
                Finding::new(
                    meta,
                    r,
                    "",
                    Evidence::SqlServerFirewall {
                        public_network_access: s.public_network_access.clone(),
                        rules,
                    },
                )
            })
        })
        .collect()
}

/// One finding per resource of kind `M` for which `fires` holds, with `evidence` of it.
pub(crate) fn settings_findings<M: Model>(
    cx: &EvalCx<'_>,
    meta: &RuleMeta,
    fires: fn(&M) -> bool,
    evidence: fn(&M) -> Evidence,
) -> Vec<Finding> {
    cx.inventory
        .of_kind::<M>()
        .filter(|(_, m)| fires(m))
        .map(|(r, m)| Finding::new(meta, r, "", evidence(m)))
        .collect()
}

/// What the storage account rules report: the settings as ARM returned them.
pub(crate) fn storage_evidence(s: &AzureStorageAccount) -> Evidence {
    Evidence::AzureStorageAccount {
        allow_blob_public_access: s.allow_blob_public_access,
        supports_https_traffic_only: s.supports_https_traffic_only,
        minimum_tls_version: s.minimum_tls_version.clone(),
        allow_shared_key_access: s.allow_shared_key_access,
        public_network_access: s.public_network_access.clone(),
        network_acls_default_action: s.network_acls_default_action.clone(),
    }
}

/// One finding per storage account for which `fires` holds.
pub(crate) fn storage_findings(
    cx: &EvalCx<'_>,
    meta: &RuleMeta,
    fires: fn(&AzureStorageAccount) -> bool,
) -> Vec<Finding> {
    settings_findings(cx, meta, fires, storage_evidence)
}

/// What the key vault rules report: the settings as ARM returned them.
pub(crate) fn key_vault_evidence(v: &AzureKeyVault) -> Evidence {
    Evidence::AzureKeyVault {
        enable_soft_delete: v.enable_soft_delete,
        enable_purge_protection: v.enable_purge_protection,
        public_network_access: v.public_network_access.clone(),
        network_acls_default_action: v.network_acls_default_action.clone(),
    }
}

/// One finding per key vault for which `fires` holds.
pub(crate) fn key_vault_findings(
    cx: &EvalCx<'_>,
    meta: &RuleMeta,
    fires: fn(&AzureKeyVault) -> bool,
) -> Vec<Finding> {
    settings_findings(cx, meta, fires, key_vault_evidence)
}

/// Test helpers of the NSG rules.
#[cfg(test)]
pub(crate) mod nsg_tests {
    use skywarden_graph::model::NsgRule;

    use crate::catalog::testkit::azure::az_nsg;
    use crate::catalog::testkit::eval_rule;
    use crate::finding::{Evidence, Finding};
    use crate::meta::Rule;

    /// `rule` over one NSG `nsg1` with `rules` and the default rules.
    pub(crate) fn run(rule: &Rule, rules: Vec<NsgRule>) -> Vec<Finding> {
        eval_rule(rule, vec![az_nsg("nsg1", rules)])
    }

    /// The names of the NSG rules a finding lists.
    pub(crate) fn rule_names(f: &Finding) -> Vec<&str> {
        let Evidence::NsgInternetIngress { rules, .. } = &f.evidence else {
            panic!("{:?}", f.evidence)
        };
        rules.iter().map(|r| r.name.as_str()).collect()
    }
}

/// Test helpers of the SQL rules.
#[cfg(test)]
pub(crate) mod sql_tests {
    use skywarden_graph::model::SqlFirewallRule;

    use crate::catalog::testkit::azure::az_sql;
    use crate::catalog::testkit::eval_rule;
    use crate::finding::Finding;
    use crate::meta::Rule;

    pub(crate) fn rule(name: &str, start: &str, end: &str) -> SqlFirewallRule {
        SqlFirewallRule {
            name: name.into(),
            start_ip: start.into(),
            end_ip: end.into(),
        }
    }

    /// `r` over one server `sql1` with `rules` (`None`: not read).
    pub(crate) fn run(r: &Rule, rules: Option<Vec<SqlFirewallRule>>) -> Vec<Finding> {
        eval_rule(r, vec![az_sql("sql1", |s| s.firewall_rules = rules)])
    }
}
