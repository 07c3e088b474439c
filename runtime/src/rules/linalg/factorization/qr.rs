//! The thin QR factorization `A = QR` of a full-column-rank `m×n` matrix, `m ≥ n`: `Q` is
//! `m×n` with orthonormal columns and `R` is `n×n` upper triangular with a positive diagonal.
//!
//! Sources: S. F. Walter, L. Lehmann and R. Lamour, "On evaluating higher-order derivatives of
//! the QR decomposition of tall matrices with full column rank in forward and reverse mode
//! algorithmic differentiation", Optimization Methods and Software 27 (2012); the same
//! pullback in H.-J. Liao, J.-G. Liu, L. Wang and T. Xiang, "Differentiable programming tensor
//! networks", Phys. Rev. X 9 (2019), eq. (B7), and D. A. P. Roberts and L. R. Roberts, "QR and
//! LQ decomposition matrix backpropagation algorithms for square, wide, and deep matrices",
//! arXiv 2009.10071 (2020).

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use super::{dynamic, shaped};
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{DMatrix, DefaultAllocator, Dim, DimMin, DimMinimum, OMatrix, QR, RealField};

// ========================================================================================= qr

// A = QR with QᵀQ = I and R upper triangular with rᵢᵢ > 0: with this sign convention the map
// A ↦ (Q, R) is smooth on full-column-rank matrices (nalgebra's Householder QR chooses the
// signs of rᵢᵢ by the pivots, so its factors jump where a pivot changes sign; `qr` flips the
// columns of Q and the rows of R where rᵢᵢ < 0). With C = Qᵀ·dA·R⁻¹ and
// K = triu(C) + tril₋(C)ᵀ (the upper triangle of C plus the transpose of its strict lower
// triangle, so that Qᵀ·dQ = C − K is antisymmetric and dR·R⁻¹ = K upper triangular):
// Forward: dR = K·R, dQ = dA·R⁻¹ − Q·K                               (Walter et al. 2012, §3)
// Reverse: with N = R̄·Rᵀ − Qᵀ·Q̄ and C̄ = triu(N) + tril₋(Nᵀ) (N's upper triangle mirrored),
//          Ā = (Q̄ + Q·C̄)·R⁻ᵀ                                          (Liao et al. 2019, B7)
// The reverse rule is the adjoint of the forward one: ⟨Q̄, dQ⟩ + ⟨R̄, dR⟩ = ⟨Q̄·R⁻ᵀ, dA⟩ +
// ⟨N, K⟩, and ⟨N, triu(C) + tril₋(C)ᵀ⟩ = ⟨C̄, C⟩. Only the upper triangle of R̄ counts (R has
// no other), and the rule reads only that.
// Not handled: wide matrices (m < n) panic, as the factors are then not determined by a
// smooth map of this form; a rank-deficient A (rᵢᵢ = 0) gives infinite or NaN derivatives, as
// R⁻¹ does, without a panic.

/// The factors `(Q, R)` of a thin QR factorization.
type Qr<T, R, C> = (
    OMatrix<T, R, DimMinimum<R, C>>,
    OMatrix<T, DimMinimum<R, C>, C>,
);

/// The thin QR factorization `A = QR` of an `m×n` matrix with `m ≥ n`: `Q` (`m×n`, orthonormal
/// columns) and `R` (`n×n`, upper triangular with a positive diagonal). nalgebra's
/// `qr().q()` and `qr().r()` differ from these by the signs of some columns of `Q` and the
/// same rows of `R`.
///
/// # Panics
///
/// If `A` has more columns than rows.
///
/// ```
/// use matcalc_runtime::linalg::qr;
/// use nalgebra::Matrix3x2;
/// let a = Matrix3x2::new(3.0, 1.0, 0.0, 2.0, 4.0, 0.0);
/// let (q, r) = qr(&a);
/// assert!((q * r - a).norm() < 1e-14);
/// assert!(r[(0, 0)] > 0.0 && r[(1, 1)] > 0.0 && r[(1, 0)] == 0.0);
/// assert!((q.transpose() * q - nalgebra::Matrix2::identity()).norm() < 1e-14);
/// ```
pub fn qr<T, R, C>(a: &OMatrix<T, R, C>) -> Qr<T, R, C>
where
    T: Real + RealField,
    R: DimMin<C>,
    C: Dim,
    DefaultAllocator: Allocator<R, C>
        + Allocator<R>
        + Allocator<C>
        + Allocator<DimMinimum<R, C>>
        + Allocator<R, DimMinimum<R, C>>
        + Allocator<DimMinimum<R, C>, C>,
{
    assert!(
        a.nrows() >= a.ncols(),
        "matcalc::linalg::qr: the matrix has more columns than rows ({}×{}); the rule is for \
         m ≥ n",
        a.nrows(),
        a.ncols()
    );
    let factorization = QR::new(a.clone_owned());
    let (mut q, mut r) = (factorization.q(), factorization.r());
    for i in 0..r.nrows() {
        if r[(i, i)] < T::zero() {
            q.column_mut(i).neg_mut();
            r.row_mut(i).neg_mut();
        }
    }
    (q, r)
}

