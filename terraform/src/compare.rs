//! State vs live: unmanaged, missing and changed resources, over Complete scopes only.
//!
//! `latest` is, per (account, region, kind), the coverage status of the newest finished scan
//! that recorded that scope. Only Complete scopes are compared: a state resource in a scope
//! that failed, was skipped or was never scanned is "not compared" (never "missing"), and
//! live resources of such a scope are never "unmanaged" (their stored copy may be stale).
//!
//! * **unmanaged**: a live resource of a kind some state resource maps to, in an (account,
//!   region) some state resource is in, that no state resource is (defaults and terminated
//!   instances excepted, see [`crate::aws`]).
//! * **missing**: a state resource with no live resource of its id (or a terminated one).
//! * **changed**: a state resource whose compared attributes differ from the live ones:
//!   attribute path, state value, live value. Attributes the live side could not read are
//!   listed as unverified.
//!
//! Every list is sorted (by resource id, then address or attribute), so reports are stable.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use skywarden_graph::coverage::Coverage;
use skywarden_graph::{
    AccountId, CoverageStatus, ErrorClass, Region, Resource, ResourceId, ResourceKind, Scope,
};

use crate::map::{Mapped, Scoping, StateSummary};
use crate::value::AttrValue;

/// The comparison of one or more state files with a connection's stored inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    pub states: Vec<StateSummary>,
    pub summary: Summary,
    pub unmanaged: Vec<Unmanaged>,
    pub missing: Vec<Missing>,
    pub changed: Vec<Changed>,
    /// Attributes the state declares that the live side could not read (e.g. an S3 bucket
    /// aspect the scan was denied): neither in sync nor changed.
    pub unverified: Vec<Unverified>,
    pub not_compared: NotCompared,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// State resources Skywarden maps to one of its kinds.
    pub managed: usize,
    /// Of those, in a Complete scope and so compared.
    pub compared: usize,
    /// Compared and equal in every compared attribute.
    pub in_sync: usize,
    pub unmanaged: usize,
    pub missing: usize,
    pub changed: usize,
    /// Instances not compared: unsupported types, orphaned sub-resources, incomplete scopes.
    pub not_compared: usize,
    /// Whether anything is unmanaged, missing or changed.
    pub drift: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmanaged {
    pub resource_id: ResourceId,
    pub kind: ResourceKind,
    pub account_id: AccountId,
    pub region: Region,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    pub resource_id: ResourceId,
    pub kind: ResourceKind,
    pub account_id: AccountId,
    pub region: Region,
    pub file: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changed {
    pub resource_id: ResourceId,
    pub kind: ResourceKind,
    pub account_id: AccountId,
    pub region: Region,
    pub file: String,
    pub address: String,
    pub attributes: Vec<AttributeChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeChange {
    /// Terraform attribute path, e.g. `instance_type`, `versioning_configuration.status`.
    pub attribute: String,
    /// The state addresses that declare it (a group and its separate rule resources).
    pub declared_by: Vec<String>,
    pub state: AttrValue,
    pub live: AttrValue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unverified {
    pub resource_id: ResourceId,
    pub address: String,
    pub attribute: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NotCompared {
    /// Resource types Skywarden does not map, with their instance counts.
    pub types: Vec<TypeCount>,
    /// State resources that were not compared, with the reason.
    pub resources: Vec<NotComparedResource>,
    /// Scopes the state touches whose latest scan was not Complete.
    pub scopes: Vec<ScopeNote>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeCount {
    #[serde(rename = "type")]
    pub type_name: String,
    pub instances: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotComparedResource {
    pub file: String,
    pub address: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub resource_id: Option<ResourceId>,
    pub reason: NotComparedReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum NotComparedReason {
    /// The resource's (account, region, kind) scope was not Complete in its latest scan.
    ScopeNotComplete { status: ScopeStatus },
    /// A sub-resource (rule, bucket setting) whose parent is in none of the state files.
    ParentNotInState { parent: String },
}

/// Why a scope is not comparable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ScopeStatus {
    Failed {
        class: ErrorClass,
    },
    Skipped {
        reason: String,
    },
    /// No finished scan recorded this scope.
    NotScanned,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScopeNote {
    pub account_id: AccountId,
    pub region: Region,
    pub kind: ResourceKind,
    #[serde(flatten)]
    pub status: ScopeStatus,
}

fn incomplete(latest: &Coverage, scope: &Scope) -> Option<ScopeStatus> {
    match latest.get(scope) {
        Some(CoverageStatus::Complete) => None,
        Some(CoverageStatus::Failed { error }) => Some(ScopeStatus::Failed { class: error.class }),
        Some(CoverageStatus::Skipped { reason }) => Some(ScopeStatus::Skipped {
            reason: reason.clone(),
        }),
        None => Some(ScopeStatus::NotScanned),
    }
}

/// The region of the store scope holding resources of `kind` placed in `placement`, if such
/// a scope exists (IAM users are only in `global`; regional kinds never are).
fn scope_region(scoping: Scoping, placement: &Region) -> Option<Region> {
    match scoping {
        Scoping::AccountWide => placement.is_global().then(Region::global),
        Scoping::Located => Some(Region::global()),
        Scoping::Regional => (!placement.is_global()).then(|| placement.clone()),
    }
}

/// Where a live resource is for "which regions does the state cover".
fn live_placement(scoping: Scoping, r: &Resource) -> Region {
    match scoping {
        Scoping::Located => r
            .model::<skywarden_graph::model::Bucket>()
            .and_then(|b| b.location.clone())
            .unwrap_or_else(Region::global),
        Scoping::AccountWide | Scoping::Regional => r.region.clone(),
    }
}

/// Compares the mapped state with a connection's stored inventory (`live`) under the latest
/// coverage of each scope (`latest`).
pub fn compare(mapped: &Mapped, live: &[Resource], latest: &Coverage) -> DriftReport {
    let by_id: HashMap<&ResourceId, &Resource> = live.iter().map(|r| (&r.id, r)).collect();
    let mut report = DriftReport {
        states: mapped.files.clone(),
        summary: Summary {
            managed: mapped.managed.len(),
            ..Summary::default()
        },
        unmanaged: Vec::new(),
        missing: Vec::new(),
        changed: Vec::new(),
        unverified: Vec::new(),
        not_compared: NotCompared::default(),
    };

    // Scopes the state touches, and how each kind is scoped.
    let scoping: BTreeMap<ResourceKind, Scoping> = mapped
        .managed
        .iter()
        .map(|m| (m.kind, m.spec.scoping))
        .collect();
    let placements = mapped.placements();
    let mut notes = BTreeSet::new();
    for (&kind, &sc) in &scoping {
        for (account, placement) in &placements {
            if let Some(region) = scope_region(sc, placement) {
                let scope = Scope {
                    account_id: account.clone(),
                    region,
                    kind,
                };
                if let Some(status) = incomplete(latest, &scope) {
                    notes.insert(ScopeNote {
                        account_id: scope.account_id,
                        region: scope.region,
                        kind,
                        status,
                    });
                }
            }
        }
    }

    // State side: missing, changed, not compared.
    let mut in_state: BTreeSet<&ResourceId> = BTreeSet::new();
    for m in &mapped.managed {
        in_state.insert(&m.id);
        let scope = Scope {
            account_id: m.account.clone(),
            region: m.scope_region.clone(),
            kind: m.kind,
        };
        if let Some(status) = incomplete(latest, &scope) {
            report.not_compared.resources.push(NotComparedResource {
                file: m.file.clone(),
                address: m.address.clone(),
                type_name: m.type_name.to_string(),
                resource_id: Some(m.id.clone()),
                reason: NotComparedReason::ScopeNotComplete { status },
            });
            continue;
        }
        report.summary.compared += 1;
        let found = by_id
            .get(&m.id)
            .copied()
            .filter(|r| r.kind() == m.kind && (m.spec.exists)(r));
        let Some(r) = found else {
            report.missing.push(Missing {
                resource_id: m.id.clone(),
                kind: m.kind,
                account_id: m.account.clone(),
                region: m.placement.clone(),
                file: m.file.clone(),
                address: m.address.clone(),
            });
            continue;
        };
        let live_attrs = (m.spec.live)(r).unwrap_or_default();
        let mut attributes = Vec::new();
        for (name, declared) in &m.attrs {
            match live_attrs.get(name) {
                None => report.unverified.push(Unverified {
                    resource_id: m.id.clone(),
                    address: m.address.clone(),
                    attribute: (*name).to_string(),
                }),
                Some(v) if *v == declared.value => {}
                Some(v) => attributes.push(AttributeChange {
                    attribute: (*name).to_string(),
                    declared_by: declared.declared_by.clone(),
                    state: declared.value.clone(),
                    live: v.clone(),
                }),
            }
        }
        if attributes.is_empty() {
            report.summary.in_sync += 1;
        } else {
            report.changed.push(Changed {
                resource_id: m.id.clone(),
                kind: m.kind,
                account_id: m.account.clone(),
                region: m.placement.clone(),
                file: m.file.clone(),
                address: m.address.clone(),
                attributes,
            });
        }
    }

    // Live side: unmanaged.
    let specs: BTreeMap<ResourceKind, &crate::map::PrimaryType> =
        mapped.managed.iter().map(|m| (m.kind, m.spec)).collect();
    for r in live {
        let Some(spec) = specs.get(&r.kind()) else {
            continue;
        };
        if in_state.contains(&r.id) || !(spec.exists)(r) || !(spec.reportable)(r) {
            continue;
        }
        let placement = live_placement(spec.scoping, r);
        if !placements.contains(&(r.account_id.clone(), placement.clone())) {
            continue;
        }
        let scope = Scope {
            account_id: r.account_id.clone(),
            region: r.region.clone(),
            kind: r.kind(),
        };
        if incomplete(latest, &scope).is_some() {
            continue;
        }
        report.unmanaged.push(Unmanaged {
            resource_id: r.id.clone(),
            kind: r.kind(),
            account_id: r.account_id.clone(),
            region: placement,
            name: r.name.clone(),
        });
    }

    for o in &mapped.orphans {
        report.not_compared.resources.push(NotComparedResource {
            file: o.file.clone(),
            address: o.address.clone(),
            type_name: o.type_name.clone(),
            resource_id: None,
            reason: NotComparedReason::ParentNotInState {
                parent: o.parent.clone(),
            },
        });
    }
    report.not_compared.types = mapped
        .unsupported
        .iter()
        .map(|(t, n)| TypeCount {
            type_name: t.clone(),
            instances: *n,
        })
        .collect();
    report.not_compared.scopes = notes.into_iter().collect();

    report
        .unmanaged
        .sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
    report
        .missing
        .sort_by(|a, b| (&a.resource_id, &a.address).cmp(&(&b.resource_id, &b.address)));
    report
        .changed
        .sort_by(|a, b| (&a.resource_id, &a.address).cmp(&(&b.resource_id, &b.address)));
    report
        .unverified
        .sort_by(|a, b| (&a.resource_id, &a.attribute).cmp(&(&b.resource_id, &b.attribute)));
    report
        .not_compared
        .resources
        .sort_by(|a, b| (&a.file, &a.address).cmp(&(&b.file, &b.address)));

    let s = &mut report.summary;
    s.unmanaged = report.unmanaged.len();
    s.missing = report.missing.len();
    s.changed = report.changed.len();
    s.not_compared = report.not_compared.resources.len()
        + report
            .not_compared
            .types
            .iter()
            .map(|t| t.instances)
            .sum::<usize>();
    s.drift = s.unmanaged + s.missing + s.changed > 0;
    report
}
