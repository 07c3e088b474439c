//! The expansion core: a plain function over token streams, so that tests and fuzzing can call
//! it without a compiler.

use crate::emit::Model;
use crate::errors::Errors;
use crate::names::Names;
use crate::{attr, higher, lower, primal, reverse, signature, tangent};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// Expands `#[differentiate(args)] item`: the item unchanged, then its derivatives; or, on any
/// error, the item unchanged and the errors, each on the tokens it is about.
pub fn differentiate(args: TokenStream, item: TokenStream) -> TokenStream {
    let names = Names::of(&item);
    expand(args, item, &names)
}

fn expand(args: TokenStream, item: TokenStream, names: &Names) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(func)) => func,
        Ok(other) => {
            let error = syn::Error::new_spanned(
                &other,
                "`#[differentiate]` goes on a function; put it on each function to differentiate",
            );
            let mut out = other.to_token_stream();
            out.extend(error.to_compile_error());
            return out;
        }
        Err(error) => {
            let mut out = item;
            out.extend(error.to_compile_error());
            return out;
        }
    };
    // The function as the compiler sees it: without the `#[checkpoint]` marks on its loops,
    // which only lowering reads, and with its bare calls of `linalg` functions checked to be
    // theirs.
    let emitted = {
        let mut emitted = func.clone();
        lower::checkpoints::strip(&mut emitted);
        lower::checked_bare_linalg(&mut emitted);
        emitted
    };
    let mut errors = Errors::default();
    let args = match attr::parse(args) {
        Ok(args) => args,
        Err(error) => {
            errors.add(error);
            attr::Args::default()
        }
    };
    let Some(sig) = signature::read(&func, &args, &mut errors) else {
        return fallback(&emitted, errors);
    };
    // The body is checked even when the signature has errors, so that all are reported at once.
    let lowered = lower::lower(&func, &sig, names);
    errors.extend(lowered.errors);
    if !errors.is_empty() {
        return fallback(&emitted, errors);
    }
    let mut model = Model {
        func: &func,
        stem: func.sig.ident.clone(),
        second_order: args.hessian,
        sig,
        vars: lowered.body.vars,
        stmts: lowered.body.stmts,
        ref_consts: lowered.body.ref_consts,
        literals: lowered.body.literals,
        param_vars: lowered.param_vars,
        names,
        floats: Default::default(),
        spelled: Default::default(),
    };
    model.floats = crate::analysis::floats::Floats::of(&model);
    crate::analysis::floats::unguard(&mut model.stmts, &model.floats);
    // Forward mode is the tangent program, emitted as it is; second order is its reverse mode.
    let tangent_program = tangent::program(&model);
    let original = &func.sig.ident;
    let jvp_doc = format!(
        " Forward mode of [`{original}`]: its value and its directional derivative along the tangents (one per active parameter, in order)."
    );
    let jvp = primal::function(&tangent_program, &model.name("jvp"), &jvp_doc);
    let vjp = reverse::emit(&model);
    let higher = higher::emit(&model, &tangent_program);
    quote!(#emitted #jvp #vjp #higher)
}

/// The user's function as written, so that the rest of the crate still compiles, and the errors.
fn fallback(func: &syn::ItemFn, errors: Errors) -> TokenStream {
    let mut out = func.to_token_stream();
    out.extend(errors.into_compile_errors());
    out
}
