//! Internet exposure of Azure resources, in the same [`Exposure`] shape as AWS.
//!
//! **Virtual machines**: internet -> public IP -> the NIC IP configuration holding it ->
//! the subnet's NSG -> the NIC's NSG -> NIC -> VM. Traffic passes when *both* NSGs admit it
//! (each evaluated in priority order with its default rules, first match decides; see
//! [`AzureNetworkSecurityGroup`]); an NSG that is not configured admits everything, except
//! that a Standard-SKU public IP is closed to inbound traffic unless some NSG allows it, so
//! a Standard address with no NSG on the subnet or the NIC is not exposed (a Basic or
//! unknown SKU is). An NSG that is configured but missing from the inventory (its scope
//! failed) is unknown and does not hide exposure: it is skipped. NSG rules see the NIC's
//! private IP (after the public IP's NAT), so destinations are matched against it and the
//! configuration's application security groups. VMs are evaluated in any power state (a
//! deallocated VM is one start away); one exposure per VM, through its first exposed
//! configuration (primary NIC and configuration first).
//!
//! **Public load balancers**: internet -> public IP -> frontend -> each load-balancing rule
//! and inbound NAT rule on that frontend -> backend NICs -> their NSGs -> VMs. A frontend
//! port is open when at least one backend NIC's NSGs admit the backend port from the
//! internet (the load balancer keeps the client's address, so NSGs see internet traffic);
//! a Standard load balancer's backends with no NSG at all are closed, a Basic one's open.
//! [`Exposure::downstream`] lists, per rule and backend, `[subnet NSG, NIC NSG, NIC, VM]`
//! (the hops present).
//!
//! Open ports are computed per protocol (TCP, UDP) over the whole port space, so
//! [`OpenIngress`] entries are exact ranges; their `source` is normalised to `0.0.0.0/0`
//! (`*`, `Any`, `Internet`, `0.0.0.0/0`, `0.0.0.0` all admit IPv4 clients) or `::/0` when the
//! deciding rule admits only `::/0`; `via` is the NIC's NSG, else the subnet's, else the
//! resource itself (nothing filters).

use crate::ids::ResourceId;
use crate::inventory::Inventory;
use crate::kind::ResourceKind;
use crate::model::{
    AzureLoadBalancer, AzureNetworkInterface, AzureNetworkSecurityGroup, AzurePublicIpAddress,
    AzureSubnet, AzureVirtualMachine, IpProtocol, LbProtocol, LbSkuName, NicIpConfiguration,
    NsgProtocol, NsgRule, NsgTarget, PublicIpSkuName, WORLD_IPV4, WORLD_IPV6,
};

use super::{Exposure, Hop, OpenIngress};

fn hop(id: &ResourceId, kind: ResourceKind) -> Hop {
    Hop {
        id: id.clone(),
        kind,
    }
}

/// The NSGs in front of one NIC IP configuration, outermost first.
#[derive(Debug)]
struct Filters<'a> {
    /// The subnet's NSG id when the subnet has one; the model when it is in the inventory.
    subnet_nsg: Option<(&'a ResourceId, Option<&'a AzureNetworkSecurityGroup>)>,
    nic_nsg: Option<(&'a ResourceId, Option<&'a AzureNetworkSecurityGroup>)>,
}

