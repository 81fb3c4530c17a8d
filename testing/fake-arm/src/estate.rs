//! The linked synthetic estate: ARM payloads shaped after Microsoft's published examples
//! (`fixtures/`, see its README), with ids and references that point at each other, and the
//! [`GroundTruth`] computed alongside.
//!
//! Per subscription: three resource groups (`<env>-network`, `<env>-compute`, `<env>-data`)
//! and `scale` copies of one *unit* (names of copy `r > 0` get a `-r<r>` suffix, storage
//! accounts a digit). One unit:
//!
//! | resource | planted for |
//! |---|---|
//! | VNet `vnet-app` (subnets `web` + NSG `nsg-web`, `app` without NSG) | |
//! | VNet `vnet-data` (subnets `db` + `nsg-db`, `mgmt` + `nsg-mgmt`) | |
//! | `nsg-web`: allow TCP 80,443 and 22 from `Internet` | ssh, http rules fire |
//! | `nsg-db`: allow TCP 1433 from `VirtualNetwork` | passes every NSG rule |
//! | `nsg-mgmt`: deny TCP 3389 from `Internet` (100), allow TCP 3389 from `*` (200) | rdp passes (shadowed) |
//! | `nsg-nic-admin` (on `jump-01`'s NIC): allow TCP 3389 from `Internet`, 22 from 203.0.113.0/24 | rdp fires |
//! | `nsg-nic-dns` (on `dns-01`'s NIC): allow UDP 53 from `Internet` | udp fires |
//! | VM `web-01` running, subnet `web`, Standard public IP, LB backend | exposed TCP 22, 80, 443; admin port |
//! | VM `web-02` running, subnet `web`, LB backend, no public IP | not exposed |
//! | VM `jump-01` stopped, subnet `app`, NIC NSG `nsg-nic-admin`, public IP | exposed TCP 3389; admin port |
//! | VM `dns-01` running, subnet `app`, NIC NSG `nsg-nic-dns`, public IP | exposed UDP 53 only |
//! | VM `app-01` deallocated, subnet `mgmt`, public IP, Standard SSD disks | not exposed; premium rule passes |
//! | VM `db-01` deallocated, subnet `db`, Premium OS + data disk | premium rule fires |
//! | NIC `orphan-nic` (no VM) | |
//! | public IPs: one per `web-01`, `jump-01`, `dns-01`, `app-01`; `pip-lb` on the LB frontend; `pip-unused` | unassociated fires on `pip-unused` |
//! | LB `lb-web` (Standard, public frontend, pool of `web-01` + `web-02`, rule TCP 80) | |
//! | disks: an OS disk per VM, data disks on `web-01` and `db-01`, `orphan-disk-00`/`-01` unattached | unattached fires on the orphans |
//! | snapshots: `snap-web-01-old` (120 days), `snap-db-01-recent` (10 days), `snap-export-public` (AllowAll + Enabled, 30 days) | older_than_90d, public network access |
//! | storage `st<env>secure` (all hardened), `st<env>public` (public blob, HTTP, TLS1_0, shared key, open network) | 5 storage rules fire on `public` only |
//! | key vaults `kv-<env>-secure`, `kv-<env>-nopurge` (open network), `kv-<env>-legacy` (soft delete off) | purge, soft delete, public network |
//! | SQL servers `sql-<env>-open` (0.0.0.0-255.255.255.255), `sql-<env>-azure` (0.0.0.0-0.0.0.0), `sql-<env>-private` | firewall allows all, allows Azure services |
//!
//! Untagged on purpose (missing `owner`/`environment`): `orphan-nic`, `pip-unused`,
//! `orphan-disk-00`, `orphan-disk-01`, `st<env>public`, `kv-<env>-legacy`, and the `<env>-data`
//! resource group.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::ground_truth::GroundTruth;

/// The ARM collections the server lists under `/subscriptions/{id}/...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Collection {
    ResourceGroups,
    VirtualMachines,
    Disks,
    Snapshots,
    NetworkInterfaces,
    PublicIpAddresses,
    VirtualNetworks,
    NetworkSecurityGroups,
    LoadBalancers,
    StorageAccounts,
    KeyVaults,
    SqlServers,
}

impl Collection {
    pub const ALL: [Collection; 12] = [
        Collection::ResourceGroups,
        Collection::VirtualMachines,
        Collection::Disks,
        Collection::Snapshots,
        Collection::NetworkInterfaces,
        Collection::PublicIpAddresses,
        Collection::VirtualNetworks,
        Collection::NetworkSecurityGroups,
        Collection::LoadBalancers,
        Collection::StorageAccounts,
        Collection::KeyVaults,
        Collection::SqlServers,
    ];

    /// `(provider namespace, resource type)` as ARM spells them; `None` for resource groups.
    pub fn arm_type(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Collection::ResourceGroups => return None,
            Collection::VirtualMachines => ("Microsoft.Compute", "virtualMachines"),
            Collection::Disks => ("Microsoft.Compute", "disks"),
            Collection::Snapshots => ("Microsoft.Compute", "snapshots"),
            Collection::NetworkInterfaces => ("Microsoft.Network", "networkInterfaces"),
            Collection::PublicIpAddresses => ("Microsoft.Network", "publicIPAddresses"),
            Collection::VirtualNetworks => ("Microsoft.Network", "virtualNetworks"),
            Collection::NetworkSecurityGroups => ("Microsoft.Network", "networkSecurityGroups"),
            Collection::LoadBalancers => ("Microsoft.Network", "loadBalancers"),
            Collection::StorageAccounts => ("Microsoft.Storage", "storageAccounts"),
            Collection::KeyVaults => ("Microsoft.KeyVault", "vaults"),
            Collection::SqlServers => ("Microsoft.Sql", "servers"),
        })
    }

    /// The lowest api-version the server accepts for the collection.
    pub fn min_api_version(self) -> &'static str {
        match self {
            Collection::ResourceGroups => "2021-04-01",
            Collection::VirtualMachines => "2025-04-01",
            Collection::Disks | Collection::Snapshots => "2025-01-02",
            Collection::NetworkInterfaces
            | Collection::PublicIpAddresses
            | Collection::VirtualNetworks
            | Collection::NetworkSecurityGroups
            | Collection::LoadBalancers => "2024-07-01",
            Collection::StorageAccounts => "2025-01-01",
            Collection::KeyVaults => "2023-07-01",
            Collection::SqlServers => "2021-11-01",
        }
    }

    /// Skywarden's kind of the collection's items.
    pub fn kind(self) -> &'static str {
        match self {
            Collection::ResourceGroups => KIND_RG,
            Collection::VirtualMachines => KIND_VM,
            Collection::Disks => KIND_DISK,
            Collection::Snapshots => KIND_SNAPSHOT,
            Collection::NetworkInterfaces => KIND_NIC,
            Collection::PublicIpAddresses => KIND_PIP,
            Collection::VirtualNetworks => KIND_VNET,
            Collection::NetworkSecurityGroups => KIND_NSG,
            Collection::LoadBalancers => KIND_LB,
            Collection::StorageAccounts => KIND_STORAGE,
            Collection::KeyVaults => KIND_KEYVAULT,
            Collection::SqlServers => KIND_SQL,
        }
    }

    /// The collection of `/subscriptions/{id}/providers/{ns}/{type}` (case-insensitive).
    pub fn from_provider_path(ns: &str, ty: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| {
            c.arm_type()
                .is_some_and(|(n, t)| n.eq_ignore_ascii_case(ns) && t.eq_ignore_ascii_case(ty))
        })
    }
}

