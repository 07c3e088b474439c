//! Floats: the active values that are scalars of the function's float type, and the buffers
//! whose elements are.
//!
//! An operation whose operands are all such scalars cannot fail to type-check, so it needs no
//! guard (see [`crate::ir::Guard`]): no check of the user's expression, no witness, no operand
//! passed through one. [`unguard`] drops those guards before the tangent and reverse
//! transformations derive their operations from it, so that the code of a scalar function is
//! the arithmetic alone (the emitted function checks the user's expression, where a type error
//! is reported).
//!
//! Which values are scalars is found on the model, with no type information: the parameters by
//! their declared types (`x: f64`, `x: &[f64]`, `m: &DMatrix<f64>`), float literals, and what
//! operations of those give: sums, products, quotients and negations of scalars, float methods
//! of a scalar, casts `as f64`, reads of an element of a buffer of floats. A variable is a
//! scalar when every value it is given is one: the greatest fixed point, since a loop may carry
//! a scalar into itself (`s = s + t`). A value wrongly taken for a scalar could only make an
//! error read twice, in a function that does not compile without the macro either; a
//! derivative is never at stake.

use crate::emit::Model;
use crate::ir::{BinOp, Block, CallArg, Op, Operand, ScalarMethod, Stmt, VarId};
use quote::ToTokens;
use std::collections::HashSet;
use syn::Type;

/// The scalars and the buffers of scalars of a model (none by default).
#[derive(Default)]
pub(crate) struct Floats {
    scalars: HashSet<VarId>,
    buffers: HashSet<VarId>,
    /// The inactive names bound to a scalar of the function's float type: a float literal, an
    /// inactive parameter of that type, a cast to it, arithmetic of those.
    literals: HashSet<String>,
    /// The function's float type.
    float: String,
    /// The inactive names bound to a zero of a buffer of scalars (the tangent program's).
    zero_buffers: HashSet<String>,
}

impl Floats {
    /// The analysis of a model: the greatest sets of scalars and of buffers of scalars
    /// consistent with every value each variable is given.
    pub(crate) fn of(model: &Model) -> Floats {
        Floats::of_tangent(model, HashSet::new())
    }

