//! Aggregates: `sum` `prd` `min` `max` `avg` `med` `var` `dev` `svar` `sdev` `all` `any`,
//! and the binary `wsum` `wavg` `cov` `scov` `cor`.
//!
//! On a simple vector each is one typed loop with q's null rules (nulls ignored; `sum` and
//! `prd` of an int type stay that type, booleans/bytes/shorts sum to int, `+/` on ints
//! overflowing gives `0Ni`). On a general list of lists they work item-wise (`sum` and
//! friends fold pairwise with nulls kept, the statistics go column by column). Tables give
//! a dictionary of column results, dictionaries aggregate their values.

use super::num::{pair, Op};
use super::{as_list, keyed, QError, QResult};
use crate::lang::value::{from_items, items};
use qipc::{null, Data, Scalar, Ty, Vector, K};

/// Numeric items read as f64 (integer nulls become NaN) and as i64 (nulls flagged).
pub(crate) trait Num: Copy {
    fn f(self) -> f64;
    /// The value as i64, or `None` for a null.
    fn i(self) -> Option<i64>;
}

impl Num for u8 {
    fn f(self) -> f64 {
        self as f64
    }
    fn i(self) -> Option<i64> {
        Some(self as i64)
    }
}
impl Num for i16 {
    fn f(self) -> f64 {
        if self == null::H {
            f64::NAN
        } else {
            self as f64
        }
    }
    fn i(self) -> Option<i64> {
        (self != null::H).then_some(self as i64)
    }
}
impl Num for i32 {
    fn f(self) -> f64 {
        if self == null::I {
            f64::NAN
        } else {
            self as f64
        }
    }
    fn i(self) -> Option<i64> {
        (self != null::I).then_some(self as i64)
    }
}
impl Num for i64 {
    fn f(self) -> f64 {
        if self == null::J {
            f64::NAN
        } else {
            self as f64
        }
    }
    fn i(self) -> Option<i64> {
        (self != null::J).then_some(self)
    }
}
impl Num for f32 {
    fn f(self) -> f64 {
        self as f64
    }
    fn i(self) -> Option<i64> {
        (!self.is_nan()).then_some(self as i64)
    }
}
impl Num for f64 {
    fn f(self) -> f64 {
        self
    }
    fn i(self) -> Option<i64> {
        (!self.is_nan()).then_some(self as i64)
    }
}

/// Run `$body` with `$s` bound to a numeric slice; symbols and guids are `'type`.
macro_rules! dispatch_num {
    ($data:expr, $s:ident => $body:expr) => {
        match $data {
            qipc::Data::U8(__v) => {
                let $s: &[u8] = &__v[..];
                $body
            }
            qipc::Data::I16(__v) => {
                let $s: &[i16] = &__v[..];
                $body
            }
            qipc::Data::I32(__v) => {
                let $s: &[i32] = &__v[..];
                $body
            }
            qipc::Data::I64(__v) => {
                let $s: &[i64] = &__v[..];
                $body
            }
            qipc::Data::F32(__v) => {
                let $s: &[f32] = &__v[..];
                $body
            }
            qipc::Data::F64(__v) => {
                let $s: &[f64] = &__v[..];
                $body
            }
            _ => return Err(QError::type_()),
        }
    };
}
pub(crate) use dispatch_num;

/// Apply an aggregate through q's shapes: tables give `names!results`, keyed tables
/// aggregate their value table, dictionaries their values.
fn shapes(x: &K, f: fn(&K) -> QResult) -> Option<QResult> {
    match x {
        K::Table(t) => Some((|| {
            let r = t.cols.iter().map(f).collect::<QResult<Vec<K>>>()?;
            Ok(K::dict(K::syms(t.names.iter().copied()), from_items(r)))
        })()),
        K::Dict(d) => Some(match keyed(x) {
            Some((_, v)) => f(&K::Table(v.clone())),
            None => f(&d.vals),
        }),
        _ => None,
    }
}

fn is_numeric_atom(x: &K) -> bool {
    matches!(x, K::Atom(a) if !matches!(a.ty, Ty::Sym | Ty::Guid | Ty::Char))
}

// ---------------------------------------------------------------------------------------
// sum, prd

/// An int-typed total: `0Ni` when it overflows 32 bits, as `+/` on ints does.
fn int_total(ty: Ty, t: i64) -> K {
    let v = i32::try_from(t).unwrap_or(null::I);
    K::i32_of(ty, v)
}

/// Float total with independent partial sums (q's threaded sums also reassociate).
fn fsum<T: Num>(s: &[T]) -> f64 {
    let mut acc = [0f64; 8];
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            let v = x.f();
            *a += if v.is_nan() { 0.0 } else { v };
        }
    }
    let mut t: f64 = acc.iter().sum();
    for &x in rest {
        let v = x.f();
        t += if v.is_nan() { 0.0 } else { v };
    }
    t
}

fn isum<T: Num>(s: &[T]) -> i64 {
    s.iter()
        .fold(0i64, |a, &x| a.wrapping_add(x.i().unwrap_or(0)))
}

