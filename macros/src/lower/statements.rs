//! Statements: `let` (of one value or of a tuple), assignments, compound assignments, writes
//! and `push`.

use super::rejections::{is_iterator_chain, unsupported};
use super::syntax::{
    compound_op, ends, is_other_compound, is_scalar_function, is_view, strip_parens, var_operand,
};
use super::{Lowerer, Tail, Target};
use crate::ir::{BinOp, Block, CheckForm, Guard, Op, Operand, Stmt, VarId};
use crate::known;
use crate::names::{item_ident, unraw};
use proc_macro2::Ident;
use quote::{ToTokens, quote};
use syn::visit::Visit;
use syn::{Expr, Pat};

impl<'a> Lowerer<'a> {
    pub(super) fn stmt(&mut self, stmt: &syn::Stmt, out: &mut Block) {
        match stmt {
            syn::Stmt::Local(local) => self.local(local, out),
            syn::Stmt::Item(item) => out.push(Stmt::Verbatim(item.to_token_stream())),
            syn::Stmt::Macro(m) => {
                self.check_macro(&m.mac);
                self.check_verbatim(&|v| v.visit_stmt_macro(m));
                out.push(Stmt::Verbatim(m.to_token_stream()));
            }
            syn::Stmt::Expr(e, _) => self.expr_stmt(e, out),
        }
    }

