//! The daemon (`skywarden serve` on port 0) and a token-authenticated JSON client, shared by
//! the end-to-end tests that go through the HTTP API.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::skywarden_command;

pub struct Daemon {
    pub child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Daemon {
    /// `skywarden serve --listen 127.0.0.1:0` in `dir`, with `env`; waits for the address.
    pub fn start(dir: &Path, env: &[(&str, String)]) -> Daemon {
        let log = dir.join(format!("serve-{}.log", uuid_like()));
        let mut cmd = skywarden_command(&["serve", "--listen", "127.0.0.1:0"]);
        cmd.current_dir(dir)
            .env("RUST_LOG", "debug")
            .env("SKYWARDEN__SCHEDULER__TICK_SECS", "1")
            .env("SKYWARDEN__SERVER__ALLOW_ENDPOINT_OVERRIDE", "true")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(l)) = lines.next() {
                let _ = tx.send(l);
            }
            for _ in lines {}
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "serve did not start: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        let base = line
            .strip_prefix("skywarden listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Daemon { child, base, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, then the exit status (within `within`).
    pub fn terminate(&mut self, within: Duration) -> Option<i32> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + within;
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("serve did not stop within {within:?} after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// A JSON client that keeps every response body (for the canary check).
pub struct Client {
    pub http: reqwest::Client,
    pub token: String,
    /// Every response body, for secret-leak checks.
    pub seen: std::sync::Mutex<String>,
}

impl Client {
    pub fn new(token: &str) -> Client {
        Client {
            http: reqwest::Client::new(),
            token: token.to_string(),
            seen: std::sync::Mutex::new(String::new()),
        }
    }
    pub async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
    ) -> (u16, String) {
        let mut r = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        self.seen.lock().unwrap().push_str(&text);
        (status, text)
    }
    pub async fn get(&self, url: &str) -> (u16, Value) {
        let (s, t) = self.send(reqwest::Method::GET, url, None).await;
        (s, serde_json::from_str(&t).unwrap_or(Value::String(t)))
    }
    pub async fn post(&self, url: &str, body: Value) -> (u16, Value) {
        let (s, t) = self.send(reqwest::Method::POST, url, Some(body)).await;
        (s, serde_json::from_str(&t).unwrap_or(Value::String(t)))
    }
}

pub fn cli_ok(args: &[&str], dir: &Path, env: &[(&str, String)]) -> String {
    let mut c = skywarden_command(args);
    c.current_dir(dir);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Creates an organization and an admin token for it through the CLI.
pub fn bootstrap(dir: &Path, env: &[(&str, String)], org: &str, role: &str) -> String {
    cli_ok(&["orgs", "create", "--id", org], dir, env);
    token(dir, env, org, role)
}

pub fn token(dir: &Path, env: &[(&str, String)], org: &str, role: &str) -> String {
    let out = cli_ok(
        &[
            "tokens", "create", "--org", org, "--role", role, "--format", "json",
        ],
        dir,
        env,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    v["token"].as_str().unwrap().to_string()
}

pub async fn wait_scan(c: &Client, d: &Daemon, id: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let (s, v) = c.get(&d.url(&format!("/v1/scans/{id}"))).await;
        assert_eq!(s, 200, "{v}");
        if v["status"] != "running" {
            return v;
        }
        assert!(Instant::now() < deadline, "scan {id} still running: {v}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

pub fn key_files(dir: &Path) -> (PathBuf, PathBuf) {
    let key = dir.join("master.key");
    let next = dir.join("next.key");
    for k in [&key, &next] {
        cli_ok(
            &["keys", "generate", "--output", k.to_str().unwrap()],
            dir,
            &[],
        );
    }
    (key, next)
}
