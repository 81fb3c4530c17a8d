//! [`Store`]: one handle over a SQLite or Postgres pool, and the repositories.
//!
//! Every statement is written once, with `$N` placeholders (sqlx's SQLite driver accepts
//! them) or with `QueryBuilder::push_bind`, which emits each backend's own placeholder. The
//! `with_pool!` macro expands one method body for both pool types, so repository code is
//! not duplicated and each expansion is checked against its concrete driver.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use skywarden_graph::{ConnectionId, Resource, ScanId};
use skywarden_rules::{FindingRecord, FindingStatus, Suppression};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::types::Json;
use sqlx::{Connection, QueryBuilder};

use crate::changeset;
use crate::cursor;
use crate::drift::ChangeKind;
use crate::error::{Secrets, StoreError};
use crate::plan::{may_resolve, micros, Plan};
use crate::rows;
use crate::sealing::{self, MasterKey};
use crate::types::{
    severity_rank, Backend, CredentialInfo, CredentialKind, FindingFilter, NewScan, PersistSummary,
    ScanComparison, ScanOutcome, ScanRecord, ScanStatus,
};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Rows per multi-row statement. SQLite allows 32,766 bound parameters per statement and
/// Postgres 65,535; the widest row (findings) binds 19, so 500 rows stay well below both.
const BATCH_ROWS: usize = 500;

/// How long connecting to Postgres (and later, waiting for a pooled connection) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

const ACCEPTED: &str =
    "expected sqlite://PATH, sqlite::memory:, postgres://... or postgresql://...";

#[derive(Clone)]
enum Pools {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Expands `$body` once per backend with `$pool` bound to that backend's concrete pool.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pools {
            Pools::Sqlite($pool) => $body,
            Pools::Postgres($pool) => $body,
        }
    };
}

// Repositories in submodules (declared after the macro, so it is in scope there).
mod baselines;
mod connections;
mod coverage;
mod health;
mod history;
mod leases;
mod queries;
mod suppressions;
mod tenancy;

pub use leases::ABANDONED;
pub use tenancy::TOKEN_PREFIX;

