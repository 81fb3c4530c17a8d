//! CEL for pack rules: the environment (standard library plus `sum`), compiling an
//! expression within the size and nesting limits, and evaluating it within a budget.
//!
//! The budget: every comprehension (`all`, `exists`, `exists_one`, `map`, `filter`) is
//! rewritten after parsing so that each iteration first calls an internal `@budget` function.
//! It counts steps and checks the deadline of the running evaluation (kept in a thread-local
//! meter, since CEL functions are plain `fn`s) and fails once either is spent, which ends
//! every loop at its next iteration; the evaluator then reports the evaluation as over
//! budget whatever value it produced. Without loops, CEL's work is bounded by the expression's
//! size, which is limited at load.

use std::cell::Cell;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, ListExpr, LiteralValue,
};
use cel::common::types::{CelDouble, CelInt, CelUInt, DYN_TYPE, LIST_TYPE};
use cel::common::value::CowVal;
use cel::{Context, Env, ExecutionError};

const BUDGET_FN: &str = "@budget";

/// The CEL environment shared by every rule of a pack set.
#[derive(Clone)]
pub(crate) struct CelEnv(Arc<Env>);

impl fmt::Debug for CelEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CelEnv(stdlib + sum)")
    }
}

impl CelEnv {
    pub(crate) fn new() -> Result<Self, String> {
        let mut env = Env::stdlib();
        env.add_overload("sum", "sum_list", vec![LIST_TYPE], sum)
            .map_err(|e| e.to_string())?;
        env.add_overload(BUDGET_FN, "budget_dyn", vec![DYN_TYPE], budget)
            .map_err(|e| e.to_string())?;
        Ok(CelEnv(Arc::new(env)))
    }

    pub(crate) fn context(&self) -> Context<'static, 'static> {
        Context::with_env(self.0.clone())
    }

    /// Whether `name` is a function of the environment (a global or member overload).
    pub(crate) fn has_function(&self, name: &str) -> bool {
        // `add_function` refuses a name the environment already declares: a cheap probe.
        self.context().add_function(name, || true).is_err()
    }
}

/// `sum(list)`: the sum of a list of numbers; `int` when every element is an `int` or `uint`,
/// `double` when any is a `double`; `0` for an empty list.
fn sum<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = args
        .first()
        .and_then(|l| l.as_iterable())
        .ok_or_else(|| ExecutionError::function_error("sum", "expects a list"))?;
    let mut int: i64 = 0;
    let mut double: Option<f64> = None;
    let mut items = list.iter();
    while let Some(item) = items.next() {
        if let Some(i) = item.downcast_ref::<CelInt>() {
            int = int
                .checked_add(*i.inner())
                .ok_or_else(|| ExecutionError::function_error("sum", "integer overflow"))?;
        } else if let Some(u) = item.downcast_ref::<CelUInt>() {
            let u = i64::try_from(*u.inner())
                .map_err(|_| ExecutionError::function_error("sum", "integer overflow"))?;
            int = int
                .checked_add(u)
                .ok_or_else(|| ExecutionError::function_error("sum", "integer overflow"))?;
        } else if let Some(d) = item.downcast_ref::<CelDouble>() {
            double = Some(double.unwrap_or(0.0) + *d.inner());
        } else {
            return Err(ExecutionError::function_error(
                "sum",
                format!("expects numbers, got {}", item.get_type().name()),
            ));
        }
    }
    Ok(match double {
        // i64 -> f64 may round for huge sums; that is what `double(x)` does too.
        Some(d) => CowVal::owned(CelDouble::from(d + int as f64)),
        None => CowVal::owned(CelInt::from(int)),
    })
}

/// What stopped an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OverBudget {
    Steps(u64),
    Time(Duration),
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverBudget::Steps(n) => write!(f, "more than {n} comprehension steps"),
            OverBudget::Time(d) => write!(f, "longer than {} ms", d.as_millis()),
        }
    }
}

#[derive(Clone, Copy)]
struct Meter {
    deadline: Instant,
    budget: Duration,
    steps_left: u64,
    max_steps: u64,
    exceeded: Option<OverBudget>,
}

thread_local! {
    static METER: Cell<Option<Meter>> = const { Cell::new(None) };
}

fn budget<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let exceeded = METER.with(|cell| {
        let mut m = cell.get()?;
        if m.exceeded.is_none() {
            if m.steps_left == 0 {
                m.exceeded = Some(OverBudget::Steps(m.max_steps));
            } else if Instant::now() >= m.deadline {
                m.exceeded = Some(OverBudget::Time(m.budget));
            }
            m.steps_left = m.steps_left.saturating_sub(1);
            cell.set(Some(m));
        }
        m.exceeded
    });
    if let Some(e) = exceeded {
        return Err(ExecutionError::function_error(
            "budget",
            format!("evaluation took {e}"),
        ));
    }
    args.pop()
        .ok_or_else(|| ExecutionError::function_error("budget", "missing argument"))
}

