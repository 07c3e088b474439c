//! What both emitters share: names of tangents and adjoints, operand expressions, the primal
//! form of each operation, and the generated items' attributes; in `checks`, what keeps a type
//! error in the user's code reading once.

mod checks;

pub(crate) use checks::rule_argument;

use crate::ir::{BinOp, Guard, Op, Operand, Var, VarId};
use crate::names::{Names, item_ident};
use crate::signature::Signature;
use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt, format_ident, quote};

/// The hidden runtime path generated code calls, in the body of a generated function: the
/// name [`rt_in_scope`] gives it there.
pub(crate) fn rt() -> Rt {
    Rt
}

/// The name of the runtime's path, `::matcalc::__private`, in the body of a generated
/// function (see [`rt_in_scope`]): one of the most frequent paths of an expansion, one token
/// where the path is four, which keeps the expansion shorter and faster to build and to read.
#[derive(Clone, Copy)]
pub(crate) struct Rt;

/// The name of [`Rt`], which the user's code never binds: the macro's own names start with two
/// underscores and `matcalc`.
const RT_NAME: &str = "__matcalc";

/// `use ::matcalc::__private as __matcalc;`, at the start of each generated function's body.
pub(crate) fn rt_in_scope() -> TokenStream {
    let (path, name) = (rt_path(), Ident::new(RT_NAME, Span::call_site()));
    quote!(use #path as #name;)
}

/// The runtime's path itself, where [`Rt`]'s name is not in scope: in a signature.
pub(crate) fn rt_path() -> TokenStream {
    quote!(::matcalc::__private)
}

impl ToTokens for Rt {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append(Ident::new(RT_NAME, Span::call_site()));
    }
}

/// The function, its signature and its lowered body.
pub(crate) struct Model<'f> {
    pub func: &'f syn::ItemFn,
    /// The stem of the generated names: the function's name, or `f_jvp` for the tangent
    /// program.
    pub stem: Ident,
    /// Emit the second-order companions.
    pub second_order: bool,
    pub sig: Signature,
    pub vars: Vec<Var>,
    pub stmts: crate::ir::Block,
    /// The inactive temporaries that hold references.
    pub ref_consts: std::collections::HashSet<String>,
    /// The inactive temporaries bound to a literal, with the literal.
    pub literals: std::collections::HashMap<String, TokenStream>,
    pub param_vars: Vec<Option<VarId>>,
    /// The names of this expansion, which generated locals avoid.
    pub names: &'f Names,
    /// The values that are scalars of the float type, whose products are written as such.
    pub floats: crate::analysis::floats::Floats,
    /// Whether code emitted from this model spells a value as the user's expression, with the
    /// runtime's method `spelled`, which the generated function then imports.
    pub spelled: std::cell::Cell<bool>,
}

