//! Pure preparation of a scan outcome for writing, and the resolution rule.
//!
//! Everything that can fail without touching the database (serialising documents and
//! evidence, rejecting non-finite costs) happens here, before the transaction opens, so a
//! bad value never leaves a transaction half-done. The repository then only runs SQL.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SubsecRound, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;
use sha2::{Digest, Sha256};
use skywarden_graph::volatile::{has_volatile_fields, normalised};
use skywarden_graph::{
    AccountId, ConnectionId, Coverage, CoverageStatus, Region, Resource, ResourceKind, Scope,
};
use skywarden_rules::{catalog, Finding, FindingKey, RuleInfo};

use crate::error::StoreError;
use crate::types::{severity_rank, ScanOutcome, ScanStatus};

/// Every timestamp is truncated to whole microseconds before it is written: Postgres keeps
/// microseconds, and both backends must read back identical values.
pub(crate) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// One resource row to upsert.
#[derive(Debug)]
pub(crate) struct ResourceWrite<'a> {
    pub resource: &'a Resource,
    pub kind: &'static str,
    /// The canonical (sorted-key) document as compact JSON text: a scan's documents are held
    /// between planning and writing, and text is several times smaller than a `Value` tree.
    pub document: Box<RawValue>,
    /// Hex SHA-256 of the canonical (sorted-key) JSON of the *normalised* document (volatile
    /// fields cleared, `skywarden_graph::volatile`): equal exactly when nothing really changed.
    pub content_hash: String,
    /// Hex SHA-256 of the canonical JSON of the stored document itself.
    pub document_hash: String,
}

/// One finding row to upsert.
#[derive(Debug)]
pub(crate) struct FindingWrite<'a> {
    pub finding: &'a Finding,
    pub severity_rank: i32,
    pub evidence: Value,
    pub pricing_basis: Option<Value>,
    pub resource_tags: Value,
}

/// A scan outcome ready to write.
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    pub finished_at: DateTime<Utc>,
    /// Resources of Complete scopes, one per id, ordered by id.
    pub resources: Vec<ResourceWrite<'a>>,
    /// The scopes whose stored resources the scan replaces.
    pub complete_scopes: Vec<&'a Scope>,
    /// One per key, ordered by key.
    pub findings: Vec<FindingWrite<'a>>,
    pub status: ScanStatus,
    pub coverage: Value,
    pub errors: Value,
}

impl<'a> Plan<'a> {
    pub(crate) fn new(outcome: &ScanOutcome<'a>) -> Result<Self, StoreError> {
        let coverage = outcome.coverage;
        let resources = plan_resources(&outcome.connection_id, coverage, &outcome.resources)?;
        let findings = plan_findings(&outcome.connection_id, outcome.findings)?;
        Ok(Plan {
            finished_at: micros(outcome.finished_at),
            resources,
            complete_scopes: coverage.complete_scopes().collect(),
            findings,
            status: ScanStatus::from_coverage(coverage),
            coverage: to_value("scan coverage", &outcome.scan_id.to_string(), coverage)?,
            errors: to_value("scan errors", &outcome.scan_id.to_string(), &outcome.errors)?,
        })
    }
}

fn to_value(what: &'static str, key: &str, v: &impl Serialize) -> Result<Value, StoreError> {
    serde_json::to_value(v).map_err(|e| StoreError::Encode {
        what,
        key: key.to_string(),
        reason: e.to_string(),
    })
}

/// The JSON form of a value that will be read back later: it must parse back to an equal
/// value, or it is refused now rather than failing to decode on every later read. This
/// catches, for instance, a NaN or infinite float anywhere inside (JSON turns it into null).
fn to_stored<T: Serialize + DeserializeOwned + PartialEq>(
    what: &'static str,
    key: &str,
    v: &T,
) -> Result<Value, StoreError> {
    let value = to_value(what, key, v)?;
    match T::deserialize(&value) {
        Ok(back) if back == *v => Ok(value),
        Ok(_) => Err(StoreError::Encode {
            what,
            key: key.to_string(),
            reason: "does not read back as written (a NaN or infinite number?)".into(),
        }),
        Err(e) => Err(StoreError::Encode {
            what,
            key: key.to_string(),
            reason: format!("does not read back: {e}"),
        }),
    }
}

