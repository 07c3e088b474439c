//! 6.1 Adjoint differentiation of ODE solutions: the gradient of a loss of the final state of
//! the double pendulum with respect to its initial state and its lengths, through the solver
//! (the discrete adjoint), by the continuous adjoint, and by finite differences; then a long
//! integration (the heat equation, 10⁴ explicit steps) differentiated by the macro, with and
//! without `#[checkpoint]` on its time loop.

use super::plots::{Figure, Style};
use super::{Checks, Limit};
use matcalc::checkpoint::default_snapshots;
use matcalc::differentiate;
use matcalc::ode::{self, Method};
use std::time::{Duration, Instant};

/// Both masses, kg.
const MASSES: [f64; 2] = [0.1, 0.1];
/// Standard gravity, m/s².
const GRAVITY: f64 = 9.80665;
/// Both lengths, m.
const LENGTHS: [f64; 2] = [1.0, 1.0];
/// u₀ = [θ₁, θ₂, ω₁, ω₂]: both arms raised to 2 rad (115°), at rest.
const U0: [f64; 4] = [2.0, 2.0, 0.0, 0.0];
/// The final time, s.
const T: f64 = 2.0;

/// The double pendulum's equations of motion, u = [θ₁, θ₂, ω₁, ω₂] (angles from the downward
/// vertical), with Δ = θ₁ − θ₂ and D = 2m₁ + m₂ − m₂·cos 2Δ:
/// ω₁' = (−g(2m₁ + m₂) sin θ₁ − m₂g sin(θ₁ − 2θ₂) − 2 sin Δ · m₂(ω₂²l₂ + ω₁²l₁ cos Δ)) / (l₁D),
/// ω₂' = 2 sin Δ · (ω₁²l₁(m₁ + m₂) + g(m₁ + m₂) cos θ₁ + ω₂²l₂m₂ cos Δ) / (l₂D).
#[differentiate]
fn double_pendulum(u: [f64; 4], lengths: [f64; 2]) -> [f64; 4] {
    let (l1, l2) = (lengths[0], lengths[1]);
    let (m1, m2) = (MASSES[0], MASSES[1]);
    let g = GRAVITY;
    let (theta1, theta2, omega1, omega2) = (u[0], u[1], u[2], u[3]);
    let delta = theta1 - theta2;
    let d = 2.0 * m1 + m2 - m2 * (2.0 * delta).cos();
    let alpha1 = (-g * (2.0 * m1 + m2) * theta1.sin()
        - m2 * g * (theta1 - 2.0 * theta2).sin()
        - 2.0 * delta.sin() * m2 * (omega2 * omega2 * l2 + omega1 * omega1 * l1 * delta.cos()))
        / (l1 * d);
    let alpha2 = 2.0
        * delta.sin()
        * (omega1 * omega1 * l1 * (m1 + m2)
            + g * (m1 + m2) * theta1.cos()
            + omega2 * omega2 * l2 * m2 * delta.cos())
        / (l2 * d);
    [omega1, omega2, alpha1, alpha2]
}