/// A handle to the database: cheap to clone, safe to share between tasks.
#[derive(Clone)]
pub struct Store {
    pools: Pools,
    /// The URL with passwords masked, for logs.
    target: String,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .field("target", &self.target)
            .finish()
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn len(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl Store {
    /// Opens the database at `url`, checks it is reachable and writable, and applies the
    /// migrations.
    ///
    /// Accepted: `sqlite://PATH` (relative or absolute; the file is created if missing, its
    /// directory is not), `sqlite::memory:`, `postgres://...` and `postgresql://...`.
    /// SQLite files use WAL, foreign keys and a 5 s busy timeout. A SQLite file this call
    /// created is removed again if opening fails later on.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let secrets = Secrets::of(url);
        let scheme_is = |prefix: &str| {
            url.get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        };
        if url == "sqlite::memory:" {
            return connect_sqlite(SqliteTarget::Memory, &secrets).await;
        }
        if scheme_is("sqlite://") {
            let rest = &url["sqlite://".len()..];
            let invalid = |reason: &str| StoreError::InvalidUrl {
                url: secrets.redacted_url().to_string(),
                reason: reason.into(),
            };
            if rest.is_empty() {
                return Err(invalid("missing file path; expected sqlite://PATH"));
            }
            if rest.contains('?') {
                return Err(invalid(
                    "URL parameters are not supported; expected sqlite://PATH",
                ));
            }
            if rest == ":memory:" {
                return connect_sqlite(SqliteTarget::Memory, &secrets).await;
            }
            // sqlx percent-decodes the path, as a URL should be.
            let options =
                SqliteConnectOptions::from_str(url).map_err(|e| invalid(&secrets.scrub(e)))?;
            let path = options.get_filename().to_path_buf();
            return connect_sqlite(SqliteTarget::File(path), &secrets).await;
        }
        if scheme_is("postgres://") || scheme_is("postgresql://") {
            return connect_postgres(url, &secrets).await;
        }
        Err(StoreError::InvalidUrl {
            url: secrets.redacted_url().to_string(),
            reason: format!("unsupported scheme; {ACCEPTED}"),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite(_) => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// The database URL with passwords masked.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Closes every connection; waits for checked-out connections to come back.
    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }

    /// Records a scan as running, creating its connection row on first use.
    pub async fn begin_scan(&self, scan: &NewScan) -> Result<(), StoreError> {
        const OP: &str = "begin scan";
        let started = micros(scan.started_at);
        let conn = scan.connection_id.as_str();
        let id = scan.id.to_string();
        let provider = scan.provider.as_str();
        let empty = Value::Array(Vec::new());
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::query(OP))?;
            sqlx::query("INSERT INTO connections (id, provider, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .bind(conn)
                .bind(provider)
                .bind(started)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            let stored: String =
                sqlx::query_scalar("SELECT provider FROM connections WHERE id = $1")
                    .bind(conn)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            if stored != provider {
                return Err(StoreError::Conflict {
                    what: "connection",
                    id: conn.to_string(),
                    reason: format!(
                        "is stored as a {stored} connection, the scan is for {provider}"
                    ),
                });
            }
            let inserted = sqlx::query(
                "INSERT INTO scans (id, connection_id, provider, \"trigger\", status, started_at, coverage, errors) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&id)
            .bind(conn)
            .bind(provider)
            .bind(scan.trigger.as_str())
            .bind(ScanStatus::Running.as_str())
            .bind(started)
            .bind(Json(&empty))
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?
            .rows_affected();
            if inserted == 0 {
                return Err(StoreError::Conflict {
                    what: "scan",
                    id,
                    reason: "already exists".into(),
                });
            }
            tx.commit().await.map_err(StoreError::query(OP))
        })
    }

    /// Persists a finished scan in one transaction: inventory of Complete scopes, findings,
    /// resolution, and the scan row. On any error nothing is changed.
    ///
    /// 1. For every Complete (account, region, kind): upsert the scan's resources (first_seen
    ///    kept) and delete the stored ones it no longer has. Resources of Failed or Skipped
    ///    scopes are neither written nor deleted; resources of a scope with no coverage entry
    ///    are not written (a warning is logged).
    /// 2. Upsert every finding: new keys open with first_seen = `finished_at`; open ones are
    ///    refreshed; resolved ones reopen with first_seen kept.
    /// 3. Resolve every open finding of the connection that the scan did not report, only if
    ///    every kind its rule reads was Complete in the finding's account and region.
    /// 4. Finish the scan row with a status from coverage ([`ScanStatus::from_coverage`]).
    pub async fn finish_scan(
        &self,
        outcome: &ScanOutcome<'_>,
    ) -> Result<PersistSummary, StoreError> {
        const OP: &str = "finish scan";
        let plan = Plan::new(outcome)?;
        let conn = outcome.connection_id.as_str();
        let scan_id = outcome.scan_id.to_string();
        let at = plan.finished_at;
        let stale_sql = format!(
            "SELECT {} FROM findings WHERE connection_id = $1 AND status <> $2 AND last_scan_id <> $3",
            rows::STALE_FINDING_COLUMNS
        );
        let sup_sql = format!(
            "SELECT {} FROM suppressions WHERE (connection_id IS NULL OR connection_id = $1) \
             AND revoked_at IS NULL AND {} ORDER BY created_at, id",
            rows::SUPPRESSION_COLUMNS,
            suppressions::SAME_OWNER
        );
        let seen: Vec<changeset::Seen<'_>> = plan
            .resources
            .iter()
            .map(|w| changeset::Seen {
                resource_id: w.resource.id.as_str(),
                content_hash: &w.content_hash,
                document_hash: &w.document_hash,
            })
            .collect();
        let complete: BTreeSet<(String, String, String)> = plan
            .complete_scopes
            .iter()
            .map(|s| {
                (
                    s.account_id.to_string(),
                    s.region.to_string(),
                    s.kind.as_str().to_string(),
                )
            })
            .collect();
        let summary = with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::query(OP))?;

            // 0. Claim the scan. A write first, so SQLite takes its write lock before any read.
            let claimed = sqlx::query(
                "UPDATE scans SET finished_at = $1 WHERE id = $2 AND connection_id = $3 AND status = $4",
            )
            .bind(at)
            .bind(&scan_id)
            .bind(conn)
            .bind(ScanStatus::Running.as_str())
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?
            .rows_affected();
            if claimed == 0 {
                let row = sqlx::query("SELECT id, connection_id, status FROM scans WHERE id = $1")
                    .bind(&scan_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
                let state = row.as_ref().map(rows::scan_state).transpose()?;
                return Err(not_running(
                    &outcome.scan_id,
                    Some(&outcome.connection_id),
                    state,
                ));
            }

            // 1. Inventory and change history. What is stored for the connection...
            let stored = sqlx::query(
                "SELECT resource_id, kind, account_id, region, content_hash, document_hash \
                 FROM resources WHERE connection_id = $1",
            )
            .bind(conn)
            .fetch_all(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?
            .iter()
            .map(rows::stored_row)
            .collect::<Result<Vec<_>, _>>()?;
            // ...compared with what the Complete scopes hold now, by content hash...
            let part = changeset::partition(&seen, stored, &complete);
            // ...with the previous documents where the content differs or the row goes...
            let wanted: Vec<&str> = part
                .compared
                .iter()
                .map(|i| plan.resources[*i].resource.id.as_str())
                .chain(part.deleted.iter().map(|r| r.resource_id.as_str()))
                .collect();
            let mut previous: HashMap<String, Value> = HashMap::with_capacity(wanted.len());
            for chunk in wanted.chunks(BATCH_ROWS) {
                let mut qb = QueryBuilder::new(
                    "SELECT resource_id, document FROM resources WHERE connection_id = ",
                );
                qb.push_bind(conn);
                queries::push_in(&mut qb, "resource_id", chunk.iter().copied());
                for row in qb
                    .build()
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?
                {
                    let (id, doc) = rows::raw_document(&row)?;
                    previous.insert(id, doc);
                }
            }
            // ...so that only real modifications are recorded (volatile fields do not count).
            let mut changes: Vec<ChangeWrite<'_>> = Vec::new();
            for i in &part.created {
                let w = &plan.resources[*i];
                changes.push(ChangeWrite::of(w, ChangeKind::Created, None, None));
            }
            let mut rewrite: Vec<usize> = part.created.clone();
            rewrite.extend(&part.refreshed);
            for i in &part.compared {
                let w = &plan.resources[*i];
                let before = previous
                    .remove(w.resource.id.as_str())
                    .unwrap_or(Value::Null);
                let ops = changeset::modification(before, w.resource);
                if !ops.is_empty() {
                    let patch = serde_json::to_value(&ops).map_err(|e| StoreError::Encode {
                        what: "resource change",
                        key: w.resource.id.to_string(),
                        reason: e.to_string(),
                    })?;
                    changes.push(ChangeWrite::of(w, ChangeKind::Modified, Some(patch), None));
                }
                rewrite.push(*i);
            }
            rewrite.sort_unstable();
            let created = len(part.created.len());
            let modified = len(changes.len()) - created;

            // Rows to (re)write: new, modified, or refreshed documents (first_seen kept).
            let writes: Vec<&crate::plan::ResourceWrite<'_>> =
                rewrite.iter().map(|i| &plan.resources[*i]).collect();
            for chunk in writes.chunks(BATCH_ROWS) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO resources (connection_id, resource_id, kind, account_id, region, name, document, \
                     content_hash, document_hash, first_seen, last_seen, last_scan_id) ",
                );
                qb.push_values(chunk, |mut row, w| {
                    let r = w.resource;
                    row.push_bind(conn)
                        .push_bind(r.id.as_str())
                        .push_bind(w.kind)
                        .push_bind(r.account_id.as_str())
                        .push_bind(r.region.as_str())
                        .push_bind(r.name.as_deref())
                        .push_bind(Json(&w.document))
                        .push_bind(w.content_hash.as_str())
                        .push_bind(w.document_hash.as_str())
                        .push_bind(at)
                        .push_bind(at)
                        .push_bind(scan_id.as_str());
                });
                qb.push(
                    " ON CONFLICT (connection_id, resource_id) DO UPDATE SET kind = excluded.kind, \
                     account_id = excluded.account_id, region = excluded.region, name = excluded.name, \
                     document = excluded.document, content_hash = excluded.content_hash, \
                     document_hash = excluded.document_hash, last_seen = excluded.last_seen, \
                     last_scan_id = excluded.last_scan_id",
                );
                qb.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            }
            // Unchanged rows: only seen again.
            let unchanged: Vec<&str> = part
                .unchanged
                .iter()
                .map(|i| plan.resources[*i].resource.id.as_str())
                .collect();
            for chunk in unchanged.chunks(BATCH_ROWS) {
                let mut qb = QueryBuilder::new("UPDATE resources SET last_seen = ");
                qb.push_bind(at);
                qb.push(", last_scan_id = ");
                qb.push_bind(scan_id.as_str());
                qb.push(" WHERE connection_id = ");
                qb.push_bind(conn);
                queries::push_in(&mut qb, "resource_id", chunk.iter().copied());
                qb.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            }
            // Rows of the Complete scopes the scan no longer saw.
            let mut resources_deleted = 0;
            for chunk in part.deleted.chunks(BATCH_ROWS) {
                let mut qb = QueryBuilder::new("DELETE FROM resources WHERE connection_id = ");
                qb.push_bind(conn);
                queries::push_in(
                    &mut qb,
                    "resource_id",
                    chunk.iter().map(|r| r.resource_id.as_str()),
                );
                resources_deleted += qb
                    .build()
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?
                    .rows_affected();
            }
            for r in &part.deleted {
                changes.push(ChangeWrite {
                    resource_id: r.resource_id.as_str(),
                    kind: r.kind.as_str(),
                    account_id: r.account_id.as_str(),
                    region: r.region.as_str(),
                    change: ChangeKind::Deleted,
                    content_hash: None,
                    patch: None,
                    document: previous.remove(r.resource_id.as_str()),
                });
            }
            for chunk in changes.chunks(BATCH_ROWS) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO resource_changes (connection_id, scan_id, at, resource_id, kind, account_id, \
                     region, change, content_hash, patch, document) ",
                );
                qb.push_values(chunk, |mut row, c| {
                    row.push_bind(conn)
                        .push_bind(scan_id.as_str())
                        .push_bind(at)
                        .push_bind(c.resource_id)
                        .push_bind(c.kind)
                        .push_bind(c.account_id)
                        .push_bind(c.region)
                        .push_bind(c.change.as_str())
                        .push_bind(c.content_hash)
                        .push_bind(c.patch.as_ref().map(Json))
                        .push_bind(c.document.as_ref().map(Json));
                });
                qb.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            }

