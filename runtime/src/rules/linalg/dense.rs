//! Dense linear algebra: products (the `*` and `/` operators, `dot`), the structural maps
//! (transpose, trace, sums, norms, entrywise products, Kronecker products, columns and rows)
//! and `from_vec`. The LU-based functions (det, logdet, inv, solve) are in
//! [`super::factorization::lu`].
//!
//! Every function `f` comes as a triple: `f` (the value), `f_jvp` (the value and its directional
//! derivative; tangents of the matrix arguments appended in order) and `f_vjp` (the value and the
//! pullback, a closure that owns what it needs and may be called many times). Each section gives
//! the forward and the reverse rule side by side, the formula and its source, and what the rule
//! does not handle. Gradients are taken under the Frobenius inner product ⟨A, B⟩ = tr(AᵀB).
//!
//! Sources: M. B. Giles, "Collected matrix derivative results for forward and reverse mode
//! algorithmic differentiation" (2008), cited as Giles §n; Bright, Edelman and Johnson, "Matrix
//! Calculus (for Machine Learning and Beyond)", arXiv 2501.14787 (the MIT 18.S096 notes), cited
//! as 18.S096 §n.

// The signatures spell out the value and the pullback: they are what the macro and users call.
#![allow(clippy::type_complexity)]

use super::both;
use crate::rules::arith::{DivRule, MulRule, TypeOf};
use crate::value::Real;
use nalgebra::allocator::Allocator;
use nalgebra::constraint::{DimEq, ShapeConstraint};
use nalgebra::{DefaultAllocator, Dim, DimMul, DimProd, OMatrix, OVector, RealField, U1};

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

// ================================================================================== transpose

// Y = Aᵀ. Forward: dY = dAᵀ. Reverse: Ā = Ȳᵀ (linear; Giles §2.2.1).

/// The transpose `Aᵀ`, for matrices and vectors of any size.
///
/// ```
/// use matcalc_runtime::linalg::transpose;
/// use nalgebra::Matrix2x3;
/// let a = Matrix2x3::new(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
/// assert_eq!(transpose(&a), a.transpose());
/// ```
pub fn transpose<T, R, C>(a: &OMatrix<T, R, C>) -> OMatrix<T, C, R>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<C, R>,
{
    a.transpose()
}

