//! Atomic primitives: arithmetic (`+ - * % div mod xbar xexp xlog`), comparison
//! (`= <> < > <= >=`), lesser/greater/fill (`& | ^`, `and`, `or`) and the atomic math
//! monads (`neg abs signum reciprocal sqrt exp log sin cos tan asin acos atan floor
//! ceiling not null`), with q's type promotion, temporal arithmetic, nulls, infinities and
//! comparison tolerance.
//!
//! One shape dispatcher per rank (`dyad`, `monad`) extends every primitive over atoms,
//! vectors, general lists, dictionaries (keys aligned, upsert semantics), tables and keyed
//! tables. It bottoms out in a kernel that has already chosen one storage class and runs a
//! single loop over slices (an atom operand stays a scalar). Result types come from the
//! domain/range tables of the code.kx.com reference pages, transcribed below so they can be
//! checked against the docs line by line.
//!
//! Enumerations are not resolved here (their domains live in the interpreter's namespace):
//! two enumerations over the same domain compare for (in)equality by index; any other use
//! answers 'nyi for comparisons and 'type for arithmetic.

use super::{Dyad, Monad};
use crate::lang::value::{empty_list, from_items, is_keyed, items, null_atom};
use crate::lang::{QError, QResult};
use qipc::sym::FxHasher;
use qipc::{null, Attr, Data, Dict, Guid, Scalar, Storage, Sym, Table, Ty, Vector, K};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

// ---------------------------------------------------------------------------------------
// Element types of the storage classes
// ---------------------------------------------------------------------------------------

/// A storage class's element type: where it sits in `Data`/`Scalar` and how to put it back.
trait Elem: Copy + PartialEq + Send + Sync + 'static {
    fn slice(d: &Data) -> Option<&[Self]>;
    fn of_scalar(s: Scalar) -> Option<Self>;
    fn into_data(v: Vec<Self>) -> Data;
    fn into_scalar(self) -> Scalar;
}

macro_rules! elem {
    ($t:ty, $v:ident) => {
        impl Elem for $t {
            #[inline]
            fn slice(d: &Data) -> Option<&[Self]> {
                match d {
                    Data::$v(x) => Some(x.as_slice()),
                    _ => None,
                }
            }
            #[inline]
            fn of_scalar(s: Scalar) -> Option<Self> {
                match s {
                    Scalar::$v(x) => Some(x),
                    _ => None,
                }
            }
            fn into_data(v: Vec<Self>) -> Data {
                Data::$v(Arc::new(v))
            }
            fn into_scalar(self) -> Scalar {
                Scalar::$v(self)
            }
        }
    };
}

elem!(u8, U8);
elem!(i16, I16);
elem!(i32, I32);
elem!(i64, I64);
elem!(f32, F32);
elem!(f64, F64);
elem!(Sym, Sym);
elem!(Guid, Guid);

/// q's comparison tolerance, 2^-43 relative (basics/precision).
const TOLERANCE: f64 = 1.0 / 8_796_093_022_208.0;

/// True when two floats are within tolerance of each other (finite values only: an
/// infinity is equal only to itself).
#[inline]
fn near(a: f64, b: f64) -> bool {
    let m = a.abs().max(b.abs());
    ((a - b).abs() <= TOLERANCE * m) & (m < f64::INFINITY)
}

/// Tolerant `=`: nulls equal each other.
#[inline]
fn feq(a: f64, b: f64) -> bool {
    (a == b) | (a.is_nan() & b.is_nan()) | near(a, b)
}

/// q's match (`~`): same type and shape, items equal, floats and reals within comparison
/// tolerance (basics/precision lists `~` among the tolerant primitives). Attributes are
/// ignored.
pub fn matches(x: &K, y: &K) -> bool {
    match (x, y) {
        (K::Atom(a), K::Atom(b)) if a.ty == b.ty => match (a.v, b.v) {
            (Scalar::F64(p), Scalar::F64(q)) => feq(p, q),
            (Scalar::F32(p), Scalar::F32(q)) => feq(p as f64, q as f64),
            _ => x == y,
        },
        (K::Vector(a), K::Vector(b)) if a.ty == b.ty && a.len() == b.len() => {
            match (&a.data, &b.data) {
                (Data::F64(p), Data::F64(q)) => p.iter().zip(q.iter()).all(|(p, q)| feq(*p, *q)),
                (Data::F32(p), Data::F32(q)) => p
                    .iter()
                    .zip(q.iter())
                    .all(|(p, q)| feq(*p as f64, *q as f64)),
                _ => x == y,
            }
        }
        (K::List(a), K::List(b)) => {
            a.items.len() == b.items.len()
                && a.items
                    .iter()
                    .zip(b.items.iter())
                    .all(|(p, q)| matches(p, q))
        }
        // Sortedness is an attribute, which match ignores (ref/apply: `` (`s#d)~d ``).
        (K::Dict(a), K::Dict(b)) => matches(&a.keys, &b.keys) && matches(&a.vals, &b.vals),
        (K::Table(a), K::Table(b)) => {
            a.names == b.names && a.cols.iter().zip(b.cols.iter()).all(|(p, q)| matches(p, q))
        }
        _ => x == y,
    }
}

/// `x ~ y` as a boolean atom.
pub fn match_(x: &K, y: &K) -> QResult {
    Ok(K::bool(matches(x, y)))
}

/// Whether each item of a float vector differs from the one before, within tolerance
/// (`differ`; the first item always differs).
pub(crate) fn differ_floats(s: &[f64]) -> Vec<bool> {
    let mut r = Vec::with_capacity(s.len());
    let mut prev: Option<f64> = None;
    for &v in s {
        r.push(prev.is_none_or(|p| !feq(p, v)));
        prev = Some(v);
    }
    r
}

/// Tolerant `<`: null is below everything else.
#[inline]
fn flt(a: f64, b: f64) -> bool {
    (a.is_nan() & !b.is_nan()) | ((a < b) & !near(a, b))
}

/// The numeric element types. Integer nulls are the type's minimum and are sticky through
/// `+ - *`; overflow wraps (so `0W+1` is `0N`); converting between widths keeps nulls and
/// treats infinities as plain values (`0Wi+5` is `2147483652`).
trait Num: Elem + PartialOrd {
    const FLOAT: bool;
    const NULL: Self;
    const ZERO: Self;
    fn is_null(self) -> bool;
    fn to_i64(self) -> i64;
    fn to_f64(self) -> f64;
    fn from_i64(v: i64) -> Self;
    fn from_f64(v: f64) -> Self;
    fn qadd(a: Self, b: Self) -> Self;
    fn qsub(a: Self, b: Self) -> Self;
    fn qmul(a: Self, b: Self) -> Self;
    fn qmin(a: Self, b: Self) -> Self;
    fn qmax(a: Self, b: Self) -> Self;
    fn qneg(self) -> Self;
    fn qabs(self) -> Self;
    fn qeq(a: Self, b: Self) -> bool;
    fn qlt(a: Self, b: Self) -> bool;
    fn qsignum(self) -> i32;
    #[inline]
    fn cast<D: Num>(self) -> D {
        if Self::FLOAT {
            D::from_f64(self.to_f64())
        } else {
            D::from_i64(self.to_i64())
        }
    }
}

macro_rules! int_num {
    ($t:ty) => {
        impl Num for $t {
            const FLOAT: bool = false;
            const NULL: Self = <$t>::MIN;
            const ZERO: Self = 0;
            #[inline]
            fn is_null(self) -> bool {
                self == Self::NULL
            }
            #[inline]
            fn to_i64(self) -> i64 {
                if self == Self::NULL {
                    null::J
                } else {
                    self as i64
                }
            }
            #[inline]
            fn to_f64(self) -> f64 {
                if self == Self::NULL {
                    f64::NAN
                } else {
                    self as f64
                }
            }
            #[inline]
            fn from_i64(v: i64) -> Self {
                if v == null::J {
                    Self::NULL
                } else if v == null::WJ {
                    <$t>::MAX
                } else if v == -null::WJ {
                    -<$t>::MAX
                } else {
                    v as $t
                }
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                if v.is_nan() {
                    Self::NULL
                } else if v >= <$t>::MAX as f64 {
                    <$t>::MAX
                } else if v <= -(<$t>::MAX as f64) {
                    -<$t>::MAX
                } else {
                    v.round() as $t
                }
            }
            #[inline]
            fn qadd(a: Self, b: Self) -> Self {
                if a == Self::NULL || b == Self::NULL {
                    Self::NULL
                } else {
                    a.wrapping_add(b)
                }
            }
            #[inline]
            fn qsub(a: Self, b: Self) -> Self {
                if a == Self::NULL || b == Self::NULL {
                    Self::NULL
                } else {
                    a.wrapping_sub(b)
                }
            }
            #[inline]
            fn qmul(a: Self, b: Self) -> Self {
                if a == Self::NULL || b == Self::NULL {
                    Self::NULL
                } else {
                    a.wrapping_mul(b)
                }
            }
            #[inline]
            fn qmin(a: Self, b: Self) -> Self {
                if b < a {
                    b
                } else {
                    a
                }
            }
            #[inline]
            fn qmax(a: Self, b: Self) -> Self {
                if b > a {
                    b
                } else {
                    a
                }
            }
            #[inline]
            fn qneg(self) -> Self {
                self.wrapping_neg()
            }
            #[inline]
            fn qabs(self) -> Self {
                self.wrapping_abs()
            }
            #[inline]
            fn qeq(a: Self, b: Self) -> bool {
                a == b
            }
            #[inline]
            fn qlt(a: Self, b: Self) -> bool {
                a < b
            }
            #[inline]
            fn qsignum(self) -> i32 {
                (self > 0) as i32 - (self < 0) as i32
            }
        }
    };
}

int_num!(i16);
int_num!(i32);
int_num!(i64);

