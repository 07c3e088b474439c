//! Helpers over the user's syntax, shared by the parts of lowering.

use crate::ir::{BinOp, Operand, Spelling, VarId};
use crate::known;
use crate::names::{item_ident, unraw};
use proc_macro2::Span;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Expr, ExprMacro, Pat, Token};

/// An active variable as an operand, not borrowed.
pub(super) fn var_operand(id: VarId) -> Operand {
    Operand::Var {
        id,
        borrowed: false,
    }
}

/// The path of a function of the runtime's `linalg` module.
pub(super) fn linalg_path(function: &str) -> syn::Path {
    let function = item_ident(function);
    syn::parse_quote!(::matcalc::__private::linalg::#function)
}

pub(super) fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

pub(super) fn block_tail(b: &syn::Block) -> Option<&Expr> {
    match b.stmts.last()? {
        syn::Stmt::Expr(e, None) => Some(e),
        _ => None,
    }
}

pub(super) fn compound_op(op: &syn::BinOp) -> Option<BinOp> {
    use syn::BinOp as B;
    match op {
        B::AddAssign(_) => Some(BinOp::Add),
        B::SubAssign(_) => Some(BinOp::Sub),
        B::MulAssign(_) => Some(BinOp::Mul),
        B::DivAssign(_) => Some(BinOp::Div),
        _ => None,
    }
}

pub(super) fn is_other_compound(op: &syn::BinOp) -> bool {
    use syn::BinOp as B;
    matches!(
        op,
        B::RemAssign(_)
            | B::BitXorAssign(_)
            | B::BitAndAssign(_)
            | B::BitOrAssign(_)
            | B::ShlAssign(_)
            | B::ShrAssign(_)
    )
}

pub(super) fn macro_name(mac: &syn::Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

#[allow(clippy::large_enum_variant)]
pub(super) enum VecMacro {
    Repeat(Expr, Expr),
    List(Vec<Expr>),
}

pub(super) fn parse_vec_macro(m: &ExprMacro) -> Option<VecMacro> {
    use syn::parse::Parser;
    let repeat = |input: syn::parse::ParseStream| {
        let elem: Expr = input.parse()?;
        input.parse::<Token![;]>()?;
        let len: Expr = input.parse()?;
        Ok(VecMacro::Repeat(elem, len))
    };
    if let Ok(r) = repeat.parse2(m.mac.tokens.clone()) {
        return Some(r);
    }
    let list = Punctuated::<Expr, Token![,]>::parse_terminated;
    list.parse2(m.mac.tokens.clone())
        .ok()
        .map(|items| VecMacro::List(items.into_iter().collect()))
}

/// `f64::sin(x)`, `f32::max(a, b)`: a float method called through its type.
pub(super) fn is_scalar_function(c: &syn::ExprCall) -> bool {
    let Expr::Path(p) = &*c.func else {
        return false;
    };
    let segments = &p.path.segments;
    segments.len() == 2
        && matches!(segments[0].ident.to_string().as_str(), "f32" | "f64")
        && known::scalar(&segments[1].ident.to_string()).is_some()
        && !c.args.is_empty()
}

/// The names a pattern binds.
pub(super) fn pattern_names(pat: &Pat) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(unraw(&p.ident));
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut names = Names(Vec::new());
    names.visit_pat(pat);
    names.0
}

/// Whether a loop body has a `break` that leaves the loop (its own, or a labelled one).
pub(super) fn breaks_out(body: &syn::Block) -> bool {
    struct Breaks {
        depth: usize,
        found: bool,
    }
    impl<'a> Visit<'a> for Breaks {
        fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
            if self.depth == 0 || b.label.is_some() {
                self.found = true;
            }
            syn::visit::visit_expr_break(self, b);
        }
        fn visit_expr_loop(&mut self, l: &'a syn::ExprLoop) {
            self.depth += 1;
            syn::visit::visit_expr_loop(self, l);
            self.depth -= 1;
        }
        fn visit_expr_while(&mut self, w: &'a syn::ExprWhile) {
            self.depth += 1;
            syn::visit::visit_expr_while(self, w);
            self.depth -= 1;
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.depth += 1;
            syn::visit::visit_expr_for_loop(self, f);
            self.depth -= 1;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut breaks = Breaks {
        depth: 0,
        found: false,
    };
    breaks.visit_block(body);
    breaks.found
}

/// Where an expression stands in the user's code (see [`Spelling`]).
pub(super) fn ends(tokens: &dyn ToTokens) -> Spelling {
    let mut trees = tokens.to_token_stream().into_iter();
    let first = trees.next();
    let last = trees.last().map(|t| t.span());
    match (first, last) {
        (Some(proc_macro2::TokenTree::Ident(word)), None) => Spelling::Word(word),
        (first, last) => {
            let first = first.map_or_else(Span::call_site, |t| t.span());
            Spelling::Tokens(first, last)
        }
    }
}

/// `x.column(j)`, `x.rows(i, n)`, `x.view((i, j), (r, c))` and the other views of nalgebra.
pub(super) fn is_view(e: &Expr) -> bool {
    matches!(strip_parens(e), Expr::MethodCall(m)
        if !m.args.is_empty() && known::VIEW_METHODS.contains(&m.method.to_string().as_str()))
}
