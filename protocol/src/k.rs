//! The q data model: the one value type ([`K`]) that the wire, the interpreter and the
//! tables all use.
//!
//! Types are grouped by storage: an int, a month, a date, a minute, a second and a time
//! all hold an `i32`, so a primitive dispatches once on the storage class and runs one loop
//! over a slice, carrying the q type alongside. Vectors are contiguous buffers behind an
//! `Arc`, so passing a column around is O(1) and `Arc::make_mut` gives q's in-place
//! amend when the value is not shared.

use crate::sym::Sym;
use std::any::Any;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// A guid: 16 bytes in textual order, never byte-swapped.
pub type Guid = [u8; 16];

/// The simple types 1..19 (an atom's q type is the negative) plus 20, enumerations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Ty {
    Bool = 1,
    Guid = 2,
    Byte = 4,
    Short = 5,
    Int = 6,
    Long = 7,
    Real = 8,
    Float = 9,
    Char = 10,
    Sym = 11,
    Timestamp = 12,
    Month = 13,
    Date = 14,
    Datetime = 15,
    Timespan = 16,
    Minute = 17,
    Second = 18,
    Time = 19,
}

/// How a [`Ty`] is held in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    U8,
    Guid,
    I16,
    I32,
    I64,
    F32,
    F64,
    Sym,
}

impl Ty {
    pub const ALL: [Ty; 18] = [
        Ty::Bool,
        Ty::Guid,
        Ty::Byte,
        Ty::Short,
        Ty::Int,
        Ty::Long,
        Ty::Real,
        Ty::Float,
        Ty::Char,
        Ty::Sym,
        Ty::Timestamp,
        Ty::Month,
        Ty::Date,
        Ty::Datetime,
        Ty::Timespan,
        Ty::Minute,
        Ty::Second,
        Ty::Time,
    ];

    /// From a positive type code 1..19.
    pub fn from_code(code: i8) -> Option<Ty> {
        Some(match code {
            1 => Ty::Bool,
            2 => Ty::Guid,
            4 => Ty::Byte,
            5 => Ty::Short,
            6 => Ty::Int,
            7 => Ty::Long,
            8 => Ty::Real,
            9 => Ty::Float,
            10 => Ty::Char,
            11 => Ty::Sym,
            12 => Ty::Timestamp,
            13 => Ty::Month,
            14 => Ty::Date,
            15 => Ty::Datetime,
            16 => Ty::Timespan,
            17 => Ty::Minute,
            18 => Ty::Second,
            19 => Ty::Time,
            _ => return None,
        })
    }

    /// From q's type letter (`"j"`, `"p"` ...), as used by casts and `meta`.
    pub fn from_char(c: u8) -> Option<Ty> {
        Ty::ALL.iter().copied().find(|t| t.letter() == c)
    }

    #[inline]
    pub fn code(self) -> i8 {
        self as i8
    }

    /// q's type letter: `b g x h i j e f c s p m d z n u v t`.
    pub fn letter(self) -> u8 {
        b" bg xhijefcspmdznuvt"[self as usize]
    }

    /// Size in bytes of one item on the wire and on disk (symbols: 0, variable).
    pub fn width(self) -> usize {
        match self.storage() {
            Storage::U8 => 1,
            Storage::Guid => 16,
            Storage::I16 => 2,
            Storage::I32 | Storage::F32 => 4,
            Storage::I64 | Storage::F64 => 8,
            Storage::Sym => 0,
        }
    }

    #[inline]
    pub fn storage(self) -> Storage {
        match self {
            Ty::Bool | Ty::Byte | Ty::Char => Storage::U8,
            Ty::Guid => Storage::Guid,
            Ty::Short => Storage::I16,
            Ty::Int | Ty::Month | Ty::Date | Ty::Minute | Ty::Second | Ty::Time => Storage::I32,
            Ty::Long | Ty::Timestamp | Ty::Timespan => Storage::I64,
            Ty::Real => Storage::F32,
            Ty::Float | Ty::Datetime => Storage::F64,
            Ty::Sym => Storage::Sym,
        }
    }

    /// True for the temporal types (timestamp through time).
    pub fn is_temporal(self) -> bool {
        (self as u8) >= 12
    }

    /// Minimum capability a peer needs to receive this type (guid: 3, timestamp/timespan: 1).
    pub fn min_capability(self) -> u8 {
        match self {
            Ty::Guid => 3,
            Ty::Timestamp | Ty::Timespan => 1,
            _ => 0,
        }
    }
}

