//! Attributes: `attr x`, and `` `s#x `` `` `u#x `` `` `p#x `` `` `g#x `` `` `#x `` setting or
//! removing one, with q's checks: sorted needs the items in ascending order (`'s-fail`),
//! unique needs no repeats (`'u-fail`), parted needs equal items to be adjacent
//! (`'p-fail`); grouped holds for any list.
//!
//! A dictionary takes `` `s# `` as its sorted flag (its keys must be sorted) and passes `u`
//! to its keys; a keyed table passes the attribute to its key table's first column.

use crate::lang::{QError, QResult};
use qipc::{Attr, Data, Dict, Sym, K};
use std::collections::HashSet;
use std::hash::Hash;
use std::sync::Arc;

/// The attribute a symbol names (`` ` `` removes), or `None` for other symbols.
pub fn named(s: Sym) -> Option<Attr> {
    Some(match s.as_bytes() {
        b"" => Attr::None,
        b"s" => Attr::Sorted,
        b"u" => Attr::Unique,
        b"p" => Attr::Parted,
        b"g" => Attr::Grouped,
        _ => return None,
    })
}

/// `attr x`: the attribute's letter, or `` ` `` for none.
pub fn attr(x: &K) -> QResult {
    let a = match x {
        K::Dict(d) if d.sorted => Attr::Sorted,
        K::Dict(d) => match (&d.keys, &d.vals) {
            (K::Table(k), K::Table(_)) => k.cols.first().map_or(Attr::None, K::attr),
            _ => d.keys.attr(),
        },
        other => other.attr(),
    };
    Ok(K::sym(match a.letter() {
        Some(c) => Sym::new(&[c as u8]),
        None => Sym::NULL,
    }))
}

/// q's order key of a float: nulls first, then by value (`-0` equal to `0`).
fn fkey(x: f64) -> (bool, f64) {
    (!x.is_nan(), if x == 0.0 { 0.0 } else { x })
}

fn sorted_by<T, K2: PartialOrd>(d: &[T], key: impl Fn(&T) -> K2) -> bool {
    d.windows(2).all(|w| key(&w[0]) <= key(&w[1]))
}

fn unique_by<T, K2: Hash + Eq>(d: &[T], key: impl Fn(&T) -> K2) -> bool {
    let mut seen = HashSet::with_capacity(d.len());
    d.iter().all(|x| seen.insert(key(x)))
}

/// Equal items form one run each.
fn parted_by<T, K2: Hash + Eq + Clone>(d: &[T], key: impl Fn(&T) -> K2) -> bool {
    let mut seen = HashSet::new();
    let mut prev: Option<K2> = None;
    for x in d {
        let k = key(x);
        if prev.as_ref() != Some(&k) {
            if !seen.insert(k.clone()) {
                return false;
            }
            prev = Some(k);
        }
    }
    true
}

fn holds<T, KO: PartialOrd, KH: Hash + Eq + Clone>(
    d: &[T],
    a: Attr,
    ord: impl Fn(&T) -> KO,
    hash: impl Fn(&T) -> KH,
) -> bool {
    match a {
        Attr::None | Attr::Grouped => true,
        Attr::Sorted => sorted_by(d, ord),
        Attr::Unique => unique_by(d, hash),
        Attr::Parted => parted_by(d, hash),
    }
}

/// Whether the items of a list satisfy the attribute; `None` for a value that cannot
/// carry it.
fn check(x: &K, a: Attr) -> Option<bool> {
    Some(match x {
        K::Vector(v) => match &v.data {
            Data::U8(d) => holds(d, a, |x| *x, |x| *x),
            Data::Guid(d) => holds(d, a, |x| *x, |x| *x),
            Data::I16(d) => holds(d, a, |x| *x, |x| *x),
            Data::I32(d) => holds(d, a, |x| *x, |x| *x),
            Data::I64(d) => holds(d, a, |x| *x, |x| *x),
            Data::F32(d) => holds(d, a, |x| fkey(*x as f64), |x| fkey(*x as f64).1.to_bits()),
            Data::F64(d) => holds(d, a, |x| fkey(*x), |x| fkey(*x).1.to_bits()),
            Data::Sym(d) => holds(d, a, |x| *x, |x| *x),
        },
        K::Enum(e) => holds(&e.idx, a, |x| *x, |x| *x),
        K::List(l) => match a {
            Attr::None | Attr::Grouped => true,
            _ => {
                let keys: Vec<Vec<u8>> = l
                    .items
                    .iter()
                    .map(|i| qipc::to_bytes(i).unwrap_or_default())
                    .collect();
                match a {
                    Attr::Unique => unique_by(&keys, |k| k.clone()),
                    Attr::Parted => parted_by(&keys, |k| k.clone()),
                    _ => return None,
                }
            }
        },
        _ => return None,
    })
}

