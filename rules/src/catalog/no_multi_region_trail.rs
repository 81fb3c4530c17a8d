//! `aws.cloudtrail.no_multi_region_trail`: the account has no multi-region trail that is
//! logging and records every management event, read and write (CIS AWS Foundations 3.0.0 3.1).
//!
//! Account-level, over a regional kind. The trail collector keeps each trail once, in its
//! home region (a multi-region trail shows up in every region's `DescribeTrails`), so the rule
//! reads the trails of every scanned region of an account together, and needs the scan's
//! coverage ([`EvalCx::coverage`]):
//!
//! * it fires only for an account whose `aws_cloudtrail_trail` scope is Complete in at least
//!   one region and Failed in none (Skipped regions are not enabled and hold no trails): when
//!   some region's trails are unknown, the trail that counts may be there, so nothing fires
//!   (and the store keeps a stored finding as it was, `store/src/plan.rs` `may_resolve`);
//! * one finding per account, keyed on the synthetic id `arn:<partition>:cloudtrail::<account>:trails`,
//!   region `global`, so the key does not depend on which regions were scanned;
//! * without coverage (an evaluation outside a scan) it reports nothing.
//!
//! A scan restricted with `--regions` to regions that do not include the home region of the
//! account's multi-region trail does not see that trail and reports the account: scan every
//! region (the default) or include the trail's home region.

use std::collections::BTreeMap;

use skywarden_graph::model::Trail;
use skywarden_graph::{AccountId, CoverageStatus, Region, ResourceId, ResourceKind};

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding, TrailSummary};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.cloudtrail.no_multi_region_trail",
        title: "Account has no multi-region CloudTrail trail logging all management events",
        description: "No trail of the account is multi-region, logging (`GetTrailStatus` \
                      `IsLogging`) and recording every management event, read and write \
                      (`GetEventSelectors`: a basic selector with `IncludeManagementEvents` and \
                      `ReadWriteType` `All`, or an advanced `eventCategory = Management` \
                      selector not narrowed further): API activity in some regions, or some \
                      kinds of calls, leaves no record. Reported once per account, only when \
                      the trails of every scanned region were read.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsCloudtrailTrail],
        remediation: "`aws cloudtrail create-trail --name <trail> --s3-bucket-name <bucket> \
                      --is-multi-region-trail` (default selectors record all management \
                      events), then `aws cloudtrail start-logging --name <trail>`; or \
                      `update-trail --is-multi-region-trail` and `put-event-selectors` on an \
                      existing trail.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "3.1" }],
    },
    eval,
};

