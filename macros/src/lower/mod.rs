//! Lowering: the annotated body to the model of [`crate::ir`], with activity analysis.
//!
//! A value is active when it depends on an active parameter. Activity is decided per binding
//! and flow-insensitively: a `let mut s = 0.0;` later given an active value is active from its
//! declaration on. Since that is only known after the whole body has been seen, lowering runs
//! to a fixed point: each pass records the bindings that received active values and, for the
//! others, the bindings their values read (the flows); `crate::analysis::activity` closes that
//! graph, and the next pass starts from every binding it reaches. A pass that finds nothing new
//! is the last, so chains of any length take two passes, and there is no cap to stop short of
//! the fixed point. A binding's number must be the same in every pass, yet a pass copies code
//! it finds inactive as written, without visiting the patterns inside: so a name bound in the
//! user's syntax is numbered by its identifier's place in the function ([`BindingNumbers`]), the
//! same whatever a pass visits, and only the few bindings of generated names are numbered in
//! traversal order, after those. Only the last pass's errors are reported.
//!
//! Every user-facing error about the body is found here, on the user's tokens.
//!
//! One part per file, each an `impl Lowerer` block: `scope` (names, bindings, variables and
//! temporaries), `activity` (which values depend on an active parameter), `statements` (`let`,
//! assignments, writes), `control` (blocks, `if`, `match`, loops, `break`, `return`),
//! `expressions` (operators, float methods, casts, reads), `calls` (functions, the runtime's
//! linear algebra, `map` and `from_fn`), `rejections` (what cannot be differentiated, and the
//! checks of code kept as written); `syntax` holds the helpers over the user's syntax they share.

mod activity;
mod calls;
pub(crate) use calls::checked_bare_linalg;
mod chains;
pub(crate) mod checkpoints;
mod control;
mod expressions;
mod factorizations;
mod receivers;
mod rejections;
mod scope;
mod statements;
mod syntax;

use crate::errors::Errors;
use crate::ir::{Block, Op, Stmt, Var, VarId};
use crate::names::{Names, unraw};
use crate::signature::Signature;
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::HashSet;

/// The lowered body and the errors found.
pub(crate) struct Lowered {
    pub body: crate::ir::Body,
    /// The variable of each parameter, `None` for an inactive one.
    pub param_vars: Vec<Option<VarId>>,
    pub errors: Errors,
}

pub(crate) fn lower(func: &syn::ItemFn, sig: &Signature, names: &Names) -> Lowered {
    let mut func = chains::rewritten(func, names);
    factorizations::inlined(&mut func);
    let checkpoints = checkpoints::collect(&mut func);
    let func = &func;
    let numbers = BindingNumbers::of(func);
    let mut assumed = HashSet::new();
    loop {
        let mut lowerer = Lowerer::new(sig, &assumed, names, &numbers, &checkpoints);
        let stmts = lowerer.function(func);
        // Each pass that does not return adds at least one binding to `assumed`, and binding
        // numbers are the same in every pass: the loop ends.
        let varied = crate::analysis::activity::varied(&assumed, &lowerer.found, &lowerer.flows);
        if varied.is_subset(&assumed) {
            return Lowered {
                body: crate::ir::Body {
                    ref_consts: lowerer.ref_consts,
                    literals: lowerer.literals,
                    vars: lowerer.vars,
                    stmts,
                },
                param_vars: lowerer.param_vars,
                errors: {
                    let mut errors = lowerer.errors;
                    checkpoints
                        .errors
                        .iter()
                        .for_each(|e| errors.add(e.clone()));
                    errors
                },
            };
        }
        assumed = varied;
    }
}

/// The number of each name a pattern of the function binds, by the identifier's place in the
/// syntax tree that every pass lowers (the same tree, not a copy, so its nodes' addresses are
/// the same in every pass), in the order a visit of the whole function meets them.
struct BindingNumbers(std::collections::HashMap<*const Ident, usize>);

impl BindingNumbers {
    fn of(func: &syn::ItemFn) -> Self {
        struct Patterns(std::collections::HashMap<*const Ident, usize>);
        impl<'ast> syn::visit::Visit<'ast> for Patterns {
            fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
                let next = self.0.len();
                self.0.insert(&p.ident, next);
                syn::visit::visit_pat_ident(self, p);
            }
            fn visit_item(&mut self, _: &'ast syn::Item) {}
        }
        let mut patterns = Patterns(std::collections::HashMap::new());
        syn::visit::Visit::visit_block(&mut patterns, &func.block);
        BindingNumbers(patterns.0)
    }

    /// The number of the name `ident` binds, when it is an identifier of the function's own
    /// patterns.
    fn of_ident(&self, ident: &Ident) -> Option<usize> {
        self.0.get(&(ident as *const Ident)).copied()
    }

    /// Where the numbers of generated names begin.
    fn generated_from(&self) -> usize {
        self.0.len()
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
    /// The names of this expansion, which generated temporaries avoid.
    names: &'a Names,
    assumed: &'a HashSet<usize>,
    numbers: &'a BindingNumbers,
    /// The loops that carry `#[checkpoint]`.
    checkpoints: &'a checkpoints::Marks,
    /// The declared type of each binding that has one (parameters, `let x: T`).
    declared_types: std::collections::HashMap<usize, syn::Type>,
    /// The bindings found to receive an active value in this pass.
    found: HashSet<usize>,
    /// Each binding given a value that is not active in this pass, with the bindings that value
    /// reads: it is active if any of them is (see `crate::analysis::activity`).
    flows: Vec<(usize, Vec<usize>)>,
    /// The bindings read by the expression whose activity is being decided, when they are
    /// being collected (see `Lowerer::activity`).
    reading: std::cell::RefCell<Option<Vec<usize>>>,
    next_binding: usize,
    vars: Vec<Var>,
    scopes: Vec<scope::Scope>,
    taken_names: HashSet<String>,
    next_temp: usize,
    /// The number of guarded operations so far (see [`crate::ir::Guard`]).
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
    fn new(
        sig: &'a Signature,
        assumed: &'a HashSet<usize>,
        names: &'a Names,
        numbers: &'a BindingNumbers,
        checkpoints: &'a checkpoints::Marks,
    ) -> Self {
        Lowerer {
            sig,
            names,
            assumed,
            numbers,
            checkpoints,
            declared_types: std::collections::HashMap::new(),
            found: HashSet::new(),
            flows: Vec::new(),
            reading: std::cell::RefCell::new(None),
            next_binding: numbers.generated_from(),
            vars: Vec::new(),
            scopes: vec![scope::Scope::default()],
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

    fn function(&mut self, func: &syn::ItemFn) -> Block {
        self.name = Some(func.sig.ident.clone());
        let mut out = Vec::new();
        for param in &self.sig.params {
            let id = self.new_binding();
            self.declared_types.insert(id, param.ty.clone());
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
}
