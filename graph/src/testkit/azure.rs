//! Builders of small Azure estates: one subscription, resource group `rg1`, `westeurope`.

use std::collections::BTreeMap;

use crate::model::{
    AzureDisk, AzureKeyVault, AzureLoadBalancer, AzureNetworkInterface, AzureNetworkSecurityGroup,
    AzurePublicIpAddress, AzureResourceGroup, AzureSnapshot, AzureSqlServer, AzureStorageAccount,
    AzureSubnet, AzureSubscription, AzureVirtualMachine, AzureVirtualNetwork, DiskEncryptionType,
    DiskSku, DiskState, IpAllocationMethod, LbBackendPool, LbFrontend, LbProtocol, LbRule,
    LbSkuName, Model, NicIpConfiguration, NsgAccess, NsgDirection, NsgPortRange, NsgProtocol,
    NsgRule, OsType, PowerState, PublicIpSkuName,
};
use crate::{AccountId, Region, Resource, ResourceId};

pub const SUBSCRIPTION: &str = "00000000-0000-4000-8000-000000000001";

pub fn az_account() -> AccountId {
    SUBSCRIPTION.parse().unwrap()
}
pub fn az_region() -> Region {
    "westeurope".parse().unwrap()
}
/// `/subscriptions/{SUBSCRIPTION}/resourceGroups/rg1/providers/{rest}`, lower-cased.
pub fn az_id(rest: &str) -> ResourceId {
    ResourceId::azure(&format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/rg1/providers/{rest}"
    ))
    .unwrap()
}
pub fn az_resource<M: Model>(id: ResourceId, model: M) -> Resource {
    let name = id.short_id().to_string();
    Resource::new(id, az_account(), az_region(), BTreeMap::new(), model).named(name)
}

pub fn az_subscription() -> Resource {
    Resource::new(
        format!("/subscriptions/{SUBSCRIPTION}").parse().unwrap(),
        az_account(),
        Region::global(),
        BTreeMap::new(),
        AzureSubscription {
            subscription_id: SUBSCRIPTION.into(),
            display_name: Some("test".into()),
            state: None,
            tenant_id: None,
        },
    )
}
pub fn az_resource_group() -> Resource {
    az_resource(
        format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg1")
            .parse()
            .unwrap(),
        AzureResourceGroup {
            provisioning_state: Some("Succeeded".into()),
            managed_by: None,
        },
    )
}

pub fn vm_id(name: &str) -> ResourceId {
    az_id(&format!("Microsoft.Compute/virtualMachines/{name}"))
}
pub fn disk_id(name: &str) -> ResourceId {
    az_id(&format!("Microsoft.Compute/disks/{name}"))
}
pub fn snapshot_id(name: &str) -> ResourceId {
    az_id(&format!("Microsoft.Compute/snapshots/{name}"))
}
pub fn nic_id(name: &str) -> ResourceId {
    az_id(&format!("Microsoft.Network/networkInterfaces/{name}"))
}
pub fn ipconfig_id(nic: &str) -> ResourceId {
    az_id(&format!(
        "Microsoft.Network/networkInterfaces/{nic}/ipConfigurations/ipconfig1"
    ))
}
pub fn pip_id(name: &str) -> ResourceId {
    az_id(&format!("Microsoft.Network/publicIPAddresses/{name}"))
}
pub fn vnet_id(name: &str) -> ResourceId {
    az_id(&format!("Microsoft.Network/virtualNetworks/{name}"))
}
pub fn subnet_id(vnet: &str, name: &str) -> ResourceId {
    az_id(&format!(
        "Microsoft.Network/virtualNetworks/{vnet}/subnets/{name}"
    ))
}
pub fn nsg_id(name: &str) -> ResourceId {
    az_id(&format!("Microsoft.Network/networkSecurityGroups/{name}"))
}
pub fn lb_id(name: &str) -> ResourceId {
    az_id(&format!("Microsoft.Network/loadBalancers/{name}"))
}
pub fn lb_child(lb: &str, what: &str, name: &str) -> ResourceId {
    az_id(&format!(
        "Microsoft.Network/loadBalancers/{lb}/{what}/{name}"
    ))
}

