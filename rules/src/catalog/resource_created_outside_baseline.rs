//! `drift.resource_created_outside_baseline`: a resource that is not in the approved baseline
//! although the baseline covers where it lives. Every kind (the rule lists none): a finding
//! reads only its own resource, so it depends on its own scope only.

use skywarden_graph::PatchOp;

use crate::baseline::{drift_finding, normalised_document, DriftChange};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "drift.resource_created_outside_baseline",
        title: "Resource created outside the approved baseline",
        description: "The resource is not in the connection's pinned baseline, although the \
                      baseline covers its account, region and kind (the pinned scan saw that \
                      scope completely) and, for a baseline pinned with a tag selector, the \
                      resource carries that tag. Typical causes: a console click, a script, a \
                      pipeline outside the reviewed infrastructure code. The evidence is a JSON \
                      Patch adding the whole (normalised) document. Applies to every kind.",
        severity: Severity::Low,
        category: Category::Drift,
        kinds: &[],
        remediation: "If the resource is intended, approve it into the baseline (`skywarden \
                      baselines approve --resource <id>`); otherwise delete it, and bring its \
                      creation under the reviewed process (infrastructure code, SCPs).",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    let Some(view) = cx.baseline else {
        return Vec::new();
    };
    cx.inventory
        .resources()
        .filter(|r| cx.complete(&r.account_id, &r.region, r.kind()))
        .filter(|r| view.get(&r.id).is_none())
        .filter_map(|r| {
            let baseline = view.covering(r)?;
            let patch = vec![PatchOp::Add {
                path: String::new(),
                value: normalised_document(r),
            }];
            Some(drift_finding(&RULE.meta, r, baseline, DriftChange::Created, patch))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::testkit::{instance, volume};

    use super::*;
    use crate::baseline::testkit::{ops, pinned, run, run_with, scope_of};
    use crate::finding::Evidence;

    #[test]
    fn fires_on_a_new_resource_in_a_covered_scope() {
        let approved = vec![instance("i-1", |_| {}), volume("vol-1", |_| {})];
        let current = vec![instance("i-1", |_| {}), instance("i-new", |_| {}), volume("vol-1", |_| {})];
        let findings = run(&RULE, approved, current, &[]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].resource_id.short_id(), "i-new");
        assert_eq!(ops(&findings[0]), [("add".to_string(), String::new())]);
        let Evidence::BaselineDrift { change, patch, .. } = &findings[0].evidence else {
            unreachable!()
        };
        assert_eq!(*change, DriftChange::Created);
        let PatchOp::Add { value, .. } = &patch[0] else { unreachable!() };
        assert_eq!(value["properties"]["instance_id"], "i-new");
    }

    #[test]
    fn passes_for_approved_resources_and_uncovered_scopes() {
        // The baseline covers instances only: a new volume is outside its scopes.
        let approved = vec![instance("i-1", |_| {})];
        let current = vec![instance("i-1", |_| {}), volume("vol-new", |_| {})];
        assert!(run(&RULE, approved, current, &[]).is_empty());
    }

    #[test]
    fn a_tag_selector_limits_what_is_covered() {
        let mut prod = instance("i-1", |_| {});
        prod.tags.insert("env".into(), "prod".into());
        let approved = vec![prod.clone()];
        let baseline = pinned(&approved, Some("env=prod"));
        let mut new_prod = instance("i-2", |_| {});
        new_prod.tags.insert("env".into(), "prod".into());
        let new_dev = instance("i-3", |_| {});
        let findings = run_with(&RULE, baseline, approved, vec![prod, new_prod, new_dev], &[]);
        let ids: Vec<&str> = findings.iter().map(|f| f.resource_id.short_id()).collect();
        assert_eq!(ids, ["i-2"]);
    }

    #[test]
    fn a_failed_scope_raises_nothing() {
        let approved = vec![instance("i-1", |_| {})];
        let current = vec![instance("i-1", |_| {}), instance("i-new", |_| {})];
        let failed = [scope_of(&current[0])];
        assert!(run(&RULE, approved, current, &failed).is_empty());
    }
}
