//! Structural primitives: `count` `first` `last` `til` `enlist` `reverse` `where` `raze`
//! `flip` `key` `value` `type`, and `#` (take, reshape, select keys/columns), `_` (drop,
//! cut, remove keys/columns), `cut`, `,` (join, with upsert for dictionaries), `!` (make a
//! dictionary, key or unkey a table), `rotate`, `sublist`, `xprev`/`prev`/`next`, `cross`
//! and `ungroup`.

use super::elem::{dispatch2, Elem};
use super::search::lookup;
use super::{
    alloc_check, as_list, count_arg, enlist_item, enum_vec, fill_vec, int_atom, int_vec, ints,
    is_listlike, keyed, make_table, proto, rows, rows_or_null, slice_rows, til_n, QError, QResult,
};
use crate::lang::display::type_name;
use crate::lang::value::{
    empty_list, extend_data, from_items, general, item, items, push_scalar, table_dict,
};
use qipc::{Data, Dict, Sym, Table, Ty, Vector, K};
use std::sync::Arc;

/// `count x`: items of a list, rows of a table, entries of a dictionary; 1 for an atom.
pub fn count(x: &K) -> QResult {
    Ok(K::long(x.len() as i64))
}

fn at_or_null(x: &K, i: Option<usize>) -> K {
    i.and_then(|i| item(x, i)).unwrap_or_else(|| proto(x))
}

/// `first x`: the first item (row, value); an atom is its own first item.
pub fn first(x: &K) -> QResult {
    if !is_listlike(x) {
        return Ok(x.clone());
    }
    Ok(at_or_null(x, Some(0)))
}

/// `last x`: the last item (row, value); an atom is its own last item.
pub fn last(x: &K) -> QResult {
    if !is_listlike(x) {
        return Ok(x.clone());
    }
    Ok(at_or_null(x, x.len().checked_sub(1)))
}

/// `til n`: `0 1 ... n-1`.
pub fn til(x: &K) -> QResult {
    match x {
        K::Atom(a) if super::is_int_ty(a.ty) => {
            let n = int_atom(x).ok_or_else(QError::type_)?;
            let n = usize::try_from(n).map_err(|_| QError::domain())?;
            alloc_check(n as u64)?;
            Ok(til_n(n))
        }
        _ => Err(QError::type_()),
    }
}

/// `enlist x`: a one-item list (a dictionary with symbol keys becomes a one-row table).
pub fn enlist(x: &K) -> QResult {
    match x {
        K::Atom(_) | K::EnumAtom(..) => Ok(as_list(x)),
        K::Dict(d) if keyed(x).is_none() && is_sym_vector(&d.keys) => {
            let names = sym_list(&d.keys)?;
            let cols = items(&d.vals).iter().map(enlist_item).collect();
            Ok(K::table(names, cols))
        }
        _ => Ok(K::list(vec![x.clone()])),
    }
}

/// `enlist[x;y;..]`: a list of the arguments (one argument is [`enlist`]), collapsed as
/// list notation collapses (`enlist[1;2]` is `1 2`).
pub fn enlist_n(args: Vec<K>) -> QResult {
    match args.as_slice() {
        [x] => enlist(x),
        _ => Ok(from_items(args)),
    }
}

fn is_sym_vector(k: &K) -> bool {
    matches!(k, K::Vector(v) if v.ty == Ty::Sym)
}

fn sym_list(k: &K) -> QResult<Vec<Sym>> {
    match k {
        K::Vector(Vector {
            data: Data::Sym(s), ..
        }) => Ok(s.as_ref().clone()),
        K::Atom(_) => Ok(vec![k.as_sym().ok_or_else(QError::type_)?]),
        _ => Err(QError::type_()),
    }
}

/// `reverse x`: items in reverse order (dictionaries and keyed tables reverse their entries).
pub fn reverse(x: &K) -> QResult {
    if !is_listlike(x) {
        return Ok(x.clone());
    }
    let n = x.len();
    let idx: Vec<usize> = (0..n).rev().collect();
    rows(x, &idx)
}

/// `where x`: for a boolean list the indices of the 1s; for counts, each index repeated
/// that many times; for a dictionary, the keys.
pub fn where_(x: &K) -> QResult {
    match x {
        K::Dict(d) if keyed(x).is_none() => {
            let w = where_(&d.vals)?;
            let p = int_vec(&w).ok_or_else(QError::type_)?;
            rows_or_null(&d.keys, &p)
        }
        K::Atom(_) => where_(&as_list(x)),
        K::Vector(Vector {
            ty: Ty::Bool,
            data: Data::U8(b),
            ..
        }) => Ok(K::longs(true_positions(b))),
        K::Vector(v) if super::is_int_ty(v.ty) => {
            let c = int_vec(x).ok_or_else(QError::type_)?;
            if c.iter().any(|&n| n < 0) {
                return Err(QError::domain());
            }
            let total: i64 = c.iter().fold(0i64, |a, &n| a.saturating_add(n));
            alloc_check(total as u64)?;
            let mut r = Vec::with_capacity(total as usize);
            for (i, &n) in c.iter().enumerate() {
                r.extend(std::iter::repeat_n(i as i64, n as usize));
            }
            Ok(K::longs(r))
        }
        K::List(l) if l.items.is_empty() => Ok(K::longs(vec![])),
        _ => Err(QError::type_()),
    }
}

/// Positions of the non-zero bytes (`where` of a boolean vector, the rows a qSQL where
/// clause keeps). The ones are counted first so the result is allocated once; eight bytes
/// are tested at a time so that runs of zeros are skipped, and within a word each position
/// is written unconditionally and kept by advancing the cursor, so a filter that keeps a
/// random few percent of rows does not pay a mispredicted branch per row.
pub fn true_positions(b: &[u8]) -> Vec<i64> {
    let count = b.iter().filter(|&&v| v != 0).count();
    // One spare slot: the cursor never passes `count`, and a position may be written there
    // before it is known to be kept.
    let mut r = vec![0i64; count + 1];
    let mut k = 0usize;
    let mut keep = |i: usize, v: u8| {
        if let Some(s) = r.get_mut(k) {
            *s = i as i64;
        }
        k += usize::from(v != 0);
    };
    let mut words = b.chunks_exact(8);
    let mut base = 0usize;
    for w in &mut words {
        if w.iter().fold(0u8, |a, &v| a | v) != 0 {
            for (j, &v) in w.iter().enumerate() {
                keep(base + j, v);
            }
        }
        base += 8;
    }
    for (j, &v) in words.remainder().iter().enumerate() {
        keep(base + j, v);
    }
    r.truncate(count);
    r
}

/// `raze x`: the items of `x` joined (`,/`).
pub fn raze(x: &K) -> QResult {
    match x {
        K::List(l) => {
            if l.items.is_empty() {
                return Ok(empty_list());
            }
            if let Some(v) = concat_simple(&l.items) {
                return Ok(v);
            }
            let mut acc = l.items[0].clone();
            if !is_listlike(&acc) {
                acc = as_list(&acc);
            }
            for it in &l.items[1..] {
                acc = join(&acc, it)?;
            }
            Ok(acc)
        }
        K::Dict(d) if keyed(x).is_none() => raze(&match &d.vals {
            K::List(_) => d.vals.clone(),
            v => return Ok(v.clone()),
        }),
        K::Atom(_) | K::EnumAtom(..) => Ok(as_list(x)),
        _ => Ok(x.clone()),
    }
}

/// Concatenate vectors and atoms that share one simple type, in one typed copy.
fn concat_simple(its: &[K]) -> Option<K> {
    let ty = match its.first()? {
        K::Vector(v) => v.ty,
        K::Atom(a) => a.ty,
        _ => return None,
    };
    let same = its.iter().all(|k| match k {
        K::Vector(v) => v.ty == ty,
        K::Atom(a) => a.ty == ty,
        _ => false,
    });
    if !same {
        return None;
    }
    let total: usize = its.iter().map(|k| k.len()).sum();
    let mut data = Data::with_capacity(ty.storage(), total);
    for k in its {
        match k {
            K::Vector(v) => extend_data(&mut data, &v.data),
            K::Atom(a) => push_scalar(&mut data, a.v),
            _ => return None,
        }
    }
    Some(K::Vector(Vector::new(ty, data)))
}

