//! Pairwise numeric operations that folds over general lists need (`sum (1 2;3 4)` is
//! `1 2+3 4`): add, subtract, multiply, divide, greater, lesser and fill, on atoms, vectors
//! and nested lists, with q's numeric promotion. Nulls of integer types are absorbing and
//! float nulls follow IEEE, as q's atomic operators do.
//!
//! This is a local stand-in for the atomic family (`atomic.rs`), kept small on purpose; the
//! two are to be reconciled so that one implementation of `+` serves both.

use crate::lang::value::from_items;
use crate::lang::{QError, QResult};
use qipc::{null, Data, Scalar, Ty, Vector, K};
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Max,
    Min,
    /// `x^y`: `y`, or `x` where `y` is null.
    Fill,
}

/// Numeric items widened for computing: integers as i64 (nulls `0N`), floats as f64.
enum Nums {
    I(Vec<i64>),
    F(Vec<f64>),
}

/// Apply `op` pairwise, with atoms extended to conform and general lists taken item by item.
pub(crate) fn pair(op: Op, x: &K, y: &K) -> QResult {
    match (x, y) {
        (K::List(a), K::List(b)) => {
            if a.items.len() != b.items.len() {
                return Err(QError::length());
            }
            let r = a
                .items
                .iter()
                .zip(b.items.iter())
                .map(|(p, q)| pair(op, p, q))
                .collect::<QResult<Vec<K>>>()?;
            Ok(from_items(r))
        }
        (K::List(a), K::Vector(v)) => {
            if a.items.len() != v.len() {
                return Err(QError::length());
            }
            let r = a
                .items
                .iter()
                .enumerate()
                .map(|(i, p)| pair(op, p, &K::Atom(v.at(i))))
                .collect::<QResult<Vec<K>>>()?;
            Ok(from_items(r))
        }
        (K::Vector(v), K::List(b)) => {
            if b.items.len() != v.len() {
                return Err(QError::length());
            }
            let r = b
                .items
                .iter()
                .enumerate()
                .map(|(i, q)| pair(op, &K::Atom(v.at(i)), q))
                .collect::<QResult<Vec<K>>>()?;
            Ok(from_items(r))
        }
        (K::List(a), K::Atom(_)) => Ok(from_items(
            a.items
                .iter()
                .map(|p| pair(op, p, y))
                .collect::<QResult<Vec<K>>>()?,
        )),
        (K::Atom(_), K::List(b)) => Ok(from_items(
            b.items
                .iter()
                .map(|q| pair(op, x, q))
                .collect::<QResult<Vec<K>>>()?,
        )),
        (K::Atom(_) | K::Vector(_), K::Atom(_) | K::Vector(_)) => simple(op, x, y),
        (K::Dict(_) | K::Table(_), _) | (_, K::Dict(_) | K::Table(_)) => Err(QError::nyi()),
        _ => Err(QError::type_()),
    }
}

fn ty_and_len(k: &K) -> (Ty, Option<usize>) {
    match k {
        K::Atom(a) => (a.ty, None),
        K::Vector(v) => (v.ty, Some(v.len())),
        // Unreachable: `simple` is only called with atoms and vectors.
        _ => (Ty::Long, None),
    }
}

fn rank(ty: Ty) -> Option<u8> {
    Some(match ty {
        Ty::Bool => 0,
        Ty::Byte => 1,
        Ty::Short => 2,
        Ty::Int => 3,
        Ty::Long => 4,
        Ty::Real => 5,
        Ty::Float => 6,
        _ => return None,
    })
}

fn of_rank(r: u8) -> Ty {
    [
        Ty::Bool,
        Ty::Byte,
        Ty::Short,
        Ty::Int,
        Ty::Long,
        Ty::Real,
        Ty::Float,
    ][r as usize]
}

