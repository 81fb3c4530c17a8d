//! The rule engine: runs every enabled rule (built-in and user packs) over an immutable
//! inventory, with the user's settings (disabled rules, severity overrides) applied.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skywarden_graph::topology::{self, Exposure};
use skywarden_graph::{AccountId, Coverage, Inventory, Region, ResourceId, ResourceKind, Scope};

use crate::baseline::BaselineView;
use crate::catalog;
use crate::error::RulesError;
use crate::finding::Finding;
use crate::meta::{Rule, RuleInfo, Severity};
use crate::pricing::PriceTable;
use crate::user::PackSet;

/// Everything a rule may read. Built once per evaluation; rules never do I/O.
#[derive(Debug)]
pub struct EvalCx<'a> {
    pub inventory: &'a Inventory,
    /// Precomputed internet exposure facts, keyed by the exposed resource.
    pub exposures: BTreeMap<ResourceId, Exposure>,
    pub pricing: &'a PriceTable,
    pub now: DateTime<Utc>,
    /// The tag policy (from [`RuleSettings::tag_policy`]; empty: the tag rules report nothing).
    pub tag_policy: TagPolicy,
    /// Age thresholds of built-in rules (from [`RuleSettings::thresholds`]).
    pub thresholds: Thresholds,
    /// Azure policy switches (from [`RuleSettings::azure`]).
    pub azure: AzureRuleSettings,
    /// What the scan could see, for account-level rules over regional kinds
    /// (`aws.cloudtrail.no_multi_region_trail`) and rules that conclude from a resource's
    /// *absence* (e.g. "no targets": they ask [`EvalCx::saw`] first); `None`: unknown
    /// (evaluation outside a scan).
    pub coverage: Option<&'a Coverage>,
    /// The connection's approved baselines, for the drift rules (`drift.*`); `None`: the drift
    /// rules do not run (and so resolve nothing). See [`crate::baseline`].
    pub baseline: Option<&'a BaselineView>,
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
            tag_policy: TagPolicy::default(),
            thresholds: Thresholds::default(),
            azure: AzureRuleSettings::default(),
            coverage: None,
            baseline: None,
        }
    }

    /// The same context with the connection's baselines (see [`EvalCx::baseline`]).
    pub fn with_baseline(mut self, baseline: &'a BaselineView) -> Self {
        self.baseline = Some(baseline);
        self
    }

    /// Whether the scan recorded (`account`, `region`, `kind`) as Complete. Stricter than
    /// [`EvalCx::saw`]: no coverage, or no entry for the scope, is not Complete. Drift rules
    /// raise findings only there.
    pub fn complete(&self, account: &AccountId, region: &Region, kind: ResourceKind) -> bool {
        let scope = Scope {
            account_id: account.clone(),
            region: region.clone(),
            kind,
        };
        self.coverage.is_some_and(|c| c.is_complete(&scope))
    }

    /// The same context with the scan's coverage (see [`EvalCx::coverage`]).
    pub fn with_coverage(mut self, coverage: &'a Coverage) -> Self {
        self.coverage = Some(coverage);
        self
    }

    /// Whether every resource of `kind` in (`account`, `region`) was seen: false when the
    /// scan recorded that scope as not Complete (Failed or Skipped). Without coverage, or for
    /// a scope the scan did not record, what the inventory holds is taken as complete.
    pub fn saw(&self, account: &AccountId, region: &Region, kind: ResourceKind) -> bool {
        let scope = Scope {
            account_id: account.clone(),
            region: region.clone(),
            kind,
        };
        self.coverage
            .and_then(|c| c.get(&scope))
            .is_none_or(|s| s.is_complete())
    }
}

/// Age thresholds of built-in rules (`[rules.thresholds]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// `aws.ebs.volume_unattached` ignores volumes created less than this many days ago
    /// (e.g. about to be attached by a deployment). 0 (the default): every unattached volume.
    pub volume_unattached_min_age_days: u32,
    /// `aws.iam.access_key_older_than_90d`: an active key older than this (CIS 1.14: 90).
    pub access_key_max_age_days: u32,
    /// `aws.iam.credentials_unused_45_days`: a password or active key unused this long
    /// (CIS 1.12: 45).
    pub credentials_unused_days: u32,
    /// `aws.ebs.snapshot_older_than_90d` and `azure.compute.snapshot_older_than_90d` report
    /// snapshots started (created) more than this many days ago. Default 90 (the rules'
    /// name); 0 reports every snapshot.
    pub snapshot_max_age_days: u32,
    /// `aws.rds.backup_retention_insufficient` reports DB instances keeping automated backups
    /// fewer days than this (default 7; 0 days = automated backups disabled, always reported
    /// unless this is 0).
    pub rds_backup_retention_min_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            volume_unattached_min_age_days: 0,
            access_key_max_age_days: 90,
            credentials_unused_days: 45,
            snapshot_max_age_days: 90,
            rds_backup_retention_min_days: 7,
        }
    }
}

