//! Reverse mode: `f_vjp`, the value and a pullback, and `f_grad`.
//!
//! A forward sweep runs the user's code and records what the backward sweep needs; the pullback
//! walks the recorded work backwards, accumulating adjoints `x_bar`.
//!
//! Straight-line runs of statements are *segments*. Each executed segment pushes its number on a
//! control tape and its residuals (values its derivative needs) on a tape of its own; the
//! pullback pops the control tape from the end and runs the reversed segment. So branches, loops,
//! `break`, `continue` and early `return` need nothing of their own: the tape holds the path the
//! program took, and memory is the trip count times the residuals of a segment. A `for` or
//! `while` loop whose body has no control flow of its own is one segment run many times: it
//! pushes its number once, after the loop, with its trip count on a trip tape, and the pullback
//! runs the reversed body that many times (a loop over a range also reserves its tape before
//! it starts). A function without control flow keeps its residuals in locals instead.
//!
//! What a residual keeps is the least the adjoints need: of a product whose one factor is
//! inactive, the other factor's type only (zero-sized); of a literal, nothing (the pullback
//! writes it again); of a value read twice with nothing written in between, one copy.
//!
//! ```text
//! // Before                          // After (f_vjp, abridged)
//! fn g(x: &[f64], n: usize) -> f64 { let x_zeros = zeros_of(x);
//!     let mut s = 0.0;               let value = 'body: {
//!     for i in 0..n {                    let mut s = 0.0; ctrl.push(0);
//!         s += x[i] * x[i];              let mut count = 0; let range = 0..n;
//!     }                                  tape1.reserve(range.size_hint().0);
//!     s                                  for i in range {
//! }                                          let t1 = x[i]; let r1 = i;
//!                                            let t2 = mul(&t1, &t1); let r2 = save(&t1);
//!                                            s = s + t2;
//!                                            tape1.push((r1, r2)); count += 1;
//!                                        }
//!                                        ctrl.push(1); trips.push(count);
//!                                        ...; break 'body s;
//!                                    };
//!                                    let pullback = move |seed: f64| -> Vec<f64> {
//!                                        for segment in ctrl.iter().rev() { match segment {
//!                                            1 => for _ in 0..trips[..] {
//!                                                let (r1, r2) = &tape1[..]; /* reversed */
//!                                            },
//!                                        ... } }
//!                                        finish(x_bar, &x_zeros)
//!                                    };
//! ```
//!
//! The exact code the macro writes today, with comments, is in the workspace's
//! `examples/*-expanded.rs`, which a test keeps equal to the expansion.

use crate::emit::{Model, allow_lints, companion, guarded, rt};
use crate::ir::{BinOp, Block, CallArg, Op, Operand, Spelling, Stmt, VarId, call_inputs};
use crate::names::hygienic;
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::HashSet;

