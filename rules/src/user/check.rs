//! The static half of the load-time type check: follows every field selection of an
//! expression through the sample documents, so a misspelt field is reported even where CEL's
//! short-circuiting (`false && x.typo`) would never evaluate it.
//!
//! A shape is the set of sample JSON values an expression can stand for. Selecting a field on
//! a shape that holds objects, none of which has the field, is an error; anything the checker
//! cannot follow (function results, arithmetic) becomes `Any` and is left to the dynamic check
//! on the samples and to runtime.

use std::collections::{BTreeSet, HashMap, HashSet};

use cel::common::ast::{ComprehensionExpr, EntryExpr, Expr, IdedExpr};
use serde_json::Value as Json;

use super::expr::{append_step, string_literal, CelEnv};

/// Identifiers CEL resolves as type names.
const TYPE_NAMES: [&str; 13] = [
    "bool",
    "bytes",
    "double",
    "duration",
    "dyn",
    "int",
    "list",
    "map",
    "null_type",
    "string",
    "timestamp",
    "type",
    "uint",
];

#[derive(Debug, Clone)]
enum Shape<'s> {
    /// Not followed.
    Any,
    /// One of these sample values (an empty set: nothing known, e.g. an empty sample list).
    Json(Vec<&'s Json>),
    /// A list of elements of the shape (a `map`/`filter` result, a list literal).
    List(Box<Shape<'s>>),
}

fn union<'s>(a: Shape<'s>, b: Shape<'s>) -> Shape<'s> {
    match (a, b) {
        (Shape::Json(mut x), Shape::Json(y)) => {
            x.extend(y);
            Shape::Json(x)
        }
        (Shape::List(x), Shape::List(y)) => Shape::List(Box::new(union(*x, *y))),
        _ => Shape::Any,
    }
}

/// What the check found besides errors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Reads {
    /// Selects `resource.graph` (or uses the whole document).
    pub graph: bool,
    /// Reads `resource.graph.neighbors` (or may: the whole document or graph object is used).
    pub neighbors: bool,
}

/// Sample documents and what is known about them.
#[derive(Debug)]
pub(crate) struct Schema<'s> {
    resources: Vec<&'s Json>,
    params: &'s Json,
    /// Objects with free-form keys (`tags`): any field may be selected.
    open: HashSet<*const Json>,
    roots: HashSet<*const Json>,
    graphs: HashSet<*const Json>,
}

impl<'s> Schema<'s> {
    pub(crate) fn new(resources: Vec<&'s Json>, params: &'s Json) -> Self {
        let mut open = HashSet::new();
        let mut roots = HashSet::new();
        let mut graphs = HashSet::new();
        for doc in &resources {
            roots.insert(*doc as *const Json);
            if let Some(t) = doc.get("tags") {
                open.insert(t as *const Json);
            }
            if let Some(g) = doc.get("graph") {
                graphs.insert(g as *const Json);
                if let Some(Json::Object(edges)) = g.get("neighbors") {
                    for n in edges.values().filter_map(Json::as_array).flatten() {
                        if let Some(t) = n.get("tags") {
                            open.insert(t as *const Json);
                        }
                    }
                }
            }
        }
        Schema {
            resources,
            params,
            open,
            roots,
            graphs,
        }
    }
}

struct Checker<'a, 's> {
    schema: &'a Schema<'s>,
    env: &'a CelEnv,
    scopes: Vec<(String, Shape<'s>)>,
    errors: BTreeSet<String>,
    reads: Reads,
    functions: HashMap<String, bool>,
}

/// `resource.properties` for a select/ident chain, for messages.
fn path_text(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Expr::Ident(n) => Some(n.clone()),
        Expr::Select(s) if !s.test => Some(format!("{}.{}", path_text(&s.operand)?, s.field)),
        _ => None,
    }
}

impl<'a, 's> Checker<'a, 's> {
    fn contains_root_or_graph(&self, shape: &Shape<'s>) -> bool {
        match shape {
            Shape::Any => false,
            Shape::List(s) => self.contains_root_or_graph(s),
            Shape::Json(vs) => vs.iter().any(|v| {
                let p = *v as *const Json;
                self.schema.roots.contains(&p) || self.schema.graphs.contains(&p)
            }),
        }
    }

    /// A value used as a whole (argument, list element, iterated): it may observe every key.
    fn whole(&mut self, shape: &Shape<'s>) {
        if self.contains_root_or_graph(shape) {
            self.reads.graph = true;
            self.reads.neighbors = true;
        }
    }

