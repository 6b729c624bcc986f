//! List and structural primitives: counting, indexing and amending, take/drop/cut/join,
//! search (`?` `in` `within` `bin` `distinct` `group`), sorting and grading, aggregates
//! (`sum` `avg` `med` `var` ...) and their running and moving forms.
//!
//! Owns the semantics of these keywords and glyphs on every value shape (vectors, general
//! lists, dictionaries, tables, keyed tables). It must not grow atomic arithmetic: folds
//! over general lists name their operator in `num.rs`, which calls `atomic.rs`. Every
//! kernel dispatches on the storage class once and then loops over a typed slice.

pub(crate) mod elem;

mod agg;
mod index;
mod num;
mod running;
mod search;
mod shape;
mod sort;

pub use agg::{
    all, any, avg, cor, cov, dev, max, med, min, prd, scov, sdev, sum, svar, var, wavg, wsum,
};
pub use index::{amend_assign, amend_deep, index, index_deep};
pub use running::{
    avgs, deltas, ema, fills, mavg, maxs, mcount, mdev, mins, mmax, mmin, msum, prds, ratios, sums,
};
pub use search::{bin, binr, differ, distinct, except, find, group, in_, inter, union, within};
pub(crate) use shape::unkey;
pub use shape::{
    count, cross, cut, dict, drop_cut, enlist, enlist_n, first, flip, join, join_in_place, key,
    last, next, prev, raze, reverse, rotate, sublist, take, til, type_, ungroup, value, where_,
    xprev,
};
pub use sort::{asc, desc, iasc, idesc, rank, xasc, xdesc, xrank};

use super::{Dyad, Monad};
use crate::lang::value::{empty_list, from_items, general, null_atom};
use crate::lang::{QError, QResult};
use elem::{dispatch, gather, gather_or, vec_k};
use qipc::{Attr, Data, Enum, Sym, Table, Ty, K};
use std::borrow::Cow;
use std::sync::Arc;

/// Unary keywords of this family, by name.
pub const MONADS: &[(&str, Monad)] = &[
    ("count", count),
    ("first", first),
    ("last", last),
    ("til", til),
    ("enlist", enlist),
    ("reverse", reverse),
    ("where", where_),
    ("distinct", distinct),
    ("group", group),
    ("raze", raze),
    ("flip", flip),
    ("key", key),
    ("value", value),
    ("type", type_),
    ("asc", asc),
    ("desc", desc),
    ("iasc", iasc),
    ("idesc", idesc),
    ("rank", rank),
    ("sum", sum),
    ("prd", prd),
    ("min", min),
    ("max", max),
    ("avg", avg),
    ("med", med),
    ("dev", dev),
    ("var", var),
    ("sdev", sdev),
    ("svar", svar),
    ("all", all),
    ("any", any),
    ("sums", sums),
    ("prds", prds),
    ("maxs", maxs),
    ("mins", mins),
    ("avgs", avgs),
    ("deltas", deltas),
    ("ratios", ratios),
    ("differ", differ),
    ("prev", prev),
    ("next", next),
    ("fills", fills),
    ("ungroup", ungroup),
];

/// Binary glyphs and keywords of this family, by name.
pub const DYADS: &[(&str, Dyad)] = &[
    ("#", take),
    ("_", drop_cut),
    (",", join),
    ("?", find),
    ("!", dict),
    ("in", in_),
    ("within", within),
    ("bin", bin),
    ("binr", binr),
    ("except", except),
    ("inter", inter),
    ("union", union),
    ("cross", cross),
    ("xprev", xprev),
    ("rotate", rotate),
    ("sublist", sublist),
    ("cut", cut),
    ("wavg", wavg),
    ("wsum", wsum),
    ("cor", cor),
    ("cov", cov),
    ("scov", scov),
    ("mavg", mavg),
    ("msum", msum),
    ("mcount", mcount),
    ("mmax", mmax),
    ("mmin", mmin),
    ("mdev", mdev),
    ("ema", ema),
    ("xasc", xasc),
    ("xdesc", xdesc),
    ("xrank", xrank),
];

// ---------------------------------------------------------------------------------------
// Shared helpers

