//! Solutions of ordinary differential equations and their derivatives (lecture 6.1 of the
//! course: adjoint differentiation of ODE solutions).
//!
//! The problem is u' = f(u, p, t), u(t₀) = u₀, and a loss G(u(T)) of the final state. Its
//! gradient with respect to u₀ and p comes two ways here, both from the right-hand side's
//! reverse mode (the `f_vjp` that `#[differentiate]` writes), never from a Jacobian matrix:
//!
//! - **Through the solver** ([`solve_vjp`], and [`solve_jvp`] for forward mode): the discrete
//!   adjoint of the Runge–Kutta scheme, built stage by stage from the same VJPs. It is the
//!   exact derivative of the computed solution (with the step sizes of an adaptive run held
//!   fixed), so it agrees with finite differences of the solver to their own accuracy, whatever
//!   the tolerance.
//! - **By the continuous adjoint** ([`adjoint_vjp`]): the adjoint ODE
//!
//!   ```text
//!   λ' = −(∂f/∂u)ᵀλ,   λ(T) = ∇G(u(T)),        μ' = −(∂f/∂p)ᵀλ,   μ(T) = 0,
//!   ```
//!
//!   integrated backward from T to t₀ gives ∇_{u₀}G = λ(t₀) and ∇_p G = μ(t₀) = ∫ (∂f/∂p)ᵀλ dt
//!   (Pontryagin; Chen, Rubanova, Bettencourt, Duvenaud, "Neural Ordinary Differential
//!   Equations", NeurIPS 2018, Algorithm 1; Rackauckas' notes for 18.337/18.S096, "Adjoints of
//!   ODEs"). It is the derivative of the exact solution, computed to the tolerance of the
//!   backward integration, and converges to the discrete adjoint as tolerances tighten.
//!
//! Both take the right-hand side as closures, which callers build from the generated
//! functions. For `#[differentiate(wrt(u, p))] fn f(u: [f64; 4], p: [f64; 2], t: f64) -> [f64; 4]`:
//!
//! ```text
//! let rhs = |u: &[f64; 4], p: &[f64; 2], t: f64| f(*u, *p, t);
//! let rhs_vjp = |u: &[f64; 4], p: &[f64; 2], t: f64, λ: &[f64; 4]| f_vjp(*u, *p, t).1(*λ);
//! let rhs_jvp = |u: &[f64; 4], p: &[f64; 2], t: f64, du: &[f64; 4], dp: &[f64; 2]| {
//!     f_jvp(*u, *p, t, *du, *dp)
//! };
//! ```
//!
//! States and parameters are any [`Tangent`] of one float type (`f64`, `Vec<f64>`, `[f64; N]`,
//! nalgebra vectors, tuples and `Differentiable` structs of those); a problem without
//! parameters takes `[f64; 0]`. The right-hand side must be a pure function of its arguments:
//! the backward passes re-evaluate it.
//!
//! # Integrators
//!
//! [`Method::Rk4`] is the classical fourth-order Runge–Kutta scheme with equal steps;
//! [`Method::Dp5`] is the Dormand–Prince 5(4) pair ("DOPRI5") with the step size control of
//! Hairer, Nørsett and Wanner (*Solving Ordinary Differential Equations I*, §II.4): a step is
//! accepted when the RMS norm of its error estimate, each component scaled by
//! `atol + rtol·|uᵢ|`, is at most 1.
//!
//! # The discrete adjoint of a Runge–Kutta step
//!
//! A step from (t, u) with size h has stage states Uᵢ = u + h·Σⱼ aᵢⱼkⱼ, slopes
//! kᵢ = f(Uᵢ, p, t + cᵢh) and result u⁺ = u + h·Σᵢ bᵢkᵢ. Its pullback, with ū⁺ the adjoint
//! of u⁺, walks the stages backwards (Hager, "Runge–Kutta methods in optimal control and the
//! transformed adjoint system", Numer. Math. 87, 2000; Sandu, "On the properties of Runge–Kutta
//! discrete adjoints", ICCS 2006):
//!
//! ```text
//! k̄ᵢ = h·bᵢ·ū⁺ + h·Σⱼ₍ⱼ>ᵢ₎ aⱼᵢ·Ūⱼ,    (Ūᵢ, p̄ᵢ) = (∂f/∂u, ∂f/∂p)(Uᵢ)ᵀ k̄ᵢ,
//! ū = ū⁺ + Σᵢ Ūᵢ,                    p̄ += Σᵢ p̄ᵢ,
//! ```
//!
//! one VJP of f per stage. The forward mode is the same recurrence forwards:
//! U̇ᵢ = u̇ + h·Σⱼ aᵢⱼk̇ⱼ, k̇ᵢ = f'(Uᵢ)[U̇ᵢ, ṗ], u̇⁺ = u̇ + h·Σᵢ bᵢk̇ᵢ.
//!
//! With adaptive steps, the step sizes are treated as constants: the derivative is that of the
//! map the accepted steps compute. The step sizes themselves depend (weakly, through the error
//! estimate) on u₀ and p; that dependence is of the order of the tolerance and not
//! differentiated, as in discrete-adjoint ODE codes such as FATODE (Zhang & Sandu, SIAM J. Sci.
//! Comput. 36(5), 2014).
//!
//! # Memory: checkpoints
//!
//! Neither reverse mode keeps the trajectory:
//!
//! - [`solve_vjp`]'s forward run keeps u₀ and, per accepted step, its start time and size: two
//!   scalars, enough to run the step again bit for bit (the step size control is not run
//!   again). Its pullback reverses the N steps on the binomial schedule of
//!   [`checkpoint::reverse`](crate::checkpoint::reverse) (Griewank and Walther's `revolve`),
//!   holding at most `checkpoints` states at once and running
//!   [`binomial_optimum`](crate::checkpoint::binomial_optimum)`(N, checkpoints)` steps forward
//!   again, the fewest any schedule with that many states can: at most t·N for the least t
//!   with C(checkpoints + t, t) ≥ N, so 100 states reverse 10⁵ steps running at most 3·10⁵.
//!   `checkpoints = 0` chooses [`default_snapshots`](crate::checkpoint::default_snapshots)`(N)`
//!   (about √(2N)), with which no step runs forward more than twice. Peak storage: those
//!   states plus the stage states of the step being reversed.
//! - [`adjoint_vjp`] keeps `checkpoints + 1` states (those at the first step boundaries at or
//!   after the times t₀ + k·(T − t₀)/checkpoints) and integrates the augmented state (u, λ, μ)
//!   backward over each segment, recovering u(t) by integrating the forward equation backward
//!   in time from the checkpoint at the segment's end, and resets u to the stored checkpoint
//!   at each segment boundary so that the error of the backward u-integration does not
//!   accumulate. Peak storage: `checkpoints + 1` states plus the stages of one step of the
//!   augmented system, independent of the number of steps. (This is Chen et al.'s backward
//!   solve with the checkpoint corrections of Rackauckas et al., "Universal Differential
//!   Equations for Scientific Machine Learning", 2020, `BacksolveAdjoint(checkpointing =
//!   true)`.) Its backward steps are not the forward ones, and it reads each checkpoint once,
//!   so there is nothing for a schedule of recomputations to reverse.
//!
//! [`Stats::stored_states`] reports the peak.
//!
//! # Limitations
//!
//! - Explicit schemes only: stiff problems need an implicit integrator (and its adjoint).
//! - Losses of the final state only: a running cost ∫g(u, p, t) dt or observations at
//!   intermediate times need a quadrature term in μ' or jumps in λ; split the span at the
//!   observation times and chain the pullbacks meanwhile.
//! - The discrete adjoint of an adaptive run ignores the dependence of the step sizes on
//!   (u₀, p) (above); finite differences of an adaptive solver see it as noise of the size of
//!   the tolerance.
//! - The continuous adjoint integrates u backward within each segment, which loses accuracy
//!   on strongly dissipative (stiff) dynamics; use more checkpoints or the discrete adjoint.
//!
//! # Example
//!
//! Decay u' = −k·u from u(0) = u₀: u(T) = u₀e^(−kT), so for G = u(T)² the gradient is
//! ∂G/∂u₀ = 2u₀e^(−2kT) and ∂G/∂k = −2Tu₀²e^(−2kT).
//!
//! ```
//! use matcalc_runtime::checkpoint;
//! use matcalc_runtime::ode::{self, Method};
//!
//! let rhs = |u: &f64, k: &f64, _t: f64| -k * u;
//! // (∂f/∂u)ᵀλ and (∂f/∂k)ᵀλ; with #[differentiate], `decay_vjp(*u, *k, t).1(*λ)`
//! let rhs_vjp = |u: &f64, k: &f64, _t: f64, λ: &f64| (-k * λ, -u * λ);
//! let (u0, k, t): (f64, f64, f64) = (1.5, 0.7, 2.0);
//! let exact = (2.0 * u0 * (-2.0 * k * t).exp(), -2.0 * t * u0 * u0 * (-2.0 * k * t).exp());
//!
//! // through the solver: 200 RK4 steps, reversed holding 8 states
//! let (solution, pullback) =
//!     ode::solve_vjp(rhs, rhs_vjp, &u0, &k, (0.0, t), &Method::rk4(200), 8).unwrap();
//! let gradient = pullback.pullback(&(2.0 * solution.u));
//! assert!((gradient.u0 - exact.0).abs() < 1e-9 && (gradient.p - exact.1).abs() < 1e-9);
//! assert_eq!(gradient.stats.steps as u64, checkpoint::binomial_optimum(200, 8));
//!
//! // the continuous adjoint, adaptive both ways
//! let method = Method::dp5(1e-10, 1e-12);
//! let (solution, pullback) = ode::adjoint_vjp(rhs, rhs_vjp, &u0, &k, (0.0, t), &method, 8).unwrap();
//! let gradient = pullback.pullback(&(2.0 * solution.u)).unwrap();
//! assert!((gradient.u0 - exact.0).abs() < 1e-9 && (gradient.p - exact.1).abs() < 1e-9);
//! assert!(gradient.stats.stored_states <= 9);
//! ```