fn sum_i64(s: &[i64]) -> i64 {
    s.iter().fold(0i64, |a, &x| {
        a.wrapping_add(if x == null::J { 0 } else { x })
    })
}

fn sum_vec(v: &Vector) -> QResult {
    let ty = v.ty;
    Ok(match &v.data {
        Data::U8(s) if ty != Ty::Char => int_total(Ty::Int, isum(&s[..])),
        Data::I16(s) => int_total(Ty::Int, isum(&s[..])),
        Data::I32(s) => int_total(ty, isum(&s[..])),
        Data::I64(s) => K::i64_of(ty, sum_i64(s)),
        Data::F32(s) => K::real(fsum(&s[..]) as f32),
        Data::F64(s) => K::atom(ty, Scalar::F64(fsum(&s[..]))),
        _ => return Err(QError::type_()),
    })
}

/// `sum x`: the total (nulls count as 0 in a vector).
pub fn sum(x: &K) -> QResult {
    if let Some(r) = shapes(x, sum) {
        return r;
    }
    match x {
        K::Vector(v) => sum_vec(v),
        K::List(l) => fold(&l.items, Op::Add, K::long(0)),
        _ if is_numeric_atom(x) => Ok(x.clone()),
        _ => Err(QError::type_()),
    }
}

fn fold(its: &[K], op: Op, empty: K) -> QResult {
    let Some(first) = its.first() else {
        return Ok(empty);
    };
    let mut acc = first.clone();
    if let K::Atom(a) = &acc {
        if matches!(a.ty, Ty::Sym | Ty::Guid) {
            return Err(QError::type_());
        }
    }
    for it in &its[1..] {
        acc = pair(op, &acc, it)?;
    }
    Ok(acc)
}

fn iprd<T: Num>(s: &[T]) -> i64 {
    s.iter()
        .fold(1i64, |a, &x| a.wrapping_mul(x.i().unwrap_or(1)))
}

fn fprd<T: Num>(s: &[T]) -> f64 {
    s.iter().fold(1f64, |a, &x| {
        let v = x.f();
        a * if v.is_nan() { 1.0 } else { v }
    })
}

