//! qSQL: the `select`, `exec`, `update` and `delete` templates, their functional forms
//! `?[t;c;b;a]` / `![t;c;b;a]`, `fby`, and dot notation on names (`s.name` through a
//! foreign key, `time.minute` on a temporal column).
//!
//! Where phrases filter one after another, each seeing only the rows the previous kept.
//! Expressions are evaluated once over whole columns in a scope where column names are
//! locals, so the work inside is vector work. A `by` phrase gives each row a dense group id
//! ([`group`]); a column expression that is a recognised aggregation of row-wise arguments
//! (`sum size`, `size wavg price`, `last price`, `max a-b`) is computed for all groups in one
//! pass over the column ([`agg`]), other expressions group by group. Results are ordered by
//! their key values, as q orders them.

mod agg;
mod fast;
mod func;
mod group;

pub use func::{
    dot_path, fby, fkeys, functional_select, functional_update, meta, resolve_dotted, table_exec,
    update_op, vector_cond,
};

use super::ast::*;
use super::error::QError;
use super::eval::{EvalResult, Frame, Interp};
use super::parse::{derive_name, walk};
use super::prims::{list, table};
use super::value::{from_items, general, item, items, null_atom};
use agg::Agg;
use group::Groups;
use qipc::{Attr, Data, Dict, Func, Sym, Table, Ty, K};
use std::sync::Arc;

/// A table being queried, keys and values side by side, and how many leading columns are
/// keys (0 for a plain table).
struct Source {
    table: Arc<Table>,
    nkeys: usize,
}

fn to_source(v: &K) -> Result<Source, QError> {
    match v {
        K::Table(t) => Ok(Source {
            table: t.clone(),
            nkeys: 0,
        }),
        K::Dict(d) => match (&d.keys, &d.vals) {
            (K::Table(k), K::Table(t)) => {
                let mut names = k.names.as_ref().clone();
                names.extend(t.names.iter().copied());
                let mut cols = k.cols.clone();
                cols.extend(t.cols.iter().cloned());
                Ok(Source {
                    table: Arc::new(Table {
                        attr: Attr::None,
                        names: Arc::new(names),
                        cols,
                    }),
                    nkeys: k.names.len(),
                })
            }
            _ => Err(QError::type_()),
        },
        _ => Err(QError::type_()),
    }
}

/// Split a table into a keyed table on its first `n` columns.
fn rekey(t: K, n: usize) -> Result<K, QError> {
    if n == 0 {
        return Ok(t);
    }
    match t {
        K::Table(t) => {
            let (kn, vn) = t.names.split_at(n.min(t.names.len()));
            let (kc, vc) = t.cols.split_at(n.min(t.cols.len()));
            Ok(K::dict(
                K::table(kn.to_vec(), kc.to_vec()),
                K::table(vn.to_vec(), vc.to_vec()),
            ))
        }
        other => Ok(other),
    }
}

fn sym(s: &str) -> Sym {
    Sym::from_text(s)
}

/// The first segment of a dotted name (`time.minute` → `time`); the name itself otherwise.
fn head(n: Sym) -> Sym {
    let b = n.as_bytes();
    match b.iter().position(|&c| c == b'.') {
        Some(p) if p > 0 => Sym::new(&b[..p]),
        _ => n,
    }
}

