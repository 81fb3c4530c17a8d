//! From database rows to typed values. Every value read goes through typed parsing (ids and
//! enums via `FromStr`, JSON via serde); anything that does not parse is a
//! [`StoreError::Decode`] naming the table, the row's key and the column.
//!
//! [`Cells`] reads raw column values the same way from both backends' rows, so the decoders
//! below are written once and know nothing about sqlx's per-database traits.

use std::fmt::Display;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use skywarden_graph::{ConnectionId, Resource, ResourceId};
use skywarden_rules::{Evidence, Finding, FindingKey, FindingRecord, PricingBasis};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::types::Json;
use sqlx::Row;

use crate::error::StoreError;
use crate::types::ScanRecord;

/// Raw column access; errors are the driver's message.
pub(crate) trait Cells {
    fn text(&self, col: &'static str) -> Result<String, String>;
    fn opt_text(&self, col: &'static str) -> Result<Option<String>, String>;
    fn time(&self, col: &'static str) -> Result<DateTime<Utc>, String>;
    fn opt_time(&self, col: &'static str) -> Result<Option<DateTime<Utc>>, String>;
    fn int(&self, col: &'static str) -> Result<i64, String>;
    fn opt_real(&self, col: &'static str) -> Result<Option<f64>, String>;
    fn json(&self, col: &'static str) -> Result<Value, String>;
    fn opt_json(&self, col: &'static str) -> Result<Option<Value>, String>;
}

macro_rules! impl_cells {
    ($($row:ty),*) => {$(
        impl Cells for $row {
            fn text(&self, col: &'static str) -> Result<String, String> {
                self.try_get(col).map_err(|e| e.to_string())
            }
            fn opt_text(&self, col: &'static str) -> Result<Option<String>, String> {
                self.try_get(col).map_err(|e| e.to_string())
            }
            fn time(&self, col: &'static str) -> Result<DateTime<Utc>, String> {
                self.try_get(col).map_err(|e| e.to_string())
            }
            fn opt_time(&self, col: &'static str) -> Result<Option<DateTime<Utc>>, String> {
                self.try_get(col).map_err(|e| e.to_string())
            }
            fn int(&self, col: &'static str) -> Result<i64, String> {
                self.try_get(col).map_err(|e| e.to_string())
            }
            fn opt_real(&self, col: &'static str) -> Result<Option<f64>, String> {
                self.try_get(col).map_err(|e| e.to_string())
            }
            fn json(&self, col: &'static str) -> Result<Value, String> {
                self.try_get::<Json<Value>, _>(col).map(|j| j.0).map_err(|e| e.to_string())
            }
            fn opt_json(&self, col: &'static str) -> Result<Option<Value>, String> {
                self.try_get::<Option<Json<Value>>, _>(col).map(|j| j.map(|j| j.0)).map_err(|e| e.to_string())
            }
        }
    )*};
}

impl_cells!(SqliteRow, PgRow);

/// Decoding context of one row: which table, which key, for error messages.
struct RowCx<'r, R: Cells> {
    row: &'r R,
    table: &'static str,
    key: String,
}

impl<'r, R: Cells> RowCx<'r, R> {
    /// `key_col` is read first so every later error can name the row.
    fn new(row: &'r R, table: &'static str, key_col: &'static str) -> Result<Self, StoreError> {
        let key = row
            .text(key_col)
            .map_err(|e| StoreError::decode(table, "<unreadable>", key_col, e))?;
        Ok(RowCx { row, table, key })
    }
    fn err(&self, col: &'static str, reason: impl Display) -> StoreError {
        StoreError::decode(self.table, &self.key, col, reason)
    }
    fn parse<T: FromStr>(&self, col: &'static str) -> Result<T, StoreError>
    where
        T::Err: Display,
    {
        let s = self.row.text(col).map_err(|e| self.err(col, e))?;
        s.parse().map_err(|e| self.err(col, e))
    }
    fn text(&self, col: &'static str) -> Result<String, StoreError> {
        self.row.text(col).map_err(|e| self.err(col, e))
    }
    fn opt_text(&self, col: &'static str) -> Result<Option<String>, StoreError> {
        self.row.opt_text(col).map_err(|e| self.err(col, e))
    }
    fn time(&self, col: &'static str) -> Result<DateTime<Utc>, StoreError> {
        self.row.time(col).map_err(|e| self.err(col, e))
    }
    fn opt_time(&self, col: &'static str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.row.opt_time(col).map_err(|e| self.err(col, e))
    }
    fn count(&self, col: &'static str) -> Result<u64, StoreError> {
        let n = self.row.int(col).map_err(|e| self.err(col, e))?;
        u64::try_from(n).map_err(|_| self.err(col, format!("negative count {n}")))
    }
    fn opt_real(&self, col: &'static str) -> Result<Option<f64>, StoreError> {
        self.row.opt_real(col).map_err(|e| self.err(col, e))
    }
    fn int(&self, col: &'static str) -> Result<i64, StoreError> {
        self.row.int(col).map_err(|e| self.err(col, e))
    }
    fn opt_parse<T: FromStr>(&self, col: &'static str) -> Result<Option<T>, StoreError>
    where
        T::Err: Display,
    {
        match self.opt_text(col)? {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|e| self.err(col, e)),
        }
    }
    fn json<T: DeserializeOwned>(&self, col: &'static str) -> Result<T, StoreError> {
        let v = self.row.json(col).map_err(|e| self.err(col, e))?;
        serde_json::from_value(v).map_err(|e| self.err(col, e))
    }
    fn opt_json<T: DeserializeOwned>(&self, col: &'static str) -> Result<Option<T>, StoreError> {
        match self.row.opt_json(col).map_err(|e| self.err(col, e))? {
            None => Ok(None),
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| self.err(col, e)),
        }
    }
}

pub(crate) const SCAN_COLUMNS: &str =
    "id, connection_id, provider, \"trigger\", status, started_at, finished_at, \
     coverage, errors, resource_count, finding_count, new_findings, resolved_findings, \
     regressed_findings, suppressed_findings, progress, cancel_requested_at, api_calls";

pub(crate) fn scan(row: &impl Cells) -> Result<ScanRecord, StoreError> {
    let cx = RowCx::new(row, "scans", "id")?;
    Ok(ScanRecord {
        id: cx.parse("id")?,
        connection_id: cx.parse("connection_id")?,
        provider: cx.parse("provider")?,
        trigger: cx.parse("trigger")?,
        status: cx.parse("status")?,
        started_at: cx.time("started_at")?,
        finished_at: cx.opt_time("finished_at")?,
        coverage: cx.json("coverage")?,
        errors: cx.json("errors")?,
        resource_count: cx.count("resource_count")?,
        finding_count: cx.count("finding_count")?,
        new_findings: cx.count("new_findings")?,
        resolved_findings: cx.count("resolved_findings")?,
        regressed_findings: cx.count("regressed_findings")?,
        suppressed_findings: cx.count("suppressed_findings")?,
        progress: cx.opt_json("progress")?,
        cancel_requested_at: cx.opt_time("cancel_requested_at")?,
        api_calls: cx.opt_json("api_calls")?.unwrap_or_default(),
    })
}

/// The coverage of a row of `SELECT id, coverage FROM scans`.
pub(crate) fn scan_coverage(row: &impl Cells) -> Result<skywarden_graph::Coverage, StoreError> {
    RowCx::new(row, "scans", "id")?.json("coverage")
}

pub(crate) const RESOURCE_COLUMNS: &str = "resource_id, document";

pub(crate) fn resource(row: &impl Cells) -> Result<Resource, StoreError> {
    let cx = RowCx::new(row, "resources", "resource_id")?;
    let id: ResourceId = cx.parse("resource_id")?;
    let r: Resource = cx.json("document")?;
    if r.id != id {
        return Err(cx.err(
            "document",
            format!("document is for another resource, {}", r.id),
        ));
    }
    Ok(r)
}

/// Columns of `findings f LEFT JOIN suppressions s ON s.id = f.suppression_id`
/// ([`FINDING_FROM`]); filters must qualify columns with `f.`.
pub(crate) const FINDING_COLUMNS: &str = "f.connection_id, f.key, f.rule_id, f.severity, f.category, f.title, \
     f.resource_id, f.resource_kind, f.account_id, f.region, f.evidence, f.monthly_cost_usd, f.pricing_basis, \
     f.status, f.first_seen, f.last_seen, f.resolved_at, f.first_scan_id, f.last_scan_id, f.regression_count, \
     f.suppression_id, f.resource_tags, s.owner AS sup_owner, s.reason AS sup_reason, s.ticket AS sup_ticket, \
     s.expires_at AS sup_expires_at";

pub(crate) const FINDING_FROM: &str =
    "findings f LEFT JOIN suppressions s ON s.id = f.suppression_id";

pub(crate) fn finding(row: &impl Cells) -> Result<FindingRecord, StoreError> {
    let cx = RowCx::new(row, "findings", "key")?;
    let evidence: Evidence = cx.json("evidence")?;
    let pricing_basis: Option<PricingBasis> = cx.opt_json("pricing_basis")?;
    Ok(FindingRecord {
        connection_id: cx.parse::<ConnectionId>("connection_id")?,
        finding: Finding {
            key: cx.parse::<FindingKey>("key")?,
            rule_id: cx.text("rule_id")?,
            severity: cx.parse("severity")?,
            category: cx.parse("category")?,
            title: cx.text("title")?,
            resource_id: cx.parse("resource_id")?,
            resource_kind: cx.parse("resource_kind")?,
            account_id: cx.parse("account_id")?,
            region: cx.parse("region")?,
            evidence,
            monthly_cost_usd: cx.opt_real("monthly_cost_usd")?,
            pricing_basis,
            resource_tags: cx.json("resource_tags")?,
        },
        status: cx.parse("status")?,
        first_seen: cx.time("first_seen")?,
        last_seen: cx.time("last_seen")?,
        resolved_at: cx.opt_time("resolved_at")?,
        first_scan_id: cx.parse("first_scan_id")?,
        last_scan_id: cx.parse("last_scan_id")?,
        regression_count: u32::try_from(cx.count("regression_count")?)
            .map_err(|e| cx.err("regression_count", e))?,
        suppression: match cx.opt_text("suppression_id")? {
            None => None,
            Some(id) => Some(skywarden_rules::SuppressionRef {
                id,
                // A dangling id (never expected: suppressions are revoked, not deleted).
                owner: cx.opt_text("sup_owner")?.unwrap_or_default(),
                reason: cx.opt_text("sup_reason")?.unwrap_or_default(),
                ticket: cx.opt_text("sup_ticket")?,
                expires_at: cx.opt_time("sup_expires_at")?,
            }),
        },
    })
}

pub(crate) const SUPPRESSION_COLUMNS: &str = "id, connection_id, rule_pattern, resource_pattern, account_id, \
     tags, owner, reason, ticket, created_at, expires_at, revoked_at, last_matched_at, scans_without_match";

pub(crate) fn suppression(row: &impl Cells) -> Result<skywarden_rules::Suppression, StoreError> {
    let cx = RowCx::new(row, "suppressions", "id")?;
    Ok(skywarden_rules::Suppression {
        id: cx.text("id")?,
        connection_id: cx
            .opt_text("connection_id")?
            .map(|c| c.parse())
            .transpose()
            .map_err(|e: skywarden_graph::GraphError| cx.err("connection_id", e))?,
        rule: cx.opt_text("rule_pattern")?,
        resource: cx.opt_text("resource_pattern")?,
        account_id: cx
            .opt_text("account_id")?
            .map(|c| c.parse())
            .transpose()
            .map_err(|e: skywarden_graph::GraphError| cx.err("account_id", e))?,
        tags: cx.json("tags")?,
        owner: cx.text("owner")?,
        reason: cx.text("reason")?,
        ticket: cx.opt_text("ticket")?,
        created_at: cx.time("created_at")?,
        expires_at: cx.time("expires_at")?,
        revoked_at: cx.opt_time("revoked_at")?,
        last_matched_at: cx.opt_time("last_matched_at")?,
        scans_without_match: u32::try_from(cx.count("scans_without_match")?)
            .map_err(|e| cx.err("scans_without_match", e))?,
    })
}

/// (key, status as of a scan) from `finding_events`.
pub(crate) fn event(
    row: &impl Cells,
) -> Result<(String, skywarden_rules::FindingStatus, DateTime<Utc>), StoreError> {
    let cx = RowCx::new(row, "finding_events", "key")?;
    Ok((
        cx.parse::<FindingKey>("key")?.to_string(),
        cx.parse("status")?,
        cx.time("at")?,
    ))
}

/// An open finding that the current scan did not report: what resolution needs to know.
#[derive(Debug)]
pub(crate) struct StaleFinding {
    pub key: String,
    pub rule_id: String,
    pub resource_kind: skywarden_graph::ResourceKind,
    pub account_id: skywarden_graph::AccountId,
    pub region: skywarden_graph::Region,
}

pub(crate) const STALE_FINDING_COLUMNS: &str = "key, rule_id, resource_kind, account_id, region";

pub(crate) fn stale_finding(row: &impl Cells) -> Result<StaleFinding, StoreError> {
    let cx = RowCx::new(row, "findings", "key")?;
    Ok(StaleFinding {
        key: cx.parse::<FindingKey>("key")?.to_string(),
        rule_id: cx.text("rule_id")?,
        resource_kind: cx.parse("resource_kind")?,
        account_id: cx.parse("account_id")?,
        region: cx.parse("region")?,
    })
}

/// (key, status, regression count) of a stored finding.
pub(crate) fn finding_status(
    row: &impl Cells,
) -> Result<(String, skywarden_rules::FindingStatus, u32), StoreError> {
    let cx = RowCx::new(row, "findings", "key")?;
    let n =
        u32::try_from(cx.count("regression_count")?).map_err(|e| cx.err("regression_count", e))?;
    Ok((cx.text("key")?, cx.parse("status")?, n))
}

/// (connection id, status) of a stored scan, to explain why it cannot be finished.
pub(crate) fn scan_state(
    row: &impl Cells,
) -> Result<(ConnectionId, crate::types::ScanStatus), StoreError> {
    let cx = RowCx::new(row, "scans", "id")?;
    Ok((cx.parse("connection_id")?, cx.parse("status")?))
}

/// (key, (rule id, resource id, severity)) of a stored finding.
pub(crate) fn finding_meta(
    row: &impl Cells,
) -> Result<(String, (String, String, skywarden_rules::Severity)), StoreError> {
    let cx = RowCx::new(row, "findings", "key")?;
    Ok((
        cx.text("key")?,
        (
            cx.text("rule_id")?,
            cx.text("resource_id")?,
            cx.parse("severity")?,
        ),
    ))
}

/// A sealed row (`key_id`, `wrapped_key`, `ciphertext`) of `table`.
pub(crate) fn sealed(
    row: &(impl Cells + BytesCell),
    table: &'static str,
    key: &str,
) -> Result<crate::sealing::Sealed, StoreError> {
    let err = |col: &'static str, e: String| StoreError::decode(table, key, col, e);
    Ok(crate::sealing::Sealed {
        key_id: row.text("key_id").map_err(|e| err("key_id", e))?,
        wrapped_key: row
            .bytes("wrapped_key")
            .map_err(|e| err("wrapped_key", e))?,
        ciphertext: row.bytes("ciphertext").map_err(|e| err("ciphertext", e))?,
    })
}

pub(crate) fn text(
    row: &impl Cells,
    table: &'static str,
    col: &'static str,
) -> Result<String, StoreError> {
    row.text(col)
        .map_err(|e| StoreError::decode(table, "<row>", col, e))
}

pub(crate) fn credential_kind(
    row: &impl Cells,
    key: &str,
) -> Result<crate::types::CredentialKind, StoreError> {
    let s = row
        .text("kind")
        .map_err(|e| StoreError::decode("credentials", key, "kind", e))?;
    s.parse()
        .map_err(|e| StoreError::decode("credentials", key, "kind", e))
}

pub(crate) fn credential_info(
    row: &impl Cells,
) -> Result<crate::types::CredentialInfo, StoreError> {
    let cx = RowCx::new(row, "credentials", "connection_id")?;
    Ok(crate::types::CredentialInfo {
        connection_id: cx.parse("connection_id")?,
        kind: cx.parse("kind")?,
        key_id: cx.text("key_id")?,
        created_at: cx.time("created_at")?,
        updated_at: cx.time("updated_at")?,
    })
}

/// Raw bytes columns (BLOB / BYTEA).
pub(crate) trait BytesCell {
    fn bytes(&self, col: &'static str) -> Result<Vec<u8>, String>;
}

impl BytesCell for SqliteRow {
    fn bytes(&self, col: &'static str) -> Result<Vec<u8>, String> {
        self.try_get(col).map_err(|e| e.to_string())
    }
}

impl BytesCell for PgRow {
    fn bytes(&self, col: &'static str) -> Result<Vec<u8>, String> {
        self.try_get(col).map_err(|e| e.to_string())
    }
}

pub(crate) const ORG_COLUMNS: &str = "id, name, created_at";

pub(crate) fn organization(row: &impl Cells) -> Result<crate::types::Organization, StoreError> {
    let cx = RowCx::new(row, "organizations", "id")?;
    Ok(crate::types::Organization {
        id: cx.parse("id")?,
        name: cx.text("name")?,
        created_at: cx.time("created_at")?,
    })
}

pub(crate) const TOKEN_COLUMNS: &str =
    "id, org_id, name, role, created_at, last_used_at, expires_at, revoked_at";

pub(crate) fn token(row: &impl Cells) -> Result<crate::types::TokenInfo, StoreError> {
    let cx = RowCx::new(row, "api_tokens", "id")?;
    Ok(crate::types::TokenInfo {
        id: cx.text("id")?,
        org_id: cx.parse("org_id")?,
        name: cx.text("name")?,
        role: cx.parse("role")?,
        created_at: cx.time("created_at")?,
        last_used_at: cx.opt_time("last_used_at")?,
        expires_at: cx.opt_time("expires_at")?,
        revoked_at: cx.opt_time("revoked_at")?,
    })
}

pub(crate) const AUDIT_COLUMNS: &str =
    "id, org_id, at, actor, action, target, remote_addr, outcome, detail";

pub(crate) fn audit(row: &impl Cells) -> Result<crate::types::AuditRecord, StoreError> {
    let id = row
        .int("id")
        .map_err(|e| StoreError::decode("audit_log", "<unreadable>", "id", e))?;
    let cx = RowCx {
        row,
        table: "audit_log",
        key: id.to_string(),
    };
    Ok(crate::types::AuditRecord {
        id: cx.int("id")?,
        org_id: cx.parse("org_id")?,
        at: cx.time("at")?,
        actor: cx.text("actor")?,
        action: cx.text("action")?,
        target: cx.text("target")?,
        remote_addr: cx.opt_text("remote_addr")?,
        outcome: cx.text("outcome")?,
        detail: cx.json("detail")?,
    })
}

/// Columns of `connections c LEFT JOIN credentials cr ON cr.connection_id = c.id`
/// ([`CONNECTION_FROM`]); filters must qualify columns with `c.`.
pub(crate) const CONNECTION_COLUMNS: &str =
    "c.id, c.org_id, c.provider, c.name, c.config, c.schedule, \
     c.created_at, c.updated_at, cr.kind AS credential_kind";

pub(crate) const CONNECTION_FROM: &str =
    "connections c LEFT JOIN credentials cr ON cr.connection_id = c.id";

pub(crate) fn connection(row: &impl Cells) -> Result<crate::types::ConnectionRecord, StoreError> {
    let cx = RowCx::new(row, "connections", "id")?;
    let credential_kind: Option<crate::types::CredentialKind> = cx.opt_parse("credential_kind")?;
    Ok(crate::types::ConnectionRecord {
        id: cx.parse("id")?,
        org_id: cx.opt_parse("org_id")?,
        provider: cx.parse("provider")?,
        name: cx.opt_text("name")?,
        config: cx.json("config")?,
        schedule: cx.opt_json("schedule")?,
        created_at: cx.time("created_at")?,
        updated_at: cx.opt_time("updated_at")?,
        has_credential: credential_kind.is_some(),
        credential_kind,
    })
}

pub(crate) const CHANGE_COLUMNS: &str =
    "id, connection_id, scan_id, at, resource_id, kind, account_id, \
     region, change, content_hash, patch, document";

pub(crate) fn resource_change(
    row: &impl Cells,
) -> Result<crate::drift::ResourceChange, StoreError> {
    let id = row
        .int("id")
        .map_err(|e| StoreError::decode("resource_changes", "<unreadable>", "id", e))?;
    let cx = RowCx {
        row,
        table: "resource_changes",
        key: id.to_string(),
    };
    Ok(crate::drift::ResourceChange {
        id,
        connection_id: cx.parse("connection_id")?,
        scan_id: cx.parse("scan_id")?,
        at: cx.time("at")?,
        resource_id: cx.parse("resource_id")?,
        kind: cx.parse("kind")?,
        account_id: cx.parse("account_id")?,
        region: cx.parse("region")?,
        change: cx.parse("change")?,
        content_hash: cx.opt_text("content_hash")?,
        patch: cx.opt_json("patch")?,
        document: cx.opt_json("document")?,
    })
}

/// Columns of `baselines b` with the number of its resources.
pub(crate) const BASELINE_COLUMNS: &str = "b.id, b.connection_id, b.scan_id, b.selector_key, \
     b.selector_value, b.scopes, b.note, b.created_by, b.created_at, b.updated_at, \
     (SELECT COUNT(*) FROM baseline_resources br WHERE br.baseline_id = b.id) AS resource_count";

pub(crate) fn baseline(row: &impl Cells) -> Result<crate::drift::BaselineRecord, StoreError> {
    let cx = RowCx::new(row, "baselines", "id")?;
    let selector = match (cx.opt_text("selector_key")?, cx.opt_text("selector_value")?) {
        (Some(key), Some(value)) => Some(skywarden_rules::TagSelector { key, value }),
        (None, None) => None,
        _ => return Err(cx.err("selector_value", "a selector needs both key and value")),
    };
    Ok(crate::drift::BaselineRecord {
        id: cx.parse("id")?,
        connection_id: cx.parse("connection_id")?,
        scan_id: cx.parse("scan_id")?,
        selector,
        scopes: cx.json("scopes")?,
        note: cx.opt_text("note")?,
        created_by: cx.text("created_by")?,
        created_at: cx.time("created_at")?,
        updated_at: cx.time("updated_at")?,
        resource_count: cx.count("resource_count")?,
    })
}

pub(crate) const BASELINE_ENTRY_COLUMNS: &str =
    "resource_id, kind, account_id, region, content_hash, approved_at, approved_by, document";

pub(crate) fn baseline_entry(row: &impl Cells) -> Result<crate::drift::BaselineEntry, StoreError> {
    let cx = RowCx::new(row, "baseline_resources", "resource_id")?;
    Ok(crate::drift::BaselineEntry {
        resource_id: cx.parse("resource_id")?,
        kind: cx.parse("kind")?,
        account_id: cx.parse("account_id")?,
        region: cx.parse("region")?,
        content_hash: cx.text("content_hash")?,
        approved_at: cx.time("approved_at")?,
        approved_by: cx.text("approved_by")?,
        document: cx.json("document")?,
    })
}

/// The approved resource of a baseline row, parsed into its typed form (drift rules read it).
pub(crate) fn baseline_resource(
    row: &impl Cells,
) -> Result<(skywarden_graph::BaselineId, Resource), StoreError> {
    let cx = RowCx::new(row, "baseline_resources", "resource_id")?;
    let id: ResourceId = cx.parse("resource_id")?;
    let r: Resource = cx.json("document")?;
    if r.id != id {
        return Err(cx.err(
            "document",
            format!("document is for another resource, {}", r.id),
        ));
    }
    Ok((cx.parse("baseline_id")?, r))
}

/// What change history compares a stored resource row by.
pub(crate) fn stored_row(row: &impl Cells) -> Result<crate::changeset::StoredRow, StoreError> {
    let cx = RowCx::new(row, "resources", "resource_id")?;
    Ok(crate::changeset::StoredRow {
        resource_id: cx.text("resource_id")?,
        kind: cx.text("kind")?,
        account_id: cx.text("account_id")?,
        region: cx.text("region")?,
        content_hash: cx.text("content_hash")?,
        document_hash: cx.opt_text("document_hash")?,
    })
}

/// A resource id and its stored document as JSON (not parsed into a model: history also
/// reads documents an older version wrote).
pub(crate) fn raw_document(row: &impl Cells) -> Result<(String, Value), StoreError> {
    let cx = RowCx::new(row, "resources", "resource_id")?;
    Ok((cx.text("resource_id")?, cx.json("document")?))
}
