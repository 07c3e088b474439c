//! The parts of a matrix as owned copies: a column, a row, and blocks of rows, of columns and
//! of both (nalgebra's `column`, `row`, `rows`, `columns` and `view`, copied). Each is linear:
//! its tangent is the same part of the tangent, and its pullback puts the adjoint in that part
//! of a zero matrix.

// The second-order companions return a pair and a pullback, as every rule's does.
#![allow(clippy::type_complexity)]

use crate::rules::linalg::both;
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::{DMatrix, DefaultAllocator, Dim, Dyn, OMatrix, OVector, RealField, U1};

/// `Ȳ` in the block at `(i, j)` of a zero matrix of the shape `(r, c)`: the pullback of every
/// part of a matrix.
fn in_block<T, R, C, R2, C2>(
    (r, c): (R, C),
    (i, j): (usize, usize),
    y_bar: &OMatrix<T, R2, C2>,
) -> OMatrix<T, R, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    R2: Dim,
    C2: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R2, C2>,
{
    let mut a_bar = OMatrix::<T, R, C>::zeros_generic(r, c);
    a_bar
        .generic_view_mut((i, j), y_bar.shape_generic())
        .copy_from(y_bar);
    a_bar
}

// ========================================================================== columns and rows

// y = A[:, j] (an owned copy). Forward: dy = dA[:, j]. Reverse: Ā = 0 except column j = ȳ.
// Not handled: an index out of bounds panics, as nalgebra's `column` does.

/// Column `j` of `A` as an owned vector (`DVector` of a `DMatrix`, `Vector3` of a `Matrix3`).
///
/// # Panics
///
/// If `j` is not a column of `A`.
///
/// ```
/// use matcalc_runtime::linalg::column;
/// use nalgebra::{Matrix2, Vector2};
/// assert_eq!(column(&Matrix2::new(1.0, 2.0, 3.0, 4.0), 1), Vector2::new(2.0, 4.0));
/// ```
pub fn column<T, R, C>(a: &OMatrix<T, R, C>, j: usize) -> OVector<T, R>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R>,
{
    a.column(j).into_owned()
}

/// Forward mode of [`column()`]: `(A[:, j], dA[:, j])`.
///
/// ```
/// use matcalc_runtime::linalg::column_jvp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, y_dot) = column_jvp(&Matrix2::<f64>::zeros(), 0, &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(y_dot, Vector2::new(1.0, 3.0));
/// ```
pub fn column_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    j: usize,
    a_dot: &OMatrix<T, R, C>,
) -> (OVector<T, R>, OVector<T, R>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R>,
{
    (a.column(j).into_owned(), a_dot.column(j).into_owned())
}

/// Reverse mode of [`column()`]: the value and the pullback that puts `ȳ` in column `j` of a zero
/// matrix.
///
/// ```
/// use matcalc_runtime::linalg::column_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, pullback) = column_vjp(&Matrix2::<f64>::zeros(), 1);
/// assert_eq!(pullback(Vector2::new(1.0, 2.0)), Matrix2::new(0.0, 1.0, 0.0, 2.0));
/// ```
pub fn column_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    j: usize,
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
    (a.column(j).into_owned(), move |y_bar: OVector<T, R>| {
        in_block(shape, (0, j), &y_bar)
    })
}

/// Second order of [`column()`], the reverse mode of [`column_jvp`] (linear): the value
/// `(A[:, j], Ȧ[:, j])` and the pullback that puts `ȳ` and `ẏ̄` in column `j` of zero matrices.
///
/// ```
/// use matcalc_runtime::linalg::column_jvp_vjp;
/// use nalgebra::{Matrix2, Vector2};
/// let (_, pullback) = column_jvp_vjp(&Matrix2::<f64>::zeros(), 1, &Matrix2::zeros());
/// let (a_bar, a_dot_bar) = pullback((Vector2::new(1.0, 2.0), Vector2::new(3.0, 4.0)));
/// assert_eq!((a_bar, a_dot_bar), (Matrix2::new(0.0, 1.0, 0.0, 2.0), Matrix2::new(0.0, 3.0, 0.0, 4.0)));
/// ```
pub fn column_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    j: usize,
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
    (column_jvp(a, j, a_dot), both(column_vjp(a, j).1))
}

// y = A[i, :] (an owned row vector). Forward: dy = dA[i, :]. Reverse: Ā = 0 except row i = ȳ.

