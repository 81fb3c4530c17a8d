//! The document a pack expression sees as `resource`: the resource's JSON plus `graph`, the
//! topology facts (internet exposure, neighbours). The shape is documented in the module doc
//! of [`crate::user`]; load-time samples are built with the same code, so what the type check
//! sees is what evaluation sees.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::{json, Map as JsonMap, Value as Json};
use skywarden_graph::model::{IpProtocol, WORLD_IPV4};
use skywarden_graph::topology::{Exposure, OpenIngress};
use skywarden_graph::{Direction, EdgeKind, Inventory, Resource};

use crate::finding::ExposureEvidence;

/// Commonly attacked TCP ports: `exposure.ports` lists each one a port range or an
/// all-traffic permission admits (single-port permissions are listed whatever their port).
pub const COMMON_PORTS: [u16; 34] = [
    20, 21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1433, 1521, 2049,
    2375, 2379, 3306, 3389, 5432, 5601, 5900, 6379, 8080, 8443, 9200, 9300, 11211, 27017, 27018,
];

/// Every edge kind, in a fixed order. The `match` is exhaustive: a new edge kind must be
/// chained in here, and so appears under `graph.neighbors`.
fn next_edge_kind(e: Option<EdgeKind>) -> Option<EdgeKind> {
    match e {
        None => Some(EdgeKind::Contains),
        Some(EdgeKind::Contains) => Some(EdgeKind::AttachedTo),
        Some(EdgeKind::AttachedTo) => Some(EdgeKind::SecuredBy),
        Some(EdgeKind::SecuredBy) => Some(EdgeKind::RoutesTo),
        Some(EdgeKind::RoutesTo) => Some(EdgeKind::AssociatedWith),
        Some(EdgeKind::AssociatedWith) => Some(EdgeKind::DerivedFrom),
        Some(EdgeKind::DerivedFrom) => Some(EdgeKind::EncryptedWith),
        Some(EdgeKind::EncryptedWith) => Some(EdgeKind::LogsTo),
        Some(EdgeKind::LogsTo) => None,
    }
}

pub(crate) fn edge_kinds() -> impl Iterator<Item = EdgeKind> {
    std::iter::successors(next_edge_kind(None), |e| next_edge_kind(Some(*e)))
}

fn protocol_name(p: &IpProtocol) -> &str {
    match p {
        IpProtocol::All => "all",
        IpProtocol::Tcp => "tcp",
        IpProtocol::Udp => "udp",
        IpProtocol::Icmp => "icmp",
        IpProtocol::Icmpv6 => "icmpv6",
        IpProtocol::Other(s) => s,
    }
}

/// TCP ports reachable from `0.0.0.0/0` (the exposure path is IPv4): the port of every
/// single-port TCP permission plus every [`COMMON_PORTS`] entry a wider permission covers.
pub(crate) fn reachable_ports(open: &[OpenIngress]) -> Vec<u16> {
    let mut ports = BTreeSet::new();
    for o in open.iter().filter(|o| o.source == WORLD_IPV4) {
        if let (IpProtocol::Tcp, Some(from), Some(to)) = (&o.protocol, o.from_port, o.to_port) {
            if from == to {
                if let Ok(p) = u16::try_from(from) {
                    ports.insert(p);
                }
            }
        }
        ports.extend(
            COMMON_PORTS
                .iter()
                .copied()
                .filter(|p| o.covers_tcp_port(*p)),
        );
    }
    ports.into_iter().collect()
}

/// What findings of graph-aware rules carry about an exposed resource.
pub(crate) fn exposure_evidence(inv: &Inventory, e: &Exposure) -> ExposureEvidence {
    ExposureEvidence {
        public_ip: e.public_ip.clone(),
        ports: reachable_ports(&e.open_ingress),
        path: e.full_path(inv),
        open_ingress: e.open_ingress.clone(),
    }
}

fn exposure_json(inv: &Inventory, e: Option<&Exposure>) -> Json {
    let Some(e) = e else {
        return json!({
            "public_ip": null, "ports": [], "port_ranges": [], "path": [], "open_ingress": [],
        });
    };
    let port_ranges: Vec<Json> = e
        .open_ingress
        .iter()
        .map(|o| {
            json!({
                "via": o.via.as_str(),
                "protocol": protocol_name(&o.protocol),
                "from_port": o.from_port,
                "to_port": o.to_port,
                "source": o.source,
            })
        })
        .collect();
    json!({
        "public_ip": e.public_ip,
        "ports": reachable_ports(&e.open_ingress),
        "port_ranges": port_ranges,
        "path": e.full_path(inv),
        "open_ingress": e.open_ingress,
    })
}

fn neighbors_json(inv: &Inventory, resource: &Resource) -> Json {
    let mut out = JsonMap::new();
    for edge in edge_kinds() {
        let mut list = Vec::new();
        for (direction, name) in [
            (Direction::Outgoing, "outgoing"),
            (Direction::Incoming, "incoming"),
        ] {
            for n in inv.neighbors(&resource.id, edge, direction) {
                let mut doc = serde_json::to_value(n).unwrap_or(Json::Null);
                let properties = doc.get_mut("properties").map(Json::take);
                list.push(json!({
                    "id": n.id.as_str(),
                    "kind": n.kind().as_str(),
                    "direction": name,
                    "name": n.name,
                    "tags": n.tags,
                    "properties": properties,
                }));
            }
        }
        out.insert(edge.as_str().to_string(), Json::Array(list));
    }
    Json::Object(out)
}

/// The `resource` document of `resource`. `neighbors` is filled only when some rule reads it
/// (an empty object otherwise: no rule can observe the difference).
pub(crate) fn document(
    inv: &Inventory,
    exposure: Option<&Exposure>,
    resource: &Resource,
    with_neighbors: bool,
) -> Json {
    let mut doc = serde_json::to_value(resource).unwrap_or_else(|_| json!({}));
    let graph = json!({
        "internet_exposed": exposure.is_some(),
        "exposure": exposure_json(inv, exposure),
        "neighbors": if with_neighbors { neighbors_json(inv, resource) } else { json!({}) },
    });
    if let Json::Object(m) = &mut doc {
        m.insert("graph".into(), graph);
    }
    doc
}

/// JSON to a CEL value. Integers become CEL `int` (not `uint`), so `x.size_gib > 100` and
/// `x.size_gib * 2` work with plain literals.
pub(crate) fn to_cel(v: &Json) -> cel::Value {
    match v {
        Json::Null => cel::Value::Null,
        Json::Bool(b) => cel::Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => cel::Value::Int(i),
            (None, Some(u)) => cel::Value::UInt(u),
            _ => cel::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => cel::Value::String(Arc::new(s.clone())),
        Json::Array(a) => cel::Value::List(Arc::new(a.iter().map(to_cel).collect())),
        Json::Object(m) => {
            let map: HashMap<cel::objects::Key, cel::Value> = m
                .iter()
                .map(|(k, v)| (cel::objects::Key::String(Arc::new(k.clone())), to_cel(v)))
                .collect();
            cel::Value::Map(cel::objects::Map { map: Arc::new(map) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edge_kind_once() {
        let all: Vec<EdgeKind> = edge_kinds().collect();
        assert_eq!(all.len(), 8);
        let set: BTreeSet<EdgeKind> = all.iter().copied().collect();
        assert_eq!(set.len(), all.len());
    }

    #[test]
    fn common_ports_sorted_and_unique() {
        assert!(COMMON_PORTS.windows(2).all(|w| w[0] < w[1]));
    }
}
