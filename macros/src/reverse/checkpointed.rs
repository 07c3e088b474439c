//! Loops under `#[checkpoint]`: reverse mode keeps the state a loop starts from, not a record of
//! each iteration, and its pullback recomputes the iterations from kept states on the binomial
//! schedule of `matcalc::checkpoint::reverse`.
//!
//! The loop's body is recorded as any loop body is (its segments, residuals and reverses), and
//! its code is emitted three times, each time with the tapes its segments push to bound to
//! something else:
//!
//! - in the forward sweep, the loop as written, its tapes a `Discard` that keeps nothing, after
//!   a copy of the loop's state (the values outside it that the body assigns) and inputs (those
//!   it only reads) is pushed, with the trip count, as one entry of the loop's own tape;
//! - in the pullback, `advance`: one iteration from a state, tapes discarded again, so that the
//!   scheduler can recompute the state any iteration starts from;
//! - and `reverse_step`: one iteration from its state recorded on tapes of its own (emptied
//!   before each iteration, allocated once per pullback call), then reversed at once through the
//!   arms of the body's segments, accumulating into the pullback's adjoints.
//!
//! The same code runs in all three, so the states are bit for bit those of a loop recorded in
//! full, and so is the gradient. A `for` loop runs over a range (iteration k's item is the
//! range's k-th), a `while` loop runs each recomputed iteration without its condition (the trip
//! count says how many there were); `break` and `continue` end the one iteration they are in,
//! and a `return` leaves it by a block of its own, after which the forward sweep, having
//! recorded the loop, returns in turn.
//! The tangent program keeps its loops' checkpoints, so second order checkpoints them too: its
//! loop state holds the tangents, active variables of that model like the values.
//!
//! ```text
//! // f_vjp, abridged                        // its pullback, the loop's arm
//! let entry = (u.clone(),);                 7 => {
//! let mut count = 0;                            let ((state, inputs, range, snapshots), n) = &tape7[..];
//! { let mut tape3 = Discard;                    checkpoint::reverse(state.clone(), *n, s,
//!   for i in range.clone() {                        |state, k| { let (mut u,) = state.clone();
//!       count += 1;                                     /* iteration k, discarded */
//!       /* the recording body */                        *state = (u,); },
//!   } }                                             |state, k| { let (mut u,) = state.clone();
//! ctrl.push(7);                                         let mut tape3 = Tape::new();
//! tape7.push(((entry, inputs, range, s), count));       /* iteration k, recorded */
//!                                                       /* the arms of its segments */ });
//!                                               }
//! ```

use super::tape::{cursor_name, tape_name};
use super::{Reverse, Segment};
use crate::emit::rt;
use crate::ir::{Block, Checkpoint, Stmt, VarId};
use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::quote;
use std::collections::HashSet;

/// What a checkpointed loop iterates.
pub(super) enum Looped<'s> {
    /// `for pat in range`, a range or an iterator over what the loop does not change.
    For {
        pat: &'s TokenStream,
        iter: &'s TokenStream,
    },
    /// `while cond`.
    While { cond: &'s TokenStream },
}

/// What the pullback's arm of a checkpointed loop needs (see [`arm`]).
pub(super) struct CheckpointArm {
    /// The segments recorded in the loop's body, nested checkpointed loops' included.
    pub body: std::ops::Range<usize>,
    /// Those of them whose arms reverse one iteration: all but the segments of the bodies of
    /// checkpointed loops inside it, which that loop's arm reverses.
    pub own: Vec<usize>,
    /// The names of the loop's state, active and inactive, in the order the entry keeps them.
    state: Vec<TokenStream>,
    /// Each input's binding inside the recomputations, from `inputs.i`.
    rebind: Vec<TokenStream>,
    /// One iteration as the loop runs it, over `iteration` (see [`Looped`]).
    iteration: TokenStream,
    /// After a recorded iteration of a body without control flow of its own: its segment and a
    /// trip count of one, as a counted loop records them.
    counted: Option<TokenStream>,
    /// The tapes the body's segments push to.
    tapes: Vec<Ident>,
}

