//! The latest coverage of a connection's scopes: which stored inventory is current.

use skywarden_graph::{ConnectionId, Coverage};

use super::{Pools, Store};
use crate::error::StoreError;
use crate::rows;
use crate::types::ScanStatus;

impl Store {
    /// Per (account, region, kind), the coverage status of the most recently finished scan
    /// that recorded the scope: the stored inventory of a scope whose entry is Complete is
    /// what that scan saw; under any other status it may be stale (a failed scope keeps the
    /// inventory of an older scan). Running scans have no coverage yet and are not read;
    /// failed and cancelled ones without coverage contribute nothing. A scope no finished
    /// scan recorded has no entry.
    pub async fn latest_coverage(
        &self,
        connection_id: &ConnectionId,
    ) -> Result<Coverage, StoreError> {
        let sql = "SELECT id, coverage FROM scans WHERE connection_id = $1 AND status <> $2 \
                   AND finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC";
        let scans: Vec<Coverage> = with_pool!(self, |pool| {
            let rows = sqlx::query(sql)
                .bind(connection_id.as_str())
                .bind(ScanStatus::Running.as_str())
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("latest coverage"))?;
            rows.iter()
                .map(rows::scan_coverage)
                .collect::<Result<_, _>>()?
        });
        let mut latest = Coverage::new();
        for coverage in scans {
            for (scope, status) in coverage.iter() {
                if latest.get(scope).is_none() {
                    latest.record(scope.clone(), status.clone());
                }
            }
        }
        Ok(latest)
    }
}
