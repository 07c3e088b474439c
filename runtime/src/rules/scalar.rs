//! The derivatives of the float methods, as one declarative table.
//!
//! Each entry of the table states the partial derivatives of one method of `f32`/`f64` in terms
//! of its inputs and its output `y`, and next to them the second partial derivatives of those
//! partials, for instance
//!
//! ```text
//! sin(x)      -> y => p = x.cos()                       ∂p/∂(x, y) = (−sin x, 0)
//! exp(x)      -> y => p = y                             ∂p/∂(x, y) = (0, 1)
//! atan2(a, b) -> y => p = (b / (a² + b²), −a / (a² + b²)) ∂pₐ/∂(a, b, y) = (−2ab/r⁴, (a² − b²)/r⁴, 0), …
//! ```
//!
//! and the table generates three generic functions per entry: the partials, and their
//! forward-mode and reverse-mode companions. For `sin`:
//!
//! | generated | signature | returns |
//! |---|---|---|
//! | `sin` | `fn sin<F: Real>(x: F, y: F) -> F` | p = ∂y/∂x |
//! | `sin_jvp` | `fn sin_jvp<F: Real>(x: F, y: F, x_dot: F, y_dot: F) -> (F, F)` | (p, ṗ) |
//! | `sin_vjp` | `fn sin_vjp<F: Real>(x: F, y: F) -> (F, impl Fn(F) -> (F, F))` | (p, p̄ ↦ (x̄, ȳ)) |
//!
//! The partials `p` have one entry per float input: `F` for one, a tuple of `F` for several.
//!
//! | inputs | partials | forward companion | reverse companion |
//! |---|---|---|---|
//! | one (`x.sin()`) | `sin(x, y) -> F` | `sin_jvp(x, y, x_dot, y_dot) -> (F, F)` | `sin_vjp(x, y) -> (F, impl Fn(F) -> (F, F))` |
//! | one and an integer (`x.powi(n)`) | `powi(x, n, y) -> F` | `powi_jvp(x, n, y, x_dot, y_dot) -> (F, F)` | `powi_vjp(x, n, y) -> (F, impl Fn(F) -> (F, F))` |
//! | two (`a.atan2(b)`) | `atan2(a, b, y) -> (F, F)` | `atan2_jvp(a, b, y, a_dot, b_dot, y_dot) -> ((F, F), (F, F))` | `atan2_vjp(a, b, y) -> ((F, F), impl Fn((F, F)) -> (F, F, F))` |
//! | three (`a.mul_add(b, c)`) | `mul_add(a, b, c, y) -> (F, F, F)` | `mul_add_jvp(a, b, c, y, a_dot, b_dot, c_dot, y_dot) -> (P, P)` | `mul_add_vjp(a, b, c, y) -> (P, impl Fn(P) -> (F, F, F, F))` |
//!
//! The receiver comes first, integer arguments (the `n` of `powi`) follow the float inputs and
//! get no tangent and no adjoint. `y` is the primal output, which the generated code has
//! computed anyway; rules like `exp => y` and `tan`, `sqrt`, `recip` reuse it instead of
//! recomputing.
//!
//! # First order
//!
//! Both modes of differentiation come from the same partials:
//!
//! - forward mode multiplies them by the tangents: `ẏ = ∂y/∂a · ȧ + ∂y/∂b · ḃ`;
//! - reverse mode multiplies them by the output's adjoint: `ā += ȳ · ∂y/∂a`, `b̄ += ȳ · ∂y/∂b`.
//!
//! ```
//! use matcalc_runtime::rules::scalar;
//!
//! // y = a.atan2(b) at (a, b) = (1, 2)
//! let (a, b) = (1.0f64, 2.0);
//! let y = a.atan2(b);
//! let (dy_da, dy_db) = scalar::atan2(a, b, y);
//!
//! // forward mode: the tangent of y from the tangents of a and b
//! let (a_dot, b_dot) = (0.5, -1.0);
//! let y_dot = dy_da * a_dot + dy_db * b_dot;
//!
//! // reverse mode: the adjoints of a and b from the adjoint of y
//! let y_bar = 1.0;
//! let (a_bar, b_bar) = (y_bar * dy_da, y_bar * dy_db);
//!
//! // the two modes agree: ⟨ȳ, J·ẋ⟩ = ⟨Jᵀ·ȳ, ẋ⟩
//! assert_eq!(y_bar * y_dot, a_bar * a_dot + b_bar * b_dot);
//! // ∂y/∂a = b/(a² + b²) = 2/5, ∂y/∂b = −a/(a² + b²) = −1/5
//! assert!((dy_da - 0.4).abs() < 1e-15 && (dy_db + 0.2).abs() < 1e-15);
//! ```
//!
//! # Second order
//!
//! The partials are themselves a function, `p = NAME(inputs, y)`, that `#[differentiate]` can
//! differentiate like any other call (Hessians by reverse over forward mode): `NAME_jvp` and
//! `NAME_vjp` are its companions, with the macro's calling convention for a function `g`,
//! `g_jvp(args, tangents of the float args)` and `g_vjp(args) -> (value, pullback)`.
//!
//! In a program `y` is a variable of its own, computed before the partials, so the companions
//! treat the inputs and `y` as independent variables of `p`, exactly as the first-order formula
//! is written: `exp => y` has ∂p/∂x = 0 and ∂p/∂y = 1. Each entry gives the matrix of these
//! second partials (one row per partial, one column per input and a last one for `y`), and both
//! companions are generated from it:
//!
//! - `NAME_jvp(inputs, [ints], y, input_dots, y_dot) -> (p, ṗ)`, with
//!   `ṗ = ∂p/∂inputs · input_dots + ∂p/∂y · y_dot`;
//! - `NAME_vjp(inputs, [ints], y) -> (p, pullback)`, the pullback mapping a cotangent `p̄` of the
//!   partials to the adjoints of `(inputs..., y)`: `x̄ⱼ = Σᵢ p̄ᵢ · ∂pᵢ/∂xⱼ`, `ȳ = Σᵢ p̄ᵢ · ∂pᵢ/∂y`.
//!   The pullback captures only owned values (`+ use<F>`) and may be called many times.
//!
//! The total second derivative follows by the chain rule through `y`: with `y_dot` the tangent of
//! `y`, `ṗ` is the second derivative of the method along the input tangents,
//! d²y/dx² = ∂p/∂x + ∂p/∂y · p for a method of one input.
//!
//! ```
//! use matcalc_runtime::rules::scalar;
//!
//! // y = sin x at x = 0.5; p = ∂y/∂x = cos x, with ∂p/∂x = −sin x and ∂p/∂y = 0
//! let x = 0.5f64;
//! let y = x.sin();
//!
//! // forward: the tangent of p, the inputs and y varying independently
//! let (p, p_dot) = scalar::sin_jvp(x, y, 1.0, 0.0);
//! assert_eq!(p, x.cos());
//! assert_eq!(p_dot, -x.sin());
//!
//! // the second derivative of sin: x moves, and y with it (y_dot = p·x_dot)
//! let (_, d2y_dx2) = scalar::sin_jvp(x, y, 1.0, p);
//! assert_eq!(d2y_dx2, -x.sin());
//!
//! // reverse: the adjoints of (x, y) from the adjoint of p; the pullback can be called again
//! let (p, pullback) = scalar::sin_vjp(x, y);
//! let (x_bar, y_bar) = pullback(2.0);
//! assert_eq!((x_bar, y_bar), (-2.0 * x.sin(), 0.0));
//! assert_eq!(pullback(2.0), (x_bar, y_bar));
//!
//! // exp reuses its output: p = y, so ∂p/∂x = 0 and ∂p/∂y = 1, and the second derivative
//! // comes through y: d²y/dx² = 0 + 1·p = eˣ
//! let y = x.exp();
//! let p = scalar::exp(x, y);
//! assert_eq!(scalar::exp_jvp(x, y, 1.0, p), (y, y));
//! assert_eq!(scalar::exp_vjp(x, y).1(1.0), (0.0, 1.0));
//!
//! // two inputs: p = (∂y/∂a, ∂y/∂b), adjoints (ā, b̄, ȳ)
//! let (a, b) = (1.0f64, 2.0);
//! let y = a.atan2(b);
//! let (p, p_dot) = scalar::atan2_jvp(a, b, y, 0.5, -1.0, 0.0);
//! let (_, pullback) = scalar::atan2_vjp(a, b, y);
//! let (a_bar, b_bar, y_bar) = pullback((1.0, 3.0));
//! // the dot-product test: ⟨p̄, J·ẋ⟩ = ⟨Jᵀ·p̄, ẋ⟩
//! let forward = 1.0 * p_dot.0 + 3.0 * p_dot.1;
//! let reverse = a_bar * 0.5 + b_bar * -1.0 + y_bar * 0.0;
//! assert!((forward - reverse).abs() < 1e-15);
//! assert_eq!(p, scalar::atan2(a, b, y));
//! ```
//!
//! [`METHODS`] lists every method of the table with its number of float inputs.
//!
//! # Conventions at kinks and singular points
//!
//! Every rule is total: it never panics, NaN inputs give NaN partials (except for the piecewise
//! constant methods, whose partials are always 0, and for `max`, `min`, `clamp`, which select one
//! argument), and infinities go where the formula takes them. Where the derivative does not exist
//! the rule returns a documented one-sided value or subgradient, never NaN:
//!
//! - `abs` at ±0: +1, the right derivative;
//! - `max`/`min` at ties: the derivative goes to the first argument;
//! - `clamp` on the boundary: the derivative goes to `x`;
//! - `hypot` and `atan2` at (0, 0): (0, 0);
//! - `sqrt` and `cbrt` at 0: +∞, the true (one-sided) derivative;
//! - `powf` at a base of 0: ∂/∂b is 0, and a zero exponent has ∂/∂a = 0.
//!
//! The second partials keep these conventions: where a first partial is a constant chosen by
//! convention (the piecewise constant methods, `abs`, `max`, `min`, `clamp`, `hypot` and `atan2`
//! at the origin, ∂/∂b of `powf` at a base of 0), its second partials are 0; one-sided values
//! stay one-sided (`sqrt` at 0: −∞, the right second derivative); limits at infinity stay
//! finite where the first partial is (`atan`, `asinh`, `acosh`, `tanh`: 0 at ±∞); NaN
//! propagates as in the first order.
//!
//! Each entry's `# Edge cases` section gives the details.
//!
//! Sources: the formulas are the standard ones (for instance ChainRules.jl,
//! `src/rulesets/Base/fastmath_able.jl`); the conventions at kinks follow JAX and ChainRules.

