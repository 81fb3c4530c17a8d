//! The Azure part of the sample estate: one maximal sample per Azure kind in one
//! subscription and resource group. The VM is internet-exposed through its NIC's public IP
//! (the NSG allows SSH from `Internet`) and sits behind the public load balancer.

use std::collections::BTreeMap;

use skywarden_graph::model::{
    AzureDisk, AzureKeyVault, AzureLoadBalancer, AzureNetworkInterface, AzureNetworkSecurityGroup,
    AzurePublicIpAddress, AzureResourceGroup, AzureSnapshot, AzureSqlServer, AzureStorageAccount,
    AzureSubnet, AzureSubscription, AzureVirtualMachine, AzureVirtualNetwork, DiskEncryptionType,
    DiskSku, DiskState, IpAllocationMethod, IpVersion, KeyVaultSku, LbBackendPool, LbFrontend,
    LbNatRule, LbProtocol, LbRule, LbSkuName, NetworkAccessPolicy, NetworkDefaultAction,
    NicIpConfiguration, NsgAccess, NsgDirection, NsgPortRange, NsgProtocol, NsgRule, OsType,
    PowerState, PublicIpSkuName, PublicNetworkAccess, SkuTier, SqlFirewallRule, SqlTlsVersion,
    StorageAccountKind, StorageKeySource, SubscriptionState, TlsVersion,
};
use skywarden_graph::{AccountId, GraphError, Model, Region, Resource, ResourceId};

use super::sample_now;

/// Ids of the Azure sample estate.
pub(super) struct AzureIds {
    account: AccountId,
    region: Region,
    subscription: ResourceId,
    resource_group: ResourceId,
    vm: ResourceId,
    disk: ResourceId,
    snapshot: ResourceId,
    nic: ResourceId,
    ip_configuration: ResourceId,
    public_ip: ResourceId,
    vnet: ResourceId,
    subnet: ResourceId,
    nsg: ResourceId,
    asg: ResourceId,
    load_balancer: ResourceId,
    storage: ResourceId,
    vault: ResourceId,
    sql: ResourceId,
    disk_encryption_set: ResourceId,
    route_table: ResourceId,
    nat_gateway: ResourceId,
}

impl AzureIds {
    pub(super) fn new() -> Result<Self, GraphError> {
        let sub = "00000000-0000-4000-8000-00000000a5e1";
        let rg = format!("/subscriptions/{sub}/resourceGroups/sample");
        let id = |rest: &str| ResourceId::azure(&format!("{rg}/providers/{rest}"));
        let nic = id("Microsoft.Network/networkInterfaces/sample-nic")?;
        Ok(AzureIds {
            account: sub.parse()?,
            region: "westeurope".parse()?,
            subscription: format!("/subscriptions/{sub}").parse()?,
            resource_group: rg.parse()?,
            vm: id("Microsoft.Compute/virtualMachines/sample-vm")?,
            disk: id("Microsoft.Compute/disks/sample-disk")?,
            snapshot: id("Microsoft.Compute/snapshots/sample-snapshot")?,
            ip_configuration: format!("{nic}/ipConfigurations/ipconfig1").parse()?,
            nic,
            public_ip: id("Microsoft.Network/publicIPAddresses/sample-ip")?,
            vnet: id("Microsoft.Network/virtualNetworks/sample-vnet")?,
            subnet: id("Microsoft.Network/virtualNetworks/sample-vnet/subnets/default")?,
            nsg: id("Microsoft.Network/networkSecurityGroups/sample-nsg")?,
            asg: id("Microsoft.Network/applicationSecurityGroups/sample-asg")?,
            load_balancer: id("Microsoft.Network/loadBalancers/sample-lb")?,
            storage: id("Microsoft.Storage/storageAccounts/samplestorage")?,
            vault: id("Microsoft.KeyVault/vaults/sample-kv")?,
            sql: id("Microsoft.Sql/servers/sample-sql")?,
            disk_encryption_set: id("Microsoft.Compute/diskEncryptionSets/sample-des")?,
            route_table: id("Microsoft.Network/routeTables/sample-rt")?,
            nat_gateway: id("Microsoft.Network/natGateways/sample-nat")?,
        })
    }

    fn resource<M: Model>(&self, id: &ResourceId, region: &Region, model: M) -> Resource {
        let tags = BTreeMap::from([
            ("environment".to_string(), "sample".to_string()),
            ("owner".to_string(), "platform".to_string()),
        ]);
        Resource::new(
            id.clone(),
            self.account.clone(),
            region.clone(),
            tags,
            model,
        )
        .named(id.short_id())
    }

    fn regional<M: Model>(&self, id: &ResourceId, model: M) -> Resource {
        self.resource(id, &self.region, model)
    }

    fn lb_child(&self, what: &str, name: &str) -> ResourceId {
        format!("{}/{what}/{name}", self.load_balancer)
            .parse()
            .unwrap_or_else(|_| self.load_balancer.clone())
    }