/// The RK4 loop written out and differentiated by the macro itself: G = |u(T)|² after `steps`
/// equal steps. Its reverse mode keeps every step on the macro's tape.
#[differentiate(wrt(u0, lengths))]
fn rk4_loss(u0: [f64; 4], lengths: [f64; 2], steps: usize) -> f64 {
    let h = T / steps as f64;
    let mut u = u0;
    for _ in 0..steps {
        let k1 = double_pendulum(u, lengths);
        let mut stage = u;
        for i in 0..4 {
            stage[i] = u[i] + 0.5 * h * k1[i];
        }
        let k2 = double_pendulum(stage, lengths);
        for i in 0..4 {
            stage[i] = u[i] + 0.5 * h * k2[i];
        }
        let k3 = double_pendulum(stage, lengths);
        for i in 0..4 {
            stage[i] = u[i] + h * k3[i];
        }
        let k4 = double_pendulum(stage, lengths);
        for i in 0..4 {
            u[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    let mut total = 0.0;
    for i in 0..4 {
        total += u[i] * u[i];
    }
    total
}

/// The right-hand side f(u, p, t) and its VJP as the ODE module takes them, p the lengths.
fn rhs(u: &[f64; 4], lengths: &[f64; 2], _t: f64) -> [f64; 4] {
    double_pendulum(*u, *lengths)
}

fn rhs_vjp(u: &[f64; 4], lengths: &[f64; 2], _t: f64, lambda: &[f64; 4]) -> ([f64; 4], [f64; 2]) {
    double_pendulum_vjp(*u, *lengths).1(*lambda)
}

fn rhs_jvp(
    u: &[f64; 4],
    lengths: &[f64; 2],
    _t: f64,
    u_dot: &[f64; 4],
    lengths_dot: &[f64; 2],
) -> ([f64; 4], [f64; 4]) {
    double_pendulum_jvp(*u, *lengths, *u_dot, *lengths_dot)
}

/// The sensitivities ∂θ₁(t)/∂l₁ and ∂θ₂(t)/∂l₁ over time, by forward mode through RK4 at a
/// fixed step (0.005 s), drawn as a figure; the last one checked against a central difference
/// of the same solver.
fn sensitivities_over_time(checks: &mut Checks) {
    let times: Vec<f64> = (1..=40).map(|k| 0.05 * f64::from(k)).collect();
    let rk4 = |t: f64| Method::rk4((t / 0.005).round() as usize);
    let along_l1 = ([0.0; 4], [1.0, 0.0]);
    let (mut theta1, mut theta2) = (Vec::new(), Vec::new());
    for &t in &times {
        let (_, u_dot) = ode::solve_jvp(
            rhs,
            rhs_jvp,
            &U0,
            &LENGTHS,
            (0.0, t),
            &rk4(t),
            (&along_l1.0, &along_l1.1),
        )
        .expect("the solve");
        theta1.push(u_dot[0]);
        theta2.push(u_dot[1]);
    }
    let h = 1e-6;
    let theta1_at_t = |l1: f64| {
        ode::solve(rhs, &U0, &[l1, LENGTHS[1]], (0.0, T), &rk4(T))
            .expect("the solve")
            .u[0]
    };
    let central = (theta1_at_t(LENGTHS[0] + h) - theta1_at_t(LENGTHS[0] - h)) / (2.0 * h);
    checks.close(
        "∂θ₁(2)/∂l₁ by forward mode through RK4 vs its central difference",
        &[theta1[theta1.len() - 1]],
        &[central],
        1e-7,
    );
    let along = |values: Vec<f64>| times.iter().copied().zip(values);
    Figure::new(
        "ode_sensitivities.svg",
        "Double pendulum: sensitivity of the angles to the length l₁",
    )
    .labels("t (s)", "∂θᵢ(t)/∂l₁ (rad/m)")
    .series("∂θ₁(t)/∂l₁", Style::Line, along(theta1))
    .series("∂θ₂(t)/∂l₁", Style::Line, along(theta2))
    .save(checks);
}

/// ∇G(u) for G = |u|².
fn loss_gradient(u: &[f64; 4]) -> [f64; 4] {
    u.map(|x| 2.0 * x)
}

/// (∂G/∂u₀, ∂G/∂l) as six numbers.
fn flat(g: &ode::Gradient<[f64; 4], [f64; 2]>) -> [f64; 6] {
    [g.u0[0], g.u0[1], g.u0[2], g.u0[3], g.p[0], g.p[1]]
}

/// (a) the discrete adjoint through the solver, reversing its steps holding 16 states, with its
/// backward pass's statistics.
fn discrete(method: &Method) -> ([f64; 6], ode::Stats) {
    let (solution, pullback) =
        ode::solve_vjp(rhs, rhs_vjp, &U0, &LENGTHS, (0.0, T), method, 16).expect("the solve");
    let g = pullback.pullback(&loss_gradient(&solution.u));
    (flat(&g), g.stats)
}

/// (b) the continuous adjoint with 16 checkpoints, with the forward and backward statistics.
fn continuous(method: &Method) -> ([f64; 6], ode::Stats, ode::Stats) {
    let (solution, pullback) =
        ode::adjoint_vjp(rhs, rhs_vjp, &U0, &LENGTHS, (0.0, T), method, 16).expect("the solve");
    let g = pullback
        .pullback(&loss_gradient(&solution.u))
        .expect("the backward solve");
    (flat(&g), solution.stats, g.stats)
}

/// Central differences of G(u(T)) by `method`, extrapolated (Richardson), along the six
/// coordinates of (u₀, l).
fn finite_differences(method: &Method) -> [f64; 6] {
    let loss = |x: &([f64; 4], [f64; 2])| {
        let u = ode::solve(rhs, &x.0, &x.1, (0.0, T), method)
            .expect("the solve")
            .u;
        u.iter().map(|x| x * x).sum::<f64>()
    };
    core::array::from_fn(|i| {
        let mut e = ([0.0; 4], [0.0; 2]);
        if i < 4 {
            e.0[i] = 1.0;
        } else {
            e.1[i - 4] = 1.0;
        }
        matcalc::check::richardson(loss, &(U0, LENGTHS), &e).0
    })
}

/// The double pendulum (l₁ = l₂ = 1 m, m₁ = m₂ = 0.1 kg, from θ₁ = θ₂ = 2 rad at rest) is
/// chaotic at this energy, so G = |u(2)|² is sensitive to its inputs; both adjoints need only
/// the right-hand side's generated VJP, one per stage, and agree with each other and with
/// finite differences to the tolerance of the integration.
pub(crate) fn adjoint_sensitivities(checks: &mut Checks) {
    sensitivities_over_time(checks);
    let tolerance = 1e-12;
    let method = Method::dp5(tolerance, tolerance);
    let (a, a_stats) = discrete(&method);
    let (b, forward, b_stats) = continuous(&method);
    let fd = finite_differences(&Method::dp5(1e-12, 1e-12));

    checks.note(&format!(
        "G = |u(2)|², DOPRI5 at rtol = atol = {tolerance:.0e}: {} steps forward; (a) runs {} \
         steps forward again on the binomial schedule, (b) takes {} steps backward",
        forward.steps, a_stats.steps, b_stats.steps
    ));
    checks.note(&format!(
        "{:>8}  {:>19}  {:>19}  {:>19}  {:>9}  {:>9}",
        "", "(a) discrete", "(b) continuous", "finite differences", "|a−fd|/|fd|", "|b−fd|/|fd|"
    ));
    let names = ["∂G/∂θ₁", "∂G/∂θ₂", "∂G/∂ω₁", "∂G/∂ω₂", "∂G/∂l₁", "∂G/∂l₂"];
    for i in 0..6 {
        checks.note(&format!(
            "{:>8}  {:>19.12e}  {:>19.12e}  {:>19.12e}  {:>9.1e}  {:>9.1e}",
            names[i],
            a[i],
            b[i],
            fd[i],
            ((a[i] - fd[i]) / fd[i]).abs(),
            ((b[i] - fd[i]) / fd[i]).abs()
        ));
    }
    checks.close(
        "(a) discrete adjoint (DOPRI5) vs finite differences",
        &a,
        &fd,
        1e-9,
    );
    checks.close(
        "(b) continuous adjoint (DOPRI5) vs finite differences",
        &b,
        &fd,
        1e-9,
    );
    checks.close("(a) vs (b), to the integration tolerance", &a, &b, 1e-9);
    checks.bound(
        "(b) stored states / steps (16 checkpoints)",
        b_stats.stored_states as f64,
        forward.steps as f64,
        Limit::Below(0.1),
    );
    checks.note(&format!(
        "stored states: (a) {} (16 snapshots and one step's stages), (b) {} (checkpoints)",
        a_stats.stored_states, b_stats.stored_states
    ));

    // Through a fixed-step solver the discrete adjoint is the exact derivative of a smooth map:
    // the finite differences of that same solver resolve it to their own accuracy, and the
    // macro's reverse mode of the RK4 loop written out computes the same numbers.
    let steps = 400;
    let (rk4, _) = discrete(&Method::rk4(steps));
    checks.close(
        &format!("(a) through RK4 ({steps} steps) vs its finite differences"),
        &rk4,
        &finite_differences(&Method::rk4(steps)),
        1e-9,
    );
    let (_, (u0_bar, lengths_bar)) = rk4_loss_grad(U0, LENGTHS, steps);
    let by_macro = [
        u0_bar[0],
        u0_bar[1],
        u0_bar[2],
        u0_bar[3],
        lengths_bar[0],
        lengths_bar[1],
    ];
    checks.close(
        "macro's reverse mode of the RK4 loop vs (a) through RK4",
        &by_macro,
        &rk4,
        1e-12,
    );

    // The continuous adjoint differentiates the exact solution, the discrete one the computed
    // solution: their difference is an integration error, and vanishes with the tolerance.
    checks.note(&format!(
        "{:>9}  {:>13}  {:>14}  {:>11}",
        "tolerance", "steps forward", "steps backward", "|a−b|/|a|"
    ));
    let mut differences = Vec::new();
    for tolerance in [1e-6, 1e-8, 1e-10, 1e-12] {
        let method = Method::dp5(tolerance, tolerance);
        let (a, _) = discrete(&method);
        let (b, forward, backward) = continuous(&method);
        let difference = super::relative_error(&a, &b);
        checks.note(&format!(
            "{tolerance:>9.0e}  {:>13}  {:>14}  {difference:>11.1e}",
            forward.steps, backward.steps
        ));
        differences.push(difference);
    }
    checks.bound(
        "|a−b| at tolerance 1e-12 / at 1e-6",
        differences[3],
        differences[0],
        Limit::Below(1e-4),
    );

    checkpointed_heat_equation(checks);
}

// ------------------------------------------- a long integration, with and without #[checkpoint]

/// The cells of the rod.
const CELLS: usize = 1_000;
/// The explicit Euler steps.
const HEAT_STEPS: usize = 10_000;
/// c = κ·Δt/Δx², below ½, where explicit Euler for the heat equation turns unstable.
const DIFFUSION: f64 = 0.25;

/// Explicit Euler for the heat equation u' = c·u'' on a rod whose end cells are held fixed (u''
/// the second difference of neighbouring cells, Δt/Δx² folded into c), for `steps` steps:
/// G = ½‖u(T)‖². Its reverse mode records every step: memory grows with steps × cells.
// The copy back is an index loop: the form the macro differentiates.
#[allow(clippy::manual_memcpy)]
#[differentiate(wrt(u0, c))]
fn heat(u0: &[f64], c: f64, steps: usize) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = u0.to_vec();
    for _ in 0..steps {
        for j in 1..n - 1 {
            next[j] = u[j] + c * (u[j - 1] - 2.0 * u[j] + u[j + 1]);
        }
        for j in 1..n - 1 {
            u[j] = next[j];
        }
    }
    0.5 * u.iter().map(|v| v * v).sum::<f64>()
}

/// [`heat`] with `#[checkpoint]` on its time loop: reverse mode keeps the loop's state (u and
/// next) at the snapshots of the binomial schedule, [`default_snapshots`] of the steps, and
/// records one step at a time in the pullback, running the others forward again.
#[allow(clippy::manual_memcpy)]
#[differentiate(wrt(u0, c))]
fn heat_checkpointed(u0: &[f64], c: f64, steps: usize) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = u0.to_vec();
    #[checkpoint]
    for _ in 0..steps {
        for j in 1..n - 1 {
            next[j] = u[j] + c * (u[j - 1] - 2.0 * u[j] + u[j + 1]);
        }
        for j in 1..n - 1 {
            u[j] = next[j];
        }
    }
    0.5 * u.iter().map(|v| v * v).sum::<f64>()
}

/// A gradient computed three times on a thread of its own.
struct Measured {
    /// (∇_{u₀}G, ∂G/∂c).
    gradient: (Vec<f64>, f64),
    /// The median of the three times.
    time: Duration,
    /// The bytes of tape buffers the thread's pool holds after the pullbacks are dropped: on a
    /// fresh thread, the memory the gradient's tapes took.
    tape_bytes: usize,
}

/// Runs `gradient` three times on a fresh thread (so its tape pool starts empty).
fn measure(gradient: impl Fn() -> (f64, (Vec<f64>, f64)) + Sync) -> Measured {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let mut times = Vec::new();
                let mut last = None;
                for _ in 0..3 {
                    let start = Instant::now();
                    let (_, g) = gradient();
                    times.push(start.elapsed());
                    last = Some(g);
                }
                times.sort();
                Measured {
                    gradient: last.expect("three gradients"),
                    time: times[1],
                    tape_bytes: matcalc::__private::pooled_bytes(),
                }
            })
            .join()
            .expect("the gradient's thread")
    })
}