mod continuous;
mod discrete;
mod integrate;
mod tableau;

pub use continuous::{AdjointPullback, adjoint_vjp};
pub use discrete::{DiscretePullback, solve_jvp, solve_vjp};

use crate::value::Tangent;
use core::fmt;
use integrate::{Accepted, Cursor, Stop};

/// The step size control of an adaptive method.
///
/// ```
/// use matcalc_runtime::ode::Tolerances;
/// let tolerances = Tolerances::new(1e-8, 1e-10);
/// assert_eq!((tolerances.rtol, tolerances.atol, tolerances.max_steps), (1e-8, 1e-10, 100_000));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerances {
    /// The relative tolerance: a step's error in each component is held below
    /// `atol + rtol·|uᵢ|` (in the RMS norm over components).
    pub rtol: f64,
    /// The absolute tolerance.
    pub atol: f64,
    /// The most steps (accepted ones) a run, or one checkpoint segment of a backward pass, may
    /// take before it fails with [`Error::TooManySteps`].
    pub max_steps: usize,
    /// The first step size; chosen automatically (HNW I, §II.4) when `None`.
    pub initial_step: Option<f64>,
}

impl Tolerances {
    /// `rtol` and `atol`, at most 100 000 steps, an automatic first step.
    ///
    /// ```
    /// use matcalc_runtime::ode::Tolerances;
    /// let tolerances = Tolerances { max_steps: 1_000, ..Tolerances::new(1e-8, 1e-10) };
    /// assert_eq!((tolerances.rtol, tolerances.atol), (1e-8, 1e-10));
    /// assert_eq!(tolerances.initial_step, None);
    /// ```
    pub fn new(rtol: f64, atol: f64) -> Self {
        Tolerances {
            rtol,
            atol,
            max_steps: 100_000,
            initial_step: None,
        }
    }
}

