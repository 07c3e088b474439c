//! The tangent program: forward mode written in the model itself, so that reverse mode can be
//! applied to it. Reverse mode of the tangent program is `f_jvp_vjp`, the building block of
//! Hessian-vector products (reverse over forward): seeded with the tangent of the value, its
//! pullback returns H·ẋ for the parameters and ∇f for their tangents.
//!
//! ```text
//! // f:  y = x.sin() * k          // tangent program of f (params x, k, x_dot, k_dot)
//!                                 t1 = x.sin();   p = scalar::sin(x, t1);   t1_dot = p * x_dot;
//!                                 y = t1 * k;     y_dot = t1_dot * k + t1 * k_dot;
//!                                 return ((y), (y_dot))
//! ```
//!
//! Each operation's tangent uses only operations of the model: products, sums, the rule of a
//! scalar method called as a function (`scalar::sin`, whose own companions hold the second
//! derivatives), and for a called function `g` its companion `g_jvp`, whose reverse mode is
//! `g_jvp_vjp`.

use crate::analysis::floats::Floats;
use crate::emit::{Model, companion};
use crate::ir::{BinOp, Block, CallArg, Guard, Op, Operand, Stmt, Var, VarId};
use crate::names::Names;
use crate::signature::{Layout, Param};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashSet;

/// The tangent program of `model`: parameters, then the tangents of the active ones; returns
/// the value and its tangent.
pub(crate) fn program<'f>(model: &Model<'f>) -> Model<'f> {
    let mut t = Tangents {
        names: model.names,
        vars: model.vars.clone(),
        dots: vec![None; model.vars.len()],
        taken: model.vars.iter().map(|v| v.uniq.clone()).collect(),
        next: 0,
        literals: model.literals.keys().cloned().collect(),
        floats: &model.floats,
        zero_literals: Vec::new(),
        zero_buffers: HashSet::new(),
    };
    let mut sig = model.sig.clone();
    let mut param_vars = model.param_vars.clone();
    for (param, var) in model
        .active_params()
        .map(|(p, v)| (p.clone(), v))
        .collect::<Vec<_>>()
    {
        let dot = t.dot(var);
        sig.params.push(Param {
            ident: t.vars[dot].ident.clone(),
            ..param
        });
        param_vars.push(Some(dot));
    }
    let ret = &model.sig.ret.ty;
    sig.ret.ty = syn::parse_quote!((#ret, #ret));
    sig.ret.layout = Layout::Tuple(vec![model.sig.ret.layout.clone(); 2]);
    sig.ret.scalar = false;
    let stmts = t.block(&model.stmts);
    let zero_buffers = std::mem::take(&mut t.zero_buffers);
    let literals = {
        let mut literals = model.literals.clone();
        literals.extend(t.zero_literals);
        literals
    };
    let mut program = Model {
        func: model.func,
        stem: format_ident!("{}_jvp", model.stem),
        second_order: false,
        sig,
        vars: t.vars,
        stmts,
        param_vars,
        ref_consts: model.ref_consts.clone(),
        literals,
        names: model.names,
        floats: Default::default(),
        spelled: Default::default(),
    };
    program.floats = crate::analysis::floats::Floats::of_tangent(&program, zero_buffers);
    program
}

struct Tangents<'n> {
    names: &'n Names,
    vars: Vec<Var>,
    /// The tangent variable of each variable, made when first needed.
    dots: Vec<Option<VarId>>,
    taken: HashSet<String>,
    next: usize,
    /// The inactive temporaries bound to a literal.
    literals: HashSet<String>,
    /// The scalars of the function (see `analysis::floats`).
    floats: &'n Floats,
    /// The zeros of scalars, which the tangent program's analysis takes for the literal `0.0`
    /// (see [`Tangents::zero`]).
    zero_literals: Vec<(String, TokenStream)>,
    /// The zeros of buffers of scalars: their copies are such buffers.
    zero_buffers: HashSet<String>,
}

