//! Running and moving forms: `sums` `prds` `maxs` `mins` `avgs` `deltas` `ratios` `fills`,
//! and `msum` `mcount` `mavg` `mdev` `mmax` `mmin` `ema`.
//!
//! These are uniform: the result has the shape of the argument. Tables transform each
//! column, dictionaries their values; general lists of lists run item-wise. Moving windows
//! are computed in O(n): sums by differencing running totals (as q defines them), extremes
//! with a monotonic queue.

use super::agg::{atom_f64, dispatch_num, floats_of, Num};
use super::elem::{dispatch, Elem};
use super::num::{pair, Op};
use super::{int_atom, keyed, QError, QResult};
use crate::lang::value::from_items;
use qipc::{null, Data, Ty, Vector, K};
use std::collections::VecDeque;
use std::sync::Arc;

/// Apply a uniform function through tables (per column) and dictionaries (values).
fn uniform(x: &K, f: &dyn Fn(&K) -> QResult) -> Option<QResult> {
    match x {
        K::Table(t) => Some((|| {
            let cols = t.cols.iter().map(f).collect::<QResult<Vec<K>>>()?;
            super::make_table(t.names.as_ref().clone(), cols)
        })()),
        K::Dict(d) => Some(match keyed(x) {
            Some((k, v)) => uniform(&K::Table(v.clone()), f)
                .unwrap_or_else(|| Err(QError::type_()))
                .map(|vt| K::dict(K::Table(k.clone()), vt)),
            None => f(&d.vals).map(|v| K::dict(d.keys.clone(), v)),
        }),
        _ => None,
    }
}

fn scan(its: &[K], op: Op) -> QResult {
    let mut out = Vec::with_capacity(its.len());
    let mut acc: Option<K> = None;
    for it in its {
        let next = match &acc {
            None => it.clone(),
            Some(a) => pair(op, a, it)?,
        };
        out.push(next.clone());
        acc = Some(next);
    }
    Ok(from_items(out))
}

/// Result type of a running total over `ty` (booleans, bytes and shorts total as int).
fn total_ty(ty: Ty) -> QResult<Ty> {
    match ty {
        Ty::Bool | Ty::Byte | Ty::Short => Ok(Ty::Int),
        Ty::Char | Ty::Sym | Ty::Guid => Err(QError::type_()),
        t => Ok(t),
    }
}

/// Running totals of a vector in its total type (`sums`; `prds` with `mul`).
fn running(v: &Vector, mul: bool) -> QResult {
    let rt = total_ty(v.ty)?;
    let ident = if mul { 1 } else { 0 };
    let data = match rt.storage() {
        qipc::Storage::I32 => {
            let mut acc = ident as i64;
            let out: Vec<i32> = dispatch_num!(&v.data, s => s.iter().map(|x| {
                let v = x.i().unwrap_or(ident as i64);
                acc = if mul { acc.wrapping_mul(v) } else { acc.wrapping_add(v) };
                acc as i32
            }).collect());
            Data::I32(Arc::new(out))
        }
        qipc::Storage::I64 => {
            let mut acc = ident as i64;
            let out: Vec<i64> = dispatch_num!(&v.data, s => s.iter().map(|x| {
                let v = x.i().unwrap_or(ident as i64);
                acc = if mul { acc.wrapping_mul(v) } else { acc.wrapping_add(v) };
                acc
            }).collect());
            Data::I64(Arc::new(out))
        }
        qipc::Storage::F32 | qipc::Storage::F64 => {
            let mut acc = ident as f64;
            let out: Vec<f64> = dispatch_num!(&v.data, s => s.iter().map(|x| {
                let v = x.f();
                let v = if v.is_nan() { ident as f64 } else { v };
                acc = if mul { acc * v } else { acc + v };
                acc
            }).collect());
            if rt.storage() == qipc::Storage::F32 {
                Data::F32(Arc::new(out.into_iter().map(|x| x as f32).collect()))
            } else {
                Data::F64(Arc::new(out))
            }
        }
        _ => return Err(QError::type_()),
    };
    Ok(K::Vector(Vector::new(rt, data)))
}

fn numeric_or_list(x: &K, vec: &dyn Fn(&Vector) -> QResult, op: Op) -> QResult {
    match x {
        K::Vector(v) => vec(v),
        K::List(l) => scan(&l.items, op),
        K::Atom(a) if !matches!(a.ty, Ty::Sym | Ty::Guid | Ty::Char) => Ok(x.clone()),
        _ => Err(QError::type_()),
    }
}

