//! Factorizations: Cholesky, the symmetric eigenproblem, singular values.
//!
//! Each function comes as the triple `f`, `f_jvp`, `f_vjp` (see [`super::dense`] for the
//! conventions). The rules for symmetric inputs (`cholesky`, `eigh`, `eigvalsh`) differentiate
//! `A ↦ f((A + Aᵀ)/2)`: they symmetrize the tangent, and their adjoints are symmetric. At a
//! symmetric point this is the derivative on the space of symmetric matrices, the one the
//! course uses, whatever triangle the factorization reads.
//!
//! Sources: I. Murray, "Differentiation of the Cholesky decomposition", arXiv 1602.07527 (2016);
//! M. B. Giles, "Collected matrix derivative results for forward and reverse mode algorithmic
//! differentiation" (2008), §3; Bright, Edelman and Johnson, arXiv 2501.14787 (MIT 18.S096),
//! §8.1 (derivatives of eigenproblems).

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{
    Cholesky, DefaultAllocator, Dim, DimDiff, DimMin, DimMinimum, DimSub, OMatrix, OVector,
    RealField, SVD, SymmetricEigen, U1,
};
use num_traits::Float;

// ================================================================================== cholesky

// A = LLᵀ, L lower triangular with a positive diagonal. With Φ(X) the lower triangle of X with
// its diagonal halved:
// Forward: dL = L·Φ(L⁻¹·dA·L⁻ᵀ)                           (Murray 2016, eq. 8)
// Reverse: S = L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹, Ā = (S + Sᵀ)/2            (Murray 2016, eq. 10, symmetrized)
// The tangent is symmetrized first (dA → (dA + dAᵀ)/2), so the two are adjoint to each other.
// Not handled: a matrix that is not positive definite panics, as `cholesky().unwrap()` does;
// the upper triangle of L̄ is ignored (L has none).

/// The lower-triangular Cholesky factor `L` of a symmetric positive-definite `A = LLᵀ`
/// (nalgebra's `cholesky().unwrap().l()`, which reads the lower triangle of `A`).
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky;
/// use nalgebra::Matrix2;
/// let l = cholesky(&Matrix2::new(4.0, 2.0, 2.0, 5.0));
/// assert_eq!(l, Matrix2::new(2.0, 0.0, 1.0, 2.0));
/// ```
pub fn cholesky<T, D>(a: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    Cholesky::new(a.clone_owned())
        .expect("matcalc::linalg::cholesky: the matrix is not positive definite")
        .l()
}

/// Forward mode of [`cholesky`]: `(L, L·Φ(L⁻¹·sym(dA)·L⁻ᵀ))`, where `Φ` takes the lower triangle
/// with the diagonal halved and `sym(dA) = (dA + dAᵀ)/2`.
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_jvp;
/// use nalgebra::Matrix1;
/// // d√a = da/(2√a)
/// let (l, l_dot) = cholesky_jvp(&Matrix1::new(4.0), &Matrix1::new(1.0));
/// assert_eq!((l, l_dot), (Matrix1::new(2.0), Matrix1::new(0.25)));
/// ```
pub fn cholesky_jvp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (OMatrix<T, D, D>, OMatrix<T, D, D>)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let l = cholesky(a);
    // M = L⁻¹·sym(dA)·L⁻ᵀ = L⁻¹·(L⁻¹·sym(dA))ᵀ, since sym(dA) is symmetric.
    let w = l.solve_lower_triangular_unchecked(&symmetric_part(a_dot));
    let m = l.solve_lower_triangular_unchecked(&w.transpose());
    let l_dot = &l * phi(m);
    (l, l_dot)
}