    /// The analysis of a tangent program, whose zeros of buffers of scalars are `zero_buffers`
    /// (see `tangent`).
    pub(crate) fn of_tangent(model: &Model, zero_buffers: HashSet<String>) -> Floats {
        let float = model.sig.float.to_string();
        let mut literals: HashSet<String> = model
            .literals
            .iter()
            .filter(|(_, tokens)| is_float_literal(tokens, &float))
            .map(|(name, _)| name.clone())
            .collect();
        // the inactive parameters that are buffers of floats: an element read off one is a
        // scalar (`x[i * d + r]` of data `x: &[f64]` the function is not differentiated for)
        let mut float_buffers: HashSet<String> = HashSet::new();
        for (p, var) in model.sig.params.iter().zip(&model.param_vars) {
            if is_named(&p.ty, &float) {
                literals.insert(p.ident.to_string());
            } else if var.is_none() && is_buffer_of(&p.ty, &float) {
                float_buffers.insert(p.ident.to_string());
            }
        }
        let mut definitions: Vec<(VarId, &Op)> = Vec::new();
        // the partials of a float method of several inputs, in the tangent program
        let mut partials: Vec<(&[VarId], &[CallArg])> = Vec::new();
        let mut opaque: HashSet<VarId> = HashSet::new();
        // the type a binding declares, which its values must have, or the user's code fails
        let mut declared: Vec<(VarId, &Type)> = Vec::new();
        for stmt in &model.stmts {
            stmt.walk(&mut |s| match s {
                Stmt::Let { var, op, ty, .. } => {
                    definitions.extend(op.as_ref().map(|op| (*var, op)));
                    declared.extend(ty.as_ref().map(|ty| (*var, ty)));
                }
                Stmt::Assign { var, op } => definitions.push((*var, op)),
                Stmt::LetTuple {
                    vars,
                    func,
                    args,
                    pairs: false,
                    guard: None,
                } if is_scalar_rule(func) => partials.push((vars, args)),
                Stmt::LetTuple { vars, .. } => opaque.extend(vars),
                // in the order of the code, so that a name bound again is what it is last
                Stmt::Verbatim(tokens) => {
                    if let Some((name, init)) = crate::reverse::recompute::let_of(tokens)
                        && !model.literals.contains_key(&name.to_string())
                    {
                        let name = name.to_string();
                        float_buffers.remove(&name);
                        if is_float_expr(&init.expr, (&literals, &float_buffers), &float) {
                            literals.insert(name);
                        } else {
                            literals.remove(&name);
                        }
                    }
                }
                _ => {}
            });
        }
        let mut floats = Floats {
            scalars: HashSet::new(),
            buffers: HashSet::new(),
            literals,
            float: float.clone(),
            zero_buffers,
        };
        // Every variable given a value starts as both, the parameters as their types say.
        let params: HashSet<VarId> = model.param_vars.iter().flatten().copied().collect();
        for (index, var) in model.param_vars.iter().enumerate() {
            let Some(var) = var else { continue };
            let ty = &model.sig.params[index].ty;
            if is_named(ty, &float) {
                floats.scalars.insert(*var);
            } else if is_buffer_of(ty, &float) {
                floats.buffers.insert(*var);
            }
        }
        let defined = definitions.iter().map(|(var, _)| var);
        let partial = partials.iter().flat_map(|(vars, _)| vars.iter());
        for var in defined.chain(partial) {
            if !params.contains(var) && !opaque.contains(var) {
                floats.scalars.insert(*var);
                floats.buffers.insert(*var);
            }
        }
        for (var, ty) in declared {
            if !is_named(ty, &float) {
                floats.scalars.remove(&var);
            }
            if !is_buffer_of(ty, &float) {
                floats.buffers.remove(&var);
            }
        }
        // Then each loses what one of its values is not, until nothing changes.
        let mut changed = true;
        while changed {
            changed = false;
            for (var, op) in &definitions {
                if floats.scalars.contains(var) && !floats.is_scalar_op(op) {
                    floats.scalars.remove(var);
                    changed = true;
                }
                if floats.buffers.contains(var) && !floats.is_buffer_op(op) {
                    floats.buffers.remove(var);
                    changed = true;
                }
            }
            for (vars, args) in &partials {
                for var in *vars {
                    floats.buffers.remove(var);
                    if floats.scalars.contains(var) && !floats.is_scalar_receiver(args) {
                        floats.scalars.remove(var);
                        changed = true;
                    }
                }
            }
        }
        floats
    }

    /// The operand is a scalar: a scalar variable, or a float literal.
    pub(crate) fn is_scalar(&self, o: &Operand) -> bool {
        match o {
            Operand::Var { id, borrowed } => !borrowed && self.scalars.contains(id),
            Operand::Const(c) => self.literals.contains(&c.to_string()),
        }
    }

    /// The variable is a buffer of scalars.
    pub(crate) fn is_buffer(&self, v: VarId) -> bool {
        self.buffers.contains(&v)
    }

    fn is_scalar_var(&self, o: &Operand) -> bool {
        matches!(o, Operand::Var { .. }) && self.is_scalar(o)
    }

    fn is_scalar_op(&self, op: &Op) -> bool {
        let float = self.float.as_str();
        match op {
            Op::Copy(o) => self.is_scalar(o),
            Op::Neg(o, _) | Op::Declared(o, _) => self.is_scalar_var(o),
            Op::Linear(method, o) => method == "clone" && self.is_scalar_var(o),
            Op::Binary(BinOp::Dot, ..) => false,
            // at least one of them a variable: two literals leave the type to inference
            Op::Binary(_, a, b, _) => {
                self.is_scalar(a) && self.is_scalar(b) && (a.var().is_some() || b.var().is_some())
            }
            Op::Scalar(m) => self.is_scalar_method(m),
            Op::Cast(_, ty) => is_named(ty, float),
            Op::Read { buf, by_ref, .. } => !by_ref && self.buffers.contains(buf),
            Op::Const(tokens) => is_float_literal(tokens, float),
            // the partial of a float method of a scalar, in the tangent program
            Op::Call {
                func,
                args,
                guard: None,
            } if is_scalar_rule(func) => self.is_scalar_receiver(args),
            Op::Call { .. } => self.exp_of_scalar(op).is_some(),
            _ => false,
        }
    }

