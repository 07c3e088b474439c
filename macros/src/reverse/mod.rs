//! Reverse mode: `f_vjp`, the value and a pullback, and `f_grad`.
//!
//! A forward sweep runs the user's code and records what the backward sweep needs; the pullback
//! walks the recorded work backwards, accumulating adjoints `x_bar`.
//!
//! Straight-line runs of statements are *segments*. Each executed segment pushes its number on a
//! control tape and its residuals (values its derivative needs) on a tape of its own; the
//! pullback pops the control tape from the end and runs the reversed segment. So branches, loops,
//! `break`, `continue` and early `return` need nothing of their own: the tape holds the path the
//! program took, and memory is the trip count times the residuals of a segment. A `for` or
//! `while` loop whose body has no control flow of its own is one segment run many times: it
//! pushes its number once, after the loop, with its trip count on a trip tape, and the pullback
//! runs the reversed body that many times (a loop over a range also reserves its tape before
//! it starts). A function without control flow keeps its residuals in locals instead.
//!
//! Three cases need less. A function without loops runs each segment at most once, in the
//! order of their numbers: which ran is a flag per segment (`Trace`), each segment's residuals
//! are in an `Option`, and the pullback is each segment's reverse, if it ran, from the last to
//! the first, as straight code. A function whose control flow is fixed (straight code and loops
//! without branches of their own, then the return) runs each segment once, in order: it keeps
//! no control tape at all, and the pullback is the reversed segments in the opposite order, as
//! straight code. A function whose loops nest, still without branches, records their trip
//! counts and no control tape, and its pullback is their mirror (`mirror`). In the body of a counted
//! loop, the adjoints of the active parameters and of the values the loop carries are taken out
//! of their `Option`s before the pullback runs the loop, and added into as plain values. The
//! adjoints of floats that a contribution is certain to reach before they are read (the
//! temporaries of straight code and of such a loop's body) are plain floats throughout
//! (`definite`): `let t1_bar: f64 = t2_bar * r2;`, with no `Option` to test.
//!
//! What a residual keeps is the least the adjoints need: of a product whose one factor is
//! inactive, the other factor's type only (zero-sized); of a literal, nothing (the pullback
//! writes it again); of a value read twice with nothing written in between, one copy.
//!
//! ```text
//! // Before                          // After (f_vjp, abridged)
//! fn g(x: &[f64], n: usize) -> f64 { let x_zeros = zeros_of(x);
//!     let mut s = 0.0;               let value = 'body: {
//!     for i in 0..n {                    let mut s = 0.0;
//!         s += x[i] * x[i];              let mut count = 0; let range = 0..n;
//!     }                                  for i in range.clone() {
//!     s                                      let t1 = x[i];
//! }                                          let t2 = mul(&t1, &t1);
//!                                            s = s + t2; count += 1;
//!                                        }
//!                                        frames1.push((range,)); trips.push(count);
//!                                        ...; break 'body s;
//!                                    };
//!                                    let x_kept = Tape::copy_of(x);
//!                                    let pullback = move |seed: f64| -> Vec<f64> {
//!                                        let x: &[f64] = &x_kept;
//!                                        { /* segment 2: the seed to s_bar */ }
//!                                        { let mut x_bar_dense = dense::take(..);
//!                                          for i in frames1[..].clone().rev() {
//!                                            let t1 = x[i]; /* computed again */
//!                                            /* reversed */ }
//!                                          dense::put_back(&mut x_bar, x_bar_dense); }
//!                                        { /* segment 0: s_bar = None */ }
//!                                        finish(x_bar, &x_zeros)
//!                                    };
//! ```
//!
//! Neither the index `i` nor the factor `t1` is kept: the pullback runs the loop's range again,
//! backwards, and computes again what an iteration computes from the counter and from
//! parameters the function never writes, from its own copy of them (`recompute`).
//!
//! The exact code the macro writes today, with comments, is in the workspace's
//! `examples/*-expanded.rs`, which a test keeps equal to the expansion.
//!
//! Here the entry and the shapes of control flow (the straight case); what the pullback needs
//! to know of the model (liveness, shapes) in `needs`, the forward sweep in `sweep`, the
//! residuals kept on the tapes in `tape`, the reverse of each statement in `pullback`, the
//! pullback's block of each segment in `blocks`.

