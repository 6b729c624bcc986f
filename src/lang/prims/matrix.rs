//! Matrix primitives on float vectors and matrices (general lists of float vectors):
//! `mmu` (also `$` between floats), `inv` and `lsq`.
//!
//! The kernels follow the reference LAPACK algorithms q documents (LU with partial
//! pivoting for `inv`, Cholesky on the normal equations for `lsq`) operation for
//! operation, because the rounding residue of `a mmu inv a` is visible at the console.
//! Everything here works on row-major `Vec<Vec<f64>>` copies; no other value shape.

// The kernels keep LAPACK's index loops so the operation order can be checked against it.
#![allow(clippy::needless_range_loop)]

use super::{Dyad, Monad};
use crate::lang::{QError, QResult};
use qipc::{Data, Ty, Vector, K};

/// Unary keywords of this family.
pub const MONADS: &[(&str, Monad)] = &[("inv", inv)];
/// Binary keywords of this family.
pub const DYADS: &[(&str, Dyad)] = &[("mmu", mmu), ("lsq", lsq)];

type Mat = Vec<Vec<f64>>;

/// A float vector's items.
fn floats(k: &K) -> Option<&[f64]> {
    match k {
        K::Vector(Vector {
            ty: Ty::Float,
            data: Data::F64(v),
            ..
        }) => Some(v),
        _ => None,
    }
}

/// A float vector or matrix, borrowed.
pub(crate) enum Shape<'a> {
    Vec(&'a [f64]),
    Mat(Vec<&'a [f64]>),
}

/// The float shape of a value: a float vector, or a non-empty general list of float
/// vectors (rows of any length; callers check conformance).
pub(crate) fn float_shape(k: &K) -> Option<Shape<'_>> {
    match k {
        K::List(l) if !l.items.is_empty() => l
            .items
            .iter()
            .map(floats)
            .collect::<Option<Vec<_>>>()
            .map(Shape::Mat),
        _ => floats(k).map(Shape::Vec),
    }
}

/// A rectangular float matrix as rows (`'type` if not floats, `'length` if ragged).
fn matrix(k: &K) -> QResult<Mat> {
    let rows = match float_shape(k) {
        Some(Shape::Mat(rows)) => rows,
        _ => return Err(QError::type_()),
    };
    let cols = rows.first().map_or(0, |r| r.len());
    if rows.iter().any(|r| r.len() != cols) {
        return Err(QError::length());
    }
    Ok(rows.into_iter().map(|r| r.to_vec()).collect())
}

fn mat_k(m: Mat) -> K {
    K::list(m.into_iter().map(K::floats).collect())
}

fn transpose(m: &Mat) -> Mat {
    let cols = m.first().map_or(0, |r| r.len());
    (0..cols)
        .map(|j| m.iter().map(|r| r[j]).collect())
        .collect()
}

/// Row-by-matrix product, summing over the shared dimension in ascending order (the
/// order of the reference `dgemm`, so residues match q's).
fn vecmat(a: &[f64], m: &[&[f64]]) -> QResult<Vec<f64>> {
    let cols = m.first().map_or(0, |r| r.len());
    if a.len() != m.len() || m.iter().any(|r| r.len() != cols) {
        return Err(QError::length());
    }
    let mut out = vec![0.0; cols];
    for (&ai, row) in a.iter().zip(m) {
        for (o, &r) in out.iter_mut().zip(row.iter()) {
            *o += ai * r;
        }
    }
    Ok(out)
}

fn dot(a: &[f64], b: &[f64]) -> QResult<f64> {
    if a.len() != b.len() {
        return Err(QError::length());
    }
    Ok(a.iter().zip(b).map(|(p, q)| p * q).sum())
}

/// `x$y` on floats: dot product of vectors, matrix products with matrices. `None` when
/// `x` is not floats, so `$` can try its other forms.
pub(crate) fn mmu_floats(x: &K, y: &K) -> Option<QResult> {
    let xs = float_shape(x)?;
    Some(match (xs, float_shape(y)) {
        (_, None) => Err(QError::type_()),
        (Shape::Vec(a), Some(Shape::Vec(b))) => dot(a, b).map(K::float),
        (Shape::Mat(a), Some(Shape::Vec(b))) => a
            .iter()
            .map(|r| dot(r, b))
            .collect::<QResult<Vec<f64>>>()
            .map(K::floats),
        (Shape::Vec(a), Some(Shape::Mat(b))) => vecmat(a, &b).map(K::floats),
        (Shape::Mat(a), Some(Shape::Mat(b))) => a
            .iter()
            .map(|r| vecmat(r, &b).map(K::floats))
            .collect::<QResult<Vec<K>>>()
            .map(K::list),
    })
}

/// `x mmu y`: matrix product or dot product of float vectors and matrices.
pub fn mmu(x: &K, y: &K) -> QResult {
    mmu_floats(x, y).unwrap_or_else(|| Err(QError::type_()))
}

