//! The arguments of the attribute: `#[differentiate]`, `#[differentiate(wrt(a, b))]`,
//! `#[differentiate(hessian)]` or both.

use proc_macro2::{Ident, TokenStream};
use syn::Token;
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::punctuated::Punctuated;

#[derive(Default)]
pub(crate) struct Args {
    /// The parameters named in `wrt(...)`; `None` makes every differentiable parameter active.
    pub wrt: Option<Vec<Ident>>,
    /// `hessian`: the second-order companions (`f_jvp_vjp`, and for a float result `f_hvp` and
    /// `f_hessian`) are emitted too.
    pub hessian: bool,
}

pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Args> {
    let mut args = Args::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("wrt") {
            if args.wrt.is_some() {
                return Err(meta
                    .error("`wrt` is given twice; list every active parameter in one `wrt(...)`"));
            }
            let content;
            syn::parenthesized!(content in meta.input);
            // `self` is a keyword, which `Ident`'s parser refuses: a method names its receiver.
            let names =
                Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)?;
            if names.is_empty() {
                return Err(
                    meta.error("`wrt()` names no parameter; name the active ones, as in `wrt(x)`")
                );
            }
            args.wrt = Some(names.into_iter().collect());
            Ok(())
        } else if meta.path.is_ident("hessian") {
            args.hessian = true;
            Ok(())
        } else if meta.path.is_ident("first_order") {
            Err(meta.error(
                "`first_order` is the default; remove it (`hessian` asks for second derivatives)",
            ))
        } else {
            Err(meta.error(
                "unknown argument; `#[differentiate]` takes `wrt(param, ...)` and `hessian`",
            ))
        }
    });
    parser.parse2(tokens)?;
    Ok(args)
}