/// `sums x`: running totals (nulls count as 0).
pub fn sums(x: &K) -> QResult {
    if let Some(r) = uniform(x, &sums) {
        return r;
    }
    numeric_or_list(x, &|v| running(v, false), Op::Add)
}

/// `prds x`: running products (nulls count as 1).
pub fn prds(x: &K) -> QResult {
    if let Some(r) = uniform(x, &prds) {
        return r;
    }
    numeric_or_list(x, &|v| running(v, true), Op::Mul)
}

fn running_extreme<T: Elem>(s: &[T], start: T, is_max: bool, ty: Ty) -> Vec<T> {
    let mut acc = start;
    s.iter()
        .map(|&x| {
            if is_max {
                if x.okey() > acc.okey() {
                    acc = x;
                }
            } else if !x.is_null(ty) && x.okey() < acc.okey() {
                acc = x;
            }
            acc
        })
        .collect()
}

fn extremes(v: &Vector, is_max: bool) -> QResult {
    let ty = v.ty;
    let data = match &v.data {
        Data::U8(s) => Elem::wrap(running_extreme(
            &s[..],
            if is_max { 0 } else { 255 },
            is_max,
            ty,
        )),
        Data::I16(s) => Elem::wrap(running_extreme(
            &s[..],
            if is_max { -null::WH } else { null::WH },
            is_max,
            ty,
        )),
        Data::I32(s) => Elem::wrap(running_extreme(
            &s[..],
            if is_max { -null::WI } else { null::WI },
            is_max,
            ty,
        )),
        Data::I64(s) => Elem::wrap(running_extreme(
            &s[..],
            if is_max { -null::WJ } else { null::WJ },
            is_max,
            ty,
        )),
        Data::F32(s) => Elem::wrap(running_extreme(
            &s[..],
            if is_max {
                f32::NEG_INFINITY
            } else {
                f32::INFINITY
            },
            is_max,
            ty,
        )),
        Data::F64(s) => Elem::wrap(running_extreme(
            &s[..],
            if is_max {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            },
            is_max,
            ty,
        )),
        _ => return Err(QError::type_()),
    };
    Ok(K::Vector(Vector::new(ty, data)))
}

/// `maxs x`: running maximums (leading nulls give `-0W`).
pub fn maxs(x: &K) -> QResult {
    if let Some(r) = uniform(x, &maxs) {
        return r;
    }
    numeric_or_list(x, &|v| extremes(v, true), Op::Max)
}

/// `mins x`: running minimums (leading nulls give `0W`).
pub fn mins(x: &K) -> QResult {
    if let Some(r) = uniform(x, &mins) {
        return r;
    }
    numeric_or_list(x, &|v| extremes(v, false), Op::Min)
}

/// `avgs x`: running averages (nulls ignored).
pub fn avgs(x: &K) -> QResult {
    if let Some(r) = uniform(x, &avgs) {
        return r;
    }
    match x {
        K::Vector(v) => {
            let f = floats_of(v)?;
            let (mut t, mut n) = (0f64, 0usize);
            let out = f
                .iter()
                .map(|&v| {
                    if !v.is_nan() {
                        t += v;
                        n += 1;
                    }
                    t / n as f64
                })
                .collect();
            Ok(K::floats(out))
        }
        K::Atom(_) => Ok(K::float(atom_f64(x).ok_or_else(QError::type_)?)),
        _ => Err(QError::type_()),
    }
}

/// Result type of `x - prior x` for `deltas`.
fn delta_ty(ty: Ty) -> QResult<Ty> {
    Ok(match ty {
        Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Month | Ty::Date => Ty::Int,
        Ty::Timestamp => Ty::Timespan,
        Ty::Datetime => Ty::Float,
        Ty::Char | Ty::Sym | Ty::Guid => return Err(QError::type_()),
        t => t,
    })
}