/// Vector/list/table attribute (the byte after the type byte on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Attr {
    #[default]
    None = 0,
    Sorted = 1,
    Unique = 2,
    Parted = 3,
    Grouped = 4,
}

impl Attr {
    pub fn from_byte(b: u8) -> Option<Attr> {
        Some(match b {
            0 => Attr::None,
            1 => Attr::Sorted,
            2 => Attr::Unique,
            3 => Attr::Parted,
            4 => Attr::Grouped,
            _ => return None,
        })
    }

    /// The letter q prints before `#`: `s u p g`, or none.
    pub fn letter(self) -> Option<char> {
        match self {
            Attr::None => None,
            Attr::Sorted => Some('s'),
            Attr::Unique => Some('u'),
            Attr::Parted => Some('p'),
            Attr::Grouped => Some('g'),
        }
    }
}

/// One value of a simple type, by storage class.
#[derive(Clone, Copy, Debug)]
pub enum Scalar {
    U8(u8),
    Guid(Guid),
    I16(i16),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Sym(Sym),
}

/// An atom: a q type and a value of that type's storage class.
#[derive(Clone, Copy, Debug)]
pub struct Atom {
    pub ty: Ty,
    pub v: Scalar,
}

/// The items of a simple vector, by storage class.
#[derive(Clone, Debug)]
pub enum Data {
    U8(Arc<Vec<u8>>),
    Guid(Arc<Vec<Guid>>),
    I16(Arc<Vec<i16>>),
    I32(Arc<Vec<i32>>),
    I64(Arc<Vec<i64>>),
    F32(Arc<Vec<f32>>),
    F64(Arc<Vec<f64>>),
    Sym(Arc<Vec<Sym>>),
}

impl Data {
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Data::U8(v) => v.len(),
            Data::Guid(v) => v.len(),
            Data::I16(v) => v.len(),
            Data::I32(v) => v.len(),
            Data::I64(v) => v.len(),
            Data::F32(v) => v.len(),
            Data::F64(v) => v.len(),
            Data::Sym(v) => v.len(),
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An empty buffer of the given storage class with room for `n` items.
    pub fn with_capacity(s: Storage, n: usize) -> Data {
        match s {
            Storage::U8 => Data::U8(Arc::new(Vec::with_capacity(n))),
            Storage::Guid => Data::Guid(Arc::new(Vec::with_capacity(n))),
            Storage::I16 => Data::I16(Arc::new(Vec::with_capacity(n))),
            Storage::I32 => Data::I32(Arc::new(Vec::with_capacity(n))),
            Storage::I64 => Data::I64(Arc::new(Vec::with_capacity(n))),
            Storage::F32 => Data::F32(Arc::new(Vec::with_capacity(n))),
            Storage::F64 => Data::F64(Arc::new(Vec::with_capacity(n))),
            Storage::Sym => Data::Sym(Arc::new(Vec::with_capacity(n))),
        }
    }

    pub fn storage(&self) -> Storage {
        match self {
            Data::U8(_) => Storage::U8,
            Data::Guid(_) => Storage::Guid,
            Data::I16(_) => Storage::I16,
            Data::I32(_) => Storage::I32,
            Data::I64(_) => Storage::I64,
            Data::F32(_) => Storage::F32,
            Data::F64(_) => Storage::F64,
            Data::Sym(_) => Storage::Sym,
        }
    }

    /// Item `i` as a scalar (panics if out of range, like slice indexing).
    pub fn get(&self, i: usize) -> Scalar {
        match self {
            Data::U8(v) => Scalar::U8(v[i]),
            Data::Guid(v) => Scalar::Guid(v[i]),
            Data::I16(v) => Scalar::I16(v[i]),
            Data::I32(v) => Scalar::I32(v[i]),
            Data::I64(v) => Scalar::I64(v[i]),
            Data::F32(v) => Scalar::F32(v[i]),
            Data::F64(v) => Scalar::F64(v[i]),
            Data::Sym(v) => Scalar::Sym(v[i]),
        }
    }
}

/// A simple (typed) vector.
#[derive(Clone, Debug)]
pub struct Vector {
    pub ty: Ty,
    pub attr: Attr,
    pub data: Data,
}

