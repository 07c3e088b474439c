//! Dense products: matrix–matrix and matrix–vector products (the `*` operator) and the dot
//! product of vectors.
//!
//! Not yet handled here: products of static-size matrices, scalar × matrix; they come with the
//! rest of the matrix rules.

use crate::rules::arith::MulRule;
use crate::value::Real;
use nalgebra::{DMatrix, DVector, Scalar};

// C = A·B. Forward: dC = dA·B + A·dB. Reverse: Ā = C̄·Bᵀ, B̄ = Aᵀ·C̄
// (Giles, "Collected matrix derivative results for forward and reverse mode AD", 2008, §2.2.1).
impl<T: Real + Scalar> MulRule<DMatrix<T>> for DMatrix<T> {
    type Output = DMatrix<T>;
    fn product(a: &Self, b: &DMatrix<T>) -> DMatrix<T> {
        a * b
    }
    fn pullback_lhs(b: &DMatrix<T>, c_bar: &DMatrix<T>) -> Self {
        c_bar * b.transpose()
    }
    fn pullback_rhs(a: &Self, c_bar: &DMatrix<T>) -> DMatrix<T> {
        a.tr_mul(c_bar)
    }
}

// y = A·x. Forward: dy = dA·x + A·dx. Reverse: Ā = ȳ·xᵀ, x̄ = Aᵀ·ȳ.
impl<T: Real + Scalar> MulRule<DVector<T>> for DMatrix<T> {
    type Output = DVector<T>;
    fn product(a: &Self, x: &DVector<T>) -> DVector<T> {
        a * x
    }
    fn pullback_lhs(x: &DVector<T>, y_bar: &DVector<T>) -> Self {
        y_bar * x.transpose()
    }
    fn pullback_rhs(a: &Self, y_bar: &DVector<T>) -> DVector<T> {
        a.tr_mul(y_bar)
    }
}

/// The derivative rules of the dot product `s = a·b`, implemented on the type of `a`.
///
/// Forward: `ds = da·b + a·db`. Reverse: `ā = s̄·b`, `b̄ = s̄·a`.
///
/// ```
/// use matcalc_runtime::rules::linalg::dense::DotRule;
/// use nalgebra::DVector;
/// let (a, b) = (DVector::from_vec(vec![1.0, 2.0]), DVector::from_vec(vec![3.0, 4.0]));
/// assert_eq!(DotRule::product(&a, &b), 11.0);
/// assert_eq!(<DVector<f64> as DotRule>::pullback_lhs(&b, &2.0), DVector::from_vec(vec![6.0, 8.0]));
/// ```
#[diagnostic::on_unimplemented(
    message = "no derivative rule for `{Self}.dot({Rhs})`",
    label = "matcalc has a `dot` rule for nalgebra vectors of the same type"
)]
pub trait DotRule<Rhs = Self> {
    /// The scalar type.
    type Output;
    /// `a·b`.
    fn product(a: &Self, b: &Rhs) -> Self::Output;
    /// `s̄·b`.
    fn pullback_lhs(b: &Rhs, s_bar: &Self::Output) -> Self;
    /// `s̄·a`.
    fn pullback_rhs(a: &Self, s_bar: &Self::Output) -> Rhs;
}

impl<T: Real + Scalar> DotRule for DVector<T> {
    type Output = T;
    fn product(a: &Self, b: &Self) -> T {
        a.dot(b)
    }
    fn pullback_lhs(b: &Self, s_bar: &T) -> Self {
        b * *s_bar
    }
    fn pullback_rhs(a: &Self, s_bar: &T) -> Self {
        a * *s_bar
    }
}

/// `a·b` through [`DotRule`].
#[inline]
pub fn dot<A: DotRule<B>, B>(a: &A, b: &B) -> A::Output {
    A::product(a, b)
}

/// `s̄·b`, the adjoint of `a`.
#[inline]
pub fn dot_pullback_lhs<A: DotRule<B>, B>(_a: &A, b: &B, s_bar: &A::Output) -> A {
    A::pullback_lhs(b, s_bar)
}

/// `s̄·a`, the adjoint of `b`.
#[inline]
pub fn dot_pullback_rhs<A: DotRule<B>, B>(a: &A, _b: &B, s_bar: &A::Output) -> B {
    A::pullback_rhs(a, s_bar)
}
