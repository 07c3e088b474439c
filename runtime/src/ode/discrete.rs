//! Derivatives through the solver: the tangent and the adjoint of the Runge–Kutta scheme, stage
//! by stage, with the step sizes of the forward run.

use super::integrate;
use super::tableau::{self, Tableau, combine};
use super::{Error, Gradient, Method, Solution, Stats, forward_run};
use crate::checkpoint::{self, default_snapshots};
use crate::value::{Real, Tangent};
use num_traits::One;

/// Integrates u' = f(u, p, t) like [`solve`](super::solve) and carries the tangent u̇ of the
/// solution along (forward mode through the solver): returns the solution and
/// u̇(T) = (∂u(T)/∂u₀)·u̇₀ + (∂u(T)/∂p)·ṗ for `tangent = (u̇₀, ṗ)`.
///
/// `rhs_jvp(u, p, t, u̇, ṗ)` returns `(f(u, p, t), f'(u, p, t)[u̇, ṗ])`, the shape of a generated
/// `f_jvp`. Each accepted step applies U̇ᵢ = u̇ + h·Σⱼ aᵢⱼk̇ⱼ, k̇ᵢ = f'(Uᵢ)[U̇ᵢ, ṗ],
/// u̇⁺ = u̇ + h·Σᵢ bᵢk̇ᵢ, with the step sizes the step size control chose for the solution.
/// It is the exact derivative of the map the accepted steps compute, and the transpose of
/// [`solve_vjp`]'s pullback (the dot-product test holds to rounding).
///
/// # Errors
///
/// Those of [`solve`](super::solve).
///
/// ```
/// use matcalc_runtime::ode::{self, Method};
/// // u' = −k·u: ∂u(T)/∂k = −T·u(T)
/// let rhs = |u: &f64, k: &f64, _t: f64| -k * u;
/// let rhs_jvp = |u: &f64, k: &f64, _t: f64, du: &f64, dk: &f64| (-k * u, -k * du - dk * u);
/// let (solution, u_dot) =
///     ode::solve_jvp(rhs, rhs_jvp, &1.0, &0.5, (0.0, 2.0), &Method::rk4(100), (&0.0, &1.0))
///         .unwrap();
/// assert!((u_dot + 2.0 * solution.u).abs() < 1e-8);
/// ```
pub fn solve_jvp<U, P>(
    rhs: impl Fn(&U, &P, U::Scalar) -> U,
    rhs_jvp: impl Fn(&U, &P, U::Scalar, &U, &P) -> (U, U),
    u0: &U,
    p: &P,
    span: (U::Scalar, U::Scalar),
    method: &Method,
    tangent: (&U, &P),
) -> Result<(Solution<U>, U), Error>
where
    U: Tangent,
    P: Tangent<Scalar = U::Scalar>,
{
    let (u0_dot, p_dot) = tangent;
    let (tableau, _) = integrate::scheme(method, span)?;
    let mut u_dot = u0_dot.clone();
    let mut derivatives = 0;
    let (cursor, mut stats) = forward_run(&rhs, u0, p, span, method, &mut |step| {
        let stages = tableau.solution_stages();
        let (mut k, mut k_dot) = (Vec::with_capacity(stages), Vec::with_capacity(stages));
        for i in 0..stages {
            let state = tableau.stage_state(i, step.y, step.h, &k);
            let state_dot = tableau.stage_state(i, &u_dot, step.h, &k_dot);
            let time = tableau.stage_time(i, step.t, step.h);
            let (slope, slope_dot) = rhs_jvp(&state, p, time, &state_dot, p_dot);
            derivatives += 1;
            k.push(slope);
            k_dot.push(slope_dot);
        }
        u_dot = combine(&u_dot, step.h, tableau.b, &k_dot);
    })?;
    stats.derivatives = derivatives;
    stats.stored_states = 1;
    Ok((
        Solution {
            t: cursor.t,
            u: cursor.y,
            stats,
        },
        u_dot,
    ))
}

