//! Typed element access: the [`Elem`] trait ties each storage class's Rust type to its
//! `Data` variant, its null, and the keys used for hashing and ordering, so that one generic
//! kernel serves every vector type after a single dispatch (`dispatch!`).

use qipc::{null, Data, Guid, Scalar, Sym, Ty};
use std::hash::Hash;
use std::sync::Arc;

/// One item of a simple vector's storage class.
pub(crate) trait Elem: Copy + Send + Sync + 'static {
    /// Key under which equal items (q's exact `?`/`distinct` equality) hash equal.
    type H: Hash + Eq + Copy;
    /// Key whose order is q's sort order (nulls first).
    type O: Ord + Copy;
    fn wrap(v: Vec<Self>) -> Data;
    fn from_scalar(s: Scalar) -> Option<Self>;
    /// The null of `ty` held in this storage class (chars: blank; bools/bytes: 0).
    fn null(ty: Ty) -> Self;
    /// True when the item is `ty`'s null (bools and bytes have none).
    fn is_null(self, ty: Ty) -> bool;
    fn hkey(self) -> Self::H;
    fn okey(self) -> Self::O;
    /// The slice as bytes, for the storage class that is bytes (direct-table fast paths).
    fn bytes(_: &[Self]) -> Option<&[u8]> {
        None
    }
    /// Whether `rkey` orders this class (numbers do; symbols and guids do not).
    const RADIX: bool = false;
    /// An unsigned key with q's order, for radix sorting.
    fn rkey(self) -> u64 {
        0
    }
}

/// `wrap` and `from_scalar` of an `Elem` impl: `$t` is held in `Data::$var` and
/// `Scalar::$var`.
macro_rules! storage {
    ($t:ty, $var:ident) => {
        fn wrap(v: Vec<$t>) -> Data {
            Data::$var(Arc::new(v))
        }
        fn from_scalar(s: Scalar) -> Option<$t> {
            match s {
                Scalar::$var(x) => Some(x),
                _ => None,
            }
        }
    };
}

impl Elem for u8 {
    type H = u8;
    type O = u8;
    storage!(u8, U8);
    fn null(ty: Ty) -> u8 {
        if ty == Ty::Char {
            b' '
        } else {
            0
        }
    }
    fn is_null(self, ty: Ty) -> bool {
        ty == Ty::Char && self == b' '
    }
    fn hkey(self) -> u8 {
        self
    }
    fn okey(self) -> u8 {
        self
    }
    fn bytes(s: &[u8]) -> Option<&[u8]> {
        Some(s)
    }
    const RADIX: bool = true;
    fn rkey(self) -> u64 {
        self as u64
    }
}

impl Elem for Guid {
    type H = Guid;
    type O = Guid;
    storage!(Guid, Guid);
    fn null(_: Ty) -> Guid {
        [0; 16]
    }
    fn is_null(self, _: Ty) -> bool {
        self == [0; 16]
    }
    fn hkey(self) -> Guid {
        self
    }
    fn okey(self) -> Guid {
        self
    }
}

macro_rules! int_elem {
    ($t:ty, $u:ty, $var:ident, $null:expr) => {
        impl Elem for $t {
            type H = $t;
            type O = $t;
            storage!($t, $var);
            fn null(_: Ty) -> $t {
                $null
            }
            fn is_null(self, _: Ty) -> bool {
                self == $null
            }
            fn hkey(self) -> $t {
                self
            }
            // The null is the type's minimum, so the natural order already puts it first.
            fn okey(self) -> $t {
                self
            }
            const RADIX: bool = true;
            // Flipping the sign bit maps signed order onto unsigned order.
            fn rkey(self) -> u64 {
                (self as $u ^ (1 as $u).rotate_right(1)) as u64
            }
        }
    };
}

int_elem!(i16, u16, I16, null::H);
int_elem!(i32, u32, I32, null::I);
int_elem!(i64, u64, I64, null::J);

/// Order key of a double: NaN first, then the usual order (`-0w` .. `0w`).
#[inline]
pub(crate) fn f64_okey(x: f64) -> i64 {
    if x.is_nan() {
        return i64::MIN;
    }
    // -0.0 equals 0.0 in q, so it must not sort apart from it.
    let b = if x == 0.0 { 0 } else { x.to_bits() as i64 };
    b ^ (((b >> 63) as u64) >> 1) as i64
}

