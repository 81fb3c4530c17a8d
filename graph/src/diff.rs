//! Field-level differences between two JSON documents as an RFC 6902 JSON Patch.
//!
//! [`diff`] returns the operations that turn `from` into `to` when applied in order
//! ([`apply`] does exactly that, for tests and for readers of stored history). Objects are
//! compared key by key; arrays by a longest common subsequence of their elements, so an element
//! inserted into or removed from the middle of a list (a security group permission, a route)
//! is one `add` / `remove` rather than a cascade of `replace`s, and an element changed in place
//! (a removal directly followed by an insertion at the same position) is diffed recursively,
//! giving paths such as `/properties/ingress/0/ipv4_ranges/1`. Anything else that differs is
//! a `replace`. Only `add`, `remove` and `replace` are produced.
//!
//! Written here rather than taken from the `json-patch` crate: that crate's `diff` turns an
//! insertion into the middle of an array into a `replace` of every later element plus an `add`
//! at the end, which is noise in change history and drift evidence, and the algorithm we want
//! is ~150 lines. Paths are RFC 6901 JSON Pointers (`~` -> `~0`, `/` -> `~1`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One JSON Patch operation (RFC 6902 section 4), as it appears on the wire:
/// `{"op": "replace", "path": "/properties/encrypted", "value": false}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum PatchOp {
    /// Insert `value` at `path` (into an object: set the member; into an array: before the
    /// index, which may equal the length).
    Add { path: String, value: Value },
    /// Remove the member or element at `path`.
    Remove { path: String },
    /// Replace the value at `path` (the whole document for the empty path).
    Replace { path: String, value: Value },
}

impl PatchOp {
    pub fn path(&self) -> &str {
        match self {
            PatchOp::Add { path, .. }
            | PatchOp::Remove { path }
            | PatchOp::Replace { path, .. } => path,
        }
    }

    /// `add`, `remove` or `replace`.
    pub fn op(&self) -> &'static str {
        match self {
            PatchOp::Add { .. } => "add",
            PatchOp::Remove { .. } => "remove",
            PatchOp::Replace { .. } => "replace",
        }
    }
}

/// Arrays longer than this (product of both lengths) are not aligned element by element; a
/// changed one is replaced whole. Keeps the quadratic alignment bounded (~2 MB of table).
const MAX_ALIGN_CELLS: usize = 250_000;

/// The operations that turn `from` into `to`; empty when they are equal.
pub fn diff(from: &Value, to: &Value) -> Vec<PatchOp> {
    let mut out = Vec::new();
    diff_at("", from, to, &mut out);
    out
}

/// Escapes one reference token of a JSON Pointer (RFC 6901 section 3).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn push_token(path: &str, token: &str) -> String {
    let mut p = String::with_capacity(path.len() + token.len() + 1);
    p.push_str(path);
    p.push('/');
    p.push_str(&escape_token(token));
    p
}

fn diff_at(path: &str, from: &Value, to: &Value, out: &mut Vec<PatchOp>) {
    if from == to {
        return;
    }
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            // Removed keys first, then changed and added ones, each in key order, so the
            // output does not depend on the maps' iteration order.
            let mut removed: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
            removed.sort();
            for k in removed {
                out.push(PatchOp::Remove {
                    path: push_token(path, k),
                });
            }
            let mut keys: Vec<&String> = b.keys().collect();
            keys.sort();
            for k in keys {
                let p = push_token(path, k);
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => diff_at(&p, x, y, out),
                    (None, Some(y)) => out.push(PatchOp::Add {
                        path: p,
                        value: y.clone(),
                    }),
                    _ => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => diff_arrays(path, a, b, out),
        _ => out.push(PatchOp::Replace {
            path: path.to_string(),
            value: to.clone(),
        }),
    }
}

/// One step of an alignment of two arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Keep,
    Delete(usize),
    Insert(usize),
    /// `a[i]` changed into `b[j]` in place.
    Change(usize, usize),
}

