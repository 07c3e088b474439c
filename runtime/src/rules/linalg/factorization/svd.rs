//! The singular value decomposition `A = U·diag(σ)·Vᵀ` of a square or rectangular `m×n`
//! matrix, thin (`k = min(m, n)` singular values, `U` `m×k` and `Vᵀ` `k×n`), and the singular
//! values alone.
//!
//! Sources: J. Townsend, "Differentiating the singular value decomposition" (2016); M. B.
//! Giles (2008), §3.2; for repeated singular values, the degenerate perturbation theory of
//! [`super::eigen`] applied to AᵀA.

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use super::{Order, clusters, dynamic, rotate_columns, shaped, sorted_eigenvectors, vector};
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{
    DMatrix, DVector, DefaultAllocator, Dim, DimDiff, DimMin, DimMinimum, DimSub, OMatrix, OVector,
    RealField, SVD, U1,
};
use num_traits::Float;

// ======================================================================================= svd

// A = U·diag(σ)·Vᵀ, σ decreasing (nalgebra's order). With P = Uᵀ·dA·V, its symmetric and
// antisymmetric parts Sy and As, Eᵢⱼ = 1/(σⱼ − σᵢ), Gᵢⱼ = 1/(σᵢ + σⱼ) (0 on the diagonal),
// D = diag(1/σ), K = E ∘ Sy and L = G ∘ As:
// Forward: dσ = diag(P), dU = U·(K + L) + (dA·V − U·P)·D, dV = V·(K − L) + (dAᵀ·U − V·Pᵀ)·D
// Reverse: with Jᵤ = Uᵀ·Ū and Jᵥ = Vᵀ·V̄ (V̄ the transpose of the adjoint of Vᵀ),
//          P̄ = diag(σ̄) + sym(E ∘ (Jᵤ + Jᵥ)) + asym(G ∘ (Jᵤ − Jᵥ)) − Jᵤ·D − D·Jᵥᵀ,
//          Ā = U·P̄·Vᵀ + Ū·D·Vᵀ + U·D·V̄ᵀ
// (Townsend 2016, whose F ∘ (P·Σ + Σ·Pᵀ) with Fᵢⱼ = 1/(σⱼ² − σᵢ²) is K + L; the terms in D
// are the complements (I − UUᵀ)·dA·V·D and (I − VVᵀ)·dAᵀ·U·D of a rectangular A).
//
// Repeated singular values, as for the eigenvalues of AᵀA (see `eigen`): a cluster is a run of
// singular values within the width of the rule's order, whose terms Eᵢⱼ are dropped (the
// singular vectors of a cluster turn together, U_c·W and V_c·W); the rules with a direction
// first turn each cluster to the eigenvectors W of sym(P_cc), so that their tangents dσ are
// its eigenvalues (the one-sided derivative, σ(A + tȦ) = σ + t·σ̇ + O(t²) as t → 0⁺) and the
// dropped terms multiply zeros. The second-order rules take the derivative of K, L and D
// through σ as a block on each cluster (dK_ab = E_ab·(dΣ_a·K_ab − K_ab·dΣ_b) and the like,
// dΣ_c = sym(P_cc)), as `eigh_jvp_vjp` does. Exact at a cluster, as for `eigh`: forward mode
// of every loss invariant under the joint turns; first and second derivatives of functions of
// the singular values symmetric within each cluster (Σ h(σᵢ), the nuclear norm) and of losses
// whose σ̄ is equal on each cluster and that see a cluster's singular vectors only through
// U_c·V_cᵀ (the polar factor U·Vᵀ). Not exact in reverse mode: losses that weigh the singular
// vectors of a cluster by their own singular values. The widths of the clusters are those of
// `eigen`, for the same reasons.
// Not handled: zero singular values, where σ has a kink: their terms in G and D are dropped
// (the one-sided derivative of the singular vectors nalgebra returns), and a cluster at 0 is
// not turned; the signs of the singular vectors are nalgebra's (dU keeps them).

/// The thin SVD `(U, σ, Vᵀ)`.
type Svd<T, R, C> = (
    OMatrix<T, R, DimMinimum<R, C>>,
    OVector<T, DimMinimum<R, C>>,
    OMatrix<T, DimMinimum<R, C>, C>,
);

