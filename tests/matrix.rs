//! Every nalgebra operation `#[differentiate]` supports, through the macro: one module per
//! operation, each with the same body under several signatures (`dynamic`: `DMatrix`/`DVector`
//! of `f64`; `fixed`: `Matrix3`/`Vector3` and other static sizes; `single`: `f32`, for some),
//! each checked in forward mode (against finite differences) and in reverse mode (the
//! dot-product test against forward mode) by the shared harness, at inputs drawn from the rule's
//! domain. Then the degenerate cases of the rules (a singular determinant, repeated eigenvalues,
//! norms at zero) and the Jacobians of the course's vectorization identities, against their
//! closed forms.

mod common;

use common::{
    Domain, Sampler, assert_close, check_at, check_ref_binary, check_ref_unary, to_fixed,
};
use matcalc::differentiate;
use matcalc::linalg::kronecker;
use nalgebra::{
    DMatrix, DVector, Matrix2, Matrix2x3, Matrix2x4, Matrix3, Matrix3x4, Matrix4, RowDVector,
    RowVector3, Vector2, Vector3,
};

/// How many points each variant is checked at.
const POINTS: usize = 2;

/// Entries of general matrices.
const ANY: Domain = Domain::new(-1.5, 1.5);

/// Entries that are safe to divide by.
const POSITIVE: Domain = Domain::new(0.5, 2.0);

/// Entries of matrices whose exponential is taken.
const SMALL: Domain = Domain::new(-0.5, 0.5);

/// `fn name(params) -> R;` lines, then `=> { body }`: an annotated function per line, all with that
/// body. A return type is a name with optional generic arguments (`f64`, `DMatrix<f64>`).
///
/// One body serves static matrices, which are `Copy`, and dynamic ones, which are not: the
/// borrows and clones the dynamic ones need are needless for the static ones.
macro_rules! same_body {
    ($(fn $name:ident $params:tt -> $ret:ident $(<$($arg:tt),*>)?;)+ => $body:tt) => {$(
        #[allow(clippy::op_ref, clippy::clone_on_copy)]
        #[differentiate]
        fn $name $params -> $ret $(<$($arg),*>)? $body
    )+};
}

/// [`POINTS`] dynamic `rows × cols` matrices from `domain`.
fn matrices(s: &mut Sampler, domain: &Domain, rows: usize, cols: usize) -> Vec<DMatrix<f64>> {
    (0..POINTS).map(|_| s.matrix(domain, rows, cols)).collect()
}

/// The same in `f32`.
fn matrices32(s: &mut Sampler, domain: &Domain, rows: usize, cols: usize) -> Vec<DMatrix<f32>> {
    (0..POINTS).map(|_| s.matrix(domain, rows, cols)).collect()
}

/// [`POINTS`] static matrices (or vectors) from `domain`.
fn fixed<const R: usize, const C: usize>(
    s: &mut Sampler,
    domain: &Domain,
) -> Vec<nalgebra::SMatrix<f64, R, C>> {
    (0..POINTS).map(|_| s.fixed(domain)).collect()
}

/// [`POINTS`] dynamic vectors of length `n` from `domain`.
fn vectors(s: &mut Sampler, domain: &Domain, n: usize) -> Vec<DVector<f64>> {
    (0..POINTS).map(|_| s.vector(domain, n)).collect()
}

/// Pairs of samples.
fn pairs<A, B>(a: Vec<A>, b: Vec<B>) -> Vec<(A, B)> {
    a.into_iter().zip(b).collect()
}

// ========================================================================= arithmetic

mod add {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed3(a: &Matrix3<f64>, b: &Matrix3<f64>) -> Matrix3<f64>;
        fn single(a: &DMatrix<f32>, b: &DMatrix<f32>) -> DMatrix<f32>;
        => {
            let c = a + b;
            &c + a + c.component_mul(b)
        }
    }

    #[test]
    fn add() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &ANY, 2, 3), matrices(s, &ANY, 2, 3));
        check_ref_binary(dynamic, dynamic_jvp, dynamic_vjp, &p);
        let p = pairs(fixed(s, &ANY), fixed(s, &ANY));
        check_ref_binary(fixed3, fixed3_jvp, fixed3_vjp, &p);
        let p = pairs(matrices32(s, &ANY, 3, 2), matrices32(s, &ANY, 3, 2));
        check_ref_binary(single, single_jvp, single_vjp, &p);
    }
}

mod sub {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed3(a: &Matrix3<f64>, b: &Matrix3<f64>) -> Matrix3<f64>;
        => {
            let c = a - b;
            c.component_mul(&c) - a
        }
    }

    #[test]
    fn sub() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &ANY, 3, 2), matrices(s, &ANY, 3, 2));
        check_ref_binary(dynamic, dynamic_jvp, dynamic_vjp, &p);
        let p = pairs(fixed(s, &ANY), fixed(s, &ANY));
        check_ref_binary(fixed3, fixed3_jvp, fixed3_vjp, &p);
    }
}

mod neg {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed3(a: &Matrix3<f64>, b: &Matrix3<f64>) -> Matrix3<f64>;
        => {
            let c = -a;
            -(c.component_mul(b))
        }
    }

    #[test]
    fn neg() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &ANY, 2, 2), matrices(s, &ANY, 2, 2));
        check_ref_binary(dynamic, dynamic_jvp, dynamic_vjp, &p);
        let p = pairs(fixed(s, &ANY), fixed(s, &ANY));
        check_ref_binary(fixed3, fixed3_jvp, fixed3_vjp, &p);
    }
}

/// Matrix times matrix, including rectangular static sizes.
mod matmul {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed23(a: &Matrix2x3<f64>, b: &Matrix3x4<f64>) -> Matrix2x4<f64>;
        fn single(a: &DMatrix<f32>, b: &DMatrix<f32>) -> DMatrix<f32>;
        => {
            let c = a * b;
            a * (a.transpose() * &c)
        }
    }

    #[test]
    fn matmul() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &ANY, 2, 3), matrices(s, &ANY, 3, 4));
        check_ref_binary(dynamic, dynamic_jvp, dynamic_vjp, &p);
        let p = pairs(fixed(s, &ANY), fixed(s, &ANY));
        check_ref_binary(fixed23, fixed23_jvp, fixed23_vjp, &p);
        let p = pairs(matrices32(s, &ANY, 3, 3), matrices32(s, &ANY, 3, 2));
        check_ref_binary(single, single_jvp, single_vjp, &p);
    }
}

/// Matrix times vector.
mod matvec {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>, x: &DVector<f64>) -> DVector<f64>;
        fn fixed3(a: &Matrix3<f64>, x: &Vector3<f64>) -> Vector3<f64>;
        => {
            let y = a * x;
            a.transpose() * y.component_mul(&y)
        }
    }

    #[test]
    fn matvec() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &ANY, 3, 4), vectors(s, &ANY, 4));
        check_ref_binary(dynamic, dynamic_jvp, dynamic_vjp, &p);
        let p = pairs(fixed(s, &ANY), fixed(s, &ANY));
        check_ref_binary(fixed3, fixed3_jvp, fixed3_vjp, &p);
    }
}

/// A matrix times an active scalar, on either side.
mod scalar_mul {
    use super::*;

    #[differentiate]
    fn dynamic(a: &DMatrix<f64>, s: f64) -> DMatrix<f64> {
        let b = a * s;
        s * &b + b * 2.0
    }

    #[differentiate]
    fn fixed3(a: &Matrix3<f64>, s: f64) -> Matrix3<f64> {
        let b = a * s;
        s * b + b * 2.0
    }

    #[differentiate]
    fn single(a: &DMatrix<f32>, s: f32) -> DMatrix<f32> {
        let b = a * s;
        s * &b + b * 2.0
    }