    /// A float method of a scalar: the receiver has the method, and the value is a scalar.
    fn is_scalar_method(&self, m: &ScalarMethod) -> bool {
        m.inputs.first().is_some_and(|r| self.is_scalar_var(r))
            && m.through.as_ref().is_none_or(|p| p.is_ident(&self.float))
    }

    /// The scalar of which `op` is `x.exp()`, lowered to the runtime's `exp` of floats and
    /// matrices alike: of a scalar, it is the float method.
    fn exp_of_scalar(&self, op: &Op) -> Option<VarId> {
        match op {
            Op::Call {
                func,
                args,
                guard: None,
            } if is_runtime_function(func, "linalg", "exp") => match args[..] {
                [CallArg::Active { id, .. }] if self.scalars.contains(&id) => Some(id),
                _ => None,
            },
            _ => None,
        }
    }

    /// The first argument of a call is a scalar variable.
    fn is_scalar_receiver(&self, args: &[CallArg]) -> bool {
        matches!(args.first(), Some(CallArg::Active { id, borrowed: false }) if self.scalars.contains(id))
    }

    fn is_buffer_op(&self, op: &Op) -> bool {
        let buffer = |o: &Operand| matches!(o, Operand::Var { id, borrowed: false } if self.buffers.contains(id));
        match op {
            Op::Copy(Operand::Const(zero)) => self.zero_buffers.contains(&zero.to_string()),
            Op::Copy(o) => buffer(o),
            Op::Linear(method, o) => {
                matches!(method.to_string().as_str(), "clone" | "to_vec" | "to_owned") && buffer(o)
            }
            Op::Repeat { elem, .. } => self.is_scalar(elem),
            Op::Const(tokens) => is_float_repeat(tokens, &self.float),
            Op::List { elems, .. } => !elems.is_empty() && elems.iter().all(|e| self.is_scalar(e)),
            _ => false,
        }
    }
}

/// Drops the guards of the operations whose operands are all scalars (see the module's docs).
pub(crate) fn unguard(stmts: &mut Block, floats: &Floats) {
    for stmt in stmts {
        match stmt {
            Stmt::Let { op: Some(op), .. } | Stmt::Assign { op, .. } => match op {
                Op::Neg(a, guard) if floats.is_scalar(a) => *guard = None,
                Op::Binary(bin, a, b, guard)
                    if *bin != BinOp::Dot && floats.is_scalar(a) && floats.is_scalar(b) =>
                {
                    *guard = None;
                }
                Op::Scalar(m) if floats.is_scalar_method(m) => m.witness = None,
                Op::Call { .. } => {
                    if let Some(id) = floats.exp_of_scalar(op) {
                        *op = Op::Scalar(ScalarMethod {
                            name: proc_macro2::Ident::new("exp", proc_macro2::Span::call_site()),
                            inputs: vec![Operand::Var {
                                id,
                                borrowed: false,
                            }],
                            int_inputs: Vec::new(),
                            args: Vec::new(),
                            through: None,
                            witness: None,
                        });
                    }
                }
                _ => {}
            },
            Stmt::If { then, els, .. } => {
                unguard(then, floats);
                if let Some(els) = els {
                    unguard(els, floats);
                }
            }
            Stmt::Match { arms, .. } => arms.iter_mut().for_each(|a| unguard(&mut a.body, floats)),
            Stmt::Loop { body, .. }
            | Stmt::While { body, .. }
            | Stmt::For { body, .. }
            | Stmt::Block(body)
            | Stmt::LetElse {
                otherwise: body, ..
            } => unguard(body, floats),
            _ => {}
        }
    }
}

