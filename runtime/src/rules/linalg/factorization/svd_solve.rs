//! Solves through the SVD: `X = V·diag(w)·Uᵀ·B` with `wᵢ = 1/σᵢ` for the singular values above a
//! threshold and 0 for the others, nalgebra's `svd(true, true).solve(b, eps)`: the
//! least-squares solution of minimum norm, `A⁺B`, when every singular value is above `eps`.
//!
//! Sources: the rules of [`super::svd`], composed; G. H. Golub and V. Pereyra, "The
//! differentiation of pseudo-inverses and nonlinear least squares problems whose variables
//! separate", SIAM J. Numer. Anal. 10 (1973), for the derivative of A⁺ they reproduce.

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use super::svd::{svd, svd_jvp, svd_jvp_vjp, svd_vjp};
use super::{dynamic, shaped, vector};
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{
    DMatrix, DVector, DefaultAllocator, Dim, DimDiff, DimMin, DimMinimum, DimSub, OMatrix,
    RealField, U1,
};

// ================================================================================= svd_solve

// With the thin SVD A = U·diag(σ)·Vᵀ, c = Uᵀ·B, y = w ∘ c (row-wise) and X = V·y, the rules are
// those of `svd` composed with this algebra:
// Forward: Ẋ = V̇·y + V·(ẇ ∘ c + w ∘ ċ), ċ = U̇ᵀ·B + Uᵀ·Ḃ, ẇ = −w² ∘ σ̇ (0 where w is)
// Reverse: ȳ = Vᵀ·X̄, c̄ = w ∘ ȳ, B̄ = U·c̄, and the SVD's pullback of Ū = B·c̄ᵀ,
//          σ̄ = −w² ∘ rowsum(ȳ ∘ c), V̄ = X̄·yᵀ
// For a full-rank A with every σᵢ > eps this is the derivative of A⁺B (Golub and Pereyra
// 1973); with singular values at or below eps it is that of the truncated pseudo-inverse,
// smooth while no singular value crosses eps. Repeated singular values are handled by the SVD
// rules (the loss X is invariant under the turns of a cluster, whose weights w are equal).
// Not handled: a negative eps panics, as `.unwrap()` of nalgebra's error does; a singular
// value crossing eps is a jump of the primal, not differentiated.

/// `X = V·diag(w)·Uᵀ·B` with `wᵢ = 1/σᵢ` where `σᵢ > eps` and 0 elsewhere (nalgebra's
/// `svd(true, true).solve(b, eps).unwrap()`): `A⁻¹B` for a square invertible `A`, the
/// least-squares solution for a tall full-rank one, the minimum-norm one for a wide one.
///
/// # Panics
///
/// If `eps` is negative.
///
/// ```
/// use matcalc_runtime::linalg::svd_solve;
/// use nalgebra::{Matrix3x2, Vector2, Vector3};
/// // least squares: the line through (0, 1), (1, 2), (2, 4)
/// let a = Matrix3x2::new(1.0, 0.0, 1.0, 1.0, 1.0, 2.0);
/// let x = svd_solve(&a, &Vector3::new(1.0, 2.0, 4.0), 1e-12);
/// assert!((x - Vector2::new(5.0 / 6.0, 1.5)).norm() < 1e-13);
/// ```
pub fn svd_solve<T, R, C, C2>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C2>,
    eps: T,
) -> OMatrix<T, C, C2>
where
    T: Real + RealField,
    R: Dim + DimMin<C>,
    C: Dim,
    C2: Dim,
    DimMinimum<R, C>: DimSub<U1>,
    DefaultAllocator: Allocator<R, C>
        + Allocator<C>
        + Allocator<R>
        + Allocator<DimDiff<DimMinimum<R, C>, U1>>
        + Allocator<DimMinimum<R, C>, C>
        + Allocator<R, DimMinimum<R, C>>
        + Allocator<DimMinimum<R, C>>
        + Allocator<R, C2>
        + Allocator<C, C2>,
{
    let shape = (a.shape_generic().1, b.shape_generic().1);
    let (u, sigma, v_t) = svd(a);
    let parts = Parts::new(
        &dynamic(&u),
        &vector(&sigma),
        &dynamic(&v_t),
        &dynamic(b),
        eps,
    );
    shaped(&parts.x, shape)
}

