//! Collects every error with its span, so that the user sees all of them at once.

use proc_macro2::TokenStream;
use quote::ToTokens;

#[derive(Default)]
pub(crate) struct Errors {
    all: Option<syn::Error>,
}

impl Errors {
    /// Records an error on the tokens of `at`.
    pub fn push(&mut self, at: &dyn ToTokens, message: impl std::fmt::Display) {
        self.add(syn::Error::new_spanned(at.to_token_stream(), message));
    }

    pub fn add(&mut self, error: syn::Error) {
        match &mut self.all {
            Some(all) => all.combine(error),
            None => self.all = Some(error),
        }
    }

    pub fn extend(&mut self, other: Errors) {
        if let Some(e) = other.all {
            self.add(e);
        }
    }

    /// How many errors were recorded.
    pub fn len(&self) -> usize {
        self.all
            .as_ref()
            .map_or(0, |e| e.clone().into_iter().count())
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_none()
    }

    /// The errors as `compile_error!` invocations, or nothing.
    pub fn into_compile_errors(self) -> TokenStream {
        self.all.map(|e| e.to_compile_error()).unwrap_or_default()
    }
}