/// An explicit Runge–Kutta integrator and how it chooses its steps.
///
/// ```
/// use matcalc_runtime::ode::{self, Method};
/// // u' = u from u(0) = 1: u(1) = e
/// let rhs = |u: &f64, _: &f64, _t: f64| *u;
/// for method in [Method::rk4(100), Method::dp5(1e-10, 1e-12)] {
///     let solution = ode::solve(rhs, &1.0, &0.0, (0.0, 1.0), &method).unwrap();
///     assert!((solution.u - 1f64.exp()).abs() < 1e-9);
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    /// The classical fourth-order Runge–Kutta scheme with `steps` equal steps.
    Rk4 {
        /// The number of steps.
        steps: usize,
    },
    /// The Dormand–Prince 5(4) pair with adaptive steps.
    Dp5(Tolerances),
}

impl Method {
    /// [`Method::Rk4`] with `steps` equal steps.
    ///
    /// ```
    /// use matcalc_runtime::ode::Method;
    /// assert_eq!(Method::rk4(100), Method::Rk4 { steps: 100 });
    /// ```
    pub fn rk4(steps: usize) -> Self {
        Method::Rk4 { steps }
    }

    /// [`Method::Dp5`] with [`Tolerances::new`]`(rtol, atol)`.
    ///
    /// ```
    /// use matcalc_runtime::ode::{Method, Tolerances};
    /// assert_eq!(Method::dp5(1e-8, 1e-10), Method::Dp5(Tolerances::new(1e-8, 1e-10)));
    /// ```
    pub fn dp5(rtol: f64, atol: f64) -> Self {
        Method::Dp5(Tolerances::new(rtol, atol))
    }
}