    fn select(&mut self, operand: &IdedExpr, shape: Shape<'s>, field: &str) -> Shape<'s> {
        let Shape::Json(values) = shape else {
            return Shape::Any;
        };
        let mut out = Vec::new();
        let mut known = BTreeSet::new();
        let mut saw_object = false;
        for v in values {
            let Json::Object(m) = v else { continue };
            let p = v as *const Json;
            if self.schema.open.contains(&p) {
                return Shape::Any;
            }
            saw_object = true;
            if field == "graph" && self.schema.roots.contains(&p) {
                self.reads.graph = true;
            }
            if field == "neighbors" && self.schema.graphs.contains(&p) {
                self.reads.neighbors = true;
            }
            match m.get(field) {
                Some(c) => out.push(c),
                None => known.extend(m.keys().map(String::as_str)),
            }
        }
        if saw_object && out.is_empty() {
            let on = path_text(operand).unwrap_or_else(|| "the value".to_string());
            let known: Vec<&str> = known.into_iter().take(30).collect();
            self.errors.insert(format!(
                "unknown field `{field}` on `{on}` (its fields: {})",
                known.join(", ")
            ));
            return Shape::Any;
        }
        Shape::Json(out)
    }

    fn elements(&self, shape: &Shape<'s>) -> Shape<'s> {
        match shape {
            Shape::Any => Shape::Any,
            Shape::List(s) => (**s).clone(),
            Shape::Json(vs) => {
                let mut out = Vec::new();
                for v in vs {
                    match v {
                        Json::Array(a) => out.extend(a.iter()),
                        // Iterating a map yields its keys: strings.
                        _ => return Shape::Any,
                    }
                }
                Shape::Json(out)
            }
        }
    }

    fn known_function(&mut self, name: &str) -> bool {
        // Operators and internal functions are not identifiers.
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return true;
        }
        let env = self.env;
        *self
            .functions
            .entry(name.to_string())
            .or_insert_with(|| env.has_function(name))
    }

    fn ident(&mut self, name: &str) -> Shape<'s> {
        if let Some((_, s)) = self.scopes.iter().rev().find(|(n, _)| n == name) {
            return s.clone();
        }
        match name {
            "resource" => Shape::Json(self.schema.resources.clone()),
            "params" => Shape::Json(vec![self.schema.params]),
            "now" => Shape::Any,
            n if n.starts_with('@') || TYPE_NAMES.contains(&n) => Shape::Any,
            n => {
                self.errors.insert(format!(
                    "unknown variable `{n}` (the variables are resource, params and now)"
                ));
                Shape::Any
            }
        }
    }

    fn comprehension(&mut self, c: &ComprehensionExpr) -> Shape<'s> {
        let range = self.check(&c.iter_range);
        self.whole(&range);
        let elem = self.elements(&range);
        let init = self.check(&c.accu_init);
        self.whole(&init);
        let depth = self.scopes.len();
        match &c.iter_var2 {
            Some(v2) => {
                self.scopes.push((c.iter_var.clone(), Shape::Any));
                self.scopes.push((v2.clone(), elem));
            }
            None => self.scopes.push((c.iter_var.clone(), elem)),
        }
        self.scopes.push((c.accu_var.clone(), Shape::Any));
        let cond = self.check(&c.loop_cond);
        self.whole(&cond);
        let result = match append_step(c) {
            Some((guard, items)) => {
                if let Some(g) = guard {
                    let s = self.check(g);
                    self.whole(&s);
                }
                let mut elem = Shape::Json(Vec::new());
                let mut first = true;
                for x in &items.elements {
                    let s = self.check(x);
                    self.whole(&s);
                    elem = if first { s } else { union(elem, s) };
                    first = false;
                }
                Shape::List(Box::new(elem))
            }
            None => {
                let step = self.check(&c.loop_step);
                self.whole(&step);
                let r = self.check(&c.result);
                self.whole(&r);
                Shape::Any
            }
        };
        self.scopes.truncate(depth);
        result
    }

    fn check(&mut self, e: &IdedExpr) -> Shape<'s> {
        match &e.expr {
            Expr::Ident(n) => self.ident(n),
            Expr::Literal(_) => {
                if string_literal(e) == Some("neighbors") {
                    self.reads.neighbors = true;
                }
                Shape::Any
            }
            Expr::Select(s) => {
                let operand = self.check(&s.operand);
                self.select(&s.operand, operand, &s.field)
            }
            Expr::Call(c) => {
                match (c.func_name.as_str(), c.target.as_deref(), c.args.as_slice()) {
                    ("_[_]", None, [operand, index]) => {
                        let shape = self.check(operand);
                        let idx = self.check(index);
                        self.whole(&idx);
                        match string_literal(index) {
                            Some(field) => self.select(operand, shape, field),
                            None => {
                                // A computed key may be any key.
                                self.whole(&shape);
                                self.elements(&shape)
                            }
                        }
                    }
                    ("_?_:_", None, [cond, yes, no]) => {
                        let c = self.check(cond);
                        self.whole(&c);
                        let y = self.check(yes);
                        let n = self.check(no);
                        union(y, n)
                    }
                    (name, target, args) => {
                        if !self.known_function(name) {
                            self.errors.insert(format!("unknown function `{name}`"));
                        }
                        if let Some(t) = target {
                            let s = self.check(t);
                            self.whole(&s);
                        }
                        for a in args {
                            let s = self.check(a);
                            self.whole(&s);
                        }
                        Shape::Any
                    }
                }
            }
            Expr::List(l) => {
                let mut elem: Option<Shape<'s>> = None;
                for x in &l.elements {
                    let s = self.check(x);
                    self.whole(&s);
                    elem = Some(match elem {
                        None => s,
                        Some(prev) => union(prev, s),
                    });
                }
                Shape::List(Box::new(elem.unwrap_or(Shape::Json(Vec::new()))))
            }
            Expr::Map(m) => {
                for en in &m.entries {
                    self.entry(&en.expr);
                }
                Shape::Any
            }
            Expr::Struct(s) => {
                for en in &s.entries {
                    self.entry(&en.expr);
                }
                Shape::Any
            }
            Expr::Comprehension(c) => self.comprehension(c),
            Expr::Unspecified => Shape::Any,
        }
    }

    fn entry(&mut self, e: &EntryExpr) {
        let values = match e {
            EntryExpr::MapEntry(me) => vec![&me.key, &me.value],
            EntryExpr::StructField(f) => vec![&f.value],
        };
        for v in values {
            let s = self.check(v);
            self.whole(&s);
        }
    }
}