            // 2. Suppressions that apply to this connection (revoked ones never match).
            let sup_rows = sqlx::query(&sup_sql)
                .bind(conn)
                .fetch_all(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            let mut suppressions = sup_rows
                .iter()
                .map(rows::suppression)
                .collect::<Result<Vec<Suppression>, _>>()?;
            let active: Vec<usize> = (0..suppressions.len())
                .filter(|i| suppressions[*i].is_active(at))
                .collect();
            let mut matched = vec![0u64; suppressions.len()];

            // 3. Findings: learn which keys exist and in which state, decide, then upsert.
            let mut prior: HashMap<String, (FindingStatus, u32)> = HashMap::new();
            for chunk in plan.findings.chunks(BATCH_ROWS) {
                let mut qb = QueryBuilder::new(
                    "SELECT key, status, regression_count FROM findings WHERE connection_id = ",
                );
                qb.push_bind(conn);
                qb.push(" AND key IN (");
                {
                    let mut keys = qb.separated(", ");
                    for w in chunk {
                        keys.push_bind(w.finding.key.as_str());
                    }
                }
                qb.push(")");
                for row in qb
                    .build()
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?
                {
                    let (key, status, n) = rows::finding_status(&row)?;
                    prior.insert(key, (status, n));
                }
            }
            let mut summary = PersistSummary {
                resources_written: len(plan.resources.len()),
                resources_deleted,
                resources_created: created,
                resources_modified: modified,
                resources_unchanged: len(plan.resources.len()) - created - modified,
                findings_new: 0,
                findings_regressed: 0,
                findings_resolved: 0,
                findings_suppressed: 0,
                findings_unsuppressed: 0,
                stale_suppressions: Vec::new(),
                status: plan.status,
            };
            // (status, regression count, suppression id) per finding, and status events.
            let mut decided: Vec<(FindingStatus, u32, Option<&str>)> =
                Vec::with_capacity(plan.findings.len());
            let mut events: Vec<(&str, FindingStatus)> = Vec::new();
            for w in &plan.findings {
                let f = w.finding;
                let sup = active
                    .iter()
                    .copied()
                    .find(|i| suppressions[*i].matches(&outcome.connection_id, f));
                if let Some(i) = sup {
                    matched[i] += 1;
                    summary.findings_suppressed += 1;
                }
                let sup_id = sup.map(|i| suppressions[i].id.as_str());
                let (status, n, changed) = match (prior.get(f.key.as_str()).copied(), sup) {
                    (None, None) => {
                        summary.findings_new += 1;
                        (FindingStatus::Open, 0, true)
                    }
                    (None, Some(_)) => {
                        summary.findings_new += 1;
                        (FindingStatus::Suppressed, 0, true)
                    }
                    (Some((FindingStatus::Resolved, n)), s) => {
                        summary.findings_regressed += 1;
                        let to = if s.is_some() {
                            FindingStatus::Suppressed
                        } else {
                            FindingStatus::Regressed
                        };
                        (to, n.saturating_add(1), true)
                    }
                    (Some((FindingStatus::Suppressed, n)), None) => {
                        summary.findings_unsuppressed += 1;
                        let to = if n > 0 {
                            FindingStatus::Regressed
                        } else {
                            FindingStatus::Open
                        };
                        (to, n, true)
                    }
                    (Some((FindingStatus::Suppressed, n)), Some(_)) => {
                        (FindingStatus::Suppressed, n, false)
                    }
                    (Some((active_status, n)), Some(_)) => {
                        let _ = active_status;
                        (FindingStatus::Suppressed, n, true)
                    }
                    (Some((active_status, n)), None) => (active_status, n, false),
                };
                if changed {
                    events.push((f.key.as_str(), status));
                }
                decided.push((status, n, sup_id));
            }
            for (chunk, states) in plan
                .findings
                .chunks(BATCH_ROWS)
                .zip(decided.chunks(BATCH_ROWS))
            {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO findings (connection_id, key, rule_id, severity, severity_rank, category, title, \
                     resource_id, resource_kind, account_id, region, evidence, monthly_cost_usd, pricing_basis, \
                     status, first_seen, last_seen, resolved_at, first_scan_id, last_scan_id, regression_count, \
                     suppression_id, resource_tags) ",
                );
                qb.push_values(
                    chunk.iter().zip(states),
                    |mut row, (w, (status, n, sup_id))| {
                        let f = w.finding;
                        row.push_bind(conn)
                            .push_bind(f.key.as_str())
                            .push_bind(f.rule_id.as_str())
                            .push_bind(f.severity.as_str())
                            .push_bind(w.severity_rank)
                            .push_bind(f.category.as_str())
                            .push_bind(f.title.as_str())
                            .push_bind(f.resource_id.as_str())
                            .push_bind(f.resource_kind.as_str())
                            .push_bind(f.account_id.as_str())
                            .push_bind(f.region.as_str())
                            .push_bind(Json(&w.evidence))
                            .push_bind(f.monthly_cost_usd)
                            .push_bind(w.pricing_basis.as_ref().map(Json))
                            .push_bind(status.as_str())
                            .push_bind(at)
                            .push_bind(at)
                            .push("NULL")
                            .push_bind(scan_id.as_str())
                            .push_bind(scan_id.as_str())
                            .push_bind(i64::from(*n))
                            .push_bind(*sup_id)
                            .push_bind(Json(&w.resource_tags));
                    },
                );
                qb.push(
                    " ON CONFLICT (connection_id, key) DO UPDATE SET rule_id = excluded.rule_id, \
                     severity = excluded.severity, severity_rank = excluded.severity_rank, \
                     category = excluded.category, title = excluded.title, resource_id = excluded.resource_id, \
                     resource_kind = excluded.resource_kind, account_id = excluded.account_id, \
                     region = excluded.region, evidence = excluded.evidence, \
                     monthly_cost_usd = excluded.monthly_cost_usd, pricing_basis = excluded.pricing_basis, \
                     status = excluded.status, last_seen = excluded.last_seen, resolved_at = NULL, \
                     last_scan_id = excluded.last_scan_id, regression_count = excluded.regression_count, \
                     suppression_id = excluded.suppression_id, resource_tags = excluded.resource_tags",
                );
                qb.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            }

