//! End-to-end drift: change history, baselines and drift rules on a seeded moto estate of its
//! own (the test changes it), through the CLI on SQLite and through the daemon's API.
//!
//! 1. Scan, pin a baseline (CLI; and through the API for a daemon connection).
//! 2. Through boto3 (`testing/aws-emulator/drift_mutate.py drift`), in eu-west-1: open
//!    tcp/3389 to the world on a security group, delete an unattached volume, launch an untagged
//!    instance; and make a private bucket public (public access block removed, public policy). The next scan records
//!    exactly those changes (plus what launching the instance created: its root volume and
//!    interface), with JSON Patch paths and ops, and the drift rules fire on exactly those
//!    resources; the API shows the same changes and history; approving the group through the
//!    API resolves its findings on the next scan.
//! 3. The group's rule is revoked and another volume deleted while eu-west-1 is refused
//!    (fault proxy `--fail-region`): that scan records no change, no deletion, resolves nothing.
//!    The next complete scan sees both.
//! 4. Approving the deleted volume and the new instance (CLI) resolves their findings.
//!
//! Needs `SKYWARDEN_TEST_AWS_DRIFT_*` (a third emulator at scale 500 that `./scripts/test`
//! starts) and `AWS_EMU_PY` (the emulator's Python with boto3). Skips locally without them,
//! fails when `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::daemon::*;
use common::*;
use serde_json::{json, Value};
use skywarden_rules::{Evidence, FindingRecord};
use skywarden_store::{BaselineRecord, ChangeKind, ResourceChange, ScanStatus};

const SG_RULES: &str = "drift.security_group_rules_changed";
const CREATED: &str = "drift.resource_created_outside_baseline";
const DELETED: &str = "drift.resource_deleted_since_baseline";
const PUBLIC: &str = "drift.public_access_enabled";

/// Where the EC2 changes are made, and the region refused in step 3 (not us-east-1: the
/// account's identity is read there).
const DRIFT_REGION: &str = "eu-west-1";

