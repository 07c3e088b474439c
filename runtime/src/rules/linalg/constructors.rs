//! Vectors and matrices built from other values: `DVector::from_vec`, `DMatrix::from_diagonal`
//! (and its adjoint, a matrix's `diagonal()`), `DVector::from_element` (also written `repeat`)
//! and `DMatrix::from_element`. Each is linear
//! in the value it is built from, so its tangent is the same construction of the tangent and its
//! pullback the adjoint of the construction: the entries back as a buffer, the diagonal, the sum.

// The second-order companions return a pair and a pullback, as every rule's does.
#![allow(clippy::type_complexity)]

use super::both;
use crate::value::Real;
use nalgebra::{DMatrix, DVector, RealField};

// ======================================================================== from_vec

// y = DVector::from_vec(v): a copy. Forward: dy = DVector(dv). Reverse: v̄ = ȳ as a Vec.

/// The vector with the entries of `v` (nalgebra's `DVector::from_vec`, without consuming `v`).
///
/// ```
/// use matcalc_runtime::linalg::from_vec;
/// use nalgebra::DVector;
/// assert_eq!(from_vec(&vec![1.0, 2.0]), DVector::from_vec(vec![1.0, 2.0]));
/// ```
pub fn from_vec<T: Real + RealField>(v: &[T]) -> DVector<T> {
    DVector::from_column_slice(v)
}

/// Forward mode of [`from_vec`]: `(DVector(v), DVector(dv))`.
///
/// ```
/// use matcalc_runtime::linalg::from_vec_jvp;
/// let (y, y_dot) = from_vec_jvp(&vec![1.0, 2.0], &vec![0.0, 1.0]);
/// assert_eq!((y[1], y_dot[1]), (2.0, 1.0));
/// ```
pub fn from_vec_jvp<T: Real + RealField>(v: &[T], v_dot: &[T]) -> (DVector<T>, DVector<T>) {
    (
        DVector::from_column_slice(v),
        DVector::from_column_slice(v_dot),
    )
}

/// Reverse mode of [`from_vec`]: the value and the pullback `ȳ ↦ ȳ` as a `Vec<T>`.
///
/// ```
/// use matcalc_runtime::linalg::from_vec_vjp;
/// use nalgebra::DVector;
/// let (_, pullback) = from_vec_vjp(&vec![1.0, 2.0]);
/// assert_eq!(pullback(DVector::from_vec(vec![3.0, 4.0])), vec![3.0, 4.0]);
/// ```
pub fn from_vec_vjp<T: Real + RealField>(
    v: &[T],
) -> (DVector<T>, impl Fn(DVector<T>) -> Vec<T> + use<T>) {
    (DVector::from_column_slice(v), |y_bar: DVector<T>| {
        y_bar.data.into()
    })
}

/// Second order of [`from_vec`], the reverse mode of [`from_vec_jvp`] (linear): the value
/// `(DVector(v), DVector(v̇))` and the pullback `(ȳ, ẏ̄) ↦ (ȳ, ẏ̄)` as `Vec<T>`s.
///
/// ```
/// use matcalc_runtime::linalg::from_vec_jvp_vjp;
/// use nalgebra::DVector;
/// let (_, pullback) = from_vec_jvp_vjp(&vec![1.0, 2.0], &vec![0.0, 1.0]);
/// let y_bar = DVector::from_vec(vec![3.0, 4.0]);
/// assert_eq!(pullback((y_bar.clone(), y_bar)), (vec![3.0, 4.0], vec![3.0, 4.0]));
/// ```
pub fn from_vec_jvp_vjp<T: Real + RealField>(
    v: &[T],
    v_dot: &[T],
) -> (
    (DVector<T>, DVector<T>),
    impl Fn((DVector<T>, DVector<T>)) -> (Vec<T>, Vec<T>) + use<T>,
) {
    (from_vec_jvp(v, v_dot), both(from_vec_vjp(v).1))
}

// =================================================================== from_diagonal

// Y = diag(v): forward dY = diag(dv); reverse v̄ = the diagonal of Ȳ.

/// The square matrix with `v` on its diagonal (nalgebra's `DMatrix::from_diagonal`).
///
/// ```
/// use matcalc_runtime::linalg::from_diagonal;
/// use nalgebra::{DMatrix, DVector};
/// let d = from_diagonal(&DVector::from_vec(vec![1.0, 2.0]));
/// assert_eq!(d, DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 2.0]));
/// ```
pub fn from_diagonal<T: Real + RealField>(v: &DVector<T>) -> DMatrix<T> {
    DMatrix::from_diagonal(v)
}

