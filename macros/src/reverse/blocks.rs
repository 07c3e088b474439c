//! The pullback's block of each recorded segment: its residuals fetched or written again,
//! its local adjoints declared, its steps run, as many times as its loop ran; and the copies of
//! the parameters those blocks read.

use super::tape::{cursor_name, frame_name, frames_name, sizeless_name, tape_name};
use super::{Segment, definite};
use crate::emit::{Model, rt};
use crate::ir::VarId;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashSet;

/// The copies of the parameters the pullback reads to compute values again (see
/// `recompute::Values`): the copy taken before the pullback, and the parameter read off it in
/// the pullback, as the type the user declared.
pub(super) fn kept_params(model: &Model, segments: &[Segment]) -> (TokenStream, TokenStream) {
    let rt = rt();
    let mut params: Vec<usize> = segments
        .iter()
        .filter(|s| s.replays)
        .filter_map(Segment::recompute_plan)
        .flat_map(|p| p.values.params.iter().copied())
        .collect();
    params.sort_unstable();
    params.dedup();
    let (mut keep, mut kept) = (TokenStream::new(), TokenStream::new());
    for index in params {
        let p = &model.sig.params[index];
        let (x, ty) = (&p.ident, &p.ty);
        let copy = model.fresh(&format!("{}_kept", crate::names::unraw(x)));
        // a slice into a buffer the next gradient reuses (a `Tape`)
        let slice = matches!(ty, syn::Type::Reference(r) if matches!(*r.elem, syn::Type::Slice(_)));
        // a float passed by value, copied
        let float = crate::known::is_float_type(ty);
        keep.extend(match model.param_vars[index] {
            _ if float => quote!(let #copy = #x;),
            _ if slice => quote!(let #copy = #rt::Tape::copy_of(#x);),
            Some(_) => quote!(let #copy = #rt::save(#x);),
            None => quote!(let #copy = ::std::borrow::ToOwned::to_owned(#x);),
        });
        kept.extend(if float {
            quote!(let #x: #ty = #copy;)
        } else if slice {
            quote!(let #x: #ty = &#copy;)
        } else {
            quote!(let #x: #ty = ::core::borrow::Borrow::borrow(&#copy);)
        });
    }
    (keep, kept)
}

/// The reverse of one execution of a recorded segment: its residuals fetched, its adjoints local
/// to it declared, its steps run.
pub(super) fn segment_reverse(
    model: &Model,
    s: &Segment,
    (local, definite): (&[VarId], &definite::Definite),
    once: bool,
) -> TokenStream {
    let id = s.id;
    let steps = s.backward.iter().rev();
    let fetch = (!s.residuals.is_empty()).then(|| {
        let (tape, cursor, residuals) =
            (tape_name(model, id), cursor_name(model, id), &s.residuals);
        if once {
            let rt = rt();
            quote!(let (#(#residuals,)*) = #rt::recorded(&#tape);)
        } else {
            quote!(#cursor -= 1; let (#(#residuals,)*) = &#tape[#cursor];)
        }
    });
    let bars = local
        .iter()
        .map(|v| model.bar_declared(*v, definite.contains(v)));
    let recomputed = s.recompute_plan().map(|plan| {
        let computed = if s.replays {
            &plan.values.code
        } else {
            &plan.lets
        };
        let recorded = s.recorded.iter().map(|(name, r)| quote!(let #name = *#r;));
        quote!(#(#recorded)* #(#computed)*)
    });
    // (the shapes kept once for the whole call, see `needs::shaped_once`, with or without a plan)
    let kept = s
        .recomputed
        .iter()
        .map(|(r, value)| quote!(let #r = &#value;));
    quote!(#fetch #recomputed #(#kept)* #(#bars)* #(#steps)*)
}

/// The pullback's block for a recorded segment (its arm in the dispatch on the control tape):
/// its reverse, as many times as the loop ran for a repeated segment.
pub(super) fn segment_block(
    model: &Model,
    s: &Segment,
    reverse: &TokenStream,
    fixed: bool,
) -> TokenStream {
    let id = s.id;
    let rt = rt();
    // The dense adjoints are taken out of their `Option`s before the loop and put back after
    // it (see the runtime's `dense::take`): owned values, which the optimizer keeps in
    // registers (a float) or whose buffer pointer it hoists, where a `&mut` into the `Option`
    // would be stored and loaded again on every iteration.
    let (taken, put_back): (Vec<TokenStream>, Vec<TokenStream>) = s
        .dense
        .iter()
        .map(|v| {
            let zeros = model.zeros(*v);
            dense_moves(model, *v, quote!(&#zeros))
        })
        .unzip();
    if let Some(plan) = &s.plan {
        // the loop's range backwards, with the integers its indices read (see `recompute`)
        let (frames, frame, range) = (
            frames_name(model, id),
            frame_name(model, id),
            model.fresh("range"),
        );
        let counter = match &plan.counter {
            Some(c) => quote!(#c),
            None => quote!(_),
        };
        let invariants = &plan.invariants;
        let (carried_taken, carried_put_back): (Vec<TokenStream>, Vec<TokenStream>) = s
            .carried
            .iter()
            .map(|(v, zeros)| dense_moves(model, *v, quote!(#zeros)))
            .unzip();
        // The carried adjoints are made zero where nothing reached them, so that the body's
        // reverse adds into plain values; but a loop that nothing after it reached (its values
        // read only by a loop that ran no iteration) must not run its reverse at all, or a zero
        // adjoint meets an infinite partial (`sqrt` at 0) and the gradient becomes NaN, where
        // the lazy adjoints skip it. What the loop writes that was declared before it (`sources`)
        // is where its reverse starts.
        let reached: Vec<TokenStream> = s
            .sources
            .iter()
            .map(|v| {
                let slot = model.bar(*v);
                quote!(::core::option::Option::is_some(&#slot))
            })
            .collect();
        let reached = match reached.as_slice() {
            [] => quote!(),
            _ if s.carried.is_empty() => quote!(),
            all => quote!(if #(#all)||*),
        };
        let (sizeless, looped) = if s.sizeless.is_empty() {
            (
                None,
                quote!(for #counter in ::core::iter::Iterator::rev(#range) { #reverse }),
            )
        } else {
            // `None` when the loop ran no iteration
            let (sizeless, kept) = (sizeless_name(model, id), &s.sizeless);
            (
                Some(sizeless.clone()),
                quote! {
                    if let ::core::option::Option::Some((#(#kept,)*)) = #sizeless {
                        #reached {
                            #(#carried_taken)*
                            for #counter in ::core::iter::Iterator::rev(#range) { #reverse }
                            #(#carried_put_back)*
                        }
                    }
                },
            )
        };
        // the range kept, or written again (see `recompute::Plan::range_again`)
        let kept_range = plan.range_again.is_none().then(|| quote!(#range,));
        let sizeless_item = sizeless.as_ref().map(|s| quote!(#s,));
        let fetch = if fixed {
            quote!(let (#kept_range #(#invariants,)* #sizeless_item) = #rt::recorded(&#frames);)
        } else {
            quote! {
                #frame -= 1;
                let (#kept_range #(#invariants,)* #sizeless_item) = &#frames[#frame];
            }
        };
        let range_value = match &plan.range_again {
            Some(again) => again.clone(),
            None => quote!(::core::clone::Clone::clone(#range)),
        };
        quote!({
            #fetch
            let #range = #range_value;
            #(let #invariants = *#invariants;)*
            #(#taken)*
            #looped
            #(#put_back)*
        })
    } else if s.repeated {
        let (trips, trip) = (model.fresh("trips"), model.fresh("trip"));
        quote!({
            #trip -= 1;
            #(#taken)*
            for _ in 0..#trips[#trip] { #reverse }
            #(#put_back)*
        })
    } else {
        quote!({ #reverse })
    }
}

/// For each segment, the adjoints that no other segment touches (parameters excepted): those can
/// be declared inside the segment's reverse. With a single straight segment, none need moving.
/// What a segment touches is read off its statements (see `Open::touched`).
pub(super) fn segment_locals(
    model: &Model,
    declared: &[VarId],
    segments: &[Segment],
    straight: bool,
) -> Vec<Vec<VarId>> {
    if straight {
        return vec![Vec::new(); segments.len()];
    }
    let candidates: HashSet<VarId> = declared
        .iter()
        .copied()
        .filter(|v| !model.vars[*v].param)
        .collect();
    let touched: Vec<HashSet<VarId>> = segments
        .iter()
        .map(|s| s.touched.intersection(&candidates).copied().collect())
        .collect();
    touched
        .iter()
        .map(|mine| {
            let mut local: Vec<VarId> = mine
                .iter()
                .copied()
                .filter(|v| touched.iter().filter(|t| t.contains(v)).count() == 1)
                .collect();
            local.sort_unstable();
            local
        })
        .collect()
}

/// The dense adjoint of `v` taken out of its `Option` before a loop (made from `zeros`, a
/// reference to its shape, if nothing reached it yet), and put back after the loop.
pub(super) fn dense_moves(
    model: &Model,
    v: VarId,
    zeros: TokenStream,
) -> (TokenStream, TokenStream) {
    let rt = rt();
    let (adjoint, slot) = (super::pullback::dense_name(model, v), model.bar(v));
    (
        quote!(let mut #adjoint = #rt::dense::take(&mut #slot, #zeros);),
        quote!(#rt::dense::put_back(&mut #slot, #adjoint);),
    )
}