fn plan_resources<'a>(
    connection: &ConnectionId,
    coverage: &Coverage,
    resources: &[&'a Resource],
) -> Result<Vec<ResourceWrite<'a>>, StoreError> {
    // One copy per id; the last one wins, as in the inventory builder.
    let mut by_id: BTreeMap<&str, &'a Resource> = BTreeMap::new();
    for r in resources {
        by_id.insert(r.id.as_str(), r);
    }
    let mut uncovered: BTreeMap<Scope, usize> = BTreeMap::new();
    let mut incomplete = 0usize;
    let mut out = Vec::with_capacity(by_id.len());
    for r in by_id.into_values() {
        let scope = Scope {
            account_id: r.account_id.clone(),
            region: r.region.clone(),
            kind: r.kind(),
        };
        match coverage.get(&scope) {
            Some(CoverageStatus::Complete) => {}
            Some(_) => {
                // Failed or Skipped: whatever was seen there is not trusted; stored rows stay.
                incomplete += 1;
                continue;
            }
            None => {
                *uncovered.entry(scope).or_default() += 1;
                continue;
            }
        }
        let encode = |e: serde_json::Error| StoreError::Encode {
            what: "resource",
            key: r.id.to_string(),
            reason: e.to_string(),
        };
        let text = serde_json::to_string(&canonical(to_stored("resource", r.id.as_str(), r)?))
            .map_err(encode)?;
        let document_hash = hex::encode(Sha256::digest(text.as_bytes()));
        let content_hash = if has_volatile_fields(r.kind()) {
            let n = canonical(to_value("resource", r.id.as_str(), normalised(r).as_ref())?);
            hex::encode(Sha256::digest(
                serde_json::to_string(&n).map_err(encode)?.as_bytes(),
            ))
        } else {
            document_hash.clone()
        };
        out.push(ResourceWrite {
            resource: r,
            kind: r.kind().as_str(),
            document: RawValue::from_string(text).map_err(encode)?,
            content_hash,
            document_hash,
        });
    }
    for (scope, count) in uncovered {
        tracing::warn!(
            connection = %connection,
            account = %scope.account_id,
            region = %scope.region,
            kind = %scope.kind,
            resources = count,
            "resources of a scope with no coverage entry were not stored"
        );
    }
    if incomplete > 0 {
        tracing::debug!(connection = %connection, resources = incomplete, "resources of failed or skipped scopes left as stored");
    }
    Ok(out)
}

fn plan_findings<'a>(
    connection: &ConnectionId,
    findings: &'a [Finding],
) -> Result<Vec<FindingWrite<'a>>, StoreError> {
    let mut by_key: BTreeMap<&FindingKey, &'a Finding> = BTreeMap::new();
    let mut duplicates = 0usize;
    for f in findings {
        if by_key.insert(&f.key, f).is_some() {
            duplicates += 1;
        }
    }
    if duplicates > 0 {
        tracing::warn!(connection = %connection, duplicates, "findings with the same key; the last one is stored");
    }
    by_key
        .into_values()
        .map(|f| {
            let bad = |reason: String| StoreError::Encode {
                what: "finding",
                key: f.key.to_string(),
                reason,
            };
            if let Some(cost) = f.monthly_cost_usd.filter(|c| !c.is_finite()) {
                return Err(bad(format!(
                    "monthly_cost_usd is {cost}, not a finite number"
                )));
            }
            Ok(FindingWrite {
                finding: f,
                severity_rank: severity_rank(f.severity),
                evidence: to_stored("finding evidence", f.key.as_str(), &f.evidence)?,
                pricing_basis: f
                    .pricing_basis
                    .as_ref()
                    .map(|b| to_stored("finding pricing basis", f.key.as_str(), b))
                    .transpose()?,
                resource_tags: to_stored(
                    "finding resource tags",
                    f.key.as_str(),
                    &f.resource_tags,
                )?,
            })
        })
        .collect()
}

