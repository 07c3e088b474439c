//! Products and quotients.
//!
//! The macro has no type information, so it calls these through traits and the impls pick the
//! rule for the operand types: today scalars; the matrix rules add matrix, vector and
//! scalar-times-matrix products as further impls of the same traits.

use crate::value::{Active, Real};

/// The derivative rules of a product `c = a * b`, implemented on the type of `a`.
///
/// Forward mode uses the product itself, since `d(ab) = da·b + a·db` for every bilinear product.
/// Reverse mode: `ā += c̄·bᵀ` and `b̄ += aᵀ·c̄` (for scalars, `c̄·b` and `a·c̄`).
///
/// ```
/// use matcalc_runtime::rules::arith::MulRule;
/// assert_eq!(<f64 as MulRule<f64>>::product(&2.0, &3.0), 6.0);
/// assert_eq!(<f64 as MulRule<f64>>::pullback_lhs(&3.0, &1.5), 4.5);
///
/// // matrices whose inner dimension is dynamic in one factor and static in the other
/// use nalgebra::{DMatrix, DVector, Vector3};
/// let a = DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// let v = Vector3::new(1.0, 0.0, -1.0);
/// assert_eq!(MulRule::product(&a, &v), DVector::from_vec(vec![-2.0, -2.0]));
/// // v̄ = aᵀ·c̄, a `Vector3` again
/// let c_bar = DVector::from_vec(vec![1.0, 1.0]);
/// assert_eq!(<DMatrix<f64> as MulRule<Vector3<f64>>>::pullback_rhs(&a, &c_bar), Vector3::new(5.0, 7.0, 9.0));
/// ```
#[diagnostic::on_unimplemented(
    message = "no derivative rule for `{Self} * {Rhs}`",
    label = "matcalc has no product rule for these operand types"
)]
pub trait MulRule<Rhs: ?Sized> {
    /// The type of the product.
    type Output;
    /// The product `a * b`.
    ///
    /// ```
    /// use matcalc_runtime::rules::arith::MulRule;
    /// use nalgebra::{Matrix2, Vector2};
    /// let (a, x) = (Matrix2::new(1.0, 2.0, 3.0, 4.0), Vector2::new(1.0, -1.0));
    /// assert_eq!(MulRule::product(&a, &x), Vector2::new(-1.0, -1.0));
    /// ```
    fn product(a: &Self, b: &Rhs) -> Self::Output;
    /// The adjoint of `a` given the adjoint of the product: `c̄·bᵀ`.
    ///
    /// ```
    /// use matcalc_runtime::rules::arith::MulRule;
    /// use nalgebra::{Matrix2, Vector2};
    /// // c = A·x: Ā = c̄·xᵀ, an outer product
    /// let (x, c_bar) = (Vector2::new(1.0, -1.0), Vector2::new(2.0, 0.0));
    /// let a_bar = <Matrix2<f64> as MulRule<Vector2<f64>>>::pullback_lhs(&x, &c_bar);
    /// assert_eq!(a_bar, Matrix2::new(2.0, -2.0, 0.0, 0.0));
    /// ```
    fn pullback_lhs(b: &Rhs, c_bar: &Self::Output) -> Self;
    /// The adjoint of `b` given the adjoint of the product: `aᵀ·c̄`.
    ///
    /// ```
    /// use matcalc_runtime::rules::arith::MulRule;
    /// use nalgebra::{Matrix2, Vector2};
    /// // c = A·x: x̄ = Aᵀ·c̄
    /// let (a, c_bar) = (Matrix2::new(1.0, 2.0, 3.0, 4.0), Vector2::new(1.0, 0.0));
    /// let x_bar = <Matrix2<f64> as MulRule<Vector2<f64>>>::pullback_rhs(&a, &c_bar);
    /// assert_eq!(x_bar, Vector2::new(1.0, 2.0));
    /// ```
    fn pullback_rhs(a: &Self, c_bar: &Self::Output) -> Rhs
    where
        Rhs: Sized;
}