impl<'a> Filters<'a> {
    fn of(
        inv: &'a Inventory,
        nic: &'a AzureNetworkInterface,
        config: &'a NicIpConfiguration,
    ) -> Self {
        let nsg = |id: &'a ResourceId| {
            (
                id,
                inv.get(id)
                    .and_then(|r| r.model::<AzureNetworkSecurityGroup>()),
            )
        };
        let subnet_nsg = config
            .subnet
            .as_ref()
            .and_then(|s| inv.get(s))
            .and_then(|r| r.model::<AzureSubnet>())
            .and_then(|s| s.network_security_group.as_ref())
            .map(nsg);
        Filters {
            subnet_nsg,
            nic_nsg: nic.network_security_group.as_ref().map(nsg),
        }
    }

    fn none_configured(&self) -> bool {
        self.subnet_nsg.is_none() && self.nic_nsg.is_none()
    }

    /// The NSGs whose rules are known, outermost first.
    fn known(&self) -> Vec<&'a AzureNetworkSecurityGroup> {
        self.subnet_nsg
            .iter()
            .chain(&self.nic_nsg)
            .filter_map(|(_, m)| *m)
            .collect()
    }

    /// The NSG closest to the NIC: the one `OpenIngress::via` names.
    fn innermost(&self) -> Option<(&'a ResourceId, Option<&'a AzureNetworkSecurityGroup>)> {
        self.nic_nsg.or(self.subnet_nsg)
    }

    /// NSG hops in packet order.
    fn hops(&self) -> Vec<Hop> {
        self.subnet_nsg
            .iter()
            .chain(&self.nic_nsg)
            .map(|(id, _)| hop(id, ResourceKind::AzureNetworkSecurityGroup))
            .collect()
    }

    /// Port ranges of `protocol` the NSGs admit from the internet to `target`, each with the
    /// source of the rule that admits it in the innermost known NSG. `open_without_nsg`:
    /// whether everything is open when no NSG is configured at all.
    fn open_ranges(
        &self,
        protocol: &NsgProtocol,
        target: &NsgTarget<'_>,
        open_without_nsg: bool,
    ) -> Vec<(u16, u16, &'static str)> {
        if self.none_configured() {
            return if open_without_nsg {
                vec![(0, 65535, WORLD_IPV4)]
            } else {
                Vec::new()
            };
        }
        let known = self.known();
        if known.is_empty() {
            // Configured but unknown: never hides exposure.
            return vec![(0, 65535, WORLD_IPV4)];
        }
        // Ports inside one segment are treated alike by every rule.
        let mut bounds: Vec<u32> = vec![0, 65536];
        for g in &known {
            for r in g.inbound_rules() {
                for p in &r.destination_port_ranges {
                    bounds.push(u32::from(p.from));
                    bounds.push(u32::from(p.to) + 1);
                }
            }
        }
        bounds.sort_unstable();
        bounds.dedup();
        let innermost = known.last().copied();
        let mut out: Vec<(u16, u16, &'static str)> = Vec::new();
        for w in bounds.windows(2) {
            let (Ok(lo), Ok(hi)) = (u16::try_from(w[0]), u16::try_from(w[1] - 1)) else {
                continue;
            };
            if !known
                .iter()
                .all(|g| g.admits_internet(protocol, lo, target))
            {
                continue;
            }
            let source = innermost
                .and_then(|g| g.internet_decision(protocol, lo, target))
                .map_or(WORLD_IPV4, source_of);
            match out.last_mut() {
                Some(last) if u32::from(last.1) + 1 == u32::from(lo) && last.2 == source => {
                    last.1 = hi;
                }
                _ => out.push((lo, hi, source)),
            }
        }
        out
    }
}

/// The normalised internet source of an allowing rule.
fn source_of(rule: &NsgRule) -> &'static str {
    if rule
        .internet_sources()
        .iter()
        .all(|s| s.trim() == WORLD_IPV6)
    {
        WORLD_IPV6
    } else {
        WORLD_IPV4
    }
}

fn ip_protocol(p: &NsgProtocol) -> IpProtocol {
    match p {
        NsgProtocol::Udp => IpProtocol::Udp,
        _ => IpProtocol::Tcp,
    }
}

/// Public IPs of a Standard SKU are closed to inbound traffic until an NSG allows it.
fn open_without_nsg(pip: &AzurePublicIpAddress) -> bool {
    pip.sku_name != Some(PublicIpSkuName::Standard)
}

fn target_of(config: &NicIpConfiguration) -> NsgTarget<'_> {
    NsgTarget {
        private_ip: config.private_ip.as_deref(),
        application_security_groups: &config.application_security_groups,
    }
}

fn address_of(id: &ResourceId, pip: &AzurePublicIpAddress) -> String {
    pip.ip_address
        .clone()
        .or_else(|| pip.fqdn.clone())
        .unwrap_or_else(|| id.to_string())
}