pub const KIND_SUBSCRIPTION: &str = "azure_resources_subscription";
pub const KIND_RG: &str = "azure_resources_resource_group";
pub const KIND_VM: &str = "azure_compute_virtual_machine";
pub const KIND_DISK: &str = "azure_compute_disk";
pub const KIND_SNAPSHOT: &str = "azure_compute_snapshot";
pub const KIND_NIC: &str = "azure_network_interface";
pub const KIND_PIP: &str = "azure_network_public_ip_address";
pub const KIND_VNET: &str = "azure_network_virtual_network";
pub const KIND_SUBNET: &str = "azure_network_subnet";
pub const KIND_NSG: &str = "azure_network_security_group";
pub const KIND_LB: &str = "azure_network_load_balancer";
pub const KIND_STORAGE: &str = "azure_storage_account";
pub const KIND_KEYVAULT: &str = "azure_keyvault_vault";
pub const KIND_SQL: &str = "azure_sql_server";

/// Every Azure rule id of Skywarden's catalog (rules/src/catalog/azure).
pub const RULE_IDS: [&str; 22] = [
    R_HTTPS_ONLY,
    R_BLOB_PUBLIC,
    R_STORAGE_PUBLIC_NET,
    R_SHARED_KEY,
    R_TLS,
    R_CMK,
    R_DISK_UNATTACHED,
    R_NSG_HTTP,
    R_NSG_RDP,
    R_NSG_SSH,
    R_NSG_UDP,
    R_PIP_UNASSOCIATED,
    R_KV_PUBLIC_NET,
    R_PURGE,
    R_TAGS,
    R_SQL_AZURE,
    R_SQL_ALL,
    R_SNAP_OLD,
    R_SNAP_PUBLIC,
    R_SOFT_DELETE,
    R_VM_PREMIUM,
    R_VM_ADMIN,
];
const R_HTTPS_ONLY: &str = "azure.storage.account_https_only_disabled";
const R_BLOB_PUBLIC: &str = "azure.storage.account_public_blob_access_allowed";
const R_STORAGE_PUBLIC_NET: &str = "azure.storage.account_public_network_access_enabled";
const R_SHARED_KEY: &str = "azure.storage.account_shared_key_access_enabled";
const R_TLS: &str = "azure.storage.account_tls_below_1_2";
const R_CMK: &str = "azure.compute.disk_not_encrypted_with_cmk";
const R_DISK_UNATTACHED: &str = "azure.compute.disk_unattached";
const R_NSG_HTTP: &str = "azure.network.nsg_allows_http_from_internet";
const R_NSG_RDP: &str = "azure.network.nsg_allows_rdp_from_internet";
const R_NSG_SSH: &str = "azure.network.nsg_allows_ssh_from_internet";
const R_NSG_UDP: &str = "azure.network.nsg_allows_udp_from_internet";
const R_PIP_UNASSOCIATED: &str = "azure.network.public_ip_unassociated";
const R_KV_PUBLIC_NET: &str = "azure.keyvault.public_network_access_enabled";
const R_PURGE: &str = "azure.keyvault.purge_protection_disabled";
const R_TAGS: &str = "azure.tagging.resource_missing_required_tags";
const R_SQL_AZURE: &str = "azure.sql.server_allows_azure_services";
const R_SQL_ALL: &str = "azure.sql.server_firewall_allows_all";
const R_SNAP_OLD: &str = "azure.compute.snapshot_older_than_90d";
const R_SNAP_PUBLIC: &str = "azure.compute.snapshot_public_network_access";
const R_SOFT_DELETE: &str = "azure.keyvault.soft_delete_disabled";
const R_VM_PREMIUM: &str = "azure.compute.vm_deallocated_with_premium_disks";
const R_VM_ADMIN: &str = "azure.compute.vm_exposed_admin_port";

/// The subscriptions of the estate: (id, display name, env prefix, location).
const SUBSCRIPTIONS: [(&str, &str, &str, &str); 2] = [
    (
        "8c56d827-5f07-45ce-8f2b-6c5001db5c6f",
        "Contoso Production",
        "prod",
        "westeurope",
    ),
    (
        "1f3b9a24-0c6e-4d7a-9e21-7b5c3d9f8a10",
        "Contoso Development",
        "dev",
        "eastus",
    ),
];

/// One subscription's payloads.
#[derive(Debug, Clone)]
pub struct SubscriptionEstate {
    pub id: String,
    /// The item of `GET /subscriptions`.
    pub item: Value,
    pub collections: BTreeMap<Collection, Vec<Value>>,
    /// VM id (lower case) -> its instance view.
    pub instance_views: BTreeMap<String, Value>,
    /// SQL server id (lower case) -> its firewall rules.
    pub firewall_rules: BTreeMap<String, Vec<Value>>,
}

/// The whole estate and its ground truth.
#[derive(Debug, Clone)]
pub struct Estate {
    pub subscriptions: Vec<SubscriptionEstate>,
    pub ground_truth: GroundTruth,
}

impl Estate {
    pub fn subscription(&self, id: &str) -> Option<&SubscriptionEstate> {
        self.subscriptions
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
    }
}

fn lc(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A SQL firewall rule: (name, start IP, end IP).
type FirewallRulePlan = (&'static str, &'static str, &'static str);

/// Builds one subscription's payloads, filling the ground truth.
struct Builder<'a> {
    gt: &'a mut GroundTruth,
    sub: String,
    env: &'static str,
    location: &'static str,
    collections: BTreeMap<Collection, Vec<Value>>,
    instance_views: BTreeMap<String, Value>,
    firewall_rules: BTreeMap<String, Vec<Value>>,
    /// Public IP address counter, for unique addresses.
    ip_seq: u32,
    now: chrono::DateTime<Utc>,
}

/// What a VM of the unit looks like.
struct VmPlan {
    name: &'static str,
    power: &'static str,
    /// (vnet, subnet)
    subnet: (&'static str, &'static str),
    public_ip: bool,
    nic_nsg: Option<&'static str>,
    lb_backend: bool,
    os_sku: &'static str,
    /// Data disk SKUs.
    data: &'static [&'static str],
    os_type: &'static str,
    /// Ports open end to end (ground truth).
    exposed: &'static [u16],
}

const VMS: [VmPlan; 6] = [
    VmPlan {
        name: "web-01",
        power: "running",
        subnet: ("vnet-app", "web"),
        public_ip: true,
        nic_nsg: None,
        lb_backend: true,
        os_sku: "Premium_LRS",
        data: &["StandardSSD_LRS"],
        os_type: "Linux",
        exposed: &[22, 80, 443],
    },
    VmPlan {
        name: "web-02",
        power: "running",
        subnet: ("vnet-app", "web"),
        public_ip: false,
        nic_nsg: None,
        lb_backend: true,
        os_sku: "StandardSSD_LRS",
        data: &[],
        os_type: "Linux",
        exposed: &[],
    },
    VmPlan {
        name: "jump-01",
        power: "stopped",
        subnet: ("vnet-app", "app"),
        public_ip: true,
        nic_nsg: Some("nsg-nic-admin"),
        lb_backend: false,
        os_sku: "Standard_LRS",
        data: &[],
        os_type: "Windows",
        exposed: &[3389],
    },
    VmPlan {
        name: "dns-01",
        power: "running",
        subnet: ("vnet-app", "app"),
        public_ip: true,
        nic_nsg: Some("nsg-nic-dns"),
        lb_backend: false,
        os_sku: "StandardSSD_LRS",
        data: &[],
        os_type: "Linux",
        exposed: &[53],
    },
    VmPlan {
        name: "app-01",
        power: "deallocated",
        subnet: ("vnet-data", "mgmt"),
        public_ip: true,
        nic_nsg: None,
        lb_backend: false,
        os_sku: "StandardSSD_LRS",
        data: &["Standard_LRS"],
        os_type: "Linux",
        exposed: &[],
    },
    VmPlan {
        name: "db-01",
        power: "deallocated",
        subnet: ("vnet-data", "db"),
        public_ip: false,
        nic_nsg: None,
        lb_backend: false,
        os_sku: "Premium_LRS",
        data: &["Premium_LRS"],
        os_type: "Linux",
        exposed: &[],
    },
];

