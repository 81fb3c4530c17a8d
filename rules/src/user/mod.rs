//! User rule packs: YAML files whose rules match resources with [CEL] expressions over the
//! typed resource document and precomputed graph facts.
//!
//! This crate does no I/O: the caller reads the files and hands their text to
//! [`PackSet::load`]. Loading is all or nothing: any error in any file rejects the whole
//! set, and `load` changes nothing (it only returns a new [`PackSet`]), so a caller that
//! reloads keeps its previous set active until a load succeeds.
//!
//! [CEL]: https://github.com/google/cel-spec
//!
//! # Pack format
//!
//! ```yaml
//! schema: skywarden.rules/v1          # required, exactly this
//! pack: acme-baseline                 # the pack's name: lowercase letters, digits, `-`
//! params:                             # optional mapping, any YAML values: `params` in CEL
//!   gib_month_usd: 0.08
//! rules:
//!   - id: acme.ec2.security_group_all_traffic_world
//!     title: Security group allows all traffic from the internet
//!     description: ...                # optional
//!     severity: high                  # info | low | medium | high | critical
//!     category: security              # security | cost | drift
//!     kinds: [aws_ec2_security_group] # resource kinds the rule is evaluated on (>= 1)
//!     remediation: ...
//!     compliance:                     # optional
//!       - {framework: cis_aws_foundations, version: "3.0.0", control: "5.2"}
//!     match: >-                       # CEL, must evaluate to a bool
//!       resource.properties.ingress.exists(p, p.protocol.name == "all"
//!         && ("0.0.0.0/0" in p.ipv4_ranges || "::/0" in p.ipv6_ranges))
//!     estimate:                       # cost rules only, and required for them
//!       monthly_usd: double(resource.properties.size_gib) * params.gib_month_usd
//! ```
//!
//! Unknown keys are errors. Rule ids are dotted lowercase (`[a-z0-9_]` segments separated
//! by `.`, at least two segments, at most 128 characters), unique across every pack and the
//! built-in rules; the prefixes `aws.`, `azure.`, `drift.` and `skywarden.` are reserved for built-in
//! rules. Pack names are unique across files. `kinds` are the slugs of `skywarden rules list`
//! (`aws_ec2_instance`, `aws_ebs_volume`, ...). A rule is evaluated on the resources of its
//! `kinds`, and its findings are resolved only in scans where all of them were collected
//! completely: list every kind the rule depends on (a graph-aware rule lists the network
//! kinds its exposure fact comes from, as `examples/rules/baseline.yaml` does). An
//! expression may also be a bare YAML number or boolean (a constant).
//!
//! A rule fires at most once per resource (finding key: rule id, resource id). The
//! finding's evidence is `{type: rule_pack, pack, file, expression, exposure}`, where
//! `exposure` (`{public_ip, ports, path, open_ingress}`) is set for rules that read
//! `resource.graph` when the resource is exposed. Cost findings carry the estimate, rounded
//! to cents, with the pricing basis `table_version: pack:<pack>`, `price_key: <rule id>`,
//! `unit: month`, `quantity: 1`. Examples: `examples/rules/baseline.yaml`,
//! `examples/rules/hygiene/hygiene.yaml` (params, `now`, tags, neighbours) and
//! `examples/rules/broken/broken.yaml` (rejected).
//!
//! # What an expression sees
//!
//! * `resource`: the resource as JSON, as `skywarden` stores it, plus `graph`:
//!
//!   ```text
//!   { id, account_id, region, name (string|null), tags {string: string}, kind,
//!     properties { ...the kind's typed model, e.g. size_gib, state, ingress... },
//!     graph: {
//!       internet_exposed: bool,
//!       exposure: {                   # always present; empty lists when not exposed
//!         public_ip: string|null,     # null when not exposed
//!         ports: [int],               # TCP ports reachable from 0.0.0.0/0, see below
//!         port_ranges: [{via, protocol, from_port, to_port, source}],
//!         path: [{id, kind}],         # gateway -> route table -> subnet -> group -> resource
//!         open_ingress: [{via, protocol {name, number?}, from_port, to_port, source}],
//!       },
//!       neighbors: {                  # every edge kind, always present, maybe empty
//!         contains | attached_to | secured_by | routes_to | associated_with | derived_from |
//!         encrypted_with | logs_to:
//!           [{id, kind, direction: "outgoing"|"incoming", name, tags, properties}],
//!       },
//!     } }
//!   ```
//!
//!   Property names and enum values are those of the stored JSON documents (the model
//!   structs of `skywarden-graph`, `graph/src/model/<kind>.rs`): snake_case fields,
//!   `state: "running"`, `volume_type: "gp3"`, `protocol: {name: "tcp"}`,
//!   `{name: "all"}` for `-1`. Optional fields are always present and `null` when absent
//!   (test them with `x != null`; `has()` only tests that a key exists). Integers are CEL
//!   `int`; timestamps are RFC 3339 strings (`timestamp(resource.properties.launch_time)`).
//!   CEL does not mix `int` and `double` in arithmetic: write `double(x) * 0.08` and price
//!   params with a decimal point (`0.08`, `1.0`).
//!
//!   Exposure is computed for EC2 instances (see `aws.ec2.instance_exposed_admin_port`): a
//!   running instance with a public IPv4 address in a subnet whose effective route table
//!   sends `0.0.0.0/0` to an internet gateway, behind a security group with world-open
//!   ingress. `port_ranges` lists every world-open ingress permission (sources `0.0.0.0/0`
//!   and `::/0`); `protocol` is `all`, `tcp`, `udp`, `icmp`, `icmpv6` or the IANA number.
//!   `ports` counts only `0.0.0.0/0` sources, since the path is IPv4: the port of every
//!   single-port TCP permission plus each of [`COMMON_PORTS`] that a wider range or an
//!   all-traffic permission admits. `path` goes through the first (by id) security group
//!   admitting `0.0.0.0/0`.
//!
//!   Neighbours follow the inventory's typed edges in both directions: e.g. an instance's
//!   volumes are `attached_to` neighbours with direction `incoming`, its security groups
//!   `secured_by` / `outgoing`, its subnet `contains` / `incoming`.
//! * `params`: the pack's `params` mapping (`{}` when absent).
//! * `now`: the evaluation's clock, a CEL timestamp
//!   (`now - timestamp(resource.properties.create_time) > duration("2160h")`).
//!
//! Functions: CEL's standard library (`size`, `has`, `exists`, `all`, `exists_one`, `map`,
//! `filter`, `in`, `matches`, `startsWith`, `contains`, `int`, `double`, `timestamp`,
//! `duration`, ...) plus `sum(list)`: the sum of a list of numbers, an `int` when every
//! element is an integer, a `double` when any is a `double`, `0` for an empty list.
//!
//! # Load-time checks
//!
//! Every error names its file, line and column (and the rule when there is one) as
//! `file:line:column: rule <id>: reason`; all errors of all files are reported together.
//! YAML syntax and schema errors point where the YAML parser stopped; rule errors at the
//! offending key (`id:`, `kinds:`, `match:`, `monthly_usd:` ...).
//!
//! Each expression is parsed, limited ([`Limits`]: 4096 bytes, 48 levels of nesting) and
//! type-checked against a maximal sample resource of every kind the rule lists (every
//! optional field set, every list non-empty, an exposed instance with neighbours):
//! a field that none of the samples has is an error naming it, even behind `&&`/`||`
//! (tags are free-form: any tag key is accepted, and so are keys of computed values); an
//! unknown variable or function is an error; evaluated on each sample, `match` must yield a
//! bool and `monthly_usd` a number, and type errors (`"a" > 1`, `int * double`) are errors.
//! Evaluating on a sample must also stay within the step budget (and within one second),
//! so an expression that is expensive on its own (nested comprehensions over literal
//! lists) is rejected at load.
//!
//! # Evaluation
//!
//! [`PackSet::evaluate`] builds each resource's document at most once per evaluation, and
//! only for kinds an enabled rule lists (neighbours only when an enabled rule of that kind
//! reads them). Evaluation is bounded ([`Limits`]):
//!
//! * every comprehension iteration counts against a per-resource step budget (1,000,000)
//!   and the per-resource time budget (50 ms, `match` and `estimate` together); a rule that
//!   exceeds either on one resource, or whose total time exceeds the per-rule budget
//!   (5 s), is stopped for this evaluation: it gets a [`RuleEvalError`], produces no
//!   findings and is not in `evaluated`, so the store keeps its previous findings;
//! * an error on one resource (e.g. `null > 3` on a volume without IOPS, a negative or
//!   non-finite estimate) counts as no match for that resource and is counted in
//!   [`PackEvaluation::stats`]; only when a rule failed on every resource it was evaluated on
//!   is it reported as a [`RuleEvalError`] (with its first errors) and left out of
//!   `evaluated`.

