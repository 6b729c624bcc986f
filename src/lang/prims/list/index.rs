//! Indexing and indexed assignment: `x[i]` / `x@i`, `x . i` / `x[i;j]`, and `x[i]:y`.
//!
//! Indexing never signals for a missing position: an out-of-range index gives the list's
//! null (see `proto`), a missing dictionary key gives a null of the values' type, a step
//! dictionary (`s#`) answers for the highest key not above the one asked. Assignment does
//! check: a position out of range is `'length` (as q 4 says), a value that a simple vector
//! cannot hold is `'type`, a general list collapses to a vector when its items become
//! uniform atoms.

use super::search::{bin, lookup};
use super::{
    fill_vec, int_atom, ints, is_listlike, keyed, make_table, null_row, proto, rows, rows_or_null,
    QError, QResult,
};
use crate::lang::value::{from_items, item, items};
use qipc::{Attr, Data, Dict, Enum, Table, Ty, Vector, K};
use std::sync::Arc;

/// `x[i]` / `x@i` for lists, dictionaries, tables and keyed tables. A list of indices gives
/// a result of the same shape; `::` selects everything.
pub fn index(x: &K, i: &K) -> QResult {
    if i.is_null() {
        return Ok(x.clone());
    }
    // Indexing by a dictionary maps its values and keeps its keys.
    if let (K::Dict(d), false) = (i, keyed(i).is_some()) {
        if !matches!(x, K::Dict(_)) {
            return Ok(K::dict(d.keys.clone(), index(x, &d.vals)?));
        }
    }
    match x {
        K::Vector(_) | K::Enum(_) | K::List(_) => index_positions(x, i),
        K::Table(t) => index_table(x, t, i),
        K::Dict(d) => {
            if keyed(x).is_some() {
                index_keyed(x, i)
            } else {
                index_dict(d, i)
            }
        }
        K::Func(_) => Err(QError::type_()),
        _ => Err(QError::rank()),
    }
}

/// Map an index list over its items, collapsing atoms into a vector.
fn each_index(x: &K, is: &[K]) -> QResult {
    Ok(from_items(
        is.iter()
            .map(|i| index(x, i))
            .collect::<QResult<Vec<K>>>()?,
    ))
}

fn index_positions(x: &K, i: &K) -> QResult {
    if let Some(p) = int_atom(i) {
        return Ok(at(x, p));
    }
    match i {
        K::Vector(v) if super::is_int_ty(v.ty) => {
            let p = super::int_vec(i).ok_or_else(QError::type_)?;
            rows_or_null(x, &p)
        }
        K::List(l) if l.items.is_empty() => rows(x, &[]),
        K::List(l) => each_index(x, &l.items),
        _ => Err(QError::type_()),
    }
}

/// One item by position, or the list's null when out of range.
fn at(x: &K, p: i64) -> K {
    usize::try_from(p)
        .ok()
        .and_then(|p| item(x, p))
        .unwrap_or_else(|| proto(x))
}

fn index_table(x: &K, t: &Table, i: &K) -> QResult {
    if let Some(n) = i.as_sym() {
        return t
            .col(n)
            .cloned()
            .ok_or_else(|| QError::new(n.as_str().into_owned()));
    }
    match i {
        K::Vector(Vector {
            ty: Ty::Sym,
            data: Data::Sym(names),
            ..
        }) => Ok(K::list(
            names
                .iter()
                .map(|&n| {
                    t.col(n)
                        .cloned()
                        .ok_or_else(|| QError::new(n.as_str().into_owned()))
                })
                .collect::<QResult<Vec<K>>>()?,
        )),
        _ => {
            if let Some(p) = int_atom(i) {
                return Ok(usize::try_from(p)
                    .ok()
                    .and_then(|p| item(x, p))
                    .unwrap_or_else(|| null_row(t)));
            }
            index_positions(x, i)
        }
    }
}

