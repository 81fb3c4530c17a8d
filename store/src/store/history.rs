//! Change history: listing recorded resource changes and pruning them. The changes
//! themselves are written by [`Store::finish_scan`], in the scan's transaction.

use chrono::{DateTime, Duration, Utc};
use skywarden_graph::ConnectionId;
use sqlx::QueryBuilder;

use super::{queries, Pools, Store};
use crate::drift::{ChangeFilter, PruneSummary, ResourceChange, Retention};
use crate::error::StoreError;
use crate::plan::micros;
use crate::rows;
use crate::types::ScanStatus;

/// Rows one pruning statement deletes; each is its own short transaction.
const PRUNE_BATCH: u64 = 1000;

impl Store {
    /// Recorded changes matching `filter`, newest first (by id), at most `filter.limit`.
    pub async fn list_changes(
        &self,
        filter: &ChangeFilter,
    ) -> Result<Vec<ResourceChange>, StoreError> {
        if filter.limit == Some(0)
            || filter
                .org_connections
                .as_ref()
                .is_some_and(|c| c.is_empty())
        {
            return Ok(Vec::new());
        }
        let head = format!(
            "SELECT {} FROM resource_changes WHERE 1 = 1",
            rows::CHANGE_COLUMNS
        );
        with_pool!(self, |pool| {
            let mut qb = QueryBuilder::new(head.as_str());
            if let Some(c) = &filter.connection_id {
                qb.push(" AND connection_id = ");
                qb.push_bind(c.as_str());
            }
            if let Some(conns) = &filter.org_connections {
                queries::push_in(
                    &mut qb,
                    "connection_id",
                    conns.iter().map(ConnectionId::as_str),
                );
            }
            if let Some(t) = filter.since {
                qb.push(" AND at >= ");
                qb.push_bind(micros(t));
            }
            if let Some(r) = &filter.resource_id {
                qb.push(" AND resource_id = ");
                qb.push_bind(r.as_str());
            }
            if let Some(k) = filter.kind {
                qb.push(" AND kind = ");
                qb.push_bind(k.as_str());
            }
            if let Some(c) = filter.change {
                qb.push(" AND change = ");
                qb.push_bind(c.as_str());
            }
            if let Some(s) = filter.scan_id {
                qb.push(" AND scan_id = ");
                qb.push_bind(s.to_string());
            }
            if let Some(id) = filter.before {
                qb.push(" AND id < ");
                qb.push_bind(id);
            }
            qb.push(" ORDER BY id DESC");
            if let Some(n) = filter.limit {
                qb.push(" LIMIT ");
                qb.push_bind(i64::from(n));
            }
            let rows = qb
                .build()
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list changes"))?;
            rows.iter().map(rows::resource_change).collect()
        })
    }

    /// Deletes change history outside `retention` for `connection` (every connection with
    /// history when `None`), at most about `max_rows` rows, in batches of 1,000 (each its own
    /// short transaction, so a scan is never blocked for long). Run it again when the summary
    /// is not `complete`.
    pub async fn prune_history(
        &self,
        connection: Option<&ConnectionId>,
        retention: Retention,
        now: DateTime<Utc>,
        max_rows: u64,
    ) -> Result<PruneSummary, StoreError> {
        const OP: &str = "prune change history";
        if retention.days.is_none() && retention.scans.is_none() {
            return Ok(PruneSummary {
                changes_deleted: 0,
                complete: true,
            });
        }
        let connections: Vec<ConnectionId> = match connection {
            Some(c) => vec![c.clone()],
            None => {
                let ids: Vec<String> = with_pool!(self, |pool| {
                    sqlx::query_scalar(
                        "SELECT DISTINCT connection_id FROM resource_changes ORDER BY connection_id",
                    )
                    .fetch_all(pool)
                    .await
                    .map_err(StoreError::query(OP))?
                });
                ids.iter()
                    .map(|id| {
                        id.parse().map_err(|e| {
                            StoreError::decode("resource_changes", id, "connection_id", e)
                        })
                    })
                    .collect::<Result<_, _>>()?
            }
        };
        let mut summary = PruneSummary {
            changes_deleted: 0,
            complete: true,
        };
        for conn in &connections {
            let by_days = retention
                .days
                .map(|d| micros(now - Duration::days(i64::from(d))));
            let by_scans = match retention.scans {
                None => None,
                Some(n) => self.nth_finished_scan(conn, n.max(1)).await?,
            };
            let Some(cutoff) = by_days.into_iter().chain(by_scans).max() else {
                continue;
            };
            loop {
                let left = max_rows.saturating_sub(summary.changes_deleted);
                if left == 0 {
                    summary.complete = false;
                    return Ok(summary);
                }
                let batch = left.min(PRUNE_BATCH);
                let n = with_pool!(self, |pool| {
                    sqlx::query(
                        "DELETE FROM resource_changes WHERE id IN (SELECT id FROM resource_changes \
                         WHERE connection_id = $1 AND at < $2 ORDER BY id LIMIT $3)",
                    )
                    .bind(conn.as_str())
                    .bind(cutoff)
                    .bind(i64::try_from(batch).unwrap_or(i64::MAX))
                    .execute(pool)
                    .await
                    .map_err(StoreError::query(OP))?
                    .rows_affected()
                });
                summary.changes_deleted += n;
                if n < batch {
                    break;
                }
            }
        }
        if summary.changes_deleted > 0 {
            tracing::info!(
                changes_deleted = summary.changes_deleted,
                complete = summary.complete,
                "change history pruned"
            );
        }
        Ok(summary)
    }

    /// When the `n`-th newest finished (succeeded or partial) scan of `conn` finished; `None`
    /// when it has fewer.
    async fn nth_finished_scan(
        &self,
        conn: &ConnectionId,
        n: u32,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        with_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT finished_at FROM scans WHERE connection_id = $1 AND status IN ($2, $3) \
                 AND finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1 OFFSET $4",
            )
            .bind(conn.as_str())
            .bind(ScanStatus::Succeeded.as_str())
            .bind(ScanStatus::Partial.as_str())
            .bind(i64::from(n) - 1)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::query("prune change history"))
        })
    }
}
