//! The syntax the recomputation analysis reads: `let`s of plain names, integer arithmetic, pure
//! expressions of known names, and every binding and write of a name in a function.

use super::{Binding, is_integer_type};
use crate::ir::Stmt;
use crate::known::MUTATING_METHODS;
use proc_macro2::{Ident, TokenStream};
use std::collections::{HashMap, HashSet};
use syn::visit::Visit;
use syn::{Expr, Pat};

use syn::parse::Parser;

/// The name and the value of `let name = value;`, if `tokens` are that (also read by the
/// `floats` analysis). Tokens that do not start with `let` are not parsed.
pub(crate) fn let_of(tokens: &TokenStream) -> Option<(Ident, syn::LocalInit)> {
    match tokens.clone().into_iter().next() {
        Some(proc_macro2::TokenTree::Ident(first)) if first == "let" => {}
        _ => return None,
    }
    let Ok(syn::Stmt::Local(local)) = syn::parse2::<syn::Stmt>(tokens.clone()) else {
        return None;
    };
    let name = plain_name(&local.pat)?.clone();
    Some((name, local.init?))
}

/// `x` or `x: T` with `T` an integer type, bound by value.
fn plain_name(pat: &Pat) -> Option<&Ident> {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.mutability.is_none() && p.subpat.is_none() => {
            Some(&p.ident)
        }
        Pat::Type(t) if is_integer_type(&t.ty) => plain_name(&t.pat),
        _ => None,
    }
}

/// Whether `e` is integer arithmetic of names `known` holds (and of `len()` where `lengths`).
pub(super) fn integer(e: &Expr, known: &dyn Fn(&str) -> bool, lengths: bool) -> bool {
    let mut reads = Vec::new();
    integer_with(e, &|n| known(n), lengths, &mut reads)
}

/// Whether `e` is integer arithmetic of names `known` holds, without `len()`, collecting the
/// names it reads.
pub(super) fn integer_reads(
    e: &Expr,
    known: &dyn Fn(&str) -> bool,
    reads: &mut Vec<Ident>,
) -> bool {
    integer_with(e, known, false, reads)
}

/// Whether `e` computes a value without side effects from names `known` holds and literals:
/// arithmetic, comparisons, casts, fields, indexing and the methods of [`PURE_METHODS`],
/// collecting the names it reads.
pub(super) fn pure_reads(e: &Expr, known: &dyn Fn(&str) -> bool, reads: &mut Vec<Ident>) -> bool {
    match e {
        Expr::Lit(_) => true,
        Expr::Path(p) if p.qself.is_none() => match p.path.get_ident() {
            Some(i) if known(&i.to_string()) => {
                reads.push(i.clone());
                true
            }
            _ => false,
        },
        Expr::Paren(p) => pure_reads(&p.expr, known, reads),
        Expr::Group(g) => pure_reads(&g.expr, known, reads),
        Expr::Unary(u) => pure_reads(&u.expr, known, reads),
        Expr::Binary(b) => {
            !is_compound(&b.op)
                && pure_reads(&b.left, known, reads)
                && pure_reads(&b.right, known, reads)
        }
        Expr::Cast(c) => pure_reads(&c.expr, known, reads),
        Expr::Field(f) => pure_reads(&f.base, known, reads),
        Expr::Index(i) => pure_reads(&i.expr, known, reads) && pure_reads(&i.index, known, reads),
        Expr::Reference(r) => r.mutability.is_none() && pure_reads(&r.expr, known, reads),
        Expr::MethodCall(m) => {
            m.turbofish.is_none()
                && PURE_METHODS.contains(&m.method.to_string().as_str())
                && pure_reads(&m.receiver, known, reads)
                && m.args.iter().all(|a| pure_reads(a, known, reads))
        }
        _ => false,
    }
}

/// Methods of floats, integers, slices and matrices without side effects.
const PURE_METHODS: &[&str] = &[
    "len", "nrows", "ncols", "exp", "ln", "log2", "log10", "sqrt", "cbrt", "powi", "powf", "abs",
    "sin", "cos", "tan", "sinh", "cosh", "tanh", "recip", "min", "max", "signum", "floor", "ceil",
    "round", "trunc", "clone",
];

