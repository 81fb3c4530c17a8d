//! `skywarden-fake-arm`: an HTTPS fake of Azure Resource Manager and the Entra ID token
//! endpoint, serving a *linked synthetic estate* (two subscriptions whose resources reference
//! each other) and the [`GroundTruth`] Skywarden must reproduce from it: resources per kind,
//! graph edges, findings per rule under the default rule config, internet exposure and power
//! states.
//!
//! It owns the fake server, the test CA (generated with rcgen at start, written as PEM for the
//! client to trust) and the estate (payload shapes from Microsoft's published examples in
//! `fixtures/`). It is an independent oracle: it must not depend on any other workspace crate
//! (graph, scanner, rules, store) nor on the AWS SDK, so a bug there cannot hide here.
//!
//! Endpoints (HTTPS on 127.0.0.1, one port for ARM and the authority): `POST
//! /{tenant}/oauth2/v2.0/token`, `GET /{tenant}/v2.0/.well-known/openid-configuration`,
//! `GET /common/discovery/instance`, `GET /subscriptions`, `GET
//! /subscriptions/{id}/resourcegroups`, `GET /subscriptions/{id}/providers/{ns}/{type}` for
//! VMs (`statusOnly=true`, `$expand=instanceView`), disks, snapshots, NICs, public IPs, VNets,
//! NSGs, load balancers, storage accounts, key vaults and SQL servers, per-VM `instanceView`
//! and per-server `firewallRules`. Lists page by `page_size` with `nextLink` /
//! `$skiptoken`. Faults (throttling, 403, 404, a foreign `nextLink`) switch at run time.

mod edges;
mod estate;
mod ground_truth;
mod server;
mod tls;

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use url::Url;

pub use estate::{Collection, RULE_IDS};
pub use ground_truth::{GroundTruth, REQUIRED_TAGS};

use server::{lock, Faults, Shared};

/// What the fake serves and accepts.
#[derive(Debug, Clone)]
pub struct FakeArmConfig {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// Items per page of every list (at least 1).
    pub page_size: usize,
    /// Copies of the per-subscription unit (1 = the small e2e estate).
    pub scale: usize,
}

impl Default for FakeArmConfig {
    fn default() -> Self {
        FakeArmConfig {
            tenant_id: "72f988bf-0000-0000-0000-000000000001".to_string(),
            client_id: "skywarden-test-client".to_string(),
            client_secret: "fake-arm-secret-value".to_string(),
            page_size: 3,
            scale: 1,
        }
    }
}

/// One request the server answered (never the token or the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// An `Authorization` header was present (valid or not).
    pub has_bearer: bool,
}

/// A running fake ARM server.
#[derive(Debug)]
pub struct FakeArm {
    shared: Arc<Shared>,
    ca_pem_path: PathBuf,
    ground_truth_path: PathBuf,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    /// Holds the CA and ground-truth files; removed on drop.
    _dir: tempfile::TempDir,
}

impl FakeArm {
    /// Builds the estate, generates the CA, binds 127.0.0.1:0 and serves until
    /// [`FakeArm::shutdown`] (or drop of the runtime).
    pub async fn start(cfg: FakeArmConfig) -> std::io::Result<FakeArm> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let port = listener.local_addr()?.port();
        let base = Url::parse(&format!("https://127.0.0.1:{port}/"))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let (ca_pem, tls_config) = tls::generate()?;
        let dir = tempfile::Builder::new().prefix("fake-arm-").tempdir()?;
        let ca_pem_path = dir.path().join("ca.pem");
        std::fs::write(&ca_pem_path, ca_pem)?;
        let estate = estate::build(&cfg.tenant_id, cfg.scale);
        let ground_truth_path = dir.path().join("ground-truth.json");
        let gt_json = serde_json::to_vec_pretty(&estate.ground_truth)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        std::fs::write(&ground_truth_path, gt_json)?;
        let shared = Arc::new(Shared {
            cfg,
            base,
            estate,
            tokens: Mutex::new(HashSet::new()),
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(Faults::default()),
        });
        let app = Router::new()
            .fallback(server::handle)
            .with_state(Arc::clone(&shared));
        let acceptor = TlsAcceptor::from(Arc::new(tls_config));
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    accepted = listener.accept() => {
                        let Ok((tcp, _)) = accepted else { continue };
                        let acceptor = acceptor.clone();
                        let app = app.clone();
                        conns.spawn(async move {
                            let Ok(tls) = acceptor.accept(tcp).await else { return };
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                                .await;
                        });
                    }
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
            conns.abort_all();
        });
        Ok(FakeArm {
            shared,
            ca_pem_path,
            ground_truth_path,
            stop,
            task,
            _dir: dir,
        })
    }

    /// `https://127.0.0.1:PORT/`, the ARM endpoint.
    pub fn endpoint(&self) -> Url {
        self.shared.base.clone()
    }

    /// The Entra ID authority host: the same server.
    pub fn authority_host(&self) -> Url {
        self.shared.base.clone()
    }

    /// PEM of the test CA that signed the server certificate.
    pub fn ca_pem_path(&self) -> &Path {
        &self.ca_pem_path
    }

    /// The ground truth, also written as JSON to [`FakeArm::ground_truth_path`].
    pub fn ground_truth(&self) -> &GroundTruth {
        &self.shared.estate.ground_truth
    }

    pub fn ground_truth_path(&self) -> &Path {
        &self.ground_truth_path
    }

    /// The config the server runs with.
    pub fn config(&self) -> &FakeArmConfig {
        &self.shared.cfg
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// This fraction (0.0-1.0) of ARM list calls (not token calls, not instance views) gets
    /// 429 with `Retry-After: 1`; the retry of a throttled request always passes.
    pub fn set_throttle_fraction(&self, f: f64) {
        let mut faults = lock(&self.shared.faults);
        faults.throttle_fraction = if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) };
        faults.last_throttled.clear();
    }

    /// Every call under `/subscriptions/{id}/` -> 403 `AuthorizationFailed`.
    pub fn set_forbidden(&self, subscription_id: &str, on: bool) {
        let id = subscription_id.to_ascii_lowercase();
        let mut faults = lock(&self.shared.faults);
        if on {
            faults.forbidden.insert(id);
        } else {
            faults.forbidden.remove(&id);
        }
    }

    /// Every call under `/subscriptions/{id}/` -> 404 `SubscriptionNotFound`.
    pub fn set_not_found(&self, subscription_id: &str, on: bool) {
        let id = subscription_id.to_ascii_lowercase();
        let mut faults = lock(&self.shared.faults);
        if on {
            faults.not_found.insert(id);
        } else {
            faults.not_found.remove(&id);
        }
    }

    /// The first page of every disks list carries a `nextLink` on
    /// `https://evil.example.invalid/...`.
    pub fn set_foreign_next_link(&self, on: bool) {
        lock(&self.shared.faults).foreign_next_link = on;
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