    #[test]
    fn scalar_mul() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &ANY, 2, 3), vec![0.7, -1.3]);
        check_at(
            |p: &(DMatrix<f64>, f64)| dynamic(&p.0, p.1),
            |p: &(DMatrix<f64>, f64), d: &(DMatrix<f64>, f64)| dynamic_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(DMatrix<f64>, f64), y: &DMatrix<f64>| dynamic_vjp(&p.0, p.1).1(y.clone()),
            &p,
        );
        let p = pairs(fixed(s, &ANY), vec![0.7, -1.3]);
        check_at(
            |p: &(Matrix3<f64>, f64)| fixed3(&p.0, p.1),
            |p: &(Matrix3<f64>, f64), d: &(Matrix3<f64>, f64)| fixed3_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(Matrix3<f64>, f64), y: &Matrix3<f64>| fixed3_vjp(&p.0, p.1).1(*y),
            &p,
        );
        let p = pairs(matrices32(s, &ANY, 2, 2), vec![0.7f32, -1.3]);
        check_at(
            |p: &(DMatrix<f32>, f32)| single(&p.0, p.1),
            |p: &(DMatrix<f32>, f32), d: &(DMatrix<f32>, f32)| single_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(DMatrix<f32>, f32), y: &DMatrix<f32>| single_vjp(&p.0, p.1).1(y.clone()),
            &p,
        );
    }
}

/// A matrix divided by an active scalar.
mod scalar_div {
    use super::*;

    #[differentiate]
    fn dynamic(a: &DMatrix<f64>, s: f64) -> DMatrix<f64> {
        a / s + a / (s * s)
    }

    #[differentiate]
    fn fixed3(a: &Vector3<f64>, s: f64) -> Vector3<f64> {
        a / s + a / (s * s)
    }

    #[test]
    fn scalar_div() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &ANY, 2, 3), vec![0.7, -1.3]);
        check_at(
            |p: &(DMatrix<f64>, f64)| dynamic(&p.0, p.1),
            |p: &(DMatrix<f64>, f64), d: &(DMatrix<f64>, f64)| dynamic_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(DMatrix<f64>, f64), y: &DMatrix<f64>| dynamic_vjp(&p.0, p.1).1(y.clone()),
            &p,
        );
        let p = pairs(fixed(s, &ANY), vec![0.7, -1.3]);
        check_at(
            |p: &(Vector3<f64>, f64)| fixed3(&p.0, p.1),
            |p: &(Vector3<f64>, f64), d: &(Vector3<f64>, f64)| fixed3_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(Vector3<f64>, f64), y: &Vector3<f64>| fixed3_vjp(&p.0, p.1).1(*y),
            &p,
        );
    }
}

// ========================================================================= structural maps

mod transpose {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed23(a: &Matrix2x3<f64>) -> Matrix3<f64>;
        fn single(a: &DMatrix<f32>) -> DMatrix<f32>;
        => {
            let t = a.transpose();
            &t * a
        }
    }

    // A vector transposed into a row: xᵀA.
    same_body! {
        fn row_dynamic(x: &DVector<f64>, a: &DMatrix<f64>) -> RowDVector<f64>;
        fn row_fixed(x: &Vector3<f64>, a: &Matrix3<f64>) -> RowVector3<f64>;
        => {
            x.transpose() * a
        }
    }

    #[test]
    fn transpose() {
        let s = &mut Sampler::seeded();
        check_ref_unary(dynamic, dynamic_jvp, dynamic_vjp, &matrices(s, &ANY, 2, 3));
        check_ref_unary(fixed23, fixed23_jvp, fixed23_vjp, &fixed(s, &ANY));
        check_ref_unary(single, single_jvp, single_vjp, &matrices32(s, &ANY, 3, 2));
        let p = pairs(vectors(s, &ANY, 3), matrices(s, &ANY, 3, 2));
        check_ref_binary(row_dynamic, row_dynamic_jvp, row_dynamic_vjp, &p);
        let p = pairs(fixed(s, &ANY), fixed(s, &ANY));
        check_ref_binary(row_fixed, row_fixed_jvp, row_fixed_vjp, &p);
    }
}

mod trace {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>) -> f64;
        fn fixed3(a: &Matrix3<f64>) -> f64;
        fn single(a: &DMatrix<f32>) -> f32;
        => {
            (a * a).trace()
        }
    }

    #[test]
    fn trace() {
        let s = &mut Sampler::seeded();
        check_ref_unary(dynamic, dynamic_jvp, dynamic_vjp, &matrices(s, &ANY, 4, 4));
        check_ref_unary(fixed3, fixed3_jvp, fixed3_vjp, &fixed(s, &ANY));
        check_ref_unary(single, single_jvp, single_vjp, &matrices32(s, &ANY, 3, 3));
    }
}

/// `dot` of vectors, and of matrices (the Frobenius inner product).
mod dot {
    use super::*;

    same_body! {
        fn dynamic(x: &DVector<f64>, y: &DVector<f64>) -> f64;
        fn fixed3(x: &Vector3<f64>, y: &Vector3<f64>) -> f64;
        fn single(x: &DVector<f32>, y: &DVector<f32>) -> f32;
        fn matrices(x: &DMatrix<f64>, y: &DMatrix<f64>) -> f64;
        => {
            let z = x.component_mul(y);
            x.dot(y) * z.dot(&z)
        }
    }

    #[test]
    fn dot() {
        let s = &mut Sampler::seeded();
        let p = pairs(vectors(s, &ANY, 4), vectors(s, &ANY, 4));
        check_ref_binary(dynamic, dynamic_jvp, dynamic_vjp, &p);
        let p = pairs(fixed(s, &ANY), fixed(s, &ANY));
        check_ref_binary(fixed3, fixed3_jvp, fixed3_vjp, &p);
        let v32 = |s: &mut Sampler| -> Vec<DVector<f32>> {
            (0..POINTS).map(|_| s.vector(&ANY, 3)).collect()
        };
        let p = pairs(v32(s), v32(s));
        check_ref_binary(single, single_jvp, single_vjp, &p);
        let p = pairs(
            super::matrices(s, &ANY, 2, 3),
            super::matrices(s, &ANY, 2, 3),
        );
        check_ref_binary(matrices, matrices_jvp, matrices_vjp, &p);
    }
}

mod norm {
    use super::*;

    same_body! {
        fn vector(x: &DVector<f64>) -> f64;
        fn matrix(x: &DMatrix<f64>) -> f64;
        fn fixed3(x: &Vector3<f64>) -> f64;
        fn single(x: &DMatrix<f32>) -> f32;
        => {
            let n = x.norm();
            n * n.sin()
        }
    }

    #[test]
    fn norm() {
        let s = &mut Sampler::seeded();
        let v = vectors(s, &ANY, 4);
        check_ref_unary(vector, vector_jvp, vector_vjp, &v);
        check_ref_unary(matrix, matrix_jvp, matrix_vjp, &matrices(s, &ANY, 2, 3));
        check_ref_unary(fixed3, fixed3_jvp, fixed3_vjp, &fixed(s, &ANY));
        check_ref_unary(single, single_jvp, single_vjp, &matrices32(s, &ANY, 2, 2));
    }
}

mod norm_squared {
    use super::*;

    same_body! {
        fn vector(x: &DVector<f64>) -> f64;
        fn matrix(x: &DMatrix<f64>) -> f64;
        fn fixed3(x: &Matrix3<f64>) -> f64;
        => {
            let n = x.norm_squared();
            n * n.cos()
        }
    }

    #[test]
    fn norm_squared() {
        let s = &mut Sampler::seeded();
        let v = vectors(s, &ANY, 3);
        check_ref_unary(vector, vector_jvp, vector_vjp, &v);
        check_ref_unary(matrix, matrix_jvp, matrix_vjp, &matrices(s, &ANY, 3, 2));
        check_ref_unary(fixed3, fixed3_jvp, fixed3_vjp, &fixed(s, &ANY));
    }
}

