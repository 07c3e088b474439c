//! Adjoint sensitivities of an ODE solution through the facade (issue 5, lecture 6.1): the
//! double pendulum, its right-hand side an annotated function, and the gradient of
//! G = |u(2)|² with respect to the initial state and the two lengths, by
//! (a) the discrete adjoint through the solver, (b) the continuous adjoint, and finite
//! differences; and an annotated RK4 loop differentiated by the macro itself.

use matcalc::check::{self, Config};
use matcalc::differentiate;
use matcalc::ode::{self, Method};

/// Both masses, in kg.
const MASSES: [f64; 2] = [0.1, 0.1];
/// Standard gravity, m/s².
const GRAVITY: f64 = 9.80665;
/// Both lengths, in m.
const LENGTHS: [f64; 2] = [1.0, 1.0];
/// u₀ = [θ₁, θ₂, ω₁, ω₂]: both arms raised to 2 rad, at rest.
const U0: [f64; 4] = [2.0, 2.0, 0.0, 0.0];
const T: f64 = 2.0;

/// The double pendulum: point masses m₁, m₂ ([`MASSES`]) on massless rods of lengths l₁, l₂,
/// angles θ₁, θ₂ from the downward vertical, u = [θ₁, θ₂, ω₁, ω₂], autonomous (the ODE module's
/// time argument is dropped by the closures). The equations of motion from the Lagrangian
/// (e.g. Neumann, myPhysicsLab "Double Pendulum"), with Δ = θ₁ − θ₂ and
/// D = 2m₁ + m₂ − m₂·cos 2Δ:
///
/// ```text
/// ω₁' = (−g(2m₁ + m₂) sin θ₁ − m₂g sin(θ₁ − 2θ₂) − 2 sin Δ · m₂(ω₂²l₂ + ω₁²l₁ cos Δ)) / (l₁D)
/// ω₂' = 2 sin Δ · (ω₁²l₁(m₁ + m₂) + g(m₁ + m₂) cos θ₁ + ω₂²l₂m₂ cos Δ) / (l₂D)
/// ```
///
/// The masses and g are constants rather than inactive parameters (`wrt(u, lengths)`): a call
/// from another annotated function (the RK4 loop below) passes a tangent for every float
/// parameter of the callee, active or not.
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

/// The total energy T + V, conserved by the motion.
fn energy(u: &[f64; 4], lengths: &[f64; 2]) -> f64 {
    let ([l1, l2], [m1, m2]) = (*lengths, MASSES);
    let [theta1, theta2, omega1, omega2] = *u;
    let kinetic = 0.5 * (m1 + m2) * l1 * l1 * omega1 * omega1
        + 0.5 * m2 * l2 * l2 * omega2 * omega2
        + m2 * l1 * l2 * omega1 * omega2 * (theta1 - theta2).cos();
    let potential = -(m1 + m2) * GRAVITY * l1 * theta1.cos() - m2 * GRAVITY * l2 * theta2.cos();
    kinetic + potential
}

/// The closures the ODE module takes, from the generated functions.
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
    du: &[f64; 4],
    dl: &[f64; 2],
) -> ([f64; 4], [f64; 4]) {
    double_pendulum_jvp(*u, *lengths, *du, *dl)
}

/// G = |u|².
fn loss(u: &[f64; 4]) -> f64 {
    u.iter().map(|x| x * x).sum()
}

/// ∇G = 2u.
fn loss_gradient(u: &[f64; 4]) -> [f64; 4] {
    u.map(|x| 2.0 * x)
}

/// The gradient (∂G/∂u₀, ∂G/∂l) flattened to six numbers.
type Gradient6 = [f64; 6];

fn flat(g: &ode::Gradient<[f64; 4], [f64; 2]>) -> Gradient6 {
    [g.u0[0], g.u0[1], g.u0[2], g.u0[3], g.p[0], g.p[1]]
}

/// (a) through the solver.
fn discrete(method: &Method) -> (Gradient6, ode::Stats) {
    let (solution, pullback) =
        ode::solve_vjp(rhs, rhs_vjp, &U0, &LENGTHS, (0.0, T), method, 16).unwrap();
    let g = pullback.pullback(&loss_gradient(&solution.u));
    (flat(&g), g.stats)
}

/// (b) by the continuous adjoint.
fn continuous(method: &Method, checkpoints: usize) -> (Gradient6, ode::Stats) {
    let (solution, pullback) =
        ode::adjoint_vjp(rhs, rhs_vjp, &U0, &LENGTHS, (0.0, T), method, checkpoints).unwrap();
    let g = pullback.pullback(&loss_gradient(&solution.u)).unwrap();
    (flat(&g), g.stats)
}

/// Central differences with Richardson extrapolation of G(u(T)) computed by `method`, along
/// each of the six coordinates of (u₀, l).
fn finite_differences(method: &Method) -> Gradient6 {
    let g =
        |x: &([f64; 4], [f64; 2])| loss(&ode::solve(rhs, &x.0, &x.1, (0.0, T), method).unwrap().u);
    core::array::from_fn(|i| {
        let mut e = ([0.0; 4], [0.0; 2]);
        if i < 4 {
            e.0[i] = 1.0;
        } else {
            e.1[i - 4] = 1.0;
        }
        check::richardson(g, &(U0, LENGTHS), &e).0
    })
}

fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>().sqrt();
    let d = norm(&mut a.iter().zip(b).map(|(a, b)| a - b));
    d / norm(&mut a.iter().copied()).max(norm(&mut b.iter().copied()))
}

#[test]
fn the_right_hand_side_conserves_energy_and_its_derivatives_check() {
    let solution = ode::solve(rhs, &U0, &LENGTHS, (0.0, T), &Method::dp5(1e-12, 1e-12)).unwrap();
    let (e0, e1) = (energy(&U0, &LENGTHS), energy(&solution.u, &LENGTHS));
    assert!(((e1 - e0) / e0).abs() < 1e-9, "{e0} → {e1}");

    let u = [2.0, 1.3, -0.7, 1.9];
    let x = (u, [1.1, 0.8]);
    check::all(
        |x: &([f64; 4], [f64; 2])| rhs(&x.0, &x.1, 0.0),
        |x: &([f64; 4], [f64; 2]), d: &([f64; 4], [f64; 2])| rhs_jvp(&x.0, &x.1, 0.0, &d.0, &d.1),
        |x: &([f64; 4], [f64; 2]), y_bar: &[f64; 4]| rhs_vjp(&x.0, &x.1, 0.0, y_bar),
        &x,
        &Config::for_jvp::<f64>(),
        &Config::for_dot_product::<f64>(),
    )
    .unwrap();
}

/// (a) and (b) agree with each other to the integrator tolerance, and with central differences
/// of the solver (Richardson) to about the same.
#[test]
fn pendulum_gradients_agree_by_both_adjoints_and_finite_differences() {
    let method = Method::dp5(1e-10, 1e-10);
    let (a, a_stats) = discrete(&method);
    let (b, b_stats) = continuous(&method, 16);
    let fd = finite_differences(&Method::dp5(1e-12, 1e-12));
    eprintln!("(a) {a:?} {a_stats:?}\n(b) {b:?} {b_stats:?}\nfd  {fd:?}");
    let (ab, a_fd, b_fd) = (
        relative_error(&a, &b),
        relative_error(&a, &fd),
        relative_error(&b, &fd),
    );
    eprintln!("|a − b| {ab:.1e}, |a − fd| {a_fd:.1e}, |b − fd| {b_fd:.1e}");
    assert!(ab < 1e-7, "{ab:e}");
    assert!(a_fd < 1e-7, "{a_fd:e}");
    assert!(b_fd < 1e-7, "{b_fd:e}");
    assert!(b_stats.stored_states <= 17);
    // (a) holds its 16 snapshots and the six stage states of the DOPRI5 step being reversed
    assert_eq!(a_stats.stored_states, 16 + 6);
}

/// As the tolerance tightens, the continuous adjoint converges to the discrete one.
#[test]
fn pendulum_continuous_adjoint_converges_to_the_discrete_one() {
    let errors: Vec<f64> = [1e-6, 1e-8, 1e-10, 1e-12]
        .iter()
        .map(|&tol| {
            let method = Method::dp5(tol, tol);
            relative_error(&discrete(&method).0, &continuous(&method, 16).0)
        })
        .collect();
    eprintln!("{errors:?}");
    for w in errors.windows(2) {
        assert!(w[1] < w[0] / 10.0, "{errors:?}");
    }
}

/// With fixed RK4 steps the discrete adjoint is the exact derivative of a smooth map, which the
/// finite differences of the same solver resolve to their own accuracy.
#[test]
fn pendulum_rk4_discrete_adjoint_matches_finite_differences_of_the_solver() {
    let method = Method::rk4(400);
    let (a, _) = discrete(&method);
    let fd = finite_differences(&method);
    let error = relative_error(&a, &fd);
    eprintln!("{a:?}\n{fd:?}\n{error:e}");
    assert!(error < 1e-9, "{error:e}");
}

/// The same RK4 loop written as an annotated function, differentiated by the macro: its reverse
/// mode records every step on the macro's tape, and gives the discrete adjoint of
/// [`ode::solve_vjp`] to rounding.
#[differentiate(wrt(u0, lengths))]
fn rk4_loss(u0: [f64; 4], lengths: [f64; 2], t_end: f64, steps: usize) -> f64 {
    let h = t_end / steps as f64;
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

#[test]
fn an_annotated_rk4_loop_gives_the_discrete_adjoint() {
    let steps = 200;
    let (value, (u0_bar, lengths_bar)) = rk4_loss_grad(U0, LENGTHS, T, steps);
    let (solution, pullback) = ode::solve_vjp(
        rhs,
        rhs_vjp,
        &U0,
        &LENGTHS,
        (0.0, T),
        &Method::rk4(steps),
        8,
    )
    .unwrap();
    assert!((value - loss(&solution.u)).abs() < 1e-12 * value);
    let g = pullback.pullback(&loss_gradient(&solution.u));
    let by_macro = [
        u0_bar[0],
        u0_bar[1],
        u0_bar[2],
        u0_bar[3],
        lengths_bar[0],
        lengths_bar[1],
    ];
    let error = relative_error(&by_macro, &flat(&g));
    assert!(error < 1e-12, "{by_macro:?} vs {:?}: {error:e}", flat(&g));
}
