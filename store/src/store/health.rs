//! What readiness checks and metrics read: reachability, migration state, and totals.

use std::collections::HashMap;

use skywarden_rules::{FindingStatus, Severity};

use super::{Pools, Store, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use crate::error::StoreError;
use crate::types::{severity_rank, ScanStatus};

fn non_negative(table: &'static str, what: &str, n: i64) -> Result<u64, StoreError> {
    u64::try_from(n)
        .map_err(|_| StoreError::decode(table, what, "count", format!("negative count {n}")))
}

impl Store {
    /// One round trip to the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, |pool| {
            sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map_err(StoreError::query("ping"))?;
        });
        Ok(())
    }

    /// Whether every migration embedded in this build is recorded as successfully applied
    /// with the same checksum (false also when the database has a failed or edited one).
    pub async fn migrations_applied(&self) -> Result<bool, StoreError> {
        const OP: &str = "check migrations";
        let (migrator, applied): (_, Vec<(i64, bool, Vec<u8>)>) = match &self.pools {
            Pools::Sqlite(pool) => (
                &SQLITE_MIGRATIONS,
                sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations")
                    .fetch_all(pool)
                    .await
                    .map_err(StoreError::query(OP))?,
            ),
            Pools::Postgres(pool) => (
                &POSTGRES_MIGRATIONS,
                sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations")
                    .fetch_all(pool)
                    .await
                    .map_err(StoreError::query(OP))?,
            ),
        };
        let applied: HashMap<i64, (bool, Vec<u8>)> = applied
            .into_iter()
            .map(|(v, ok, sum)| (v, (ok, sum)))
            .collect();
        Ok(migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .all(|m| {
                applied
                    .get(&m.version)
                    .is_some_and(|(ok, sum)| *ok && sum.as_slice() == &*m.checksum)
            }))
    }

    /// Scans per status, every status listed (zero when none), in [`ScanStatus::ALL`] order.
    pub async fn count_scans_by_status(&self) -> Result<Vec<(ScanStatus, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = with_pool!(self, |pool| {
            sqlx::query_as("SELECT status, COUNT(*) FROM scans GROUP BY status")
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("count scans"))?
        });
        let mut counts: Vec<(ScanStatus, u64)> = ScanStatus::ALL.iter().map(|s| (*s, 0)).collect();
        for (status, n) in rows {
            let s: ScanStatus = status
                .parse()
                .map_err(|e| StoreError::decode("scans", &status, "status", e))?;
            let n = non_negative("scans", &status, n)?;
            if let Some(slot) = counts.iter_mut().find(|(x, _)| *x == s) {
                slot.1 = n;
            }
        }
        Ok(counts)
    }

    /// Active (open or regressed) findings per severity, every severity listed (zero when
    /// none), from info to critical.
    pub async fn count_findings_by_severity(&self) -> Result<Vec<(Severity, u64)>, StoreError> {
        let rows: Vec<(i32, i64)> = with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT severity_rank, COUNT(*) FROM findings WHERE status IN ($1, $2) GROUP BY severity_rank",
            )
            .bind(FindingStatus::Open.as_str())
            .bind(FindingStatus::Regressed.as_str())
            .fetch_all(pool)
            .await
            .map_err(StoreError::query("count findings"))?
        });
        let mut counts: Vec<(Severity, u64)> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
        for (rank, n) in rows {
            let n = non_negative("findings", &rank.to_string(), n)?;
            match counts.iter_mut().find(|(s, _)| severity_rank(*s) == rank) {
                Some(slot) => slot.1 = n,
                None => {
                    return Err(StoreError::decode(
                        "findings",
                        &rank.to_string(),
                        "severity_rank",
                        "not a severity rank",
                    ))
                }
            }
        }
        Ok(counts)
    }

    /// Stored resources across every connection.
    pub async fn count_resources_total(&self) -> Result<u64, StoreError> {
        let n: i64 = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM resources")
                .fetch_one(pool)
                .await
                .map_err(StoreError::query("count resources"))?
        });
        non_negative("resources", "*", n)
    }
}
