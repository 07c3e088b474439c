//! Vectorization: `vec` (column-major, the course's convention and nalgebra's storage order),
//! its inverse `unvec`, and the Jacobian matrix of a forward-mode derivative.
//!
//! With these, the identities of 18.S096 §3 (Bright, Edelman and Johnson, arXiv 2501.14787)
//! can be checked numerically: the Jacobian of X ↦ AXB is Bᵀ ⊗ A, since vec(AXB) = (Bᵀ ⊗ A)·vec(X).
//!
//! ```
//! use matcalc_runtime::linalg::{jacobian_matrix, kronecker};
//! use nalgebra::DMatrix;
//! let a = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]);
//! let b = DMatrix::from_row_slice(2, 3, &[0.0, 1.0, 2.0, -1.0, 0.5, 3.0]);
//! // X ↦ AXB is linear, so its JVP is itself
//! let jvp = |x: &DMatrix<f64>, x_dot: &DMatrix<f64>| (&a * x * &b, &a * x_dot * &b);
//! let j = jacobian_matrix(jvp, &DMatrix::zeros(2, 2));
//! assert_eq!(j, kronecker(&b.transpose(), &a));
//! ```

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use crate::rules::linalg::both;
use crate::value::{Real, Tangent};
use nalgebra::allocator::Allocator;
use nalgebra::{DMatrix, DVector, DefaultAllocator, Dim, OMatrix, RealField};

// v = vec(A): the columns of A stacked. Linear: dv = vec(dA), Ā = unvec(v̄).

/// `vec(A)`: the columns of `A` stacked into one vector (column-major).
///
/// ```
/// use matcalc_runtime::linalg::vec;
/// use nalgebra::{DVector, Matrix2};
/// assert_eq!(vec(&Matrix2::new(1.0, 2.0, 3.0, 4.0)), DVector::from_vec(vec![1.0, 3.0, 2.0, 4.0]));
/// ```
pub fn vec<T, R, C>(a: &OMatrix<T, R, C>) -> DVector<T>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    DVector::from_iterator(a.len(), a.iter().copied())
}

/// Forward mode of [`vec()`]: `(vec(A), vec(dA))`.
///
/// ```
/// use matcalc_runtime::linalg::vec_jvp;
/// use nalgebra::Matrix2;
/// let (_, v_dot) = vec_jvp(&Matrix2::<f64>::zeros(), &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(v_dot.as_slice(), &[1.0, 3.0, 2.0, 4.0]);
/// ```
pub fn vec_jvp<T, R, C>(a: &OMatrix<T, R, C>, a_dot: &OMatrix<T, R, C>) -> (DVector<T>, DVector<T>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    (vec(a), vec(a_dot))
}