            // 4. Resolve stored findings the scan did not report (every reported one now has
            //    this scan as last_scan_id), where their rule ran and its kinds were all seen
            //    completely. Suppressed ones resolve too: the problem is gone.
            let stale = sqlx::query(&stale_sql)
                .bind(conn)
                .bind(FindingStatus::Resolved.as_str())
                .bind(scan_id.as_str())
                .fetch_all(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            let mut to_resolve = Vec::new();
            for row in &stale {
                let s = rows::stale_finding(row)?;
                if may_resolve(
                    outcome.coverage,
                    outcome.rules,
                    outcome.evaluated_rules,
                    &s.rule_id,
                    s.resource_kind,
                    &s.account_id,
                    &s.region,
                ) {
                    to_resolve.push(s.key);
                }
            }
            for chunk in to_resolve.chunks(BATCH_ROWS) {
                let mut qb = QueryBuilder::new("UPDATE findings SET status = ");
                qb.push_bind(FindingStatus::Resolved.as_str());
                qb.push(", resolved_at = ");
                qb.push_bind(at);
                qb.push(", suppression_id = NULL WHERE connection_id = ");
                qb.push_bind(conn);
                qb.push(" AND key IN (");
                {
                    let mut keys = qb.separated(", ");
                    for k in chunk {
                        keys.push_bind(k.as_str());
                    }
                }
                qb.push(")");
                summary.findings_resolved += qb
                    .build()
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?
                    .rows_affected();
            }
            events.extend(
                to_resolve
                    .iter()
                    .map(|k| (k.as_str(), FindingStatus::Resolved)),
            );

            // 5. Status history: one row per finding whose status this scan changed.
            for chunk in events.chunks(BATCH_ROWS) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO finding_events (connection_id, scan_id, key, status, at) ",
                );
                qb.push_values(chunk, |mut row, (key, status)| {
                    row.push_bind(conn)
                        .push_bind(scan_id.as_str())
                        .push_bind(*key)
                        .push_bind(status.as_str())
                        .push_bind(at);
                });
                qb.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            }

            // 6. Suppression bookkeeping: when each last matched, how many scans it has not.
            for i in active.iter().copied() {
                let sup = &mut suppressions[i];
                if matched[i] > 0 {
                    sup.scans_without_match = 0;
                    sup.last_matched_at = Some(at);
                } else {
                    sup.scans_without_match = sup.scans_without_match.saturating_add(1);
                }
                sqlx::query(
                    "UPDATE suppressions SET scans_without_match = $1, last_matched_at = $2 WHERE id = $3",
                )
                .bind(i64::from(sup.scans_without_match))
                .bind(sup.last_matched_at)
                .bind(sup.id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            }
            summary.stale_suppressions = suppressions
                .iter()
                .filter_map(|s| s.staleness(at, outcome.stale_after_scans))
                .collect();

            // 7. The scan row.
            sqlx::query(
                "UPDATE scans SET status = $1, finished_at = $2, coverage = $3, errors = $4, resource_count = $5, \
                 finding_count = $6, new_findings = $7, resolved_findings = $8, regressed_findings = $9, \
                 suppressed_findings = $10, api_calls = $11 WHERE id = $12",
            )
            .bind(plan.status.as_str())
            .bind(at)
            .bind(Json(&plan.coverage))
            .bind(Json(&plan.errors))
            .bind(count(summary.resources_written))
            .bind(count(len(plan.findings.len())))
            .bind(count(summary.findings_new))
            .bind(count(summary.findings_resolved))
            .bind(count(summary.findings_regressed))
            .bind(count(summary.findings_suppressed))
            .bind(Json(&outcome.api_calls))
            .bind(&scan_id)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?;

            tx.commit().await.map_err(StoreError::query(OP))?;
            summary
        });
        tracing::info!(
            connection = %outcome.connection_id,
            scan = %outcome.scan_id,
            status = %summary.status,
            resources_written = summary.resources_written,
            resources_deleted = summary.resources_deleted,
            findings_new = summary.findings_new,
            findings_regressed = summary.findings_regressed,
            findings_resolved = summary.findings_resolved,
            findings_suppressed = summary.findings_suppressed,
            findings_unsuppressed = summary.findings_unsuppressed,
            "scan persisted"
        );
        for st in &summary.stale_suppressions {
            tracing::warn!(
                code = skywarden_rules::suppression::STALE_CODE,
                suppression = %st.id,
                owner = %st.owner,
                reason = ?st.reason,
                expires_at = %st.expires_at,
                "stale suppression"
            );
        }
        Ok(summary)
    }

    /// Marks a running scan failed. Inventory and findings are not touched.
    pub async fn fail_scan(
        &self,
        scan_id: ScanId,
        finished_at: DateTime<Utc>,
        errors: Vec<String>,
    ) -> Result<(), StoreError> {
        self.end_scan(scan_id, ScanStatus::Failed, finished_at, errors)
            .await
    }

    /// Marks a running scan cancelled (e.g. on shutdown). Inventory and findings are not touched.
    pub async fn cancel_scan(
        &self,
        scan_id: ScanId,
        finished_at: DateTime<Utc>,
        errors: Vec<String>,
    ) -> Result<(), StoreError> {
        self.end_scan(scan_id, ScanStatus::Cancelled, finished_at, errors)
            .await
    }

    async fn end_scan(
        &self,
        scan_id: ScanId,
        status: ScanStatus,
        finished_at: DateTime<Utc>,
        errors: Vec<String>,
    ) -> Result<(), StoreError> {
        const OP: &str = "end scan";
        let id = scan_id.to_string();
        let errors = Value::from(errors);
        with_pool!(self, |pool| {
            let updated = sqlx::query(
                "UPDATE scans SET status = $1, finished_at = $2, errors = $3 WHERE id = $4 AND status = $5",
            )
            .bind(status.as_str())
            .bind(micros(finished_at))
            .bind(Json(&errors))
            .bind(&id)
            .bind(ScanStatus::Running.as_str())
            .execute(pool)
            .await
            .map_err(StoreError::query(OP))?
            .rows_affected();
            if updated == 0 {
                let row = sqlx::query("SELECT id, connection_id, status FROM scans WHERE id = $1")
                    .bind(&id)
                    .fetch_optional(pool)
                    .await
                    .map_err(StoreError::query(OP))?;
                let state = row.as_ref().map(rows::scan_state).transpose()?;
                return Err(not_running(&scan_id, None, state));
            }
            Ok(())
        })
    }

    pub async fn get_scan(&self, scan_id: ScanId) -> Result<Option<ScanRecord>, StoreError> {
        let sql = format!("SELECT {} FROM scans WHERE id = $1", rows::SCAN_COLUMNS);
        let id = scan_id.to_string();
        with_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(&id)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("get scan"))?;
            row.as_ref().map(rows::scan).transpose()
        })
    }

    /// The connection's most recent scans first.
    pub async fn list_scans(
        &self,
        connection_id: &ConnectionId,
        limit: u32,
    ) -> Result<Vec<ScanRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM scans WHERE connection_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
            rows::SCAN_COLUMNS
        );
        with_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .bind(connection_id.as_str())
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list scans"))?;
            rows.iter().map(rows::scan).collect()
        })
    }

    /// Findings matching `filter`, in `filter.sort` order (the default filter: worst
    /// severity first, then by rule id, resource id and key), after `filter.after`, at most
    /// `filter.limit`. InvalidValue if the cursor was made for another sort.
    pub async fn list_findings(
        &self,
        filter: &FindingFilter,
    ) -> Result<Vec<FindingRecord>, StoreError> {
        if let Some(c) = &filter.after {
            if c.sort() != filter.sort {
                return Err(StoreError::InvalidValue {
                    what: "finding cursor",
                    value: c.sort().to_string(),
                    expected: "a cursor made for the sort of the query",
                });
            }
        }
        if filter.limit == Some(0)
            || filter
                .org_connections
                .as_ref()
                .is_some_and(|c| c.is_empty())
        {
            return Ok(Vec::new());
        }
        let since = match filter.since_scan {
            None => None,
            Some(id) => Some(self.finished_scan(id).await?),
        };
        let backend = self.backend();
        let head = format!(
            "SELECT {} FROM {} WHERE 1 = 1",
            rows::FINDING_COLUMNS,
            rows::FINDING_FROM
        );
        with_pool!(self, |pool| {
            let mut qb = QueryBuilder::new(head.as_str());
            if let Some(c) = &filter.connection_id {
                qb.push(" AND f.connection_id = ");
                qb.push_bind(c.as_str());
            }
            if let Some(conns) = &filter.org_connections {
                qb.push(" AND f.connection_id IN (");
                let mut list = qb.separated(", ");
                for c in conns {
                    list.push_bind(c.as_str());
                }
                qb.push(")");
            }
            if !filter.statuses.is_empty() {
                qb.push(" AND f.status IN (");
                let mut list = qb.separated(", ");
                for s in &filter.statuses {
                    list.push_bind(s.as_str());
                }
                qb.push(")");
            }
            if let Some(s) = filter.min_severity {
                qb.push(" AND f.severity_rank >= ");
                qb.push_bind(severity_rank(s));
            }
            if let Some(r) = &filter.rule_id {
                qb.push(" AND f.rule_id = ");
                qb.push_bind(r.as_str());
            }
            if let Some(c) = filter.category {
                qb.push(" AND f.category = ");
                qb.push_bind(c.as_str());
            }
            if let Some(k) = filter.resource_kind {
                qb.push(" AND f.resource_kind = ");
                qb.push_bind(k.as_str());
            }
            if let Some(a) = &filter.account_id {
                qb.push(" AND f.account_id = ");
                qb.push_bind(a.as_str());
            }
            if let Some(r) = &filter.region {
                qb.push(" AND f.region = ");
                qb.push_bind(r.as_str());
            }
            if let Some((key, value)) = &filter.tag {
                queries::push_tag(
                    &mut qb,
                    backend,
                    &queries::FINDING_TAGS,
                    key,
                    value.as_deref(),
                );
            }
            if let Some((conn, at)) = &since {
                qb.push(" AND f.connection_id = ");
                qb.push_bind(conn.as_str());
                qb.push(
                    " AND EXISTS (SELECT 1 FROM finding_events e WHERE e.connection_id = f.connection_id \
                     AND e.key = f.key AND e.at > ",
                );
                qb.push_bind(*at);
                qb.push(")");
            }
            if let Some(c) = &filter.after {
                cursor::push_after(&mut qb, c);
            }
            qb.push(cursor::order_by(filter.sort));
            if let Some(n) = filter.limit {
                qb.push(" LIMIT ");
                qb.push_bind(i64::from(n));
            }
            let rows = qb
                .build()
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list findings"))?;
            rows.iter().map(rows::finding).collect()
        })
    }

    /// (connection, finished_at) of a scan that has finished with stored results.
    async fn finished_scan(&self, id: ScanId) -> Result<(ConnectionId, DateTime<Utc>), StoreError> {
        let scan = self
            .get_scan(id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "scan",
                id: id.to_string(),
            })?;
        match (scan.status, scan.finished_at) {
            (ScanStatus::Succeeded | ScanStatus::Partial, Some(at)) => Ok((scan.connection_id, at)),
            (status, _) => Err(StoreError::Conflict {
                what: "scan",
                id: id.to_string(),
                reason: format!(
                    "is {status}; only succeeded or partial scans have results to compare"
                ),
            }),
        }
    }

    /// How findings moved between scan `from` and scan `to` of one connection (any two
    /// finished scans; `from` must have finished first). `include_unchanged` lists unchanged
    /// findings too (they are always counted).
    pub async fn compare_scans(
        &self,
        from: ScanId,
        to: ScanId,
        include_unchanged: bool,
    ) -> Result<ScanComparison, StoreError> {
        const OP: &str = "compare scans";
        let (conn_a, at_a) = self.finished_scan(from).await?;
        let (conn_b, at_b) = self.finished_scan(to).await?;
        if conn_a != conn_b {
            return Err(StoreError::Conflict {
                what: "scan",
                id: to.to_string(),
                reason: format!("belongs to connection {conn_b}, not {conn_a}"),
            });
        }
        if at_b < at_a {
            return Err(StoreError::Conflict {
                what: "scan",
                id: to.to_string(),
                reason: format!("finished before scan {from}; give the older scan first"),
            });
        }
        let events = with_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT key, status, at FROM finding_events WHERE connection_id = $1 AND at <= $2 ORDER BY key, at",
            )
            .bind(conn_a.as_str())
            .bind(at_b)
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(OP))?;
            rows.iter()
                .map(rows::event)
                .collect::<Result<Vec<_>, _>>()?
        });
        let states = crate::compare::states(&events, at_a, at_b);
        let keys: Vec<&str> = states.keys().map(String::as_str).collect();
        let mut meta: HashMap<String, (String, String, skywarden_rules::Severity)> = HashMap::new();
        for chunk in keys.chunks(BATCH_ROWS) {
            with_pool!(self, |pool| {
                let mut qb = QueryBuilder::new(
                    "SELECT key, rule_id, resource_id, severity FROM findings WHERE connection_id = ",
                );
                qb.push_bind(conn_a.as_str());
                qb.push(" AND key IN (");
                let mut list = qb.separated(", ");
                for k in chunk {
                    list.push_bind(*k);
                }
                qb.push(")");
                for row in qb
                    .build()
                    .fetch_all(pool)
                    .await
                    .map_err(StoreError::query(OP))?
                {
                    let (k, m) = rows::finding_meta(&row)?;
                    meta.insert(k, m);
                }
            });
        }
        Ok(crate::compare::build(
            conn_a,
            from,
            to,
            states,
            &meta,
            include_unchanged,
        ))
    }

    /// Stores a new suppression outside any organization (the CLI's). It applies to
    /// connections outside any organization only, so naming a connection that belongs to one
    /// is a Conflict; Conflict too if the id exists.
    pub async fn create_suppression(&self, s: &Suppression) -> Result<(), StoreError> {
        if let Some(c) = &s.connection_id {
            if let Some(org) = self.get_connection(c).await?.and_then(|r| r.org_id) {
                return Err(StoreError::Conflict {
                    what: "connection",
                    id: c.to_string(),
                    reason: format!(
                        "belongs to organization {org}; create the suppression in that organization"
                    ),
                });
            }
        }
        self.insert_suppression(s, None).await
    }

    /// Every suppression (revoked ones too when `include_revoked`), oldest first.
    pub async fn list_suppressions(
        &self,
        include_revoked: bool,
    ) -> Result<Vec<Suppression>, StoreError> {
        let sql = format!(
            "SELECT {} FROM suppressions{} ORDER BY created_at, id",
            rows::SUPPRESSION_COLUMNS,
            if include_revoked {
                ""
            } else {
                " WHERE revoked_at IS NULL"
            }
        );
        with_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list suppressions"))?;
            rows.iter().map(rows::suppression).collect()
        })
    }

    /// Revokes a suppression: it matches nothing from now on and its findings re-surface on
    /// the next scan that detects them. Kept for the record.
    pub async fn revoke_suppression(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE suppressions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            )
            .bind(micros(at))
            .bind(id)
            .execute(pool)
            .await
            .map_err(StoreError::query("revoke suppression"))?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "active suppression",
                id: id.chars().take(64).collect(),
            });
        }
        Ok(())
    }

    /// Every connection id, sorted.
    pub async fn list_connections(&self) -> Result<Vec<ConnectionId>, StoreError> {
        let ids: Vec<String> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM connections ORDER BY id")
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list connections"))?
        });
        ids.into_iter()
            .map(|id| {
                id.parse()
                    .map_err(|e| StoreError::decode("connections", &id, "id", e))
            })
            .collect()
    }

    /// The connection's stored inventory, ordered by resource id.
    pub async fn list_resources(
        &self,
        connection_id: &ConnectionId,
    ) -> Result<Vec<Resource>, StoreError> {
        let sql = format!(
            "SELECT {} FROM resources WHERE connection_id = $1 ORDER BY resource_id",
            rows::RESOURCE_COLUMNS
        );
        with_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .bind(connection_id.as_str())
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list resources"))?;
            rows.iter().map(rows::resource).collect()
        })
    }

    pub async fn count_resources(&self, connection_id: &ConnectionId) -> Result<u64, StoreError> {
        let n: i64 = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM resources WHERE connection_id = $1")
                .bind(connection_id.as_str())
                .fetch_one(pool)
                .await
                .map_err(StoreError::query("count resources"))?
        });
        u64::try_from(n).map_err(|_| {
            StoreError::decode(
                "resources",
                connection_id.as_str(),
                "count",
                format!("negative count {n}"),
            )
        })
    }
}