#[derive(Default)]
struct Seen {
    regions: Vec<Region>,
    failed: bool,
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    let Some(coverage) = cx.coverage else { return Vec::new() };
    let mut accounts: BTreeMap<AccountId, Seen> = BTreeMap::new();
    for (scope, status) in coverage.iter().filter(|(s, _)| s.kind == ResourceKind::AwsCloudtrailTrail) {
        let seen = accounts.entry(scope.account_id.clone()).or_default();
        match status {
            CoverageStatus::Complete => seen.regions.push(scope.region.clone()),
            CoverageStatus::Failed { .. } => seen.failed = true,
            CoverageStatus::Skipped { .. } => {}
        }
    }
    accounts
        .into_iter()
        .filter(|(_, seen)| !seen.failed && !seen.regions.is_empty())
        .filter_map(|(account, seen)| {
            let trails: Vec<_> = cx.inventory.of_kind::<Trail>().filter(|(r, _)| r.account_id == account).collect();
            if trails.iter().any(|(_, t)| t.logs_all_regions_management_events()) {
                return None;
            }
            let partition = seen.regions.first().map(|r| r.partition().as_str()).unwrap_or("aws");
            let id: ResourceId = format!("arn:{partition}:cloudtrail::{account}:trails").parse().ok()?;
            let evidence = Evidence::AccountTrails {
                regions: seen.regions,
                trails: trails
                    .iter()
                    .map(|(r, t)| TrailSummary {
                        trail: r.id.clone(),
                        home_region: t.home_region.clone(),
                        multi_region: t.multi_region,
                        is_logging: t.is_logging,
                        management_events: t.management_events,
                    })
                    .collect(),
            };
            Some(Finding::for_account(&RULE.meta, ResourceKind::AwsCloudtrailTrail, id, account, evidence))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::ManagementEvents;
    use skywarden_graph::{Coverage, ErrorClass, InventoryBuilder, Resource, Scope, ScopeError};

    use super::*;
    use crate::catalog::testkit::{account, testkit_now};
    use crate::catalog::trail_not_encrypted_with_kms::tests::trail;
    use crate::pricing::PriceTable;

    fn scope(region: &str) -> Scope {
        Scope { account_id: account(), region: region.parse().unwrap(), kind: ResourceKind::AwsCloudtrailTrail }
    }

    fn complete(regions: &[&str]) -> Coverage {
        let mut c = Coverage::new();
        for r in regions {
            c.record(scope(r), CoverageStatus::Complete);
        }
        c
    }

    fn run(trails: Vec<Resource>, coverage: Option<&Coverage>) -> Vec<Finding> {
        let mut b = InventoryBuilder::new();
        b.extend(trails);
        let inv = b.build();
        let pricing = PriceTable::default();
        let mut cx = EvalCx::new(&inv, &pricing, testkit_now());
        cx.coverage = coverage;
        (RULE.eval)(&cx)
    }

    #[test]
    fn fires_once_per_account_when_no_trail_qualifies() {
        let c = complete(&["us-east-1", "eu-west-1"]);
        let f = run(vec![
            trail("single", |t| t.multi_region = false),
            trail("stopped", |t| t.is_logging = false),
            trail("writes", |t| t.management_events = Some(ManagementEvents { read: false, write: true, advanced: true })),
            trail("unknown", |t| t.management_events = None),
        ], Some(&c));
        assert_eq!(f.len(), 1, "{f:?}");
        let f = &f[0];
        assert_eq!(f.resource_id.as_str(), "arn:aws:cloudtrail::123456789012:trails");
        assert_eq!((f.region.as_str(), f.resource_kind), ("global", ResourceKind::AwsCloudtrailTrail));
        assert_eq!(f.account_id, account());
        let Evidence::AccountTrails { regions, trails } = &f.evidence else { panic!("{:?}", f.evidence) };
        assert_eq!(regions.iter().map(|r| r.as_str()).collect::<Vec<_>>(), ["eu-west-1", "us-east-1"]);
        assert_eq!(trails.len(), 4);
        assert!(trails.iter().any(|t| t.trail.short_id() == "single" && !t.multi_region && t.is_logging));
        // No trail at all fires too, with the same key whatever regions were scanned.
        let none = run(vec![], Some(&complete(&["ap-southeast-2"])));
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].key, f.key);
    }

    #[test]
    fn passes_with_a_qualifying_trail_or_unknown_data() {
        let c = complete(&["us-east-1", "eu-west-1"]);
        assert!(run(vec![trail("org", |_| {}), trail("single", |t| t.multi_region = false)], Some(&c)).is_empty());
        // A region whose trails could not be read: the qualifying trail may be there.
        let mut partial = complete(&["us-east-1"]);
        partial.record(
            scope("eu-west-1"),
            CoverageStatus::Failed { error: ScopeError { class: ErrorClass::AccessDenied, code: None, message: "denied".into() } },
        );
        assert!(run(vec![], Some(&partial)).is_empty());
        // Only skipped regions, or no coverage at all: nothing is known.
        let mut skipped = Coverage::new();
        skipped.record(scope("eu-west-1"), CoverageStatus::Skipped { reason: "not enabled".into() });
        assert!(run(vec![], Some(&skipped)).is_empty());
        assert!(run(vec![], None).is_empty());
    }
}