impl Tangents<'_> {
    fn fresh(&mut self, stem: &str, is_ref: bool, param: bool) -> VarId {
        let mut uniq = stem.to_string();
        let mut n = 1;
        while !self.taken.insert(uniq.clone()) {
            uniq = format!("{stem}_{n}");
            n += 1;
        }
        self.vars.push(Var {
            ident: self.names.fresh(&uniq),
            uniq,
            is_ref,
            param,
        });
        self.dots.push(None);
        self.vars.len() - 1
    }

    fn dot(&mut self, var: VarId) -> VarId {
        if let Some(d) = self.dots[var] {
            return d;
        }
        let stem = format!("{}_dot", self.vars[var].uniq);
        let d = self.fresh(&stem, self.vars[var].is_ref, self.vars[var].param);
        self.dots[var] = Some(d);
        d
    }

    fn temp(&mut self) -> VarId {
        self.next += 1;
        let stem = format!("tt{}", self.next);
        self.fresh(&stem, false, false)
    }

    /// An argument of a float method that is not active, `c`, in a call of the method's rule
    /// (see `Model::scalar_argument`).
    fn rule_argument(&self, c: &proc_macro2::Ident) -> TokenStream {
        crate::emit::rule_argument(c, self.literals.contains(&c.to_string()))
    }

    /// An inactive zero of the shape of `value`, bound to a hygienic name. The zero of a scalar
    /// counts as the literal `0.0`, which it equals, in type too: the tangent program's
    /// products of scalars are then written as such.
    fn zero(&mut self, value: TokenStream, scalar: bool, out: &mut Block) -> Operand {
        self.next += 1;
        let z = self.names.fresh(&format!("zero{}", self.next));
        if scalar {
            self.zero_literals.push((z.to_string(), quote!(0.0)));
        }
        out.push(Stmt::Verbatim(
            quote!(let #z = ::matcalc::__private::zero_like(&#value);),
        ));
        Operand::Const(z)
    }

    /// The tangent of an operand: its variable's tangent, or zero for a constant.
    fn of(&mut self, o: &Operand, out: &mut Block) -> Operand {
        match o {
            Operand::Var { id, borrowed } => Operand::Var {
                id: self.dot(*id),
                borrowed: *borrowed,
            },
            Operand::Const(c) => {
                let scalar = self.floats.is_scalar(o);
                self.zero(quote!(#c), scalar, out)
            }
        }
    }

    /// `y = o` for a tangent `o`: a copy, or a `clone()` when `o` is a reference and `y` is not
    /// (`y = *xi - 1.0` has the tangent of the item `xi` of `.iter()`, a reference).
    fn copy(&self, o: Operand, y: VarId) -> Op {
        match o {
            Operand::Var { id, .. } if self.vars[id].is_ref && !self.vars[y].is_ref => {
                Op::Linear(clone_ident(), o)
            }
            o => Op::Copy(o),
        }
    }

    /// `let t = op;` into a new temporary.
    fn bind(&mut self, op: Op, out: &mut Block) -> Operand {
        let t = self.temp();
        out.push(Stmt::Let {
            var: t,
            mutable: false,
            ty: None,
            op: Some(op),
        });
        Operand::Var {
            id: t,
            borrowed: false,
        }
    }

    /// The arguments of `g_jvp`: those of `g`, then tangents for those that have them.
    fn call_args(&mut self, args: &[CallArg], out: &mut Block) -> Vec<CallArg> {
        let mut tangents = Vec::new();
        for a in args {
            match a {
                CallArg::Active { id, borrowed } => tangents.push(CallArg::Active {
                    id: self.dot(*id),
                    borrowed: *borrowed,
                }),
                CallArg::Constant { value, by_ref } => {
                    let Operand::Const(z) = self.zero(quote!(#value), false, out) else {
                        unreachable!("zeros are constants")
                    };
                    let value = if *by_ref {
                        let r = self.names.fresh(&format!("{z}_ref"));
                        out.push(Stmt::Verbatim(quote!(let #r = &#z;)));
                        r
                    } else {
                        z
                    };
                    tangents.push(CallArg::Constant {
                        value,
                        by_ref: *by_ref,
                    });
                }
                CallArg::Inactive(_) => {}
            }
        }
        args.iter().cloned().chain(tangents).collect()
    }

    fn block(&mut self, stmts: &Block) -> Block {
        let mut out = Vec::new();
        for s in stmts {
            self.stmt(s, &mut out);
        }
        out
    }

    fn stmt(&mut self, s: &Stmt, out: &mut Block) {
        match s {
            Stmt::Verbatim(tokens) => out.push(Stmt::Verbatim(tokens.clone())),
            Stmt::Let {
                var,
                mutable,
                ty,
                op: None,
            } => {
                out.push(Stmt::Let {
                    var: *var,
                    mutable: *mutable,
                    ty: ty.clone(),
                    op: None,
                });
                let dot = self.dot(*var);
                out.push(Stmt::Let {
                    var: dot,
                    mutable: *mutable,
                    ty: ty.clone(),
                    op: None,
                });
            }
            Stmt::Let {
                var,
                mutable,
                ty,
                op: Some(op),
            } => {
                let (value, tangent) = self.define(*var, op, out);
                out.push(Stmt::Let {
                    var: *var,
                    mutable: *mutable,
                    ty: ty.clone(),
                    op: Some(value),
                });
                let tangent = tangent(self, out);
                let dot = self.dot(*var);
                out.push(Stmt::Let {
                    var: dot,
                    mutable: *mutable,
                    ty: ty.clone(),
                    op: Some(tangent),
                });
            }
            Stmt::Assign { var, op } => {
                let (value, tangent) = self.define(*var, op, out);
                out.push(Stmt::Assign {
                    var: *var,
                    op: value,
                });
                let tangent = tangent(self, out);
                let dot = self.dot(*var);
                out.push(Stmt::Assign {
                    var: dot,
                    op: tangent,
                });
            }
            Stmt::LetTuple {
                vars,
                func,
                args,
                pairs: false,
                guard,
            } => {
                let args = self.call_args(args, out);
                let dots: Vec<VarId> = vars.iter().map(|v| self.dot(*v)).collect();
                out.push(Stmt::LetTuple {
                    vars: vars.iter().copied().chain(dots).collect(),
                    func: companion(func, "jvp"),
                    args,
                    pairs: true,
                    guard: guard.clone(),
                });
            }
            Stmt::LetTuple { pairs: true, .. } => {
                unreachable!("the tangent program is made once, from the lowered body")
            }
            Stmt::Write { buf, index, value } => {
                out.push(Stmt::Write {
                    buf: *buf,
                    index: index.clone(),
                    value: value.clone(),
                });
                let tangent = self.of(value, out);
                let dot = self.dot(*buf);
                out.push(Stmt::Write {
                    buf: dot,
                    index: index.clone(),
                    value: tangent,
                });
            }
            Stmt::WriteField {
                base,
                member,
                value,
            } => {
                out.push(Stmt::WriteField {
                    base: *base,
                    member: member.clone(),
                    value: value.clone(),
                });
                let tangent = self.of(value, out);
                let dot = self.dot(*base);
                out.push(Stmt::WriteField {
                    base: dot,
                    member: member.clone(),
                    value: tangent,
                });
            }
            Stmt::Push { buf, value } => {
                out.push(Stmt::Push {
                    buf: *buf,
                    value: value.clone(),
                });
                let tangent = self.of(value, out);
                let dot = self.dot(*buf);
                out.push(Stmt::Push {
                    buf: dot,
                    value: tangent,
                });
            }
            Stmt::If { cond, then, els } => {
                let then = self.block(then);
                let els = els.as_ref().map(|e| self.block(e));
                out.push(Stmt::If {
                    cond: cond.clone(),
                    then,
                    els,
                });
            }
            Stmt::LetElse {
                pat,
                init,
                otherwise,
            } => {
                let otherwise = self.block(otherwise);
                out.push(Stmt::LetElse {
                    pat: pat.clone(),
                    init: init.clone(),
                    otherwise,
                });
            }
            Stmt::Match { scrutinee, arms } => {
                let arms = arms
                    .iter()
                    .map(|a| crate::ir::Arm {
                        pat: a.pat.clone(),
                        guard: a.guard.clone(),
                        body: self.block(&a.body),
                    })
                    .collect();
                out.push(Stmt::Match {
                    scrutinee: scrutinee.clone(),
                    arms,
                });
            }
            Stmt::Loop { label, body } => {
                let body = self.block(body);
                out.push(Stmt::Loop {
                    label: label.clone(),
                    body,
                });
            }
            // A checkpointed loop stays one in the tangent program, whose reverse (second order)
            // then keeps the loop's state with its tangents, which are active variables of the
            // model like any other (see `reverse::checkpointed`).
            Stmt::While {
                label,
                cond,
                body,
                checkpoint,
            } => {
                let body = self.block(body);
                out.push(Stmt::While {
                    label: label.clone(),
                    cond: cond.clone(),
                    body,
                    checkpoint: checkpoint.clone(),
                });
            }
            Stmt::For {
                label,
                pat,
                iter,
                body,
                checkpoint,
            } => {
                let body = self.block(body);
                out.push(Stmt::For {
                    label: label.clone(),
                    pat: pat.clone(),
                    iter: iter.clone(),
                    body,
                    checkpoint: checkpoint.clone(),
                });
            }
            Stmt::Block(b) => {
                let b = self.block(b);
                out.push(Stmt::Block(b));
            }
            Stmt::Break(label) => out.push(Stmt::Break(label.clone())),
            Stmt::Continue(label) => out.push(Stmt::Continue(label.clone())),
            Stmt::Return { values, spellings } => {
                // Where the values are spelled, a constant's zero is made from the value as
                // returned, of the declared type (see `Model::returned`): the constant itself
                // stands for it.
                let tangents: Vec<Operand> = values
                    .iter()
                    .map(|v| match v {
                        Operand::Const(_) if spellings.is_some() => v.clone(),
                        v => self.of(v, out),
                    })
                    .collect();
                out.push(Stmt::Return {
                    values: values.iter().cloned().chain(tangents).collect(),
                    // the tangents are spelled as their values (see `Model::returned`)
                    spellings: spellings.clone(),
                });
            }
        }
    }

    /// The primal operation assigned to `var` and a function writing its tangent (run after the
    /// primal assignment, since the tangents of quotients and rules read the result). A call
    /// becomes `g_jvp`, which computes both; the primal then copies its value.
    #[allow(clippy::type_complexity)]
    fn define(
        &mut self,
        var: VarId,
        op: &Op,
        out: &mut Block,
    ) -> (Op, Box<dyn FnOnce(&mut Self, &mut Block) -> Op>) {
        if let Op::Call { func, args, guard } = op {
            let (value, tangent) = (self.temp(), self.temp());
            let args = self.call_args(args, out);
            out.push(Stmt::LetTuple {
                vars: vec![value, tangent],
                func: companion(func, "jvp"),
                args,
                pairs: true,
                guard: guard.clone(),
            });
            let copy = |id| {
                Op::Copy(Operand::Var {
                    id,
                    borrowed: false,
                })
            };
            return (copy(value), Box::new(move |_, _| copy(tangent)));
        }
        let op_for_tangent = op.clone();
        (
            op.clone(),
            Box::new(move |t: &mut Self, out: &mut Block| t.tangent(&op_for_tangent, var, out)),
        )
    }

    /// The tangent of `y = op` as an operation, after the primal assignment.
    fn tangent(&mut self, op: &Op, y: VarId, out: &mut Block) -> Op {
        let yv = self.vars[y].ident.clone();
        let scalar = self.floats.is_scalar(&Operand::Var {
            id: y,
            borrowed: false,
        });
        let buffer = self.floats.is_buffer(y);
        let zero = |t: &mut Self, out: &mut Block| {
            let z = t.zero(quote!(#yv), scalar, out);
            if buffer && let Operand::Const(name) = &z {
                t.zero_buffers.insert(name.to_string());
            }
            Op::Copy(z)
        };
        let active = |o: &Operand| o.var().is_some();
        match op {
            Op::Copy(o) if active(o) => {
                let d = self.of(o, out);
                self.copy(d, y)
            }
            Op::Copy(_) | Op::Const(_) => zero(self, out),
            Op::Neg(o, guard) => Op::Neg(self.of(o, out), derived(guard)),
            Op::Binary(bin @ (BinOp::Add | BinOp::Sub), a, b, guard) => {
                match (active(a), active(b)) {
                    (true, true) => {
                        Op::Binary(*bin, self.of(a, out), self.of(b, out), derived(guard))
                    }
                    (true, false) => {
                        let d = self.of(a, out);
                        self.copy(d, y)
                    }
                    (false, true) if *bin == BinOp::Add => {
                        let d = self.of(b, out);
                        self.copy(d, y)
                    }
                    (false, true) => Op::Neg(self.of(b, out), derived(guard)),
                    (false, false) => zero(self, out),
                }
            }
            Op::Binary(bin @ (BinOp::Mul | BinOp::Dot), a, b, guard) => {
                let left =
                    active(a).then(|| Op::Binary(*bin, self.of(a, out), b.clone(), derived(guard)));
                let right =
                    active(b).then(|| Op::Binary(*bin, a.clone(), self.of(b, out), derived(guard)));
                match (left, right) {
                    (Some(l), Some(r)) => {
                        let (l, r) = (self.bind(l, out), self.bind(r, out));
                        Op::Binary(BinOp::Add, l, r, None)
                    }
                    (Some(one), None) | (None, Some(one)) => one,
                    (None, None) => zero(self, out),
                }
            }
            // y = a / b: ẏ = (ȧ − y·ḃ) / b.
            Op::Binary(BinOp::Div, a, b, guard) => {
                let numerator = match (active(a), active(b)) {
                    (true, false) => {
                        let a_dot = self.of(a, out);
                        return Op::Binary(BinOp::Div, a_dot, b.clone(), derived(guard));
                    }
                    (false, false) => return zero(self, out),
                    (a_active, _) => {
                        let y_operand = Operand::Var {
                            id: y,
                            borrowed: false,
                        };
                        let b_dot = self.of(b, out);
                        let scaled = Op::Binary(BinOp::Mul, y_operand, b_dot, derived(guard));
                        let scaled = self.bind(scaled, out);
                        if a_active {
                            let a_dot = self.of(a, out);
                            self.bind(Op::Binary(BinOp::Sub, a_dot, scaled, derived(guard)), out)
                        } else {
                            self.bind(Op::Neg(scaled, derived(guard)), out)
                        }
                    }
                };
                Op::Binary(BinOp::Div, numerator, b.clone(), derived(guard))
            }
            // ẏ = Σ ∂y/∂xᵢ · ẋᵢ, the partials from the rule called as a function.
            Op::Scalar(m) => {
                let name = &m.name;
                let func: syn::Path = syn::parse_quote!(::matcalc::__private::scalar::#name);
                let mut args: Vec<CallArg> = m
                    .inputs
                    .iter()
                    .map(|o| match o {
                        // The rules take floats by value: a reference (an item of `.iter()`)
                        // is copied first.
                        Operand::Var { id, .. } if self.vars[*id].is_ref => {
                            let clone = Op::Linear(clone_ident(), o.clone());
                            let Operand::Var { id, .. } = self.bind(clone, out) else {
                                unreachable!("a bound temporary")
                            };
                            CallArg::Active {
                                id,
                                borrowed: false,
                            }
                        }
                        Operand::Var { id, .. } => CallArg::Active {
                            id: *id,
                            borrowed: false,
                        },
                        // converted to the type the rule takes (see `Model::scalar_argument`)
                        Operand::Const(c) => {
                            let argument = self.rule_argument(c);
                            self.next += 1;
                            let value = self.names.fresh(&format!("argument{}", self.next));
                            out.push(Stmt::Verbatim(quote!(let #value = #argument;)));
                            CallArg::Constant {
                                value,
                                by_ref: false,
                            }
                        }
                    })
                    .collect();
                let ints: Vec<CallArg> = m
                    .int_inputs
                    .iter()
                    .map(|i| CallArg::Inactive(self.rule_argument(i)))
                    .collect();
                args.extend(ints);
                args.push(CallArg::Active {
                    id: y,
                    borrowed: false,
                });
                let partials: Vec<VarId> = m.inputs.iter().map(|_| self.temp()).collect();
                // The receiver goes through the witness of the user's method.
                let guard = m.guard();
                if let [one] = partials[..] {
                    out.push(Stmt::Let {
                        var: one,
                        mutable: false,
                        ty: None,
                        op: Some(Op::Call { func, args, guard }),
                    });
                } else {
                    out.push(Stmt::LetTuple {
                        vars: partials.clone(),
                        func,
                        args,
                        pairs: false,
                        guard,
                    });
                }
                // The receiver's term through the witness, as its tangent (see
                // `Model::scalar_inputs`).
                let terms: Vec<Op> = m
                    .inputs
                    .iter()
                    .zip(&partials)
                    .enumerate()
                    .filter(|(_, (o, _))| active(o))
                    .map(|(i, (o, p))| {
                        let d = self.of(o, out);
                        let p = Operand::Var {
                            id: *p,
                            borrowed: false,
                        };
                        let guard = if i == 0 { m.guard() } else { None };
                        Op::Binary(BinOp::Mul, p, d, guard)
                    })
                    .collect();
                // The last operation is the tangent's own, not a temporary's copied: one term
                // is the tangent, several are summed into it.
                let mut terms = terms.into_iter();
                let first = terms
                    .next()
                    .expect("a scalar operation has an active input");
                terms.fold(first, |sum, term| {
                    let (sum, term) = (self.bind(sum, out), self.bind(term, out));
                    Op::Binary(BinOp::Add, sum, term, None)
                })
            }
            Op::Cast(o, ty) => Op::Cast(self.of(o, out), ty.clone()),
            Op::Declared(o, spelling) => Op::Declared(self.of(o, out), spelling.clone()),
            Op::Argument { value, .. } => Op::Argument {
                value: self.of(value, out),
                like: Some(Operand::Var {
                    id: y,
                    borrowed: false,
                }),
            },
            Op::Linear(method, o) => Op::Linear(method.clone(), self.of(o, out)),
            Op::Read { buf, index, by_ref } => Op::Read {
                buf: self.dot(*buf),
                index: index.clone(),
                by_ref: *by_ref,
            },
            Op::Repeat { elem, len, vec } if active(elem) => Op::Repeat {
                elem: self.of(elem, out),
                len: len.clone(),
                vec: *vec,
            },
            Op::Repeat { .. } => zero(self, out),
            Op::List { elems, vec } => Op::List {
                elems: elems.iter().map(|e| self.of(e, out)).collect(),
                vec: *vec,
            },
            Op::Construct { ctor, elems } => Op::Construct {
                ctor: ctor.clone(),
                elems: elems.iter().map(|e| self.of(e, out)).collect(),
            },
            Op::Field { base, member } => Op::Field {
                base: self.dot(*base),
                member: member.clone(),
            },
            Op::Struct { path, fields } => Op::Struct {
                path: path.clone(),
                fields: fields
                    .iter()
                    .map(|(m, o)| (m.clone(), self.of(o, out)))
                    .collect(),
            },
            Op::Call { .. } => unreachable!("calls are handled by `define`"),
        }
    }
}

/// The method `clone`, which copies the float an item of `.iter()` refers to.
/// The guard of an operation derived from a guarded one: its witness, and no check of its own.
/// The sum of the product rule's two terms takes none: both terms are results of guarded
/// operations, whose types rustc cannot know when the check failed.
fn derived(guard: &Option<Guard>) -> Option<Guard> {
    guard.as_ref().map(|g| Guard {
        id: g.id,
        at: g.at,
        check: None,
    })
}

fn clone_ident() -> proc_macro2::Ident {
    proc_macro2::Ident::new("clone", proc_macro2::Span::call_site())
}
