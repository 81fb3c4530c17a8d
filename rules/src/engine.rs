//! The rule engine: runs every enabled rule over an immutable inventory.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use skywarden_graph::topology::{self, Exposure};
use skywarden_graph::{Inventory, ResourceId};

use crate::catalog;
use crate::finding::Finding;
use crate::meta::Rule;
use crate::pricing::PriceTable;

/// Everything a rule may read. Built once per evaluation; rules never do I/O.
#[derive(Debug)]
pub struct EvalCx<'a> {
    pub inventory: &'a Inventory,
    /// Precomputed internet exposure facts, keyed by the exposed resource.
    pub exposures: BTreeMap<ResourceId, Exposure>,
    pub pricing: &'a PriceTable,
    pub now: DateTime<Utc>,
}

impl<'a> EvalCx<'a> {
    pub fn new(inventory: &'a Inventory, pricing: &'a PriceTable, now: DateTime<Utc>) -> Self {
        let exposures = topology::exposures(inventory)
            .into_iter()
            .map(|e| (e.resource.clone(), e))
            .collect();
        EvalCx {
            inventory,
            exposures,
            pricing,
            now,
        }
    }
}

/// Runs a set of rules.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: Vec<Rule>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            rules: catalog::all().to_vec(),
        }
    }
}

impl Engine {
    pub fn with_rules(rules: Vec<Rule>) -> Self {
        Engine { rules }
    }
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
    /// All findings, sorted by key, one per key.
    pub fn evaluate(&self, cx: &EvalCx<'_>) -> Vec<Finding> {
        let mut out: Vec<Finding> = self.rules.iter().flat_map(|r| (r.eval)(cx)).collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out.dedup_by(|a, b| a.key == b.key);
        out
    }
}