/// What a run cost.
///
/// ```
/// use matcalc_runtime::ode::{self, Method};
/// let rhs = |u: &f64, _: &(), _t: f64| -u;
/// let stats = ode::solve(rhs, &1.0, &(), (0.0, 1.0), &Method::rk4(10)).unwrap().stats;
/// // four evaluations per RK4 step, and only the current state held
/// assert_eq!((stats.steps, stats.evaluations, stats.stored_states), (10, 40, 1));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Accepted steps; in the pullback of [`solve_vjp`], the steps run forward again to recover
    /// the states the adjoint needs.
    pub steps: usize,
    /// Rejected steps (adaptive methods).
    pub rejected: usize,
    /// Evaluations of the right-hand side.
    pub evaluations: usize,
    /// Evaluations of its derivative (`rhs_jvp` or `rhs_vjp`).
    pub derivatives: usize,
    /// The most states held at once: the checkpoints or snapshots, and in the pullback of
    /// [`solve_vjp`] the stage states of the step being reversed.
    pub stored_states: usize,
}

/// The state at the end of a run.
///
/// ```
/// use matcalc_runtime::ode::{self, Method};
/// let rhs = |u: &f64, _: &(), _t: f64| -u;
/// let solution = ode::solve(rhs, &1.0, &(), (0.0, 1.0), &Method::dp5(1e-9, 1e-9)).unwrap();
/// assert_eq!(solution.t, 1.0);
/// assert!((solution.u - (-1f64).exp()).abs() < 1e-9);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Solution<U: Tangent> {
    /// The final time.
    pub t: U::Scalar,
    /// The state there.
    pub u: U,
    /// What the run cost.
    pub stats: Stats,
}

/// The gradient of a loss of the final state: the adjoints of the initial state and of the
/// parameters, from the adjoint of the final state.
///
/// ```
/// use matcalc_runtime::ode::{self, Method};
/// // u' = p: u(T) = u₀ + pT, so ū ↦ (ū, Tū)
/// let rhs = |_: &f64, p: &f64, _t: f64| *p;
/// let rhs_vjp = |_: &f64, _: &f64, _t: f64, l: &f64| (0.0, *l);
/// let (_, pullback) = ode::solve_vjp(rhs, rhs_vjp, &1.0, &0.5, (0.0, 3.0), &Method::rk4(3), 1).unwrap();
/// let gradient = pullback.pullback(&2.0);
/// assert_eq!((gradient.u0, gradient.p), (2.0, 6.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Gradient<U, P> {
    /// The adjoint of u₀ (λ(t₀) for the continuous adjoint).
    pub u0: U,
    /// The adjoint of p (μ(t₀) for the continuous adjoint).
    pub p: P,
    /// What the backward pass cost.
    pub stats: Stats,
}

