//! Iterator chains that end in a reduction, rewritten as the loops lowering differentiates.
//!
//! `x.iter().map(|v| v * v).sum::<f64>()` is, to the derivative, the loop
//! `{ let mut sum = 0.0; for v in x.iter() { sum += v * v; } sum }`, and lowering already
//! differentiates that loop (its source may be any iteration a `for` loop takes: a range,
//! `x.iter()`, `&x`, `.enumerate()`, `.zip(..)`). So before lowering, each chain
//! `source (.map(f) | .filter(p) | .copied() | .cloned())* .reduction` is rewritten as such a
//! block, with the user's own tokens (the closures' patterns and bodies, spanned where the user
//! wrote them), and only the accumulator generated. A map is a closure of one parameter or a
//! path (`.map(f64::tanh)`); a filter's predicate (a closure) becomes
//! `if !predicate { continue; }`, a condition whose value is never active. The reductions:
//!
//! - `sum` and `product`, from `0.0` and `1.0` (so the items are floats, of either width: the
//!   literal takes the type of the items);
//! - `fold(init, f)`, with a closure or a path such as `f64::max`;
//! - `max_by(c)`, `min_by(c)` and `reduce(f)` followed by `.unwrap()` or `.expect(..)`: the loop
//!   keeps the best item so far and whether it has seen one, and asserts that it has, as the
//!   `unwrap` would. Ties go as in `std`: `max_by` keeps the last maximum, `min_by` the first
//!   minimum. Over references (`x.iter().max_by(..)`) the value is the float itself, not a
//!   reference to it (a `*` before the chain is dropped with it);
//! - `collect()` into a `Vec` (the type as the user writes it), pushed item by item (items
//!   behind references are copied).
//!
//! The annotated function itself is emitted as written: only the copy that lowering reads is
//! rewritten.

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
        // `*x.iter().max_by(..).unwrap()`: the loop yields the float itself
        let chain = match e {
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => match strip_parens(&u.expr) {
                Expr::MethodCall(m) => Chain::of(m).filter(Chain::yields_a_copied_reference),
                _ => None,
            },
            Expr::MethodCall(m) => Chain::of(m),
            _ => None,
        };
        if let Some(chain) = chain {
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
    /// `max_by(c)` (`largest`) or `min_by(c)`, then `unwrap` or `expect`: `c` compares two
    /// items by reference.
    Extremum {
        largest: bool,
        compare: &'e Expr,
    },
    /// `reduce(f)`, then `unwrap` or `expect`.
    Reduce(&'e Expr),
    /// `collect()` into a `Vec`.
    Collect,
}

impl Reduction<'_> {
    /// Whether the reduction ends in one of the items (so a chain of references yields one).
    fn is_an_item(&self) -> bool {
        matches!(self, Reduction::Extremum { .. } | Reduction::Reduce(_))
    }
}

