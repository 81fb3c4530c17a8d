//! End to end, Azure: the real `skywarden scan azure` (azure_core pipeline, azure_identity
//! client-secret credential, our retry/paging/classification) against the project's HTTPS
//! fake ARM server (`testing/fake-arm`, built from Microsoft's published examples), with the
//! fake's ground truth: inventory per kind, edges, findings per rule, exposure ports; 25% of
//! list calls throttled; a subscription answering 403 recorded Failed with its stored
//! resources untouched; a wrong secret exits 1 without leaking it; a foreign nextLink is
//! refused; the same scan on Postgres.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;

use common::{in_ci, sqlite_url, Postgres};
use skywarden_fake_arm::{FakeArm, FakeArmConfig};
use skywarden_graph::topology::exposures;
use skywarden_graph::{ConnectionId, CoverageStatus, ErrorClass, InventoryBuilder, Provider};
use skywarden_store::Store;

const CONNECTION: &str = "azure-e2e";

async fn fake() -> FakeArm {
    FakeArm::start(FakeArmConfig::default())
        .await
        .expect("start the fake ARM server")
}

/// `skywarden scan azure` against the fake with `secret`, as JSON; run off the runtime so the
/// in-process fake keeps serving.
async fn scan(
    f: &FakeArm,
    db: &str,
    secret: &str,
    extra: &[&str],
) -> (Output, Option<serde_json::Value>) {
    let cfg = FakeArmConfig::default();
    let endpoint = f.endpoint().to_string();
    let authority = f.authority_host().to_string();
    let ca = f.ca_pem_path().display().to_string();
    let mut args: Vec<String> = [
        "scan",
        "azure",
        "--arm-endpoint",
        &endpoint,
        "--authority-host",
        &authority,
        "--ca-bundle",
        &ca,
        "--database-url",
        db,
        "--connection",
        CONNECTION,
        "--format",
        "json",
        "--max-attempts",
        "10",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let secret = secret.to_string();
    let out = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        common::skywarden_command(&refs)
            .env("AZURE_TENANT_ID", &cfg.tenant_id)
            .env("AZURE_CLIENT_ID", &cfg.client_id)
            .env("AZURE_CLIENT_SECRET", &secret)
            .env_remove("SSL_CERT_FILE")
            .output()
            .expect("spawn skywarden")
    })
    .await
    .unwrap();
    let parsed = serde_json::from_slice(&out.stdout).ok();
    (out, parsed)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Stored resources of the connection, by kind, as lower-case ids.
async fn stored(
    db: &str,
) -> (
    BTreeMap<String, BTreeSet<String>>,
    Vec<skywarden_graph::Resource>,
) {
    let store = Store::connect(db).await.unwrap();
    let conn: ConnectionId = CONNECTION.parse().unwrap();
    let resources = store.list_resources(&conn).await.unwrap();
    store.close().await;
    let mut by_kind: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &resources {
        by_kind
            .entry(r.kind().as_str().to_string())
            .or_default()
            .insert(r.id.as_str().to_ascii_lowercase());
    }
    (by_kind, resources)
}

fn findings_by_rule(report: &serde_json::Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let rule = f["rule_id"].as_str().unwrap();
        if rule.starts_with("azure.") {
            out.entry(rule.to_string())
                .or_default()
                .insert(f["resource_id"].as_str().unwrap().to_ascii_lowercase());
        }
    }
    out
}