// Booleans, bytes and chars: no null in arithmetic (a char's blank matters only to `^` and
// `null`, which check for it themselves).
impl Num for u8 {
    const FLOAT: bool = false;
    const NULL: Self = 0;
    const ZERO: Self = 0;
    #[inline]
    fn is_null(self) -> bool {
        false
    }
    #[inline]
    fn to_i64(self) -> i64 {
        self as i64
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn from_i64(v: i64) -> Self {
        v as u8
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        if v.is_nan() {
            0
        } else {
            v.round() as u8
        }
    }
    #[inline]
    fn qadd(a: Self, b: Self) -> Self {
        a.wrapping_add(b)
    }
    #[inline]
    fn qsub(a: Self, b: Self) -> Self {
        a.wrapping_sub(b)
    }
    #[inline]
    fn qmul(a: Self, b: Self) -> Self {
        a.wrapping_mul(b)
    }
    #[inline]
    fn qmin(a: Self, b: Self) -> Self {
        a.min(b)
    }
    #[inline]
    fn qmax(a: Self, b: Self) -> Self {
        a.max(b)
    }
    #[inline]
    fn qneg(self) -> Self {
        self.wrapping_neg()
    }
    #[inline]
    fn qabs(self) -> Self {
        self
    }
    #[inline]
    fn qeq(a: Self, b: Self) -> bool {
        a == b
    }
    #[inline]
    fn qlt(a: Self, b: Self) -> bool {
        a < b
    }
    #[inline]
    fn qsignum(self) -> i32 {
        (self > 0) as i32
    }
}

macro_rules! float_num {
    ($t:ty) => {
        impl Num for $t {
            const FLOAT: bool = true;
            const NULL: Self = <$t>::NAN;
            const ZERO: Self = 0.0;
            #[inline]
            fn is_null(self) -> bool {
                self.is_nan()
            }
            #[inline]
            fn to_i64(self) -> i64 {
                i64::from_f64(self as f64)
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn from_i64(v: i64) -> Self {
                if v == null::J {
                    Self::NULL
                } else {
                    v as $t
                }
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn qadd(a: Self, b: Self) -> Self {
                a + b
            }
            #[inline]
            fn qsub(a: Self, b: Self) -> Self {
                a - b
            }
            #[inline]
            fn qmul(a: Self, b: Self) -> Self {
                a * b
            }
            // Null is the smallest value: it wins `&` and loses `|`.
            #[inline]
            fn qmin(a: Self, b: Self) -> Self {
                if a.is_nan() || b.is_nan() {
                    Self::NULL
                } else if b < a {
                    b
                } else {
                    a
                }
            }
            #[inline]
            fn qmax(a: Self, b: Self) -> Self {
                if a.is_nan() || b > a {
                    b
                } else {
                    a
                }
            }
            #[inline]
            fn qneg(self) -> Self {
                -self
            }
            #[inline]
            fn qabs(self) -> Self {
                self.abs()
            }
            #[inline]
            fn qeq(a: Self, b: Self) -> bool {
                feq(a as f64, b as f64)
            }
            #[inline]
            fn qlt(a: Self, b: Self) -> bool {
                flt(a as f64, b as f64)
            }
            #[inline]
            fn qsignum(self) -> i32 {
                if self > 0.0 {
                    1
                } else if self < 0.0 || self.is_nan() {
                    -1
                } else {
                    0
                }
            }
        }
    };
}

float_num!(f32);
float_num!(f64);

/// Run `$body` with `$T` bound to the numeric element type of storage `$s`.
macro_rules! with_num {
    ($s:expr, $T:ident, $body:expr) => {
        match $s {
            Storage::U8 => {
                type $T = u8;
                $body
            }
            Storage::I16 => {
                type $T = i16;
                $body
            }
            Storage::I32 => {
                type $T = i32;
                $body
            }
            Storage::I64 => {
                type $T = i64;
                $body
            }
            Storage::F32 => {
                type $T = f32;
                $body
            }
            Storage::F64 => {
                type $T = f64;
                $body
            }
            Storage::Sym | Storage::Guid => Err(QError::type_()),
        }
    };
}

// ---------------------------------------------------------------------------------------
// Operands and kernels
// ---------------------------------------------------------------------------------------

/// One operand of a kernel: a scalar, or a slice (borrowed from the value when no
/// conversion was needed).
enum Arg<'a, T: Clone> {
    A(T),
    V(Cow<'a, [T]>),
}

/// A kernel's result before it is given its q type.
enum Out<T> {
    A(T),
    V(Vec<T>),
}

/// The q type of an atom or simple vector.
fn sty(k: &K) -> Option<Ty> {
    match k {
        K::Atom(a) => Some(a.ty),
        K::Vector(v) => Some(v.ty),
        _ => None,
    }
}

/// An atom or vector as elements of `T`, converting the underlying values (nulls map to
/// nulls) unless they are already stored as `T`.
fn num_arg<T: Num>(k: &K) -> QResult<Arg<'_, T>> {
    match k {
        K::Atom(a) => Ok(Arg::A(match a.v {
            Scalar::U8(x) => x.cast(),
            Scalar::I16(x) => x.cast(),
            Scalar::I32(x) => x.cast(),
            Scalar::I64(x) => x.cast(),
            Scalar::F32(x) => x.cast(),
            Scalar::F64(x) => x.cast(),
            Scalar::Sym(_) | Scalar::Guid(_) => return Err(QError::type_()),
        })),
        K::Vector(v) => {
            if let Some(s) = T::slice(&v.data) {
                return Ok(Arg::V(Cow::Borrowed(s)));
            }
            Ok(Arg::V(Cow::Owned(match &v.data {
                Data::U8(s) => conv(s),
                Data::I16(s) => conv(s),
                Data::I32(s) => conv(s),
                Data::I64(s) => conv(s),
                Data::F32(s) => conv(s),
                Data::F64(s) => conv(s),
                Data::Sym(_) | Data::Guid(_) => return Err(QError::type_()),
            })))
        }
        _ => Err(QError::type_()),
    }
}

fn conv<S: Num, D: Num>(s: &[S]) -> Vec<D> {
    s.iter().map(|&x| x.cast()).collect()
}

/// An atom or vector whose storage is exactly `T` (symbols, guids).
fn elem_arg<T: Elem>(k: &K) -> QResult<Arg<'_, T>> {
    match k {
        K::Atom(a) => T::of_scalar(a.v).map(Arg::A),
        K::Vector(v) => T::slice(&v.data).map(|s| Arg::V(Cow::Borrowed(s))),
        _ => None,
    }
    .ok_or_else(QError::type_)
}

/// Apply `f` pairwise: atom with atom, atom with each item, or item by item.
#[inline]
fn zip<T: Copy, U>(x: &Arg<T>, y: &Arg<T>, f: impl Fn(T, T) -> U) -> QResult<Out<U>> {
    Ok(match (x, y) {
        (Arg::A(a), Arg::A(b)) => Out::A(f(*a, *b)),
        (Arg::A(a), Arg::V(v)) => {
            let a = *a;
            Out::V(v.iter().map(|&b| f(a, b)).collect())
        }
        (Arg::V(v), Arg::A(b)) => {
            let b = *b;
            Out::V(v.iter().map(|&a| f(a, b)).collect())
        }
        (Arg::V(u), Arg::V(v)) => {
            if u.len() != v.len() {
                return Err(QError::length());
            }
            Out::V(u.iter().zip(v.iter()).map(|(&a, &b)| f(a, b)).collect())
        }
    })
}

#[inline]
fn map1<T: Copy, U>(x: &Arg<T>, f: impl Fn(T) -> U) -> Out<U> {
    match x {
        Arg::A(a) => Out::A(f(*a)),
        Arg::V(v) => Out::V(v.iter().map(|&a| f(a)).collect()),
    }
}

/// Give a kernel's result its q type.
fn finish<T: Elem>(o: Out<T>, ty: Ty) -> K {
    match o {
        Out::A(v) => K::atom(ty, v.into_scalar()),
        Out::V(v) => K::Vector(Vector::new(ty, T::into_data(v))),
    }
}

/// Give a kernel's result a q type held in another storage class.
fn finish_cast<S: Num>(o: Out<S>, ty: Ty) -> QResult {
    with_num!(ty.storage(), T, {
        Ok(finish(
            match o {
                Out::A(v) => Out::A(v.cast::<T>()),
                Out::V(v) => Out::V(v.into_iter().map(|e| e.cast::<T>()).collect()),
            },
            ty,
        ))
    })
}

/// The same data under another type of the same storage class (timestamp as timespan ...).
fn retype(k: &K, ty: Ty) -> K {
    match k {
        K::Atom(a) => K::atom(ty, a.v),
        K::Vector(v) => K::Vector(Vector::new(ty, v.data.clone())),
        other => other.clone(),
    }
}

fn is_float(s: Storage) -> bool {
    matches!(s, Storage::F32 | Storage::F64)
}

// ---------------------------------------------------------------------------------------
// Result types (code.kx.com domain/range tables; rows are x, columns y, both in the order
// b g x h i j e f c s p m d z n u v t; `.` is a type error)
// ---------------------------------------------------------------------------------------

type Grid = [&'static [u8; 18]; 18];

/// ref/add
const ADD: Grid = [
    b"i.iiijef..pmdznuvt",
    b"..................",
    b"i.iiijef..pmdznuvt",
    b"i.iiijef..pmdznuvt",
    b"i.iiijef..pmdznuvt",
    b"j.jjjjef..pmdznuvt",
    b"e.eeeeef..pmdznuvt",
    b"f.fffffff.ffzzffff",
    b".......f..pmdznuvt",
    b"..................",
    b"p.pppppfp.n...pppp",
    b"m.mmmmmfm..i..pppp",
    b"d.dddddzd...i.pppp",
    b"z.zzzzzzz....fpzzz",
    b"n.nnnnnfn.ppppnnnn",
    b"u.uuuuufu.pppznuvt",
    b"v.vvvvvfv.pppznvvt",
    b"t.tttttft.pppznttt",
];

/// ref/subtract (q computes `x-y` as `x+neg y`, hence the char column).
const SUB: Grid = [
    b"i.iiijefi.pmdznuvt",
    b"..................",
    b"i.iiijefi.pmdznuvt",
    b"i.iiijefi.pmdznuvt",
    b"i.iiijefi.pmdznuvt",
    b"j.jjjjefj.pmdznuvt",
    b"e.eeeeefe.pmdznuvt",
    b"f.fffffff.ffzzffff",
    b".......f..pmdznuvt",
    b"..................",
    b"p.pppppfp.n...pppp",
    b"m.mmmmmfm..i..pppp",
    b"d.dddddzd...i.pppp",
    b"z.zzzzzzz....fpzzz",
    b"n.nnnnnfn.ppppnnnn",
    b"u.uuuuufu.pppznuvt",
    b"v.vvvvvfv.pppznvvt",
    b"t.tttttft.pppznttt",
];

/// ref/multiply
const MUL: Grid = [
    b"i.iiijef..pmdznuvt",
    b"..................",
    b"i.iiijef..pmdznuvt",
    b"i.iiijef..pmdznuvt",
    b"i.iiijef..pmdznuvt",
    b"j.jjjjef..pmdznuvt",
    b"e.eeeeef..pmdznuvt",
    b"f.fffffff.ffzzffff",
    b".......f..pmdznuvt",
    b"..................",
    b"p.pppppfp.........",
    b"m.mmmmmfm.........",
    b"d.dddddzd.........",
    b"z.zzzzzzz.........",
    b"n.nnnnnfn.........",
    b"u.uuuuufu.........",
    b"v.vvvvvfv.........",
    b"t.tttttft.........",
];

/// ref/mod
const MOD: Grid = [
    b"i.iiijef..pmdznuvt",
    b"..................",
    b"i.iiijef..pmdznuvt",
    b"i.iiijef..pmdznuvt",
    b"i.iiijef..pmdznuvt",
    b"j.jjjjef..pmdznuvt",
    b"f.fffffff.ffzzffff",
    b"f.fffffff.ffzzffff",
    b".......f..pmdznuvt",
    b"..................",
    b"n.nnnnnfn.........",
    b"i.iiiiifi.........",
    b"i.iiiii.i.........",
    b"f.fffffff.........",
    b"n.nnnnnfn.........",
    b"u.uuuuufu.........",
    b"v.vvvvvfv.........",
    b"t.tttttft.........",
];

/// ref/lesser, ref/greater: the common type of `&` and `|`; temporal pairs meet in the
/// type basics/comparison names (a timestamp against a minute compares as minutes).
const MINMAX: Grid = [
    b"b.xhijefc.pmdznuvt",
    b"..................",
    b"x.xhijefc.pmdznuvt",
    b"h.hhijefc.pmdznuvt",
    b"i.iiijefc.pmdznuvt",
    b"j.jjjjefc.pmdznuvt",
    b"e.eeeeefc.pmdznuvt",
    b"f.ffffffc.pmdznuvt",
    b"c.ccccccc.pmdznuvt",
    b"..................",
    b"p.ppppppp.ppppnuvt",
    b"m.mmmmmmm.pmd.....",
    b"d.ddddddd.pddz....",
    b"z.zzzzzzz.p.zznuvt",
    b"n.nnnnnnn.n..nnnnn",
    b"u.uuuuuuu.u..unuvt",
    b"v.vvvvvvv.v..vnvvt",
    b"t.ttttttt.t..tnttt",
];

/// ref/fill: as `&` plus guids and symbols; also the common type of the comparisons,
/// whose support (ref/less-than) is exactly this table's.
const FILL: Grid = [
    b"b.xhijefc.pmdznuvt",
    b".g................",
    b"x.xhijefc.pmdznuvt",
    b"h.hhijefc.pmdznuvt",
    b"i.iiijefc.pmdznuvt",
    b"j.jjjjefc.pmdznuvt",
    b"e.eeeeefc.pmdznuvt",
    b"f.ffffffc.pmdznuvt",
    b"c.ccccccc.pmdznuvt",
    b".........s........",
    b"p.ppppppp.ppppnuvt",
    b"m.mmmmmmm.pmd.....",
    b"d.ddddddd.pddz....",
    b"z.zzzzzzz.p.zznuvt",
    b"n.nnnnnnn.n..nnnnn",
    b"u.uuuuuuu.u..unuvt",
    b"v.vvvvvvv.v..vnvvt",
    b"t.ttttttt.t..tnttt",
];

/// Position of a type in the tables' order.
#[inline]
fn ix(t: Ty) -> usize {
    let c = t as usize;
    if c < 4 {
        c - 1
    } else {
        c - 2
    }
}

fn grid(g: &Grid, x: Ty, y: Ty) -> Option<Ty> {
    // `ix` maps every `Ty` into 0..18, the grids' dimensions.
    Ty::from_char(g[ix(x)][ix(y)])
}

fn textual(t: Ty) -> bool {
    matches!(t, Ty::Guid | Ty::Sym)
}

/// b x h i j e f
fn numeric(t: Ty) -> bool {
    matches!(
        t,
        Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long | Ty::Real | Ty::Float
    )
}

/// ref/div: the type of the left argument, with bool/byte/short/char as int and real as
/// float.
fn div_type(x: Ty, y: Ty) -> Option<Ty> {
    if textual(x) || textual(y) {
        return None;
    }
    Some(match x {
        Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Char => Ty::Int,
        Ty::Real | Ty::Float => Ty::Float,
        t => t,
    })
}

// ---------------------------------------------------------------------------------------
// Temporal conversions (for mixed temporal arithmetic and comparison)
// ---------------------------------------------------------------------------------------

const NS_DAY: i64 = 86_400_000_000_000;
const MS_DAY: i64 = 86_400_000;
/// Days from 1970.01.01 to 2000.01.01.
const EPOCH_2000: i64 = 10_957;

/// Days since 1970.01.01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 2000.01.01 of the first day of month `m` (months since 2000.01).
fn month_days(m: i64) -> i64 {
    days_from_civil(2000 + m.div_euclid(12), m.rem_euclid(12) + 1, 1) - EPOCH_2000
}

/// Nanoseconds in one unit of a temporal type.
fn unit_ns(t: Ty) -> i64 {
    match t {
        Ty::Minute => 60_000_000_000,
        Ty::Second => 1_000_000_000,
        Ty::Time => 1_000_000,
        Ty::Date => NS_DAY,
        _ => 1,
    }
}

/// An i32-held temporal value into an i64-held one: nulls and infinities carry over, an
/// overflowing result saturates to the infinity.
#[inline]
fn widen(x: i32, f: impl Fn(i64) -> Option<i64>) -> i64 {
    if x == null::I {
        null::J
    } else if x == null::WI {
        null::WJ
    } else if x == -null::WI {
        -null::WJ
    } else {
        f(x as i64).unwrap_or(if x < 0 { -null::WJ } else { null::WJ })
    }
}

/// An i64 into an i32-held temporal, nulls and infinities kept, out of range saturating.
#[inline]
fn narrow(v: i64) -> i32 {
    if v == null::J {
        null::I
    } else if v >= null::WI as i64 {
        null::WI
    } else if v <= -(null::WI as i64) {
        -null::WI
    } else {
        v as i32
    }
}

#[inline]
fn ns_to_days_f(n: i64) -> f64 {
    if n == null::J {
        f64::NAN
    } else if n == null::WJ {
        f64::INFINITY
    } else if n == -null::WJ {
        f64::NEG_INFINITY
    } else {
        n as f64 / NS_DAY as f64
    }
}

#[inline]
fn i32_to_days_f(x: i32, per_day: f64) -> f64 {
    if x == null::I {
        f64::NAN
    } else if x == null::WI {
        f64::INFINITY
    } else if x == -null::WI {
        f64::NEG_INFINITY
    } else {
        x as f64 / per_day
    }
}

/// Datetime (days as a float, millisecond precision) to nanoseconds.
#[inline]
fn z_to_ns(z: f64) -> i64 {
    if z.is_nan() {
        return null::J;
    }
    let ms = (z * MS_DAY as f64).round();
    if ms.abs() >= (null::WJ / 1_000_000) as f64 {
        if z < 0.0 {
            -null::WJ
        } else {
            null::WJ
        }
    } else {
        ms as i64 * 1_000_000
    }
}

/// Time of day of a timestamp in units of `unit` nanoseconds.
#[inline]
fn tod_ns(n: i64, unit: i64) -> i32 {
    if n == null::J {
        null::I
    } else if n == null::WJ {
        null::WI
    } else if n == -null::WJ {
        -null::WI
    } else {
        (n.rem_euclid(NS_DAY) / unit) as i32
    }
}

/// Time of day of a datetime in units of `unit` nanoseconds.
#[inline]
fn tod_z(z: f64, unit: i64) -> i32 {
    if z.is_nan() {
        null::I
    } else if z.is_infinite() {
        if z > 0.0 {
            null::WI
        } else {
            -null::WI
        }
    } else {
        let ms = (z * MS_DAY as f64).round() as i64;
        (ms.rem_euclid(MS_DAY) * 1_000_000 / unit) as i32
    }
}

fn map_as<S: Num, D: Num>(k: &K, dst: Ty, f: impl Fn(S) -> D) -> QResult {
    let a = num_arg::<S>(k)?;
    Ok(finish(map1(&a, f), dst))
}

/// Convert an atom or vector of one temporal type to another, the way q lines up mixed
/// temporal operands: instants and spans to nanoseconds, months to their first day,
/// timestamps and datetimes to their time of day when met by a minute/second/time.
fn tcast(k: &K, dst: Ty) -> QResult {
    use Ty::*;
    let src = sty(k).ok_or_else(QError::type_)?;
    if src == dst {
        return Ok(k.clone());
    }
    match (src, dst) {
        (Timestamp, Timespan) | (Timespan, Timestamp) => Ok(retype(k, dst)),
        (Month, Timestamp | Timespan) => map_as(k, dst, |m: i32| {
            widen(m, |v| month_days(v).checked_mul(NS_DAY))
        }),
        (Date, Timestamp | Timespan) => {
            map_as(k, dst, |d: i32| widen(d, |v| v.checked_mul(NS_DAY)))
        }
        (Minute | Second | Time, Timestamp | Timespan) => {
            let u = unit_ns(src);
            map_as(k, dst, move |x: i32| widen(x, |v| v.checked_mul(u)))
        }
        (Datetime, Timestamp | Timespan) => map_as(k, dst, z_to_ns),
        (Month, Date) => map_as(k, dst, |m: i32| narrow(widen(m, |v| Some(month_days(v))))),
        (Month, Datetime) => map_as(k, dst, |m: i32| {
            if m == null::I {
                f64::NAN
            } else {
                i32_to_days_f(narrow(month_days(m as i64)), 1.0)
            }
        }),
        (Date, Datetime) => map_as(k, dst, |d: i32| i32_to_days_f(d, 1.0)),
        (Timestamp | Timespan, Datetime) => map_as(k, dst, ns_to_days_f),
        (Minute | Second | Time, Datetime) => {
            let per_day = (NS_DAY / unit_ns(src)) as f64;
            map_as(k, dst, move |x: i32| i32_to_days_f(x, per_day))
        }
        (Timestamp, Minute | Second | Time) => {
            let u = unit_ns(dst);
            map_as(k, dst, move |n: i64| tod_ns(n, u))
        }
        (Datetime, Minute | Second | Time) => {
            let u = unit_ns(dst);
            map_as(k, dst, move |z: f64| tod_z(z, u))
        }
        (Minute | Second, Second | Time) => {
            let f = unit_ns(src) / unit_ns(dst);
            map_as(k, dst, move |x: i32| narrow(widen(x, |v| v.checked_mul(f))))
        }
        _ => Err(QError::type_()),
    }
}

/// Bring two temporal operands of different types to the type `r` they meet in.
fn align_temporal<'a>(
    x: &'a K,
    y: &'a K,
    tx: Ty,
    ty: Ty,
    r: Ty,
) -> QResult<(Cow<'a, K>, Cow<'a, K>)> {
    if tx.is_temporal() && ty.is_temporal() && tx != ty {
        Ok((Cow::Owned(tcast(x, r)?), Cow::Owned(tcast(y, r)?)))
    } else {
        Ok((Cow::Borrowed(x), Cow::Borrowed(y)))
    }
}

// ---------------------------------------------------------------------------------------
// Binary kernels on atoms and simple vectors
// ---------------------------------------------------------------------------------------

/// The binary atomic operations. `Div` is `%`, `IDiv` is `div`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    IDiv,
    Mod,
    Min,
    Max,
    Fill,
    Xexp,
    Xlog,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl Op {
    fn is_cmp(self) -> bool {
        matches!(self, Op::Eq | Op::Ne | Op::Lt | Op::Gt | Op::Le | Op::Ge)
    }
}

/// The q type of `x op y` for simple operand types, or `None` for a type error.
fn result_type(op: Op, x: Ty, y: Ty) -> Option<Ty> {
    match op {
        Op::Add => grid(&ADD, x, y),
        Op::Sub => grid(&SUB, x, y),
        Op::Mul => grid(&MUL, x, y),
        Op::Mod => grid(&MOD, x, y),
        Op::Min | Op::Max => grid(&MINMAX, x, y),
        Op::Fill => grid(&FILL, x, y),
        Op::Div => (!textual(x) && !textual(y)).then_some(Ty::Float),
        Op::IDiv => div_type(x, y),
        Op::Xexp => (numeric(x) && numeric(y)).then_some(Ty::Float),
        Op::Xlog => {
            let ok = |t: Ty| !textual(t) && t != Ty::Datetime;
            (ok(x) && ok(y)).then_some(Ty::Float)
        }
        Op::Eq | Op::Ne | Op::Lt | Op::Gt | Op::Le | Op::Ge => grid(&FILL, x, y).map(|_| Ty::Bool),
    }
}

/// `x op y` for atoms and simple vectors.
fn simple(op: Op, x: &K, y: &K) -> QResult {
    let (tx, ty) = match (sty(x), sty(y)) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err(QError::type_()),
    };
    if op.is_cmp() {
        return compare(op, x, y, tx, ty);
    }
    let r = result_type(op, tx, ty).ok_or_else(QError::type_)?;
    match op {
        Op::Add | Op::Sub | Op::Min | Op::Max | Op::Fill => {
            let (x, y) = align_temporal(x, y, tx, ty, r)?;
            arith(op, &x, &y, r)
        }
        Op::Mul => arith(op, x, y, r),
        Op::Div | Op::Xexp | Op::Xlog => {
            let (a, b) = (num_arg::<f64>(x)?, num_arg::<f64>(y)?);
            let out = match op {
                Op::Div => zip(&a, &b, |p, q| p / q)?,
                // Documented as `exp y*log x`, so a negative or null base gives null.
                Op::Xexp => zip(&a, &b, |p, q| (q * p.ln()).exp())?,
                _ => zip(&a, &b, |p, q| q.ln() / p.ln())?,
            };
            Ok(finish(out, r))
        }
        _ => {
            let storage = |k: &K| match k {
                K::Vector(v) => v.data.storage(),
                K::Atom(a) => a.ty.storage(),
                _ => Storage::Sym,
            };
            let float = is_float(r.storage()) || is_float(storage(x)) || is_float(storage(y));
            if float {
                let (a, b) = (num_arg::<f64>(x)?, num_arg::<f64>(y)?);
                let out = if op == Op::IDiv {
                    zip(&a, &b, |p, q| (p / q).floor())?
                } else {
                    zip(&a, &b, fmod)?
                };
                finish_cast(out, r)
            } else {
                let (a, b) = (num_arg::<i64>(x)?, num_arg::<i64>(y)?);
                let out = if op == Op::IDiv {
                    zip(&a, &b, idiv)?
                } else {
                    zip(&a, &b, imod)?
                };
                finish_cast(out, r)
            }
        }
    }
}

/// `floor x%y` on integers: division by zero gives the infinity of the dividend's sign
/// (null for `0 div 0`), as `floor` of the float quotient would.
#[inline]
fn idiv(a: i64, b: i64) -> i64 {
    if a == null::J || b == null::J {
        null::J
    } else if b == 0 {
        match a.signum() {
            1 => null::WJ,
            -1 => -null::WJ,
            _ => null::J,
        }
    } else {
        let q = a.wrapping_div(b);
        if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) {
            q - 1
        } else {
            q
        }
    }
}

/// Remainder with the sign of the divisor; `x mod 0` is `x`.
#[inline]
fn imod(a: i64, b: i64) -> i64 {
    if a == null::J || b == null::J {
        null::J
    } else if b == 0 {
        a
    } else {
        let r = a.wrapping_rem(b);
        if r != 0 && ((r < 0) != (b < 0)) {
            r + b
        } else {
            r
        }
    }
}

#[inline]
fn fmod(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        a
    } else {
        a - b * (a / b).floor()
    }
}

/// `+ - * & | ^` computed in the storage of the result type `r`.
fn arith(op: Op, x: &K, y: &K, r: Ty) -> QResult {
    match r.storage() {
        Storage::Sym => fill_elem::<Sym>(x, y, r, |s| s.is_null()),
        Storage::Guid => fill_elem::<Guid>(x, y, r, |g| g == [0; 16]),
        s => with_num!(s, T, arith_in::<T>(op, x, y, r)),
    }
}

fn arith_in<T: Num>(op: Op, x: &K, y: &K, r: Ty) -> QResult {
    let (a, b) = (num_arg::<T>(x)?, num_arg::<T>(y)?);
    let out = match op {
        Op::Add => zip(&a, &b, T::qadd)?,
        Op::Sub => zip(&a, &b, T::qsub)?,
        Op::Mul => zip(&a, &b, T::qmul)?,
        Op::Min => zip(&a, &b, T::qmin)?,
        Op::Max => zip(&a, &b, T::qmax)?,
        Op::Fill if r == Ty::Char => {
            let blank = T::from_i64(null::C as i64);
            zip(&a, &b, move |p, q| if q == blank { p } else { q })?
        }
        Op::Fill => zip(&a, &b, |p, q| if q.is_null() { p } else { q })?,
        _ => return Err(QError::type_()),
    };
    Ok(finish(out, r))
}

fn fill_elem<T: Elem>(x: &K, y: &K, r: Ty, is_null: fn(T) -> bool) -> QResult {
    let (a, b) = (elem_arg::<T>(x)?, elem_arg::<T>(y)?);
    Ok(finish(
        zip(&a, &b, |p, q| if is_null(q) { p } else { q })?,
        r,
    ))
}

/// True when long `v` can stand in storage `s` with the same order against that storage's
/// values (a long null stays a null; no other long may land on the narrow null).
fn fits(v: i64, s: Storage) -> bool {
    match s {
        Storage::U8 => (0..=255).contains(&v),
        Storage::I16 => v == null::J || (-(i16::MAX as i64)..=i16::MAX as i64).contains(&v),
        Storage::I32 => v == null::J || (-(i32::MAX as i64)..=i32::MAX as i64).contains(&v),
        Storage::I64 => true,
        _ => false,
    }
}

