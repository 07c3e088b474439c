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
//! A run at the end of a branch starts from what the code after the branch reached: in
//! `if c { y = a * b; } y * x`, the reverse of `y * x` is certain to add into `ȳ` before the
//! branch's reverse takes it, whichever way the branch went (see `entries`). A lazy adjoint
//! certain to hold a value is then taken without a test (the runtime's `certain`), so that the
//! reverse of its statement runs unconditionally and the adjoints it adds into can be definite.
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
    /// The statements (by address) whose reverse takes a lazy adjoint certain to hold a value
    /// (one a later statement added into for certain): the reverse runs unconditionally.
    certain_takes: HashSet<usize>,
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

    /// Whether the reverse of `stmt` (its address) takes a lazy adjoint that holds a value.
    pub(super) fn takes_certainly(&self, stmt: usize) -> bool {
        self.certain_takes.contains(&stmt)
    }
}

/// The address of a statement of the model: the key of where an adjoint is first added into.
pub(super) fn address(s: &Stmt) -> usize {
    std::ptr::from_ref(s) as usize
}

/// Whether an adjoint is reached: for certain, or only perhaps (a variable not in the map is
/// not reached yet, or was taken).
#[derive(Clone, Copy, PartialEq)]
enum Reached {
    Certainly,
    Perhaps,
}

type State = HashMap<VarId, Reached>;

/// When the reverse of a statement runs.
#[derive(Clone, Copy)]
enum Runs {
    Always,
    /// When the adjoint of this variable, which it takes, holds a value.
    IfTaken(VarId),
    Perhaps,
}

/// What the reverse of a statement without control flow does to adjoints: it takes those of
/// `taken` (leaving none), then adds into those of `targets`, running as `runs` says.
struct Effect {
    taken: Vec<VarId>,
    targets: Vec<VarId>,
    runs: Runs,
}

fn effect(s: &Stmt, live: &HashSet<VarId>) -> Option<Effect> {
    let (taken, targets, runs) = match s {
        Stmt::Return { values, .. } => (
            Vec::new(),
            values.iter().filter_map(Operand::var).collect(),
            Runs::Always,
        ),
        Stmt::Let {
            var, op: Some(op), ..
        }
        | Stmt::Assign { var, op } => {
            if !live.contains(var) {
                return None;
            }
            // the reverse of a repetition adds its total only when there is one
            let runs = match op {
                Op::Repeat { .. } => Runs::Perhaps,
                _ => Runs::IfTaken(*var),
            };
            (vec![*var], op.inputs(), runs)
        }
        // (the reverse of a call of several results runs when one of them has an adjoint)
        Stmt::LetTuple { vars, args, .. } => (vars.clone(), call_inputs(args), Runs::Perhaps),
        // (the reverse of a write runs when the element written has an adjoint)
        Stmt::Write { value, .. } | Stmt::Push { value, .. } | Stmt::WriteField { value, .. } => {
            (Vec::new(), value.var().into_iter().collect(), Runs::Perhaps)
        }
        _ => return None,
    };
    Some(Effect {
        taken,
        targets,
        runs,
    })
}

/// Applies a statement's reverse to `state`; returns whether it runs for certain. `dense` are
/// the variables whose adjoints are plain values (see `Reverse::slots`): taking one of those is
/// certain to give a value.
fn apply(state: &mut State, e: &Effect, dense: &[VarId]) -> bool {
    let certain = match e.runs {
        Runs::Always => true,
        Runs::Perhaps => false,
        Runs::IfTaken(v) => dense.contains(&v) || state.get(&v) == Some(&Reached::Certainly),
    };
    for v in &e.taken {
        state.remove(v);
    }
    for v in &e.targets {
        if certain {
            state.insert(*v, Reached::Certainly);
        } else {
            state.entry(*v).or_insert(Reached::Perhaps);
        }
    }
    certain
}

