//! Facts derived from the topology, shared by every rule that needs them.
//!
//! Internet exposure of an AWS instance, hop by hop the way a packet from the internet
//! travels: internet gateway -> the subnet's *effective* route table (its explicit
//! association, else the VPC's main table) with a `0.0.0.0/0` route to that gateway -> the
//! subnet -> its network ACL -> the security groups of the network interface that holds the
//! public IP -> that interface -> the instance. The fact carries the path and the world-open
//! security-group permissions *clipped to what the network ACL lets through end to end*
//! (inbound from the world on the port, and outbound back to the world on some ephemeral
//! port, 1024-65535, because ACLs are stateless), so a rule can explain *why* something is
//! exposed and on which ports.
//!
//! An internet-facing load balancer is exposed the same way up to its security groups (an NLB
//! without groups admits what its listeners accept), narrowed to its listener ports; its
//! exposure also lists, per listener, the target groups and instances it forwards to
//! ([`Exposure::downstream`]).
//!
//! Unknown parts do not hide exposure: when the subnet's network ACL or the instance's
//! interfaces are not in the inventory (their scope failed or was not collected), the ACL is
//! not applied and the instance's own subnet, groups and public IP stand in for the
//! interface's; the path then lacks those hops.
//!
//! Azure VMs and public load balancers are exposed through public IPs and NSGs in the same
//! shape; see [`azure`] for how.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{Direction, EdgeKind, Inventory};
use crate::kind::ResourceKind;
use crate::model::aws_ec2_network_acl::merge_ranges;
use crate::model::{
    AzureLoadBalancer, AzureVirtualMachine, DbInstance, DbInstanceStatus, ElbProtocol, Instance,
    InstanceState, IpFamily, IpProtocol, Listener, LoadBalancer, LoadBalancerScheme,
    LoadBalancerState, NetworkAcl, NetworkInterface, Permission, RouteTable, SecurityGroup, Subnet,
    TargetGroup, WORLD_IPV4,
};

mod azure;

pub use azure::{azure_load_balancer_exposure, azure_vm_exposure};

/// Client ports return traffic goes back to (IANA/Linux/Windows ephemeral ranges all lie in it).
const EPHEMERAL: (u16, u16) = (1024, 65535);

/// One step of an exposure path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub id: ResourceId,
    pub kind: ResourceKind,
}

/// A world-open ingress permission through which the resource is reachable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenIngress {
    /// The security group (or NSG) that allows it.
    pub via: ResourceId,
    pub protocol: IpProtocol,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    /// `0.0.0.0/0` or `::/0`.
    pub source: String,
}

impl OpenIngress {
    pub fn covers_tcp_port(&self, port: u16) -> bool {
        let p = Permission {
            protocol: self.protocol.clone(),
            from_port: self.from_port,
            to_port: self.to_port,
            ipv4_ranges: vec![],
            ipv6_ranges: vec![],
            prefix_lists: vec![],
            referenced_groups: vec![],
        };
        p.covers_tcp_port(port)
    }
}

/// Internet exposure of one compute resource. Same shape for every provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    pub resource: ResourceId,
    pub public_ip: String,
    /// Internet-facing edge of the path: gateway -> route table -> subnet -> network ACL (AWS).
    pub network_path: Vec<Hop>,
    /// The network interface that holds the public IP (between the security group and the
    /// resource in [`Exposure::path_via`]), when interfaces are in the inventory.
    #[serde(default)]
    pub interface: Option<Hop>,
    /// World-open permissions, each narrowed to the ports that are open end to end (a
    /// permission the network ACL blocks entirely is absent; one it lets through on two
    /// port ranges appears twice).
    pub open_ingress: Vec<OpenIngress>,
    /// For a load balancer: listener -> target group -> target, one path per registered
    /// instance target it forwards to (the resources reachable through it).
    #[serde(default)]
    pub downstream: Vec<Vec<Hop>>,
}

impl Exposure {
    /// The full path through one filtering resource (security group / NSG) to the target.
    pub fn path_via(
        &self,
        via: &ResourceId,
        via_kind: ResourceKind,
        target_kind: ResourceKind,
    ) -> Vec<Hop> {
        let mut p = self.network_path.clone();
        // A load balancer without security groups filters by its listeners: no extra hop.
        if via != &self.resource {
            p.push(Hop {
                id: via.clone(),
                kind: via_kind,
            });
        }
        p.extend(self.interface.clone());
        p.push(Hop {
            id: self.resource.clone(),
            kind: target_kind,
        });
        p
    }
}

impl Exposure {
    /// The explained path: [`Exposure::path_via`] the first (by id) filtering resource that
    /// admits traffic from `0.0.0.0/0`, else the first of any world-open permission.
    pub fn full_path(&self, inv: &Inventory) -> Vec<Hop> {
        let via = self
            .open_ingress
            .iter()
            .filter(|o| o.source == WORLD_IPV4)
            .map(|o| &o.via)
            .min()
            .or_else(|| self.open_ingress.iter().map(|o| &o.via).min());
        let azure = self.resource.is_azure();
        let target = inv.get(&self.resource).map_or(
            if azure {
                ResourceKind::AzureComputeVirtualMachine
            } else {
                ResourceKind::AwsEc2Instance
            },
            |r| r.kind(),
        );
        match via {
            Some(via) => {
                let via_kind = inv.get(via).map_or(
                    if azure {
                        ResourceKind::AzureNetworkSecurityGroup
                    } else {
                        ResourceKind::AwsEc2SecurityGroup
                    },
                    |r| r.kind(),
                );
                self.path_via(via, via_kind, target)
            }
            None => self.network_path.clone(),
        }
    }
}

