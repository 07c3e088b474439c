//! Forward mode: `f_jvp`, the value and one directional derivative.
//!
//! Every active value `x` gets a tangent `x_dot` of the same type, computed right after it:
//!
//! ```text
//! // Before                          // After (f_jvp)
//! fn f(x: f64, y: f64) -> f64 {      fn f_jvp(x: f64, y: f64, x_dot: f64, y_dot: f64) -> (f64, f64) {
//!     x * y.sin()                        let t1 = (y).sin();
//! }                                      let t1_dot = scalar::sin(y, t1) * y_dot;
//!                                        let t2 = x * t1;
//!                                        let t2_dot = tangent_add(&mul(&x_dot, &t1), &mul(&x, &t1_dot));
//!                                        return (t2, owned(&t2_dot));
//!                                    }
//! ```
//!
//! The exact code the macro writes today, with comments, is in the workspace's
//! `examples/*-expanded.rs`, which a test keeps equal to the expansion.

use crate::emit::{Model, allow_lints, companion, guarded, rt};
use crate::ir::{BinOp, Block, CallArg, Op, Operand, Stmt, VarId};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn emit(model: &Model) -> TokenStream {
    let rt = rt();
    let vis = &model.func.vis;
    let name = model.name("jvp");
    let original = &model.func.sig.ident;
    let this = model.original();
    let params = model.params();
    let tangents = model.active_params().map(|(p, v)| {
        let (dot, ty) = (model.dot(v), &p.ty);
        let m = p.mutable.then(|| quote!(mut));
        quote!(#m #dot: #ty)
    });
    let ret = &model.sig.ret.ty;
    let body = block(model, &model.stmts);
    let doc = format!(
        " Forward mode of [`{original}`]: its value and its directional derivative along the tangents (one per active parameter, in order)."
    );
    let _ = &rt;
    let lints = allow_lints();
    let spelled = crate::emit::spelled_in_scope();
    quote! {
        #[doc = #doc]
        #lints
        #vis fn #name(#(#params,)* #(#tangents),*) -> (#ret, #ret) {
            // The derivative stands for the function: using one uses the other.
            let _ = #this;
            #spelled
            #body
        }
    }
}