pub(crate) fn emit(model: &Model) -> TokenStream {
    let rt = rt();
    let vis = &model.func.vis;
    // The function whose reverse mode this is: `f`, or `f_jvp` for the tangent program.
    let original = &model.stem;
    let this = model.original();
    let (vjp, grad) = (model.name("vjp"), model.name("grad"));
    let vjp_path = model.path("vjp");
    let params = model.params();
    let names = model.param_names();
    let ret = &model.sig.ret.ty;
    let gradient = model.sig.gradient_type();
    let lints = allow_lints();

    let live = liveness(model);
    let mutated = mutated(model);
    let straight = is_straight(&model.stmts);
    let mut sweep = Reverse {
        m: model,
        live: &live,
        const_shape: model
            .active_params()
            .map(|(_, v)| v)
            .filter(|v| !mutated.contains(v))
            .collect(),
        segments: Vec::new(),
        next_residual: 0,
        straight,
        counted: false,
    };
    let forward = sweep.block(&model.stmts);

    let body_label = body_label();
    let seed = hygienic("seed");
    let ctrl = hygienic("ctrl");
    let zeros = model.active_params().map(|(_, v)| {
        let (z, p) = (
            model.zeros(v),
            model.pref(&Operand::Var {
                id: v,
                borrowed: false,
            }),
        );
        quote!(let #z = #rt::zeros_of(#p);)
    });
    let mut declared: Vec<VarId> = model.active_params().map(|(_, v)| v).collect();
    declared.extend(live.iter().copied().filter(|v| !model.vars[*v].param));
    declared.sort_unstable();
    declared.dedup();
    // An adjoint that only one segment's reverse reads and writes starts at zero in that
    // segment, so it is declared there: within straight-line code the optimizer then knows
    // whether it holds a value, and the `Option` costs nothing.
    let local = segment_locals(model, &declared, &sweep.segments, straight);
    let bars = declared
        .iter()
        .filter(|v| !local.iter().any(|l| l.contains(v)))
        .map(|v| {
            let b = model.bar(*v);
            quote!(let mut #b = ::core::option::Option::None;)
        });
    let finished: Vec<TokenStream> = model
        .active_params()
        .map(|(_, v)| {
            let (b, z) = (model.bar(v), model.zeros(v));
            quote!(#rt::finish(#b, &#z))
        })
        .collect();
    let gradient_value = match finished.as_slice() {
        [one] => one.clone(),
        many => quote!((#(#many),*)),
    };

    let (tapes, backward) = if straight {
        let segment = sweep.segments.pop();
        let backward = segment.map(|s| {
            let residuals = &s.residuals;
            let tape = tape_name(0);
            let steps = s.backward.iter().rev();
            quote!(let (#(#residuals,)*) = &#tape; #(#steps)*)
        });
        let declare = backward.is_some().then(|| {
            let tape = tape_name(0);
            quote!(let #tape;)
        });
        (quote!(#declare), backward.unwrap_or_default())
    } else {
        let declare = sweep
            .segments
            .iter()
            .filter(|s| !s.residuals.is_empty())
            .map(|s| {
                let tape = tape_name(s.id);
                quote!(let mut #tape = ::std::vec::Vec::new();)
            });
        let cursors = sweep
            .segments
            .iter()
            .filter(|s| !s.residuals.is_empty())
            .map(|s| {
                let (tape, cursor) = (tape_name(s.id), cursor_name(s.id));
                quote!(let mut #cursor = #tape.len();)
            });
        let arms = sweep.segments.iter().zip(&local).map(|(s, local)| {
            let id = s.id;
            let steps = s.backward.iter().rev();
            let fetch = (!s.residuals.is_empty()).then(|| {
                let (tape, cursor, residuals) = (tape_name(id), cursor_name(id), &s.residuals);
                quote!(#cursor -= 1; let (#(#residuals,)*) = &#tape[#cursor];)
            });
            let bars = local.iter().map(|v| {
                let b = model.bar(*v);
                quote!(let mut #b = ::core::option::Option::None;)
            });
            if s.repeated {
                let (trips, trip) = (hygienic("trips"), hygienic("trip"));
                quote!(#id => {
                    #trip -= 1;
                    for _ in 0..#trips[#trip] { #fetch #(#bars)* #(#steps)* }
                })
            } else {
                quote!(#id => { #fetch #(#bars)* #(#steps)* })
            }
        });
        let segment = hygienic("segment");
        let counted = sweep.segments.iter().any(|s| s.repeated);
        let (trips, trip) = (hygienic("trips"), hygienic("trip"));
        let trip_tape = counted
            .then(|| quote!(let mut #trips: ::std::vec::Vec<usize> = ::std::vec::Vec::new();));
        let trip_cursor = counted.then(|| quote!(let mut #trip = #trips.len();));
        (
            quote!(let mut #ctrl: ::std::vec::Vec<u32> = ::std::vec::Vec::new(); #(#declare)* #trip_tape),
            quote! {
                #(#cursors)*
                #trip_cursor
                for #segment in #ctrl.iter().rev() {
                    match *#segment {
                        #(#arms)*
                        _ => ::core::unreachable!("matcalc: a segment that was never recorded"),
                    }
                }
            },
        )
    };

    let value = hygienic("value");
    let pullback = hygienic("pullback");
    let vjp_doc = format!(
        " Reverse mode of [`{original}`]: its value and the pullback, which maps a cotangent of the value to the adjoints of the active parameters (a tuple when there are several). The pullback may be called many times."
    );
    let spelled = crate::emit::spelled_in_scope();
    let vjp_fn = quote! {
        #[doc = #vjp_doc]
        #lints
        #vis fn #vjp(#(#params),*) -> (#ret, impl ::core::ops::Fn(#ret) -> #gradient + use<>) {
            let _ = #this;
            #spelled
            #(#zeros)*
            #tapes
            let #value: #ret = #body_label: { #forward };
            let #pullback = move |#seed: #ret| -> #gradient {
                #(#bars)*
                #backward
                #gradient_value
            };
            (#value, #pullback)
        }
    };
    if !model.sig.ret.scalar {
        return vjp_fn;
    }
    let grad_doc = format!(
        " The gradient of [`{original}`]: its value and the adjoints of the active parameters (a tuple when there are several)."
    );
    quote! {
        #vjp_fn
        #[doc = #grad_doc]
        #lints
        #vis fn #grad(#(#params),*) -> (#ret, #gradient) {
            let (#value, #pullback) = #vjp_path(#(#names),*);
            (#value, #pullback(1.0))
        }
    }
}

/// For each segment, the adjoints that no other segment touches (parameters excepted): those can
/// be declared inside the segment's reverse. With a single straight segment, none need moving.
fn segment_locals(
    model: &Model,
    declared: &[VarId],
    segments: &[Segment],
    straight: bool,
) -> Vec<Vec<VarId>> {
    if straight {
        return vec![Vec::new(); segments.len()];
    }
    let by_name: std::collections::HashMap<String, VarId> = declared
        .iter()
        .filter(|v| !model.vars[**v].param)
        .map(|v| (model.bar(*v).to_string(), *v))
        .collect();
    fn names(tokens: TokenStream, out: &mut HashSet<String>) {
        for t in tokens {
            match t {
                proc_macro2::TokenTree::Ident(i) => {
                    out.insert(i.to_string());
                }
                proc_macro2::TokenTree::Group(g) => names(g.stream(), out),
                _ => {}
            }
        }
    }
    let touched: Vec<HashSet<VarId>> = segments
        .iter()
        .map(|s| {
            let mut seen = HashSet::new();
            s.backward.iter().for_each(|b| names(b.clone(), &mut seen));
            seen.iter()
                .filter_map(|n| by_name.get(n).copied())
                .collect()
        })
        .collect();
    touched
        .iter()
        .map(|mine| {
            let mut local: Vec<VarId> = mine
                .iter()
                .copied()
                .filter(|v| touched.iter().filter(|t| t.contains(v)).count() == 1)
                .collect();
            local.sort_unstable();
            local
        })
        .collect()
}

fn body_label() -> syn::Lifetime {
    syn::Lifetime {
        apostrophe: proc_macro2::Span::mixed_site(),
        ident: hygienic("body"),
    }
}

fn tape_name(id: u32) -> Ident {
    hygienic(&format!("tape{id}"))
}

/// The names in the text of an expression.
fn words(key: &str) -> impl Iterator<Item = &str> {
    key.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
}

fn cursor_name(id: u32) -> Ident {
    hygienic(&format!("cursor{id}"))
}

/// A function whose only control flow is its final return: one segment, run once.
fn is_straight(stmts: &Block) -> bool {
    stmts.iter().enumerate().all(|(i, s)| {
        (!s.is_control() && !s.may_exit())
            || (matches!(s, Stmt::Return { .. }) && i + 1 == stmts.len())
    })
}

/// The variables whose adjoints the pullback needs: those the returned values depend on.
fn liveness(m: &Model) -> HashSet<VarId> {
    // Adjoints flow backwards: visiting the statements from the last, a pass carries liveness
    // through straight-line code at once, and only loops need another pass.
    let mut statements = Vec::new();
    for s in &m.stmts {
        s.walk(&mut |s| statements.push(s));
    }
    let mut live = HashSet::new();
    loop {
        let before = live.len();
        for s in statements.iter().rev() {
            match s {
                Stmt::Return { values, .. } => live.extend(values.iter().filter_map(Operand::var)),
                Stmt::Let {
                    var, op: Some(op), ..
                }
                | Stmt::Assign { var, op }
                    if live.contains(var) =>
                {
                    live.extend(op.inputs());
                }
                Stmt::LetTuple { vars, args, .. } if vars.iter().any(|v| live.contains(v)) => {
                    live.extend(vars.iter().copied());
                    live.extend(call_inputs(args));
                }
                Stmt::Write { buf, value, .. }
                | Stmt::Push { buf, value }
                | Stmt::WriteField {
                    base: buf, value, ..
                } if live.contains(buf) => {
                    live.extend(value.var());
                }
                _ => {}
            }
        }
        if live.len() == before {
            return live;
        }
    }
}

/// The variables written by index or pushed to: their shape may change.
fn mutated(m: &Model) -> HashSet<VarId> {
    let mut mutated = HashSet::new();
    for s in &m.stmts {
        s.walk(&mut |s| {
            if let Stmt::Write { buf, .. }
            | Stmt::Push { buf, .. }
            | Stmt::WriteField { base: buf, .. } = s
            {
                mutated.insert(*buf);
            }
        });
    }
    mutated
}

/// A segment being recorded.
#[derive(Default)]
struct Open {
    residuals: Vec<Ident>,
    /// Residuals already kept in this segment, by the expression they keep: a value read twice
    /// with nothing written in between is kept once.
    kept: std::collections::HashMap<String, Ident>,
    /// The expressions of `kept` by the names they mention, so that a write forgets them.
    kept_by_name: std::collections::HashMap<String, Vec<String>>,
    /// The reverse of each statement, in forward order.
    backward: Vec<TokenStream>,
}

/// A recorded segment: its number on the control tape.
struct Segment {
    id: u32,
    residuals: Vec<Ident>,
    backward: Vec<TokenStream>,
    /// The body of a loop without control flow of its own: recorded once per loop with its trip
    /// count on the trip tape, instead of once per iteration on the control tape.
    repeated: bool,
}

struct Reverse<'m> {
    m: &'m Model<'m>,
    live: &'m HashSet<VarId>,
    const_shape: HashSet<VarId>,
    segments: Vec<Segment>,
    next_residual: usize,
    straight: bool,
    /// Recording the body of a loop whose trips are counted: its segment is not pushed on the
    /// control tape per iteration.
    counted: bool,
}

impl Reverse<'_> {
    /// The forward sweep of a block; records its segments.
    fn block(&mut self, stmts: &Block) -> TokenStream {
        let mut code = Vec::new();
        let mut open = Open::default();
        for s in stmts {
            match s {
                Stmt::Return { values, spellings } => {
                    self.seed(values, &mut open, &mut code);
                    code.push(self.close(std::mem::take(&mut open)));
                    let label = body_label();
                    let value = self.returned(values, spellings);
                    code.push(quote!(break #label #value;));
                }
                s if s.is_control() || s.may_exit() => {
                    code.push(self.close(std::mem::take(&mut open)));
                    code.push(self.control(s));
                }
                s => code.push(self.simple(s, &mut open)),
            }
        }
        code.push(self.close(open));
        quote!(#(#code)*)
    }

    /// The value the forward sweep returns (see `Model::returned`). In the tangent program, a
    /// `Return` holds the values and then their tangents, a constant's tangent being the
    /// constant itself (see `Stmt::Return`).
    fn returned(&self, values: &[Operand], spellings: &Option<Vec<Spelling>>) -> TokenStream {
        let pval = |v: &Operand| self.m.pval(v);
        match spellings {
            Some(s) if values.len() == 2 * s.len() => {
                let (values, tangents) = values.split_at(s.len());
                let tangents = tangents.iter().map(|t| t.var().map(|_| pval(t))).collect();
                self.m
                    .returned(values.iter().map(pval).collect(), Some(tangents), spellings)
            }
            _ => self
                .m
                .returned(values.iter().map(pval).collect(), None, spellings),
        }
    }

    /// Records a segment: its number on the control tape and its residuals on its own tape.
    fn close(&mut self, open: Open) -> TokenStream {
        if open.backward.is_empty() {
            return quote!();
        }
        let id = self.segments.len() as u32;
        let residuals = &open.residuals;
        let tape = tape_name(id);
        let code = if self.straight {
            quote!(#tape = (#(#residuals,)*);)
        } else if self.counted {
            let push = (!residuals.is_empty()).then(|| quote!(#tape.push((#(#residuals,)*));));
            quote!(#push)
        } else {
            let ctrl = hygienic("ctrl");
            let push = (!residuals.is_empty()).then(|| quote!(#tape.push((#(#residuals,)*));));
            quote!(#ctrl.push(#id); #push)
        };
        self.segments.push(Segment {
            id,
            residuals: open.residuals,
            backward: open.backward,
            repeated: false,
        });
        code
    }

    fn control(&mut self, s: &Stmt) -> TokenStream {
        match s {
            Stmt::If { cond, then, els } => {
                let then = self.block(then);
                let els = els.as_ref().map(|e| {
                    let e = self.block(e);
                    quote!(else { #e })
                });
                quote!(if #cond { #then } #els)
            }
            Stmt::Match { scrutinee, arms } => {
                let arms: Vec<TokenStream> = arms
                    .iter()
                    .map(|a| {
                        let body = self.block(&a.body);
                        let pat = &a.pat;
                        let guard = a.guard.as_ref().map(|g| quote!(if #g));
                        quote!(#pat #guard => { #body })
                    })
                    .collect();
                quote!(match #scrutinee { #(#arms)* })
            }
            Stmt::Loop { label, body } => {
                let body = self.block(body);
                let label = label.as_ref().map(|l| quote!(#l:));
                quote!(#label loop { #body })
            }
            Stmt::While { label, cond, body } => {
                let label = label.as_ref().map(|l| quote!(#l:));
                self.counted_loop(body, None, |body, _| quote!(#label while #cond { #body }))
            }
            Stmt::For {
                label,
                pat,
                iter,
                body,
            } => {
                let label = label.as_ref().map(|l| quote!(#l:));
                self.counted_loop(
                    body,
                    Some(iter),
                    |body, iter| quote!(#label for #pat in #iter { #body }),
                )
            }
            Stmt::Block(b) => {
                let b = self.block(b);
                quote!({ #b })
            }
            Stmt::LetElse {
                pat,
                init,
                otherwise,
            } => {
                let otherwise = self.block(otherwise);
                quote!(let #pat = #init else { #otherwise };)
            }
            Stmt::Break(label) => quote!(break #label;),
            Stmt::Continue(label) => quote!(continue #label;),
            Stmt::Verbatim(tokens) => tokens.clone(),
            _ => unreachable!("not a control statement"),
        }
    }

    /// A `for` or `while` loop, `wrap` building it around its recorded body. A body without
    /// control flow of its own is one segment: the loop counts its trips and records the segment
    /// once with the count, and the pullback runs the segment's reverse that many times; the
    /// control tape then costs nothing per iteration.
    ///
    /// A `for` over a range (`iter`) knows its trip count before it starts: the body's tape
    /// reserves room for it, and grows no more in the loop.
    fn counted_loop(
        &mut self,
        body: &Block,
        iter: Option<&TokenStream>,
        wrap: impl FnOnce(TokenStream, TokenStream) -> TokenStream,
    ) -> TokenStream {
        let iter = iter.cloned().unwrap_or_default();
        let flat = body.iter().all(|s| !s.is_control() && !s.may_exit());
        if !flat {
            let body = self.block(body);
            return wrap(body, iter);
        }
        let first = self.segments.len();
        let outer = std::mem::replace(&mut self.counted, true);
        let body = self.block(body);
        self.counted = outer;
        debug_assert!(
            self.segments.len() <= first + 1,
            "a flat body is one segment"
        );
        let Some(segment) = self.segments.get_mut(first) else {
            // nothing to differentiate in the body
            return wrap(body, iter);
        };
        segment.repeated = true;
        let id = segment.id;
        let (trips, count, ctrl) = (hygienic("trips"), hygienic("count"), hygienic("ctrl"));
        // A range holds no borrow of a temporary, so it can be bound before the loop.
        let range = matches!(
            syn::parse2::<syn::Expr>(iter.clone()),
            Ok(syn::Expr::Range(_))
        ) && !segment.residuals.is_empty();
        let (reserve, iter) = if range {
            let (range, tape) = (hygienic("range"), tape_name(id));
            (
                quote! {
                    let #range = #iter;
                    #tape.reserve(::core::iter::Iterator::size_hint(&#range).0);
                },
                quote!(#range),
            )
        } else {
            (quote!(), iter)
        };
        let looped = wrap(quote!(#body #count += 1;), iter);
        quote!({
            let mut #count: usize = 0;
            #reserve
            #looped
            #ctrl.push(#id);
            #trips.push(#count);
        })
    }

    /// Keeps a value for the backward sweep; returns the name it has there (a reference).
    fn residual(
        &mut self,
        value: TokenStream,
        open: &mut Open,
        code: &mut Vec<TokenStream>,
    ) -> Ident {
        let key = value.to_string();
        if let Some(r) = open.kept.get(&key) {
            return r.clone();
        }
        self.next_residual += 1;
        let r = hygienic(&format!("r{}", self.next_residual));
        code.push(quote!(let #r = #value;));
        open.residuals.push(r.clone());
        for name in words(&key) {
            open.kept_by_name
                .entry(name.to_string())
                .or_default()
                .push(key.clone());
        }
        open.kept.insert(key, r.clone());
        r
    }

    /// The reverse of `return values`: the seed flows into the returned values, each seed as
    /// its value's type (the runtime's `seed_as`, which the forward sweep keeps, zero-sized).
    fn seed(&mut self, values: &[Operand], open: &mut Open, code: &mut Vec<TokenStream>) {
        let rt = rt();
        let seed = hygienic("seed");
        for (v, path) in values.iter().zip(self.m.sig.ret.layout.paths()) {
            let Some(id) = v.var() else { continue };
            let bar = self.m.bar(id);
            let ty = self.adjoint_type(id, open, code);
            let component = quote!(#seed #path);
            open.backward.push(quote!(#rt::acc(
                &mut #bar,
                #rt::seed_as(#ty, ::core::clone::Clone::clone(&#component))
            );));
        }
    }

    /// The forward sweep of a statement without control flow; its reverse goes to `open`.
    fn simple(&mut self, s: &Stmt, open: &mut Open) -> TokenStream {
        let rt = rt();
        let m = self.m;
        let mut code = Vec::new();
        // What this statement writes invalidates the residuals kept of it (after the fact: a
        // statement's own residuals are of values before its assignment).
        let written: Vec<String> = match s {
            Stmt::Verbatim(_) => {
                // Inactive code may change any inactive value an index reads.
                open.kept.clear();
                open.kept_by_name.clear();
                Vec::new()
            }
            Stmt::Let { var, .. } | Stmt::Assign { var, .. } => vec![m.primal(*var).to_string()],
            Stmt::LetTuple { vars, .. } => vars.iter().map(|v| m.primal(*v).to_string()).collect(),
            Stmt::Write { buf, .. } | Stmt::Push { buf, .. } => vec![m.primal(*buf).to_string()],
            Stmt::WriteField { base, .. } => vec![m.primal(*base).to_string()],
            _ => Vec::new(),
        };
        match s {
            Stmt::Verbatim(tokens) => code.push(tokens.clone()),
            Stmt::Let {
                var, op: None, ty, ..
            } => {
                let x = m.primal(*var);
                let ty = ty.as_ref().map(|t| quote!(: #t));
                code.push(quote!(let mut #x #ty;));
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
                self.define(
                    *var,
                    op,
                    open,
                    &mut code,
                    |value| quote!(let #mt #x #ty = #value;),
                );
            }
            Stmt::Assign { var, op } => {
                let x = m.primal(*var);
                self.define(*var, op, open, &mut code, |value| quote!(#x = #value;));
            }
            Stmt::LetTuple {
                vars,
                func,
                args,
                pairs,
                guard,
            } => {
                let xs: Vec<&Ident> = vars.iter().map(|v| m.primal(*v)).collect();
                let group = |items: Vec<TokenStream>| -> TokenStream {
                    if *pairs {
                        let (values, tangents) = items.split_at(items.len() / 2);
                        let group = |half: &[TokenStream]| match half {
                            [one] => one.clone(),
                            many => quote!((#(#many),*)),
                        };
                        let (v, t) = (group(values), group(tangents));
                        quote!((#v, #t))
                    } else {
                        quote!((#(#items),*))
                    }
                };
                let primals = m.call_args(args, guard);
                if vars.iter().any(|v| self.live.contains(v)) {
                    let path = companion(func, "vjp");
                    let pb = hygienic(&format!("pullback{}", self.next_residual + 1));
                    let pattern = group(xs.iter().map(|x| quote!(#x)).collect());
                    code.push(quote!(let (#pattern, #pb) = #path(#(#primals),*);));
                    let pb = self.residual(quote!(#pb), open, &mut code);
                    let zeros: Vec<Ident> = xs
                        .iter()
                        .map(|x| self.residual(quote!(#rt::zeros_of(&#x)), open, &mut code))
                        .collect();
                    let bars: Vec<Ident> = vars.iter().map(|v| m.bar(*v)).collect();
                    let seed = group(
                        bars.iter()
                            .zip(&zeros)
                            .map(|(b, z)| quote!(#rt::finish(#b.take(), #z)))
                            .collect(),
                    );
                    let spread =
                        self.spread(func, (args, guard), quote!(adjoints), open, &mut code);
                    open.backward.push(quote! {
                        if #(#bars.is_some())||* {
                            let adjoints = #pb(#seed);
                            #spread
                        }
                    });
                } else {
                    let pattern = group(xs.iter().map(|x| quote!(#x)).collect());
                    code.push(quote!(let #pattern = #func(#(#primals),*);));
                }
            }
            Stmt::Write { buf, index, value } => {
                let b = m.primal(*buf);
                let v = m.pval(value);
                code.push(quote!(#b[#index] = #v;));
                if self.live.contains(buf) {
                    let bb = m.bar(*buf);
                    let i = self.residual(quote!(#index), open, &mut code);
                    open.backward.push(match value.var() {
                        Some(v) => {
                            let vb = m.bar(v);
                            quote! {
                                if let ::core::option::Option::Some(g) = #rt::take_index(&mut #bb, *#i) {
                                    #rt::acc(&mut #vb, g);
                                }
                            }
                        }
                        None => quote!(let _ = #rt::take_index(&mut #bb, *#i);),
                    });
                }
            }
            Stmt::WriteField {
                base,
                member,
                value,
            } => {
                let b = m.primal(*base);
                let v = m.pval(value);
                code.push(quote!(#b.#member = #v;));
                if self.live.contains(base) {
                    let bb = m.bar(*base);
                    let take = quote!(#rt::take_field(&mut #bb, |s| &mut s.#member));
                    open.backward.push(match value.var() {
                        Some(v) => {
                            let vb = m.bar(v);
                            quote! {
                                if let ::core::option::Option::Some(g) = #take {
                                    #rt::acc(&mut #vb, g);
                                }
                            }
                        }
                        None => quote!(let _ = #take;),
                    });
                }
            }
            Stmt::Push { buf, value } => {
                let b = m.primal(*buf);
                let v = m.pval(value);
                code.push(quote!(#b.push(#v);));
                if self.live.contains(buf) {
                    let bb = m.bar(*buf);
                    open.backward.push(match value.var() {
                        Some(v) => {
                            let vb = m.bar(v);
                            quote! {
                                if let ::core::option::Option::Some(g) = #rt::pop_adjoint(&mut #bb) {
                                    #rt::acc(&mut #vb, g);
                                }
                            }
                        }
                        None => quote!(let _ = #rt::pop_adjoint(&mut #bb);),
                    });
                }
            }
            other => unreachable!("control statement {}", other.is_control()),
        }
        for name in &written {
            for key in open.kept_by_name.remove(name).unwrap_or_default() {
                open.kept.remove(&key);
            }
        }
        quote!(#(#code)*)
    }

    /// Distributes the adjoints a called function's pullback returned over its active arguments.
    fn spread(
        &mut self,
        func: &syn::Path,
        (args, guard): (&[CallArg], &Option<crate::ir::Guard>),
        adjoints: TokenStream,
        open: &mut Open,
        code: &mut Vec<TokenStream>,
    ) -> TokenStream {
        let rt = rt();
        // The first argument's adjoint of a guarded call through the witness, as its value (see
        // `Model::call_args`).
        let through = self.through(guard, open, code);
        // One adjoint per argument that got a tangent; those of constants are dropped. An
        // argument passed by reference may have been coerced (an array `&[f64; N]` to a slice
        // `&[f64]`): its adjoint comes back in the callee's type and is converted to the
        // argument's own, whose type the forward sweep keeps (zero-sized). The runtime's
        // matrix functions take what they are given.
        let runtime = crate::known::is_runtime_linalg(func);
        let targets: Vec<Option<(Ident, Option<Ident>)>> = args
            .iter()
            .filter_map(|a| match a {
                CallArg::Active { id, borrowed } => {
                    let coerced = !runtime && (*borrowed || self.m.vars[*id].is_ref);
                    let ty = coerced.then(|| self.adjoint_type(*id, open, code));
                    Some(Some((self.m.bar(*id), ty)))
                }
                CallArg::Constant { .. } => Some(None),
                CallArg::Inactive(_) => None,
            })
            .collect();
        let acc = |(bar, ty): &(Ident, Option<Ident>), g: TokenStream, first: bool| {
            let g = if first { through(g) } else { g };
            match ty {
                Some(ty) => quote!(#rt::acc_into(&mut #bar, #ty, #g);),
                None => quote!(#rt::acc(&mut #bar, #g);),
            }
        };
        match targets.as_slice() {
            [Some(one)] => acc(one, adjoints, true),
            many => {
                let parts: Vec<TokenStream> = many
                    .iter()
                    .enumerate()
                    .map(|(i, t)| match t {
                        Some(_) => {
                            let g = hygienic(&format!("g{i}"));
                            quote!(#g)
                        }
                        None => quote!(_),
                    })
                    .collect();
                let accs = many
                    .iter()
                    .zip(&parts)
                    .enumerate()
                    .filter_map(|(i, (t, g))| t.as_ref().map(|t| acc(t, g.clone(), i == 0)));
                quote! {
                    let (#(#parts),*) = #adjoints;
                    #(#accs)*
                }
            }
        }
    }

    /// Keeps the adjoint type of a variable (the runtime's `type_of`, zero-sized)
    /// for an adjoint that arrives in another type.
    fn adjoint_type(&mut self, id: VarId, open: &mut Open, code: &mut Vec<TokenStream>) -> Ident {
        let rt = rt();
        let x = self.m.pref(&Operand::Var {
            id,
            borrowed: false,
        });
        self.residual(quote!(#rt::type_of(#x)), open, code)
    }

    /// What takes an adjoint of the pullback through the witness of `guard` (see
    /// `ir::Guard`): the witness, which has no size, is kept as a residual, so that the
    /// pullback captures none.
    fn through(
        &mut self,
        guard: &Option<crate::ir::Guard>,
        open: &mut Open,
        code: &mut Vec<TokenStream>,
    ) -> impl Fn(TokenStream) -> TokenStream + use<> {
        let rt = rt();
        let kept = guard.as_ref().map(|g| {
            let w = crate::emit::witness(g.id);
            self.residual(quote!(#w), open, code)
        });
        move |value| match &kept {
            Some(w) => quote!(#rt::guard_value(#w, #value)),
            None => value,
        }
    }

    /// The forward sweep of `x = op` (through `assign`) and the reverse of it.
    fn define(
        &mut self,
        var: VarId,
        op: &Op,
        open: &mut Open,
        code: &mut Vec<TokenStream>,
        assign: impl Fn(TokenStream) -> TokenStream,
    ) {
        let rt = rt();
        let m = self.m;
        let live = self.live.contains(&var);
        let bar = m.bar(var);
        if let Op::Call { func, args, guard } = op {
            let primals = m.call_args(args, guard);
            if !live {
                code.push(assign(quote!(#func(#(#primals),*))));
                return;
            }
            let path = companion(func, "vjp");
            self.next_residual += 1;
            let (out, pb) = (
                hygienic(&format!("out{}", self.next_residual)),
                hygienic(&format!("pullback{}", self.next_residual)),
            );
            code.push(quote!(let (#out, #pb) = #path(#(#primals),*);));
            code.push(assign(quote!(#out)));
            let pb = self.residual(quote!(#pb), open, code);
            let spread = self.spread(func, (args, guard), quote!(#pb(g)), open, code);
            open.backward.push(quote! {
                if let ::core::option::Option::Some(g) = #bar.take() { #spread }
            });
            return;
        }
        code.push(m.check(op));
        // The type of a declared value's own value, kept before the binding moves it; and of
        // an argument's (see `Op::Argument`).
        let declared = match op {
            Op::Declared(a, _) | Op::Argument { value: a, .. } if live => {
                Some(self.adjoint_type(a.var().expect("active"), open, code))
            }
            _ => None,
        };
        code.push(assign(m.primal_op(op)));
        if !live {
            return;
        }
        if op.inputs().is_empty() {
            open.backward
                .push(quote!(#bar = ::core::option::Option::None;));
            return;
        }
        let y = m.primal(var);
        let g = quote!(g);
        let acc = |o: &Operand, value: TokenStream| {
            let b = m.bar(o.var().expect("an active input"));
            quote!(#rt::acc(&mut #b, #value);)
        };
        let arith = quote!(#rt::rules::arith);
        let steps: TokenStream = match op {
            // `x.to_vec()` of an array: the `Vec` adjoint goes back as an array.
            Op::Linear(method, a) if method == "to_vec" => {
                let ty = self.adjoint_type(a.var().expect("active"), open, code);
                let b = m.bar(a.var().expect("active"));
                quote!(#rt::acc_into(&mut #b, #ty, g);)
            }
            Op::Copy(a) | Op::Linear(_, a) => acc(a, g),
            Op::Neg(a, guard) => {
                let b = m.bar(a.var().expect("active"));
                let g = self.through(guard, open, code)(quote!(g));
                quote!(#rt::acc_neg(&mut #b, #g);)
            }
            Op::Binary(bin @ (BinOp::Add | BinOp::Sub), a, b, guard) => {
                let both = a.var().is_some() && b.var().is_some();
                let through = self.through(guard, open, code);
                let g_once = through(quote!(g));
                let first = a.var().map(|_| {
                    if both {
                        acc(a, through(quote!(::core::clone::Clone::clone(&g))))
                    } else {
                        acc(a, g_once.clone())
                    }
                });
                let second = b.var().map(|v| {
                    let bb = m.bar(v);
                    if *bin == BinOp::Add {
                        quote!(#rt::acc(&mut #bb, #g_once);)
                    } else {
                        quote!(#rt::acc_neg(&mut #bb, #g_once);)
                    }
                });
                quote!(#first #second)
            }
            Op::Binary(bin @ (BinOp::Mul | BinOp::Div | BinOp::Dot), a, b, guard) => {
                // The adjoint of one factor needs the other's value and only the type of its
                // own: a factor whose value no adjoint reads is kept as its type, of size zero.
                // A quotient's adjoints never read the numerator.
                let is_div = *bin == BinOp::Div;
                let value_of_a = !is_div && b.var().is_some();
                let value_of_b = is_div || a.var().is_some();
                // Every pullback rule takes the first factor (or its type) first: its residual
                // goes through the guard, and so does the adjoint of the first factor, which
                // would otherwise fix the rule's type from the adjoint it is added to.
                let mut keep =
                    |o: &Operand, value: bool, first: bool, code: &mut Vec<TokenStream>| {
                        let p = if first {
                            guarded(guard, m.pref(o))
                        } else {
                            m.pref(o)
                        };
                        let literal = match o {
                            Operand::Const(c) => m.literals.get(&c.to_string()),
                            _ => None,
                        };
                        if let (true, Some(literal)) = (value, literal) {
                            // a literal is written again, typed like the forward sweep's
                            let r = self.residual(quote!(#rt::type_of(#p)), open, code);
                            (quote!(&#rt::literal(#r, || #literal)), quote!(#r))
                        } else if value {
                            let r = self.residual(quote!(#rt::save(#p)), open, code);
                            (quote!(#r), quote!(&#rt::type_of(#r)))
                        } else {
                            let r = self.residual(quote!(#rt::type_of(#p)), open, code);
                            (quote!(#r), quote!(#r))
                        }
                    };
                let (ra, ta) = keep(a, value_of_a, true, code);
                let (rb, tb) = keep(b, value_of_b, false, code);
                let through = self.through(guard, open, code);
                if !is_div {
                    let rule = |function, args: &[TokenStream]| {
                        crate::emit::bilinear_call(*bin, function, guard, args)
                    };
                    let first = a
                        .var()
                        .map(|_| acc(a, through(rule("_pullback_lhs", &[ta, rb, quote!(&g)]))));
                    let second = b
                        .var()
                        .map(|_| acc(b, rule("_pullback_rhs", &[ra, tb, quote!(&g)])));
                    quote!(#first #second)
                } else {
                    let ry = b
                        .var()
                        .map(|_| self.residual(quote!(#rt::save(&#y)), open, code));
                    let first = a
                        .var()
                        .map(|_| acc(a, through(quote!(#arith::div_pullback_lhs(#ta, #rb, &g)))));
                    let second =
                        ry.map(|ry| acc(b, quote!(#arith::div_pullback_rhs(#ta, #rb, #ry, &g))));
                    quote!(#first #second)
                }
            }
            Op::Scalar(s) => {
                let name = &s.name;
                let inputs = m.scalar_inputs(s);
                let partials = self.residual(
                    quote::quote_spanned!(name.span()=> #rt::scalar::#name(#(#inputs,)* #y)),
                    open,
                    code,
                );
                // The receiver's adjoint through the witness, as its value (see
                // `Model::scalar_inputs`).
                let through = self.through(&s.guard(), open, code);
                if s.inputs.len() == 1 {
                    acc(&s.inputs[0], through(quote!(*#partials * g)))
                } else {
                    s.inputs
                        .iter()
                        .enumerate()
                        .filter(|(_, o)| o.var().is_some())
                        .map(|(i, o)| {
                            let adjoint = {
                                let i = syn::Index::from(i);
                                quote!(#partials.#i * g)
                            };
                            acc(o, if i == 0 { through(adjoint) } else { adjoint })
                        })
                        .collect()
                }
            }
            Op::Cast(a, _) => acc(a, quote!(#rt::float_cast(g))),
            Op::Declared(a, _) => {
                let ty = declared.expect("kept above");
                acc(a, quote!(#rt::seed_as(#ty, g)))
            }
            Op::Argument { value, .. } => {
                let ty = declared.expect("kept above");
                let b = m.bar(value.var().expect("active"));
                quote!(#rt::acc_as(&mut #b, #ty, g);)
            }
            Op::Read { buf, index, .. } => {
                let i = self.residual(quote!(#index), open, code);
                let zeros = if self.const_shape.contains(buf) {
                    let z = m.zeros(*buf);
                    quote!(&#z)
                } else {
                    let pbuf = m.pref(&Operand::Var {
                        id: *buf,
                        borrowed: false,
                    });
                    let z = self.residual(quote!(#rt::zeros_of(#pbuf)), open, code);
                    quote!(#z)
                };
                let bb = m.bar(*buf);
                quote!(#rt::acc_index(&mut #bb, #zeros, *#i, g);)
            }
            Op::Repeat { elem, .. } => {
                let step = acc(elem, quote!(total));
                quote! {
                    if let ::core::option::Option::Some(total) = #rt::sum_adjoint(g) { #step }
                }
            }
            Op::List { elems, .. } => {
                let steps = elems
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.var().is_some())
                    .map(|(i, e)| acc(e, quote!(#rt::take_element(&mut g, #i))));
                quote!(let mut g = g; #(#steps)*)
            }
            // A constructor is linear: the adjoint of entry k is ⟨ȳ, ctor(e_k)⟩.
            Op::Construct { ctor, elems } => elems
                .iter()
                .enumerate()
                .filter(|(_, e)| e.var().is_some())
                .map(|(k, e)| {
                    let unit = (0..elems.len()).map(|i| {
                        if i == k {
                            quote!(1.0)
                        } else {
                            quote!(::core::default::Default::default())
                        }
                    });
                    acc(e, quote!(#rt::inner(&g, &#ctor(#(#unit),*))))
                })
                .collect(),
            Op::Field { base, member } => {
                let zeros = if self.const_shape.contains(base) {
                    let z = m.zeros(*base);
                    quote!(&#z)
                } else {
                    let pbase = m.pref(&Operand::Var {
                        id: *base,
                        borrowed: false,
                    });
                    let z = self.residual(quote!(#rt::zeros_of(#pbase)), open, code);
                    quote!(#z)
                };
                let bb = m.bar(*base);
                quote!(#rt::acc_field(&mut #bb, #zeros, g, |s| &mut s.#member);)
            }
            Op::Struct { path, fields } => {
                let names: Vec<_> = (0..fields.len())
                    .map(|i| hygienic(&format!("g{i}")))
                    .collect();
                let members = fields.iter().map(|(member, _)| member);
                let steps = fields
                    .iter()
                    .zip(&names)
                    .filter(|((_, o), _)| o.var().is_some())
                    .map(|((_, o), g)| acc(o, quote!(#g)));
                quote! {
                    let #path { #(#members: #names),* } = g;
                    #(#steps)*
                }
            }
            Op::Const(_) | Op::Call { .. } => unreachable!("handled above"),
        };
        open.backward.push(quote! {
            if let ::core::option::Option::Some(g) = #bar.take() { #steps }
        });
    }
}