/// Names an expression refers to (so only those columns are gathered); a dotted name also
/// brings in its first segment.
fn names_in(exprs: &[&Expr]) -> Vec<Sym> {
    let mut out = Vec::new();
    for e in exprs {
        walk(e, &mut |x| {
            if let Expr::Name(n) = x {
                for m in [*n, head(*n)] {
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
            }
        });
    }
    out
}

/// The virtual column `i`: each row's number.
fn vi() -> Sym {
    sym("i")
}

/// The rows a query sees: all of the table's, or those its where phrase kept.
#[derive(Clone)]
struct View {
    rows: Option<Vec<i64>>,
    n: usize,
}

impl View {
    fn all(t: &Table) -> View {
        View {
            rows: None,
            n: t.rows(),
        }
    }

    fn of(rows: Vec<i64>) -> View {
        View {
            n: rows.len(),
            rows: Some(rows),
        }
    }

    /// A column at the view's rows.
    fn col(&self, c: &K) -> Result<K, QError> {
        match &self.rows {
            None => Ok(c.clone()),
            Some(r) => table::gather(c, r),
        }
    }

    /// Absolute row numbers.
    fn ids(&self) -> Vec<i64> {
        match &self.rows {
            None => (0..self.n as i64).collect(),
            Some(r) => r.clone(),
        }
    }
}

/// A frame holding the enclosing lambda's locals (what a query's names fall back to
/// before globals).
fn base_frame(base: &Option<&mut Frame>, ctx: Sym) -> Frame {
    match base {
        Some(b) => Frame {
            names: b.names.clone(),
            vals: b.vals.clone(),
            ctx: b.ctx,
            this: b.this.clone(),
        },
        None => Frame {
            ctx,
            ..Frame::default()
        },
    }
}

/// A scope for evaluating expressions over the view's rows: the enclosing lambda's locals,
/// then the wanted columns (and `i`) as locals.
fn scope(
    base: &Option<&mut Frame>,
    t: &Table,
    view: &View,
    want: &[Sym],
    ctx: Sym,
) -> Result<Frame, QError> {
    let mut f = base_frame(base, ctx);
    for (n, c) in t.names.iter().zip(t.cols.iter()) {
        if want.contains(n) {
            f.set(*n, view.col(c)?);
        }
    }
    if want.contains(&vi()) && !t.names.contains(&vi()) {
        f.set(vi(), K::longs(view.ids()));
    }
    Ok(f)
}

fn eval_in(it: &mut Interp, e: &Expr, f: &mut Frame) -> EvalResult {
    let mut fr = Some(f);
    it.eval(e, &mut fr)
}

/// The positions a where result keeps: a boolean (or integer, non-zero) vector of one item
/// per row, or an atom for all rows or none.
fn kept(mask: &K, n: usize) -> Result<Vec<i64>, QError> {
    fn nonzero<T: Copy + PartialEq + Default>(d: &[T]) -> Vec<i64> {
        let z = T::default();
        d.iter()
            .enumerate()
            .filter(|(_, &x)| x != z)
            .map(|(i, _)| i as i64)
            .collect()
    }
    match mask {
        K::Vector(v) if matches!(v.ty, Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long) => {
            if v.len() != n {
                return Err(QError::length());
            }
            Ok(match &v.data {
                Data::U8(d) => nonzero(d),
                Data::I16(d) => nonzero(d),
                Data::I32(d) => nonzero(d),
                Data::I64(d) => nonzero(d),
                _ => return Err(QError::type_()),
            })
        }
        K::Atom(a) if matches!(a.ty, Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long) => {
            Ok(if super::eval::truthy(mask)? {
                (0..n as i64).collect()
            } else {
                Vec::new()
            })
        }
        _ => Err(QError::type_()),
    }
}

/// Apply the where phrase: the view of the rows it keeps.
fn filter(
    it: &mut Interp,
    base: &Option<&mut Frame>,
    t: &Table,
    wheres: &[Expr],
    ctx: Sym,
) -> EvalResult<View> {
    let mut view = View::all(t);
    // A leading run of column-against-constant tests: one mask pass over the table.
    let tests = fast::tests(it, wheres, t, base, ctx);
    if !tests.is_empty() {
        view = View::of(fast::passing(&tests, t.rows()));
    }
    for w in &wheres[tests.len()..] {
        let want = names_in(&[w]);
        let mut f = scope(base, t, &view, &want, ctx)?;
        let mask = eval_in(it, w, &mut f)?;
        let keep = kept(&mask, view.n)?;
        view = View::of(match view.rows {
            None => keep,
            Some(r) => keep
                .iter()
                .map(|&i| r.get(i as usize).copied().unwrap_or(-1))
                .collect(),
        });
    }
    Ok(view)
}

// ------------------------------------------------------------------------------------------
// Column names

/// The name q gives an unnamed column expression (see [`derive_name`]).
fn derive(e: &Expr) -> Option<Sym> {
    derive_name(e)
}

fn phrase_names(p: &[(Option<Sym>, Expr)], t: &Table) -> Vec<Sym> {
    let mut out: Vec<Sym> = Vec::new();
    for (n, e) in p {
        let base = n
            .or_else(|| derive(e).filter(|d| *d != vi() || t.names.contains(d)))
            .unwrap_or_else(|| sym("x"));
        let mut name = base;
        let mut k = 1;
        while out.contains(&name) {
            name = Sym::from_text(&format!("{}{}", base, k));
            k += 1;
        }
        out.push(name);
    }
    out
}

/// Select and by names may not collide (`select b by b from t`).
fn check_dups(cols: &[Sym], keys: &[Sym]) -> Result<(), QError> {
    match cols.iter().find(|c| keys.contains(c)) {
        Some(c) => Err(QError::new(format!("dup names for cols/groups {c}"))),
        None => Ok(()),
    }
}

/// Make columns conform: atoms spread to `n` rows (to the longest column when `n` is not
/// given; one row when all are atoms).
fn conform(vals: Vec<K>, n: Option<usize>) -> Result<Vec<K>, QError> {
    let n = n.or_else(|| vals.iter().filter(|v| !v.is_atom()).map(K::len).max());
    match n {
        None => Ok(vals.into_iter().map(|v| from_items(vec![v])).collect()),
        Some(n) => vals
            .into_iter()
            .map(|v| {
                if v.is_atom() {
                    Ok(from_items(vec![v; n]))
                } else if v.len() == n {
                    Ok(v)
                } else {
                    Err(QError::length())
                }
            })
            .collect(),
    }
}

// ------------------------------------------------------------------------------------------
// Queries

/// A query in the form both the templates and the functional forms reduce to.
struct Query {
    kind: SqlKind,
    cols: Vec<(Option<Sym>, Expr)>,
    by: Option<Vec<(Option<Sym>, Expr)>>,
    wheres: Vec<Expr>,
    /// `select[n]`: first (last, if negative) n rows, or `m n`: n rows from row m.
    limit: Option<K>,
    /// `select[>c]`: an expression giving the order of the rows (`idesc c`).
    order: Option<Expr>,
    distinct: bool,
}

/// A template's limit expression split into the row count and the ordering (`<c` / `>c`,
/// as `iasc c` / `idesc c`, to be evaluated over the columns).
pub fn limit_split(l: &Expr) -> (Option<&Expr>, Option<Expr>) {
    fn order_of(e: &Expr) -> Option<Expr> {
        let Expr::Monad(f, x) = e else { return None };
        let name = match &**f {
            Expr::Verb(Verb::Prim(p)) if &**p == ">" => "idesc",
            Expr::Verb(Verb::Prim(p)) if &**p == "<" => "iasc",
            _ => return None,
        };
        Some(Expr::Monad(Box::new(Expr::Name(sym(name))), x.clone()))
    }
    match l {
        Expr::List(v) if v.len() == 2 && order_of(&v[1]).is_some() => {
            (Some(&v[0]), order_of(&v[1]))
        }
        e => match order_of(e) {
            Some(o) => (None, Some(o)),
            None => (Some(e), None),
        },
    }
}

/// The names of a phrase's columns without the table at hand (parse trees): explicit,
/// derived, or `x`, made unique.
pub fn column_names(p: &[(Option<Sym>, Expr)]) -> Vec<Sym> {
    phrase_names(
        p,
        &Table {
            attr: Attr::None,
            names: Arc::new(Vec::new()),
            cols: Vec::new(),
        },
    )
}

pub fn eval_sql(it: &mut Interp, s: &Sql, frame: &mut Option<&mut Frame>) -> EvalResult {
    let from = it.eval(&s.from, frame)?;
    let ctx = frame.as_ref().map_or(it.ns, |f| f.ctx);
    let (limit, order) = match &s.limit {
        Some(l) => {
            let (n, o) = limit_split(l);
            let n = match n {
                Some(e) => Some(it.eval(e, frame)?),
                None => None,
            };
            (n, o)
        }
        None => (None, None),
    };
    let mut q = Query {
        kind: s.kind,
        cols: s.cols.clone(),
        by: s.by.clone(),
        wheres: s.wheres.clone(),
        limit,
        order,
        distinct: s.distinct,
    };
    // `exec ... by 0b` is a select without groups.
    if q.kind == SqlKind::Exec {
        if let Some([(None, Expr::Lit(b))]) = q.by.as_deref() {
            if matches!(b, K::Atom(a) if a.ty == Ty::Bool) && !super::eval::truthy(b)? {
                q.kind = SqlKind::Select;
                q.by = None;
            }
        }
    }
    run_on(it, &q, from, frame, ctx)
}

/// Run a query on a table value, or on the global a symbol names (which `update` and
/// `delete` then replace, returning the name).
fn run_on(
    it: &mut Interp,
    q: &Query,
    from: K,
    frame: &mut Option<&mut Frame>,
    ctx: Sym,
) -> EvalResult {
    let target = from.as_sym();
    let src_val = match target {
        Some(n) if n.as_bytes() == b"." => it.root_dict(),
        Some(n) => it
            .get_global(n, ctx)
            .ok_or_else(|| QError::new(n.as_str().into_owned()))?,
        None => from,
    };
    if q.kind == SqlKind::Delete {
        if let Some(r) = delete_entries(it, q, &src_val, target, ctx)? {
            return Ok(r);
        }
    }
    let result = run(it, q, &src_val, frame, ctx)?;
    match (target, q.kind) {
        (Some(n), SqlKind::Update | SqlKind::Delete) => {
            it.set_global(n, ctx, result);
            Ok(K::sym(n))
        }
        _ => Ok(result),
    }
}

fn run(
    it: &mut Interp,
    q: &Query,
    src_val: &K,
    frame: &mut Option<&mut Frame>,
    ctx: Sym,
) -> EvalResult {
    let src = to_source(src_val)?;
    let t = src.table.clone();
    // `select from t where` simple tests: rows found and copied out in one pass.
    if q.kind == SqlKind::Select
        && q.by.is_none()
        && q.cols.is_empty()
        && q.limit.is_none()
        && q.order.is_none()
        && !q.distinct
        && !q.wheres.is_empty()
    {
        let tests = fast::tests(it, &q.wheres, &t, frame, ctx);
        if tests.len() == q.wheres.len() {
            if let Some(cols) = fast::filter_columns(&tests, &t.cols, t.rows()) {
                return Ok(rekey(K::table(t.names.to_vec(), cols), src.nkeys)?);
            }
        }
    }
    let mut view = filter(it, frame, &t, &q.wheres, ctx)?;
    match q.kind {
        SqlKind::Select => {
            if q.by.is_none() {
                view = limit_rows(it, q, &t, view, frame, ctx)?;
            }
            let out = select(it, q, &src, &view, frame, ctx)?;
            if q.by.is_some() {
                apply_limit(q, out)
            } else {
                Ok(out)
            }
        }
        SqlKind::Exec => exec(it, q, &t, &view, frame, ctx),
        SqlKind::Update => update(it, q, &src, &view, frame, ctx),
        SqlKind::Delete => delete(q, &src, &view),
    }
}

/// The row count of `select[n]`/`select[m n]` as a range of `0..total`.
fn limit_range(n: &K, total: usize) -> Result<std::ops::Range<usize>, QError> {
    let t = total as i64;
    if !n.is_atom() {
        let parts = items(n);
        let [m, c] = parts.as_slice() else {
            return Err(QError::length());
        };
        let m = m.as_i64().ok_or_else(QError::type_)?.clamp(0, t);
        let c = c.as_i64().ok_or_else(QError::type_)?.max(0);
        return Ok(m as usize..m.saturating_add(c).min(t) as usize);
    }
    let c = n.as_i64().ok_or_else(QError::type_)?;
    Ok(if c >= 0 {
        0..c.min(t) as usize
    } else {
        (t + c.max(-t)) as usize..total
    })
}

/// Apply the limit expression to the rows before the select phrase (q does, so that
/// `select[n]` only computes n rows).
fn limit_rows(
    it: &mut Interp,
    q: &Query,
    t: &Table,
    view: View,
    frame: &Option<&mut Frame>,
    ctx: Sym,
) -> EvalResult<View> {
    let mut view = view;
    if let Some(o) = &q.order {
        let mut f = scope(frame, t, &view, &names_in(&[o]), ctx)?;
        let idx = eval_in(it, o, &mut f)?;
        let idx = list::index(&K::longs(view.ids()), &idx)?;
        let K::Vector(v) = &idx else {
            return Err(QError::type_().into());
        };
        let Data::I64(r) = &v.data else {
            return Err(QError::type_().into());
        };
        view = View::of(r.to_vec());
    }
    if let Some(n) = &q.limit {
        let r = limit_range(n, view.n)?;
        let ids = view.ids();
        view = View::of(ids[r].to_vec());
    }
    Ok(view)
}

/// Limit a grouped result by rows.
fn apply_limit(q: &Query, out: K) -> EvalResult {
    let Some(n) = &q.limit else { return Ok(out) };
    let r = limit_range(n, out.len())?;
    let idx: Vec<i64> = r.map(|i| i as i64).collect();
    Ok(list::index(&out, &K::longs(idx))?)
}

/// All columns at the view's rows, keyed as the source was.
fn whole_rows(src: &Source, view: &View) -> EvalResult {
    let t = &src.table;
    let cols = match &view.rows {
        Some(r) => table::gather_columns(&t.cols, r)?,
        None => t.cols.clone(),
    };
    Ok(rekey(K::table(t.names.to_vec(), cols), src.nkeys)?)
}

fn select(
    it: &mut Interp,
    q: &Query,
    src: &Source,
    view: &View,
    frame: &Option<&mut Frame>,
    ctx: Sym,
) -> EvalResult {
    let t = &src.table;
    let Some(by) = &q.by else {
        let out = if q.cols.is_empty() {
            whole_rows(src, view)?
        } else {
            let exprs: Vec<&Expr> = q.cols.iter().map(|c| &c.1).collect();
            let mut f = scope(frame, t, view, &names_in(&exprs), ctx)?;
            let mut vals = Vec::with_capacity(exprs.len());
            for e in &exprs {
                vals.push(eval_in(it, e, &mut f)?);
            }
            K::table(phrase_names(&q.cols, t), conform(vals, None)?)
        };
        return if q.distinct {
            Ok(distinct_rows(out)?)
        } else {
            Ok(out)
        };
    };
    let key_names = phrase_names(by, t);
    let mut evaluated = None;
    if !q.distinct {
        match fast::select_by(it, &q.cols, by, t, view, frame, ctx)? {
            fast::Grouped::Done(out) => return Ok(out),
            fast::Grouped::Declined(keys) => evaluated = keys,
        }
    }
    let Grouping {
        groups,
        keys,
        order,
    } = match evaluated {
        Some(keys) => Grouping::of_keys(it, keys, view.n)?,
        None => Grouping::new(it, by, t, view, frame, ctx)?,
    };
    let (names, exprs): (Vec<Sym>, Vec<Expr>) = if q.cols.is_empty() {
        // `select by k from t`: the last row of each group for the other columns.
        let others: Vec<Sym> = t
            .names
            .iter()
            .copied()
            .filter(|n| !key_names.contains(n))
            .collect();
        let exprs = others
            .iter()
            .map(|n| Expr::Monad(Box::new(Expr::Name(sym("last"))), Box::new(Expr::Name(*n))))
            .collect();
        (others, exprs)
    } else {
        let names = phrase_names(&q.cols, t);
        check_dups(&names, &key_names)?;
        (names, q.cols.iter().map(|c| c.1.clone()).collect())
    };
    let erefs: Vec<&Expr> = exprs.iter().collect();
    let mut cx = GroupCx::new(frame, t, view, &erefs, ctx, groups)?;
    let mut cols = Vec::with_capacity(exprs.len());
    for e in &erefs {
        let v = cx.column(it, e)?;
        cols.push(cx.in_order(&v, &order)?);
    }
    let key_table = K::table(key_names, sorted_keys(&keys, &order, &cx.g)?);
    let vals = K::table(names, cols);
    let out = K::dict(key_table, vals);
    if q.distinct {
        return Ok(distinct_rows(out)?);
    }
    Ok(out)
}

/// The rows of a table (or keyed table) that are not repeats of earlier rows.
fn distinct_rows(t: K) -> Result<K, QError> {
    let cols: Vec<K> = match &t {
        K::Table(tb) => tb.cols.clone(),
        K::Dict(d) => match (&d.keys, &d.vals) {
            (K::Table(k), K::Table(v)) => k.cols.iter().chain(v.cols.iter()).cloned().collect(),
            _ => return Ok(t),
        },
        _ => return Ok(t),
    };
    let n = t.len();
    if cols.is_empty() || n == 0 {
        return Ok(t);
    }
    let g = Groups::of_keys(&cols, n)?;
    if g.ng == n {
        return Ok(t);
    }
    list::index(&t, &K::longs(g.firsts.clone()))
}

/// The groups of a by phrase and their order by key.
struct Grouping {
    groups: Groups,
    keys: Vec<K>,
    order: Vec<usize>,
}

impl Grouping {
    fn new(
        it: &mut Interp,
        by: &[(Option<Sym>, Expr)],
        t: &Table,
        view: &View,
        frame: &Option<&mut Frame>,
        ctx: Sym,
    ) -> EvalResult<Grouping> {
        let by_exprs: Vec<&Expr> = by.iter().map(|c| &c.1).collect();
        let mut f = scope(frame, t, view, &names_in(&by_exprs), ctx)?;
        let mut keys = Vec::with_capacity(by_exprs.len());
        for e in &by_exprs {
            keys.push(eval_in(it, e, &mut f)?);
        }
        Grouping::of_keys(it, conform(keys, Some(view.n))?, view.n)
    }

    /// Group by key columns already evaluated (one item per row each).
    fn of_keys(it: &mut Interp, keys: Vec<K>, n: usize) -> EvalResult<Grouping> {
        let groups = Groups::of_keys(&keys, n)?;
        let mut grade = |c: &K| -> Result<Vec<i64>, QError> {
            let c = it.resolve_enums(c.clone());
            match list::iasc(&c)? {
                K::Vector(v) => match &v.data {
                    Data::I64(d) => Ok(d.to_vec()),
                    _ => Err(QError::type_()),
                },
                _ => Err(QError::type_()),
            }
        };
        let order = groups.sorted(&keys, &mut grade)?;
        Ok(Grouping {
            groups,
            keys,
            order,
        })
    }
}

/// The key columns, one row per group in key order.
fn sorted_keys(keys: &[K], order: &[usize], g: &Groups) -> Result<Vec<K>, QError> {
    let at: Vec<i64> = order.iter().map(|&i| g.firsts[i]).collect();
    keys.iter().map(|k| table::gather(k, &at)).collect()
}

/// Evaluating column expressions group by group over a view.
struct GroupCx<'v> {
    view: &'v View,
    /// `i` is named but not yet in `full` (made on first use: `count i` never needs it).
    i_pending: bool,
    /// The enclosing lambda's locals.
    locals: Frame,
    /// The view's columns (those the expressions name) in a scope.
    full: Frame,
    /// The names in `full` that are columns (or `i`).
    colnames: Vec<Sym>,
    /// Each column split by group, made on first need.
    parts: Option<Vec<Vec<K>>>,
    g: Groups,
    n: usize,
}

