//! `skywarden-graph`: the typed resource model and the topology built over it.
//!
//! Owns: typed ids ([`ResourceId`], [`AccountId`], [`Region`], [`ConnectionId`], [`ScanId`]),
//! [`ResourceKind`] and the typed properties of every kind ([`model`]), the [`Inventory`]
//! (a petgraph graph kept private, built in two phases: nodes, then edges from references),
//! [`Coverage`] of a scan per (account, region, kind), and derived topology facts such as
//! internet exposure paths ([`topology`]), and what change history and drift compare:
//! volatile fields ([`volatile`]) and JSON Patch differences ([`diff`]).
//!
//! Must not depend on: any other workspace crate, any cloud SDK, any I/O (no network, no
//! database, no files). Everything here is pure data and pure functions.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod coverage;
pub mod diff;
pub mod error;
pub mod ids;
pub mod inventory;
pub mod kind;
pub mod model;
pub mod render;
pub mod resource;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod topology;
pub mod volatile;

pub use coverage::{Coverage, CoverageStatus, ErrorClass, Scope, ScopeError};
pub use diff::PatchOp;
pub use error::GraphError;
pub use ids::{AccountId, Arn, BaselineId, ConnectionId, Partition, Region, ResourceId, ScanId};
pub use inventory::{Dangling, Direction, EdgeKind, Inventory, InventoryBuilder, Reference};
pub use kind::{Provider, ResourceKind};
pub use model::{Model, Properties};
pub use render::{EdgeView, GraphView, NodeView};
pub use resource::Resource;