/// `prd x`: the product (nulls count as 1 in a vector).
pub fn prd(x: &K) -> QResult {
    if let Some(r) = shapes(x, prd) {
        return r;
    }
    match x {
        K::Vector(v) => {
            let ty = v.ty;
            Ok(match &v.data {
                Data::U8(s) if ty != Ty::Char => int_total(Ty::Int, iprd(&s[..])),
                Data::I16(s) => int_total(Ty::Int, iprd(&s[..])),
                Data::I32(s) => int_total(ty, iprd(&s[..])),
                Data::I64(s) => K::i64_of(ty, iprd(&s[..])),
                Data::F32(s) => K::real(fprd(&s[..]) as f32),
                Data::F64(s) => K::atom(ty, Scalar::F64(fprd(&s[..]))),
                _ => return Err(QError::type_()),
            })
        }
        K::List(l) => fold(&l.items, Op::Mul, K::long(1)),
        _ if is_numeric_atom(x) => Ok(x.clone()),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------------------
// min, max

fn extreme(v: &Vector, is_max: bool) -> QResult {
    let ty = v.ty;
    Ok(match &v.data {
        Data::U8(s) => {
            let r = if is_max {
                s.iter().copied().max().unwrap_or(0)
            } else {
                s.iter()
                    .copied()
                    .min()
                    .unwrap_or(if ty == Ty::Bool { 1 } else { 255 })
            };
            K::atom(ty, Scalar::U8(r))
        }
        Data::I16(s) => K::atom(
            ty,
            Scalar::I16(if is_max {
                s.iter().fold(-null::WH, |a, &x| a.max(x))
            } else {
                s.iter()
                    .fold(null::WH, |a, &x| if x == null::H { a } else { a.min(x) })
            }),
        ),
        Data::I32(s) => K::atom(
            ty,
            Scalar::I32(if is_max {
                s.iter().fold(-null::WI, |a, &x| a.max(x))
            } else {
                s.iter()
                    .fold(null::WI, |a, &x| if x == null::I { a } else { a.min(x) })
            }),
        ),
        Data::I64(s) => K::atom(
            ty,
            Scalar::I64(if is_max {
                // Nulls are the minimum, so they never win; all-null gives -0W.
                s.iter().fold(-null::WJ, |a, &x| a.max(x))
            } else {
                s.iter()
                    .fold(null::WJ, |a, &x| if x == null::J { a } else { a.min(x) })
            }),
        ),
        Data::F32(s) => K::atom(
            ty,
            Scalar::F32(if is_max {
                s.iter()
                    .fold(f32::NEG_INFINITY, |a, &x| if x > a { x } else { a })
            } else {
                s.iter()
                    .fold(f32::INFINITY, |a, &x| if x < a { x } else { a })
            }),
        ),
        Data::F64(s) => K::atom(
            ty,
            Scalar::F64(if is_max {
                s.iter()
                    .fold(f64::NEG_INFINITY, |a, &x| if x > a { x } else { a })
            } else {
                s.iter()
                    .fold(f64::INFINITY, |a, &x| if x < a { x } else { a })
            }),
        ),
        _ => return Err(QError::type_()),
    })
}

/// `max x`: the greatest item, nulls ignored (`-0W` if all null).
pub fn max(x: &K) -> QResult {
    if let Some(r) = shapes(x, max) {
        return r;
    }
    match x {
        K::Vector(v) => extreme(v, true),
        K::List(l) => fold(&l.items, Op::Max, K::long(-null::WJ)),
        K::Atom(a) if !matches!(a.ty, Ty::Sym | Ty::Guid) => Ok(x.clone()),
        _ => Err(QError::type_()),
    }
}

/// `min x`: the least item, nulls ignored (`0W` if all null).
pub fn min(x: &K) -> QResult {
    if let Some(r) = shapes(x, min) {
        return r;
    }
    match x {
        K::Vector(v) => extreme(v, false),
        K::List(l) => fold(&l.items, Op::Min, K::long(null::WJ)),
        K::Atom(a) if !matches!(a.ty, Ty::Sym | Ty::Guid) => Ok(x.clone()),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------------------
// avg, med, var, dev

/// Sum and count of the non-null items.
fn sum_count<T: Num>(s: &[T]) -> (f64, usize) {
    let mut t = 0f64;
    let mut n = 0usize;
    for &x in s {
        let v = x.f();
        if !v.is_nan() {
            t += v;
            n += 1;
        }
    }
    (t, n)
}

fn avg_vec(v: &Vector) -> QResult<f64> {
    let (t, n) = dispatch_num!(&v.data, s => sum_count(s));
    Ok(t / n as f64)
}

/// `avg x`: the mean as a float, nulls ignored (a general list of atoms counts them as 0;
/// a list of lists averages item-wise).
pub fn avg(x: &K) -> QResult {
    if let Some(r) = shapes(x, avg) {
        return r;
    }
    match x {
        K::Vector(v) if !matches!(v.ty, Ty::Sym | Ty::Guid) => Ok(K::float(avg_vec(v)?)),
        K::List(l) if l.items.is_empty() => Ok(K::float(f64::NAN)),
        K::List(l) if l.items.iter().all(is_numeric_atom) => {
            let n = l.items.len() as f64;
            let t: f64 = l
                .items
                .iter()
                .map(|i| atom_f64(i).filter(|v| !v.is_nan()).unwrap_or(0.0))
                .sum();
            Ok(K::float(t / n))
        }
        K::List(l) => {
            let t = fold(&l.items, Op::Add, K::long(0))?;
            pair(Op::Div, &t, &K::long(l.items.len() as i64))
        }
        K::Atom(a) if !matches!(a.ty, Ty::Sym | Ty::Guid) => {
            Ok(K::float(atom_f64(x).unwrap_or(f64::NAN)))
        }
        _ => Err(QError::type_()),
    }
}

pub(crate) fn atom_f64(k: &K) -> Option<f64> {
    match k {
        K::Atom(a) => Some(match a.v {
            Scalar::U8(x) => x.f(),
            Scalar::I16(x) => x.f(),
            Scalar::I32(x) => x.f(),
            Scalar::I64(x) => x.f(),
            Scalar::F32(x) => x.f(),
            Scalar::F64(x) => x,
            _ => return None,
        }),
        _ => None,
    }
}

/// The items of a numeric vector as f64 (integer nulls become NaN).
pub(crate) fn floats_of(v: &Vector) -> QResult<Vec<f64>> {
    if matches!(v.ty, Ty::Sym | Ty::Guid) {
        return Err(QError::type_());
    }
    Ok(dispatch_num!(&v.data, s => s.iter().map(|x| x.f()).collect()))
}

/// Apply a per-vector statistic to a general list column by column.
fn columnwise(x: &K, f: fn(&K) -> QResult) -> QResult {
    let K::List(l) = x else {
        return Err(QError::type_());
    };
    if l.items.iter().all(is_numeric_atom) {
        let v: Vec<f64> = l.items.iter().filter_map(atom_f64).collect();
        return f(&K::floats(v));
    }
    let cols = super::shape::flip(x)?;
    let K::List(cl) = &cols else {
        return Err(QError::type_());
    };
    Ok(from_items(
        cl.items.iter().map(f).collect::<QResult<Vec<K>>>()?,
    ))
}

/// `med x`: the median (the mean of the middle two for an even count), as a float.
pub fn med(x: &K) -> QResult {
    match x {
        K::Table(_) => return med_rows(x),
        K::Dict(_) => {
            if let Some((_, v)) = keyed(x) {
                return med_rows(&K::Table(v.clone()));
            }
        }
        _ => {}
    }
    if let Some(r) = shapes(x, med) {
        return r;
    }
    match x {
        K::Vector(v) => {
            let mut f = floats_of(v)?;
            let n = f.len();
            if n == 0 {
                return Ok(K::float(f64::NAN));
            }
            let k = n / 2;
            let key = |a: &f64| super::elem::f64_okey(*a);
            f.select_nth_unstable_by_key(k, key);
            let hi = f[k];
            let r = if n % 2 == 1 {
                hi
            } else {
                let lo = f[..k].iter().copied().max_by_key(key).unwrap_or(f64::NAN);
                match (lo.is_nan(), hi.is_nan()) {
                    (true, true) => f64::NAN,
                    (true, false) => hi,
                    (false, true) => lo,
                    _ => (lo + hi) / 2.0,
                }
            };
            Ok(K::float(r))
        }
        K::List(_) => columnwise(x, med),
        _ if is_numeric_atom(x) => med(&as_list(x)),
        _ => Err(QError::type_()),
    }
}

/// `med` of a table follows q's definition `avg x(iasc x)@floor .5*-1 0+count x`: the
/// rows are sorted as wholes and the middle row (or the average of the middle two) is the
/// answer, so it is a row of the table rather than each column's median.
fn med_rows(t: &K) -> QResult {
    let order = super::sort::iasc(t)?;
    let order = super::int_vec(&order).ok_or_else(QError::type_)?;
    let n = order.len() as i64;
    let pick: Vec<i64> = [(n - 1).div_euclid(2), n / 2]
        .iter()
        .map(|&i| {
            usize::try_from(i)
                .ok()
                .and_then(|i| order.get(i).copied())
                .unwrap_or(n)
        })
        .collect();
    avg(&super::rows_or_null(t, &pick)?)
}

/// Population variance of the non-null items, and their count.
fn variance(v: &Vector) -> QResult<(f64, usize)> {
    let (t, n) = dispatch_num!(&v.data, s => sum_count(s));
    if n == 0 {
        return Ok((f64::NAN, 0));
    }
    let m = t / n as f64;
    let ss: f64 = dispatch_num!(&v.data, s => s.iter().map(|x| x.f()).filter(|v| !v.is_nan()).map(|v| (v - m) * (v - m)).sum());
    Ok((ss / n as f64, n))
}

fn stat(x: &K, f: fn(&K) -> QResult, g: fn(f64, usize) -> f64) -> QResult {
    if let Some(r) = shapes(x, f) {
        return r;
    }
    match x {
        K::Vector(v) if !matches!(v.ty, Ty::Sym | Ty::Guid) => {
            let (var, n) = variance(v)?;
            Ok(K::float(g(var, n)))
        }
        K::List(_) => columnwise(x, f),
        _ if is_numeric_atom(x) => f(&as_list(x)),
        _ => Err(QError::type_()),
    }
}

fn sample(var: f64, n: usize) -> f64 {
    var * n as f64 / (n as f64 - 1.0)
}

/// `var x`: the variance, nulls ignored.
pub fn var(x: &K) -> QResult {
    stat(x, var, |v, _| v)
}

/// `dev x`: the standard deviation, nulls ignored.
pub fn dev(x: &K) -> QResult {
    stat(x, dev, |v, _| v.sqrt())
}

/// `svar x`: the sample variance.
pub fn svar(x: &K) -> QResult {
    stat(x, svar, sample)
}

/// `sdev x`: the sample standard deviation.
pub fn sdev(x: &K) -> QResult {
    stat(x, sdev, |v, n| sample(v, n).sqrt())
}

// ---------------------------------------------------------------------------------------
// all, any

fn truth(v: &Vector, want_all: bool) -> QResult<bool> {
    fn go<T: Copy>(s: &[T], zero: impl Fn(T) -> bool, want_all: bool) -> bool {
        if want_all {
            !s.iter().any(|&x| zero(x))
        } else {
            s.iter().any(|&x| !zero(x))
        }
    }
    Ok(match &v.data {
        Data::U8(s) => go(&s[..], |x| x == 0, want_all),
        Data::I16(s) => go(&s[..], |x| x == 0, want_all),
        Data::I32(s) => go(&s[..], |x| x == 0, want_all),
        Data::I64(s) => go(&s[..], |x| x == 0, want_all),
        Data::F32(s) => go(&s[..], |x| x == 0.0, want_all),
        Data::F64(s) => go(&s[..], |x| x == 0.0, want_all),
        _ => return Err(QError::type_()),
    })
}

fn logic(x: &K, want_all: bool, f: fn(&K) -> QResult) -> QResult {
    if let Some(r) = shapes(x, f) {
        return r;
    }
    match x {
        K::Vector(v) => Ok(K::bool(truth(v, want_all)?)),
        K::Atom(_) => logic(&as_list(x), want_all, f),
        K::List(l) if l.items.is_empty() => Ok(K::bool(want_all)),
        K::List(l) => {
            let mut acc = want_all;
            for i in l.items.iter() {
                let K::Atom(_) = i else {
                    return Err(QError::type_());
                };
                let b = logic(i, want_all, f)?;
                acc = if want_all {
                    acc && b == K::bool(true)
                } else {
                    acc || b == K::bool(true)
                };
            }
            Ok(K::bool(acc))
        }
        _ => Err(QError::type_()),
    }
}

/// `all x`: whether every item is non-zero.
pub fn all(x: &K) -> QResult {
    logic(x, true, all)
}

/// `any x`: whether some item is non-zero.
pub fn any(x: &K) -> QResult {
    logic(x, false, any)
}

// ---------------------------------------------------------------------------------------
// Weighted and paired statistics

fn is_int_like(ty: Ty) -> bool {
    matches!(ty, Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long)
}

/// Numeric vectors (atoms extended) read as pairs of f64 with the same count.
fn paired(x: &K, y: &K) -> QResult<(Vec<f64>, Vec<f64>)> {
    let fx = match x {
        K::Vector(v) => floats_of(v)?,
        _ => vec![atom_f64(x).ok_or_else(QError::type_)?],
    };
    let fy = match y {
        K::Vector(v) => floats_of(v)?,
        _ => vec![atom_f64(y).ok_or_else(QError::type_)?],
    };
    match (fx.len(), fy.len(), x.is_atom(), y.is_atom()) {
        (_, _, true, true) => Ok((fx, fy)),
        (_, m, true, false) => Ok((vec![fx[0]; m], fy)),
        (n, _, false, true) => Ok((fx, vec![fy[0]; n])),
        (n, m, _, _) if n == m => Ok((fx, fy)),
        _ => Err(QError::length()),
    }
}

/// Apply a binary statistic to general lists sublist by sublist (after flipping), and to
/// dictionaries through their values.
fn nested2(x: &K, y: &K, f: fn(&K, &K) -> QResult) -> Option<QResult> {
    let y = match y {
        K::Dict(d) if keyed(y).is_none() => &d.vals,
        _ => y,
    };
    let x = match x {
        K::Dict(d) if keyed(x).is_none() => &d.vals,
        _ => x,
    };
    if !matches!(x, K::List(_)) && !matches!(y, K::List(_)) {
        return None;
    }
    Some((|| {
        let fy = super::shape::flip(y)?;
        let cols_y = items(&fy);
        let r = if let K::List(_) = x {
            let fx = super::shape::flip(x)?;
            let cols_x = items(&fx);
            if cols_x.len() != cols_y.len() {
                return Err(QError::length());
            }
            cols_x
                .iter()
                .zip(&cols_y)
                .map(|(a, b)| f(a, b))
                .collect::<QResult<Vec<K>>>()?
        } else {
            cols_y
                .iter()
                .map(|b| f(x, b))
                .collect::<QResult<Vec<K>>>()?
        };
        Ok(from_items(r))
    })())
}

/// `x wsum y`: the sum of `x*y` (pairs with a null ignored).
pub fn wsum(x: &K, y: &K) -> QResult {
    if let Some(r) = nested2(x, y, wsum) {
        return r;
    }
    let (tx, ty_) = (simple_ty(x)?, simple_ty(y)?);
    let (a, b) = paired(x, y)?;
    let pairs = a.iter().zip(&b).filter(|(p, q)| !p.is_nan() && !q.is_nan());
    if is_int_like(tx) && is_int_like(ty_) {
        let t = pairs.fold(0i64, |s, (p, q)| {
            s.wrapping_add((*p as i64).wrapping_mul(*q as i64))
        });
        return Ok(if tx == Ty::Long || ty_ == Ty::Long {
            K::long(t)
        } else {
            int_total(Ty::Int, t)
        });
    }
    Ok(K::float(pairs.map(|(p, q)| p * q).sum()))
}

fn simple_ty(k: &K) -> QResult<Ty> {
    match k {
        K::Atom(a) => Ok(a.ty),
        K::Vector(v) => Ok(v.ty),
        _ => Err(QError::type_()),
    }
}

/// `x wavg y`: the average of `y` weighted by `x` (pairs with a null ignored).
pub fn wavg(x: &K, y: &K) -> QResult {
    if let Some(r) = nested2(x, y, wavg) {
        return r;
    }
    let (a, b) = paired(x, y)?;
    let (mut num, mut den) = (0f64, 0f64);
    for (p, q) in a.iter().zip(&b) {
        if !p.is_nan() && !q.is_nan() {
            num += p * q;
            den += p;
        }
    }
    Ok(K::float(num / den))
}

/// Covariance and standard deviations over the pairs where neither side is null.
fn moments(x: &K, y: &K) -> QResult<(f64, f64, f64, usize)> {
    if x.is_atom() || y.is_atom() {
        return Err(QError::type_());
    }
    let (a, b) = paired(x, y)?;
    let keep: Vec<(f64, f64)> = a
        .iter()
        .zip(&b)
        .filter(|(p, q)| !p.is_nan() && !q.is_nan())
        .map(|(p, q)| (*p, *q))
        .collect();
    let n = keep.len();
    if n == 0 {
        return Ok((f64::NAN, f64::NAN, f64::NAN, 0));
    }
    let nf = n as f64;
    let mx = keep.iter().map(|p| p.0).sum::<f64>() / nf;
    let my = keep.iter().map(|p| p.1).sum::<f64>() / nf;
    let (mut c, mut vx, mut vy) = (0f64, 0f64, 0f64);
    for (p, q) in &keep {
        c += (p - mx) * (q - my);
        vx += (p - mx) * (p - mx);
        vy += (q - my) * (q - my);
    }
    Ok((c / nf, (vx / nf).sqrt(), (vy / nf).sqrt(), n))
}

/// `x cov y`: the covariance.
pub fn cov(x: &K, y: &K) -> QResult {
    if let Some(r) = nested2(x, y, cov) {
        return r;
    }
    Ok(K::float(moments(x, y)?.0))
}

/// `x scov y`: the sample covariance.
pub fn scov(x: &K, y: &K) -> QResult {
    if let Some(r) = nested2(x, y, scov) {
        return r;
    }
    let (c, _, _, n) = moments(x, y)?;
    Ok(K::float(sample(c, n)))
}

/// `x cor y`: the Pearson correlation.
pub fn cor(x: &K, y: &K) -> QResult {
    if let Some(r) = nested2(x, y, cor) {
        return r;
    }
    let (c, dx, dy, _) = moments(x, y)?;
    Ok(K::float(c / (dx * dy)))
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
    fn sums() {
        assert_eq!(sum(&K::long(7)).unwrap(), K::long(7));
        assert_eq!(sum(&j(&[2, 3, 5, 7])).unwrap(), K::long(17));
        assert_eq!(sum(&j(&[2, 3, NJ, 7])).unwrap(), K::long(12));
        assert_eq!(
            sum(&l(vec![j(&[1, 2, 3, 4]), j(&[2, 3, 5, 7])])).unwrap(),
            j(&[3, 5, 8, 11])
        );
        assert_eq!(
            sum(&K::dict(syms("a b c"), j(&[1, 2, 3]))).unwrap(),
            K::long(6)
        );
        assert_eq!(sum(&K::string("abc")), Err(QError::type_()));
        assert_eq!(
            sum(&l(vec![f(&[nf(), 8.0]), f(&[8.0, nf()])])).unwrap(),
            f(&[nf(), nf()])
        );
        assert_eq!(sum(&f(&[nf(), 8.0])).unwrap(), K::float(8.0));
        assert_eq!(sum(&d()).unwrap(), j(&[14, 26, 9]));
        assert_eq!(sum(&t()).unwrap(), K::dict(syms("a b"), j(&[34, 15])));
        let kt = K::dict(table("k", vec![syms("abc def ghi")]), t());
        assert_eq!(sum(&kt).unwrap(), K::dict(syms("a b"), j(&[34, 15])));
        assert_eq!(sum(&l(vec![j(&[1, 2]), j(&[NJ, 4])])).unwrap(), j(&[NJ, 6]));
        // result types
        assert_eq!(sum(&K::bools(vec![true, false, true])).unwrap(), K::int(2));
        assert_eq!(sum(&K::shorts(vec![1, 2])).unwrap(), K::int(3));
        assert_eq!(sum(&K::ints(vec![1, 2])).unwrap(), K::int(3));
        assert_eq!(
            sum(&K::ints(vec![i32::MAX - 1, 5])).unwrap(),
            K::int(null::I)
        );
        assert_eq!(sum(&K::reals(vec![1.5, 2.0])).unwrap(), K::real(3.5));
        assert_eq!(sum(&j(&[])).unwrap(), K::long(0));
        assert_eq!(sum(&f(&[])).unwrap(), K::float(0.0));
        assert_eq!(sum(&l(vec![])).unwrap(), K::long(0));
        assert_eq!(
            sum(&K::i32s_of(Ty::Date, vec![1, 2])).unwrap(),
            K::i32_of(Ty::Date, 3)
        );
        assert_eq!(sum(&syms("a")), Err(QError::type_()));
        let big: Vec<f64> = (0..1001).map(|i| i as f64).collect();
        assert_eq!(sum(&K::floats(big)).unwrap(), K::float(500500.0));
    }

    #[test]
    fn products() {
        assert_eq!(prd(&K::long(7)).unwrap(), K::long(7));
        assert_eq!(prd(&j(&[2, 3, 5, 7])).unwrap(), K::long(210));
        assert_eq!(prd(&j(&[2, 3, NJ, 7])).unwrap(), K::long(42));
        assert_eq!(
            prd(&l(vec![j(&[1, 2, 3, 4]), j(&[2, 3, 5, 7])])).unwrap(),
            j(&[2, 6, 15, 28])
        );
        assert_eq!(prd(&K::bools(vec![true, false, true])).unwrap(), K::int(0));
        assert_eq!(prd(&K::string("abc")), Err(QError::type_()));
        assert_eq!(prd(&d()).unwrap(), j(&[40, 105, 18]));
        assert_eq!(prd(&t()).unwrap(), K::dict(syms("a b"), j(&[630, 120])));
    }

    #[test]
    fn extremes() {
        assert_eq!(max(&j(&[2, 5, 7, 1, 3])).unwrap(), K::long(7));
        assert_eq!(max(&K::string("genie")).unwrap(), K::char(b'n'));
        assert_eq!(min(&K::string("genie")).unwrap(), K::char(b'e'));
        assert_eq!(max(&j(&[NJ, 5, NJ, 1, 3])).unwrap(), K::long(5));
        assert_eq!(max(&j(&[NJ, NJ])).unwrap(), K::long(-null::WJ));
        assert_eq!(min(&j(&[NJ, 5, NJ, 1, 3])).unwrap(), K::long(1));
        assert_eq!(min(&j(&[NJ, NJ])).unwrap(), K::long(null::WJ));
        assert_eq!(max(&f(&[nf(), 1.0, -2.0])).unwrap(), K::float(1.0));
        assert_eq!(min(&f(&[nf(), 1.0, -2.0])).unwrap(), K::float(-2.0));
        assert_eq!(max(&f(&[])).unwrap(), K::float(f64::NEG_INFINITY));
        assert_eq!(max(&d()).unwrap(), j(&[10, 21, 6]));
        assert_eq!(min(&d()).unwrap(), j(&[4, 5, 3]));
        assert_eq!(min(&t()).unwrap(), K::dict(syms("a b"), j(&[3, 4])));
        assert_eq!(max(&l(vec![j(&[1, 2]), j(&[NJ, 4])])).unwrap(), j(&[1, 4]));
        assert_eq!(min(&l(vec![j(&[1, 2]), j(&[NJ, 4])])).unwrap(), j(&[NJ, 2]));
        assert_eq!(max(&syms("a b")), Err(QError::type_()));
        assert_eq!(
            max(&K::i32s_of(Ty::Date, vec![1, 9, 3])).unwrap(),
            K::i32_of(Ty::Date, 9)
        );
    }

    #[test]
    fn averages() {
        assert_eq!(avg(&j(&[1, 2, 3])).unwrap(), K::float(2.0));
        assert_eq!(
            avg(&f(&[1.0, f64::INFINITY])).unwrap(),
            K::float(f64::INFINITY)
        );
        assert_eq!(
            avg(&f(&[f64::NEG_INFINITY, f64::INFINITY])).unwrap(),
            K::float(nf())
        );
        assert_eq!(avg(&f(&[1.0, nf(), 2.0, 3.0])).unwrap(), K::float(2.0));
        assert_eq!(
            avg(&l(vec![K::long(1), K::float(nf()), K::long(2), K::long(3)])).unwrap(),
            K::float(1.5)
        );
        assert_eq!(
            avg(&l(vec![j(&[1, 2]), j(&[NJ, 4])])).unwrap(),
            f(&[nf(), 3.0])
        );
        assert!(close(
            &avg(&K::bools(vec![true, false, true])).unwrap(),
            &[0.6666667]
        ));
        assert_eq!(avg(&K::bool(true)).unwrap(), K::float(1.0));
        let tb = table("a b", vec![j(&[3, 5]), f(&[6.0, 8.0])]);
        assert_eq!(avg(&tb).unwrap(), K::dict(syms("a b"), f(&[4.0, 7.0])));
        assert_eq!(avg(&d()).unwrap(), f(&[7.0, 13.0, 4.5]));
        let r = avg(&t()).unwrap();
        let K::Dict(rd) = &r else { panic!() };
        assert!(close(&rd.vals, &[11.333333, 5.0]));
        assert_eq!(avg(&j(&[])).unwrap(), K::float(nf()));
        assert_eq!(avg(&syms("a")), Err(QError::type_()));
    }

    #[test]
    fn medians() {
        assert_eq!(med(&j(&[10, 34, 23, 123, 5, 56])).unwrap(), K::float(28.5));
        assert_eq!(med(&j(&[3, 1, 2])).unwrap(), K::float(2.0));
        let dm = K::dict(syms("a b"), l(vec![j(&[10, -21, 3]), j(&[4, 5, -6])]));
        assert_eq!(med(&dm).unwrap(), f(&[7.0, -8.0, -1.5]));
        let tm = table("a b", vec![j(&[10, -21, 3]), j(&[4, 5, -6])]);
        // ref/med.md: the middle row of the sorted table, not column medians
        assert_eq!(med(&tm).unwrap(), K::dict(syms("a b"), f(&[3.0, -6.0])));
        let kt = K::dict(table("k", vec![syms("x y z")]), tm.clone());
        assert_eq!(med(&kt).unwrap(), K::dict(syms("a b"), f(&[3.0, -6.0])));
        let even = table("a b", vec![j(&[4, 1, 3, 2]), j(&[0, 10, 20, 30])]);
        assert_eq!(med(&even).unwrap(), K::dict(syms("a b"), f(&[2.5, 25.0])));
        assert_eq!(med(&j(&[])).unwrap(), K::float(nf()));
    }

    #[test]
    fn deviations() {
        assert_eq!(var(&j(&[2, 3, 5, 7])).unwrap(), K::float(3.6875));
        assert_eq!(
            var(&f(&[2.0, 3.0, 5.0, nf(), 7.0])).unwrap(),
            K::float(3.6875)
        );
        assert!(close(&svar(&j(&[2, 3, 5, 7])).unwrap(), &[4.916667]));
        assert!(close(&dev(&j(&[10, 343, 232, 55])).unwrap(), &[134.3484]));
        assert!(close(&sdev(&j(&[10, 343, 232, 55])).unwrap(), &[155.1322]));
        let m = l(vec![j(&[2, 3]), j(&[4, NJ]), j(&[1, 7])]);
        assert!(close(&var(&m).unwrap(), &[1.555556, 4.0]));
        assert!(close(&dev(&m).unwrap(), &[1.247219, 2.0]));
        assert!(close(&svar(&m).unwrap(), &[2.333333, 8.0]));
        assert!(close(&sdev(&m).unwrap(), &[1.527525, 2.828427]));
    }

    #[test]
    fn logic_ops() {
        assert_eq!(
            all(&K::bools(vec![true, true, false])).unwrap(),
            K::bool(false)
        );
        assert_eq!(all(&K::i32_of(Ty::Date, 0)).unwrap(), K::bool(false));
        assert_eq!(
            all(&K::i32s_of(Ty::Date, vec![1, 3653])).unwrap(),
            K::bool(true)
        );
        assert_eq!(all(&K::string(" \0")).unwrap(), K::bool(false));
        assert_eq!(any(&K::string(" \0")).unwrap(), K::bool(true));
        assert_eq!(all(&l(vec![])).unwrap(), K::bool(true));
        assert_eq!(any(&l(vec![])).unwrap(), K::bool(false));
        let tb = table(
            "c1 c2 c3",
            vec![
                j(&[1, 2, 3]),
                f(&[nf(), f64::INFINITY, f64::NEG_INFINITY]),
                f(&[0.0, 1.0, 2.0]),
            ],
        );
        assert_eq!(
            all(&tb).unwrap(),
            K::dict(syms("c1 c2 c3"), K::bools(vec![true, true, false]))
        );
        assert_eq!(any(&syms("a")), Err(QError::type_()));
    }

    #[test]
    fn weighted() {
        assert!(close(
            &wavg(&j(&[2, 3, 4]), &j(&[1, 2, 4])).unwrap(),
            &[2.666667]
        ));
        assert_eq!(
            wavg(&j(&[2, NJ, 4, 5]), &j(&[1, 2, NJ, 8])).unwrap(),
            K::float(6.0)
        );
        assert_eq!(wavg(&K::long(0), &j(&[2, 3])).unwrap(), K::float(nf()));
        assert_eq!(
            wavg(&K::long(0), &l(vec![j(&[1, 2]), j(&[3, 4])])).unwrap(),
            f(&[nf(), nf()])
        );
        let r = wavg(
            &l(vec![j(&[1, 2]), j(&[3, 4])]),
            &l(vec![j(&[500, 400]), j(&[300, 200])]),
        )
        .unwrap();
        assert!(close(&r, &[350.0, 266.6667]));
        assert!(close(
            &wavg(&j(&[1, 2]), &d()).unwrap(),
            &[6.0, 10.33333, 5.0]
        ));
        assert_eq!(wsum(&K::long(2), &j(&[1, 2, 4])).unwrap(), K::long(14));
        assert_eq!(wsum(&j(&[1, 2]), &j(&[1, 2, 3])), Err(QError::length()));
    }

    #[test]
    fn paired_stats() {
        assert!(close(
            &cor(&j(&[29, 10, 54]), &j(&[1, 3, 9])).unwrap(),
            &[0.7727746]
        ));
        assert!(close(
            &cor(&j(&[10, 29, 54]), &j(&[1, 3, 9])).unwrap(),
            &[0.9795734]
        ));
        assert!(close(
            &cor(&j(&[1, 3, NJ]), &j(&[1, 3, 9])).unwrap(),
            &[1.0]
        ));
        assert_eq!(cor(&j(&[1, 1, 1]), &j(&[1, 3, 9])).unwrap(), K::float(nf()));
        let bx = K::bools(
            [1, 0, 0, 0, 1, 0, 1, 0, 0, 0]
                .iter()
                .map(|&b| b == 1)
                .collect(),
        );
        let by = K::bools(
            [0, 0, 1, 0, 0, 1, 1, 0, 0, 1]
                .iter()
                .map(|&b| b == 1)
                .collect(),
        );
        assert!(close(&cor(&bx, &by).unwrap(), &[-0.08908708]));
        assert_eq!(
            cov(&j(&[2, 3, 5, 7]), &j(&[3, 3, 5, 9])).unwrap(),
            K::float(4.5)
        );
        assert_eq!(
            scov(&j(&[2, 3, 5, 7]), &j(&[3, 3, 5, 9])).unwrap(),
            K::float(6.0)
        );
        assert!(close(
            &cov(&j(&[2, 3, 5, 7]), &j(&[4, 3, 0, 2])).unwrap(),
            &[-1.8125]
        ));
        assert!(close(
            &scov(&j(&[2, 3, 5, 7]), &j(&[4, 3, 0, 2])).unwrap(),
            &[-2.416667]
        ));
        assert_eq!(cov(&j(&[1, 2]), &j(&[1])), Err(QError::length()));
    }
}
