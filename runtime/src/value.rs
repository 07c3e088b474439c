//! The values derivatives act on.
//!
//! Two traits split the work:
//!
//! - [`Tangent`] is an *owned* value that tangents and adjoints live in: a vector space with a
//!   flat, column-major view (`f64`, `Vec<f64>`, `[f64; 3]`, tuples of those; nalgebra matrices
//!   join later). The checks in [`crate::check`] and the generated code use it for zeros,
//!   accumulation and inner products.
//! - [`Active`] is what a parameter of an annotated function may be, borrowed or unsized
//!   (`&[f64]`, `&Vec<f64>`): it names the owned [`Tangent`] its adjoint lives in.

use core::fmt::Debug;
use core::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

/// A floating-point scalar that matcalc differentiates: `f32` or `f64`.
///
/// ```
/// use matcalc_runtime::Real;
/// fn half<F: Real>(x: F) -> F { x / F::from_f64(2.0) }
/// assert_eq!(half(3.0f32), 1.5);
/// ```
#[diagnostic::on_unimplemented(
    message = "no derivative rule for scalar type `{Self}`",
    label = "matcalc differentiates `f32` and `f64` scalars, not `{Self}`",
    note = "active values are floats, buffers of floats and (with the matrix rules) nalgebra matrices"
)]
pub trait Real:
    num_traits::Float
    + num_traits::FloatConst
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Debug
    + Default
    + Send
    + Sync
    + 'static
{
    /// Converts an `f64` constant into this type (rounding for `f32`).
    fn from_f64(x: f64) -> Self;
    /// Widens this value to `f64`.
    fn to_f64(self) -> f64;
}

impl Real for f64 {
    #[inline]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
}

impl Real for f32 {
    #[inline]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

/// An owned value that tangents and adjoints live in.
///
/// The flat view is column-major (the course's `vec`), and the inner product of two values is the
/// dot product of their flat views (the Frobenius inner product for matrices).
///
/// ```
/// use matcalc_runtime::Tangent;
/// let mut g = vec![1.0, 2.0];
/// g.axpy(2.0, &vec![1.0, 1.0]);
/// assert_eq!(g, vec![3.0, 4.0]);
/// assert_eq!(g.inner(&vec![1.0, 1.0]), 7.0);
/// let z = (1.0, vec![2.0f64]).zero_like();
/// assert_eq!(z, (0.0, vec![0.0]));
/// ```
#[diagnostic::on_unimplemented(
    message = "no derivative rule for `{Self}`: it is not a differentiable value",
    label = "tangents and adjoints must be floats, buffers of floats, or tuples of those",
    note = "differentiable values are `f32`, `f64`, `[F; N]`, `Vec<F>`, tuples of them and (with the matrix rules) nalgebra matrices"
)]
pub trait Tangent: Clone {
    /// The float type of the elements.
    type Scalar: Real;
    /// What it takes to build a zero of the same shape (a length, a pair of dimensions, `()`).
    type Shape: Clone + Debug;

    /// The shape of this value.
    fn shape(&self) -> Self::Shape;
    /// A zero of the given shape.
    fn zeros(shape: &Self::Shape) -> Self;
    /// A zero of the same shape as `self`.
    fn zero_like(&self) -> Self {
        Self::zeros(&self.shape())
    }
    /// `self += alpha * x`; the shapes must agree.
    fn axpy(&mut self, alpha: Self::Scalar, x: &Self);
    /// `self *= alpha`.
    fn scale(&mut self, alpha: Self::Scalar);
    /// The number of scalar entries.
    fn dim(&self) -> usize;
    /// Appends the entries to `out`, column-major.
    fn write_flat(&self, out: &mut Vec<Self::Scalar>);
    /// Reads a value of the same shape as `self` from the front of `input`, advancing it.
    fn read_flat(&self, input: &mut &[Self::Scalar]) -> Self;

    /// The inner product: the dot product of the flat views.
    fn inner(&self, other: &Self) -> Self::Scalar {
        let (mut a, mut b) = (
            Vec::with_capacity(self.dim()),
            Vec::with_capacity(other.dim()),
        );
        self.write_flat(&mut a);
        other.write_flat(&mut b);
        a.iter()
            .zip(&b)
            .fold(Self::Scalar::zero(), |s, (x, y)| s + *x * *y)
    }
    /// Gives up a value no longer needed, whose storage may serve a later zero (see
    /// [`Tangent::buffer`]). The default drops it.
    #[doc(hidden)]
    #[inline]
    fn recycle(self)
    where
        Self: Sized,
    {
    }
    /// An empty buffer of elements of this type from the storage that [`Tangent::recycle`] gave
    /// up, if any. Only the scalars keep one (a pool per thread): the adjoint of a slice that a
    /// call between annotated functions makes and drops is then not allocated on every call
    /// (unless it is short, which the allocator serves faster).
    #[doc(hidden)]
    #[inline]
    fn buffer() -> Option<Vec<Self>>
    where
        Self: Sized,
    {
        None
    }
    /// Keeps an emptied buffer for [`Tangent::buffer`]; the default drops it.
    #[doc(hidden)]
    #[inline]
    fn keep_buffer(buffer: Vec<Self>)
    where
        Self: Sized,
    {
        drop(buffer);
    }
    /// The flat view as a new vector.
    fn to_flat(&self) -> Vec<Self::Scalar> {
        let mut out = Vec::with_capacity(self.dim());
        self.write_flat(&mut out);
        out
    }
}

