//! Suppressions: accepted risks with an owner, a reason and an expiry.
//!
//! A suppression selects findings by rule id and/or resource id pattern and/or tags and/or
//! account (every given selector must match; at least one is required), optionally within
//! one connection. A matched finding stays stored with status `suppressed`; once the
//! suppression expires or is revoked, the next scan that detects the finding re-surfaces it
//! as `open` (or `regressed`). Every suppression expires: peers' mute lists that never expire
//! are how accepted risks become forgotten ones.
//!
//! Patterns are globs over the whole string: `*` matches any run of characters (also `/` and
//! `:`), `?` exactly one; everything else is literal. Tag selectors match when the resource
//! has the tag with that exact value, or any value for `*`.
//!
//! Pure: the store persists suppressions and applies [`Suppression::matches`] when a scan is
//! written.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skywarden_graph::{AccountId, ConnectionId};

use crate::error::RulesError;
use crate::finding::{Finding, SuppressionRef};

/// The event code under which stale suppressions are reported.
pub const STALE_CODE: &str = "skywarden.suppression_stale";

/// Default number of consecutive scans without a match after which a suppression is stale.
pub const DEFAULT_STALE_AFTER_SCANS: u32 = 3;

/// Longest accepted pattern or text field, in bytes.
const MAX_FIELD: usize = 1024;

/// What a user asks for when creating a suppression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSuppression {
    #[serde(default)]
    pub connection_id: Option<ConnectionId>,
    /// Rule id or glob, e.g. `aws.ec2.*`.
    #[serde(default)]
    pub rule: Option<String>,
    /// Resource id glob, e.g. `arn:aws:ec2:*:123456789012:security-group/sg-0abc*`.
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// Tag key -> exact value, or `*` for "has the tag".
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub owner: String,
    pub reason: String,
    #[serde(default)]
    pub ticket: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// A stored suppression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// UUID.
    pub id: String,
    pub connection_id: Option<ConnectionId>,
    pub rule: Option<String>,
    pub resource: Option<String>,
    pub account_id: Option<AccountId>,
    pub tags: BTreeMap<String, String>,
    pub owner: String,
    pub reason: String,
    pub ticket: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Set when revoked; a revoked suppression matches nothing and is kept for the record.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The last scan time at which it matched a finding.
    pub last_matched_at: Option<DateTime<Utc>>,
    /// Consecutive scans of its connection(s) in which it matched nothing.
    pub scans_without_match: u32,
}

/// Why a suppression is reported as stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum StaleReason {
    /// Its expiry has passed; the findings it hid are visible again.
    Expired,
    /// It matched nothing in this many consecutive scans: the risk it accepted is gone, or the
    /// selector is wrong.
    Unmatched { scans: u32 },
}

/// A stale suppression, reported as [`STALE_CODE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleSuppression {
    /// Always [`STALE_CODE`].
    pub code: String,
    pub id: String,
    pub owner: String,
    pub reason: StaleReason,
    pub expires_at: DateTime<Utc>,
}

impl NewSuppression {
    /// Checks the request and turns it into a suppression created `now` with `id`.
    pub fn into_suppression(
        self,
        id: String,
        now: DateTime<Utc>,
    ) -> Result<Suppression, RulesError> {
        let bad = |m: &str| Err(RulesError::InvalidSuppression(m.to_string()));
        if self.rule.is_none()
            && self.resource.is_none()
            && self.account_id.is_none()
            && self.tags.is_empty()
        {
            return bad("give at least one selector: rule, resource, account or tags");
        }
        for (name, v) in [("rule", &self.rule), ("resource", &self.resource)] {
            if let Some(p) = v {
                if p.trim().is_empty() || p.len() > MAX_FIELD {
                    return bad(&format!("{name} pattern must be 1 to {MAX_FIELD} bytes"));
                }
            }
        }
        if self.owner.trim().is_empty() || self.owner.len() > MAX_FIELD {
            return bad("owner must be 1 to 1024 bytes");
        }
        if self.reason.trim().is_empty() || self.reason.len() > 4 * MAX_FIELD {
            return bad("reason must be 1 to 4096 bytes");
        }
        if self.ticket.as_ref().is_some_and(|t| t.len() > MAX_FIELD) {
            return bad("ticket must be at most 1024 bytes");
        }
        if self
            .tags
            .iter()
            .any(|(k, v)| k.is_empty() || k.len() > MAX_FIELD || v.len() > MAX_FIELD)
        {
            return bad("tag selector keys must be 1 to 1024 bytes, values at most 1024");
        }
        if self.expires_at <= now {
            return bad("expires_at must be in the future");
        }
        Ok(Suppression {
            id,
            connection_id: self.connection_id,
            rule: self.rule,
            resource: self.resource,
            account_id: self.account_id,
            tags: self.tags,
            owner: self.owner,
            reason: self.reason,
            ticket: self.ticket,
            created_at: now,
            expires_at: self.expires_at,
            revoked_at: None,
            last_matched_at: None,
            scans_without_match: 0,
        })
    }
}

impl Suppression {
    /// In force at `at`: not revoked and not expired.
    pub fn is_active(&self, at: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > at
    }

    /// Whether it applies to scans of `connection`.
    pub fn applies_to(&self, connection: &ConnectionId) -> bool {
        self.connection_id.as_ref().is_none_or(|c| c == connection)
    }

