//! API-managed connections (create, read, update, delete with everything they own) and the
//! deletion of a whole organization.
//!
//! Both deletions run the same statements, once per table, in one transaction; they differ
//! only in which connections they select (one id, or every connection of an organization).

use chrono::{DateTime, Utc};
use serde_json::Value;
use skywarden_graph::ConnectionId;
use sqlx::types::Json;
use sqlx::QueryBuilder;

use super::tenancy::check_name;
use super::{Pools, Store};
use crate::error::StoreError;
use crate::plan::micros;
use crate::rows;
use crate::types::{ConnectionRecord, ConnectionUpdate, DeletedCounts, NewConnection, OrgId};

/// Which connections a cascade deletes; `$1` is the connection id or the organization id.
#[derive(Clone, Copy)]
enum Selection {
    One,
    Org,
}

impl Selection {
    /// The condition on a column holding a connection id.
    fn condition(self, col: &str) -> String {
        match self {
            Selection::One => format!("{col} = $1"),
            Selection::Org => format!("{col} IN (SELECT id FROM connections WHERE org_id = $1)"),
        }
    }
}

/// Which counter a deleted row adds to.
#[derive(Clone, Copy)]
enum Counted {
    Nothing,
    Connections,
    Scans,
    Resources,
    Findings,
    Credentials,
    Tokens,
    Suppressions,
}

impl DeletedCounts {
    fn add(&mut self, what: Counted, n: u64) {
        let slot = match what {
            Counted::Nothing => return,
            Counted::Connections => &mut self.connections,
            Counted::Scans => &mut self.scans,
            Counted::Resources => &mut self.resources,
            Counted::Findings => &mut self.findings,
            Counted::Credentials => &mut self.credentials,
            Counted::Tokens => &mut self.tokens,
            Counted::Suppressions => &mut self.suppressions,
        };
        *slot += n;
    }
}

/// The statements deleting the selected connections and everything they own, children
/// first (the older tables reference `connections` without ON DELETE CASCADE).
fn cascade(sel: Selection) -> Vec<(Counted, String)> {
    let mut out: Vec<(Counted, String)> = vec![(
        Counted::Nothing,
        format!(
            "DELETE FROM baseline_resources WHERE baseline_id IN (SELECT id FROM baselines WHERE {})",
            sel.condition("connection_id")
        ),
    )];
    out.extend(
        [
            ("baselines", Counted::Nothing),
            ("resource_changes", Counted::Nothing),
            ("finding_events", Counted::Nothing),
            ("findings", Counted::Findings),
            ("resources", Counted::Resources),
            ("scans", Counted::Scans),
            ("suppressions", Counted::Suppressions),
            ("credentials", Counted::Credentials),
            ("scan_leases", Counted::Nothing),
        ]
        .into_iter()
        .map(|(table, counted)| {
            (
                counted,
                format!(
                    "DELETE FROM {table} WHERE {}",
                    sel.condition("connection_id")
                ),
            )
        }),
    );
    out.push((
        Counted::Connections,
        format!("DELETE FROM connections WHERE {}", sel.condition("id")),
    ));
    out
}

/// JSON `null` as a schedule means "not scheduled", as `None` does.
fn schedule_of(s: Option<&Value>) -> Option<&Value> {
    s.filter(|v| !v.is_null())
}