/// Forward mode of [`svd_solve`]: `(X, Ẋ)` through the forward mode of [`svd`] (formulas in
/// the source).
///
/// # Panics
///
/// If `eps` is negative.
///
/// ```
/// use matcalc_runtime::linalg::svd_solve_jvp;
/// use nalgebra::{Matrix1, Vector1};
/// // x = b/a: dx = db/a − x·da/a
/// let (x, x_dot) = svd_solve_jvp(&Matrix1::new(2.0), &Vector1::new(1.0), 0.0, &Matrix1::new(1.0), &Vector1::new(1.0));
/// assert_eq!((x, x_dot), (Vector1::new(0.5), Vector1::new(0.25)));
/// ```
pub fn svd_solve_jvp<T, R, C, C2>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C2>,
    eps: T,
    a_dot: &OMatrix<T, R, C>,
    b_dot: &OMatrix<T, R, C2>,
) -> (OMatrix<T, C, C2>, OMatrix<T, C, C2>)
where
    T: Real + RealField,
    R: Dim + DimMin<C>,
    C: Dim,
    C2: Dim,
    DimMinimum<R, C>: DimSub<U1>,
    DefaultAllocator: Allocator<R, C>
        + Allocator<C>
        + Allocator<R>
        + Allocator<DimDiff<DimMinimum<R, C>, U1>>
        + Allocator<DimMinimum<R, C>, C>
        + Allocator<R, DimMinimum<R, C>>
        + Allocator<DimMinimum<R, C>>
        + Allocator<R, C2>
        + Allocator<C, C2>,
{
    let shape = (a.shape_generic().1, b.shape_generic().1);
    let ((u, sigma, v_t), (u_dot, sigma_dot, v_t_dot)) = svd_jvp(a, a_dot);
    let parts = Parts::new(
        &dynamic(&u),
        &vector(&sigma),
        &dynamic(&v_t),
        &dynamic(b),
        eps,
    );
    let tangent = parts.tangent(
        &dynamic(&u_dot),
        &vector(&sigma_dot),
        &dynamic(&v_t_dot).transpose(),
        &dynamic(b_dot),
    );
    (shaped(&parts.x, shape), shaped(&tangent.x_dot, shape))
}

/// Reverse mode of [`svd_solve`]: the value and the pullback `X̄ ↦ (Ā, B̄)`, with `B̄ = U·c̄`
/// and `Ā` the pullback of [`svd`] (formulas in the source).
///
/// # Panics
///
/// If `eps` is negative.
///
/// ```
/// use matcalc_runtime::linalg::svd_solve_vjp;
/// use nalgebra::{Matrix1, Vector1};
/// let (x, pullback) = svd_solve_vjp(&Matrix1::new(2.0), &Vector1::new(1.0), 0.0);
/// assert_eq!(x, Vector1::new(0.5));
/// assert_eq!(pullback(Vector1::new(1.0)), (Matrix1::new(-0.25), Vector1::new(0.5)));
/// ```
pub fn svd_solve_vjp<T, R, C, C2>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C2>,
    eps: T,
) -> (
    OMatrix<T, C, C2>,
    impl Fn(OMatrix<T, C, C2>) -> (OMatrix<T, R, C>, OMatrix<T, R, C2>) + use<T, R, C, C2>,
)
where
    T: Real + RealField,
    R: Dim + DimMin<C>,
    C: Dim,
    C2: Dim,
    DimMinimum<R, C>: DimSub<U1>,
    DefaultAllocator: Allocator<R, C>
        + Allocator<C>
        + Allocator<R>
        + Allocator<DimDiff<DimMinimum<R, C>, U1>>
        + Allocator<DimMinimum<R, C>, C>
        + Allocator<R, DimMinimum<R, C>>
        + Allocator<DimMinimum<R, C>>
        + Allocator<R, C2>
        + Allocator<C, C2>,
{
    let (shape, b_shape) = (
        (a.shape_generic().1, b.shape_generic().1),
        b.shape_generic(),
    );
    let ((u, sigma, v_t), pullback) = svd_vjp(a);
    let parts = Parts::new(
        &dynamic(&u),
        &vector(&sigma),
        &dynamic(&v_t),
        &dynamic(b),
        eps,
    );
    let (u_shape, v_t_shape) = (u.shape_generic(), v_t.shape_generic());
    (shaped(&parts.x, shape), move |x_bar: OMatrix<T, C, C2>| {
        let adjoints = parts.pullback(&dynamic(&x_bar));
        let a_bar = pullback((
            shaped(&adjoints.u_bar, u_shape),
            shaped(&adjoints.sigma_bar, (u_shape.1, U1)),
            shaped(&adjoints.v_bar.transpose(), v_t_shape),
        ));
        (a_bar, shaped(&adjoints.b_bar, b_shape))
    })
}

