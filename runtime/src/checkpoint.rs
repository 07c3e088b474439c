//! Binomial checkpointing: reverse a loop of N steps keeping at most S states, recomputing the
//! fewest steps possible (Griewank and Walther's `revolve`).
//!
//! Reverse mode needs, for each step of a loop, the state the step started from. Keeping every
//! state costs memory proportional to N; keeping S of them and recomputing the others from the
//! nearest kept one costs time instead. For S snapshots (the initial state is one of them) the
//! least number of steps that must be recomputed is
//!
//! ```text
//! p(N, S) = t·N − C(S + t, t − 1),   t the integer with C(S + t − 1, t − 1) < N ≤ C(S + t, t),
//! ```
//!
//! about N·t where t grows like the S-th root of N: 10⁷ steps with 30 snapshots run each step
//! forward about 6.8 times (t = 7), where keeping one state per step would take 10⁷ states.
//! [`reverse`] runs that schedule over a caller's step function, and [`binomial_optimum`] is
//! the closed form, which the tests compare with the steps `reverse` actually runs. A loop
//! under `#[checkpoint]` in an annotated function is reversed by [`reverse`], its recording
//! code run once per step to recompute and once more to record.
//!
//! ```
//! use matcalc_runtime::checkpoint::{binomial_optimum, reverse};
//!
//! // the state after i steps of x ← x + 1 is i: the state handed back for step i must be i
//! let mut reversed = Vec::new();
//! let counts = reverse(0_usize, 100, 5, |x, _| *x += 1, |x, step| {
//!     assert_eq!(*x, step);
//!     reversed.push(step);
//! });
//! assert_eq!(reversed, (0..100).rev().collect::<Vec<_>>());
//! assert_eq!(counts.advances, binomial_optimum(100, 5));
//! assert!(counts.most_snapshots <= 5);
//! ```

/// What a [`reverse`] run cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Steps run forward without their reverse: the first sweep and the recomputations.
    pub advances: u64,
    /// The most states held at once (the initial state included).
    pub most_snapshots: usize,
}

/// `C(n, k)`, saturating at `u64::MAX`.
fn binomial(n: u64, k: u64) -> u64 {
    let k = k.min(n.saturating_sub(k));
    let mut value: u128 = 1;
    for i in 0..k {
        value = value * u128::from(n - i) / u128::from(i + 1);
        if value > u128::from(u64::MAX) {
            return u64::MAX;
        }
    }
    value as u64
}

/// The repetition number t of `steps` steps with `snapshots` snapshots: the least t with
/// `steps ≤ C(snapshots + t, t)`.
fn repetitions(steps: u64, snapshots: u64) -> u64 {
    let mut t = 0;
    while binomial(snapshots + t, t) < steps {
        t += 1;
    }
    t
}

/// The least number of steps run forward without their reverse (the first sweep included)
/// when `steps` steps are reversed keeping at most `snapshots` states: `p(N, S)` of the module
/// docs.
///
/// ```
/// use matcalc_runtime::checkpoint::binomial_optimum;
/// // with a state per step, each step but the last runs forward once before its reverse
/// assert_eq!(binomial_optimum(10, 10), 9);
/// // with the initial state alone, step i is recomputed from the start: 0 + 1 + ... + 9
/// assert_eq!(binomial_optimum(10, 1), 45);
/// ```
///
/// # Panics
///
/// If `snapshots` is 0 and `steps` is not: the initial state must be kept.
pub fn binomial_optimum(steps: usize, snapshots: usize) -> u64 {
    let (n, s) = (steps as u64, snapshots as u64);
    if n <= 1 {
        return 0;
    }
    assert!(
        s >= 1,
        "reversing steps needs a snapshot of the initial state"
    );
    let t = repetitions(n, s);
    t * n - binomial(s + t, t - 1)
}

/// The snapshots `#[checkpoint]` keeps by default for a loop of `steps` iterations: the fewest
/// with which the binomial schedule runs no iteration forward more than twice in the pullback,
/// about √(2·steps) (4,471 for 10⁷ iterations, 446 for 10⁵).
///
/// ```
/// use matcalc_runtime::checkpoint::{binomial_optimum, default_snapshots};
///
/// let s = default_snapshots(10_000_000);
/// assert_eq!(s, 4_471);
/// assert!(binomial_optimum(10_000_000, s) <= 2 * 10_000_000);
/// ```
pub fn default_snapshots(steps: usize) -> usize {
    // t = 2 repetitions reach C(s + 2, 2) steps
    let reach = |s: usize| (s as u128 + 2) * (s as u128 + 1) / 2;
    let mut s = ((2.0 * steps as f64).sqrt() as usize)
        .saturating_sub(2)
        .max(1);
    while reach(s) < steps as u128 {
        s += 1;
    }
    while s > 1 && reach(s - 1) >= steps as u128 {
        s -= 1;
    }
    s
}

