//! The tapes: the residuals a segment keeps for the backward sweep (each kept once), and the
//! names of the tapes and their cursors.

use super::{Open, Reverse};
use crate::emit::rt;
use crate::ir::{Operand, VarId};
use crate::names::hygienic;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

impl Reverse<'_> {
    /// Keeps a value for the backward sweep; returns the name it has there (a reference).
    pub(super) fn residual(
        &mut self,
        value: TokenStream,
        open: &mut Open,
        code: &mut Vec<TokenStream>,
    ) -> Ident {
        let key = value.to_string();
        if let Some(r) = open.kept.get(&key) {
            return r.clone();
        }
        self.next_residual += 1;
        let r = hygienic(&format!("r{}", self.next_residual));
        code.push(quote!(let #r = #value;));
        open.residuals.push(r.clone());
        for name in words(&key) {
            open.kept_by_name
                .entry(name.to_string())
                .or_default()
                .push(key.clone());
        }
        open.kept.insert(key, r.clone());
        r
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
        self.residual(quote!(#rt::type_of(#x)), open, code)
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
            let w = crate::emit::witness(g.id);
            self.residual(quote!(#w), open, code)
        });
        move |value| match &kept {
            Some(w) => quote!(#rt::guard_value(#w, #value)),
            None => value,
        }
    }
}

pub(super) fn tape_name(id: u32) -> Ident {
    hygienic(&format!("tape{id}"))
}

/// The names in the text of an expression.
fn words(key: &str) -> impl Iterator<Item = &str> {
    key.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
}

pub(super) fn cursor_name(id: u32) -> Ident {
    hygienic(&format!("cursor{id}"))
}
