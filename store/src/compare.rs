//! Scan-to-scan comparison from the status history (`finding_events`), pure.
//!
//! Each scan writes one event per finding whose status it changed; the status of a finding
//! as of scan X is the status of its latest event at or before X's finish time. Between scans
//! A and B a finding is:
//!
//! | as of A | as of B | change |
//! |---|---|---|
//! | not detected yet | open | `new` |
//! | open / regressed / suppressed | resolved | `resolved` |
//! | resolved | open / regressed | `regressed` |
//! | open / regressed / suppressed | open / regressed, resolved in between | `regressed` |
//! | open / regressed / suppressed | open / regressed, never resolved in between | `unchanged` |
//! | anything but suppressed | suppressed | `suppressed` |
//! | suppressed | suppressed | `unchanged` |
//!
//! Findings resolved at both, or that appeared and were resolved between A and B, are not
//! listed.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use skywarden_graph::{ConnectionId, ScanId};
use skywarden_rules::{FindingKey, FindingStatus, Severity};

use crate::types::{Change, ComparedFinding, ScanComparison};

/// A finding's states at the two scans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct KeyState {
    pub from: Option<FindingStatus>,
    pub to: Option<FindingStatus>,
    pub resolved_between: bool,
}

/// `events` = (key, status, at) with at <= `to_at`, in any order.
pub(crate) fn states(
    events: &[(String, FindingStatus, DateTime<Utc>)],
    from_at: DateTime<Utc>,
    to_at: DateTime<Utc>,
) -> BTreeMap<String, KeyState> {
    let mut sorted: Vec<&(String, FindingStatus, DateTime<Utc>)> = events.iter().collect();
    sorted.sort_by(|a, b| (&a.0, a.2).cmp(&(&b.0, b.2)));
    let mut out: BTreeMap<String, KeyState> = BTreeMap::new();
    for (key, status, at) in sorted {
        if *at > to_at {
            continue;
        }
        let st = out.entry(key.clone()).or_default();
        if *at <= from_at {
            st.from = Some(*status);
        } else if *status == FindingStatus::Resolved {
            st.resolved_between = true;
        }
        st.to = Some(*status);
    }
    out
}

/// The change of one finding, or `None` when it is not part of the comparison.
pub(crate) fn classify(s: &KeyState) -> Option<Change> {
    use FindingStatus::*;
    let to = s.to?;
    match (s.from, to) {
        (Some(Open | Regressed | Suppressed), Resolved) => Some(Change::Resolved),
        (_, Resolved) => None,
        (Some(Suppressed), Suppressed) => Some(Change::Unchanged),
        (_, Suppressed) => Some(Change::Suppressed),
        (None, Open | Regressed) => Some(Change::New),
        (Some(Resolved), Open | Regressed) => Some(Change::Regressed),
        (Some(_), Open | Regressed) if s.resolved_between => Some(Change::Regressed),
        (Some(_), Open | Regressed) => Some(Change::Unchanged),
    }
}

pub(crate) fn build(
    connection_id: ConnectionId,
    from_scan: ScanId,
    to_scan: ScanId,
    states: BTreeMap<String, KeyState>,
    meta: &HashMap<String, (String, String, Severity)>,
    include_unchanged: bool,
) -> ScanComparison {
    let mut cmp = ScanComparison {
        connection_id,
        from_scan,
        to_scan,
        new: 0,
        resolved: 0,
        regressed: 0,
        unchanged: 0,
        suppressed: 0,
        findings: Vec::new(),
    };
    for (key, st) in &states {
        let Some(change) = classify(st) else { continue };
        *match change {
            Change::New => &mut cmp.new,
            Change::Resolved => &mut cmp.resolved,
            Change::Regressed => &mut cmp.regressed,
            Change::Unchanged => &mut cmp.unchanged,
            Change::Suppressed => &mut cmp.suppressed,
        } += 1;
        if change == Change::Unchanged && !include_unchanged {
            continue;
        }
        let (Ok(k), Some((rule_id, resource_id, severity))) =
            (key.parse::<FindingKey>(), meta.get(key))
        else {
            continue;
        };
        cmp.findings.push(ComparedFinding {
            key: k,
            change,
            rule_id: rule_id.clone(),
            resource_id: resource_id.clone(),
            severity: *severity,
            from: st.from,
            to: st.to,
        });
    }
    cmp.findings.sort_by(|a, b| {
        (
            a.change,
            std::cmp::Reverse(a.severity),
            &a.rule_id,
            &a.resource_id,
            &a.key,
        )
            .cmp(&(
                b.change,
                std::cmp::Reverse(b.severity),
                &b.rule_id,
                &b.resource_id,
                &b.key,
            ))
    });
    cmp
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use FindingStatus::*;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn classifies_every_transition() {
        let ev = |k: &str, s, at| (k.to_string(), s, t(at));
        let events = vec![
            ev("new", Open, 20),
            ev("res", Open, 5),
            ev("res", Resolved, 15),
            ev("reg", Open, 1),
            ev("reg", Resolved, 5),
            ev("reg", Regressed, 20),
            ev("flap", Open, 1),
            ev("flap", Resolved, 12),
            ev("flap", Regressed, 18),
            ev("same", Open, 1),
            ev("sup", Open, 1),
            ev("sup", Suppressed, 15),
            ev("blip", Open, 12),
            ev("blip", Resolved, 14),
            ev("later", Open, 30),
        ];
        let st = states(&events, t(10), t(20));
        let c = |k: &str| classify(&st[k]);
        assert_eq!(c("new"), Some(Change::New));
        assert_eq!(c("res"), Some(Change::Resolved));
        assert_eq!(c("reg"), Some(Change::Regressed));
        assert_eq!(c("flap"), Some(Change::Regressed));
        assert_eq!(c("same"), Some(Change::Unchanged));
        assert_eq!(c("sup"), Some(Change::Suppressed));
        assert_eq!(c("blip"), None);
        assert!(!st.contains_key("later"));
    }
}