/// Reverses `steps` steps of a loop from `initial`, keeping at most `snapshots` states: calls
/// `reverse_step(state, i)` for i = steps − 1 down to 0, each time with the state step i
/// starts from, running `advance(state, i)` (step i forward) as often as the binomial schedule
/// needs, which is [`binomial_optimum`] times. The caller's `reverse_step` typically runs step i
/// again recording it, then reverses it.
///
/// ```
/// use matcalc_runtime::checkpoint::reverse;
///
/// // the adjoint of x ← x·(1 − x/4) over 50 steps, keeping 4 states
/// let step = |x: &mut f64, _: usize| *x *= 1.0 - *x / 4.0;
/// let mut adjoint = 1.0;
/// reverse(0.5, 50, 4, step, |x, _| adjoint *= 1.0 - x / 2.0);
/// // the same by keeping every state
/// let mut states = vec![0.5];
/// for i in 0..50 {
///     let mut x = states[i];
///     step(&mut x, i);
///     states.push(x);
/// }
/// let kept: f64 = states[..50].iter().rev().map(|x| 1.0 - x / 2.0).product();
/// assert_eq!(adjoint, kept); // bit for bit: the same states, multiplied in the same order
/// ```
///
/// # Panics
///
/// If `snapshots` is 0 and `steps` is not.
pub fn reverse<S: Clone>(
    initial: S,
    steps: usize,
    snapshots: usize,
    mut advance: impl FnMut(&mut S, usize),
    mut reverse_step: impl FnMut(&S, usize),
) -> Counts {
    if steps == 0 {
        return Counts {
            advances: 0,
            most_snapshots: 0,
        };
    }
    assert!(
        snapshots >= 1,
        "reversing steps needs a snapshot of the initial state"
    );
    let mut run = Run {
        advance: &mut advance,
        reverse_step: &mut reverse_step,
        counts: Counts {
            advances: 0,
            most_snapshots: 1,
        },
        held: 1,
        state: std::marker::PhantomData,
    };
    run.range(&initial, 0, steps, snapshots);
    run.counts
}

/// The schedule's walk over the steps, with the step functions by their own types: called once
/// per step and more, they are inlined into the walk's loops, where a call through a `dyn`
/// pointer cost more than a step of a scalar recurrence itself.
struct Run<'f, S, A, R> {
    advance: &'f mut A,
    reverse_step: &'f mut R,
    counts: Counts,
    /// States held now, the initial one included.
    held: usize,
    /// The type of the states the steps take.
    state: std::marker::PhantomData<fn(&S)>,
}

impl<S: Clone, A: FnMut(&mut S, usize), R: FnMut(&S, usize)> Run<'_, S, A, R> {
    /// Reverses steps `first..end` from `state`, the state before `first` (already held), with
    /// `snapshots` states available to this range, `state`'s included.
    fn range(&mut self, state: &S, first: usize, end: usize, snapshots: usize) {
        let length = end - first;
        if length == 1 {
            (self.reverse_step)(state, first);
            return;
        }
        if length <= snapshots + 1 {
            // room for the state before every step (the last one is reversed as soon as it is
            // computed, like any state handed to `reverse_step`): one sweep keeps them all, the
            // fewest advances there can be (length − 1), with no schedule to work out per step
            let mut states = Vec::with_capacity(length - 1);
            for i in first..end - 1 {
                let mut x = states.last().unwrap_or(state).clone();
                (self.advance)(&mut x, i);
                states.push(x);
            }
            self.counts.advances += (length - 1) as u64;
            self.counts.most_snapshots = self.counts.most_snapshots.max(self.held + length - 2);
            for step in (first + 1..end).rev() {
                (self.reverse_step)(&states[step - first - 1], step);
                states.pop();
            }
            (self.reverse_step)(state, first);
            return;
        }
        if snapshots == 1 {
            // no room for another state: each step again from `state`
            for step in (first..end).rev() {
                let mut x = state.clone();
                for i in first..step {
                    (self.advance)(&mut x, i);
                    self.counts.advances += 1;
                }
                (self.reverse_step)(&x, step);
            }
            return;
        }
        let split = first + first_split(length as u64, snapshots as u64) as usize;
        let mut x = state.clone();
        for i in first..split {
            (self.advance)(&mut x, i);
            self.counts.advances += 1;
        }
        self.held += 1;
        self.counts.most_snapshots = self.counts.most_snapshots.max(self.held);
        self.range(&x, split, end, snapshots - 1);
        drop(x);
        self.held -= 1;
        self.range(state, first, split, snapshots);
    }
}

