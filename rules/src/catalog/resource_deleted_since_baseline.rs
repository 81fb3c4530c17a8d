//! `drift.resource_deleted_since_baseline`: a resource of the approved baseline is gone, in a
//! scope the scan saw completely ("could not see" is never "deleted"). Every kind (the rule
//! lists none): a finding depends on its own resource's scope only.

use serde_json::Value;
use skywarden_graph::PatchOp;

use crate::baseline::{drift_finding, DriftChange};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "drift.resource_deleted_since_baseline",
        title: "Resource deleted since the approved baseline",
        description: "A resource of the connection's pinned baseline no longer exists: the \
                      scan read its account, region and kind completely and did not find it. A \
                      scope that failed or was skipped is never taken as a deletion. The \
                      evidence is a JSON Patch replacing the whole document with null; the \
                      finding carries the approved resource's kind, region and tags.",
        severity: Severity::Medium,
        category: Category::Drift,
        kinds: &[],
        remediation: "If the deletion is intended, approve it (`skywarden baselines approve \
                      --resource <id>` removes the resource from the baseline); otherwise \
                      restore it (from a snapshot, backup or infrastructure code) and find who \
                      deleted it in CloudTrail.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    let Some(view) = cx.baseline else {
        return Vec::new();
    };
    view.entries()
        .filter(|(_, approved)| {
            cx.complete(&approved.account_id, &approved.region, approved.kind())
                && cx.inventory.get(&approved.id).is_none()
        })
        .map(|(baseline, approved)| {
            let patch = vec![PatchOp::Replace {
                path: String::new(),
                value: Value::Null,
            }];
            drift_finding(&RULE.meta, approved, baseline, DriftChange::Deleted, patch)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::testkit::{instance, volume};

    use super::*;
    use crate::baseline::testkit::{ops, run, scope_of};

    #[test]
    fn fires_on_an_approved_resource_that_is_gone() {
        let approved = vec![instance("i-1", |_| {}), volume("vol-1", |_| {})];
        let current = vec![instance("i-1", |_| {})];
        let findings = run(&RULE, approved, current, &[]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].resource_id.short_id(), "vol-1");
        assert_eq!(findings[0].resource_kind, skywarden_graph::ResourceKind::AwsEbsVolume);
        assert_eq!(ops(&findings[0]), [("replace".to_string(), String::new())]);
    }

    #[test]
    fn passes_when_everything_is_there() {
        let approved = vec![instance("i-1", |_| {})];
        assert!(run(&RULE, approved.clone(), approved, &[]).is_empty());
    }

    #[test]
    fn a_failed_scope_is_never_a_deletion() {
        let approved = vec![instance("i-1", |_| {}), volume("vol-1", |_| {})];
        let failed = [scope_of(&approved[1])];
        let current = vec![instance("i-1", |_| {})];
        assert!(run(&RULE, approved, current, &failed).is_empty());
    }
}
