//! Scheduled scans. Every tick the scheduler reads the connections that have a schedule,
//! and for each one whose next occurrence (plus its deterministic jitter) has come, takes the
//! connection's lease and starts a scan, unless a scan of that connection already started
//! at or after the occurrence (another replica ran it). Lease + that check, both against the
//! shared database, make "exactly once per occurrence" hold across replicas. Time comes from
//! a [`Clock`], so tests drive it with a fake one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use sha2::{Digest, Sha256};
use skywarden_graph::{ConnectionId, ScanId};
use skywarden_store::{ConnectionRecord, ScanTrigger, Store};
use tokio_util::sync::CancellationToken;

use crate::connection::Schedule;

/// Where the scheduler gets "now" from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Parses a 5-field cron expression (minute hour day-of-month month day-of-week), UTC.
pub fn parse_cron(expr: &str) -> Result<croner::Cron> {
    if expr.split_whitespace().count() != 5 {
        anyhow::bail!("schedule: cron {expr:?} must have 5 fields (minute hour day month weekday)");
    }
    croner::Cron::new(expr)
        .parse()
        .map_err(|e| anyhow::anyhow!("schedule: cron {expr:?}: {e}"))
}

/// The first nominal occurrence of `s` strictly after `after`.
pub fn next_occurrence(s: &Schedule, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Some(expr) = &s.cron {
        let cron = parse_cron(expr).ok()?;
        return cron.find_next_occurrence(&after, false).ok();
    }
    let every = i64::try_from(s.interval_secs?).ok()?.max(1);
    let t = after.timestamp();
    let next = (t.div_euclid(every) + 1) * every;
    Utc.timestamp_opt(next, 0).single()
}

/// The jitter of one occurrence: the same on every replica (hash of connection id and
/// occurrence), spread over `0..=jitter_secs`.
pub fn jitter(s: &Schedule, conn: &ConnectionId, occurrence: DateTime<Utc>) -> chrono::Duration {
    if s.jitter_secs == 0 {
        return chrono::Duration::zero();
    }
    let mut h = Sha256::new();
    h.update(conn.as_str().as_bytes());
    h.update(occurrence.timestamp().to_be_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    let secs = u64::from_be_bytes(b) % (s.jitter_secs + 1);
    chrono::Duration::seconds(i64::try_from(secs).unwrap_or(0))
}

/// What the scheduler hands a due scan to (the daemon's [`crate::scans::ScanService`]; a
/// recording fake in tests). Called with the connection's lease held by `holder()`.
#[async_trait]
pub trait Launcher: Send + Sync {
    fn holder(&self) -> &str;
    fn lease_ttl(&self) -> Duration;
    /// Whether a scan of `conn` runs in this process already (it holds the lease).
    fn busy(&self, _conn: &ConnectionId) -> bool {
        false
    }
    async fn launch(&self, conn: &ConnectionRecord, scheduled_for: DateTime<Utc>)
        -> Result<ScanId>;
}

#[async_trait]
impl Launcher for Arc<crate::scans::ScanService> {
    fn holder(&self) -> &str {
        &self.holder
    }
    fn lease_ttl(&self) -> Duration {
        crate::scans::ScanService::lease_ttl(self)
    }
    fn busy(&self, conn: &ConnectionId) -> bool {
        self.is_active(conn)
    }
    async fn launch(&self, conn: &ConnectionRecord, at: DateTime<Utc>) -> Result<ScanId> {
        self.start_leased(conn, ScanTrigger::Schedule, Some(at))
            .await
            .map_err(anyhow::Error::from)
    }
}

/// What one tick did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub started: Vec<(ConnectionId, DateTime<Utc>, ScanId)>,
    /// Due, but another process holds the lease.
    pub busy: Vec<ConnectionId>,
    /// Due, but a scan at or after the occurrence exists already.
    pub already_ran: Vec<ConnectionId>,
    pub recovered: Vec<ScanId>,
}

#[derive(Debug)]
pub struct Scheduler<L: Launcher> {
    store: Store,
    clock: Arc<dyn Clock>,
    launcher: L,
    /// Per connection: the schedule it was planned with and the next nominal occurrence.
    next: Mutex<HashMap<ConnectionId, (Schedule, DateTime<Utc>)>>,
}

impl<L: Launcher> Scheduler<L> {
    pub fn new(store: Store, clock: Arc<dyn Clock>, launcher: L) -> Self {
        Scheduler {
            store,
            clock,
            launcher,
            next: Mutex::new(HashMap::new()),
        }
    }