/// `deltas x`: differences between neighbours, the first item kept.
pub fn deltas(x: &K) -> QResult {
    if let Some(r) = uniform(x, &deltas) {
        return r;
    }
    match x {
        K::Vector(v) => {
            let rt = delta_ty(v.ty)?;
            let data = match rt.storage() {
                qipc::Storage::F32 | qipc::Storage::F64 => {
                    let f = floats_of(v)?;
                    let out: Vec<f64> = (0..f.len())
                        .map(|i| if i == 0 { f[0] } else { f[i] - f[i - 1] })
                        .collect();
                    if rt == Ty::Real {
                        Data::F32(Arc::new(out.into_iter().map(|x| x as f32).collect()))
                    } else {
                        Data::F64(Arc::new(out))
                    }
                }
                st => {
                    let out: Vec<i64> = dispatch_num!(&v.data, s => {
                        let mut prev = Some(0i64);
                        s.iter()
                            .map(|x| {
                                let cur = x.i();
                                let r = match (cur, prev) {
                                    (Some(a), Some(b)) => a.wrapping_sub(b),
                                    _ => null::J,
                                };
                                prev = cur;
                                r
                            })
                            .collect()
                    });
                    if st == qipc::Storage::I32 {
                        Data::I32(Arc::new(
                            out.into_iter()
                                .map(|x| if x == null::J { null::I } else { x as i32 })
                                .collect(),
                        ))
                    } else {
                        Data::I64(Arc::new(out))
                    }
                }
            };
            Ok(K::Vector(Vector::new(rt, data)))
        }
        K::List(l) => {
            let its = &l.items;
            let out = (0..its.len())
                .map(|i| {
                    if i == 0 {
                        Ok(its[0].clone())
                    } else {
                        pair(Op::Sub, &its[i], &its[i - 1])
                    }
                })
                .collect::<QResult<Vec<K>>>()?;
            Ok(from_items(out))
        }
        K::Atom(a) if !matches!(a.ty, Ty::Sym | Ty::Guid | Ty::Char) => Ok(x.clone()),
        _ => Err(QError::type_()),
    }
}

/// `ratios x`: each item divided by the one before, the first item kept (as a float).
pub fn ratios(x: &K) -> QResult {
    if let Some(r) = uniform(x, &ratios) {
        return r;
    }
    match x {
        K::Vector(v) => {
            if matches!(v.ty, Ty::Char) {
                return Err(QError::type_());
            }
            let f = floats_of(v)?;
            let out: Vec<f64> = (0..f.len())
                .map(|i| if i == 0 { f[0] } else { f[i] / f[i - 1] })
                .collect();
            Ok(if v.ty == Ty::Real {
                K::reals(out.into_iter().map(|x| x as f32).collect())
            } else {
                K::floats(out)
            })
        }
        K::List(l) => {
            let its = &l.items;
            let out = (0..its.len())
                .map(|i| {
                    if i == 0 {
                        Ok(its[0].clone())
                    } else {
                        pair(Op::Div, &its[i], &its[i - 1])
                    }
                })
                .collect::<QResult<Vec<K>>>()?;
            Ok(from_items(out))
        }
        K::Atom(a) if !matches!(a.ty, Ty::Sym | Ty::Guid | Ty::Char) => Ok(x.clone()),
        _ => Err(QError::type_()),
    }
}

fn fill_typed<T: Elem>(s: &[T], ty: Ty) -> Vec<T> {
    let mut last: Option<T> = None;
    s.iter()
        .map(|&x| {
            if x.is_null(ty) {
                last.unwrap_or(x)
            } else {
                last = Some(x);
                x
            }
        })
        .collect()
}

/// `fills x`: nulls replaced by the preceding non-null item.
pub fn fills(x: &K) -> QResult {
    if let Some(r) = uniform(x, &fills) {
        return r;
    }
    match x {
        K::Vector(v) => Ok(K::Vector(Vector::new(
            v.ty,
            dispatch!(&v.data, s => Elem::wrap(fill_typed(s, v.ty))),
        ))),
        K::List(l) => scan(&l.items, Op::Fill),
        _ => Ok(x.clone()),
    }
}

// ---------------------------------------------------------------------------------------
// Moving windows

/// A window length from the left argument (`'type` unless an integer atom).
fn window(n: &K) -> QResult<i64> {
    int_atom(n).ok_or_else(QError::type_)
}

