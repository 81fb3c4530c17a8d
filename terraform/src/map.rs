//! From parsed state files to managed resources: our resource id, where the resource lives
//! (account, region), and its compared attributes. The per-type tables are in
//! [`crate::aws`] and [`crate::azure`].
//!
//! Placement: an AWS resource's account and region come from its own attributes first
//! (`region`, which provider v6 writes on every resource; the region and account of `arn`;
//! `owner_id`), then from the other resources of the same provider configuration in the same
//! file (a provider block has one region and one set of credentials, so one resource with an
//! `arn` places its siblings without one), then from the caller's defaults. A resource that
//! still cannot be placed is an error naming it: guessing would report it missing from the
//! wrong region. Azure resources are placed by their ARM id (subscription) and `location`.
//!
//! Sub-resources (security group rules, the split-out S3 bucket configuration resources,
//! NSG rules) are folded into the resource they configure, found by its id across all the
//! given files; one whose parent is not in any file is reported as not compared.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use skywarden_graph::{AccountId, Arn, Partition, Region, Resource, ResourceId, ResourceKind};

use crate::error::{bounded, ErrorKind, TerraformError};
use crate::state::StateFile;
use crate::value::{AttrMap, AttrValue, Attrs};

/// Defaults for resources whose attributes (and provider siblings) do not say where they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapOptions {
    pub default_account: Option<AccountId>,
    pub default_region: Option<Region>,
}

/// How a kind's store scope relates to where the resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scoping {
    /// Scope region = the resource's region.
    Regional,
    /// Account-wide (IAM): scope region `global`, placed in `global`.
    AccountWide,
    /// S3 buckets: collected account-wide (scope region `global`) but located in a region;
    /// the located region decides which state covers them.
    Located,
}

/// Which provider a Terraform type belongs to (decides how it is placed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cloud {
    Aws,
    Azure,
}

/// Where a resource is, as the id builders need it.
#[derive(Debug, Clone)]
pub(crate) struct IdCx<'a> {
    pub account: &'a AccountId,
    /// The resource's region (`global` for account-wide kinds; possibly `global` for a bucket
    /// whose region is unknown).
    pub region: &'a Region,
    pub partition: Partition,
}