fn index_dict(d: &Dict, i: &K) -> QResult {
    if d.sorted {
        let pos = bin(&d.keys, i)?;
        return index(&d.vals, &pos);
    }
    if let (K::Vector(_) | K::Enum(_), K::List(l)) = (&d.keys, i) {
        if !l.items.is_empty() {
            let r = l
                .items
                .iter()
                .map(|k| index_dict(d, k))
                .collect::<QResult<Vec<K>>>()?;
            return Ok(from_items(r));
        }
    }
    let (pos, atom) = lookup(&d.keys, i)?;
    match (atom, pos.first()) {
        (true, Some(&p)) => Ok(at(&d.vals, p)),
        _ => rows_or_null(&d.vals, &pos),
    }
}

/// A keyed table is indexed by key: a key value (or list of key values, one per key
/// column), a key row dictionary, or a table of keys.
fn index_keyed(x: &K, i: &K) -> QResult {
    let Some((kt, vt)) = keyed(x) else {
        return Err(QError::type_());
    };
    let keys = K::Table(kt.clone());
    let vals = K::Table(vt.clone());
    let one_row = |row: &K| -> QResult {
        let p = super::search::find(&keys, row)?;
        let p = int_atom(&p).ok_or_else(QError::type_)?;
        Ok(usize::try_from(p)
            .ok()
            .and_then(|p| item(&vals, p))
            .unwrap_or_else(|| null_row(vt)))
    };
    match i {
        K::Table(_) => {
            let p = super::search::find(&keys, i)?;
            let p = super::int_vec(&p).ok_or_else(QError::type_)?;
            rows_or_null(&vals, &p)
        }
        K::Dict(_) => one_row(i),
        _ if kt.cols.len() == 1 => {
            if is_listlike(i) {
                let probe = K::table(kt.names.as_ref().clone(), vec![i.clone()]);
                index_keyed(x, &probe)
            } else {
                one_row(&K::list(vec![i.clone()]))
            }
        }
        _ => one_row(i),
    }
}

/// `x . (i;j;...)` / `x[i;j;...]`: index at depth. A null index selects everything at its
/// level; a list index maps over its items.
pub fn index_deep(x: &K, path: &[K]) -> QResult {
    let (f, rest) = match path {
        [] => return Ok(x.clone()),
        [f] => return index(x, f),
        [f, rest @ ..] => (f, rest),
    };
    // Table cross sections pick the column first, then the rows.
    if let (K::Table(_), [c]) = (x, rest) {
        if c.as_sym().is_some() && (f.is_null() || !f.is_atom()) {
            let col = index(x, c)?;
            return index(&col, f);
        }
    }
    if f.is_null() {
        return match x {
            K::Dict(d) if keyed(x).is_none() => {
                Ok(K::dict(d.keys.clone(), each_deep(&items(&d.vals), rest)?))
            }
            _ if is_listlike(x) => each_deep(&items(x), rest),
            _ => Err(QError::rank()),
        };
    }
    if !is_listlike(f) {
        return index_deep(&index(x, f)?, rest);
    }
    let r = items(f)
        .iter()
        .map(|g| {
            let mut p = Vec::with_capacity(path.len());
            p.push(g.clone());
            p.extend_from_slice(rest);
            index_deep(x, &p)
        })
        .collect::<QResult<Vec<K>>>()?;
    Ok(from_items(r))
}

fn each_deep(its: &[K], rest: &[K]) -> QResult {
    Ok(from_items(
        its.iter()
            .map(|v| index_deep(v, rest))
            .collect::<QResult<Vec<K>>>()?,
    ))
}

// ---------------------------------------------------------------------------------------
// Assignment

/// `x[i]:y` — returns the amended value (vectors, general lists, dictionaries with upsert,
/// table columns by name).
pub fn amend_assign(x: &K, i: &K, y: &K) -> QResult {
    amend_owned(x.clone(), i, y)
}

