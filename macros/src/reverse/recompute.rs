//! Indices recomputed, not recorded: in a loop over a range, the inactive index arithmetic of
//! an iteration is a function of the loop's counter and of integers the loop does not change.
//! The forward sweep keeps the range and those integers once per run of the loop; the pullback
//! runs the range backwards and writes the index arithmetic again, so an iteration's tape holds
//! only the values its adjoints need (Tapenade's to-be-recorded analysis, for indices).
//!
//! ```text
//! for k in 0..n {                 // forward: for k in range.clone() { ...; tape.push((a,)) }
//!     let c1 = 2 * k + off;       //          frames.push((range, off));
//!     s += x[c1] * x[c1];         // pullback: let (range, off) = frames[..];
//! }                               //           for k in range.rev() { let c1 = 2 * k + off; ... }
//! ```
//!
//! What may be written again is decided on the syntax, conservatively: a `let` of a name bound
//! once in the body, whose value is integer arithmetic (literals, `+ - * / % & | ^ << >>`,
//! negation, casts, parentheses) of the counter, of earlier such names, and of *integers*:
//! names every binding of which in the function is an integer, by its declared type, a cast,
//! `len()`, a range's counter or such arithmetic. Integers are copied into the tape, so a name
//! whose type the macro cannot tell (a reference, say) is never one of them.

use super::tape::{Kept, Read};
use crate::emit::Model;
use crate::ir::{Block, Op, Operand, Stmt, VarId};
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::{HashMap, HashSet};
use syn::parse::Parser;
use syn::{Expr, Pat};

/// The names of a function that hold integers wherever they are bound.
pub(super) struct Integers {
    known: HashSet<String>,
    /// The names bound once in the whole function: a `let` of one in a loop body is the only
    /// value the name has, so writing it again in the pullback cannot stand for another.
    once: HashSet<String>,
}

/// How an iteration's indices are written again in the pullback of one loop.
#[derive(Clone)]
pub(super) struct Plan {
    /// The loop's counter, `None` for `_`.
    pub counter: Option<Ident>,
    /// The names the pullback can write again.
    pub names: HashSet<String>,
    /// Their `let`s, in order.
    pub lets: Vec<TokenStream>,
    /// The integers from outside the loop those `let`s read, kept once per run of the loop;
    /// not the integer parameters, which the pullback reads where they are.
    pub invariants: Vec<Ident>,
    /// The values of an iteration the pullback can compute again (see [`Values`]).
    pub values: Values,
    /// The indices of an iteration whose values the pullback cannot compute again (`let j =
    /// offset(i);`, a call): the forward sweep keeps each, and the pullback reads it off the
    /// tape before it computes again the values read at it (`x[j]` of a parameter `x`).
    pub recorded: Vec<Ident>,
    /// The range, where the pullback can write it again where it runs the loop backwards (it
    /// reads only integers the pullback has there, see [`Integers::plan`]): not kept then.
    pub range_again: Option<TokenStream>,
}

/// The values of an iteration that the pullback computes again instead of reading them off the
/// tape: those computed, by operations without side effects, from the counter, the iteration's
/// integers, literals, and parameters the function never writes (shared references, which the
/// pullback keeps a copy of). Tapenade's to-be-recorded analysis keeps what is overwritten
/// before the backward sweep needs it; here, within an iteration, a value computed again from
/// such inputs is never stale, since none of them changes.
#[derive(Clone, Default)]
pub(super) struct Values {
    /// The iteration's active variables the pullback computes again.
    pub vars: HashSet<VarId>,
    /// The active parameters those computations read.
    pub param_vars: HashSet<VarId>,
    /// The witnesses those computations declare (see `ir::Guard`).
    pub witnesses: HashSet<usize>,
    /// The parameters read, by their place in the signature: the pullback keeps a copy of each.
    pub params: Vec<usize>,
    /// The local buffers read that nothing writes from the loop on (see `needs::frozen`): the
    /// pullback keeps a copy of each, as it is when the loop starts.
    pub frozen: Vec<VarId>,
    /// The inactive names among them that are not integer arithmetic of the counter (see
    /// [`Plan::lets`]): an index that reads one needs the values computed again.
    pub names: HashSet<String>,
    /// The statements that compute them, the inactive ones among them, in the body's order.
    pub code: Vec<TokenStream>,
    /// The float literals among those inactive values, each with the name of its type, which
    /// the forward sweep keeps (of no size): the literal alone would not tell the pullback
    /// whether it is an `f32` or an `f64` where nothing else there decides it.
    pub literals: HashMap<String, Ident>,
}

