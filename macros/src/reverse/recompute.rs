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
use crate::known::MUTATING_METHODS;
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::{HashMap, HashSet};
use syn::visit::Visit;
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
    /// it can: the loop runs over a range with a plain counter. With `indices_only`, the
    /// integer arithmetic of the body's own statements alone, not the values it reads (the plan
    /// of a loop with loops of its own, whose body is several segments: see `mirror`).
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
        (indices_only, available): (bool, &HashSet<String>),
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
        let mut names: HashSet<String> = counter.iter().map(|c| c.to_string()).collect();
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
                if !indices_only && !assigned.contains(var) && values.computes(op, &names, &params)
                {
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
            } else if indices_only {
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
                    if indices.contains(&key) {
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
    fn kept_params(&self, m: &Model) -> HashMap<String, (usize, Option<VarId>)> {
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
pub(super) fn assigned(body: &Block) -> HashSet<VarId> {
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
        params: &HashMap<String, (usize, Option<VarId>)>,
    ) -> bool {
        let param_of = |v: VarId| {
            params
                .values()
                .find(|(_, var)| *var == Some(v))
                .map(|(index, _)| *index)
        };
        let mut read_params = Vec::new();
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
            Op::Read { buf, index, .. } => var(*buf) && names.contains(&index.to_string()),
            _ => false,
        };
        if ok {
            self.witnesses.extend(declares);
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
            Kept::Value(r, g) | Kept::Type(r, g) => (read(r) && witness(g)).then_some(true),
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
fn integer(e: &Expr, known: &dyn Fn(&str) -> bool, lengths: bool) -> bool {
    let mut reads = Vec::new();
    integer_with(e, &|n| known(n), lengths, &mut reads)
}

/// Whether `e` is integer arithmetic of names `known` holds, without `len()`, collecting the
/// names it reads.
fn integer_reads(e: &Expr, known: &dyn Fn(&str) -> bool, reads: &mut Vec<Ident>) -> bool {
    integer_with(e, known, false, reads)
}

/// Whether `e` computes a value without side effects from names `known` holds and literals:
/// arithmetic, comparisons, casts, fields, indexing and the methods of [`PURE_METHODS`],
/// collecting the names it reads.
fn pure_reads(e: &Expr, known: &dyn Fn(&str) -> bool, reads: &mut Vec<Ident>) -> bool {
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
struct Collect<'a>(&'a mut HashMap<String, Vec<Binding>>);

impl Collect<'_> {
    fn bind(&mut self, name: &Ident, b: Binding) {
        self.0.entry(name.to_string()).or_default().push(b);
    }

    fn stmt(&mut self, s: &Stmt) {
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
struct Seen {
    bound: HashMap<String, usize>,
    written: HashSet<String>,
}

impl Seen {
    fn stmt(&mut self, s: &Stmt) {
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

#[cfg(test)]
mod tests;