/// Monadic keywords and glyphs that work item by item.
const ATOMIC1: &[&str] = &[
    "neg",
    "abs",
    "not",
    "null",
    "sqrt",
    "exp",
    "log",
    "floor",
    "ceiling",
    "reciprocal",
    "signum",
    "string",
    "upper",
    "lower",
    "-",
    "_",
    "~",
    "^",
];
/// Dyadic keywords and glyphs that work item by item.
const ATOMIC2: &[&str] = &[
    "+", "-", "*", "%", "&", "|", "=", "<", ">", "<=", ">=", "<>", "^", "xbar", "div", "mod",
    "and", "or", "xexp", "xlog",
];

impl<'v> GroupCx<'v> {
    fn new(
        base: &Option<&mut Frame>,
        t: &Table,
        view: &'v View,
        exprs: &[&Expr],
        ctx: Sym,
        g: Groups,
    ) -> Result<GroupCx<'v>, QError> {
        let mut want = names_in(exprs);
        let mut colnames: Vec<Sym> = t
            .names
            .iter()
            .copied()
            .filter(|n| want.contains(n))
            .collect();
        let i_pending = want.contains(&vi()) && !t.names.contains(&vi());
        if i_pending {
            colnames.push(vi());
            want.retain(|n| *n != vi());
        }
        let full = scope(base, t, view, &want, ctx)?;
        Ok(GroupCx {
            view,
            i_pending,
            locals: base_frame(base, ctx),
            full,
            colnames,
            parts: None,
            n: view.n,
            g,
        })
    }

    fn is_col(&self, n: Sym) -> bool {
        self.colnames.contains(&head(n))
    }

    /// Put `i` in the scope if `e` (or, for `None`, anything) needs it.
    fn ensure_i(&mut self, e: Option<&Expr>) {
        if self.i_pending && e.is_none_or(|e| names_in(&[e]).contains(&vi())) {
            self.full.set(vi(), K::longs(self.view.ids()));
            self.i_pending = false;
        }
    }

    /// A name that means the keyword itself (no column or local hides it).
    fn keyword(&self, e: &Expr) -> Option<Sym> {
        match e {
            Expr::Name(n) if !self.is_col(*n) && !self.full.declares(*n) => Some(*n),
            Expr::Verb(Verb::Word(w)) => Some(*w),
            Expr::Verb(Verb::Prim(p)) => Some(Sym::from_text(p)),
            _ => None,
        }
    }

    /// The aggregation an expression in function position names.
    fn agg_of(&self, f: &Expr, rank: usize) -> Option<Agg> {
        let a = match f {
            Expr::Lit(K::Func(Func::Native(b))) => Agg::of_name(b.name().as_bytes()),
            Expr::Verb(Verb::Prim(p)) if rank == 1 => match &**p {
                "#" => Some(Agg::Count),
                "*" => Some(Agg::First),
                _ => None,
            },
            _ => self.keyword(f).and_then(|n| Agg::of_name(n.as_bytes())),
        }?;
        (a.rank() == rank).then_some(a)
    }

    fn is_atomic(&self, f: &Expr, rank: usize) -> bool {
        let set = if rank == 1 { ATOMIC1 } else { ATOMIC2 };
        match f {
            Expr::Lit(K::Func(Func::Native(b))) => set.contains(&b.name()),
            Expr::Verb(Verb::Derived(..)) => false,
            _ => self.keyword(f).is_some_and(|n| set.contains(&&*n.as_str())),
        }
    }

    /// True when `e` gives one item per row, computed row by row (so evaluating it over all
    /// rows then grouping equals evaluating it per group).
    fn rowwise(&self, it: &Interp, e: &Expr) -> bool {
        match e {
            Expr::Name(n) => {
                self.is_col(*n)
                    || (!n.as_bytes().contains(&b'.')
                        && match self.full.get(*n) {
                            Some(v) => v.is_atom(),
                            None => it
                                .get_global(*n, self.full.ctx)
                                .is_some_and(|v| v.is_atom()),
                        })
            }
            Expr::Lit(k) => k.is_atom(),
            Expr::Monad(f, x) => self.is_atomic(f, 1) && self.rowwise(it, x),
            Expr::Dyad(f, x, Some(y)) => {
                let cast = matches!(&**f, Expr::Verb(Verb::Prim(p)) if &**p == "$")
                    && matches!(&**x, Expr::Lit(k) if k.is_atom());
                (cast || (self.is_atomic(f, 2) && self.rowwise(it, x))) && self.rowwise(it, y)
            }
            Expr::Apply(f, args) => {
                args.iter()
                    .all(|a| a.as_ref().is_some_and(|a| self.rowwise(it, a)))
                    && self.is_atomic(f, args.len())
            }
            _ => false,
        }
    }

    /// The function an expression in function position denotes when applied to `rank`
    /// arguments (a glyph applied to one argument is its monadic keyword: `#x` is count).
    fn func_value(&mut self, it: &mut Interp, f: &Expr, rank: usize) -> EvalResult {
        if let (Expr::Verb(Verb::Prim(p)), 1) = (f, rank) {
            let g = p.trim_end_matches(':');
            let g = if g.is_empty() { ":" } else { g };
            let name = super::builtins::monad_name(g).ok_or_else(QError::nyi)?;
            return it
                .builtins
                .get(&Sym::from_text(name))
                .cloned()
                .ok_or_else(|| QError::nyi().into());
        }
        self.ensure_i(Some(f));
        it.eval(f, &mut Some(&mut self.full))
    }

    /// Evaluate over all the view's rows; `None` unless it gives one item per row.
    fn over_rows(&mut self, it: &mut Interp, e: &Expr) -> EvalResult<Option<K>> {
        self.ensure_i(Some(e));
        let v = eval_in(it, e, &mut self.full)?;
        Ok(
            (!v.is_atom() && v.len() == self.n && !matches!(v, K::Dict(_) | K::Table(_)))
                .then_some(v),
        )
    }

    /// One value per group (group-id order) for an expression, computing whole columns
    /// where the shape allows; `None` when it must be evaluated group by group.
    fn fast(&mut self, it: &mut Interp, e: &Expr) -> EvalResult<Option<K>> {
        let (f, args): (&Expr, Vec<&Expr>) = match e {
            Expr::Lit(k) if k.is_atom() => return Ok(Some(k.clone())),
            Expr::Name(n) if self.is_col(*n) => {
                let Some(v) = self.over_rows(it, e)? else {
                    return Ok(None);
                };
                return Ok(Some(general(self.g.split(&v)?)));
            }
            Expr::Monad(f, x) => (f, vec![&**x]),
            Expr::Dyad(f, x, Some(y)) => (f, vec![&**x, &**y]),
            Expr::Apply(f, args) if args.iter().all(Option::is_some) && !args.is_empty() => {
                (f, args.iter().flatten().collect())
            }
            _ => return Ok(None),
        };
        if let Some(op) = self.agg_of(f, args.len()) {
            // `count i`, `count c`: the group sizes, without reading the column.
            if op == Agg::Count && matches!(args[0], Expr::Name(n) if self.colnames.contains(n)) {
                return Ok(Some(K::longs(self.g.counts())));
            }
            if args.iter().all(|a| self.rowwise(it, a)) {
                let mut vals = Vec::with_capacity(args.len());
                for a in &args {
                    match self.over_rows(it, a)? {
                        Some(v) => vals.push(v),
                        None => return Ok(None),
                    }
                }
                if let Some(r) = agg::grouped(op, &vals, &self.g)? {
                    return Ok(Some(r));
                }
                let fv = self.func_value(it, f, vals.len())?;
                return self.per_group(it, &fv, &vals).map(Some);
            }
        }
        if self.is_atomic(f, args.len()) {
            let mut vals = Vec::with_capacity(args.len());
            for a in &args {
                match self.fast(it, a)? {
                    Some(v) => vals.push(v),
                    None => return Ok(None),
                }
            }
            let fv = self.func_value(it, f, vals.len())?;
            return Ok(Some(it.apply(&fv, vals)?));
        }
        // Any other function of row-wise arguments: group the arguments, apply per group.
        let named_col = matches!(f, Expr::Name(n) if self.is_col(*n));
        if !named_col && args.iter().all(|a| self.rowwise(it, a)) {
            let fv = self.func_value(it, f, args.len())?;
            if matches!(fv, K::Func(_)) && !fv.is_null() {
                let mut vals = Vec::with_capacity(args.len());
                for a in &args {
                    match self.over_rows(it, a)? {
                        Some(v) => vals.push(v),
                        None => return Ok(None),
                    }
                }
                return self.per_group(it, &fv, &vals).map(Some);
            }
        }
        Ok(None)
    }

    /// `f` applied to each group's items of `args`.
    fn per_group(&mut self, it: &mut Interp, f: &K, args: &[K]) -> EvalResult {
        let split = args
            .iter()
            .map(|a| self.g.split(a))
            .collect::<Result<Vec<_>, QError>>()?;
        let mut out = Vec::with_capacity(self.g.ng);
        for gi in 0..self.g.ng {
            let a: Vec<K> = split.iter().map(|s| s[gi].clone()).collect();
            out.push(it.apply(f, a)?);
        }
        Ok(from_items(out))
    }

    /// One value per group (group-id order) of an expression.
    fn column(&mut self, it: &mut Interp, e: &Expr) -> EvalResult {
        if let Some(v) = self.fast(it, e)? {
            return Ok(if v.is_atom() {
                from_items(vec![v; self.g.ng])
            } else {
                v
            });
        }
        self.slow(it, e)
    }

    /// Evaluate in a scope of each group's rows in turn.
    fn slow(&mut self, it: &mut Interp, e: &Expr) -> EvalResult {
        self.ensure_i(None);
        if self.parts.is_none() {
            let mut parts = Vec::with_capacity(self.colnames.len());
            for n in &self.colnames {
                let c = self.full.get(*n).cloned().unwrap_or(K::NULL);
                parts.push(self.g.split(&c)?);
            }
            self.parts = Some(parts);
        }
        let mut out = Vec::with_capacity(self.g.ng);
        for gi in 0..self.g.ng {
            let mut f = Frame {
                names: self.locals.names.clone(),
                vals: self.locals.vals.clone(),
                ctx: self.locals.ctx,
                this: self.locals.this.clone(),
            };
            if let Some(parts) = &self.parts {
                for (n, p) in self.colnames.iter().zip(parts) {
                    f.set(*n, p[gi].clone());
                }
            }
            out.push(eval_in(it, e, &mut f)?);
        }
        Ok(from_items(out))
    }

    /// Per-group values put in the order of the groups' keys.
    fn in_order(&self, v: &K, order: &[usize]) -> Result<K, QError> {
        let at: Vec<i64> = order.iter().map(|&i| i as i64).collect();
        match v {
            K::Vector(_) | K::Enum(_) | K::List(_) => table::gather(v, &at),
            _ => list::index(v, &K::longs(at)),
        }
    }

    /// Per-group values spread back to rows: an atom fills its group, a list of the
    /// group's length goes item by item.
    fn to_rows(&self, v: &K) -> Result<K, QError> {
        if matches!(v, K::Vector(_) | K::Enum(_)) {
            return self.g.spread(v);
        }
        let vals = items(v);
        if vals.iter().all(|x| x.is_atom()) {
            return self.g.spread(&from_items(vals));
        }
        // A uniform function's results (`sums qty`): laid end to end, then put back.
        if let Some(r) = self.g.unsplit(&vals)? {
            return Ok(r);
        }
        let mut out = vec![K::NULL; self.n];
        for (gi, x) in vals.iter().enumerate() {
            let rows = self.g.members(gi);
            if x.is_atom() {
                for &r in rows {
                    out[r as usize] = x.clone();
                }
            } else if x.len() == rows.len() {
                for (k, &r) in rows.iter().enumerate() {
                    out[r as usize] = item(x, k).unwrap_or(K::NULL);
                }
            } else {
                return Err(QError::length());
            }
        }
        Ok(from_items(out))
    }
}