fn fail(a: Attr) -> QError {
    QError::new(format!("{}-fail", a.letter().unwrap_or(' ')))
}

/// `` `a#x ``: `x` with attribute `a` (after checking it holds), or without any.
pub fn set(a: Attr, x: &K) -> QResult {
    match x {
        K::Vector(_) | K::Enum(_) | K::List(_) => match check(x, a) {
            Some(true) => Ok(x.clone().with_attr(a)),
            Some(false) => Err(fail(a)),
            None => Err(QError::type_()),
        },
        K::Dict(d) => match (&d.keys, &d.vals) {
            (K::Table(k), K::Table(_)) => {
                let first = k.cols.first().ok_or_else(QError::length)?;
                let col = set(a, first)?;
                let mut kt = k.as_ref().clone();
                kt.cols[0] = col;
                Ok(K::Dict(Arc::new(Dict {
                    keys: K::Table(Arc::new(kt)),
                    vals: d.vals.clone(),
                    sorted: d.sorted,
                })))
            }
            _ => {
                let (keys, sorted) = match a {
                    Attr::Sorted => {
                        if check(&d.keys, a) != Some(true) {
                            return Err(fail(a));
                        }
                        (d.keys.clone().with_attr(a), true)
                    }
                    Attr::None => (d.keys.clone().with_attr(a), false),
                    _ => (set(a, &d.keys)?, d.sorted),
                };
                Ok(K::Dict(Arc::new(Dict {
                    keys,
                    vals: d.vals.clone(),
                    sorted,
                })))
            }
        },
        K::Table(t) => {
            // A table takes the attribute on its first column.
            let first = t.cols.first().ok_or_else(QError::length)?;
            let col = set(a, first)?;
            let mut nt = t.as_ref().clone();
            nt.cols[0] = col;
            Ok(K::Table(Arc::new(nt)))
        }
        _ => Err(QError::type_()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(r: QResult) -> String {
        r.err().map(|e| e.msg.to_string()).unwrap_or_default()
    }

    #[test]
    fn checks() {
        let s = set(Attr::Sorted, &K::longs(vec![1, 2, 2, 3])).unwrap();
        assert_eq!(s.attr(), Attr::Sorted);
        assert_eq!(err(set(Attr::Sorted, &K::longs(vec![3, 2, 1]))), "s-fail");
        assert_eq!(err(set(Attr::Unique, &K::longs(vec![1, 2, 1]))), "u-fail");
        assert_eq!(err(set(Attr::Parted, &K::longs(vec![1, 2, 1]))), "p-fail");
        let p = set(Attr::Parted, &K::longs(vec![2, 2, 2, 1, 1, 4, 4, 3])).unwrap();
        assert_eq!(p.attr(), Attr::Parted);
        assert_eq!(
            set(Attr::Grouped, &K::longs(vec![3, 1, 3])).unwrap().attr(),
            Attr::Grouped
        );
        assert_eq!(set(Attr::None, &s).unwrap().attr(), Attr::None);
        // Nulls sort first.
        let f = K::floats(vec![f64::NAN, -1.0, 0.0, 2.5]);
        assert_eq!(set(Attr::Sorted, &f).unwrap().attr(), Attr::Sorted);
        assert_eq!(attr(&s).unwrap(), K::sym("s"));
        assert_eq!(attr(&K::longs(vec![1])).unwrap(), K::sym(Sym::NULL));
        assert_eq!(err(set(Attr::Sorted, &K::long(1))), "type");
    }

    #[test]
    fn dictionaries_and_tables() {
        let d = K::dict(K::syms(["a", "b"]), K::longs(vec![1, 2]));
        let sd = set(Attr::Sorted, &d).unwrap();
        assert!(matches!(&sd, K::Dict(x) if x.sorted));
        assert_eq!(attr(&sd).unwrap(), K::sym("s"));
        let bad = K::dict(K::syms(["b", "a"]), K::longs(vec![1, 2]));
        assert_eq!(err(set(Attr::Sorted, &bad)), "s-fail");
        let kt = K::dict(
            K::table(vec![Sym::from("k")], vec![K::syms(["x", "y"])]),
            K::table(vec![Sym::from("v")], vec![K::longs(vec![1, 2])]),
        );
        let ukt = set(Attr::Unique, &kt).unwrap();
        assert_eq!(attr(&ukt).unwrap(), K::sym("u"));
    }
}