/// One custom NSG rule: (name, priority, access, protocol, source, destination ports).
type RulePlan = (
    &'static str,
    i32,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// One NSG of the unit: (name, subnets it is on as (vnet, subnet), custom rules, rules it
/// fires).
type NsgPlan = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [RulePlan],
    &'static [&'static str],
);

const NSGS: [NsgPlan; 5] = [
    (
        "nsg-web",
        &[("vnet-app", "web")],
        &[
            ("allow-web", 100, "Allow", "Tcp", "Internet", &["80", "443"]),
            ("allow-ssh", 110, "Allow", "Tcp", "Internet", &["22"]),
        ],
        &[R_NSG_HTTP, R_NSG_SSH],
    ),
    (
        "nsg-db",
        &[("vnet-data", "db")],
        &[(
            "allow-sql-vnet",
            100,
            "Allow",
            "Tcp",
            "VirtualNetwork",
            &["1433"],
        )],
        &[],
    ),
    (
        "nsg-mgmt",
        &[("vnet-data", "mgmt")],
        &[
            (
                "deny-rdp-internet",
                100,
                "Deny",
                "Tcp",
                "Internet",
                &["3389"],
            ),
            ("allow-rdp", 200, "Allow", "Tcp", "*", &["3389"]),
        ],
        &[],
    ),
    (
        "nsg-nic-admin",
        &[],
        &[
            ("allow-rdp", 100, "Allow", "Tcp", "Internet", &["3389"]),
            (
                "allow-ssh-office",
                110,
                "Allow",
                "Tcp",
                "203.0.113.0/24",
                &["22"],
            ),
        ],
        &[R_NSG_RDP],
    ),
    (
        "nsg-nic-dns",
        &[],
        &[("allow-dns", 100, "Allow", "Udp", "Internet", &["53"])],
        &[R_NSG_UDP],
    ),
];

/// The unit's VNets: (name, address space, subnets as (name, prefix)).
/// Two subnets as (name, prefix).
type SubnetPlans = [(&'static str, &'static str); 2];

const VNETS: [(&str, &str, SubnetPlans); 2] = [
    (
        "vnet-app",
        "10.1.0.0/16",
        [("web", "10.1.1.0/24"), ("app", "10.1.2.0/24")],
    ),
    (
        "vnet-data",
        "10.2.0.0/16",
        [("db", "10.2.1.0/24"), ("mgmt", "10.2.2.0/24")],
    ),
];