mod check;
mod document;
mod expr;
mod parse;
mod samples;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use skywarden_graph::{topology, Resource, ResourceKind};

use crate::catalog;
use crate::engine::{EvalCx, RuleEvalError};
use crate::finding::{Evidence, Finding, PricingBasis};
use crate::meta::{Category, ComplianceRef, RuleInfo, RuleSource, Severity};

use self::check::{Reads, Schema};
pub use self::document::COMMON_PORTS;
use self::document::{document, exposure_evidence, to_cel};
use self::expr::{compile, CelEnv, Compiled, Metering, OverBudget};
use self::parse::{positions, yaml_reason, FilePositions, Pos, RawPack, RawRule, SCHEMA};

/// One pack file as read by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackSource {
    /// Where it came from, for messages (e.g. the file's path).
    pub path: String,
    pub text: String,
}

/// One load error: `file:line:column: rule <id>: reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackError {
    pub file: String,
    /// The rule the error is about, when it is about one.
    pub rule_id: Option<String>,
    /// 1-based.
    pub line: usize,
    /// 1-based.
    pub column: usize,
    pub reason: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if let Some(id) = &self.rule_id {
            write!(f, "rule {id}: ")?;
        }
        f.write_str(&self.reason)
    }
}

/// Every error of a rejected load, in file order; displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackErrors(Vec<PackError>);