fn exec(
    it: &mut Interp,
    q: &Query,
    t: &Table,
    view: &View,
    frame: &Option<&mut Frame>,
    ctx: Sym,
) -> EvalResult {
    if q.cols.is_empty() && q.by.is_none() {
        // `exec from t`: the last row.
        let last = view.n.checked_sub(1).map(|i| view.ids()[i]);
        let vals: Vec<K> = t
            .cols
            .iter()
            .map(|c| match last {
                Some(r) => table::gather(c, &[r]).map(|v| item(&v, 0).unwrap_or(K::NULL)),
                None => Ok(K::NULL),
            })
            .collect::<Result<_, QError>>()?;
        return Ok(K::dict(K::syms(t.names.iter().copied()), from_items(vals)));
    }
    let exprs: Vec<(Option<Sym>, Expr)> = if q.cols.is_empty() {
        t.names.iter().map(|n| (Some(*n), Expr::Name(*n))).collect()
    } else {
        q.cols.clone()
    };
    let single = exprs.len() == 1 && exprs[0].0.is_none();
    let erefs: Vec<&Expr> = exprs.iter().map(|c| &c.1).collect();
    let names = phrase_names(&exprs, t);
    let Some(by) = &q.by else {
        let mut f = scope(frame, t, view, &names_in(&erefs), ctx)?;
        let mut vals = Vec::with_capacity(erefs.len());
        for e in &erefs {
            vals.push(eval_in(it, e, &mut f)?);
        }
        if q.distinct {
            if let Some(v) = vals.first_mut() {
                *v = list::distinct(v)?;
            }
        }
        if single {
            return Ok(vals.into_iter().next().unwrap_or(K::NULL));
        }
        return Ok(K::dict(K::syms(names), from_items(vals)));
    };
    let key_names = phrase_names(by, t);
    let Grouping {
        groups,
        keys,
        order,
    } = Grouping::new(it, by, t, view, frame, ctx)?;
    let mut cx = GroupCx::new(frame, t, view, &erefs, ctx, groups)?;
    let mut outs = Vec::with_capacity(erefs.len());
    for e in &erefs {
        let v = cx.column(it, e)?;
        outs.push(cx.in_order(&v, &order)?);
    }
    let key_cols = sorted_keys(&keys, &order, &cx.g)?;
    let key = if by.len() == 1 && by[0].0.is_none() {
        key_cols.into_iter().next().unwrap_or(K::NULL)
    } else {
        K::table(key_names, key_cols)
    };
    let vals = if single {
        outs.into_iter().next().unwrap_or(K::NULL)
    } else {
        K::table(names, outs)
    };
    Ok(K::dict(key, vals))
}

