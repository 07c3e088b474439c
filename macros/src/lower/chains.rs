//! Iterator chains that end in a reduction, rewritten as the loops lowering differentiates.
//!
//! `x.iter().map(|v| v * v).sum::<f64>()` is, to the derivative, the loop
//! `{ let mut sum = 0.0; for v in x.iter() { sum += v * v; } sum }`, and lowering already
//! differentiates that loop (its source may be any iteration a `for` loop takes: a range,
//! `x.iter()`, `&x`, `.enumerate()`, `.zip(..)`). So before lowering, each chain
//! `source (.map(f) | .copied() | .cloned())* .reduction` is rewritten as such a block, with the
//! user's own tokens (the closures' patterns and bodies, spanned where the user wrote them), and
//! only the accumulator generated. The reductions are `sum`, `product` and `fold` (with a
//! closure or a path such as `f64::max`); a map is a closure of one parameter or a path
//! (`.map(f64::tanh)`). The annotated function itself is emitted as written: only the copy that
//! lowering reads is rewritten.
//!
//! A `sum` starts from `0.0` and a `product` from `1.0`, so the items are floats (of either
//! width: the literal takes the type of the items).

use super::syntax::strip_parens;
use crate::names::Names;
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::visit_mut::VisitMut;
use syn::{Expr, ExprMethodCall, Pat};

/// `func` with every iterator chain that ends in a reduction written as a loop.
pub(crate) fn rewritten(func: &syn::ItemFn, names: &Names) -> syn::ItemFn {
    let mut func = func.clone();
    let mut rewriter = Rewriter { names, next: 0 };
    rewriter.visit_block_mut(&mut func.block);
    func
}

struct Rewriter<'n> {
    names: &'n Names,
    next: usize,
}

impl VisitMut for Rewriter<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        // inner chains first: a chain in a closure body is a loop inside the outer loop
        syn::visit_mut::visit_expr_mut(self, e);
        if let Expr::MethodCall(m) = e
            && let Some(chain) = Chain::of(m)
        {
            self.next += 1;
            *e = chain.as_loop(self.names, self.next);
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// How a chain ends.
enum Reduction<'e> {
    Sum,
    Product,
    /// `fold(init, f)`: `f` a closure of two parameters, or a path called with two arguments.
    Fold(&'e Expr, &'e Expr),
}

/// A stage between the source and the reduction.
enum Stage<'e> {
    /// `.map(f)`: a closure of one parameter, or a path.
    Map(&'e Expr),
    /// `.copied()` or `.cloned()`: items by value.
    Copied,
}

struct Chain<'e> {
    source: &'e Expr,
    stages: Vec<Stage<'e>>,
    reduction: Reduction<'e>,
    /// The reduction's method name, where the rewritten code is spanned.
    at: Span,
}

impl<'e> Chain<'e> {
    /// The chain `m` ends, if it is one this rewriting takes: a reduction whose receiver is a
    /// source that is plainly an iterator (`x.iter()`, a range, ...) followed by maps and
    /// copies.
    fn of(m: &'e ExprMethodCall) -> Option<Self> {
        let reduction = match (m.method.to_string().as_str(), m.args.len()) {
            ("sum", 0) => Reduction::Sum,
            ("product", 0) => Reduction::Product,
            ("fold", 2) if callable(&m.args[1], 2) => Reduction::Fold(&m.args[0], &m.args[1]),
            _ => return None,
        };
        let mut stages = Vec::new();
        let mut receiver = &*m.receiver;
        while let Expr::MethodCall(inner) = strip_parens(receiver) {
            match (inner.method.to_string().as_str(), inner.args.len()) {
                ("map", 1) if callable(&inner.args[0], 1) => {
                    stages.push(Stage::Map(&inner.args[0]))
                }
                ("copied" | "cloned", 0) => stages.push(Stage::Copied),
                _ => break,
            }
            receiver = &inner.receiver;
        }
        if !is_iterator(receiver) {
            // `m.sum()` of a matrix, `(w * x).map(f).sum()`: nalgebra's own map and sum
            return None;
        }
        stages.reverse();
        Some(Chain {
            source: receiver,
            stages,
            reduction,
            at: m.method.span(),
        })
    }

