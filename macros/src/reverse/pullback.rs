//! The pullback of each statement: the forward code of an assignment, a call or a write, and
//! its reverse, which accumulates the adjoints of its inputs.

use super::tape::{Kept, Read};
use super::{Open, Reverse};
use crate::emit::{braced, companion, rt};
use crate::ir::{BinOp, CallArg, Op, Operand, Stmt, VarId};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote};

impl Reverse<'_> {
    /// The reverse of `return values`: the seed flows into the returned values, each seed as
    /// its value's type (the runtime's `seed_as`, which the forward sweep keeps, zero-sized).
    pub(super) fn seed(
        &mut self,
        values: &[Operand],
        open: &mut Open,
        code: &mut Vec<TokenStream>,
    ) {
        let rt = rt();
        let seed = self.m.fresh("seed");
        for (v, path) in values.iter().zip(self.m.sig.ret.layout.paths()) {
            let Some(id) = v.var() else { continue };
            open.touched.insert(id);
            let ty = self.adjoint_type(id, open, code);
            let component = quote!(#seed #path);
            let seed = quote!(#rt::seed_as(#ty, ::core::clone::Clone::clone(&#component)));
            open.backward.push(self.slots().add(id, "acc", seed));
        }
    }

    /// The forward sweep of a statement without control flow; its reverse goes to `open`.
    pub(super) fn simple(&mut self, s: &Stmt, open: &mut Open) -> TokenStream {
        let rt = rt();
        let m = self.m;
        let mut code = Vec::new();
        open.touched.extend(super::adjoints_touched(s));
        // What this statement writes invalidates the residuals kept of it (after the fact: a
        // statement's own residuals are of values before its assignment).
        let written: Vec<VarId> = match s {
            Stmt::Verbatim(_) => {
                // Inactive code may change any inactive value an index reads.
                open.kept.clear();
                Vec::new()
            }
            Stmt::Let { var, .. } | Stmt::Assign { var, .. } => vec![*var],
            Stmt::LetTuple { vars, .. } => vars.clone(),
            Stmt::Write { buf, .. } | Stmt::Push { buf, .. } => vec![*buf],
            Stmt::WriteField { base, .. } => vec![*base],
            _ => Vec::new(),
        };
        match s {
            Stmt::Verbatim(tokens) => {
                code.push(tokens.clone());
                // The name this statement binds, if the plan of the loop it is in asks for it
                // (parsed once, and only then)
                let asked = self
                    .plan
                    .as_ref()
                    .is_some_and(|p| !p.values.literals.is_empty() || !p.recorded.is_empty());
                let bound = asked
                    .then(|| super::recompute::let_of(tokens))
                    .flatten()
                    .map(|(name, _)| name);
                let plan = self.plan.as_ref();
                // the type of a literal the pullback writes again (see `recompute::Values`)
                if let (Some(plan), Some(name)) = (plan, &bound)
                    && let Some(ty) = plan.values.literals.get(&name.to_string())
                {
                    code.push(quote!(let #ty = #rt::type_of(&#name);));
                    open.residuals.push(ty.clone());
                    open.sizeless.push(ty.clone());
                }
                // an index the pullback cannot compute again, kept for it to read the values
                // at it again (see `recompute::Plan::recorded`)
                if let (Some(plan), Some(name)) = (plan, bound)
                    && plan.recorded.contains(&name)
                {
                    let kept = Kept::Recorded(name.to_string());
                    let r = self.residual(kept, quote!(#name), open, &mut code);
                    open.recorded.push((name, r));
                }
            }
            Stmt::Let {
                var, op: None, ty, ..
            } => {
                let x = m.primal(*var);
                let ty = ty.as_ref().map(|t| quote!(: #t));
                code.push(quote!(let mut #x #ty;));
            }
            Stmt::Let {
                var,
                mutable,
                ty,
                op: Some(op),
            } => {
                let x = m.primal(*var);
                let mt = mutable.then(|| quote!(mut));
                let ty = ty.as_ref().map(|t| quote!(: #t));
                // the value moved into place, not copied (see `emit::braced`)
                self.define(*var, op, open, &mut code, |value| {
                    TokenStream::from_iter([quote!(let #mt #x #ty =), value, quote!(;)])
                });
                // the shape of a buffer, kept once for the whole call after its one `let`
                // (see `needs::shaped_once`)
                if let Some(slot) = self.shaped.get(var) {
                    let x = m.pref(&Operand::Var {
                        id: *var,
                        borrowed: false,
                    });
                    code.push(quote!(#slot = ::core::option::Option::Some(#rt::zeros_of(#x));));
                }
            }
            Stmt::Assign { var, op } => {
                let x = m.primal(*var);
                self.define(*var, op, open, &mut code, |value| {
                    TokenStream::from_iter([quote!(#x =), value, quote!(;)])
                });
            }
            Stmt::LetTuple {
                vars,
                func,
                args,
                pairs,
                guard,
            } => {
                let xs: Vec<&Ident> = vars.iter().map(|v| m.primal(*v)).collect();
                let group = |items: Vec<TokenStream>| crate::emit::call_pattern(&items, *pairs);
                let primals = m.call_args(args, guard);
                if vars.iter().any(|v| self.live.contains(v)) {
                    let path = companion(func, "vjp");
                    let pb = self.m.fresh(&format!("pullback{}", self.next_residual + 1));
                    let pattern = group(xs.iter().map(|x| quote!(#x)).collect());
                    let call = crate::emit::call(&path, &primals);
                    code.push(quote!(let (#pattern, #pb) = #call;));
                    let pb = self.residual_once(quote!(#pb), open, &mut code);
                    let zeros: Vec<Ident> = vars
                        .iter()
                        .zip(&xs)
                        .map(|(v, x)| {
                            let shape = quote!(#rt::zeros_of(&#x));
                            self.residual(Kept::Shape(*v), shape, open, &mut code)
                        })
                        .collect();
                    let bars: Vec<Ident> = vars.iter().map(|v| m.bar(*v)).collect();
                    let seed = group(
                        bars.iter()
                            .zip(&zeros)
                            .map(|(b, z)| quote!(#rt::finish(#b.take(), #z)))
                            .collect(),
                    );
                    let spread =
                        self.spread(func, (args, guard), quote!(adjoints), open, &mut code);
                    open.backward.push(quote! {
                        if #(#bars.is_some())||* {
                            let adjoints = #pb(#seed);
                            #spread
                        }
                    });
                } else {
                    let pattern = group(xs.iter().map(|x| quote!(#x)).collect());
                    let call = crate::emit::call(func, &primals);
                    code.push(quote!(let #pattern = #call;));
                }
            }
            Stmt::Write { buf, index, value } => {
                let b = m.primal(*buf);
                let v = m.pval(value);
                code.push(quote!(#b[#index] = #v;));
                if self.live.contains(buf) {
                    let bb = m.bar(*buf);
                    let i = self.residual(
                        Kept::Index(index.to_string()),
                        quote!(#index),
                        open,
                        &mut code,
                    );
                    open.backward.push(match value.var() {
                        Some(v) => {
                            let add = self.slots().add(v, "acc", quote!(g));
                            quote! {
                                if let ::core::option::Option::Some(g) = #rt::take_index(&mut #bb, *#i) {
                                    #add
                                }
                            }
                        }
                        None => quote!(let _ = #rt::take_index(&mut #bb, *#i);),
                    });
                }
            }
            Stmt::WriteField {
                base,
                member,
                value,
            } => {
                let b = m.primal(*base);
                let v = m.pval(value);
                code.push(quote!(#b.#member = #v;));
                if self.live.contains(base) {
                    let bb = m.bar(*base);
                    let take = quote!(#rt::take_field(&mut #bb, |s| &mut s.#member));
                    open.backward.push(match value.var() {
                        Some(v) => {
                            let add = self.slots().add(v, "acc", quote!(g));
                            quote! {
                                if let ::core::option::Option::Some(g) = #take {
                                    #add
                                }
                            }
                        }
                        None => quote!(let _ = #take;),
                    });
                }
            }
            Stmt::Push { buf, value } => {
                let b = m.primal(*buf);
                let v = m.pval(value);
                code.push(quote!(#b.push(#v);));
                if self.live.contains(buf) {
                    let bb = m.bar(*buf);
                    open.backward.push(match value.var() {
                        Some(v) => {
                            let add = self.slots().add(v, "acc", quote!(g));
                            quote! {
                                if let ::core::option::Option::Some(g) = #rt::pop_adjoint(&mut #bb) {
                                    #add
                                }
                            }
                        }
                        None => quote!(let _ = #rt::pop_adjoint(&mut #bb);),
                    });
                }
            }
            other => unreachable!("control statement {}", other.is_control()),
        }
        Self::forget(open, &written);
        // moved, not copied (see `emit::braced`)
        code.into_iter().collect()
    }

    /// Distributes the adjoints a called function's pullback returned over its active arguments.
    fn spread(
        &mut self,
        func: &syn::Path,
        (args, guard): (&[CallArg], &Option<crate::ir::Guard>),
        adjoints: TokenStream,
        open: &mut Open,
        code: &mut Vec<TokenStream>,
    ) -> TokenStream {
        // The first argument's adjoint of a guarded call through the witness, as its value (see
        // `Model::call_args`).
        let through = self.through(guard, open, code);
        // One adjoint per argument that got a tangent; those of constants are dropped. An
        // argument passed by reference may have been coerced (an array `&[f64; N]` to a slice
        // `&[f64]`): its adjoint comes back in the callee's type and is converted to the
        // argument's own, whose type the forward sweep keeps (zero-sized). The runtime's
        // matrix functions take what they are given.
        let runtime = crate::known::is_runtime_linalg(func);
        let targets: Vec<Option<(VarId, Option<Ident>)>> = args
            .iter()
            .filter_map(|a| match a {
                CallArg::Active { id, borrowed } => {
                    let coerced = !runtime && (*borrowed || self.m.vars[*id].is_ref);
                    let ty = coerced.then(|| self.adjoint_type(*id, open, code));
                    Some(Some((*id, ty)))
                }
                CallArg::Constant { .. } => Some(None),
                CallArg::Inactive(_) => None,
            })
            .collect();
        let slots = self.slots();
        let acc = |(v, ty): &(VarId, Option<Ident>), g: TokenStream, first: bool| {
            let g = if first { through(g) } else { g };
            match ty {
                Some(ty) => slots.add(*v, "acc_into", quote!(#ty, #g)),
                None => slots.add(*v, "acc", g),
            }
        };
        match targets.as_slice() {
            [Some(one)] => acc(one, adjoints, true),
            many => {
                let parts: Vec<TokenStream> = many
                    .iter()
                    .enumerate()
                    .map(|(i, t)| match t {
                        Some(_) => {
                            let g = self.m.fresh(&format!("g{i}"));
                            quote!(#g)
                        }
                        None => quote!(_),
                    })
                    .collect();
                let accs = many
                    .iter()
                    .zip(&parts)
                    .enumerate()
                    .filter_map(|(i, (t, g))| t.as_ref().map(|t| acc(t, g.clone(), i == 0)));
                quote! {
                    let (#(#parts),*) = #adjoints;
                    #(#accs)*
                }
            }
        }
    }

    /// The forward sweep of `x = op` (through `assign`) and the reverse of it.
    fn define(
        &mut self,
        var: VarId,
        op: &Op,
        open: &mut Open,
        code: &mut Vec<TokenStream>,
        assign: impl Fn(TokenStream) -> TokenStream,
    ) {
        let rt = rt();
        let m = self.m;
        let live = self.live.contains(&var);
        // the adjoint of `var` in its reverse (see `Slots::taken`)
        let g = self.slots().adjoint(var);
        if let Op::Call { func, args, guard } = op {
            let primals = m.call_args(args, guard);
            if !live {
                code.push(assign(crate::emit::call(func, &primals)));
                return;
            }
            let path = companion(func, "vjp");
            self.next_residual += 1;
            let (out, pb) = (
                self.m.fresh(&format!("out{}", self.next_residual)),
                self.m.fresh(&format!("pullback{}", self.next_residual)),
            );
            let call = crate::emit::call(&path, &primals);
            code.push(quote!(let (#out, #pb) = #call;));
            code.push(assign(quote!(#out)));
            let pb = self.residual_once(quote!(#pb), open, code);
            let spread = self.spread(func, (args, guard), quote!(#pb(#g)), open, code);
            open.backward.push(self.slots().taken(var, spread));
            return;
        }
        code.push(m.check(op));
        // The type of a declared value's own value, kept before the binding moves it; and of
        // an argument's (see `Op::Argument`).
        let declared = match op {
            Op::Declared(a, _) | Op::Argument { value: a, .. } if live => {
                Some(self.adjoint_type(a.var().expect("active"), open, code))
            }
            _ => None,
        };
        code.push(assign(m.primal_op(op)));
        if !live {
            return;
        }
        if op.inputs().is_empty() {
            open.backward.push(self.slots().clear(var));
            return;
        }
        let y = m.primal(var);
        let slots = self.slots();
        let acc = |o: &Operand, value: TokenStream| {
            slots.add(o.var().expect("an active input"), "acc", value)
        };
        let arith = quote!(#rt::rules::arith);
        let steps: TokenStream = match op {
            // `x.to_vec()` of an array: the `Vec` adjoint goes back as an array.
            Op::Linear(method, a) if method == "to_vec" => {
                let a = a.var().expect("active");
                let ty = self.adjoint_type(a, open, code);
                slots.add(a, "acc_into", quote!(#ty, #g))
            }
            Op::Copy(a) | Op::Linear(_, a) => acc(a, g.clone()),
            Op::Neg(a, guard) => {
                let typed = slots.is_definite(var) && guard.is_none();
                let g = self.through(guard, open, code)(g.clone());
                slots.sub(a.var().expect("active"), g, typed)
            }
            Op::Binary(bin @ (BinOp::Add | BinOp::Sub), a, b, guard) => {
                let both = a.var().is_some() && b.var().is_some();
                let through = self.through(guard, open, code);
                let g_once = through(g.clone());
                // (the adjoint of a float is a float, used twice as it is)
                let float = m.floats.is_scalar(&Operand::Var {
                    id: var,
                    borrowed: false,
                });
                let first = a.var().map(|_| {
                    if both && !float {
                        acc(a, through(quote!(::core::clone::Clone::clone(&#g))))
                    } else {
                        acc(a, g_once.clone())
                    }
                });
                let typed = slots.is_definite(var) && guard.is_none();
                let second = b.var().map(|v| match bin {
                    BinOp::Add => slots.add(v, "acc", g_once),
                    _ => slots.sub(v, g_once, typed),
                });
                quote!(#first #second)
            }
            // Of scalars (see `analysis::floats`), as a person writes it: ā += c̄·b, b̄ += a·c̄,
            // and for a quotient ā += c̄/b, b̄ += −(c̄·c)/b. A literal factor is written again.
            // The result a scalar too, whose adjoint `g` is declared with its type (which a
            // result also given values of unknown types would not be).
            Op::Binary(bin @ (BinOp::Mul | BinOp::Div), a, b, None)
                if m.floats.is_scalar(a)
                    && m.floats.is_scalar(b)
                    && m.floats.is_scalar(&Operand::Var {
                        id: var,
                        borrowed: false,
                    }) =>
            {
                let is_div = *bin == BinOp::Div;
                let mut value = |o: &Operand, code: &mut Vec<TokenStream>| match o {
                    Operand::Const(c) if m.literals.contains_key(&c.to_string()) => {
                        m.literals[&c.to_string()].clone()
                    }
                    // a float is kept as it is, a copy
                    _ => {
                        let (kept, value) = (Kept::Value(Read::of(o), None), m.pval(o));
                        let r = self.residual(kept, value, open, code);
                        quote!((*#r))
                    }
                };
                let va = (!is_div && b.var().is_some()).then(|| value(a, code));
                let vb = (a.var().is_some() || is_div).then(|| value(b, code));
                let vy = (is_div && b.var().is_some()).then(|| {
                    let kept = Kept::Value(Read::Var(var), None);
                    let r = self.residual(kept, quote!(#y), open, code);
                    quote!((*#r))
                });
                let first = a.var().map(|_| match is_div {
                    true => acc(a, quote!(#g / #vb)),
                    false => acc(a, quote!(#g * #vb)),
                });
                let second = b.var().map(|_| match (va, vy) {
                    (_, Some(vy)) => acc(b, quote!(-(#g * #vy) / #vb)),
                    (va, None) => acc(b, quote!(#va * #g)),
                });
                quote!(#first #second)
            }
            Op::Binary(bin @ (BinOp::Mul | BinOp::Div | BinOp::Dot), a, b, guard) => {
                // The adjoint of one factor needs the other's value and only the type of its
                // own: a factor whose value no adjoint reads is kept as its type, of size zero.
                // A quotient's adjoints never read the numerator.
                let is_div = *bin == BinOp::Div;
                let value_of_a = !is_div && b.var().is_some();
                let value_of_b = is_div || a.var().is_some();
                // Every pullback rule takes the first factor (or its type) first: its residual
                // goes through the guard, and so does the adjoint of the first factor, which
                // would otherwise fix the rule's type from the adjoint it is added to.
                let guard_id = guard.as_ref().map(|g| g.id);
                let mut keep =
                    |o: &Operand, value: bool, first: bool, code: &mut Vec<TokenStream>| {
                        let p = if first {
                            m.guarded(guard, m.pref(o))
                        } else {
                            m.pref(o)
                        };
                        let literal = match o {
                            Operand::Const(c) => m.literals.get(&c.to_string()),
                            _ => None,
                        };
                        let (read, through) = (Read::of(o), first.then_some(guard_id).flatten());
                        if let (true, Some(literal)) = (value, literal) {
                            // a literal is written again, typed like the forward sweep's
                            let kept = Kept::Type(read, through);
                            let r = self.residual(kept, quote!(#rt::type_of(#p)), open, code);
                            (quote!(&#rt::literal(#r, || #literal)), quote!(#r))
                        } else if value {
                            let kept = Kept::Value(read, through);
                            let r = self.residual(kept, quote!(#rt::save(#p)), open, code);
                            (quote!(#r), quote!(&#rt::type_of(#r)))
                        } else {
                            let kept = Kept::Type(read, through);
                            let r = self.residual(kept, quote!(#rt::type_of(#p)), open, code);
                            (quote!(#r), quote!(#r))
                        }
                    };
                let (ra, ta) = keep(a, value_of_a, true, code);
                let (rb, tb) = keep(b, value_of_b, false, code);
                let through = self.through(guard, open, code);
                if !is_div {
                    let rule = |function, args: &[TokenStream]| {
                        crate::emit::bilinear_call(*bin, function, guard, args)
                    };
                    let first = a
                        .var()
                        .map(|_| acc(a, through(rule("_pullback_lhs", &[ta, rb, quote!(&#g)]))));
                    let second = b
                        .var()
                        .map(|_| acc(b, rule("_pullback_rhs", &[ra, tb, quote!(&#g)])));
                    quote!(#first #second)
                } else {
                    let ry = b.var().map(|_| {
                        let kept = Kept::Value(Read::Var(var), None);
                        self.residual(kept, quote!(#rt::save(&#y)), open, code)
                    });
                    let first = a
                        .var()
                        .map(|_| acc(a, through(quote!(#arith::div_pullback_lhs(#ta, #rb, &#g)))));
                    let second =
                        ry.map(|ry| acc(b, quote!(#arith::div_pullback_rhs(#ta, #rb, #ry, &#g))));
                    quote!(#first #second)
                }
            }
            Op::Scalar(s) => {
                let name = &s.name;
                let inputs = m.scalar_inputs(s);
                let value =
                    quote::quote_spanned!(name.span()=> #rt::scalar::#name(#(#inputs,)* #y));
                let partials = match &self.plan {
                    Some(plan) if plan.values.recomputes_partials(s, var, &plan.names) => {
                        open.replays = true;
                        self.recomputed(value, open)
                    }
                    _ => self.residual_once(value, open, code),
                };
                // The receiver's adjoint through the witness, as its value (see
                // `Model::scalar_inputs`).
                let through = self.through(&s.guard(), open, code);
                if s.inputs.len() == 1 {
                    acc(&s.inputs[0], through(quote!(*#partials * #g)))
                } else {
                    s.inputs
                        .iter()
                        .enumerate()
                        .filter(|(_, o)| o.var().is_some())
                        .map(|(i, o)| {
                            let adjoint = {
                                let i = syn::Index::from(i);
                                quote!(#partials.#i * #g)
                            };
                            acc(o, if i == 0 { through(adjoint) } else { adjoint })
                        })
                        .collect()
                }
            }
            // (into a float of the function's type, said: `+=` does not tell the cast's type)
            Op::Cast(a, _) if m.floats.is_scalar(a) => {
                let float = &m.sig.float;
                acc(a, quote!(#rt::float_cast::<_, #float>(#g)))
            }
            Op::Cast(a, _) => acc(a, quote!(#rt::float_cast(#g))),
            Op::Declared(a, _) => {
                let ty = declared.expect("kept above");
                acc(a, quote!(#rt::seed_as(#ty, #g)))
            }
            Op::Argument { value, .. } => {
                let ty = declared.expect("kept above");
                slots.add(value.var().expect("active"), "acc_as", quote!(#ty, #g))
            }
            Op::Read { buf, index, .. } => {
                let i = self.residual(Kept::Index(index.to_string()), quote!(#index), open, code);
                let zeros = if self.const_shape.contains(buf) {
                    let z = m.zeros(*buf);
                    quote!(&#z)
                } else {
                    let pbuf = m.pref(&Operand::Var {
                        id: *buf,
                        borrowed: false,
                    });
                    let shape = quote!(#rt::zeros_of(#pbuf));
                    let z = self.residual(Kept::Shape(*buf), shape, open, code);
                    quote!(#z)
                };
                slots.add(*buf, "acc_index", quote!(#zeros, *#i, #g))
            }
            Op::Repeat { elem, .. } => {
                let step = acc(elem, quote!(total));
                quote! {
                    if let ::core::option::Option::Some(total) = #rt::sum_adjoint(#g) { #step }
                }
            }
            Op::List { elems, .. } => {
                let steps = elems
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.var().is_some())
                    .map(|(i, e)| acc(e, quote!(#rt::take_element(&mut g, #i))));
                quote!(let mut g = #g; #(#steps)*)
            }
            // A constructor is linear: the adjoint of entry k is ⟨ȳ, ctor(e_k)⟩.
            Op::Construct { ctor, elems } => elems
                .iter()
                .enumerate()
                .filter(|(_, e)| e.var().is_some())
                .map(|(k, e)| {
                    let unit = (0..elems.len()).map(|i| {
                        if i == k {
                            quote!(1.0)
                        } else {
                            quote!(::core::default::Default::default())
                        }
                    });
                    acc(e, quote!(#rt::inner(&#g, &#ctor(#(#unit),*))))
                })
                .collect(),
            Op::Field { base, member } => {
                let zeros = if self.const_shape.contains(base) {
                    let z = m.zeros(*base);
                    quote!(&#z)
                } else {
                    let pbase = m.pref(&Operand::Var {
                        id: *base,
                        borrowed: false,
                    });
                    // spanned at the user's name of the value: where a struct that is not
                    // differentiable fails, rather than at the attribute
                    let at = m.vars[*base].ident.span();
                    let shape = crate::emit::respanned(quote!(#rt::zeros_of(#pbase)), at);
                    let z = self.residual(Kept::Shape(*base), shape, open, code);
                    quote!(#z)
                };
                slots.add(*base, "acc_field", quote!(#zeros, #g, |s| &mut s.#member))
            }
            Op::Struct { path, fields } => {
                let names: Vec<_> = (0..fields.len())
                    .map(|i| self.m.fresh(&format!("g{i}")))
                    .collect();
                let members = fields.iter().map(|(member, _)| member);
                let steps = fields
                    .iter()
                    .zip(&names)
                    .filter(|((_, o), _)| o.var().is_some())
                    .map(|((_, o), g)| acc(o, quote!(#g)));
                quote! {
                    let #path { #(#members: #names),* } = #g;
                    #(#steps)*
                }
            }
            Op::Const(_) | Op::Call { .. } => unreachable!("handled above"),
        };
        open.backward.push(slots.taken(var, steps));
    }
}

/// Where the reverse of a statement adds into an adjoint, and takes it: through the runtime's
/// `acc`, `acc_neg`, `acc_index` and the like on the adjoint's lazy `Option`; in the body of a
/// counted loop, for an active parameter or a value the loop carries, through their `dense`
/// forms on the adjoint taken out of its `Option` before the loop (see `Reverse::dense`).
pub(super) struct Slots<'m> {
    m: &'m crate::emit::Model<'m>,
    /// The variables whose adjoints are dense here.
    dense: Vec<VarId>,
    /// The variables whose adjoints are definite floats (see `definite`).
    definite: std::rc::Rc<super::definite::Definite>,
    /// The statement being recorded (its address, see `definite::address`).
    current: usize,
}

impl Slots<'_> {
    /// Whether the adjoint of `v` is a definite float (see `definite`).
    pub(super) fn is_definite(&self, v: VarId) -> bool {
        self.definite.contains(&v)
    }

    /// The contribution `−rest` to the adjoint of `v`. A first one declares a definite adjoint
    /// as `-rest` where rustc knows the type of `rest` there (`typed`: another definite
    /// adjoint), and as `-0f64 - (rest)` otherwise, the same number, the signed zero included:
    /// rustc must know the type of what a unary minus applies to, where a subtraction can wait.
    pub(super) fn sub(&self, v: VarId, rest: TokenStream, typed: bool) -> TokenStream {
        if self.definite.contains(&v)
            && let Some(more) = self.definite.declares(v, self.current)
        {
            let (adjoint, float) = (self.m.bar(v), &self.m.sig.float);
            let mt = more.then(|| quote!(mut));
            let value = if typed {
                quote!(-#rest)
            } else {
                let zero = match float.to_string().as_str() {
                    "f32" => proc_macro2::Literal::f32_suffixed(0.0),
                    _ => proc_macro2::Literal::f64_suffixed(0.0),
                };
                quote!(-#zero - (#rest))
            };
            return quote!(let #mt #adjoint: #float = #value;);
        }
        self.add(v, "acc_neg", rest)
    }

    /// The contribution to the adjoint of `v` through the runtime's `function`: the adjoint as
    /// its first argument, `rest` the others.
    pub(super) fn add(&self, v: VarId, function: &str, rest: TokenStream) -> TokenStream {
        let rt = rt();
        if self.definite.contains(&v) {
            let adjoint = self.m.bar(v);
            let float = &self.m.sig.float;
            return match (function, self.definite.declares(v, self.current)) {
                // the first contribution declares the adjoint
                ("acc", Some(more)) => {
                    let mt = more.then(|| quote!(mut));
                    quote!(let #mt #adjoint: #float = #rest;)
                }
                ("acc", None) => quote!(#adjoint += #rest;),
                ("acc_neg", None) => quote!(#adjoint -= #rest;),
                (_, first) => {
                    let function = Ident::new(function, Span::call_site());
                    let declare = first.map(|_| quote!(let mut #adjoint: #float = -0.0;));
                    quote!(#declare #rt::dense::#function(&mut #adjoint, #rest);)
                }
            };
        }
        let function = Ident::new(function, Span::call_site());
        if self.dense.contains(&v) {
            let adjoint = dense_name(self.m, v);
            quote!(#rt::dense::#function(&mut #adjoint, #rest);)
        } else {
            let slot = self.m.bar(v);
            quote!(#rt::#function(&mut #slot, #rest);)
        }
    }

    /// How the reverse of an assignment to `v` names its adjoint: a definite one by its own
    /// name, the others as `g`, taken (see `taken`).
    pub(super) fn adjoint(&self, v: VarId) -> TokenStream {
        if self.definite.contains(&v) {
            self.m.bar(v).into_token_stream()
        } else {
            quote!(g)
        }
    }

    /// The reverse `steps` of an assignment to `v`, run on its adjoint (see `adjoint`) when one
    /// has reached it: the adjoint taken, leaving zero. A definite one has been reached and is
    /// not read again: the steps read it as it is.
    pub(super) fn taken(&self, v: VarId, steps: TokenStream) -> TokenStream {
        if self.definite.contains(&v) {
            return steps;
        }
        // (not in a block: the steps may declare definite adjoints that later steps read)
        if self.dense.contains(&v) {
            let (rt, adjoint) = (rt(), dense_name(self.m, v));
            let mut taken = quote!(let g = #rt::dense::take_all(&mut #adjoint););
            taken.extend(steps);
            return taken;
        }
        let slot = self.m.bar(v);
        if self.definite.takes_certainly(self.current) {
            let rt = rt();
            let mut taken = quote!(let g = #rt::certain(&mut #slot););
            taken.extend(steps);
            return taken;
        }
        let steps = braced(steps);
        quote!(if let ::core::option::Option::Some(g) = #slot.take() #steps)
    }

    /// The adjoint of `v` set to zero: the reverse of an assignment of a constant.
    pub(super) fn clear(&self, v: VarId) -> TokenStream {
        if self.definite.contains(&v) {
            // not read again
            quote!()
        } else if self.dense.contains(&v) {
            let (rt, adjoint) = (rt(), dense_name(self.m, v));
            quote!(#rt::dense::clear(&mut #adjoint);)
        } else {
            let slot = self.m.bar(v);
            quote!(#slot = ::core::option::Option::None;)
        }
    }
}

/// The adjoint of `v` made before a counted loop (see `Reverse::dense`), owned.
pub(super) fn dense_name(m: &crate::emit::Model, v: VarId) -> Ident {
    m.fresh(&format!("{}_bar_dense", m.vars[v].uniq))
}

impl<'m> Reverse<'m> {
    /// The variables whose adjoints are dense in the statement being recorded: the active
    /// parameters in the body of a counted loop, or anywhere in a function whose loops are
    /// mirrored (see `mirror`), and the values a counted loop carries.
    pub(super) fn dense_here(&self) -> Vec<VarId> {
        let mut dense: Vec<VarId> = self.carried.clone();
        if self.dense || self.structured {
            dense.extend(self.const_shape.iter().copied());
        }
        dense
    }

    /// The slots of the statement being recorded: dense for the active parameters in the body
    /// of a counted loop and for the values that loop carries, lazy otherwise.
    pub(super) fn slots(&self) -> Slots<'m> {
        Slots {
            m: self.m,
            dense: self.dense_here(),
            definite: self.definite.clone(),
            current: self.current,
        }
    }
}