    pub(super) fn subscription(&self) -> Resource {
        self.resource(
            &self.subscription,
            &Region::global(),
            AzureSubscription {
                subscription_id: self.account.to_string(),
                display_name: Some("Sample subscription".into()),
                state: Some(SubscriptionState::Enabled),
                tenant_id: Some("00000000-0000-4000-8000-0000000000aa".into()),
            },
        )
    }

    pub(super) fn resource_group(&self) -> Resource {
        self.regional(
            &self.resource_group,
            AzureResourceGroup {
                provisioning_state: Some("Succeeded".into()),
                managed_by: Some("sample-application".into()),
            },
        )
    }

    pub(super) fn virtual_machine(&self) -> Resource {
        self.regional(
            &self.vm,
            AzureVirtualMachine {
                vm_id: Some("00000000-0000-4000-8000-0000000000b1".into()),
                vm_size: Some("Standard_D2s_v5".into()),
                power_state: Some(PowerState::Running),
                os_type: Some(OsType::Linux),
                network_interfaces: vec![self.nic.clone()],
                os_disk: Some(self.disk.clone()),
                data_disks: vec![self.disk.clone()],
                provisioning_state: Some("Succeeded".into()),
                time_created: Some(sample_now() - chrono::Duration::days(400)),
                zones: vec!["1".into()],
            },
        )
    }

    pub(super) fn disk(&self) -> Resource {
        self.regional(
            &self.disk,
            AzureDisk {
                sku: Some(DiskSku::PremiumLrs),
                size_gib: Some(128),
                disk_state: Some(DiskState::Attached),
                managed_by: Some(self.vm.clone()),
                os_type: Some(OsType::Linux),
                encryption_type: Some(DiskEncryptionType::CustomerKey),
                disk_encryption_set: Some(self.disk_encryption_set.clone()),
                azure_disk_encryption: false,
                time_created: Some(sample_now() - chrono::Duration::days(400)),
                network_access_policy: Some(NetworkAccessPolicy::DenyAll),
                public_network_access: Some(PublicNetworkAccess::Disabled),
                source_resource: Some(self.snapshot.clone()),
                zones: vec!["1".into()],
            },
        )
    }

    pub(super) fn snapshot(&self) -> Resource {
        self.regional(
            &self.snapshot,
            AzureSnapshot {
                sku: Some(DiskSku::StandardLrs),
                size_gib: Some(128),
                source_disk: Some(self.disk.clone()),
                time_created: Some(sample_now() - chrono::Duration::days(120)),
                incremental: Some(true),
                os_type: Some(OsType::Linux),
                encryption_type: Some(DiskEncryptionType::PlatformKey),
                disk_encryption_set: Some(self.disk_encryption_set.clone()),
                network_access_policy: Some(NetworkAccessPolicy::AllowAll),
                public_network_access: Some(PublicNetworkAccess::Enabled),
            },
        )
    }

    pub(super) fn network_interface(&self) -> Resource {
        self.regional(
            &self.nic,
            AzureNetworkInterface {
                ip_configurations: vec![NicIpConfiguration {
                    id: self.ip_configuration.clone(),
                    name: "ipconfig1".into(),
                    subnet: Some(self.subnet.clone()),
                    private_ip: Some("10.1.0.4".into()),
                    public_ip: Some(self.public_ip.clone()),
                    primary: true,
                    load_balancer_backend_pools: vec![self.lb_child("backendAddressPools", "web")],
                    load_balancer_inbound_nat_rules: vec![self.lb_child("inboundNatRules", "ssh")],
                    application_security_groups: vec![self.asg.clone()],
                }],
                network_security_group: Some(self.nsg.clone()),
                virtual_machine: Some(self.vm.clone()),
                mac_address: Some("00-0D-3A-1B-C7-21".into()),
                primary: Some(true),
                enable_ip_forwarding: false,
                enable_accelerated_networking: true,
            },
        )
    }

    pub(super) fn public_ip_address(&self) -> Resource {
        self.regional(
            &self.public_ip,
            AzurePublicIpAddress {
                ip_address: Some("203.0.113.20".into()),
                allocation_method: Some(IpAllocationMethod::Static),
                ip_version: Some(IpVersion::IPv4),
                sku_name: Some(PublicIpSkuName::Standard),
                sku_tier: Some(SkuTier::Regional),
                ip_configuration: Some(self.ip_configuration.clone()),
                fqdn: Some("sample.westeurope.cloudapp.azure.com".into()),
            },
        )
    }

    pub(super) fn virtual_network(&self) -> Resource {
        self.regional(
            &self.vnet,
            AzureVirtualNetwork {
                address_prefixes: vec!["10.1.0.0/16".into()],
                subnets: vec![self.subnet.clone()],
                enable_ddos_protection: Some(false),
                dns_servers: vec!["10.1.0.250".into()],
            },
        )
    }

    pub(super) fn subnet(&self) -> Resource {
        self.regional(
            &self.subnet,
            AzureSubnet {
                virtual_network: self.vnet.clone(),
                address_prefixes: vec!["10.1.0.0/24".into()],
                network_security_group: Some(self.nsg.clone()),
                route_table: Some(self.route_table.clone()),
                nat_gateway: Some(self.nat_gateway.clone()),
            },
        )
    }