/// Apply a moving function through tables, dictionaries and general lists (item-wise).
fn moving(n: &K, y: &K, f: fn(&K, &K) -> QResult) -> Option<QResult> {
    if let Some(r) = uniform(y, &|c| f(n, c)) {
        return Some(r);
    }
    if let K::List(_) = y {
        return Some((|| {
            let cols = super::shape::flip(y)?;
            let K::List(cl) = &cols else {
                return Err(QError::type_());
            };
            let r = cl
                .items
                .iter()
                .map(|c| f(n, c))
                .collect::<QResult<Vec<K>>>()?;
            super::shape::flip(&K::list(r))
        })());
    }
    None
}

fn start(i: usize, n: usize) -> Option<usize> {
    (i + 1).checked_sub(n)
}

/// `x msum y`: sums over windows of `x` items (nulls count as 0).
pub fn msum(x: &K, y: &K) -> QResult {
    if let Some(r) = moving(x, y, msum) {
        return r;
    }
    let n = window(x)?;
    if n < 0 {
        return Err(QError::domain());
    }
    let n = n as usize;
    let K::Vector(v) = y else {
        return Err(QError::type_());
    };
    let s = running(v, false)?;
    let K::Vector(sv) = &s else {
        return Err(QError::type_());
    };
    let data = match &sv.data {
        Data::I32(t) => Data::I32(Arc::new(
            (0..t.len())
                .map(|i| match (n, start(i, n)) {
                    (0, _) => 0,
                    (_, Some(0)) | (_, None) => t[i],
                    (_, Some(j)) => t[i].wrapping_sub(t[j - 1]),
                })
                .collect(),
        )),
        Data::I64(t) => Data::I64(Arc::new(
            (0..t.len())
                .map(|i| match (n, start(i, n)) {
                    (0, _) => 0,
                    (_, Some(0)) | (_, None) => t[i],
                    (_, Some(j)) => t[i].wrapping_sub(t[j - 1]),
                })
                .collect(),
        )),
        Data::F32(t) => Data::F32(Arc::new(
            (0..t.len())
                .map(|i| match (n, start(i, n)) {
                    (0, _) => 0.0,
                    (_, Some(0)) | (_, None) => t[i],
                    (_, Some(j)) => t[i] - t[j - 1],
                })
                .collect(),
        )),
        Data::F64(t) => Data::F64(Arc::new(
            (0..t.len())
                .map(|i| match (n, start(i, n)) {
                    (0, _) => 0.0,
                    (_, Some(0)) | (_, None) => t[i],
                    (_, Some(j)) => t[i] - t[j - 1],
                })
                .collect(),
        )),
        _ => return Err(QError::type_()),
    };
    Ok(K::Vector(Vector::new(sv.ty, data)))
}

/// Running totals of non-null counts and of values and squares (nulls as 0), as floats.
fn prefix(f: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<i64>) {
    let (mut s, mut q, mut c) = (0f64, 0f64, 0i64);
    let mut vs = Vec::with_capacity(f.len());
    let mut vq = Vec::with_capacity(f.len());
    let mut vc = Vec::with_capacity(f.len());
    for &x in f {
        if !x.is_nan() {
            s += x;
            q += x * x;
            c += 1;
        }
        vs.push(s);
        vq.push(q);
        vc.push(c);
    }
    (vs, vq, vc)
}

fn win<T: Copy + std::ops::Sub<Output = T>>(t: &[T], i: usize, n: usize, zero: T) -> T {
    if n == 0 {
        return zero;
    }
    match start(i, n) {
        Some(j) if j > 0 => t[i] - t[j - 1],
        _ => t[i],
    }
}

fn moving_floats(x: &K, y: &K) -> QResult<(usize, Vec<f64>)> {
    let n = window(x)?;
    if n < 0 {
        return Err(QError::domain());
    }
    let K::Vector(v) = y else {
        return Err(QError::type_());
    };
    if v.ty == Ty::Char {
        return Err(QError::type_());
    }
    Ok((n as usize, floats_of(v)?))
}

/// `x mcount y`: counts of non-null items over windows of `x`.
pub fn mcount(x: &K, y: &K) -> QResult {
    if let Some(r) = moving(x, y, mcount) {
        return r;
    }
    let n = window(x)?;
    if n < 0 {
        return Err(QError::domain());
    }
    let K::Vector(v) = y else {
        return Err(QError::type_());
    };
    let nulls: Vec<bool> =
        dispatch!(&v.data, s => s.iter().map(|e| Elem::is_null(*e, v.ty)).collect());
    let mut c = 0i64;
    let pre: Vec<i64> = nulls
        .iter()
        .map(|&b| {
            c += (!b) as i64;
            c
        })
        .collect();
    let out = (0..pre.len())
        .map(|i| win(&pre, i, n as usize, 0))
        .collect();
    Ok(K::longs(out))
}