mod sum {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>) -> f64;
        fn fixed3(a: &Matrix3<f64>) -> f64;
        fn vector(a: &Vector3<f64>) -> f64;
        => {
            let b = a.map(|e| e * e * e);
            b.sum() * a.sum()
        }
    }

    #[test]
    fn sum() {
        let s = &mut Sampler::seeded();
        check_ref_unary(dynamic, dynamic_jvp, dynamic_vjp, &matrices(s, &ANY, 2, 3));
        check_ref_unary(fixed3, fixed3_jvp, fixed3_vjp, &fixed(s, &ANY));
        check_ref_unary(vector, vector_jvp, vector_vjp, &fixed(s, &ANY));
    }
}

mod component_mul {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed3(a: &Vector3<f64>, b: &Vector3<f64>) -> Vector3<f64>;
        fn single(a: &DMatrix<f32>, b: &DMatrix<f32>) -> DMatrix<f32>;
        => {
            let c = a.component_mul(b);
            c.component_mul(a)
        }
    }

    #[test]
    fn component_mul() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &ANY, 2, 3), matrices(s, &ANY, 2, 3));
        check_ref_binary(dynamic, dynamic_jvp, dynamic_vjp, &p);
        let p = pairs(fixed(s, &ANY), fixed(s, &ANY));
        check_ref_binary(fixed3, fixed3_jvp, fixed3_vjp, &p);
        let p = pairs(matrices32(s, &ANY, 2, 2), matrices32(s, &ANY, 2, 2));
        check_ref_binary(single, single_jvp, single_vjp, &p);
    }
}

mod component_div {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed3(a: &Matrix3<f64>, b: &Matrix3<f64>) -> Matrix3<f64>;
        => {
            let c = a.component_div(b);
            c.component_div(b)
        }
    }

    #[test]
    fn component_div() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &ANY, 3, 2), matrices(s, &POSITIVE, 3, 2));
        check_ref_binary(dynamic, dynamic_jvp, dynamic_vjp, &p);
        let p = pairs(fixed(s, &ANY), fixed(s, &POSITIVE));
        check_ref_binary(fixed3, fixed3_jvp, fixed3_vjp, &p);
    }
}

mod kronecker {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed2(a: &Matrix2<f64>, b: &Matrix2<f64>) -> Matrix4<f64>;
        => {
            let k = a.kronecker(b);
            k.component_mul(&k)
        }
    }

    #[test]
    fn kronecker() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &ANY, 2, 3), matrices(s, &ANY, 3, 2));
        check_ref_binary(dynamic, dynamic_jvp, dynamic_vjp, &p);
        let p = pairs(fixed(s, &ANY), fixed(s, &ANY));
        check_ref_binary(fixed2, fixed2_jvp, fixed2_vjp, &p);
    }
}

/// `column(j)` and `row(i)`: owned copies, as values and as operands.
mod column_row {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>) -> f64;
        fn fixed3(a: &Matrix3<f64>) -> f64;
        => {
            let c = a.column(1);
            let r = a.row(2);
            c.dot(&c) * r.sum() + (r * a.column(0)).sum()
        }
    }

    same_body! {
        fn column_dynamic(a: &DMatrix<f64>) -> DVector<f64>;
        fn column_fixed(a: &Matrix3<f64>) -> Vector3<f64>;
        => {
            a.column(2).into_owned() * a[(0, 0)]
        }
    }

    same_body! {
        fn row_dynamic(a: &DMatrix<f64>) -> RowDVector<f64>;
        fn row_fixed(a: &Matrix3<f64>) -> RowVector3<f64>;
        => {
            a.row(1).into_owned() * a[(2, 2)]
        }
    }

    #[test]
    fn column_row() {
        let s = &mut Sampler::seeded();
        check_ref_unary(dynamic, dynamic_jvp, dynamic_vjp, &matrices(s, &ANY, 3, 3));
        check_ref_unary(fixed3, fixed3_jvp, fixed3_vjp, &fixed(s, &ANY));
        let m = matrices(s, &ANY, 3, 3);
        check_ref_unary(column_dynamic, column_dynamic_jvp, column_dynamic_vjp, &m);
        check_ref_unary(row_dynamic, row_dynamic_jvp, row_dynamic_vjp, &m);
        let m = fixed(s, &ANY);
        check_ref_unary(column_fixed, column_fixed_jvp, column_fixed_vjp, &m);
        check_ref_unary(row_fixed, row_fixed_jvp, row_fixed_vjp, &m);
    }
}

/// `m.map(|e| ..)` with a scalar body.
mod map {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>, t: f64) -> DMatrix<f64>;
        fn fixed3(a: &Matrix3<f64>, t: f64) -> Matrix3<f64>;
        fn single(a: &DMatrix<f32>, t: f32) -> DMatrix<f32>;
        => {
            let b = a.map(|e| e.sin() * e + t * e * e);
            b.map(|x| x.exp())
        }
    }

    #[test]
    fn map() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &ANY, 2, 3), vec![0.4, -0.9]);
        check_at(
            |p: &(DMatrix<f64>, f64)| dynamic(&p.0, p.1),
            |p: &(DMatrix<f64>, f64), d: &(DMatrix<f64>, f64)| dynamic_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(DMatrix<f64>, f64), y: &DMatrix<f64>| dynamic_vjp(&p.0, p.1).1(y.clone()),
            &p,
        );
        let p = pairs(fixed(s, &ANY), vec![0.4, -0.9]);
        check_at(
            |p: &(Matrix3<f64>, f64)| fixed3(&p.0, p.1),
            |p: &(Matrix3<f64>, f64), d: &(Matrix3<f64>, f64)| fixed3_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(Matrix3<f64>, f64), y: &Matrix3<f64>| fixed3_vjp(&p.0, p.1).1(*y),
            &p,
        );
        let p = pairs(matrices32(s, &ANY, 2, 2), vec![0.4f32, -0.9]);
        check_at(
            |p: &(DMatrix<f32>, f32)| single(&p.0, p.1),
            |p: &(DMatrix<f32>, f32), d: &(DMatrix<f32>, f32)| single_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(DMatrix<f32>, f32), y: &DMatrix<f32>| single_vjp(&p.0, p.1).1(y.clone()),
            &p,
        );
    }
}

/// `Type::from_fn(.., |i, j| ..)` with a scalar body reading active values.
mod from_fn {
    use super::*;

    #[differentiate]
    fn dynamic(x: &DVector<f64>, s: f64) -> DMatrix<f64> {
        let n = x.len();
        DMatrix::from_fn(n, n - 1, |i, j| {
            x[i] * x[j + 1] * s + if i == j { s } else { 0.0 }
        })
    }

    #[differentiate]
    fn fixed3(x: &Vector3<f64>, s: f64) -> Matrix3<f64> {
        Matrix3::from_fn(|i, j| (x[i] - x[j]).sin() * s + x[i])
    }

    #[differentiate]
    fn vector(x: &DVector<f64>) -> DVector<f64> {
        DVector::from_fn(x.len(), |i, _| x[i] * x[(i + 1) % x.len()])
    }

    #[test]
    fn from_fn() {
        let s = &mut Sampler::seeded();
        let v = vectors(s, &ANY, 3);
        let p = pairs(v.clone(), vec![0.4, -0.9]);
        check_at(
            |p: &(DVector<f64>, f64)| dynamic(&p.0, p.1),
            |p: &(DVector<f64>, f64), d: &(DVector<f64>, f64)| dynamic_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(DVector<f64>, f64), y: &DMatrix<f64>| dynamic_vjp(&p.0, p.1).1(y.clone()),
            &p,
        );
        let p = pairs(fixed(s, &ANY), vec![0.4, -0.9]);
        check_at(
            |p: &(Vector3<f64>, f64)| fixed3(&p.0, p.1),
            |p: &(Vector3<f64>, f64), d: &(Vector3<f64>, f64)| fixed3_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(Vector3<f64>, f64), y: &Matrix3<f64>| fixed3_vjp(&p.0, p.1).1(*y),
            &p,
        );
        check_ref_unary(vector, vector_jvp, vector_vjp, &v);
    }
}

