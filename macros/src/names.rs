//! Hygiene: the names the expansion generates never collide with the user's, and the user's
//! names are compared without their `r#` prefix.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use std::collections::HashSet;

/// The names of one expansion: the identifiers the user wrote in the annotated item, which the
/// names the expansion generates avoid.
///
/// Mixed-site hygiene keeps the compiler from confusing a generated `t1` with a user's `t1`, but
/// the expansion itself still compares some values by their tokens' text (an inactive
/// temporary bound to a literal, the user's word that spells a value in a type check), so a
/// generated name also never spells a name the user wrote.
pub(crate) struct Names {
    user: HashSet<String>,
}

impl Names {
    /// The names of the expansion of `item`.
    pub(crate) fn of(item: &TokenStream) -> Names {
        fn collect(tokens: TokenStream, names: &mut HashSet<String>) {
            for tree in tokens {
                match tree {
                    TokenTree::Ident(ident) => {
                        names.insert(unraw(&ident));
                    }
                    TokenTree::Group(group) => collect(group.stream(), names),
                    _ => {}
                }
            }
        }
        let mut user = HashSet::new();
        collect(item.clone(), &mut user);
        Names { user }
    }

    /// A generated identifier for a local: `name`, with trailing underscores until it spells no
    /// name of the user's. It depends only on `name` and the user's names, so every use of a
    /// generated name gets the same identifier.
    pub(crate) fn fresh(&self, name: &str) -> Ident {
        if !self.user.contains(name) {
            return Ident::new(name, Span::mixed_site());
        }
        let mut name = name.to_string();
        while self.user.contains(&name) {
            name.push('_');
        }
        Ident::new(&name, Span::mixed_site())
    }
}

/// A generated identifier that names an item (a rule function) or the wildcard `_`, never a
/// local: it keeps its spelling whatever names the user wrote.
pub(crate) fn item_ident(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// An identifier without its `r#` prefix.
pub(crate) fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::Names;
    use quote::quote;

    #[test]
    fn a_generated_name_never_spells_a_users_name() {
        let names = Names::of(&quote!(
            fn f(t1: f64, t1_: f64, r#c2: f64) -> f64 {
                t1
            }
        ));
        assert_eq!(names.fresh("t1").to_string(), "t1__");
        assert_eq!(names.fresh("c2").to_string(), "c2_");
        assert_eq!(names.fresh("t3").to_string(), "t3");
    }
}
