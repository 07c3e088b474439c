//! A model emitted as plain Rust, without derivatives: the way `f_jvp` is written, as the
//! tangent program of [`crate::tangent`] (forward mode is that one transformation of the model,
//! so no operation has its tangent written twice).
//!
//! ```text
//! // f                                // f_jvp: the tangent program, emitted as it is
//! fn f(x: f64, y: f64) -> f64 {       fn f_jvp(x: f64, y: f64, x_dot: f64, y_dot: f64) -> (f64, f64) {
//!     x * y.sin()                         let t1 = (y).sin();
//! }                                       let p = scalar::sin(y, t1);
//!                                         let t1_dot = p * y_dot;
//!                                         let t2 = x * t1;
//!                                         let t2_dot = x_dot * t1 + x * t1_dot;
//!                                         return (t2, t2_dot);
//!                                     }
//! ```

use crate::emit::{Model, allow_lints, braced};
use crate::ir::{Block, CallArg, Op, Stmt};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// `program` as the function `name`: its parameters, its return type and its statements, each
/// computing its primal only.
pub(crate) fn function(program: &Model, name: &Ident, doc: &str) -> TokenStream {
    let vis = &program.func.vis;
    let this = program.original();
    let params = program.params();
    let ret = &program.sig.ret.ty;
    let lints = allow_lints();
    let bounds = program.param_bounds();
    // the statements first: they decide whether the function spells a value
    let statements = block(program, &program.stmts);
    let spelled = program.spelled_in_scope();
    let rt_use = crate::emit::rt_in_scope();
    let body = braced(TokenStream::from_iter([
        quote! {
            // The derivative stands for the function: using one uses the other.
            let _ = #this;
            #rt_use
            #spelled
        },
        statements,
    ]));
    quote! {
        #[doc = #doc]
        #lints
        #vis fn #name(#(#params),*) -> #ret #bounds #body
    }
}

fn block(m: &Model, stmts: &Block) -> TokenStream {
    // collected, not interpolated: the statements are moved, not copied (see `braced`)
    stmts.iter().map(|s| stmt(m, s)).collect()
}

/// The primal of an operation assigned to a variable: a call of the function it names, or the
/// operation's primal form (after the check of the user's expression, where it has one).
fn value(m: &Model, op: &Op) -> (TokenStream, TokenStream) {
    match op {
        Op::Call { func, args, guard } => {
            (quote!(), crate::emit::call(func, &m.call_args(args, guard)))
        }
        op => (m.check(op), m.primal_op(op)),
    }
}

fn stmt(m: &Model, s: &Stmt) -> TokenStream {
    match s {
        Stmt::Verbatim(tokens) => tokens.clone(),
        Stmt::Let {
            var, ty, op: None, ..
        } => {
            let x = m.primal(*var);
            let ty = ty.as_ref().map(|t| quote!(: #t));
            quote!(let mut #x #ty;)
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
            let (check, value) = value(m, op);
            // moved into place, not copied (see `braced`)
            TokenStream::from_iter([check, quote!(let #mt #x #ty =), value, quote!(;)])
        }
        Stmt::Assign { var, op } => {
            let x = m.primal(*var);
            let (check, value) = value(m, op);
            TokenStream::from_iter([check, quote!(#x =), value, quote!(;)])
        }
        Stmt::LetTuple {
            vars,
            func,
            args,
            pairs,
            guard,
        } => {
            let xs: Vec<TokenStream> = vars
                .iter()
                .map(|v| {
                    let x = m.primal(*v);
                    quote!(#x)
                })
                .collect();
            let pattern = crate::emit::call_pattern(&xs, *pairs);
            let call = crate::emit::call(func, &m.call_args(args, guard));
            // A companion's call passes values and tangents (`g_jvp`).
            let probes = pairs.then(|| tangent_probes(func, args));
            quote!(#probes let #pattern = #call;)
        }
        Stmt::Write { buf, index, value } => {
            let (b, v) = (m.primal(*buf), m.pval(value));
            quote!(#b[#index] = #v;)
        }
        Stmt::WriteField {
            base,
            member,
            value,
        } => {
            let (b, v) = (m.primal(*base), m.pval(value));
            quote!(#b.#member = #v;)
        }
        Stmt::Push { buf, value } => {
            let (b, v) = (m.primal(*buf), m.pval(value));
            quote!(#b.push(#v);)
        }
        Stmt::Return { values, spellings } => {
            let returned = m.returned_operands(values, spellings);
            quote!(return #returned;)
        }
        control => crate::emit::control_shell(control, |body| block(m, body)),
    }
}

/// Which arguments of a call get tangents is decided by how they are written (see
/// `CallArg::Constant`); an argument passed without one must not be a float the lowering did
/// not recognise, or the callee would read the tangents after it at the wrong parameters.
/// Checked by the type checker, in code that never runs (`TangentProbe` in the runtime). The
/// runtime's matrix functions take their non-matrix arguments without tangents.
fn tangent_probes(func: &syn::Path, args: &[CallArg]) -> Option<TokenStream> {
    let rt = crate::emit::rt();
    let probes: Vec<TokenStream> = args
        .iter()
        .filter_map(|a| match a {
            CallArg::Inactive(arg)
                if !crate::known::is_runtime_linalg(func) && !obviously_not_float(arg) =>
            {
                // every token of the probe at the argument's first, the runtime's path too: the
                // error is the argument's, not the attribute's
                let span = arg.clone().into_iter().next()?.span();
                let probe = quote!((&#rt::TangentProbe(&(#arg))).without_tangent(););
                Some(crate::emit::respanned(probe, span))
            }
            _ => None,
        })
        .collect();
    (!probes.is_empty()).then(|| {
        quote! {
            if false {
                use #rt::{ActiveArgument as _, OtherArgument as _};
                #(#probes)*
            }
        }
    })
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
        Ok(syn::Expr::Cast(c)) => crate::known::is_integer_type(&c.ty),
        Ok(syn::Expr::MethodCall(m)) => m.method == "len" && m.args.is_empty(),
        _ => false,
    }
}