/// `flip x`: transpose a list of lists; a dictionary of columns becomes a table and a
/// table its dictionary.
pub fn flip(x: &K) -> QResult {
    match x {
        K::Table(t) => Ok(table_dict(t)),
        K::Dict(d) if keyed(x).is_none() => {
            let names = match &d.keys {
                K::Vector(v) if v.ty == Ty::Sym => sym_list(&d.keys)?,
                _ => return Err(QError::type_()),
            };
            let vals = items(&d.vals);
            let n = vals
                .iter()
                .filter(|v| is_listlike(v))
                .map(|v| v.len())
                .max()
                .ok_or_else(QError::rank)?;
            let cols = vals
                .iter()
                .map(|v| match v {
                    K::Atom(a) => Ok(fill_vec(a, n)),
                    _ if is_listlike(v) && v.len() == n => Ok(v.clone()),
                    _ if is_listlike(v) => Err(QError::length()),
                    _ => Err(QError::type_()),
                })
                .collect::<QResult<Vec<K>>>()?;
            make_table(names, cols)
        }
        K::Dict(_) => Err(QError::nyi()),
        K::List(l) => {
            let its = &l.items;
            let Some(n) = its.iter().filter(|v| is_listlike(v)).map(|v| v.len()).max() else {
                return Ok(x.clone());
            };
            if its.iter().any(|v| is_listlike(v) && v.len() != n) {
                return Err(QError::length());
            }
            let out = (0..n)
                .map(|i| {
                    from_items(
                        its.iter()
                            .map(|v| {
                                if is_listlike(v) {
                                    item(v, i).unwrap_or(K::NULL)
                                } else {
                                    v.clone()
                                }
                            })
                            .collect(),
                    )
                })
                .collect();
            Ok(K::list(out))
        }
        _ => Ok(x.clone()),
    }
}

/// `key x`: a dictionary's keys, a keyed table's key table, `til n` for an integer, a
/// vector's type name, an enumeration's domain. Names and files belong to the evaluator.
pub fn key(x: &K) -> QResult {
    match x {
        K::Dict(d) => Ok(d.keys.clone()),
        K::Atom(a) if super::is_int_ty(a.ty) => til(x),
        K::Vector(v) => Ok(K::sym(type_name(v.ty))),
        K::Enum(e) => Ok(K::sym(e.domain)),
        K::EnumAtom(d, _) => Ok(K::sym(*d)),
        _ => Err(QError::nyi()),
    }
}

/// `value x` on a dictionary (its values) or keyed table (its value table). Other uses
/// (names, strings, enumerations, functions) belong to the evaluator.
pub fn value(x: &K) -> QResult {
    match x {
        K::Dict(d) => Ok(d.vals.clone()),
        _ => Err(QError::nyi()),
    }
}

/// `type x`: the type number as a short.
pub fn type_(x: &K) -> QResult {
    Ok(K::short(x.ty()))
}

// ---------------------------------------------------------------------------------------
// Take

/// `x#y`: the first (last, for negative `x`) `x` items of `y`, repeating `y` as needed; a
/// shape vector reshapes; symbols select dictionary entries or table columns; a table of
/// keys selects keyed-table rows.
pub fn take(x: &K, y: &K) -> QResult {
    if let Some(n) = int_atom(x) {
        return take_n(n, y);
    }
    if let Some(shape) = int_vec(x) {
        return if shape.len() == 1 {
            take_n(shape[0], y)
        } else {
            reshape(&shape, y)
        };
    }
    if matches!(x, K::Atom(_)) && x.as_sym().is_some() || is_sym_vector(x) {
        return take_names(&sym_list(x)?, y);
    }
    if let (K::Table(_), Some((kt, _))) = (x, keyed(y)) {
        let probe = align_to(x, &kt.names)?;
        let vals = super::index::index(y, &probe)?;
        return Ok(K::dict(probe, vals));
    }
    Err(QError::type_())
}

fn align_to(t: &K, names: &[Sym]) -> QResult {
    let K::Table(t) = t else {
        return Err(QError::type_());
    };
    if t.names.len() != names.len() {
        return Err(QError::length());
    }
    let cols = names
        .iter()
        .map(|n| t.col(*n).cloned().ok_or_else(QError::mismatch))
        .collect::<QResult<Vec<K>>>()?;
    Ok(K::table(names.to_vec(), cols))
}

fn take_n(n: i64, y: &K) -> QResult {
    let m = if is_listlike(y) { y.len() } else { 1 };
    let n = if n == qipc::null::J { m as i64 } else { n };
    alloc_check(n.unsigned_abs())?;
    let k = n.unsigned_abs() as usize;
    if !is_listlike(y) {
        return Ok(match y {
            K::Atom(a) => fill_vec(a, k),
            K::EnumAtom(d, i) => enum_vec(*d, vec![*i; k]),
            other => general(vec![other.clone(); k]),
        });
    }
    if m == 0 {
        return rows_or_null(y, &vec![-1; k]);
    }
    if k <= m {
        return Ok(if n >= 0 {
            slice_rows(y, 0, k)
        } else {
            slice_rows(y, m - k, m)
        });
    }
    let start = if n >= 0 { 0 } else { m - k % m };
    let idx: Vec<usize> = (0..k).map(|i| (start + i) % m).collect();
    rows(y, &idx)
}

fn reshape(shape: &[i64], y: &K) -> QResult {
    let nulls = shape.iter().filter(|&&d| d == qipc::null::J).count();
    if shape.iter().any(|&d| d < 0 && d != qipc::null::J) {
        return Err(QError::domain());
    }
    if nulls > 0 {
        if shape.len() != 2 || nulls != 1 {
            return Err(QError::domain());
        }
        let m = if is_listlike(y) { y.len() } else { 1 };
        let y = as_list(y);
        let starts: Vec<usize> = if shape[1] == qipc::null::J {
            alloc_check(shape[0] as u64)?;
            let r = shape[0] as usize;
            if r == 0 {
                return Ok(empty_list());
            }
            let c = m / r;
            (0..r).map(|i| i * c).collect()
        } else {
            let c = shape[1] as usize;
            if c == 0 {
                return Err(QError::domain());
            }
            (0..m.div_ceil(c)).map(|i| i * c).collect()
        };
        let pieces = starts
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let e = starts.get(i + 1).copied().unwrap_or(m);
                slice_rows(&y, s, e)
            })
            .collect();
        return Ok(K::list(pieces));
    }
    let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    let total = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(QError::limit)?;
    alloc_check(total as u64)?;
    let flat = take_n(total as i64, y)?;
    Ok(build(&flat, 0, &dims))
}

fn build(flat: &K, start: usize, dims: &[usize]) -> K {
    match dims {
        [] | [_] => slice_rows(flat, start, start + dims.first().copied().unwrap_or(0)),
        [d, rest @ ..] => {
            let size: usize = rest.iter().product();
            K::list(
                (0..*d)
                    .map(|i| build(flat, start + i * size, rest))
                    .collect(),
            )
        }
    }
}

