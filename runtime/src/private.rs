//! What generated code calls. Not a stable API: names here change with the macro.
//!
//! Reverse-mode adjoints are lazy: `Option<T>`, `None` meaning zero. A value whose adjoint never
//! receives a contribution costs nothing in the backward sweep, and the type of every adjoint is
//! inferred from the contributions it receives, so the macro never has to name a type.

use crate::rules::arith::TypeOf;
use crate::value::IndexAdjoint;
pub use crate::value::{Active, Tangent};
use num_traits::{NumCast, One};

pub use crate::rules;
pub use crate::rules::arith::{literal, type_of};
pub use crate::rules::scalar;
pub use crate::tape::{Discard, Tape, pooled_bytes};

/// A zero of the same shape as `x`, owned: the tangent of a value that does not depend on the
/// inputs (yet), created from its primal so that its type is the primal's.
#[inline]
pub fn zero_like<A: Active + ?Sized>(x: &A) -> A::Owned {
    x.zero_like()
}

/// An owned copy of an active value, kept as a residual for the backward sweep.
#[inline]
pub fn save<A: Active + ?Sized>(x: &A) -> A::Owned {
    x.to_owned_value()
}

/// The shape of an active value, kept so that the backward sweep can build a zero adjoint of it
/// without keeping the value itself.
pub struct Zeros<T: Tangent> {
    shape: T::Shape,
}

impl<T: Tangent> Zeros<T> {
    /// A zero of the recorded shape.
    #[inline]
    pub fn make(&self) -> T {
        T::zeros(&self.shape)
    }
}

impl<T: Tangent> Clone for Zeros<T> {
    fn clone(&self) -> Self {
        Zeros {
            shape: self.shape.clone(),
        }
    }
}

/// Records the shape of `x`.
#[inline]
pub fn zeros_of<A: Active + ?Sized>(x: &A) -> Zeros<A::Owned> {
    Zeros { shape: x.shape() }
}

/// The seed of a returned value's adjoint, as the type of that value (`Y`), which the backward
/// sweep keeps (zero-sized).
///
/// The seed has the declared return type (`S`). In a function that compiles, the returned value
/// has that type too, so this is the identity, which the compiler folds. It is written as a
/// conversion so that a generated function type-checks where the user's function does not (a
/// value of the wrong type returned): rustc then reports the user's error alone, and once.
#[inline]
pub fn seed_as<Y: 'static, S: 'static>(_: &TypeOf<Y>, seed: S) -> Y {
    same_type(seed, "a function that returns a value of the wrong type")
}

/// `value` as `B`, which in a function that compiles is its own type `A`: the identity, which
/// the compiler folds. The conversions of generated code that let a function with the user's
/// type error type-check without an error of its own go through here; `what` names that error
/// for the message of the branch that code which compiles never takes.
#[inline]
fn same_type<A: 'static, B: 'static>(value: A, what: &str) -> B {
    let mut value = Some(value);
    match (&mut value as &mut dyn core::any::Any).downcast_mut::<Option<B>>() {
        Some(same) => same.take().expect("a value is converted once"),
        None => unreachable!("matcalc: {what} compiled"),
    }
}

/// An argument of a float method that does not depend on the inputs (`n` in `x.max(n)`), as
/// the type the method's rule takes (`B`: the float, or `i32` for the exponent of `powi`).
///
/// The user's call itself, which the generated code writes with the argument, gives the
/// argument that type in a function that compiles, so this is the identity, which the compiler
/// folds. It is written as a conversion so that a generated function type-checks where the
/// user's call does not (`x.powi(n)` with `n: usize`): rustc then reports the user's error
/// alone, and once. A literal argument goes through [`LiteralArgument`] instead: its type is
/// decided by how it is used, and here nothing would decide it.
#[inline]
pub fn argument_as<A: 'static, B: 'static>(argument: A) -> B {
    same_type(
        argument,
        "a float method with an argument of the wrong type",
    )
}

