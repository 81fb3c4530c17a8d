//! Test helpers for rule files: the graph crate's estate builders plus rule evaluation.

pub use skywarden_graph::testkit::*;

use chrono::{TimeZone, Utc};
use skywarden_graph::{InventoryBuilder, Resource};

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::Rule;
use crate::pricing::PriceTable;

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