/// Reads and writes of `m[(i, j)]` and `v[i]`, on parameters and on local copies.
mod index {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>, x: &DVector<f64>) -> DMatrix<f64>;
        fn fixed3(a: &Matrix3<f64>, x: &Vector3<f64>) -> Matrix3<f64>;
        => {
            let mut m = a.clone();
            let mut v = x.clone();
            m[(0, 1)] = a[(1, 0)] * x[2];
            v[0] = v[1] * m[(0, 1)];
            m[(2, 2)] *= v[0];
            v[1] += m[(2, 2)].sin();
            m[(1, 1)] = v[1] * v[0];
            m
        }
    }

    #[test]
    fn index() {
        let s = &mut Sampler::seeded();
        let v = vectors(s, &ANY, 3);
        let p = pairs(matrices(s, &ANY, 3, 3), v);
        check_ref_binary(dynamic, dynamic_jvp, dynamic_vjp, &p);
        let p = pairs(fixed(s, &ANY), fixed(s, &ANY));
        check_ref_binary(fixed3, fixed3_jvp, fixed3_vjp, &p);
    }
}

/// `Vector3::new(..)`, `Matrix2::new(..)` and `DVector::from_vec(..)` from active scalars.
mod constructors {
    use super::*;

    #[differentiate]
    fn vector3(x: f64, y: f64, z: f64) -> Vector3<f64> {
        let v = Vector3::new(x * y, y.sin(), z);
        v * v.norm()
    }

    #[differentiate]
    fn matrix2(x: f64, y: f64, z: f64) -> f64 {
        let m = Matrix2::new(x, y, z, x * z);
        (m * m).trace()
    }

    #[differentiate]
    fn vector3_single(x: f32, y: f32, z: f32) -> Vector3<f32> {
        let v = Vector3::new(x * y, y.sin(), z);
        v * v.norm()
    }

    #[differentiate]
    fn from_vec(x: &[f64]) -> DVector<f64> {
        let v = DVector::from_vec(vec![x[0] * x[1], x[2].exp(), x[1]]);
        &v * v.norm_squared()
    }

    #[differentiate]
    fn from_buffer(x: &[f64]) -> f64 {
        let mut buffer = Vec::with_capacity(x.len());
        for xi in x.iter() {
            buffer.push(xi * xi);
        }
        let v = DVector::from_vec(buffer);
        v.dot(&v)
    }

    #[test]
    fn constructors() {
        let s = &mut Sampler::seeded();
        let t = s.triples((&ANY, &ANY, &ANY), POINTS, |x: f64, y: f64, z: f64| {
            x * y != 0.0 || z != 0.0
        });
        check_at(
            |p: &(f64, f64, f64)| vector3(p.0, p.1, p.2),
            |p: &(f64, f64, f64), d: &(f64, f64, f64)| vector3_jvp(p.0, p.1, p.2, d.0, d.1, d.2),
            |p: &(f64, f64, f64), y: &Vector3<f64>| vector3_vjp(p.0, p.1, p.2).1(*y),
            &t,
        );
        check_at(
            |p: &(f64, f64, f64)| matrix2(p.0, p.1, p.2),
            |p: &(f64, f64, f64), d: &(f64, f64, f64)| matrix2_jvp(p.0, p.1, p.2, d.0, d.1, d.2),
            |p: &(f64, f64, f64), y: &f64| matrix2_vjp(p.0, p.1, p.2).1(*y),
            &t,
        );
        let t32: Vec<(f32, f32, f32)> = t
            .iter()
            .map(|&(x, y, z)| (x as f32, y as f32, z as f32))
            .collect();
        check_at(
            |p: &(f32, f32, f32)| vector3_single(p.0, p.1, p.2),
            |p: &(f32, f32, f32), d: &(f32, f32, f32)| {
                vector3_single_jvp(p.0, p.1, p.2, d.0, d.1, d.2)
            },
            |p: &(f32, f32, f32), y: &Vector3<f32>| vector3_single_vjp(p.0, p.1, p.2).1(*y),
            &t32,
        );
        let x: Vec<Vec<f64>> = (0..POINTS).map(|_| s.vec(&ANY, 3)).collect();
        check_at(
            |x: &Vec<f64>| from_vec(x),
            |x: &Vec<f64>, d: &Vec<f64>| from_vec_jvp(x, d),
            |x: &Vec<f64>, y: &DVector<f64>| from_vec_vjp(x).1(y.clone()),
            &x,
        );
        check_at(
            |x: &Vec<f64>| from_buffer(x),
            |x: &Vec<f64>, d: &Vec<f64>| from_buffer_jvp(x, d),
            |x: &Vec<f64>, y: &f64| from_buffer_vjp(x).1(*y),
            &x,
        );
    }
}

// ========================================================================= LU-based

mod determinant {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>) -> f64;
        fn fixed3(a: &Matrix3<f64>) -> f64;
        fn single(a: &DMatrix<f32>) -> f32;
        => {
            let d = a.determinant();
            d * d
        }
    }

    #[test]
    fn determinant() {
        let s = &mut Sampler::seeded();
        check_ref_unary(dynamic, dynamic_jvp, dynamic_vjp, &matrices(s, &ANY, 4, 4));
        check_ref_unary(fixed3, fixed3_jvp, fixed3_vjp, &fixed(s, &ANY));
        check_ref_unary(single, single_jvp, single_vjp, &matrices32(s, &ANY, 3, 3));
    }
}

mod try_inverse {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed3(a: &Matrix3<f64>) -> Matrix3<f64>;
        fn single(a: &DMatrix<f32>) -> DMatrix<f32>;
        => {
            let b = a.clone().try_inverse().unwrap();
            &b * a.transpose()
        }
    }

    /// `expect` instead of `unwrap`, and the Cholesky factor the same way.
    #[differentiate]
    fn by_expect(a: &DMatrix<f64>) -> DMatrix<f64> {
        let b = a.clone().try_inverse().expect("invertible");
        let s = (&b + b.transpose()) * 0.5;
        let l = s.cholesky().expect("positive definite").l();
        &l * &b
    }

    #[test]
    fn try_inverse() {
        let s = &mut Sampler::seeded();
        let spd: Vec<DMatrix<f64>> = (0..POINTS).map(|_| s.spd(3)).collect();
        check_ref_unary(dynamic, dynamic_jvp, dynamic_vjp, &spd);
        let spd3: Vec<Matrix3<f64>> = spd.iter().map(to_fixed).collect();
        check_ref_unary(fixed3, fixed3_jvp, fixed3_vjp, &spd3);
        let spd32: Vec<DMatrix<f32>> = (0..POINTS).map(|_| s.spd(3)).collect();
        check_ref_unary(single, single_jvp, single_vjp, &spd32);
        check_ref_unary(by_expect, by_expect_jvp, by_expect_vjp, &spd);
    }
}

// ========================================================================= factorizations

/// `cholesky().unwrap().l()` of the symmetric part (the rule assumes a symmetric input).
mod cholesky {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed3(a: &Matrix3<f64>) -> Matrix3<f64>;
        => {
            let s = (a + a.transpose()) * 0.5;
            s.cholesky().unwrap().l()
        }
    }

    #[test]
    fn cholesky() {
        let s = &mut Sampler::seeded();
        let spd: Vec<DMatrix<f64>> = (0..POINTS).map(|_| s.spd(3)).collect();
        check_ref_unary(dynamic, dynamic_jvp, dynamic_vjp, &spd);
        let spd3: Vec<Matrix3<f64>> = spd.iter().map(to_fixed).collect();
        check_ref_unary(fixed3, fixed3_jvp, fixed3_vjp, &spd3);
    }
}

