//! Factorizations, one file each: [`lu`] (det, logdet, inv, solve), [`cholesky`] (the factor,
//! solves and the inverse), [`triangular`] (solves with L and U), [`qr`], [`eigen`] (the
//! symmetric eigenproblem), [`svd`] (the thin SVD and the singular values) and [`svd_solve`].
//! The solves share one rule (`LinearSolver`); the eigenproblem and the SVD share the
//! treatment of repeated values (`clusters`).
//!
//! Each function comes as the triple `f`, `f_jvp`, `f_vjp` and the second-order companion
//! `f_jvp_vjp` (see [`super`] for the conventions). The rules for symmetric inputs (`cholesky`,
//! `eigh`, `eigvalsh`) differentiate `A ↦ f((A + Aᵀ)/2)`: they symmetrize the tangent, and
//! their adjoints are symmetric. At a symmetric point this is the derivative on the space of
//! symmetric matrices, the one the course uses, whatever triangle the factorization reads.

// The signatures spell out the value and the pullback, as the public rules' do.
#![allow(clippy::type_complexity)]

use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::storage::RawStorage;
use nalgebra::{
    DMatrix, DVector, DefaultAllocator, Dim, Dyn, Matrix, OMatrix, OVector, RealField,
    SymmetricEigen,
};
use num_traits::Float;
use std::cmp::Ordering;

pub mod cholesky;
pub mod eigen;
pub mod lu;
pub mod qr;
pub mod svd;
pub mod svd_solve;
pub mod triangular;

// ==================================================== clusters of repeated eigen- or singular values

/// Which rules ask for the clusters of repeated eigenvalues or singular values: the first-order
/// rules and the second-order ones count different gaps as repeated (why: the section comment
/// of [`eigen`]).
#[derive(Clone, Copy)]
pub(crate) enum Order {
    /// Gaps up to 64·n·ε·max|λ|, differences of rounding.
    First,
    /// Gaps up to ε^(1/3)/4·max|λ|.
    Second,
}

/// The clusters of equal values for the rules of `order`: the indices sorted by value, split
/// where two neighbours differ by more than the width of `order`. Each cluster lists its indices
/// in increasing order of value; single values are clusters of one.
pub(crate) fn clusters<T: Real + RealField>(values: &[T], order: Order) -> Vec<Vec<usize>> {
    let n = values.len();
    let scale = values
        .iter()
        .fold(T::zero(), |m, x| Float::max(m, Float::abs(*x)));
    let epsilon = <T as Float>::epsilon();
    let tolerance = scale
        * match order {
            Order::First => <T as Real>::from_f64(64.0 * n as f64) * epsilon,
            Order::Second => Float::cbrt(epsilon) * <T as Real>::from_f64(0.25),
        };
    let mut sorted: Vec<usize> = (0..n).collect();
    sorted.sort_by(|i, j| {
        values[*i]
            .partial_cmp(&values[*j])
            .unwrap_or(Ordering::Equal)
    });
    let mut clusters: Vec<Vec<usize>> = Vec::new();
    for i in sorted {
        match clusters.last_mut() {
            Some(last) if Float::abs(values[i] - values[last[last.len() - 1]]) <= tolerance => {
                last.push(i)
            }
            _ => clusters.push(vec![i]),
        }
    }
    clusters
}

/// The eigenvectors of a symmetric block, in increasing order of eigenvalue: the rotation W
/// of degenerate perturbation theory, which turns a cluster's basis into the one the block is
/// diagonal in.
pub(crate) fn sorted_eigenvectors<T: Real + RealField>(block: DMatrix<T>) -> DMatrix<T> {
    let eigen = SymmetricEigen::<T, Dyn>::new(block);
    let mut order: Vec<usize> = (0..eigen.eigenvalues.len()).collect();
    order.sort_by(|a, b| {
        let (x, y) = (eigen.eigenvalues[*a], eigen.eigenvalues[*b]);
        x.partial_cmp(&y).unwrap_or(Ordering::Equal)
    });
    eigen.eigenvectors.select_columns(&order)
}

/// X_c ← X_c·W for the columns `columns` of X.
pub(crate) fn rotate_columns<T, R, C>(x: &mut OMatrix<T, R, C>, columns: &[usize], w: &DMatrix<T>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let x_c = DMatrix::from_fn(x.nrows(), columns.len(), |i, a| x[(i, columns[a])]);
    let rotated = x_c * w;
    for (a, j) in columns.iter().enumerate() {
        for i in 0..x.nrows() {
            x[(i, *j)] = rotated[(i, a)];
        }
    }
}

/// A copy of `x` as a dynamic matrix: the rules whose shapes mix dimensions (QR, the SVD)
/// compute in those.
pub(crate) fn dynamic<T, R, C>(x: &OMatrix<T, R, C>) -> DMatrix<T>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    DMatrix::from_iterator(x.nrows(), x.ncols(), x.iter().copied())
}

/// A copy of a vector as a dynamic one.
pub(crate) fn vector<T, K>(x: &OVector<T, K>) -> DVector<T>
where
    T: Real + RealField,
    K: Dim,
    DefaultAllocator: Allocator<K>,
{
    DVector::from_iterator(x.len(), x.iter().copied())
}

/// A dynamic matrix (or vector) back in the shape `(r, c)` of its static or dynamic type.
pub(crate) fn shaped<T, R, C, R2, C2, S>(
    x: &Matrix<T, R2, C2, S>,
    (r, c): (R, C),
) -> OMatrix<T, R, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    R2: Dim,
    C2: Dim,
    S: RawStorage<T, R2, C2>,
    DefaultAllocator: Allocator<R, C>,
{
    OMatrix::<T, R, C>::from_iterator_generic(r, c, x.iter().copied())
}

