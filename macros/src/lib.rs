//! `#[differentiate]` and `#[derive(Differentiable)]`: the procedural macros of
//! [matcalc](https://docs.rs/matcalc). Use them through the `matcalc` crate, which re-exports
//! them beside the runtime the generated code calls (`::matcalc::__private`); the `matcalc`
//! documentation has the contract, the supported syntax, the rules and the limitations.
//!
//! The pipeline, one module per stage (`expand` ties them together):
//!
//! 1. parse: `attr` reads the attribute's arguments, `signature` the function's signature;
//! 2. lower: `lower/` lowers the body to the model of `ir`, one file per construct, and finds
//!    every error on the user's tokens;
//! 3. analyse: `analysis/` holds the dataflow analyses, each run to its fixed point
//!    (`activity`: which bindings depend on an active parameter);
//! 4. transform: `tangent` is forward mode, the one transformation that writes each operation's
//!    derivative (the model of `f` to the model of `f_jvp`); `reverse/` is reverse mode, the
//!    forward sweep that records (`sweep`, `tape`) and the backward sweep (`pullback`), applied
//!    to the model of `f` for `f_vjp` and to the tangent program for `f_jvp_vjp`;
//! 5. emit: `emit` turns the model into tokens (operands, the primal form of each operation,
//!    the control-flow shells), `primal` writes a model as a plain function (`f_jvp` is the
//!    tangent program written so), `higher` the Jacobian and, with `hessian`, the second-order
//!    functions.
//!
//! Beside them, `names` keeps the generated names apart from the user's, and `known` is what
//! the macro knows of the runtime by name.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod analysis;
mod attr;
mod derive;
mod emit;
mod errors;
pub(crate) mod expand;
mod higher;
mod ir;
mod known;
mod lower;
mod names;
mod primal;
mod reverse;
mod signature;
mod tangent;

use proc_macro::TokenStream;

/// Emits the derivatives of the function it annotates, as plain Rust functions beside it.
///
/// For `fn f(a: A, b: &B, n: usize) -> R` with active `a` and `b` (parameters whose type is
/// differentiable: floats, arrays, slices and `Vec`s of floats, nalgebra matrices and vectors;
/// structs deriving [`Differentiable`](derive@Differentiable) when named in `wrt`):
///
/// - `f_jvp(a, b, n, a_dot, b_dot) -> (R, R)`: forward mode, the value and its directional
///   derivative;
/// - `f_vjp(a, b, n) -> (R, impl Fn(R) -> G)`: reverse mode, the value and the pullback, which
///   may be called many times; `G` is the adjoint of the active parameter, or a tuple of them;
/// - `f_jacobian(a, b, n) -> (R, DMatrix<F>)`: the Jacobian of vec(R) over the concatenated
///   vec of the active parameters;
/// - for a float `R`: `f_grad(a, b, n) -> (R, G)`, the gradient.
///
/// Second order is on request: `#[differentiate(hessian)]` adds, for a float `R`,
/// `f_hvp(a, b, n, a_dot, b_dot) -> (R, G, G)` (a Hessian-vector product) and
/// `f_hessian(a, b, n) -> (R, G, DMatrix<F>)`, and for any `R` the companion `f_jvp_vjp` (the
/// reverse mode of `f_jvp`) through which `hessian` callers of `f` get their second derivatives.
/// A function that a `hessian` function calls needs `hessian` too (a custom rule, its
/// `g_jvp_vjp`): without it, the call is an error that says so.
///
/// Arguments: `wrt(a, ..)` makes only the named parameters active; `hessian` asks for the
/// second-order functions.
///
/// ```
/// use matcalc::differentiate;
///
/// #[differentiate(wrt(x), hessian)]
/// fn scaled_square(x: f64, k: f64) -> f64 {
///     k * x * x
/// }
///
/// assert_eq!(scaled_square_grad(3.0, 2.0), (18.0, 12.0));
/// assert_eq!(scaled_square_jvp(3.0, 2.0, 0.5), (18.0, 6.0));
/// let (_, pullback) = scaled_square_vjp(3.0, 2.0);
/// assert_eq!(pullback(2.0), 24.0);
/// assert_eq!(scaled_square_hvp(3.0, 2.0, 1.0), (18.0, 12.0, 4.0));
/// ```
#[proc_macro_attribute]
pub fn differentiate(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiate(args.into(), item.into()).into()
}

/// Makes a struct whose fields are differentiable values (floats, buffers, nalgebra matrices,
/// other such structs) a differentiable value itself: usable as an active parameter, local and
/// result of annotated functions, its tangent and adjoint of the same type. The struct must also
/// be `Clone`, and a parameter of its type is active when named in `wrt(..)`. Its flat view
/// (for Jacobians, Hessians and `matcalc::check`) is its fields' in declaration order.
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
#[proc_macro_derive(Differentiable)]
pub fn derive_differentiable(input: TokenStream) -> TokenStream {
    derive::differentiable(input.into()).into()
}

#[cfg(test)]
mod expanded_examples;
#[cfg(test)]
mod tests;
