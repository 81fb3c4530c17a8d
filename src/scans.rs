//! Running scans inside the daemon: at most one per connection (a lease row in the
//! database, so replicas sharing one Postgres never overlap), a process-wide concurrency
//! bound, a timeout, cancellation (API request from any replica, lease loss, shutdown), and
//! progress in the scan row. A scan ends as succeeded / partial / failed / cancelled; crash
//! leftovers are recovered by [`skywarden_store::Store::recover_abandoned_scans`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde_json::json;
use skywarden_graph::{ConnectionId, Provider, ScanId};
use skywarden_scanner::{AwsCredentials, AzureCredentials};
use skywarden_store::{ConnectionRecord, CredentialKind, NewScan, ScanTrigger, Store};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::connection::{
    aws_static_credentials, azure_client_secret_credentials, AwsSettings, AzureSettings,
};
use crate::keyring::KeyRing;
use crate::metrics::Metrics;
use crate::pipeline::{self, Phase, ScanSettings};

/// Why a scan could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Another scan of the connection holds its lease (here or in another replica).
    #[error("a scan of connection {0} is already running")]
    Busy(ConnectionId),
    /// The daemon is shutting down.
    #[error("the daemon is shutting down")]
    ShuttingDown,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

#[derive(Debug, Clone)]
pub struct ScanLimits {
    pub concurrency: usize,
    pub timeout: Duration,
    pub lease_ttl: Duration,
    /// Connections without a sealed credential scan with the daemon's own AWS chain.
    pub allow_ambient_credentials: bool,
}

#[derive(Debug)]
pub struct ScanService {
    store: Store,
    keys: Arc<KeyRing>,
    settings: Arc<ScanSettings>,
    /// This process's lease holder id.
    pub holder: String,
    limits: ScanLimits,
    permits: Arc<Semaphore>,
    running: Mutex<HashMap<ScanId, CancellationToken>>,
    /// Connections with a scan in this process (the lease holder is per process, so the
    /// lease alone does not stop this process from starting a second scan).
    active: Mutex<HashSet<ConnectionId>>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    metrics: Arc<Metrics>,
}

impl ScanService {
    pub fn new(
        store: Store,
        keys: Arc<KeyRing>,
        settings: Arc<ScanSettings>,
        limits: ScanLimits,
        metrics: Arc<Metrics>,
    ) -> Arc<ScanService> {
        Arc::new(ScanService {
            store,
            keys,
            settings,
            holder: format!("serve-{}", uuid::Uuid::now_v7()),
            permits: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            limits,
            running: Mutex::new(HashMap::new()),
            active: Mutex::new(HashSet::new()),
            shutdown: CancellationToken::new(),
            tracker: TaskTracker::new(),
            metrics,
        })
    }

    pub fn lease_ttl(&self) -> Duration {
        self.limits.lease_ttl
    }

    /// Takes the connection's lease and starts a scan (API and CLI-like triggers).
    pub async fn start(
        self: &Arc<Self>,
        conn: &ConnectionRecord,
        trigger: ScanTrigger,
    ) -> Result<ScanId, StartError> {
        if self.shutdown.is_cancelled() {
            return Err(StartError::ShuttingDown);
        }
        if self.is_active(&conn.id) {
            return Err(StartError::Busy(conn.id.clone()));
        }
        let ok = self
            .store
            .acquire_lease(
                &conn.id,
                &self.holder,
                None,
                Utc::now(),
                self.limits.lease_ttl,
            )
            .await
            .context("acquire the scan lease")?;
        if !ok {
            return Err(StartError::Busy(conn.id.clone()));
        }
        self.start_leased(conn, trigger, None).await
    }

    /// Starts a scan of a connection whose lease this process already holds. The lease is
    /// released when the scan ends (or if it cannot start).
    pub async fn start_leased(
        self: &Arc<Self>,
        conn: &ConnectionRecord,
        trigger: ScanTrigger,
        scheduled_for: Option<DateTime<Utc>>,
    ) -> Result<ScanId, StartError> {
        if !self
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(conn.id.clone())
        {
            // A scan of this connection runs here and owns the lease: leave it alone.
            return Err(StartError::Busy(conn.id.clone()));
        }
        let scan_id = ScanId::new();
        let begun = async {
            // The lease names the scan before the scan row exists, so crash recovery on any
            // replica never mistakes the new row for an abandoned one.
            if !self
                .store
                .set_lease_scan(&conn.id, &self.holder, scan_id)
                .await?
            {
                return Err(skywarden_store::StoreError::Conflict {
                    what: "scan lease of connection",
                    id: conn.id.to_string(),
                    reason: "was lost before the scan began".into(),
                });
            }
            self.store
                .begin_scan(&NewScan {
                    id: scan_id,
                    connection_id: conn.id.clone(),
                    provider: conn.provider,
                    trigger,
                    started_at: Utc::now(),
                })
                .await?;
            let mut progress = json!({ "phase": Phase::Queued });
            if let Some(at) = scheduled_for {
                progress["scheduled_for"] = json!(at);
            }
            self.store.set_scan_progress(scan_id, &progress).await?;
            Ok::<_, skywarden_store::StoreError>(())
        }
        .await;
        if let Err(e) = begun {
            self.deactivate(&conn.id);
            self.release(&conn.id).await;
            return Err(StartError::Other(
                anyhow::Error::from(e).context("begin the scan"),
            ));
        }
        let cancel = self.shutdown.child_token();
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(scan_id, cancel.clone());
        let this = Arc::clone(self);
        let owned = conn.clone();
        self.tracker.spawn(async move {
            this.run(owned, scan_id, cancel, scheduled_for).await;
        });
        tracing::info!(connection = %conn.id, %scan_id, trigger = %trigger, "scan started");
        Ok(scan_id)
    }