/// A running Linux VM with the NIC `{name}-nic` and no disks; `f` adjusts it.
pub fn az_vm(name: &str, f: impl FnOnce(&mut AzureVirtualMachine)) -> Resource {
    let mut vm = AzureVirtualMachine {
        vm_id: None,
        vm_size: Some("Standard_B2s".into()),
        power_state: Some(PowerState::Running),
        os_type: Some(OsType::Linux),
        network_interfaces: vec![nic_id(&format!("{name}-nic"))],
        os_disk: None,
        data_disks: vec![],
        provisioning_state: Some("Succeeded".into()),
        time_created: None,
        zones: vec![],
    };
    f(&mut vm);
    az_resource(vm_id(name), vm)
}

/// A 128 GiB Premium_LRS disk, attached to nothing, platform-key encrypted; `f` adjusts it.
pub fn az_disk(name: &str, f: impl FnOnce(&mut AzureDisk)) -> Resource {
    let mut d = AzureDisk {
        sku: Some(DiskSku::PremiumLrs),
        size_gib: Some(128),
        disk_state: Some(DiskState::Unattached),
        managed_by: None,
        os_type: None,
        encryption_type: Some(DiskEncryptionType::PlatformKey),
        disk_encryption_set: None,
        azure_disk_encryption: false,
        time_created: None,
        network_access_policy: None,
        public_network_access: None,
        source_resource: None,
        zones: vec![],
    };
    f(&mut d);
    az_resource(disk_id(name), d)
}

/// A full 128 GiB Standard_LRS snapshot of disk `{name}-src`; `f` adjusts it.
pub fn az_snapshot(name: &str, f: impl FnOnce(&mut AzureSnapshot)) -> Resource {
    let mut s = AzureSnapshot {
        sku: Some(DiskSku::StandardLrs),
        size_gib: Some(128),
        source_disk: Some(disk_id(&format!("{name}-src"))),
        time_created: None,
        incremental: Some(false),
        os_type: None,
        encryption_type: Some(DiskEncryptionType::PlatformKey),
        disk_encryption_set: None,
        network_access_policy: None,
        public_network_access: None,
    };
    f(&mut s);
    az_resource(snapshot_id(name), s)
}

/// A NIC with one primary IP configuration (`ipconfig1`, 10.0.1.4 in `vnet1/default`) for
/// VM `vm`; `f` adjusts it.
pub fn az_nic(name: &str, vm: &str, f: impl FnOnce(&mut AzureNetworkInterface)) -> Resource {
    let mut n = AzureNetworkInterface {
        ip_configurations: vec![NicIpConfiguration {
            id: ipconfig_id(name),
            name: "ipconfig1".into(),
            subnet: Some(subnet_id("vnet1", "default")),
            private_ip: Some("10.0.1.4".into()),
            public_ip: None,
            primary: true,
            load_balancer_backend_pools: vec![],
            load_balancer_inbound_nat_rules: vec![],
            application_security_groups: vec![],
        }],
        network_security_group: None,
        virtual_machine: Some(vm_id(vm)),
        mac_address: None,
        primary: Some(true),
        enable_ip_forwarding: false,
        enable_accelerated_networking: false,
    };
    f(&mut n);
    az_resource(nic_id(name), n)
}

/// A Standard static public IP `203.0.113.{n}` associated with `ip_configuration`.
pub fn az_public_ip(
    name: &str,
    n: u8,
    ip_configuration: Option<ResourceId>,
    f: impl FnOnce(&mut AzurePublicIpAddress),
) -> Resource {
    let mut p = AzurePublicIpAddress {
        ip_address: Some(format!("203.0.113.{n}")),
        allocation_method: Some(IpAllocationMethod::Static),
        ip_version: None,
        sku_name: Some(PublicIpSkuName::Standard),
        sku_tier: None,
        ip_configuration,
        fqdn: None,
    };
    f(&mut p);
    az_resource(pip_id(name), p)
}

