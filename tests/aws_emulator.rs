//! End-to-end: the real `skywarden` binary scans the seeded moto estate with the real AWS SDK,
//! and the results are compared with the seeder's ground truth.
//!
//! Needs `SKYWARDEN_TEST_AWS_ENDPOINT` and `SKYWARDEN_TEST_AWS_EXPECTED` (set by
//! `eval "$(scripts/emulator up)"`; `./scripts/test` does it). Without them the tests skip
//! locally and FAIL when `CI=true`. Postgres comes from `SKYWARDEN_TEST_POSTGRES_URL`
//! (default postgres://postgres@127.0.0.1:5432/postgres); unreachable = skip locally, fail in CI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;

use serde_json::Value;
use skywarden_graph::model::{
    Instance, InternetGateway, Listener, LoadBalancer, RouteTable, SecurityGroup, Subnet,
    TargetGroup, Vpc,
};
use skywarden_graph::{
    ConnectionId, CoverageStatus, Direction, EdgeKind, ErrorClass, ResourceKind,
};
use skywarden_rules::{FindingRecord, FindingStatus};
use skywarden_store::{ScanStatus, Store};

/// Rule id -> ground-truth problem key.
const RULE_TRUTH: &[(&str, &str)] = &[
    ("aws.ec2.eip_unassociated", "eip_unassociated"),
    (
        "aws.elbv2.load_balancer_without_targets",
        "lb_without_targets",
    ),
    (
        "aws.ec2.security_group_world_open_all_traffic",
        "sg_world_open_all_traffic",
    ),
    (
        "aws.ec2.security_group_world_open_all_ports",
        "sg_world_open_all_ports",
    ),
    ("aws.ebs.snapshot_older_than_90d", "snapshot_older_than_90d"),
    ("aws.ebs.snapshot_unencrypted", "snapshot_unencrypted"),
    ("aws.ec2.instance_stopped_with_volumes", "instance_stopped"),
    ("aws.ec2.security_group_world_open_ssh", "sg_world_open_ssh"),
    ("aws.ec2.security_group_world_open_rdp", "sg_world_open_rdp"),
    ("aws.ec2.instance_imdsv1", "instance_imdsv1"),
    ("aws.ebs.volume_unencrypted", "volume_unencrypted"),
    ("aws.ebs.volume_unattached", "volume_unattached"),
    (
        "aws.ec2.instance_exposed_admin_port",
        "instance_exposed_admin_port",
    ),
];

/// Rule id -> ground-truth problem key of the account-wide section (IAM, S3: region `global`).
const GLOBAL_TRUTH: &[(&str, &str)] = &[
    ("aws.s3.bucket_public", "s3_bucket_public"),
    ("aws.s3.bucket_public_acl", "s3_bucket_public_acl"),
    ("aws.s3.bucket_public_policy", "s3_bucket_public_policy"),
    (
        "aws.s3.bucket_acl_grants_all_users",
        "s3_bucket_acl_grants_all_users",
    ),
    (
        "aws.s3.bucket_no_public_access_block",
        "s3_bucket_no_public_access_block",
    ),
    (
        "aws.s3.bucket_no_default_encryption",
        "s3_bucket_no_default_encryption",
    ),
    (
        "aws.s3.bucket_versioning_disabled",
        "s3_bucket_versioning_disabled",
    ),
    (
        "aws.iam.access_key_older_than_90d",
        "iam_access_key_older_than_90d",
    ),
    (
        "aws.iam.user_multiple_active_keys",
        "iam_user_multiple_active_keys",
    ),
    (
        "aws.iam.user_two_access_keys",
        "iam_user_two_access_keys_any_status",
    ),
    (
        "aws.iam.user_console_without_mfa",
        "iam_user_console_without_mfa",
    ),
    (
        "aws.iam.user_admin_policy_attached",
        "iam_user_admin_policy_attached",
    ),
    (
        "aws.iam.no_password_policy",
        "iam_no_account_password_policy",
    ),
];