/// The derivative rules of a quotient `c = a / b`, implemented on the type of `a`.
///
/// Forward: `ċ = ȧ/b − c·ḃ/b`. Reverse: `ā += c̄/b`, `b̄ += −c̄·c/b`.
///
/// ```
/// use matcalc_runtime::rules::arith::DivRule;
/// // c = 6 / 3 = 2: dc/db = -c/b = -2/3
/// assert_eq!(<f64 as DivRule<f64>>::pullback_rhs(&3.0, &2.0, &1.0), -2.0 / 3.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "no derivative rule for `{Self} / {Rhs}`",
    label = "matcalc has no quotient rule for these operand types"
)]
pub trait DivRule<Rhs: ?Sized> {
    /// The type of the quotient.
    type Output;
    /// The tangent of the quotient from the tangent of the numerator: `ȧ/b`.
    ///
    /// ```
    /// use matcalc_runtime::rules::arith::DivRule;
    /// assert_eq!(<f64 as DivRule<f64>>::tangent_lhs(&1.0, &4.0), 0.25);
    /// ```
    fn tangent_lhs(a_dot: &Self, b: &Rhs) -> Self::Output;
    /// The tangent of the quotient from the tangent of the denominator: `−c·ḃ/b`.
    ///
    /// ```
    /// use matcalc_runtime::rules::arith::DivRule;
    /// // c = 6/3 = 2, ḃ = 1: ċ = −2/3
    /// assert_eq!(<f64 as DivRule<f64>>::tangent_rhs(&3.0, &2.0, &1.0), -2.0 / 3.0);
    /// ```
    fn tangent_rhs(b: &Rhs, c: &Self::Output, b_dot: &Rhs) -> Self::Output;
    /// The adjoint of the numerator: `c̄/b`.
    ///
    /// ```
    /// use matcalc_runtime::rules::arith::DivRule;
    /// use nalgebra::Vector2;
    /// // c = a/s for a vector a and a scalar s: ā = c̄/s
    /// let a_bar = <Vector2<f64> as DivRule<f64>>::pullback_lhs(&2.0, &Vector2::new(1.0, 4.0));
    /// assert_eq!(a_bar, Vector2::new(0.5, 2.0));
    /// ```
    fn pullback_lhs(b: &Rhs, c_bar: &Self::Output) -> Self;
    /// The adjoint of the denominator: `−⟨c̄, c⟩/b`.
    ///
    /// ```
    /// use matcalc_runtime::rules::arith::DivRule;
    /// use nalgebra::Vector2;
    /// // c = a/s = (1, 2) at s = 2: s̄ = −⟨c̄, c⟩/s
    /// let (c, c_bar) = (Vector2::new(1.0, 2.0), Vector2::new(1.0, 1.0));
    /// assert_eq!(<Vector2<f64> as DivRule<f64>>::pullback_rhs(&2.0, &c, &c_bar), -1.5);
    /// ```
    fn pullback_rhs(b: &Rhs, c: &Self::Output, c_bar: &Self::Output) -> Rhs;
}

impl<F: Real> MulRule<F> for F {
    type Output = F;
    #[inline]
    fn product(a: &F, b: &F) -> F {
        *a * *b
    }
    #[inline]
    fn pullback_lhs(b: &F, c_bar: &F) -> F {
        *c_bar * *b
    }
    #[inline]
    fn pullback_rhs(a: &F, c_bar: &F) -> F {
        *a * *c_bar
    }
}

impl<F: Real> DivRule<F> for F {
    type Output = F;
    #[inline]
    fn tangent_lhs(a_dot: &F, b: &F) -> F {
        *a_dot / *b
    }
    #[inline]
    fn tangent_rhs(b: &F, c: &F, b_dot: &F) -> F {
        -(*c * *b_dot) / *b
    }
    #[inline]
    fn pullback_lhs(b: &F, c_bar: &F) -> F {
        *c_bar / *b
    }
    #[inline]
    fn pullback_rhs(b: &F, c: &F, c_bar: &F) -> F {
        -(*c_bar * *c) / *b
    }
}

/// `a * b` through [`MulRule`] (the forward rule of a product uses the product itself).
///
/// ```
/// use matcalc_runtime::rules::arith::mul;
/// use nalgebra::Matrix2;
/// let a = Matrix2::new(1.0, 2.0, 3.0, 4.0);
/// assert_eq!(mul(&2.0, &3.0), 6.0);
/// assert_eq!(mul(&a, &a), a * a);
/// assert_eq!(mul(&0.5, &a), a * 0.5);
/// ```
#[inline]
pub fn mul<A: MulRule<B>, B: ?Sized>(a: &A, b: &B) -> A::Output {
    A::product(a, b)
}

/// The type of an operand without its value: what the backward sweep keeps of a factor whose
/// value the adjoint it computes does not need (the right factor, for the adjoint of the left
/// one). It has size zero, so a tape of residuals does not grow by it.
///
/// ```
/// use matcalc_runtime::rules::arith::{TypeOf, type_of};
/// let witness: TypeOf<f64> = type_of(&2.5_f64);
/// assert_eq!(std::mem::size_of_val(&witness), 0);
/// ```
pub struct TypeOf<T>(core::marker::PhantomData<fn() -> T>);

/// The [`TypeOf`] an operand (of its owned type).
///
/// ```
/// use matcalc_runtime::rules::arith::{TypeOf, type_of};
/// // a slice's owned type is a `Vec`
/// let _: TypeOf<Vec<f64>> = type_of(&[1.0, 2.0][..]);
/// ```
#[inline]
pub fn type_of<A: Active + ?Sized>(_: &A) -> TypeOf<A::Owned> {
    TypeOf(core::marker::PhantomData)
}

