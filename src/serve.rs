//! `skywarden serve`: start-up as a library function. Order matters: configuration, database
//! (migrations), master key check (a wrong key stops here and touches nothing), rules,
//! recovery of scans a crashed process left running, scan service, scheduler, HTTP listener.
//! SIGTERM / Ctrl-C: stop accepting, cancel in-flight scans (recorded as cancelled), drain.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use skywarden_rules::pricing::PriceTable;
use skywarden_store::Store;
use tokio_util::sync::CancellationToken;

use crate::cli::{self, DatabaseArg, EXIT_OK};
use crate::config::Config;
use crate::http::{self, AppState};
use crate::keyring::KeyRing;
use crate::metrics::Metrics;
use crate::pipeline::ScanSettings;
use crate::scans::{ScanLimits, ScanService};
use crate::scheduler::{Scheduler, SystemClock};
use crate::{packs, vault};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration file (TOML); SKYWARDEN__SECTION__KEY variables override it.
    #[arg(long, env = "SKYWARDEN_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub db: DatabaseArg,
    /// Listen address (overrides [server] listen), e.g. 0.0.0.0:8080 or 127.0.0.1:0.
    #[arg(long)]
    pub listen: Option<String>,
    /// Master key file (overrides [vault] key_file).
    #[command(flatten)]
    pub key: vault::KeyArg,
}

pub async fn serve(args: ServeArgs) -> Result<u8> {
    let mut config = Config::load(args.config.as_deref())?;
    if let Some(l) = &args.listen {
        config.server.listen = l.clone();
    }
    if let Some(f) = &args.key.key_file {
        config.vault.key_file = Some(f.clone());
    }
    let listen: SocketAddr = config.server.listen.parse().with_context(|| {
        format!(
            "[server] listen {:?} is not an address such as 127.0.0.1:8080",
            config.server.listen
        )
    })?;
    let engine = packs::engine_for(&config, None, config.rules.settings())?;
    let rules = packs::engine_for(&config, None, skywarden_rules::RuleSettings::default())?.rules();
    let pricing = PriceTable::with_overrides(config.pricing.clone())
        .context("invalid [pricing] configuration")?;
    let settings = Arc::new(ScanSettings {
        engine,
        pricing,
        stale_after_scans: config.suppressions.stale_after_scans,
    });

    let store = Store::connect(&cli::database_url(&args.db, &config))
        .await
        .context("cannot open the database")?;
    let started = start(store.clone(), config, settings, rules, listen).await;
    let result = match started {
        Ok(running) => running.wait().await,
        Err(e) => Err(e),
    };
    store.close().await;
    result.map(|_| EXIT_OK)
}

/// A started daemon.
pub struct Running {
    stop: CancellationToken,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    scheduler: Option<tokio::task::JoinHandle<()>>,
    /// Background pruning of change history.
    pruner: tokio::task::JoinHandle<()>,
    scans: Arc<ScanService>,
    grace: Duration,
}

impl Running {
    /// Runs until SIGTERM / Ctrl-C, then shuts down in order.
    pub async fn wait(self) -> Result<()> {
        let stop = self.stop.clone();
        tokio::select! {
            _ = shutdown_signal() => tracing::info!("shutdown requested"),
            _ = stop.cancelled() => {}
        }
        self.shutdown().await
    }

    async fn shutdown(self) -> Result<()> {
        self.stop.cancel();
        if let Some(s) = self.scheduler {
            let _ = s.await;
        }
        let _ = self.pruner.await;
        self.scans.shutdown(self.grace).await;
        match tokio::time::timeout(self.grace, self.server).await {
            Ok(Ok(r)) => r.context("HTTP server")?,
            Ok(Err(e)) => return Err(anyhow::anyhow!("HTTP server task: {e}")),
            Err(_) => tracing::warn!("HTTP requests did not finish within the grace period"),
        }
        tracing::info!("stopped");
        Ok(())
    }
}

pub async fn start(
    store: Store,
    config: Config,
    settings: Arc<ScanSettings>,
    rules: Vec<skywarden_rules::RuleInfo>,
    listen: SocketAddr,
) -> Result<Running> {
    let retention = config.history.retention()?;
    let keys = Arc::new(KeyRing::load(&config.vault)?);
    keys.verify(&store)
        .await
        .context("the master key does not open this database's credential vault")?;
    if keys.is_empty() {
        tracing::warn!("no master key configured: connections cannot have credentials (set SKYWARDEN_MASTER_KEY_FILE or [vault] key_file)");
    }
    let recovered = store
        .recover_abandoned_scans(chrono::Utc::now())
        .await
        .context("recover scans left running")?;
    for id in &recovered {
        tracing::warn!(scan_id = %id, "a scan was left running by a stopped process; recorded as failed");
    }
    let metrics = Arc::new(Metrics::new());
    let scans = ScanService::new(
        store.clone(),
        Arc::clone(&keys),
        settings,
        ScanLimits {
            concurrency: config.scheduler.concurrency.max(1),
            timeout: Duration::from_secs(config.scheduler.scan_timeout_secs.max(1)),
            lease_ttl: Duration::from_secs(config.scheduler.lease_secs.max(3)),
            allow_ambient_credentials: config.server.allow_ambient_credentials,
        },
        Arc::clone(&metrics),
    );
    let stop = CancellationToken::new();
    let scheduler = if config.scheduler.enabled {
        let s = Scheduler::new(store.clone(), Arc::new(SystemClock), Arc::clone(&scans));
        let every = Duration::from_secs(config.scheduler.tick_secs.max(1));
        let stop = stop.clone();
        Some(tokio::spawn(async move { s.run(every, stop).await }))
    } else {
        None
    };
    let pruner = crate::drift::spawn_pruner(
        store.clone(),
        retention,
        Duration::from_secs(config.history.prune_interval_secs.max(1)),
        config.history.prune_max_rows.max(1),
        stop.clone(),
    );
    let grace = Duration::from_secs(config.server.shutdown_grace_secs.max(1));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr().context("listener address")?;
    let state = AppState::new(
        store.clone(),
        config,
        keys,
        Arc::clone(&scans),
        metrics,
        rules,
    );
    let app = http::app(state);
    let server_stop = stop.clone();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { server_stop.cancelled().await })
        .await
    });
    // The one line on stdout: scripts and tests read the bound address from it.
    println!("skywarden listening on http://{addr}");
    tracing::info!(%addr, backend = %store.backend(), "serving");
    Ok(Running {
        stop,
        server,
        scheduler,
        pruner,
        scans,
        grace,
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