/// `symmetric_eigenvalues()` of the symmetric part.
mod symmetric_eigenvalues {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>) -> DVector<f64>;
        fn fixed3(a: &Matrix3<f64>) -> Vector3<f64>;
        fn single(a: &DMatrix<f32>) -> DVector<f32>;
        => {
            let s = (a + a.transpose()) * 0.5;
            s.symmetric_eigenvalues()
        }
    }

    #[test]
    fn symmetric_eigenvalues() {
        let s = &mut Sampler::seeded();
        let sym: Vec<DMatrix<f64>> = (0..POINTS).map(|_| s.symmetric_separated(4)).collect();
        check_ref_unary(dynamic, dynamic_jvp, dynamic_vjp, &sym);
        let sym3: Vec<Matrix3<f64>> = (0..POINTS)
            .map(|_| to_fixed(&s.symmetric_separated(3)))
            .collect();
        check_ref_unary(fixed3, fixed3_jvp, fixed3_vjp, &sym3);
        let sym32: Vec<DMatrix<f32>> = (0..POINTS).map(|_| s.symmetric_separated(3)).collect();
        check_ref_unary(single, single_jvp, single_vjp, &sym32);
    }
}

/// `symmetric_eigen()` with its fields, through a loss invariant under the sign of each
/// eigenvector: Σᵢ (i + 1)·qᵢᵀWqᵢ + Σᵢ λᵢ². (With equal weights it would be tr(W), a constant.)
mod symmetric_eigen {
    use super::*;

    // The loop runs to `s.nrows()`: `0..eig.eigenvalues.len()` does not compile (see
    // `field_in_loop_bound` below).
    same_body! {
        fn dynamic(a: &DMatrix<f64>, w: &DMatrix<f64>) -> f64;
        fn fixed3(a: &Matrix3<f64>, w: &Matrix3<f64>) -> f64;
        => {
            let s = (a + a.transpose()) * 0.5;
            let n = s.nrows();
            let eig = s.symmetric_eigen();
            let mut loss = 0.0;
            for i in 0..n {
                let q = eig.eigenvectors.column(i);
                let wq = w * q;
                loss += (i as f64 + 1.0) * q.dot(&wq) + eig.eigenvalues[i] * eig.eigenvalues[i];
            }
            loss
        }
    }

    #[test]
    fn symmetric_eigen() {
        let s = &mut Sampler::seeded();
        let sym: Vec<DMatrix<f64>> = (0..POINTS).map(|_| s.symmetric_separated(4)).collect();
        let p = pairs(sym, matrices(s, &ANY, 4, 4));
        check_ref_binary(dynamic, dynamic_jvp, dynamic_vjp, &p);
        let sym3: Vec<Matrix3<f64>> = (0..POINTS)
            .map(|_| to_fixed(&s.symmetric_separated(3)))
            .collect();
        let p = pairs(sym3, fixed(s, &ANY));
        check_ref_binary(fixed3, fixed3_jvp, fixed3_vjp, &p);
    }

    /// A field of the `symmetric_eigen()` result read in inactive code (a length, a branch
    /// condition) as well as differentiated.
    mod field_in_loop_bound {
        use super::*;

        #[differentiate]
        fn last_eigenvalue(a: &DMatrix<f64>) -> f64 {
            // The rule is for symmetric input; symmetrizing makes every direction admissible.
            let eig = ((a + a.transpose()) * 0.5).symmetric_eigen();
            // nalgebra leaves eigenvalues unsorted, and a finite-difference step may reorder
            // them: take the largest, whatever its index.
            let n = eig.eigenvalues.len();
            let mut top = eig.eigenvalues[0];
            for i in 1..n {
                top = top.max(eig.eigenvalues[i]);
            }
            top
        }

        #[differentiate]
        fn positive_part(a: &DMatrix<f64>) -> f64 {
            let eig = ((a + a.transpose()) * 0.5).symmetric_eigen();
            let mut total = 0.0;
            for i in 0..3 {
                // The threshold stays away from the eigenvalues of the sample, so that no
                // finite-difference step crosses the kink.
                if eig.eigenvalues[i] > 0.5 {
                    total += eig.eigenvalues[i];
                }
            }
            total
        }

        #[test]
        fn field_in_loop_bound() {
            let a = Sampler::seeded().symmetric_separated(3);
            check_ref_unary(
                last_eigenvalue,
                last_eigenvalue_jvp,
                last_eigenvalue_vjp,
                std::slice::from_ref(&a),
            );
            check_ref_unary(positive_part, positive_part_jvp, positive_part_vjp, &[a]);
        }
    }
}

// ========================================================================= matrix functions

/// `exp()`: the matrix exponential.
mod exp {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed3(a: &Matrix3<f64>) -> Matrix3<f64>;
        fn single(a: &DMatrix<f32>) -> DMatrix<f32>;
        => {
            let e = a.exp();
            &e * a
        }
    }

    #[test]
    fn exp() {
        let s = &mut Sampler::seeded();
        check_ref_unary(
            dynamic,
            dynamic_jvp,
            dynamic_vjp,
            &matrices(s, &SMALL, 3, 3),
        );
        check_ref_unary(fixed3, fixed3_jvp, fixed3_vjp, &fixed(s, &SMALL));
        check_ref_unary(single, single_jvp, single_vjp, &matrices32(s, &SMALL, 2, 2));
    }
}

/// `pow(n)`: an integer power.
mod pow {
    use super::*;

    same_body! {
        fn dynamic(a: &DMatrix<f64>) -> DMatrix<f64>;
        fn fixed3(a: &Matrix3<f64>) -> Matrix3<f64>;
        => {
            a.pow(3) + a.pow(0) + a.pow(1)
        }
    }

    #[test]
    fn pow() {
        let s = &mut Sampler::seeded();
        check_ref_unary(dynamic, dynamic_jvp, dynamic_vjp, &matrices(s, &ANY, 3, 3));
        check_ref_unary(fixed3, fixed3_jvp, fixed3_vjp, &fixed(s, &ANY));
    }
}

// ========================================================================= matcalc::linalg

/// The functions of `matcalc::linalg` called by path.
mod linalg_functions {
    use super::*;
    use matcalc::linalg;

    same_body! {
        fn det_dynamic(a: &DMatrix<f64>) -> f64;
        fn det_fixed(a: &Matrix3<f64>) -> f64;
        => { linalg::det(a) * a[(0, 1)] }
    }

    same_body! {
        fn logdet_dynamic(a: &DMatrix<f64>) -> f64;
        fn logdet_fixed(a: &Matrix3<f64>) -> f64;
        => { linalg::logdet(a) }
    }

    same_body! {
        fn inv_dynamic(a: &DMatrix<f64>) -> DMatrix<f64>;
        fn inv_fixed(a: &Matrix3<f64>) -> Matrix3<f64>;
        => { linalg::inv(a) }
    }