/// The JSON value with every object's keys sorted, recursively: the same resource always
/// hashes the same whatever serde_json's map ordering.
pub(crate) fn canonical(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// Whether a stored finding that this scan did not report may be resolved: only when its rule
/// ran to completion in this scan (`evaluated`) and every kind the rule reads was Complete for
/// the finding's account and region. Kinds come from `rules` (the rules that ran), else the
/// built-in catalog, else the finding's own kind; drift rules (`drift.*`) always use the
/// finding's own kind.
pub(crate) fn may_resolve(
    coverage: &Coverage,
    rules: &[RuleInfo],
    evaluated: &BTreeSet<String>,
    rule_id: &str,
    resource_kind: ResourceKind,
    account_id: &AccountId,
    region: &Region,
) -> bool {
    if !evaluated.contains(rule_id) {
        return false;
    }
    let own = [resource_kind];
    let kinds: &[ResourceKind] = match rules.iter().find(|r| r.id == rule_id) {
        // A drift finding reads only its own resource (now and in the baseline).
        _ if catalog::is_drift_rule(rule_id) => &own,
        Some(r) if !r.kinds.is_empty() => &r.kinds,
        _ => match catalog::get(rule_id) {
            Some(rule) if !rule.meta.kinds.is_empty() => rule.meta.kinds,
            _ => &own,
        },
    };
    let kinds: BTreeSet<ResourceKind> = kinds.iter().copied().collect();
    kinds.into_iter().all(|kind| {
        let scope = Scope {
            account_id: account_id.clone(),
            region: region.clone(),
            kind,
        };
        if region.is_global() && coverage.get(&scope).is_none() {
            return account_wide_known(coverage, account_id, kind);
        }
        coverage.is_complete(&scope)
    })
}

/// An account-level finding (region `global`) over a regional kind, e.g.
/// `aws.cloudtrail.no_multi_region_trail`: the kind must have been read in at least one
/// region of the account and failed in none (Skipped regions are not enabled and hold nothing),
/// exactly when such a rule may fire.
fn account_wide_known(coverage: &Coverage, account_id: &AccountId, kind: ResourceKind) -> bool {
    let statuses: Vec<_> = coverage
        .iter()
        .filter(|(s, _)| s.account_id == *account_id && s.kind == kind)
        .map(|(_, st)| st)
        .collect();
    statuses.iter().any(|st| st.is_complete())
        && !statuses
            .iter()
            .any(|st| matches!(st, skywarden_graph::CoverageStatus::Failed { .. }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use skywarden_graph::{ErrorClass, ScopeError};

    fn acct() -> AccountId {
        "123456789012".parse().unwrap()
    }
    fn region(r: &str) -> Region {
        r.parse().unwrap()
    }
    fn scope(r: &str, kind: ResourceKind) -> Scope {
        Scope {
            account_id: acct(),
            region: region(r),
            kind,
        }
    }
    fn failed() -> CoverageStatus {
        CoverageStatus::Failed {
            error: ScopeError {
                class: ErrorClass::Throttled,
                code: None,
                message: "slow".into(),
            },
        }
    }

    #[test]
    fn canonical_sorts_nested_keys() {
        let v = serde_json::json!({"b": 1, "a": {"z": [{"y": 1, "x": 2}], "c": null}});
        assert_eq!(
            serde_json::to_string(&canonical(v)).unwrap(),
            r#"{"a":{"c":null,"z":[{"x":2,"y":1}]},"b":1}"#
        );
    }

    #[test]
    fn resolution_needs_every_rule_kind_complete_in_the_findings_region() {
        let ssh = "aws.ec2.security_group_world_open_ssh";
        let sg = ResourceKind::AwsEc2SecurityGroup;
        let evaluated: BTreeSet<String> = [ssh, "user.custom_rule"].map(String::from).into();
        let may_resolve = |c: &Coverage, id: &str, k, a: &AccountId, r: &Region| {
            super::may_resolve(c, &[], &evaluated, id, k, a, r)
        };
        let mut c = Coverage::new();
        c.record(scope("us-east-1", sg), CoverageStatus::Complete);
        c.record(scope("eu-west-1", sg), failed());
        assert!(may_resolve(&c, ssh, sg, &acct(), &region("us-east-1")));
        assert!(!may_resolve(&c, ssh, sg, &acct(), &region("eu-west-1")));
        // No entry at all is not "Complete".
        assert!(!may_resolve(&c, ssh, sg, &acct(), &region("ap-south-1")));
        // Unknown rule ids fall back to the finding's own kind.
        let vol = ResourceKind::AwsEbsVolume;
        assert!(!may_resolve(
            &c,
            "user.custom_rule",
            vol,
            &acct(),
            &region("us-east-1")
        ));
        c.record(scope("us-east-1", vol), CoverageStatus::Complete);
        assert!(may_resolve(
            &c,
            "user.custom_rule",
            vol,
            &acct(),
            &region("us-east-1")
        ));
    }

    #[test]
    fn account_level_findings_over_regional_kinds_resolve_only_when_every_region_was_read() {
        let trail = ResourceKind::AwsCloudtrailTrail;
        let rule = "aws.cloudtrail.no_multi_region_trail";
        let evaluated: BTreeSet<String> = [rule.to_string()].into();
        let global = Region::global();
        let mut c = Coverage::new();
        c.record(scope("us-east-1", trail), CoverageStatus::Complete);
        c.record(
            scope("ap-south-2", trail),
            CoverageStatus::Skipped {
                reason: "not enabled".into(),
            },
        );
        assert!(may_resolve(
            &c,
            &[],
            &evaluated,
            rule,
            trail,
            &acct(),
            &global
        ));
        c.record(scope("eu-west-1", trail), failed());
        assert!(!may_resolve(
            &c,
            &[],
            &evaluated,
            rule,
            trail,
            &acct(),
            &global
        ));
        assert!(
            !may_resolve(
                &Coverage::new(),
                &[],
                &evaluated,
                rule,
                trail,
                &acct(),
                &global
            ),
            "never read: unknown"
        );
    }

    #[test]
    fn rules_that_did_not_run_resolve_nothing() {
        let sg = ResourceKind::AwsEc2SecurityGroup;
        let mut c = Coverage::new();
        c.record(scope("us-east-1", sg), CoverageStatus::Complete);
        let none = BTreeSet::new();
        let id = "aws.ec2.security_group_world_open_ssh";
        assert!(!may_resolve(
            &c,
            &[],
            &none,
            id,
            sg,
            &acct(),
            &region("us-east-1")
        ));
        // A pack rule's kinds come from its RuleInfo, not the finding's kind.
        let mut info = RuleInfo::from(&catalog::all()[0].meta);
        info.id = "acme.x".into();
        info.kinds = vec![sg, ResourceKind::AwsEc2Instance];
        let ran: BTreeSet<String> = ["acme.x".to_string()].into();
        assert!(!may_resolve(
            &c,
            std::slice::from_ref(&info),
            &ran,
            "acme.x",
            sg,
            &acct(),
            &region("us-east-1")
        ));
        c.record(
            scope("us-east-1", ResourceKind::AwsEc2Instance),
            CoverageStatus::Complete,
        );
        assert!(may_resolve(
            &c,
            &[info],
            &ran,
            "acme.x",
            sg,
            &acct(),
            &region("us-east-1")
        ));
    }

    #[test]
    fn drift_findings_depend_on_their_own_scope_only() {
        let rule = "drift.public_access_enabled";
        let sg = ResourceKind::AwsEc2SecurityGroup;
        let evaluated: BTreeSet<String> = [rule.to_string()].into();
        let mut c = Coverage::new();
        c.record(scope("us-east-1", sg), CoverageStatus::Complete);
        c.record(scope("eu-west-1", sg), failed());
        // The rule also lists buckets and snapshots; an SG finding does not wait for them.
        assert!(may_resolve(
            &c,
            &[],
            &evaluated,
            rule,
            sg,
            &acct(),
            &region("us-east-1")
        ));
        assert!(!may_resolve(
            &c,
            &[],
            &evaluated,
            rule,
            sg,
            &acct(),
            &region("eu-west-1")
        ));
        // A rule listing no kinds (every kind): the finding's own kind.
        let created = "drift.resource_created_outside_baseline";
        let evaluated: BTreeSet<String> = [created.to_string()].into();
        let vol = ResourceKind::AwsEbsVolume;
        assert!(!may_resolve(
            &c,
            &[],
            &evaluated,
            created,
            vol,
            &acct(),
            &region("us-east-1")
        ));
        c.record(scope("us-east-1", vol), CoverageStatus::Complete);
        assert!(may_resolve(
            &c,
            &[],
            &evaluated,
            created,
            vol,
            &acct(),
            &region("us-east-1")
        ));
    }

    #[test]
    fn micros_truncates() {
        let t = DateTime::parse_from_rfc3339("2026-11-01T10:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(micros(t).to_rfc3339(), "2026-11-01T10:00:00.123456+00:00");
    }
}