/// `x[i;j;...]:y` — assignment at depth.
pub fn amend_deep(x: &K, path: &[K], y: &K) -> QResult {
    let (f, rest) = match path {
        [] => return Ok(y.clone()),
        [f] => return amend_assign(x, f, y),
        [f, rest @ ..] => (f, rest),
    };
    if !is_listlike(f) {
        let inner = index(x, f)?;
        let new = amend_deep(&inner, rest, y)?;
        return amend_assign(x, f, &new);
    }
    let targets: Vec<K> = if f.is_null() {
        match x {
            K::Dict(d) => items(&d.keys),
            _ => (0..x.len() as i64).map(K::long).collect(),
        }
    } else {
        items(f)
    };
    let spread = is_listlike(y);
    if spread && y.len() != targets.len() {
        return Err(QError::length());
    }
    let mut acc = x.clone();
    for (k, t) in targets.iter().enumerate() {
        let yk = if spread {
            item(y, k).unwrap_or(K::NULL)
        } else {
            y.clone()
        };
        let mut p = Vec::with_capacity(path.len());
        p.push(t.clone());
        p.extend_from_slice(rest);
        acc = amend_deep(&acc, &p, &yk)?;
    }
    Ok(acc)
}

/// `x[i]:y` on an owned value: amends in place when the buffers are not shared.
pub fn amend_owned(x: K, i: &K, y: &K) -> QResult {
    let i = if i.is_null() {
        match &x {
            K::Dict(d) => d.keys.clone(),
            K::Table(_) => return Err(QError::nyi()),
            _ => super::til_n(x.len()),
        }
    } else {
        i.clone()
    };
    match x {
        K::Vector(v) => amend_vector(v, &i, y),
        K::Enum(e) => amend_enum(e, &i, y),
        K::List(l) => {
            let mut its = Arc::unwrap_or_clone(l.items);
            amend_items(&mut its, &i, y)?;
            Ok(from_items(its))
        }
        K::Dict(d) => {
            if matches!((&d.keys, &d.vals), (K::Table(_), K::Table(_))) {
                return Err(QError::nyi());
            }
            amend_dict(Arc::unwrap_or_clone(d), &i, y)
        }
        K::Table(t) => amend_table(Arc::unwrap_or_clone(t), &i, y),
        _ => Err(QError::type_()),
    }
}

/// Positions from an index, each checked to be in range (q 4 signals `'length` for an
/// assignment past the end, basics/dictsandtables).
fn checked_positions(i: &K, n: usize) -> QResult<Option<(Vec<usize>, bool)>> {
    let Some((p, atom)) = ints(i) else {
        return Ok(None);
    };
    let p = p
        .into_iter()
        .map(|q| {
            usize::try_from(q)
                .ok()
                .filter(|&q| q < n)
                .ok_or_else(QError::length)
        })
        .collect::<QResult<Vec<usize>>>()?;
    Ok(Some((p, atom)))
}

/// Pair the items of a general index list with the items of `y` (or `y` itself).
fn spread_pairs(is: &[K], y: &K) -> QResult<Vec<(K, K)>> {
    if is_listlike(y) {
        if y.len() != is.len() {
            return Err(QError::length());
        }
        Ok(is.iter().cloned().zip(items(y)).collect())
    } else {
        Ok(is.iter().map(|i| (i.clone(), y.clone())).collect())
    }
}

fn amend_vector(mut v: Vector, i: &K, y: &K) -> QResult {
    let Some((pos, atom)) = checked_positions(i, v.len())? else {
        return match i {
            K::List(l) => {
                let mut acc = K::Vector(v);
                for (ik, yk) in spread_pairs(&l.items, y)? {
                    acc = amend_owned(acc, &ik, &yk)?;
                }
                Ok(acc)
            }
            _ => Err(QError::type_()),
        };
    };
    let src = match y {
        K::Atom(a) if a.ty == v.ty => fill_vec(a, 1),
        K::Vector(w) if w.ty == v.ty && !atom => {
            if w.len() != pos.len() {
                return Err(QError::length());
            }
            y.clone()
        }
        K::Vector(w) if !atom && w.len() != pos.len() => return Err(QError::length()),
        _ => return Err(QError::type_()),
    };
    let K::Vector(src) = src else {
        return Err(QError::type_());
    };
    write(&mut v.data, &pos, &src.data)?;
    v.attr = Attr::None;
    Ok(K::Vector(v))
}