/// Write `vals` (one per affected row) into `col` at `rows`; a column new to the table
/// starts as nulls of the values' type.
fn amend_col(col: Option<&K>, total: usize, rows: &[i64], vals: &K) -> Result<K, QError> {
    let base = match col {
        Some(c) => c.clone(),
        None => match vals {
            K::Vector(v) => from_items(vec![null_atom(v.ty); total]),
            K::Enum(e) => K::Enum(qipc::Enum {
                domain: e.domain,
                attr: Attr::None,
                idx: Arc::new(vec![qipc::null::J; total]),
            }),
            // A column of lists: the empty list of the first item's type elsewhere.
            _ => {
                let proto = match item(vals, 0) {
                    Some(K::Vector(v)) => super::value::empty_vector(v.ty),
                    _ => K::list(Vec::new()),
                };
                K::list(vec![proto; total])
            }
        },
    };
    fn put<T: Copy>(d: &mut [T], rows: &[i64], v: &[T]) -> Result<(), QError> {
        for (&r, &x) in rows.iter().zip(v) {
            *d.get_mut(r as usize).ok_or_else(QError::index)? = x;
        }
        Ok(())
    }
    match (base, vals) {
        (K::Vector(mut b), K::Vector(v)) if b.ty == v.ty => {
            b.attr = Attr::None;
            match (&mut b.data, &v.data) {
                (Data::U8(d), Data::U8(x)) => put(Arc::make_mut(d).as_mut_slice(), rows, x)?,
                (Data::Guid(d), Data::Guid(x)) => put(Arc::make_mut(d).as_mut_slice(), rows, x)?,
                (Data::I16(d), Data::I16(x)) => put(Arc::make_mut(d).as_mut_slice(), rows, x)?,
                (Data::I32(d), Data::I32(x)) => put(Arc::make_mut(d).as_mut_slice(), rows, x)?,
                (Data::I64(d), Data::I64(x)) => put(Arc::make_mut(d).as_mut_slice(), rows, x)?,
                (Data::F32(d), Data::F32(x)) => put(Arc::make_mut(d).as_mut_slice(), rows, x)?,
                (Data::F64(d), Data::F64(x)) => put(Arc::make_mut(d).as_mut_slice(), rows, x)?,
                (Data::Sym(d), Data::Sym(x)) => put(Arc::make_mut(d).as_mut_slice(), rows, x)?,
                _ => return Err(QError::type_()),
            }
            Ok(K::Vector(b))
        }
        (K::Enum(mut b), K::Enum(v)) if b.domain == v.domain => {
            b.attr = Attr::None;
            put(Arc::make_mut(&mut b.idx).as_mut_slice(), rows, &v.idx)?;
            Ok(K::Enum(b))
        }
        (K::List(l), _) => {
            let mut items = l.items.as_ref().clone();
            for (k, &r) in rows.iter().enumerate() {
                *items.get_mut(r as usize).ok_or_else(QError::index)? =
                    item(vals, k).unwrap_or(K::NULL);
            }
            Ok(from_items(items))
        }
        _ => Err(QError::type_()),
    }
}

