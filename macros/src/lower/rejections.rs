//! Rejections: the constructs that cannot be differentiated, and the checks of code kept as
//! written.

use super::Lowerer;
use super::syntax::{compound_op, is_other_compound, macro_name, pattern_names, strip_parens};
use crate::known;
use quote::ToTokens;
use syn::Expr;
use syn::visit::Visit;

impl<'a> Lowerer<'a> {
    /// Checks code that is kept verbatim: it may read active values but must not change them,
    /// and must not use what cannot be differentiated anywhere.
    pub(super) fn check_verbatim(&mut self, visit: &dyn Fn(&mut VerbatimCheck)) {
        let mut check = VerbatimCheck {
            lowerer: self,
            errors: Vec::new(),
            assigned: Vec::new(),
        };
        visit(&mut check);
        let VerbatimCheck {
            errors, assigned, ..
        } = check;
        errors.into_iter().for_each(|e| self.errors.add(e));
        self.found.extend(assigned);
    }

    pub(super) fn check_macro(&mut self, mac: &syn::Macro) {
        if let Some(error) = macro_error(mac) {
            self.errors.add(error);
        }
    }
}

/// Visits code kept verbatim; see [`Lowerer::check_verbatim`].
pub(crate) struct VerbatimCheck<'l, 'a> {
    lowerer: &'l Lowerer<'a>,
    errors: Vec<syn::Error>,
    /// Bindings given a value that depends on active ones.
    assigned: Vec<usize>,
}

impl VerbatimCheck<'_, '_> {
    fn error(&mut self, at: &dyn ToTokens, message: impl std::fmt::Display) {
        self.errors
            .push(syn::Error::new_spanned(at.to_token_stream(), message));
    }

    fn assignment(&mut self, target: &Expr, value: &Expr) {
        let place = match strip_parens(target) {
            Expr::Index(ix) => &*ix.expr,
            other => other,
        };
        let Some(binding) = self.lowerer.path_binding(place) else {
            return;
        };
        if binding.var.is_some() {
            self.error(
                target,
                "an active value is assigned inside an expression; make the assignment a statement of its own",
            );
        } else if self.lowerer.mentions_active_expr(value) {
            self.assigned.push(binding.id);
        }
    }
}

impl<'ast> Visit<'ast> for VerbatimCheck<'_, '_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Closure(c) => {
                if self.lowerer.mentions_active_expr(&c.body) {
                    self.error(c, CLOSURE_MESSAGE);
                    return;
                }
            }
            Expr::Return(r) => {
                self.error(
                    r,
                    "`return` inside an expression cannot be differentiated; return from a statement of its own",
                );
                return;
            }
            Expr::Let(l) if self.lowerer.expr_active(&l.expr) => {
                self.error(
                    l,
                    "`let` patterns over active values cannot be differentiated: the names they bind would carry no derivative; read the values by index and test them with `if`",
                );
            }
            Expr::Match(m)
                if self.lowerer.expr_active(&m.expr)
                    && m.arms.iter().any(|a| !pattern_names(&a.pat).is_empty()) =>
            {
                self.error(
                    &m.expr,
                    "`match` on an active value cannot be differentiated; compare it with `if`/`else`",
                );
            }
            Expr::Assign(a) => self.assignment(&a.left, &a.right),
            Expr::Binary(b) if compound_op(&b.op).is_some() || is_other_compound(&b.op) => {
                self.assignment(&b.left, &b.right)
            }
            Expr::MethodCall(m)
                if known::MUTATING_METHODS.contains(&m.method.to_string().as_str()) =>
            {
                if self.lowerer.active_var(&m.receiver).is_some() {
                    self.error(
                        &m.method,
                        format!(
                            "`{}` changes an active buffer inside an expression; call it as a statement of its own (`push`), or build the buffer with indexed writes",
                            m.method
                        ),
                    );
                }
            }
            Expr::Reference(r)
                if r.mutability.is_some() && self.lowerer.mentions_active_expr(&r.expr) =>
            {
                self.error(r, "`&mut` borrows of active values cannot be differentiated; assign the new value instead");
            }
            other => {
                if let Some(message) = unsupported(other)
                    && !matches!(other, Expr::Closure(_))
                {
                    self.error(other, message);
                    return;
                }
            }
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if let Some(error) = macro_error(mac) {
            self.errors.push(error);
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

pub(super) const CLOSURE_MESSAGE: &str = "closures that use active values cannot be differentiated, except in `m.map(|x| ..)` of an active matrix `m` and in `Matrix::from_fn(.., |i, j| ..)`; write a loop, or move the code into a function annotated with `#[differentiate]` and call it";

/// `m.map(closure)`: a closure form that lowering turns into a loop.
pub(super) fn is_supported_closure_call(m: &syn::ExprMethodCall, c: &syn::ExprClosure) -> bool {
    m.method == "map"
        && m.args.len() == 1
        && matches!(&m.args[0], Expr::Closure(arg) if std::ptr::eq(arg, c))
        && !is_iterator_chain(&m.receiver)
}

/// `x.iter()`, `x.iter().map(..)`, `(0..n).map(..)`: an iterator, whose adaptors are not
/// differentiated.
pub(super) fn is_iterator_chain(e: &Expr) -> bool {
    match strip_parens(e) {
        Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "iter"
                    | "into_iter"
                    | "windows"
                    | "chunks"
                    | "zip"
                    | "enumerate"
                    | "map"
                    | "rev"
                    | "skip"
                    | "take"
                    | "step_by"
                    | "filter"
                    | "chain"
            ) && (m.method != "map" || is_iterator_chain(&m.receiver))
                || is_iterator_chain(&m.receiver)
        }
        Expr::Range(_) => true,
        _ => false,
    }
}

/// Constructs no annotated function may contain, active or not, with what to write instead.
pub(super) fn unsupported(e: &Expr) -> Option<&'static str> {
    Some(match e {
        Expr::Closure(_) => CLOSURE_MESSAGE,
        Expr::Unsafe(_) => {
            "`unsafe` blocks cannot be differentiated; move the unsafe code into a function outside the annotated one"
        }
        Expr::Async(_) => {
            "`async` blocks cannot be differentiated; compute the value synchronously"
        }
        Expr::Await(_) => {
            "`.await` cannot be differentiated; await the value before calling the annotated function"
        }
        Expr::Try(_) => {
            "the `?` operator cannot be differentiated; handle the error with `match` or `unwrap`, or check the input before calling the annotated function"
        }
        Expr::TryBlock(_) => "`try` blocks cannot be differentiated; handle the error with `match`",
        Expr::Yield(_) => "`yield` cannot be differentiated",
        _ => return None,
    })
}

fn macro_error(mac: &syn::Macro) -> Option<syn::Error> {
    let name = macro_name(mac);
    if name == "vec" || known::PASSTHROUGH_MACROS.contains(&name.as_str()) {
        return None;
    }
    Some(syn::Error::new_spanned(
        &mac.path,
        format!(
            "unsupported macro `{name}!` in an annotated function; matcalc passes through `assert!`, `debug_assert!` and the `println!` family and builds buffers with `vec!`; write the code the macro stands for, or call a function"
        ),
    ))
}