impl Reverse<'_> {
    /// The forward sweep of a loop under `#[checkpoint]`, which records one segment of its own
    /// (see the module docs).
    pub(super) fn checkpointed(
        &mut self,
        label: &Option<syn::Lifetime>,
        looped: Looped,
        body: &Block,
        checkpoint: &Checkpoint,
    ) -> TokenStream {
        let rt = rt();
        let m = self.m;
        let label = label.as_ref().map(|l| quote!(#l:));
        let first = self.segments.len();
        let flat = super::is_flat(body);
        // A `return` in the body leaves the iteration (in every use of the body's code) by a
        // block of its own, after which the forward sweep returns in turn.
        let mut returns = false;
        body.iter().for_each(|s| {
            s.walk(&mut |s| returns |= matches!(s, Stmt::Return { .. }));
        });
        self.checkpointed_loops += 1;
        let number = self.checkpointed_loops;
        let label_of = |name: &str| syn::Lifetime {
            apostrophe: proc_macro2::Span::mixed_site(),
            ident: m.fresh(&format!("{name}{number}")),
        };
        let (returned, iteration_end) = (label_of("returned"), label_of("iteration_end"));
        let outer_return = self
            .return_label
            .clone()
            .unwrap_or_else(|| super::sweep::body_label(m));
        let outer_label = self.return_label.replace(returned.clone());
        let outer = std::mem::replace(&mut self.counted, flat);
        let body_code = self.block(body);
        self.counted = outer;
        self.return_label = outer_label;
        let (ctrl, trips) = (m.fresh("ctrl"), m.fresh("trips"));
        let counted = if flat {
            self.segments.get_mut(first).map(|segment| {
                segment.repeated = true;
                let id = segment.id;
                quote!(#ctrl.push(#id); #trips.push(1usize);)
            })
        } else {
            None
        };
        if self.segments.len() == first {
            // nothing in the body to differentiate: the loop as written
            return match looped {
                Looped::For { pat, iter } => quote!(#label for #pat in #iter { #body_code }),
                Looped::While { cond } => quote!(#label while #cond { #body_code }),
            };
        }
        let nested: HashSet<usize> = self.segments[first..]
            .iter()
            .filter_map(|s| s.checkpoint.as_ref())
            .flat_map(|c| c.body.clone())
            .collect();
        let own: Vec<usize> = (first..self.segments.len())
            .filter(|i| !nested.contains(i))
            .collect();
        let tapes: Vec<Ident> = own
            .iter()
            .map(|&i| &self.segments[i])
            .filter(|s| s.has_tape())
            .map(|s| tape_name(m, s.id))
            .collect();

        let (state_vars, input_vars) = self.outer_values(body, &body_code);
        let state: Vec<TokenStream> = state_vars
            .iter()
            .map(|v| {
                let x = m.primal(*v);
                quote!(#x)
            })
            .chain(checkpoint.inactive_state.iter().map(|x| quote!(#x)))
            .collect();
        let inputs: Vec<(TokenStream, Option<syn::Type>)> = input_vars
            .iter()
            .map(|v| {
                let x = m.primal(*v);
                let declared = m.vars[*v].param.then(|| self.param_type(x)).flatten();
                (quote!(#x), declared)
            })
            .chain(
                checkpoint
                    .inactive_inputs
                    .iter()
                    .map(|(x, ty)| (quote!(#x), ty.clone())),
            )
            .collect();

        let [entry_state, entry_inputs, entry_range, count] =
            ["entry_state", "entry_inputs", "entry_range", "trip_count"].map(|n| m.fresh(n));
        let (inputs_name, item_k) = (m.fresh("inputs"), m.fresh("iteration"));
        let owned = inputs.iter().map(|(x, declared)| match declared {
            Some(_) => quote!(#rt::checkpoint::kept(#x)),
            None => quote!(#rt::checkpoint::kept(&#x)),
        });
        let rebind = inputs
            .iter()
            .enumerate()
            .map(|(i, (x, declared))| {
                let i = syn::Index::from(i);
                match declared {
                    Some(ty) => quote!(let #x: #ty = &#inputs_name.#i;),
                    None => quote!(let #x = ::core::clone::Clone::clone(&#inputs_name.#i);),
                }
            })
            .collect();
        let snapshots = match &checkpoint.snapshots {
            Some(s) => quote!(::core::option::Option::Some::<usize>(#s)),
            None => quote!(::core::option::Option::None::<usize>),
        };
        let discard = quote! {
            let mut #ctrl = #rt::Discard;
            let mut #trips = #rt::Discard;
            #(let mut #tapes = #rt::Discard;)*
        };
        let past = "matcalc: a recomputed iteration past the end of its loop";
        let (range_value, forward_loop, iteration) = match looped {
            // a range is kept, as the loop evaluated it
            Looped::For { pat, iter } if is_range(iter) => (
                quote!(#iter),
                quote!(#label for #pat in ::core::clone::Clone::clone(&#entry_range) {
                    #count += 1;
                    #body_code
                }),
                quote!(#label for #pat in ::core::iter::once(
                    ::core::iter::Iterator::nth(
                        &mut ::core::clone::Clone::clone(#entry_range),
                        #item_k,
                    )
                    .expect(#past),
                ) {
                    #body_code
                }),
            ),
            // another iterator (`data.iter()`) is evaluated again from the loop's inputs, which
            // the loop does not change (lowering checks it)
            Looped::For { pat, iter } => (
                quote!(()),
                quote!(#label for #pat in #iter {
                    #count += 1;
                    #body_code
                }),
                quote!(#label for #pat in ::core::iter::once(
                    ::core::iter::Iterator::nth(&mut (#iter), #item_k).expect(#past),
                ) {
                    #body_code
                }),
            ),
            Looped::While { cond } => (
                quote!(()),
                quote!(#label while #cond {
                    #count += 1;
                    #body_code
                }),
                quote!(#label for _ in ::core::iter::once(()) { #body_code }),
            ),
        };
        let forward_loop = quote!({
            #discard
            #forward_loop
        });
        // With a `return` in the body: an iteration that returns breaks out of the block
        // `returned`, whose normal end is skipped; the forward sweep then records the loop and
        // returns the value in turn.
        let (iteration, forward) = if returns {
            let value = m.fresh("returned_value");
            (
                quote!(#iteration_end: {
                    let _ = #returned: {
                        #iteration
                        break #iteration_end;
                    };
                }),
                quote! {
                    let #value = #iteration_end: {
                        let #value = #returned: {
                            #forward_loop
                            // (parenthesized: a label followed by `::` reads as a labelled block to syn)
                            break #iteration_end (::core::option::Option::None);
                        };
                        ::core::option::Option::Some(#value)
                    };
                },
            )
        } else {
            (iteration, forward_loop)
        };
        let return_after = returns.then(|| {
            let value = m.fresh("returned_value");
            quote! {
                if let ::core::option::Option::Some(#value) = #value {
                    break #outer_return #value;
                }
            }
        });
        let id = self.segments.len() as u32;
        let tape = tape_name(m, id);
        self.segments.push(Segment {
            id,
            residuals: Vec::new(),
            backward: Vec::new(),
            touched: HashSet::new(),
            repeated: false,
            checkpoint: Some(Box::new(CheckpointArm {
                body: first..id as usize,
                own,
                state: state.clone(),
                rebind,
                iteration,
                counted,
                tapes,
            })),
            recomputed: Vec::new(),
            plan: None,
            replays: false,
            sizeless: Vec::new(),
            dense: Vec::new(),
            carried: Vec::new(),
            nested: false,
            mirrored: None,
            recorded: Vec::new(),
            sources: Vec::new(),
        });
        quote!({
            let #entry_state = (#(::core::clone::Clone::clone(&#state),)*);
            let #entry_inputs = (#(#owned,)*);
            let #entry_range = #range_value;
            let mut #count: usize = 0;
            #forward
            #ctrl.push(#id);
            #tape.push(((#entry_state, #entry_inputs, #entry_range, #snapshots), #count));
            #return_after
        })
    }

    /// The active variables declared before the loop (parameters included) that its body
    /// assigns, its state, and those its code reads and does not assign, its inputs.
    fn outer_values(&self, body: &Block, code: &TokenStream) -> (Vec<VarId>, Vec<VarId>) {
        let mut inside = HashSet::new();
        let mut written = HashSet::new();
        for s in body {
            s.walk(&mut |s| match s {
                Stmt::Let { var, .. } => {
                    inside.insert(*var);
                }
                Stmt::LetTuple { vars, .. } => inside.extend(vars.iter().copied()),
                Stmt::Assign { var, .. } => {
                    written.insert(*var);
                }
                Stmt::Write { buf, .. } | Stmt::Push { buf, .. } => {
                    written.insert(*buf);
                }
                Stmt::WriteField { base, .. } => {
                    written.insert(*base);
                }
                _ => {}
            });
        }
        let mut mentioned = HashSet::new();
        idents_in(code, &mut mentioned);
        let outer: Vec<VarId> = self
            .m
            .active_params()
            .map(|(_, v)| v)
            .chain(self.in_scope.iter().flatten().copied())
            .filter(|v| !inside.contains(v))
            .collect();
        let mut state = Vec::new();
        let mut inputs = Vec::new();
        for v in outer {
            if state.contains(&v) || inputs.contains(&v) {
                continue;
            }
            if written.contains(&v) {
                state.push(v);
            } else if mentioned.contains(&self.m.primal(v).to_string()) {
                inputs.push(v);
            }
        }
        (state, inputs)
    }

    /// The declared type of the parameter named `x`, when it is a reference, without its
    /// lifetime: the type an input copied into the loop's entry is bound back as.
    fn param_type(&self, x: &Ident) -> Option<syn::Type> {
        let param = self.m.sig.params.iter().find(|p| &p.ident == x)?;
        match &param.ty {
            syn::Type::Reference(r) if r.mutability.is_none() => {
                let elem = &r.elem;
                Some(syn::parse_quote!(&#elem))
            }
            _ => None,
        }
    }
}

/// Whether a loop's iterator is a range expression (`0..n`, `a..=b`).
fn is_range(iter: &TokenStream) -> bool {
    matches!(
        syn::parse2::<syn::Expr>(iter.clone()),
        Ok(syn::Expr::Range(_))
    )
}

/// Every identifier in `tokens`.
fn idents_in(tokens: &TokenStream, out: &mut HashSet<String>) {
    for t in tokens.clone() {
        match t {
            TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            TokenTree::Group(g) => idents_in(&g.stream(), out),
            _ => {}
        }
    }
}

/// The pullback's arm of a checkpointed loop: the scheduler over its iterations, each reversed
/// through `body_arms`, the arms of the body's segments.
pub(super) fn arm(
    m: &crate::emit::Model,
    id: u32,
    c: &CheckpointArm,
    arms: &[TokenStream],
    reverses: &[TokenStream],
    segments: &[Segment],
) -> TokenStream {
    let body_arms = c.own.iter().map(|&i| &arms[i]);
    let body_segments = c.own.iter().map(|&i| &segments[i]);
    let rt = rt();
    let (tape, cursor) = (tape_name(m, id), cursor_name(m, id));
    let (ctrl, trips, trip, segment) = (
        m.fresh("ctrl"),
        m.fresh("trips"),
        m.fresh("trip"),
        m.fresh("segment"),
    );
    let [entry_state, inputs, entry_range, snapshots, count, state, k] = [
        "entry_state",
        "inputs",
        "entry_range",
        "snapshots",
        "trip_count",
        "state",
        "iteration",
    ]
    .map(|n| m.fresh(n));
    let names = &c.state;
    let rebind = &c.rebind;
    let iteration = &c.iteration;
    let counted = &c.counted;
    let tapes = &c.tapes;
    let cursors: Vec<TokenStream> = body_segments
        .filter(|s| s.has_tape())
        .map(|s| {
            let (tape, cursor) = (tape_name(m, s.id), cursor_name(m, s.id));
            quote!(let mut #cursor = #tape.len();)
        })
        .collect();
    // A body without control flow of its own is one segment, recorded once per iteration: its
    // reverse runs at once, without the control tape.
    let record_and_reverse = match (&c.counted, c.own.as_slice()) {
        (Some(_), [only]) => {
            let reverse = &reverses[*only];
            quote! {
                #iteration
                #(#cursors)*
                #reverse
            }
        }
        _ => quote! {
            #ctrl.clear();
            #trips.clear();
            #iteration
            #counted
            #(#cursors)*
            let mut #trip = #trips.len();
            for #segment in #ctrl.iter().rev() {
                match *#segment {
                    #(#body_arms)*
                    _ => ::core::unreachable!("matcalc: a segment that was never recorded"),
                }
            }
        },
    };
    quote!(#id => {
        #cursor -= 1;
        let ((#entry_state, #inputs, #entry_range, #snapshots), #count) = &#tape[#cursor];
        let #snapshots: usize = match *#snapshots {
            ::core::option::Option::Some(s) => s,
            ::core::option::Option::None => #rt::checkpoint::default_snapshots(*#count),
        };
        // the tapes of one recorded iteration, emptied before each
        let mut #ctrl: #rt::Tape<u32> = #rt::Tape::new();
        let mut #trips: #rt::Tape<usize> = #rt::Tape::new();
        #(let mut #tapes = #rt::Tape::new();)*
        #rt::checkpoint::reverse(
            ::core::clone::Clone::clone(#entry_state),
            *#count,
            #snapshots,
            |#state, #k| {
                let (#(mut #names,)*) = ::core::clone::Clone::clone(&*#state);
                #(#rebind)*
                {
                    let mut #ctrl = #rt::Discard;
                    let mut #trips = #rt::Discard;
                    #(let mut #tapes = #rt::Discard;)*
                    #iteration
                }
                *#state = (#(#names,)*);
            },
            |#state, #k| {
                let (#(mut #names,)*) = ::core::clone::Clone::clone(#state);
                #(#rebind)*
                #(#tapes.clear();)*
                #record_and_reverse
            },
        );
    })
}
