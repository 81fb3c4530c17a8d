//! Scan coordination between daemon processes sharing one database: one lease per
//! connection, cancellation requests, progress reports, and the recovery of scans whose
//! process stopped before finishing them.
//!
//! A lease is a row per connection with a holder and an expiry. Taking it is one
//! `INSERT ... ON CONFLICT DO UPDATE ... WHERE` statement, so the database decides between
//! concurrent takers: the row is written only if it is absent, expired or already the
//! taker's, and exactly one of several racing takers sees its row written.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use skywarden_graph::{ConnectionId, ScanId};
use sqlx::types::Json;

use super::{Pools, Store};
use crate::error::StoreError;
use crate::plan::micros;
use crate::types::{ScanStatus, ScanTrigger};

/// The error recorded on a scan found running without a live lease.
pub const ABANDONED: &str = "abandoned: the process running this scan stopped before it finished";

/// `now + ttl`, truncated like every stored timestamp.
fn expiry(now: DateTime<Utc>, ttl: Duration) -> Result<DateTime<Utc>, StoreError> {
    chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .map(micros)
        .ok_or_else(|| StoreError::InvalidValue {
            what: "lease duration",
            value: format!("{ttl:?}"),
            expected: "a duration that keeps the expiry within the calendar",
        })
}