impl PackErrors {
    pub fn errors(&self) -> &[PackError] {
        &self.0
    }
    pub fn into_vec(self) -> Vec<PackError> {
        self.0
    }
}

impl fmt::Display for PackErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PackErrors {}

/// One loaded pack, for `skywarden rules list` / `validate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackSummary {
    pub pack: String,
    pub file: String,
    /// How many rules it defines.
    pub rules: usize,
}

/// Bounds on pack expressions. Expression limits apply at load, budgets at evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest expression source, in bytes.
    pub max_expression_bytes: usize,
    /// Deepest nesting: of brackets in the source, and of the parsed expression (operators,
    /// calls, field selections and comprehensions each count one level).
    pub max_depth: usize,
    /// Time one rule may spend on one resource (`match` plus `estimate`).
    pub per_resource: Duration,
    /// Time one rule may spend in one evaluation, over all resources.
    pub per_rule: Duration,
    /// Comprehension iterations one rule may run on one resource.
    pub max_steps: u64,
    /// Time one load-time check on a sample may take (generous: a slow machine must not
    /// reject a good pack; the step budget catches expensive expressions deterministically).
    pub load_check: Duration,
    /// Per-resource errors quoted in a rule's error when every resource failed.
    pub quoted_errors: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_expression_bytes: 4096,
            max_depth: 48,
            per_resource: Duration::from_millis(50),
            per_rule: Duration::from_secs(5),
            max_steps: 1_000_000,
            load_check: Duration::from_secs(1),
            quoted_errors: 3,
        }
    }
}

/// One compiled rule of a pack.
#[derive(Debug, Clone)]
pub struct UserRule {
    info: RuleInfo,
    pack: String,
    file: String,
    pack_index: usize,
    matcher: Compiled,
    estimate: Option<Compiled>,
    reads: Reads,
}

impl UserRule {
    pub fn info(&self) -> &RuleInfo {
        &self.info
    }
    /// The name of the pack that defines it.
    pub fn pack(&self) -> &str {
        &self.pack
    }
    /// The file that defines it.
    pub fn file(&self) -> &str {
        &self.file
    }
    /// The `match` expression as written.
    pub fn expression(&self) -> &str {
        &self.matcher.source
    }
    /// The `estimate.monthly_usd` expression as written (cost rules).
    pub fn estimate_expression(&self) -> Option<&str> {
        self.estimate.as_ref().map(|e| e.source.as_str())
    }
    /// Whether it reads `resource.graph` (its findings then carry the exposure path).
    pub fn reads_graph(&self) -> bool {
        self.reads.graph
    }
}

/// How one rule fared in one evaluation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleStats {
    /// Resources it was evaluated on.
    pub resources: usize,
    /// Resources it fired on.
    pub matched: usize,
    /// Resources whose evaluation failed (counted as no match).
    pub errors: usize,
    /// The first few failures, `<resource id>: <message>`.
    pub first_errors: Vec<String>,
    pub elapsed: Duration,
}

/// What evaluating the packs produced.
#[derive(Debug, Clone, Default)]
pub struct PackEvaluation {
    /// Sorted by key.
    pub findings: Vec<Finding>,
    /// Rules stopped over budget or failing on every resource; not in `evaluated`.
    pub errors: Vec<RuleEvalError>,
    /// Rules that ran to completion.
    pub evaluated: BTreeSet<String>,
    /// Per enabled rule.
    pub stats: BTreeMap<String, RuleStats>,
}

/// Every loaded pack; empty by default.
#[derive(Debug, Clone, Default)]
pub struct PackSet {
    /// Sorted by id.
    rules: Vec<UserRule>,
    packs: Vec<PackSummary>,
    /// Per pack, in `packs` order.
    params: Vec<serde_json::Value>,
    env: Option<CelEnv>,
    limits: Limits,
}

/// One sample document per kind: JSON for the static check, CEL for the dynamic one.
struct Samples {
    docs: BTreeMap<ResourceKind, (serde_json::Value, cel::Value)>,
}