/// The result type of `op` on two simple types, or `'type`.
fn result_ty(op: Op, a: Ty, b: Ty) -> QResult<Ty> {
    match (rank(a), rank(b)) {
        (Some(ra), Some(rb)) => {
            let r = ra.max(rb);
            Ok(match op {
                Op::Div => {
                    if a == Ty::Real && b == Ty::Real {
                        Ty::Real
                    } else {
                        Ty::Float
                    }
                }
                Op::Add | Op::Sub | Op::Mul if r <= 1 => Ty::Int,
                _ => of_rank(r),
            })
        }
        _ => {
            let temporal = |t: Ty| t.is_temporal();
            match op {
                Op::Max | Op::Min | Op::Fill if a == b && a != Ty::Guid => Ok(a),
                Op::Div if temporal(a) || temporal(b) => {
                    if rank(a).is_some() || rank(b).is_some() || a == b {
                        Ok(Ty::Float)
                    } else {
                        Err(QError::type_())
                    }
                }
                Op::Add | Op::Sub | Op::Max | Op::Min | Op::Fill
                    if temporal(a) && rank(b).is_some_and(|r| r <= 4) =>
                {
                    Ok(a)
                }
                Op::Add | Op::Max | Op::Min | Op::Fill
                    if temporal(b) && rank(a).is_some_and(|r| r <= 4) =>
                {
                    Ok(b)
                }
                Op::Add if a == b && temporal(a) => Ok(a),
                Op::Sub if a == b && temporal(a) => Ok(match a {
                    Ty::Timestamp => Ty::Timespan,
                    Ty::Datetime => Ty::Float,
                    Ty::Month | Ty::Date => Ty::Int,
                    other => other,
                }),
                _ => Err(QError::type_()),
            }
        }
    }
}

fn nums(k: &K) -> Option<Nums> {
    let one = |s: Scalar| -> Option<Nums> {
        Some(match s {
            Scalar::U8(x) => Nums::I(vec![x as i64]),
            Scalar::I16(x) => Nums::I(vec![if x == null::H { null::J } else { x as i64 }]),
            Scalar::I32(x) => Nums::I(vec![if x == null::I { null::J } else { x as i64 }]),
            Scalar::I64(x) => Nums::I(vec![x]),
            Scalar::F32(x) => Nums::F(vec![x as f64]),
            Scalar::F64(x) => Nums::F(vec![x]),
            _ => return None,
        })
    };
    match k {
        K::Atom(a) => one(a.v),
        K::Vector(v) => Some(match &v.data {
            Data::U8(s) => Nums::I(s.iter().map(|&x| x as i64).collect()),
            Data::I16(s) => Nums::I(
                s.iter()
                    .map(|&x| if x == null::H { null::J } else { x as i64 })
                    .collect(),
            ),
            Data::I32(s) => Nums::I(
                s.iter()
                    .map(|&x| if x == null::I { null::J } else { x as i64 })
                    .collect(),
            ),
            Data::I64(s) => Nums::I(s.as_ref().clone()),
            Data::F32(s) => Nums::F(s.iter().map(|&x| x as f64).collect()),
            Data::F64(s) => Nums::F(s.as_ref().clone()),
            _ => return None,
        }),
        _ => None,
    }
}

fn to_f(n: Nums) -> Vec<f64> {
    match n {
        Nums::F(v) => v,
        Nums::I(v) => v
            .into_iter()
            .map(|x| if x == null::J { f64::NAN } else { x as f64 })
            .collect(),
    }
}

fn ibin(op: Op, a: i64, b: i64) -> i64 {
    match op {
        Op::Max => a.max(b),
        Op::Min => a.min(b),
        Op::Fill => {
            if b == null::J {
                a
            } else {
                b
            }
        }
        _ if a == null::J || b == null::J => null::J,
        Op::Add => a.wrapping_add(b),
        Op::Sub => a.wrapping_sub(b),
        Op::Mul => a.wrapping_mul(b),
        // Division is always done in floats.
        Op::Div => null::J,
    }
}

fn fbin(op: Op, a: f64, b: f64) -> f64 {
    match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::Div => a / b,
        // q orders a float null below everything.
        Op::Max => {
            if a.is_nan() || b > a {
                b
            } else {
                a
            }
        }
        Op::Min => {
            if a.is_nan() || b.is_nan() {
                f64::NAN
            } else {
                a.min(b)
            }
        }
        Op::Fill => {
            if b.is_nan() {
                a
            } else {
                b
            }
        }
    }
}

fn zip<T: Copy, R>(a: &[T], b: &[T], f: impl Fn(T, T) -> R) -> Vec<R> {
    match (a.len(), b.len()) {
        (1, n) if n != 1 => b.iter().map(|&y| f(a[0], y)).collect(),
        (n, 1) if n != 1 => a.iter().map(|&x| f(x, b[0])).collect(),
        _ => a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect(),
    }
}