/// Forward mode of [`transpose`]: `(Aᵀ, dAᵀ)`.
///
/// ```
/// use matcalc_runtime::linalg::transpose_jvp;
/// use nalgebra::DMatrix;
/// let a = DMatrix::from_row_slice(1, 2, &[1.0, 2.0]);
/// let (y, y_dot) = transpose_jvp(&a, &DMatrix::from_row_slice(1, 2, &[0.0, 1.0]));
/// assert_eq!((y.shape(), y_dot[(1, 0)]), ((2, 1), 1.0));
/// ```
pub fn transpose_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (OMatrix<T, C, R>, OMatrix<T, C, R>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<C, R>,
{
    (a.transpose(), a_dot.transpose())
}

/// Reverse mode of [`transpose`]: the value and the pullback `Ȳ ↦ Ȳᵀ`.
///
/// ```
/// use matcalc_runtime::linalg::transpose_vjp;
/// use nalgebra::Matrix2;
/// let (_, pullback) = transpose_vjp(&Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(pullback(Matrix2::new(0.0, 1.0, 0.0, 0.0)), Matrix2::new(0.0, 0.0, 1.0, 0.0));
/// ```
pub fn transpose_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
) -> (
    OMatrix<T, C, R>,
    impl Fn(OMatrix<T, C, R>) -> OMatrix<T, R, C> + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<C, R>,
{
    (a.transpose(), |y_bar: OMatrix<T, C, R>| y_bar.transpose())
}

/// Second order of [`transpose`], the reverse mode of [`transpose_jvp`] (linear): the value
/// `(Aᵀ, Ȧᵀ)` and the pullback `(Ȳ, Ẏ̄) ↦ (Ȳᵀ, Ẏ̄ᵀ)`.
///
/// ```
/// use matcalc_runtime::linalg::transpose_jvp_vjp;
/// use nalgebra::Matrix2;
/// let a = Matrix2::new(1.0, 2.0, 3.0, 4.0);
/// let ((y, y_dot), pullback) = transpose_jvp_vjp(&a, &Matrix2::identity());
/// assert_eq!((y, y_dot), (a.transpose(), Matrix2::identity()));
/// assert_eq!(pullback((a, Matrix2::zeros())), (a.transpose(), Matrix2::zeros()));
/// ```
pub fn transpose_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
) -> (
    (OMatrix<T, C, R>, OMatrix<T, C, R>),
    impl Fn((OMatrix<T, C, R>, OMatrix<T, C, R>)) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C> + Allocator<C, R>,
{
    (transpose_jvp(a, a_dot), both(transpose_vjp(a).1))
}

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

// ================================================================== entrywise (Hadamard) maps

// C = A ∘ B. Forward: dC = dA ∘ B + A ∘ dB. Reverse: Ā = C̄ ∘ B, B̄ = C̄ ∘ A (Giles §2.2.1).

/// The entrywise product `A ∘ B` (nalgebra's `component_mul`).
///
/// ```
/// use matcalc_runtime::linalg::component_mul;
/// use nalgebra::Vector2;
/// assert_eq!(component_mul(&Vector2::new(1.0, 2.0), &Vector2::new(3.0, 4.0)), Vector2::new(3.0, 8.0));
/// ```
pub fn component_mul<T, R, C>(a: &OMatrix<T, R, C>, b: &OMatrix<T, R, C>) -> OMatrix<T, R, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    a.component_mul(b)
}

/// Forward mode of [`component_mul`]: `(A ∘ B, dA ∘ B + A ∘ dB)`.
///
/// ```
/// use matcalc_runtime::linalg::component_mul_jvp;
/// use nalgebra::Vector2;
/// let (a, b) = (Vector2::new(1.0, 2.0), Vector2::new(3.0, 4.0));
/// let (_, c_dot) = component_mul_jvp(&a, &b, &Vector2::new(1.0, 0.0), &Vector2::new(0.0, 1.0));
/// assert_eq!(c_dot, Vector2::new(3.0, 2.0));
/// ```
pub fn component_mul_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
    b_dot: &OMatrix<T, R, C>,
) -> (OMatrix<T, R, C>, OMatrix<T, R, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    (
        a.component_mul(b),
        a_dot.component_mul(b) + a.component_mul(b_dot),
    )
}

/// Reverse mode of [`component_mul`]: the value and the pullback `C̄ ↦ (C̄ ∘ B, C̄ ∘ A)`.
///
/// ```
/// use matcalc_runtime::linalg::component_mul_vjp;
/// use nalgebra::Vector2;
/// let (_, pullback) = component_mul_vjp(&Vector2::new(1.0, 2.0), &Vector2::new(3.0, 4.0));
/// assert_eq!(pullback(Vector2::new(1.0, 1.0)), (Vector2::new(3.0, 4.0), Vector2::new(1.0, 2.0)));
/// ```
pub fn component_mul_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
) -> (
    OMatrix<T, R, C>,
    impl Fn(OMatrix<T, R, C>) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let (a, b) = (a.clone(), b.clone());
    (a.component_mul(&b), move |c_bar: OMatrix<T, R, C>| {
        (c_bar.component_mul(&b), c_bar.component_mul(&a))
    })
}

// Second order: Ċ = Ȧ ∘ B + A ∘ Ḃ is bilinear in (A, Ḃ) and in (Ȧ, B), so
// Ā = C̄ ∘ B + Ċ̄ ∘ Ḃ, B̄ = C̄ ∘ A + Ċ̄ ∘ Ȧ, Ǡ = Ċ̄ ∘ B, Ḃ̄ = Ċ̄ ∘ A.

