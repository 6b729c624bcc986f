//! Cast, Tok and q's string keywords.
//!
//! Owns `$` with a type on the left (Cast between numeric and temporal types; Tok, which
//! parses strings), `$` as Pad and as `mmu` (float dot product and matrix multiply),
//! `string`, `like`, `ss`, `ssr`, `sv`, `vs`, `upper`, `lower`, `trim`, `ltrim` and `rtrim`;
//! with them q's text form of every atom, q's conversion rules between types and q's
//! glob patterns.
//!
//! It reads no interpreter state. Two cases belong to the evaluator and come back as
//! distinctive errors it can intercept: `` `d$y `` where `` `d `` names no type is an
//! enumeration over a global (error text [`CAST_ENUM`]); `ssr` with a function as the
//! replacement needs a caller that can apply functions (`ssr` answers `'nyi`, the evaluator
//! calls [`ssr_by`] with a closure). Enumerated values need their domain for `string`,
//! `upper`, `like` and symbol casts, and answer `'nyi` here.

use super::{Dyad, Monad};
use crate::lang::literal::{civil_from_days, days_from_civil};
use crate::lang::value::{atom_is_null, empty_vector, from_items, items, push_scalar};
use crate::lang::{QError, QResult};
use qipc::{null, Atom, Data, Func, Guid, Scalar, Storage, Sym, Table, Ty, Vector, K};
use std::fmt::Write as _;
use std::ops::Neg;
use std::sync::Arc;

pub const MONADS: &[(&str, Monad)] = &[
    ("string", string),
    ("upper", upper),
    ("lower", lower),
    ("trim", trim),
    ("ltrim", ltrim),
    ("rtrim", rtrim),
    ("md5", md5),
];

pub const DYADS: &[(&str, Dyad)] = &[
    ("$", cast),
    ("like", like),
    ("ss", ss),
    ("sv", sv),
    ("vs", vs),
];

/// Error text of `` `d$y `` when `` `d `` is not a type name: an enumeration, which needs
/// the interpreter's globals. The evaluator intercepts it and enumerates.
pub const CAST_ENUM: &str = "cast-enum";

/// Float precision of `string` at q's default `\P 7`.
pub const DEFAULT_PRECISION: usize = 7;

const DAY_NS: i64 = 86_400_000_000_000;
const HOUR_NS: i64 = 3_600_000_000_000;
const MIN_NS: i64 = 60_000_000_000;
const SEC_NS: i64 = 1_000_000_000;
const MS_NS: i64 = 1_000_000;
const DAY_MS: i64 = 86_400_000;
/// Unix time of 2000.01.01, q's epoch.
const UNIX_2000: i64 = 946_684_800;

// ---------------------------------------------------------------------------------------
// Walking q's containers

/// Apply `f` through q's containers the way an atomic function iterates: items of a
/// general list (results collapse as `each` does), values of a dictionary (a keyed
/// table's value table included), columns of a table.
fn through(y: &K, f: &dyn Fn(&K) -> QResult) -> QResult {
    match y {
        K::List(l) => Ok(from_items(
            l.items.iter().map(f).collect::<QResult<Vec<K>>>()?,
        )),
        K::Dict(d) => Ok(K::dict(d.keys.clone(), f(&d.vals)?)),
        K::Table(t) => map_columns(t, f),
        _ => Err(QError::type_()),
    }
}

fn map_columns(t: &Table, f: &dyn Fn(&K) -> QResult) -> QResult {
    let cols = t.cols.iter().map(f).collect::<QResult<Vec<K>>>()?;
    Ok(K::table(t.names.as_ref().clone(), cols))
}

/// A one-item buffer holding an atom's value, so atoms share the vector loops.
fn atom_data(a: &Atom) -> Data {
    let mut d = Data::with_capacity(a.ty.storage(), 1);
    push_scalar(&mut d, a.v);
    d
}

/// The first item of a buffer built from one atom (empty only if the atom's value did not
/// match its type's storage, which no constructor produces).
fn first(d: &Data) -> QResult<Scalar> {
    if d.is_empty() {
        Err(QError::type_())
    } else {
        Ok(d.get(0))
    }
}

fn char_vec(k: &K) -> Option<&[u8]> {
    match k {
        K::Vector(Vector {
            ty: Ty::Char,
            data: Data::U8(v),
            ..
        }) => Some(v),
        _ => None,
    }
}

fn byte_vec(k: &K) -> Option<&[u8]> {
    match k {
        K::Vector(Vector {
            ty: Ty::Byte,
            data: Data::U8(v),
            ..
        }) => Some(v),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// `$`

/// What the left argument of `$` asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Spec {
    Cast(Ty),
    Part(Part),
    Tok(Ty),
    /// `"*"` or `0h`: `y` unchanged.
    Identity,
    Pad(i64),
}

/// The parts of a temporal value that `` `year`mm`dd`hh`uu`ss`week$ `` extract.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Part {
    Year,
    Mm,
    Dd,
    Hh,
    Uu,
    Ss,
    Week,
}

/// `x$y`: Cast (type name symbol, lower-case type char, positive short), Tok (upper-case
/// char, negative short, null symbol), identity (`"*"`, `0h`), the temporal parts
/// (`` `year`mm`dd`hh`uu`ss`week ``), Pad (long or int left), `mmu` (float vectors or
/// matrices), and lists of such left arguments applied item by item.
///
/// A symbol that is not a type name is an enumeration: answered with the error
/// [`CAST_ENUM`] for the evaluator to intercept.
pub fn cast(x: &K, y: &K) -> QResult {
    match spec_of(x)? {
        Some(spec) => apply(spec, y),
        None => cast_each_left(x, y),
    }
}

/// The spec an atom names; `None` for a list, which applies item by item.
fn spec_of(x: &K) -> QResult<Option<Spec>> {
    let a = match x {
        K::Atom(a) => a,
        K::Vector(_) | K::List(_) => return Ok(None),
        _ => return Err(QError::type_()),
    };
    let spec = match (a.ty, a.v) {
        (Ty::Char, Scalar::U8(c)) => match c {
            b'*' => Spec::Identity,
            b'a'..=b'z' => Spec::Cast(Ty::from_char(c).ok_or_else(QError::type_)?),
            b'A'..=b'Z' => {
                Spec::Tok(Ty::from_char(c.to_ascii_lowercase()).ok_or_else(QError::type_)?)
            }
            _ => return Err(QError::type_()),
        },
        (Ty::Short, Scalar::I16(t)) => {
            let code = |t: i16| {
                i8::try_from(t)
                    .ok()
                    .and_then(Ty::from_code)
                    .ok_or_else(QError::type_)
            };
            match t {
                0 => Spec::Identity,
                t if t > 0 => Spec::Cast(code(t)?),
                null::H => return Err(QError::type_()),
                t => Spec::Tok(code(-t)?),
            }
        }
        (Ty::Sym, Scalar::Sym(s)) => sym_spec(s)?,
        (Ty::Long, Scalar::I64(n)) if n != null::J => Spec::Pad(n),
        (Ty::Int, Scalar::I32(n)) if n != null::I => Spec::Pad(n as i64),
        _ => return Err(QError::type_()),
    };
    Ok(Some(spec))
}

fn sym_spec(s: Sym) -> QResult<Spec> {
    if s.is_null() {
        return Ok(Spec::Tok(Ty::Sym));
    }
    let ty = match s.as_bytes() {
        b"boolean" => Ty::Bool,
        b"guid" => Ty::Guid,
        b"byte" => Ty::Byte,
        b"short" => Ty::Short,
        b"int" => Ty::Int,
        b"long" => Ty::Long,
        b"real" => Ty::Real,
        b"float" => Ty::Float,
        b"char" => Ty::Char,
        b"symbol" => Ty::Sym,
        b"timestamp" => Ty::Timestamp,
        b"month" => Ty::Month,
        b"date" => Ty::Date,
        b"datetime" => Ty::Datetime,
        b"timespan" => Ty::Timespan,
        b"minute" => Ty::Minute,
        b"second" => Ty::Second,
        b"time" => Ty::Time,
        b"year" => return Ok(Spec::Part(Part::Year)),
        b"mm" => return Ok(Spec::Part(Part::Mm)),
        b"dd" => return Ok(Spec::Part(Part::Dd)),
        b"hh" => return Ok(Spec::Part(Part::Hh)),
        b"uu" => return Ok(Spec::Part(Part::Uu)),
        b"ss" => return Ok(Spec::Part(Part::Ss)),
        b"week" => return Ok(Spec::Part(Part::Week)),
        _ => return Err(QError::new(CAST_ENUM)),
    };
    Ok(Spec::Cast(ty))
}

fn apply(spec: Spec, y: &K) -> QResult {
    match spec {
        Spec::Cast(ty) => cast_to(ty, y),
        Spec::Part(p) => part_of(p, y),
        Spec::Tok(ty) => tok(ty, y),
        Spec::Identity => Ok(y.clone()),
        Spec::Pad(n) => pad(n, y),
    }
}

/// A list on the left: `mmu` for floats; otherwise each item of `x` with `y` (when `y`
/// is an atom, or a string that every item parses) or with the matching item of `y`.
fn cast_each_left(x: &K, y: &K) -> QResult {
    if let Some(r) = super::matrix::mmu_floats(x, y) {
        return r;
    }
    let xs = items(x);
    let broadcast = match y {
        K::Vector(Vector { ty: Ty::Char, .. }) => xs.iter().all(parses_strings),
        K::Vector(_) | K::List(_) | K::Enum(_) => false,
        _ => true,
    };
    let out = if broadcast {
        xs.iter().map(|s| cast(s, y)).collect::<QResult<Vec<K>>>()?
    } else {
        if y.len() != xs.len() {
            return Err(QError::length());
        }
        xs.iter()
            .zip(items(y).iter())
            .map(|(s, v)| cast(s, v))
            .collect::<QResult<Vec<K>>>()?
    };
    Ok(from_items(out))
}

/// Tok and identity stop at strings rather than at chars.
fn parses_strings(x: &K) -> bool {
    matches!(spec_of(x), Ok(Some(Spec::Tok(_) | Spec::Identity)))
}

// ---------------------------------------------------------------------------------------
// Cast

fn cast_to(ty: Ty, y: &K) -> QResult {
    match y {
        K::Atom(a) => {
            if a.ty == ty {
                return Ok(y.clone());
            }
            let d = cast_data(a.ty, &atom_data(a), ty)?;
            Ok(K::atom(ty, first(&d)?))
        }
        K::Vector(v) => {
            if v.ty == ty {
                return Ok(y.clone());
            }
            Ok(K::vector(ty, cast_data(v.ty, &v.data, ty)?))
        }
        K::List(l) if l.items.is_empty() => Ok(empty_vector(ty)),
        K::EnumAtom(_, i) => cast_enum(ty, &K::long(*i)),
        K::Enum(e) => cast_enum(ty, &K::longs(e.idx.as_ref().clone())),
        _ => through(y, &|v| cast_to(ty, v)),
    }
}

/// Enumerated values cast by their index; to symbols they need the domain.
fn cast_enum(ty: Ty, idx: &K) -> QResult {
    if ty == Ty::Sym {
        Err(QError::nyi())
    } else {
        cast_to(ty, idx)
    }
}

/// Cast a buffer of type `src` to type `dst`. Between two temporal types the value
/// converts (a timestamp's date, a time's minutes); otherwise the underlying number does
/// (`` `int$2000.01.02 `` is 1i, `` `date$1 `` is 2000.01.02).
fn cast_data(src: Ty, data: &Data, dst: Ty) -> QResult<Data> {
    if src == dst {
        return Ok(data.clone());
    }
    if matches!(src, Ty::Sym | Ty::Guid) || matches!(dst, Ty::Sym | Ty::Guid) {
        return Err(QError::type_());
    }
    if src.is_temporal() && dst.is_temporal() {
        return temporal(src, data, dst);
    }
    match data {
        Data::U8(v) => raw(v, dst),
        Data::I16(v) => raw(v, dst),
        Data::I32(v) => raw(v, dst),
        Data::I64(v) => raw(v, dst),
        Data::F32(v) => raw(v, dst),
        Data::F64(v) => raw(v, dst),
        Data::Guid(_) | Data::Sym(_) => Err(QError::type_()),
    }
}

/// A numeric item as a cast reads it.
trait Num: Copy {
    /// q's null of the source type (bool, byte and char have none).
    fn null(self) -> bool;
    /// The value for an integer target: integers as they are, floats rounded half away
    /// from zero and saturated.
    fn int(self) -> i64;
    /// The value for a float target; integer nulls read as NaN.
    fn float(self) -> f64;
    /// Non-zero (nulls and NaN included, as q's boolean cast counts them).
    fn truthy(self) -> bool;
}

impl Num for u8 {
    fn null(self) -> bool {
        false
    }
    fn int(self) -> i64 {
        self as i64
    }
    fn float(self) -> f64 {
        self as f64
    }
    fn truthy(self) -> bool {
        self != 0
    }
}

macro_rules! int_num {
    ($t:ty, $null:expr) => {
        impl Num for $t {
            fn null(self) -> bool {
                self == $null
            }
            fn int(self) -> i64 {
                self as i64
            }
            fn float(self) -> f64 {
                if self == $null {
                    f64::NAN
                } else {
                    self as f64
                }
            }
            fn truthy(self) -> bool {
                self != 0
            }
        }
    };
}
int_num!(i16, null::H);
int_num!(i32, null::I);
int_num!(i64, null::J);

macro_rules! float_num {
    ($t:ty) => {
        impl Num for $t {
            fn null(self) -> bool {
                self.is_nan()
            }
            fn int(self) -> i64 {
                // `as` saturates: infinities become the largest magnitudes.
                (self as f64).round() as i64
            }
            fn float(self) -> f64 {
                self as f64
            }
            fn truthy(self) -> bool {
                self != 0.0
            }
        }
    };
}
float_num!(f32);
float_num!(f64);

/// An integer target: its null and its infinity.
trait IntOut: Copy {
    const NULL: Self;
    const MAX: i64;
    fn from_i64(v: i64) -> Self;
}

macro_rules! int_out {
    ($t:ty, $null:expr, $max:expr) => {
        impl IntOut for $t {
            const NULL: Self = $null;
            const MAX: i64 = $max as i64;
            fn from_i64(v: i64) -> Self {
                v as $t
            }
        }
    };
}
int_out!(i16, null::H, null::WH);
int_out!(i32, null::I, null::WI);
int_out!(i64, null::J, null::WJ);

/// Nulls stay null; other values saturate at the target's infinities, so narrowing
/// `0W` gives `0Wi` while widening `0Wi` gives the finite 2147483647.
fn to_int<S: Num, D: IntOut>(s: S) -> D {
    if s.null() {
        D::NULL
    } else {
        D::from_i64(s.int().clamp(-D::MAX, D::MAX))
    }
}

/// Bytes and chars take the low byte of the value saturated to the int range: q's
/// documented quirk that longs above `0Wi` cast to `0xff`.
fn low_byte<S: Num>(s: S) -> u8 {
    if s.null() {
        0
    } else {
        s.int().clamp(-(null::WI as i64), null::WI as i64) as u8
    }
}

fn raw<S: Num>(v: &[S], dst: Ty) -> QResult<Data> {
    Ok(match dst.storage() {
        Storage::U8 if dst == Ty::Bool => {
            Data::U8(Arc::new(v.iter().map(|s| s.truthy() as u8).collect()))
        }
        Storage::U8 => Data::U8(Arc::new(v.iter().map(|&s| low_byte(s)).collect())),
        Storage::I16 => Data::I16(Arc::new(v.iter().map(|&s| to_int(s)).collect())),
        Storage::I32 => Data::I32(Arc::new(v.iter().map(|&s| to_int(s)).collect())),
        Storage::I64 => Data::I64(Arc::new(v.iter().map(|&s| to_int(s)).collect())),
        Storage::F32 => Data::F32(Arc::new(v.iter().map(|s| s.float() as f32).collect())),
        Storage::F64 => Data::F64(Arc::new(v.iter().map(|s| s.float()).collect())),
        Storage::Guid | Storage::Sym => return Err(QError::type_()),
    })
}

// Temporal values in one currency: nanoseconds as i128 (from 2000.01.01 for the dated
// types, a duration for the others), with sentinels for null and the infinities so that
// every pair of types converts through one reader and one writer.
const C_NULL: i128 = i128::MIN;
const C_NINF: i128 = i128::MIN + 1;
const C_PINF: i128 = i128::MAX;

fn finite(c: i128) -> bool {
    c != C_NULL && c != C_NINF && c != C_PINF
}

/// Timestamp, month, date, datetime: points in the calendar (the others are durations
/// or times of day).
fn is_dated(t: Ty) -> bool {
    matches!(t, Ty::Timestamp | Ty::Month | Ty::Date | Ty::Datetime)
}

/// Nanoseconds in one unit of a clock type.
fn clock_unit(t: Ty) -> Option<i64> {
    Some(match t {
        Ty::Minute => MIN_NS,
        Ty::Second => SEC_NS,
        Ty::Time => MS_NS,
        _ => return None,
    })
}

/// The conversions between clock types and from timestamps/timespans to dates and clock
/// types in 64-bit arithmetic, with the same results as the general path through
/// nanoseconds (which needs 128 bits for the rest): `time.minute` on a large column is
/// the common case in queries.
fn temporal_fast(src: Ty, data: &Data, dst: Ty) -> Option<Data> {
    match data {
        Data::I32(v) => {
            let (su, du) = (clock_unit(src)?, clock_unit(dst)?);
            // Units are fixed, so each conversion gets a loop with a constant factor.
            let out = if su >= du {
                match su / du {
                    1 => return Some(data.clone()),
                    60 => rescale::<60, 1>(v),
                    1000 => rescale::<1000, 1>(v),
                    60_000 => rescale::<60_000, 1>(v),
                    _ => return None,
                }
            } else {
                match du / su {
                    60 => rescale::<1, 60>(v),
                    1000 => rescale::<1, 1000>(v),
                    60_000 => rescale::<1, 60_000>(v),
                    _ => return None,
                }
            };
            Some(Data::I32(Arc::new(out)))
        }
        Data::I64(v) if matches!(src, Ty::Timestamp | Ty::Timespan) => {
            let dated = src == Ty::Timestamp;
            let out = match (dst, dated) {
                (Ty::Date, true) => from_ns::<DAY_NS, false>(v),
                (Ty::Minute, true) => from_ns::<MIN_NS, true>(v),
                (Ty::Second, true) => from_ns::<SEC_NS, true>(v),
                (Ty::Time, true) => from_ns::<MS_NS, true>(v),
                (Ty::Minute, false) => from_ns::<MIN_NS, false>(v),
                (Ty::Second, false) => from_ns::<SEC_NS, false>(v),
                (Ty::Time, false) => from_ns::<MS_NS, false>(v),
                _ => return None,
            };
            Some(Data::I32(Arc::new(out)))
        }
        _ => None,
    }
}