/// `= <> < > <= >=`: operands meet in their common type (temporal types converted as
/// basics/comparison says), then compare as integers, or as floats with tolerance.
fn compare(op: Op, x: &K, y: &K, tx: Ty, ty: Ty) -> QResult {
    let c = grid(&FILL, tx, ty).ok_or_else(QError::type_)?;
    match c.storage() {
        Storage::Sym => return cmp_elem::<Sym>(op, x, y),
        Storage::Guid => return cmp_elem::<Guid>(op, x, y),
        _ => {}
    }
    let (x, y) = align_temporal(x, y, tx, ty, c)?;
    let storage = |k: &K| match k {
        K::Vector(v) => v.data.storage(),
        K::Atom(a) => a.ty.storage(),
        _ => Storage::Sym,
    };
    let (sx, sy) = (storage(&x), storage(&y));
    let s = if sx == sy {
        sx
    } else if is_float(sx) || is_float(sy) {
        Storage::F64
    } else {
        // An integer atom against an integer vector: compare in the vector's width when the
        // atom fits, so the column is read in place.
        match (&*x, &*y) {
            (K::Vector(_), K::Atom(_)) if y.as_i64().is_some_and(|v| fits(v, sx)) => sx,
            (K::Atom(_), K::Vector(_)) if x.as_i64().is_some_and(|v| fits(v, sy)) => sy,
            _ => Storage::I64,
        }
    };
    with_num!(s, T, cmp_in::<T>(op, &x, &y))
}

fn cmp_in<T: Num>(op: Op, x: &K, y: &K) -> QResult {
    let (a, b) = (num_arg::<T>(x)?, num_arg::<T>(y)?);
    let out = match op {
        Op::Eq => zip(&a, &b, |p, q| T::qeq(p, q) as u8)?,
        Op::Ne => zip(&a, &b, |p, q| !T::qeq(p, q) as u8)?,
        Op::Lt => zip(&a, &b, |p, q| T::qlt(p, q) as u8)?,
        Op::Gt => zip(&a, &b, |p, q| T::qlt(q, p) as u8)?,
        Op::Le => zip(&a, &b, |p, q| !T::qlt(q, p) as u8)?,
        Op::Ge => zip(&a, &b, |p, q| !T::qlt(p, q) as u8)?,
        _ => return Err(QError::type_()),
    };
    Ok(finish(out, Ty::Bool))
}

/// Comparison of symbols (lexical) or guids (bytewise).
fn cmp_elem<T: Elem + PartialOrd>(op: Op, x: &K, y: &K) -> QResult {
    let (a, b) = (elem_arg::<T>(x)?, elem_arg::<T>(y)?);
    let out = match op {
        Op::Eq => zip(&a, &b, |p, q| (p == q) as u8)?,
        Op::Ne => zip(&a, &b, |p, q| (p != q) as u8)?,
        Op::Lt => zip(&a, &b, |p, q| (p < q) as u8)?,
        Op::Gt => zip(&a, &b, |p, q| (p > q) as u8)?,
        Op::Le => zip(&a, &b, |p, q| (p <= q) as u8)?,
        Op::Ge => zip(&a, &b, |p, q| (p >= q) as u8)?,
        _ => return Err(QError::type_()),
    };
    Ok(finish(out, Ty::Bool))
}

// ---------------------------------------------------------------------------------------
// Atomic extension over lists, dictionaries and tables
// ---------------------------------------------------------------------------------------

fn is_list(k: &K) -> bool {
    matches!(k, K::List(_) | K::Vector(_) | K::Enum(_))
}

fn is_enum(k: &K) -> bool {
    matches!(k, K::Enum(_) | K::EnumAtom(..))
}

fn with_vals(d: &Dict, vals: K) -> K {
    K::Dict(Arc::new(Dict {
        keys: d.keys.clone(),
        vals,
        sorted: d.sorted,
    }))
}

fn map_cols(t: &Table, f: impl Fn(&K) -> QResult) -> QResult {
    let cols = t.cols.iter().map(f).collect::<QResult<Vec<K>>>()?;
    Ok(K::Table(Arc::new(Table {
        attr: Attr::None,
        names: t.names.clone(),
        cols,
    })))
}

/// Apply a binary atomic operation with q's implicit iteration.
fn dyad(op: Op, x: &K, y: &K) -> QResult {
    match (x, y) {
        (K::Atom(_) | K::Vector(_), K::Atom(_) | K::Vector(_)) => simple(op, x, y),
        (K::Dict(a), K::Dict(b)) => dict_dict(op, a, b),
        (K::Table(t), K::Dict(d)) if !is_keyed(d) => table_dict(op, t, d, false),
        (K::Dict(d), K::Table(t)) if !is_keyed(d) => table_dict(op, t, d, true),
        (K::Dict(d), _) => Ok(with_vals(d, dyad(op, &d.vals, y)?)),
        (_, K::Dict(d)) => Ok(with_vals(d, dyad(op, x, &d.vals)?)),
        (K::Table(a), K::Table(b)) => table_table(op, a, b),
        (K::Table(t), _) => map_cols(t, |c| dyad(op, c, y)),
        (_, K::Table(t)) => map_cols(t, |c| dyad(op, x, c)),
        (K::EnumAtom(..) | K::Enum(_), K::EnumAtom(..) | K::Enum(_)) => enum_enum(op, x, y),
        // An enumeration against anything but a general list needs its domain; say so
        // once rather than item by item.
        _ if (is_enum(x) && !matches!(y, K::List(_)))
            || (is_enum(y) && !matches!(x, K::List(_))) =>
        {
            Err(if op.is_cmp() {
                QError::nyi()
            } else {
                QError::type_()
            })
        }
        _ if is_list(x) || is_list(y) => each2(op, x, y),
        _ => Err(QError::type_()),
    }
}

/// Item by item over general lists (and a vector or atom met by a general list).
fn each2(op: Op, x: &K, y: &K) -> QResult {
    let out = match (is_list(x), is_list(y)) {
        (true, true) => {
            if x.len() != y.len() {
                return Err(QError::length());
            }
            items(x)
                .iter()
                .zip(items(y).iter())
                .map(|(a, b)| dyad(op, a, b))
                .collect::<QResult<Vec<K>>>()?
        }
        (true, false) => items(x)
            .iter()
            .map(|a| dyad(op, a, y))
            .collect::<QResult<Vec<K>>>()?,
        (false, true) => items(y)
            .iter()
            .map(|b| dyad(op, x, b))
            .collect::<QResult<Vec<K>>>()?,
        (false, false) => return Err(QError::type_()),
    };
    Ok(from_items(out))
}

/// Enumerations over one domain compare for (in)equality by index.
fn enum_enum(op: Op, x: &K, y: &K) -> QResult {
    let as_idx = |k: &K| match k {
        K::EnumAtom(d, i) => Some((*d, K::long(*i))),
        K::Enum(e) => Some((
            e.domain,
            K::Vector(Vector::new(Ty::Long, Data::I64(e.idx.clone()))),
        )),
        _ => None,
    };
    match (op, as_idx(x), as_idx(y)) {
        (Op::Eq | Op::Ne, Some((dx, a)), Some((dy, b))) if dx == dy => simple(op, &a, &b),
        _ if op.is_cmp() => Err(QError::nyi()),
        _ => Err(QError::type_()),
    }
}

/// What a key present only in `y` contributes: its value, negated for `-` (q subtracts by
/// adding the negation).
fn y_only(op: Op, v: &K) -> QResult {
    if op == Op::Sub {
        neg(v)
    } else {
        Ok(v.clone())
    }
}

fn hash_scalar(s: &Scalar, h: &mut FxHasher) {
    let canon = |f: f64| {
        if f.is_nan() {
            null::F_BITS
        } else if f == 0.0 {
            0
        } else {
            f.to_bits()
        }
    };
    match *s {
        Scalar::U8(x) => h.write_u8(x),
        Scalar::Guid(g) => h.write(&g),
        Scalar::I16(x) => h.write_u64(x as u64),
        Scalar::I32(x) => h.write_u64(x as u64),
        Scalar::I64(x) => h.write_u64(x as u64),
        Scalar::F32(x) => h.write_u64(canon(x as f64)),
        Scalar::F64(x) => h.write_u64(canon(x)),
        Scalar::Sym(s) => s.hash(h),
    }
}

/// A hash consistent with `K`'s match equality, for lining up dictionary keys.
fn hash_k(k: &K, h: &mut FxHasher) {
    match k {
        K::Atom(a) => {
            h.write_u8(a.ty as u8);
            hash_scalar(&a.v, h);
        }
        K::Vector(v) => {
            h.write_u8(100 + v.ty as u8);
            h.write_usize(v.len());
            for i in 0..v.len() {
                hash_scalar(&v.data.get(i), h);
            }
        }
        K::List(l) => {
            h.write_u8(0);
            for x in l.items.iter() {
                hash_k(x, h);
            }
        }
        K::Dict(d) => {
            h.write_u8(99);
            hash_k(&d.keys, h);
            hash_k(&d.vals, h);
        }
        K::Table(t) => {
            h.write_u8(98);
            for c in &t.cols {
                hash_k(c, h);
            }
        }
        K::EnumAtom(d, i) => {
            d.hash(h);
            h.write_u64(*i as u64);
        }
        _ => h.write_u8(255),
    }
}

/// Where the keys of `y` sit among the keys of `x`.
struct Align {
    /// Positions in `x` of keys also in `y` ...
    xi: Vec<usize>,
    /// ... and the matching positions in `y`.
    yj: Vec<usize>,
    /// Positions in `y` of keys not in `x`, in order.
    yonly: Vec<usize>,
}

fn align(xk: &[K], yk: &[K]) -> Align {
    let key = |k: &K| {
        let mut h = FxHasher::default();
        hash_k(k, &mut h);
        h.finish()
    };
    let mut at: HashMap<u64, Vec<usize>, BuildHasherDefault<FxHasher>> = HashMap::default();
    for (i, k) in xk.iter().enumerate() {
        at.entry(key(k)).or_default().push(i);
    }
    let mut al = Align {
        xi: Vec::new(),
        yj: Vec::new(),
        yonly: Vec::new(),
    };
    for (j, k) in yk.iter().enumerate() {
        let hit = at
            .get(&key(k))
            .and_then(|b| b.iter().copied().find(|&i| xk.get(i) == Some(k)));
        match hit {
            Some(i) => {
                al.xi.push(i);
                al.yj.push(j);
            }
            None => al.yonly.push(j),
        }
    }
    al
}

/// The null that fills a column's missing cells.
fn null_like(col: &K) -> K {
    match col {
        K::Vector(v) => null_atom(v.ty),
        _ => empty_list(),
    }
}

/// `x` followed by the items of `y` at `idx` (rows, for tables).
fn append_rows(x: &K, y: &K, idx: &[usize]) -> QResult {
    if idx.is_empty() {
        return Ok(x.clone());
    }
    if let (K::Table(a), K::Table(b)) = (x, y) {
        let cols = a
            .names
            .iter()
            .zip(&a.cols)
            .map(|(&n, c)| {
                let extra = match b.col(n) {
                    Some(bc) => pick(bc, idx),
                    None => vec![null_like(c); idx.len()],
                };
                let mut all = items(c);
                all.extend(extra);
                from_items(all)
            })
            .collect();
        return Ok(K::table(a.names.as_ref().clone(), cols));
    }
    let mut all = items(x);
    all.extend(pick(y, idx));
    Ok(from_items(all))
}

/// The items of `k` at `idx` (positions come from an alignment over the same values).
fn pick(k: &K, idx: &[usize]) -> Vec<K> {
    let all = items(k);
    idx.iter().filter_map(|&i| all.get(i).cloned()).collect()
}

/// Values of `x` with those at common keys combined with `y`'s, then `y`'s values for
/// keys `x` lacks.
fn combine(op: Op, xv: &K, yv: &K, al: &Align) -> QResult {
    let mut out = items(xv);
    let ys = items(yv);
    if !al.xi.is_empty() {
        let xs = from_items(pick(xv, &al.xi));
        let common = dyad(op, &xs, &from_items(pick(yv, &al.yj)))?;
        for (&i, c) in al.xi.iter().zip(items(&common)) {
            if let Some(slot) = out.get_mut(i) {
                *slot = c;
            }
        }
    }
    for &j in &al.yonly {
        if let Some(v) = ys.get(j) {
            out.push(y_only(op, v)?);
        }
    }
    Ok(from_items(out))
}

/// Value tables of two keyed tables, column by column; cells with no source are null.
fn combine_tables(op: Op, xt: &Table, yt: &Table, al: &Align) -> QResult {
    let nx = xt.rows();
    let mut names: Vec<Sym> = xt.names.as_ref().clone();
    names.extend(yt.names.iter().filter(|n| !xt.names.contains(n)));
    let mut cols = Vec::with_capacity(names.len());
    for &n in &names {
        cols.push(match (xt.col(n), yt.col(n)) {
            (Some(xc), Some(yc)) => combine(op, xc, yc, al)?,
            (Some(xc), None) => {
                let mut all = items(xc);
                all.extend(std::iter::repeat_n(null_like(xc), al.yonly.len()));
                from_items(all)
            }
            (None, Some(yc)) => {
                let ys = items(yc);
                let mut all = vec![null_like(yc); nx];
                for (&i, &j) in al.xi.iter().zip(&al.yj) {
                    if let (Some(slot), Some(v)) = (all.get_mut(i), ys.get(j)) {
                        *slot = y_only(op, v)?;
                    }
                }
                for &j in &al.yonly {
                    if let Some(v) = ys.get(j) {
                        all.push(y_only(op, v)?);
                    }
                }
                from_items(all)
            }
            (None, None) => return Err(QError::type_()),
        });
    }
    Ok(K::table(names, cols))
}

/// Two dictionaries (or keyed tables): values at common keys combine; keys in only one
/// keep their value (upsert semantics).
fn dict_dict(op: Op, a: &Dict, b: &Dict) -> QResult {
    if a.keys == b.keys {
        return Ok(with_vals(a, dyad(op, &a.vals, &b.vals)?));
    }
    let (xk, yk) = (items(&a.keys), items(&b.keys));
    if a.vals.len() != xk.len() || b.vals.len() != yk.len() {
        return Err(QError::length());
    }
    let al = align(&xk, &yk);
    let keys = append_rows(&a.keys, &b.keys, &al.yonly)?;
    let vals = match (&a.vals, &b.vals) {
        (K::Table(xt), K::Table(yt)) => combine_tables(op, xt, yt, &al)?,
        _ => combine(op, &a.vals, &b.vals, &al)?,
    };
    Ok(K::dict(keys, vals))
}

/// Two tables, column by column by name; columns in only one are kept.
fn table_table(op: Op, a: &Table, b: &Table) -> QResult {
    if a.rows() != b.rows() {
        return Err(QError::length());
    }
    let mut names: Vec<Sym> = a.names.as_ref().clone();
    names.extend(b.names.iter().filter(|n| !a.names.contains(n)));
    let cols = names
        .iter()
        .map(|&n| match (a.col(n), b.col(n)) {
            (Some(x), Some(y)) => dyad(op, x, y),
            (Some(x), None) => Ok(x.clone()),
            (None, Some(y)) => y_only(op, y),
            (None, None) => Err(QError::type_()),
        })
        .collect::<QResult<Vec<K>>>()?;
    Ok(K::table(names, cols))
}

/// A table met by a dictionary: each row (a dictionary) with the dictionary.
fn table_dict(op: Op, t: &Table, d: &Dict, dict_first: bool) -> QResult {
    let keys: Vec<Sym> = match &d.keys {
        K::Vector(Vector {
            data: Data::Sym(s), ..
        }) => s.as_ref().clone(),
        _ => return Err(QError::type_()),
    };
    let vals = items(&d.vals);
    let rows = t.rows();
    let apply = |c: &K, v: &K| {
        if dict_first {
            dyad(op, v, c)
        } else {
            dyad(op, c, v)
        }
    };
    let mut names: Vec<Sym> = t.names.as_ref().clone();
    names.extend(keys.iter().filter(|n| !t.names.contains(n)));
    let cols = names
        .iter()
        .map(|&n| {
            let v = keys.iter().position(|&k| k == n).and_then(|i| vals.get(i));
            match (t.col(n), v) {
                (Some(c), Some(v)) if v.is_atom() => apply(c, v),
                (Some(c), Some(v)) => Ok(from_items(
                    items(c)
                        .iter()
                        .map(|ci| apply(ci, v))
                        .collect::<QResult<Vec<K>>>()?,
                )),
                (Some(c), None) => Ok(c.clone()),
                (None, Some(v)) => {
                    let v = if dict_first {
                        v.clone()
                    } else {
                        y_only(op, v)?
                    };
                    Ok(from_items(vec![v; rows]))
                }
                (None, None) => Err(QError::type_()),
            }
        })
        .collect::<QResult<Vec<K>>>()?;
    Ok(K::table(names, cols))
}

