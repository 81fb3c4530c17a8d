//! `skywarden-rules`: rule metadata, the rule registry and engine, findings with stable keys,
//! the price table used by cost rules, and (later) exports.
//!
//! Owns: [`RuleMeta`], [`Finding`] / [`FindingKey`] / [`FindingRecord`], [`Severity`],
//! [`Category`], [`FindingStatus`], the catalog of built-in rules ([`catalog`]), the
//! [`engine`] and [`pricing`], the baselines drift rules compare against ([`baseline`]) and
//! tag policy totals ([`tag_totals`]).
//!
//! Depends on `skywarden-graph` only. Must not depend on the scanner, the store, any cloud
//! SDK or any I/O: rules are pure functions over an immutable inventory.

// Tests may unwrap: a panic is the failure report. Non-test code is still linted.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod baseline;
pub mod catalog;
pub mod engine;
pub mod error;
pub mod export;
pub mod finding;
pub mod meta;
pub mod pricing;
pub mod suppression;
pub mod tag_totals;
pub mod user;

pub use baseline::{BaselineView, DriftChange, PinnedBaseline, TagSelector};
pub use engine::{
    AzureRuleSettings, Engine, EvalCx, Evaluation, KindTagPolicy, RuleEvalError, RuleSettings,
    TagPolicy, Thresholds,
};
pub use error::RulesError;
pub use export::{ExportError, ExportFormat, ExportInput};
pub use finding::{
    BilledAzureDisk, BilledVolume, CostComponent, Evidence, Finding, FindingKey, FindingRecord,
    FindingStatus, InvalidTagValue, PricingBasis, SuppressionRef, TrailSummary, UnusedCredential,
};
pub use meta::{
    Category, ComplianceRef, Framework, FrameworkRef, Rule, RuleInfo, RuleMeta, RuleSource,
    Severity,
};
pub use pricing::{cost_totals, CostTotals, PriceOverrides, PriceTable, PricingError};
pub use suppression::{NewSuppression, StaleReason, StaleSuppression, Suppression};
pub use tag_totals::{tag_totals, AccountTagTotals, TagKeyTotals};