/// Row `i` of `A` as an owned row vector (`RowDVector` of a `DMatrix`, `RowVector3` of a
/// `Matrix3`).
///
/// # Panics
///
/// If `i` is not a row of `A`.
///
/// ```
/// use matcalc_runtime::linalg::row;
/// use nalgebra::{Matrix2, RowVector2};
/// assert_eq!(row(&Matrix2::new(1.0, 2.0, 3.0, 4.0), 1), RowVector2::new(3.0, 4.0));
/// ```
pub fn row<T, R, C>(a: &OMatrix<T, R, C>, i: usize) -> OMatrix<T, U1, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<U1, C>,
{
    a.row(i).into_owned()
}

/// Forward mode of [`row`]: `(A[i, :], dA[i, :])`.
///
/// ```
/// use matcalc_runtime::linalg::row_jvp;
/// use nalgebra::{Matrix2, RowVector2};
/// let (_, y_dot) = row_jvp(&Matrix2::<f64>::zeros(), 0, &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(y_dot, RowVector2::new(1.0, 2.0));
/// ```
pub fn row_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    i: usize,
    a_dot: &OMatrix<T, R, C>,
) -> (OMatrix<T, U1, C>, OMatrix<T, U1, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<U1, C>,
{
    (a.row(i).into_owned(), a_dot.row(i).into_owned())
}

/// Reverse mode of [`row`]: the value and the pullback that puts `ȳ` in row `i` of a zero
/// matrix.
///
/// ```
/// use matcalc_runtime::linalg::row_vjp;
/// use nalgebra::{Matrix2, RowVector2};
/// let (_, pullback) = row_vjp(&Matrix2::<f64>::zeros(), 1);
/// assert_eq!(pullback(RowVector2::new(1.0, 2.0)), Matrix2::new(0.0, 0.0, 1.0, 2.0));
/// ```
pub fn row_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    i: usize,
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
    (a.row(i).into_owned(), move |y_bar: OMatrix<T, U1, C>| {
        in_block(shape, (i, 0), &y_bar)
    })
}

/// Second order of [`row`], the reverse mode of [`row_jvp`] (linear): the value
/// `(A[i, :], Ȧ[i, :])` and the pullback that puts `ȳ` and `ẏ̄` in row `i` of zero matrices.
///
/// ```
/// use matcalc_runtime::linalg::row_jvp_vjp;
/// use nalgebra::{Matrix2, RowVector2};
/// let (_, pullback) = row_jvp_vjp(&Matrix2::<f64>::zeros(), 0, &Matrix2::zeros());
/// let (a_bar, a_dot_bar) = pullback((RowVector2::new(1.0, 2.0), RowVector2::zeros()));
/// assert_eq!((a_bar, a_dot_bar), (Matrix2::new(1.0, 2.0, 0.0, 0.0), Matrix2::zeros()));
/// ```
pub fn row_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    i: usize,
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
    (row_jvp(a, i, a_dot), both(row_vjp(a, i).1))
}

// ================================================================================== blocks

// Y = A[i..i+r, j..j+c], a block of A as an owned matrix: nalgebra's `rows(i, r)` (every
// column), `columns(j, c)` (every row) and `view((i, j), (r, c))`, copied. Linear: forward
// dY = dA[i..i+r, j..j+c]; reverse Ā = 0 except the block, Ȳ. The block keeps the static size
// of the dimension it does not cut (`rows` of a `Matrix3` is `OMatrix<T, Dyn, U3>`).
// Not handled: a block out of bounds panics, as nalgebra's views do.

/// Rows `i..i + n` of `A` as an owned matrix (nalgebra's `a.rows(i, n)`, copied).
///
/// # Panics
///
/// If the rows are not all rows of `A`.
///
/// ```
/// use matcalc_runtime::linalg::rows;
/// use nalgebra::Matrix3x2;
/// let a = Matrix3x2::new(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
/// assert_eq!(rows(&a, 1, 2), a.rows(1, 2));
/// ```
pub fn rows<T, R, C>(a: &OMatrix<T, R, C>, i: usize, n: usize) -> OMatrix<T, Dyn, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<Dyn, C>,
{
    a.rows(i, n).into_owned()
}