fn update(
    it: &mut Interp,
    q: &Query,
    src: &Source,
    view: &View,
    frame: &Option<&mut Frame>,
    ctx: Sym,
) -> EvalResult {
    let t = &src.table;
    let total = t.rows();
    let names = phrase_names(&q.cols, t);
    let erefs: Vec<&Expr> = q.cols.iter().map(|c| &c.1).collect();
    let new_cols: Vec<K> = match &q.by {
        None => {
            let mut f = scope(frame, t, view, &names_in(&erefs), ctx)?;
            let mut vals = Vec::with_capacity(erefs.len());
            for e in &erefs {
                vals.push(eval_in(it, e, &mut f)?);
            }
            conform(vals, Some(view.n))?
        }
        Some(by) => {
            let g = Grouping::new(it, by, t, view, frame, ctx)?;
            let mut cx = GroupCx::new(frame, t, view, &erefs, ctx, g.groups)?;
            let mut vals = Vec::with_capacity(erefs.len());
            for e in &erefs {
                let v = cx.column(it, e)?;
                vals.push(cx.to_rows(&v)?);
            }
            vals
        }
    };
    let mut out_names = t.names.as_ref().clone();
    let mut out_cols = t.cols.clone();
    for (name, v) in names.into_iter().zip(new_cols) {
        let pos = out_names.iter().position(|&n| n == name);
        let full = match &view.rows {
            None => v,
            Some(r) => amend_col(pos.map(|p| &out_cols[p]), total, r, &v)?,
        };
        match pos {
            Some(p) => out_cols[p] = full,
            None => {
                out_names.push(name);
                out_cols.push(full);
            }
        }
    }
    Ok(rekey(K::table(out_names, out_cols), src.nkeys)?)
}