/// Reverse mode of [`cholesky`]: the value and the pullback `L̄ ↦ (S + Sᵀ)/2` with
/// `S = L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹` (a symmetric adjoint).
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_vjp;
/// use nalgebra::Matrix1;
/// let (_, pullback) = cholesky_vjp(&Matrix1::new(4.0));
/// assert_eq!(pullback(Matrix1::new(1.0)), Matrix1::new(0.25));
/// ```
pub fn cholesky_vjp<T, D>(
    a: &OMatrix<T, D, D>,
) -> (
    OMatrix<T, D, D>,
    impl Fn(OMatrix<T, D, D>) -> OMatrix<T, D, D> + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let l = cholesky(a);
    (l.clone(), move |l_bar: OMatrix<T, D, D>| {
        let p = phi(l.tr_mul(&l_bar));
        // S = L⁻ᵀ·P·L⁻¹ = L⁻ᵀ·(L⁻ᵀ·Pᵀ)ᵀ
        let z = l.tr_solve_lower_triangular_unchecked(&p.transpose());
        let s = l.tr_solve_lower_triangular_unchecked(&z.transpose());
        symmetric_part(&s)
    })
}

/// Φ(X): the lower triangle of X with its diagonal halved (a self-adjoint mask).
fn phi<T, D>(mut x: OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let half = <T as Real>::from_f64(0.5);
    x.fill_upper_triangle(T::zero(), 1);
    for i in 0..x.nrows() {
        x[(i, i)] *= half;
    }
    x
}

/// (X + Xᵀ)/2.
fn symmetric_part<T, D>(x: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    (x + x.transpose()) * <T as Real>::from_f64(0.5)
}

// ============================================================================ eigh, eigvalsh

// S = QΛQᵀ for a symmetric S, Q orthogonal, Λ = diag(λ). With M = Qᵀ·dS·Q (dS symmetrized) and
// Fᵢⱼ = 1/(λⱼ − λᵢ) for i ≠ j, 0 on the diagonal:
// Forward: dλᵢ = qᵢᵀ·dS·qᵢ = Mᵢᵢ, dQ = Q·(F ∘ M)
// Reverse: S̄ = sym(Q·(diag(λ̄) + F ∘ (Qᵀ·Q̄))·Qᵀ)
// (Giles §3.1; 18.S096 §8.1; Seeger et al., "Auto-differentiating linear algebra", 2017.)
//
// Repeated eigenvalues: the terms Fᵢⱼ with λᵢ = λⱼ to within a relative tolerance
// (64·n·ε·max|λ|) are dropped (set to 0). The eigenvalue derivatives do not involve F and stay
// finite: the gradient of λ₁ + λ₂ for a degenerate pair is the projector onto their eigenspace.
// For eigenvectors, dropping the terms is exact for losses invariant under rotations inside
// each eigenspace (such as functions of the eigenvalues, or of the projectors Σ qᵢqᵢᵀ over an
// eigenspace); for other losses the eigenvectors of a repeated eigenvalue are not
// differentiable and the result is one of the valid one-sided choices.
// Not handled: eigenvector signs are nalgebra's (dQ keeps them, as Qᵀ·dQ has a zero diagonal);
// the eigenvalues are in nalgebra's order (not sorted), the same as `symmetric_eigen`.

/// The eigenvalues (a vector) and orthonormal eigenvectors (the columns of a matrix) of a
/// symmetric matrix, `S = Q·diag(λ)·Qᵀ` (nalgebra's `symmetric_eigen`, in its order).
///
/// ```
/// use matcalc_runtime::linalg::eigh;
/// use nalgebra::Matrix2;
/// let s = Matrix2::new(2.0, 1.0, 1.0, 2.0);
/// let (lambda, q) = eigh(&s);
/// let back = q * nalgebra::Matrix2::from_diagonal(&lambda) * q.transpose();
/// assert!((back - s).norm() < 1e-12);
/// ```
pub fn eigh<T, D>(s: &OMatrix<T, D, D>) -> (OVector<T, D>, OMatrix<T, D, D>)
where
    T: Real + RealField,
    D: Dim + DimSub<U1>,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<DimDiff<D, U1>>,
{
    let eigen = SymmetricEigen::new(s.clone_owned());
    (eigen.eigenvalues, eigen.eigenvectors)
}