impl Vector {
    /// Build a vector; `data` must be of `ty`'s storage class.
    pub fn new(ty: Ty, data: Data) -> Vector {
        debug_assert_eq!(ty.storage(), data.storage());
        Vector {
            ty,
            attr: Attr::None,
            data,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.data.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Item `i` as an atom.
    pub fn at(&self, i: usize) -> Atom {
        Atom {
            ty: self.ty,
            v: self.data.get(i),
        }
    }
}

/// A general list (type 0).
#[derive(Clone, Debug, Default)]
pub struct List {
    pub attr: Attr,
    pub items: Arc<Vec<K>>,
}

/// A dictionary (type 99; 127 when sorted). A keyed table is a dictionary of two tables.
#[derive(Clone, Debug)]
pub struct Dict {
    pub keys: K,
    pub vals: K,
    pub sorted: bool,
}

/// A table (type 98): column names and columns of equal length.
#[derive(Clone, Debug)]
pub struct Table {
    pub attr: Attr,
    pub names: Arc<Vec<Sym>>,
    pub cols: Vec<K>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.cols.first().map_or(0, |c| c.len())
    }

    pub fn col(&self, name: Sym) -> Option<&K> {
        self.names
            .iter()
            .position(|&n| n == name)
            .map(|i| &self.cols[i])
    }
}

/// An enumeration vector (type 20): indices into the symbol list named `domain`.
#[derive(Clone, Debug)]
pub struct Enum {
    pub domain: Sym,
    pub attr: Attr,
    pub idx: Arc<Vec<i64>>,
}

/// A lambda: its context (namespace at definition, null for root) and its source text.
/// The interpreter caches its compiled form in `compiled`; the wire ignores that.
pub struct Lambda {
    pub ctx: Sym,
    pub text: Vec<u8>,
    pub compiled: OnceLock<Arc<dyn Any + Send + Sync>>,
}

impl Lambda {
    pub fn new(ctx: Sym, text: impl Into<Vec<u8>>) -> Lambda {
        Lambda {
            ctx,
            text: text.into(),
            compiled: OnceLock::new(),
        }
    }
}

impl fmt::Debug for Lambda {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lambda({:?})", String::from_utf8_lossy(&self.text))
    }
}

/// A function implemented in Rust and made visible to q (`.u.upd`, `.u.sub` ...).
/// It cannot be sent over IPC (q's own built-ins of this kind cannot either).
pub trait Native: Send + Sync + fmt::Debug {
    fn name(&self) -> &str;
    fn as_any(&self) -> &dyn Any;
}

/// Functions, types 100..111.
#[derive(Clone, Debug)]
pub enum Func {
    /// 100
    Lambda(Arc<Lambda>),
    /// 101: unary primitive by code; code 0 is the generic null `::`.
    Unary(u8),
    /// 102: operator (binary primitive) by code.
    Binary(u8),
    /// 103: iterator by code.
    Iterator(u8),
    /// 104: the function then the supplied arguments.
    Projection(Arc<Vec<K>>),
    /// 105: the composed functions.
    Composition(Arc<Vec<K>>),
    /// 106..111: `f'` `f/` `f\` `f':` `f/:` `f\:` — the type byte and the operand.
    Derived(u8, Arc<K>),
    /// A Rust function; not serializable.
    Native(Arc<dyn Native>),
}

/// A q value.
#[derive(Clone, Debug)]
pub enum K {
    /// Types -1..-19.
    Atom(Atom),
    /// Types 1..19.
    Vector(Vector),
    /// Type 0.
    List(List),
    /// Type 99 (sent as 127 when `sorted`).
    Dict(Arc<Dict>),
    /// Type 98.
    Table(Arc<Table>),
    /// Type -20: domain and index.
    EnumAtom(Sym, i64),
    /// Type 20.
    Enum(Enum),
    /// Types 100..111; `::` is `Func::Unary(0)`.
    Func(Func),
    /// Type -128: an error's text.
    Error(Arc<str>),
}

/// Null and infinity bit patterns (spec §4.3).
pub mod null {
    pub const H: i16 = i16::MIN;
    pub const I: i32 = i32::MIN;
    pub const J: i64 = i64::MIN;
    pub const WH: i16 = i16::MAX;
    pub const WI: i32 = i32::MAX;
    pub const WJ: i64 = i64::MAX;
    /// The NaN q writes for `0Ne`.
    pub const E_BITS: u32 = 0x7fc0_0000;
    /// The NaN q writes for `0n`.
    pub const F_BITS: u64 = 0x7ff8_0000_0000_0000;
    pub const C: u8 = b' ';
}

impl K {
    /// The generic null `::`.
    pub const NULL: K = K::Func(Func::Unary(0));

