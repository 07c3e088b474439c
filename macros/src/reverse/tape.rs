//! The tapes: the residuals a segment keeps for the backward sweep (each kept once), and the
//! names of the tapes and their cursors.

use super::{Open, Reverse};
use crate::emit::rt;
use crate::ir::{Operand, VarId};
use proc_macro2::{Delimiter, Group, Ident, TokenStream};
use quote::quote;

/// What a residual keeps: the key under which a segment keeps a value once. Two reads of the
/// same value with nothing written in between are the same key; a write of a variable forgets
/// the keys that read it (see [`Kept::reads`]).
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) enum Kept {
    /// An owned copy of an operand (`save`), through the witness `guard` when it has one.
    Value(Read, Option<usize>),
    /// The type of an operand (`type_of`), zero-sized; through the witness `guard` likewise.
    Type(Read, Option<usize>),
    /// The shape of a variable (`zeros_of`), for a zero adjoint of it.
    Shape(VarId),
    /// An inactive index.
    Index(String),
    /// The witness of a guard (see `ir::Guard`).
    Witness(usize),
    /// A value kept for one use: a pullback, the partials of a rule (numbered).
    Once(usize),
    /// An index of a loop's iteration that the pullback cannot compute again, by its name:
    /// it reads it off the tape, and the values at it again (see `recompute::Plan::recorded`).
    Recorded(String),
}

/// A value a [`Kept`] reads: an active variable, or an inactive one (by its name in the model),
/// which only inactive code, kept as written, can change.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) enum Read {
    Var(VarId),
    Const(String),
}

impl Read {
    pub(super) fn of(o: &Operand) -> Read {
        match o {
            Operand::Var { id, .. } => Read::Var(*id),
            Operand::Const(c) => Read::Const(c.to_string()),
        }
    }
}

impl Kept {
    /// The active variable whose write forgets this key, if any.
    fn reads(&self) -> Option<VarId> {
        match self {
            Kept::Value(Read::Var(v), _) | Kept::Type(Read::Var(v), _) | Kept::Shape(v) => Some(*v),
            _ => None,
        }
    }
}

impl Reverse<'_> {
    /// Keeps `value`, which computes what `kept` names, for the backward sweep; returns the
    /// name it has there (a reference).
    pub(super) fn residual(
        &mut self,
        kept: Kept,
        value: TokenStream,
        open: &mut Open,
        code: &mut Vec<TokenStream>,
    ) -> Ident {
        if let Some(r) = open.kept.get(&kept) {
            return r.clone();
        }
        // a shape kept once for the whole call (see `needs::shaped_once`)
        if let Kept::Shape(v) = &kept
            && let Some(slot) = self.shaped.get(v)
        {
            let rt = rt();
            let r = self.recomputed(quote!(*#rt::recorded(&#slot)), open);
            open.kept.insert(kept, r.clone());
            return r;
        }
        // a value the pullback computes again (see `recompute`)
        if let Some(plan) = &self.plan
            && let Some(values) = plan.values.recomputes(&kept, &plan.names)
        {
            open.replays |= values;
            let r = self.recomputed(value, open);
            open.kept.insert(kept, r.clone());
            return r;
        }
        // A copy kept through a witness serves a read without one: the same value, and the
        // witness only says whether its type checked.
        // (The first such copy, by its guard: the expansion must not depend on hashing.)
        if let Kept::Value(read, None) = &kept
            && let Some((_, r)) = open
                .kept
                .iter()
                .filter_map(|(k, r)| match k {
                    Kept::Value(other, Some(guard)) if other == read => Some((*guard, r)),
                    _ => None,
                })
                .min_by_key(|(guard, _)| *guard)
        {
            return r.clone();
        }
        self.next_residual += 1;
        let r = self.m.fresh(&format!("r{}", self.next_residual));
        // the value moved into place, not copied (see `emit::braced`)
        code.push(TokenStream::from_iter([quote!(let #r =), value, quote!(;)]));
        open.residuals.push(r.clone());
        if matches!(kept, Kept::Witness(_) | Kept::Type(..)) {
            open.sizeless.push(r.clone());
        }
        open.kept.insert(kept, r.clone());
        r
    }

    /// Names `value` for the pullback, which computes it again (see `recompute`).
    pub(super) fn recomputed(&mut self, value: TokenStream, open: &mut Open) -> Ident {
        self.next_residual += 1;
        let r = self.m.fresh(&format!("r{}", self.next_residual));
        open.recomputed.push((r.clone(), value));
        r
    }

    /// Keeps `value` for one use (a pullback, a rule's partials): never shared.
    pub(super) fn residual_once(
        &mut self,
        value: TokenStream,
        open: &mut Open,
        code: &mut Vec<TokenStream>,
    ) -> Ident {
        self.residual(Kept::Once(self.next_residual + 1), value, open, code)
    }

    /// Forgets what a segment keeps of the variables `written`: a later read is of a new value.
    pub(super) fn forget(open: &mut Open, written: &[VarId]) {
        open.kept
            .retain(|kept, _| kept.reads().is_none_or(|v| !written.contains(&v)));
    }

    /// Keeps the adjoint type of a variable (the runtime's `type_of`, zero-sized)
    /// for an adjoint that arrives in another type.
    pub(super) fn adjoint_type(
        &mut self,
        id: VarId,
        open: &mut Open,
        code: &mut Vec<TokenStream>,
    ) -> Ident {
        let rt = rt();
        let x = self.m.pref(&Operand::Var {
            id,
            borrowed: false,
        });
        self.residual(
            Kept::Type(Read::Var(id), None),
            quote!(#rt::type_of(#x)),
            open,
            code,
        )
    }

    /// What takes an adjoint of the pullback through the witness of `guard` (see
    /// `ir::Guard`): the witness, which has no size, is kept as a residual, so that the
    /// pullback captures none.
    pub(super) fn through(
        &mut self,
        guard: &Option<crate::ir::Guard>,
        open: &mut Open,
        code: &mut Vec<TokenStream>,
    ) -> impl Fn(TokenStream) -> TokenStream + use<> {
        let rt = rt();
        let kept = guard.as_ref().map(|g| {
            let w = self.m.witness(g.id);
            self.residual(Kept::Witness(g.id), quote!(#w), open, code)
        });
        move |value| match &kept {
            Some(w) => {
                let args = Group::new(
                    Delimiter::Parenthesis,
                    TokenStream::from_iter([quote!(#w,), value]),
                );
                quote!(#rt::guard_value #args)
            }
            None => value,
        }
    }
}

pub(super) fn tape_name(m: &crate::emit::Model, id: u32) -> Ident {
    m.fresh(&format!("tape{id}"))
}

pub(super) fn cursor_name(m: &crate::emit::Model, id: u32) -> Ident {
    m.fresh(&format!("cursor{id}"))
}

/// The tape of the ranges (and integers) of a loop whose indices the pullback recomputes.
pub(super) fn frames_name(m: &crate::emit::Model, id: u32) -> Ident {
    m.fresh(&format!("frames{id}"))
}

/// The residuals of no size of one run of a loop (see `Open::sizeless`).
pub(super) fn sizeless_name(m: &crate::emit::Model, id: u32) -> Ident {
    m.fresh(&format!("sizeless{id}"))
}

pub(super) fn frame_name(m: &crate::emit::Model, id: u32) -> Ident {
    m.fresh(&format!("frame{id}"))
}