fn diff_arrays(path: &str, a: &[Value], b: &[Value], out: &mut Vec<PatchOp>) {
    // Common prefix and suffix need no table.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    if am.len().saturating_mul(bm.len()) > MAX_ALIGN_CELLS {
        out.push(PatchOp::Replace {
            path: path.to_string(),
            value: Value::Array(b.to_vec()),
        });
        return;
    }
    let steps = pair_changes(align(am, bm));
    let mut idx = prefix;
    for step in steps {
        match step {
            Step::Keep => idx += 1,
            Step::Delete(_) => out.push(PatchOp::Remove {
                path: format!("{path}/{idx}"),
            }),
            Step::Insert(j) => {
                out.push(PatchOp::Add {
                    path: format!("{path}/{idx}"),
                    value: bm[j].clone(),
                });
                idx += 1;
            }
            Step::Change(i, j) => {
                diff_at(&format!("{path}/{idx}"), &am[i], &bm[j], out);
                idx += 1;
            }
        }
    }
}

/// A shortest edit script by longest common subsequence (deletions before insertions where
/// both are possible, so a changed element shows as delete + insert at one position).
fn align(a: &[Value], b: &[Value]) -> Vec<Step> {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j] = LCS length of a[i..] and b[j..], row-major with stride m + 1.
    let stride = m + 1;
    let mut lcs = vec![0u32; (n + 1) * stride];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * stride + j] = if a[i] == b[j] {
                lcs[(i + 1) * stride + j + 1] + 1
            } else {
                lcs[(i + 1) * stride + j].max(lcs[i * stride + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut steps = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            steps.push(Step::Keep);
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[(i + 1) * stride + j] >= lcs[i * stride + j + 1]) {
            steps.push(Step::Delete(i));
            i += 1;
        } else {
            steps.push(Step::Insert(j));
            j += 1;
        }
    }
    steps
}

/// Turns each run of deletions directly followed by insertions into in-place changes,
/// element by element: containers are then diffed recursively, anything else is one
/// `replace` at the element's index.
fn pair_changes(steps: Vec<Step>) -> Vec<Step> {
    let mut out = Vec::with_capacity(steps.len());
    let mut k = 0;
    while k < steps.len() {
        let dels: Vec<usize> = steps[k..]
            .iter()
            .map_while(|s| match s {
                Step::Delete(i) => Some(*i),
                _ => None,
            })
            .collect();
        let after = k + dels.len();
        let ins: Vec<usize> = steps[after..]
            .iter()
            .map_while(|s| match s {
                Step::Insert(j) => Some(*j),
                _ => None,
            })
            .collect();
        if dels.is_empty() || ins.is_empty() {
            out.push(steps[k]);
            k += 1;
            continue;
        }
        let pairs = dels.len().min(ins.len());
        for p in 0..pairs {
            out.push(Step::Change(dels[p], ins[p]));
        }
        out.extend(dels[pairs..].iter().map(|i| Step::Delete(*i)));
        out.extend(ins[pairs..].iter().map(|j| Step::Insert(*j)));
        k = after + ins.len();
    }
    out
}

/// Why a patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JSON Patch operation {index} ({op} {path}): {reason}")]
pub struct ApplyError {
    pub index: usize,
    pub op: &'static str,
    pub path: String,
    pub reason: String,
}