/// Meters the evaluations on this thread until dropped.
pub(crate) struct Metering;

impl Metering {
    pub(crate) fn start(budget: Duration, max_steps: u64) -> Metering {
        let now = Instant::now();
        let meter = Meter {
            deadline: now.checked_add(budget).unwrap_or(now),
            budget,
            steps_left: max_steps,
            max_steps,
            exceeded: None,
        };
        METER.with(|c| c.set(Some(meter)));
        Metering
    }

    /// Whether the budget was exceeded so far.
    pub(crate) fn exceeded(&self) -> Option<OverBudget> {
        METER.with(|c| c.get().and_then(|m| m.exceeded))
    }
}

impl Drop for Metering {
    fn drop(&mut self) {
        METER.with(|c| c.set(None));
    }
}

/// A compile failure, with where in the expression when CEL says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CompileError {
    pub reason: String,
}

fn err(reason: impl Into<String>) -> CompileError {
    CompileError {
        reason: reason.into(),
    }
}

/// Deepest bracket nesting of `source`, outside string literals. Checked before parsing:
/// the CEL parser recurses on nesting.
fn bracket_depth(source: &str) -> usize {
    let b = source.as_bytes();
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') => {
                let triple = b.get(i..i + 3) == Some(&[q, q, q][..]);
                let close: &[u8] = if triple { &[q, q, q] } else { &[q] };
                let raw = i > 0 && matches!(b[i - 1], b'r' | b'R');
                i += close.len();
                while i < b.len() && b.get(i..i + close.len()) != Some(close) {
                    if b[i] == b'\\' && !raw {
                        i += 1;
                    }
                    i += 1;
                }
                i += close.len();
                continue;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    max
}

/// Whether the AST is at most `max` levels deep; never recurses deeper than `max + 1`.
fn within_depth(e: &IdedExpr, max: usize) -> bool {
    fn go(e: &IdedExpr, left: usize) -> bool {
        if left == 0 {
            return false;
        }
        let l = left - 1;
        match &e.expr {
            Expr::Call(c) => c.target.iter().all(|t| go(t, l)) && c.args.iter().all(|a| go(a, l)),
            Expr::Comprehension(c) => [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ]
            .into_iter()
            .all(|x| go(x, l)),
            Expr::List(list) => list.elements.iter().all(|x| go(x, l)),
            Expr::Map(m) => m.entries.iter().all(|en| match &en.expr {
                EntryExpr::MapEntry(me) => go(&me.key, l) && go(&me.value, l),
                EntryExpr::StructField(f) => go(&f.value, l),
            }),
            Expr::Struct(s) => s.entries.iter().all(|en| match &en.expr {
                EntryExpr::MapEntry(me) => go(&me.key, l) && go(&me.value, l),
                EntryExpr::StructField(f) => go(&f.value, l),
            }),
            Expr::Select(s) => go(&s.operand, l),
            Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => true,
        }
    }
    go(e, max)
}

fn max_id(e: &IdedExpr) -> u64 {
    let mut m = e.id;
    visit(e, &mut |x| m = m.max(x.id));
    m
}

/// Calls `f` on every node (pre-order). Only used on ASTs whose depth was checked.
pub(crate) fn visit<'a>(e: &'a IdedExpr, f: &mut dyn FnMut(&'a IdedExpr)) {
    f(e);
    match &e.expr {
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                visit(t, f);
            }
            c.args.iter().for_each(|a| visit(a, f));
        }
        Expr::Comprehension(c) => {
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                visit(x, f);
            }
        }
        Expr::List(l) => l.elements.iter().for_each(|x| visit(x, f)),
        Expr::Map(m) => m.entries.iter().for_each(|en| match &en.expr {
            EntryExpr::MapEntry(me) => {
                visit(&me.key, f);
                visit(&me.value, f);
            }
            EntryExpr::StructField(sf) => visit(&sf.value, f),
        }),
        Expr::Struct(s) => s.entries.iter().for_each(|en| match &en.expr {
            EntryExpr::MapEntry(me) => {
                visit(&me.key, f);
                visit(&me.value, f);
            }
            EntryExpr::StructField(sf) => visit(&sf.value, f),
        }),
        Expr::Select(s) => visit(&s.operand, f),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// The `map`/`filter` loop step shape CEL evaluates in place (`@result + [e]`, optionally