/// The seeded resources in the ground truth's scope (see testing/aws-emulator/README.md):
/// moto's default VPC, its default subnets and every VPC's `default` group are not counted;
/// the main route table of every seeded VPC is.
fn seeded_inventory_counts(
    resources: &[skywarden_graph::Resource],
    region: &str,
) -> BTreeMap<&'static str, usize> {
    let in_region: Vec<_> = resources
        .iter()
        .filter(|r| r.region.as_str() == region)
        .collect();
    let seeded_vpcs: BTreeSet<_> = in_region
        .iter()
        .filter(|r| r.model::<Vpc>().is_some_and(|v| !v.is_default))
        .map(|r| r.id.clone())
        .collect();
    let count =
        |f: &dyn Fn(&skywarden_graph::Resource) -> bool| in_region.iter().filter(|r| f(r)).count();
    BTreeMap::from([
        ("vpcs", seeded_vpcs.len()),
        (
            "subnets",
            count(&|r| r.model::<Subnet>().is_some_and(|s| !s.default_for_az)),
        ),
        (
            "route_tables",
            count(&|r| {
                r.model::<RouteTable>()
                    .is_some_and(|t| seeded_vpcs.contains(&t.vpc))
            }),
        ),
        (
            "internet_gateways",
            count(&|r| {
                r.model::<InternetGateway>()
                    .is_some_and(|g| g.attached_vpcs.iter().any(|v| seeded_vpcs.contains(v)))
            }),
        ),
        (
            "security_groups",
            count(&|r| {
                r.model::<SecurityGroup>()
                    .is_some_and(|g| g.group_name != "default")
            }),
        ),
        (
            "instances",
            count(&|r| r.kind() == ResourceKind::AwsEc2Instance),
        ),
        (
            "volumes",
            count(&|r| r.kind() == ResourceKind::AwsEbsVolume),
        ),
        (
            "load_balancers",
            count(&|r| r.kind() == ResourceKind::AwsElbv2LoadBalancer),
        ),
        (
            "target_groups",
            count(&|r| r.kind() == ResourceKind::AwsElbv2TargetGroup),
        ),
    ])
}

