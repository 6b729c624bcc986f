//! The pairwise operations that folds and running forms over general lists need
//! (`sum (1 2;3 4)` is `1 2+3 4`), named so a fold can carry which one it applies. Each
//! is the atomic family's own primitive (`atomic.rs`), so `+` has one implementation.

use super::super::atomic;
use crate::lang::QResult;
use qipc::K;

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

/// Apply `op` as q's atomic operator does: atoms extend, general lists go item by item.
pub(crate) fn pair(op: Op, x: &K, y: &K) -> QResult {
    let f = match op {
        Op::Add => atomic::add,
        Op::Sub => atomic::sub,
        Op::Mul => atomic::mul,
        Op::Div => atomic::div_f,
        Op::Max => atomic::max2,
        Op::Min => atomic::min2,
        Op::Fill => atomic::fill,
    };
    f(x, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::QError;
    use qipc::null;

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