/// Checks `ast` against `schema`: the errors (sorted, de-duplicated) and what it reads.
pub(crate) fn check(env: &CelEnv, schema: &Schema<'_>, ast: &IdedExpr) -> (Vec<String>, Reads) {
    let mut c = Checker {
        schema,
        env,
        scopes: Vec::new(),
        errors: BTreeSet::new(),
        reads: Reads::default(),
        functions: HashMap::new(),
    };
    let top = c.check(ast);
    c.whole(&top);
    (c.errors.into_iter().collect(), c.reads)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::expr::compile;
    use super::*;

    fn run(src: &str) -> (Vec<String>, Reads) {
        let env = CelEnv::new().unwrap();
        let doc = json!({
            "id": "x", "tags": {"Name": "a"}, "kind": "k",
            "properties": {"size_gib": 1, "ingress": [
                {"protocol": {"name": "tcp"}, "from_port": 22},
                {"protocol": {"name": "other", "number": "50"}, "from_port": null}]},
            "graph": {"internet_exposed": true, "neighbors": {"attached_to": [
                {"id": "v", "tags": {}, "properties": {"size_gib": 8}}]}}
        });
        let params = json!({"price": 0.1});
        let schema = Schema::new(vec![&doc], &params);
        let ast = compile(&env, src, 4096, 48).unwrap().ast;
        check(&env, &schema, &ast)
    }

    #[test]
    fn fields_are_followed_through_short_circuits_and_comprehensions() {
        assert!(run("resource.properties.size_gib > 0").0.is_empty());
        let (e, _) = run("false && resource.properties.size_gb > 0");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].contains("unknown field `size_gb` on `resource.properties`"),
            "{e:?}"
        );
        assert!(
            run("resource.properties.ingress.exists(p, p.protocol.number == '50')")
                .0
                .is_empty()
        );
        let (e, _) = run("resource.properties.ingress.exists(p, p.port == 22)");
        assert!(e[0].contains("`port` on `p`"), "{e:?}");
        let (e, _) = run("resource.properties.ingress.filter(p, true).map(p, p.frm_port)");
        assert!(e[0].contains("`frm_port`"), "{e:?}");
        assert!(run("resource.properties['size_gib'] > 0").0.is_empty());
        assert!(!run("resource.properties['size_gb'] > 0").0.is_empty());
    }

    #[test]
    fn tags_are_free_form_params_are_not() {
        assert!(run("resource.tags.owner == 'x' || has(resource.tags.team)")
            .0
            .is_empty());
        assert!(run("params.price > 0.0").0.is_empty());
        assert!(run("params.prize > 0.0").0[0].contains("`prize` on `params`"));
    }

    #[test]
    fn unknown_variables_and_functions() {
        assert!(run("resourse.id == ''").0[0].contains("unknown variable `resourse`"));
        assert!(run("true || frobnicate(1)").0[0].contains("unknown function `frobnicate`"));
        assert!(
            run("type(1) == int && size('a') == 1 && 'a'.startsWith('a')")
                .0
                .is_empty()
        );
        assert!(run("timestamp('2026-01-01T00:00:00Z') < now").0.is_empty());
    }

    #[test]
    fn reads_graph_and_neighbors() {
        assert_eq!(run("resource.id == ''").1, Reads::default());
        let r = run("resource.graph.internet_exposed").1;
        assert!(r.graph && !r.neighbors);
        let r = run("resource.graph.neighbors.attached_to.exists(n, n.properties.size_gib > 1)").1;
        assert!(r.graph && r.neighbors, "{r:?}");
        assert!(run("size(resource) > 0").1.neighbors);
        assert!(
            run("resource.graph[params.price > 0.0 ? 'a' : 'b'] != null")
                .1
                .neighbors
        );
    }
}
