//! Test helpers for rule files: build small typed inventories and evaluate one rule.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use skywarden_graph::model::{IpProtocol, Model, Permission, SecurityGroup};
use skywarden_graph::{AccountId, InventoryBuilder, Region, Resource, ResourceId};

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::Rule;
use crate::pricing::PriceTable;

pub fn account() -> AccountId {
    "123456789012".parse().unwrap()
}
pub fn region() -> Region {
    "us-east-1".parse().unwrap()
}
pub fn ec2_id(resource_type: &str, id: &str) -> ResourceId {
    ResourceId::ec2(&region(), &account(), resource_type, id).unwrap()
}
pub fn resource<M: Model>(id: ResourceId, model: M) -> Resource {
    Resource::new(id, account(), region(), BTreeMap::new(), model)
}

pub fn sg_perm(protocol: &str, from: Option<i32>, to: Option<i32>, v4: &[&str], v6: &[&str]) -> Permission {
    Permission {
        protocol: IpProtocol::parse(protocol),
        from_port: from,
        to_port: to,
        ipv4_ranges: v4.iter().map(|s| s.to_string()).collect(),
        ipv6_ranges: v6.iter().map(|s| s.to_string()).collect(),
        prefix_lists: vec![],
        referenced_groups: vec![],
    }
}

pub fn sg(group_id: &str, ingress: Vec<Permission>) -> Resource {
    resource(
        ec2_id("security-group", group_id),
        SecurityGroup {
            group_id: group_id.into(),
            group_name: group_id.into(),
            description: None,
            vpc: None,
            ingress,
            egress: vec![],
        },
    )
}

/// Evaluates one rule over `resources` with the default price table at a fixed clock.
pub fn eval_rule(rule: &Rule, resources: Vec<Resource>) -> Vec<Finding> {
    let mut b = InventoryBuilder::new();
    b.extend(resources);
    let inv = b.build();
    let pricing = PriceTable::default();
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let cx = EvalCx::new(&inv, &pricing, now);
    let mut out = (rule.eval)(&cx);
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}