impl Model<'_> {
    /// A generated local named `name` (see [`Names::fresh`]).
    pub fn fresh(&self, name: &str) -> Ident {
        self.names.fresh(name)
    }

    pub fn primal(&self, id: VarId) -> &Ident {
        &self.vars[id].ident
    }

    pub fn dot(&self, id: VarId) -> Ident {
        self.fresh(&format!("{}_dot", self.vars[id].uniq))
    }

    pub fn bar(&self, id: VarId) -> Ident {
        self.fresh(&format!("{}_bar", self.vars[id].uniq))
    }

    /// `let mut x_bar = None;`, the lazy adjoint of `id`. That of a scalar is declared with its
    /// type, which the pullback's arithmetic of scalars (`g * b`) does not tell rustc; a
    /// `definite` one (see `reverse::definite`) is declared where it is first added into.
    pub fn bar_declared(&self, id: VarId, definite: bool) -> TokenStream {
        let b = self.bar(id);
        if self.floats.is_scalar(&Operand::Var {
            id,
            borrowed: false,
        }) {
            let float = &self.sig.float;
            if definite {
                // declared by its first contribution (see `reverse::definite`)
                quote!()
            } else {
                quote!(let mut #b: ::core::option::Option<#float> = ::core::option::Option::None;)
            }
        } else {
            quote!(let mut #b = ::core::option::Option::None;)
        }
    }

    pub fn zeros(&self, id: VarId) -> Ident {
        self.fresh(&format!("{}_zeros", self.vars[id].uniq))
    }

    fn is_ref(&self, id: VarId) -> bool {
        self.vars[id].is_ref
    }

    /// The operand as the user wrote it in a native expression.
    pub fn native(&self, o: &Operand) -> TokenStream {
        match o {
            Operand::Var { id, borrowed } => {
                let x = self.primal(*id);
                // A reference variable (a field, an item of `.iter()`) is already borrowed.
                if *borrowed && !self.is_ref(*id) {
                    quote!(&#x)
                } else {
                    quote!(#x)
                }
            }
            Operand::Const(c) => quote!(#c),
        }
    }

    /// A reference to the primal value.
    pub fn pref(&self, o: &Operand) -> TokenStream {
        match o {
            Operand::Var { id, .. } => {
                let x = self.primal(*id);
                if self.is_ref(*id) {
                    quote!(#x)
                } else {
                    quote!(&#x)
                }
            }
            Operand::Const(c) if self.ref_consts.contains(&c.to_string()) => quote!(#c),
            Operand::Const(c) => quote!(&#c),
        }
    }

    /// The primal value itself (scalars are `Copy`).
    pub fn pval(&self, o: &Operand) -> TokenStream {
        match o {
            Operand::Var { id, .. } => {
                let x = self.primal(*id);
                if self.is_ref(*id) {
                    quote!((*#x))
                } else {
                    quote!(#x)
                }
            }
            Operand::Const(c) if self.ref_consts.contains(&c.to_string()) => quote!((*#c)),
            Operand::Const(c) => quote!(#c),
        }
    }

    /// The primal expression of an operation (calls excepted: each mode calls its companion).
    pub fn primal_op(&self, op: &Op) -> TokenStream {
        match op {
            Op::Copy(o) => self.native(o),
            Op::Neg(o, guard) => {
                let x = self.guarded_value(guard, self.native(o));
                quote!(-#x)
            }
            // Sums are written as the user wrote them. Products and quotients go through their
            // rules, which take references: the backward sweep keeps their operands, so the
            // primal must not move them (and the rules also cover scalar × matrix).
            // A guard on the first operand is enough: an operation whose first operand has a
            // type rustc cannot know is undecided, and reports nothing.
            Op::Binary(BinOp::Add, a, b, guard) => {
                let (a, b) = (self.guarded_value(guard, self.native(a)), self.native(b));
                quote!(#a + #b)
            }
            Op::Binary(BinOp::Sub, a, b, guard) => {
                let (a, b) = (self.guarded_value(guard, self.native(a)), self.native(b));
                quote!(#a - #b)
            }
            // A product or quotient of scalars, which cannot fail, as the user wrote it.
            Op::Binary(bin @ (BinOp::Mul | BinOp::Div), a, b, None)
                if self.floats.is_scalar(a) && self.floats.is_scalar(b) =>
            {
                let (a, b) = (self.pval(a), self.pval(b));
                match bin {
                    BinOp::Div => quote!(#a / #b),
                    _ => quote!(#a * #b),
                }
            }
            Op::Binary(bin, a, b, guard) => {
                let (a, b) = (self.guarded(guard, self.pref(a)), self.pref(b));
                let rt = rt();
                match bin {
                    BinOp::Div => quote!(#rt::rules::arith::div(#a, #b)),
                    _ => bilinear_call(*bin, "", guard, &[a, b]),
                }
            }
            // The user's expression, which is its own check (see `ScalarMethod::witness`).
            // Arguments are floats by value: an item of `.iter()` is a reference, `f64::tanh`
            // takes a value. A receiver is as the user wrote it, which the method call
            // dereferences, so that a method the receiver lacks is reported for the type the
            // user gave it.
            Op::Scalar(m) => {
                let name = &m.name;
                let arguments: Vec<TokenStream> = m
                    .operands()
                    .skip(1)
                    .zip(&m.args)
                    .map(|(o, spelling)| match o {
                        Operand::Const(c) => self.scalar_argument(&c, Some(spelling)),
                        o => self.pval(&o),
                    })
                    .collect();
                let expr = match &m.through {
                    Some(ty) => {
                        let receiver = self.pval(&m.inputs[0]);
                        quote!(#ty::#name(#receiver, #(#arguments),*))
                    }
                    None => {
                        let receiver = self.native(&m.inputs[0]);
                        quote!((#receiver).#name(#(#arguments),*))
                    }
                };
                match m.witness {
                    Some(id) => {
                        let (rt, w) = (rt(), self.witness(id));
                        quote!(#rt::witnessed(&mut #w, #expr))
                    }
                    None => expr,
                }
            }
            Op::Cast(o, ty) => {
                let x = self.pval(o);
                quote!(#x as #ty)
            }
            Op::Declared(o, spelling) => self.declared(self.pval(o), spelling),
            Op::Argument { value, like } => {
                let (rt, x) = (rt(), self.pref(value));
                match like {
                    None => quote!(#rt::argument_of(#x)),
                    Some(like) => {
                        let like = self.pref(like);
                        quote!(#rt::argument_like(#like, #x))
                    }
                }
            }
            Op::Linear(method, o) => {
                let x = self.native(o);
                quote!((#x).#method())
            }
            Op::Read { buf, index, by_ref } => {
                let b = self.primal(*buf);
                if *by_ref {
                    quote!(&#b[#index])
                } else {
                    quote!(#b[#index])
                }
            }
            Op::Repeat { elem, len, vec } => {
                let e = self.pval(elem);
                if *vec {
                    quote!(::std::vec![#e; #len])
                } else {
                    quote!([#e; #len])
                }
            }
            Op::List { elems, vec } => {
                let items = elems.iter().map(|e| self.pval(e));
                if *vec {
                    quote!(::std::vec![#(#items),*])
                } else {
                    quote!([#(#items),*])
                }
            }
            Op::Construct { ctor, elems } => {
                let items = elems.iter().map(|e| self.pval(e));
                quote!(#ctor(#(#items),*))
            }
            Op::Field { base, member } => {
                let b = self.primal(*base);
                quote!(&#b.#member)
            }
            Op::Struct { path, fields } => {
                let fields = fields.iter().map(|(m, o)| {
                    let v = self.pval(o);
                    quote!(#m: #v)
                });
                quote!(#path { #(#fields),* })
            }
            Op::Const(tokens) => tokens.clone(),
            Op::Call { .. } => unreachable!("calls are emitted by each mode"),
        }
    }

    /// The inputs of a scalar rule's partials, by value: the float inputs, then the integer
    /// ones. The receiver goes through the witness of the user's method (see
    /// [`crate::ir::ScalarMethod::witness`]): a method the receiver lacks leaves the witness
    /// unknown. By reference into the guard, since such a receiver may have no size. The other
    /// active inputs are already of the type the method takes (`Op::Argument`); an input that
    /// is not active goes through `Model::scalar_argument`.
    pub fn scalar_inputs(&self, s: &crate::ir::ScalarMethod) -> Vec<TokenStream> {
        let guard = s.guard();
        s.operands()
            .enumerate()
            .map(|(i, o)| match o {
                _ if i == 0 => {
                    let receiver = self.guarded(&guard, self.pref(&o));
                    quote!((*#receiver))
                }
                Operand::Const(c) => self.scalar_argument(&c, None),
                o => self.pval(&o),
            })
            .collect()
    }

    /// The arguments of a primal call, the first through `guard` if any (see
    /// [`crate::ir::Op::Call`]).
    pub fn call_args(
        &self,
        args: &[crate::ir::CallArg],
        guard: &Option<Guard>,
    ) -> Vec<TokenStream> {
        let mut primals: Vec<TokenStream> = args
            .iter()
            .map(|a| match a {
                crate::ir::CallArg::Active { id, borrowed } => self.native(&Operand::Var {
                    id: *id,
                    borrowed: *borrowed,
                }),
                crate::ir::CallArg::Inactive(tokens) => tokens.clone(),
                crate::ir::CallArg::Constant { value, .. } => quote!(#value),
            })
            .collect();
        // A guarded call takes floats (the partials of a scalar rule), the receiver copied out of
        // the guard's reference: it may be of a type without a size when the check failed.
        if let (Some(_), Some(receiver)) = (guard, primals.first_mut()) {
            let guarded = self.guarded(guard, quote!(&(#receiver)));
            *receiver = quote!((*#guarded));
        }
        primals
    }

    /// How generated code calls a generated companion: `f_vjp`, or `Self::f_vjp` for a method.
    pub fn path(&self, suffix: &str) -> TokenStream {
        let name = self.name(suffix);
        if self.is_method() {
            quote!(Self::#name)
        } else {
            quote!(#name)
        }
    }

    /// The annotated function itself, as generated code refers to it.
    pub fn original(&self) -> TokenStream {
        let name = &self.func.sig.ident;
        if self.is_method() {
            quote!(Self::#name)
        } else {
            quote!(#name)
        }
    }

    pub fn is_method(&self) -> bool {
        self.func.sig.receiver().is_some()
    }

    pub fn name(&self, suffix: &str) -> Ident {
        let name = &self.stem;
        format_ident!("{}_{}", name, suffix, span = name.span())
    }

    /// The parameters of the generated functions, as in the annotated one.
    pub fn params(&self) -> Vec<TokenStream> {
        self.sig
            .params
            .iter()
            .map(|p| {
                let (ident, ty) = (&p.ident, &p.ty);
                let m = p.mutable.then(|| quote!(mut));
                quote!(#m #ident: #ty)
            })
            .collect()
    }

    /// The arguments that forward the parameters unchanged.
    pub fn param_names(&self) -> Vec<&Ident> {
        self.sig.params.iter().map(|p| &p.ident).collect()
    }

    /// The active parameters with their variables.
    pub fn active_params(&self) -> impl Iterator<Item = (&crate::signature::Param, VarId)> {
        self.sig
            .params
            .iter()
            .zip(&self.param_vars)
            .filter_map(|(p, v)| v.map(|v| (p, v)))
    }
}

/// `tokens` with the span `at`: for paths that resolve the same anywhere, and literals.
/// `tokens`, each spanned at `at`, those in groups too.
pub(crate) fn respanned(tokens: TokenStream, at: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => {
                let mut inner = Group::new(group.delimiter(), respanned(group.stream(), at));
                inner.set_span(at);
                TokenTree::Group(inner)
            }
            mut token => {
                token.set_span(at);
                token
            }
        })
        .collect()
}

/// A call of a rule function of a bilinear operation (`mul`, `dot_pullback_lhs`, ...), spanned
/// where the user wrote the operation.
///
/// The matrix rules carry nalgebra's own bound on the shapes (`DimEq`): a product of the wrong
/// shapes fails on it in the user's expression and in each rule call. rustc reports a failed
/// bound of a call on the call, or on the argument that brought it (the first here). With both
/// spanned as the user's operator (or the argument of the user's method), the failure is at the
/// same span, on the same bound, as the check's in the same function (see [`Guard`]), and rustc
/// drops a failed bound it has already reported there: the user reads nalgebra's error once.
pub(crate) fn bilinear_call(
    bin: BinOp,
    function: &str,
    guard: &Option<Guard>,
    args: &[TokenStream],
) -> TokenStream {
    let rt = rt();
    let path = match bin {
        BinOp::Dot => {
            let name = item_ident(&format!("dot{function}"));
            quote!(#rt::rules::linalg::dense::#name)
        }
        _ => {
            let name = item_ident(&format!("mul{function}"));
            quote!(#rt::rules::arith::#name)
        }
    };
    // The path and its arguments are moved into the call, not copied (see `braced`): one of
    // the most frequent calls of an expansion.
    let Some(Guard { at: (from, to), .. }) = guard else {
        let args = Group::new(Delimiter::Parenthesis, quote!(#(#args),*));
        return TokenStream::from_iter([path, quote!(#args)]);
    };
    // An expression spans from its first token to its last: the path or `identity` at the
    // user's first token, the parentheses at the last.
    let (first, rest) = args.split_first().expect("a rule takes arguments");
    let args = TokenStream::from_iter([
        respanned(quote!(::core::convert::identity), *from),
        spanned_group(first.clone(), *to),
        quote!(, #(#rest),*),
    ]);
    TokenStream::from_iter([respanned(path, *from), spanned_group(args, *to)])
}

/// `{ tokens }`, the tokens moved into the block. `quote!` copies every token of a stream it
/// interpolates (each identifier a new allocation), while a group is shared: a long body is
/// wrapped so before it is interpolated, and the expansion of a long function does not copy
/// it again at each level.
pub(crate) fn braced(tokens: TokenStream) -> Group {
    Group::new(Delimiter::Brace, tokens)
}

/// `tokens` in parentheses, spanned at `at`.
fn spanned_group(tokens: TokenStream, at: Span) -> TokenStream {
    let mut group = Group::new(Delimiter::Parenthesis, tokens);
    group.set_span(at);
    quote!(#group)
}

/// A path to the companion of a called function: `g` -> `g_jvp`, `m::g` -> `m::g_jvp`.
pub(crate) fn companion(path: &syn::Path, suffix: &str) -> syn::Path {
    let mut path = path.clone();
    if let Some(last) = path.segments.last_mut() {
        last.ident = format_ident!("{}_{}", last.ident, suffix, span = last.ident.span());
    }
    path
}

/// Lints that generated code may trip without the user having written anything wrong: it
/// declares what it may not use and mirrors the user's code, whose lints apply to the original.
pub(crate) fn allow_lints() -> TokenStream {
    // `unused` is the group of the unused-code lints (variables, assignments, `mut`, imports,
    // parentheses, braces, labels, dead and unreachable code), one line where they took ten
    quote! {
        #[allow(unused, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
    }
}

/// `func(args)`, the parentheses spanned as the function's name, so that an error about the
/// call as a whole (what it returns) is reported on the user's call of the function, not on
/// the attribute.
pub(crate) fn call(func: &syn::Path, args: &[TokenStream]) -> TokenStream {
    let span = func
        .segments
        .last()
        .map_or_else(Span::call_site, |segment| segment.ident.span());
    let mut arguments = Group::new(Delimiter::Parenthesis, quote!(#(#args),*));
    arguments.set_span(span);
    quote!(#func #arguments)
}

/// The pattern that binds what a call returns: a tuple of the names, or with `pairs` (a
/// companion returning values and tangents) the pair of the two halves, each one name or a
/// tuple.
pub(crate) fn call_pattern(names: &[TokenStream], pairs: bool) -> TokenStream {
    if !pairs {
        return quote!((#(#names),*));
    }
    let (values, tangents) = names.split_at(names.len() / 2);
    let group = |half: &[TokenStream]| match half {
        [one] => one.clone(),
        many => quote!((#(#many),*)),
    };
    let (v, t) = (group(values), group(tangents));
    quote!((#v, #t))
}

/// A control-flow statement with its blocks written by `block`: the shells of `if`, `match`,
/// the loops, blocks, `let ... else`, `break` and `continue`, as the user wrote them.
pub(crate) fn control_shell(
    s: &crate::ir::Stmt,
    mut block: impl FnMut(&crate::ir::Block) -> TokenStream,
) -> TokenStream {
    use crate::ir::Stmt;
    let label_of = |label: &Option<syn::Lifetime>| label.as_ref().map(|l| quote!(#l:));
    match s {
        Stmt::If { cond, then, els } => {
            let then = block(then);
            let els = els.as_ref().map(|e| {
                let e = block(e);
                quote!(else { #e })
            });
            quote!(if #cond { #then } #els)
        }
        Stmt::Match { scrutinee, arms } => {
            let arms: Vec<TokenStream> = arms
                .iter()
                .map(|a| {
                    let (pat, body) = (&a.pat, block(&a.body));
                    let guard = a.guard.as_ref().map(|g| quote!(if #g));
                    quote!(#pat #guard => { #body })
                })
                .collect();
            quote!(match #scrutinee { #(#arms)* })
        }
        Stmt::Loop { label, body } => {
            let (label, body) = (label_of(label), block(body));
            quote!(#label loop { #body })
        }
        Stmt::While {
            label, cond, body, ..
        } => {
            let (label, body) = (label_of(label), block(body));
            quote!(#label while #cond { #body })
        }
        Stmt::For {
            label,
            pat,
            iter,
            body,
            ..
        } => {
            let (label, body) = (label_of(label), block(body));
            quote!(#label for #pat in #iter { #body })
        }
        Stmt::Block(b) => {
            let b = block(b);
            quote!({ #b })
        }
        Stmt::LetElse {
            pat,
            init,
            otherwise,
        } => {
            let otherwise = block(otherwise);
            quote!(let #pat = #init else { #otherwise };)
        }
        Stmt::Break(label) => quote!(break #label;),
        Stmt::Continue(label) => quote!(continue #label;),
        _ => unreachable!("a statement of straight-line code has no shell"),
    }
}