/// Azure policy switches of built-in rules (`[rules.azure]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AzureRuleSettings {
    /// `azure.compute.disk_not_encrypted_with_cmk` reports managed disks encrypted with
    /// platform-managed keys only. Off (false) by default: customer-managed keys are a
    /// policy choice (CIS Azure 2.1.0 7.3/7.4 are Level 2).
    pub require_cmk_disks: bool,
}

/// The tag policy (`[rules.tag_policy]`): tags resources must carry and the values they may
/// take. `aws.tagging.resource_missing_required_tags` reports missing keys,
/// `aws.tagging.resource_invalid_tag_value` values outside the allowed set;
/// `azure.tagging.resource_missing_required_tags` and `azure.tagging.resource_invalid_tag_value`
/// do the same on Azure kinds (Azure tag keys are case-insensitive there; values are not).
///
/// `required` and `allowed_values` apply to the resources of `kinds` (every kind when empty);
/// `per_kind` adds to that for one kind: its `required` keys are added, and its
/// `allowed_values` replace the general ones key by key. Keys and values are compared exactly
/// (AWS tag keys and values are case-sensitive).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TagPolicy {
    /// Tag keys every resource of `kinds` must carry.
    pub required: Vec<String>,
    /// Kinds `required` and `allowed_values` apply to; empty = every kind.
    pub kinds: Vec<ResourceKind>,
    /// Tag key -> the only values it may take (when present), e.g.
    /// `environment = ["prod", "staging", "dev"]`.
    pub allowed_values: BTreeMap<String, Vec<String>>,
    /// Policies of single kinds, added to the general one.
    pub per_kind: BTreeMap<ResourceKind, KindTagPolicy>,
}

/// The part of the tag policy for one kind (`[rules.tag_policy.per_kind.<kind>]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KindTagPolicy {
    /// Required in addition to the general `required` keys.
    pub required: Vec<String>,
    /// Replace the general allowed values of the same keys.
    pub allowed_values: BTreeMap<String, Vec<String>>,
}

/// The tag policy in effect for one kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EffectiveTagPolicy {
    /// In configuration order, general keys first, without duplicates.
    pub required: Vec<String>,
    pub allowed_values: BTreeMap<String, Vec<String>>,
}

impl TagPolicy {
    /// Whether anything of the policy applies to `kind`.
    pub fn applies_to(&self, kind: ResourceKind) -> bool {
        self.for_kind(kind).is_some()
    }

    /// The policy in effect for `kind`; `None` when it requires and restricts nothing there.
    pub fn for_kind(&self, kind: ResourceKind) -> Option<EffectiveTagPolicy> {
        let mut out = EffectiveTagPolicy::default();
        if self.kinds.is_empty() || self.kinds.contains(&kind) {
            out.required.clone_from(&self.required);
            out.allowed_values.clone_from(&self.allowed_values);
        }
        if let Some(k) = self.per_kind.get(&kind) {
            for key in &k.required {
                if !out.required.contains(key) {
                    out.required.push(key.clone());
                }
            }
            for (key, values) in &k.allowed_values {
                out.allowed_values.insert(key.clone(), values.clone());
            }
        }
        (!out.required.is_empty() || !out.allowed_values.is_empty()).then_some(out)
    }