/// Integrates u' = f(u, p, t) like [`solve`](super::solve) and returns, with the solution, the
/// pullback of the map (u₀, p) ↦ u(T) through the solver: the discrete adjoint of the
/// Runge–Kutta scheme (see the [module documentation](super)).
///
/// `rhs_vjp(u, p, t, λ)` returns `((∂f/∂u)ᵀλ, (∂f/∂p)ᵀλ)`, which for a generated `f_vjp` is
/// `f_vjp(u, p, t).1(λ)`. The forward run keeps u₀ and the start time and size of each
/// accepted step; the pullback reverses the steps on the binomial schedule of
/// [`checkpoint::reverse`] holding at most `checkpoints` states at once (its snapshots, u₀
/// included), running steps forward again from them as needed:
/// [`binomial_optimum`](checkpoint::binomial_optimum)`(steps, checkpoints)` steps, the fewest
/// any schedule with that many snapshots needs. `checkpoints = 0` chooses
/// [`default_snapshots`]`(steps)`, about √(2·steps), with which no step runs forward more than
/// twice in the pullback (an adaptive run's number of steps is known only after it). The
/// gradient does not depend on `checkpoints`, bit for bit.
///
/// # Errors
///
/// Those of [`solve`](super::solve).
///
/// ```
/// use matcalc_runtime::ode::{self, Method};
/// // the harmonic oscillator u = (x, v), x'' = −ω²x, with p = ω
/// let rhs = |u: &Vec<f64>, w: &f64, _t: f64| vec![u[1], -w * w * u[0]];
/// let rhs_vjp = |u: &Vec<f64>, w: &f64, _t: f64, l: &Vec<f64>| {
///     (vec![-w * w * l[1], l[0]], -2.0 * w * u[0] * l[1])
/// };
/// let (solution, pullback) =
///     ode::solve_vjp(rhs, rhs_vjp, &vec![1.0, 0.0], &2.0, (0.0, 1.0), &Method::dp5(1e-12, 1e-12), 4)
///         .unwrap();
/// // x(t) = cos ωt: ∂x(1)/∂x₀ = cos ω, ∂x(1)/∂ω = −sin ω
/// let gradient = pullback.pullback(&vec![1.0, 0.0]);
/// assert!((solution.u[0] - 2f64.cos()).abs() < 1e-10);
/// assert!((gradient.u0[0] - 2f64.cos()).abs() < 1e-10);
/// assert!((gradient.p + 2f64.sin()).abs() < 1e-10);
/// ```
#[allow(
    clippy::type_complexity,
    reason = "the (value, pullback) pair of a VJP"
)]
pub fn solve_vjp<U, P, R, V>(
    rhs: R,
    rhs_vjp: V,
    u0: &U,
    p: &P,
    span: (U::Scalar, U::Scalar),
    method: &Method,
    checkpoints: usize,
) -> Result<(Solution<U>, DiscretePullback<U, P, R, V>), Error>
where
    U: Tangent,
    P: Tangent<Scalar = U::Scalar>,
    R: Fn(&U, &P, U::Scalar) -> U,
    V: Fn(&U, &P, U::Scalar, &U) -> (U, P),
{
    let (tableau, _) = integrate::scheme(method, span)?;
    let mut steps = Vec::new();
    let (cursor, mut stats) = forward_run(&rhs, u0, p, span, method, &mut |step| {
        steps.push((step.t, step.h));
    })?;
    // u₀, kept for the pullback, and the current state
    stats.stored_states = 2;
    let snapshots = if checkpoints == 0 {
        default_snapshots(steps.len())
    } else {
        checkpoints
    };
    let solution = Solution {
        t: cursor.t,
        u: cursor.y,
        stats,
    };
    Ok((
        solution,
        DiscretePullback {
            rhs,
            rhs_vjp,
            p: p.clone(),
            u0: u0.clone(),
            tableau,
            steps,
            snapshots,
        },
    ))
}

/// The pullback of (u₀, p) ↦ u(T) through the solver, from [`solve_vjp`]. It holds u₀ and
/// the start time and size of each step of the forward run, and can be called many times.
///
/// ```
/// use matcalc_runtime::checkpoint::binomial_optimum;
/// use matcalc_runtime::ode::{self, Method};
/// // u' = −k·u
/// let rhs = |u: &f64, k: &f64, _t: f64| -k * u;
/// let rhs_vjp = |u: &f64, k: &f64, _t: f64, l: &f64| (-k * l, -u * l);
/// let (_, pullback) =
///     ode::solve_vjp(rhs, rhs_vjp, &1.0, &0.5, (0.0, 2.0), &Method::rk4(1000), 10).unwrap();
/// assert_eq!(pullback.checkpoints(), 10);
/// // linear in the adjoint of u(T)
/// let (one, three) = (pullback.pullback(&1.0), pullback.pullback(&3.0));
/// assert!((three.u0 - 3.0 * one.u0).abs() < 1e-14);
/// // 1000 steps reversed holding 10 states and the 4 stages of the step being reversed,
/// // running no step forward more than 4 times (C(10 + 4, 4) ≥ 1000)
/// assert_eq!(one.stats.stored_states, 10 + 4);
/// assert_eq!(one.stats.steps as u64, binomial_optimum(1000, 10));
/// assert!(one.stats.steps <= 4 * 1000);
/// ```
pub struct DiscretePullback<U: Tangent, P, R, V> {
    rhs: R,
    rhs_vjp: V,
    p: P,
    u0: U,
    tableau: &'static Tableau,
    /// The start time and size of each accepted step of the forward run.
    steps: Vec<(U::Scalar, U::Scalar)>,
    /// The most states the pullback holds at once.
    snapshots: usize,
}