/// Second order of [`component_mul`], the reverse mode of [`component_mul_jvp`]: the value
/// `(A ∘ B, Ȧ ∘ B + A ∘ Ḃ)` and the pullback
/// `(C̄, Ċ̄) ↦ (C̄ ∘ B + Ċ̄ ∘ Ḃ, C̄ ∘ A + Ċ̄ ∘ Ȧ, Ċ̄ ∘ B, Ċ̄ ∘ A)`.
///
/// ```
/// use matcalc_runtime::linalg::component_mul_jvp_vjp;
/// use nalgebra::Vector2;
/// let (a, b) = (Vector2::new(1.0, 2.0), Vector2::new(3.0, 4.0));
/// let (_, pullback) = component_mul_jvp_vjp(&a, &b, &Vector2::new(1.0, 1.0), &Vector2::zeros());
/// let (a_bar, b_bar, a_dot_bar, b_dot_bar) = pullback((Vector2::zeros(), Vector2::new(1.0, 1.0)));
/// assert_eq!((a_bar, b_bar), (Vector2::zeros(), Vector2::new(1.0, 1.0)));
/// assert_eq!((a_dot_bar, b_dot_bar), (b, a));
/// ```
pub fn component_mul_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
    b_dot: &OMatrix<T, R, C>,
) -> (
    (OMatrix<T, R, C>, OMatrix<T, R, C>),
    impl Fn(
        (OMatrix<T, R, C>, OMatrix<T, R, C>),
    ) -> (
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
    ) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let value = component_mul_jvp(a, b, a_dot, b_dot);
    let (a, b, a_dot, b_dot) = (a.clone(), b.clone(), a_dot.clone(), b_dot.clone());
    (
        value,
        move |(c_bar, c_dot_bar): (OMatrix<T, R, C>, OMatrix<T, R, C>)| {
            (
                c_bar.component_mul(&b) + c_dot_bar.component_mul(&b_dot),
                c_bar.component_mul(&a) + c_dot_bar.component_mul(&a_dot),
                c_dot_bar.component_mul(&b),
                c_dot_bar.component_mul(&a),
            )
        },
    )
}

// C = A ⊘ B. Forward: dC = dA ⊘ B − C ∘ dB ⊘ B. Reverse: Ā = C̄ ⊘ B, B̄ = −C̄ ∘ C ⊘ B.
// Not handled: zero entries of B (infinities and NaN, as in the primal).

/// The entrywise quotient `A ⊘ B` (nalgebra's `component_div`).
///
/// ```
/// use matcalc_runtime::linalg::component_div;
/// use nalgebra::Vector2;
/// assert_eq!(component_div(&Vector2::new(3.0, 8.0), &Vector2::new(3.0, 4.0)), Vector2::new(1.0, 2.0));
/// ```
pub fn component_div<T, R, C>(a: &OMatrix<T, R, C>, b: &OMatrix<T, R, C>) -> OMatrix<T, R, C>
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    a.component_div(b)
}

/// Forward mode of [`component_div`]: `(A ⊘ B, dA ⊘ B − C ∘ dB ⊘ B)`.
///
/// ```
/// use matcalc_runtime::linalg::component_div_jvp;
/// use nalgebra::Vector1;
/// // d(a/b)/db = -a/b² = -2 at a = 2, b = 1
/// let (_, c_dot) = component_div_jvp(&Vector1::new(2.0), &Vector1::new(1.0), &Vector1::zeros(), &Vector1::new(1.0));
/// assert_eq!(c_dot, Vector1::new(-2.0));
/// ```
pub fn component_div_jvp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
    b_dot: &OMatrix<T, R, C>,
) -> (OMatrix<T, R, C>, OMatrix<T, R, C>)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let c = a.component_div(b);
    let c_dot = (a_dot - c.component_mul(b_dot)).component_div(b);
    (c, c_dot)
}