    /// One pass: recover abandoned scans, then start every due scan.
    pub async fn tick(&self) -> Result<TickReport> {
        let now = self.clock.now();
        let mut report = TickReport {
            recovered: self
                .store
                .recover_abandoned_scans(now)
                .await
                .context("recover abandoned scans")?,
            ..Default::default()
        };
        for id in &report.recovered {
            tracing::warn!(scan_id = %id, "recovered a scan left running by a stopped process (marked failed)");
        }
        let conns = self
            .store
            .list_scheduled_connections()
            .await
            .context("list scheduled connections")?;
        let mut due = Vec::new();
        {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            next.retain(|id, _| conns.iter().any(|c| &c.id == id));
            for c in &conns {
                let Some(v) = &c.schedule else { continue };
                let schedule = match Schedule::from_value(v) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!(connection = %c.id, error = %e, "invalid stored schedule; skipped");
                        continue;
                    }
                };
                let entry = next.entry(c.id.clone());
                let (planned, occurrence) = entry.or_insert_with(|| {
                    // First sight: the next occurrence after now (no catch-up of the past).
                    let occ = schedule.next_after(now).unwrap_or(now);
                    (schedule.clone(), occ)
                });
                if *planned != schedule {
                    *planned = schedule.clone();
                    *occurrence = schedule.next_after(now).unwrap_or(now);
                }
                let at = *occurrence + jitter(&schedule, &c.id, *occurrence);
                if at <= now {
                    due.push((c.clone(), *occurrence));
                    // Plan the following one now; a missed window is not made up twice.
                    *occurrence = schedule.next_after(now).unwrap_or(now);
                }
            }
        }
        for (c, occurrence) in due {
            let ttl = self.launcher.lease_ttl();
            let holder = self.launcher.holder().to_string();
            if self.launcher.busy(&c.id) {
                report.busy.push(c.id.clone());
                continue;
            }
            if !self
                .store
                .acquire_lease(&c.id, &holder, None, now, ttl)
                .await?
            {
                report.busy.push(c.id.clone());
                continue;
            }
            let latest = self.store.list_scans(&c.id, 1).await?;
            if latest.first().is_some_and(|s| s.started_at >= occurrence) {
                self.store.release_lease(&c.id, &holder).await?;
                report.already_ran.push(c.id.clone());
                continue;
            }
            match self.launcher.launch(&c, occurrence).await {
                Ok(scan) => report.started.push((c.id.clone(), occurrence, scan)),
                Err(e) => {
                    tracing::warn!(connection = %c.id, error = %crate::one_line(&e), "scheduled scan did not start");
                    let _ = self.store.release_lease(&c.id, &holder).await;
                }
            }
        }
        Ok(report)
    }

    /// Ticks every `every` until `stop`.
    pub async fn run(&self, every: Duration, stop: CancellationToken) {
        loop {
            match self.tick().await {
                Ok(r) if !r.started.is_empty() => {
                    tracing::info!(started = r.started.len(), "scheduled scans started")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %crate::one_line(&e), "scheduler tick failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.cancelled() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use chrono::Duration as CDuration;
    use skywarden_graph::Provider;
    use skywarden_store::{NewConnection, NewScan, OrgId};

    #[derive(Debug)]
    struct FakeClock(Mutex<DateTime<Utc>>);
    impl FakeClock {
        fn at(t: DateTime<Utc>) -> Arc<FakeClock> {
            Arc::new(FakeClock(Mutex::new(t)))
        }
        fn set(&self, t: DateTime<Utc>) {
            *self.0.lock().unwrap() = t;
        }
    }
    impl Clock for FakeClock {
        fn now(&self) -> DateTime<Utc> {
            *self.0.lock().unwrap()
        }
    }

    /// Records launches and begins a real scan row (started at the fake now), holding the
    /// lease until `finish` is called, like the real service does while scanning.
    #[derive(Debug)]
    struct Recorder {
        holder: String,
        store: Store,
        clock: Arc<FakeClock>,
        launched: Mutex<Vec<(ConnectionId, DateTime<Utc>, ScanId)>>,
    }

    #[async_trait]
    impl Launcher for Arc<Recorder> {
        fn holder(&self) -> &str {
            &self.holder
        }
        fn lease_ttl(&self) -> Duration {
            Duration::from_secs(60)
        }
        async fn launch(&self, c: &ConnectionRecord, at: DateTime<Utc>) -> Result<ScanId> {
            let id = ScanId::new();
            self.store
                .begin_scan(&NewScan {
                    id,
                    connection_id: c.id.clone(),
                    provider: c.provider,
                    trigger: ScanTrigger::Schedule,
                    started_at: self.clock.now(),
                })
                .await?;
            self.store.set_lease_scan(&c.id, &self.holder, id).await?;
            self.launched.lock().unwrap().push((c.id.clone(), at, id));
            Ok(id)
        }
    }

    impl Recorder {
        /// Ends every launched scan and releases its lease.
        async fn finish(&self) {
            let launched = self.launched.lock().unwrap().clone();
            for (c, _, id) in launched {
                let _ = self
                    .store
                    .cancel_scan(id, self.clock.now(), vec!["test".into()])
                    .await;
                self.store.release_lease(&c, &self.holder).await.unwrap();
            }
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    async fn store_with(schedules: &[(&str, Schedule)]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        let store = Store::connect(&url).await.unwrap();
        let org: OrgId = "acme".parse().unwrap();
        store.create_org(&org, "Acme", Utc::now()).await.unwrap();
        for (id, s) in schedules {
            store
                .create_connection(
                    &NewConnection {
                        id: id.parse().unwrap(),
                        org_id: Some(org.clone()),
                        provider: Provider::Aws,
                        name: None,
                        config: serde_json::json!({}),
                        schedule: Some(serde_json::to_value(s).unwrap()),
                    },
                    Utc::now(),
                )
                .await
                .unwrap();
        }
        (dir, store)
    }

    fn every(secs: u64, jitter: u64) -> Schedule {
        Schedule {
            cron: None,
            interval_secs: Some(secs),
            jitter_secs: jitter,
        }
    }

    #[test]
    fn occurrences_and_jitter() {
        let s = every(3600, 0);
        assert_eq!(
            next_occurrence(&s, t("2026-12-02T10:15:00Z")),
            Some(t("2026-12-02T11:00:00Z"))
        );
        assert_eq!(
            next_occurrence(&s, t("2026-12-02T11:00:00Z")),
            Some(t("2026-12-02T12:00:00Z"))
        );
        let c = Schedule {
            cron: Some("30 2 * * *".into()),
            interval_secs: None,
            jitter_secs: 0,
        };
        assert_eq!(
            next_occurrence(&c, t("2026-12-02T10:15:00Z")),
            Some(t("2026-12-03T02:30:00Z"))
        );
        let j = every(3600, 600);
        let conn: ConnectionId = "a".parse().unwrap();
        let occ = t("2026-12-02T11:00:00Z");
        let d = jitter(&j, &conn, occ);
        assert_eq!(d, jitter(&j, &conn, occ), "deterministic");
        assert!(d >= CDuration::zero() && d <= CDuration::seconds(600));
        let spread: std::collections::BTreeSet<i64> = (0..50)
            .map(|h| jitter(&j, &conn, occ + CDuration::hours(h)).num_seconds())
            .collect();
        assert!(spread.len() > 10, "jitter varies between occurrences");
    }

    #[tokio::test]
    async fn runs_each_occurrence_once_with_a_fake_clock() {
        let (_dir, store) = store_with(&[("hourly", every(3600, 0))]).await;
        let clock = FakeClock::at(t("2026-12-02T10:15:00Z"));
        let rec = Arc::new(Recorder {
            holder: "a".into(),
            store: store.clone(),
            clock: clock.clone(),
            launched: Mutex::new(vec![]),
        });
        let s = Scheduler::new(store.clone(), clock.clone(), rec.clone());
        assert!(s.tick().await.unwrap().started.is_empty(), "not due yet");
        clock.set(t("2026-12-02T10:59:59Z"));
        assert!(s.tick().await.unwrap().started.is_empty());
        clock.set(t("2026-12-02T11:00:00Z"));
        let r = s.tick().await.unwrap();
        assert_eq!(r.started.len(), 1);
        assert_eq!(r.started[0].1, t("2026-12-02T11:00:00Z"));
        clock.set(t("2026-12-02T11:00:05Z"));
        assert!(
            s.tick().await.unwrap().started.is_empty(),
            "same occurrence"
        );
        rec.finish().await;
        // Missed several occurrences (process paused): one scan, not a burst.
        clock.set(t("2026-12-02T15:30:00Z"));
        let r = s.tick().await.unwrap();
        assert_eq!(r.started.len(), 1);
        assert_eq!(r.started[0].1, t("2026-12-02T12:00:00Z"));
        assert!(s.tick().await.unwrap().started.is_empty());
        rec.finish().await;
        clock.set(t("2026-12-02T16:00:00Z"));
        assert_eq!(s.tick().await.unwrap().started.len(), 1);
        assert_eq!(rec.launched.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn jitter_delays_the_start() {
        let sched = every(3600, 900);
        let (_dir, store) = store_with(&[("jit", sched.clone())]).await;
        let occ = t("2026-12-02T11:00:00Z");
        let delay = jitter(&sched, &"jit".parse().unwrap(), occ);
        let clock = FakeClock::at(t("2026-12-02T10:15:00Z"));
        let rec = Arc::new(Recorder {
            holder: "a".into(),
            store: store.clone(),
            clock: clock.clone(),
            launched: Mutex::new(vec![]),
        });
        let s = Scheduler::new(store.clone(), clock.clone(), rec.clone());
        s.tick().await.unwrap();
        if delay > CDuration::zero() {
            clock.set(occ + delay - CDuration::seconds(1));
            assert!(s.tick().await.unwrap().started.is_empty());
        }
        clock.set(occ + delay);
        assert_eq!(s.tick().await.unwrap().started.len(), 1);
    }

    #[tokio::test]
    async fn two_replicas_run_an_occurrence_once() {
        let (_dir, store) =
            store_with(&[("shared", every(600, 0)), ("other", every(600, 0))]).await;
        let clock = FakeClock::at(t("2026-12-02T10:05:00Z"));
        let mk = |h: &str| {
            Arc::new(Recorder {
                holder: h.into(),
                store: store.clone(),
                clock: clock.clone(),
                launched: Mutex::new(vec![]),
            })
        };
        let (ra, rb) = (mk("replica-a"), mk("replica-b"));
        let a = Scheduler::new(store.clone(), clock.clone(), ra.clone());
        let b = Scheduler::new(store.clone(), clock.clone(), rb.clone());
        a.tick().await.unwrap();
        b.tick().await.unwrap();
        for occ in [
            "2026-12-02T10:10:00Z",
            "2026-12-02T10:20:00Z",
            "2026-12-02T10:30:00Z",
        ] {
            clock.set(t(occ));
            // Both tick at the same instant, concurrently.
            let (x, y) = tokio::join!(a.tick(), b.tick());
            let (x, y) = (x.unwrap(), y.unwrap());
            assert_eq!(x.started.len() + y.started.len(), 2, "{occ}: {x:?} {y:?}");
            // One second later (the winner still scanning, or finished): nothing new.
            clock.set(t(occ) + CDuration::seconds(1));
            ra.finish().await;
            let (x2, y2) = tokio::join!(a.tick(), b.tick());
            assert!(x2.unwrap().started.is_empty() && y2.unwrap().started.is_empty());
            rb.finish().await;
        }
        let mut all: Vec<(ConnectionId, DateTime<Utc>)> = ra
            .launched
            .lock()
            .unwrap()
            .iter()
            .chain(rb.launched.lock().unwrap().iter())
            .map(|(c, at, _)| (c.clone(), *at))
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(n, 6, "2 connections x 3 occurrences");
        assert_eq!(all.len(), 6, "no occurrence ran twice");
    }

    #[tokio::test]
    async fn recovers_scans_of_a_crashed_process() {
        let (_dir, store) = store_with(&[]).await;
        let org: OrgId = "acme".parse().unwrap();
        let conn: ConnectionId = "crashed".parse().unwrap();
        store
            .create_connection(
                &NewConnection {
                    id: conn.clone(),
                    org_id: Some(org),
                    provider: Provider::Aws,
                    name: None,
                    config: serde_json::json!({}),
                    schedule: None,
                },
                Utc::now(),
            )
            .await
            .unwrap();
        let now = Utc::now();
        let id = ScanId::new();
        store
            .begin_scan(&NewScan {
                id,
                connection_id: conn.clone(),
                provider: Provider::Aws,
                trigger: ScanTrigger::Schedule,
                started_at: now,
            })
            .await
            .unwrap();
        assert!(store
            .acquire_lease(&conn, "dead", Some(id), now, Duration::from_secs(30))
            .await
            .unwrap());
        let clock = FakeClock::at(now + CDuration::seconds(10));
        let rec = Arc::new(Recorder {
            holder: "alive".into(),
            store: store.clone(),
            clock: clock.clone(),
            launched: Mutex::new(vec![]),
        });
        let s = Scheduler::new(store.clone(), clock.clone(), rec);
        assert!(
            s.tick().await.unwrap().recovered.is_empty(),
            "lease still live"
        );
        clock.set(now + CDuration::seconds(31));
        assert_eq!(s.tick().await.unwrap().recovered, vec![id]);
        let scan = store.get_scan(id).await.unwrap().unwrap();
        assert_eq!(scan.status, skywarden_store::ScanStatus::Failed);
    }
}
