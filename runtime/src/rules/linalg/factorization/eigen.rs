//! The symmetric eigenproblem `S = Q·diag(λ)·Qᵀ`: eigenvalues and eigenvectors (`eigh`), and
//! eigenvalues alone (`eigvalsh`).
//!
//! Sources: M. B. Giles (2008), §3.1; Bright, Edelman and Johnson, arXiv 2501.14787 (MIT
//! 18.S096), §8.1 (derivatives of eigenproblems).

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use super::symmetric_part;
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{
    DefaultAllocator, Dim, DimDiff, DimSub, OMatrix, OVector, RealField, SymmetricEigen, U1,
};
use num_traits::Float;

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