/// True for the integer types that index lists (boolean, byte, short, int, long).
pub(crate) fn is_int_ty(ty: Ty) -> bool {
    matches!(ty, Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long)
}

/// An integer atom as i64 (nulls become `0N`).
pub(crate) fn int_atom(k: &K) -> Option<i64> {
    k.as_i64()
}

/// An integer vector's items as i64 (nulls become `0N`), or `None` for other values.
/// A long vector is borrowed, not copied.
pub(crate) fn int_vec(k: &K) -> Option<Cow<'_, [i64]>> {
    let K::Vector(v) = k else { return None };
    if !is_int_ty(v.ty) {
        return None;
    }
    Some(match &v.data {
        Data::U8(s) => Cow::Owned(s.iter().map(|&x| x as i64).collect()),
        Data::I16(s) => Cow::Owned(widen(s, qipc::null::H)),
        Data::I32(s) => Cow::Owned(widen(s, qipc::null::I)),
        Data::I64(s) => Cow::Borrowed(&s[..]),
        _ => return None,
    })
}

/// Narrower integers as longs, their null as the long null.
fn widen<T: Copy + PartialEq + Into<i64>>(s: &[T], null: T) -> Vec<i64> {
    s.iter()
        .map(|&x| if x == null { qipc::null::J } else { x.into() })
        .collect()
}

/// An integer atom or vector as a list of i64, and whether it was an atom.
pub(crate) fn ints(k: &K) -> Option<(Vec<i64>, bool)> {
    if let Some(i) = int_atom(k) {
        return Some((vec![i], true));
    }
    int_vec(k).map(|v| (v.into_owned(), false))
}

/// Refuse to build a list of `n` items that could never fit: q's `'limit` past 2^40 items,
/// and `'wsfull` past 2^33 (64 GiB of longs), instead of aborting on a failed allocation.
pub(crate) fn alloc_check(n: u64) -> QResult<()> {
    if n >= 1 << 40 {
        Err(QError::limit())
    } else if n > 1 << 33 {
        Err(QError::new("wsfull"))
    } else {
        Ok(())
    }
}

/// A non-negative count from an integer atom (`'type` otherwise, `'domain` if negative).
pub(crate) fn count_arg(k: &K) -> QResult<usize> {
    let n = int_atom(k).ok_or_else(QError::type_)?;
    usize::try_from(n).map_err(|_| QError::domain())
}

/// The null that stands for a missing item of list `x` (what `x[count x]` returns): a
/// vector's typed null, else a null like the first item (an empty list of its type for a
/// list item).
pub(crate) fn proto(x: &K) -> K {
    match x {
        K::Vector(v) => null_atom(v.ty),
        K::Enum(e) => K::EnumAtom(e.domain, qipc::null::J),
        K::List(l) => l.items.first().map_or_else(empty_list, like_null),
        K::Table(t) => null_row(t),
        K::Dict(d) => proto(&d.vals),
        _ => empty_list(),
    }
}

/// A null shaped like one value: typed null for atoms, an empty list of the same type for
/// lists.
pub(crate) fn like_null(x: &K) -> K {
    match x {
        K::Atom(a) => null_atom(a.ty),
        K::EnumAtom(d, _) => K::EnumAtom(*d, qipc::null::J),
        K::Vector(v) => crate::lang::value::empty_vector(v.ty),
        K::Enum(e) => enum_vec(e.domain, Vec::new()),
        K::Table(t) => table_like(t, t.cols.iter().map(|c| slice_rows(c, 0, 0)).collect()),
        K::Dict(d) => K::dict(d.keys.clone(), null_values(&d.vals)),
        _ => empty_list(),
    }
}

/// The values of a dictionary row of nulls: one null per value, typed like each.
fn null_values(v: &K) -> K {
    match v {
        K::Vector(v) => K::Vector(qipc::Vector::new(
            v.ty,
            dispatch!(&v.data, s => elem::Elem::wrap(vec![null_of(s, v.ty); s.len()])),
        )),
        K::List(l) => from_items(l.items.iter().map(like_null).collect()),
        other => like_null(other),
    }
}

fn null_of<T: elem::Elem>(_: &[T], ty: Ty) -> T {
    T::null(ty)
}

