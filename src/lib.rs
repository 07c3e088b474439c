//! matcalc: compile-time automatic differentiation for Rust, on stable.
//!
//! `#[differentiate]` on an ordinary function makes the compiler emit its forward-mode
//! (tangent) and reverse-mode (adjoint) derivatives beside it, as plain Rust: no runtime graph,
//! no tape of operations, no nightly compiler.
//!
//! ```
//! use matcalc::differentiate;
//!
//! #[differentiate]
//! fn energy(x: &[f64], k: f64) -> f64 {
//!     let mut e = 0.0;
//!     for i in 1..x.len() {
//!         let d = x[i] - x[i - 1];
//!         e += 0.5 * k * d * d;
//!     }
//!     e
//! }
//!
//! // Reverse mode: the value and the gradient with respect to every active parameter.
//! let (e, (dx, dk)) = energy_grad(&[0.0, 1.0, 3.0], 2.0);
//! assert_eq!(e, 5.0);
//! assert_eq!(dx, vec![-2.0, -2.0, 4.0]);
//! assert_eq!(dk, 2.5);
//!
//! // Forward mode: the value and the derivative along a direction (one tangent per parameter).
//! let (_, de) = energy_jvp(&[0.0, 1.0, 3.0], 2.0, &[1.0, 0.0, 0.0], 0.0);
//! assert_eq!(de, dx[0]);
//!
//! // The pullback of reverse mode can be called with any cotangent, many times.
//! let (_, pullback) = energy_vjp(&[0.0, 1.0, 3.0], 2.0);
//! assert_eq!(pullback(2.0).1, 5.0);
//! ```
//!
//! # What the macro generates
//!
//! For `fn f(a: A, b: &B, n: usize) -> R` with active `a` and `b`:
//!
//! | generated | signature | meaning |
//! |---|---|---|
//! | `f_jvp` | `(a, b, n, a_dot, b_dot) -> (R, R)` | the value and its directional derivative |
//! | `f_vjp` | `(a, b, n) -> (R, impl Fn(R) -> G)` | the value and the pullback, callable many times |
//! | `f_grad` | `(a, b, n) -> (R, G)` | for a float `R`: the pullback seeded with 1 |
//! | `f_jacobian` | `(a, b, n) -> (R, DMatrix<F>)` | the Jacobian of vec(R) by the mode needing fewer passes |
//! | `f_hvp` | `(a, b, n, a_dot, b_dot) -> (R, G, G)` | for a float `R`: value, gradient, Hessian-vector product |
//! | `f_hessian` | `(a, b, n) -> (R, G, DMatrix<F>)` | for a float `R`: value, gradient, Hessian |
//!
//! Second derivatives come from reverse mode over the forward mode: every annotated function
//! also gets `f_jvp_vjp`, which callers' second-order companions use. A function that calls a
//! custom rule `g` needs `g_jvp_vjp` for them, or `#[differentiate(first_order)]`.
//!
//! `G` is the adjoint of the active parameter, or a tuple of them in parameter order; an adjoint
//! has the owned type of its parameter (`&[f64]` gives `Vec<f64>`). Parameters are active when
//! their type is differentiable (`f32`, `f64`, `[F; N]`, `&[F]`, `Vec<F>`, references to them, and
//! nalgebra matrices and vectors); `#[differentiate(wrt(a))]` restricts them to those named.
//!
//! The expansion of a loop over a slice, from the macro's snapshot tests
//! (`macros/tests/snapshots/`), shows the shape of the generated code: forward mode computes a
//! tangent `x_dot` after each value `x`; reverse mode runs the function once, recording on a
//! tape the path it took and the values its derivative needs, and its pullback walks the tape
//! backwards accumulating adjoints `x_bar`.
//!
//! # What an annotated function may contain
//!
//! `let` and `let mut` (with types and tuple patterns), assignment and `+= -= *= /=`, shadowing,
//! `if`/`else` and `match` on inactive values (as statements and as expressions), `for` over
//! ranges and over `.iter()`, `.iter().enumerate()` and `.iter().zip(..)` of buffers, `while`,
//! `loop` with `break`/`continue` (with values and labels), early `return`, local buffers
//! (`vec![x; n]`, `vec![a, b]`, `Vec::with_capacity` and `push`, arrays), indexed reads and writes,
//! casts, `clone()`/`to_vec()`, the float methods (`abs`, `sqrt`, `exp`, `ln`, `powi`, `powf`,
//! `sin`, `atan2`, `hypot`, `max`, `min`, `clamp`, `mul_add`, ... in both the `x.sin()` and the
//! `f64::sin(x)` spelling), and calls to other annotated functions and to custom rules.
//! Anything else is a compile error on the offending tokens saying what to write instead.
//!
//! # Custom rules
//!
//! A call `g(x)` with an active argument is differentiated through `g_jvp` and `g_vjp`. Any
//! function with companions of those names and shapes can be called, so a hand-written rule is
//! a pair of functions:
//!
//! ```
//! use matcalc::differentiate;
//!
//! /// softplus(x) = ln(1 + eˣ), written to neither overflow nor lose digits.
//! fn softplus(x: f64) -> f64 {
//!     x.max(0.0) + (-x.abs()).exp().ln_1p()
//! }
//! /// Its derivative is the logistic function.
//! fn softplus_jvp(x: f64, x_dot: f64) -> (f64, f64) {
//!     (softplus(x), x_dot / (1.0 + (-x).exp()))
//! }
//! fn softplus_vjp(x: f64) -> (f64, impl Fn(f64) -> f64 + use<>) {
//!     let slope = 1.0 / (1.0 + (-x).exp());
//!     (softplus(x), move |y_bar| y_bar * slope)
//! }
//!
//! // `first_order`: no Hessians for `loss`, which would need second derivatives of the rule
//! // (`softplus_jvp_vjp`; writing `#[differentiate]` on `softplus_jvp` generates it).
//! #[differentiate(first_order)]
//! fn loss(w: f64, x: f64) -> f64 {
//!     softplus(w * x) - w
//! }
//!
//! let (_, (dw, _)) = loss_grad(800.0, 1.0);
//! assert_eq!(dw, 0.0); // finite where the naive formula overflows
//! ```
//!
//! # Checking derivatives
//!
//! [`check`] compares forward mode with finite differences and reverse mode with forward mode
//! (the dot-product test), the way matcalc checks every rule it ships:
//!
//! ```
//! use matcalc::{check, differentiate};
//!
//! #[differentiate]
//! fn f(x: f64, y: f64) -> f64 {
//!     x * y.sin()
//! }
//!
//! let jvp = |p: &(f64, f64), d: &(f64, f64)| f_jvp(p.0, p.1, d.0, d.1);
//! let vjp = |p: &(f64, f64), y_bar: &f64| f_vjp(p.0, p.1).1(*y_bar);
//! let point = (1.5, 0.3);
//! check::jvp(|p: &(f64, f64)| f(p.0, p.1), jvp, &point, &check::Config::for_jvp::<f64>())
//!     .unwrap();
//! check::dot_product(jvp, vjp, &point, &check::Config::for_dot_product::<f64>()).unwrap();
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// Makes a struct of differentiable fields a differentiable value: an active parameter, local
/// or result of annotated functions, whose tangent and adjoint are the struct itself. Name it
/// in `wrt(..)` to make a parameter of that type active.
///
/// ```
/// use matcalc::{Differentiable, differentiate};
///
/// #[derive(Clone, Debug, PartialEq, Differentiable)]
/// struct Line {
///     slope: f64,
///     offset: f64,
/// }
///
/// #[differentiate(wrt(line))]
/// fn squared_error(line: &Line, x: f64, y: f64) -> f64 {
///     let r = line.slope * x + line.offset - y;
///     r * r
/// }
///
/// let (e, g) = squared_error_grad(&Line { slope: 2.0, offset: 1.0 }, 3.0, 4.0);
/// assert_eq!(e, 9.0);
/// assert_eq!(g, Line { slope: 18.0, offset: 6.0 });
/// ```
pub use matcalc_macros::Differentiable;
/// Emits the derivatives of the function it annotates: `f_jvp` (forward mode), `f_vjp`
/// (reverse mode) and, for a float result, `f_grad`. See the [crate documentation](crate).
///
/// ```
/// use matcalc::differentiate;
///
/// #[differentiate(wrt(x))]
/// fn scaled_square(x: f64, k: f64) -> f64 {
///     k * x * x
/// }
///
/// assert_eq!(scaled_square_grad(3.0, 2.0), (18.0, 12.0));
/// ```
pub use matcalc_macros::differentiate;
pub use matcalc_runtime::{Active, IndexAdjoint, Real, Tangent, check, higher, linalg, ode, rules};

#[cfg(feature = "argmin")]
pub mod argmin;

#[doc(hidden)]
pub use matcalc_runtime::__private;