/// The route table in effect for a subnet: its explicit association, else the VPC's main table.
pub fn effective_route_table<'a>(
    inv: &'a Inventory,
    subnet_id: &ResourceId,
) -> Option<(&'a ResourceId, &'a RouteTable)> {
    if let Some((r, rt)) = inv
        .neighbors_of::<RouteTable>(subnet_id, EdgeKind::AssociatedWith, Direction::Incoming)
        .into_iter()
        .next()
    {
        return Some((&r.id, rt));
    }
    let subnet = inv.get(subnet_id)?.model::<Subnet>()?;
    inv.neighbors_of::<RouteTable>(&subnet.vpc, EdgeKind::AssociatedWith, Direction::Incoming)
        .into_iter()
        .find(|(_, rt)| rt.main)
        .map(|(r, rt)| (&r.id, rt))
}

/// The network ACL associated with a subnet, if it is in the inventory.
pub fn subnet_network_acl<'a>(
    inv: &'a Inventory,
    subnet_id: &ResourceId,
) -> Option<(&'a ResourceId, &'a NetworkAcl)> {
    inv.neighbors_of::<NetworkAcl>(subnet_id, EdgeKind::AssociatedWith, Direction::Incoming)
        .into_iter()
        .next()
        .map(|(r, a)| (&r.id, a))
}

/// The instance's interface that carries `public_ip` (else its primary one), if any of its
/// interfaces is in the inventory.
fn public_interface<'a>(
    inv: &'a Inventory,
    instance_id: &ResourceId,
    public_ip: &str,
) -> Option<(&'a ResourceId, &'a NetworkInterface)> {
    let enis = inv.neighbors_of::<NetworkInterface>(
        instance_id,
        EdgeKind::AttachedTo,
        Direction::Incoming,
    );
    let primary = |e: &NetworkInterface| {
        e.attachment
            .as_ref()
            .and_then(|a| a.device_index)
            .unwrap_or(i32::MAX)
    };
    enis.iter()
        .find(|(_, e)| e.public_ip.as_deref() == Some(public_ip))
        .or_else(|| enis.iter().min_by_key(|(_, e)| primary(e)))
        .map(|(r, e)| (&r.id, *e))
}

/// `permission`'s world source `source` narrowed to what `acl` lets through both ways: the
/// parts of its port range open inbound from the world, provided return traffic can leave
/// to the world on some ephemeral port. No ACL: the permission as it is.
fn through_acl(
    via: &ResourceId,
    p: &Permission,
    source: &str,
    acl: Option<&NetworkAcl>,
) -> Vec<OpenIngress> {
    let whole = || OpenIngress {
        via: via.clone(),
        protocol: p.protocol.clone(),
        from_port: p.from_port,
        to_port: p.to_port,
        source: source.to_string(),
    };
    let Some(acl) = acl else {
        return vec![whole()];
    };
    let family = if source == WORLD_IPV4 {
        IpFamily::Ipv4
    } else {
        IpFamily::Ipv6
    };
    let ported = |proto: &IpProtocol, from: u16, to: u16| -> Vec<(u16, u16)> {
        let back = acl.world_port_ranges(true, proto, family);
        if !back
            .iter()
            .any(|(a, b)| *a <= EPHEMERAL.1 && *b >= EPHEMERAL.0)
        {
            return Vec::new();
        }
        acl.world_port_ranges(false, proto, family)
            .into_iter()
            .filter_map(|(a, b)| {
                let (lo, hi) = (a.max(from), b.min(to));
                (lo <= hi).then_some((lo, hi))
            })
            .collect()
    };
    let narrowed = |proto: IpProtocol, ranges: Vec<(u16, u16)>| -> Vec<OpenIngress> {
        merge_ranges(ranges)
            .into_iter()
            .map(|(lo, hi)| OpenIngress {
                via: via.clone(),
                protocol: proto.clone(),
                from_port: Some(i32::from(lo)),
                to_port: Some(i32::from(hi)),
                source: source.to_string(),
            })
            .collect()
    };
    let span = |p: &Permission| {
        let lo = p.from_port.unwrap_or(0).clamp(0, 65535) as u16;
        let hi = p.to_port.unwrap_or(65535).clamp(0, 65535) as u16;
        (lo, hi)
    };
    match &p.protocol {
        IpProtocol::Tcp | IpProtocol::Udp => {
            let (lo, hi) = span(p);
            narrowed(p.protocol.clone(), ported(&p.protocol, lo, hi))
        }
        IpProtocol::All => {
            let tcp = ported(&IpProtocol::Tcp, 0, 65535);
            let udp = ported(&IpProtocol::Udp, 0, 65535);
            let full = vec![(0, 65535)];
            let others = acl.world_allows_protocol(false, &IpProtocol::Icmp, family)
                && acl.world_allows_protocol(true, &IpProtocol::Icmp, family);
            if tcp == full && udp == full && others {
                vec![whole()]
            } else {
                let mut v = narrowed(IpProtocol::Tcp, tcp);
                v.extend(narrowed(IpProtocol::Udp, udp));
                v
            }
        }
        other => {
            if acl.world_allows_protocol(false, other, family)
                && acl.world_allows_protocol(true, other, family)
            {
                vec![whole()]
            } else {
                Vec::new()
            }
        }
    }
}

