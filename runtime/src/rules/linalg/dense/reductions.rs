//! Reductions: to a scalar (trace, sum, the Euclidean (Frobenius) norm and its square), and
//! along the rows or the columns of a matrix (their sums and means).

// The second-order companions return a pair and a pullback, as every rule's does.
#![allow(clippy::type_complexity)]

use crate::rules::linalg::both;
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, OMatrix, OVector, RealField, U1};

// ====================================================================================== trace

// y = tr A. Forward: dy = tr dA. Reverse: Ā = ȳ·I (Giles §2.2.1).
// Not handled: non-square matrices (nalgebra's `trace` is for square matrices too).

/// The trace `tr A` of a square matrix.
///
/// ```
/// use matcalc_runtime::linalg::trace;
/// use nalgebra::Matrix2;
/// assert_eq!(trace(&Matrix2::new(1.0, 2.0, 3.0, 4.0)), 5.0);
/// ```
pub fn trace<T, D>(a: &OMatrix<T, D, D>) -> T
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    a.trace()
}

/// Forward mode of [`trace`]: `(tr A, tr dA)`.
///
/// ```
/// use matcalc_runtime::linalg::trace_jvp;
/// use nalgebra::DMatrix;
/// let a = DMatrix::<f64>::identity(3, 3);
/// assert_eq!(trace_jvp(&a, &(&a * 2.0)), (3.0, 6.0));
/// ```
pub fn trace_jvp<T, D>(a: &OMatrix<T, D, D>, a_dot: &OMatrix<T, D, D>) -> (T, T)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    (a.trace(), a_dot.trace())
}

/// Reverse mode of [`trace`]: the value and the pullback `ȳ ↦ ȳ·I`.
///
/// ```
/// use matcalc_runtime::linalg::trace_vjp;
/// use nalgebra::Matrix2;
/// let (y, pullback) = trace_vjp(&Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!((y, pullback(2.0)), (5.0, Matrix2::identity() * 2.0));
/// ```
pub fn trace_vjp<T, D>(a: &OMatrix<T, D, D>) -> (T, impl Fn(T) -> OMatrix<T, D, D> + use<T, D>)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    let (r, c) = a.shape_generic();
    (a.trace(), move |y_bar: T| {
        OMatrix::<T, D, D>::from_diagonal_element_generic(r, c, y_bar)
    })
}

/// Second order of [`trace`], the reverse mode of [`trace_jvp`] (linear): the value
/// `(tr A, tr Ȧ)` and the pullback `(ȳ, ẏ̄) ↦ (ȳ·I, ẏ̄·I)`.
///
/// ```
/// use matcalc_runtime::linalg::trace_jvp_vjp;
/// use nalgebra::Matrix2;
/// let ((y, y_dot), pullback) = trace_jvp_vjp(&Matrix2::new(1.0, 2.0, 3.0, 4.0), &Matrix2::identity());
/// assert_eq!((y, y_dot), (5.0, 2.0));
/// assert_eq!(pullback((1.0, 2.0)), (Matrix2::identity(), Matrix2::identity() * 2.0));
/// ```
pub fn trace_jvp_vjp<T, D>(
    a: &OMatrix<T, D, D>,
    a_dot: &OMatrix<T, D, D>,
) -> (
    (T, T),
    impl Fn((T, T)) -> (OMatrix<T, D, D>, OMatrix<T, D, D>) + use<T, D>,
)
where
    T: Real + RealField,
    D: Dim,
    DefaultAllocator: Allocator<D, D>,
{
    (trace_jvp(a, a_dot), both(trace_vjp(a).1))
}

// ================================================================================= sum, norms

// y = Σᵢⱼ Aᵢⱼ. Forward: dy = Σ dAᵢⱼ. Reverse: Ā = ȳ·𝟙 (every entry ȳ).

/// The sum of the entries.
///
/// ```
/// use matcalc_runtime::linalg::sum;
/// use nalgebra::Vector3;
/// assert_eq!(sum(&Vector3::new(1.0, 2.0, 3.0)), 6.0);
/// ```
pub fn sum<T, R, C>(a: &OMatrix<T, R, C>) -> T
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    a.sum()
}