/// A Terraform type that is one of our resources.
#[derive(Debug)]
pub(crate) struct PrimaryType {
    pub tf: &'static str,
    pub kind: ResourceKind,
    pub cloud: Cloud,
    pub scoping: Scoping,
    /// Our resource id from the instance's attributes and placement.
    pub id: fn(&Attrs<'_>, &IdCx<'_>) -> Result<ResourceId, TerraformError>,
    /// The key sub-resources name this resource by (group id, bucket name, lower-cased ARM id).
    pub fold_key: fn(&Attrs<'_>) -> Result<String, TerraformError>,
    /// The compared attributes the state declares.
    pub state: fn(&Attrs<'_>) -> Result<AttrMap, TerraformError>,
    /// The same attributes read from the live resource; `None` if it is not of the expected
    /// model. An attribute the live side cannot know (an unreadable aspect) is left out and
    /// reported unverified, never compared as "absent".
    pub live: fn(&Resource) -> Option<AttrMap>,
    /// Whether a live resource counts as existing (a terminated instance does not).
    pub exists: fn(&Resource) -> bool,
    /// Whether a live resource not in the state is reported unmanaged (default VPCs, subnets
    /// and security groups are not: every account and VPC has them).
    pub reportable: fn(&Resource) -> bool,
}

/// A Terraform type that configures one of our resources (a rule, a bucket setting).
#[derive(Debug)]
pub(crate) struct FoldType {
    pub tf: &'static str,
    pub target: ResourceKind,
    /// The parent's fold key, from this instance's attributes.
    pub key: fn(&Attrs<'_>) -> Result<String, TerraformError>,
    pub state: fn(&Attrs<'_>) -> Result<AttrMap, TerraformError>,
}

pub(crate) fn always(_: &Resource) -> bool {
    true
}

/// A compared attribute as the state(s) declare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub value: AttrValue,
    /// Addresses of the state resources that declare it (a group and its rule resources).
    pub declared_by: Vec<String>,
}

/// One resource the state files manage, placed and ready to compare.
#[derive(Debug, Clone)]
pub struct Managed {
    pub file: String,
    pub address: String,
    pub type_name: &'static str,
    pub kind: ResourceKind,
    pub id: ResourceId,
    pub account: AccountId,
    /// The region of the resource's store scope (`global` for IAM users and S3 buckets).
    pub scope_region: Region,
    /// Where the resource is for "which regions does the state cover" (the bucket's region
    /// for S3; `global` for IAM).
    pub placement: Region,
    pub attrs: BTreeMap<&'static str, Declared>,
    pub(crate) spec: &'static PrimaryType,
    /// The key sub-resources find this resource by.
    pub(crate) fold_key: String,
}

/// A state resource that is not compared, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Orphan {
    pub file: String,
    pub address: String,
    pub type_name: String,
    /// The parent it configures (`sg-0abc`, a bucket name, an NSG id), absent from the state.
    pub parent: String,
}

/// One state file in the report: its identity and counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StateSummary {
    pub file: String,
    pub terraform_version: Option<String>,
    pub serial: Option<u64>,
    pub lineage: Option<String>,
    /// Managed resource instances in the file (every type).
    pub instances: usize,
    /// Data source instances (never compared).
    pub data_instances: usize,
}

/// Every managed resource of the given state files.
#[derive(Debug, Clone, Default)]
pub struct Mapped {
    pub files: Vec<StateSummary>,
    pub managed: Vec<Managed>,
    /// Instances of types Skywarden does not compare, by type.
    pub unsupported: BTreeMap<String, usize>,
    /// Sub-resources whose parent is in no given file.
    pub orphans: Vec<Orphan>,
}

impl Mapped {
    /// Kinds of the resources the state manages (those "of a kind the state types map to").
    pub fn kinds(&self) -> BTreeSet<ResourceKind> {
        self.managed.iter().map(|m| m.kind).collect()
    }
    /// The (account, region) pairs the state covers.
    pub fn placements(&self) -> BTreeSet<(AccountId, Region)> {
        self.managed
            .iter()
            .map(|m| (m.account.clone(), m.placement.clone()))
            .collect()
    }
}

/// What an instance's own attributes say about where it is.
#[derive(Debug, Default, Clone)]
struct Hints {
    region: Option<Region>,
    account: Option<AccountId>,
    partition: Option<Partition>,
}

struct Pending<'a> {
    file: &'a str,
    provider: &'a str,
    address: &'a str,
    attrs: Attrs<'a>,
    spec: &'static PrimaryType,
    hints: Hints,
}

fn aws_hints(a: &Attrs<'_>, spec: &PrimaryType) -> Result<Hints, TerraformError> {
    let mut h = Hints::default();
    // aws_lb's id is its ARN; everything else has an `arn` attribute (when the provider
    // version writes one).
    let arn = match a.opt_str("arn")? {
        Some(s) => Some(s),
        None if spec.tf == "aws_lb" || spec.tf == "aws_alb" => Some(a.id()?),
        None => None,
    };
    if let Some(s) = arn {
        let arn = Arn::parse(s).map_err(|_| {
            a.error(ErrorKind::InvalidId {
                field: "arn".into(),
                value: bounded(s),
                what: "ARN",
            })
        })?;
        h.region = arn.region;
        h.account = arn.account;
        h.partition = Some(arn.partition);
    }
    if let Some(r) = a.opt_str("region")? {
        let region = r.parse::<Region>().map_err(|_| {
            a.error(ErrorKind::InvalidId {
                field: "region".into(),
                value: bounded(r),
                what: "region",
            })
        })?;
        h.region = Some(region);
    }
    if h.account.is_none() {
        if let Some(o) = a.opt_str("owner_id")? {
            h.account = o.parse().ok();
        }
    }
    Ok(h)
}