/// The internet-facing edge of a path: gateway -> route table -> subnet [-> network ACL].
fn internet_edge(
    igw: &ResourceId,
    route_table: &ResourceId,
    subnet: &ResourceId,
    acl: Option<&ResourceId>,
) -> Vec<Hop> {
    let hop = |id: &ResourceId, kind| Hop {
        id: id.clone(),
        kind,
    };
    let mut path = vec![
        hop(igw, ResourceKind::AwsEc2InternetGateway),
        hop(route_table, ResourceKind::AwsEc2RouteTable),
        hop(subnet, ResourceKind::AwsEc2Subnet),
    ];
    path.extend(acl.map(|a| hop(a, ResourceKind::AwsEc2NetworkAcl)));
    path
}

/// Internet exposure of one EC2 instance, if it has any.
pub fn aws_instance_exposure(
    inv: &Inventory,
    id: &ResourceId,
    instance: &Instance,
) -> Option<Exposure> {
    if instance.state != InstanceState::Running {
        return None;
    }
    let public_ip = instance.public_ip.clone()?;
    let eni = public_interface(inv, id, &public_ip);
    let subnet = eni
        .and_then(|(_, e)| e.subnet.as_ref())
        .or(instance.subnet.as_ref())?;
    inv.get(subnet)?;
    let (rt_id, rt) = effective_route_table(inv, subnet)?;
    let igw = rt.internet_gateway_route()?;
    // The gateway must exist in the inventory; a route to a vanished gateway is a blackhole.
    inv.get(igw)?;
    let acl = subnet_network_acl(inv, subnet);
    let groups: Vec<(&ResourceId, &SecurityGroup)> = match eni {
        Some((eni_id, _)) => inv
            .neighbors_of::<SecurityGroup>(eni_id, EdgeKind::SecuredBy, Direction::Outgoing)
            .into_iter()
            .map(|(r, g)| (&r.id, g))
            .collect(),
        None => inv
            .neighbors_of::<SecurityGroup>(id, EdgeKind::SecuredBy, Direction::Outgoing)
            .into_iter()
            .map(|(r, g)| (&r.id, g))
            .collect(),
    };
    let mut open_ingress = Vec::new();
    for (sg_id, sg) in groups {
        for p in &sg.ingress {
            for src in p.world_sources() {
                open_ingress.extend(through_acl(sg_id, p, src, acl.map(|(_, a)| a)));
            }
        }
    }
    if open_ingress.is_empty() {
        return None;
    }
    let network_path = internet_edge(igw, rt_id, subnet, acl.map(|(a, _)| a));
    Some(Exposure {
        resource: id.clone(),
        public_ip,
        network_path,
        interface: eni.map(|(eni_id, _)| Hop {
            id: eni_id.clone(),
            kind: ResourceKind::AwsEc2NetworkInterface,
        }),
        open_ingress,
        downstream: Vec::new(),
    })
}

/// Internet exposure of a publicly accessible RDS instance: its endpoint resolves to a
/// public address in one of its subnet group's subnets, so the path is internet gateway ->
/// route table -> subnet -> network ACL -> its security groups -> the instance, and only
/// the endpoint's TCP port counts (the database listens on nothing else). The first subnet
/// (by id) with a route to an inventoried internet gateway is the one shown.
pub fn aws_db_instance_exposure(
    inv: &Inventory,
    id: &ResourceId,
    db: &DbInstance,
) -> Option<Exposure> {
    if !db.publicly_accessible || db.status != DbInstanceStatus::Available {
        return None;
    }
    let port = u16::try_from(db.endpoint_port?).ok()?;
    let mut subnets: Vec<&ResourceId> = db.subnets.iter().collect();
    subnets.sort();
    let (subnet, rt_id, igw) = subnets.into_iter().find_map(|sn| {
        inv.get(sn)?;
        let (rt_id, rt) = effective_route_table(inv, sn)?;
        let igw = rt.internet_gateway_route()?;
        inv.get(igw)?;
        Some((sn, rt_id, igw))
    })?;
    let acl = subnet_network_acl(inv, subnet);
    let mut open_ingress = Vec::new();
    for sg_id in &db.security_groups {
        let Some(sg) = inv.get(sg_id).and_then(|r| r.model::<SecurityGroup>()) else {
            continue;
        };
        for p in &sg.ingress {
            for src in p.world_sources() {
                open_ingress.extend(
                    through_acl(sg_id, p, src, acl.map(|(_, a)| a))
                        .into_iter()
                        .filter(|o| admits(o, &IpProtocol::Tcp, port))
                        .map(|o| OpenIngress {
                            protocol: IpProtocol::Tcp,
                            from_port: Some(i32::from(port)),
                            to_port: Some(i32::from(port)),
                            ..o
                        }),
                );
            }
        }
    }
    if open_ingress.is_empty() {
        return None;
    }
    Some(Exposure {
        resource: id.clone(),
        public_ip: db.endpoint_address.clone().unwrap_or_default(),
        network_path: internet_edge(igw, rt_id, subnet, acl.map(|(a, _)| a)),
        interface: None,
        open_ingress,
        downstream: Vec::new(),
    })
}