/// `div`, `mod`, `xbar` and `xexp` extend to dictionaries and keyed tables but not to
/// simple tables (basics/math).
fn no_tables(x: &K, y: &K) -> QResult<()> {
    if matches!(x, K::Table(_)) || matches!(y, K::Table(_)) {
        Err(QError::type_())
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Unary kernels
// ---------------------------------------------------------------------------------------

/// The unary atomic operations.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum M {
    Neg,
    Abs,
    Signum,
    Recip,
    Sqrt,
    Exp,
    Log,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Floor,
    Ceiling,
    Not,
    Null,
}

/// Apply a unary atomic operation with q's implicit iteration.
fn monad(m: M, x: &K) -> QResult {
    match x {
        K::Atom(_) | K::Vector(_) => simple1(m, x),
        K::List(l) => Ok(from_items(
            l.items
                .iter()
                .map(|i| monad(m, i))
                .collect::<QResult<Vec<K>>>()?,
        )),
        K::Dict(d) => Ok(with_vals(d, monad(m, &d.vals)?)),
        K::Table(t) => map_cols(t, |c| monad(m, c)),
        // Enumerations are never null (ref/null).
        K::EnumAtom(..) if m == M::Null => Ok(K::bool(false)),
        K::Enum(e) if m == M::Null => Ok(K::bools(vec![false; e.idx.len()])),
        _ if m == M::Null && x.is_null() => Ok(K::bool(true)),
        _ => Err(QError::type_()),
    }
}

fn simple1(m: M, x: &K) -> QResult {
    use Ty::*;
    let t = sty(x).ok_or_else(QError::type_)?;
    match m {
        M::Null => null_of(x, t),
        M::Not => {
            if t == Sym {
                return Err(QError::type_());
            }
            if t == Guid {
                let a = elem_arg::<qipc::Guid>(x)?;
                return Ok(finish(map1(&a, |g| (g == [0; 16]) as u8), Bool));
            }
            with_num!(t.storage(), T, {
                let a = num_arg::<T>(x)?;
                Ok(finish(map1(&a, |v| (v == T::ZERO) as u8), Bool))
            })
        }
        _ if textual(t) && m != M::Floor => Err(QError::type_()),
        M::Neg | M::Abs => {
            let r = match t {
                Bool | Byte | Char => Int,
                _ => t,
            };
            with_num!(r.storage(), T, {
                let a = num_arg::<T>(x)?;
                let f = if m == M::Neg { T::qneg } else { T::qabs };
                Ok(finish(map1(&a, f), r))
            })
        }
        M::Signum => with_num!(t.storage(), S, {
            let a = num_arg::<S>(x)?;
            Ok(finish(map1(&a, S::qsignum), Int))
        }),
        M::Floor => match t {
            Short | Int | Long => Ok(x.clone()),
            Real | Float => {
                let a = num_arg::<f64>(x)?;
                Ok(finish(map1(&a, |v| i64::from_f64(v.floor())), Long))
            }
            // floor lower-cases text (`lower` is built on it).
            Char => {
                let a = elem_arg::<u8>(x)?;
                Ok(finish(map1(&a, |c| c.to_ascii_lowercase()), Char))
            }
            Sym => {
                let a = elem_arg::<qipc::Sym>(x)?;
                Ok(finish(
                    map1(&a, |s| qipc::Sym::new(&s.as_bytes().to_ascii_lowercase())),
                    Sym,
                ))
            }
            _ => Err(QError::type_()),
        },
        M::Ceiling => match t {
            Bool | Byte | Char => {
                let a = num_arg::<i32>(x)?;
                Ok(finish(map1(&a, |v| v), Int))
            }
            Short | Int | Long => Ok(x.clone()),
            Real | Float => {
                let a = num_arg::<f64>(x)?;
                Ok(finish(map1(&a, |v| i64::from_f64(v.ceil())), Long))
            }
            _ => Err(QError::type_()),
        },
        _ => float_fn(m, x, t),
    }
}

/// `reciprocal sqrt exp log sin cos tan asin acos atan`: float results (datetimes stay
/// datetimes, and reciprocal keeps timestamps), computed on the underlying values.
fn float_fn(m: M, x: &K, t: Ty) -> QResult {
    let r = match (m, t) {
        (_, Ty::Datetime) => Ty::Datetime,
        (M::Recip, Ty::Timestamp) => Ty::Timestamp,
        _ => Ty::Float,
    };
    if m == M::Log && t == Ty::Datetime {
        // ref/log: "a datetime, returns x".
        return Ok(x.clone());
    }
    let a = num_arg::<f64>(x)?;
    let out = match m {
        M::Recip => map1(&a, |v| 1.0 / v),
        M::Sqrt => map1(&a, f64::sqrt),
        M::Exp => map1(&a, f64::exp),
        M::Log => map1(&a, f64::ln),
        M::Sin => map1(&a, f64::sin),
        M::Cos => map1(&a, f64::cos),
        M::Tan => map1(&a, f64::tan),
        M::Asin => map1(&a, f64::asin),
        M::Acos => map1(&a, f64::acos),
        M::Atan => map1(&a, f64::atan),
        _ => return Err(QError::type_()),
    };
    finish_cast(out, r)
}

fn null_of(x: &K, t: Ty) -> QResult {
    let out = match t.storage() {
        Storage::Guid => map1(&elem_arg::<Guid>(x)?, |g| (g == [0; 16]) as u8),
        Storage::Sym => map1(&elem_arg::<Sym>(x)?, |s| s.is_null() as u8),
        Storage::U8 if t == Ty::Char => map1(&elem_arg::<u8>(x)?, |c| (c == null::C) as u8),
        s => with_num!(s, T, Ok(map1(&num_arg::<T>(x)?, |v| v.is_null() as u8)))?,
    };
    Ok(finish(out, Ty::Bool))
}

// ---------------------------------------------------------------------------------------
// The primitives
// ---------------------------------------------------------------------------------------

/// `x+y`
pub fn add(x: &K, y: &K) -> QResult {
    dyad(Op::Add, x, y)
}
/// `x-y`
pub fn sub(x: &K, y: &K) -> QResult {
    dyad(Op::Sub, x, y)
}
/// `x*y`
pub fn mul(x: &K, y: &K) -> QResult {
    dyad(Op::Mul, x, y)
}
/// `x%y`: always float.
pub fn div_f(x: &K, y: &K) -> QResult {
    dyad(Op::Div, x, y)
}
/// `x&y`, `x and y`
pub fn min2(x: &K, y: &K) -> QResult {
    dyad(Op::Min, x, y)
}
/// `x|y`, `x or y`
pub fn max2(x: &K, y: &K) -> QResult {
    dyad(Op::Max, x, y)
}
/// `x=y`
pub fn eq(x: &K, y: &K) -> QResult {
    dyad(Op::Eq, x, y)
}
/// `x<>y`
pub fn ne(x: &K, y: &K) -> QResult {
    dyad(Op::Ne, x, y)
}
/// `x<y`
pub fn lt(x: &K, y: &K) -> QResult {
    dyad(Op::Lt, x, y)
}
/// `x>y`
pub fn gt(x: &K, y: &K) -> QResult {
    dyad(Op::Gt, x, y)
}
/// `x<=y`
pub fn le(x: &K, y: &K) -> QResult {
    dyad(Op::Le, x, y)
}
/// `x>=y`
pub fn ge(x: &K, y: &K) -> QResult {
    dyad(Op::Ge, x, y)
}
/// `x^y`: `y` with its nulls replaced by `x`.
pub fn fill(x: &K, y: &K) -> QResult {
    dyad(Op::Fill, x, y)
}
/// `x div y`: `floor x%y`, typed after `x`.
pub fn div(x: &K, y: &K) -> QResult {
    no_tables(x, y)?;
    dyad(Op::IDiv, x, y)
}
/// `x mod y`: remainder with the sign of `y`.
pub fn modulo(x: &K, y: &K) -> QResult {
    no_tables(x, y)?;
    dyad(Op::Mod, x, y)
}
/// `x xexp y`: `exp y*log x`.
pub fn xexp(x: &K, y: &K) -> QResult {
    no_tables(x, y)?;
    dyad(Op::Xexp, x, y)
}
/// `x xlog y`: base-`x` logarithm of `y`.
pub fn xlog(x: &K, y: &K) -> QResult {
    dyad(Op::Xlog, x, y)
}

/// A timespan width as a long (q's `xbar` does this before dividing).
fn span_as_long(x: &K) -> QResult {
    Ok(match x {
        K::Atom(_) | K::Vector(_) if sty(x) == Some(Ty::Timespan) => retype(x, Ty::Long),
        K::List(l) => K::list(
            l.items
                .iter()
                .map(span_as_long)
                .collect::<QResult<Vec<K>>>()?,
        ),
        K::Dict(d) => with_vals(d, span_as_long(&d.vals)?),
        _ => x.clone(),
    })
}

/// One pass of `x*y div x` for a positive integer width over a vector held in the same
/// storage as the result.
fn bar_in<T: Num>(w: T, ys: &[T], r: Ty, f: impl Fn(T, T) -> T + Sync) -> K {
    finish(Out::V(super::par::map_items(ys, |v| f(v, w))), r)
}

/// The common `xbar` of a width atom over a long/int-held or float vector, in one pass.
fn xbar_fast(x: &K, y: &K) -> Option<K> {
    let (K::Atom(w), K::Vector(v)) = (x, y) else {
        return None;
    };
    let r = result_type(Op::Mul, w.ty, div_type(v.ty, w.ty)?)?;
    if r != v.ty {
        return None;
    }
    match (&v.data, x.as_i64()) {
        (Data::I64(ys), Some(n)) if n > 0 => Some(bar_in(n, ys, r, |v, n| {
            if v == null::J {
                null::J
            } else {
                v.wrapping_sub(v.rem_euclid(n))
            }
        })),
        (Data::I32(ys), Some(n)) if n > 0 && n <= i32::MAX as i64 => {
            Some(bar_in(n as i32, ys, r, |v, n| {
                if v == null::I {
                    null::I
                } else {
                    v.wrapping_sub(v.rem_euclid(n))
                }
            }))
        }
        (Data::F64(ys), _) => {
            let n = match w.v {
                Scalar::F64(f) => f,
                _ => x.as_i64().filter(|&n| n != null::J)? as f64,
            };
            Some(bar_in(n, ys, r, |v, n| (v / n).floor() * n))
        }
        _ => None,
    }
}

/// `x xbar y`: `y` rounded down to a multiple of `x`, defined as `x*y div x` with a
/// timespan `x` taken as a long.
pub fn xbar(x: &K, y: &K) -> QResult {
    no_tables(x, y)?;
    let w = span_as_long(x)?;
    if let Some(r) = xbar_fast(&w, y) {
        return Ok(r);
    }
    mul(&w, &div(y, &w)?)
}

/// `neg x`
pub fn neg(x: &K) -> QResult {
    monad(M::Neg, x)
}
/// `abs x`
pub fn abs(x: &K) -> QResult {
    monad(M::Abs, x)
}
/// `signum x`: -1, 0 or 1 as ints; null is -1.
pub fn signum(x: &K) -> QResult {
    monad(M::Signum, x)
}
/// `reciprocal x`
pub fn reciprocal(x: &K) -> QResult {
    monad(M::Recip, x)
}
/// `sqrt x`
pub fn sqrt(x: &K) -> QResult {
    monad(M::Sqrt, x)
}
/// `exp x`
pub fn exp(x: &K) -> QResult {
    monad(M::Exp, x)
}
/// `log x`
pub fn log(x: &K) -> QResult {
    monad(M::Log, x)
}
/// `sin x`
pub fn sin(x: &K) -> QResult {
    monad(M::Sin, x)
}
/// `cos x`
pub fn cos(x: &K) -> QResult {
    monad(M::Cos, x)
}
/// `tan x`
pub fn tan(x: &K) -> QResult {
    monad(M::Tan, x)
}
/// `asin x`
pub fn asin(x: &K) -> QResult {
    monad(M::Asin, x)
}
/// `acos x`
pub fn acos(x: &K) -> QResult {
    monad(M::Acos, x)
}
/// `atan x`
pub fn atan(x: &K) -> QResult {
    monad(M::Atan, x)
}
/// `floor x`: long for floats; lower case for chars and symbols.
pub fn floor(x: &K) -> QResult {
    monad(M::Floor, x)
}
/// `ceiling x`
pub fn ceiling(x: &K) -> QResult {
    monad(M::Ceiling, x)
}
/// `not x`: `1b` where the underlying value is zero.
pub fn not(x: &K) -> QResult {
    monad(M::Not, x)
}
/// `null x`
pub fn null(x: &K) -> QResult {
    monad(M::Null, x)
}

/// Keyword monads of this family.
pub const MONADS: &[(&str, Monad)] = &[
    ("neg", neg),
    ("abs", abs),
    ("signum", signum),
    ("reciprocal", reciprocal),
    ("sqrt", sqrt),
    ("exp", exp),
    ("log", log),
    ("sin", sin),
    ("cos", cos),
    ("tan", tan),
    ("asin", asin),
    ("acos", acos),
    ("atan", atan),
    ("floor", floor),
    ("ceiling", ceiling),
    ("not", not),
    ("null", null),
];

/// Glyph and keyword dyads of this family.
pub const DYADS: &[(&str, Dyad)] = &[
    ("+", add),
    ("-", sub),
    ("*", mul),
    ("%", div_f),
    ("&", min2),
    ("|", max2),
    ("=", eq),
    ("<>", ne),
    ("<", lt),
    (">", gt),
    ("<=", le),
    (">=", ge),
    ("^", fill),
    ("div", div),
    ("mod", modulo),
    ("xbar", xbar),
    ("xexp", xexp),
    ("xlog", xlog),
    ("and", min2),
    ("or", max2),
];

// ---------------------------------------------------------------------------------------
// A column against a constant, stretch by stretch (qSQL where phrases)
// ---------------------------------------------------------------------------------------

/// `col op c` for a simple vector `col` and an atom `c`, prepared once and then run over
/// any stretch of the column: qSQL's where fast path evaluates stretches on several threads
/// and ANDs them into one mask. Only built where [`compare`] would read the column in place
/// (no temporal conversion, the atom converted to the column's storage), so every item's
/// answer is the dyad's.
pub struct ColCmp<'a> {
    op: Op,
    col: ColArg<'a>,
}