/// Forward mode of [`sum`]: `(Σ A, Σ dA)`.
///
/// ```
/// use matcalc_runtime::linalg::sum_jvp;
/// use nalgebra::Vector2;
/// assert_eq!(sum_jvp(&Vector2::new(1.0, 2.0), &Vector2::new(0.5, 0.5)), (3.0, 1.0));
/// ```
pub fn sum_jvp<T, R, C>(a: &OMatrix<T, R, C>, a_dot: &OMatrix<T, R, C>) -> (T, T)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    (a.sum(), a_dot.sum())
}

/// Reverse mode of [`sum`]: the value and the pullback `ȳ ↦ ȳ·𝟙`.
///
/// ```
/// use matcalc_runtime::linalg::sum_vjp;
/// use nalgebra::Vector2;
/// let (_, pullback) = sum_vjp(&Vector2::new(1.0, 2.0));
/// assert_eq!(pullback(3.0), Vector2::new(3.0, 3.0));
/// ```
pub fn sum_vjp<T, R, C>(a: &OMatrix<T, R, C>) -> (T, impl Fn(T) -> OMatrix<T, R, C> + use<T, R, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let (r, c) = a.shape_generic();
    (a.sum(), move |y_bar: T| {
        OMatrix::<T, R, C>::from_element_generic(r, c, y_bar)
    })
}

/// Second order of [`sum`], the reverse mode of [`sum_jvp`] (linear): the value `(Σ A, Σ Ȧ)`
/// and the pullback `(ȳ, ẏ̄) ↦ (ȳ·𝟙, ẏ̄·𝟙)`.
///
/// ```
/// use matcalc_runtime::linalg::sum_jvp_vjp;
/// use nalgebra::Vector2;
/// let ((y, y_dot), pullback) = sum_jvp_vjp(&Vector2::new(1.0, 2.0), &Vector2::new(0.5, 0.5));
/// assert_eq!((y, y_dot), (3.0, 1.0));
/// assert_eq!(pullback((1.0, 2.0)), (Vector2::new(1.0, 1.0), Vector2::new(2.0, 2.0)));
/// ```
pub fn sum_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (T, T),
    impl Fn((T, T)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    (sum_jvp(a, a_dot), both(sum_vjp(a).1))
}

// y = ‖A‖ (Euclidean for vectors, Frobenius for matrices). Forward: dy = ⟨A, dA⟩/y. Reverse:
// Ā = ȳ·A/y (18.S096 §4: the gradient of ‖x‖ is x/‖x‖).
// At A = 0 the norm is not differentiable; the rule returns the one-sided value 0 (dy = 0 and
// Ā = 0, the subgradient of least norm), never NaN. Not handled: overflow of ‖A‖² for entries
// beyond ~1e154 (nalgebra's `norm` does not rescale either).

/// The Euclidean norm of a vector, the Frobenius norm of a matrix.
///
/// ```
/// use matcalc_runtime::linalg::norm;
/// use nalgebra::Vector2;
/// assert_eq!(norm(&Vector2::new(3.0, 4.0)), 5.0);
/// ```
pub fn norm<T, R, C>(a: &OMatrix<T, R, C>) -> T
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    a.norm()
}

/// Forward mode of [`norm`]: `(‖A‖, ⟨A, dA⟩/‖A‖)`, with tangent 0 at `A = 0`.
///
/// ```
/// use matcalc_runtime::linalg::norm_jvp;
/// use nalgebra::Vector2;
/// assert_eq!(norm_jvp(&Vector2::new(3.0, 4.0), &Vector2::new(1.0, 0.0)), (5.0, 0.6));
/// assert_eq!(norm_jvp(&Vector2::zeros(), &Vector2::new(1.0, 0.0)), (0.0, 0.0));
/// ```
pub fn norm_jvp<T, R, C>(a: &OMatrix<T, R, C>, a_dot: &OMatrix<T, R, C>) -> (T, T)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let y = a.norm();
    let y_dot = if y > T::zero() {
        a.dot(a_dot) / y
    } else {
        T::zero()
    };
    (y, y_dot)
}

