//! Sorting and grading: `asc` `desc` `iasc` `idesc` `rank` `xasc` `xdesc`.
//!
//! All sorts are stable and use q's order: nulls first, floats with NaN first, symbols by
//! their bytes, mixed lists by type number then value, nested lists lexicographically.
//! Simple vectors grade by sorting (order key, index) pairs, which makes an unstable sort
//! stable; bytes use a counting sort and long symbol vectors sort their distinct symbols once.

use super::elem::{dispatch, Elem};
use super::search::ids_typed;
use super::{is_listlike, keyed, longs_of, rows, QError, QResult};
use crate::lang::value::item;
use qipc::{Attr, Data, Scalar, Sym, Table, Ty, Vector, K};
use std::cmp::Ordering;
use std::sync::Arc;

// ---------------------------------------------------------------------------------------
// Order of values

fn cmp_scalar(a: &Scalar, b: &Scalar) -> Ordering {
    match (a, b) {
        (Scalar::U8(x), Scalar::U8(y)) => x.cmp(y),
        (Scalar::Guid(x), Scalar::Guid(y)) => x.cmp(y),
        (Scalar::I16(x), Scalar::I16(y)) => x.cmp(y),
        (Scalar::I32(x), Scalar::I32(y)) => x.cmp(y),
        (Scalar::I64(x), Scalar::I64(y)) => x.cmp(y),
        (Scalar::F32(x), Scalar::F32(y)) => x.okey().cmp(&y.okey()),
        (Scalar::F64(x), Scalar::F64(y)) => x.okey().cmp(&y.okey()),
        (Scalar::Sym(x), Scalar::Sym(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

fn atom_code(k: &K) -> Option<u8> {
    match k {
        K::Atom(a) => Some(a.ty as u8),
        K::EnumAtom(..) => Some(20),
        _ => None,
    }
}

fn cmp_slices<T: Elem>(a: &[T], b: &[T]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.okey().cmp(&y.okey()) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    a.len().cmp(&b.len())
}

/// q's order on whole values: atoms before lists, atoms by type number then value, lists
/// lexicographically by item and then by length.
pub(crate) fn cmp_k(a: &K, b: &K) -> Ordering {
    match (atom_code(a), atom_code(b)) {
        (Some(ca), Some(cb)) => match (a, b) {
            (K::Atom(x), K::Atom(y)) if ca == cb => cmp_scalar(&x.v, &y.v),
            (K::EnumAtom(_, i), K::EnumAtom(_, j)) => i.cmp(j),
            _ => ca.cmp(&cb),
        },
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => {
            if let (K::Vector(x), K::Vector(y)) = (a, b) {
                if x.ty == y.ty {
                    return super::elem::dispatch2!(
                        &x.data, &y.data, p, q => cmp_slices(p, q), Ordering::Equal
                    );
                }
            }
            if is_listlike(a) && is_listlike(b) {
                let (n, m) = (a.len(), b.len());
                for i in 0..n.min(m) {
                    match (item(a, i), item(b, i)) {
                        (Some(x), Some(y)) => match cmp_k(&x, &y) {
                            Ordering::Equal => {}
                            o => return o,
                        },
                        _ => break,
                    }
                }
                n.cmp(&m)
            } else {
                Ordering::Equal
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Grading simple vectors

fn is_sorted_by_key<T: Elem>(s: &[T]) -> bool {
    s.windows(2).all(|w| w[0].okey() <= w[1].okey())
}

/// Stable grade of bytes by counting.
fn grade_bytes(s: &[u8], desc: bool) -> Vec<u32> {
    let mut counts = [0usize; 257];
    for &b in s {
        let k = if desc { 255 - b } else { b };
        counts[k as usize + 1] += 1;
    }
    for i in 1..257 {
        counts[i] += counts[i - 1];
    }
    let mut out = vec![0u32; s.len()];
    for (i, &b) in s.iter().enumerate() {
        let k = (if desc { 255 - b } else { b }) as usize;
        if let Some(o) = out.get_mut(counts[k]) {
            *o = i as u32;
        }
        counts[k] += 1;
    }
    out
}

fn grade_keys<O: Ord + Copy>(keys: impl Iterator<Item = O>, desc: bool) -> Vec<u32> {
    let mut pairs: Vec<(O, u32)> = keys.enumerate().map(|(i, k)| (k, i as u32)).collect();
    if desc {
        pairs.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    } else {
        pairs.sort_unstable();
    }
    pairs.into_iter().map(|(_, i)| i).collect()
}

/// Below this many items a comparison sort beats setting up radix passes.
const RADIX_MIN: usize = 1024;

/// Stable sort of `idx` by `keys` (one key per item of `idx`): least-significant-digit
/// radix, 11 bits a pass, skipping the digits on which all keys agree.
fn radix_by_keys(keys: Vec<u64>, idx: Vec<u32>) -> Vec<u32> {
    const BITS: usize = 11;
    const B: usize = 1 << BITS;
    const MASK: u64 = B as u64 - 1;
    const PASSES: usize = 64_usize.div_ceil(BITS);
    let n = keys.len();
    let Some(&k0) = keys.first() else {
        return idx;
    };
    let diff = keys.iter().fold(0u64, |a, &k| a | (k ^ k0));
    let live: Vec<usize> = (0..PASSES)
        .filter(|p| (diff >> (p * BITS)) & MASK != 0)
        .collect();
    let mut hist = vec![[0u32; B]; PASSES];
    for &k in &keys {
        for &p in &live {
            hist[p][((k >> (p * BITS)) & MASK) as usize] += 1;
        }
    }
    let mut src_k = keys;
    let mut src_i = idx;
    let mut dst_k = vec![0u64; n];
    let mut dst_i = vec![0u32; n];
    for (p, h) in hist.iter().enumerate() {
        let shift = p * BITS;
        if (diff >> shift) & MASK == 0 {
            continue;
        }
        let mut off = [0u32; B];
        let mut acc = 0u32;
        for (o, &c) in off.iter_mut().zip(h.iter()) {
            *o = acc;
            acc += c;
        }
        for (&k, &i) in src_k.iter().zip(src_i.iter()) {
            let d = ((k >> shift) & MASK) as usize;
            let o = off[d] as usize;
            off[d] += 1;
            // `o` counts items with smaller digits, so it stays below n.
            if let (Some(dk), Some(di)) = (dst_k.get_mut(o), dst_i.get_mut(o)) {
                *dk = k;
                *di = i;
            }
        }
        std::mem::swap(&mut src_k, &mut dst_k);
        std::mem::swap(&mut src_i, &mut dst_i);
    }
    src_i
}

fn identity(n: usize) -> Vec<u32> {
    (0..n as u32).collect()
}

fn widen(v: Vec<u32>) -> Vec<usize> {
    v.into_iter().map(|i| i as usize).collect()
}

fn grade_typed<T: Elem>(s: &[T], desc: bool) -> Vec<u32> {
    if let Some(b) = T::bytes(s) {
        return grade_bytes(b, desc);
    }
    if !desc && is_sorted_by_key(s) {
        return identity(s.len());
    }
    if T::RADIX && s.len() >= RADIX_MIN {
        let keys: Vec<u64> = if desc {
            s.iter().map(|x| !x.rkey()).collect()
        } else {
            s.iter().map(|x| x.rkey()).collect()
        };
        return radix_by_keys(keys, identity(s.len()));
    }
    grade_keys(s.iter().map(|x| x.okey()), desc)
}

/// Sort ranks of symbols: many rows usually share few symbols, so the distinct ones are
/// sorted by text once and the rows are graded by integer rank.
fn sym_ranks(s: &[Sym]) -> Vec<u32> {
    let id = ids_typed(s);
    let mut distinct: Vec<(Sym, u32)> = id
        .firsts
        .iter()
        .enumerate()
        .filter_map(|(g, &i)| s.get(i).map(|&x| (x, g as u32)))
        .collect();
    distinct.sort_unstable_by_key(|a| a.0);
    let mut rank_of = vec![0u32; distinct.len()];
    for (r, (_, g)) in distinct.iter().enumerate() {
        rank_of[*g as usize] = r as u32;
    }
    id.ids.iter().map(|&g| rank_of[g as usize]).collect()
}

fn grade_syms(s: &[Sym], desc: bool) -> Vec<u32> {
    if !desc && is_sorted_by_key(s) {
        return identity(s.len());
    }
    if s.len() < RADIX_MIN {
        return grade_keys(s.iter().copied(), desc);
    }
    let keys = sym_keys(s, desc);
    radix_by_keys(keys, identity(s.len()))
}

fn sym_keys(s: &[Sym], desc: bool) -> Vec<u64> {
    sym_ranks(s)
        .into_iter()
        .map(|r| if desc { !(r as u64) } else { r as u64 })
        .collect()
}

/// Radix keys in q's order for a simple column, when it has them.
fn column_keys(c: &K, desc: bool) -> Option<Vec<u64>> {
    let K::Vector(v) = c else { return None };
    fn keys<T: Elem>(s: &[T], desc: bool) -> Option<Vec<u64>> {
        T::RADIX.then(|| {
            s.iter()
                .map(|x| if desc { !x.rkey() } else { x.rkey() })
                .collect()
        })
    }
    match &v.data {
        Data::Sym(s) => Some(sym_keys(s, desc)),
        d => dispatch!(d, s => keys(s, desc)),
    }
}

fn grade_vector(v: &Vector, desc: bool) -> Vec<u32> {
    match &v.data {
        Data::Sym(s) => grade_syms(s, desc),
        d => dispatch!(d, s => grade_typed(s, desc)),
    }
}

/// Stable grade of the items (rows) of a list-like value.
pub(crate) fn grade(x: &K, desc: bool) -> QResult<Vec<usize>> {
    Ok(match x {
        K::Vector(v) => {
            if !desc && v.attr == Attr::Sorted {
                (0..v.len()).collect()
            } else {
                widen(grade_vector(v, desc))
            }
        }
        K::List(l) => {
            let mut idx: Vec<usize> = (0..l.items.len()).collect();
            if desc {
                idx.sort_by(|&a, &b| cmp_k(&l.items[b], &l.items[a]));
            } else {
                idx.sort_by(|&a, &b| cmp_k(&l.items[a], &l.items[b]));
            }
            idx
        }
        K::Table(t) => grade_columns(&t.cols, desc)?,
        K::Dict(_) => match keyed(x) {
            Some((_, v)) => grade_columns(&v.cols, desc)?,
            None => return Err(QError::type_()),
        },
        // Ordering enumerations needs their domain's text.
        K::Enum(_) => return Err(QError::nyi()),
        // An atom has no items to grade (`iasc 7` is 'rank, basics/funsql).
        K::Atom(_) | K::EnumAtom(..) => return Err(QError::rank()),
        _ => return Err(QError::type_()),
    })
}

/// Lexicographic stable grade over columns: stable-sort by the last column first, each
/// pass keeping the order of the previous one among equals.
fn grade_columns(cols: &[K], desc: bool) -> QResult<Vec<usize>> {
    let Some(first) = cols.first() else {
        return Ok(Vec::new());
    };
    let n = first.len();
    let mut perm: Vec<u32> = identity(n);
    for c in cols.iter().rev() {
        match column_keys(c, desc) {
            Some(keys) if n >= RADIX_MIN => {
                let k: Vec<u64> = perm
                    .iter()
                    .map(|&p| keys.get(p as usize).copied().unwrap_or(0))
                    .collect();
                perm = radix_by_keys(k, perm);
            }
            _ => {
                let p: Vec<usize> = perm.iter().map(|&i| i as usize).collect();
                let g = grade(&rows(c, &p)?, desc)?;
                perm = g.into_iter().map(|k| perm[k]).collect();
            }
        }
    }
    Ok(widen(perm))
}

// ---------------------------------------------------------------------------------------
// The keywords

/// `iasc x`: the indices that sort `x` ascending (dictionaries: the keys).
pub fn iasc(x: &K) -> QResult {
    igrade(x, false)
}

/// `idesc x`: the indices that sort `x` descending (stable among equals).
pub fn idesc(x: &K) -> QResult {
    igrade(x, true)
}

fn igrade(x: &K, desc: bool) -> QResult {
    match x {
        // An atom has no order to grade.
        K::Atom(_) | K::EnumAtom(..) => Err(QError::rank()),
        K::Vector(v) if desc || v.attr != Attr::Sorted => Ok(K::longs(
            grade_vector(v, desc)
                .into_iter()
                .map(|i| i as i64)
                .collect(),
        )),
        K::Dict(d) if keyed(x).is_none() => {
            let g = grade(&d.vals, desc)?;
            rows(&d.keys, &g)
        }
        _ => Ok(longs_of(&grade(x, desc)?)),
    }
}

/// `rank x`: the position each item would take in the sorted list (`iasc iasc x`).
pub fn rank(x: &K) -> QResult {
    let g = match x {
        K::Dict(d) if keyed(x).is_none() => grade(&d.vals, false)?,
        _ => grade(x, false)?,
    };
    let mut r = vec![0i64; g.len()];
    for (k, &i) in g.iter().enumerate() {
        r[i] = k as i64;
    }
    Ok(K::longs(r))
}

/// `x xrank y`: the bucket (0 to `x-1`) of each item of `y` when `y` is split by rank into
/// `x` buckets of near-equal size.
pub fn xrank(x: &K, y: &K) -> QResult {
    let b = super::int_atom(x).ok_or_else(QError::type_)?;
    if !is_listlike(y) {
        return Err(QError::rank());
    }
    let r = rank(y)?;
    let n = y.len() as i64;
    let K::Vector(Vector {
        data: Data::I64(rv),
        ..
    }) = &r
    else {
        return Err(QError::type_());
    };
    Ok(K::longs(
        rv.iter()
            .map(|&k| k.wrapping_mul(b).checked_div(n).unwrap_or(0))
            .collect(),
    ))
}

/// `asc x`: `x` sorted ascending, with the sorted attribute (tables: parted or sorted on
/// the first column).
pub fn asc(x: &K) -> QResult {
    sort(x, false)
}

/// `desc x`: `x` sorted descending (no attribute).
pub fn desc(x: &K) -> QResult {
    sort(x, true)
}

fn sorted_values<T: Elem>(s: &[T], desc: bool) -> Vec<T> {
    let mut v = s.to_vec();
    v.sort_unstable_by_key(|a| a.okey());
    if desc {
        v.reverse();
    }
    v
}

fn sort(x: &K, desc: bool) -> QResult {
    match x {
        K::Vector(v) => {
            if !desc && v.attr == Attr::Sorted {
                return Ok(x.clone());
            }
            let data = match &v.data {
                // Long vectors, symbols and bytes go through the (radix or counting) grade;
                // short ones sort their values directly.
                Data::Sym(_) | Data::U8(_) => {
                    return finish(rows(x, &widen(grade_vector(v, desc)))?, desc);
                }
                _ if v.len() >= RADIX_MIN => {
                    return finish(rows(x, &widen(grade_vector(v, desc)))?, desc);
                }
                d => dispatch!(d, s => Elem::wrap(sorted_values(s, desc))),
            };
            finish(K::Vector(Vector::new(v.ty, data)), desc)
        }
        K::List(_) => finish(rows(x, &grade(x, desc)?)?, desc),
        K::Dict(d) if keyed(x).is_none() => {
            let g = grade(&d.vals, desc)?;
            Ok(K::dict(rows(&d.keys, &g)?, rows(&d.vals, &g)?))
        }
        K::Dict(d) => {
            let g = grade(x, desc)?;
            let (k, v) = (rows(&d.keys, &g)?, rows(&d.vals, &g)?);
            Ok(K::dict(k, if desc { v } else { mark_first(v) }))
        }
        K::Table(_) => {
            let r = rows(x, &grade(x, desc)?)?;
            Ok(if desc { r } else { mark_first(r) })
        }
        K::Enum(_) => Err(QError::nyi()),
        K::Atom(_) | K::EnumAtom(..) => Err(QError::rank()),
        _ => Err(QError::type_()),
    }
}

fn finish(k: K, desc: bool) -> QResult {
    Ok(if desc { k } else { k.with_attr(Attr::Sorted) })
}

/// q marks a table sorted by all its columns: `s#` when it has one column, else `p#` on
/// the first.
fn mark_first(t: K) -> K {
    let K::Table(t) = t else { return t };
    let mut t = Arc::unwrap_or_clone(t);
    let a = if t.cols.len() == 1 {
        Attr::Sorted
    } else {
        Attr::Parted
    };
    if let Some(c) = t.cols.first_mut() {
        *c = std::mem::replace(c, K::NULL).with_attr(a);
    }
    K::Table(Arc::new(t))
}

/// `x xasc t`: `t` sorted ascending by the columns named in `x` (stable), the first of
/// them marked sorted.
pub fn xasc(x: &K, y: &K) -> QResult {
    xsort(x, y, false)
}

/// `x xdesc t`: `t` sorted descending by the columns named in `x` (stable).
pub fn xdesc(x: &K, y: &K) -> QResult {
    xsort(x, y, true)
}

fn col_of(t: &Table, n: Sym) -> Option<&K> {
    t.col(n)
}

fn xsort(x: &K, y: &K, desc: bool) -> QResult {
    let names: Vec<Sym> = match x {
        K::Atom(_) => vec![x.as_sym().ok_or_else(QError::type_)?],
        K::Vector(Vector {
            ty: Ty::Sym,
            data: Data::Sym(s),
            ..
        }) => s.as_ref().clone(),
        _ => return Err(QError::type_()),
    };
    let parts: Vec<&Table> = match y {
        K::Table(t) => vec![t],
        _ => match keyed(y) {
            Some((k, v)) => vec![k, v],
            None => return Err(QError::type_()),
        },
    };
    for t in &parts {
        for (i, n) in t.names.iter().enumerate() {
            if t.names[..i].contains(n) {
                return Err(QError::new(format!("dup names for cols: {n}")));
            }
        }
    }
    let cols = names
        .iter()
        .map(|&n| {
            parts
                .iter()
                .find_map(|t| col_of(t, n))
                .cloned()
                .ok_or_else(|| QError::new(n.as_str().into_owned()))
        })
        .collect::<QResult<Vec<K>>>()?;
    if cols.is_empty() {
        return Ok(y.clone());
    }
    let g = grade_columns(&cols, desc)?;
    let mut out = rows(y, &g)?;
    if !desc {
        let first = names[0];
        out = set_col_attr(out, first, Attr::Sorted);
    }
    Ok(out)
}

fn set_col_attr(k: K, name: Sym, a: Attr) -> K {
    fn in_table(t: Arc<Table>, name: Sym, a: Attr) -> (Arc<Table>, bool) {
        match t.names.iter().position(|&n| n == name) {
            Some(i) => {
                let mut t = Arc::unwrap_or_clone(t);
                t.cols[i] = std::mem::replace(&mut t.cols[i], K::NULL).with_attr(a);
                (Arc::new(t), true)
            }
            None => (t, false),
        }
    }
    match k {
        K::Table(t) => K::Table(in_table(t, name, a).0),
        K::Dict(d) => {
            let d = Arc::unwrap_or_clone(d);
            match (d.keys, d.vals) {
                (K::Table(kt), K::Table(vt)) => {
                    let (kt, done) = in_table(kt, name, a);
                    let vt = if done { vt } else { in_table(vt, name, a).0 };
                    K::dict(K::Table(kt), K::Table(vt))
                }
                (keys, vals) => K::dict(keys, vals),
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use qipc::null;

    #[test]
    fn infix_keywords() {
        use crate::lang::console::run_lines as q;
        // xrank is infix; where is not (so `x where b` indexes x)
        assert_eq!(q(&["3 xrank 1 7 5 4 0 3"]), "0 2 2 1 0 1");
        assert_eq!(
            q(&["x:1 5 6 8 11 17 20 21", "x where 0 = x mod 2"]),
            "6 8 20"
        );
    }

    #[test]
    fn asc_vectors() {
        let r = asc(&j(&[2, 1, 3, 4, 2, 1, 2])).unwrap();
        assert_eq!(r, j(&[1, 1, 2, 2, 2, 3, 4]));
        assert_eq!(r.attr(), Attr::Sorted);
        let r = desc(&j(&[2, 1, 3, 4, 2, 1, 2])).unwrap();
        assert_eq!(r, j(&[4, 3, 2, 2, 2, 1, 1]));
        assert_eq!(r.attr(), Attr::None);
        assert_eq!(
            asc(&f(&[3.0, f64::NAN, -1.0, f64::NEG_INFINITY])).unwrap(),
            f(&[f64::NAN, f64::NEG_INFINITY, -1.0, 3.0])
        );
        assert_eq!(asc(&j(&[3, NJ, 1])).unwrap(), j(&[NJ, 1, 3]));
        assert_eq!(asc(&syms("b a  ab")).unwrap(), syms(" a ab b"));
        assert_eq!(asc(&K::string("hello")).unwrap(), K::string("ehllo"));
        assert_eq!(desc(&K::string("hello")).unwrap(), K::string("ollhe"));
        // an atom has no items to sort: `iasc 7` is 'rank (basics/funsql)
        assert_eq!(asc(&K::long(1)), Err(QError::rank()));
        assert_eq!(iasc(&K::long(7)), Err(QError::rank()));
        assert_eq!(asc(&j(&[])).unwrap(), j(&[]));
    }

    #[test]
    fn grades() {
        let x = j(&[2, 1, 3, 4, 2, 1, 2]);
        assert_eq!(iasc(&x).unwrap(), j(&[1, 5, 0, 4, 6, 2, 3]));
        assert_eq!(idesc(&x).unwrap(), j(&[3, 2, 0, 4, 6, 1, 5]));
        assert_eq!(rank(&j(&[2, 7, 3, 2, 5])).unwrap(), j(&[0, 4, 2, 1, 3]));
        assert_eq!(
            iasc(&idesc(&j(&[2, 7, 3, 2, 5])).unwrap()).unwrap(),
            j(&[3, 0, 2, 4, 1])
        );
        let d = K::dict(syms("a b c"), j(&[2, 3, 1]));
        assert_eq!(iasc(&d).unwrap(), syms("c a b"));
        let d = K::dict(syms("a c b"), j(&[1, 2, 3]));
        assert_eq!(idesc(&d).unwrap(), syms("b c a"));
        // symbols: long enough for the rank path, stable among equals
        let names: Vec<&str> = (0..600).map(|i| ["m", "a", "z", ""][i % 4]).collect();
        let v = K::syms(names.iter().copied());
        let g = iasc(&v).unwrap();
        let gi = super::super::int_vec(&g).unwrap().into_owned();
        assert_eq!(gi[0], 3);
        assert_eq!(gi[1], 7);
        assert_eq!(gi[150], 1);
        assert_eq!(gi[599], 598);
        // bytes: counting sort, stable both ways
        assert_eq!(
            idesc(&K::bools(vec![false, true, false, true])).unwrap(),
            j(&[1, 3, 0, 2])
        );
    }

    #[test]
    fn mixed_and_nested() {
        let l0 = l(vec![
            K::long(1),
            K::bool(true),
            K::char(b'b'),
            K::i32_of(Ty::Date, 3288),
            K::char(b'a'),
            K::long(0),
        ]);
        let r = asc(&l0).unwrap();
        assert_eq!(
            r,
            l(vec![
                K::bool(true),
                K::long(0),
                K::long(1),
                K::char(b'a'),
                K::char(b'b'),
                K::i32_of(Ty::Date, 3288)
            ])
        );
        let r = desc(&l0).unwrap();
        assert_eq!(
            r,
            l(vec![
                K::i32_of(Ty::Date, 3288),
                K::char(b'b'),
                K::char(b'a'),
                K::long(1),
                K::long(0),
                K::bool(true)
            ])
        );
        let words = l(vec![
            K::string("bat"),
            K::string("dog"),
            K::string("cow"),
            K::string("cat"),
        ]);
        let r = asc(&words).unwrap();
        assert_eq!(
            r,
            l(vec![
                K::string("bat"),
                K::string("cat"),
                K::string("cow"),
                K::string("dog")
            ])
        );
        assert_eq!(r.attr(), Attr::Sorted);
        assert_eq!(cmp_k(&K::string("ab"), &K::string("abc")), Ordering::Less);
    }

    #[test]
    fn dicts_and_tables() {
        let d = K::dict(syms("a b c"), j(&[2, 1, 3]));
        assert_eq!(asc(&d).unwrap(), K::dict(syms("b a c"), j(&[1, 2, 3])));
        assert_eq!(desc(&d).unwrap(), K::dict(syms("c a b"), j(&[3, 2, 1])));
        let t = table("a b", vec![j(&[4, 3, 4]), syms("s a d")]);
        let r = asc(&t).unwrap();
        assert_eq!(r, table("a b", vec![j(&[3, 4, 4]), syms("a d s")]));
        let K::Table(rt) = &r else { panic!() };
        assert_eq!(rt.cols[0].attr(), Attr::Parted);
        let r = asc(&table("a", vec![j(&[3, 4, 1])])).unwrap();
        let K::Table(rt) = &r else { panic!() };
        assert_eq!(rt.cols[0].attr(), Attr::Sorted);
        let t = table("a b", vec![j(&[4, 4, 1]), syms("a d s")]);
        assert_eq!(
            desc(&t).unwrap(),
            table("a b", vec![j(&[4, 4, 1]), syms("d a s")])
        );
        // keyed table: sorted by the value columns
        let kt = K::dict(
            table("c1", vec![syms("a b")]),
            table("c2 c3", vec![j(&[2, 1]), K::bools(vec![false, true])]),
        );
        let r = asc(&kt).unwrap();
        assert_eq!(
            r,
            K::dict(
                table("c1", vec![syms("b a")]),
                table("c2 c3", vec![j(&[1, 2]), K::bools(vec![true, false])])
            )
        );
    }

    /// Radix grades agree with a stable comparison sort on q's order.
    #[test]
    fn radix_matches_comparison() {
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let n = 5000;
        let longs: Vec<i64> = (0..n)
            .map(|i| match i % 97 {
                0 => NJ,
                1 => null::WJ,
                2 => -null::WJ,
                _ => (rnd() % 2000) as i64 - 1000,
            })
            .collect();
        let floats: Vec<f64> = (0..n)
            .map(|i| match i % 89 {
                0 => f64::NAN,
                1 => -0.0,
                2 => f64::NEG_INFINITY,
                3 => f64::INFINITY,
                _ => (rnd() % 1000) as f64 / 8.0 - 60.0,
            })
            .collect();
        let ints: Vec<i32> = (0..n).map(|_| (rnd() % 50) as i32 - 25).collect();
        let names = ["b", "a", "", "ab", "zz", "m"];
        let syms_: Vec<&str> = (0..n).map(|_| names[(rnd() % 6) as usize]).collect();
        fn reference<T: Elem>(s: &[T], desc: bool) -> Vec<usize> {
            let mut idx: Vec<usize> = (0..s.len()).collect();
            if desc {
                idx.sort_by(|&a, &b| s[b].okey().cmp(&s[a].okey()));
            } else {
                idx.sort_by(|&a, &b| s[a].okey().cmp(&s[b].okey()));
            }
            idx
        }
        let sv: Vec<Sym> = syms_.iter().map(|x| Sym::from_text(x)).collect();
        for desc in [false, true] {
            assert_eq!(
                grade(&K::longs(longs.clone()), desc).unwrap(),
                reference(&longs, desc)
            );
            assert_eq!(
                grade(&K::floats(floats.clone()), desc).unwrap(),
                reference(&floats, desc)
            );
            assert_eq!(
                grade(&K::ints(ints.clone()), desc).unwrap(),
                reference(&ints, desc)
            );
            assert_eq!(
                grade(&K::syms(syms_.clone()), desc).unwrap(),
                reference(&sv, desc)
            );
        }
        // two columns: lexicographic, stable
        let t = K::table(
            vec![Sym::from_text("s"), Sym::from_text("i")],
            vec![K::syms(syms_.clone()), K::ints(ints.clone())],
        );
        let g = grade(&t, false).unwrap();
        let mut r: Vec<usize> = (0..n).collect();
        r.sort_by(|&a, &b| sv[a].cmp(&sv[b]).then(ints[a].cmp(&ints[b])));
        assert_eq!(g, r);
        let sorted = asc(&K::longs(longs.clone())).unwrap();
        let mut ls = longs.clone();
        ls.sort();
        assert_eq!(sorted, K::longs(ls));
    }

    #[test]
    fn xranks() {
        let til = |n: i64| K::longs((0..n).collect());
        assert_eq!(
            xrank(&K::long(4), &til(8)).unwrap(),
            j(&[0, 0, 1, 1, 2, 2, 3, 3])
        );
        assert_eq!(
            xrank(&K::long(4), &til(9)).unwrap(),
            j(&[0, 0, 0, 1, 1, 2, 2, 3, 3])
        );
        assert_eq!(
            xrank(&K::long(7), &til(9)).unwrap(),
            j(&[0, 0, 1, 2, 3, 3, 4, 5, 6])
        );
        assert_eq!(
            xrank(&K::long(3), &j(&[1, 37, 5, 4, 0, 3])).unwrap(),
            j(&[0, 2, 2, 1, 0, 1])
        );
        assert_eq!(xrank(&K::long(3), &K::long(1)), Err(QError::rank()));
        assert_eq!(xrank(&K::long(3), &j(&[])).unwrap(), j(&[]));
    }

    #[test]
    fn xasc_xdesc() {
        let t = table(
            "sym date",
            vec![
                syms("c a b b a c"),
                K::i32s_of(Ty::Date, vec![0, 1, 0, 1, 0, 1]),
            ],
        );
        let r = xasc(&s("date"), &t).unwrap();
        assert_eq!(
            r,
            table(
                "sym date",
                vec![
                    syms("c b a a b c"),
                    K::i32s_of(Ty::Date, vec![0, 0, 0, 1, 1, 1])
                ]
            )
        );
        let K::Table(rt) = &r else { panic!() };
        assert_eq!(rt.cols[1].attr(), Attr::Sorted);
        let r = xdesc(&syms("sym date"), &t).unwrap();
        assert_eq!(
            r,
            table(
                "sym date",
                vec![
                    syms("c c b b a a"),
                    K::i32s_of(Ty::Date, vec![1, 0, 1, 0, 1, 0])
                ]
            )
        );
        assert!(xasc(&s("zz"), &t).is_err());
    }
}