/// For the blocks of `if` and `match` arms and of plain blocks outside loops, by address: the
/// adjoints certain to hold a value when the pullback reaches the block's end, from the code
/// after it (the seed, and what is certain to add into them there). The pullback then runs the
/// reverse of a statement at the end of such a block unconditionally. A function that leaves a
/// block early (`return`, `break`, `continue`, `let ... else`) gets none: what runs after a
/// block is not then what follows it.
pub(super) fn entries(stmts: &Block, live: &HashSet<VarId>) -> HashMap<usize, HashSet<VarId>> {
    let mut out = HashMap::new();
    let mut exits = false;
    for (i, s) in stmts.iter().enumerate() {
        s.walk(&mut |t| {
            let last_return =
                matches!(t, Stmt::Return { .. }) && std::ptr::eq(t, s) && i + 1 == stmts.len();
            exits |= t.may_exit()
                || matches!(t, Stmt::Break(_) | Stmt::Continue(_) | Stmt::LetElse { .. })
                || (matches!(t, Stmt::Return { .. }) && !last_return);
        });
    }
    if !exits {
        backwards(stmts, &mut State::new(), live, &mut out);
    }
    out
}

/// The reverse of `block` applied to `state`, recording the state at the end of each nested
/// block it enters.
fn backwards(
    block: &Block,
    state: &mut State,
    live: &HashSet<VarId>,
    out: &mut HashMap<usize, HashSet<VarId>>,
) {
    let enter = |body: &Block, mut state: State, out: &mut HashMap<usize, HashSet<VarId>>| {
        let certain = state
            .iter()
            .filter(|(_, r)| **r == Reached::Certainly)
            .map(|(v, _)| *v)
            .collect();
        out.insert(body.as_ptr() as usize, certain);
        backwards(body, &mut state, live, out);
        state
    };
    for s in block.iter().rev() {
        match s {
            Stmt::If { then, els, .. } => {
                let after_then = enter(then, state.clone(), out);
                let after_else = match els {
                    Some(e) => enter(e, state.clone(), out),
                    None => state.clone(),
                };
                *state = meet(&after_then, &after_else);
            }
            Stmt::Match { arms, .. } => {
                let mut arms = arms.iter().map(|a| enter(&a.body, state.clone(), out));
                if let Some(first) = arms.next() {
                    *state = arms.fold(first, |met, arm| meet(&met, &arm));
                }
            }
            Stmt::Block(b) => *state = enter(b, std::mem::take(state), out),
            // a loop's reverse runs its body any number of times: what it touches may or may
            // not hold a value after it
            s if s.is_control() && !matches!(s, Stmt::Return { .. }) => s.walk(&mut |t| {
                for v in touched(t) {
                    state.insert(v, Reached::Perhaps);
                }
            }),
            s => {
                if let Some(e) = effect(s, live) {
                    apply(state, &e, &[]);
                }
            }
        }
    }
}

/// The state after one of two paths: certain where both are, unreached where neither reached.
fn meet(a: &State, b: &State) -> State {
    let certain = |s: &State, v| s.get(v) == Some(&Reached::Certainly);
    a.keys()
        .chain(b.keys())
        .map(|v| {
            let both = certain(a, v) && certain(b, v);
            (
                *v,
                if both {
                    Reached::Certainly
                } else {
                    Reached::Perhaps
                },
            )
        })
        .collect()
}