fn amend_enum(mut e: Enum, i: &K, y: &K) -> QResult {
    let Some((pos, atom)) = checked_positions(i, e.idx.len())? else {
        return Err(QError::type_());
    };
    let vals: Vec<i64> = match y {
        K::EnumAtom(d, v) if *d == e.domain => vec![*v],
        K::Enum(f) if f.domain == e.domain && !atom => {
            if f.idx.len() != pos.len() {
                return Err(QError::length());
            }
            f.idx.as_ref().clone()
        }
        // Enumerating plain symbols needs the domain.
        K::Atom(_) | K::Vector(_) if y.ty().abs() == Ty::Sym as i16 => return Err(QError::nyi()),
        _ => return Err(QError::type_()),
    };
    let idx = Arc::make_mut(&mut e.idx);
    for (k, &p) in pos.iter().enumerate() {
        if let (Some(d), Some(s)) = (
            idx.get_mut(p),
            vals.get(if vals.len() == 1 { 0 } else { k }),
        ) {
            *d = *s;
        }
    }
    e.attr = Attr::None;
    Ok(K::Enum(e))
}

/// Copy `src` (one item broadcast, or one per position) into `dst` at `pos`.
fn write(dst: &mut Data, pos: &[usize], src: &Data) -> QResult<()> {
    fn put<T: Copy>(a: &mut Arc<Vec<T>>, pos: &[usize], b: &[T]) {
        let a = Arc::make_mut(a);
        let one = b.len() == 1;
        for (k, &p) in pos.iter().enumerate() {
            if let (Some(d), Some(s)) = (a.get_mut(p), b.get(if one { 0 } else { k })) {
                *d = *s;
            }
        }
    }
    match (dst, src) {
        (Data::U8(a), Data::U8(b)) => put(a, pos, b),
        (Data::Guid(a), Data::Guid(b)) => put(a, pos, b),
        (Data::I16(a), Data::I16(b)) => put(a, pos, b),
        (Data::I32(a), Data::I32(b)) => put(a, pos, b),
        (Data::I64(a), Data::I64(b)) => put(a, pos, b),
        (Data::F32(a), Data::F32(b)) => put(a, pos, b),
        (Data::F64(a), Data::F64(b)) => put(a, pos, b),
        (Data::Sym(a), Data::Sym(b)) => put(a, pos, b),
        _ => return Err(QError::type_()),
    }
    Ok(())
}

fn amend_items(its: &mut [K], i: &K, y: &K) -> QResult<()> {
    let Some((pos, atom)) = checked_positions(i, its.len())? else {
        return match i {
            K::List(l) => {
                for (ik, yk) in spread_pairs(&l.items, y)? {
                    amend_items(its, &ik, &yk)?;
                }
                Ok(())
            }
            _ => Err(QError::type_()),
        };
    };
    if atom {
        if let Some(slot) = pos.first().and_then(|&p| its.get_mut(p)) {
            *slot = y.clone();
        }
        return Ok(());
    }
    let spread = is_listlike(y);
    if spread && y.len() != pos.len() {
        return Err(QError::length());
    }
    for (k, &p) in pos.iter().enumerate() {
        let v = if spread {
            item(y, k).unwrap_or(K::NULL)
        } else {
            y.clone()
        };
        if let Some(slot) = its.get_mut(p) {
            *slot = v;
        }
    }
    Ok(())
}