/// Forward mode of [`from_diagonal`]: `(diag(v), diag(v̇))`.
///
/// ```
/// use matcalc_runtime::linalg::from_diagonal_jvp;
/// use nalgebra::DVector;
/// let (d, d_dot) = from_diagonal_jvp(&DVector::from_vec(vec![1.0, 2.0]), &DVector::from_vec(vec![0.0, 1.0]));
/// assert_eq!((d[(1, 1)], d_dot[(1, 1)], d_dot[(0, 1)]), (2.0, 1.0, 0.0));
/// ```
pub fn from_diagonal_jvp<T: Real + RealField>(
    v: &DVector<T>,
    v_dot: &DVector<T>,
) -> (DMatrix<T>, DMatrix<T>) {
    (DMatrix::from_diagonal(v), DMatrix::from_diagonal(v_dot))
}

/// Reverse mode of [`from_diagonal`]: the value and the pullback `Ȳ ↦` the diagonal of `Ȳ`.
///
/// ```
/// use matcalc_runtime::linalg::from_diagonal_vjp;
/// use nalgebra::{DMatrix, DVector};
/// let (_, pullback) = from_diagonal_vjp(&DVector::from_vec(vec![1.0, 2.0]));
/// let y_bar = DMatrix::from_row_slice(2, 2, &[3.0, 5.0, 7.0, 4.0]);
/// assert_eq!(pullback(y_bar), DVector::from_vec(vec![3.0, 4.0]));
/// ```
pub fn from_diagonal_vjp<T: Real + RealField>(
    v: &DVector<T>,
) -> (DMatrix<T>, impl Fn(DMatrix<T>) -> DVector<T> + use<T>) {
    (DMatrix::from_diagonal(v), |y_bar: DMatrix<T>| {
        y_bar.diagonal()
    })
}

/// Second order of [`from_diagonal`], the reverse mode of [`from_diagonal_jvp`] (linear): the
/// value `(diag(v), diag(v̇))` and the pullback `(Ȳ, Ẏ̄) ↦` their diagonals.
///
/// ```
/// use matcalc_runtime::linalg::from_diagonal_jvp_vjp;
/// use nalgebra::{DMatrix, DVector};
/// let v = DVector::from_vec(vec![1.0, 2.0]);
/// let (_, pullback) = from_diagonal_jvp_vjp(&v, &v);
/// let (v_bar, v_dot_bar) = pullback((DMatrix::identity(2, 2), DMatrix::zeros(2, 2)));
/// assert_eq!((v_bar[1], v_dot_bar[1]), (1.0, 0.0));
/// ```
pub fn from_diagonal_jvp_vjp<T: Real + RealField>(
    v: &DVector<T>,
    v_dot: &DVector<T>,
) -> (
    (DMatrix<T>, DMatrix<T>),
    impl Fn((DMatrix<T>, DMatrix<T>)) -> (DVector<T>, DVector<T>) + use<T>,
) {
    (from_diagonal_jvp(v, v_dot), both(from_diagonal_vjp(v).1))
}

// ==================================================================== from_element

// y = b·1 (every entry b): forward dy = db·1; reverse b̄ = the sum of the entries of ȳ.

/// The vector of `n` entries, each `b` (nalgebra's `DVector::from_element(n, b)` and
/// `DVector::repeat(n, b)`).
///
/// ```
/// use matcalc_runtime::linalg::vector_from_element;
/// use nalgebra::DVector;
/// assert_eq!(vector_from_element(3, &2.0), DVector::from_element(3, 2.0));
/// ```
pub fn vector_from_element<T: Real + RealField>(n: usize, b: &T) -> DVector<T> {
    DVector::from_element(n, *b)
}

/// Forward mode of [`vector_from_element`]: `(b·1, ḃ·1)`.
///
/// ```
/// use matcalc_runtime::linalg::vector_from_element_jvp;
/// let (y, y_dot) = vector_from_element_jvp(2, &2.0, &0.5);
/// assert_eq!((y[1], y_dot[1]), (2.0, 0.5));
/// ```
pub fn vector_from_element_jvp<T: Real + RealField>(
    n: usize,
    b: &T,
    b_dot: &T,
) -> (DVector<T>, DVector<T>) {
    (
        DVector::from_element(n, *b),
        DVector::from_element(n, *b_dot),
    )
}