fn take_names(names: &[Sym], y: &K) -> QResult {
    match y {
        K::Table(t) => {
            let cols = names
                .iter()
                .map(|n| {
                    t.col(*n)
                        .cloned()
                        .ok_or_else(|| QError::new(n.as_str().into_owned()))
                })
                .collect::<QResult<Vec<K>>>()?;
            Ok(K::table(names.to_vec(), cols))
        }
        K::Dict(d) => {
            if let Some((kt, vt)) = keyed(y) {
                let v = take_names(names, &K::Table(vt.clone()))?;
                return Ok(K::dict(K::Table(kt.clone()), v));
            }
            let keys = K::syms(names.iter().copied());
            let vals = super::index::index(&K::Dict(d.clone()), &keys)?;
            Ok(K::dict(keys, as_list(&vals)))
        }
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------------------
// Drop and cut

/// `x _ y`: drop `x` leading (trailing) items; remove item or key `y` from `x`; remove keys
/// `x` from dictionary `y` or columns `x` from table `y`; cut `y` at indices `x`.
pub fn drop_cut(x: &K, y: &K) -> QResult {
    if let Some(n) = int_atom(x) {
        if is_listlike(y) {
            return Ok(drop_n(n, y));
        }
    }
    if let (K::Dict(_), None) = (y, keyed(y)) {
        if !is_listlike(x) || matches!(x, K::Vector(_) | K::Enum(_)) {
            return remove_keys(x, y);
        }
    }
    match (x, y) {
        (K::Dict(_), _) if keyed(x).is_none() => {
            if is_listlike(y) {
                return Err(QError::type_());
            }
            remove_keys(y, x)
        }
        (_, K::Table(t)) if is_sym_vector(x) => {
            let drop = sym_list(x)?;
            let (names, cols): (Vec<Sym>, Vec<K>) = t
                .names
                .iter()
                .zip(&t.cols)
                .filter(|(n, _)| !drop.contains(n))
                .map(|(n, c)| (*n, c.clone()))
                .unzip();
            Ok(K::table(names, cols))
        }
        (K::Table(_), _) => match int_atom(y) {
            Some(i) => Ok(remove_at(x, i)),
            None => Err(QError::type_()),
        },
        (K::Vector(_) | K::List(_) | K::Enum(_), _) if int_atom(y).is_some() => {
            Ok(remove_at(x, int_atom(y).unwrap_or(-1)))
        }
        (K::Vector(v), _) if super::is_int_ty(v.ty) && is_listlike(y) => {
            let idx = int_vec(x).ok_or_else(QError::type_)?;
            cut_at(&idx, y)
        }
        _ => Err(QError::type_()),
    }
}

fn drop_n(n: i64, y: &K) -> K {
    let m = y.len();
    let k = (n.unsigned_abs() as usize).min(m);
    if n >= 0 {
        slice_rows(y, k, m)
    } else {
        slice_rows(y, 0, m - k)
    }
}

fn remove_at(x: &K, i: i64) -> K {
    let n = x.len();
    match usize::try_from(i) {
        Ok(i) if i < n => {
            let idx: Vec<usize> = (0..n).filter(|&j| j != i).collect();
            rows(x, &idx).unwrap_or_else(|_| x.clone())
        }
        _ => x.clone(),
    }
}

/// Remove the entries for keys `ks` (an atom or a list of keys) from dictionary `d`.
fn remove_keys(ks: &K, d: &K) -> QResult {
    let K::Dict(dd) = d else {
        return Err(QError::type_());
    };
    let probe = if matches!(dd.keys, K::List(_)) && !matches!(ks, K::List(_)) {
        K::list(vec![ks.clone()])
    } else {
        as_list(ks)
    };
    let (pos, _) = lookup(&dd.keys, &probe)?;
    let n = dd.keys.len();
    let mut gone = vec![false; n];
    for p in pos {
        if let Some(g) = usize::try_from(p).ok().and_then(|p| gone.get_mut(p)) {
            *g = true;
        }
    }
    let keep: Vec<usize> = (0..n).filter(|&i| !gone[i]).collect();
    Ok(K::Dict(Arc::new(Dict {
        keys: rows(&dd.keys, &keep)?,
        vals: rows(&dd.vals, &keep)?,
        sorted: dd.sorted,
    })))
}

fn cut_at(idx: &[i64], y: &K) -> QResult {
    let m = y.len() as i64;
    if idx.iter().any(|&i| i < 0) || idx.windows(2).any(|w| w[0] > w[1]) {
        return Err(QError::domain());
    }
    if idx.iter().any(|&i| i > m) {
        return Err(QError::index());
    }
    let pieces = idx
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let e = idx.get(k + 1).copied().unwrap_or(m);
            slice_rows(y, s as usize, e as usize)
        })
        .collect();
    Ok(K::list(pieces))
}

/// `x cut y`: `y` in pieces of `x` items (an index list cuts as `_` does).
pub fn cut(x: &K, y: &K) -> QResult {
    if let K::Atom(_) = x {
        let n = count_arg(x)?;
        if n == 0 {
            return Err(QError::domain());
        }
        if !is_listlike(y) {
            return Err(QError::type_());
        }
        let idx: Vec<i64> = (0..y.len()).step_by(n).map(|i| i as i64).collect();
        return cut_at(&idx, y);
    }
    drop_cut(x, y)
}

// ---------------------------------------------------------------------------------------
// Join

/// `x,y`: lists joined (a vector when both share a simple type, else a general list);
/// dictionaries upserted; tables appended by column.
pub fn join(x: &K, y: &K) -> QResult {
    match (x, y) {
        (K::List(l), _) if l.items.is_empty() && !matches!(y, K::Dict(_) | K::Table(_)) => {
            Ok(as_list(y))
        }
        (_, K::List(l)) if l.items.is_empty() && !matches!(x, K::Dict(_) | K::Table(_)) => {
            Ok(as_list(x))
        }
        (K::Vector(a), K::Vector(b)) if a.ty == b.ty => Ok(K::Vector(Vector::new(
            a.ty,
            dispatch2!(&a.data, &b.data, p, q => concat2(p, q), return Err(QError::type_())),
        ))),
        (K::Vector(a), K::Atom(b)) if a.ty == b.ty => join(x, &as_list(y)),
        (K::Atom(a), K::Vector(b)) if a.ty == b.ty => join(&as_list(x), y),
        (K::Atom(a), K::Atom(b)) if a.ty == b.ty => join(&as_list(x), &as_list(y)),
        (K::Enum(a), K::Enum(b)) if a.domain == b.domain => {
            let mut idx = a.idx.as_ref().clone();
            idx.extend_from_slice(&b.idx);
            Ok(enum_vec(a.domain, idx))
        }
        (K::Enum(a), K::EnumAtom(d, _)) if a.domain == *d => join(x, &as_list(y)),
        (K::EnumAtom(d, _), K::Enum(b)) if b.domain == *d => join(&as_list(x), y),
        (K::EnumAtom(d, _), K::EnumAtom(e, _)) if d == e => join(&as_list(x), &as_list(y)),
        // Mixing enumerations with symbols or other domains de-enumerates, which needs the
        // domains' values.
        (K::Enum(_), K::Vector(_) | K::Enum(_)) | (K::Vector(_), K::Enum(_))
            if x.ty().abs() >= 11 && y.ty().abs() >= 11 =>
        {
            Err(QError::nyi())
        }
        (K::Dict(_), K::Dict(_)) => join_dicts(x, y),
        (K::Table(a), K::Table(b)) => join_tables(a, b),
        (K::Table(a), K::Dict(d)) if keyed(y).is_none() => {
            let names = sym_list(&d.keys)?;
            let row = K::table(names, items(&d.vals).iter().map(enlist_item).collect());
            let K::Table(b) = &row else {
                return Err(QError::type_());
            };
            join_tables(a, b)
        }
        (K::Table(a), K::Vector(_) | K::List(_)) => {
            let rows = rows_table(&a.names, y)?;
            let K::Table(b) = &rows else {
                return Err(QError::type_());
            };
            join_tables(a, b)
        }
        (K::Dict(_) | K::Table(_), _) | (_, K::Dict(_) | K::Table(_)) => Err(QError::type_()),
        _ => {
            let mut its = items(x);
            its.extend(items(y));
            Ok(general(its))
        }
    }
}

/// A list joined to a table as rows of values in column order: a list of atoms is one
/// row (`t,5 6`), a list of such lists is several (`t,(7 8;9 10)`).
fn rows_table(names: &Arc<Vec<Sym>>, y: &K) -> QResult {
    let n = names.len();
    let its = items(y);
    let single = its.iter().all(|i| i.is_atom());
    let rows: Vec<Vec<K>> = if single {
        vec![its]
    } else {
        its.iter().map(items).collect()
    };
    if rows.iter().any(|r| r.len() != n) {
        return Err(QError::length());
    }
    let cols = (0..n)
        .map(|j| from_items(rows.iter().map(|r| r[j].clone()).collect()))
        .collect();
    Ok(K::table(names.as_ref().clone(), cols))
}

