//! Inventory pages for the API: filters and keyset pagination by resource id, in SQL.
//!
//! Tag filters are the one place where the two backends need different SQL: SQLite reads
//! JSON with `json_each`, Postgres with `->>`. Both match the key exactly (any characters,
//! dots included) and compare values as text. The filter runs in the database, so `LIMIT`
//! counts matching rows only.

use skywarden_graph::{ConnectionId, Resource};
use sqlx::{Database, Encode, QueryBuilder, Type};

use super::{Pools, Store};
use crate::error::StoreError;
use crate::rows;
use crate::types::{Backend, ResourceQuery};

/// A JSON object of string tags, as each backend addresses it.
pub(super) struct TagSource {
    /// SQLite table-valued function over the object, e.g. `json_each(document, '$.tags')`.
    pub sqlite: &'static str,
    /// Postgres JSONB expression of the object, e.g. `document -> 'tags'`.
    pub postgres: &'static str,
}

pub(super) const RESOURCE_TAGS: TagSource = TagSource {
    sqlite: "json_each(document, '$.tags')",
    postgres: "document -> 'tags'",
};

pub(super) const FINDING_TAGS: TagSource = TagSource {
    sqlite: "json_each(f.resource_tags)",
    postgres: "f.resource_tags",
};

/// Appends ` AND <tag key present / equal to value>`.
pub(super) fn push_tag<'a, DB>(
    qb: &mut QueryBuilder<'a, DB>,
    backend: Backend,
    source: &TagSource,
    key: &str,
    value: Option<&str>,
) where
    DB: Database,
    String: Encode<'a, DB> + Type<DB>,
{
    match backend {
        Backend::Sqlite => {
            qb.push(" AND EXISTS (SELECT 1 FROM ");
            qb.push(source.sqlite);
            qb.push(" t WHERE t.key = ");
            qb.push_bind(key.to_string());
            if let Some(v) = value {
                qb.push(" AND t.type = 'text' AND t.value = ");
                qb.push_bind(v.to_string());
            }
            qb.push(")");
        }
        Backend::Postgres => {
            qb.push(" AND (");
            qb.push(source.postgres);
            qb.push(" ->> ");
            qb.push_bind(key.to_string());
            match value {
                Some(v) => {
                    qb.push(") = ");
                    qb.push_bind(v.to_string());
                }
                None => {
                    qb.push(") IS NOT NULL");
                }
            }
        }
    }
}

/// Appends ` AND {column} IN ($1, $2, ...)` with `values` bound (at least one value).
pub(super) fn push_in<'a, DB>(
    qb: &mut QueryBuilder<'a, DB>,
    column: &str,
    values: impl IntoIterator<Item = &'a str>,
) where
    DB: Database,
    &'a str: Encode<'a, DB> + Type<DB>,
{
    qb.push(" AND ");
    qb.push(column);
    qb.push(" IN (");
    let mut list = qb.separated(", ");
    for v in values {
        list.push_bind(v);
    }
    qb.push(")");
}

/// A `LIKE` pattern matching `text` anywhere, lowercased, with `\` escaping.
pub(super) fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// One page of a connection's inventory ordered by resource id: the resources matching
    /// every filter of `q` with an id after `q.after`, at most `q.limit` (capped at
    /// [`ResourceQuery::MAX_LIMIT`] + 1, the "one more than a full page" probe). The next
    /// page starts after the last id returned.
    pub async fn page_resources(&self, q: &ResourceQuery) -> Result<Vec<Resource>, StoreError> {
        let limit = q.limit.min(ResourceQuery::MAX_LIMIT + 1);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let backend = self.backend();
        let head = format!(
            "SELECT {} FROM resources WHERE connection_id = ",
            rows::RESOURCE_COLUMNS
        );
        with_pool!(self, |pool| {
            let mut qb = QueryBuilder::new(head.as_str());
            qb.push_bind(q.connection_id.as_str());
            if !q.kinds.is_empty() {
                qb.push(" AND kind IN (");
                let mut list = qb.separated(", ");
                for k in &q.kinds {
                    list.push_bind(k.as_str());
                }
                qb.push(")");
            }
            if let Some(r) = &q.region {
                qb.push(" AND region = ");
                qb.push_bind(r.as_str());
            }
            if let Some(a) = &q.account_id {
                qb.push(" AND account_id = ");
                qb.push_bind(a.as_str());
            }
            if let Some((key, value)) = &q.tag {
                push_tag(&mut qb, backend, &RESOURCE_TAGS, key, value.as_deref());
            }
            if let Some(text) = q.text.as_deref().filter(|t| !t.is_empty()) {
                let pattern = contains_pattern(text);
                qb.push(" AND (LOWER(resource_id) LIKE ");
                qb.push_bind(pattern.clone());
                qb.push(" ESCAPE '\\' OR LOWER(COALESCE(name, '')) LIKE ");
                qb.push_bind(pattern);
                qb.push(" ESCAPE '\\')");
            }
            if let Some(after) = &q.after {
                qb.push(" AND resource_id > ");
                qb.push_bind(after.as_str());
            }
            qb.push(" ORDER BY resource_id LIMIT ");
            qb.push_bind(i64::from(limit));
            let rows = qb
                .build()
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("page resources"))?;
            rows.iter().map(rows::resource).collect()
        })
    }

    /// One stored resource of a connection.
    pub async fn get_resource(
        &self,
        conn: &ConnectionId,
        resource_id: &str,
    ) -> Result<Option<Resource>, StoreError> {
        let sql = format!(
            "SELECT {} FROM resources WHERE connection_id = $1 AND resource_id = $2",
            rows::RESOURCE_COLUMNS
        );
        with_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(conn.as_str())
                .bind(resource_id)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("get resource"))?;
            row.as_ref().map(rows::resource).transpose()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("Web_1%"), "%web\\_1\\%%");
        assert_eq!(contains_pattern("a\\b"), "%a\\\\b%");
    }
}
