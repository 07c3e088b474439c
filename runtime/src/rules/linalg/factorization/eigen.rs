//! The symmetric eigenproblem `S = Q·diag(λ)·Qᵀ`: eigenvalues and eigenvectors (`eigh`), and
//! eigenvalues alone (`eigvalsh`).
//!
//! Sources: M. B. Giles (2008), §3.1; Bright, Edelman and Johnson, arXiv 2501.14787 (MIT
//! 18.S096), §8.1 (derivatives of eigenproblems).

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use super::{Order, clusters, rotate_columns, sorted_eigenvectors, symmetric_part};
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{
    DMatrix, DefaultAllocator, Dim, DimDiff, DimSub, OMatrix, OVector, RealField, SymmetricEigen,
    U1,
};

// ============================================================================ eigh, eigvalsh

// S = QΛQᵀ for a symmetric S, Q orthogonal, Λ = diag(λ). With M = Qᵀ·dS·Q (dS symmetrized) and
// Fᵢⱼ = 1/(λⱼ − λᵢ) for i ≠ j, 0 on the diagonal:
// Forward: dλᵢ = qᵢᵀ·dS·qᵢ = Mᵢᵢ, dQ = Q·(F ∘ M)
// Reverse: S̄ = sym(Q·(diag(λ̄) + F ∘ (Qᵀ·Q̄))·Qᵀ)
// (Giles §3.1; 18.S096 §8.1; Seeger et al., "Auto-differentiating linear algebra", 2017.)
//
// Repeated eigenvalues. A cluster is a run of eigenvalues whose neighbours differ by at most
// a width, and the terms Fᵢⱼ inside a cluster are dropped (set to 0). The width depends on the
// order of the rule. For a gap g, treating it as a cluster errs by O(g) for the losses exact
// at a cluster (below) and by O(1) for others, while resolving it carries terms of size 1/g in
// first order and 1/g² in second order, which cancel in those losses to a rounding error of
// about ε/g and ε/g². So the first-order rules (`_jvp`, `_vjp`) resolve every gap above
// rounding, 64·n·ε·max|λ| (a matrix function Q·diag(h(λ))·Qᵀ stays exact to about ε/g), and
// the second-order rules (`_jvp_vjp`) treat gaps up to ε^(1/3)/4·max|λ| (about 1.5e-6·max|λ| in
// f64) as clusters, where O(g) and ε/g² meet, near 1e-6 relative; at such a gap the value and
// the first-order adjoints of a second-order rule are the cluster's, not the first-order
// rule's.
//
// The rules that have a direction Ṡ (`_jvp`, `_jvp_vjp`) first rotate the cluster's columns
// Q_c of Q to the eigenvectors of the block Q_cᵀ·Ṡ·Q_c, so that M = Qᵀ·Ṡ·Q is diagonal on the
// cluster (degenerate perturbation theory: T. Kato, "Perturbation Theory for Linear
// Operators", 1995, §II.2; J. J. Sakurai, "Modern Quantum Mechanics", §5.2). The eigenvalue
// tangents in the cluster are then the eigenvalues of the block, matched in increasing order
// with the cluster's eigenvalues in increasing order: λ(S + tṠ) = λ + t·λ̇ + O(t²) as t → 0⁺,
// the one-sided derivative. In that basis the dropped terms multiply Mᵢⱼ = 0, so the first and
// second derivatives of a function of the eigenvalues that is symmetric within each cluster
// (Σ h(λᵢ), tr, det, norms) are exact: they are the spectral-function derivatives of A. S.
// Lewis and H. S. Sendov, "Twice differentiable spectral functions", SIAM J. Matrix Anal.
// Appl. 23 (2001), whose Hessian is basis-free within a cluster once the direction is
// diagonal there.
//
// What holds for eigenvectors inside a cluster: they are not differentiable (not even
// continuous) one by one. `eigh` and `eigh_vjp` return nalgebra's basis; `eigh_jvp` and
// `eigh_jvp_vjp` return the basis adapted to Ṡ (the limit of the eigenvectors of S + tṠ as
// t → 0⁺ when the block's eigenvalues are distinct), with Q̇ orthogonal to the cluster
// (Q_cᵀ·Q̇_c = 0). Exact at a cluster:
// - forward mode, for every loss invariant under rotations inside each cluster, matrix
//   functions Q·diag(h(λ))·Qᵀ included;
// - reverse mode and second order, for losses whose eigenvalue adjoints λ̄ are equal on each
//   cluster and that see a cluster's eigenvectors only through its projector Σ_c qᵢqᵢᵀ:
//   symmetric functions of the eigenvalues, ⟨W, P_c⟩, and products and sums of those.
// Not exact in reverse mode and second order: a loss that weighs the eigenvectors of a cluster
// by their own eigenvalues, such as Q·diag(h(λ))·Qᵀ with h′ ≠ 0 there, whose λ̄ᵢ =
// h′(λᵢ)·qᵢᵀ·W·qᵢ differ inside the cluster: with no direction to adapt to, the reverse rules
// take the diagonal of a block in nalgebra's basis (use `expm`, or a custom rule, for such
// matrix functions). At a cluster the one-sided tangents are not linear in Ṡ (the eigenvalues
// of a block are not); the derivatives of the exact losses above are.
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
/// `dQ = Q·(F ∘ (Qᵀ·dS·Q))`, `Fᵢⱼ = 1/(λⱼ − λᵢ)`. At repeated eigenvalues `Q` is the basis
/// adapted to `dS` (in each cluster, the eigenvectors of `Q_cᵀ·dS·Q_c`, whose eigenvalues are
/// the one-sided `dλ`) and the terms inside a cluster are dropped.
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
    let (q, m) = adapted_basis(&lambda, q, &symmetric_part(s_dot), Order::First);
    let lambda_dot = m.diagonal();
    let q_dot = &q * gap_inverses(&lambda, Order::First).component_mul(&m);
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
    let f = gap_inverses(&lambda, Order::First);
    let value = (lambda, q.clone());
    (value, move |(lambda_bar, q_bar): Eigh<T, D>| {
        eigh_pullback(&q, &f, OMatrix::from_diagonal(&lambda_bar), &q_bar)
    })
}

