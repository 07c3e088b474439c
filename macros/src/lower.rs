//! Lowering: the annotated body to the model of [`crate::ir`], with activity analysis.
//!
//! A value is active when it depends on an active parameter. Activity is decided per binding
//! and flow-insensitively: a `let mut s = 0.0;` later given an active value is active from its
//! declaration on. Since that is only known after the whole body has been seen, lowering runs
//! to a fixed point: each pass records the bindings that received active values, and the next
//! pass starts from them. Binding numbers are given in traversal order, so they are the same in
//! every pass. Only the last pass's errors are reported.
//!
//! Every user-facing error about the body is found here, on the user's tokens.

use crate::errors::Errors;
use crate::ir::{
    Arm, BinOp, Block, CallArg, Check, CheckForm, Guard, Op, Operand, ScalarMethod, Spelling, Stmt,
    Var, VarId,
};
use crate::known::{self, ScalarArity};
use crate::names::{item_ident, unraw};
use crate::signature::Signature;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote};
use std::collections::HashSet;
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Expr, ExprMacro, Lifetime, Pat, Token};

// The hygiene helpers live in `crate::names`; `forward`, `higher` and `expand` still name two of
// them through this module.
pub(crate) use crate::names::{hygienic, with_user_names};

/// The lowered body and the errors found.
pub(crate) struct Lowered {
    pub body: crate::ir::Body,
    /// The variable of each parameter, `None` for an inactive one.
    pub param_vars: Vec<Option<VarId>>,
    pub errors: Errors,
}

const MAX_PASSES: usize = 64;

pub(crate) fn lower(func: &syn::ItemFn, sig: &Signature) -> Lowered {
    let mut assumed = HashSet::new();
    let mut pass = 0;
    loop {
        let mut lowerer = Lowerer::new(sig, &assumed);
        let stmts = lowerer.function(func);
        pass += 1;
        if lowerer.found.is_subset(&assumed) || pass == MAX_PASSES {
            return Lowered {
                body: crate::ir::Body {
                    ref_consts: lowerer.ref_consts,
                    literals: lowerer.literals,
                    vars: lowerer.vars,
                    stmts,
                },
                param_vars: lowerer.param_vars,
                errors: lowerer.errors,
            };
        }
        assumed.extend(lowerer.found);
    }
}

/// A name in scope: its binding number and, when active, its variable.
#[derive(Clone, Copy)]
struct Binding {
    id: usize,
    var: Option<VarId>,
    /// A value with active fields (an active tuple `t`, the result of `symmetric_eigen()`): an
    /// index in [`Lowerer::records`].
    record: Option<usize>,
    /// An inactive value that looks like a float (a float literal, a cast to a float, a float
    /// parameter left out of `wrt`): passed to a call, it gets a zero tangent.
    float: bool,
    /// An inactive parameter of a reference type: a temporary copying it holds a reference.
    reference: bool,
}

/// How the tail expression of a block is used.
#[derive(Clone)]
enum Tail {
    /// The function's body: the tail is returned.
    Return,
    /// A block used as a value: the tail is assigned to this place.
    Into(Target),
    /// A block whose value is a tuple, destructured: each element is assigned to its place.
    Tuple(Vec<Target>),
    /// A block in statement position: the tail is evaluated for its effects.
    Discard,
}

/// A place a block's value is assigned to.
#[derive(Clone)]
enum Target {
    /// An active variable.
    Active(VarId),
    /// An inactive local, declared `let c;` before the block, so that a block whose value is
    /// inactive may still change active variables (`let n = { s += x; 2 };`). `binding` is the
    /// user's binding the value goes to: given an active value, it is found active and the next
    /// pass lowers it as one. Without a binding, an active value is an error.
    Inactive {
        ident: Ident,
        binding: Option<usize>,
    },
}

struct LoopFrame {
    label: Option<String>,
    /// Where a `break value` goes (for `loop` used as a value); `Tail::Discard` otherwise.
    out: Tail,
}

struct Lowerer<'a> {
    sig: &'a Signature,
    assumed: &'a HashSet<usize>,
    found: HashSet<usize>,
    next_binding: usize,
    vars: Vec<Var>,
    scopes: Vec<Vec<(String, Binding)>>,
    taken_names: HashSet<String>,
    next_temp: usize,
    /// The number of guarded operations so far (see [`Guard`]).
    next_check: usize,
    loops: Vec<LoopFrame>,
    param_vars: Vec<Option<VarId>>,
    errors: Errors,
    /// The annotated function's name, to recognise recursive calls.
    name: Option<Ident>,
    /// The fields of records: (field name, variable).
    records: Vec<Vec<(String, VarId)>>,
    /// The inactive temporaries that hold a reference.
    ref_consts: HashSet<String>,
    /// The inactive temporaries bound to a literal, with the literal.
    literals: std::collections::HashMap<String, TokenStream>,
    /// How many values went to an inactive [`Target`]: code that does so is not kept as written.
    inactive_deliveries: usize,
}

impl<'a> Lowerer<'a> {
    fn new(sig: &'a Signature, assumed: &'a HashSet<usize>) -> Self {
        Lowerer {
            sig,
            assumed,
            found: HashSet::new(),
            next_binding: 0,
            vars: Vec::new(),
            scopes: vec![Vec::new()],
            taken_names: HashSet::new(),
            next_temp: 0,
            next_check: 0,
            loops: Vec::new(),
            param_vars: Vec::new(),
            errors: Errors::default(),
            name: None,
            records: Vec::new(),
            ref_consts: HashSet::new(),
            literals: std::collections::HashMap::new(),
            inactive_deliveries: 0,
        }
    }

    // ----- names, bindings and variables -----

    fn unique(&mut self, stem: &str) -> String {
        let mut name = stem.trim_start_matches("r#").to_string();
        let mut n = 1;
        while !self.taken_names.insert(name.clone()) {
            name = format!("{stem}_{n}");
            n += 1;
        }
        name
    }

    fn new_var(&mut self, ident: Ident, stem: &str, is_ref: bool, param: bool) -> VarId {
        let uniq = self.unique(stem);
        self.vars.push(Var {
            ident,
            uniq,
            is_ref,
            param,
        });
        self.vars.len() - 1
    }

    /// The guard of an operation the user wrote as `left op right` or `left.op(right)`.
    fn guard(
        &mut self,
        form: CheckForm,
        left: &dyn ToTokens,
        right: &dyn ToTokens,
    ) -> Option<Guard> {
        self.next_check += 1;
        let rhs = ends(right);
        let at = match &form {
            CheckForm::Infix(operator) | CheckForm::Prefix(operator) => {
                let operator = operator
                    .clone()
                    .into_iter()
                    .next()
                    .map_or_else(Span::call_site, |t| t.span());
                (operator, operator)
            }
            CheckForm::Method(_) => rhs.ends(),
        };
        Some(Guard {
            id: self.next_check,
            at,
            check: Some(Check {
                form,
                lhs: ends(left),
                rhs,
            }),
        })
    }

    fn temp(&mut self, is_ref: bool) -> VarId {
        self.next_temp += 1;
        let uniq = self.unique(&format!("t{}", self.next_temp));
        let ident = hygienic(&uniq);
        self.vars.push(Var {
            ident,
            uniq,
            is_ref,
            param: false,
        });
        self.vars.len() - 1
    }