mod blocks;
mod checkpointed;
mod definite;
mod mirror;
mod needs;
mod pullback;
pub(crate) mod recompute;
mod sweep;
mod tape;

use crate::emit::{Model, allow_lints, braced, rt};
use crate::ir::{Block, Operand, Stmt, VarId, call_inputs};
use blocks::{dense_moves, kept_params, segment_block, segment_locals, segment_reverse};
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::HashSet;
use sweep::body_label;
use tape::{cursor_name, frame_name, frames_name, tape_name};

pub(crate) fn emit(model: &Model) -> TokenStream {
    let rt = rt();
    let vis = &model.func.vis;
    // The function whose reverse mode this is: `f`, or `f_jvp` for the tangent program.
    let original = &model.stem;
    let this = model.original();
    let (vjp, grad) = (model.name("vjp"), model.name("grad"));
    let vjp_path = model.path("vjp");
    let params = model.params();
    let names = model.param_names();
    let ret = &model.sig.ret.ty;
    let gradient = model.sig.gradient_type();
    let lints = allow_lints();

    let live = needs::liveness(model);
    let mutated = needs::mutated(model);
    let straight = is_straight(&model.stmts);
    let acyclic = !straight && is_acyclic(&model.stmts);
    let fixed = !straight && mirror::is_static(&model.stmts, true, false);
    let structured = !straight && !fixed && mirror::is_static(&model.stmts, true, true);
    let shaped = if straight {
        std::collections::HashMap::new()
    } else {
        needs::shaped_once(model)
    };
    let (frozen, frozen_slots) = match fixed || structured {
        true => needs::frozen(model),
        false => Default::default(),
    };
    let mut sweep = Reverse {
        m: model,
        live: &live,
        const_shape: model
            .active_params()
            .map(|(_, v)| v)
            .filter(|v| !mutated.contains(v))
            .collect(),
        segments: Vec::new(),
        next_residual: 0,
        straight,
        acyclic,
        fixed,
        structured,
        nesting: 0,
        skeleton: Vec::new(),
        shaped,
        counted: false,
        reserved: false,
        in_scope: Vec::new(),
        return_label: None,
        checkpointed_loops: 0,
        integers: recompute::Integers::of(model),
        deferred: sweep::deferred(model),
        plan: None,
        mirrored: None,
        mirror_frames: Vec::new(),
        frozen,
        frozen_slots,
        top: 0,
        frozen_taken: HashSet::new(),
        available: HashSet::new(),
        dense: false,
        carried: Vec::new(),
        touches: definite::Touches::of(&model.stmts),
        definite: std::rc::Rc::default(),
        current: 0,
        entries: definite::entries(&model.stmts, &live),
    };
    let forward = braced(sweep.block(&model.stmts));

    let body_label = body_label(model);
    let seed = model.fresh("seed");
    let ctrl = model.fresh("ctrl");
    let zeros = model.active_params().map(|(_, v)| {
        let (z, p) = (
            model.zeros(v),
            model.pref(&Operand::Var {
                id: v,
                borrowed: false,
            }),
        );
        quote!(let #z = #rt::zeros_of(#p);)
    });
    let mut declared: Vec<VarId> = model.active_params().map(|(_, v)| v).collect();
    declared.extend(live.iter().copied().filter(|v| !model.vars[*v].param));
    declared.sort_unstable();
    declared.dedup();
    // An adjoint that only one segment's reverse reads and writes starts at zero in that
    // segment, so it is declared there: within straight-line code the optimizer then knows
    // whether it holds a value, and the `Option` costs nothing.
    let local = segment_locals(model, &declared, &sweep.segments, straight);
    let bars = declared
        .iter()
        .filter(|v| !local.iter().any(|l| l.contains(v)))
        .map(|v| model.bar_declared(*v, sweep.definite.contains(v)));
    let finished: Vec<TokenStream> = model
        .active_params()
        .map(|(_, v)| {
            let (b, z) = (model.bar(v), model.zeros(v));
            quote!(#rt::finish(#b, &#z))
        })
        .collect();
    let gradient_value = match finished.as_slice() {
        [one] => one.clone(),
        many => quote!((#(#many),*)),
    };

    let (tapes, backward) = if straight {
        let segment = sweep.segments.pop();
        let backward = segment.map(|s| {
            let residuals = &s.residuals;
            let tape = tape_name(model, 0);
            let mut backward = quote!(let (#(#residuals,)*) = &#tape;);
            backward.extend(s.backward.into_iter().rev());
            backward
        });
        let declare = backward.is_some().then(|| {
            let tape = tape_name(model, 0);
            quote!(let #tape;)
        });
        (quote!(#declare), backward.unwrap_or_default())
    } else {
        // The segments of a checkpointed loop's body record on tapes of their own in its
        // pullback's arm only.
        let inner: HashSet<usize> = sweep
            .segments
            .iter()
            .filter_map(|s| s.checkpoint.as_ref())
            .flat_map(|c| c.body.clone())
            .collect();
        let outer = || {
            sweep
                .segments
                .iter()
                .enumerate()
                .filter(|(i, _)| !inner.contains(i))
                .map(|(_, s)| s)
        };
        // A segment that runs at most once keeps its residuals in an `Option`, not on a tape.
        let no_control = fixed || structured;
        let once = |s: &Segment| acyclic || (no_control && !s.repeated && !s.nested);
        let declare = outer().filter(|s| s.has_tape()).map(|s| {
            let tape = tape_name(model, s.id);
            if once(s) {
                quote!(let mut #tape = ::core::option::Option::None;)
            } else {
                quote!(let mut #tape = #rt::Tape::new();)
            }
        });
        let cursors = outer().filter(|s| s.has_tape() && !once(s)).map(|s| {
            let (tape, cursor) = (tape_name(model, s.id), cursor_name(model, s.id));
            quote!(let mut #cursor = #tape.len();)
        });
        // (a loop of a function whose control flow is fixed runs once, unless it is in another
        // loop: its frame is an `Option`)
        let frame_once = |s: &Segment| no_control && !s.nested;
        let frames: Vec<TokenStream> = outer()
            .filter(|s| s.plan.is_some())
            .map(|s| {
                let frames = frames_name(model, s.id);
                if frame_once(s) {
                    quote!(let mut #frames = ::core::option::Option::None;)
                } else {
                    quote!(let mut #frames = #rt::Tape::new();)
                }
            })
            .collect();
        let frame_cursors = outer()
            .filter(|s| s.plan.is_some() && !frame_once(s))
            .map(|s| {
                let (frames, frame) = (frames_name(model, s.id), frame_name(model, s.id));
                quote!(let mut #frame = #frames.len();)
            });
        // In order: a checkpointed loop's arm holds the arms of its body, recorded before it.
        let reverses: Vec<TokenStream> = sweep
            .segments
            .iter()
            .zip(&local)
            .map(|(s, local)| segment_reverse(model, s, (local, &sweep.definite), once(s)))
            .collect();
        let mut arms: Vec<TokenStream> = Vec::new();
        // the pullback's block of each segment outside checkpointed loops, by its number
        let mut blocks = std::collections::HashMap::new();
        for (s, reverse) in sweep.segments.iter().zip(&reverses) {
            let arm = match &s.checkpoint {
                Some(c) => checkpointed::arm(model, s.id, c, &arms, &reverses, &sweep.segments),
                None => {
                    let (id, block) = (s.id, segment_block(model, s, reverse, frame_once(s)));
                    let arm = quote!(#id => #block);
                    blocks.insert(id, block);
                    arm
                }
            };
            arms.push(arm);
        }
        let arms: Vec<&TokenStream> = arms
            .iter()
            .enumerate()
            .filter(|(i, _)| !inner.contains(i))
            .map(|(_, arm)| arm)
            .collect();
        let segment = model.fresh("segment");
        let mut shape_slots: Vec<&Ident> = sweep.shaped.values().collect();
        shape_slots.sort_by_key(|slot| slot.to_string());
        let shape_slots = shape_slots
            .into_iter()
            .map(|slot| quote!(let mut #slot = ::core::option::Option::None;));
        // (the range in a loop's frame says how many times it ran)
        let counted = sweep
            .segments
            .iter()
            .any(|s| s.repeated && s.plan.is_none())
            || (structured && mirror::has_loops(&sweep.skeleton));
        let (trips, trip) = (model.fresh("trips"), model.fresh("trip"));
        let trip_tape =
            counted.then(|| quote!(let mut #trips: #rt::Tape<usize> = #rt::Tape::new();));
        let trip_cursor = counted.then(|| quote!(let mut #trip = #trips.len();));
        // the ranges of the mirrored loops that run them again (see `mirror::Frame`)
        let (range_tapes, range_cursors): (Vec<TokenStream>, Vec<TokenStream>) = sweep
            .mirror_frames
            .iter()
            .map(|(frames, cursor)| {
                (
                    quote!(let mut #frames = #rt::Tape::new();),
                    quote!(let mut #cursor = #frames.len();),
                )
            })
            .unzip();
        // Without loops, each segment runs at most once: which ones ran fits in an array, and
        // each one's residuals in an `Option`, none of them taking a buffer from the pool.
        let control = if no_control {
            quote!()
        } else if acyclic {
            let most = sweep.segments.len();
            quote!(let mut #ctrl = #rt::Trace::<#most>::new();)
        } else {
            quote!(let mut #ctrl: #rt::Tape<u32> = #rt::Tape::new();)
        };
        // Segments that ran once each, in order, are reversed in the opposite order as
        // straight code: the optimizer then sees every adjoint's path through the pullback.
        // Without loops, those that ran did so in the order of their numbers: each one's
        // reverse is run if it ran, from the last to the first (see the runtime's `Trace`).
        let dispatch = if fixed {
            let reversed = sweep.segments.iter().rev().map(|s| &blocks[&s.id]);
            quote!(#(#reversed)*)
        } else if structured {
            // the active parameters' adjoints, dense for the whole pullback (see `dense_here`)
            let mut params: Vec<VarId> = sweep
                .segments
                .iter()
                .flat_map(|s| s.touched.intersection(&sweep.const_shape))
                .copied()
                .collect();
            params.sort_unstable();
            params.dedup();
            let (taken, put_back): (Vec<TokenStream>, Vec<TokenStream>) = params
                .iter()
                .map(|v| {
                    let zeros = model.zeros(*v);
                    dense_moves(model, *v, quote!(&#zeros))
                })
                .unzip();
            let mirrored = mirror::mirror(&sweep.skeleton, &blocks, (&trips, &trip));
            quote!(#(#taken)* #mirrored #(#put_back)*)
        } else if acyclic {
            let reversed = sweep.segments.iter().rev().map(|s| {
                let (id, block) = (s.id, &blocks[&s.id]);
                quote!(if #ctrl.ran(#id) #block)
            });
            quote!(#(#reversed)*)
        } else {
            quote! {
                for #segment in #ctrl.iter().rev() {
                    match *#segment {
                        #(#arms)*
                        _ => ::core::unreachable!("matcalc: a segment that was never recorded"),
                    }
                }
            }
        };
        (
            quote!(#control #(#declare)* #(#frames)* #trip_tape #(#range_tapes)* #(#shape_slots)*),
            quote! {
                #(#cursors)*
                #(#frame_cursors)*
                #trip_cursor
                #(#range_cursors)*
                #dispatch
            },
        )
    };

    let (keep, mut kept) = kept_params(model, &sweep.segments);
    // the copies of the local buffers whose elements the pullback reads again (see
    // `needs::frozen`), taken where the loops that read them start
    let mut frozen: Vec<VarId> = sweep.frozen_taken.iter().copied().collect();
    frozen.sort_unstable();
    let frozen_slots = frozen.iter().map(|v| {
        let slot = &sweep.frozen_slots[v];
        quote!(let mut #slot = ::core::option::Option::None;)
    });
    let frozen_slots: TokenStream = frozen_slots.collect();
    for v in &frozen {
        let (slot, x) = (&sweep.frozen_slots[v], model.primal(*v));
        kept.extend(quote!(let #x = #rt::recorded(&#slot);));
    }
    let value = model.fresh("value");
    let pullback = model.fresh("pullback");
    let vjp_doc = format!(
        " Reverse mode of [`{original}`]: its value and the pullback, which maps a cotangent of the value to the adjoints of the active parameters (a tuple when there are several). The pullback may be called many times."
    );
    let spelled = model.spelled_in_scope();
    let rt_use = crate::emit::rt_in_scope();
    let bounds = model.param_bounds();
    // the pullback's body moved into its block, not copied (see `braced`)
    let mut pullback_body = kept;
    pullback_body.extend(bars);
    pullback_body.extend([backward, gradient_value]);
    let pullback_body = braced(pullback_body);
    let vjp_fn = quote! {
        #[doc = #vjp_doc]
        #lints
        #vis fn #vjp(#(#params),*) -> (#ret, impl ::core::ops::Fn(#ret) -> #gradient + use<>) #bounds {
            let _ = #this;
            #rt_use
            #spelled
            #(#zeros)*
            #tapes
            #frozen_slots
            let #value: #ret = #body_label: #forward;
            #keep
            let #pullback = move |#seed: #ret| -> #gradient #pullback_body;
            (#value, #pullback)
        }
    };
    if !model.sig.ret.scalar {
        return vjp_fn;
    }
    let grad_doc = format!(
        " The gradient of [`{original}`]: its value and the adjoints of the active parameters (a tuple when there are several)."
    );
    quote! {
        #vjp_fn
        #[doc = #grad_doc]
        #lints
        #vis fn #grad(#(#params),*) -> (#ret, #gradient) #bounds {
            #rt_use
            let (#value, #pullback) = #vjp_path(#(#names),*);
            (#value, #pullback(1.0))
        }
    }
}

/// A function whose only control flow is its final return: one segment, run once.
fn is_straight(stmts: &Block) -> bool {
    stmts.iter().enumerate().all(|(i, s)| {
        (!s.is_control() && !s.may_exit())
            || (matches!(s, Stmt::Return { .. }) && i + 1 == stmts.len())
    })
}

/// A loop body without control flow of its own: one segment, recorded once per loop.
fn is_flat(body: &Block) -> bool {
    body.iter().all(|s| !s.is_control() && !s.may_exit())
}

/// A function without loops: each of its segments runs at most once.
fn is_acyclic(stmts: &Block) -> bool {
    let mut acyclic = true;
    for s in stmts {
        s.walk(&mut |s| {
            acyclic &= !matches!(s, Stmt::Loop { .. } | Stmt::While { .. } | Stmt::For { .. });
        });
    }
    acyclic
}

/// A segment being recorded.
#[derive(Default)]
struct Open {
    residuals: Vec<Ident>,
    /// Residuals already kept in this segment, by what they keep: a value read twice with
    /// nothing written in between is kept once.
    kept: std::collections::HashMap<tape::Kept, Ident>,
    /// The reverse of each statement, in forward order.
    backward: Vec<TokenStream>,
    /// The variables whose adjoints that reverse reads or writes: each statement's results and
    /// the active values it reads (see `adjoints_touched`).
    touched: HashSet<VarId>,
    /// Residuals the pullback writes again instead of reading them off the tape (see
    /// `recompute`): each name, with what it is bound to.
    recomputed: Vec<(Ident, TokenStream)>,
    /// Some of them are values of the iteration, not indices alone (see `recompute::Values`).
    replays: bool,
    /// The residuals among `residuals` of no size (witnesses, types): in the body of a loop
    /// whose range the pullback runs again, kept once per run of the loop, not per iteration.
    sizeless: Vec<Ident>,
    /// The indices kept on the tape for the pullback to compute values at them again, each
    /// with its residual (see `recompute::Plan::recorded`).
    recorded: Vec<(Ident, Ident)>,
}

/// A recorded segment: its number on the control tape.
struct Segment {
    id: u32,
    residuals: Vec<Ident>,
    backward: Vec<TokenStream>,
    /// The variables whose adjoints `backward` touches.
    touched: HashSet<VarId>,
    /// The body of a loop without control flow of its own: recorded once per loop with its trip
    /// count on the trip tape, instead of once per iteration on the control tape.
    repeated: bool,
    /// A loop under `#[checkpoint]`: the segment stands for the whole loop, its tape holding
    /// the loop's entries (see `checkpointed`).
    checkpoint: Option<Box<checkpointed::CheckpointArm>>,
    /// The residuals written again, and how: the body of a loop over a range whose indices
    /// the pullback recomputes from the counter (see `recompute`).
    recomputed: Vec<(Ident, TokenStream)>,
    plan: Option<recompute::Plan>,
    /// The pullback computes values of the iteration again, not indices alone.
    replays: bool,
    /// The residuals of no size kept once per run of the loop (see `Open::sizeless`), with
    /// the range; not among `residuals`.
    sizeless: Vec<Ident>,
    /// The active parameters whose adjoints the pullback makes before it runs the loop, for
    /// the body's reverse to add into them as plain values (see `Reverse::dense`).
    dense: Vec<VarId>,
    /// Likewise the variables declared before the loop that its body reads or assigns, with
    /// the residual of each one's shape, kept once per run of the loop among `sizeless`.
    carried: Vec<(VarId, Ident)>,
    /// Recorded inside a loop whose body has loops of its own, in a function whose control
    /// flow is static (see `mirror`): it may run many times even outside a loop of its own.
    nested: bool,
    /// The plan of the innermost such loop over a range, whose indices the segment's reverse
    /// writes again (see `mirror::Frame`).
    mirrored: Option<std::rc::Rc<recompute::Plan>>,
    /// As in [`Open::recorded`].
    recorded: Vec<(Ident, Ident)>,
    /// The variables declared before a counted loop that its body assigns or writes, live:
    /// the adjoints its reverse starts from (see `segment_block`).
    sources: Vec<VarId>,
}

impl Segment {
    /// Whether the segment pushes records on a tape of its own.
    fn has_tape(&self) -> bool {
        !self.residuals.is_empty() || self.checkpoint.is_some()
    }

    /// The plan its reverse writes again, of its own loop or of the mirrored loop it is in.
    fn recompute_plan(&self) -> Option<&recompute::Plan> {
        self.plan.as_ref().or(self.mirrored.as_deref())
    }
}

struct Reverse<'m> {
    m: &'m Model<'m>,
    live: &'m HashSet<VarId>,
    const_shape: HashSet<VarId>,
    segments: Vec<Segment>,
    next_residual: usize,
    straight: bool,
    /// A function without loops, but not straight: each segment keeps its residuals in an
    /// `Option` of its own, not on a tape (and so does a segment outside the loops of a
    /// function whose control flow is fixed).
    acyclic: bool,
    /// A function whose segments run once each, in order (see `mirror::is_static`): no control tape.
    fixed: bool,
    /// A function whose control flow is static but has nested loops (see `mirror`): no control
    /// tape either, the pullback the mirror of its loops.
    structured: bool,
    /// How many loops with loops of their own the forward sweep is recording in.
    nesting: usize,
    /// The segments recorded so far and the loops around them (see `mirror`).
    skeleton: Vec<mirror::Node>,
    /// The buffers whose shape is kept once for the whole call, with its slot (see
    /// `needs::shaped_once`).
    shaped: std::collections::HashMap<VarId, Ident>,
    /// Recording the body of a loop whose trips are counted: its segment is not pushed on the
    /// control tape per iteration.
    counted: bool,
    /// That loop runs over a range, for whose trips its tape reserves room before it runs.
    reserved: bool,
    /// The variables declared in each block being recorded, outermost first: those in scope.
    in_scope: Vec<Vec<VarId>>,
    /// Where a `return` goes: the block that ends the checkpointed loop it is in, if any (the
    /// function's body otherwise).
    return_label: Option<syn::Lifetime>,
    /// The checkpointed loops met so far: their labels are numbered by it, so that nested ones
    /// differ.
    checkpointed_loops: usize,
    /// The names that hold integers (see `recompute`).
    integers: recompute::Integers,
    /// Recording the body of a loop whose indices the pullback writes again.
    plan: Option<recompute::Plan>,
    /// That loop has loops of its own, and its plan serves each segment of its body (see
    /// `mirror::Frame`).
    mirrored: Option<std::rc::Rc<recompute::Plan>>,
    /// The tapes of the ranges of such loops, with their cursors.
    mirror_frames: Vec<(Ident, Ident)>,
    /// For each statement of the body, the local buffers nothing writes from it on, and the
    /// slot of each one's copy (see `needs::frozen`); empty where the control flow is not
    /// static.
    frozen: Vec<HashSet<VarId>>,
    frozen_slots: std::collections::HashMap<VarId, Ident>,
    /// The statement of the body being recorded, and the buffers whose copies its code takes.
    top: usize,
    frozen_taken: HashSet<VarId>,
    /// The integers the pullback has where it runs back the loops being recorded: the counters
    /// of the loops around them that it runs again, and what their frames keep (see
    /// `recompute::Integers::plan`).
    available: HashSet<String>,
    /// The variables declared without a value (see `sweep::carried`).
    deferred: HashSet<VarId>,
    /// Recording the body of a counted loop: the reverse adds into the adjoints of active
    /// parameters as plain values, made before the loop runs backwards (`Segment::dense`). A
    /// lazy `Option` would cost a test on every contribution, and keep the optimizer from
    /// hoisting the buffer out of the loop.
    dense: bool,
    /// Recording the body of a counted loop over a range: the variables declared before it
    /// whose adjoints the body takes or adds into, dense there too (`Segment::carried`).
    carried: Vec<VarId>,
    /// How many statements touch each adjoint (see `definite`).
    touches: definite::Touches,
    /// The adjoints held as plain floats, found block by block as the sweep records them (see
    /// `definite`).
    definite: std::rc::Rc<definite::Definite>,
    /// The statement being recorded (see `definite::address`).
    current: usize,
    /// The adjoints certain to hold a value at the end of each nested block (see
    /// `definite::entries`).
    entries: std::collections::HashMap<usize, HashSet<VarId>>,
}

/// The variables whose adjoints the reverse of a statement without control flow reads or
/// writes: the adjoints of its results, which it reads, and of the active values it reads, which
/// it accumulates into.
fn adjoints_touched(s: &Stmt) -> Vec<VarId> {
    match s {
        Stmt::Let {
            var, op: Some(op), ..
        }
        | Stmt::Assign { var, op } => std::iter::once(*var).chain(op.inputs()).collect(),
        Stmt::LetTuple { vars, args, .. } => {
            vars.iter().copied().chain(call_inputs(args)).collect()
        }
        Stmt::Write { buf, value, .. }
        | Stmt::Push { buf, value }
        | Stmt::WriteField {
            base: buf, value, ..
        } => std::iter::once(*buf).chain(value.var()).collect(),
        _ => Vec::new(),
    }
}
