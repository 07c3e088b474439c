//! `#[checkpoint]` on a `for` or `while` loop: which loops carry it, and what each one's state
//! and inputs are among the values kept as written (the inactive ones; the active ones are read
//! off the model by reverse mode, see `reverse::checkpointed`).
//!
//! The attribute is not Rust's: it is taken off every loop before anything is emitted, from the
//! user's function as emitted and from the copy lowering reads, where each loop that carried one
//! is remembered by its place in that copy (the same tree in every pass, like
//! `BindingNumbers`).

use super::Lowerer;
use super::syntax::{compound_op, strip_parens};
use crate::ir::Checkpoint;
use crate::known;
use crate::names::unraw;
use proc_macro2::{Ident, TokenStream};
use quote::ToTokens;
use std::collections::{HashMap, HashSet};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Attribute, Expr};

/// `func` without its `#[checkpoint]` attributes: the function as the compiler sees it. A loop
/// that named its snapshots (`#[checkpoint(snapshots = s)]`) is put in a block with a closure
/// that mentions `s` without evaluating it, so that a parameter used only there is still used.
pub(crate) fn strip(func: &mut syn::ItemFn) {
    Mention.visit_block_mut(&mut func.block);
    collect(func);
}

/// Puts each loop that named its snapshots in a block that mentions them (see [`strip`]).
struct Mention;