/// Reverse mode of [`component_div`]: the value and the pullback
/// `C̄ ↦ (C̄ ⊘ B, −C̄ ∘ C ⊘ B)`.
///
/// ```
/// use matcalc_runtime::linalg::component_div_vjp;
/// use nalgebra::Vector1;
/// let (_, pullback) = component_div_vjp(&Vector1::new(2.0), &Vector1::new(1.0));
/// assert_eq!(pullback(Vector1::new(1.0)), (Vector1::new(1.0), Vector1::new(-2.0)));
/// ```
pub fn component_div_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
) -> (
    OMatrix<T, R, C>,
    impl Fn(OMatrix<T, R, C>) -> (OMatrix<T, R, C>, OMatrix<T, R, C>) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let b = b.clone();
    let c = a.component_div(&b);
    (c.clone(), move |c_bar: OMatrix<T, R, C>| {
        let a_bar = c_bar.component_div(&b);
        let b_bar = -a_bar.component_mul(&c);
        (a_bar, b_bar)
    })
}

// Second order: Ċ = Ȧ ⊘ B − A ∘ Ḃ ⊘ B², so ∂Ċ/∂A = −Ḃ ⊘ B² and
// ∂Ċ/∂B = −Ȧ ⊘ B² + 2A ∘ Ḃ ⊘ B³ = (C ∘ Ḃ − Ċ ∘ B) ⊘ B² (using Ȧ = Ċ ∘ B + C ∘ Ḃ). With
// Q = Ċ̄ ⊘ B: Ā = C̄ ⊘ B − Q ∘ Ḃ ⊘ B, B̄ = −C̄ ∘ C ⊘ B + Q ∘ (C ∘ Ḃ ⊘ B − Ċ), Ǡ = Q,
// Ḃ̄ = −Q ∘ C.

/// Second order of [`component_div`], the reverse mode of [`component_div_jvp`]: the value
/// `(C, Ċ) = (A ⊘ B, (Ȧ − C ∘ Ḃ) ⊘ B)` and the pullback `(C̄, Ċ̄) ↦ (Ā, B̄, Ǡ, Ḃ̄)` with
/// `Q = Ċ̄ ⊘ B`, `Ā = C̄ ⊘ B − Q ∘ Ḃ ⊘ B`, `B̄ = −C̄ ∘ C ⊘ B + Q ∘ (C ∘ Ḃ ⊘ B − Ċ)`, `Ǡ = Q`
/// and `Ḃ̄ = −Q ∘ C`.
///
/// ```
/// use matcalc_runtime::linalg::component_div_jvp_vjp;
/// use nalgebra::Vector1;
/// // a/b at (a, b) = (2, 1): ∂²/∂b² = 2a/b³ = 4
/// let one = Vector1::new(1.0);
/// let (_, pullback) = component_div_jvp_vjp(&Vector1::new(2.0), &one, &Vector1::zeros(), &one);
/// let (_, b_bar, _, b_dot_bar) = pullback((Vector1::zeros(), one));
/// assert_eq!((b_bar, b_dot_bar), (Vector1::new(4.0), Vector1::new(-2.0)));
/// ```
pub fn component_div_jvp_vjp<T, R, C>(
    a: &OMatrix<T, R, C>,
    b: &OMatrix<T, R, C>,
    a_dot: &OMatrix<T, R, C>,
    b_dot: &OMatrix<T, R, C>,
) -> (
    (OMatrix<T, R, C>, OMatrix<T, R, C>),
    impl Fn(
        (OMatrix<T, R, C>, OMatrix<T, R, C>),
    ) -> (
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
        OMatrix<T, R, C>,
    ) + use<T, R, C>,
)
where
    T: Real + RealField,
    R: Dim,
    C: Dim,
    DefaultAllocator: Allocator<R, C>,
{
    let (c, c_dot) = component_div_jvp(a, b, a_dot, b_dot);
    let b = b.clone();
    // Ḃ ⊘ B, and C ∘ Ḃ ⊘ B − Ċ.
    let b_dot_over_b = b_dot.component_div(&b);
    let bend = c.component_mul(&b_dot_over_b) - &c_dot;
    let value = (c.clone(), c_dot);
    (
        value,
        move |(c_bar, c_dot_bar): (OMatrix<T, R, C>, OMatrix<T, R, C>)| {
            let q = c_dot_bar.component_div(&b);
            let first = c_bar.component_div(&b);
            (
                &first - q.component_mul(&b_dot_over_b),
                q.component_mul(&bend) - first.component_mul(&c),
                q.clone(),
                -q.component_mul(&c),
            )
        },
    )
}

