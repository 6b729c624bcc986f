//! Search and set primitives: `?` (find), `in`, `within`, `bin`/`binr`, `except`,
//! `inter`, `union`, `distinct`, `group` and `differ`.
//!
//! Equality here is q's exact match (no comparison tolerance), except in `differ`, which
//! is `not ~':` and so tolerant. Simple vectors hash their
//! typed items (symbols by pool address); general lists hash whole values; table rows are
//! numbered column by column so that no row is ever compared item by item.

use super::super::atomic;
use super::elem::{dispatch, dispatch2, Elem};
use super::index::index;
use super::sort::cmp_k;
use super::{as_list, enlist_item, is_listlike, keyed, rows, rows_or_null, Attr, QError, QResult};
use crate::lang::value::{from_items, items};
use qipc::sym::{FxBuild, FxHashMap};
use qipc::{Data, Scalar, Table, Ty, Vector, K};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

type FxHashSet<T> = HashSet<T, FxBuild>;

// ---------------------------------------------------------------------------------------
// Hashing whole values

/// A value hashed and compared with q's match (`~`), for maps keyed by general-list items.
#[derive(Clone, Copy)]
pub(crate) struct HK<'a>(pub &'a K);

impl PartialEq for HK<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for HK<'_> {}
impl Hash for HK<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        hash_k(self.0, h)
    }
}

fn hash_scalar<H: Hasher>(v: &Scalar, h: &mut H) {
    match *v {
        Scalar::U8(x) => x.hkey().hash(h),
        Scalar::Guid(x) => x.hkey().hash(h),
        Scalar::I16(x) => x.hkey().hash(h),
        Scalar::I32(x) => x.hkey().hash(h),
        Scalar::I64(x) => x.hkey().hash(h),
        Scalar::F32(x) => x.hkey().hash(h),
        Scalar::F64(x) => x.hkey().hash(h),
        Scalar::Sym(x) => x.hkey().hash(h),
    }
}

fn hash_slice<T: Elem, H: Hasher>(s: &[T], h: &mut H) {
    for x in s {
        x.hkey().hash(h);
    }
}