/// An enumeration over `domain` with indices `idx` (no attribute: the items changed).
pub(crate) fn enum_vec(domain: Sym, idx: Vec<i64>) -> K {
    K::Enum(Enum {
        domain,
        attr: Attr::None,
        idx: Arc::new(idx),
    })
}

/// A table with `t`'s column names and new columns `cols` (no attribute: the rows
/// changed).
fn table_like(t: &Table, cols: Vec<K>) -> K {
    K::Table(Arc::new(Table {
        attr: Attr::None,
        names: t.names.clone(),
        cols,
    }))
}

/// A table row of nulls (what indexing a table out of range gives).
pub(crate) fn null_row(t: &Table) -> K {
    let vals: Vec<K> = t.cols.iter().map(proto).collect();
    K::dict(K::syms(t.names.iter().copied()), from_items(vals))
}

/// Items (rows) `idx` of a list-like value; every index is in range.
pub(crate) fn rows(x: &K, idx: &[usize]) -> QResult {
    Ok(match x {
        K::Vector(v) => K::Vector(qipc::Vector::new(
            v.ty,
            dispatch!(&v.data, s => elem::Elem::wrap(gather(s, idx))),
        )),
        // Picking from a general list gives a general list, as in q: only amending and
        // list notation collapse uniform atoms into a vector.
        K::List(l) => general(
            idx.iter()
                .filter_map(|&i| l.items.get(i).cloned())
                .collect(),
        ),
        K::Enum(e) => enum_vec(e.domain, gather(&e.idx, idx)),
        K::Table(t) => table_like(
            t,
            t.cols
                .iter()
                .map(|c| rows(c, idx))
                .collect::<QResult<Vec<K>>>()?,
        ),
        K::Dict(d) => K::dict(rows(&d.keys, idx)?, rows(&d.vals, idx)?),
        _ => return Err(QError::type_()),
    })
}

/// Items (rows) `idx` of a list-like value, with the list's null where out of range.
pub(crate) fn rows_or_null(x: &K, idx: &[i64]) -> QResult {
    Ok(match x {
        K::Vector(v) => K::Vector(qipc::Vector::new(
            v.ty,
            dispatch!(&v.data, s => elem::Elem::wrap(gather_or(s, idx, null_of(s, v.ty)))),
        )),
        K::List(l) => {
            let p = proto(x);
            general(
                idx.iter()
                    .map(|&i| {
                        usize::try_from(i)
                            .ok()
                            .and_then(|i| l.items.get(i).cloned())
                            .unwrap_or_else(|| p.clone())
                    })
                    .collect(),
            )
        }
        K::Enum(e) => enum_vec(e.domain, gather_or(&e.idx, idx, qipc::null::J)),
        K::Table(t) => table_like(
            t,
            t.cols
                .iter()
                .map(|c| rows_or_null(c, idx))
                .collect::<QResult<Vec<K>>>()?,
        ),
        K::Dict(d) => K::dict(rows_or_null(&d.keys, idx)?, rows_or_null(&d.vals, idx)?),
        _ => return Err(QError::type_()),
    })
}

/// Items `lo..hi` of a list-like value (a contiguous copy; bounds clipped).
pub(crate) fn slice_rows(x: &K, lo: usize, hi: usize) -> K {
    let n = x.len();
    let hi = hi.min(n);
    let lo = lo.min(hi);
    match x {
        K::Vector(v) => K::Vector(qipc::Vector::new(
            v.ty,
            dispatch!(&v.data, s => elem::Elem::wrap(s[lo..hi].to_vec())),
        )),
        K::List(l) => general(l.items[lo..hi].to_vec()),
        K::Enum(e) => enum_vec(e.domain, e.idx[lo..hi].to_vec()),
        K::Table(t) => table_like(t, t.cols.iter().map(|c| slice_rows(c, lo, hi)).collect()),
        K::Dict(d) => K::dict(slice_rows(&d.keys, lo, hi), slice_rows(&d.vals, lo, hi)),
        other => other.clone(),
    }
}

/// True for values whose items `rows` can pick (lists, tables, dictionaries).
pub(crate) fn is_listlike(x: &K) -> bool {
    matches!(
        x,
        K::Vector(_) | K::List(_) | K::Enum(_) | K::Table(_) | K::Dict(_)
    )
}