enum ColArg<'a> {
    U8(&'a [u8], u8),
    I16(&'a [i16], i16),
    I32(&'a [i32], i32),
    I64(&'a [i64], i64),
    F32(&'a [f32], f32),
    F64(&'a [f64], f64),
    /// A finite float constant as the interval of floats within tolerance of it.
    F64Tol(&'a [f64], f64, f64),
    Sym(&'a [Sym], Sym),
}

/// `[lo, hi]`: the floats within comparison tolerance of a finite `c`. Tolerance makes
/// `x > c` into `x > hi`, `x = c` into `lo <= x <= hi` and so on (a NaN, q's null, is below
/// everything), one plain comparison per item. Near the edges `x - c` is exact (Sterbenz)
/// and the tolerance a power of two, so [`near`] is monotone on each side of `c` and the
/// walk outwards finds the exact edges.
fn near_interval(c: f64) -> Option<(f64, f64)> {
    if !c.is_finite() {
        return None;
    }
    // 2^-43 relative is about 2^9 units in the last place either side.
    const STEPS: usize = 1 << 12;
    let mut hi = c;
    let mut lo = c;
    for _ in 0..STEPS {
        let up = hi.next_up();
        if !near(c, up) {
            break;
        }
        hi = up;
    }
    for _ in 0..STEPS {
        let down = lo.next_down();
        if !near(c, down) {
            break;
        }
        lo = down;
    }
    (near(c, lo) && near(c, hi) && !near(c, hi.next_up()) && !near(c, lo.next_down()))
        .then_some((lo, hi))
}

fn num_atom<T: Num>(c: &K) -> Option<T> {
    match num_arg::<T>(c).ok()? {
        Arg::A(x) => Some(x),
        Arg::V(_) => None,
    }
}

/// Prepare `col op c` (`op` one of `= <> < > <= >=`); `None` when the shape needs the
/// general dyad (which also raises its errors).
pub fn col_cmp<'a>(glyph: &str, col: &'a K, c: &K) -> Option<ColCmp<'a>> {
    let op = match glyph {
        "=" => Op::Eq,
        "<>" => Op::Ne,
        "<" => Op::Lt,
        ">" => Op::Gt,
        "<=" => Op::Le,
        ">=" => Op::Ge,
        _ => return None,
    };
    let (K::Vector(v), K::Atom(a)) = (col, c) else {
        return None;
    };
    let (tx, ty) = (v.ty, a.ty);
    let common = grid(&FILL, tx, ty)?;
    match (common.storage(), &v.data, a.v) {
        (Storage::Sym, Data::Sym(d), Scalar::Sym(s)) => {
            return Some(ColCmp {
                op,
                col: ColArg::Sym(d, s),
            })
        }
        (Storage::Sym | Storage::Guid, _, _) => return None,
        _ => {}
    }
    if tx.is_temporal() && ty.is_temporal() && tx != ty {
        return None;
    }
    let sx = v.data.storage();
    let sy = a.ty.storage();
    // The storage `compare` would pick; the column must be read in place.
    let s = if sx == sy {
        sx
    } else if is_float(sx) || is_float(sy) {
        Storage::F64
    } else if c.as_i64().is_some_and(|x| fits(x, sx)) {
        sx
    } else {
        Storage::I64
    };
    if s != sx {
        return None;
    }
    let col = match &v.data {
        Data::U8(d) => ColArg::U8(d, num_atom(c)?),
        Data::I16(d) => ColArg::I16(d, num_atom(c)?),
        Data::I32(d) => ColArg::I32(d, num_atom(c)?),
        Data::I64(d) => ColArg::I64(d, num_atom(c)?),
        Data::F32(d) => ColArg::F32(d, num_atom(c)?),
        Data::F64(d) => {
            let c: f64 = num_atom(c)?;
            match near_interval(c) {
                Some((lo, hi)) => ColArg::F64Tol(d, lo, hi),
                None => ColArg::F64(d, c),
            }
        }
        Data::Sym(_) | Data::Guid(_) => return None,
    };
    Some(ColCmp { op, col })
}

impl ColCmp<'_> {
    /// The offsets `j` in `0..len` whose item `col[start+j]` passes, written to the front
    /// of `out` (at least `len` long); their count.
    pub fn first(&self, start: usize, len: usize, out: &mut [u32]) -> usize {
        self.run(start, out, None, len)
    }

    /// Keep, in order, the offsets among `rows[..n]` whose items pass; their count.
    pub fn refine(&self, start: usize, rows: &mut [u32], n: usize) -> usize {
        self.run(start, rows, Some(n), n)
    }

    fn run(&self, start: usize, rows: &mut [u32], n: Option<usize>, len: usize) -> usize {
        match &self.col {
            ColArg::U8(d, c) => sel_num(self.op, d, *c, start, rows, n, len),
            ColArg::I16(d, c) => sel_num(self.op, d, *c, start, rows, n, len),
            ColArg::I32(d, c) => sel_num(self.op, d, *c, start, rows, n, len),
            ColArg::I64(d, c) => sel_num(self.op, d, *c, start, rows, n, len),
            ColArg::F32(d, c) => sel_num(self.op, d, *c, start, rows, n, len),
            ColArg::F64(d, c) => sel_num(self.op, d, *c, start, rows, n, len),
            ColArg::F64Tol(d, lo, hi) => {
                let (lo, hi) = (*lo, *hi);
                match self.op {
                    Op::Eq => select(d, start, rows, n, len, |x| (lo..=hi).contains(&x)),
                    Op::Ne => select(d, start, rows, n, len, |x| !(lo..=hi).contains(&x)),
                    Op::Gt => select(d, start, rows, n, len, |x| x > hi),
                    Op::Ge => select(d, start, rows, n, len, |x| x >= lo),
                    Op::Lt => select(d, start, rows, n, len, |x| x.is_nan() || x < lo),
                    _ => select(d, start, rows, n, len, |x| x.is_nan() || x <= hi),
                }
            }
            ColArg::Sym(d, c) => {
                let c = *c;
                match self.op {
                    Op::Eq => select(d, start, rows, n, len, |x| x == c),
                    Op::Ne => select(d, start, rows, n, len, |x| x != c),
                    Op::Lt => select(d, start, rows, n, len, |x| x < c),
                    Op::Gt => select(d, start, rows, n, len, |x| x > c),
                    Op::Le => select(d, start, rows, n, len, |x| x <= c),
                    _ => select(d, start, rows, n, len, |x| x >= c),
                }
            }
        }
    }
}

/// Offsets (relative to `start`) of the items passing `keep`: all of `0..len` when `n` is
/// `None`, else those in `rows[..n]`, compacted to the front of `rows` without branches.
pub fn select<T: Copy>(
    d: &[T],
    start: usize,
    rows: &mut [u32],
    n: Option<usize>,
    len: usize,
    keep: impl Fn(T) -> bool,
) -> usize {
    let d = d.get(start..).unwrap_or(&[]);
    let mut k = 0;
    match n {
        None => {
            let len = len.min(d.len()).min(rows.len());
            for (j, &x) in d[..len].iter().enumerate() {
                rows[k] = j as u32;
                k += keep(x) as usize;
            }
        }
        Some(n) => {
            let n = n.min(rows.len());
            let span = rows[..n].last().map_or(0, |&r| r as usize + 1).min(d.len());
            let per_line = (64 / std::mem::size_of::<T>().max(1)).max(1);
            if span <= DENSE_SPAN && n * 2 * per_line >= span {
                // The rows touch most cache lines of the stretch: testing every item in
                // order streams the stretch in (and vectorises), where reading only the
                // listed items would wait on memory at each line.
                let mut pass = [0u8; DENSE_SPAN];
                for (p, &x) in pass.iter_mut().zip(&d[..span]) {
                    *p = keep(x) as u8;
                }
                for j in 0..n {
                    let r = rows[j];
                    rows[k] = r;
                    k += pass.get(r as usize).copied().unwrap_or(0) as usize;
                }
            } else {
                for j in 0..n {
                    let r = rows[j];
                    rows[k] = r;
                    k += d.get(r as usize).is_some_and(|&x| keep(x)) as usize;
                }
            }
        }
    }
    k
}

/// Longest stretch [`select`] tests item by item when refining a dense row list.
pub const DENSE_SPAN: usize = 4096;

/// One loop per operator, each the same test `cmp_in` makes.
fn sel_num<T: Num>(
    op: Op,
    d: &[T],
    c: T,
    start: usize,
    rows: &mut [u32],
    n: Option<usize>,
    len: usize,
) -> usize {
    match op {
        Op::Eq => select(d, start, rows, n, len, |x| T::qeq(x, c)),
        Op::Ne => select(d, start, rows, n, len, |x| !T::qeq(x, c)),
        Op::Lt => select(d, start, rows, n, len, |x| T::qlt(x, c)),
        Op::Gt => select(d, start, rows, n, len, |x| T::qlt(c, x)),
        Op::Le => select(d, start, rows, n, len, |x| !T::qlt(c, x)),
        _ => select(d, start, rows, n, len, |x| !T::qlt(x, c)),
    }
}

#[cfg(test)]
mod col_cmp_tests {
    use super::*;

    /// The interval form of each comparison gives the dyad's answer, at and around the
    /// tolerance edges, for nulls and infinities.
    #[test]
    fn tolerant_interval_matches_the_dyad() {
        let consts = [
            1.0,
            104.27,
            -3.5,
            0.0,
            1e-300,
            5e-324,
            -1e300,
            123456789.123,
        ];
        for c in consts {
            let (lo, hi) = near_interval(c).expect("finite");
            let mut xs = vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, c, -c, 0.0];
            for edge in [lo, hi] {
                let mut a = edge;
                let mut b = edge;
                for _ in 0..3 {
                    a = a.next_down();
                    b = b.next_up();
                    xs.extend([a, b]);
                }
                xs.push(edge);
            }
            let col = K::floats(xs.clone());
            for (g, op) in [
                ("=", Op::Eq),
                ("<>", Op::Ne),
                ("<", Op::Lt),
                (">", Op::Gt),
                ("<=", Op::Le),
                (">=", Op::Ge),
            ] {
                let cmp = col_cmp(g, &col, &K::float(c)).expect("prepared");
                assert!(matches!(cmp.col, ColArg::F64Tol(..)));
                let mut rows = vec![0u32; xs.len()];
                let k = cmp.first(0, xs.len(), &mut rows);
                let got = &rows[..k];
                let K::Vector(v) = compare(op, &col, &K::float(c), Ty::Float, Ty::Float).unwrap()
                else {
                    panic!("a vector")
                };
                let Data::U8(want) = &v.data else {
                    panic!("booleans")
                };
                let want: Vec<u32> = (0..xs.len() as u32)
                    .filter(|&i| want[i as usize] != 0)
                    .collect();
                assert_eq!(got, &want[..], "{c} {g}");
            }
        }
        assert_eq!(near_interval(f64::NAN), None);
        assert_eq!(near_interval(f64::INFINITY), None);
    }

    /// Refining a row list keeps exactly the listed rows that pass, whether the list is
    /// dense enough to test every item of its stretch or sparse enough to read only its own.
    #[test]
    fn refine_dense_and_sparse_lists() {
        let c = 104.27;
        let (lo, hi) = near_interval(c).expect("finite");
        let xs: Vec<f64> = (0..3000)
            .map(|i| match i % 7 {
                0 => f64::NAN,
                1 => hi,
                2 => hi.next_up(),
                3 => lo,
                4 => lo.next_down(),
                5 => c,
                _ => i as f64 * 0.1,
            })
            .collect();
        let col = K::floats(xs.clone());
        for (g, op) in [("=", Op::Eq), (">", Op::Gt), ("<=", Op::Le), ("<>", Op::Ne)] {
            let cmp = col_cmp(g, &col, &K::float(c)).expect("prepared");
            let K::Vector(v) = compare(op, &col, &K::float(c), Ty::Float, Ty::Float).unwrap()
            else {
                panic!("a vector")
            };
            let Data::U8(pass) = &v.data else {
                panic!("booleans")
            };
            // Every row of a block (dense), every 3rd (dense), every 40th (sparse), and a
            // list reaching past the block the dense test covers.
            for (step, len) in [(1usize, 2048usize), (3, 2048), (40, 2048), (1, 3000)] {
                let listed: Vec<u32> = (0..len as u32).step_by(step).collect();
                let mut rows = listed.clone();
                rows.resize(len, 0);
                let k = cmp.refine(0, &mut rows, listed.len());
                let want: Vec<u32> = listed
                    .iter()
                    .copied()
                    .filter(|&i| pass[i as usize] != 0)
                    .collect();
                assert_eq!(&rows[..k], &want[..], "{g} every {step}");
            }
        }
    }
}

#[cfg(test)]
// Expected values are written as q prints them (digits beyond f64 precision, 7-digit
// constants such as 2.718282), so they read the same as the docs.
#[allow(clippy::excessive_precision, clippy::approx_constant)]
mod tests {
    //! Expected values are q's, mostly the console examples of code.kx.com (the same ones
    //! as ../shared/q-corpus/cases.jsonl), hand-translated into values.
    use super::*;

    fn ok(r: QResult) -> K {
        r.unwrap_or_else(|e| panic!("unexpected {e}"))
    }
    fn err(r: QResult) -> String {
        match r {
            Err(e) => e.msg.to_string(),
            Ok(k) => panic!("expected an error, got {k:?}"),
        }
    }
    fn j(v: i64) -> K {
        K::long(v)
    }
    fn js(v: &[i64]) -> K {
        K::longs(v.to_vec())
    }
    fn is(v: &[i32]) -> K {
        K::ints(v.to_vec())
    }
    fn f(v: f64) -> K {
        K::float(v)
    }
    fn fs(v: &[f64]) -> K {
        K::floats(v.to_vec())
    }
    fn bs(s: &str) -> K {
        K::bools(s.bytes().map(|c| c == b'1').collect())
    }
    fn b(v: bool) -> K {
        K::bool(v)
    }
    fn s(v: &str) -> K {
        K::sym(v)
    }
    fn ss(v: &[&str]) -> K {
        K::syms(v.iter().copied())
    }
    fn l(v: Vec<K>) -> K {
        K::list(v)
    }
    fn table(names: &[&str], cols: Vec<K>) -> K {
        K::table(names.iter().map(|&n| Sym::from(n)).collect(), cols)
    }
    fn date(y: i64, m: i64, d: i64) -> i32 {
        (days_from_civil(y, m, d) - EPOCH_2000) as i32
    }
    fn dt(y: i64, m: i64, d: i64) -> K {
        K::i32_of(Ty::Date, date(y, m, d))
    }
    fn dts(v: &[(i64, i64, i64)]) -> K {
        K::i32s_of(Ty::Date, v.iter().map(|&(y, m, d)| date(y, m, d)).collect())
    }
    fn mon(y: i32, m: i32) -> i32 {
        (y - 2000) * 12 + m - 1
    }
    fn tod(h: i64, m: i64, s: i64) -> i64 {
        (h * 60 + m) * 60 + s
    }
    /// Nanoseconds of a timestamp.
    fn ts(d: (i64, i64, i64), h: i64, m: i64, s: i64, ns: i64) -> i64 {
        date(d.0, d.1, d.2) as i64 * NS_DAY + tod(h, m, s) * 1_000_000_000 + ns
    }
    fn floats_of(k: &K) -> Vec<f64> {
        match k {
            K::Vector(v) => match &v.data {
                Data::F64(x) => x.to_vec(),
                Data::F32(x) => x.iter().map(|&e| e as f64).collect(),
                _ => panic!("not floats: {k:?}"),
            },
            K::Atom(a) => match a.v {
                Scalar::F64(x) => vec![x],
                Scalar::F32(x) => vec![x as f64],
                _ => panic!("not a float: {k:?}"),
            },
            _ => panic!("not floats: {k:?}"),
        }
    }
    /// Floats of type `ty` matching q's 7-digit display of `want`.
    fn close(k: &K, ty: i16, want: &[f64]) {
        assert_eq!(k.ty(), ty, "type of {k:?}");
        let got = floats_of(k);
        assert_eq!(got.len(), want.len(), "{k:?}");
        for (g, w) in got.iter().zip(want) {
            if w.is_nan() {
                assert!(g.is_nan(), "{g} vs null in {k:?}");
            } else if w.is_infinite() {
                assert_eq!(g, w, "{k:?}");
            } else {
                assert!((g - w).abs() <= 1e-6 * w.abs() + 1e-12, "{g} vs {w}");
            }
        }
    }
    /// `d:`a`b!(10 -21 3;4 5 -6)`, `t:flip d`, and `k` keyed on `k:`abc`def`ghi`.
    fn dtk() -> (K, K, K) {
        let (a, bb) = (js(&[10, -21, 3]), js(&[4, 5, -6]));
        let d = K::dict(ss(&["a", "b"]), l(vec![a.clone(), bb.clone()]));
        let t = table(&["a", "b"], vec![a.clone(), bb.clone()]);
        let k = K::dict(
            table(&["k"], vec![ss(&["abc", "def", "ghi"])]),
            table(&["a", "b"], vec![a, bb]),
        );
        (d, t, k)
    }

    #[test]
    fn tables_transcribed_consistently() {
        // q subtracts by adding the negation: x-y has the type of x+neg y.
        let neg_ty = |t: Ty| match t {
            Ty::Bool | Ty::Byte | Ty::Char => Ty::Int,
            t => t,
        };
        for &x in &Ty::ALL {
            for &y in &Ty::ALL {
                assert_eq!(grid(&SUB, x, y), grid(&ADD, x, neg_ty(y)), "{x:?}-{y:?}");
                // Lesser and fill agree except that fill also takes guids and symbols.
                if !textual(x) && !textual(y) {
                    assert_eq!(grid(&MINMAX, x, y), grid(&FILL, x, y));
                }
                // The common type of a pair does not depend on the order.
                assert_eq!(grid(&FILL, x, y), grid(&FILL, y, x), "{x:?}^{y:?}");
            }
        }
        for (i, t) in Ty::ALL.iter().enumerate() {
            assert_eq!(ix(*t), i);
        }
    }

    #[test]
    fn promotion() {
        let t = |x: K, y: K| ok(add(&x, &y)).ty();
        assert_eq!(ok(add(&b(true), &b(true))), K::int(2));
        assert_eq!(ok(add(&K::byte(1), &K::byte(2))), K::int(3));
        assert_eq!(ok(add(&K::short(1), &K::short(1))), K::int(2));
        assert_eq!(ok(add(&K::int(1), &j(55))), j(56));
        assert_eq!(t(K::short(1), j(1)), -7);
        assert_eq!(ok(add(&j(1), &K::real(1.5))), K::real(2.5));
        assert_eq!(t(K::real(1.0), f(1.0)), -9);
        assert_eq!(ok(mul(&fs(&[3.0, 4.0, 5.0]), &f(2.2))).ty(), 9);
        assert_eq!(
            ok(mul(&fs(&[3.3, 4.4, 5.5]), &b(true))),
            fs(&[3.3, 4.4, 5.5])
        );
        assert_eq!(ok(mul(&is(&[2, 3]), &K::short(2))), is(&[4, 6]));
        assert_eq!(ok(sub(&js(&[3, 4, 5]), &j(2))), js(&[1, 2, 3]));
        assert_eq!(ok(sub(&j(55), &K::int(1))).ty(), -7);
        // Chars: only against floats and temporals; `-` takes a char on the right.
        assert_eq!(err(add(&K::char(b'a'), &j(1))), "type");
        assert_eq!(err(add(&j(1), &K::char(b'a'))), "type");
        assert_eq!(ok(add(&f(1.5), &K::char(b'a'))), f(98.5));
        assert_eq!(ok(sub(&j(5), &K::char(b'a'))), j(-92));
        assert_eq!(ok(sub(&b(true), &K::char(b'a'))), K::int(-96));
        assert_eq!(err(sub(&K::char(b'a'), &j(1))), "type");
        assert_eq!(err(mul(&K::string("ab"), &K::string("cd"))), "type");
        // Symbols and guids take no arithmetic.
        assert_eq!(err(add(&s("a"), &j(1))), "type");
        assert_eq!(err(mul(&K::guid([1; 16]), &j(1))), "type");
        assert_eq!(err(div_f(&s("a"), &j(1))), "type");
        // Divide is always float, even for chars.
        close(&ok(div_f(&K::char(b'z'), &K::char(b'a'))), -9, &[1.257732]);
        close(&ok(div_f(&j(2), &j(3))), -9, &[0.6666667]);
        close(
            &ok(div_f(&js(&[0, 1, 2, 3, 4]), &j(2))),
            9,
            &[0.0, 0.5, 1.0, 1.5, 2.0],
        );
    }

    #[test]
    fn overflow_nulls_infinities() {
        // ref/basics datatypes: integer infinities are plain values, nulls are sticky.
        assert_eq!(ok(add(&K::int(i32::MAX), &K::int(5))), K::int(-2147483644));
        assert_eq!(ok(add(&K::int(i32::MAX), &j(5))), j(2147483652));
        let w = ok(add(&j(i64::MAX), &js(&[0, 1, 2])));
        assert_eq!(w, js(&[i64::MAX, i64::MIN, -i64::MAX]));
        assert_eq!(
            ok(add(&j(10), &w)),
            js(&[-9223372036854775799, i64::MIN, -9223372036854775797])
        );
        let mut v = js(&[-i64::MAX, i64::MIN, i64::MAX, 1, 2, 3]);
        for k in [1, -1, -1, 1] {
            v = ok(add(&j(k), &v));
        }
        assert_eq!(v, js(&[i64::MIN, i64::MIN, i64::MIN, 1, 2, 3]));
        assert_eq!(ok(add(&j(i64::MIN), &j(1))), j(i64::MIN));
        assert_eq!(ok(add(&K::int(i32::MIN), &K::int(1))), K::int(i32::MIN));
        assert_eq!(ok(add(&K::short(i16::MIN), &K::short(1))), K::int(i32::MIN));
        assert_eq!(ok(add(&K::int(i32::MIN), &j(1))), j(i64::MIN));
        assert_eq!(ok(mul(&j(i64::MIN), &j(0))), j(i64::MIN));
        assert_eq!(ok(sub(&j(3), &j(i64::MIN))), j(i64::MIN));
        // Floats follow IEEE.
        close(&ok(add(&f(f64::NAN), &j(1))), -9, &[f64::NAN]);
        close(&ok(add(&f(f64::INFINITY), &j(5))), -9, &[f64::INFINITY]);
        close(
            &ok(add(&K::real(f32::INFINITY), &j(5))),
            -8,
            &[f64::INFINITY],
        );
        close(&ok(div_f(&j(i64::MIN), &j(0))), -9, &[f64::NAN]);
        close(&ok(div_f(&b(true), &b(false))), -9, &[f64::INFINITY]);
        close(&ok(div_f(&j(0), &j(0))), -9, &[f64::NAN]);
        close(&ok(div_f(&j(-1), &j(0))), -9, &[f64::NEG_INFINITY]);
        close(&ok(div_f(&K::int(i32::MIN), &j(2))), -9, &[f64::NAN]);
    }

    #[test]
    fn temporal_arithmetic() {
        assert_eq!(
            ok(add(&dt(2017, 12, 31), &js(&[0, 1, 2]))),
            dts(&[(2017, 12, 31), (2018, 1, 1), (2018, 1, 2)])
        );
        assert_eq!(
            ok(add(&dt(2020, 1, 1), &js(&[30, 60, 90, 120]))),
            dts(&[(2020, 1, 31), (2020, 3, 1), (2020, 3, 31), (2020, 4, 30)])
        );
        let time = K::i32_of(Ty::Time, (tod(3, 44, 55) * 1000 + 666) as i32);
        assert_eq!(
            ok(add(&dt(2000, 11, 22), &time)),
            K::i64_of(Ty::Timestamp, ts((2000, 11, 22), 3, 44, 55, 666_000_000))
        );
        assert_eq!(
            ok(sub(&dt(2000, 11, 22), &time)),
            K::i64_of(Ty::Timestamp, ts((2000, 11, 21), 20, 15, 4, 334_000_000))
        );
        assert_eq!(ok(sub(&dt(2000, 3, 1), &dt(2000, 1, 1))), K::int(60));
        let p1 = K::i64_of(Ty::Timestamp, ts((2001, 1, 1), 12, 0, 0, 5));
        let p0 = K::i64_of(Ty::Timestamp, ts((2001, 1, 1), 0, 0, 0, 0));
        let half = K::i64_of(Ty::Timespan, 12 * 3600 * 1_000_000_000 + 5);
        assert_eq!(ok(sub(&p1, &p0)), half);
        assert_eq!(ok(add(&p0, &half)), p1);
        assert_eq!(ok(add(&half, &p0)), p1);
        let months = K::i32s_of(Ty::Month, vec![mon(2012, 5), mon(2012, 6)]);
        assert_eq!(
            ok(sub(&months, &j(2))),
            K::i32s_of(Ty::Month, vec![mon(2012, 3), mon(2012, 4)])
        );
        let m = |y, mm| K::i32_of(Ty::Month, mon(y, mm));
        assert_eq!(ok(sub(&m(2001, 3), &m(2000, 1))), K::int(14));
        // Month + timespan is a timestamp from the first of the month.
        let hour = K::i64_of(Ty::Timespan, 3_600_000_000_000);
        assert_eq!(
            ok(add(&m(2000, 2), &hour)),
            K::i64_of(Ty::Timestamp, ts((2000, 2, 1), 1, 0, 0, 0))
        );
        assert_eq!(
            ok(add(&m(1999, 12), &hour)),
            K::i64_of(Ty::Timestamp, ts((1999, 12, 1), 1, 0, 0, 0))
        );
        // minute + int, minute + second, time + minute.
        assert_eq!(
            ok(add(&K::i32_of(Ty::Minute, 660), &js(&[0, 2, 3]))),
            K::i32s_of(Ty::Minute, vec![660, 662, 663])
        );
        assert_eq!(
            ok(add(&K::i32_of(Ty::Minute, 1), &K::i32_of(Ty::Second, 30))),
            K::i32_of(Ty::Second, 90)
        );
        assert_eq!(
            ok(add(&K::i32_of(Ty::Time, 500), &K::i32_of(Ty::Minute, 1))),
            K::i32_of(Ty::Time, 60_500)
        );
        assert_eq!(
            ok(add(&K::i32_of(Ty::Second, 1), &hour)),
            K::i64_of(Ty::Timespan, 3_601_000_000_000)
        );
        // Datetimes: days as floats.
        let z = |v: f64| K::atom(Ty::Datetime, Scalar::F64(v));
        assert_eq!(ok(add(&z(1.0), &K::i32_of(Ty::Time, 43_200_000))), z(1.5));
        assert_eq!(ok(add(&dt(2000, 1, 1), &f(0.5))), z(0.5));
        assert_eq!(ok(sub(&z(2.5), &z(1.0))), f(1.5));
        assert_eq!(
            ok(add(&z(1.5), &K::i64_of(Ty::Timespan, 1_000_000_000))),
            K::i64_of(Ty::Timestamp, ts((2000, 1, 2), 12, 0, 1, 0))
        );
        // Mixed ordinals do not add.
        assert_eq!(err(add(&p0, &dt(2000, 1, 1))), "type");
        assert_eq!(err(sub(&dt(2000, 1, 1), &m(2000, 1))), "type");
        assert_eq!(err(mul(&dt(2000, 1, 1), &dt(2000, 1, 1))), "type");
        assert_eq!(ok(mul(&p0, &j(1))), p0);
        // Other arithmetic acts on the underlying numbers.
        assert_eq!(
            ok(mul(&m(2017, 12), &js(&[0, 1, 2]))),
            K::i32s_of(Ty::Month, vec![mon(2000, 1), mon(2017, 12), mon(2035, 11)])
        );
        close(
            &ok(div_f(&m(2017, 12), &js(&[1, 2, 3]))),
            9,
            &[215.0, 107.5, 71.66667],
        );
        close(&ok(div_f(&K::i32_of(Ty::Minute, 10), &j(2))), -9, &[5.0]);
        close(&ok(div_f(&K::i32_of(Ty::Second, 600), &j(2))), -9, &[300.0]);
        close(
            &ok(div_f(&K::i32_of(Ty::Time, 600_000), &j(2))),
            -9,
            &[300000.0],
        );
        close(
            &ok(div_f(&K::i64_of(Ty::Timespan, 600_000_000_000), &j(2))),
            -9,
            &[3e11],
        );
        close(
            &ok(div_f(
                &K::i64_of(Ty::Timespan, 10_000_000_000),
                &K::i64_of(Ty::Timespan, 5_000_000_000),
            )),
            -9,
            &[2.0],
        );
        close(
            &ok(div_f(&dt(2010, 1, 1), &dt(2005, 1, 1))),
            -9,
            &[1.999453],
        );
        // Nulls stay null through temporal arithmetic.
        assert_eq!(
            ok(add(&K::i32_of(Ty::Date, i32::MIN), &j(1))),
            K::i32_of(Ty::Date, i32::MIN)
        );
        assert_eq!(
            ok(add(&K::i32_of(Ty::Date, i32::MIN), &hour)),
            K::i64_of(Ty::Timestamp, i64::MIN)
        );
        // basics/math: 3+`a`b`c!(42;2012.09.15;1b)
        let d = K::dict(
            ss(&["a", "b", "c"]),
            l(vec![j(42), dt(2012, 9, 15), b(true)]),
        );
        assert_eq!(
            ok(add(&j(3), &d)),
            K::dict(ss(&["a", "b", "c"]), l(vec![j(45), dt(2012, 9, 18), j(4)]))
        );
    }

    #[test]
    fn comparison() {
        assert_eq!(ok(gt(&K::short(5), &K::short(4))), b(true));
        assert_eq!(ok(lt(&K::byte(5), &j(4))), b(false));
        assert_eq!(ok(eq(&j(1), &K::short(1))), b(true));
        let mixed = l(vec![
            K::int(1),
            j(-2),
            K::short(0),
            b(true),
            j(i64::MIN),
            j(-i64::MAX),
        ]);
        assert_eq!(ok(gt(&j(0), &mixed)), bs("010011"));
        let chars = l(vec![K::char(b'4'), K::char(b'f'), K::char(b'F'), j(4)]);
        assert_eq!(ok(lt(&K::char(b'0'), &chars)), bs("1110"));
        assert_eq!(
            ok(gt(&K::string("alpha"), &K::string("omega"))),
            bs("00110")
        );
        assert_eq!(
            ok(eq(&K::string("hello"), &K::string("world"))),
            bs("00010")
        );
        assert_eq!(ok(gt(&s("alpha"), &s("omega"))), b(false));
        assert_eq!(ok(lt(&ss(&["a", "b", "c"]), &s("b"))), bs("100"));
        assert_eq!(ok(eq(&ss(&["a", "b", "c"]), &s("b"))), bs("010"));
        assert_eq!(ok(ge(&ss(&["", "b"]), &s(""))), bs("11"));
        assert_eq!(err(eq(&s("a"), &j(1))), "type");
        assert_eq!(err(eq(&K::guid([0; 16]), &j(0))), "type");
        let g = K::guids(vec![[0; 16], [1; 16]]);
        assert_eq!(ok(eq(&g, &K::guid([1; 16]))), bs("01"));
        assert_eq!(ok(lt(&g, &K::guid([1; 16]))), bs("10"));
        // ref/equal and friends with general lists.
        let x = l(vec![j(3), K::char(b'a')]);
        let y = l(vec![js(&[2, 3, 4]), K::string("abc")]);
        assert_eq!(ok(eq(&x, &y)), l(vec![bs("010"), bs("100")]));
        assert_eq!(ok(ne(&x, &y)), l(vec![bs("101"), bs("011")]));
        // ref/less-than prints 000b for "a"<"abc", which contradicts its own `<=` and
        // `=` examples ('a'<'b' is true); q compares chars by code.
        assert_eq!(ok(lt(&x, &y)), l(vec![bs("001"), bs("011")]));
        assert_eq!(ok(le(&x, &y)), l(vec![bs("011"), bs("111")]));
        assert_eq!(ok(gt(&x, &y)), l(vec![bs("100"), bs("000")]));
        assert_eq!(ok(ge(&x, &y)), l(vec![bs("110"), bs("100")]));
        let x = l(vec![j(10), js(&[20, 30])]);
        let y = l(vec![js(&[50, -20]), j(5)]);
        assert_eq!(ok(lt(&x, &y)), l(vec![bs("10"), bs("00")]));
        assert_eq!(ok(gt(&x, &y)), l(vec![bs("01"), bs("11")]));
        // Booleans.
        let bb = bs("01");
        assert_eq!(ok(lt(&b(false), &bb)), bs("01"));
        assert_eq!(ok(le(&b(true), &bb)), bs("01"));
        // A narrow column against a long atom, in and out of the column's range.
        assert_eq!(ok(gt(&is(&[1, 2, 3]), &j(2))), bs("001"));
        assert_eq!(ok(lt(&is(&[1, 2, 3]), &j(3_000_000_000))), bs("111"));
        assert_eq!(ok(gt(&is(&[i32::MIN, 0]), &j(i64::MIN))), bs("01"));
        assert_eq!(ok(eq(&is(&[i32::MIN, 0]), &j(i64::MIN))), bs("10"));
        assert_eq!(ok(eq(&K::shorts(vec![i16::MIN]), &j(-32768))), bs("0"));
        assert_eq!(ok(lt(&K::bytes(vec![5, 200]), &j(300))), bs("11"));
        assert_eq!(ok(gt(&j(100), &K::bytes(vec![5, 200]))), bs("10"));
        assert_eq!(ok(gt(&fs(&[1.0, 2.5, f64::NAN]), &j(2))), bs("010"));
    }

    #[test]
    fn match_tolerance() {
        assert!(matches(
            &K::float(96.100000000000009),
            &K::float(96.099999999999994)
        ));
        assert!(!matches(&K::float(1.0), &K::float(1.0 + 1e-10)));
        assert!(!matches(&K::float(1.0), &K::long(1)));
        assert!(matches(&K::float(f64::NAN), &K::float(f64::NAN)));
        let a = K::floats(vec![1.0, 2.0]);
        let b = K::floats(vec![1.0 + 1e-15, 2.0]);
        assert!(matches(&a, &b));
        assert!(matches(
            &K::list(vec![a.clone(), K::sym("x")]),
            &K::list(vec![b.clone(), K::sym("x")])
        ));
        assert!(!matches(&a, &K::floats(vec![1.0])));
        assert_eq!(match_(&K::long(1), &K::long(1)).unwrap(), K::bool(true));
    }

    #[test]
    fn comparison_nulls_infinities_tolerance() {
        let nulls = [
            K::short(i16::MIN),
            K::int(i32::MIN),
            j(i64::MIN),
            K::real(f32::NAN),
            f(f64::NAN),
        ];
        let infs = [
            K::short(i16::MAX),
            K::int(i32::MAX),
            j(i64::MAX),
            K::real(f32::INFINITY),
            f(f64::INFINITY),
        ];
        for x in &nulls {
            for y in &nulls {
                assert_eq!(ok(eq(x, y)), b(true), "{x:?}={y:?}");
            }
        }
        for (n, w) in nulls.iter().zip(&infs) {
            assert_eq!(ok(lt(n, &ok(neg(w)))), b(true), "{n:?}<neg {w:?}");
        }
        for p in infs.windows(2) {
            assert_eq!(ok(ge(&p[1], &p[0])), b(true), "{:?}>={:?}", p[1], p[0]);
        }
        let negs: Vec<K> = infs.iter().rev().map(|w| ok(neg(w))).collect();
        for p in negs.windows(2) {
            assert_eq!(ok(ge(&p[1], &p[0])), b(true));
        }
        // basics/precision
        assert_eq!(
            ok(eq(&f(96.100000000000009), &f(96.099999999999994))),
            b(true)
        );
        assert_eq!(
            ok(eq(&f(0.0), &f(96.100000000000009 - 96.099999999999994))),
            b(false)
        );
        let (a, bb, c) = (f(96.099999999999994), f(96.10000000001), f(96.10000000002));
        assert_eq!(ok(eq(&a, &bb)), b(true));
        assert_eq!(ok(eq(&bb, &c)), b(true));
        assert_eq!(ok(eq(&a, &c)), b(false));
        assert_eq!(ok(eq(&f(1e12), &ok(sub(&f(1e12), &j(1))))), b(false));
        assert_eq!(ok(eq(&f(1e13), &ok(sub(&f(1e13), &j(1))))), b(true));
        assert_eq!(
            ok(eq(&j(0), &ok(sub(&f(1e13), &ok(sub(&f(1e13), &j(1))))))),
            b(false)
        );
        assert_eq!(ok(eq(&f(1.0 + 1e-13), &j(1))), b(true));
        let one_less = ok(sub(&f(1.0), &ok(xexp(&j(10), &j(-13)))));
        assert_eq!(ok(eq(&f(1.0), &one_less)), b(true));
        assert_eq!(ok(gt(&f(1.0), &one_less)), b(false));
        assert_eq!(ok(ge(&f(1.0), &one_less)), b(true));
        assert_eq!(ok(lt(&one_less, &f(1.0))), b(false));
        let r7 = 1.0 / 7.0;
        let s7 = (0..7).fold(0.0, |acc, _| acc + r7);
        assert_eq!(ok(eq(&f(1.0), &f(s7))), b(true));
        assert_eq!(ok(eq(&j(0), &f(1.0 - s7))), b(false));
        assert_eq!(ok(eq(&f(0.0), &f(1e-300))), b(false));
        assert_eq!(ok(eq(&f(f64::INFINITY), &f(1e308))), b(false));
        assert_eq!(ok(gt(&f(f64::INFINITY), &f(1e308))), b(true));
        assert_eq!(ok(eq(&f(f64::INFINITY), &f(f64::INFINITY))), b(true));
        assert_eq!(ok(lt(&f(f64::NEG_INFINITY), &f(f64::NAN))), b(false));
        // Datetimes are floats and compare tolerantly.
        let z1 = K::atom(Ty::Datetime, Scalar::F64(1.0 + 1000.0 / 86400.0));
        let z2 = K::atom(
            Ty::Datetime,
            Scalar::F64((0..1000).fold(1.0, |acc, _| acc + 1.0 / 86400.0)),
        );
        assert_eq!(ok(eq(&z1, &z2)), b(true));
    }

    #[test]
    fn temporal_comparison() {
        let times = [
            tod(9, 15, 37),
            tod(9, 29, 1),
            tod(9, 29, 15),
            tod(9, 29, 15),
            tod(9, 30, 1),
            tod(9, 35, 27),
        ];
        let stamps = K::i64s_of(
            Ty::Timestamp,
            times
                .iter()
                .map(|&t| ts((2016, 9, 6), 0, 0, t, 0))
                .collect(),
        );
        let spans = K::i64s_of(
            Ty::Timespan,
            times.iter().map(|&t| t * 1_000_000_000).collect(),
        );
        let m929 = K::i32_of(Ty::Minute, 9 * 60 + 29);
        assert_eq!(ok(eq(&stamps, &m929)), bs("011100"));
        assert_eq!(ok(lt(&stamps, &m929)), bs("100000"));
        assert_eq!(ok(gt(&stamps, &m929)), bs("000011"));
        assert_eq!(ok(gt(&spans, &m929)), bs("011111"));
        // timespan against time: the time becomes a timespan.
        let t20 = K::i32_of(Ty::Time, (tod(20, 0, 0) * 1000) as i32);
        let n = K::i64_of(Ty::Timespan, tod(20, 0, 0) * 1_000_000_000 + 603_286);
        assert_eq!(ok(gt(&n, &t20)), b(true));
        // timestamp against time: the timestamp becomes a time.
        let p = K::i64_of(Ty::Timestamp, ts((2024, 10, 7), 20, 0, 0, 603_286));
        assert_eq!(ok(eq(&p, &t20)), b(true));
        // Dates against timestamps and months against dates.
        let p = K::i64_of(Ty::Timestamp, ts((2000, 1, 2), 0, 0, 1, 0));
        assert_eq!(ok(lt(&dt(2000, 1, 2), &p)), b(true));
        assert_eq!(
            ok(eq(
                &dt(2000, 1, 2),
                &K::i64_of(Ty::Timestamp, ts((2000, 1, 2), 0, 0, 0, 0))
            )),
            b(true)
        );
        let feb = K::i32_of(Ty::Month, mon(2000, 2));
        assert_eq!(ok(eq(&feb, &dt(2000, 2, 1))), b(true));
        assert_eq!(ok(lt(&feb, &dt(2000, 2, 2))), b(true));
        assert_eq!(
            ok(gt(&K::i32_of(Ty::Month, mon(1999, 3)), &dt(1999, 2, 28))),
            b(true)
        );
        let z = K::atom(Ty::Datetime, Scalar::F64(1.5));
        assert_eq!(ok(lt(&dt(2000, 1, 2), &z)), b(true));
        assert_eq!(
            ok(eq(&z, &K::i32_of(Ty::Minute, 12 * 60))),
            b(true),
            "datetime meets minute as minutes"
        );
        assert_eq!(err(lt(&dt(2000, 1, 2), &m929)), "type");
        assert_eq!(err(lt(&feb, &z)), "type");
        // Temporal against numeric: the underlying values.
        assert_eq!(ok(eq(&dt(2000, 1, 2), &j(1))), b(true));
        assert_eq!(ok(gt(&dt(2000, 1, 2), &f(0.5))), b(true));
    }

    #[test]
    fn lesser_greater() {
        assert_eq!(ok(min2(&j(2), &j(3))), j(2));
        assert_eq!(ok(max2(&j(2), &j(3))), j(3));
        assert_eq!(ok(min2(&j(98), &K::char(b'c'))), K::char(b'b'));
        assert_eq!(ok(max2(&j(98), &K::char(b'a'))), K::char(b'b'));
        assert_eq!(
            ok(max2(&K::string("sat"), &K::string("cow"))),
            K::string("sow")
        );
        assert_eq!(
            ok(min2(&K::string("sat"), &K::string("cow"))),
            K::string("cat")
        );
        assert_eq!(ok(min2(&bs("1010"), &bs("1100"))), bs("1000"));
        assert_eq!(ok(max2(&bs("1010"), &bs("1100"))), bs("1110"));
        let x = l(vec![j(10), js(&[20, 30])]);
        let y = l(vec![j(2), js(&[3, 4])]);
        assert_eq!(ok(min2(&x, &y)), l(vec![j(2), js(&[3, 4])]));
        assert_eq!(ok(max2(&x, &y)), l(vec![j(10), js(&[20, 30])]));
        // Null is the smallest value.
        assert_eq!(ok(min2(&j(i64::MIN), &j(5))), j(i64::MIN));
        assert_eq!(ok(max2(&j(i64::MIN), &j(5))), j(5));
        close(&ok(min2(&f(f64::NAN), &j(5))), -9, &[f64::NAN]);
        close(&ok(max2(&f(f64::NAN), &j(5))), -9, &[5.0]);
        close(&ok(max2(&j(5), &f(f64::NAN))), -9, &[5.0]);
        // Types meet as the lesser table says.
        assert_eq!(ok(min2(&b(true), &K::short(2))), K::short(1));
        assert_eq!(ok(min2(&K::int(1), &f(2.0))), f(1.0));
        assert_eq!(ok(max2(&b(false), &b(true))), b(true));
        assert_eq!(err(min2(&s("a"), &s("b"))), "type");
        let p = K::i64_of(Ty::Timestamp, ts((2000, 1, 1), 10, 0, 0, 0));
        assert_eq!(
            ok(min2(&p, &K::i32_of(Ty::Minute, 9 * 60))),
            K::i32_of(Ty::Minute, 9 * 60)
        );
        assert_eq!(
            ok(max2(&K::i32_of(Ty::Month, mon(2000, 2)), &dt(2000, 1, 15))),
            dt(2000, 2, 1)
        );
    }

    #[test]
    fn fill_nulls() {
        assert_eq!(
            ok(fill(&j(0), &js(&[1, 2, 3, i64::MIN]))),
            js(&[1, 2, 3, 0])
        );
        assert_eq!(
            ok(fill(&j(100), &js(&[1, 2, -5, i64::MIN, 10, i64::MIN]))),
            js(&[1, 2, -5, 100, 10, 100])
        );
        assert_eq!(
            ok(fill(&f(1.0), &fs(&[1.2, -4.5, f64::NAN, f64::NAN, 15.0]))),
            fs(&[1.2, -4.5, 1.0, 1.0, 15.0])
        );
        assert_eq!(
            ok(fill(&s("nobody"), &ss(&["tom", "dick", "", "harry"]))),
            ss(&["tom", "dick", "nobody", "harry"])
        );
        assert_eq!(
            ok(fill(
                &js(&[1, 2, 3, 4, 5]),
                &js(&[6, i64::MIN, 8, 9, i64::MIN])
            )),
            js(&[6, 2, 8, 9, 5])
        );
        let a = fs(&[11.0, 2.1, 3.1, f64::NAN, 4.5, f64::NAN]);
        assert_eq!(ok(fill(&j(10), &a)), fs(&[11.0, 2.1, 3.1, 10.0, 4.5, 10.0]));
        assert_eq!(ok(fill(&j(5), &is(&[i32::MIN, 2, 3]))), js(&[5, 2, 3]));
        assert_eq!(
            ok(fill(&K::char(b'x'), &K::string("a b"))),
            K::string("axb")
        );
        assert_eq!(
            ok(fill(&K::guid([7; 16]), &K::guid([0; 16]))),
            K::guid([7; 16])
        );
        assert_eq!(ok(fill(&b(true), &bs("01"))), bs("01"));
        assert_eq!(err(fill(&s("a"), &j(1))), "type");
        // Dictionaries: null and missing values of y come from x.
        let x = K::dict(ss(&["a", "b", "c"]), js(&[1, 2, 3]));
        let y = K::dict(ss(&["b", "c"]), js(&[i64::MIN, 30]));
        assert_eq!(
            ok(fill(&x, &y)),
            K::dict(ss(&["a", "b", "c"]), js(&[1, 2, 30]))
        );
    }

    #[test]
    fn div_mod() {
        assert_eq!(ok(div(&j(7), &j(3))), j(2));
        assert_eq!(ok(div(&j(7), &js(&[2, 3, 4]))), js(&[3, 2, 1]));
        let y = fs(&[-2.5, -2.0, 2.0, 2.5]);
        assert_eq!(ok(div(&j(-7), &y)), js(&[2, 3, -4, -3]));
        assert_eq!(ok(div(&j(7), &y)), js(&[-3, -4, 3, 2]));
        assert_eq!(ok(div(&js(&[-7, 7]), &j(-2))), js(&[3, -4]));
        assert_eq!(ok(div(&f(7.0), &j(2))), f(3.0));
        assert_eq!(ok(div(&K::int(6), &j(4))), K::int(1));
        assert_eq!(ok(div(&dt(2014, 10, 13), &j(365))), dt(2000, 1, 15));
        assert_eq!(ok(div(&K::short(7), &j(3))), K::int(2));
        assert_eq!(ok(div(&K::byte(0x80), &j(16))), K::int(8));
        assert_eq!(ok(div(&K::char(0o23), &j(8))), K::int(2));
        let x = l(vec![j(10), js(&[20, 30])]);
        let y = l(vec![js(&[3, 4]), j(-5)]);
        assert_eq!(ok(div(&x, &y)), l(vec![js(&[3, 2]), js(&[-4, -6])]));
        assert_eq!(
            ok(div(&js(&[7, -7, 0]), &j(0))),
            js(&[i64::MAX, -i64::MAX, i64::MIN])
        );
        assert_eq!(ok(div(&j(i64::MIN), &j(2))), j(i64::MIN));
        assert_eq!(err(div(&s("a"), &j(2))), "type");

        assert_eq!(
            ok(modulo(&js(&[-3, -2, -1, 0, 1, 2, 3, 4]), &j(3))),
            js(&[0, 1, 2, 0, 1, 2, 0, 1])
        );
        assert_eq!(ok(modulo(&j(7), &js(&[2, 3, 4]))), js(&[1, 1, 3]));
        let y = fs(&[-2.5, -2.0, 2.0, 2.5]);
        assert_eq!(ok(modulo(&j(-7), &y)), fs(&[-2.0, -1.0, 1.0, 0.5]));
        assert_eq!(ok(modulo(&j(7), &y)), fs(&[-0.5, -1.0, 1.0, 2.0]));
        let x = l(vec![j(10), js(&[20, 30])]);
        let y = l(vec![js(&[7, 13]), j(-12)]);
        assert_eq!(ok(modulo(&x, &y)), l(vec![js(&[3, 10]), js(&[-4, -6])]));
        assert_eq!(ok(modulo(&j(7), &j(0))), j(7));
        assert_eq!(ok(modulo(&K::int(-7), &j(3))), j(2));
        assert_eq!(ok(modulo(&K::real(7.5), &j(2))), f(1.5));
        // ref/mod's table: time mod long stays a time.
        let t = K::i32_of(Ty::Time, (tod(9, 10, 52) * 1000 + 139) as i32);
        assert_eq!(ok(modulo(&t, &j(1000))), K::i32_of(Ty::Time, 139));
        let p = K::i64_of(Ty::Timestamp, ts((2000, 1, 2), 0, 0, 0, 7));
        assert_eq!(ok(modulo(&p, &j(10))), K::i64_of(Ty::Timespan, 7));
        assert_eq!(ok(modulo(&dt(2000, 1, 8), &j(7))), K::int(0));

        let (d, t, kt) = dtk();
        assert_eq!(
            ok(div(&d, &j(5))),
            K::dict(ss(&["a", "b"]), l(vec![js(&[2, -5, 0]), js(&[0, 1, -2])]))
        );
        assert_eq!(
            ok(div(&kt, &j(5))),
            K::dict(
                table(&["k"], vec![ss(&["abc", "def", "ghi"])]),
                table(&["a", "b"], vec![js(&[2, -5, 0]), js(&[0, 1, -2])])
            )
        );
        assert_eq!(
            ok(modulo(&d, &j(5))),
            K::dict(ss(&["a", "b"]), l(vec![js(&[0, 4, 3]), js(&[4, 0, 4])]))
        );
        assert_eq!(
            ok(modulo(&j(5), &d)),
            K::dict(ss(&["a", "b"]), l(vec![js(&[5, -16, 2]), js(&[1, 0, -1])]))
        );
        assert_eq!(err(div(&t, &j(5))), "type");
        assert_eq!(err(modulo(&t, &j(5))), "type");
    }

    #[test]
    fn bars() {
        let til = |n: i64| js(&(0..n).collect::<Vec<_>>());
        assert_eq!(
            ok(xbar(&j(3), &til(16))),
            js(&[0, 0, 0, 3, 3, 3, 6, 6, 6, 9, 9, 9, 12, 12, 12, 15])
        );
        assert_eq!(
            ok(xbar(&f(2.5), &til(16))),
            fs(&[
                0.0, 0.0, 0.0, 2.5, 2.5, 5.0, 5.0, 5.0, 7.5, 7.5, 10.0, 10.0, 10.0, 12.5, 12.5,
                15.0
            ])
        );
        let mins = ok(add(
            &K::i32_of(Ty::Minute, 660),
            &js(&[0, 2, 3, 5, 7, 11, 13]),
        ));
        assert_eq!(
            ok(xbar(&j(5), &mins)),
            K::i32s_of(Ty::Minute, vec![660, 660, 660, 665, 665, 670, 670])
        );
        let spans = K::i64s_of(Ty::Timespan, vec![1, 2, 13]);
        assert_eq!(
            ok(xbar(&j(2), &spans)),
            K::i64s_of(Ty::Timespan, vec![0, 2, 12])
        );
        let m = K::i32_of(Ty::Month, mon(2019, 11));
        let q = ok(xbar(&j(3), &m));
        assert_eq!(q, K::i32_of(Ty::Month, mon(2019, 10)));
        assert_eq!(ok(add(&j(3), &q)), K::i32_of(Ty::Month, mon(2020, 1)));
        let x = l(vec![j(3), js(&[4, 5])]);
        let y = l(vec![j(10), js(&[20, -30])]);
        assert_eq!(ok(xbar(&x, &y)), l(vec![j(9), js(&[20, -30])]));
        let (d, t, _) = dtk();
        assert_eq!(
            ok(xbar(&j(3), &d)),
            K::dict(ss(&["a", "b"]), l(vec![js(&[9, -21, 3]), js(&[3, 3, -6])]))
        );
        assert_eq!(err(xbar(&j(3), &t)), "type");
        // Five-minute bars of timestamps with a timespan width.
        let five = K::i64_of(Ty::Timespan, 300_000_000_000);
        let p = K::i64s_of(
            Ty::Timestamp,
            vec![
                ts((2020, 1, 1), 9, 31, 7, 5),
                ts((1999, 12, 31), 23, 58, 0, 0),
                i64::MIN,
            ],
        );
        assert_eq!(
            ok(xbar(&five, &p)),
            K::i64s_of(
                Ty::Timestamp,
                vec![
                    ts((2020, 1, 1), 9, 30, 0, 0),
                    ts((1999, 12, 31), 23, 55, 0, 0),
                    i64::MIN
                ]
            )
        );
        // The one-pass forms agree with `x*y div x`.
        let cases = [
            (
                j(7),
                js(&[-15, -14, -1, 0, 6, 7, 13, i64::MIN, -i64::MAX, i64::MAX]),
            ),
            (
                K::int(7),
                is(&[-15, -1, 0, 6, 7, i32::MIN, -i32::MAX, i32::MAX]),
            ),
            (j(7), K::i32s_of(Ty::Date, vec![-15, -1, 0, 6, 7, i32::MIN])),
            (f(0.25), fs(&[-1.1, -0.25, 0.0, 0.3, 7.9, f64::NAN])),
            (j(2), fs(&[-1.1, 3.5])),
        ];
        for (w, v) in cases {
            let fast = xbar_fast(&w, &v).expect("fast path taken");
            assert_eq!(fast, ok(mul(&w, &ok(div(&v, &w)))), "{w:?} xbar {v:?}");
        }
        assert!(xbar_fast(&j(0), &js(&[1])).is_none());
    }

    #[test]
    fn powers_and_logs() {
        close(&ok(xexp(&j(2), &j(8))), -9, &[256.0]);
        close(&ok(xexp(&js(&[-2, 2]), &f(0.5))), 9, &[f64::NAN, 1.414214]);
        close(
            &ok(xexp(
                &f(1.5),
                &fs(&[-4.2, 0.0, 0.1, f64::NAN, f64::INFINITY]),
            )),
            9,
            &[0.1821448, 1.0, 1.04138, f64::NAN, f64::INFINITY],
        );
        assert_eq!(
            floats_of(&ok(xexp(&j(2), &j(3)))),
            vec![(3.0 * 2f64.ln()).exp()]
        );
        let r = ok(xexp(&j(3), &l(vec![j(1), js(&[2, 3])])));
        match &r {
            K::List(items) => {
                close(&items.items[0], -9, &[3.0]);
                close(&items.items[1], 9, &[9.0, 27.0]);
            }
            _ => panic!("{r:?}"),
        }
        assert_eq!(err(xexp(&K::char(b'a'), &j(2))), "type");
        assert_eq!(err(xexp(&dt(2000, 1, 1), &j(2))), "type");
        close(&ok(xlog(&j(2), &j(8))), -9, &[3.0]);
        close(&ok(xlog(&j(2), &f(0.125))), -9, &[-3.0]);
        close(
            &ok(xlog(&f(1.5), &fs(&[0.0, 0.125, 1.0, 3.0, f64::NAN]))),
            9,
            &[f64::NEG_INFINITY, -5.128534, 0.0, 2.709511, f64::NAN],
        );
        close(&ok(xlog(&j(65), &j(67))), -9, &[1.00726]);
        close(&ok(xlog(&K::char(b'A'), &K::char(b'C'))), -9, &[1.00726]);
        let back = ok(xexp(
            &j(2),
            &ok(xlog(&j(2), &fs(&[-1.0, 0.0, 0.125, 1.0, 42.0]))),
        ));
        close(&back, 9, &[f64::NAN, 0.0, 0.125, 1.0, 42.0]);
        let (d, _, _) = dtk();
        match ok(xlog(&j(10), &d)) {
            K::Dict(r) => match &r.vals {
                K::List(v) => {
                    close(&v.items[0], 9, &[1.0, f64::NAN, 0.4771213]);
                    close(&v.items[1], 9, &[0.60206, 0.69897, f64::NAN]);
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
        // learn/python examples: compound interest.
        let p = js(&[1200, 1500, 1800]);
        let r = ok(div_f(&f(5.4), &j(100)));
        let v = ok(mul(&p, &ok(xexp(&ok(add(&j(1), &r)), &js(&[2, 2, 3])))));
        close(&v, 9, &[1333.099, 1666.374, 2107.63]);
        let simple = ok(div_f(
            &ok(mul(
                &js(&[1000, 1500, 1750]),
                &ok(mul(&j(3), &js(&[5, 6, 7]))),
            )),
            &j(100),
        ));
        close(&simple, 9, &[150.0, 270.0, 367.5]);
    }

    #[test]
    fn unary_arithmetic() {
        assert_eq!(ok(neg(&js(&[-1, 0, 1, 2]))), js(&[1, 0, -1, -2]));
        assert_eq!(ok(neg(&bs("01001"))), is(&[0, -1, 0, 0, -1]));
        assert_eq!(
            ok(neg(&l(vec![
                j(i64::MAX),
                f(f64::NEG_INFINITY),
                j(i64::MIN)
            ]))),
            l(vec![j(-i64::MAX), f(f64::INFINITY), j(i64::MIN)])
        );
        assert_eq!(
            ok(neg(&dts(&[(2000, 1, 1), (2012, 1, 1)]))),
            dts(&[(2000, 1, 1), (1988, 1, 1)])
        );
        assert_eq!(
            ok(neg(&l(vec![js(&[5, 2]), j(3), js(&[-8, 0, 2])]))),
            l(vec![js(&[-5, -2]), j(-3), js(&[8, 0, -2])])
        );
        assert_eq!(ok(neg(&K::char(b'a'))), K::int(-97));
        assert_eq!(ok(neg(&K::short(3))), K::short(-3));
        assert_eq!(err(neg(&s("a"))), "type");
        assert_eq!(ok(abs(&f(-1.0))), f(1.0));
        assert_eq!(ok(abs(&js(&[10, -43, i64::MIN]))), js(&[10, 43, i64::MIN]));
        assert_eq!(ok(abs(&dt(1999, 1, 1))), dt(2000, 12, 31));
        assert_eq!(
            ok(abs(&l(vec![j(10), js(&[20, -30])]))),
            l(vec![j(10), js(&[20, 30])])
        );
        assert_eq!(ok(signum(&js(&[-2, 0, 1, 3]))), is(&[-1, 0, 1, 1]));
        let nulls = l(vec![
            f(f64::NAN),
            j(i64::MIN),
            K::i32_of(Ty::Time, i32::MIN),
            K::i32_of(Ty::Date, i32::MIN),
            K::atom(Ty::Datetime, Scalar::F64(f64::NAN)),
            K::i32_of(Ty::Minute, i32::MIN),
            K::i32_of(Ty::Second, i32::MIN),
            K::i32_of(Ty::Month, i32::MIN),
            K::short(i16::MIN),
            j(i64::MIN),
            K::real(f32::NAN),
        ]);
        assert_eq!(ok(signum(&nulls)), is(&[-1; 11]));
        assert_eq!(ok(signum(&dt(1999, 12, 31))), K::int(-1));
        assert_eq!(
            ok(signum(&l(vec![j(10), js(&[-20, 30])]))),
            l(vec![K::int(1), is(&[-1, 1])])
        );
        assert_eq!(ok(signum(&fs(&[-0.0, 2.5]))), is(&[0, 1]));
    }

    #[test]
    fn unary_math() {
        close(
            &ok(reciprocal(&fs(&[0.0, f64::INFINITY, f64::NAN, 3.0, 10.0]))),
            9,
            &[f64::INFINITY, 0.0, f64::NAN, 0.3333333, 0.1],
        );
        close(&ok(reciprocal(&b(true))), -9, &[1.0]);
        close(
            &ok(sqrt(&fs(&[-1.0, f64::NAN, 0.0, 25.0, 50.0]))),
            9,
            &[f64::NAN, f64::NAN, 0.0, 5.0, 7.071068],
        );
        close(
            &ok(sqrt(&js(&[-1, i64::MIN, 4]))),
            9,
            &[f64::NAN, f64::NAN, 2.0],
        );
        close(
            &ok(sqrt(&K::i64_of(Ty::Timespan, 43_200_000_000_000))),
            -9,
            &[6572670.6],
        );
        close(&ok(sqrt(&K::short(i16::MAX))), -9, &[181.0166]);
        close(&ok(sqrt(&bs("101"))), 9, &[1.0, 0.0, 1.0]);
        close(&ok(exp(&j(1))), -9, &[2.718282]);
        close(
            &ok(exp(&fs(&[-4.2, 0.0, 0.1, f64::NAN, f64::INFINITY]))),
            9,
            &[0.01499558, 1.0, 1.105171, f64::NAN, f64::INFINITY],
        );
        close(
            &ok(exp(&K::i32s_of(Ty::Second, vec![0, 12, 43200]))),
            9,
            &[1.0, 162754.8, f64::INFINITY],
        );
        close(&ok(log(&j(1))), -9, &[0.0]);
        close(&ok(log(&f(0.5))), -9, &[-0.6931472]);
        close(
            &ok(log(&fs(&[-2.0, f64::NAN, 0.0, 0.1, 1.0, 42.0]))),
            9,
            &[
                f64::NAN,
                f64::NAN,
                f64::NEG_INFINITY,
                -2.302585,
                0.0,
                3.73767,
            ],
        );
        let z = K::atom(Ty::Datetime, Scalar::F64(3.25));
        assert_eq!(ok(log(&z)), z);
        assert_eq!(ok(sqrt(&z)).ty(), -15);
        close(&ok(sin(&f(0.5))), -9, &[0.4794255]);
        close(&ok(sin(&f(f64::INFINITY))), -9, &[f64::NAN]);
        close(&ok(asin(&f(0.8))), -9, &[0.9272952]);
        close(&ok(cos(&f(0.2))), -9, &[0.9800666]);
        close(&ok(acos(&f(-0.4))), -9, &[1.982313]);
        close(&ok(acos(&j(2))), -9, &[f64::NAN]);
        close(
            &ok(tan(&fs(&[0.0, 0.5, 1.0, 1.5707963, 2.0, f64::INFINITY]))),
            9,
            &[0.0, 0.5463025, 1.557408, 3.732054e+07, -2.18504, f64::NAN],
        );
        close(&ok(atan(&f(0.5))), -9, &[0.4636476]);
        close(&ok(atan(&j(42))), -9, &[1.546991]);
        let pi = ok(acos(&j(-1)));
        close(&pi, -9, &[3.141593]);
        close(&ok(mul(&ok(mul(&pi, &j(5))), &j(5))), -9, &[78.53982]);
        close(
            &ok(mul(&js(&[1, 2, 3]), &pi)),
            9,
            &[3.141593, 6.283185, 9.424778],
        );
        match ok(tan(&l(vec![f(0.2), fs(&[0.3, 0.4])]))) {
            K::List(v) => {
                close(&v.items[0], -9, &[0.20271]);
                close(&v.items[1], 9, &[0.3093362, 0.4227932]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(err(sqrt(&s("a"))), "type");
    }

    #[test]
    fn rounding() {
        assert_eq!(ok(floor(&fs(&[-2.1, 0.0, 2.1]))), js(&[-3, 0, 2]));
        assert_eq!(
            ok(floor(&l(vec![f(1.2), fs(&[3.4, 5.6])]))),
            l(vec![j(1), js(&[3, 5])])
        );
        assert_eq!(
            ok(floor(&fs(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]))),
            js(&[i64::MIN, i64::MAX, -i64::MAX])
        );
        assert_eq!(ok(floor(&K::real(2.5))), j(2));
        assert_eq!(ok(floor(&is(&[3]))), is(&[3]));
        assert_eq!(ok(floor(&K::string("ABc1"))), K::string("abc1"));
        assert_eq!(ok(floor(&ss(&["ABC", "x"]))), ss(&["abc", "x"]));
        assert_eq!(err(floor(&bs("01"))), "type");
        assert_eq!(err(floor(&dt(2000, 1, 1))), "type");
        // Not tolerant since V3.0.
        assert_eq!(ok(floor(&f(1.0 - 1e-13))), j(0));
        let d = K::dict(ss(&["a", "b"]), l(vec![f(1.2), fs(&[3.4, 5.6])]));
        assert_eq!(
            ok(floor(&d)),
            K::dict(ss(&["a", "b"]), l(vec![j(1), js(&[3, 5])]))
        );
        let t = table(&["a", "b"], vec![fs(&[1.2, 3.4]), fs(&[5.6, 7.8])]);
        assert_eq!(
            ok(floor(&t)),
            table(&["a", "b"], vec![js(&[1, 3]), js(&[5, 7])])
        );
        assert_eq!(ok(ceiling(&fs(&[-2.1, 0.0, 2.1]))), js(&[-2, 0, 3]));
        assert_eq!(ok(ceiling(&bs("01"))), is(&[0, 1]));
        assert_eq!(
            ok(ceiling(&d)),
            K::dict(ss(&["a", "b"]), l(vec![j(2), js(&[4, 6])]))
        );
        assert_eq!(
            ok(ceiling(&t)),
            table(&["a", "b"], vec![js(&[2, 4]), js(&[6, 8])])
        );
        assert_eq!(err(ceiling(&dt(2000, 1, 1))), "type");
    }

    #[test]
    fn not_and_null() {
        assert_eq!(ok(not(&js(&[-1, 0, 1, 2]))), bs("0100"));
        assert_eq!(ok(not(&K::string(*b"abc\0"))), bs("0001"));
        let d = K::dict(
            ss(&["a", "b"]),
            l(vec![js(&[-1, 0, 2]), K::string(*b"abc\0")]),
        );
        assert_eq!(
            ok(not(&d)),
            K::dict(ss(&["a", "b"]), l(vec![bs("010"), bs("0001")]))
        );
        assert_eq!(ok(not(&dts(&[(2000, 1, 1), (2020, 6, 30)]))), bs("10"));
        assert_eq!(ok(not(&K::i32_of(Ty::Second, 0))), b(true));
        assert_eq!(
            ok(not(&K::i64_of(Ty::Timespan, 43_200_000_000_000))),
            b(false)
        );
        assert_eq!(
            ok(not(&l(vec![
                j(i64::MAX),
                f(f64::NEG_INFINITY),
                j(i64::MIN)
            ]))),
            bs("000")
        );
        assert_eq!(ok(not(&fs(&[0.0, -0.0, f64::NAN]))), bs("110"));
        assert_eq!(err(not(&s("a"))), "type");
        assert_eq!(
            ok(null(&fs(&[0.0, f64::NAN, f64::INFINITY, 1.0, f64::NAN]))),
            bs("01001")
        );
        assert_eq!(ok(null(&s(""))), b(true));
        assert_eq!(ok(null(&K::string(" a"))), bs("10"));
        assert_eq!(ok(null(&K::guids(vec![[0; 16], [1; 16]]))), bs("10"));
        assert_eq!(ok(null(&bs("01"))), bs("00"));
        assert_eq!(ok(null(&K::i32s_of(Ty::Date, vec![i32::MIN, 0]))), bs("10"));
        assert_eq!(ok(null(&K::EnumAtom(Sym::from("a"), 0))), b(false));
        assert_eq!(ok(null(&K::NULL)), b(true));
        let t = table(
            &["c1", "c2", "c3"],
            vec![
                ss(&["a", "b", "c"]),
                fs(&[f64::NAN; 3]),
                js(&[10, i64::MIN, 30]),
            ],
        );
        assert_eq!(
            ok(null(&t)),
            table(&["c1", "c2", "c3"], vec![bs("000"), bs("111"), bs("010")])
        );
    }

    #[test]
    fn conformability() {
        assert_eq!(ok(add(&j(2), &js(&[3, 4, 5]))), js(&[5, 6, 7]));
        assert_eq!(ok(add(&js(&[2, 3, 4]), &j(10))), js(&[12, 13, 14]));
        assert_eq!(ok(add(&js(&[1, 2, 3]), &js(&[4, 5, 6]))), js(&[5, 7, 9]));
        assert_eq!(err(add(&js(&[1, 2, 3]), &js(&[4, 5]))), "length");
        assert_eq!(err(add(&js(&[1, 2, 3]), &js(&[4, 5, 6, 7]))), "length");
        let mixed = l(vec![j(4), K::char(b'a'), j(5)]);
        assert_eq!(err(add(&js(&[1, 2, 3]), &mixed)), "type");
        let x = l(vec![js(&[1, 2, 3]), l(vec![j(4), js(&[5, 6, 7, 8])])]);
        let y = l(vec![j(10), l(vec![js(&[11, 12]), js(&[13, 14, 15])])]);
        assert_eq!(err(add(&x, &y)), "length");
        let x = l(vec![j(10), js(&[20, 30])]);
        let y = l(vec![j(2), js(&[3, 4])]);
        assert_eq!(ok(add(&x, &y)), l(vec![j(12), js(&[23, 34])]));
        assert_eq!(ok(sub(&x, &y)), l(vec![j(8), js(&[17, 26])]));
        assert_eq!(ok(mul(&x, &y)), l(vec![j(20), js(&[60, 120])]));
        assert_eq!(ok(div_f(&x, &y)), l(vec![f(5.0), fs(&[20.0 / 3.0, 7.5])]));
        assert_eq!(ok(add(&l(vec![]), &j(1))), l(vec![]));
        assert_eq!(ok(add(&K::longs(vec![]), &j(1))), K::longs(vec![]));
        assert_eq!(ok(gt(&K::floats(vec![]), &j(1))), K::bools(vec![]));
        assert_eq!(err(add(&K::lambda("{x}"), &j(1))), "type");
        assert_eq!(err(add(&K::error("x"), &j(1))), "type");
        assert_eq!(
            ok(mul(&js(&[6, 8, 0, 3]), &js(&[10, 20, 15, 20]))),
            js(&[60, 160, 0, 60])
        );
        let qty = js(&[300, 200, 400, 200, 100, 100, 300, 400, 200, 200, 300, 400]);
        assert_eq!(ok(gt(&qty, &j(200))), bs("101000110011"));
        assert_eq!(ok(eq(&j(5), &j(2))), b(false));
        // A long run, against a plain loop.
        let xs: Vec<i64> = (0..1000).map(|i| i * 7919 % 1000 - 500).collect();
        let ys: Vec<i64> = (0..1000).map(|i| i * 104_729 % 777 - 300).collect();
        let want: Vec<i64> = xs.iter().zip(&ys).map(|(a, b)| a + b).collect();
        assert_eq!(ok(add(&js(&xs), &js(&ys))), js(&want));
        let want: Vec<bool> = xs.iter().zip(&ys).map(|(a, b)| a < b).collect();
        assert_eq!(ok(lt(&js(&xs), &js(&ys))), K::bools(want));
    }

    #[test]
    fn implicit_iteration() {
        // basics/implicit-iteration
        let m = l(vec![js(&[1, 2, 3]), js(&[4, 5, 6])]);
        assert_eq!(err(mul(&js(&[10, 100, 1000]), &m)), "length");
        assert_eq!(
            ok(lt(&j(5), &js(&[1, 2, 3, 4, 5, 6, 7, 8]))),
            bs("00000111")
        );
        let y = l(vec![js(&[1, 2, 3]), js(&[4, 5, 6]), js(&[7, 8])]);
        assert_eq!(
            ok(lt(&js(&[1, 4, 7]), &y)),
            l(vec![bs("011"), bs("011"), bs("01")])
        );
        let x = l(vec![j(1), js(&[2, 3, 4]), j(7)]);
        assert_eq!(ok(lt(&x, &y)), l(vec![bs("011"), bs("111"), bs("01")]));
        let x = l(vec![j(1), js(&[2, 3, 4]), l(vec![js(&[5, 6, 7]), j(8)])]);
        assert_eq!(
            ok(lt(&x, &y)),
            l(vec![bs("011"), bs("111"), l(vec![bs("110"), b(false)])])
        );
        // wp-iterators: nested lists all the way down.
        let x = l(vec![j(1), j(2), js(&[3, 4])]);
        let y = l(vec![
            l(vec![js(&[10, 10, 10]), js(&[20, 20])]),
            j(30),
            l(vec![
                l(vec![js(&[40, 40]), l(vec![js(&[50, 50, 50]), j(60)])]),
                j(70),
            ]),
        ]);
        assert_eq!(
            ok(add(&x, &y)),
            l(vec![
                l(vec![js(&[11, 11, 11]), js(&[21, 21])]),
                j(32),
                l(vec![
                    l(vec![js(&[43, 43]), l(vec![js(&[53, 53, 53]), j(63)])]),
                    j(74)
                ]),
            ])
        );
        assert_eq!(ok(lt(&K::string("jump"), &K::char(b'n'))), bs("1010"));
        assert_eq!(ok(max2(&j(2), &js(&[0, 1, 2, 3, 4]))), js(&[2, 2, 2, 3, 4]));
        assert_eq!(ok(modulo(&js(&[2, 3, 4, 5]), &j(2))), js(&[0, 1, 0, 1]));
        assert_eq!(
            ok(mul(&js(&[2, 3]), &ok(sub(&js(&[4, 5]), &js(&[6, 7]))))),
            js(&[-4, -6])
        );
        close(&ok(xexp(&js(&[1, 5, 3]), &j(3))), 9, &[1.0, 125.0, 27.0]);
        close(&ok(sqrt(&j(16))), -9, &[4.0]);
        close(
            &ok(add(&K::real(f32::INFINITY), &j(5))),
            -8,
            &[f64::INFINITY],
        );
    }

    #[test]
    fn dictionaries() {
        let (d, _, _) = dtk();
        let abc = ss(&["a", "b", "c"]);
        assert_eq!(
            ok(add(&j(5), &K::dict(abc.clone(), js(&[100, 200, 300])))),
            K::dict(abc.clone(), js(&[105, 205, 305]))
        );
        close(
            &match ok(mul(&f(1.1), &K::dict(abc.clone(), js(&[5, 10, 20])))) {
                K::Dict(r) => r.vals.clone(),
                other => panic!("{other:?}"),
            },
            9,
            &[5.5, 11.0, 22.0],
        );
        assert_eq!(
            ok(add(&d, &j(10))),
            K::dict(
                ss(&["a", "b"]),
                l(vec![js(&[20, -11, 13]), js(&[14, 15, 4])])
            )
        );
        let e = K::dict(
            ss(&["b", "c"]),
            l(vec![js(&[10, 20, 30]), js(&[1000, 2000, 3000])]),
        );
        let want = |b: K, c: K| K::dict(abc.clone(), l(vec![js(&[10, -21, 3]), b, c]));
        assert_eq!(
            ok(add(&d, &e)),
            want(js(&[14, 25, 24]), js(&[1000, 2000, 3000]))
        );
        assert_eq!(
            ok(sub(&d, &e)),
            want(js(&[-6, -15, -36]), js(&[-1000, -2000, -3000]))
        );
        assert_eq!(
            ok(mul(&d, &e)),
            want(js(&[40, 100, -180]), js(&[1000, 2000, 3000]))
        );
        assert_eq!(
            ok(div_f(&d, &e)),
            want(fs(&[0.4, 0.25, -0.2]), js(&[1000, 2000, 3000]))
        );
        assert_eq!(
            ok(max2(&d, &e)),
            want(js(&[10, 20, 30]), js(&[1000, 2000, 3000]))
        );
        assert_eq!(
            ok(min2(&d, &e)),
            want(js(&[4, 5, -6]), js(&[1000, 2000, 3000]))
        );
        assert_eq!(
            ok(max2(&d, &j(5))),
            K::dict(ss(&["a", "b"]), l(vec![js(&[10, 5, 5]), js(&[5, 5, 5])]))
        );
        assert_eq!(
            ok(ge(&d, &j(5))),
            K::dict(ss(&["a", "b"]), l(vec![bs("100"), bs("010")]))
        );
        assert_eq!(
            ok(le(&d, &j(5))),
            K::dict(ss(&["a", "b"]), l(vec![bs("011"), bs("111")]))
        );
        assert_eq!(
            ok(ge(&j(5), &K::dict(ss(&["a", "b"]), js(&[4, 6])))),
            K::dict(ss(&["a", "b"]), bs("10"))
        );
        // Vector-valued dict against a same-length vector.
        assert_eq!(
            ok(add(&K::dict(ss(&["a", "b"]), js(&[1, 2])), &js(&[10, 20]))),
            K::dict(ss(&["a", "b"]), js(&[11, 22]))
        );
        // Keys in a different order line up.
        let x = K::dict(ss(&["a", "b"]), js(&[1, 2]));
        let y = K::dict(ss(&["b", "a"]), js(&[10, 20]));
        assert_eq!(ok(add(&x, &y)), K::dict(ss(&["a", "b"]), js(&[21, 12])));
        match ok(exp(&d)) {
            K::Dict(r) => match &r.vals {
                K::List(v) => {
                    close(&v.items[0], 9, &[22026.47, 7.58256e-10, 20.08554]);
                    close(&v.items[1], 9, &[54.59815, 148.4132, 0.002478752]);
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tables() {
        let (_, t, k) = dtk();
        assert_eq!(
            ok(add(&t, &j(100))),
            table(&["a", "b"], vec![js(&[110, 79, 103]), js(&[104, 105, 94])])
        );
        assert_eq!(
            ok(sub(&t, &j(100))),
            table(
                &["a", "b"],
                vec![js(&[-90, -121, -97]), js(&[-96, -95, -106])]
            )
        );
        assert_eq!(
            ok(div_f(&t, &j(100))),
            table(
                &["a", "b"],
                vec![fs(&[0.1, -0.21, 0.03]), fs(&[0.04, 0.05, -0.06])]
            )
        );
        assert_eq!(
            ok(gt(&t, &j(5))),
            table(&["a", "b"], vec![bs("100"), bs("000")])
        );
        assert_eq!(
            ok(lt(&t, &j(5))),
            table(&["a", "b"], vec![bs("011"), bs("101")])
        );
        assert_eq!(
            ok(max2(&t, &j(5))),
            table(&["a", "b"], vec![js(&[10, 5, 5]), js(&[5, 5, 5])])
        );
        assert_eq!(
            ok(min2(&t, &j(5))),
            table(&["a", "b"], vec![js(&[5, -21, 3]), js(&[4, 5, -6])])
        );
        assert_eq!(
            ok(signum(&t)),
            table(&["a", "b"], vec![is(&[1, -1, 1]), is(&[1, 1, -1])])
        );
        assert_eq!(
            ok(mul(&t, &t)),
            table(&["a", "b"], vec![js(&[100, 441, 9]), js(&[16, 25, 36])])
        );
        let short = table(&["a"], vec![js(&[1])]);
        assert_eq!(err(add(&t, &short)), "length");
        let other = table(&["b", "c"], vec![js(&[1, 1, 1]), js(&[7, 8, 9])]);
        assert_eq!(
            ok(add(&t, &other)),
            table(
                &["a", "b", "c"],
                vec![js(&[10, -21, 3]), js(&[5, 6, -5]), js(&[7, 8, 9])]
            )
        );
        let row = K::dict(ss(&["a", "c"]), js(&[1, 2]));
        assert_eq!(
            ok(add(&t, &row)),
            table(
                &["a", "b", "c"],
                vec![js(&[11, -20, 4]), js(&[4, 5, -6]), js(&[2, 2, 2])]
            )
        );
        assert_eq!(
            ok(add(&t, &js(&[1, 2, 3]))),
            table(&["a", "b"], vec![js(&[11, -19, 6]), js(&[5, 7, -3])])
        );
        // `3%([]b:1 2 3;c:45 46 47)`
        match ok(div_f(
            &j(3),
            &table(&["b", "c"], vec![js(&[1, 2, 3]), js(&[45, 46, 47])]),
        )) {
            K::Table(r) => {
                close(&r.cols[0], 9, &[3.0, 1.5, 1.0]);
                close(&r.cols[1], 9, &[0.06666667, 0.06521739, 0.06382979]);
            }
            other => panic!("{other:?}"),
        }
        // Keyed tables: values line up by key.
        let keys = table(&["k"], vec![ss(&["abc", "def", "ghi"])]);
        assert_eq!(
            ok(add(&k, &k)),
            K::dict(
                keys.clone(),
                table(&["a", "b"], vec![js(&[20, -42, 6]), js(&[8, 10, -12])])
            )
        );
        assert_eq!(
            ok(max2(&k, &j(5))),
            K::dict(
                keys.clone(),
                table(&["a", "b"], vec![js(&[10, 5, 5]), js(&[5, 5, 5])])
            )
        );
        assert_eq!(
            ok(lt(&k, &j(5))),
            K::dict(keys.clone(), table(&["a", "b"], vec![bs("011"), bs("101")]))
        );
        match ok(log(&k)) {
            K::Dict(r) => match &r.vals {
                K::Table(v) => {
                    close(&v.cols[0], 9, &[2.302585, f64::NAN, 1.098612]);
                    close(&v.cols[1], 9, &[1.386294, 1.609438, f64::NAN]);
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
        // ref/lesser: a&b with keys in another order and one key missing.
        let m =
            |v: &[(i32, i32)]| K::i32s_of(Ty::Month, v.iter().map(|&(y, mm)| mon(y, mm)).collect());
        let a = K::dict(
            table(&["sym"], vec![ss(&["ibm", "msoft", "appl", "goog"])]),
            table(
                &["t"],
                vec![m(&[(2017, 5), (2017, 9), (2015, 3), (2017, 11)])],
            ),
        );
        let bk = K::dict(
            table(&["sym"], vec![ss(&["msoft", "goog", "ibm"])]),
            table(&["t"], vec![m(&[(2017, 8), (2017, 12), (2016, 12)])]),
        );
        let akeys = table(&["sym"], vec![ss(&["ibm", "msoft", "appl", "goog"])]);
        assert_eq!(
            ok(min2(&a, &bk)),
            K::dict(
                akeys.clone(),
                table(
                    &["t"],
                    vec![m(&[(2016, 12), (2017, 8), (2015, 3), (2017, 11)])]
                )
            )
        );
        assert_eq!(
            ok(max2(&a, &bk)),
            K::dict(
                akeys,
                table(
                    &["t"],
                    vec![m(&[(2017, 5), (2017, 9), (2015, 3), (2017, 12)])]
                )
            )
        );
        // A key only in y is appended, value columns only on one side filled with nulls.
        let y = K::dict(
            table(&["k"], vec![ss(&["zzz", "abc"])]),
            table(&["b", "c"], vec![js(&[1, 2]), js(&[7, 8])]),
        );
        assert_eq!(
            ok(sub(&k, &y)),
            K::dict(
                table(&["k"], vec![ss(&["abc", "def", "ghi", "zzz"])]),
                table(
                    &["a", "b", "c"],
                    vec![
                        js(&[10, -21, 3, i64::MIN]),
                        js(&[2, 5, -6, -1]),
                        js(&[-8, i64::MIN, i64::MIN, -7]),
                    ]
                )
            )
        );
    }

    #[test]
    fn coalesce_keyed_tables() {
        // ref/coalesce
        let kt = |k: &[i64], c1: K, c2: &[&str]| {
            K::dict(
                table(&["k"], vec![js(k)]),
                table(&["c1", "c2"], vec![c1, ss(c2)]),
            )
        };
        let kt1 = kt(&[1, 2, 3], js(&[10, 20, 30]), &["a", "b", "c"]);
        let kt2 = kt(&[3, 4, 5], js(&[300, 400, 500]), &["cc", "dd", "ee"]);
        assert_eq!(
            ok(fill(&kt1, &kt2)),
            kt(
                &[1, 2, 3, 4, 5],
                js(&[10, 20, 300, 400, 500]),
                &["a", "b", "cc", "dd", "ee"]
            )
        );
        let kt3 = kt(&[2, 3], js(&[i64::MIN, 3000]), &["bbb", ""]);
        assert_eq!(
            ok(fill(&kt1, &kt3)),
            kt(&[1, 2, 3], js(&[10, 20, 3000]), &["a", "bbb", "c"])
        );
    }

    #[test]
    fn enumerations() {
        let e = |v: Vec<i64>| {
            K::Enum(qipc::Enum {
                domain: Sym::from("sym"),
                attr: Attr::None,
                idx: Arc::new(v),
            })
        };
        assert_eq!(ok(eq(&e(vec![0, 1, 2]), &e(vec![0, 2, 2]))), bs("101"));
        assert_eq!(
            ok(ne(&e(vec![0, 1]), &K::EnumAtom(Sym::from("sym"), 1))),
            bs("10")
        );
        assert_eq!(err(eq(&e(vec![0]), &s("a"))), "nyi");
        assert_eq!(err(lt(&e(vec![0]), &e(vec![1]))), "nyi");
        assert_eq!(err(add(&e(vec![0]), &j(1))), "type");
        assert_eq!(ok(null(&e(vec![0, 1]))), bs("00"));
    }

    #[test]
    fn registry() {
        let find = |name: &str| DYADS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f);
        let plus = find("+").expect("+ registered");
        assert_eq!(ok(plus(&j(2), &j(3))), j(5));
        assert_eq!(
            ok(find("and").expect("and")(&bs("1010"), &bs("1100"))),
            bs("1000")
        );
        assert_eq!(ok(find("or").expect("or")(&j(2), &j(3))), j(3));
        assert_eq!(DYADS.len(), 20);
        let m = MONADS.iter().find(|(n, _)| *n == "neg").map(|(_, f)| *f);
        assert_eq!(ok(m.expect("neg")(&j(3))), j(-3));
        assert_eq!(MONADS.len(), 17);
    }

    #[test]
    fn calendar() {
        assert_eq!(days_from_civil(2000, 1, 1), EPOCH_2000);
        assert_eq!(date(1999, 1, 1), -365);
        assert_eq!(date(2000, 12, 31), 365);
        assert_eq!(date(2010, 1, 1), 3653);
        assert_eq!(date(2005, 1, 1), 1827);
        assert_eq!(month_days(1), 31);
        assert_eq!(month_days(-1), -31);
        assert_eq!(month_days(13), 366 + 31);
        assert_eq!(month_days(14), 366 + 31 + 28);
    }
}