fn delete(q: &Query, src: &Source, view: &View) -> EvalResult {
    let t = &src.table;
    if !q.cols.is_empty() {
        if !q.wheres.is_empty() {
            return Err(QError::nyi().into());
        }
        let drop: Vec<Sym> = q.cols.iter().filter_map(|c| derive(&c.1)).collect();
        let keys = &t.names[..src.nkeys];
        if let Some(k) = drop.iter().find(|d| keys.contains(d)) {
            return Err(QError::new(k.as_str().into_owned()).into());
        }
        let (names, cols): (Vec<Sym>, Vec<K>) = t
            .names
            .iter()
            .zip(t.cols.iter())
            .filter(|(n, _)| !drop.contains(n))
            .map(|(n, c)| (*n, c.clone()))
            .unzip();
        return Ok(rekey(K::table(names, cols), src.nkeys)?);
    }
    let mut gone = vec![false; t.rows()];
    for r in view.ids() {
        if let Some(g) = gone.get_mut(r as usize) {
            *g = true;
        }
    }
    let keep: Vec<i64> = (0..t.rows() as i64)
        .filter(|&i| !gone[i as usize])
        .collect();
    let cols = t
        .cols
        .iter()
        .map(|c| table::gather(c, &keep))
        .collect::<Result<Vec<K>, QError>>()?;
    Ok(rekey(K::table(t.names.to_vec(), cols), src.nkeys)?)
}

