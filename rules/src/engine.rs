//! The rule engine: runs every enabled rule (built-in and user packs) over an immutable
//! inventory, with the user's settings (disabled rules, severity overrides) applied.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skywarden_graph::topology::{self, Exposure};
use skywarden_graph::{AccountId, Coverage, Inventory, Region, ResourceId, ResourceKind, Scope};

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
    /// Required tags (from [`RuleSettings::tag_policy`]; empty: the tag rule reports nothing).
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
        }
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

/// Tags every resource (of `kinds`, or of every kind when empty) must carry
/// (`aws.tagging.resource_missing_required_tags`, `azure.tagging.resource_missing_required_tags`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TagPolicy {
    /// Tag keys, matched exactly (AWS tag keys are case-sensitive).
    pub required: Vec<String>,
    /// Kinds the policy applies to; empty = every kind.
    pub kinds: Vec<ResourceKind>,
}

impl TagPolicy {
    pub fn applies_to(&self, kind: ResourceKind) -> bool {
        !self.required.is_empty() && (self.kinds.is_empty() || self.kinds.contains(&kind))
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
    /// Required tags for `aws.tagging.resource_missing_required_tags` and
    /// `azure.tagging.resource_missing_required_tags`.
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
