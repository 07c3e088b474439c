//! The forward sweep: runs the user's code, records each executed segment on the control tape,
//! and counts the trips of loops without control flow of their own.

use super::checkpointed::Looped;
use super::tape::{frames_name, sizeless_name, tape_name};
use super::{Open, Reverse, Segment};
use crate::ir::{Block, Op, Operand, Stmt, VarId};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashSet;

impl Reverse<'_> {
    /// The forward sweep of a block; records its segments.
    pub(super) fn block(&mut self, stmts: &Block) -> TokenStream {
        let mut code = Vec::new();
        let mut open = Open::default();
        self.in_scope.push(Vec::new());
        let dense = self.dense_here();
        let entry = self.entries.get(&(stmts.as_ptr() as usize));
        let entry = entry.cloned().unwrap_or_default();
        let definite = std::rc::Rc::make_mut(&mut self.definite);
        let known = (dense.as_slice(), &self.touches, &entry);
        super::definite::find(definite, self.m, stmts, self.live, known);
        let top = self.in_scope.len() == 1;
        for (index, s) in stmts.iter().enumerate() {
            self.current = super::definite::address(s);
            if top {
                self.top = index;
            }
            let (start, first) = (code.len(), self.segments.len());
            match s {
                Stmt::Return { values, spellings } => {
                    self.seed(values, &mut open, &mut code);
                    code.push(self.close(std::mem::take(&mut open)));
                    // out of the function, or out of the checkpointed loop this is in, which
                    // returns in turn (see `checkpointed`)
                    let label = self
                        .return_label
                        .clone()
                        .unwrap_or_else(|| body_label(self.m));
                    let value = self.m.returned_operands(values, spellings);
                    code.push(quote!(break #label #value;));
                }
                s if s.is_control() || s.may_exit() => {
                    code.push(self.close(std::mem::take(&mut open)));
                    code.push(self.control(s));
                }
                s => code.push(self.simple(s, &mut open)),
            }
            // the copies of the buffers that the statement's loops read again (see
            // `needs::frozen`), taken before it
            if top {
                let copies = self.frozen_copies(first);
                code.insert(start, copies);
            }
            let declared = self.in_scope.last_mut().expect("pushed above");
            match s {
                Stmt::Let { var, .. } => declared.push(*var),
                Stmt::LetTuple { vars, .. } => declared.extend(vars.iter().copied()),
                _ => {}
            }
        }
        self.in_scope.pop();
        code.push(self.close(open));
        // moved, not copied (see `emit::braced`)
        code.into_iter().collect()
    }

    /// Records a segment: its number on the control tape and its residuals on its own tape.
    fn close(&mut self, open: Open) -> TokenStream {
        if open.backward.is_empty() {
            return quote!();
        }
        let id = self.segments.len() as u32;
        let mut open = open;
        // In a loop whose range the pullback runs again, what has no size is kept once per
        // run: the iteration then pushes nothing it need not (see `counted_loop`).
        let sizeless = if self.counted && self.plan.is_some() {
            let sizeless = std::mem::take(&mut open.sizeless);
            open.residuals.retain(|r| !sizeless.contains(r));
            sizeless
        } else {
            Vec::new()
        };
        // The shape of each value the loop carries, for the pullback to make its adjoint
        // before it runs the loop backwards (see `Reverse::carried`); as the last iteration
        // left it, which is the shape the pullback starts from.
        let mut sizeless = sizeless;
        let mut shapes = Vec::new();
        let mut carried = Vec::new();
        if self.counted && self.plan.is_some() {
            let rt = crate::emit::rt();
            for &v in &self.carried {
                let zeros = self.m.fresh(&format!("{}_bar_zeros", self.m.vars[v].uniq));
                let value = self.m.pref(&Operand::Var {
                    id: v,
                    borrowed: false,
                });
                shapes.push(quote!(let #zeros = #rt::zeros_of(#value);));
                sizeless.push(zeros.clone());
                carried.push((v, zeros));
            }
        }
        let residuals = &open.residuals;
        let tape = tape_name(self.m, id);
        let code = if self.straight {
            quote!(#tape = (#(#residuals,)*);)
        } else if self.counted {
            let push = (!residuals.is_empty()).then(|| match self.reserved {
                true => quote!(#tape.push_reserved((#(#residuals,)*));),
                false => quote!(#tape.push((#(#residuals,)*));),
            });
            let once = (!sizeless.is_empty()).then(|| {
                let name = sizeless_name(self.m, id);
                quote!(#name = ::core::option::Option::Some((#(#sizeless,)*));)
            });
            quote!(#(#shapes)* #push #once)
        } else {
            let ctrl = self.m.fresh("ctrl");
            let ctrl = (!self.fixed && !self.structured).then(|| quote!(#ctrl.push(#id);));
            let push = (!residuals.is_empty()).then(|| {
                // a segment that runs at most once (see `Reverse::acyclic`)
                if self.acyclic || self.runs_once() {
                    quote!(#tape = ::core::option::Option::Some((#(#residuals,)*));)
                } else {
                    quote!(#tape.push((#(#residuals,)*));)
                }
            });
            quote!(#ctrl #push)
        };
        self.segments.push(Segment {
            id,
            residuals: open.residuals,
            backward: open.backward,
            touched: open.touched,
            repeated: false,
            checkpoint: None,
            recomputed: open.recomputed,
            plan: None,
            replays: open.replays,
            sizeless,
            dense: Vec::new(),
            carried,
            nested: self.nesting > 0,
            mirrored: self.mirrored.clone(),
            recorded: open.recorded,
            sources: Vec::new(),
        });
        self.skeleton.push(super::mirror::Node::Segment(id));
        code
    }

    fn control(&mut self, s: &Stmt) -> TokenStream {
        match s {
            // Loops record their trip counts (see `counted_loop`); every other shell is as the
            // user wrote it, its blocks recorded.
            Stmt::While {
                label,
                cond,
                body,
                checkpoint: Some(checkpoint),
            } => self.checkpointed(label, Looped::While { cond }, body, checkpoint),
            Stmt::For {
                label,
                pat,
                iter,
                body,
                checkpoint: Some(checkpoint),
            } => self.checkpointed(label, Looped::For { pat, iter }, body, checkpoint),
            Stmt::While {
                label, cond, body, ..
            } => {
                let label = label.as_ref().map(|l| quote!(#l:));
                self.counted_loop(body, None, |body, _| quote!(#label while #cond { #body }))
            }
            Stmt::For {
                label,
                pat,
                iter,
                body,
                ..
            } => {
                let label = label.as_ref().map(|l| quote!(#l:));
                self.counted_loop(
                    body,
                    Some((pat, iter)),
                    |body, iter| quote!(#label for #pat in #iter { #body }),
                )
            }
            Stmt::Verbatim(tokens) => tokens.clone(),
            shell => crate::emit::control_shell(shell, |block| self.block(block)),
        }
    }

    /// The variables declared before a flat loop whose adjoints its body reads or assigns, and
    /// which the pullback can hold as plain values while it runs the loop backwards: live,
    /// declared with a value (so that the iteration can take their shape), assigned in the body
    /// only by plain operations (not by a call, nor written by index or pushed to, whose
    /// adjoints the runtime takes apart in other ways), and not active parameters, which are
    /// dense anyway (`Reverse::dense`).
    fn carried_adjoints(&self, body: &Block) -> Vec<VarId> {
        let declared = declared_in(body);
        let mut excluded = HashSet::new();
        let mut touched = std::collections::BTreeSet::new();
        for s in body {
            s.walk(&mut |s| {
                match s {
                    Stmt::Assign {
                        var,
                        op: Op::Call { .. },
                    } => {
                        excluded.insert(*var);
                    }
                    Stmt::Write { buf, .. }
                    | Stmt::Push { buf, .. }
                    | Stmt::WriteField { base: buf, .. } => {
                        excluded.insert(*buf);
                    }
                    _ => {}
                }
                touched.extend(super::adjoints_touched(s));
            });
        }
        touched
            .into_iter()
            .filter(|v| {
                self.live.contains(v)
                    && !self.const_shape.contains(v)
                    && !self.deferred.contains(v)
                    && !declared.contains(v)
                    && !excluded.contains(v)
            })
            .collect()
    }

    /// The live variables declared before a loop that its body assigns, writes by index or
    /// pushes to: the adjoints the loop's reverse starts from.
    fn sources(&self, body: &Block) -> Vec<VarId> {
        let declared = declared_in(body);
        let mut sources: Vec<VarId> = super::recompute::assigned(body)
            .into_iter()
            .filter(|v| self.live.contains(v) && !declared.contains(v))
            .collect();
        // (in a fixed order: the expansion must not depend on hashing)
        sources.sort_unstable();
        sources
    }

    /// A `for` or `while` loop, `wrap` building it around its recorded body. A body without
    /// control flow of its own is one segment: the loop counts its trips and records the segment
    /// once with the count, and the pullback runs the segment's reverse that many times; the
    /// control tape then costs nothing per iteration.
    ///
    /// A `for` over a range (`iter`) knows its trip count before it starts: the body's tape
    /// reserves room for it, and grows no more in the loop.
    fn counted_loop(
        &mut self,
        body: &Block,
        looped: Option<(&TokenStream, &TokenStream)>,
        wrap: impl FnOnce(TokenStream, TokenStream) -> TokenStream,
    ) -> TokenStream {
        let iter = looped.map(|(_, iter)| iter.clone()).unwrap_or_default();
        let flat = super::is_flat(body);
        if !flat && self.structured {
            return self.mirrored_loop(body, looped, wrap);
        }
        if !flat {
            let body = self.block(body);
            return wrap(body, iter);
        }
        let carried = carried(body, &self.deferred);
        let sources = self.sources(body);
        let first = self.segments.len();
        let outer = std::mem::replace(&mut self.counted, true);
        // A loop over a range reserves its tape's room for its trips before it runs (below):
        // its body pushes without a call that returns (see the runtime's `push_reserved`).
        let over_range = matches!(
            syn::parse2::<syn::Expr>(iter.clone()),
            Ok(syn::Expr::Range(_))
        );
        let outer_reserved = std::mem::replace(&mut self.reserved, over_range);
        // Indices written again in the pullback; not inside a checkpointed loop, whose body's
        // tapes live in its arm (see `checkpointed`).
        let plan = looped
            .filter(|_| self.return_label.is_none())
            .and_then(|looped| {
                self.integers.plan(
                    self.m,
                    looped,
                    body,
                    (false, &self.available, self.frozen_here()),
                )
            });
        let outer_plan = std::mem::replace(&mut self.plan, plan);
        // (the segment of a flat body reverses the whole loop: not one of a mirrored body's)
        let outer_mirrored = self.mirrored.take();
        // Not inside a checkpointed loop either: its arm replays the body's segments on tapes
        // of its own.
        let outer_dense = std::mem::replace(&mut self.dense, self.return_label.is_none());
        let adjoints = if self.dense && self.plan.is_some() {
            self.carried_adjoints(body)
        } else {
            Vec::new()
        };
        let outer_carried = std::mem::replace(&mut self.carried, adjoints);
        let body = self.block(body);
        self.carried = outer_carried;
        let dense = std::mem::replace(&mut self.dense, outer_dense);
        let plan = std::mem::replace(&mut self.plan, outer_plan);
        self.mirrored = outer_mirrored;
        self.counted = outer;
        self.reserved = outer_reserved;
        debug_assert!(
            self.segments.len() <= first + 1,
            "a flat body is one segment"
        );
        let once = self.runs_once();
        let Some(segment) = self.segments.get_mut(first) else {
            // nothing to differentiate in the body
            return wrap(body, iter);
        };
        segment.repeated = true;
        segment.sources = sources;
        // (where loops are mirrored, the parameters' adjoints are dense throughout the pullback)
        if dense && !self.structured {
            let mut made: Vec<VarId> = segment
                .touched
                .intersection(&self.const_shape)
                .copied()
                .collect();
            made.sort_unstable();
            segment.dense = made;
        }
        if !segment.recomputed.is_empty() || !segment.sizeless.is_empty() {
            segment.plan = plan;
        }
        let id = segment.id;
        let (trips, count, ctrl) = (
            self.m.fresh("trips"),
            self.m.fresh("count"),
            self.m.fresh("ctrl"),
        );
        let tape = (!segment.residuals.is_empty()).then(|| tape_name(self.m, id));
        // A range holds no borrow of a temporary, so it can be bound before the loop.
        let range = over_range && (tape.is_some() || segment.plan.is_some());
        // the frame of the loop holds its range (see below)
        let planned = range && segment.plan.is_some();
        let (bind, iter, frame) = if range {
            let range = self.m.fresh("range");
            let reserve = tape
                .map(|tape| quote!(#tape.reserve(::core::iter::Iterator::size_hint(&#range).0);));
            match &segment.plan {
                // the pullback runs the range again, backwards, with the integers it reads
                Some(plan) => {
                    let (frames, invariants) = (frames_name(self.m, id), &plan.invariants);
                    let sizeless =
                        (!segment.sizeless.is_empty()).then(|| sizeless_name(self.m, id));
                    let declare = sizeless
                        .as_ref()
                        .map(|s| quote!(let mut #s = ::core::option::Option::None;));
                    // (a range the pullback writes again is not kept)
                    let kept_range = plan.range_again.is_none().then(|| quote!(#range,));
                    let sizeless_item = sizeless.as_ref().map(|s| quote!(#s,));
                    (
                        quote!(let #range = #iter; #reserve #declare),
                        quote!(::core::clone::Clone::clone(&#range)),
                        if once {
                            quote!(#frames = ::core::option::Option::Some((#kept_range #(#invariants,)* #sizeless_item));)
                        } else {
                            quote!(#frames.push((#kept_range #(#invariants,)* #sizeless_item));)
                        },
                    )
                }
                None => (
                    quote!(let #range = #iter; #reserve),
                    quote!(#range),
                    quote!(),
                ),
            }
        } else {
            (quote!(), iter, quote!())
        };
        let looped = wrap(quote!(#body #count += 1;), iter);
        let carried: Vec<TokenStream> = carried
            .into_iter()
            .map(|v| {
                let x = self.m.primal(v);
                quote!(#x = ::core::hint::black_box(#x);)
            })
            .collect();
        let ctrl = (!self.fixed && !self.structured).then(|| quote!(#ctrl.push(#id);));
        // (a loop whose pullback runs its range again, kept in its frame or written again, needs
        // no trip count)
        let trips = (!planned).then(|| quote!(#trips.push(#count);));
        quote!({
            let mut #count: usize = 0;
            #bind
            #(#carried)*
            #looped
            #(#carried)*
            #frame
            #ctrl
            #trips
        })
    }
}

impl Reverse<'_> {
    /// Whether what is being recorded runs at most once: outside every loop with loops of its
    /// own, in a function whose control flow is fixed or static (see `mirror`).
    fn runs_once(&self) -> bool {
        (self.fixed || self.structured) && self.nesting == 0
    }

    /// The buffers that nothing writes from the statement being recorded on (see
    /// `needs::frozen`), where the control flow lets the pullback read them off copies.
    fn frozen_here(&self) -> Option<&HashSet<VarId>> {
        self.frozen.get(self.top)
    }

    /// The copies, not taken yet, of the buffers that the plans of the segments recorded from
    /// `first` on read again.
    fn frozen_copies(&mut self, first: usize) -> TokenStream {
        let mut read: Vec<VarId> = self.segments[first..]
            .iter()
            .filter(|s| s.replays)
            .filter_map(Segment::recompute_plan)
            .flat_map(|p| p.values.frozen.iter().copied())
            .filter(|v| !self.frozen_taken.contains(v))
            .collect();
        read.sort_unstable();
        read.dedup();
        read.into_iter()
            .map(|v| {
                self.frozen_taken.insert(v);
                let (slot, x) = (&self.frozen_slots[&v], self.m.primal(v));
                quote!(#slot = ::core::option::Option::Some(::core::clone::Clone::clone(&#x));)
            })
            .collect()
    }

    /// A loop whose body has loops of its own, in a function whose control flow is static: it
    /// records its trip count, and the pullback runs its body's reverse that many times (see
    /// `mirror`). A loop over a range with a plain counter records the range instead, with the
    /// integers its body's index arithmetic reads from outside it, and the pullback runs the
    /// range backwards: the indices of the body's own statements are written again from the
    /// counter, not kept (see `recompute`).
    fn mirrored_loop(
        &mut self,
        body: &Block,
        looped: Option<(&TokenStream, &TokenStream)>,
        wrap: impl FnOnce(TokenStream, TokenStream) -> TokenStream,
    ) -> TokenStream {
        let iter = looped.map(|(_, iter)| iter.clone()).unwrap_or_default();
        let plan = looped
            .and_then(|looped| {
                self.integers.plan(
                    self.m,
                    looped,
                    body,
                    (true, &self.available, self.frozen_here()),
                )
            })
            .filter(|plan| plan.counter.is_some());
        // what the pullback has where it runs the body backwards (see `recompute::Plan`)
        let outer_available = self.available.clone();
        if let Some(plan) = &plan {
            let counter = plan.counter.iter();
            let kept = counter.chain(&plan.invariants).map(ToString::to_string);
            self.available.extend(kept);
        }
        let mirrored = plan.clone().map(std::rc::Rc::new);
        let outer_plan = std::mem::replace(&mut self.plan, plan);
        let outer_mirrored = std::mem::replace(&mut self.mirrored, mirrored);
        let mark = self.skeleton.len();
        self.nesting += 1;
        let body = self.block(body);
        self.nesting -= 1;
        let mirrored = std::mem::replace(&mut self.mirrored, outer_mirrored);
        self.plan = outer_plan;
        self.available = outer_available;
        let inner = self.skeleton.split_off(mark);
        if inner.is_empty() {
            // nothing to differentiate in the body
            return wrap(body, iter);
        }
        let Some(plan) = mirrored else {
            self.skeleton.push(super::mirror::Node::Loop(inner, None));
            let (trips, count) = (self.m.fresh("trips"), self.m.fresh("count"));
            let looped = wrap(quote!(#body #count += 1;), iter);
            return quote!({
                let mut #count: usize = 0;
                #looped
                #trips.push(#count);
            });
        };
        let counter = plan.counter.clone().expect("filtered above");
        let invariants = plan.invariants.clone();
        // A range the pullback writes again, with no integers to keep, needs no tape.
        if let (Some(again), true) = (&plan.range_again, invariants.is_empty()) {
            let frame = super::mirror::Frame {
                kept: None,
                again: Some(again.clone()),
                counter,
                invariants,
            };
            self.skeleton
                .push(super::mirror::Node::Loop(inner, Some(frame)));
            return wrap(body, iter);
        }
        let number = self.mirror_frames.len();
        let (frames, cursor) = (
            self.m.fresh(&format!("ranges{number}")),
            self.m.fresh(&format!("range_cursor{number}")),
        );
        self.mirror_frames.push((frames.clone(), cursor.clone()));
        let range = self.m.fresh("range");
        let kept_range = plan.range_again.is_none().then(|| quote!(#range,));
        let looped = wrap(body, quote!(::core::clone::Clone::clone(&#range)));
        let frame = super::mirror::Frame {
            kept: Some((frames.clone(), cursor)),
            again: plan.range_again.clone(),
            counter,
            invariants: invariants.clone(),
        };
        self.skeleton
            .push(super::mirror::Node::Loop(inner, Some(frame)));
        quote!({
            let #range = #iter;
            #looped
            #frames.push((#kept_range #(#invariants,)*));
        })
    }
}

/// The variables a loop body carries from one iteration to the next: those it assigns that are
/// declared before it with a value, or are parameters. Each goes through `black_box` before the
/// loop starts and once it ends. Live across the calls that record around the loop (tape pushes,
/// the reservation of the loop's tape), such a value is spilled by LLVM's register allocator for
/// its whole live range, in the loop too: a store and a load on the critical path of every
/// iteration, which made the recording sweep of a sum over a slice cost 4.8 times the function
/// itself instead of 2, and that of GMM's innermost loop 2.3 times instead of 1.8. The calls at
/// the loop's entry and exit give the value in the loop a live range of its own, which stays in
/// a register.
pub(super) fn carried(body: &Block, deferred: &HashSet<VarId>) -> Vec<VarId> {
    let declared = declared_in(body);
    let mut assigned = Vec::new();
    let mut seen = HashSet::new();
    for s in body {
        s.walk(&mut |s| {
            if let Stmt::Assign { var, .. } = s
                && seen.insert(*var)
            {
                assigned.push(*var);
            }
        });
    }
    // (a deferred `let x;` may still be uninitialized after the loop)
    assigned.retain(|v| !declared.contains(v) && !deferred.contains(v));
    assigned
}

/// The variables a loop body declares, at any depth: its own, not carried from one iteration
/// to the next.
fn declared_in(body: &Block) -> HashSet<VarId> {
    let mut declared = HashSet::new();
    for s in body {
        s.walk(&mut |s| match s {
            Stmt::Let { var, .. } => {
                declared.insert(*var);
            }
            Stmt::LetTuple { vars, .. } => declared.extend(vars.iter().copied()),
            _ => {}
        });
    }
    declared
}

/// The variables declared without a value (`let x;`), which [`carried`] leaves alone.
pub(super) fn deferred(m: &crate::emit::Model) -> HashSet<VarId> {
    let mut deferred = std::collections::HashSet::new();
    for s in &m.stmts {
        s.walk(&mut |s| {
            if let Stmt::Let { var, op: None, .. } = s {
                deferred.insert(*var);
            }
        });
    }
    deferred
}

pub(super) fn body_label(m: &crate::emit::Model) -> syn::Lifetime {
    syn::Lifetime {
        apostrophe: proc_macro2::Span::mixed_site(),
        ident: m.fresh("body"),
    }
}