/// `delete k from d` on a dictionary (entries) or a namespace (`` `. ``): `None` when the
/// source is a table.
fn delete_entries(
    it: &mut Interp,
    q: &Query,
    src: &K,
    target: Option<Sym>,
    ctx: Sym,
) -> EvalResult<Option<K>> {
    let K::Dict(d) = src else { return Ok(None) };
    if matches!((&d.keys, &d.vals), (K::Table(_), K::Table(_))) {
        return Ok(None);
    }
    if !q.wheres.is_empty() {
        return Err(QError::nyi().into());
    }
    let drop: Vec<Sym> = q.cols.iter().filter_map(|c| derive(&c.1)).collect();
    if target.is_some_and(|n| n.as_bytes() == b".") {
        for n in &drop {
            it.globals.remove(n);
        }
        return Ok(Some(K::sym(sym("."))));
    }
    let keys = items(&d.keys);
    let keep: Vec<i64> = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| !k.as_sym().is_some_and(|s| drop.contains(&s)))
        .map(|(i, _)| i as i64)
        .collect();
    let idx = K::longs(keep);
    let out = K::Dict(Arc::new(Dict {
        keys: list::index(&d.keys, &idx)?,
        vals: list::index(&d.vals, &idx)?,
        sorted: d.sorted,
    }));
    Ok(Some(match target {
        Some(n) => {
            it.set_global(n, ctx, out);
            K::sym(n)
        }
        None => out,
    }))
}

#[cfg(test)]
mod tests;
