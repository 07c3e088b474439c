//! Hygiene: the names the expansion generates never collide with the user's, and the user's
//! names are compared without their `r#` prefix.

use proc_macro2::{Ident, Span, TokenStream};
use std::collections::HashSet;

/// A hygienic identifier: generated locals never collide with the user's names.
///
/// Mixed-site hygiene keeps the compiler from confusing a generated `t1` with a user's `t1`, but
/// the expansion itself compares values by their tokens' text (residuals read twice are kept
/// once), so a generated name also never spells a name the user wrote: it takes trailing
/// underscores until it does not. The mapping depends only on the name and the user's names, so
/// every use of a generated name gets the same identifier.
pub(crate) fn hygienic(name: &str) -> Ident {
    let mut name = name.to_string();
    USER_NAMES.with(|names| {
        let names = names.borrow();
        while names.contains(&name) {
            name.push('_');
        }
    });
    Ident::new(&name, Span::mixed_site())
}

/// A generated identifier that names an item (a rule function) or the wildcard `_`, never a
/// local: it keeps its spelling whatever names the user wrote.
pub(crate) fn item_ident(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

thread_local! {
    /// Every identifier of the item being expanded (see [`hygienic`]).
    static USER_NAMES: std::cell::RefCell<HashSet<String>> = std::cell::RefCell::default();
}

/// Runs `expand` with the identifiers of `item` as the names [`hygienic`] avoids.
pub(crate) fn with_user_names<R>(item: &TokenStream, expand: impl FnOnce() -> R) -> R {
    fn collect(tokens: TokenStream, names: &mut HashSet<String>) {
        for tree in tokens {
            match tree {
                proc_macro2::TokenTree::Ident(ident) => {
                    names.insert(ident.to_string().trim_start_matches("r#").to_string());
                }
                proc_macro2::TokenTree::Group(group) => collect(group.stream(), names),
                _ => {}
            }
        }
    }
    let mut names = HashSet::new();
    collect(item.clone(), &mut names);
    let outer = USER_NAMES.with(|cell| cell.replace(names));
    let result = expand();
    USER_NAMES.with(|cell| cell.replace(outer));
    result
}

/// An identifier without its `r#` prefix.
pub(crate) fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}