impl Samples {
    fn new() -> Result<Samples, String> {
        let inv = samples::estate().map_err(|e| e.to_string())?;
        let exposures: HashMap<_, _> = topology::exposures(&inv)
            .into_iter()
            .map(|e| (e.resource.clone(), e))
            .collect();
        let mut docs = BTreeMap::new();
        for r in inv.resources() {
            let doc = document(&inv, exposures.get(&r.id), r, true);
            let cel = to_cel(&doc);
            docs.insert(r.kind(), (doc, cel));
        }
        match ResourceKind::ALL.iter().find(|k| !docs.contains_key(k)) {
            Some(k) => Err(format!("no sample resource of kind {k}")),
            None => Ok(Samples { docs }),
        }
    }
}

/// What an expression must evaluate to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Bool,
    Number,
}

impl Want {
    fn accepts(self, v: &cel::Value) -> bool {
        match self {
            Want::Bool => matches!(v, cel::Value::Bool(_)),
            Want::Number => matches!(
                v,
                cel::Value::Int(_) | cel::Value::UInt(_) | cel::Value::Float(_)
            ),
        }
    }
    fn describe(self) -> &'static str {
        match self {
            Want::Bool => "a bool",
            Want::Number => "a number (int, uint or double)",
        }
    }
}

/// The result of one metered evaluation.
enum Outcome {
    Value(cel::Value),
    Failed(cel::ExecutionError),
    Panicked,
    OverBudget(OverBudget),
}

fn run(ctx: &cel::Context<'_, '_>, expr: &Compiled, metering: &Metering) -> Outcome {
    let r = catch_unwind(AssertUnwindSafe(|| ctx.resolve(&expr.metered)));
    if let Some(o) = metering.exceeded() {
        return Outcome::OverBudget(o);
    }
    match r {
        Ok(Ok(v)) => Outcome::Value(v),
        Ok(Err(e)) => Outcome::Failed(e),
        Err(_) => Outcome::Panicked,
    }
}

/// A CEL error, with a hint for the usual `int * double` mistake.
fn explain(e: &cel::ExecutionError) -> String {
    let numeric = |v: &cel::Value| match v {
        cel::Value::Int(_) | cel::Value::UInt(_) => Some(false),
        cel::Value::Float(_) => Some(true),
        _ => None,
    };
    if let cel::ExecutionError::UnsupportedBinaryOperator(_, a, b) = e {
        if matches!((numeric(a), numeric(b)), (Some(x), Some(y)) if x != y) {
            return format!(
                "{e} (CEL does not mix int and double in arithmetic: convert with double(...))"
            );
        }
    }
    e.to_string()
}

fn type_name(v: &cel::Value) -> String {
    v.type_of().to_string()
}

fn number(v: &cel::Value) -> Option<f64> {
    match v {
        cel::Value::Int(i) => Some(*i as f64),
        cel::Value::UInt(u) => Some(*u as f64),
        cel::Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn valid_pack_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn valid_rule_id(s: &str) -> bool {
    s.len() <= 128
        && s.split('.').count() >= 2
        && s.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

const RESERVED_PREFIXES: [&str; 4] = ["aws.", "azure.", "drift.", "skywarden."];

/// Collects the errors of one file.
struct FileErrors<'a> {
    file: &'a str,
    errors: &'a mut Vec<PackError>,
}

impl FileErrors<'_> {
    fn push(&mut self, rule_id: Option<&str>, pos: Pos, reason: impl Into<String>) {
        self.errors.push(PackError {
            file: self.file.to_string(),
            rule_id: rule_id.map(|s| s.chars().take(128).collect()),
            line: pos.line,
            column: pos.column,
            reason: reason.into(),
        });
    }
}

/// Load state shared by every file.
struct Loader<'a> {
    env: &'a CelEnv,
    samples: &'a Samples,
    limits: Limits,
    builtin_ids: BTreeSet<&'static str>,
    /// Rule id -> where it was first defined.
    seen_ids: HashMap<String, String>,
    /// Pack name -> the file defining it.
    seen_packs: HashMap<String, String>,
}