/// The resources the given state files manage. Fails on the first malformed resource, on a
/// resource that cannot be placed, and on a resource two addresses claim.
pub fn map_states(files: &[StateFile], opts: &MapOptions) -> Result<Mapped, TerraformError> {
    let mut out = Mapped::default();
    let mut pending = Vec::new();
    let mut folds = Vec::new();
    for f in files {
        let mut instances = 0;
        for r in &f.resources {
            instances += r.instances.len();
            let primary = crate::primary(&r.type_name);
            let fold = crate::fold(&r.type_name);
            for inst in &r.instances {
                let attrs = Attrs {
                    file: &f.file,
                    address: &inst.address,
                    map: &inst.attributes,
                };
                if let Some(spec) = primary {
                    let hints = match spec.cloud {
                        Cloud::Aws => aws_hints(&attrs, spec)?,
                        Cloud::Azure => Hints::default(),
                    };
                    pending.push(Pending {
                        file: &f.file,
                        provider: &r.provider,
                        address: &inst.address,
                        attrs,
                        spec,
                        hints,
                    });
                } else if let Some(spec) = fold {
                    folds.push((attrs, spec));
                } else {
                    *out.unsupported.entry(r.type_name.clone()).or_default() += 1;
                }
            }
        }
        out.files.push(StateSummary {
            file: f.file.clone(),
            terraform_version: f.terraform_version.clone(),
            serial: f.serial,
            lineage: f.lineage.clone(),
            instances,
            data_instances: f.data_instances,
        });
    }

    // What each provider configuration (per file) and each file says about placement.
    let mut by_provider: HashMap<(&str, &str), Seen> = HashMap::new();
    let mut by_file: HashMap<&str, BTreeSet<AccountId>> = HashMap::new();
    for p in &pending {
        let e = by_provider.entry((p.file, p.provider)).or_default();
        if let Some(r) = &p.hints.region {
            e.0.insert(r.clone());
        }
        if let Some(a) = &p.hints.account {
            e.1.insert(a.clone());
            by_file.entry(p.file).or_default().insert(a.clone());
        }
    }

    let mut seen: HashMap<ResourceId, (String, String)> = HashMap::new();
    for p in pending {
        let provider = by_provider.get(&(p.file, p.provider));
        let m = place(&p, provider, by_file.get(p.file), opts)?;
        if let Some((other_file, other_address)) = seen.get(&m.id) {
            return Err(p.attrs.error(ErrorKind::ManagedTwice {
                resource_id: bounded(m.id.as_str()),
                other_file: other_file.clone(),
                other_address: other_address.clone(),
            }));
        }
        seen.insert(m.id.clone(), (m.file.clone(), m.address.clone()));
        out.managed.push(m);
    }

    // Fold sub-resources into their parents.
    let mut index: HashMap<(ResourceKind, String), usize> = HashMap::new();
    for (i, m) in out.managed.iter().enumerate() {
        index.insert((m.kind, m.fold_key.clone()), i);
    }
    for (a, spec) in folds {
        let key = (spec.key)(&a)?;
        let values = (spec.state)(&a)?;
        match index.get(&(spec.target, key.clone())) {
            Some(&i) => {
                let m = &mut out.managed[i];
                for (name, v) in values {
                    match m.attrs.get_mut(name) {
                        Some(d) => {
                            d.value.merge(v);
                            d.declared_by.push(a.address.to_string());
                        }
                        None => {
                            m.attrs.insert(
                                name,
                                Declared {
                                    value: v,
                                    declared_by: vec![a.address.to_string()],
                                },
                            );
                        }
                    }
                }
            }
            None => out.orphans.push(Orphan {
                file: a.file.to_string(),
                address: a.address.to_string(),
                type_name: spec.tf.to_string(),
                parent: bounded(&key),
            }),
        }
    }
    for m in &mut out.managed {
        for d in m.attrs.values_mut() {
            d.declared_by.sort();
            d.declared_by.dedup();
        }
    }
    out.orphans.sort();
    Ok(out)
}