/// One `resource_changes` row to insert.
struct ChangeWrite<'a> {
    resource_id: &'a str,
    kind: &'a str,
    account_id: &'a str,
    region: &'a str,
    change: ChangeKind,
    content_hash: Option<&'a str>,
    patch: Option<Value>,
    document: Option<Value>,
}

impl<'a> ChangeWrite<'a> {
    fn of(
        w: &'a crate::plan::ResourceWrite<'a>,
        change: ChangeKind,
        patch: Option<Value>,
        document: Option<Value>,
    ) -> Self {
        ChangeWrite {
            resource_id: w.resource.id.as_str(),
            kind: w.kind,
            account_id: w.resource.account_id.as_str(),
            region: w.resource.region.as_str(),
            change,
            content_hash: Some(w.content_hash.as_str()),
            patch,
            document,
        }
    }
}

/// Why a scan could not be finished: it does not exist, belongs elsewhere, or has ended.
fn not_running(
    scan_id: &ScanId,
    connection: Option<&ConnectionId>,
    state: Option<(ConnectionId, ScanStatus)>,
) -> StoreError {
    let id = scan_id.to_string();
    match state {
        None => StoreError::NotFound { what: "scan", id },
        Some((stored, _)) if connection.is_some_and(|c| *c != stored) => StoreError::Conflict {
            what: "scan",
            id,
            reason: format!(
                "belongs to connection {stored}, not {}",
                connection.map_or("", |c| c.as_str())
            ),
        },
        Some((_, status)) => StoreError::Conflict {
            what: "scan",
            id,
            reason: format!("is {status}; only a running scan can be finished"),
        },
    }
}

