//! Control flow: blocks and where their values go, `if`, `match`, loops, `break` and `return`.

use super::syntax::{breaks_out, compound_op, ends, is_scalar_function, strip_parens, var_operand};
use super::{LoopFrame, Lowerer, Tail, Target};
use crate::ir::{Arm, Block, Op, Operand, Stmt, VarId};
use crate::known;
use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote};
use syn::visit::Visit;
use syn::{Expr, Lifetime, Pat};

impl<'a> Lowerer<'a> {
    pub(super) fn stmts(&mut self, stmts: &[syn::Stmt], out: &mut Block, tail: &Tail) {
        for (i, stmt) in stmts.iter().enumerate() {
            match stmt {
                syn::Stmt::Expr(e, None) if i + 1 == stmts.len() => self.tail(e, out, tail),
                _ => self.stmt(stmt, out),
            }
        }
    }

    fn tail(&mut self, e: &Expr, out: &mut Block, tail: &Tail) {
        match tail {
            Tail::Return => self.return_value(Some(e), e, out),
            Tail::Discard => self.expr_stmt(e, out),
            _ if is_diverging(e) => self.expr_stmt(e, out),
            Tail::Into(target) => self.deliver(e, target, out),
            Tail::Tuple(targets) => self.deliver_tuple(e, targets, out),
        }
    }

