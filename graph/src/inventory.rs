//! The inventory: every resource of a scan as nodes of a directed graph with typed edges.
//!
//! Built in two phases so collector order never matters: [`InventoryBuilder::add`] collects
//! nodes; [`InventoryBuilder::build`] sorts them, then turns each resource's [`Reference`]s
//! into edges. A reference to a resource that was not collected is recorded as [`Dangling`],
//! never a panic. petgraph types stay private to this module.
//!
//! Azure placement comes from ARM ids rather than fields: a subscription `contains` its
//! resource groups and a resource group `contains` the top-level resources whose ids lie
//! under it (`.../resourcegroups/{rg}/providers/{ns}/{type}/{name}`); child resources
//! (subnets) are contained by their parent through their own model's references.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::kind::ResourceKind;
use crate::model::Model;
use crate::resource::Resource;

/// Typed relationships between resources (source -> target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// VPC -> subnet / route table / security group / VPC endpoint / load balancer; subnet ->
    /// instance; IAM group -> user.
    /// Azure: subscription -> resource group -> every top-level resource in it (from the
    /// ids); VNet -> subnet; subnet -> NIC (a subnet of one of its IP configurations).
    Contains,
    /// Volume -> instance; internet gateway -> VPC; IAM policy -> user / group / role;
    /// access key / virtual MFA device -> user; network interface -> NAT gateway / VPC
    /// endpoint; VPC peering connection -> requester and accepter VPC.
    /// Azure: NIC -> VM; managed disk -> VM (OS and data disks); public IP -> the NIC or
    /// load balancer whose IP configuration holds it.
    AttachedTo,
    /// Instance, load balancer, RDS instance, Lambda function, VPC endpoint -> security group.
    /// Azure: subnet -> its NSG; NIC -> its NSG (the filtered resource points at the filter,
    /// as for AWS security groups).
    SecuredBy,
    /// Route table -> every inventoried target of its routes (internet gateway, NAT gateway,
    /// VPC endpoint, VPC peering connection, network interface, instance; a gateway endpoint's
    /// route tables too); listener -> target group; target group -> instance.
    /// Azure: load balancer -> every NIC in one of its backend pools or behind one of its
    /// inbound NAT rules (the pool names are in the load balancer's model).
    RoutesTo,
    /// Route table -> subnet (explicit association) or -> VPC (main table); VPC endpoint ->
    /// subnet it has an interface in; load balancer -> its subnets; load balancer listener /
    /// target group -> load balancer.
    /// Azure: load balancer -> the subnets of its private frontends.
    AssociatedWith,
    /// A resource made from another: snapshot -> its source volume, AMI -> the snapshots of
    /// its block devices, launch template -> the AMI its instances boot from.
    /// Azure: snapshot -> its source disk; disk -> the snapshot or disk it was copied from.
    DerivedFrom,
    /// Encrypted resource (RDS instance, CloudTrail trail) -> the KMS key that encrypts it.
    EncryptedWith,
    /// Log source -> where it delivers: CloudTrail trail -> S3 bucket; the resource a VPC flow
    /// log records (VPC, subnet, network interface) -> the flow log; flow log -> its S3 bucket.
    LogsTo,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Contains => "contains",
            EdgeKind::AttachedTo => "attached_to",
            EdgeKind::SecuredBy => "secured_by",
            EdgeKind::RoutesTo => "routes_to",
            EdgeKind::AssociatedWith => "associated_with",
            EdgeKind::DerivedFrom => "derived_from",
            EdgeKind::EncryptedWith => "encrypted_with",
            EdgeKind::LogsTo => "logs_to",
        }
    }
}

/// Which way an edge points relative to the resource that declares or queries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// self -> other
    Outgoing,
    /// other -> self
    Incoming,
}

/// A reference from one resource's properties to another resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    pub edge: EdgeKind,
    pub direction: Direction,
    pub target: ResourceId,
}

impl Reference {
    pub fn outgoing(edge: EdgeKind, target: ResourceId) -> Self {
        Reference {
            edge,
            direction: Direction::Outgoing,
            target,
        }
    }
    pub fn incoming(edge: EdgeKind, target: ResourceId) -> Self {
        Reference {
            edge,
            direction: Direction::Incoming,
            target,
        }
    }
}

/// A reference whose target was not in the inventory (not collected, other account, deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dangling {
    pub from: ResourceId,
    pub edge: EdgeKind,
    pub to: ResourceId,
}

/// Collects resources (phase one); [`InventoryBuilder::build`] adds edges (phase two).
#[derive(Debug, Default)]
pub struct InventoryBuilder {
    resources: Vec<Resource>,
}