/// The parameters whose values the pullback may read, by name: each one's place in the
/// signature, and its variable when active (see `Integers::kept_params`).
type ParamsRead = HashMap<String, (usize, Option<VarId>)>;

const INTEGER_TYPES: &[&str] = &[
    "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
];

fn is_integer_type(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.get_ident().is_some_and(|i| INTEGER_TYPES.contains(&i.to_string().as_str())))
}

/// Every binding of a name in a function, as far as an integer is concerned.
enum Binding {
    /// An integer by its declared type.
    Integer,
    /// The value of this expression.
    Value(Expr),
    /// A counter of a loop over this range.
    Counter(Expr, Expr),
    /// Anything else: a pattern, a closure's parameter, an active variable.
    Unknown,
}

impl Integers {
    /// The analysis of a function: every binding of every name, then the names whose bindings
    /// are all integers, as the greatest fixed point (a binding only reads earlier ones, so it
    /// is sound).
    pub(super) fn of(m: &Model) -> Integers {
        let mut bindings: HashMap<String, Vec<Binding>> = HashMap::new();
        for p in &m.sig.params {
            let b = if is_integer_type(&p.ty) {
                Binding::Integer
            } else {
                Binding::Unknown
            };
            bindings.entry(p.ident.to_string()).or_default().push(b);
        }
        // (a parameter's variable is the parameter's one binding, counted above)
        for v in m.vars.iter().filter(|v| !v.param) {
            bindings
                .entry(v.ident.to_string())
                .or_default()
                .push(Binding::Unknown);
        }
        let mut collect = Collect(&mut bindings);
        for s in &m.stmts {
            s.walk(&mut |s| collect.stmt(s));
        }
        let once = bindings
            .iter()
            .filter(|(_, bs)| bs.len() == 1)
            .map(|(n, _)| n.clone())
            .collect();
        let mut known: HashSet<String> = bindings
            .iter()
            .filter(|(_, bs)| !bs.iter().any(|b| matches!(b, Binding::Unknown)))
            .map(|(n, _)| n.clone())
            .collect();
        loop {
            let before = known.len();
            let is_int = |e: &Expr| integer(e, &|n| known.contains(n), true);
            let keep: HashSet<String> = known
                .iter()
                .filter(|n| {
                    bindings[*n].iter().all(|b| match b {
                        Binding::Integer => true,
                        Binding::Value(e) => is_int(e),
                        Binding::Counter(from, to) => is_int(from) || is_int(to),
                        Binding::Unknown => false,
                    })
                })
                .cloned()
                .collect();
            known = keep;
            if known.len() == before {
                return Integers { known, once };
            }
        }
    }

