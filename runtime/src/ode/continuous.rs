//! The continuous adjoint: the adjoint ODE integrated backward, with checkpoints.

use super::integrate::{self, Control, Cursor, Stop};
use super::{Error, Gradient, Method, Solution, Stats, forward_run};
use crate::value::{Real, Tangent};
use num_traits::{One, Zero};

/// Integrates u' = f(u, p, t) like [`solve`](super::solve) and returns, with the solution, the
/// pullback of the map (u₀, p) ↦ u(T) by the continuous adjoint method.
///
/// The pullback integrates the augmented system
///
/// ```text
/// u' = f(u, p, t),   λ' = −(∂f/∂u)ᵀλ,   μ' = −(∂f/∂p)ᵀλ
/// ```
///
/// backward from (u(T), ū, 0) at T to t₀ with the same method (and tolerances, which then
/// control the error in all of u, λ and μ), segment by segment between the `checkpoints + 1`
/// states the forward run kept: u restarts from the stored state at each segment's end, so
/// the backward reconstruction of u errs only within one segment. ∇_{u₀}G = λ(t₀),
/// ∇_p G = μ(t₀). One evaluation of `rhs` and one of `rhs_vjp` per stage; memory independent
/// of the number of steps (see the [module documentation](super)).
///
/// With [`Method::Rk4`], the backward pass takes the forward grid's steps in reverse. The
/// result is the derivative of the exact solution to the accuracy of the backward
/// integration, not of the computed one: it differs from [`solve_vjp`](super::solve_vjp) by
/// the integration error and converges to it as the tolerance tightens (or the steps shrink).
///
/// Integrating u backward in time is as (un)stable as the forward problem is reversible: fine
/// for conservative and mildly dissipative systems, poor for stiff decay, where more
/// checkpoints (shorter segments) help, or where [`solve_vjp`](super::solve_vjp) serves better.
///
/// # Errors
///
/// Those of [`solve`](super::solve), and [`Error::InvalidInput`] for zero checkpoints.
///
/// ```
/// use matcalc_runtime::ode::{self, Method};
/// // the harmonic oscillator u = (x, v), x'' = −ω²x, with p = ω
/// let rhs = |u: &Vec<f64>, w: &f64, _t: f64| vec![u[1], -w * w * u[0]];
/// let rhs_vjp = |u: &Vec<f64>, w: &f64, _t: f64, l: &Vec<f64>| {
///     (vec![-w * w * l[1], l[0]], -2.0 * w * u[0] * l[1])
/// };
/// let method = Method::dp5(1e-11, 1e-11);
/// let (_, pullback) =
///     ode::adjoint_vjp(rhs, rhs_vjp, &vec![1.0, 0.0], &2.0, (0.0, 1.0), &method, 4).unwrap();
/// // x(t) = cos ωt: ∂x(1)/∂x₀ = cos ω, ∂x(1)/∂ω = −sin ω
/// let gradient = pullback.pullback(&vec![1.0, 0.0]).unwrap();
/// assert!((gradient.u0[0] - 2f64.cos()).abs() < 1e-9);
/// assert!((gradient.p + 2f64.sin()).abs() < 1e-9);
/// ```
#[allow(
    clippy::type_complexity,
    reason = "the (value, pullback) pair of a VJP"
)]
pub fn adjoint_vjp<U, P, R, V>(
    rhs: R,
    rhs_vjp: V,
    u0: &U,
    p: &P,
    span: (U::Scalar, U::Scalar),
    method: &Method,
    checkpoints: usize,
) -> Result<(Solution<U>, AdjointPullback<U, P, R, V>), Error>
where
    U: Tangent,
    P: Tangent<Scalar = U::Scalar>,
    R: Fn(&U, &P, U::Scalar) -> U,
    V: Fn(&U, &P, U::Scalar, &U) -> (U, P),
{
    let (stored, stats) = checkpointed_run(&rhs, u0, p, span, method, checkpoints)?;
    let last = stored.last().expect("the initial state is stored");
    let solution = Solution {
        t: last.t,
        u: last.y.clone(),
        stats,
    };
    Ok((
        solution,
        AdjointPullback {
            rhs,
            rhs_vjp,
            p: p.clone(),
            span,
            method: *method,
            checkpoints: stored,
        },
    ))
}

/// The pullback of (u₀, p) ↦ u(T) by the continuous adjoint, from [`adjoint_vjp`]. It holds
/// the checkpoints of the forward run and can be called many times.
///
/// ```
/// use matcalc_runtime::ode::{self, Method};
/// // u' = −k·u
/// let rhs = |u: &f64, k: &f64, _t: f64| -k * u;
/// let rhs_vjp = |u: &f64, k: &f64, _t: f64, l: &f64| (-k * l, -u * l);
/// let method = Method::dp5(1e-12, 1e-12);
/// let (solution, pullback) = ode::adjoint_vjp(rhs, rhs_vjp, &1.0, &0.5, (0.0, 2.0), &method, 4).unwrap();
/// let gradient = pullback.pullback(&1.0).unwrap();
/// // ∂u(T)/∂u₀ = e^(−kT), and only the checkpoints are stored, however many steps were taken
/// assert!((gradient.u0 - (-1f64).exp()).abs() < 1e-10);
/// assert_eq!(gradient.stats.stored_states, pullback.checkpoints());
/// assert!(pullback.checkpoints() <= 5 && solution.stats.steps > 20);
/// ```
pub struct AdjointPullback<U: Tangent, P, R, V> {
    rhs: R,
    rhs_vjp: V,
    p: P,
    span: (U::Scalar, U::Scalar),
    method: Method,
    checkpoints: Checkpoints<U>,
}

