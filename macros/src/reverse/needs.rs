//! What the pullback needs to know of the model before the sweeps: which adjoints it needs
//! (liveness), which variables may change shape, and which buffers' shapes it can keep once.

use crate::emit::Model;
use crate::ir::{Op, Operand, Stmt, VarId, call_inputs};
use proc_macro2::Ident;
use std::collections::{HashMap, HashSet};

/// The variables whose adjoints the pullback needs: those the returned values depend on.
pub(super) fn liveness(m: &Model) -> HashSet<VarId> {
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
pub(super) fn mutated(m: &Model) -> HashSet<VarId> {
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

/// The local buffers whose shape the pullback can take once for the whole call: bound once, by
/// a `let` outside every loop and branch (which runs at most once, before anything reads its
/// adjoint), and then only written by index, never assigned nor pushed to. Each gets a slot
/// that the forward sweep fills after the `let`, read wherever an adjoint of the buffer is
/// made, instead of a shape kept by every segment that reads an element (see
/// `tape::Kept::Shape`).
pub(super) fn shaped_once(m: &Model) -> HashMap<VarId, Ident> {
    let mut lets: HashMap<VarId, usize> = HashMap::new();
    let (mut changed, mut indexed) = (HashSet::new(), HashSet::new());
    for s in &m.stmts {
        s.walk(&mut |s| match s {
            Stmt::Let {
                var,
                op: Some(Op::Read { buf, .. }),
                ..
            } => {
                *lets.entry(*var).or_default() += 1;
                indexed.insert(*buf);
            }
            Stmt::Assign {
                var,
                op: Op::Read { buf, .. },
            } => {
                changed.insert(*var);
                indexed.insert(*buf);
            }
            Stmt::Write { buf, .. } => {
                indexed.insert(*buf);
            }
            Stmt::Let { var, .. } => *lets.entry(*var).or_default() += 1,
            Stmt::LetTuple { vars, .. } => changed.extend(vars.iter().copied()),
            Stmt::Assign { var, .. } | Stmt::Push { buf: var, .. } => {
                changed.insert(*var);
            }
            _ => {}
        });
    }
    m.stmts
        .iter()
        .filter_map(|s| match s {
            Stmt::Let {
                var, op: Some(_), ..
            } => Some(*var),
            _ => None,
        })
        .filter(|v| indexed.contains(v) && !m.vars[*v].param)
        .filter(|v| lets[v] == 1 && !changed.contains(v))
        .map(|v| (v, m.fresh(&format!("{}_shape", m.vars[v].uniq))))
        .collect()
}

/// For each statement of the function's body, the local buffers of floats that nothing writes
/// from that statement on, each with the slot of its copy: a loop there that reads one by index
/// reads what the pullback will find in a copy taken when the loop starts, so the values read
/// are computed again off that copy instead of kept per iteration (Tapenade's to-be-recorded
/// analysis: a value not overwritten before the backward sweep needs no record). Bound once by
/// a `let` of the body, named like nothing else, and only where the body runs every statement
/// to the end (static control flow: the copy is always taken).
pub(super) fn frozen(m: &Model) -> (Vec<HashSet<VarId>>, HashMap<VarId, Ident>) {
    let names: HashMap<String, usize> = m
        .vars
        .iter()
        .map(|v| v.ident.to_string())
        .chain(m.sig.params.iter().map(|p| p.ident.to_string()))
        .fold(HashMap::new(), |mut count, name| {
            *count.entry(name).or_default() += 1;
            count
        });
    let declared: Vec<Option<VarId>> = m
        .stmts
        .iter()
        .map(|s| match s {
            Stmt::Let {
                var, op: Some(_), ..
            } if !m.vars[*var].param
                && m.floats.is_buffer(*var)
                && names.get(&m.vars[*var].ident.to_string()) == Some(&1) =>
            {
                Some(*var)
            }
            _ => None,
        })
        .collect();
    // the first statement from which nothing writes each one: after its `let` and its last write
    let mut from: HashMap<VarId, usize> = declared
        .iter()
        .enumerate()
        .filter_map(|(k, v)| v.map(|v| (v, k + 1)))
        .collect();
    for (k, s) in m.stmts.iter().enumerate() {
        for v in super::recompute::assigned(std::slice::from_ref(s)) {
            if let Some(first) = from.get_mut(&v) {
                *first = (*first).max(k + 1);
            }
        }
    }
    let slots: HashMap<VarId, Ident> = from
        .keys()
        .map(|v| (*v, m.fresh(&format!("{}_frozen", m.vars[*v].uniq))))
        .collect();
    let frozen = (0..m.stmts.len())
        .map(|k| {
            from.iter()
                .filter(|(_, first)| **first <= k)
                .map(|(v, _)| *v)
                .collect()
        })
        .collect();
    (frozen, slots)
}