/// A stage between the source and the reduction.
enum Stage<'e> {
    /// `.map(f)`: a closure of one parameter, or a path.
    Map(&'e Expr),
    /// `.filter(p)`: a closure of one parameter, called with a reference to the item.
    Filter(&'e syn::ExprClosure),
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
        let (reduction, reduced, at) = match (m.method.to_string().as_str(), m.args.len()) {
            ("sum", 0) => (Reduction::Sum, &*m.receiver, m.method.span()),
            ("product", 0) => (Reduction::Product, &*m.receiver, m.method.span()),
            ("fold", 2) if callable(&m.args[1], 2) => (
                Reduction::Fold(&m.args[0], &m.args[1]),
                &*m.receiver,
                m.method.span(),
            ),
            ("collect", 0) => (Reduction::Collect, &*m.receiver, m.method.span()),
            ("unwrap", 0) | ("expect", 1) => {
                let Expr::MethodCall(inner) = strip_parens(&m.receiver) else {
                    return None;
                };
                let reduction = match (inner.method.to_string().as_str(), inner.args.len()) {
                    ("max_by" | "min_by", 1) if callable(&inner.args[0], 2) => {
                        Reduction::Extremum {
                            largest: inner.method == "max_by",
                            compare: &inner.args[0],
                        }
                    }
                    ("reduce", 1) if callable(&inner.args[0], 2) => {
                        Reduction::Reduce(&inner.args[0])
                    }
                    _ => return None,
                };
                (reduction, &*inner.receiver, inner.method.span())
            }
            _ => return None,
        };
        let mut stages = Vec::new();
        let mut receiver = reduced;
        while let Expr::MethodCall(inner) = strip_parens(receiver) {
            match (inner.method.to_string().as_str(), inner.args.len()) {
                ("map", 1) if callable(&inner.args[0], 1) => {
                    stages.push(Stage::Map(&inner.args[0]))
                }
                // a closure: a path would be called as a function of active values
                ("filter", 1) => match &inner.args[0] {
                    Expr::Closure(c) if callable(&inner.args[0], 1) => {
                        stages.push(Stage::Filter(c))
                    }
                    _ => break,
                },
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
        let chain = Chain {
            source: receiver,
            stages,
            reduction,
            at,
        };
        // An extremum or a collection of pairs (`enumerate().max_by(..)`) has no float to keep:
        // left to lowering, which names the adaptor.
        let by_value = chain.items_by_value();
        let keeps_items =
            chain.reduction.is_an_item() || matches!(chain.reduction, Reduction::Collect);
        (!keeps_items || by_value || chain.items_are_references()).then_some(chain)
    }

    /// Whether the items reach the reduction as values: through a map or a copy.
    fn items_by_value(&self) -> bool {
        self.stages
            .iter()
            .any(|s| matches!(s, Stage::Map(_) | Stage::Copied))
    }

    /// Whether the items reach the reduction as references to floats: `x.iter()` or `&x`
    /// (possibly reversed), with only filters between.
    fn items_are_references(&self) -> bool {
        fn walks_references(e: &Expr) -> bool {
            match strip_parens(e) {
                Expr::MethodCall(m) if m.method == "rev" => walks_references(&m.receiver),
                Expr::MethodCall(m) => m.method == "iter" && m.args.is_empty(),
                _ => false,
            }
        }
        !self.items_by_value() && walks_references(self.source)
    }

    /// Whether the chain yields one of its items, a float behind a reference that the loop
    /// copies (so a `*` before it goes too).
    fn yields_a_copied_reference(&self) -> bool {
        self.reduction.is_an_item() && self.items_are_references()
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
            _ => fresh_pattern(self.source, names, &format!("item{number}")),
        };
        let mut body = Vec::new();
        for (i, stage) in stages.enumerate() {
            item = match stage {
                Stage::Copied => quote_spanned!(at=> *(#item)),
                Stage::Filter(c) => {
                    let item = bound_once(item, &mut body, || {
                        names.fresh(&format!("kept{number}_{i}"))
                    });
                    let (pattern, predicate) = (&c.inputs[0], &c.body);
                    body.push(
                        quote_spanned! {at=> if !{ let #pattern = &#item; #predicate } {
                            continue;
                        }},
                    );
                    item
                }
                Stage::Map(Expr::Closure(c)) => {
                    let (pattern, closure_body) = (&c.inputs[0], &c.body);
                    bind(pattern, &item, &mut body);
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
            Reduction::Extremum { .. } | Reduction::Reduce(_) => {
                let item = bound_once(item, &mut body, || {
                    names.fresh(&format!("candidate{number}"))
                });
                self.keeping_one(names, number, &pattern, &body, &item)
            }
            Reduction::Collect => {
                let collected = names.fresh(&format!("collected{number}"));
                let item = if self.items_are_references() {
                    quote_spanned!(at=> *(#item))
                } else {
                    item
                };
                quote_spanned! {at=> {
                    let mut #collected = ::std::vec::Vec::new();
                    for #pattern in #source {
                        #(#body)*
                        #collected.push(#item);
                    }
                    #collected
                }}
            }
        };
        syn::parse2(block).expect("a block parses as an expression")
    }
}

impl Chain<'_> {
    /// The loop of `max_by`, `min_by` or `reduce`: the best item so far, and whether there is
    /// one (asserted after the loop, where the user's `unwrap` would panic).
    fn keeping_one(
        &self,
        names: &Names,
        number: usize,
        pattern: &TokenStream,
        body: &[TokenStream],
        item: &TokenStream,
    ) -> TokenStream {
        let at = self.at;
        let source = self.source;
        let best = names.fresh(&format!("best{number}"));
        let seen = names.fresh(&format!("seen{number}"));
        let by_ref = self.items_are_references();
        // the float itself; the comparison sees references as the user's closure expects
        let (value, compared) = if by_ref {
            (quote_spanned!(at=> *(#item)), quote_spanned!(at=> &#best))
        } else {
            (item.clone(), quote_spanned!(at=> #best))
        };
        let update = match &self.reduction {
            Reduction::Extremum { largest, compare } => {
                // `max_by` keeps the last of equal items, `min_by` the first
                let replaces = if *largest {
                    quote_spanned!(at=> != ::std::cmp::Ordering::Less)
                } else {
                    quote_spanned!(at=> == ::std::cmp::Ordering::Less)
                };
                let ordering = match compare {
                    Expr::Closure(c) => {
                        let (a, b, order) = (&c.inputs[0], &c.inputs[1], &c.body);
                        quote_spanned!(at=> { let #a = &#item; let #b = &#compared; #order })
                    }
                    path => quote_spanned!(at=> #path(&#item, &#compared)),
                };
                quote_spanned! {at=>
                    if !#seen || #ordering #replaces {
                        #best = #value;
                        #seen = true;
                    }
                }
            }
            Reduction::Reduce(combine) => {
                let combined = match combine {
                    Expr::Closure(c) => {
                        let (a, b, combined) = (&c.inputs[0], &c.inputs[1], &c.body);
                        quote_spanned!(at=> { let #a = #best; let #b = #value; #combined })
                    }
                    path => quote_spanned!(at=> #path(#best, #value)),
                };
                quote_spanned! {at=>
                    if #seen {
                        #best = #combined;
                    } else {
                        #best = #value;
                        #seen = true;
                    }
                }
            }
            _ => unreachable!("only an extremum or a reduce keeps one item"),
        };
        quote_spanned! {at=> {
            let mut #best = 0.0;
            let mut #seen = false;
            for #pattern in #source {
                #(#body)*
                #update
            }
            ::std::assert!(#seen, "an empty iterator has no item to unwrap");
            #best
        }}
    }
}

/// `item`, bound to a fresh name in `body` first unless it is names already (a name, or a tuple
/// of the names a loop over pairs binds): an expression (a closure's body) read twice is
/// computed once.
fn bound_once(
    item: TokenStream,
    body: &mut Vec<TokenStream>,
    fresh: impl FnOnce() -> proc_macro2::Ident,
) -> TokenStream {
    fn names_only(e: &Expr) -> bool {
        match e {
            Expr::Path(p) => p.path.get_ident().is_some(),
            Expr::Tuple(t) => t.elems.iter().all(names_only),
            _ => false,
        }
    }
    if syn::parse2::<Expr>(item.clone()).is_ok_and(|e| names_only(&e)) {
        return item;
    }
    let name = fresh();
    body.push(quote!(let #name = #item;));
    quote!(#name)
}

/// `let pattern = item;`, one `let` per name where both are tuples of the same shape (a closure
/// over the pairs of `zip` and `enumerate`, given the names a loop over them binds): lowering
/// destructures one level of active tuples, and a pair of names needs none.
fn bind(pattern: &Pat, item: &TokenStream, body: &mut Vec<TokenStream>) {
    let elements = syn::parse2::<Expr>(item.clone())
        .ok()
        .and_then(|e| match e {
            Expr::Tuple(t) => Some(t.elems.into_iter().collect::<Vec<_>>()),
            _ => None,
        });
    match (pattern, elements) {
        (Pat::Tuple(p), Some(items)) if p.elems.len() == items.len() => {
            for (pattern, item) in p.elems.iter().zip(items) {
                bind(pattern, &item.to_token_stream(), body);
            }
        }
        (Pat::Wild(_), _) => {}
        _ => body.push(quote!(let #pattern = #item;)),
    }
}

/// A fresh loop pattern for the items of `source` and the expression of an item: a name, or a
/// tuple of names for `zip` and `enumerate` (whose items a `for` loop over active buffers
/// destructures).
fn fresh_pattern(source: &Expr, names: &Names, base: &str) -> (TokenStream, TokenStream) {
    let pairs = |m: &ExprMethodCall| matches!(m.method.to_string().as_str(), "zip" | "enumerate");
    match strip_parens(source) {
        Expr::MethodCall(m) if pairs(m) => {
            let (first_pattern, first) = match m.method.to_string().as_str() {
                "enumerate" => {
                    let index = names.fresh(&format!("{base}_index"));
                    (quote!(#index), quote!(#index))
                }
                _ => fresh_pattern(&m.receiver, names, &format!("{base}_0")),
            };
            let (second_pattern, second) = match m.method.to_string().as_str() {
                "enumerate" => fresh_pattern(&m.receiver, names, &format!("{base}_1")),
                _ => fresh_pattern(&m.args[0], names, &format!("{base}_1")),
            };
            (
                quote!((#first_pattern, #second_pattern)),
                quote!((#first, #second)),
            )
        }
        _ => {
            let item = names.fresh(base);
            (quote!(#item), quote!(#item))
        }
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
