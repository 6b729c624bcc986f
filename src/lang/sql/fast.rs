//! Fast paths for the commonest qSQL shapes on large tables. Each gives what the general
//! path gives, or declines and the general path runs:
//!
//! - a where phrase's leading run of column-against-constant tests (`sym in S`, `price>x`,
//!   `size=100`): the tests are pure, so running every one on every row and ANDing them
//!   keeps exactly the rows that filtering one test after another keeps. One pass over
//!   stretches of rows (on several threads for large tables), no intermediate row lists.
//! - `select a1, a2 .. by k1, k2 .. from t` whose aggregations are `sum avg min max count
//!   first last wavg wsum` of columns and whose keys are symbols or integer-valued (ints,
//!   longs, temporal values, `5 xbar time.minute`): each row's group slot comes from direct
//!   indexing (a symbol's pooled id, an integer key's value less its minimum), all
//!   aggregations accumulate in the same pass, no per-group row lists are made, and large
//!   tables are split into stretches accumulated on several threads and then merged.
//!   Float sums added stretch by stretch can differ from one sequential sum in the last
//!   bits (as q's own multithreaded sums do); tables below `par::MIN_ROWS` rows are one
//!   stretch.

use super::agg::Agg;
use super::{check_dups, conform, eval_in, phrase_names, scope, View};
use crate::lang::ast::{Expr, Verb};
use crate::lang::eval::{EvalResult, Frame, Interp};
use crate::lang::prims::atomic::{col_cmp, ColCmp};
use crate::lang::prims::{atomic, par, table};
use crate::lang::QError;
use qipc::{null, Data, Func, Sym, Table, Ty, K};
use std::ops::Range;

/// Rows handled per inner step: slot and mask buffers this long stay in L1.
const BLOCK: usize = 2048;

/// Rows a where phrase's tests handle per step: longer than [`BLOCK`], as measured on the
/// 10M-row filter benchmark, so each column's stretch is streamed in longer runs. At most
/// `atomic::DENSE_SPAN`, so dense refines test every item of a block.
const WHERE_BLOCK: usize = 4096;
const _: () = assert!(WHERE_BLOCK <= atomic::DENSE_SPAN);

/// Most group slots the grouped kernel allocates (per thread); more and it declines.
const MAX_SLOTS: usize = 1 << 22;

/// Bytes of accumulators the grouped kernel's stretches may hold at once.
const PART_BUDGET: usize = 64 << 20;

#[cfg(test)]
thread_local! {
    /// Tests turn the fast paths off to compare them with the general path.
    pub(super) static OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn off() -> bool {
    OFF.with(|o| o.get())
}

#[cfg(not(test))]
fn off() -> bool {
    false
}

// ------------------------------------------------------------------------------------------
// Where

/// One column-against-constant test.
pub(super) enum Test<'a> {
    Cmp(ColCmp<'a>),
    /// `sym in S`.
    In(&'a [Sym], SymSet),
}

/// The symbols of `S` in `sym in S`, in the form the test reads fastest.
pub(super) enum SymSet {
    /// Open addressing without probing: the symbols' pool addresses at slots picked by a
    /// multiplicative hash chosen so that no two of them share a slot, so a symbol is in
    /// the set exactly when its own slot holds its address. No read through the symbol's
    /// pointer (its id would be one more dependent load per row), and the table is small
    /// enough to stay in L1.
    Addrs {
        slots: Vec<usize>,
        mul: u64,
        shift: u32,
    },
    /// A flag per pooled symbol id, for sets too large for `Addrs`.
    Ids(Vec<u8>),
}

/// Most distinct symbols [`SymSet::Addrs`] takes; its table has at most 4096 slots.
const ADDR_SET_MAX: usize = 512;

/// Odd multipliers tried for [`SymSet::Addrs`] (golden ratio and other well-mixing ones).
const MULS: [u64; 4] = [
    0x9E37_79B9_7F4A_7C15,
    0xC2B2_AE3D_27D4_EB4F,
    0x1656_67B1_9E37_79F9,
    0xD6E8_FEB8_6659_FD93,
];

impl SymSet {
    fn new(wanted: &[Sym]) -> SymSet {
        let mut addrs: Vec<usize> = wanted.iter().map(|s| s.addr()).collect();
        addrs.sort_unstable();
        addrs.dedup();
        if addrs.len() <= ADDR_SET_MAX {
            // At most half full, so a collision-free multiplier is usually found at once.
            let min_bits = (addrs.len() * 2)
                .next_power_of_two()
                .trailing_zeros()
                .max(4);
            for bits in min_bits..=12 {
                for mul in MULS {
                    let shift = 64 - bits;
                    let mut slots = vec![0usize; 1 << bits];
                    let clash = addrs.iter().any(|&a| {
                        match slots.get_mut(((a as u64).wrapping_mul(mul) >> shift) as usize) {
                            Some(s) if *s == 0 => {
                                *s = a;
                                false
                            }
                            _ => true,
                        }
                    });
                    if !clash {
                        return SymSet::Addrs { slots, mul, shift };
                    }
                }
            }
        }
        // Every symbol in the column was interned before this bound was read.
        let mut set = vec![0u8; qipc::sym::id_bound()];
        for s in wanted {
            if let Some(f) = set.get_mut(s.id() as usize) {
                *f = 1;
            }
        }
        SymSet::Ids(set)
    }
}

impl Test<'_> {
    /// See [`ColCmp::first`] and [`ColCmp::refine`]: `n` is `None` for the block's first test.
    fn select(&self, start: usize, rows: &mut [u32], n: Option<usize>, len: usize) -> usize {
        match (self, n) {
            (Test::Cmp(c), None) => c.first(start, len, rows),
            (Test::Cmp(c), Some(n)) => c.refine(start, rows, n),
            (Test::In(d, SymSet::Addrs { slots, mul, shift }), _) => {
                let (mul, shift) = (*mul, *shift);
                atomic::select(d, start, rows, n, len, |s: Sym| {
                    let a = s.addr();
                    // No symbol lives at address 0, the empty slots' value.
                    slots
                        .get(((a as u64).wrapping_mul(mul) >> shift) as usize)
                        .is_some_and(|&x| x == a)
                })
            }
            (Test::In(d, SymSet::Ids(set)), _) => {
                atomic::select(d, start, rows, n, len, |s: Sym| {
                    set.get(s.id() as usize).is_some_and(|&f| f != 0)
                })
            }
        }
    }
}

/// The keyword a function-position expression names, unless a column or local hides it.
fn keyword(e: &Expr, t: &Table, frame: &Option<&mut Frame>) -> Option<Sym> {
    match e {
        Expr::Name(n)
            if !t.names.contains(n) && !frame.as_ref().is_some_and(|f| f.declares(*n)) =>
        {
            Some(*n)
        }
        Expr::Verb(Verb::Word(w)) => Some(*w),
        Expr::Lit(K::Func(Func::Native(b))) => Some(Sym::from_text(b.name())),
        _ => None,
    }
}

/// A plain (undotted) column of `t`.
fn column<'t>(e: &Expr, t: &'t Table) -> Option<&'t K> {
    match e {
        Expr::Name(n) => t
            .names
            .iter()
            .position(|c| c == n)
            .and_then(|i| t.cols.get(i)),
        _ => None,
    }
}