/// The eigenvalues and eigenvectors of a symmetric matrix, and what they are paired with.
type Eigh<T, D> = (OVector<T, D>, OMatrix<T, D, D>);

/// Forward mode of [`eigh`]: `((λ, Q), (dλ, dQ))` with `dλᵢ = qᵢᵀ·dS·qᵢ` and
/// `dQ = Q·(F ∘ (Qᵀ·dS·Q))`, `Fᵢⱼ = 1/(λⱼ − λᵢ)` (terms of equal eigenvalues dropped).
///
/// ```
/// use matcalc_runtime::linalg::eigh_jvp;
/// use nalgebra::{Matrix2, Vector2};
/// let s = Matrix2::new(1.0, 0.0, 0.0, 3.0);
/// let ((lambda, _), (lambda_dot, _)) = eigh_jvp(&s, &Matrix2::new(0.5, 0.0, 0.0, 2.0));
/// assert_eq!(lambda, Vector2::new(1.0, 3.0));
/// assert_eq!(lambda_dot, Vector2::new(0.5, 2.0));
/// ```
pub fn eigh_jvp<T, D>(s: &OMatrix<T, D, D>, s_dot: &OMatrix<T, D, D>) -> (Eigh<T, D>, Eigh<T, D>)
where
    T: Real + RealField,
    D: Dim + DimSub<U1>,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<DimDiff<D, U1>>,
{
    let (lambda, q) = eigh(s);
    let m = q.tr_mul(&(symmetric_part(s_dot) * &q));
    let lambda_dot = m.diagonal();
    let q_dot = &q * gap_inverses(&lambda).component_mul(&m);
    ((lambda, q), (lambda_dot, q_dot))
}