fn integer_with(
    e: &Expr,
    known: &dyn Fn(&str) -> bool,
    lengths: bool,
    reads: &mut Vec<Ident>,
) -> bool {
    use syn::BinOp::*;
    match e {
        Expr::Lit(l) => matches!(&l.lit, syn::Lit::Int(_)),
        Expr::Path(p) if p.qself.is_none() => match p.path.get_ident() {
            Some(i) if known(&i.to_string()) => {
                reads.push(i.clone());
                true
            }
            _ => false,
        },
        Expr::Paren(p) => integer_with(&p.expr, known, lengths, reads),
        Expr::Group(g) => integer_with(&g.expr, known, lengths, reads),
        Expr::Unary(u) => {
            matches!(u.op, syn::UnOp::Neg(_) | syn::UnOp::Not(_))
                && integer_with(&u.expr, known, lengths, reads)
        }
        Expr::Binary(b) => {
            matches!(
                b.op,
                Add(_)
                    | Sub(_)
                    | Mul(_)
                    | Div(_)
                    | Rem(_)
                    | BitAnd(_)
                    | BitOr(_)
                    | BitXor(_)
                    | Shl(_)
                    | Shr(_)
            ) && integer_with(&b.left, known, lengths, reads)
                && integer_with(&b.right, known, lengths, reads)
        }
        // A cast to an integer type is an integer of any integer or float it casts; the value
        // cast must itself be written again, so it is held to the same rule.
        Expr::Cast(c) => is_integer_type(&c.ty) && integer_with(&c.expr, known, lengths, reads),
        Expr::MethodCall(m) => lengths && m.method == "len" && m.args.is_empty(),
        _ => false,
    }
}

/// Collects the bindings of a function.
pub(super) struct Collect<'a>(pub(super) &'a mut HashMap<String, Vec<Binding>>);

impl Collect<'_> {
    fn bind(&mut self, name: &Ident, b: Binding) {
        self.0.entry(name.to_string()).or_default().push(b);
    }

    pub(super) fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Verbatim(tokens) => match syn::parse2::<syn::Stmt>(tokens.clone()) {
                Ok(syn::Stmt::Local(local)) => {
                    let value = local.init.as_ref().filter(|i| i.diverge.is_none());
                    match (&local.pat, value) {
                        (Pat::Ident(p), Some(init)) if p.by_ref.is_none() && p.subpat.is_none() => {
                            self.bind(&p.ident, Binding::Value((*init.expr).clone()));
                            self.unknown_bindings(|v| v.visit_expr(&init.expr));
                        }
                        (Pat::Type(t), _)
                            if is_integer_type(&t.ty) && plain_name(&t.pat).is_some() =>
                        {
                            let name = plain_name(&t.pat).expect("checked").clone();
                            self.bind(&name, Binding::Integer);
                            if let Some(init) = &local.init {
                                self.unknown_bindings(|v| v.visit_local_init(init));
                            }
                        }
                        _ => self.unknown_bindings(|v| v.visit_local(&local)),
                    }
                }
                Ok(stmt) => self.unknown_bindings(|v| v.visit_stmt(&stmt)),
                Err(_) => self.unknowns(tokens),
            },
            Stmt::For { pat, iter, .. } => {
                let range = match syn::parse2::<Expr>(iter.clone()) {
                    Ok(Expr::Range(r)) => r.start.zip(r.end),
                    _ => None,
                };
                match (Pat::parse_single.parse2(pat.clone()), range) {
                    (Ok(Pat::Ident(p)), Some((from, to)))
                        if p.by_ref.is_none() && p.subpat.is_none() =>
                    {
                        self.bind(&p.ident, Binding::Counter(*from, *to));
                    }
                    _ => self.pattern(pat),
                }
            }
            Stmt::If { cond, .. } | Stmt::While { cond, .. } => {
                match syn::parse2::<Expr>(cond.clone()) {
                    Ok(e) => self.unknown_bindings(|v| v.visit_expr(&e)),
                    Err(_) => self.unknowns(cond),
                }
            }
            Stmt::LetElse { pat, .. } => self.pattern(pat),
            Stmt::Match { arms, .. } => arms.iter().for_each(|a| self.pattern(&a.pat)),
            _ => {}
        }
    }

    /// The names a pattern binds are of no known type.
    fn pattern(&mut self, pat: &TokenStream) {
        match Pat::parse_multi_with_leading_vert.parse2(pat.clone()) {
            Ok(p) => self.unknown_bindings(|v| v.visit_pat(&p)),
            Err(_) => self.unknowns(pat),
        }
    }

    /// The names bound in what `visit` visits (patterns, closures' parameters) are of no known
    /// type.
    fn unknown_bindings(&mut self, visit: impl FnOnce(&mut Pats<'_, '_>)) {
        visit(&mut Pats(self));
    }

    /// Every identifier in tokens syntax cannot read is taken for a name of no known type.
    fn unknowns(&mut self, tokens: &TokenStream) {
        for t in tokens.clone() {
            match t {
                proc_macro2::TokenTree::Ident(i) => self.bind(&i, Binding::Unknown),
                proc_macro2::TokenTree::Group(g) => self.unknowns(&g.stream()),
                _ => {}
            }
        }
    }
}