/// An active argument of a float method (`b` in `a.atan2(b)`), by reference, as the float the
/// method takes (`B`, which the user's call, written with the result, decides).
///
/// The argument has that type in a function that compiles, so this is a copy, which the
/// compiler folds. It is written as a conversion so that a generated function type-checks
/// where the user's call does not (`x.atan2(v)` with `v` a slice): rustc then reports the
/// user's error alone, and once.
#[inline]
pub fn argument_of<A: MaybeAny + ?Sized, B: Copy + 'static>(argument: &A) -> B {
    match argument.maybe_any().and_then(|any| any.downcast_ref::<B>()) {
        Some(same) => *same,
        None => unreachable!("matcalc: a float method with an argument of the wrong type compiled"),
    }
}

/// [`argument_of`] for the tangent of an argument, as the type of the argument (`like`).
#[inline]
pub fn argument_like<A: MaybeAny + ?Sized, B: Copy + 'static>(_like: &B, argument: &A) -> B {
    argument_of(argument)
}

/// What [`argument_of`] converts: a value of a type without lifetimes, seen as `dyn Any`. A
/// slice has no impl of `Any` and is never a float: it has one that converts nothing, so that a
/// slice passed where a float belongs is the user's error alone.
pub trait MaybeAny {
    /// `self` as `dyn Any`, when it can be.
    fn maybe_any(&self) -> Option<&dyn core::any::Any>;
}

impl<T: 'static> MaybeAny for T {
    #[inline]
    fn maybe_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}

impl<T> MaybeAny for [T] {
    fn maybe_any(&self) -> Option<&dyn core::any::Any> {
        None
    }
}

/// Adds the adjoint of an active argument of a float method ([`argument_of`]) to the
/// argument's own adjoint, whose type `T` the backward sweep keeps (zero-sized): the identity
/// in a function that compiles.
#[inline]
pub fn acc_as<T: Tangent + 'static, G: 'static>(slot: &mut Option<T>, _: &TypeOf<T>, g: G) {
    acc(
        slot,
        same_type(g, "a float method with an argument of the wrong type"),
    );
}

/// A literal argument of a float method (`0.5` in `x.max(0.5)`), as the type `T` the method's
/// rule takes. The literal's type is inferred from this trait: one impl per float type for its
/// float literals (`{float}` can only be that one), and impls for the integer types, which let
/// a function whose call has an integer literal where a float belongs (`x.max(0)`) type-check,
/// so that rustc reports the user's error alone. Likewise an `i32` exponent of `powi` and the
/// float types, for `x.powi(2.0)`. Only the identities run: the others are in functions that
/// do not compile.
pub trait LiteralArgument<T> {
    /// `self` as `T`.
    fn argument(self) -> T;
}

impl LiteralArgument<f64> for f64 {
    #[inline]
    fn argument(self) -> f64 {
        self
    }
}

impl LiteralArgument<f32> for f32 {
    #[inline]
    fn argument(self) -> f32 {
        self
    }
}

impl LiteralArgument<i32> for i32 {
    #[inline]
    fn argument(self) -> i32 {
        self
    }
}

/// The impls of literals of the wrong kind, which only functions that do not compile use.
macro_rules! wrong_literals {
    ($target:ty: $($literal:ty),*) => {$(
        impl LiteralArgument<$target> for $literal {
            fn argument(self) -> $target {
                unreachable!("matcalc: a float method with a literal of the wrong kind compiled")
            }
        }
    )*};
}