    /// Whether this process is scanning `conn`.
    pub fn is_active(&self, conn: &ConnectionId) -> bool {
        self.active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(conn)
    }

    fn deactivate(&self, conn: &ConnectionId) {
        self.active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(conn);
    }

    async fn release(&self, conn: &ConnectionId) {
        if let Err(e) = self.store.release_lease(conn, &self.holder).await {
            tracing::warn!(connection = %conn, error = %e, "could not release the scan lease (it expires by itself)");
        }
    }

    /// Cancels a scan running in this process. Scans of other replicas are cancelled
    /// through the `cancel_requested_at` mark their lease keeper polls.
    pub fn cancel_local(&self, id: ScanId) -> bool {
        let map = self.running.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&id) {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        }
    }

    pub fn running_count(&self) -> usize {
        self.running.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Stops accepting scans, cancels the running ones and waits up to `grace` for them to
    /// record themselves as cancelled.
    pub async fn shutdown(&self, grace: Duration) {
        self.shutdown.cancel();
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("scans did not stop within the grace period");
        }
    }

    async fn run(
        self: Arc<Self>,
        conn: ConnectionRecord,
        scan_id: ScanId,
        cancel: CancellationToken,
        scheduled_for: Option<DateTime<Utc>>,
    ) {
        let started = Instant::now();
        let keeper = self.spawn_lease_keeper(conn.id.clone(), scan_id, cancel.clone());
        let result = self.execute(&conn, scan_id, &cancel, scheduled_for).await;
        keeper.abort();
        let status = match result {
            Ok(status) => status,
            Err(e) => {
                let msg = crate::one_line(&e);
                tracing::warn!(connection = %conn.id, %scan_id, error = %msg, "scan failed");
                if let Err(e2) = self.store.fail_scan(scan_id, Utc::now(), vec![msg]).await {
                    tracing::warn!(%scan_id, error = %e2, "could not record the failed scan");
                }
                "failed".to_string()
            }
        };
        self.metrics
            .scan_finished(&status, started.elapsed().as_secs_f64());
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&scan_id);
        self.release(&conn.id).await;
        self.deactivate(&conn.id);
        tracing::info!(connection = %conn.id, %scan_id, status, secs = started.elapsed().as_secs_f64(), "scan ended");
    }

    /// Renews the lease every third of its lifetime and watches for a cancel request made
    /// through any replica; a lost lease cancels the scan (someone else may take over).
    fn spawn_lease_keeper(
        self: &Arc<Self>,
        conn: ConnectionId,
        scan_id: ScanId,
        cancel: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let this = Arc::clone(self);
        let every = (self.limits.lease_ttl / 3).max(Duration::from_millis(200));
        let poll = every.min(Duration::from_secs(2));
        tokio::spawn(async move {
            let mut last_renew = Instant::now();
            loop {
                tokio::time::sleep(poll).await;
                match this.store.cancel_requested(scan_id).await {
                    Ok(true) => {
                        this.reason(scan_id, "cancelled by request");
                        cancel.cancel();
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(%scan_id, error = %e, "cannot check for a cancel request")
                    }
                }
                if last_renew.elapsed() >= every {
                    match this
                        .store
                        .renew_lease(&conn, &this.holder, Utc::now(), this.limits.lease_ttl)
                        .await
                    {
                        Ok(true) => last_renew = Instant::now(),
                        Ok(false) => {
                            this.reason(scan_id, "the scan lease was lost");
                            cancel.cancel();
                            return;
                        }
                        Err(e) => {
                            tracing::warn!(%scan_id, error = %e, "cannot renew the scan lease")
                        }
                    }
                }
            }
        })
    }

    fn reason(&self, scan_id: ScanId, why: &str) {
        tracing::info!(%scan_id, why, "cancelling scan");
    }

    /// The scan itself; returns the final status. Cancellation and the timeout apply while
    /// collecting (nothing is written yet); once persisting began it runs to its end so the
    /// database never holds half a scan.
    async fn execute(
        &self,
        conn: &ConnectionRecord,
        scan_id: ScanId,
        cancel: &CancellationToken,
        scheduled_for: Option<DateTime<Utc>>,
    ) -> Result<String> {
        let progress = |phase: Phase| {
            let mut v = json!({ "phase": phase });
            if let Some(at) = scheduled_for {
                v["scheduled_for"] = json!(at);
            }
            v
        };
        let permit = tokio::select! {
            p = Arc::clone(&self.permits).acquire_owned() => p.context("scan permits closed")?,
            _ = cancel.cancelled() => return self.cancelled(scan_id, "cancelled while queued").await,
        };
        self.store
            .set_scan_progress(scan_id, &progress(Phase::Collecting))
            .await?;
        let deadline = tokio::time::sleep(self.limits.timeout);
        tokio::pin!(deadline);
        let collected = async {
            match conn.provider {
                Provider::Aws => {
                    let settings = AwsSettings::from_value(&conn.config)?;
                    let credentials = self.credentials(conn).await?;
                    let cfg = settings.scan_config(&conn.id, credentials)?;
                    Ok::<_, anyhow::Error>(pipeline::collect_aws(&cfg).await?)
                }
                Provider::Azure => {
                    let settings = AzureSettings::from_value(&conn.config)?;
                    let credentials = self.azure_credentials(conn).await?;
                    let cfg = settings.scan_config(&conn.id, credentials)?;
                    let (mut out, builder) = pipeline::collect_azure(&cfg).await?;
                    let stored = self.store.resource_scopes(&conn.id).await?;
                    pipeline::widen_subscription_scopes(&mut out.coverage, &builder, &stored);
                    Ok((out, builder))
                }
            }
        };
        let (out, builder) = tokio::select! {
            r = collected => r?,
            _ = cancel.cancelled() => {
                let why = if self.shutdown.is_cancelled() { "cancelled: the daemon is shutting down" } else { "cancelled" };
                return self.cancelled(scan_id, why).await;
            }
            _ = &mut deadline => {
                return self.cancelled(scan_id, &format!("cancelled: the scan exceeded its timeout of {} s", self.limits.timeout.as_secs())).await;
            }
        };
        self.store
            .set_scan_progress(scan_id, &progress(Phase::Persisting))
            .await?;
        let report = pipeline::persist(
            &self.store,
            scan_id,
            conn.id.clone(),
            out,
            builder,
            &self.settings,
        )
        .await?;
        drop(permit);
        self.metrics.scan_report(&report);
        Ok(report.scan.status.as_str().to_string())
    }

    async fn cancelled(&self, scan_id: ScanId, why: &str) -> Result<String> {
        self.store
            .cancel_scan(scan_id, Utc::now(), vec![why.to_string()])
            .await?;
        Ok("cancelled".into())
    }

    /// The connection's sealed `azure_client_secret`, opened just for this scan. Without one
    /// the daemon's AZURE_* environment is used only if the server allows ambient credentials.
    async fn azure_credentials(&self, conn: &ConnectionRecord) -> Result<AzureCredentials> {
        if !conn.has_credential {
            if self.limits.allow_ambient_credentials {
                return Ok(AzureCredentials::from_env()?);
            }
            anyhow::bail!("connection {} has no credential (PUT /v1/connections/{}/credential), and this server does not scan with its own Azure identity", conn.id, conn.id);
        }
        let Some((kind, plain)) = self.keys.open(&self.store, &conn.id).await? else {
            anyhow::bail!("connection {} has no credential", conn.id);
        };
        match kind {
            CredentialKind::AzureClientSecret => azure_client_secret_credentials(&plain),
            other => anyhow::bail!(
                "connection {} has a {other} credential; an Azure connection needs azure_client_secret",
                conn.id
            ),
        }
    }

    /// The connection's sealed credential, opened just for this scan. Without one the
    /// daemon's own AWS chain is used only if the server allows it.
    async fn credentials(&self, conn: &ConnectionRecord) -> Result<AwsCredentials> {
        if !conn.has_credential {
            if self.limits.allow_ambient_credentials {
                return Ok(AwsCredentials::DefaultChain);
            }
            anyhow::bail!("connection {} has no credential (PUT /v1/connections/{}/credential), and this server does not scan with its own AWS identity", conn.id, conn.id);
        }
        let Some((kind, plain)) = self.keys.open(&self.store, &conn.id).await? else {
            anyhow::bail!("connection {} has no credential", conn.id);
        };
        match kind {
            CredentialKind::AwsStatic => aws_static_credentials(&plain),
            other => anyhow::bail!(
                "connection {} has a {other} credential, which scans cannot use yet",
                conn.id
            ),
        }
    }
}