/// Why a run failed.
///
/// ```
/// use matcalc_runtime::ode::{self, Error, Method};
/// // u' = u² from 1 blows up at t = 1
/// let rhs = |u: &f64, _: &(), _t: f64| u * u;
/// let error = ode::solve(rhs, &1.0, &(), (0.0, 2.0), &Method::dp5(1e-8, 1e-8)).unwrap_err();
/// assert!(matches!(error, Error::StepSizeTooSmall { t, .. } if (t - 1.0).abs() < 1e-3));
/// println!("{error}");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The step size control shrank the step below the resolution of time at `t` (a
    /// singularity, a NaN in the right-hand side, or a tolerance too tight for the precision).
    StepSizeTooSmall {
        /// The time reached.
        t: f64,
        /// The step that was too small.
        h: f64,
    },
    /// The run needed more than [`Tolerances::max_steps`] steps.
    TooManySteps {
        /// The time reached.
        t: f64,
        /// The limit.
        max_steps: usize,
    },
    /// An argument out of range: what is wrong with it.
    InvalidInput(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::StepSizeTooSmall { t, h } => write!(f, "step size {h:e} too small at t = {t}"),
            Error::TooManySteps { t, max_steps } => {
                write!(f, "more than {max_steps} steps needed, stopped at t = {t}")
            }
            Error::InvalidInput(what) => write!(f, "invalid input: {what}"),
        }
    }
}

impl std::error::Error for Error {}

/// Integrates u' = f(u, p, t) from `u0` over `span = (t₀, T)` (T < t₀ integrates backward) and
/// returns the final state.
///
/// # Errors
///
/// [`Error::InvalidInput`] for zero RK4 steps, negative tolerances or a non-finite span; the
/// adaptive method's [`Error::StepSizeTooSmall`] and [`Error::TooManySteps`].
///
/// ```
/// use matcalc_runtime::ode::{self, Method};
/// // the harmonic oscillator x'' = −x from (1, 0): (cos t, −sin t)
/// let rhs = |u: &[f64; 2], _: &(), _t: f64| [u[1], -u[0]];
/// let solution = ode::solve(rhs, &[1.0, 0.0], &(), (0.0, 3.0), &Method::dp5(1e-9, 1e-9)).unwrap();
/// assert!((solution.u[0] - 3f64.cos()).abs() < 1e-7);
/// assert!(solution.stats.rejected < solution.stats.steps);
/// ```
pub fn solve<U, P>(
    rhs: impl Fn(&U, &P, U::Scalar) -> U,
    u0: &U,
    p: &P,
    span: (U::Scalar, U::Scalar),
    method: &Method,
) -> Result<Solution<U>, Error>
where
    U: Tangent,
{
    let (cursor, mut stats) = forward_run(&rhs, u0, p, span, method, &mut |_| {})?;
    stats.stored_states = 1;
    Ok(Solution {
        t: cursor.t,
        u: cursor.y,
        stats,
    })
}

/// Integrates over the whole span from `u0`, calling `observe` after every accepted step:
/// the cursor at the end and what the run cost (its `stored_states` left to the caller).
fn forward_run<U, P>(
    rhs: &impl Fn(&U, &P, U::Scalar) -> U,
    u0: &U,
    p: &P,
    span: (U::Scalar, U::Scalar),
    method: &Method,
    observe: &mut impl FnMut(Accepted<'_, U, U::Scalar>),
) -> Result<(Cursor<U, U::Scalar>, Stats), Error>
where
    U: Tangent,
{
    let (tableau, control) = integrate::scheme(method, span)?;
    let mut stats = Stats::default();
    let mut f = |u: &U, t: U::Scalar| rhs(u, p, t);
    let mut cursor = integrate::start(
        tableau,
        &control,
        &mut f,
        u0.clone(),
        span.0,
        span.1,
        &mut stats,
    );
    integrate::advance(
        tableau,
        &control,
        &mut f,
        &mut cursor,
        full_run(method, span),
        &mut stats,
        observe,
    )?;
    Ok((cursor, stats))
}

/// Where a forward run over the whole span stops.
fn full_run<S: Copy>(method: &Method, span: (S, S)) -> Stop<S> {
    Stop {
        t_end: span.1,
        step: match *method {
            Method::Rk4 { steps } => Some(steps),
            Method::Dp5(_) => None,
        },
    }
}