/// [`f64_okey`] for reals.
#[inline]
fn f32_okey(x: f32) -> i32 {
    if x.is_nan() {
        return i32::MIN;
    }
    let b = if x == 0.0 { 0 } else { x.to_bits() as i32 };
    b ^ (((b >> 31) as u32) >> 1) as i32
}

/// Floats: `$bits`/`$key` are the unsigned and signed integers of the float's width,
/// `$okey` its order key.
macro_rules! float_elem {
    ($t:ty, $bits:ty, $key:ty, $var:ident, $null:expr, $okey:ident) => {
        impl Elem for $t {
            type H = $bits;
            type O = $key;
            storage!($t, $var);
            fn null(_: Ty) -> $t {
                <$t>::from_bits($null)
            }
            fn is_null(self, _: Ty) -> bool {
                self.is_nan()
            }
            // All NaNs are one null and -0.0 equals 0.0, as q's match says.
            fn hkey(self) -> $bits {
                if self.is_nan() {
                    $null
                } else if self == 0.0 {
                    0
                } else {
                    self.to_bits()
                }
            }
            fn okey(self) -> $key {
                $okey(self)
            }
            const RADIX: bool = true;
            // Flipping the sign bit maps signed order onto unsigned order.
            fn rkey(self) -> u64 {
                ($okey(self) as $bits ^ (1 as $bits).rotate_right(1)) as u64
            }
        }
    };
}

float_elem!(f64, u64, i64, F64, null::F_BITS, f64_okey);
float_elem!(f32, u32, i32, F32, null::E_BITS, f32_okey);

impl Elem for Sym {
    type H = usize;
    type O = Sym;
    storage!(Sym, Sym);
    fn null(_: Ty) -> Sym {
        Sym::NULL
    }
    fn is_null(self, _: Ty) -> bool {
        self.is_null()
    }
    // Interned: one pointer per text, so the address is the identity.
    fn hkey(self) -> usize {
        self.addr()
    }
    fn okey(self) -> Sym {
        self
    }
}

/// Run `$body` with `$s` bound to the typed slice behind a `Data`, once per storage class.
/// The entry rule lists the storage classes and their Rust types once; `@arms` expands
/// one match arm per class.
macro_rules! dispatch {
    ($data:expr, $s:ident => $body:expr) => {
        $crate::lang::prims::list::elem::dispatch!(@arms $data, $s => $body;
            U8: u8, Guid: qipc::Guid, I16: i16, I32: i32, I64: i64, F32: f32, F64: f64,
            Sym: qipc::Sym)
    };
    (@arms $data:expr, $s:ident => $body:expr; $($var:ident: $t:ty),*) => {
        match $data {
            $(qipc::Data::$var(__v) => {
                let $s: &[$t] = &__v[..];
                $body
            })*
        }
    };
}

/// Like `dispatch!` over two buffers of the same storage class; `$else` when they differ.
macro_rules! dispatch2 {
    ($a:expr, $b:expr, $x:ident, $y:ident => $body:expr, $else:expr) => {
        $crate::lang::prims::list::elem::dispatch2!(@arms $a, $b, $x, $y => $body, $else;
            U8: u8, Guid: qipc::Guid, I16: i16, I32: i32, I64: i64, F32: f32, F64: f64,
            Sym: qipc::Sym)
    };
    (@arms $a:expr, $b:expr, $x:ident, $y:ident => $body:expr, $else:expr;
        $($var:ident: $t:ty),*) => {
        match ($a, $b) {
            $((qipc::Data::$var(__a), qipc::Data::$var(__b)) => {
                let ($x, $y): (&[$t], &[$t]) = (&__a[..], &__b[..]);
                $body
            })*
            _ => $else,
        }
    };
}

pub(crate) use dispatch;
pub(crate) use dispatch2;

/// A vector of `ty` from typed items.
pub(crate) fn vec_k<T: Elem>(ty: Ty, v: Vec<T>) -> qipc::K {
    qipc::K::Vector(qipc::Vector::new(ty, T::wrap(v)))
}

/// Items at `idx` (all in range).
pub(crate) fn gather<T: Elem>(s: &[T], idx: &[usize]) -> Vec<T> {
    idx.iter().filter_map(|&i| s.get(i).copied()).collect()
}

/// Items at `idx`, with `null` where an index is out of range (negative included).
pub(crate) fn gather_or<T: Elem>(s: &[T], idx: &[i64], null: T) -> Vec<T> {
    idx.iter()
        .map(|&i| {
            usize::try_from(i)
                .ok()
                .and_then(|i| s.get(i).copied())
                .unwrap_or(null)
        })
        .collect()
}