use num_traits::Zero;

/// The buffers a thread keeps for [`Tangent::buffer`]: at most this many…
const POOLED_BUFFERS: usize = 16;
/// …of at most this many elements, so that a thread's pool holds at most 64 KiB of `f64`.
const POOLED_LENGTH: usize = 512;
/// Buffers of at most this many elements are not pooled: the allocator's thread cache makes
/// and frees them faster than the pool, a thread-local behind a `RefCell`, hands them over. The
/// RK4 case of the bench table, whose right-hand side's pullback returns the 4-element adjoint
/// of its parameters four times a step, went from 9.7 to 6.3 times its primal without them.
const DIRECT_LENGTH: usize = 8;

macro_rules! impl_real_tangent {
    ($($t:ty => $pool:ident),*) => {$(
        thread_local! {
            static $pool: core::cell::RefCell<Vec<Vec<$t>>> = const {
                core::cell::RefCell::new(Vec::new())
            };
        }
        impl Tangent for $t {
            type Scalar = $t;
            type Shape = ();
            #[inline]
            fn buffer() -> Option<Vec<$t>> {
                $pool.with_borrow_mut(Vec::pop)
            }
            #[inline]
            fn keep_buffer(mut buffer: Vec<$t>) {
                if (DIRECT_LENGTH + 1..=POOLED_LENGTH).contains(&buffer.capacity()) {
                    $pool.with_borrow_mut(|pool| {
                        if pool.len() < POOLED_BUFFERS {
                            buffer.clear();
                            pool.push(buffer);
                        }
                    });
                }
            }
            #[inline]
            fn shape(&self) {}
            #[inline]
            fn zeros(_: &()) -> Self {
                0.0
            }
            #[inline]
            fn axpy(&mut self, alpha: $t, x: &$t) {
                *self += alpha * *x;
            }
            #[inline]
            fn scale(&mut self, alpha: $t) {
                *self *= alpha;
            }
            #[inline]
            fn dim(&self) -> usize {
                1
            }
            fn write_flat(&self, out: &mut Vec<$t>) {
                out.push(*self);
            }
            fn read_flat(&self, input: &mut &[$t]) -> Self {
                let (first, rest) = input.split_first().expect("flat input is too short");
                *input = rest;
                *first
            }
        }
    )*};
}
impl_real_tangent!(f32 => POOL_F32, f64 => POOL_F64);

impl<T: Tangent> Tangent for Vec<T> {
    type Scalar = T::Scalar;
    /// The length and the shape of the first element (elements of a buffer share one shape).
    type Shape = (usize, Option<T::Shape>);
    fn shape(&self) -> Self::Shape {
        (self.len(), self.first().map(T::shape))
    }
    fn zeros(shape: &Self::Shape) -> Self {
        match &shape.1 {
            // (a small buffer from the allocator's thread cache, see `DIRECT_LENGTH`)
            Some(element) if shape.0 <= DIRECT_LENGTH => vec![T::zeros(element); shape.0],
            Some(element) => match T::buffer() {
                Some(mut buffer) => {
                    buffer.resize(shape.0, T::zeros(element));
                    buffer
                }
                None => vec![T::zeros(element); shape.0],
            },
            None => Vec::new(),
        }
    }
    #[inline]
    fn recycle(self) {
        T::keep_buffer(self);
    }
    fn zero_like(&self) -> Self {
        let mut zero = Vec::with_capacity(self.capacity());
        zero.extend(self.iter().map(T::zero_like));
        zero
    }
    fn axpy(&mut self, alpha: T::Scalar, x: &Self) {
        assert_eq!(self.len(), x.len(), "adjoint buffers of different lengths");
        for (s, x) in self.iter_mut().zip(x) {
            s.axpy(alpha, x);
        }
    }
    fn scale(&mut self, alpha: T::Scalar) {
        self.iter_mut().for_each(|s| s.scale(alpha));
    }
    fn dim(&self) -> usize {
        self.iter().map(T::dim).sum()
    }
    fn write_flat(&self, out: &mut Vec<T::Scalar>) {
        self.iter().for_each(|x| x.write_flat(out));
    }
    fn read_flat(&self, input: &mut &[T::Scalar]) -> Self {
        self.iter().map(|x| x.read_flat(input)).collect()
    }
}