wrong_literals!(f64: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
wrong_literals!(f32: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
wrong_literals!(i32: f32, f64);

/// [`LiteralArgument::argument`] as a function, whose target the rule's parameter decides.
#[inline]
pub fn literal_argument<A: LiteralArgument<T>, T>(literal: A) -> T {
    literal.argument()
}

/// The identity as a method: generated code writes a value `(value).spelled()`, spanned as the
/// user's expression, where rustc reports a value of the wrong type. A method's receiver has no
/// expected type, so the mismatch is reported on the whole expression, as on the user's.
pub trait Spelled: Sized {
    /// `self`.
    #[inline]
    fn spelled(self) -> Self {
        self
    }
}

impl<T> Spelled for T {}

/// The control tape of a function without loops: which of its at most `N` segments ran. Each
/// segment runs at most once, and those that ran did so in the order of their numbers (the
/// order of the code, which has no loop to go back through), so a flag per segment is the whole
/// record: the pullback reverses each segment that ran, from the last number to the first, as
/// straight code with a test per segment, which the optimizer sees through as it does not a
/// dispatch on a recorded sequence. A small function with a branch (ADBench BA's reprojection)
/// then takes no buffer from the pool of tapes, and its adjoints stay in registers.
///
/// ```
/// use matcalc_runtime::__private::Trace;
///
/// let mut trace = Trace::<3>::new();
/// trace.push(0);
/// trace.push(2);
/// assert!(trace.ran(0) && !trace.ran(1) && trace.ran(2));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Trace<const N: usize> {
    ran: [bool; N],
}

impl<const N: usize> Trace<N> {
    /// No segment has run.
    pub const fn new() -> Self {
        Trace { ran: [false; N] }
    }

    /// Segment `id` ran.
    #[inline]
    pub fn push(&mut self, id: u32) {
        self.ran[id as usize] = true;
    }

    /// Whether segment `id` ran.
    #[inline]
    pub fn ran(&self, id: u32) -> bool {
        self.ran[id as usize]
    }
}

impl<const N: usize> Default for Trace<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// The residuals of a segment of a function without loops (see [`Trace`]): kept once, and read
/// by the pullback only for a segment that ran.
#[inline]
pub fn recorded<T>(residuals: &Option<T>) -> &T {
    residuals
        .as_ref()
        .expect("matcalc: the residuals of a segment that ran")
}

/// Adds a contribution to a lazy adjoint.
#[inline]
pub fn acc<T: Tangent>(slot: &mut Option<T>, g: T) {
    match slot {
        Some(s) => dense::acc(s, g),
        None => *slot = Some(g),
    }
}

/// An adjoint that converts to the adjoint type of another value: itself, or a `Vec` to an
/// array. An array `x: [f64; N]` passed where a slice `&[f64]` is expected (an annotated
/// callee's parameter, the receiver of `to_vec`) gets back the slice's adjoint, a `Vec`.
#[diagnostic::on_unimplemented(
    message = "no derivative rule for passing an adjoint `{Self}` back to a value of adjoint type `{T}`",
    label = "matcalc converts an adjoint to its own type, or a `Vec` to an array"
)]
pub trait IntoAdjoint<T> {
    /// The adjoint, as a `T`.
    fn into_adjoint(self) -> T;
}

impl<T: Tangent> IntoAdjoint<T> for T {
    #[inline]
    fn into_adjoint(self) -> T {
        self
    }
}

impl<E: Tangent, const N: usize> IntoAdjoint<[E; N]> for Vec<E> {
    #[inline]
    fn into_adjoint(self) -> [E; N] {
        // The slice was borrowed from the array: the lengths agree.
        self.try_into().unwrap_or_else(|v: Vec<E>| {
            panic!("an adjoint of length {} for an array of {N}", v.len())
        })
    }
}

/// Adds a contribution of another type ([`IntoAdjoint`]) to a lazy adjoint of type `T`, whose
/// type the forward sweep kept (zero-sized) for the backward sweep to convert to.
#[inline]
pub fn acc_into<T: Tangent, G: IntoAdjoint<T>>(slot: &mut Option<T>, _: &TypeOf<T>, g: G) {
    acc(slot, g.into_adjoint());
}

