//! Products: the `*` and `/` operators between matrices, vectors and scalars of every size, and
//! `dot`.

// The second-order companions return a pair and a pullback, as every rule's does.
#![allow(clippy::type_complexity)]

use crate::rules::arith::{DivRule, MulRule, TypeOf};
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::constraint::{DimEq, ShapeConstraint};
use nalgebra::{DefaultAllocator, Dim, OMatrix, RealField};

// ===================================================================================== products

// C = A·B for nalgebra matrices and vectors of any sizes (static, dynamic, or a static inner
// dimension against a dynamic one, as in `DMatrix * Vector3`; a vector is an n×1 matrix).
// Forward: dC = dA·B + A·dB (the product itself, in the macro). Reverse: Ā = C̄·Bᵀ, B̄ = Aᵀ·C̄
// (Giles §2.2.1; 18.S096 §2).
//
// The inner dimensions are two types, K1 of A's columns and K2 of B's rows, under nalgebra's own
// bound `DimEq` (K1 and K2 equal, or one of them dynamic), which its `AreMultipliable` requires. A product of the wrong
// shapes then fails on the very bound nalgebra's `*` fails on, which rustc reports once, as the
// user's error. Each adjoint reads the other factor through a view with the inner dimension as
// its own type: equal in value (the forward product checked it), so the view copies nothing.
impl<T, R, K1, K2, C> MulRule<OMatrix<T, K2, C>> for OMatrix<T, R, K1>
where
    T: Real + RealField,
    R: Dim,
    K1: Dim,
    K2: Dim,
    C: Dim,
    ShapeConstraint: DimEq<K1, K2>,
    DefaultAllocator: Allocator<R, K1> + Allocator<K2, C> + Allocator<R, C> + Allocator<C, K1>,
{
    type Output = OMatrix<T, R, C>;
    fn product(a: &Self, b: &OMatrix<T, K2, C>) -> OMatrix<T, R, C> {
        a * b
    }
    fn pullback_lhs(b: &OMatrix<T, K2, C>, c_bar: &OMatrix<T, R, C>) -> Self {
        let (inner, columns) = b.shape_generic();
        let b = b.generic_view((0, 0), (K1::from_usize(inner.value()), columns));
        c_bar * b.transpose()
    }
    fn pullback_rhs(a: &Self, c_bar: &OMatrix<T, R, C>) -> OMatrix<T, K2, C> {
        let (rows, inner) = a.shape_generic();
        let a = a.generic_view((0, 0), (rows, K2::from_usize(inner.value())));
        a.tr_mul(c_bar)
    }
}

// C = s·B (scalar times matrix). Forward: dC = ds·B + s·dB. Reverse: s̄ = ⟨C̄, B⟩ (the Frobenius
// inner product: the scalar touches every entry), B̄ = s·C̄.
impl<T, R, C> MulRule<OMatrix<T, R, C>> for T
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    type Output = OMatrix<T, R, C>;
    fn product(s: &T, b: &OMatrix<T, R, C>) -> OMatrix<T, R, C> {
        b * *s
    }
    fn pullback_lhs(b: &OMatrix<T, R, C>, c_bar: &OMatrix<T, R, C>) -> T {
        c_bar.dot(b)
    }
    fn pullback_rhs(s: &T, c_bar: &OMatrix<T, R, C>) -> OMatrix<T, R, C> {
        c_bar * *s
    }
}

// C = A·s (matrix times scalar): the mirror of the rule above. Ā = s·C̄, s̄ = ⟨C̄, A⟩.
impl<T, R, C> MulRule<T> for OMatrix<T, R, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    type Output = OMatrix<T, R, C>;
    fn product(a: &Self, s: &T) -> OMatrix<T, R, C> {
        a * *s
    }
    fn pullback_lhs(s: &T, c_bar: &OMatrix<T, R, C>) -> Self {
        c_bar * *s
    }
    fn pullback_rhs(a: &Self, c_bar: &OMatrix<T, R, C>) -> T {
        c_bar.dot(a)
    }
}

