//! qSQL: `select`, `exec`, `update`, `delete` and their functional forms
//! `?[t;c;b;a]` / `![t;c;b;a]`.
//!
//! Where clauses filter sequentially (each sees only the rows the previous kept);
//! expressions are evaluated once over whole columns in a scope where column names are
//! locals, so the work inside is vector work. Grouping assigns each row a dense group id
//! from per-column value ids, then the groups are ordered by their key values as q does.

use super::ast::*;
use super::error::QError;
use super::eval::{EvalResult, Frame, Interp};
use super::parse::{derive_name, walk};
use super::prims::list;
use super::value::{from_items, general, item, items};
use qipc::sym::FxHashMap;
use qipc::{Data, Dict, Sym, Table, Ty, K};
use std::sync::Arc;

/// A table being queried, with the key column count when it came from a keyed table.
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
                        attr: qipc::Attr::None,
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

/// Names an expression refers to (so only those columns are gathered).
fn names_in(exprs: &[&Expr]) -> Vec<Sym> {
    let mut out = Vec::new();
    for e in exprs {
        walk(e, &mut |x| {
            if let Expr::Name(n) = x {
                if !out.contains(n) {
                    out.push(*n);
                }
            }
        });
    }
    out
}

/// A scope for evaluating expressions over some rows of a table.
fn scope(
    base: &Option<&mut Frame>,
    t: &Table,
    rows: Option<&[i64]>,
    want: &[Sym],
    ctx: Sym,
) -> Result<Frame, QError> {
    let mut f = Frame {
        ctx,
        ..Frame::default()
    };
    if let Some(b) = base {
        for (n, v) in b.names.iter().zip(b.vals.iter()) {
            if let Some(v) = v {
                f.set(*n, v.clone());
            }
        }
        f.ctx = b.ctx;
    }
    let vi = Sym::from_text("i");
    for (n, c) in t.names.iter().zip(t.cols.iter()) {
        if want.contains(n) {
            let v = match rows {
                None => c.clone(),
                Some(r) => list::index(c, &K::longs(r.to_vec()))?,
            };
            f.set(*n, v);
        }
    }
    if want.contains(&vi) && !t.names.contains(&vi) {
        let r: Vec<i64> = match rows {
            None => (0..t.rows() as i64).collect(),
            Some(r) => r.to_vec(),
        };
        f.set(vi, K::longs(r));
    }
    Ok(f)
}

fn eval_in(it: &mut Interp, e: &Expr, f: &mut Frame) -> EvalResult {
    let mut fr = Some(f);
    it.eval(e, &mut fr)
}

/// Row indices kept by the where clauses (None = every row).
fn filter(
    it: &mut Interp,
    base: &Option<&mut Frame>,
    t: &Table,
    wheres: &[Expr],
    ctx: Sym,
) -> Result<Option<Vec<i64>>, super::eval::Ctl> {
    let mut rows: Option<Vec<i64>> = None;
    for w in wheres {
        let want = names_in(&[w]);
        let mut f = scope(base, t, rows.as_deref(), &want, ctx)?;
        let mask = eval_in(it, w, &mut f)?;
        let n = rows.as_ref().map_or(t.rows(), Vec::len);
        let keep: Vec<i64> = match &mask {
            K::Vector(v) if v.ty == Ty::Bool => {
                if v.len() != n {
                    return Err(QError::length().into());
                }
                let Data::U8(b) = &v.data else {
                    return Err(QError::type_().into());
                };
                b.iter()
                    .enumerate()
                    .filter(|(_, &x)| x != 0)
                    .map(|(i, _)| i as i64)
                    .collect()
            }
            K::Atom(a) if a.ty == Ty::Bool => {
                if super::eval::truthy(&mask)? {
                    (0..n as i64).collect()
                } else {
                    Vec::new()
                }
            }
            K::Vector(v) if v.ty == Ty::Long => match &v.data {
                Data::I64(ix) => ix.to_vec(),
                _ => return Err(QError::type_().into()),
            },
            _ => return Err(QError::type_().into()),
        };
        rows = Some(match rows {
            None => keep,
            Some(r) => keep.iter().map(|&i| r[i as usize]).collect(),
        });
    }
    Ok(rows)
}

