//! Facts derived from the topology, shared by every rule that needs them.
//!
//! Internet exposure of an AWS instance: a running instance with a public IP, in a subnet whose
//! *effective* route table (the explicitly associated one, else the VPC's main table) sends
//! `0.0.0.0/0` to an internet gateway, behind security groups with world-open ingress. The fact
//! carries the path (internet gateway -> route table -> subnet -> security group -> instance)
//! and every world-open permission, so a rule can explain *why* something is exposed.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{Direction, EdgeKind, Inventory};
use crate::kind::ResourceKind;
use crate::model::{
    Instance, InstanceState, IpProtocol, Permission, RouteTable, SecurityGroup, Subnet,
};

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
    /// Internet-facing edge of the path: gateway -> route table -> subnet (AWS).
    pub network_path: Vec<Hop>,
    pub open_ingress: Vec<OpenIngress>,
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
        p.push(Hop {
            id: via.clone(),
            kind: via_kind,
        });
        p.push(Hop {
            id: self.resource.clone(),
            kind: target_kind,
        });
        p
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
    let subnet = instance.subnet.as_ref()?;
    inv.get(subnet)?;
    let (rt_id, rt) = effective_route_table(inv, subnet)?;
    let igw = rt.internet_gateway_route()?;
    // The gateway must exist in the inventory; a route to a vanished gateway is a blackhole.
    inv.get(igw)?;
    let mut open_ingress = Vec::new();
    for (sg_res, sg) in
        inv.neighbors_of::<SecurityGroup>(id, EdgeKind::SecuredBy, Direction::Outgoing)
    {
        for p in &sg.ingress {
            for src in p.world_sources() {
                open_ingress.push(OpenIngress {
                    via: sg_res.id.clone(),
                    protocol: p.protocol.clone(),
                    from_port: p.from_port,
                    to_port: p.to_port,
                    source: src.to_string(),
                });
            }
        }
    }
    if open_ingress.is_empty() {
        return None;
    }
    Some(Exposure {
        resource: id.clone(),
        public_ip,
        network_path: vec![
            Hop {
                id: igw.clone(),
                kind: ResourceKind::AwsEc2InternetGateway,
            },
            Hop {
                id: rt_id.clone(),
                kind: ResourceKind::AwsEc2RouteTable,
            },
            Hop {
                id: subnet.clone(),
                kind: ResourceKind::AwsEc2Subnet,
            },
        ],
        open_ingress,
    })
}

/// Every internet exposure in the inventory, ordered by resource id.
pub fn exposures(inv: &Inventory) -> Vec<Exposure> {
    inv.of_kind::<Instance>()
        .filter_map(|(r, i)| aws_instance_exposure(inv, &r.id, i))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ids::{AccountId, Region};
    use crate::inventory::InventoryBuilder;
    use crate::model::*;
    use crate::resource::Resource;

    fn acct() -> AccountId {
        "123456789012".parse().unwrap()
    }
    fn region() -> Region {
        "us-east-1".parse().unwrap()
    }
    fn id(t: &str, i: &str) -> ResourceId {
        ResourceId::ec2(&region(), &acct(), t, i).unwrap()
    }
    fn res<M: Model>(rid: ResourceId, m: M) -> Resource {
        Resource::new(rid, acct(), region(), BTreeMap::new(), m)
    }

    /// A public subnet (explicit RT with igw route), a private subnet (main RT, no igw route),
    /// an instance in each, one SG open on 22 to the world.
    pub(crate) fn estate(explicit_assoc: bool, state: InstanceState) -> Vec<Resource> {
        let vpc = id("vpc", "vpc-1");
        let igw = id("internet-gateway", "igw-1");
        let pub_sn = id("subnet", "subnet-pub");
        let priv_sn = id("subnet", "subnet-priv");
        let sg = id("security-group", "sg-ssh");
        let route = |target| Route {
            destination_cidr: Some("0.0.0.0/0".into()),
            destination_ipv6_cidr: None,
            destination_prefix_list: None,
            target,
            state: RouteState::Active,
        };
        let instance = |iid: &str, subnet: &ResourceId| Instance {
            instance_id: iid.into(),
            instance_type: Some("t3.micro".into()),
            state,
            vpc: Some(vpc.clone()),
            subnet: Some(subnet.clone()),
            private_ip: None,
            public_ip: Some("198.51.100.7".into()),
            security_groups: vec![sg.clone()],
            image_id: None,
            launch_time: None,
            metadata: MetadataOptions {
                http_tokens: Some(HttpTokens::Required),
                http_endpoint_enabled: true,
                http_put_response_hop_limit: None,
            },
            volumes: vec![],
        };
        let subnet = |sid: &str| Subnet {
            subnet_id: sid.into(),
            vpc: vpc.clone(),
            cidr_block: None,
            availability_zone: None,
            map_public_ip_on_launch: true,
            default_for_az: false,
        };
        vec![
            res(
                vpc.clone(),
                Vpc {
                    vpc_id: "vpc-1".into(),
                    cidr_block: None,
                    is_default: false,
                    state: None,
                },
            ),
            res(
                igw.clone(),
                InternetGateway {
                    internet_gateway_id: "igw-1".into(),
                    attached_vpcs: vec![vpc.clone()],
                },
            ),
            res(pub_sn.clone(), subnet("subnet-pub")),
            res(priv_sn.clone(), subnet("subnet-priv")),
            res(
                id("route-table", "rtb-main"),
                RouteTable {
                    route_table_id: "rtb-main".into(),
                    vpc: vpc.clone(),
                    main: true,
                    subnets: vec![],
                    routes: vec![route(RouteTarget::Local)],
                },
            ),
            res(
                id("route-table", "rtb-pub"),
                RouteTable {
                    route_table_id: "rtb-pub".into(),
                    vpc: vpc.clone(),
                    main: false,
                    subnets: if explicit_assoc {
                        vec![pub_sn.clone()]
                    } else {
                        vec![]
                    },
                    routes: vec![route(RouteTarget::InternetGateway(igw.clone()))],
                },
            ),
            res(
                sg.clone(),
                SecurityGroup {
                    group_id: "sg-ssh".into(),
                    group_name: "ssh".into(),
                    description: None,
                    vpc: Some(vpc.clone()),
                    ingress: vec![Permission {
                        protocol: IpProtocol::Tcp,
                        from_port: Some(22),
                        to_port: Some(22),
                        ipv4_ranges: vec!["0.0.0.0/0".into()],
                        ipv6_ranges: vec![],
                        prefix_lists: vec![],
                        referenced_groups: vec![],
                    }],
                    egress: vec![],
                },
            ),
            res(id("instance", "i-pub"), instance("i-pub", &pub_sn)),
            res(id("instance", "i-priv"), instance("i-priv", &priv_sn)),
        ]
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
        let vol = res(
            id("volume", "vol-x"),
            Volume {
                volume_id: "vol-x".into(),
                volume_type: VolumeType::Gp3,
                size_gib: 8,
                iops: None,
                throughput_mibps: None,
                encrypted: true,
                kms_key_id: None,
                state: VolumeState::InUse,
                availability_zone: None,
                snapshot_id: None,
                create_time: None,
                attachments: vec![VolumeAttachment {
                    instance: id("instance", "i-gone"),
                    device: None,
                    delete_on_termination: true,
                }],
            },
        );
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
