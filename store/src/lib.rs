//! `skywarden-store`: persistence of scans, inventory and findings.
//!
//! Owns: the schema and its migrations per backend (`migrations/sqlite/`,
//! `migrations/postgres/`, embedded at compile time), the [`Store`] handle over a SQLite or
//! Postgres pool, and the repositories on it: scan history ([`Store::begin_scan`],
//! [`Store::finish_scan`], [`Store::fail_scan`]), inventory ([`Store::list_resources`]) and
//! finding lifecycle ([`Store::list_findings`]); and for the daemon: organizations, API
//! tokens (hashed) and the audit log, API-managed connections and their cascading deletion,
//! per-connection scan leases, cancellation, progress and crash recovery, cursor-paginated
//! inventory and findings, and the totals behind `/metrics`; change history
//! ([`Store::list_changes`], [`Store::prune_history`]) and baselines ([`Store::pin_baseline`],
//! [`Store::approve_resource`], [`Store::baseline_view`]). [`Store::finish_scan`] is where
//! "could not see is never nothing there" is enforced for storage: deletions and resolutions
//! only come from Complete coverage scopes.
//!
//! Depends on `skywarden-graph` and `skywarden-rules` only. Must not depend on the scanner or
//! any cloud SDK: the store persists typed values, it never fetches them.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod changeset;
mod compare;
mod cursor;
mod drift;
mod error;
mod plan;
mod rows;
pub mod sealing;
mod store;
mod types;

pub use cursor::{cursor_after, FindingCursor};
pub use drift::{
    Approval, ApprovalAction, BaselineEntry, BaselineRecord, ChangeFilter, ChangeKind, NewBaseline,
    PruneSummary, ResourceChange, Retention,
};
pub use error::{redact_url, StoreError};
pub use sealing::{MasterKey, MASTER_KEY_ENV};
pub use store::{Store, ABANDONED, TOKEN_PREFIX};
pub use types::{
    ApiCalls, AuditEntry, AuditRecord, Backend, Change, ComparedFinding, ConnectionRecord,
    ConnectionUpdate, CredentialInfo, CredentialKind, DeletedCounts, FindingFilter, FindingSort,
    NewConnection, NewScan, OrgId, Organization, PersistSummary, ResourceQuery, Role,
    ScanComparison, ScanOutcome, ScanRecord, ScanStatus, ScanTrigger, TokenInfo,
};