// C = A/s (matrix over scalar). Forward: dC = dA/s − C·ds/s. Reverse: Ā = C̄/s,
// s̄ = −⟨C̄, C⟩/s. Not handled: s = 0 gives infinities and NaN, as the primal does.
impl<T, R, C> DivRule<T> for OMatrix<T, R, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    type Output = OMatrix<T, R, C>;
    fn tangent_lhs(a_dot: &Self, s: &T) -> Self {
        a_dot / *s
    }
    fn tangent_rhs(s: &T, c: &Self, s_dot: &T) -> Self {
        c * (-*s_dot / *s)
    }
    fn pullback_lhs(s: &T, c_bar: &Self) -> Self {
        c_bar / *s
    }
    fn pullback_rhs(s: &T, c: &Self, c_bar: &Self) -> T {
        -c_bar.dot(c) / *s
    }
}

/// The derivative rules of the dot product `s = a·b`, implemented on the type of `a`.
///
/// Forward: `ds = da·b + a·db`. Reverse: `ā = s̄·b`, `b̄ = s̄·a`. Implemented for every nalgebra
/// vector (`DVector`, `Vector3`, `SVector`, row vectors) and, as the Frobenius inner product,
/// for matrices of equal shapes.
///
/// ```
/// use matcalc_runtime::rules::linalg::dense::DotRule;
/// use nalgebra::{DVector, Vector3};
/// let (a, b) = (DVector::from_vec(vec![1.0, 2.0]), DVector::from_vec(vec![3.0, 4.0]));
/// assert_eq!(DotRule::product(&a, &b), 11.0);
/// assert_eq!(<DVector<f64> as DotRule>::pullback_lhs(&b, &2.0), DVector::from_vec(vec![6.0, 8.0]));
/// let v = Vector3::new(1.0f32, 0.0, 2.0);
/// assert_eq!(DotRule::product(&v, &v), 5.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "no derivative rule for `{Self}.dot({Rhs})`",
    label = "matcalc has a `dot` rule for nalgebra vectors and matrices of the same type"
)]
pub trait DotRule<Rhs: ?Sized = Self> {
    /// The scalar type.
    type Output;
    /// `a·b`.
    ///
    /// ```
    /// use matcalc_runtime::rules::linalg::dense::DotRule;
    /// use nalgebra::Matrix2;
    /// // for matrices, the Frobenius inner product tr(AᵀB)
    /// let a = Matrix2::new(1.0, 2.0, 3.0, 4.0);
    /// assert_eq!(DotRule::product(&a, &Matrix2::identity()), 5.0);
    /// ```
    fn product(a: &Self, b: &Rhs) -> Self::Output;
    /// `s̄·b`.
    ///
    /// ```
    /// use matcalc_runtime::rules::linalg::dense::DotRule;
    /// use nalgebra::Vector2;
    /// let a_bar = <Vector2<f64> as DotRule>::pullback_lhs(&Vector2::new(3.0, 4.0), &0.5);
    /// assert_eq!(a_bar, Vector2::new(1.5, 2.0));
    /// ```
    fn pullback_lhs(b: &Rhs, s_bar: &Self::Output) -> Self;
    /// `s̄·a`.
    ///
    /// ```
    /// use matcalc_runtime::rules::linalg::dense::DotRule;
    /// use nalgebra::Vector2;
    /// let b_bar = <Vector2<f64> as DotRule>::pullback_rhs(&Vector2::new(1.0, 2.0), &2.0);
    /// assert_eq!(b_bar, Vector2::new(2.0, 4.0));
    /// ```
    fn pullback_rhs(a: &Self, s_bar: &Self::Output) -> Rhs;
}

