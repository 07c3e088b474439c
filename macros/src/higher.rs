//! Higher-order companions built on the forward and reverse modes: `f_jacobian`.

use crate::emit::{Model, allow_lints, rt};
use proc_macro2::TokenStream;
use quote::quote;

/// `f_jacobian(params) -> (R, DMatrix<F>)`: the runtime picks forward or reverse mode.
pub(crate) fn emit(model: &Model) -> TokenStream {
    let rt = rt();
    let vis = &model.func.vis;
    let original = &model.func.sig.ident;
    let (name, jvp, vjp) = (model.name("jacobian"), model.name("jvp"), model.name("vjp"));
    let params = model.params();
    let ret = &model.sig.ret.ty;
    let float = &model.sig.float;
    let point_ty = model.sig.gradient_type();
    let active: Vec<_> = model.active_params().collect();

    // Every call gets its own copy of a by-value argument; references are `Copy`.
    let args: Vec<TokenStream> = model
        .sig
        .params
        .iter()
        .map(|p| {
            let ident = &p.ident;
            if matches!(p.ty, syn::Type::Reference(_)) {
                quote!(#ident)
            } else {
                quote!(::core::clone::Clone::clone(&#ident))
            }
        })
        .collect();
    let single = active.len() == 1;
    let direction = quote!(direction);
    let tangents = active.iter().enumerate().map(|(k, (p, _))| {
        let part = if single {
            quote!((*#direction))
        } else {
            let k = syn::Index::from(k);
            quote!(#direction.#k)
        };
        if matches!(p.ty, syn::Type::Reference(_)) {
            quote!(&#part)
        } else {
            quote!(::core::clone::Clone::clone(&#part))
        }
    });
    let point_parts: Vec<TokenStream> = active
        .iter()
        .map(|(_, v)| {
            let p = model.pref(&crate::ir::Operand::Var {
                id: *v,
                borrowed: false,
            });
            quote!(#rt::save(#p))
        })
        .collect();
    let point = match point_parts.as_slice() {
        [one] => one.clone(),
        many => quote!((#(#many),*)),
    };
    let lints = allow_lints();
    let doc = format!(
        " The Jacobian of [`{original}`]: its value and the matrix of ∂vec(value)/∂vec(active parameters), the parameters concatenated in order, column-major. Computed by forward or reverse mode, whichever needs fewer passes."
    );
    quote! {
        #[doc = #doc]
        #lints
        #vis fn #name(#(#params),*) -> (#ret, #rt::nalgebra::DMatrix<#float>) {
            let point: #point_ty = #point;
            #rt::jacobian(
                &point,
                |#direction: &#point_ty| #jvp(#(#args,)* #(#tangents),*),
                || #vjp(#(#args),*),
            )
        }
    }
}
