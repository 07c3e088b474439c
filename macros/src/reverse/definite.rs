//! Definite adjoints: the adjoints of floats that some contribution is certain to reach before
//! the pullback takes them, which it can hold as plain floats instead of lazy `Option`s.
//!
//! An adjoint is lazy (`None` until a first contribution arrives) so that the reverse of a
//! statement nothing reached is skipped: `x̄ += ȳ·f'(x)` with `ȳ = 0` and `f'(x) = ∞` (the
//! square root at 0 in a branch not taken, say) would make `x̄` NaN. Where the pullback is sure
//! to add into an adjoint before it reads it, the test is for nothing: in straight code, the
//! seed reaches the returned value; the reverse of `y = f(a, b)` whose `ȳ` is definite adds
//! into `ā` and `b̄` unconditionally, which makes those definite in turn; in the body of a loop
//! run backwards, the adjoint of a value the loop carries is a plain value too (see
//! `Reverse::carried`), so an iteration's temporaries are definite from it. Such an adjoint is
//! declared by its first contribution (`let t1_bar: f64 = t2_bar * r2;`), added into with
//! `+=` after it, and read as it is: the value the `Option` would hold, the sign of a zero
//! included.
//!
//! The analysis is a forward pass over a run of straight code in the pullback's order (the
//! statements from the last), with the adjoint's state per variable: not reached yet, reached
//! for certain, or perhaps reached. Only a variable given its value once, by a `let` of the run,
//! whose every statement touching its adjoint lies in the run, qualifies: its adjoint is then
//! taken once, after all its contributions. The pass also notes the statement whose reverse
//! adds into each adjoint first, where the pullback declares it, and whether another follows
//! (`let mut`); the reverses of a run are emitted in one scope, not in blocks of their own.

use crate::emit::Model;
use crate::ir::{Block, Op, Operand, Stmt, VarId, call_inputs};
use std::collections::{HashMap, HashSet};

/// How many statements touch each variable's adjoint, in the whole function: an adjoint a run
/// of straight code touches as many times lives in the run alone.
#[derive(Default)]
pub(super) struct Touches(HashMap<VarId, usize>);

impl Touches {
    pub(super) fn of(stmts: &Block) -> Touches {
        let mut touches = Touches::default();
        for s in stmts {
            s.walk(&mut |s| touches.count(s));
        }
        touches
    }

    fn count(&mut self, s: &Stmt) {
        for v in touched(s) {
            *self.0.entry(v).or_default() += 1;
        }
    }
}

/// The adjoints a statement's reverse reads or adds into, each once (see
/// `super::adjoints_touched`), and those a `return` seeds.
fn touched(s: &Stmt) -> Vec<VarId> {
    let mut vars = match s {
        Stmt::Return { values, .. } => values.iter().filter_map(Operand::var).collect(),
        s => super::adjoints_touched(s),
    };
    vars.sort_unstable();
    vars.dedup();
    vars
}

/// The definite adjoints found so far, each declared where the pullback first adds into it:
/// `let t1_bar: f64 = t2_bar * r2;`, the statements' reverses being straight code.
#[derive(Clone, Default)]
pub(super) struct Definite {
    /// Per variable: the statement whose reverse adds into it first (by its address in the
    /// model), and whether more contributions follow.
    first: HashMap<VarId, (usize, bool)>,
    /// Those declared already, by that first contribution.
    declared: std::cell::RefCell<HashSet<VarId>>,
}

impl Definite {
    pub(super) fn contains(&self, v: &VarId) -> bool {
        self.first.contains_key(v)
    }

    /// Whether a contribution to `v` in the reverse of `stmt` (its address) is the first, which
    /// declares the adjoint, and if so whether the adjoint is added into again (`let mut`).
    pub(super) fn declares(&self, v: VarId, stmt: usize) -> Option<bool> {
        let (first, more) = self.first.get(&v)?;
        (*first == stmt && self.declared.borrow_mut().insert(v)).then_some(*more)
    }

    fn extend(&mut self, found: HashMap<VarId, (usize, bool)>) {
        self.first.extend(found);
    }
}

/// The address of a statement of the model: the key of where an adjoint is first added into.
pub(super) fn address(s: &Stmt) -> usize {
    std::ptr::from_ref(s) as usize
}

/// Whether an adjoint is reached: for certain, or only perhaps (a variable not in the map is
/// not reached yet).
#[derive(Clone, Copy, PartialEq)]
enum Reached {
    Certainly,
    Perhaps,
}

/// Adds the definite adjoints of the runs of straight code in `block` (not of the blocks
/// nested in it) to `definite`. `dense` are the variables whose adjoints are plain values here
/// already (see `Reverse::slots`): taking one of those is certain to give a value.
pub(super) fn find(
    definite: &mut Definite,
    m: &Model,
    block: &Block,
    live: &HashSet<VarId>,
    (dense, touches): (&[VarId], &Touches),
) {
    // A run ends at a control statement; a `return` closes the run before it, so it belongs
    // to that run (see `Reverse::block`).
    let mut start = 0;
    for (i, s) in block.iter().enumerate() {
        let ends = s.is_control() || s.may_exit();
        if ends {
            let end = if matches!(s, Stmt::Return { .. }) {
                i + 1
            } else {
                i
            };
            definite.extend(in_run(m, &block[start..end], live, dense, touches));
            start = i + 1;
        }
    }
    definite.extend(in_run(m, &block[start..], live, dense, touches));
}