impl Loader<'_> {
    /// Parses, limits and type-checks one expression; errors are reasons.
    fn expression(
        &self,
        source: &str,
        what: &str,
        want: Want,
        kinds: &[ResourceKind],
        params: &(serde_json::Value, cel::Value),
    ) -> Result<(Compiled, Reads), Vec<String>> {
        let compiled = compile(
            self.env,
            source,
            self.limits.max_expression_bytes,
            self.limits.max_depth,
        )
        .map_err(|e| vec![format!("{what}: {}", e.reason)])?;
        if kinds.is_empty() {
            // Nothing to check against; the kinds error is reported already.
            return Ok((compiled, Reads::default()));
        }
        let docs: Vec<&serde_json::Value> = kinds
            .iter()
            .filter_map(|k| self.samples.docs.get(k).map(|d| &d.0))
            .collect();
        let schema = Schema::new(docs, &params.0);
        let (errors, reads) = check::check(self.env, &schema, &compiled.ast);
        if !errors.is_empty() {
            return Err(errors.into_iter().map(|e| format!("{what}: {e}")).collect());
        }
        let now = cel::Value::Timestamp(samples::sample_now().fixed_offset());
        for kind in kinds {
            let Some((_, doc)) = self.samples.docs.get(kind) else {
                continue;
            };
            let mut root = self.env.context();
            root.add_variable_from_value("resource", doc.clone());
            root.add_variable_from_value("now", now.clone());
            let mut ctx = root.new_inner_scope();
            ctx.add_variable_from_value("params", params.1.clone());
            let metering = Metering::start(self.limits.load_check, self.limits.max_steps);
            let on = format!("on the sample {kind}");
            let problem = match run(&ctx, &compiled, &metering) {
                Outcome::Value(v) if want.accepts(&v) => None,
                Outcome::Value(v) => Some(format!(
                    "must evaluate to {}, but {on} it is of type {}",
                    want.describe(),
                    type_name(&v)
                )),
                Outcome::OverBudget(b) => Some(format!(
                    "evaluating {on} took {b}: the expression is too expensive"
                )),
                Outcome::Panicked => Some(format!("the CEL interpreter failed {on}")),
                Outcome::Failed(e) => match e {
                    // Data-dependent: another resource may have the key, the index, a non-zero
                    // divisor.
                    cel::ExecutionError::NoSuchKey(_)
                    | cel::ExecutionError::IndexOutOfBounds(_)
                    | cel::ExecutionError::DivisionByZero(_)
                    | cel::ExecutionError::RemainderByZero(_)
                    | cel::ExecutionError::Overflow(..) => None,
                    cel::ExecutionError::UndeclaredReference(name) => {
                        Some(format!("unknown variable or function `{name}`"))
                    }
                    other => Some(format!("type error {on}: {}", explain(&other))),
                },
            };
            if let Some(p) = problem {
                return Err(vec![format!("{what}: {p}")]);
            }
        }
        Ok((compiled, reads))
    }

    fn rule(
        &mut self,
        errs: &mut FileErrors<'_>,
        raw: &RawRule,
        pos: &parse::RulePositions,
        pack: (&str, usize),
        file: &str,
        params: &(serde_json::Value, cel::Value),
    ) -> Option<UserRule> {
        let before = errs.errors.len();
        let id = raw.id.as_str();
        let rid = Some(id);
        if !valid_rule_id(id) {
            errs.push(
                rid,
                pos.key("id"),
                "invalid rule id: use dot-separated segments of lowercase letters, digits and \
                 `_` (at least two, at most 128 characters), e.g. acme.ec2.open_ssh",
            );
        } else if RESERVED_PREFIXES.iter().any(|p| id.starts_with(p)) {
            errs.push(
                rid,
                pos.key("id"),
                "rule ids starting with aws., azure., drift. or skywarden. are reserved for built-in rules",
            );
        } else if self.builtin_ids.contains(id) {
            errs.push(rid, pos.key("id"), "duplicates a built-in rule id");
        } else if let Some(first) = self.seen_ids.get(id) {
            errs.push(
                rid,
                pos.key("id"),
                format!("duplicate rule id (first defined at {first})"),
            );
        } else {
            let p = pos.key("id");
            self.seen_ids
                .insert(id.to_string(), format!("{file}:{}:{}", p.line, p.column));
        }
        if raw.title.trim().is_empty() {
            errs.push(rid, pos.key("title"), "title is empty");
        }
        if raw.remediation.trim().is_empty() {
            errs.push(rid, pos.key("remediation"), "remediation is empty");
        }
        let severity = Severity::from_str(&raw.severity)
            .map_err(|e| errs.push(rid, pos.key("severity"), e.to_string()))
            .ok();
        let category = Category::from_str(&raw.category)
            .map_err(|e| errs.push(rid, pos.key("category"), e.to_string()))
            .ok();
        let mut kinds: Vec<ResourceKind> = Vec::new();
        if raw.kinds.is_empty() {
            errs.push(rid, pos.key("kinds"), "kinds lists no resource kind");
        }
        for k in &raw.kinds {
            match ResourceKind::from_str(k) {
                Ok(kind) if kinds.contains(&kind) => errs.push(
                    rid,
                    pos.key("kinds"),
                    format!("kind {kind} is listed twice"),
                ),
                Ok(kind) => kinds.push(kind),
                Err(_) => {
                    let known: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.as_str()).collect();
                    errs.push(
                        rid,
                        pos.key("kinds"),
                        format!(
                            "unknown resource kind `{}` (known: {})",
                            k.chars().take(64).collect::<String>(),
                            known.join(", ")
                        ),
                    );
                }
            }
        }
        if kinds.len() != raw.kinds.len() {
            // Do not type-check against a partial list of kinds.
            kinds.clear();
        }
        for c in &raw.compliance {
            let key_ok = !c.framework.is_empty()
                && c.framework
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok || c.version.trim().is_empty() || c.control.trim().is_empty() {
                errs.push(
                    rid,
                    pos.key("compliance"),
                    "compliance entries need a snake_case framework, a version and a control",
                );
            }
        }
        match (category, &raw.estimate) {
            (Some(Category::Cost), None) => errs.push(
                rid,
                pos.key("category"),
                "cost rules need an estimate (estimate.monthly_usd)",
            ),
            (Some(c), Some(_)) if c != Category::Cost => errs.push(
                rid,
                pos.key("estimate"),
                format!("estimate is only allowed on cost rules, not on {c} rules"),
            ),
            _ => {}
        }
        let matcher = self
            .expression(&raw.match_expr.0, "match", Want::Bool, &kinds, params)
            .map_err(|reasons| {
                for r in reasons {
                    errs.push(rid, pos.key("match"), r);
                }
            })
            .ok();
        let estimate = match &raw.estimate {
            Some(e) => self
                .expression(
                    &e.monthly_usd.0,
                    "estimate.monthly_usd",
                    Want::Number,
                    &kinds,
                    params,
                )
                .map_err(|reasons| {
                    for r in reasons {
                        errs.push(rid, pos.key("estimate.monthly_usd"), r);
                    }
                })
                .ok()
                .map(Some),
            None => Some(None),
        };
        if errs.errors.len() > before {
            return None;
        }
        let (severity, category, (matcher, match_reads), estimate) =
            (severity?, category?, matcher?, estimate?);
        let (estimate, estimate_reads) = match estimate {
            Some((c, r)) => (Some(c), r),
            None => (None, Reads::default()),
        };
        Some(UserRule {
            info: RuleInfo {
                id: id.to_string(),
                title: raw.title.trim().to_string(),
                description: raw.description.trim().to_string(),
                severity,
                category,
                kinds,
                remediation: raw.remediation.trim().to_string(),
                compliance: raw
                    .compliance
                    .iter()
                    .map(|c| ComplianceRef {
                        framework: c.framework.clone(),
                        version: c.version.clone(),
                        control: c.control.clone(),
                    })
                    .collect(),
                source: RuleSource::Pack {
                    file: file.to_string(),
                    pack: pack.0.to_string(),
                },
            },
            pack: pack.0.to_string(),
            file: file.to_string(),
            pack_index: pack.1,
            matcher,
            estimate,
            reads: Reads {
                graph: match_reads.graph || estimate_reads.graph,
                neighbors: match_reads.neighbors || estimate_reads.neighbors,
            },
        })
    }

    /// Loads one file into `set`; errors go to `errors`.
    fn file(&mut self, src: &PackSource, set: &mut PackSet, errors: &mut Vec<PackError>) {
        let mut errs = FileErrors {
            file: &src.path,
            errors,
        };
        let positions: FilePositions = positions(&src.text);
        let raw: RawPack = match serde_norway::from_str(&src.text) {
            Ok(r) => r,
            Err(e) => {
                let pos = e
                    .location()
                    .map(|l| Pos {
                        line: l.line().max(1),
                        column: l.column().max(1),
                    })
                    .unwrap_or(Pos { line: 1, column: 1 });
                let rule = positions.rule_at(pos).and_then(|r| r.id.clone());
                errs.push(rule.as_deref(), pos, yaml_reason(&e));
                return;
            }
        };
        if raw.schema != SCHEMA {
            errs.push(
                None,
                positions.key("schema"),
                format!(
                    "unsupported schema `{}` (expected {SCHEMA})",
                    raw.schema.chars().take(64).collect::<String>()
                ),
            );
            return;
        }
        if !valid_pack_name(&raw.pack) {
            errs.push(
                None,
                positions.key("pack"),
                "invalid pack name: use lowercase letters, digits and `-` (at most 64)",
            );
        } else if let Some(first) = self.seen_packs.get(&raw.pack) {
            errs.push(
                None,
                positions.key("pack"),
                format!("pack `{}` is also defined in {first}", raw.pack),
            );
        } else {
            self.seen_packs.insert(raw.pack.clone(), src.path.clone());
        }
        let params = raw
            .params
            .clone()
            .unwrap_or_else(|| serde_json::Value::Object(Default::default()));
        if !params.is_object() {
            errs.push(None, positions.key("params"), "params must be a mapping");
        }
        let params = (params.clone(), to_cel(&params));
        let pack_index = set.packs.len();
        let mut count = 0;
        for (i, rule) in raw.rules.iter().enumerate() {
            let pos = positions.rules.get(i).cloned().unwrap_or_else(|| {
                let start = positions.key("rules");
                parse::RulePositions {
                    start,
                    ..Default::default()
                }
            });
            let loaded = self.rule(
                &mut errs,
                rule,
                &pos,
                (&raw.pack, pack_index),
                &src.path,
                &params,
            );
            if let Some(r) = loaded {
                set.rules.push(r);
                count += 1;
            }
        }
        set.packs.push(PackSummary {
            pack: raw.pack.clone(),
            file: src.path.clone(),
            rules: count,
        });
        set.params.push(params.0);
    }
}