impl Store {
    /// Creates a connection. Conflict if the id exists (in any organization: ids are
    /// global); NotFound if `org_id` names no organization.
    pub async fn create_connection(
        &self,
        c: &NewConnection,
        at: DateTime<Utc>,
    ) -> Result<ConnectionRecord, StoreError> {
        const OP: &str = "create connection";
        if let Some(name) = &c.name {
            check_name("connection name", name)?;
        }
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO connections (id, provider, created_at, org_id, name, config, schedule, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) ON CONFLICT (id) DO NOTHING",
            )
            .bind(c.id.as_str())
            .bind(c.provider.as_str())
            .bind(micros(at))
            .bind(c.org_id.as_ref().map(OrgId::as_str))
            .bind(c.name.as_deref())
            .bind(Json(&c.config))
            .bind(schedule_of(c.schedule.as_ref()).map(Json))
            .execute(pool)
            .await
            .map_err(StoreError::query(OP))
            .map_err(|e| match &c.org_id {
                Some(org) if e.is_foreign_key_violation() => StoreError::NotFound {
                    what: "organization",
                    id: org.to_string(),
                },
                _ => e,
            })?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict {
                what: "connection",
                id: c.id.to_string(),
                reason: "already exists".into(),
            });
        }
        self.get_connection(&c.id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "connection",
                id: c.id.to_string(),
            })
    }

    pub async fn get_connection(
        &self,
        id: &ConnectionId,
    ) -> Result<Option<ConnectionRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE c.id = $1",
            rows::CONNECTION_COLUMNS,
            rows::CONNECTION_FROM
        );
        with_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(id.as_str())
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("get connection"))?;
            row.as_ref().map(rows::connection).transpose()
        })
    }

    /// The organization's connections, by id.
    pub async fn list_org_connections(
        &self,
        org: &OrgId,
    ) -> Result<Vec<ConnectionRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE c.org_id = $1 ORDER BY c.id",
            rows::CONNECTION_COLUMNS,
            rows::CONNECTION_FROM
        );
        with_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .bind(org.as_str())
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list organization connections"))?;
            rows.iter().map(rows::connection).collect()
        })
    }

    /// Every connection with a schedule, in any organization (or none), by id.
    pub async fn list_scheduled_connections(&self) -> Result<Vec<ConnectionRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE c.schedule IS NOT NULL ORDER BY c.id",
            rows::CONNECTION_COLUMNS,
            rows::CONNECTION_FROM
        );
        with_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list scheduled connections"))?;
            rows.iter().map(rows::connection).collect()
        })
    }

    /// Changes the fields `u` sets and stamps `updated_at`. NotFound if absent.
    pub async fn update_connection(
        &self,
        id: &ConnectionId,
        u: &ConnectionUpdate,
        at: DateTime<Utc>,
    ) -> Result<ConnectionRecord, StoreError> {
        if let Some(Some(name)) = &u.name {
            check_name("connection name", name)?;
        }
        let schedule = u.schedule.as_ref().map(|s| schedule_of(s.as_ref()));
        let n = with_pool!(self, |pool| {
            let mut qb = QueryBuilder::new("UPDATE connections SET updated_at = ");
            qb.push_bind(micros(at));
            if let Some(name) = &u.name {
                qb.push(", name = ");
                qb.push_bind(name.as_deref());
            }
            if let Some(config) = &u.config {
                qb.push(", config = ");
                qb.push_bind(Json(config));
            }
            if let Some(s) = schedule {
                qb.push(", schedule = ");
                qb.push_bind(s.map(Json));
            }
            qb.push(" WHERE id = ");
            qb.push_bind(id.as_str());
            qb.build()
                .execute(pool)
                .await
                .map_err(StoreError::query("update connection"))?
                .rows_affected()
        });
        let found = if n == 0 {
            None
        } else {
            self.get_connection(id).await?
        };
        found.ok_or_else(|| StoreError::NotFound {
            what: "connection",
            id: id.to_string(),
        })
    }

    /// Deletes a connection and everything it owns in one transaction: baselines, change
    /// history, status history, findings, inventory, scans, its suppressions, its credential
    /// and its lease. NotFound
    /// (and nothing changed) if absent.
    pub async fn delete_connection(&self, id: &ConnectionId) -> Result<DeletedCounts, StoreError> {
        const OP: &str = "delete connection";
        let statements = cascade(Selection::One);
        let counts = with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::query(OP))?;
            let mut counts = DeletedCounts::default();
            for (counted, sql) in &statements {
                let n = sqlx::query(sql)
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?
                    .rows_affected();
                counts.add(*counted, n);
            }
            if counts.connections == 0 {
                return Err(StoreError::NotFound {
                    what: "connection",
                    id: id.to_string(),
                });
            }
            tx.commit().await.map_err(StoreError::query(OP))?;
            counts
        });
        tracing::info!(connection = %id, ?counts, "connection deleted");
        Ok(counts)
    }

    /// Deletes an organization in one transaction: every connection of it with everything
    /// it owns (as [`Store::delete_connection`]), its suppressions, tokens and audit rows,
    /// and the organization. NotFound (and nothing changed) if absent.
    pub async fn delete_org(&self, id: &OrgId) -> Result<DeletedCounts, StoreError> {
        const OP: &str = "delete organization";
        let mut statements = cascade(Selection::Org);
        statements.extend([
            (
                Counted::Suppressions,
                "DELETE FROM suppressions WHERE org_id = $1".to_string(),
            ),
            (
                Counted::Tokens,
                "DELETE FROM api_tokens WHERE org_id = $1".to_string(),
            ),
            (
                Counted::Nothing,
                "DELETE FROM audit_log WHERE org_id = $1".to_string(),
            ),
        ]);
        let counts = with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::query(OP))?;
            let mut counts = DeletedCounts::default();
            for (counted, sql) in &statements {
                let n = sqlx::query(sql)
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?
                    .rows_affected();
                counts.add(*counted, n);
            }
            let n = sqlx::query("DELETE FROM organizations WHERE id = $1")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound {
                    what: "organization",
                    id: id.to_string(),
                });
            }
            tx.commit().await.map_err(StoreError::query(OP))?;
            counts
        });
        tracing::info!(org = %id, ?counts, "organization deleted");
        Ok(counts)
    }
}
