//! `skywarden-store`: persistence of scans, inventory and findings.
//!
//! Owns: the schema and its migrations per backend (`migrations/sqlite/`,
//! `migrations/postgres/`, embedded at compile time), the [`Store`] handle over a SQLite or
//! Postgres pool, and the repositories on it: scan history ([`Store::begin_scan`],
//! [`Store::finish_scan`], [`Store::fail_scan`]), inventory ([`Store::list_resources`]) and
//! finding lifecycle ([`Store::list_findings`]). [`Store::finish_scan`] is where "could not see
//! is never nothing there" is enforced for storage: deletions and resolutions only come from
//! Complete coverage scopes.
//!
//! Depends on `skywarden-graph` and `skywarden-rules` only. Must not depend on the scanner or
//! any cloud SDK: the store persists typed values, it never fetches them.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod compare;
mod error;
mod plan;
mod rows;
pub mod sealing;
mod store;
mod types;

pub use error::{redact_url, StoreError};
pub use sealing::{MasterKey, MASTER_KEY_ENV};
pub use store::Store;
pub use types::{
    Backend, Change, ComparedFinding, CredentialInfo, CredentialKind, FindingFilter, NewScan,
    PersistSummary, ScanComparison, ScanOutcome, ScanRecord, ScanStatus, ScanTrigger,
};