/// Forward mode of [`qr`]: `((Q, R), (dQ, dR))` with `dR = K·R`, `dQ = dA·R⁻¹ − Q·K`, where
/// `K` is the upper triangle of `C = Qᵀ·dA·R⁻¹` plus the transpose of its strict lower
/// triangle.
///
/// # Panics
///
/// If `A` has more columns than rows.
///
/// ```
/// use matcalc_runtime::linalg::qr_jvp;
/// use nalgebra::{Matrix2x1, Matrix1};
/// // a = (3, 4): Q = a/‖a‖, R = ‖a‖; along (1, 0), dR = 3/5 and dQ = (16, −12)/125
/// let a = Matrix2x1::new(3.0, 4.0);
/// let ((_, r), (q_dot, r_dot)) = qr_jvp(&a, &Matrix2x1::new(1.0, 0.0));
/// assert!((r - Matrix1::new(5.0)).norm() < 1e-15 && (r_dot - Matrix1::new(0.6)).norm() < 1e-15);
/// assert!((q_dot - Matrix2x1::new(16.0, -12.0) / 125.0).norm() < 1e-15);
/// ```
pub fn qr_jvp<T, R, C>(a: &OMatrix<T, R, C>, a_dot: &OMatrix<T, R, C>) -> (Qr<T, R, C>, Qr<T, R, C>)
where
    T: Real + RealField,
    R: DimMin<C>,
    C: Dim,
    DefaultAllocator: Allocator<R, C>
        + Allocator<R>
        + Allocator<C>
        + Allocator<DimMinimum<R, C>>
        + Allocator<R, DimMinimum<R, C>>
        + Allocator<DimMinimum<R, C>, C>,
{
    let (q, r) = qr(a);
    let tangent = Tangent::new(&dynamic(&q), &dynamic(&r), &dynamic(a_dot));
    let (q_dot, r_dot) = (
        shaped(&tangent.q_dot, q.shape_generic()),
        shaped(&tangent.r_dot, r.shape_generic()),
    );
    ((q, r), (q_dot, r_dot))
}