/// A compile-time check on an argument of a call to a differentiated function that the caller
/// passes without a tangent (`(&TangentProbe(&arg)).without_tangent()`, never run): the macro
/// decides by how the argument is written whether it is a float (which gets a zero tangent) or
/// not, and a float it did not recognise would shift the tangents of the arguments after it onto
/// the wrong parameters. The call resolves to [`ActiveArgument`] for a float, whose bound fails
/// with the message below, and to [`OtherArgument`] for any other type.
pub struct TangentProbe<'a, T: ?Sized>(pub &'a T);

/// See [`TangentProbe`]: the argument is a float.
pub trait ActiveArgument {
    /// Fails to compile.
    #[inline]
    fn without_tangent(&self)
    where
        Self: FloatArgumentWritten,
    {
    }
}

impl<T: crate::Real> ActiveArgument for TangentProbe<'_, T> {}

/// See [`TangentProbe`]: the argument is not a float.
pub trait OtherArgument {
    /// Does nothing.
    #[inline]
    fn without_tangent(&self) {}
}

impl<T: ?Sized> OtherArgument for &TangentProbe<'_, T> {}

/// Implemented by nothing: see [`TangentProbe`].
#[diagnostic::on_unimplemented(
    message = "matcalc cannot tell that this argument of a differentiated call is a float, so it passes no tangent for it",
    label = "a float written in a way the macro does not read as one",
    note = "bind it to a local with its type first (`let c: f64 = ...;`) and pass the local: it then gets a zero tangent"
)]
pub trait FloatArgumentWritten {}

/// A call of a `matcalc::linalg` function by its bare name (`use matcalc::linalg::solve;` then
/// `solve(..)`), as the annotated function is emitted: `linalg_function((solve,
/// matcalc::linalg::solve))(..)`. The macro differentiates such a call through `linalg`'s
/// companions; this makes sure the name is `linalg`'s, and fails to compile, on the user's name,
/// where it is a function of the user's own. It returns `function`, so the call is the user's.
#[inline(always)]
pub fn linalg_function<F: SameFunction<G>, G>((function, _linalg): (F, G)) -> F {
    function
}

/// See [`linalg_function`]: met only by the function itself.
#[diagnostic::on_unimplemented(
    message = "a bare call of this name in a differentiated function is a call of `matcalc::linalg`'s function, and this is a function of your own",
    label = "a function of your own, not `matcalc::linalg`'s",
    note = "in a differentiated function the names of `matcalc::linalg`'s matrix functions (`det`, `logdet`, `inv`, `solve`, `cholesky`, `qr`, `svd`, `eigh`, `expm`, ...) called bare are `linalg`'s; call a function of your own by its path (`self::name(..)`) or give it another name"
)]
pub trait SameFunction<G> {}

impl<F> SameFunction<F> for F {}

/// Only there so that [`SameFunction`] has two impls: with one, rustc would take the first
/// argument's type for the second's before it reads the second, and report a mismatch instead
/// of the bound's message.
pub struct NotTheFunction<F>(F);

#[diagnostic::do_not_recommend]
impl<F> SameFunction<NotTheFunction<F>> for F {}

/// The bound of the companion that a function annotated without `hessian` has in place of its
/// second-order one: met by nothing a caller can take from the call, so that a caller asking
/// for second derivatives through it reads what to write instead of a missing function.
#[diagnostic::on_unimplemented(
    message = "second derivatives through this call need `#[differentiate(hessian)]` on the function called",
    label = "the function called here is differentiated to first order only",
    note = "write `#[differentiate(hessian)]` on the function called; a custom rule needs a `_jvp_vjp` companion beside its `_jvp` and `_vjp` (see `matcalc`'s docs, custom rules)"
)]
pub trait SecondOrderAsked {}

/// The only type with [`SecondOrderAsked`], which no call returns.
pub enum NeverAnArgument {}

#[diagnostic::do_not_recommend]
impl SecondOrderAsked for NeverAnArgument {}

