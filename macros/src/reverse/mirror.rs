//! The pullback of a function whose control flow is static, as the mirror of its loops.
//!
//! A function made of straight code and `for` and `while` loops, nested or not, without
//! branches or early exits, runs its segments in an order the code alone decides, but for the
//! loops' trip counts. The forward sweep records those counts (a loop over a range whose
//! pullback runs the range again keeps the range instead) and no control tape; the pullback
//! runs each loop backwards as a loop, its body's segments in the opposite order, as the
//! forward sweep's nesting mirrored:
//!
//! ```text
//! // forward                              // pullback
//! for i in 0..n {                         { trip -= 1; for _ in 0..trips[trip] {
//!     /* segment 1 */                         { /* segment 2, reversed */ }
//!     for j in 0..i { /* segment 2 */ }       { /* segment 1, reversed */ }
//! }                                       } }
//! trips.push(count);
//! ```
//!
//! The active parameters' adjoints are taken out of their `Option`s once, before the mirrored
//! loops, and added into as plain buffers throughout (`Reverse::dense_here`): no loop of the
//! pullback takes them again.
//!
//! Without the dispatch on a control tape, the optimizer sees each adjoint's path through the
//! loops, as it does through the reversed segments of a function whose loops are flat (see
//! `is_static`), and the forward sweep pushes nothing per segment.

use crate::ir::{Block, Stmt};
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::HashMap;

/// The shape of the recorded segments, in the order the forward sweep runs them.
pub(super) enum Node {
    /// A segment (a loop without control flow of its own is one segment, which reverses the
    /// whole loop).
    Segment(u32),
    /// A loop whose body has loops of its own, run as many times as its trip count says, or
    /// over its range again, backwards, where it keeps a [`Frame`].
    Loop(Vec<Node>, Option<Frame>),
}

/// How the pullback runs a loop over a range again (see `mirrored_loop`): the integers its
/// indices read, and its range unless the pullback writes it again (`again`), kept on a tape of
/// its own (`kept`: the tape and its cursor), which a loop with nothing to keep has not.
pub(super) struct Frame {
    pub kept: Option<(Ident, Ident)>,
    pub again: Option<TokenStream>,
    pub counter: Ident,
    pub invariants: Vec<Ident>,
}

/// Whether a block's control flow is static: straight-line code and `for` and `while` loops,
/// then, at the top (`top`), a final `return`. With `nested`, a loop's body is static in turn
/// (see the module docs); without, it has no control flow of its own (`is_flat`), and the
/// function's control flow is *fixed*: each segment runs once (a loop's body once per run of
/// the loop, and the loop once), in the order of the code, and the pullback is the reversed
/// segments in the opposite order.
pub(super) fn is_static(stmts: &Block, top: bool, nested: bool) -> bool {
    stmts.iter().enumerate().all(|(i, s)| match s {
        Stmt::For {
            body,
            checkpoint: None,
            ..
        }
        | Stmt::While {
            body,
            checkpoint: None,
            ..
        } => match nested {
            true => is_static(body, false, true),
            false => super::is_flat(body),
        },
        Stmt::Return { .. } => top && i + 1 == stmts.len(),
        s => !s.is_control() && !s.may_exit(),
    })
}

/// Whether any node is a loop with loops of its own that records its trip counts.
pub(super) fn has_loops(nodes: &[Node]) -> bool {
    nodes.iter().any(|n| match n {
        Node::Loop(_, None) => true,
        Node::Loop(body, Some(_)) => has_loops(body),
        Node::Segment(_) => false,
    })
}

/// The pullback of `nodes`: each segment's block (`blocks`), each loop run backwards as many
/// times as it ran, in the opposite order.
pub(super) fn mirror(
    nodes: &[Node],
    blocks: &HashMap<u32, TokenStream>,
    (trips, trip): (&Ident, &Ident),
) -> TokenStream {
    nodes
        .iter()
        .rev()
        .map(|node| match node {
            Node::Segment(id) => blocks[id].clone(),
            Node::Loop(body, None) => {
                let body = mirror(body, blocks, (trips, trip));
                quote!({
                    #trip -= 1;
                    for _ in 0..#trips[#trip] { #body }
                })
            }
            Node::Loop(body, Some(frame)) => {
                let body = mirror(body, blocks, (trips, trip));
                let Frame {
                    kept,
                    again,
                    counter,
                    invariants,
                } = frame;
                let kept_range =
                    quote::format_ident!("range", span = proc_macro2::Span::mixed_site());
                let (item, range) = match again {
                    Some(range) => (None, range.clone()),
                    None => (
                        Some(quote!(#kept_range,)),
                        quote!(::core::clone::Clone::clone(#kept_range)),
                    ),
                };
                let fetch = kept.as_ref().map(|(frames, cursor)| {
                    quote! {
                        #cursor -= 1;
                        let (#item #(#invariants,)*) = &#frames[#cursor];
                        #(let #invariants = *#invariants;)*
                    }
                });
                quote!({
                    #fetch
                    for #counter in ::core::iter::Iterator::rev(#range) { #body }
                })
            }
        })
        .collect()
}