// s = ⟨A, B⟩ of two matrices (or vectors) of one shape, whose dimensions may each be static in
// one and dynamic in the other (`DVector · Vector3`), under nalgebra's own bounds `DimEq`: a dot
// product of the wrong shapes fails on the bound nalgebra's `dot` fails on, as with `*` above.
impl<T, R1, C1, R2, C2> DotRule<OMatrix<T, R2, C2>> for OMatrix<T, R1, C1>
where
    T: Real + RealField,
    R1: Dim,
    C1: Dim,
    R2: Dim,
    C2: Dim,
    ShapeConstraint: DimEq<R1, R2> + DimEq<C1, C2>,
    DefaultAllocator: Allocator<R1, C1> + Allocator<R2, C2>,
{
    type Output = T;
    fn product(a: &Self, b: &OMatrix<T, R2, C2>) -> T {
        a.dot(b)
    }
    fn pullback_lhs(b: &OMatrix<T, R2, C2>, s_bar: &T) -> Self {
        let (rows, columns) = b.shape();
        b.generic_view((0, 0), (R1::from_usize(rows), C1::from_usize(columns))) * *s_bar
    }
    fn pullback_rhs(a: &Self, s_bar: &T) -> OMatrix<T, R2, C2> {
        let (rows, columns) = a.shape();
        a.generic_view((0, 0), (R2::from_usize(rows), C2::from_usize(columns))) * *s_bar
    }
}

/// `a·b` through [`DotRule`].
///
/// ```
/// use matcalc_runtime::rules::linalg::dense::dot;
/// use nalgebra::Vector2;
/// assert_eq!(dot(&Vector2::new(1.0, 2.0), &Vector2::new(3.0, 4.0)), 11.0);
/// ```
#[inline]
pub fn dot<A: DotRule<B>, B: ?Sized>(a: &A, b: &B) -> A::Output {
    A::product(a, b)
}

/// `s̄·b`, the adjoint of `a`.
///
/// ```
/// use matcalc_runtime::rules::arith::type_of;
/// use matcalc_runtime::rules::linalg::dense::dot_pullback_lhs;
/// use nalgebra::Vector2;
/// let (a, b) = (Vector2::new(1.0, 2.0), Vector2::new(3.0, 4.0));
/// assert_eq!(dot_pullback_lhs(&type_of(&a), &b, &2.0), Vector2::new(6.0, 8.0));
/// ```
#[inline]
pub fn dot_pullback_lhs<A: DotRule<B>, B: ?Sized>(_a: &TypeOf<A>, b: &B, s_bar: &A::Output) -> A {
    A::pullback_lhs(b, s_bar)
}

/// `s̄·a`, the adjoint of `b`.
///
/// ```
/// use matcalc_runtime::rules::arith::type_of;
/// use matcalc_runtime::rules::linalg::dense::dot_pullback_rhs;
/// use nalgebra::Vector2;
/// let (a, b) = (Vector2::new(1.0, 2.0), Vector2::new(3.0, 4.0));
/// assert_eq!(dot_pullback_rhs(&a, &type_of(&b), &2.0), Vector2::new(2.0, 4.0));
/// ```
#[inline]
pub fn dot_pullback_rhs<A: DotRule<B>, B>(a: &A, _b: &TypeOf<B>, s_bar: &A::Output) -> B {
    A::pullback_rhs(a, s_bar)
}

/// Forward mode of [`dot`]: `(a·b, da·b + a·db)`.
///
/// ```
/// use matcalc_runtime::linalg::dot_jvp;
/// use nalgebra::Vector2;
/// let (a, b) = (Vector2::new(1.0, 2.0), Vector2::new(3.0, 4.0));
/// assert_eq!(dot_jvp(&a, &b, &Vector2::new(1.0, 0.0), &Vector2::zeros()), (11.0, 3.0));
/// ```
pub fn dot_jvp<A, B>(a: &A, b: &B, a_dot: &A, b_dot: &B) -> (A::Output, A::Output)
where
    A: DotRule<B>,
    A::Output: core::ops::Add<Output = A::Output>,
{
    (
        A::product(a, b),
        A::product(a_dot, b) + A::product(a, b_dot),
    )
}