/// Asserts the whole ground truth against a finished scan's database and report.
async fn assert_ground_truth(f: &FakeArm, db: &str, report: &serde_json::Value) {
    let gt = f.ground_truth();
    let (by_kind, resources) = stored(db).await;
    assert_eq!(by_kind, gt.resources, "inventory per kind");

    let power: BTreeMap<String, String> = resources
        .iter()
        .filter_map(|r| {
            let vm = r.model::<skywarden_graph::model::AzureVirtualMachine>()?;
            Some((
                r.id.as_str().to_string(),
                vm.power_state.as_ref()?.as_str().to_string(),
            ))
        })
        .collect();
    assert_eq!(power, gt.power_states, "VM power states");

    let mut b = InventoryBuilder::new();
    b.extend(resources);
    let inv = b.build();
    let edges: BTreeSet<(String, String, String)> = inv
        .edges()
        .map(|(from, kind, to)| {
            (
                from.as_str().to_string(),
                serde_json::to_value(kind)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string(),
                to.as_str().to_string(),
            )
        })
        .collect();
    assert_eq!(edges, gt.edges, "edges");

    let mut exposed: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    for e in exposures(&inv) {
        let is_vm = inv.get(&e.resource).map(|r| r.kind())
            == Some(skywarden_graph::ResourceKind::AzureComputeVirtualMachine);
        if is_vm {
            let ports = exposed.entry(e.resource.as_str().to_string()).or_default();
            for o in &e.open_ingress {
                let (from, to) = (o.from_port.unwrap_or(0), o.to_port.unwrap_or(65535));
                for p in from.max(0)..=to.min(65535) {
                    ports.insert(p as u16);
                }
            }
        }
    }
    assert_eq!(exposed, gt.exposed, "internet exposure ports per VM");

    let got = findings_by_rule(report);
    let want: BTreeMap<String, BTreeSet<String>> = gt
        .findings
        .iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(got, want, "findings per rule");
}

