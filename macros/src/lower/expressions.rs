//! Expressions: operators, float methods, casts and reads, lowered to an operation or an
//! operand.

use super::calls::field_chain;
use super::receivers::Receiver;
use super::rejections::{
    CLOSURE_MESSAGE, is_iterator_chain, is_supported_closure_call, unsupported,
};
use super::syntax::{
    VecMacro, ends, is_view, linalg_path, macro_name, parse_vec_macro, strip_parens, var_operand,
};
use super::{Lowerer, Tail, Target};
use crate::ir::{BinOp, Block, CallArg, CheckForm, Op, Operand, ScalarMethod};
use crate::known::{self, ScalarArity};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote};
use syn::Expr;
use syn::visit::Visit;

impl<'a> Lowerer<'a> {
    /// An inactive expression, checked and kept as written.
    pub(super) fn inactive(&mut self, e: &Expr) {
        match unsupported(e) {
            Some(message) => self.errors.push(e, message),
            None => self.check_verbatim(&|v| v.visit_expr(e)),
        }
    }

    /// Lowers an expression to an operation whose result the caller assigns.
    pub(super) fn op(&mut self, e: &Expr, out: &mut Block) -> Op {
        if !self.expr_active(e) {
            self.inactive(e);
            return Op::Const(e.to_token_stream());
        }
        match e {
            Expr::Paren(p) => self.op(&p.expr, out),
            Expr::Group(g) => self.op(&g.expr, out),
            Expr::Path(_) => Op::Copy(self.operand(e, out)),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                match self.operand(&u.expr, out) {
                    // `*u0` of a reference (an `&[f64; 4]` parameter, say): the value it points
                    // to, and the tangent's, as owned copies the code may then write
                    Operand::Var {
                        id,
                        borrowed: false,
                    } if self.vars[id].is_ref => {
                        Op::Linear(Ident::new("clone", Span::call_site()), var_operand(id))
                    }
                    operand => self.owned(Op::Copy(operand)),
                }
            }
            Expr::Unary(u) => {
                let operand = self.operand(&u.expr, out);
                let guard = self.guard(CheckForm::Prefix(u.op.to_token_stream()), &u.expr, &u.expr);
                Op::Neg(operand, guard)
            }
            Expr::Reference(r) => {
                let message = match strip_parens(&r.expr) {
                    _ if r.mutability.is_some() => {
                        "`&mut` borrows of active values cannot be differentiated; assign the new value instead"
                    }
                    Expr::Index(ix) if matches!(strip_parens(&ix.index), Expr::Range(_)) => {
                        "slicing an active buffer cannot be differentiated; index its elements in a loop, or pass the whole buffer and the bounds"
                    }
                    _ => {
                        "a reference to an active value can only be an operand or a call argument; bind the value itself, or `.clone()` it"
                    }
                };
                self.errors.push(r, message);
                Op::Const(TokenStream::new())
            }
            Expr::Binary(b) => {
                use syn::BinOp as B;
                let op = match b.op {
                    B::Add(_) => BinOp::Add,
                    B::Sub(_) => BinOp::Sub,
                    B::Mul(_) => BinOp::Mul,
                    B::Div(_) => BinOp::Div,
                    _ => {
                        self.errors.push(
                            &b.op,
                            format!(
                                "no derivative rule for `{}`; matcalc differentiates `+`, `-`, `*` and `/`",
                                b.op.to_token_stream()
                            ),
                        );
                        return Op::Const(TokenStream::new());
                    }
                };
                let left = self.operand(&b.left, out);
                // `x[i] * x[i]`: one read, since nothing runs between the two
                let right = if same_read(&b.left, &b.right) {
                    left.clone()
                } else {
                    self.operand(&b.right, out)
                };
                let guard = self.guard(CheckForm::Infix(b.op.to_token_stream()), &b.left, &b.right);
                Op::Binary(op, left, right, guard)
            }
            Expr::MethodCall(m) => self.method(m, out),
            Expr::Call(c) => self.call(c, out),
            Expr::Index(ix) => {
                // The indexed value: an active variable, or a field or element of one.
                let buf = match self.active_var(&ix.expr) {
                    Some(buf) => buf,
                    None => match self.operand(&ix.expr, out) {
                        Operand::Var { id, .. } => id,
                        Operand::Const(_) => return Op::Const(e.to_token_stream()),
                    },
                };
                if matches!(strip_parens(&ix.index), Expr::Range(_)) {
                    self.errors.push(
                        &ix.index,
                        "slicing an active buffer cannot be differentiated; index its elements in a loop, or pass the whole buffer and the bounds",
                    );
                    return Op::Const(TokenStream::new());
                }
                self.check_verbatim(&|v| v.visit_expr(&ix.index));
                let index = self.index(&ix.index, out);
                Op::Read {
                    buf,
                    index,
                    by_ref: false,
                }
            }
            Expr::Cast(c) if known::is_float_type(&c.ty) => {
                Op::Cast(self.operand(&c.expr, out), (*c.ty).clone())
            }
            Expr::Cast(c) => {
                self.errors.push(
                    &c.ty,
                    "a cast of an active value to a type the macro cannot read; it reads float types by their spelling: write `as f64` or `as f32` (or an integer type, which drops the derivative)",
                );
                Op::Const(TokenStream::new())
            }
            Expr::If(_) | Expr::Match(_) | Expr::Block(_) | Expr::Loop(_) => {
                Op::Copy(self.control_value(e, out))
            }
            Expr::Macro(m) if macro_name(&m.mac) == "vec" => match parse_vec_macro(m) {
                Some(VecMacro::Repeat(elem, len)) => {
                    let elem = self.operand(&elem, out);
                    self.check_verbatim(&|v| v.visit_expr(&len));
                    let len = self.const_temp(&len, out).to_token_stream();
                    Op::Repeat {
                        elem,
                        len,
                        vec: true,
                    }
                }
                Some(VecMacro::List(items)) => Op::List {
                    elems: items.iter().map(|e| self.operand(e, out)).collect(),
                    vec: true,
                },
                None => {
                    self.errors.push(
                        m,
                        "cannot read this `vec!`; write `vec![x; n]` or `vec![a, b]`",
                    );
                    Op::Const(TokenStream::new())
                }
            },
            Expr::Array(a) => Op::List {
                elems: a.elems.iter().map(|e| self.operand(e, out)).collect(),
                vec: false,
            },
            Expr::Repeat(r) => Op::Repeat {
                elem: self.operand(&r.expr, out),
                len: r.len.to_token_stream(),
                vec: false,
            },
            Expr::Tuple(t) => {
                self.errors.push(
                    t,
                    "a tuple of active values can only be returned or destructured with `let (a, b) = (..);`",
                );
                Op::Const(TokenStream::new())
            }
            Expr::Field(f) if self.active_var(e).is_some() => Op::Copy(self.operand(e, out)),
            Expr::Field(f)
                if !matches!(strip_parens(&f.base), Expr::MethodCall(_))
                    && self.expr_active(&f.base) =>
            {
                // A field of an active struct (deriving `Differentiable`), by reference.
                match self.operand(&f.base, out) {
                    Operand::Var { id, .. } => Op::Field {
                        base: id,
                        member: f.member.clone(),
                    },
                    Operand::Const(_) => Op::Const(e.to_token_stream()),
                }
            }
            Expr::Struct(st) => {
                if let Some(rest) = &st.rest {
                    self.errors.push(
                        rest,
                        "`..base` in a struct literal of active values cannot be differentiated; name every field",
                    );
                    return Op::Const(TokenStream::new());
                }
                let fields = st
                    .fields
                    .iter()
                    .map(|f| (f.member.clone(), self.operand(&f.expr, out)))
                    .collect();
                Op::Struct {
                    path: st.path.clone(),
                    fields,
                }
            }
            Expr::Field(f) => match field_chain(f) {
                Some(chain) => self.chain_op(chain, out),
                None => {
                    self.errors.push(
                        f,
                        "fields of active values cannot be differentiated; destructure the tuple with `let (a, b) = ...;`",
                    );
                    Op::Const(TokenStream::new())
                }
            },
            other => {
                let message =
                    unsupported(other).unwrap_or("this expression cannot be differentiated");
                self.errors.push(other, message);
                Op::Const(TokenStream::new())
            }
        }
    }

    /// [`Self::op`] of a whole assigned value. An inactive block value that changes active
    /// variables (`s = { t += x; 2.0 };`, `s` active) is lowered like an active one; only here,
    /// where nothing else of the statement is evaluated around it.
    pub(super) fn whole_op(&mut self, e: &Expr, out: &mut Block) -> Op {
        if !self.expr_active(e) && self.needs_lowering(e) {
            return Op::Copy(self.control_value(strip_parens(e), out));
        }
        self.op(e, out)
    }

    /// Lowers an expression to an operand: an active variable or an inactive temporary.
    pub(super) fn operand(&mut self, e: &Expr, out: &mut Block) -> Operand {
        if self.active_var(e).is_none() && self.record_of(e).is_some() {
            self.errors.push(
                e,
                "a tuple of active values is used through its fields (`t.0`) or returned; bind a field, or destructure it with `let (a, b) = t;`",
            );
            return Operand::Const(self.names.fresh("invalid"));
        }
        if !self.expr_active(e) {
            self.inactive(e);
            if is_view(e) {
                // A view borrows its matrix and has a type of its own, which the rules of the
                // operators (generic over owned matrices) do not take: an owned copy does.
                return Operand::Const(self.const_temp(&quote!((#e).clone_owned()), out));
            }
            return Operand::Const(self.const_temp(e, out));
        }
        match strip_parens(e) {
            p @ (Expr::Path(_) | Expr::Field(_)) if self.active_var(p).is_some() => Operand::Var {
                id: self.active_var(p).expect("checked"),
                borrowed: false,
            },
            // `*v` of a value held by value is the value; of a reference (an item of
            // `x.iter()`), a copy, below: the spelling of the user's expression must read a
            // value where the user's does (`&s * *x` is a matrix times a float, not `&f64`)
            Expr::Unary(u)
                if matches!(u.op, syn::UnOp::Deref(_))
                    && self
                        .active_var(&u.expr)
                        .is_some_and(|id| !self.vars[id].is_ref) =>
            {
                Operand::Var {
                    id: self.active_var(&u.expr).expect("checked"),
                    borrowed: false,
                }
            }
            Expr::Reference(r) if r.mutability.is_none() => match self.active_var(&r.expr) {
                Some(id) => Operand::Var { id, borrowed: true },
                None => match self.operand(&r.expr, out) {
                    Operand::Var { id, .. } => Operand::Var { id, borrowed: true },
                    c => c,
                },
            },
            e @ (Expr::If(_) | Expr::Match(_) | Expr::Block(_) | Expr::Loop(_)) => {
                self.control_value(e, out)
            }
            e => {
                let op = self.op(e, out);
                var_operand(self.bind_temp(op, out))
            }
        }
    }

    /// A value computed by `if`, `match`, a block or `loop`, into a new variable.
    pub(super) fn control_value(&mut self, e: &Expr, out: &mut Block) -> Operand {
        let t = self.deferred_temp(out);
        self.control(e, out, &Tail::Into(Target::Active(t)));
        var_operand(t)
    }

    fn method(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Op {
        let name = m.method.to_string();
        let args: Vec<&Expr> = m.args.iter().collect();
        if let Some(closure) = self.active_closure(m) {
            self.errors.push(closure, CLOSURE_MESSAGE);
            return Op::Const(TokenStream::new());
        }
        if is_iterator_chain(&m.receiver) {
            self.reject_adaptor(m);
            return Op::Const(TokenStream::new());
        }
        if name == "exp" && args.is_empty() {
            // `x.exp()` is the exponential of a float or of a square matrix: the runtime's `exp`
            // dispatches on the type.
            let arg = self.matrix_arg(&m.receiver, out);
            return Op::Call {
                func: linalg_path("exp"),
                args: vec![arg],
                guard: None,
            };
        }
        // `z.max()` without an argument is the largest entry of a matrix (below), not a float's
        let entry_of_matrix = matches!(name.as_str(), "max" | "min") && args.is_empty();
        let matrix = self.receiver_kind(&m.receiver) == Some(Receiver::Matrix);
        if matrix && name == "abs" && args.is_empty() {
            // nalgebra's `abs` of a matrix is entrywise
            let entry = self.names.fresh("entry");
            let closure: syn::ExprClosure = syn::parse_quote!(|#entry| #entry.abs());
            return self.map_closure(&m.receiver, &closure, out);
        }
        if known::scalar(&name).is_some() && !entry_of_matrix && !matrix {
            return self.scalar_op(
                &m.method,
                &m.receiver,
                &args,
                None,
                m.to_token_stream(),
                out,
            );
        }
        if let Some(op) = self.linalg_chain(m, out) {
            return op;
        }
        if let Some((function, kinds)) = known::linalg_method(&name)
            && kinds.len() == args.len()
        {
            let mut call_args = vec![self.matrix_arg(&m.receiver, out)];
            for (kind, arg) in kinds.chars().zip(&args) {
                call_args.push(if kind == 'm' {
                    self.matrix_arg(arg, out)
                } else {
                    self.inactive(arg);
                    CallArg::Inactive(arg.to_token_stream())
                });
            }
            return Op::Call {
                func: linalg_path(function),
                args: call_args,
                guard: None,
            };
        }
        if name == "map" && args.len() == 1 && matches!(args[0], Expr::Closure(_)) {
            let Expr::Closure(closure) = args[0] else {
                unreachable!("checked")
            };
            return self.map_closure(&m.receiver, closure, out);
        }
        if name == "map"
            && args.len() == 1
            && let Expr::Path(function) = strip_parens(args[0])
            && self.expr_active(&m.receiver)
        {
            // `m.map(f64::tanh)`: the closure `|entry| f64::tanh(entry)`
            let entry = self.names.fresh("entry");
            let closure: syn::ExprClosure = syn::parse_quote!(|#entry| #function(#entry));
            return self.map_closure(&m.receiver, &closure, out);
        }
        if matches!(strip_parens(&m.receiver), Expr::Path(p) if p.path.is_ident("self")) {
            // Another method of the same type: differentiated through its companions.
            let mut call_args = vec![match self.operand(&m.receiver, out) {
                Operand::Var { id, .. } => CallArg::Active {
                    id,
                    borrowed: false,
                },
                Operand::Const(c) => CallArg::Inactive(quote!(#c)),
            }];
            for a in &args {
                call_args.push(if self.expr_active(a) {
                    match self.operand(a, out) {
                        Operand::Var { id, borrowed } => CallArg::Active { id, borrowed },
                        Operand::Const(c) => CallArg::Inactive(quote!(#c)),
                    }
                } else {
                    self.inactive(a);
                    CallArg::Inactive(a.to_token_stream())
                });
            }
            let method = &m.method;
            return Op::Call {
                func: syn::parse_quote!(Self::#method),
                args: call_args,
                guard: None,
            };
        }
        if name == "dot" && args.len() == 1 {
            let left = self.operand(&m.receiver, out);
            let right = self.operand(args[0], out);
            let guard = self.guard(CheckForm::Method(m.method.clone()), &m.receiver, args[0]);
            return Op::Binary(BinOp::Dot, left, right, guard);
        }
        if known::LINEAR_METHODS.contains(&name.as_str()) && args.is_empty() {
            return match self.operand(&m.receiver, out) {
                Operand::Const(_) => Op::Const(m.to_token_stream()),
                receiver => Op::Linear(m.method.clone(), receiver),
            };
        }
        self.reject_method(m);
        Op::Const(TokenStream::new())
    }

    /// A closure in a method chain that uses an active value.
    fn active_closure<'e>(&self, m: &'e syn::ExprMethodCall) -> Option<&'e syn::ExprClosure> {
        let mut closures = Closures(Vec::new());
        closures.visit_expr_method_call(m);
        closures
            .0
            .into_iter()
            .find(|c| self.mentions_active_expr(&c.body) && !is_supported_closure_call(m, c))
    }

    pub(super) fn scalar_op(
        &mut self,
        name: &Ident,
        receiver: &Expr,
        args: &[&Expr],
        through: Option<syn::Path>,
        whole: TokenStream,
        out: &mut Block,
    ) -> Op {
        let ScalarArity { floats, ints } = known::scalar(&name.to_string()).expect("a scalar rule");
        if args.len() + 1 != floats + ints {
            self.errors.push(
                name,
                format!(
                    "`{name}` takes {} argument(s) besides the value",
                    floats + ints - 1
                ),
            );
            return Op::Const(TokenStream::new());
        }
        let mut inputs = vec![self.operand(receiver, out)];
        for a in &args[..floats - 1] {
            let input = match self.operand(a, out) {
                value @ Operand::Var { .. } => {
                    let argument = Op::Argument { value, like: None };
                    var_operand(self.bind_temp(argument, out))
                }
                constant => constant,
            };
            inputs.push(input);
        }
        let int_inputs = args[floats - 1..]
            .iter()
            .map(|a| {
                self.inactive(a);
                self.const_temp(a, out)
            })
            .collect();
        if inputs.iter().all(|o| o.var().is_none()) {
            // Only an inactive value reached the rule (`x.len().sqrt()` mentions `x`).
            return Op::Const(whole);
        }
        self.next_check += 1;
        Op::Scalar(ScalarMethod {
            name: name.clone(),
            inputs,
            int_inputs,
            args: args.iter().map(|a| ends(a)).collect(),
            through,
            witness: Some(self.next_check),
        })
    }

    /// An operation whose result is a value of its own, not a reference: a copy of a variable
    /// that holds a reference (an item of `.iter()`, `*xi`) becomes a `clone()` of it, which
    /// for a float item is the float. Used where the user's value is owned: `*xi`, a branch
    /// or block value, a tuple element, a typed binding, an assignment to an owned variable.
    pub(super) fn owned(&self, op: Op) -> Op {
        match op {
            Op::Copy(Operand::Var {
                id,
                borrowed: false,
            }) if self.vars[id].is_ref && !self.vars[id].param => {
                Op::Linear(Ident::new("clone", Span::call_site()), var_operand(id))
            }
            op => op,
        }
    }
}

/// The closures in an expression (not those nested in items).
struct Closures<'a>(Vec<&'a syn::ExprClosure>);

impl<'a> Visit<'a> for Closures<'a> {
    fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
        self.0.push(c);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// The adaptor of an iterator chain that the rewriting into loops does not take (see
/// `chains`): the innermost one that is not a source (`iter`, `enumerate`, `zip`, ...) or a
/// stage it takes (`map`, `copied`, `cloned`), else the outermost call.
impl Lowerer<'_> {
    /// The error for a method called on an iterator chain that is not rewritten as a loop,
    /// naming the first adaptor the rewriting does not take.
    pub(super) fn reject_adaptor(&mut self, m: &syn::ExprMethodCall) {
        let unsupported = unsupported_adaptor(m);
        if unsupported.method == "filter" {
            let predicate = unsupported.args.to_token_stream().to_string();
            self.errors.push(
                &unsupported.args,
                format!(
                    "the predicate of `filter` in a differentiated chain is a closure: write `.filter(|v| {predicate}(v))`"
                ),
            );
            return;
        }
        self.errors.push(
            &unsupported.method,
            format!(
                "the iterator adaptor `{}` is not differentiated; a chain of `map`, `filter`, `copied` and `cloned` over floats that ends in `sum`, `product`, `fold`, `collect`, or `max_by`, `min_by` or `reduce` then `unwrap` is, and so is a `for` loop over `.iter()`, `.iter().enumerate()`, `.iter().zip(..)` or an index range",
                unsupported.method
            ),
        );
    }
}

fn unsupported_adaptor(m: &syn::ExprMethodCall) -> &syn::ExprMethodCall {
    let mut found = m;
    let mut call = m;
    while let Expr::MethodCall(inner) = strip_parens(&call.receiver) {
        let name = inner.method.to_string();
        // a filter whose predicate is not a closure is not a stage the rewriting takes
        let path_filter = name == "filter" && !matches!(inner.args.first(), Some(Expr::Closure(_)));
        if path_filter
            || (!known::LOOP_ITERATORS.contains(&name.as_str())
                && !known::CHAIN_STAGES.contains(&name.as_str()))
        {
            found = inner;
        }
        call = inner;
    }
    found
}

/// Both operands of a binary operation read the same element, `x[i]` (the same tokens: a name
/// or a field indexed by names and literals): the right one reads what the left one did, since
/// nothing runs between them.
fn same_read(left: &Expr, right: &Expr) -> bool {
    fn simple(e: &Expr) -> bool {
        match strip_parens(e) {
            Expr::Path(p) => p.path.get_ident().is_some(),
            Expr::Lit(_) => true,
            Expr::Field(f) => simple(&f.base),
            Expr::Tuple(t) => t.elems.iter().all(simple),
            _ => false,
        }
    }
    match (strip_parens(left), strip_parens(right)) {
        (l @ Expr::Index(index), r @ Expr::Index(_)) => {
            simple(&index.expr)
                && simple(&index.index)
                && l.to_token_stream().to_string() == r.to_token_stream().to_string()
        }
        _ => false,
    }
}