impl Store {
    /// Takes the scan lease of `conn` for `holder` until `now + ttl`: true if `holder` holds
    /// it now (there was none, it had expired, or it was already `holder`'s), false if
    /// another holder's lease is live. Atomic across processes. Re-taking one's own lease
    /// extends it and keeps its scan id unless `scan_id` is given. NotFound if the
    /// connection does not exist.
    pub async fn acquire_lease(
        &self,
        conn: &ConnectionId,
        holder: &str,
        scan_id: Option<ScanId>,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        const OP: &str = "acquire lease";
        let now = micros(now);
        let expires = expiry(now, ttl)?;
        let scan = scan_id.map(|s| s.to_string());
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO scan_leases (connection_id, holder, scan_id, acquired_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (connection_id) DO UPDATE SET \
                 scan_id = CASE WHEN scan_leases.holder = excluded.holder \
                     THEN COALESCE(excluded.scan_id, scan_leases.scan_id) ELSE excluded.scan_id END, \
                 acquired_at = CASE WHEN scan_leases.holder = excluded.holder \
                     THEN scan_leases.acquired_at ELSE excluded.acquired_at END, \
                 holder = excluded.holder, expires_at = excluded.expires_at \
                 WHERE scan_leases.expires_at <= excluded.acquired_at OR scan_leases.holder = excluded.holder",
            )
            .bind(conn.as_str())
            .bind(holder)
            .bind(scan.as_deref())
            .bind(now)
            .bind(expires)
            .execute(pool)
            .await
            .map_err(StoreError::query(OP))
            .map_err(|e| {
                if e.is_foreign_key_violation() {
                    StoreError::NotFound {
                        what: "connection",
                        id: conn.to_string(),
                    }
                } else {
                    e
                }
            })?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Extends `holder`'s live lease of `conn` to `now + ttl`. False if the lease is gone:
    /// expired (even if nobody took it since: a recovery may have failed its scan),
    /// released, or another holder's.
    pub async fn renew_lease(
        &self,
        conn: &ConnectionId,
        holder: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = micros(now);
        let expires = expiry(now, ttl)?;
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE scan_leases SET expires_at = $1 WHERE connection_id = $2 AND holder = $3 AND expires_at > $4",
            )
            .bind(expires)
            .bind(conn.as_str())
            .bind(holder)
            .bind(now)
            .execute(pool)
            .await
            .map_err(StoreError::query("renew lease"))?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Gives up `holder`'s lease of `conn`; nothing happens if it is not `holder`'s.
    pub async fn release_lease(&self, conn: &ConnectionId, holder: &str) -> Result<(), StoreError> {
        with_pool!(self, |pool| {
            sqlx::query("DELETE FROM scan_leases WHERE connection_id = $1 AND holder = $2")
                .bind(conn.as_str())
                .bind(holder)
                .execute(pool)
                .await
                .map_err(StoreError::query("release lease"))?;
        });
        Ok(())
    }

    /// Records which scan `holder`'s lease of `conn` covers (so recovery leaves it alone).
    /// False if the lease is not `holder`'s.
    pub async fn set_lease_scan(
        &self,
        conn: &ConnectionId,
        holder: &str,
        scan_id: ScanId,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE scan_leases SET scan_id = $1 WHERE connection_id = $2 AND holder = $3",
            )
            .bind(scan_id.to_string())
            .bind(conn.as_str())
            .bind(holder)
            .execute(pool)
            .await
            .map_err(StoreError::query("set lease scan"))?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Marks `failed` (finished at `now`, error [`ABANDONED`]) every running scan that no
    /// live lease covers, and returns their ids, sorted. Inventory and findings are not
    /// touched. A scan is covered by a live lease that names it, and also by a live lease of
    /// its connection that names no scan yet (taken, scan being begun: the moment between
    /// `begin_scan` and [`Store::set_lease_scan`]). Scans the CLI started
    /// ([`ScanTrigger::Cli`]) never take a lease and are left alone: a CLI run may share the
    /// daemon's database.
    pub async fn recover_abandoned_scans(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ScanId>, StoreError> {
        const OP: &str = "recover abandoned scans";
        let now = micros(now);
        let errors = Value::from(vec![ABANDONED]);
        let ids: Vec<String> = with_pool!(self, |pool| {
            sqlx::query_scalar(
                "UPDATE scans SET status = $1, finished_at = $2, errors = $3 WHERE status = $4 \
                 AND \"trigger\" <> $5 AND NOT EXISTS (SELECT 1 FROM scan_leases l WHERE l.expires_at > $2 \
                 AND (l.scan_id = scans.id OR (l.scan_id IS NULL AND l.connection_id = scans.connection_id))) \
                 RETURNING id",
            )
            .bind(ScanStatus::Failed.as_str())
            .bind(now)
            .bind(Json(&errors))
            .bind(ScanStatus::Running.as_str())
            .bind(ScanTrigger::Cli.as_str())
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(OP))?
        });
        let mut ids = ids
            .into_iter()
            .map(|id| {
                id.parse::<ScanId>()
                    .map_err(|e| StoreError::decode("scans", &id, "id", e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        ids.sort();
        for id in &ids {
            tracing::warn!(scan = %id, "abandoned scan marked failed");
        }
        Ok(ids)
    }

    /// Asks a running scan to stop (the first request's time is kept). False if the scan is
    /// not running; NotFound if there is no such scan.
    pub async fn request_cancel(
        &self,
        scan_id: ScanId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        const OP: &str = "request cancel";
        let id = scan_id.to_string();
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE scans SET cancel_requested_at = COALESCE(cancel_requested_at, $1) WHERE id = $2 AND status = $3",
            )
            .bind(micros(at))
            .bind(&id)
            .bind(ScanStatus::Running.as_str())
            .execute(pool)
            .await
            .map_err(StoreError::query(OP))?
            .rows_affected()
        });
        if n == 1 {
            return Ok(true);
        }
        self.scan_exists(&id, OP).await?;
        Ok(false)
    }

    /// Whether someone asked the scan to stop. NotFound if there is no such scan.
    pub async fn cancel_requested(&self, scan_id: ScanId) -> Result<bool, StoreError> {
        let id = scan_id.to_string();
        let asked: Option<bool> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT cancel_requested_at IS NOT NULL FROM scans WHERE id = $1")
                .bind(&id)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("cancel requested"))?
        });
        asked.ok_or(StoreError::NotFound { what: "scan", id })
    }

    /// Replaces the progress report of a running scan. A report for a scan that has ended
    /// is ignored (it raced the end); NotFound if there is no such scan.
    pub async fn set_scan_progress(
        &self,
        scan_id: ScanId,
        progress: &Value,
    ) -> Result<(), StoreError> {
        const OP: &str = "set scan progress";
        let id = scan_id.to_string();
        let n = with_pool!(self, |pool| {
            sqlx::query("UPDATE scans SET progress = $1 WHERE id = $2 AND status = $3")
                .bind(Json(progress))
                .bind(&id)
                .bind(ScanStatus::Running.as_str())
                .execute(pool)
                .await
                .map_err(StoreError::query(OP))?
                .rows_affected()
        });
        if n == 0 {
            self.scan_exists(&id, OP).await?;
        }
        Ok(())
    }

    /// NotFound unless scan `id` exists.
    async fn scan_exists(&self, id: &str, op: &'static str) -> Result<(), StoreError> {
        let found: Option<String> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM scans WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query(op))?
        });
        match found {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound {
                what: "scan",
                id: id.to_string(),
            }),
        }
    }
}