/// The adjoint in `slot`, taken, which the macro found certain to have been reached (a
/// contribution that runs for certain came before): the reverse that reads it then runs
/// unconditionally, and the adjoints it adds into can be plain values.
#[inline]
pub fn certain<T>(slot: &mut Option<T>) -> T {
    slot.take()
        .expect("matcalc: an adjoint found certain to be reached was not (a bug in matcalc)")
}

/// Subtracts a contribution from a lazy adjoint.
#[inline]
pub fn acc_neg<T: Tangent>(slot: &mut Option<T>, mut g: T) {
    match slot {
        Some(s) => dense::acc_neg(s, g),
        None => {
            g.scale(-T::Scalar::one());
            *slot = Some(g);
        }
    }
}

/// Adds a contribution to one element of a lazy buffer adjoint, creating it from `zeros` first.
#[inline]
pub fn acc_index<B: IndexAdjoint<I>, I>(
    slot: &mut Option<B>,
    zeros: &Zeros<B>,
    index: I,
    g: B::Element,
) {
    dense::acc_index(dense::of(slot, zeros), zeros, index, g);
}

/// The adjoint of an element that a write overwrote: returns it and leaves zero in its place
/// (the overwritten value had no influence after the write).
#[inline]
pub fn take_index<B: IndexAdjoint<I>, I>(slot: &mut Option<B>, index: I) -> Option<B::Element> {
    slot.as_mut().map(|b| b.take_at(index))
}

/// The reverse of `v.push(x)`: removes and returns the adjoint of the last element.
#[inline]
pub fn pop_adjoint<T: Tangent>(slot: &mut Option<Vec<T>>) -> Option<T> {
    slot.as_mut().and_then(Vec::pop)
}

/// The reverse of `vec![x; n]` and `[x; N]`: the sum of the element adjoints.
#[inline]
pub fn sum_adjoint<B: IndexAdjoint<usize>>(b: B) -> Option<B::Element> {
    b.sum_elements()
}

/// A finished adjoint: the accumulated value, or zero when nothing reached it.
#[inline]
pub fn finish<T: Tangent>(slot: Option<T>, zeros: &Zeros<T>) -> T {
    slot.unwrap_or_else(|| zeros.make())
}

/// The adjoint of a tangent that a cast `x as F` converted: converted back.
#[inline]
pub fn float_cast<A: NumCast, B: NumCast>(a: A) -> B {
    B::from(a).expect("a float converts to a float")
}

/// The tangent sum `a + b`.
#[inline]
pub fn tangent_add<T: Tangent>(a: &T, b: &T) -> T {
    let mut sum = a.clone();
    sum.axpy(T::Scalar::one(), b);
    sum
}

/// The tangent difference `a - b`.
#[inline]
pub fn tangent_sub<T: Tangent>(a: &T, b: &T) -> T {
    let mut difference = a.clone();
    difference.axpy(-T::Scalar::one(), b);
    difference
}

/// The tangent `-a`.
#[inline]
pub fn tangent_neg<T: Tangent>(a: &T) -> T {
    let mut negative = a.clone();
    negative.scale(-T::Scalar::one());
    negative
}

/// An owned copy of a tangent (`&[f64]` tangents of parameters become `Vec<f64>`).
#[inline]
pub fn owned<A: Active + ?Sized>(a: &A) -> A::Owned {
    a.to_owned_value()
}

/// The reverse of `vec![a, b]` and `[a, b]`: the adjoint of element `i`, taken out of `b`.
#[inline]
pub fn take_element<B: IndexAdjoint<usize>>(b: &mut B, i: usize) -> B::Element {
    b.take_at(i)
}

/// The inner product of two values of the same type.
#[inline]
pub fn inner<T: Tangent>(a: &T, b: &T) -> T::Scalar {
    a.inner(b)
}

pub use crate::checkpoint;
pub use crate::higher::{hessian, jacobian};
pub use crate::linalg;
pub use nalgebra;