/// A rod with a smooth initial temperature that is not an eigenmode of the scheme.
fn rod() -> Vec<f64> {
    (0..CELLS)
        .map(|j| {
            let x = j as f64 / (CELLS - 1) as f64;
            (std::f64::consts::PI * x).sin() + 0.3 * (5.0 * x).cos()
        })
        .collect()
}

/// The heat equation on 1,000 cells for 10⁴ explicit Euler steps, G = ½‖u(T)‖²: its gradient
/// with respect to u₀ and c by the macro's reverse mode, recording every step, and with
/// `#[checkpoint]` on the time loop, which keeps √(2·steps) states and recomputes the others.
/// The recomputed steps run the very code of the recorded ones, so the gradients are equal bit
/// for bit; what changes is the memory.
fn checkpointed_heat_equation(checks: &mut Checks) {
    let u0 = rod();
    let recorded = measure(|| heat_grad(&u0, DIFFUSION, HEAT_STEPS));
    let checkpointed = measure(|| heat_checkpointed_grad(&u0, DIFFUSION, HEAT_STEPS));
    let snapshots = default_snapshots(HEAT_STEPS);
    // each snapshot is the loop's state: u and next
    let snapshot_bytes = snapshots * 2 * CELLS * size_of::<f64>();
    let megabytes = |bytes: usize| bytes as f64 / 1e6;
    checks.note(&format!(
        "heat equation u' = c·u'', explicit Euler, {CELLS} cells × {HEAT_STEPS} steps: ∇G of \
         G = ½‖u(T)‖² with respect to (u₀, c)"
    ));
    checks.note(&format!(
        "{:>24}  {:>22}  {:>12}",
        "", "gradient (median of 3)", "tape memory"
    ));
    checks.note(&format!(
        "{:>24}  {:>22.1?}  {:>9.1} MB",
        "every step recorded",
        recorded.time,
        megabytes(recorded.tape_bytes)
    ));
    checks.note(&format!(
        "{:>24}  {:>22.1?}  {:>9.3} MB, and {snapshots} snapshots of the state: {:.1} MB",
        "#[checkpoint]",
        checkpointed.time,
        megabytes(checkpointed.tape_bytes),
        megabytes(snapshot_bytes)
    ));
    checks.close(
        "∇G with #[checkpoint] vs recorded, bit for bit",
        &checkpointed.gradient,
        &recorded.gradient,
        0.0,
    );
    let h = 1e-6;
    let central =
        (heat(&u0, DIFFUSION + h, HEAT_STEPS) - heat(&u0, DIFFUSION - h, HEAT_STEPS)) / (2.0 * h);
    checks.close(
        "∂G/∂c with #[checkpoint] vs its central difference",
        &checkpointed.gradient.1,
        &central,
        1e-7,
    );
    checks.bound(
        "tape memory with #[checkpoint] / recorded",
        (checkpointed.tape_bytes + snapshot_bytes) as f64,
        recorded.tape_bytes as f64,
        Limit::Below(0.05),
    );
}