impl VisitMut for Mention {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let snapshots = match e {
            Expr::ForLoop(f) => f.attrs.iter().find_map(snapshots_of),
            Expr::While(w) => w.attrs.iter().find_map(snapshots_of),
            _ => None,
        };
        if let Some(snapshots) = snapshots {
            let looped = e.clone();
            *e = syn::parse_quote!({
                let _ = || (#snapshots);
                #looped
            });
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

fn snapshots_of(attr: &Attribute) -> Option<Expr> {
    is_checkpoint(attr)
        .then(|| parse_snapshots(attr).ok().flatten())
        .flatten()
}

/// The loops of a function that carry `#[checkpoint]`, by their place in the function, and the
/// errors of attributes that are malformed or on something else than a loop.
#[derive(Default)]
pub(super) struct Marks {
    by_loop: HashMap<usize, Option<Expr>>,
    pub errors: Vec<syn::Error>,
}

impl Marks {
    /// `Some(snapshots)` when the loop at `place` carries `#[checkpoint]`.
    pub(super) fn of(&self, place: usize) -> Option<&Option<Expr>> {
        self.by_loop.get(&place)
    }
}

/// Takes every `#[checkpoint]` off `func`, remembering the loops that carried one.
pub(super) fn collect(func: &mut syn::ItemFn) -> Marks {
    let mut marks = Marks::default();
    Collector { marks: &mut marks }.visit_block_mut(&mut func.block);
    marks
}

struct Collector<'m> {
    marks: &'m mut Marks,
}

fn is_checkpoint(attr: &Attribute) -> bool {
    attr.path().is_ident("checkpoint")
}

impl Collector<'_> {
    /// Takes the `#[checkpoint]` attributes off `attrs`, the first parsed.
    fn take(&mut self, attrs: &mut Vec<Attribute>) -> Option<Option<Expr>> {
        let taken: Vec<Attribute> = attrs.iter().filter(|a| is_checkpoint(a)).cloned().collect();
        attrs.retain(|a| !is_checkpoint(a));
        let first = taken.first()?;
        if let Some(second) = taken.get(1) {
            self.marks.errors.push(syn::Error::new_spanned(
                second,
                "`#[checkpoint]` is written twice on this loop; keep one",
            ));
        }
        match parse_snapshots(first) {
            Ok(snapshots) => Some(snapshots),
            Err(error) => {
                self.marks.errors.push(error);
                None
            }
        }
    }

    /// An attribute on something else than a loop: an error, and taken off.
    fn misplaced(&mut self, attrs: &mut Vec<Attribute>) {
        for attr in attrs.iter().filter(|a| is_checkpoint(a)) {
            self.marks.errors.push(syn::Error::new_spanned(
                attr,
                "`#[checkpoint]` goes on a `for` or `while` loop",
            ));
        }
        attrs.retain(|a| !is_checkpoint(a));
    }
}

/// `#[checkpoint]` (no limit: the default) or `#[checkpoint(snapshots = S)]`.
fn parse_snapshots(attr: &Attribute) -> syn::Result<Option<Expr>> {
    match &attr.meta {
        syn::Meta::Path(_) => Ok(None),
        syn::Meta::List(list) => {
            let expected = || {
                syn::Error::new_spanned(
                    list,
                    "write `#[checkpoint]` or `#[checkpoint(snapshots = S)]`, S the most loop states kept at once",
                )
            };
            let assignment: syn::ExprAssign = list.parse_args().map_err(|_| expected())?;
            match &*assignment.left {
                Expr::Path(p) if p.path.is_ident("snapshots") => Ok(Some(*assignment.right)),
                _ => Err(expected()),
            }
        }
        syn::Meta::NameValue(_) => Err(syn::Error::new_spanned(
            attr,
            "write `#[checkpoint]` or `#[checkpoint(snapshots = S)]`, S the most loop states kept at once",
        )),
    }
}

impl VisitMut for Collector<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::ForLoop(f) => {
                if let Some(snapshots) = self.take(&mut f.attrs) {
                    let place = &*f as *const syn::ExprForLoop as usize;
                    self.marks.by_loop.insert(place, snapshots);
                }
            }
            Expr::While(w) => {
                if let Some(snapshots) = self.take(&mut w.attrs) {
                    let place = &*w as *const syn::ExprWhile as usize;
                    self.marks.by_loop.insert(place, snapshots);
                }
            }
            Expr::Loop(l) => self.misplaced(&mut l.attrs),
            Expr::Block(b) => self.misplaced(&mut b.attrs),
            Expr::If(i) => self.misplaced(&mut i.attrs),
            Expr::Match(m) => self.misplaced(&mut m.attrs),
            Expr::Closure(c) => self.misplaced(&mut c.attrs),
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        self.misplaced(&mut local.attrs);
        syn::visit_mut::visit_local_mut(self, local);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl Lowerer<'_> {
    /// The checkpoint of the loop at `place`, if it carries one: checked, with the inactive
    /// names bound outside it that its body writes (its state) and reads (its inputs).
    /// `iteration` is what a `for` loop over an inactive iterator runs over (`None` for a
    /// `while` loop, and for a loop over active buffers, which lowering writes as a loop over
    /// their indices).
    pub(super) fn checkpoint_of(
        &mut self,
        place: usize,
        label: &Option<syn::Lifetime>,
        body: &syn::Block,
        iteration: Option<&Expr>,
    ) -> Option<Box<Checkpoint>> {
        let snapshots = self.checkpoints.of(place)?.clone();
        let mut names = Names::default();
        names.visit_block(body);
        if let Some(iter) = iteration {
            // the names of an iterator evaluated again are inputs too
            names.visit_expr(iter);
        }
        // An iteration is recomputed from its number: the k-th item of a range kept at the
        // loop's start, or of the iterator evaluated again, which must then not depend on what
        // the loop changes.
        if let Some(iter) = iteration
            && !matches!(strip_parens(iter), Expr::Range(_))
        {
            let mut read = Names::default();
            read.visit_expr(iter);
            if let Some(changed) = read
                .order
                .iter()
                .find(|n| names.written.contains(&unraw(n)))
            {
                self.errors.push(
                    changed,
                    format!(
                        "a loop under `#[checkpoint]` recomputes its iterations from their number, by evaluating its iterator again; this one reads `{changed}`, which the loop changes: iterate over a range `0..n` instead"
                    ),
                );
                return None;
            }
        }
        let mut exits = Exits {
            own: label.as_ref().map(|l| l.ident.to_string()),
            inner: Vec::new(),
            found: Vec::new(),
        };
        exits.visit_block(body);
        for (at, what) in exits.found {
            self.errors.push(
                &at,
                format!(
                    "{what} leaves a loop under `#[checkpoint]` for the code around it; the loop's iterations are recomputed one at a time, so it may only `break` or `continue` itself, or `return`"
                ),
            );
        }
        let mut state = Vec::new();
        let mut inputs = Vec::new();
        for ident in names.order {
            let name = unraw(&ident);
            let Some(binding) = self.lookup(&name) else {
                continue;
            };
            if binding.var.is_some() || binding.record.is_some() {
                // active: reverse mode finds it on the model
                continue;
            }
            if name == "self" {
                self.errors.push(
                    &ident,
                    "a loop under `#[checkpoint]` cannot read `self` yet; copy what it needs into locals before the loop",
                );
                continue;
            }
            if names.written.contains(&name) {
                state.push(ident);
            } else {
                let declared = self.parameter_type(&name, binding.id);
                inputs.push((ident, declared));
            }
        }
        Some(Box::new(Checkpoint {
            snapshots: snapshots.map(|s| s.to_token_stream()),
            inactive_state: state,
            inactive_inputs: inputs,
        }))
    }

