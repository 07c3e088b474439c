//! Factorizations bound to a name, written back into each use before lowering.
//!
//! `let c = k.cholesky().unwrap(); let alpha = c.solve(&y); let l = c.l();` is, to the
//! derivative, `k.cholesky().unwrap().solve(&y)` and `k.cholesky().unwrap().l()`, chains that
//! one `linalg` rule each computes whole (see `calls::factorization_chain`). So where a
//! factorization (`a.cholesky().unwrap()` or `expect`, `a.lu()`, `a.qr()`, `a.svd(true, true)`)
//! of a matrix named directly is bound with `let`, and neither the matrix nor the name is
//! assigned again or bound elsewhere in the function, and the name is only ever the receiver of
//! a method or the base of a field (`s.u`, `s.singular_values`), the `let` is dropped from the
//! copy that lowering reads and each use calls the factorization itself. The derivative then
//! factorizes the matrix once per use; the annotated function is emitted as written.

use super::calls::factorization;
use super::syntax::{compound_op, strip_parens};
use quote::ToTokens;
use std::collections::HashMap;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Expr, Pat};

/// `func`'s body with its bound factorizations written into their uses (see the module docs).
pub(crate) fn inlined(func: &mut syn::ItemFn) {
    let mut census = Census::default();
    census.visit_block(&func.block);
    Inliner { census: &census }.visit_block_mut(&mut func.block);
}

/// How each name is used in the function.
#[derive(Default)]
struct Census {
    /// Bindings of each name (patterns of `let`, closures, loops, arms; parameters are not
    /// counted: a factorization is never a parameter).
    bound: HashMap<String, usize>,
    /// Names assigned, compound-assigned, borrowed mutably or written through an index or field.
    written: Vec<String>,
    /// Each name's uses as a path, and as the receiver of a method call or the base of a
    /// field.
    uses: HashMap<String, (usize, usize)>,
}

impl<'a> Visit<'a> for Census {
    fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
        *self.bound.entry(p.ident.to_string()).or_default() += 1;
        syn::visit::visit_pat_ident(self, p);
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        let place = match e {
            Expr::Assign(a) => Some(&*a.left),
            Expr::Binary(b) if compound_op(&b.op).is_some() => Some(&*b.left),
            Expr::Reference(r) if r.mutability.is_some() => Some(&*r.expr),
            _ => None,
        };
        if let Some(name) = place.and_then(root_name) {
            self.written.push(name);
        }
        match e {
            Expr::Path(p) => {
                if let Some(name) = p.path.get_ident() {
                    self.uses.entry(name.to_string()).or_default().0 += 1;
                }
            }
            Expr::MethodCall(syn::ExprMethodCall { receiver: base, .. })
            | Expr::Field(syn::ExprField { base, .. }) => {
                if let Expr::Path(p) = strip_parens(base)
                    && let Some(name) = p.path.get_ident()
                {
                    self.uses.entry(name.to_string()).or_default().1 += 1;
                }
            }
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_item(&mut self, _: &'a syn::Item) {}
}

impl Census {
    fn is_written(&self, name: &str) -> bool {
        self.written.iter().any(|w| w == name)
    }

    /// Whether `name` is bound once and only ever the receiver of a method or a field's base.
    fn only_receiver(&self, name: &str) -> bool {
        self.bound.get(name) == Some(&1)
            && !self.is_written(name)
            && self
                .uses
                .get(name)
                .is_none_or(|(paths, receivers)| paths == receivers)
    }
}

struct Inliner<'c> {
    census: &'c Census,
}

impl VisitMut for Inliner<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let mut bound: Vec<(String, Expr)> = Vec::new();
        block.stmts.retain(|stmt| {
            let syn::Stmt::Local(local) = stmt else {
                return true;
            };
            let (Pat::Ident(p), Some(init)) = (&local.pat, &local.init) else {
                return true;
            };
            let name = p.ident.to_string();
            let inlinable = p.by_ref.is_none()
                && p.mutability.is_none()
                && p.subpat.is_none()
                && init.diverge.is_none()
                && is_factorization_of_a_name(&init.expr, self.census)
                && self.census.only_receiver(&name);
            if inlinable {
                bound.push((name, (*init.expr).clone()));
            }
            !inlinable
        });
        if !bound.is_empty() {
            Receivers { bound: &bound }.visit_block_mut(block);
        }
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Replaces each method receiver and field base that names a bound factorization by the
/// factorization.
struct Receivers<'b> {
    bound: &'b [(String, Expr)],
}

impl Receivers<'_> {
    fn replace(&self, receiver: &mut Expr) {
        if let Expr::Path(p) = strip_parens(receiver)
            && let Some(name) = p.path.get_ident()
            && let Some((_, factorization)) = self.bound.iter().find(|(n, _)| name == n)
        {
            let tokens = factorization.to_token_stream();
            *receiver = syn::parse_quote!((#tokens));
        }
    }
}

impl VisitMut for Receivers<'_> {
    fn visit_expr_method_call_mut(&mut self, m: &mut syn::ExprMethodCall) {
        self.replace(&mut m.receiver);
        syn::visit_mut::visit_expr_method_call_mut(self, m);
    }

    fn visit_expr_field_mut(&mut self, f: &mut syn::ExprField) {
        self.replace(&mut f.base);
        syn::visit_mut::visit_expr_field_mut(self, f);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// A factorization (see `calls::factorization`: `a.cholesky().unwrap()`, `a.lu()`, `a.qr()`,
/// `a.svd(u, v)`) of `a` or `a.clone()`, with `a` a name the function never writes.
fn is_factorization_of_a_name(e: &Expr, census: &Census) -> bool {
    let Some((_, matrix)) = factorization(e) else {
        return false;
    };
    // nalgebra's factorizations consume the matrix: `a.clone().cholesky()` is the usual spelling
    let matrix = match strip_parens(&matrix) {
        Expr::MethodCall(c) if c.method == "clone" && c.args.is_empty() => (*c.receiver).clone(),
        other => other.clone(),
    };
    matches!(strip_parens(&matrix), Expr::Path(p)
        if p.path.get_ident().is_some_and(|a| !census.is_written(&a.to_string())))
}

/// The variable at the root of a place: `a` in `a`, `a[i]`, `a.f`, `a[i].f`.
fn root_name(e: &Expr) -> Option<String> {
    match strip_parens(e) {
        Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        Expr::Index(i) => root_name(&i.expr),
        Expr::Field(f) => root_name(&f.base),
        _ => None,
    }
}