    pub fn atom(ty: Ty, v: Scalar) -> K {
        K::Atom(Atom { ty, v })
    }
    pub fn bool(b: bool) -> K {
        K::atom(Ty::Bool, Scalar::U8(b as u8))
    }
    pub fn byte(b: u8) -> K {
        K::atom(Ty::Byte, Scalar::U8(b))
    }
    pub fn char(c: u8) -> K {
        K::atom(Ty::Char, Scalar::U8(c))
    }
    pub fn short(v: i16) -> K {
        K::atom(Ty::Short, Scalar::I16(v))
    }
    pub fn int(v: i32) -> K {
        K::atom(Ty::Int, Scalar::I32(v))
    }
    pub fn long(v: i64) -> K {
        K::atom(Ty::Long, Scalar::I64(v))
    }
    pub fn real(v: f32) -> K {
        K::atom(Ty::Real, Scalar::F32(v))
    }
    pub fn float(v: f64) -> K {
        K::atom(Ty::Float, Scalar::F64(v))
    }
    pub fn sym(s: impl Into<Sym>) -> K {
        K::atom(Ty::Sym, Scalar::Sym(s.into()))
    }
    pub fn guid(g: Guid) -> K {
        K::atom(Ty::Guid, Scalar::Guid(g))
    }
    /// A temporal (or int-like) atom of type `ty` held as `i32`.
    pub fn i32_of(ty: Ty, v: i32) -> K {
        K::atom(ty, Scalar::I32(v))
    }
    /// A temporal (or long-like) atom of type `ty` held as `i64`.
    pub fn i64_of(ty: Ty, v: i64) -> K {
        K::atom(ty, Scalar::I64(v))
    }
    pub fn error(msg: impl Into<Arc<str>>) -> K {
        K::Error(msg.into())
    }

    pub fn vector(ty: Ty, data: Data) -> K {
        K::Vector(Vector::new(ty, data))
    }
    pub fn bools(v: Vec<bool>) -> K {
        K::vector(
            Ty::Bool,
            Data::U8(Arc::new(v.into_iter().map(|b| b as u8).collect())),
        )
    }
    pub fn bytes(v: Vec<u8>) -> K {
        K::vector(Ty::Byte, Data::U8(Arc::new(v)))
    }
    /// A string (char vector).
    pub fn string(s: impl Into<Vec<u8>>) -> K {
        K::vector(Ty::Char, Data::U8(Arc::new(s.into())))
    }
    pub fn shorts(v: Vec<i16>) -> K {
        K::vector(Ty::Short, Data::I16(Arc::new(v)))
    }
    pub fn ints(v: Vec<i32>) -> K {
        K::vector(Ty::Int, Data::I32(Arc::new(v)))
    }
    pub fn longs(v: Vec<i64>) -> K {
        K::vector(Ty::Long, Data::I64(Arc::new(v)))
    }
    pub fn reals(v: Vec<f32>) -> K {
        K::vector(Ty::Real, Data::F32(Arc::new(v)))
    }
    pub fn floats(v: Vec<f64>) -> K {
        K::vector(Ty::Float, Data::F64(Arc::new(v)))
    }
    pub fn syms<S: Into<Sym>>(v: impl IntoIterator<Item = S>) -> K {
        K::vector(
            Ty::Sym,
            Data::Sym(Arc::new(v.into_iter().map(Into::into).collect())),
        )
    }
    pub fn guids(v: Vec<Guid>) -> K {
        K::vector(Ty::Guid, Data::Guid(Arc::new(v)))
    }
    /// A vector of an i32-held type (int, month, date, minute, second, time).
    pub fn i32s_of(ty: Ty, v: Vec<i32>) -> K {
        K::vector(ty, Data::I32(Arc::new(v)))
    }
    /// A vector of an i64-held type (long, timestamp, timespan).
    pub fn i64s_of(ty: Ty, v: Vec<i64>) -> K {
        K::vector(ty, Data::I64(Arc::new(v)))
    }
    /// A general list.
    pub fn list(items: Vec<K>) -> K {
        K::List(List {
            attr: Attr::None,
            items: Arc::new(items),
        })
    }
    pub fn dict(keys: K, vals: K) -> K {
        K::Dict(Arc::new(Dict {
            keys,
            vals,
            sorted: false,
        }))
    }
    /// A table from column names and columns (the caller guarantees equal lengths).
    pub fn table(names: Vec<Sym>, cols: Vec<K>) -> K {
        K::Table(Arc::new(Table {
            attr: Attr::None,
            names: Arc::new(names),
            cols,
        }))
    }
    pub fn lambda(text: &str) -> K {
        K::Func(Func::Lambda(Arc::new(Lambda::new(Sym::NULL, text))))
    }