/// Runs `drift_mutate.py` against the emulator; its JSON answer.
fn mutate(endpoint: &str, args: &[&str]) -> Value {
    let python = std::env::var("AWS_EMU_PY").unwrap_or_else(|_| "python3".to_string());
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testing/aws-emulator/drift_mutate.py");
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .args(["--endpoint", endpoint])
        .output()
        .expect("run drift_mutate.py");
    assert!(
        out.status.success(),
        "drift_mutate.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The CLI with `--database-url db`, exit 0; stdout parsed as JSON.
fn cli_json(db: &str, args: &[&str]) -> Value {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--database-url", db, "--format", "json"]);
    let out = skywarden(&all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{all:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn changes_of_scan(db: &str, scan: &str) -> Vec<ResourceChange> {
    serde_json::from_value(cli_json(db, &["changes", "--scan", scan])).unwrap()
}

/// (change, short id) of each change, sorted.
fn change_set(list: &[ResourceChange]) -> BTreeSet<(ChangeKind, String)> {
    list.iter()
        .map(|c| (c.change, c.resource_id.short_id().to_string()))
        .collect()
}

/// (op, path) of a recorded change's patch.
fn patch_ops(c: &ResourceChange) -> Vec<(String, String)> {
    c.patch
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|p| (p.op().to_string(), p.path().to_string()))
        .collect()
}

fn evidence_ops(f: &FindingRecord) -> Vec<(String, String)> {
    let Evidence::BaselineDrift { patch, .. } = &f.finding.evidence else {
        panic!("{:?}", f.finding.evidence)
    };
    patch
        .iter()
        .map(|p| (p.op().to_string(), p.path().to_string()))
        .collect()
}

/// Active drift findings (rule id starting with `drift.`) of the CLI database.
fn drift_findings(db: &str) -> Vec<FindingRecord> {
    let v = cli_json(db, &["findings", "list", "--category", "drift"]);
    let all: Vec<FindingRecord> = serde_json::from_value(v).unwrap();
    all.into_iter()
        .filter(|f| f.finding.rule_id.starts_with("drift."))
        .collect()
}

fn rule_set(findings: &[FindingRecord]) -> BTreeSet<(String, String)> {
    findings
        .iter()
        .map(|f| {
            (
                f.finding.rule_id.clone(),
                f.finding.resource_id.short_id().to_string(),
            )
        })
        .collect()
}

/// `drift.resource_created_outside_baseline` on each of `launched` but `approved`.
fn created_findings(launched: &[String], approved: Option<&str>) -> BTreeSet<(String, String)> {
    launched
        .iter()
        .filter(|id| Some(id.as_str()) != approved)
        .map(|id| (CREATED.to_string(), id.clone()))
        .collect()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The daemon on its own SQLite database with a master key, an organization `acme` and an
/// admin token; a connection `acme-east` of the three regions with static emulator keys.
async fn daemon(dir: &Path, endpoint: &str) -> (Daemon, Client) {
    let (key, _) = key_files(dir);
    let env: Vec<(&str, String)> = vec![
        ("SKYWARDEN_MASTER_KEY_FILE", key.display().to_string()),
        ("SKYWARDEN_DATABASE_URL", sqlite_url(dir)),
    ];
    let token = bootstrap(dir, &env, "acme", "admin");
    let d = Daemon::start(dir, &env);
    let c = Client::new(&token);
    let (s, v) = c
        .post(
            &d.url("/v1/connections"),
            json!({
                "id": "acme-east",
                "provider": "aws",
                "aws": {"regions": REGIONS, "endpoint_url": endpoint},
                "credential": {"kind": "aws_static", "access_key_id": "testing", "secret_access_key": "testing"},
            }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    (d, c)
}

async fn api_scan(c: &Client, d: &Daemon) -> String {
    let (s, v) = c
        .post(&d.url("/v1/connections/acme-east/scans"), json!({}))
        .await;
    assert_eq!(s, 202, "{v}");
    let id = v["scan_id"].as_str().unwrap().to_string();
    let scan = wait_scan(c, d, &id, Duration::from_secs(120)).await;
    assert_eq!(scan["status"], "succeeded", "{scan}");
    id
}

/// Every page of `path` (a cursor-paginated list), concatenated.
async fn all_pages(c: &Client, d: &Daemon, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = d.url(&format!("{path}{sep}limit=7"));
        if let Some(cur) = &cursor {
            url.push_str(&format!("&cursor={cur}"));
        }
        let (s, v) = c.get(&url).await;
        assert_eq!(s, 200, "{url}: {v}");
        out.extend(v["items"].as_array().unwrap().iter().cloned());
        match v["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return out,
        }
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_history_baselines_and_failed_regions() {
    let Some(emu) = emulator_with_prefix("DRIFT_") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let api_dir = tempfile::tempdir().unwrap();
    let (d, api) = daemon(api_dir.path(), &emu.endpoint).await;

    // ---- 1. Scan and pin.
    let first = scan_ok(&emu.endpoint, &db);
    assert_eq!(first.persist.resources_created, first.scan.resource_count);
    let pinned: BaselineRecord = serde_json::from_value(cli_json(
        &db,
        &[
            "baselines",
            "pin",
            "--connection",
            CONNECTION,
            "--note",
            "e2e",
        ],
    ))
    .unwrap();
    assert_eq!(pinned.scan_id, first.scan.id);
    assert_eq!(pinned.resource_count, first.scan.resource_count);
    assert_eq!(pinned.scopes.len(), first.scan.coverage.len());
    api_scan(&api, &d).await;
    let (s, v) = api
        .post(
            &d.url("/v1/connections/acme-east/baselines"),
            json!({"note": "api"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let api_baseline = v["id"].as_str().unwrap().to_string();
    let (s, v) = api
        .post(&d.url("/v1/connections/acme-east/baselines"), json!({}))
        .await;
    assert_eq!((s, v["code"].as_str()), (409, Some("conflict")), "{v}");

    // ---- 2. Drift through boto3; the next scan records exactly it.
    let m = mutate(&emu.endpoint, &["drift", "--region", DRIFT_REGION]);
    let sg = m["security_group"].as_str().unwrap().to_string();
    let gone = m["deleted_volume"].as_str().unwrap().to_string();
    let instance = m["instance"].as_str().unwrap().to_string();
    let bucket = m["bucket"].as_str().unwrap().to_string();
    let launched: Vec<String> = std::iter::once(instance.clone())
        .chain(strs(&m["instance_volumes"]))
        .chain(strs(&m["instance_interfaces"]))
        .collect();
    let before = m["ingress_before"].as_u64().unwrap();
    assert_eq!(m["ingress_after"].as_u64(), Some(before + 1), "{m}");

    let second = scan_ok(&emu.endpoint, &db);
    let changes = changes_of_scan(&db, &second.scan.id.to_string());
    let mut expected: BTreeSet<(ChangeKind, String)> = launched
        .iter()
        .map(|id| (ChangeKind::Created, id.clone()))
        .collect();
    expected.insert((ChangeKind::Modified, sg.clone()));
    expected.insert((ChangeKind::Modified, bucket.clone()));
    expected.insert((ChangeKind::Deleted, gone.clone()));
    assert_eq!(change_set(&changes), expected);
    let p = &second.persist;
    assert_eq!(
        (
            p.resources_created,
            p.resources_modified,
            p.resources_deleted
        ),
        (launched.len() as u64, 2, 1)
    );
    let of = |id: &str| {
        changes
            .iter()
            .find(|c| c.resource_id.short_id() == id)
            .unwrap()
    };
    let added_rule = format!("/properties/ingress/{before}");
    assert_eq!(
        patch_ops(of(&sg)),
        [("add".to_string(), added_rule.clone())]
    );
    let value = match &of(&sg).patch.as_deref().unwrap()[0] {
        skywarden_graph::PatchOp::Add { value, .. } => value.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        (
            value["protocol"]["name"].as_str(),
            value["from_port"].as_i64(),
            value["to_port"].as_i64()
        ),
        (Some("tcp"), Some(3389), Some(3389))
    );
    assert_eq!(value["ipv4_ranges"], json!(["0.0.0.0/0"]));
    let bucket_ops: BTreeSet<(String, String)> = patch_ops(of(&bucket)).into_iter().collect();
    assert_eq!(
        bucket_ops,
        owned(&[
            ("replace", "/properties/policy"),
            ("replace", "/properties/policy_is_public"),
            ("replace", "/properties/public_access_block"),
        ])
    );
    let deleted = of(&gone);
    assert_eq!(deleted.content_hash, None);
    assert_eq!(
        deleted.document.as_ref().unwrap()["properties"]["volume_id"],
        gone.as_str()
    );

    // The drift rules fire on exactly those resources.
    let drift = drift_findings(&db);
    let mut expected = created_findings(&launched, None);
    expected.extend(owned(&[
        (SG_RULES, &sg),
        (PUBLIC, &sg),
        (PUBLIC, &bucket),
        (DELETED, &gone),
    ]));
    assert_eq!(rule_set(&drift), expected);
    let finding = |rule: &str, id: &str| {
        drift
            .iter()
            .find(|f| f.finding.rule_id == rule && f.finding.resource_id.short_id() == id)
            .unwrap()
    };
    assert_eq!(
        evidence_ops(finding(SG_RULES, &sg)),
        [("add".to_string(), added_rule.clone())]
    );
    assert_eq!(
        evidence_ops(finding(PUBLIC, &sg)),
        [("add".to_string(), added_rule.clone())]
    );
    let bucket_evidence: BTreeSet<(String, String)> =
        evidence_ops(finding(PUBLIC, &bucket)).into_iter().collect();
    assert_eq!(bucket_evidence, bucket_ops);
    assert_eq!(
        evidence_ops(finding(DELETED, &gone)),
        [("replace".to_string(), String::new())]
    );
    assert_eq!(
        evidence_ops(finding(CREATED, &instance)),
        [("add".to_string(), String::new())]
    );

    // ---- The same through the API.
    let api_second = api_scan(&api, &d).await;
    let items = all_pages(
        &api,
        &d,
        &format!("/v1/changes?connection=acme-east&scan={api_second}"),
    )
    .await;
    let api_changes: Vec<ResourceChange> = serde_json::from_value(Value::Array(items)).unwrap();
    assert_eq!(change_set(&api_changes), change_set(&changes));
    let sg_arn = of(&sg).resource_id.to_string();
    let history = all_pages(
        &api,
        &d,
        &format!(
            "/v1/connections/acme-east/resources/{}/history",
            enc(&sg_arn)
        ),
    )
    .await;
    let kinds: Vec<&str> = history
        .iter()
        .map(|h| h["change"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["modified", "created"]);
    let (s, v) = api
        .get(&d.url(&format!("/v1/baselines/{api_baseline}")))
        .await;
    assert_eq!(
        (s, v["connection_id"].as_str()),
        (200, Some("acme-east")),
        "{v}"
    );
    let (s, v) = api
        .get(&d.url("/v1/findings?connection=acme-east&rule=drift.security_group_rules_changed"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    // Approving the group's rules resolves its two findings at the next scan.
    let (s, v) = api
        .post(
            &d.url("/v1/connections/acme-east/baselines/approve"),
            json!({"resource_id": sg_arn}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v[0]["action"], "updated", "{v}");
    api_scan(&api, &d).await;
    let (_, v) = api
        .get(&d.url("/v1/findings?connection=acme-east&category=drift&status=resolved"))
        .await;
    let resolved: BTreeSet<(String, String)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let id = f["resource_id"].as_str().unwrap();
            (
                f["rule_id"].as_str().unwrap().to_string(),
                id.rsplit('/').next().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(resolved, owned(&[(SG_RULES, &sg), (PUBLIC, &sg)]));
    drop(d);

    // ---- 3. The region refused: nothing compared there.
    let r = mutate(
        &emu.endpoint,
        &[
            "revert",
            "--region",
            DRIFT_REGION,
            "--group",
            &sg,
            "--skip-volume",
            &gone,
        ],
    );
    let gone_too = r["deleted_volume"].as_str().unwrap().to_string();
    let active_before: BTreeSet<String> = drift.iter().map(|f| f.finding.key.to_string()).collect();
    let proxy = Proxy::start(&emu.endpoint, &["--fail-region", DRIFT_REGION]);
    let (out, parsed) = scan(&proxy.url, &db, &REGIONS);
    drop(proxy);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let partial = parsed.unwrap();
    assert_eq!(partial.scan.status, ScanStatus::Partial);
    assert_eq!(
        (
            partial.persist.resources_deleted,
            partial.persist.findings_resolved
        ),
        (0, 0)
    );
    assert!(changes_of_scan(&db, &partial.scan.id.to_string()).is_empty());
    let still: BTreeSet<String> = drift_findings(&db)
        .iter()
        .map(|f| f.finding.key.to_string())
        .collect();
    assert_eq!(
        still, active_before,
        "a failed region changed drift findings"
    );

    // The next complete scan sees both changes.
    let fourth = scan_ok(&emu.endpoint, &db);
    let changes = changes_of_scan(&db, &fourth.scan.id.to_string());
    assert_eq!(
        change_set(&changes),
        [
            (ChangeKind::Modified, sg.clone()),
            (ChangeKind::Deleted, gone_too.clone())
        ]
        .into_iter()
        .collect()
    );
    let reverted = changes
        .iter()
        .find(|c| c.change == ChangeKind::Modified)
        .unwrap();
    assert_eq!(patch_ops(reverted), [("remove".to_string(), added_rule)]);
    let drift = drift_findings(&db);
    let mut expected = created_findings(&launched, None);
    expected.extend(owned(&[
        (PUBLIC, &bucket),
        (DELETED, &gone),
        (DELETED, &gone_too),
    ]));
    assert_eq!(
        rule_set(&drift),
        expected,
        "the reverted group matches its baseline again"
    );

    // ---- 4. Approve the first deletion and the new instance (CLI).
    let gone_arn = drift
        .iter()
        .find(|f| f.finding.resource_id.short_id() == gone)
        .unwrap()
        .finding
        .resource_id
        .to_string();
    let instance_arn = drift
        .iter()
        .find(|f| f.finding.resource_id.short_id() == instance)
        .unwrap()
        .finding
        .resource_id
        .to_string();
    let v = cli_json(&db, &["baselines", "approve", "--resource", &gone_arn]);
    assert_eq!(v[0]["action"], "removed", "{v}");
    let v = cli_json(&db, &["baselines", "approve", "--resource", &instance_arn]);
    assert_eq!(v[0]["action"], "added", "{v}");
    scan_ok(&emu.endpoint, &db);
    let mut expected = created_findings(&launched, Some(&instance));
    expected.extend(owned(&[(PUBLIC, &bucket), (DELETED, &gone_too)]));
    assert_eq!(rule_set(&drift_findings(&db)), expected);

    // The group's history, newest first, from the CLI.
    let v = cli_json(&db, &["changes", "--resource", &sg_arn]);
    let kinds: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["modified", "modified", "created"]);
    let listed: Vec<BaselineRecord> =
        serde_json::from_value(cli_json(&db, &["baselines", "list"])).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].resource_count, pinned.resource_count);
}