impl Builder<'_> {
    fn rg(&self, which: &str) -> String {
        format!("{}-{which}", self.env)
    }

    fn rg_id(&self, which: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}",
            self.sub,
            self.rg(which)
        )
    }

    fn res_id(&self, rg: &str, c: Collection, name: &str) -> String {
        let (ns, ty) = c.arm_type().unwrap_or(("", ""));
        format!("{}/providers/{ns}/{ty}/{name}", self.rg_id(rg))
    }

    fn tags(&self, tagged: bool) -> Value {
        if tagged {
            json!({ "owner": "platform-team", "environment": self.env, "costCenter": "4711" })
        } else {
            json!({ "costCenter": "4711" })
        }
    }

    /// Records a top-level resource: payload, ground-truth resource and tag state.
    fn push(&mut self, c: Collection, item: Value, tagged: bool) {
        let id = item["id"].as_str().unwrap_or_default().to_string();
        self.gt.add_resource(c.kind(), &id);
        if !tagged {
            self.gt.missing_required_tags.insert(lc(&id));
        }
        self.collections.entry(c).or_default().push(item);
    }

    fn next_ip(&mut self) -> String {
        self.ip_seq += 1;
        let n = self.ip_seq;
        let base = if self.env == "prod" { 20 } else { 40 };
        format!("{base}.{}.{}.{}", 50 + n / 65536, (n / 256) % 256, n % 256)
    }

    fn resource_groups(&mut self) {
        for which in ["network", "compute", "data"] {
            let id = self.rg_id(which);
            let tagged = which != "data";
            let item = json!({
                "id": id,
                "name": self.rg(which),
                "type": "Microsoft.Resources/resourceGroups",
                "location": self.location,
                "tags": self.tags(tagged),
                "properties": { "provisioningState": "Succeeded" }
            });
            self.push(Collection::ResourceGroups, item, tagged);
        }
    }

    fn subnet_id(&self, suffix: &str, vnet: &str, subnet: &str) -> String {
        format!(
            "{}/subnets/{subnet}",
            self.res_id(
                "network",
                Collection::VirtualNetworks,
                &format!("{vnet}{suffix}")
            )
        )
    }

    fn nsg_id(&self, suffix: &str, nsg: &str) -> String {
        self.res_id(
            "network",
            Collection::NetworkSecurityGroups,
            &format!("{nsg}{suffix}"),
        )
    }

    fn nic_id(&self, suffix: &str, nic: &str) -> String {
        self.res_id(
            "compute",
            Collection::NetworkInterfaces,
            &format!("{nic}{suffix}"),
        )
    }

    fn unit(&mut self, r: usize) {
        let sfx = if r == 0 {
            String::new()
        } else {
            format!("-r{r}")
        };
        let s = sfx.as_str();
        self.networks(s);
        self.nsgs(s);
        self.lb_and_vms(s);
        self.snapshots(s);
        self.data(r, s);
    }

    fn networks(&mut self, s: &str) {
        for (vnet, space, subnets) in VNETS {
            let id = self.res_id(
                "network",
                Collection::VirtualNetworks,
                &format!("{vnet}{s}"),
            );
            let subnet_items: Vec<Value> = subnets
                .iter()
                .map(|(name, prefix)| {
                    let sid = self.subnet_id(s, vnet, name);
                    self.gt.add_resource(KIND_SUBNET, &sid);
                    let mut props = json!({
                        "addressPrefix": prefix,
                        "provisioningState": "Succeeded",
                        "privateEndpointNetworkPolicies": "Disabled",
                        "privateLinkServiceNetworkPolicies": "Enabled"
                    });
                    if let Some((nsg, _, _, _)) =
                        NSGS.iter().find(|(_, on, _, _)| on.contains(&(vnet, name)))
                    {
                        props["networkSecurityGroup"] = json!({ "id": self.nsg_id(s, nsg) });
                    }
                    json!({
                        "id": sid,
                        "name": name,
                        "type": "Microsoft.Network/virtualNetworks/subnets",
                        "properties": props
                    })
                })
                .collect();
            let item = json!({
                "id": id,
                "name": format!("{vnet}{s}"),
                "type": "Microsoft.Network/virtualNetworks",
                "location": self.location,
                "tags": self.tags(true),
                "properties": {
                    "addressSpace": { "addressPrefixes": [space] },
                    "dhcpOptions": { "dnsServers": [] },
                    "subnets": subnet_items,
                    "virtualNetworkPeerings": [],
                    "enableDdosProtection": false,
                    "provisioningState": "Succeeded"
                }
            });
            self.push(Collection::VirtualNetworks, item, true);
        }
    }

    fn nsgs(&mut self, s: &str) {
        for (name, on_subnets, rules, fires) in NSGS {
            let id = self.nsg_id(s, name);
            let custom: Vec<Value> = rules
                .iter()
                .map(|(rname, prio, access, proto, source, ports)| {
                    let mut p = json!({
                        "provisioningState": "Succeeded",
                        "protocol": proto,
                        "sourcePortRange": "*",
                        "sourceAddressPrefix": source,
                        "destinationAddressPrefix": "*",
                        "access": access,
                        "priority": prio,
                        "direction": "Inbound",
                        "sourcePortRanges": [],
                        "destinationPortRanges": [],
                        "sourceAddressPrefixes": [],
                        "destinationAddressPrefixes": []
                    });
                    if ports.len() == 1 {
                        p["destinationPortRange"] = json!(ports[0]);
                    } else {
                        p["destinationPortRanges"] = json!(ports);
                    }
                    json!({
                        "name": rname,
                        "id": format!("{id}/securityRules/{rname}"),
                        "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                        "properties": p
                    })
                })
                .collect();
            let subnets: Vec<Value> = on_subnets
                .iter()
                .map(|(v, sn)| json!({ "id": self.subnet_id(s, v, sn) }))
                .collect();
            let nics: Vec<Value> = VMS
                .iter()
                .filter(|vm| vm.nic_nsg == Some(name))
                .map(|vm| json!({ "id": self.nic_id(s, &format!("{}-nic", vm.name)) }))
                .collect();
            let item = json!({
                "name": format!("{name}{s}"),
                "id": id,
                "type": "Microsoft.Network/networkSecurityGroups",
                "location": self.location,
                "tags": self.tags(true),
                "properties": {
                    "provisioningState": "Succeeded",
                    "securityRules": custom,
                    "defaultSecurityRules": default_security_rules(&id),
                    "subnets": subnets,
                    "networkInterfaces": nics
                }
            });
            for rule in fires {
                self.gt.add_finding(rule, &id);
            }
            self.push(Collection::NetworkSecurityGroups, item, true);
        }
    }

    fn public_ip(&mut self, s: &str, name: &str, ip_configuration: Option<String>, tagged: bool) {
        let id = self.res_id(
            "network",
            Collection::PublicIpAddresses,
            &format!("{name}{s}"),
        );
        let mut props = json!({
            "provisioningState": "Succeeded",
            "ipAddress": self.next_ip(),
            "publicIPAddressVersion": "IPv4",
            "publicIPAllocationMethod": "Static",
            "idleTimeoutInMinutes": 4,
            "ddosSettings": { "protectionMode": "VirtualNetworkInherited" }
        });
        match ip_configuration {
            Some(c) => props["ipConfiguration"] = json!({ "id": c }),
            None => self.gt.add_finding(R_PIP_UNASSOCIATED, &id),
        }
        let item = json!({
            "name": format!("{name}{s}"),
            "id": id,
            "location": self.location,
            "tags": self.tags(tagged),
            "sku": { "name": "Standard", "tier": "Regional" },
            "properties": props,
            "type": "Microsoft.Network/publicIPAddresses"
        });
        self.push(Collection::PublicIpAddresses, item, tagged);
    }

    fn disk(
        &mut self,
        s: &str,
        name: &str,
        sku: &str,
        os_type: Option<&str>,
        managed_by: Option<(&str, &str)>,
        tagged: bool,
    ) -> String {
        let id = self.res_id("compute", Collection::Disks, &format!("{name}{s}"));
        let mut props = json!({
            "creationData": { "createOption": "Empty" },
            "diskSizeGB": if os_type.is_some() { 64 } else { 256 },
            "encryption": { "type": "EncryptionAtRestWithPlatformKey" },
            "timeCreated": rfc3339(self.now - Duration::days(200)),
            "provisioningState": "Succeeded",
            "networkAccessPolicy": "DenyAll",
            "publicNetworkAccess": "Disabled"
        });
        if let Some(os) = os_type {
            props["osType"] = json!(os);
            props["creationData"] = json!({ "createOption": "FromImage" });
        }
        let mut item = json!({
            "properties": props,
            "type": "Microsoft.Compute/disks",
            "location": self.location,
            "tags": self.tags(tagged),
            "sku": { "name": sku, "tier": if sku.starts_with("Premium") { "Premium" } else { "Standard" } },
            "id": id,
            "name": format!("{name}{s}")
        });
        match managed_by {
            Some((vm_id, power)) => {
                item["managedBy"] = json!(vm_id);
                item["properties"]["diskState"] = json!(if power == "deallocated" {
                    "Reserved"
                } else {
                    "Attached"
                });
            }
            None => {
                item["properties"]["diskState"] = json!("Unattached");
                self.gt.add_finding(R_DISK_UNATTACHED, &id);
            }
        }
        self.push(Collection::Disks, item, tagged);
        id
    }

    fn lb_and_vms(&mut self, s: &str) {
        let lb_name = format!("lb-web{s}");
        let lb_id = self.res_id("network", Collection::LoadBalancers, &lb_name);
        let fe_id = format!("{lb_id}/frontendIPConfigurations/fe-public");
        let pool_id = format!("{lb_id}/backendAddressPools/bepool-web");
        let rule_id = format!("{lb_id}/loadBalancingRules/http");
        let probe_id = format!("{lb_id}/probes/http-probe");
        let mut pool_members = Vec::new();

        for (i, vm) in VMS.iter().enumerate() {
            let vm_name = format!("{}{s}", vm.name);
            let vm_id = self.res_id("compute", Collection::VirtualMachines, &vm_name);
            let nic_name = format!("{}-nic", vm.name);
            let nic_id = self.nic_id(s, &nic_name);
            let ipconfig_id = format!("{nic_id}/ipConfigurations/ipconfig1");
            let pip_name = format!("pip-{}", vm.name);
            if vm.public_ip {
                self.public_ip(s, &pip_name, Some(ipconfig_id.clone()), true);
            }
            let (vnet, subnet) = vm.subnet;
            let mut ipconfig = json!({
                "provisioningState": "Succeeded",
                "privateIPAddress": format!("{}.{}", subnet_base(vnet, subnet), 4 + i),
                "privateIPAllocationMethod": "Dynamic",
                "subnet": { "id": self.subnet_id(s, vnet, subnet) },
                "primary": true,
                "privateIPAddressVersion": "IPv4"
            });
            if vm.public_ip {
                ipconfig["publicIPAddress"] = json!({
                    "id": self.res_id("network", Collection::PublicIpAddresses, &format!("{pip_name}{s}"))
                });
            }
            if vm.lb_backend {
                ipconfig["loadBalancerBackendAddressPools"] = json!([{ "id": pool_id }]);
                pool_members.push(ipconfig_id.clone());
            }
            let mut nic_props = json!({
                "provisioningState": "Succeeded",
                "ipConfigurations": [{
                    "name": "ipconfig1",
                    "id": ipconfig_id,
                    "properties": ipconfig
                }],
                "dnsSettings": { "dnsServers": [], "appliedDnsServers": [] },
                "macAddress": format!("00-0D-3A-{:02X}-{:02X}-{:02X}", self.ip_seq % 256, i, self.env.len()),
                "enableAcceleratedNetworking": false,
                "enableIPForwarding": false,
                "primary": true,
                "virtualMachine": { "id": vm_id }
            });
            if let Some(nsg) = vm.nic_nsg {
                nic_props["networkSecurityGroup"] = json!({ "id": self.nsg_id(s, nsg) });
            }
            let nic = json!({
                "name": format!("{nic_name}{s}"),
                "id": nic_id,
                "location": self.location,
                "tags": self.tags(true),
                "properties": nic_props,
                "type": "Microsoft.Network/networkInterfaces"
            });
            self.push(Collection::NetworkInterfaces, nic, true);

            // Disks.
            let os_disk = self.disk(
                s,
                &format!("{}-osdisk", vm.name),
                vm.os_sku,
                Some(vm.os_type),
                Some((&vm_id, vm.power)),
                true,
            );
            let mut data_disks = Vec::new();
            for (lun, sku) in vm.data.iter().enumerate() {
                let d = self.disk(
                    s,
                    &format!("{}-data-{lun:02}", vm.name),
                    sku,
                    None,
                    Some((&vm_id, vm.power)),
                    true,
                );
                data_disks.push(json!({
                    "lun": lun,
                    "name": format!("{}-data-{lun:02}{s}", vm.name),
                    "createOption": "Attach",
                    "caching": "ReadOnly",
                    "diskSizeGB": 256,
                    "managedDisk": { "id": d, "storageAccountType": sku }
                }));
            }
            let premium = vm.os_sku.starts_with("Premium")
                || vm.data.iter().any(|d| d.starts_with("Premium"));
            if vm.power == "deallocated" && premium {
                self.gt.add_finding(R_VM_PREMIUM, &vm_id);
            }
            if vm.exposed.iter().any(|p| *p == 22 || *p == 3389) {
                self.gt.add_finding(R_VM_ADMIN, &vm_id);
            }
            if !vm.exposed.is_empty() {
                self.gt
                    .exposed
                    .insert(lc(&vm_id), vm.exposed.iter().copied().collect());
            }
            self.gt
                .power_states
                .insert(lc(&vm_id), vm.power.to_string());
            let os_profile = if vm.os_type == "Windows" {
                json!({
                    "computerName": vm.name, "adminUsername": "azureadmin",
                    "windowsConfiguration": { "provisionVMAgent": true, "enableAutomaticUpdates": true },
                    "secrets": [], "allowExtensionOperations": true
                })
            } else {
                json!({
                    "computerName": vm.name, "adminUsername": "azureuser",
                    "linuxConfiguration": { "disablePasswordAuthentication": true, "provisionVMAgent": true },
                    "secrets": [], "allowExtensionOperations": true
                })
            };
            let image = if vm.os_type == "Windows" {
                json!({ "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter-azure-edition", "version": "latest" })
            } else {
                json!({ "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest" })
            };
            let item = json!({
                "properties": {
                    "vmId": format!("{:08x}-{:04x}-4000-8000-{:012x}", fastrand_seed(&vm_id), i, self.ip_seq),
                    "hardwareProfile": { "vmSize": if vm.name.starts_with("db") { "Standard_E4s_v5" } else { "Standard_D2s_v5" } },
                    "storageProfile": {
                        "imageReference": image,
                        "osDisk": {
                            "osType": vm.os_type,
                            "name": format!("{}-osdisk{s}", vm.name),
                            "createOption": "FromImage",
                            "caching": "ReadWrite",
                            "managedDisk": { "id": os_disk, "storageAccountType": vm.os_sku },
                            "diskSizeGB": 64
                        },
                        "dataDisks": data_disks
                    },
                    "osProfile": os_profile,
                    "networkProfile": { "networkInterfaces": [{ "id": nic_id, "properties": { "primary": true } }] },
                    "provisioningState": "Succeeded",
                    "timeCreated": rfc3339(self.now - Duration::days(200))
                },
                "type": "Microsoft.Compute/virtualMachines",
                "location": self.location,
                "tags": self.tags(true),
                "id": vm_id,
                "name": vm_name
            });
            self.push(Collection::VirtualMachines, item, true);
            self.instance_views.insert(
                lc(&vm_id),
                instance_view(vm.name, vm.os_type, vm.power, self.now),
            );
        }

        // The orphan NIC.
        let nic_id = self.nic_id(s, "orphan-nic");
        let nic = json!({
            "name": format!("orphan-nic{s}"),
            "id": nic_id,
            "location": self.location,
            "tags": self.tags(false),
            "properties": {
                "provisioningState": "Succeeded",
                "ipConfigurations": [{
                    "name": "ipconfig1",
                    "id": format!("{nic_id}/ipConfigurations/ipconfig1"),
                    "properties": {
                        "provisioningState": "Succeeded",
                        "privateIPAddress": format!("{}.200", subnet_base("vnet-app", "app")),
                        "privateIPAllocationMethod": "Dynamic",
                        "subnet": { "id": self.subnet_id(s, "vnet-app", "app") },
                        "primary": true,
                        "privateIPAddressVersion": "IPv4"
                    }
                }],
                "dnsSettings": { "dnsServers": [], "appliedDnsServers": [] },
                "enableAcceleratedNetworking": false,
                "enableIPForwarding": false
            },
            "type": "Microsoft.Network/networkInterfaces"
        });
        self.push(Collection::NetworkInterfaces, nic, false);

        // The load balancer and its public IP, and an unused public IP.
        self.public_ip(s, "pip-lb", Some(fe_id.clone()), true);
        self.public_ip(s, "pip-unused", None, false);
        let lb_pip = self.res_id(
            "network",
            Collection::PublicIpAddresses,
            &format!("pip-lb{s}"),
        );
        let members: Vec<Value> = pool_members.iter().map(|c| json!({ "id": c })).collect();
        let lb = json!({
            "name": lb_name,
            "id": lb_id,
            "type": "Microsoft.Network/loadBalancers",
            "location": self.location,
            "tags": self.tags(true),
            "sku": { "name": "Standard", "tier": "Regional" },
            "properties": {
                "provisioningState": "Succeeded",
                "frontendIPConfigurations": [{
                    "name": "fe-public",
                    "id": fe_id,
                    "type": "Microsoft.Network/loadBalancers/frontendIPConfigurations",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "publicIPAddress": { "id": lb_pip },
                        "loadBalancingRules": [{ "id": rule_id }]
                    }
                }],
                "backendAddressPools": [{
                    "name": "bepool-web",
                    "id": pool_id,
                    "type": "Microsoft.Network/loadBalancers/backendAddressPools",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "backendIPConfigurations": members,
                        "loadBalancingRules": [{ "id": rule_id }]
                    }
                }],
                "loadBalancingRules": [{
                    "name": "http",
                    "id": rule_id,
                    "type": "Microsoft.Network/loadBalancers/loadBalancingRules",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "frontendIPConfiguration": { "id": fe_id },
                        "frontendPort": 80,
                        "backendPort": 80,
                        "enableFloatingIP": false,
                        "idleTimeoutInMinutes": 4,
                        "protocol": "Tcp",
                        "loadDistribution": "Default",
                        "backendAddressPool": { "id": pool_id },
                        "probe": { "id": probe_id }
                    }
                }],
                "probes": [{
                    "name": "http-probe",
                    "id": probe_id,
                    "type": "Microsoft.Network/loadBalancers/probes",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "protocol": "Http",
                        "port": 80,
                        "requestPath": "/healthz",
                        "intervalInSeconds": 15,
                        "numberOfProbes": 2,
                        "loadBalancingRules": [{ "id": rule_id }]
                    }
                }],
                "inboundNatRules": [],
                "outboundRules": []
            }
        });
        self.push(Collection::LoadBalancers, lb, true);

        // Unattached disks.
        self.disk(s, "orphan-disk-00", "Standard_LRS", None, None, false);
        self.disk(s, "orphan-disk-01", "Premium_LRS", None, None, false);
    }

    fn snapshots(&mut self, s: &str) {
        let plans: [(&str, &str, i64, bool); 3] = [
            ("snap-web-01-old", "web-01-osdisk", 120, false),
            ("snap-db-01-recent", "db-01-data-00", 10, false),
            ("snap-export-public", "jump-01-osdisk", 30, true),
        ];
        for (name, disk, age_days, public) in plans {
            let id = self.res_id("compute", Collection::Snapshots, &format!("{name}{s}"));
            let source = self.res_id("compute", Collection::Disks, &format!("{disk}{s}"));
            let item = json!({
                "properties": {
                    "osType": if disk.contains("osdisk") { json!("Linux") } else { Value::Null },
                    "creationData": { "createOption": "Copy", "sourceResourceId": source },
                    "diskSizeGB": if disk.contains("osdisk") { 64 } else { 256 },
                    "encryption": { "type": "EncryptionAtRestWithPlatformKey" },
                    "incremental": true,
                    "timeCreated": rfc3339(self.now - Duration::days(age_days)),
                    "provisioningState": "Succeeded",
                    "networkAccessPolicy": if public { "AllowAll" } else { "DenyAll" },
                    "publicNetworkAccess": if public { "Enabled" } else { "Disabled" }
                },
                "type": "Microsoft.Compute/snapshots",
                "location": self.location,
                "tags": self.tags(true),
                "sku": { "name": "Standard_LRS", "tier": "Standard" },
                "id": id,
                "name": format!("{name}{s}")
            });
            if age_days > 90 {
                self.gt.add_finding(R_SNAP_OLD, &id);
            }
            if public {
                self.gt.add_finding(R_SNAP_PUBLIC, &id);
            }
            let mut item = item;
            if item["properties"]["osType"].is_null() {
                if let Some(p) = item["properties"].as_object_mut() {
                    p.remove("osType");
                }
            }
            self.push(Collection::Snapshots, item, true);
        }
    }

    fn data(&mut self, r: usize, s: &str) {
        // Storage accounts (names: lower-case letters and digits only).
        let digit = if r == 0 { String::new() } else { r.to_string() };
        for secure in [true, false] {
            let name = format!(
                "st{}{}{digit}",
                self.env,
                if secure { "secure" } else { "public" }
            );
            let id = self.res_id("data", Collection::StorageAccounts, &name);
            let endpoint = |svc: &str| format!("https://{name}.{svc}.core.windows.net/");
            let item = json!({
                "id": id,
                "kind": "StorageV2",
                "location": self.location,
                "name": name,
                "properties": {
                    "keyCreationTime": { "key1": rfc3339(self.now - Duration::days(300)), "key2": rfc3339(self.now - Duration::days(300)) },
                    "isHnsEnabled": false,
                    "allowBlobPublicAccess": !secure,
                    "minimumTlsVersion": if secure { "TLS1_2" } else { "TLS1_0" },
                    "allowSharedKeyAccess": !secure,
                    "publicNetworkAccess": if secure { "Disabled" } else { "Enabled" },
                    "networkAcls": {
                        "bypass": "AzureServices",
                        "virtualNetworkRules": [],
                        "ipRules": [],
                        "defaultAction": if secure { "Deny" } else { "Allow" }
                    },
                    "creationTime": rfc3339(self.now - Duration::days(300)),
                    "primaryEndpoints": {
                        "web": endpoint("web"), "dfs": endpoint("dfs"), "blob": endpoint("blob"),
                        "file": endpoint("file"), "queue": endpoint("queue"), "table": endpoint("table")
                    },
                    "primaryLocation": self.location,
                    "provisioningState": "Succeeded",
                    "encryption": {
                        "services": {
                            "file": { "keyType": "Account", "enabled": true },
                            "blob": { "keyType": "Account", "enabled": true }
                        },
                        "requireInfrastructureEncryption": false,
                        "keySource": "Microsoft.Storage"
                    },
                    "statusOfPrimary": "available",
                    "supportsHttpsTrafficOnly": secure
                },
                "sku": { "name": "Standard_LRS", "tier": "Standard" },
                "tags": self.tags(secure),
                "type": "Microsoft.Storage/storageAccounts"
            });
            if !secure {
                for rule in [
                    R_HTTPS_ONLY,
                    R_BLOB_PUBLIC,
                    R_STORAGE_PUBLIC_NET,
                    R_SHARED_KEY,
                    R_TLS,
                ] {
                    self.gt.add_finding(rule, &id);
                }
            }
            self.push(Collection::StorageAccounts, item, secure);
        }

        // Key vaults: (name, soft delete, purge protection, public network access).
        let tenant = self.gt.tenant_id.clone();
        let vaults: [(&str, bool, Option<bool>, bool); 3] = [
            ("secure", true, Some(true), false),
            ("nopurge", true, None, true),
            ("legacy", false, None, false),
        ];
        for (what, soft, purge, public) in vaults {
            let name = format!("kv-{}-{what}{s}", self.env);
            let id = self.res_id("data", Collection::KeyVaults, &name);
            let mut props = json!({
                "tenantId": tenant,
                "sku": { "family": "A", "name": "standard" },
                "accessPolicies": [],
                "vaultUri": format!("https://{name}.vault.azure.net/"),
                "enabledForDeployment": false,
                "enabledForDiskEncryption": false,
                "enabledForTemplateDeployment": false,
                "enableSoftDelete": soft,
                "softDeleteRetentionInDays": 90,
                "enableRbacAuthorization": true,
                "publicNetworkAccess": if public { "Enabled" } else { "Disabled" },
                "networkAcls": {
                    "bypass": "AzureServices",
                    "defaultAction": if public { "Allow" } else { "Deny" },
                    "ipRules": [],
                    "virtualNetworkRules": []
                },
                "provisioningState": "Succeeded"
            });
            if let Some(p) = purge {
                props["enablePurgeProtection"] = json!(p);
            }
            let tagged = what != "legacy";
            let item = json!({
                "id": id,
                "name": name,
                "type": "Microsoft.KeyVault/vaults",
                "location": self.location,
                "tags": self.tags(tagged),
                "systemData": {},
                "properties": props
            });
            if purge != Some(true) {
                self.gt.add_finding(R_PURGE, &id);
            }
            if !soft {
                self.gt.add_finding(R_SOFT_DELETE, &id);
            }
            if public {
                self.gt.add_finding(R_KV_PUBLIC_NET, &id);
            }
            self.push(Collection::KeyVaults, item, tagged);
        }

        // SQL servers and their firewall rules: (name, public, rules as (name, start, end)).
        let servers: [(&str, bool, &[FirewallRulePlan]); 3] = [
            (
                "open",
                true,
                &[
                    ("AllowAll", "0.0.0.0", "255.255.255.255"),
                    ("office", "203.0.113.0", "203.0.113.255"),
                ],
            ),
            (
                "azure",
                true,
                &[("AllowAllWindowsAzureIps", "0.0.0.0", "0.0.0.0")],
            ),
            (
                "private",
                false,
                &[("office", "203.0.113.0", "203.0.113.255")],
            ),
        ];
        for (what, public, rules) in servers {
            let name = format!("sql-{}-{what}{s}", self.env);
            let id = self.res_id("data", Collection::SqlServers, &name);
            let item = json!({
                "id": id,
                "name": name,
                "type": "Microsoft.Sql/servers",
                "location": self.location,
                "kind": "v12.0",
                "tags": self.tags(true),
                "properties": {
                    "administratorLogin": "sqladmin",
                    "version": "12.0",
                    "state": "Ready",
                    "fullyQualifiedDomainName": format!("{name}.database.windows.net"),
                    "privateEndpointConnections": [],
                    "minimalTlsVersion": "1.2",
                    "publicNetworkAccess": if public { "Enabled" } else { "Disabled" },
                    "restrictOutboundNetworkAccess": "Disabled"
                }
            });
            let fw: Vec<Value> = rules
                .iter()
                .map(|(rname, start, end)| {
                    json!({
                        "id": format!("{id}/firewallRules/{rname}"),
                        "name": rname,
                        "type": "Microsoft.Sql/servers/firewallRules",
                        "properties": { "startIpAddress": start, "endIpAddress": end }
                    })
                })
                .collect();
            if rules
                .iter()
                .any(|(_, a, b)| *a == "0.0.0.0" && *b == "255.255.255.255")
            {
                self.gt.add_finding(R_SQL_ALL, &id);
            }
            if rules
                .iter()
                .any(|(_, a, b)| *a == "0.0.0.0" && *b == "0.0.0.0")
            {
                self.gt.add_finding(R_SQL_AZURE, &id);
            }
            self.firewall_rules.insert(lc(&id), fw);
            self.push(Collection::SqlServers, item, true);
        }
    }
}

