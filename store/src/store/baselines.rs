//! Baselines: pinning a connection's latest finished scan as its approved state (optionally
//! only the resources with one tag), approving single resources into it, and loading every
//! baseline of a connection for the drift rules.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use skywarden_graph::{BaselineId, ConnectionId, Resource, ResourceId, Scope};
use skywarden_rules::{BaselineView, PinnedBaseline};
use sqlx::types::Json;
use sqlx::QueryBuilder;

use super::{queries, Pools, Store};
use crate::drift::{Approval, ApprovalAction, BaselineEntry, BaselineRecord, NewBaseline};
use crate::error::StoreError;
use crate::plan::micros;
use crate::rows;
use crate::types::ScanStatus;

impl Store {
    /// Pins the connection's latest finished (succeeded or partial) scan as a baseline: a copy
    /// of every stored resource that scan saw completely (and, with a selector, that carries
    /// its tag), plus the scopes it saw completely. One baseline per (connection, selector):
    /// another one with the same selector is a Conflict unless `replace`.
    ///
    /// Only the latest finished scan can be pinned (its resources are what is stored); naming
    /// an older one is a Conflict. NotFound if the connection does not exist.
    pub async fn pin_baseline(&self, b: &NewBaseline) -> Result<BaselineRecord, StoreError> {
        const OP: &str = "pin baseline";
        let conn = &b.connection_id;
        if self.get_connection(conn).await?.is_none() {
            return Err(StoreError::NotFound {
                what: "connection",
                id: conn.to_string(),
            });
        }
        let latest =
            self.latest_finished_scan(conn)
                .await?
                .ok_or_else(|| StoreError::Conflict {
                    what: "connection",
                    id: conn.to_string(),
                    reason: "has no finished scan to pin; scan it first".into(),
                })?;
        if let Some(asked) = b.scan_id {
            if asked != latest.id {
                return Err(StoreError::Conflict {
                    what: "scan",
                    id: asked.to_string(),
                    reason: format!(
                        "is not the latest finished scan of connection {conn} ({}); only that one can be pinned, because the stored inventory is what it saw",
                        latest.id
                    ),
                });
            }
        }
        let scopes: BTreeSet<Scope> = latest.coverage.complete_scopes().cloned().collect();
        let scopes_json = serde_json::to_value(&scopes).map_err(|e| StoreError::Encode {
            what: "baseline scopes",
            key: conn.to_string(),
            reason: e.to_string(),
        })?;
        let selector_text = b.selector.as_ref().map_or(String::new(), |s| s.to_string());
        let id = BaselineId::new();
        let at = micros(b.at);
        let backend = self.backend();
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::query(OP))?;
            let existing: Option<String> = sqlx::query_scalar(
                "SELECT id FROM baselines WHERE connection_id = $1 AND selector = $2",
            )
            .bind(conn.as_str())
            .bind(&selector_text)
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?;
            if let Some(old) = existing {
                if !b.replace {
                    return Err(StoreError::Conflict {
                        what: "baseline",
                        id: old,
                        reason: format!(
                            "already pins connection {conn}{}; replace it explicitly or delete it first",
                            if selector_text.is_empty() { String::new() } else { format!(" for {selector_text}") }
                        ),
                    });
                }
                sqlx::query("DELETE FROM baseline_resources WHERE baseline_id = $1")
                    .bind(&old)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
                sqlx::query("DELETE FROM baselines WHERE id = $1")
                    .bind(&old)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            }
            sqlx::query(
                "INSERT INTO baselines (id, connection_id, scan_id, selector, selector_key, selector_value, \
                 scopes, note, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            )
            .bind(id.to_string())
            .bind(conn.as_str())
            .bind(latest.id.to_string())
            .bind(&selector_text)
            .bind(b.selector.as_ref().map(|s| s.key.as_str()))
            .bind(b.selector.as_ref().map(|s| s.value.as_str()))
            .bind(Json(&scopes_json))
            .bind(b.note.as_deref())
            .bind(b.created_by.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?;
            // What the latest scan saw completely is exactly what it last wrote or confirmed.
            let mut qb = QueryBuilder::new(
                "INSERT INTO baseline_resources (baseline_id, resource_id, kind, account_id, region, document, \
                 content_hash, approved_at, approved_by) SELECT ",
            );
            qb.push_bind(id.to_string());
            qb.push(", resource_id, kind, account_id, region, document, content_hash, ");
            qb.push_bind(at);
            qb.push(", ");
            qb.push_bind(b.created_by.as_str());
            qb.push(" FROM resources WHERE connection_id = ");
            qb.push_bind(conn.as_str());
            qb.push(" AND last_scan_id = ");
            qb.push_bind(latest.id.to_string());
            if let Some(s) = &b.selector {
                queries::push_tag(
                    &mut qb,
                    backend,
                    &queries::RESOURCE_TAGS,
                    &s.key,
                    Some(&s.value),
                );
            }
            qb.build()
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            tx.commit().await.map_err(StoreError::query(OP))
        })?;
        let record = self
            .get_baseline(id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "baseline",
                id: id.to_string(),
            })?;
        tracing::info!(connection = %conn, baseline = %id, scan = %latest.id, resources = record.resource_count, "baseline pinned");
        Ok(record)
    }

    /// The latest finished (succeeded or partial) scan of `conn`.
    async fn latest_finished_scan(
        &self,
        conn: &ConnectionId,
    ) -> Result<Option<crate::types::ScanRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM scans WHERE connection_id = $1 AND status IN ($2, $3) AND finished_at IS NOT NULL \
             ORDER BY finished_at DESC, id DESC LIMIT 1",
            rows::SCAN_COLUMNS
        );
        with_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(conn.as_str())
                .bind(ScanStatus::Succeeded.as_str())
                .bind(ScanStatus::Partial.as_str())
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("latest finished scan"))?;
            row.as_ref().map(rows::scan).transpose()
        })
    }

    pub async fn get_baseline(&self, id: BaselineId) -> Result<Option<BaselineRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM baselines b WHERE b.id = $1",
            rows::BASELINE_COLUMNS
        );
        with_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(id.to_string())
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("get baseline"))?;
            row.as_ref().map(rows::baseline).transpose()
        })
    }

    /// Baselines of these connections (every connection when `None`), by connection, then pin
    /// time.
    pub async fn list_baselines(
        &self,
        connections: Option<&[ConnectionId]>,
    ) -> Result<Vec<BaselineRecord>, StoreError> {
        if connections.is_some_and(|c| c.is_empty()) {
            return Ok(Vec::new());
        }
        let head = format!(
            "SELECT {} FROM baselines b WHERE 1 = 1",
            rows::BASELINE_COLUMNS
        );
        with_pool!(self, |pool| {
            let mut qb = QueryBuilder::new(head.as_str());
            if let Some(conns) = connections {
                queries::push_in(
                    &mut qb,
                    "b.connection_id",
                    conns.iter().map(ConnectionId::as_str),
                );
            }
            qb.push(" ORDER BY b.connection_id, b.created_at, b.id");
            let rows = qb
                .build()
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list baselines"))?;
            rows.iter().map(rows::baseline).collect()
        })
    }

    /// The approved resources of a baseline by resource id, after `after`, at most `limit`.
    pub async fn baseline_entries(
        &self,
        id: BaselineId,
        after: Option<&ResourceId>,
        limit: Option<u32>,
    ) -> Result<Vec<BaselineEntry>, StoreError> {
        let head = format!(
            "SELECT {} FROM baseline_resources WHERE baseline_id = ",
            rows::BASELINE_ENTRY_COLUMNS
        );
        with_pool!(self, |pool| {
            let mut qb = QueryBuilder::new(head.as_str());
            qb.push_bind(id.to_string());
            if let Some(a) = after {
                qb.push(" AND resource_id > ");
                qb.push_bind(a.as_str());
            }
            qb.push(" ORDER BY resource_id");
            if let Some(n) = limit {
                qb.push(" LIMIT ");
                qb.push_bind(i64::from(n));
            }
            let rows = qb
                .build()
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list baseline resources"))?;
            rows.iter().map(rows::baseline_entry).collect()
        })
    }

    /// Deletes a baseline and its approved resources; its drift findings resolve on the next
    /// scan. NotFound if absent.
    pub async fn delete_baseline(&self, id: BaselineId) -> Result<(), StoreError> {
        const OP: &str = "delete baseline";
        let n = with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::query(OP))?;
            sqlx::query("DELETE FROM baseline_resources WHERE baseline_id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            let n = sqlx::query("DELETE FROM baselines WHERE id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?
                .rows_affected();
            tx.commit().await.map_err(StoreError::query(OP))?;
            n
        });
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "baseline",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    /// Approves the current state of one resource into the connection's baselines (only
    /// `baseline` when given): where a baseline holds the resource, its approved document
    /// becomes the stored one (or, for a resource no longer stored, it leaves the baseline);
    /// a stored resource no baseline holds is added to the most recently pinned baseline that
    /// covers it (its scope was pinned and it carries the selector's tag). Nothing else
    /// changes. NotFound when the resource is neither stored nor in a baseline; Conflict when
    /// no baseline covers a new resource.
    pub async fn approve_resource(
        &self,
        connection: &ConnectionId,
        baseline: Option<BaselineId>,
        resource_id: &ResourceId,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Approval>, StoreError> {
        const OP: &str = "approve resource";
        let at = micros(at);
        let mut baselines: Vec<BaselineRecord> = self
            .list_baselines(Some(std::slice::from_ref(connection)))
            .await?;
        if let Some(only) = baseline {
            baselines.retain(|b| b.id == only);
            if baselines.is_empty() {
                return Err(StoreError::NotFound {
                    what: "baseline",
                    id: format!("{only} of connection {connection}"),
                });
            }
        }
        if baselines.is_empty() {
            return Err(StoreError::Conflict {
                what: "connection",
                id: connection.to_string(),
                reason: "has no baseline; pin one first".into(),
            });
        }
        let resource_sql = format!(
            "SELECT {}, kind, account_id, region, content_hash FROM resources WHERE connection_id = $1 AND resource_id = $2",
            rows::RESOURCE_COLUMNS
        );
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::query(OP))?;
            let row = sqlx::query(&resource_sql)
                .bind(connection.as_str())
                .bind(resource_id.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            let current: Option<(Resource, String)> = match &row {
                None => None,
                Some(r) => Some((
                    rows::resource(r)?,
                    rows::text(r, "resources", "content_hash")?,
                )),
            };
            let mut holding = Vec::new();
            for b in &baselines {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM baseline_resources WHERE baseline_id = $1 AND resource_id = $2",
                )
                .bind(b.id.to_string())
                .bind(resource_id.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
                if n > 0 {
                    holding.push(b.id);
                }
            }
            let mut out = Vec::new();
            match &current {
                Some((r, hash)) => {
                    let document = serde_json::to_value(r).map_err(|e| StoreError::Encode {
                        what: "resource",
                        key: r.id.to_string(),
                        reason: e.to_string(),
                    })?;
                    let targets: Vec<(BaselineId, ApprovalAction)> = if holding.is_empty() {
                        let covering = baselines
                            .iter()
                            .filter(|b| pinned(b).covers(r))
                            .max_by_key(|b| (b.created_at, b.id))
                            .ok_or_else(|| StoreError::Conflict {
                                what: "resource",
                                id: resource_id.to_string(),
                                reason: "no baseline covers it (its account, region and kind were not pinned, or it lacks the baseline's tag)".into(),
                            })?;
                        vec![(covering.id, ApprovalAction::Added)]
                    } else {
                        holding
                            .iter()
                            .map(|id| (*id, ApprovalAction::Updated))
                            .collect()
                    };
                    for (bid, action) in targets {
                        sqlx::query(
                            "INSERT INTO baseline_resources (baseline_id, resource_id, kind, account_id, region, document, \
                             content_hash, approved_at, approved_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                             ON CONFLICT (baseline_id, resource_id) DO UPDATE SET kind = excluded.kind, \
                             account_id = excluded.account_id, region = excluded.region, document = excluded.document, \
                             content_hash = excluded.content_hash, approved_at = excluded.approved_at, \
                             approved_by = excluded.approved_by",
                        )
                        .bind(bid.to_string())
                        .bind(resource_id.as_str())
                        .bind(r.kind().as_str())
                        .bind(r.account_id.as_str())
                        .bind(r.region.as_str())
                        .bind(Json(&document))
                        .bind(hash.as_str())
                        .bind(at)
                        .bind(by)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::query(OP))?;
                        out.push(Approval {
                            baseline_id: bid,
                            resource_id: resource_id.clone(),
                            action,
                        });
                    }
                }
                None => {
                    if holding.is_empty() {
                        return Err(StoreError::NotFound {
                            what: "resource",
                            id: format!("{resource_id} (neither stored nor in a baseline of connection {connection})"),
                        });
                    }
                    for bid in &holding {
                        sqlx::query(
                            "DELETE FROM baseline_resources WHERE baseline_id = $1 AND resource_id = $2",
                        )
                        .bind(bid.to_string())
                        .bind(resource_id.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::query(OP))?;
                        out.push(Approval {
                            baseline_id: *bid,
                            resource_id: resource_id.clone(),
                            action: ApprovalAction::Removed,
                        });
                    }
                }
            }
            for a in &out {
                sqlx::query("UPDATE baselines SET updated_at = $1 WHERE id = $2")
                    .bind(at)
                    .bind(a.baseline_id.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            }
            tx.commit().await.map_err(StoreError::query(OP))?;
            tracing::info!(connection = %connection, resource = %resource_id, approvals = out.len(), "resource approved into baseline");
            Ok(out)
        })
    }

    /// Every baseline of `connection` with its approved resources, for the drift rules. A
    /// stored document that no longer parses into its model is an error (the drift rules
    /// then do not run; re-pin the baseline).
    pub async fn baseline_view(
        &self,
        connection: &ConnectionId,
    ) -> Result<BaselineView, StoreError> {
        let records = self
            .list_baselines(Some(std::slice::from_ref(connection)))
            .await?;
        if records.is_empty() {
            return Ok(BaselineView::default());
        }
        let resources: Vec<(BaselineId, Resource)> = with_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT br.baseline_id, br.resource_id, br.document FROM baseline_resources br \
                 JOIN baselines b ON b.id = br.baseline_id WHERE b.connection_id = $1 ORDER BY br.resource_id",
            )
            .bind(connection.as_str())
            .fetch_all(pool)
            .await
            .map_err(StoreError::query("load baselines"))?;
            rows.iter()
                .map(rows::baseline_resource)
                .collect::<Result<_, _>>()?
        });
        BaselineView::new(records.iter().map(pinned).collect(), resources).map_err(|e| {
            StoreError::decode("baseline_resources", connection.as_str(), "baseline_id", e)
        })
    }
}

/// The rules' view of a stored baseline.
fn pinned(b: &BaselineRecord) -> PinnedBaseline {
    PinnedBaseline {
        id: b.id,
        scan_id: b.scan_id,
        selector: b.selector.clone(),
        scopes: b.scopes.clone(),
        pinned_at: b.created_at,
    }
}
