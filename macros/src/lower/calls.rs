//! Calls: functions and their arguments, the runtime's linear algebra, and the closures of
//! `m.map(..)` and `Matrix::from_fn(..)`.

use super::Lowerer;
use super::syntax::{is_scalar_function, linalg_path, strip_parens, var_operand};
use crate::ir::{Block, CallArg, Op, Operand, Stmt, VarId};
use crate::known;
use crate::names::item_ident;
use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote};
use syn::{Expr, Pat};

impl<'a> Lowerer<'a> {
    pub(super) fn call(&mut self, c: &syn::ExprCall, out: &mut Block) -> Op {
        if let Expr::Path(p) = &*c.func
            && p.path.segments.len() == 2
            && matches!(p.path.segments[0].ident.to_string().as_str(), "f32" | "f64")
            && !is_scalar_function(c)
        {
            self.errors.push(
                &p.path,
                format!(
                    "no derivative rule for `{}`; the float methods with rules are {}; for another operation write a custom rule, a function `g` with companions `g_jvp` and `g_vjp`",
                    p.path.to_token_stream().to_string().replace(' ', ""),
                    known::scalar_names()
                ),
            );
            return Op::Const(TokenStream::new());
        }
        if is_scalar_function(c) {
            let Expr::Path(p) = &*c.func else {
                unreachable!("checked")
            };
            let name = &p.path.segments.last().expect("checked").ident;
            let args: Vec<&Expr> = c.args.iter().skip(1).collect();
            let through: syn::Path = syn::Path {
                leading_colon: None,
                segments: std::iter::once(p.path.segments[0].clone()).collect(),
            };
            return self.scalar_op(
                name,
                &c.args[0],
                &args,
                Some(through),
                c.to_token_stream(),
                out,
            );
        }
        let Some(func) = self.callee(c) else {
            return Op::Const(TokenStream::new());
        };
        if func.get_ident().is_some() && func.get_ident() == self.name.as_ref() {
            self.errors.push(
                &c.func,
                "a recursive call cannot be differentiated (its reverse mode would contain itself); write the recursion as a loop",
            );
            return Op::Const(TokenStream::new());
        }
        let segments: Vec<String> = func.segments.iter().map(|s| s.ident.to_string()).collect();
        let last = segments.last().map(String::as_str).unwrap_or_default();
        let on_nalgebra_type =
            segments.len() >= 2 && known::is_nalgebra_type(&segments[segments.len() - 2]);
        if on_nalgebra_type
            && last == "from_fn"
            && let Some(Expr::Closure(closure)) = c.args.last()
        {
            let sizes: Vec<&Expr> = c.args.iter().take(c.args.len() - 1).collect();
            return self.entries_from_fn(&func, &sizes, closure, out);
        }
        if on_nalgebra_type && last == "new" {
            let elems = c.args.iter().map(|a| self.operand(a, out)).collect();
            return Op::Construct { ctor: func, elems };
        }
        if on_nalgebra_type && last == "from_vec" && c.args.len() == 1 {
            let arg = self.matrix_arg(&c.args[0], out);
            return Op::Call {
                func: linalg_path("from_vec"),
                args: vec![arg],
                guard: None,
            };
        }
        let constructor = (segments.len() >= 2)
            .then(|| known::constructor_rule(&segments[segments.len() - 2], last, c.args.len()))
            .flatten();
        let func = match constructor {
            Some(rule) => linalg_path(rule),
            None => func,
        };
        let args = self.call_args(&func, c, out);
        Op::Call {
            func,
            args,
            guard: None,
        }
    }

