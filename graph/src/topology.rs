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
