//! Scope: the names in scope and their bindings, and the variables and temporaries that
//! lowering creates.

use super::syntax::{ends, strip_parens};
use super::{Binding, Lowerer};
use crate::ir::{Block, Check, CheckForm, Guard, Stmt, Var, VarId};
use crate::names::unraw;
use proc_macro2::{Ident, Span};
use quote::{ToTokens, quote};
use std::collections::HashMap;
use syn::visit::Visit;
use syn::{Expr, Pat};

impl<'a> Lowerer<'a> {
    fn unique(&mut self, stem: &str) -> String {
        let mut name = stem.trim_start_matches("r#").to_string();
        let mut n = 1;
        while !self.taken_names.insert(name.clone()) {
            name = format!("{stem}_{n}");
            n += 1;
        }
        name
    }

    pub(super) fn new_var(&mut self, ident: Ident, stem: &str, is_ref: bool, param: bool) -> VarId {
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
    pub(super) fn guard(
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

    pub(super) fn temp(&mut self, is_ref: bool) -> VarId {
        self.next_temp += 1;
        let uniq = self.unique(&format!("t{}", self.next_temp));
        let ident = self.names.fresh(&uniq);
        self.vars.push(Var {
            ident,
            uniq,
            is_ref,
            param: false,
        });
        self.vars.len() - 1
    }

    /// Binds an inactive value to a hygienic temporary: `let c1 = expr;`.
    pub(super) fn const_temp(&mut self, expr: &dyn ToTokens, out: &mut Block) -> Ident {
        self.next_temp += 1;
        let ident = self.names.fresh(&format!("c{}", self.next_temp));
        let tokens = expr.to_token_stream();
        let parsed = syn::parse2::<Expr>(tokens.clone());
        let reference = match &parsed {
            Ok(Expr::Reference(r)) => r.mutability.is_none(),
            Ok(p @ Expr::Path(_)) => self.path_binding(p).is_some_and(|b| b.reference),
            _ => false,
        };
        if reference {
            self.ref_consts.insert(ident.to_string());
        }
        if let Ok(Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(_) | syn::Lit::Int(_),
            ..
        })) = parsed
        {
            self.literals.insert(ident.to_string(), tokens.clone());
        }
        out.push(Stmt::Verbatim(quote!(let #ident = #tokens;)));
        ident
    }

    /// An index: an inactive variable named directly is used as it is (the reverse sweep then
    /// keeps one copy of it however often it indexes), anything else is bound to a temporary.
    pub(super) fn index(&mut self, e: &Expr, out: &mut Block) -> Ident {
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

    /// A binding number for a generated name (a parameter, a tuple's `_`), in traversal order
    /// after the numbers of the function's own patterns.
    pub(super) fn new_binding(&mut self) -> usize {
        self.next_binding += 1;
        self.next_binding - 1
    }

    /// The binding number of the name `ident` binds: by its place in the function when it is an
    /// identifier of the function's own patterns, the same in every pass (see `BindingNumbers`).
    pub(super) fn binding_for(&mut self, ident: &Ident) -> usize {
        match self.numbers.of_ident(ident) {
            Some(number) => number,
            None => self.new_binding(),
        }
    }

    pub(super) fn bind(&mut self, name: &Ident, binding: Binding) {
        let scope = self.scopes.last_mut().expect("a scope is always open");
        scope.bind(unraw(name), binding);
    }

    pub(super) fn lookup(&self, name: &str) -> Option<Binding> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.innermost(name).copied())
    }

    /// The binding a single-identifier path refers to.
    pub(super) fn path_binding(&self, e: &Expr) -> Option<Binding> {
        match e {
            Expr::Path(p) if p.qself.is_none() => self.lookup(&unraw(p.path.get_ident()?)),
            Expr::Paren(p) => self.path_binding(&p.expr),
            Expr::Group(g) => self.path_binding(&g.expr),
            _ => None,
        }
    }

    pub(super) fn active_var(&self, e: &Expr) -> Option<VarId> {
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
    pub(super) fn record_of(&self, e: &Expr) -> Option<Vec<(String, VarId)>> {
        self.path_binding(e)
            .and_then(|b| b.record)
            .map(|r| self.records[r].clone())
    }

    /// Binds `name` to a record of active fields.
    pub(super) fn bind_record(&mut self, name: &Ident, fields: Vec<(String, VarId)>) {
        let id = self.binding_for(name);
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
    pub(super) fn user_binding(
        &mut self,
        ident: &Ident,
        value_active: bool,
        is_ref: bool,
    ) -> Option<VarId> {
        let id = self.binding_for(ident);
        self.bind_user(ident, id, value_active, is_ref)
    }

    /// Binds a user variable under a binding number taken earlier (before lowering its value,
    /// which may take numbers of its own).
    pub(super) fn bind_user(
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
    pub(super) fn mark_float(&mut self, name: &Ident) {
        let name = unraw(name);
        if let Some(binding) = self.scopes.last_mut().and_then(|s| s.innermost_mut(&name)) {
            binding.float = true;
        }
    }

    /// Binds every name of an inactive pattern, so that it shadows outer active names.
    pub(super) fn bind_inactive_pattern(&mut self, pat: &Pat) {
        self.bind_inactive_items(pat, false);
    }

    /// Binds the pattern of a loop over an inactive iterator: a name that takes a reference item
    /// (`x` in `for (x, y) in xs.iter().zip(ys.iter())`) holds a reference.
    pub(super) fn bind_loop_items(&mut self, pat: &Pat, items: &super::control::Items) {
        use super::control::Items;
        match (pat, items) {
            (Pat::Tuple(t), Items::Pairs(first, second)) if t.elems.len() == 2 => {
                self.bind_loop_items(&t.elems[0], first);
                self.bind_loop_items(&t.elems[1], second);
            }
            (Pat::Ident(_), Items::References) => self.bind_inactive_items(pat, true),
            _ => self.bind_inactive_pattern(pat),
        }
    }

    /// [`Self::bind_inactive_pattern`] for the items of a loop over an inactive buffer, bound to
    /// `&buffer[i]` when `by_ref`: a name so bound holds a reference, which an operand of a
    /// rule takes as it is (see `Binding::reference`).
    pub(super) fn bind_inactive_items(&mut self, pat: &Pat, by_ref: bool) {
        let reference = by_ref && matches!(pat, Pat::Ident(_));
        struct Bound<'ast>(Vec<&'ast Ident>);
        impl<'ast> Visit<'ast> for Bound<'ast> {
            fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
                self.0.push(&p.ident);
                syn::visit::visit_pat_ident(self, p);
            }
        }
        let mut names = Bound(Vec::new());
        names.visit_pat(pat);
        for name in names.0 {
            let id = self.binding_for(name);
            self.bind(
                name,
                Binding {
                    id,
                    var: None,
                    record: None,
                    float: false,
                    reference,
                },
            );
        }
    }

    pub(super) fn scoped<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.scopes.push(Scope::default());
        let result = f(self);
        self.scopes.pop();
        result
    }

    pub(super) fn mark_assigned(&mut self, target: Binding, value: &Expr) {
        self.flow_into(target.id, value);
    }

    /// A new active temporary declared without a value, `let mut t;`, assigned later.
    pub(super) fn deferred_temp(&mut self, out: &mut Block) -> VarId {
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
    pub(super) fn deferred_const(&mut self, ty: Option<&syn::Type>, out: &mut Block) -> Ident {
        self.next_temp += 1;
        let ident = self.names.fresh(&format!("c{}", self.next_temp));
        let ty = ty.map(|t| quote!(: #t));
        out.push(Stmt::Verbatim(quote!(let #ident #ty;)));
        ident
    }

    pub(super) fn loop_index(&mut self) -> Ident {
        self.next_temp += 1;
        self.names.fresh(&format!("i{}", self.next_temp))
    }
}

/// The names one block binds, in order, with the place of the latest binding of each: a name
/// is looked up without a walk of the block (a parameter read in a long function would
/// otherwise be found after every binding of the function's body, at each of its reads).
#[derive(Default)]
pub(super) struct Scope {
    bindings: Vec<(String, Binding)>,
    latest: HashMap<String, usize>,
}

impl Scope {
    fn bind(&mut self, name: String, binding: Binding) {
        self.latest.insert(name.clone(), self.bindings.len());
        self.bindings.push((name, binding));
    }

    /// The binding of `name` that shadows the others.
    fn innermost(&self, name: &str) -> Option<&Binding> {
        self.latest.get(name).map(|&i| &self.bindings[i].1)
    }

    fn innermost_mut(&mut self, name: &str) -> Option<&mut Binding> {
        self.latest.get(name).map(|&i| &mut self.bindings[i].1)
    }

    /// The bindings in the order they were made.
    pub(super) fn iter(&self) -> impl Iterator<Item = &(String, Binding)> {
        self.bindings.iter()
    }
}
