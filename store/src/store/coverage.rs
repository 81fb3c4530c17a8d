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

impl Store {
    /// Every (account, region, kind) the connection has stored resources in. Azure lists
    /// are subscription-wide: the scan's `(subscription, global, kind)` scope is widened to
    /// these locations so a Complete listing can mark a location's last resource deleted.
    pub async fn resource_scopes(
        &self,
        connection_id: &ConnectionId,
    ) -> Result<Vec<skywarden_graph::Scope>, StoreError> {
        let sql =
            "SELECT DISTINCT account_id, region, kind FROM resources WHERE connection_id = $1";
        let rows: Vec<(String, String, String)> = with_pool!(self, |pool| {
            sqlx::query_as(sql)
                .bind(connection_id.as_str())
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("resource scopes"))?
        });
        let mut out = Vec::with_capacity(rows.len());
        for (account, region, kind) in rows {
            // A row this version cannot parse (a kind from a newer version) is no scope of ours.
            if let (Ok(account_id), Ok(region), Ok(kind)) =
                (account.parse(), region.parse(), kind.parse())
            {
                out.push(skywarden_graph::Scope {
                    account_id,
                    region,
                    kind,
                });
            }
        }
        out.sort();
        Ok(out)
    }
}