/// The reverse of a read of a struct field `&s.member`: adds to that field of the adjoint.
#[inline]
pub fn acc_field<B: Tangent, E: Tangent>(
    slot: &mut Option<B>,
    zeros: &Zeros<B>,
    g: E,
    field: impl FnOnce(&mut B) -> &mut E,
) {
    dense::acc_field(dense::of(slot, zeros), zeros, g, field);
}

/// The reverse of a write `s.member = v`: the adjoint of the overwritten field, left zero.
#[inline]
pub fn take_field<B: Tangent, E: Tangent>(
    slot: &mut Option<B>,
    field: impl FnOnce(&mut B) -> &mut E,
) -> Option<E> {
    slot.as_mut().map(|b| {
        let f = field(b);
        let zero = f.zero_like();
        core::mem::replace(f, zero)
    })
}

/// What `let eig = a.symmetric_eigen();` binds in generated code for code that only reads it
/// (`eig.eigenvalues.len()`): references to the differentiated eigenvalues and eigenvectors.
pub struct SymmetricEigenView<'a, V, Q> {
    /// The eigenvalues.
    pub eigenvalues: &'a V,
    /// The eigenvectors, as columns.
    pub eigenvectors: &'a Q,
}

/// The type `O` of the user's own expression, evaluated again in a branch that never runs
/// (`if false { check1 = witness(&(x * v)); loop {} }`): rustc's error type when the
/// expression does not type-check, after rustc has reported the error on the user's tokens.
/// It has no size, so that the forward sweep can keep it for the pullback at no cost.
pub struct Witness<O>(core::marker::PhantomData<fn() -> O>);

impl<O> Witness<O> {
    /// A witness whose type the assignment in the check decides.
    #[inline]
    pub fn new() -> Self {
        Witness(core::marker::PhantomData)
    }
}

impl<O> Default for Witness<O> {
    fn default() -> Self {
        Self::new()
    }
}

impl<O> Clone for Witness<O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<O> Copy for Witness<O> {}

/// The [`Witness`] of an expression's type.
#[inline]
pub fn witness<O>(_: &O) -> Witness<O> {
    Witness::new()
}

/// `value` itself, its type taken by `witness`: the witness of an expression that generated code
/// computes as the user wrote it (a float method).
#[inline]
pub fn witnessed<O>(_: &mut Witness<O>, value: O) -> O {
    value
}

/// `value` itself, typed through a [`Witness`]: as its own type when the witnessed expression
/// type-checks, and as a type rustc cannot know when it does not. A rule call that takes its
/// first operand through it then has undecided obligations, which rustc does not report in a
/// function that already has an error: the user reads the error the function without the macro
/// gives, and nothing else.
#[inline]
pub fn guard<'a, O, T: ?Sized>(_: &Witness<O>, value: &'a T) -> &'a <O as Witnessed<T>>::Is {
    value
}

/// [`guard`] of a value, for an operator that takes its operands by value, and for the
/// adjoints of the pullback.
#[inline]
pub fn guard_value<O, T>(_: &Witness<O>, value: T) -> <O as Witnessed<T>>::Is {
    value
}

/// What makes [`guard`] the identity on every type but the error type.
pub trait Witnessed<T: ?Sized> {
    /// Always `T`; unknown to rustc when `Self` is its error type.
    type Is: ?Sized;
}

impl<O: ?Sized, T: ?Sized> Witnessed<T> for O {
    type Is = T;
}

/// The adjoints of the active parameters in the body of a counted loop: made (zero) before the
/// loop instead of on their first contribution, and held as plain values there. The functions
/// take the same arguments as their lazy forms above, the adjoint itself in place of its
/// `Option`. Without the test for `None` on every contribution, the optimizer keeps a loop
/// that accumulates into an element of a gradient buffer as tight as the loop a person writes.
pub mod dense {
    use super::{IntoAdjoint, Zeros, same_type};
    use crate::rules::arith::TypeOf;
    use crate::value::{IndexAdjoint, Tangent};
    use num_traits::One;