impl<T: Tangent, const N: usize> Tangent for [T; N] {
    type Scalar = T::Scalar;
    type Shape = Option<T::Shape>;
    fn shape(&self) -> Self::Shape {
        self.first().map(T::shape)
    }
    fn zeros(shape: &Self::Shape) -> Self {
        core::array::from_fn(|_| {
            T::zeros(
                shape
                    .as_ref()
                    .expect("a non-empty array has an element shape"),
            )
        })
    }
    fn zero_like(&self) -> Self {
        core::array::from_fn(|i| self[i].zero_like())
    }
    fn axpy(&mut self, alpha: T::Scalar, x: &Self) {
        for (s, x) in self.iter_mut().zip(x) {
            s.axpy(alpha, x);
        }
    }
    fn scale(&mut self, alpha: T::Scalar) {
        self.iter_mut().for_each(|s| s.scale(alpha));
    }
    fn dim(&self) -> usize {
        self.iter().map(T::dim).sum()
    }
    fn write_flat(&self, out: &mut Vec<T::Scalar>) {
        self.iter().for_each(|x| x.write_flat(out));
    }
    fn read_flat(&self, input: &mut &[T::Scalar]) -> Self {
        core::array::from_fn(|i| self[i].read_flat(input))
    }
}

macro_rules! impl_tuple_tangent {
    ($(($($name:ident $idx:tt),+))*) => {$(
        impl<A: Tangent $(, $name: Tangent<Scalar = A::Scalar>)+> Tangent for (A, $($name),+) {
            type Scalar = A::Scalar;
            type Shape = (A::Shape, $($name::Shape),+);
            fn shape(&self) -> Self::Shape {
                (self.0.shape(), $(self.$idx.shape()),+)
            }
            fn zeros(shape: &Self::Shape) -> Self {
                (A::zeros(&shape.0), $($name::zeros(&shape.$idx)),+)
            }
            fn axpy(&mut self, alpha: A::Scalar, x: &Self) {
                self.0.axpy(alpha, &x.0);
                $(self.$idx.axpy(alpha, &x.$idx);)+
            }
            fn scale(&mut self, alpha: A::Scalar) {
                self.0.scale(alpha);
                $(self.$idx.scale(alpha);)+
            }
            fn dim(&self) -> usize {
                self.0.dim() $(+ self.$idx.dim())+
            }
            fn write_flat(&self, out: &mut Vec<A::Scalar>) {
                self.0.write_flat(out);
                $(self.$idx.write_flat(out);)+
            }
            fn read_flat(&self, input: &mut &[A::Scalar]) -> Self {
                (self.0.read_flat(input), $(self.$idx.read_flat(input)),+)
            }
        }
    )*};
}
impl_tuple_tangent! {
    (B 1)
    (B 1, C 2)
    (B 1, C 2, D 3)
    (B 1, C 2, D 3, E 4)
    (B 1, C 2, D 3, E 4, G 5)
    (B 1, C 2, D 3, E 4, G 5, H 6)
    (B 1, C 2, D 3, E 4, G 5, H 6, I 7)
}

/// What a parameter of an annotated function may be: an owned [`Tangent`] or a borrowed view of
/// one (`&[f64]`, `&Vec<f64>`, `&[f64; 3]`). Its tangent in forward mode has the parameter's own
/// type; its adjoint in reverse mode is [`Active::Owned`].
///
/// ```
/// use matcalc_runtime::Active;
/// let x: &[f64] = &[1.0, 2.0];
/// assert_eq!(x.zero_like(), vec![0.0, 0.0]);
/// assert_eq!(x.to_owned_value(), vec![1.0, 2.0]);
/// ```
#[diagnostic::on_unimplemented(
    message = "no derivative rule for `{Self}`: it is not a differentiable value",
    label = "active values must be floats, buffers of floats, or references to them",
    note = "derive `matcalc::Differentiable` for a struct of differentiable fields, or leave the parameter out of `#[differentiate(wrt(...))]` if it is not meant to be differentiated"
)]
pub trait Active {
    /// The owned type that the adjoint of this value lives in.
    type Owned: Tangent;
    /// An owned copy of the value.
    fn to_owned_value(&self) -> Self::Owned;
    /// The shape of the owned value.
    fn shape(&self) -> <Self::Owned as Tangent>::Shape;
    /// A zero tangent or adjoint of the same shape.
    fn zero_like(&self) -> Self::Owned {
        <Self::Owned as Tangent>::zeros(&self.shape())
    }
}

