//! Table functions and joins: `cols keys meta xkey xcol xcols xasc xdesc xgroup ungroup`, the
//! joins `lj ljf ij ijf uj ujf pj ej aj aj0 ajf ajf0 asof wj wj1`, and insert/upsert on table
//! values.
//!
//! This file owns the typed column kernels those need (gather rows, merge, concatenate,
//! factorize key rows into dense group ids, stable grade, as-of search). It does not own
//! general indexing, arithmetic or display, and it never reads or writes globals: the
//! evaluator resolves tables passed by name, applies `wj`'s aggregation functions through the
//! callback it passes in, and writes results back.
//!
//! Semantics follow q's own definitions of these functions: `lj` keeps the left table's rows
//! and replaces common columns from the right (its nulls included, V3 behaviour; the `f`
//! variants fill instead), `aj` takes the last row of the right table whose equality columns
//! match and whose time is <= the left's, `uj` of keyed tables upserts by key.

use super::{Dyad, Monad};
use crate::lang::value::{empty_list, empty_vector, from_items, item, items, null_atom};
use crate::lang::{QError, QResult};
use qipc::{null, Attr, Data, Enum, Guid, Scalar, Storage, Sym, Table, Ty, Vector, K};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

pub const MONADS: &[(&str, Monad)] = &[
    ("attr", super::attr::attr),
    ("cols", cols),
    ("keys", keys),
    ("meta", meta),
    ("ungroup", ungroup),
];

pub const DYADS: &[(&str, Dyad)] = &[
    ("xkey", xkey),
    ("xcol", xcol),
    ("xcols", xcols),
    ("xasc", xasc),
    ("xdesc", xdesc),
    ("xgroup", xgroup),
    ("lj", lj),
    ("ljf", ljf),
    ("ij", ij),
    ("ijf", ijf),
    ("uj", uj),
    ("ujf", ujf),
    ("pj", pj),
    ("asof", asof),
];

/// A three-argument primitive (`aj[c;t1;t2]`).
pub type Triad = fn(&K, &K, &K) -> QResult;

pub const TRIADS: &[(&str, Triad)] = &[
    ("aj", aj),
    ("aj0", aj0),
    ("ajf", ajf),
    ("ajf0", ajf0),
    ("ej", ej),
];

// ------------------------------------------------------------------------------------------
// Typed elements: one trait over the storage classes so each kernel is written once and
// monomorphised per class; dispatch happens once per column via the macros below.

trait Elem: Copy + 'static {
    /// A hashable stand-in with q's equality (floats: nulls equal, -0 = 0).
    type Key: Hash + Eq + Copy;
    fn key(self) -> Self::Key;
    /// q's sort order (nulls first).
    fn cmp_q(&self, other: &Self) -> Ordering;
    fn null_of(ty: Ty) -> Self;
    fn is_null_q(self, ty: Ty) -> bool;
    fn wrap(v: Vec<Self>) -> Data;
    fn slice(d: &Data) -> Option<&[Self]>;
}