/// (X + Xᵀ)/2.
pub(crate) fn symmetric_part<T, D>(x: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    (x + x.transpose()) * <T as Real>::from_f64(0.5)
}

// ======================================================== X = A⁻¹B, through any factorization

// The rules of a linear solve, written once for every factorization that solves with A and with
// Aᵀ: LU (`solve`), Cholesky (`cholesky_solve`, `cholesky_inverse`), a triangular matrix
// (`solve_lower_triangular`, `solve_upper_triangular`). P is the self-adjoint projection onto
// the entries of A that the factorization reads (all of them, the symmetric part, a triangle),
// so the rules differentiate A ↦ P(A)⁻¹B:
// Forward: Ẋ = A⁻¹(Ḃ − P(Ȧ)·X). Reverse: B̄ = A⁻ᵀX̄, Ā = P(−B̄·Xᵀ) (Giles §2.2.3; 18.S096
// §4.2, the adjoint method).
// Second order: the tangent program is R = Ḃ − P(Ȧ)·X, Ẋ = A⁻¹R. Backwards: R̄ = A⁻ᵀẊ̄ (so
// Ḃ̄ = R̄, Ǡ = P(−R̄Xᵀ), and Ā gets −R̄Ẋᵀ), then X̄ gains −P(Ȧ)ᵀR̄, and B̄ = A⁻ᵀ(X̄ − P(Ȧ)ᵀR̄),
// Ā = P(−B̄Xᵀ − R̄Ẋᵀ). Two solves with Aᵀ, through the factorization of the forward sweep.

/// A factorization of a square `A` that the solve rules use: solves with `A` and `Aᵀ`, and the
/// projection onto the entries of `A` it reads.
pub(crate) trait LinearSolver<T, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    /// A⁻¹B.
    fn solve<C2: Dim>(&self, b: &OMatrix<T, D, C2>) -> OMatrix<T, D, C2>
    where
        DefaultAllocator: Allocator<D, C2>;

    /// A⁻ᵀB.
    fn solve_transpose<C2: Dim>(&self, b: &OMatrix<T, D, C2>) -> OMatrix<T, D, C2>
    where
        DefaultAllocator: Allocator<D, C2>;

    /// P(X): the part of a tangent or an adjoint of `A` that the factorization reads.
    fn project(&self, x: OMatrix<T, D, D>) -> OMatrix<T, D, D>;
}

/// Ẋ = A⁻¹(Ḃ − P(Ȧ)·X), the tangent of `X = A⁻¹B`.
pub(crate) fn solve_tangent<T, D, C2, F>(
    factorization: &F,
    x: &OMatrix<T, D, C2>,
    a_dot: &OMatrix<T, D, D>,
    b_dot: &OMatrix<T, D, C2>,
) -> OMatrix<T, D, C2>
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    F: LinearSolver<T, D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2>,
{
    let a_dot = factorization.project(a_dot.clone_owned());
    factorization.solve(&(b_dot - a_dot * x))
}

/// The pullback `X̄ ↦ (P(−B̄·Xᵀ), B̄)` with `B̄ = A⁻ᵀX̄` of `X = A⁻¹B`; it owns the
/// factorization.
pub(crate) fn solve_pullback<T, D, C2, F>(
    factorization: F,
    x: &OMatrix<T, D, C2>,
) -> impl Fn(OMatrix<T, D, C2>) -> (OMatrix<T, D, D>, OMatrix<T, D, C2>) + use<T, D, C2, F>
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    F: LinearSolver<T, D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2> + Allocator<C2, D>,
{
    let x_t = x.transpose();
    move |x_bar: OMatrix<T, D, C2>| {
        let b_bar = factorization.solve_transpose(&x_bar);
        let a_bar = factorization.project(-(&b_bar * &x_t));
        (a_bar, b_bar)
    }
}

/// The second-order companion of `X = A⁻¹B` given the factorization and `X`: the value
/// `(X, Ẋ)` and the pullback `(X̄, Ẋ̄) ↦ (Ā, B̄, Ǡ, Ḃ̄)` (formulas above).
pub(crate) fn solve_second<T, D, C2, F>(
    factorization: F,
    x: OMatrix<T, D, C2>,
    a_dot: &OMatrix<T, D, D>,
    b_dot: &OMatrix<T, D, C2>,
) -> (
    (OMatrix<T, D, C2>, OMatrix<T, D, C2>),
    impl Fn(
        (OMatrix<T, D, C2>, OMatrix<T, D, C2>),
    ) -> (
        OMatrix<T, D, D>,
        OMatrix<T, D, C2>,
        OMatrix<T, D, D>,
        OMatrix<T, D, C2>,
    ) + use<T, D, C2, F>,
)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    F: LinearSolver<T, D>,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2> + Allocator<C2, D>,
{
    let a_dot = factorization.project(a_dot.clone_owned());
    let x_dot = factorization.solve(&(b_dot - &a_dot * &x));
    let (x_t, x_dot_t) = (x.transpose(), x_dot.transpose());
    (
        (x, x_dot),
        move |(x_bar, x_dot_bar): (OMatrix<T, D, C2>, OMatrix<T, D, C2>)| {
            let r_bar = factorization.solve_transpose(&x_dot_bar);
            let b_bar = factorization.solve_transpose(&(x_bar - a_dot.tr_mul(&r_bar)));
            let a_bar = factorization.project(-(&b_bar * &x_t) - &r_bar * &x_dot_t);
            let a_dot_bar = factorization.project(-(&r_bar * &x_t));
            (a_bar, b_bar, a_dot_bar, r_bar)
        },
    )
}
