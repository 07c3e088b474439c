//! Triangular solves: `X = L⁻¹B` and `X = U⁻¹B` for a lower- or upper-triangular matrix, as
//! nalgebra's `solve_lower_triangular(b).unwrap()` and `solve_upper_triangular(b).unwrap()`
//! compute them (reading one triangle of the matrix, the diagonal included).
//!
//! Source: M. B. Giles (2008), §2.2.3, restricted to a triangle.

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use super::{LinearSolver, solve_pullback, solve_second, solve_tangent};
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, OMatrix, RealField};

// ============================================================================ triangular solves

// X = T⁻¹B with T the lower (or upper) triangle of the matrix argument. The rules are those of
// every solve through a factorization (`super`'s `solve_*`), with P the projection onto the
// triangle: Ẋ = T⁻¹(Ḃ − P(Ṫ)·X), B̄ = T⁻ᵀX̄, T̄ = P(−B̄·Xᵀ) (zero off the triangle, which the
// solve does not read), and their second order. Together with `qr` they give least squares:
// X = R⁻¹·Qᵀ·B.
// Not handled: a zero on the diagonal panics, as `.unwrap()` of nalgebra's `None` does.

/// A triangular matrix, with the triangle it is.
struct Triangular<T, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    matrix: OMatrix<T, D, D>,
    lower: bool,
}

impl<T, D> Triangular<T, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    /// The triangle of `matrix`; panics, naming `function`, at a zero on the diagonal.
    fn new(matrix: &OMatrix<T, D, D>, lower: bool, function: &str) -> Self {
        assert!(
            (0..matrix.nrows()).all(|i| !matrix[(i, i)].is_zero()),
            "matcalc::linalg::{function}: the matrix is singular (a zero on its diagonal)"
        );
        Triangular {
            matrix: matrix.clone_owned(),
            lower,
        }
    }
}

impl<T, D> LinearSolver<T, D> for Triangular<T, D>
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    fn solve<C2: Dim>(&self, b: &OMatrix<T, D, C2>) -> OMatrix<T, D, C2>
    where
        DefaultAllocator: Allocator<D, C2>,
    {
        if self.lower {
            self.matrix.solve_lower_triangular_unchecked(b)
        } else {
            self.matrix.solve_upper_triangular_unchecked(b)
        }
    }

    fn solve_transpose<C2: Dim>(&self, b: &OMatrix<T, D, C2>) -> OMatrix<T, D, C2>
    where
        DefaultAllocator: Allocator<D, C2>,
    {
        if self.lower {
            self.matrix.tr_solve_lower_triangular_unchecked(b)
        } else {
            self.matrix.tr_solve_upper_triangular_unchecked(b)
        }
    }

    /// The triangle, diagonal included.
    fn project(&self, x: OMatrix<T, D, D>) -> OMatrix<T, D, D> {
        if self.lower {
            x.lower_triangle()
        } else {
            x.upper_triangle()
        }
    }
}

/// The solution `X = L⁻¹B` of `LX = B` for the lower triangle `L` of `l` (nalgebra's
/// `solve_lower_triangular(b).unwrap()`), for a vector or a matrix `B`.
///
/// # Panics
///
/// If a diagonal entry of `L` is 0.
///
/// ```
/// use matcalc_runtime::linalg::solve_lower_triangular;
/// use nalgebra::{Matrix2, Vector2};
/// let x = solve_lower_triangular(&Matrix2::new(2.0, 0.0, 1.0, 1.0), &Vector2::new(2.0, 3.0));
/// assert_eq!(x, Vector2::new(1.0, 2.0));
/// ```
pub fn solve_lower_triangular<T, D, C2>(
    l: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
) -> OMatrix<T, D, C2>
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2>,
{
    Triangular::new(l, true, "solve_lower_triangular").solve(b)
}

/// Forward mode of [`solve_lower_triangular`]: `(X, L⁻¹(dB − tril(dL)·X))`.
///
/// # Panics
///
/// If a diagonal entry of `L` is 0.
///
/// ```
/// use matcalc_runtime::linalg::solve_lower_triangular_jvp;
/// use nalgebra::{Matrix2, Vector2};
/// // the entry above the diagonal is not read: its tangent changes nothing
/// let (l, b) = (Matrix2::new(2.0, 0.0, 1.0, 1.0), Vector2::new(2.0, 3.0));
/// let (_, x_dot) = solve_lower_triangular_jvp(&l, &b, &Matrix2::new(0.0, 1.0, 0.0, 0.0), &Vector2::zeros());
/// assert_eq!(x_dot, Vector2::zeros());
/// ```
pub fn solve_lower_triangular_jvp<T, D, C2>(
    l: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
    l_dot: &OMatrix<T, D, D>,
    b_dot: &OMatrix<T, D, C2>,
) -> (OMatrix<T, D, C2>, OMatrix<T, D, C2>)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2>,
{
    triangular_jvp(
        Triangular::new(l, true, "solve_lower_triangular"),
        b,
        l_dot,
        b_dot,
    )
}

