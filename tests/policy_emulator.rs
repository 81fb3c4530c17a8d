//! End-to-end policy features against the seeded moto estate, through the real binary:
//! user rule packs (`examples/rules/`), suppressions with expiry, the findings lifecycle
//! (resolved -> regressed) with scan comparison, and every export format validated against
//! its published schema.
//!
//! The tests of this binary change the emulator's estate (one security group rule is revoked
//! and restored), so they run one at a time (`SERIAL`). Same environment as
//! `tests/aws_emulator.rs`: run through `./scripts/test`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use common::*;
use serde_json::Value;
use skywarden_graph::model::{Instance, InstanceState, Volume};
use skywarden_graph::{ConnectionId, ResourceId, ScanId};
use skywarden_rules::{Evidence, FindingKey, FindingRecord, FindingStatus};
use skywarden_store::{Change, ScanComparison, Store};
use tokio::sync::Mutex;

#[path = "../rules/tests/support/schemas.rs"]
mod schemas;

/// Held by every test of this binary (an async mutex: never poisoned by a failed test).
static SERIAL: Mutex<()> = Mutex::const_new(());

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn ok(out: &std::process::Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn list(db: &str, status: &str) -> Vec<FindingRecord> {
    let out = skywarden(&[
        "findings",
        "list",
        "--database-url",
        db,
        "--format",
        "json",
        "--status",
        status,
    ]);
    ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn count_by_region(findings: &[FindingRecord], rule: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for f in findings.iter().filter(|f| f.finding.rule_id == rule) {
        *m.entry(f.finding.region.to_string()).or_insert(0) += 1;
    }
    m
}

const PACK_PRICE_PER_GIB: f64 = 0.08;

#[tokio::test(flavor = "multi_thread")]
async fn the_example_pack_fires_exactly_on_the_planted_resources() {
    let Some(emu) = emulator() else { return };
    let _g = SERIAL.lock().await;
    let pack_text = std::fs::read_to_string(repo("examples/rules/baseline.yaml")).unwrap();
    assert!(
        pack_text.contains("gib_month_usd: 0.08"),
        "the oracle below assumes the pack's price parameter"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let rules_dir = repo("examples/rules");
    let (out, parsed) = scan_with(
        &emu.endpoint,
        &db,
        &REGIONS,
        &["--rules-dir", rules_dir.to_str().unwrap()],
    );
    ok(&out);
    let report = parsed.unwrap();
    let resources = stored_resources(&db).await;

    // 1. Misconfiguration: world-open all-traffic groups, exactly the planted ones.
    let all_traffic = count_by_region(
        &report.findings,
        "acme.ec2.security_group_all_traffic_world",
    );
    // 2. Cost with a CEL estimate: stopped instances, priced by their attached volumes.
    let stopped = count_by_region(&report.findings, "acme.ec2.stopped_instance_volume_cost");
    for region in REGIONS {
        assert_eq!(
            all_traffic.get(region).copied().unwrap_or(0),
            truth(&emu, region, "problems", "sg_world_open_all_traffic"),
            "{region} all-traffic groups"
        );
        assert_eq!(
            stopped.get(region).copied().unwrap_or(0),
            truth(&emu, region, "problems", "instance_stopped"),
            "{region} stopped instances"
        );
    }
    assert!(all_traffic.values().sum::<usize>() > 0 && stopped.values().sum::<usize>() > 0);

    // The estimate is the sum of the attached volumes' sizes times the pack's price.
    let mut gib: BTreeMap<&ResourceId, i64> = BTreeMap::new();
    for r in &resources {
        if let Some(v) = r.model::<Volume>() {
            for a in &v.attachments {
                *gib.entry(&a.instance).or_default() += i64::from(v.size_gib);
            }
        }
    }
    for f in report
        .findings
        .iter()
        .filter(|f| f.finding.rule_id == "acme.ec2.stopped_instance_volume_cost")
    {
        let want =
            gib.get(&f.finding.resource_id).copied().unwrap_or(0) as f64 * PACK_PRICE_PER_GIB;
        let got = f
            .finding
            .monthly_cost_usd
            .expect("cost rule without an estimate");
        assert!(
            (got - want).abs() < 0.005,
            "{}: {got} vs {want}",
            f.finding.resource_id
        );
        assert_eq!(
            f.finding
                .pricing_basis
                .as_ref()
                .map(|b| b.table_version.as_str()),
            Some("pack:acme-baseline")
        );
        let inst = resources
            .iter()
            .find(|r| r.id == f.finding.resource_id)
            .and_then(|r| r.model::<Instance>())
            .unwrap();
        assert_eq!(inst.state, InstanceState::Stopped);
    }

    // 3. Graph-aware: the pack's exposure rule fires on exactly the instances the built-in
    // graph rule reports, which is the ground truth minus the IPv6-only openings.
    let ids = |rule: &str| -> BTreeSet<ResourceId> {
        report
            .findings
            .iter()
            .filter(|f| f.finding.rule_id == rule)
            .map(|f| f.finding.resource_id.clone())
            .collect()
    };
    let pack_exposed = ids("acme.ec2.instance_admin_port_exposed");
    assert_eq!(pack_exposed, ids("aws.ec2.instance_exposed_admin_port"));
    let want: usize = REGIONS
        .iter()
        .map(|r| {
            truth(&emu, r, "problems", "instance_exposed_admin_port")
                - ipv6_only_admin_exposures(&resources, r)
        })
        .sum();
    assert_eq!(pack_exposed.len(), want);
    assert!(want > 0);
    for f in report
        .findings
        .iter()
        .filter(|f| f.finding.rule_id == "acme.ec2.instance_admin_port_exposed")
    {
        let Evidence::RulePack { pack, exposure, .. } = &f.finding.evidence else {
            panic!("pack finding with {:?}", f.finding.evidence)
        };
        assert_eq!(pack, "acme-baseline");
        let exposure = exposure
            .as_ref()
            .expect("graph rule evidence carries the path");
        assert_eq!(
            exposure.path.last().map(|h| &h.id),
            Some(&f.finding.resource_id)
        );
        assert!(exposure.ports.iter().any(|p| *p == 22 || *p == 3389));
    }

    // Cost totals: the active cost findings' estimates, per rule and per owner tag.
    let out = skywarden(&[
        "findings",
        "totals",
        "--database-url",
        &db,
        "--group-by-tag",
        "owner",
        "--format",
        "json",
    ]);
    ok(&out);
    let totals: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cost: Vec<&FindingRecord> = report
        .findings
        .iter()
        .filter(|f| f.finding.monthly_cost_usd.is_some())
        .collect();
    let cents = |v: f64| (v * 100.0).round() as i64;
    let sum: f64 = cost.iter().filter_map(|f| f.finding.monthly_cost_usd).sum();
    assert_eq!(
        cents(totals["total_monthly_usd"].as_f64().unwrap()),
        cents(sum)
    );
    assert_eq!(totals["counted"].as_u64().unwrap() as usize, cost.len());
    let pack_sum: f64 = cost
        .iter()
        .filter(|f| f.finding.rule_id == "acme.ec2.stopped_instance_volume_cost")
        .filter_map(|f| f.finding.monthly_cost_usd)
        .sum();
    assert_eq!(
        cents(
            totals["by_rule"]["acme.ec2.stopped_instance_volume_cost"]
                .as_f64()
                .unwrap()
        ),
        cents(pack_sum)
    );
    let by_owner: f64 = totals["by_tag"]["owner"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert_eq!(
        cents(by_owner),
        cents(sum),
        "every cost lands in one owner bucket"
    );

    // `rules test` (dry run on the stored inventory) predicts the same findings, writes nothing.
    let before = list(&db, "all").len();
    let out = skywarden(&[
        "rules",
        "test",
        rules_dir.to_str().unwrap(),
        "--database-url",
        &db,
        "--format",
        "json",
    ]);
    ok(&out);
    let runs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let predicted: BTreeSet<String> = runs[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect();
    let stored: BTreeSet<String> = report
        .findings
        .iter()
        .filter(|f| f.finding.rule_id.starts_with("acme."))
        .map(|f| f.finding.key.to_string())
        .collect();
    assert_eq!(predicted, stored);
    assert_eq!(list(&db, "all").len(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_pack_is_rejected_whole_and_the_stored_results_stay() {
    let Some(emu) = emulator() else { return };
    let _g = SERIAL.lock().await;
    let broken = repo("examples/rules/broken");
    let out = skywarden(&[
        "rules",
        "validate",
        broken.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    let errors = report["errors"].as_array().unwrap();
    assert!(errors.len() >= 2, "{errors:?}");
    for e in errors {
        assert!(e["file"].as_str().unwrap().ends_with(".yaml"), "{e}");
        assert!(e["line"].as_u64().unwrap() > 0, "{e}");
        assert!(e["column"].as_u64().unwrap() > 0, "{e}");
        assert!(e["rule_id"].as_str().is_some(), "{e}");
    }
    let good = skywarden(&[
        "rules",
        "validate",
        repo("examples/rules").to_str().unwrap(),
    ]);
    ok(&good);

    // A scan with the broken pack refuses to start; what the last good scan stored stays.
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (out, _) = scan_with(
        &emu.endpoint,
        &db,
        &REGIONS,
        &["--rules-dir", repo("examples/rules").to_str().unwrap()],
    );
    ok(&out);
    let before = list(&db, "all");
    let (out, parsed) = scan_with(
        &emu.endpoint,
        &db,
        &REGIONS,
        &["--rules-dir", broken.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(parsed.is_none());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken") && stderr.contains(".yaml"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(list(&db, "all"), before);
    let store = Store::connect(&db).await.unwrap();
    let conn: ConnectionId = CONNECTION.parse().unwrap();
    assert_eq!(store.list_scans(&conn, 10).await.unwrap().len(), 1);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_suppression_hides_until_it_expires_then_the_findings_resurface() {
    let Some(emu) = emulator() else { return };
    let _g = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let rule = "aws.ec2.security_group_world_open_rdp";
    let t0 = std::time::Instant::now();
    let first = scan_ok(&emu.endpoint, &db);
    // The suppression must outlive the second scan and expire before the third: its lifetime
    // follows this machine's scan time (CI saw an 8 s expiry pass during the second scan).
    let expiry = std::time::Duration::from_secs(t0.elapsed().as_secs() * 3 + 20);
    let expires = format!("{}s", expiry.as_secs());
    let rdp: BTreeSet<FindingKey> = first
        .findings
        .iter()
        .filter(|f| f.finding.rule_id == rule)
        .map(|f| f.finding.key.clone())
        .collect();
    assert!(!rdp.is_empty());

    let out = skywarden(&[
        "suppressions",
        "add",
        "--database-url",
        &db,
        "--rule",
        rule,
        "--owner",
        "alice",
        "--reason",
        "jump hosts, replaced in Q1",
        "--ticket",
        "SEC-42",
        "--expires",
        &expires,
        "--format",
        "json",
    ]);
    ok(&out);
    let sup: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sup_id = sup["id"].as_str().unwrap().to_string();
    let added = std::time::Instant::now();

    let second = scan_ok(&emu.endpoint, &db);
    assert_eq!(second.persist.findings_suppressed as usize, rdp.len());
    assert!(
        second.findings.iter().all(|f| f.finding.rule_id != rule),
        "suppressed findings are not active"
    );
    let suppressed = list(&db, "suppressed");
    assert_eq!(
        suppressed
            .iter()
            .map(|f| f.finding.key.clone())
            .collect::<BTreeSet<_>>(),
        rdp
    );
    for f in &suppressed {
        let s = f.suppression.as_ref().unwrap();
        assert_eq!(
            (s.id.as_str(), s.owner.as_str(), s.ticket.as_deref()),
            (sup_id.as_str(), "alice", Some("SEC-42"))
        );
        assert_eq!(
            f.first_scan_id, first.scan.id,
            "suppression keeps the finding's history"
        );
    }

    // Past the expiry, the next scan re-surfaces them as open and reports the suppression stale.
    if let Some(left) = (expiry + std::time::Duration::from_secs(1)).checked_sub(added.elapsed()) {
        std::thread::sleep(left);
    }
    let third = scan_ok(&emu.endpoint, &db);
    assert_eq!(third.persist.findings_unsuppressed as usize, rdp.len());
    assert_eq!(third.persist.findings_suppressed, 0);
    let back: BTreeSet<FindingKey> = third
        .findings
        .iter()
        .filter(|f| f.finding.rule_id == rule)
        .map(|f| f.finding.key.clone())
        .collect();
    assert_eq!(back, rdp);
    assert!(third
        .findings
        .iter()
        .filter(|f| f.finding.rule_id == rule)
        .all(|f| f.status == FindingStatus::Open && f.suppression.is_none()));
    let stale = &third.persist.stale_suppressions;
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].id, sup_id);
    assert_eq!(stale[0].code, "skywarden.suppression_stale");
    assert_eq!(stale[0].reason, skywarden_rules::StaleReason::Expired);

    // What changed since the second scan: exactly the re-surfaced findings.
    let out = skywarden(&[
        "findings",
        "list",
        "--database-url",
        &db,
        "--format",
        "json",
        "--status",
        "all",
        "--since-scan",
        &second.scan.id.to_string(),
    ]);
    ok(&out);
    let changed: Vec<FindingRecord> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        changed
            .iter()
            .map(|f| f.finding.key.clone())
            .collect::<BTreeSet<_>>(),
        rdp
    );

    // A suppression needs an expiry in the future and at least one selector.
    let out = skywarden(&[
        "suppressions",
        "add",
        "--database-url",
        &db,
        "--owner",
        "bob",
        "--reason",
        "x",
        "--expires",
        "30d",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least one selector"));
}

/// Calls EC2 on the emulator through boto3 (the harness's venv): revoke or authorize one
/// ingress permission of a security group.
fn ec2_ingress(endpoint: &str, region: &str, action: &str, group: &str, port: u16) {
    let python = std::env::var("AWS_EMU_PY").unwrap_or_else(|_| "python3".to_string());
    let script = "import boto3, sys\n\
        ec2 = boto3.client('ec2', endpoint_url=sys.argv[1], region_name=sys.argv[2], \
        aws_access_key_id='testing', aws_secret_access_key='testing')\n\
        p = int(sys.argv[5])\n\
        getattr(ec2, sys.argv[3])(GroupId=sys.argv[4], IpPermissions=[{'IpProtocol': 'tcp', \
        'FromPort': p, 'ToPort': p, 'IpRanges': [{'CidrIp': '0.0.0.0/0'}]}])\n";
    let out = Command::new(python)
        .args([
            "-c",
            script,
            endpoint,
            region,
            action,
            group,
            &port.to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{action}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn compare(db: &str, from: ScanId, to: ScanId) -> ScanComparison {
    let out = skywarden(&[
        "scans",
        "compare",
        &from.to_string(),
        &to.to_string(),
        "--database-url",
        db,
        "--format",
        "json",
    ]);
    ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fixed_problem_resolves_and_a_reintroduced_one_regresses() {
    let Some(emu) = emulator() else { return };
    let _g = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let rule = "aws.ec2.security_group_world_open_rdp";
    let a = scan_ok(&emu.endpoint, &db);
    // A group whose only world-open RDP permission is exactly tcp 3389 from 0.0.0.0/0.
    let target = a
        .findings
        .iter()
        .find(|f| {
            f.finding.rule_id == rule
                && matches!(&f.finding.evidence, Evidence::WorldOpenIngress { permissions, .. }
                    if permissions.len() == 1 && permissions[0].from_port == Some(3389)
                        && permissions[0].to_port == Some(3389) && permissions[0].source == "0.0.0.0/0")
        })
        .expect("the estate plants rdp-world groups")
        .clone();
    let group = target.finding.resource_id.short_id().to_string();
    let region = target.finding.region.to_string();

    ec2_ingress(
        &emu.endpoint,
        &region,
        "revoke_security_group_ingress",
        &group,
        3389,
    );
    let b = scan_ok(&emu.endpoint, &db);
    ec2_ingress(
        &emu.endpoint,
        &region,
        "authorize_security_group_ingress",
        &group,
        3389,
    );
    assert!(b.persist.findings_resolved >= 1);
    let all = list(&db, "all");
    let rec = all
        .iter()
        .find(|f| f.finding.key == target.finding.key)
        .unwrap();
    assert_eq!(rec.status, FindingStatus::Resolved);
    assert!(rec.resolved_at.is_some());

    let c = scan_ok(&emu.endpoint, &db);
    assert!(c.persist.findings_regressed >= 1);
    let rec = c
        .findings
        .iter()
        .find(|f| f.finding.key == target.finding.key)
        .unwrap();
    assert_eq!(rec.status, FindingStatus::Regressed);
    assert_eq!(rec.regression_count, 1);
    assert_eq!(rec.first_seen, target.first_seen, "first_seen is kept");
    assert_eq!(rec.first_scan_id, a.scan.id);

    let find = |cmp: &ScanComparison| {
        cmp.findings
            .iter()
            .find(|f| f.key == target.finding.key)
            .map(|f| f.change)
    };
    let ab = compare(&db, a.scan.id, b.scan.id);
    assert_eq!(find(&ab), Some(Change::Resolved));
    assert_eq!(ab.new, 0);
    let bc = compare(&db, b.scan.id, c.scan.id);
    assert_eq!(find(&bc), Some(Change::Regressed));
    let ac = compare(&db, a.scan.id, c.scan.id);
    assert_eq!(find(&ac), Some(Change::Regressed), "resolved in between");
    assert_eq!(ac.resolved, 0);
    // Unchanged findings are counted, not listed.
    assert!(ac.unchanged > 0 && ac.findings.iter().all(|f| f.change != Change::Unchanged));
    // Comparing backwards is refused with a clear error.
    let out = skywarden(&[
        "scans",
        "compare",
        &c.scan.id.to_string(),
        &a.scan.id.to_string(),
        "--database-url",
        &db,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("older scan first"));
}

/// The finding keys an export carries, read back with a parser of its format.
fn exported_keys(format: &str, text: &str) -> BTreeSet<String> {
    match format {
        "json" => serde_json::from_str::<Vec<FindingRecord>>(text)
            .unwrap()
            .into_iter()
            .map(|f| f.finding.key.to_string())
            .collect(),
        "ndjson" => text
            .lines()
            .map(|l| {
                serde_json::from_str::<FindingRecord>(l)
                    .unwrap()
                    .finding
                    .key
                    .to_string()
            })
            .collect(),
        "csv" => {
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let col = r
                .headers()
                .unwrap()
                .iter()
                .position(|h| h == "key")
                .unwrap();
            r.records()
                .map(|rec| rec.unwrap()[col].to_string())
                .collect()
        }
        "ocsf" => serde_json::from_str::<Vec<Value>>(text)
            .unwrap()
            .iter()
            .map(|e| e["finding_info"]["uid"].as_str().unwrap().to_string())
            .collect(),
        "sarif" => {
            let log: Value = serde_json::from_str(text).unwrap();
            log["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r["partialFingerprints"]["skywardenFindingKey/v1"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect()
        }
        "junit" => {
            use quick_xml::events::Event;
            let mut reader = quick_xml::Reader::from_str(text);
            let mut keys = BTreeSet::new();
            loop {
                match reader.read_event().unwrap() {
                    Event::Eof => break,
                    Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "property" => {
                        let attrs: BTreeMap<String, String> = e
                            .attributes()
                            .map(|a| {
                                let a = a.unwrap();
                                (
                                    a.key.as_ref().to_string(),
                                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                        .unwrap()
                                        .into_owned(),
                                )
                            })
                            .collect();
                        if attrs.get("name").map(String::as_str) == Some("skywarden.finding_key") {
                            keys.insert(attrs["value"].clone());
                        }
                    }
                    _ => {}
                }
            }
            keys
        }
        other => panic!("no reader for {other}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_export_format_validates_and_carries_the_stored_keys() {
    let Some(emu) = emulator() else { return };
    let _g = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let rules_dir = repo("examples/rules");
    let rules_dir = rules_dir.to_str().unwrap();
    let (out, _) = scan_with(&emu.endpoint, &db, &REGIONS, &["--rules-dir", rules_dir]);
    ok(&out);
    // Some suppressed findings too.
    ok(&skywarden(&[
        "suppressions",
        "add",
        "--database-url",
        &db,
        "--rule",
        "aws.ec2.instance_imdsv1",
        "--owner",
        "bob",
        "--reason",
        "legacy AMIs",
        "--expires",
        "30d",
    ]));
    let (out, _) = scan_with(&emu.endpoint, &db, &REGIONS, &["--rules-dir", rules_dir]);
    ok(&out);
    let stored: BTreeSet<String> = list(&db, "all")
        .iter()
        .map(|f| f.finding.key.to_string())
        .collect();
    let high: BTreeSet<String> = list(&db, "open")
        .iter()
        .filter(|f| f.finding.severity >= skywarden_rules::Severity::High)
        .map(|f| f.finding.key.to_string())
        .collect();
    assert!(!high.is_empty() && high.len() < stored.len());
    let schema_dir = repo("rules/testdata/schemas");
    for format in ["json", "ndjson", "csv", "ocsf", "sarif", "junit"] {
        let path = dir.path().join(format!("export.{format}"));
        ok(&skywarden(&[
            "findings",
            "export",
            "--database-url",
            &db,
            "--format",
            format,
            "--status",
            "all",
            "--rules-dir",
            rules_dir,
            "--output",
            path.to_str().unwrap(),
        ]));
        let text = std::fs::read_to_string(&path).unwrap();
        let got = exported_keys(format, &text);
        assert!(
            got == stored,
            "{format} round trip: {} exported, {} stored, {} missing",
            got.len(),
            stored.len(),
            stored.difference(&got).count()
        );
        match format {
            "ocsf" => {
                let v = schemas::validator(&schema_dir, schemas::OCSF_SCHEMA);
                for e in serde_json::from_str::<Vec<Value>>(&text).unwrap() {
                    let errors = schemas::schema_errors(&v, &e);
                    assert!(errors.is_empty(), "OCSF: {errors:#?}");
                }
            }
            "sarif" => {
                let v = schemas::validator(&schema_dir, schemas::SARIF_SCHEMA);
                let log: Value = serde_json::from_str(&text).unwrap();
                let errors = schemas::schema_errors(&v, &log);
                assert!(errors.is_empty(), "SARIF: {errors:#?}");
                // Pack rules carry their metadata into the export.
                let rules = log["runs"][0]["tool"]["driver"]["rules"]
                    .as_array()
                    .unwrap();
                assert!(rules
                    .iter()
                    .any(|r| r["id"] == "acme.ec2.stopped_instance_volume_cost"));
            }
            _ => {}
        }
        // Filters apply to exports: active high+ only.
        let path = dir.path().join(format!("high.{format}"));
        ok(&skywarden(&[
            "findings",
            "export",
            "--database-url",
            &db,
            "--format",
            format,
            "--severity",
            "high+",
            "--output",
            path.to_str().unwrap(),
        ]));
        let text = std::fs::read_to_string(&path).unwrap();
        let got = exported_keys(format, &text);
        assert!(
            got == high,
            "{format} filtered: {} exported, {} expected",
            got.len(),
            high.len()
        );
    }
    // An unknown format is a clear error, and nothing is written.
    let path = dir.path().join("x.out");
    let out = skywarden(&[
        "findings",
        "export",
        "--database-url",
        &db,
        "--format",
        "xlsx",
        "--output",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("xlsx"));
    assert!(!path.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn configuration_tunes_built_in_rules_required_tags_match_the_ground_truth() {
    use skywarden_graph::model::{SecurityGroup, Subnet, Vpc};
    use skywarden_graph::ResourceKind;
    let Some(emu) = emulator() else { return };
    let _g = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let config = dir.path().join("skywarden.toml");
    std::fs::write(
        &config,
        "[rules]\ndisabled = [\"aws.ec2.instance_imdsv1\"]\n\
         [rules.severity_overrides]\n\"aws.ebs.volume_unattached\" = \"medium\"\n\
         [rules.tag_policy]\nrequired = [\"owner\", \"cost-center\"]\n\
         kinds = [\"aws_ec2_instance\", \"aws_ebs_volume\", \"aws_ec2_security_group\", \"aws_ec2_vpc\", \"aws_ec2_subnet\"]\n",
    )
    .unwrap();
    let (out, parsed) = scan_with(
        &emu.endpoint,
        &db,
        &REGIONS,
        &["--config", config.to_str().unwrap()],
    );
    ok(&out);
    let report = parsed.unwrap();
    let resources = stored_resources(&db).await;
    assert!(report
        .findings
        .iter()
        .all(|f| f.finding.rule_id != "aws.ec2.instance_imdsv1"));
    let unattached: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.finding.rule_id == "aws.ebs.volume_unattached")
        .collect();
    assert!(!unattached.is_empty());
    assert!(unattached
        .iter()
        .all(|f| f.finding.severity == skywarden_rules::Severity::Medium));

    let rule = "aws.tagging.resource_missing_required_tags";
    for region in REGIONS {
        let fired = |kind: ResourceKind| {
            report
                .findings
                .iter()
                .filter(|f| {
                    f.finding.rule_id == rule
                        && f.finding.region.as_str() == region
                        && f.finding.resource_kind == kind
                })
                .count()
        };
        let here = |f: &dyn Fn(&skywarden_graph::Resource) -> bool| {
            resources
                .iter()
                .filter(|r| r.region.as_str() == region && f(r))
                .count()
        };
        // moto's own defaults (default VPC, its subnets, every VPC's `default` group) are
        // untagged and outside the ground truth: they fire too, counted from the inventory.
        let default_vpcs = here(&|r| r.model::<Vpc>().is_some_and(|v| v.is_default));
        let default_subnets = here(&|r| r.model::<Subnet>().is_some_and(|s| s.default_for_az));
        let default_groups = here(&|r| {
            r.model::<SecurityGroup>()
                .is_some_and(|g| g.group_name == "default")
        });
        let t = |k: &str| truth(&emu, region, "missing_required_tags", k);
        assert_eq!(
            fired(ResourceKind::AwsEc2Instance),
            t("instances"),
            "{region} instances"
        );
        // Root volumes carry their instance's tags (TagSpecifications for both).
        assert_eq!(
            fired(ResourceKind::AwsEbsVolume),
            t("volumes_data") + t("instances"),
            "{region} volumes"
        );
        assert_eq!(
            fired(ResourceKind::AwsEc2Vpc),
            t("vpcs") + default_vpcs,
            "{region} vpcs"
        );
        assert_eq!(
            fired(ResourceKind::AwsEc2Subnet),
            t("subnets") + default_subnets,
            "{region} subnets"
        );
        assert_eq!(
            fired(ResourceKind::AwsEc2SecurityGroup),
            t("security_groups") + default_groups,
            "{region} security groups"
        );
        // Route tables are outside the configured kinds.
        assert_eq!(fired(ResourceKind::AwsEc2RouteTable), 0);
    }

    // A typo in the configuration is an error before anything is scanned.
    std::fs::write(
        &config,
        "[rules]\ndisabled = [\"aws.ec2.instance_imdsv2\"]\n",
    )
    .unwrap();
    let (out, _) = scan_with(
        &emu.endpoint,
        &db,
        &REGIONS,
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("aws.ec2.instance_imdsv2"));
}
