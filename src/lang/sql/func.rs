//! The functional forms (`?[t;c;b;a]`, `?[t;c;b;a;n;o]`, `?[t;i;p]`, `![t;c;b;a]`), the
//! other meanings of `?` with three arguments (the vector conditional `?[c;a;b]`) and with
//! a symbol on the left (`` `d?y ``, enumerate extending `d`), `fby`, and dot notation
//! (`t.c`, `d.k`, `time.minute`, `s.name` through a foreign key).

use super::agg::{self, Agg};
use super::group::Groups;
use super::{run_on, scope, Query, View};
use crate::lang::ast::{Expr, SqlKind};
use crate::lang::eval::{EvalResult, Frame, Interp};
use crate::lang::prims::{cast, list, table};
use crate::lang::ptree::from_ptree;
use crate::lang::value::{from_items, items};
use crate::lang::{QError, QResult};
use qipc::{Data, Dict, Func, Sym, Ty, K};

// ------------------------------------------------------------------------------------------
// Dot notation

/// `v.f`: a dictionary's entry or a table's column, a temporal value's field (`` `f$v ``),
/// or through an enumeration over a keyed table, that table's column `f` at the
/// enumeration's rows (a foreign key).
pub fn dot_path(it: &Interp, v: K, f: Sym) -> QResult {
    match &v {
        K::Enum(e) => fk_column(it, e.domain, &e.idx, f),
        K::EnumAtom(d, i) => {
            let c = fk_column(it, *d, &[*i], f)?;
            Ok(crate::lang::value::item(&c, 0).unwrap_or(K::NULL))
        }
        K::Dict(_) | K::Table(_) => list::index(&v, &K::sym(f)),
        K::Atom(a) if a.ty.is_temporal() => cast::cast(&K::sym(f), &v),
        K::Vector(x) if x.ty.is_temporal() => cast::cast(&K::sym(f), &v),
        _ => Err(QError::type_()),
    }
}

/// Column `f` of the table `domain` refers to, at rows `idx` (nulls where out of range):
/// a keyed table for a foreign key, a plain table for a link column (`` `t!i ``).
fn fk_column(it: &Interp, domain: Sym, idx: &[i64], f: Sym) -> QResult {
    let d = it
        .get_global(domain, Sym::NULL)
        .ok_or_else(|| QError::new(domain.as_str().into_owned()))?;
    let col = match &d {
        K::Table(t) => t.col(f),
        K::Dict(kt) => match (&kt.keys, &kt.vals) {
            (K::Table(k), K::Table(v)) => v.col(f).or_else(|| k.col(f)),
            _ => return Err(QError::type_()),
        },
        _ => return Err(QError::type_()),
    }
    .ok_or_else(|| QError::new(f.as_str().into_owned()))?;
    table::gather(col, idx)
}

