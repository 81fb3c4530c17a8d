//! Cost totals over stored findings: what the open waste costs per month, by account, rule and
//! tag.

use std::collections::BTreeMap;

use serde::Serialize;

use super::cents;
use crate::finding::{FindingRecord, FindingStatus};

/// The tag value of findings whose resource lacks the grouped tag.
pub const UNTAGGED: &str = "(untagged)";

/// Monthly USD totals of the findings that carry a cost estimate.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CostTotals {
    /// Sum over the counted findings, rounded to cents.
    pub total_monthly_usd: f64,
    /// Account id -> sum.
    pub by_account: BTreeMap<String, f64>,
    /// Rule id -> sum.
    pub by_rule: BTreeMap<String, f64>,
    /// Tag key -> tag value (or [`UNTAGGED`]) -> sum, for every requested tag key.
    pub by_tag: BTreeMap<String, BTreeMap<String, f64>>,
    /// Active (open or regressed) findings with a cost, which the sums cover.
    pub counted: usize,
    /// Suppressed findings with a cost, left out of the sums.
    pub excluded_suppressed: usize,
}

/// Totals of the active findings' monthly costs: open and regressed findings count,
/// suppressed ones are left out and counted in `excluded_suppressed`, resolved ones are
/// ignored, as are findings without a cost. The findings' costs are already rounded to
/// cents; the sums are rounded again to drop float noise. `tag_keys` selects the
/// `by_tag` groupings (e.g. `owner`, `cost-center`); a key listed twice is grouped once.
pub fn cost_totals(findings: &[FindingRecord], tag_keys: &[&str]) -> CostTotals {
    let mut totals = CostTotals::default();
    for key in tag_keys {
        totals.by_tag.entry((*key).to_string()).or_default();
    }
    let mut total = 0.0;
    for record in findings {
        let Some(usd) = record.finding.monthly_cost_usd else {
            continue;
        };
        if record.status == FindingStatus::Suppressed {
            totals.excluded_suppressed += 1;
            continue;
        }
        if !record.status.is_active() {
            continue;
        }
        let f = &record.finding;
        totals.counted += 1;
        total += usd;
        *totals
            .by_account
            .entry(f.account_id.as_str().to_string())
            .or_default() += usd;
        *totals.by_rule.entry(f.rule_id.clone()).or_default() += usd;
        for (key, values) in &mut totals.by_tag {
            let value = f.resource_tags.get(key).map_or(UNTAGGED, String::as_str);
            *values.entry(value.to_string()).or_default() += usd;
        }
    }
    totals.total_monthly_usd = cents(total);
    for v in totals.by_account.values_mut() {
        *v = cents(*v);
    }
    for v in totals.by_rule.values_mut() {
        *v = cents(*v);
    }
    for values in totals.by_tag.values_mut() {
        for v in values.values_mut() {
            *v = cents(*v);
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use skywarden_graph::model::{VolumeState, VolumeType};
    use skywarden_graph::{AccountId, ScanId};

    use super::*;
    use crate::catalog::testkit::volume;
    use crate::finding::{Evidence, Finding};
    use crate::meta::{Category, RuleMeta, Severity};

    static META: RuleMeta = RuleMeta {
        id: "aws.ebs.volume_unattached",
        title: "t",
        description: "d",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[],
        remediation: "r",
        frameworks: &[],
    };

    fn record(
        id: &str,
        rule: &str,
        account: &str,
        usd: Option<f64>,
        status: FindingStatus,
        tags: &[(&str, &str)],
    ) -> FindingRecord {
        let resource = volume(id, |_| {});
        let evidence = Evidence::UnattachedVolume {
            volume_type: VolumeType::Gp3,
            size_gib: 1,
            iops: None,
            throughput_mibps: None,
            state: VolumeState::Available,
            created: None,
        };
        let mut finding = Finding::new(&META, &resource, "", evidence);
        finding.rule_id = rule.to_string();
        finding.account_id = account.parse::<AccountId>().unwrap();
        finding.monthly_cost_usd = usd;
        finding.resource_tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        FindingRecord {
            connection_id: "prod".parse().unwrap(),
            finding,
            status,
            first_seen: at,
            last_seen: at,
            resolved_at: None,
            first_scan_id: ScanId::new(),
            last_scan_id: ScanId::new(),
            regression_count: 0,
            suppression: None,
        }
    }

    const A: &str = "111111111111";
    const B: &str = "222222222222";

    #[test]
    fn sums_active_findings_by_account_rule_and_tag() {
        use FindingStatus::*;
        let findings = vec![
            record("vol-1", "r.ebs", A, Some(0.10), Open, &[("owner", "alice")]),
            record(
                "vol-2",
                "r.ebs",
                A,
                Some(0.20),
                Regressed,
                &[("owner", "bob")],
            ),
            record("vol-3", "r.eip", B, Some(3.65), Open, &[("owner", "alice")]),
            record("vol-4", "r.eip", B, Some(7.30), Open, &[]),
            // Left out: suppressed (counted apart), resolved, and without a cost.
            record(
                "vol-5",
                "r.ebs",
                A,
                Some(100.0),
                Suppressed,
                &[("owner", "carol")],
            ),
            record(
                "vol-6",
                "r.ebs",
                A,
                Some(50.0),
                Resolved,
                &[("owner", "dave")],
            ),
            record("vol-7", "r.sec", B, None, Open, &[("owner", "erin")]),
            record("vol-8", "r.sec", B, None, Suppressed, &[]),
        ];
        let t = cost_totals(&findings, &["owner", "cost-center"]);
        // 0.10 + 0.20 is 0.30000000000000004 in floating point; the sums are rounded.
        assert_eq!(t.total_monthly_usd, 11.25);
        assert_eq!((t.counted, t.excluded_suppressed), (4, 1));
        assert_eq!(
            t.by_account,
            BTreeMap::from([(A.to_string(), 0.30), (B.to_string(), 10.95)])
        );
        assert_eq!(
            t.by_rule,
            BTreeMap::from([("r.ebs".to_string(), 0.30), ("r.eip".to_string(), 10.95)])
        );
        assert_eq!(
            t.by_tag["owner"],
            BTreeMap::from([
                ("alice".to_string(), 3.75),
                ("bob".to_string(), 0.20),
                (UNTAGGED.to_string(), 7.30),
            ])
        );
        // A requested key nobody carries groups everything as untagged.
        assert_eq!(
            t.by_tag["cost-center"],
            BTreeMap::from([(UNTAGGED.to_string(), 11.25)])
        );
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["by_tag"]["owner"]["(untagged)"], 7.3);
        assert_eq!(json["excluded_suppressed"], 1);
    }

    #[test]
    fn empty_input_and_no_tag_keys() {
        let t = cost_totals(&[], &["owner"]);
        assert_eq!(t.total_monthly_usd, 0.0);
        assert_eq!((t.counted, t.excluded_suppressed), (0, 0));
        assert!(t.by_tag["owner"].is_empty());
        let only_resolved = [record("v", "r", A, Some(1.0), FindingStatus::Resolved, &[])];
        let t = cost_totals(&only_resolved, &[]);
        assert_eq!(t, CostTotals::default());
    }
}