    /// An argument of a `linalg` function: a reference to a matrix, with a tangent even when it
    /// is inactive.
    pub(super) fn matrix_arg(&mut self, e: &Expr, out: &mut Block) -> CallArg {
        if !self.expr_active(e) {
            self.inactive(e);
            let inner = match strip_parens(e) {
                Expr::Reference(r) => quote!(&#r),
                other => quote!(&#other),
            };
            let value = self.const_temp(&inner, out);
            return CallArg::Constant {
                value,
                by_ref: true,
            };
        }
        let inner = match strip_parens(e) {
            Expr::Reference(r) => &*r.expr,
            other => other,
        };
        match self.operand(inner, out) {
            Operand::Var { id, .. } => CallArg::Active {
                id,
                borrowed: !self.vars[id].is_ref,
            },
            Operand::Const(c) => CallArg::Constant {
                value: self.const_temp(&quote!(&#c), out),
                by_ref: true,
            },
        }
    }

    /// `a.try_inverse().unwrap()`, `a.cholesky().unwrap().l()`, `a.qr().r()` (or `expect`):
    /// one rule for the whole chain (see [`factorization_chain`]).
    pub(super) fn linalg_chain(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Option<Op> {
        let chain = factorization_chain(m)?;
        Some(self.chain_op(chain, out))
    }

    /// The rule of a chain: a call, or one part of the tuple a decomposition returns.
    pub(super) fn chain_op(&mut self, chain: Chain, out: &mut Block) -> Op {
        let func = linalg_path(chain.function);
        let without_tangent = known::linalg_arguments_without_tangent(&func);
        let args = std::iter::once(&chain.matrix)
            .chain(&chain.arguments)
            .enumerate()
            .map(|(i, a)| {
                if without_tangent.contains(&i) {
                    self.inactive(a);
                    CallArg::Inactive(a.to_token_stream())
                } else {
                    self.matrix_arg(a, out)
                }
            })
            .collect();
        match chain.part {
            None => Op::Call {
                func,
                args,
                guard: None,
            },
            Some((index, count)) => {
                let parts = self.decomposition(func, args, count, out);
                Op::Copy(var_operand(parts[index]))
            }
        }
    }

    /// A `linalg` rule that returns a tuple (`eigh`, `qr`, `svd`), each part in a new variable.
    fn decomposition(
        &mut self,
        func: syn::Path,
        args: Vec<CallArg>,
        count: usize,
        out: &mut Block,
    ) -> Vec<VarId> {
        let vars: Vec<VarId> = (0..count).map(|_| self.temp(false)).collect();
        out.push(Stmt::LetTuple {
            vars: vars.clone(),
            func,
            args,
            pairs: false,
            guard: None,
        });
        vars
    }

    /// `a.symmetric_eigen()`: the eigenvalues and eigenvectors, through `linalg::eigh`.
    pub(super) fn symmetric_eigen(
        &mut self,
        m: &syn::ExprMethodCall,
        out: &mut Block,
    ) -> (VarId, VarId) {
        let arg = self.matrix_arg(&m.receiver, out);
        let parts = self.decomposition(linalg_path("eigh"), vec![arg], 2, out);
        (parts[0], parts[1])
    }

    /// `m.map(|e| body)`: a loop over the entries, column-major, writing each result.
    pub(super) fn map_closure(
        &mut self,
        receiver: &Expr,
        closure: &syn::ExprClosure,
        out: &mut Block,
    ) -> Op {
        // An active matrix named directly, or the value of an active expression (`(w * x)`).
        let source = match self.active_var(receiver) {
            Some(source) => Some(source),
            None if self.expr_active(receiver) => match self.operand(receiver, out) {
                Operand::Var { id, .. } => Some(id),
                Operand::Const(_) => None,
            },
            None => None,
        };
        let Some(source) = source else {
            self.errors.push(
                receiver,
                "`map` with a closure that uses active values is differentiated on an active matrix; compute the inactive matrix's entries in a loop instead",
            );
            return Op::Const(TokenStream::new());
        };
        let [param] = closure.inputs.iter().collect::<Vec<_>>()[..] else {
            self.errors.push(
                &closure.inputs,
                "`map` takes a closure of one entry: `|x| ...`",
            );
            return Op::Const(TokenStream::new());
        };
        let src = self.vars[source].ident.clone();
        let result = self.temp(false);
        out.push(Stmt::Let {
            var: result,
            mutable: true,
            ty: None,
            op: Some(Op::Const(
                quote!((#src).map(|_| ::core::default::Default::default())),
            )),
        });
        let index = self.loop_index();
        let dst = self.vars[result].ident.clone();
        let body = self.scoped(|l| {
            let mut body = Vec::new();
            l.bind_closure_param(param, source, &index, &mut body);
            let value = l.operand(&closure.body, &mut body);
            body.push(Stmt::Write {
                buf: result,
                index: index.clone(),
                value,
            });
            body
        });
        out.push(Stmt::For {
            label: None,
            pat: index.to_token_stream(),
            iter: quote!(0..#dst.len()),
            body,
            checkpoint: None,
        });
        Op::Copy(var_operand(result))
    }

    /// Binds the parameter of a `map` closure to the entry `source[index]`.
    fn bind_closure_param(&mut self, param: &Pat, source: VarId, index: &Ident, body: &mut Block) {
        let pat = match param {
            Pat::Type(t) => &*t.pat,
            p => p,
        };
        match pat {
            Pat::Ident(p) => {
                let var = self
                    .user_binding(&p.ident, true, false)
                    .expect("active by construction");
                body.push(Stmt::Let {
                    var,
                    mutable: p.mutability.is_some(),
                    ty: None,
                    op: Some(Op::Read {
                        buf: source,
                        index: index.clone(),
                        by_ref: false,
                    }),
                });
            }
            Pat::Wild(_) => {}
            other => self
                .errors
                .push(other, "bind the entry to a name: `|x| ...`"),
        }
    }

    /// `Type::from_fn(sizes.., |i, j| body)`: a loop over the entries writing each one.
    fn entries_from_fn(
        &mut self,
        ctor: &syn::Path,
        sizes: &[&Expr],
        closure: &syn::ExprClosure,
        out: &mut Block,
    ) -> Op {
        for size in sizes {
            self.inactive(size);
        }
        let patterns: Vec<&Pat> = closure.inputs.iter().collect();
        if patterns.len() != 2 {
            self.errors.push(
                &closure.inputs,
                "`from_fn` takes a closure of a row and a column: `|i, j| ...`",
            );
            return Op::Const(TokenStream::new());
        }
        let result = self.temp(false);
        out.push(Stmt::Let {
            var: result,
            mutable: true,
            ty: None,
            op: Some(Op::Const(
                quote!(#ctor(#(#sizes,)* |_, _| ::core::default::Default::default())),
            )),
        });
        let dst = self.vars[result].ident.clone();
        let (row, col) = (self.loop_index(), self.loop_index());
        let body = self.scoped(|l| {
            let mut body = Vec::new();
            for (pat, index) in patterns.iter().zip([&row, &col]) {
                body.push(Stmt::Verbatim(quote!(let #pat = #index;)));
                l.bind_inactive_pattern(pat);
            }
            let value = l.operand(&closure.body, &mut body);
            let at = l.const_temp(&quote!((#row, #col)), &mut body);
            body.push(Stmt::Write {
                buf: result,
                index: at,
                value,
            });
            body
        });
        out.push(Stmt::For {
            label: None,
            pat: col.to_token_stream(),
            iter: quote!(0..#dst.ncols()),
            body: vec![Stmt::For {
                label: None,
                pat: row.to_token_stream(),
                iter: quote!(0..#dst.nrows()),
                body,
                checkpoint: None,
            }],
            checkpoint: None,
        });
        Op::Copy(var_operand(result))
    }

    /// The function a call calls: its path, or for a bare name of a `linalg` function, the
    /// runtime's (see [`known::bare_linalg`]).
    pub(super) fn callee(&mut self, c: &syn::ExprCall) -> Option<syn::Path> {
        match &*c.func {
            Expr::Path(p) if p.qself.is_none() => Some(match bare_linalg_call(c) {
                Some(function) => linalg_path(function),
                None => p.path.clone(),
            }),
            other => {
                self.errors.push(
                    other,
                    "calls through a value cannot be differentiated; call a named function (an annotated function, or a custom rule with `_jvp` and `_vjp` companions)",
                );
                None
            }
        }
    }

    /// The arguments of a call of `func`, each with its tangent or without one, as the callee's
    /// companions take them: those of a function of the user's or of a custom rule, or those
    /// of a `linalg` function, which takes a tangent for each matrix.
    pub(super) fn call_args(
        &mut self,
        func: &syn::Path,
        c: &syn::ExprCall,
        out: &mut Block,
    ) -> Vec<CallArg> {
        if !known::is_runtime_linalg(func) {
            return c.args.iter().map(|a| self.call_arg(a, out)).collect();
        }
        let without_tangent = known::linalg_arguments_without_tangent(func);
        c.args
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let matrix = !without_tangent.contains(&i)
                    && (self.expr_active(a)
                        || matches!(strip_parens(a), Expr::Reference(_))
                        || self.float_like(a));
                if matrix {
                    // with a tangent even when it is inactive
                    self.matrix_arg(a, out)
                } else {
                    self.inactive(a);
                    CallArg::Inactive(a.to_token_stream())
                }
            })
            .collect()
    }

    /// One argument of a call to a function with companions: an active value, or an inactive
    /// one with a zero tangent when it is a float, or passed on as written.
    fn call_arg(&mut self, a: &Expr, out: &mut Block) -> CallArg {
        if !self.expr_active(a) {
            self.inactive(a);
            if !self.float_like(a) {
                return CallArg::Inactive(a.to_token_stream());
            }
            // A reference gets a reference to its zero tangent: `&x`, or a parameter
            // `b: &[f64]` left out of `wrt` passed on as `b`.
            let by_ref = matches!(strip_parens(a), Expr::Reference(_))
                || self.path_binding(a).is_some_and(|b| b.reference);
            let value = self.const_temp(a, out);
            return CallArg::Constant { value, by_ref };
        }
        let operand = match strip_parens(a) {
            // `g(*xi)` passes the value an item of `.iter()` refers to.
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                let op = self.op(a, out);
                var_operand(self.bind_temp(op, out))
            }
            _ => self.operand(a, out),
        };
        match operand {
            Operand::Var { id, borrowed } => CallArg::Active { id, borrowed },
            Operand::Const(c) => CallArg::Inactive(c.to_token_stream()),
        }
    }
}

/// The `linalg` function a call names by its bare name, if it does (see [`known::bare_linalg`]):
/// read by lowering and by the check of the emitted function alike.
fn bare_linalg_call(c: &syn::ExprCall) -> Option<&'static str> {
    match &*c.func {
        Expr::Path(p) if p.qself.is_none() => known::bare_linalg(&p.path),
        _ => None,
    }
}

/// The annotated function as it is emitted, with each bare call of a `linalg` function's name
/// (see [`known::bare_linalg`]) made through `__private::linalg_function`: the derivatives call
/// `linalg`'s companions, and this fails to compile, on the user's name, where the name is a
/// function of the user's own. Nested items are left alone: their names are their own.
pub(crate) fn checked_bare_linalg(func: &mut syn::ItemFn) {
    struct Checked;
    impl syn::visit_mut::VisitMut for Checked {
        fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
            syn::visit_mut::visit_expr_call_mut(self, call);
            let Some(function) = bare_linalg_call(call) else {
                return;
            };
            let name = &call.func;
            let span = syn::spanned::Spanned::span(name);
            let (rt, linalg) = (crate::emit::rt_path(), item_ident(function));
            let check = crate::emit::respanned(
                quote!(#rt::linalg_function((#name, #rt::linalg::#linalg))),
                span,
            );
            *call.func = syn::parse_quote!(#check);
        }

        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    syn::visit_mut::VisitMut::visit_block_mut(&mut Checked, &mut func.block);
}

/// A factorization of a matrix as the user writes it: `a.cholesky().unwrap()` (or `expect`),
/// `a.lu()`, `a.qr()`, `a.svd(u, v)`; the factorization's name and the matrix.
pub(super) fn factorization(e: &Expr) -> Option<(&'static str, Expr)> {
    let Expr::MethodCall(m) = strip_parens(e) else {
        return None;
    };
    let matrix = || (*m.receiver).clone();
    match (m.method.to_string().as_str(), m.args.len()) {
        ("lu", 0) => Some(("lu", matrix())),
        ("qr", 0) => Some(("qr", matrix())),
        // the flags only say which of U and Vᵀ nalgebra computes: the rule computes both
        ("svd", 2) => Some(("svd", matrix())),
        ("unwrap" | "expect", _) => match strip_parens(&m.receiver) {
            Expr::MethodCall(c) if c.method == "cholesky" && c.args.is_empty() => {
                Some(("cholesky", (*c.receiver).clone()))
            }
            _ => None,
        },
        _ => None,
    }
}

/// What one `linalg` rule computes of a chain through a factorization: the rule, the matrix
/// factorized, the other arguments (matrices, and a tolerance where
/// `known::linalg_arguments_without_tangent` says so) and, for a rule that returns a tuple, the
/// part taken and the number of parts.
pub(super) struct Chain {
    function: &'static str,
    matrix: Expr,
    arguments: Vec<Expr>,
    part: Option<(usize, usize)>,
}

impl Chain {
    fn call(function: &'static str, matrix: Expr, arguments: Vec<Expr>) -> Self {
        Chain {
            function,
            matrix,
            arguments,
            part: None,
        }
    }

    fn part(function: &'static str, matrix: Expr, index: usize, count: usize) -> Self {
        Chain {
            function,
            matrix,
            arguments: Vec::new(),
            part: Some((index, count)),
        }
    }
}

/// A chain through a factorization that one `linalg` rule computes whole.
///
/// - `a.try_inverse().unwrap()`, `a.lu().try_inverse().unwrap()`: `inv`;
/// - `a.cholesky().unwrap()` with `.l()`: `cholesky`; `.solve(&b)`: `cholesky_solve`;
///   `.inverse()`: `cholesky_inverse`; `.determinant()`: `det`; `.ln_determinant()`: `logdet`;
/// - `a.lu()` with `.solve(&b).unwrap()`: `solve`; `.determinant()`: `det`;
/// - `a.qr()` with `.q()` and `.r()`: the parts of `qr`; `.solve(&b).unwrap()`: `solve`;
/// - `a.svd(true, true)` with `.u.unwrap()` and `.v_t.unwrap()`: the parts of `svd`;
///   `.solve(&b, eps).unwrap()`: `svd_solve` (its field `singular_values` is [`field_chain`]'s);
/// - `l.solve_lower_triangular(&b).unwrap()`, `solve_upper_triangular`: the triangular solves.
///
/// `expect(..)` stands wherever `unwrap()` does. The factorization is computed again by each
/// rule: a bound one (`let c = a.cholesky().unwrap();`) is written back into each use before
/// lowering (see `factorizations`).
fn factorization_chain(m: &syn::ExprMethodCall) -> Option<Chain> {
    let arguments = || m.args.iter().cloned().collect::<Vec<_>>();
    let method = m.method.to_string();
    if matches!(method.as_str(), "unwrap" | "expect") {
        return match strip_parens(&m.receiver) {
            // `s.u.unwrap()`, `s.v_t.unwrap()`: nalgebra's SVD keeps U and Vᵀ in options
            Expr::Field(f) => match (factorization(&f.base)?, &f.member) {
                (("svd", matrix), syn::Member::Named(field)) if field == "u" => {
                    Some(Chain::part("svd", matrix, 0, 3))
                }
                (("svd", matrix), syn::Member::Named(field)) if field == "v_t" => {
                    Some(Chain::part("svd", matrix, 2, 3))
                }
                _ => None,
            },
            // `x.try_inverse().unwrap()`, `x.lu().solve(&b).unwrap()`
            Expr::MethodCall(inner) => {
                let inner_arguments = inner.args.iter().cloned().collect::<Vec<_>>();
                let inner_method = inner.method.to_string();
                match (inner_method.as_str(), inner.args.len()) {
                    ("try_inverse", 0) => match factorization(&inner.receiver) {
                        Some(("lu", matrix)) => Some(Chain::call("inv", matrix, Vec::new())),
                        Some(_) => None,
                        None => Some(Chain::call("inv", (*inner.receiver).clone(), Vec::new())),
                    },
                    // nalgebra's `QR::solve` solves the square system A·X = B, as `LU::solve`
                    // does: the solution, and so its derivative, is the same function of A and
                    // B whichever factorization computes it, `linalg::solve`.
                    ("solve", 1) => match factorization(&inner.receiver)? {
                        ("lu" | "qr", matrix) => {
                            Some(Chain::call("solve", matrix, inner_arguments))
                        }
                        _ => None,
                    },
                    ("solve", 2) => match factorization(&inner.receiver)? {
                        ("svd", matrix) => Some(Chain::call("svd_solve", matrix, inner_arguments)),
                        _ => None,
                    },
                    ("solve_lower_triangular", 1) => Some(Chain::call(
                        "solve_lower_triangular",
                        (*inner.receiver).clone(),
                        inner_arguments,
                    )),
                    ("solve_upper_triangular", 1) => Some(Chain::call(
                        "solve_upper_triangular",
                        (*inner.receiver).clone(),
                        inner_arguments,
                    )),
                    _ => None,
                }
            }
            _ => None,
        };
    }
    let (kind, matrix) = factorization(&m.receiver)?;
    let chain = match (kind, method.as_str(), m.args.len()) {
        ("cholesky", "l", 0) => Chain::call("cholesky", matrix, Vec::new()),
        ("cholesky", "solve", 1) => Chain::call("cholesky_solve", matrix, arguments()),
        ("cholesky", "inverse", 0) => Chain::call("cholesky_inverse", matrix, Vec::new()),
        ("cholesky", "ln_determinant", 0) => Chain::call("logdet", matrix, Vec::new()),
        ("cholesky" | "lu", "determinant", 0) => Chain::call("det", matrix, Vec::new()),
        ("qr", "q", 0) => Chain::part("qr", matrix, 0, 2),
        ("qr", "r", 0) => Chain::part("qr", matrix, 1, 2),
        _ => return None,
    };
    Some(chain)
}

/// A field of a decomposition that one `linalg` rule computes: `a.symmetric_eigen()`'s
/// `eigenvalues` and `eigenvectors` (the parts of `eigh`), `a.svd(u, v)`'s `singular_values`
/// (`svdvals`).
pub(super) fn field_chain(f: &syn::ExprField) -> Option<Chain> {
    let syn::Member::Named(field) = &f.member else {
        return None;
    };
    if let Expr::MethodCall(m) = strip_parens(&f.base)
        && m.method == "symmetric_eigen"
        && m.args.is_empty()
    {
        let matrix = (*m.receiver).clone();
        return match field.to_string().as_str() {
            "eigenvalues" => Some(Chain::part("eigh", matrix, 0, 2)),
            "eigenvectors" => Some(Chain::part("eigh", matrix, 1, 2)),
            _ => None,
        };
    }
    match factorization(&f.base)? {
        ("svd", matrix) if field == "singular_values" => {
            Some(Chain::call("svdvals", matrix, Vec::new()))
        }
        _ => None,
    }
}