/// How one rule is doing during an evaluation.
#[derive(Default)]
struct Run {
    stats: RuleStats,
    findings: Vec<Finding>,
    stopped: Option<String>,
}

enum OnResource {
    Match(Option<f64>),
    NoMatch,
    Error(String),
    Stop(String),
}

impl PackSet {
    /// Loads every source with the default [`Limits`]. All or nothing: any error rejects
    /// the whole set (every error of every file is reported). Changes nothing: a caller that
    /// keeps its previous set on error keeps it intact.
    pub fn load(sources: &[PackSource]) -> Result<PackSet, PackErrors> {
        PackSet::load_with_limits(sources, Limits::default())
    }

    /// [`PackSet::load`] with other limits (also used by [`PackSet::evaluate`]).
    pub fn load_with_limits(sources: &[PackSource], limits: Limits) -> Result<PackSet, PackErrors> {
        let internal = |reason: String| {
            PackErrors(vec![PackError {
                file: "<skywarden>".into(),
                rule_id: None,
                line: 1,
                column: 1,
                reason: format!("internal error: {reason}"),
            }])
        };
        let mut set = PackSet {
            limits,
            ..PackSet::default()
        };
        if sources.is_empty() {
            return Ok(set);
        }
        let env = CelEnv::new().map_err(internal)?;
        let samples = Samples::new().map_err(internal)?;
        let mut loader = Loader {
            env: &env,
            samples: &samples,
            limits,
            builtin_ids: catalog::all().iter().map(|r| r.meta.id).collect(),
            seen_ids: HashMap::new(),
            seen_packs: HashMap::new(),
        };
        let mut errors = Vec::new();
        for src in sources {
            loader.file(src, &mut set, &mut errors);
        }
        if !errors.is_empty() {
            return Err(PackErrors(errors));
        }
        set.rules.sort_by(|a, b| a.info.id.cmp(&b.info.id));
        set.env = Some(env);
        Ok(set)
    }