/// VNet `vnet1` (10.0.0.0/16) with subnet `default` (10.0.1.0/24, NSG `subnet_nsg`).
pub fn az_network(subnet_nsg: Option<&str>) -> Vec<Resource> {
    vec![
        az_resource(
            vnet_id("vnet1"),
            AzureVirtualNetwork {
                address_prefixes: vec!["10.0.0.0/16".into()],
                subnets: vec![subnet_id("vnet1", "default")],
                enable_ddos_protection: None,
                dns_servers: vec![],
            },
        ),
        az_resource(
            subnet_id("vnet1", "default"),
            AzureSubnet {
                virtual_network: vnet_id("vnet1"),
                address_prefixes: vec!["10.0.1.0/24".into()],
                network_security_group: subnet_nsg.map(nsg_id),
                route_table: None,
                nat_gateway: None,
            },
        ),
    ]
}

/// An inbound rule to every destination.
pub fn nsg_rule(
    name: &str,
    priority: i32,
    access: &str,
    protocol: &str,
    sources: &[&str],
    ports: &[&str],
) -> NsgRule {
    NsgRule {
        name: name.into(),
        priority,
        direction: NsgDirection::Inbound,
        access: NsgAccess::parse(access),
        protocol: NsgProtocol::parse(protocol),
        source_address_prefixes: sources.iter().map(|s| s.to_string()).collect(),
        source_application_security_groups: vec![],
        source_port_ranges: vec![NsgPortRange::ANY],
        destination_address_prefixes: vec!["*".into()],
        destination_application_security_groups: vec![],
        destination_port_ranges: ports
            .iter()
            .map(|p| NsgPortRange::parse(p).unwrap())
            .collect(),
        description: None,
    }
}

/// Azure's inbound default rules.
pub fn default_inbound_rules() -> Vec<NsgRule> {
    vec![
        nsg_rule(
            "AllowVnetInBound",
            65000,
            "Allow",
            "*",
            &["VirtualNetwork"],
            &["*"],
        ),
        nsg_rule(
            "AllowAzureLoadBalancerInBound",
            65001,
            "Allow",
            "*",
            &["AzureLoadBalancer"],
            &["*"],
        ),
        nsg_rule("DenyAllInBound", 65500, "Deny", "*", &["*"], &["*"]),
    ]
}

/// An NSG with `rules` and the default rules.
pub fn az_nsg(name: &str, rules: Vec<NsgRule>) -> Resource {
    az_resource(
        nsg_id(name),
        AzureNetworkSecurityGroup {
            security_rules: rules,
            default_security_rules: default_inbound_rules(),
            subnets: vec![],
            network_interfaces: vec![],
        },
    )
}

/// A Standard load balancer with public frontend `fe` (public IP `pip`), pool `be` holding
/// `ipconfig1` of each NIC in `nics`, and a TCP rule `frontend_port -> backend_port`.
pub fn az_lb(
    name: &str,
    pip: &str,
    nics: &[&str],
    frontend_port: u16,
    backend_port: u16,
    f: impl FnOnce(&mut AzureLoadBalancer),
) -> Resource {
    let fe = lb_child(name, "frontendIPConfigurations", "fe");
    let be = lb_child(name, "backendAddressPools", "be");
    let mut lb = AzureLoadBalancer {
        sku_name: Some(LbSkuName::Standard),
        sku_tier: None,
        frontend_ip_configurations: vec![LbFrontend {
            id: fe.clone(),
            name: "fe".into(),
            public_ip: Some(pip_id(pip)),
            subnet: None,
            private_ip: None,
        }],
        backend_pools: vec![LbBackendPool {
            id: be.clone(),
            name: "be".into(),
            nic_ip_configurations: nics.iter().map(|n| ipconfig_id(n)).collect(),
        }],
        rules: vec![LbRule {
            name: "rule".into(),
            frontend: Some(fe),
            backend_pools: vec![be],
            protocol: LbProtocol::Tcp,
            frontend_port,
            backend_port: Some(backend_port),
        }],
        inbound_nat_rules: vec![],
    };
    f(&mut lb);
    az_resource(lb_id(name), lb)
}