enum SqliteTarget {
    Memory,
    File(PathBuf),
}

async fn connect_sqlite(target: SqliteTarget, secrets: &Secrets) -> Result<Store, StoreError> {
    let (options, pool_options, shown, created) = match &target {
        SqliteTarget::Memory => (
            SqliteConnectOptions::from_str("sqlite::memory:")
                .map_err(|e| StoreError::Open {
                    target: ":memory:".into(),
                    reason: secrets.scrub(e),
                })?
                .foreign_keys(true),
            // One connection that never expires: the database lives as long as it does.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None),
            ":memory:".to_string(),
            None,
        ),
        SqliteTarget::File(path) => {
            if let Some(dir) = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
            {
                return Err(StoreError::Open {
                    target: path.display().to_string(),
                    reason: format!(
                        "directory {} does not exist (it is not created)",
                        dir.display()
                    ),
                });
            }
            let existed = path.exists();
            (
                SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5)),
                SqlitePoolOptions::new().max_connections(4),
                path.display().to_string(),
                (!existed).then_some(path.as_path()),
            )
        }
    };
    let open_err = |reason: String| StoreError::Open {
        target: shown.clone(),
        reason,
    };
    let opened = match pool_options.connect_with(options).await {
        Ok(pool) => {
            let store = Store {
                pools: Pools::Sqlite(pool),
                target: format!("sqlite://{shown}"),
            };
            match store.prepare(secrets, open_err).await {
                Ok(()) => Ok(store),
                Err(e) => {
                    store.close().await;
                    Err(e)
                }
            }
        }
        Err(e) => Err(open_err(secrets.scrub(e))),
    };
    if opened.is_err() {
        if let Some(path) = created {
            remove_sqlite_files(path);
        }
    }
    let store = opened?;
    tracing::info!(backend = "sqlite", target = %shown, "store opened");
    Ok(store)
}