/// The thin singular value decomposition `(U, σ, Vᵀ)` of `A = U·diag(σ)·Vᵀ`, singular values
/// in decreasing order (nalgebra's `svd(true, true)`, with `u` and `v_t` unwrapped).
///
/// ```
/// use matcalc_runtime::linalg::svd;
/// use nalgebra::{Matrix3x2, Matrix2};
/// let a = Matrix3x2::new(3.0, 0.0, 0.0, -2.0, 0.0, 0.0);
/// let (u, sigma, v_t) = svd(&a);
/// assert_eq!(sigma, nalgebra::Vector2::new(3.0, 2.0));
/// assert!((u * Matrix2::from_diagonal(&sigma) * v_t - a).norm() < 1e-14);
/// ```
pub fn svd<T, R, C>(a: &OMatrix<T, R, C>) -> Svd<T, R, C>
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
    (u, svd.singular_values, v_t)
}

/// Forward mode of [`svd`]: `((U, σ, Vᵀ), (dU, dσ, dVᵀ))` (formulas in the source, after
/// Townsend 2016). At repeated singular values the singular vectors of a cluster are those
/// adapted to `dA`, and `dσ` there is the eigenvalues of `sym(U_cᵀ·dA·V_c)`.
///
/// ```
/// use matcalc_runtime::linalg::svd_jvp;
/// use nalgebra::{Matrix2, Vector2};
/// let a = Matrix2::new(3.0f64, 0.0, 0.0, 1.0);
/// let ((_, sigma, _), (u_dot, sigma_dot, _)) = svd_jvp(&a, &Matrix2::new(0.0, 1.0, 0.0, 0.0));
/// assert_eq!(sigma, Vector2::new(3.0, 1.0));
/// assert_eq!(sigma_dot, Vector2::zeros());
/// // u₀ turns towards e₁ at rate σ₁/(σ₀² − σ₁²) = 1/8
/// assert!((u_dot[(1, 0)].abs() - 0.125).abs() < 1e-15);
/// ```
pub fn svd_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (Svd<T, R, C>, Svd<T, R, C>)
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
    let (u, sigma, v_t) = svd(a);
    let shapes = (u.shape_generic(), v_t.shape_generic());
    let mut thin = Thin::new(&u, &sigma, &v_t);
    let a_dot = dynamic(a_dot);
    let p = thin.adapt(&a_dot, Order::First);
    let tangent = thin.tangent(&a_dot, p, &thin.gaps(Order::First));
    (
        Thin::shaped(&thin.u, &thin.s, &thin.v, shapes),
        Thin::shaped(&tangent.u_dot, &tangent.s_dot, &tangent.v_dot, shapes),
    )
}

/// Reverse mode of [`svd`]: the value and the pullback `(Ū, σ̄, V̄ᵀ) ↦ Ā` (formula in the
/// source, after Townsend 2016).
///
/// ```
/// use matcalc_runtime::linalg::svd_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// let ((u, _, v_t), pullback) = svd_vjp(&Matrix2::new(3.0, 1.0, 0.0, 2.0));
/// // the gradient of σ₀ is u₀·v₀ᵀ
/// let a_bar = pullback((Matrix2::zeros(), Vector2::new(1.0, 0.0), Matrix2::zeros()));
/// assert!((a_bar - u.column(0) * v_t.row(0)).norm() < 1e-14);
/// ```
pub fn svd_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
) -> (
    Svd<T, R, C>,
    impl Fn(Svd<T, R, C>) -> OMatrix<T, R, C> + use<T, R, C>,
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
    let (u, sigma, v_t) = svd(a);
    let thin = Thin::new(&u, &sigma, &v_t);
    let gaps = thin.gaps(Order::First);
    let shape = a.shape_generic();
    (
        (u, sigma, v_t),
        move |(u_bar, sigma_bar, v_t_bar): Svd<T, R, C>| {
            let sigma_bar = DMatrix::from_diagonal(&vector(&sigma_bar));
            let (a_bar, _) = thin.pullback(
                &gaps,
                &dynamic(&u_bar),
                &sigma_bar,
                &dynamic(&v_t_bar).transpose(),
            );
            shaped(&a_bar, shape)
        },
    )
}