/// Column names for a phrase: explicit, derived from the expression, then de-duplicated
/// the way q does (`c`, `c1`, ...).
fn phrase_names(p: &[(Option<Sym>, Expr)]) -> Vec<Sym> {
    let mut out: Vec<Sym> = Vec::new();
    for (n, e) in p {
        let base = n
            .or_else(|| derive_name(e))
            .unwrap_or_else(|| Sym::from_text("x"));
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

/// Make columns conform: atoms spread to `n` rows.
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

pub fn eval_sql(it: &mut Interp, s: &Sql, frame: &mut Option<&mut Frame>) -> EvalResult {
    let from = it.eval(&s.from, frame)?;
    let target = from.as_sym();
    let src_val = match target {
        Some(n) => it
            .get_global(n, frame.as_ref().map_or(it.ns, |f| f.ctx))
            .ok_or_else(|| QError::new(n.as_str().into_owned()))?,
        None => from,
    };
    let ctx = frame.as_ref().map_or(it.ns, |f| f.ctx);
    let result = run(it, s, &src_val, frame, ctx)?;
    match (target, s.kind) {
        (Some(n), SqlKind::Update | SqlKind::Delete) => {
            it.set_global(n, ctx, result);
            Ok(K::sym(n))
        }
        _ => Ok(result),
    }
}

fn run(
    it: &mut Interp,
    s: &Sql,
    src_val: &K,
    frame: &mut Option<&mut Frame>,
    ctx: Sym,
) -> EvalResult {
    let src = to_source(src_val)?;
    let t = src.table.clone();
    let rows = filter(it, frame, &t, &s.wheres, ctx)?;
    match s.kind {
        SqlKind::Select => select(it, s, &src, rows, frame, ctx),
        SqlKind::Exec => exec(it, s, &t, rows, frame, ctx),
        SqlKind::Update => update(it, s, &src, rows, frame, ctx),
        SqlKind::Delete => delete(s, &src, rows),
    }
}

fn select(
    it: &mut Interp,
    s: &Sql,
    src: &Source,
    rows: Option<Vec<i64>>,
    frame: &Option<&mut Frame>,
    ctx: Sym,
) -> EvalResult {
    let t = &src.table;
    let Some(by) = &s.by else {
        let out = if s.cols.is_empty() {
            let cols: Result<Vec<K>, QError> = t
                .cols
                .iter()
                .map(|c| match &rows {
                    None => Ok(c.clone()),
                    Some(r) => list::index(c, &K::longs(r.clone())),
                })
                .collect();
            let tbl = K::table(t.names.to_vec(), cols?);
            rekey(tbl, src.nkeys)?
        } else {
            let exprs: Vec<&Expr> = s.cols.iter().map(|c| &c.1).collect();
            let mut f = scope(frame, t, rows.as_deref(), &names_in(&exprs), ctx)?;
            let mut vals = Vec::new();
            for e in &exprs {
                vals.push(eval_in(it, e, &mut f)?);
            }
            let names = phrase_names(&s.cols);
            K::table(names, conform(vals, None)?)
        };
        let out = if s.distinct { distinct_rows(out)? } else { out };
        return apply_limit(it, s, out, frame);
    };
    let n = rows.as_ref().map_or(t.rows(), Vec::len);
    let by_exprs: Vec<&Expr> = by.iter().map(|c| &c.1).collect();
    let mut f = scope(frame, t, rows.as_deref(), &names_in(&by_exprs), ctx)?;
    let mut keys = Vec::new();
    for e in &by_exprs {
        keys.push(eval_in(it, e, &mut f)?);
    }
    let keys = conform(keys, Some(n))?;
    let groups = group_rows(it, &keys)?;
    let key_names = phrase_names(by);
    let key_cols: Result<Vec<K>, QError> = keys
        .iter()
        .map(|k| list::index(k, &K::longs(groups.iter().map(|g| g[0]).collect())))
        .collect();
    let key_table = K::table(key_names.clone(), key_cols?);
    // Absolute row numbers of each group.
    let abs: Vec<Vec<i64>> = groups
        .iter()
        .map(|g| match &rows {
            None => g.clone(),
            Some(r) => g.iter().map(|&i| r[i as usize]).collect(),
        })
        .collect();
    let (names, exprs): (Vec<Sym>, Vec<Expr>) = if s.cols.is_empty() {
        // select by k from t: last row of each group for the other columns.
        let others: Vec<Sym> = t
            .names
            .iter()
            .copied()
            .filter(|n| !key_names.contains(n))
            .collect();
        let exprs = others
            .iter()
            .map(|n| {
                Expr::Monad(
                    Box::new(Expr::Name(Sym::from_text("last"))),
                    Box::new(Expr::Name(*n)),
                )
            })
            .collect();
        (others, exprs)
    } else {
        (
            phrase_names(&s.cols),
            s.cols.iter().map(|c| c.1.clone()).collect(),
        )
    };
    let erefs: Vec<&Expr> = exprs.iter().collect();
    let want = names_in(&erefs);
    let mut cols: Vec<Vec<K>> = vec![Vec::with_capacity(abs.len()); exprs.len()];
    for g in &abs {
        let mut f = scope(frame, t, Some(g), &want, ctx)?;
        for (j, e) in exprs.iter().enumerate() {
            cols[j].push(eval_in(it, e, &mut f)?);
        }
    }
    let vals = K::table(names, cols.into_iter().map(from_items).collect());
    Ok(K::dict(key_table, vals))
}

/// `select[n]`, `select[-n]`, `select[m n]`: first/last rows of the result.
fn apply_limit(it: &mut Interp, s: &Sql, out: K, frame: &Option<&mut Frame>) -> EvalResult {
    let Some(l) = &s.limit else { return Ok(out) };
    let mut none = None;
    let _ = frame;
    let n = it.eval(l, &mut none)?;
    let take = it
        .builtins
        .get(&Sym::from_text("#"))
        .cloned()
        .ok_or_else(QError::nyi)?;
    match n.len() {
        2 if !n.is_atom() => {
            let parts = items(&n);
            let start = parts[0].as_i64().unwrap_or(0).max(0) as usize;
            let cnt = parts[1].as_i64().unwrap_or(0).max(0) as usize;
            let total = out.len();
            let idx: Vec<i64> = (start..(start + cnt).min(total))
                .map(|i| i as i64)
                .collect();
            Ok(list::index(&out, &K::longs(idx))?)
        }
        _ => {
            let c = n.as_i64().ok_or_else(QError::type_)?;
            let total = out.len() as i64;
            let c = if c >= 0 { c.min(total) } else { c.max(-total) };
            it.apply(&take, vec![K::long(c), out])
        }
    }
}

fn distinct_rows(t: K) -> EvalResult {
    let K::Table(tb) = &t else { return Ok(t) };
    let mut seen = std::collections::HashSet::new();
    let mut keep = Vec::new();
    for i in 0..tb.rows() {
        let key = format!(
            "{:?}",
            tb.cols.iter().map(|c| item(c, i)).collect::<Vec<_>>()
        );
        if seen.insert(key) {
            keep.push(i as i64);
        }
    }
    Ok(list::index(&t, &K::longs(keep))?)
}

fn exec(
    it: &mut Interp,
    s: &Sql,
    t: &Table,
    rows: Option<Vec<i64>>,
    frame: &Option<&mut Frame>,
    ctx: Sym,
) -> EvalResult {
    let exprs: Vec<(Option<Sym>, Expr)> = if s.cols.is_empty() {
        t.names.iter().map(|n| (Some(*n), Expr::Name(*n))).collect()
    } else {
        s.cols.clone()
    };
    let single = exprs.len() == 1 && exprs[0].0.is_none();
    let erefs: Vec<&Expr> = exprs.iter().map(|c| &c.1).collect();
    match &s.by {
        None => {
            let mut f = scope(frame, t, rows.as_deref(), &names_in(&erefs), ctx)?;
            let mut vals = Vec::new();
            for e in &erefs {
                vals.push(eval_in(it, e, &mut f)?);
            }
            if single {
                return Ok(vals.into_iter().next().unwrap_or(K::NULL));
            }
            Ok(K::dict(K::syms(phrase_names(&exprs)), general(vals)))
        }
        Some(by) => {
            let n = rows.as_ref().map_or(t.rows(), Vec::len);
            let by_exprs: Vec<&Expr> = by.iter().map(|c| &c.1).collect();
            let mut f = scope(frame, t, rows.as_deref(), &names_in(&by_exprs), ctx)?;
            let mut keys = Vec::new();
            for e in &by_exprs {
                keys.push(eval_in(it, e, &mut f)?);
            }
            let keys = conform(keys, Some(n))?;
            let groups = group_rows(it, &keys)?;
            let firsts = K::longs(groups.iter().map(|g| g[0]).collect());
            let key = if keys.len() == 1 {
                list::index(&keys[0], &firsts)?
            } else {
                let kc: Result<Vec<K>, QError> =
                    keys.iter().map(|k| list::index(k, &firsts)).collect();
                K::table(phrase_names(by), kc?)
            };
            let want = names_in(&erefs);
            let mut outs: Vec<Vec<K>> = vec![Vec::new(); erefs.len()];
            for g in &groups {
                let abs: Vec<i64> = match &rows {
                    None => g.clone(),
                    Some(r) => g.iter().map(|&i| r[i as usize]).collect(),
                };
                let mut f = scope(frame, t, Some(&abs), &want, ctx)?;
                for (j, e) in erefs.iter().enumerate() {
                    outs[j].push(eval_in(it, e, &mut f)?);
                }
            }
            if single {
                let v = outs.into_iter().next().map(from_items).unwrap_or(K::NULL);
                return Ok(K::dict(key, v));
            }
            let vals = K::table(
                phrase_names(&exprs),
                outs.into_iter().map(from_items).collect(),
            );
            Ok(K::dict(key, vals))
        }
    }
}

fn update(
    it: &mut Interp,
    s: &Sql,
    src: &Source,
    rows: Option<Vec<i64>>,
    frame: &Option<&mut Frame>,
    ctx: Sym,
) -> EvalResult {
    let t = &src.table;
    let total = t.rows();
    let names = phrase_names(&s.cols);
    let erefs: Vec<&Expr> = s.cols.iter().map(|c| &c.1).collect();
    let want = names_in(&erefs);
    // New values per column, at the affected rows.
    let mut new_cols: Vec<K> = Vec::new();
    let affected: Vec<i64> = rows.clone().unwrap_or_else(|| (0..total as i64).collect());
    match &s.by {
        None => {
            let mut f = scope(frame, t, rows.as_deref(), &want, ctx)?;
            for e in &erefs {
                let v = eval_in(it, e, &mut f)?;
                new_cols.push(v);
            }
            new_cols = conform(new_cols, Some(affected.len()))?;
        }
        Some(by) => {
            let n = affected.len();
            let by_exprs: Vec<&Expr> = by.iter().map(|c| &c.1).collect();
            let mut f = scope(frame, t, rows.as_deref(), &names_in(&by_exprs), ctx)?;
            let mut keys = Vec::new();
            for e in &by_exprs {
                keys.push(eval_in(it, e, &mut f)?);
            }
            let keys = conform(keys, Some(n))?;
            let groups = group_rows(it, &keys)?;
            let mut per_col: Vec<Vec<K>> = vec![vec![K::NULL; n]; erefs.len()];
            for g in &groups {
                let abs: Vec<i64> = g.iter().map(|&i| affected[i as usize]).collect();
                let mut f = scope(frame, t, Some(&abs), &want, ctx)?;
                for (j, e) in erefs.iter().enumerate() {
                    let v = eval_in(it, e, &mut f)?;
                    let v = conform(vec![v], Some(g.len()))?.pop().unwrap_or(K::NULL);
                    for (k, &row) in g.iter().enumerate() {
                        per_col[j][row as usize] = item(&v, k).unwrap_or(K::NULL);
                    }
                }
            }
            new_cols = per_col.into_iter().map(from_items).collect();
        }
    }
    let mut out_names = t.names.as_ref().clone();
    let mut out_cols = t.cols.clone();
    for (name, v) in names.into_iter().zip(new_cols) {
        let full = if rows.is_none() {
            v
        } else {
            let base = match out_names.iter().position(|&n| n == name) {
                Some(p) => out_cols[p].clone(),
                None => {
                    let proto = item(&v, 0).unwrap_or(K::NULL);
                    let null = match &proto {
                        K::Atom(a) => super::value::null_atom(a.ty),
                        _ => K::list(vec![]),
                    };
                    from_items(vec![null; total])
                }
            };
            list::amend_assign(&base, &K::longs(affected.clone()), &v)?
        };
        match out_names.iter().position(|&n| n == name) {
            Some(p) => out_cols[p] = full,
            None => {
                out_names.push(name);
                out_cols.push(full);
            }
        }
    }
    Ok(rekey(K::table(out_names, out_cols), src.nkeys)?)
}

fn delete(s: &Sql, src: &Source, rows: Option<Vec<i64>>) -> EvalResult {
    let t = &src.table;
    if !s.cols.is_empty() {
        let drop: Vec<Sym> = s.cols.iter().filter_map(|c| derive_name(&c.1)).collect();
        let (names, cols): (Vec<Sym>, Vec<K>) = t
            .names
            .iter()
            .zip(t.cols.iter())
            .filter(|(n, _)| !drop.contains(n))
            .map(|(n, c)| (*n, c.clone()))
            .unzip();
        return Ok(rekey(K::table(names, cols), src.nkeys)?);
    }
    let gone: std::collections::HashSet<i64> = rows
        .unwrap_or_else(|| (0..t.rows() as i64).collect())
        .into_iter()
        .collect();
    let keep: Vec<i64> = (0..t.rows() as i64).filter(|i| !gone.contains(i)).collect();
    let tbl = K::Table(t.clone());
    Ok(rekey(list::index(&tbl, &K::longs(keep))?, src.nkeys)?)
}

/// Dense group ids: each row's key tuple to a group, groups ordered by key value.
fn group_rows(it: &mut Interp, keys: &[K]) -> Result<Vec<Vec<i64>>, super::eval::Ctl> {
    let n = keys.first().map_or(0, K::len);
    let mut gid: Vec<u32> = vec![0; n];
    let mut ngroups: u32 = 1;
    for k in keys {
        let vid = value_ids(k);
        let mut map: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        let mut next = 0u32;
        for r in 0..n {
            let key = (gid[r], vid[r]);
            let g = *map.entry(key).or_insert_with(|| {
                next += 1;
                next - 1
            });
            gid[r] = g;
        }
        ngroups = next;
    }
    let mut groups: Vec<Vec<i64>> = vec![Vec::new(); ngroups as usize];
    for (r, &g) in gid.iter().enumerate() {
        groups[g as usize].push(r as i64);
    }
    groups.retain(|g| !g.is_empty());
    // Order groups by key values (q sorts grouped results by the keys).
    let firsts = K::longs(groups.iter().map(|g| g[0]).collect());
    let mut order: Vec<usize> = (0..groups.len()).collect();
    if let Some(iasc) = it.builtins.get(&Sym::from_text("iasc")).cloned() {
        for k in keys.iter().rev() {
            let col = list::index(k, &firsts)?;
            let permuted = list::index(&col, &K::longs(order.iter().map(|&i| i as i64).collect()))?;
            let idx = it.apply(&iasc, vec![permuted])?;
            if let K::Vector(v) = &idx {
                if let Data::I64(ix) = &v.data {
                    order = ix.iter().map(|&j| order[j as usize]).collect();
                }
            }
        }
    }
    Ok(order
        .into_iter()
        .map(|i| std::mem::take(&mut groups[i]))
        .collect())
}

/// A dense id per row for the values of one key column.
fn value_ids(k: &K) -> Vec<u32> {
    fn dense<T: std::hash::Hash + Eq + Copy>(v: &[T]) -> Vec<u32> {
        let mut m: FxHashMap<T, u32> = FxHashMap::default();
        v.iter()
            .map(|x| {
                let l = m.len() as u32;
                *m.entry(*x).or_insert(l)
            })
            .collect()
    }
    match k {
        K::Vector(v) => match &v.data {
            Data::U8(d) => dense(d),
            Data::Guid(d) => dense(d),
            Data::I16(d) => dense(d),
            Data::I32(d) => dense(d),
            Data::I64(d) => dense(d),
            Data::F32(d) => dense(&d.iter().map(|x| x.to_bits()).collect::<Vec<_>>()),
            Data::F64(d) => dense(&d.iter().map(|x| x.to_bits()).collect::<Vec<_>>()),
            Data::Sym(d) => dense(&d.iter().map(|s| s.addr()).collect::<Vec<_>>()),
        },
        K::Enum(e) => dense(&e.idx),
        other => {
            let mut m: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
            items(other)
                .iter()
                .map(|x| {
                    let l = m.len() as u32;
                    *m.entry(format!("{x:?}")).or_insert(l)
                })
                .collect()
        }
    }
}

/// `?[t;c;b;a]` — functional select/exec.
pub fn functional_select(it: &mut Interp, args: &[K]) -> EvalResult {
    let [t, c, b, a] = args else {
        return Err(QError::rank().into());
    };
    let wheres: Vec<Expr> = items(c).iter().map(super::ptree::from_ptree).collect();
    let by = phrase_from(b);
    let exec = matches!(b, K::List(l) if l.items.is_empty())
        || (!matches!(b, K::Dict(_))
            && !matches!(a, K::Dict(_))
            && !a.is_empty()
            && !matches!(b, K::Atom(_)));
    let cols = match a {
        K::Dict(_) => phrase_from(a).unwrap_or_default(),
        K::List(l) if l.items.is_empty() => Vec::new(),
        other => vec![(None, super::ptree::from_ptree(other))],
    };
    let kind = if exec || (!matches!(a, K::Dict(_)) && !a.is_empty()) {
        SqlKind::Exec
    } else {
        SqlKind::Select
    };
    let s = Sql {
        kind,
        cols,
        by,
        from: Expr::Lit(t.clone()),
        wheres,
        limit: None,
        distinct: matches!(b, K::Atom(x) if x.ty == Ty::Bool && super::eval::truthy(b).unwrap_or(false)),
    };
    let ctx = it.ns;
    let src = match t.as_sym() {
        Some(n) => it
            .get_global(n, ctx)
            .ok_or_else(|| QError::new(n.as_str().into_owned()))?,
        None => t.clone(),
    };
    let mut none = None;
    run(it, &s, &src, &mut none, ctx)
}

/// `![t;c;b;a]` — functional update/delete.
pub fn functional_update(it: &mut Interp, args: &[K]) -> EvalResult {
    let [t, c, b, a] = args else {
        return Err(QError::rank().into());
    };
    let wheres: Vec<Expr> = items(c).iter().map(super::ptree::from_ptree).collect();
    let (kind, cols) = match a {
        K::Dict(_) => (SqlKind::Update, phrase_from(a).unwrap_or_default()),
        K::Vector(v) if v.ty == Ty::Sym => (
            SqlKind::Delete,
            items(a)
                .iter()
                .filter_map(K::as_sym)
                .map(|n| (None, Expr::Name(n)))
                .collect(),
        ),
        _ => (SqlKind::Delete, Vec::new()),
    };
    let s = Sql {
        kind,
        cols,
        by: phrase_from(b),
        from: Expr::Lit(t.clone()),
        wheres,
        limit: None,
        distinct: false,
    };
    let ctx = it.ns;
    match t.as_sym() {
        Some(n) => {
            let src = it
                .get_global(n, ctx)
                .ok_or_else(|| QError::new(n.as_str().into_owned()))?;
            let mut none = None;
            let r = run(it, &s, &src, &mut none, ctx)?;
            it.set_global(n, ctx, r);
            Ok(t.clone())
        }
        None => {
            let mut none = None;
            run(it, &s, t, &mut none, ctx)
        }
    }
}

/// A dictionary of name → parse tree as a phrase; `0b`/`()` as none.
fn phrase_from(d: &K) -> Option<Vec<(Option<Sym>, Expr)>> {
    let K::Dict(d) = d else { return None };
    let Dict { keys, vals, .. } = &**d;
    let names = items(keys);
    let exprs = items(vals);
    Some(
        names
            .iter()
            .zip(exprs.iter())
            .map(|(n, e)| (n.as_sym(), super::ptree::from_ptree(e)))
            .collect(),
    )
}