/// The VM's NICs in the inventory, primary first, then by id.
fn nics_of<'a>(
    inv: &'a Inventory,
    vm: &'a AzureVirtualMachine,
) -> Vec<(&'a ResourceId, &'a AzureNetworkInterface)> {
    let mut nics: Vec<(&ResourceId, &AzureNetworkInterface)> = vm
        .network_interfaces
        .iter()
        .filter_map(|id| {
            let r = inv.get(id)?;
            Some((&r.id, r.model::<AzureNetworkInterface>()?))
        })
        .collect();
    nics.sort_by(|a, b| (a.1.primary != Some(true), a.0).cmp(&(b.1.primary != Some(true), b.0)));
    nics.dedup_by(|a, b| a.0 == b.0);
    nics
}

/// Internet exposure of one Azure VM through the public IP of one of its NICs.
pub fn azure_vm_exposure(
    inv: &Inventory,
    id: &ResourceId,
    vm: &AzureVirtualMachine,
) -> Option<Exposure> {
    for (nic_id, nic) in nics_of(inv, vm) {
        let mut configs: Vec<&NicIpConfiguration> = nic.ip_configurations.iter().collect();
        configs.sort_by_key(|c| !c.primary);
        for config in configs {
            let Some(pip_id) = &config.public_ip else {
                continue;
            };
            let Some((pip_id, pip)) = inv
                .get(pip_id)
                .and_then(|r| Some((&r.id, r.model::<AzurePublicIpAddress>()?)))
            else {
                continue;
            };
            let filters = Filters::of(inv, nic, config);
            let target = target_of(config);
            let open = open_without_nsg(pip);
            let via = filters.innermost().map_or(id, |(v, _)| v);
            let mut open_ingress = Vec::new();
            for protocol in [NsgProtocol::Tcp, NsgProtocol::Udp] {
                for (lo, hi, source) in filters.open_ranges(&protocol, &target, open) {
                    open_ingress.push(OpenIngress {
                        via: via.clone(),
                        protocol: ip_protocol(&protocol),
                        from_port: Some(i32::from(lo)),
                        to_port: Some(i32::from(hi)),
                        source: source.to_string(),
                    });
                }
            }
            if open_ingress.is_empty() {
                continue;
            }
            let mut network_path = vec![hop(pip_id, ResourceKind::AzureNetworkPublicIpAddress)];
            if let Some(subnet) = &config.subnet {
                network_path.push(hop(subnet, ResourceKind::AzureNetworkSubnet));
            }
            // The subnet's NSG filters first; the NIC's (when both exist) is `via`.
            if let (Some((s, _)), Some(_)) = (filters.subnet_nsg, filters.nic_nsg) {
                network_path.push(hop(s, ResourceKind::AzureNetworkSecurityGroup));
            }
            return Some(Exposure {
                resource: id.clone(),
                public_ip: address_of(pip_id, pip),
                network_path,
                interface: Some(hop(nic_id, ResourceKind::AzureNetworkInterface)),
                open_ingress,
                downstream: Vec::new(),
            });
        }
    }
    None
}

/// What a load-balancing or inbound NAT rule forwards: protocols, frontend ports and backend
/// port (`None`: HA ports, every port, backend = frontend), and the backends.
struct Forward<'a> {
    protocols: &'static [NsgProtocol],
    frontend: Option<(u16, u16)>,
    backend_port: Option<u16>,
    /// (NIC id, IP configuration id) behind it.
    backends: Vec<(ResourceId, &'a ResourceId)>,
}

fn lb_protocols(p: &LbProtocol) -> &'static [NsgProtocol] {
    match p {
        LbProtocol::Tcp => &[NsgProtocol::Tcp],
        LbProtocol::Udp => &[NsgProtocol::Udp],
        LbProtocol::All => &[NsgProtocol::Tcp, NsgProtocol::Udp],
        LbProtocol::Other(_) => &[],
    }
}