/// Reverse mode of [`solve_lower_triangular`]: the value and the pullback `X̄ ↦ (L̄, B̄)` with
/// `B̄ = L⁻ᵀX̄` and `L̄ = tril(−B̄·Xᵀ)`.
///
/// # Panics
///
/// If a diagonal entry of `L` is 0.
///
/// ```
/// use matcalc_runtime::linalg::solve_lower_triangular_vjp;
/// use nalgebra::{Matrix1, Vector1};
/// let (x, pullback) = solve_lower_triangular_vjp(&Matrix1::new(2.0), &Vector1::new(1.0));
/// assert_eq!(x, Vector1::new(0.5));
/// assert_eq!(pullback(Vector1::new(1.0)), (Matrix1::new(-0.25), Vector1::new(0.5)));
/// ```
pub fn solve_lower_triangular_vjp<T, D, C2>(
    l: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
) -> (
    OMatrix<T, D, C2>,
    impl Fn(OMatrix<T, D, C2>) -> (OMatrix<T, D, D>, OMatrix<T, D, C2>) + use<T, D, C2>,
)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2> + Allocator<C2, D>,
{
    triangular_vjp(Triangular::new(l, true, "solve_lower_triangular"), b)
}

/// Second order of [`solve_lower_triangular`], the reverse mode of
/// [`solve_lower_triangular_jvp`]: the value `(X, Ẋ)` and the pullback
/// `(X̄, Ẋ̄) ↦ (L̄, B̄, L̇̄, Ḃ̄)` with `R̄ = L⁻ᵀẊ̄`, `B̄ = L⁻ᵀ(X̄ − tril(L̇)ᵀR̄)`,
/// `L̄ = tril(−B̄Xᵀ − R̄Ẋᵀ)`, `L̇̄ = tril(−R̄Xᵀ)`, `Ḃ̄ = R̄`.
///
/// # Panics
///
/// If a diagonal entry of `L` is 0.
///
/// ```
/// use matcalc_runtime::linalg::solve_lower_triangular_jvp_vjp;
/// use nalgebra::{Matrix1, Vector1};
/// // x = b/l at (l, b) = (2, 1): ∂²x/∂l² = 2b/l³ = 0.25
/// let (l, b) = (Matrix1::new(2.0), Vector1::new(1.0));
/// let (_, pullback) = solve_lower_triangular_jvp_vjp(&l, &b, &Matrix1::new(1.0), &Vector1::zeros());
/// assert_eq!(pullback((Vector1::zeros(), Vector1::new(1.0))).0, Matrix1::new(0.25));
/// ```
pub fn solve_lower_triangular_jvp_vjp<T, D, C2>(
    l: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
    l_dot: &OMatrix<T, D, D>,
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
    ) + use<T, D, C2>,
)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2> + Allocator<C2, D>,
{
    let lower = Triangular::new(l, true, "solve_lower_triangular");
    let x = lower.solve(b);
    solve_second(lower, x, l_dot, b_dot)
}

/// The solution `X = U⁻¹B` of `UX = B` for the upper triangle `U` of `u` (nalgebra's
/// `solve_upper_triangular(b).unwrap()`), for a vector or a matrix `B`.
///
/// # Panics
///
/// If a diagonal entry of `U` is 0.
///
/// ```
/// use matcalc_runtime::linalg::solve_upper_triangular;
/// use nalgebra::{Matrix2, Vector2};
/// let x = solve_upper_triangular(&Matrix2::new(1.0, 1.0, 0.0, 2.0), &Vector2::new(3.0, 4.0));
/// assert_eq!(x, Vector2::new(1.0, 2.0));
/// ```
pub fn solve_upper_triangular<T, D, C2>(
    u: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
) -> OMatrix<T, D, C2>
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2>,
{
    Triangular::new(u, false, "solve_upper_triangular").solve(b)
}

/// Forward mode of [`solve_upper_triangular`]: `(X, U⁻¹(dB − triu(dU)·X))`.
///
/// # Panics
///
/// If a diagonal entry of `U` is 0.
///
/// ```
/// use matcalc_runtime::linalg::solve_upper_triangular_jvp;
/// use nalgebra::{Matrix1, Vector1};
/// // x = b/u: dx = db/u − x·du/u
/// let (x, x_dot) = solve_upper_triangular_jvp(&Matrix1::new(2.0), &Vector1::new(1.0), &Matrix1::new(1.0), &Vector1::new(1.0));
/// assert_eq!((x, x_dot), (Vector1::new(0.5), Vector1::new(0.25)));
/// ```
pub fn solve_upper_triangular_jvp<T, D, C2>(
    u: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
    u_dot: &OMatrix<T, D, D>,
    b_dot: &OMatrix<T, D, C2>,
) -> (OMatrix<T, D, C2>, OMatrix<T, D, C2>)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2>,
{
    triangular_jvp(
        Triangular::new(u, false, "solve_upper_triangular"),
        b,
        u_dot,
        b_dot,
    )
}