/// Hash consistent with `K`'s `PartialEq` (q's match): attributes are ignored.
pub(crate) fn hash_k<H: Hasher>(k: &K, h: &mut H) {
    match k {
        K::Atom(a) => {
            h.write_u8(1);
            h.write_u8(a.ty as u8);
            hash_scalar(&a.v, h);
        }
        K::Vector(v) => {
            h.write_u8(2);
            h.write_u8(v.ty as u8);
            h.write_usize(v.len());
            dispatch!(&v.data, s => hash_slice(s, h));
        }
        K::List(l) => {
            h.write_u8(3);
            h.write_usize(l.items.len());
            for x in l.items.iter() {
                hash_k(x, h);
            }
        }
        K::Dict(d) => {
            h.write_u8(4);
            hash_k(&d.keys, h);
            hash_k(&d.vals, h);
        }
        K::Table(t) => {
            h.write_u8(5);
            for (n, c) in t.names.iter().zip(&t.cols) {
                n.hash(h);
                hash_k(c, h);
            }
        }
        K::EnumAtom(d, i) => {
            h.write_u8(6);
            d.hash(h);
            h.write_i64(*i);
        }
        K::Enum(e) => {
            h.write_u8(7);
            e.domain.hash(h);
            e.idx.hash(h);
        }
        K::Func(_) => h.write_u8(8),
        K::Error(s) => {
            h.write_u8(9);
            s.hash(h);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Numbering items: equal items get equal ids, numbered in order of first occurrence

/// Group numbers of a list's items and where each group first occurs.
pub(crate) struct Ids {
    pub ids: Vec<u32>,
    pub firsts: Vec<usize>,
}

fn ids_by<H: Hash + Eq>(n: usize, key: impl Fn(usize) -> H) -> Ids {
    let mut map: FxHashMap<H, u32> = FxHashMap::default();
    let mut ids = Vec::with_capacity(n);
    let mut firsts = Vec::new();
    for i in 0..n {
        let next = firsts.len() as u32;
        let id = *map.entry(key(i)).or_insert(next);
        if id == next {
            firsts.push(i);
        }
        ids.push(id);
    }
    Ids { ids, firsts }
}

fn ids_u8(s: &[u8]) -> Ids {
    let mut table = [u32::MAX; 256];
    let mut ids = Vec::with_capacity(s.len());
    let mut firsts = Vec::new();
    for (i, &b) in s.iter().enumerate() {
        let slot = &mut table[b as usize];
        if *slot == u32::MAX {
            *slot = firsts.len() as u32;
            firsts.push(i);
        }
        ids.push(*slot);
    }
    Ids { ids, firsts }
}

pub(crate) fn ids_typed<T: Elem>(s: &[T]) -> Ids {
    // Bytes, booleans and chars use a direct table; everything else hashes.
    if let Some(b) = T::bytes(s) {
        return ids_u8(b);
    }
    ids_by(s.len(), |i| s[i].hkey())
}

/// Number the items (rows, for a table) of a list-like value.
pub(crate) fn ids(x: &K) -> QResult<Ids> {
    Ok(match x {
        K::Vector(v) => dispatch!(&v.data, s => ids_typed(s)),
        K::Enum(e) => ids_by(e.idx.len(), |i| e.idx[i]),
        K::List(l) => ids_by(l.items.len(), |i| HK(&l.items[i])),
        K::Table(t) => table_ids(t)?,
        K::Dict(_) if keyed(x).is_some() => {
            let Some((k, v)) = keyed(x) else {
                return Err(QError::type_());
            };
            combine(&table_ids(k)?, &table_ids(v)?)
        }
        _ => return Err(QError::type_()),
    })
}

fn combine(a: &Ids, b: &Ids) -> Ids {
    ids_by(a.ids.len(), |i| ((a.ids[i] as u64) << 32) | b.ids[i] as u64)
}

fn table_ids(t: &Table) -> QResult<Ids> {
    let n = t.rows();
    let mut acc: Option<Ids> = None;
    for c in &t.cols {
        let ci = ids(c)?;
        acc = Some(match acc {
            None => ci,
            Some(a) => combine(&a, &ci),
        });
    }
    Ok(acc.unwrap_or_else(|| Ids {
        ids: vec![0; n],
        firsts: if n > 0 { vec![0] } else { vec![] },
    }))
}

// ---------------------------------------------------------------------------------------
// Find

fn find_typed<T: Elem>(x: &[T], y: &[T]) -> Vec<i64> {
    let n = x.len() as i64;
    if x.len() <= 8 {
        return y
            .iter()
            .map(|b| {
                let k = b.hkey();
                x.iter().position(|a| a.hkey() == k).map_or(n, |p| p as i64)
            })
            .collect();
    }
    if let (Some(xb), Some(yb)) = (T::bytes(x), T::bytes(y)) {
        let mut table = [n; 256];
        for (i, &b) in xb.iter().enumerate().rev() {
            table[b as usize] = i as i64;
        }
        return yb.iter().map(|&b| table[b as usize]).collect();
    }
    let mut map: FxHashMap<T::H, i64> = FxHashMap::default();
    for (i, a) in x.iter().enumerate() {
        map.entry(a.hkey()).or_insert(i as i64);
    }
    y.iter()
        .map(|b| map.get(&b.hkey()).copied().unwrap_or(n))
        .collect()
}

// A lambda's compile cache is interior-mutable, but hashing and equality never read it.
#[allow(clippy::mutable_key_type)]
fn find_general(xs: &[K], targets: &[K]) -> Vec<i64> {
    let n = xs.len() as i64;
    if xs.len() <= 8 {
        return targets
            .iter()
            .map(|t| xs.iter().position(|a| a == t).map_or(n, |p| p as i64))
            .collect();
    }
    let mut map: FxHashMap<HK, i64> = FxHashMap::default();
    for (i, a) in xs.iter().enumerate().rev() {
        map.insert(HK(a), i as i64);
    }
    targets
        .iter()
        .map(|t| map.get(&HK(t)).copied().unwrap_or(n))
        .collect()
}

fn long_result(v: Vec<i64>, atom: bool) -> K {
    match (atom, v.first()) {
        (true, Some(&p)) => K::long(p),
        _ => K::longs(v),
    }
}

/// How deeply a value nests lists: 0 for atoms (and dictionaries, tables, functions,
/// which a general list holds as single items), 1 for simple lists, and one more than its
/// first item for a general list.
fn depth(k: &K) -> usize {
    match k {
        K::Vector(_) | K::Enum(_) => 1,
        K::List(l) => 1 + l.items.first().map_or(0, depth),
        _ => 0,
    }
}

/// `x?y` for a general list `x`. Find is rank-sensitive: it looks for objects as deep as
/// `x`'s first item, so a deeper `y` is searched item by item, one as deep is matched
/// whole, and a shallower one is never found.
fn find_in_general(xs: &[K], y: &K) -> QResult {
    if matches!(y, K::List(m) if m.items.is_empty()) {
        return Ok(K::longs(vec![]));
    }
    let want = xs.first().map_or(0, depth);
    let have = depth(y);
    if have == want {
        return Ok(K::long(find_general(xs, std::slice::from_ref(y))[0]));
    }
    if have < want {
        return Ok(K::long(xs.len() as i64));
    }
    match y {
        K::List(m) => map_items(&m.items, |t| find_in_general(xs, t)),
        _ => Ok(K::longs(find_general(xs, &items(y)))),
    }
}

/// `x?y`: the index of the first occurrence of `y` (or of each item of `y`) in `x`, and
/// `count x` where absent.
pub fn find(x: &K, y: &K) -> QResult {
    match x {
        K::Vector(v) => find_in_vector(v, y),
        K::Enum(e) => match y {
            K::EnumAtom(d, i) if *d == e.domain => Ok(K::long(find_typed(&e.idx, &[*i])[0])),
            K::Enum(f) if f.domain == e.domain => Ok(K::longs(find_typed(&e.idx, &f.idx))),
            K::List(l) => map_items(&l.items, |t| find(x, t)),
            // Comparing with plain symbols needs the enumeration's domain.
            K::Atom(_) | K::Vector(_) => Err(QError::nyi()),
            _ => Err(QError::type_()),
        },
        K::List(l) => find_in_general(&l.items, y),
        K::Dict(d) if keyed(x).is_none() => {
            let pos = find(&d.vals, y)?;
            index(&d.keys, &pos)
        }
        K::Table(t) => find_rows(t, y),
        // Roll and deal (`n?x`) belong to the random family.
        K::Atom(_) => Err(QError::nyi()),
        _ => Err(QError::type_()),
    }
}

fn map_items(ts: &[K], f: impl Fn(&K) -> QResult) -> QResult {
    Ok(from_items(ts.iter().map(f).collect::<QResult<Vec<K>>>()?))
}

fn find_in_vector(v: &Vector, y: &K) -> QResult {
    match y {
        K::Atom(a) if a.ty == v.ty => {
            let r = dispatch!(&v.data, s => find_typed(s, &[scalar_as(s, a.v)?]));
            Ok(long_result(r, true))
        }
        K::Vector(w) if w.ty == v.ty => {
            let r =
                dispatch2!(&v.data, &w.data, a, b => find_typed(a, b), return Err(QError::type_()));
            Ok(K::longs(r))
        }
        K::List(l) if l.items.is_empty() => Ok(K::longs(vec![])),
        K::List(l) => {
            if l.items.first().is_some_and(|f| f.is_atom()) {
                return Err(QError::type_());
            }
            map_items(&l.items, |t| find_in_vector(v, t))
        }
        _ => Err(QError::type_()),
    }
}

/// A scalar as the slice's item type (the caller checked the q types agree).
fn scalar_as<T: Elem>(_: &[T], s: Scalar) -> QResult<T> {
    T::from_scalar(s).ok_or_else(QError::type_)
}

/// `t?row`, `t?rows`: row indices of a table, found by numbering the rows of both.
fn find_rows(t: &Table, y: &K) -> QResult {
    let (probe, atom) = match y {
        K::Table(u) => (align_table(t, u)?, false),
        K::Dict(d) => {
            let names = match &d.keys {
                K::Vector(v) if v.ty == Ty::Sym => items(&d.keys),
                _ => return Err(QError::type_()),
            };
            if names.len() != t.names.len() {
                return Err(QError::length());
            }
            let cols = t
                .names
                .iter()
                .map(|n| index(y, &K::sym(*n)).map(|v| enlist_item(&v)))
                .collect::<QResult<Vec<K>>>()?;
            (K::table(t.names.as_ref().clone(), cols), true)
        }
        K::List(_) | K::Vector(_) => {
            let its = items(y);
            if its.len() != t.names.len() {
                return Err(QError::length());
            }
            let cols = its.iter().map(enlist_item).collect();
            (K::table(t.names.as_ref().clone(), cols), true)
        }
        _ => return Err(QError::type_()),
    };
    let n = t.rows();
    let both = super::shape::join(&K::Table(std::sync::Arc::new(t.clone())), &probe)?;
    let id = ids(&both)?;
    let mut first: Vec<i64> = vec![n as i64; id.firsts.len()];
    for (i, &g) in id.ids[..n].iter().enumerate().rev() {
        first[g as usize] = i as i64;
    }
    let r: Vec<i64> = id.ids[n..].iter().map(|&g| first[g as usize]).collect();
    Ok(long_result(r, atom))
}

/// The columns of `u` in the order of `t`'s names (`'mismatch` if the names differ).
fn align_table(t: &Table, u: &Table) -> QResult {
    if t.names.len() != u.names.len() {
        return Err(QError::mismatch());
    }
    let cols = t
        .names
        .iter()
        .map(|n| u.col(*n).cloned().ok_or_else(QError::mismatch))
        .collect::<QResult<Vec<K>>>()?;
    Ok(K::table(t.names.as_ref().clone(), cols))
}

// ---------------------------------------------------------------------------------------
// Membership

fn member_typed<T: Elem>(x: &[T], y: &[T]) -> Vec<bool> {
    if y.len() <= 8 {
        let keys: Vec<T::H> = y.iter().map(|b| b.hkey()).collect();
        return x.iter().map(|a| keys.contains(&a.hkey())).collect();
    }
    if let (Some(xb), Some(yb)) = (T::bytes(x), T::bytes(y)) {
        let mut table = [false; 256];
        for &b in yb {
            table[b as usize] = true;
        }
        return xb.iter().map(|&b| table[b as usize]).collect();
    }
    let set: FxHashSet<T::H> = y.iter().map(|b| b.hkey()).collect();
    let filter = KeyFilter::new(set.iter());
    x.iter()
        .map(|a| {
            let k = a.hkey();
            filter.may_hold(&k) && set.contains(&k)
        })
        .collect()
}

/// A one-hash Bloom filter over a small set of keys, 16 bits per key (at most 4M bits), so
/// that the many items of a long `x in y` that are not in `y` are answered by one load from a
/// table that stays in cache, before any probe of the hash set (`sym in S` over a column).
struct KeyFilter {
    bits: Vec<u64>,
    shift: u32,
}

impl KeyFilter {
    fn new<'a, H: Hash + 'a>(keys: impl ExactSizeIterator<Item = &'a H>) -> KeyFilter {
        let nbits = (keys.len().saturating_mul(16))
            .next_power_of_two()
            .clamp(1 << 10, 1 << 22);
        let mut f = KeyFilter {
            bits: vec![0; nbits / 64],
            shift: 64 - nbits.trailing_zeros(),
        };
        for k in keys {
            let b = f.bit(k);
            f.bits[b >> 6] |= 1 << (b & 63);
        }
        f
    }

    /// The key's bit: the top bits of its multiplicative hash, below `nbits`.
    #[inline]
    fn bit<H: Hash>(&self, k: &H) -> usize {
        let mut h = qipc::sym::FxHasher::default();
        k.hash(&mut h);
        (h.finish().wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// False only when the key is certainly not in the set.
    #[inline]
    fn may_hold<H: Hash>(&self, k: &H) -> bool {
        let b = self.bit(k);
        // `b < nbits` because the shift leaves log2(nbits) bits.
        self.bits
            .get(b >> 6)
            .is_some_and(|w| w >> (b & 63) & 1 == 1)
    }
}

/// For each item (row) of list `x`, whether it is an item of list `y`.
// A lambda's compile cache is interior-mutable, but hashing and equality never read it.
#[allow(clippy::mutable_key_type)]
fn member_mask(x: &K, y: &K) -> QResult<Vec<bool>> {
    if y.is_empty() {
        return Ok(vec![false; x.len()]);
    }
    match (x, y) {
        (K::Vector(a), K::Vector(b)) if a.ty == b.ty => Ok(dispatch2!(
            &a.data, &b.data, p, q => member_typed(p, q), return Err(QError::type_())
        )),
        (K::Vector(_), K::Vector(_)) => Err(QError::type_()),
        (K::Enum(a), K::Enum(b)) if a.domain == b.domain => Ok(member_typed(&a.idx, &b.idx)),
        (K::Table(_), K::Table(u)) => {
            let n = x.len();
            let K::Table(t) = x else {
                return Err(QError::type_());
            };
            let both = super::shape::join(x, &align_table(t, u)?)?;
            let id = ids(&both)?;
            let mut seen = vec![false; id.firsts.len()];
            for &g in &id.ids[n..] {
                seen[g as usize] = true;
            }
            Ok(id.ids[..n].iter().map(|&g| seen[g as usize]).collect())
        }
        _ => {
            let xs = items(x);
            let ys = items(y);
            let set: FxHashSet<HK> = ys.iter().map(HK).collect();
            Ok(xs.iter().map(|a| set.contains(&HK(a))).collect())
        }
    }
}

fn bools_result(v: Vec<bool>, atom: bool) -> K {
    match (atom, v.first()) {
        (true, Some(&b)) => K::bool(b),
        _ => K::bools(v),
    }
}

/// `x in y`: whether `x` (atomically, when `y` is simple) is an item of `y`.
pub fn in_(x: &K, y: &K) -> QResult {
    match y {
        K::List(l) => Ok(in_general(x, &l.items)),
        K::Dict(d) => in_(x, &d.vals),
        K::Table(_) => match x {
            K::Table(_) => Ok(K::bools(member_mask(x, y)?)),
            K::Dict(_) => {
                let row = super::shape::enlist(x)?;
                let mask = member_mask(&row, y)?;
                Ok(K::bool(mask.first().copied().unwrap_or(false)))
            }
            _ => Err(QError::type_()),
        },
        K::Atom(_) | K::Vector(_) | K::Enum(_) | K::EnumAtom(..) => in_simple(x, &as_list(y)),
        _ => Err(QError::type_()),
    }
}

/// `x in y` for a general list `y`. Like Find, the search is rank-sensitive through `y`'s
/// first item: when that is a list, `x` is looked for whole among `y`'s items (an atom `x`
/// can never be one, so `3 in (1 2;3)` is `0b`); when it is an atom (or `y` is empty), the
/// test is left-atomic, each atom of `x` looked for among `y`'s items.
fn in_general(x: &K, ys: &[K]) -> K {
    if ys.first().is_some_and(|f| !f.is_atom()) {
        return K::bool(!x.is_atom() && ys.iter().any(|i| i == x));
    }
    in_atoms(x, ys)
}

fn in_atoms(x: &K, ys: &[K]) -> K {
    match x {
        K::List(l) => from_items(l.items.iter().map(|i| in_atoms(i, ys)).collect()),
        K::Vector(_) | K::Enum(_) => {
            K::bools(items(x).iter().map(|a| ys.iter().any(|i| i == a)).collect())
        }
        _ => K::bool(ys.iter().any(|i| i == x)),
    }
}

fn in_simple(x: &K, y: &K) -> QResult {
    match x {
        K::Atom(a) => {
            if let K::Vector(v) = y {
                if v.ty != a.ty {
                    return numeric_in(x, y);
                }
            }
            Ok(bools_result(member_mask(&as_list(x), y)?, true))
        }
        K::EnumAtom(..) => Ok(bools_result(member_mask(&as_list(x), y)?, true)),
        K::Vector(v) => match y {
            K::Vector(w) if w.ty != v.ty => numeric_in(x, y),
            _ => Ok(K::bools(member_mask(x, y)?)),
        },
        K::Enum(_) => Ok(K::bools(member_mask(x, y)?)),
        K::List(l) => map_items(&l.items, |i| in_simple(i, y)),
        _ => Err(QError::type_()),
    }
}

/// q's allowance for mixed numeric types when `y` has a single item (`1 2. in 2`).
fn numeric_in(x: &K, y: &K) -> QResult {
    if y.len() != 1 {
        return Err(QError::type_());
    }
    let target = num_f64(&items(y)[0]).ok_or_else(QError::type_)?;
    match x {
        K::Atom(_) => Ok(K::bool(num_f64(x).ok_or_else(QError::type_)? == target)),
        _ => Ok(K::bools(
            items(x)
                .iter()
                .map(|i| num_f64(i).map(|v| v == target).ok_or_else(QError::type_))
                .collect::<QResult<Vec<bool>>>()?,
        )),
    }
}

fn num_f64(k: &K) -> Option<f64> {
    match k {
        K::Atom(a) if !matches!(a.ty, Ty::Char | Ty::Sym | Ty::Guid) => Some(match a.v {
            Scalar::U8(x) => x as f64,
            Scalar::I16(x) => x as f64,
            Scalar::I32(x) => x as f64,
            Scalar::I64(x) => x as f64,
            Scalar::F32(x) => x as f64,
            Scalar::F64(x) => x,
            _ => return None,
        }),
        _ => None,
    }
}

/// `x except y`: the items of `x` that are not items of `y`.
pub fn except(x: &K, y: &K) -> QResult {
    let xl = as_list(x);
    if matches!(xl, K::Dict(_)) {
        return Err(QError::type_());
    }
    let yl = match (&xl, y) {
        (K::List(_), K::Atom(_) | K::EnumAtom(..)) => K::list(vec![y.clone()]),
        _ => as_list(y),
    };
    let mask = member_mask(&xl, &yl)?;
    let keep: Vec<usize> = (0..mask.len()).filter(|&i| !mask[i]).collect();
    rows(&xl, &keep)
}

/// `x inter y`: the items of `x` that are items of `y` (dictionaries: their values).
pub fn inter(x: &K, y: &K) -> QResult {
    let (x, y) = match (x, y) {
        (K::Dict(a), K::Dict(b)) if keyed(x).is_none() => (a.vals.clone(), b.vals.clone()),
        _ => (as_list(x), as_list(y)),
    };
    let mask = member_mask(&x, &y)?;
    let keep: Vec<usize> = (0..mask.len()).filter(|&i| mask[i]).collect();
    rows(&x, &keep)
}

/// `x union y`: `distinct x,y`.
pub fn union(x: &K, y: &K) -> QResult {
    distinct(&super::shape::join(&as_list(x), &as_list(y))?)
}

/// `distinct x`: the unique items (rows) of `x` in order of first occurrence.
pub fn distinct(x: &K) -> QResult {
    match x {
        K::Dict(d) if keyed(x).is_none() => distinct(&d.vals),
        _ if x.attr() == Attr::Unique => Ok(x.clone()),
        _ if is_listlike(x) => {
            let id = ids(x)?;
            rows(x, &id.firsts)
        }
        _ => Err(QError::type_()),
    }
}

/// `group x`: a dictionary from the distinct items of `x` to the indices where each occurs.
pub fn group(x: &K) -> QResult {
    if let K::Dict(d) = x {
        if keyed(x).is_none() {
            let g = group(&d.vals)?;
            let K::Dict(gd) = &g else {
                return Err(QError::type_());
            };
            let K::List(l) = &gd.vals else {
                return Err(QError::type_());
            };
            let vals = l
                .items
                .iter()
                .map(|i| index(&d.keys, i))
                .collect::<QResult<Vec<K>>>()?;
            return Ok(K::dict(gd.keys.clone(), K::list(vals)));
        }
    }
    if !is_listlike(x) {
        return Err(QError::type_());
    }
    let id = ids(x)?;
    let mut buckets: Vec<Vec<i64>> = vec![Vec::new(); id.firsts.len()];
    for (i, &g) in id.ids.iter().enumerate() {
        buckets[g as usize].push(i as i64);
    }
    let keys = rows(x, &id.firsts)?;
    Ok(K::dict(
        keys,
        K::list(buckets.into_iter().map(K::longs).collect()),
    ))
}

/// `differ x`: whether each item differs from the one before (the first always does).
pub fn differ(x: &K) -> QResult {
    let n = x.len();
    let r: Vec<bool> = match x {
        // differ is `not ~':`, so floats compare within tolerance.
        K::Vector(v) => match &v.data {
            Data::F64(s) => atomic::differ_floats(s),
            Data::F32(s) => atomic::differ_floats(&s.iter().map(|&f| f as f64).collect::<Vec<_>>()),
            _ => dispatch!(&v.data, s => differ_typed(s)),
        },
        K::Enum(e) => differ_typed(&e.idx),
        K::List(l) => (0..n)
            .map(|i| i == 0 || !atomic::matches(&l.items[i], &l.items[i - 1]))
            .collect(),
        K::Table(_) => {
            let id = ids(x)?;
            (0..n)
                .map(|i| i == 0 || id.ids[i] != id.ids[i - 1])
                .collect()
        }
        _ => return Err(QError::type_()),
    };
    Ok(K::bools(r))
}

fn differ_typed<T: Elem>(s: &[T]) -> Vec<bool> {
    let mut r = Vec::with_capacity(s.len());
    if let Some(f) = s.first() {
        r.push(true);
        let mut prev = f.hkey();
        for x in &s[1..] {
            let k = x.hkey();
            r.push(k != prev);
            prev = k;
        }
    }
    r
}

// ---------------------------------------------------------------------------------------
// Ranges and binary search

/// `x within (lo;hi)`: whether each item of `x` lies in the inclusive range.
pub fn within(x: &K, y: &K) -> QResult {
    if y.len() != 2 || !matches!(y, K::Vector(_) | K::List(_)) {
        return Err(QError::length());
    }
    let (lo, hi) = match y {
        K::List(l) => (l.items[0].clone(), l.items[1].clone()),
        _ => (index(y, &K::long(0))?, index(y, &K::long(1))?),
    };
    within3(x, &lo, &hi)
}

fn within3(x: &K, lo: &K, hi: &K) -> QResult {
    let pick = |k: &K, i: usize, n: usize| -> QResult<K> {
        if is_listlike(k) {
            if k.len() != n {
                return Err(QError::length());
            }
            Ok(crate::lang::value::item(k, i).unwrap_or(K::NULL))
        } else {
            Ok(k.clone())
        }
    };
    if let K::List(l) = x {
        let n = l.items.len();
        let r = l
            .items
            .iter()
            .enumerate()
            .map(|(i, xi)| within3(xi, &pick(lo, i, n)?, &pick(hi, i, n)?))
            .collect::<QResult<Vec<K>>>()?;
        return Ok(from_items(r));
    }
    if matches!(lo, K::List(_)) || matches!(hi, K::List(_)) {
        let n = x.len();
        let lo_l = matches!(lo, K::List(_));
        let m = if lo_l { lo.len() } else { hi.len() };
        if is_listlike(x) && m != n {
            return Err(QError::length());
        }
        let r = (0..m)
            .map(|i| {
                let xi = if is_listlike(x) {
                    crate::lang::value::item(x, i).unwrap_or(K::NULL)
                } else {
                    x.clone()
                };
                within3(&xi, &pick(lo, i, m)?, &pick(hi, i, m)?)
            })
            .collect::<QResult<Vec<K>>>()?;
        return Ok(from_items(r));
    }
    let a = le(lo, x)?;
    let b = le(x, hi)?;
    let atom = !is_listlike(x) && !is_listlike(lo) && !is_listlike(hi);
    let r: Vec<bool> = a.iter().zip(b.iter()).map(|(p, q)| *p && *q).collect();
    Ok(bools_result(r, atom))
}

/// `a<=b` item by item in q's order, atoms extended (simple values only).
fn le(a: &K, b: &K) -> QResult<Vec<bool>> {
    let (ta, tb) = (simple_ty(a)?, simple_ty(b)?);
    let (la, lb) = (as_list(a), as_list(b));
    let (na, nb) = (la.len(), lb.len());
    let a_atom = !is_listlike(a);
    let b_atom = !is_listlike(b);
    if !a_atom && !b_atom && na != nb {
        return Err(QError::length());
    }
    if ta == tb || ta.storage() == tb.storage() && ta.is_temporal() == tb.is_temporal() {
        let (K::Vector(va), K::Vector(vb)) = (&la, &lb) else {
            return Err(QError::type_());
        };
        return Ok(
            dispatch2!(&va.data, &vb.data, p, q => le_typed(p, q), return Err(QError::type_())),
        );
    }
    let fa = floats(&la)?;
    let fb = floats(&lb)?;
    let n = match (a_atom, b_atom) {
        (true, true) => 1,
        (true, false) => nb,
        _ => na,
    };
    Ok((0..n)
        .map(|i| {
            let x = fa[if a_atom { 0 } else { i }];
            let y = fb[if b_atom { 0 } else { i }];
            super::elem::f64_okey(x) <= super::elem::f64_okey(y)
        })
        .collect())
}

fn le_typed<T: Elem>(a: &[T], b: &[T]) -> Vec<bool> {
    match (a.len(), b.len()) {
        (1, n) if n != 1 => {
            let k = a[0].okey();
            b.iter().map(|y| k <= y.okey()).collect()
        }
        (n, 1) if n != 1 => {
            let k = b[0].okey();
            a.iter().map(|x| x.okey() <= k).collect()
        }
        _ => a.iter().zip(b).map(|(x, y)| x.okey() <= y.okey()).collect(),
    }
}

fn simple_ty(k: &K) -> QResult<Ty> {
    match k {
        K::Atom(a) => Ok(a.ty),
        K::Vector(v) => Ok(v.ty),
        _ => Err(QError::type_()),
    }
}

/// Numeric items as f64 for mixed-type comparison (integer nulls become NaN).
fn floats(k: &K) -> QResult<Vec<f64>> {
    let K::Vector(v) = k else {
        return Err(QError::type_());
    };
    if matches!(v.ty, Ty::Sym | Ty::Guid | Ty::Char) {
        return Err(QError::type_());
    }
    Ok(match &v.data {
        Data::U8(s) => s.iter().map(|&x| x as f64).collect(),
        Data::I16(s) => nulls_nan(s, qipc::null::H, |x| x as f64),
        Data::I32(s) => nulls_nan(s, qipc::null::I, |x| x as f64),
        Data::I64(s) => nulls_nan(s, qipc::null::J, |x| x as f64),
        Data::F32(s) => s.iter().map(|&x| x as f64).collect(),
        Data::F64(s) => s.as_ref().clone(),
        _ => return Err(QError::type_()),
    })
}

/// Integers as floats, their null as NaN (the float null).
fn nulls_nan<T: Copy + PartialEq>(s: &[T], null: T, f: impl Fn(T) -> f64) -> Vec<f64> {
    s.iter()
        .map(|&x| if x == null { f64::NAN } else { f(x) })
        .collect()
}

/// `x bin y`: the index of the last item of sorted `x` not greater than `y` (-1 if none).
pub fn bin(x: &K, y: &K) -> QResult {
    binary_search(x, y, false)
}

/// `x binr y`: the index of the first item of sorted `x` not less than `y`.
pub fn binr(x: &K, y: &K) -> QResult {
    binary_search(x, y, true)
}

fn bin_typed<T: Elem>(x: &[T], y: &[T], right: bool) -> Vec<i64> {
    y.iter()
        .map(|b| {
            let k = b.okey();
            if right {
                x.partition_point(|a| a.okey() < k) as i64
            } else {
                x.partition_point(|a| a.okey() <= k) as i64 - 1
            }
        })
        .collect()
}

fn binary_search(x: &K, y: &K, right: bool) -> QResult {
    match x {
        K::Vector(v) => match y {
            K::Atom(a) if a.ty == v.ty => {
                let yl = as_list(y);
                let K::Vector(w) = &yl else {
                    return Err(QError::type_());
                };
                let r = dispatch2!(&v.data, &w.data, p, q => bin_typed(p, q, right), return Err(QError::type_()));
                Ok(long_result(r, true))
            }
            K::Vector(w) if w.ty == v.ty => {
                let r = dispatch2!(&v.data, &w.data, p, q => bin_typed(p, q, right), return Err(QError::type_()));
                Ok(K::longs(r))
            }
            K::List(l) => map_items(&l.items, |t| binary_search(x, t, right)),
            _ => Err(QError::type_()),
        },
        K::List(l) => {
            let xs = &l.items;
            let one = |t: &K| -> i64 {
                if right {
                    xs.partition_point(|a| cmp_k(a, t) == Ordering::Less) as i64
                } else {
                    xs.partition_point(|a| cmp_k(a, t) != Ordering::Greater) as i64 - 1
                }
            };
            let map_y = xs.first().is_none_or(|f| f.is_atom()) && is_listlike(y)
                || matches!(y, K::List(m) if m.items.first().is_some_and(|f| !f.is_atom()));
            if map_y {
                let r: Vec<i64> = items(y).iter().map(one).collect();
                Ok(K::longs(r))
            } else {
                Ok(K::long(one(y)))
            }
        }
        K::Dict(d) if keyed(x).is_none() => {
            let pos = binary_search(&d.vals, y, right)?;
            let (p, atom) = super::ints(&pos).ok_or_else(QError::type_)?;
            let r = rows_or_null(&d.keys, &p)?;
            if atom {
                index(&r, &K::long(0))
            } else {
                Ok(r)
            }
        }
        K::Table(t) => bin_table(t, y, right),
        K::Dict(_) => {
            let Some((kt, vt)) = keyed(x) else {
                return Err(QError::type_());
            };
            let pos = bin_table(vt, y, right)?;
            let (p, atom) = super::ints(&pos).ok_or_else(QError::type_)?;
            let r = rows_or_null(&K::Table(kt.clone()), &p)?;
            if atom {
                index(&r, &K::long(0))
            } else {
                Ok(r)
            }
        }
        K::Enum(_) => Err(QError::nyi()),
        _ => Err(QError::type_()),
    }
}

/// `t bin u` on tables: rows of `u` are matched exactly on every column but the last
/// (q's equijoin on the leading columns) and binary-searched on the last, within the rows
/// of `t` that share the leading values (those are taken to be sorted on the last column).
/// A dictionary `u` is one row and gives an atom.
fn bin_table(t: &Table, y: &K, right: bool) -> QResult {
    let (probe, atom) = match y {
        K::Table(u) => (align_table(t, u)?, false),
        K::Dict(_) => {
            let row = super::shape::enlist(y)?;
            let K::Table(u) = &row else {
                return Err(QError::type_());
            };
            (align_table(t, u)?, true)
        }
        _ => return Err(QError::type_()),
    };
    let K::Table(u) = &probe else {
        return Err(QError::type_());
    };
    let (nx, ny) = (t.rows(), u.rows());
    let (Some(last_x), Some(last_y)) = (t.cols.last(), u.cols.last()) else {
        return Err(QError::length());
    };
    let lead = t.cols.len() - 1;
    // Group numbers over the leading columns of both tables together.
    let groups: Vec<u32> = if lead == 0 {
        vec![0; nx + ny]
    } else {
        let both = super::shape::join(
            &K::table(t.names[..lead].to_vec(), t.cols[..lead].to_vec()),
            &K::table(u.names[..lead].to_vec(), u.cols[..lead].to_vec()),
        )?;
        ids(&both)?.ids
    };
    let ngroups = groups.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); ngroups];
    for (r, &g) in groups[..nx].iter().enumerate() {
        members[g as usize].push(r);
    }
    let order = |r: usize, j: usize| -> QResult<Ordering> {
        Ok(match (last_x, last_y) {
            (K::Vector(a), K::Vector(b)) if a.ty == b.ty => dispatch2!(
                &a.data, &b.data, p, q => p[r].okey().cmp(&q[j].okey()), return Err(QError::type_())
            ),
            _ => {
                let (Some(p), Some(q)) = (
                    crate::lang::value::item(last_x, r),
                    crate::lang::value::item(last_y, j),
                ) else {
                    return Err(QError::type_());
                };
                cmp_k(&p, &q)
            }
        })
    };
    let mut out = Vec::with_capacity(ny);
    for (j, &g) in groups[nx..].iter().enumerate() {
        let rows = &members[g as usize];
        // partition_point over a fallible comparison: find the split by hand.
        let (mut lo, mut hi) = (0, rows.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            let o = order(rows[mid], j)?;
            let before = if right {
                o == Ordering::Less
            } else {
                o != Ordering::Greater
            };
            if before {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        out.push(if right {
            rows.get(lo).map_or(nx as i64, |&r| r as i64)
        } else if lo == 0 {
            -1
        } else {
            rows[lo - 1] as i64
        });
    }
    Ok(long_result(out, atom))
}

/// Positions of `y` (an atom gives one) among dictionary keys: q's dictionary indexing
/// is Find on the keys (`d[x]~v[k?x]`), with its type rules.
pub(crate) fn lookup(keys: &K, y: &K) -> QResult<(Vec<i64>, bool)> {
    let r = find(keys, y)?;
    super::ints(&r).ok_or_else(QError::type_)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    #[test]
    fn find_vectors() {
        let w = j(&[10, -8, 3, 5, -1, 2, 3]);
        assert_eq!(find(&w, &K::long(-8)).unwrap(), K::long(1));
        assert_eq!(find(&w, &K::long(3)).unwrap(), K::long(2));
        assert_eq!(find(&w, &K::long(17)).unwrap(), K::long(7));
        assert_eq!(
            find(&K::string("abcde"), &K::char(b'd')).unwrap(),
            K::long(3)
        );
        // right-atomic over a general list of lists (the docs' example prints 7 for the
        // -8, which contradicts their own `w?-8`; the atom is found like any other)
        let rt = l(vec![j(&[10, 5, -1]), K::long(-8), j(&[3, 17])]);
        assert_eq!(
            find(&w, &rt).unwrap(),
            l(vec![j(&[0, 3, 4]), K::long(1), j(&[2, 7])])
        );
        assert_eq!(
            find(&w, &l(vec![K::long(1), j(&[2])])),
            Err(QError::type_())
        );
        assert_eq!(find(&w, &K::int(3)), Err(QError::type_()));
        // big enough to hash
        let big = K::longs((0..100).rev().collect());
        assert_eq!(find(&big, &j(&[99, 0, 500])).unwrap(), j(&[0, 99, 100]));
        let syms_ = syms("a b c d e f g h i j k");
        assert_eq!(find(&syms_, &syms("k zz a")).unwrap(), j(&[10, 11, 0]));
        let fl = f(&[1.0, f64::NAN, -0.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        assert_eq!(find(&fl, &f(&[f64::NAN, 0.0])).unwrap(), j(&[1, 2]));
    }

    #[test]
    fn find_general_lists() {
        let u = l(vec![
            K::string("abcde"),
            j(&[10, 2, -6]),
            l(vec![j(&[2, 3]), s("ab")]),
        ]);
        assert_eq!(find(&u, &j(&[10, 2, -6])).unwrap(), K::long(1));
        assert_eq!(find(&u, &K::string("abcde")).unwrap(), K::long(0));
        assert_eq!(find(&u, &l(vec![j(&[2, 3]), s("ab")])).unwrap(), j(&[3, 3]));
        let mixed = l(vec![K::long(1), s("a"), K::char(b'c')]);
        assert_eq!(find(&mixed, &s("a")).unwrap(), K::long(1));
        assert_eq!(find(&mixed, &j(&[1, 2])).unwrap(), j(&[0, 3]));
        // rank-sensitive: an atom is never an item of a list of lists
        let lists = l(vec![j(&[1, 2]), K::long(3)]);
        assert_eq!(find(&lists, &K::long(3)).unwrap(), K::long(2));
        assert_eq!(find(&lists, &j(&[1, 2])).unwrap(), K::long(0));
        let strs = l(vec![K::string("ab"), K::string("cd")]);
        assert_eq!(
            find(&strs, &l(vec![K::string("cd"), K::string("x")])).unwrap(),
            j(&[1, 2])
        );
        assert_eq!(find(&strs, &l(vec![])).unwrap(), j(&[]));
    }

    #[test]
    fn find_dict_and_table() {
        let d = K::dict(syms("a b c"), j(&[1, 2, 3]));
        assert_eq!(find(&d, &K::long(2)).unwrap(), s("b"));
        assert_eq!(find(&d, &K::long(9)).unwrap(), s(""));
        let t = table("a b", vec![j(&[1, 2, 3]), syms("x y z")]);
        assert_eq!(find(&t, &l(vec![K::long(2), s("y")])).unwrap(), K::long(1));
        assert_eq!(find(&t, &l(vec![K::long(2), s("q")])).unwrap(), K::long(3));
        let row = K::dict(syms("a b"), l(vec![K::long(3), s("z")]));
        assert_eq!(find(&t, &row).unwrap(), K::long(2));
        let probe = table("b a", vec![syms("z q"), j(&[3, 1])]);
        assert_eq!(find(&t, &probe).unwrap(), j(&[2, 3]));
    }

    #[test]
    fn in_cases() {
        assert_eq!(
            in_(&K::char(b'x'), &K::string("acdexyz")).unwrap(),
            K::bool(true)
        );
        assert_eq!(in_(&K::char(b'x'), &K::char(b'a')).unwrap(), K::bool(false));
        assert_eq!(
            in_(&K::string("wx"), &K::string("acdexyz")).unwrap(),
            K::bools(vec![false, true])
        );
        assert_eq!(
            in_(
                &K::string("wx"),
                &l(vec![
                    K::string("acdexyz"),
                    K::string("abcd"),
                    K::string("wx")
                ])
            )
            .unwrap(),
            K::bool(true)
        );
        assert_eq!(
            in_(&j(&[1, 3, 7, 6, 4]), &j(&[5, 4, 1, 6])).unwrap(),
            K::bools(vec![true, false, false, true, true])
        );
        assert_eq!(
            in_(
                &j(&[1, 2]),
                &l(vec![K::long(9), l(vec![j(&[1, 2]), j(&[3, 4])])])
            )
            .unwrap(),
            K::bools(vec![false, false])
        );
        assert_eq!(
            in_(
                &j(&[1, 2]),
                &l(vec![l(vec![j(&[1, 2]), j(&[3, 4])]), K::long(9)])
            )
            .unwrap(),
            K::bool(false)
        );
        assert_eq!(
            in_(&j(&[1, 9]), &l(vec![K::long(9), j(&[1, 2])])).unwrap(),
            K::bools(vec![false, true])
        );
        assert_eq!(
            in_(&j(&[1, 2]), &l(vec![j(&[1, 2]), K::long(9)])).unwrap(),
            K::bool(true)
        );
        assert_eq!(
            in_(
                &l(vec![j(&[1, 2]), j(&[3, 4])]),
                &l(vec![l(vec![j(&[1, 2]), j(&[3, 4])]), K::long(9)])
            )
            .unwrap(),
            K::bool(true)
        );
        assert_eq!(
            in_(&K::long(3), &l(vec![j(&[1, 2]), K::long(3)])).unwrap(),
            K::bool(false)
        );
        assert_eq!(
            in_(&K::long(3), &l(vec![K::long(3), j(&[1, 2])])).unwrap(),
            K::bool(true)
        );
        assert_eq!(
            in_(&f(&[1.0, 2.0]), &K::long(2)).unwrap(),
            K::bools(vec![false, true])
        );
        assert_eq!(in_(&f(&[1.0, 2.0]), &j(&[])), Err(QError::type_()));
        let t = table("g i", vec![j(&[1, 2, 1]), j(&[2, 2, 2])]);
        let u = table("g i", vec![j(&[1]), j(&[2])]);
        assert_eq!(in_(&t, &u).unwrap(), K::bools(vec![true, false, true]));
        let row = K::dict(syms("g i"), j(&[2, 2]));
        assert_eq!(in_(&row, &t).unwrap(), K::bool(true));
        let lists = l(vec![j(&[1, 1, 1, 2]), j(&[2, 3, 4]), j(&[1, 2, 3])]);
        assert_eq!(in_(&j(&[1, 1, 1, 2]), &lists).unwrap(), K::bool(true));
        assert_eq!(in_(&f(&[1.0, 2.0]), &j(&[2, 2])), Err(QError::type_()));
        // nested x against a simple y
        let x = l(vec![
            K::string("abc"),
            l(vec![K::string("def"), K::string("ghi")]),
            K::string("jkl"),
        ]);
        let r = in_(&x, &K::string("bed")).unwrap();
        assert_eq!(
            r,
            l(vec![
                K::bools(vec![false, true, false]),
                l(vec![
                    K::bools(vec![true, true, false]),
                    K::bools(vec![false; 3])
                ]),
                K::bools(vec![false; 3])
            ])
        );
    }

    #[test]
    fn in_large_sets_through_the_filter() {
        // More than eight keys go through the hash set and its Bloom filter: every answer
        // must equal a plain scan, for symbols, longs and floats (NaN is one null, -0 is 0).
        let names: Vec<String> = (0..3000).map(|i| format!("s{i}")).collect();
        let col: Vec<&str> = (0..20_000)
            .map(|i| names[(i * 7919) % 3000].as_str())
            .collect();
        for set_size in [9usize, 10, 64, 1000, 2999] {
            let set: Vec<&str> = (0..set_size)
                .map(|i| names[(i * 13) % 3000].as_str())
                .collect();
            let want: Vec<bool> = col.iter().map(|c| set.contains(c)).collect();
            let r = in_(&K::syms(col.clone()), &K::syms(set.clone())).unwrap();
            assert_eq!(r, K::bools(want), "{set_size} symbols");
        }
        let xs: Vec<i64> = (0..50_000)
            .map(|i| (i * 2_654_435_761) % 100_003 - 50_000)
            .collect();
        let ys: Vec<i64> = (0..500).map(|i| i * 97 - 20_000).collect();
        let want: Vec<bool> = xs.iter().map(|x| ys.contains(x)).collect();
        assert_eq!(in_(&j(&xs), &j(&ys)).unwrap(), K::bools(want));
        let fy = f(&[f64::NAN, 0.0, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5]);
        let fx = f(&[-0.0, f64::NAN, 1.5, 1.25, 8.5, 9.0, f64::INFINITY]);
        assert_eq!(
            in_(&fx, &fy).unwrap(),
            K::bools(vec![true, true, true, false, true, false, false])
        );
    }

    #[test]
    fn within_cases() {
        assert_eq!(
            within(&j(&[1, 3, 10, 6, 4]), &j(&[2, 6])).unwrap(),
            K::bools(vec![false, true, false, true, true])
        );
        assert_eq!(
            within(&K::string("acyxmpu"), &K::string("br")).unwrap(),
            K::bools(vec![false, true, false, false, true, true, false])
        );
        assert_eq!(
            within(&K::long(5), &l(vec![j(&[1, 2, 6]), j(&[3, 5, 7])])).unwrap(),
            K::bools(vec![false, true, false])
        );
        assert_eq!(
            within(&j(&[2, 5, 6]), &l(vec![j(&[1, 2, 6]), j(&[3, 5, 7])])).unwrap(),
            K::bools(vec![true, true, true])
        );
        let x = l(vec![j(&[1, 3, 10, 6, 4]), K::string("acyxmpu")]);
        let y = l(vec![
            l(vec![K::long(2), K::char(b'b')]),
            l(vec![K::long(6), K::char(b'r')]),
        ]);
        assert_eq!(
            within(&x, &y).unwrap(),
            l(vec![
                K::bools(vec![false, true, false, true, true]),
                K::bools(vec![false, true, false, false, true, true, false])
            ])
        );
        assert_eq!(within(&K::long(3), &j(&[1, 5])).unwrap(), K::bool(true));
        assert_eq!(
            within(&K::long(3), &f(&[1.5, 2.5])).unwrap(),
            K::bool(false)
        );
        assert_eq!(
            within(&j(&[NJ]), &j(&[1, 5])).unwrap(),
            K::bools(vec![false])
        );
        assert_eq!(within(&K::long(3), &j(&[1, 5, 6])), Err(QError::length()));
        assert_eq!(
            within(&j(&[]), &l(vec![K::long(1), K::float(2.0)])).unwrap(),
            K::bools(vec![])
        );
    }

    #[test]
    fn bin_tables() {
        // ref/bin.md: equijoin on the leading columns, bin on the last
        let vals = table(
            "a b c",
            vec![
                syms("p p q q p p q q"),
                j(&[0, 1, 0, 1, 0, 1, 0, 1]),
                j(&[3, 3, 3, 3, 7, 7, 7, 7]),
            ],
        );
        let keys = table("k", vec![syms("c d e f g h j l")]);
        let kt = K::dict(keys, vals.clone());
        let probe = table(
            "a b c",
            vec![syms("p q q r"), j(&[1, 1, 1, 1]), j(&[4, 8, 2, 4])],
        );
        assert_eq!(
            bin(&kt, &probe).unwrap(),
            table("k", vec![K::syms(["d", "l", "", ""])])
        );
        assert_eq!(bin(&vals, &probe).unwrap(), j(&[1, 7, -1, -1]));
        assert_eq!(binr(&vals, &probe).unwrap(), j(&[5, 8, 3, 8]));
        let row = K::dict(syms("c a b"), l(vec![K::long(9), s("q"), K::long(0)]));
        assert_eq!(bin(&vals, &row).unwrap(), K::long(6));
        let one = table("c", vec![j(&[1, 5, 9])]);
        assert_eq!(
            bin(&one, &table("c", vec![j(&[0, 5, 7])])).unwrap(),
            j(&[-1, 1, 1])
        );
        assert_eq!(
            bin(&vals, &table("a", vec![syms("p")])),
            Err(QError::mismatch())
        );
    }

    #[test]
    fn bin_cases() {
        let x = j(&[0, 2, 4, 6, 8, 10]);
        assert_eq!(bin(&x, &K::long(5)).unwrap(), K::long(2));
        assert_eq!(
            bin(&x, &j(&[-10, 0, 4, 5, 6, 20])).unwrap(),
            j(&[-1, 0, 2, 2, 3, 5])
        );
        assert_eq!(
            bin(&j(&[0, 1, 1, 2]), &j(&[0, 1, 2])).unwrap(),
            j(&[0, 2, 3])
        );
        assert_eq!(
            binr(&j(&[0, 1, 1, 2]), &j(&[0, 1, 2])).unwrap(),
            j(&[0, 1, 3])
        );
        let d = K::dict(syms("a b c"), j(&[0, 2, 4]));
        assert_eq!(bin(&d, &j(&[-1, 3])).unwrap(), K::syms(["", "b"]));
        let strs = l(vec![
            K::string("apple"),
            K::string("banana"),
            K::string("coffee"),
        ]);
        let probe = l(vec![
            K::string("anise"),
            K::string("berry"),
            K::string("curry"),
        ]);
        assert_eq!(bin(&strs, &probe).unwrap(), j(&[-1, 1, 2]));
        assert_eq!(bin(&x, &K::int(3)), Err(QError::type_()));
    }

    #[test]
    fn set_ops() {
        assert_eq!(except(&j(&[1, 2, 3]), &K::long(2)).unwrap(), j(&[1, 3]));
        assert_eq!(
            except(&j(&[1, 2, 3, 4, 1, 3]), &j(&[2, 3])).unwrap(),
            j(&[1, 4, 1])
        );
        assert_eq!(
            inter(&j(&[1, 3, 4, 2]), &j(&[2, 3, 5, 7, 11])).unwrap(),
            j(&[3, 2])
        );
        assert_eq!(
            inter(&j(&[1, 2, 3, 1, 4]), &j(&[4, 1, 4])).unwrap(),
            j(&[1, 1, 4])
        );
        assert_eq!(
            union(&j(&[1, 2, 3, 3, 6]), &j(&[2, 4, 6, 8])).unwrap(),
            j(&[1, 2, 3, 6, 4, 8])
        );
        let x = K::dict(syms("a b"), l(vec![j(&[1, 2, 3]), syms("x y z")]));
        let y = K::dict(
            syms("a b c"),
            l(vec![j(&[1, 2, 3]), j(&[2, 3, 5]), syms("x y z")]),
        );
        assert_eq!(
            inter(&x, &y).unwrap(),
            l(vec![j(&[1, 2, 3]), syms("x y z")])
        );
        let tx = table("a b", vec![syms("x y z t"), j(&[10, 20, 30, 40])]);
        let ty_ = table("a b", vec![syms("y t x"), j(&[50, 40, 10])]);
        assert_eq!(
            inter(&tx, &ty_).unwrap(),
            table("a b", vec![syms("x t"), j(&[10, 40])])
        );
        let t0 = table("x y", vec![j(&[2, 3, 5]), K::string("abc")]);
        let t1 = table("x y", vec![j(&[2, 4]), K::string("ad")]);
        assert_eq!(
            union(&t0, &t1).unwrap(),
            table("x y", vec![j(&[2, 3, 5, 4]), K::string("abcd")])
        );
    }

    #[test]
    fn distinct_group_differ() {
        assert_eq!(distinct(&j(&[2, 3, 7, 3, 5, 3])).unwrap(), j(&[2, 3, 7, 5]));
        assert_eq!(distinct(&K::long(1)), Err(QError::type_()));
        let t = table(
            "a b c",
            vec![j(&[1, 2, 1]), j(&[2, 3, 2]), K::string("aba")],
        );
        assert_eq!(
            distinct(&t).unwrap(),
            table("a b c", vec![j(&[1, 2]), j(&[2, 3]), K::string("ab")])
        );
        assert_eq!(
            distinct(&f(&[2.0, 2.0000000000001, 2.0])).unwrap(),
            f(&[2.0, 2.0000000000001])
        );
        let g = group(&K::string("mississippi")).unwrap();
        assert_eq!(
            g,
            K::dict(
                K::string("misp"),
                l(vec![
                    j(&[0]),
                    j(&[1, 4, 7, 10]),
                    j(&[2, 3, 5, 6]),
                    j(&[8, 9])
                ])
            )
        );
        let g = group(&syms("a b a")).unwrap();
        assert_eq!(g, K::dict(syms("a b"), l(vec![j(&[0, 2]), j(&[1])])));
        assert_eq!(
            differ(&syms("IBM IBM MSFT CSCO CSCO")).unwrap(),
            K::bools(vec![true, false, true, true, false])
        );
        assert_eq!(
            differ(&l(vec![
                K::long(7),
                s("a"),
                s("a"),
                K::i32_of(Ty::Minute, 574)
            ]))
            .unwrap(),
            K::bools(vec![true, true, false, true])
        );
        assert_eq!(differ(&j(&[])).unwrap(), K::bools(vec![]));
        // basics/precision: differ is tolerant
        assert_eq!(
            differ(&f(&[96.1, 96.1 - 1.4210854715202004e-14, 1.0])).unwrap(),
            K::bools(vec![true, false, true])
        );
        assert_eq!(
            differ(&l(vec![f(&[1.0]), f(&[1.0 + 1e-15]), f(&[2.0])])).unwrap(),
            K::bools(vec![true, false, true])
        );
    }
}
