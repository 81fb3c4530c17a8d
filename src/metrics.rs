//! Prometheus metrics (`GET /metrics`, text exposition format). Process counters (scans
//! ended here, their duration, HTTP requests) plus gauges read from the database at scrape
//! time (scans by status, stored resources, active findings by severity), so every replica
//! reports the shared truth for the latter.

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use skywarden_graph::CoverageStatus;
use skywarden_store::Store;

use crate::pipeline::ScanReport;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SeverityLabel {
    pub severity: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ScopeLabel {
    pub kind: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabel {
    pub class: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServiceLabel {
    pub service: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    pub method: String,
    pub route: String,
    pub status: String,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    scans_finished: Family<StatusLabel, Counter>,
    scan_duration: Histogram,
    scopes: Family<ScopeLabel, Counter>,
    scope_errors: Family<ErrorLabel, Counter>,
    http_requests: Family<RouteLabel, Counter>,
    scans_stored: Family<StatusLabel, Gauge>,
    resources_stored: Gauge,
    findings_active: Family<SeverityLabel, Gauge>,
    scans_running: Gauge,
    cloud_calls: Family<ServiceLabel, Counter>,
    cloud_retries: Family<ServiceLabel, Counter>,
    cloud_throttles: Family<ServiceLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("skywarden");
        let scans_finished = Family::<StatusLabel, Counter>::default();
        registry.register(
            "scans_finished",
            "Scans this process ran to an end, by final status",
            scans_finished.clone(),
        );
        let scan_duration = Histogram::new([
            1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
        ]);
        registry.register(
            "scan_duration_seconds",
            "Wall time of scans this process ran",
            scan_duration.clone(),
        );
        let scopes = Family::<ScopeLabel, Counter>::default();
        registry.register(
            "scan_scopes",
            "Coverage scopes (account, region, kind) of finished scans, by kind and status",
            scopes.clone(),
        );
        let scope_errors = Family::<ErrorLabel, Counter>::default();
        registry.register(
            "scan_scope_errors",
            "Failed coverage scopes by error class (throttled, access_denied, ...)",
            scope_errors.clone(),
        );
        let http_requests = Family::<RouteLabel, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, matched route and status",
            http_requests.clone(),
        );
        let scans_stored = Family::<StatusLabel, Gauge>::default();
        registry.register(
            "scans",
            "Scans in the database, by status",
            scans_stored.clone(),
        );
        let resources_stored = Gauge::default();
        registry.register(
            "resources",
            "Resources in the stored inventory",
            resources_stored.clone(),
        );
        let findings_active = Family::<SeverityLabel, Gauge>::default();
        registry.register(
            "findings_active",
            "Open and regressed findings in the database, by severity",
            findings_active.clone(),
        );
        let scans_running = Gauge::default();
        registry.register(
            "scans_running_here",
            "Scans running in this process",
            scans_running.clone(),
        );
        let cloud_calls = Family::<ServiceLabel, Counter>::default();
        registry.register(
            "cloud_api_calls",
            "Cloud API calls made by scans of this process, by service",
            cloud_calls.clone(),
        );
        let cloud_retries = Family::<ServiceLabel, Counter>::default();
        registry.register(
            "cloud_api_retries",
            "Retried cloud API attempts, by service",
            cloud_retries.clone(),
        );
        let cloud_throttles = Family::<ServiceLabel, Counter>::default();
        registry.register(
            "cloud_api_throttles",
            "Cloud API attempts answered with a throttling error, by service",
            cloud_throttles.clone(),
        );
        Metrics {
            cloud_calls,
            cloud_retries,
            cloud_throttles,
            registry: Mutex::new(registry),
            scans_finished,
            scan_duration,
            scopes,
            scope_errors,
            http_requests,
            scans_stored,
            resources_stored,
            findings_active,
            scans_running,
        }
    }

    pub fn scan_finished(&self, status: &str, secs: f64) {
        self.scans_finished
            .get_or_create(&StatusLabel {
                status: status.to_string(),
            })
            .inc();
        self.scan_duration.observe(secs);
    }

    pub fn scan_report(&self, report: &ScanReport) {
        for (service, c) in &report.api_calls {
            let label = ServiceLabel {
                service: service.as_str().to_string(),
            };
            self.cloud_calls.get_or_create(&label).inc_by(c.calls);
            self.cloud_retries.get_or_create(&label).inc_by(c.retries);
            self.cloud_throttles
                .get_or_create(&label)
                .inc_by(c.throttles);
        }
        for (scope, status) in report.scan.coverage.iter() {
            let s = match status {
                CoverageStatus::Complete => "complete",
                CoverageStatus::Skipped { .. } => "skipped",
                CoverageStatus::Failed { error } => {
                    self.scope_errors
                        .get_or_create(&ErrorLabel {
                            class: serde_json::to_value(error.class)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_string))
                                .unwrap_or_default(),
                        })
                        .inc();
                    "failed"
                }
            };
            self.scopes
                .get_or_create(&ScopeLabel {
                    kind: scope.kind.as_str().to_string(),
                    status: s.to_string(),
                })
                .inc();
        }
    }

    pub fn http_request(&self, method: &str, route: &str, status: u16) {
        self.http_requests
            .get_or_create(&RouteLabel {
                method: method.to_string(),
                route: route.to_string(),
                status: status.to_string(),
            })
            .inc();
    }

    /// Refreshes the database gauges and renders everything.
    pub async fn render(&self, store: &Store, running_here: usize) -> anyhow::Result<String> {
        let scans = store.count_scans_by_status().await?;
        let findings = store.count_findings_by_severity().await?;
        let resources = store.count_resources_total().await?;
        for (status, n) in scans {
            self.scans_stored
                .get_or_create(&StatusLabel {
                    status: status.as_str().to_string(),
                })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        for (sev, n) in findings {
            self.findings_active
                .get_or_create(&SeverityLabel {
                    severity: sev.as_str().to_string(),
                })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        self.resources_stored
            .set(i64::try_from(resources).unwrap_or(i64::MAX));
        self.scans_running
            .set(i64::try_from(running_here).unwrap_or(i64::MAX));
        let mut out = String::new();
        let reg = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        prometheus_client::encoding::text::encode(&mut out, &reg)?;
        Ok(out)
    }
}
