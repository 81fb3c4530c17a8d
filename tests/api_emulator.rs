//! End-to-end: the daemon (`skywarden serve`, the real binary on port 0) against the AWS
//! emulator, on SQLite (no configuration at all) and on Postgres. A token-authenticated
//! client creates a connection with a sealed credential, tests it, scans it through the
//! API, pages through findings and resources, exports CSV; a second organization's token
//! walks every route of the OpenAPI document and sees nothing; a canary secret never shows
//! in logs (debug), responses, exports or the database file; a tampered credential row is
//! detected; the master key is rotated while the daemon runs; cancel and SIGTERM record
//! cancelled scans; two replicas on one Postgres never run one scheduled occurrence twice.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::daemon::*;
use common::*;
use serde_json::json;

const CANARY: &str = "CANARY-api-secret-9b7e1c55d0aa";

fn no_canary_in(what: &str, text: &str) {
    assert!(!text.contains(CANARY), "the secret leaked into {what}");
}

/// The whole daemon flow on one database. `db` None: no configuration at all (SQLite file
/// `skywarden.db` in the working directory).
async fn daemon_flow(db: Option<String>) {
    let Some(emu) = emulator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (key, next) = key_files(dir.path());
    let mut env: Vec<(&str, String)> =
        vec![("SKYWARDEN_MASTER_KEY_FILE", key.display().to_string())];
    if let Some(u) = &db {
        env.push(("SKYWARDEN_DATABASE_URL", u.clone()));
    }
    let admin_a = bootstrap(dir.path(), &env, "acme", "admin");
    let viewer_a = token(dir.path(), &env, "acme", "viewer");
    let admin_b = bootstrap(dir.path(), &env, "rival", "admin");
    let d = Daemon::start(dir.path(), &env);
    let a = Client::new(&admin_a);
    let b = Client::new(&admin_b);

    // Health and readiness without a token; the API needs one.
    let (s, v) = a.get(&d.url("/healthz")).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("ok")));
    let (s, v) = a.get(&d.url("/readyz")).await;
    assert_eq!(
        (s, v["migrations_applied"].as_bool()),
        (200, Some(true)),
        "{v}"
    );
    let anon = Client::new("swt_not-a-token");
    let (s, v) = anon.get(&d.url("/v1/connections")).await;
    assert_eq!((s, v["code"].as_str()), (401, Some("unauthorized")));

    // A connection with its credential (the canary is the secret key; moto ignores it).
    let body = json!({
        "id": "acme-prod",
        "name": "Production",
        "provider": "aws",
        "aws": {"regions": REGIONS, "endpoint_url": emu.endpoint},
        "credential": {"kind": "aws_static", "access_key_id": "AKIAAPIEXAMPLE", "secret_access_key": CANARY},
    });
    let (s, v) = a.post(&d.url("/v1/connections"), body.clone()).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["credential"]["kind"], "aws_static");
    let (s, v) = a.post(&d.url("/v1/connections"), body).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("conflict")));
    // Bad bodies: precise 4xx JSON errors.
    let (s, v) = a
        .post(
            &d.url("/v1/connections"),
            json!({"id": "x", "provider": "aws", "regionz": []}),
        )
        .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("invalid_body")), "{v}");
    assert!(v["message"].as_str().unwrap().contains("regionz"), "{v}");
    let (s, _) = a
        .send(reqwest::Method::POST, &d.url("/v1/connections"), None)
        .await;
    assert_eq!(s, 415);

    let (s, v) = a
        .post(&d.url("/v1/connections/acme-prod/test"), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["account_id"], "123456789012");

    // A viewer reads but cannot scan.
    let viewer = Client::new(&viewer_a);
    let (s, v) = viewer
        .post(&d.url("/v1/connections/acme-prod/scans"), json!({}))
        .await;
    assert_eq!((s, v["code"].as_str()), (403, Some("forbidden")));

    // Scan through the API and poll it to completion.
    let (s, v) = a
        .post(&d.url("/v1/connections/acme-prod/scans"), json!({}))
        .await;
    assert_eq!(s, 202, "{v}");
    let scan_id = v["scan_id"].as_str().unwrap().to_string();
    let (s, v) = a
        .post(&d.url("/v1/connections/acme-prod/scans"), json!({}))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("conflict")),
        "a second scan while one runs"
    );
    let scan = wait_scan(&a, &d, &scan_id, Duration::from_secs(300)).await;
    assert_eq!(scan["status"], "succeeded", "{scan}");
    assert_eq!(scan["coverage_counts"]["failed"], 0);
    assert_eq!(scan["trigger"], "api");
    let resource_count = scan["resource_count"].as_u64().unwrap();
    assert!(resource_count > 1000, "{scan}");

    // Page through every active finding: each exactly once, in key order.
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = d.url("/v1/findings?connection=acme-prod&limit=97");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (s, v) = a.get(&url).await;
        assert_eq!(s, 200, "{v}");
        for f in v["items"].as_array().unwrap() {
            keys.push(f["key"].as_str().unwrap().to_string());
        }
        pages += 1;
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let unique: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "a finding was paged twice");
    assert!(
        pages > 1 && keys.len() > 97,
        "{} findings in {pages} pages",
        keys.len()
    );
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, keys);

    // The same findings as a CLI scan of the same estate (whose counts the CLI end-to-end
    // test checks against the seeder's ground truth): finding keys do not depend on the
    // connection, so the two sets must be equal.
    let cli_dir = tempfile::tempdir().unwrap();
    let cli = scan_ok(&emu.endpoint, &sqlite_url(cli_dir.path()));
    let cli_keys: BTreeSet<String> = cli
        .findings
        .iter()
        .map(|f| f.finding.key.to_string())
        .collect();
    assert_eq!(
        cli_keys,
        unique
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>(),
        "API scan and CLI scan disagree"
    );

    // Sorted by severity, pages keep the order and cover the same set.
    let mut sev_keys = BTreeSet::new();
    let mut last_rank = 5;
    let rank = |s: &str| {
        ["info", "low", "medium", "high", "critical"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    let mut cursor: Option<String> = None;
    loop {
        let mut url = d.url("/v1/findings?connection=acme-prod&sort=severity&limit=250");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (s, v) = a.get(&url).await;
        assert_eq!(s, 200, "{v}");
        for f in v["items"].as_array().unwrap() {
            let r = rank(f["severity"].as_str().unwrap());
            assert!(r <= last_rank, "severity order broken");
            last_rank = r;
            sev_keys.insert(f["key"].as_str().unwrap().to_string());
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(sev_keys, unique.iter().map(|s| s.to_string()).collect());
    let (s, v) = a.get(&d.url("/v1/findings?cursor=garbage")).await;
    assert_eq!((s, v["code"].as_str()), (400, Some("bad_request")));

    // CSV export: exactly the listed keys.
    let (s, csv_text) = a
        .send(
            reqwest::Method::GET,
            &d.url("/v1/findings/export?format=csv&connection=acme-prod"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let key_col = headers.iter().position(|h| h == "key").expect("key column");
    let csv_keys: BTreeSet<String> = rdr
        .records()
        .map(|r| r.unwrap()[key_col].to_string())
        .collect();
    assert_eq!(csv_keys, unique.iter().map(|s| s.to_string()).collect());

    // Resources: cursor pages cover the stored inventory exactly once.
    let mut ids = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = d.url("/v1/connections/acme-prod/resources?limit=1000");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={}", urlencode(c)));
        }
        let (s, v) = a.get(&url).await;
        assert_eq!(s, 200, "{v}");
        for r in v["items"].as_array().unwrap() {
            assert!(
                ids.insert(r["id"].as_str().unwrap().to_string()),
                "resource paged twice"
            );
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(ids.len() as u64, resource_count);
    let (_, instances) = a
        .get(&d.url(
            "/v1/connections/acme-prod/resources?kind=aws_ec2_instance&region=us-east-1&limit=1000",
        ))
        .await;
    let instances = instances["items"].as_array().unwrap().clone();
    assert!(instances
        .iter()
        .all(|r| r["kind"] == "aws_ec2_instance" && r["region"] == "us-east-1"));
    assert_eq!(
        instances.len(),
        truth(&emu, "us-east-1", "inventory", "instances")
    );

    // One exposed instance with neighbours and its path; its neighbourhood graph.
    let (_, exposed) = a
        .get(&d.url(
            "/v1/findings?connection=acme-prod&rule=aws.ec2.instance_exposed_admin_port&limit=1",
        ))
        .await;
    let rid = exposed["items"][0]["resource_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v) = a
        .get(&d.url(&format!(
            "/v1/connections/acme-prod/resources/{}",
            urlencode(&rid)
        )))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["resource"]["id"], rid.as_str());
    assert!(
        v["exposure"]["network_path"].as_array().unwrap().len() >= 3,
        "{v}"
    );
    assert!(v["neighbours"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["edge"] == "secured_by"));

    // The exposure list: reachable on 22 from 0.0.0.0/0 is exactly the set of admin-port
    // findings that name port 22; every path ends at its resource.
    let (s, ex) = a
        .get(&d.url("/v1/connections/acme-prod/exposures?port=22"))
        .await;
    assert_eq!(s, 200, "{ex}");
    let listed: BTreeSet<String> = ex["exposures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let path = e["path"].as_array().unwrap();
            assert_eq!(path.last().unwrap()["id"], e["resource_id"], "{e}");
            assert_eq!(
                path.first().unwrap()["kind"],
                "aws_ec2_internet_gateway",
                "{e}"
            );
            e["resource_id"].as_str().unwrap().to_string()
        })
        .collect();
    let (_, admin) = a
        .get(&d.url(
            "/v1/findings?connection=acme-prod&rule=aws.ec2.instance_exposed_admin_port&limit=1000",
        ))
        .await;
    let with_22: BTreeSet<String> = admin["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["evidence"]["ports"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p == 22))
        })
        .map(|f| f["resource_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!with_22.is_empty());
    assert_eq!(listed, with_22);
    let (s, bad) = a
        .get(&d.url("/v1/connections/acme-prod/exposures?port=70000"))
        .await;
    assert_eq!(s, 400, "{bad}");
    let (s, dot) = a
        .send(
            reqwest::Method::GET,
            &d.url(&format!(
                "/v1/connections/acme-prod/graph?format=dot&around={}&depth=1",
                urlencode(&rid)
            )),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert!(dot.starts_with("digraph") && dot.contains(&rid));
    let (s, g) = a.get(&d.url("/v1/connections/acme-prod/graph")).await;
    assert_eq!(s, 200);
    assert_eq!(g["nodes"].as_array().unwrap().len() as u64, resource_count);

    // Suppressions and the audit log.
    let (s, sup) = a
        .post(
            &d.url("/v1/suppressions"),
            json!({"rule": "aws.ec2.*", "owner": "sec", "reason": "accepted", "expires_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, 201, "{sup}");
    let sup_id = sup["id"].as_str().unwrap().to_string();
    let (s, audit) = a.get(&d.url("/v1/audit?limit=100")).await;
    assert_eq!(s, 200);
    let actions: BTreeSet<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in [
        "connection.create",
        "connection.test",
        "scan.start",
        "suppression.create",
    ] {
        assert!(actions.contains(want), "audit lacks {want}: {actions:?}");
    }
    assert!(audit["items"][0]["remote_addr"].as_str().is_some());
    let (s, _) = viewer.get(&d.url("/v1/audit")).await;
    assert_eq!(s, 403, "viewers do not read the audit log");

    // A baseline of A's connection (drift), for the walk below.
    let (s, baseline) = a
        .post(
            &d.url("/v1/connections/acme-prod/baselines"),
            json!({"note": "isolation walk"}),
        )
        .await;
    assert_eq!(s, 201, "{baseline}");
    assert_eq!(baseline["resource_count"].as_u64(), Some(resource_count));
    let baseline_id = baseline["id"].as_str().unwrap().to_string();

    // Tenant isolation: organization B walks every route of the OpenAPI document.
    let (s, api) = a.get(&d.url("/openapi.json")).await;
    assert_eq!(s, 200);
    let (_, tokens) = a.get(&d.url("/v1/tokens")).await;
    let token_id = tokens.as_array().unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a_secrets = [
        "acme-prod".to_string(),
        scan_id.clone(),
        sup_id.clone(),
        token_id.clone(),
        keys[0].clone(),
        baseline_id.clone(),
    ];
    let mut walked = 0;
    for (path, ops) in api["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if op.get("security").is_none() {
                continue;
            }
            walked += 1;
            let url = path
                .replace("/connections/{id}", "/connections/acme-prod")
                .replace("/scans/{id}", &format!("/scans/{scan_id}"))
                .replace("/suppressions/{id}", &format!("/suppressions/{sup_id}"))
                .replace("/tokens/{id}", &format!("/tokens/{token_id}"))
                .replace("/baselines/{id}", &format!("/baselines/{baseline_id}"))
                .replace("{resource_id}", &urlencode(&rid));
            assert!(!url.contains('{'), "unfilled parameter in {url}");
            let mut full = d.url(&url);
            if path == "/v1/scans/compare" {
                full.push_str(&format!("?from={scan_id}&to={scan_id}"));
            }
            if path == "/v1/findings/export" {
                full.push_str("?format=json");
            }
            let m: reqwest::Method = method.to_uppercase().parse().unwrap();
            // Valid bodies, so the handler (and its ownership check) really runs.
            let body = match (method.as_str(), path.as_str()) {
                ("get" | "delete", _) => None,
                ("put", p) if p.ends_with("/credential") => Some(json!({
                    "kind": "aws_static", "access_key_id": "AKIAB", "secret_access_key": "b-secret"})),
                ("patch", _) => Some(json!({"name": "taken over"})),
                ("post", p) if p.ends_with("/baselines/approve") => {
                    Some(json!({"resource_id": rid}))
                }
                _ => Some(json!({})),
            };
            let (s, text) = b.send(m.clone(), &full, body).await;
            if path.contains('{') || path == "/v1/scans/compare" {
                assert!(s == 404 || s == 403, "{method} {url}: {s} {text}");
            } else {
                assert!(s < 500, "{method} {url}: {s} {text}");
            }
            for secret in &a_secrets {
                if full.contains(secret.as_str()) {
                    // A 404 may name the id B itself asked for; that reveals nothing.
                    assert!(s == 404 || s == 403, "{method} {url}: {s}");
                    continue;
                }
                assert!(
                    !text.contains(secret.as_str()),
                    "{method} {url} shows organization A's {secret}: {text}"
                );
            }
        }
    }
    assert!(
        walked >= 20,
        "only {walked} authenticated operations in the document"
    );
    // A's data is intact after B's attempts.
    let (s, v) = a.get(&d.url("/v1/connections/acme-prod")).await;
    assert_eq!((s, v["id"].as_str()), (200, Some("acme-prod")));

    // Key rotation while the daemon runs: re-wrap, replace the key file, scan again.
    cli_ok(
        &[
            "keys",
            "rotate",
            "--key-file",
            key.to_str().unwrap(),
            "--new-key-file",
            next.to_str().unwrap(),
        ],
        dir.path(),
        &env,
    );
    std::fs::rename(&next, &key).unwrap();
    let (s, v) = a
        .post(&d.url("/v1/connections/acme-prod/test"), json!({}))
        .await;
    assert_eq!(
        (s, v["ok"].as_bool()),
        (200, Some(true)),
        "after rotation: {v}"
    );

    // Cancel a slow scan (through a latency proxy) while it collects.
    let proxy = Proxy::start(&emu.endpoint, &["--latency-ms", "400"]);
    let (s, v) = a
        .send(
            reqwest::Method::PATCH,
            &d.url("/v1/connections/acme-prod"),
            Some(json!({"aws": {"regions": REGIONS, "endpoint_url": proxy.url}})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = a
        .post(&d.url("/v1/connections/acme-prod/scans"), json!({}))
        .await;
    let slow = v["scan_id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (s, v) = a
        .post(&d.url(&format!("/v1/scans/{slow}/cancel")), json!({}))
        .await;
    assert_eq!(s, 202, "{v}");
    let done = wait_scan(&a, &d, &slow, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "cancelled", "{done}");

    // Metrics reflect the stored state.
    let (s, metrics) = a.send(reqwest::Method::GET, &d.url("/metrics"), None).await;
    assert_eq!(s, 200);
    assert!(
        metrics.contains("skywarden_scans{status=\"succeeded\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("skywarden_scans_finished_total{status=\"cancelled\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("skywarden_resources {resource_count}")),
        "{metrics}"
    );

    // SIGTERM during a scan: the process exits 0 and the scan is recorded as cancelled.
    let (_, v) = a
        .post(&d.url("/v1/connections/acme-prod/scans"), json!({}))
        .await;
    let inflight = v["scan_id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut d = d;
    assert_eq!(d.terminate(Duration::from_secs(40)), Some(0));
    let log = d.log_text();
    no_canary_in("the daemon's debug log", &log);
    let d2 = Daemon::start(dir.path(), &env);
    let (_, v) = a.get(&d2.url(&format!("/v1/scans/{inflight}"))).await;
    assert_eq!(v["status"], "cancelled", "{v}");

    // Tampering with the sealed credential is detected (the scan fails, nothing leaks).
    no_canary_in("API responses", &a.seen.lock().unwrap());
    no_canary_in("API responses", &b.seen.lock().unwrap());
    let url = db.clone().unwrap_or_else(|| sqlite_url(dir.path()));
    if db.is_none() {
        for name in ["skywarden.db", "skywarden.db-wal"] {
            if let Ok(bytes) = std::fs::read(dir.path().join(name)) {
                assert!(
                    !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
                    "{name} holds the secret"
                );
            }
        }
    }
    tamper(&url).await;
    let (s, v) = a
        .post(&d2.url("/v1/connections/acme-prod/test"), json!({}))
        .await;
    assert_eq!((s, v["ok"].as_bool()), (200, Some(false)), "{v}");
    assert!(v["error"].as_str().unwrap().contains("credential"), "{v}");

    // Deleting the organization's connection removes its inventory and findings.
    let (s, v) = a
        .send(
            reqwest::Method::DELETE,
            &d2.url("/v1/connections/acme-prod"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = a.get(&d2.url("/v1/connections/acme-prod")).await;
    assert_eq!(s, 404);

    // Failed authentication is rate limited per address (last: it blocks this client).
    let mut limited = false;
    for _ in 0..40 {
        let (s, _) = anon.get(&d2.url("/v1/org")).await;
        if s == 429 {
            limited = true;
            break;
        }
        assert_eq!(s, 401);
    }
    assert!(limited, "no 429 after 40 failed authentications");
    no_canary_in("the restarted daemon's log", &d2.log_text());
}

/// Flips one bit of the sealed ciphertext.
async fn tamper(url: &str) {
    macro_rules! flip {
        ($pool:expr) => {{
            let pool = $pool;
            let (conn, mut ct): (String, Vec<u8>) =
                sqlx::query_as("SELECT connection_id, ciphertext FROM credentials")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            ct[0] ^= 0x01;
            sqlx::query("UPDATE credentials SET ciphertext = $1 WHERE connection_id = $2")
                .bind(ct)
                .bind(conn)
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }};
    }
    if url.starts_with("sqlite") {
        flip!(sqlx::SqlitePool::connect(url).await.unwrap());
    } else {
        flip!(sqlx::PgPool::connect(url).await.unwrap());
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn daemon_on_sqlite_with_no_configuration() {
    daemon_flow(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn daemon_on_postgres() {
    let Some(pg) = Postgres::fresh_named("api").await else {
        return;
    };
    daemon_flow(Some(pg.url())).await;
    pg.drop_db().await;
}

/// Two `serve` processes on one Postgres, one connection scheduled every 5 s: every
/// occurrence runs once, scans never overlap.
#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_never_run_an_occurrence_twice() {
    let Some(emu) = emulator() else { return };
    let Some(pg) = Postgres::fresh_named("replicas").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = key_files(dir.path());
    let env: Vec<(&str, String)> = vec![
        ("SKYWARDEN_MASTER_KEY_FILE", key.display().to_string()),
        ("SKYWARDEN_DATABASE_URL", pg.url()),
        ("SKYWARDEN__SCHEDULER__LEASE_SECS", "6".into()),
    ];
    let admin = bootstrap(dir.path(), &env, "acme", "admin");
    let mut r1 = Daemon::start(dir.path(), &env);
    let mut r2 = Daemon::start(dir.path(), &env);
    let c = Client::new(&admin);
    let (s, v) = c
        .post(
            &r1.url("/v1/connections"),
            json!({
                "id": "sched", "provider": "aws",
                // rate_scale: the emulator has no quotas; at the default limits the
                // account-wide IAM and S3 detail calls alone take longer than this test waits.
                "aws": {"regions": ["us-east-1"], "endpoint_url": emu.endpoint, "rate_scale": 50.0},
                "schedule": {"interval_secs": 5},
                "credential": {"kind": "aws_static", "access_key_id": "AKIASCHED", "secret_access_key": "x"},
            }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    // Wait for occurrences, not for a fixed time: how long one scan of the seeded estate
    // takes depends on the machine (CI's first run saw one scan in 24 s). Two finished
    // occurrences are enough to check the property; the deadline only bounds a hang.
    let pool = sqlx::PgPool::connect(&pg.url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (finished,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM scans WHERE connection_id = 'sched' AND finished_at IS NOT NULL",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if finished >= 2 || Instant::now() > deadline {
            break;
        }
    }
    assert_eq!(r1.terminate(Duration::from_secs(60)), Some(0));
    assert_eq!(r2.terminate(Duration::from_secs(60)), Some(0));

    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT status, \"trigger\", progress->>'scheduled_for' FROM scans WHERE connection_id = 'sched' ORDER BY started_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let times: Vec<(chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>)> = sqlx::query_as(
        "SELECT started_at, finished_at FROM scans WHERE connection_id = 'sched' ORDER BY started_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert!(rows.len() >= 2, "at least two occurrences ran: {rows:?}");
    let occurrences: BTreeSet<&Option<String>> = rows.iter().map(|r| &r.2).collect();
    assert_eq!(
        occurrences.len(),
        rows.len(),
        "an occurrence ran twice: {rows:?}"
    );
    assert!(rows.iter().all(|r| r.1 == "schedule" && r.2.is_some()));
    for w in times.windows(2) {
        let end = w[0].1.expect("earlier scan finished");
        assert!(end <= w[1].0, "scans overlapped: {times:?}");
    }
    pg.drop_db().await;
}