macro_rules! int_elem {
    ($t:ty, $var:ident, $null:expr) => {
        impl Elem for $t {
            type Key = $t;
            #[inline]
            fn key(self) -> $t {
                self
            }
            #[inline]
            fn cmp_q(&self, other: &Self) -> Ordering {
                self.cmp(other)
            }
            fn null_of(_: Ty) -> Self {
                $null
            }
            #[inline]
            fn is_null_q(self, _: Ty) -> bool {
                self == $null
            }
            fn wrap(v: Vec<Self>) -> Data {
                Data::$var(Arc::new(v))
            }
            fn slice(d: &Data) -> Option<&[Self]> {
                match d {
                    Data::$var(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}
int_elem!(i16, I16, null::H);
int_elem!(i32, I32, null::I);
int_elem!(i64, I64, null::J);

impl Elem for u8 {
    type Key = u8;
    #[inline]
    fn key(self) -> u8 {
        self
    }
    #[inline]
    fn cmp_q(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
    fn null_of(ty: Ty) -> Self {
        if ty == Ty::Char {
            null::C
        } else {
            0
        }
    }
    #[inline]
    fn is_null_q(self, ty: Ty) -> bool {
        ty == Ty::Char && self == null::C
    }
    fn wrap(v: Vec<Self>) -> Data {
        Data::U8(Arc::new(v))
    }
    fn slice(d: &Data) -> Option<&[Self]> {
        match d {
            Data::U8(v) => Some(v),
            _ => None,
        }
    }
}

impl Elem for Guid {
    type Key = Guid;
    #[inline]
    fn key(self) -> Guid {
        self
    }
    #[inline]
    fn cmp_q(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
    fn null_of(_: Ty) -> Self {
        [0; 16]
    }
    #[inline]
    fn is_null_q(self, _: Ty) -> bool {
        self == [0; 16]
    }
    fn wrap(v: Vec<Self>) -> Data {
        Data::Guid(Arc::new(v))
    }
    fn slice(d: &Data) -> Option<&[Self]> {
        match d {
            Data::Guid(v) => Some(v),
            _ => None,
        }
    }
}

impl Elem for Sym {
    type Key = Sym;
    #[inline]
    fn key(self) -> Sym {
        self
    }
    #[inline]
    fn cmp_q(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
    fn null_of(_: Ty) -> Self {
        Sym::NULL
    }
    #[inline]
    fn is_null_q(self, _: Ty) -> bool {
        self.is_null()
    }
    fn wrap(v: Vec<Self>) -> Data {
        Data::Sym(Arc::new(v))
    }
    fn slice(d: &Data) -> Option<&[Self]> {
        match d {
            Data::Sym(v) => Some(v),
            _ => None,
        }
    }
}

macro_rules! float_elem {
    ($t:ty, $bits:ty, $var:ident, $null:expr) => {
        impl Elem for $t {
            type Key = $bits;
            #[inline]
            fn key(self) -> $bits {
                if self.is_nan() {
                    $null
                } else if self == 0.0 {
                    0
                } else {
                    self.to_bits()
                }
            }
            #[inline]
            fn cmp_q(&self, other: &Self) -> Ordering {
                match (self.is_nan(), other.is_nan()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    _ => self.partial_cmp(other).unwrap_or(Ordering::Equal),
                }
            }
            fn null_of(_: Ty) -> Self {
                <$t>::from_bits($null)
            }
            #[inline]
            fn is_null_q(self, _: Ty) -> bool {
                self.is_nan()
            }
            fn wrap(v: Vec<Self>) -> Data {
                Data::$var(Arc::new(v))
            }
            fn slice(d: &Data) -> Option<&[Self]> {
                match d {
                    Data::$var(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}
float_elem!(f32, u32, F32, null::E_BITS);
float_elem!(f64, u64, F64, null::F_BITS);

/// Run `$e` with `$v` bound to the typed buffer of a `Data`, whatever its class.
macro_rules! each_data {
    ($d:expr, |$v:ident| $e:expr) => {
        match $d {
            Data::U8($v) => $e,
            Data::Guid($v) => $e,
            Data::I16($v) => $e,
            Data::I32($v) => $e,
            Data::I64($v) => $e,
            Data::F32($v) => $e,
            Data::F64($v) => $e,
            Data::Sym($v) => $e,
        }
    };
}

/// Run `$e` on two buffers of the same class, `$f` when the classes differ.
macro_rules! each_data2 {
    ($a:expr, $b:expr, |$x:ident, $y:ident| $e:expr, else $f:expr) => {
        match ($a, $b) {
            (Data::U8($x), Data::U8($y)) => $e,
            (Data::Guid($x), Data::Guid($y)) => $e,
            (Data::I16($x), Data::I16($y)) => $e,
            (Data::I32($x), Data::I32($y)) => $e,
            (Data::I64($x), Data::I64($y)) => $e,
            (Data::F32($x), Data::F32($y)) => $e,
            (Data::F64($x), Data::F64($y)) => $e,
            (Data::Sym($x), Data::Sym($y)) => $e,
            _ => $f,
        }
    };
}

// ------------------------------------------------------------------------------------------
// Column kernels. A column is a simple vector, an enumeration or a general list.

/// Row `i` of a slice, or `null` when `i` is negative or out of range (q's `x 0N`).
#[inline]
fn gather_slice<T: Copy + Send + Sync>(v: &[T], idx: &[i64], null: T) -> Vec<T> {
    super::par::gather_into(v, idx, null)
}

fn gather_data<T: Elem + Send + Sync>(v: &[T], idx: &[i64], ty: Ty) -> Data {
    T::wrap(gather_slice(v, idx, T::null_of(ty)))
}

/// The null a general list yields for a missing index: the empty or null form of its first
/// item (`("ab";"c") 5` is `""`).
fn list_null(items: &[K]) -> K {
    match items.first() {
        Some(K::Atom(a)) => null_atom(a.ty),
        Some(K::Vector(v)) => empty_vector(v.ty),
        Some(K::EnumAtom(d, _)) => K::EnumAtom(*d, null::J),
        Some(K::Enum(e)) => K::Enum(Enum {
            domain: e.domain,
            attr: Attr::None,
            idx: Arc::new(Vec::new()),
        }),
        _ => empty_list(),
    }
}

/// Rows `idx` of a column; negative or out-of-range indices give the column's null.
/// Attributes are not carried over. Public so the evaluator can build `wj` window slices.
pub fn gather(col: &K, idx: &[i64]) -> QResult<K> {
    match col {
        K::Vector(v) => {
            let ty = v.ty;
            Ok(K::vector(
                ty,
                each_data!(&v.data, |d| gather_data(d.as_slice(), idx, ty)),
            ))
        }
        K::Enum(e) => Ok(K::Enum(Enum {
            domain: e.domain,
            attr: Attr::None,
            idx: Arc::new(gather_slice(&e.idx, idx, null::J)),
        })),
        K::List(l) => {
            let proto = list_null(&l.items);
            Ok(K::list(
                idx.iter()
                    .map(|&i| {
                        usize::try_from(i)
                            .ok()
                            .and_then(|i| l.items.get(i))
                            .cloned()
                            .unwrap_or_else(|| proto.clone())
                    })
                    .collect(),
            ))
        }
        _ => Err(QError::type_()),
    }
}

/// Rows `idx` of each column, as [`gather`] (which runs large gathers in parallel).
pub fn gather_columns(cols: &[K], idx: &[i64]) -> QResult<Vec<K>> {
    cols.iter().map(|c| gather(c, idx)).collect()
}

/// `n` nulls of a column's type.
fn nulls_like(col: &K, n: usize) -> QResult<K> {
    gather(col, &vec![-1; n])
}

fn merge_slice<T: Elem>(x: &[T], y: &[T], j: &[i64], fill: bool, ty: Ty) -> Vec<T> {
    x.iter()
        .zip(j)
        .map(
            |(&a, &r)| match usize::try_from(r).ok().and_then(|r| y.get(r)) {
                Some(&b) if !(fill && b.is_null_q(ty)) => b,
                _ => a,
            },
        )
        .collect()
}

fn merge_data<T: Elem>(x: &[T], y: Option<&[T]>, j: &[i64], fill: bool, ty: Ty) -> Data {
    T::wrap(merge_slice(x, y.unwrap_or(&[]), j, fill, ty))
}

fn is_null_k(k: &K) -> bool {
    match k {
        K::Atom(a) => crate::lang::value::atom_is_null(a),
        K::EnumAtom(_, i) => *i == null::J,
        _ => false,
    }
}

/// Row `i` of `x` replaced by row `j[i]` of `y` where `j[i]` is a row (`fill`: and `y`'s value
/// is not null). This is q's amend of the left table by the matched right rows.
fn merge(x: &K, y: &K, j: &[i64], fill: bool) -> QResult<K> {
    match (x, y) {
        (K::Vector(a), K::Vector(b)) if a.ty == b.ty => {
            let ty = a.ty;
            Ok(K::vector(
                ty,
                each_data!(&a.data, |d| merge_data(
                    d.as_slice(),
                    Elem::slice(&b.data),
                    j,
                    fill,
                    ty
                )),
            ))
        }
        (K::Enum(a), K::Enum(b)) if a.domain == b.domain => Ok(K::Enum(Enum {
            domain: a.domain,
            attr: Attr::None,
            idx: Arc::new(merge_slice(&a.idx, &b.idx, j, fill, Ty::Long)),
        })),
        (K::List(a), _) => {
            let mut out: Vec<K> = a.items.as_ref().clone();
            for (slot, &r) in out.iter_mut().zip(j) {
                if let Some(v) = usize::try_from(r).ok().and_then(|r| item(y, r)) {
                    if !(fill && is_null_k(&v)) {
                        *slot = v;
                    }
                }
            }
            Ok(K::list(out))
        }
        _ => Err(QError::type_()),
    }
}

fn append_data(dst: &mut Data, src: &Data) {
    each_data2!(dst, src, |a, b| Arc::make_mut(a).extend_from_slice(b), else {})
}

/// `a,b` for two columns: typed when they agree, a general list otherwise.
fn concat(a: &K, b: &K) -> K {
    match (a, b) {
        (K::Vector(x), K::Vector(y)) if x.ty == y.ty => {
            let mut data = Data::with_capacity(x.ty.storage(), x.len() + y.len());
            append_data(&mut data, &x.data);
            append_data(&mut data, &y.data);
            K::vector(x.ty, data)
        }
        (K::Enum(x), K::Enum(y)) if x.domain == y.domain => {
            let mut idx = Vec::with_capacity(x.idx.len() + y.idx.len());
            idx.extend_from_slice(&x.idx);
            idx.extend_from_slice(&y.idx);
            K::Enum(Enum {
                domain: x.domain,
                attr: Attr::None,
                idx: Arc::new(idx),
            })
        }
        (K::List(l), _) if l.items.is_empty() => b.clone().with_attr(Attr::None),
        (_, K::List(l)) if l.items.is_empty() => a.clone().with_attr(Attr::None),
        _ => {
            let mut v = items(a);
            v.extend(items(b));
            K::list(v)
        }
    }
}

/// Append `new` to `col` in place (no copy when the buffer is not shared). Callers have
/// checked the types; a mismatch degrades to a general list rather than failing.
fn append_in_place(col: &mut K, new: &K) {
    let done = match (&mut *col, new) {
        (K::Vector(a), K::Vector(b)) if a.ty == b.ty => {
            append_data(&mut a.data, &b.data);
            true
        }
        (K::Enum(a), K::Enum(b)) if a.domain == b.domain => {
            Arc::make_mut(&mut a.idx).extend_from_slice(&b.idx);
            true
        }
        (K::List(l), _) if !l.items.is_empty() => {
            Arc::make_mut(&mut l.items).extend(items(new));
            true
        }
        _ => false,
    };
    if !done {
        let c = concat(col, new);
        *col = c;
    }
}

fn scatter_slice<T: Copy>(dst: &mut [T], src: &[T], at: &[usize]) {
    for (&p, &v) in at.iter().zip(src) {
        if let Some(slot) = dst.get_mut(p) {
            *slot = v;
        }
    }
}

/// `col[at[k]] = vals[k]` in place.
fn scatter_in_place(col: &mut K, at: &[usize], vals: &K) {
    let done = match (&mut *col, vals) {
        (K::Vector(a), K::Vector(b)) if a.ty == b.ty => each_data2!(
            &mut a.data,
            &b.data,
            |p, q| {
                scatter_slice(Arc::make_mut(p).as_mut_slice(), q, at);
                true
            },
            else false
        ),
        (K::Enum(a), K::Enum(b)) if a.domain == b.domain => {
            scatter_slice(Arc::make_mut(&mut a.idx).as_mut_slice(), &b.idx, at);
            true
        }
        (K::List(l), _) => {
            let src = items(vals);
            let dst = Arc::make_mut(&mut l.items);
            for (&p, v) in at.iter().zip(src) {
                if let Some(slot) = dst.get_mut(p) {
                    *slot = v;
                }
            }
            true
        }
        _ => false,
    };
    if !done {
        let mut v = items(col);
        let src = items(vals);
        for (&p, x) in at.iter().zip(src) {
            if let Some(slot) = v.get_mut(p) {
                *slot = x;
            }
        }
        *col = K::list(v);
    }
}

fn set_attr(col: &mut K, a: Attr) {
    match col {
        K::Vector(v) => v.attr = a,
        K::List(l) => l.attr = a,
        K::Enum(e) => e.attr = a,
        _ => {}
    }
}

fn sorted_tail<T: Elem>(old: &[T], new: Option<&[T]>) -> bool {
    let Some(new) = new else { return false };
    let inner = new
        .windows(2)
        .all(|w| w[0].cmp_q(&w[1]) != Ordering::Greater);
    let joint = match (old.last(), new.first()) {
        (Some(a), Some(b)) => a.cmp_q(b) != Ordering::Greater,
        _ => true,
    };
    inner && joint
}

fn unique_tail<T: Elem>(old: &[T], new: Option<&[T]>) -> bool {
    let Some(new) = new else { return false };
    let set: HashSet<T::Key, Fast> = new.iter().map(|v| v.key()).collect();
    set.len() == new.len() && !old.iter().any(|v| set.contains(&v.key()))
}

/// The attribute a column keeps after `new` is appended: `s#` while still sorted, `u#` while
/// still unique, `g#` always; `p#` is lost.
fn append_attr(col: &K, new: &K) -> Attr {
    let a = col.attr();
    let keep = match (a, col, new) {
        (Attr::Grouped, _, _) => true,
        (Attr::Sorted, K::Vector(x), K::Vector(y)) if x.ty == y.ty => {
            each_data!(&x.data, |d| sorted_tail(d.as_slice(), Elem::slice(&y.data)))
        }
        (Attr::Sorted, K::Enum(x), K::Enum(y)) if x.domain == y.domain => {
            sorted_tail(&x.idx, Some(&y.idx))
        }
        (Attr::Unique, K::Vector(x), K::Vector(y)) if x.ty == y.ty => {
            each_data!(&x.data, |d| unique_tail(d.as_slice(), Elem::slice(&y.data)))
        }
        (Attr::Unique, K::Enum(x), K::Enum(y)) if x.domain == y.domain => {
            unique_tail(&x.idx, Some(&y.idx))
        }
        _ => false,
    };
    if keep {
        a
    } else {
        Attr::None
    }
}

// ------------------------------------------------------------------------------------------
// Ordering.

fn cmp_scalar(a: &Scalar, b: &Scalar) -> Ordering {
    match (a, b) {
        (Scalar::U8(x), Scalar::U8(y)) => x.cmp_q(y),
        (Scalar::Guid(x), Scalar::Guid(y)) => x.cmp_q(y),
        (Scalar::I16(x), Scalar::I16(y)) => x.cmp_q(y),
        (Scalar::I32(x), Scalar::I32(y)) => x.cmp_q(y),
        (Scalar::I64(x), Scalar::I64(y)) => x.cmp_q(y),
        (Scalar::F32(x), Scalar::F32(y)) => x.cmp_q(y),
        (Scalar::F64(x), Scalar::F64(y)) => x.cmp_q(y),
        (Scalar::Sym(x), Scalar::Sym(y)) => x.cmp_q(y),
        _ => Ordering::Equal,
    }
}

fn cmp_slices<T: Elem>(a: &[T], b: &[T]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.cmp_q(y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    a.len().cmp(&b.len())
}

/// q's order on arbitrary items (items of a general-list column): by type, then by value,
/// lists lexicographically.
fn cmp_k(a: &K, b: &K) -> Ordering {
    match (a, b) {
        (K::Atom(x), K::Atom(y)) if x.ty == y.ty => cmp_scalar(&x.v, &y.v),
        (K::EnumAtom(d, i), K::EnumAtom(e, j)) if d == e => i.cmp(j),
        (K::Vector(x), K::Vector(y)) if x.ty == y.ty => each_data2!(
            &x.data,
            &y.data,
            |p, q| cmp_slices(p.as_slice(), q.as_slice()),
            else Ordering::Equal
        ),
        _ => {
            let by_type = a.ty().unsigned_abs().cmp(&b.ty().unsigned_abs());
            let listy = |k: &K| matches!(k, K::Vector(_) | K::List(_) | K::Enum(_));
            if by_type != Ordering::Equal || !(listy(a) && listy(b)) {
                return by_type;
            }
            let (xs, ys) = (items(a), items(b));
            for (x, y) in xs.iter().zip(&ys) {
                match cmp_k(x, y) {
                    Ordering::Equal => {}
                    o => return o,
                }
            }
            xs.len().cmp(&ys.len())
        }
    }
}

fn sort_idx<T: Elem>(d: &[T], idx: &mut [usize], desc: bool) {
    // Callers pass a permutation of 0..d.len() (table lengths are checked on entry).
    let mut pairs: Vec<(T, usize)> = idx.iter().map(|&i| (d[i], i)).collect();
    if desc {
        pairs.sort_by(|a, b| b.0.cmp_q(&a.0));
    } else {
        pairs.sort_by(|a, b| a.0.cmp_q(&b.0));
    }
    for (slot, p) in idx.iter_mut().zip(pairs) {
        *slot = p.1;
    }
}

/// Stable re-sort of the row permutation `idx` by one column (q's `iasc`/`idesc` within the
/// current order).
fn grade_col(col: &K, idx: &mut [usize], desc: bool) -> QResult<()> {
    if idx.iter().any(|&i| i >= col.len()) {
        return Err(QError::length());
    }
    match col {
        K::Vector(v) => each_data!(&v.data, |d| sort_idx(d.as_slice(), idx, desc)),
        K::Enum(e) => sort_idx(&e.idx, idx, desc),
        K::List(l) => {
            let it = &l.items;
            idx.sort_by(|&a, &b| {
                let o = cmp_k(&it[a], &it[b]);
                if desc {
                    o.reverse()
                } else {
                    o
                }
            });
        }
        _ => return Err(QError::type_()),
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Grouping: rows of one or more key columns become dense group ids (first-seen order), so
// joins hash each key once and then work on integers.

/// FxHash-style mixing with a folded-multiply finish, so pointer-like keys (symbols) with
/// zero low bits still spread over the table's buckets.
#[derive(Default, Clone, Copy)]
struct Mix(u64);

impl Mix {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        let m = u128::from(self.0).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (m as u64) ^ ((m >> 64) as u64)
    }
}

type Fast = BuildHasherDefault<Mix>;

const MISS: u32 = u32::MAX;

/// Dense group ids for the rows of `y` and, for each row of `x`, the id of the equal `y` row
/// (or `MISS`). `n` is the number of groups.
struct Groups {
    n: usize,
    y: Vec<u32>,
    x: Vec<u32>,
}

impl Groups {
    /// No equality columns: everything is one group.
    fn single(ny: usize, nx: usize) -> Groups {
        Groups {
            n: 1,
            y: vec![0; ny],
            x: vec![0; nx],
        }
    }
}

type Codes = (Vec<u32>, Vec<u32>, usize);

fn factor_slice<T: Elem>(y: &[T], x: &[T]) -> Codes {
    let mut map: HashMap<T::Key, u32, Fast> = HashMap::default();
    let mut cy = Vec::with_capacity(y.len());
    // Sorted or parted key columns repeat the same key in runs; skip the hash for those.
    let mut last: Option<(T::Key, u32)> = None;
    for v in y {
        let k = v.key();
        let id = match last {
            Some((lk, id)) if lk == k => id,
            _ => {
                let n = map.len() as u32;
                let id = *map.entry(k).or_insert(n);
                last = Some((k, id));
                id
            }
        };
        cy.push(id);
    }
    let mut last: Option<(T::Key, u32)> = None;
    let cx = x
        .iter()
        .map(|v| {
            let k = v.key();
            match last {
                Some((lk, id)) if lk == k => id,
                _ => {
                    let id = map.get(&k).copied().unwrap_or(MISS);
                    last = Some((k, id));
                    id
                }
            }
        })
        .collect();
    let n = map.len();
    (cy, cx, n)
}

fn hash_scalar<H: Hasher>(v: &Scalar, h: &mut H) {
    match v {
        Scalar::U8(x) => x.key().hash(h),
        Scalar::Guid(x) => x.key().hash(h),
        Scalar::I16(x) => x.key().hash(h),
        Scalar::I32(x) => x.key().hash(h),
        Scalar::I64(x) => x.key().hash(h),
        Scalar::F32(x) => x.key().hash(h),
        Scalar::F64(x) => x.key().hash(h),
        Scalar::Sym(x) => x.key().hash(h),
    }
}

/// A hash consistent with q's match (`K`'s `PartialEq`).
fn hash_k<H: Hasher>(k: &K, h: &mut H) {
    h.write_u16(k.ty() as u16);
    match k {
        K::Atom(a) => hash_scalar(&a.v, h),
        K::Vector(v) => each_data!(&v.data, |d| {
            for x in d.iter() {
                x.key().hash(h)
            }
        }),
        K::List(l) => {
            for x in l.items.iter() {
                hash_k(x, h)
            }
        }
        K::Enum(e) => e.idx.hash(h),
        K::EnumAtom(d, i) => {
            d.hash(h);
            i.hash(h)
        }
        _ => {}
    }
}

#[derive(Clone, Copy)]
struct KRef<'a>(&'a K);

impl Hash for KRef<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        hash_k(self.0, h)
    }
}
impl PartialEq for KRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for KRef<'_> {}

// `K` can hold a lambda whose compile cache is a `OnceLock`; `hash_k` and `==` never look at
// it, so keys cannot change while in the map.
#[allow(clippy::mutable_key_type)]
fn factor_list(y: &[K], x: &[K]) -> Codes {
    let mut map: HashMap<KRef<'_>, u32, Fast> = HashMap::default();
    let cy = y
        .iter()
        .map(|v| {
            let n = map.len() as u32;
            *map.entry(KRef(v)).or_insert(n)
        })
        .collect();
    let cx = x
        .iter()
        .map(|v| map.get(&KRef(v)).copied().unwrap_or(MISS))
        .collect();
    let n = map.len();
    (cy, cx, n)
}

/// Codes of integer keys found through a table indexed by value, when their range is not
/// much wider than the rows (time buckets, enumerations, small ints): no hashing. `None`
/// when the range is too wide.
fn factor_range<T: Copy + Into<i64>>(y: &[T]) -> Option<Codes> {
    let (lo, hi) = y.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &v| {
        let v = v.into();
        (lo.min(v), hi.max(v))
    });
    let span = i128::from(hi) - i128::from(lo) + 1;
    if y.is_empty() || span > (y.len() as i128 * 2).max(1 << 16) {
        return None;
    }
    let mut slot = vec![MISS; span as usize];
    let mut n = 0u32;
    let cy = y
        .iter()
        .map(|&v| {
            // `v - lo` is within the span measured above.
            match slot.get_mut((v.into() - lo) as usize) {
                Some(s) => {
                    if *s == MISS {
                        *s = n;
                        n += 1;
                    }
                    *s
                }
                None => MISS,
            }
        })
        .collect();
    Some((cy, Vec::new(), n as usize))
}

/// Codes of a symbol column. Symbols are interned, so a small table indexed by address bits
/// answers repeats without hashing; the map is asked only on a miss.
fn factor_syms(y: &[Sym]) -> Codes {
    const BITS: u32 = 12;
    let mask = (1usize << BITS) - 1;
    let mut cache: Vec<(usize, u32)> = vec![(0, MISS); 1 << BITS];
    let mut map: HashMap<Sym, u32, Fast> = HashMap::default();
    let cy = y
        .iter()
        .map(|s| {
            let a = s.addr();
            let slot = ((a >> 4) ^ (a >> (4 + BITS))) & mask;
            // `slot` is masked to the cache's size.
            match cache.get_mut(slot) {
                Some(c) if c.0 == a && c.1 != MISS => c.1,
                Some(c) => {
                    let n = map.len() as u32;
                    let id = *map.entry(*s).or_insert(n);
                    *c = (a, id);
                    id
                }
                None => MISS,
            }
        })
        .collect();
    let n = map.len();
    (cy, Vec::new(), n)
}

/// Group codes of one key column (and the matching codes of `x`'s column); `None` when the two
/// columns' types cannot be compared.
fn codes(y: &K, x: Option<&K>) -> QResult<Option<Codes>> {
    if y.len() >= MISS as usize {
        return Err(QError::limit());
    }
    let ranged = match (y, x) {
        (K::Vector(a), None) => match &a.data {
            Data::Sym(d) => Some(factor_syms(d.as_slice())),
            Data::I16(d) => factor_range(d.as_slice()),
            Data::I32(d) => factor_range(d.as_slice()),
            Data::I64(d) => factor_range(d.as_slice()),
            _ => None,
        },
        (K::Enum(a), None) => factor_range(a.idx.as_slice()),
        _ => None,
    };
    if ranged.is_some() {
        return Ok(ranged);
    }
    Ok(match (y, x) {
        (K::Vector(a), None) => each_data!(&a.data, |p| Some(factor_slice(p.as_slice(), &[]))),
        (K::Vector(a), Some(K::Vector(b))) if a.ty == b.ty => each_data2!(
            &a.data,
            &b.data,
            |p, q| Some(factor_slice(p.as_slice(), q.as_slice())),
            else None
        ),
        (K::Enum(a), None) => Some(factor_slice(a.idx.as_slice(), &[])),
        (K::Enum(a), Some(K::Enum(b))) if a.domain == b.domain => {
            Some(factor_slice(a.idx.as_slice(), b.idx.as_slice()))
        }
        // Matching an enumeration against symbols needs the domain's values (a global).
        (K::Enum(_), Some(K::Vector(v))) | (K::Vector(v), Some(K::Enum(_))) if v.ty == Ty::Sym => {
            return Err(QError::nyi())
        }
        (K::List(a), None) => Some(factor_list(&a.items, &[])),
        (K::List(a), Some(K::List(b))) => Some(factor_list(&a.items, &b.items)),
        _ => None,
    })
}

/// Fold a further key column into the running group ids. When the pairs of ids fit a
/// table no bigger than a few times the rows (a time bucket and a symbol, say), the pair's
/// id is looked up by position instead of hashed.
fn combine(a: Codes, b: Codes) -> Codes {
    let (mut ay, mut ax, na) = a;
    let (by, bx, nb) = b;
    let cells = na.saturating_mul(nb);
    if cells <= (ay.len() * 4).max(1 << 16) {
        let mut table = vec![MISS; cells];
        let mut n = 0u32;
        let cell = |p: u32, q: u32| p as usize * nb + q as usize;
        for (p, &q) in ay.iter_mut().zip(&by) {
            // Codes of `y` are below their counts, so the cell is in the table.
            if let Some(c) = table.get_mut(cell(*p, q)) {
                if *c == MISS {
                    *c = n;
                    n += 1;
                }
                *p = *c;
            }
        }
        for (p, &q) in ax.iter_mut().zip(&bx) {
            *p = if *p == MISS || q == MISS {
                MISS
            } else {
                table.get(cell(*p, q)).copied().unwrap_or(MISS)
            };
        }
        return (ay, ax, n as usize);
    }
    let pair = |p: u32, q: u32| (u64::from(p) << 32) | u64::from(q);
    let mut map: HashMap<u64, u32, Fast> = HashMap::default();
    for (p, &q) in ay.iter_mut().zip(&by) {
        let n = map.len() as u32;
        *p = *map.entry(pair(*p, q)).or_insert(n);
    }
    for (p, &q) in ax.iter_mut().zip(&bx) {
        *p = if *p == MISS || q == MISS {
            MISS
        } else {
            map.get(&pair(*p, q)).copied().unwrap_or(MISS)
        };
    }
    let n = map.len();
    (ay, ax, n)
}

/// Group the rows of the key columns `y` (at least one) and look up the rows of `x` (same
/// number of columns) among them. `strict`: columns whose types differ are a `'type` error
/// (q's `bin`); otherwise nothing matches (q's `?`).
fn factorize(y: &[&K], x: Option<&[&K]>, strict: bool) -> QResult<Groups> {
    let mut acc: Option<Codes> = None;
    for (k, yc) in y.iter().enumerate() {
        let xc = match x {
            Some(xs) => Some(*xs.get(k).ok_or_else(QError::length)?),
            None => None,
        };
        let c = match codes(yc, xc)? {
            Some(c) => c,
            None if strict || xc.is_none() => return Err(QError::type_()),
            None => {
                let (cy, _, n) = codes(yc, None)?.ok_or_else(QError::type_)?;
                (cy, vec![MISS; xc.map_or(0, |c| c.len())], n)
            }
        };
        acc = Some(match acc {
            None => c,
            Some(a) => combine(a, c),
        });
    }
    let (y, x, n) = acc.ok_or_else(QError::length)?;
    Ok(Groups { n, y, x })
}

/// Dense group ids of the rows of the key columns (numbered in order of first appearance)
/// and the number of groups: the grouping behind qSQL's `by` and `fby`.
pub fn group_ids(keys: &[&K]) -> QResult<(Vec<u32>, usize)> {
    let g = factorize(keys, None, false)?;
    Ok((g.y, g.n))
}

/// For each row of `x`, the first equal row of `y` or -1 (q's find on key rows).
fn find_rows(y: &[&K], x: &[&K]) -> QResult<Vec<i64>> {
    let g = factorize(y, Some(x), false)?;
    let mut first = vec![-1i64; g.n];
    for (r, &id) in g.y.iter().enumerate() {
        if let Some(f) = first.get_mut(id as usize) {
            if *f < 0 {
                *f = r as i64;
            }
        }
    }
    Ok(g.x
        .iter()
        .map(|&id| first.get(id as usize).copied().unwrap_or(-1))
        .collect())
}

/// The rows of each group of `y`, with the ordered column laid out group by group so a group's
/// values are one contiguous slice to binary-search.
struct Layout<'a, T: Elem> {
    off: Vec<usize>,
    /// Row of `y` at each laid-out position; `None` when groups are already contiguous runs.
    order: Option<Vec<u32>>,
    vals: Cow<'a, [T]>,
}

impl<'a, T: Elem> Layout<'a, T> {
    /// `g.y` and `vals` have the same length (checked by callers).
    fn new(g: &Groups, vals: &'a [T]) -> Layout<'a, T> {
        let mut off = vec![0usize; g.n + 1];
        for &id in &g.y {
            off[id as usize + 1] += 1;
        }
        for i in 0..g.n {
            off[i + 1] += off[i];
        }
        // Ids are given in first-seen order, so non-decreasing ids mean each group is one run
        // in row order (`p#` or sorted keys): no need to copy anything.
        if g.y.windows(2).all(|w| w[0] <= w[1]) {
            return Layout {
                off,
                order: None,
                vals: Cow::Borrowed(vals),
            };
        }
        let mut pos = off.clone();
        let mut order = vec![0u32; g.y.len()];
        for (r, &id) in g.y.iter().enumerate() {
            let p = &mut pos[id as usize];
            order[*p] = r as u32;
            *p += 1;
        }
        let laid = order.iter().map(|&r| vals[r as usize]).collect();
        Layout {
            off,
            order: Some(order),
            vals: Cow::Owned(laid),
        }
    }

    /// The laid-out positions of group `id` (none for `MISS`).
    fn group(&self, id: u32) -> Option<(usize, usize)> {
        let i = id as usize;
        Some((*self.off.get(i)?, *self.off.get(i + 1)?))
    }

    fn row(&self, p: usize) -> i64 {
        match &self.order {
            Some(o) => o.get(p).map_or(-1, |&r| i64::from(r)),
            None => p as i64,
        }
    }
}

/// Count of leading values `<= v` in a sorted slice.
#[inline]
fn upto<T: Elem>(s: &[T], v: &T) -> usize {
    s.partition_point(|w| w.cmp_q(v) != Ordering::Greater)
}

/// Count of leading values `< v` in a sorted slice.
#[inline]
fn below<T: Elem>(s: &[T], v: &T) -> usize {
    s.partition_point(|w| w.cmp_q(v) == Ordering::Less)
}

/// Count of leading values `<= v` in sorted `vals`, given that the first `from` are: gallop
/// forward from `from`, then binary-search the last step. Successive calls with rising `v`
/// walk the slice once, front to back.
fn gallop<T: Elem>(vals: &[T], from: usize, v: &T) -> usize {
    let n = vals.len();
    let le = |i: usize| vals[i].cmp_q(v) != Ordering::Greater;
    if from >= n || !le(from) {
        return from.min(n);
    }
    // Everything before `lo` is <= v.
    let mut lo = from + 1;
    let mut step = 1;
    loop {
        let probe = lo + step - 1;
        if probe >= n {
            return lo + upto(&vals[lo..], v);
        }
        if le(probe) {
            lo = probe + 1;
            step *= 2;
        } else {
            return lo + upto(&vals[lo..probe], v);
        }
    }
}

/// The as-of search proper. Rather than binary-searching a random group per left row (a
/// chain of cache misses over a large right table), the left rows are bucketed by group
/// with their times, each bucket put in time order, and each group's right values swept
/// once, front to back.
fn asof_search<T: Elem>(yt: &[T], xt: &[T], g: &Groups) -> Vec<i64> {
    if is_ascending(yt) && is_ascending(xt) {
        return asof_sweep(yt, xt, g);
    }
    let mut res = vec![-1i64; xt.len()];
    let Some(&fill) = xt.first() else {
        return res;
    };
    let lay = Layout::new(g, yt);
    let mut off = vec![0usize; g.n + 1];
    for &id in &g.x {
        if let Some(c) = off.get_mut((id as usize).wrapping_add(1)) {
            *c += 1;
        }
    }
    for i in 0..g.n {
        off[i + 1] += off[i];
    }
    let mut pos = off.clone();
    let mut pairs: Vec<(T, u32)> = vec![(fill, 0); off[g.n]];
    for (r, (&v, &id)) in xt.iter().zip(&g.x).enumerate() {
        if let Some(p) = pos.get_mut(id as usize) {
            pairs[*p] = (v, r as u32);
            *p += 1;
        }
    }
    for (id, w) in off.windows(2).enumerate() {
        let bucket = &mut pairs[w[0]..w[1]];
        let Some((s, e)) = lay.group(id as u32) else {
            continue;
        };
        if bucket.is_empty() || s == e {
            continue;
        }
        if !bucket
            .windows(2)
            .all(|p| p[0].0.cmp_q(&p[1].0) != Ordering::Greater)
        {
            bucket.sort_by(|a, b| a.0.cmp_q(&b.0));
        }
        let vals = &lay.vals[s..e];
        let mut p = 0;
        for &(v, r) in bucket.iter() {
            p = gallop(vals, p, &v);
            if p > 0 {
                res[r as usize] = lay.row(s + p - 1);
            }
        }
    }
    res
}

fn is_ascending<T: Elem>(v: &[T]) -> bool {
    v.windows(2).all(|p| p[0].cmp_q(&p[1]) != Ordering::Greater)
}

/// The as-of search when both ordered columns are ascending over the whole table (trades
/// and quotes of one day in arrival order, q's usual case): one merge of the two columns,
/// front to back, remembering the latest right row of each group, so neither table is
/// regrouped and every access but the per-group slot is sequential. The same answer as the
/// per-group search: the right rows at or before a left value form a prefix of `y`, and the
/// last of the group's rows in that prefix is the last one `<=` within the group.
fn asof_sweep<T: Elem>(yt: &[T], xt: &[T], g: &Groups) -> Vec<i64> {
    let mut latest = vec![-1i64; g.n];
    let mut p = 0;
    xt.iter()
        .zip(&g.x)
        .map(|(v, &id)| {
            while let Some(w) = yt.get(p) {
                if w.cmp_q(v) == Ordering::Greater {
                    break;
                }
                if let Some(s) = g.y.get(p).and_then(|&k| latest.get_mut(k as usize)) {
                    *s = p as i64;
                }
                p += 1;
            }
            latest.get(id as usize).copied().unwrap_or(-1)
        })
        .collect()
}

/// For each row of `x`: the last row of `y` whose equality columns equal `x`'s and whose
/// ordered column is <= `x`'s, or -1 (q's `bin` on tables, the core of `aj` and `asof`).
/// `y` must be sorted on the ordered column within each group, as q requires.
fn asof_rows(y_eq: &[&K], y_t: &K, x_eq: &[&K], x_t: &K) -> QResult<Vec<i64>> {
    let g = if y_eq.is_empty() {
        Groups::single(y_t.len(), x_t.len())
    } else {
        factorize(y_eq, Some(x_eq), true)?
    };
    if g.y.len() != y_t.len() || g.x.len() != x_t.len() {
        return Err(QError::length());
    }
    if x_t.len() >= MISS as usize {
        return Err(QError::limit());
    }
    match (y_t, x_t) {
        (K::Vector(a), K::Vector(b)) if a.ty == b.ty => Ok(each_data2!(
            &a.data,
            &b.data,
            |p, q| asof_search(p.as_slice(), q.as_slice(), &g),
            else return Err(QError::type_())
        )),
        (K::Enum(a), K::Enum(b)) if a.domain == b.domain => Ok(asof_search(&a.idx, &b.idx, &g)),
        _ => Err(QError::type_()),
    }
}

// ------------------------------------------------------------------------------------------
// Table plumbing.

fn missing(name: Sym) -> QError {
    QError::new(name.as_str().into_owned())
}

/// Column names from a symbol atom or vector (or `()` for none).
fn sym_list(x: &K) -> QResult<Vec<Sym>> {
    match x {
        K::Atom(_) => x.as_sym().map(|s| vec![s]).ok_or_else(QError::type_),
        K::Vector(Vector {
            data: Data::Sym(v), ..
        }) => Ok(v.to_vec()),
        K::List(l) if l.items.is_empty() => Ok(Vec::new()),
        _ => Err(QError::type_()),
    }
}

fn is_empty_list(k: &K) -> bool {
    matches!(k, K::List(l) if l.items.is_empty())
}

fn as_table(k: &K) -> QResult<&Table> {
    match k {
        K::Table(t) => Ok(t),
        _ => Err(QError::type_()),
    }
}

/// Row count of a well-formed table: every column a list of the same length.
fn nrows(t: &Table) -> QResult<usize> {
    if t.names.len() != t.cols.len() {
        return Err(QError::length());
    }
    let n = t.rows();
    for c in &t.cols {
        if !matches!(c, K::Vector(_) | K::List(_) | K::Enum(_)) {
            return Err(QError::type_());
        }
        if c.len() != n {
            return Err(QError::length());
        }
    }
    Ok(n)
}

fn keyed_parts(k: &K) -> Option<(&Table, &Table, bool)> {
    match k {
        K::Dict(d) => match (&d.keys, &d.vals) {
            (K::Table(a), K::Table(b)) => Some((a, b, d.sorted)),
            _ => None,
        },
        _ => None,
    }
}

fn merge_tables(k: &Table, v: &Table) -> Table {
    Table {
        attr: Attr::None,
        names: Arc::new(k.names.iter().chain(v.names.iter()).copied().collect()),
        cols: k.cols.iter().chain(&v.cols).cloned().collect(),
    }
}

/// `0!x`: a keyed table as one table; tables unchanged.
fn unkey(x: &K) -> QResult<K> {
    match x {
        K::Table(_) => Ok(x.clone()),
        _ => match keyed_parts(x) {
            Some((k, v, _)) => Ok(K::Table(Arc::new(merge_tables(k, v)))),
            None => Err(QError::type_()),
        },
    }
}

/// `n!t`: key a table on its first `n` columns.
fn rekey(t: K, n: usize) -> QResult<K> {
    if n == 0 {
        return Ok(t);
    }
    let tb = as_table(&t)?;
    if n > tb.cols.len() {
        return Err(QError::length());
    }
    let (kn, vn) = tb.names.split_at(n);
    let (kc, vc) = tb.cols.split_at(n);
    Ok(K::dict(
        K::table(kn.to_vec(), kc.to_vec()),
        K::table(vn.to_vec(), vc.to_vec()),
    ))
}

/// Apply `f` to a table, or to the unkeyed form of a keyed table and key the result again on
/// the same number of columns (q's `.Q.ft`).
fn on_unkeyed(x: &K, f: impl FnOnce(&Table) -> QResult) -> QResult {
    match x {
        K::Table(t) => {
            nrows(t)?;
            f(t)
        }
        _ => match keyed_parts(x) {
            Some((k, v, _)) => {
                let t = merge_tables(k, v);
                nrows(&t)?;
                let r = f(&t)?;
                rekey(r, k.names.len())
            }
            None => Err(QError::type_()),
        },
    }
}

fn col_of(t: &Table, name: Sym) -> QResult<&K> {
    t.col(name).ok_or_else(|| missing(name))
}

fn cols_named<'a>(t: &'a Table, names: &[Sym]) -> QResult<Vec<&'a K>> {
    names.iter().map(|&n| col_of(t, n)).collect()
}

fn gather_table(t: &Table, idx: &[i64]) -> QResult<Table> {
    Ok(Table {
        attr: Attr::None,
        names: t.names.clone(),
        cols: t
            .cols
            .iter()
            .map(|c| gather(c, idx))
            .collect::<QResult<_>>()?,
    })
}

/// The columns of `t` other than `names`.
fn other_cols(t: &Table, names: &[Sym]) -> (Vec<Sym>, Vec<K>) {
    t.names
        .iter()
        .zip(&t.cols)
        .filter(|(n, _)| !names.contains(n))
        .map(|(n, c)| (*n, c.clone()))
        .unzip()
}

/// `x` joined with columns `cols` picked by `j` (-1: no row). All rows matched and no fill:
/// q's `x,'y j` (common columns replaced outright). Otherwise the missing columns are added
/// as nulls and the matched rows amended (`fill`: only where the right value is not null).
fn join_assign(x: &Table, names: &[Sym], cols: &[K], j: &[i64], fill: bool) -> QResult {
    let all = j.iter().all(|&r| r >= 0);
    let mut out_names = x.names.to_vec();
    let mut out_cols = x.cols.clone();
    for (&n, c) in names.iter().zip(cols) {
        match out_names.iter().position(|&m| m == n) {
            Some(p) => {
                let new = if all && !fill {
                    gather(c, j)?
                } else {
                    merge(&out_cols[p], c, j, fill)?
                };
                out_cols[p] = new;
            }
            None => {
                out_names.push(n);
                out_cols.push(gather(c, j)?);
            }
        }
    }
    Ok(K::table(out_names, out_cols))
}

/// `t,'r` for whole columns of `t`'s length.
fn join_columns(t: &Table, names: &[Sym], cols: Vec<K>) -> QResult {
    let mut out_names = t.names.to_vec();
    let mut out_cols = t.cols.clone();
    for (&n, c) in names.iter().zip(cols) {
        match out_names.iter().position(|&m| m == n) {
            Some(p) => out_cols[p] = c,
            None => {
                out_names.push(n);
                out_cols.push(c);
            }
        }
    }
    Ok(K::table(out_names, out_cols))
}

/// `t` with `first` as its leading columns.
fn reorder(t: &Table, first: &[Sym]) -> QResult {
    let mut names = Vec::with_capacity(t.names.len());
    let mut cols = Vec::with_capacity(t.cols.len());
    for &n in first {
        names.push(n);
        cols.push(col_of(t, n)?.clone());
    }
    let (rn, rc) = other_cols(t, first);
    names.extend(rn);
    cols.extend(rc);
    Ok(K::table(names, cols))
}

// ------------------------------------------------------------------------------------------
// cols keys meta xkey xcol xcols

/// `cols x`: column names of a table (keys first for a keyed table), or the keys of a
/// dictionary with symbol keys.
pub fn cols(x: &K) -> QResult {
    match x {
        K::Table(t) => Ok(K::syms(t.names.iter().copied())),
        K::Dict(d) => match keyed_parts(x) {
            Some((k, v, _)) => Ok(K::syms(k.names.iter().chain(v.names.iter()).copied())),
            None if d.keys.ty() == Ty::Sym as i16 => Ok(d.keys.clone().with_attr(Attr::None)),
            None => Err(QError::type_()),
        },
        _ => Err(QError::type_()),
    }
}

/// `keys x`: key column names of a keyed table; `` `symbol$() `` for a table.
pub fn keys(x: &K) -> QResult {
    match x {
        K::Table(_) => Ok(K::syms(Vec::<Sym>::new())),
        _ => match keyed_parts(x) {
            Some((k, _, _)) => Ok(K::syms(k.names.iter().copied())),
            None => Err(QError::type_()),
        },
    }
}

/// `meta`'s type letter: lower case for a simple column, upper case for a column of lists
/// (judged by the first item, as q does), blank when that says nothing.
fn type_char(col: &K) -> u8 {
    match col {
        K::Vector(v) => v.ty.letter(),
        K::Enum(_) => b's',
        K::List(l) => match l.items.first() {
            Some(K::Vector(v)) => v.ty.letter().to_ascii_uppercase(),
            Some(K::Enum(_)) => b'S',
            _ => b' ',
        },
        _ => b' ',
    }
}

fn attr_sym(a: Attr) -> Sym {
    match a.letter() {
        Some(c) => Sym::new(&[c as u8]),
        None => Sym::NULL,
    }
}

/// `meta x` with foreign keys left blank (deciding whether an enumeration's domain is a keyed
/// table needs the globals; see [`meta_with`]).
pub fn meta(x: &K) -> QResult {
    meta_with(x, &|_| false)
}

/// `meta x`: keyed table `c | t f a` of column name, type letter, foreign key (the
/// enumeration domain, where `fk` says that domain is a keyed table) and attribute.
pub fn meta_with(x: &K, fk: &dyn Fn(Sym) -> bool) -> QResult {
    let u = unkey(x)?;
    let t = as_table(&u)?;
    nrows(t)?;
    let tc: Vec<u8> = t.cols.iter().map(type_char).collect();
    let fc: Vec<Sym> = t
        .cols
        .iter()
        .map(|c| match c {
            K::Enum(e) if fk(e.domain) => e.domain,
            _ => Sym::NULL,
        })
        .collect();
    let ac: Vec<Sym> = t.cols.iter().map(|c| attr_sym(c.attr())).collect();
    Ok(K::dict(
        K::table(vec![Sym::from("c")], vec![K::syms(t.names.iter().copied())]),
        K::table(
            vec![Sym::from("t"), Sym::from("f"), Sym::from("a")],
            vec![K::string(tc), K::syms(fc), K::syms(ac)],
        ),
    ))
}

/// `x xkey y`: key `y` on columns `x` (moved to the front); `()` unkeys.
pub fn xkey(x: &K, y: &K) -> QResult {
    let names = sym_list(x)?;
    let u = unkey(y)?;
    let t = as_table(&u)?;
    nrows(t)?;
    if names.is_empty() {
        return Ok(u);
    }
    rekey(reorder(t, &names)?, names.len())
}

/// `x xcol y`: rename the leading columns (symbol list) or the named ones (dictionary).
pub fn xcol(x: &K, y: &K) -> QResult {
    on_unkeyed(y, |t| {
        let mut names = t.names.to_vec();
        match x {
            K::Dict(d) => {
                // A dictionary whose keys are not names (e.g. a keyed table) fails like q,
                // on the length of the amend.
                let from = sym_list(&d.keys).map_err(|_| QError::length())?;
                let to = sym_list(&d.vals)?;
                if from.len() != to.len() {
                    return Err(QError::length());
                }
                for (f, t) in from.iter().zip(&to) {
                    let p = names
                        .iter()
                        .position(|n| n == f)
                        .ok_or_else(QError::index)?;
                    names[p] = *t;
                }
            }
            _ => {
                let new = sym_list(x)?;
                if new.len() > names.len() {
                    return Err(QError::length());
                }
                names[..new.len()].copy_from_slice(&new);
            }
        }
        Ok(K::table(names, t.cols.clone()))
    })
}

/// `x xcols y`: reorder a table's columns with `x` first.
pub fn xcols(x: &K, y: &K) -> QResult {
    let names = sym_list(x)?;
    let t = as_table(y)?;
    nrows(t)?;
    reorder(t, &names)
}

// ------------------------------------------------------------------------------------------
// xasc xdesc xgroup ungroup

fn sort_table(x: &K, y: &K, desc: bool) -> QResult {
    let names = sym_list(x)?;
    if names.is_empty() {
        return Ok(y.clone());
    }
    // q leaves a table alone when asked to sort on one column that already has `s#`.
    if let (false, Some(s)) = (desc, x.as_sym()) {
        let u = unkey(y)?;
        if as_table(&u)?.col(s).map(|c| c.attr()) == Some(Attr::Sorted) {
            return Ok(y.clone());
        }
    }
    on_unkeyed(y, |t| {
        if (1..t.names.len()).any(|i| t.names[..i].contains(&t.names[i])) {
            return Err(QError::new("dup"));
        }
        let n = t.rows();
        let mut idx: Vec<usize> = (0..n).collect();
        for &name in names.iter().rev() {
            grade_col(col_of(t, name)?, &mut idx, desc)?;
        }
        let idx: Vec<i64> = idx.into_iter().map(|i| i as i64).collect();
        let mut sorted = gather_table(t, &idx)?;
        if !desc {
            if let Some(p) = sorted.names.iter().position(|&m| m == names[0]) {
                set_attr(&mut sorted.cols[p], Attr::Sorted);
            }
        }
        Ok(K::Table(Arc::new(sorted)))
    })
}

/// `x xasc y`: stable ascending sort by columns `x`, `s#` on the first.
pub fn xasc(x: &K, y: &K) -> QResult {
    sort_table(x, y, false)
}

/// `x xdesc y`: stable descending sort by columns `x`.
pub fn xdesc(x: &K, y: &K) -> QResult {
    sort_table(x, y, true)
}

/// Offsets and rows of each group (counting sort of the group ids, rows kept in order).
fn group_rows(ids: &[u32], n: usize) -> (Vec<usize>, Vec<i64>) {
    let mut off = vec![0usize; n + 1];
    for &id in ids {
        off[id as usize + 1] += 1;
    }
    for i in 0..n {
        off[i + 1] += off[i];
    }
    let mut pos = off.clone();
    let mut rows = vec![0i64; ids.len()];
    for (r, &id) in ids.iter().enumerate() {
        let p = &mut pos[id as usize];
        rows[*p] = r as i64;
        *p += 1;
    }
    (off, rows)
}

/// `x xgroup y`: key on the distinct rows of columns `x` (first-seen order), the other
/// columns becoming lists of each group's values.
pub fn xgroup(x: &K, y: &K) -> QResult {
    let names = sym_list(x)?;
    let u = unkey(y)?;
    let t = as_table(&u)?;
    nrows(t)?;
    let kc = cols_named(t, &names)?;
    let (rn, rc) = other_cols(t, &names);
    if names.is_empty() {
        return Err(QError::length());
    }
    if rn.is_empty() {
        return Ok(K::dict(
            K::table(names, kc.into_iter().cloned().collect()),
            K::table(Vec::new(), Vec::new()),
        ));
    }
    let g = factorize(&kc, None, false)?;
    let (off, rows) = group_rows(&g.y, g.n);
    let firsts: Vec<i64> = off[..g.n].iter().map(|&o| rows[o]).collect();
    let key_cols = kc
        .iter()
        .map(|c| gather(c, &firsts))
        .collect::<QResult<Vec<_>>>()?;
    let val_cols = rc
        .iter()
        .map(|c| {
            Ok(K::list(
                off.windows(2)
                    .map(|w| gather(c, &rows[w[0]..w[1]]))
                    .collect::<QResult<Vec<_>>>()?,
            ))
        })
        .collect::<QResult<Vec<_>>>()?;
    Ok(K::dict(K::table(names, key_cols), K::table(rn, val_cols)))
}

fn is_listlike(k: &K) -> bool {
    matches!(k, K::Vector(_) | K::List(_) | K::Enum(_))
}

/// Concatenate the cells of a list column, repeating atom cells `counts[i]` times.
fn raze_cells(cells: &[K], counts: &[usize]) -> K {
    if let Some(K::Vector(first)) = cells.first() {
        let ty = first.ty;
        if cells
            .iter()
            .all(|c| matches!(c, K::Vector(v) if v.ty == ty))
        {
            let mut data = Data::with_capacity(ty.storage(), counts.iter().sum());
            for c in cells {
                if let K::Vector(v) = c {
                    append_data(&mut data, &v.data);
                }
            }
            return K::vector(ty, data);
        }
    }
    let mut out = Vec::with_capacity(counts.iter().sum());
    for (c, &n) in cells.iter().zip(counts) {
        if is_listlike(c) {
            out.extend(items(c));
        } else {
            out.extend(std::iter::repeat_n(c.clone(), n));
        }
    }
    from_items(out)
}

/// `ungroup x`: one row per item of the list cells of each row (all of a row's lists must
/// have the same count).
pub fn ungroup(x: &K) -> QResult {
    let u = unkey(x)?;
    let t = as_table(&u)?;
    let n = nrows(t)?;
    if n == 0 {
        return Ok(u);
    }
    let mut counts: Vec<Option<usize>> = vec![None; n];
    for col in &t.cols {
        if let K::List(l) = col {
            for (slot, cell) in counts.iter_mut().zip(l.items.iter()) {
                if is_listlike(cell) {
                    match slot {
                        None => *slot = Some(cell.len()),
                        Some(c) if *c != cell.len() => return Err(QError::length()),
                        _ => {}
                    }
                }
            }
        }
    }
    // A row of atoms only cannot be flipped.
    let counts: Vec<usize> = counts
        .into_iter()
        .map(|c| c.ok_or_else(QError::rank))
        .collect::<QResult<_>>()?;
    let rep: Vec<i64> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| std::iter::repeat_n(i as i64, c))
        .collect();
    let cols = t
        .cols
        .iter()
        .map(|c| match c {
            K::List(l) => Ok(raze_cells(&l.items, &counts)),
            _ => gather(c, &rep),
        })
        .collect::<QResult<Vec<_>>>()?;
    Ok(K::table(t.names.to_vec(), cols))
}

// ------------------------------------------------------------------------------------------
// lj ljf ij ijf pj uj ujf ej

fn left_join(x: &K, y: &K, fill: bool) -> QResult {
    if !fill && is_empty_list(y) {
        return Ok(x.clone());
    }
    let (kt, vt, sorted) = keyed_parts(y).ok_or_else(QError::type_)?;
    nrows(kt)?;
    nrows(vt)?;
    on_unkeyed(x, |t| {
        let xk = cols_named(t, &kt.names)?;
        let yk: Vec<&K> = kt.cols.iter().collect();
        // A sorted (`s#`) keyed table is a step function: look up as of the key.
        let j = match (sorted, yk.split_last(), xk.split_last()) {
            (true, Some((yl, ye)), Some((xl, xe))) => asof_rows(ye, yl, xe, xl)?,
            _ => find_rows(&yk, &xk)?,
        };
        join_assign(t, &vt.names, &vt.cols, &j, fill)
    })
}

/// `x lj y`: left join on the key columns of keyed table `y`.
pub fn lj(x: &K, y: &K) -> QResult {
    left_join(x, y, false)
}

/// `x ljf y`: left join keeping `x`'s value where `y`'s is null.
pub fn ljf(x: &K, y: &K) -> QResult {
    left_join(x, y, true)
}

fn inner_join(x: &K, y: &K, fill: bool) -> QResult {
    let (kt, vt, _) = keyed_parts(y).ok_or_else(QError::type_)?;
    nrows(kt)?;
    nrows(vt)?;
    on_unkeyed(x, |t| {
        let xk = cols_named(t, &kt.names)?;
        let yk: Vec<&K> = kt.cols.iter().collect();
        let j = find_rows(&yk, &xk)?;
        let keep: Vec<i64> = (0..j.len() as i64)
            .zip(&j)
            .filter(|(_, &r)| r >= 0)
            .map(|(i, _)| i)
            .collect();
        let jk: Vec<i64> = j.iter().copied().filter(|&r| r >= 0).collect();
        let sub = gather_table(t, &keep)?;
        join_assign(&sub, &vt.names, &vt.cols, &jk, fill)
    })
}

/// `x ij y`: the rows of `x` that match a key of `y`, joined with `y`'s values.
pub fn ij(x: &K, y: &K) -> QResult {
    inner_join(x, y, false)
}

/// `x ijf y`: inner join keeping `x`'s value where `y`'s is null.
pub fn ijf(x: &K, y: &K) -> QResult {
    inner_join(x, y, true)
}

/// `0^col` for `pj`: numeric and temporal columns only.
fn fill_zero(col: &K) -> QResult<K> {
    let K::Vector(v) = col else {
        return Err(QError::type_());
    };
    let data = match &v.data {
        Data::U8(_) if matches!(v.ty, Ty::Bool | Ty::Byte) => return Ok(col.clone()),
        Data::I16(p) => Data::I16(Arc::new(
            p.iter()
                .map(|&x| if x == null::H { 0 } else { x })
                .collect(),
        )),
        Data::I32(p) => Data::I32(Arc::new(
            p.iter()
                .map(|&x| if x == null::I { 0 } else { x })
                .collect(),
        )),
        Data::I64(p) => Data::I64(Arc::new(
            p.iter()
                .map(|&x| if x == null::J { 0 } else { x })
                .collect(),
        )),
        Data::F32(p) => Data::F32(Arc::new(
            p.iter()
                .map(|&x| if x.is_nan() { 0.0 } else { x })
                .collect(),
        )),
        Data::F64(p) => Data::F64(Arc::new(
            p.iter()
                .map(|&x| if x.is_nan() { 0.0 } else { x })
                .collect(),
        )),
        _ => return Err(QError::type_()),
    };
    Ok(K::vector(v.ty, data))
}

fn num_rank(t: Ty) -> Option<u8> {
    Some(match t {
        Ty::Bool | Ty::Byte => 0,
        Ty::Short => 1,
        Ty::Int => 2,
        Ty::Long => 3,
        Ty::Real => 4,
        Ty::Float => 5,
        _ => return None,
    })
}

/// Result type of `a+b` on columns (q's promotion: booleans and bytes add as ints, real with
/// long is float, temporal plus integral keeps the temporal type).
fn sum_type(a: Ty, b: Ty) -> Option<Ty> {
    match (num_rank(a), num_rank(b)) {
        (Some(x), Some(y)) => Some(match x.max(y) {
            0 | 2 => Ty::Int,
            1 => Ty::Short,
            3 => Ty::Long,
            4 if x == 3 || y == 3 => Ty::Float,
            4 => Ty::Real,
            _ => Ty::Float,
        }),
        (None, Some(r)) if a.is_temporal() && r <= 3 => Some(a),
        (Some(r), None) if b.is_temporal() && r <= 3 => Some(b),
        _ => match (a, b) {
            (Ty::Timestamp, Ty::Timespan) | (Ty::Timespan, Ty::Timestamp) => Some(Ty::Timestamp),
            _ => None,
        },
    }
}

/// An integer with q's special values carried across widths (null, +/- infinity).
fn widen_int(x: i64, null_in: i64, inf_in: i64, null_out: i64, inf_out: i64) -> i64 {
    if x == null_in {
        null_out
    } else if x == inf_in {
        inf_out
    } else if x == -inf_in {
        -inf_out
    } else {
        x
    }
}

fn as_i64s(v: &Vector) -> Option<Vec<i64>> {
    let (j, wj) = (null::J, null::WJ);
    Some(match &v.data {
        Data::U8(p) if matches!(v.ty, Ty::Bool | Ty::Byte) => {
            p.iter().map(|&x| i64::from(x)).collect()
        }
        Data::I16(p) => p
            .iter()
            .map(|&x| widen_int(x.into(), null::H.into(), null::WH.into(), j, wj))
            .collect(),
        Data::I32(p) => p
            .iter()
            .map(|&x| widen_int(x.into(), null::I.into(), null::WI.into(), j, wj))
            .collect(),
        Data::I64(p) => p.to_vec(),
        _ => return None,
    })
}

fn as_i32s(v: &Vector) -> Option<Vec<i32>> {
    let (i, wi) = (i64::from(null::I), i64::from(null::WI));
    Some(match &v.data {
        Data::U8(p) if matches!(v.ty, Ty::Bool | Ty::Byte) => {
            p.iter().map(|&x| i32::from(x)).collect()
        }
        Data::I16(p) => p
            .iter()
            .map(|&x| widen_int(x.into(), null::H.into(), null::WH.into(), i, wi) as i32)
            .collect(),
        Data::I32(p) => p.to_vec(),
        Data::I64(p) => p
            .iter()
            .map(|&x| widen_int(x, null::J, null::WJ, i, wi) as i32)
            .collect(),
        _ => return None,
    })
}

fn as_i16s(v: &Vector) -> Option<Vec<i16>> {
    Some(match &v.data {
        Data::U8(p) if matches!(v.ty, Ty::Bool | Ty::Byte) => {
            p.iter().map(|&x| i16::from(x)).collect()
        }
        Data::I16(p) => p.to_vec(),
        _ => return None,
    })
}

fn int_as_f64(x: i64, null_in: i64, inf_in: i64) -> f64 {
    if x == null_in {
        f64::NAN
    } else if x == inf_in {
        f64::INFINITY
    } else if x == -inf_in {
        f64::NEG_INFINITY
    } else {
        x as f64
    }
}

fn as_f64s(v: &Vector) -> Option<Vec<f64>> {
    Some(match &v.data {
        Data::U8(p) if matches!(v.ty, Ty::Bool | Ty::Byte) => {
            p.iter().map(|&x| f64::from(x)).collect()
        }
        Data::I16(p) => p
            .iter()
            .map(|&x| int_as_f64(x.into(), null::H.into(), null::WH.into()))
            .collect(),
        Data::I32(p) => p
            .iter()
            .map(|&x| int_as_f64(x.into(), null::I.into(), null::WI.into()))
            .collect(),
        Data::I64(p) => p
            .iter()
            .map(|&x| int_as_f64(x, null::J, null::WJ))
            .collect(),
        Data::F32(p) => p.iter().map(|&x| f64::from(x)).collect(),
        Data::F64(p) => p.to_vec(),
        _ => return None,
    })
}

fn as_f32s(v: &Vector) -> Option<Vec<f32>> {
    match &v.data {
        Data::F32(p) => Some(p.to_vec()),
        Data::I64(_) | Data::F64(_) => None,
        _ => as_f64s(v).map(|f| f.into_iter().map(|x| x as f32).collect()),
    }
}

/// `a+b` on two columns of one length, for `pj`.
fn add_cols(a: &K, b: &K) -> QResult<K> {
    let (K::Vector(x), K::Vector(y)) = (a, b) else {
        return Err(QError::type_());
    };
    let rt = sum_type(x.ty, y.ty).ok_or_else(QError::type_)?;
    let ty_err = QError::type_;
    let data = match rt.storage() {
        Storage::I16 => {
            let (p, q) = (
                as_i16s(x).ok_or_else(ty_err)?,
                as_i16s(y).ok_or_else(ty_err)?,
            );
            Data::I16(Arc::new(
                p.iter().zip(&q).map(|(a, b)| a.wrapping_add(*b)).collect(),
            ))
        }
        Storage::I32 => {
            let (p, q) = (
                as_i32s(x).ok_or_else(ty_err)?,
                as_i32s(y).ok_or_else(ty_err)?,
            );
            Data::I32(Arc::new(
                p.iter().zip(&q).map(|(a, b)| a.wrapping_add(*b)).collect(),
            ))
        }
        Storage::I64 => {
            let (p, q) = (
                as_i64s(x).ok_or_else(ty_err)?,
                as_i64s(y).ok_or_else(ty_err)?,
            );
            Data::I64(Arc::new(
                p.iter().zip(&q).map(|(a, b)| a.wrapping_add(*b)).collect(),
            ))
        }
        Storage::F32 => {
            let (p, q) = (
                as_f32s(x).ok_or_else(ty_err)?,
                as_f32s(y).ok_or_else(ty_err)?,
            );
            Data::F32(Arc::new(p.iter().zip(&q).map(|(a, b)| a + b).collect()))
        }
        Storage::F64 => {
            let (p, q) = (
                as_f64s(x).ok_or_else(ty_err)?,
                as_f64s(y).ok_or_else(ty_err)?,
            );
            Data::F64(Arc::new(p.iter().zip(&q).map(|(a, b)| a + b).collect()))
        }
        _ => return Err(QError::type_()),
    };
    Ok(K::vector(rt, data))
}

/// `x pj y`: plus join — `y`'s values for `x`'s keys (zero where missing) added to `x`.
pub fn pj(x: &K, y: &K) -> QResult {
    let (kt, vt, _) = keyed_parts(y).ok_or_else(QError::type_)?;
    nrows(kt)?;
    nrows(vt)?;
    on_unkeyed(x, |t| {
        let xk = cols_named(t, &kt.names)?;
        let yk: Vec<&K> = kt.cols.iter().collect();
        let j = find_rows(&yk, &xk)?;
        let mut names = t.names.to_vec();
        let mut cols = t.cols.clone();
        for (&n, c) in vt.names.iter().zip(&vt.cols) {
            let add = fill_zero(&gather(c, &j)?)?;
            match names.iter().position(|&m| m == n) {
                Some(p) => cols[p] = add_cols(&cols[p], &add)?,
                None => {
                    names.push(n);
                    cols.push(add);
                }
            }
        }
        Ok(K::table(names, cols))
    })
}

fn union_join(x: &K, y: &K, fill: bool) -> QResult {
    if is_empty_list(x) {
        return Ok(y.clone());
    }
    if !fill && is_empty_list(y) {
        return Ok(x.clone());
    }
    match (x, y) {
        (K::Table(a), K::Table(b)) => {
            let (na, nb) = (nrows(a)?, nrows(b)?);
            let mut names = a.names.to_vec();
            let mut left = a.cols.clone();
            for (&n, c) in b.names.iter().zip(&b.cols) {
                if !names.contains(&n) {
                    names.push(n);
                    left.push(nulls_like(c, na)?);
                }
            }
            let cols = names
                .iter()
                .zip(&left)
                .map(|(&n, l)| {
                    let r = match b.col(n) {
                        Some(c) => c.clone(),
                        None => nulls_like(l, nb)?,
                    };
                    Ok(concat(l, &r))
                })
                .collect::<QResult<Vec<_>>>()?;
            Ok(K::table(names, cols))
        }
        _ => {
            let ((xk, xv, _), (yk, _, _)) = match (keyed_parts(x), keyed_parts(y)) {
                (Some(p), Some(q)) => (p, q),
                _ => return Err(QError::type_()),
            };
            if xk.names != yk.names {
                return Err(QError::mismatch());
            }
            nrows(xk)?;
            nrows(yk)?;
            // Distinct keys of both (x's first), x's values for them (nulls for new keys),
            // then a left join with y.
            let all: Vec<K> = xk
                .cols
                .iter()
                .zip(&yk.cols)
                .map(|(a, b)| concat(a, b))
                .collect();
            let all_refs: Vec<&K> = all.iter().collect();
            let g = factorize(&all_refs, None, false)?;
            let (off, rows) = group_rows(&g.y, g.n);
            let firsts: Vec<i64> = off[..g.n].iter().map(|&o| rows[o]).collect();
            let uk = all
                .iter()
                .map(|c| gather(c, &firsts))
                .collect::<QResult<Vec<_>>>()?;
            let uk_refs: Vec<&K> = uk.iter().collect();
            let xk_refs: Vec<&K> = xk.cols.iter().collect();
            let jx = find_rows(&xk_refs, &uk_refs)?;
            let xv2 = gather_table(xv, &jx)?;
            let mid = K::dict(K::table(xk.names.to_vec(), uk), K::Table(Arc::new(xv2)));
            left_join(&mid, y, fill)
        }
    }
}

/// `x uj y`: union join — rows of both (keyed: `y` upserted by key), columns of both.
pub fn uj(x: &K, y: &K) -> QResult {
    union_join(x, y, false)
}

/// `x ujf y`: union join keeping `x`'s value where `y`'s is null.
pub fn ujf(x: &K, y: &K) -> QResult {
    union_join(x, y, true)
}

/// `ej[c;t1;t2]`: equi join — for each row of `t1`, one row per matching row of `t2`.
pub fn ej(c: &K, t1: &K, t2: &K) -> QResult {
    let names = sym_list(c)?;
    if names.is_empty() {
        return Err(QError::length());
    }
    let (ux, uz) = (unkey(t1)?, unkey(t2)?);
    let (x, z) = (as_table(&ux)?, as_table(&uz)?);
    nrows(x)?;
    nrows(z)?;
    let xk = cols_named(x, &names)?;
    let zk = cols_named(z, &names)?;
    let g = factorize(&zk, Some(&xk), false)?;
    let (off, rows) = group_rows(&g.y, g.n);
    let mut xi = Vec::new();
    let mut zi = Vec::new();
    for (i, &id) in g.x.iter().enumerate() {
        let k = id as usize;
        if let (Some(&s), Some(&e)) = (off.get(k), off.get(k + 1)) {
            zi.extend_from_slice(&rows[s..e]);
            xi.extend(std::iter::repeat_n(i as i64, e - s));
        }
    }
    let left = gather_table(x, &xi)?;
    let (rn, rc) = other_cols(z, &names);
    join_assign(&left, &rn, &rc, &zi, false)
}

// ------------------------------------------------------------------------------------------
// aj aj0 ajf ajf0 asof

fn asof_join(c: &K, t1: &K, t2: &K, fill: bool, t1_time: bool) -> QResult {
    let names = sym_list(c)?;
    let (last, eq) = names.split_last().ok_or_else(QError::length)?;
    let uz = unkey(t2)?;
    let z = as_table(&uz)?;
    nrows(z)?;
    let ze = cols_named(z, eq)?;
    let zt = col_of(z, *last)?;
    on_unkeyed(t1, |x| {
        let xe = cols_named(x, eq)?;
        let xt = col_of(x, *last)?;
        let j = asof_rows(&ze, zt, &xe, xt)?;
        // aj keeps t1's values of the join columns (the boundary time); aj0 takes t2's.
        let (dn, dc) = if t1_time {
            other_cols(z, &names)
        } else {
            (z.names.to_vec(), z.cols.clone())
        };
        join_assign(x, &dn, &dc, &j, fill)
    })
}

/// `aj[c;t1;t2]`: as-of join — for each row of `t1`, the last row of `t2` with equal `c[0..n-1]`
/// and `c[n-1]` <= `t1`'s; `t2` sorted on `c[n-1]` within those groups.
pub fn aj(c: &K, t1: &K, t2: &K) -> QResult {
    asof_join(c, t1, t2, false, true)
}

/// `aj0[c;t1;t2]`: as `aj`, taking the time (and other join columns) from `t2`.
pub fn aj0(c: &K, t1: &K, t2: &K) -> QResult {
    asof_join(c, t1, t2, false, false)
}

/// `ajf[c;t1;t2]`: as `aj`, filling from `t1` where `t2`'s value is null.
pub fn ajf(c: &K, t1: &K, t2: &K) -> QResult {
    asof_join(c, t1, t2, true, true)
}

/// `ajf0[c;t1;t2]`: as `aj0`, filling from `t1` where `t2`'s value is null.
pub fn ajf0(c: &K, t1: &K, t2: &K) -> QResult {
    asof_join(c, t1, t2, true, false)
}

/// `t asof d`: the remaining columns of the last row of `t` matching `d` (a dictionary: one
/// row, as a dictionary; a table: one row each) on all but the last key and <= on the last.
pub fn asof(x: &K, y: &K) -> QResult {
    let u = unkey(x)?;
    let t = as_table(&u)?;
    nrows(t)?;
    let lookup = |names: &[Sym], ycols: &[K]| -> QResult<Vec<i64>> {
        let (last, eq) = names.split_last().ok_or_else(QError::length)?;
        let (yl, ye) = ycols.split_last().ok_or_else(QError::length)?;
        let te = cols_named(t, eq)?;
        let tt = col_of(t, *last)?;
        let ye: Vec<&K> = ye.iter().collect();
        asof_rows(&te, tt, &ye, yl)
    };
    match y {
        K::Dict(d) if keyed_parts(y).is_none() => {
            let names = sym_list(&d.keys)?;
            let vals = items(&d.vals);
            if vals.len() != names.len() {
                return Err(QError::length());
            }
            if !vals.iter().all(|v| v.is_atom()) {
                return Err(QError::nyi());
            }
            let ycols: Vec<K> = vals.into_iter().map(|v| from_items(vec![v])).collect();
            let j = lookup(&names, &ycols)?;
            let (rn, rc) = other_cols(t, &names);
            let row = rc
                .iter()
                .map(|c| gather(c, &j).map(|g| item(&g, 0).unwrap_or(K::NULL)))
                .collect::<QResult<Vec<_>>>()?;
            Ok(K::dict(K::syms(rn), from_items(row)))
        }
        _ => {
            let uy = unkey(y)?;
            let yt = as_table(&uy)?;
            nrows(yt)?;
            let j = lookup(&yt.names, &yt.cols)?;
            let (rn, rc) = other_cols(t, &yt.names);
            let cols = rc
                .iter()
                .map(|c| gather(c, &j))
                .collect::<QResult<Vec<_>>>()?;
            Ok(K::table(rn, cols))
        }
    }
}

// ------------------------------------------------------------------------------------------
// wj wj1

fn window_rows<T: Elem>(
    qt: &[T],
    w0: &Data,
    w1: &Data,
    g: &Groups,
    closed: bool,
) -> QResult<Vec<Vec<i64>>> {
    let (Some(w0), Some(w1)) = (T::slice(w0), T::slice(w1)) else {
        return Err(QError::type_());
    };
    let lay = Layout::new(g, qt);
    Ok(g.x
        .iter()
        .zip(w0.iter().zip(w1))
        .map(|(&id, (b, e))| {
            let Some((s, t)) = lay.group(id) else {
                return Vec::new();
            };
            let vals = &lay.vals[s..t];
            // wj also takes the quote prevailing at the window's start; wj1 only those in it.
            let lo = if closed {
                below(vals, b)
            } else {
                upto(vals, b).saturating_sub(1)
            };
            let hi = upto(vals, e);
            (lo..hi.max(lo)).map(|p| lay.row(s + p)).collect()
        })
        .collect())
}

/// The windows of `wj` (`closed == false`) or `wj1` (`closed == true`): for each row of `t`,
/// the rows of `q` whose columns `c[0..n-1]` equal `t`'s and whose `c[n-1]` lies in
/// `[w[0] i; w[1] i]` — for `wj` also the last row before the window (the prevailing quote).
/// `q` must be sorted on `c[n-1]` within those groups.
pub fn wj_windows(w: &K, c: &K, t: &K, q: &K, closed: bool) -> QResult<Vec<Vec<i64>>> {
    let names = sym_list(c)?;
    let (last, eq) = names.split_last().ok_or_else(QError::length)?;
    let ut = unkey(t)?;
    let tt = as_table(&ut)?;
    let nt = nrows(tt)?;
    let uq = unkey(q)?;
    let qq = as_table(&uq)?;
    nrows(qq)?;
    let (w0, w1) = match w {
        K::List(l) if l.items.len() == 2 => (&l.items[0], &l.items[1]),
        _ => return Err(QError::type_()),
    };
    if w0.len() != nt || w1.len() != nt {
        return Err(QError::length());
    }
    let qt = col_of(qq, *last)?;
    let g = if eq.is_empty() {
        Groups::single(qt.len(), nt)
    } else {
        factorize(&cols_named(qq, eq)?, Some(&cols_named(tt, eq)?), true)?
    };
    match (qt, w0, w1) {
        (K::Vector(a), K::Vector(b), K::Vector(e)) if a.ty == b.ty && a.ty == e.ty => {
            each_data!(&a.data, |d| window_rows(
                d.as_slice(),
                &b.data,
                &e.data,
                &g,
                closed
            ))
        }
        _ => Err(QError::type_()),
    }
}

/// One aggregation of `wj`: the function, the columns of `q` it is applied to, and the name
/// of the result column (the last of those).
fn wj_agg(k: &K) -> QResult<(K, Vec<Sym>)> {
    let it = match k {
        K::List(l) if l.items.len() >= 2 => l.items.as_ref(),
        _ => return Err(QError::type_()),
    };
    let cols = it[1..]
        .iter()
        .map(|c| c.as_sym().ok_or_else(QError::type_))
        .collect::<QResult<Vec<_>>>()?;
    Ok((it[0].clone(), cols))
}

/// `wj[w;c;t;(q;(f0;c0);(f1;c1)...)]` (`closed`: `wj1`). `apply(f, args)` applies an
/// aggregation function to the window's slices of its columns (the evaluator supplies it).
pub fn wj(
    w: &K,
    c: &K,
    t: &K,
    spec: &K,
    closed: bool,
    apply: &mut dyn FnMut(&K, &[K]) -> QResult,
) -> QResult {
    let parts = match spec {
        K::List(l) if !l.items.is_empty() => l.items.as_ref(),
        _ => return Err(QError::type_()),
    };
    let q = &parts[0];
    let aggs = parts[1..].iter().map(wj_agg).collect::<QResult<Vec<_>>>()?;
    let windows = wj_windows(w, c, t, q, closed)?;
    let uq = unkey(q)?;
    let qt = as_table(&uq)?;
    let mut names = Vec::with_capacity(aggs.len());
    let mut out = Vec::with_capacity(aggs.len());
    for (f, cs) in &aggs {
        let src = cols_named(qt, cs)?;
        let mut vals = Vec::with_capacity(windows.len());
        for rows in &windows {
            let args = src
                .iter()
                .map(|s| gather(s, rows))
                .collect::<QResult<Vec<_>>>()?;
            vals.push(apply(f, &args)?);
        }
        names.push(*cs.last().ok_or_else(QError::length)?);
        out.push(from_items(vals));
    }
    on_unkeyed(t, |tb| join_columns(tb, &names, out))
}

// ------------------------------------------------------------------------------------------
// insert upsert

/// Records to add, aligned with a table's columns (`None`: not supplied, filled with nulls),
/// and how many rows they are.
struct Batch {
    cols: Vec<Option<K>>,
    n: usize,
}

enum Cell {
    One,
    Many(usize),
}

/// Whether a supplied item is one cell or a list of cells for this column.
fn cell_kind(col: &K, v: &K) -> Cell {
    let general = matches!(col, K::List(l) if !l.items.is_empty());
    if !is_listlike(v) || (general && !matches!(v, K::List(_))) {
        Cell::One
    } else {
        Cell::Many(v.len())
    }
}

/// One cell as a one-row column of the right shape for `col`.
fn enlist_for(col: &K, v: &K) -> K {
    if matches!(col, K::List(l) if !l.items.is_empty()) {
        K::list(vec![v.clone()])
    } else {
        from_items(vec![v.clone()])
    }
}

fn by_position(cols: &[K], its: &[K]) -> QResult<Batch> {
    let kinds: Vec<Cell> = cols.iter().zip(its).map(|(c, v)| cell_kind(c, v)).collect();
    let mut n = None;
    let mut ones = false;
    for k in &kinds {
        match k {
            Cell::One => ones = true,
            Cell::Many(m) => match n {
                None => n = Some(*m),
                Some(p) if p != *m => return Err(QError::length()),
                _ => {}
            },
        }
    }
    let n = n.unwrap_or(1);
    if ones && n != 1 {
        return Err(QError::length());
    }
    let out = cols
        .iter()
        .zip(its)
        .zip(&kinds)
        .map(|((c, v), k)| {
            Some(match k {
                Cell::One => enlist_for(c, v),
                Cell::Many(_) => v.clone(),
            })
        })
        .collect();
    Ok(Batch { cols: out, n })
}

fn by_name(names: &[Sym], ynames: &[Sym], ycols: Vec<K>, n: usize) -> QResult<Batch> {
    let mut out = vec![None; names.len()];
    for (yn, yc) in ynames.iter().zip(ycols) {
        let p = names
            .iter()
            .position(|m| m == yn)
            .ok_or_else(QError::mismatch)?;
        out[p] = Some(yc);
    }
    Ok(Batch { cols: out, n })
}

/// A supplied column must have the table column's type (an empty general column takes
/// whatever comes first).
fn check_type(col: &K, new: &K) -> QResult<()> {
    match (col, new) {
        (K::Vector(a), K::Vector(b)) if a.ty == b.ty => Ok(()),
        (K::Enum(a), K::Enum(b)) if a.domain == b.domain => Ok(()),
        // Enumerating symbols on the way in needs the domain (a global).
        (K::Enum(_), K::Vector(b)) if b.ty == Ty::Sym => Err(QError::nyi()),
        (K::List(_), _) => Ok(()),
        (_, K::List(l)) if l.items.is_empty() => Ok(()),
        _ => Err(QError::type_()),
    }
}

/// Normalise `y` (columns, one row, a list of rows, a dictionary, a table) against a table's
/// columns and check types.
fn batch(names: &[Sym], cols: &[K], y: &K) -> QResult<Batch> {
    let nc = cols.len();
    let b = match y {
        K::Table(t) => {
            let n = nrows(t)?;
            by_name(names, &t.names, t.cols.clone(), n)?
        }
        K::Dict(d) => match keyed_parts(y) {
            Some(_) => return batch(names, cols, &unkey(y)?),
            None => {
                let ks = sym_list(&d.keys)?;
                let vs = items(&d.vals);
                if ks.len() != vs.len() {
                    return Err(QError::length());
                }
                let mut one = Vec::with_capacity(ks.len());
                for (k, v) in ks.iter().zip(&vs) {
                    let p = names
                        .iter()
                        .position(|m| m == k)
                        .ok_or_else(QError::mismatch)?;
                    one.push(enlist_for(&cols[p], v));
                }
                by_name(names, &ks, one, 1)?
            }
        },
        K::List(l) if l.items.is_empty() => Batch {
            cols: cols
                .iter()
                .map(|c| nulls_like(c, 0).map(Some))
                .collect::<QResult<_>>()?,
            n: 0,
        },
        K::List(l) if l.items.len() == nc => by_position(cols, &l.items)?,
        K::List(l) if l.items.iter().all(|r| is_listlike(r) && r.len() == nc) => {
            let rows = &l.items;
            let cols = (0..nc)
                .map(|p| Some(from_items(rows.iter().filter_map(|r| item(r, p)).collect())))
                .collect();
            Batch {
                cols,
                n: rows.len(),
            }
        }
        K::Vector(_) | K::Enum(_) if nc == 1 => by_position(cols, std::slice::from_ref(y))?,
        K::Vector(_) | K::Enum(_) if y.len() == nc => by_position(cols, &items(y))?,
        _ if y.is_atom() && nc == 1 => by_position(cols, std::slice::from_ref(y))?,
        _ => return Err(QError::length()),
    };
    for (c, new) in cols.iter().zip(&b.cols) {
        if let Some(new) = new {
            check_type(c, new)?;
            if new.len() != b.n {
                return Err(QError::length());
            }
        }
    }
    Ok(b)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Insert,
    Upsert,
}

/// What happens to one value column of a keyed table on upsert.
enum Plan {
    /// The column was an empty general list: it becomes the new values outright.
    Replace(K),
    /// Append nulls for new keys (with the attribute to keep), then write the supplied
    /// values (if any) at their rows.
    Extend(K, Attr, Option<K>),
}

fn write(t: &mut K, rows: &K, mode: Mode) -> QResult<K> {
    if let K::Table(tb) = t {
        if mode == Mode::Upsert && keyed_parts(rows).is_some() {
            return Err(QError::type_());
        }
        let n0 = nrows(tb)?;
        let b = batch(&tb.names, &tb.cols, rows)?;
        let n = b.n;
        let pieces = tb
            .cols
            .iter()
            .zip(b.cols)
            .map(|(c, new)| match new {
                Some(v) => Ok(v),
                None => nulls_like(c, n),
            })
            .collect::<QResult<Vec<_>>>()?;
        let attrs: Vec<Attr> = tb
            .cols
            .iter()
            .zip(&pieces)
            .map(|(c, p)| append_attr(c, p))
            .collect();
        let tm = Arc::make_mut(tb);
        for ((c, p), a) in tm.cols.iter_mut().zip(&pieces).zip(attrs) {
            append_in_place(c, p);
            set_attr(c, a);
        }
        return Ok(K::longs((n0 as i64..(n0 + n) as i64).collect()));
    }
    let (kt, vt, _) = keyed_parts(t).ok_or_else(QError::type_)?;
    let n0 = nrows(kt)?;
    if nrows(vt)? != n0 {
        return Err(QError::length());
    }
    let nk = kt.cols.len();
    let names: Vec<Sym> = kt.names.iter().chain(vt.names.iter()).copied().collect();
    let all: Vec<K> = kt.cols.iter().chain(&vt.cols).cloned().collect();
    let b = batch(&names, &all, rows)?;
    let n = b.n;
    let (kb, vb) = b.cols.split_at(nk);
    let inc: Vec<&K> = kb
        .iter()
        .map(|c| c.as_ref().ok_or_else(QError::mismatch))
        .collect::<QResult<_>>()?;
    let have: Vec<&K> = kt.cols.iter().collect();
    let j = find_rows(&have, &inc)?;
    let g = factorize(&inc, None, false)?;
    // Row each incoming record lands on: its existing key's row, or a new row (one per
    // distinct new key, in first-seen order; later duplicates overwrite earlier ones).
    let mut target = Vec::with_capacity(n);
    let mut slot = vec![usize::MAX; g.n];
    let mut fresh: Vec<i64> = Vec::new();
    for (i, (&id, &e)) in g.y.iter().zip(&j).enumerate() {
        if e >= 0 {
            target.push(e as usize);
        } else {
            let s = &mut slot[id as usize];
            if *s == usize::MAX {
                *s = n0 + fresh.len();
                fresh.push(i as i64);
            }
            target.push(*s);
        }
    }
    if mode == Mode::Insert && fresh.len() != n {
        return Err(QError::new("insert"));
    }
    let key_new = inc
        .iter()
        .map(|c| gather(c, &fresh))
        .collect::<QResult<Vec<_>>>()?;
    let key_attrs: Vec<Attr> = kt
        .cols
        .iter()
        .zip(&key_new)
        .map(|(c, p)| append_attr(c, p))
        .collect();
    let plans = vt
        .cols
        .iter()
        .zip(vb)
        .map(|(c, v)| {
            if n0 == 0 && matches!(c, K::List(l) if l.items.is_empty()) {
                let mut col = match v {
                    Some(v) => nulls_like(v, fresh.len())?,
                    None => nulls_like(c, fresh.len())?,
                };
                if let Some(v) = v {
                    scatter_in_place(&mut col, &target, v);
                }
                Ok(Plan::Replace(col))
            } else {
                let nulls = nulls_like(c, fresh.len())?;
                let a = if v.is_some() {
                    if c.attr() == Attr::Grouped {
                        Attr::Grouped
                    } else {
                        Attr::None
                    }
                } else {
                    append_attr(c, &nulls)
                };
                Ok(Plan::Extend(nulls, a, v.clone()))
            }
        })
        .collect::<QResult<Vec<_>>>()?;
    let grew = !fresh.is_empty();
    let K::Dict(d) = t else {
        return Err(QError::type_());
    };
    let dm = Arc::make_mut(d);
    if grew {
        dm.sorted = false;
    }
    if let K::Table(k) = &mut dm.keys {
        let km = Arc::make_mut(k);
        for ((c, p), a) in km.cols.iter_mut().zip(&key_new).zip(key_attrs) {
            append_in_place(c, p);
            set_attr(c, a);
        }
    }
    if let K::Table(v) = &mut dm.vals {
        let vm = Arc::make_mut(v);
        for (c, plan) in vm.cols.iter_mut().zip(plans) {
            match plan {
                Plan::Replace(col) => *c = col,
                Plan::Extend(nulls, a, val) => {
                    append_in_place(c, &nulls);
                    if let Some(val) = val {
                        scatter_in_place(c, &target, &val);
                    }
                    set_attr(c, a);
                }
            }
        }
    }
    Ok(K::longs((n0 as i64..(n0 + n) as i64).collect()))
}

/// Insert records into the table held in `t`, in place (no copy when its columns are not
/// shared); returns the new row indices. Keyed tables refuse existing keys (`'insert`).
/// On error `t` is unchanged.
pub fn insert_in_place(t: &mut K, rows: &K) -> QResult<K> {
    write(t, rows, Mode::Insert)
}

/// Upsert records into the table held in `t`, in place: a simple table appends, a keyed
/// table updates rows whose key exists and appends the rest. On error `t` is unchanged.
pub fn upsert_in_place(t: &mut K, rows: &K) -> QResult<()> {
    write(t, rows, Mode::Upsert).map(|_| ())
}

/// `insert` on a table value: the new table and the new row indices.
pub fn insert_rows(t: &K, rows: &K) -> QResult<(K, K)> {
    let mut out = t.clone();
    let idx = insert_in_place(&mut out, rows)?;
    Ok((out, idx))
}

/// `upsert` on a table value: the new table.
pub fn upsert_rows(t: &K, rows: &K) -> QResult {
    let mut out = t.clone();
    upsert_in_place(&mut out, rows)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qipc::Dict;

    fn sy(s: &str) -> Sym {
        Sym::from(s)
    }
    fn ss(v: &[&str]) -> K {
        K::syms(v.iter().map(|s| Sym::from(*s)))
    }
    fn tb(cols: Vec<(&str, K)>) -> K {
        let (n, c): (Vec<Sym>, Vec<K>) = cols.into_iter().map(|(n, c)| (sy(n), c)).unzip();
        K::table(n, c)
    }
    fn kt(n: usize, cols: Vec<(&str, K)>) -> K {
        rekey(tb(cols), n).unwrap()
    }
    fn sorted_kt(n: usize, cols: Vec<(&str, K)>) -> K {
        match kt(n, cols) {
            K::Dict(d) => K::Dict(Arc::new(Dict {
                keys: d.keys.clone(),
                vals: d.vals.clone(),
                sorted: true,
            })),
            _ => unreachable!(),
        }
    }
    fn hms(h: i32, m: i32, s: i32) -> i32 {
        h * 3600 + m * 60 + s
    }
    fn secs(v: &[i32]) -> K {
        K::i32s_of(Ty::Second, v.to_vec())
    }
    fn stamps(v: &[i64]) -> K {
        K::i64s_of(Ty::Timestamp, v.to_vec())
    }
    fn col(t: &K, name: &str) -> K {
        let u = unkey(t).unwrap();
        as_table(&u).unwrap().col(sy(name)).unwrap().clone()
    }
    fn names(t: &K) -> K {
        cols(t).unwrap()
    }
    fn err(r: QResult) -> String {
        r.unwrap_err().msg.to_string()
    }
    fn longs(v: &[i64]) -> K {
        K::longs(v.to_vec())
    }
    fn floats(v: &[f64]) -> K {
        K::floats(v.to_vec())
    }
    const NJ: i64 = null::J;
    const NF: f64 = f64::NAN;

    #[test]
    fn cols_and_keys() {
        let t = tb(vec![("a", longs(&[1, 2])), ("b", ss(&["x", "y"]))]);
        assert_eq!(cols(&t).unwrap(), ss(&["a", "b"]));
        assert_eq!(keys(&t).unwrap(), ss(&[]));
        let k = kt(
            1,
            vec![("a", longs(&[1])), ("b", longs(&[2])), ("c", longs(&[3]))],
        );
        assert_eq!(cols(&k).unwrap(), ss(&["a", "b", "c"]));
        assert_eq!(keys(&k).unwrap(), ss(&["a"]));
        let d = K::dict(ss(&["p", "q"]), longs(&[1, 2]));
        assert_eq!(cols(&d).unwrap(), ss(&["p", "q"]));
        assert_eq!(err(cols(&K::long(1))), "type");
        assert_eq!(err(keys(&d)), "type");
    }

    #[test]
    fn meta_types_and_attributes() {
        let t = tb(vec![
            ("a", longs(&[1, 2]).with_attr(Attr::Sorted)),
            ("b", ss(&["x", "y"])),
            ("c", K::list(vec![K::string("ab"), K::string("c")])),
            ("d", K::list(vec![longs(&[1, 2]), longs(&[3])])),
        ]);
        let m = meta(&t).unwrap();
        let (k, v, _) = keyed_parts(&m).unwrap();
        assert_eq!(k.cols[0], ss(&["a", "b", "c", "d"]));
        assert_eq!(v.names.to_vec(), vec![sy("t"), sy("f"), sy("a")]);
        assert_eq!(v.cols[0], K::string("jsCJ"));
        assert_eq!(v.cols[1], ss(&["", "", "", ""]));
        assert_eq!(v.cols[2], ss(&["s", "", "", ""]));
        // keyed tables describe their key columns too; empty general columns are blank
        let e = kt(
            1,
            vec![
                ("k", ss(&[])),
                ("name", empty_list()),
                ("age", empty_list()),
            ],
        );
        let m = meta(&e).unwrap();
        assert_eq!(col(&m, "t"), K::string("s  "));
        // a foreign key shows its domain when the resolver says the domain is a table
        let f = tb(vec![(
            "s",
            K::Enum(Enum {
                domain: sy("s"),
                attr: Attr::None,
                idx: Arc::new(vec![0, 1]),
            }),
        )]);
        assert_eq!(col(&meta(&f).unwrap(), "f"), ss(&[""]));
        assert_eq!(
            col(&meta_with(&f, &|d| d == sy("s")).unwrap(), "f"),
            ss(&["s"])
        );
        assert_eq!(col(&meta(&f).unwrap(), "t"), K::string("s"));
        assert_eq!(err(meta(&longs(&[1]))), "type");
    }

    fn abc() -> K {
        tb(vec![
            ("a", longs(&[1, 2])),
            ("b", ss(&["x", "y"])),
            ("c", longs(&[10, 20])),
        ])
    }

    #[test]
    fn xkey_keys_and_unkeys() {
        let k = xkey(&K::sym("b"), &abc()).unwrap();
        let (kk, kv, _) = keyed_parts(&k).unwrap();
        assert_eq!(kk.names.to_vec(), vec![sy("b")]);
        assert_eq!(kk.cols[0], ss(&["x", "y"]));
        assert_eq!(kv.names.to_vec(), vec![sy("a"), sy("c")]);
        // () xkey unkeys; key columns stay first
        let u = xkey(&empty_list(), &k).unwrap();
        assert_eq!(names(&u), ss(&["b", "a", "c"]));
        assert!(matches!(u, K::Table(_)));
        let k2 = xkey(&ss(&["c", "a"]), &k).unwrap();
        assert_eq!(keys(&k2).unwrap(), ss(&["c", "a"]));
        assert_eq!(names(&k2), ss(&["c", "a", "b"]));
        assert_eq!(err(xkey(&K::sym("z"), &abc())), "z");
        assert_eq!(err(xkey(&K::long(1), &abc())), "type");
    }

    #[test]
    fn xcol_renames() {
        assert_eq!(
            names(&xcol(&ss(&["A", "B"]), &abc()).unwrap()),
            ss(&["A", "B", "c"])
        );
        assert_eq!(err(xcol(&ss(&["p", "q", "r", "s"]), &abc())), "length");
        let d = K::dict(ss(&["a", "c"]), ss(&["A", "C"]));
        assert_eq!(names(&xcol(&d, &abc()).unwrap()), ss(&["A", "b", "C"]));
        let bad = K::dict(ss(&["z"]), ss(&["Z"]));
        assert_eq!(err(xcol(&bad, &abc())), "index");
        // ([q:`r]) xcol t
        let kq = kt(1, vec![("q", ss(&["r"]))]);
        assert_eq!(err(xcol(&kq, &abc())), "length");
        // keyed: the key columns are the leading columns
        let k = xkey(&K::sym("a"), &abc()).unwrap();
        let r = xcol(&K::sym("K"), &k).unwrap();
        assert_eq!(keys(&r).unwrap(), ss(&["K"]));
        assert_eq!(names(&r), ss(&["K", "b", "c"]));
    }

    #[test]
    fn xcols_reorders() {
        assert_eq!(
            names(&xcols(&K::sym("c"), &abc()).unwrap()),
            ss(&["c", "a", "b"])
        );
        assert_eq!(
            names(&xcols(&ss(&["c", "b", "a"]), &abc()).unwrap()),
            ss(&["c", "b", "a"])
        );
        assert_eq!(err(xcols(&K::sym("z"), &abc())), "z");
    }

    #[test]
    fn xasc_xdesc_stable_multi_column() {
        // `p xasc `qty xdesc select from sp where p in `p2`p4`p5
        let sp = tb(vec![
            ("s", ss(&["s1", "s1", "s4", "s2", "s3", "s4", "s4", "s1"])),
            ("p", ss(&["p2", "p4", "p5", "p2", "p2", "p2", "p4", "p5"])),
            ("qty", longs(&[200, 200, 100, 400, 200, 200, 300, 400])),
        ]);
        let r = xasc(&K::sym("p"), &xdesc(&K::sym("qty"), &sp).unwrap()).unwrap();
        assert_eq!(
            col(&r, "s"),
            ss(&["s2", "s1", "s3", "s4", "s4", "s1", "s1", "s4"])
        );
        assert_eq!(
            col(&r, "p"),
            ss(&["p2", "p2", "p2", "p2", "p4", "p4", "p5", "p5"])
        );
        assert_eq!(
            col(&r, "qty"),
            longs(&[400, 200, 200, 200, 300, 200, 400, 100])
        );
        assert_eq!(col(&r, "p").attr(), Attr::Sorted);
        assert_eq!(col(&r, "qty").attr(), Attr::None);
        // two columns: by the first, the second within it
        let t = tb(vec![
            ("a", longs(&[2, 1, 2, 1])),
            ("b", ss(&["z", "y", "x", "w"])),
        ]);
        let r = xasc(&ss(&["a", "b"]), &t).unwrap();
        assert_eq!(col(&r, "b"), ss(&["w", "y", "x", "z"]));
        // xdesc keeps the order of equals and sets no attribute
        let r = xdesc(&K::sym("a"), &t).unwrap();
        assert_eq!(col(&r, "b"), ss(&["z", "x", "y", "w"]));
        assert_eq!(col(&r, "a").attr(), Attr::None);
    }

    #[test]
    fn xasc_details() {
        // nulls sort first; floats by value
        let t = tb(vec![
            ("f", floats(&[2.0, NF, -1.0])),
            ("i", longs(&[0, 1, 2])),
        ]);
        let r = xasc(&K::sym("f"), &t).unwrap();
        assert_eq!(col(&r, "i"), longs(&[1, 2, 0]));
        // a single column already `s#` is taken at its word, as q does
        let s = tb(vec![("a", longs(&[3, 1, 2]).with_attr(Attr::Sorted))]);
        assert_eq!(
            col(&xasc(&K::sym("a"), &s).unwrap(), "a"),
            longs(&[3, 1, 2])
        );
        assert_eq!(col(&xasc(&ss(&["a"]), &s).unwrap(), "a"), longs(&[1, 2, 3]));
        // general list columns sort lexicographically
        let g = tb(vec![(
            "c",
            K::list(vec![K::string("b"), K::string("ab"), K::string("a")]),
        )]);
        let r = xasc(&K::sym("c"), &g).unwrap();
        assert_eq!(
            col(&r, "c"),
            K::list(vec![K::string("a"), K::string("ab"), K::string("b")])
        );
        // keyed table: rows move with their keys
        let k = kt(
            1,
            vec![
                ("s", ss(&["s1", "s2", "s3"])),
                ("status", longs(&[20, 10, 30])),
            ],
        );
        let r = xasc(&K::sym("status"), &k).unwrap();
        assert_eq!(keyed_parts(&r).unwrap().0.cols[0], ss(&["s2", "s1", "s3"]));
        assert_eq!(err(xasc(&K::sym("z"), &t)), "z");
        let dup = K::table(vec![sy("a"), sy("a")], vec![longs(&[1]), longs(&[2])]);
        assert_eq!(err(xasc(&K::sym("a"), &dup)), "dup");
        assert_eq!(xasc(&empty_list(), &t).unwrap(), t);
    }

    #[test]
    fn xgroup_groups_in_first_seen_order() {
        let t = tb(vec![
            ("a", longs(&[0, 0, 1, 1, 2])),
            ("b", ss(&["a", "a", "c", "d", "e"])),
            ("c", longs(&[0, 1, 2, 3, 4])),
        ]);
        let g = xgroup(&ss(&["a", "b"]), &t).unwrap();
        let (k, v, _) = keyed_parts(&g).unwrap();
        assert_eq!(k.cols[0], longs(&[0, 1, 1, 2]));
        assert_eq!(k.cols[1], ss(&["a", "c", "d", "e"]));
        assert_eq!(
            v.cols[0],
            K::list(vec![longs(&[0, 1]), longs(&[2]), longs(&[3]), longs(&[4])])
        );
        let t = tb(vec![
            ("stock", ss(&["ibm", "ibm", "intel", "ibm", "intel"])),
            ("price", longs(&[1, 2, 1, 3, 2])),
        ]);
        let g = xgroup(&K::sym("stock"), &t).unwrap();
        assert_eq!(col(&g, "stock"), ss(&["ibm", "intel"]));
        assert_eq!(
            col(&g, "price"),
            K::list(vec![longs(&[1, 2, 3]), longs(&[1, 2])])
        );
        // ungroup undoes it up to order
        let u = ungroup(&g).unwrap();
        assert_eq!(
            col(&u, "stock"),
            ss(&["ibm", "ibm", "ibm", "intel", "intel"])
        );
        assert_eq!(col(&u, "price"), longs(&[1, 2, 3, 1, 2]));
    }

    #[test]
    fn ungroup_flattens() {
        let t = tb(vec![
            ("s", ss(&["a", "b", "c"])),
            (
                "p",
                K::list(vec![longs(&[2]), longs(&[5, 7, 11]), longs(&[13, 17])]),
            ),
            ("q", longs(&[10, 20, 30])),
            (
                "r",
                K::list(vec![K::string("A"), K::string("CDE"), K::string("FG")]),
            ),
        ]);
        let u = ungroup(&t).unwrap();
        assert_eq!(col(&u, "s"), ss(&["a", "b", "b", "b", "c", "c"]));
        assert_eq!(col(&u, "p"), longs(&[2, 5, 7, 11, 13, 17]));
        assert_eq!(col(&u, "q"), longs(&[10, 20, 20, 20, 30, 30]));
        assert_eq!(col(&u, "r"), K::string("ACDEFG"));
        let bad = tb(vec![
            ("p", K::list(vec![longs(&[1, 2])])),
            ("r", K::list(vec![longs(&[1])])),
        ]);
        assert_eq!(err(ungroup(&bad)), "length");
        assert_eq!(err(ungroup(&abc())), "rank");
        let e = kt(1, vec![("a", longs(&[])), ("b", empty_list())]);
        assert!(matches!(ungroup(&e).unwrap(), K::Table(_)));
    }

    #[test]
    fn lj_left_join() {
        let x = tb(vec![
            ("a", longs(&[1, 2, 3])),
            ("b", ss(&["I", "J", "K"])),
            ("c", longs(&[10, 20, 30])),
        ]);
        let y = kt(
            2,
            vec![
                ("a", longs(&[1, 3])),
                ("b", ss(&["I", "K"])),
                ("c", longs(&[1, 2])),
                ("d", longs(&[10, 20])),
            ],
        );
        let r = lj(&x, &y).unwrap();
        assert_eq!(names(&r), ss(&["a", "b", "c", "d"]));
        assert_eq!(col(&r, "c"), longs(&[1, 20, 2]));
        assert_eq!(col(&r, "d"), longs(&[10, NJ, 20]));
        // V3: nulls in y replace x's values
        let x = tb(vec![
            ("a", longs(&[1, 2])),
            ("b", ss(&["x", "y"])),
            ("c", longs(&[10, 20])),
        ]);
        let y = kt(
            1,
            vec![
                ("a", longs(&[1, 2])),
                ("b", ss(&["", "z"])),
                ("c", longs(&[1, NJ])),
            ],
        );
        let r = lj(&x, &y).unwrap();
        assert_eq!(col(&r, "b"), ss(&["", "z"]));
        assert_eq!(col(&r, "c"), longs(&[1, NJ]));
        // ljf keeps x's value where y's is null
        let r = ljf(&x, &y).unwrap();
        assert_eq!(col(&r, "b"), ss(&["x", "z"]));
        assert_eq!(col(&r, "c"), longs(&[1, 20]));
        // keyed left side, unkeyed right side, () right side
        let x = tb(vec![("a", longs(&[1, 2, 3])), ("b", longs(&[10, 20, 30]))]);
        let y = tb(vec![("a", longs(&[1, 3])), ("b", longs(&[100, 300]))]);
        let want = tb(vec![
            ("a", longs(&[1, 2, 3])),
            ("b", longs(&[100, 20, 300])),
        ]);
        let r = lj(&rekey(x.clone(), 1).unwrap(), &rekey(y.clone(), 1).unwrap()).unwrap();
        assert_eq!(r, rekey(want.clone(), 1).unwrap());
        assert_eq!(lj(&x, &rekey(y.clone(), 1).unwrap()).unwrap(), want);
        assert_eq!(err(lj(&x, &y)), "type");
        assert_eq!(lj(&x, &empty_list()).unwrap(), x);
        // a key column missing from x
        let y = kt(1, vec![("z", longs(&[1])), ("v", longs(&[1]))]);
        assert_eq!(err(lj(&x, &y)), "z");
        // key types that differ find nothing
        let y = kt(1, vec![("a", K::ints(vec![1])), ("v", longs(&[5]))]);
        assert_eq!(col(&lj(&x, &y).unwrap(), "v"), longs(&[NJ, NJ, NJ]));
    }

    #[test]
    fn lj_on_sorted_keyed_table_is_a_step_function() {
        let x = tb(vec![("t", longs(&[1, 5, 10, 6]))]);
        let y = sorted_kt(1, vec![("t", longs(&[2, 6])), ("v", longs(&[20, 60]))]);
        assert_eq!(col(&lj(&x, &y).unwrap(), "v"), longs(&[NJ, 20, 60, 60]));
    }

    #[test]
    fn ij_inner_join() {
        let x = tb(vec![
            ("k", longs(&[1, 2, 3, 4])),
            ("v", longs(&[10, 20, 30, 40])),
        ]);
        let y = kt(
            1,
            vec![
                ("k", longs(&[2, 3, 4, 5])),
                ("v", longs(&[200, 300, 400, 500])),
                ("s", ss(&["a", "b", "c", "d"])),
            ],
        );
        let r = ij(&x, &y).unwrap();
        assert_eq!(col(&r, "k"), longs(&[2, 3, 4]));
        assert_eq!(col(&r, "v"), longs(&[200, 300, 400]));
        assert_eq!(col(&r, "s"), ss(&["a", "b", "c"]));
        let x = tb(vec![
            ("a", longs(&[1, 2])),
            ("b", ss(&["x", "y"])),
            ("c", longs(&[10, 20])),
        ]);
        let y = kt(
            1,
            vec![
                ("a", longs(&[1, 2])),
                ("b", ss(&["", "z"])),
                ("c", longs(&[1, NJ])),
            ],
        );
        let r = ij(&x, &y).unwrap();
        assert_eq!(col(&r, "b"), ss(&["", "z"]));
        assert_eq!(col(&r, "c"), longs(&[1, NJ]));
        let r = ijf(&x, &y).unwrap();
        assert_eq!(col(&r, "b"), ss(&["x", "z"]));
        assert_eq!(col(&r, "c"), longs(&[1, 20]));
        assert_eq!(err(ij(&x, &x)), "type");
        // keyed left side stays keyed
        let r = ij(&rekey(x.clone(), 1).unwrap(), &y).unwrap();
        assert_eq!(keys(&r).unwrap(), ss(&["a"]));
    }

    #[test]
    fn pj_plus_join() {
        let x = tb(vec![
            ("a", longs(&[1, 2, 3])),
            ("b", ss(&["x", "y", "z"])),
            ("c", longs(&[10, 20, 30])),
        ]);
        let y = kt(
            2,
            vec![
                ("a", longs(&[1, 3])),
                ("b", ss(&["x", "z"])),
                ("c", longs(&[1, 2])),
                ("d", longs(&[10, 20])),
            ],
        );
        let r = pj(&x, &y).unwrap();
        assert_eq!(col(&r, "c"), longs(&[11, 20, 32]));
        assert_eq!(col(&r, "d"), longs(&[10, 0, 20]));
        // int + float promotes; symbols cannot be added
        let y = kt(1, vec![("a", longs(&[2])), ("c", floats(&[0.5]))]);
        assert_eq!(col(&pj(&x, &y).unwrap(), "c"), floats(&[10.0, 20.5, 30.0]));
        let xi = tb(vec![("a", longs(&[1])), ("c", K::ints(vec![7]))]);
        let y = kt(1, vec![("a", longs(&[1])), ("c", longs(&[3]))]);
        assert_eq!(col(&pj(&xi, &y).unwrap(), "c"), longs(&[10]));
        let y = kt(1, vec![("a", longs(&[1])), ("b", ss(&["q"]))]);
        assert_eq!(err(pj(&x, &y)), "type");
    }

    #[test]
    fn uj_union_join() {
        let s = tb(vec![
            ("a", longs(&[1, 2])),
            ("b", longs(&[2, 3])),
            ("c", longs(&[5, 7])),
        ]);
        let t = tb(vec![
            ("a", longs(&[1, 2, 3])),
            ("b", longs(&[2, 3, 7])),
            ("c", longs(&[10, 20, 30])),
            ("d", K::string("ABC")),
        ]);
        let r = uj(&s, &t).unwrap();
        assert_eq!(names(&r), ss(&["a", "b", "c", "d"]));
        assert_eq!(col(&r, "a"), longs(&[1, 2, 1, 2, 3]));
        assert_eq!(col(&r, "c"), longs(&[5, 7, 10, 20, 30]));
        assert_eq!(col(&r, "d"), K::string("  ABC"));
        let r = uj(&rekey(s.clone(), 2).unwrap(), &rekey(t.clone(), 2).unwrap()).unwrap();
        let (k, v, _) = keyed_parts(&r).unwrap();
        assert_eq!(k.cols[0], longs(&[1, 2, 3]));
        assert_eq!(k.cols[1], longs(&[2, 3, 7]));
        assert_eq!(v.cols[0], longs(&[10, 20, 30]));
        assert_eq!(v.cols[1], K::string("ABC"));
        // keyed: y's nulls win in uj, not in ujf
        let x = kt(
            1,
            vec![
                ("a", longs(&[1, 2])),
                ("b", ss(&["x", "y"])),
                ("c", longs(&[10, 20])),
            ],
        );
        let y = kt(
            1,
            vec![
                ("a", longs(&[1, 2])),
                ("b", ss(&["", "z"])),
                ("c", longs(&[1, NJ])),
            ],
        );
        assert_eq!(col(&uj(&x, &y).unwrap(), "b"), ss(&["", "z"]));
        let f = ujf(&x, &y).unwrap();
        assert_eq!(col(&f, "b"), ss(&["x", "z"]));
        assert_eq!(col(&f, "c"), longs(&[1, 20]));
        // new keys and new columns
        let x = kt(1, vec![("k", longs(&[1, 2])), ("v", longs(&[10, 20]))]);
        let y = kt(1, vec![("k", longs(&[2, 3])), ("w", ss(&["b", "c"]))]);
        let r = uj(&x, &y).unwrap();
        assert_eq!(col(&r, "k"), longs(&[1, 2, 3]));
        assert_eq!(col(&r, "v"), longs(&[10, 20, NJ]));
        assert_eq!(col(&r, "w"), ss(&["", "b", "c"]));
        assert_eq!(uj(&empty_list(), &s).unwrap(), s);
        assert_eq!(uj(&s, &empty_list()).unwrap(), s);
        assert_eq!(err(uj(&s, &x)), "type");
        let z = kt(1, vec![("j", longs(&[1])), ("v", longs(&[1]))]);
        assert_eq!(err(uj(&x, &z)), "mismatch");
    }

    #[test]
    fn ej_equi_join() {
        let t1 = tb(vec![
            ("k", longs(&[1, 2, 3, 4])),
            ("c", longs(&[10, 20, 30, 40])),
        ]);
        let t2 = tb(vec![
            ("k", longs(&[2, 2, 3, 4, 5])),
            ("c", longs(&[200, 222, 300, 400, 500])),
            ("v", floats(&[2.2, 22.22, 3.3, 4.4, 5.5])),
        ]);
        let r = ej(&K::sym("k"), &t1, &t2).unwrap();
        assert_eq!(col(&r, "k"), longs(&[2, 2, 3, 4]));
        assert_eq!(col(&r, "c"), longs(&[200, 222, 300, 400]));
        assert_eq!(col(&r, "v"), floats(&[2.2, 22.22, 3.3, 4.4]));
        let s = tb(vec![
            ("sym", ss(&["IBM", "MSFT"])),
            ("ex", ss(&["N", "CME"])),
            ("MC", longs(&[1000, 250])),
        ]);
        let t = tb(vec![
            ("sym", ss(&["IBM", "FDP", "FDP", "FDP", "IBM", "MSFT"])),
            ("price", floats(&[0.7, 0.08, 0.06, 0.65, 0.26, 0.54])),
        ]);
        let r = ej(&K::sym("sym"), &s, &t).unwrap();
        assert_eq!(names(&r), ss(&["sym", "ex", "MC", "price"]));
        assert_eq!(col(&r, "sym"), ss(&["IBM", "IBM", "MSFT"]));
        assert_eq!(col(&r, "MC"), longs(&[1000, 1000, 250]));
        assert_eq!(col(&r, "price"), floats(&[0.7, 0.26, 0.54]));
    }

    #[test]
    fn aj_reference_example() {
        let t = tb(vec![
            ("time", secs(&[hms(10, 1, 1), hms(10, 1, 3), hms(10, 1, 4)])),
            ("sym", ss(&["msft", "ibm", "ge"])),
            ("qty", longs(&[100, 200, 150])),
        ]);
        let q = tb(vec![
            (
                "time",
                secs(&[hms(10, 1, 0), hms(10, 1, 0), hms(10, 1, 0), hms(10, 1, 2)]),
            ),
            ("sym", ss(&["ibm", "msft", "msft", "ibm"])),
            ("px", longs(&[100, 99, 101, 98])),
        ]);
        let r = aj(&ss(&["sym", "time"]), &t, &q).unwrap();
        assert_eq!(names(&r), ss(&["time", "sym", "qty", "px"]));
        assert_eq!(col(&r, "px"), longs(&[101, 98, NJ]));
        assert_eq!(col(&r, "time"), col(&t, "time"));
        // aj0 takes the matched row's time from q
        let r = aj0(&ss(&["sym", "time"]), &t, &q).unwrap();
        assert_eq!(
            col(&r, "time"),
            secs(&[hms(10, 1, 0), hms(10, 1, 2), hms(10, 1, 4)])
        );
        assert_eq!(col(&r, "px"), longs(&[101, 98, NJ]));
    }

    fn quotes() -> K {
        // `g#`-free, sorted by sym then time (the contiguous layout)
        tb(vec![
            ("sym", ss(&["a", "a", "a", "b", "b"])),
            ("time", stamps(&[1, 3, 5, 2, 4])),
            ("bid", floats(&[1.0, 3.0, 5.0, 20.0, 40.0])),
            ("ask", floats(&[1.5, 3.5, 5.5, 20.5, 40.5])),
        ])
    }

    fn trades() -> K {
        tb(vec![
            ("sym", ss(&["b", "a", "a", "c", "b", "a"])),
            ("time", stamps(&[1, 3, 4, 9, 4, 0])),
            ("px", longs(&[1, 2, 3, 4, 5, 6])),
        ])
    }

    #[test]
    fn aj_trades_and_quotes() {
        let r = aj(&ss(&["sym", "time"]), &trades(), &quotes()).unwrap();
        assert_eq!(names(&r), ss(&["sym", "time", "px", "bid", "ask"]));
        assert_eq!(col(&r, "bid"), floats(&[NF, 3.0, 3.0, NF, 40.0, NF]));
        assert_eq!(col(&r, "ask"), floats(&[NF, 3.5, 3.5, NF, 40.5, NF]));
        assert_eq!(col(&r, "time"), stamps(&[1, 3, 4, 9, 4, 0]));
        // the same quotes interleaved by time (the scattered layout) give the same answer
        let by_time = xasc(&K::sym("time"), &quotes()).unwrap();
        let r2 = aj(&ss(&["sym", "time"]), &trades(), &by_time).unwrap();
        assert_eq!(col(&r2, "bid"), col(&r, "bid"));
        // equal times: the last such row
        let q = tb(vec![
            ("sym", ss(&["a", "a", "a", "a"])),
            ("time", stamps(&[1, 2, 2, 3])),
            ("bid", floats(&[1.0, 2.0, 22.0, 3.0])),
        ]);
        let t = tb(vec![("sym", ss(&["a"])), ("time", stamps(&[2]))]);
        assert_eq!(
            col(&aj(&ss(&["sym", "time"]), &t, &q).unwrap(), "bid"),
            floats(&[22.0])
        );
        // time only
        let r = aj(&K::sym("time"), &t, &q).unwrap();
        assert_eq!(col(&r, "bid"), floats(&[22.0]));
        assert_eq!(col(&r, "sym"), ss(&["a"]));
        // keyed left side stays keyed
        let r = aj(
            &ss(&["sym", "time"]),
            &rekey(trades(), 1).unwrap(),
            &quotes(),
        )
        .unwrap();
        assert_eq!(keys(&r).unwrap(), ss(&["sym"]));
        assert_eq!(col(&r, "bid"), floats(&[NF, 3.0, 3.0, NF, 40.0, NF]));
    }

    #[test]
    fn aj_errors() {
        let t = tb(vec![
            ("sym", ss(&["a"])),
            ("time", K::i64s_of(Ty::Timespan, vec![1])),
        ]);
        assert_eq!(err(aj(&ss(&["sym", "time"]), &t, &quotes())), "type");
        let t = tb(vec![("sym", longs(&[1])), ("time", stamps(&[1]))]);
        assert_eq!(err(aj(&ss(&["sym", "time"]), &t, &quotes())), "type");
        assert_eq!(err(aj(&ss(&["sym", "zz"]), &trades(), &quotes())), "zz");
        assert_eq!(err(aj(&empty_list(), &trades(), &quotes())), "length");
        // enumerations against symbols need the domain
        let e = tb(vec![
            (
                "sym",
                K::Enum(Enum {
                    domain: sy("sym"),
                    attr: Attr::None,
                    idx: Arc::new(vec![0]),
                }),
            ),
            ("time", stamps(&[1])),
        ]);
        assert_eq!(err(aj(&ss(&["sym", "time"]), &e, &quotes())), "nyi");
    }

    #[test]
    fn ajf_fills_from_t1() {
        let t0 = tb(vec![
            ("time", secs(&[1, 1])),
            ("sym", ss(&["a", "b"])),
            ("p", longs(&[1, 1])),
            ("n", ss(&["r", "s"])),
        ]);
        let t1 = tb(vec![
            ("time", secs(&[1, 1])),
            ("sym", ss(&["a", "b"])),
            ("p", longs(&[0, 1])),
        ]);
        let t2 = tb(vec![
            ("time", secs(&[0, 0])),
            ("sym", ss(&["a", "b"])),
            ("p", longs(&[1, NJ])),
            ("n", ss(&["r", "s"])),
        ]);
        assert_eq!(ajf(&ss(&["sym", "time"]), &t1, &t2).unwrap(), t0);
        let r = aj(&ss(&["sym", "time"]), &t1, &t2).unwrap();
        assert_eq!(col(&r, "p"), longs(&[1, NJ]));
        let r = ajf0(&ss(&["sym", "time"]), &t1, &t2).unwrap();
        assert_eq!(col(&r, "time"), secs(&[0, 0]));
        assert_eq!(col(&r, "p"), longs(&[1, 1]));
    }

    /// A small deterministic generator (no dependency needed for test data).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    #[test]
    fn aj_matches_brute_force() {
        let mut g = Lcg(7);
        let syms = ["a", "b", "c", "d", "e"];
        let nq = 2000;
        // quotes in time order, syms interleaved (sorted within each sym)
        let mut qt = Vec::new();
        let mut qs = Vec::new();
        let mut time = 0i64;
        for _ in 0..nq {
            time += g.next(3) as i64;
            qt.push(time);
            qs.push(syms[g.next(4) as usize]);
        }
        let qb: Vec<f64> = (0..nq).map(|i| i as f64).collect();
        let q = tb(vec![
            ("sym", ss(&qs)),
            ("time", stamps(&qt)),
            ("bid", floats(&qb)),
        ]);
        let nt = 500;
        let tt: Vec<i64> = (0..nt)
            .map(|_| g.next(time as u64 + 10) as i64 - 5)
            .collect();
        let ts: Vec<&str> = (0..nt).map(|_| syms[g.next(5) as usize]).collect();
        let t = tb(vec![("sym", ss(&ts)), ("time", stamps(&tt))]);
        let want: Vec<f64> = ts
            .iter()
            .zip(&tt)
            .map(|(s, &v)| {
                (0..nq)
                    .rev()
                    .find(|&r| qs[r] == *s && qt[r] <= v)
                    .map_or(NF, |r| qb[r])
            })
            .collect();
        let r = aj(&ss(&["sym", "time"]), &t, &q).unwrap();
        assert_eq!(col(&r, "bid"), floats(&want));
        // and the contiguous layout agrees
        let q2 = xasc(&K::sym("sym"), &q).unwrap();
        let r2 = aj(&ss(&["sym", "time"]), &t, &q2).unwrap();
        assert_eq!(col(&r2, "bid"), floats(&want));
        // trades already in time order (no per-group sort needed)
        let ts2 = xasc(
            &K::sym("time"),
            &tb(vec![
                ("sym", ss(&ts)),
                ("time", stamps(&tt)),
                ("want", floats(&want)),
            ]),
        )
        .unwrap();
        let r3 = aj(&ss(&["sym", "time"]), &ts2, &q2).unwrap();
        assert_eq!(col(&r3, "bid"), col(&ts2, "want"));
        // both tables in time order (with repeated times, and a sym no quote has): the
        // single merge sweep
        let r5 = aj(&ss(&["sym", "time"]), &ts2, &q).unwrap();
        assert_eq!(col(&r5, "bid"), col(&ts2, "want"));
        // on time alone (one group), swept and not
        let sorted_tt = match col(&ts2, "time") {
            K::Vector(v) => match &v.data {
                Data::I64(d) => d.to_vec(),
                _ => unreachable!("stamps are longs"),
            },
            _ => unreachable!("a column"),
        };
        for times in [tt.clone(), sorted_tt] {
            let want_t: Vec<f64> = times
                .iter()
                .map(|&v| (0..nq).rev().find(|&r| qt[r] <= v).map_or(NF, |r| qb[r]))
                .collect();
            let tq = tb(vec![("time", stamps(&times))]);
            let r6 = aj(&K::sym("time"), &tq, &q).unwrap();
            assert_eq!(col(&r6, "bid"), floats(&want_t));
        }
        // enumerated key columns over one domain match by index
        let dom: Vec<&str> = syms.to_vec();
        let enm = |v: &[&str]| {
            K::Enum(Enum {
                domain: sy("sym"),
                attr: Attr::None,
                idx: Arc::new(
                    v.iter()
                        .map(|s| dom.iter().position(|d| d == s).unwrap() as i64)
                        .collect(),
                ),
            })
        };
        let qe = tb(vec![
            ("sym", enm(&qs)),
            ("time", stamps(&qt)),
            ("bid", floats(&qb)),
        ]);
        let te = tb(vec![("sym", enm(&ts)), ("time", stamps(&tt))]);
        let r4 = aj(&ss(&["sym", "time"]), &te, &qe).unwrap();
        assert_eq!(col(&r4, "bid"), floats(&want));
    }

    #[test]
    fn asof_dict_and_table() {
        let m = |h: i32, mi: i32| h * 60 + mi;
        let t = tb(vec![
            (
                "time",
                K::i32s_of(
                    Ty::Minute,
                    vec![m(9, 0), m(9, 10), m(9, 20), m(9, 0), m(9, 10), m(9, 20)],
                ),
            ),
            ("sym", ss(&["AAPL", "AAPL", "AAPL", "GOOG", "GOOG", "GOOG"])),
            ("px", floats(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])),
            ("vol", longs(&[10, 20, 30, 40, 50, 60])),
        ]);
        let d = K::dict(
            ss(&["sym", "time"]),
            K::list(vec![K::sym("AAPL"), K::i32_of(Ty::Minute, m(9, 15))]),
        );
        let r = asof(&t, &d).unwrap();
        assert_eq!(
            r,
            K::dict(
                ss(&["px", "vol"]),
                K::list(vec![K::float(2.0), K::long(20)])
            )
        );
        let before = K::dict(
            ss(&["sym", "time"]),
            K::list(vec![K::sym("AAPL"), K::i32_of(Ty::Minute, m(8, 59))]),
        );
        assert_eq!(
            asof(&t, &before).unwrap(),
            K::dict(ss(&["px", "vol"]), K::list(vec![K::float(NF), K::long(NJ)]))
        );
        let y = tb(vec![
            ("sym", ss(&["GOOG", "MSFT"])),
            ("time", K::i32s_of(Ty::Minute, vec![m(9, 5), m(9, 5)])),
        ]);
        let r = asof(&t, &y).unwrap();
        assert_eq!(names(&r), ss(&["px", "vol"]));
        assert_eq!(col(&r, "px"), floats(&[4.0, NF]));
        assert_eq!(col(&r, "vol"), longs(&[40, NJ]));
        let wrong = K::dict(
            ss(&["sym", "time"]),
            K::list(vec![K::sym("AAPL"), K::long(5)]),
        );
        assert_eq!(err(asof(&t, &wrong)), "type");
    }

    /// Stand-ins for the aggregation functions the evaluator would apply.
    fn agg(f: &K, args: &[K]) -> QResult {
        let a = args.first().ok_or_else(QError::rank)?;
        let K::Vector(Vector {
            data: Data::I64(v), ..
        }) = a
        else {
            return Err(QError::type_());
        };
        Ok(
            match f.as_sym().map(|s| s.as_str().into_owned()).as_deref() {
                Some("max") => K::long(v.iter().copied().max().unwrap_or(-null::WJ)),
                Some("min") => K::long(v.iter().copied().min().unwrap_or(null::WJ)),
                _ => a.clone(),
            },
        )
    }

    fn wj_data() -> (K, K, K) {
        let tt = [hms(10, 1, 1), hms(10, 1, 4), hms(10, 1, 8)];
        let t = tb(vec![
            ("sym", ss(&["ibm", "ibm", "ibm"])),
            ("time", secs(&tt)),
            ("price", longs(&[100, 101, 105])),
        ]);
        let q = tb(vec![
            ("sym", ss(&["ibm"; 9])),
            (
                "time",
                secs(&(0..9).map(|i| hms(10, 1, 1) + i).collect::<Vec<_>>()),
            ),
            ("ask", longs(&[101, 103, 103, 104, 104, 107, 108, 107, 108])),
            ("bid", longs(&[98, 99, 102, 103, 103, 104, 106, 106, 107])),
        ]);
        let w = K::list(vec![
            secs(&tt.iter().map(|x| x - 2).collect::<Vec<_>>()),
            secs(&tt.iter().map(|x| x + 1).collect::<Vec<_>>()),
        ]);
        (w, t, q)
    }

    #[test]
    fn wj_reference_example() {
        let (w, t, q) = wj_data();
        let c = ss(&["sym", "time"]);
        let win = wj_windows(&w, &c, &t, &q, false).unwrap();
        assert_eq!(win, vec![vec![0, 1], vec![1, 2, 3, 4], vec![5, 6, 7, 8]]);
        let spec = K::list(vec![
            q.clone(),
            K::list(vec![K::sym("max"), K::sym("ask")]),
            K::list(vec![K::sym("min"), K::sym("bid")]),
        ]);
        let r = wj(&w, &c, &t, &spec, false, &mut agg).unwrap();
        assert_eq!(names(&r), ss(&["sym", "time", "price", "ask", "bid"]));
        assert_eq!(col(&r, "ask"), longs(&[103, 104, 108]));
        assert_eq!(col(&r, "bid"), longs(&[98, 99, 104]));
        let spec = K::list(vec![
            q.clone(),
            K::list(vec![K::NULL, K::sym("ask")]),
            K::list(vec![K::NULL, K::sym("bid")]),
        ]);
        let r = wj(&w, &c, &t, &spec, false, &mut agg).unwrap();
        assert_eq!(
            col(&r, "ask"),
            K::list(vec![
                longs(&[101, 103]),
                longs(&[103, 103, 104, 104]),
                longs(&[107, 108, 107, 108]),
            ])
        );
    }

    #[test]
    fn wj_prevailing_quote_and_wj1() {
        // quotes at :01 :03 :05; window [:02, :05]
        let q = tb(vec![
            ("sym", ss(&["x", "y", "x", "x"])),
            ("time", secs(&[1, 2, 3, 5])),
            ("ask", longs(&[10, 99, 30, 50])),
        ]);
        let t = tb(vec![("sym", ss(&["x", "z"])), ("time", secs(&[4, 4]))]);
        let w = K::list(vec![secs(&[2, 2]), secs(&[5, 5])]);
        let c = ss(&["sym", "time"]);
        // wj: the quote prevailing at :02 (row 0) counts; wj1: only quotes in [:02,:05]
        assert_eq!(
            wj_windows(&w, &c, &t, &q, false).unwrap(),
            vec![vec![0, 2, 3], vec![]]
        );
        assert_eq!(
            wj_windows(&w, &c, &t, &q, true).unwrap(),
            vec![vec![2, 3], vec![]]
        );
        // no quote at or before the window start: wj starts at the group's first quote
        let w2 = K::list(vec![secs(&[0, 0]), secs(&[1, 1])]);
        assert_eq!(
            wj_windows(&w2, &c, &t, &q, false).unwrap(),
            vec![vec![0], vec![]]
        );
        // window ending before the group's first quote is empty
        let w3 = K::list(vec![secs(&[0, 0]), secs(&[0, 0])]);
        assert_eq!(
            wj_windows(&w3, &c, &t, &q, false).unwrap(),
            vec![Vec::<i64>::new(), vec![]]
        );
        let spec = K::list(vec![q.clone(), K::list(vec![K::sym("max"), K::sym("ask")])]);
        let r = wj(&w, &c, &t, &spec, true, &mut agg).unwrap();
        assert_eq!(col(&r, "ask"), longs(&[50, -null::WJ]));
        // errors
        let bad = K::list(vec![stamps(&[2, 2]), stamps(&[5, 5])]);
        assert_eq!(
            err(wj_windows(&bad, &c, &t, &q, false).map(|_| K::NULL)),
            "type"
        );
        let short = K::list(vec![secs(&[2]), secs(&[5])]);
        assert_eq!(
            err(wj_windows(&short, &c, &t, &q, false).map(|_| K::NULL)),
            "length"
        );
    }

    #[test]
    fn insert_keyed() {
        let x = kt(1, vec![("a", ss(&["x", "y"])), ("b", longs(&[10, 20]))]);
        let (x, idx) = insert_rows(&x, &K::list(vec![K::sym("z"), K::long(30)])).unwrap();
        assert_eq!(idx, longs(&[2]));
        assert_eq!(col(&x, "a"), ss(&["x", "y", "z"]));
        assert_eq!(col(&x, "b"), longs(&[10, 20, 30]));
        let again = insert_rows(&x, &K::list(vec![K::sym("z"), K::long(30)]));
        assert_eq!(again.unwrap_err().msg.as_ref(), "insert");
        let (x, idx) = insert_rows(&x, &K::list(vec![ss(&["s", "t"]), longs(&[40, 50])])).unwrap();
        assert_eq!(idx, longs(&[3, 4]));
        assert_eq!(col(&x, "b"), longs(&[10, 20, 30, 40, 50]));
        let dups = insert_rows(&x, &K::list(vec![ss(&["n", "n"]), longs(&[1, 2])]));
        assert_eq!(dups.unwrap_err().msg.as_ref(), "insert");
        let e = kt(
            1,
            vec![
                ("s", ss(&[])),
                ("name", ss(&[])),
                ("status", K::ints(vec![])),
            ],
        );
        let row = K::list(vec![K::sym("s1"), K::sym("smith"), K::int(20)]);
        assert_eq!(insert_rows(&e, &row).unwrap().1, longs(&[0]));
        let row = K::list(vec![K::sym("s1"), K::sym("smith"), K::long(20)]);
        assert_eq!(insert_rows(&e, &row).unwrap_err().msg.as_ref(), "type");
    }

    #[test]
    fn insert_simple() {
        // empty general columns take the type of the first insert
        let u = tb(vec![("name", empty_list()), ("age", empty_list())]);
        let (u, idx) =
            insert_rows(&u, &K::list(vec![ss(&["tom", "dick"]), longs(&[30, 40])])).unwrap();
        assert_eq!(idx, longs(&[0, 1]));
        assert_eq!(col(&meta(&u).unwrap(), "t"), K::string("sj"));
        let (u, _) = insert_rows(&u, &K::list(vec![K::sym("harry"), K::long(50)])).unwrap();
        assert_eq!(col(&u, "age"), longs(&[30, 40, 50]));
        // by name: a dictionary (missing columns null) and a table
        let (u, _) = insert_rows(&u, &K::dict(ss(&["name"]), ss(&["ann"]))).unwrap();
        assert_eq!(col(&u, "age"), longs(&[30, 40, 50, NJ]));
        let y = tb(vec![("age", longs(&[1])), ("name", ss(&["bo"]))]);
        let (u, idx) = insert_rows(&u, &y).unwrap();
        assert_eq!(idx, longs(&[4]));
        assert_eq!(col(&u, "name"), ss(&["tom", "dick", "harry", "ann", "bo"]));
        // errors leave the table as it was
        let mut v = u.clone();
        let r = insert_in_place(&mut v, &K::list(vec![K::sym("x"), K::int(1)]));
        assert_eq!(r.unwrap_err().msg.as_ref(), "type");
        assert_eq!(v, u);
        let r = insert_rows(&u, &K::list(vec![ss(&["a", "b"]), K::long(1)]));
        assert_eq!(r.unwrap_err().msg.as_ref(), "length");
        let r = insert_rows(&u, &K::dict(ss(&["zz"]), longs(&[1])));
        assert_eq!(r.unwrap_err().msg.as_ref(), "mismatch");
        // a column of strings takes one string per row
        let s = tb(vec![
            ("id", longs(&[1])),
            ("txt", K::list(vec![K::string("ab")])),
        ]);
        let (s, _) = insert_rows(&s, &K::list(vec![K::long(2), K::string("cde")])).unwrap();
        assert_eq!(
            col(&s, "txt"),
            K::list(vec![K::string("ab"), K::string("cde")])
        );
    }

    #[test]
    fn insert_keeps_attributes_while_true() {
        let t = tb(vec![
            ("t", longs(&[1, 2, 3]).with_attr(Attr::Sorted)),
            ("u", longs(&[7, 8, 9]).with_attr(Attr::Unique)),
            ("g", ss(&["a", "b", "a"]).with_attr(Attr::Grouped)),
        ]);
        let row = |t: i64, u: i64| K::list(vec![K::long(t), K::long(u), K::sym("c")]);
        let (a, _) = insert_rows(&t, &row(4, 10)).unwrap();
        assert_eq!(col(&a, "t").attr(), Attr::Sorted);
        assert_eq!(col(&a, "u").attr(), Attr::Unique);
        assert_eq!(col(&a, "g").attr(), Attr::Grouped);
        let (b, _) = insert_rows(&t, &row(0, 8)).unwrap();
        assert_eq!(col(&b, "t").attr(), Attr::None);
        assert_eq!(col(&b, "u").attr(), Attr::None);
        assert_eq!(col(&b, "t"), longs(&[1, 2, 3, 0]));
    }

    #[test]
    fn insert_in_place_reuses_unshared_columns() {
        let buf = |t: &K| match t {
            K::Table(tb) => match &tb.cols[0] {
                K::Vector(Vector {
                    data: Data::I64(v), ..
                }) => v.as_ptr(),
                _ => unreachable!(),
            },
            _ => unreachable!(),
        };
        let mut v = Vec::with_capacity(16);
        v.extend([1i64, 2, 3]);
        let mut t = tb(vec![("a", K::vector(Ty::Long, Data::I64(Arc::new(v))))]);
        let before = buf(&t);
        insert_in_place(&mut t, &K::list(vec![K::long(4)])).unwrap();
        assert_eq!(col(&t, "a"), longs(&[1, 2, 3, 4]));
        assert_eq!(buf(&t), before);
        // a shared table is copied, not changed under its other holder
        let keep = t.clone();
        insert_in_place(&mut t, &K::list(vec![K::long(5)])).unwrap();
        assert_eq!(col(&keep, "a"), longs(&[1, 2, 3, 4]));
        assert_eq!(buf(&keep), before);
        assert_ne!(buf(&t), before);
    }

    #[test]
    fn upsert_simple_appends() {
        let t = tb(vec![
            ("name", ss(&["tom", "dick", "harry"])),
            ("age", longs(&[28, 29, 30])),
            ("sex", ss(&["M", "M", "M"])),
        ]);
        let r = upsert_rows(&t, &K::list(vec![K::sym("dick"), K::long(49), K::sym("M")])).unwrap();
        assert_eq!(col(&r, "name"), ss(&["tom", "dick", "harry", "dick"]));
        let rows = K::list(vec![
            K::list(vec![K::sym("dick"), K::long(49), K::sym("M")]),
            K::list(vec![K::sym("jane"), K::long(23), K::sym("F")]),
        ]);
        let r = upsert_rows(&t, &rows).unwrap();
        assert_eq!(col(&r, "age"), longs(&[28, 29, 30, 49, 23]));
        assert_eq!(col(&r, "sex"), ss(&["M", "M", "M", "M", "F"]));
        let y = tb(vec![
            ("age", longs(&[49, 23])),
            ("name", ss(&["dick", "jane"])),
        ]);
        let r = upsert_rows(&t, &y).unwrap();
        assert_eq!(
            col(&r, "name"),
            ss(&["tom", "dick", "harry", "dick", "jane"])
        );
        assert_eq!(col(&r, "sex"), ss(&["M", "M", "M", "", ""]));
        let k = rekey(y, 1).unwrap();
        assert_eq!(err(upsert_rows(&t, &k)), "type");
    }

    #[test]
    fn upsert_keyed_updates_and_appends() {
        let a = kt(
            1,
            vec![
                ("s", ss(&["q", "w", "e"])),
                ("r", longs(&[1, 2, 3])),
                ("u", longs(&[5, 6, 7])),
            ],
        );
        let r = upsert_rows(&a, &K::list(vec![K::sym("e"), K::long(30), K::long(70)])).unwrap();
        assert_eq!(col(&r, "r"), longs(&[1, 2, 30]));
        let rows = K::list(vec![
            K::list(vec![K::sym("e"), K::long(30), K::long(70)]),
            K::list(vec![K::sym("r"), K::long(40), K::long(80)]),
        ]);
        let r = upsert_rows(&a, &rows).unwrap();
        assert_eq!(col(&r, "s"), ss(&["q", "w", "e", "r"]));
        assert_eq!(col(&r, "u"), longs(&[5, 6, 70, 80]));
        let y = kt(
            1,
            vec![
                ("s", ss(&["e", "r", "q"])),
                ("r", longs(&[30, 4, 10])),
                ("u", longs(&[70, 8, 50])),
            ],
        );
        let r = upsert_rows(&a, &y).unwrap();
        assert_eq!(col(&r, "s"), ss(&["q", "w", "e", "r"]));
        assert_eq!(col(&r, "r"), longs(&[10, 2, 30, 4]));
        assert_eq!(col(&r, "u"), longs(&[50, 6, 70, 8]));
        // some columns only: the rest keep their values (existing keys) or are null (new)
        let y = tb(vec![("s", ss(&["w", "z"])), ("u", longs(&[60, 90]))]);
        let r = upsert_rows(&a, &y).unwrap();
        assert_eq!(col(&r, "r"), longs(&[1, 2, 3, NJ]));
        assert_eq!(col(&r, "u"), longs(&[5, 60, 7, 90]));
        // the same new key twice: one row, the later values
        let y = tb(vec![
            ("s", ss(&["n", "n"])),
            ("r", longs(&[1, 2])),
            ("u", longs(&[3, 4])),
        ]);
        let r = upsert_rows(&a, &y).unwrap();
        assert_eq!(col(&r, "s"), ss(&["q", "w", "e", "n"]));
        assert_eq!(col(&r, "u"), longs(&[5, 6, 7, 4]));
        let bad = K::list(vec![K::sym("e"), K::float(1.0), K::long(1)]);
        assert_eq!(err(upsert_rows(&a, &bad)), "type");
        let nokey = tb(vec![("r", longs(&[1]))]);
        assert_eq!(err(upsert_rows(&a, &nokey)), "mismatch");
    }
}
