//! The derivatives of the float methods, as one declarative table.
//!
//! Each entry of the table states the partial derivatives of one method of `f32`/`f64` in terms
//! of its inputs and its output `y`, for instance
//!
//! ```text
//! sin(x)      -> y => x.cos()
//! exp(x)      -> y => y
//! atan2(a, b) -> y => (b / (a² + b²), −a / (a² + b²))
//! ```
//!
//! and the table generates one generic function per entry that returns those partials:
//!
//! | inputs | signature | returns |
//! |---|---|---|
//! | one (`x.sin()`) | `fn sin<F: Real>(x: F, y: F) -> F` | ∂y/∂x |
//! | one and an integer (`x.powi(n)`) | `fn powi<F: Real>(x: F, n: i32, y: F) -> F` | ∂y/∂x |
//! | two (`a.atan2(b)`) | `fn atan2<F: Real>(a: F, b: F, y: F) -> (F, F)` | (∂y/∂a, ∂y/∂b) |
//! | three (`a.mul_add(b, c)`) | `fn mul_add<F: Real>(a: F, b: F, c: F, y: F) -> (F, F, F)` | (∂y/∂a, ∂y/∂b, ∂y/∂c) |
//!
//! The receiver comes first. `y` is the primal output, which the generated code has computed
//! anyway; rules like `exp => y` and `tanh`, `sqrt`, `recip` reuse it instead of recomputing.
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
//! Each entry's `# Edge cases` section gives the details.
//!
//! Sources: the formulas are the standard ones (for instance ChainRules.jl,
//! `src/rulesets/Base/fastmath_able.jl`); the conventions at kinks follow JAX and ChainRules.

use crate::value::Real;

/// Generates, from the table below, one function per entry and [`METHODS`].
///
/// An entry is `name(float inputs; integer input: type) -> output => partials;` preceded by its
/// documentation. The partials are an expression over the inputs and the output, of type `F` for
/// one float input and a tuple of `F` for several.
macro_rules! scalar_rules {
    (@partials $x:ident) => { F };
    (@partials $($x:ident)+) => { ($(scalar_rules!(@scalar $x)),+) };
    (@scalar $x:ident) => { F };
    ($(
        $(#[$attr:meta])*
        $name:ident($($x:ident),+ $(; $n:ident: $n_ty:ty)?) -> $y:ident => $partials:expr;
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
}
