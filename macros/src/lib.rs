//! `#[differentiate]`: the procedural macro of matcalc. Use it through the `matcalc` crate.
//!
//! The pipeline, one module per stage: `attr` reads the attribute's arguments, `signature`
//! reads the function's signature, `lower` lowers the body to the model of `ir` (and finds every
//! error), `forward` and `reverse` emit the derivative functions, `expand` ties them together.
#![forbid(unsafe_code)]

mod attr;
mod derive;
mod emit;
mod errors;
pub(crate) mod expand;
mod forward;
mod higher;
mod ir;
mod lower;
mod reverse;
mod rules;
mod signature;
mod tangent;

use proc_macro::TokenStream;

/// Emits the forward-mode (`f_jvp`) and reverse-mode (`f_vjp`, `f_grad`) derivatives of the
/// function it annotates, beside it. See the `matcalc` crate for the contract and examples.
#[proc_macro_attribute]
pub fn differentiate(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiate(args.into(), item.into()).into()
}

/// Makes a struct whose fields are differentiable values (floats, buffers, nalgebra matrices,
/// other such structs) a differentiable value itself: usable as an active parameter, local and
/// result of annotated functions, its tangent and adjoint of the same type. The struct must also
/// be `Clone`. See the `matcalc` crate for an example.
#[proc_macro_derive(Differentiable)]
pub fn derive_differentiable(input: TokenStream) -> TokenStream {
    derive::differentiable(input.into()).into()
}

#[cfg(test)]
mod expanded_examples;
#[cfg(test)]
mod tests;