/// A one-item list of an atom (`enlist`), or the value itself when already a list.
pub(crate) fn as_list(x: &K) -> K {
    match x {
        K::Atom(a) => K::Vector(qipc::Vector::new(a.ty, dispatch_scalar_vec(a.v))),
        K::EnumAtom(d, i) => enum_vec(*d, vec![*i]),
        K::Vector(_) | K::List(_) | K::Enum(_) | K::Table(_) | K::Dict(_) => x.clone(),
        other => K::list(vec![other.clone()]),
    }
}

/// A one-item list holding `x` as its item (`enlist x`, without the dictionary case).
pub(crate) fn enlist_item(x: &K) -> K {
    match x {
        K::Atom(_) | K::EnumAtom(..) => as_list(x),
        _ => K::list(vec![x.clone()]),
    }
}

fn dispatch_scalar_vec(s: qipc::Scalar) -> Data {
    use qipc::Scalar as S;
    match s {
        S::U8(x) => Data::U8(Arc::new(vec![x])),
        S::Guid(x) => Data::Guid(Arc::new(vec![x])),
        S::I16(x) => Data::I16(Arc::new(vec![x])),
        S::I32(x) => Data::I32(Arc::new(vec![x])),
        S::I64(x) => Data::I64(Arc::new(vec![x])),
        S::F32(x) => Data::F32(Arc::new(vec![x])),
        S::F64(x) => Data::F64(Arc::new(vec![x])),
        S::Sym(x) => Data::Sym(Arc::new(vec![x])),
    }
}

/// `n` copies of an atom as a vector.
pub(crate) fn fill_vec(a: &qipc::Atom, n: usize) -> K {
    use qipc::Scalar as S;
    let data = match a.v {
        S::U8(x) => Data::U8(Arc::new(vec![x; n])),
        S::Guid(x) => Data::Guid(Arc::new(vec![x; n])),
        S::I16(x) => Data::I16(Arc::new(vec![x; n])),
        S::I32(x) => Data::I32(Arc::new(vec![x; n])),
        S::I64(x) => Data::I64(Arc::new(vec![x; n])),
        S::F32(x) => Data::F32(Arc::new(vec![x; n])),
        S::F64(x) => Data::F64(Arc::new(vec![x; n])),
        S::Sym(x) => Data::Sym(Arc::new(vec![x; n])),
    };
    K::Vector(qipc::Vector::new(a.ty, data))
}

/// `0..n` as a long vector.
pub(crate) fn til_n(n: usize) -> K {
    vec_k(Ty::Long, (0..n as i64).collect())
}

/// Indices as a long vector.
pub(crate) fn longs_of(idx: &[usize]) -> K {
    vec_k(Ty::Long, idx.iter().map(|&i| i as i64).collect())
}

/// A table from names and columns after checking the columns have one length.
pub(crate) fn make_table(names: Vec<qipc::Sym>, cols: Vec<K>) -> QResult {
    if let Some(first) = cols.first() {
        let n = first.len();
        if cols.iter().any(|c| c.len() != n || !is_listlike(c)) {
            return Err(QError::length());
        }
    }
    Ok(K::table(names, cols))
}