    /// How the pullback writes again the indices of a flat loop `for pat in iter { body }`, if
    /// it can: the loop runs over a range with a plain counter. With `shared`, the plan of a
    /// loop with loops of its own, which each segment of its body writes again in full (see
    /// `mirror`): of its body's own statements, without the indices kept for values read at
    /// them, nor the literals whose types a segment keeps, which another segment would not have.
    ///
    /// `available` are the integers the pullback has where it runs the loop backwards, with
    /// the values they have where the loop runs: the counters of the loops around it that it
    /// runs again over their ranges, and what their frames keep (see `mirror::Frame`). The
    /// loop's frame keeps none of them, and not its range either when that reads only them.
    pub(super) fn plan(
        &self,
        m: &Model,
        (pat, iter): (&TokenStream, &TokenStream),
        body: &Block,
        (shared, available, frozen): (bool, &HashSet<String>, Option<&HashSet<VarId>>),
    ) -> Option<Plan> {
        // A range with an end runs backwards (`n..` is no `DoubleEndedIterator`).
        let Ok(Expr::Range(syn::ExprRange { end: Some(_), .. })) =
            syn::parse2::<Expr>(iter.clone())
        else {
            return None;
        };
        let counter = match Pat::parse_single.parse2(pat.clone()).ok()? {
            Pat::Ident(p) if p.by_ref.is_none() && p.mutability.is_none() && p.subpat.is_none() => {
                Some(p.ident)
            }
            Pat::Wild(_) => None,
            _ => return None,
        };
        // What the body binds, how often, and what it writes.
        let mut seen = Seen::default();
        for s in body {
            s.walk(&mut |s| seen.stmt(s));
        }
        // A counter the body binds again is not one name: neither the pullback's counter.
        let counter = counter.filter(|c| !seen.bound.contains_key(&c.to_string()));
        // (what the pullback has there is written again as it is: `take_index(.., *r)` of an
        // outer counter reads it where it is; not a name the body binds again, which the
        // pullback's copy of the body may not)
        let mut names: HashSet<String> = counter.iter().map(|c| c.to_string()).collect();
        names.extend(
            available
                .iter()
                .filter(|n| !seen.bound.contains_key(*n))
                .cloned(),
        );
        let rt = crate::emit::rt();
        let mut lets = Vec::new();
        let mut invariants: Vec<Ident> = Vec::new();
        let params = self.kept_params(m);
        // the names the body indexes a buffer with (see `Plan::recorded`)
        let mut indices: HashSet<String> = HashSet::new();
        let mut recorded = Vec::new();
        for s in body {
            s.walk(&mut |s| match s {
                Stmt::Let {
                    op: Some(Op::Read { index, .. }),
                    ..
                }
                | Stmt::Assign {
                    op: Op::Read { index, .. },
                    ..
                }
                | Stmt::Write { index, .. } => {
                    indices.insert(index.to_string());
                }
                // an inactive element of a parameter the pullback keeps a copy of (a slice,
                // an array, a `Vec`, an nalgebra matrix: indexed by a `usize`), `let c = w[j];`
                Stmt::Verbatim(tokens) => {
                    if let Some((_, init)) = let_of(tokens)
                        && let Expr::Index(e) = &*init.expr
                        && let Expr::Path(base) = &*e.expr
                        && base
                            .path
                            .get_ident()
                            .is_some_and(|b| params.contains_key(&b.to_string()))
                        && let Expr::Path(p) = &*e.index
                        && let Some(index) = p.path.get_ident()
                    {
                        indices.insert(index.to_string());
                    }
                }
                _ => {}
            });
        }
        // Integers passed by value and bound nowhere else: the pullback, a `move` closure,
        // reads them where it is, so no run of the loop keeps them.
        let integer_params: HashSet<String> = m
            .sig
            .params
            .iter()
            .filter(|p| {
                let name = p.ident.to_string();
                !p.mutable && is_integer_type(&p.ty) && self.once.contains(&name)
            })
            .map(|p| p.ident.to_string())
            .collect();
        let assigned = assigned(body);
        let mut values = Values::default();
        for s in body {
            if let Stmt::Let {
                var,
                ty,
                op: Some(op),
                ..
            } = s
            {
                if !assigned.contains(var) && values.computes(op, &names, (&params, frozen)) {
                    values.vars.insert(*var);
                    let (check, x) = (m.check(op), m.primal(*var));
                    let (ty, value) = (ty.as_ref().map(|t| quote!(: #t)), m.primal_op(op));
                    values.code.push(quote!(#check let #x #ty = #value;));
                }
                continue;
            }
            let Stmt::Verbatim(tokens) = s else { continue };
            let Some((name, init)) = let_of(tokens) else {
                continue;
            };
            let key = name.to_string();
            if init.diverge.is_some() || !self.once.contains(&key) || seen.written.contains(&key) {
                continue;
            }
            let outer = |n: &str| {
                self.known.contains(n) && !seen.bound.contains_key(n) && !seen.written.contains(n)
            };
            let mut reads = Vec::new();
            // (an integer of the counter reads only the counter and such integers)
            let integer = |n: &str| (names.contains(n) && !values.names.contains(n)) || outer(n);
            if integer_reads(&init.expr, &integer, &mut reads) {
                lets.push(tokens.clone());
            } else if shared && m.literals.contains_key(&key) {
                continue;
            } else if let Some(literal) = m.literals.get(&key) {
                // written again with the type the forward sweep kept of it
                let ty = m.fresh(&format!("{key}_type"));
                values
                    .code
                    .push(quote!(let #name = #rt::literal(#ty, || #literal);));
                values.literals.insert(key.clone(), ty);
                values.names.insert(key.clone());
                names.insert(key);
                continue;
            } else {
                // a value of the parameters and literals, which the pullback alone computes
                reads.clear();
                let readable = |n: &str| names.contains(n) || outer(n) || params.contains_key(n);
                // (a value of literals alone is typed by the forward sweep's context: not here)
                if !pure_reads(&init.expr, &readable, &mut reads) || reads.is_empty() {
                    // an index is kept instead, a `usize`, and the values at it computed again
                    if indices.contains(&key) && !shared {
                        recorded.push(name);
                        names.insert(key);
                    }
                    continue;
                }
                values.names.insert(key.clone());
            }
            for read in reads {
                let n = read.to_string();
                if let Some(&(index, var)) = params.get(&n).filter(|_| !names.contains(&n)) {
                    if !values.params.contains(&index) {
                        values.params.push(index);
                    }
                    values.param_vars.extend(var);
                } else if !names.contains(&n)
                    && !invariants.contains(&read)
                    && !integer_params.contains(&n)
                    && !available.contains(&n)
                {
                    invariants.push(read);
                }
            }
            names.insert(key);
            values.code.push(tokens.clone());
        }
        // (a range of integer arithmetic of those alone, `0..r` in a loop over `r`)
        let again = |e: &Option<Box<Expr>>| {
            e.as_deref().is_none_or(|e| {
                integer(
                    e,
                    &|n| available.contains(n) || integer_params.contains(n),
                    false,
                )
            })
        };
        let range_again = match syn::parse2::<Expr>(iter.clone()) {
            Ok(Expr::Range(r)) if again(&r.start) && again(&r.end) => Some(iter.clone()),
            _ => None,
        };
        Some(Plan {
            counter,
            names,
            lets,
            invariants,
            values,
            recorded,
            range_again,
        })
    }

    /// The parameters whose values the pullback may read, by name, with their place in the
    /// signature and their variable when active, bound once and never rebound: floats passed by
    /// value, and shared references (`&T`, without a lifetime of their own) to a value the
    /// pullback can copy. An active parameter's value is copied as its adjoint's owned type
    /// (`save`); an inactive one's only when its type says it can be (a slice, an array, a
    /// `Vec`, an nalgebra matrix).
    fn kept_params(&self, m: &Model) -> ParamsRead {
        m.sig
            .params
            .iter()
            .zip(&m.param_vars)
            .enumerate()
            .filter(|(_, (p, var))| {
                // (`self` cannot be bound again in the pullback)
                let once =
                    p.ident != "self" && !p.mutable && self.once.contains(&p.ident.to_string());
                once && match &p.ty {
                    ty if crate::known::is_float_type(ty) => true,
                    syn::Type::Reference(r) => {
                        r.mutability.is_none()
                            && r.lifetime.is_none()
                            && (var.is_some() || copyable(&r.elem))
                    }
                    _ => false,
                }
            })
            .map(|(index, (p, var))| (p.ident.to_string(), (index, *var)))
            .collect()
    }
}

/// The types of an inactive parameter's value the pullback can copy (`ToOwned`) and read again
/// as the parameter (`Borrow`).
fn copyable(ty: &syn::Type) -> bool {
    const OWNED: &[&str] = &[
        "Vec",
        "DMatrix",
        "DVector",
        "RowDVector",
        "SMatrix",
        "SVector",
        "OMatrix",
        "OVector",
        "Matrix2",
        "Matrix3",
        "Matrix4",
        "Matrix5",
        "Matrix6",
        "Vector2",
        "Vector3",
        "Vector4",
        "Vector5",
        "Vector6",
    ];
    match ty {
        syn::Type::Slice(_) | syn::Type::Array(_) => true,
        syn::Type::Path(p) => {
            p.qself.is_none()
                && p.path
                    .segments
                    .last()
                    .is_some_and(|s| OWNED.contains(&s.ident.to_string().as_str()))
        }
        _ => false,
    }
}

/// The variables a body writes after their `let`, or binds by a call's pattern.
pub(super) fn assigned(body: &[Stmt]) -> HashSet<VarId> {
    let mut out = HashSet::new();
    for s in body {
        s.walk(&mut |s| match s {
            Stmt::Assign { var, .. } => {
                out.insert(*var);
            }
            Stmt::Write { buf, .. } | Stmt::Push { buf, .. } => {
                out.insert(*buf);
            }
            Stmt::WriteField { base, .. } => {
                out.insert(*base);
            }
            Stmt::LetTuple { vars, .. } => out.extend(vars.iter().copied()),
            _ => {}
        });
    }
    out
}

impl Values {
    /// Whether the pullback can compute `op` again: an operation without side effects whose
    /// inputs it computes again or reads off the parameters it keeps, and whose witness it
    /// declares (or an earlier such operation did).
    fn computes(
        &mut self,
        op: &Op,
        names: &HashSet<String>,
        (params, frozen): (&ParamsRead, Option<&HashSet<VarId>>),
    ) -> bool {
        let param_of = |v: VarId| {
            params
                .values()
                .find(|(_, var)| *var == Some(v))
                .map(|(index, _)| *index)
        };
        let mut read_params = Vec::new();
        let mut read_frozen = None;
        let mut var = |v: VarId| {
            if self.vars.contains(&v) {
                return true;
            }
            match param_of(v) {
                Some(index) => {
                    read_params.push((index, v));
                    true
                }
                None => false,
            }
        };
        let operand = |o: &Operand, var: &mut dyn FnMut(VarId) -> bool| match o {
            Operand::Var { id, .. } => var(*id),
            Operand::Const(c) => names.contains(&c.to_string()),
        };
        // the witness an operation's primal reads: declared by it when it checks the user's
        // expression, by the user's operation it derives from otherwise
        let mut declares = None;
        let guarded = |guard: &Option<crate::ir::Guard>, declares: &mut Option<usize>| match guard {
            None => true,
            Some(g) if g.check.is_some() => {
                *declares = Some(g.id);
                true
            }
            Some(g) => self.witnesses.contains(&g.id),
        };
        let ok = match op {
            Op::Copy(a) | Op::Cast(a, _) => operand(a, &mut var),
            Op::Neg(a, guard) => guarded(guard, &mut declares) && operand(a, &mut var),
            Op::Binary(_, a, b, guard) => {
                guarded(guard, &mut declares) && operand(a, &mut var) && operand(b, &mut var)
            }
            Op::Scalar(s) => {
                declares = s.witness;
                s.inputs.iter().all(|o| operand(o, &mut var))
                    && s.int_inputs.iter().all(|c| names.contains(&c.to_string()))
            }
            // (an element of a local buffer nothing writes from the loop on, off its copy)
            Op::Read { buf, index, .. } if frozen.is_some_and(|f| f.contains(buf)) => {
                read_frozen = Some(*buf);
                names.contains(&index.to_string())
            }
            Op::Read { buf, index, .. } => var(*buf) && names.contains(&index.to_string()),
            _ => false,
        };
        if ok {
            self.witnesses.extend(declares);
            if let Some(buf) = read_frozen
                && !self.frozen.contains(&buf)
            {
                self.frozen.push(buf);
            }
            for (index, v) in read_params {
                if !self.params.contains(&index) {
                    self.params.push(index);
                }
                self.param_vars.insert(v);
            }
        }
        ok
    }

    /// Whether the pullback computes again what `kept` keeps: `Some(true)` for a value of the
    /// iteration, `Some(false)` for an index alone.
    pub(super) fn recomputes(&self, kept: &Kept, names: &HashSet<String>) -> Option<bool> {
        let var = |v: &VarId| self.vars.contains(v) || self.param_vars.contains(v);
        let read = |r: &Read| match r {
            Read::Var(v) => var(v),
            Read::Const(c) => names.contains(c),
        };
        let witness = |g: &Option<usize>| g.is_none_or(|g| self.witnesses.contains(&g));
        match kept {
            Kept::Index(name) => names.contains(name).then(|| self.names.contains(name)),
            Kept::Value(r, g) => (read(r) && witness(g)).then_some(true),
            // A type has no size: kept, it costs nothing (once per run of a loop, see
            // `Open::sizeless`), where computing it again would replay the value it is the
            // type of, and keep a copy of the parameters that value reads.
            Kept::Type(..) => None,
            Kept::Shape(v) => var(v).then_some(true),
            Kept::Witness(g) => self.witnesses.contains(g).then_some(true),
            Kept::Once(_) | Kept::Recorded(_) => None,
        }
    }

    /// Whether the pullback computes again the partials of a float method (see `Op::Scalar`),
    /// a function of its inputs and its value `y`.
    pub(super) fn recomputes_partials(
        &self,
        s: &crate::ir::ScalarMethod,
        y: VarId,
        names: &HashSet<String>,
    ) -> bool {
        let var = |v: VarId| self.vars.contains(&v) || self.param_vars.contains(&v);
        var(y)
            && s.witness.is_none_or(|w| self.witnesses.contains(&w))
            && s.inputs.iter().all(|o| match o {
                Operand::Var { id, .. } => var(*id),
                Operand::Const(c) => names.contains(&c.to_string()),
            })
            && s.int_inputs.iter().all(|c| names.contains(&c.to_string()))
    }
}

mod syntax;
#[cfg(test)]
mod tests;

pub(crate) use syntax::let_of;
use syntax::{Collect, Seen, integer, integer_reads, pure_reads};