/// sym(Q·(Λ̄ + F ∘ (Qᵀ·Q̄))·Qᵀ), the adjoint of S for `(λ, Q) = eigh(S)`, with Λ̄ = diag(λ̄),
/// or block-diagonal on the clusters of equal eigenvalues.
fn eigh_pullback<T, D>(
    q: &OMatrix<T, D, D>,
    f: &OMatrix<T, D, D>,
    lambda_bar: OMatrix<T, D, D>,
    q_bar: &OMatrix<T, D, D>,
) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let inner = f.component_mul(&q.tr_mul(q_bar)) + lambda_bar;
    symmetric_part(&(q * inner * q.transpose()))
}

// Second order: the tangent program is Ṡ = sym(Ṡ₀), M = Qᵀ·Ṡ·Q, λ̇ = diag(M), K = F ∘ M,
// Q̇ = Q·K, with Fᵢⱼ = 1/(λⱼ − λᵢ) a function of λ (dFᵢⱼ = Fᵢⱼ²·(dλᵢ − dλⱼ)). Backwards from
// (λ̄, Q̄, λ̇̄, Q̇̄):
//   Q̇ = Q·K:        K̄ = Qᵀ·Q̇̄,  Q̄ += Q̇̄·Kᵀ
//   K = F ∘ M:      M̄ = F ∘ K̄ + diag(λ̇̄),  F̄ = M ∘ K̄
//   F(λ):           λ̄ₖ += Σⱼ F̄ₖⱼ·Fₖⱼ² − Σᵢ F̄ᵢₖ·Fᵢₖ², and on a cluster a block (below)
//   M = Qᵀ·Ṡ·Q:     Ṡ̄ = sym(Q·M̄·Qᵀ),  Q̄ += Ṡ·Q·(M̄ + M̄ᵀ)
//   then S̄ is the first-order pullback of the accumulated (λ̄, Q̄).
// The dropped terms of F (equal eigenvalues) are constants 0 here too, and Q is the basis
// adapted to Ṡ as in `eigh_jvp`, so M vanishes off the diagonal of each cluster.
// Clusters: the eigenvalues of a cluster are not differentiable one by one, but the block
// K_ab of K between clusters a and b solves K_ab·Λ_b − Λ_a·K_ab = M_ab with Λ_c = Q_cᵀ·S·Q_c
// (Λ_c = λ_c·I at S), which is smooth in S; its derivative dK_ab = F_ab·(dΛ_a·K_ab − K_ab·dΛ_b)
// takes the whole block dΛ_c = Q_cᵀ·dS·Q_c, not its diagonal alone (the Hessian of a loss of
// the projector onto a cluster needs the rest). Its adjoint is the block-diagonal
// Λ̄ = blocks of (F ∘ K̄)·Kᵀ − Kᵀ·(F ∘ K̄), which for single eigenvalues is the λ̄ₖ above;
// S̄ gets Q·sym(Λ̄)·Qᵀ.

