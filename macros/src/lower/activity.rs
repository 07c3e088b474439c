//! Activity: whether an expression's value depends on an active parameter, decided on the
//! user's syntax before it is lowered.

use super::Lowerer;
use super::syntax::{
    VecMacro, block_tail, compound_op, macro_name, parse_vec_macro, pattern_names, strip_parens,
};
use crate::known;
use crate::names::unraw;
use proc_macro2::TokenStream;
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Expr, Token};

impl<'a> Lowerer<'a> {
    /// Whether an inactive expression looks like a float (or a buffer of floats): such an
    /// argument of a call gets a zero tangent, since the callee may differentiate it.
    pub(super) fn float_like(&self, e: &Expr) -> bool {
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

    /// Whether an expression yields an active float value.
    pub(super) fn expr_active(&self, e: &Expr) -> bool {
        self.value_active(e, &mut Overlay::default())
    }

    /// Whether `e` is active, and the bindings it reads: those through which it would be, were
    /// they active. A name read only where activity does not flow (a comparison, an integer
    /// cast, `len()`) is not among them.
    pub(super) fn activity(&self, e: &Expr) -> (bool, Vec<usize>) {
        let outer = self.reading.replace(Some(Vec::new()));
        let active = self.value_active(e, &mut Overlay::default());
        let reads = self.reading.replace(outer).unwrap_or_default();
        (active, reads)
    }

    /// Notes the binding a name refers to as read (see [`Self::activity`]).
    fn note_read(&self, e: &Expr) {
        if let Some(reading) = self.reading.borrow_mut().as_mut()
            && let Some(binding) = self.path_binding(e)
        {
            reading.push(binding.id);
        }
    }

    /// Notes bindings as read (see [`Self::activity`]), those a local of an overlay reads.
    fn note_reads(&self, ids: &[usize]) {
        if let Some(reading) = self.reading.borrow_mut().as_mut() {
            reading.extend_from_slice(ids);
        }
    }

    /// `decide()`, with the bindings it reads collected apart rather than noted as reads of the
    /// expression being analysed: a block's `let` reads its initializer, and the block's value
    /// reads them only where its tail reads the `let` (`{ let w = v * 2.0; w > 1.0 }` does not).
    fn reads_of(&self, decide: impl FnOnce() -> bool) -> (bool, Vec<usize>) {
        if self.reading.borrow().is_none() {
            return (decide(), Vec::new());
        }
        let outer = self.reading.replace(Some(Vec::new()));
        let result = decide();
        let reads = self.reading.replace(outer).unwrap_or_default();
        (result, reads)
    }

    /// Records that the binding `target` is given the value of `e`: found active when `e` is,
    /// and otherwise active as soon as a binding `e` reads is.
    pub(super) fn flow_into(&mut self, target: usize, e: &Expr) {
        let (active, reads) = self.activity(e);
        if active {
            self.found.insert(target);
        } else if !reads.is_empty() {
            self.flows.push((target, reads));
        }
    }

    /// [`Self::expr_active`] with the names bound inside the expression so far (`overlay`,
    /// innermost last): a block's tail may name its own `let`s.
    fn value_active(&self, e: &Expr, overlay: &mut Overlay) -> bool {
        match e {
            Expr::Path(p) => match p.path.get_ident().map(unraw) {
                Some(name) => match overlay.iter().rev().find(|l| l.name == name) {
                    Some(local) => {
                        self.note_reads(&local.reads);
                        local.active
                    }
                    None => {
                        self.note_read(e);
                        self.active_var(e).is_some() || self.record_of(e).is_some()
                    }
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
                    let (bound, reads) = self.reads_of(|| self.value_active(&l.expr, overlay));
                    overlay.bind(&l.pat, bound, &reads);
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
                let (bound, reads) = self.reads_of(|| self.value_active(&m.expr, overlay));
                overlay.bind(&a.pat, bound, &reads);
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
    fn root_active(&self, e: &Expr, overlay: &mut Overlay) -> bool {
        match strip_parens(e) {
            Expr::MethodCall(m) => self.root_active(&m.receiver, overlay),
            Expr::Reference(r) => self.root_active(&r.expr, overlay),
            Expr::Index(i) => self.root_active(&i.expr, overlay),
            other => self.value_active(other, overlay),
        }
    }

    /// Whether a block's value (its tail expression) is active.
    fn block_active(&self, block: &syn::Block, overlay: &mut Overlay) -> bool {
        let mark = overlay.len();
        self.bind_block_locals(block, overlay);
        let active = block_tail(block).is_some_and(|t| self.value_active(t, overlay));
        overlay.truncate(mark);
        active
    }

    /// Adds the `let`s of a block (and of the blocks nested in it) to `overlay`, each active when
    /// its value is or when the block assigns it an active value.
    fn bind_block_locals(&self, block: &syn::Block, overlay: &mut Overlay) {
        let mut lets = Lets(Vec::new(), Vec::new());
        lets.visit_block(block);
        // Twice: a loop may walk a local bound before it, and a local may take a loop's items.
        for _ in 0..2 {
            // A loop's items are active when what it walks is (`for v in x.iter()`).
            for looped in &lets.1 {
                let (active, reads) = self.reads_of(|| {
                    self.value_active(&looped.expr, overlay)
                        || self.mentions_active_in(&looped.expr, overlay)
                });
                overlay.bind(&looped.pat, active, &reads);
            }
            self.bind_lets(block, &lets.0, overlay);
        }
    }

    fn bind_lets(&self, block: &syn::Block, locals: &[&syn::Local], overlay: &mut Overlay) {
        for local in locals {
            let (init_active, init_reads) = self.reads_of(|| {
                local
                    .init
                    .as_ref()
                    .is_some_and(|i| self.value_active(&i.expr, overlay))
            });
            for name in pattern_names(&local.pat) {
                let mut assigned = Assigned {
                    name: &name,
                    values: Vec::new(),
                };
                assigned.visit_block(block);
                let (assigned_active, mut reads) = self.reads_of(|| {
                    // every value, not the first active one: each read is noted
                    assigned.values.iter().fold(false, |active, v| {
                        let this =
                            self.value_active(v, overlay) || self.mentions_active_in(v, overlay);
                        active || this
                    })
                });
                reads.extend_from_slice(&init_reads);
                overlay.0.push(Local {
                    name,
                    active: init_active || assigned_active,
                    reads,
                });
            }
        }
    }

    /// Whether any name in `e` refers to an active variable (or an active name of `overlay`).
    fn mentions_active_in(&self, e: &Expr, overlay: &Overlay) -> bool {
        let mut paths = Paths(Vec::new());
        paths.visit_expr(e);
        paths.0.iter().fold(false, |active, name| {
            let this = match overlay.iter().rev().find(|l| l.name == *name) {
                Some(local) => {
                    self.note_reads(&local.reads);
                    local.active
                }
                None => self.lookup(name).is_some_and(|b| {
                    self.note_reads(&[b.id]);
                    b.var.is_some() || b.record.is_some()
                }),
            };
            active || this
        })
    }

    /// Whether any name in `e` refers to an active variable.
    pub(super) fn mentions_active_expr(&self, e: &Expr) -> bool {
        self.mentions_active_in(e, &Overlay::default())
    }
}

/// The names bound inside an expression being analysed (a block's `let`s, a loop's items, an
/// arm's pattern), innermost last: whether each is active, and the bindings outside the
/// expression its value reads.
#[derive(Default)]
pub(super) struct Overlay(Vec<Local>);

pub(super) struct Local {
    name: String,
    active: bool,
    reads: Vec<usize>,
}

impl Overlay {
    fn bind(&mut self, pattern: &syn::Pat, active: bool, reads: &[usize]) {
        self.0
            .extend(pattern_names(pattern).into_iter().map(|name| Local {
                name,
                active,
                reads: reads.to_vec(),
            }));
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn truncate(&mut self, len: usize) {
        self.0.truncate(len)
    }

    fn iter(&self) -> std::slice::Iter<'_, Local> {
        self.0.iter()
    }
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

/// The `let`s of a block and of the blocks in it, in order (not those of nested items).
/// The `let`s of a block and the `for` loops, whose patterns bind names too.
struct Lets<'a>(Vec<&'a syn::Local>, Vec<&'a syn::ExprForLoop>);

impl<'a> Visit<'a> for Lets<'a> {
    fn visit_local(&mut self, local: &'a syn::Local) {
        self.0.push(local);
        syn::visit::visit_local(self, local);
    }
    fn visit_expr_for_loop(&mut self, looped: &'a syn::ExprForLoop) {
        self.1.push(looped);
        syn::visit::visit_expr_for_loop(self, looped);
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
        // the name itself, or a place inside it (`c[i]`, `c.field`, `c[i][j]`)
        fn root_is(name: &str, place: &Expr) -> bool {
            match strip_parens(place) {
                Expr::Path(p) => p.path.get_ident().is_some_and(|i| unraw(i) == name),
                Expr::Index(i) => root_is(name, &i.expr),
                Expr::Field(f) => root_is(name, &f.base),
                _ => false,
            }
        }
        match e {
            Expr::Assign(a) if root_is(self.name, &a.left) => self.values.push(&a.right),
            Expr::Binary(b) if compound_op(&b.op).is_some() && root_is(self.name, &b.left) => {
                self.values.push(&b.right)
            }
            // `c.push(v)`, `c.insert(i, v)`, `c.extend_from_slice(&w)`: the arguments flow in
            Expr::MethodCall(m)
                if known::MUTATING_METHODS.contains(&m.method.to_string().as_str())
                    && root_is(self.name, &m.receiver) =>
            {
                self.values.extend(m.args.iter())
            }
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
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