    /// Whether it selects finding `f` of `connection` (activity is checked separately).
    pub fn matches(&self, connection: &ConnectionId, f: &Finding) -> bool {
        self.applies_to(connection)
            && self
                .rule
                .as_deref()
                .is_none_or(|p| glob_match(p, &f.rule_id))
            && self
                .resource
                .as_deref()
                .is_none_or(|p| glob_match(p, f.resource_id.as_str()))
            && self.account_id.as_ref().is_none_or(|a| *a == f.account_id)
            && self.tags.iter().all(|(k, v)| {
                f.resource_tags
                    .get(k)
                    .is_some_and(|actual| v == "*" || actual == v)
            })
    }

    /// The reference stored findings carry while suppressed.
    pub fn reference(&self) -> SuppressionRef {
        SuppressionRef {
            id: self.id.clone(),
            owner: self.owner.clone(),
            reason: self.reason.clone(),
            ticket: self.ticket.clone(),
            expires_at: Some(self.expires_at),
        }
    }

    /// Stale at `at` given `stale_after` scans without a match; revoked ones are never stale.
    pub fn staleness(&self, at: DateTime<Utc>, stale_after: u32) -> Option<StaleSuppression> {
        if self.revoked_at.is_some() {
            return None;
        }
        let reason = if self.expires_at <= at {
            StaleReason::Expired
        } else if stale_after > 0 && self.scans_without_match >= stale_after {
            StaleReason::Unmatched {
                scans: self.scans_without_match,
            }
        } else {
            return None;
        };
        Some(StaleSuppression {
            code: STALE_CODE.to_string(),
            id: self.id.clone(),
            owner: self.owner.clone(),
            reason,
            expires_at: self.expires_at,
        })
    }
}

/// Whole-string glob: `*` any run (possibly empty), `?` one character, else literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with single-star backtracking: O(len(p) * len(t)) worst case.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if *c == '?' || *c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use skywarden_graph::{Resource, ResourceId};

    use super::*;
    use crate::catalog::testkit::volume;
    use crate::finding::Evidence;
    use crate::meta::RuleInfo;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
    }

    fn finding(tags: &[(&str, &str)]) -> Finding {
        let mut r: Resource = volume("vol-1", |_| {});
        r.tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let info = RuleInfo::from(&crate::catalog::all()[0].meta);
        Finding::for_rule(
            &info,
            &r,
            "",
            Evidence::VolumeEncryption {
                encrypted: false,
                volume_type: skywarden_graph::model::VolumeType::Gp3,
                size_gib: 1,
                state: skywarden_graph::model::VolumeState::Available,
            },
        )
    }

    fn new(rule: Option<&str>) -> NewSuppression {
        NewSuppression {
            connection_id: None,
            rule: rule.map(str::to_string),
            resource: None,
            account_id: None,
            tags: BTreeMap::new(),
            owner: "alice".into(),
            reason: "accepted".into(),
            ticket: Some("SEC-1".into()),
            expires_at: now() + Duration::days(30),
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match("aws.ec2.*", "aws.ec2.instance_imdsv1"));
        assert!(!glob_match("aws.ec2.*", "aws.ebs.volume_unattached"));
        assert!(glob_match(
            "*sg-0a?c",
            "arn:aws:ec2:us-east-1:1:security-group/sg-0abc"
        ));
        assert!(!glob_match("sg-1", "sg-12"));
        assert!(glob_match("a*b*c", "aXXbYYc") && !glob_match("a*b*c", "aXXbYY"));
        assert!(glob_match("*", "") && !glob_match("?", ""));
    }

    #[test]
    fn needs_a_selector_owner_reason_and_future_expiry() {
        let e = new(None).into_suppression("id".into(), now()).unwrap_err();
        assert!(matches!(e, RulesError::InvalidSuppression(_)));
        let mut past = new(Some("x"));
        past.expires_at = now() - Duration::seconds(1);
        assert!(past.into_suppression("id".into(), now()).is_err());
        let mut no_owner = new(Some("x"));
        no_owner.owner = " ".into();
        assert!(no_owner.into_suppression("id".into(), now()).is_err());
        assert!(new(Some("x")).into_suppression("id".into(), now()).is_ok());
    }

    #[test]
    fn matches_every_given_selector() {
        let conn: ConnectionId = "aws-123456789012".parse().unwrap();
        let f = finding(&[("owner", "bob"), ("env", "dev")]);
        let mut s = new(Some(&f.rule_id))
            .into_suppression("id".into(), now())
            .unwrap();
        assert!(s.matches(&conn, &f));
        s.tags.insert("env".into(), "prod".into());
        assert!(!s.matches(&conn, &f));
        s.tags.insert("env".into(), "*".into());
        assert!(s.matches(&conn, &f));
        s.resource = Some(format!("{}*", &f.resource_id.as_str()[..20]));
        assert!(s.matches(&conn, &f));
        s.account_id = Some("210987654321".parse().unwrap());
        assert!(!s.matches(&conn, &f));
        s.account_id = None;
        s.connection_id = Some("other".parse().unwrap());
        assert!(!s.matches(&conn, &f));
        let _: &ResourceId = &f.resource_id;
    }

    #[test]
    fn activity_and_staleness() {
        let mut s = new(Some("x")).into_suppression("id".into(), now()).unwrap();
        assert!(s.is_active(now()));
        assert_eq!(s.staleness(now(), 3), None);
        s.scans_without_match = 3;
        assert_eq!(
            s.staleness(now(), 3).map(|x| x.reason),
            Some(StaleReason::Unmatched { scans: 3 })
        );
        let later = now() + Duration::days(31);
        assert!(!s.is_active(later));
        let stale = s.staleness(later, 3).unwrap();
        assert_eq!(
            (stale.reason, stale.code.as_str()),
            (StaleReason::Expired, STALE_CODE)
        );
        s.revoked_at = Some(now());
        assert!(!s.is_active(now()) && s.staleness(later, 3).is_none());
    }
}