    same_body! {
        fn solve_dynamic(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64>;
        fn solve_fixed(a: &Matrix3<f64>, b: &Vector3<f64>) -> Vector3<f64>;
        => { linalg::solve(a, b) }
    }

    same_body! {
        fn cholesky_dynamic(a: &DMatrix<f64>) -> DMatrix<f64>;
        fn cholesky_fixed(a: &Matrix3<f64>) -> Matrix3<f64>;
        => {
            let s = (a + a.transpose()) * 0.5;
            linalg::cholesky(&s)
        }
    }

    same_body! {
        fn eigh_dynamic(a: &DMatrix<f64>, w: &DMatrix<f64>) -> f64;
        fn eigh_fixed(a: &Matrix3<f64>, w: &Matrix3<f64>) -> f64;
        => {
            let s = (a + a.transpose()) * 0.5;
            let (values, vectors) = linalg::eigh(&s);
            let mut loss = values.norm_squared();
            for i in 0..values.len() {
                let q = vectors.column(i);
                loss += (i as f64 + 1.0) * q.dot(&(w * q));
            }
            loss
        }
    }

    same_body! {
        fn eigvalsh_dynamic(a: &DMatrix<f64>) -> DVector<f64>;
        fn eigvalsh_fixed(a: &Matrix3<f64>) -> Vector3<f64>;
        => {
            let s = (a + a.transpose()) * 0.5;
            linalg::eigvalsh(&s)
        }
    }

    same_body! {
        fn svdvals_dynamic(a: &DMatrix<f64>) -> DVector<f64>;
        fn svdvals_fixed(a: &Matrix3x4<f64>) -> Vector3<f64>;
        => { linalg::svdvals(a) }
    }

    // nalgebra's own spelling of the same
    same_body! {
        fn singular_values_dynamic(a: &DMatrix<f64>) -> DVector<f64>;
        fn singular_values_fixed(a: &Matrix3x4<f64>) -> Vector3<f64>;
        => { (a * 2.0).singular_values() }
    }

    same_body! {
        fn expm_dynamic(a: &DMatrix<f64>) -> DMatrix<f64>;
        fn expm_fixed(a: &Matrix3<f64>) -> Matrix3<f64>;
        => { linalg::expm(a) }
    }

    same_body! {
        fn others_dynamic(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64;
        fn others_fixed(a: &Matrix3<f64>, b: &Matrix3<f64>) -> f64;
        => {
            let k = linalg::kronecker(a, b);
            let p = linalg::pow(a, 2);
            let t = linalg::transpose(&p);
            let e = linalg::exp(&linalg::component_mul(a, b));
            linalg::trace(&t) * linalg::sum(&k) + linalg::norm(&e) + linalg::dot(a, &t)
        }
    }

    #[test]
    fn det() {
        let s = &mut Sampler::seeded();
        check_ref_unary(
            det_dynamic,
            det_dynamic_jvp,
            det_dynamic_vjp,
            &matrices(s, &ANY, 3, 3),
        );
        check_ref_unary(det_fixed, det_fixed_jvp, det_fixed_vjp, &fixed(s, &ANY));
    }

    /// log|det A|, valid for a negative determinant too.
    #[test]
    fn logdet() {
        let s = &mut Sampler::seeded();
        let mut spd: Vec<DMatrix<f64>> = (0..POINTS).map(|_| s.spd(3)).collect();
        let mut negative = spd[0].clone();
        negative.row_mut(0).neg_mut();
        spd.push(negative);
        check_ref_unary(logdet_dynamic, logdet_dynamic_jvp, logdet_dynamic_vjp, &spd);
        let spd3: Vec<Matrix3<f64>> = spd.iter().map(to_fixed).collect();
        check_ref_unary(logdet_fixed, logdet_fixed_jvp, logdet_fixed_vjp, &spd3);
    }

    #[test]
    fn inv() {
        let s = &mut Sampler::seeded();
        let spd: Vec<DMatrix<f64>> = (0..POINTS).map(|_| s.spd(3)).collect();
        check_ref_unary(inv_dynamic, inv_dynamic_jvp, inv_dynamic_vjp, &spd);
        let spd3: Vec<Matrix3<f64>> = spd.iter().map(to_fixed).collect();
        check_ref_unary(inv_fixed, inv_fixed_jvp, inv_fixed_vjp, &spd3);
    }

    #[test]
    fn solve() {
        let s = &mut Sampler::seeded();
        let spd: Vec<DMatrix<f64>> = (0..POINTS).map(|_| s.spd(3)).collect();
        let p = pairs(spd.clone(), matrices(s, &ANY, 3, 2));
        check_ref_binary(solve_dynamic, solve_dynamic_jvp, solve_dynamic_vjp, &p);
        let p = pairs(spd.iter().map(to_fixed).collect(), fixed(s, &ANY));
        check_ref_binary(solve_fixed, solve_fixed_jvp, solve_fixed_vjp, &p);
    }

    #[test]
    fn cholesky() {
        let s = &mut Sampler::seeded();
        let spd: Vec<DMatrix<f64>> = (0..POINTS).map(|_| s.spd(4)).collect();
        check_ref_unary(
            cholesky_dynamic,
            cholesky_dynamic_jvp,
            cholesky_dynamic_vjp,
            &spd,
        );
        let spd3: Vec<Matrix3<f64>> = (0..POINTS).map(|_| to_fixed(&s.spd(3))).collect();
        check_ref_unary(
            cholesky_fixed,
            cholesky_fixed_jvp,
            cholesky_fixed_vjp,
            &spd3,
        );
    }

    #[test]
    fn eigh() {
        let s = &mut Sampler::seeded();
        let sym: Vec<DMatrix<f64>> = (0..POINTS).map(|_| s.symmetric_separated(4)).collect();
        let p = pairs(sym, matrices(s, &ANY, 4, 4));
        check_ref_binary(eigh_dynamic, eigh_dynamic_jvp, eigh_dynamic_vjp, &p);
        let sym3: Vec<Matrix3<f64>> = (0..POINTS)
            .map(|_| to_fixed(&s.symmetric_separated(3)))
            .collect();
        let p = pairs(sym3, fixed(s, &ANY));
        check_ref_binary(eigh_fixed, eigh_fixed_jvp, eigh_fixed_vjp, &p);
    }

    #[test]
    fn eigvalsh() {
        let s = &mut Sampler::seeded();
        let sym: Vec<DMatrix<f64>> = (0..POINTS).map(|_| s.symmetric_separated(4)).collect();
        check_ref_unary(
            eigvalsh_dynamic,
            eigvalsh_dynamic_jvp,
            eigvalsh_dynamic_vjp,
            &sym,
        );
        let sym3: Vec<Matrix3<f64>> = (0..POINTS)
            .map(|_| to_fixed(&s.symmetric_separated(3)))
            .collect();
        check_ref_unary(
            eigvalsh_fixed,
            eigvalsh_fixed_jvp,
            eigvalsh_fixed_vjp,
            &sym3,
        );
    }

    /// Singular values of rectangular matrices (distinct and nonzero at random inputs).
    #[test]
    fn svdvals() {
        let s = &mut Sampler::seeded();
        let m = matrices(s, &ANY, 4, 3);
        check_ref_unary(
            svdvals_dynamic,
            svdvals_dynamic_jvp,
            svdvals_dynamic_vjp,
            &m,
        );
        check_ref_unary(
            svdvals_fixed,
            svdvals_fixed_jvp,
            svdvals_fixed_vjp,
            &fixed(s, &ANY),
        );
        check_ref_unary(
            singular_values_dynamic,
            singular_values_dynamic_jvp,
            singular_values_dynamic_vjp,
            &m,
        );
        check_ref_unary(
            singular_values_fixed,
            singular_values_fixed_jvp,
            singular_values_fixed_vjp,
            &fixed(s, &ANY),
        );
    }

    #[test]
    fn expm() {
        let s = &mut Sampler::seeded();
        let m = matrices(s, &ANY, 3, 3);
        check_ref_unary(expm_dynamic, expm_dynamic_jvp, expm_dynamic_vjp, &m);
        check_ref_unary(expm_fixed, expm_fixed_jvp, expm_fixed_vjp, &fixed(s, &ANY));
    }

    /// kronecker, pow, transpose, exp, component_mul, trace, sum, norm and dot by path.
    #[test]
    fn others() {
        let s = &mut Sampler::seeded();
        let p = pairs(matrices(s, &SMALL, 3, 3), matrices(s, &SMALL, 3, 3));
        check_ref_binary(others_dynamic, others_dynamic_jvp, others_dynamic_vjp, &p);
        let p = pairs(fixed(s, &SMALL), fixed(s, &SMALL));
        check_ref_binary(others_fixed, others_fixed_jvp, others_fixed_vjp, &p);
    }
}

// ========================================================================= degenerate cases

mod degenerate {
    use super::*;
    use matcalc::linalg;

    #[differentiate]
    fn det_method(a: &DMatrix<f64>) -> f64 {
        a.determinant()
    }

    #[differentiate]
    fn det_path(a: &Matrix2<f64>) -> f64 {
        linalg::det(a)
    }

    /// The gradient of det at a singular matrix is its cofactor matrix (finite, not NaN):
    /// at [[1, 2], [2, 4]] it is [[4, −2], [−2, 1]]; at a rank-1 3×3 matrix it is 0 (every 2×2
    /// minor vanishes); at a rank-2 3×3 matrix it is the adjugate transposed, of rank 1.
    #[test]
    fn det_at_singular_matrices() {
        let cofactor = DMatrix::from_row_slice(2, 2, &[4.0, -2.0, -2.0, 1.0]);
        let a = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 4.0]);
        let (value, gradient) = det_method_grad(&a);
        assert_eq!(value, 0.0);
        assert!((gradient - &cofactor).norm() < 1e-14);
        let (_, gradient) = det_path_grad(&Matrix2::new(1.0, 2.0, 2.0, 4.0));
        assert!((gradient - to_fixed::<f64, 2, 2>(&cofactor)).norm() < 1e-14);
        // forward mode: d det = ⟨cof A, dA⟩
        let da = DMatrix::from_row_slice(2, 2, &[0.3, -0.1, 0.7, 0.2]);
        let (_, d_det) = det_method_jvp(&a, &da);
        assert_close(d_det, cofactor.dot(&da), 1e-14);

        let u = DVector::from_vec(vec![1.0, -2.0, 0.5]);
        let v = DVector::from_vec(vec![0.3, 1.0, 2.0]);
        let rank1 = &u * v.transpose();
        let (_, gradient) = det_method_grad(&rank1);
        assert!(gradient.iter().all(|g| g.is_finite()));
        assert!(gradient.norm() < 1e-12, "{gradient}");

        let w = DVector::from_vec(vec![-1.0, 0.4, 1.5]);
        let z = DVector::from_vec(vec![2.0, 0.0, -1.0]);
        let rank2 = &rank1 + &w * z.transpose();
        let (_, gradient) = det_method_grad(&rank2);
        let adjugate_t = DMatrix::from_fn(3, 3, |i, j| {
            let minor = rank2.clone().remove_row(i).remove_column(j).determinant();
            if (i + j) % 2 == 0 { minor } else { -minor }
        });
        assert!((&gradient - &adjugate_t).norm() < 1e-12 * adjugate_t.norm());
        assert!(adjugate_t.norm() > 1.0);
    }

