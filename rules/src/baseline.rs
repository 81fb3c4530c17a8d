//! The approved baselines of a connection as the drift rules (`drift.*`) read them.
//!
//! A baseline is a pinned scan: the resources that scan saw completely (optionally only those
//! carrying one tag `key=value`), with the (account, region, kind) scopes it saw completely.
//! Approving a drifted resource replaces its entry with the current document. The store keeps
//! baselines; the pipeline loads them into a [`BaselineView`] before evaluation and hands it to
//! the rules through [`crate::EvalCx::baseline`], so the rules stay pure.
//!
//! Without a view (`EvalCx::baseline` is `None`: evaluation outside a scan, or the baselines
//! could not be loaded) the drift rules do not run at all, so they resolve nothing. With an
//! empty view (no baseline pinned) they run and report nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use skywarden_graph::diff::{diff, PatchOp};
use skywarden_graph::volatile::normalised;
use skywarden_graph::{BaselineId, Resource, ResourceId, ScanId, Scope};

use crate::error::RulesError;

/// `key=value`: a baseline of only the resources carrying this tag (keys and values compared
/// exactly).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagSelector {
    pub key: String,
    pub value: String,
}

impl TagSelector {
    pub fn matches(&self, r: &Resource) -> bool {
        r.tags.get(&self.key) == Some(&self.value)
    }
}

impl FromStr for TagSelector {
    type Err = RulesError;
    fn from_str(s: &str) -> Result<Self, RulesError> {
        let bad = |reason: &str| RulesError::InvalidSelector {
            value: s.chars().take(100).collect(),
            reason: reason.to_string(),
        };
        let Some((key, value)) = s.split_once('=') else {
            return Err(bad("expected KEY=VALUE"));
        };
        if key.is_empty() {
            return Err(bad("the tag key is empty"));
        }
        if key.len() > 128 || value.len() > 256 {
            return Err(bad("tag keys have at most 128 characters, values 256"));
        }
        Ok(TagSelector {
            key: key.to_string(),
            value: value.to_string(),
        })
    }
}
impl TryFrom<String> for TagSelector {
    type Error = RulesError;
    fn try_from(s: String) -> Result<Self, RulesError> {
        s.parse()
    }
}
impl From<TagSelector> for String {
    fn from(t: TagSelector) -> String {
        t.to_string()
    }
}
impl fmt::Display for TagSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

/// One pinned baseline (without its resources).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedBaseline {
    pub id: BaselineId,
    /// The scan that was pinned.
    pub scan_id: ScanId,
    /// `None`: every resource of the connection.
    pub selector: Option<TagSelector>,
    /// The scopes the pinned scan saw completely: only resources there can be "created
    /// outside" it.
    pub scopes: BTreeSet<Scope>,
    pub pinned_at: DateTime<Utc>,
}

impl PinnedBaseline {
    /// Whether `r` (a resource seen now) falls under this baseline: its scope was seen
    /// completely by the pinned scan and it carries the selector's tag.
    pub fn covers(&self, r: &Resource) -> bool {
        let scope = Scope {
            account_id: r.account_id.clone(),
            region: r.region.clone(),
            kind: r.kind(),
        };
        self.scopes.contains(&scope) && self.selector.as_ref().is_none_or(|s| s.matches(r))
    }
}

/// What a [`crate::Evidence::BaselineDrift`] reports about a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftChange {
    /// Not in the baseline.
    Created,
    /// In the baseline with another (normalised) document.
    Modified,
    /// In the baseline, gone now.
    Deleted,
}

/// Every baseline of a connection and every approved resource document.
#[derive(Debug, Clone, Default)]
pub struct BaselineView {
    baselines: Vec<PinnedBaseline>,
    /// Resource id -> (index into `baselines`, approved resource). A resource in several
    /// baselines takes the entry of the most recently pinned one.
    entries: BTreeMap<ResourceId, (usize, Resource)>,
}

impl BaselineView {
    /// `resources` pairs each approved resource with its baseline's id; pairs naming no
    /// baseline in `baselines` are an error.
    pub fn new(
        mut baselines: Vec<PinnedBaseline>,
        resources: Vec<(BaselineId, Resource)>,
    ) -> Result<Self, RulesError> {
        baselines.sort_by_key(|b| (b.pinned_at, b.id));
        let index: BTreeMap<BaselineId, usize> = baselines
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id, i))
            .collect();
        let mut entries: BTreeMap<ResourceId, (usize, Resource)> = BTreeMap::new();
        for (id, r) in resources {
            let Some(&i) = index.get(&id) else {
                return Err(RulesError::Baseline(format!(
                    "resource {} names baseline {id}, which was not loaded",
                    r.id
                )));
            };
            match entries.get(&r.id) {
                Some((j, _)) if *j > i => {}
                _ => {
                    entries.insert(r.id.clone(), (i, r));
                }
            }
        }
        Ok(BaselineView { baselines, entries })
    }

    pub fn is_empty(&self) -> bool {
        self.baselines.is_empty()
    }

    pub fn baselines(&self) -> &[PinnedBaseline] {
        &self.baselines
    }

    /// The approved resource `id` and its baseline.
    pub fn get(&self, id: &ResourceId) -> Option<(&PinnedBaseline, &Resource)> {
        self.entries.get(id).map(|(i, r)| (&self.baselines[*i], r))
    }

    /// Every approved resource with its baseline, by resource id.
    pub fn entries(&self) -> impl Iterator<Item = (&PinnedBaseline, &Resource)> {
        self.entries.values().map(|(i, r)| (&self.baselines[*i], r))
    }

    /// The most recently pinned baseline that covers `r` ([`PinnedBaseline::covers`]).
    pub fn covering(&self, r: &Resource) -> Option<&PinnedBaseline> {
        self.baselines.iter().rev().find(|b| b.covers(r))
    }
}