    /// The chain as a block that runs it as a loop and evaluates to the reduction.
    fn as_loop(&self, names: &Names, number: usize) -> Expr {
        let at = self.at;
        let source = self.source;
        let mut stages = self.stages.iter().peekable();
        // The loop's pattern: the first closure's parameter where the chain starts with one (so
        // that `zip` and `enumerate` keep the tuple patterns a `for` loop needs), a generated
        // item otherwise.
        let (pattern, mut item): (TokenStream, TokenStream) = match stages.peek() {
            Some(Stage::Map(Expr::Closure(c))) if !matches!(c.inputs[0], Pat::Type(_)) => {
                stages.next();
                let (pattern, body) = (&c.inputs[0], &c.body);
                (quote!(#pattern), quote!(#body))
            }
            Some(Stage::Copied)
                if matches!(
                    self.stages.get(1),
                    Some(Stage::Map(Expr::Closure(c))) if matches!(c.inputs[0], Pat::Ident(_))
                ) =>
            {
                stages.next();
                let Some(Stage::Map(Expr::Closure(c))) = stages.next() else {
                    unreachable!("matched above")
                };
                let (pattern, body) = (&c.inputs[0], &c.body);
                (quote!(&#pattern), quote!(#body))
            }
            _ if self.stages.is_empty()
                && matches!(&self.reduction, Reduction::Fold(_, Expr::Closure(c))
                    if !matches!(c.inputs[1], Pat::Type(_))) =>
            {
                let Reduction::Fold(_, Expr::Closure(c)) = &self.reduction else {
                    unreachable!("matched above")
                };
                let pattern = &c.inputs[1];
                (quote!(#pattern), quote!(#pattern))
            }
            _ => {
                let item = names.fresh(&format!("item{number}"));
                (quote!(#item), quote!(#item))
            }
        };
        let mut body = Vec::new();
        for (i, stage) in stages.enumerate() {
            item = match stage {
                Stage::Copied => quote_spanned!(at=> *(#item)),
                Stage::Map(Expr::Closure(c)) => {
                    let (pattern, closure_body) = (&c.inputs[0], &c.body);
                    body.push(quote!(let #pattern = #item;));
                    quote!(#closure_body)
                }
                Stage::Map(path) => {
                    let mapped = names.fresh(&format!("mapped{number}_{i}"));
                    body.push(quote!(let #mapped = #path(#item);));
                    quote!(#mapped)
                }
            };
        }
        let block = match &self.reduction {
            Reduction::Sum | Reduction::Product => {
                let accumulator = names.fresh(&format!("reduced{number}"));
                let (start, update) = match self.reduction {
                    Reduction::Sum => (quote_spanned!(at=> 0.0), quote_spanned!(at=> +=)),
                    _ => (quote_spanned!(at=> 1.0), quote_spanned!(at=> *=)),
                };
                quote_spanned! {at=> {
                    let mut #accumulator = #start;
                    for #pattern in #source {
                        #(#body)*
                        #accumulator #update #item;
                    }
                    #accumulator
                }}
            }
            Reduction::Fold(init, Expr::Closure(c)) => {
                let accumulator = accumulator_name(&c.inputs[0])
                    .unwrap_or_else(|| names.fresh(&format!("reduced{number}")).to_token_stream());
                let closure_body = &c.body;
                let (item_pattern, folded) = (&c.inputs[1], quote!(#closure_body));
                // With no stage, the loop's pattern is the closure's item pattern itself.
                let bind = (!self.stages.is_empty()).then(|| quote!(let #item_pattern = #item;));
                quote_spanned! {at=> {
                    let mut #accumulator = #init;
                    for #pattern in #source {
                        #(#body)*
                        #bind
                        #accumulator = #folded;
                    }
                    #accumulator
                }}
            }
            Reduction::Fold(init, path) => {
                let accumulator = names.fresh(&format!("reduced{number}"));
                quote_spanned! {at=> {
                    let mut #accumulator = #init;
                    for #pattern in #source {
                        #(#body)*
                        #accumulator = #path(#accumulator, #item);
                    }
                    #accumulator
                }}
            }
        };
        syn::parse2(block).expect("a block parses as an expression")
    }
}

/// A closure of `arity` parameters without a return type (whose body lowering can inline), or a
/// path (a function such as `f64::tanh`).
fn callable(e: &Expr, arity: usize) -> bool {
    match e {
        Expr::Closure(c) => {
            c.inputs.len() == arity
                && c.output == syn::ReturnType::Default
                && c.asyncness.is_none()
                && c.capture.is_none()
        }
        Expr::Path(_) => true,
        _ => false,
    }
}

/// The accumulator of a fold's closure, `acc` or `mut acc`, as the loop's mutable variable.
fn accumulator_name(pattern: &Pat) -> Option<TokenStream> {
    match pattern {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
            let ident = &p.ident;
            Some(quote!(#ident))
        }
        _ => None,
    }
}

/// An expression that is plainly an iterator: `x.iter()`, `x.into_iter()`, a range, and those
/// through `enumerate`, `zip`, `rev`.
fn is_iterator(e: &Expr) -> bool {
    match strip_parens(e) {
        Expr::MethodCall(m) => match m.method.to_string().as_str() {
            "iter" | "into_iter" => true,
            "enumerate" | "zip" | "rev" => is_iterator(&m.receiver),
            _ => false,
        },
        Expr::Range(_) => true,
        _ => false,
    }
}
