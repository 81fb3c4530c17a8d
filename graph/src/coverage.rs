//! What a scan could and could not see, per (account, region, kind).
//!
//! "Could not see" is never "nothing there": deletions, drift and resolved findings are only
//! ever derived from [`CoverageStatus::Complete`] scopes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, Region};
use crate::kind::ResourceKind;

/// The unit of coverage.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Scope {
    pub account_id: AccountId,
    pub region: Region,
    pub kind: ResourceKind,
}

/// Classified failure of one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    AccessDenied,
    InvalidCredentials,
    Throttled,
    RegionDisabled,
    Transport,
    Timeout,
    Decode,
    Service,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeError {
    pub class: ErrorClass,
    /// The provider's error code (e.g. `UnauthorizedOperation`), when it sent one.
    pub code: Option<String>,
    /// A short, secret-free description.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum CoverageStatus {
    Complete,
    Skipped { reason: String },
    Failed { error: ScopeError },
}

impl CoverageStatus {
    pub fn is_complete(&self) -> bool {
        matches!(self, CoverageStatus::Complete)
    }
}

/// One coverage entry as it appears on the wire and in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageEntry {
    #[serde(flatten)]
    pub scope: Scope,
    #[serde(flatten)]
    pub status: CoverageStatus,
}

/// Coverage of a whole scan. A scope recorded twice keeps the worse status
/// (Failed over Skipped over Complete), so a later success never hides a failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<CoverageEntry>", into = "Vec<CoverageEntry>")]
pub struct Coverage {
    entries: BTreeMap<Scope, CoverageStatus>,
}

fn rank(s: &CoverageStatus) -> u8 {
    match s {
        CoverageStatus::Complete => 0,
        CoverageStatus::Skipped { .. } => 1,
        CoverageStatus::Failed { .. } => 2,
    }
}

impl Coverage {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn record(&mut self, scope: Scope, status: CoverageStatus) {
        match self.entries.get(&scope) {
            Some(old) if rank(old) >= rank(&status) => {}
            _ => {
                self.entries.insert(scope, status);
            }
        }
    }
    pub fn merge(&mut self, other: Coverage) {
        for (s, st) in other.entries {
            self.record(s, st);
        }
    }
    pub fn get(&self, scope: &Scope) -> Option<&CoverageStatus> {
        self.entries.get(scope)
    }
    pub fn is_complete(&self, scope: &Scope) -> bool {
        self.get(scope).is_some_and(CoverageStatus::is_complete)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&Scope, &CoverageStatus)> {
        self.entries.iter()
    }
    pub fn complete_scopes(&self) -> impl Iterator<Item = &Scope> {
        self.entries
            .iter()
            .filter(|(_, s)| s.is_complete())
            .map(|(s, _)| s)
    }
    pub fn failed(&self) -> impl Iterator<Item = (&Scope, &ScopeError)> {
        self.entries.iter().filter_map(|(s, st)| match st {
            CoverageStatus::Failed { error } => Some((s, error)),
            _ => None,
        })
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// (complete, skipped, failed) counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for st in self.entries.values() {
            match st {
                CoverageStatus::Complete => c.0 += 1,
                CoverageStatus::Skipped { .. } => c.1 += 1,
                CoverageStatus::Failed { .. } => c.2 += 1,
            }
        }
        c
    }
}

impl From<Vec<CoverageEntry>> for Coverage {
    fn from(v: Vec<CoverageEntry>) -> Self {
        let mut c = Coverage::new();
        for e in v {
            c.record(e.scope, e.status);
        }
        c
    }
}
impl From<Coverage> for Vec<CoverageEntry> {
    fn from(c: Coverage) -> Self {
        c.entries
            .into_iter()
            .map(|(scope, status)| CoverageEntry { scope, status })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(region: &str) -> Scope {
        Scope {
            account_id: "123456789012".parse().unwrap(),
            region: region.parse().unwrap(),
            kind: ResourceKind::AwsEbsVolume,
        }
    }

    #[test]
    fn failure_wins_over_success() {
        let mut c = Coverage::new();
        let err = ScopeError {
            class: ErrorClass::Throttled,
            code: Some("RequestLimitExceeded".into()),
            message: "x".into(),
        };
        c.record(
            scope("us-east-1"),
            CoverageStatus::Failed { error: err.clone() },
        );
        c.record(scope("us-east-1"), CoverageStatus::Complete);
        assert!(!c.is_complete(&scope("us-east-1")));
        c.record(scope("eu-west-1"), CoverageStatus::Complete);
        assert_eq!(c.counts(), (1, 0, 1));
        assert_eq!(c.failed().next().unwrap().1, &err);
    }

    #[test]
    fn wire_format_round_trips() {
        let mut c = Coverage::new();
        c.record(
            scope("us-east-1"),
            CoverageStatus::Skipped {
                reason: "opted out".into(),
            },
        );
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v[0]["status"], "skipped");
        assert_eq!(v[0]["kind"], "aws_ebs_volume");
        assert_eq!(serde_json::from_value::<Coverage>(v).unwrap(), c);
    }
}