/// Reverse mode of [`solve_upper_triangular`]: the value and the pullback `X̄ ↦ (Ū, B̄)` with
/// `B̄ = U⁻ᵀX̄` and `Ū = triu(−B̄·Xᵀ)`.
///
/// # Panics
///
/// If a diagonal entry of `U` is 0.
///
/// ```
/// use matcalc_runtime::linalg::solve_upper_triangular_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, pullback) = solve_upper_triangular_vjp(&Matrix2::new(1.0, 1.0, 0.0, 2.0), &Vector2::new(3.0, 4.0));
/// let (u_bar, _) = pullback(Vector2::new(1.0, 0.0));
/// assert_eq!(u_bar[(1, 0)], 0.0); // below the diagonal, not read
/// ```
pub fn solve_upper_triangular_vjp<T, D, C2>(
    u: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
) -> (
    OMatrix<T, D, C2>,
    impl Fn(OMatrix<T, D, C2>) -> (OMatrix<T, D, D>, OMatrix<T, D, C2>) + use<T, D, C2>,
)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2> + Allocator<C2, D>,
{
    triangular_vjp(Triangular::new(u, false, "solve_upper_triangular"), b)
}

/// Second order of [`solve_upper_triangular`], the reverse mode of
/// [`solve_upper_triangular_jvp`]: the value `(X, Ẋ)` and the pullback
/// `(X̄, Ẋ̄) ↦ (Ū, B̄, U̇̄, Ḃ̄)` with `R̄ = U⁻ᵀẊ̄`, `B̄ = U⁻ᵀ(X̄ − triu(U̇)ᵀR̄)`,
/// `Ū = triu(−B̄Xᵀ − R̄Ẋᵀ)`, `U̇̄ = triu(−R̄Xᵀ)`, `Ḃ̄ = R̄`.
///
/// # Panics
///
/// If a diagonal entry of `U` is 0.
///
/// ```
/// use matcalc_runtime::linalg::solve_upper_triangular_jvp_vjp;
/// use nalgebra::{Matrix1, Vector1};
/// // x = b/u at (u, b) = (2, 1): ∂²x/∂u∂b = −1/u² = −0.25
/// let (u, b) = (Matrix1::new(2.0), Vector1::new(1.0));
/// let (_, pullback) = solve_upper_triangular_jvp_vjp(&u, &b, &Matrix1::new(1.0), &Vector1::zeros());
/// assert_eq!(pullback((Vector1::zeros(), Vector1::new(1.0))).1, Vector1::new(-0.25));
/// ```
pub fn solve_upper_triangular_jvp_vjp<T, D, C2>(
    u: &OMatrix<T, D, D>,
    b: &OMatrix<T, D, C2>,
    u_dot: &OMatrix<T, D, D>,
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
    ) + use<T, D, C2>,
)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2> + Allocator<C2, D>,
{
    let upper = Triangular::new(u, false, "solve_upper_triangular");
    let x = upper.solve(b);
    solve_second(upper, x, u_dot, b_dot)
}

/// `(X, Ẋ)` of a triangular solve.
fn triangular_jvp<T, D, C2>(
    triangular: Triangular<T, D>,
    b: &OMatrix<T, D, C2>,
    t_dot: &OMatrix<T, D, D>,
    b_dot: &OMatrix<T, D, C2>,
) -> (OMatrix<T, D, C2>, OMatrix<T, D, C2>)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2>,
{
    let x = triangular.solve(b);
    let x_dot = solve_tangent(&triangular, &x, t_dot, b_dot);
    (x, x_dot)
}

/// `X` and the pullback of a triangular solve.
fn triangular_vjp<T, D, C2>(
    triangular: Triangular<T, D>,
    b: &OMatrix<T, D, C2>,
) -> (
    OMatrix<T, D, C2>,
    impl Fn(OMatrix<T, D, C2>) -> (OMatrix<T, D, D>, OMatrix<T, D, C2>) + use<T, D, C2>,
)
where
    T: Real + RealField,
    D: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<D, D> + Allocator<D, C2> + Allocator<C2, D>,
{
    let x = triangular.solve(b);
    let pullback = solve_pullback(triangular, &x);
    (x, pullback)
}