fn simple(op: Op, x: &K, y: &K) -> QResult {
    let (tx, nx) = ty_and_len(x);
    let (ty_, ny) = ty_and_len(y);
    if let (Some(a), Some(b)) = (nx, ny) {
        if a != b {
            return Err(QError::length());
        }
    }
    let rt = result_ty(op, tx, ty_)?;
    let (Some(a), Some(b)) = (nums(x), nums(y)) else {
        return Err(QError::type_());
    };
    let float = matches!(rt, Ty::Real | Ty::Float | Ty::Datetime)
        || matches!((&a, &b), (Nums::F(_), _) | (_, Nums::F(_)));
    let out_atom = nx.is_none() && ny.is_none();
    let data = if float || op == Op::Div {
        let r = zip(&to_f(a), &to_f(b), |p, q| fbin(op, p, q));
        from_f(rt, r)
    } else {
        let (Nums::I(a), Nums::I(b)) = (a, b) else {
            return Err(QError::type_());
        };
        from_i(rt, zip(&a, &b, |p, q| ibin(op, p, q)))
    };
    let v = Vector::new(rt, data);
    Ok(if out_atom && v.len() == 1 {
        K::Atom(v.at(0))
    } else {
        K::Vector(v)
    })
}

/// Narrow i64 results to the storage of `ty` (nulls map to that type's null).
fn from_i(ty: Ty, v: Vec<i64>) -> Data {
    match ty.storage() {
        qipc::Storage::U8 => Data::U8(Arc::new(v.into_iter().map(|x| x as u8).collect())),
        qipc::Storage::I16 => Data::I16(Arc::new(
            v.into_iter()
                .map(|x| if x == null::J { null::H } else { x as i16 })
                .collect(),
        )),
        qipc::Storage::I32 => Data::I32(Arc::new(
            v.into_iter()
                .map(|x| if x == null::J { null::I } else { x as i32 })
                .collect(),
        )),
        qipc::Storage::F32 => Data::F32(Arc::new(
            v.into_iter()
                .map(|x| if x == null::J { f32::NAN } else { x as f32 })
                .collect(),
        )),
        qipc::Storage::F64 => Data::F64(Arc::new(
            v.into_iter()
                .map(|x| if x == null::J { f64::NAN } else { x as f64 })
                .collect(),
        )),
        _ => Data::I64(Arc::new(v)),
    }
}

fn from_f(ty: Ty, v: Vec<f64>) -> Data {
    match ty.storage() {
        qipc::Storage::F32 => Data::F32(Arc::new(v.into_iter().map(|x| x as f32).collect())),
        qipc::Storage::F64 => Data::F64(Arc::new(v)),
        // Integer-typed results computed in floats (a float operand with an integer
        // result type cannot arise from `result_ty`); keep the storage consistent anyway.
        _ => from_i(
            ty,
            v.into_iter()
                .map(|x| if x.is_nan() { null::J } else { x as i64 })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_promotes_and_absorbs_nulls() {
        let r = pair(Op::Add, &K::longs(vec![1, 2]), &K::longs(vec![null::J, 4])).unwrap();
        assert_eq!(r, K::longs(vec![null::J, 6]));
        let r = pair(Op::Add, &K::long(1), &K::float(2.5)).unwrap();
        assert_eq!(r, K::float(3.5));
        let r = pair(Op::Add, &K::bools(vec![true]), &K::bools(vec![true])).unwrap();
        assert_eq!(r, K::ints(vec![2]));
        assert_eq!(
            pair(Op::Add, &K::longs(vec![1]), &K::longs(vec![1, 2])),
            Err(QError::length())
        );
        assert_eq!(
            pair(Op::Add, &K::sym("a"), &K::long(1)),
            Err(QError::type_())
        );
    }

    #[test]
    fn max_min_treat_null_as_least() {
        let a = K::longs(vec![1, 2]);
        let b = K::longs(vec![null::J, 4]);
        assert_eq!(pair(Op::Max, &a, &b).unwrap(), K::longs(vec![1, 4]));
        assert_eq!(pair(Op::Min, &a, &b).unwrap(), K::longs(vec![null::J, 2]));
    }

    #[test]
    fn nested() {
        let x = K::list(vec![K::longs(vec![1, 2]), K::long(3)]);
        let y = K::list(vec![K::longs(vec![10, 20]), K::long(30)]);
        let r = pair(Op::Add, &x, &y).unwrap();
        assert_eq!(r, K::list(vec![K::longs(vec![11, 22]), K::long(33)]));
    }
}