    pub(super) fn network_security_group(&self) -> Resource {
        let rule = |name: &str, priority, access, sources: &[&str], port: NsgPortRange| NsgRule {
            name: name.into(),
            priority,
            direction: NsgDirection::Inbound,
            access,
            protocol: NsgProtocol::Tcp,
            source_address_prefixes: sources.iter().map(|s| s.to_string()).collect(),
            source_application_security_groups: vec![self.asg.clone()],
            source_port_ranges: vec![NsgPortRange::ANY],
            destination_address_prefixes: vec!["*".into()],
            destination_application_security_groups: vec![self.asg.clone()],
            destination_port_ranges: vec![port],
            description: Some(format!("{name} (sample)")),
        };
        self.regional(
            &self.nsg,
            AzureNetworkSecurityGroup {
                security_rules: vec![rule(
                    "allow-ssh",
                    100,
                    NsgAccess::Allow,
                    &["Internet"],
                    NsgPortRange { from: 22, to: 22 },
                )],
                default_security_rules: vec![rule(
                    "DenyAllInBound",
                    65500,
                    NsgAccess::Deny,
                    &["*"],
                    NsgPortRange::ANY,
                )],
                subnets: vec![self.subnet.clone()],
                network_interfaces: vec![self.nic.clone()],
            },
        )
    }

    pub(super) fn load_balancer(&self) -> Resource {
        let frontend = self.lb_child("frontendIPConfigurations", "public");
        let pool = self.lb_child("backendAddressPools", "web");
        self.regional(
            &self.load_balancer,
            AzureLoadBalancer {
                sku_name: Some(LbSkuName::Standard),
                sku_tier: Some(SkuTier::Regional),
                frontend_ip_configurations: vec![LbFrontend {
                    id: frontend.clone(),
                    name: "public".into(),
                    public_ip: Some(self.public_ip.clone()),
                    subnet: Some(self.subnet.clone()),
                    private_ip: Some("10.1.0.5".into()),
                }],
                backend_pools: vec![LbBackendPool {
                    id: pool.clone(),
                    name: "web".into(),
                    nic_ip_configurations: vec![self.ip_configuration.clone()],
                }],
                rules: vec![LbRule {
                    name: "ssh".into(),
                    frontend: Some(frontend.clone()),
                    backend_pools: vec![pool.clone()],
                    protocol: LbProtocol::Tcp,
                    frontend_port: 22,
                    backend_port: Some(22),
                }],
                inbound_nat_rules: vec![LbNatRule {
                    name: "ssh".into(),
                    frontend: Some(frontend),
                    protocol: LbProtocol::Tcp,
                    frontend_port_from: Some(50001),
                    frontend_port_to: Some(50001),
                    backend_port: Some(22),
                    backend_ip_configuration: Some(self.ip_configuration.clone()),
                    backend_pool: Some(pool),
                }],
            },
        )
    }

    pub(super) fn storage_account(&self) -> Resource {
        self.regional(
            &self.storage,
            AzureStorageAccount {
                account_kind: Some(StorageAccountKind::StorageV2),
                sku_name: Some("Standard_LRS".into()),
                allow_blob_public_access: Some(true),
                supports_https_traffic_only: Some(true),
                minimum_tls_version: Some(TlsVersion::Tls1_2),
                allow_shared_key_access: Some(false),
                public_network_access: Some(PublicNetworkAccess::Enabled),
                network_acls_default_action: Some(NetworkDefaultAction::Allow),
                encryption_key_source: Some(StorageKeySource::Microsoft),
                creation_time: Some(sample_now() - chrono::Duration::days(400)),
            },
        )
    }

    pub(super) fn key_vault(&self) -> Resource {
        self.regional(
            &self.vault,
            AzureKeyVault {
                tenant_id: Some("00000000-0000-4000-8000-0000000000aa".into()),
                sku_name: Some(KeyVaultSku::Standard),
                vault_uri: Some("https://sample-kv.vault.azure.net/".into()),
                enable_soft_delete: Some(true),
                soft_delete_retention_days: Some(90),
                enable_purge_protection: Some(false),
                enable_rbac_authorization: Some(true),
                public_network_access: Some(PublicNetworkAccess::Enabled),
                network_acls_default_action: Some(NetworkDefaultAction::Allow),
            },
        )
    }

    pub(super) fn sql_server(&self) -> Resource {
        self.regional(
            &self.sql,
            AzureSqlServer {
                version: Some("12.0".into()),
                fully_qualified_domain_name: Some("sample-sql.database.windows.net".into()),
                public_network_access: Some(PublicNetworkAccess::Enabled),
                minimal_tls_version: Some(SqlTlsVersion::Tls1_2),
                firewall_rules: Some(vec![SqlFirewallRule {
                    name: "AllowAllWindowsAzureIps".into(),
                    start_ip: "0.0.0.0".into(),
                    end_ip: "0.0.0.0".into(),
                }]),
            },
        )
    }
}