/// A stable number from a string (for GUID-looking values).
fn fastrand_seed(s: &str) -> u32 {
    s.bytes().fold(2_166_136_261_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    })
}

/// The first three octets of a subnet's addresses.
fn subnet_base(vnet: &str, subnet: &str) -> String {
    VNETS
        .iter()
        .find(|(v, _, _)| *v == vnet)
        .and_then(|(_, _, subnets)| subnets.iter().find(|(n, _)| *n == subnet))
        .map(|(_, prefix)| prefix.trim_end_matches(".0/24").to_string())
        .unwrap_or_else(|| "10.0.0".to_string())
}

/// Azure's six default security rules of an NSG.
fn default_security_rules(nsg_id: &str) -> Value {
    let rules = [
        (
            "AllowVnetInBound",
            "Allow inbound traffic from all VMs in VNET",
            "VirtualNetwork",
            "VirtualNetwork",
            "Allow",
            65000,
            "Inbound",
        ),
        (
            "AllowAzureLoadBalancerInBound",
            "Allow inbound traffic from azure load balancer",
            "AzureLoadBalancer",
            "*",
            "Allow",
            65001,
            "Inbound",
        ),
        (
            "DenyAllInBound",
            "Deny all inbound traffic",
            "*",
            "*",
            "Deny",
            65500,
            "Inbound",
        ),
        (
            "AllowVnetOutBound",
            "Allow outbound traffic from all VMs to all VMs in VNET",
            "VirtualNetwork",
            "VirtualNetwork",
            "Allow",
            65000,
            "Outbound",
        ),
        (
            "AllowInternetOutBound",
            "Allow outbound traffic from all VMs to Internet",
            "*",
            "Internet",
            "Allow",
            65001,
            "Outbound",
        ),
        (
            "DenyAllOutBound",
            "Deny all outbound traffic",
            "*",
            "*",
            "Deny",
            65500,
            "Outbound",
        ),
    ];
    Value::Array(
        rules
            .iter()
            .map(|(name, desc, src, dst, access, prio, dir)| {
                json!({
                    "name": name,
                    "id": format!("{nsg_id}/defaultSecurityRules/{name}"),
                    "properties": {
                        "provisioningState": "Succeeded",
                        "description": desc,
                        "protocol": "*",
                        "sourcePortRange": "*",
                        "destinationPortRange": "*",
                        "sourceAddressPrefix": src,
                        "destinationAddressPrefix": dst,
                        "access": access,
                        "priority": prio,
                        "direction": dir
                    }
                })
            })
            .collect(),
    )
}