fn in_run(
    m: &Model,
    run: &[Stmt],
    live: &HashSet<VarId>,
    dense: &[VarId],
    touches: &Touches,
) -> HashMap<VarId, (usize, bool)> {
    let candidates = candidates(m, run, live, touches);
    if candidates.is_empty() {
        return HashMap::new();
    }
    let mut reached: HashMap<VarId, Reached> = HashMap::new();
    // the first contribution to each adjoint reached for certain, and how many there are
    let mut first: HashMap<VarId, (usize, usize)> = HashMap::new();
    for s in run.iter().rev() {
        // whether the statement's reverse runs for certain, and the adjoints it adds into
        let (certain, targets) = match s {
            Stmt::Return { values, .. } => (true, values.iter().filter_map(Operand::var).collect()),
            Stmt::Let {
                var, op: Some(op), ..
            }
            | Stmt::Assign { var, op } => {
                if !live.contains(var) {
                    continue;
                }
                let taken = dense.contains(var) || reached.get(var) == Some(&Reached::Certainly);
                // a variable nothing reached stays lazy: its reverse is skipped
                if candidates.contains(var) {
                    reached.entry(*var).or_insert(Reached::Perhaps);
                }
                // the reverse of a repetition adds its total only when there is one
                let unconditional = !matches!(op, Op::Repeat { .. });
                (taken && unconditional, op.inputs())
            }
            // (the reverse of a call of several results runs when one of them has an adjoint)
            Stmt::LetTuple { args, .. } => (false, call_inputs(args)),
            // (the reverse of a write runs when the element written has an adjoint)
            Stmt::Write { value, .. }
            | Stmt::Push { value, .. }
            | Stmt::WriteField { value, .. } => (false, value.var().into_iter().collect()),
            _ => continue,
        };
        let state = if certain {
            Reached::Certainly
        } else {
            Reached::Perhaps
        };
        for v in targets.into_iter().filter(|v| candidates.contains(v)) {
            reached.entry(v).or_insert(state);
            first.entry(v).or_insert((address(s), 0)).1 += 1;
        }
    }
    first
        .into_iter()
        .filter(|(v, _)| reached.get(v) == Some(&Reached::Certainly))
        .map(|(v, (at, count))| (v, (at, count > 1)))
        .collect()
}

/// The variables of a run that may have definite adjoints: live floats of the function's type
/// given their value once, by a `let` of the run, with every statement touching their adjoints
/// in the run.
fn candidates(m: &Model, run: &[Stmt], live: &HashSet<VarId>, touches: &Touches) -> HashSet<VarId> {
    let mut in_run = Touches::default();
    let mut assigned: HashMap<VarId, usize> = HashMap::new();
    let mut bound = Vec::new();
    for s in run {
        in_run.count(s);
        match s {
            Stmt::Let {
                var, op: Some(_), ..
            } => {
                *assigned.entry(*var).or_default() += 1;
                bound.push(*var);
            }
            Stmt::Let { var, op: None, .. } | Stmt::Assign { var, .. } => {
                *assigned.entry(*var).or_default() += 2;
            }
            _ => {}
        }
    }
    bound
        .into_iter()
        .filter(|v| {
            assigned[v] == 1
                && live.contains(v)
                && !m.vars[*v].param
                && in_run.0.get(v) == touches.0.get(v)
                && m.floats.is_scalar(&Operand::Var {
                    id: *v,
                    borrowed: false,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::tests::expand_pretty;

    /// The pullback's code of `f` (the body of its closure).
    fn pullback(src: &str) -> String {
        let out = expand_pretty("", src);
        let start = out.find("let pullback = move").expect("a pullback");
        let end = out[start..].find("(value, pullback)").expect("its end");
        out[start..start + end].to_string()
    }

    #[test]
    fn straight_code_holds_its_adjoints_as_floats() {
        let code =
            pullback("fn f(x: f64, y: f64) -> f64 { let a = x * y; let b = a.sin() + x; b * a }");
        // each declared by its first contribution, then added into
        assert!(
            code.contains("let t2_bar: f64 = __matcalc::seed_as("),
            "{code}"
        );
        assert!(code.contains("let mut a_bar: f64 = (*r"), "{code}");
        assert!(code.contains("a_bar += "), "{code}");
        assert!(code.contains("let b_bar: f64 = t2_bar * (*r"), "{code}");
        assert!(!code.contains(".take()"), "{code}");
        assert!(!code.contains("-0.0"), "{code}");
    }

    #[test]
    fn the_temporaries_of_a_loop_body_are_floats() {
        let code = pullback(
            "fn f(x: &[f64]) -> f64 { let mut s = 0.0; for i in 0..x.len() { s += x[i] * x[i]; } s }",
        );
        assert!(code.contains("let t2_bar: f64 = t3_bar;"), "{code}");
        assert!(!code.contains("t2_bar.take()"), "{code}");
    }

    #[test]
    fn an_adjoint_reached_only_in_a_branch_stays_lazy() {
        // `r` is read only when `x > 1`: its adjoint is `None` otherwise, and the square root's
        // infinite derivative at 0 must not meet a zero
        let code = pullback(
            "fn f(x: f64) -> f64 { let r = x.sqrt(); let mut y = x; if x > 1.0 { y = r; } y }",
        );
        assert!(
            code.contains("let mut r_bar: ::core::option::Option<f64>"),
            "{code}"
        );
    }

    #[test]
    fn a_variable_given_values_twice_stays_lazy() {
        let code = pullback("fn f(x: f64) -> f64 { let mut a = x * x; a = a * x; a }");
        assert!(!code.contains("a_bar: f64 ="), "{code}");
    }
}