fn per_rule_region(findings: &[FindingRecord]) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for f in findings {
        *m.entry((f.finding.rule_id.clone(), f.finding.region.to_string()))
            .or_insert(0) += 1;
    }
    m
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_matches_ground_truth_and_is_stable_across_runs() {
    let Some(emu) = emulator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());

    let first = scan_ok(&emu.endpoint, &db);
    assert_eq!(first.account_id, "123456789012");
    assert_eq!(first.scan.status, ScanStatus::Succeeded);
    assert_eq!(
        first
            .regions
            .iter()
            .map(|r| r.as_str())
            .collect::<BTreeSet<_>>(),
        REGIONS.into_iter().collect()
    );
    assert!(first.scan.coverage.iter().all(|(_, s)| s.is_complete()));
    // One scope per (region, regional kind), plus one per global kind (IAM, S3) per account.
    let regional = skywarden_scanner::aws::collectors::regional().count();
    let global = skywarden_scanner::aws::collectors::global().count();
    assert_eq!(first.scan.coverage.len(), REGIONS.len() * regional + global);
    // Every call went through the gate and was counted.
    let ec2_collectors = skywarden_scanner::aws::collectors::regional()
        .filter(|c| c.operation().starts_with("ec2:"))
        .count();
    assert!(first.scan.api_calls["ec2"].calls >= (REGIONS.len() * ec2_collectors) as u64);
    assert_eq!(first.scan.api_calls["ec2"].throttles, 0);

    let store = Store::connect(&db).await.unwrap();
    let conn: ConnectionId = CONNECTION.parse().unwrap();
    let resources = store.list_resources(&conn).await.unwrap();
    store.close().await;

    // Every rule, every region: exactly the ground truth (exposure: see ipv6_only_admin_exposures).
    let counts = per_rule_region(&first.findings);
    let mut mismatches = Vec::new();
    let mut ipv6_only_total = 0;
    for &(rule, key) in RULE_TRUTH {
        for region in REGIONS {
            let got = counts
                .get(&(rule.to_string(), region.to_string()))
                .copied()
                .unwrap_or(0);
            let mut want = truth(&emu, region, "problems", key);
            if key == "instance_exposed_admin_port" {
                let v6 = ipv6_only_admin_exposures(&resources, region);
                ipv6_only_total += v6;
                want -= v6;
            }
            if got != want {
                mismatches.push(format!("{rule} {region}: got {got}, want {want}"));
            }
        }
    }
    for &(rule, key) in GLOBAL_TRUTH {
        let got = counts
            .get(&(rule.to_string(), "global".to_string()))
            .copied()
            .unwrap_or(0);
        let want = emu.expected["global"]["problems"][key]
            .as_u64()
            .unwrap_or_else(|| panic!("no global ground truth {key}")) as usize;
        if got != want {
            mismatches.push(format!("{rule} global: got {got}, want {want}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "findings differ from the ground truth:\n{}",
        mismatches.join("\n")
    );
    // The total of the ground-truth rules matches too (other rules fire on what seed.py
    // plants without a ground-truth key, e.g. gp2 volumes).
    let total_truth: usize = RULE_TRUTH
        .iter()
        .map(|(_, k)| {
            REGIONS
                .iter()
                .map(|r| truth(&emu, r, "problems", k))
                .sum::<usize>()
        })
        .sum();
    let truth_rules = first
        .findings
        .iter()
        .filter(|f| RULE_TRUTH.iter().any(|(r, _)| *r == f.finding.rule_id))
        .count();
    assert_eq!(truth_rules, total_truth - ipv6_only_total);
    // Exposure evidence explains the path: IGW -> route table -> subnet -> security group -> instance.
    for f in first
        .findings
        .iter()
        .filter(|f| f.finding.rule_id == "aws.ec2.instance_exposed_admin_port")
    {
        let skywarden_rules::Evidence::ExposurePath { path, ports, .. } = &f.finding.evidence
        else {
            panic!("exposure finding without a path: {:?}", f.finding.evidence)
        };
        let kinds: Vec<ResourceKind> = path.iter().map(|h| h.kind).collect();
        assert_eq!(
            kinds,
            [
                ResourceKind::AwsEc2InternetGateway,
                ResourceKind::AwsEc2RouteTable,
                ResourceKind::AwsEc2Subnet,
                ResourceKind::AwsEc2SecurityGroup,
                ResourceKind::AwsEc2Instance
            ]
        );
        assert_eq!(path.last().map(|h| &h.id), Some(&f.finding.resource_id));
        assert!(!ports.is_empty() && ports.iter().all(|p| *p == 22 || *p == 3389));
    }
    assert!(first
        .findings
        .iter()
        .all(|f| f.status == FindingStatus::Open && f.last_scan_id == first.scan.id));

    // Cost findings carry a price with its basis.
    for f in first
        .findings
        .iter()
        .filter(|f| f.finding.rule_id == "aws.ebs.volume_unattached")
    {
        assert!(
            f.finding.monthly_cost_usd.is_some_and(|c| c > 0.0),
            "{:?}",
            f.finding.resource_id
        );
        assert!(f.finding.pricing_basis.is_some());
    }

    // Inventory per kind and region, typed from the store.
    for region in REGIONS {
        let got = seeded_inventory_counts(&resources, region);
        for (key, n) in &got {
            assert_eq!(
                *n,
                truth(&emu, region, "inventory", key),
                "{region} inventory.{key}"
            );
        }
    }
    // Every load balancer with targets is reachable listener -> target group -> instance in
    // the stored graph (typed edges rebuilt from the stored resources).
    let mut b = skywarden_graph::InventoryBuilder::new();
    b.extend(resources.iter().cloned());
    let inv = b.build();
    let mut with_targets = 0;
    for (lb, _) in inv.of_kind::<LoadBalancer>() {
        let groups: Vec<_> = inv
            .neighbors_of::<TargetGroup>(&lb.id, EdgeKind::AssociatedWith, Direction::Incoming)
            .into_iter()
            .filter(|(_, tg)| !tg.targets.is_empty())
            .collect();
        if groups.is_empty() {
            continue;
        }
        with_targets += 1;
        let listeners =
            inv.neighbors_of::<Listener>(&lb.id, EdgeKind::AssociatedWith, Direction::Incoming);
        let path = listeners.iter().any(|(l, _)| {
            inv.neighbors_of::<TargetGroup>(&l.id, EdgeKind::RoutesTo, Direction::Outgoing)
                .iter()
                .any(|(tg, _)| {
                    !inv.neighbors_of::<Instance>(&tg.id, EdgeKind::RoutesTo, Direction::Outgoing)
                        .is_empty()
                })
        });
        assert!(
            path,
            "no listener -> target group -> instance path for {}",
            lb.id
        );
    }
    let want_with_targets: usize = REGIONS
        .iter()
        .map(|r| {
            truth(&emu, r, "inventory", "load_balancers")
                - truth(&emu, r, "problems", "lb_without_targets")
        })
        .sum();
    assert_eq!(with_targets, want_with_targets);
    let stored_before = resources.len();

    // Second run: same keys, same first_seen, nothing new, nothing resolved.
    let second = scan_ok(&emu.endpoint, &db);
    assert_eq!(second.persist.findings_new, 0);
    assert_eq!(second.persist.findings_resolved, 0);
    assert_eq!(second.persist.resources_deleted, 0);
    let a: BTreeMap<_, _> = first
        .findings
        .iter()
        .map(|f| (f.finding.key.clone(), f))
        .collect();
    let b: BTreeMap<_, _> = second
        .findings
        .iter()
        .map(|f| (f.finding.key.clone(), f))
        .collect();
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, fa) in &a {
        let fb = b[k];
        assert_eq!(fa.first_seen, fb.first_seen, "first_seen moved for {k}");
        assert_eq!(fb.first_scan_id, first.scan.id);
        assert_eq!(fb.last_scan_id, second.scan.id);
        assert!(fb.last_seen >= fa.last_seen);
    }
    let store = Store::connect(&db).await.unwrap();
    assert_eq!(
        store.list_resources(&conn).await.unwrap().len(),
        stored_before
    );
    store.close().await;

    // `findings list` reads the same stored findings back.
    let out = skywarden(&[
        "findings",
        "list",
        "--database-url",
        &db,
        "--format",
        "json",
        "--severity",
        "critical",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<FindingRecord> = serde_json::from_slice(&out.stdout).unwrap();
    let critical = second
        .findings
        .iter()
        .filter(|f| f.finding.severity == skywarden_rules::Severity::Critical)
        .count();
    assert_eq!(listed.len(), critical);
    assert!(critical > 0);
}

/// What must be identical between backends: everything but timestamps and scan ids.
fn comparable(findings: &[FindingRecord]) -> Vec<Value> {
    let mut v: Vec<Value> = findings
        .iter()
        .map(|f| serde_json::to_value(&f.finding).unwrap())
        .collect();
    v.sort_by_key(|x| x["key"].as_str().unwrap_or_default().to_string());
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_and_postgres_store_identical_findings() {
    let Some(emu) = emulator() else { return };
    let Some(pg) = Postgres::fresh().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let on_sqlite = scan_ok(&emu.endpoint, &sqlite_url(dir.path()));
    let on_pg = scan_ok(&emu.endpoint, &pg.url());
    let again_pg = scan_ok(&emu.endpoint, &pg.url());
    assert_eq!(comparable(&on_sqlite.findings), comparable(&on_pg.findings));
    assert_eq!(on_pg.findings.len(), on_sqlite.findings.len());
    assert_eq!(again_pg.persist.findings_new, 0);
    let first_seen: BTreeMap<_, _> = on_pg
        .findings
        .iter()
        .map(|f| (f.finding.key.clone(), f.first_seen))
        .collect();
    assert!(again_pg
        .findings
        .iter()
        .all(|f| first_seen.get(&f.finding.key) == Some(&f.first_seen)));
    pg.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_that_fails_mid_scan_keeps_its_stored_inventory_and_findings() {
    let Some(emu) = emulator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let baseline = scan_ok(&emu.endpoint, &db);
    let before = stored_resources(&db).await;

    // eu-west-1 is refused (HTTP 403 UnauthorizedOperation) for every call.
    let proxy = Proxy::start(&emu.endpoint, &["--fail-region", "eu-west-1"]);
    let (out, parsed) = scan(&proxy.url, &db, &REGIONS);
    assert_eq!(
        out.status.code(),
        Some(3),
        "incomplete scans exit 3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let partial = parsed.expect("JSON report");
    assert_eq!(partial.scan.status, ScanStatus::Partial);
    for (scope, status) in partial.scan.coverage.iter() {
        match (scope.region.as_str(), status) {
            ("eu-west-1", CoverageStatus::Failed { error }) => {
                assert_eq!(error.class, ErrorClass::AccessDenied, "{}", scope.kind);
                let ec2 = skywarden_scanner::aws::collectors::ALL
                    .iter()
                    .any(|c| c.kind == scope.kind && c.operation().starts_with("ec2:"));
                if ec2 {
                    assert_eq!(error.code.as_deref(), Some("UnauthorizedOperation"));
                } else {
                    // faultproxy answers the JSON-protocol services (KMS, Lambda, CloudTrail)
                    // with a query-XML body, from which their SDKs read no code: the 403
                    // status alone classifies it.
                    assert!(
                        matches!(error.code.as_deref(), Some("AccessDenied") | None),
                        "{} {:?}",
                        scope.kind,
                        error.code
                    );
                }
            }
            ("eu-west-1", s) => panic!("eu-west-1 {} should have failed, is {s:?}", scope.kind),
            // Buckets located in eu-west-1 are read from eu-west-1: the account's bucket scope
            // fails with it (its stored buckets and findings stay).
            ("global", CoverageStatus::Failed { error })
                if scope.kind == ResourceKind::AwsS3Bucket =>
            {
                assert_eq!(error.class, ErrorClass::AccessDenied);
            }
            (_, s) => assert!(s.is_complete(), "{} {} is {s:?}", scope.region, scope.kind),
        }
    }
    assert_eq!(
        partial.persist.findings_resolved, 0,
        "nothing may resolve because a region failed"
    );
    assert_eq!(
        partial.persist.resources_deleted, 0,
        "nothing may be deleted because a region failed"
    );

    // Every stored document is as before: eu-west-1's untouched, the others re-written equal.
    let after = stored_resources(&db).await;
    assert_eq!(before.len(), after.len());
    assert!(
        before == after,
        "stored inventory changed although the scan only lost a region"
    );
    // eu-west-1's findings are still open and still those of the baseline scan.
    let eu_before: BTreeSet<_> = baseline
        .findings
        .iter()
        .filter(|f| f.finding.region.as_str() == "eu-west-1")
        .map(|f| f.finding.key.clone())
        .collect();
    let eu_after: Vec<_> = partial
        .findings
        .iter()
        .filter(|f| f.finding.region.as_str() == "eu-west-1")
        .collect();
    assert!(!eu_before.is_empty());
    assert_eq!(eu_after.len(), eu_before.len());
    for f in eu_after {
        assert!(eu_before.contains(&f.finding.key));
        assert_eq!(f.status, FindingStatus::Open);
        assert_eq!(
            f.last_scan_id, baseline.scan.id,
            "not re-verified, so last seen by the baseline"
        );
    }
    // The other regions were re-verified by the partial scan; the bucket findings were not
    // (their scope failed with eu-west-1) and keep the baseline as last seen.
    assert!(partial
        .findings
        .iter()
        .filter(|f| f.finding.region.as_str() != "eu-west-1")
        .all(
            |f| if f.finding.resource_kind == ResourceKind::AwsS3Bucket {
                f.last_scan_id == baseline.scan.id
            } else {
                f.last_scan_id == partial.scan.id
            }
        ));
}

fn assert_clean_failure(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: ") && last.contains(needle),
        "expected an error line containing {needle:?}, got: {stderr}"
    );
    assert!(out.stdout.is_empty(), "no report on failure");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gives_one_clear_line_and_no_scan_record() {
    let Some(emu) = emulator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());

    let (out, _) = scan(&emu.endpoint, &db, &["mars-north-1"]);
    assert_clean_failure(&out, "unknown region(s) mars-north-1");
    let (out, _) = scan(&emu.endpoint, &db, &["US_EAST_1"]);
    assert_clean_failure(&out, "invalid region");
    let (out, _) = scan("http://127.0.0.1:1", &db, &["us-east-1"]);
    assert_clean_failure(&out, "cannot reach the AWS endpoint");
    let (out, _) = scan("ftp://nowhere", &db, &["us-east-1"]);
    assert_clean_failure(&out, "invalid endpoint URL");
    let (out, _) = scan(&emu.endpoint, "mysql://localhost/x", &["us-east-1"]);
    assert_clean_failure(&out, "sqlite://");
    let (out, _) = scan(
        &emu.endpoint,
        "sqlite:///nonexistent-dir/sub/x.db",
        &["us-east-1"],
    );
    assert_clean_failure(&out, "nonexistent-dir");
    let (out, _) = scan(
        &emu.endpoint,
        "postgres://postgres:CANARY-PW@127.0.0.1:1/x",
        &["us-east-1"],
    );
    assert_clean_failure(&out, "database");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("CANARY-PW"),
        "password leaked"
    );

    // Rejected credentials: the proxy answers like AWS does for an unknown key.
    let proxy = Proxy::start(&emu.endpoint, &["--reject-access-key", "testing"]);
    let (out, _) = scan(&proxy.url, &db, &["us-east-1"]);
    assert_clean_failure(&out, "AWS rejected the credentials");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("testing"),
        "no key material in errors"
    );

    // None of the failures recorded a scan or wrote inventory.
    let store = Store::connect(&db).await.unwrap();
    let conn: ConnectionId = CONNECTION.parse().unwrap();
    assert!(store.list_scans(&conn, 10).await.unwrap().is_empty());
    assert_eq!(store.count_resources(&conn).await.unwrap(), 0);
    store.close().await;
}

/// 25 % of calls answered with AWS-shaped throttling errors (faultproxy: EC2 503
/// RequestLimitExceeded, IAM/STS/ELB 400 Throttling, S3 503 SlowDown): the gate slows the
/// buckets down, the SDK retries, and the scan ends with every scope Complete and exactly the
/// findings of an unthrottled scan; the throttles are counted per service with the scan.
#[tokio::test(flavor = "multi_thread")]
async fn throttled_scan_completes_with_the_same_findings() {
    let Some(emu) = emulator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let clean_db = sqlite_url(&dir.path().join("clean"));
    std::fs::create_dir_all(dir.path().join("clean")).unwrap();
    let clean = scan_ok(&emu.endpoint, &clean_db);

    let proxy = Proxy::start(&emu.endpoint, &["--throttle", "0.25", "--seed", "7"]);
    let throttled_db = sqlite_url(&dir.path().join("throttled"));
    std::fs::create_dir_all(dir.path().join("throttled")).unwrap();
    let (out, parsed) = scan_with(
        &proxy.url,
        &throttled_db,
        &REGIONS,
        &["--max-attempts", "12", "--rate-scale", "4"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let throttled = parsed.expect("JSON report");
    let incomplete: Vec<_> = throttled
        .scan
        .coverage
        .iter()
        .filter(|(_, s)| !s.is_complete())
        .collect();
    assert!(incomplete.is_empty(), "{incomplete:?}");
    assert_eq!(
        throttled.scan.coverage.len(),
        clean.scan.coverage.len(),
        "same scopes"
    );
    assert_eq!(comparable(&throttled.findings), comparable(&clean.findings));
    let throttles: u64 = throttled.scan.api_calls.values().map(|c| c.throttles).sum();
    let retries: u64 = throttled.scan.api_calls.values().map(|c| c.retries).sum();
    assert!(throttles > 0, "{:?}", throttled.scan.api_calls);
    assert!(retries >= throttles, "every throttled attempt was retried");
    let clean_throttles: u64 = clean.scan.api_calls.values().map(|c| c.throttles).sum();
    assert_eq!(clean_throttles, 0);
}