/// Reverse mode of [`norm`]: the value and the pullback `ȳ ↦ ȳ·A/‖A‖`, which is 0 at `A = 0`.
///
/// ```
/// use matcalc_runtime::linalg::norm_vjp;
/// use nalgebra::Vector2;
/// let (y, pullback) = norm_vjp(&Vector2::new(3.0, 4.0));
/// assert_eq!((y, pullback(1.0)), (5.0, Vector2::new(0.6, 0.8)));
/// let (_, at_zero) = norm_vjp(&Vector2::<f64>::zeros());
/// assert_eq!(at_zero(1.0), Vector2::zeros());
/// ```
pub fn norm_vjp<T, R, C>(a: &OMatrix<T, R, C>) -> (T, impl Fn(T) -> OMatrix<T, R, C> + use<T, R, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let y = a.norm();
    // The unit direction A/‖A‖, or 0 at A = 0.
    let direction = if y > T::zero() { a / y } else { a * T::zero() };
    (y, move |y_bar: T| &direction * y_bar)
}

// Second order: with u = A/y, ẏ = ⟨A, Ȧ⟩/y = ⟨u, Ȧ⟩, and
// d ẏ = ⟨dA, Ȧ⟩/y − ⟨A, Ȧ⟩⟨A, dA⟩/y³ = ⟨(Ȧ − ẏ·u)/y, dA⟩, so
// Ā = ȳ·u + ẏ̄·(Ȧ − ẏ·u)/y (the projection of Ȧ orthogonal to A, over y), Ǡ = ẏ̄·u.
// At A = 0 both are 0, the one-sided convention of the first-order rule (the second derivative
// of ‖A‖ is unbounded there).

/// Second order of [`norm`], the reverse mode of [`norm_jvp`]: the value `(y, ẏ)` with
/// `y = ‖A‖`, `ẏ = ⟨A, Ȧ⟩/y`, and the pullback `(ȳ, ẏ̄) ↦ (ȳ·u + ẏ̄·(Ȧ − ẏ·u)/y, ẏ̄·u)` with
/// `u = A/y`; both adjoints are 0 at `A = 0`.
///
/// ```
/// use matcalc_runtime::linalg::norm_jvp_vjp;
/// use nalgebra::Vector2;
/// // the Hessian of ‖x‖ at (3, 4) along (4, −3), orthogonal to x, is (4, −3)/5
/// let ((y, y_dot), pullback) = norm_jvp_vjp(&Vector2::new(3.0, 4.0), &Vector2::new(4.0, -3.0));
/// assert_eq!((y, y_dot), (5.0, 0.0));
/// let (hv, gradient) = pullback((0.0, 1.0));
/// assert_eq!((hv, gradient), (Vector2::new(0.8, -0.6), Vector2::new(0.6, 0.8)));
/// ```
pub fn norm_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (T, T),
    impl Fn((T, T)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let (y, y_dot) = norm_jvp(a, a_dot);
    let (direction, curvature) = if y > T::zero() {
        let u = a / y;
        let h = (a_dot - &u * y_dot) / y;
        (u, h)
    } else {
        (a * T::zero(), a * T::zero())
    };
    ((y, y_dot), move |(y_bar, y_dot_bar): (T, T)| {
        (
            &direction * y_bar + &curvature * y_dot_bar,
            &direction * y_dot_bar,
        )
    })
}

// y = ‖A‖². Forward: dy = 2⟨A, dA⟩. Reverse: Ā = 2ȳ·A.

/// The squared Euclidean (Frobenius) norm.
///
/// ```
/// use matcalc_runtime::linalg::norm_squared;
/// use nalgebra::Vector2;
/// assert_eq!(norm_squared(&Vector2::new(3.0, 4.0)), 25.0);
/// ```
pub fn norm_squared<T, R, C>(a: &OMatrix<T, R, C>) -> T
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    a.norm_squared()
}