/// `x mavg y`: averages over windows of `x` items (nulls ignored), as floats.
pub fn mavg(x: &K, y: &K) -> QResult {
    if let Some(r) = moving(x, y, mavg) {
        return r;
    }
    let (n, f) = moving_floats(x, y)?;
    let (s, _, c) = prefix(&f);
    Ok(K::floats(
        (0..f.len())
            .map(|i| win(&s, i, n, 0.0) / win(&c, i, n, 0) as f64)
            .collect(),
    ))
}

/// `x mdev y`: standard deviations over windows of `x` items (nulls ignored).
pub fn mdev(x: &K, y: &K) -> QResult {
    if let Some(r) = moving(x, y, mdev) {
        return r;
    }
    let (n, f) = moving_floats(x, y)?;
    let (s, q, c) = prefix(&f);
    Ok(K::floats(
        (0..f.len())
            .map(|i| {
                let k = win(&c, i, n, 0) as f64;
                let m = win(&s, i, n, 0.0) / k;
                (win(&q, i, n, 0.0) / k - m * m).sqrt()
            })
            .collect(),
    ))
}

/// Window extremes in q's order (nulls least) with a monotonic queue. For `mmax`, a window
/// still filling up also holds the type's `-0W`, so an all-null start gives `-0W`.
fn window_extreme<T: Elem>(s: &[T], n: usize, is_max: bool, floor: T) -> Vec<T> {
    let mut q: VecDeque<usize> = VecDeque::new();
    let mut out = Vec::with_capacity(s.len());
    for (i, x) in s.iter().enumerate() {
        let k = x.okey();
        while let Some(&b) = q.back() {
            let kb = s[b].okey();
            let drop = if is_max { kb <= k } else { kb >= k };
            if drop {
                q.pop_back();
            } else {
                break;
            }
        }
        q.push_back(i);
        while let Some(&f) = q.front() {
            if i - f >= n {
                q.pop_front();
            } else {
                break;
            }
        }
        let best = q.front().map_or(floor, |&f| s[f]);
        out.push(if is_max && i + 1 < n && best.okey() < floor.okey() {
            floor
        } else {
            best
        });
    }
    out
}

fn mextreme(x: &K, y: &K, is_max: bool) -> QResult {
    let n = window(x)?;
    let K::Vector(v) = y else {
        return Err(QError::type_());
    };
    if n <= 0 {
        return Ok(y.clone());
    }
    let n = n as usize;
    let ty = v.ty;
    let data = match &v.data {
        Data::U8(s) => Elem::wrap(window_extreme(&s[..], n, is_max, 0u8)),
        Data::I16(s) => Elem::wrap(window_extreme(&s[..], n, is_max, -null::WH)),
        Data::I32(s) => Elem::wrap(window_extreme(&s[..], n, is_max, -null::WI)),
        Data::I64(s) => Elem::wrap(window_extreme(&s[..], n, is_max, -null::WJ)),
        Data::F32(s) => Elem::wrap(window_extreme(&s[..], n, is_max, f32::NEG_INFINITY)),
        Data::F64(s) => Elem::wrap(window_extreme(&s[..], n, is_max, f64::NEG_INFINITY)),
        Data::Sym(s) => Elem::wrap(window_extreme(&s[..], n, is_max, qipc::Sym::NULL)),
        Data::Guid(s) => Elem::wrap(window_extreme(&s[..], n, is_max, [0u8; 16])),
    };
    Ok(K::Vector(Vector::new(ty, data)))
}

/// `x mmax y`: maximums over windows of `x` items.
pub fn mmax(x: &K, y: &K) -> QResult {
    if let Some(r) = moving(x, y, mmax) {
        return r;
    }
    mextreme(x, y, true)
}

/// `x mmin y`: minimums over windows of `x` items (a null is the least value).
pub fn mmin(x: &K, y: &K) -> QResult {
    if let Some(r) = moving(x, y, mmin) {
        return r;
    }
    mextreme(x, y, false)
}