type Seen = (BTreeSet<Region>, BTreeSet<AccountId>);

/// Places a resource and builds it: AWS from its attributes, then its provider siblings, then
/// the file's one account, then the defaults; Azure from its ARM id and `location`.
fn place(
    p: &Pending<'_>,
    provider: Option<&Seen>,
    file_accounts: Option<&BTreeSet<AccountId>>,
    opts: &MapOptions,
) -> Result<Managed, TerraformError> {
    if p.spec.cloud == Cloud::Azure {
        let (id, account, region) = crate::azure::place(&p.attrs, opts.default_region.as_ref())?;
        return build(p, id, account, region.clone(), region);
    }
    let account = p
        .hints
        .account
        .clone()
        .or_else(|| only(provider.map(|x| &x.1)))
        .or_else(|| only(file_accounts))
        .or_else(|| opts.default_account.clone())
        .ok_or_else(|| p.attrs.error(ErrorKind::Unplaceable { missing: "account" }))?;
    let region = match p.spec.scoping {
        Scoping::AccountWide => Region::global(),
        Scoping::Regional | Scoping::Located => {
            let found = p
                .hints
                .region
                .clone()
                .or_else(|| only(provider.map(|x| &x.0)))
                .or_else(|| opts.default_region.clone());
            match (found, p.spec.scoping) {
                (Some(r), _) => r,
                // A bucket of unknown region is still one bucket of the account.
                (None, Scoping::Located) => Region::global(),
                (None, _) => {
                    return Err(p.attrs.error(ErrorKind::Unplaceable { missing: "region" }))
                }
            }
        }
    };
    let partition = p.hints.partition.unwrap_or_else(|| region.partition());
    let cx = IdCx {
        account: &account,
        region: &region,
        partition,
    };
    let id = (p.spec.id)(&p.attrs, &cx)?;
    let scope_region = match p.spec.scoping {
        Scoping::Regional => region.clone(),
        Scoping::AccountWide | Scoping::Located => Region::global(),
    };
    build(p, id, account, scope_region, region)
}

/// The one element of `s`, if it has exactly one.
fn only<T: Clone>(s: Option<&BTreeSet<T>>) -> Option<T> {
    match s {
        Some(s) if s.len() == 1 => s.iter().next().cloned(),
        _ => None,
    }
}

fn build(
    p: &Pending<'_>,
    id: ResourceId,
    account: AccountId,
    scope_region: Region,
    placement: Region,
) -> Result<Managed, TerraformError> {
    let attrs = (p.spec.state)(&p.attrs)?
        .into_iter()
        .map(|(k, value)| {
            (
                k,
                Declared {
                    value,
                    declared_by: vec![p.address.to_string()],
                },
            )
        })
        .collect();
    Ok(Managed {
        file: p.file.to_string(),
        address: p.address.to_string(),
        type_name: p.spec.tf,
        kind: p.spec.kind,
        id,
        account,
        scope_region,
        placement,
        attrs,
        spec: p.spec,
        fold_key: (p.spec.fold_key)(&p.attrs)?,
    })
}

/// A resource id from text built out of state attributes, or an error naming the field.
pub(crate) fn parse_id(
    a: &Attrs<'_>,
    field: &str,
    text: String,
) -> Result<ResourceId, TerraformError> {
    text.parse::<ResourceId>().map_err(|_| {
        a.error(ErrorKind::InvalidId {
            field: field.to_string(),
            value: bounded(&text),
            what: "resource id",
        })
    })
}