use crate::value::Real;

/// Generates, from the table below, three functions per entry and [`METHODS`].
///
/// An entry is two lines, each preceded by its documentation:
///
/// ```text
/// name(float inputs; integer input: type) -> output => partials;
/// name_jvp(input tangents, output tangent), name_vjp => second partials;
/// ```
///
/// The partials are an expression over the inputs and the output, of type `F` for one float
/// input and a tuple of `F` for several. The second line names the companions (macro_rules
/// cannot build `sin_jvp` from `sin`) and the tangent parameters of `name_jvp`, one per float
/// input and one for the output, in that order; its expression gives the second partials, also
/// over the inputs and the output: `[∂p/∂x, ∂p/∂y]` for one float input, and for several an
/// array with one row `[∂pᵢ/∂x₁, …, ∂pᵢ/∂xₖ, ∂pᵢ/∂y]` per partial pᵢ. The types check the
/// shapes: a row or a tangent too many or too few does not compile.
macro_rules! scalar_rules {
    (@partials $x:ident) => { F };
    (@partials $($x:ident)+) => { ($(scalar_rules!(@scalar $x)),+) };
    (@adjoints $($x:ident)+) => { ($(scalar_rules!(@scalar $x),)+ F) };
    (@scalar $x:ident) => { F };
    (@count $($x:ident)*) => { 0 $(+ scalar_rules!(@one $x))* };
    (@one $x:ident) => { 1 };
    // The second partials as rows, one per partial.
    (@rows [$x:ident] $second:expr) => { [$second] };
    (@rows [$($x:ident)+] $second:expr) => { $second };
    // A point of each method's domain for the examples of the companions, and a unit tangent.
    (@at acosh $x:ident) => { "1.5" };
    (@at $name:ident $x:ident) => { "0.5" };
    (@unit $x:ident) => { "1.0" };
    // The example of `NAME_jvp` and `NAME_vjp`: both at a point, checked against each other.
    (@example $name:ident [$($x:ident)+] [$($n:ident)?] $y:ident $jvp:ident $vjp:ident
        [$($dot:ident)+]) => {
        concat!(
            "# Example\n\n",
            "Both companions at a point, checked against each other by the dot-product test ",
            "⟨p̄, ṗ⟩ = ⟨pullback(p̄), tangents⟩ (with unit tangents and p̄ = p):\n\n",
            "```\n",
            "use matcalc_runtime::Tangent;\n",
            "use matcalc_runtime::rules::scalar;\n\n",
            "let (", $(stringify!($x), ", ",)+ ") = (", $(scalar_rules!(@at $name $x), ", ",)+ ");\n",
            $("let ", stringify!($n), " = 3;\n",)?
            "let ", stringify!($y), " = f64::", stringify!($name), "(",
            $(stringify!($x), ", ",)+ $(stringify!($n),)? ");\n",
            "let (", $(stringify!($dot), ", ",)+ ") = (", $(scalar_rules!(@unit $dot), ", ",)+ ");\n",
            "let (p, p_dot) = scalar::", stringify!($jvp), "(",
            $(stringify!($x), ", ",)+ $(stringify!($n), ", ",)? stringify!($y), ", ",
            $(stringify!($dot), ", ",)+ ");\n",
            "assert_eq!(p, scalar::", stringify!($name), "(",
            $(stringify!($x), ", ",)+ $(stringify!($n), ", ",)? stringify!($y), "));\n",
            "let (_, pullback) = scalar::", stringify!($vjp), "(",
            $(stringify!($x), ", ",)+ $(stringify!($n), ", ",)? stringify!($y), ");\n",
            "let reverse: f64 = pullback(p).to_flat().iter().sum();\n",
            "assert!((p.inner(&p_dot) - reverse).abs() <= 1e-12 * (1.0 + reverse.abs()));\n",
            "```",
        )
    };
    ($(
        $(#[$attr:meta])*
        $name:ident($($x:ident),+ $(; $n:ident: $n_ty:ty)?) -> $y:ident => $partials:expr;
        $(#[$second_attr:meta])*
        $jvp:ident($($dot:ident),+), $vjp:ident => $second:expr;
    )*) => {
        $(
            $(#[$attr])*
            #[inline]
            // An entry states its partials in whichever of the inputs and the output is handier,
            // so some parameters go unused.
            #[allow(unused_variables)]
            pub fn $name<F: Real>($($x: F,)+ $($n: $n_ty,)? $y: F) -> scalar_rules!(@partials $($x)+) {
                $partials
            }

            #[doc = concat!(
                "Forward-mode companion of the partials [`", stringify!($name), "`], for ",
                "second derivatives: returns `", stringify!($name), "(",
                stringify!($($x,)+ $($n,)? $y), ")`",
                " and its directional derivative along the tangents `(", stringify!($($dot),+),
                ")`, the inputs and `", stringify!($y), "` varying independently.",
            )]
            ///
            /// With the tangent of the output as its tangent (`ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ`), the
            /// directional derivative is the second derivative of the method along the input
            /// tangents.
            ///
            /// # Second partials
            ///
            $(#[$second_attr])*
            ///
            /// The [module documentation](self) has the conventions.
            ///
            #[doc = scalar_rules!(@example $name [$($x)+] [$($n)?] $y $jvp $vjp [$($dot)+])]
            #[inline]
            #[allow(unused_variables)]
            // The calling convention fixes the parameters: inputs, output, their tangents.
            #[allow(clippy::too_many_arguments)]
            pub fn $jvp<F: Real>(
                $($x: F,)+ $($n: $n_ty,)? $y: F, $($dot: F),+
            ) -> (scalar_rules!(@partials $($x)+), scalar_rules!(@partials $($x)+)) {
                let second: [[F; scalar_rules!(@count $($x)+ $y)]; scalar_rules!(@count $($x)+)] =
                    scalar_rules!(@rows [$($x)+] $second);
                let tangent: [F; scalar_rules!(@count $($x)+ $y)] = [$($dot),+];
                let partials_dot = second.map(|row| dot(&row, &tangent));
                (
                    $name($($x,)+ $($n,)? $y),
                    AsArray::from_array(partials_dot),
                )
            }

            #[doc = concat!(
                "Reverse-mode companion of the partials [`", stringify!($name), "`], for ",
                "second derivatives: returns `", stringify!($name), "(",
                stringify!($($x,)+ $($n,)? $y), ")`",
                " and the pullback that maps a cotangent of them to the adjoints `(",
                $(stringify!($x), "_bar, ",)+ stringify!($y), "_bar)` of the inputs and the ",
                "output", $(" (the integer `", stringify!($n), "` has none)",)? ".",
            )]
            ///
            /// The pullback captures only owned values and may be called many times.
            ///
            /// # Second partials
            ///
            $(#[$second_attr])*
            ///
            /// The [module documentation](self) has the conventions.
            ///
            #[doc = scalar_rules!(@example $name [$($x)+] [$($n)?] $y $jvp $vjp [$($dot)+])]
            #[inline]
            #[allow(unused_variables)]
            pub fn $vjp<F: Real>(
                $($x: F,)+ $($n: $n_ty,)? $y: F
            ) -> (
                scalar_rules!(@partials $($x)+),
                impl Fn(scalar_rules!(@partials $($x)+)) -> scalar_rules!(@adjoints $($x)+) + use<F>,
            ) {
                let second: [[F; scalar_rules!(@count $($x)+ $y)]; scalar_rules!(@count $($x)+)] =
                    scalar_rules!(@rows [$($x)+] $second);
                let pullback = move |partials_bar: scalar_rules!(@partials $($x)+)|
                    -> scalar_rules!(@adjoints $($x)+) {
                    let partials_bar: [F; scalar_rules!(@count $($x)+)] =
                        AsArray::into_array(partials_bar);
                    AsArray::from_array(transpose_dot(&second, &partials_bar))
                };
                ($name($($x,)+ $($n,)? $y), pullback)
            }
        )*

        /// Every float method the table covers, with its number of float inputs (the receiver
        /// included, integer arguments such as the `n` of `powi` not counted).
        ///
        /// ```
        /// use matcalc_runtime::rules::scalar::METHODS;
        /// assert!(METHODS.contains(&("sin", 1)));
        /// assert!(METHODS.contains(&("powi", 1)));
        /// assert!(METHODS.contains(&("atan2", 2)));
        /// assert!(METHODS.contains(&("mul_add", 3)));
        /// ```
        pub const METHODS: &[(&str, usize)] = &[
            $((stringify!($name), [$(stringify!($x)),+].len())),*
        ];
    };
}

/// `F` from an `f64` constant.
#[inline]
fn c<F: Real>(value: f64) -> F {
    F::from_f64(value)
}

/// Partials (`F` or a tuple of `F`) and adjoints (a tuple of `F`) as arrays, to compute with.
trait AsArray<F, const N: usize> {
    fn from_array(array: [F; N]) -> Self;
    fn into_array(self) -> [F; N];
}

impl<F: Real> AsArray<F, 1> for F {
    #[inline]
    fn from_array([x]: [F; 1]) -> Self {
        x
    }
    #[inline]
    fn into_array(self) -> [F; 1] {
        [self]
    }
}

macro_rules! impl_as_array {
    ($($n:literal: ($($x:ident),+);)*) => {$(
        impl<F: Real> AsArray<F, $n> for ($(scalar_rules!(@scalar $x),)+) {
            #[inline]
            fn from_array([$($x),+]: [F; $n]) -> Self {
                ($($x,)+)
            }
            #[inline]
            fn into_array(self) -> [F; $n] {
                let ($($x,)+) = self;
                [$($x),+]
            }
        }
    )*};
}
impl_as_array! {
    2: (a, b);
    3: (a, b, c);
    4: (a, b, c, d);
}

/// `Σⱼ rowⱼ · tangentⱼ`: one partial's directional derivative.
#[inline]
fn dot<F: Real, const N: usize>(row: &[F; N], tangent: &[F; N]) -> F {
    row.iter()
        .zip(tangent)
        .fold(F::zero(), |sum, (h, t)| sum + *h * *t)
}

/// `Σᵢ p̄ᵢ · secondᵢⱼ` for every column j: the adjoints from the cotangent of the partials.
#[inline]
fn transpose_dot<F: Real, const K: usize, const N: usize>(
    second: &[[F; N]; K],
    partials_bar: &[F; K],
) -> [F; N] {
    core::array::from_fn(|j| {
        second
            .iter()
            .zip(partials_bar)
            .fold(F::zero(), |sum, (row, p_bar)| sum + *p_bar * row[j])
    })
}

scalar_rules! {
    // ----- piecewise: absolute value, sign, rounding -----

    /// ∂/∂x |x| = sign(x).
    ///
    /// # Edge cases
    ///
    /// At `x = 0` (and at `x = -0.0`) the derivative is +1, the right derivative, so that the
    /// derivative is one-sided but never NaN. A NaN input gives NaN.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::abs(-2.0f64, 2.0), -1.0);
    /// assert_eq!(scalar::abs(0.0f64, 0.0), 1.0);
    /// assert_eq!(scalar::abs(-0.0f64, 0.0), 1.0);
    /// assert!(scalar::abs(f64::NAN, f64::NAN).is_nan());
    /// ```
    abs(x) -> y => if x.is_nan() {
        x
    } else if x >= F::zero() {
        F::one()
    } else {
        -F::one()
    };
    /// p = sign(x) is piecewise constant: ∂p/∂x = ∂p/∂y = 0, also at the kink at 0. A NaN `x`
    /// gives NaN, like p.
    abs_jvp(x_dot, y_dot), abs_vjp => if x.is_nan() {
        [x, x]
    } else {
        [F::zero(), F::zero()]
    };

    /// ∂/∂x sign(x) = 0.
    ///
    /// # Edge cases
    ///
    /// 0 everywhere, also at the jump at 0 and for NaN (the primal output carries the NaN).
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::signum(-3.0f64, -1.0), 0.0);
    /// ```
    signum(x) -> y => F::zero();
    /// p = 0: ∂p/∂x = ∂p/∂y = 0.
    signum_jvp(x_dot, y_dot), signum_vjp => [F::zero(), F::zero()];

    /// ∂/∂x ⌊x⌋ = 0.
    ///
    /// # Edge cases
    ///
    /// 0 everywhere, also at the jumps at integers and for NaN.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::floor(2.5f64, 2.0), 0.0);
    /// ```
    floor(x) -> y => F::zero();
    /// p = 0: ∂p/∂x = ∂p/∂y = 0.
    floor_jvp(x_dot, y_dot), floor_vjp => [F::zero(), F::zero()];

    /// ∂/∂x ⌈x⌉ = 0.
    ///
    /// # Edge cases
    ///
    /// 0 everywhere, also at the jumps at integers and for NaN.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::ceil(2.5f64, 3.0), 0.0);
    /// ```
    ceil(x) -> y => F::zero();
    /// p = 0: ∂p/∂x = ∂p/∂y = 0.
    ceil_jvp(x_dot, y_dot), ceil_vjp => [F::zero(), F::zero()];

    /// ∂/∂x round(x) = 0.
    ///
    /// # Edge cases
    ///
    /// 0 everywhere, also at the jumps at half-integers and for NaN.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::round(2.2f64, 2.0), 0.0);
    /// ```
    round(x) -> y => F::zero();
    /// p = 0: ∂p/∂x = ∂p/∂y = 0.
    round_jvp(x_dot, y_dot), round_vjp => [F::zero(), F::zero()];

    /// ∂/∂x trunc(x) = 0.
    ///
    /// # Edge cases
    ///
    /// 0 everywhere, also at the jumps at nonzero integers and for NaN.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::trunc(-2.5f64, -2.0), 0.0);
    /// ```
    trunc(x) -> y => F::zero();
    /// p = 0: ∂p/∂x = ∂p/∂y = 0.
    trunc_jvp(x_dot, y_dot), trunc_vjp => [F::zero(), F::zero()];

    // ----- roots, powers, reciprocal -----

    /// ∂/∂x √x = 1 / (2√x) = 1 / (2y).
    ///
    /// # Edge cases
    ///
    /// At `x = 0` (and `-0.0`, whose square root is `-0.0`) the derivative is +∞, the true
    /// right derivative. Negative inputs give NaN, as the primal does.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::sqrt(4.0f64, 2.0), 0.25);
    /// assert_eq!(scalar::sqrt(0.0f64, 0.0), f64::INFINITY);
    /// ```
    sqrt(x) -> y => c::<F>(0.5) / y.abs();
    /// p = 1/(2|y|): ∂p/∂x = 0, ∂p/∂y = −1/(2y²) for y ≥ 0 (y = √x; the sign flips for y < 0,
    /// as the derivative of |y| does).
    ///
    /// At `y = ±0` (`x = ±0`), ∂p/∂y is −∞, the right derivative, so that the second derivative
    /// of √x at 0 is −∞, its one-sided limit.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::sqrt_jvp(4.0f64, 2.0, 0.0, 1.0), (0.25, -0.125));
    /// assert_eq!(scalar::sqrt_jvp(-0.0f64, -0.0, 0.0, 1.0).1, f64::NEG_INFINITY);
    /// ```
    sqrt_jvp(x_dot, y_dot), sqrt_vjp => [
        F::zero(),
        if y < F::zero() {
            c::<F>(0.5) / (y * y)
        } else {
            -c::<F>(0.5) / (y * y)
        },
    ];

    /// ∂/∂x ∛x = 1 / (3 ∛x²) = 1 / (3y²).
    ///
    /// # Edge cases
    ///
    /// At `x = 0` (and `-0.0`) the derivative is +∞, the true derivative (the graph has a
    /// vertical tangent there).
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::cbrt(-8.0f64, -2.0), 1.0 / 12.0);
    /// assert_eq!(scalar::cbrt(0.0f64, 0.0), f64::INFINITY);
    /// ```
    cbrt(x) -> y => (c::<F>(3.0) * y * y).recip();
    /// p = 1/(3y²): ∂p/∂x = 0, ∂p/∂y = −2/(3y³).
    ///
    /// At `y = +0` ∂p/∂y is −∞ and at `y = −0` it is +∞: the one-sided second derivative of ∛x
    /// on the side of the sign of the zero.
    cbrt_jvp(x_dot, y_dot), cbrt_vjp => [F::zero(), -c::<F>(2.0) / (c::<F>(3.0) * y * y * y)];

    /// ∂/∂x xⁿ = n·xⁿ⁻¹.
    ///
    /// # Edge cases
    ///
    /// Exactly 0 when `n == 0` (x⁰ = 1 for every x, NaN and 0 included). At `x = 0` with
    /// `n < 1` the derivative is infinite or NaN, as the formula gives. `n = i32::MIN` does not
    /// overflow (it uses n·y/x).
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::powi(2.0f64, 3, 8.0), 12.0);
    /// assert_eq!(scalar::powi(0.0f64, 0, 1.0), 0.0);
    /// ```
    powi(x; n: i32) -> y => match (n, n.checked_sub(1)) {
        (0, _) => F::zero(),
        (_, Some(n_minus_1)) => c::<F>(f64::from(n)) * x.powi(n_minus_1),
        (_, None) => c::<F>(f64::from(n)) * y / x,
    };
    /// p = n·xⁿ⁻¹: ∂p/∂x = n(n − 1)·xⁿ⁻², ∂p/∂y = 0.
    ///
    /// Exactly 0 for `n = 0` and `n = 1`, where p is constant (NaN and 0 included). For
    /// `n = i32::MIN`, whose first partial is computed as n·y/x, the second partials are those
    /// of n·y/x: ∂p/∂x = −n·y/x², ∂p/∂y = n/x. Exponents near `i32::MIN` do not overflow.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::powi_jvp(2.0f64, 3, 8.0, 1.0, 0.0), (12.0, 12.0));
    /// assert_eq!(scalar::powi_jvp(0.0f64, 1, 0.0, 1.0, 0.0), (1.0, 0.0));
    /// ```
    powi_jvp(x_dot, y_dot), powi_vjp => match (n, n.checked_sub(1)) {
        (0 | 1, _) => [F::zero(), F::zero()],
        (_, Some(n_minus_1)) => [
            c::<F>(f64::from(n) * f64::from(n_minus_1))
                * match n_minus_1.checked_sub(1) {
                    Some(n_minus_2) => x.powi(n_minus_2),
                    None => x.powi(n_minus_1) / x,
                },
            F::zero(),
        ],
        (_, None) => {
            let n = c::<F>(f64::from(n));
            [-(n * y / (x * x)), n / x]
        }
    };

    /// ∂/∂a aᵇ = b·aᵇ⁻¹, ∂/∂b aᵇ = aᵇ·ln a = y·ln a.
    ///
    /// # Edge cases
    ///
    /// - At a base `a = 0`, ∂/∂b is 0, not the NaN of 0·ln 0: b ↦ 0ᵇ is constant on each side
    ///   of b = 0 (0 for b > 0, +∞ for b < 0); at b = 0 it jumps, and 0 is the documented
    ///   choice. Likewise whenever `y = 0` (+∞ to a negative power, or underflow).
    /// - When `b = 0`, ∂/∂a is 0 (a⁰ = 1 for every a), not the NaN of 0·0⁻¹ at a = 0.
    /// - At a base of 0 with `0 < b < 1`, ∂/∂a is +∞, the one-sided derivative.
    /// - A negative base gives ∂/∂b = NaN: aᵇ is real only at integer b, so it has no
    ///   derivative in b there.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// let (da, db) = scalar::powf(2.0f64, 3.0, 8.0);
    /// assert_eq!(da, 12.0);
    /// assert_eq!(db, 8.0 * 2f64.ln());
    /// assert_eq!(scalar::powf(0.0f64, 2.0, 0.0), (0.0, 0.0));
    /// ```
    powf(a, b) -> y => (
        if b == F::zero() {
            F::zero()
        } else {
            b * a.powf(b - F::one())
        },
        if y == F::zero() || a == F::zero() {
            F::zero()
        } else {
            y * a.ln()
        },
    );
    /// p = (b·aᵇ⁻¹, y·ln a):
    ///
    /// - ∂pₐ/∂a = b(b − 1)·aᵇ⁻², ∂pₐ/∂b = aᵇ⁻¹·(1 + b·ln a), ∂pₐ/∂y = 0;
    /// - ∂p_b/∂a = y/a, ∂p_b/∂b = 0, ∂p_b/∂y = ln a.
    ///
    /// Where the first order sets ∂/∂b to 0 (a base of 0, or `y = 0`), the row of p_b is 0: the
    /// partial is the constant of the convention there. ∂pₐ/∂a is 0 for `b = 0` and `b = 1`,
    /// where pₐ is constant in a (also at a = 0). At a base of 0, ∂pₐ/∂b is 0: pₐ is 0 or
    /// infinite there, constant in b on each side of b = 1. At `b = 0` and a ≠ 0, ∂pₐ/∂b is
    /// 1/a, the true value (the 0 of pₐ at b = 0 only settles the case a = 0). A negative base
    /// gives NaN for ∂pₐ/∂b and ∂p_b/∂y, as for the first-order ∂/∂b.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// // a = 2, b = 3, y = 8: ∂pₐ/∂a = 3·2·2 = 12 and ∂p_b/∂a = y/a = 4
    /// let (_, p_dot) = scalar::powf_jvp(2.0f64, 3.0, 8.0, 1.0, 0.0, 0.0);
    /// assert_eq!(p_dot, (12.0, 4.0));
    /// // a base of 0 (b = 2): ∂pₐ/∂a = 2, ∂pₐ/∂b = 0, and the row of p_b is 0
    /// assert_eq!(scalar::powf_jvp(0.0f64, 2.0, 0.0, 1.0, 1.0, 1.0).1, (2.0, 0.0));
    /// ```
    powf_jvp(a_dot, b_dot, y_dot), powf_vjp => [
        [
            if b == F::zero() || b == F::one() {
                F::zero()
            } else {
                b * (b - F::one()) * a.powf(b - c::<F>(2.0))
            },
            if a == F::zero() {
                F::zero()
            } else {
                a.powf(b - F::one()) * (F::one() + b * a.ln())
            },
            F::zero(),
        ],
        if y == F::zero() || a == F::zero() {
            [F::zero(); 3]
        } else {
            [y / a, F::zero(), a.ln()]
        },
    ];

    /// ∂/∂x 1/x = −1/x² = −y².
    ///
    /// # Edge cases
    ///
    /// At `x = 0` the derivative is −∞.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::recip(2.0f64, 0.5), -0.25);
    /// ```
    recip(x) -> y => -(y * y);
    /// p = −y²: ∂p/∂x = 0, ∂p/∂y = −2y.
    recip_jvp(x_dot, y_dot), recip_vjp => [F::zero(), -c::<F>(2.0) * y];

    /// ∂/∂a (a·b + c) = b, ∂/∂b = a, ∂/∂c = 1.
    ///
    /// # Edge cases
    ///
    /// None: the partials are the inputs themselves, NaN and infinities included.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::mul_add(2.0f64, 3.0, 1.0, 7.0), (3.0, 2.0, 1.0));
    /// ```
    mul_add(a, b, c) -> y => (b, a, F::one());
    /// p = (b, a, 1): the only nonzero second partials are ∂pₐ/∂b = ∂p_b/∂a = 1.
    mul_add_jvp(a_dot, b_dot, c_dot, y_dot), mul_add_vjp => {
        let (zero, one) = (F::zero(), F::one());
        [[zero, one, zero, zero], [one, zero, zero, zero], [zero; 4]]
    };

    /// ∂/∂a √(a² + b²) = a/y, ∂/∂b = b/y.
    ///
    /// # Edge cases
    ///
    /// At (0, 0), where the function is not differentiable, the partials are (0, 0): a
    /// subgradient (the gradient of the norm lies in the unit ball there, and 0 is its center).
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::hypot(3.0f64, 4.0, 5.0), (0.6, 0.8));
    /// assert_eq!(scalar::hypot(0.0f64, 0.0, 0.0), (0.0, 0.0));
    /// ```
    hypot(a, b) -> y => if y == F::zero() {
        (F::zero(), F::zero())
    } else {
        (a / y, b / y)
    };
    /// p = (a/y, b/y): ∂pₐ/∂a = 1/y, ∂pₐ/∂b = 0, ∂pₐ/∂y = −a/y²; ∂p_b/∂a = 0, ∂p_b/∂b = 1/y,
    /// ∂p_b/∂y = −b/y².
    ///
    /// At (0, 0), where the partials are the subgradient (0, 0), the second partials are 0.
    hypot_jvp(a_dot, b_dot, y_dot), hypot_vjp => if y == F::zero() {
        [[F::zero(); 3]; 2]
    } else {
        let r = y.recip();
        [[r, F::zero(), -(a / y) / y], [F::zero(), r, -(b / y) / y]]
    };

    // ----- exponentials and logarithms -----

    /// ∂/∂x eˣ = eˣ = y.
    ///
    /// # Edge cases
    ///
    /// None: follows the output (0 at −∞, +∞ at +∞).
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::exp(1.0f64, 1f64.exp()), 1f64.exp());
    /// ```
    exp(x) -> y => y;
    /// p = y: ∂p/∂x = 0, ∂p/∂y = 1 (the second derivative eˣ comes through y).
    exp_jvp(x_dot, y_dot), exp_vjp => [F::zero(), F::one()];

    /// ∂/∂x 2ˣ = 2ˣ·ln 2 = y·ln 2.
    ///
    /// # Edge cases
    ///
    /// None: follows the output.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::exp2(3.0f64, 8.0), 8.0 * std::f64::consts::LN_2);
    /// ```
    exp2(x) -> y => y * F::LN_2();
    /// p = y·ln 2: ∂p/∂x = 0, ∂p/∂y = ln 2.
    exp2_jvp(x_dot, y_dot), exp2_vjp => [F::zero(), F::LN_2()];

    /// ∂/∂x (eˣ − 1) = eˣ = y + 1.
    ///
    /// # Edge cases
    ///
    /// None: follows the output.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::exp_m1(0.0f64, 0.0), 1.0);
    /// ```
    exp_m1(x) -> y => y + F::one();
    /// p = y + 1: ∂p/∂x = 0, ∂p/∂y = 1.
    exp_m1_jvp(x_dot, y_dot), exp_m1_vjp => [F::zero(), F::one()];

    /// ∂/∂x ln x = 1/x.
    ///
    /// # Edge cases
    ///
    /// +∞ at `x = 0`; negative inputs give a finite negative value, but the primal is NaN there.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::ln(2.0f64, 2f64.ln()), 0.5);
    /// ```
    ln(x) -> y => x.recip();
    /// p = 1/x: ∂p/∂x = −1/x², ∂p/∂y = 0; −∞ at `x = 0`.
    ln_jvp(x_dot, y_dot), ln_vjp => [-(x * x).recip(), F::zero()];

    /// ∂/∂x ln(1 + x) = 1/(1 + x).
    ///
    /// # Edge cases
    ///
    /// +∞ at `x = −1`.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::ln_1p(1.0f64, 2f64.ln()), 0.5);
    /// ```
    ln_1p(x) -> y => (F::one() + x).recip();
    /// p = 1/(1 + x): ∂p/∂x = −1/(1 + x)², ∂p/∂y = 0; −∞ at `x = −1`.
    ln_1p_jvp(x_dot, y_dot), ln_1p_vjp => {
        let u = F::one() + x;
        [-(u * u).recip(), F::zero()]
    };

    /// ∂/∂x log₂ x = 1/(x·ln 2).
    ///
    /// # Edge cases
    ///
    /// +∞ at `x = 0`.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::log2(1.0f64, 0.0), 1.0 / std::f64::consts::LN_2);
    /// ```
    log2(x) -> y => (x * F::LN_2()).recip();
    /// p = 1/(x·ln 2): ∂p/∂x = −1/(x²·ln 2), ∂p/∂y = 0; −∞ at `x = 0`.
    log2_jvp(x_dot, y_dot), log2_vjp => [-(x * x * F::LN_2()).recip(), F::zero()];

    /// ∂/∂x log₁₀ x = 1/(x·ln 10).
    ///
    /// # Edge cases
    ///
    /// +∞ at `x = 0`.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::log10(1.0f64, 0.0), 1.0 / std::f64::consts::LN_10);
    /// ```
    log10(x) -> y => (x * F::LN_10()).recip();
    /// p = 1/(x·ln 10): ∂p/∂x = −1/(x²·ln 10), ∂p/∂y = 0; −∞ at `x = 0`.
    log10_jvp(x_dot, y_dot), log10_vjp => [-(x * x * F::LN_10()).recip(), F::zero()];

    /// `a.log(b)` = ln a / ln b: ∂/∂a = 1/(a·ln b), ∂/∂b = −ln a/(b·ln² b) = −y/(b·ln b).
    ///
    /// # Edge cases
    ///
    /// At a base `b = 1` the primal and both partials are infinite or NaN.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// let (a, b) = (8.0f64, 2.0);
    /// let (da, db) = scalar::log(a, b, a.log(b));
    /// assert!((da - 1.0 / (8.0 * 2f64.ln())).abs() < 1e-15);
    /// assert!((db + 3.0 / (2.0 * 2f64.ln())).abs() < 1e-15);
    /// ```
    log(a, b) -> y => {
        let ln_b = b.ln();
        ((a * ln_b).recip(), -y / (b * ln_b))
    };
    /// p = (1/(a·ln b), −y/(b·ln b)):
    ///
    /// - ∂pₐ/∂a = −1/(a²·ln b), ∂pₐ/∂b = −1/(a·b·ln² b), ∂pₐ/∂y = 0;
    /// - ∂p_b/∂a = 0, ∂p_b/∂b = y·(1 + ln b)/(b·ln b)², ∂p_b/∂y = −1/(b·ln b).
    ///
    /// At a base `b = 1` they are infinite or NaN, like the primal.
    log_jvp(a_dot, b_dot, y_dot), log_vjp => {
        let ln_b = b.ln();
        let b_ln_b = b * ln_b;
        [
            [
                -(a * a * ln_b).recip(),
                -(a * b_ln_b * ln_b).recip(),
                F::zero(),
            ],
            [
                F::zero(),
                y * (F::one() + ln_b) / (b_ln_b * b_ln_b),
                -b_ln_b.recip(),
            ],
        ]
    };

    // ----- trigonometric -----

    /// ∂/∂x sin x = cos x.
    ///
    /// # Edge cases
    ///
    /// None; ±∞ gives NaN, as the primal does.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::sin(0.0f64, 0.0), 1.0);
    /// ```
    sin(x) -> y => x.cos();
    /// p = cos x: ∂p/∂x = −sin x (computed as −y), ∂p/∂y = 0.
    sin_jvp(x_dot, y_dot), sin_vjp => [-y, F::zero()];

    /// ∂/∂x cos x = −sin x.
    ///
    /// # Edge cases
    ///
    /// None; ±∞ gives NaN, as the primal does.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::cos(0.0f64, 1.0), 0.0);
    /// ```
    cos(x) -> y => -x.sin();
    /// p = −sin x: ∂p/∂x = −cos x (computed as −y), ∂p/∂y = 0.
    cos_jvp(x_dot, y_dot), cos_vjp => [-y, F::zero()];

    /// ∂/∂x tan x = 1 + tan² x = 1 + y².
    ///
    /// # Edge cases
    ///
    /// None: at the poles the primal is large and finite in floating point, and so is this.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::tan(0.0f64, 0.0), 1.0);
    /// ```
    tan(x) -> y => F::one() + y * y;
    /// p = 1 + y²: ∂p/∂x = 0, ∂p/∂y = 2y.
    tan_jvp(x_dot, y_dot), tan_vjp => [F::zero(), c::<F>(2.0) * y];

    /// ∂/∂x asin x = 1/√(1 − x²), computed as 1/√((1 − x)(1 + x)) for accuracy near ±1.
    ///
    /// # Edge cases
    ///
    /// +∞ at `x = ±1`; NaN outside [−1, 1], as the primal.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::asin(0.0f64, 0.0), 1.0);
    /// assert_eq!(scalar::asin(1.0f64, 1f64.asin()), f64::INFINITY);
    /// ```
    asin(x) -> y => ((F::one() - x) * (F::one() + x)).sqrt().recip();
    /// p = 1/√(1 − x²): ∂p/∂x = x/(1 − x²)^(3/2) = x·p³, ∂p/∂y = 0; ±∞ at `x = ±1`.
    asin_jvp(x_dot, y_dot), asin_vjp => {
        let p = ((F::one() - x) * (F::one() + x)).sqrt().recip();
        [x * p * p * p, F::zero()]
    };

    /// ∂/∂x acos x = −1/√(1 − x²), computed as −1/√((1 − x)(1 + x)).
    ///
    /// # Edge cases
    ///
    /// −∞ at `x = ±1`; NaN outside [−1, 1], as the primal.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::acos(0.0f64, 0f64.acos()), -1.0);
    /// ```
    acos(x) -> y => -((F::one() - x) * (F::one() + x)).sqrt().recip();
    /// p = −1/√(1 − x²): ∂p/∂x = −x/(1 − x²)^(3/2), ∂p/∂y = 0; ∓∞ at `x = ±1`.
    acos_jvp(x_dot, y_dot), acos_vjp => {
        let q = ((F::one() - x) * (F::one() + x)).sqrt().recip();
        [-(x * q * q * q), F::zero()]
    };

    /// ∂/∂x atan x = 1/(1 + x²).
    ///
    /// # Edge cases
    ///
    /// 0 at ±∞.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::atan(1.0f64, 1f64.atan()), 0.5);
    /// ```
    atan(x) -> y => (F::one() + x * x).recip();
    /// p = 1/(1 + x²): ∂p/∂x = −2x/(1 + x²)² = −2x·p², ∂p/∂y = 0; 0 at ±∞, the limit, like p.
    atan_jvp(x_dot, y_dot), atan_vjp => if x.is_infinite() {
        [F::zero(), F::zero()]
    } else {
        let p = (F::one() + x * x).recip();
        [-c::<F>(2.0) * x * p * p, F::zero()]
    };

    /// `a.atan2(b)`, the angle of the point (b, a): ∂/∂a = b/(a² + b²), ∂/∂b = −a/(a² + b²),
    /// with a² + b² computed as `hypot(a, b)²` so that it does not overflow.
    ///
    /// # Edge cases
    ///
    /// At (0, 0) (any signs of zero), where the angle jumps, the partials are (0, 0), a
    /// documented choice rather than NaN.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// let (a, b) = (1.0f64, 3.0);
    /// let (da, db) = scalar::atan2(a, b, a.atan2(b));
    /// assert!((da - 0.3).abs() < 1e-15 && (db + 0.1).abs() < 1e-15);
    /// assert_eq!(scalar::atan2(0.0f64, 0.0, 0.0), (0.0, 0.0));
    /// ```
    atan2(a, b) -> y => {
        let r = a.hypot(b);
        if r == F::zero() {
            (F::zero(), F::zero())
        } else {
            (b / r / r, -a / r / r)
        }
    };
    /// p = (b/r², −a/r²) with r² = a² + b²: ∂pₐ/∂a = −2ab/r⁴, ∂pₐ/∂b = ∂p_b/∂a = (a² − b²)/r⁴,
    /// ∂p_b/∂b = 2ab/r⁴, and 0 in y; computed from a/r and b/r, so that r⁴ does not overflow.
    ///
    /// At (0, 0), where the partials are (0, 0) by convention, the second partials are 0.
    atan2_jvp(a_dot, b_dot, y_dot), atan2_vjp => {
        let r = a.hypot(b);
        if r == F::zero() {
            [[F::zero(); 3]; 2]
        } else {
            let (u, v) = (a / r, b / r);
            let r2 = r * r;
            let two_uv = c::<F>(2.0) * u * v / r2;
            let u2_minus_v2 = (u - v) * (u + v) / r2;
            [[-two_uv, u2_minus_v2, F::zero()], [u2_minus_v2, two_uv, F::zero()]]
        }
    };

    // ----- hyperbolic -----

    /// ∂/∂x sinh x = cosh x.
    ///
    /// # Edge cases
    ///
    /// None: +∞ at ±∞.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::sinh(0.0f64, 0.0), 1.0);
    /// ```
    sinh(x) -> y => x.cosh();
    /// p = cosh x: ∂p/∂x = sinh x (computed as y), ∂p/∂y = 0.
    sinh_jvp(x_dot, y_dot), sinh_vjp => [y, F::zero()];

    /// ∂/∂x cosh x = sinh x.
    ///
    /// # Edge cases
    ///
    /// None: ±∞ at ±∞.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::cosh(0.0f64, 1.0), 0.0);
    /// ```
    cosh(x) -> y => x.sinh();
    /// p = sinh x: ∂p/∂x = cosh x (computed as y), ∂p/∂y = 0.
    cosh_jvp(x_dot, y_dot), cosh_vjp => [y, F::zero()];

    /// ∂/∂x tanh x = 1 − tanh² x = 1/cosh² x, computed from cosh, which keeps its accuracy
    /// where 1 − y² cancels (|x| large).
    ///
    /// # Edge cases
    ///
    /// 0 at ±∞.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::tanh(0.0f64, 0.0), 1.0);
    /// ```
    tanh(x) -> y => x.cosh().powi(-2);
    /// p = 1/cosh² x: ∂p/∂x = −2·tanh x/cosh² x (computed as −2y·p), ∂p/∂y = 0; 0 at ±∞.
    tanh_jvp(x_dot, y_dot), tanh_vjp => [-c::<F>(2.0) * y * x.cosh().powi(-2), F::zero()];

    /// ∂/∂x asinh x = 1/√(x² + 1), computed as 1/hypot(x, 1) so that it does not overflow.
    ///
    /// # Edge cases
    ///
    /// 0 at ±∞.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::asinh(0.0f64, 0.0), 1.0);
    /// ```
    asinh(x) -> y => x.hypot(F::one()).recip();
    /// p = 1/√(x² + 1): ∂p/∂x = −x/(x² + 1)^(3/2) = −x·p³, ∂p/∂y = 0; 0 at ±∞, the limit, like
    /// p.
    asinh_jvp(x_dot, y_dot), asinh_vjp => if x.is_infinite() {
        [F::zero(), F::zero()]
    } else {
        let p = x.hypot(F::one()).recip();
        [-(x * p) * p * p, F::zero()]
    };

    /// ∂/∂x acosh x = 1/√(x² − 1), computed as 1/(√(x − 1)·√(x + 1)).
    ///
    /// # Edge cases
    ///
    /// +∞ at `x = 1`; NaN below 1, as the primal.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::acosh(1.0f64, 0.0), f64::INFINITY);
    /// ```
    acosh(x) -> y => ((x - F::one()).sqrt() * (x + F::one()).sqrt()).recip();
    /// p = 1/√(x² − 1): ∂p/∂x = −x/(x² − 1)^(3/2) = −x·p³, ∂p/∂y = 0; −∞ at `x = 1`, 0 at +∞
    /// (the limit, like p).
    acosh_jvp(x_dot, y_dot), acosh_vjp => if x == F::infinity() {
        [F::zero(), F::zero()]
    } else {
        let p = ((x - F::one()).sqrt() * (x + F::one()).sqrt()).recip();
        [-(x * p) * p * p, F::zero()]
    };

    /// ∂/∂x atanh x = 1/(1 − x²), computed as 1/((1 − x)(1 + x)).
    ///
    /// # Edge cases
    ///
    /// +∞ at `x = ±1`.
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::atanh(0.0f64, 0.0), 1.0);
    /// ```
    atanh(x) -> y => ((F::one() - x) * (F::one() + x)).recip();
    /// p = 1/(1 − x²): ∂p/∂x = 2x/(1 − x²)² = 2x·p², ∂p/∂y = 0; ±∞ at `x = ±1`.
    atanh_jvp(x_dot, y_dot), atanh_vjp => {
        let p = ((F::one() - x) * (F::one() + x)).recip();
        [c::<F>(2.0) * x * p * p, F::zero()]
    };

    // ----- selection -----

    /// `a.max(b)`: the derivative goes to the argument that is returned, (1, 0) or (0, 1).
    ///
    /// # Edge cases
    ///
    /// - At a tie `a == b` the derivative goes to the first argument `a`: (1, 0).
    /// - When one argument is NaN, Rust's `max` returns the other one, and the derivative
    ///   follows it: `NaN.max(b)` gives (0, 1), `a.max(NaN)` gives (1, 0).
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::max(1.0f64, 2.0, 2.0), (0.0, 1.0));
    /// assert_eq!(scalar::max(2.0f64, 2.0, 2.0), (1.0, 0.0));
    /// assert_eq!(scalar::max(f64::NAN, 2.0, 2.0), (0.0, 1.0));
    /// ```
    max(a, b) -> y => if a.is_nan() {
        (F::zero(), F::one())
    } else if b.is_nan() || a >= b {
        (F::one(), F::zero())
    } else {
        (F::zero(), F::one())
    };
    /// p is (1, 0) or (0, 1), piecewise constant: every second partial is 0, also at ties and
    /// for NaN.
    max_jvp(a_dot, b_dot, y_dot), max_vjp => [[F::zero(); 3]; 2];

    /// `a.min(b)`: the derivative goes to the argument that is returned, (1, 0) or (0, 1).
    ///
    /// # Edge cases
    ///
    /// - At a tie `a == b` the derivative goes to the first argument `a`: (1, 0).
    /// - When one argument is NaN, Rust's `min` returns the other one, and the derivative
    ///   follows it: `NaN.min(b)` gives (0, 1), `a.min(NaN)` gives (1, 0).
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::min(1.0f64, 2.0, 1.0), (1.0, 0.0));
    /// assert_eq!(scalar::min(2.0f64, 2.0, 2.0), (1.0, 0.0));
    /// assert_eq!(scalar::min(1.0f64, f64::NAN, 1.0), (1.0, 0.0));
    /// ```
    min(a, b) -> y => if a.is_nan() {
        (F::zero(), F::one())
    } else if b.is_nan() || a <= b {
        (F::one(), F::zero())
    } else {
        (F::zero(), F::one())
    };
    /// p is (1, 0) or (0, 1), piecewise constant: every second partial is 0, also at ties and
    /// for NaN.
    min_jvp(a_dot, b_dot, y_dot), min_vjp => [[F::zero(); 3]; 2];

    /// `x.clamp(lo, hi)`: the derivative goes to the argument that is returned: (1, 0, 0)
    /// inside [lo, hi], (0, 1, 0) below `lo`, (0, 0, 1) above `hi`.
    ///
    /// # Edge cases
    ///
    /// - On the boundary (`x == lo` or `x == hi`) the derivative goes to `x`: (1, 0, 0), so a
    ///   clamped value that sits exactly on a bound still moves with its input.
    /// - A NaN `x` gives (1, 0, 0): `clamp` returns the NaN of `x`.
    /// - The rule does not panic on `lo > hi` or NaN bounds (the primal `clamp` does).
    ///
    /// ```
    /// use matcalc_runtime::rules::scalar;
    /// assert_eq!(scalar::clamp(0.5f64, 0.0, 1.0, 0.5), (1.0, 0.0, 0.0));
    /// assert_eq!(scalar::clamp(-1.0f64, 0.0, 1.0, 0.0), (0.0, 1.0, 0.0));
    /// assert_eq!(scalar::clamp(2.0f64, 0.0, 1.0, 1.0), (0.0, 0.0, 1.0));
    /// ```
    clamp(x, lo, hi) -> y => if x < lo {
        (F::zero(), F::one(), F::zero())
    } else if x > hi {
        (F::zero(), F::zero(), F::one())
    } else {
        (F::one(), F::zero(), F::zero())
    };
    /// p is (1, 0, 0), (0, 1, 0) or (0, 0, 1), piecewise constant: every second partial is 0,
    /// also on the boundary and for NaN.
    clamp_jvp(x_dot, lo_dot, hi_dot, y_dot), clamp_vjp => [[F::zero(); 4]; 3];
}