/// guarded as `cond ? @result + [e] : @result`): returns (guard, appended list).
pub(crate) fn append_step(c: &ComprehensionExpr) -> Option<(Option<&IdedExpr>, &ListExpr)> {
    let accu = c.accu_var.as_str();
    let is_accu = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(n) if n == accu);
    fn items<'e>(e: &'e IdedExpr, accu: &str) -> Option<&'e ListExpr> {
        match &e.expr {
            Expr::Call(call) if call.func_name == "_+_" && call.target.is_none() => {
                match call.args.as_slice() {
                    [IdedExpr {
                        expr: Expr::Ident(n),
                        ..
                    }, IdedExpr {
                        expr: Expr::List(l),
                        ..
                    }] if n == accu => Some(l),
                    _ => None,
                }
            }
            _ => None,
        }
    }
    if !is_accu(&c.result) || !matches!(c.loop_cond.expr, Expr::Literal(_)) {
        return None;
    }
    match &c.loop_step.expr {
        Expr::Call(call) if call.func_name == "_?_:_" && call.target.is_none() => {
            match call.args.as_slice() {
                [guard, step, otherwise] if is_accu(otherwise) => {
                    Some((Some(guard), items(step, accu)?))
                }
                _ => None,
            }
        }
        _ => Some((None, items(&c.loop_step, accu)?)),
    }
}

/// Wraps `e` in `@budget(e)`.
fn metered(e: &mut IdedExpr, next_id: &mut u64) {
    *next_id += 1;
    let inner = std::mem::take(e);
    *e = IdedExpr {
        id: *next_id,
        expr: Expr::Call(CallExpr {
            func_name: BUDGET_FN.to_string(),
            target: None,
            args: vec![inner],
        }),
    };
}