/// Reverse mode of [`vec()`]: the value and the pullback `v̄ ↦ unvec(v̄)` in the shape of `A`.
///
/// ```
/// use matcalc_runtime::linalg::vec_vjp;
/// use nalgebra::{DVector, Matrix2};
/// let (_, pullback) = vec_vjp(&Matrix2::<f64>::zeros());
/// assert_eq!(pullback(DVector::from_vec(vec![1.0, 3.0, 2.0, 4.0])), Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// ```
pub fn vec_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
) -> (
    DVector<T>,
    impl Fn(DVector<T>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let (r, c) = a.shape_generic();
    (vec(a), move |v_bar: DVector<T>| {
        OMatrix::<T, R, C>::from_iterator_generic(r, c, v_bar.iter().copied())
    })
}

/// Second order of [`vec()`], the reverse mode of [`vec_jvp`] (linear): the value
/// `(vec(A), vec(Ȧ))` and the pullback `(v̄, v̇̄) ↦ (unvec(v̄), unvec(v̇̄))` in the shape of `A`.
///
/// ```
/// use matcalc_runtime::linalg::vec_jvp_vjp;
/// use nalgebra::{DVector, Matrix2};
/// let (_, pullback) = vec_jvp_vjp(&Matrix2::<f64>::zeros(), &Matrix2::zeros());
/// let v_bar = DVector::from_vec(vec![1.0, 3.0, 2.0, 4.0]);
/// let (a_bar, a_dot_bar) = pullback((v_bar.clone(), v_bar * 2.0));
/// assert_eq!((a_bar, a_dot_bar), (Matrix2::new(1.0, 2.0, 3.0, 4.0), Matrix2::new(2.0, 4.0, 6.0, 8.0)));
/// ```
pub fn vec_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (DVector<T>, DVector<T>),
    impl Fn((DVector<T>, DVector<T>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    (vec_jvp(a, a_dot), both(vec_vjp(a).1))
}

// A = unvec(v): the inverse of vec. Linear: dA = unvec(dv), v̄ = vec(Ā).

/// `unvec(v)`: the `nrows × ncols` matrix whose columns are consecutive pieces of `v`.
///
/// # Panics
///
/// If `v` does not have `nrows·ncols` entries.
///
/// ```
/// use matcalc_runtime::linalg::unvec;
/// use nalgebra::{DMatrix, DVector};
/// let a = unvec(&DVector::from_vec(vec![1.0, 3.0, 2.0, 4.0]), 2, 2);
/// assert_eq!(a, DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]));
/// ```
pub fn unvec<T: Real + RealField>(v: &DVector<T>, nrows: usize, ncols: usize) -> DMatrix<T> {
    assert_eq!(
        v.len(),
        nrows * ncols,
        "matcalc::linalg::unvec: a vector of {} entries is not a {nrows}×{ncols} matrix",
        v.len()
    );
    DMatrix::from_column_slice(nrows, ncols, v.as_slice())
}

/// Forward mode of [`unvec`]: `(unvec(v), unvec(dv))`.
///
/// # Panics
///
/// If `v` does not have `nrows·ncols` entries.
///
/// ```
/// use matcalc_runtime::linalg::unvec_jvp;
/// use nalgebra::DVector;
/// let (_, a_dot) = unvec_jvp(&DVector::zeros(2), 1, 2, &DVector::from_vec(vec![1.0, 2.0]));
/// assert_eq!(a_dot[(0, 1)], 2.0);
/// ```
pub fn unvec_jvp<T: Real + RealField>(
    v: &DVector<T>,
    nrows: usize,
    ncols: usize,
    v_dot: &DVector<T>,
) -> (DMatrix<T>, DMatrix<T>) {
    (unvec(v, nrows, ncols), unvec(v_dot, nrows, ncols))
}

/// Reverse mode of [`unvec`]: the value and the pullback `Ā ↦ vec(Ā)`.
///
/// # Panics
///
/// If `v` does not have `nrows·ncols` entries.
///
/// ```
/// use matcalc_runtime::linalg::unvec_vjp;
/// use nalgebra::{DMatrix, DVector};
/// let (_, pullback) = unvec_vjp(&DVector::<f64>::zeros(2), 1, 2);
/// assert_eq!(pullback(DMatrix::from_row_slice(1, 2, &[5.0, 6.0])), DVector::from_vec(vec![5.0, 6.0]));
/// ```
pub fn unvec_vjp<T: Real + RealField>(
    v: &DVector<T>,
    nrows: usize,
    ncols: usize,
) -> (DMatrix<T>, impl Fn(DMatrix<T>) -> DVector<T> + use<T>) {
    (unvec(v, nrows, ncols), |a_bar: DMatrix<T>| vec(&a_bar))
}

/// Second order of [`unvec`], the reverse mode of [`unvec_jvp`] (linear): the value
/// `(unvec(v), unvec(v̇))` and the pullback `(Ā, Ǡ) ↦ (vec(Ā), vec(Ǡ))`.
///
/// # Panics
///
/// If `v` does not have `nrows·ncols` entries.
///
/// ```
/// use matcalc_runtime::linalg::unvec_jvp_vjp;
/// use nalgebra::{DMatrix, DVector};
/// let (_, pullback) = unvec_jvp_vjp(&DVector::<f64>::zeros(2), 1, 2, &DVector::zeros(2));
/// let a_bar = DMatrix::from_row_slice(1, 2, &[5.0, 6.0]);
/// assert_eq!(pullback((a_bar.clone(), a_bar)).1, DVector::from_vec(vec![5.0, 6.0]));
/// ```
pub fn unvec_jvp_vjp<T: Real + RealField>(
    v: &DVector<T>,
    nrows: usize,
    ncols: usize,
    v_dot: &DVector<T>,
) -> (
    (DMatrix<T>, DMatrix<T>),
    impl Fn((DMatrix<T>, DMatrix<T>)) -> (DVector<T>, DVector<T>) + use<T>,
) {
    (
        unvec_jvp(v, nrows, ncols, v_dot),
        both(unvec_vjp(v, nrows, ncols).1),
    )
}

/// The Jacobian matrix of a function given by its forward mode: column `k` is `vec` of the JVP
/// along the `k`-th unit input (in the flat, column-major order of [`Tangent`]), so the matrix
/// has `dim(Y)` rows and `dim(X)` columns and vec(dY) = J·vec(dX).
///
/// `jvp(x, ẋ)` returns `(f(x), f′(x)[ẋ])`, the shape of a generated `f_jvp`; `X` and `Y` are any
/// [`Tangent`]s (floats, `Vec`s, nalgebra matrices, tuples of those).
///
/// ```
/// use matcalc_runtime::linalg::{inv_jvp, jacobian_matrix, kronecker};
/// use nalgebra::Matrix2;
/// // The Jacobian of X ↦ X⁻¹ is −(X⁻ᵀ ⊗ X⁻¹)
/// let x = Matrix2::new(2.0, 1.0, 0.5, 3.0);
/// let j = jacobian_matrix(inv_jvp, &x);
/// let y = x.try_inverse().unwrap();
/// let expected = -kronecker(&y.transpose(), &y);
/// assert!((j - nalgebra::DMatrix::from_iterator(4, 4, expected.iter().copied())).norm() < 1e-14);
/// ```
pub fn jacobian_matrix<X, Y>(jvp: impl Fn(&X, &X) -> (Y, Y), x: &X) -> DMatrix<X::Scalar>
where
    X: Tangent,
    Y: Tangent<Scalar = X::Scalar>,
{
    let n = x.dim();
    let mut unit = vec![<X::Scalar as Real>::from_f64(0.0); n];
    let mut entries: Vec<X::Scalar> = Vec::new();
    let mut rows = None;
    for k in 0..n {
        unit[k] = <X::Scalar as Real>::from_f64(1.0);
        let direction = x.read_flat(&mut unit.as_slice());
        unit[k] = <X::Scalar as Real>::from_f64(0.0);
        let (_, y_dot) = jvp(x, &direction);
        rows.get_or_insert(y_dot.dim());
        y_dot.write_flat(&mut entries);
    }
    let rows = rows.unwrap_or_else(|| jvp(x, &x.zero_like()).0.dim());
    DMatrix::from_vec(rows, n, entries)
}