/// Clamp to the int range less its null, as out-of-range conversions do.
fn clamp_i32(x: i64) -> i32 {
    let max = null::WI as i64;
    x.clamp(-max, max) as i32
}

/// A clock vector in another unit: times `MUL`, or floor-divided by `DIV`.
fn rescale<const MUL: i64, const DIV: i64>(v: &[i32]) -> Vec<i32> {
    v.iter()
        .map(|&x| match x {
            null::I | null::WI => x,
            x if x == -null::WI => x,
            x if DIV == 1 => clamp_i32(x as i64 * MUL),
            x => clamp_i32((x as i64).div_euclid(DIV)),
        })
        .collect()
}

/// Nanoseconds (of a timestamp when `DAY`: the time of day is taken first) in units of
/// `UNIT` nanoseconds.
fn from_ns<const UNIT: i64, const DAY: bool>(v: &[i64]) -> Vec<i32> {
    super::par::map_items(v, |x| match x {
        null::J => null::I,
        null::WJ => null::WI,
        x if x == -null::WJ => -null::WI,
        x if DAY => clamp_i32(x.rem_euclid(DAY_NS).div_euclid(UNIT)),
        x => clamp_i32(x.div_euclid(UNIT)),
    })
}

fn temporal(src: Ty, data: &Data, dst: Ty) -> QResult<Data> {
    match temporal_fast(src, data, dst) {
        Some(d) => Ok(d),
        None => temporal_general(src, data, dst),
    }
}

fn temporal_general(src: Ty, data: &Data, dst: Ty) -> QResult<Data> {
    match (is_dated(src), is_dated(dst)) {
        // A timespan is an offset from 2000.01.01 to a timestamp; a time of day has no date.
        (false, true) => {
            return if src == Ty::Timespan && dst == Ty::Timestamp {
                Ok(data.clone())
            } else {
                Err(QError::type_())
            }
        }
        // A date or month has no time of day.
        (true, false) if matches!(src, Ty::Month | Ty::Date) => return Err(QError::type_()),
        _ => {}
    }
    let mut c = canon(src, data)?;
    if is_dated(src) && !is_dated(dst) {
        for v in c.iter_mut().filter(|v| finite(**v)) {
            *v = v.rem_euclid(DAY_NS as i128);
        }
    }
    from_canon(dst, &c)
}

/// Day number of the first day of month `m` (months since 2000.01).
fn month_start(m: i64) -> i64 {
    days_from_civil(2000 + m.div_euclid(12), m.rem_euclid(12) + 1, 1)
}

/// Year, month, day of a day number, clamped far outside any representable date so the
/// calendar arithmetic cannot overflow.
fn civil(days: i128) -> (i64, i64, i64) {
    civil_from_days(days.clamp(-4_000_000_000, 4_000_000_000) as i64)
}

fn canon(ty: Ty, data: &Data) -> QResult<Vec<i128>> {
    Ok(match data {
        Data::I64(v) => v
            .iter()
            .map(|&x| match x {
                null::J => C_NULL,
                null::WJ => C_PINF,
                x if x == -null::WJ => C_NINF,
                x => x as i128,
            })
            .collect(),
        Data::I32(v) => {
            let unit: fn(i32) -> i128 = match ty {
                Ty::Date => |d| d as i128 * DAY_NS as i128,
                Ty::Month => |m| month_start(m as i64) as i128 * DAY_NS as i128,
                Ty::Minute => |x| x as i128 * MIN_NS as i128,
                Ty::Second => |x| x as i128 * SEC_NS as i128,
                Ty::Time => |x| x as i128 * MS_NS as i128,
                _ => return Err(QError::type_()),
            };
            v.iter()
                .map(|&x| match x {
                    null::I => C_NULL,
                    null::WI => C_PINF,
                    x if x == -null::WI => C_NINF,
                    x => unit(x),
                })
                .collect()
        }
        // Datetimes carry milliseconds; rounding to them first keeps float noise out of
        // the dates and times read from them.
        Data::F64(v) => v
            .iter()
            .map(|&z| {
                if z.is_nan() {
                    C_NULL
                } else if z == f64::INFINITY {
                    C_PINF
                } else if z == f64::NEG_INFINITY {
                    C_NINF
                } else {
                    ((z * DAY_MS as f64).round() as i128)
                        .saturating_mul(MS_NS as i128)
                        .max(C_NINF)
                }
            })
            .collect(),
        _ => return Err(QError::type_()),
    })
}

fn from_canon(dst: Ty, c: &[i128]) -> QResult<Data> {
    let day = DAY_NS as i128;
    Ok(match dst {
        Ty::Timestamp | Ty::Timespan => canon_i64(c, |v| v),
        Ty::Date => canon_i32(c, |v| v.div_euclid(day)),
        Ty::Month => canon_i32(c, |v| {
            let (y, m, _) = civil(v.div_euclid(day));
            ((y - 2000) * 12 + m - 1) as i128
        }),
        Ty::Minute => canon_i32(c, |v| v.div_euclid(MIN_NS as i128)),
        Ty::Second => canon_i32(c, |v| v.div_euclid(SEC_NS as i128)),
        Ty::Time => canon_i32(c, |v| v.div_euclid(MS_NS as i128)),
        Ty::Datetime => Data::F64(Arc::new(
            c.iter()
                .map(|&v| match v {
                    C_NULL => f64::NAN,
                    C_PINF => f64::INFINITY,
                    C_NINF => f64::NEG_INFINITY,
                    v => v.div_euclid(MS_NS as i128) as f64 / DAY_MS as f64,
                })
                .collect(),
        )),
        _ => return Err(QError::type_()),
    })
}

/// Out-of-range values become the target's infinities (`` `timestamp$1666.09.02 `` is
/// `-0Wp`).
fn canon_i64(c: &[i128], f: impl Fn(i128) -> i128) -> Data {
    Data::I64(Arc::new(canon_ints(c, null::J, null::WJ, f)))
}

fn canon_i32(c: &[i128], f: impl Fn(i128) -> i128) -> Data {
    Data::I32(Arc::new(canon_ints(c, null::I, null::WI, f)))
}

/// Canonical values as integers with `null` and infinity `inf`, `f` of each finite value
/// clamped to the finite range.
fn canon_ints<T>(c: &[i128], null: T, inf: T, f: impl Fn(i128) -> i128) -> Vec<T>
where
    T: Copy + Neg<Output = T> + Into<i128> + TryFrom<i128>,
{
    let max: i128 = inf.into();
    c.iter()
        .map(|&v| match v {
            C_NULL => null,
            C_PINF => inf,
            C_NINF => -inf,
            // In range after the clamp, so the conversion cannot fail.
            v => T::try_from(f(v).clamp(-max, max)).unwrap_or(inf),
        })
        .collect()
}

fn part_of(p: Part, y: &K) -> QResult {
    match y {
        K::Atom(a) => {
            let (ty, d) = part_data(p, a.ty, &atom_data(a))?;
            Ok(K::atom(ty, first(&d)?))
        }
        K::Vector(v) => {
            let (ty, d) = part_data(p, v.ty, &v.data)?;
            Ok(K::vector(ty, d))
        }
        K::List(l) if l.items.is_empty() => Ok(empty_vector(if p == Part::Week {
            Ty::Date
        } else {
            Ty::Int
        })),
        _ => through(y, &|v| part_of(p, v)),
    }
}

/// `` `year`mm`dd`hh`uu`ss$ `` as ints, `` `week$ `` as the date of the week's Monday.
/// `mm` of a time of day is its minute (q's older spelling of `uu`).
fn part_data(p: Part, ty: Ty, data: &Data) -> QResult<(Ty, Data)> {
    if !ty.is_temporal() {
        return Err(QError::type_());
    }
    let dated = is_dated(ty);
    let allowed = match p {
        Part::Year => dated,
        Part::Mm => true,
        Part::Dd | Part::Week => dated && ty != Ty::Month,
        Part::Hh | Part::Uu | Part::Ss => !dated || matches!(ty, Ty::Timestamp | Ty::Datetime),
    };
    if !allowed {
        return Err(QError::type_());
    }
    let f: fn(i128) -> i128 = match (p, dated) {
        (Part::Year, _) => |v| civil(v.div_euclid(DAY_NS as i128)).0 as i128,
        (Part::Mm, true) => |v| civil(v.div_euclid(DAY_NS as i128)).1 as i128,
        (Part::Dd, _) => |v| civil(v.div_euclid(DAY_NS as i128)).2 as i128,
        // 2000.01.03 (day 2) was a Monday.
        (Part::Week, _) => |v| {
            let d = v.div_euclid(DAY_NS as i128);
            d - (d - 2).rem_euclid(7)
        },
        (Part::Hh, true) => |v| v.rem_euclid(DAY_NS as i128).div_euclid(HOUR_NS as i128),
        (Part::Hh, false) => |v| v.div_euclid(HOUR_NS as i128),
        (Part::Mm | Part::Uu, _) => |v| v.div_euclid(MIN_NS as i128).rem_euclid(60),
        (Part::Ss, _) => |v| v.div_euclid(SEC_NS as i128).rem_euclid(60),
    };
    let c = canon(ty, data)?;
    let max = null::WI as i128;
    let out = c
        .iter()
        .map(|&v| {
            if finite(v) {
                f(v).clamp(-max, max) as i32
            } else {
                null::I
            }
        })
        .collect();
    let out_ty = if p == Part::Week { Ty::Date } else { Ty::Int };
    Ok((out_ty, Data::I32(Arc::new(out))))
}

// ---------------------------------------------------------------------------------------
// Tok: strings to values

/// A string parser for one type, by storage class, so a list of strings parses in one
/// loop with no per-item type dispatch.
#[derive(Clone, Copy)]
enum Parser {
    U8(fn(&[u8]) -> u8),
    Guid(fn(&[u8]) -> Guid),
    I16(fn(&[u8]) -> i16),
    I32(fn(&[u8]) -> i32),
    I64(fn(&[u8]) -> i64),
    F32(fn(&[u8]) -> f32),
    F64(fn(&[u8]) -> f64),
    Sym(fn(&[u8]) -> Sym),
}

impl Parser {
    fn one(self, s: &[u8]) -> Scalar {
        match self {
            Parser::U8(f) => Scalar::U8(f(s)),
            Parser::Guid(f) => Scalar::Guid(f(s)),
            Parser::I16(f) => Scalar::I16(f(s)),
            Parser::I32(f) => Scalar::I32(f(s)),
            Parser::I64(f) => Scalar::I64(f(s)),
            Parser::F32(f) => Scalar::F32(f(s)),
            Parser::F64(f) => Scalar::F64(f(s)),
            Parser::Sym(f) => Scalar::Sym(f(s)),
        }
    }

    fn many(self, ss: &[&[u8]]) -> Data {
        fn run<T>(ss: &[&[u8]], f: fn(&[u8]) -> T) -> Arc<Vec<T>> {
            Arc::new(ss.iter().map(|s| f(s)).collect())
        }
        match self {
            Parser::U8(f) => Data::U8(run(ss, f)),
            Parser::Guid(f) => Data::Guid(run(ss, f)),
            Parser::I16(f) => Data::I16(run(ss, f)),
            Parser::I32(f) => Data::I32(run(ss, f)),
            Parser::I64(f) => Data::I64(run(ss, f)),
            Parser::F32(f) => Data::F32(run(ss, f)),
            Parser::F64(f) => Data::F64(run(ss, f)),
            Parser::Sym(f) => Data::Sym(run(ss, f)),
        }
    }
}

fn parser(ty: Ty) -> Parser {
    match ty {
        Ty::Bool => Parser::U8(tok_bool),
        Ty::Guid => Parser::Guid(tok_guid),
        Ty::Byte => Parser::U8(tok_byte),
        Ty::Short => Parser::I16(tok_int_as::<i16>),
        Ty::Int => Parser::I32(tok_int),
        Ty::Long => Parser::I64(tok_int_as::<i64>),
        Ty::Real => Parser::F32(|s| float_text(s) as f32),
        Ty::Float => Parser::F64(float_text),
        Ty::Char => Parser::U8(|s| s.first().copied().unwrap_or(b' ')),
        Ty::Sym => Parser::Sym(|s| Sym::new(trim_blanks(s))),
        Ty::Timestamp => Parser::I64(tok_timestamp),
        Ty::Month => Parser::I32(tok_month),
        Ty::Date => Parser::I32(tok_date),
        Ty::Datetime => Parser::F64(tok_datetime),
        Ty::Timespan => Parser::I64(tok_timespan),
        Ty::Minute => Parser::I32(|s| clock_as(s, MIN_NS)),
        Ty::Second => Parser::I32(|s| clock_as(s, SEC_NS)),
        Ty::Time => Parser::I32(|s| clock_as(s, MS_NS)),
    }
}

/// Tok over text fields held as slices (the text loaders' columns): the vector
/// `"T"$fields` gives, without building a string per field.
pub fn tok_fields(ty: Ty, fields: &[&[u8]]) -> K {
    K::vector(ty, parser(ty).many(fields))
}

/// Tok is atomic down to strings: a string gives an atom, a list of strings a vector.
/// Text that does not parse gives the type's null.
fn tok(ty: Ty, y: &K) -> QResult {
    tok_with(ty, parser(ty), y)
}

fn tok_with(ty: Ty, p: Parser, y: &K) -> QResult {
    match y {
        K::Vector(Vector {
            ty: Ty::Char,
            data: Data::U8(s),
            ..
        }) => Ok(K::atom(ty, p.one(s))),
        K::Atom(Atom {
            ty: Ty::Char,
            v: Scalar::U8(c),
        }) => Ok(K::atom(ty, p.one(std::slice::from_ref(c)))),
        K::List(l) => {
            let strs: Option<Vec<&[u8]>> = l.items.iter().map(K::as_string).collect();
            match strs {
                Some(strs) => Ok(K::vector(ty, p.many(&strs))),
                None => through(y, &|v| tok_with(ty, p, v)),
            }
        }
        K::Dict(_) | K::Table(_) => through(y, &|v| tok_with(ty, p, v)),
        _ => Err(QError::type_()),
    }
}

fn trim_blanks(s: &[u8]) -> &[u8] {
    let a = s.iter().position(|&c| c != b' ').unwrap_or(s.len());
    let b = s.iter().rposition(|&c| c != b' ').map_or(a, |i| i + 1);
    &s[a..b.max(a)]
}

fn strip_minus(s: &[u8]) -> (bool, &[u8]) {
    match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    }
}

/// A run of 1..=18 decimal digits.
fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0i64, |a, &c| a * 10 + (c - b'0') as i64))
}

fn hex_digit(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `"B"$`: true when the first non-blank character is one of `txyTXY1`.
fn tok_bool(s: &[u8]) -> u8 {
    matches!(
        trim_blanks(s).first(),
        Some(b't' | b'x' | b'y' | b'T' | b'X' | b'Y' | b'1')
    ) as u8
}

/// `"X"$`: one or two hex digits.
fn tok_byte(s: &[u8]) -> u8 {
    match trim_blanks(s) {
        [a] => hex_digit(*a).unwrap_or(0),
        [a, b] => match (hex_digit(*a), hex_digit(*b)) {
            (Some(a), Some(b)) => a << 4 | b,
            _ => 0,
        },
        _ => 0,
    }
}

enum IntText {
    Null,
    PosInf,
    NegInf,
    Val(i128),
}

fn int_text(s: &[u8]) -> Option<IntText> {
    let t = trim_blanks(s);
    match t {
        b"0N" => return Some(IntText::Null),
        b"0W" => return Some(IntText::PosInf),
        b"-0W" => return Some(IntText::NegInf),
        _ => {}
    }
    let (neg, d) = strip_minus(t);
    let v = digits(d)? as i128;
    Some(IntText::Val(if neg { -v } else { v }))
}

/// Integers out of the target's range parse as null (`"H"$"32768"` is `0Nh`).
fn tok_int_as<D: IntOut>(s: &[u8]) -> D {
    match int_text(s) {
        Some(IntText::Val(v)) if v.abs() <= D::MAX as i128 => D::from_i64(v as i64),
        Some(IntText::PosInf) => D::from_i64(D::MAX),
        Some(IntText::NegInf) => D::from_i64(-D::MAX),
        _ => D::NULL,
    }
}

/// `"I"$` also reads a dotted IPv4 address as its 32 bits.
fn tok_int(s: &[u8]) -> i32 {
    let t = trim_blanks(s);
    if t.contains(&b'.') {
        return ipv4(t).map_or(null::I, |v| v as i32);
    }
    tok_int_as::<i32>(t)
}

fn ipv4(t: &[u8]) -> Option<u32> {
    let parts: Vec<&[u8]> = t.split(|&c| c == b'.').collect();
    if parts.len() != 4 {
        return None;
    }
    parts.iter().try_fold(0u32, |a, p| {
        let v = digits(p).filter(|&v| p.len() <= 3 && v <= 255)?;
        Some(a << 8 | v as u32)
    })
}

fn float_text(s: &[u8]) -> f64 {
    let t = trim_blanks(s);
    match t {
        b"0n" | b"0N" => return f64::NAN,
        b"0w" | b"0W" => return f64::INFINITY,
        b"-0w" | b"-0W" => return f64::NEG_INFINITY,
        _ => {}
    }
    // Rust also reads "inf" and "nan"; q reads only digits, point, sign and exponent.
    if t.is_empty()
        || !t
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return f64::NAN;
    }
    std::str::from_utf8(t)
        .ok()
        .and_then(|x| x.parse::<f64>().ok())
        .unwrap_or(f64::NAN)
}

/// `"G"$`: a guid with or without its dashes, or an IPv6/IPv4 address.
fn tok_guid(s: &[u8]) -> Guid {
    guid_text(trim_blanks(s)).unwrap_or([0; 16])
}

fn guid_text(t: &[u8]) -> Option<Guid> {
    let dashed = t.len() == 36 && [8, 13, 18, 23].iter().all(|&i| t.get(i) == Some(&b'-'));
    if dashed || t.len() == 32 {
        let hex: Vec<u8> = t.iter().copied().filter(|&c| c != b'-').collect();
        if hex.len() != 32 {
            return None;
        }
        let mut g = [0u8; 16];
        for (b, pair) in g.iter_mut().zip(hex.chunks(2)) {
            let [a, c] = pair else { return None };
            *b = hex_digit(*a)? << 4 | hex_digit(*c)?;
        }
        return Some(g);
    }
    let groups = if t.contains(&b':') {
        ipv6(t)?
    } else {
        let v = ipv4(t)?;
        [0, 0, 0, 0, 0, 0xffff, (v >> 16) as u16, v as u16]
    };
    let mut g = [0u8; 16];
    for (pair, w) in g.chunks_mut(2).zip(groups) {
        pair.copy_from_slice(&w.to_be_bytes());
    }
    Some(g)
}