/// Makes every comprehension iteration pass through `@budget`. The `map`/`filter` step keeps
/// its shape (CEL's in-place append): the guard or the appended element is metered instead of
/// the constant loop condition.
fn meter_loops(e: &mut IdedExpr, next_id: &mut u64) {
    match &mut e.expr {
        Expr::Call(c) => {
            if let Some(t) = &mut c.target {
                meter_loops(t, next_id);
            }
            c.args.iter_mut().for_each(|a| meter_loops(a, next_id));
        }
        Expr::Comprehension(c) => {
            for x in [
                &mut c.iter_range,
                &mut c.accu_init,
                &mut c.loop_cond,
                &mut c.loop_step,
                &mut c.result,
            ] {
                meter_loops(x, next_id);
            }
            let shape = append_step(c).map(|(guard, _)| guard.is_some());
            match shape {
                Some(true) => {
                    if let Expr::Call(call) = &mut c.loop_step.expr {
                        if let Some(guard) = call.args.first_mut() {
                            metered(guard, next_id);
                        }
                    }
                }
                Some(false) => {
                    if let Expr::Call(call) = &mut c.loop_step.expr {
                        if let Some(IdedExpr {
                            expr: Expr::List(l),
                            ..
                        }) = call.args.get_mut(1)
                        {
                            l.elements.iter_mut().for_each(|x| metered(x, next_id));
                        }
                    }
                }
                None => metered(&mut c.loop_cond, next_id),
            }
        }
        Expr::List(l) => l.elements.iter_mut().for_each(|x| meter_loops(x, next_id)),
        Expr::Map(m) => m.entries.iter_mut().for_each(|en| match &mut en.expr {
            EntryExpr::MapEntry(me) => {
                meter_loops(&mut me.key, next_id);
                meter_loops(&mut me.value, next_id);
            }
            EntryExpr::StructField(sf) => meter_loops(&mut sf.value, next_id),
        }),
        Expr::Struct(s) => s.entries.iter_mut().for_each(|en| match &mut en.expr {
            EntryExpr::MapEntry(me) => {
                meter_loops(&mut me.key, next_id);
                meter_loops(&mut me.value, next_id);
            }
            EntryExpr::StructField(sf) => meter_loops(&mut sf.value, next_id),
        }),
        Expr::Select(s) => meter_loops(&mut s.operand, next_id),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// A parsed expression within limits: the AST as written (for the static check) and the
/// metered AST that is evaluated.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub source: String,
    pub ast: IdedExpr,
    pub metered: IdedExpr,
}

/// Parses `source` within `max_bytes` and `max_depth`.
pub(crate) fn compile(
    env: &CelEnv,
    source: &str,
    max_bytes: usize,
    max_depth: usize,
) -> Result<Compiled, CompileError> {
    if source.trim().is_empty() {
        return Err(err("the expression is empty"));
    }
    if source.len() > max_bytes {
        return Err(err(format!(
            "the expression is {} bytes, more than the limit of {max_bytes}",
            source.len()
        )));
    }
    if bracket_depth(source) > max_depth {
        return Err(err(format!(
            "the expression nests brackets more than {max_depth} levels deep"
        )));
    }
    let ast = env.0.parser().parse(source).map_err(|errors| {
        let mut reason = match errors.errors.first() {
            Some(e) => {
                let msg: String = e.msg.chars().take(300).collect();
                format!(
                    "CEL syntax error at {}:{} of the expression: {msg}",
                    e.pos.0.max(1),
                    e.pos.1.max(1)
                )
            }
            None => "CEL syntax error".to_string(),
        };
        if errors.errors.len() > 1 {
            reason.push_str(&format!(" (and {} more)", errors.errors.len() - 1));
        }
        err(reason)
    })?;
    if !within_depth(&ast, max_depth) {
        return Err(err(format!(
            "the expression nests more than {max_depth} levels deep (operators, calls and \
             comprehensions count)"
        )));
    }
    let mut metered_ast = ast.clone();
    let mut next_id = max_id(&ast);
    meter_loops(&mut metered_ast, &mut next_id);
    Ok(Compiled {
        source: source.to_string(),
        ast,
        metered: metered_ast,
    })
}

/// A string literal's text.
pub(crate) fn string_literal(e: &IdedExpr) -> Option<&str> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.inner()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(env: &CelEnv, src: &str) -> Result<cel::Value, ExecutionError> {
        let c = compile(env, src, 4096, 48).unwrap();
        env.context().resolve(&c.metered)
    }

    #[test]
    fn sum_of_ints_doubles_and_errors() {
        let env = CelEnv::new().unwrap();
        assert_eq!(run(&env, "sum([1, 2, 3])"), Ok(cel::Value::Int(6)));
        assert_eq!(run(&env, "sum([])"), Ok(cel::Value::Int(0)));
        assert_eq!(run(&env, "sum([1, 2u, 0.5])"), Ok(cel::Value::Float(3.5)));
        assert!(run(&env, "sum([1, 'a'])").is_err());
        assert!(run(&env, "sum([9223372036854775807, 1])").is_err());
        assert_eq!(
            run(&env, "sum([1, 2].map(x, x * 10))"),
            Ok(cel::Value::Int(30))
        );
    }

    #[test]
    fn metering_keeps_results_and_stops_loops() {
        let env = CelEnv::new().unwrap();
        for (src, want) in [
            ("[1, 2, 3].exists(x, x == 2)", cel::Value::Bool(true)),
            ("[1, 2, 3].all(x, x > 0)", cel::Value::Bool(true)),
            ("[1, 2, 3].exists_one(x, x > 2)", cel::Value::Bool(true)),
            ("size([1, 2, 3].filter(x, x > 1))", cel::Value::Int(2)),
            ("[1, 2].map(x, x * 2) == [2, 4]", cel::Value::Bool(true)),
            ("[1, 2].map(x, x > 1, x * 2) == [4]", cel::Value::Bool(true)),
        ] {
            let _m = Metering::start(Duration::from_secs(5), 1000);
            assert_eq!(run(&env, src), Ok(want), "{src}");
        }
        let m = Metering::start(Duration::from_secs(5), 10);
        let r = run(&env, "[1,2,3,4].all(a, [1,2,3,4].all(b, true))");
        assert!(r.is_err(), "{r:?}");
        assert_eq!(m.exceeded(), Some(OverBudget::Steps(10)));
        drop(m);
        // Unmetered (no evaluation running): the budget function passes values through.
        assert_eq!(
            run(&env, "[1,2,3,4].all(a, [1,2,3,4].all(b, true))"),
            Ok(cel::Value::Bool(true))
        );
    }

    #[test]
    fn map_and_filter_keep_the_in_place_shape_after_metering() {
        let env = CelEnv::new().unwrap();
        for src in [
            "[1].map(x, x)",
            "[1].filter(x, x > 0)",
            "[1].map(x, x > 0, x)",
        ] {
            let c = compile(&env, src, 4096, 48).unwrap();
            let Expr::Comprehension(comp) = &c.metered.expr else {
                panic!("{src}")
            };
            assert!(append_step(comp).is_some(), "{src}");
        }
    }

    #[test]
    fn size_and_depth_limits() {
        let env = CelEnv::new().unwrap();
        let long = format!("'{}' == ''", "a".repeat(5000));
        assert!(compile(&env, &long, 4096, 48)
            .unwrap_err()
            .reason
            .contains("more than the limit of 4096"));
        let deep = "(".repeat(60) + "1" + &")".repeat(60);
        assert!(compile(&env, &deep, 4096, 48)
            .unwrap_err()
            .reason
            .contains("brackets"));
        let chain = vec!["1"; 100].join(" + ");
        assert!(compile(&env, &chain, 4096, 48)
            .unwrap_err()
            .reason
            .contains("levels deep"));
        // Brackets inside strings do not count.
        assert!(compile(&env, &format!("'{}' != ''", "(".repeat(60)), 4096, 48).is_ok());
        assert_eq!(bracket_depth(r#"'a\'(' + "((" + [(1)]"#), 2);
    }
}
