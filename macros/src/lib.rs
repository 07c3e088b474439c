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
//!    (`activity`: which bindings depend on an active parameter; `floats`: which values are
//!    scalars of the function's float type, whose operations are written as the user wrote
//!    them, without the checks that keep a type error in other operations reading once);
//! 4. transform: `tangent` is forward mode, the one transformation that writes each operation's
//!    derivative (the model of `f` to the model of `f_jvp`); `reverse/` is reverse mode, the
//!    forward sweep that records (`sweep`, `tape`, with the index arithmetic the pullback
//!    writes again instead in `recompute`) and the backward sweep (`pullback`, each segment's
//!    block in `blocks`, with the adjoints of floats certain to be reached held as plain floats
//!    in `definite`, and nested loops without branches reversed as loops, over their ranges
//!    again, in `mirror`), applied to the model of `f` for `f_vjp` and to the tangent program
//!    for `f_jvp_vjp`;
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

#[doc = include_str!("../docs/differentiate.md")]
#[proc_macro_attribute]
pub fn differentiate(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiate(args.into(), item.into()).into()
}

#[doc = include_str!("../docs/derive.md")]
#[proc_macro_derive(Differentiable)]
pub fn derive_differentiable(input: TokenStream) -> TokenStream {
    derive::differentiable(input.into()).into()
}

#[cfg(test)]
mod expanded_examples;
#[cfg(test)]
mod tests;