impl InventoryBuilder {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, r: Resource) {
        self.resources.push(r);
    }
    pub fn extend(&mut self, rs: impl IntoIterator<Item = Resource>) {
        self.resources.extend(rs);
    }
    pub fn len(&self) -> usize {
        self.resources.len()
    }
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
    /// The resources collected so far, in arrival order.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter()
    }

    /// Keeps only the resources `keep` accepts (the pipeline drops those of scopes that
    /// failed after their collector had already streamed some batches).
    pub fn retain(&mut self, keep: impl FnMut(&Resource) -> bool) {
        self.resources.retain(keep);
    }

    pub fn build(mut self) -> Inventory {
        // Deterministic node order whatever order collectors finished in. A resource listed
        // twice (e.g. a page boundary moved while paginating) keeps its last copy. In place:
        // the build never holds two copies of the resource list.
        self.resources.sort_by(|a, b| a.id.cmp(&b.id));
        let before = self.resources.len();
        self.resources.dedup_by(|later, kept| {
            let same = later.id == kept.id;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
        let duplicates = before - self.resources.len();
        let count = self.resources.len();
        let mut graph = DiGraph::with_capacity(count, count * 2);
        let mut index = HashMap::with_capacity(count);
        let mut by_kind: HashMap<ResourceKind, Vec<NodeIndex>> = HashMap::new();
        for r in std::mem::take(&mut self.resources) {
            let id = r.id.clone();
            let kind = r.kind();
            let n = graph.add_node(r);
            index.insert(id, n);
            by_kind.entry(kind).or_default().push(n);
        }
        let mut dangling = Vec::new();
        let nodes: Vec<NodeIndex> = graph.node_indices().collect();
        for n in nodes {
            let mut references = graph[n].properties.references();
            references.extend(azure_placement(&graph[n].id));
            for reference in references {
                match index.get(&reference.target) {
                    Some(&m) => {
                        let (a, b) = match reference.direction {
                            Direction::Outgoing => (n, m),
                            Direction::Incoming => (m, n),
                        };
                        if !graph
                            .edges_connecting(a, b)
                            .any(|e| *e.weight() == reference.edge)
                        {
                            graph.add_edge(a, b, reference.edge);
                        }
                    }
                    None => dangling.push(Dangling {
                        from: graph[n].id.clone(),
                        edge: reference.edge,
                        to: reference.target,
                    }),
                }
            }
        }
        Inventory {
            graph,
            index,
            by_kind,
            dangling,
            duplicates,
        }
    }
}

/// The containment an ARM id implies: a resource group is contained by its subscription, a
/// top-level resource by its resource group. Nothing for ARNs and child resources.
fn azure_placement(id: &ResourceId) -> Option<Reference> {
    if !id.is_azure() {
        return None;
    }
    let container = match id.azure_resource_group_id() {
        Some(rg) if id.azure_parent().is_none() => rg,
        Some(_) => return None,
        // The group itself (or a subscription-level resource): its subscription.
        None => id.azure_subscription_id()?,
    };
    Some(Reference::incoming(EdgeKind::Contains, container))
}

/// An immutable inventory with its topology. Public API is keyed by [`ResourceId`].
#[derive(Debug, Default)]
pub struct Inventory {
    graph: DiGraph<Resource, EdgeKind>,
    index: HashMap<ResourceId, NodeIndex>,
    by_kind: HashMap<ResourceKind, Vec<NodeIndex>>,
    dangling: Vec<Dangling>,
    duplicates: usize,
}

impl Inventory {
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }
    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }
    pub fn get(&self, id: &ResourceId) -> Option<&Resource> {
        self.index.get(id).map(|&n| &self.graph[n])
    }
    /// Every resource, ordered by id.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.graph.node_weights()
    }
    /// Resources of one kind with their typed model, ordered by id.
    pub fn of_kind<'a, M: Model + 'a>(
        &'a self,
    ) -> impl Iterator<Item = (&'a Resource, &'a M)> + 'a {
        self.by_kind
            .get(&M::KIND)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|&n| {
                let r = &self.graph[n];
                r.model::<M>().map(|m| (r, m))
            })
    }
    pub fn count_of(&self, kind: ResourceKind) -> usize {
        self.by_kind.get(&kind).map_or(0, Vec::len)
    }
    /// Neighbours of `id` over edges of `edge` in `direction`, ordered by id.
    pub fn neighbors(
        &self,
        id: &ResourceId,
        edge: EdgeKind,
        direction: Direction,
    ) -> Vec<&Resource> {
        let Some(&n) = self.index.get(id) else {
            return Vec::new();
        };
        let dir = match direction {
            Direction::Outgoing => petgraph::Direction::Outgoing,
            Direction::Incoming => petgraph::Direction::Incoming,
        };
        let mut out: Vec<&Resource> = self
            .graph
            .edges_directed(n, dir)
            .filter(|e| *e.weight() == edge)
            .map(|e| {
                let other = if dir == petgraph::Direction::Outgoing {
                    e.target()
                } else {
                    e.source()
                };
                &self.graph[other]
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out.dedup_by(|a, b| a.id == b.id);
        out
    }
    /// Typed neighbours: `neighbors` filtered to kind `M`.
    pub fn neighbors_of<M: Model>(
        &self,
        id: &ResourceId,
        edge: EdgeKind,
        direction: Direction,
    ) -> Vec<(&Resource, &M)> {
        self.neighbors(id, edge, direction)
            .into_iter()
            .filter_map(|r| r.model::<M>().map(|m| (r, m)))
            .collect()
    }
    /// Every edge as (source, kind, target).
    pub fn edges(&self) -> impl Iterator<Item = (&ResourceId, EdgeKind, &ResourceId)> {
        self.graph.edge_references().map(|e| {
            (
                &self.graph[e.source()].id,
                *e.weight(),
                &self.graph[e.target()].id,
            )
        })
    }
    pub fn dangling(&self) -> &[Dangling] {
        &self.dangling
    }
    /// How many resources were added more than once (the last copy was kept).
    pub fn duplicates(&self) -> usize {
        self.duplicates
    }
}
