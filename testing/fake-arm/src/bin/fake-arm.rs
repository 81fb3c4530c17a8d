//! `fake-arm`: starts the fake ARM server with the default config (`FAKE_ARM_SCALE` and
//! `FAKE_ARM_PAGE_SIZE` override scale and page size), prints one JSON line to stdout
//! (`endpoint`, `authority_host`, `ca_pem_path`, `ground_truth_path`, `tenant_id`,
//! `client_id`, `client_secret`) and serves until SIGINT or SIGTERM (then shuts down and
//! removes the CA and ground-truth files).

use skywarden_fake_arm::{FakeArm, FakeArmConfig};

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut cfg = FakeArmConfig::default();
    if let Some(s) = env_usize("FAKE_ARM_SCALE") {
        cfg.scale = s.max(1);
    }
    if let Some(p) = env_usize("FAKE_ARM_PAGE_SIZE") {
        cfg.page_size = p.max(1);
    }
    let arm = FakeArm::start(cfg.clone()).await?;
    let info = serde_json::json!({
        "endpoint": arm.endpoint().as_str(),
        "authority_host": arm.authority_host().as_str(),
        "ca_pem_path": arm.ca_pem_path(),
        "ground_truth_path": arm.ground_truth_path(),
        "tenant_id": cfg.tenant_id,
        "client_id": cfg.client_id,
        "client_secret": cfg.client_secret,
    });
    println!("{info}");
    stopped().await;
    arm.shutdown().await;
    Ok(())
}

/// SIGINT or (on Unix) SIGTERM.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