    /// q's type number (`type x`).
    pub fn ty(&self) -> i16 {
        match self {
            K::Atom(a) => -(a.ty as i16),
            K::Vector(v) => v.ty as i16,
            K::List(_) => 0,
            // `type` of a sorted dictionary is 99h like any other; 127 is its wire type.
            K::Dict(_) => 99,
            K::Table(_) => 98,
            K::EnumAtom(..) => -20,
            K::Enum(_) => 20,
            K::Func(f) => match f {
                Func::Lambda(_) => 100,
                Func::Unary(_) => 101,
                Func::Binary(_) => 102,
                Func::Iterator(_) => 103,
                Func::Projection(_) => 104,
                Func::Composition(_) => 105,
                Func::Derived(t, _) => *t as i16,
                Func::Native(_) => 112,
            },
            K::Error(_) => -128,
        }
    }

    /// The type byte this value has on the wire: `ty()` except that a sorted dictionary
    /// is sent as 127.
    pub fn wire_type(&self) -> i16 {
        match self {
            K::Dict(d) if d.sorted => 127,
            _ => self.ty(),
        }
    }

    /// q's `count x`: items of a list, rows of a table, entries of a dictionary, 1 for atoms.
    pub fn len(&self) -> usize {
        match self {
            K::Vector(v) => v.len(),
            K::List(l) => l.items.len(),
            K::Dict(d) => d.keys.len(),
            K::Table(t) => t.rows(),
            K::Enum(e) => e.idx.len(),
            _ => 1,
        }
    }

    /// True when `count x` is 0.
    pub fn is_empty(&self) -> bool {
        match self {
            K::Vector(_) | K::List(_) | K::Dict(_) | K::Table(_) | K::Enum(_) => self.len() == 0,
            _ => false,
        }
    }

    pub fn is_atom(&self) -> bool {
        self.ty() < 0
    }

    /// True for the generic null `::`.
    pub fn is_null(&self) -> bool {
        matches!(self, K::Func(Func::Unary(0)))
    }

    /// The attribute of a vector, list, enumeration or table (`attr x`).
    pub fn attr(&self) -> Attr {
        match self {
            K::Vector(v) => v.attr,
            K::List(l) => l.attr,
            K::Table(t) => t.attr,
            K::Enum(e) => e.attr,
            _ => Attr::None,
        }
    }

    /// Set the attribute of a vector, list, enumeration or table (no check of the claim).
    pub fn with_attr(mut self, a: Attr) -> K {
        match &mut self {
            K::Vector(v) => v.attr = a,
            K::List(l) => l.attr = a,
            K::Table(t) => Arc::make_mut(t).attr = a,
            K::Enum(e) => e.attr = a,
            _ => {}
        }
        self
    }

    /// The symbol of a symbol atom.
    pub fn as_sym(&self) -> Option<Sym> {
        match self {
            K::Atom(Atom {
                v: Scalar::Sym(s), ..
            }) => Some(*s),
            _ => None,
        }
    }

    /// The bytes of a char vector (or a char atom as a one-byte slice).
    pub fn as_string(&self) -> Option<&[u8]> {
        match self {
            K::Vector(Vector {
                ty: Ty::Char,
                data: Data::U8(v),
                ..
            }) => Some(v),
            K::Atom(Atom {
                ty: Ty::Char,
                v: Scalar::U8(c),
            }) => Some(std::slice::from_ref(c)),
            _ => None,
        }
    }