// Second order: the tangent program is P = Uᵀ·Ȧ·V, σ̇ = diag(P), K = E ∘ Sy, L = G ∘ As,
// Zᵤ = Ȧ·V − U·P, Zᵥ = Ȧᵀ·U − V·Pᵀ, U̇ = U·(K + L) + Zᵤ·D, V̇ = V·(K − L) + Zᵥ·D, with E, G
// and D functions of σ. Backwards from (Ū, σ̄, V̄, U̇̄, σ̇̄, V̇̄):
//   U̇, V̇:         Ω̄ᵤ = Uᵀ·U̇̄, Ω̄ᵥ = Vᵀ·V̇̄, Ū += U̇̄·(K + L)ᵀ, V̄ += V̇̄·(K − L)ᵀ,
//                  Z̄ᵤ = U̇̄·D, Z̄ᵥ = V̇̄·D, D̄ = Zᵤᵀ·U̇̄ + Zᵥᵀ·V̇̄
//   K, L:          K̄ = Ω̄ᵤ + Ω̄ᵥ, L̄ = Ω̄ᵤ − Ω̄ᵥ; P̄ gets sym(E ∘ K̄) + asym(G ∘ L̄)
//   E, G, D (σ):   dK_ab = E_ab·(dΣ_a·K_ab − K_ab·dΣ_b), dL_ab = −G_ab·(dΣ_a·L_ab + L_ab·dΣ_b),
//                  dD = −D·dΣ·D, so Σ̄ = the cluster blocks of
//                  (E ∘ K̄)·Kᵀ − Kᵀ·(E ∘ K̄) − (G ∘ L̄)·Lᵀ − Lᵀ·(G ∘ L̄) − D·D̄·D, plus diag(σ̄)
//                  (on the diagonal for single values: the derivatives of 1/(σⱼ − σᵢ), …)
//   Zᵤ, Zᵥ:        P̄ −= Uᵀ·Z̄ᵤ + Z̄ᵥᵀ·V, Ū += Ȧ·Z̄ᵥ − Z̄ᵤ·Pᵀ, V̄ += Ȧᵀ·Z̄ᵤ − Z̄ᵥ·P
//   P:             P̄ += diag(σ̇̄), Ū += Ȧ·V·P̄ᵀ, V̄ += Ȧᵀ·U·P̄, Ǡ = U·P̄·Vᵀ + Z̄ᵤ·Vᵀ + U·Z̄ᵥᵀ
//   then Ā is the first-order pullback of the accumulated (Ū, Σ̄, V̄), with sym(Σ̄) in place
// of diag(σ̄). Ǡ is the first-order pullback of (U̇̄, σ̇̄, V̇̄).