/// The normalised JSON document of a resource (volatile fields cleared), as history and drift
/// compare it. `Value::Null` if it does not serialise (it always does for model types).
pub fn normalised_document(r: &Resource) -> Value {
    serde_json::to_value(normalised(r).as_ref()).unwrap_or(Value::Null)
}

/// The JSON Patch from the baseline's `approved` resource to `current`, restricted to the ops
/// at or under one of `prefixes` (or above one: a replaced parent); every op when empty.
pub fn drift_patch(approved: &Resource, current: &Resource, prefixes: &[&str]) -> Vec<PatchOp> {
    let ops = diff(
        &normalised_document(approved),
        &normalised_document(current),
    );
    if prefixes.is_empty() {
        return ops;
    }
    ops.into_iter()
        .filter(|op| prefixes.iter().any(|p| related(op.path(), p)))
        .collect()
}

/// `path` is `prefix`, below it, or above it (JSON Pointer token boundaries).
fn related(path: &str, prefix: &str) -> bool {
    let under =
        |a: &str, b: &str| a == b || (a.starts_with(b) && a.as_bytes().get(b.len()) == Some(&b'/'));
    under(path, prefix) || under(prefix, path)
}

/// Current resources with an approved baseline entry, in scopes the scan saw completely:
/// (baseline, approved, current). Nothing without a view.
pub(crate) fn approved_pairs<'a>(
    cx: &'a crate::EvalCx<'a>,
) -> impl Iterator<Item = (&'a PinnedBaseline, &'a Resource, &'a Resource)> + 'a {
    cx.baseline.into_iter().flat_map(move |view| {
        cx.inventory
            .resources()
            .filter(move |r| cx.complete(&r.account_id, &r.region, r.kind()))
            .filter_map(move |r| view.get(&r.id).map(|(b, approved)| (b, approved, r)))
    })
}

/// Shared by the drift rules on changed resources: one `modified` finding per current
/// resource with an approved entry for which `fires(approved, current)` names the document
/// fields it is about (the evidence patch is restricted to them).
pub(crate) fn modified_findings(
    cx: &crate::EvalCx<'_>,
    meta: &crate::RuleMeta,
    fires: fn(&Resource, &Resource) -> Option<&'static [&'static str]>,
) -> Vec<crate::Finding> {
    approved_pairs(cx)
        .filter_map(|(baseline, approved, current)| {
            let paths = fires(approved, current)?;
            let patch = drift_patch(approved, current, paths);
            Some(drift_finding(
                meta,
                current,
                baseline,
                DriftChange::Modified,
                patch,
            ))
        })
        .collect()
}

/// A drift finding of rule `meta` on `resource` with [`crate::Evidence::BaselineDrift`].
pub(crate) fn drift_finding(
    meta: &crate::RuleMeta,
    resource: &Resource,
    baseline: &PinnedBaseline,
    change: DriftChange,
    patch: Vec<PatchOp>,
) -> crate::Finding {
    crate::Finding::new(
        meta,
        resource,
        "",
        crate::Evidence::BaselineDrift {
            baseline_id: baseline.id,
            baseline_scan_id: baseline.scan_id,
            change,
            patch,
        },
    )
}

/// Whether the values at `pointers` of two normalised documents are the same, arrays
/// compared as multisets (permission lists reordered by the API are not a change).
pub(crate) fn same_unordered(a: &Value, b: &Value, pointers: &[&str]) -> bool {
    let key = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::Array(items)) => {
                let mut k: Vec<String> = items.iter().map(Value::to_string).collect();
                k.sort();
                k
            }
            Some(other) => vec![other.to_string()],
            None => Vec::new(),
        }
    };
    pointers
        .iter()
        .all(|p| key(a.pointer(p)) == key(b.pointer(p)))
}

#[cfg(test)]
pub(crate) mod testkit {
    //! Evaluation of one drift rule over a baseline and a current inventory, every scope of
    //! both Complete unless listed as failed.

    use std::collections::BTreeSet;

    use skywarden_graph::{
        BaselineId, Coverage, CoverageStatus, ErrorClass, InventoryBuilder, Resource, ScanId,
        Scope, ScopeError,
    };