    /// A configuration mistake: an empty key, or a key whose allowed set is empty (no value
    /// could ever pass).
    pub fn validate(&self) -> Result<(), String> {
        let general = std::iter::once((None, &self.required, &self.allowed_values));
        let kinds = self
            .per_kind
            .iter()
            .map(|(k, p)| (Some(*k), &p.required, &p.allowed_values));
        for (kind, required, allowed) in general.chain(kinds) {
            let at = kind.map_or(String::new(), |k| format!(" (per_kind.{k})"));
            if required.iter().any(String::is_empty) {
                return Err(format!("an empty tag key in required{at}"));
            }
            for (key, values) in allowed {
                if key.is_empty() {
                    return Err(format!("an empty tag key in allowed_values{at}"));
                }
                if values.is_empty() {
                    return Err(format!(
                        "allowed_values.{key}{at} is empty: no value could pass; remove the key instead"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Rule settings users tune without code (the `[rules]` section of the configuration).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleSettings {
    /// Rule ids (built-in or pack) that are not evaluated.
    pub disabled: BTreeSet<String>,
    /// Rule id -> severity to report instead of the rule's own.
    pub severity_overrides: BTreeMap<String, Severity>,
    /// Required tags and allowed values (`aws.tagging.*`, `azure.tagging.*`).
    pub tag_policy: TagPolicy,
    /// Age thresholds of built-in rules.
    pub thresholds: Thresholds,
    /// Azure policy switches of built-in rules.
    pub azure: AzureRuleSettings,
}

/// A rule that could not be evaluated (e.g. a pack rule over its time budget). The other
/// rules' findings still count; this rule's previous findings are left as they were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleEvalError {
    pub rule_id: String,
    pub message: String,
}

/// What one evaluation produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Sorted by key, one per key.
    pub findings: Vec<Finding>,
    /// Rules that failed as a whole; their ids are not in `evaluated`.
    pub errors: Vec<RuleEvalError>,
    /// Ids of the rules that ran to completion (the store may resolve only their findings).
    pub evaluated: BTreeSet<String>,
}

/// Runs a set of rules.
#[derive(Debug, Clone)]
pub struct Engine {
    builtins: Vec<Rule>,
    packs: PackSet,
    settings: RuleSettings,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            builtins: catalog::all().to_vec(),
            packs: PackSet::default(),
            settings: RuleSettings::default(),
        }
    }
}

impl Engine {
    /// Only these built-in rules, no packs, default settings.
    pub fn with_rules(rules: Vec<Rule>) -> Self {
        Engine {
            builtins: rules,
            packs: PackSet::default(),
            settings: RuleSettings::default(),
        }
    }

    /// Every built-in rule plus `packs`, with `settings`. Every rule id named in the settings
    /// must exist (a typo would otherwise silently keep a rule on).
    pub fn new(packs: PackSet, settings: RuleSettings) -> Result<Self, RulesError> {
        let engine = Engine {
            builtins: catalog::all().to_vec(),
            packs,
            settings,
        };
        engine
            .settings
            .tag_policy
            .validate()
            .map_err(RulesError::InvalidTagPolicy)?;
        let known: BTreeSet<String> = engine.all_rule_ids().collect();
        for id in engine
            .settings
            .disabled
            .iter()
            .chain(engine.settings.severity_overrides.keys())
        {
            if !known.contains(id) {
                return Err(RulesError::UnknownRule(id.chars().take(200).collect()));
            }
        }
        Ok(engine)
    }

    fn all_rule_ids(&self) -> impl Iterator<Item = String> + '_ {
        self.builtins
            .iter()
            .map(|r| r.meta.id.to_string())
            .chain(self.packs.rules().iter().map(|r| r.info().id.clone()))
    }

    pub fn packs(&self) -> &PackSet {
        &self.packs
    }

    pub fn settings(&self) -> &RuleSettings {
        &self.settings
    }

    /// The same built-ins and settings with other packs (a reload).
    pub fn with_packs(&self, packs: PackSet) -> Result<Self, RulesError> {
        Engine::new(packs, self.settings.clone()).map(|mut e| {
            e.builtins = self.builtins.clone();
            e
        })
    }

    fn enabled(&self, id: &str) -> bool {
        !self.settings.disabled.contains(id)
    }

    fn effective(&self, mut info: RuleInfo) -> RuleInfo {
        if let Some(s) = self.settings.severity_overrides.get(&info.id) {
            info.severity = *s;
        }
        info
    }

    /// The evaluation context with this engine's settings (the tag policy) applied.
    pub fn context<'a>(
        &self,
        inventory: &'a Inventory,
        pricing: &'a PriceTable,
        now: DateTime<Utc>,
    ) -> EvalCx<'a> {
        let mut cx = EvalCx::new(inventory, pricing, now);
        cx.tag_policy = self.settings.tag_policy.clone();
        cx.thresholds = self.settings.thresholds.clone();
        cx.azure = self.settings.azure.clone();
        cx
    }

    /// Metadata of every enabled rule, severity overrides applied, built-ins first.
    pub fn rules(&self) -> Vec<RuleInfo> {
        self.builtins
            .iter()
            .map(|r| RuleInfo::from(&r.meta))
            .chain(self.packs.rules().iter().map(|r| r.info().clone()))
            .filter(|i| self.enabled(&i.id))
            .map(|i| self.effective(i))
            .collect()
    }

    /// Evaluates every enabled rule. Findings are sorted by key, one per key.
    pub fn evaluate(&self, cx: &EvalCx<'_>) -> Evaluation {
        let mut out = Evaluation::default();
        for rule in self.builtins.iter().filter(|r| self.enabled(r.meta.id)) {
            // Without baselines the drift rules cannot look: they neither report nor resolve.
            if catalog::is_drift_rule(rule.meta.id) && cx.baseline.is_none() {
                continue;
            }
            out.findings.extend((rule.eval)(cx));
            out.evaluated.insert(rule.meta.id.to_string());
        }
        let enabled: BTreeSet<String> = self
            .packs
            .rules()
            .iter()
            .map(|r| r.info().id.clone())
            .filter(|id| self.enabled(id))
            .collect();
        let packs = self.packs.evaluate(cx, &enabled);
        out.findings.extend(packs.findings);
        out.errors.extend(packs.errors);
        out.evaluated.extend(packs.evaluated);
        for f in &mut out.findings {
            if let Some(s) = self.settings.severity_overrides.get(&f.rule_id) {
                f.severity = *s;
            }
        }
        out.findings.sort_by(|a, b| a.key.cmp(&b.key));
        out.findings.dedup_by(|a, b| a.key == b.key);
        out
    }
}