/// Reverse mode of [`qr`]: the value and the pullback `(Q̄, R̄) ↦ (Q̄ + Q·C̄)·R⁻ᵀ`, with `C̄`
/// the upper triangle of `N = R̄·Rᵀ − Qᵀ·Q̄` mirrored onto the lower one.
///
/// # Panics
///
/// If `A` has more columns than rows.
///
/// ```
/// use matcalc_runtime::linalg::qr_vjp;
/// use nalgebra::{Matrix1, Matrix2x1};
/// // R = ‖a‖, whose gradient is a/‖a‖ = Q
/// let ((q, _), pullback) = qr_vjp(&Matrix2x1::new(3.0, 4.0));
/// let a_bar = pullback((Matrix2x1::zeros(), Matrix1::new(1.0)));
/// assert!((a_bar - q).norm() < 1e-15);
/// ```
pub fn qr_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
) -> (
    Qr<T, R, C>,
    impl Fn(Qr<T, R, C>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: DimMin<C>,
    C: Dim,
    DefaultAllocator: Allocator<R, C>
        + Allocator<R>
        + Allocator<C>
        + Allocator<DimMinimum<R, C>>
        + Allocator<R, DimMinimum<R, C>>
        + Allocator<DimMinimum<R, C>, C>,
{
    let (q, r) = qr(a);
    let (q_dyn, r_dyn) = (dynamic(&q), dynamic(&r));
    let shape = a.shape_generic();
    ((q, r), move |(q_bar, r_bar): Qr<T, R, C>| {
        let a_bar = qr_pullback(&q_dyn, &r_dyn, dynamic(&q_bar), &dynamic(&r_bar));
        shaped(&a_bar, shape)
    })
}

/// (Q̄ + Q·C̄)·R⁻ᵀ with C̄ = triu(N) + tril₋(Nᵀ), N = R̄·Rᵀ − Qᵀ·Q̄: the adjoint of A.
fn qr_pullback<T: Real + RealField>(
    q: &DMatrix<T>,
    r: &DMatrix<T>,
    q_bar: DMatrix<T>,
    r_bar: &DMatrix<T>,
) -> DMatrix<T> {
    let c_bar = mirrored_upper(&(r_bar * r.transpose() - q.tr_mul(&q_bar)));
    times_inverse_transpose(r, &(q_bar + q * c_bar))
}

/// triu(N) + tril₋(Nᵀ): the upper triangle of N mirrored onto the lower one, the adjoint of the
/// mask C ↦ triu(C) + tril₋(C)ᵀ.
fn mirrored_upper<T: Real + RealField>(n: &DMatrix<T>) -> DMatrix<T> {
    DMatrix::from_fn(n.nrows(), n.ncols(), |i, j| {
        if i <= j { n[(i, j)] } else { n[(j, i)] }
    })
}

/// X·R⁻ᵀ for an upper-triangular R: (R⁻¹·Xᵀ)ᵀ.
fn times_inverse_transpose<T: Real + RealField>(r: &DMatrix<T>, x: &DMatrix<T>) -> DMatrix<T> {
    r.solve_upper_triangular_unchecked(&x.transpose())
        .transpose()
}

/// The tangent program of [`qr`] in dynamic matrices: Z = Ȧ·R⁻¹, C = Qᵀ·Z, K, Ṙ = K·R,
/// Q̇ = Z − Q·K.
struct Tangent<T: Real + RealField> {
    z: DMatrix<T>,
    k: DMatrix<T>,
    q_dot: DMatrix<T>,
    r_dot: DMatrix<T>,
}

impl<T: Real + RealField> Tangent<T> {
    fn new(q: &DMatrix<T>, r: &DMatrix<T>, a_dot: &DMatrix<T>) -> Self {
        // Z = Ȧ·R⁻¹ = (R⁻ᵀ·Ȧᵀ)ᵀ
        let z = r
            .tr_solve_upper_triangular_unchecked(&a_dot.transpose())
            .transpose();
        let c = q.tr_mul(&z);
        let k = upper_plus_lower_transposed(&c);
        let r_dot = &k * r;
        let q_dot = &z - q * &k;
        Tangent { z, k, q_dot, r_dot }
    }
}

/// triu(X) + tril₋(X)ᵀ: the upper triangle of X plus the transpose of its strict lower one.
fn upper_plus_lower_transposed<T: Real + RealField>(x: &DMatrix<T>) -> DMatrix<T> {
    DMatrix::from_fn(x.nrows(), x.ncols(), |i, j| match i.cmp(&j) {
        std::cmp::Ordering::Less => x[(i, j)] + x[(j, i)],
        std::cmp::Ordering::Equal => x[(i, i)],
        std::cmp::Ordering::Greater => T::zero(),
    })
}

// Second order: the tangent program is Z = Ȧ·R⁻¹, C = Qᵀ·Z, K = triu(C) + tril₋(C)ᵀ,
// Ṙ = K·R, Q̇ = Z − Q·K. Backwards from (Q̄, R̄, Q̇̄, Ṙ̄):
//   Ṙ = K·R, Q̇ = Z − Q·K:  K̄ = Ṙ̄·Rᵀ − Qᵀ·Q̇̄,  R̄ += Kᵀ·Ṙ̄,  Q̄ −= Q̇̄·Kᵀ,  Z̄ = Q̇̄
//   K (a linear mask):     C̄ = triu(K̄) + tril₋(K̄ᵀ)
//   C = Qᵀ·Z:              Q̄ += Z·C̄ᵀ,  Z̄ += Q·C̄
//   Z = Ȧ·R⁻¹:             Ǡ = Z̄·R⁻ᵀ,  R̄ −= Zᵀ·Z̄·R⁻ᵀ = Zᵀ·Ǡ
//   then Ā is the first-order pullback of the accumulated (Q̄, R̄). Ǡ is the first-order
// pullback of (Q̇̄, Ṙ̄), as it must be: K̄ is its N, and Z̄ its Q̄ + Q·C̄.

/// Second order of [`qr`], the reverse mode of [`qr_jvp`]: the value `((Q, R), (Q̇, Ṙ))` and
/// the pullback `((Q̄, R̄), (Q̇̄, Ṙ̄)) ↦ (Ā, Ǡ)`, with `Ǡ` the first-order pullback of `(Q̇̄, Ṙ̄)`
/// and `Ā` that of `(Q̄ − Q̇̄·Kᵀ + Z·C̄ᵀ, R̄ + Kᵀ·Ṙ̄ − Zᵀ·Ǡ)` (`Z = Ȧ·R⁻¹`, `K` as in
/// [`qr_jvp`], `C̄` as in [`qr_vjp`] for `(Q̇̄, Ṙ̄)`).
///
/// # Panics
///
/// If `A` has more columns than rows.
///
/// ```
/// use matcalc_runtime::linalg::qr_jvp_vjp;
/// use nalgebra::{Matrix1, Matrix2x1};
/// // R = ‖a‖: along e = (1, 0) at a = (3, 4) its second derivative is (1 − 9/25)/5 = 0.128
/// let e = Matrix2x1::new(1.0f64, 0.0);
/// let (_, pullback) = qr_jvp_vjp(&Matrix2x1::new(3.0, 4.0), &e);
/// let (a_bar, _) = pullback(((Matrix2x1::zeros(), Matrix1::zeros()), (Matrix2x1::zeros(), Matrix1::new(1.0))));
/// assert!((a_bar.dot(&e) - 0.128).abs() < 1e-15);
/// ```
pub fn qr_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (Qr<T, R, C>, Qr<T, R, C>),
    impl Fn((Qr<T, R, C>, Qr<T, R, C>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: DimMin<C>,
    C: Dim,
    DefaultAllocator: Allocator<R, C>
        + Allocator<R>
        + Allocator<C>
        + Allocator<DimMinimum<R, C>>
        + Allocator<R, DimMinimum<R, C>>
        + Allocator<DimMinimum<R, C>, C>,
{
    let (q, r) = qr(a);
    let (q_dyn, r_dyn) = (dynamic(&q), dynamic(&r));
    let tangent = Tangent::new(&q_dyn, &r_dyn, &dynamic(a_dot));
    let value = (
        (q.clone(), r.clone()),
        (
            shaped(&tangent.q_dot, q.shape_generic()),
            shaped(&tangent.r_dot, r.shape_generic()),
        ),
    );
    let shape = a.shape_generic();
    (
        value,
        move |((q_bar, r_bar), (q_dot_bar, r_dot_bar)): (Qr<T, R, C>, Qr<T, R, C>)| {
            let (q_dot_bar, r_dot_bar) = (dynamic(&q_dot_bar), dynamic(&r_dot_bar));
            let Tangent { z, k, .. } = &tangent;
            let k_bar = &r_dot_bar * r_dyn.transpose() - q_dyn.tr_mul(&q_dot_bar);
            let c_bar = mirrored_upper(&k_bar);
            let z_bar = &q_dot_bar + &q_dyn * &c_bar;
            let a_dot_bar = times_inverse_transpose(&r_dyn, &z_bar);
            let q_bar = dynamic(&q_bar) - &q_dot_bar * k.transpose() + z * c_bar.transpose();
            let r_bar = dynamic(&r_bar) + k.tr_mul(&r_dot_bar) - z.tr_mul(&a_dot_bar);
            let a_bar = qr_pullback(&q_dyn, &r_dyn, q_bar, &r_bar);
            (shaped(&a_bar, shape), shaped(&a_dot_bar, shape))
        },
    )
}
