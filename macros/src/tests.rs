//! Tests of the expansion core, without a compiler.

use crate::expand::differentiate;
use proc_macro2::TokenStream;
use quote::quote;

/// Expands and pretty-prints; panics with the raw tokens if the output does not parse.
pub(crate) fn expand_pretty(args: TokenStream, item: TokenStream) -> String {
    let out = differentiate(args, item);
    match syn::parse2::<syn::File>(out.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(e) => panic!("expansion does not parse: {e}\n{out}"),
    }
}

#[test]
fn debug_print() {
    let Ok(src) = std::env::var("MATCALC_EXPAND") else {
        return;
    };
    let item: TokenStream = src.parse().expect("tokens");
    println!("{}", expand_pretty(quote!(), item));
}