/// Forward mode of [`norm_squared`]: `(‖A‖², 2⟨A, dA⟩)`.
///
/// ```
/// use matcalc_runtime::linalg::norm_squared_jvp;
/// use nalgebra::Vector2;
/// assert_eq!(norm_squared_jvp(&Vector2::new(3.0, 4.0), &Vector2::new(1.0, 0.0)), (25.0, 6.0));
/// ```
pub fn norm_squared_jvp<T, R, C>(a: &OMatrix<T, R, C>, a_dot: &OMatrix<T, R, C>) -> (T, T)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    (a.norm_squared(), two::<T>() * a.dot(a_dot))
}

/// Reverse mode of [`norm_squared`]: the value and the pullback `ȳ ↦ 2ȳ·A`.
///
/// ```
/// use matcalc_runtime::linalg::norm_squared_vjp;
/// use nalgebra::Vector2;
/// let (_, pullback) = norm_squared_vjp(&Vector2::new(3.0, 4.0));
/// assert_eq!(pullback(0.5), Vector2::new(3.0, 4.0));
/// ```
pub fn norm_squared_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
) -> (T, impl Fn(T) -> OMatrix<T, R, C> + use<T, R, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let a = a.clone();
    (a.norm_squared(), move |y_bar: T| &a * (two::<T>() * y_bar))
}

// Second order: ẏ = 2⟨A, Ȧ⟩, so Ā = 2ȳ·A + 2ẏ̄·Ȧ (the Hessian is 2I), Ǡ = 2ẏ̄·A.

/// Second order of [`norm_squared`], the reverse mode of [`norm_squared_jvp`]: the value
/// `(‖A‖², 2⟨A, Ȧ⟩)` and the pullback `(ȳ, ẏ̄) ↦ (2ȳ·A + 2ẏ̄·Ȧ, 2ẏ̄·A)`.
///
/// ```
/// use matcalc_runtime::linalg::norm_squared_jvp_vjp;
/// use nalgebra::Vector2;
/// let (_, pullback) = norm_squared_jvp_vjp(&Vector2::new(3.0, 4.0), &Vector2::new(1.0, 0.0));
/// assert_eq!(pullback((0.0, 1.0)), (Vector2::new(2.0, 0.0), Vector2::new(6.0, 8.0)));
/// ```
pub fn norm_squared_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (T, T),
    impl Fn((T, T)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let value = norm_squared_jvp(a, a_dot);
    let (a, a_dot) = (a * two::<T>(), a_dot * two::<T>());
    (value, move |(y_bar, y_dot_bar): (T, T)| {
        (&a * y_bar + &a_dot * y_dot_bar, &a * y_dot_bar)
    })
}

// ================================================================= along rows and columns

// y = 𝟙ᵀA (nalgebra's `row_sum`: the rows added, a row vector) and y = A𝟙 (`column_sum`: the
// columns added, a column vector); the means divide by the number of rows (`row_mean`) or of
// columns (`column_mean`). Linear: forward dy is the same reduction of dA; reverse Ā = 𝟙ȳ
// (every row ȳ) for `row_sum`, Ā = ȳ𝟙ᵀ (every column ȳ) for `column_sum`, over m or n for the
// means. Not handled: the mean of a matrix without rows (or columns) is NaN, as nalgebra's.

/// Every row of an `r×c` matrix `s·ȳ`: the pullback of `s·𝟙ᵀA`.
fn every_row<T, R, C>((r, c): (R, C), s: T, y_bar: &OMatrix<T, U1, C>) -> OMatrix<T, R, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<U1, C>,
{
    OMatrix::from_fn_generic(r, c, |_, j| y_bar[j] * s)
}

/// Every column of an `r×c` matrix `s·ȳ`: the pullback of `s·A𝟙`.
fn every_column<T, R, C>((r, c): (R, C), s: T, y_bar: &OVector<T, R>) -> OMatrix<T, R, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R>,
{
    OMatrix::from_fn_generic(r, c, |i, _| y_bar[i] * s)
}

/// The count `n` as a scalar, for the means.
fn count<T: Real>(n: usize) -> T {
    T::from_f64(n as f64)
}

