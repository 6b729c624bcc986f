//! List and structural primitives.

use super::{Dyad, Monad};

pub const MONADS: &[(&str, Monad)] = &[];
pub const DYADS: &[(&str, Dyad)] = &[];

// TEMPORARY local shims until the list branch lands (not committed).
use crate::lang::value::{from_items, item, items};
use crate::lang::{QError, QResult};
use qipc::K;
pub fn index(x: &K, i: &K) -> QResult {
    if i.is_null() { return Ok(x.clone()); }
    if let K::Dict(d) = x {
        let ks = items(&d.keys);
        let find = |k: &K| ks.iter().position(|y| y == k).and_then(|p| item(&d.vals, p)).unwrap_or(K::NULL);
        return Ok(if i.is_atom() { find(i) } else { from_items(items(i).iter().map(find).collect()) });
    }
    if let (K::Table(t), Some(s)) = (x, i.as_sym()) { return t.col(s).cloned().ok_or_else(|| QError::new(s.as_str().into_owned())); }
    if i.is_atom() {
        let n = i.as_i64().ok_or_else(QError::type_)?;
        return Ok(if n < 0 { K::NULL } else { item(x, n as usize).unwrap_or(K::NULL) });
    }
    if let K::Table(t) = x {
        let cols: QResult<Vec<K>> = t.cols.iter().map(|c| index(c, i)).collect();
        return Ok(K::table(t.names.to_vec(), cols?));
    }
    Ok(from_items(items(i).iter().map(|j| index(x, j)).collect::<QResult<Vec<_>>>()?))
}
pub fn index_deep(x: &K, p: &[K]) -> QResult {
    match p { [] => Ok(x.clone()), [i] => index(x, i), [i, r @ ..] => {
        let v = index(x, i)?;
        if i.is_atom() { index_deep(&v, r) } else { Ok(from_items(items(&v).iter().map(|y| index_deep(y, r)).collect::<QResult<Vec<_>>>()?)) }
    } }
}
pub fn amend_assign(x: &K, i: &K, y: &K) -> QResult {
    if let K::Dict(d) = x {
        let mut ks = items(&d.keys); let mut vs = items(&d.vals);
        match ks.iter().position(|k| k == i) { Some(p) => vs[p] = y.clone(), None => { ks.push(i.clone()); vs.push(y.clone()); } }
        return Ok(K::dict(from_items(ks), from_items(vs)));
    }
    let mut v = items(x);
    let idx: Vec<K> = if i.is_atom() { vec![i.clone()] } else { items(i) };
    let ys: Vec<K> = if i.is_atom() { vec![y.clone()] } else if y.is_atom() { vec![y.clone(); idx.len()] } else { items(y) };
    for (j, yv) in idx.iter().zip(ys) { let n = j.as_i64().ok_or_else(QError::type_)?; if n < 0 || n as usize >= v.len() { return Err(QError::index()); } v[n as usize] = yv; }
    Ok(from_items(v))
}