/// Second order of [`svd`], the reverse mode of [`svd_jvp`]: the value
/// `((U, σ, Vᵀ), (U̇, σ̇, V̇ᵀ))` and the pullback `((Ū, σ̄, V̄ᵀ), (U̇̄, σ̇̄, V̇ᵀ̄)) ↦ (Ā, Ǡ)`, with
/// `Ǡ` the first-order pullback of the tangents' adjoints and `Ā` that of the values' adjoints
/// plus the derivative of the tangent program (formulas in the source).
///
/// ```
/// use matcalc_runtime::linalg::{svd_jvp, svd_jvp_vjp, svd_vjp};
/// use nalgebra::{Matrix2, Vector2};
/// let (a, a_dot) = (Matrix2::new(3.0, 1.0, 0.0, 2.0), Matrix2::new(0.5, -1.0, 1.0, 0.0));
/// let (value, pullback) = svd_jvp_vjp(&a, &a_dot);
/// assert_eq!(value, svd_jvp(&a, &a_dot));
/// // seeded with the tangents' adjoints only, Ǡ is the first-order pullback
/// let seed = (Matrix2::new(1.0, 0.0, 0.0, 1.0), Vector2::new(1.0, 2.0), Matrix2::zeros());
/// let zero = (Matrix2::zeros(), Vector2::zeros(), Matrix2::zeros());
/// let (_, a_dot_bar) = pullback((zero, seed));
/// assert!((a_dot_bar - svd_vjp(&a).1(seed)).norm() < 1e-13);
/// ```
pub fn svd_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (Svd<T, R, C>, Svd<T, R, C>),
    impl Fn((Svd<T, R, C>, Svd<T, R, C>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
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
    let (u, sigma, v_t) = svd(a);
    let shapes = (u.shape_generic(), v_t.shape_generic());
    let shape = a.shape_generic();
    let mut thin = Thin::new(&u, &sigma, &v_t);
    let a_dot = dynamic(a_dot);
    let p = thin.adapt(&a_dot, Order::Second);
    let gaps = thin.gaps(Order::Second);
    let tangent = thin.tangent(&a_dot, p, &gaps);
    let value = (
        Thin::shaped(&thin.u, &thin.s, &thin.v, shapes),
        Thin::shaped(&tangent.u_dot, &tangent.s_dot, &tangent.v_dot, shapes),
    );
    (
        value,
        move |((u_bar, sigma_bar, v_t_bar), (u_dot_bar, sigma_dot_bar, v_t_dot_bar)): (
            Svd<T, R, C>,
            Svd<T, R, C>,
        )| {
            let seeds = Seeds {
                u_bar: dynamic(&u_bar),
                sigma_bar: vector(&sigma_bar),
                v_bar: dynamic(&v_t_bar).transpose(),
                u_dot_bar: dynamic(&u_dot_bar),
                sigma_dot_bar: vector(&sigma_dot_bar),
                v_dot_bar: dynamic(&v_t_dot_bar).transpose(),
            };
            let (a_bar, a_dot_bar) = thin.second_pullback(&gaps, &tangent, &a_dot, seeds);
            (shaped(&a_bar, shape), shaped(&a_dot_bar, shape))
        },
    )
}

/// The thin SVD in dynamic matrices: `U` (m×k), `σ`, and `V` (n×k, not `Vᵀ`).
struct Thin<T: Real + RealField> {
    u: DMatrix<T>,
    s: DVector<T>,
    v: DMatrix<T>,
}

/// The coefficients of the rules at σ: `E`, `G`, `D = diag(d)` (terms dropped as the section
/// comment says), and the cluster of each singular value.
struct Gaps<T: Real + RealField> {
    e: DMatrix<T>,
    g: DMatrix<T>,
    d: DVector<T>,
    label: Vec<usize>,
}

/// The tangent program's values along `Ȧ` (see the second-order comment).
struct Tangent<T: Real + RealField> {
    p: DMatrix<T>,
    k: DMatrix<T>,
    l: DMatrix<T>,
    z_u: DMatrix<T>,
    z_v: DMatrix<T>,
    u_dot: DMatrix<T>,
    s_dot: DVector<T>,
    v_dot: DMatrix<T>,
}

/// The adjoints a second-order pullback is seeded with, `V̄` and `V̇̄` as n×k.
struct Seeds<T: Real + RealField> {
    u_bar: DMatrix<T>,
    sigma_bar: DVector<T>,
    v_bar: DMatrix<T>,
    u_dot_bar: DMatrix<T>,
    sigma_dot_bar: DVector<T>,
    v_dot_bar: DMatrix<T>,
}

impl<T: Real + RealField> Thin<T> {
    fn new<R, K, C>(u: &OMatrix<T, R, K>, s: &OVector<T, K>, v_t: &OMatrix<T, K, C>) -> Self
    where
        R: Dim,
        K: Dim,
        C: Dim,
        DefaultAllocator: Allocator<R, K> + Allocator<K> + Allocator<K, C>,
    {
        Thin {
            u: dynamic(u),
            s: vector(s),
            v: dynamic(v_t).transpose(),
        }
    }

    /// `(U, σ, Vᵀ)` (or their tangents) in the shapes of the value.
    fn shaped<R, K, C>(
        u: &DMatrix<T>,
        s: &DVector<T>,
        v: &DMatrix<T>,
        (u_shape, v_t_shape): ((R, K), (K, C)),
    ) -> (OMatrix<T, R, K>, OVector<T, K>, OMatrix<T, K, C>)
    where
        R: Dim,
        K: Dim,
        C: Dim,
        DefaultAllocator: Allocator<R, K> + Allocator<K> + Allocator<K, C>,
    {
        (
            shaped(u, u_shape),
            shaped(s, (u_shape.1, U1)),
            shaped(&v.transpose(), v_t_shape),
        )
    }

    /// A singular value counts as 0 up to 64·k·ε·max σ.
    fn is_zero(&self, x: T) -> bool {
        let scale = self.s.iter().fold(T::zero(), |m, x| Float::max(m, *x));
        let k = <T as Real>::from_f64(64.0 * self.s.len().max(1) as f64);
        Float::abs(x) <= k * <T as Float>::epsilon() * scale
    }

    fn gaps(&self, order: Order) -> Gaps<T> {
        let k = self.s.len();
        let mut label = vec![0; k];
        for (c, cluster) in clusters(self.s.as_slice(), order).iter().enumerate() {
            for i in cluster {
                label[*i] = c;
            }
        }
        let s = &self.s;
        let e = DMatrix::from_fn(k, k, |i, j| {
            if label[i] == label[j] {
                T::zero()
            } else {
                T::one() / (s[j] - s[i])
            }
        });
        let g = DMatrix::from_fn(k, k, |i, j| {
            if i == j || self.is_zero(s[i] + s[j]) {
                T::zero()
            } else {
                T::one() / (s[i] + s[j])
            }
        });
        let d = s.map(|x| {
            if self.is_zero(x) {
                T::zero()
            } else {
                T::one() / x
            }
        });
        Gaps { e, g, d, label }
    }

    /// Turns the singular vectors of each cluster of nonzero singular values to the
    /// eigenvectors of sym(P_cc), and returns P = Uᵀ·Ȧ·V in the turned basis.
    fn adapt(&mut self, a_dot: &DMatrix<T>, order: Order) -> DMatrix<T> {
        let p = self.u.tr_mul(&(a_dot * &self.v));
        let mut turned = false;
        for cluster in clusters(self.s.as_slice(), order) {
            if cluster.len() < 2 || self.is_zero(self.s[cluster[0]]) {
                continue;
            }
            // σ decreases with the index, so the block's eigenvalues go in decreasing order
            // to the cluster's indices in increasing order: σ + t·σ̇ stays sorted.
            let mut members = cluster;
            members.sort_unstable();
            let n = members.len();
            let block = DMatrix::from_fn(n, n, |a, b| {
                let (i, j) = (members[a], members[b]);
                (p[(i, j)] + p[(j, i)]) * <T as Real>::from_f64(0.5)
            });
            let increasing = sorted_eigenvectors(block);
            let w = DMatrix::from_fn(n, n, |i, a| increasing[(i, n - 1 - a)]);
            rotate_columns(&mut self.u, &members, &w);
            rotate_columns(&mut self.v, &members, &w);
            turned = true;
        }
        if turned {
            self.u.tr_mul(&(a_dot * &self.v))
        } else {
            p
        }
    }

    fn tangent(&self, a_dot: &DMatrix<T>, p: DMatrix<T>, gaps: &Gaps<T>) -> Tangent<T> {
        let half = <T as Real>::from_f64(0.5);
        let p_t = p.transpose();
        let k = gaps.e.component_mul(&((&p + &p_t) * half));
        let l = gaps.g.component_mul(&((&p - &p_t) * half));
        let z_u = a_dot * &self.v - &self.u * &p;
        let z_v = a_dot.tr_mul(&self.u) - &self.v * &p_t;
        let u_dot = &self.u * (&k + &l) + scale_columns(&z_u, &gaps.d);
        let v_dot = &self.v * (&k - &l) + scale_columns(&z_v, &gaps.d);
        let s_dot = p.diagonal();
        Tangent {
            p,
            k,
            l,
            z_u,
            z_v,
            u_dot,
            s_dot,
            v_dot,
        }
    }

    /// The first-order pullback of (Ū, Σ̄, V̄), with Σ̄ block-diagonal (diag(σ̄) for a
    /// first-order rule): Ā = U·P̄·Vᵀ + Ū·D·Vᵀ + U·D·V̄ᵀ, and P̄.
    fn pullback(
        &self,
        gaps: &Gaps<T>,
        u_bar: &DMatrix<T>,
        sigma_bar: &DMatrix<T>,
        v_bar: &DMatrix<T>,
    ) -> (DMatrix<T>, DMatrix<T>) {
        let half = <T as Real>::from_f64(0.5);
        let (j_u, j_v) = (self.u.tr_mul(u_bar), self.v.tr_mul(v_bar));
        let sum = gaps.e.component_mul(&(&j_u + &j_v));
        let difference = gaps.g.component_mul(&(&j_u - &j_v));
        let p_bar = (sigma_bar + sigma_bar.transpose() + &sum + sum.transpose()) * half
            + (&difference - difference.transpose()) * half
            - scale_columns(&j_u, &gaps.d)
            - scale_columns(&j_v, &gaps.d).transpose();
        let a_bar = &self.u * &p_bar * self.v.transpose()
            + scale_columns(u_bar, &gaps.d) * self.v.transpose()
            + &self.u * scale_columns(v_bar, &gaps.d).transpose();
        (a_bar, p_bar)
    }

    /// (Ā, Ǡ) of the second-order rule (see the second-order comment).
    fn second_pullback(
        &self,
        gaps: &Gaps<T>,
        t: &Tangent<T>,
        a_dot: &DMatrix<T>,
        seeds: Seeds<T>,
    ) -> (DMatrix<T>, DMatrix<T>) {
        let Seeds {
            u_bar,
            sigma_bar,
            v_bar,
            u_dot_bar,
            sigma_dot_bar,
            v_dot_bar,
        } = seeds;
        let (a_dot_bar, p_bar) = self.pullback(
            gaps,
            &u_dot_bar,
            &DMatrix::from_diagonal(&sigma_dot_bar),
            &v_dot_bar,
        );
        let (omega_u_bar, omega_v_bar) = (self.u.tr_mul(&u_dot_bar), self.v.tr_mul(&v_dot_bar));
        let (z_u_bar, z_v_bar) = (
            scale_columns(&u_dot_bar, &gaps.d),
            scale_columns(&v_dot_bar, &gaps.d),
        );
        let d_bar = t.z_u.tr_mul(&u_dot_bar) + t.z_v.tr_mul(&v_dot_bar);
        // Σ̄: the derivatives of E, G and D through σ, on the blocks of the clusters
        let e_k_bar = gaps.e.component_mul(&(&omega_u_bar + &omega_v_bar));
        let g_l_bar = gaps.g.component_mul(&(&omega_u_bar - &omega_v_bar));
        let (k_t, l_t) = (t.k.transpose(), t.l.transpose());
        let mut blocks = &e_k_bar * &k_t - &k_t * &e_k_bar - &g_l_bar * &l_t - &l_t * &g_l_bar;
        let k = self.s.len();
        for j in 0..k {
            for i in 0..k {
                blocks[(i, j)] = if gaps.label[i] == gaps.label[j] {
                    blocks[(i, j)] - gaps.d[i] * d_bar[(i, j)] * gaps.d[j]
                } else {
                    T::zero()
                };
            }
            blocks[(j, j)] += sigma_bar[j];
        }
        // Ū and V̄: the values' adjoints plus the derivative of the tangent program
        let u_bar = u_bar + &u_dot_bar * (&t.k + &t.l).transpose() + a_dot * &z_v_bar
            - &z_u_bar * t.p.transpose()
            + a_dot * &self.v * p_bar.transpose();
        let v_bar = v_bar + &v_dot_bar * (&t.k - &t.l).transpose() + a_dot.tr_mul(&z_u_bar)
            - &z_v_bar * &t.p
            + a_dot.tr_mul(&self.u) * &p_bar;
        let (a_bar, _) = self.pullback(gaps, &u_bar, &blocks, &v_bar);
        (a_bar, a_dot_bar)
    }
}

/// X·diag(d).
fn scale_columns<T: Real + RealField>(x: &DMatrix<T>, d: &DVector<T>) -> DMatrix<T> {
    let mut scaled = x.clone();
    for (j, w) in d.iter().enumerate() {
        scaled.column_mut(j).scale_mut(*w);
    }
    scaled
}

// ================================================================================== svdvals

// σ(A) alone: the rules of `svd` with no adjoint for the singular vectors. Forward:
// dσᵢ = uᵢᵀ·dA·vᵢ; reverse: Ā = U·diag(σ̄)·Vᵀ (Giles §3.2); second order: `svd_jvp_vjp`'s, whose
// derivative of the tangent program through U and V is the singular-value Hessian (with
// P = Uᵀ·Ȧ·V and w = σ̇̄, Σⱼ≠ᵢ ½·wᵢ·[(Pⱼᵢ + Pᵢⱼ)²/(σᵢ − σⱼ) + (Pⱼᵢ − Pᵢⱼ)²/(σᵢ + σⱼ)] plus the
// complements of a rectangular A, from the symmetric embedding [[0, A], [Aᵀ, 0]]). Repeated
// singular values as in `svd`: the tangents are those of the adapted basis, so the second
// derivatives of functions symmetric within each cluster are exact.

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

/// Forward mode of [`svdvals`]: `(σ, dσ)` with `dσᵢ = uᵢᵀ·dA·vᵢ` (at repeated singular values,
/// the eigenvalues of `sym(U_cᵀ·dA·V_c)` on each cluster, the one-sided derivative).
///
/// ```
/// use matcalc_runtime::linalg::svdvals_jvp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, sigma_dot) = svdvals_jvp(&Matrix2::new(3.0, 0.0, 0.0, 1.0), &Matrix2::new(1.0, 5.0, 5.0, 2.0));
/// assert!((sigma_dot - Vector2::new(1.0, 2.0)).norm() < 1e-14);
/// // at I, the singular values of I + tE move by the eigenvalues of sym(E)
/// let (_, sigma_dot) = svdvals_jvp(&Matrix2::identity(), &Matrix2::new(0.0, 1.0, 1.0, 0.0));
/// assert!((sigma_dot - Vector2::new(1.0, -1.0)).norm() < 1e-14);
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
    // diag(P) in the adapted basis, without the tangents of the singular vectors
    let (u, sigma, v_t) = svd(a);
    let mut thin = Thin::new(&u, &sigma, &v_t);
    let p = thin.adapt(&dynamic(a_dot), Order::First);
    let sigma_dot = shaped(&p.diagonal(), sigma.shape_generic());
    (sigma, sigma_dot)
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
    // the σ̄ part of `svd_vjp`'s pullback, U·diag(σ̄)·Vᵀ, alone
    let (u, sigma, v_t) = svd(a);
    let thin = Thin::new(&u, &sigma, &v_t);
    let shape = a.shape_generic();
    (sigma, move |sigma_bar| {
        let a_bar = scale_columns(&thin.u, &vector(&sigma_bar)) * thin.v.transpose();
        shaped(&a_bar, shape)
    })
}

/// Second order of [`svdvals`], the reverse mode of [`svdvals_jvp`]: the value `(σ, σ̇)` and
/// the pullback `(σ̄, σ̇̄) ↦ (Ā, Ǡ)`, that of [`svd_jvp_vjp`] with no adjoints for the
/// singular vectors: `Ǡ = U·diag(σ̇̄)·Vᵀ` and `Ā` the first-order pullback of `σ̄` plus the
/// singular-value Hessian along `Ȧ` weighted by `σ̇̄`. Terms of equal singular values, and
/// `1/σᵢ` at a zero singular value, are dropped.
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
    let (((u, sigma, v_t), (_, sigma_dot, _)), pullback) = svd_jvp_vjp(a, a_dot);
    let (u_zero, v_t_zero) = (u.map(|_| T::zero()), v_t.map(|_| T::zero()));
    ((sigma, sigma_dot), move |(sigma_bar, sigma_dot_bar)| {
        pullback((
            (u_zero.clone(), sigma_bar, v_t_zero.clone()),
            (u_zero.clone(), sigma_dot_bar, v_t_zero.clone()),
        ))
    })
}