/// The value of a constant operand: a literal, or a name that is no column and is bound
/// (a local of the enclosing lambda or a global), so reading it cannot fail or act.
fn constant(it: &Interp, e: &Expr, t: &Table, frame: &Option<&mut Frame>, ctx: Sym) -> Option<K> {
    match e {
        Expr::Lit(k) => Some(k.clone()),
        Expr::Name(n) if !t.names.contains(n) && !n.as_bytes().contains(&b'.') => {
            match frame.as_ref().filter(|f| f.declares(*n)) {
                Some(f) => f.get(*n).cloned(),
                None => it.get_global(*n, ctx),
            }
        }
        _ => None,
    }
}

/// A where constraint as a [`Test`], when it is one.
fn test<'a>(
    it: &Interp,
    w: &Expr,
    t: &'a Table,
    frame: &Option<&mut Frame>,
    ctx: Sym,
) -> Option<Test<'a>> {
    let Expr::Dyad(f, x, Some(y)) = w else {
        return None;
    };
    let col = column(x, t)?;
    let c = constant(it, y, t, frame, ctx)?;
    if let Expr::Verb(Verb::Prim(p)) = &**f {
        return col_cmp(p, col, &c).map(Test::Cmp);
    }
    if keyword(f, t, frame)?.as_bytes() != b"in" {
        return None;
    }
    let K::Vector(v) = col else { return None };
    let Data::Sym(d) = &v.data else { return None };
    let wanted: Vec<Sym> = match &c {
        K::Atom(a) if a.ty == Ty::Sym => vec![c.as_sym()?],
        K::Vector(s) if s.ty == Ty::Sym => match &s.data {
            Data::Sym(s) => s.to_vec(),
            _ => return None,
        },
        _ => return None,
    };
    Some(Test::In(d, SymSet::new(&wanted)))
}

/// The leading where constraints that are [`Test`]s.
pub(super) fn tests<'a>(
    it: &Interp,
    wheres: &[Expr],
    t: &'a Table,
    frame: &Option<&mut Frame>,
    ctx: Sym,
) -> Vec<Test<'a>> {
    if off() {
        return Vec::new();
    }
    wheres
        .iter()
        .map_while(|w| test(it, w, t, frame, ctx))
        .collect()
}

/// The rows of `0..n` passing every test, in order.
pub(super) fn passing(tests: &[Test], n: usize) -> Vec<i64> {
    if tests.is_empty() {
        return (0..n as i64).collect();
    }
    let lists = par::morsels(n, |r| {
        let mut out = Vec::new();
        let mut rows = [0u32; WHERE_BLOCK];
        let mut s = r.start;
        while s < r.end {
            let e = (s + WHERE_BLOCK).min(r.end);
            let mut k = None;
            for t in tests {
                k = Some(t.select(s, &mut rows, k, e - s));
            }
            let k = k.unwrap_or(e - s).min(WHERE_BLOCK);
            out.extend(rows[..k].iter().map(|&j| (s + j as usize) as i64));
            s = e;
        }
        out
    });
    if lists.len() == 1 {
        return lists.into_iter().next().unwrap_or_default();
    }
    let mut all = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    for l in lists {
        all.extend_from_slice(&l);
    }
    all
}

/// Rows taken from one column, stretch by stretch.
enum Buf {
    U8(Vec<u8>),
    Guid(Vec<qipc::Guid>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Sym(Vec<Sym>),
}

macro_rules! each_buf {
    ($d:expr, |$x:ident| $body:expr) => {
        match $d {
            Data::U8($x) => Buf::U8($body),
            Data::Guid($x) => Buf::Guid($body),
            Data::I16($x) => Buf::I16($body),
            Data::I32($x) => Buf::I32($body),
            Data::I64($x) => Buf::I64($body),
            Data::F32($x) => Buf::F32($body),
            Data::F64($x) => Buf::F64($body),
            Data::Sym($x) => Buf::Sym($body),
        }
    };
}

fn take<T: Copy + Default>(d: &[T], start: usize, offs: &[u32], out: &mut Vec<T>) {
    // Offsets come from tests over this block, so they are inside the column.
    let d = d.get(start..).unwrap_or(&[]);
    // When the rows taken are dense enough to touch most of the block's cache lines, read
    // one item per line first, in order: the hardware then streams the block in, where
    // the scattered reads alone would each wait for memory.
    if let Some(&last) = offs.last() {
        let span = last as usize + 1;
        let per_line = (64 / std::mem::size_of::<T>().max(1)).max(1);
        if offs.len() * 2 * per_line >= span {
            for x in d.iter().take(span).step_by(per_line) {
                std::hint::black_box(*x);
            }
        }
    }
    out.extend(
        offs.iter()
            .map(|&o| d.get(o as usize).copied().unwrap_or_default()),
    );
}

impl Buf {
    fn empty(d: &Data) -> Buf {
        each_buf!(d, |_x| Vec::new())
    }

