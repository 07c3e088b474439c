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
    Cholesky, DMatrix, DefaultAllocator, Dim, DimDiff, DimMin, DimMinimum, DimSub, OMatrix,
    OVector, RealField, SVD, SymmetricEigen, U1,
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
        cholesky_pullback(&l, &l_bar)
    })
}

/// sym(L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹), the adjoint of A for `L = chol(A)`.
fn cholesky_pullback<T, D>(l: &OMatrix<T, D, D>, l_bar: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    sandwich_inverse(l, &phi(l.tr_mul(l_bar)))
}

/// sym(L⁻ᵀ·P·L⁻¹) for a lower-triangular L.
fn sandwich_inverse<T, D>(l: &OMatrix<T, D, D>, p: &OMatrix<T, D, D>) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    // S = L⁻ᵀ·P·L⁻¹ = L⁻ᵀ·(L⁻ᵀ·Pᵀ)ᵀ
    let z = l.tr_solve_lower_triangular_unchecked(&p.transpose());
    let s = l.tr_solve_lower_triangular_unchecked(&z.transpose());
    symmetric_part(&s)
}

// Second order: the tangent program is S = sym(Ȧ), M = L⁻¹·S·L⁻ᵀ (symmetric), P = Φ(M),
// L̇ = L·P. Backwards from (L̄, L̇̄):
//   L̇ = L·P:          L̄ += L̇̄·Pᵀ,  P̄ = Lᵀ·L̇̄
//   P = Φ(M):          M̄ = Φ(P̄)    (Φ is a mask, its own adjoint)
//   M = L⁻¹·S·L⁻ᵀ:     S̄ = L⁻ᵀ·M̄·L⁻¹, and, from dM = −L⁻¹·dL·M − M·dLᵀ·L⁻ᵀ,
//                      L̄ += −L⁻ᵀ·(M̄ + M̄ᵀ)·M
//   then Ǡ = sym(S̄) (the first-order pullback of L̇̄), and Ā is the first-order pullback of the
//   accumulated L̄ (which reads only its lower triangle, the entries L has).

/// Second order of [`cholesky`], the reverse mode of [`cholesky_jvp`]: the value
/// `(L, L̇) = (L, L·Φ(M))` with `M = L⁻¹·sym(Ȧ)·L⁻ᵀ`, and the pullback `(L̄, L̇̄) ↦ (Ā, Ǡ)`:
/// with `M̄ = Φ(Lᵀ·L̇̄)`, `Ǡ = sym(L⁻ᵀ·M̄·L⁻¹)` (the first-order pullback of `L̇̄`) and `Ā` the
/// first-order pullback of `L̄ + L̇̄·Φ(M)ᵀ − L⁻ᵀ·(M̄ + M̄ᵀ)·M`. Both adjoints are symmetric.
///
/// # Panics
///
/// If `A` is not positive definite.
///
/// ```
/// use matcalc_runtime::linalg::cholesky_jvp_vjp;
/// use nalgebra::Matrix1;
/// // √a at a = 4: the second derivative is −a^(−3/2)/4 = −1/32
/// let ((l, l_dot), pullback) = cholesky_jvp_vjp(&Matrix1::new(4.0), &Matrix1::new(1.0));
/// assert_eq!((l, l_dot), (Matrix1::new(2.0), Matrix1::new(0.25)));
/// assert_eq!(pullback((Matrix1::zeros(), Matrix1::new(1.0))), (Matrix1::new(-1.0 / 32.0), Matrix1::new(0.25)));
/// ```
pub fn cholesky_jvp_vjp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (
    (OMatrix<T, D, D>, OMatrix<T, D, D>),
    impl Fn((OMatrix<T, D, D>, OMatrix<T, D, D>)) -> (OMatrix<T, D, D>, OMatrix<T, D, D>) + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let l = cholesky(a);
    // As in `cholesky_jvp`: M = L⁻¹·(L⁻¹·sym(Ȧ))ᵀ
    let w = l.solve_lower_triangular_unchecked(&symmetric_part(a_dot));
    let m = l.solve_lower_triangular_unchecked(&w.transpose());
    let p = phi(m.clone());
    let l_dot = &l * &p;
    let p_t = p.transpose();
    (
        (l.clone(), l_dot),
        move |(l_bar, l_dot_bar): (OMatrix<T, D, D>, OMatrix<T, D, D>)| {
            let m_bar = phi(l.tr_mul(&l_dot_bar));
            let a_dot_bar = sandwich_inverse(&l, &m_bar);
            let m_bar_sym = &m_bar + m_bar.transpose();
            let through_m = l.tr_solve_lower_triangular_unchecked(&(m_bar_sym * &m));
            let l_bar = l_bar + &l_dot_bar * &p_t - through_m;
            (cholesky_pullback(&l, &l_bar), a_dot_bar)
        },
    )
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
        eigh_pullback(&q, &f, &lambda_bar, &q_bar)
    })
}