fn mul(a: &Mat, b: &Mat) -> QResult<Mat> {
    let rows: Vec<&[f64]> = b.iter().map(|r| r.as_slice()).collect();
    a.iter().map(|r| vecmat(r, &rows)).collect()
}

/// LU factorisation with partial pivoting in place (reference `dgetf2`): `L` below the
/// diagonal with a unit diagonal, `U` on and above it, and the row swapped with each
/// row. `None` when the matrix is singular (a zero pivot).
fn lu(a: &mut Mat) -> Option<Vec<usize>> {
    let n = a.len();
    let mut piv = Vec::with_capacity(n);
    for j in 0..n {
        // The first row of largest magnitude, as `idamax` picks it.
        let mut p = j;
        for i in j + 1..n {
            if a[i][j].abs() > a[p][j].abs() {
                p = i;
            }
        }
        piv.push(p);
        if a[p][j] == 0.0 || a[p][j].is_nan() {
            return None;
        }
        a.swap(j, p);
        let r = 1.0 / a[j][j];
        for i in j + 1..n {
            a[i][j] *= r;
        }
        let (top, below) = a.split_at_mut(j + 1);
        let pivot_row = &top[j];
        for row in below.iter_mut() {
            let l = row[j];
            for k in j + 1..n {
                row[k] -= l * pivot_row[k];
            }
        }
    }
    Some(piv)
}

/// Solve `A X = B` in place from `A`'s LU factors (reference `dgetrs`: row swaps, a
/// unit-lower forward solve, then an upper back solve dividing by the pivots).
fn lu_solve(f: &Mat, piv: &[usize], b: &mut Mat) {
    let n = f.len();
    for (j, &p) in piv.iter().enumerate() {
        b.swap(j, p);
    }
    let cols = b.first().map_or(0, |r| r.len());
    for c in 0..cols {
        for k in 0..n {
            let v = b[k][c];
            if v != 0.0 {
                for i in k + 1..n {
                    b[i][c] -= v * f[i][k];
                }
            }
        }
        for k in (0..n).rev() {
            if b[k][c] != 0.0 {
                b[k][c] /= f[k][k];
                let v = b[k][c];
                for i in 0..k {
                    b[i][c] -= v * f[i][k];
                }
            }
        }
    }
}

/// `inv x`: the inverse of a non-singular square float matrix, found by solving
/// `x mmu r = I` from `x`'s LU factors. A singular matrix gives a matrix of nulls.
pub fn inv(x: &K) -> QResult {
    let mut a = matrix(x)?;
    let n = a.len();
    if a.iter().any(|r| r.len() != n) {
        return Err(QError::length());
    }
    let mut id: Mat = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    match lu(&mut a) {
        Some(piv) => lu_solve(&a, &piv, &mut id),
        None => id.iter_mut().for_each(|r| r.fill(f64::NAN)),
    }
    Ok(mat_k(id))
}

/// Cholesky factor `L` (lower, `N = L L'`) of a symmetric positive-definite matrix, in
/// the column order of the reference `dpotf2`. A matrix that is not positive definite
/// leaves nulls where the square root fails, and they spread through the solve.
fn cholesky(n_: &Mat) -> Mat {
    let n = n_.len();
    let mut a = n_.clone();
    for j in 0..n {
        let s: f64 = (0..j).map(|k| a[j][k] * a[j][k]).fold(0.0, |p, q| p + q);
        let ajj = (a[j][j] - s).sqrt();
        a[j][j] = ajj;
        for i in j + 1..n {
            let mut v = a[i][j];
            for k in 0..j {
                v += -a[j][k] * a[i][k];
            }
            a[i][j] = v;
        }
        let r = 1.0 / ajj;
        for row in a.iter_mut().skip(j + 1) {
            row[j] *= r;
        }
    }
    for (i, row) in a.iter_mut().enumerate() {
        row.iter_mut().skip(i + 1).for_each(|v| *v = 0.0);
    }
    a
}

/// Solve `L L' X = B` in place (reference `dpotrs`, lower).
fn cholesky_solve(l: &Mat, b: &mut Mat) {
    let n = l.len();
    let cols = b.first().map_or(0, |r| r.len());
    for c in 0..cols {
        for k in 0..n {
            if b[k][c] != 0.0 {
                b[k][c] /= l[k][k];
                let v = b[k][c];
                for i in k + 1..n {
                    b[i][c] -= v * l[i][k];
                }
            }
        }
        for i in (0..n).rev() {
            let mut t = b[i][c];
            for k in i + 1..n {
                t -= l[k][i] * b[k][c];
            }
            b[i][c] = t / l[i][i];
        }
    }
}

