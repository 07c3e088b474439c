//! What the receiver of a method is, as far as the function's syntax says: a float, a matrix
//! or a factorization. The macro sees tokens, not types; a parameter's declared type, a `let`
//! with a type, a constructor of nalgebra and a factorization chain say enough for a method
//! without a rule to be reported with the methods that have one for that kind of value, and for
//! `m.abs()` of a matrix to be its entrywise `abs`.

use super::Lowerer;
use super::calls::factorization;
use super::syntax::strip_parens;
use crate::known;
use crate::names::unraw;
use syn::Expr;

/// The kind of value a method is called on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Receiver {
    Float,
    Matrix,
    /// A factorization, by its name in the messages.
    Factorization(&'static str),
}

/// The kind a declared type names: a float, or a nalgebra matrix or vector (behind references).
pub(super) fn kind_of_type(ty: &syn::Type) -> Option<Receiver> {
    match ty {
        syn::Type::Reference(r) => kind_of_type(&r.elem),
        syn::Type::Paren(p) => kind_of_type(&p.elem),
        _ if known::is_float_type(ty) => Some(Receiver::Float),
        syn::Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .filter(|s| known::is_nalgebra_type(&s.ident.to_string()))
            .map(|_| Receiver::Matrix),
        _ => None,
    }
}

impl Lowerer<'_> {
    /// The kind of `e`, when its syntax says: a name whose declared type says it, a constructor
    /// of a nalgebra type (`DMatrix::from_fn(..)`), a factorization (`a.clone().qr()`), or a
    /// matrix method's result that is a matrix (`m.transpose()`).
    pub(super) fn receiver_kind(&self, e: &Expr) -> Option<Receiver> {
        if let Some((name, _)) = factorization(e) {
            return Some(Receiver::Factorization(match name {
                "lu" => "an LU factorization",
                "cholesky" => "a Cholesky factorization",
                "qr" => "a QR factorization",
                _ => "an SVD",
            }));
        }
        match strip_parens(e) {
            Expr::Path(p) => {
                let name = unraw(p.path.get_ident()?);
                let binding = self.lookup(&name)?;
                self.declared_types.get(&binding.id).and_then(kind_of_type)
            }
            Expr::Reference(r) => self.receiver_kind(&r.expr),
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => p
                    .path
                    .segments
                    .iter()
                    .rev()
                    .nth(1)
                    .filter(|s| known::is_nalgebra_type(&s.ident.to_string()))
                    .map(|_| Receiver::Matrix),
                _ => None,
            },
            // a matrix method whose result is a matrix
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "transpose"
                        | "clone"
                        | "map"
                        | "component_mul"
                        | "component_div"
                        | "kronecker"
                        | "diagonal"
                        | "column"
                        | "row"
                        | "columns"
                        | "rows"
                        | "view"
                        | "row_sum"
                        | "column_sum"
                        | "pow"
                ) =>
            {
                self.receiver_kind(&m.receiver)
                    .filter(|k| *k == Receiver::Matrix)
            }
            // sums, differences and products with a matrix are matrices
            Expr::Binary(b)
                if matches!(
                    b.op,
                    syn::BinOp::Add(_)
                        | syn::BinOp::Sub(_)
                        | syn::BinOp::Mul(_)
                        | syn::BinOp::Div(_)
                ) =>
            {
                [&*b.left, &*b.right]
                    .into_iter()
                    .find_map(|side| self.receiver_kind(side).filter(|k| *k == Receiver::Matrix))
            }
            _ => None,
        }
    }

    /// The error for a method without a derivative rule, naming what it is called on and the
    /// methods that have one for that kind of value.
    pub(super) fn reject_method(&mut self, m: &syn::ExprMethodCall) {
        let name = m.method.to_string();
        let custom = "for another operation write a custom rule, a function `g` with companions `g_jvp` and `g_vjp`";
        let floats = || format!("the float methods with rules are {}", known::scalar_names());
        let matrices = || {
            format!(
                "the matrix methods with rules are {}",
                known::linalg_method_names()
            )
        };
        let message = match self.receiver_kind(&m.receiver) {
            _ if name == "sin_cos" => {
                "no derivative rule for method `sin_cos` of an active value; write `(x.sin(), x.cos())`"
                    .to_string()
            }
            Some(Receiver::Float) => format!(
                "no derivative rule for method `{name}` of a float; {}; {custom}",
                floats()
            ),
            Some(Receiver::Matrix) => format!(
                "no derivative rule for method `{name}` of a matrix; {}, and `map(f)` of an entrywise function `f`; {custom}",
                matrices()
            ),
            Some(Receiver::Factorization(what)) => format!(
                "no derivative rule for method `{name}` of {what}; {}",
                factorization_methods(what)
            ),
            None => format!(
                "no derivative rule for method `{name}` of an active value; {}; {}; {custom}",
                floats(),
                matrices()
            ),
        };
        self.errors.push(&m.method, message);
    }
}

/// What a factorization's methods with rules are, and what to write for the rest.
fn factorization_methods(what: &str) -> &'static str {
    match what {
        "a Cholesky factorization" => {
            "its methods with rules are `l()`, `solve(&b)`, `inverse()`, `determinant()` and `ln_determinant()`; for anything else, compute it from `l()`"
        }
        "an LU factorization" => {
            "its methods with rules are `solve(&b)` (then `unwrap()`), `determinant()` and `try_inverse()` (then `unwrap()`)"
        }
        "a QR factorization" => {
            "its methods with rules are `q()`, `r()` and `solve(&b)` (then `unwrap()`); for anything else, compute it from `q()` and `r()`"
        }
        _ => {
            "its fields with rules are `u` and `v_t` (then `unwrap()`) and `singular_values`, and its method `solve(&b, eps)` (then `unwrap()`); for anything else, compute it from those"
        }
    }
}