    /// The declared type of the parameter `name` when `binding` is that parameter's (not a local
    /// that shadows it), and the type is a reference.
    fn parameter_type(&self, name: &str, binding: usize) -> Option<syn::Type> {
        let outermost = self.scopes.first()?;
        let (_, param_binding) = outermost.iter().find(|(n, _)| n == name)?;
        if param_binding.id != binding {
            return None;
        }
        self.sig
            .params
            .iter()
            .find(|p| unraw(&p.ident) == name)
            .map(|p| p.ty.clone())
            .filter(|ty| matches!(ty, syn::Type::Reference(_)))
    }
}

/// The single names a loop body mentions, in order of first mention, and those it assigns or
/// changes in place.
#[derive(Default)]
struct Names {
    order: Vec<Ident>,
    seen: HashSet<String>,
    written: HashSet<String>,
}

/// The name a place is rooted at: `x` in `x`, `x[i]`, `x.a[j]`.
fn root(place: &Expr) -> Option<String> {
    match strip_parens(place) {
        Expr::Path(p) => p.path.get_ident().map(unraw),
        Expr::Index(i) => root(&i.expr),
        Expr::Field(f) => root(&f.base),
        Expr::Reference(r) => root(&r.expr),
        _ => None,
    }
}

impl<'a> Visit<'a> for Names {
    fn visit_expr(&mut self, e: &'a Expr) {
        let written = match e {
            Expr::Assign(a) => root(&a.left),
            Expr::Binary(b) if compound_op(&b.op).is_some() => root(&b.left),
            Expr::Reference(r) if r.mutability.is_some() => root(&r.expr),
            Expr::MethodCall(m)
                if known::MUTATING_METHODS.contains(&m.method.to_string().as_str()) =>
            {
                root(&m.receiver)
            }
            _ => None,
        };
        if let Some(name) = written {
            self.written.insert(name);
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
        if let Some(ident) = p.path.get_ident()
            && self.seen.insert(unraw(ident))
        {
            self.order.push(ident.clone());
        }
    }

    fn visit_macro(&mut self, mac: &'a syn::Macro) {
        // the arguments of `println!`, `assert!` and the like are expressions too
        if let Ok(args) = mac
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        {
            args.iter().for_each(|e| self.visit_expr(e));
        }
    }

    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// What leaves a loop body for the code around the loop other than by returning: `?`, and
/// `break` or `continue` to a label outside it.
struct Exits {
    own: Option<String>,
    /// Labels of the loops and blocks inside the body, innermost last.
    inner: Vec<String>,
    found: Vec<(TokenStream, &'static str)>,
}

impl Exits {
    fn leaves(&self, label: &Option<syn::Lifetime>) -> bool {
        label.as_ref().is_some_and(|l| {
            let name = l.ident.to_string();
            Some(&name) != self.own.as_ref() && !self.inner.contains(&name)
        })
    }

    fn labelled<T>(&mut self, label: Option<&syn::Label>, visit: impl FnOnce(&mut Self) -> T) {
        if let Some(l) = label {
            self.inner.push(l.name.ident.to_string());
        }
        visit(self);
        if label.is_some() {
            self.inner.pop();
        }
    }
}

impl<'a> Visit<'a> for Exits {
    fn visit_expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Try(t) => self.found.push((t.question_token.to_token_stream(), "`?`")),
            Expr::Break(b) if self.leaves(&b.label) => {
                self.found.push((b.to_token_stream(), "this `break`"))
            }
            Expr::Continue(c) if self.leaves(&c.label) => {
                self.found.push((c.to_token_stream(), "this `continue`"))
            }
            Expr::ForLoop(f) => {
                return self.labelled(f.label.as_ref(), |v| syn::visit::visit_expr_for_loop(v, f));
            }
            Expr::While(w) => {
                return self.labelled(w.label.as_ref(), |v| syn::visit::visit_expr_while(v, w));
            }
            Expr::Loop(l) => {
                return self.labelled(l.label.as_ref(), |v| syn::visit::visit_expr_loop(v, l));
            }
            Expr::Block(b) => {
                return self.labelled(b.label.as_ref(), |v| syn::visit::visit_expr_block(v, b));
            }
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'a syn::Item) {}
}
