//! The arguments of the attribute: `#[differentiate]` or `#[differentiate(wrt(a, b))]`.

use proc_macro2::{Ident, TokenStream};
use syn::Token;
use syn::parse::Parser;
use syn::punctuated::Punctuated;

#[derive(Default)]
pub(crate) struct Args {
    /// The parameters named in `wrt(...)`; `None` makes every differentiable parameter active.
    pub wrt: Option<Vec<Ident>>,
    /// `first_order`: no second-order companions (`f_jvp_vjp`, `f_hvp`, `f_hessian`), for a
    /// function that calls a custom rule without a `g_jvp_vjp`.
    pub first_order: bool,
    /// `hessian`: the second-order companions are asked for.
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
            let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
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
            args.first_order = true;
            Ok(())
        } else {
            Err(meta.error(
                "unknown argument; `#[differentiate]` takes `wrt(param, ...)`, `hessian` and `first_order`",
            ))
        }
    });
    parser.parse2(tokens.clone())?;
    if args.hessian && args.first_order {
        return Err(syn::Error::new_spanned(
            tokens,
            "`hessian` and `first_order` contradict each other; keep one of them",
        ));
    }
    Ok(args)
}