    #[differentiate]
    fn eigenvalue_squares(a: &DMatrix<f64>) -> f64 {
        let s = (a + a.transpose()) * 0.5;
        let e = s.symmetric_eigenvalues();
        e.dot(&e)
    }

    /// The sum of the eigenvalues below `cut`: the sum of a degenerate pair when the cut
    /// separates it from the rest.
    #[differentiate]
    fn low_sum(a: &DMatrix<f64>, cut: f64) -> f64 {
        let s = (a + a.transpose()) * 0.5;
        let e = s.symmetric_eigenvalues();
        let mut total = 0.0;
        for i in 0..e.len() {
            if e[i] < cut {
                total += e[i];
            }
        }
        total
    }

    #[differentiate]
    fn low_sum_path(a: &Matrix3<f64>, cut: f64) -> f64 {
        let e = linalg::eigvalsh(a);
        let mut total = 0.0;
        for i in 0..e.len() {
            if e[i] < cut {
                total += e[i];
            }
        }
        total
    }

    /// Σᵢ cᵢ·qᵢᵀWqᵢ with cᵢ = 1 for the eigenvalues below 2 and cᵢ = 3 above: tr(W·P₁) +
    /// 3·tr(W·P₂) for the spectral projectors P₁, P₂ of the two clusters. The weights are equal
    /// inside a cluster, so the loss is invariant under rotations inside it, and it is a smooth
    /// function of S even where the eigenvalues of a cluster coincide: finite differences check
    /// it there. (The size is read before the decomposition, and the eigenvalue bound to a name
    /// before the comparison: see `symmetric_eigen::field_in_loop_bound`.)
    #[differentiate]
    fn cluster_projections(a: &DMatrix<f64>, w: &DMatrix<f64>) -> f64 {
        let s = (a + a.transpose()) * 0.5;
        let n = s.nrows();
        let eig = s.symmetric_eigen();
        let mut loss = 0.0;
        for i in 0..n {
            let q = eig.eigenvectors.column(i);
            let lambda = eig.eigenvalues[i];
            let weight = if lambda < 2.0 { 1.0 } else { 3.0 };
            loss += weight * q.dot(&(w * q));
        }
        loss
    }

    /// At S = Q·diag(1, 1, 3)·Qᵀ, all finite: the gradient of Σλᵢ² (= ‖S‖², smooth) is 2S; the
    /// gradient of λ₁ + λ₂, the sum of the degenerate pair (= tr(S·P₁), smooth), is the
    /// projector P₁ = Q₁Q₁ᵀ onto their eigenspace; a function of the eigenvectors invariant
    /// under rotations inside the eigenspace passes both checks there. At S = 2I (every
    /// eigenvalue equal) the gradient of Σλᵢ² is 4I.
    #[test]
    fn repeated_eigenvalues() {
        let s = &mut Sampler::seeded();
        let q = s.orthogonal(3);
        let lambda = Matrix3::from_diagonal(&Vector3::new(1.0, 1.0, 3.0));
        let q3: Matrix3<f64> = to_fixed(&q);
        let sym3 = q3 * lambda * q3.transpose();
        let sym3 = (sym3 + sym3.transpose()) * 0.5;
        let sym = DMatrix::from_column_slice(3, 3, sym3.as_slice());

        let (_, gradient) = eigenvalue_squares_grad(&sym);
        assert!(gradient.iter().all(|g| g.is_finite()));
        assert!((&gradient - &sym * 2.0).norm() < 1e-12, "{gradient}");
        check_ref_unary(
            eigenvalue_squares,
            eigenvalue_squares_jvp,
            eigenvalue_squares_vjp,
            std::slice::from_ref(&sym),
        );

        let q1 = q.columns(0, 2).into_owned();
        let projector = &q1 * q1.transpose();
        let (value, (gradient, _)) = low_sum_grad(&sym, 2.0);
        assert_close(value, 2.0, 1e-13);
        assert!(gradient.iter().all(|g| g.is_finite()));
        assert!((&gradient - &projector).norm() < 1e-12, "{gradient}");
        let (_, (gradient, _)) = low_sum_path_grad(&sym3, 2.0);
        assert!((gradient - to_fixed::<f64, 3, 3>(&projector)).norm() < 1e-12);
        check_at(
            |p: &(DMatrix<f64>, f64)| low_sum(&p.0, p.1),
            |p: &(DMatrix<f64>, f64), d: &(DMatrix<f64>, f64)| low_sum_jvp(&p.0, p.1, &d.0, d.1),
            |p: &(DMatrix<f64>, f64), y: &f64| low_sum_vjp(&p.0, p.1).1(*y),
            &[(sym.clone(), 2.0)],
        );

        let w = s.matrix(&ANY, 3, 3);
        let p2 = DMatrix::identity(3, 3) - &projector;
        let (value, _) = cluster_projections_grad(&sym, &w);
        assert_close(value, (&w * (&projector + &p2 * 3.0)).trace(), 1e-12);
        check_ref_binary(
            cluster_projections,
            cluster_projections_jvp,
            cluster_projections_vjp,
            &[(sym.clone(), w)],
        );

        let (_, gradient) = eigenvalue_squares_grad(&(DMatrix::identity(3, 3) * 2.0));
        assert!((gradient - DMatrix::identity(3, 3) * 4.0).norm() < 1e-12);
    }