/// sym(Q·(diag(λ̄) + F ∘ (Qᵀ·Q̄))·Qᵀ), the adjoint of S for `(λ, Q) = eigh(S)`.
fn eigh_pullback<T, D>(
    q: &OMatrix<T, D, D>,
    f: &OMatrix<T, D, D>,
    lambda_bar: &OVector<T, D>,
    q_bar: &OMatrix<T, D, D>,
) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let mut inner = f.component_mul(&q.tr_mul(q_bar));
    for i in 0..inner.nrows() {
        inner[(i, i)] += lambda_bar[i];
    }
    symmetric_part(&(q * inner * q.transpose()))
}

// Second order: the tangent program is Ṡ = sym(Ṡ₀), M = Qᵀ·Ṡ·Q, λ̇ = diag(M), K = F ∘ M,
// Q̇ = Q·K, with Fᵢⱼ = 1/(λⱼ − λᵢ) a function of λ (dFᵢⱼ = Fᵢⱼ²·(dλᵢ − dλⱼ)). Backwards from
// (λ̄, Q̄, λ̇̄, Q̇̄):
//   Q̇ = Q·K:        K̄ = Qᵀ·Q̇̄,  Q̄ += Q̇̄·Kᵀ
//   K = F ∘ M:      M̄ = F ∘ K̄ + diag(λ̇̄),  F̄ = M ∘ K̄
//   F(λ):           λ̄ₖ += Σⱼ F̄ₖⱼ·Fₖⱼ² − Σᵢ F̄ᵢₖ·Fᵢₖ²
//   M = Qᵀ·Ṡ·Q:     Ṡ̄ = sym(Q·M̄·Qᵀ),  Q̄ += Ṡ·Q·(M̄ + M̄ᵀ)
//   then S̄ is the first-order pullback of the accumulated (λ̄, Q̄).
// The dropped terms of F (equal eigenvalues) are constants 0 here too, so the second-order
// rule follows the same convention as the first-order one.

