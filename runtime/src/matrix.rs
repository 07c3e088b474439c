//! nalgebra matrices and vectors as values derivatives act on: dense owned matrices of any
//! dimensions (`DMatrix`, `DVector`, `SMatrix`, `Matrix3`, ...), their flat view column-major
//! (nalgebra's storage order and the course's `vec`), their inner product the Frobenius one.

use crate::value::{Active, IndexAdjoint, Real, Tangent};
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, OMatrix, Scalar};

impl<T: Real + Scalar, R: Dim, C: Dim> Tangent for OMatrix<T, R, C>
where
    DefaultAllocator: Allocator<R, C>,
{
    type Scalar = T;
    /// Rows and columns.
    type Shape = (usize, usize);
    fn shape(&self) -> (usize, usize) {
        self.shape()
    }
    fn zeros(shape: &(usize, usize)) -> Self {
        OMatrix::<T, R, C>::zeros_generic(R::from_usize(shape.0), C::from_usize(shape.1))
    }
    fn axpy(&mut self, alpha: T, x: &Self) {
        assert_eq!(
            self.shape(),
            x.shape(),
            "adjoint matrices of different shapes"
        );
        self.zip_apply(x, |s, x| *s += alpha * x);
    }
    fn scale(&mut self, alpha: T) {
        self.apply(|s| *s *= alpha);
    }
    fn dim(&self) -> usize {
        self.len()
    }
    fn write_flat(&self, out: &mut Vec<T>) {
        out.extend(self.iter().copied());
    }
    fn read_flat(&self, input: &mut &[T]) -> Self {
        let (values, rest) = input.split_at(self.len());
        *input = rest;
        OMatrix::<T, R, C>::from_iterator_generic(
            R::from_usize(self.nrows()),
            C::from_usize(self.ncols()),
            values.iter().copied(),
        )
    }
}

impl<T: Real + Scalar, R: Dim, C: Dim> Active for OMatrix<T, R, C>
where
    DefaultAllocator: Allocator<R, C>,
{
    type Owned = Self;
    fn to_owned_value(&self) -> Self {
        self.clone()
    }
    fn shape(&self) -> (usize, usize) {
        self.shape()
    }
}

/// `m[(i, j)]`.
impl<T: Real + Scalar + Tangent<Scalar = T>, R: Dim, C: Dim> IndexAdjoint<(usize, usize)>
    for OMatrix<T, R, C>
where
    DefaultAllocator: Allocator<R, C>,
{
    type Element = T;
    fn add_at(&mut self, index: (usize, usize), g: T) {
        self[index] += g;
    }
    fn take_at(&mut self, index: (usize, usize)) -> T {
        core::mem::replace(&mut self[index], T::zero())
    }
    fn sum_elements(self) -> Option<T> {
        (!self.is_empty()).then(|| self.iter().fold(T::zero(), |s, x| s + *x))
    }
}

/// `v[i]`, in column-major order for a matrix.
impl<T: Real + Scalar + Tangent<Scalar = T>, R: Dim, C: Dim> IndexAdjoint<usize>
    for OMatrix<T, R, C>
where
    DefaultAllocator: Allocator<R, C>,
{
    type Element = T;
    fn add_at(&mut self, index: usize, g: T) {
        self[index] += g;
    }
    fn take_at(&mut self, index: usize) -> T {
        core::mem::replace(&mut self[index], T::zero())
    }
    fn sum_elements(self) -> Option<T> {
        (!self.is_empty()).then(|| self.iter().fold(T::zero(), |s, x| s + *x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{DMatrix, Matrix2};

    #[test]
    fn flat_view_is_column_major() {
        let m = Matrix2::new(1.0, 2.0, 3.0, 4.0);
        assert_eq!(m.to_flat(), vec![1.0, 3.0, 2.0, 4.0]);
        let back = m.read_flat(&mut &[5.0, 6.0, 7.0, 8.0][..]);
        assert_eq!(back, Matrix2::new(5.0, 7.0, 6.0, 8.0));
    }

    #[test]
    fn inner_product_is_frobenius() {
        let a = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]);
        let b = DMatrix::from_row_slice(2, 2, &[0.5, -1.0, 2.0, 1.0]);
        assert_eq!(a.inner(&b), (a.transpose() * &b).trace());
        assert_eq!(Tangent::zero_like(&a), DMatrix::zeros(2, 2));
    }
}