fn ipv6(t: &[u8]) -> Option<[u16; 8]> {
    fn groups(p: &[u8]) -> Option<Vec<u16>> {
        if p.is_empty() {
            return Some(Vec::new());
        }
        let parts: Vec<&[u8]> = p.split(|&c| c == b':').collect();
        let mut out = Vec::with_capacity(8);
        for (i, g) in parts.iter().enumerate() {
            if i + 1 == parts.len() && g.contains(&b'.') {
                let v = ipv4(g)?;
                out.push((v >> 16) as u16);
                out.push(v as u16);
            } else {
                if g.is_empty() || g.len() > 4 {
                    return None;
                }
                out.push(
                    g.iter()
                        .try_fold(0u16, |a, &c| Some(a << 4 | hex_digit(c)? as u16))?,
                );
            }
        }
        Some(out)
    }
    let gap = t.windows(2).position(|w| w == b"::");
    let all = match gap {
        None => groups(t)?,
        Some(i) => {
            let head = groups(&t[..i])?;
            let tail = groups(&t[i + 2..])?;
            if head.len() + tail.len() > 7 {
                return None;
            }
            let mut all = head;
            all.resize(8 - tail.len(), 0);
            all.extend(tail);
            all
        }
    };
    all.try_into().ok()
}

/// Calendar date to days since 2000.01.01, for years 1..=9999.
fn ymd(y: i64, m: i64, d: i64) -> Option<i64> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((1..=9999).contains(&y) && (1..=dim).contains(&d)).then(|| days_from_civil(y, m, d))
}

fn month_name(p: &[u8]) -> Option<i64> {
    const NAMES: [&[u8]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let lower = p.to_ascii_lowercase();
    NAMES
        .iter()
        .position(|n| *n == lower.as_slice())
        .map(|i| i as i64 + 1)
}

fn two_digit_year(y: i64) -> i64 {
    if y < 50 {
        2000 + y
    } else {
        1900 + y
    }
}

/// The date forms `"D"$` reads: `yyyy.mm.dd` (also with `-` or `/`), `yyyymmdd`,
/// `yymmdd`, `ddMMMyyyy`, `ddMMMyy`, `yyyy/MMM/dd` and `mm/dd/[yy]yy` (q's default `\z 0`).
fn date_text(t: &[u8]) -> Option<i64> {
    let n = t.len();
    if n == 10 && matches!(t[4], b'.' | b'-' | b'/') && t[7] == t[4] {
        return ymd(digits(&t[..4])?, digits(&t[5..7])?, digits(&t[8..])?);
    }
    if t.iter().all(u8::is_ascii_digit) {
        return match n {
            8 => ymd(digits(&t[..4])?, digits(&t[4..6])?, digits(&t[6..])?),
            6 => ymd(
                two_digit_year(digits(&t[..2])?),
                digits(&t[2..4])?,
                digits(&t[4..])?,
            ),
            _ => None,
        };
    }
    if (n == 9 || n == 7) && t[..2].iter().all(u8::is_ascii_digit) {
        if let Some(m) = month_name(&t[2..5]) {
            let y = digits(&t[5..])?;
            let y = if n == 7 { two_digit_year(y) } else { y };
            return ymd(y, m, digits(&t[..2])?);
        }
    }
    let parts: Vec<&[u8]> = t.split(|&c| c == b'/').collect();
    if let [a, b, c] = parts.as_slice() {
        let month = |p: &[u8]| digits(p).or_else(|| month_name(p));
        if a.len() == 4 {
            return ymd(digits(a)?, month(b)?, digits(c)?);
        }
        let y = match c.len() {
            2 => two_digit_year(digits(c)?),
            4 => digits(c)?,
            _ => return None,
        };
        return ymd(y, month(a)?, digits(b)?);
    }
    None
}

fn tok_date(s: &[u8]) -> i32 {
    date_text(trim_blanks(s)).map_or(null::I, |d| d as i32)
}

fn tok_month(s: &[u8]) -> i32 {
    let t = trim_blanks(s);
    let ym = match t.len() {
        7 if matches!(t[4], b'.' | b'-' | b'/') => digits(&t[..4]).zip(digits(&t[5..])),
        6 => digits(&t[..4]).zip(digits(&t[4..])),
        _ => {
            return date_text(t).map_or(null::I, |d| {
                let (y, m, _) = civil_from_days(d);
                ((y - 2000) * 12 + m - 1) as i32
            })
        }
    };
    match ym {
        Some((y, m)) if (1..=9999).contains(&y) && (1..=12).contains(&m) => {
            ((y - 2000) * 12 + m - 1) as i32
        }
        _ => null::I,
    }
}

/// Fractional seconds to nanoseconds; digits past the ninth are dropped.
fn frac_ns(f: &[u8]) -> Option<i64> {
    if !f.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v = 0i64;
    for i in 0..9 {
        v = v * 10 + f.get(i).map_or(0, |&c| (c - b'0') as i64);
    }
    Some(v)
}

/// `hh[:mm[:ss]][.fff]`, or digits `hh[mm[ss[fff...]]]`, to nanoseconds.
fn clock_ns(t: &[u8]) -> Option<i64> {
    let (main, frac) = match t.iter().position(|&c| c == b'.') {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let mut ns = match frac {
        Some(f) => frac_ns(f)?,
        None => 0,
    };
    let (h, m, s): (&[u8], &[u8], &[u8]) = if main.contains(&b':') {
        let parts: Vec<&[u8]> = main.split(|&c| c == b':').collect();
        match parts.as_slice() {
            [h, m] if m.len() == 2 => (h, m, b""),
            [h, m, s] if m.len() == 2 && s.len() == 2 => (h, m, s),
            _ => return None,
        }
    } else {
        if !main.iter().all(u8::is_ascii_digit) {
            return None;
        }
        match main.len() {
            2 => (main, b"", b""),
            4 => (&main[..2], &main[2..], b""),
            6 => (&main[..2], &main[2..4], &main[4..]),
            n if n > 6 && frac.is_none() => {
                ns = frac_ns(&main[6..])?;
                (&main[..2], &main[2..4], &main[4..6])
            }
            _ => return None,
        }
    };
    let h = digits(h)?;
    let m = if m.is_empty() { 0 } else { digits(m)? };
    let s = if s.is_empty() { 0 } else { digits(s)? };
    if m >= 60 || s >= 60 {
        return None;
    }
    h.checked_mul(HOUR_NS)?
        .checked_add(m * MIN_NS + s * SEC_NS + ns)
}

/// Date and optional time of day (after `D`, `T`, a blank or `-`), or Unix seconds
/// (9 to 11 digits, optional fraction), to nanoseconds from 2000.01.01. i128 because
/// datetimes reach past the timestamp range.
fn stamp_text(t: &[u8]) -> Option<i128> {
    if let Some(ns) = unix_text(t) {
        return Some(ns);
    }
    let (days, rest) = if t.len() >= 10 && matches!(t[4], b'.' | b'-' | b'/') && t[7] == t[4] {
        (date_text(&t[..10])?, &t[10..])
    } else if t.len() >= 8 && t[..8].iter().all(u8::is_ascii_digit) {
        (date_text(&t[..8])?, &t[8..])
    } else {
        return None;
    };
    let ns = match rest.split_first() {
        None => 0,
        Some((b'D' | b'T' | b' ' | b'-', [])) => 0,
        Some((b'D' | b'T' | b' ' | b'-', clock)) => clock_ns(clock)?,
        Some(_) => return None,
    };
    Some(days as i128 * DAY_NS as i128 + ns as i128)
}

fn unix_text(t: &[u8]) -> Option<i128> {
    let (secs, frac) = match t.iter().position(|&c| c == b'.') {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    if !(9..=11).contains(&secs.len()) {
        return None;
    }
    let secs = digits(secs)?;
    let f = match frac {
        Some(f) => frac_ns(f)?,
        None => 0,
    };
    Some((secs - UNIX_2000) as i128 * SEC_NS as i128 + f as i128)
}

fn tok_timestamp(s: &[u8]) -> i64 {
    match stamp_text(trim_blanks(s)) {
        Some(ns) if ns.abs() < null::WJ as i128 => ns as i64,
        _ => null::J,
    }
}

fn tok_datetime(s: &[u8]) -> f64 {
    stamp_text(trim_blanks(s)).map_or(f64::NAN, |ns| {
        ns.div_euclid(MS_NS as i128) as f64 / DAY_MS as f64
    })
}

/// `[-][d]D[clock]`, or a clock alone.
fn tok_timespan(s: &[u8]) -> i64 {
    let (neg, t) = strip_minus(trim_blanks(s));
    let ns = match t.iter().position(|&c| c == b'D') {
        Some(i) => {
            let days = if i == 0 { Some(0) } else { digits(&t[..i]) };
            let rest = &t[i + 1..];
            let clock = if rest.is_empty() {
                Some(0)
            } else {
                clock_ns(rest)
            };
            days.zip(clock)
                .and_then(|(d, c)| d.checked_mul(DAY_NS)?.checked_add(c))
        }
        None if t.is_empty() => None,
        None => clock_ns(t),
    };
    match ns {
        Some(v) if v < null::WJ => {
            if neg {
                -v
            } else {
                v
            }
        }
        _ => null::J,
    }
}

/// Minutes, seconds or milliseconds of a clock; finer digits are dropped.
fn clock_as(s: &[u8], unit: i64) -> i32 {
    let (neg, t) = strip_minus(trim_blanks(s));
    if t.is_empty() {
        return null::I;
    }
    match clock_ns(t).map(|ns| ns / unit) {
        Some(v) if v < null::WI as i64 => (if neg { -v } else { v }) as i32,
        _ => null::I,
    }
}

// ---------------------------------------------------------------------------------------
// Pad and mmu

fn pad(n: i64, y: &K) -> QResult {
    match y {
        K::Vector(Vector {
            ty: Ty::Char,
            data: Data::U8(s),
            ..
        }) => Ok(K::string(pad_bytes(s, n)?)),
        K::Atom(Atom {
            ty: Ty::Char,
            v: Scalar::U8(c),
        }) => Ok(K::string(pad_bytes(std::slice::from_ref(c), n)?)),
        K::List(_) | K::Dict(_) | K::Table(_) => through(y, &|v| pad(n, v)),
        _ => Err(QError::type_()),
    }
}

/// `n$s`: `s` cut or blank-padded to `|n|` chars, on the right for positive `n`, on the
/// left for negative.
fn pad_bytes(s: &[u8], n: i64) -> QResult<Vec<u8>> {
    let w = usize::try_from(n.unsigned_abs())
        .ok()
        .filter(|&w| w <= i32::MAX as usize)
        .ok_or_else(QError::limit)?;
    let k = s.len().min(w);
    let mut out = vec![b' '; w];
    if n >= 0 {
        out[..k].copy_from_slice(&s[..k]);
    } else {
        out[w - k..].copy_from_slice(&s[s.len() - k..]);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// string

/// `string x` at the default precision.
pub fn string(x: &K) -> QResult {
    string_p(x, DEFAULT_PRECISION)
}

/// Format a value the way `string` does with floats at precision `precision` (`\P`;
/// 0 means 17 significant digits), e.g. `0.3333333` at 7. Atomic: an atom gives a
/// string, a vector a list of strings (`string "ab"` is `(,"a";,"b")`); nulls give `""`.
pub fn string_p(x: &K, precision: usize) -> QResult {
    let p = match precision {
        0 => 17,
        n => n.min(17),
    };
    string_in(x, p)
}

fn string_in(x: &K, p: usize) -> QResult {
    match x {
        K::Atom(a) => {
            let v = Vector::new(a.ty, atom_data(a));
            fmt_vector(&v, p)
                .into_iter()
                .next()
                .ok_or_else(QError::type_)
        }
        K::Vector(v) => Ok(K::list(fmt_vector(v, p))),
        K::List(l) => Ok(K::list(
            l.items
                .iter()
                .map(|i| string_in(i, p))
                .collect::<QResult<Vec<K>>>()?,
        )),
        K::Dict(d) => Ok(K::dict(d.keys.clone(), string_in(&d.vals, p)?)),
        K::Table(t) => map_columns(t, &|c| string_in(c, p)),
        K::Func(Func::Lambda(l)) => Ok(K::string(l.text.clone())),
        K::Func(Func::Unary(0)) => Ok(K::string("::")),
        // Primitives, projections and compositions print through the evaluator's tables.
        K::Func(_) | K::Enum(_) | K::EnumAtom(..) => Err(QError::nyi()),
        K::Error(_) => Err(QError::type_()),
    }
}

fn fmt_vector(v: &Vector, p: usize) -> Vec<K> {
    fn each<T: Copy>(xs: &[T], f: impl Fn(T) -> Vec<u8>) -> Vec<K> {
        xs.iter().map(|&x| K::string(f(x))).collect()
    }
    match (&v.data, v.ty) {
        (Data::U8(x), Ty::Bool) => each(x, |b| vec![if b != 0 { b'1' } else { b'0' }]),
        (Data::U8(x), Ty::Char) => each(x, |c| vec![c]),
        (Data::U8(x), _) => each(x, |b| format!("{b:02x}").into_bytes()),
        (Data::Guid(x), _) => each(x, fmt_guid),
        (Data::I16(x), _) => each(x, |h| {
            if h == null::H {
                Vec::new()
            } else {
                h.to_string().into_bytes()
            }
        }),
        (Data::I32(x), Ty::Month) => each(x, fmt_month),
        (Data::I32(x), Ty::Date) => each(x, fmt_date),
        (Data::I32(x), Ty::Minute) => each(x, fmt_minute),
        (Data::I32(x), Ty::Second) => each(x, fmt_second),
        (Data::I32(x), Ty::Time) => each(x, fmt_time),
        (Data::I32(x), _) => each(x, |i| int_text_of(i as i64, null::WI as i64, i == null::I)),
        (Data::I64(x), Ty::Timestamp) => each(x, fmt_timestamp),
        (Data::I64(x), Ty::Timespan) => each(x, fmt_timespan),
        (Data::I64(x), _) => each(x, |j| int_text_of(j, null::WJ, j == null::J)),
        (Data::F32(x), _) => each(x, |e| fmt_float(e as f64, p)),
        (Data::F64(x), Ty::Datetime) => each(x, fmt_datetime),
        (Data::F64(x), _) => each(x, |f| fmt_float(f, p)),
        (Data::Sym(x), _) => each(x, |s| s.as_bytes().to_vec()),
    }
}

fn int_text_of(v: i64, inf: i64, is_null: bool) -> Vec<u8> {
    if is_null {
        Vec::new()
    } else if v == inf {
        b"0W".to_vec()
    } else if v == -inf {
        b"-0W".to_vec()
    } else {
        v.to_string().into_bytes()
    }
}

fn fmt_float(x: f64, p: usize) -> Vec<u8> {
    if x.is_nan() {
        Vec::new()
    } else if x.is_infinite() {
        if x > 0.0 {
            b"0w".to_vec()
        } else {
            b"-0w".to_vec()
        }
    } else {
        fmt_g(x, p).into_bytes()
    }
}

/// C's `%.{p}g`: `p` significant digits, trailing zeros dropped, exponent form below 1e-4
/// or from 10^p up, with a sign and at least two exponent digits.
pub fn fmt_g(x: f64, p: usize) -> String {
    let p = p.max(1);
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let sci = format!("{:.*e}", p - 1, x);
    let Some((mant, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", strip_zeros(mant), sign, exp.unsigned_abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn fmt_guid(g: Guid) -> Vec<u8> {
    let mut s = String::with_capacity(36);
    for (i, b) in g.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{b:02x}");
    }
    s.into_bytes()
}

/// Null, infinities, or the text of a finite temporal value.
fn temporal_text<T: PartialEq + Copy>(
    x: T,
    null: T,
    inf: T,
    neg_inf: T,
    f: impl Fn(T) -> String,
) -> Vec<u8> {
    if x == null {
        Vec::new()
    } else if x == inf {
        b"0W".to_vec()
    } else if x == neg_inf {
        b"-0W".to_vec()
    } else {
        f(x).into_bytes()
    }
}

/// Dates outside 0001.01.01..9999.12.31 print as zeros, as q displays them.
fn date_str(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    if (1..=9999).contains(&y) {
        format!("{y:04}.{m:02}.{d:02}")
    } else {
        "0000.00.00".to_string()
    }
}

fn fmt_date(x: i32) -> Vec<u8> {
    temporal_text(x, null::I, null::WI, -null::WI, |d| date_str(d as i64))
}

fn fmt_month(x: i32) -> Vec<u8> {
    temporal_text(x, null::I, null::WI, -null::WI, |m| {
        let m = m as i64;
        let y = 2000 + m.div_euclid(12);
        if (1..=9999).contains(&y) {
            format!("{y:04}.{:02}", m.rem_euclid(12) + 1)
        } else {
            "0000.00".to_string()
        }
    })
}

fn sign(neg: bool) -> &'static str {
    if neg {
        "-"
    } else {
        ""
    }
}

fn fmt_minute(x: i32) -> Vec<u8> {
    temporal_text(x, null::I, null::WI, -null::WI, |v| {
        let a = v.unsigned_abs();
        format!("{}{:02}:{:02}", sign(v < 0), a / 60, a % 60)
    })
}

fn fmt_second(x: i32) -> Vec<u8> {
    temporal_text(x, null::I, null::WI, -null::WI, |v| {
        let a = v.unsigned_abs();
        format!(
            "{}{:02}:{:02}:{:02}",
            sign(v < 0),
            a / 3600,
            a / 60 % 60,
            a % 60
        )
    })
}

fn fmt_time(x: i32) -> Vec<u8> {
    temporal_text(x, null::I, null::WI, -null::WI, |v| {
        let a = v.unsigned_abs();
        format!(
            "{}{:02}:{:02}:{:02}.{:03}",
            sign(v < 0),
            a / 3_600_000,
            a / 60_000 % 60,
            a / 1000 % 60,
            a % 1000
        )
    })
}

/// `hh:mm:ss.fffffffff` of nanoseconds within a day.
fn clock9(ns: u64) -> String {
    let (h, m, s) = (HOUR_NS as u64, MIN_NS as u64, SEC_NS as u64);
    format!(
        "{:02}:{:02}:{:02}.{:09}",
        ns / h,
        ns / m % 60,
        ns / s % 60,
        ns % s
    )
}

fn fmt_timestamp(x: i64) -> Vec<u8> {
    temporal_text(x, null::J, null::WJ, -null::WJ, |v| {
        let days = v.div_euclid(DAY_NS);
        let ns = v.rem_euclid(DAY_NS) as u64;
        format!("{}D{}", date_str(days), clock9(ns))
    })
}

fn fmt_timespan(x: i64) -> Vec<u8> {
    temporal_text(x, null::J, null::WJ, -null::WJ, |v| {
        let a = v.unsigned_abs();
        let day = DAY_NS as u64;
        format!("{}{}D{}", sign(v < 0), a / day, clock9(a % day))
    })
}

fn fmt_datetime(z: f64) -> Vec<u8> {
    if z.is_nan() {
        return Vec::new();
    }
    if z.is_infinite() {
        return if z > 0.0 {
            b"0w".to_vec()
        } else {
            b"-0w".to_vec()
        };
    }
    let ms = (z * DAY_MS as f64).round() as i64;
    let days = ms.div_euclid(DAY_MS);
    let date = date_str(days);
    let r = if date.starts_with("0000") {
        0
    } else {
        ms.rem_euclid(DAY_MS)
    };
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}",
        date,
        r / 3_600_000,
        r / 60_000 % 60,
        r / 1000 % 60,
        r % 1000
    )
    .into_bytes()
}

// ---------------------------------------------------------------------------------------
// Patterns: like, ss, ssr

/// One position of a q pattern.
#[derive(Clone, Debug)]
enum PTok {
    Lit(u8),
    Any,
    Set(Box<[bool; 256]>),
    Star,
}

impl PTok {
    fn accepts(&self, c: u8) -> bool {
        match self {
            PTok::Lit(l) => *l == c,
            PTok::Any => true,
            PTok::Set(s) => s[c as usize],
            PTok::Star => false,
        }
    }
}

/// `?` any char, `*` any run, `[abc]` `[^abc]` `[a-z]` alternatives (`]` first in the
/// brackets is literal; `?` and `*` inside are literal).
fn compile(p: &[u8]) -> QResult<Vec<PTok>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = p.get(i) {
        i += 1;
        match c {
            b'?' => out.push(PTok::Any),
            b'*' => out.push(PTok::Star),
            b'[' => {
                let neg = p.get(i) == Some(&b'^');
                if neg {
                    i += 1;
                }
                let mut set = Box::new([false; 256]);
                let mut first = true;
                loop {
                    let Some(&a) = p.get(i) else {
                        return Err(QError::new("unmatched ]"));
                    };
                    i += 1;
                    if a == b']' && !first {
                        break;
                    }
                    first = false;
                    match (p.get(i), p.get(i + 1)) {
                        (Some(b'-'), Some(&z)) if z != b']' => {
                            for b in a..=z {
                                set[b as usize] = true;
                            }
                            i += 2;
                        }
                        _ => set[a as usize] = true,
                    }
                }
                if neg {
                    set.iter_mut().for_each(|b| *b = !*b);
                }
                out.push(PTok::Set(set));
            }
            c => out.push(PTok::Lit(c)),
        }
    }
    Ok(out)
}

/// Whether `seg` matches the start of `s`.
fn seg_at(seg: &[PTok], s: &[u8]) -> bool {
    s.len() >= seg.len() && seg.iter().zip(s).all(|(t, &c)| t.accepts(c))
}

/// First match of `seg` in `s` at or after `from`.
fn find(seg: &[PTok], s: &[u8], from: usize) -> Option<usize> {
    let last = s.len().checked_sub(seg.len())?;
    (from..=last).find(|&i| seg_at(seg, &s[i..]))
}

/// A `like` pattern: the pieces between stars. q matches `a`, `a*b` and `a*b*` and answers
/// `'nyi` for more stars (`"*the*the*"`), and so do we.
struct Glob {
    segs: Vec<Vec<PTok>>,
}

fn glob(p: &[u8]) -> QResult<Glob> {
    let toks = compile(p)?;
    let segs: Vec<Vec<PTok>> = toks
        .split(|t| matches!(t, PTok::Star))
        .map(<[PTok]>::to_vec)
        .collect();
    match segs.as_slice() {
        [_] | [_, _] => {}
        [_, _, c] if c.is_empty() => {}
        _ => return Err(QError::nyi()),
    }
    Ok(Glob { segs })
}

impl Glob {
    fn matches(&self, s: &[u8]) -> bool {
        match self.segs.as_slice() {
            [a] => s.len() == a.len() && seg_at(a, s),
            [a, b] => {
                s.len() >= a.len() + b.len() && seg_at(a, s) && seg_at(b, &s[s.len() - b.len()..])
            }
            [a, b, _] => {
                s.len() >= a.len() + b.len() && seg_at(a, s) && find(b, &s[a.len()..], 0).is_some()
            }
            _ => false,
        }
    }
}

/// `x like y`: whether string or symbol `x` matches pattern `y`; through lists and
/// dictionary values.
pub fn like(x: &K, y: &K) -> QResult {
    let g = glob(y.as_string().ok_or_else(QError::type_)?)?;
    like_in(x, &g)
}

fn like_in(x: &K, g: &Glob) -> QResult {
    match x {
        K::Vector(Vector {
            ty: Ty::Sym,
            data: Data::Sym(v),
            ..
        }) => Ok(K::bools(
            v.iter().map(|s| g.matches(s.as_bytes())).collect(),
        )),
        K::Atom(Atom {
            v: Scalar::Sym(s), ..
        }) => Ok(K::bool(g.matches(s.as_bytes()))),
        K::List(_) | K::Dict(_) => through(x, &|v| like_in(v, g)),
        K::Enum(_) | K::EnumAtom(..) => Err(QError::nyi()),
        _ => match x.as_string() {
            Some(s) => Ok(K::bool(g.matches(s))),
            None => Err(QError::type_()),
        },
    }
}

/// The string and the star-free pattern of `ss` and `ssr`.
fn search_args<'a>(x: &'a K, y: &K) -> QResult<(&'a [u8], Vec<PTok>)> {
    let s = char_vec(x).ok_or_else(QError::type_)?;
    let seg = compile(y.as_string().ok_or_else(QError::type_)?)?;
    if seg.is_empty() || seg.iter().any(|t| matches!(t, PTok::Star)) {
        return Err(QError::length());
    }
    Ok((s, seg))
}

/// Start positions of non-overlapping matches, left to right.
fn positions(s: &[u8], seg: &[PTok]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = find(seg, s, from) {
        out.push(i);
        from = i + seg.len();
    }
    out
}

/// `x ss y`: positions in string `x` of pattern `y` (no `*`: `'length`, as for `""`).
pub fn ss(x: &K, y: &K) -> QResult {
    let (s, seg) = search_args(x, y)?;
    Ok(K::longs(
        positions(s, &seg).into_iter().map(|i| i as i64).collect(),
    ))
}

/// `ssr[x;y;z]` with `z` a string or char. A function `z` answers `'nyi` here: the
/// evaluator applies it through [`ssr_by`].
pub fn ssr(x: &K, y: &K, z: &K) -> QResult {
    if matches!(z, K::Func(_)) {
        return Err(QError::nyi());
    }
    let with = z.as_string().ok_or_else(QError::type_)?;
    let (s, seg) = search_args(x, y)?;
    let mut out = Vec::with_capacity(s.len());
    let mut last = 0;
    for i in positions(s, &seg) {
        out.extend_from_slice(&s[last..i]);
        out.extend_from_slice(with);
        last = i + seg.len();
    }
    out.extend_from_slice(&s[last..]);
    Ok(K::string(out))
}

/// `ssr[x;y;f]`: each match of `y` in `x` replaced by `f` of the matched string, which
/// must give a string (or char).
pub fn ssr_by(x: &K, y: &K, f: &mut dyn FnMut(&K) -> QResult) -> QResult {
    let (s, seg) = search_args(x, y)?;
    let mut out = Vec::with_capacity(s.len());
    let mut last = 0;
    for i in positions(s, &seg) {
        let end = i + seg.len();
        out.extend_from_slice(&s[last..i]);
        let r = f(&K::string(s[i..end].to_vec()))?;
        out.extend_from_slice(r.as_string().ok_or_else(QError::type_)?);
        last = end;
    }
    out.extend_from_slice(&s[last..]);
    Ok(K::string(out))
}

// ---------------------------------------------------------------------------------------
// sv

/// `x sv y`: join strings (`x` a char or string; `` ` `` for lines), symbols
/// (`` ` ``: with dots, or slashes after a file handle), byte vectors (`x` bytes);
/// decode bits (`0b`), bytes (`0x0`) or digits in base `x`.
pub fn sv(x: &K, y: &K) -> QResult {
    match x {
        K::Atom(Atom {
            ty: Ty::Char,
            v: Scalar::U8(c),
        }) => join_strings(std::slice::from_ref(c), y, false),
        K::Vector(Vector {
            ty: Ty::Char,
            data: Data::U8(sep),
            ..
        }) => join_strings(sep, y, false),
        K::Atom(Atom {
            ty: Ty::Sym,
            v: Scalar::Sym(s),
        }) if s.is_null() => match y {
            K::Vector(Vector {
                ty: Ty::Sym,
                data: Data::Sym(v),
                ..
            }) => Ok(K::sym(join_syms(v))),
            _ => join_strings(b"\n", y, true),
        },
        K::Atom(Atom {
            ty: Ty::Bool,
            v: Scalar::U8(0),
        }) => bits_to_value(y),
        K::Atom(Atom {
            ty: Ty::Byte,
            v: Scalar::U8(b),
        }) => match byte_vec(y) {
            Some(v) if *b == 0 => bytes_to_value(v),
            _ => join_bytes(std::slice::from_ref(b), y),
        },
        K::Vector(Vector {
            ty: Ty::Byte,
            data: Data::U8(sep),
            ..
        }) => join_bytes(sep, y),
        _ => decode(x, y),
    }
}

/// Join the strings of `y` with `sep` between them, or after each when `terminate`.
fn join_strings(sep: &[u8], y: &K, terminate: bool) -> QResult {
    let parts: Vec<&[u8]> = match y {
        K::List(l) => l
            .items
            .iter()
            .map(|s| s.as_string().ok_or_else(QError::type_))
            .collect::<QResult<_>>()?,
        _ => char_vec(y).ok_or_else(QError::type_)?.chunks(1).collect(),
    };
    let mut out = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 && !terminate {
            out.extend_from_slice(sep);
        }
        out.extend_from_slice(p);
        if terminate {
            out.extend_from_slice(sep);
        }
    }
    Ok(K::string(out))
}