/// Reverse mode of [`eigh`]: the value and the pullback
/// `(λ̄, Q̄) ↦ sym(Q·(diag(λ̄) + F ∘ (Qᵀ·Q̄))·Qᵀ)` (a symmetric adjoint).
///
/// ```
/// use matcalc_runtime::linalg::eigh_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// let ((lambda, q), pullback) = eigh_vjp(&Matrix2::new(1.0, 0.0, 0.0, 3.0));
/// // the gradient of λ₀ is q₀q₀ᵀ
/// let g = pullback((Vector2::new(1.0, 0.0), Matrix2::zeros()));
/// assert!((g - q.column(0) * q.column(0).transpose()).norm() < 1e-15);
/// ```
pub fn eigh_vjp<T, D>(
    s: &OMatrix<T, D, D>,
) -> (
    Eigh<T, D>,
    impl Fn(Eigh<T, D>) -> OMatrix<T, D, D> + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim + DimSub<U1>,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<DimDiff<D, U1>>,
{
    let (lambda, q) = eigh(s);
    let f = gap_inverses(&lambda);
    let value = (lambda, q.clone());
    (value, move |(lambda_bar, q_bar): Eigh<T, D>| {
        let mut inner = f.component_mul(&q.tr_mul(&q_bar));
        for i in 0..inner.nrows() {
            inner[(i, i)] += lambda_bar[i];
        }
        symmetric_part(&(&q * inner * q.transpose()))
    })
}

/// The eigenvalues of a symmetric matrix (nalgebra's `symmetric_eigenvalues`, in its order).
///
/// ```
/// use matcalc_runtime::linalg::eigvalsh;
/// use nalgebra::{Matrix2, Vector2};
/// assert_eq!(eigvalsh(&Matrix2::new(1.0, 0.0, 0.0, 3.0)), Vector2::new(1.0, 3.0));
/// ```
pub fn eigvalsh<T, D>(s: &OMatrix<T, D, D>) -> OVector<T, D>
where
    T: Real + RealField,
    D: Dim + DimSub<U1>,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<DimDiff<D, U1>>,
{
    s.symmetric_eigenvalues()
}

/// Forward mode of [`eigvalsh`]: `(λ, dλ)` with `dλᵢ = qᵢᵀ·dS·qᵢ`, finite also at repeated
/// eigenvalues.
///
/// ```
/// use matcalc_runtime::linalg::eigvalsh_jvp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, lambda_dot) = eigvalsh_jvp(&Matrix2::new(1.0, 0.0, 0.0, 3.0), &Matrix2::identity());
/// assert_eq!(lambda_dot, Vector2::new(1.0, 1.0));
/// ```
pub fn eigvalsh_jvp<T, D>(
    s: &OMatrix<T, D, D>,
    s_dot: &OMatrix<T, D, D>,
) -> (OVector<T, D>, OVector<T, D>)
where
    T: Real + RealField,
    D: Dim + DimSub<U1>,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<DimDiff<D, U1>>,
{
    let (lambda, q) = eigh(s);
    let lambda_dot = q.tr_mul(&(symmetric_part(s_dot) * &q)).diagonal();
    (lambda, lambda_dot)
}

/// Reverse mode of [`eigvalsh`]: the value and the pullback `λ̄ ↦ Q·diag(λ̄)·Qᵀ` (symmetric;
/// for a repeated eigenvalue with equal weights, a multiple of the projector onto its
/// eigenspace).
///
/// ```
/// use matcalc_runtime::linalg::eigvalsh_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, pullback) = eigvalsh_vjp(&Matrix2::new(2.0, 1.0, 1.0, 2.0));
/// // the gradient of λ₀ + λ₁ = tr S is the identity
/// assert!((pullback(Vector2::new(1.0, 1.0)) - Matrix2::identity()).norm() < 1e-14);
/// ```
pub fn eigvalsh_vjp<T, D>(
    s: &OMatrix<T, D, D>,
) -> (
    OVector<T, D>,
    impl Fn(OVector<T, D>) -> OMatrix<T, D, D> + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim + DimSub<U1>,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<DimDiff<D, U1>>,
{
    let (lambda, q) = eigh(s);
    (lambda, move |lambda_bar: OVector<T, D>| {
        let mut scaled = q.clone();
        for (i, w) in lambda_bar.iter().enumerate() {
            scaled.column_mut(i).scale_mut(*w);
        }
        scaled * q.transpose()
    })
}

/// Fᵢⱼ = 1/(λⱼ − λᵢ) for i ≠ j, 0 on the diagonal and where λᵢ and λⱼ are equal to within
/// 64·n·ε·max|λ|.
fn gap_inverses<T, D>(lambda: &OVector<T, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let n = lambda.len();
    let (d, _) = lambda.shape_generic();
    let scale = lambda
        .iter()
        .fold(T::zero(), |m, x| Float::max(m, Float::abs(*x)));
    let tolerance = <T as Real>::from_f64(64.0 * n as f64) * <T as Float>::epsilon() * scale;
    OMatrix::<T, D, D>::from_fn_generic(d, d, |i, j| {
        let gap = lambda[j] - lambda[i];
        if i == j || Float::abs(gap) <= tolerance {
            T::zero()
        } else {
            T::one() / gap
        }
    })
}

// ================================================================================== svdvals

// A = UΣVᵀ (thin), σ in decreasing order. Forward: dσᵢ = uᵢᵀ·dA·vᵢ. Reverse: Ā = U·diag(σ̄)·Vᵀ
// (Giles §3.2; Townsend, "Differentiating the singular value decomposition", 2016).
// Not handled: at a zero singular value σ = |·| has a kink and the rule returns the one-sided
// derivative of the singular vectors nalgebra returns; repeated singular values are
// differentiable only through symmetric functions of them (such as their sum), which the
// formulas give exactly.

/// The singular values of `A` in decreasing order (nalgebra's `singular_values`), for square
/// and rectangular matrices.
///
/// ```
/// use matcalc_runtime::linalg::svdvals;
/// use nalgebra::{Matrix2, Vector2};
/// assert_eq!(svdvals(&Matrix2::new(0.0, -2.0, 1.0, 0.0)), Vector2::new(2.0, 1.0));
/// ```
pub fn svdvals<T, R, C>(a: &OMatrix<T, R, C>) -> OVector<T, DimMinimum<R, C>>
where
    T: Real + RealField,
    R: Dim + DimMin<C>,
    C: Dim,
    DimMinimum<R, C>: DimSub<U1>,
    DefaultAllocator: Allocator<R, C>
        + Allocator<C>
        + Allocator<R>
        + Allocator<DimDiff<DimMinimum<R, C>, U1>>
        + Allocator<DimMinimum<R, C>, C>
        + Allocator<R, DimMinimum<R, C>>
        + Allocator<DimMinimum<R, C>>,
{
    a.singular_values()
}

/// Forward mode of [`svdvals`]: `(σ, dσ)` with `dσᵢ = uᵢᵀ·dA·vᵢ`.
///
/// ```
/// use matcalc_runtime::linalg::svdvals_jvp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, sigma_dot) = svdvals_jvp(&Matrix2::new(3.0, 0.0, 0.0, 1.0), &Matrix2::new(1.0, 5.0, 5.0, 2.0));
/// assert!((sigma_dot - Vector2::new(1.0, 2.0)).norm() < 1e-14);
/// ```
pub fn svdvals_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (OVector<T, DimMinimum<R, C>>, OVector<T, DimMinimum<R, C>>)
where
    T: Real + RealField,
    R: Dim + DimMin<C>,
    C: Dim,
    DimMinimum<R, C>: DimSub<U1>,
    DefaultAllocator: Allocator<R, C>
        + Allocator<C>
        + Allocator<R>
        + Allocator<DimDiff<DimMinimum<R, C>, U1>>
        + Allocator<DimMinimum<R, C>, C>
        + Allocator<R, DimMinimum<R, C>>
        + Allocator<DimMinimum<R, C>>,
{
    let svd = SVD::new(a.clone_owned(), true, true);
    let u = svd.u.expect("the SVD computed U");
    let v_t = svd.v_t.expect("the SVD computed Vᵀ");
    // dσᵢ = Σₖ uₖᵢ (dA·vᵢ)ₖ
    let sigma_dot = OVector::<T, DimMinimum<R, C>>::from_fn_generic(
        svd.singular_values.shape_generic().0,
        U1,
        |i, _| u.column(i).dot(&(a_dot * v_t.row(i).transpose())),
    );
    (svd.singular_values, sigma_dot)
}

/// Reverse mode of [`svdvals`]: the value and the pullback `σ̄ ↦ U·diag(σ̄)·Vᵀ`.
///
/// ```
/// use matcalc_runtime::linalg::svdvals_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, pullback) = svdvals_vjp(&Matrix2::new(3.0, 0.0, 0.0, 1.0));
/// assert!((pullback(Vector2::new(1.0, 1.0)) - Matrix2::identity()).norm() < 1e-14);
/// ```
pub fn svdvals_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
) -> (
    OVector<T, DimMinimum<R, C>>,
    impl Fn(OVector<T, DimMinimum<R, C>>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim + DimMin<C>,
    C: Dim,
    DimMinimum<R, C>: DimSub<U1>,
    DefaultAllocator: Allocator<R, C>
        + Allocator<C>
        + Allocator<R>
        + Allocator<DimDiff<DimMinimum<R, C>, U1>>
        + Allocator<DimMinimum<R, C>, C>
        + Allocator<R, DimMinimum<R, C>>
        + Allocator<DimMinimum<R, C>>,
{
    let svd = SVD::new(a.clone_owned(), true, true);
    let u = svd.u.expect("the SVD computed U");
    let v_t = svd.v_t.expect("the SVD computed Vᵀ");
    (svd.singular_values, move |sigma_bar| {
        let mut scaled = u.clone();
        for (i, w) in sigma_bar.iter().enumerate() {
            scaled.column_mut(i).scale_mut(*w);
        }
        scaled * &v_t
    })
}