/// Reverse mode of [`vector_from_element`]: the value and the pullback `ȳ ↦ Σᵢ ȳᵢ`.
///
/// ```
/// use matcalc_runtime::linalg::vector_from_element_vjp;
/// use nalgebra::DVector;
/// let (_, pullback) = vector_from_element_vjp(2, &2.0);
/// assert_eq!(pullback(DVector::from_vec(vec![3.0, 4.0])), 7.0);
/// ```
pub fn vector_from_element_vjp<T: Real + RealField>(
    n: usize,
    b: &T,
) -> (DVector<T>, impl Fn(DVector<T>) -> T + use<T>) {
    (DVector::from_element(n, *b), |y_bar: DVector<T>| {
        y_bar.sum()
    })
}

/// Second order of [`vector_from_element`], the reverse mode of [`vector_from_element_jvp`]
/// (linear): the value `(b·1, ḃ·1)` and the pullback `(ȳ, ẏ̄) ↦ (Σȳ, Σẏ̄)`.
///
/// ```
/// use matcalc_runtime::linalg::vector_from_element_jvp_vjp;
/// use nalgebra::DVector;
/// let (_, pullback) = vector_from_element_jvp_vjp(2, &2.0, &0.5);
/// let y_bar = DVector::from_vec(vec![3.0, 4.0]);
/// assert_eq!(pullback((y_bar.clone(), y_bar)), (7.0, 7.0));
/// ```
pub fn vector_from_element_jvp_vjp<T: Real + RealField>(
    n: usize,
    b: &T,
    b_dot: &T,
) -> (
    (DVector<T>, DVector<T>),
    impl Fn((DVector<T>, DVector<T>)) -> (T, T) + use<T>,
) {
    (
        vector_from_element_jvp(n, b, b_dot),
        both(vector_from_element_vjp(n, b).1),
    )
}

/// The `rows × cols` matrix whose entries are all `b` (nalgebra's
/// `DMatrix::from_element(rows, cols, b)` and `DMatrix::repeat(rows, cols, b)`).
///
/// ```
/// use matcalc_runtime::linalg::matrix_from_element;
/// use nalgebra::DMatrix;
/// assert_eq!(matrix_from_element(2, 3, &1.5), DMatrix::from_element(2, 3, 1.5));
/// ```
pub fn matrix_from_element<T: Real + RealField>(rows: usize, cols: usize, b: &T) -> DMatrix<T> {
    DMatrix::from_element(rows, cols, *b)
}

/// Forward mode of [`matrix_from_element`]: `(b·𝟙, ḃ·𝟙)`.
///
/// ```
/// use matcalc_runtime::linalg::matrix_from_element_jvp;
/// let (y, y_dot) = matrix_from_element_jvp(2, 2, &2.0, &0.5);
/// assert_eq!((y[(1, 0)], y_dot[(0, 1)]), (2.0, 0.5));
/// ```
pub fn matrix_from_element_jvp<T: Real + RealField>(
    rows: usize,
    cols: usize,
    b: &T,
    b_dot: &T,
) -> (DMatrix<T>, DMatrix<T>) {
    (
        DMatrix::from_element(rows, cols, *b),
        DMatrix::from_element(rows, cols, *b_dot),
    )
}

/// Reverse mode of [`matrix_from_element`]: the value and the pullback `Ȳ ↦ Σᵢⱼ Ȳᵢⱼ`.
///
/// ```
/// use matcalc_runtime::linalg::matrix_from_element_vjp;
/// use nalgebra::DMatrix;
/// let (_, pullback) = matrix_from_element_vjp(1, 2, &2.0);
/// assert_eq!(pullback(DMatrix::from_row_slice(1, 2, &[3.0, 4.0])), 7.0);
/// ```
pub fn matrix_from_element_vjp<T: Real + RealField>(
    rows: usize,
    cols: usize,
    b: &T,
) -> (DMatrix<T>, impl Fn(DMatrix<T>) -> T + use<T>) {
    (
        DMatrix::from_element(rows, cols, *b),
        |y_bar: DMatrix<T>| y_bar.sum(),
    )
}