// Second order: the tangent program is c = Uᵀ·B, y = w ∘ c, X = V·y, ċ = U̇ᵀ·B + Uᵀ·Ḃ,
// ẇ = −w² ∘ σ̇, ẏ = ẇ ∘ c + w ∘ ċ, Ẋ = V̇·y + V·ẏ. Backwards from (X̄, Ẋ̄):
//   V̇̄ = Ẋ̄·yᵀ, V̄ = X̄·yᵀ + Ẋ̄·ẏᵀ, ȳ = Vᵀ·X̄ + V̇ᵀ·Ẋ̄, ẏ̄ = Vᵀ·Ẋ̄
//   ẏ, y:  ẇ̄ = rowsum(ẏ̄ ∘ c), ċ̄ = w ∘ ẏ̄, c̄ = w ∘ ȳ + ẇ ∘ ẏ̄, w̄ = rowsum(ȳ ∘ c + ẏ̄ ∘ ċ)
//   ċ, c:  U̇̄ = B·ċ̄ᵀ, Ḃ̄ = U·ċ̄, Ū = Ḃ·ċ̄ᵀ + B·c̄ᵀ, B̄ = U̇·ċ̄ + U·c̄
//   ẇ, w:  σ̇̄ = −w² ∘ ẇ̄, σ̄ = −w² ∘ (w̄ − 2·w ∘ σ̇ ∘ ẇ̄)
//   then (Ā, Ǡ) is the pullback of `svd_jvp_vjp` at ((Ū, σ̄, V̄ᵀ), (U̇̄, σ̇̄, V̇̄ᵀ)).