// ================================================================================== kronecker

// K = A ⊗ B, the block matrix [Aᵢⱼ·B]. Forward: dK = dA ⊗ B + A ⊗ dB. Reverse, with K̄ᵢⱼ the
// (i, j) block of K̄ (the shape of B): Āᵢⱼ = ⟨K̄ᵢⱼ, B⟩ and B̄ = Σᵢⱼ Aᵢⱼ·K̄ᵢⱼ (18.S096 §3).

/// The Kronecker product `A ⊗ B`.
///
/// ```
/// use matcalc_runtime::linalg::kronecker;
/// use nalgebra::{Matrix2, Matrix4};
/// let k = kronecker(&Matrix2::identity(), &Matrix2::new(1.0, 2.0, 3.0, 4.0));
/// assert_eq!(k[(2, 3)], 2.0);
/// assert_eq!(k.shape(), (4, 4));
/// ```
pub fn kronecker<T, R1, C1, R2, C2>(
    a: &OMatrix<T, R1, C1>,
    b: &OMatrix<T, R2, C2>,
) -> OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>
where
    T: Real + RealField,
    R1: Dim + DimMul<R2>,
    C1: Dim + DimMul<C2>,
    R2: Dim,
    C2: Dim,
    DefaultAllocator:
        Allocator<R1, C1> + Allocator<R2, C2> + Allocator<DimProd<R1, R2>, DimProd<C1, C2>>,
{
    a.kronecker(b)
}

/// Forward mode of [`kronecker`]: `(A ⊗ B, dA ⊗ B + A ⊗ dB)`.
///
/// ```
/// use matcalc_runtime::linalg::kronecker_jvp;
/// use nalgebra::DMatrix;
/// let (a, b) = (DMatrix::from_element(1, 1, 2.0), DMatrix::from_element(1, 2, 3.0));
/// let (k, k_dot) = kronecker_jvp(&a, &b, &DMatrix::from_element(1, 1, 1.0), &DMatrix::zeros(1, 2));
/// assert_eq!((k[(0, 1)], k_dot[(0, 1)]), (6.0, 3.0));
/// ```
pub fn kronecker_jvp<T, R1, C1, R2, C2>(
    a: &OMatrix<T, R1, C1>,
    b: &OMatrix<T, R2, C2>,
    a_dot: &OMatrix<T, R1, C1>,
    b_dot: &OMatrix<T, R2, C2>,
) -> (
    OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
    OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
)
where
    T: Real + RealField,
    R1: Dim + DimMul<R2>,
    C1: Dim + DimMul<C2>,
    R2: Dim,
    C2: Dim,
    DefaultAllocator:
        Allocator<R1, C1> + Allocator<R2, C2> + Allocator<DimProd<R1, R2>, DimProd<C1, C2>>,
{
    (a.kronecker(b), a_dot.kronecker(b) + a.kronecker(b_dot))
}