    /// Assigns a block's value to its place.
    fn deliver(&mut self, e: &Expr, target: &Target, out: &mut Block) {
        match target {
            Target::Active(var) => {
                let op = self.whole_op(e, out);
                let op = self.owned(op);
                out.push(Stmt::Assign { var: *var, op });
            }
            Target::Inactive { .. } if self.needs_lowering(e) => {
                self.control(strip_parens(e), out, &Tail::Into(target.clone()))
            }
            Target::Inactive { ident, binding } => {
                if let Some(id) = binding {
                    self.flow_into(*id, e);
                }
                if self.expr_active(e) {
                    match binding {
                        Some(id) => {
                            self.found.insert(*id);
                        }
                        None => self.errors.push(
                            e,
                            "this block's value depends on the inputs where its other values do not; bind it with `let` first",
                        ),
                    }
                }
                self.inactive(e);
                self.inactive_deliveries += 1;
                out.push(Stmt::Verbatim(quote!(#ident = #e;)));
            }
        }
    }

    /// Assigns the elements of a block's tuple value to their places.
    fn deliver_tuple(&mut self, e: &Expr, targets: &[Target], out: &mut Block) {
        match strip_parens(e) {
            Expr::Tuple(t) if t.elems.len() == targets.len() => {
                for (elem, target) in t.elems.iter().zip(targets) {
                    self.deliver(elem, target, out);
                }
            }
            nested @ (Expr::If(_) | Expr::Match(_) | Expr::Block(_) | Expr::Loop(_)) => {
                self.control(nested, out, &Tail::Tuple(targets.to_vec()))
            }
            p if self
                .record_of(p)
                .is_some_and(|r| r.len() == targets.len()) =>
            {
                let fields = self.record_of(p).expect("checked");
                for ((_, field), target) in fields.into_iter().zip(targets) {
                    match target {
                        Target::Active(var) => out.push(Stmt::Assign {
                            var: *var,
                            op: Op::Copy(var_operand(field)),
                        }),
                        Target::Inactive { binding, .. } => {
                            self.found.extend(*binding);
                        }
                    }
                }
            }
            Expr::Call(call) if self.expr_active(e) && !is_scalar_function(call) => {
                // A differentiated function's tuple: every element is a float.
                let Some(func) = self.callee(call) else { return };
                let args = self.call_args(&func, call, out);
                let vars: Vec<VarId> = targets.iter().map(|_| self.temp(false)).collect();
                out.push(Stmt::LetTuple {
                    vars: vars.clone(),
                    func,
                    args,
                    pairs: false,
                    guard: None,
                });
                for (var, target) in vars.into_iter().zip(targets) {
                    match target {
                        Target::Active(t) => out.push(Stmt::Assign {
                            var: *t,
                            op: Op::Copy(var_operand(var)),
                        }),
                        Target::Inactive { binding, .. } => self.found.extend(*binding),
                    }
                }
            }
            other if !self.expr_active(other) => {
                self.inactive(other);
                let c = self.const_temp(other, out);
                for (i, target) in targets.iter().enumerate() {
                    let i = syn::Index::from(i);
                    let element: Expr = syn::parse_quote!(#c.#i);
                    self.deliver(&element, target, out);
                }
            }
            other => self.errors.push(
                other,
                format!(
                    "a tuple of active values from a block is written out `(a, b)` in each branch, or named by a `let` of a tuple of {} values",
                    targets.len()
                ),
            ),
        }
    }

    /// Whether an inactive `if`, `match`, block or `loop` changes active variables: it is then
    /// lowered like a statement, its value going to an inactive local ([`Target::Inactive`]).
    pub(super) fn needs_lowering(&self, e: &Expr) -> bool {
        struct Changes<'l, 'a> {
            lowerer: &'l Lowerer<'a>,
            found: bool,
        }
        impl Changes<'_, '_> {
            fn place(&mut self, e: &Expr) {
                let root = match strip_parens(e) {
                    Expr::Index(ix) => &*ix.expr,
                    Expr::Field(f) => &*f.base,
                    other => other,
                };
                if self
                    .lowerer
                    .path_binding(root)
                    .is_some_and(|b| b.var.is_some() || b.record.is_some())
                {
                    self.found = true;
                }
            }
        }
        impl<'ast> Visit<'ast> for Changes<'_, '_> {
            fn visit_expr(&mut self, e: &'ast Expr) {
                match e {
                    Expr::Assign(a) => self.place(&a.left),
                    Expr::Binary(b) if compound_op(&b.op).is_some() => self.place(&b.left),
                    Expr::MethodCall(m)
                        if known::MUTATING_METHODS.contains(&m.method.to_string().as_str()) =>
                    {
                        self.place(&m.receiver)
                    }
                    _ => {}
                }
                syn::visit::visit_expr(self, e);
            }
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
            fn visit_item(&mut self, _: &'ast syn::Item) {}
        }
        let control = match strip_parens(e) {
            Expr::Block(b) => b.label.is_none(),
            Expr::If(_) | Expr::Match(_) | Expr::Loop(_) => true,
            _ => false,
        };
        if !control {
            return false;
        }
        let mut changes = Changes {
            lowerer: self,
            found: false,
        };
        changes.visit_expr(e);
        changes.found
    }

    /// Lowers an inactive block value that changes active variables into a new inactive local
    /// (see [`Target::Inactive`]), declared with the type `ty` if given.
    pub(super) fn inactive_value(
        &mut self,
        e: &Expr,
        ty: Option<&syn::Type>,
        binding: Option<usize>,
        out: &mut Block,
    ) -> Ident {
        let ident = self.deferred_const(ty, out);
        let target = Target::Inactive {
            ident: ident.clone(),
            binding,
        };
        self.control(strip_parens(e), out, &Tail::Into(target));
        ident
    }

    pub(super) fn return_value(&mut self, value: Option<&Expr>, whole: &Expr, out: &mut Block) {
        let Some(value) = value else {
            self.errors.push(
                whole,
                "`return` without a value; an annotated function returns what it computes",
            );
            return;
        };
        if is_diverging(value) {
            self.expr_stmt(value, out);
            return;
        }
        let endless = match strip_parens(value) {
            Expr::Loop(l) => !breaks_out(&l.body),
            _ => false,
        };
        if endless || matches!(strip_parens(value), Expr::While(_) | Expr::ForLoop(_)) {
            // A loop left only by `return`: a statement, with no value of its own.
            self.expr_stmt(value, out);
            return;
        }
        let tuple = match &self.sig.ret.layout {
            crate::signature::Layout::Leaf => None,
            crate::signature::Layout::Tuple(items) => Some(items.len()),
        };
        // A control expression's value is reported where its branches end, not as a whole:
        // it has no spelling, and neither has a tuple the lowering takes apart otherwise.
        let mut spellings = None;
        let operands = match tuple {
            // A control expression in return position is lowered even when its value looks
            // inactive: it may return from inside, and its value is the function's, a float.
            None if matches!(
                strip_parens(value),
                Expr::If(_) | Expr::Match(_) | Expr::Block(_) | Expr::Loop(_)
            ) =>
            {
                vec![self.control_value(strip_parens(value), out)]
            }
            None => {
                spellings = Some(vec![ends(value)]);
                vec![self.operand(value, out)]
            }
            Some(n) => match strip_parens(value) {
                Expr::Tuple(t) if t.elems.len() == n => {
                    spellings = Some(t.elems.iter().map(|e| ends(e)).collect());
                    t.elems.iter().map(|e| self.operand(e, out)).collect()
                }
                p if self.record_of(p).is_some_and(|r| r.len() == n) => self
                    .record_of(p)
                    .expect("checked")
                    .into_iter()
                    .map(|(_, id)| var_operand(id))
                    .collect(),
                other if !self.expr_active(other) => {
                    let c = self.const_temp(other, out);
                    (0..n)
                        .map(|i| {
                            let i = syn::Index::from(i);
                            Operand::Const(self.const_temp(&quote!(#c.#i), out))
                        })
                        .collect()
                }
                other => {
                    self.errors.push(
                        other,
                        format!("return the {n} components as a tuple expression `(a, b, ..)`"),
                    );
                    return;
                }
            },
        };
        out.push(Stmt::Return {
            values: operands,
            spellings,
        });
    }

    pub(super) fn brk(&mut self, b: &syn::ExprBreak, out: &mut Block) {
        let frame = match &b.label {
            Some(l) => {
                let name = l.ident.to_string();
                self.loops
                    .iter()
                    .rev()
                    .find(|f| f.label.as_deref() == Some(&name))
            }
            None => self.loops.last(),
        };
        let out_tail = frame.map_or(Tail::Discard, |f| f.out.clone());
        if let Some(value) = &b.expr {
            match out_tail {
                Tail::Into(_) | Tail::Tuple(_) => self.tail(value, out, &out_tail),
                Tail::Return | Tail::Discard => {
                    if self.expr_active(value) {
                        self.errors.push(
                            value,
                            "`break` with an active value is differentiated only out of a `loop` whose value is used",
                        );
                    }
                    self.check_verbatim(&|v| v.visit_expr(value));
                    out.push(Stmt::Verbatim(quote!(#b;)));
                    return;
                }
            }
        }
        out.push(Stmt::Break(b.label.clone()));
    }

    /// A control-flow statement: lowered, or kept verbatim when nothing active happens in it.
    pub(super) fn control_stmt(&mut self, e: &Expr, out: &mut Block) {
        let mut lowered = Vec::new();
        let deliveries = self.inactive_deliveries;
        self.control(e, &mut lowered, &Tail::Discard);
        let mut trivial = self.inactive_deliveries == deliveries;
        for s in &lowered {
            s.walk(&mut |s| {
                if matches!(
                    s,
                    Stmt::Let { .. }
                        | Stmt::LetTuple { .. }
                        | Stmt::Assign { .. }
                        | Stmt::Write { .. }
                        | Stmt::Push { .. }
                        | Stmt::Return { .. }
                ) {
                    trivial = false;
                }
            });
        }
        if trivial {
            out.push(Stmt::Verbatim(quote!(#e)));
        } else {
            out.extend(lowered);
        }
    }

    /// Lowers `if`, `match`, loops and blocks; a value, if any, goes where `tail` says.
    pub(super) fn control(&mut self, e: &Expr, out: &mut Block, tail: &Tail) {
        match e {
            Expr::If(i) => {
                self.check_verbatim(&|v| v.visit_expr(&i.cond));
                let cond = &i.cond;
                let then = self.scoped(|l| {
                    if let Expr::Let(let_expr) = &**cond {
                        l.bind_inactive_pattern(&let_expr.pat);
                    }
                    let mut b = Vec::new();
                    l.stmts(&i.then_branch.stmts, &mut b, tail);
                    b
                });
                let els = i.else_branch.as_ref().map(|(_, e)| {
                    self.scoped(|l| {
                        let mut b = Vec::new();
                        match &**e {
                            Expr::Block(blk) => l.stmts(&blk.block.stmts, &mut b, tail),
                            nested => l.control(nested, &mut b, tail),
                        }
                        b
                    })
                });
                out.push(Stmt::If {
                    cond: cond.to_token_stream(),
                    then,
                    els,
                });
            }
            Expr::Match(m) => {
                if self.expr_active(&m.expr) {
                    self.errors.push(
                        &m.expr,
                        "`match` on an active value cannot be differentiated; compare it with `if`/`else`",
                    );
                }
                self.check_verbatim(&|v| v.visit_expr(&m.expr));
                let arms = m
                    .arms
                    .iter()
                    .map(|arm| {
                        self.scoped(|l| {
                            l.bind_inactive_pattern(&arm.pat);
                            if let Some((_, g)) = &arm.guard {
                                l.check_verbatim(&|v| v.visit_expr(g));
                            }
                            let mut body = Vec::new();
                            match &*arm.body {
                                Expr::Block(b) if b.label.is_none() => {
                                    l.stmts(&b.block.stmts, &mut body, tail)
                                }
                                other => l.tail(other, &mut body, tail),
                            }
                            Arm {
                                pat: arm.pat.to_token_stream(),
                                guard: arm.guard.as_ref().map(|(_, g)| g.to_token_stream()),
                                body,
                            }
                        })
                    })
                    .collect();
                out.push(Stmt::Match {
                    scrutinee: m.expr.to_token_stream(),
                    arms,
                });
            }
            Expr::Block(b) => {
                let block = self.scoped(|l| {
                    let mut body = Vec::new();
                    l.stmts(&b.block.stmts, &mut body, tail);
                    body
                });
                out.push(Stmt::Block(block));
            }
            Expr::While(w) => {
                self.check_verbatim(&|v| v.visit_expr(&w.cond));
                let label = w.label.as_ref().map(|l| l.name.clone());
                let checkpoint =
                    self.checkpoint_of(w as *const syn::ExprWhile as usize, &label, &w.body, None);
                if checkpoint.is_some() && matches!(&*w.cond, Expr::Let(_)) {
                    self.errors.push(
                        &w.cond,
                        "a `while let` loop cannot be checkpointed: its iterations are recomputed from their number; write `while` with a condition, or a `for` loop over a range",
                    );
                }
                let body = self.loop_body(&label, Tail::Discard, &w.body, |l, _| {
                    if let Expr::Let(let_expr) = &*w.cond {
                        l.bind_inactive_pattern(&let_expr.pat);
                    }
                });
                out.push(Stmt::While {
                    label,
                    cond: w.cond.to_token_stream(),
                    body,
                    checkpoint,
                });
            }
            Expr::Loop(l) => {
                let label = l.label.as_ref().map(|l| l.name.clone());
                let body = self.loop_body(&label, tail.clone(), &l.body, |_, _| {});
                out.push(Stmt::Loop { label, body });
            }
            Expr::ForLoop(f) => self.for_loop(f, out),
            other => self.errors.push(other, "unsupported control flow"),
        }
    }

    fn loop_body(
        &mut self,
        label: &Option<Lifetime>,
        out_tail: Tail,
        body: &syn::Block,
        prelude: impl FnOnce(&mut Self, &mut Block),
    ) -> Block {
        self.loops.push(LoopFrame {
            label: label.as_ref().map(|l| l.ident.to_string()),
            out: out_tail,
        });
        let lowered = self.scoped(|l| {
            let mut b = Vec::new();
            prelude(l, &mut b);
            l.stmts(&body.stmts, &mut b, &Tail::Discard);
            b
        });
        self.loops.pop();
        lowered
    }

    fn for_loop(&mut self, f: &syn::ExprForLoop, out: &mut Block) {
        let label = f.label.as_ref().map(|l| l.name.clone());
        let over_active = self.iterates_active(&f.expr);
        let checkpoint = self.checkpoint_of(
            f as *const syn::ExprForLoop as usize,
            &label,
            &f.body,
            (!over_active).then_some(&*f.expr),
        );
        if !over_active {
            self.check_verbatim(&|v| v.visit_expr(&f.expr));
            let body = self.loop_body(&label, Tail::Discard, &f.body, |l, _| {
                l.bind_loop_items(&f.pat, &items_of(&f.expr));
                // `for v in b.iter()` over floats: `v` is a float, passed to a call with a zero
                // tangent.
                let item = match &*f.pat {
                    Pat::Ident(p) => Some(&p.ident),
                    Pat::Reference(r) => match &*r.pat {
                        Pat::Ident(p) => Some(&p.ident),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(item) = item
                    && iterated_buffer(&f.expr).is_some_and(|b| l.float_like(b))
                {
                    l.mark_float(item);
                }
            });
            out.push(Stmt::For {
                label,
                pat: f.pat.to_token_stream(),
                iter: f.expr.to_token_stream(),
                body,
                checkpoint,
            });
            return;
        }
        let Some(shape) = self.iteration(&f.expr, &f.pat) else {
            match foreign_adaptor(&f.expr) {
                Some(adaptor) => self.errors.push(
                    &adaptor.method,
                    format!(
                        "the iterator adaptor `{}` is not differentiated; iterate `x.iter()`, `x.iter().enumerate()` or `x.iter().zip(y.iter())` and write the rest in the loop's body (a condition as an `if`)",
                        adaptor.method
                    ),
                ),
                None if let Some(field) = iterated_field(&f.expr) => {
                    let field = field.to_token_stream().to_string().replace(' ', "");
                    self.errors.push(
                        &f.expr,
                        format!(
                            "an iteration over `{field}`, a field of an active struct, cannot be differentiated as it is; iterate a copy, `let items = {field}.clone();` then `items.iter()`, or index the field in a loop over `0..{field}.len()`"
                        ),
                    );
                }
                None => self.errors.push(
                    &f.expr,
                    "this iteration over an active value cannot be differentiated; write `for i in 0..x.len()`, or iterate `x.iter()`, `x.iter().enumerate()` or `x.iter().zip(y.iter())`",
                ),
            }
            return;
        };
        let index = self.loop_index();
        let lens: Vec<TokenStream> = shape
            .items
            .iter()
            .map(|(buf, _, _)| quote!(#buf.len()))
            .collect();
        let len = lens
            .iter()
            .skip(1)
            .fold(lens[0].clone(), |acc, l| quote!(#acc.min(#l)));
        let body = self.loop_body(&label, Tail::Discard, &f.body, |l, prelude| {
            if let Some(pat) = &shape.index {
                prelude.push(Stmt::Verbatim(quote!(let #pat = #index;)));
                l.bind_inactive_pattern(pat);
            }
            for (buf, pat, by_ref) in &shape.items {
                let Some(pat) = pat else { continue };
                let buf_var = l.active_var(buf);
                match (buf_var, pat) {
                    (Some(buf_var), Pat::Ident(p)) => {
                        let var = l
                            .user_binding(&p.ident, true, *by_ref)
                            .expect("active by construction");
                        prelude.push(Stmt::Let {
                            var,
                            mutable: p.mutability.is_some(),
                            ty: None,
                            op: Some(Op::Read {
                                buf: buf_var,
                                index: index.clone(),
                                by_ref: *by_ref,
                            }),
                        });
                    }
                    (_, pat) => {
                        let value = if *by_ref {
                            quote!(&#buf[#index])
                        } else {
                            quote!(#buf[#index])
                        };
                        prelude.push(Stmt::Verbatim(quote!(let #pat = #value;)));
                        l.bind_inactive_items(pat, *by_ref);
                    }
                }
            }
        });
        out.push(Stmt::For {
            label,
            pat: index.to_token_stream(),
            iter: quote!(0..#len),
            body,
            checkpoint,
        });
    }

    /// Whether a `for` loop's iterator walks an active buffer (`x.iter()`, `&x`, `x`, chains and
    /// zips of those), as opposed to a range or an inactive collection.
    fn iterates_active(&self, e: &Expr) -> bool {
        match strip_parens(e) {
            Expr::MethodCall(m) => {
                self.iterates_active(&m.receiver)
                    || (m.method == "zip" && m.args.iter().any(|a| self.iterates_active(a)))
            }
            Expr::Reference(r) => self.iterates_active(&r.expr),
            p @ Expr::Path(_) => self.active_var(p).is_some(),
            // a field of an active struct (`s.b.iter()`), which must not pass for inactive
            Expr::Field(f) => self.iterates_active(&f.base),
            _ => false,
        }
    }

    /// The shape of a `for` loop over active buffers (its patterns borrowed from `pat`, whose
    /// identifiers number their bindings).
    fn iteration<'p>(&self, iter: &Expr, pat: &'p Pat) -> Option<IterShape<'p>> {
        let (inner, index_pat, items_pat) = match strip_parens(iter) {
            Expr::MethodCall(m) if m.method == "enumerate" && m.args.is_empty() => {
                let Pat::Tuple(t) = pat else { return None };
                if t.elems.len() != 2 {
                    return None;
                }
                (&*m.receiver, Some(&t.elems[0]), &t.elems[1])
            }
            other => (other, None, pat),
        };
        let sources: Vec<(&Expr, bool)> = match strip_parens(inner) {
            Expr::MethodCall(m) if m.method == "zip" && m.args.len() == 1 => {
                vec![self.source(&m.receiver)?, self.source(&m.args[0])?]
            }
            other => vec![self.source(other)?],
        };
        let pats: Vec<&Pat> = if sources.len() == 1 {
            vec![items_pat]
        } else {
            match items_pat {
                Pat::Tuple(t) if t.elems.len() == sources.len() => t.elems.iter().collect(),
                _ => return None,
            }
        };
        let mut items = Vec::new();
        for ((buf, by_ref), pat) in sources.into_iter().zip(pats) {
            let (pat, by_ref) = match pat {
                Pat::Reference(r) if by_ref => (&*r.pat, false),
                Pat::Wild(_) => {
                    items.push((buf.clone(), None, by_ref));
                    continue;
                }
                Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => (pat, by_ref),
                _ => return None,
            };
            items.push((buf.clone(), Some(pat), by_ref));
        }
        Some(IterShape {
            index: index_pat,
            items,
        })
    }

    /// One iterated buffer: `x.iter()`, `&x` or `x`, and whether its items are references.
    fn source<'e>(&self, e: &'e Expr) -> Option<(&'e Expr, bool)> {
        match strip_parens(e) {
            Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
                self.path_binding(&m.receiver)?;
                Some((&m.receiver, true))
            }
            Expr::Reference(r) if r.mutability.is_none() => {
                self.path_binding(&r.expr)?;
                Some((&r.expr, true))
            }
            p @ Expr::Path(_) => {
                let binding = self.path_binding(p)?;
                // A buffer held by value yields values; a reference (a `&[f64]` parameter)
                // yields references.
                let by_ref = binding.var.is_none_or(|v| self.vars[v].is_ref);
                Some((p, by_ref))
            }
            _ => None,
        }
    }
}

/// The buffers a `for` loop iterates and the patterns that bind their items.
struct IterShape<'p> {
    index: Option<&'p Pat>,
    /// The buffer, the pattern of its items (`None` for `_`), and whether items are references.
    items: Vec<(Expr, Option<&'p Pat>, bool)>,
}

/// The field a `for` loop's iterator walks (`s.b` of `s.b.iter()`, `&s.b`).
fn iterated_field(e: &Expr) -> Option<&syn::ExprField> {
    match strip_parens(e) {
        Expr::MethodCall(m) => iterated_field(&m.receiver),
        Expr::Reference(r) => iterated_field(&r.expr),
        Expr::Field(f) => Some(f),
        _ => None,
    }
}

/// The buffer a `for` loop walks item by item: `b` in `b.iter()`, `&b`, `b`, `b.iter().rev()`.
fn iterated_buffer(e: &Expr) -> Option<&Expr> {
    match strip_parens(e) {
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(m.method.to_string().as_str(), "iter" | "into_iter" | "rev") =>
        {
            iterated_buffer(&m.receiver)
        }
        Expr::Reference(r) => iterated_buffer(&r.expr),
        p @ Expr::Path(_) => Some(p),
        _ => None,
    }
}

/// The innermost adaptor of an iteration that a `for` loop over active buffers does not take
/// (`filter`, `skip`, `rev`, ...), if any.
fn foreign_adaptor(e: &Expr) -> Option<&syn::ExprMethodCall> {
    let Expr::MethodCall(m) = strip_parens(e) else {
        return None;
    };
    foreign_adaptor(&m.receiver).or_else(|| {
        let taken = known::LOOP_ITERATORS.contains(&m.method.to_string().as_str());
        (!taken).then_some(m)
    })
}

/// What the items of an inactive loop's iterator are, as far as its syntax tells: references
/// (`b.iter()`, `&b`), pairs (`zip`, `enumerate`), or values (anything else: a range, `copied`).
pub(super) enum Items {
    References,
    Values,
    Pairs(Box<Items>, Box<Items>),
}

pub(super) fn items_of(e: &Expr) -> Items {
    match strip_parens(e) {
        Expr::MethodCall(m) if m.args.is_empty() && m.method == "iter" => Items::References,
        Expr::MethodCall(m) if m.args.is_empty() && m.method == "enumerate" => {
            Items::Pairs(Box::new(Items::Values), Box::new(items_of(&m.receiver)))
        }
        Expr::MethodCall(m) if m.args.len() == 1 && m.method == "zip" => Items::Pairs(
            Box::new(items_of(&m.receiver)),
            Box::new(items_of(&m.args[0])),
        ),
        Expr::Reference(_) => Items::References,
        _ => Items::Values,
    }
}

/// Expressions that never produce a value.
fn is_diverging(e: &Expr) -> bool {
    matches!(
        strip_parens(e),
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_)
    )
}
