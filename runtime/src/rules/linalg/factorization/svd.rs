//! The singular values `σ(A)` of a square or rectangular matrix.
//!
//! Sources: M. B. Giles (2008), §3.2; J. Townsend, "Differentiating the singular value
//! decomposition" (2016).

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{
    DMatrix, DefaultAllocator, Dim, DimDiff, DimMin, DimMinimum, DimSub, OMatrix, OVector,
    RealField, SVD, U1,
};
use num_traits::Float;

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