    fn local(&mut self, local: &syn::Local, out: &mut Block) {
        let init = local.init.as_ref();
        let init_active = init.is_some_and(|i| self.expr_active(&i.expr));
        if let Some(init) = init
            && let Some((_, diverge)) = &init.diverge
        {
            if init_active {
                self.errors.push(
                    &local.pat,
                    "`let ... else` cannot bind an active value; bind it with `let` and branch with `if`",
                );
            }
            self.check_verbatim(&|v| v.visit_expr(&init.expr));
            let otherwise = self.scoped(|l| {
                let mut block = Vec::new();
                match &**diverge {
                    Expr::Block(b) => l.stmts(&b.block.stmts, &mut block, &Tail::Discard),
                    other => l.expr_stmt(other, &mut block),
                }
                block
            });
            self.bind_inactive_pattern(&local.pat);
            out.push(Stmt::LetElse {
                pat: local.pat.to_token_stream(),
                init: init.expr.to_token_stream(),
                otherwise,
            });
            return;
        }
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, Some((*t.ty).clone())),
            p => (p, None),
        };
        if let (Pat::Ident(p), Some(ty)) = (pat, &ty) {
            // what the name is, for the messages about its methods (see `receivers`)
            let id = self.binding_for(&p.ident);
            self.declared_types.insert(id, ty.clone());
        }
        match pat {
            Pat::Ident(p)
                if init_active
                    && matches!(init.map(|i| strip_parens(&i.expr)), Some(Expr::MethodCall(m)) if m.method == "symmetric_eigen") =>
            {
                let Some(Expr::MethodCall(m)) = init.map(|i| strip_parens(&i.expr)) else {
                    unreachable!("checked")
                };
                let (values, vectors) = self.symmetric_eigen(m, out);
                // A primal view under the user's name, for code that only reads it.
                let (v, q) = (&self.vars[values].ident, &self.vars[vectors].ident);
                let name = &p.ident;
                out.push(Stmt::Verbatim(quote! {
                    let #name = ::matcalc::__private::SymmetricEigenView {
                        eigenvalues: &#v,
                        eigenvectors: &#q,
                    };
                }));
                self.bind_record(
                    &p.ident,
                    vec![
                        ("eigenvalues".to_string(), values),
                        ("eigenvectors".to_string(), vectors),
                    ],
                );
            }
            Pat::Ident(p)
                if init_active
                    && matches!(init.map(|i| strip_parens(&i.expr)), Some(Expr::Tuple(_))) =>
            {
                let Some(Expr::Tuple(t)) = init.map(|i| strip_parens(&i.expr)) else {
                    unreachable!("checked")
                };
                let mut fields = Vec::new();
                let mut parts = Vec::new();
                for (i, e) in t.elems.iter().enumerate() {
                    if self.expr_active(e) {
                        let op = self.op(e, out);
                        let var = self.bind_temp(op, out);
                        let x = &self.vars[var].ident;
                        parts.push(quote!(::core::clone::Clone::clone(&#x)));
                        fields.push((i.to_string(), var));
                    } else {
                        self.inactive(e);
                        let c = self.const_temp(e, out);
                        parts.push(quote!(#c));
                    }
                }
                // A primal copy under the user's name, for code that only reads it.
                let name = &p.ident;
                out.push(Stmt::Verbatim(quote!(let #name = (#(#parts,)*);)));
                self.bind_record(&p.ident, fields);
            }
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                let id = self.binding_for(&p.ident);
                if !init_active && !self.assumed.contains(&id) {
                    // Bound inactive in this pass: active in the next if what it reads is.
                    if let Some(init) = init {
                        self.flow_into(id, &init.expr);
                    }
                    if let Some(init) = init
                        && self.needs_lowering(&init.expr)
                    {
                        let value = self.inactive_value(&init.expr, ty.as_ref(), Some(id), out);
                        self.bind_user(&p.ident, id, false, false);
                        let pat = &local.pat;
                        out.push(Stmt::Verbatim(quote!(let #pat = #value;)));
                        return;
                    }
                    if let Some(init) = init {
                        self.check_verbatim(&|v| v.visit_expr(&init.expr));
                    }
                    self.bind_user(&p.ident, id, false, false);
                    // A float by its value or by the type written on it (`let c: f64 = h(n);`).
                    if init.is_some_and(|i| self.float_like(&i.expr))
                        || ty.as_ref().is_some_and(known::is_float_type)
                    {
                        self.mark_float(&p.ident);
                    }
                    match init {
                        // An owned copy of a view, for the rules of the operators (see
                        // `operand`); code that only reads it reads the copy alike.
                        Some(init) if ty.is_none() && is_view(&init.expr) => {
                            let (attrs, pat, view) = (&local.attrs, &local.pat, &init.expr);
                            out.push(Stmt::Verbatim(
                                quote!(#(#attrs)* let #pat = (#view).clone_owned();),
                            ));
                        }
                        _ => out.push(Stmt::Verbatim(local.to_token_stream())),
                    }
                    return;
                }
                // A declared reference (`let r: &DVector<f64> = x;`) binds the reference, as
                // without the type: the generated code keeps it a reference to the value.
                let ty = ty.filter(|t| !matches!(t, syn::Type::Reference(_)));
                let errors_before = self.errors.len();
                let op = init.map(|i| self.whole_op(&i.expr, out));
                if self.errors.len() > errors_before {
                    // Bound inactive, so that later uses do not repeat the error.
                    self.bind_user(&p.ident, id, false, false);
                    return;
                }
                let is_ref = match &op {
                    Some(Op::Copy(Operand::Var {
                        id,
                        borrowed: false,
                    })) => self.vars[*id].is_ref,
                    Some(Op::Read { by_ref, .. }) => *by_ref,
                    Some(Op::Field { .. }) => true,
                    _ => false,
                };
                // A type written on the binding is the value's own: a reference read is copied.
                let (op, is_ref) = match op {
                    Some(op) if ty.is_some() => (Some(self.owned(op)), false),
                    op => (op, is_ref),
                };
                let op = op.map(|op| self.isolate(op, &p.ident, out));
                // A value bound with a declared type goes through `Op::Declared`; a constant
                // needs the declared type to be typed at all (`let s: f32 = 0.0;`).
                let op = match (op, ty.is_some(), init) {
                    (Some(op), true, Some(init))
                        if !matches!(op, Op::Const(_) | Op::Copy(Operand::Const(_))) =>
                    {
                        let value = match op {
                            Op::Copy(value @ Operand::Var { .. }) => value,
                            op => var_operand(self.bind_temp(op, out)),
                        };
                        Some(Op::Declared(value, ends(&init.expr)))
                    }
                    (op, ..) => op,
                };
                let var = self
                    .bind_user(&p.ident, id, init_active, is_ref)
                    .expect("the binding was found active");
                out.push(Stmt::Let {
                    var,
                    mutable: p.mutability.is_some(),
                    ty,
                    op,
                });
            }
            Pat::Tuple(t) if init_active => self.local_tuple(t, &init.expect("active").expr, out),
            Pat::Wild(_) if init_active => {
                let init = &init.expect("active").expr;
                self.operand(init, out);
            }
            other => {
                if init_active {
                    self.errors.push(
                        other,
                        "this pattern cannot bind an active value; bind a name or a tuple of names",
                    );
                }
                if let Some(init) = init
                    && !init_active
                    && init.diverge.is_none()
                    && self.needs_lowering(&init.expr)
                {
                    let value = self.inactive_value(&init.expr, None, None, out);
                    self.bind_inactive_pattern(&local.pat);
                    let pat = &local.pat;
                    out.push(Stmt::Verbatim(quote!(let #pat = #value;)));
                    return;
                }
                if let Some(init) = init {
                    self.check_verbatim(&|v| v.visit_expr(&init.expr));
                }
                self.bind_inactive_pattern(&local.pat);
                out.push(Stmt::Verbatim(local.to_token_stream()));
            }
        }
    }

    /// Moves an operation into a temporary when it reads a variable that the statement's target
    /// shadows or overwrites, so that emitters can compute tangents and residuals after the
    /// primal assignment without reading the new value.
    fn isolate(&mut self, op: Op, target: &Ident, out: &mut Block) -> Op {
        let target = unraw(target);
        let reads_target = op
            .inputs()
            .iter()
            .any(|v| unraw(&self.vars[*v].ident) == target);
        if !reads_target || matches!(op, Op::Copy(_)) {
            return op;
        }
        let is_ref = matches!(op, Op::Read { by_ref: true, .. });
        let t = self.temp(is_ref);
        out.push(Stmt::Let {
            var: t,
            mutable: false,
            ty: None,
            op: Some(op),
        });
        Op::Copy(var_operand(t))
    }

    fn local_tuple(&mut self, pat: &syn::PatTuple, init: &Expr, out: &mut Block) {
        let wild = item_ident("_");
        // references to the pattern's own identifiers, which number their bindings
        let names: Option<Vec<(&Ident, bool)>> = pat
            .elems
            .iter()
            .map(|p| match p {
                Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
                    Some((&i.ident, i.mutability.is_some()))
                }
                Pat::Wild(_) => Some((&wild, false)),
                _ => None,
            })
            .collect();
        let Some(names) = names else {
            self.errors.push(
                pat,
                "nested patterns cannot bind active values; destructure one level: `let (a, b) = ...`",
            );
            return;
        };
        match strip_parens(init) {
            Expr::Tuple(t) if t.elems.len() == names.len() => {
                // Evaluate every element before binding any name: `let (a, b) = (b, a);` swaps.
                let values: Vec<Op> = t.elems.iter().map(|e| self.op(e, out)).collect();
                let temps: Vec<VarId> = values
                    .into_iter()
                    .map(|op| self.bind_temp(op, out))
                    .collect();
                for ((name, mutable), t) in names.iter().zip(temps) {
                    if *name == "_" {
                        continue;
                    }
                    let var = self
                        .user_binding(name, true, false)
                        .expect("active by construction");
                    out.push(Stmt::Let {
                        var,
                        mutable: *mutable,
                        ty: None,
                        op: Some(Op::Copy(var_operand(t))),
                    });
                }
            }
            Expr::Call(call) if !is_scalar_function(call) => {
                let Some(func) = self.callee(call) else { return };
                let args = self.call_args(&func, call, out);
                let mut vars = Vec::new();
                for (name, mutable) in &names {
                    if *mutable {
                        self.errors.push(
                            name,
                            "bind the result of a call immutably, then copy it into a `let mut`",
                        );
                    }
                    let unused;
                    let bound = if *name == "_" {
                        unused = self.names.fresh("unused");
                        &unused
                    } else {
                        *name
                    };
                    let var = self.user_binding(bound, true, false).expect("active");
                    vars.push(var);
                }
                out.push(Stmt::LetTuple {
                    vars,
                    func,
                    args,
                    pairs: false,
                    guard: None,
                });
            }
            e @ (Expr::If(_) | Expr::Match(_) | Expr::Block(_) | Expr::Loop(_)) => {
                // Each element goes to a place of its own, active when some branch gives it an
                // active value (found by the passes, like any binding's activity).
                let ids: Vec<usize> = pat
                    .elems
                    .iter()
                    .map(|p| match p {
                        Pat::Ident(i) => self.binding_for(&i.ident),
                        _ => self.new_binding(),
                    })
                    .collect();
                let targets: Vec<Target> = ids
                    .iter()
                    .map(|id| {
                        if self.assumed.contains(id) {
                            Target::Active(self.deferred_temp(out))
                        } else {
                            Target::Inactive {
                                ident: self.deferred_const(None, out),
                                binding: Some(*id),
                            }
                        }
                    })
                    .collect();
                self.control(e, out, &Tail::Tuple(targets.clone()));
                for (((name, mutable), target), id) in names.iter().zip(targets).zip(ids) {
                    if *name == "_" {
                        continue;
                    }
                    match target {
                        Target::Active(t) => {
                            let var = self.bind_user(name, id, true, false).expect("active");
                            out.push(Stmt::Let {
                                var,
                                mutable: *mutable,
                                ty: None,
                                op: Some(Op::Copy(var_operand(t))),
                            });
                        }
                        Target::Inactive { ident, .. } => {
                            self.bind_user(name, id, false, false);
                            let m = mutable.then(|| quote!(mut));
                            out.push(Stmt::Verbatim(quote!(let #m #name = #ident;)));
                        }
                    }
                }
            }
            // `let (i, v) = x.iter().enumerate().max_by(..).unwrap();`
            Expr::MethodCall(m) if is_iterator_chain(&m.receiver) => self.reject_adaptor(m),
            // a method that returns a tuple (`qr.unpack()`): none has a rule
            Expr::MethodCall(m) => self.reject_method(m),
            other => self.errors.push(
                other,
                "an active tuple must be written out `(a, b)` or come from a call; fields of active tuples are not supported",
            ),
        }
    }

    pub(super) fn expr_stmt(&mut self, e: &Expr, out: &mut Block) {
        match e {
            Expr::Assign(a) => self.assign(&a.left, &a.right, None, e, out),
            Expr::Binary(b) if compound_op(&b.op).is_some() => {
                let op = compound_op(&b.op).expect("checked");
                self.assign(&b.left, &b.right, Some(op), e, out)
            }
            Expr::Binary(b)
                if is_other_compound(&b.op)
                    && (self.expr_active(&b.right) || self.mentions_active_expr(&b.left)) =>
            {
                self.errors.push(
                    &b.op,
                    format!(
                        "no derivative rule for `{}`; matcalc differentiates `+=`, `-=`, `*=` and `/=`",
                        b.op.to_token_stream()
                    ),
                );
            }
            Expr::MethodCall(m) if m.method == "push" && m.args.len() == 1 => self.push(m, e, out),
            Expr::If(_) | Expr::Match(_) | Expr::While(_) | Expr::ForLoop(_) | Expr::Loop(_) => {
                self.control_stmt(e, out)
            }
            Expr::Block(b) if b.label.is_none() => self.control_stmt(e, out),
            Expr::Return(r) => self.return_value(r.expr.as_deref(), e, out),
            Expr::Break(b) => self.brk(b, out),
            Expr::Continue(c) => out.push(Stmt::Continue(c.label.clone())),
            Expr::Macro(m) => {
                self.check_macro(&m.mac);
                self.check_verbatim(&|v| v.visit_expr(e));
                out.push(Stmt::Verbatim(quote!(#e;)));
            }
            // A method called for its effect with an active argument writes that value where
            // the derivatives cannot follow it (`y.copy_from_slice(x)`): kept as written, its
            // derivative would be silently zero.
            Expr::MethodCall(m) if m.args.iter().any(|a| self.mentions_active_expr(a)) => {
                self.errors.push(
                    &m.method,
                    format!(
                        "`{}` with an active argument cannot be differentiated: it would store the value where its derivative is lost; write the elements one by one (`y[i] = x[i]` in a loop) or bind the result with `let`",
                        m.method
                    ),
                );
            }
            _ => {
                if let Some(message) = unsupported(e) {
                    self.errors.push(e, message);
                    return;
                }
                self.check_verbatim(&|v| v.visit_expr(e));
                out.push(Stmt::Verbatim(quote!(#e;)));
            }
        }
    }

    /// `left = right` or `left op= right`.
    fn assign(
        &mut self,
        left: &Expr,
        right: &Expr,
        compound: Option<BinOp>,
        whole: &Expr,
        out: &mut Block,
    ) {
        let right_active = self.expr_active(right);
        match strip_parens(left) {
            Expr::Path(_) if self.path_binding(left).is_some() => {
                let target = self.path_binding(left).expect("checked");
                self.mark_assigned(target, right);
                let Some(var) = target.var else {
                    if !right_active && self.needs_lowering(right) {
                        let value = self.inactive_value(right, None, None, out);
                        let op = match whole {
                            Expr::Binary(b) => b.op.to_token_stream(),
                            _ => quote!(=),
                        };
                        out.push(Stmt::Verbatim(quote!(#left #op #value;)));
                        return;
                    }
                    self.check_verbatim(&|v| v.visit_expr(right));
                    out.push(Stmt::Verbatim(quote!(#whole;)));
                    return;
                };
                let op = match compound {
                    None if self.vars[var].is_ref => self.whole_op(right, out),
                    None => {
                        let op = self.whole_op(right, out);
                        self.owned(op)
                    }
                    Some(bin) => {
                        let rhs = self.operand(right, out);
                        let guard = self.compound_guard(bin, whole, left, right);
                        Op::Binary(bin, var_operand(var), rhs, guard)
                    }
                };
                let ident = self.vars[var].ident.clone();
                let op = self.isolate(op, &ident, out);
                out.push(Stmt::Assign { var, op });
            }
            Expr::Index(ix) if self.path_binding(&ix.expr).is_some() => {
                let target = self.path_binding(&ix.expr).expect("checked");
                self.mark_assigned(target, right);
                let Some(buf) = target.var else {
                    self.check_verbatim(&|v| v.visit_expr(right));
                    out.push(Stmt::Verbatim(quote!(#whole;)));
                    return;
                };
                self.check_verbatim(&|v| v.visit_expr(&ix.index));
                let index = self.index(&ix.index, out);
                let read = Op::Read {
                    buf,
                    index: index.clone(),
                    by_ref: false,
                };
                let value = self.stored_value(compound, read, (left, right, whole), out);
                out.push(Stmt::Write { buf, index, value });
            }
            Expr::Field(f)
                if self.active_var(left).is_none()
                    && self.path_binding(&f.base).is_some_and(|b| b.var.is_some()) =>
            {
                let target = self.path_binding(&f.base).expect("checked");
                let base = target.var.expect("checked");
                let read = Op::Field {
                    base,
                    member: f.member.clone(),
                };
                let value = self.stored_value(compound, read, (left, right, whole), out);
                out.push(Stmt::WriteField {
                    base,
                    member: f.member.clone(),
                    value,
                });
            }
            other => {
                if right_active || self.mentions_active_expr(other) {
                    self.errors.push(
                        other,
                        "assignments to this place cannot be differentiated; assign to a local variable, to an element `x[i]` of a local buffer or to a field of an active struct",
                    );
                } else {
                    self.check_verbatim(&|v| v.visit_expr(whole));
                    out.push(Stmt::Verbatim(quote!(#whole;)));
                }
            }
        }
    }

    /// The value an assignment `whole` stores: `right`, or for `left op= right` the place's old
    /// value (`read`) combined with `right`.
    fn stored_value(
        &mut self,
        compound: Option<BinOp>,
        read: Op,
        (left, right, whole): (&Expr, &Expr, &Expr),
        out: &mut Block,
    ) -> Operand {
        let Some(bin) = compound else {
            return self.operand(right, out);
        };
        let old = self.bind_temp(read, out);
        let rhs = self.operand(right, out);
        let guard = self.compound_guard(bin, whole, left, right);
        let new = self.bind_temp(Op::Binary(bin, var_operand(old), rhs, guard), out);
        var_operand(new)
    }

    /// The guard of `left op= right` (`whole`). A compound assignment has the type `()` even
    /// when it fails: the check is the binary form, whose type is the error then, at the user's
    /// operator.
    fn compound_guard(
        &mut self,
        bin: BinOp,
        whole: &Expr,
        left: &Expr,
        right: &Expr,
    ) -> Option<Guard> {
        let at = match whole {
            Expr::Binary(b) => syn::spanned::Spanned::span(&b.op),
            _ => syn::spanned::Spanned::span(whole),
        };
        let op = match bin {
            BinOp::Add => quote::quote_spanned!(at=> +),
            BinOp::Sub => quote::quote_spanned!(at=> -),
            BinOp::Mul => quote::quote_spanned!(at=> *),
            // (`dot` has no compound form)
            BinOp::Div | BinOp::Dot => quote::quote_spanned!(at=> /),
        };
        self.guard(CheckForm::Infix(op), left, right)
    }

    /// `let t = op;` into a new temporary (a reference when the operation reads one in place).
    pub(super) fn bind_temp(&mut self, op: Op, out: &mut Block) -> VarId {
        let op = self.owned(op);
        let is_ref = matches!(op, Op::Read { by_ref: true, .. } | Op::Field { .. });
        let t = self.temp(is_ref);
        out.push(Stmt::Let {
            var: t,
            mutable: false,
            ty: None,
            op: Some(op),
        });
        t
    }

    fn push(&mut self, m: &syn::ExprMethodCall, whole: &Expr, out: &mut Block) {
        let value = &m.args[0];
        let value_active = self.expr_active(value);
        let Some(target) = self.path_binding(&m.receiver) else {
            if value_active {
                self.errors.push(
                    &m.receiver,
                    "`push` of an active value is differentiated only into a local `Vec` named directly",
                );
            }
            self.check_verbatim(&|v| v.visit_expr(whole));
            out.push(Stmt::Verbatim(quote!(#whole;)));
            return;
        };
        self.mark_assigned(target, value);
        match target.var {
            Some(buf) => {
                let value = self.operand(value, out);
                out.push(Stmt::Push { buf, value });
            }
            None => {
                self.check_verbatim(&|v| v.visit_expr(value));
                out.push(Stmt::Verbatim(quote!(#whole;)));
            }
        }
    }
}