/// Reverse mode of [`dot`]: the value and the pullback `s̄ ↦ (s̄·b, s̄·a)`.
///
/// ```
/// use matcalc_runtime::linalg::dot_vjp;
/// use nalgebra::Vector2;
/// let (s, pullback) = dot_vjp(&Vector2::new(1.0, 2.0), &Vector2::new(3.0, 4.0));
/// assert_eq!(s, 11.0);
/// assert_eq!(pullback(1.0), (Vector2::new(3.0, 4.0), Vector2::new(1.0, 2.0)));
/// ```
pub fn dot_vjp<A, B>(a: &A, b: &B) -> (A::Output, impl Fn(A::Output) -> (A, B) + use<A, B>)
where
    A: DotRule<B> + Clone,
    B: Clone,
{
    let (a, b) = (a.clone(), b.clone());
    (A::product(&a, &b), move |s_bar: A::Output| {
        (A::pullback_lhs(&b, &s_bar), A::pullback_rhs(&a, &s_bar))
    })
}

// Second order: ṡ = ⟨ȧ, b⟩ + ⟨a, ḃ⟩ is bilinear in (a, ḃ) and in (ȧ, b), so
// ā = s̄·b + ṡ̄·ḃ, b̄ = s̄·a + ṡ̄·ȧ, ǡ = ṡ̄·b, ḃ̄ = ṡ̄·a.

/// Second order of [`dot`], the reverse mode of [`dot_jvp`]: the value `(a·b, ȧ·b + a·ḃ)` and
/// the pullback `(s̄, ṡ̄) ↦ (s̄·b + ṡ̄·ḃ, s̄·a + ṡ̄·ȧ, ṡ̄·b, ṡ̄·a)`, the adjoints of `a`, `b`, `ȧ`
/// and `ḃ`.
///
/// ```
/// use matcalc_runtime::linalg::dot_jvp_vjp;
/// use nalgebra::Vector2;
/// let (a, b) = (Vector2::new(1.0, 2.0), Vector2::new(3.0, 4.0));
/// let ((s, s_dot), pullback) = dot_jvp_vjp(&a, &b, &Vector2::new(1.0, 0.0), &Vector2::zeros());
/// assert_eq!((s, s_dot), (11.0, 3.0));
/// // the Hessian of a·b applied to (ȧ, ḃ) = ((1, 0), 0) is (ḃ, ȧ) = (0, (1, 0))
/// let (a_bar, b_bar, _, _) = pullback((0.0, 1.0));
/// assert_eq!((a_bar, b_bar), (Vector2::zeros(), Vector2::new(1.0, 0.0)));
/// ```
pub fn dot_jvp_vjp<A, B>(
    a: &A,
    b: &B,
    a_dot: &A,
    b_dot: &B,
) -> (
    (<A as DotRule<B>>::Output, <A as DotRule<B>>::Output),
    impl Fn((<A as DotRule<B>>::Output, <A as DotRule<B>>::Output)) -> (A, B, A, B) + use<A, B>,
)
where
    A: DotRule<B> + Clone + core::ops::Add<Output = A>,
    B: Clone + core::ops::Add<Output = B>,
    <A as DotRule<B>>::Output: core::ops::Add<Output = <A as DotRule<B>>::Output>,
{
    let value = dot_jvp(a, b, a_dot, b_dot);
    let (a, b, a_dot, b_dot) = (a.clone(), b.clone(), a_dot.clone(), b_dot.clone());
    (
        value,
        move |(s_bar, s_dot_bar): (<A as DotRule<B>>::Output, <A as DotRule<B>>::Output)| {
            (
                A::pullback_lhs(&b, &s_bar) + A::pullback_lhs(&b_dot, &s_dot_bar),
                A::pullback_rhs(&a, &s_bar) + A::pullback_rhs(&a_dot, &s_dot_bar),
                A::pullback_lhs(&b, &s_dot_bar),
                A::pullback_rhs(&a, &s_dot_bar),
            )
        },
    )
}