/// `x,:y`: Join in place. The target keeps its shape and types, so a simple vector takes
/// only items of its own type, a table only rows whose values keep each simple column's
/// type, a dictionary with simple values only values of that type (`'type` otherwise); a
/// list of same-typed vectors takes a vector of that type as one new item.
pub fn join_in_place(cur: &K, y: &K) -> QResult {
    match (cur, y) {
        (K::Vector(c), K::Vector(v)) if c.ty != v.ty => Err(QError::type_()),
        (K::Vector(c), K::Atom(a)) if c.ty != a.ty => Err(QError::type_()),
        (K::Vector(_), K::List(l)) if !l.items.is_empty() => Err(QError::type_()),
        (K::List(l), K::Vector(v))
            if !l.items.is_empty()
                && l.items
                    .iter()
                    .all(|x| matches!(x, K::Vector(w) if w.ty == v.ty)) =>
        {
            let mut its = l.items.as_ref().clone();
            its.push(y.clone());
            Ok(general(its))
        }
        (K::Table(t), _) => {
            let r = join(cur, y)?;
            if let K::Table(u) = &r {
                if t.rows() > 0 && t.cols.iter().zip(&u.cols).any(|(a, b)| !keeps_type(a, b)) {
                    return Err(QError::type_());
                }
            }
            Ok(r)
        }
        (K::Dict(d), K::Dict(_)) if keyed(cur).is_none() => {
            let r = join(cur, y)?;
            if let K::Dict(e) = &r {
                if !d.vals.is_empty() && !keeps_type(&d.vals, &e.vals) {
                    return Err(QError::type_());
                }
            }
            Ok(r)
        }
        _ => join(cur, y),
    }
}

/// True when a simple list is still a simple list of the same type after a join.
fn keeps_type(before: &K, after: &K) -> bool {
    match before {
        K::Vector(_) | K::Enum(_) => before.ty() == after.ty(),
        _ => true,
    }
}

fn concat2<T: Elem>(a: &[T], b: &[T]) -> Data {
    let mut v = Vec::with_capacity(a.len() + b.len());
    v.extend_from_slice(a);
    v.extend_from_slice(b);
    T::wrap(v)
}

fn join_tables(a: &Table, b: &Table) -> QResult {
    if a.names.len() != b.names.len() {
        return Err(QError::mismatch());
    }
    let cols = a
        .names
        .iter()
        .zip(&a.cols)
        .map(|(n, c)| {
            let d = b.col(*n).ok_or_else(QError::mismatch)?;
            join(c, d)
        })
        .collect::<QResult<Vec<K>>>()?;
    make_table(a.names.as_ref().clone(), cols)
}

/// Upsert: `y`'s entries replace `x`'s for keys both hold and are appended otherwise.
fn join_dicts(x: &K, y: &K) -> QResult {
    let (K::Dict(a), K::Dict(b)) = (x, y) else {
        return Err(QError::type_());
    };
    match (keyed(x), keyed(y)) {
        (None, None) => {
            let (pos, _) = lookup(&a.keys, &as_list(&b.keys))?;
            let (vals, fresh) = merge(&a.vals, &b.vals, &pos, a.keys.len())?;
            let keys = join(&a.keys, &rows(&b.keys, &fresh)?)?;
            Ok(K::dict(keys, vals))
        }
        (Some((ka, va)), Some((kb, vb))) => {
            if ka.names != kb.names || va.names.len() != vb.names.len() {
                return Err(QError::mismatch());
            }
            let probe = super::search::find(&a.keys, &b.keys)?;
            let pos = int_vec(&probe).ok_or_else(QError::type_)?;
            let n = ka.rows();
            let mut fresh = Vec::new();
            let cols = va
                .names
                .iter()
                .zip(&va.cols)
                .map(|(name, c)| {
                    let d = vb.col(*name).ok_or_else(QError::mismatch)?;
                    let (m, f) = merge(c, d, &pos, n)?;
                    fresh = f;
                    Ok(m)
                })
                .collect::<QResult<Vec<K>>>()?;
            let keys = join(&a.keys, &rows(&b.keys, &fresh)?)?;
            Ok(K::dict(keys, make_table(va.names.as_ref().clone(), cols)?))
        }
        _ => Err(QError::type_()),
    }
}

/// Values of `x` with the items of `y` written where `pos` (into `x`, `n` meaning absent)
/// says, then `y`'s unmatched items appended; also returns the unmatched indices of `y`.
fn merge(x: &K, y: &K, pos: &[i64], n: usize) -> QResult<(K, Vec<usize>)> {
    let mut fresh = Vec::new();
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for (j, &p) in pos.iter().enumerate() {
        match usize::try_from(p) {
            Ok(p) if p < n => hits.push((p, j)),
            _ => fresh.push(j),
        }
    }
    if let (K::Vector(a), K::Vector(b)) = (x, y) {
        if a.ty == b.ty {
            let data = dispatch2!(&a.data, &b.data, p, q => {
                let mut v = p.to_vec();
                for &(i, j) in &hits {
                    if let (Some(d), Some(s)) = (v.get_mut(i), q.get(j)) {
                        *d = *s;
                    }
                }
                v.extend(fresh.iter().filter_map(|&j| q.get(j).copied()));
                Elem::wrap(v)
            }, return Err(QError::type_()));
            return Ok((K::Vector(Vector::new(a.ty, data)), fresh));
        }
    }
    let mut its = items(x);
    let ys = items(y);
    for &(i, j) in &hits {
        if let (Some(d), Some(s)) = (its.get_mut(i), ys.get(j)) {
            *d = s.clone();
        }
    }
    its.extend(fresh.iter().filter_map(|&j| ys.get(j).cloned()));
    let r = if matches!(x, K::List(_)) || matches!(y, K::List(_)) {
        general(its)
    } else {
        from_items(its)
    };
    Ok((r, fresh))
}

// ---------------------------------------------------------------------------------------
// Dict

/// `x!y`: a dictionary from keys and values of equal count; `n!t` keys table `t` on its
/// first `n` columns (0 unkeys).
pub fn dict(x: &K, y: &K) -> QResult {
    if let (Some(n), true) = (int_atom(x), matches!(y, K::Table(_)) || keyed(y).is_some()) {
        if n < 0 {
            return Err(QError::nyi());
        }
        let t = unkey(y)?;
        if n == 0 {
            return Ok(t);
        }
        let K::Table(t) = &t else {
            return Err(QError::type_());
        };
        let n = n as usize;
        if n >= t.names.len() {
            return Err(QError::length());
        }
        if t.cols.len() != t.names.len() {
            return Err(QError::length());
        }
        let (kn, vn) = t.names.split_at(n);
        let (kc, vc) = t.cols.split_at(n);
        let kt = K::table(kn.to_vec(), kc.to_vec());
        let vt = K::table(vn.to_vec(), vc.to_vec());
        return Ok(K::dict(kt, vt));
    }
    // `` `d!i ``: an enumeration over domain `d` from indices (ref/enumeration).
    if let Some(domain) = x.as_sym() {
        if let Some((idx, atom)) = super::ints(y) {
            if idx.iter().any(|&i| i < 0 && i != qipc::null::J) {
                return Err(QError::domain());
            }
            return Ok(if atom {
                K::EnumAtom(domain, idx[0])
            } else {
                enum_vec(domain, idx)
            });
        }
    }
    match (is_listlike(x), is_listlike(y)) {
        (true, true) => {
            if matches!(x, K::Dict(_)) || matches!(y, K::Dict(_)) {
                return Err(QError::type_());
            }
            if x.len() != y.len() {
                return Err(QError::length());
            }
            Ok(K::dict(x.clone(), y.clone()))
        }
        // A number on the left is one of q's internal functions (`0N!x`, `-8!x` ...).
        (false, _) if int_atom(x).is_some() => Err(QError::nyi()),
        // Keys and values must both be lists.
        (false, false) => Err(QError::type_()),
        _ => Err(QError::length()),
    }
}