    fn take(&mut self, d: &Data, start: usize, offs: &[u32]) {
        match (self, d) {
            (Buf::U8(o), Data::U8(x)) => take(x, start, offs, o),
            (Buf::Guid(o), Data::Guid(x)) => take(x, start, offs, o),
            (Buf::I16(o), Data::I16(x)) => take(x, start, offs, o),
            (Buf::I32(o), Data::I32(x)) => take(x, start, offs, o),
            (Buf::I64(o), Data::I64(x)) => take(x, start, offs, o),
            (Buf::F32(o), Data::F32(x)) => take(x, start, offs, o),
            (Buf::F64(o), Data::F64(x)) => take(x, start, offs, o),
            (Buf::Sym(o), Data::Sym(x)) => take(x, start, offs, o),
            _ => {}
        }
    }

    fn reserve(&mut self, n: usize) {
        match self {
            Buf::U8(v) => v.reserve(n),
            Buf::Guid(v) => v.reserve(n),
            Buf::I16(v) => v.reserve(n),
            Buf::I32(v) => v.reserve(n),
            Buf::I64(v) => v.reserve(n),
            Buf::F32(v) => v.reserve(n),
            Buf::F64(v) => v.reserve(n),
            Buf::Sym(v) => v.reserve(n),
        }
    }

    /// The stretches' rows in order, as a column like `like` (every stretch took from it).
    fn concat(parts: Vec<Buf>, like: &Data) -> Buf {
        macro_rules! cat {
            ($v:ident) => {
                Buf::$v(par::concat_parts(
                    parts
                        .into_iter()
                        .filter_map(|b| match b {
                            Buf::$v(x) => Some(x),
                            _ => None,
                        })
                        .collect(),
                ))
            };
        }
        match like {
            Data::U8(_) => cat!(U8),
            Data::Guid(_) => cat!(Guid),
            Data::I16(_) => cat!(I16),
            Data::I32(_) => cat!(I32),
            Data::I64(_) => cat!(I64),
            Data::F32(_) => cat!(F32),
            Data::F64(_) => cat!(F64),
            Data::Sym(_) => cat!(Sym),
        }
    }