/// Second order of [`matrix_from_element`], the reverse mode of [`matrix_from_element_jvp`]
/// (linear): the value `(b·𝟙, ḃ·𝟙)` and the pullback `(Ȳ, Ẏ̄) ↦ (ΣȲ, ΣẎ̄)`.
///
/// ```
/// use matcalc_runtime::linalg::matrix_from_element_jvp_vjp;
/// use nalgebra::DMatrix;
/// let (_, pullback) = matrix_from_element_jvp_vjp(1, 2, &2.0, &0.5);
/// let y_bar = DMatrix::from_row_slice(1, 2, &[3.0, 4.0]);
/// assert_eq!(pullback((y_bar.clone(), y_bar)), (7.0, 7.0));
/// ```
pub fn matrix_from_element_jvp_vjp<T: Real + RealField>(
    rows: usize,
    cols: usize,
    b: &T,
    b_dot: &T,
) -> (
    (DMatrix<T>, DMatrix<T>),
    impl Fn((DMatrix<T>, DMatrix<T>)) -> (T, T) + use<T>,
) {
    (
        matrix_from_element_jvp(rows, cols, b, b_dot),
        both(matrix_from_element_vjp(rows, cols, b).1),
    )
}

// ======================================================================== diagonal

// y = diag(A), the vector of A's diagonal (the adjoint of from_diagonal): forward dy = diag(dA);
// reverse Ā = the matrix of A's shape with ȳ on its diagonal.

/// The diagonal of the square matrix `a` as a vector (nalgebra's `a.diagonal()`, which panics
/// on a rectangular matrix).
///
/// ```
/// use matcalc_runtime::linalg::diagonal;
/// use nalgebra::{DMatrix, DVector};
/// let a = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]);
/// assert_eq!(diagonal(&a), DVector::from_vec(vec![1.0, 4.0]));
/// ```
pub fn diagonal<T: Real + RealField>(a: &DMatrix<T>) -> DVector<T> {
    a.diagonal()
}

/// Forward mode of [`diagonal`]: `(diag(A), diag(Ȧ))`.
///
/// ```
/// use matcalc_runtime::linalg::diagonal_jvp;
/// use nalgebra::DMatrix;
/// let (y, y_dot) = diagonal_jvp(&DMatrix::identity(2, 2), &DMatrix::from_element(2, 2, 0.5));
/// assert_eq!((y[1], y_dot[1]), (1.0, 0.5));
/// ```
pub fn diagonal_jvp<T: Real + RealField>(
    a: &DMatrix<T>,
    a_dot: &DMatrix<T>,
) -> (DVector<T>, DVector<T>) {
    (a.diagonal(), a_dot.diagonal())
}

/// Reverse mode of [`diagonal`]: the value and the pullback `ȳ ↦` the matrix of `a`'s shape
/// with `ȳ` on its diagonal.
///
/// ```
/// use matcalc_runtime::linalg::diagonal_vjp;
/// use nalgebra::{DMatrix, DVector};
/// let (_, pullback) = diagonal_vjp(&DMatrix::<f64>::zeros(2, 2));
/// let a_bar = pullback(DVector::from_vec(vec![1.0, 2.0]));
/// assert_eq!(a_bar, DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 2.0]));
/// ```
pub fn diagonal_vjp<T: Real + RealField>(
    a: &DMatrix<T>,
) -> (DVector<T>, impl Fn(DVector<T>) -> DMatrix<T> + use<T>) {
    let (rows, cols) = a.shape();
    (a.diagonal(), move |y_bar: DVector<T>| {
        let mut a_bar = DMatrix::zeros(rows, cols);
        a_bar.set_diagonal(&y_bar);
        a_bar
    })
}

/// Second order of [`diagonal`], the reverse mode of [`diagonal_jvp`] (linear): the value
/// `(diag(A), diag(Ȧ))` and the pullback `(ȳ, ẏ̄) ↦` both placed on the diagonal.
///
/// ```
/// use matcalc_runtime::linalg::diagonal_jvp_vjp;
/// use nalgebra::{DMatrix, DVector};
/// let a = DMatrix::<f64>::identity(2, 2);
/// let (_, pullback) = diagonal_jvp_vjp(&a, &a);
/// let (a_bar, a_dot_bar) = pullback((DVector::from_vec(vec![1.0, 2.0]), DVector::zeros(2)));
/// assert_eq!((a_bar[(1, 1)], a_dot_bar[(1, 1)]), (2.0, 0.0));
/// ```
pub fn diagonal_jvp_vjp<T: Real + RealField>(
    a: &DMatrix<T>,
    a_dot: &DMatrix<T>,
) -> (
    (DVector<T>, DVector<T>),
    impl Fn((DVector<T>, DVector<T>)) -> (DMatrix<T>, DMatrix<T>) + use<T>,
) {
    (diagonal_jvp(a, a_dot), both(diagonal_vjp(a).1))
}