/// Dictionary assignment upserts: existing keys get new values, new keys are appended.
fn amend_dict(d: Dict, i: &K, y: &K) -> QResult {
    let key_list = match (&d.keys, i) {
        (K::List(_), _) => false,
        (_, K::Vector(_) | K::Enum(_)) => true,
        (_, K::List(l)) => !l.items.is_empty(),
        _ => false,
    };
    let (ks, ys): (Vec<K>, Vec<K>) = if key_list {
        let ks = items(i);
        let ys = if is_listlike(y) {
            if y.len() != ks.len() {
                return Err(QError::length());
            }
            items(y)
        } else {
            vec![y.clone(); ks.len()]
        };
        (ks, ys)
    } else {
        (vec![i.clone()], vec![y.clone()])
    };
    let mut keys = d.keys;
    let mut vals = d.vals;
    let positions = {
        let probe = from_items(ks.clone());
        let (p, _) = lookup(&keys, &if key_list { probe } else { ks[0].clone() })?;
        p
    };
    let n0 = keys.len() as i64;
    let mut added: Vec<(K, usize)> = Vec::new();
    for ((k, v), p) in ks.iter().zip(ys).zip(positions) {
        let slot = if p < n0 {
            p as usize
        } else if let Some((_, s)) = added.iter().find(|(a, _)| a == k) {
            *s
        } else {
            let s = keys.len();
            keys = super::shape::join(&keys, &super::as_list(k))?;
            vals = append_item(vals, &v)?;
            added.push((k.clone(), s));
            continue;
        };
        vals = amend_owned(vals, &K::long(slot as i64), &v)?;
    }
    if keys.len() != vals.len() {
        return Err(QError::length());
    }
    Ok(K::Dict(Arc::new(Dict {
        keys,
        vals,
        sorted: d.sorted,
    })))
}

/// Append one item to a list, keeping a simple vector's type strict (`'type`).
fn append_item(vals: K, v: &K) -> QResult {
    match &vals {
        K::Vector(w) => match v {
            K::Atom(a) if a.ty == w.ty => super::shape::join(&vals, v),
            _ => Err(QError::type_()),
        },
        K::List(_) => {
            let mut its = items(&vals);
            its.push(v.clone());
            Ok(from_items(its))
        }
        K::Enum(e) => match v {
            K::EnumAtom(d, _) if *d == e.domain => super::shape::join(&vals, v),
            _ => Err(QError::type_()),
        },
        _ => Err(QError::type_()),
    }
}

