//! `skywarden-terraform`: Terraform state (format version 4) against the stored inventory.
//!
//! Owns: the strict state reader ([`state::parse`]: every problem is a [`TerraformError`]
//! naming the file and the resource address), the per-type mapping of Terraform resources
//! to Skywarden resource ids and compared attributes ([`aws`], [`azure`]: the attribute
//! table per type is in each module's documentation), placement of resources without ARNs
//! ([`map`]), and the comparison ([`compare`]): unmanaged, missing and changed resources over
//! Complete scopes.
//!
//! Depends on `skywarden-graph` only. Must not depend on the scanner, the store, any cloud
//! SDK or any I/O: callers read the files (local, S3 backend, HTTP upload) and the stored
//! inventory, and hand both in. It is its own crate rather than a module of `skywarden-rules`
//! because it is not a rule (no findings, no catalog entry) and keeps the rules crate's
//! compile unit small; like the rules it is pure and fast to test.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod aws;
pub mod azure;
pub mod compare;
pub mod error;
pub mod map;
pub mod state;
pub mod value;

pub use compare::{
    compare, AttributeChange, Changed, DriftReport, Missing, NotCompared, NotComparedReason,
    NotComparedResource, ScopeNote, ScopeStatus, Summary, TypeCount, Unmanaged, Unverified,
};
pub use error::{ErrorKind, TerraformError};
pub use map::{map_states, MapOptions, Mapped, StateSummary};
pub use state::{parse, StateFile};
pub use value::AttrValue;

use map::{FoldType, PrimaryType};

fn primaries() -> impl Iterator<Item = &'static PrimaryType> {
    aws::PRIMARY.iter().chain(azure::PRIMARY)
}

fn folds() -> impl Iterator<Item = &'static FoldType> {
    aws::FOLD.iter().chain(azure::FOLD)
}

fn primary(tf: &str) -> Option<&'static PrimaryType> {
    primaries().find(|t| t.tf == tf)
}

fn fold(tf: &str) -> Option<&'static FoldType> {
    folds().find(|t| t.tf == tf)
}

/// Every Terraform type that is compared (resources and the sub-resources folded into them).
pub fn supported_types() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = primaries()
        .map(|t| t.tf)
        .chain(folds().map(|t| t.tf))
        .collect();
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests;