/// Removes a database file this process created and its WAL side files.
fn remove_sqlite_files(path: &Path) {
    let mut candidates = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        candidates.push(PathBuf::from(p));
    }
    for p in candidates {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %p.display(), error = %e, "could not remove a half-created database file")
            }
        }
    }
}

async fn connect_postgres(url: &str, secrets: &Secrets) -> Result<Store, StoreError> {
    let shown = secrets.redacted_url().to_string();
    let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::InvalidUrl {
        url: shown.clone(),
        reason: secrets.scrub(e),
    })?;
    let connect_err = |reason: String| StoreError::Connect {
        target: shown.clone(),
        reason,
    };
    // One direct attempt first: the pool would retry a refused connection until its acquire
    // timeout, and an unreachable server should be reported at once.
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
        Ok(Ok(probe)) => {
            if let Err(e) = probe.close().await {
                tracing::debug!(error = %secrets.scrub(e), "closing the Postgres probe connection failed");
            }
        }
        Ok(Err(e)) => return Err(connect_err(secrets.scrub(e))),
        Err(_) => {
            return Err(connect_err(format!(
                "no answer within {} s",
                CONNECT_TIMEOUT.as_secs()
            )))
        }
    }
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| connect_err(secrets.scrub(e)))?;
    let store = Store {
        pools: Pools::Postgres(pool),
        target: shown.clone(),
    };
    if let Err(e) = store.prepare(secrets, connect_err).await {
        store.close().await;
        return Err(e);
    }
    tracing::info!(backend = "postgres", target = %shown, "store opened");
    Ok(store)
}

