//! Graph views for export: the whole inventory or the neighbourhood of one resource, as a
//! plain node/edge list (JSON), Graphviz DOT or a Mermaid flowchart. Pure: strings out.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Inventory};
use crate::kind::ResourceKind;

/// One node of a [`GraphView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView {
    pub id: ResourceId,
    pub kind: ResourceKind,
    pub name: Option<String>,
    pub region: String,
}

/// One edge of a [`GraphView`] (source -> target).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EdgeView {
    pub from: ResourceId,
    pub kind: EdgeKind,
    pub to: ResourceId,
}

/// A sub-graph ready to render: nodes ordered by id, edges ordered by (from, kind, to).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphView {
    pub nodes: Vec<NodeView>,
    pub edges: Vec<EdgeView>,
}

impl GraphView {
    /// Every resource and edge of the inventory.
    pub fn of_inventory(inv: &Inventory) -> GraphView {
        let ids: BTreeSet<&ResourceId> = inv.resources().map(|r| &r.id).collect();
        GraphView::of_ids(inv, &ids)
    }

    /// The resources within `depth` edges of `center` (either direction) and the edges among
    /// them. `None` when `center` is not in the inventory.
    pub fn neighbourhood(inv: &Inventory, center: &ResourceId, depth: usize) -> Option<GraphView> {
        inv.get(center)?;
        let mut adjacency: BTreeMap<&ResourceId, Vec<&ResourceId>> = BTreeMap::new();
        for (a, _, b) in inv.edges() {
            adjacency.entry(a).or_default().push(b);
            adjacency.entry(b).or_default().push(a);
        }
        let mut seen: BTreeSet<&ResourceId> = BTreeSet::new();
        let mut queue = VecDeque::new();
        if let Some(r) = inv.get(center) {
            seen.insert(&r.id);
            queue.push_back((&r.id, 0usize));
        }
        while let Some((id, d)) = queue.pop_front() {
            if d == depth {
                continue;
            }
            for next in adjacency.get(id).map(Vec::as_slice).unwrap_or_default() {
                if seen.insert(next) {
                    queue.push_back((next, d + 1));
                }
            }
        }
        Some(GraphView::of_ids(inv, &seen))
    }

    fn of_ids(inv: &Inventory, ids: &BTreeSet<&ResourceId>) -> GraphView {
        let nodes = ids
            .iter()
            .filter_map(|id| inv.get(id))
            .map(|r| NodeView {
                id: r.id.clone(),
                kind: r.kind(),
                name: r.name.clone(),
                region: r.region.to_string(),
            })
            .collect();
        let mut edges: Vec<EdgeView> = inv
            .edges()
            .filter(|(a, _, b)| ids.contains(a) && ids.contains(b))
            .map(|(a, kind, b)| EdgeView {
                from: a.clone(),
                kind,
                to: b.clone(),
            })
            .collect();
        edges.sort();
        edges.dedup();
        GraphView { nodes, edges }
    }

    /// Graphviz DOT; node ids are the resource ids, labels are kind and name.
    pub fn to_dot(&self) -> String {
        let mut s = String::from("digraph skywarden {\n  rankdir=LR;\n  node [shape=box];\n");
        for n in &self.nodes {
            let label = match &n.name {
                Some(name) => format!("{}\\n{}", n.kind.as_str(), name),
                None => format!("{}\\n{}", n.kind.as_str(), short(&n.id)),
            };
            let _ = writeln!(
                s,
                "  {} [label={}];",
                dot_quote(&n.id.to_string()),
                dot_quote_label(&label)
            );
        }
        for e in &self.edges {
            let _ = writeln!(
                s,
                "  {} -> {} [label={}];",
                dot_quote(&e.from.to_string()),
                dot_quote(&e.to.to_string()),
                dot_quote(e.kind.as_str())
            );
        }
        s.push_str("}\n");
        s
    }

    /// A Mermaid `flowchart LR`; nodes get short generated ids (`n0`, `n1`, ...) because
    /// Mermaid ids cannot hold ARNs.
    pub fn to_mermaid(&self) -> String {
        let mut s = String::from("flowchart LR\n");
        let mut ids: BTreeMap<&ResourceId, String> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let nid = format!("n{i}");
            let label = format!(
                "{}<br/>{}",
                n.kind.as_str(),
                n.name.clone().unwrap_or_else(|| short(&n.id))
            );
            let _ = writeln!(s, "  {nid}[\"{}\"]", mermaid_escape(&label));
            ids.insert(&n.id, nid);
        }
        for e in &self.edges {
            if let (Some(a), Some(b)) = (ids.get(&e.from), ids.get(&e.to)) {
                let _ = writeln!(s, "  {a} -->|{}| {b}", e.kind.as_str());
            }
        }
        s
    }
}

/// The last path segment of an id (`i-0abc` of an instance ARN), for labels.
fn short(id: &ResourceId) -> String {
    let s = id.to_string();
    s.rsplit(['/', ':']).next().unwrap_or(&s).to_string()
}

fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Like [`dot_quote`] but keeps the `\n` line breaks we put in labels.
fn dot_quote_label(s: &str) -> String {
    let parts: Vec<String> = s
        .split("\\n")
        .map(|p| {
            let q = dot_quote(p);
            q[1..q.len() - 1].to_string()
        })
        .collect();
    format!("\"{}\"", parts.join("\\n"))
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace(['\n', '\r'], " ")
        .replace('[', "#91;")
        .replace(']', "#93;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::InventoryBuilder;
    use crate::testkit::{ec2_id as id, network};

    fn inv() -> Inventory {
        let mut b = InventoryBuilder::new();
        b.extend(network(true));
        b.build()
    }

    #[test]
    fn whole_inventory_has_every_node_and_edge() {
        let inv = inv();
        let v = GraphView::of_inventory(&inv);
        assert_eq!(v.nodes.len(), inv.len());
        assert_eq!(v.edges.len(), inv.edge_count());
        let dot = v.to_dot();
        assert!(dot.starts_with("digraph skywarden {"));
        assert_eq!(dot.matches(" -> ").count(), inv.edge_count());
        let mermaid = v.to_mermaid();
        assert_eq!(mermaid.matches(" -->|").count(), inv.edge_count());
    }

    #[test]
    fn neighbourhood_is_bounded_by_depth() {
        let inv = inv();
        let vpc = id("vpc", "vpc-1");
        let zero = GraphView::neighbourhood(&inv, &vpc, 0).unwrap();
        assert_eq!(zero.nodes.len(), 1);
        assert!(zero.edges.is_empty());
        let one = GraphView::neighbourhood(&inv, &vpc, 1).unwrap();
        let direct: BTreeSet<&ResourceId> = inv
            .edges()
            .filter_map(|(a, _, b)| {
                if *a == vpc {
                    Some(b)
                } else if *b == vpc {
                    Some(a)
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(one.nodes.len(), direct.len() + 1);
        assert!(one
            .edges
            .iter()
            .all(|e| one.nodes.iter().any(|n| n.id == e.from)
                && one.nodes.iter().any(|n| n.id == e.to)));
        assert!(GraphView::neighbourhood(&inv, &id("vpc", "vpc-nope"), 2).is_none());
    }

    #[test]
    fn quoting_is_safe() {
        assert_eq!(dot_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(mermaid_escape("x[\"y\"]"), "x#91;#quot;y#quot;#93;");
    }
}