/// The keyed-table parts of a dictionary, when it is one.
pub(crate) fn keyed(x: &K) -> Option<(&Arc<Table>, &Arc<Table>)> {
    match x {
        K::Dict(d) => match (&d.keys, &d.vals) {
            (K::Table(k), K::Table(v)) => Some((k, v)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use qipc::{Sym, K};

    pub fn syms(s: &str) -> K {
        K::syms(s.split_whitespace().map(Sym::from_text))
    }
    pub fn s(x: &str) -> K {
        K::sym(x)
    }
    pub fn table(names: &str, cols: Vec<K>) -> K {
        K::table(names.split_whitespace().map(Sym::from_text).collect(), cols)
    }
    pub fn l(items: Vec<K>) -> K {
        K::list(items)
    }
    pub fn j(v: &[i64]) -> K {
        K::longs(v.to_vec())
    }
    pub fn f(v: &[f64]) -> K {
        K::floats(v.to_vec())
    }
    pub const NJ: i64 = qipc::null::J;
    pub fn nf() -> f64 {
        f64::NAN
    }
    /// A float comparison at q's display precision (7 significant digits).
    pub fn close(a: &K, b: &[f64]) -> bool {
        match a {
            K::Vector(v) => match &v.data {
                qipc::Data::F64(x) => {
                    x.len() == b.len()
                        && x.iter().zip(b).all(|(p, q)| {
                            (p.is_nan() && q.is_nan())
                                || p == q
                                || ((p - q).abs() <= 1e-6 * q.abs().max(1e-12))
                        })
                }
                _ => false,
            },
            K::Atom(qipc::Atom {
                v: qipc::Scalar::F64(p),
                ..
            }) => {
                b.len() == 1
                    && ((p.is_nan() && b[0].is_nan())
                        || (p - b[0]).abs() <= 1e-6 * b[0].abs().max(1e-12))
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    /// Empty lists, atoms where lists are expected, and the errors q signals for them.
    #[test]
    fn edges() {
        let e = j(&[]);
        let g = l(vec![]);
        assert_eq!(first(&g).unwrap(), g);
        assert_eq!(last(&K::string("")).unwrap(), K::char(b' '));
        assert_eq!(reverse(&K::string("")).unwrap(), K::string(""));
        assert_eq!(where_(&K::bools(vec![])).unwrap(), e);
        assert_eq!(where_(&K::bool(true)).unwrap(), j(&[0]));
        assert_eq!(distinct(&K::string("")).unwrap(), K::string(""));
        assert_eq!(group(&e).unwrap(), K::dict(e.clone(), l(vec![])));
        assert_eq!(asc(&g).unwrap(), g);
        assert_eq!(iasc(&e).unwrap(), e);
        assert_eq!(sum(&g).unwrap(), K::long(0));
        assert_eq!(til(&j(&[1])), Err(QError::type_()));
        assert_eq!(take(&K::long(0), &j(&[1, 2])).unwrap(), e);
        assert_eq!(take(&K::long(-2), &j(&[1, 2, 3])).unwrap(), j(&[2, 3]));
        assert_eq!(cross(&e, &j(&[1])).unwrap(), g);
        assert_eq!(rotate(&K::long(3), &K::long(1)).unwrap(), K::long(1));
        assert_eq!(rotate(&K::long(3), &e).unwrap(), e);
        assert_eq!(
            xprev(&K::long(1), &K::dict(syms("a"), j(&[1]))),
            Err(QError::type_())
        );
        assert_eq!(sublist(&K::long(1), &K::long(1)), Err(QError::type_()));
        assert_eq!(bin(&e, &K::long(3)).unwrap(), K::long(-1));
        assert_eq!(binr(&e, &K::long(3)).unwrap(), K::long(0));
        assert_eq!(find(&g, &K::long(1)).unwrap(), K::long(0));
        assert_eq!(find(&K::long(3), &j(&[1])), Err(QError::nyi()));
        assert_eq!(in_(&K::long(1), &e).unwrap(), K::bool(false));
        assert_eq!(except(&e, &j(&[1])).unwrap(), e);
        assert_eq!(except(&K::long(1), &j(&[2])).unwrap(), j(&[1]));
        assert_eq!(msum(&K::long(-1), &j(&[1])), Err(QError::domain()));
        assert_eq!(mavg(&K::long(2), &e).unwrap(), f(&[]));
        assert_eq!(deltas(&e).unwrap(), e);
        assert_eq!(differ(&K::long(1)), Err(QError::type_()));
        assert_eq!(flip(&K::dict(syms("a b"), j(&[1, 2]))), Err(QError::rank()));
        assert_eq!(key(&K::dict(syms("a"), j(&[1]))).unwrap(), syms("a"));
        assert_eq!(key(&j(&[1])).unwrap(), s("long"));
        assert_eq!(key(&K::long(3)).unwrap(), j(&[0, 1, 2]));
        assert_eq!(value(&K::dict(syms("a"), j(&[1]))).unwrap(), j(&[1]));
        assert_eq!(value(&K::string("1+1")), Err(QError::nyi()));
        assert_eq!(take(&K::long(1 << 41), &K::long(1)), Err(QError::limit()));
        assert_eq!(til(&K::long(1 << 41)), Err(QError::limit()));
        assert_eq!(
            amend_assign(&K::long(1), &K::long(0), &K::long(2)),
            Err(QError::type_())
        );
        assert_eq!(count(&K::lambda("{x}")).unwrap(), K::long(1));
    }

    /// The tables every family exports name real functions, each once.
    #[test]
    fn tables() {
        let mut names: Vec<&str> = MONADS.iter().map(|(n, _)| *n).collect();
        names.extend(DYADS.iter().map(|(n, _)| *n));
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), total);
        let c = MONADS.iter().find(|(n, _)| *n == "count").map(|(_, f)| *f);
        assert_eq!(c.map(|f| f(&j(&[1, 2]))), Some(Ok(K::long(2))));
        let t = DYADS.iter().find(|(n, _)| *n == "#").map(|(_, f)| *f);
        assert_eq!(t.map(|f| f(&K::long(2), &K::long(7))), Some(Ok(j(&[7, 7]))));
    }

    /// Every primitive on every pair of sample shapes returns a value or a q error, and
    /// never panics.
    #[test]
    fn no_panics() {
        use qipc::{Sym, Ty};
        let sym = Sym::from_text;
        let mut vals = vec![
            K::bool(true),
            K::byte(7),
            K::short(-3),
            K::int(qipc::null::I),
            K::long(2),
            K::long(NJ),
            K::long(qipc::null::WJ),
            K::long(-1),
            K::real(1.5),
            K::float(f64::NAN),
            K::char(b'a'),
            s("a"),
            K::guid([1; 16]),
            K::i32_of(Ty::Date, 5),
            K::i64_of(Ty::Timestamp, 7),
            K::EnumAtom(sym("e"), 1),
            K::bools(vec![true, false, true]),
            K::string("hello"),
            K::shorts(vec![1, qipc::null::H]),
            K::ints(vec![3, 1, 2]),
            j(&[3, NJ, 1, 2]),
            j(&[]),
            j(&[0, 2]),
            K::reals(vec![1.0, f32::NAN]),
            f(&[2.5, f64::NAN, -1.0]),
            syms("b a c a"),
            K::guids(vec![[2; 16], [0; 16]]),
            K::i32s_of(Ty::Month, vec![1, 2]),
            K::i64s_of(Ty::Timespan, vec![5, NJ]),
            K::Enum(qipc::Enum {
                domain: sym("e"),
                attr: qipc::Attr::None,
                idx: std::sync::Arc::new(vec![0, 1, 1]),
            }),
            l(vec![]),
            l(vec![K::long(1), s("a"), K::string("xy")]),
            l(vec![j(&[1, 2]), j(&[3, 4])]),
            l(vec![j(&[1, 2]), j(&[3])]),
            l(vec![l(vec![j(&[1])]), K::float(1.0)]),
            K::dict(syms("a b"), j(&[1, 2])),
            K::dict(j(&[1, 2]), l(vec![j(&[1]), K::string("z")])),
            K::dict(l(vec![]), l(vec![])),
            table("a b", vec![j(&[1, 2, 1]), syms("x y x")]),
            table("a", vec![j(&[])]),
            K::dict(
                table("k", vec![syms("p q")]),
                table("v", vec![f(&[1.0, 2.0])]),
            ),
            K::NULL,
            K::lambda("{x}"),
        ];
        let mut sorted = j(&[1, 2, 3]);
        sorted = sorted.with_attr(qipc::Attr::Sorted);
        vals.push(sorted);
        vals.push(K::Dict(std::sync::Arc::new(qipc::Dict {
            keys: j(&[1, 5]),
            vals: syms("a b"),
            sorted: true,
        })));
        for x in &vals {
            for (_, m) in MONADS {
                let _ = m(x);
            }
            for y in &vals {
                for (_, d) in DYADS {
                    let _ = d(x, y);
                }
                let _ = index(x, y);
                let _ = index_deep(x, &[y.clone(), x.clone()]);
                let _ = index_deep(x, &[K::NULL, y.clone()]);
                let _ = amend_assign(x, y, x);
                let _ = amend_assign(x, y, y);
                let _ = amend_deep(x, &[y.clone(), K::long(0)], y);
            }
        }
    }
}