/// Reverse mode of [`kronecker`]: the value and the pullback `K̄ ↦ (Ā, B̄)` with
/// `Āᵢⱼ = ⟨K̄ᵢⱼ, B⟩` and `B̄ = Σᵢⱼ Aᵢⱼ·K̄ᵢⱼ` over the blocks `K̄ᵢⱼ` of `K̄`.
///
/// ```
/// use matcalc_runtime::linalg::kronecker_vjp;
/// use nalgebra::{Matrix1, Matrix2, Vector2};
/// let (k, pullback) = kronecker_vjp(&Matrix1::new(2.0), &Vector2::new(3.0, 4.0));
/// assert_eq!(k, Vector2::new(6.0, 8.0));
/// let (a_bar, b_bar) = pullback(Vector2::new(1.0, 1.0));
/// assert_eq!((a_bar, b_bar), (Matrix1::new(7.0), Vector2::new(2.0, 2.0)));
/// ```
pub fn kronecker_vjp<T, R1, C1, R2, C2>(
    a: &OMatrix<T, R1, C1>,
    b: &OMatrix<T, R2, C2>,
) -> (
    OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
    impl Fn(OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>) -> (OMatrix<T, R1, C1>, OMatrix<T, R2, C2>)
    + use<T, R1, C1, R2, C2>,
)
where
    T: Real + RealField,
    R1: Dim + DimMul<R2>,
    C1: Dim + DimMul<C2>,
    R2: Dim,
    C2: Dim,
    DefaultAllocator:
        Allocator<R1, C1> + Allocator<R2, C2> + Allocator<DimProd<R1, R2>, DimProd<C1, C2>>,
{
    let (a, b) = (a.clone(), b.clone());
    (a.kronecker(&b), move |k_bar| {
        kronecker_pullback(&a, &b, &k_bar)
    })
}

/// The adjoints `(Ā, B̄)` of `K = A ⊗ B`: `Āᵢⱼ = ⟨K̄ᵢⱼ, B⟩`, `B̄ = Σᵢⱼ Aᵢⱼ·K̄ᵢⱼ`.
fn kronecker_pullback<T, R1, C1, R2, C2>(
    a: &OMatrix<T, R1, C1>,
    b: &OMatrix<T, R2, C2>,
    k_bar: &OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
) -> (OMatrix<T, R1, C1>, OMatrix<T, R2, C2>)
where
    T: Real + RealField,
    R1: Dim + DimMul<R2>,
    C1: Dim + DimMul<C2>,
    R2: Dim,
    C2: Dim,
    DefaultAllocator:
        Allocator<R1, C1> + Allocator<R2, C2> + Allocator<DimProd<R1, R2>, DimProd<C1, C2>>,
{
    let (mb, nb) = b.shape();
    let mut a_bar = a.clone_owned();
    let mut b_bar = b.clone_owned();
    b_bar.fill(T::zero());
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            let a_ij = a[(i, j)];
            let mut inner = T::zero();
            for q in 0..nb {
                for p in 0..mb {
                    let k = k_bar[(i * mb + p, j * nb + q)];
                    inner += k * b[(p, q)];
                    b_bar[(p, q)] += a_ij * k;
                }
            }
            a_bar[(i, j)] = inner;
        }
    }
    (a_bar, b_bar)
}

// Second order: K̇ = Ȧ ⊗ B + A ⊗ Ḃ is bilinear in (A, Ḃ) and in (Ȧ, B); with P(X, Z; W) the
// first-order adjoints of X ⊗ Z paired with W:
// (Ā, B̄) = P(A, B; K̄) + (P(A, Ḃ; K̇̄)₁, P(Ȧ, B; K̇̄)₂), (Ǡ, Ḃ̄) = P(A, B; K̇̄).