/// The sum of the rows of `A`, `𝟙ᵀA`: a row vector (nalgebra's `a.row_sum()`).
///
/// ```
/// use matcalc_runtime::linalg::row_sum;
/// use nalgebra::{Matrix2, RowVector2};
/// assert_eq!(row_sum(&Matrix2::new(1.0, 2.0, 3.0, 4.0)), RowVector2::new(4.0, 6.0));
/// ```
pub fn row_sum<T, R, C>(a: &OMatrix<T, R, C>) -> OMatrix<T, U1, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<U1, C>,
{
    a.row_sum()
}

/// Forward mode of [`row_sum`]: `(𝟙ᵀA, 𝟙ᵀdA)`.
///
/// ```
/// use matcalc_runtime::linalg::row_sum_jvp;
/// use nalgebra::{Matrix2, RowVector2};
/// let (_, y_dot) = row_sum_jvp(&Matrix2::<f64>::zeros(), &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(y_dot, RowVector2::new(4.0, 6.0));
/// ```
pub fn row_sum_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (OMatrix<T, U1, C>, OMatrix<T, U1, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<U1, C>,
{
    (a.row_sum(), a_dot.row_sum())
}

/// Reverse mode of [`row_sum`]: the value and the pullback `ȳ ↦ 𝟙ȳ` (every row `ȳ`).
///
/// ```
/// use matcalc_runtime::linalg::row_sum_vjp;
/// use nalgebra::{Matrix2, RowVector2};
/// let (_, pullback) = row_sum_vjp(&Matrix2::<f64>::zeros());
/// assert_eq!(pullback(RowVector2::new(1.0, 2.0)), Matrix2::new(1.0, 2.0, 1.0, 2.0));
/// ```
pub fn row_sum_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
) -> (
    OMatrix<T, U1, C>,
    impl Fn(OMatrix<T, U1, C>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<U1, C>,
{
    let shape = a.shape_generic();
    (a.row_sum(), move |y_bar: OMatrix<T, U1, C>| {
        every_row(shape, T::one(), &y_bar)
    })
}

/// Second order of [`row_sum`], the reverse mode of [`row_sum_jvp`] (linear): the value
/// `(𝟙ᵀA, 𝟙ᵀȦ)` and the pullback `(ȳ, ẏ̄) ↦ (𝟙ȳ, 𝟙ẏ̄)`.
///
/// ```
/// use matcalc_runtime::linalg::row_sum_jvp_vjp;
/// use nalgebra::{Matrix2, RowVector2};
/// let (_, pullback) = row_sum_jvp_vjp(&Matrix2::<f64>::zeros(), &Matrix2::zeros());
/// let (a_bar, a_dot_bar) = pullback((RowVector2::new(1.0, 2.0), RowVector2::zeros()));
/// assert_eq!((a_bar, a_dot_bar), (Matrix2::new(1.0, 2.0, 1.0, 2.0), Matrix2::zeros()));
/// ```
pub fn row_sum_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (OMatrix<T, U1, C>, OMatrix<T, U1, C>),
    impl Fn((OMatrix<T, U1, C>, OMatrix<T, U1, C>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>)
    + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<U1, C>,
{
    (row_sum_jvp(a, a_dot), both(row_sum_vjp(a).1))
}

/// The mean of the rows of `A`, `𝟙ᵀA/m`: a row vector (nalgebra's `a.row_mean()`).
///
/// ```
/// use matcalc_runtime::linalg::row_mean;
/// use nalgebra::{Matrix2, RowVector2};
/// assert_eq!(row_mean(&Matrix2::new(1.0, 2.0, 3.0, 4.0)), RowVector2::new(2.0, 3.0));
/// ```
pub fn row_mean<T, R, C>(a: &OMatrix<T, R, C>) -> OMatrix<T, U1, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<U1, C>,
{
    a.row_mean()
}

/// Forward mode of [`row_mean`]: `(𝟙ᵀA/m, 𝟙ᵀdA/m)`.
///
/// ```
/// use matcalc_runtime::linalg::row_mean_jvp;
/// use nalgebra::{Matrix2, RowVector2};
/// let (_, y_dot) = row_mean_jvp(&Matrix2::<f64>::zeros(), &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(y_dot, RowVector2::new(2.0, 3.0));
/// ```
pub fn row_mean_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (OMatrix<T, U1, C>, OMatrix<T, U1, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<U1, C>,
{
    (a.row_mean(), a_dot.row_mean())
}

/// Reverse mode of [`row_mean`]: the value and the pullback `ȳ ↦ 𝟙ȳ/m` (every row `ȳ/m`).
///
/// ```
/// use matcalc_runtime::linalg::row_mean_vjp;
/// use nalgebra::{Matrix2, RowVector2};
/// let (_, pullback) = row_mean_vjp(&Matrix2::<f64>::zeros());
/// assert_eq!(pullback(RowVector2::new(1.0, 2.0)), Matrix2::new(0.5, 1.0, 0.5, 1.0));
/// ```
pub fn row_mean_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
) -> (
    OMatrix<T, U1, C>,
    impl Fn(OMatrix<T, U1, C>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<U1, C>,
{
    let (shape, m) = (a.shape_generic(), count::<T>(a.nrows()));
    (a.row_mean(), move |y_bar: OMatrix<T, U1, C>| {
        every_row(shape, T::one() / m, &y_bar)
    })
}

/// Second order of [`row_mean`], the reverse mode of [`row_mean_jvp`] (linear): the value
/// `(𝟙ᵀA/m, 𝟙ᵀȦ/m)` and the pullback `(ȳ, ẏ̄) ↦ (𝟙ȳ/m, 𝟙ẏ̄/m)`.
///
/// ```
/// use matcalc_runtime::linalg::row_mean_jvp_vjp;
/// use nalgebra::{Matrix2, RowVector2};
/// let (_, pullback) = row_mean_jvp_vjp(&Matrix2::<f64>::zeros(), &Matrix2::zeros());
/// let (_, a_dot_bar) = pullback((RowVector2::zeros(), RowVector2::new(1.0, 2.0)));
/// assert_eq!(a_dot_bar, Matrix2::new(0.5, 1.0, 0.5, 1.0));
/// ```
pub fn row_mean_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (OMatrix<T, U1, C>, OMatrix<T, U1, C>),
    impl Fn((OMatrix<T, U1, C>, OMatrix<T, U1, C>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>)
    + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<U1, C>,
{
    (row_mean_jvp(a, a_dot), both(row_mean_vjp(a).1))
}

/// The sum of the columns of `A`, `A𝟙`: a column vector (nalgebra's `a.column_sum()`).
///
/// ```
/// use matcalc_runtime::linalg::column_sum;
/// use nalgebra::{Matrix2, Vector2};
/// assert_eq!(column_sum(&Matrix2::new(1.0, 2.0, 3.0, 4.0)), Vector2::new(3.0, 7.0));
/// ```
pub fn column_sum<T, R, C>(a: &OMatrix<T, R, C>) -> OVector<T, R>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R>,
{
    a.column_sum()
}

/// Forward mode of [`column_sum`]: `(A𝟙, dA𝟙)`.
///
/// ```
/// use matcalc_runtime::linalg::column_sum_jvp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, y_dot) = column_sum_jvp(&Matrix2::<f64>::zeros(), &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(y_dot, Vector2::new(3.0, 7.0));
/// ```
pub fn column_sum_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (OVector<T, R>, OVector<T, R>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R>,
{
    (a.column_sum(), a_dot.column_sum())
}

/// Reverse mode of [`column_sum`]: the value and the pullback `ȳ ↦ ȳ𝟙ᵀ` (every column `ȳ`).
///
/// ```
/// use matcalc_runtime::linalg::column_sum_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, pullback) = column_sum_vjp(&Matrix2::<f64>::zeros());
/// assert_eq!(pullback(Vector2::new(1.0, 2.0)), Matrix2::new(1.0, 1.0, 2.0, 2.0));
/// ```
pub fn column_sum_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
) -> (
    OVector<T, R>,
    impl Fn(OVector<T, R>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R>,
{
    let shape = a.shape_generic();
    (a.column_sum(), move |y_bar: OVector<T, R>| {
        every_column(shape, T::one(), &y_bar)
    })
}

/// Second order of [`column_sum`], the reverse mode of [`column_sum_jvp`] (linear): the value
/// `(A𝟙, Ȧ𝟙)` and the pullback `(ȳ, ẏ̄) ↦ (ȳ𝟙ᵀ, ẏ̄𝟙ᵀ)`.
///
/// ```
/// use matcalc_runtime::linalg::column_sum_jvp_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, pullback) = column_sum_jvp_vjp(&Matrix2::<f64>::zeros(), &Matrix2::zeros());
/// let (a_bar, _) = pullback((Vector2::new(1.0, 2.0), Vector2::zeros()));
/// assert_eq!(a_bar, Matrix2::new(1.0, 1.0, 2.0, 2.0));
/// ```
pub fn column_sum_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (OVector<T, R>, OVector<T, R>),
    impl Fn((OVector<T, R>, OVector<T, R>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R>,
{
    (column_sum_jvp(a, a_dot), both(column_sum_vjp(a).1))
}

/// The mean of the columns of `A`, `A𝟙/n`: a column vector (nalgebra's `a.column_mean()`).
///
/// ```
/// use matcalc_runtime::linalg::column_mean;
/// use nalgebra::{Matrix2, Vector2};
/// assert_eq!(column_mean(&Matrix2::new(1.0, 2.0, 3.0, 4.0)), Vector2::new(1.5, 3.5));
/// ```
pub fn column_mean<T, R, C>(a: &OMatrix<T, R, C>) -> OVector<T, R>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R>,
{
    a.column_mean()
}

/// Forward mode of [`column_mean`]: `(A𝟙/n, dA𝟙/n)`.
///
/// ```
/// use matcalc_runtime::linalg::column_mean_jvp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, y_dot) = column_mean_jvp(&Matrix2::<f64>::zeros(), &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(y_dot, Vector2::new(1.5, 3.5));
/// ```
pub fn column_mean_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (OVector<T, R>, OVector<T, R>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R>,
{
    (a.column_mean(), a_dot.column_mean())
}

/// Reverse mode of [`column_mean`]: the value and the pullback `ȳ ↦ ȳ𝟙ᵀ/n` (every column
/// `ȳ/n`).
///
/// ```
/// use matcalc_runtime::linalg::column_mean_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, pullback) = column_mean_vjp(&Matrix2::<f64>::zeros());
/// assert_eq!(pullback(Vector2::new(1.0, 2.0)), Matrix2::new(0.5, 0.5, 1.0, 1.0));
/// ```
pub fn column_mean_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
) -> (
    OVector<T, R>,
    impl Fn(OVector<T, R>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R>,
{
    let (shape, n) = (a.shape_generic(), count::<T>(a.ncols()));
    (a.column_mean(), move |y_bar: OVector<T, R>| {
        every_column(shape, T::one() / n, &y_bar)
    })
}

/// Second order of [`column_mean`], the reverse mode of [`column_mean_jvp`] (linear): the
/// value `(A𝟙/n, Ȧ𝟙/n)` and the pullback `(ȳ, ẏ̄) ↦ (ȳ𝟙ᵀ/n, ẏ̄𝟙ᵀ/n)`.
///
/// ```
/// use matcalc_runtime::linalg::column_mean_jvp_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, pullback) = column_mean_jvp_vjp(&Matrix2::<f64>::zeros(), &Matrix2::zeros());
/// let (_, a_dot_bar) = pullback((Vector2::zeros(), Vector2::new(1.0, 2.0)));
/// assert_eq!(a_dot_bar, Matrix2::new(0.5, 0.5, 1.0, 1.0));
/// ```
pub fn column_mean_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (OVector<T, R>, OVector<T, R>),
    impl Fn((OVector<T, R>, OVector<T, R>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R>,
{
    (column_mean_jvp(a, a_dot), both(column_mean_vjp(a).1))
}

/// 2 in the scalar type.
fn two<T: Real>() -> T {
    T::one() + T::one()
}
