//! The checks that keep a type error in annotated code reading once, on the user's tokens, as
//! the function without the macro reports it: the user's expression of a guarded operation,
//! type-checked where the generated code computes it, the witness its rule calls defer to (see
//! [`crate::ir::Guard`]), and values spelled as the user's expressions where a type is
//! expected (a binding's declared type, what a function returns).
//!
//! Operations on scalars of the function's float type need none of it (see
//! `analysis::floats`): what remains here is the cost of the other operations, whose types the
//! macro cannot tell (matrices, values of calls, user types).

use super::{Model, respanned, rt};
use crate::ir::{CheckForm, Guard, Op, Operand, Spelling};
use crate::names::item_ident;
use proc_macro2::{Delimiter, Group, Ident, TokenStream, TokenTree};
use quote::quote;

impl Model<'_> {
    /// The method `spelled` of the runtime in scope (see [`Model::returned`]), at the start of a
    /// generated function whose code, emitted before, spells a value. Not in a block around
    /// the value: a block would make a mismatch the block's, without the label on the declared
    /// type.
    pub fn spelled_in_scope(&self) -> TokenStream {
        if !self.spelled.get() {
            return TokenStream::new();
        }
        // by the whole path, after the runtime's name (see `rt_in_scope`): the order rustfmt
        // gives the two, which the expanded examples keep
        let rt = super::rt_path();
        quote!(use #rt::Spelled as _;)
    }

    /// [`spelled_as_returned`], which puts `spelled` in scope.
    fn spelled_as_returned(&self, value: TokenStream, spelling: &Spelling) -> TokenStream {
        // (the user's word itself needs no method)
        if users_word(&value, spelling).is_none() {
            self.spelled.set(true);
        }
        spelled_as_returned(value, spelling)
    }

    /// An argument of a float method that is not active, `c` (bound by an earlier `let`): in
    /// the user's call, where the user wrote it as `spelling`, and in the calls of the method's
    /// rule (`None`). The user's call writes it as the user did, the literal itself or `c`
    /// spelled as the user's expression (`(c).spelled()`), so that one of the wrong type
    /// (`x.powi(n)` with `n: usize`, `x.max(0)`) is reported as in the user's function; that
    /// call also decides its type. The rule's calls convert it to the type the rule takes:
    /// the identity in a function that compiles, and no second error in one that does not
    /// (`argument_as`, or for a literal, whose type nothing else decides there,
    /// `literal_argument`).
    pub fn scalar_argument(&self, c: &Ident, spelling: Option<&Spelling>) -> TokenStream {
        let literal = self.literals.get(&c.to_string());
        match (spelling, literal) {
            (Some(spelling), Some(literal)) => respanned(literal.clone(), spelling.ends().0),
            (Some(spelling), None) => self.spelled_as_returned(quote!(#c), spelling),
            (None, literal) => rule_argument(c, literal.is_some()),
        }
    }

    /// The user's expression of a guarded operation, type-checked where the generated code
    /// computes it (see [`Guard`]); written before the operation's primal.
    pub fn check(&self, op: &Op) -> TokenStream {
        if let Op::Scalar(m) = op {
            let Some(id) = m.witness else {
                return TokenStream::new();
            };
            let (rt, w) = (rt(), self.witness(id));
            return quote!(let mut #w = #rt::Witness::new(););
        }
        let (a, b, guard) = match op {
            Op::Binary(_, a, b, guard) => (a, b, guard),
            Op::Neg(a, guard) => (a, a, guard),
            _ => return TokenStream::new(),
        };
        let Some(Guard {
            id,
            check: Some(check),
            ..
        }) = guard
        else {
            return TokenStream::new();
        };
        let b = self.spelled(b, &check.rhs);
        let expr = match &check.form {
            CheckForm::Infix(op) => {
                let a = self.spelled(a, &check.lhs);
                quote!(#a #op #b)
            }
            CheckForm::Prefix(op) => quote!(#op #b),
            // The receiver as it is: a call around it would move what the method borrows.
            CheckForm::Method(name) => {
                let a = self.native(a);
                quote!(#a.#name(#b))
            }
        };
        let (rt, w) = (rt(), self.witness(*id));
        // The branch never runs and never ends (`loop {}`), so that what the expression moves
        // is still there after it. The witness is declared here, not where the function starts:
        // rustc keeps an undecided type on its list of pending work until the check decides it,
        // and a long list makes every later statement slower to check.
        let expr = Group::new(Delimiter::Parenthesis, expr);
        quote!(let mut #w = #rt::Witness::new(); if false { #w = #rt::witness(&#expr); loop {} })
    }

    /// An operand of a check, with the span of the user's operand, which rustc's error labels:
    /// the user's own identifier where the operand is that variable, a literal as the user wrote
    /// it, anything else as a call of `identity` that spans the user's first token to the last
    /// (the spans of the user's tokens themselves, so that the label is the one the user's
    /// error has).
    fn spelled(&self, o: &Operand, spelling: &Spelling) -> TokenStream {
        self.spelled_value(self.native(o), spelling)
    }

    /// [`Self::spelled`] of a value's expression: the user's word where the value is the
    /// variable the user named, a literal as the user wrote it where the value is the temporary
    /// bound to it, anything else as a call of `identity` spanned as the user's expression.
    fn spelled_value(&self, value: TokenStream, spelling: &Spelling) -> TokenStream {
        if let Some(word) = users_word(&value, spelling) {
            return quote!(#word);
        }
        let (first, last) = spelling.ends();
        let name = lone_ident(&value);
        if let Some(literal) = name.and_then(|name| self.literals.get(&name.to_string())) {
            return respanned(literal.clone(), first);
        }
        let identity = respanned(quote!(::core::convert::identity), first);
        let mut args = Group::new(Delimiter::Parenthesis, value);
        args.set_span(last);
        quote!(#identity #args)
    }

    /// A value bound with the type the user declared (see `Op::Declared`): spelled as the user's
    /// expression.
    pub fn declared(&self, value: TokenStream, spelling: &Spelling) -> TokenStream {
        self.spelled_as_returned(value, spelling)
    }

    /// The value a generated function returns: `values`, one expression per returned component,
    /// assembled as the signature's layout; with `tangents`, the pair of that and the tangents
    /// assembled the same way, a tangent `None` standing for the zero of a constant value.
    ///
    /// Where the annotated function declares its return type, the values, and then the
    /// tangents, go through a closure that returns them as that type, `(move || -> T { .. })()`,
    /// with the user's type and the user's expressions (see `Stmt::Return`): a component of the
    /// wrong type is reported exactly as in the user's function, and rustc prints it once. A
    /// constant's zero is made from the value as that closure returned it, so it has the
    /// declared type even where the constant has not: returning a `usize` from `-> f64` is the
    /// user's mismatch alone, not also a value without a tangent.
    pub fn returned(
        &self,
        values: Vec<TokenStream>,
        tangents: Option<Vec<Option<TokenStream>>>,
        spellings: &Option<Vec<Spelling>>,
    ) -> TokenStream {
        let rt = rt();
        let (Some(spellings), syn::ReturnType::Type(_, user_type)) =
            (spellings, &self.func.sig.output)
        else {
            let Some(tangents) = tangents else {
                return self.sig.ret.layout.assemble(&mut values.into_iter());
            };
            let tangents: Vec<TokenStream> = tangents
                .into_iter()
                .zip(&values)
                .map(|(t, v)| t.unwrap_or_else(|| quote!(#rt::zero_like(&#v))))
                .collect();
            let value = self.sig.ret.layout.assemble(&mut values.into_iter());
            let tangent = self.sig.ret.layout.assemble(&mut tangents.into_iter());
            return quote!((#value, #tangent));
        };
        let user_layout = crate::signature::Layout::of_return(user_type);
        let coerced = |values: Vec<TokenStream>| {
            let mut spelled = values
                .into_iter()
                .zip(spellings)
                .map(|(value, spelling)| self.spelled_as_returned(value, spelling));
            let body = user_layout.assemble(&mut spelled);
            quote!((move || -> #user_type { #body })())
        };
        let value = coerced(values);
        let Some(tangents) = tangents else {
            return value;
        };
        if tangents.iter().all(Option::is_some) {
            let tangent = coerced(tangents.into_iter().flatten().collect());
            return quote!((#value, #tangent));
        }
        let returned = self.fresh("returned");
        let mut zeros = Vec::new();
        let tangents: Vec<TokenStream> = tangents
            .into_iter()
            .zip(user_layout.paths())
            .enumerate()
            .map(|(i, (tangent, path))| {
                tangent.unwrap_or_else(|| {
                    let zero = self.fresh(&format!("returned_zero{i}"));
                    zeros.push(quote!(let #zero = #rt::zero_like(&#returned #path);));
                    quote!(#zero)
                })
            })
            .collect();
        let tangent = coerced(tangents);
        quote!({ let #returned = #value; #(#zeros)* (#returned, #tangent) })
    }

    /// The where clause of a generated function whose active parameters include a type the
    /// macro cannot read (a struct that must derive `Differentiable`): each such type is
    /// `Active` and `Tangent`, as the derive makes it (its own adjoint, of the function's
    /// float type). Where it is not, every generated function fails on the same
    /// bound at the same tokens, the user's type in the signature, and rustc prints it once;
    /// the bodies, which assume the bound, add nothing (without it, each use of the value
    /// failed on a bound of its own, at the attribute).
    pub fn param_bounds(&self) -> TokenStream {
        let rt = super::rt_path();
        let mut seen = Vec::new();
        let bounds: Vec<TokenStream> = self
            .sig
            .params
            .iter()
            // (a function whose float type no other parameter tells keeps none: the bound
            // would say the struct's floats are `f64`)
            .filter(|p| self.sig.float_known && p.adjoint.is_some())
            .filter(|p| crate::signature::is_opaque(&p.ty))
            .filter_map(|p| {
                let owned = crate::signature::owned_type(&p.ty);
                let key = quote!(#owned).to_string();
                if seen.contains(&key) {
                    return None;
                }
                seen.push(key);
                let at = quote!(#owned).into_iter().next()?.span();
                let float = &self.sig.float;
                let bound = quote!(#rt::Active<Owned = #owned> + #rt::Tangent<Scalar = #float>);
                let bound = respanned(bound, at);
                Some(quote!(#owned: #bound))
            })
            .collect();
        if bounds.is_empty() {
            TokenStream::new()
        } else {
            quote!(where #(#bounds),*)
        }
    }

    /// [`Self::returned`] of a `Return`'s operands. In the tangent program, a `Return` holds the
    /// values and then their tangents, a constant's tangent being the constant itself (see
    /// `Stmt::Return`).
    pub fn returned_operands(
        &self,
        values: &[Operand],
        spellings: &Option<Vec<Spelling>>,
    ) -> TokenStream {
        let pval = |v: &Operand| self.pval(v);
        // A scalar returned as the float type the function declares needs no check.
        let declared_float = matches!(&self.func.sig.output,
            syn::ReturnType::Type(_, ty) if matches!(&**ty, syn::Type::Path(p) if p.path.is_ident(&self.sig.float)));
        // (in the tangent program, a constant's tangent is the constant, which stands for a
        // zero that only the checked form makes)
        let scalars = values
            .iter()
            .all(|v| v.var().is_some() && self.floats.is_scalar(v));
        let spellings = if declared_float && scalars {
            &None
        } else {
            spellings
        };
        match spellings {
            Some(s) if values.len() == 2 * s.len() => {
                let (values, tangents) = values.split_at(s.len());
                let tangents = tangents.iter().map(|t| t.var().map(|_| pval(t))).collect();
                self.returned(values.iter().map(pval).collect(), Some(tangents), spellings)
            }
            _ => self.returned(values.iter().map(pval).collect(), None, spellings),
        }
    }
}

/// A value with an expected type (one a function returns, or a binding of a declared type),
/// spelled as the user's expression: the user's word where the value is the variable the user
/// named, otherwise a method call, `(value).spelled()`, spanned from the user's first token to
/// the last. A method's receiver has no expected type, so rustc reports a mismatch on the whole
/// call, spanned as the user's expression; in a call of `identity`, the expected type would
/// make the mismatch its argument's. A returned literal keeps its temporary, whose type the
/// function's return type then decides.
pub(crate) fn spelled_as_returned(value: TokenStream, spelling: &Spelling) -> TokenStream {
    if let Some(word) = users_word(&value, spelling) {
        return quote!(#word);
    }
    let (first, last) = spelling.ends();
    let mut receiver = Group::new(Delimiter::Parenthesis, value);
    receiver.set_span(first);
    let method = respanned(quote!(.spelled()), last);
    quote!(#receiver #method)
}

/// An argument of a float method that is not active, `c`, in a call of the method's rule (see
/// `Model::scalar_argument`); `literal` where `c` is bound to a literal.
pub(crate) fn rule_argument(c: &Ident, literal: bool) -> TokenStream {
    let rt = rt();
    if literal {
        quote!(#rt::literal_argument(#c))
    } else {
        quote!(#rt::argument_as(#c))
    }
}

/// The user's word, where `value` is the variable it names.
fn users_word<'s>(value: &TokenStream, spelling: &'s Spelling) -> Option<&'s Ident> {
    match spelling {
        Spelling::Word(word) if lone_ident(value).is_some_and(|v| v == *word) => Some(word),
        _ => None,
    }
}

/// `value` read as one identifier, as `syn::parse2::<Ident>` reads it (a keyword is none). A
/// value of several tokens, the most frequent, is turned down before the parser, which would
/// copy the tokens into its buffer and describe the error.
fn lone_ident(value: &TokenStream) -> Option<Ident> {
    let mut tokens = value.clone().into_iter();
    match (tokens.next(), tokens.next()) {
        // (a group without delimiters may hold an identifier)
        (Some(TokenTree::Ident(_) | TokenTree::Group(_)), None) => {
            syn::parse2::<Ident>(value.clone()).ok()
        }
        _ => None,
    }
}

impl Model<'_> {
    /// The witness of the guarded operations numbered `id`.
    pub(crate) fn witness(&self, id: usize) -> Ident {
        self.fresh(&format!("check{id}"))
    }

    /// `value`, a reference, through the witness of `guard`: itself, of a type rustc cannot know
    /// when the user's expression does not type-check (see [`Guard`]).
    pub(crate) fn guarded(&self, guard: &Option<Guard>, value: TokenStream) -> TokenStream {
        self.guard_with(guard, value, "guard")
    }

    /// [`Self::guarded`] for an operand taken by value.
    pub(crate) fn guarded_value(&self, guard: &Option<Guard>, value: TokenStream) -> TokenStream {
        self.guard_with(guard, value, "guard_value")
    }

    fn guard_with(&self, guard: &Option<Guard>, value: TokenStream, function: &str) -> TokenStream {
        match guard {
            Some(guard) => {
                let (rt, w, function) = (rt(), self.witness(guard.id), item_ident(function));
                // the value moved in, not copied (see `braced`)
                let args = TokenStream::from_iter([quote!(&#w,), value]);
                let args = Group::new(Delimiter::Parenthesis, args);
                quote!(#rt::#function #args)
            }
            None => value,
        }
    }
}