/// A storage account with every setting at its secure value; `f` adjusts it.
pub fn az_storage(name: &str, f: impl FnOnce(&mut AzureStorageAccount)) -> Resource {
    use crate::model::{NetworkDefaultAction, PublicNetworkAccess, TlsVersion};
    let mut s = AzureStorageAccount {
        account_kind: None,
        sku_name: Some("Standard_LRS".into()),
        allow_blob_public_access: Some(false),
        supports_https_traffic_only: Some(true),
        minimum_tls_version: Some(TlsVersion::Tls1_2),
        allow_shared_key_access: Some(false),
        public_network_access: Some(PublicNetworkAccess::Disabled),
        network_acls_default_action: Some(NetworkDefaultAction::Deny),
        encryption_key_source: None,
        creation_time: None,
    };
    f(&mut s);
    az_resource(
        az_id(&format!("Microsoft.Storage/storageAccounts/{name}")),
        s,
    )
}

/// A key vault with every setting at its secure value; `f` adjusts it.
pub fn az_key_vault(name: &str, f: impl FnOnce(&mut AzureKeyVault)) -> Resource {
    use crate::model::{NetworkDefaultAction, PublicNetworkAccess};
    let mut v = AzureKeyVault {
        tenant_id: None,
        sku_name: None,
        vault_uri: None,
        enable_soft_delete: Some(true),
        soft_delete_retention_days: Some(90),
        enable_purge_protection: Some(true),
        enable_rbac_authorization: Some(true),
        public_network_access: Some(PublicNetworkAccess::Disabled),
        network_acls_default_action: Some(NetworkDefaultAction::Deny),
    };
    f(&mut v);
    az_resource(az_id(&format!("Microsoft.KeyVault/vaults/{name}")), v)
}

/// A SQL server with no firewall rules; `f` adjusts it.
pub fn az_sql(name: &str, f: impl FnOnce(&mut AzureSqlServer)) -> Resource {
    let mut s = AzureSqlServer {
        version: Some("12.0".into()),
        fully_qualified_domain_name: None,
        public_network_access: None,
        minimal_tls_version: None,
        firewall_rules: Some(vec![]),
    };
    f(&mut s);
    az_resource(az_id(&format!("Microsoft.Sql/servers/{name}")), s)
}

/// VM `vm1` with NIC `vm1-nic` in `vnet1/default` holding public IP `pip1` (203.0.113.1),
/// the subnet secured by `subnet_nsg` and the NIC by `nic_nsg` (each with the default
/// rules) when given.
pub fn az_exposed_vm(
    subnet_nsg: Option<Vec<NsgRule>>,
    nic_nsg: Option<Vec<NsgRule>>,
) -> Vec<Resource> {
    let mut rs = az_network(subnet_nsg.as_ref().map(|_| "subnet-nsg"));
    if let Some(rules) = subnet_nsg {
        rs.push(az_nsg("subnet-nsg", rules));
    }
    let has_nic_nsg = nic_nsg.is_some();
    if let Some(rules) = nic_nsg {
        rs.push(az_nsg("nic-nsg", rules));
    }
    rs.push(az_nic("vm1-nic", "vm1", |n| {
        n.ip_configurations[0].public_ip = Some(pip_id("pip1"));
        n.network_security_group = has_nic_nsg.then(|| nsg_id("nic-nsg"));
    }));
    rs.push(az_public_ip(
        "pip1",
        1,
        Some(ipconfig_id("vm1-nic")),
        |_| {},
    ));
    rs.push(az_vm("vm1", |_| {}));
    rs
}