impl Store {
    /// Checks the database is writable, then applies the migrations. The check takes the
    /// write lock by creating a table in a transaction that is rolled back: it fails on a
    /// read-only file, a read-only replica or missing privileges, and leaves nothing behind.
    async fn prepare(
        &self,
        secrets: &Secrets,
        unusable: impl FnOnce(String) -> StoreError,
    ) -> Result<(), StoreError> {
        let probe: Result<(), sqlx::Error> = with_pool!(self, |pool| {
            async {
                let mut tx = pool.begin().await?;
                sqlx::query("CREATE TABLE skywarden_write_check (x INTEGER)")
                    .execute(&mut *tx)
                    .await?;
                tx.rollback().await
            }
            .await
        });
        probe.map_err(|e| unusable(format!("database is not writable: {}", secrets.scrub(e))))?;
        let backend = self.backend();
        let migrated = match &self.pools {
            Pools::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        migrated.map_err(|cause| StoreError::Migrate { backend, cause })
    }
}

/// The plaintext sealed in the vault check row.
const VAULT_CHECK: &[u8] = b"skywarden vault check v1";
/// Associated data of the check row (no connection id can be empty).
const VAULT_CHECK_AAD: &str = "";

/// The credential vault: sealed cloud credentials (see [`crate::sealing`]).
impl Store {
    /// Checks that `master` is the key the vault was sealed with, recording it on first use.
    /// A wrong key is an error and changes nothing; call this at start-up.
    pub async fn verify_master_key(&self, master: &MasterKey) -> Result<(), StoreError> {
        const OP: &str = "verify master key";
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::query(OP))?;
            let row =
                sqlx::query("SELECT key_id, wrapped_key, ciphertext FROM vault_check WHERE id = 1")
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            match row {
                Some(row) => {
                    let sealed = rows::sealed(&row, "vault_check", "1")?;
                    check_key(master, &sealed)?;
                }
                None => {
                    let sealed = sealing::seal(master, VAULT_CHECK_AAD, VAULT_CHECK)?;
                    sqlx::query(
                        "INSERT INTO vault_check (id, key_id, wrapped_key, ciphertext, created_at) VALUES (1, $1, $2, $3, $4)",
                    )
                    .bind(sealed.key_id.as_str())
                    .bind(sealed.wrapped_key.as_slice())
                    .bind(sealed.ciphertext.as_slice())
                    .bind(micros(Utc::now()))
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
                }
            }
            tx.commit().await.map_err(StoreError::query(OP))
        })
    }

    /// Seals and stores (or replaces) the credential of `connection_id`, creating the
    /// connection row if needed. `plaintext` is the caller's serialized credential.
    pub async fn put_credential(
        &self,
        master: &MasterKey,
        connection_id: &ConnectionId,
        provider: skywarden_graph::Provider,
        kind: CredentialKind,
        plaintext: &[u8],
    ) -> Result<(), StoreError> {
        const OP: &str = "store credential";
        self.verify_master_key(master).await?;
        let sealed = sealing::seal(master, connection_id.as_str(), plaintext)?;
        let now = micros(Utc::now());
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::query(OP))?;
            sqlx::query("INSERT INTO connections (id, provider, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .bind(connection_id.as_str())
                .bind(provider.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            let stored: String =
                sqlx::query_scalar("SELECT provider FROM connections WHERE id = $1")
                    .bind(connection_id.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            if stored != provider.as_str() {
                return Err(StoreError::Conflict {
                    what: "connection",
                    id: connection_id.to_string(),
                    reason: format!(
                        "is a {stored} connection, the credential is for {}",
                        provider.as_str()
                    ),
                });
            }
            sqlx::query(
                "INSERT INTO credentials (connection_id, kind, key_id, wrapped_key, ciphertext, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (connection_id) DO UPDATE SET kind = excluded.kind, \
                 key_id = excluded.key_id, wrapped_key = excluded.wrapped_key, ciphertext = excluded.ciphertext, \
                 updated_at = excluded.updated_at",
            )
            .bind(connection_id.as_str())
            .bind(kind.as_str())
            .bind(sealed.key_id.as_str())
            .bind(sealed.wrapped_key.as_slice())
            .bind(sealed.ciphertext.as_slice())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?;
            tx.commit().await.map_err(StoreError::query(OP))
        })
    }

    /// Opens the credential of `connection_id` (None when it has none). The plaintext is
    /// zeroized when dropped; keep it only for the scan call.
    pub async fn open_credential(
        &self,
        master: &MasterKey,
        connection_id: &ConnectionId,
    ) -> Result<Option<(CredentialKind, zeroize::Zeroizing<Vec<u8>>)>, StoreError> {
        const OP: &str = "open credential";
        let row = with_pool!(self, |pool| {
            let row = sqlx::query(
                "SELECT kind, key_id, wrapped_key, ciphertext FROM credentials WHERE connection_id = $1",
            )
            .bind(connection_id.as_str())
            .fetch_optional(pool)
            .await
            .map_err(StoreError::query(OP))?;
            match row {
                None => None,
                Some(r) => Some((
                    rows::credential_kind(&r, connection_id.as_str())?,
                    rows::sealed(&r, "credentials", connection_id.as_str())?,
                )),
            }
        });
        match row {
            None => Ok(None),
            Some((kind, sealed)) => {
                let plain =
                    sealing::open(master, connection_id.as_str(), &sealed).map_err(|e| {
                        StoreError::Sealing(format!("connection {connection_id}: {}", e.reason()))
                    })?;
                Ok(Some((kind, plain)))
            }
        }
    }

    /// Every stored credential's metadata (never the secret), by connection id.
    pub async fn list_credentials(&self) -> Result<Vec<CredentialInfo>, StoreError> {
        with_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT connection_id, kind, key_id, created_at, updated_at FROM credentials ORDER BY connection_id",
            )
            .fetch_all(pool)
            .await
            .map_err(StoreError::query("list credentials"))?;
            rows.iter().map(rows::credential_info).collect()
        })
    }

    /// Deletes the credential of `connection_id`.
    pub async fn delete_credential(&self, connection_id: &ConnectionId) -> Result<(), StoreError> {
        let n = with_pool!(self, |pool| {
            sqlx::query("DELETE FROM credentials WHERE connection_id = $1")
                .bind(connection_id.as_str())
                .execute(pool)
                .await
                .map_err(StoreError::query("delete credential"))?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "credential of connection",
                id: connection_id.to_string(),
            });
        }
        Ok(())
    }

    /// Re-wraps every data key (and the check row) from `old` to `new` in one transaction;
    /// ciphertexts are unchanged. Readers see either every row under the old key or every
    /// row under the new one. Any failure (wrong old key, a row that does not open) changes
    /// nothing. Returns the number of credentials re-wrapped.
    pub async fn rotate_master_key(
        &self,
        old: &MasterKey,
        new: &MasterKey,
    ) -> Result<u64, StoreError> {
        const OP: &str = "rotate master key";
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::query(OP))?;
            // A write first, so SQLite takes its write lock before reading.
            sqlx::query("UPDATE vault_check SET key_id = key_id WHERE id = 1")
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            let check =
                sqlx::query("SELECT key_id, wrapped_key, ciphertext FROM vault_check WHERE id = 1")
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            let Some(check) = check else {
                return Err(StoreError::MasterKey(
                    "the vault has no key yet (nothing was ever sealed); there is nothing to rotate".into(),
                ));
            };
            let check = rows::sealed(&check, "vault_check", "1")?;
            check_key(old, &check)?;
            let new_check = sealing::rewrap(old, new, VAULT_CHECK_AAD, &check)?;
            let rows = sqlx::query("SELECT connection_id, key_id, wrapped_key, ciphertext FROM credentials ORDER BY connection_id")
                .fetch_all(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            let mut rewrapped = Vec::with_capacity(rows.len());
            for row in &rows {
                let conn = rows::text(row, "credentials", "connection_id")?;
                let sealed = rows::sealed(row, "credentials", &conn)?;
                let r = sealing::rewrap(old, new, &conn, &sealed).map_err(|e| {
                    StoreError::Sealing(format!("connection {conn}: {}", e.reason()))
                })?;
                rewrapped.push((conn, r));
            }
            for (conn, r) in &rewrapped {
                sqlx::query(
                    "UPDATE credentials SET key_id = $1, wrapped_key = $2 WHERE connection_id = $3",
                )
                .bind(r.key_id.as_str())
                .bind(r.wrapped_key.as_slice())
                .bind(conn.as_str())
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            }
            sqlx::query("UPDATE vault_check SET key_id = $1, wrapped_key = $2 WHERE id = 1")
                .bind(new_check.key_id.as_str())
                .bind(new_check.wrapped_key.as_slice())
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            tx.commit().await.map_err(StoreError::query(OP))?;
            Ok(len(rewrapped.len()))
        })
    }
}

/// The check row opens with `master` and holds the check plaintext.
fn check_key(master: &MasterKey, sealed: &sealing::Sealed) -> Result<(), StoreError> {
    if sealed.key_id != master.id() {
        return Err(StoreError::MasterKey(format!(
            "the vault was sealed with master key {}, but the configured key is {}: wrong SKYWARDEN_MASTER_KEY or key file",
            sealed.key_id,
            master.id()
        )));
    }
    match sealing::open(master, VAULT_CHECK_AAD, sealed) {
        Ok(p) if p.as_slice() == VAULT_CHECK => Ok(()),
        _ => Err(StoreError::MasterKey(
            "the vault check row does not open with the configured key (tampered, or a different key with the same id)".into(),
        )),
    }
}