/// Adds the definite adjoints of the runs of straight code in `block` (not of the blocks
/// nested in it) to `definite`. `dense` are the variables whose adjoints are plain values here
/// already (see `Reverse::slots`); `entry` those certain to hold a value at the block's end
/// (see `entries`), which the last run starts from.
pub(super) fn find(
    definite: &mut Definite,
    m: &Model,
    block: &Block,
    live: &HashSet<VarId>,
    (dense, touches, entry): (&[VarId], &Touches, &HashSet<VarId>),
) {
    // A run ends at a control statement; a `return` closes the run before it, so it belongs
    // to that run (see `Reverse::block`).
    let mut start = 0;
    let none = HashSet::new();
    for (i, s) in block.iter().enumerate() {
        let ends = s.is_control() || s.may_exit();
        if ends {
            let end = if matches!(s, Stmt::Return { .. }) {
                i + 1
            } else {
                i
            };
            let run = Run {
                stmts: &block[start..end],
                dense,
                entry: &none,
            };
            in_run(definite, m, run, live, touches);
            start = i + 1;
        }
    }
    let run = Run {
        stmts: &block[start..],
        dense,
        entry,
    };
    in_run(definite, m, run, live, touches);
}

/// A run of straight code: its statements, and what holds a value where its reverse starts.
struct Run<'a> {
    stmts: &'a [Stmt],
    dense: &'a [VarId],
    entry: &'a HashSet<VarId>,
}

fn in_run(definite: &mut Definite, m: &Model, run: Run, live: &HashSet<VarId>, touches: &Touches) {
    let candidates = candidates(m, run.stmts, live, touches);
    let mut state: State = run.entry.iter().map(|v| (*v, Reached::Certainly)).collect();
    // the first contribution to each candidate reached for certain, and how many there are
    let mut first: HashMap<VarId, (usize, usize)> = HashMap::new();
    // the candidates a contribution may not reach first: they stay lazy
    let mut lazy: HashSet<VarId> = HashSet::new();
    for s in run.stmts.iter().rev() {
        let Some(e) = effect(s, live) else { continue };
        if let Runs::IfTaken(v) = e.runs
            && candidates.contains(&v)
            && !first.contains_key(&v)
        {
            // nothing reached it: its reverse is skipped
            lazy.insert(v);
        }
        let certain = apply(&mut state, &e, run.dense);
        // (a definite adjoint is read by name; a lazy one, reached for certain by now, taken)
        if let Runs::IfTaken(v) = e.runs
            && certain
            && !first.contains_key(&v)
            && !run.dense.contains(&v)
        {
            definite.certain_takes.insert(address(s));
        }
        for v in e.targets.iter().filter(|v| candidates.contains(v)) {
            match first.get_mut(v) {
                Some((_, count)) => *count += 1,
                None if certain && !lazy.contains(v) => {
                    first.insert(*v, (address(s), 1));
                }
                None => {
                    lazy.insert(*v);
                }
            }
        }
    }
    definite.first.extend(
        first
            .into_iter()
            .filter(|(v, _)| !lazy.contains(v))
            .map(|(v, (at, count))| (v, (at, count > 1))),
    );
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
    fn a_branch_starts_from_what_the_code_after_it_reached() {
        // `y`, read after the branch, holds an adjoint when the branch's reverse takes it: the
        // branch's temporaries are plain floats, and its reverse runs unconditionally
        let code = pullback(
            "fn f(x: f64) -> f64 { let mut y = x; if x > 0.0 { let a = x.sin(); y = a * a; } y * x }",
        );
        assert!(code.contains("__matcalc::certain(&mut y_bar)"), "{code}");
        assert!(code.contains("let mut a_bar: f64 ="), "{code}");
    }

    #[test]
    fn a_function_that_returns_early_starts_its_branches_from_nothing() {
        // when the second branch returns, `y * x` does not run, and `y` has no adjoint when
        // the first branch's reverse runs: what `y * x` reaches says nothing of it
        let code = pullback(
            "fn f(x: f64) -> f64 { let mut y = x; if x > 0.0 { let a = x.sin(); y = a * a; } \
             if x > 9.0 { return x; } y * x }",
        );
        assert!(!code.contains("certain(&mut y_bar)"), "{code}");
    }

    #[test]
    fn a_variable_given_values_twice_stays_lazy() {
        let code = pullback("fn f(x: f64) -> f64 { let mut a = x * x; a = a * x; a }");
        assert!(!code.contains("a_bar: f64 ="), "{code}");
    }
}