impl<U, P, R, V> AdjointPullback<U, P, R, V>
where
    U: Tangent,
    P: Tangent<Scalar = U::Scalar>,
    R: Fn(&U, &P, U::Scalar) -> U,
    V: Fn(&U, &P, U::Scalar, &U) -> (U, P),
{
    /// The adjoints of u₀ and p, λ(t₀) and μ(t₀), from the adjoint `u_bar` of u(T) (for a loss
    /// G, ∇G(u(T))).
    ///
    /// # Errors
    ///
    /// The backward integration's [`Error::StepSizeTooSmall`] and [`Error::TooManySteps`].
    pub fn pullback(&self, u_bar: &U) -> Result<Gradient<U, P>, Error> {
        let (tableau, control) = integrate::scheme(&self.method, self.span)?;
        let p = &self.p;
        let one = <U::Scalar as One>::one();
        let mut derivatives = 0;
        // The augmented right-hand side (f, −(∂f/∂u)ᵀλ, −(∂f/∂p)ᵀλ).
        let mut f = |y: &(U, U, P), t: U::Scalar| {
            let (u, lambda, _) = y;
            let (mut lambda_dot, mut mu_dot) = (self.rhs_vjp)(u, p, t, lambda);
            derivatives += 1;
            lambda_dot.scale(-one);
            mu_dot.scale(-one);
            ((self.rhs)(u, p, t), lambda_dot, mu_dot)
        };
        let mut stats = Stats {
            stored_states: self.checkpoints.len(),
            ..Stats::default()
        };
        let mut lambda = u_bar.clone();
        let mut mu = p.zero_like();
        let mut h = None;
        for segment in self.checkpoints.windows(2).rev() {
            let (from, to) = (&segment[0], &segment[1]);
            let y = (to.y.clone(), lambda, mu);
            let mut cursor = match (&control, h) {
                (Control::Fixed { .. }, _) => Cursor::at(to.t, y, to.h, to.step),
                (Control::Adaptive { .. }, Some(h)) => Cursor::at(to.t, y, h, 0),
                // the first backward step is chosen for the whole backward span
                (Control::Adaptive { .. }, None) => {
                    integrate::start(tableau, &control, &mut f, y, to.t, self.span.0, &mut stats)
                }
            };
            let stop = Stop {
                t_end: from.t,
                step: Some(from.step).filter(|_| matches!(control, Control::Fixed { .. })),
            };
            integrate::advance(
                tableau,
                &control,
                &mut f,
                &mut cursor,
                stop,
                &mut stats,
                &mut |_| {},
            )?;
            h = Some(cursor.h);
            (_, lambda, mu) = cursor.y;
        }
        stats.derivatives = derivatives;
        Ok(Gradient {
            u0: lambda,
            p: mu,
            stats,
        })
    }

    /// The number of states the forward run kept.
    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }
}

/// The states a forward run keeps, with the step size it proposed next at each.
type Checkpoints<U> = Vec<Cursor<U, <U as Tangent>::Scalar>>;

/// A forward run that keeps the states at the first step boundaries at or after
/// t₀ + k·(T − t₀)/segments, k = 0..=segments (the last one the final state). The backward
/// pass reads only the time and step count of the first.
fn checkpointed_run<U, P>(
    rhs: &impl Fn(&U, &P, U::Scalar) -> U,
    u0: &U,
    p: &P,
    span: (U::Scalar, U::Scalar),
    method: &Method,
    segments: usize,
) -> Result<(Checkpoints<U>, Stats), Error>
where
    U: Tangent,
{
    if segments == 0 {
        return Err(Error::InvalidInput(
            "at least one checkpoint segment is needed",
        ));
    }
    let (t0, t1) = span;
    let mut checkpoints = vec![Cursor::at(t0, u0.clone(), Zero::zero(), 0)];
    let mark = |k: usize| {
        t0 + (t1 - t0) * <U::Scalar as Real>::from_f64(k as f64)
            / <U::Scalar as Real>::from_f64(segments as f64)
    };
    let mut next = 1;
    let (_, mut stats) = forward_run(rhs, u0, p, span, method, &mut |step| {
        let t = step.after.t;
        let reached = |k: usize| k < segments && (t - mark(k)) * (t1 - t0) >= Zero::zero();
        if t == t1 || reached(next) {
            while reached(next) {
                next += 1;
            }
            let after = step.after;
            checkpoints.push(Cursor::at(after.t, after.y.clone(), after.h, after.step));
        }
    })?;
    stats.stored_states = checkpoints.len();
    Ok((checkpoints, stats))
}