    use super::{BaselineView, PinnedBaseline, TagSelector};
    use crate::finding::Finding;
    use crate::meta::Rule;
    use crate::pricing::PriceTable;
    use crate::EvalCx;

    pub fn scope_of(r: &Resource) -> Scope {
        Scope {
            account_id: r.account_id.clone(),
            region: r.region.clone(),
            kind: r.kind(),
        }
    }

    pub fn pinned(approved: &[Resource], selector: Option<&str>) -> PinnedBaseline {
        PinnedBaseline {
            id: BaselineId::new(),
            scan_id: ScanId::new(),
            selector: selector.map(|s| s.parse::<TagSelector>().unwrap()),
            scopes: approved.iter().map(scope_of).collect(),
            pinned_at: chrono::Utc::now(),
        }
    }

    /// Runs `rule` with the baseline `approved` (every scope of it covered) against `current`;
    /// scopes in `failed` are recorded Failed, every other scope of either side Complete.
    pub fn run(
        rule: &Rule,
        approved: Vec<Resource>,
        current: Vec<Resource>,
        failed: &[Scope],
    ) -> Vec<Finding> {
        let baseline = pinned(&approved, None);
        run_with(rule, baseline, approved, current, failed)
    }

    pub fn run_with(
        rule: &Rule,
        baseline: PinnedBaseline,
        approved: Vec<Resource>,
        current: Vec<Resource>,
        failed: &[Scope],
    ) -> Vec<Finding> {
        let mut coverage = Coverage::new();
        let scopes: BTreeSet<Scope> = approved.iter().chain(&current).map(scope_of).collect();
        for s in scopes {
            coverage.record(s, CoverageStatus::Complete);
        }
        for s in failed {
            coverage.record(
                s.clone(),
                CoverageStatus::Failed {
                    error: ScopeError {
                        class: ErrorClass::AccessDenied,
                        code: None,
                        message: "denied".into(),
                    },
                },
            );
        }
        let id = baseline.id;
        let view = BaselineView::new(
            vec![baseline],
            approved.into_iter().map(|r| (id, r)).collect(),
        )
        .unwrap();
        let mut b = InventoryBuilder::new();
        b.extend(current);
        let inv = b.build();
        let pricing = PriceTable::default();
        let cx = EvalCx::new(&inv, &pricing, chrono::Utc::now())
            .with_coverage(&coverage)
            .with_baseline(&view);
        let mut out = (rule.eval)(&cx);
        out.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
        out
    }

    /// (op, path) of a drift finding's patch.
    pub fn ops(f: &Finding) -> Vec<(String, String)> {
        let crate::Evidence::BaselineDrift { patch, .. } = &f.evidence else {
            panic!("{:?}", f.evidence)
        };
        patch
            .iter()
            .map(|p| (p.op().to_string(), p.path().to_string()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse_and_match_exactly() {
        let s: TagSelector = "env=prod".parse().unwrap();
        assert_eq!(s.to_string(), "env=prod");
        let x: TagSelector = "a=b=c".parse().unwrap();
        assert_eq!((x.key.as_str(), x.value.as_str()), ("a", "b=c"));
        assert!("env".parse::<TagSelector>().is_err());
        assert!("=prod".parse::<TagSelector>().is_err());
        let mut r = skywarden_graph::testkit::volume("vol-1", |_| {});
        assert!(!s.matches(&r));
        r.tags.insert("env".into(), "Prod".into());
        assert!(!s.matches(&r));
        r.tags.insert("env".into(), "prod".into());
        assert!(s.matches(&r));
    }

    #[test]
    fn drift_rules_run_only_with_a_baseline_view() {
        use skywarden_graph::{Coverage, CoverageStatus, InventoryBuilder};

        use crate::catalog::is_drift_rule;
        use crate::{Engine, EvalCx};

        let r = skywarden_graph::testkit::instance("i-1", |_| {});
        let mut coverage = Coverage::new();
        coverage.record(testkit::scope_of(&r), CoverageStatus::Complete);
        let mut b = InventoryBuilder::new();
        b.extend(vec![r]);
        let inv = b.build();
        let pricing = crate::pricing::PriceTable::default();
        let engine = Engine::default();
        let cx = EvalCx::new(&inv, &pricing, chrono::Utc::now()).with_coverage(&coverage);
        let without = engine.evaluate(&cx);
        assert!(!without.evaluated.iter().any(|id| is_drift_rule(id)));
        let view = BaselineView::default();
        let with = engine.evaluate(&cx.with_baseline(&view));
        let drift: Vec<&String> = with
            .evaluated
            .iter()
            .filter(|id| is_drift_rule(id))
            .collect();
        assert_eq!(drift.len(), 5, "{drift:?}");
        assert!(with.findings.iter().all(|f| !is_drift_rule(&f.rule_id)));
    }

    #[test]
    fn related_paths_respect_token_boundaries() {
        assert!(related("/properties/ingress/0", "/properties/ingress"));
        assert!(related("/properties", "/properties/ingress"));
        assert!(!related("/properties/ingress_extra", "/properties/ingress"));
    }
}