/// An inactive expression that is a scalar of the type `float` by its syntax: `names` are
/// scalars, `buffers` buffers of scalars.
fn is_float_expr(
    e: &syn::Expr,
    (names, buffers): (&HashSet<String>, &HashSet<String>),
    float: &str,
) -> bool {
    use syn::Expr;
    let known = (names, buffers);
    match e {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(f),
            ..
        }) => f.suffix().is_empty() || f.suffix() == float,
        Expr::Cast(c) => is_named(&c.ty, float),
        Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| names.contains(&i.to_string())),
        Expr::Index(ix) => match &*ix.expr {
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| buffers.contains(&i.to_string())),
            _ => false,
        },
        Expr::Paren(p) => is_float_expr(&p.expr, known, float),
        Expr::Group(g) => is_float_expr(&g.expr, known, float),
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Neg(_)) && is_float_expr(&u.expr, known, float),
        Expr::Binary(b) => {
            matches!(
                b.op,
                syn::BinOp::Add(_) | syn::BinOp::Sub(_) | syn::BinOp::Mul(_) | syn::BinOp::Div(_)
            ) && is_float_expr(&b.left, known, float)
                && is_float_expr(&b.right, known, float)
        }
        _ => false,
    }
}

/// `func` is the runtime's rule of a float method, `::matcalc::__private::scalar::name`.
fn is_scalar_rule(func: &syn::Path) -> bool {
    let name = func.segments.last().map(|s| s.ident.to_string());
    name.is_some_and(|name| is_runtime_function(func, "scalar", &name))
}

/// `func` is `::matcalc::__private::module::name`.
fn is_runtime_function(func: &syn::Path, module: &str, name: &str) -> bool {
    let path = ["matcalc", "__private", module, name];
    func.leading_colon.is_some()
        && func.segments.len() == path.len()
        && func.segments.iter().zip(path).all(|(s, p)| s.ident == p)
}

/// `ty` is the type named `name` (`f64`), maybe in parentheses.
fn is_named(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(p) => p.qself.is_none() && p.path.is_ident(name),
        Type::Paren(p) => is_named(&p.elem, name),
        Type::Group(g) => is_named(&g.elem, name),
        _ => false,
    }
}

/// Indexing a value of type `ty` by a position gives a `float`: a slice, an array or a `Vec` of
/// them, or an nalgebra matrix or vector of them, maybe behind a shared reference.
fn is_buffer_of(ty: &Type, float: &str) -> bool {
    match ty {
        Type::Reference(r) if r.mutability.is_none() => is_buffer_of(&r.elem, float),
        Type::Paren(p) => is_buffer_of(&p.elem, float),
        Type::Group(g) => is_buffer_of(&g.elem, float),
        Type::Slice(s) => is_named(&s.elem, float),
        Type::Array(a) => is_named(&a.elem, float),
        _ => {
            crate::signature::vec_element(ty).is_some_and(|e| is_named(e, float))
                || crate::signature::nalgebra_float(ty).is_some_and(|f| f == float)
        }
    }
}

/// The tokens are a float literal of the type `float`: `0.5`, `1e-3`, `2.0f64`.
fn is_float_literal(tokens: &proc_macro2::TokenStream, float: &str) -> bool {
    match syn::parse2::<syn::LitFloat>(tokens.clone()) {
        Ok(lit) => lit.suffix().is_empty() || lit.suffix() == float,
        Err(_) => false,
    }
}