/// Tables take whole columns by name (`t[`c]:v`); a new name adds a column.
fn amend_table(mut t: Table, i: &K, y: &K) -> QResult {
    let Some(name) = i.as_sym() else {
        return Err(QError::nyi());
    };
    let n = t.rows();
    let col = match y {
        K::Atom(a) => fill_vec(a, n),
        _ if is_listlike(y) => {
            if !t.cols.is_empty() && y.len() != n {
                return Err(QError::length());
            }
            y.clone()
        }
        _ => return Err(QError::type_()),
    };
    match t.names.iter().position(|&c| c == name) {
        Some(p) => match t.cols.get_mut(p) {
            Some(c) => *c = col,
            None => return Err(QError::length()),
        },
        None => {
            Arc::make_mut(&mut t.names).push(name);
            t.cols.push(col);
        }
    }
    make_table(t.names.as_ref().clone(), t.cols)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    #[test]
    fn vectors() {
        let w = j(&[10, -8, 3, 5, -1, 2, 3]);
        assert_eq!(index(&w, &K::long(1)).unwrap(), K::long(-8));
        assert_eq!(index(&w, &K::long(7)).unwrap(), K::long(NJ));
        assert_eq!(index(&w, &K::long(-1)).unwrap(), K::long(NJ));
        assert_eq!(index(&w, &K::int(0)).unwrap(), K::long(10));
        assert_eq!(index(&w, &K::bool(true)).unwrap(), K::long(-8));
        assert_eq!(index(&w, &j(&[0, 7])).unwrap(), j(&[10, NJ]));
        assert_eq!(index(&syms("a b"), &K::long(5)).unwrap(), s(""));
        assert_eq!(index(&K::string("ab"), &K::long(5)).unwrap(), K::char(b' '));
        assert_eq!(index(&w, &K::NULL).unwrap(), w);
        assert_eq!(index(&w, &K::float(1.0)), Err(QError::type_()));
        assert_eq!(index(&K::long(1), &K::long(0)), Err(QError::rank()));
        // a nested index shapes the result
        let i = l(vec![j(&[0, 3, 4]), K::long(7), j(&[2, 7])]);
        assert_eq!(
            index(&w, &i).unwrap(),
            l(vec![j(&[10, 5, -1]), K::long(NJ), j(&[3, NJ])])
        );
        assert_eq!(index(&w, &l(vec![])).unwrap(), j(&[]));
        let di = K::dict(syms("a b"), j(&[0, 1]));
        assert_eq!(index(&w, &di).unwrap(), K::dict(syms("a b"), j(&[10, -8])));
    }

    #[test]
    fn general_lists() {
        let x = l(vec![K::long(1), s("a"), K::char(b'c')]);
        assert_eq!(index(&x, &K::long(1)).unwrap(), s("a"));
        assert_eq!(index(&x, &K::long(9)).unwrap(), K::long(NJ));
        // picking from a general list keeps it general (only amend collapses)
        assert_eq!(
            index(&x, &j(&[0, 0])).unwrap(),
            l(vec![K::long(1), K::long(1)])
        );
        let y = l(vec![j(&[1, 2]), K::string("abc"), s("ibm")]);
        assert_eq!(index(&y, &K::long(3)).unwrap(), j(&[]));
        assert_eq!(index(&y, &K::long(-1)).unwrap(), j(&[]));
    }

    #[test]
    fn dicts() {
        let d = K::dict(syms("cat cow dog sheep"), syms("chat vache chien mouton"));
        assert_eq!(
            index(&d, &syms("sheep snake cat ant")).unwrap(),
            K::syms(["mouton", "", "chat", ""])
        );
        assert_eq!(index(&d, &s("cow")).unwrap(), s("vache"));
        let e = K::dict(
            K::longs((0..10).map(|i| i * 10).collect()),
            K::longs((0..10).collect()),
        );
        assert_eq!(
            index(&e, &j(&[80, 35, 20, -10])).unwrap(),
            j(&[8, NJ, 2, NJ])
        );
        // step dictionary
        let K::Dict(ed) = &e else { panic!() };
        let step = K::Dict(Arc::new(Dict {
            keys: ed.keys.clone().with_attr(Attr::Sorted),
            vals: ed.vals.clone(),
            sorted: true,
        }));
        assert_eq!(
            index(&step, &j(&[80, 35, 20, -10])).unwrap(),
            j(&[8, 3, 2, NJ])
        );
        let K::Dict(dd) = &d else { panic!() };
        let ds = K::Dict(Arc::new(Dict {
            keys: dd.keys.clone(),
            vals: dd.vals.clone(),
            sorted: true,
        }));
        assert_eq!(
            index(&ds, &syms("sheep snake cat ant")).unwrap(),
            K::syms(["mouton", "mouton", "chat", ""])
        );
        // values that are lists: a miss gives an empty list like the first value
        let r = K::dict(syms("a b"), l(vec![j(&[1, 2]), j(&[3])]));
        assert_eq!(index(&r, &s("z")).unwrap(), j(&[]));
        // lookup is Find on the keys, with its type rules
        assert_eq!(
            index(&K::dict(syms("a b"), j(&[1, 2])), &K::long(0)),
            Err(QError::type_())
        );
    }

    #[test]
    fn tables() {
        let t = table("a b", vec![j(&[1, 2, 3]), syms("x y z")]);
        assert_eq!(index(&t, &s("b")).unwrap(), syms("x y z"));
        assert_eq!(
            index(&t, &K::long(1)).unwrap(),
            K::dict(syms("a b"), l(vec![K::long(2), s("y")]))
        );
        assert_eq!(
            index(&t, &K::long(5)).unwrap(),
            K::dict(syms("a b"), l(vec![K::long(NJ), s("")]))
        );
        assert_eq!(
            index(&t, &j(&[2, 0])).unwrap(),
            table("a b", vec![j(&[3, 1]), syms("z x")])
        );
        assert_eq!(
            index(&t, &syms("b a")).unwrap(),
            l(vec![syms("x y z"), j(&[1, 2, 3])])
        );
        assert!(index(&t, &s("c")).is_err());
        assert_eq!(index_deep(&t, &[K::long(1), s("a")]).unwrap(), K::long(2));
        assert_eq!(index_deep(&t, &[K::NULL, s("a")]).unwrap(), j(&[1, 2, 3]));
        assert_eq!(index_deep(&t, &[j(&[0, 2]), s("b")]).unwrap(), syms("x z"));
    }

    #[test]
    fn keyed_tables() {
        let kt = K::dict(
            table("k", vec![syms("a b c")]),
            table("v w", vec![j(&[1, 2, 3]), f(&[1.5, 2.5, 3.5])]),
        );
        assert_eq!(
            index(&kt, &s("b")).unwrap(),
            K::dict(syms("v w"), l(vec![K::long(2), K::float(2.5)]))
        );
        assert_eq!(
            index(&kt, &s("z")).unwrap(),
            K::dict(syms("v w"), l(vec![K::long(NJ), K::float(f64::NAN)]))
        );
        assert_eq!(
            index(&kt, &table("k", vec![syms("c a")])).unwrap(),
            table("v w", vec![j(&[3, 1]), f(&[3.5, 1.5])])
        );
        assert_eq!(
            index(&kt, &syms("c a")).unwrap(),
            table("v w", vec![j(&[3, 1]), f(&[3.5, 1.5])])
        );
        let kt2 = K::dict(
            table("n c", vec![syms("Tom Jo Tom"), syms("NYC LA Lagos")]),
            table("e", vec![syms("green blue brown")]),
        );
        assert_eq!(
            index(&kt2, &l(vec![s("Tom"), s("Lagos")])).unwrap(),
            K::dict(syms("e"), syms("brown"))
        );
    }

    #[test]
    fn deep() {
        let d = l(vec![
            l(vec![j(&[1, 2, 3]), j(&[4, 5, 6, 7])]),
            l(vec![j(&[8, 9]), K::long(10), j(&[11, 12])]),
            l(vec![j(&[13, 14]), j(&[15, 16, 17, 18]), j(&[19, 20])]),
        ]);
        assert_eq!(
            index_deep(&d, &[K::long(1), K::long(2)]).unwrap(),
            j(&[11, 12])
        );
        assert_eq!(
            index_deep(&d, &[K::long(1), K::long(2), K::long(0)]).unwrap(),
            K::long(11)
        );
        assert_eq!(
            index_deep(&d, &[j(&[2, 0]), j(&[0, 1])]).unwrap(),
            l(vec![
                l(vec![j(&[13, 14]), j(&[15, 16, 17, 18])]),
                l(vec![j(&[1, 2, 3]), j(&[4, 5, 6, 7])])
            ])
        );
        assert_eq!(
            index_deep(&d, &[K::NULL, K::long(0)]).unwrap(),
            l(vec![j(&[1, 2, 3]), j(&[8, 9]), j(&[13, 14])])
        );
        assert_eq!(
            index_deep(&d, &[j(&[0, 2]), K::NULL, j(&[1, 0])]).unwrap(),
            l(vec![
                l(vec![j(&[2, 1]), j(&[5, 4])]),
                l(vec![j(&[14, 13]), j(&[16, 15]), j(&[20, 19])])
            ])
        );
        let m = l(vec![
            K::long(1),
            K::dict(syms("a b"), l(vec![j(&[2, 3, 4]), j(&[10, 20, 30, 40])])),
        ]);
        assert_eq!(
            index_deep(&m, &[K::long(1), s("b"), K::long(2)]).unwrap(),
            K::long(30)
        );
        let dd = K::dict(syms("a b"), l(vec![j(&[1, 2]), j(&[3, 4])]));
        assert_eq!(
            index_deep(&dd, &[K::NULL, K::long(0)]).unwrap(),
            K::dict(syms("a b"), j(&[1, 3]))
        );
    }

    #[test]
    fn assign_vectors() {
        let s1 = j(&[1, 2, 3]);
        assert_eq!(
            amend_assign(&s1, &K::long(1), &K::long(4)).unwrap(),
            j(&[1, 4, 3])
        );
        assert_eq!(
            amend_assign(&s1, &K::long(2), &K::float(5.0)),
            Err(QError::type_())
        );
        assert_eq!(
            amend_assign(&s1, &K::long(3), &K::long(5)),
            Err(QError::length())
        );
        assert_eq!(
            amend_assign(&s1, &j(&[0, 2]), &j(&[7, 8])).unwrap(),
            j(&[7, 2, 8])
        );
        assert_eq!(
            amend_assign(&s1, &j(&[0, 2]), &K::long(0)).unwrap(),
            j(&[0, 2, 0])
        );
        assert_eq!(
            amend_assign(&s1, &j(&[0, 2]), &j(&[7, 8, 9])),
            Err(QError::length())
        );
        assert_eq!(
            amend_assign(&s1, &K::NULL, &K::long(9)).unwrap(),
            j(&[9, 9, 9])
        );
        // the source is unchanged
        assert_eq!(s1, j(&[1, 2, 3]));
    }

    #[test]
    fn assign_lists() {
        let s2 = l(vec![K::long(1), K::float(2.0), K::long(3)]);
        let r = amend_assign(&s2, &K::long(1), &K::long(4)).unwrap();
        assert_eq!(r, j(&[1, 4, 3]));
        assert_eq!(
            amend_assign(&r, &K::long(1), &K::float(5.0)),
            Err(QError::type_())
        );
        let m = l(vec![j(&[1, 2]), j(&[3, 4])]);
        assert_eq!(
            amend_deep(&m, &[K::long(1), K::long(1)], &K::long(5)).unwrap(),
            l(vec![j(&[1, 2]), j(&[3, 5])])
        );
        let x = l(vec![K::long(5), K::string("abc")]);
        let r = amend_deep(&x, &[K::long(1), K::long(2)], &K::char(b'x')).unwrap();
        assert_eq!(r, l(vec![K::long(5), K::string("abx")]));
        let words = l(vec![K::string("the"), K::string("quick")]);
        assert_eq!(
            amend_assign(
                &words,
                &j(&[0, 1]),
                &l(vec![K::string("a"), K::string("b")])
            )
            .unwrap(),
            l(vec![K::string("a"), K::string("b")])
        );
    }

    #[test]
    fn assign_dicts_and_tables() {
        let d = K::dict(syms("tom dick harry"), j(&[1, 2, 3]));
        let r = amend_assign(&d, &syms("dick jane"), &j(&[100, 200])).unwrap();
        assert_eq!(
            r,
            K::dict(syms("tom dick harry jane"), j(&[1, 100, 3, 200]))
        );
        assert_eq!(
            amend_assign(&d, &s("x"), &K::float(1.0)),
            Err(QError::type_())
        );
        let r = amend_assign(&d, &s("tom"), &K::long(7)).unwrap();
        assert_eq!(r, K::dict(syms("tom dick harry"), j(&[7, 2, 3])));
        let g = K::dict(syms("a"), l(vec![j(&[1, 2])]));
        let r = amend_assign(&g, &s("b"), &K::string("xy")).unwrap();
        assert_eq!(
            r,
            K::dict(syms("a b"), l(vec![j(&[1, 2]), K::string("xy")]))
        );
        let t = table("a", vec![j(&[1, 2])]);
        let r = amend_assign(&t, &s("b"), &syms("x y")).unwrap();
        assert_eq!(r, table("a b", vec![j(&[1, 2]), syms("x y")]));
        assert_eq!(amend_assign(&t, &s("b"), &j(&[1])), Err(QError::length()));
    }
}