/// Second order of [`svd_solve`], the reverse mode of [`svd_solve_jvp`]: the value `(X, Ẋ)`
/// and the pullback `(X̄, Ẋ̄) ↦ (Ā, B̄, Ǡ, Ḃ̄)`, through that of [`svd_jvp_vjp`] (formulas in
/// the source).
///
/// # Panics
///
/// If `eps` is negative.
///
/// ```
/// use matcalc_runtime::linalg::svd_solve_jvp_vjp;
/// use nalgebra::{Matrix1, Vector1};
/// // x = b/a at (a, b) = (2, 1): ∂²x/∂a² = 2b/a³ = 0.25, ∂²x/∂a∂b = −1/a² = −0.25
/// let (a, b) = (Matrix1::new(2.0f64), Vector1::new(1.0));
/// let (_, pullback) = svd_solve_jvp_vjp(&a, &b, 0.0, &Matrix1::new(1.0), &Vector1::zeros());
/// let (a_bar, b_bar, _, _) = pullback((Vector1::zeros(), Vector1::new(1.0)));
/// assert!((a_bar[0] - 0.25).abs() < 1e-15 && (b_bar[0] + 0.25).abs() < 1e-15);
/// ```
pub fn svd_solve_jvp_vjp<T, R, C, C2>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C2>,
    eps: T,
    a_dot: &OMatrix<T, R, C>,
    b_dot: &OMatrix<T, R, C2>,
) -> (
    (OMatrix<T, C, C2>, OMatrix<T, C, C2>),
    impl Fn(
        (OMatrix<T, C, C2>, OMatrix<T, C, C2>),
    ) -> (
        OMatrix<T, R, C>,
        OMatrix<T, R, C2>,
        OMatrix<T, R, C>,
        OMatrix<T, R, C2>,
    ) + use<T, R, C, C2>,
)
where
    T: Real + RealField,
    R: Dim + DimMin<C>,
    C: Dim,
    C2: Dim,
    DimMinimum<R, C>: DimSub<U1>,
    DefaultAllocator: Allocator<R, C>
        + Allocator<C>
        + Allocator<R>
        + Allocator<DimDiff<DimMinimum<R, C>, U1>>
        + Allocator<DimMinimum<R, C>, C>
        + Allocator<R, DimMinimum<R, C>>
        + Allocator<DimMinimum<R, C>>
        + Allocator<R, C2>
        + Allocator<C, C2>,
{
    let (shape, b_shape) = (
        (a.shape_generic().1, b.shape_generic().1),
        b.shape_generic(),
    );
    let (((u, sigma, v_t), (u_dot, sigma_dot, v_t_dot)), pullback) = svd_jvp_vjp(a, a_dot);
    let parts = Parts::new(
        &dynamic(&u),
        &vector(&sigma),
        &dynamic(&v_t),
        &dynamic(b),
        eps,
    );
    let (u_dot, sigma_dot) = (dynamic(&u_dot), vector(&sigma_dot));
    let v_dot = dynamic(&v_t_dot).transpose();
    let b_dot = dynamic(b_dot);
    let tangent = parts.tangent(&u_dot, &sigma_dot, &v_dot, &b_dot);
    let value = (shaped(&parts.x, shape), shaped(&tangent.x_dot, shape));
    let (u_shape, v_t_shape) = (u.shape_generic(), v_t.shape_generic());
    let svd_adjoints = move |u_bar: &DMatrix<T>, sigma_bar: &DVector<T>, v_bar: &DMatrix<T>| {
        (
            shaped(u_bar, u_shape),
            shaped(sigma_bar, (u_shape.1, U1)),
            shaped(&v_bar.transpose(), v_t_shape),
        )
    };
    (
        value,
        move |(x_bar, x_dot_bar): (OMatrix<T, C, C2>, OMatrix<T, C, C2>)| {
            let Parts {
                u, w, v, b, c, y, ..
            } = &parts;
            let Tangent {
                c_dot,
                w_dot,
                y_dot,
                ..
            } = &tangent;
            let (x_bar, x_dot_bar) = (dynamic(&x_bar), dynamic(&x_dot_bar));
            let v_dot_bar = &x_dot_bar * y.transpose();
            let v_bar = &x_bar * y.transpose() + &x_dot_bar * y_dot.transpose();
            let y_bar = v.tr_mul(&x_bar) + v_dot.tr_mul(&x_dot_bar);
            let y_dot_bar = v.tr_mul(&x_dot_bar);
            let w_dot_bar = row_sums(&y_dot_bar.component_mul(c));
            let c_dot_bar = scale_rows(&y_dot_bar, w);
            let c_bar = scale_rows(&y_bar, w) + scale_rows(&y_dot_bar, w_dot);
            let w_bar = row_sums(&(y_bar.component_mul(c) + y_dot_bar.component_mul(c_dot)));
            let u_dot_bar = b * c_dot_bar.transpose();
            let b_dot_bar = u * &c_dot_bar;
            let u_bar = &b_dot * c_dot_bar.transpose() + b * c_bar.transpose();
            let b_bar = &u_dot * &c_dot_bar + u * &c_bar;
            let w_squared = w.component_mul(w);
            let sigma_dot_bar = -w_squared.component_mul(&w_dot_bar);
            let through_w_dot = w.component_mul(&sigma_dot).component_mul(&w_dot_bar) * two::<T>();
            let sigma_bar = -w_squared.component_mul(&(w_bar - through_w_dot));
            let (a_bar, a_dot_bar) = pullback((
                svd_adjoints(&u_bar, &sigma_bar, &v_bar),
                svd_adjoints(&u_dot_bar, &sigma_dot_bar, &v_dot_bar),
            ));
            (
                a_bar,
                shaped(&b_bar, b_shape),
                a_dot_bar,
                shaped(&b_dot_bar, b_shape),
            )
        },
    )
}