fn join_syms(v: &[Sym]) -> Sym {
    let path = v
        .first()
        .is_some_and(|s| s.as_bytes().first() == Some(&b':'));
    let sep = if path { b'/' } else { b'.' };
    let mut out = Vec::new();
    for (i, s) in v.iter().enumerate() {
        if i > 0 {
            out.push(sep);
        }
        out.extend_from_slice(s.as_bytes());
    }
    Sym::new(&out)
}

fn join_bytes(sep: &[u8], y: &K) -> QResult {
    let parts: Vec<&[u8]> = match y {
        K::List(l) => l
            .items
            .iter()
            .map(|p| match p {
                K::Atom(Atom {
                    ty: Ty::Byte,
                    v: Scalar::U8(b),
                }) => Ok(std::slice::from_ref(b)),
                _ => byte_vec(p).ok_or_else(QError::type_),
            })
            .collect::<QResult<_>>()?,
        _ => return Err(QError::type_()),
    };
    let mut out = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(sep);
        }
        out.extend_from_slice(p);
    }
    Ok(K::bytes(out))
}

/// `0b sv`: 8 bits to a byte, 16/32/64 to short/int/long, 128 to a guid (big-endian).
fn bits_to_value(y: &K) -> QResult {
    let bits = match y {
        K::Vector(Vector {
            ty: Ty::Bool,
            data: Data::U8(v),
            ..
        }) => v,
        _ => return Err(QError::type_()),
    };
    if bits.len() % 8 != 0 {
        return Err(QError::length());
    }
    let bytes: Vec<u8> = bits
        .chunks(8)
        .map(|c| c.iter().fold(0u8, |a, &b| a << 1 | (b & 1)))
        .collect();
    match bytes.as_slice() {
        [b] => Ok(K::byte(*b)),
        _ => bytes_to_value(&bytes),
    }
}

/// `0x0 sv`: 2, 4, 8 or 16 bytes to a short, int, long or guid (big-endian).
fn bytes_to_value(b: &[u8]) -> QResult {
    if let Ok(a) = <[u8; 2]>::try_from(b) {
        return Ok(K::short(i16::from_be_bytes(a)));
    }
    if let Ok(a) = <[u8; 4]>::try_from(b) {
        return Ok(K::int(i32::from_be_bytes(a)));
    }
    if let Ok(a) = <[u8; 8]>::try_from(b) {
        return Ok(K::long(i64::from_be_bytes(a)));
    }
    if let Ok(a) = <[u8; 16]>::try_from(b) {
        return Ok(K::guid(a));
    }
    Err(QError::length())
}

fn integral(t: Ty) -> bool {
    matches!(t, Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long)
}

/// A numeric atom or vector read as i64 or f64 for `sv`'s base arithmetic:
/// (values, whether an atom, q type).
fn numbers(k: &K, float: bool) -> QResult<(Data, bool, Ty)> {
    let (ty, data, atom) = match k {
        K::Atom(a) => (a.ty, atom_data(a), true),
        K::Vector(v) => (v.ty, v.data.clone(), false),
        _ => return Err(QError::type_()),
    };
    if !integral(ty) && !matches!(ty, Ty::Real | Ty::Float) {
        return Err(QError::type_());
    }
    let target = if float { Ty::Float } else { Ty::Long };
    Ok((cast_data(ty, &data, target)?, atom, ty))
}

fn is_floaty(k: &K) -> bool {
    match k {
        K::List(l) => l.items.iter().any(is_floaty),
        _ => matches!(k.ty().unsigned_abs(), 8 | 9),
    }
}

/// `x sv y` in base `x` (an atom, or one radix per digit, the first unused): Horner's
/// rule over the items of `y`, which may be vectors (columns decode together).
fn decode(x: &K, y: &K) -> QResult {
    let float = is_floaty(x) || is_floaty(y);
    let (base, base_atom, xt) = numbers(x, float)?;
    let rows: Vec<K> = items(y);
    if !base_atom && base.len() != rows.len() {
        return Err(QError::length());
    }
    let mut all_int = xt == Ty::Int;
    let mut nums = Vec::with_capacity(rows.len());
    for r in &rows {
        let (d, atom, t) = numbers(r, float)?;
        all_int &= t == Ty::Int;
        nums.push((d, atom));
    }
    let width = nums
        .iter()
        .filter(|(_, atom)| !atom)
        .map(|(d, _)| d.len())
        .max();
    if let Some(w) = width {
        if nums.iter().any(|(d, atom)| !atom && d.len() != w) {
            return Err(QError::length());
        }
    }
    let n = width.unwrap_or(1);
    let out = match base {
        Data::F64(b) => {
            let mut acc = vec![0.0f64; n];
            for (i, (d, atom)) in nums.iter().enumerate() {
                let bi = if base_atom { b.first() } else { b.get(i) };
                let (Some(&bi), Data::F64(d)) = (bi, d) else {
                    return Err(QError::type_());
                };
                for (j, a) in acc.iter_mut().enumerate() {
                    let v = if *atom { d.first() } else { d.get(j) };
                    *a = *a * bi + v.copied().unwrap_or(0.0);
                }
            }
            Data::F64(Arc::new(acc))
        }
        Data::I64(b) => {
            let mut acc = vec![0i64; n];
            for (i, (d, atom)) in nums.iter().enumerate() {
                let bi = if base_atom { b.first() } else { b.get(i) };
                let (Some(&bi), Data::I64(d)) = (bi, d) else {
                    return Err(QError::type_());
                };
                for (j, a) in acc.iter_mut().enumerate() {
                    let v = if *atom { d.first() } else { d.get(j) };
                    *a = a.wrapping_mul(bi).wrapping_add(v.copied().unwrap_or(0));
                }
            }
            Data::I64(Arc::new(acc))
        }
        _ => return Err(QError::type_()),
    };
    let (ty, out) = if float {
        (Ty::Float, out)
    } else if all_int {
        (Ty::Int, cast_data(Ty::Long, &out, Ty::Int)?)
    } else {
        (Ty::Long, out)
    };
    Ok(if width.is_some() {
        K::vector(ty, out)
    } else {
        K::atom(ty, first(&out)?)
    })
}

// ---------------------------------------------------------------------------------------
// vs

/// `x vs y`: split a string by a char or string, lines (`` ` ``), a symbol at dots or a
/// file handle into directory and file (`` ` ``), bytes by bytes; encode bits (`0b`),
/// bytes (`0x0`) or digits in base `x`.
pub fn vs(x: &K, y: &K) -> QResult {
    match x {
        K::Atom(Atom {
            ty: Ty::Char,
            v: Scalar::U8(c),
        }) => split_text(std::slice::from_ref(c), y),
        K::Vector(Vector {
            ty: Ty::Char,
            data: Data::U8(sep),
            ..
        }) => split_text(sep, y),
        K::Atom(Atom {
            ty: Ty::Sym,
            v: Scalar::Sym(s),
        }) if s.is_null() => match y {
            K::Atom(Atom {
                ty: Ty::Sym,
                v: Scalar::Sym(p),
            }) => Ok(split_sym(*p)),
            _ => lines(y),
        },
        K::Atom(Atom {
            ty: Ty::Bool,
            v: Scalar::U8(0),
        }) => to_bits(y),
        K::Atom(Atom {
            ty: Ty::Byte,
            v: Scalar::U8(b),
        }) => match y {
            K::Atom(a) if *b == 0 => to_bytes(a),
            _ => split_bytes(std::slice::from_ref(b), y),
        },
        K::Vector(Vector {
            ty: Ty::Byte,
            data: Data::U8(sep),
            ..
        }) => split_bytes(sep, y),
        _ => encode(x, y),
    }
}