/// `vec![0.0; n]` or `[0.0; N]`: a buffer of float literals, which an active variable holds
/// only as a buffer of the function's float type (the values written into it are).
fn is_float_repeat(tokens: &proc_macro2::TokenStream, float: &str) -> bool {
    match syn::parse2::<syn::Expr>(tokens.clone()) {
        Ok(syn::Expr::Repeat(repeat)) => is_float_literal(&repeat.expr.to_token_stream(), float),
        Ok(syn::Expr::Macro(m)) if m.mac.path.is_ident("vec") => m
            .mac
            .parse_body_with(|input: syn::parse::ParseStream| {
                let elem: syn::Expr = input.parse()?;
                input.parse::<syn::Token![;]>()?;
                input.parse::<syn::Expr>()?;
                Ok(elem)
            })
            .is_ok_and(|elem| is_float_literal(&elem.to_token_stream(), float)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{is_buffer_of, is_float_literal};
    use crate::tests::expand_pretty;
    use quote::quote;

    #[test]
    fn products_of_scalars_are_written_as_such_without_checks() {
        let out = expand_pretty(
            "hessian",
            "fn f(x: &[f64], k: f64) -> f64 { let mut s = 0.0; \
             for i in 0..x.len() { let d = x[i] - 0.5 * k; s += (d * d).sin() / (i as f64 + 1.0); } s }",
        );
        assert!(!out.contains("Witness"), "{out}");
        assert!(!out.contains("rules::arith::mul("), "{out}");
        assert!(!out.contains("rules::arith::div("), "{out}");
        assert!(out.contains("let t4 = d * d;"), "{out}");
    }

    #[test]
    fn buffers_of_float_literals_hold_scalars() {
        for init in ["vec![0.0; x.len()]", "[0.0; 4]"] {
            let out = expand_pretty(
                "",
                &format!(
                    "fn f(x: &[f64]) -> f64 {{ let mut q = {init}; \
                     for i in 0..4 {{ q[i] = x[i].exp(); }} \
                     let mut s = 0.0; for i in 0..4 {{ s += q[i] * q[i]; }} s }}"
                ),
            );
            assert!(!out.contains("Witness"), "{init}: {out}");
            assert!(!out.contains("rules::arith::mul("), "{init}: {out}");
        }
    }

    #[test]
    fn elements_of_inactive_buffers_of_floats_are_scalars() {
        // data the function is not differentiated for, read by index: a scalar of its type
        let body = |data: &str| {
            format!(
                "fn f(w: &[f64], x: {data}) -> f64 {{ let mut s = 0.0; \
                 for i in 0..w.len() {{ s += w[i] * (x[i] - 0.5); }} s }}"
            )
        };
        let out = expand_pretty("wrt(w)", &body("&[f64]"));
        assert!(!out.contains("Witness"), "{out}");
        assert!(out.contains("let t3 = t1 * c2;"), "{out}");
        // of another float type, or a type the macro cannot see into, it keeps its checks
        for data in ["&[f32]", "&Points"] {
            let out = expand_pretty("wrt(w)", &body(data));
            assert!(out.contains("Witness"), "{data}: {out}");
        }
        // a name bound again is what it is last
        let out = expand_pretty(
            "wrt(w)",
            "fn f(w: &[f64], x: &[f64]) -> f64 { let x = [1u8, 2]; let c = x[0]; w[0] * c }",
        );
        assert!(out.contains("Witness"), "{out}");
    }

    #[test]
    fn operations_the_analysis_cannot_type_keep_their_checks() {
        // a matrix, an integer literal (a type error the user's function reports), an `f32`
        // literal in an `f64` function, and a value of a call
        for body in [
            "fn f(a: &DMatrix<f64>, x: f64) -> f64 { let b = a * x; b.sum() }",
            "fn f(x: f64) -> f64 { x * 2 }",
            "fn f(x: f64) -> f64 { x * 2.0f32 }",
            "fn f(x: f64) -> f64 { let y = g(x); y * x }",
        ] {
            let out = expand_pretty("", body);
            assert!(out.contains("Witness"), "{body}: {out}");
        }
    }

    #[test]
    fn buffers_of_floats_are_read_off_their_types() {
        let yes = [
            quote!(&[f64]),
            quote!([f64; 4]),
            quote!(&Vec<f64>),
            quote!(DMatrix<f64>),
            quote!(&nalgebra::Vector3<f64>),
        ];
        let no = [
            quote!(&[f32]),
            quote!([[f64; 2]; 2]),
            quote!(&mut [f64]),
            quote!(Vec<Vec<f64>>),
            quote!(Points),
        ];
        for ty in yes {
            assert!(
                is_buffer_of(&syn::parse2(ty.clone()).unwrap(), "f64"),
                "{ty}"
            );
        }
        for ty in no {
            assert!(
                !is_buffer_of(&syn::parse2(ty.clone()).unwrap(), "f64"),
                "{ty}"
            );
        }
    }

    #[test]
    fn float_literals_of_another_type_are_not_the_functions() {
        assert!(is_float_literal(&quote!(0.5), "f64"));
        assert!(is_float_literal(&quote!(2.0f64), "f64"));
        assert!(!is_float_literal(&quote!(2.0f32), "f64"));
        assert!(!is_float_literal(&quote!(2), "f64"));
    }
}