fn coverage_of(report: &serde_json::Value) -> Vec<(String, String, CoverageStatus)> {
    report["scan"]["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["account_id"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
                serde_json::from_value::<CoverageStatus>(e.clone()).unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_shot_scan_matches_the_ground_truth_and_only_talks_to_arm() {
    let f = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (out, report) = scan(&f, &db, &FakeArmConfig::default().client_secret, &[]).await;
    assert_eq!(out.status.code(), Some(0), "scan failed: {}", stderr(&out));
    let report = report.expect("JSON report");
    assert!(coverage_of(&report).iter().all(|(_, _, s)| s.is_complete()));
    assert_ground_truth(&f, &db, &report).await;
    // Both subscriptions were scanned, paging was followed, every ARM call carried a token.
    let accounts: BTreeSet<String> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap().to_string())
        .collect();
    let subs: BTreeSet<String> = f.ground_truth().subscriptions.iter().cloned().collect();
    assert_eq!(accounts, subs);
    let log = f.requests();
    assert!(
        log.iter()
            .any(|r| r.query.as_deref().unwrap_or("").contains("skiptoken")),
        "nextLink pages were followed"
    );
    assert!(log
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().starts_with("/subscriptions"))
        .all(|r| r.has_bearer));
    assert!(
        log.iter().all(|r| r.status != 401),
        "no unauthenticated call"
    );
    // The secret is in no output.
    let secret = FakeArmConfig::default().client_secret;
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&secret));
    assert!(!stderr(&out).contains(&secret));
    assert!(
        report["api_calls"]["arm_network"]["calls"]
            .as_u64()
            .unwrap()
            > 0
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_quarter_of_list_calls_throttled_still_completes_with_the_same_result() {
    let f = fake().await;
    f.set_throttle_fraction(0.25);
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (out, report) = scan(&f, &db, &FakeArmConfig::default().client_secret, &[]).await;
    assert_eq!(out.status.code(), Some(0), "scan failed: {}", stderr(&out));
    let report = report.unwrap();
    let not_complete: Vec<_> = coverage_of(&report)
        .into_iter()
        .filter(|(_, _, s)| !s.is_complete())
        .collect();
    assert!(
        not_complete.is_empty(),
        "scopes not Complete: {not_complete:?}"
    );
    let throttles: u64 = report["api_calls"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["throttles"].as_u64().unwrap())
        .sum();
    let served_429 = f.requests().iter().filter(|r| r.status == 429).count() as u64;
    assert!(served_429 > 0, "the fake throttled some calls");
    assert_eq!(throttles, served_429, "every 429 was counted");
    assert_ground_truth(&f, &db, &report).await;
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_forbidden_subscription_is_failed_and_its_stored_resources_stay() {
    let f = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let secret = FakeArmConfig::default().client_secret;
    let (out, _) = scan(&f, &db, &secret, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (before, before_resources) = stored(&db).await;

    let denied = f.ground_truth().subscriptions[1].clone();
    f.set_forbidden(&denied, true);
    let (out, report) = scan(&f, &db, &secret, &[]).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "incomplete scan exits 3: {}",
        stderr(&out)
    );
    let report = report.unwrap();
    for (account, kind, status) in coverage_of(&report) {
        if account == denied && kind != "azure_resources_subscription" {
            match status {
                CoverageStatus::Failed { error } => {
                    assert_eq!(error.class, ErrorClass::AccessDenied, "{kind}");
                    assert_eq!(error.code.as_deref(), Some("AuthorizationFailed"));
                }
                other => panic!("{kind} of the denied subscription is {other:?}"),
            }
        } else if account != denied {
            assert!(status.is_complete(), "{account} {kind}: {status:?}");
        }
    }
    let (after, after_resources) = stored(&db).await;
    assert_eq!(after, before, "nothing was deleted");
    // The denied subscription's documents are exactly as stored before.
    let docs = |rs: &[skywarden_graph::Resource]| -> BTreeMap<String, String> {
        rs.iter()
            .filter(|r| r.account_id.as_str() == denied)
            .map(|r| (r.id.to_string(), serde_json::to_string(r).unwrap()))
            .collect()
    };
    assert!(!docs(&before_resources).is_empty());
    assert_eq!(docs(&after_resources), docs(&before_resources));
    assert_eq!(report["persist"]["resources_deleted"].as_u64(), Some(0));
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_wrong_secret_exits_1_before_writing_and_never_echoes_it() {
    let f = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let wrong = "definitely-not-the-secret-0123456789";
    let (out, report) = scan(&f, &db, wrong, &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(report.is_none());
    let err = stderr(&out);
    assert!(
        err.contains("AADSTS7000215"),
        "the Entra error code is reported: {err}"
    );
    assert!(!err.contains(wrong));
    assert!(!err.to_ascii_lowercase().contains("panicked"));
    // Nothing was written: no scan row.
    if let Ok(store) = Store::connect(&db).await {
        let scans = store
            .list_scans(&CONNECTION.parse().unwrap(), 10)
            .await
            .unwrap_or_default();
        assert!(scans.is_empty());
        store.close().await;
    }
    // No ARM call was attempted with a token that does not exist.
    assert!(f
        .requests()
        .iter()
        .all(|r| !r.path.to_ascii_lowercase().starts_with("/subscriptions")));
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_foreign_next_link_is_not_followed() {
    let f = fake().await;
    f.set_foreign_next_link(true);
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (out, report) = scan(&f, &db, &FakeArmConfig::default().client_secret, &[]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report = report.unwrap();
    let disks: Vec<CoverageStatus> = coverage_of(&report)
        .into_iter()
        .filter(|(_, k, _)| k == "azure_compute_disk")
        .map(|(_, _, s)| s)
        .collect();
    assert!(!disks.is_empty());
    assert!(disks.iter().any(|s| matches!(
        s,
        CoverageStatus::Failed { error } if error.code.as_deref() == Some("ForeignNextLink")
    )));
    // Every other kind is unaffected.
    assert!(coverage_of(&report)
        .iter()
        .filter(|(_, k, _)| k != "azure_compute_disk")
        .all(|(_, _, s)| s.is_complete()));
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_scan_on_postgres_matches_the_ground_truth() {
    let Some(pg) = Postgres::fresh_named("azure").await else {
        assert!(!in_ci());
        return;
    };
    let f = fake().await;
    let (out, report) = scan(&f, &pg.url(), &FakeArmConfig::default().client_secret, &[]).await;
    assert_eq!(out.status.code(), Some(0), "scan failed: {}", stderr(&out));
    let report = report.unwrap();
    assert_ground_truth(&f, &pg.url(), &report).await;
    assert_eq!(
        report["scan"]["provider"].as_str(),
        Some(Provider::Azure.as_str())
    );
    f.shutdown().await;
    pg.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_daemon_scans_an_azure_connection_with_its_sealed_secret() {
    use common::daemon::{bootstrap, key_files, wait_scan, Client, Daemon};
    use serde_json::json;
    let f = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = key_files(dir.path());
    let env: Vec<(&str, String)> = vec![("SKYWARDEN_MASTER_KEY_FILE", key.display().to_string())];
    let dir_path = dir.path().to_path_buf();
    let env2 = env.clone();
    let admin = tokio::task::spawn_blocking(move || bootstrap(&dir_path, &env2, "acme", "admin"))
        .await
        .unwrap();
    let d = Daemon::start(dir.path(), &env);
    let c = Client::new(&admin);
    let cfg = FakeArmConfig::default();
    let azure = json!({
        "arm_endpoint": f.endpoint().to_string(),
        "authority_host": f.authority_host().to_string(),
        "ca_bundle": f.ca_pem_path().display().to_string(),
        "max_attempts": 10,
    });
    // A credential of the wrong provider and an unknown settings field are 422s.
    let (s, v) = c
        .post(
            &d.url("/v1/connections"),
            json!({"id": "az", "provider": "azure", "azure": azure,
                   "credential": {"kind": "aws_static", "access_key_id": "AKIA", "secret_access_key": "x"}}),
        )
        .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("invalid_body")), "{v}");
    let (s, v) = c
        .post(
            &d.url("/v1/connections"),
            json!({"id": "az", "provider": "azure", "azure": {"subscriptionz": []}}),
        )
        .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("invalid_body")), "{v}");
    let (s, v) = c
        .post(
            &d.url("/v1/connections"),
            json!({"id": "az", "provider": "azure", "azure": azure,
                   "credential": {"kind": "azure_client_secret", "tenant_id": cfg.tenant_id,
                                  "client_id": cfg.client_id, "client_secret": cfg.client_secret}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["provider"], "azure");
    assert_eq!(v["credential"]["kind"], "azure_client_secret");
    assert!(!v.to_string().contains(&cfg.client_secret), "write-only");

    let (s, v) = c.post(&d.url("/v1/connections/az/scans"), json!({})).await;
    assert_eq!(s, 202, "{v}");
    let id = v["scan_id"].as_str().unwrap().to_string();
    let scan = wait_scan(&c, &d, &id, std::time::Duration::from_secs(120)).await;
    assert_eq!(scan["status"], "succeeded", "{scan}");
    let want: usize = f.ground_truth().resources.values().map(|s| s.len()).sum();
    assert_eq!(scan["resource_count"].as_u64(), Some(want as u64), "{scan}");
    assert!(
        !d.log_text().contains(&cfg.client_secret),
        "the secret is not logged"
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_authority_host_is_reported_as_such_before_writing() {
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let url = format!("https://127.0.0.1:{port}/");
    let args = [
        "scan",
        "azure",
        "--arm-endpoint",
        &url,
        "--authority-host",
        &url,
        "--database-url",
        &db,
        "--connection",
        CONNECTION,
    ]
    .map(String::from);
    let out = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        common::skywarden_command(&refs)
            .env("AZURE_TENANT_ID", "t")
            .env("AZURE_CLIENT_ID", "c")
            .env("AZURE_CLIENT_SECRET", "unreachable-secret-value")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot reach"), "{err}");
    assert!(!err.contains("unreachable-secret-value"));
    let store = Store::connect(&db).await.unwrap();
    let scans = store
        .list_scans(&CONNECTION.parse().unwrap(), 10)
        .await
        .unwrap();
    assert!(scans.is_empty());
    store.close().await;
}
