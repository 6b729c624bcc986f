//! Grouped aggregation kernels: `sum avg min max count first last wavg wsum prd` of a whole
//! column computed for every group in one pass over the column and its group-id vector.
//!
//! Each kernel gives exactly what the keyword gives on one group's items (`prims::list`'s
//! null and type rules: nulls ignored, int sums overflowing 32 bits give `0Ni`, `max` of all
//! nulls `-0W` ...). A kernel answers `None` for a type it does not cover, and the caller
//! then applies the keyword group by group, which also raises the keyword's own errors.

use super::group::Groups;
use crate::lang::prims::table;
use crate::lang::QResult;
use qipc::{null, Data, Ty, Vector, K};

/// An aggregation with a one-pass grouped kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agg {
    Sum,
    Avg,
    Min,
    Max,
    Count,
    First,
    Last,
    Prd,
    Wavg,
    Wsum,
}

impl Agg {
    /// The aggregation a keyword names.
    pub fn of_name(name: &[u8]) -> Option<Agg> {
        Some(match name {
            b"sum" => Agg::Sum,
            b"avg" => Agg::Avg,
            b"min" => Agg::Min,
            b"max" => Agg::Max,
            b"count" => Agg::Count,
            b"first" => Agg::First,
            b"last" => Agg::Last,
            b"prd" => Agg::Prd,
            b"wavg" => Agg::Wavg,
            b"wsum" => Agg::Wsum,
            _ => return None,
        })
    }

    /// Arguments the aggregation takes.
    pub fn rank(self) -> usize {
        match self {
            Agg::Wavg | Agg::Wsum => 2,
            _ => 1,
        }
    }
}

/// One result per group (in group-id order) of `op` over the columns `args`, each holding
/// one item per row of `g`; `None` when no kernel covers the arguments' types.
pub fn grouped(op: Agg, args: &[K], g: &Groups) -> QResult<Option<K>> {
    if args.len() != op.rank() || args.iter().any(|a| a.is_atom() || a.len() != g.rows()) {
        return Ok(None);
    }
    let x = &args[0];
    Ok(match op {
        Agg::Count => Some(K::longs(g.counts())),
        Agg::First => Some(table::gather(x, &g.firsts)?),
        Agg::Last => Some(table::gather(x, &g.lasts())?),
        Agg::Sum => vector(x).and_then(|v| sum(v, g)),
        Agg::Prd => vector(x).and_then(|v| prd(v, g)),
        Agg::Avg => vector(x).and_then(|v| avg(v, g)),
        Agg::Min => vector(x).and_then(|v| extreme(v, g, false)),
        Agg::Max => vector(x).and_then(|v| extreme(v, g, true)),
        Agg::Wavg | Agg::Wsum => match (vector(x), vector(&args[1])) {
            (Some(w), Some(v)) => weighted(w, v, g, op == Agg::Wavg),
            _ => None,
        },
    })
}

fn vector(k: &K) -> Option<&Vector> {
    match k {
        K::Vector(v) => Some(v),
        _ => None,
    }
}

/// A numeric item read as a float, integer nulls as NaN.
trait Num: Copy {
    fn f(self) -> f64;
}