    /// The adjoint in `slot`, taken out of it for a loop ([`put_back`] after it), made from
    /// `zeros` if nothing has reached it yet.
    #[inline]
    pub fn take<B: Tangent>(slot: &mut Option<B>, zeros: &Zeros<B>) -> B {
        slot.take().unwrap_or_else(|| zeros.make())
    }

    /// The adjoint a loop held, back in its `slot`.
    #[inline]
    pub fn put_back<B: Tangent>(slot: &mut Option<B>, adjoint: B) {
        *slot = Some(adjoint);
    }

    /// The adjoint in `slot`, made from `zeros` if nothing has reached it yet.
    #[inline]
    pub fn of<'a, B: Tangent>(slot: &'a mut Option<B>, zeros: &Zeros<B>) -> &'a mut B {
        slot.get_or_insert_with(|| zeros.make())
    }

    /// The adjoint, leaving zero in its place: the reverse of an assignment.
    #[inline]
    pub fn take_all<T: Tangent>(adjoint: &mut T) -> T {
        let zero = negative_zero(adjoint);
        core::mem::replace(adjoint, zero)
    }

    /// The adjoint set to zero: the reverse of an assignment of a constant.
    #[inline]
    pub fn clear<T: Tangent>(adjoint: &mut T) {
        *adjoint = negative_zero(adjoint);
    }

    /// A zero like `adjoint`, of negative zeros: `−0 + g` is `g` exactly, for every `g`, so the
    /// optimizer drops the addition of the first contribution that follows (`+0 + g` is not
    /// `g` when `g` is `−0`, so that one stays): without it, the adjoint of a value a loop
    /// carries (`s += …`) goes through one addition more per iteration, on the critical path.
    /// The two zeros compare equal; only a zero adjoint nothing reached can print as `-0`.
    #[inline]
    fn negative_zero<T: Tangent>(adjoint: &T) -> T {
        let mut zero = adjoint.zero_like();
        zero.scale(-T::Scalar::one());
        zero
    }

    /// Adds a contribution.
    #[inline]
    pub fn acc<T: Tangent>(adjoint: &mut T, g: T) {
        adjoint.axpy(T::Scalar::one(), &g);
        // a buffer made for this contribution (the adjoint a called function returned) serves
        // the next one
        g.recycle();
    }

    /// Subtracts a contribution.
    #[inline]
    pub fn acc_neg<T: Tangent>(adjoint: &mut T, g: T) {
        adjoint.axpy(-T::Scalar::one(), &g);
    }

    /// Adds a contribution of another type (see [`super::acc_into`]).
    #[inline]
    pub fn acc_into<T: Tangent, G: IntoAdjoint<T>>(adjoint: &mut T, _: &TypeOf<T>, g: G) {
        acc(adjoint, g.into_adjoint());
    }

    /// Adds the adjoint of a float method's argument (see [`super::acc_as`]).
    #[inline]
    pub fn acc_as<T: Tangent + 'static, G: 'static>(adjoint: &mut T, _: &TypeOf<T>, g: G) {
        acc(
            adjoint,
            same_type(g, "a float method with an argument of the wrong type"),
        );
    }

    /// Adds a contribution to one element.
    #[inline]
    pub fn acc_index<B: IndexAdjoint<I>, I>(
        adjoint: &mut B,
        _: &Zeros<B>,
        index: I,
        g: B::Element,
    ) {
        adjoint.add_at(index, g);
    }

    /// Adds a contribution to one field.
    #[inline]
    pub fn acc_field<B: Tangent, E: Tangent>(
        adjoint: &mut B,
        _: &Zeros<B>,
        g: E,
        field: impl FnOnce(&mut B) -> &mut E,
    ) {
        acc(field(adjoint), g);
    }
}