/// A dotted name that is not a variable itself (`t.c`, `x.minute`): its first segment's
/// value (a local, else a global) followed along the rest. `None` when the name has no
/// inner dot or its first segment is undefined.
pub fn resolve_dotted(it: &Interp, n: Sym, frame: &Option<&mut Frame>) -> Option<QResult> {
    let b = n.as_bytes();
    if b.first() == Some(&b'.') || !b.contains(&b'.') {
        return None;
    }
    let mut parts = b.split(|&c| c == b'.');
    let first = Sym::new(parts.next()?);
    let ctx = frame.as_ref().map_or(it.ns, |f| f.ctx);
    let base = match frame.as_ref().and_then(|f| f.get(first)) {
        Some(v) => v.clone(),
        None => it.get_global(first, ctx)?,
    };
    let mut v = base;
    for p in parts {
        v = match dot_path(it, v, Sym::new(p)) {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
    }
    Some(Ok(v))
}

// ------------------------------------------------------------------------------------------
// fby

/// `(f;x) fby g`: `f` applied to the items of `x` in each group of `g` (a list, or a table
/// for several columns), each group's result given to its rows.
pub fn fby(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let (fx, g) = (&a[0], &a[1]);
    let parts = items(fx);
    let [f, x] = parts.as_slice() else {
        return Err(QError::length().into());
    };
    let keys: Vec<K> = match g {
        K::Table(t) => t.cols.clone(),
        _ => vec![g.clone()],
    };
    let n = g.len();
    if x.is_atom() || x.len() != n {
        return Err(QError::length().into());
    }
    let groups = Groups::of_keys(&keys, n)?;
    let op = match f {
        K::Func(Func::Native(b)) => Agg::of_name(b.name().as_bytes()),
        _ => None,
    };
    if let Some(op) = op.filter(|o| o.rank() == 1) {
        if let Some(r) = agg::grouped(op, std::slice::from_ref(x), &groups)? {
            return Ok(groups.spread(&r)?);
        }
    }
    let split = groups.split(x)?;
    let mut res = Vec::with_capacity(groups.ng);
    for p in split {
        res.push(it.apply(f, vec![p])?);
    }
    if res.iter().all(K::is_atom) {
        return Ok(groups.spread(&from_items(res))?);
    }
    let mut out = vec![K::NULL; n];
    for (gi, r) in res.iter().enumerate() {
        let rows = groups.members(gi);
        if r.is_atom() {
            for &row in rows {
                out[row as usize] = r.clone();
            }
        } else if r.len() == rows.len() {
            for (k, &row) in rows.iter().enumerate() {
                out[row as usize] = crate::lang::value::item(r, k).unwrap_or(K::NULL);
            }
        } else {
            return Err(QError::length().into());
        }
    }
    Ok(from_items(out))
}

// ------------------------------------------------------------------------------------------
// ? and !

fn is_table(k: &K) -> bool {
    match k {
        K::Table(_) => true,
        K::Dict(d) => matches!((&d.keys, &d.vals), (K::Table(_), K::Table(_))),
        _ => false,
    }
}

/// `?[t;i;p]` when `t` is a table (or names one): simple exec; `None` otherwise (the
/// vector conditional).
pub fn table_exec(it: &mut Interp, t: &K, rows: &K, p: &K) -> Option<EvalResult> {
    let t = match t.as_sym() {
        Some(n) => it.get_global(n, it.ns).filter(is_table),
        None => Some(t.clone()).filter(is_table),
    }?;
    Some(simple_exec(it, &t, rows, p))
}

/// `?[t;i;p]`: the parse tree `p` evaluated over rows `i` of `t`.
fn simple_exec(it: &mut Interp, t: &K, rows: &K, p: &K) -> EvalResult {
    let src = super::to_source(t)?;
    let ix: Vec<i64> = match rows {
        K::Vector(v) if v.ty == Ty::Long => match &v.data {
            Data::I64(d) => d.to_vec(),
            _ => return Err(QError::type_().into()),
        },
        K::Atom(_) => vec![rows.as_i64().ok_or_else(QError::type_)?],
        _ => items(rows)
            .iter()
            .map(|x| x.as_i64().ok_or_else(QError::type_))
            .collect::<QResult<Vec<i64>>>()?,
    };
    let e = from_ptree(p);
    let view = View::of(ix);
    let none: Option<&mut Frame> = None;
    let mut f = scope(&none, &src.table, &view, &super::names_in(&[&e]), it.ns)?;
    let mut fr = Some(&mut f);
    it.eval(&e, &mut fr)
}

/// A where list of parse trees (`()` for none).
fn wheres_of(c: &K) -> Vec<Expr> {
    match c {
        K::List(l) => l.items.iter().map(from_ptree).collect(),
        _ if c.is_empty() => Vec::new(),
        other => vec![from_ptree(other)],
    }
}

/// A dictionary of names to parse trees as a phrase.
fn named(d: &Dict) -> Vec<(Option<Sym>, Expr)> {
    let names = items(&d.keys);
    let trees = items(&d.vals);
    names
        .iter()
        .zip(trees.iter())
        .map(|(n, e)| (n.as_sym(), from_ptree(e)))
        .collect()
}

fn is_bool_atom(k: &K) -> bool {
    matches!(k, K::Atom(a) if a.ty == Ty::Bool)
}

/// A by or select argument: a dictionary of named trees, `()`/`0b` for none, or one tree
/// (unnamed: its result is not a table).
fn phrase(k: &K) -> Option<Vec<(Option<Sym>, Expr)>> {
    match k {
        K::Dict(d) => Some(named(d)),
        _ if is_bool_atom(k) => None,
        K::List(l) if l.items.is_empty() => None,
        K::Vector(v) if v.is_empty() => None,
        other => Some(vec![(None, from_ptree(other))]),
    }
}

/// `?[t;c;b;a]` (and `?[t;c;b;a;n]`, `?[t;c;b;a;n;o]` with a row limit and an order).
pub fn functional_select(it: &mut Interp, args: &[K]) -> EvalResult {
    let (t, c, b, a) = match args {
        [t, c, b, a, ..] => (t, c, b, a),
        _ => return Err(QError::rank().into()),
    };
    let cols = phrase(a).unwrap_or_default();
    let by = phrase(b);
    let a_is_dict = matches!(a, K::Dict(_)) || a.is_empty();
    // A boolean by (`0b`, `1b` for distinct) or a dictionary with named columns is a
    // select; `()` or a single tree as the by, or a single tree as the columns, an exec.
    let select = a_is_dict && (is_bool_atom(b) || matches!(b, K::Dict(_)));
    let distinct = is_bool_atom(b) && crate::lang::eval::truthy(b)?;
    let limit = args
        .get(4)
        .cloned()
        .filter(|n| !(n.is_atom() && n.as_i64() == Some(qipc::null::WJ)));
    let order = args.get(5).map(from_ptree);
    let q = Query {
        kind: if select {
            SqlKind::Select
        } else {
            SqlKind::Exec
        },
        cols,
        by,
        wheres: wheres_of(c),
        limit,
        order,
        distinct,
    };
    let ctx = it.ns;
    let mut none = None;
    run_on(it, &q, t.clone(), &mut none, ctx)
}

/// `![t;c;b;a]`: update (a dictionary of columns) or delete (a list of column names, or
/// `()` to delete the rows the constraints select).
pub fn functional_update(it: &mut Interp, args: &[K]) -> EvalResult {
    let [t, c, b, a] = args else {
        return Err(QError::rank().into());
    };
    let (kind, cols) = match a {
        K::Dict(d) => (SqlKind::Update, named(d)),
        _ => (
            SqlKind::Delete,
            items(a)
                .iter()
                .filter_map(K::as_sym)
                .map(|n| (None, Expr::Name(n)))
                .collect(),
        ),
    };
    let q = Query {
        kind,
        cols,
        by: if kind == SqlKind::Update {
            phrase(b)
        } else {
            None
        },
        wheres: wheres_of(c),
        limit: None,
        order: None,
        distinct: false,
    };
    let ctx = it.ns;
    let mut none = None;
    run_on(it, &q, t.clone(), &mut none, ctx)
}

/// `!` with four arguments is functional update/delete; with two, `bang` (dictionary or
/// internal function) as before.
pub fn update_op(
    it: &mut Interp,
    a: Vec<K>,
    bang: fn(&mut Interp, Vec<K>) -> EvalResult,
) -> EvalResult {
    match a.len() {
        2 => bang(it, a),
        4 => functional_update(it, &a),
        _ => Err(QError::rank().into()),
    }
}

// ------------------------------------------------------------------------------------------
// meta, fkeys

/// A table argument given by value or by name.
fn table_arg(it: &Interp, x: &K) -> QResult {
    match x.as_sym() {
        Some(n) => it
            .get_global(n, it.ns)
            .ok_or_else(|| QError::new(n.as_str().into_owned())),
        None => Ok(x.clone()),
    }
}

/// True when the global `d` is a keyed table (so an enumeration over it is a foreign key).
fn is_keyed_global(it: &Interp, d: Sym) -> bool {
    it.get_global(d, Sym::NULL).is_some_and(
        |v| matches!(&v, K::Dict(x) if matches!((&x.keys, &x.vals), (K::Table(_), K::Table(_)))),
    )
}

/// `meta t`: columns, types, foreign keys (enumerations over keyed tables) and attributes.
pub fn meta(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let t = table_arg(it, &a[0])?;
    Ok(table::meta_with(&t, &|d| is_keyed_global(it, d))?)
}

/// `fkeys t`: each foreign-key column's name to the keyed table it refers to.
pub fn fkeys(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let t = table_arg(it, &a[0])?;
    let src = super::to_source(&t)?;
    let (names, doms): (Vec<Sym>, Vec<Sym>) = src
        .table
        .names
        .iter()
        .zip(src.table.cols.iter())
        .filter_map(|(n, c)| match c {
            K::Enum(e) if is_keyed_global(it, e.domain) => Some((*n, e.domain)),
            _ => None,
        })
        .unzip();
    Ok(K::dict(K::syms(names), K::syms(doms)))
}

/// `?[c;a;b]`: Vector Conditional.
pub fn vector_cond(c: &K, a: &K, b: &K) -> QResult {
    use qipc::Vector;
    use std::sync::Arc;
    let K::Vector(cv) = c else {
        return Err(QError::type_());
    };
    let (Ty::Bool, Data::U8(m)) = (cv.ty, &cv.data) else {
        return Err(QError::type_());
    };
    let n = m.len();
    for x in [a, b] {
        if !x.is_atom() && x.len() != n {
            return Err(QError::length());
        }
    }
    let ty_of = |k: &K| match k {
        K::Atom(x) => Some(x.ty),
        K::Vector(v) => Some(v.ty),
        _ => None,
    };
    if let (Some(ta), Some(tb)) = (ty_of(a), ty_of(b)) {
        if ta != tb {
            return Err(QError::type_());
        }
        let spread = |k: &K| -> QResult<Vector> {
            match k {
                K::Vector(v) => Ok(v.clone()),
                _ => match from_items(vec![k.clone(); n]) {
                    K::Vector(v) => Ok(v),
                    _ => Err(QError::type_()),
                },
            }
        };
        let (va, vb) = (spread(a)?, spread(b)?);
        fn pick<T: Copy>(m: &[u8], x: &[T], y: &[T]) -> Vec<T> {
            m.iter()
                .zip(x.iter().zip(y))
                .map(|(&c, (&p, &q))| if c != 0 { p } else { q })
                .collect()
        }
        let data = match (&va.data, &vb.data) {
            (Data::U8(x), Data::U8(y)) => Data::U8(Arc::new(pick(m, x, y))),
            (Data::Guid(x), Data::Guid(y)) => Data::Guid(Arc::new(pick(m, x, y))),
            (Data::I16(x), Data::I16(y)) => Data::I16(Arc::new(pick(m, x, y))),
            (Data::I32(x), Data::I32(y)) => Data::I32(Arc::new(pick(m, x, y))),
            (Data::I64(x), Data::I64(y)) => Data::I64(Arc::new(pick(m, x, y))),
            (Data::F32(x), Data::F32(y)) => Data::F32(Arc::new(pick(m, x, y))),
            (Data::F64(x), Data::F64(y)) => Data::F64(Arc::new(pick(m, x, y))),
            (Data::Sym(x), Data::Sym(y)) => Data::Sym(Arc::new(pick(m, x, y))),
            _ => return Err(QError::type_()),
        };
        return Ok(K::vector(ta, data));
    }
    let at = |k: &K, i: usize| {
        if k.is_atom() {
            k.clone()
        } else {
            crate::lang::value::item(k, i).unwrap_or(K::NULL)
        }
    };
    Ok(from_items(
        m.iter()
            .enumerate()
            .map(|(i, &c)| if c != 0 { at(a, i) } else { at(b, i) })
            .collect(),
    ))
}
