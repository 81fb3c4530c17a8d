//! Rule metadata: what a rule checks, how bad it is, how to fix it, which controls it maps to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::error::RulesError;
use crate::finding::Finding;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}
impl FromStr for Severity {
    type Err = RulesError;
    fn from_str(s: &str) -> Result<Self, RulesError> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| RulesError::UnknownSeverity(s.chars().take(50).collect()))
    }
}
impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Security,
    Cost,
    Drift,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Security, Category::Cost, Category::Drift];
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Cost => "cost",
            Category::Drift => "drift",
        }
    }
}
impl FromStr for Category {
    type Err = RulesError;
    fn from_str(s: &str) -> Result<Self, RulesError> {
        Category::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| RulesError::UnknownCategory(s.chars().take(50).collect()))
    }
}
impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compliance frameworks a rule can map to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Framework {
    CisAwsFoundations,
    CisAzureFoundations,
}

/// A control of a framework, keyed by framework *and* version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct FrameworkRef {
    pub framework: Framework,
    pub version: &'static str,
    pub control: &'static str,
}

/// Static metadata of a built-in rule; lives next to the rule's code.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleMeta {
    /// `<provider>.<service>.<subject>_<condition>`; the last segment is the file name.
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub severity: Severity,
    pub category: Category,
    pub kinds: &'static [ResourceKind],
    pub remediation: &'static str,
    pub frameworks: &'static [FrameworkRef],
}

/// A built-in rule: metadata plus a pure evaluation function.
#[derive(Clone, Copy)]
pub struct Rule {
    pub meta: RuleMeta,
    /// Findings in any order; the engine sorts and de-duplicates.
    pub eval: fn(&EvalCx<'_>) -> Vec<Finding>,
}

/// Where a rule comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum RuleSource {
    /// Compiled into Skywarden (`rules/src/catalog/`).
    Builtin,
    /// A user rule pack (`schema: skywarden.rules/v1`): its file and pack name.
    Pack { file: String, pack: String },
}

/// A compliance control reference with owned strings: built-in rules map their
/// [`FrameworkRef`]s into it (`cis_aws_foundations`), user packs name any framework.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ComplianceRef {
    /// snake_case framework key, e.g. `cis_aws_foundations`, `nist_800_53`.
    pub framework: String,
    pub version: String,
    pub control: String,
}

impl From<&FrameworkRef> for ComplianceRef {
    fn from(f: &FrameworkRef) -> Self {
        ComplianceRef {
            framework: f.framework.as_str().to_string(),
            version: f.version.to_string(),
            control: f.control.to_string(),
        }
    }
}

impl Framework {
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::CisAwsFoundations => "cis_aws_foundations",
            Framework::CisAzureFoundations => "cis_azure_foundations",
        }
    }
}

/// Owned metadata of any rule, built-in or from a user pack, after configuration
/// (severity overrides) is applied. Exports, the store and the CLI read rules through this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub category: Category,
    pub kinds: Vec<ResourceKind>,
    pub remediation: String,
    pub compliance: Vec<ComplianceRef>,
    pub source: RuleSource,
}

impl From<&RuleMeta> for RuleInfo {
    fn from(m: &RuleMeta) -> Self {
        RuleInfo {
            id: m.id.to_string(),
            title: m.title.to_string(),
            description: m.description.to_string(),
            severity: m.severity,
            category: m.category,
            kinds: m.kinds.to_vec(),
            remediation: m.remediation.to_string(),
            compliance: m.frameworks.iter().map(ComplianceRef::from).collect(),
            source: RuleSource::Builtin,
        }
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("id", &self.meta.id).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("urgent".parse::<Severity>().is_err());
        assert_eq!(
            serde_json::to_string(&Severity::Medium).unwrap(),
            "\"medium\""
        );
    }
}