/// A VM's instance view (shape of `VirtualMachines_InstanceView.json`).
fn instance_view(name: &str, os_type: &str, power: &str, now: chrono::DateTime<Utc>) -> Value {
    let display = match power {
        "running" => "VM running",
        "stopped" => "VM stopped",
        "deallocated" => "VM deallocated",
        _ => "VM state unknown",
    };
    json!({
        "computerName": name,
        "osName": if os_type == "Windows" { "Windows Server 2022 Datacenter" } else { "ubuntu" },
        "hyperVGeneration": "V2",
        "disks": [],
        "statuses": [
            {
                "code": "ProvisioningState/succeeded",
                "level": "Info",
                "displayStatus": "Provisioning succeeded",
                "time": rfc3339(now - Duration::days(1))
            },
            { "code": format!("PowerState/{power}"), "level": "Info", "displayStatus": display }
        ]
    })
}

/// Builds the estate for `tenant_id` at `scale` (at least 1).
pub fn build(tenant_id: &str, scale: usize) -> Estate {
    let now = Utc::now();
    let mut gt = GroundTruth {
        tenant_id: tenant_id.to_string(),
        ..GroundTruth::default()
    };
    for rule in RULE_IDS {
        gt.findings.insert(rule.to_string(), BTreeSet::new());
    }
    let mut subscriptions = Vec::new();
    for (sub, display, env, location) in SUBSCRIPTIONS {
        let sub_path = format!("/subscriptions/{sub}");
        gt.subscriptions.push(sub.to_string());
        gt.add_resource(KIND_SUBSCRIPTION, &sub_path);
        let item = json!({
            "id": sub_path,
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "subscriptionId": sub,
            "tenantId": tenant_id,
            "displayName": display,
            "state": "Enabled",
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off"
            },
            "tags": { "owner": "platform-team", "environment": env }
        });
        let mut b = Builder {
            gt: &mut gt,
            sub: sub.to_string(),
            env,
            location,
            collections: BTreeMap::new(),
            instance_views: BTreeMap::new(),
            firewall_rules: BTreeMap::new(),
            ip_seq: 0,
            now,
        };
        b.resource_groups();
        for r in 0..scale.max(1) {
            b.unit(r);
        }
        let (collections, instance_views, firewall_rules) =
            (b.collections, b.instance_views, b.firewall_rules);
        subscriptions.push(SubscriptionEstate {
            id: sub.to_string(),
            item,
            collections,
            instance_views,
            firewall_rules,
        });
    }
    let mut estate = Estate {
        subscriptions,
        ground_truth: gt,
    };
    estate.ground_truth.edges = crate::edges::derive(&estate);
    estate
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn estate() -> Estate {
        build("72f988bf-0000-0000-0000-000000000001", 1)
    }

    fn names(gt: &GroundTruth, rule: &str) -> BTreeSet<String> {
        gt.findings[rule]
            .iter()
            .map(|id| id.rsplit('/').next().unwrap_or_default().to_string())
            .collect()
    }

    fn set(xs: &[&str]) -> BTreeSet<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_rule_has_an_entry_and_fires_where_planted() {
        let gt = estate().ground_truth;
        assert_eq!(gt.findings.len(), RULE_IDS.len());
        let expect: [(&str, &[&str]); 22] = [
            (R_HTTPS_ONLY, &["stprodpublic", "stdevpublic"]),
            (R_BLOB_PUBLIC, &["stprodpublic", "stdevpublic"]),
            (R_STORAGE_PUBLIC_NET, &["stprodpublic", "stdevpublic"]),
            (R_SHARED_KEY, &["stprodpublic", "stdevpublic"]),
            (R_TLS, &["stprodpublic", "stdevpublic"]),
            (R_CMK, &[]),
            (R_DISK_UNATTACHED, &["orphan-disk-00", "orphan-disk-01"]),
            (R_NSG_HTTP, &["nsg-web"]),
            (R_NSG_RDP, &["nsg-nic-admin"]),
            (R_NSG_SSH, &["nsg-web"]),
            (R_NSG_UDP, &["nsg-nic-dns"]),
            (R_PIP_UNASSOCIATED, &["pip-unused"]),
            (R_KV_PUBLIC_NET, &["kv-prod-nopurge", "kv-dev-nopurge"]),
            (
                R_PURGE,
                &[
                    "kv-prod-nopurge",
                    "kv-dev-nopurge",
                    "kv-prod-legacy",
                    "kv-dev-legacy",
                ],
            ),
            (R_TAGS, &[]),
            (R_SQL_AZURE, &["sql-prod-azure", "sql-dev-azure"]),
            (R_SQL_ALL, &["sql-prod-open", "sql-dev-open"]),
            (R_SNAP_OLD, &["snap-web-01-old"]),
            (R_SNAP_PUBLIC, &["snap-export-public"]),
            (R_SOFT_DELETE, &["kv-prod-legacy", "kv-dev-legacy"]),
            (R_VM_PREMIUM, &["db-01"]),
            (R_VM_ADMIN, &["web-01", "jump-01"]),
        ];
        for (rule, want) in expect {
            assert_eq!(names(&gt, rule), set(want), "{rule}");
        }
        // Same names in both subscriptions: two findings each where names repeat.
        assert_eq!(gt.findings[R_NSG_SSH].len(), 2);
        assert_eq!(gt.findings[R_VM_ADMIN].len(), 4);
    }

    #[test]
    fn every_firing_rule_also_has_passing_resources_of_its_kind() {
        let gt = estate().ground_truth;
        for (rule, ids) in &gt.findings {
            let Some(first) = ids.iter().next() else {
                continue;
            };
            let kind = gt.kind_of(first).unwrap_or_default();
            let passing = gt.resources[kind]
                .iter()
                .filter(|id| !ids.contains(*id))
                .count();
            assert!(passing > 0, "{rule}: every {kind} fires");
        }
    }

    #[test]
    fn exposure_power_states_and_tags() {
        let gt = estate().ground_truth;
        let exposed: BTreeMap<String, Vec<u16>> = gt
            .exposed
            .iter()
            .filter(|(id, _)| id.contains("/subscriptions/8c56d827"))
            .map(|(id, ports)| {
                (
                    id.rsplit('/').next().unwrap_or_default().to_string(),
                    ports.iter().copied().collect(),
                )
            })
            .collect();
        let want: BTreeMap<String, Vec<u16>> = [
            ("web-01".to_string(), vec![22, 80, 443]),
            ("jump-01".to_string(), vec![3389]),
            ("dns-01".to_string(), vec![53]),
        ]
        .into_iter()
        .collect();
        assert_eq!(exposed, want);
        assert_eq!(gt.power_states.len(), 12);
        assert_eq!(
            gt.power_states
                .values()
                .filter(|p| *p == "deallocated")
                .count(),
            4
        );
        // Every power state is a VM of the estate.
        for vm in gt.power_states.keys().chain(gt.exposed.keys()) {
            assert_eq!(gt.kind_of(vm), Some(KIND_VM));
        }
        // Untagged: 6 per unit + the data group, per subscription; none is a subnet or
        // a subscription.
        assert_eq!(gt.missing_required_tags.len(), 14);
        for id in &gt.missing_required_tags {
            let k = gt.kind_of(id).unwrap_or_default();
            assert!(k != KIND_SUBNET && k != KIND_SUBSCRIPTION, "{id}");
        }
    }

    #[test]
    fn ids_are_lower_case_and_unique_across_kinds() {
        let gt = estate().ground_truth;
        let mut seen = BTreeSet::new();
        for ids in gt.resources.values() {
            for id in ids {
                assert_eq!(id, &id.to_ascii_lowercase());
                assert!(seen.insert(id.clone()), "{id} twice");
            }
        }
        for (a, e, b) in &gt.edges {
            assert_eq!(a, &a.to_ascii_lowercase());
            assert_eq!(b, &b.to_ascii_lowercase());
            assert!(
                [
                    "contains",
                    "attached_to",
                    "secured_by",
                    "routes_to",
                    "associated_with",
                    "derived_from"
                ]
                .contains(&e.as_str()),
                "{e}"
            );
        }
    }

    #[test]
    fn edges_follow_the_graph_conventions() {
        let gt = estate().ground_truth;
        let has = |from: &str, edge: &str, to: &str| {
            gt.edges
                .iter()
                .any(|(a, e, b)| a.ends_with(from) && e == edge && b.ends_with(to))
        };
        let sub = "/subscriptions/8c56d827-5f07-45ce-8f2b-6c5001db5c6f";
        let rg = format!("{sub}/resourcegroups/prod-compute");
        assert!(gt
            .edges
            .contains(&(sub.to_string(), "contains".into(), rg.clone())));
        assert!(has("prod-compute", "contains", "virtualmachines/web-01"));
        assert!(has(
            "virtualnetworks/vnet-app",
            "contains",
            "vnet-app/subnets/web"
        ));
        assert!(has(
            "vnet-app/subnets/web",
            "contains",
            "networkinterfaces/web-01-nic"
        ));
        assert!(has(
            "vnet-app/subnets/web",
            "secured_by",
            "networksecuritygroups/nsg-web"
        ));
        assert!(has(
            "networkinterfaces/jump-01-nic",
            "secured_by",
            "networksecuritygroups/nsg-nic-admin"
        ));
        assert!(has(
            "networkinterfaces/web-01-nic",
            "attached_to",
            "virtualmachines/web-01"
        ));
        assert!(has(
            "disks/db-01-data-00",
            "attached_to",
            "virtualmachines/db-01"
        ));
        assert!(has(
            "publicipaddresses/pip-web-01",
            "attached_to",
            "networkinterfaces/web-01-nic"
        ));
        assert!(has(
            "publicipaddresses/pip-lb",
            "attached_to",
            "loadbalancers/lb-web"
        ));
        assert!(has(
            "loadbalancers/lb-web",
            "routes_to",
            "networkinterfaces/web-02-nic"
        ));
        assert!(has(
            "snapshots/snap-web-01-old",
            "derived_from",
            "disks/web-01-osdisk"
        ));
        // Subnets are not contained by their group (their VNet contains them), nor is
        // anything attached to the orphans.
        assert!(!has("prod-network", "contains", "subnets/web"));
        assert!(!gt
            .edges
            .iter()
            .any(|(a, e, _)| a.ends_with("orphan-disk-00") && e == "attached_to"));
        assert!(!gt.edges.iter().any(|(a, _, _)| a.ends_with("pip-unused")));
    }

    /// Keys of the fixture's items (top level and `properties`), merged over its items.
    fn fixture_keys(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let items = v["value"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| vec![v.clone()]);
        let mut top = BTreeSet::new();
        let mut props = BTreeSet::new();
        for i in &items {
            top.extend(i.as_object().into_iter().flatten().map(|(k, _)| k.clone()));
            props.extend(
                i["properties"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k.clone()),
            );
        }
        (top, props)
    }

    /// The estate's items use the fixtures' field names; the extra fields each kind adds (not
    /// in Microsoft's example, but in the API's schema) are listed.
    #[test]
    fn payloads_follow_the_fixture_shapes() {
        let cases: [(Collection, &str, &[&str]); 10] = [
            (
                Collection::VirtualMachines,
                include_str!("../fixtures/VirtualMachines_ListByLocation.json"),
                &["timeCreated"],
            ),
            (
                Collection::Disks,
                include_str!("../fixtures/Disks_List.json"),
                &[
                    "managedBy",
                    "sku",
                    "diskState",
                    "networkAccessPolicy",
                    "publicNetworkAccess",
                ],
            ),
            (
                Collection::Snapshots,
                include_str!("../fixtures/Snapshots_List.json"),
                &[
                    "sku",
                    "incremental",
                    "networkAccessPolicy",
                    "publicNetworkAccess",
                ],
            ),
            (
                Collection::NetworkInterfaces,
                include_str!("../fixtures/NetworkInterfaces_ListAll.json"),
                &["tags"],
            ),
            (
                Collection::PublicIpAddresses,
                include_str!("../fixtures/PublicIPAddresses_ListAll.json"),
                &["tags", "sku"],
            ),
            (
                Collection::VirtualNetworks,
                include_str!("../fixtures/VirtualNetworks_ListAll.json"),
                &["tags", "enableDdosProtection"],
            ),
            (
                Collection::NetworkSecurityGroups,
                include_str!("../fixtures/NetworkSecurityGroups_ListAll.json"),
                &["tags", "subnets", "networkInterfaces"],
            ),
            (
                Collection::LoadBalancers,
                include_str!("../fixtures/LoadBalancers_ListAll.json"),
                &["tags", "outboundRules"],
            ),
            (
                Collection::StorageAccounts,
                include_str!("../fixtures/StorageAccounts_Create.response.json"),
                &["publicNetworkAccess", "networkAcls"],
            ),
            (
                Collection::ResourceGroups,
                include_str!("../fixtures/ResourceGroups_Get.json"),
                &["tags"],
            ),
        ];
        let e = estate();
        for (c, fixture, extra) in cases {
            let (top, props) = fixture_keys(fixture);
            for item in &e.subscriptions[0].collections[&c] {
                for k in item.as_object().into_iter().flatten().map(|(k, _)| k) {
                    assert!(top.contains(k) || extra.contains(&k.as_str()), "{c:?}: {k}");
                }
                for k in item["properties"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k)
                {
                    assert!(
                        props.contains(k) || extra.contains(&k.as_str()),
                        "{c:?}: properties.{k}"
                    );
                }
            }
        }
        // The subscription item too.
        let (top, _) = fixture_keys(include_str!("../fixtures/Subscriptions_List.json"));
        for k in e.subscriptions[0]
            .item
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            assert!(top.contains(k), "subscription: {k}");
        }
    }
}