    /// An integer atom of any width (bool, byte, short, int, long) as i64.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            K::Atom(Atom { ty, v }) => match (ty, v) {
                (Ty::Bool | Ty::Byte, Scalar::U8(b)) => Some(*b as i64),
                (Ty::Short, Scalar::I16(x)) => {
                    Some(if *x == null::H { null::J } else { *x as i64 })
                }
                (Ty::Int, Scalar::I32(x)) => Some(if *x == null::I { null::J } else { *x as i64 }),
                (Ty::Long, Scalar::I64(x)) => Some(*x),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Clone for Lambda {
    fn clone(&self) -> Lambda {
        Lambda::new(self.ctx, self.text.clone())
    }
}

// Structural equality with q's match (`~`) rules: floats compare by value with nulls equal,
// attributes are ignored except on dictionaries' sortedness, which changes the type.
impl PartialEq for K {
    fn eq(&self, other: &K) -> bool {
        match (self, other) {
            (K::Atom(a), K::Atom(b)) => a.ty == b.ty && scalar_eq(&a.v, &b.v),
            (K::Vector(a), K::Vector(b)) => a.ty == b.ty && data_eq(&a.data, &b.data),
            (K::List(a), K::List(b)) => a.items == b.items,
            (K::Dict(a), K::Dict(b)) => {
                a.sorted == b.sorted && a.keys == b.keys && a.vals == b.vals
            }
            (K::Table(a), K::Table(b)) => a.names == b.names && a.cols == b.cols,
            (K::EnumAtom(d, i), K::EnumAtom(e, j)) => d == e && i == j,
            (K::Enum(a), K::Enum(b)) => a.domain == b.domain && a.idx == b.idx,
            (K::Func(a), K::Func(b)) => func_eq(a, b),
            (K::Error(a), K::Error(b)) => a == b,
            _ => false,
        }
    }
}

fn f64_eq(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn f32_eq(a: f32, b: f32) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn scalar_eq(a: &Scalar, b: &Scalar) -> bool {
    match (a, b) {
        (Scalar::U8(x), Scalar::U8(y)) => x == y,
        (Scalar::Guid(x), Scalar::Guid(y)) => x == y,
        (Scalar::I16(x), Scalar::I16(y)) => x == y,
        (Scalar::I32(x), Scalar::I32(y)) => x == y,
        (Scalar::I64(x), Scalar::I64(y)) => x == y,
        (Scalar::F32(x), Scalar::F32(y)) => f32_eq(*x, *y),
        (Scalar::F64(x), Scalar::F64(y)) => f64_eq(*x, *y),
        (Scalar::Sym(x), Scalar::Sym(y)) => x == y,
        _ => false,
    }
}

fn data_eq(a: &Data, b: &Data) -> bool {
    match (a, b) {
        (Data::U8(x), Data::U8(y)) => x == y,
        (Data::Guid(x), Data::Guid(y)) => x == y,
        (Data::I16(x), Data::I16(y)) => x == y,
        (Data::I32(x), Data::I32(y)) => x == y,
        (Data::I64(x), Data::I64(y)) => x == y,
        (Data::F32(x), Data::F32(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| f32_eq(*p, *q))
        }
        (Data::F64(x), Data::F64(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| f64_eq(*p, *q))
        }
        (Data::Sym(x), Data::Sym(y)) => x == y,
        _ => false,
    }
}

fn func_eq(a: &Func, b: &Func) -> bool {
    match (a, b) {
        (Func::Lambda(x), Func::Lambda(y)) => x.ctx == y.ctx && x.text == y.text,
        (Func::Unary(x), Func::Unary(y)) => x == y,
        (Func::Binary(x), Func::Binary(y)) => x == y,
        (Func::Iterator(x), Func::Iterator(y)) => x == y,
        (Func::Projection(x), Func::Projection(y)) => x == y,
        (Func::Composition(x), Func::Composition(y)) => x == y,
        (Func::Derived(t, x), Func::Derived(u, y)) => t == u && x == y,
        (Func::Native(x), Func::Native(y)) => Arc::ptr_eq(x, y),
        _ => false,
    }
}

impl From<i64> for K {
    fn from(v: i64) -> K {
        K::long(v)
    }
}
impl From<f64> for K {
    fn from(v: f64) -> K {
        K::float(v)
    }
}
impl From<bool> for K {
    fn from(v: bool) -> K {
        K::bool(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_numbers() {
        assert_eq!(K::long(1).ty(), -7);
        assert_eq!(K::longs(vec![1]).ty(), 7);
        assert_eq!(K::NULL.ty(), 101);
        assert_eq!(K::list(vec![]).ty(), 0);
        assert_eq!(K::error("type").ty(), -128);
        assert_eq!(Ty::Timestamp.letter(), b'p');
        assert_eq!(Ty::from_char(b'j'), Some(Ty::Long));
        assert_eq!(Ty::Guid.letter(), b'g');
        assert_eq!(Ty::Time.letter(), b't');
    }

    #[test]
    fn match_semantics() {
        assert_eq!(K::float(f64::NAN), K::float(f64::NAN));
        assert_ne!(K::long(1), K::int(1));
        assert_eq!(K::syms(["a", "b"]), K::syms(["a", "b"]));
    }
}