/// The steps to run before keeping the next state, when `length` steps (at least 2) are
/// reversed with `snapshots` states (at least 2): a split l̂ with
/// `l̂ + p(length − l̂, snapshots − 1) + p(l̂, snapshots) = p(length, snapshots)`, which
/// Griewank and Walther show exists within `C(s + t − 2, t − 2) ≤ l̂ ≤ C(s + t − 1, t − 1)`
/// and `length − l̂ ≤ C(s + t − 2, t − 1)`.
fn first_split(length: u64, snapshots: u64) -> u64 {
    let (n, s) = (length, snapshots);
    let t = repetitions(n, s);
    let least = if t >= 2 {
        binomial(s + t - 2, t - 2)
    } else {
        1
    };
    let most = binomial(s + t - 1, t - 1).min(n - 1);
    let split = least
        .max(n.saturating_sub(binomial(s + t - 2, t - 1)))
        .clamp(1, most.max(1));
    debug_assert_eq!(
        split
            + binomial_optimum((n - split) as usize, (s - 1) as usize)
            + binomial_optimum(split as usize, s as usize),
        binomial_optimum(n as usize, s as usize),
        "an optimal split of {n} steps with {s} snapshots"
    );
    split
}

/// What a loop under `#[checkpoint]` keeps of a value it reads: an owned copy, made once when
/// the loop starts, from which its iterations are recomputed (the pullback owns what it
/// reads). Every `Clone` type and slice is kept; the generated code calls [`kept`].
///
/// ```
/// use matcalc_runtime::checkpoint::kept;
///
/// let data = [1.0, 2.0];
/// let copy: Vec<f64> = kept(&data[..]);
/// assert_eq!(copy, data);
/// ```
#[diagnostic::on_unimplemented(
    message = "a loop under `#[checkpoint]` reads `{Self}`, which must be `Clone`: the loop keeps a copy of what it reads to recompute its iterations",
    label = "read in the checkpointed loop",
    note = "derive or implement `Clone` for `{Self}`, or copy what the loop needs into locals before it"
)]
pub trait Kept {
    /// The copy kept.
    type Copy: 'static;
    /// Copies the value.
    fn kept_copy(&self) -> Self::Copy;
}

impl<T: ?Sized + ToOwned> Kept for T
where
    T::Owned: 'static,
{
    type Copy = T::Owned;
    fn kept_copy(&self) -> T::Owned {
        self.to_owned()
    }
}

/// The copy a loop under `#[checkpoint]` keeps of `value` (see [`Kept`]).
pub fn kept<T: ?Sized + Kept>(value: &T) -> T::Copy {
    value.kept_copy()
}

#[cfg(test)]
mod tests {
    use super::{binomial_optimum, reverse};

    #[test]
    fn the_schedule_runs_the_binomial_optimum_and_hands_back_each_state() {
        for steps in 1..=120 {
            for snapshots in 1..=8 {
                let mut next = steps;
                let counts = reverse(
                    0_usize,
                    steps,
                    snapshots,
                    |x, i| {
                        assert_eq!(*x, i);
                        *x += 1;
                    },
                    |x, step| {
                        next -= 1;
                        assert_eq!((step, *x), (next, next));
                    },
                );
                assert_eq!(next, 0);
                assert_eq!(
                    counts.advances,
                    binomial_optimum(steps, snapshots),
                    "{steps} steps, {snapshots} snapshots"
                );
                assert!(counts.most_snapshots <= snapshots);
            }
        }
    }

    #[test]
    fn a_long_loop_in_few_snapshots() {
        let (steps, snapshots) = (200_000, 12);
        let mut reversed = 0;
        let counts = reverse(
            0_u64,
            steps,
            snapshots,
            |x, _| *x += 1,
            |x, step| {
                assert_eq!(*x, step as u64);
                reversed += 1;
            },
        );
        assert_eq!(reversed, steps);
        assert_eq!(counts.advances, binomial_optimum(steps, snapshots));
        assert!(counts.most_snapshots <= snapshots);
        // each step runs forward at most t = 9 times (C(20, 8) < 2·10⁵ ≤ C(21, 9)), where
        // keeping only the initial state would run it up to 2·10⁵ times
        assert!(counts.advances <= 9 * steps as u64);
    }

    #[test]
    fn the_closed_form_is_the_least_over_every_first_split() {
        // p(l, s) = min over l̂ of l̂ + p(l − l̂, s − 1) + p(l̂, s), by dynamic programming
        let (most_steps, most_snapshots) = (60, 6);
        let mut p = vec![vec![0_u64; most_snapshots + 1]; most_steps + 1];
        for l in 2..=most_steps {
            p[l][1] = (l * (l - 1) / 2) as u64;
            for s in 2..=most_snapshots {
                p[l][s] = (1..l)
                    .map(|split| split as u64 + p[l - split][s - 1] + p[split][s])
                    .min()
                    .expect("at least one split");
            }
        }
        for (l, by_snapshots) in p.iter().enumerate().skip(1) {
            for (s, least) in by_snapshots.iter().enumerate().skip(1) {
                assert_eq!(binomial_optimum(l, s), *least, "{l} steps, {s} snapshots");
            }
        }
    }
}
