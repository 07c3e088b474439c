//! Higher-order companions built on the forward and reverse modes: `f_jacobian`, and for a
//! float result `f_hvp` and `f_hessian`, by reverse mode over the tangent program
//! (`f_jvp_vjp`, see [`crate::tangent`]).

use crate::emit::{Model, allow_lints, rt};
use proc_macro2::TokenStream;
use quote::quote;

/// `f_jacobian`; with `hessian`, `f_jvp_vjp` and for a float result `f_hvp` and `f_hessian`;
/// without it, the stand-in for `f_jvp_vjp` that a caller asking for second derivatives meets.
pub(crate) fn emit(model: &Model, tangent_program: &Model) -> TokenStream {
    let jacobian = jacobian(model);
    if !model.second_order {
        let stand_in = first_order_only(model);
        return quote!(#jacobian #stand_in);
    }
    let jvp_vjp = crate::reverse::emit(tangent_program);
    let second = model.sig.ret.scalar.then(|| second_order(model));
    quote!(#jacobian #jvp_vjp #second)
}

/// In place of `f_jvp_vjp` for a function annotated without `hessian`: a function of the same
/// arity whose result no call can take (`SecondOrderAsked` of the runtime), so that a `hessian`
/// caller gets one error on its call, saying what to write, rather than rustc's "cannot find
/// function". Generic in every parameter and in its result, so that the error is the only one.
fn first_order_only(model: &Model) -> TokenStream {
    let rtp = crate::emit::rt_path();
    let vis = &model.func.vis;
    let name = model.name("jvp_vjp");
    let arity = model.sig.params.len() + model.active_params().count();
    let types: Vec<_> = (0..arity)
        .map(|i| quote::format_ident!("P{}", i, span = name.span()))
        .collect();
    let out = quote::format_ident!("Out", span = name.span());
    let lints = allow_lints();
    quote! {
        #[doc(hidden)]
        #lints
        #vis fn #name<#(#types,)* #out>(#(_: #types),*) -> #out
        where
            #out: #rtp::SecondOrderAsked,
        {
            ::core::unreachable!()
        }
    }
}

/// The arguments that pass every parameter on: references are `Copy`, by-value arguments are
/// cloned so that each pass gets its own.
fn forwarded_args(model: &Model) -> Vec<TokenStream> {
    model
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
        .collect()
}

/// The tangent arguments read from `direction`, a point of the owned adjoint type.
fn tangents_from(model: &Model, direction: &TokenStream) -> Vec<TokenStream> {
    let active: Vec<_> = model.active_params().collect();
    let single = active.len() == 1;
    active
        .iter()
        .enumerate()
        .map(|(k, (p, _))| {
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
        })
        .collect()
}

/// The point: an owned copy of the active parameters, one or a tuple.
fn point(model: &Model) -> TokenStream {
    let rt = rt();
    let parts: Vec<TokenStream> = model
        .active_params()
        .map(|(_, v)| {
            let p = model.pref(&crate::ir::Operand::Var {
                id: v,
                borrowed: false,
            });
            quote!(#rt::save(#p))
        })
        .collect();
    match parts.as_slice() {
        [one] => one.clone(),
        many => quote!((#(#many),*)),
    }
}

/// `f_hvp(params, tangents) -> (R, G, G)` and `f_hessian(params) -> (R, G, DMatrix<F>)`.
fn second_order(model: &Model) -> TokenStream {
    let rt = rt();
    let (rtp, rt_use) = (crate::emit::rt_path(), crate::emit::rt_in_scope());
    let vis = &model.func.vis;
    let original = &model.func.sig.ident;
    let (hvp, hessian) = (model.name("hvp"), model.name("hessian"));
    let (hvp_path, jvp_vjp_path) = (model.path("hvp"), model.path("jvp_vjp"));
    let params = model.params();
    let names = model.param_names();
    let ret = &model.sig.ret.ty;
    let float = &model.sig.float;
    let gradient = model.sig.gradient_type();
    let bounds = model.param_bounds();
    let active: Vec<_> = model.active_params().collect();
    let tangent_params = active.iter().map(|(p, v)| {
        let (dot, ty) = (model.dot(*v), &p.ty);
        quote!(#dot: #ty)
    });
    let tangent_names: Vec<_> = active.iter().map(|(_, v)| model.dot(*v)).collect();
    let k = active.len();
    let h: Vec<_> = (0..k).map(|i| model.fresh(&format!("h{i}"))).collect();
    let g: Vec<_> = (0..k).map(|i| model.fresh(&format!("g{i}"))).collect();
    let group = |items: &[proc_macro2::Ident]| match items {
        [one] => quote!(#one),
        many => quote!((#(#many),*)),
    };
    let (hs, gs) = (group(&h), group(&g));
    let point_ty = &gradient;
    let point = point(model);
    let direction = model.fresh("direction");
    let direction = quote!(#direction);
    let (here, value, pullback) = (
        model.fresh("point"),
        model.fresh("value"),
        model.fresh("pullback"),
    );
    let args = forwarded_args(model);
    let tangents = tangents_from(model, &direction);
    let lints = allow_lints();
    let hvp_doc = format!(
        " The Hessian-vector product of [`{original}`]: its value, its gradient, and the Hessian applied to the tangents (one per active parameter), by reverse mode over forward mode: one pass of `{original}_jvp_vjp`, the cost of a few gradients."
    );
    let hessian_doc = format!(
        " The Hessian of [`{original}`]: its value, its gradient, and the matrix of second derivatives over the active parameters concatenated in order (column-major), one Hessian-vector product per column."
    );
    quote! {
        #[doc = #hvp_doc]
        #lints
        #vis fn #hvp(#(#params,)* #(#tangent_params),*) -> (#ret, #gradient, #gradient) #bounds {
            #rt_use
            let ((#value, _), #pullback) = #jvp_vjp_path(#(#names,)* #(#tangent_names),*);
            let (#(#h,)* #(#g),*) = #pullback((0.0, 1.0));
            (#value, #gs, #hs)
        }

        #[doc = #hessian_doc]
        #lints
        #vis fn #hessian(#(#params),*) -> (#ret, #gradient, #rtp::nalgebra::DMatrix<#float>) #bounds {
            #rt_use
            let #here: #point_ty = #point;
            #rt::hessian(&#here, |#direction: &#point_ty| #hvp_path(#(#args,)* #(#tangents),*))
        }
    }
}

/// `f_jacobian(params) -> (R, DMatrix<F>)`: the runtime picks forward or reverse mode.
fn jacobian(model: &Model) -> TokenStream {
    let rt = rt();
    let (rtp, rt_use) = (crate::emit::rt_path(), crate::emit::rt_in_scope());
    let vis = &model.func.vis;
    let original = &model.func.sig.ident;
    let name = model.name("jacobian");
    let (jvp_path, vjp_path) = (model.path("jvp"), model.path("vjp"));
    let params = model.params();
    let ret = &model.sig.ret.ty;
    let float = &model.sig.float;
    let point_ty = model.sig.gradient_type();
    let bounds = model.param_bounds();
    let point = point(model);
    let direction = model.fresh("direction");
    let direction = quote!(#direction);
    let here = model.fresh("point");
    let args = forwarded_args(model);
    let tangents = tangents_from(model, &direction);
    let lints = allow_lints();
    let doc = format!(
        " The Jacobian of [`{original}`]: its value and the matrix of ∂vec(value)/∂vec(active parameters), the parameters concatenated in order, column-major. Computed by forward or reverse mode, whichever needs fewer passes."
    );
    quote! {
        #[doc = #doc]
        #lints
        #vis fn #name(#(#params),*) -> (#ret, #rtp::nalgebra::DMatrix<#float>) #bounds {
            #rt_use
            let #here: #point_ty = #point;
            #rt::jacobian(
                &#here,
                |#direction: &#point_ty| #jvp_path(#(#args,)* #(#tangents),*),
                || #vjp_path(#(#args),*),
            )
        }
    }
}