/// Second order of [`kronecker`], the reverse mode of [`kronecker_jvp`]: the value
/// `(A ⊗ B, Ȧ ⊗ B + A ⊗ Ḃ)` and the pullback `(K̄, K̇̄) ↦ (Ā, B̄, Ǡ, Ḃ̄)`, where `(Ǡ, Ḃ̄)` is the
/// first-order pullback of `K̇̄`, and `(Ā, B̄)` that of `K̄` plus the pullback of `K̇̄` through
/// `Ȧ ⊗ B + A ⊗ Ḃ` with respect to `A` and `B`.
///
/// ```
/// use matcalc_runtime::linalg::kronecker_jvp_vjp;
/// use nalgebra::{Matrix1, Vector2};
/// let (a, b) = (Matrix1::new(2.0), Vector2::new(3.0, 4.0));
/// let ((k, k_dot), pullback) = kronecker_jvp_vjp(&a, &b, &Matrix1::new(1.0), &Vector2::zeros());
/// assert_eq!((k, k_dot), (Vector2::new(6.0, 8.0), b));
/// let (a_bar, b_bar, a_dot_bar, b_dot_bar) = pullback((Vector2::zeros(), Vector2::new(1.0, 1.0)));
/// assert_eq!((a_bar, b_bar), (Matrix1::new(0.0), Vector2::new(1.0, 1.0)));
/// assert_eq!((a_dot_bar, b_dot_bar), (Matrix1::new(7.0), Vector2::new(2.0, 2.0)));
/// ```
pub fn kronecker_jvp_vjp<T, R1, C1, R2, C2>(
    a: &OMatrix<T, R1, C1>,
    b: &OMatrix<T, R2, C2>,
    a_dot: &OMatrix<T, R1, C1>,
    b_dot: &OMatrix<T, R2, C2>,
) -> (
    (
        OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
        OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
    ),
    impl Fn(
        (
            OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
            OMatrix<T, DimProd<R1, R2>, DimProd<C1, C2>>,
        ),
    ) -> (
        OMatrix<T, R1, C1>,
        OMatrix<T, R2, C2>,
        OMatrix<T, R1, C1>,
        OMatrix<T, R2, C2>,
    ) + use<T, R1, C1, R2, C2>,
)
where
    T: Real + RealField,
    R1: Dim + DimMul<R2>,
    C1: Dim + DimMul<C2>,
    R2: Dim,
    C2: Dim,
    DefaultAllocator:
        Allocator<R1, C1> + Allocator<R2, C2> + Allocator<DimProd<R1, R2>, DimProd<C1, C2>>,
{
    let value = kronecker_jvp(a, b, a_dot, b_dot);
    let (a, b, a_dot, b_dot) = (a.clone(), b.clone(), a_dot.clone(), b_dot.clone());
    (value, move |(k_bar, k_dot_bar)| {
        let (a_bar, b_bar) = kronecker_pullback(&a, &b, &k_bar);
        let (a_dot_bar, b_dot_bar) = kronecker_pullback(&a, &b, &k_dot_bar);
        // K̇̄ through Ȧ ⊗ B (to B) and A ⊗ Ḃ (to A)
        let (a_second, _) = kronecker_pullback(&a, &b_dot, &k_dot_bar);
        let (_, b_second) = kronecker_pullback(&a_dot, &b, &k_dot_bar);
        (a_bar + a_second, b_bar + b_second, a_dot_bar, b_dot_bar)
    })
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
    let (r, c) = a.shape_generic();
    (a.column(j).into_owned(), move |y_bar: OVector<T, R>| {
        let mut a_bar = OMatrix::<T, R, C>::zeros_generic(r, c);
        a_bar.set_column(j, &y_bar);
        a_bar
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
    let (r, c) = a.shape_generic();
    (a.row(i).into_owned(), move |y_bar: OMatrix<T, U1, C>| {
        let mut a_bar = OMatrix::<T, R, C>::zeros_generic(r, c);
        a_bar.set_row(i, &y_bar);
        a_bar
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

/// 2 in the scalar type.
fn two<T: Real>() -> T {
    T::one() + T::one()
}