fn forwards<'a>(lb: &'a AzureLoadBalancer, frontend: &ResourceId) -> Vec<Forward<'a>> {
    let configs_of = |pool: &ResourceId| -> Vec<(ResourceId, &'a ResourceId)> {
        lb.pool(pool)
            .map(|p| {
                p.nic_ip_configurations
                    .iter()
                    .filter_map(|c| Some((c.azure_parent()?, c)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for r in lb
        .rules
        .iter()
        .filter(|r| r.frontend.as_ref() == Some(frontend))
    {
        let (frontend_ports, backend_port) = if r.is_ha_ports() {
            (None, None)
        } else {
            (
                Some((r.frontend_port, r.frontend_port)),
                Some(r.effective_backend_port()),
            )
        };
        out.push(Forward {
            protocols: lb_protocols(&r.protocol),
            frontend: frontend_ports,
            backend_port,
            backends: r.backend_pools.iter().flat_map(configs_of).collect(),
        });
    }
    for n in lb
        .inbound_nat_rules
        .iter()
        .filter(|n| n.frontend.as_ref() == Some(frontend))
    {
        let (Some(from), Some(backend)) = (n.frontend_port_from, n.backend_port) else {
            continue;
        };
        let to = n.frontend_port_to.unwrap_or(from).max(from);
        let mut backends: Vec<(ResourceId, &ResourceId)> = n
            .backend_ip_configuration
            .iter()
            .filter_map(|c| Some((c.azure_parent()?, c)))
            .collect();
        backends.extend(n.backend_pool.iter().flat_map(configs_of));
        out.push(Forward {
            protocols: lb_protocols(&n.protocol),
            frontend: Some((from, to)),
            backend_port: Some(backend),
            backends,
        });
    }
    out
}

/// Internet exposure of a load balancer with a public frontend, if any rule on it reaches a
/// backend the NSGs let internet traffic into.
pub fn azure_load_balancer_exposure(
    inv: &Inventory,
    id: &ResourceId,
    lb: &AzureLoadBalancer,
) -> Option<Exposure> {
    let open_without_nsg = lb.sku_name != Some(LbSkuName::Standard);
    let mut first_pip: Option<(&ResourceId, &AzurePublicIpAddress)> = None;
    let mut open_ingress: Vec<OpenIngress> = Vec::new();
    let mut downstream: Vec<Vec<Hop>> = Vec::new();
    for frontend in &lb.frontend_ip_configurations {
        let Some((pip_id, pip)) = frontend
            .public_ip
            .as_ref()
            .and_then(|p| inv.get(p))
            .and_then(|r| Some((&r.id, r.model::<AzurePublicIpAddress>()?)))
        else {
            continue;
        };
        let mut exposed_here = false;
        for fwd in forwards(lb, &frontend.id) {
            for (nic_id, config_id) in &fwd.backends {
                let Some((nic_id, nic)) = inv
                    .get(nic_id)
                    .and_then(|r| Some((&r.id, r.model::<AzureNetworkInterface>()?)))
                else {
                    continue;
                };
                let Some(config) = nic.ip_configurations.iter().find(|c| &c.id == *config_id)
                else {
                    continue;
                };
                let filters = Filters::of(inv, nic, config);
                let target = target_of(config);
                let mut admitted = false;
                for protocol in fwd.protocols {
                    let ranges = filters.open_ranges(protocol, &target, open_without_nsg);
                    let opened: Vec<(u16, u16, &str)> = match (fwd.frontend, fwd.backend_port) {
                        (Some((from, to)), Some(backend)) => ranges
                            .iter()
                            .find(|(lo, hi, _)| *lo <= backend && backend <= *hi)
                            .map(|(_, _, src)| vec![(from, to, *src)])
                            .unwrap_or_default(),
                        // HA ports: whatever the NSGs admit.
                        _ => ranges,
                    };
                    for (lo, hi, source) in opened {
                        admitted = true;
                        open_ingress.push(OpenIngress {
                            via: id.clone(),
                            protocol: ip_protocol(protocol),
                            from_port: Some(i32::from(lo)),
                            to_port: Some(i32::from(hi)),
                            source: source.to_string(),
                        });
                    }
                }
                if admitted {
                    exposed_here = true;
                    let mut path = filters.hops();
                    path.push(hop(nic_id, ResourceKind::AzureNetworkInterface));
                    if let Some(vm) = nic
                        .virtual_machine
                        .as_ref()
                        .filter(|v| inv.get(v).is_some())
                    {
                        path.push(hop(vm, ResourceKind::AzureComputeVirtualMachine));
                    }
                    downstream.push(path);
                }
            }
        }
        if exposed_here && first_pip.is_none() {
            first_pip = Some((pip_id, pip));
        }
    }
    let (pip_id, pip) = first_pip?;
    open_ingress.sort_by(|a, b| {
        (
            a.from_port,
            a.to_port,
            format!("{:?}", a.protocol),
            &a.source,
        )
            .cmp(&(
                b.from_port,
                b.to_port,
                format!("{:?}", b.protocol),
                &b.source,
            ))
    });
    open_ingress.dedup();
    downstream.sort_by(|a, b| a.iter().map(|h| &h.id).cmp(b.iter().map(|h| &h.id)));
    downstream.dedup();
    Some(Exposure {
        resource: id.clone(),
        public_ip: address_of(pip_id, pip),
        network_path: vec![hop(pip_id, ResourceKind::AzureNetworkPublicIpAddress)],
        interface: None,
        open_ingress,
        downstream,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Direction, EdgeKind, InventoryBuilder};
    use crate::model::{PowerState, Properties};
    use crate::testkit::azure::*;
    use crate::topology::exposures;
    use crate::Resource;

    fn build(rs: Vec<Resource>) -> Inventory {
        let mut b = InventoryBuilder::new();
        b.extend(rs);
        b.build()
    }

    type Open = Vec<(IpProtocol, i32, i32)>;

    fn open(e: &Exposure) -> Open {
        e.open_ingress
            .iter()
            .map(|o| {
                (
                    o.protocol.clone(),
                    o.from_port.unwrap_or(-1),
                    o.to_port.unwrap_or(-1),
                )
            })
            .collect()
    }

    fn tcp(ranges: &[(i32, i32)]) -> Open {
        ranges
            .iter()
            .map(|(a, b)| (IpProtocol::Tcp, *a, *b))
            .collect()
    }

    fn vm_exposure(rs: Vec<Resource>) -> Option<Exposure> {
        let inv = build(rs);
        let ex = exposures(&inv);
        assert!(ex.len() <= 1, "{ex:?}");
        ex.into_iter().next()
    }

    fn ssh_from(source: &str) -> Vec<NsgRule> {
        vec![nsg_rule("ssh", 100, "Allow", "Tcp", &[source], &["22"])]
    }

    #[test]
    fn subnet_nsg_allowing_ssh_exposes_the_vm_on_22_only() {
        let e = vm_exposure(az_exposed_vm(Some(ssh_from("Internet")), None)).unwrap();
        assert_eq!(e.resource, vm_id("vm1"));
        assert_eq!(e.public_ip, "203.0.113.1");
        assert_eq!(open(&e), tcp(&[(22, 22)]));
        assert!(e.open_ingress.iter().all(|o| o.source == WORLD_IPV4));
        assert_eq!(e.open_ingress[0].via, nsg_id("subnet-nsg"));
        let inv = build(az_exposed_vm(Some(ssh_from("Internet")), None));
        let kinds: Vec<ResourceKind> = e.full_path(&inv).iter().map(|h| h.kind).collect();
        assert_eq!(
            kinds,
            [
                ResourceKind::AzureNetworkPublicIpAddress,
                ResourceKind::AzureNetworkSubnet,
                ResourceKind::AzureNetworkSecurityGroup,
                ResourceKind::AzureNetworkInterface,
                ResourceKind::AzureComputeVirtualMachine,
            ]
        );
        // Every internet spelling counts; a corporate range does not.
        for s in ["*", "Any", "0.0.0.0/0", "0.0.0.0", "internet"] {
            assert!(
                vm_exposure(az_exposed_vm(Some(ssh_from(s)), None)).is_some(),
                "{s}"
            );
        }
        assert!(vm_exposure(az_exposed_vm(Some(ssh_from("10.0.0.0/8")), None)).is_none());
        let v6 = vm_exposure(az_exposed_vm(Some(ssh_from("::/0")), None)).unwrap();
        assert_eq!(v6.open_ingress[0].source, WORLD_IPV6);
    }

    #[test]
    fn both_nsgs_must_allow() {
        // The subnet's NSG has no allow (its default rules deny); the NIC's allows.
        assert!(vm_exposure(az_exposed_vm(Some(vec![]), Some(ssh_from("*")))).is_none());
        // The NIC's denies ahead of nothing: the subnet's allow is not enough.
        let deny = vec![nsg_rule("deny", 100, "Deny", "Tcp", &["*"], &["22"])];
        assert!(vm_exposure(az_exposed_vm(Some(ssh_from("*")), Some(deny))).is_none());
        // Both allow: exposed through both, the NIC's NSG is `via`, the subnet's in the path.
        let e = vm_exposure(az_exposed_vm(
            Some(ssh_from("*")),
            Some(ssh_from("Internet")),
        ))
        .unwrap();
        assert_eq!(open(&e), tcp(&[(22, 22)]));
        assert_eq!(e.open_ingress[0].via, nsg_id("nic-nsg"));
        let inv = build(az_exposed_vm(
            Some(ssh_from("*")),
            Some(ssh_from("Internet")),
        ));
        let path: Vec<ResourceId> = e.full_path(&inv).into_iter().map(|h| h.id).collect();
        assert_eq!(
            path,
            [
                pip_id("pip1"),
                subnet_id("vnet1", "default"),
                nsg_id("subnet-nsg"),
                nsg_id("nic-nsg"),
                nic_id("vm1-nic"),
                vm_id("vm1")
            ]
        );
        // Only the intersection is open: subnet 20-25, NIC 22-30.
        let e = vm_exposure(az_exposed_vm(
            Some(vec![nsg_rule("a", 100, "Allow", "Tcp", &["*"], &["20-25"])]),
            Some(vec![nsg_rule("b", 100, "Allow", "Tcp", &["*"], &["22-30"])]),
        ))
        .unwrap();
        assert_eq!(open(&e), tcp(&[(22, 25)]));
    }

    #[test]
    fn a_deny_with_a_lower_number_shadows_a_wider_allow() {
        let rules = vec![
            nsg_rule("allow-all", 200, "Allow", "Tcp", &["Internet"], &["*"]),
            nsg_rule("deny-ssh", 100, "Deny", "Tcp", &["*"], &["22"]),
        ];
        let e = vm_exposure(az_exposed_vm(None, Some(rules))).unwrap();
        assert_eq!(open(&e), tcp(&[(0, 21), (23, 65535)]));
        // The same deny after the allow changes nothing.
        let rules = vec![
            nsg_rule("allow-all", 100, "Allow", "Tcp", &["Internet"], &["*"]),
            nsg_rule("deny-ssh", 200, "Deny", "Tcp", &["*"], &["22"]),
        ];
        let e = vm_exposure(az_exposed_vm(None, Some(rules))).unwrap();
        assert_eq!(open(&e), tcp(&[(0, 65535)]));
    }

    #[test]
    fn port_lists_ranges_and_any_protocol() {
        let rules = vec![nsg_rule(
            "web",
            100,
            "Allow",
            "Tcp",
            &["*"],
            &["443", "80-90", "22"],
        )];
        let e = vm_exposure(az_exposed_vm(None, Some(rules))).unwrap();
        assert_eq!(open(&e), tcp(&[(22, 22), (80, 90), (443, 443)]));
        // `*` protocol and ports: every TCP and UDP port.
        let rules = vec![nsg_rule("all", 100, "Allow", "*", &["*"], &["*"])];
        let e = vm_exposure(az_exposed_vm(None, Some(rules))).unwrap();
        assert_eq!(
            open(&e),
            vec![(IpProtocol::Tcp, 0, 65535), (IpProtocol::Udp, 0, 65535)]
        );
        assert!(e.open_ingress[0].covers_tcp_port(3389));
        // UDP only.
        let rules = vec![nsg_rule("dns", 100, "Allow", "Udp", &["*"], &["53"])];
        let e = vm_exposure(az_exposed_vm(None, Some(rules))).unwrap();
        assert_eq!(open(&e), vec![(IpProtocol::Udp, 53, 53)]);
        assert!(!e.open_ingress[0].covers_tcp_port(53));
    }

    #[test]
    fn missing_and_unknown_nsgs() {
        // No NSG anywhere: a Standard public IP is closed, a Basic one open.
        assert!(vm_exposure(az_exposed_vm(None, None)).is_none());
        let mut rs = az_exposed_vm(None, None);
        for r in &mut rs {
            if let Properties::AzureNetworkPublicIpAddress(p) = &mut r.properties {
                p.sku_name = Some(PublicIpSkuName::Basic);
            }
        }
        let e = vm_exposure(rs).unwrap();
        assert_eq!(
            open(&e),
            vec![(IpProtocol::Tcp, 0, 65535), (IpProtocol::Udp, 0, 65535)]
        );
        assert_eq!(e.open_ingress[0].via, vm_id("vm1"), "nothing filters");
        // The subnet's NSG allows and the NIC has none: the missing one allows.
        assert!(vm_exposure(az_exposed_vm(Some(ssh_from("*")), None)).is_some());
        // A configured NSG the scan did not see is unknown and hides nothing.
        let mut rs = az_exposed_vm(None, Some(vec![]));
        rs.retain(|r| r.id != nsg_id("nic-nsg"));
        let e = vm_exposure(rs).unwrap();
        assert_eq!(e.open_ingress[0].via, nsg_id("nic-nsg"));
        assert_eq!(open(&e).len(), 2);
        // No public IP on the NIC, or the public IP not in the inventory: not exposed.
        let mut rs = az_exposed_vm(None, Some(ssh_from("*")));
        rs.retain(|r| r.id != pip_id("pip1"));
        assert!(vm_exposure(rs).is_none());
    }

    #[test]
    fn destinations_and_power_state() {
        // An allow for another host's address does not expose this one.
        let mut r = nsg_rule("ssh", 100, "Allow", "Tcp", &["*"], &["22"]);
        r.destination_address_prefixes = vec!["10.0.2.0/24".into()];
        assert!(vm_exposure(az_exposed_vm(None, Some(vec![r.clone()]))).is_none());
        r.destination_address_prefixes = vec!["10.0.1.4".into()];
        assert!(vm_exposure(az_exposed_vm(None, Some(vec![r]))).is_some());
        // Deallocated VMs keep their exposure (one start away).
        let mut rs = az_exposed_vm(None, Some(ssh_from("*")));
        for r in &mut rs {
            if let Properties::AzureComputeVirtualMachine(vm) = &mut r.properties {
                vm.power_state = Some(PowerState::Deallocated);
            }
        }
        assert!(vm_exposure(rs).is_some());
    }

    fn lb_estate(nic_rules: Vec<NsgRule>, f: impl FnOnce(&mut AzureLoadBalancer)) -> Vec<Exposure> {
        let mut rs = az_network(None);
        rs.push(az_nsg("nic-nsg", nic_rules));
        for vm in ["web1", "web2"] {
            let nic = format!("{vm}-nic");
            rs.push(az_nic(&nic, vm, |n| {
                n.network_security_group = Some(nsg_id("nic-nsg"));
                n.ip_configurations[0].load_balancer_backend_pools =
                    vec![lb_child("lb1", "backendAddressPools", "be")];
            }));
            rs.push(az_vm(vm, |_| {}));
        }
        rs.push(az_public_ip(
            "lb-pip",
            9,
            Some(lb_child("lb1", "frontendIPConfigurations", "fe")),
            |_| {},
        ));
        rs.push(az_lb(
            "lb1",
            "lb-pip",
            &["web1-nic", "web2-nic"],
            80,
            8080,
            f,
        ));
        exposures(&build(rs))
    }

    #[test]
    fn a_public_load_balancer_is_exposed_on_rule_ports_its_backends_admit() {
        let ex = lb_estate(
            vec![nsg_rule(
                "app",
                100,
                "Allow",
                "Tcp",
                &["Internet"],
                &["8080"],
            )],
            |_| {},
        );
        assert_eq!(ex.len(), 1, "{ex:?}");
        let e = &ex[0];
        assert_eq!(e.resource, lb_id("lb1"));
        assert_eq!(e.public_ip, "203.0.113.9");
        assert_eq!(open(e), tcp(&[(80, 80)]));
        assert_eq!(e.network_path[0].id, pip_id("lb-pip"));
        let kinds: Vec<Vec<ResourceKind>> = e
            .downstream
            .iter()
            .map(|p| p.iter().map(|h| h.kind).collect())
            .collect();
        assert_eq!(kinds.len(), 2);
        assert_eq!(
            kinds[0],
            [
                ResourceKind::AzureNetworkSecurityGroup,
                ResourceKind::AzureNetworkInterface,
                ResourceKind::AzureComputeVirtualMachine
            ]
        );
        assert_eq!(e.downstream[1][2].id, vm_id("web2"));
        // The NSGs admit 22 only: the rule's backend port 8080 is closed.
        assert!(lb_estate(
            vec![nsg_rule("ssh", 100, "Allow", "Tcp", &["*"], &["22"])],
            |_| {}
        )
        .is_empty());
        // An inbound NAT rule 50001 -> 22 opens 50001.
        let ex = lb_estate(
            vec![nsg_rule("ssh", 100, "Allow", "Tcp", &["*"], &["22"])],
            |lb| {
                lb.inbound_nat_rules.push(crate::model::LbNatRule {
                    name: "ssh-web1".into(),
                    frontend: Some(lb_child("lb1", "frontendIPConfigurations", "fe")),
                    protocol: LbProtocol::Tcp,
                    frontend_port_from: Some(50001),
                    frontend_port_to: None,
                    backend_port: Some(22),
                    backend_ip_configuration: Some(ipconfig_id("web1-nic")),
                    backend_pool: None,
                });
            },
        );
        assert_eq!(open(&ex[0]), tcp(&[(50001, 50001)]));
        assert_eq!(ex[0].downstream.len(), 1);
        // No public frontend: not exposed.
        assert!(lb_estate(
            vec![nsg_rule("app", 100, "Allow", "Tcp", &["*"], &["8080"])],
            |lb| lb.frontend_ip_configurations[0].public_ip = None
        )
        .is_empty());
    }

    #[test]
    fn azure_edges() {
        let mut rs = az_exposed_vm(Some(vec![]), Some(vec![]));
        rs.push(az_subscription());
        rs.push(az_resource_group());
        rs.push(az_disk("os", |d| {
            d.managed_by = Some(vm_id("vm1"));
            d.disk_state = Some(crate::model::DiskState::Attached);
        }));
        rs.push(az_snapshot("snap", |s| s.source_disk = Some(disk_id("os"))));
        let inv = build(rs);
        let out = |id: &ResourceId, e| -> Vec<ResourceId> {
            inv.neighbors(id, e, Direction::Outgoing)
                .into_iter()
                .map(|r| r.id.clone())
                .collect()
        };
        let sub: ResourceId = format!("/subscriptions/{SUBSCRIPTION}").parse().unwrap();
        let rg = vm_id("vm1").azure_resource_group_id().unwrap();
        assert_eq!(out(&sub, EdgeKind::Contains), std::slice::from_ref(&rg));
        // The group holds every top-level resource, not the subnet (its VNet does).
        let in_rg = out(&rg, EdgeKind::Contains);
        assert_eq!(in_rg.len(), 8, "{in_rg:?}");
        assert!(!in_rg.contains(&subnet_id("vnet1", "default")));
        assert_eq!(
            out(&vnet_id("vnet1"), EdgeKind::Contains),
            [subnet_id("vnet1", "default")]
        );
        assert_eq!(
            out(&subnet_id("vnet1", "default"), EdgeKind::Contains),
            [nic_id("vm1-nic")]
        );
        assert_eq!(
            out(&subnet_id("vnet1", "default"), EdgeKind::SecuredBy),
            [nsg_id("subnet-nsg")]
        );
        assert_eq!(
            out(&nic_id("vm1-nic"), EdgeKind::SecuredBy),
            [nsg_id("nic-nsg")]
        );
        assert_eq!(
            out(&nic_id("vm1-nic"), EdgeKind::AttachedTo),
            [vm_id("vm1")]
        );
        assert_eq!(
            out(&pip_id("pip1"), EdgeKind::AttachedTo),
            [nic_id("vm1-nic")]
        );
        assert_eq!(out(&disk_id("os"), EdgeKind::AttachedTo), [vm_id("vm1")]);
        assert_eq!(
            out(&snapshot_id("snap"), EdgeKind::DerivedFrom),
            [disk_id("os")]
        );
        assert!(inv.dangling().is_empty(), "{:?}", inv.dangling());
    }
}