/// `x ema y`: exponential moving average of `y` with smoothing `x` (an atom, or one per
/// item).
pub fn ema(x: &K, y: &K) -> QResult {
    if let Some(r) = uniform(y, &|c| ema(x, c)) {
        return r;
    }
    let K::Vector(v) = y else {
        return match y {
            K::Atom(_) => Ok(K::float(atom_f64(y).ok_or_else(QError::type_)?)),
            _ => Err(QError::type_()),
        };
    };
    if v.ty == Ty::Char {
        return Err(QError::type_());
    }
    let f = floats_of(v)?;
    let a: Vec<f64> = match x {
        K::Vector(w) => {
            if w.len() != f.len() {
                return Err(QError::length());
            }
            floats_of(w)?
        }
        _ => vec![atom_f64(x).ok_or_else(QError::type_)?; f.len()],
    };
    let mut out = Vec::with_capacity(f.len());
    let mut r = f64::NAN;
    for (i, (&y, &a)) in f.iter().zip(&a).enumerate() {
        r = if i == 0 { y } else { (1.0 - a) * r + a * y };
        out.push(r);
    }
    Ok(K::floats(out))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    fn d() -> K {
        K::dict(syms("a b"), l(vec![j(&[10, 21, 3]), j(&[4, 5, 6])]))
    }
    fn t() -> K {
        table("a b", vec![j(&[10, 21, 3]), j(&[4, 5, 6])])
    }

    #[test]
    fn running_totals() {
        assert_eq!(sums(&K::long(7)).unwrap(), K::long(7));
        assert_eq!(sums(&j(&[2, 3, 5, 7])).unwrap(), j(&[2, 5, 10, 17]));
        assert_eq!(sums(&j(&[2, 3, NJ, 7])).unwrap(), j(&[2, 5, 5, 12]));
        assert_eq!(
            sums(&l(vec![j(&[1, 2, 3]), j(&[2, 3, 5])])).unwrap(),
            l(vec![j(&[1, 2, 3]), j(&[3, 5, 8])])
        );
        assert_eq!(sums(&K::string("abc")), Err(QError::type_()));
        assert_eq!(
            sums(&K::bools(vec![true, false, true])).unwrap(),
            K::ints(vec![1, 1, 2])
        );
        assert_eq!(
            sums(&d()).unwrap(),
            K::dict(syms("a b"), l(vec![j(&[10, 21, 3]), j(&[14, 26, 9])]))
        );
        assert_eq!(prds(&j(&[2, 3, NJ, 7])).unwrap(), j(&[2, 6, 6, 42]));
        assert_eq!(prds(&K::long(7)).unwrap(), K::long(7));
        assert_eq!(prds(&K::string("abc")), Err(QError::type_()));
        assert_eq!(
            prds(&t()).unwrap(),
            table("a b", vec![j(&[10, 210, 630]), j(&[4, 20, 120])])
        );
        let kt = K::dict(table("k", vec![syms("abc def ghi")]), t());
        assert_eq!(
            prds(&kt).unwrap(),
            K::dict(
                table("k", vec![syms("abc def ghi")]),
                table("a b", vec![j(&[10, 210, 630]), j(&[4, 20, 120])])
            )
        );
        assert_eq!(
            prds(&d()).unwrap(),
            K::dict(syms("a b"), l(vec![j(&[10, 21, 3]), j(&[40, 105, 18])]))
        );
    }

    #[test]
    fn running_extremes() {
        assert_eq!(maxs(&j(&[2, 5, 7, 1, 3])).unwrap(), j(&[2, 5, 7, 7, 7]));
        assert_eq!(maxs(&K::string("genie")).unwrap(), K::string("ggnnn"));
        assert_eq!(mins(&K::string("genie")).unwrap(), K::string("geeee"));
        assert_eq!(
            maxs(&j(&[NJ, 5, NJ, 1, 3])).unwrap(),
            j(&[-null::WJ, 5, 5, 5, 5])
        );
        assert_eq!(
            mins(&j(&[NJ, 5, NJ, 1, 3])).unwrap(),
            j(&[null::WJ, 5, 5, 1, 1])
        );
        assert_eq!(
            maxs(&table("a b", vec![j(&[10, 21, 3]), j(&[4, 5, 6])])).unwrap(),
            table("a b", vec![j(&[10, 21, 21]), j(&[4, 5, 6])])
        );
        assert_eq!(
            mins(&t()).unwrap(),
            table("a b", vec![j(&[10, 10, 3]), j(&[4, 4, 4])])
        );
        assert_eq!(
            maxs(&d()).unwrap(),
            K::dict(syms("a b"), l(vec![j(&[10, 21, 3]), j(&[10, 21, 6])]))
        );
    }

    #[test]
    fn differences() {
        assert_eq!(deltas(&j(&[1, 4, 9, 16])).unwrap(), j(&[1, 3, 5, 7]));
        assert_eq!(
            deltas(&j(&[2000, 2005, 2007, 2012, 2020])).unwrap(),
            j(&[2000, 5, 2, 5, 8])
        );
        assert_eq!(
            deltas(&K::i64s_of(Ty::Timestamp, vec![10, 15])).unwrap(),
            K::i64s_of(Ty::Timespan, vec![10, 5])
        );
        assert_eq!(
            deltas(&K::i32s_of(Ty::Date, vec![10, 15])).unwrap(),
            K::ints(vec![10, 5])
        );
        assert_eq!(deltas(&syms("a")), Err(QError::type_()));
        let r = ratios(&j(&[2000, 2005, 2007, 2012, 2020])).unwrap();
        assert!(close(&r, &[2000.0, 1.0025, 1.000998, 1.002491, 1.003976]));
        let r = ratios(&t()).unwrap();
        let K::Table(rt) = &r else { panic!() };
        assert!(close(&rt.cols[0], &[10.0, 2.1, 0.1428571]));
        assert!(close(&rt.cols[1], &[4.0, 1.25, 1.2]));
        let r = ratios(&d()).unwrap();
        let K::Dict(rd) = &r else { panic!() };
        let K::List(vl) = &rd.vals else { panic!() };
        assert!(close(&vl.items[1], &[0.4, 0.2380952, 2.0]));
    }

    #[test]
    fn filling() {
        assert_eq!(
            fills(&j(&[1, NJ, 3, NJ, NJ, 5])).unwrap(),
            j(&[1, 1, 3, 3, 3, 5])
        );
        assert_eq!(
            fills(&K::syms(["x", "", "y", "", "", "z"])).unwrap(),
            syms("x x y y y z")
        );
        assert_eq!(
            fills(&j(&[NJ, NJ, 3, NJ, 5])).unwrap(),
            j(&[NJ, NJ, 3, 3, 5])
        );
        assert_eq!(fills(&f(&[nf(), 1.5, nf()])).unwrap(), f(&[nf(), 1.5, 1.5]));
        assert_eq!(fills(&K::string("a  b")).unwrap(), K::string("aaab"));
        assert_eq!(
            avgs(&f(&[
                1.0,
                2.0,
                3.0,
                nf(),
                4.0,
                f64::NEG_INFINITY,
                f64::INFINITY
            ]))
            .unwrap(),
            f(&[1.0, 1.5, 2.0, 2.0, 2.5, f64::NEG_INFINITY, nf()])
        );
    }

    #[test]
    fn moving_sums() {
        assert_eq!(
            msum(&K::long(3), &j(&[1, 2, 3, 5, 7, 11])).unwrap(),
            j(&[1, 3, 6, 10, 15, 23])
        );
        assert_eq!(
            msum(&K::long(3), &j(&[NJ, 2, 3, 5, NJ, 11])).unwrap(),
            j(&[0, 2, 5, 10, 8, 16])
        );
        assert_eq!(
            msum(&K::long(2), &t()).unwrap(),
            table("a b", vec![j(&[10, 31, 24]), j(&[4, 9, 11])])
        );
        assert_eq!(
            mcount(&K::long(3), &j(&[0, 1, 2, 3, 4, 5])).unwrap(),
            j(&[1, 2, 3, 3, 3, 3])
        );
        assert_eq!(
            mcount(&K::long(3), &j(&[NJ, 1, 2, 3, NJ, 5])).unwrap(),
            j(&[0, 1, 2, 3, 2, 2])
        );
        assert_eq!(
            mcount(&K::long(2), &d()).unwrap(),
            K::dict(syms("a b"), l(vec![j(&[1, 1, 1]), j(&[2, 2, 2])]))
        );
        assert!(close(
            &mavg(&K::long(2), &j(&[1, 2, 3, 5, 7, 10])).unwrap(),
            &[1.0, 1.5, 2.5, 4.0, 6.0, 8.5]
        ));
        assert!(close(
            &mavg(&K::long(5), &j(&[1, 2, 3, 5, 7, 10])).unwrap(),
            &[1.0, 1.5, 2.0, 2.75, 3.6, 5.4]
        ));
        assert!(close(
            &mavg(&K::long(5), &j(&[NJ, 2, NJ, 5, 7, NJ])).unwrap(),
            &[nf(), 2.0, 2.0, 3.5, 4.666667, 4.666667]
        ));
        assert!(close(
            &mavg(&K::long(0), &j(&[2, 3])).unwrap(),
            &[nf(), nf()]
        ));
        assert!(close(
            &mdev(&K::long(2), &j(&[1, 2, 3, 5, 7, 10])).unwrap(),
            &[0.0, 0.5, 0.5, 1.0, 1.0, 1.5]
        ));
        assert!(close(
            &mdev(&K::long(5), &j(&[1, 2, 3, 5, 7, 10])).unwrap(),
            &[0.0, 0.5, 0.8164966, 1.47902, 2.154066, 2.87054]
        ));
        assert!(close(
            &mdev(&K::long(5), &j(&[NJ, 2, NJ, 5, 7, NJ])).unwrap(),
            &[nf(), 0.0, 0.0, 1.5, 2.054805, 2.054805]
        ));
        let r = mdev(&K::long(2), &d()).unwrap();
        let K::Dict(rd) = &r else { panic!() };
        let K::List(vl) = &rd.vals else { panic!() };
        assert!(close(&vl.items[0], &[0.0, 0.0, 0.0]));
        assert!(close(&vl.items[1], &[3.0, 8.0, 1.5]));
        assert_eq!(msum(&K::float(2.0), &j(&[1])), Err(QError::type_()));
    }

    #[test]
    fn moving_extremes() {
        assert_eq!(
            mmax(&K::long(3), &j(&[2, 7, 1, 3, 5, 2, 8])).unwrap(),
            j(&[2, 7, 7, 7, 5, 5, 8])
        );
        assert_eq!(
            mmax(&K::long(3), &j(&[NJ, -3, -2, NJ, 1, 0])).unwrap(),
            j(&[-null::WJ, -3, -2, -2, 1, 1])
        );
        assert_eq!(
            mmin(&K::long(3), &j(&[NJ, -3, -2, 1, -null::WJ, 0])).unwrap(),
            j(&[NJ, NJ, NJ, -3, -null::WJ, -null::WJ])
        );
        assert_eq!(
            mmin(&K::long(3), &j(&[NJ, -3, -2, 1, NJ, -null::WJ])).unwrap(),
            j(&[NJ, NJ, NJ, -3, NJ, NJ])
        );
        assert_eq!(mmin(&K::long(0), &j(&[3, 1])).unwrap(), j(&[3, 1]));
        assert_eq!(
            mmax(&K::long(2), &t()).unwrap(),
            table("a b", vec![j(&[10, 21, 21]), j(&[4, 5, 6])])
        );
        assert_eq!(
            mmax(&K::long(2), &d()).unwrap(),
            K::dict(syms("a b"), l(vec![j(&[10, 21, 3]), j(&[10, 21, 6])]))
        );
        let kt = K::dict(table("k", vec![syms("abc def ghi")]), t());
        assert_eq!(
            mmin(&K::long(2), &kt).unwrap(),
            K::dict(
                table("k", vec![syms("abc def ghi")]),
                table("a b", vec![j(&[10, 10, 3]), j(&[4, 4, 5])])
            )
        );
    }

    #[test]
    fn exponential() {
        let mut y = vec![1i64];
        y.extend(std::iter::repeat_n(0, 10));
        let r = ema(&K::float(1.0 / 3.0), &K::longs(y)).unwrap();
        assert!(close(
            &r,
            &[
                1.0, 0.6666667, 0.4444444, 0.2962963, 0.1975309, 0.1316872, 0.0877915, 0.05852766,
                0.03901844, 0.02601229, 0.01734153
            ]
        ));
        let p = f(&[22.27, 22.19, 22.08, 22.17, 22.18]);
        let r = ema(&K::float(2.0 / 11.0), &p).unwrap();
        assert!(close(&r, &[22.27, 22.25545, 22.22355, 22.21382, 22.20767]));
        assert_eq!(ema(&f(&[0.5]), &f(&[1.0, 2.0])), Err(QError::length()));
    }
}
