//! Helpers shared by the end-to-end test binaries: the emulator from `scripts/emulator up`,
//! the real `skywarden` binary, Postgres databases, the fault proxy.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;
use skywarden_graph::model::{RouteTable, SecurityGroup};
use skywarden_graph::{ConnectionId, Region};
use skywarden_rules::FindingRecord;
use skywarden_store::{PersistSummary, ScanRecord, Store};

pub mod daemon;

pub const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
pub const CONNECTION: &str = "aws-123456789012";

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

pub struct Emu {
    pub endpoint: String,
    /// seed.py's ground truth.
    pub expected: Value,
    /// extra_ebs.py's ground truth (`inventory` / `problems` by kind slug or rule id, then region).
    pub extra_ebs: Value,
    /// extra_services.py's ground truth (same layout; `global` for account-level rules).
    pub extra_services: Value,
}

impl Emu {
    /// The extra seeders' count of `section.key` in `region` (both files; 0 when absent).
    pub fn extra(&self, section: &str, key: &str, region: &str) -> usize {
        [&self.extra_ebs, &self.extra_services]
            .iter()
            .map(|t| t[section][key][region].as_u64().unwrap_or(0) as usize)
            .sum()
    }
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// The seeded emulator of `scripts/emulator up`: its endpoint and the three ground truths
/// (seed.py, extra_ebs.py, extra_services.py). Any of them missing: skip locally, fail in CI.
pub fn emulator() -> Option<Emu> {
    emulator_with_prefix("")
}

/// [`emulator`] from `SKYWARDEN_TEST_AWS_<prefix>*` (`./scripts/test` exports a second
/// emulator at another scale as `SKYWARDEN_TEST_AWS_SMALL_*`).
pub fn emulator_with_prefix(prefix: &str) -> Option<Emu> {
    let var = |k: &str| {
        std::env::var(format!("SKYWARDEN_TEST_AWS_{prefix}{k}"))
            .ok()
            .filter(|v| !v.is_empty())
    };
    match (
        var("ENDPOINT"),
        var("EXPECTED"),
        var("EXTRA_EBS"),
        var("EXTRA_SERVICES"),
    ) {
        (Some(endpoint), Some(expected), Some(ebs), Some(services)) => Some(Emu {
            endpoint,
            expected: read_json(&expected),
            extra_ebs: read_json(&ebs),
            extra_services: read_json(&services),
        }),
        _ if in_ci() => panic!(
            "CI=true but the AWS emulator is not configured (SKYWARDEN_TEST_AWS_{prefix}ENDPOINT, \
             _EXPECTED, _EXTRA_EBS, _EXTRA_SERVICES): run the tests through ./scripts/test"
        ),
        _ => {
            eprintln!("SKIP: AWS emulator not configured (run ./scripts/test)");
            None
        }
    }
}

/// The real binary with a clean, test-only environment (emulator credentials, no user
/// configuration, no master key).
pub fn skywarden_command(args: &[&str]) -> Command {
    // SKYWARDEN_TEST_BIN: another build of the binary (a target dir shared by several
    // checkouts uplifts whichever built last to target/debug/skywarden).
    let bin = std::env::var("SKYWARDEN_TEST_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_skywarden").to_string());
    let mut c = Command::new(bin);
    c.args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("SKYWARDEN_DATABASE_URL")
        .env_remove("SKYWARDEN_CONFIG")
        .env_remove("SKYWARDEN_MASTER_KEY")
        .env_remove("SKYWARDEN_MASTER_KEY_FILE")
        .env_remove("RUST_LOG");
    c
}

pub fn skywarden(args: &[&str]) -> Output {
    skywarden_command(args).output().expect("spawn skywarden")
}

#[derive(Debug, Deserialize)]
pub struct ScanJson {
    pub scan: ScanRecord,
    pub account_id: String,
    pub regions: Vec<Region>,
    #[serde(default)]
    pub accounts: Vec<skywarden_scanner::AccountOutcome>,
    pub persist: PersistSummary,
    pub findings: Vec<FindingRecord>,
}

pub fn scan(endpoint: &str, db: &str, regions: &[&str]) -> (Output, Option<ScanJson>) {
    scan_with(endpoint, db, regions, &[])
}

/// `scan aws` with extra arguments (e.g. `--rules-dir DIR`).
pub fn scan_with(
    endpoint: &str,
    db: &str,
    regions: &[&str],
    extra: &[&str],
) -> (Output, Option<ScanJson>) {
    let regions = regions.join(",");
    let mut args = vec![
        "scan",
        "aws",
        "--endpoint-url",
        endpoint,
        "--regions",
        &regions,
        "--database-url",
        db,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = skywarden(&args);
    let parsed = serde_json::from_slice(&out.stdout).ok();
    (out, parsed)
}

pub fn scan_ok(endpoint: &str, db: &str) -> ScanJson {
    let (out, parsed) = scan(endpoint, db, &REGIONS);
    assert_eq!(
        out.status.code(),
        Some(0),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parsed.unwrap_or_else(|| {
        let e = serde_json::from_slice::<ScanJson>(&out.stdout).err();
        panic!("scan prints its JSON report: {e:?}")
    })
}

pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("skywarden.db").display())
}