    same_body! {
        fn norm_vector(x: &DVector<f64>) -> f64;
        fn norm_matrix(x: &DMatrix<f64>) -> f64;
        fn norm_fixed(x: &Vector3<f64>) -> f64;
        => { x.norm() }
    }

    #[differentiate]
    fn norm_path(x: &DVector<f64>) -> f64 {
        linalg::norm(x)
    }

    /// At zero the norm's derivative is the documented one-sided value 0, not NaN.
    #[test]
    fn norm_at_zero() {
        let zero = DVector::<f64>::zeros(3);
        let direction = DVector::from_vec(vec![1.0, -2.0, 0.5]);
        let (value, gradient) = norm_vector_grad(&zero);
        assert_eq!((value, gradient), (0.0, DVector::zeros(3)));
        assert_eq!(norm_vector_jvp(&zero, &direction), (0.0, 0.0));
        assert_eq!(norm_path_grad(&zero).1, DVector::zeros(3));
        let (_, gradient) = norm_matrix_grad(&DMatrix::zeros(2, 3));
        assert_eq!(gradient, DMatrix::zeros(2, 3));
        let (_, gradient) = norm_fixed_grad(&Vector3::zeros());
        assert_eq!(gradient, Vector3::zeros());
    }
}

// ========================================================================= vectorization

mod vectorization {
    use super::*;

    // `a.clone()`, `*a`: the inactive factors written `a * x * b` do not compile (see
    // `inactive_reference_operand` below).
    #[differentiate(wrt(x))]
    fn axb(x: &DMatrix<f64>, a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
        a.clone() * x * b.clone()
    }

    #[differentiate(wrt(x))]
    fn axb_fixed(x: &Matrix2<f64>, a: &Matrix2<f64>, b: &Matrix2<f64>) -> Matrix2<f64> {
        *a * x * *b
    }

    /// An inactive operand of a product that is a reference (a `&DMatrix` parameter left
    /// out of `wrt`, or `&m` of an inactive local).
    mod inactive_reference_operand {
        use super::*;

        #[differentiate(wrt(x))]
        fn left(x: &DMatrix<f64>, a: &DMatrix<f64>) -> DMatrix<f64> {
            a * x
        }

        #[differentiate(wrt(x))]
        fn borrowed_local(x: &DMatrix<f64>, a: &DMatrix<f64>) -> DMatrix<f64> {
            let c = a.clone();
            x * &c
        }

        #[test]
        fn inactive_reference_operand() {
            let s = &mut Sampler::seeded();
            let (x, a) = (s.matrix(&ANY, 2, 2), s.matrix(&ANY, 2, 2));
            assert_eq!(
                left_jacobian(&x, &a).1,
                kronecker(&DMatrix::identity(2, 2), &a)
            );
            assert_eq!(
                borrowed_local_jacobian(&x, &a).1,
                kronecker(&a.transpose(), &DMatrix::identity(2, 2))
            );
        }
    }

    same_body! {
        fn square(x: &DMatrix<f64>) -> DMatrix<f64>;
        fn square_fixed(x: &Matrix2<f64>) -> Matrix2<f64>;
        => { x * x }
    }

    same_body! {
        fn inverse(x: &DMatrix<f64>) -> DMatrix<f64>;
        fn inverse_fixed(x: &Matrix3<f64>) -> Matrix3<f64>;
        => { x.clone().try_inverse().unwrap() }
    }

    #[track_caller]
    fn assert_matrix_close(got: &DMatrix<f64>, want: &DMatrix<f64>) {
        assert_eq!(got.shape(), want.shape());
        let error = (got - want).norm() / want.norm();
        assert!(
            error < 1e-13,
            "relative error {error:e}:\n{got}\nvs\n{want}"
        );
    }

    /// vec(AXB) = (Bᵀ ⊗ A)·vec(X), on square and rectangular shapes.
    #[test]
    fn jacobian_of_axb_is_kron_bt_a() {
        let s = &mut Sampler::seeded();
        for (m, n, p, q) in [(2, 2, 2, 2), (3, 3, 3, 3), (2, 3, 4, 2)] {
            let a = s.matrix(&ANY, m, n);
            let x = s.matrix(&ANY, n, p);
            let b = s.matrix(&ANY, p, q);
            let (value, j) = axb_jacobian(&x, &a, &b);
            assert_eq!(value, &a * &x * &b);
            assert_matrix_close(&j, &kronecker(&b.transpose(), &a));
        }
        let (a, x, b) = (s.fixed(&ANY), s.fixed(&ANY), s.fixed::<f64, 2, 2>(&ANY));
        let (_, j) = axb_fixed_jacobian(&x, &a, &b);
        assert_matrix_close(
            &j,
            &DMatrix::from_column_slice(4, 4, kronecker(&b.transpose(), &a).as_slice()),
        );
    }

    /// d(X²) = dX·X + X·dX, so J = I ⊗ X + Xᵀ ⊗ I.
    #[test]
    fn jacobian_of_square() {
        let s = &mut Sampler::seeded();
        for n in [2, 3] {
            let x = s.matrix(&ANY, n, n);
            let i = DMatrix::identity(n, n);
            let (_, j) = square_jacobian(&x);
            assert_matrix_close(&j, &(kronecker(&i, &x) + kronecker(&x.transpose(), &i)));
        }
        let x: Matrix2<f64> = s.fixed(&ANY);
        let i = Matrix2::identity();
        let want = kronecker(&i, &x) + kronecker(&x.transpose(), &i);
        let (_, j) = square_fixed_jacobian(&x);
        assert_matrix_close(&j, &DMatrix::from_column_slice(4, 4, want.as_slice()));
    }

    /// d(X⁻¹) = −X⁻¹·dX·X⁻¹, so J = −(X⁻ᵀ ⊗ X⁻¹).
    #[test]
    fn jacobian_of_inverse() {
        let s = &mut Sampler::seeded();
        for n in [2, 3] {
            let x = s.matrix(&ANY, n, n) + DMatrix::identity(n, n) * 3.0;
            let inv = x.clone().try_inverse().unwrap();
            let (_, j) = inverse_jacobian(&x);
            assert_matrix_close(&j, &-kronecker(&inv.transpose(), &inv));
        }
        let x: Matrix3<f64> = s.fixed(&ANY) + Matrix3::identity() * 3.0;
        let inv = x.try_inverse().unwrap();
        let want = -kronecker(&inv.transpose(), &inv);
        let (_, j) = inverse_fixed_jacobian(&x);
        assert_matrix_close(&j, &DMatrix::from_column_slice(9, 9, want.as_slice()));
    }

    /// The Jacobian of a map into R² of a vector, built from `Vector2::new`, is its matrix.
    #[differentiate]
    fn rotate(x: &Vector2<f64>, t: f64) -> Vector2<f64> {
        Vector2::new(
            t.cos() * x[0] - t.sin() * x[1],
            t.sin() * x[0] + t.cos() * x[1],
        )
    }

    #[test]
    fn jacobian_of_a_rotation() {
        let (x, t) = (Vector2::new(0.5, -1.5), 0.3f64);
        let (_, j) = rotate_jacobian(&x, t);
        let (c, s) = (t.cos(), t.sin());
        let want = DMatrix::from_row_slice(
            2,
            3,
            &[c, -s, -s * x[0] - c * x[1], s, c, c * x[0] - s * x[1]],
        );
        assert_matrix_close(&j, &want);
    }
}