/// Applies `ops` to `doc` in order (RFC 6902 semantics for add, remove, replace). On error
/// `doc` may be partly changed; apply to a copy when that matters.
pub fn apply(doc: &mut Value, ops: &[PatchOp]) -> Result<(), ApplyError> {
    for (index, op) in ops.iter().enumerate() {
        let fail = |reason: String| ApplyError {
            index,
            op: op.op(),
            path: op.path().to_string(),
            reason,
        };
        let tokens = parse_pointer(op.path()).map_err(fail)?;
        let Some((last, parents)) = tokens.split_last() else {
            // The empty path: the whole document.
            match op {
                PatchOp::Add { value, .. } | PatchOp::Replace { value, .. } => {
                    *doc = value.clone();
                    continue;
                }
                PatchOp::Remove { .. } => {
                    return Err(fail("cannot remove the whole document".into()));
                }
            }
        };
        let mut target = &mut *doc;
        for t in parents {
            target = match target {
                Value::Object(m) => m
                    .get_mut(t.as_str())
                    .ok_or_else(|| fail(format!("no member {t:?}")))?,
                Value::Array(v) => {
                    let i = array_index(t, v.len()).map_err(fail)?;
                    v.get_mut(i)
                        .ok_or_else(|| fail(format!("no element {i}")))?
                }
                _ => return Err(fail(format!("{t:?} is inside a scalar"))),
            };
        }
        match (target, op) {
            (Value::Object(m), PatchOp::Add { value, .. }) => {
                m.insert(last.clone(), value.clone());
            }
            (Value::Object(m), PatchOp::Replace { value, .. }) => match m.get_mut(last.as_str()) {
                Some(slot) => *slot = value.clone(),
                None => return Err(fail(format!("no member {last:?} to replace"))),
            },
            (Value::Object(m), PatchOp::Remove { .. }) => {
                if m.remove(last.as_str()).is_none() {
                    return Err(fail(format!("no member {last:?} to remove")));
                }
            }
            (Value::Array(v), PatchOp::Add { value, .. }) => {
                let i = if last == "-" {
                    v.len()
                } else {
                    array_index(last, v.len() + 1).map_err(fail)?
                };
                v.insert(i, value.clone());
            }
            (Value::Array(v), PatchOp::Replace { value, .. }) => {
                let i = array_index(last, v.len()).map_err(fail)?;
                v[i] = value.clone();
            }
            (Value::Array(v), PatchOp::Remove { .. }) => {
                let i = array_index(last, v.len()).map_err(fail)?;
                v.remove(i);
            }
            _ => return Err(fail("the parent is not an object or an array".into())),
        }
    }
    Ok(())
}