impl Num for u8 {
    fn f(self) -> f64 {
        self as f64
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
}
impl Num for i32 {
    fn f(self) -> f64 {
        if self == null::I {
            f64::NAN
        } else {
            self as f64
        }
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
}
impl Num for f32 {
    fn f(self) -> f64 {
        self as f64
    }
}
impl Num for f64 {
    fn f(self) -> f64 {
        self
    }
}

/// Run `$body` with `$s` bound to a numeric vector's items (not chars, symbols or guids);
/// `None` for other vectors.
macro_rules! num {
    ($v:expr, |$s:ident| $body:expr) => {
        match &$v.data {
            Data::U8(d) if $v.ty != Ty::Char => {
                let $s: &[u8] = d;
                $body
            }
            Data::I16(d) => {
                let $s: &[i16] = d;
                $body
            }
            Data::I32(d) => {
                let $s: &[i32] = d;
                $body
            }
            Data::I64(d) => {
                let $s: &[i64] = d;
                $body
            }
            Data::F32(d) => {
                let $s: &[f32] = d;
                $body
            }
            Data::F64(d) => {
                let $s: &[f64] = d;
                $body
            }
            _ => None,
        }
    };
}

/// An int-typed total: `0Ni` when it does not fit 32 bits.
fn int_totals(ty: Ty, t: Vec<i64>) -> K {
    K::i32s_of(
        ty,
        t.into_iter()
            .map(|x| i32::try_from(x).unwrap_or(null::I))
            .collect(),
    )
}

/// Fold every item into its group's accumulator.
fn fold<T: Copy, A: Copy>(d: &[T], g: &Groups, init: A, f: impl Fn(A, T) -> A) -> Vec<A> {
    let mut acc = vec![init; g.ng];
    for (&x, &id) in d.iter().zip(&g.gid) {
        if let Some(a) = acc.get_mut(id as usize) {
            *a = f(*a, x);
        }
    }
    acc
}

fn sum(v: &Vector, g: &Groups) -> Option<K> {
    let ty = v.ty;
    Some(match &v.data {
        Data::U8(d) if ty != Ty::Char => int_totals(Ty::Int, fold(d, g, 0i64, |a, x| a + x as i64)),
        Data::I16(d) => int_totals(
            Ty::Int,
            fold(
                d,
                g,
                0i64,
                |a, x| if x == null::H { a } else { a + x as i64 },
            ),
        ),
        Data::I32(d) => int_totals(
            ty,
            fold(d, g, 0i64, |a, x| {
                if x == null::I {
                    a
                } else {
                    a.wrapping_add(x as i64)
                }
            }),
        ),
        Data::I64(d) => K::i64s_of(
            ty,
            fold(
                d,
                g,
                0i64,
                |a, x| if x == null::J { a } else { a.wrapping_add(x) },
            ),
        ),
        Data::F32(d) => K::reals(
            fold(d, g, 0f64, |a, x| if x.is_nan() { a } else { a + x as f64 })
                .into_iter()
                .map(|t| t as f32)
                .collect(),
        ),
        Data::F64(d) => K::vector(
            ty,
            Data::F64(std::sync::Arc::new(fold(d, g, 0f64, |a, x| {
                if x.is_nan() {
                    a
                } else {
                    a + x
                }
            }))),
        ),
        _ => return None,
    })
}

fn prd(v: &Vector, g: &Groups) -> Option<K> {
    let ty = v.ty;
    Some(match &v.data {
        Data::U8(d) if ty != Ty::Char => {
            int_totals(Ty::Int, fold(d, g, 1i64, |a, x| a.wrapping_mul(x as i64)))
        }
        Data::I16(d) => int_totals(
            Ty::Int,
            fold(d, g, 1i64, |a, x| {
                if x == null::H {
                    a
                } else {
                    a.wrapping_mul(x as i64)
                }
            }),
        ),
        Data::I32(d) => int_totals(
            ty,
            fold(d, g, 1i64, |a, x| {
                if x == null::I {
                    a
                } else {
                    a.wrapping_mul(x as i64)
                }
            }),
        ),
        Data::I64(d) => K::i64s_of(
            ty,
            fold(
                d,
                g,
                1i64,
                |a, x| if x == null::J { a } else { a.wrapping_mul(x) },
            ),
        ),
        Data::F32(d) => K::reals(
            fold(d, g, 1f64, |a, x| if x.is_nan() { a } else { a * x as f64 })
                .into_iter()
                .map(|t| t as f32)
                .collect(),
        ),
        Data::F64(d) => K::vector(
            ty,
            Data::F64(std::sync::Arc::new(fold(d, g, 1f64, |a, x| {
                if x.is_nan() {
                    a
                } else {
                    a * x
                }
            }))),
        ),
        _ => return None,
    })
}

fn avg(v: &Vector, g: &Groups) -> Option<K> {
    fn go<T: Num>(d: &[T], g: &Groups) -> K {
        let acc = fold(d, g, (0f64, 0usize), |(t, n), x| {
            let x = x.f();
            if x.is_nan() {
                (t, n)
            } else {
                (t + x, n + 1)
            }
        });
        K::floats(acc.into_iter().map(|(t, n)| t / n as f64).collect())
    }
    num!(v, |d| Some(go(d, g)))
}

fn extreme(v: &Vector, g: &Groups, is_max: bool) -> Option<K> {
    let ty = v.ty;
    let data = match &v.data {
        Data::U8(d) => {
            let init = if is_max {
                0
            } else if ty == Ty::Bool {
                1
            } else {
                255
            };
            Data::U8(std::sync::Arc::new(if is_max {
                fold(d, g, init, |a: u8, x| a.max(x))
            } else {
                fold(d, g, init, |a: u8, x| a.min(x))
            }))
        }
        Data::I16(d) => Data::I16(std::sync::Arc::new(if is_max {
            fold(d, g, -null::WH, |a: i16, x| a.max(x))
        } else {
            fold(
                d,
                g,
                null::WH,
                |a: i16, x| if x == null::H { a } else { a.min(x) },
            )
        })),
        Data::I32(d) => Data::I32(std::sync::Arc::new(if is_max {
            fold(d, g, -null::WI, |a: i32, x| a.max(x))
        } else {
            fold(
                d,
                g,
                null::WI,
                |a: i32, x| if x == null::I { a } else { a.min(x) },
            )
        })),
        Data::I64(d) => Data::I64(std::sync::Arc::new(if is_max {
            fold(d, g, -null::WJ, |a: i64, x| a.max(x))
        } else {
            fold(
                d,
                g,
                null::WJ,
                |a: i64, x| if x == null::J { a } else { a.min(x) },
            )
        })),
        Data::F32(d) => Data::F32(std::sync::Arc::new(if is_max {
            fold(d, g, f32::NEG_INFINITY, |a, x| if x > a { x } else { a })
        } else {
            fold(d, g, f32::INFINITY, |a, x| if x < a { x } else { a })
        })),
        Data::F64(d) => Data::F64(std::sync::Arc::new(if is_max {
            fold(d, g, f64::NEG_INFINITY, |a, x| if x > a { x } else { a })
        } else {
            fold(d, g, f64::INFINITY, |a, x| if x < a { x } else { a })
        })),
        _ => return None,
    };
    Some(K::vector(ty, data))
}

fn is_int_like(ty: Ty) -> bool {
    matches!(ty, Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long)
}

/// `w wavg x` / `w wsum x` per group; pairs with a null on either side are ignored.
fn weighted(w: &Vector, x: &Vector, g: &Groups, is_avg: bool) -> Option<K> {
    fn avg<W: Num, X: Num>(w: &[W], x: &[X], g: &Groups) -> K {
        let mut num = vec![0f64; g.ng];
        let mut den = vec![0f64; g.ng];
        for ((&p, &q), &id) in w.iter().zip(x).zip(&g.gid) {
            let (p, q) = (p.f(), q.f());
            if !p.is_nan() && !q.is_nan() {
                if let (Some(n), Some(d)) = (num.get_mut(id as usize), den.get_mut(id as usize)) {
                    *n += p * q;
                    *d += p;
                }
            }
        }
        K::floats(num.iter().zip(&den).map(|(n, d)| n / d).collect())
    }
    fn sum<W: Num, X: Num>(w: &[W], x: &[X], g: &Groups, ints: bool) -> Vec<(f64, i64)> {
        let mut acc = vec![(0f64, 0i64); g.ng];
        for ((&p, &q), &id) in w.iter().zip(x).zip(&g.gid) {
            let (p, q) = (p.f(), q.f());
            if !p.is_nan() && !q.is_nan() {
                if let Some(a) = acc.get_mut(id as usize) {
                    if ints {
                        a.1 = a.1.wrapping_add((p as i64).wrapping_mul(q as i64));
                    } else {
                        a.0 += p * q;
                    }
                }
            }
        }
        acc
    }
    if is_avg {
        return num!(w, |ws| num!(x, |xs| Some(avg(ws, xs, g))));
    }
    let ints = is_int_like(w.ty) && is_int_like(x.ty);
    let acc = num!(w, |ws| num!(x, |xs| Some(sum(ws, xs, g, ints))))?;
    Some(if !ints {
        K::floats(acc.into_iter().map(|a| a.0).collect())
    } else if w.ty == Ty::Long || x.ty == Ty::Long {
        K::longs(acc.into_iter().map(|a| a.1).collect())
    } else {
        int_totals(Ty::Int, acc.into_iter().map(|a| a.1).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::prims::list;
    use crate::lang::value::{from_items, items};
    use qipc::Sym;

    /// Kernel results must equal the keyword applied group by group.
    fn check(op: Agg, f: fn(&K) -> QResult, col: K, keys: K) {
        let n = keys.len();
        let g = Groups::of_keys(&[keys], n).unwrap();
        let fast = grouped(op, std::slice::from_ref(&col), &g)
            .unwrap()
            .expect("kernel");
        let slow: Vec<K> = g
            .split(&col)
            .unwrap()
            .iter()
            .map(|p| f(p).unwrap())
            .collect();
        assert_eq!(fast, from_items(slow), "{op:?} on {col:?}");
    }

    fn keys() -> K {
        K::syms(["a", "b", "a", "c", "b", "a", "c"].map(Sym::from))
    }

    #[test]
    fn kernels_match_keywords() {
        let nj = null::J;
        let cols = vec![
            K::longs(vec![1, 2, nj, 4, 5, 6, nj]),
            K::ints(vec![1, 2, null::I, 4, i32::MAX, i32::MAX, 3]),
            K::shorts(vec![1, 2, 3, null::H, 5, 6, 7]),
            K::floats(vec![1.5, f64::NAN, 2.5, 4.0, -1.0, 0.25, f64::NAN]),
            K::reals(vec![1.5, 2.0, 2.5, 4.0, -1.0, 0.25, f32::NAN]),
            K::bools(vec![true, false, true, true, false, true, false]),
            K::i64s_of(Ty::Timestamp, vec![1, 2, 3, 4, 5, 6, 7]),
        ];
        for c in cols {
            check(Agg::Sum, list::sum, c.clone(), keys());
            check(Agg::Avg, list::avg, c.clone(), keys());
            check(Agg::Min, list::min, c.clone(), keys());
            check(Agg::Max, list::max, c.clone(), keys());
            check(Agg::Prd, list::prd, c.clone(), keys());
            check(Agg::First, list::first, c.clone(), keys());
            check(Agg::Last, list::last, c.clone(), keys());
        }
        // All nulls in a group.
        check(
            Agg::Max,
            list::max,
            K::longs(vec![nj, 1, nj, 2, 3, nj, 4]),
            keys(),
        );
        check(
            Agg::Avg,
            list::avg,
            K::floats(vec![f64::NAN, 1.0, f64::NAN, 2.0, 3.0, f64::NAN, 4.0]),
            keys(),
        );
    }

    #[test]
    fn weighted_and_counts() {
        let n = 7;
        let g = Groups::of_keys(&[keys()], n).unwrap();
        let w = K::longs(vec![1, 2, 3, 4, 5, 6, null::J]);
        let x = K::floats(vec![10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]);
        for (op, f) in [
            (Agg::Wavg, list::wavg as fn(&K, &K) -> QResult),
            (Agg::Wsum, list::wsum),
        ] {
            let fast = grouped(op, &[w.clone(), x.clone()], &g).unwrap().unwrap();
            let (pw, px) = (g.split(&w).unwrap(), g.split(&x).unwrap());
            let slow: Vec<K> = pw.iter().zip(&px).map(|(a, b)| f(a, b).unwrap()).collect();
            assert_eq!(fast, from_items(slow));
        }
        let wi = K::ints(vec![1, 2, 3, 4, 5, 6, 7]);
        let fast = grouped(Agg::Wsum, &[wi.clone(), wi.clone()], &g)
            .unwrap()
            .unwrap();
        let p = g.split(&wi).unwrap();
        let slow: Vec<K> = p.iter().map(|a| list::wsum(a, a).unwrap()).collect();
        assert_eq!(fast, from_items(slow));
        let c = grouped(Agg::Count, &[x], &g).unwrap().unwrap();
        assert_eq!(items(&c), vec![K::long(3), K::long(2), K::long(2)]);
        // Symbols have no sum kernel: the caller falls back (and q says 'type).
        assert!(grouped(Agg::Sum, &[keys()], &g).unwrap().is_none());
    }
}