/// Marks the names bound in patterns as of no known type.
struct Pats<'b, 'a>(&'b mut Collect<'a>);

impl<'ast> Visit<'ast> for Pats<'_, '_> {
    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.0.bind(&p.ident, Binding::Unknown);
        syn::visit::visit_pat_ident(self, p);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.0.unknowns(&mac.tokens);
    }
}

/// What a loop body binds (how many times) and writes, by name.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) bound: HashMap<String, usize>,
    pub(super) written: HashSet<String>,
}

impl Seen {
    pub(super) fn stmt(&mut self, s: &Stmt) {
        let tokens = match s {
            Stmt::Verbatim(t) => t.clone(),
            Stmt::For { pat, iter, .. } => quote::quote!(let #pat = #iter;),
            Stmt::LetElse { pat, init, .. } => quote::quote!(let #pat = #init;),
            Stmt::If { cond, .. } | Stmt::While { cond, .. } => quote::quote!(#cond;),
            Stmt::Match { scrutinee, .. } => quote::quote!(#scrutinee;),
            _ => return,
        };
        match syn::parse2::<syn::Stmt>(tokens.clone()) {
            Ok(stmt) => self.visit_stmt(&stmt),
            // unreadable: every name in it is taken as bound twice and written
            Err(_) => self.all(&tokens),
        }
        if let Stmt::Match { arms, .. } = s {
            for a in arms {
                self.all(&a.pat);
            }
        }
    }

    fn all(&mut self, tokens: &TokenStream) {
        for t in tokens.clone() {
            match t {
                proc_macro2::TokenTree::Ident(i) => {
                    *self.bound.entry(i.to_string()).or_default() += 2;
                    self.written.insert(i.to_string());
                }
                proc_macro2::TokenTree::Group(g) => self.all(&g.stream()),
                _ => {}
            }
        }
    }
}

/// `+=` and the like.
fn is_compound(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// The name a place is rooted at: `x` in `x`, `x[i]`, `x.a[j]`.
fn root(place: &Expr) -> Option<String> {
    match place {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Index(i) => root(&i.expr),
        Expr::Field(f) => root(&f.base),
        Expr::Reference(r) => root(&r.expr),
        Expr::Paren(p) => root(&p.expr),
        _ => None,
    }
}

impl<'ast> Visit<'ast> for Seen {
    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        *self.bound.entry(p.ident.to_string()).or_default() += 1;
        syn::visit::visit_pat_ident(self, p);
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        let written = match e {
            Expr::Assign(a) => root(&a.left),
            Expr::Binary(b) if is_compound(&b.op) => root(&b.left),
            Expr::Reference(r) if r.mutability.is_some() => root(&r.expr),
            Expr::MethodCall(m) if MUTATING_METHODS.contains(&m.method.to_string().as_str()) => {
                root(&m.receiver)
            }
            _ => None,
        };
        self.written.extend(written);
        syn::visit::visit_expr(self, e);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // a macro may do anything with the names it is given
        self.all(&mac.tokens);
    }
}