/// A literal factor written again in the backward sweep instead of kept on a tape: `value`
/// returns the literal, and `TypeOf` gives it the type the forward sweep inferred for it.
///
/// ```
/// use matcalc_runtime::rules::arith::{literal, type_of};
/// let witness = type_of(&0.0_f32);
/// let x = literal(&witness, || 0.1);
/// assert_eq!(x, 0.1_f32);
/// ```
#[inline]
pub fn literal<T>(_type: &TypeOf<T>, value: impl FnOnce() -> T) -> T {
    value()
}

/// `c̄·bᵀ`, the adjoint of the left factor. Only the type of `a` enters.
///
/// ```
/// use matcalc_runtime::rules::arith::{mul_pullback_lhs, type_of};
/// assert_eq!(mul_pullback_lhs(&type_of(&2.0), &3.0, &0.5), 1.5);
/// ```
#[inline]
pub fn mul_pullback_lhs<A: MulRule<B>, B: ?Sized>(_a: &TypeOf<A>, b: &B, c_bar: &A::Output) -> A {
    A::pullback_lhs(b, c_bar)
}

/// `aᵀ·c̄`, the adjoint of the right factor. Only the type of `b` enters.
///
/// ```
/// use matcalc_runtime::rules::arith::{mul_pullback_rhs, type_of};
/// assert_eq!(mul_pullback_rhs(&2.0, &type_of(&3.0), &0.5), 1.0);
/// ```
#[inline]
pub fn mul_pullback_rhs<A: MulRule<B>, B>(a: &A, _b: &TypeOf<B>, c_bar: &A::Output) -> B {
    A::pullback_rhs(a, c_bar)
}

/// `ȧ/b`, the tangent of a quotient from its numerator.
///
/// ```
/// use matcalc_runtime::rules::arith::div_tangent_lhs;
/// assert_eq!(div_tangent_lhs(&1.0, &4.0), 0.25);
/// ```
#[inline]
pub fn div_tangent_lhs<A: DivRule<B>, B: ?Sized>(a_dot: &A, b: &B) -> A::Output {
    A::tangent_lhs(a_dot, b)
}

/// `−c·ḃ/b`, the tangent of a quotient `c` from its denominator. `a` fixes the types.
///
/// ```
/// use matcalc_runtime::rules::arith::div_tangent_rhs;
/// // c = 6/3 = 2: along ḃ = 1, ċ = −c/b = −2/3
/// assert_eq!(div_tangent_rhs(&6.0, &3.0, &2.0, &1.0), -2.0 / 3.0);
/// ```
#[inline]
pub fn div_tangent_rhs<A: DivRule<B>, B: ?Sized>(
    _a: &A,
    b: &B,
    c: &A::Output,
    b_dot: &B,
) -> A::Output {
    A::tangent_rhs(b, c, b_dot)
}

/// `c̄/b`, the adjoint of the numerator. Only the type of `a` enters.
///
/// ```
/// use matcalc_runtime::rules::arith::{div_pullback_lhs, type_of};
/// assert_eq!(div_pullback_lhs(&type_of(&3.0), &2.0, &1.0), 0.5);
/// ```
#[inline]
pub fn div_pullback_lhs<A: DivRule<B>, B: ?Sized>(_a: &TypeOf<A>, b: &B, c_bar: &A::Output) -> A {
    A::pullback_lhs(b, c_bar)
}

/// `−⟨c̄, c⟩/b`, the adjoint of the denominator (`c = a/b`). Only the type of `a` enters.
///
/// ```
/// use matcalc_runtime::rules::arith::{div_pullback_rhs, type_of};
/// // c = 3/2: dc/db = −c/b = −0.75
/// assert_eq!(div_pullback_rhs(&type_of(&3.0), &2.0, &1.5, &1.0), -0.75);
/// ```
#[inline]
pub fn div_pullback_rhs<A: DivRule<B>, B>(
    _a: &TypeOf<A>,
    b: &B,
    c: &A::Output,
    c_bar: &A::Output,
) -> B {
    A::pullback_rhs(b, c, c_bar)
}

/// `a / b` through [`DivRule`]: the quotient is linear in `a`, so it is the numerator's tangent
/// rule applied to `a` itself.
///
/// ```
/// use matcalc_runtime::rules::arith::div;
/// use nalgebra::Vector2;
/// assert_eq!(div(&6.0, &3.0), 2.0);
/// assert_eq!(div(&Vector2::new(2.0, 4.0), &2.0), Vector2::new(1.0, 2.0));
/// ```
#[inline]
pub fn div<A: DivRule<B>, B: ?Sized>(a: &A, b: &B) -> A::Output {
    A::tangent_lhs(a, b)
}