/// `x lsq y`: the least-squares solution `r` of `x = r mmu y`, from the normal
/// equations `r (y y') = x y'` solved by Cholesky decomposition, as q documents. `x` may
/// be a matrix or one row (a vector, giving a vector).
pub fn lsq(x: &K, y: &K) -> QResult {
    let (xm, vector) = match float_shape(x) {
        Some(Shape::Vec(v)) => (vec![v.to_vec()], true),
        Some(Shape::Mat(_)) => (matrix(x)?, false),
        None => return Err(QError::type_()),
    };
    let ym = matrix(y)?;
    let cols = ym.first().map_or(0, |r| r.len());
    if xm.iter().any(|r| r.len() != cols) {
        return Err(QError::length());
    }
    if ym.len() > cols {
        return Err(QError::length());
    }
    let yt = transpose(&ym);
    let normal = mul(&ym, &yt)?;
    // Solve N r' = y x' for r' (N is symmetric), then transpose back.
    let mut rhs = mul(&ym, &transpose(&xm))?;
    let l = cholesky(&normal);
    cholesky_solve(&l, &mut rhs);
    let r = transpose(&rhs);
    if vector {
        let row = r.into_iter().next().unwrap_or_default();
        return Ok(K::floats(row));
    }
    Ok(mat_k(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: &[&[f64]]) -> K {
        K::list(rows.iter().map(|r| K::floats(r.to_vec())).collect())
    }

    fn rows(k: &K) -> Mat {
        matrix(k).expect("a float matrix")
    }

    #[test]
    fn mmu_shapes() {
        let a = m(&[&[1., 2., 3.], &[4., 5., 6.]]);
        let b = m(&[&[7., 8.], &[9., 10.], &[11., 12.]]);
        assert_eq!(mmu(&a, &b).unwrap(), m(&[&[58., 64.], &[139., 154.]]));
        assert_eq!(
            mmu(&K::floats(vec![1., 2., 3.]), &K::floats(vec![4., 5., 6.])).unwrap(),
            K::float(32.)
        );
        assert_eq!(
            mmu(&a, &K::floats(vec![1., 1., 1.])).unwrap(),
            K::floats(vec![6., 15.])
        );
        assert_eq!(mmu(&a, &a), Err(QError::length()));
        assert_eq!(mmu(&K::longs(vec![1]), &a), Err(QError::type_()));
    }

    #[test]
    fn inv_matches_q_residue() {
        // ref/inv.md: a mmu inv a leaves q's exact rounding residue
        let a = m(&[&[2., 4., 8.], &[3., 5., 6.], &[0., 7., 1.]]);
        let i = inv(&a).unwrap();
        let r = rows(&mmu(&a, &i).unwrap());
        assert_eq!(r[0], vec![1.0, f64::EPSILON, -2.7755575615628914e-17]);
        assert_eq!(r[1], vec![0.0, 1.0, 5.551115123125783e-17]);
        assert_eq!(r[2], vec![0.0, 0.0, 1.0]);
        let iv = rows(&i);
        assert!((iv[0][0] + 0.4512195121951219).abs() < 1e-15);
        assert!((iv[2][2] + 0.024390243902439).abs() < 1e-14);
    }

    #[test]
    fn inv_edges() {
        let sing = inv(&m(&[&[1., 2.], &[2., 4.]])).unwrap();
        assert!(rows(&sing).iter().flatten().all(|v| v.is_nan()));
        assert_eq!(inv(&m(&[&[1., 2.]])), Err(QError::length()));
        assert_eq!(inv(&K::longs(vec![1, 2])), Err(QError::type_()));
        assert_eq!(inv(&m(&[&[4.]])).unwrap(), m(&[&[0.25]]));
    }

    #[test]
    fn lsq_square_and_overdetermined() {
        let a = m(&[&[1., 2., 3., 4.], &[5., 6., 7., 8.], &[9., 10., 11., 12.]]);
        let b = m(&[
            &[2., 7., -2., 5.],
            &[5., 3., 6., 1.],
            &[-2., 5., 2., 7.],
            &[5., 0., 3., 4.],
        ]);
        let r = rows(&lsq(&a, &b).unwrap());
        let want = [-0.12333333333, 0.16, 0.47666666667, 0.28];
        for (g, w) in r[0].iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "{g} vs {w}");
        }
        // with 3 rows of y the residue is the documented minimum
        let b3 = m(&[&[2., 7., -2., 5.], &[5., 3., 6., 1.], &[-2., 5., 2., 7.]]);
        let r3 = lsq(&a, &b3).unwrap();
        let fit = rows(&mmu(&r3, &b3).unwrap());
        let d = 1.0 - fit[0][0];
        assert!((d - 0.5333333333).abs() < 1e-9, "{d}");
        // a vector x gives a vector
        let v = lsq(&K::floats(vec![1., 2., 3., 4.]), &b).unwrap();
        assert_eq!(v.len(), 4);
        assert!(matches!(v, K::Vector(_)));
        assert_eq!(lsq(&a, &m(&[&[1., 2.]])), Err(QError::length()));
    }
}