fn split_on(s: &[u8], sep: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i + sep.len() <= s.len() {
        if s[i..].starts_with(sep) {
            out.push(s[start..i].to_vec());
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(s[start..].to_vec());
    out
}

/// Strings cut at `sep`; a byte vector is read as chars (the type follows the left).
fn split_text(sep: &[u8], y: &K) -> QResult {
    let s = char_vec(y)
        .or_else(|| byte_vec(y))
        .ok_or_else(QError::type_)?;
    if sep.is_empty() {
        return Err(QError::length());
    }
    Ok(K::list(
        split_on(s, sep).into_iter().map(K::string).collect(),
    ))
}

fn split_bytes(sep: &[u8], y: &K) -> QResult {
    let s = byte_vec(y).ok_or_else(QError::type_)?;
    if sep.is_empty() {
        return Err(QError::length());
    }
    Ok(K::list(
        split_on(s, sep).into_iter().map(K::bytes).collect(),
    ))
}

/// Lines ended by `\n` or `\r\n`; a final terminator ends the last line rather than
/// starting an empty one.
fn lines(y: &K) -> QResult {
    let s = char_vec(y)
        .or_else(|| byte_vec(y))
        .ok_or_else(QError::type_)?;
    let body = s.strip_suffix(b"\n").unwrap_or(s);
    if s.is_empty() {
        return Ok(K::list(Vec::new()));
    }
    Ok(K::list(
        body.split(|&c| c == b'\n')
            .map(|l| K::string(l.strip_suffix(b"\r").unwrap_or(l).to_vec()))
            .collect(),
    ))
}

/// `` ` vs `a.b `` is `` `a`b ``; a file handle splits into directory and file.
fn split_sym(p: Sym) -> K {
    let b = p.as_bytes();
    if b.first() == Some(&b':') {
        return match b.iter().rposition(|&c| c == b'/') {
            Some(i) => K::syms([Sym::new(&b[..i]), Sym::new(&b[i + 1..])]),
            None => K::syms([Sym::new(b":"), Sym::new(&b[1..])]),
        };
    }
    K::syms(b.split(|&c| c == b'.').map(Sym::new))
}

/// The big-endian bytes of an atom's value.
fn atom_bytes(a: &Atom) -> QResult<Vec<u8>> {
    Ok(match a.v {
        Scalar::U8(b) => vec![b],
        Scalar::Guid(g) => g.to_vec(),
        Scalar::I16(v) => v.to_be_bytes().to_vec(),
        Scalar::I32(v) => v.to_be_bytes().to_vec(),
        Scalar::I64(v) => v.to_be_bytes().to_vec(),
        Scalar::F32(v) => v.to_bits().to_be_bytes().to_vec(),
        Scalar::F64(v) => v.to_bits().to_be_bytes().to_vec(),
        Scalar::Sym(_) => return Err(QError::type_()),
    })
}

/// `0x0 vs`: an atom's internal representation.
fn to_bytes(a: &Atom) -> QResult {
    Ok(K::bytes(atom_bytes(a)?))
}

/// `0b vs`: the bits of an integral atom or guid.
fn to_bits(y: &K) -> QResult {
    match y {
        K::Atom(a) if !matches!(a.v, Scalar::F32(_) | Scalar::F64(_)) => {
            let bytes = atom_bytes(a)?;
            Ok(K::bools(
                bytes
                    .iter()
                    .flat_map(|&b| (0..8).rev().map(move |i| b >> i & 1 == 1))
                    .collect(),
            ))
        }
        K::Vector(_) => Err(QError::nyi()),
        _ => Err(QError::type_()),
    }
}

/// The integers of `y` for encoding, keeping its shape: an atom, a vector, or a list of
/// those.
enum Shaped {
    Atom(Ty, i64),
    Vector(Ty, Vec<i64>),
    List(Vec<Shaped>),
}

fn shaped(y: &K, depth: usize) -> QResult<Shaped> {
    let longs = |ty: Ty, d: &Data| -> QResult<Vec<i64>> {
        match cast_data(ty, d, Ty::Long)? {
            Data::I64(v) => Ok(v.as_ref().clone()),
            _ => Err(QError::type_()),
        }
    };
    match y {
        K::Atom(a) if matches!(a.ty, Ty::Short | Ty::Int | Ty::Long) => {
            let v = longs(a.ty, &atom_data(a))?;
            Ok(Shaped::Atom(
                a.ty,
                v.first().copied().ok_or_else(QError::type_)?,
            ))
        }
        K::Vector(v) if matches!(v.ty, Ty::Short | Ty::Int | Ty::Long) => {
            Ok(Shaped::Vector(v.ty, longs(v.ty, &v.data)?))
        }
        K::List(l) if depth == 0 => Ok(Shaped::List(
            l.items
                .iter()
                .map(|i| shaped(i, depth + 1))
                .collect::<QResult<_>>()?,
        )),
        _ => Err(QError::type_()),
    }
}

fn shaped_values(s: &Shaped, out: &mut Vec<i64>) {
    match s {
        Shaped::Atom(_, v) => out.push(*v),
        Shaped::Vector(_, v) => out.extend_from_slice(v),
        Shaped::List(l) => l.iter().for_each(|i| shaped_values(i, out)),
    }
}

/// `y`'s shape with each value replaced by `digit()`, called once per value in the order
/// `shaped_values` lists them.
fn shaped_digit(s: &Shaped, digit: &mut dyn FnMut() -> i64) -> QResult {
    Ok(match s {
        Shaped::Atom(ty, _) => {
            let d = cast_data(Ty::Long, &Data::I64(Arc::new(vec![digit()])), *ty)?;
            K::atom(*ty, first(&d)?)
        }
        Shaped::Vector(ty, v) => K::vector(
            *ty,
            cast_data(
                Ty::Long,
                &Data::I64(Arc::new(v.iter().map(|_| digit()).collect())),
                *ty,
            )?,
        ),
        Shaped::List(l) => from_items(
            l.iter()
                .map(|i| shaped_digit(i, digit))
                .collect::<QResult<_>>()?,
        ),
    })
}

/// `x vs y` with integers: the digits of `y` in base `x` (an atom: as many digits as the
/// largest value needs; a vector: one radix per digit, 0 leaving the rest in the first).
/// A vector or list `y` gives one row per digit, each shaped like `y`.
fn encode(x: &K, y: &K) -> QResult {
    let radix: Vec<i64> = match x {
        K::Atom(a) if integral(a.ty) && a.ty != Ty::Bool => match numbers(x, false)?.0 {
            Data::I64(v) => v.as_ref().clone(),
            _ => return Err(QError::type_()),
        },
        K::Vector(v) if integral(v.ty) => match numbers(x, false)?.0 {
            Data::I64(v) => v.as_ref().clone(),
            _ => return Err(QError::type_()),
        },
        _ => return Err(QError::type_()),
    };
    let base_atom = x.is_atom();
    let ys = shaped(y, 0)?;
    let mut vals = Vec::new();
    shaped_values(&ys, &mut vals);
    let digits_of = |mut v: i64, width: usize| -> Vec<i64> {
        let mut out = vec![0i64; width];
        for (k, o) in out.iter_mut().enumerate().rev() {
            let r = if base_atom {
                radix.first().copied().unwrap_or(0)
            } else {
                radix.get(k).copied().unwrap_or(0)
            };
            if r == 0 {
                *o = v;
                v = 0;
            } else {
                // Wrapping: only i64::MIN by -1 overflows, and q's integers wrap.
                *o = v.wrapping_rem_euclid(r);
                v = v.wrapping_div_euclid(r);
            }
        }
        out
    };
    let width = if base_atom {
        let b = radix.first().copied().unwrap_or(0);
        if b < 2 {
            return Err(QError::domain());
        }
        if vals.iter().any(|&v| v < 0) {
            return Err(QError::nyi());
        }
        vals.iter()
            .map(|&v| {
                let mut n = 1;
                let mut v = v / b;
                while v > 0 {
                    n += 1;
                    v /= b;
                }
                n
            })
            .max()
            .unwrap_or(1)
    } else {
        radix.len()
    };
    let table: Vec<Vec<i64>> = vals.iter().map(|&v| digits_of(v, width)).collect();
    let rows = (0..width)
        .map(|k| {
            let mut next = table.iter();
            shaped_digit(&ys, &mut || {
                next.next().and_then(|d| d.get(k)).copied().unwrap_or(0)
            })
        })
        .collect::<QResult<Vec<K>>>()?;
    Ok(from_items(rows))
}

// ---------------------------------------------------------------------------------------
// upper, lower

/// `upper x`: chars and symbols shifted to upper case (ASCII, as q), through lists,
/// dictionaries and tables.
pub fn upper(x: &K) -> QResult {
    case_in(x, u8::to_ascii_uppercase)
}

/// `lower x`.
pub fn lower(x: &K) -> QResult {
    case_in(x, u8::to_ascii_lowercase)
}

fn case_in(x: &K, f: fn(&u8) -> u8) -> QResult {
    let sym = |s: Sym| Sym::new(&s.as_bytes().iter().map(f).collect::<Vec<u8>>());
    match x {
        K::Atom(Atom {
            ty: Ty::Char,
            v: Scalar::U8(c),
        }) => Ok(K::char(f(c))),
        K::Atom(Atom {
            ty: Ty::Sym,
            v: Scalar::Sym(s),
        }) => Ok(K::sym(sym(*s))),
        K::Vector(Vector {
            ty: Ty::Char,
            data: Data::U8(s),
            ..
        }) => Ok(K::string(s.iter().map(f).collect::<Vec<u8>>())),
        K::Vector(Vector {
            ty: Ty::Sym,
            data: Data::Sym(s),
            ..
        }) => Ok(K::syms(s.iter().map(|&v| sym(v)))),
        K::List(_) | K::Dict(_) | K::Table(_) => through(x, &|v| case_in(v, f)),
        K::Enum(_) | K::EnumAtom(..) => Err(QError::nyi()),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------------------
// trim, ltrim, rtrim

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Left,
    Right,
    Both,
}

/// `md5 x`: the MD5 digest of a string as 16 bytes.
pub fn md5(x: &K) -> QResult {
    use md5::{Digest, Md5};
    match x {
        K::Vector(Vector {
            ty: Ty::Char,
            data: Data::U8(s),
            ..
        }) => Ok(K::bytes(Md5::digest(&s[..]).to_vec())),
        K::Atom(Atom {
            ty: Ty::Char,
            v: Scalar::U8(c),
        }) => Ok(K::bytes(Md5::digest([*c]).to_vec())),
        _ => Err(QError::type_()),
    }
}

/// `trim x`: leading and trailing nulls (blanks of a string) removed, through lists,
/// dictionary values and table cells.
pub fn trim(x: &K) -> QResult {
    trim_in(x, Side::Both)
}

/// `ltrim x`.
pub fn ltrim(x: &K) -> QResult {
    trim_in(x, Side::Left)
}

/// `rtrim x`.
pub fn rtrim(x: &K) -> QResult {
    trim_in(x, Side::Right)
}

fn trim_in(x: &K, side: Side) -> QResult {
    match x {
        // q's definition drops nulls by finding the first non-null, which an atom has not.
        K::Atom(a) => {
            if atom_is_null(a) {
                Err(QError::type_())
            } else {
                Ok(x.clone())
            }
        }
        K::Vector(v) => Ok(trim_vector(v, side)),
        K::List(l) => Ok(from_items(
            l.items
                .iter()
                .map(|i| trim_in(i, side))
                .collect::<QResult<Vec<K>>>()?,
        )),
        K::Dict(d) => Ok(K::dict(d.keys.clone(), trim_cells(&d.vals, side)?)),
        K::Table(t) => map_columns(t, &|c| trim_cells(c, side)),
        K::Enum(_) | K::EnumAtom(..) => Err(QError::nyi()),
        _ => Err(QError::type_()),
    }
}

/// Dictionary values and table columns trim item by item: a simple vector's items are
/// atoms, which stay as they are.
fn trim_cells(vals: &K, side: Side) -> QResult {
    match vals {
        K::Vector(v) => {
            if (0..v.len()).any(|i| atom_is_null(&v.at(i))) {
                return Err(QError::type_());
            }
            Ok(vals.clone())
        }
        _ => trim_in(vals, side),
    }
}

fn trim_vector(v: &Vector, side: Side) -> K {
    let (a, b) = match &v.data {
        Data::U8(x) if v.ty == Ty::Char => bounds(x, side, |c| *c == b' '),
        // Booleans and bytes have no null.
        Data::U8(x) => (0, x.len()),
        Data::Guid(x) => bounds(x, side, |g| g.iter().all(|&b| b == 0)),
        Data::I16(x) => bounds(x, side, |&h| h == null::H),
        Data::I32(x) => bounds(x, side, |&i| i == null::I),
        Data::I64(x) => bounds(x, side, |&j| j == null::J),
        Data::F32(x) => bounds(x, side, |e| e.is_nan()),
        Data::F64(x) => bounds(x, side, |f| f.is_nan()),
        Data::Sym(x) => bounds(x, side, |s| s.is_null()),
    };
    if a == 0 && b == v.len() {
        return K::Vector(v.clone());
    }
    fn cut<T: Clone>(x: &[T], a: usize, b: usize) -> Arc<Vec<T>> {
        Arc::new(x[a..b].to_vec())
    }
    let data = match &v.data {
        Data::U8(x) => Data::U8(cut(x, a, b)),
        Data::Guid(x) => Data::Guid(cut(x, a, b)),
        Data::I16(x) => Data::I16(cut(x, a, b)),
        Data::I32(x) => Data::I32(cut(x, a, b)),
        Data::I64(x) => Data::I64(cut(x, a, b)),
        Data::F32(x) => Data::F32(cut(x, a, b)),
        Data::F64(x) => Data::F64(cut(x, a, b)),
        Data::Sym(x) => Data::Sym(cut(x, a, b)),
    };
    K::vector(v.ty, data)
}

/// The kept range `a..b` (`a <= b <= len`) after dropping nulls from the chosen sides.
fn bounds<T>(x: &[T], side: Side, is_null: impl Fn(&T) -> bool) -> (usize, usize) {
    let a = if side == Side::Right {
        0
    } else {
        x.iter().position(|e| !is_null(e)).unwrap_or(x.len())
    };
    let b = if side == Side::Left {
        x.len()
    } else {
        x.iter().rposition(|e| !is_null(e)).map_or(a, |i| i + 1)
    };
    (a, b.max(a))
}

#[cfg(test)]
// 3.14 and 3.1415 below are q's examples, not approximations of pi.
#[allow(clippy::approx_constant)]
mod tests {
    //! Examples are the q reference's (`../shared/q-corpus/cases.jsonl` ids in comments),
    //! written out as values.

    use super::*;
    use crate::lang::value::null_atom;

    fn q(r: QResult) -> K {
        r.expect("q error")
    }
    fn qerr(r: QResult) -> String {
        r.expect_err("expected a q error").msg.to_string()
    }
    fn s(x: &str) -> K {
        K::string(x)
    }
    fn c(x: u8) -> K {
        K::char(x)
    }
    fn sym(x: &str) -> K {
        K::sym(x)
    }
    fn strs(xs: &[&str]) -> K {
        K::list(xs.iter().map(|x| K::string(*x)).collect())
    }
    fn h(x: i16) -> K {
        K::short(x)
    }
    fn day(y: i64, m: i64, d: i64) -> i32 {
        days_from_civil(y, m, d) as i32
    }
    fn date(y: i64, m: i64, d: i64) -> K {
        K::i32_of(Ty::Date, day(y, m, d))
    }
    fn ts(y: i64, mo: i64, d: i64, ns_of_day: i64) -> K {
        K::i64_of(Ty::Timestamp, day(y, mo, d) as i64 * DAY_NS + ns_of_day)
    }
    fn hms(h: i64, m: i64, s: i64) -> i64 {
        h * HOUR_NS + m * MIN_NS + s * SEC_NS
    }
    fn dt(z: f64) -> K {
        K::atom(Ty::Datetime, Scalar::F64(z))
    }
    /// The text `string` gives for an atom.
    fn text(x: &K) -> String {
        let r = q(string(x));
        String::from_utf8(r.as_string().expect("a string").to_vec()).expect("utf8")
    }
    fn texts(x: &K) -> Vec<String> {
        match q(string(x)) {
            K::List(l) => l
                .items
                .iter()
                .map(|i| String::from_utf8(i.as_string().expect("string").to_vec()).unwrap())
                .collect(),
            other => panic!("not a list: {other:?}"),
        }
    }

    // ---- Cast

    #[test]
    fn cast_dates_to_long() {
        // ref-abs-L0028: "j"$1999.01.01 2000.12.31
        let ds = K::i32s_of(Ty::Date, vec![day(1999, 1, 1), day(2000, 12, 31)]);
        assert_eq!(q(cast(&c(b'j'), &ds)), K::longs(vec![-365, 365]));
        // ref-divide-L0036: "i"$2010.01.01 2005.01.01
        let ds = K::i32s_of(Ty::Date, vec![day(2010, 1, 1), day(2005, 1, 1)]);
        assert_eq!(q(cast(&c(b'i'), &ds)), K::ints(vec![3653, 1827]));
    }

    #[test]
    fn fast_temporal_matches_general() {
        let i32s = vec![
            0,
            1,
            -1,
            59,
            61,
            1439,
            86_399_999,
            null::I,
            null::WI,
            -null::WI,
            i32::MAX - 1,
            -86_400_001,
        ];
        let i64s = vec![
            0,
            1,
            -1,
            DAY_NS - 1,
            DAY_NS,
            -DAY_NS - 7,
            5 * DAY_NS + 3 * MIN_NS + 17,
            null::J,
            null::WJ,
            -null::WJ,
            i64::MAX - 1,
            i64::MIN + 2,
        ];
        let dsts = [Ty::Date, Ty::Minute, Ty::Second, Ty::Time];
        for src in [Ty::Minute, Ty::Second, Ty::Time] {
            for dst in dsts {
                let d = Data::I32(Arc::new(i32s.clone()));
                if let Some(f) = temporal_fast(src, &d, dst) {
                    let g = temporal_general(src, &d, dst).unwrap();
                    assert!(data_same(&f, &g), "{src:?}->{dst:?}");
                }
            }
        }
        for src in [Ty::Timestamp, Ty::Timespan] {
            for dst in dsts {
                let d = Data::I64(Arc::new(i64s.clone()));
                if let Some(f) = temporal_fast(src, &d, dst) {
                    let g = temporal_general(src, &d, dst).unwrap();
                    assert!(data_same(&f, &g), "{src:?}->{dst:?}");
                }
            }
        }
    }

    fn data_same(a: &Data, b: &Data) -> bool {
        match (a, b) {
            (Data::I32(x), Data::I32(y)) => x == y,
            _ => false,
        }
    }

    #[test]
    fn cast_42_to_every_temporal() {
        // ref-cast-L0053: 12 13 14 15 16 17 18 19h$42
        let r = q(cast(&K::shorts((12..=19).collect()), &K::long(42)));
        let want = [
            "2000.01.01D00:00:00.000000042",
            // the console shows 2003.07m; `string` has no suffix
            "2003.07",
            "2000.02.12",
            "2000.02.12T00:00:00.000",
            "0D00:00:00.000000042",
            "00:42",
            "00:00:42",
            "00:00:00.042",
        ];
        assert_eq!(r.ty(), 0);
        let got: Vec<String> = items(&r).iter().map(text).collect();
        assert_eq!(got, want);
        let types: Vec<i16> = items(&r).iter().map(K::ty).collect();
        assert_eq!(types, vec![-12, -13, -14, -15, -16, -17, -18, -19]);
    }

    #[test]
    fn cast_with_list_of_specs() {
        // ref-cast-L0063: (12h;"m";`date)$42
        let specs = K::list(vec![h(12), c(b'm'), sym("date")]);
        let r = q(cast(&specs, &K::long(42)));
        assert_eq!(
            r,
            K::list(vec![
                K::i64_of(Ty::Timestamp, 42),
                K::i32_of(Ty::Month, 42),
                K::i32_of(Ty::Date, 42)
            ])
        );
        // (12h;"m";`date)$42 43 44 pairs item with item
        let r = q(cast(&specs, &K::longs(vec![42, 43, 44])));
        assert_eq!(
            items(&r).iter().map(text).collect::<Vec<_>>(),
            ["2000.01.01D00:00:00.000000042", "2003.08", "2000.02.14"]
        );
        // ref-cast-L0073: (12h;13 14h)$(42;42 42)
        let x = K::list(vec![h(12), K::shorts(vec![13, 14])]);
        let y = K::list(vec![K::long(42), K::longs(vec![42, 42])]);
        assert_eq!(
            q(cast(&x, &y)),
            K::list(vec![
                K::i64_of(Ty::Timestamp, 42),
                K::list(vec![K::i32_of(Ty::Month, 42), K::i32_of(Ty::Date, 42)])
            ])
        );
        // (`int;"i";6h)$10
        let x = K::list(vec![sym("int"), c(b'i'), h(6)]);
        assert_eq!(q(cast(&x, &K::long(10))), K::ints(vec![10, 10, 10]));
        // ("*";0h)$1
        let x = K::list(vec![c(b'*'), h(0)]);
        assert_eq!(q(cast(&x, &K::long(1))), K::longs(vec![1, 1]));
        assert_eq!(
            qerr(cast(&K::shorts(vec![6, 7]), &K::longs(vec![1, 2, 3]))),
            "length"
        );
    }

    #[test]
    fn cast_to_int_rounds() {
        // ref-cast-L0083, ref-cast-L0087
        assert_eq!(q(cast(&c(b'i'), &K::long(10))), K::int(10));
        assert_eq!(
            q(cast(&sym("int"), &K::floats(vec![6.1, 6.6]))),
            K::ints(vec![6, 7])
        );
        assert_eq!(
            q(cast(&sym("int"), &K::floats(vec![-6.1, -6.6]))),
            K::ints(vec![-6, -7])
        );
        assert_eq!(
            q(cast(&sym("long"), &K::floats(vec![2.5, -2.5]))),
            K::longs(vec![3, -3])
        );
        let special = K::floats(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300]);
        assert_eq!(
            q(cast(&sym("int"), &special)),
            K::ints(vec![null::I, null::WI, -null::WI, null::WI])
        );
        assert_eq!(q(cast(&c(b'j'), &K::real(2.5))), K::long(3));
    }

    #[test]
    fn cast_integer_widths() {
        // Widening keeps nulls but reads infinities as plain numbers (ref-cast-L0202).
        assert_eq!(
            q(cast(&sym("float"), &K::short(null::WH))),
            K::float(32767.0)
        );
        assert_eq!(
            q(cast(&sym("float"), &K::long(null::WJ))),
            K::float(i64::MAX as f64)
        );
        assert_eq!(
            q(cast(&sym("float"), &K::int(null::WI))),
            K::float(2147483647.0)
        );
        assert_eq!(
            q(cast(&sym("long"), &K::int(null::WI))),
            K::long(2147483647)
        );
        assert_eq!(
            q(cast(&sym("long"), &K::ints(vec![null::I, 5]))),
            K::longs(vec![null::J, 5])
        );
        assert!(
            matches!(q(cast(&c(b'f'), &K::int(null::I))), K::Atom(Atom { v: Scalar::F64(f), .. }) if f.is_nan())
        );
        assert!(
            matches!(q(cast(&c(b'e'), &K::long(null::J))), K::Atom(Atom { v: Scalar::F32(f), .. }) if f.is_nan())
        );
        // Narrowing saturates at the infinities.
        assert_eq!(q(cast(&sym("int"), &K::long(null::WJ))), K::int(null::WI));
        assert_eq!(
            q(cast(
                &sym("short"),
                &K::longs(vec![100000, -100000, null::J])
            )),
            K::shorts(vec![null::WH, -null::WH, null::H])
        );
        assert_eq!(q(cast(&h(6), &K::long(-7))), K::int(-7));
    }

    #[test]
    fn cast_to_byte_and_char() {
        // ref-cast-L0116, and "x"$3 4 5
        assert_eq!(
            q(cast(&c(b'x'), &s("abc"))),
            K::bytes(vec![0x61, 0x62, 0x63])
        );
        assert_eq!(
            q(cast(&c(b'x'), &K::longs(vec![3, 4, 5]))),
            K::bytes(vec![3, 4, 5])
        );
        // ref-cast-L0125: "x"$-2 -1 0 1 2+0Wi (long arithmetic): longs above 0Wi give 0xff
        let v = K::longs((-2..=2).map(|d| d + null::WI as i64).collect());
        assert_eq!(
            q(cast(&c(b'x'), &v)),
            K::bytes(vec![0xfd, 0xfe, 0xff, 0xff, 0xff])
        );
        assert_eq!(q(cast(&c(b'x'), &K::int(256 + 7))), K::byte(7));
        // 10h$ of bytes (ref-dotq-L0201's result) and "c"$ of codes
        assert_eq!(q(cast(&h(10), &K::bytes(b"hello".to_vec()))), s("hello"));
        assert_eq!(q(cast(&c(b'c'), &K::longs(vec![104, 105]))), s("hi"));
        assert_eq!(q(cast(&c(b'c'), &K::long(65))), c(b'A'));
        // ref-pad-L0058: 9h$("quick";"brown";"fox")
        let r = q(cast(&h(9), &strs(&["quick", "brown", "fox"])));
        assert_eq!(
            r,
            K::list(vec![
                K::floats(vec![113.0, 117.0, 105.0, 99.0, 107.0]),
                K::floats(vec![98.0, 114.0, 111.0, 119.0, 110.0]),
                K::floats(vec![102.0, 111.0, 120.0]),
            ])
        );
    }

    #[test]
    fn cast_to_boolean() {
        // 1h$(neg\)1 0 2
        assert_eq!(
            q(cast(&h(1), &K::longs(vec![1, 0, 2]))),
            K::bools(vec![true, false, true])
        );
        assert_eq!(
            q(cast(&h(1), &K::longs(vec![-1, 0, -2]))),
            K::bools(vec![true, false, true])
        );
        // "b"$" ",.Q.an: every char is true
        let an = " abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";
        assert_eq!(q(cast(&c(b'b'), &s(an))), K::bools(vec![true; an.len()]));
        assert_eq!(
            q(cast(&sym("boolean"), &K::floats(vec![0.0, 0.5, f64::NAN]))),
            K::bools(vec![false, true, true])
        );
    }

    #[test]
    fn cast_between_temporals() {
        // basics-datatypes-L0149: `timestamp$1666.09.02 is -0Wp
        assert_eq!(
            q(cast(&sym("timestamp"), &date(1666, 9, 2))),
            K::i64_of(Ty::Timestamp, -null::WJ)
        );
        assert_eq!(
            q(cast(&sym("timestamp"), &date(2000, 1, 2))),
            K::i64_of(Ty::Timestamp, DAY_NS)
        );
        // to a narrower type floors: "d"$2017.08.23T23:50:12 is 2017.08.23
        let z = day(2017, 8, 23) as f64 + hms(23, 50, 12) as f64 / DAY_NS as f64;
        assert_eq!(q(cast(&c(b'd'), &dt(z))), date(2017, 8, 23));
        let before = ts(1999, 12, 31, hms(23, 0, 0));
        assert_eq!(q(cast(&c(b'd'), &before)), date(1999, 12, 31));
        assert_eq!(
            q(cast(&c(b't'), &before)),
            K::i32_of(Ty::Time, 23 * 3_600_000)
        );
        // ref-xbar-L0077 pieces: `month$2019.11.19 and `date$2020.01m
        assert_eq!(
            q(cast(&sym("month"), &date(2019, 11, 19))),
            K::i32_of(Ty::Month, 238)
        );
        assert_eq!(
            q(cast(&sym("date"), &K::i32_of(Ty::Month, 240))),
            date(2020, 1, 1)
        );
        assert_eq!(
            q(cast(&c(b'm'), &ts(2001, 2, 3, 5))),
            K::i32_of(Ty::Month, 13)
        );
        // basics-datatypes-L0153: "z"$0001.01.01-1 prints as zeros
        let r = q(cast(&c(b'z'), &K::i32_of(Ty::Date, day(1, 1, 1) - 1)));
        assert_eq!(text(&r), "0000.00.00T00:00:00.000");
        // times of day and durations
        assert_eq!(
            q(cast(
                &sym("minute"),
                &K::i32_of(Ty::Second, 12 * 3600 + 34 * 60 + 56)
            )),
            K::i32_of(Ty::Minute, 754)
        );
        assert_eq!(
            q(cast(&sym("second"), &K::i32_of(Ty::Minute, 754))),
            K::i32_of(Ty::Second, 754 * 60)
        );
        assert_eq!(
            q(cast(&sym("timespan"), &K::i32_of(Ty::Time, 1500))),
            K::i64_of(Ty::Timespan, 1_500_000_000)
        );
        assert_eq!(
            q(cast(&c(b'u'), &ts(2010, 5, 6, hms(7, 8, 9)))),
            K::i32_of(Ty::Minute, 7 * 60 + 8)
        );
        assert_eq!(
            q(cast(&c(b'n'), &ts(2010, 5, 6, hms(7, 8, 9)))),
            K::i64_of(Ty::Timespan, hms(7, 8, 9))
        );
        assert_eq!(
            q(cast(&c(b'p'), &K::i64_of(Ty::Timespan, hms(12, 0, 0)))),
            ts(2000, 1, 1, hms(12, 0, 0))
        );
        // datetime <-> timestamp, kept to the millisecond
        let z = day(2019, 11, 22) as f64 + (hms(11, 11, 11) + 123 * MS_NS) as f64 / DAY_NS as f64;
        assert_eq!(
            q(cast(&c(b'p'), &dt(z))),
            ts(2019, 11, 22, hms(11, 11, 11) + 123 * MS_NS)
        );
        assert_eq!(
            text(&q(cast(
                &c(b'z'),
                &ts(2019, 11, 22, hms(11, 11, 11) + 123 * MS_NS)
            ))),
            "2019.11.22T11:11:11.123"
        );
        // nulls and infinities carry over
        assert_eq!(
            q(cast(&c(b'd'), &null_atom(Ty::Timestamp))),
            null_atom(Ty::Date)
        );
        assert_eq!(
            q(cast(&c(b'd'), &K::i64_of(Ty::Timestamp, null::WJ))),
            K::i32_of(Ty::Date, null::WI)
        );
        assert_eq!(
            q(cast(&c(b'p'), &K::i32_of(Ty::Date, -null::WI))),
            K::i64_of(Ty::Timestamp, -null::WJ)
        );
        // no time of day in a date, no date in a time
        assert_eq!(qerr(cast(&sym("minute"), &date(2000, 1, 1))), "type");
        assert_eq!(qerr(cast(&sym("date"), &K::i32_of(Ty::Time, 5))), "type");
        assert_eq!(qerr(cast(&sym("time"), &K::i32_of(Ty::Month, 5))), "type");
    }

    #[test]
    fn cast_temporal_parts() {
        // ref-cast-L0149: `year`dd`mm`hh`uu`ss$2015.10.28D03:55:58
        let x = K::syms(["year", "dd", "mm", "hh", "uu", "ss"]);
        let r = q(cast(&x, &ts(2015, 10, 28, hms(3, 55, 58))));
        assert_eq!(r, K::ints(vec![2015, 28, 10, 3, 55, 58]));
        // `hh`uu`ss$03:55:58.11
        let t = K::i32_of(Ty::Time, ((3 * 60 + 55) * 60 + 58) * 1000 + 110);
        assert_eq!(
            q(cast(&K::syms(["hh", "uu", "ss"]), &t)),
            K::ints(vec![3, 55, 58])
        );
        // `mm of a time is its minute; `week is the Monday
        assert_eq!(q(cast(&sym("mm"), &t)), K::int(55));
        assert_eq!(
            q(cast(&sym("week"), &date(2015, 10, 28))),
            date(2015, 10, 26)
        );
        assert_eq!(
            q(cast(&sym("week"), &date(2015, 10, 26))),
            date(2015, 10, 26)
        );
        assert_eq!(q(cast(&sym("week"), &date(2000, 1, 1))), date(1999, 12, 27));
        assert_eq!(
            q(cast(&sym("year"), &K::i32_of(Ty::Month, -1))),
            K::int(1999)
        );
        assert_eq!(q(cast(&sym("dd"), &null_atom(Ty::Date))), K::int(null::I));
        assert_eq!(qerr(cast(&sym("dd"), &K::i32_of(Ty::Month, 3))), "type");
        assert_eq!(qerr(cast(&sym("hh"), &date(2000, 1, 1))), "type");
        assert_eq!(qerr(cast(&sym("year"), &K::long(3))), "type");
    }

    #[test]
    fn cast_through_containers() {
        // basics-datatypes-L0138: "j"$noon
        let noon = K::dict(
            K::syms(["minutes", "seconds", "nanoseconds"]),
            K::list(vec![
                K::i32_of(Ty::Minute, 720),
                K::i32_of(Ty::Second, 43200),
                K::i64_of(Ty::Timespan, 43_200_000_000_000),
            ]),
        );
        let r = q(cast(&c(b'j'), &noon));
        assert_eq!(
            r,
            K::dict(
                K::syms(["minutes", "seconds", "nanoseconds"]),
                K::longs(vec![720, 43200, 43_200_000_000_000])
            )
        );
        let t = K::table(vec![Sym::from("a")], vec![K::longs(vec![1, 2])]);
        assert_eq!(
            q(cast(&sym("float"), &t)),
            K::table(vec![Sym::from("a")], vec![K::floats(vec![1.0, 2.0])])
        );
        // kb-faq-L0229: `float$() is an empty float vector
        assert_eq!(q(cast(&sym("float"), &K::list(vec![]))), K::floats(vec![]));
        assert_eq!(
            q(cast(&sym("int"), &K::list(vec![K::long(1), K::float(2.5)]))),
            K::ints(vec![1, 3])
        );
    }

    #[test]
    fn cast_errors() {
        assert_eq!(qerr(cast(&sym("symbol"), &s("abc"))), "type");
        assert_eq!(qerr(cast(&h(11), &K::long(1))), "type");
        assert_eq!(qerr(cast(&c(b'g'), &K::long(1))), "type");
        assert_eq!(qerr(cast(&sym("long"), &sym("a"))), "type");
        assert_eq!(qerr(cast(&h(3), &K::long(1))), "type");
        assert_eq!(qerr(cast(&h(20), &K::long(1))), "type");
        assert_eq!(qerr(cast(&c(b'k'), &K::long(1))), "type");
        assert_eq!(qerr(cast(&K::float(1.0), &K::long(1))), "type");
        // an enumeration domain: for the evaluator
        assert_eq!(qerr(cast(&sym("sym"), &K::syms(["a", "b"]))), CAST_ENUM);
        assert_eq!(q(cast(&sym("symbol"), &sym("a"))), sym("a"));
        assert_eq!(
            q(cast(&sym("long"), &K::EnumAtom(Sym::from("d"), 3))),
            K::long(3)
        );
        assert_eq!(
            qerr(cast(&sym("symbol"), &K::EnumAtom(Sym::from("d"), 3))),
            "nyi"
        );
    }

    // ---- Tok

    #[test]
    fn tok_numbers() {
        // ref-tok-L0055 and the -8h form
        assert_eq!(q(cast(&c(b'E'), &s("3.14"))), K::real(3.14));
        assert_eq!(q(cast(&h(-8), &s("3.14"))), K::real(3.14));
        // ref-tok-L0074/76/78: out of range is null
        assert_eq!(q(cast(&c(b'H'), &s("32768"))), K::short(null::H));
        assert_eq!(q(cast(&c(b'I'), &s("2147483648"))), K::int(null::I));
        assert_eq!(
            q(cast(&c(b'D'), &s("2147483648"))),
            K::i32_of(Ty::Date, null::I)
        );
        assert_eq!(q(cast(&c(b'H'), &s("32767"))), K::short(32767));
        assert_eq!(
            q(cast(
                &c(b'J'),
                &strs(&["-5", " 42 ", "0W", "-0W", "0N", "abc", "", "1.5"])
            )),
            K::longs(vec![
                -5,
                42,
                null::WJ,
                -null::WJ,
                null::J,
                null::J,
                null::J,
                null::J
            ])
        );
        let f = q(cast(
            &c(b'F'),
            &strs(&["1e3", ".5", "0w", "-0w", "inf", "nan", "x"]),
        ));
        match f {
            K::Vector(Vector {
                data: Data::F64(v), ..
            }) => {
                assert_eq!(&v[..4], &[1000.0, 0.5, f64::INFINITY, f64::NEG_INFINITY]);
                assert!(v[4..].iter().all(|x| x.is_nan()));
            }
            other => panic!("{other:?}"),
        }
        // ref-tok-L0156: an IPv4 address as an int
        assert_eq!(q(cast(&c(b'I'), &s("192.168.1.34"))), K::int(-1062731486));
        assert_eq!(q(cast(&c(b'X'), &s("ff"))), K::byte(0xff));
        assert_eq!(q(cast(&c(b'X'), &s("zz"))), K::byte(0));
        assert_eq!(q(cast(&c(b'C'), &s("abc"))), c(b'a'));
        // "I"$() gives an empty int vector; Tok of a non-string is a type error
        assert_eq!(q(cast(&c(b'I'), &K::list(vec![]))), K::ints(vec![]));
        assert_eq!(qerr(cast(&c(b'I'), &K::long(42))), "type");
        assert_eq!(qerr(cast(&c(b'I'), &sym("a"))), "type");
    }

    #[test]
    fn tok_near_atomic() {
        // "BXH"$("42";"42";"42")
        let r = q(cast(&s("BXH"), &strs(&["42", "42", "42"])));
        assert_eq!(
            r,
            K::list(vec![K::bool(false), K::byte(0x42), K::short(42)])
        );
        // ("B";"XHI")$("42";("42";"42";"42"))
        let x = K::list(vec![c(b'B'), s("XHI")]);
        let y = K::list(vec![s("42"), strs(&["42", "42", "42"])]);
        let r = q(cast(&x, &y));
        assert_eq!(
            r,
            K::list(vec![
                K::bool(false),
                K::list(vec![K::byte(0x42), K::short(42), K::int(42)])
            ])
        );
        // "PZ"$\:"..." is each-left: the same string for each letter
        let r = q(cast(&s("PZ"), &s("20191122-11:11:11.123")));
        assert_eq!(
            items(&r).iter().map(text).collect::<Vec<_>>(),
            ["2019.11.22D11:11:11.123000000", "2019.11.22T11:11:11.123"]
        );
        // "NT"$\:"123456123987654"
        let r = q(cast(&s("NT"), &s("123456123987654")));
        assert_eq!(
            items(&r).iter().map(text).collect::<Vec<_>>(),
            ["0D12:34:56.123987654", "12:34:56.123"]
        );
    }

    #[test]
    fn tok_booleans() {
        // ref-tok-L0101/103
        assert_eq!(q(cast(&c(b'B'), &s("   Y  "))), K::bool(true));
        let each: Vec<K> = b"   Y  "
            .iter()
            .map(|&ch| q(cast(&c(b'B'), &c(ch))))
            .collect();
        assert_eq!(
            from_items(each),
            K::bools(vec![false, false, false, true, false, false])
        );
        assert_eq!(
            q(cast(&c(b'B'), &strs(&[" Y ", "    N "]))),
            K::bools(vec![true, false])
        );
        // ref-tok-L0139: .Q.an where"B"$'.Q.an
        let an = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";
        let truthy: Vec<u8> = an
            .iter()
            .copied()
            .filter(|&ch| q(cast(&c(b'B'), &c(ch))) == K::bool(true))
            .collect();
        assert_eq!(truthy, b"txyTXY1");
    }

    #[test]
    fn tok_symbols() {
        // ref-tok-L0115/122, learn-startingkdb: `$"hello", `$"   IBM   "
        assert_eq!(q(cast(&sym(""), &s("hello"))), sym("hello"));
        assert_eq!(q(cast(&sym(""), &s("   IBM   "))), sym("IBM"));
        assert_eq!(q(cast(&c(b'S'), &s("hello"))), sym("hello"));
        assert_eq!(q(cast(&sym(""), &strs(&["a", "bc"]))), K::syms(["a", "bc"]));
        assert_eq!(q(cast(&sym(""), &s(""))), sym(""));
        // "*"$ leaves a string alone
        assert_eq!(q(cast(&c(b'*'), &s("2012-02-02"))), s("2012-02-02"));
        assert_eq!(q(cast(&h(0), &s("x"))), s("x"));
    }

    #[test]
    fn tok_temporals() {
        assert_eq!(q(cast(&c(b'D'), &s("2000-12-12"))), date(2000, 12, 12));
        // basics-datatypes-L0128
        assert_eq!(q(cast(&c(b'D'), &s("3001.01.01"))), date(3001, 1, 1));
        for (txt, want) in [
            ("20000131", date(2000, 1, 31)),
            ("000131", date(2000, 1, 31)),
            ("31Jan2000", date(2000, 1, 31)),
            ("31JAN00", date(2000, 1, 31)),
            ("2000/01/31", date(2000, 1, 31)),
            ("2000/jan/31", date(2000, 1, 31)),
            ("01/31/2000", date(2000, 1, 31)),
            ("Jan/31/99", date(1999, 1, 31)),
            ("2000.02.30", null_atom(Ty::Date)),
            ("2000.13.01", null_atom(Ty::Date)),
            ("hello", null_atom(Ty::Date)),
        ] {
            assert_eq!(q(cast(&c(b'D'), &s(txt))), want, "{txt}");
        }
        // ref-tok-L0061/63
        assert_eq!(
            q(cast(&c(b'U'), &s("12:13:14"))),
            K::i32_of(Ty::Minute, 12 * 60 + 13)
        );
        assert_eq!(
            q(cast(&c(b'T'), &s("123456789"))),
            K::i32_of(Ty::Time, 45_296_789)
        );
        assert_eq!(
            q(cast(&c(b'V'), &s("12:13:14"))),
            K::i32_of(Ty::Second, 43_994)
        );
        assert_eq!(
            q(cast(&c(b'T'), &s("-00:00:01.5"))),
            K::i32_of(Ty::Time, -1500)
        );
        assert_eq!(q(cast(&c(b'T'), &s("12:61"))), null_atom(Ty::Time));
        // ref-tok-L0200
        assert_eq!(
            q(cast(&c(b'N'), &s("123456123987654"))),
            K::i64_of(Ty::Timespan, hms(12, 34, 56) + 123_987_654)
        );
        assert_eq!(
            q(cast(&c(b'N'), &s("-1D02:00"))),
            K::i64_of(Ty::Timespan, -(DAY_NS + hms(2, 0, 0)))
        );
        assert_eq!(q(cast(&c(b'M'), &s("2000.01"))), K::i32_of(Ty::Month, 0));
        assert_eq!(q(cast(&c(b'M'), &s("1999-12"))), K::i32_of(Ty::Month, -1));
        // timestamps: dotted, dashed, compact date; Unix seconds (ref-tok-L0213/220/222)
        assert_eq!(
            q(cast(&c(b'P'), &s("2015-10-28D03:55:58.6542"))),
            ts(2015, 10, 28, hms(3, 55, 58) + 654_200_000)
        );
        assert_eq!(q(cast(&c(b'P'), &s("2015.10.28"))), ts(2015, 10, 28, 0));
        assert_eq!(q(cast(&c(b'P'), &s("00000000000"))), ts(1970, 1, 1, 0));
        assert_eq!(q(cast(&c(b'P'), &s("10129708800"))), ts(2290, 12, 31, 0));
        assert_eq!(
            q(cast(&c(b'P'), &s("10129708800.123456789"))),
            ts(2290, 12, 31, 123_456_789)
        );
        assert_eq!(
            q(cast(&c(b'P'), &s("00000000000.123456789"))),
            ts(1970, 1, 1, 123_456_789)
        );
        assert_eq!(
            q(cast(&c(b'P'), &s("3000.01.01"))),
            null_atom(Ty::Timestamp)
        );
        assert_eq!(
            text(&q(cast(&c(b'Z'), &s("3000.01.01T01:02:03.004")))),
            "3000.01.01T01:02:03.004"
        );
    }

    #[test]
    fn tok_guids() {
        // basics-datatypes-L0291
        let g = "8c680a01-5a49-5aab-5a65-d4bfddb6a661";
        let r = q(cast(&c(b'G'), &s(g)));
        assert_eq!(text(&r), g);
        assert_eq!(q(cast(&c(b'G'), &s("8c680a015a495aab5a65d4bfddb6a661"))), r);
        // ref-tok-L0179/191 and the other address forms of the Tok page
        for (addr, want) in [
            (
                "2001:0DB8:85A3::8A2E:0370:7334",
                "20010db8-85a3-0000-0000-8a2e03707334",
            ),
            (
                "2001:0DB8:85A3:0000:0000:8A2E:0370:7334",
                "20010db8-85a3-0000-0000-8a2e03707334",
            ),
            ("::8A2E:0370:7334", "00000000-0000-0000-0000-8a2e03707334"),
            ("::FFFF:192.0.2.1", "00000000-0000-0000-0000-ffffc0000201"),
            ("::FFFF:c000:201", "00000000-0000-0000-0000-ffffc0000201"),
            ("192.0.2.1", "00000000-0000-0000-0000-ffffc0000201"),
            ("not a guid", "00000000-0000-0000-0000-000000000000"),
        ] {
            assert_eq!(text(&q(cast(&c(b'G'), &s(addr)))), want, "{addr}");
        }
    }

    // ---- Pad and mmu

    #[test]
    fn pad_strings() {
        // ref-pad-L0020 and the Pad page
        assert_eq!(q(cast(&K::long(9), &s("foo"))), s("foo      "));
        assert_eq!(q(cast(&K::long(-9), &s("foo"))), s("      foo"));
        assert_eq!(q(cast(&K::long(2), &s("foo"))), s("fo"));
        assert_eq!(q(cast(&K::long(-2), &s("foo"))), s("oo"));
        // ref-pad-L0031: string-atomic
        let y = K::list(vec![
            s("The"),
            K::list(vec![s("fox"), strs(&["jumps", "over"])]),
            strs(&["the", "dog"]),
        ]);
        let want = K::list(vec![
            s("The      "),
            K::list(vec![s("fox      "), strs(&["jumps    ", "over     "])]),
            strs(&["the      ", "dog      "]),
        ]);
        assert_eq!(q(cast(&K::long(9), &y)), want);
        let d = K::dict(K::syms(["a", "b"]), strs(&["quick", "fox"]));
        assert_eq!(
            q(cast(&K::long(-9), &d)),
            K::dict(K::syms(["a", "b"]), strs(&["    quick", "      fox"]))
        );
        assert_eq!(qerr(cast(&K::long(9), &K::long(1))), "type");
        assert_eq!(qerr(cast(&K::long(null::WJ), &s("a"))), "limit");
    }

    #[test]
    fn mmu_floats() {
        // ref-mmu-L0046: 1 2 3f$4 5 6f
        assert_eq!(
            q(cast(
                &K::floats(vec![1.0, 2.0, 3.0]),
                &K::floats(vec![4.0, 5.0, 6.0])
            )),
            K::float(32.0)
        );
        let a = K::list(vec![K::floats(vec![1.0, 2.0]), K::floats(vec![3.0, 4.0])]);
        let b = K::list(vec![K::floats(vec![5.0, 6.0]), K::floats(vec![7.0, 8.0])]);
        assert_eq!(
            q(cast(&a, &b)),
            K::list(vec![
                K::floats(vec![19.0, 22.0]),
                K::floats(vec![43.0, 50.0])
            ])
        );
        assert_eq!(
            q(cast(&a, &K::floats(vec![1.0, 1.0]))),
            K::floats(vec![3.0, 7.0])
        );
        assert_eq!(
            q(cast(&K::floats(vec![1.0, 1.0]), &b)),
            K::floats(vec![12.0, 14.0])
        );
        assert_eq!(
            qerr(cast(&K::floats(vec![1.0]), &K::floats(vec![1.0, 2.0]))),
            "length"
        );
        assert_eq!(
            qerr(cast(&K::floats(vec![1.0]), &K::longs(vec![1]))),
            "type"
        );
    }

    // ---- string

    #[test]
    fn string_reference_examples() {
        // ref-string-L0017/19/21/36/41, basics-parsetrees-L0185
        assert_eq!(q(string(&sym("ibm"))), s("ibm"));
        assert_eq!(q(string(&K::long(2))), s("2"));
        assert_eq!(q(string(&K::long(42))), s("42"));
        assert_eq!(q(string(&K::lambda("{x*x}"))), s("{x*x}"));
        assert_eq!(q(string(&s("cat"))), K::list(vec![s("c"), s("a"), s("t")]));
        let y = K::list(vec![K::longs(vec![2, 3]), s("abc")]);
        assert_eq!(
            q(string(&y)),
            K::list(vec![strs(&["2", "3"]), strs(&["a", "b", "c"])])
        );
        let d = K::dict(K::syms(["a", "b", "c"]), K::longs(vec![2002, 2004, 2010]));
        assert_eq!(
            q(string(&d)),
            K::dict(K::syms(["a", "b", "c"]), strs(&["2002", "2004", "2010"]))
        );
        let t = K::table(
            vec![Sym::from("a"), Sym::from("b")],
            vec![K::longs(vec![1, 2]), K::syms(["ibm", "goog"])],
        );
        assert_eq!(
            q(string(&t)),
            K::table(
                vec![Sym::from("a"), Sym::from("b")],
                vec![strs(&["1", "2"]), strs(&["ibm", "goog"])]
            )
        );
        // ref-maps-L0078: count each string `Clash`Fixx`The`Who
        let lens: Vec<usize> = texts(&K::syms(["Clash", "Fixx", "The", "Who"]))
            .iter()
            .map(String::len)
            .collect();
        assert_eq!(lens, [5, 4, 3, 3]);
        assert_eq!(q(string(&K::NULL)), s("::"));
        assert_eq!(qerr(string(&K::Func(Func::Unary(3)))), "nyi");
    }

    #[test]
    fn string_numbers() {
        assert_eq!(texts(&K::bools(vec![true, false])), ["1", "0"]);
        assert_eq!(text(&K::byte(0xff)), "ff");
        assert_eq!(text(&K::short(null::WH)), "32767");
        assert_eq!(text(&K::short(null::H)), "");
        assert_eq!(
            texts(&K::ints(vec![null::I, null::WI, -null::WI, -3])),
            ["", "0W", "-0W", "-3"]
        );
        assert_eq!(
            texts(&K::longs(vec![null::J, null::WJ, -null::WJ])),
            ["", "0W", "-0W"]
        );
        let fl = K::floats(vec![
            1.5,
            3.0,
            1.0 / 3.0,
            1e10,
            1e-4,
            1e-5,
            123456789.0,
            1234567.0,
            0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -2.5,
            100.0,
        ]);
        assert_eq!(
            texts(&fl),
            [
                "1.5",
                "3",
                "0.3333333",
                "1e+10",
                "0.0001",
                "1e-05",
                "1.234568e+08",
                "1234567",
                "0",
                "",
                "0w",
                "-0w",
                "-2.5",
                "100"
            ]
        );
        assert_eq!(text(&K::real(3.14)), "3.14");
        // \P 0 is 17 significant digits; other precisions as given
        assert_eq!(
            q(string_p(&K::float(1.0 / 3.0), 0)),
            s("0.33333333333333331")
        );
        assert_eq!(q(string_p(&K::float(0.1), 0)), s("0.10000000000000001"));
        assert_eq!(q(string_p(&K::float(2.0 / 3.0), 3)), s("0.667"));
        assert_eq!(q(string_p(&K::float(162754.791), 7)), s("162754.8"));
        assert_eq!(q(string_p(&K::float(3.732054e7), 7)), s("3.732054e+07"));
    }

    #[test]
    fn string_temporals_and_others() {
        assert_eq!(text(&ts(2000, 1, 1, 42)), "2000.01.01D00:00:00.000000042");
        assert_eq!(
            text(&ts(1999, 12, 31, hms(23, 59, 59))),
            "1999.12.31D23:59:59.000000000"
        );
        assert_eq!(text(&null_atom(Ty::Timestamp)), "");
        assert_eq!(text(&K::i64_of(Ty::Timestamp, null::WJ)), "0W");
        assert_eq!(text(&K::i32_of(Ty::Month, 42)), "2003.07");
        assert_eq!(text(&K::i32_of(Ty::Month, -1)), "1999.12");
        assert_eq!(text(&date(2000, 2, 12)), "2000.02.12");
        assert_eq!(text(&K::i32_of(Ty::Date, -null::WI)), "-0W");
        assert_eq!(text(&dt(0.5)), "2000.01.01T12:00:00.000");
        assert_eq!(text(&dt(f64::NAN)), "");
        assert_eq!(
            text(&K::i64_of(Ty::Timespan, -SEC_NS)),
            "-0D00:00:01.000000000"
        );
        assert_eq!(
            text(&K::i64_of(Ty::Timespan, 3 * DAY_NS + 5)),
            "3D00:00:00.000000005"
        );
        assert_eq!(text(&K::i32_of(Ty::Minute, 25 * 60)), "25:00");
        assert_eq!(text(&K::i32_of(Ty::Second, -61)), "-00:01:01");
        assert_eq!(text(&K::i32_of(Ty::Time, -1)), "-00:00:00.001");
        assert_eq!(text(&K::i32_of(Ty::Time, 45_296_789)), "12:34:56.789");
        assert_eq!(
            text(&K::guid([0; 16])),
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(text(&c(b'x')), "x");
        assert_eq!(text(&sym("")), "");
        assert_eq!(q(string(&K::list(vec![]))), K::list(vec![]));
    }

    // ---- like, ss, ssr

    #[test]
    fn like_reference_examples() {
        let yes = |x: &K, p: &str| q(like(x, &s(p)));
        assert_eq!(yes(&sym("brown"), "br[ao]wn"), K::bool(true));
        assert_eq!(yes(&sym("quick"), "quick"), K::bool(true));
        assert_eq!(yes(&sym("quick"), "quickish"), K::bool(false));
        assert_eq!(yes(&sym("quickly"), "quick*"), K::bool(true));
        assert_eq!(
            yes(&K::syms(["brawn", "brown"]), "br[^o]wn"),
            K::bools(vec![true, false])
        );
        let d = K::dict(K::syms(["a", "b", "c"]), K::syms(["quick", "brown", "fox"]));
        assert_eq!(
            yes(&d, "brown"),
            K::dict(K::syms(["a", "b", "c"]), K::bools(vec![false, true, false]))
        );
        assert_eq!(
            yes(&K::syms(["quick", "quack", "quark"]), "qu?ck"),
            K::bools(vec![true, true, false])
        );
        // basics-regex
        assert_eq!(
            yes(&strs(&["brown", "drown", "frown", "grown"]), "?rown"),
            K::bools(vec![true; 4])
        );
        for (x, p, want) in [
            ("brown", "[bf]rown", true),
            ("brown", "[^cf]rown", true),
            ("br^wn", "br[&^]wn", true),
            ("brAwn", "br[A-Z]wn", true),
            ("br0wn", "br[0-3]wn", true),
            ("br0wn", "br[3-6]wn", false),
            ("br0wn", "br[^3-6]wn", true),
            ("brown", "br?*wn", true),
            ("brown", "br[?*]wn", false),
            ("br*wn", "br[*]wn", true),
            ("br?wn", "br[?]wn", true),
            ("br]wn", "[bf]r[]]wn", true),
            ("a[c", "a[[]c", true),
            ("brown", "br*wn", true),
            ("broom of your own", "br*wn", true),
            ("brwn", "br*wn", true),
            ("geeks for geeks", "*goon*", false),
            ("Now is the time", "*the*", true),
            ("", "*", true),
            ("", "", true),
        ] {
            assert_eq!(yes(&s(x), p), K::bool(want), "{x} like {p}");
        }
        let a = strs(&["roam", "rome"]);
        assert_eq!(yes(&a, "r?me"), K::bools(vec![false, true]));
        assert_eq!(yes(&a, "ro*"), K::bools(vec![true, true]));
        assert_eq!(yes(&a, "ro[ab]?"), K::bools(vec![true, false]));
        assert_eq!(yes(&a, "ro[^ab]?"), K::bools(vec![false, true]));
        assert_eq!(
            yes(&K::syms(["ab*c", "abcc"]), "ab[*]c"),
            K::bools(vec![true, false])
        );
        assert_eq!(
            yes(&K::syms(["ab?c", "abcc"]), "ab[?]c"),
            K::bools(vec![true, false])
        );
        assert_eq!(
            yes(&K::syms(["ab^c", "abcc"]), "ab[*^]c"),
            K::bools(vec![true, false])
        );
        // basics-regex-L0168: too many stars
        let st = s("Now is the time for all good men to come to the aid of the party.");
        assert_eq!(qerr(like(&st, &s("*the*the*"))), "nyi");
        assert_eq!(qerr(like(&st, &s("*the*the"))), "nyi");
        assert_eq!(qerr(like(&K::long(1), &s("a"))), "type");
        assert_eq!(qerr(like(&s("a"), &sym("a"))), "type");
        assert_eq!(qerr(like(&s("a"), &s("[ab"))), "unmatched ]");
    }

    #[test]
    fn ss_and_ssr() {
        assert_eq!(
            q(ss(&s("We the people of the United States"), &s("the"))),
            K::longs(vec![3, 17])
        );
        let t = s("toronto ontario");
        assert_eq!(q(ss(&t, &s("ont"))), K::longs(vec![3, 8]));
        assert_eq!(q(ss(&t, &s("[ir]o"))), K::longs(vec![2, 13]));
        assert_eq!(q(ss(&t, &s("t?r"))), K::longs(vec![0, 10]));
        let g = s("A grown man in a gown");
        assert_eq!(q(ss(&g, &s("rown"))), K::longs(vec![3]));
        assert_eq!(q(ss(&g, &s("own"))), K::longs(vec![4, 18]));
        assert_eq!(q(ss(&g, &s("n"))), K::longs(vec![6, 10, 13, 20]));
        assert_eq!(q(ss(&g, &c(b'n'))), K::longs(vec![6, 10, 13, 20]));
        assert_eq!(
            q(ss(&s("the brown duck drowned"), &s("?rown"))),
            K::longs(vec![4, 15])
        );
        let n = s("Now is the time for all good men to come to the aid of the party.");
        assert_eq!(q(ss(&n, &s("t?e"))), K::longs(vec![7, 44, 55]));
        assert_eq!(q(ss(&s("aaaa"), &s("aa"))), K::longs(vec![0, 2]));
        assert_eq!(qerr(ss(&n, &s("t*e"))), "length");
        assert_eq!(qerr(ss(&g, &s(""))), "length");
        assert_eq!(qerr(ss(&sym("a"), &s("a"))), "type");

        assert_eq!(q(ssr(&t, &s("ont"), &s("x"))), s("torxo xario"));
        assert_eq!(
            q(ssr(&s("Hello word!"), &s("rd"), &s("rld"))),
            s("Hello world!")
        );
        assert_eq!(q(ssr(&s("advance"), &s("adv"), &s("a d"))), s("a dance"));
        assert_eq!(q(ssr(&s("advance"), &c(b'a'), &c(b'-'))), s("-dv-nce"));
        assert_eq!(q(ssr(&s("GEEGEEKSKS"), &s("GEEKS"), &s(""))), s("GEEKS"));
        assert_eq!(q(ssr(&s("GEEKS"), &s("GEEKS"), &s(""))), s(""));
        // basics-glossary-L0268: ssr["a";"a";"-"]
        assert_eq!(qerr(ssr(&c(b'a'), &c(b'a'), &c(b'-'))), "type");
        assert_eq!(qerr(ssr(&t, &s("t?r"), &K::Func(Func::Unary(5)))), "nyi");
        // ref-ss-L0065 with the function applied by the caller
        let r = q(ssr_by(&t, &s("t?r"), &mut |m| upper(m)));
        assert_eq!(r, s("TORonto onTARio"));
    }

    // ---- sv, vs

    #[test]
    fn sv_join() {
        assert_eq!(
            q(sv(&c(b','), &strs(&["one", "two", "three"]))),
            s("one,two,three")
        );
        assert_eq!(
            q(sv(&s(", "), &strs(&["one", "two", "three"]))),
            s("one, two, three")
        );
        assert_eq!(
            q(sv(&c(b'.'), &texts_k(&K::longs(vec![192, 168, 1, 23])))),
            s("192.168.1.23")
        );
        assert_eq!(
            q(sv(&sym(""), &strs(&["one", "two", "three"]))),
            s("one\ntwo\nthree\n")
        );
        assert_eq!(
            q(sv(&sym(""), &K::syms(["quick", "brown", "fox"]))),
            sym("quick.brown.fox")
        );
        assert_eq!(
            q(sv(&sym(""), &K::syms(["mywork", "dat"]))),
            sym("mywork.dat")
        );
        assert_eq!(
            q(sv(
                &sym(""),
                &K::syms([":/home/kdb/q", "data", "2010.03.22", "trade"])
            )),
            sym(":/home/kdb/q/data/2010.03.22/trade")
        );
        let ones = K::list(vec![
            K::bytes(vec![1]),
            K::bytes(vec![1]),
            K::bytes(vec![1]),
        ]);
        assert_eq!(q(sv(&K::byte(2), &ones)), K::bytes(vec![1, 2, 1, 2, 1]));
        let parts = K::list(vec![K::bytes(vec![0, 1]), K::bytes(vec![4, 5])]);
        assert_eq!(
            q(sv(&K::bytes(vec![2, 3]), &parts)),
            K::bytes(vec![0, 1, 2, 3, 4, 5])
        );
        assert_eq!(q(sv(&c(b','), &K::list(vec![]))), s(""));
        assert_eq!(qerr(sv(&c(b','), &K::longs(vec![1]))), "type");
        assert_eq!(
            qerr(sv(&c(b','), &K::list(vec![s("a"), K::long(1)]))),
            "type"
        );
    }

    fn texts_k(x: &K) -> K {
        q(string(x))
    }

    #[test]
    fn sv_decode() {
        assert_eq!(
            q(sv(&K::long(10), &K::longs(vec![2, 3, 5, 7]))),
            K::long(2357)
        );
        assert_eq!(
            q(sv(&K::long(100), &K::longs(vec![2010, 3, 17]))),
            K::long(20100317)
        );
        assert_eq!(
            q(sv(
                &K::longs(vec![0, 24, 60, 60]),
                &K::longs(vec![2, 3, 5, 7])
            )),
            K::long(183907)
        );
        assert_eq!(
            q(sv(&K::long(256), &K::longs((0..8).collect()))),
            K::long(283686952306183)
        );
        assert_eq!(
            q(sv(&K::long(2), &K::bools(vec![true, false, true]))),
            K::long(5)
        );
        assert_eq!(q(sv(&K::int(2), &K::ints(vec![1, 1]))), K::int(3));
        assert_eq!(
            q(sv(&K::float(2.0), &K::floats(vec![1.0, 0.5]))),
            K::float(2.5)
        );
        // columns decode together: the inverse of 10 vs 1995 1996 1997
        let m = K::list(vec![
            K::longs(vec![1, 1, 1]),
            K::longs(vec![9, 9, 9]),
            K::longs(vec![9, 9, 9]),
            K::longs(vec![5, 6, 7]),
        ]);
        assert_eq!(q(sv(&K::long(10), &m)), K::longs(vec![1995, 1996, 1997]));
        assert_eq!(
            qerr(sv(&K::longs(vec![1, 2]), &K::longs(vec![1, 2, 3]))),
            "length"
        );
        // bytes and bits
        assert_eq!(q(sv(&K::byte(0), &K::bytes(vec![0, 255]))), K::short(255));
        assert_eq!(
            q(sv(&K::byte(0), &K::bytes(vec![128, 255]))),
            K::short(-32513)
        );
        assert_eq!(
            q(sv(&K::byte(0), &K::bytes(vec![0, 64, 128, 255]))),
            K::int(4227327)
        );
        assert_eq!(
            q(sv(&K::byte(0), &K::bytes((0..8).collect()))),
            K::long(283686952306183)
        );
        assert_eq!(qerr(sv(&K::byte(0), &K::bytes(vec![1, 2, 3]))), "length");
        assert_eq!(
            q(sv(&K::bool(false), &K::bools(vec![true; 64]))),
            K::long(-1)
        );
        assert_eq!(
            q(sv(&K::bool(false), &K::bools(vec![true; 32]))),
            K::int(-1)
        );
        assert_eq!(
            q(sv(&K::bool(false), &K::bools(vec![true; 16]))),
            K::short(-1)
        );
        assert_eq!(
            q(sv(&K::bool(false), &K::bools(vec![true; 8]))),
            K::byte(0xff)
        );
        let bits = "10001100011010111000101101100100011010000001010101100000100001000000101000111110000101111000010000000001001001010001101101101000";
        let g = q(sv(
            &K::bool(false),
            &K::bools(bits.bytes().map(|b| b == b'1').collect()),
        ));
        assert_eq!(text(&g), "8c6b8b64-6815-6084-0a3e-178401251b68");
        assert_eq!(
            qerr(sv(&K::bool(false), &K::bools(vec![true; 7]))),
            "length"
        );
    }

    #[test]
    fn vs_split() {
        assert_eq!(
            q(vs(&c(b','), &s("one,two,three"))),
            strs(&["one", "two", "three"])
        );
        assert_eq!(
            q(vs(&s(", "), &s("spring, summer, autumn, winter"))),
            strs(&["spring", "summer", "autumn", "winter"])
        );
        assert_eq!(
            q(vs(&c(b'|'), &s("red|green||blue"))),
            strs(&["red", "green", "", "blue"])
        );
        assert_eq!(q(vs(&c(b','), &s(""))), strs(&[""]));
        assert_eq!(
            q(vs(&sym(""), &s("abc\ndef\nghi"))),
            strs(&["abc", "def", "ghi"])
        );
        assert_eq!(
            q(vs(&sym(""), &K::bytes(b"abc\ndef\nghi".to_vec()))),
            strs(&["abc", "def", "ghi"])
        );
        assert_eq!(
            q(vs(&sym(""), &s("abc\r\ndef\r\nghi"))),
            strs(&["abc", "def", "ghi"])
        );
        assert_eq!(
            q(vs(&sym(""), &s("abc\ndef\nghi\n"))),
            strs(&["abc", "def", "ghi"])
        );
        assert_eq!(
            q(vs(&c(b'\n'), &s("abc\ndef\nghi\n"))),
            strs(&["abc", "def", "ghi", ""])
        );
        assert_eq!(
            q(vs(&sym(""), &sym("mywork.dat"))),
            K::syms(["mywork", "dat"])
        );
        assert_eq!(
            q(vs(&sym(""), &sym(":/home/kdb/data/mywork.dat"))),
            K::syms([":/home/kdb/data", "mywork.dat"])
        );
        let r = q(vs(&K::byte(2), &K::bytes(vec![1, 2, 1, 2, 1])));
        assert_eq!(
            r,
            K::list(vec![
                K::bytes(vec![1]),
                K::bytes(vec![1]),
                K::bytes(vec![1])
            ])
        );
        let r = q(vs(&K::bytes(vec![2, 3]), &K::bytes(vec![0, 1, 2, 3, 4, 5])));
        assert_eq!(r, K::list(vec![K::bytes(vec![0, 1]), K::bytes(vec![4, 5])]));
        assert_eq!(
            q(vs(&c(b' '), &K::bytes(b"a b".to_vec()))),
            strs(&["a", "b"])
        );
        assert_eq!(qerr(vs(&s(""), &s("abc"))), "length");
        assert_eq!(qerr(vs(&c(b','), &K::long(1))), "type");
    }

    #[test]
    fn vs_encode() {
        assert_eq!(
            q(vs(&K::bool(false), &K::short(23173))),
            K::bools("0101101010000101".bytes().map(|b| b == b'1').collect())
        );
        assert_eq!(
            q(vs(&K::bool(false), &K::int(23173))),
            K::bools(
                "00000000000000000101101010000101"
                    .bytes()
                    .map(|b| b == b'1')
                    .collect()
            )
        );
        assert_eq!(
            q(vs(&K::byte(0), &K::short(2413))),
            K::bytes(vec![0x09, 0x6d])
        );
        assert_eq!(
            q(vs(&K::byte(0), &K::int(2413))),
            K::bytes(vec![0, 0, 0x09, 0x6d])
        );
        assert_eq!(
            q(vs(&K::byte(0), &K::real(2413.0))),
            K::bytes(vec![0x45, 0x16, 0xd0, 0x00])
        );
        assert_eq!(
            q(vs(&K::byte(0), &K::float(2413.0))),
            K::bytes(vec![0x40, 0xa2, 0xda, 0, 0, 0, 0, 0])
        );
        assert_eq!(
            q(vs(&K::byte(0), &K::float(3.1415))),
            K::bytes(vec![0x40, 0x09, 0x21, 0xca, 0xc0, 0x83, 0x12, 0x6f])
        );
        assert_eq!(
            q(vs(&K::long(10), &K::long(1995))),
            K::longs(vec![1, 9, 9, 5])
        );
        assert_eq!(q(vs(&K::long(10), &K::long(153))), K::longs(vec![1, 5, 3]));
        assert_eq!(q(vs(&K::long(2), &K::long(9))), K::longs(vec![1, 0, 0, 1]));
        assert_eq!(q(vs(&K::long(2), &K::long(0))), K::longs(vec![0]));
        assert_eq!(
            q(vs(&K::longs(vec![24, 60, 60]), &K::long(3805))),
            K::longs(vec![1, 3, 25])
        );
        assert_eq!(q(vs(&K::long(10), &K::int(42))), K::ints(vec![4, 2]));
        let m = q(vs(&K::long(10), &K::longs(vec![1995, 1996, 1997])));
        let want = K::list(vec![
            K::longs(vec![1, 1, 1]),
            K::longs(vec![9, 9, 9]),
            K::longs(vec![9, 9, 9]),
            K::longs(vec![5, 6, 7]),
        ]);
        assert_eq!(m, want);
        // ref-vs-L0197: 10 vs(1995;1996 1997)
        let y = K::list(vec![K::long(1995), K::longs(vec![1996, 1997])]);
        let r = q(vs(&K::long(10), &y));
        let row = |a, b: Vec<i64>| K::list(vec![K::long(a), K::longs(b)]);
        assert_eq!(
            r,
            K::list(vec![
                row(1, vec![1, 1]),
                row(9, vec![9, 9]),
                row(9, vec![9, 9]),
                row(5, vec![6, 7])
            ])
        );
        assert_eq!(qerr(vs(&K::long(1), &K::long(5))), "domain");
        assert_eq!(qerr(vs(&K::long(10), &K::float(5.0))), "type");
    }

    // ---- upper, lower, trim

    #[test]
    fn case_shifts() {
        assert_eq!(q(lower(&s("IBM"))), s("ibm"));
        assert_eq!(q(lower(&sym("IBM"))), sym("ibm"));
        assert_eq!(q(upper(&s("ibm"))), s("IBM"));
        assert_eq!(
            q(upper(&K::syms(["ibm", "msft"]))),
            K::syms(["IBM", "MSFT"])
        );
        assert_eq!(q(upper(&c(b'a'))), c(b'A'));
        // ref-lower-L0034
        let x = K::list(vec![
            sym("The"),
            K::list(vec![
                K::syms(["quick", "brown"]),
                K::list(vec![sym("fox"), K::syms(["jumps", "over"])]),
            ]),
            sym("a"),
            K::syms(["lazy", "dog"]),
        ]);
        let want = K::list(vec![
            sym("THE"),
            K::list(vec![
                K::syms(["QUICK", "BROWN"]),
                K::list(vec![sym("FOX"), K::syms(["JUMPS", "OVER"])]),
            ]),
            sym("A"),
            K::syms(["LAZY", "DOG"]),
        ]);
        assert_eq!(q(upper(&x)), want);
        // basics-implicit-iteration-L0099
        let x = K::list(vec![s("THE"), strs(&["Quick", "Brown"]), s("FOX")]);
        assert_eq!(
            q(lower(&x)),
            K::list(vec![s("the"), strs(&["quick", "brown"]), s("fox")])
        );
        assert_eq!(qerr(upper(&K::long(1))), "type");
    }

    #[test]
    fn md5_digest() {
        // ref/md5.md
        let d = md5(&K::string("this is a not so secret message")).unwrap();
        let want: Vec<u8> = (0..16)
            .map(|i| {
                u8::from_str_radix(&"6cf192c1938b79012c323fa30e62787e"[2 * i..2 * i + 2], 16)
                    .unwrap()
            })
            .collect();
        assert_eq!(d, K::bytes(want));
        assert_eq!(md5(&K::long(1)), Err(QError::type_()));
    }

    #[test]
    fn trims() {
        assert_eq!(q(trim(&s("   IBM   "))), s("IBM"));
        assert_eq!(q(ltrim(&s("   IBM   "))), s("IBM   "));
        assert_eq!(q(rtrim(&s("   IBM   "))), s("   IBM"));
        assert_eq!(q(trim(&s("a"))), s("a"));
        assert_eq!(q(trim(&s("   "))), s(""));
        assert_eq!(q(rtrim(&s("   "))), s(""));
        assert_eq!(q(trim(&K::long(42))), K::long(42));
        let n = null::J;
        let v = K::longs(vec![n, n, 1, 2, 3, n, n, 4, 5, n, n]);
        assert_eq!(q(trim(&v)), K::longs(vec![1, 2, 3, n, n, 4, 5]));
        assert_eq!(q(trim(&K::syms(["", "a", ""]))), K::syms(["a"]));
        assert_eq!(
            q(trim(&K::bools(vec![false, true]))),
            K::bools(vec![false, true])
        );
        // string-atomic through lists, dictionaries and tables
        let x = K::list(vec![
            K::list(vec![s("fox"), strs(&["jumps ", "over   "])]),
            strs(&["a", "dog "]),
        ]);
        let want = K::list(vec![
            K::list(vec![s("fox"), strs(&["jumps", "over"])]),
            strs(&["a", "dog"]),
        ]);
        assert_eq!(q(trim(&x)), want);
        let d = K::dict(
            K::syms(["a", "b"]),
            K::list(vec![
                K::list(vec![s("fox"), strs(&["jumps ", "over   "])]),
                strs(&["a", "dog "]),
            ]),
        );
        assert_eq!(q(ltrim(&d)), d);
        let t = K::table(
            vec![Sym::from("a"), Sym::from("n")],
            vec![strs(&[" x ", "y "]), K::longs(vec![1, 2])],
        );
        let want = K::table(
            vec![Sym::from("a"), Sym::from("n")],
            vec![strs(&[" x", "y"]), K::longs(vec![1, 2])],
        );
        assert_eq!(q(rtrim(&t)), want);
        assert_eq!(qerr(trim(&K::long(null::J))), "type");
        assert_eq!(qerr(trim(&K::lambda("{x}"))), "type");
    }

    #[test]
    fn tables_export_every_function() {
        let monads: Vec<&str> = MONADS.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            monads,
            ["string", "upper", "lower", "trim", "ltrim", "rtrim", "md5"]
        );
        let dyads: Vec<&str> = DYADS.iter().map(|(n, _)| *n).collect();
        assert_eq!(dyads, ["$", "like", "ss", "sv", "vs"]);
        // the entries are the functions themselves
        let (_, f) = DYADS[0];
        assert_eq!(q(f(&c(b'i'), &K::long(3))), K::int(3));
        let (_, g) = MONADS[0];
        assert_eq!(q(g(&K::long(3))), s("3"));
    }
}