/// Forward mode of [`rows`]: `(A[i..i+n, :], dA[i..i+n, :])`.
///
/// ```
/// use matcalc_runtime::linalg::rows_jvp;
/// use nalgebra::Matrix2;
/// let (_, y_dot) = rows_jvp(&Matrix2::<f64>::zeros(), 1, 1, &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(y_dot.as_slice(), &[3.0, 4.0]);
/// ```
pub fn rows_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    i: usize,
    n: usize,
    a_dot: &OMatrix<T, R, C>,
) -> (OMatrix<T, Dyn, C>, OMatrix<T, Dyn, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<Dyn, C>,
{
    (rows(a, i, n), rows(a_dot, i, n))
}

/// Reverse mode of [`rows`]: the value and the pullback that puts `Ȳ` in rows `i..i + n` of a
/// zero matrix.
///
/// ```
/// use matcalc_runtime::linalg::rows_vjp;
/// use nalgebra::{Matrix2, RowVector2};
/// let (y, pullback) = rows_vjp(&Matrix2::new(1.0, 2.0, 3.0, 4.0), 0, 1);
/// assert_eq!(y.as_slice(), &[1.0, 2.0]);
/// assert_eq!(pullback(y), Matrix2::new(1.0, 2.0, 0.0, 0.0));
/// ```
pub fn rows_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    i: usize,
    n: usize,
) -> (
    OMatrix<T, Dyn, C>,
    impl Fn(OMatrix<T, Dyn, C>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<Dyn, C>,
{
    let shape = a.shape_generic();
    (rows(a, i, n), move |y_bar: OMatrix<T, Dyn, C>| {
        in_block(shape, (i, 0), &y_bar)
    })
}

/// Second order of [`rows`], the reverse mode of [`rows_jvp`] (linear): the value
/// `(A[i..i+n, :], Ȧ[i..i+n, :])` and the pullback that puts `Ȳ` and `Ẏ̄` in those rows of zero
/// matrices.
///
/// ```
/// use matcalc_runtime::linalg::rows_jvp_vjp;
/// use nalgebra::Matrix2;
/// let a = Matrix2::new(1.0, 2.0, 3.0, 4.0);
/// let ((y, y_dot), pullback) = rows_jvp_vjp(&a, 1, 1, &a);
/// assert_eq!(y, y_dot);
/// assert_eq!(pullback((y.clone(), y)).1, Matrix2::new(0.0, 0.0, 3.0, 4.0));
/// ```
pub fn rows_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    i: usize,
    n: usize,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (OMatrix<T, Dyn, C>, OMatrix<T, Dyn, C>),
    impl Fn((OMatrix<T, Dyn, C>, OMatrix<T, Dyn, C>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>)
    + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<Dyn, C>,
{
    (rows_jvp(a, i, n, a_dot), both(rows_vjp(a, i, n).1))
}

/// Columns `j..j + n` of `A` as an owned matrix (nalgebra's `a.columns(j, n)`, copied).
///
/// # Panics
///
/// If the columns are not all columns of `A`.
///
/// ```
/// use matcalc_runtime::linalg::columns;
/// use nalgebra::Matrix2x3;
/// let a = Matrix2x3::new(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
/// assert_eq!(columns(&a, 1, 2), a.columns(1, 2));
/// ```
pub fn columns<T, R, C>(a: &OMatrix<T, R, C>, j: usize, n: usize) -> OMatrix<T, R, Dyn>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R, Dyn>,
{
    a.columns(j, n).into_owned()
}

/// Forward mode of [`columns`]: `(A[:, j..j+n], dA[:, j..j+n])`.
///
/// ```
/// use matcalc_runtime::linalg::columns_jvp;
/// use nalgebra::Matrix2;
/// let (_, y_dot) = columns_jvp(&Matrix2::<f64>::zeros(), 0, 1, &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(y_dot.as_slice(), &[1.0, 3.0]);
/// ```
pub fn columns_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    j: usize,
    n: usize,
    a_dot: &OMatrix<T, R, C>,
) -> (OMatrix<T, R, Dyn>, OMatrix<T, R, Dyn>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R, Dyn>,
{
    (columns(a, j, n), columns(a_dot, j, n))
}

/// Reverse mode of [`columns`]: the value and the pullback that puts `Ȳ` in columns
/// `j..j + n` of a zero matrix.
///
/// ```
/// use matcalc_runtime::linalg::columns_vjp;
/// use nalgebra::Matrix2;
/// let (y, pullback) = columns_vjp(&Matrix2::new(1.0, 2.0, 3.0, 4.0), 1, 1);
/// assert_eq!(y.as_slice(), &[2.0, 4.0]);
/// assert_eq!(pullback(y), Matrix2::new(0.0, 2.0, 0.0, 4.0));
/// ```
pub fn columns_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    j: usize,
    n: usize,
) -> (
    OMatrix<T, R, Dyn>,
    impl Fn(OMatrix<T, R, Dyn>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R, Dyn>,
{
    let shape = a.shape_generic();
    (columns(a, j, n), move |y_bar: OMatrix<T, R, Dyn>| {
        in_block(shape, (0, j), &y_bar)
    })
}

/// Second order of [`columns`], the reverse mode of [`columns_jvp`] (linear): the value
/// `(A[:, j..j+n], Ȧ[:, j..j+n])` and the pullback that puts `Ȳ` and `Ẏ̄` in those columns of
/// zero matrices.
///
/// ```
/// use matcalc_runtime::linalg::columns_jvp_vjp;
/// use nalgebra::Matrix2;
/// let a = Matrix2::new(1.0, 2.0, 3.0, 4.0);
/// let ((y, y_dot), pullback) = columns_jvp_vjp(&a, 0, 1, &a);
/// assert_eq!(y, y_dot);
/// assert_eq!(pullback((y.clone(), y)).0, Matrix2::new(1.0, 0.0, 3.0, 0.0));
/// ```
pub fn columns_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    j: usize,
    n: usize,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (OMatrix<T, R, Dyn>, OMatrix<T, R, Dyn>),
    impl Fn((OMatrix<T, R, Dyn>, OMatrix<T, R, Dyn>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>)
    + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<R, Dyn>,
{
    (columns_jvp(a, j, n, a_dot), both(columns_vjp(a, j, n).1))
}

/// The `r×c` block of `A` at row `i` and column `j` as an owned matrix (nalgebra's
/// `a.view((i, j), (r, c))`, copied).
///
/// # Panics
///
/// If the block is not all inside `A`.
///
/// ```
/// use matcalc_runtime::linalg::view;
/// use nalgebra::Matrix3;
/// let a = Matrix3::new(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0);
/// assert_eq!(view(&a, (1, 1), (2, 2)), a.view((1, 1), (2, 2)));
/// ```
pub fn view<T, R, C>(
    a: &OMatrix<T, R, C>,
    start: (usize, usize),
    shape: (usize, usize),
) -> DMatrix<T>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<Dyn, Dyn>,
{
    a.view(start, shape).into_owned()
}

/// Forward mode of [`view`]: the block of `A` and the same block of `dA`.
///
/// ```
/// use matcalc_runtime::linalg::view_jvp;
/// use nalgebra::Matrix2;
/// let (_, y_dot) = view_jvp(&Matrix2::<f64>::zeros(), (1, 0), (1, 2), &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(y_dot.as_slice(), &[3.0, 4.0]);
/// ```
pub fn view_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    start: (usize, usize),
    shape: (usize, usize),
    a_dot: &OMatrix<T, R, C>,
) -> (DMatrix<T>, DMatrix<T>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<Dyn, Dyn>,
{
    (view(a, start, shape), view(a_dot, start, shape))
}

/// Reverse mode of [`view`]: the value and the pullback that puts `Ȳ` in the block of a zero
/// matrix.
///
/// ```
/// use matcalc_runtime::linalg::view_vjp;
/// use nalgebra::{DMatrix, Matrix2};
/// let (_, pullback) = view_vjp(&Matrix2::<f64>::zeros(), (0, 1), (2, 1));
/// assert_eq!(pullback(DMatrix::from_element(2, 1, 1.0)), Matrix2::new(0.0, 1.0, 0.0, 1.0));
/// ```
pub fn view_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    start: (usize, usize),
    shape: (usize, usize),
) -> (
    DMatrix<T>,
    impl Fn(DMatrix<T>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<Dyn, Dyn>,
{
    let a_shape = a.shape_generic();
    (view(a, start, shape), move |y_bar: DMatrix<T>| {
        in_block(a_shape, start, &y_bar)
    })
}

/// Second order of [`view`], the reverse mode of [`view_jvp`] (linear): the blocks of `A` and
/// `Ȧ`, and the pullback that puts `Ȳ` and `Ẏ̄` in the block of zero matrices.
///
/// ```
/// use matcalc_runtime::linalg::view_jvp_vjp;
/// use nalgebra::Matrix2;
/// let a = Matrix2::new(1.0, 2.0, 3.0, 4.0);
/// let ((y, y_dot), pullback) = view_jvp_vjp(&a, (1, 1), (1, 1), &a);
/// assert_eq!((y[(0, 0)], y_dot[(0, 0)]), (4.0, 4.0));
/// assert_eq!(pullback((y.clone(), y)).1, Matrix2::new(0.0, 0.0, 0.0, 4.0));
/// ```
pub fn view_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    start: (usize, usize),
    shape: (usize, usize),
    a_dot: &OMatrix<T, R, C>,
) -> (
    (DMatrix<T>, DMatrix<T>),
    impl Fn((DMatrix<T>, DMatrix<T>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<Dyn, Dyn>,
{
    (
        view_jvp(a, start, shape, a_dot),
        both(view_vjp(a, start, shape).1),
    )
}