    /// The same rules evaluated within other budgets.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Every rule, sorted by id.
    pub fn rules(&self) -> &[UserRule] {
        &self.rules
    }

    /// Every pack, in load order.
    pub fn packs(&self) -> &[PackSummary] {
        &self.packs
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Evaluates the rules whose ids are in `enabled`. Findings are sorted by key.
    pub fn evaluate(&self, cx: &EvalCx<'_>, enabled: &BTreeSet<String>) -> PackEvaluation {
        let mut out = PackEvaluation::default();
        let Some(env) = &self.env else {
            return out;
        };
        let active: Vec<&UserRule> = self
            .rules
            .iter()
            .filter(|r| enabled.contains(&r.info.id))
            .collect();
        if active.is_empty() {
            return out;
        }
        let params: Vec<cel::Value> = self.params.iter().map(to_cel).collect();
        let now = cel::Value::Timestamp(cx.now.fixed_offset());
        let mut by_kind: HashMap<ResourceKind, Vec<usize>> = HashMap::new();
        for (i, r) in active.iter().enumerate() {
            for k in &r.info.kinds {
                by_kind.entry(*k).or_default().push(i);
            }
        }
        let mut runs: Vec<Run> = active.iter().map(|_| Run::default()).collect();
        for resource in cx.inventory.resources() {
            let Some(candidates) = by_kind.get(&resource.kind()) else {
                continue;
            };
            let live: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|i| runs[*i].stopped.is_none())
                .collect();
            if live.is_empty() {
                continue;
            }
            let with_neighbors = live.iter().any(|i| active[*i].reads.neighbors);
            let exposure = cx.exposures.get(&resource.id);
            let doc = to_cel(&document(cx.inventory, exposure, resource, with_neighbors));
            let mut root = env.context();
            root.add_variable_from_value("resource", doc);
            root.add_variable_from_value("now", now.clone());
            for i in live {
                let rule = active[i];
                let params = params
                    .get(rule.pack_index)
                    .cloned()
                    .unwrap_or(cel::Value::Null);
                let started = Instant::now();
                let result = self.on_resource(rule, &root, params, resource);
                let elapsed = started.elapsed();
                let run = &mut runs[i];
                run.stats.resources += 1;
                run.stats.elapsed += elapsed;
                let over_time = elapsed > self.limits.per_resource;
                match result {
                    OnResource::Stop(msg) => run.stopped = Some(msg),
                    _ if over_time => {
                        run.stopped = Some(format!(
                            "stopped: evaluating {} took {} ms, over the per-resource budget \
                             of {} ms",
                            resource.id,
                            elapsed.as_millis(),
                            self.limits.per_resource.as_millis()
                        ))
                    }
                    OnResource::Match(cost) => {
                        run.stats.matched += 1;
                        run.findings.push(self.finding(rule, cx, resource, cost));
                    }
                    OnResource::NoMatch => {}
                    OnResource::Error(msg) => {
                        run.stats.errors += 1;
                        if run.stats.first_errors.len() < self.limits.quoted_errors {
                            run.stats
                                .first_errors
                                .push(format!("{}: {msg}", resource.id));
                        }
                    }
                }
                if run.stopped.is_none() && run.stats.elapsed > self.limits.per_rule {
                    run.stopped = Some(format!(
                        "stopped: {} ms in total after {} resource(s), over the per-rule budget \
                         of {} ms",
                        run.stats.elapsed.as_millis(),
                        run.stats.resources,
                        self.limits.per_rule.as_millis()
                    ));
                }
            }
        }
        for (rule, run) in active.iter().zip(runs) {
            let id = rule.info.id.clone();
            if let Some(message) = run.stopped {
                out.errors.push(RuleEvalError {
                    rule_id: id.clone(),
                    message,
                });
            } else if run.stats.resources > 0 && run.stats.errors == run.stats.resources {
                out.errors.push(RuleEvalError {
                    rule_id: id.clone(),
                    message: format!(
                        "failed on every one of the {} resource(s) it was evaluated on; first \
                         errors: {}",
                        run.stats.resources,
                        run.stats.first_errors.join("; ")
                    ),
                });
            } else {
                out.evaluated.insert(id.clone());
                out.findings.extend(run.findings);
            }
            out.stats.insert(id, run.stats);
        }
        out.findings.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }

    fn on_resource(
        &self,
        rule: &UserRule,
        root: &cel::Context<'_, '_>,
        params: cel::Value,
        resource: &Resource,
    ) -> OnResource {
        let mut ctx = root.new_inner_scope();
        ctx.add_variable_from_value("params", params);
        let metering = Metering::start(self.limits.per_resource, self.limits.max_steps);
        let stop = |b: OverBudget| {
            OnResource::Stop(format!(
                "stopped: evaluating {} took {b} (per-resource budget: {} ms, {} steps)",
                resource.id,
                self.limits.per_resource.as_millis(),
                self.limits.max_steps
            ))
        };
        let failed = |what: &str, o: Outcome| match o {
            Outcome::Failed(e) => OnResource::Error(format!("{what}: {}", explain(&e))),
            Outcome::Panicked => OnResource::Error(format!("{what}: the CEL interpreter failed")),
            Outcome::OverBudget(b) => stop(b),
            Outcome::Value(v) => OnResource::Error(format!(
                "{what} evaluated to a value of type {}, not {}",
                type_name(&v),
                if what == "match" {
                    Want::Bool
                } else {
                    Want::Number
                }
                .describe()
            )),
        };
        match run(&ctx, &rule.matcher, &metering) {
            Outcome::Value(cel::Value::Bool(true)) => {}
            Outcome::Value(cel::Value::Bool(false)) => return OnResource::NoMatch,
            other => return failed("match", other),
        }
        let Some(estimate) = &rule.estimate else {
            return OnResource::Match(None);
        };
        match run(&ctx, estimate, &metering) {
            Outcome::Value(v) => match number(&v) {
                Some(usd) if usd.is_finite() && usd >= 0.0 => OnResource::Match(Some(usd)),
                Some(usd) => OnResource::Error(format!(
                    "estimate.monthly_usd is {usd}: estimates must be finite and not negative"
                )),
                None => failed("estimate.monthly_usd", Outcome::Value(v)),
            },
            other => failed("estimate.monthly_usd", other),
        }
    }

    fn finding(
        &self,
        rule: &UserRule,
        cx: &EvalCx<'_>,
        resource: &Resource,
        cost: Option<f64>,
    ) -> Finding {
        let exposure = if rule.reads.graph {
            cx.exposures
                .get(&resource.id)
                .map(|e| exposure_evidence(cx.inventory, e))
        } else {
            None
        };
        let evidence = Evidence::RulePack {
            pack: rule.pack.clone(),
            file: rule.file.clone(),
            expression: rule.matcher.source.clone(),
            exposure,
        };
        let finding = Finding::for_rule(&rule.info, resource, "", evidence);
        match cost {
            Some(usd) => {
                let usd = (usd * 100.0).round() / 100.0;
                finding.with_cost(
                    usd,
                    PricingBasis {
                        table_version: format!("pack:{}", rule.pack),
                        price_key: rule.info.id.clone(),
                        unit_price_usd: usd,
                        unit: "month".into(),
                        quantity: 1.0,
                        region_fallback: false,
                        components: vec![],
                    },
                )
            }
            None => finding,
        }
    }
}