fn parse_pointer(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err("a JSON Pointer starts with /".into());
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// An array index token below `bound`.
fn array_index(token: &str, bound: usize) -> Result<usize, String> {
    let ok = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    match token.parse::<usize>() {
        Ok(i) if ok && i < bound => Ok(i),
        _ => Err(format!("{token:?} is not an index below {bound}")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(a: Value, b: Value) -> Vec<PatchOp> {
        let ops = diff(&a, &b);
        let mut x = a.clone();
        apply(&mut x, &ops).unwrap();
        assert_eq!(x, b, "applying {ops:?} to {a} must give {b}");
        ops
    }

    fn wire(ops: &[PatchOp]) -> Value {
        serde_json::to_value(ops).unwrap()
    }

    #[test]
    fn equal_documents_have_no_ops() {
        assert!(diff(&json!({"a": [1, {"b": 2}]}), &json!({"a": [1, {"b": 2}]})).is_empty());
    }

    #[test]
    fn object_members_are_added_removed_and_replaced_by_path() {
        let ops = check(
            json!({"properties": {"encrypted": true, "kms": "k", "size": 8}}),
            json!({"properties": {"encrypted": false, "size": 8, "iops": 3000}}),
        );
        assert_eq!(
            wire(&ops),
            json!([
                {"op": "remove", "path": "/properties/kms"},
                {"op": "replace", "path": "/properties/encrypted", "value": false},
                {"op": "add", "path": "/properties/iops", "value": 3000},
            ])
        );
    }

    #[test]
    fn an_element_inserted_or_removed_in_the_middle_is_one_op() {
        let ops = check(json!([1, 2, 3, 4]), json!([1, 2, 9, 3, 4]));
        assert_eq!(wire(&ops), json!([{"op": "add", "path": "/2", "value": 9}]));
        let ops = check(json!({"l": [1, 2, 3, 4]}), json!({"l": [1, 3, 4]}));
        assert_eq!(wire(&ops), json!([{"op": "remove", "path": "/l/1"}]));
        let ops = check(json!([1, 2]), json!([1, 2, 3]));
        assert_eq!(wire(&ops), json!([{"op": "add", "path": "/2", "value": 3}]));
    }

    #[test]
    fn an_object_changed_in_place_is_diffed_inside() {
        let perm = |cidrs: Value| json!({"protocol": "tcp", "from_port": 22, "ipv4_ranges": cidrs});
        let ops = check(
            json!({"ingress": [perm(json!(["10.0.0.0/8"])), perm(json!(["10.1.0.0/16"]))]}),
            json!({"ingress": [perm(json!(["10.0.0.0/8", "0.0.0.0/0"])), perm(json!(["10.1.0.0/16"]))]}),
        );
        assert_eq!(
            wire(&ops),
            json!([{"op": "add", "path": "/ingress/0/ipv4_ranges/1", "value": "0.0.0.0/0"}])
        );
    }

    #[test]
    fn scalars_and_type_changes_are_replaced() {
        let ops = check(json!({"a": null}), json!({"a": {"b": 1}}));
        assert_eq!(
            wire(&ops),
            json!([{"op": "replace", "path": "/a", "value": {"b": 1}}])
        );
        let ops = check(json!(["x", "y"]), json!(["x", "z"]));
        assert_eq!(
            wire(&ops),
            json!([{"op": "replace", "path": "/1", "value": "z"}])
        );
        let ops = check(json!(1), json!("1"));
        assert_eq!(
            wire(&ops),
            json!([{"op": "replace", "path": "", "value": "1"}])
        );
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        let ops = check(
            json!({"tags": {}}),
            json!({"tags": {"kubernetes.io/cluster/x": "owned", "a~b": "1"}}),
        );
        let paths: Vec<&str> = ops.iter().map(PatchOp::path).collect();
        assert_eq!(paths, ["/tags/a~0b", "/tags/kubernetes.io~1cluster~1x"]);
    }

    #[test]
    fn huge_arrays_are_replaced_whole() {
        let a: Vec<Value> = (0..1000).map(Value::from).collect();
        let b: Vec<Value> = (0..1000).map(|i| Value::from(i * 7 % 1000 + 1)).collect();
        let ops = check(Value::Array(a), Value::Array(b));
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].op(), "replace");
    }

    /// Deterministic pseudo-random documents: whatever the shapes, the patch applies back.
    #[test]
    fn patches_round_trip_on_generated_documents() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        fn gen(depth: u32, next: &mut dyn FnMut(u64) -> u64) -> Value {
            match if depth == 0 { next(3) } else { next(5) } {
                0 => Value::from(next(4)),
                1 => Value::from(["a", "b", "c/d", "e~"][next(4) as usize]),
                2 => Value::Null,
                3 => Value::Array((0..next(5)).map(|_| gen(depth - 1, next)).collect()),
                _ => Value::Object(
                    (0..next(4))
                        .map(|_| {
                            (
                                ["k", "l", "m/n", "o~p"][next(4) as usize].to_string(),
                                gen(depth - 1, next),
                            )
                        })
                        .collect(),
                ),
            }
        }
        for _ in 0..2000 {
            let a = gen(3, &mut next);
            let b = gen(3, &mut next);
            check(a.clone(), b.clone());
            check(b, a);
        }
    }

    #[test]
    fn apply_rejects_bad_paths_precisely() {
        let mut doc = json!({"a": [1]});
        let e = apply(
            &mut doc,
            &[PatchOp::Remove {
                path: "/a/5".into(),
            }],
        )
        .unwrap_err();
        assert_eq!((e.index, e.op), (0, "remove"));
        let e = apply(&mut doc, &[PatchOp::Remove { path: "a".into() }]).unwrap_err();
        assert!(e.reason.contains("starts with /"));
        let e = apply(&mut doc, &[PatchOp::Remove { path: "".into() }]).unwrap_err();
        assert!(e.reason.contains("whole document"));
    }

    #[test]
    fn ops_parse_from_the_wire_form() {
        let ops: Vec<PatchOp> = serde_json::from_value(json!([
            {"op": "add", "path": "/x", "value": 1},
            {"op": "remove", "path": "/y"}
        ]))
        .unwrap();
        assert_eq!(ops[1], PatchOp::Remove { path: "/y".into() });
        assert!(serde_json::from_value::<PatchOp>(
            json!({"op": "move", "from": "/a", "path": "/b"})
        )
        .is_err());
    }
}