pub fn truth(e: &Emu, region: &str, section: &str, key: &str) -> usize {
    e.expected["per_region"][region][section][key]
        .as_u64()
        .unwrap_or_else(|| panic!("ground truth lacks per_region.{region}.{section}.{key}"))
        as usize
}

/// The seeder's oracle counts an instance as exposed when an attached group is open on 22/3389
/// to `0.0.0.0/0` OR `::/0`. AWS does not let IPv4 traffic in through a `::/0` rule, and the
/// exposure path is IPv4 (public IPv4 address, `0.0.0.0/0` route), so Skywarden does not count
/// instances whose only admin-port opening is `::/0`. This independent count of those instances
/// (seeded public subnets are the explicitly associated ones with a default route to an IGW)
/// is subtracted from the ground truth.
pub fn ipv6_only_admin_exposures(resources: &[skywarden_graph::Resource], region: &str) -> usize {
    use skywarden_graph::model::{Instance, InstanceState};
    let in_region: Vec<_> = resources
        .iter()
        .filter(|r| r.region.as_str() == region)
        .collect();
    let public_subnets: BTreeSet<_> = in_region
        .iter()
        .filter_map(|r| r.model::<RouteTable>())
        .filter(|t| {
            t.routes.iter().any(|rt| {
                rt.destination_cidr.as_deref() == Some("0.0.0.0/0")
                    && matches!(
                        rt.target,
                        skywarden_graph::model::RouteTarget::InternetGateway(_)
                    )
            })
        })
        .flat_map(|t| t.subnets.clone())
        .collect();
    let groups: BTreeMap<_, _> = in_region
        .iter()
        .filter_map(|r| r.model::<SecurityGroup>().map(|g| (r.id.clone(), g)))
        .collect();
    let opens = |g: &SecurityGroup, cidr: &str| {
        g.ingress.iter().any(|p| {
            (p.ipv4_ranges
                .iter()
                .chain(&p.ipv6_ranges)
                .any(|c| c == cidr))
                && (p.covers_tcp_port(22) || p.covers_tcp_port(3389))
        })
    };
    in_region
        .iter()
        .filter_map(|r| r.model::<Instance>())
        .filter(|i| i.state == InstanceState::Running && i.public_ip.is_some())
        .filter(|i| {
            i.subnet
                .as_ref()
                .is_some_and(|s| public_subnets.contains(s))
        })
        .filter(|i| {
            let gs: Vec<_> = i
                .security_groups
                .iter()
                .filter_map(|g| groups.get(g))
                .collect();
            gs.iter().any(|g| opens(g, "::/0")) && !gs.iter().any(|g| opens(g, "0.0.0.0/0"))
        })
        .count()
}

pub struct Postgres {
    admin: String,
    name: String,
}

impl Postgres {
    pub async fn fresh() -> Option<Postgres> {
        Self::fresh_named("main").await
    }
    /// A fresh database of its own (tests of one binary run in parallel).
    pub async fn fresh_named(suffix: &str) -> Option<Postgres> {
        use sqlx::Connection;
        let admin = std::env::var("SKYWARDEN_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(c) => c,
            Err(e) if in_ci() => panic!("CI=true but Postgres is unreachable at {admin}: {e}"),
            Err(e) => {
                eprintln!("SKIP: Postgres unreachable ({e})");
                return None;
            }
        };
        let name = format!("sw_e2e_{}_{suffix}", std::process::id());
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        Some(Postgres { admin, name })
    }
    pub fn url(&self) -> String {
        match self.admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{}", self.name),
            None => unreachable!("admin URL has a path"),
        }
    }
    pub async fn drop_db(self) {
        use sqlx::Connection;
        if let Ok(mut c) = sqlx::PgConnection::connect(&self.admin).await {
            let _ = sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut c)
            .await;
        }
    }
}

/// The loopback fault proxy (testing/aws-emulator/faultproxy.py) in front of moto.
pub struct Proxy {
    child: Child,
    pub url: String,
}

impl Proxy {
    pub fn start(upstream: &str, extra: &[&str]) -> Proxy {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testing/aws-emulator/faultproxy.py");
        let python = std::env::var("AWS_EMU_PY").unwrap_or_else(|_| "python3".to_string());
        let child = Command::new(python)
            .arg(script)
            .args(["--listen", &port.to_string(), "--upstream", upstream])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start faultproxy");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "faultproxy did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Proxy {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The connection's stored inventory, typed, ordered by id.
pub async fn stored_resources(db: &str) -> Vec<skywarden_graph::Resource> {
    let store = Store::connect(db).await.unwrap();
    let conn: ConnectionId = CONNECTION.parse().unwrap();
    let mut resources = store.list_resources(&conn).await.unwrap();
    store.close().await;
    resources.sort_by(|a, b| a.id.cmp(&b.id));
    resources
}