    fn into_data(self) -> Data {
        use std::sync::Arc;
        match self {
            Buf::U8(v) => Data::U8(Arc::new(v)),
            Buf::Guid(v) => Data::Guid(Arc::new(v)),
            Buf::I16(v) => Data::I16(Arc::new(v)),
            Buf::I32(v) => Data::I32(Arc::new(v)),
            Buf::I64(v) => Data::I64(Arc::new(v)),
            Buf::F32(v) => Data::F32(Arc::new(v)),
            Buf::F64(v) => Data::F64(Arc::new(v)),
            Buf::Sym(v) => Data::Sym(Arc::new(v)),
        }
    }
}

/// `select from t where tests`: every column at the rows passing the tests, in one pass —
/// each block's passing rows are copied out of every column while the block's test columns
/// are still in cache. `None` when a column is not a simple vector.
pub(super) fn filter_columns(tests: &[Test], cols: &[K], n: usize) -> Option<Vec<K>> {
    let vecs: Vec<&qipc::Vector> = cols
        .iter()
        .map(|c| match c {
            K::Vector(v) if v.len() == n => Some(v),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if tests.is_empty() {
        return None;
    }
    let done = par::morsels(n, |r| {
        let mut bufs: Vec<Buf> = vecs.iter().map(|v| Buf::empty(&v.data)).collect();
        let mut rows = [0u32; WHERE_BLOCK];
        let mut s = r.start;
        while s < r.end {
            let e = (s + WHERE_BLOCK).min(r.end);
            let mut k = None;
            for t in tests {
                k = Some(t.select(s, &mut rows, k, e - s));
            }
            let offs = &rows[..k.unwrap_or(0).min(WHERE_BLOCK)];
            if s == r.start {
                // Room for the stretch's rows at its first block's rate and a quarter more,
                // so the buffers seldom grow (each growth copies what they hold).
                let want = (offs.len() * (r.len().div_ceil(WHERE_BLOCK)) * 5 / 4).min(r.len());
                for b in bufs.iter_mut() {
                    b.reserve(want);
                }
            }
            if !offs.is_empty() {
                for (b, v) in bufs.iter_mut().zip(&vecs) {
                    b.take(&v.data, s, offs);
                }
            }
            s = e;
        }
        bufs
    });
    // Stretch by stretch to column by column.
    let mut per_col: Vec<Vec<Buf>> = vecs.iter().map(|_| Vec::new()).collect();
    for bufs in done {
        for (b, c) in bufs.into_iter().zip(per_col.iter_mut()) {
            c.push(b);
        }
    }
    Some(
        per_col
            .into_iter()
            .zip(&vecs)
            .map(|(parts, v)| K::vector(v.ty, Buf::concat(parts, &v.data).into_data()))
            .collect(),
    )
}

// ------------------------------------------------------------------------------------------
// Grouped select

/// A numeric column an aggregation reads.
#[derive(Clone, Copy)]
enum Col<'a> {
    I32(&'a [i32]),
    I64(&'a [i64]),
    F64(&'a [f64]),
}

macro_rules! with_col {
    ($c:expr, |$d:ident| $body:expr) => {
        match $c {
            Col::I32($d) => $body,
            Col::I64($d) => $body,
            Col::F64($d) => $body,
        }
    };
}

/// An item of a numeric column: nulls as the aggregation keywords see them.
trait Val: Copy + Send + Sync {
    /// As a float, integer nulls as NaN (what `avg`/`wavg` read).
    fn f(self) -> f64;
    /// As a long (integers only; nulls stay the type's minimum, below every other value).
    fn i(self) -> i64;
    fn null(self) -> bool;
}

impl Val for i32 {
    #[inline]
    fn f(self) -> f64 {
        if self == null::I {
            f64::NAN
        } else {
            self as f64
        }
    }
    #[inline]
    fn i(self) -> i64 {
        self as i64
    }
    #[inline]
    fn null(self) -> bool {
        self == null::I
    }
}

impl Val for i64 {
    #[inline]
    fn f(self) -> f64 {
        if self == null::J {
            f64::NAN
        } else {
            self as f64
        }
    }
    #[inline]
    fn i(self) -> i64 {
        self
    }
    #[inline]
    fn null(self) -> bool {
        self == null::J
    }
}

impl Val for f64 {
    #[inline]
    fn f(self) -> f64 {
        self
    }
    #[inline]
    fn i(self) -> i64 {
        self as i64
    }
    #[inline]
    fn null(self) -> bool {
        self.is_nan()
    }
}

/// An aggregation the kernel computes, with its columns.
#[derive(Clone, Copy)]
enum Spec<'a> {
    Count,
    First(&'a K),
    Last(&'a K),
    /// Sum of an int (`false`) or long (`true`) column.
    SumI(Col<'a>, bool),
    SumF(&'a [f64]),
    Avg(Col<'a>),
    /// Min/max of an int or long column (`true` for long), `true` for max.
    ExtI(Col<'a>, bool, bool),
    ExtF(&'a [f64], bool),
    Wavg(Col<'a>, Col<'a>),
    /// `wsum` with at least one float side.
    WsumF(Col<'a>, Col<'a>),
}

fn num_col(k: &K) -> Option<(Col<'_>, Ty)> {
    let K::Vector(v) = k else { return None };
    let c = match (&v.data, v.ty) {
        (Data::I32(d), Ty::Int) => Col::I32(d),
        (Data::I64(d), Ty::Long) => Col::I64(d),
        (Data::F64(d), Ty::Float) => Col::F64(d),
        _ => return None,
    };
    Some((c, v.ty))
}

/// The aggregation a select expression is, over columns in `cols` (the view's columns).
fn spec<'a>(
    e: &Expr,
    t: &Table,
    cols: &'a [Option<K>],
    frame: &Option<&mut Frame>,
) -> Option<Spec<'a>> {
    let (f, args): (&Expr, Vec<&Expr>) = match e {
        Expr::Monad(f, x) => (f, vec![&**x]),
        Expr::Dyad(f, x, Some(y)) => (f, vec![&**x, &**y]),
        Expr::Apply(f, a) if a.iter().all(Option::is_some) => (f, a.iter().flatten().collect()),
        _ => return None,
    };
    let op = Agg::of_name(keyword(f, t, frame)?.as_bytes())?;
    if op.rank() != args.len() {
        return None;
    }
    let at = |a: &Expr| -> Option<&'a K> {
        let Expr::Name(n) = a else { return None };
        let i = t.names.iter().position(|c| c == n)?;
        cols.get(i)?.as_ref()
    };
    if op == Agg::Count {
        // `count c` and `count i` are the group sizes.
        let named_i = matches!(args[0], Expr::Name(n) if n.as_bytes() == b"i");
        return (named_i || at(args[0]).is_some()).then_some(Spec::Count);
    }
    let x = at(args[0])?;
    Some(match op {
        Agg::First => Spec::First(x),
        Agg::Last => Spec::Last(x),
        Agg::Sum => match num_col(x)? {
            (Col::F64(d), _) => Spec::SumF(d),
            (c, ty) => Spec::SumI(c, ty == Ty::Long),
        },
        Agg::Avg => Spec::Avg(num_col(x)?.0),
        Agg::Min | Agg::Max => match num_col(x)? {
            (Col::F64(d), _) => Spec::ExtF(d, op == Agg::Max),
            (c, ty) => Spec::ExtI(c, ty == Ty::Long, op == Agg::Max),
        },
        Agg::Wavg | Agg::Wsum => {
            let (w, _) = num_col(x)?;
            let (v, _) = num_col(at(args[1])?)?;
            if op == Agg::Wavg {
                Spec::Wavg(w, v)
            } else if matches!(w, Col::F64(_)) || matches!(v, Col::F64(_)) {
                Spec::WsumF(w, v)
            } else {
                return None;
            }
        }
        _ => return None,
    })
}

/// A group key column, coded per row into `0..range`.
enum Key<'a> {
    /// Symbols by pooled id (`range` is the pool's id bound), or by the column's own
    /// numbering (id to number plus one) when the pool is much larger than the column.
    Sym(&'a [Sym], Option<Vec<u32>>),
    /// Integers: null is code 0, `v` is `1 + v - lo`.
    I16(&'a [i16], i16),
    I32(&'a [i32], i32),
    I64(&'a [i64], i64),
    /// Time-of-day buckets of a timestamp column: `width` units of `unit` nanoseconds
    /// (`time.minute` is width 1 of a minute). Null is code 0, `-0W` 1, `0W` the last,
    /// the buckets in between in time order.
    Bucket(&'a [i64], i64, i64),
}

const DAY_NS: i64 = 86_400_000_000_000;

/// The code range of a time-of-day bucket key.
fn bucket_range(unit: i64, width: i64) -> usize {
    (4 + (DAY_NS / unit - 1) / width) as usize
}

/// `c.minute`, `c.second` of a timestamp column `c`, or `n xbar` of one (`n` a positive
/// integer): its column, unit and width. Such a key has a fixed range, so it is coded row
/// by row without evaluating it over the whole column.
fn bucket(e: &Expr, t: &Table, frame: &Option<&mut Frame>) -> Option<(usize, i64, i64)> {
    let (name, width) = match e {
        Expr::Name(n) => (*n, 1),
        Expr::Dyad(f, w, Some(x)) => {
            let Expr::Name(n) = &**x else { return None };
            if keyword(f, t, frame)?.as_bytes() != b"xbar" {
                return None;
            }
            let Expr::Lit(K::Atom(a)) = &**w else {
                return None;
            };
            if !matches!(a.ty, Ty::Short | Ty::Int | Ty::Long) {
                return None;
            }
            let w = K::Atom(*a).as_i64().filter(|&w| w > 0 && w != null::WJ)?;
            (*n, w)
        }
        _ => return None,
    };
    let b = name.as_bytes();
    let dot = b.iter().position(|&c| c == b'.')?;
    let unit = match &b[dot + 1..] {
        b"minute" => 60_000_000_000,
        b"second" => 1_000_000_000,
        _ => return None,
    };
    let col = Sym::new(&b[..dot]);
    let i = t.names.iter().position(|&c| c == col)?;
    match t.cols.get(i)? {
        K::Vector(v) if v.ty == Ty::Timestamp && matches!(v.data, Data::I64(_)) => {
            Some((i, unit, width))
        }
        _ => None,
    }
}

/// A multiplier `m` with `(u * m) >> 32 == u / w` for every `u` below 2^17: the error of
/// `u * m / 2^32` against `u / w` stays under 2^-15, less than `1/w` for `w` below 2^15.
fn small_div_magic(w: u64) -> Option<u64> {
    (w > 0 && w < 1 << 15).then(|| (1u64 << 32) / w + 1)
}

/// Smallest and largest non-null item (None when all are null).
fn bounds<T: Copy + Ord + Send + Sync>(d: &[T], nul: T) -> Option<(T, T)> {
    let parts = par::split(d.len());
    par::map(&parts, |r| {
        let mut lo: Option<(T, T)> = None;
        for &x in &d[r] {
            if x != nul {
                lo = Some(match lo {
                    None => (x, x),
                    Some((a, b)) => (a.min(x), b.max(x)),
                });
            }
        }
        lo
    })
    .into_iter()
    .flatten()
    .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
}

/// A key column and its code range; `None` for types the kernel does not group.
fn key(k: &K) -> Option<(Key<'_>, usize)> {
    let K::Vector(v) = k else { return None };
    fn span(lo: i64, hi: i64) -> Option<usize> {
        usize::try_from((hi as i128 - lo as i128).checked_add(2)?).ok()
    }
    Some(match &v.data {
        Data::Sym(d) => {
            let bound = qipc::sym::id_bound();
            if bound <= 2 * d.len() + (1 << 16) {
                (Key::Sym(d, None), bound)
            } else {
                // A pool much larger than the column: number the column's symbols 1.. in
                // order of appearance, so the slots stay as few as the distinct symbols.
                let mut map = vec![0u32; bound];
                let mut next = 0u32;
                for s in d.iter() {
                    if let Some(m) = map.get_mut(s.id() as usize) {
                        if *m == 0 {
                            next += 1;
                            *m = next;
                        }
                    }
                }
                (Key::Sym(d, Some(map)), next.max(1) as usize)
            }
        }
        Data::I16(d) => match bounds(d, null::H) {
            Some((lo, hi)) => (Key::I16(d, lo), span(lo as i64, hi as i64)?),
            None => (Key::I16(d, 0), 1),
        },
        Data::I32(d) => match bounds(d, null::I) {
            Some((lo, hi)) => (Key::I32(d, lo), span(lo as i64, hi as i64)?),
            None => (Key::I32(d, 0), 1),
        },
        Data::I64(d) => match bounds(d, null::J) {
            Some((lo, hi)) => (Key::I64(d, lo), span(lo, hi)?),
            None => (Key::I64(d, 0), 1),
        },
        _ => return None,
    })
}

impl Key<'_> {
    /// Fold this key's codes for rows `start..` into `slots` (`slot * range + code`).
    fn codes(&self, start: usize, range: u32, slots: &mut [u32], first: bool) {
        fn go<T: Copy>(
            d: &[T],
            start: usize,
            slots: &mut [u32],
            first: bool,
            range: u32,
            code: impl Fn(T) -> u32,
        ) {
            let d = d.get(start..).unwrap_or(&[]);
            if first {
                slots.iter_mut().zip(d).for_each(|(s, &x)| *s = code(x));
            } else {
                slots
                    .iter_mut()
                    .zip(d)
                    .for_each(|(s, &x)| *s = *s * range + code(x));
            }
        }
        match self {
            Key::Sym(d, None) => go(d, start, slots, first, range, |s: Sym| s.id()),
            Key::Sym(d, Some(map)) => go(d, start, slots, first, range, |s: Sym| {
                map.get(s.id() as usize).map_or(0, |&m| m.saturating_sub(1))
            }),
            Key::I16(d, lo) => go(d, start, slots, first, range, |x: i16| {
                if x == null::H {
                    0
                } else {
                    (x as i32 - *lo as i32) as u32 + 1
                }
            }),
            Key::I32(d, lo) => go(d, start, slots, first, range, |x: i32| {
                if x == null::I {
                    0
                } else {
                    (x as i64 - *lo as i64) as u32 + 1
                }
            }),
            Key::I64(d, lo) => go(d, start, slots, first, range, |x: i64| {
                if x == null::J {
                    0
                } else {
                    x.wrapping_sub(*lo) as u32 + 1
                }
            }),
            Key::Bucket(d, unit, width) => {
                // The time of day as `time.minute`/`time.second` computes it, then its
                // bucket; the units are constants so the divisions become multiplications.
                let top = range - 1;
                let w = *width as u64;
                // `units / w` for units below 2^17 as a multiplication: with this
                // multiplier the error stays under 2^-15 < 1/w, so the floor is exact.
                let magic = small_div_magic(w);
                let code = move |x: i64, units: i64| -> u32 {
                    let u = units as u64;
                    let b = match magic {
                        Some(m) => (u * m) >> 32,
                        None => u / w,
                    };
                    match x {
                        null::J => 0,
                        null::WJ => top,
                        x if x == -null::WJ => 1,
                        _ => 2 + b as u32,
                    }
                };
                if *unit == 60_000_000_000 {
                    go(d, start, slots, first, range, |x: i64| {
                        code(x, x.rem_euclid(DAY_NS) / 60_000_000_000)
                    })
                } else {
                    go(d, start, slots, first, range, |x: i64| {
                        code(x, x.rem_euclid(DAY_NS) / 1_000_000_000)
                    })
                }
            }
        }
    }
}

/// One aggregation's running state, one entry per slot.
enum Acc {
    /// Count, first and last read the shared per-slot arrays.
    Rows,
    Int(Vec<i64>),
    Float(Vec<f64>),
    Pair(Vec<(f64, f64)>),
}

/// One stretch's accumulation.
struct Part {
    count: Vec<i64>,
    /// First row of each slot (-1: none); the group's key values are read there.
    first: Vec<i64>,
    /// Last row of each slot (-1: none), kept only when a `last` needs it.
    last: Vec<i64>,
    accs: Vec<Acc>,
}

fn init(s: &Spec, n: usize) -> Acc {
    match s {
        Spec::Count | Spec::First(_) | Spec::Last(_) => Acc::Rows,
        Spec::SumI(..) => Acc::Int(vec![0; n]),
        Spec::ExtI(_, long, max) => Acc::Int(vec![
            match (long, max) {
                (true, true) => -null::WJ,
                (true, false) => null::WJ,
                (false, true) => -(null::WI as i64),
                (false, false) => null::WI as i64,
            };
            n
        ]),
        Spec::SumF(_) => Acc::Float(vec![0.0; n]),
        Spec::ExtF(_, max) => Acc::Float(vec![
            if *max {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            n
        ]),
        Spec::Avg(_) | Spec::Wavg(..) | Spec::WsumF(..) => Acc::Pair(vec![(0.0, 0.0); n]),
    }
}

/// Fold rows `start..start+slots.len()` of the spec's columns into its accumulator.
fn update(s: &Spec, acc: &mut Acc, start: usize, slots: &[u32]) {
    fn rows<T>(d: &[T], start: usize) -> &[T] {
        d.get(start..).unwrap_or(&[])
    }
    fn sum_i<T: Val>(d: &[T], sl: &[u32], acc: &mut [i64]) {
        for (&x, &s) in d.iter().zip(sl) {
            if let Some(a) = acc.get_mut(s as usize) {
                if !x.null() {
                    *a = a.wrapping_add(x.i());
                }
            }
        }
    }
    fn ext_i<T: Val>(d: &[T], sl: &[u32], acc: &mut [i64], max: bool) {
        for (&x, &s) in d.iter().zip(sl) {
            if let Some(a) = acc.get_mut(s as usize) {
                // A null is below the initial -0W, so max never takes it; min skips it.
                if max {
                    *a = (*a).max(x.i());
                } else if !x.null() {
                    *a = (*a).min(x.i());
                }
            }
        }
    }
    fn avg<T: Val>(d: &[T], sl: &[u32], acc: &mut [(f64, f64)]) {
        for (&x, &s) in d.iter().zip(sl) {
            let x = x.f();
            if let Some(a) = acc.get_mut(s as usize) {
                if !x.is_nan() {
                    a.0 += x;
                    a.1 += 1.0;
                }
            }
        }
    }
    fn weighted<W: Val, X: Val>(w: &[W], x: &[X], sl: &[u32], acc: &mut [(f64, f64)]) {
        for ((&p, &q), &s) in w.iter().zip(x).zip(sl) {
            let (p, q) = (p.f(), q.f());
            if let Some(a) = acc.get_mut(s as usize) {
                if !(p.is_nan() || q.is_nan()) {
                    a.0 += p * q;
                    a.1 += p;
                }
            }
        }
    }
    match (s, acc) {
        (Spec::SumI(c, _), Acc::Int(a)) => with_col!(c, |d| sum_i(rows(d, start), slots, a)),
        (Spec::ExtI(c, _, max), Acc::Int(a)) => {
            with_col!(c, |d| ext_i(rows(d, start), slots, a, *max))
        }
        (Spec::SumF(d), Acc::Float(a)) => {
            for (&x, &s) in rows(d, start).iter().zip(slots) {
                if let Some(a) = a.get_mut(s as usize) {
                    if !x.is_nan() {
                        *a += x;
                    }
                }
            }
        }
        (Spec::ExtF(d, max), Acc::Float(a)) => {
            for (&x, &s) in rows(d, start).iter().zip(slots) {
                if let Some(a) = a.get_mut(s as usize) {
                    if (*max && x > *a) || (!*max && x < *a) {
                        *a = x;
                    }
                }
            }
        }
        (Spec::Avg(c), Acc::Pair(a)) => with_col!(c, |d| avg(rows(d, start), slots, a)),
        (Spec::Wavg(w, x) | Spec::WsumF(w, x), Acc::Pair(a)) => {
            with_col!(w, |wd| with_col!(x, |xd| weighted(
                rows(wd, start),
                rows(xd, start),
                slots,
                a
            )))
        }
        _ => {}
    }
}

fn merge(s: &Spec, into: &mut Acc, from: &Acc) {
    match (into, from) {
        (Acc::Int(a), Acc::Int(b)) => {
            for (x, &y) in a.iter_mut().zip(b) {
                *x = match s {
                    Spec::ExtI(_, _, true) => (*x).max(y),
                    Spec::ExtI(_, _, false) => (*x).min(y),
                    _ => x.wrapping_add(y),
                };
            }
        }
        (Acc::Float(a), Acc::Float(b)) => {
            for (x, &y) in a.iter_mut().zip(b) {
                *x = match s {
                    Spec::ExtF(_, true) => {
                        if y > *x {
                            y
                        } else {
                            *x
                        }
                    }
                    Spec::ExtF(_, false) => {
                        if y < *x {
                            y
                        } else {
                            *x
                        }
                    }
                    _ => *x + y,
                };
            }
        }
        (Acc::Pair(a), Acc::Pair(b)) => {
            for (x, y) in a.iter_mut().zip(b) {
                x.0 += y.0;
                x.1 += y.1;
            }
        }
        _ => {}
    }
}

/// Accumulate rows `r`; `keys` are in slot layout order (the first most significant).
fn accumulate(
    keys: &[(&Key, u32)],
    specs: &[Spec],
    nslots: usize,
    need_last: bool,
    r: Range<usize>,
) -> Part {
    let mut p = Part {
        count: vec![0; nslots],
        first: vec![-1; nslots],
        last: if need_last {
            vec![-1; nslots]
        } else {
            Vec::new()
        },
        accs: specs.iter().map(|s| init(s, nslots)).collect(),
    };
    let mut buf = [0u32; BLOCK];
    let mut s = r.start;
    while s < r.end {
        let e = (s + BLOCK).min(r.end);
        let slots = &mut buf[..e - s];
        for (k, (key, range)) in keys.iter().enumerate() {
            key.codes(s, *range, slots, k == 0);
        }
        for (row, &sl) in (s as i64..).zip(slots.iter()) {
            let i = sl as usize;
            if let (Some(c), Some(f)) = (p.count.get_mut(i), p.first.get_mut(i)) {
                if *c == 0 {
                    *f = row;
                }
                *c += 1;
            }
        }
        if need_last {
            for (row, &sl) in (s as i64..).zip(slots.iter()) {
                if let Some(l) = p.last.get_mut(sl as usize) {
                    *l = row;
                }
            }
        }
        for (spec, acc) in specs.iter().zip(p.accs.iter_mut()) {
            update(spec, acc, s, slots);
        }
        s = e;
    }
    p
}

/// What the grouped kernel made of a query.
pub(super) enum Grouped {
    /// The answer.
    Done(K),
    /// Not a shape the kernel handles; the key columns, if evaluated, for the general path.
    Declined(Option<Vec<K>>),
}

/// `select cols by by from t` over the view's rows.
#[allow(clippy::too_many_arguments)]
pub(super) fn select_by(
    it: &mut Interp,
    cols: &[(Option<Sym>, Expr)],
    by: &[(Option<Sym>, Expr)],
    t: &Table,
    view: &View,
    frame: &Option<&mut Frame>,
    ctx: Sym,
) -> EvalResult<Grouped> {
    if cols.is_empty() || by.is_empty() || off() {
        return Ok(Grouped::Declined(None));
    }
    // The columns the aggregations read, at the view's rows (gathered only when named).
    let wanted = super::names_in(&cols.iter().map(|c| &c.1).collect::<Vec<_>>());
    let mut vcols: Vec<Option<K>> = vec![None; t.cols.len()];
    // Shapes first, on the whole table's columns: nothing is gathered for a query that
    // is declined.
    let whole: Vec<Option<K>> = t
        .names
        .iter()
        .zip(&t.cols)
        .map(|(n, c)| wanted.contains(n).then(|| c.clone()))
        .collect();
    if cols.iter().any(|c| spec(&c.1, t, &whole, frame).is_none()) {
        return Ok(Grouped::Declined(None));
    }
    for ((n, c), v) in t.names.iter().zip(&t.cols).zip(vcols.iter_mut()) {
        if wanted.contains(n) {
            *v = Some(view.col(c)?);
        }
    }
    let specs: Vec<Spec> = cols
        .iter()
        .filter_map(|c| spec(&c.1, t, &vcols, frame))
        .collect();
    if specs.len() != cols.len() {
        return Ok(Grouped::Declined(None));
    }
    // The keys: time-of-day buckets coded in place, the others evaluated as the general
    // path evaluates them.
    let by_exprs: Vec<&Expr> = by.iter().map(|c| &c.1).collect();
    let buckets: Vec<Option<(usize, i64, i64)>> =
        by_exprs.iter().map(|e| bucket(e, t, frame)).collect();
    let mut keys: Vec<Option<K>> = vec![None; by_exprs.len()];
    {
        let plain: Vec<&Expr> = by_exprs
            .iter()
            .zip(&buckets)
            .filter(|(_, b)| b.is_none())
            .map(|(e, _)| *e)
            .collect();
        if !plain.is_empty() {
            let mut f = scope(frame, t, view, &super::names_in(&plain), ctx)?;
            let mut vals = Vec::with_capacity(plain.len());
            for e in &plain {
                vals.push(eval_in(it, e, &mut f)?);
            }
            let mut vals = conform(vals, Some(view.n))?.into_iter();
            for (k, b) in keys.iter_mut().zip(&buckets) {
                if b.is_none() {
                    *k = vals.next();
                }
            }
        }
    }
    let bcols: Vec<Option<K>> = buckets
        .iter()
        .map(|b| match b {
            Some((i, ..)) => t.cols.get(*i).map(|c| view.col(c)).transpose(),
            None => Ok(None),
        })
        .collect::<Result<_, QError>>()?;
    let mut coded = Vec::with_capacity(keys.len());
    let mut nslots = 1usize;
    let mut fits = true;
    for ((k, b), bc) in keys.iter().zip(&buckets).zip(&bcols) {
        let c = match (k, b, bc) {
            (_, Some((_, unit, width)), Some(K::Vector(v))) => match &v.data {
                Data::I64(d) => Some((Key::Bucket(d, *unit, *width), bucket_range(*unit, *width))),
                _ => None,
            },
            (Some(k), ..) => key(k),
            _ => None,
        };
        let Some((c, range)) = c else {
            fits = false;
            break;
        };
        nslots = match nslots.checked_mul(range) {
            // Slots are allocated and scanned whole: a few rows with widely spread keys
            // are better hashed by the general path.
            Some(s)
                if s <= MAX_SLOTS
                    && s <= (16 * view.n).max(1 << 20)
                    && range <= u32::MAX as usize =>
            {
                s
            }
            _ => {
                fits = false;
                break;
            }
        };
        coded.push((c, range as u32));
    }
    if !fits {
        // Hand the general path every key, the buckets evaluated now (once, as it would).
        let missing: Vec<&Expr> = by_exprs
            .iter()
            .zip(&keys)
            .filter(|(_, k)| k.is_none())
            .map(|(e, _)| *e)
            .collect();
        let mut f = scope(frame, t, view, &super::names_in(&missing), ctx)?;
        let mut all = Vec::with_capacity(keys.len());
        for (e, k) in by_exprs.iter().zip(keys) {
            all.push(match k {
                Some(k) => k,
                None => eval_in(it, e, &mut f)?,
            });
        }
        return Ok(Grouped::Declined(Some(conform(all, Some(view.n))?)));
    }
    let names = phrase_names(cols, t);
    let key_names = phrase_names(by, t);
    check_dups(&names, &key_names)?;

    // Slot layout: integer keys (time buckets) outermost and symbols innermost, so the
    // groups one stretch of time touches sit side by side.
    let mut layout: Vec<usize> = (0..coded.len()).collect();
    layout.sort_by_key(|&k| matches!(coded[k].0, Key::Sym(..)));
    let mut lstride = vec![1u64; coded.len()];
    let mut acc_stride = 1u64;
    for &k in layout.iter().rev() {
        lstride[k] = acc_stride;
        acc_stride *= coded[k].1 as u64;
    }
    let laid: Vec<(&Key, u32)> = layout.iter().map(|&k| (&coded[k].0, coded[k].1)).collect();

    let need_last = specs.iter().any(|s| matches!(s, Spec::Last(_)));
    // Stretches handed to threads as they free up, each with its own accumulators, merged
    // in row order (so float sums do not depend on which thread ran what): as many
    // stretches as the accumulators' memory allows, up to 64; two per thread at least,
    // else one per thread.
    let per_part = nslots * (16 + 16 * specs.len());
    let parts = match par::split(view.n).len() {
        1 => par::split(view.n),
        t => {
            let m = (PART_BUDGET / per_part.max(1)).min(64);
            if m >= 2 * t {
                par::pieces(view.n, m)
            } else {
                par::split(view.n)
            }
        }
    };
    let mut done = par::map_dyn(&parts, |r| accumulate(&laid, &specs, nslots, need_last, r));
    let mut p = match done.len() {
        0 => accumulate(&laid, &specs, nslots, need_last, 0..0),
        _ => done.remove(0),
    };
    for q in &done {
        for (x, &y) in p.count.iter_mut().zip(&q.count) {
            *x += y;
        }
        for (x, &y) in p.last.iter_mut().zip(&q.last) {
            if y >= 0 {
                *x = y;
            }
        }
        for (x, &y) in p.first.iter_mut().zip(&q.first) {
            if *x < 0 {
                *x = y;
            }
        }
        for ((s, a), b) in specs.iter().zip(p.accs.iter_mut()).zip(&q.accs) {
            merge(s, a, b);
        }
    }

    // The groups in key order: symbols by text, integer codes already ascend (null first).
    let present: Vec<usize> = (0..nslots).filter(|&s| p.count[s] > 0).collect();
    let reps: Vec<i64> = present.iter().map(|&s| p.first[s]).collect();
    let mut rank_keys = vec![0u64; present.len()];
    let mut stride = 1u64;
    for (((c, range), k), &ls) in coded.iter().zip(&keys).zip(&lstride).rev() {
        let k = k.as_ref().unwrap_or(&K::NULL);
        let code_of = |s: usize| -> u64 { ((s as u64) / ls) % (*range as u64) };
        match c {
            Key::Sym(..) => {
                let K::Vector(v) = k else {
                    return Err(QError::type_().into());
                };
                let Data::Sym(d) = &v.data else {
                    return Err(QError::type_().into());
                };
                // Codes are symbol ids, below the key's range.
                let mut seen: Vec<Option<Sym>> = vec![None; *range as usize];
                for (&s, &r) in present.iter().zip(&reps) {
                    if let (Some(slot), Some(&x)) =
                        (seen.get_mut(code_of(s) as usize), d.get(r as usize))
                    {
                        *slot = Some(x);
                    }
                }
                let mut by_text: Vec<(Sym, usize)> = seen
                    .iter()
                    .enumerate()
                    .filter_map(|(c, x)| x.map(|x| (x, c)))
                    .collect();
                by_text.sort_unstable();
                let mut rank = vec![0u64; *range as usize];
                for (i, &(_, c)) in by_text.iter().enumerate() {
                    if let Some(r) = rank.get_mut(c) {
                        *r = i as u64;
                    }
                }
                for (rk, &s) in rank_keys.iter_mut().zip(&present) {
                    *rk += stride * rank.get(code_of(s) as usize).copied().unwrap_or(0);
                }
            }
            _ => {
                for (rk, &s) in rank_keys.iter_mut().zip(&present) {
                    *rk += stride * code_of(s);
                }
            }
        }
        stride *= *range as u64;
    }
    let mut order: Vec<usize> = (0..present.len()).collect();
    order.sort_unstable_by_key(|&i| rank_keys[i]);
    let slots: Vec<usize> = order.iter().map(|&i| present[i]).collect();
    let at: Vec<i64> = order.iter().map(|&i| reps[i]).collect();

    // A bucket key's values are its expression evaluated at the groups' rows.
    let abs: Vec<i64> = match &view.rows {
        Some(r) => at
            .iter()
            .map(|&i| r.get(i as usize).copied().unwrap_or(-1))
            .collect(),
        None => at.clone(),
    };
    let mut key_cols = Vec::with_capacity(keys.len());
    for (k, e) in keys.iter().zip(&by_exprs) {
        key_cols.push(match k {
            Some(k) => table::gather(k, &at)?,
            None => {
                let mut f = scope(
                    frame,
                    t,
                    &View::of(abs.clone()),
                    &super::names_in(&[e]),
                    ctx,
                )?;
                eval_in(it, e, &mut f)?
            }
        });
    }
    let mut vals = Vec::with_capacity(specs.len());
    for (s, a) in specs.iter().zip(&p.accs) {
        vals.push(output(s, a, &p, &slots)?);
    }
    Ok(Grouped::Done(K::dict(
        K::table(key_names, key_cols),
        K::table(names, vals),
    )))
}

/// One aggregation's values for the groups at `slots`, typed as the keyword types them.
fn output(s: &Spec, a: &Acc, p: &Part, slots: &[usize]) -> Result<K, QError> {
    let rows = |v: &[i64]| -> Vec<i64> {
        slots
            .iter()
            .map(|&s| v.get(s).copied().unwrap_or(-1))
            .collect()
    };
    Ok(match (s, a) {
        (Spec::Count, _) => K::longs(rows(&p.count)),
        (Spec::First(c), _) => table::gather(c, &rows(&p.first))?,
        (Spec::Last(c), _) => table::gather(c, &rows(&p.last))?,
        (Spec::SumI(_, true), Acc::Int(v)) | (Spec::ExtI(_, true, _), Acc::Int(v)) => {
            K::longs(rows(v))
        }
        (Spec::SumI(_, false), Acc::Int(v)) => K::ints(
            rows(v)
                .into_iter()
                .map(|x| i32::try_from(x).unwrap_or(null::I))
                .collect(),
        ),
        // Extremes of ints are items of the column or the ±0Wi starting values.
        (Spec::ExtI(_, false, _), Acc::Int(v)) => {
            K::ints(rows(v).into_iter().map(|x| x as i32).collect())
        }
        (Spec::SumF(_) | Spec::ExtF(..), Acc::Float(v)) => K::floats(
            slots
                .iter()
                .map(|&s| v.get(s).copied().unwrap_or(f64::NAN))
                .collect(),
        ),
        (Spec::Avg(_) | Spec::Wavg(..), Acc::Pair(v)) => K::floats(
            slots
                .iter()
                .map(|&s| v.get(s).map_or(f64::NAN, |(t, n)| t / n))
                .collect(),
        ),
        (Spec::WsumF(..), Acc::Pair(v)) => K::floats(
            slots
                .iter()
                .map(|&s| v.get(s).map_or(f64::NAN, |p| p.0))
                .collect(),
        ),
        _ => return Err(QError::type_()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_division_by_multiplication_is_exact() {
        for w in [1u64, 2, 3, 5, 7, 15, 60, 61, 1000, 1439, 32767] {
            let m = small_div_magic(w).expect("small width");
            for u in 0..(1u64 << 17) {
                assert_eq!((u * m) >> 32, u / w, "{u} / {w}");
            }
        }
        assert_eq!(small_div_magic(1 << 15), None);
        assert_eq!(small_div_magic(0), None);
    }
}