/// A keyed table's key and value columns side by side; a table as it is.
pub(crate) fn unkey(y: &K) -> QResult {
    match (y, keyed(y)) {
        (K::Table(_), _) => Ok(y.clone()),
        (_, Some((k, v))) => {
            let mut names = k.names.as_ref().clone();
            names.extend(v.names.iter().copied());
            let mut cols = k.cols.clone();
            cols.extend(v.cols.iter().cloned());
            make_table(names, cols)
        }
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------------------
// Shifts and slices

/// `x rotate y`: `y` rotated left by `x` items (right for negative `x`).
pub fn rotate(x: &K, y: &K) -> QResult {
    let n = int_atom(x).ok_or_else(QError::type_)?;
    if !is_listlike(y) {
        return Ok(y.clone());
    }
    if matches!(y, K::Dict(_)) {
        return Err(QError::type_());
    }
    let m = y.len();
    if m == 0 {
        return Ok(y.clone());
    }
    let s = n.rem_euclid(m as i64) as usize;
    let idx: Vec<usize> = (0..m).map(|i| (i + s) % m).collect();
    rows(y, &idx)
}

/// `x sublist y`: up to `x` items from the front (back, if negative) of `y`, or `x[1]`
/// items from index `x[0]`; never more than `y` has.
pub fn sublist(x: &K, y: &K) -> QResult {
    if !is_listlike(y) {
        return Err(QError::type_());
    }
    let m = y.len();
    let (v, atom) = ints(x).ok_or_else(QError::type_)?;
    if atom {
        let n = v[0];
        let k = (n.unsigned_abs() as usize).min(m);
        return Ok(if n >= 0 {
            slice_rows(y, 0, k)
        } else {
            slice_rows(y, m - k, m)
        });
    }
    let [s, c] = v[..] else {
        return Err(QError::length());
    };
    if c < 0 {
        return Err(QError::domain());
    }
    let s = s.clamp(0, m as i64) as usize;
    Ok(slice_rows(y, s, s.saturating_add(c as usize)))
}

/// `x xprev y`: each item of `y` replaced by the one `x` places before it (null where
/// there is none).
pub fn xprev(x: &K, y: &K) -> QResult {
    let n = int_atom(x).ok_or_else(QError::type_)?;
    shift(n, y)
}

fn shift(n: i64, y: &K) -> QResult {
    if !is_listlike(y) || matches!(y, K::Dict(_)) {
        return Err(QError::type_());
    }
    let m = y.len() as i64;
    let idx: Vec<i64> = (0..m).map(|i| i.wrapping_sub(n)).collect();
    rows_or_null(y, &idx)
}

/// `prev x`: each item's predecessor (null first).
pub fn prev(x: &K) -> QResult {
    shift(1, x)
}

/// `next x`: each item's successor (null last).
pub fn next(x: &K) -> QResult {
    shift(-1, x)
}

/// `x cross y`: every item of `x` joined with every item of `y`; tables pair their rows.
pub fn cross(x: &K, y: &K) -> QResult {
    if let (K::Table(a), K::Table(b)) = (x, y) {
        let (n, m) = (a.rows(), b.rows());
        let ia: Vec<usize> = (0..n * m).map(|k| k / m.max(1)).collect();
        let ib: Vec<usize> = (0..n * m).map(|k| k % m.max(1)).collect();
        let ra = rows(x, &ia)?;
        let rb = rows(y, &ib)?;
        let (K::Table(ta), K::Table(tb)) = (&ra, &rb) else {
            return Err(QError::type_());
        };
        let mut names = ta.names.as_ref().clone();
        let mut cols = ta.cols.clone();
        for (nm, c) in tb.names.iter().zip(&tb.cols) {
            match names.iter().position(|x| x == nm) {
                Some(p) => cols[p] = c.clone(),
                None => {
                    names.push(*nm);
                    cols.push(c.clone());
                }
            }
        }
        return make_table(names, cols);
    }
    if matches!(x, K::Dict(_) | K::Table(_)) || matches!(y, K::Dict(_) | K::Table(_)) {
        return Err(QError::nyi());
    }
    let xs = items(&as_list(x));
    let ys = items(&as_list(y));
    let mut out = Vec::with_capacity(xs.len() * ys.len());
    for a in &xs {
        for b in &ys {
            out.push(join(a, b)?);
        }
    }
    Ok(from_items(out))
}

/// `ungroup t`: one row per item of the list cells of `t` (keyed tables are unkeyed first).
pub fn ungroup(x: &K) -> QResult {
    let t = unkey(x)?;
    let K::Table(t) = &t else {
        return Err(QError::type_());
    };
    let nested: Vec<bool> = t
        .cols
        .iter()
        .map(|c| matches!(c, K::List(l) if l.items.iter().all(is_listlike)))
        .collect();
    let Some(first) = nested.iter().position(|&b| b) else {
        return Ok(K::Table(t.clone()));
    };
    let counts: Vec<usize> = items(&t.cols[first]).iter().map(|c| c.len()).collect();
    for (c, _) in t.cols.iter().zip(&nested).filter(|(_, n)| **n) {
        if items(c).iter().map(|v| v.len()).ne(counts.iter().copied()) {
            return Err(QError::length());
        }
    }
    let idx: Vec<usize> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| std::iter::repeat_n(i, c))
        .collect();
    let cols = t
        .cols
        .iter()
        .zip(&nested)
        .map(|(c, &n)| if n { raze(c) } else { rows(c, &idx) })
        .collect::<QResult<Vec<K>>>()?;
    make_table(t.names.as_ref().clone(), cols)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    #[test]
    fn basics() {
        assert_eq!(count(&K::long(0)).unwrap(), K::long(1));
        let ragged = l(vec![
            j(&[1, 2, 3]),
            j(&[4, 5]),
            j(&[6, 7, 8, 9]),
            K::long(0),
        ]);
        assert_eq!(count(&ragged).unwrap(), K::long(4));
        let t = table("c k", vec![syms("London Paris Berlin"), syms("E F G")]);
        assert_eq!(count(&t).unwrap(), K::long(3));
        assert_eq!(
            count(&K::dict(syms("a b c"), j(&[1, 2, 3]))).unwrap(),
            K::long(3)
        );
        assert_eq!(first(&j(&[1, 2])).unwrap(), K::long(1));
        assert_eq!(first(&K::long(42)).unwrap(), K::long(42));
        assert_eq!(first(&j(&[])).unwrap(), K::long(NJ));
        let rd = K::dict(
            syms("a b c"),
            l(vec![j(&[1, 2]), j(&[3, 4, 5]), K::string("hello")]),
        );
        assert_eq!(first(&rd).unwrap(), j(&[1, 2]));
        assert_eq!(
            last(&K::dict(syms("a b c"), j(&[1, 2, 3]))).unwrap(),
            K::long(3)
        );
        assert_eq!(first(&t).unwrap(), K::dict(syms("c k"), syms("London E")));
        assert_eq!(til(&K::long(5)).unwrap(), j(&[0, 1, 2, 3, 4]));
        assert_eq!(til(&K::bool(true)).unwrap(), j(&[0]));
        assert_eq!(til(&K::long(0)).unwrap(), j(&[]));
        assert_eq!(til(&K::float(5.0)), Err(QError::type_()));
        assert_eq!(til(&K::long(-1)), Err(QError::domain()));
        assert_eq!(type_(&j(&[1])).unwrap(), K::short(7));
        assert_eq!(type_(&K::long(1)).unwrap(), K::short(-7));
    }

    #[test]
    fn enlist_reverse_where() {
        assert_eq!(enlist(&K::long(10)).unwrap(), j(&[10]));
        assert_eq!(enlist(&j(&[10])).unwrap().ty(), 0);
        let d = K::dict(syms("a b c"), l(vec![K::long(1), j(&[2, 3]), K::long(4)]));
        assert_eq!(
            enlist(&d).unwrap(),
            table("a b c", vec![j(&[1]), l(vec![j(&[2, 3])]), j(&[4])])
        );
        assert_eq!(reverse(&j(&[1, 2, 3, 4])).unwrap(), j(&[4, 3, 2, 1]));
        let d = K::dict(syms("a b"), l(vec![j(&[1, 2, 3]), K::string("xyz")]));
        assert_eq!(
            reverse(&d).unwrap(),
            K::dict(syms("b a"), l(vec![K::string("xyz"), j(&[1, 2, 3])]))
        );
        assert_eq!(reverse(&K::long(3)).unwrap(), K::long(3));
        assert_eq!(where_(&j(&[2, 3, 0, 1])).unwrap(), j(&[0, 0, 1, 1, 1, 3]));
        assert_eq!(
            where_(&K::bools(vec![false, true, true, false, true])).unwrap(),
            j(&[1, 2, 4])
        );
        let d = K::dict(syms("amr ibm msft"), j(&[2, 3, 1]));
        assert_eq!(where_(&d).unwrap(), syms("amr amr ibm ibm ibm msft"));
        assert_eq!(where_(&j(&[1, -1])), Err(QError::domain()));
        // the word-at-a-time kernel against a plain scan: sparse, dense, runs, every
        // length around a word, bytes other than 1
        let mut seed = 12345u64;
        for n in (0..40).chain([1000, 4097]) {
            for density in [0u64, 3, 50, 97, 100] {
                let b: Vec<u8> = (0..n)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                        u8::from((seed >> 33) % 100 < density) * (1 + (seed >> 60) as u8 % 3)
                    })
                    .collect();
                let want: Vec<i64> = (0..n as i64).filter(|&i| b[i as usize] != 0).collect();
                assert_eq!(true_positions(&b), want, "n {n} density {density}");
            }
        }
        assert_eq!(where_(&syms("a")), Err(QError::type_()));
    }

    #[test]
    fn raze_flip() {
        assert_eq!(
            raze(&l(vec![j(&[1, 2]), j(&[3, 4, 5])])).unwrap(),
            j(&[1, 2, 3, 4, 5])
        );
        let b = l(vec![
            j(&[1, 2]),
            l(vec![j(&[3, 4]), j(&[5, 6])]),
            K::long(7),
            K::long(8),
        ]);
        assert_eq!(
            raze(&b).unwrap(),
            l(vec![
                K::long(1),
                K::long(2),
                j(&[3, 4]),
                j(&[5, 6]),
                K::long(7),
                K::long(8)
            ])
        );
        assert_eq!(raze(&K::long(42)).unwrap(), j(&[42]));
        let d = K::dict(syms("q w e"), l(vec![j(&[1, 2]), j(&[3, 4]), j(&[5, 6])]));
        assert_eq!(raze(&d).unwrap(), j(&[1, 2, 3, 4, 5, 6]));
        assert_eq!(
            flip(&l(vec![j(&[1, 2, 3]), j(&[4, 5, 6])])).unwrap(),
            l(vec![j(&[1, 4]), j(&[2, 5]), j(&[3, 6])])
        );
        assert_eq!(
            flip(&l(vec![j(&[1, 2, 3]), K::long(4)])).unwrap(),
            l(vec![j(&[1, 4]), j(&[2, 4]), j(&[3, 4])])
        );
        assert_eq!(
            flip(&l(vec![j(&[1, 2, 3]), j(&[4])])),
            Err(QError::length())
        );
        let dd = K::dict(
            syms("sym price size"),
            l(vec![s("I"), f(&[10.2, 23.45, 45.67]), K::long(100)]),
        );
        let t = flip(&dd).unwrap();
        assert_eq!(
            t,
            table(
                "sym price size",
                vec![syms("I I I"), f(&[10.2, 23.45, 45.67]), j(&[100, 100, 100])]
            )
        );
        assert_eq!(flip(&t).unwrap().ty(), 99);
    }

    #[test]
    fn take_cases() {
        let x = j(&[0, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(take(&K::long(5), &x).unwrap(), j(&[0, 1, 2, 3, 4]));
        assert_eq!(take(&K::long(-5), &x).unwrap(), j(&[4, 5, 6, 7, 8]));
        let a = syms("Arthur Steve Dennis");
        assert_eq!(
            take(&K::long(5), &a).unwrap(),
            syms("Arthur Steve Dennis Arthur Steve")
        );
        assert_eq!(
            take(&K::long(-5), &a).unwrap(),
            syms("Steve Dennis Arthur Steve Dennis")
        );
        assert_eq!(take(&K::long(3), &K::long(9)).unwrap(), j(&[9, 9, 9]));
        assert_eq!(take(&K::long(2), &s("a")).unwrap(), syms("a a"));
        assert_eq!(take(&K::long(0), &K::float(0.0)).unwrap(), f(&[]));
        assert_eq!(take(&K::long(2), &j(&[])).unwrap(), j(&[NJ, NJ]));
        assert_eq!(
            take(&j(&[2, 5]), &K::char(b'!')).unwrap(),
            l(vec![K::string("!!!!!"), K::string("!!!!!")])
        );
        assert_eq!(
            take(&j(&[2, 4]), &a).unwrap(),
            l(vec![
                syms("Arthur Steve Dennis Arthur"),
                syms("Steve Dennis Arthur Steve")
            ])
        );
        let five = take(&j(&[2, 3, 4]), &K::longs((0..5).collect())).unwrap();
        assert_eq!(
            first(&five).unwrap(),
            l(vec![j(&[0, 1, 2, 3]), j(&[4, 0, 1, 2]), j(&[3, 4, 0, 1])])
        );
        assert_eq!(
            take(&j(&[1, 2, 0]), &K::char(b'a')).unwrap(),
            l(vec![l(vec![K::string(""), K::string("")])])
        );
        let t10 = K::longs((0..10).collect());
        assert_eq!(
            take(&j(&[3, NJ]), &t10).unwrap(),
            l(vec![j(&[0, 1, 2]), j(&[3, 4, 5]), j(&[6, 7, 8, 9])])
        );
        assert_eq!(
            take(&j(&[NJ, 3]), &t10).unwrap(),
            l(vec![j(&[0, 1, 2]), j(&[3, 4, 5]), j(&[6, 7, 8]), j(&[9])])
        );
        assert_eq!(
            take(&j(&[4, NJ]), &K::longs((0..9).collect())).unwrap(),
            l(vec![j(&[0, 1]), j(&[2, 3]), j(&[4, 5]), j(&[6, 7, 8])])
        );
        assert_eq!(take(&j(&[2]), &t10).unwrap(), j(&[0, 1]));
        assert_eq!(take(&j(&[-1, 2, 3]), &t10), Err(QError::domain()));
        assert_eq!(take(&K::float(2.0), &t10), Err(QError::type_()));
        let d = K::dict(syms("a b c"), j(&[1, 2, 3]));
        assert_eq!(
            take(&K::long(2), &d).unwrap(),
            K::dict(syms("a b"), j(&[1, 2]))
        );
        assert_eq!(
            take(&K::long(-2), &d).unwrap(),
            K::dict(syms("b c"), j(&[2, 3]))
        );
        assert_eq!(
            take(&syms("a b"), &d).unwrap(),
            K::dict(syms("a b"), j(&[1, 2]))
        );
        let t = table(
            "name iq age",
            vec![
                syms("Dent Beeblebrox Prefect"),
                j(&[98, 42, 126]),
                j(&[20, 22, 25]),
            ],
        );
        assert_eq!(
            take(&K::long(2), &t).unwrap(),
            table(
                "name iq age",
                vec![syms("Dent Beeblebrox"), j(&[98, 42]), j(&[20, 22])]
            )
        );
        assert_eq!(
            take(&syms("name age"), &t).unwrap(),
            table(
                "name age",
                vec![syms("Dent Beeblebrox Prefect"), j(&[20, 22, 25])]
            )
        );
        let kt = K::dict(
            table("s", vec![syms("s1 s2 s3")]),
            table("name", vec![syms("smith jones blake")]),
        );
        assert_eq!(
            take(&table("s", vec![syms("s1 s2")]), &kt).unwrap(),
            K::dict(
                table("s", vec![syms("s1 s2")]),
                table("name", vec![syms("smith jones")])
            )
        );
    }

    #[test]
    fn drop_cases() {
        let x = j(&[0, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(drop_cut(&K::long(5), &x).unwrap(), j(&[5, 6, 7, 8]));
        assert_eq!(drop_cut(&K::long(-5), &x).unwrap(), j(&[0, 1, 2, 3]));
        assert_eq!(drop_cut(&K::long(20), &x).unwrap(), j(&[]));
        assert_eq!(
            drop_cut(&x, &K::long(5)).unwrap(),
            j(&[0, 1, 2, 3, 4, 6, 7, 8])
        );
        let d = K::dict(syms("a b c"), j(&[1, 2, 3]));
        assert_eq!(
            drop_cut(&K::long(1), &d).unwrap(),
            K::dict(syms("b c"), j(&[2, 3]))
        );
        assert_eq!(
            drop_cut(&d, &s("a")).unwrap(),
            K::dict(syms("b c"), j(&[2, 3]))
        );
        assert_eq!(
            drop_cut(&s("a"), &d).unwrap(),
            K::dict(syms("b c"), j(&[2, 3]))
        );
        assert_eq!(
            drop_cut(&syms("a b"), &d).unwrap(),
            K::dict(syms("c"), j(&[3]))
        );
        assert_eq!(drop_cut(&d, &syms("a b")), Err(QError::type_()));
        let b = K::string("apple: banana: cherry");
        assert_eq!(
            drop_cut(&K::long(5), &b).unwrap(),
            K::string(": banana: cherry")
        );
        let d2 = K::dict(j(&[100, 200]), syms("a b"));
        assert_eq!(
            drop_cut(&K::long(1), &d2).unwrap(),
            K::dict(j(&[200]), syms("b"))
        );
        assert_eq!(drop_cut(&d2, &K::long(1)).unwrap(), d2);
        assert_eq!(
            drop_cut(&d2, &K::long(100)).unwrap(),
            K::dict(j(&[200]), syms("b"))
        );
        assert_eq!(drop_cut(&j(&[1]), &d2).unwrap(), d2);
        assert_eq!(
            drop_cut(&j(&[100]), &d2).unwrap(),
            K::dict(j(&[200]), syms("b"))
        );
        assert_eq!(
            drop_cut(&K::long(100), &d2).unwrap(),
            K::dict(j(&[]), K::syms(Vec::<&str>::new()))
        );
        let t = table("a b c", vec![j(&[1, 2, 3]), j(&[4, 5, 6]), syms("d e f")]);
        assert_eq!(
            drop_cut(&syms("a b"), &t).unwrap(),
            table("c", vec![syms("d e f")])
        );
        assert_eq!(drop_cut(&t, &syms("a b")), Err(QError::type_()));
        assert_eq!(drop_cut(&s("a"), &t), Err(QError::type_()));
        assert_eq!(drop_cut(&t, &s("a")), Err(QError::type_()));
    }

    #[test]
    fn cut_cases() {
        let t10 = K::longs((0..10).collect());
        assert_eq!(
            drop_cut(&j(&[2, 4, 9]), &t10).unwrap(),
            l(vec![j(&[2, 3]), j(&[4, 5, 6, 7, 8]), j(&[9])])
        );
        assert_eq!(
            drop_cut(&j(&[2, 4, 4, 9]), &t10).unwrap(),
            l(vec![j(&[2, 3]), j(&[]), j(&[4, 5, 6, 7, 8]), j(&[9])])
        );
        assert_eq!(
            drop_cut(&j(&[0, 4, 5]), &K::longs((0..7).collect())).unwrap(),
            l(vec![j(&[0, 1, 2, 3]), j(&[4]), j(&[5, 6])])
        );
        assert_eq!(drop_cut(&j(&[4, 2]), &t10), Err(QError::domain()));
        let t = table("a b", vec![K::longs((0..5).collect()), syms("a b c d e")]);
        let ts = drop_cut(&j(&[0, 3]), &t).unwrap();
        assert_eq!(
            item(&ts, 1).unwrap(),
            table("a b", vec![j(&[3, 4]), syms("d e")])
        );
        assert_eq!(
            cut(&K::long(4), &t10).unwrap(),
            l(vec![j(&[0, 1, 2, 3]), j(&[4, 5, 6, 7]), j(&[8, 9])])
        );
        assert_eq!(cut(&K::long(0), &t10), Err(QError::domain()));
    }

    #[test]
    fn enumeration_from_indices() {
        let e = dict(&s("x"), &j(&[1, 2, 3])).unwrap();
        assert_eq!(e.ty(), 20);
        assert_eq!(e.len(), 3);
        assert_eq!(
            dict(&s("x"), &K::long(1)).unwrap(),
            K::EnumAtom(Sym::from_text("x"), 1)
        );
        assert_eq!(dict(&s("x"), &j(&[-1])), Err(QError::domain()));
    }

    #[test]
    fn join_in_place_through_the_interpreter() {
        use crate::lang::console::run_lines as q;
        // ref/join.md: enumerations take symbols by enumerating them
        assert_eq!(q(&["sym:`a`b", "e:`sym$`a`b", "e,:`b", "e"]), "`sym$`a`b`b");
        assert_eq!(q(&["sym:`a`b", "e:`sym$`a`b", "e,:`c"]), "'cast");
        assert_eq!(q(&["sym:`a`b", "s:`a`c", "s,:`sym$`b", "s"]), "`a`c`b");
        assert_eq!(
            q(&["t:([]a:1 2;b:3 4)", "t,:5 6", "t,:(7 8;9 10)", "count t"]),
            "5"
        );
        assert_eq!(q(&["t:([]a:1 2i;b:3 4f)", "t,:([]a:5 6f;b:7 8i)"]), "'type");
        assert_eq!(
            q(&["count enlist[0;`1;\"two\";3;`four;5;`6;\"seven\";8;`nine]"]),
            "10"
        );
    }

    #[test]
    fn enlist_many() {
        assert_eq!(enlist_n(vec![K::long(1), K::long(2)]).unwrap(), j(&[1, 2]));
        assert_eq!(enlist_n(vec![K::long(1)]).unwrap(), j(&[1]));
        let g = enlist_n(vec![j(&[0, 1]), syms("a b"), K::string("hi")]).unwrap();
        assert_eq!((g.ty(), g.len()), (0, 3));
    }

    #[test]
    fn join_rows_and_in_place() {
        let t = table("a b", vec![j(&[1, 2]), j(&[3, 4])]);
        let t1 = join_in_place(&t, &j(&[5, 6])).unwrap();
        let t2 = join_in_place(&t1, &l(vec![j(&[7, 8]), j(&[9, 10])])).unwrap();
        assert_eq!(
            t2,
            table("a b", vec![j(&[1, 2, 5, 7, 9]), j(&[3, 4, 6, 8, 10])])
        );
        assert_eq!(join(&t, &j(&[1, 2, 3])), Err(QError::length()));
        // in place keeps column types
        let ti = table("a b", vec![K::ints(vec![1, 2]), f(&[3.0, 4.0])]);
        let ok = table("a b", vec![K::ints(vec![5]), f(&[7.0])]);
        assert_eq!(join_in_place(&ti, &ok).unwrap().len(), 3);
        let bad = table("a b", vec![f(&[5.0]), K::ints(vec![7])]);
        assert_eq!(join_in_place(&ti, &bad), Err(QError::type_()));
        // dictionaries with simple values keep their type
        let d = K::dict(syms("a b"), j(&[1, 2]));
        let e = K::dict(syms("a c"), j(&[3, 4]));
        assert_eq!(
            join_in_place(&d, &e).unwrap(),
            K::dict(syms("a b c"), j(&[3, 2, 4]))
        );
        assert_eq!(
            join_in_place(&d, &K::dict(syms("d"), f(&[5.0]))),
            Err(QError::type_())
        );
        // vectors keep their type; a list of vectors takes one more
        assert_eq!(join_in_place(&j(&[1]), &f(&[2.0])), Err(QError::type_()));
        assert_eq!(
            join_in_place(&l(vec![j(&[1, 2, 3])]), &j(&[4, 5, 6])).unwrap(),
            l(vec![j(&[1, 2, 3]), j(&[4, 5, 6])])
        );
    }

    #[test]
    fn join_cases() {
        assert_eq!(join(&j(&[1, 2, 3]), &K::long(4)).unwrap(), j(&[1, 2, 3, 4]));
        assert_eq!(join(&j(&[1, 2]), &j(&[3, 4])).unwrap(), j(&[1, 2, 3, 4]));
        let a = l(vec![
            K::long(0),
            f(&[1.0, 2.5]),
            K::bools(vec![false, true]),
        ]);
        let b = l(vec![s("a"), K::string("abc")]);
        assert_eq!(
            join(&a, &b).unwrap(),
            l(vec![
                K::long(0),
                f(&[1.0, 2.5]),
                K::bools(vec![false, true]),
                s("a"),
                K::string("abc")
            ])
        );
        let r = join(&f(&[1.0, 2.4, 5.0]), &K::reals(vec![-7.9, 10.0])).unwrap();
        assert_eq!(
            r,
            l(vec![
                K::float(1.0),
                K::float(2.4),
                K::float(5.0),
                K::real(-7.9),
                K::real(10.0)
            ])
        );
        assert_eq!(join(&l(vec![]), &j(&[1, 2])).unwrap(), j(&[1, 2]));
        assert_eq!(join(&l(vec![]), &K::long(1)).unwrap(), j(&[1]));
        assert_eq!(join(&K::long(1), &K::long(2)).unwrap(), j(&[1, 2]));
        assert_eq!(
            join(&K::long(1), &s("a")).unwrap(),
            l(vec![K::long(1), s("a")])
        );
        let d = join(
            &K::dict(syms("a b c"), j(&[1, 2, 3])),
            &K::dict(syms("c d"), j(&[4, 5])),
        )
        .unwrap();
        assert_eq!(d, K::dict(syms("a b c d"), j(&[1, 2, 4, 5])));
        let d = join(
            &K::dict(syms("a b"), j(&[1, 2])),
            &K::dict(syms("b"), f(&[2.5])),
        )
        .unwrap();
        assert_eq!(d, K::dict(syms("a b"), l(vec![K::long(1), K::float(2.5)])));
        let t = table("a b", vec![j(&[1, 2, 3]), syms("a b c")]);
        let u = table("a b", vec![j(&[10, 11]), syms("d e")]);
        assert_eq!(
            join(&t, &u).unwrap(),
            table("a b", vec![j(&[1, 2, 3, 10, 11]), syms("a b c d e")])
        );
        assert_eq!(
            join(&t, &table("b a", vec![syms("z"), j(&[9])])).unwrap(),
            table("a b", vec![j(&[1, 2, 3, 9]), syms("a b c z")])
        );
        assert_eq!(
            join(&t, &table("a", vec![j(&[1])])),
            Err(QError::mismatch())
        );
        assert_eq!(join(&t, &K::long(1)), Err(QError::type_()));
        let kt = K::dict(table("k", vec![syms("a b")]), table("v", vec![j(&[1, 2])]));
        let ku = K::dict(
            table("k", vec![syms("b c")]),
            table("v", vec![j(&[20, 30])]),
        );
        assert_eq!(
            join(&kt, &ku).unwrap(),
            K::dict(
                table("k", vec![syms("a b c")]),
                table("v", vec![j(&[1, 20, 30])])
            )
        );
    }

    #[test]
    fn dict_cases() {
        assert_eq!(
            dict(&syms("a b c"), &j(&[1, 2, 3])).unwrap(),
            K::dict(syms("a b c"), j(&[1, 2, 3]))
        );
        assert_eq!(dict(&syms("a b"), &j(&[1, 2, 3])), Err(QError::length()));
        assert_eq!(dict(&syms("a b"), &K::long(1)), Err(QError::length()));
        let t = table(
            "name city eye",
            vec![syms("Tom Jo"), syms("NYC LA"), syms("green blue")],
        );
        let kt = dict(&K::long(2), &t).unwrap();
        let ku = dict(
            &table("name city", vec![syms("Tom Jo"), syms("NYC LA")]),
            &table("eye", vec![syms("green blue")]),
        )
        .unwrap();
        assert_eq!(kt, ku);
        assert_eq!(dict(&K::long(0), &kt).unwrap(), t);
        assert_eq!(dict(&K::long(1), &kt).unwrap().len(), 2);
        assert_eq!(dict(&K::long(3), &t), Err(QError::length()));
    }

    #[test]
    fn shifts() {
        let p = j(&[2, 3, 5, 7, 11]);
        assert_eq!(rotate(&K::long(2), &p).unwrap(), j(&[5, 7, 11, 2, 3]));
        assert_eq!(rotate(&K::long(-2), &p).unwrap(), j(&[7, 11, 2, 3, 5]));
        let t = table("a b", vec![j(&[1, 2, 3]), K::string("xyz")]);
        assert_eq!(
            rotate(&K::long(1), &t).unwrap(),
            table("a b", vec![j(&[2, 3, 1]), K::string("yzx")])
        );
        assert_eq!(sublist(&K::long(3), &p).unwrap(), j(&[2, 3, 5]));
        assert_eq!(sublist(&K::long(10), &p).unwrap(), p);
        assert_eq!(sublist(&K::long(-2), &p).unwrap(), j(&[7, 11]));
        assert_eq!(sublist(&j(&[1, 2]), &p).unwrap(), j(&[3, 5]));
        assert_eq!(sublist(&j(&[4, 9]), &p).unwrap(), j(&[11]));
        let d = K::dict(
            syms("a b c"),
            l(vec![j(&[1, 2, 3]), K::string("xyz"), j(&[2, 3, 5])]),
        );
        assert_eq!(
            sublist(&K::long(2), &d).unwrap(),
            K::dict(syms("a b"), l(vec![j(&[1, 2, 3]), K::string("xyz")]))
        );
        assert_eq!(
            xprev(&K::long(2), &j(&[2, 7, 5, 3, 11])).unwrap(),
            j(&[NJ, NJ, 2, 7, 5])
        );
        assert_eq!(
            xprev(&K::long(-2), &j(&[2, 7, 5, 3, 11])).unwrap(),
            j(&[5, 3, 11, NJ, NJ])
        );
        assert_eq!(
            xprev(&K::long(1), &K::string("abcde")).unwrap(),
            K::string(" abcd")
        );
        assert_eq!(next(&j(&[2, 3, 5, 7, 11])).unwrap(), j(&[3, 5, 7, 11, NJ]));
        assert_eq!(prev(&j(&[2, 3, 5, 7, 11])).unwrap(), j(&[NJ, 2, 3, 5, 7]));
        let g = l(vec![j(&[1, 2]), K::string("abc"), s("ibm")]);
        assert_eq!(
            next(&g).unwrap(),
            l(vec![K::string("abc"), s("ibm"), j(&[])])
        );
        assert_eq!(
            prev(&g).unwrap(),
            l(vec![j(&[]), j(&[1, 2]), K::string("abc")])
        );
    }

    #[test]
    fn cross_ungroup() {
        assert_eq!(
            cross(&j(&[1, 2, 3]), &j(&[10, 20])).unwrap(),
            l(vec![
                j(&[1, 10]),
                j(&[1, 20]),
                j(&[2, 10]),
                j(&[2, 20]),
                j(&[3, 10]),
                j(&[3, 20])
            ])
        );
        let a = l(vec![j(&[1, 2]), j(&[3, 4])]);
        let b = l(vec![j(&[5, 6]), j(&[7, 8])]);
        assert_eq!(
            cross(&a, &b).unwrap(),
            l(vec![
                j(&[1, 2, 5, 6]),
                j(&[1, 2, 7, 8]),
                j(&[3, 4, 5, 6]),
                j(&[3, 4, 7, 8])
            ])
        );
        let ts = table("s", vec![syms("IBM MSFT")]);
        let tv = table("v", vec![j(&[1, 2])]);
        assert_eq!(
            cross(&ts, &tv).unwrap(),
            table("s v", vec![syms("IBM IBM MSFT MSFT"), j(&[1, 2, 1, 2])])
        );
        let t = table(
            "s p q r",
            vec![
                syms("a b c"),
                l(vec![j(&[2]), j(&[5, 7, 11]), j(&[13, 17])]),
                j(&[10, 20, 30]),
                l(vec![K::string("A"), K::string("CDE"), K::string("FG")]),
            ],
        );
        assert_eq!(
            ungroup(&t).unwrap(),
            table(
                "s p q r",
                vec![
                    syms("a b b b c c"),
                    j(&[2, 5, 7, 11, 13, 17]),
                    j(&[10, 20, 20, 20, 30, 30]),
                    K::string("ACDEFG")
                ]
            )
        );
    }
}