/// The transport protocols of a listener.
fn listener_protocols(p: ElbProtocol) -> &'static [IpProtocol] {
    match p {
        ElbProtocol::Http | ElbProtocol::Https | ElbProtocol::Tcp | ElbProtocol::Tls => {
            &[IpProtocol::Tcp]
        }
        ElbProtocol::Udp => &[IpProtocol::Udp],
        ElbProtocol::TcpUdp => &[IpProtocol::Tcp, IpProtocol::Udp],
        ElbProtocol::Geneve | ElbProtocol::Unknown => &[],
    }
}

/// Whether `o` admits `protocol` traffic to `port`.
fn admits(o: &OpenIngress, protocol: &IpProtocol, port: u16) -> bool {
    let p = i32::from(port);
    (o.protocol == IpProtocol::All || &o.protocol == protocol)
        && o.from_port.is_none_or(|f| f <= p)
        && o.to_port.is_none_or(|t| p <= t)
}

/// Internet exposure of an internet-facing, active ELBv2 load balancer, if it has any.
pub fn aws_load_balancer_exposure(
    inv: &Inventory,
    id: &ResourceId,
    lb: &LoadBalancer,
) -> Option<Exposure> {
    if lb.scheme != LoadBalancerScheme::InternetFacing
        || !matches!(
            lb.state,
            LoadBalancerState::Active | LoadBalancerState::ActiveImpaired
        )
    {
        return None;
    }
    // The first of its subnets (by id) routed to an internet gateway.
    let mut subnets: Vec<&ResourceId> = lb.subnets.iter().collect();
    subnets.sort();
    let (subnet, rt_id, igw) = subnets.into_iter().find_map(|s| {
        inv.get(s)?;
        let (rt_id, rt) = effective_route_table(inv, s)?;
        let igw = rt.internet_gateway_route()?;
        inv.get(igw)?;
        Some((s, rt_id, igw))
    })?;
    let acl = subnet_network_acl(inv, subnet);
    let mut listeners =
        inv.neighbors_of::<Listener>(id, EdgeKind::AssociatedWith, Direction::Incoming);
    listeners.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let ports: Vec<(IpProtocol, u16)> = listeners
        .iter()
        .filter_map(|(_, l)| Some((l, u16::try_from(l.port?).ok()?)))
        .flat_map(|(l, port)| {
            listener_protocols(l.protocol)
                .iter()
                .map(move |p| (p.clone(), port))
        })
        .collect();
    let mut open_ingress: Vec<OpenIngress> = Vec::new();
    let acl_model = acl.map(|(_, a)| a);
    if lb.security_groups.is_empty() {
        // No security groups (an NLB): its listeners take traffic from anywhere.
        for (protocol, port) in &ports {
            let p = Permission {
                protocol: protocol.clone(),
                from_port: Some(i32::from(*port)),
                to_port: Some(i32::from(*port)),
                ipv4_ranges: vec![WORLD_IPV4.to_string()],
                ipv6_ranges: vec![],
                prefix_lists: vec![],
                referenced_groups: vec![],
            };
            open_ingress.extend(through_acl(id, &p, WORLD_IPV4, acl_model));
        }
    } else {
        for (sg, g) in
            inv.neighbors_of::<SecurityGroup>(id, EdgeKind::SecuredBy, Direction::Outgoing)
        {
            for p in &g.ingress {
                for src in p.world_sources() {
                    for o in through_acl(&sg.id, p, src, acl_model) {
                        for (protocol, port) in &ports {
                            if admits(&o, protocol, *port) {
                                open_ingress.push(OpenIngress {
                                    via: o.via.clone(),
                                    protocol: protocol.clone(),
                                    from_port: Some(i32::from(*port)),
                                    to_port: Some(i32::from(*port)),
                                    source: o.source.clone(),
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    open_ingress.sort_by(|a, b| {
        (&a.via, &a.source, a.from_port, format!("{:?}", a.protocol)).cmp(&(
            &b.via,
            &b.source,
            b.from_port,
            format!("{:?}", b.protocol),
        ))
    });
    open_ingress.dedup();
    if open_ingress.is_empty() {
        return None;
    }
    let mut downstream = Vec::new();
    for (l, listener) in &listeners {
        for tg_id in listener.target_groups() {
            let Some(tg) = inv.get(tg_id).and_then(|r| r.model::<TargetGroup>()) else {
                continue;
            };
            for i in tg.targets.iter().filter_map(|t| t.instance.as_ref()) {
                if inv.get(i).is_some() {
                    downstream.push(vec![
                        Hop {
                            id: l.id.clone(),
                            kind: ResourceKind::AwsElbv2Listener,
                        },
                        Hop {
                            id: tg_id.clone(),
                            kind: ResourceKind::AwsElbv2TargetGroup,
                        },
                        Hop {
                            id: i.clone(),
                            kind: ResourceKind::AwsEc2Instance,
                        },
                    ]);
                }
            }
        }
    }
    downstream.sort_by(|a, b| a.iter().map(|h| &h.id).cmp(b.iter().map(|h| &h.id)));
    downstream.dedup();
    let network_path = internet_edge(igw, rt_id, subnet, acl.map(|(a, _)| a));
    Some(Exposure {
        resource: id.clone(),
        public_ip: lb.dns_name.clone().unwrap_or_default(),
        network_path,
        interface: None,
        open_ingress,
        downstream,
    })
}

/// Every internet exposure in the inventory, ordered by resource id.
pub fn exposures(inv: &Inventory) -> Vec<Exposure> {
    let mut out: Vec<Exposure> = inv
        .of_kind::<Instance>()
        .filter_map(|(r, i)| aws_instance_exposure(inv, &r.id, i))
        .chain(
            inv.of_kind::<LoadBalancer>()
                .filter_map(|(r, lb)| aws_load_balancer_exposure(inv, &r.id, lb)),
        )
        .chain(
            inv.of_kind::<DbInstance>()
                .filter_map(|(r, db)| aws_db_instance_exposure(inv, &r.id, db)),
        )
        .chain(
            inv.of_kind::<AzureVirtualMachine>()
                .filter_map(|(r, vm)| azure_vm_exposure(inv, &r.id, vm)),
        )
        .chain(
            inv.of_kind::<AzureLoadBalancer>()
                .filter_map(|(r, lb)| azure_load_balancer_exposure(inv, &r.id, lb)),
        )
        .collect();
    out.sort_by(|a, b| a.resource.cmp(&b.resource));
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::inventory::InventoryBuilder;
    use crate::model::*;
    use crate::resource::Resource;
    use crate::testkit::{ec2_id as id, network, placed_instance, sg, sg_perm, volume};

    /// [`network`] plus one group open on 22 to the world and a running-or-not instance with
    /// a public IP in each subnet.
    pub(crate) fn estate(explicit_assoc: bool, state: InstanceState) -> Vec<Resource> {
        let mut rs = network(explicit_assoc);
        let mut group = sg(
            "sg-ssh",
            vec![sg_perm("tcp", Some(22), Some(22), &[WORLD_IPV4], &[])],
        );
        if let Properties::AwsEc2SecurityGroup(g) = &mut group.properties {
            g.vpc = Some(id("vpc", "vpc-1"));
        }
        rs.push(group);
        for (i, subnet) in [("i-pub", "subnet-pub"), ("i-priv", "subnet-priv")] {
            rs.push(placed_instance(i, subnet, &["sg-ssh"], |x| x.state = state));
        }
        rs
    }

    #[test]
    fn exposure_follows_explicit_association() {
        let mut b = InventoryBuilder::new();
        b.extend(estate(true, InstanceState::Running));
        let inv = b.build();
        let ex = exposures(&inv);
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].resource, id("instance", "i-pub"));
        let hops = ex[0].path_via(
            &id("security-group", "sg-ssh"),
            ResourceKind::AwsEc2SecurityGroup,
            ResourceKind::AwsEc2Instance,
        );
        let path: Vec<&str> = hops.iter().map(|h| h.id.short_id()).collect();
        assert_eq!(path, ["igw-1", "rtb-pub", "subnet-pub", "sg-ssh", "i-pub"]);
        assert!(ex[0].open_ingress[0].covers_tcp_port(22));
        assert!(!ex[0].open_ingress[0].covers_tcp_port(3389));
    }

    fn db(subnets: &[&str], groups: &[&str], public: bool) -> Resource {
        let arn: ResourceId = "arn:aws:rds:us-east-1:123456789012:db:db-1"
            .parse()
            .unwrap();
        crate::testkit::resource(
            arn,
            DbInstance {
                db_instance_identifier: "db-1".into(),
                engine: "postgres".into(),
                engine_version: None,
                instance_class: None,
                status: DbInstanceStatus::Available,
                publicly_accessible: public,
                storage_encrypted: true,
                kms_key: None,
                backup_retention_days: 7,
                multi_az: false,
                deletion_protection: true,
                auto_minor_version_upgrade: true,
                vpc: Some(id("vpc", "vpc-1")),
                subnets: subnets.iter().map(|s| id("subnet", s)).collect(),
                security_groups: groups.iter().map(|g| id("security-group", g)).collect(),
                endpoint_address: Some("db-1.abc.us-east-1.rds.amazonaws.com".into()),
                endpoint_port: Some(5432),
                created: None,
            },
        )
    }

    #[test]
    fn a_public_database_in_a_public_subnet_is_exposed_on_its_port_only() {
        let mut rs = network(true);
        rs.push(sg(
            "sg-db",
            vec![sg_perm("tcp", Some(0), Some(65535), &[WORLD_IPV4], &[])],
        ));
        rs.push(db(&["subnet-priv", "subnet-pub"], &["sg-db"], true));
        let mut b = InventoryBuilder::new();
        b.extend(rs);
        let inv = b.build();
        let ex = exposures(&inv);
        assert_eq!(ex.len(), 1);
        let e = &ex[0];
        assert_eq!(e.resource.short_id(), "db-1");
        assert_eq!(e.open_ingress.len(), 1);
        assert_eq!(
            (e.open_ingress[0].from_port, e.open_ingress[0].to_port),
            (Some(5432), Some(5432))
        );
        let hops = e.path_via(
            &id("security-group", "sg-db"),
            ResourceKind::AwsEc2SecurityGroup,
            ResourceKind::AwsRdsDbInstance,
        );
        let path: Vec<&str> = hops.iter().map(|h| h.id.short_id()).collect();
        assert_eq!(path, ["igw-1", "rtb-pub", "subnet-pub", "sg-db", "db-1"]);
    }

    #[test]
    fn private_or_closed_databases_are_not_exposed() {
        for (subnets, public, open) in [
            (&["subnet-pub"][..], false, true),
            (&["subnet-priv"][..], true, true),
            (&["subnet-pub"][..], true, false),
        ] {
            let mut rs = network(true);
            let ports = if open { (5432, 5432) } else { (22, 22) };
            rs.push(sg(
                "sg-db",
                vec![sg_perm(
                    "tcp",
                    Some(ports.0),
                    Some(ports.1),
                    &[WORLD_IPV4],
                    &[],
                )],
            ));
            rs.push(db(subnets, &["sg-db"], public));
            let mut b = InventoryBuilder::new();
            b.extend(rs);
            assert!(
                exposures(&b.build()).is_empty(),
                "{subnets:?} {public} {open}"
            );
        }
    }

    fn acl_on_pub(entries: Vec<AclEntry>) -> Resource {
        crate::testkit::resource(
            id("network-acl", "acl-pub"),
            NetworkAcl {
                network_acl_id: "acl-pub".into(),
                vpc: id("vpc", "vpc-1"),
                is_default: false,
                entries,
                subnets: vec![id("subnet", "subnet-pub")],
            },
        )
    }

    fn acl_entry(
        n: i32,
        egress: bool,
        proto: &str,
        ports: Option<(i32, i32)>,
        allow: bool,
    ) -> AclEntry {
        AclEntry {
            rule_number: n,
            egress,
            protocol: IpProtocol::parse(proto),
            action: if allow {
                AclAction::Allow
            } else {
                AclAction::Deny
            },
            cidr_ipv4: Some(WORLD_IPV4.into()),
            cidr_ipv6: None,
            port_range: ports.map(|(from, to)| PortRange { from, to }),
            icmp: None,
        }
    }

    fn eni(eni_id: &str, instance: &str, groups: &[&str]) -> Resource {
        crate::testkit::resource(
            id("network-interface", eni_id),
            NetworkInterface {
                network_interface_id: eni_id.into(),
                interface_type: InterfaceType::Interface,
                status: NetworkInterfaceStatus::InUse,
                requester_managed: false,
                requester_id: None,
                description: None,
                vpc: Some(id("vpc", "vpc-1")),
                subnet: Some(id("subnet", "subnet-pub")),
                availability_zone: None,
                security_groups: groups.iter().map(|g| id("security-group", g)).collect(),
                private_ips: vec!["10.0.0.5".into()],
                public_ip: Some("198.51.100.7".into()),
                attachment: Some(NetworkInterfaceAttachment {
                    instance: Some(id("instance", instance)),
                    instance_owner_id: None,
                    device_index: Some(0),
                    status: AttachmentStatus::Attached,
                    delete_on_termination: true,
                }),
            },
        )
    }

    fn exposed_with(extra: Vec<Resource>, sg_perms: Vec<Permission>) -> Vec<Exposure> {
        let mut rs = network(true);
        let mut group = sg("sg-web", sg_perms);
        if let Properties::AwsEc2SecurityGroup(g) = &mut group.properties {
            g.vpc = Some(id("vpc", "vpc-1"));
        }
        rs.push(group);
        rs.push(placed_instance("i-pub", "subnet-pub", &["sg-web"], |_| {}));
        rs.extend(extra);
        let mut b = InventoryBuilder::new();
        b.extend(rs);
        exposures(&b.build())
    }

    fn open(e: &Exposure) -> Vec<(IpProtocol, Option<i32>, Option<i32>)> {
        e.open_ingress
            .iter()
            .map(|o| (o.protocol.clone(), o.from_port, o.to_port))
            .collect()
    }

    #[test]
    fn the_network_acl_narrows_open_ports_end_to_end() {
        let all_tcp = || vec![sg_perm("tcp", Some(0), Some(65535), &[WORLD_IPV4], &[])];
        let egress_ok = acl_entry(100, true, "-1", None, true);
        // The ACL lets only 443 in: the 0-65535 permission is open on 443 alone.
        let ex = exposed_with(
            vec![acl_on_pub(vec![
                acl_entry(100, false, "6", Some((443, 443)), true),
                egress_ok.clone(),
            ])],
            all_tcp(),
        );
        assert_eq!(ex.len(), 1);
        assert_eq!(open(&ex[0]), vec![(IpProtocol::Tcp, Some(443), Some(443))]);
        assert!(!ex[0].open_ingress[0].covers_tcp_port(22));
        let kinds: Vec<ResourceKind> = ex[0].network_path.iter().map(|h| h.kind).collect();
        assert_eq!(kinds.last(), Some(&ResourceKind::AwsEc2NetworkAcl));
        // 22 denied ahead of an allow-all: everything but 22.
        let ex = exposed_with(
            vec![acl_on_pub(vec![
                acl_entry(50, false, "6", Some((22, 22)), false),
                acl_entry(100, false, "-1", None, true),
                egress_ok.clone(),
            ])],
            all_tcp(),
        );
        assert_eq!(
            open(&ex[0]),
            vec![
                (IpProtocol::Tcp, Some(0), Some(21)),
                (IpProtocol::Tcp, Some(23), Some(65535))
            ]
        );
        // The ACL blocks what the group opens: not exposed.
        let ssh = || vec![sg_perm("tcp", Some(22), Some(22), &[WORLD_IPV4], &[])];
        let ex = exposed_with(
            vec![acl_on_pub(vec![
                acl_entry(100, false, "6", Some((443, 443)), true),
                egress_ok,
            ])],
            ssh(),
        );
        assert!(ex.is_empty());
        // Inbound allowed but no way back out (stateless ACL): not exposed.
        let ex = exposed_with(
            vec![acl_on_pub(vec![
                acl_entry(100, false, "-1", None, true),
                acl_entry(100, true, "6", Some((443, 443)), true),
            ])],
            ssh(),
        );
        assert!(ex.is_empty());
        // An all-traffic permission behind an allow-everything ACL stays whole.
        let ex = exposed_with(
            vec![acl_on_pub(vec![
                acl_entry(100, false, "-1", None, true),
                acl_entry(100, true, "-1", None, true),
            ])],
            vec![sg_perm("-1", None, None, &[WORLD_IPV4], &[])],
        );
        assert_eq!(open(&ex[0]), vec![(IpProtocol::All, None, None)]);
    }

    #[test]
    fn the_path_runs_through_the_interface_and_its_groups() {
        // The interface's groups decide, not the instance's summary: sg-other (not open)
        // secures the ENI, so nothing is exposed although the instance lists sg-web.
        let mut other = sg("sg-other", vec![]);
        if let Properties::AwsEc2SecurityGroup(g) = &mut other.properties {
            g.vpc = Some(id("vpc", "vpc-1"));
        }
        let ssh = || vec![sg_perm("tcp", Some(22), Some(22), &[WORLD_IPV4], &[])];
        assert!(exposed_with(vec![other, eni("eni-1", "i-pub", &["sg-other"])], ssh()).is_empty());
        let ex = exposed_with(vec![eni("eni-1", "i-pub", &["sg-web"])], ssh());
        assert_eq!(ex.len(), 1);
        let hops = ex[0].path_via(
            &id("security-group", "sg-web"),
            ResourceKind::AwsEc2SecurityGroup,
            ResourceKind::AwsEc2Instance,
        );
        let path: Vec<&str> = hops.iter().map(|h| h.id.short_id()).collect();
        assert_eq!(
            path,
            ["igw-1", "rtb-pub", "subnet-pub", "sg-web", "eni-1", "i-pub"]
        );
    }

    /// [`network`] + instance `i-web` behind ALB `web` (in `subnet-pub`, group `sg-lb`
    /// with `lb_perms`) with one listener on `port` forwarding to target group `web`.
    fn lb_estate(
        lb_perms: Vec<Permission>,
        port: i32,
        f: impl FnOnce(&mut LoadBalancer),
    ) -> Vec<Exposure> {
        use crate::testkit::{elbv2_forward, elbv2_id, elbv2_lb, elbv2_listener, elbv2_tg};
        let mut rs = network(true);
        let mut group = sg("sg-lb", lb_perms);
        if let Properties::AwsEc2SecurityGroup(g) = &mut group.properties {
            g.vpc = Some(id("vpc", "vpc-1"));
        }
        rs.push(group);
        rs.push(placed_instance("i-web", "subnet-priv", &[], |i| {
            i.public_ip = None
        }));
        rs.push(elbv2_lb("web", |lb| {
            lb.vpc = Some(id("vpc", "vpc-1"));
            lb.subnets = vec![id("subnet", "subnet-priv"), id("subnet", "subnet-pub")];
            lb.security_groups = vec![id("security-group", "sg-lb")];
            lb.dns_name = Some("web-1.elb.amazonaws.com".into());
            f(lb);
        }));
        rs.push(elbv2_listener("web", 1, |l| {
            l.port = Some(port);
            l.default_actions = vec![elbv2_forward(vec![elbv2_id("targetgroup/web/1")])];
        }));
        rs.push(elbv2_tg("web", &["web"], &["i-web"], |_| {}));
        let mut b = InventoryBuilder::new();
        b.extend(rs);
        exposures(&b.build())
    }

    #[test]
    fn an_internet_facing_load_balancer_is_exposed_on_its_listener_ports() {
        use crate::testkit::elbv2_id;
        // The group opens every TCP port; only the listener's 443 is open end to end.
        let ex = lb_estate(
            vec![sg_perm("tcp", Some(0), Some(65535), &[WORLD_IPV4], &[])],
            443,
            |_| {},
        );
        assert_eq!(ex.len(), 1, "{ex:?}");
        let e = &ex[0];
        assert_eq!(e.resource, elbv2_id("loadbalancer/app/web/1"));
        assert_eq!(e.public_ip, "web-1.elb.amazonaws.com");
        assert_eq!(open(e), vec![(IpProtocol::Tcp, Some(443), Some(443))]);
        // Reached through the public subnet (the private one has no internet route).
        let hops = e.path_via(
            &id("security-group", "sg-lb"),
            ResourceKind::AwsEc2SecurityGroup,
            ResourceKind::AwsElbv2LoadBalancer,
        );
        let path: Vec<&str> = hops.iter().map(|h| h.id.short_id()).collect();
        assert_eq!(path, ["igw-1", "rtb-pub", "subnet-pub", "sg-lb", "1"]);
        assert_eq!(hops[4].id, e.resource);
        // What it forwards to: listener -> target group -> instance.
        let kinds: Vec<Vec<ResourceKind>> = e
            .downstream
            .iter()
            .map(|p| p.iter().map(|h| h.kind).collect())
            .collect();
        assert_eq!(
            kinds,
            vec![vec![
                ResourceKind::AwsElbv2Listener,
                ResourceKind::AwsElbv2TargetGroup,
                ResourceKind::AwsEc2Instance
            ]]
        );
        assert_eq!(e.downstream[0][2].id, id("instance", "i-web"));
        // The group opens 22 only: the listener's 443 is closed, so nothing is exposed.
        assert!(lb_estate(
            vec![sg_perm("tcp", Some(22), Some(22), &[WORLD_IPV4], &[])],
            443,
            |_| {}
        )
        .is_empty());
        // Internal, or not active: not exposed.
        let all = || vec![sg_perm("-1", None, None, &[WORLD_IPV4], &[])];
        assert!(lb_estate(all(), 443, |lb| lb.scheme = LoadBalancerScheme::Internal).is_empty());
        assert!(lb_estate(all(), 443, |lb| lb.state = LoadBalancerState::Provisioning).is_empty());
        // Only in the private subnet: no internet route, not exposed.
        assert!(lb_estate(all(), 443, |lb| lb.subnets =
            vec![id("subnet", "subnet-priv")])
        .is_empty());
        // An NLB without groups admits what its listener accepts; no group hop in the path.
        let ex = lb_estate(vec![], 8443, |lb| {
            lb.lb_type = crate::model::LoadBalancerType::Network;
            lb.security_groups = vec![];
        });
        assert_eq!(
            open(&ex[0]),
            vec![(IpProtocol::Tcp, Some(8443), Some(8443))]
        );
        let hops = ex[0].path_via(
            &ex[0].resource,
            ResourceKind::AwsElbv2LoadBalancer,
            ResourceKind::AwsElbv2LoadBalancer,
        );
        assert_eq!(hops.len(), 4);
    }

    #[test]
    fn main_table_applies_without_association() {
        let mut b = InventoryBuilder::new();
        b.extend(estate(false, InstanceState::Running));
        let inv = b.build();
        // No explicit association: both subnets use the main table, which has no igw route.
        assert!(exposures(&inv).is_empty());
        let (rt, _) = effective_route_table(&inv, &id("subnet", "subnet-pub")).unwrap();
        assert_eq!(rt.short_id(), "rtb-main");
    }

    #[test]
    fn stopped_instances_are_not_exposed() {
        let mut b = InventoryBuilder::new();
        b.extend(estate(true, InstanceState::Stopped));
        assert!(exposures(&b.build()).is_empty());
    }

    #[test]
    fn build_is_order_independent_and_records_dangling() {
        let mut fwd = InventoryBuilder::new();
        fwd.extend(estate(true, InstanceState::Running));
        let mut rev = InventoryBuilder::new();
        rev.extend(estate(true, InstanceState::Running).into_iter().rev());
        // A volume attached to an instance that was not collected.
        let vol = volume("vol-x", |v| {
            v.attachments[0].instance = id("instance", "i-gone")
        });
        fwd.add(vol.clone());
        rev.add(vol);
        let (a, b) = (fwd.build(), rev.build());
        let ea: Vec<_> = a
            .edges()
            .map(|(s, k, t)| (s.clone(), k, t.clone()))
            .collect();
        let mut eb: Vec<_> = b
            .edges()
            .map(|(s, k, t)| (s.clone(), k, t.clone()))
            .collect();
        let mut ea_sorted = ea.clone();
        ea_sorted.sort();
        eb.sort();
        assert_eq!(ea_sorted, eb);
        assert_eq!(a.dangling().len(), 1);
        assert_eq!(a.dangling()[0].to, id("instance", "i-gone"));
        let contained = a.neighbors(&id("vpc", "vpc-1"), EdgeKind::Contains, Direction::Outgoing);
        // 2 subnets, 2 route tables, 1 security group
        assert_eq!(contained.len(), 5);
        assert_eq!(a.count_of(ResourceKind::AwsEc2Instance), 2);
    }

    #[test]
    fn duplicates_keep_the_last_copy() {
        let mut b = InventoryBuilder::new();
        let mut e = estate(true, InstanceState::Running);
        let mut again = e[0].clone();
        again.name = Some("renamed".into());
        e.push(again);
        b.extend(e);
        let inv = b.build();
        assert_eq!(inv.duplicates(), 1);
        assert_eq!(
            inv.get(&id("vpc", "vpc-1")).unwrap().name.as_deref(),
            Some("renamed")
        );
    }
}
