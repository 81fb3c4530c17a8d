//! Suppressions owned by an organization, next to the CLI's (which have no organization).
//!
//! A suppression applies to a connection only within the same ownership: an organization's
//! suppressions to that organization's connections, the CLI's to connections outside any
//! organization (see `finish_scan`). Its optional connection id narrows it further.

use chrono::{DateTime, Utc};
use skywarden_rules::Suppression;
use sqlx::types::Json;

use super::{Pools, Store};
use crate::error::StoreError;
use crate::plan::micros;
use crate::rows;
use crate::types::OrgId;

/// The condition, on `suppressions` rows, that a suppression may apply to connection `$1`.
pub(super) const SAME_OWNER: &str =
    "((org_id IS NULL AND (SELECT c.org_id FROM connections c WHERE c.id = $1) IS NULL) \
     OR org_id = (SELECT c.org_id FROM connections c WHERE c.id = $1))";

impl Store {
    /// Stores a new suppression of `org`. NotFound if the organization does not exist, or
    /// if the suppression names a connection that is not the organization's.
    pub async fn create_org_suppression(
        &self,
        org: &OrgId,
        s: &Suppression,
    ) -> Result<(), StoreError> {
        if self.get_org(org).await?.is_none() {
            return Err(StoreError::NotFound {
                what: "organization",
                id: org.to_string(),
            });
        }
        if let Some(c) = &s.connection_id {
            let owner = self.get_connection(c).await?.map(|r| r.org_id);
            if owner.as_ref() != Some(&Some(org.clone())) {
                return Err(StoreError::NotFound {
                    what: "connection",
                    id: c.to_string(),
                });
            }
        }
        self.insert_suppression(s, Some(org)).await
    }

    /// The organization's suppressions (revoked ones too when `include_revoked`), oldest
    /// first.
    pub async fn list_org_suppressions(
        &self,
        org: &OrgId,
        include_revoked: bool,
    ) -> Result<Vec<Suppression>, StoreError> {
        let sql = format!(
            "SELECT {} FROM suppressions WHERE org_id = $1{} ORDER BY created_at, id",
            rows::SUPPRESSION_COLUMNS,
            if include_revoked {
                ""
            } else {
                " AND revoked_at IS NULL"
            }
        );
        with_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .bind(org.as_str())
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list organization suppressions"))?;
            rows.iter().map(rows::suppression).collect()
        })
    }

    /// Revokes one of the organization's suppressions (see [`Store::revoke_suppression`]).
    /// NotFound if it is not an active suppression of `org`.
    pub async fn revoke_org_suppression(
        &self,
        org: &OrgId,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE suppressions SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL",
            )
            .bind(micros(at))
            .bind(id)
            .bind(org.as_str())
            .execute(pool)
            .await
            .map_err(StoreError::query("revoke organization suppression"))?
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

    /// Inserts a suppression owned by `org` (None: the CLI's).
    pub(super) async fn insert_suppression(
        &self,
        s: &Suppression,
        org: Option<&OrgId>,
    ) -> Result<(), StoreError> {
        const OP: &str = "create suppression";
        let tags = serde_json::to_value(&s.tags).map_err(|e| StoreError::Encode {
            what: "suppression",
            key: s.id.clone(),
            reason: e.to_string(),
        })?;
        with_pool!(self, |pool| {
            let n = sqlx::query(
                "INSERT INTO suppressions (id, connection_id, rule_pattern, resource_pattern, account_id, tags, \
                 owner, reason, ticket, created_at, expires_at, revoked_at, last_matched_at, scans_without_match, org_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, 0, $12) ON CONFLICT (id) DO NOTHING",
            )
            .bind(s.id.as_str())
            .bind(s.connection_id.as_ref().map(|c| c.as_str()))
            .bind(s.rule.as_deref())
            .bind(s.resource.as_deref())
            .bind(s.account_id.as_ref().map(|a| a.as_str()))
            .bind(Json(&tags))
            .bind(s.owner.as_str())
            .bind(s.reason.as_str())
            .bind(s.ticket.as_deref())
            .bind(micros(s.created_at))
            .bind(micros(s.expires_at))
            .bind(org.map(OrgId::as_str))
            .execute(pool)
            .await
            .map_err(StoreError::query(OP))?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict {
                    what: "suppression",
                    id: s.id.chars().take(64).collect(),
                    reason: "already exists".into(),
                });
            }
            Ok(())
        })
    }
}