/// Second order of [`eigh`], the reverse mode of [`eigh_jvp`]: the value
/// `((λ, Q), (λ̇, Q̇))` with `M = Qᵀ·sym(Ṡ)·Q`, `λ̇ = diag(M)`, `Q̇ = Q·(F ∘ M)`, and the pullback
/// `((λ̄, Q̄), (λ̇̄, Q̇̄)) ↦ (S̄, Ṡ̄)`, both symmetric: with `K̄ = Qᵀ·Q̇̄` and
/// `M̄ = F ∘ K̄ + diag(λ̇̄)`, `Ṡ̄ = sym(Q·M̄·Qᵀ)` (the first-order pullback of `(λ̇̄, Q̇̄)`) and
/// `S̄` the first-order pullback of `(λ̄ + δλ̄, Q̄ + Q̇̄·(F ∘ M)ᵀ + sym(Ṡ)·Q·(M̄ + M̄ᵀ))`, where
/// `δλ̄` carries the derivative of `F` through `λ`. Terms of equal eigenvalues are dropped as
/// in the first-order rules, in the basis adapted to `Ṡ` (see [`eigh_jvp`]).
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
    let (q, m) = adapted_basis(&lambda, q, &s_dot, Order::Second);
    let lambda_dot = m.diagonal();
    let f = gap_inverses(&lambda, Order::Second);
    let k = f.component_mul(&m);
    let q_dot = &q * &k;
    let value = ((lambda, q.clone()), (lambda_dot, q_dot));
    let (k_t, s_dot_q) = (k.transpose(), s_dot * &q);
    let (label, n) = (cluster_labels(&value.0.0, Order::Second), q.nrows());
    (
        value,
        move |((lambda_bar, q_bar), (lambda_dot_bar, q_dot_bar)): (Eigh<T, D>, Eigh<T, D>)| {
            let k_bar = q.tr_mul(&q_dot_bar);
            let mut m_bar = f.component_mul(&k_bar);
            for i in 0..m_bar.nrows() {
                m_bar[(i, i)] += lambda_dot_bar[i];
            }
            let s_dot_bar = symmetric_part(&(&q * &m_bar * q.transpose()));
            // Λ̄: the blocks on the clusters of (F ∘ K̄)·Kᵀ − Kᵀ·(F ∘ K̄), plus diag(λ̄).
            let f_k_bar = f.component_mul(&k_bar);
            let mut blocks = &f_k_bar * &k_t - &k_t * &f_k_bar;
            for j in 0..n {
                for i in 0..n {
                    if label[i] != label[j] {
                        blocks[(i, j)] = T::zero();
                    }
                }
                blocks[(j, j)] += lambda_bar[j];
            }
            let q_bar = q_bar + &q_dot_bar * &k_t + &s_dot_q * (&m_bar + m_bar.transpose());
            (eigh_pullback(&q, &f, blocks, &q_bar), s_dot_bar)
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

/// Forward mode of [`eigvalsh`]: `(λ, dλ)` with `dλᵢ = qᵢᵀ·dS·qᵢ`. At repeated eigenvalues
/// `dλ` on a cluster is the eigenvalues of `Q_cᵀ·dS·Q_c` (degenerate perturbation theory), in
/// the order of the cluster's eigenvalues: the one-sided derivative.
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
    let (_, m) = adapted_basis(&lambda, q, &symmetric_part(s_dot), Order::First);
    (lambda, m.diagonal())
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
// Repeated eigenvalues: Q is the basis adapted to Ṡ, so M is diagonal on each cluster and the
// dropped terms Fₖᵢ·Mₖᵢ inside it are 0 exactly. For h symmetric within clusters the caller's
// λ̄ = ∇²h·λ̇ then sits on the eigenvalues of the block, and S̄ is the Lewis–Sendov Hessian
// applied to Ṡ; in another basis (nalgebra's) diag(λ̄) would miss the off-diagonal entries of
// the block (at I, the Hessian of Σλᵢ² along Ṡ = e₁e₂ᵀ + e₂e₁ᵀ is 2·Ṡ, all of it there).
// Individual repeated eigenvalues are not twice differentiable.

/// Second order of [`eigvalsh`], the reverse mode of [`eigvalsh_jvp`]: the value `(λ, λ̇)` with
/// `λ̇ᵢ = qᵢᵀ·sym(Ṡ)·qᵢ` and the pullback `(λ̄, λ̇̄) ↦ (Q·(diag(λ̄) + G)·Qᵀ, Q·diag(λ̇̄)·Qᵀ)` with
/// `Gₖᵢ = (λ̇̄ᵢ − λ̇̄ₖ)·(qₖᵀ·sym(Ṡ)·qᵢ)/(λᵢ − λₖ)` (0 for equal eigenvalues). Both adjoints are
/// symmetric. At repeated eigenvalues `Q` is the basis adapted to `Ṡ` (see [`eigvalsh_jvp`]),
/// which makes the Hessian of a function symmetric within each cluster exact.
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
    let (q, m) = adapted_basis(&lambda, q, &symmetric_part(s_dot), Order::Second);
    let lambda_dot = m.diagonal();
    let fm = gap_inverses(&lambda, Order::Second).component_mul(&m);
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

/// Fᵢⱼ = 1/(λⱼ − λᵢ) for i ≠ j, 0 on the diagonal and inside each cluster of equal eigenvalues
/// (see [`clusters`]).
fn gap_inverses<T, D>(lambda: &OVector<T, D>, order: Order) -> OMatrix<T, D, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let (d, _) = lambda.shape_generic();
    let label = cluster_labels(lambda, order);
    OMatrix::<T, D, D>::from_fn_generic(d, d, |i, j| {
        if label[i] == label[j] {
            T::zero()
        } else {
            T::one() / (lambda[j] - lambda[i])
        }
    })
}

/// For each eigenvalue, the number of its cluster.
fn cluster_labels<T, D>(lambda: &OVector<T, D>, order: Order) -> Vec<usize>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D>,
{
    let mut label = vec![0; lambda.len()];
    for (k, cluster) in clusters(lambda.as_slice(), order).iter().enumerate() {
        for i in cluster {
            label[*i] = k;
        }
    }
    label
}

/// The eigenbasis of S adapted to the direction Ṡ (degenerate perturbation theory): `Q` with
/// the columns Q_c of each cluster of equal eigenvalues turned into Q_c·W, where W holds the
/// eigenvectors of the block Q_cᵀ·Ṡ·Q_c in increasing order of eigenvalue. Returns that basis
/// and M = Qᵀ·Ṡ·Q, whose block on each cluster is then diagonal (to rounding) and carries the
/// block's eigenvalues in the order of the cluster's eigenvalues.
fn adapted_basis<T, D>(
    lambda: &OVector<T, D>,
    mut q: OMatrix<T, D, D>,
    s_dot: &OMatrix<T, D, D>,
    order: Order,
) -> (OMatrix<T, D, D>, OMatrix<T, D, D>)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D>,
{
    let m = q.tr_mul(&(s_dot * &q));
    let repeated: Vec<Vec<usize>> = clusters(lambda.as_slice(), order)
        .into_iter()
        .filter(|c| c.len() > 1)
        .collect();
    if repeated.is_empty() {
        return (q, m);
    }
    for cluster in &repeated {
        let block = DMatrix::from_fn(cluster.len(), cluster.len(), |a, b| {
            m[(cluster[a], cluster[b])]
        });
        rotate_columns(&mut q, cluster, &sorted_eigenvectors(block));
    }
    let m = q.tr_mul(&(s_dot * &q));
    (q, m)
}