macro_rules! impl_owned_active {
    ($([$($gen:tt)*] $t:ty),* $(,)?) => {$(
        impl<$($gen)*> Active for $t {
            type Owned = $t;
            #[inline]
            fn to_owned_value(&self) -> Self::Owned {
                self.clone()
            }
            #[inline]
            fn shape(&self) -> <Self::Owned as Tangent>::Shape {
                Tangent::shape(self)
            }
            #[inline]
            fn zero_like(&self) -> Self::Owned {
                Tangent::zero_like(self)
            }
        }
    )*};
}
impl_owned_active!([] f32, [] f64, [T: Tangent] Vec<T>, [T: Tangent, const N: usize] [T; N]);

macro_rules! impl_tuple_active {
    ($(($($name:ident),+))*) => {$(
        impl<A: Tangent $(, $name: Tangent<Scalar = A::Scalar>)+> Active for (A, $($name),+) {
            type Owned = Self;
            fn to_owned_value(&self) -> Self {
                self.clone()
            }
            fn shape(&self) -> <Self as Tangent>::Shape {
                Tangent::shape(self)
            }
        }
    )*};
}
impl_tuple_active! {
    (B)
    (B, C)
    (B, C, D)
    (B, C, D, E)
    (B, C, D, E, G)
    (B, C, D, E, G, H)
    (B, C, D, E, G, H, I)
}

impl<T: Tangent> Active for [T] {
    type Owned = Vec<T>;
    fn to_owned_value(&self) -> Vec<T> {
        self.to_vec()
    }
    fn shape(&self) -> <Vec<T> as Tangent>::Shape {
        (self.len(), self.first().map(T::shape))
    }
    fn zero_like(&self) -> Vec<T> {
        self.iter().map(T::zero_like).collect()
    }
}

impl<A: Active + ?Sized> Active for &A {
    type Owned = A::Owned;
    #[inline]
    fn to_owned_value(&self) -> A::Owned {
        (**self).to_owned_value()
    }
    #[inline]
    fn shape(&self) -> <A::Owned as Tangent>::Shape {
        (**self).shape()
    }
    #[inline]
    fn zero_like(&self) -> A::Owned {
        (**self).zero_like()
    }
}

/// An adjoint buffer whose elements can be reached by an index: the reverse of `x[i]` reads and
/// writes.
///
/// ```
/// use matcalc_runtime::IndexAdjoint;
/// let mut g = vec![0.0, 0.0];
/// g.add_at(1, 2.5);
/// assert_eq!(g.take_at(1), 2.5);
/// assert_eq!(g, vec![0.0, 0.0]);
/// ```
#[diagnostic::on_unimplemented(
    message = "no derivative rule for indexing `{Self}` with `{I}`",
    label = "matcalc differentiates indexed reads and writes of `Vec`, arrays, slices and matrices"
)]
pub trait IndexAdjoint<I>: Tangent {
    /// The adjoint of one element.
    type Element: Tangent<Scalar = Self::Scalar>;
    /// `self[i] += g`.
    fn add_at(&mut self, index: I, g: Self::Element);
    /// Returns `self[i]` and sets it to zero.
    fn take_at(&mut self, index: I) -> Self::Element;
    /// The sum of all elements, `None` for an empty buffer.
    fn sum_elements(self) -> Option<Self::Element>;
}

impl<T: Tangent> IndexAdjoint<usize> for Vec<T> {
    type Element = T;
    #[inline]
    fn add_at(&mut self, index: usize, g: T) {
        self[index].axpy(T::Scalar::one(), &g);
    }
    #[inline]
    fn take_at(&mut self, index: usize) -> T {
        let zero = self[index].zero_like();
        core::mem::replace(&mut self[index], zero)
    }
    fn sum_elements(self) -> Option<T> {
        self.into_iter().reduce(|mut total, x| {
            total.axpy(T::Scalar::one(), &x);
            total
        })
    }
}

impl<T: Tangent, const N: usize> IndexAdjoint<usize> for [T; N] {
    type Element = T;
    #[inline]
    fn add_at(&mut self, index: usize, g: T) {
        self[index].axpy(T::Scalar::one(), &g);
    }
    #[inline]
    fn take_at(&mut self, index: usize) -> T {
        let zero = self[index].zero_like();
        core::mem::replace(&mut self[index], zero)
    }
    fn sum_elements(self) -> Option<T> {
        self.into_iter().reduce(|mut total, x| {
            total.axpy(T::Scalar::one(), &x);
            total
        })
    }
}

use num_traits::One;