/// The solve's algebra at the SVD, in dynamic matrices: `w` (1/σ above eps, 0 below),
/// c = Uᵀ·B, y = w ∘ c and X = V·y, with V (n×k).
struct Parts<T: Real + RealField> {
    u: DMatrix<T>,
    w: DVector<T>,
    v: DMatrix<T>,
    b: DMatrix<T>,
    c: DMatrix<T>,
    y: DMatrix<T>,
    x: DMatrix<T>,
}

/// The tangents of [`Parts`]: ċ = U̇ᵀ·B + Uᵀ·Ḃ, ẇ = −w² ∘ σ̇, ẏ = ẇ ∘ c + w ∘ ċ, Ẋ = V̇·y + V·ẏ.
struct Tangent<T: Real + RealField> {
    c_dot: DMatrix<T>,
    w_dot: DVector<T>,
    y_dot: DMatrix<T>,
    x_dot: DMatrix<T>,
}

/// The adjoints of a first-order pullback: Ū, σ̄, V̄ (n×k) and B̄.
struct Adjoints<T: Real + RealField> {
    u_bar: DMatrix<T>,
    sigma_bar: DVector<T>,
    v_bar: DMatrix<T>,
    b_bar: DMatrix<T>,
}

impl<T: Real + RealField> Parts<T> {
    fn new(u: &DMatrix<T>, sigma: &DVector<T>, v_t: &DMatrix<T>, b: &DMatrix<T>, eps: T) -> Self {
        assert!(
            eps >= T::zero(),
            "matcalc::linalg::svd_solve: the threshold eps must be non-negative"
        );
        let w = sigma.map(|s| if s > eps { T::one() / s } else { T::zero() });
        let v = v_t.transpose();
        let c = u.tr_mul(b);
        let y = scale_rows(&c, &w);
        let x = &v * &y;
        Parts {
            u: u.clone(),
            w,
            v,
            b: b.clone(),
            c,
            y,
            x,
        }
    }

    fn tangent(
        &self,
        u_dot: &DMatrix<T>,
        sigma_dot: &DVector<T>,
        v_dot: &DMatrix<T>,
        b_dot: &DMatrix<T>,
    ) -> Tangent<T> {
        let c_dot = u_dot.tr_mul(&self.b) + self.u.tr_mul(b_dot);
        let w_dot = -self.w.component_mul(&self.w).component_mul(sigma_dot);
        let y_dot = scale_rows(&self.c, &w_dot) + scale_rows(&c_dot, &self.w);
        let x_dot = v_dot * &self.y + &self.v * &y_dot;
        Tangent {
            c_dot,
            w_dot,
            y_dot,
            x_dot,
        }
    }

    fn pullback(&self, x_bar: &DMatrix<T>) -> Adjoints<T> {
        let y_bar = self.v.tr_mul(x_bar);
        let c_bar = scale_rows(&y_bar, &self.w);
        let w_bar = row_sums(&y_bar.component_mul(&self.c));
        Adjoints {
            u_bar: &self.b * c_bar.transpose(),
            sigma_bar: -self.w.component_mul(&self.w).component_mul(&w_bar),
            v_bar: x_bar * self.y.transpose(),
            b_bar: &self.u * c_bar,
        }
    }
}

/// diag(w)·X.
fn scale_rows<T: Real + RealField>(x: &DMatrix<T>, w: &DVector<T>) -> DMatrix<T> {
    let mut scaled = x.clone();
    for (i, s) in w.iter().enumerate() {
        scaled.row_mut(i).scale_mut(*s);
    }
    scaled
}

/// The sums of the rows of X.
fn row_sums<T: Real + RealField>(x: &DMatrix<T>) -> DVector<T> {
    DVector::from_fn(x.nrows(), |i, _| x.row(i).sum())
}

/// 2 in the scalar type.
fn two<T: Real>() -> T {
    T::one() + T::one()
}