fn block(m: &Model, stmts: &Block) -> TokenStream {
    let code = stmts.iter().map(|s| stmt(m, s));
    quote!(#(#code)*)
}

fn stmt(m: &Model, s: &Stmt) -> TokenStream {
    let rt = rt();
    match s {
        Stmt::Verbatim(tokens) => tokens.clone(),
        Stmt::Let {
            var,
            mutable,
            ty,
            op,
        } => {
            let (x, dot) = (m.primal(*var), m.dot(*var));
            let mt = mutable.then(|| quote!(mut));
            let (ty_p, ty_pair) = match ty {
                Some(t) => (quote!(: #t), quote!(: (#t, #t))),
                None => (quote!(), quote!()),
            };
            match op {
                None => quote!(let mut #x #ty_p; let mut #dot #ty_p;),
                Some(Op::Call { func, args, guard }) => {
                    let call = jvp_call(m, func, args, guard);
                    quote!(let (#mt #x, #mt #dot) #ty_pair = #call;)
                }
                Some(op) => {
                    let (check, primal) = (m.check(op), m.primal_op(op));
                    let tangent = tangent(m, op, *var);
                    quote!(#check let #mt #x #ty_p = #primal; let #mt #dot #ty_p = #tangent;)
                }
            }
        }
        Stmt::LetTuple {
            vars,
            func,
            args,
            guard,
            ..
        } => {
            let xs = vars.iter().map(|v| m.primal(*v));
            let dots = vars.iter().map(|v| m.dot(*v));
            let call = jvp_call(m, func, args, guard);
            quote!(let ((#(#xs),*), (#(#dots),*)) = #call;)
        }
        Stmt::Assign { var, op } => {
            let (x, dot) = (m.primal(*var), m.dot(*var));
            match op {
                Op::Call { func, args, guard } => {
                    let call = jvp_call(m, func, args, guard);
                    quote!((#x, #dot) = #call;)
                }
                op => {
                    let (check, primal) = (m.check(op), m.primal_op(op));
                    let tangent = tangent(m, op, *var);
                    quote!(#check #x = #primal; #dot = #tangent;)
                }
            }
        }
        Stmt::Write { buf, index, value } => {
            let (b, bd) = (m.primal(*buf), m.dot(*buf));
            let v = m.pval(value);
            let vd = tangent_of(m, value);
            quote!(#b[#index] = #v; #bd[#index] = #vd;)
        }
        Stmt::WriteField {
            base,
            member,
            value,
        } => {
            let (b, bd) = (m.primal(*base), m.dot(*base));
            let v = m.pval(value);
            let vd = tangent_of(m, value);
            quote!(#b.#member = #v; #bd.#member = #vd;)
        }
        Stmt::Push { buf, value } => {
            let (b, bd) = (m.primal(*buf), m.dot(*buf));
            let v = m.pval(value);
            let vd = tangent_of(m, value);
            quote!(#b.push(#v); #bd.push(#vd);)
        }
        Stmt::If { cond, then, els } => {
            let then = block(m, then);
            let els = els.as_ref().map(|e| {
                let e = block(m, e);
                quote!(else { #e })
            });
            quote!(if #cond { #then } #els)
        }
        Stmt::Match { scrutinee, arms } => {
            let arms = arms.iter().map(|a| {
                let (pat, body) = (&a.pat, block(m, &a.body));
                let guard = a.guard.as_ref().map(|g| quote!(if #g));
                quote!(#pat #guard => { #body })
            });
            quote!(match #scrutinee { #(#arms)* })
        }
        Stmt::Loop { label, body } => {
            let body = block(m, body);
            let label = label.as_ref().map(|l| quote!(#l:));
            quote!(#label loop { #body })
        }
        Stmt::While { label, cond, body } => {
            let body = block(m, body);
            let label = label.as_ref().map(|l| quote!(#l:));
            quote!(#label while #cond { #body })
        }
        Stmt::For {
            label,
            pat,
            iter,
            body,
        } => {
            let body = block(m, body);
            let label = label.as_ref().map(|l| quote!(#l:));
            quote!(#label for #pat in #iter { #body })
        }
        Stmt::Block(b) => {
            let b = block(m, b);
            quote!({ #b })
        }
        Stmt::LetElse {
            pat,
            init,
            otherwise,
        } => {
            let otherwise = block(m, otherwise);
            quote!(let #pat = #init else { #otherwise };)
        }
        Stmt::Break(label) => quote!(break #label;),
        Stmt::Continue(label) => quote!(continue #label;),
        Stmt::Return { values, spellings } => {
            let primals: Vec<_> = values.iter().map(|v| m.pval(v)).collect();
            // a constant's zero is made by `returned`, of the type the function returns
            let tangents: Vec<_> = values
                .iter()
                .map(|v| v.var().map(|_| tangent_of(m, v)))
                .collect();
            let _ = &rt;
            let returned = m.returned(primals, Some(tangents), spellings);
            quote!(return #returned;)
        }
    }
}

/// The owned tangent of an operand: a copy of the variable's tangent, or zero for a constant.
fn tangent_of(m: &Model, o: &Operand) -> TokenStream {
    let rt = rt();
    match o {
        Operand::Var { id, .. } => {
            let d = m.dref(*id);
            quote!(#rt::owned(#d))
        }
        Operand::Const(c) => quote!(#rt::zero_like(&#c)),
    }
}

/// `g_jvp(args..., tangents of the active args...)`; constants get zero tangents, made before
/// the call moves them.
fn jvp_call(
    m: &Model,
    func: &syn::Path,
    args: &[CallArg],
    guard: &Option<crate::ir::Guard>,
) -> TokenStream {
    let rt = rt();
    let path = companion(func, "jvp");
    let primals = m.call_args(args, guard);
    let mut zeros = Vec::new();
    let tangents: Vec<TokenStream> = args
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a {
            // through the guard, as the primal argument (see `Model::call_args`)
            CallArg::Active { id, .. } if i == 0 && guard.is_some() => {
                let d = guarded(guard, m.dref(*id));
                Some(quote!((*#d)))
            }
            CallArg::Active { id, borrowed } => Some(if *borrowed {
                m.dref(*id)
            } else {
                let d = m.dot(*id);
                quote!(#d)
            }),
            CallArg::Constant { value, by_ref } => {
                let zero = crate::lower::hygienic(&format!("zero{}", zeros.len()));
                zeros.push(quote!(let #zero = #rt::zero_like(&#value);));
                Some(if *by_ref {
                    quote!(&#zero)
                } else {
                    quote!(#zero)
                })
            }
            CallArg::Inactive(_) => None,
        })
        .collect();
    // Which arguments get tangents is decided by how they are written (see
    // `CallArg::Constant`); an argument passed without one must not be a float the lowering did
    // not recognise, or the callee would read the tangents after it at the wrong parameters.
    // Checked by the type checker, in code that never runs (`TangentProbe` in the runtime). The
    // runtime's matrix functions take their non-matrix arguments without tangents.
    let probes: Vec<TokenStream> = args
        .iter()
        .filter_map(|a| match a {
            CallArg::Inactive(arg)
                if !crate::rules::is_runtime_linalg(func) && !obviously_not_float(arg) =>
            {
                let span = syn::spanned::Spanned::span(arg);
                Some(quote::quote_spanned!(span=> (&#rt::TangentProbe(&(#arg))).without_tangent();))
            }
            _ => None,
        })
        .collect();
    let probes = (!probes.is_empty()).then(|| {
        quote! {
            if false {
                use #rt::{ActiveArgument as _, OtherArgument as _};
                #(#probes)*
            }
        }
    });
    quote!({ #probes #(#zeros)* #path(#(#primals,)* #(#tangents),*) })
}

/// An argument that cannot be a float: a literal other than a float, a cast to an integer,
/// `.len()`.
fn obviously_not_float(arg: &TokenStream) -> bool {
    match syn::parse2::<syn::Expr>(arg.clone()) {
        Ok(syn::Expr::Lit(l)) => match &l.lit {
            syn::Lit::Float(_) => false,
            syn::Lit::Int(i) => !matches!(i.suffix(), "f32" | "f64"),
            _ => true,
        },
        Ok(syn::Expr::Cast(c)) => crate::rules::is_integer_type(&c.ty),
        Ok(syn::Expr::MethodCall(m)) => m.method == "len" && m.args.is_empty(),
        _ => false,
    }
}

/// The tangent of an operation's result `out`, computed after its primal.
fn tangent(m: &Model, op: &Op, out: VarId) -> TokenStream {
    let rt = rt();
    let y = m.primal(out);
    let active = |o: &Operand| o.var();
    match op {
        Op::Copy(Operand::Var { id, .. }) => {
            let d = m.dot(*id);
            quote!(#d)
        }
        Op::Copy(Operand::Const(_)) | Op::Const(_) => quote!(#rt::zero_like(&#y)),
        Op::Neg(o, guard) => match active(o) {
            Some(a) => {
                let d = guarded(guard, m.dref(a));
                quote!(#rt::tangent_neg(#d))
            }
            None => quote!(#rt::zero_like(&#y)),
        },
        Op::Binary(bin, a, b, guard) => {
            let (da, db) = (active(a).map(|v| m.dref(v)), active(b).map(|v| m.dref(v)));
            let (pa, pb) = (m.pref(a), m.pref(b));
            // Each rule call takes its first argument through the guard (see `emit::guarded`).
            let g = |first: TokenStream| guarded(guard, first);
            let r = quote!(#rt::rules::arith);
            match (bin, da, db) {
                (_, None, None) => quote!(#rt::zero_like(&#y)),
                // Both tangents of a sum: `tangent_add` has one type for both, which the second
                // would otherwise decide.
                (BinOp::Add, Some(da), Some(db)) => {
                    let (da, db) = (g(da), g(db));
                    quote!(#rt::tangent_add(#da, #db))
                }
                (BinOp::Sub, Some(da), Some(db)) => {
                    let (da, db) = (g(da), g(db));
                    quote!(#rt::tangent_sub(#da, #db))
                }
                (BinOp::Add | BinOp::Sub, Some(da), None) => {
                    let da = g(da);
                    quote!(#rt::owned(#da))
                }
                (BinOp::Add, None, Some(db)) => {
                    let db = g(db);
                    quote!(#rt::owned(#db))
                }
                (BinOp::Sub, None, Some(db)) => {
                    let db = g(db);
                    quote!(#rt::tangent_neg(#db))
                }
                (BinOp::Mul | BinOp::Dot, da, db) => {
                    let rule = |a, b| crate::emit::bilinear_call(*bin, "", guard, &[a, b]);
                    let (da, ga) = (da.map(g), g(pa));
                    match (da, db) {
                        (Some(da), Some(db)) => {
                            let (left, right) = (rule(da, pb), rule(ga, db));
                            quote!(#rt::tangent_add(&#left, &#right))
                        }
                        (Some(da), None) => rule(da, pb),
                        (None, Some(db)) => rule(ga, db),
                        (None, None) => unreachable!("handled above"),
                    }
                }
                (BinOp::Div, da, db) => {
                    let (da, ga) = (da.map(g), g(pa));
                    match (da, db) {
                        (Some(da), Some(db)) => quote!(#rt::tangent_add(
                            &#r::div_tangent_lhs(#da, #pb),
                            &#r::div_tangent_rhs(#ga, #pb, &#y, #db)
                        )),
                        (Some(da), None) => quote!(#r::div_tangent_lhs(#da, #pb)),
                        (None, Some(db)) => quote!(#r::div_tangent_rhs(#ga, #pb, &#y, #db)),
                        (None, None) => unreachable!("handled above"),
                    }
                }
            }
        }
        Op::Scalar(s) => {
            let name = &s.name;
            let inputs = m.scalar_inputs(s);
            // Spanned at the method, so that a missing rule (`m.abs()` on a matrix) is reported there.
            let partials = quote::quote_spanned!(name.span()=> #rt::scalar::#name(#(#inputs,)* #y));
            // The receiver's tangent through the witness too: a tangent without a size, of a
            // receiver whose method failed, would be reported as an operand of `*`.
            let guard = s.guard();
            let tangent = |i: usize, v: VarId| {
                if i > 0 {
                    return m.dval(v);
                }
                let d = guarded(&guard, m.dref(v));
                quote!((*#d))
            };
            if s.inputs.len() == 1 {
                let d = tangent(0, active(&s.inputs[0]).expect("an active scalar operation"));
                quote!(#partials * #d)
            } else {
                let p = crate::lower::hygienic("partials");
                let terms: Vec<TokenStream> = s
                    .inputs
                    .iter()
                    .enumerate()
                    .filter_map(|(i, o)| {
                        active(o).map(|v| {
                            let d = tangent(i, v);
                            let i = syn::Index::from(i);
                            quote!(#p.#i * #d)
                        })
                    })
                    .collect();
                quote!({ let #p = #partials; #(#terms)+* })
            }
        }
        Op::Cast(o, ty) => {
            let d = m.dval(active(o).expect("an active cast"));
            quote!(#d as #ty)
        }
        // The tangent spelled as its value: a mismatch is the value's, reported once.
        Op::Declared(o, spelling) => {
            let d = m.dval(active(o).expect("an active value"));
            m.declared(d, spelling)
        }
        // as the type of its value (see `Op::Argument`)
        Op::Argument { value, .. } => {
            let d = m.dref(active(value).expect("an active argument"));
            quote!(#rt::argument_like(&#y, #d))
        }
        Op::Linear(method, o) => {
            let d = m.dot(active(o).expect("an active copy"));
            quote!((#d).#method())
        }
        Op::Read { buf, index, by_ref } => {
            let d = m.dot(*buf);
            if *by_ref {
                quote!(&#d[#index])
            } else {
                quote!(#rt::owned(&#d[#index]))
            }
        }
        Op::Repeat { elem, len, vec } => {
            let e = tangent_of(m, elem);
            if *vec {
                quote!(::std::vec![#e; #len])
            } else {
                quote!([#e; #len])
            }
        }
        Op::List { elems, vec } => {
            let items = elems.iter().map(|e| tangent_of(m, e));
            if *vec {
                quote!(::std::vec![#(#items),*])
            } else {
                quote!([#(#items),*])
            }
        }
        Op::Construct { ctor, elems } => {
            let items = elems.iter().map(|e| tangent_of(m, e));
            quote!(#ctor(#(#items),*))
        }
        Op::Field { base, member } => {
            let d = m.dot(*base);
            quote!(&#d.#member)
        }
        Op::Struct { path, fields } => {
            let fields = fields.iter().map(|(member, o)| {
                let t = tangent_of(m, o);
                quote!(#member: #t)
            });
            quote!(#path { #(#fields),* })
        }
        Op::Call { .. } => unreachable!("calls are emitted with their companion"),
    }
}