/// Second order of [`eigh`], the reverse mode of [`eigh_jvp`]: the value
/// `((λ, Q), (λ̇, Q̇))` with `M = Qᵀ·sym(Ṡ)·Q`, `λ̇ = diag(M)`, `Q̇ = Q·(F ∘ M)`, and the pullback
/// `((λ̄, Q̄), (λ̇̄, Q̇̄)) ↦ (S̄, Ṡ̄)`, both symmetric: with `K̄ = Qᵀ·Q̇̄` and
/// `M̄ = F ∘ K̄ + diag(λ̇̄)`, `Ṡ̄ = sym(Q·M̄·Qᵀ)` (the first-order pullback of `(λ̇̄, Q̇̄)`) and
/// `S̄` the first-order pullback of `(λ̄ + δλ̄, Q̄ + Q̇̄·(F ∘ M)ᵀ + sym(Ṡ)·Q·(M̄ + M̄ᵀ))`, where
/// `δλ̄` carries the derivative of `F` through `λ`. Terms of equal eigenvalues are dropped as
/// in the first-order rules.
///
/// ```
/// use matcalc_runtime::linalg::{eigh_jvp, eigh_jvp_vjp, eigh_vjp};
/// use nalgebra::{Matrix2, Vector2};
/// let s = Matrix2::new(2.0, 1.0, 1.0, 3.0);
/// let s_dot = Matrix2::new(0.0, 1.0, 1.0, 0.5);
/// let (value, pullback) = eigh_jvp_vjp(&s, &s_dot);
/// assert_eq!(value, eigh_jvp(&s, &s_dot));
/// // seeded with the tangents only, Ṡ̄ is the first-order pullback
/// let seed = (Vector2::new(1.0, -1.0), Matrix2::new(0.5, 0.0, 0.0, 1.0));
/// let (_, s_dot_bar) = pullback(((Vector2::zeros(), Matrix2::zeros()), seed.clone()));
/// assert!((s_dot_bar - eigh_vjp(&s).1(seed)).norm() < 1e-14);
/// ```
pub fn eigh_jvp_vjp<T, D>(
    s: &OMatrix<T, D, D>,
    s_dot: &OMatrix<T, D, D>,
) -> (
    (Eigh<T, D>, Eigh<T, D>),
    impl Fn((Eigh<T, D>, Eigh<T, D>)) -> (OMatrix<T, D, D>, OMatrix<T, D, D>) + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim + DimSub<U1>,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<DimDiff<D, U1>>,
{
    let (lambda, q) = eigh(s);
    let s_dot = symmetric_part(s_dot);
    let m = q.tr_mul(&(&s_dot * &q));
    let lambda_dot = m.diagonal();
    let f = gap_inverses(&lambda);
    let k = f.component_mul(&m);
    let q_dot = &q * &k;
    let value = ((lambda, q.clone()), (lambda_dot, q_dot));
    let (k_t, s_dot_q) = (k.transpose(), s_dot * &q);
    (
        value,
        move |((lambda_bar, q_bar), (lambda_dot_bar, q_dot_bar)): (Eigh<T, D>, Eigh<T, D>)| {
            let k_bar = q.tr_mul(&q_dot_bar);
            let mut m_bar = f.component_mul(&k_bar);
            for i in 0..m_bar.nrows() {
                m_bar[(i, i)] += lambda_dot_bar[i];
            }
            let s_dot_bar = symmetric_part(&(&q * &m_bar * q.transpose()));
            // F̄ ∘ F² = M ∘ K̄ ∘ F ∘ F; its row sums minus its column sums feed λ̄.
            let f_bar = m.component_mul(&k_bar).component_mul(&f).component_mul(&f);
            let mut lambda_bar = lambda_bar;
            for k in 0..lambda_bar.len() {
                lambda_bar[k] += f_bar.row(k).sum() - f_bar.column(k).sum();
            }
            let q_bar = q_bar + &q_dot_bar * &k_t + &s_dot_q * (&m_bar + m_bar.transpose());
            (eigh_pullback(&q, &f, &lambda_bar, &q_bar), s_dot_bar)
        },
    )
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

// Second order: λ̇ᵢ = qᵢᵀ·Ṡ·qᵢ = Mᵢᵢ with M = Qᵀ·Ṡ·Q (Ṡ symmetrized). Along dS, with
// N = Qᵀ·dS·Q, the eigenvector derivative is dqᵢ = Σₖ qₖ·Fₖᵢ·Nₖᵢ (Fₖᵢ = 1/(λᵢ − λₖ)), so
// dλ̇ᵢ = 2·Σₖ Fₖᵢ·Mₖᵢ·Nₖᵢ and Σᵢ λ̇̄ᵢ·dλ̇ᵢ = ⟨G, N⟩ with the symmetric
// Gₖᵢ = Fₖᵢ·Mₖᵢ·(λ̇̄ᵢ − λ̇̄ₖ) (after symmetrizing). So S̄ = Q·(diag(λ̄) + G)·Qᵀ and
// Ṡ̄ = Q·diag(λ̇̄)·Qᵀ. This is the classic eigenvalue Hessian
// λᵢ″[U, V] = 2·Σₖ≠ᵢ (qₖᵀUqᵢ)(qₖᵀVqᵢ)/(λᵢ − λₖ).
// Repeated eigenvalues: the terms Fₖᵢ of equal eigenvalues are dropped, as in the first-order
// rules. The factor λ̇̄ᵢ − λ̇̄ₖ vanishes for equal weights, so the result is exact for functions
// that weigh the eigenvalues of a cluster equally (such as their sum); individual repeated
// eigenvalues are not twice differentiable.

/// Second order of [`eigvalsh`], the reverse mode of [`eigvalsh_jvp`]: the value `(λ, λ̇)` with
/// `λ̇ᵢ = qᵢᵀ·sym(Ṡ)·qᵢ` and the pullback `(λ̄, λ̇̄) ↦ (Q·(diag(λ̄) + G)·Qᵀ, Q·diag(λ̇̄)·Qᵀ)` with
/// `Gₖᵢ = (λ̇̄ᵢ − λ̇̄ₖ)·(qₖᵀ·sym(Ṡ)·qᵢ)/(λᵢ − λₖ)` (0 for equal eigenvalues). Both adjoints are
/// symmetric.
///
/// ```
/// use matcalc_runtime::linalg::eigvalsh_jvp_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// // λ₀ of [[1, t], [t, 3]] is 2 − √(1 + t²): its second derivative in t at 0 is −1, and the
/// // direction t is Ṡ = [[0, 1], [1, 0]], so ⟨S̄, Ṡ⟩ = −1 when S̄ is seeded with λ̇̄ = (1, 0)
/// let s_dot = Matrix2::new(0.0f64, 1.0, 1.0, 0.0);
/// let (_, pullback) = eigvalsh_jvp_vjp(&Matrix2::new(1.0, 0.0, 0.0, 3.0), &s_dot);
/// let (s_bar, _) = pullback((Vector2::zeros(), Vector2::new(1.0, 0.0)));
/// assert!((s_bar.dot(&s_dot) + 1.0).abs() < 1e-14);
/// ```
pub fn eigvalsh_jvp_vjp<T, D>(
    s: &OMatrix<T, D, D>,
    s_dot: &OMatrix<T, D, D>,
) -> (
    (OVector<T, D>, OVector<T, D>),
    impl Fn((OVector<T, D>, OVector<T, D>)) -> (OMatrix<T, D, D>, OMatrix<T, D, D>) + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim + DimSub<U1>,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<DimDiff<D, U1>>,
{
    let (lambda, q) = eigh(s);
    let m = q.tr_mul(&(symmetric_part(s_dot) * &q));
    let lambda_dot = m.diagonal();
    let fm = gap_inverses(&lambda).component_mul(&m);
    (
        (lambda, lambda_dot),
        move |(lambda_bar, lambda_dot_bar): (OVector<T, D>, OVector<T, D>)| {
            let (d, _) = lambda_bar.shape_generic();
            let g = OMatrix::<T, D, D>::from_fn_generic(d, d, |k, i| {
                fm[(k, i)] * (lambda_dot_bar[i] - lambda_dot_bar[k])
            });
            let s_bar =
                symmetric_part(&(&q * (g + OMatrix::from_diagonal(&lambda_bar)) * q.transpose()));
            let s_dot_bar =
                symmetric_part(&(&q * OMatrix::from_diagonal(&lambda_dot_bar) * q.transpose()));
            (s_bar, s_dot_bar)
        },
    )
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

// Second order, from the symmetric embedding [[0, A], [Aᵀ, 0]], whose eigenpairs are
// ±σᵢ, (uᵢ, ±vᵢ)/√2 and 0 on the complements of U and V, and the eigenvalue Hessian
// λ″[E, E′] = 2·Σ (qᵀEq')(qᵀE′q')/(λ − λ'): with P = Uᵀ·Ȧ·V, Q = Uᵀ·E·V,
//   σᵢ″[Ȧ, E] = Σⱼ≠ᵢ ½·[(Pⱼᵢ + Pᵢⱼ)(Qⱼᵢ + Qᵢⱼ)/(σᵢ − σⱼ) + (Pⱼᵢ − Pᵢⱼ)(Qⱼᵢ − Qᵢⱼ)/(σᵢ + σⱼ)]
//             + ⟨(I − UUᵀ)Ȧvᵢ, E·vᵢ⟩/σᵢ + ⟨(I − VVᵀ)Ȧᵀuᵢ, Eᵀuᵢ⟩/σᵢ
// (the last two only for rectangular A). With w = σ̇̄, the gradient of Σᵢ wᵢ·σᵢ″[Ȧ, E] in E is
// Ā₂ = U·G·Vᵀ + (I − UUᵀ)·Ȧ·V·diag(w/σ)·Vᵀ + U·diag(w/σ)·Uᵀ·Ȧ·(I − VVᵀ), where G collects
// the coefficients of Q. So Ā = U·diag(σ̄)·Vᵀ + Ā₂ and Ǡ = U·diag(w)·Vᵀ.
// Townsend (2016) gives the same terms as the singular-vector part of the SVD pullback.
// Degenerate cases, dropped like the equal eigenvalues of `eigh` (the terms become 0):
// 1/(σᵢ − σⱼ) for equal singular values (exact for functions weighing them equally, whose
// coefficient is wᵢ − wⱼ = 0), 1/(σᵢ + σⱼ) when both are 0, and 1/σᵢ at a zero singular value,
// where σᵢ has a kink and its second derivative is unbounded.

/// Second order of [`svdvals`], the reverse mode of [`svdvals_jvp`]: the value `(σ, σ̇)` with
/// `σ̇ᵢ = uᵢᵀ·Ȧ·vᵢ` and the pullback `(σ̄, σ̇̄) ↦ (Ā, Ǡ)` with `Ǡ = U·diag(σ̇̄)·Vᵀ` and `Ā` the
/// first-order pullback of `σ̄` plus the singular-value Hessian along `Ȧ` weighted by `σ̇̄` (see
/// the formula in the source). Terms of equal singular values, and `1/σᵢ` at a zero singular
/// value, are dropped.
///
/// ```
/// use matcalc_runtime::linalg::svdvals_jvp_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// // σ₀ of [[2, t], [0, 1]]: its second derivative in t at 0 is σ₀/(σ₀² − σ₁²) = 2/3
/// let e = Matrix2::new(0.0f64, 1.0, 0.0, 0.0);
/// let (_, pullback) = svdvals_jvp_vjp(&Matrix2::new(2.0, 0.0, 0.0, 1.0), &e);
/// let (a_bar, _) = pullback((Vector2::zeros(), Vector2::new(1.0, 0.0)));
/// assert!((a_bar.dot(&e) - 2.0 / 3.0).abs() < 1e-14);
/// ```
pub fn svdvals_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (OVector<T, DimMinimum<R, C>>, OVector<T, DimMinimum<R, C>>),
    impl Fn(
        (OVector<T, DimMinimum<R, C>>, OVector<T, DimMinimum<R, C>>),
    ) -> (OMatrix<T, R, C>, OMatrix<T, R, C>)
    + use<T, R, C>,
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
    // As in `svdvals_jvp`: σ̇ᵢ = Σₖ uₖᵢ (Ȧ·vᵢ)ₖ
    let sigma_dot = OVector::<T, DimMinimum<R, C>>::from_fn_generic(
        svd.singular_values.shape_generic().0,
        U1,
        |i, _| u.column(i).dot(&(a_dot * v_t.row(i).transpose())),
    );
    let sigma = svd.singular_values;
    let (r, c) = a.shape_generic();
    // The rest in dynamic matrices: U (m×k), Vᵀ (k×n), P = Uᵀ·Ȧ·V (k×k), and the complements
    // (I − UUᵀ)·Ȧ·V = Ȧ·V − U·P (m×k) and Uᵀ·Ȧ·(I − VVᵀ) = Uᵀ·Ȧ − P·Vᵀ (k×n).
    let (m, n, k) = (a.nrows(), a.ncols(), sigma.len());
    let u = DMatrix::from_iterator(m, k, u.iter().copied());
    let v_t = DMatrix::from_iterator(k, n, v_t.iter().copied());
    let a_dot = DMatrix::from_iterator(m, n, a_dot.iter().copied());
    let a_dot_v = &a_dot * v_t.transpose();
    let p = u.tr_mul(&a_dot_v);
    let complement_u = a_dot_v - &u * &p;
    let complement_v = u.tr_mul(&a_dot) - &p * &v_t;
    let scale = sigma
        .iter()
        .fold(T::zero(), |s, x| Float::max(s, Float::abs(*x)));
    let tolerance = <T as Real>::from_f64(64.0 * k.max(1) as f64) * <T as Float>::epsilon() * scale;
    let inverse = move |x: T| {
        if Float::abs(x) <= tolerance {
            T::zero()
        } else {
            T::one() / x
        }
    };
    let half = <T as Real>::from_f64(0.5);
    let value = (sigma.clone(), sigma_dot);
    (
        value,
        move |(sigma_bar, w): (OVector<T, DimMinimum<R, C>>, OVector<T, DimMinimum<R, C>>)| {
            // G: the coefficients of Q = Uᵀ·E·V, plus diag(σ̄) for the first-order part.
            let mut g = DMatrix::<T>::zeros(k, k);
            for i in 0..k {
                g[(i, i)] += sigma_bar[i];
                for j in (0..k).filter(|j| *j != i) {
                    let sum = p[(i, j)] + p[(j, i)];
                    let difference = p[(j, i)] - p[(i, j)];
                    let minus = inverse(sigma[i] - sigma[j]);
                    let plus = inverse(sigma[i] + sigma[j]);
                    g[(j, i)] += half * w[i] * (sum * minus + difference * plus);
                    g[(i, j)] += half * w[i] * (sum * minus - difference * plus);
                }
            }
            let w_over_sigma = DMatrix::from_fn(k, 1, |i, _| w[i] * inverse(sigma[i]));
            let mut a_bar = &u * g * &v_t;
            // (I − UUᵀ)·Ȧ·V·diag(w/σ)·Vᵀ + U·diag(w/σ)·Uᵀ·Ȧ·(I − VVᵀ)
            let mut left = complement_u.clone();
            let mut right = complement_v.clone();
            for i in 0..k {
                left.column_mut(i).scale_mut(w_over_sigma[i]);
                right.row_mut(i).scale_mut(w_over_sigma[i]);
            }
            a_bar += left * &v_t + &u * right;
            let mut scaled = u.clone();
            for i in 0..k {
                scaled.column_mut(i).scale_mut(w[i]);
            }
            let a_dot_bar = scaled * &v_t;
            (
                OMatrix::<T, R, C>::from_iterator_generic(r, c, a_bar.iter().copied()),
                OMatrix::<T, R, C>::from_iterator_generic(r, c, a_dot_bar.iter().copied()),
            )
        },
    )
}