    /// Binds an inactive value to a hygienic temporary: `let c1 = expr;`.
    fn const_temp(&mut self, expr: &dyn ToTokens, out: &mut Block) -> Ident {
        self.next_temp += 1;
        let ident = hygienic(&format!("c{}", self.next_temp));
        let tokens = expr.to_token_stream();
        let reference = match syn::parse2::<Expr>(tokens.clone()) {
            Ok(Expr::Reference(r)) => r.mutability.is_none(),
            Ok(p @ Expr::Path(_)) => self.path_binding(&p).is_some_and(|b| b.reference),
            _ => false,
        };
        if reference {
            self.ref_consts.insert(ident.to_string());
        }
        if let Ok(Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(_) | syn::Lit::Int(_),
            ..
        })) = syn::parse2::<Expr>(tokens.clone())
        {
            self.literals.insert(ident.to_string(), tokens.clone());
        }
        out.push(Stmt::Verbatim(quote!(let #ident = #tokens;)));
        ident
    }

    /// An index: an inactive variable named directly is used as it is (the reverse sweep then
    /// keeps one copy of it however often it indexes), anything else is bound to a temporary.
    fn index(&mut self, e: &Expr, out: &mut Block) -> Ident {
        if let Expr::Path(p) = strip_parens(e)
            && let Some(id) = p.path.get_ident()
            && self
                .lookup(&unraw(id))
                .is_some_and(|b| b.var.is_none() && b.record.is_none())
        {
            return id.clone();
        }
        self.const_temp(e, out)
    }

    fn new_binding(&mut self) -> usize {
        self.next_binding += 1;
        self.next_binding - 1
    }

    fn bind(&mut self, name: &Ident, binding: Binding) {
        let scope = self.scopes.last_mut().expect("a scope is always open");
        scope.push((unraw(name), binding));
    }

    fn lookup(&self, name: &str) -> Option<Binding> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, b)| *b)
    }

    /// The binding a single-identifier path refers to.
    fn path_binding(&self, e: &Expr) -> Option<Binding> {
        match e {
            Expr::Path(p) if p.qself.is_none() => self.lookup(&unraw(p.path.get_ident()?)),
            Expr::Paren(p) => self.path_binding(&p.expr),
            Expr::Group(g) => self.path_binding(&g.expr),
            _ => None,
        }
    }

    fn active_var(&self, e: &Expr) -> Option<VarId> {
        if let Expr::Field(f) = strip_parens(e)
            && let syn::Member::Named(field) = &f.member
        {
            let field = field.to_string();
            let record = &self.records[self.path_binding(&f.base)?.record?];
            return record.iter().find(|(n, _)| field == *n).map(|(_, v)| *v);
        }
        if let Expr::Field(f) = strip_parens(e)
            && let syn::Member::Unnamed(index) = &f.member
        {
            let record = &self.records[self.path_binding(&f.base)?.record?];
            return record
                .iter()
                .find(|(n, _)| *n == index.index.to_string())
                .map(|(_, v)| *v);
        }
        self.path_binding(e).and_then(|b| b.var)
    }

    /// The fields of a record named by `e`.
    fn record_of(&self, e: &Expr) -> Option<Vec<(String, VarId)>> {
        self.path_binding(e)
            .and_then(|b| b.record)
            .map(|r| self.records[r].clone())
    }

    /// Binds `name` to a record of active fields.
    fn bind_record(&mut self, name: &Ident, fields: Vec<(String, VarId)>) {
        let id = self.new_binding();
        self.found.insert(id);
        self.records.push(fields);
        let record = Some(self.records.len() - 1);
        self.bind(
            name,
            Binding {
                id,
                var: None,
                record,
                float: false,
                reference: false,
            },
        );
    }

    /// Binds a new user variable; active when its value is or when a later pass found it so.
    fn user_binding(&mut self, ident: &Ident, value_active: bool, is_ref: bool) -> Option<VarId> {
        let id = self.new_binding();
        self.bind_user(ident, id, value_active, is_ref)
    }

    /// Binds a user variable under a binding number taken earlier (before lowering its value,
    /// which may take numbers of its own).
    fn bind_user(
        &mut self,
        ident: &Ident,
        id: usize,
        value_active: bool,
        is_ref: bool,
    ) -> Option<VarId> {
        if value_active {
            self.found.insert(id);
        }
        let var = (value_active || self.assumed.contains(&id))
            .then(|| self.new_var(ident.clone(), &unraw(ident), is_ref, false));
        self.bind(
            ident,
            Binding {
                id,
                var,
                record: None,
                float: false,
                reference: false,
            },
        );
        var
    }

    /// Marks the innermost binding of `name` as a float-like inactive value.
    fn mark_float(&mut self, name: &Ident) {
        let name = unraw(name);
        if let Some((_, binding)) = self
            .scopes
            .last_mut()
            .and_then(|s| s.iter_mut().rev().find(|(n, _)| *n == name))
        {
            binding.float = true;
        }
    }

    /// Whether an inactive expression looks like a float (or a buffer of floats): such an
    /// argument of a call gets a zero tangent, since the callee may differentiate it.
    fn float_like(&self, e: &Expr) -> bool {
        match strip_parens(e) {
            Expr::Lit(l) => match &l.lit {
                syn::Lit::Float(_) => true,
                syn::Lit::Int(i) => matches!(i.suffix(), "f32" | "f64"),
                _ => false,
            },
            Expr::Unary(u) => !matches!(u.op, syn::UnOp::Not(_)) && self.float_like(&u.expr),
            Expr::Reference(r) => self.float_like(&r.expr),
            Expr::Cast(c) => known::is_float_type(&c.ty),
            Expr::Path(p) => match p.path.get_ident() {
                Some(id) => self
                    .lookup(&unraw(id))
                    .is_some_and(|b| b.float || b.var.is_some()),
                // `f64::consts::PI`, `std::f64::EPSILON`
                None => p
                    .path
                    .segments
                    .iter()
                    .any(|s| s.ident == "f64" || s.ident == "f32"),
            },
            Expr::Binary(b) => {
                use syn::BinOp as B;
                matches!(b.op, B::Add(_) | B::Sub(_) | B::Mul(_) | B::Div(_))
                    && (self.float_like(&b.left) || self.float_like(&b.right))
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                (known::scalar(&name).is_some() || known::LINEAR_METHODS.contains(&name.as_str()))
                    && self.float_like(&m.receiver)
            }
            // `f64::log10(c)`, `f64::from(k)`
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) if p.path.segments.len() == 2 => {
                    let (ty, name) = (&p.path.segments[0].ident, &p.path.segments[1].ident);
                    (ty == "f64" || ty == "f32")
                        && (name == "from" || known::scalar(&name.to_string()).is_some())
                }
                _ => false,
            },
            // An element of a buffer of floats (an inactive parameter `b: &[f64]`, a local
            // `vec![0.5; n]`), an entry of a matrix.
            Expr::Index(i) => self.float_like(&i.expr),
            Expr::If(i) => {
                block_tail(&i.then_branch).is_some_and(|t| self.float_like(t))
                    || i.else_branch
                        .as_ref()
                        .is_some_and(|(_, e)| self.float_like(e))
            }
            Expr::Block(b) => block_tail(&b.block).is_some_and(|t| self.float_like(t)),
            Expr::Macro(m) if macro_name(&m.mac) == "vec" => match parse_vec_macro(m) {
                Some(VecMacro::Repeat(e, _)) => self.float_like(&e),
                Some(VecMacro::List(items)) => items.iter().any(|e| self.float_like(e)),
                None => false,
            },
            Expr::Array(a) => a.elems.iter().any(|e| self.float_like(e)),
            Expr::Repeat(r) => self.float_like(&r.expr),
            _ => false,
        }
    }

    /// Binds every name of an inactive pattern, so that it shadows outer active names.
    fn bind_inactive_pattern(&mut self, pat: &Pat) {
        struct Names(Vec<Ident>);
        impl<'ast> Visit<'ast> for Names {
            fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
                self.0.push(p.ident.clone());
                syn::visit::visit_pat_ident(self, p);
            }
        }
        let mut names = Names(Vec::new());
        names.visit_pat(pat);
        for name in names.0 {
            let id = self.new_binding();
            self.bind(
                &name,
                Binding {
                    id,
                    var: None,
                    record: None,
                    float: false,
                    reference: false,
                },
            );
        }
    }

    fn scoped<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.scopes.push(Vec::new());
        let result = f(self);
        self.scopes.pop();
        result
    }

    fn mark_assigned(&mut self, target: Binding, value_active: bool) {
        if value_active {
            self.found.insert(target.id);
        }
    }

    // ----- activity -----

    /// Whether an expression yields an active float value.
    fn expr_active(&self, e: &Expr) -> bool {
        self.value_active(e, &mut Vec::new())
    }

    /// [`Self::expr_active`] with the names bound inside the expression so far (`overlay`,
    /// innermost last): a block's tail may name its own `let`s.
    fn value_active(&self, e: &Expr, overlay: &mut Vec<(String, bool)>) -> bool {
        match e {
            Expr::Path(p) => match p.path.get_ident().map(unraw) {
                Some(name) => match overlay.iter().rev().find(|(n, _)| *n == name) {
                    Some((_, active)) => *active,
                    None => self.active_var(e).is_some() || self.record_of(e).is_some(),
                },
                None => false,
            },
            Expr::Lit(_)
            | Expr::Range(_)
            | Expr::Let(_)
            | Expr::While(_)
            | Expr::ForLoop(_)
            | Expr::Assign(_)
            | Expr::Break(_)
            | Expr::Continue(_)
            | Expr::Return(_) => false,
            Expr::Binary(b) => {
                use syn::BinOp as B;
                match b.op {
                    B::Add(_) | B::Sub(_) | B::Mul(_) | B::Div(_) | B::Rem(_) => {
                        self.value_active(&b.left, overlay) || self.value_active(&b.right, overlay)
                    }
                    _ => false,
                }
            }
            Expr::Unary(u) => match u.op {
                syn::UnOp::Not(_) => false,
                _ => self.value_active(&u.expr, overlay),
            },
            Expr::Paren(p) => self.value_active(&p.expr, overlay),
            Expr::Group(g) => self.value_active(&g.expr, overlay),
            Expr::Reference(r) => self.value_active(&r.expr, overlay),
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if known::INACTIVE_METHODS.contains(&name.as_str()) {
                    return false;
                }
                self.value_active(&m.receiver, overlay)
                    || self.root_active(&m.receiver, overlay)
                    || m.args.iter().any(|a| self.value_active(a, overlay))
            }
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func
                    && let Some(last) = p.path.segments.last()
                    && known::INACTIVE_METHODS.contains(&last.ident.to_string().as_str())
                {
                    return false;
                }
                c.args.iter().any(|a| self.value_active(a, overlay))
            }
            Expr::Index(i) => self.value_active(&i.expr, overlay),
            // A field of a record is active when the record holds it; a field of an active
            // struct is active.
            Expr::Field(f) if self.record_of(&f.base).is_some() => self.active_var(e).is_some(),
            Expr::Field(f) => self.active_var(e).is_some() || self.value_active(&f.base, overlay),
            // A cast to an integer type drops the derivative; a cast to a type the macro cannot
            // read (an alias) is active, so that lowering rejects it rather than guess.
            Expr::Cast(c) => !known::is_integer_type(&c.ty) && self.value_active(&c.expr, overlay),
            Expr::If(i) => {
                let mark = overlay.len();
                if let Expr::Let(l) = &*i.cond {
                    let bound = self.value_active(&l.expr, overlay);
                    overlay.extend(pattern_names(&l.pat).into_iter().map(|n| (n, bound)));
                }
                let then = self.block_active(&i.then_branch, overlay);
                overlay.truncate(mark);
                then || i
                    .else_branch
                    .as_ref()
                    .is_some_and(|(_, e)| self.value_active(e, overlay))
            }
            Expr::Match(m) => m.arms.iter().any(|a| {
                let mark = overlay.len();
                let bound = self.value_active(&m.expr, overlay);
                overlay.extend(pattern_names(&a.pat).into_iter().map(|n| (n, bound)));
                let active = self.value_active(&a.body, overlay);
                overlay.truncate(mark);
                active
            }),
            Expr::Block(b) => self.block_active(&b.block, overlay),
            Expr::Loop(l) => {
                let mark = overlay.len();
                self.bind_block_locals(&l.body, overlay);
                let mut breaks = BreakValues(Vec::new());
                breaks.visit_block(&l.body);
                let active = breaks.0.iter().any(|e| self.value_active(e, overlay));
                overlay.truncate(mark);
                active
            }
            Expr::Macro(m) if macro_name(&m.mac) == "vec" => match parse_vec_macro(m) {
                Some(VecMacro::Repeat(e, _)) => self.value_active(&e, overlay),
                Some(VecMacro::List(items)) => items.iter().any(|e| self.value_active(e, overlay)),
                None => false,
            },
            Expr::Macro(_) => false,
            Expr::Array(a) => a.elems.iter().any(|e| self.value_active(e, overlay)),
            Expr::Repeat(r) => self.value_active(&r.expr, overlay),
            Expr::Tuple(t) => t.elems.iter().any(|e| self.value_active(e, overlay)),
            // Anything else that mentions an active value (a struct literal, a closure, ...) is
            // active, so that lowering rejects it instead of copying it as a constant.
            other => self.mentions_active_in(other, overlay),
        }
    }

    /// Whether the value a method chain starts from is active (`x` in `x.iter().map(..)`), so
    /// that an unknown method on it is rejected rather than copied as a constant.
    fn root_active(&self, e: &Expr, overlay: &mut Vec<(String, bool)>) -> bool {
        match strip_parens(e) {
            Expr::MethodCall(m) => self.root_active(&m.receiver, overlay),
            Expr::Reference(r) => self.root_active(&r.expr, overlay),
            Expr::Index(i) => self.root_active(&i.expr, overlay),
            other => self.value_active(other, overlay),
        }
    }

    /// Whether a block's value (its tail expression) is active.
    fn block_active(&self, block: &syn::Block, overlay: &mut Vec<(String, bool)>) -> bool {
        let mark = overlay.len();
        self.bind_block_locals(block, overlay);
        let active = block_tail(block).is_some_and(|t| self.value_active(t, overlay));
        overlay.truncate(mark);
        active
    }

    /// Adds the `let`s of a block (and of the blocks nested in it) to `overlay`, each active when
    /// its value is or when the block assigns it an active value.
    fn bind_block_locals(&self, block: &syn::Block, overlay: &mut Vec<(String, bool)>) {
        let mut lets = Lets(Vec::new());
        lets.visit_block(block);
        for local in lets.0 {
            let init_active = local
                .init
                .as_ref()
                .is_some_and(|i| self.value_active(&i.expr, overlay));
            for name in pattern_names(&local.pat) {
                let mut assigned = Assigned {
                    name: &name,
                    values: Vec::new(),
                };
                assigned.visit_block(block);
                let active = init_active
                    || assigned.values.iter().any(|v| {
                        self.value_active(v, overlay) || self.mentions_active_in(v, overlay)
                    });
                overlay.push((name, active));
            }
        }
    }

    /// Whether any name in `e` refers to an active variable (or an active name of `overlay`).
    fn mentions_active_in(&self, e: &Expr, overlay: &[(String, bool)]) -> bool {
        let mut paths = Paths(Vec::new());
        paths.visit_expr(e);
        paths
            .0
            .iter()
            .any(|name| match overlay.iter().rev().find(|(n, _)| n == name) {
                Some((_, active)) => *active,
                None => self
                    .lookup(name)
                    .is_some_and(|b| b.var.is_some() || b.record.is_some()),
            })
    }

    /// Whether any name in `e` refers to an active variable.
    fn mentions_active_expr(&self, e: &Expr) -> bool {
        self.mentions_active_in(e, &[])
    }

    // ----- the function -----

    fn function(&mut self, func: &syn::ItemFn) -> Block {
        self.name = Some(func.sig.ident.clone());
        let mut out = Vec::new();
        for param in &self.sig.params {
            let id = self.new_binding();
            let var = if param.adjoint.is_some() {
                let is_ref = matches!(param.ty, syn::Type::Reference(_));
                let var = self.new_var(param.ident.clone(), &unraw(&param.ident), is_ref, true);
                self.found.insert(id);
                Some(var)
            } else if self.assumed.contains(&id) {
                // An inactive parameter given an active value in the body: from here on it is an
                // active local that starts with a zero tangent.
                let var = self.new_var(param.ident.clone(), &unraw(&param.ident), false, false);
                let ident = &param.ident;
                out.push(Stmt::Let {
                    var,
                    mutable: true,
                    ty: None,
                    op: Some(Op::Const(quote!(#ident))),
                });
                Some(var)
            } else {
                None
            };
            self.param_vars.push(var.filter(|v| self.vars[*v].param));
            self.bind(
                &param.ident,
                Binding {
                    id,
                    var,
                    record: None,
                    float: param.differentiable,
                    reference: matches!(param.ty, syn::Type::Reference(_)),
                },
            );
        }
        let stmts = &func.block.stmts;
        self.stmts(stmts, &mut out, &Tail::Return);
        out
    }

    fn stmts(&mut self, stmts: &[syn::Stmt], out: &mut Block, tail: &Tail) {
        for (i, stmt) in stmts.iter().enumerate() {
            match stmt {
                syn::Stmt::Expr(e, None) if i + 1 == stmts.len() => self.tail(e, out, tail),
                _ => self.stmt(stmt, out),
            }
        }
    }

    fn tail(&mut self, e: &Expr, out: &mut Block, tail: &Tail) {
        match tail {
            Tail::Return => self.return_value(Some(e), e, out),
            Tail::Discard => self.expr_stmt(e, out),
            _ if is_diverging(e) => self.expr_stmt(e, out),
            Tail::Into(target) => self.deliver(e, target, out),
            Tail::Tuple(targets) => self.deliver_tuple(e, targets, out),
        }
    }

    /// Assigns a block's value to its place.
    fn deliver(&mut self, e: &Expr, target: &Target, out: &mut Block) {
        match target {
            Target::Active(var) => {
                let op = self.whole_op(e, out);
                let op = self.owned(op);
                out.push(Stmt::Assign { var: *var, op });
            }
            Target::Inactive { .. } if self.needs_lowering(e) => {
                self.control(strip_parens(e), out, &Tail::Into(target.clone()))
            }
            Target::Inactive { ident, binding } => {
                if self.expr_active(e) {
                    match binding {
                        Some(id) => {
                            self.found.insert(*id);
                        }
                        None => self.errors.push(
                            e,
                            "this block's value depends on the inputs where its other values do not; bind it with `let` first",
                        ),
                    }
                }
                self.inactive(e);
                self.inactive_deliveries += 1;
                out.push(Stmt::Verbatim(quote!(#ident = #e;)));
            }
        }
    }

    /// Assigns the elements of a block's tuple value to their places.
    fn deliver_tuple(&mut self, e: &Expr, targets: &[Target], out: &mut Block) {
        match strip_parens(e) {
            Expr::Tuple(t) if t.elems.len() == targets.len() => {
                for (elem, target) in t.elems.iter().zip(targets) {
                    self.deliver(elem, target, out);
                }
            }
            nested @ (Expr::If(_) | Expr::Match(_) | Expr::Block(_) | Expr::Loop(_)) => {
                self.control(nested, out, &Tail::Tuple(targets.to_vec()))
            }
            p if self
                .record_of(p)
                .is_some_and(|r| r.len() == targets.len()) =>
            {
                let fields = self.record_of(p).expect("checked");
                for ((_, field), target) in fields.into_iter().zip(targets) {
                    match target {
                        Target::Active(var) => out.push(Stmt::Assign {
                            var: *var,
                            op: Op::Copy(var_operand(field)),
                        }),
                        Target::Inactive { binding, .. } => {
                            self.found.extend(*binding);
                        }
                    }
                }
            }
            Expr::Call(call) if self.expr_active(e) && !is_scalar_function(call) => {
                // A differentiated function's tuple: every element is a float.
                let Some(func) = self.callee(call) else { return };
                let args = self.call_args(call, out);
                let vars: Vec<VarId> = targets.iter().map(|_| self.temp(false)).collect();
                out.push(Stmt::LetTuple {
                    vars: vars.clone(),
                    func,
                    args,
                    pairs: false,
                    guard: None,
                });
                for (var, target) in vars.into_iter().zip(targets) {
                    match target {
                        Target::Active(t) => out.push(Stmt::Assign {
                            var: *t,
                            op: Op::Copy(var_operand(var)),
                        }),
                        Target::Inactive { binding, .. } => self.found.extend(*binding),
                    }
                }
            }
            other if !self.expr_active(other) => {
                self.inactive(other);
                let c = self.const_temp(other, out);
                for (i, target) in targets.iter().enumerate() {
                    let i = syn::Index::from(i);
                    let element: Expr = syn::parse_quote!(#c.#i);
                    self.deliver(&element, target, out);
                }
            }
            other => self.errors.push(
                other,
                format!(
                    "a tuple of active values from a block is written out `(a, b)` in each branch, or named by a `let` of a tuple of {} values",
                    targets.len()
                ),
            ),
        }
    }

    /// Whether an inactive `if`, `match`, block or `loop` changes active variables: it is then
    /// lowered like a statement, its value going to an inactive local ([`Target::Inactive`]).
    fn needs_lowering(&self, e: &Expr) -> bool {
        struct Changes<'l, 'a> {
            lowerer: &'l Lowerer<'a>,
            found: bool,
        }
        impl Changes<'_, '_> {
            fn place(&mut self, e: &Expr) {
                let root = match strip_parens(e) {
                    Expr::Index(ix) => &*ix.expr,
                    Expr::Field(f) => &*f.base,
                    other => other,
                };
                if self
                    .lowerer
                    .path_binding(root)
                    .is_some_and(|b| b.var.is_some() || b.record.is_some())
                {
                    self.found = true;
                }
            }
        }
        impl<'ast> Visit<'ast> for Changes<'_, '_> {
            fn visit_expr(&mut self, e: &'ast Expr) {
                match e {
                    Expr::Assign(a) => self.place(&a.left),
                    Expr::Binary(b) if compound_op(&b.op).is_some() => self.place(&b.left),
                    Expr::MethodCall(m)
                        if known::MUTATING_METHODS.contains(&m.method.to_string().as_str()) =>
                    {
                        self.place(&m.receiver)
                    }
                    _ => {}
                }
                syn::visit::visit_expr(self, e);
            }
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
            fn visit_item(&mut self, _: &'ast syn::Item) {}
        }
        let control = match strip_parens(e) {
            Expr::Block(b) => b.label.is_none(),
            Expr::If(_) | Expr::Match(_) | Expr::Loop(_) => true,
            _ => false,
        };
        if !control {
            return false;
        }
        let mut changes = Changes {
            lowerer: self,
            found: false,
        };
        changes.visit_expr(e);
        changes.found
    }

    /// Lowers an inactive block value that changes active variables into a new inactive local
    /// (see [`Target::Inactive`]), declared with the type `ty` if given.
    fn inactive_value(
        &mut self,
        e: &Expr,
        ty: Option<&syn::Type>,
        binding: Option<usize>,
        out: &mut Block,
    ) -> Ident {
        let ident = self.deferred_const(ty, out);
        let target = Target::Inactive {
            ident: ident.clone(),
            binding,
        };
        self.control(strip_parens(e), out, &Tail::Into(target));
        ident
    }

    fn stmt(&mut self, stmt: &syn::Stmt, out: &mut Block) {
        match stmt {
            syn::Stmt::Local(local) => self.local(local, out),
            syn::Stmt::Item(item) => out.push(Stmt::Verbatim(item.to_token_stream())),
            syn::Stmt::Macro(m) => {
                self.check_macro(&m.mac);
                self.check_verbatim(&|v| v.visit_stmt_macro(m));
                out.push(Stmt::Verbatim(m.to_token_stream()));
            }
            syn::Stmt::Expr(e, _) => self.expr_stmt(e, out),
        }
    }

    // ----- let -----

    fn local(&mut self, local: &syn::Local, out: &mut Block) {
        let init = local.init.as_ref();
        let init_active = init.is_some_and(|i| self.expr_active(&i.expr));
        if let Some(init) = init
            && let Some((_, diverge)) = &init.diverge
        {
            if init_active {
                self.errors.push(
                    &local.pat,
                    "`let ... else` cannot bind an active value; bind it with `let` and branch with `if`",
                );
            }
            self.check_verbatim(&|v| v.visit_expr(&init.expr));
            let otherwise = self.scoped(|l| {
                let mut block = Vec::new();
                match &**diverge {
                    Expr::Block(b) => l.stmts(&b.block.stmts, &mut block, &Tail::Discard),
                    other => l.expr_stmt(other, &mut block),
                }
                block
            });
            self.bind_inactive_pattern(&local.pat);
            out.push(Stmt::LetElse {
                pat: local.pat.to_token_stream(),
                init: init.expr.to_token_stream(),
                otherwise,
            });
            return;
        }
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, Some((*t.ty).clone())),
            p => (p, None),
        };
        match pat {
            Pat::Ident(p)
                if init_active
                    && matches!(init.map(|i| strip_parens(&i.expr)), Some(Expr::MethodCall(m)) if m.method == "symmetric_eigen") =>
            {
                let Some(Expr::MethodCall(m)) = init.map(|i| strip_parens(&i.expr)) else {
                    unreachable!("checked")
                };
                let (values, vectors) = self.symmetric_eigen(m, out);
                // A primal view under the user's name, for code that only reads it.
                let (v, q) = (&self.vars[values].ident, &self.vars[vectors].ident);
                let name = &p.ident;
                out.push(Stmt::Verbatim(quote! {
                    let #name = ::matcalc::__private::SymmetricEigenView {
                        eigenvalues: &#v,
                        eigenvectors: &#q,
                    };
                }));
                self.bind_record(
                    &p.ident,
                    vec![
                        ("eigenvalues".to_string(), values),
                        ("eigenvectors".to_string(), vectors),
                    ],
                );
            }
            Pat::Ident(p)
                if init_active
                    && matches!(init.map(|i| strip_parens(&i.expr)), Some(Expr::Tuple(_))) =>
            {
                let Some(Expr::Tuple(t)) = init.map(|i| strip_parens(&i.expr)) else {
                    unreachable!("checked")
                };
                let mut fields = Vec::new();
                let mut parts = Vec::new();
                for (i, e) in t.elems.iter().enumerate() {
                    if self.expr_active(e) {
                        let op = self.op(e, out);
                        let var = self.bind_temp(op, out);
                        let x = &self.vars[var].ident;
                        parts.push(quote!(::core::clone::Clone::clone(&#x)));
                        fields.push((i.to_string(), var));
                    } else {
                        self.inactive(e);
                        let c = self.const_temp(e, out);
                        parts.push(quote!(#c));
                    }
                }
                // A primal copy under the user's name, for code that only reads it.
                let name = &p.ident;
                out.push(Stmt::Verbatim(quote!(let #name = (#(#parts,)*);)));
                self.bind_record(&p.ident, fields);
            }
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                let id = self.new_binding();
                if !init_active && !self.assumed.contains(&id) {
                    if let Some(init) = init
                        && self.needs_lowering(&init.expr)
                    {
                        let value = self.inactive_value(&init.expr, ty.as_ref(), Some(id), out);
                        self.bind_user(&p.ident, id, false, false);
                        let pat = &local.pat;
                        out.push(Stmt::Verbatim(quote!(let #pat = #value;)));
                        return;
                    }
                    if let Some(init) = init {
                        self.check_verbatim(&|v| v.visit_expr(&init.expr));
                    }
                    self.bind_user(&p.ident, id, false, false);
                    // A float by its value or by the type written on it (`let c: f64 = h(n);`).
                    if init.is_some_and(|i| self.float_like(&i.expr))
                        || ty.as_ref().is_some_and(known::is_float_type)
                    {
                        self.mark_float(&p.ident);
                    }
                    out.push(Stmt::Verbatim(local.to_token_stream()));
                    return;
                }
                // A declared reference (`let r: &DVector<f64> = x;`) binds the reference, as
                // without the type: the generated code keeps it a reference to the value.
                let ty = ty.filter(|t| !matches!(t, syn::Type::Reference(_)));
                let errors_before = self.errors.len();
                let op = init.map(|i| self.whole_op(&i.expr, out));
                if self.errors.len() > errors_before {
                    // Bound inactive, so that later uses do not repeat the error.
                    self.bind_user(&p.ident, id, false, false);
                    return;
                }
                let is_ref = match &op {
                    Some(Op::Copy(Operand::Var {
                        id,
                        borrowed: false,
                    })) => self.vars[*id].is_ref,
                    Some(Op::Read { by_ref, .. }) => *by_ref,
                    Some(Op::Field { .. }) => true,
                    _ => false,
                };
                // A type written on the binding is the value's own: a reference read is copied.
                let (op, is_ref) = match op {
                    Some(op) if ty.is_some() => (Some(self.owned(op)), false),
                    op => (op, is_ref),
                };
                let op = op.map(|op| self.isolate(op, &p.ident, out));
                // A value bound with a declared type goes through `Op::Declared`; a constant
                // needs the declared type to be typed at all (`let s: f32 = 0.0;`).
                let op = match (op, ty.is_some(), init) {
                    (Some(op), true, Some(init))
                        if !matches!(op, Op::Const(_) | Op::Copy(Operand::Const(_))) =>
                    {
                        let value = match op {
                            Op::Copy(value @ Operand::Var { .. }) => value,
                            op => var_operand(self.bind_temp(op, out)),
                        };
                        Some(Op::Declared(value, ends(&init.expr)))
                    }
                    (op, ..) => op,
                };
                let var = self
                    .bind_user(&p.ident, id, init_active, is_ref)
                    .expect("the binding was found active");
                out.push(Stmt::Let {
                    var,
                    mutable: p.mutability.is_some(),
                    ty,
                    op,
                });
            }
            Pat::Tuple(t) if init_active => self.local_tuple(t, &init.expect("active").expr, out),
            Pat::Wild(_) if init_active => {
                let init = &init.expect("active").expr;
                self.operand(init, out);
            }
            other => {
                if init_active {
                    self.errors.push(
                        other,
                        "this pattern cannot bind an active value; bind a name or a tuple of names",
                    );
                }
                if let Some(init) = init
                    && !init_active
                    && init.diverge.is_none()
                    && self.needs_lowering(&init.expr)
                {
                    let value = self.inactive_value(&init.expr, None, None, out);
                    self.bind_inactive_pattern(&local.pat);
                    let pat = &local.pat;
                    out.push(Stmt::Verbatim(quote!(let #pat = #value;)));
                    return;
                }
                if let Some(init) = init {
                    self.check_verbatim(&|v| v.visit_expr(&init.expr));
                }
                self.bind_inactive_pattern(&local.pat);
                out.push(Stmt::Verbatim(local.to_token_stream()));
            }
        }
    }

    /// Moves an operation into a temporary when it reads a variable that the statement's target
    /// shadows or overwrites, so that emitters can compute tangents and residuals after the
    /// primal assignment without reading the new value.
    fn isolate(&mut self, op: Op, target: &Ident, out: &mut Block) -> Op {
        let target = unraw(target);
        let reads_target = op
            .inputs()
            .iter()
            .any(|v| unraw(&self.vars[*v].ident) == target);
        if !reads_target || matches!(op, Op::Copy(_)) {
            return op;
        }
        let is_ref = matches!(op, Op::Read { by_ref: true, .. });
        let t = self.temp(is_ref);
        out.push(Stmt::Let {
            var: t,
            mutable: false,
            ty: None,
            op: Some(op),
        });
        Op::Copy(var_operand(t))
    }

    fn local_tuple(&mut self, pat: &syn::PatTuple, init: &Expr, out: &mut Block) {
        let names: Option<Vec<(Ident, bool)>> = pat
            .elems
            .iter()
            .map(|p| match p {
                Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
                    Some((i.ident.clone(), i.mutability.is_some()))
                }
                Pat::Wild(_) => Some((item_ident("_"), false)),
                _ => None,
            })
            .collect();
        let Some(names) = names else {
            self.errors.push(
                pat,
                "nested patterns cannot bind active values; destructure one level: `let (a, b) = ...`",
            );
            return;
        };
        match strip_parens(init) {
            Expr::Tuple(t) if t.elems.len() == names.len() => {
                // Evaluate every element before binding any name: `let (a, b) = (b, a);` swaps.
                let values: Vec<Op> = t.elems.iter().map(|e| self.op(e, out)).collect();
                let temps: Vec<VarId> = values
                    .into_iter()
                    .map(|op| self.bind_temp(op, out))
                    .collect();
                for ((name, mutable), t) in names.iter().zip(temps) {
                    if name == "_" {
                        continue;
                    }
                    let var = self
                        .user_binding(name, true, false)
                        .expect("active by construction");
                    out.push(Stmt::Let {
                        var,
                        mutable: *mutable,
                        ty: None,
                        op: Some(Op::Copy(var_operand(t))),
                    });
                }
            }
            Expr::Call(call) if !is_scalar_function(call) => {
                let Some(func) = self.callee(call) else { return };
                let args = self.call_args(call, out);
                let mut vars = Vec::new();
                for (name, mutable) in &names {
                    if *mutable {
                        self.errors.push(
                            name,
                            "bind the result of a call immutably, then copy it into a `let mut`",
                        );
                    }
                    let bound = if name == "_" { hygienic("unused") } else { name.clone() };
                    let var = self.user_binding(&bound, true, false).expect("active");
                    vars.push(var);
                }
                out.push(Stmt::LetTuple {
                    vars,
                    func,
                    args,
                    pairs: false,
                    guard: None,
                });
            }
            e @ (Expr::If(_) | Expr::Match(_) | Expr::Block(_) | Expr::Loop(_)) => {
                // Each element goes to a place of its own, active when some branch gives it an
                // active value (found by the passes, like any binding's activity).
                let ids: Vec<usize> = names.iter().map(|_| self.new_binding()).collect();
                let targets: Vec<Target> = ids
                    .iter()
                    .map(|id| {
                        if self.assumed.contains(id) {
                            Target::Active(self.deferred_temp(out))
                        } else {
                            Target::Inactive {
                                ident: self.deferred_const(None, out),
                                binding: Some(*id),
                            }
                        }
                    })
                    .collect();
                self.control(e, out, &Tail::Tuple(targets.clone()));
                for (((name, mutable), target), id) in names.iter().zip(targets).zip(ids) {
                    if name == "_" {
                        continue;
                    }
                    match target {
                        Target::Active(t) => {
                            let var = self.bind_user(name, id, true, false).expect("active");
                            out.push(Stmt::Let {
                                var,
                                mutable: *mutable,
                                ty: None,
                                op: Some(Op::Copy(var_operand(t))),
                            });
                        }
                        Target::Inactive { ident, .. } => {
                            self.bind_user(name, id, false, false);
                            let m = mutable.then(|| quote!(mut));
                            out.push(Stmt::Verbatim(quote!(let #m #name = #ident;)));
                        }
                    }
                }
            }
            other => self.errors.push(
                other,
                "an active tuple must be written out `(a, b)` or come from a call; fields of active tuples are not supported",
            ),
        }
    }

    // ----- statements -----

    fn expr_stmt(&mut self, e: &Expr, out: &mut Block) {
        match e {
            Expr::Assign(a) => self.assign(&a.left, &a.right, None, e, out),
            Expr::Binary(b) if compound_op(&b.op).is_some() => {
                let op = compound_op(&b.op).expect("checked");
                self.assign(&b.left, &b.right, Some(op), e, out)
            }
            Expr::Binary(b)
                if is_other_compound(&b.op)
                    && (self.expr_active(&b.right) || self.mentions_active_expr(&b.left)) =>
            {
                self.errors.push(
                    &b.op,
                    format!(
                        "no derivative rule for `{}`; matcalc differentiates `+=`, `-=`, `*=` and `/=`",
                        b.op.to_token_stream()
                    ),
                );
            }
            Expr::MethodCall(m) if m.method == "push" && m.args.len() == 1 => self.push(m, e, out),
            Expr::If(_) | Expr::Match(_) | Expr::While(_) | Expr::ForLoop(_) | Expr::Loop(_) => {
                self.control_stmt(e, out)
            }
            Expr::Block(b) if b.label.is_none() => self.control_stmt(e, out),
            Expr::Return(r) => self.return_value(r.expr.as_deref(), e, out),
            Expr::Break(b) => self.brk(b, out),
            Expr::Continue(c) => out.push(Stmt::Continue(c.label.clone())),
            Expr::Macro(m) => {
                self.check_macro(&m.mac);
                self.check_verbatim(&|v| v.visit_expr(e));
                out.push(Stmt::Verbatim(quote!(#e;)));
            }
            _ => {
                if let Some(message) = unsupported(e) {
                    self.errors.push(e, message);
                    return;
                }
                self.check_verbatim(&|v| v.visit_expr(e));
                out.push(Stmt::Verbatim(quote!(#e;)));
            }
        }
    }

    /// `left = right` or `left op= right`.
    fn assign(
        &mut self,
        left: &Expr,
        right: &Expr,
        compound: Option<BinOp>,
        whole: &Expr,
        out: &mut Block,
    ) {
        let right_active = self.expr_active(right);
        match strip_parens(left) {
            Expr::Path(_) if self.path_binding(left).is_some() => {
                let target = self.path_binding(left).expect("checked");
                self.mark_assigned(target, right_active);
                let Some(var) = target.var else {
                    if !right_active && self.needs_lowering(right) {
                        let value = self.inactive_value(right, None, None, out);
                        let op = match whole {
                            Expr::Binary(b) => b.op.to_token_stream(),
                            _ => quote!(=),
                        };
                        out.push(Stmt::Verbatim(quote!(#left #op #value;)));
                        return;
                    }
                    self.check_verbatim(&|v| v.visit_expr(right));
                    out.push(Stmt::Verbatim(quote!(#whole;)));
                    return;
                };
                let op = match compound {
                    None if self.vars[var].is_ref => self.whole_op(right, out),
                    None => {
                        let op = self.whole_op(right, out);
                        self.owned(op)
                    }
                    Some(bin) => {
                        let rhs = self.operand(right, out);
                        let guard = self.compound_guard(bin, whole, left, right);
                        Op::Binary(bin, var_operand(var), rhs, guard)
                    }
                };
                let ident = self.vars[var].ident.clone();
                let op = self.isolate(op, &ident, out);
                out.push(Stmt::Assign { var, op });
            }
            Expr::Index(ix) if self.path_binding(&ix.expr).is_some() => {
                let target = self.path_binding(&ix.expr).expect("checked");
                self.mark_assigned(target, right_active);
                let Some(buf) = target.var else {
                    self.check_verbatim(&|v| v.visit_expr(right));
                    out.push(Stmt::Verbatim(quote!(#whole;)));
                    return;
                };
                self.check_verbatim(&|v| v.visit_expr(&ix.index));
                let index = self.index(&ix.index, out);
                let read = Op::Read {
                    buf,
                    index: index.clone(),
                    by_ref: false,
                };
                let value = self.stored_value(compound, read, (left, right, whole), out);
                out.push(Stmt::Write { buf, index, value });
            }
            Expr::Field(f)
                if self.active_var(left).is_none()
                    && self.path_binding(&f.base).is_some_and(|b| b.var.is_some()) =>
            {
                let target = self.path_binding(&f.base).expect("checked");
                let base = target.var.expect("checked");
                let read = Op::Field {
                    base,
                    member: f.member.clone(),
                };
                let value = self.stored_value(compound, read, (left, right, whole), out);
                out.push(Stmt::WriteField {
                    base,
                    member: f.member.clone(),
                    value,
                });
            }
            other => {
                if right_active || self.mentions_active_expr(other) {
                    self.errors.push(
                        other,
                        "assignments to this place cannot be differentiated; assign to a local variable, to an element `x[i]` of a local buffer or to a field of an active struct",
                    );
                } else {
                    self.check_verbatim(&|v| v.visit_expr(whole));
                    out.push(Stmt::Verbatim(quote!(#whole;)));
                }
            }
        }
    }

    /// The value an assignment `whole` stores: `right`, or for `left op= right` the place's old
    /// value (`read`) combined with `right`.
    fn stored_value(
        &mut self,
        compound: Option<BinOp>,
        read: Op,
        (left, right, whole): (&Expr, &Expr, &Expr),
        out: &mut Block,
    ) -> Operand {
        let Some(bin) = compound else {
            return self.operand(right, out);
        };
        let old = self.bind_temp(read, out);
        let rhs = self.operand(right, out);
        let guard = self.compound_guard(bin, whole, left, right);
        let new = self.bind_temp(Op::Binary(bin, var_operand(old), rhs, guard), out);
        var_operand(new)
    }

    /// The guard of `left op= right` (`whole`). A compound assignment has the type `()` even
    /// when it fails: the check is the binary form, whose type is the error then, at the user's
    /// operator.
    fn compound_guard(
        &mut self,
        bin: BinOp,
        whole: &Expr,
        left: &Expr,
        right: &Expr,
    ) -> Option<Guard> {
        let at = match whole {
            Expr::Binary(b) => syn::spanned::Spanned::span(&b.op),
            _ => syn::spanned::Spanned::span(whole),
        };
        let op = match bin {
            BinOp::Add => quote::quote_spanned!(at=> +),
            BinOp::Sub => quote::quote_spanned!(at=> -),
            BinOp::Mul => quote::quote_spanned!(at=> *),
            // (`dot` has no compound form)
            BinOp::Div | BinOp::Dot => quote::quote_spanned!(at=> /),
        };
        self.guard(CheckForm::Infix(op), left, right)
    }

    /// `let t = op;` into a new temporary (a reference when the operation reads one in place).
    fn bind_temp(&mut self, op: Op, out: &mut Block) -> VarId {
        let op = self.owned(op);
        let is_ref = matches!(op, Op::Read { by_ref: true, .. } | Op::Field { .. });
        let t = self.temp(is_ref);
        out.push(Stmt::Let {
            var: t,
            mutable: false,
            ty: None,
            op: Some(op),
        });
        t
    }

    fn push(&mut self, m: &syn::ExprMethodCall, whole: &Expr, out: &mut Block) {
        let value = &m.args[0];
        let value_active = self.expr_active(value);
        let Some(target) = self.path_binding(&m.receiver) else {
            if value_active {
                self.errors.push(
                    &m.receiver,
                    "`push` of an active value is differentiated only into a local `Vec` named directly",
                );
            }
            self.check_verbatim(&|v| v.visit_expr(whole));
            out.push(Stmt::Verbatim(quote!(#whole;)));
            return;
        };
        self.mark_assigned(target, value_active);
        match target.var {
            Some(buf) => {
                let value = self.operand(value, out);
                out.push(Stmt::Push { buf, value });
            }
            None => {
                self.check_verbatim(&|v| v.visit_expr(value));
                out.push(Stmt::Verbatim(quote!(#whole;)));
            }
        }
    }

    fn return_value(&mut self, value: Option<&Expr>, whole: &Expr, out: &mut Block) {
        let Some(value) = value else {
            self.errors.push(
                whole,
                "`return` without a value; an annotated function returns what it computes",
            );
            return;
        };
        if is_diverging(value) {
            self.expr_stmt(value, out);
            return;
        }
        let endless = match strip_parens(value) {
            Expr::Loop(l) => !breaks_out(&l.body),
            _ => false,
        };
        if endless || matches!(strip_parens(value), Expr::While(_) | Expr::ForLoop(_)) {
            // A loop left only by `return`: a statement, with no value of its own.
            self.expr_stmt(value, out);
            return;
        }
        let tuple = match &self.sig.ret.layout {
            crate::signature::Layout::Leaf => None,
            crate::signature::Layout::Tuple(items) => Some(items.len()),
        };
        // A control expression's value is reported where its branches end, not as a whole:
        // it has no spelling, and neither has a tuple the lowering takes apart otherwise.
        let mut spellings = None;
        let operands = match tuple {
            // A control expression in return position is lowered even when its value looks
            // inactive: it may return from inside, and its value is the function's, a float.
            None if matches!(
                strip_parens(value),
                Expr::If(_) | Expr::Match(_) | Expr::Block(_) | Expr::Loop(_)
            ) =>
            {
                vec![self.control_value(strip_parens(value), out)]
            }
            None => {
                spellings = Some(vec![ends(value)]);
                vec![self.operand(value, out)]
            }
            Some(n) => match strip_parens(value) {
                Expr::Tuple(t) if t.elems.len() == n => {
                    spellings = Some(t.elems.iter().map(|e| ends(e)).collect());
                    t.elems.iter().map(|e| self.operand(e, out)).collect()
                }
                p if self.record_of(p).is_some_and(|r| r.len() == n) => self
                    .record_of(p)
                    .expect("checked")
                    .into_iter()
                    .map(|(_, id)| var_operand(id))
                    .collect(),
                other if !self.expr_active(other) => {
                    let c = self.const_temp(other, out);
                    (0..n)
                        .map(|i| {
                            let i = syn::Index::from(i);
                            Operand::Const(self.const_temp(&quote!(#c.#i), out))
                        })
                        .collect()
                }
                other => {
                    self.errors.push(
                        other,
                        format!("return the {n} components as a tuple expression `(a, b, ..)`"),
                    );
                    return;
                }
            },
        };
        out.push(Stmt::Return {
            values: operands,
            spellings,
        });
    }

    fn brk(&mut self, b: &syn::ExprBreak, out: &mut Block) {
        let frame = match &b.label {
            Some(l) => {
                let name = l.ident.to_string();
                self.loops
                    .iter()
                    .rev()
                    .find(|f| f.label.as_deref() == Some(&name))
            }
            None => self.loops.last(),
        };
        let out_tail = frame.map_or(Tail::Discard, |f| f.out.clone());
        if let Some(value) = &b.expr {
            match out_tail {
                Tail::Into(_) | Tail::Tuple(_) => self.tail(value, out, &out_tail),
                Tail::Return | Tail::Discard => {
                    if self.expr_active(value) {
                        self.errors.push(
                            value,
                            "`break` with an active value is differentiated only out of a `loop` whose value is used",
                        );
                    }
                    self.check_verbatim(&|v| v.visit_expr(value));
                    out.push(Stmt::Verbatim(quote!(#b;)));
                    return;
                }
            }
        }
        out.push(Stmt::Break(b.label.clone()));
    }

    /// A control-flow statement: lowered, or kept verbatim when nothing active happens in it.
    fn control_stmt(&mut self, e: &Expr, out: &mut Block) {
        let mut lowered = Vec::new();
        let deliveries = self.inactive_deliveries;
        self.control(e, &mut lowered, &Tail::Discard);
        let mut trivial = self.inactive_deliveries == deliveries;
        for s in &lowered {
            s.walk(&mut |s| {
                if matches!(
                    s,
                    Stmt::Let { .. }
                        | Stmt::LetTuple { .. }
                        | Stmt::Assign { .. }
                        | Stmt::Write { .. }
                        | Stmt::Push { .. }
                        | Stmt::Return { .. }
                ) {
                    trivial = false;
                }
            });
        }
        if trivial {
            out.push(Stmt::Verbatim(quote!(#e)));
        } else {
            out.extend(lowered);
        }
    }

    /// Lowers `if`, `match`, loops and blocks; a value, if any, goes where `tail` says.
    fn control(&mut self, e: &Expr, out: &mut Block, tail: &Tail) {
        match e {
            Expr::If(i) => {
                self.check_verbatim(&|v| v.visit_expr(&i.cond));
                let cond = &i.cond;
                let then = self.scoped(|l| {
                    if let Expr::Let(let_expr) = &**cond {
                        l.bind_inactive_pattern(&let_expr.pat);
                    }
                    let mut b = Vec::new();
                    l.stmts(&i.then_branch.stmts, &mut b, tail);
                    b
                });
                let els = i.else_branch.as_ref().map(|(_, e)| {
                    self.scoped(|l| {
                        let mut b = Vec::new();
                        match &**e {
                            Expr::Block(blk) => l.stmts(&blk.block.stmts, &mut b, tail),
                            nested => l.control(nested, &mut b, tail),
                        }
                        b
                    })
                });
                out.push(Stmt::If {
                    cond: cond.to_token_stream(),
                    then,
                    els,
                });
            }
            Expr::Match(m) => {
                if self.expr_active(&m.expr) {
                    self.errors.push(
                        &m.expr,
                        "`match` on an active value cannot be differentiated; compare it with `if`/`else`",
                    );
                }
                self.check_verbatim(&|v| v.visit_expr(&m.expr));
                let arms = m
                    .arms
                    .iter()
                    .map(|arm| {
                        self.scoped(|l| {
                            l.bind_inactive_pattern(&arm.pat);
                            if let Some((_, g)) = &arm.guard {
                                l.check_verbatim(&|v| v.visit_expr(g));
                            }
                            let mut body = Vec::new();
                            match &*arm.body {
                                Expr::Block(b) if b.label.is_none() => {
                                    l.stmts(&b.block.stmts, &mut body, tail)
                                }
                                other => l.tail(other, &mut body, tail),
                            }
                            Arm {
                                pat: arm.pat.to_token_stream(),
                                guard: arm.guard.as_ref().map(|(_, g)| g.to_token_stream()),
                                body,
                            }
                        })
                    })
                    .collect();
                out.push(Stmt::Match {
                    scrutinee: m.expr.to_token_stream(),
                    arms,
                });
            }
            Expr::Block(b) => {
                let block = self.scoped(|l| {
                    let mut body = Vec::new();
                    l.stmts(&b.block.stmts, &mut body, tail);
                    body
                });
                out.push(Stmt::Block(block));
            }
            Expr::While(w) => {
                self.check_verbatim(&|v| v.visit_expr(&w.cond));
                let label = w.label.as_ref().map(|l| l.name.clone());
                let body = self.loop_body(&label, Tail::Discard, &w.body, |l, _| {
                    if let Expr::Let(let_expr) = &*w.cond {
                        l.bind_inactive_pattern(&let_expr.pat);
                    }
                });
                out.push(Stmt::While {
                    label,
                    cond: w.cond.to_token_stream(),
                    body,
                });
            }
            Expr::Loop(l) => {
                let label = l.label.as_ref().map(|l| l.name.clone());
                let body = self.loop_body(&label, tail.clone(), &l.body, |_, _| {});
                out.push(Stmt::Loop { label, body });
            }
            Expr::ForLoop(f) => self.for_loop(f, out),
            other => self.errors.push(other, "unsupported control flow"),
        }
    }

    fn loop_body(
        &mut self,
        label: &Option<Lifetime>,
        out_tail: Tail,
        body: &syn::Block,
        prelude: impl FnOnce(&mut Self, &mut Block),
    ) -> Block {
        self.loops.push(LoopFrame {
            label: label.as_ref().map(|l| l.ident.to_string()),
            out: out_tail,
        });
        let lowered = self.scoped(|l| {
            let mut b = Vec::new();
            prelude(l, &mut b);
            l.stmts(&body.stmts, &mut b, &Tail::Discard);
            b
        });
        self.loops.pop();
        lowered
    }

    fn for_loop(&mut self, f: &syn::ExprForLoop, out: &mut Block) {
        let label = f.label.as_ref().map(|l| l.name.clone());
        if !self.iterates_active(&f.expr) {
            self.check_verbatim(&|v| v.visit_expr(&f.expr));
            let body = self.loop_body(&label, Tail::Discard, &f.body, |l, _| {
                l.bind_inactive_pattern(&f.pat);
                // `for v in b.iter()` over floats: `v` is a float, passed to a call with a zero
                // tangent.
                let item = match &*f.pat {
                    Pat::Ident(p) => Some(&p.ident),
                    Pat::Reference(r) => match &*r.pat {
                        Pat::Ident(p) => Some(&p.ident),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(item) = item
                    && iterated_buffer(&f.expr).is_some_and(|b| l.float_like(b))
                {
                    l.mark_float(item);
                }
            });
            out.push(Stmt::For {
                label,
                pat: f.pat.to_token_stream(),
                iter: f.expr.to_token_stream(),
                body,
            });
            return;
        }
        let Some(shape) = self.iteration(&f.expr, &f.pat) else {
            self.errors.push(
                &f.expr,
                "this iteration over an active value cannot be differentiated; write `for i in 0..x.len()`, or iterate `x.iter()`, `x.iter().enumerate()` or `x.iter().zip(y.iter())`",
            );
            return;
        };
        let index = self.loop_index();
        let lens: Vec<TokenStream> = shape
            .items
            .iter()
            .map(|(buf, _, _)| quote!(#buf.len()))
            .collect();
        let len = lens
            .iter()
            .skip(1)
            .fold(lens[0].clone(), |acc, l| quote!(#acc.min(#l)));
        let body = self.loop_body(&label, Tail::Discard, &f.body, |l, prelude| {
            if let Some(pat) = &shape.index {
                prelude.push(Stmt::Verbatim(quote!(let #pat = #index;)));
                l.bind_inactive_pattern(pat);
            }
            for (buf, pat, by_ref) in &shape.items {
                let Some(pat) = pat else { continue };
                let buf_var = l.active_var(buf);
                match (buf_var, pat) {
                    (Some(buf_var), Pat::Ident(p)) => {
                        let var = l
                            .user_binding(&p.ident, true, *by_ref)
                            .expect("active by construction");
                        prelude.push(Stmt::Let {
                            var,
                            mutable: p.mutability.is_some(),
                            ty: None,
                            op: Some(Op::Read {
                                buf: buf_var,
                                index: index.clone(),
                                by_ref: *by_ref,
                            }),
                        });
                    }
                    (_, pat) => {
                        let value = if *by_ref {
                            quote!(&#buf[#index])
                        } else {
                            quote!(#buf[#index])
                        };
                        prelude.push(Stmt::Verbatim(quote!(let #pat = #value;)));
                        l.bind_inactive_pattern(pat);
                    }
                }
            }
        });
        out.push(Stmt::For {
            label,
            pat: index.to_token_stream(),
            iter: quote!(0..#len),
            body,
        });
    }

    // ----- expressions -----

    /// An inactive expression, checked and kept as written.
    fn inactive(&mut self, e: &Expr) {
        match unsupported(e) {
            Some(message) => self.errors.push(e, message),
            None => self.check_verbatim(&|v| v.visit_expr(e)),
        }
    }

    /// Lowers an expression to an operation whose result the caller assigns.
    fn op(&mut self, e: &Expr, out: &mut Block) -> Op {
        if !self.expr_active(e) {
            self.inactive(e);
            return Op::Const(e.to_token_stream());
        }
        match e {
            Expr::Paren(p) => self.op(&p.expr, out),
            Expr::Group(g) => self.op(&g.expr, out),
            Expr::Path(_) => Op::Copy(self.operand(e, out)),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                let op = Op::Copy(self.operand(&u.expr, out));
                self.owned(op)
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
                let right = self.operand(&b.right, out);
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
            Expr::Field(f) => match (strip_parens(&f.base), &f.member) {
                (Expr::MethodCall(m), syn::Member::Named(field))
                    if m.method == "symmetric_eigen"
                        && (field == "eigenvalues" || field == "eigenvectors") =>
                {
                    let (values, vectors) = self.symmetric_eigen(m, out);
                    let id = if field == "eigenvalues" {
                        values
                    } else {
                        vectors
                    };
                    Op::Copy(var_operand(id))
                }
                _ => {
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
    fn whole_op(&mut self, e: &Expr, out: &mut Block) -> Op {
        if !self.expr_active(e) && self.needs_lowering(e) {
            return Op::Copy(self.control_value(strip_parens(e), out));
        }
        self.op(e, out)
    }

    /// Lowers an expression to an operand: an active variable or an inactive temporary.
    fn operand(&mut self, e: &Expr, out: &mut Block) -> Operand {
        if self.active_var(e).is_none() && self.record_of(e).is_some() {
            self.errors.push(
                e,
                "a tuple of active values is used through its fields (`t.0`) or returned; bind a field, or destructure it with `let (a, b) = t;`",
            );
            return Operand::Const(hygienic("invalid"));
        }
        if !self.expr_active(e) {
            self.inactive(e);
            return Operand::Const(self.const_temp(e, out));
        }
        match strip_parens(e) {
            p @ (Expr::Path(_) | Expr::Field(_)) if self.active_var(p).is_some() => Operand::Var {
                id: self.active_var(p).expect("checked"),
                borrowed: false,
            },
            Expr::Unary(u)
                if matches!(u.op, syn::UnOp::Deref(_)) && self.active_var(&u.expr).is_some() =>
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
    fn control_value(&mut self, e: &Expr, out: &mut Block) -> Operand {
        let t = self.deferred_temp(out);
        self.control(e, out, &Tail::Into(Target::Active(t)));
        var_operand(t)
    }

    /// A new active temporary declared without a value, `let mut t;`, assigned later.
    fn deferred_temp(&mut self, out: &mut Block) -> VarId {
        let t = self.temp(false);
        out.push(Stmt::Let {
            var: t,
            mutable: true,
            ty: None,
            op: None,
        });
        t
    }

    /// A new inactive temporary declared without a value, `let c;` (of type `ty` if given),
    /// assigned later.
    fn deferred_const(&mut self, ty: Option<&syn::Type>, out: &mut Block) -> Ident {
        self.next_temp += 1;
        let ident = hygienic(&format!("c{}", self.next_temp));
        let ty = ty.map(|t| quote!(: #t));
        out.push(Stmt::Verbatim(quote!(let #ident #ty;)));
        ident
    }

    fn method(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Op {
        let name = m.method.to_string();
        let args: Vec<&Expr> = m.args.iter().collect();
        if let Some(closure) = self.active_closure(m) {
            self.errors.push(closure, CLOSURE_MESSAGE);
            return Op::Const(TokenStream::new());
        }
        if is_iterator_chain(&m.receiver) {
            self.errors.push(
                &m.method,
                format!(
                    "iterator adaptors such as `{name}` are not differentiated; write a `for` loop over `.iter()`, `.iter().enumerate()` or an index range"
                ),
            );
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
        if known::scalar(&name).is_some() {
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
        let hint = match name.as_str() {
            "sin_cos" => "write `(x.sin(), x.cos())`".to_string(),
            _ => format!(
                "the float methods with rules are {}; for another operation write a custom rule, a function `g` with companions `g_jvp` and `g_vjp`",
                known::scalar_names()
            ),
        };
        self.errors.push(
            &m.method,
            format!("no derivative rule for method `{name}` of an active value; {hint}"),
        );
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

    fn scalar_op(
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
            witness: self.next_check,
        })
    }

    fn call(&mut self, c: &syn::ExprCall, out: &mut Block) -> Op {
        if let Expr::Path(p) = &*c.func
            && p.path.segments.len() == 2
            && matches!(p.path.segments[0].ident.to_string().as_str(), "f32" | "f64")
            && !is_scalar_function(c)
        {
            self.errors.push(
                &p.path,
                format!(
                    "no derivative rule for `{}`; the float methods with rules are {}; for another operation write a custom rule, a function `g` with companions `g_jvp` and `g_vjp`",
                    p.path.to_token_stream().to_string().replace(' ', ""),
                    known::scalar_names()
                ),
            );
            return Op::Const(TokenStream::new());
        }
        if is_scalar_function(c) {
            let Expr::Path(p) = &*c.func else {
                unreachable!("checked")
            };
            let name = &p.path.segments.last().expect("checked").ident;
            let args: Vec<&Expr> = c.args.iter().skip(1).collect();
            let through: syn::Path = syn::Path {
                leading_colon: None,
                segments: std::iter::once(p.path.segments[0].clone()).collect(),
            };
            return self.scalar_op(
                name,
                &c.args[0],
                &args,
                Some(through),
                c.to_token_stream(),
                out,
            );
        }
        let Some(func) = self.callee(c) else {
            return Op::Const(TokenStream::new());
        };
        if func.get_ident().is_some() && func.get_ident() == self.name.as_ref() {
            self.errors.push(
                &c.func,
                "a recursive call cannot be differentiated (its reverse mode would contain itself); write the recursion as a loop",
            );
            return Op::Const(TokenStream::new());
        }
        let segments: Vec<String> = func.segments.iter().map(|s| s.ident.to_string()).collect();
        let last = segments.last().map(String::as_str).unwrap_or_default();
        let on_nalgebra_type =
            segments.len() >= 2 && known::is_nalgebra_type(&segments[segments.len() - 2]);
        if on_nalgebra_type
            && last == "from_fn"
            && let Some(Expr::Closure(closure)) = c.args.last()
        {
            let sizes: Vec<&Expr> = c.args.iter().take(c.args.len() - 1).collect();
            return self.entries_from_fn(&func, &sizes, closure, out);
        }
        if on_nalgebra_type && last == "new" {
            let elems = c.args.iter().map(|a| self.operand(a, out)).collect();
            return Op::Construct { ctor: func, elems };
        }
        if on_nalgebra_type && last == "from_vec" && c.args.len() == 1 {
            let arg = self.matrix_arg(&c.args[0], out);
            return Op::Call {
                func: linalg_path("from_vec"),
                args: vec![arg],
                guard: None,
            };
        }
        let runtime_linalg = known::is_runtime_linalg(&func);
        let args = if runtime_linalg {
            c.args
                .iter()
                .map(|a| {
                    let matrix = self.expr_active(a)
                        || matches!(strip_parens(a), Expr::Reference(_))
                        || self.float_like(a);
                    if matrix {
                        self.matrix_arg(a, out)
                    } else {
                        self.inactive(a);
                        CallArg::Inactive(a.to_token_stream())
                    }
                })
                .collect()
        } else {
            self.call_args(c, out)
        };
        Op::Call {
            func,
            args,
            guard: None,
        }
    }

    /// An argument of a `linalg` function: a reference to a matrix, with a tangent even when it
    /// is inactive.
    fn matrix_arg(&mut self, e: &Expr, out: &mut Block) -> CallArg {
        if !self.expr_active(e) {
            self.inactive(e);
            let inner = match strip_parens(e) {
                Expr::Reference(r) => quote!(&#r),
                other => quote!(&#other),
            };
            let value = self.const_temp(&inner, out);
            return CallArg::Constant {
                value,
                by_ref: true,
            };
        }
        let inner = match strip_parens(e) {
            Expr::Reference(r) => &*r.expr,
            other => other,
        };
        match self.operand(inner, out) {
            Operand::Var { id, .. } => CallArg::Active {
                id,
                borrowed: !self.vars[id].is_ref,
            },
            Operand::Const(c) => CallArg::Constant {
                value: self.const_temp(&quote!(&#c), out),
                by_ref: true,
            },
        }
    }

    /// `a.try_inverse().unwrap()`, `a.cholesky().unwrap().l()` (or `expect`): one rule for the
    /// whole chain.
    fn linalg_chain(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Option<Op> {
        let unwrapped = |e: &Expr| -> Option<(String, Expr)> {
            let Expr::MethodCall(u) = strip_parens(e) else {
                return None;
            };
            if u.method != "unwrap" && u.method != "expect" {
                return None;
            }
            let Expr::MethodCall(inner) = strip_parens(&u.receiver) else {
                return None;
            };
            inner
                .args
                .is_empty()
                .then(|| (inner.method.to_string(), (*inner.receiver).clone()))
        };
        let (function, receiver) = match m.method.to_string().as_str() {
            "unwrap" | "expect" => match unwrapped(&Expr::MethodCall(m.clone()))? {
                (method, receiver) if method == "try_inverse" => ("inv", receiver),
                _ => return None,
            },
            "l" if m.args.is_empty() => match unwrapped(&m.receiver)? {
                (method, receiver) if method == "cholesky" => ("cholesky", receiver),
                _ => return None,
            },
            _ => return None,
        };
        let arg = self.matrix_arg(&receiver, out);
        Some(Op::Call {
            func: linalg_path(function),
            args: vec![arg],
            guard: None,
        })
    }

    /// `a.symmetric_eigen()`: the eigenvalues and eigenvectors, through `linalg::eigh`.
    fn symmetric_eigen(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> (VarId, VarId) {
        let arg = self.matrix_arg(&m.receiver, out);
        let (values, vectors) = (self.temp(false), self.temp(false));
        out.push(Stmt::LetTuple {
            vars: vec![values, vectors],
            func: linalg_path("eigh"),
            args: vec![arg],
            pairs: false,
            guard: None,
        });
        (values, vectors)
    }

    /// `m.map(|e| body)`: a loop over the entries, column-major, writing each result.
    fn map_closure(&mut self, receiver: &Expr, closure: &syn::ExprClosure, out: &mut Block) -> Op {
        let Some(source) = self.active_var(receiver) else {
            self.errors.push(
                receiver,
                "`map` is differentiated on an active matrix named directly; bind it with `let` first",
            );
            return Op::Const(TokenStream::new());
        };
        let [param] = closure.inputs.iter().collect::<Vec<_>>()[..] else {
            self.errors.push(
                &closure.inputs,
                "`map` takes a closure of one entry: `|x| ...`",
            );
            return Op::Const(TokenStream::new());
        };
        let src = self.vars[source].ident.clone();
        let result = self.temp(false);
        out.push(Stmt::Let {
            var: result,
            mutable: true,
            ty: None,
            op: Some(Op::Const(
                quote!((#src).map(|_| ::core::default::Default::default())),
            )),
        });
        let index = self.loop_index();
        let dst = self.vars[result].ident.clone();
        let body = self.scoped(|l| {
            let mut body = Vec::new();
            l.bind_closure_param(param, source, &index, &mut body);
            let value = l.operand(&closure.body, &mut body);
            body.push(Stmt::Write {
                buf: result,
                index: index.clone(),
                value,
            });
            body
        });
        out.push(Stmt::For {
            label: None,
            pat: index.to_token_stream(),
            iter: quote!(0..#dst.len()),
            body,
        });
        Op::Copy(var_operand(result))
    }

    /// Binds the parameter of a `map` closure to the entry `source[index]`.
    fn bind_closure_param(&mut self, param: &Pat, source: VarId, index: &Ident, body: &mut Block) {
        let pat = match param {
            Pat::Type(t) => &*t.pat,
            p => p,
        };
        match pat {
            Pat::Ident(p) => {
                let var = self
                    .user_binding(&p.ident, true, false)
                    .expect("active by construction");
                body.push(Stmt::Let {
                    var,
                    mutable: p.mutability.is_some(),
                    ty: None,
                    op: Some(Op::Read {
                        buf: source,
                        index: index.clone(),
                        by_ref: false,
                    }),
                });
            }
            Pat::Wild(_) => {}
            other => self
                .errors
                .push(other, "bind the entry to a name: `|x| ...`"),
        }
    }

    /// `Type::from_fn(sizes.., |i, j| body)`: a loop over the entries writing each one.
    fn entries_from_fn(
        &mut self,
        ctor: &syn::Path,
        sizes: &[&Expr],
        closure: &syn::ExprClosure,
        out: &mut Block,
    ) -> Op {
        for size in sizes {
            self.inactive(size);
        }
        let patterns: Vec<&Pat> = closure.inputs.iter().collect();
        if patterns.len() != 2 {
            self.errors.push(
                &closure.inputs,
                "`from_fn` takes a closure of a row and a column: `|i, j| ...`",
            );
            return Op::Const(TokenStream::new());
        }
        let result = self.temp(false);
        out.push(Stmt::Let {
            var: result,
            mutable: true,
            ty: None,
            op: Some(Op::Const(
                quote!(#ctor(#(#sizes,)* |_, _| ::core::default::Default::default())),
            )),
        });
        let dst = self.vars[result].ident.clone();
        let (row, col) = (self.loop_index(), self.loop_index());
        let body = self.scoped(|l| {
            let mut body = Vec::new();
            for (pat, index) in patterns.iter().zip([&row, &col]) {
                body.push(Stmt::Verbatim(quote!(let #pat = #index;)));
                l.bind_inactive_pattern(pat);
            }
            let value = l.operand(&closure.body, &mut body);
            let at = l.const_temp(&quote!((#row, #col)), &mut body);
            body.push(Stmt::Write {
                buf: result,
                index: at,
                value,
            });
            body
        });
        out.push(Stmt::For {
            label: None,
            pat: col.to_token_stream(),
            iter: quote!(0..#dst.ncols()),
            body: vec![Stmt::For {
                label: None,
                pat: row.to_token_stream(),
                iter: quote!(0..#dst.nrows()),
                body,
            }],
        });
        Op::Copy(var_operand(result))
    }

    fn loop_index(&mut self) -> Ident {
        self.next_temp += 1;
        hygienic(&format!("i{}", self.next_temp))
    }

    fn callee(&mut self, c: &syn::ExprCall) -> Option<syn::Path> {
        match &*c.func {
            Expr::Path(p) if p.qself.is_none() => Some(p.path.clone()),
            other => {
                self.errors.push(
                    other,
                    "calls through a value cannot be differentiated; call a named function (an annotated function, or a custom rule with `_jvp` and `_vjp` companions)",
                );
                None
            }
        }
    }

    fn call_args(&mut self, c: &syn::ExprCall, out: &mut Block) -> Vec<CallArg> {
        c.args
            .iter()
            .map(|a| {
                if !self.expr_active(a) {
                    self.inactive(a);
                    if !self.float_like(a) {
                        return CallArg::Inactive(a.to_token_stream());
                    }
                    // A reference gets a reference to its zero tangent: `&x`, or a parameter
                    // `b: &[f64]` left out of `wrt` passed on as `b`.
                    let by_ref = matches!(strip_parens(a), Expr::Reference(_))
                        || self.path_binding(a).is_some_and(|b| b.reference);
                    let value = self.const_temp(a, out);
                    return CallArg::Constant { value, by_ref };
                }
                let operand = match strip_parens(a) {
                    // `g(*xi)` passes the value an item of `.iter()` refers to.
                    Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                        let op = self.op(a, out);
                        var_operand(self.bind_temp(op, out))
                    }
                    _ => self.operand(a, out),
                };
                match operand {
                    Operand::Var { id, borrowed } => CallArg::Active { id, borrowed },
                    Operand::Const(c) => CallArg::Inactive(c.to_token_stream()),
                }
            })
            .collect()
    }

    /// An operation whose result is a value of its own, not a reference: a copy of a variable
    /// that holds a reference (an item of `.iter()`, `*xi`) becomes a `clone()` of it, which
    /// for a float item is the float. Used where the user's value is owned: `*xi`, a branch
    /// or block value, a tuple element, a typed binding, an assignment to an owned variable.
    fn owned(&self, op: Op) -> Op {
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

    // ----- checks of code kept as written -----

    /// Checks code that is kept verbatim: it may read active values but must not change them,
    /// and must not use what cannot be differentiated anywhere.
    fn check_verbatim(&mut self, visit: &dyn Fn(&mut VerbatimCheck)) {
        let mut check = VerbatimCheck {
            lowerer: self,
            errors: Vec::new(),
            assigned: Vec::new(),
        };
        visit(&mut check);
        let VerbatimCheck {
            errors, assigned, ..
        } = check;
        errors.into_iter().for_each(|e| self.errors.add(e));
        self.found.extend(assigned);
    }

    fn check_macro(&mut self, mac: &syn::Macro) {
        if let Some(error) = macro_error(mac) {
            self.errors.add(error);
        }
    }

    /// Whether a `for` loop's iterator walks an active buffer (`x.iter()`, `&x`, `x`, chains and
    /// zips of those), as opposed to a range or an inactive collection.
    fn iterates_active(&self, e: &Expr) -> bool {
        match strip_parens(e) {
            Expr::MethodCall(m) => {
                self.iterates_active(&m.receiver)
                    || (m.method == "zip" && m.args.iter().any(|a| self.iterates_active(a)))
            }
            Expr::Reference(r) => self.iterates_active(&r.expr),
            p @ Expr::Path(_) => self.active_var(p).is_some(),
            _ => false,
        }
    }

    /// The shape of a `for` loop over active buffers.
    fn iteration(&self, iter: &Expr, pat: &Pat) -> Option<IterShape> {
        let (inner, index_pat, items_pat) = match strip_parens(iter) {
            Expr::MethodCall(m) if m.method == "enumerate" && m.args.is_empty() => {
                let Pat::Tuple(t) = pat else { return None };
                if t.elems.len() != 2 {
                    return None;
                }
                (&*m.receiver, Some(t.elems[0].clone()), t.elems[1].clone())
            }
            other => (other, None, pat.clone()),
        };
        let sources: Vec<(&Expr, bool)> = match strip_parens(inner) {
            Expr::MethodCall(m) if m.method == "zip" && m.args.len() == 1 => {
                vec![self.source(&m.receiver)?, self.source(&m.args[0])?]
            }
            other => vec![self.source(other)?],
        };
        let pats: Vec<Pat> = if sources.len() == 1 {
            vec![items_pat]
        } else {
            match items_pat {
                Pat::Tuple(t) if t.elems.len() == sources.len() => t.elems.into_iter().collect(),
                _ => return None,
            }
        };
        let mut items = Vec::new();
        for ((buf, by_ref), pat) in sources.into_iter().zip(pats) {
            let (pat, by_ref) = match pat {
                Pat::Reference(r) if by_ref => ((*r.pat).clone(), false),
                Pat::Wild(_) => {
                    items.push((buf.clone(), None, by_ref));
                    continue;
                }
                Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
                    (Pat::Ident(i), by_ref)
                }
                _ => return None,
            };
            items.push((buf.clone(), Some(pat), by_ref));
        }
        Some(IterShape {
            index: index_pat,
            items,
        })
    }

    /// One iterated buffer: `x.iter()`, `&x` or `x`, and whether its items are references.
    fn source<'e>(&self, e: &'e Expr) -> Option<(&'e Expr, bool)> {
        match strip_parens(e) {
            Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
                self.path_binding(&m.receiver)?;
                Some((&m.receiver, true))
            }
            Expr::Reference(r) if r.mutability.is_none() => {
                self.path_binding(&r.expr)?;
                Some((&r.expr, true))
            }
            p @ Expr::Path(_) => {
                let binding = self.path_binding(p)?;
                // A buffer held by value yields values; a reference (a `&[f64]` parameter)
                // yields references.
                let by_ref = binding.var.is_none_or(|v| self.vars[v].is_ref);
                Some((p, by_ref))
            }
            _ => None,
        }
    }
}

/// The buffers a `for` loop iterates and the patterns that bind their items.
struct IterShape {
    index: Option<Pat>,
    /// The buffer, the pattern of its items (`None` for `_`), and whether items are references.
    items: Vec<(Expr, Option<Pat>, bool)>,
}

/// Visits code kept verbatim; see [`Lowerer::check_verbatim`].
pub(crate) struct VerbatimCheck<'l, 'a> {
    lowerer: &'l Lowerer<'a>,
    errors: Vec<syn::Error>,
    /// Bindings given a value that depends on active ones.
    assigned: Vec<usize>,
}

impl VerbatimCheck<'_, '_> {
    fn error(&mut self, at: &dyn ToTokens, message: impl std::fmt::Display) {
        self.errors
            .push(syn::Error::new_spanned(at.to_token_stream(), message));
    }

    fn assignment(&mut self, target: &Expr, value: &Expr) {
        let place = match strip_parens(target) {
            Expr::Index(ix) => &*ix.expr,
            other => other,
        };
        let Some(binding) = self.lowerer.path_binding(place) else {
            return;
        };
        if binding.var.is_some() {
            self.error(
                target,
                "an active value is assigned inside an expression; make the assignment a statement of its own",
            );
        } else if self.lowerer.mentions_active_expr(value) {
            self.assigned.push(binding.id);
        }
    }
}

impl<'ast> Visit<'ast> for VerbatimCheck<'_, '_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Closure(c) => {
                if self.lowerer.mentions_active_expr(&c.body) {
                    self.error(c, CLOSURE_MESSAGE);
                    return;
                }
            }
            Expr::Return(r) => {
                self.error(
                    r,
                    "`return` inside an expression cannot be differentiated; return from a statement of its own",
                );
                return;
            }
            Expr::Let(l) if self.lowerer.expr_active(&l.expr) => {
                self.error(
                    l,
                    "`let` patterns over active values cannot be differentiated: the names they bind would carry no derivative; read the values by index and test them with `if`",
                );
            }
            Expr::Match(m)
                if self.lowerer.expr_active(&m.expr)
                    && m.arms.iter().any(|a| !pattern_names(&a.pat).is_empty()) =>
            {
                self.error(
                    &m.expr,
                    "`match` on an active value cannot be differentiated; compare it with `if`/`else`",
                );
            }
            Expr::Assign(a) => self.assignment(&a.left, &a.right),
            Expr::Binary(b) if compound_op(&b.op).is_some() || is_other_compound(&b.op) => {
                self.assignment(&b.left, &b.right)
            }
            Expr::MethodCall(m)
                if known::MUTATING_METHODS.contains(&m.method.to_string().as_str()) =>
            {
                if self.lowerer.active_var(&m.receiver).is_some() {
                    self.error(
                        &m.method,
                        format!(
                            "`{}` changes an active buffer inside an expression; call it as a statement of its own (`push`), or build the buffer with indexed writes",
                            m.method
                        ),
                    );
                }
            }
            Expr::Reference(r)
                if r.mutability.is_some() && self.lowerer.mentions_active_expr(&r.expr) =>
            {
                self.error(r, "`&mut` borrows of active values cannot be differentiated; assign the new value instead");
            }
            other => {
                if let Some(message) = unsupported(other)
                    && !matches!(other, Expr::Closure(_))
                {
                    self.error(other, message);
                    return;
                }
            }
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if let Some(error) = macro_error(mac) {
            self.errors.push(error);
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

// ----- helpers over syntax -----

/// An active variable as an operand, not borrowed.
fn var_operand(id: VarId) -> Operand {
    Operand::Var {
        id,
        borrowed: false,
    }
}

/// The path of a function of the runtime's `linalg` module.
fn linalg_path(function: &str) -> syn::Path {
    let function = item_ident(function);
    syn::parse_quote!(::matcalc::__private::linalg::#function)
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

fn block_tail(b: &syn::Block) -> Option<&Expr> {
    match b.stmts.last()? {
        syn::Stmt::Expr(e, None) => Some(e),
        _ => None,
    }
}

/// The buffer a `for` loop walks item by item: `b` in `b.iter()`, `&b`, `b`, `b.iter().rev()`.
fn iterated_buffer(e: &Expr) -> Option<&Expr> {
    match strip_parens(e) {
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(m.method.to_string().as_str(), "iter" | "into_iter" | "rev") =>
        {
            iterated_buffer(&m.receiver)
        }
        Expr::Reference(r) => iterated_buffer(&r.expr),
        p @ Expr::Path(_) => Some(p),
        _ => None,
    }
}

/// Expressions that never produce a value.
fn is_diverging(e: &Expr) -> bool {
    matches!(
        strip_parens(e),
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_)
    )
}

fn compound_op(op: &syn::BinOp) -> Option<BinOp> {
    use syn::BinOp as B;
    match op {
        B::AddAssign(_) => Some(BinOp::Add),
        B::SubAssign(_) => Some(BinOp::Sub),
        B::MulAssign(_) => Some(BinOp::Mul),
        B::DivAssign(_) => Some(BinOp::Div),
        _ => None,
    }
}

fn is_other_compound(op: &syn::BinOp) -> bool {
    use syn::BinOp as B;
    matches!(
        op,
        B::RemAssign(_)
            | B::BitXorAssign(_)
            | B::BitAndAssign(_)
            | B::BitOrAssign(_)
            | B::ShlAssign(_)
            | B::ShrAssign(_)
    )
}

const CLOSURE_MESSAGE: &str = "closures that use active values cannot be differentiated, except in `m.map(|x| ..)` and `Matrix::from_fn(.., |i, j| ..)`; write a loop, or move the code into a function annotated with `#[differentiate]` and call it";

/// The closures in an expression (not those nested in items).
struct Closures<'a>(Vec<&'a syn::ExprClosure>);

impl<'a> Visit<'a> for Closures<'a> {
    fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
        self.0.push(c);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// `m.map(closure)`: a closure form that lowering turns into a loop.
fn is_supported_closure_call(m: &syn::ExprMethodCall, c: &syn::ExprClosure) -> bool {
    m.method == "map"
        && m.args.len() == 1
        && matches!(&m.args[0], Expr::Closure(arg) if std::ptr::eq(arg, c))
        && !is_iterator_chain(&m.receiver)
}

/// `x.iter()`, `x.iter().map(..)`, `(0..n).map(..)`: an iterator, whose adaptors are not
/// differentiated.
fn is_iterator_chain(e: &Expr) -> bool {
    match strip_parens(e) {
        Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "iter"
                    | "into_iter"
                    | "windows"
                    | "chunks"
                    | "zip"
                    | "enumerate"
                    | "map"
                    | "rev"
                    | "skip"
                    | "take"
                    | "step_by"
                    | "filter"
                    | "chain"
            ) && (m.method != "map" || is_iterator_chain(&m.receiver))
                || is_iterator_chain(&m.receiver)
        }
        Expr::Range(_) => true,
        _ => false,
    }
}

/// Constructs no annotated function may contain, active or not, with what to write instead.
fn unsupported(e: &Expr) -> Option<&'static str> {
    Some(match e {
        Expr::Closure(_) => CLOSURE_MESSAGE,
        Expr::Unsafe(_) => {
            "`unsafe` blocks cannot be differentiated; move the unsafe code into a function outside the annotated one"
        }
        Expr::Async(_) => {
            "`async` blocks cannot be differentiated; compute the value synchronously"
        }
        Expr::Await(_) => {
            "`.await` cannot be differentiated; await the value before calling the annotated function"
        }
        Expr::Try(_) => {
            "the `?` operator cannot be differentiated; handle the error with `match` or `unwrap`, or check the input before calling the annotated function"
        }
        Expr::TryBlock(_) => "`try` blocks cannot be differentiated; handle the error with `match`",
        Expr::Yield(_) => "`yield` cannot be differentiated",
        _ => return None,
    })
}

fn macro_name(mac: &syn::Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

fn macro_error(mac: &syn::Macro) -> Option<syn::Error> {
    let name = macro_name(mac);
    if name == "vec" || known::PASSTHROUGH_MACROS.contains(&name.as_str()) {
        return None;
    }
    Some(syn::Error::new_spanned(
        &mac.path,
        format!(
            "unsupported macro `{name}!` in an annotated function; matcalc passes through `assert!`, `debug_assert!` and the `println!` family and builds buffers with `vec!`; write the code the macro stands for, or call a function"
        ),
    ))
}

#[allow(clippy::large_enum_variant)]
enum VecMacro {
    Repeat(Expr, Expr),
    List(Vec<Expr>),
}

fn parse_vec_macro(m: &ExprMacro) -> Option<VecMacro> {
    use syn::parse::Parser;
    let repeat = |input: syn::parse::ParseStream| {
        let elem: Expr = input.parse()?;
        input.parse::<Token![;]>()?;
        let len: Expr = input.parse()?;
        Ok(VecMacro::Repeat(elem, len))
    };
    if let Ok(r) = repeat.parse2(m.mac.tokens.clone()) {
        return Some(r);
    }
    let list = Punctuated::<Expr, Token![,]>::parse_terminated;
    list.parse2(m.mac.tokens.clone())
        .ok()
        .map(|items| VecMacro::List(items.into_iter().collect()))
}

/// `f64::sin(x)`, `f32::max(a, b)`: a float method called through its type.
fn is_scalar_function(c: &syn::ExprCall) -> bool {
    let Expr::Path(p) = &*c.func else {
        return false;
    };
    let segments = &p.path.segments;
    segments.len() == 2
        && matches!(segments[0].ident.to_string().as_str(), "f32" | "f64")
        && known::scalar(&segments[1].ident.to_string()).is_some()
        && !c.args.is_empty()
}

/// Every single-identifier path in an expression.
struct Paths(Vec<String>);

impl<'ast> Visit<'ast> for Paths {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        if let Some(id) = p.get_ident() {
            self.0.push(unraw(id));
        }
        syn::visit::visit_path(self, p);
    }
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // Arguments of macros such as `vec!` and `assert!` are expressions too.
        if let Ok(args) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
            args.iter().for_each(|e| self.visit_expr(e));
        } else if let Ok(tokens) = mac.parse_body::<TokenStream>() {
            for tt in tokens {
                if let proc_macro2::TokenTree::Ident(id) = tt {
                    self.0.push(unraw(&id));
                }
            }
        }
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The names a pattern binds.
fn pattern_names(pat: &Pat) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(unraw(&p.ident));
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut names = Names(Vec::new());
    names.visit_pat(pat);
    names.0
}

/// The `let`s of a block and of the blocks in it, in order (not those of nested items).
struct Lets<'a>(Vec<&'a syn::Local>);

impl<'a> Visit<'a> for Lets<'a> {
    fn visit_local(&mut self, local: &'a syn::Local) {
        self.0.push(local);
        syn::visit::visit_local(self, local);
    }
    fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// The values assigned to a name in a block.
struct Assigned<'n, 'a> {
    name: &'n str,
    values: Vec<&'a Expr>,
}

impl<'a> Visit<'a> for Assigned<'_, 'a> {
    fn visit_expr(&mut self, e: &'a Expr) {
        let target = |t: &Expr| matches!(strip_parens(t), Expr::Path(p) if p.path.get_ident().is_some_and(|i| unraw(i) == self.name));
        match e {
            Expr::Assign(a) if target(&a.left) => self.values.push(&a.right),
            Expr::Binary(b) if compound_op(&b.op).is_some() && target(&b.left) => {
                self.values.push(&b.right)
            }
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// Whether a loop body has a `break` that leaves the loop (its own, or a labelled one).
fn breaks_out(body: &syn::Block) -> bool {
    struct Breaks {
        depth: usize,
        found: bool,
    }
    impl<'a> Visit<'a> for Breaks {
        fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
            if self.depth == 0 || b.label.is_some() {
                self.found = true;
            }
            syn::visit::visit_expr_break(self, b);
        }
        fn visit_expr_loop(&mut self, l: &'a syn::ExprLoop) {
            self.depth += 1;
            syn::visit::visit_expr_loop(self, l);
            self.depth -= 1;
        }
        fn visit_expr_while(&mut self, w: &'a syn::ExprWhile) {
            self.depth += 1;
            syn::visit::visit_expr_while(self, w);
            self.depth -= 1;
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.depth += 1;
            syn::visit::visit_expr_for_loop(self, f);
            self.depth -= 1;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut breaks = Breaks {
        depth: 0,
        found: false,
    };
    breaks.visit_block(body);
    breaks.found
}

/// The values of labelled `break`s in a block.
struct LabelledBreaks<'a>(Vec<&'a Expr>);

impl<'a> LabelledBreaks<'a> {
    fn of(block: &'a syn::Block) -> Vec<&'a Expr> {
        let mut breaks = LabelledBreaks(Vec::new());
        breaks.visit_block(block);
        breaks.0
    }
}

impl<'a> Visit<'a> for LabelledBreaks<'a> {
    fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
        if let (Some(_), Some(e)) = (&b.label, &b.expr) {
            self.0.push(e);
        }
        syn::visit::visit_expr_break(self, b);
    }
    fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// The values of the `break`s that leave a loop (not those of nested loops).
struct BreakValues<'a>(Vec<&'a Expr>);

impl<'a> Visit<'a> for BreakValues<'a> {
    fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
        if let Some(e) = &b.expr {
            self.0.push(e);
        }
    }
    fn visit_expr_loop(&mut self, l: &'a syn::ExprLoop) {
        // A nested loop's own breaks leave it, but a labelled one may leave the outer loop.
        let mut nested = BreakValues(Vec::new());
        syn::visit::visit_expr_loop(&mut nested, l);
        let labelled = LabelledBreaks::of(&l.body);
        self.0.extend(
            nested
                .0
                .into_iter()
                .filter(|e| labelled.iter().any(|l| std::ptr::eq(*l, *e))),
        );
    }
    fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// Where an expression stands in the user's code (see [`Spelling`]).
fn ends(tokens: &dyn ToTokens) -> Spelling {
    let mut trees = tokens.to_token_stream().into_iter();
    let first = trees.next();
    let last = trees.last().map(|t| t.span());
    match (first, last) {
        (Some(proc_macro2::TokenTree::Ident(word)), None) => Spelling::Word(word),
        (first, last) => {
            let first = first.map_or_else(Span::call_site, |t| t.span());
            Spelling::Tokens(first, last)
        }
    }
}