impl<U, P, R, V> DiscretePullback<U, P, R, V>
where
    U: Tangent,
    P: Tangent<Scalar = U::Scalar>,
    R: Fn(&U, &P, U::Scalar) -> U,
    V: Fn(&U, &P, U::Scalar, &U) -> (U, P),
{
    /// The adjoints of u₀ and p from the adjoint `u_bar` of u(T) (for a loss G, ∇G(u(T))).
    ///
    /// Reverses the steps on the binomial schedule from u₀: each step is run forward again
    /// from the nearest kept state with its recorded time and size (the very arithmetic of the
    /// forward run, so the same states bit for bit), and reversed by the adjoint of the step
    /// (see the [module documentation](super)). In the gradient's [`Stats`], `steps` counts the
    /// steps run forward again and `stored_states` the snapshots plus the stage states of the
    /// step being reversed.
    pub fn pullback(&self, u_bar: &U) -> Gradient<U, P> {
        let (rhs, p, tableau) = (&self.rhs, &self.p, self.tableau);
        let mut f = |u: &U, t: U::Scalar| rhs(u, p, t);
        let mut replay_evaluations = 0;
        let mut stats = Stats::default();
        let (mut u_bar, mut p_bar) = (u_bar.clone(), p.zero_like());
        let counts = checkpoint::reverse(
            self.u0.clone(),
            self.steps.len(),
            self.snapshots,
            |u, i| {
                let (t, h) = self.steps[i];
                *u = tableau::solution(tableau, &mut f, u, t, h, &mut replay_evaluations);
            },
            |u, i| {
                let (t, h) = self.steps[i];
                step_adjoint(
                    tableau,
                    rhs,
                    &self.rhs_vjp,
                    p,
                    t,
                    h,
                    u,
                    &mut u_bar,
                    &mut p_bar,
                    &mut stats,
                );
            },
        );
        stats.steps = usize::try_from(counts.advances).unwrap_or(usize::MAX);
        stats.evaluations += replay_evaluations;
        if !self.steps.is_empty() {
            stats.stored_states = counts.most_snapshots + tableau.solution_stages();
        }
        Gradient {
            u0: u_bar,
            p: p_bar,
            stats,
        }
    }

    /// The most states the pullback holds at once (its snapshots, u₀ included): the
    /// `checkpoints` given to [`solve_vjp`], or the default it chose for the steps taken.
    pub fn checkpoints(&self) -> usize {
        self.snapshots
    }
}

/// The adjoint of one step from (t, u) of size h: replaces ū⁺ by ū and adds to p̄.
#[allow(clippy::too_many_arguments)]
fn step_adjoint<U, P>(
    tableau: &Tableau,
    rhs: &impl Fn(&U, &P, U::Scalar) -> U,
    rhs_vjp: &impl Fn(&U, &P, U::Scalar, &U) -> (U, P),
    p: &P,
    t: U::Scalar,
    h: U::Scalar,
    u: &U,
    u_bar: &mut U,
    p_bar: &mut P,
    stats: &mut Stats,
) where
    U: Tangent,
    P: Tangent<Scalar = U::Scalar>,
{
    let s = tableau.solution_stages();
    // The stage states Uᵢ again (the slope of the last one is not needed).
    let mut states = Vec::with_capacity(s);
    let mut k = Vec::with_capacity(s);
    for i in 0..s {
        states.push(tableau.stage_state(i, u, h, &k));
        if i + 1 < s {
            k.push(rhs(&states[i], p, tableau.stage_time(i, t, h)));
            stats.evaluations += 1;
        }
    }
    // k̄ᵢ = h·bᵢ·ū⁺, then the later stages' contributions h·aⱼᵢ·Ūⱼ as they are reached.
    let mut k_bar: Vec<U> = tableau.b[..s]
        .iter()
        .map(|&b| {
            let mut k_bar = u_bar.clone();
            k_bar.scale(h * <U::Scalar as Real>::from_f64(b));
            k_bar
        })
        .collect();
    let one = <U::Scalar as One>::one();
    for i in (0..s).rev() {
        let (state_bar, stage_p_bar) =
            rhs_vjp(&states[i], p, tableau.stage_time(i, t, h), &k_bar[i]);
        stats.derivatives += 1;
        p_bar.axpy(one, &stage_p_bar);
        for (j, &a) in tableau.a[i].iter().enumerate() {
            if a != 0.0 {
                k_bar[j].axpy(h * <U::Scalar as Real>::from_f64(a), &state_bar);
            }
        }
        u_bar.axpy(one, &state_bar);
    }
}
