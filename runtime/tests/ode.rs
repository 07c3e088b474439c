//! Tests of `matcalc_runtime::ode`: the orders of RK4 and DOPRI5 on problems with known
//! solutions, step size control meeting its tolerances, derivatives through the solver against
//! finite differences and each other (the dot-product test), the continuous adjoint converging
//! to the discrete one, and checkpointing keeping memory independent of the number of steps
//! (the discrete adjoint on the binomial schedule).

// The state types are the closures' `&U`, so with `U = Vec<f64>` they take `&Vec<f64>`.
#![allow(clippy::ptr_arg)]

use matcalc_runtime::check::{self, Config};
use matcalc_runtime::checkpoint::{binomial_optimum, default_snapshots};
use matcalc_runtime::ode::{self, Error, Method, Tolerances};
use nalgebra::DVector;

// ---------------------------------------------------------------------------------- problems

/// u' = −u.
fn decay(u: &f64, _: &(), _t: f64) -> f64 {
    -u
}

/// The harmonic oscillator x'' = −x as u = (x, v).
fn oscillator(u: &[f64; 2], _: &(), _t: f64) -> [f64; 2] {
    [u[1], -u[0]]
}

/// Lotka–Volterra, u = (prey, predators), p = (α, β, γ, δ):
/// x' = αx − βxy, y' = δxy − γy. Nonlinear in u and in p.
fn lotka_volterra(u: &Vec<f64>, p: &Vec<f64>, _t: f64) -> Vec<f64> {
    let (x, y) = (u[0], u[1]);
    vec![p[0] * x - p[1] * x * y, p[3] * x * y - p[2] * y]
}

fn lotka_volterra_jvp(
    u: &Vec<f64>,
    p: &Vec<f64>,
    t: f64,
    du: &Vec<f64>,
    dp: &Vec<f64>,
) -> (Vec<f64>, Vec<f64>) {
    let (x, y) = (u[0], u[1]);
    let (dx, dy) = (du[0], du[1]);
    let dx_dot = dp[0] * x + p[0] * dx - dp[1] * x * y - p[1] * (dx * y + x * dy);
    let dy_dot = dp[3] * x * y + p[3] * (dx * y + x * dy) - dp[2] * y - p[2] * dy;
    (lotka_volterra(u, p, t), vec![dx_dot, dy_dot])
}

/// ((∂f/∂u)ᵀλ, (∂f/∂p)ᵀλ).
fn lotka_volterra_vjp(u: &Vec<f64>, p: &Vec<f64>, _t: f64, l: &Vec<f64>) -> (Vec<f64>, Vec<f64>) {
    let (x, y) = (u[0], u[1]);
    let u_bar = vec![
        (p[0] - p[1] * y) * l[0] + p[3] * y * l[1],
        -p[1] * x * l[0] + (p[3] * x - p[2]) * l[1],
    ];
    let p_bar = vec![x * l[0], -x * y * l[0], -y * l[1], x * y * l[1]];
    (u_bar, p_bar)
}

/// A time-dependent problem with a DVector state: u' = −p₀·u + sin(p₁·t)·(1, 2, 3).
fn forced(u: &DVector<f64>, p: &DVector<f64>, t: f64) -> DVector<f64> {
    let s = (p[1] * t).sin();
    u * -p[0] + DVector::from_vec(vec![s, 2.0 * s, 3.0 * s])
}

fn forced_vjp(
    u: &DVector<f64>,
    p: &DVector<f64>,
    t: f64,
    l: &DVector<f64>,
) -> (DVector<f64>, DVector<f64>) {
    let c = (p[1] * t).cos() * t;
    let weights = DVector::from_vec(vec![1.0, 2.0, 3.0]);
    (
        l * -p[0],
        DVector::from_vec(vec![-u.dot(l), c * weights.dot(l)]),
    )
}

/// A point (u₀, p) of Lotka–Volterra.
type Point = (Vec<f64>, Vec<f64>);
/// u(T) and its tangent.
type ValueAndTangent = (Vec<f64>, Vec<f64>);

const LV_U0: [f64; 2] = [1.0, 0.5];
const LV_P: [f64; 4] = [1.5, 1.0, 3.0, 1.0];
const LV_T: f64 = 3.0;

fn lv_u0() -> Vec<f64> {
    LV_U0.to_vec()
}

fn lv_p() -> Vec<f64> {
    LV_P.to_vec()
}

/// The final state of Lotka–Volterra from x = (u₀, p).
fn lv_final(x: &Point, method: &Method) -> Vec<f64> {
    ode::solve(lotka_volterra, &x.0, &x.1, (0.0, LV_T), method)
        .unwrap()
        .u
}

/// log₂ of successive error ratios when the step count doubles.
fn observed_orders(errors: &[f64]) -> Vec<f64> {
    errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect()
}

fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>().sqrt();
    let d = norm(&mut a.iter().zip(b).map(|(a, b)| a - b));
    d / norm(&mut a.iter().copied()).max(norm(&mut b.iter().copied()))
}

// ------------------------------------------------------------------------ orders of accuracy

#[test]
fn rk4_converges_at_fourth_order() {
    let steps = [10, 20, 40, 80, 160];
    let decay_errors: Vec<f64> = steps
        .iter()
        .map(|&n| {
            (ode::solve(decay, &1.0, &(), (0.0, 2.0), &Method::rk4(n))
                .unwrap()
                .u
                - (-2f64).exp())
            .abs()
        })
        .collect();
    let oscillator_errors: Vec<f64> = steps
        .iter()
        .map(|&n| {
            let u = ode::solve(oscillator, &[1.0, 0.0], &(), (0.0, 5.0), &Method::rk4(n))
                .unwrap()
                .u;
            relative_error(&u, &[5f64.cos(), -5f64.sin()])
        })
        .collect();
    for errors in [decay_errors, oscillator_errors] {
        for order in observed_orders(&errors) {
            assert!((order - 4.0).abs() < 0.15, "order {order} from {errors:?}");
        }
    }
}

#[test]
fn rk4_fixed_steps_count_evaluations_and_run_backward() {
    let solution = ode::solve(decay, &1.0, &(), (0.0, 1.0), &Method::rk4(50)).unwrap();
    assert_eq!(
        (solution.stats.steps, solution.stats.evaluations),
        (50, 200)
    );
    assert_eq!(solution.t, 1.0);
    // backward in time from u(1) = e⁻¹ recovers u(0) = 1
    let back = ode::solve(decay, &(-1f64).exp(), &(), (1.0, 0.0), &Method::rk4(50)).unwrap();
    assert!((back.u - 1.0).abs() < 2e-9 && back.t == 0.0);
}

/// DOPRI5 propagates the fifth-order solution: as the tolerance tightens, the global error falls
/// as N⁻⁵ in the number of steps N (the controller holds the error per step near the
/// tolerance, with h ∝ tol^(1/5)).
#[test]
fn dp5_converges_at_fifth_order() {
    let tolerances = [1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10];
    for (name, exact, run) in [
        (
            "decay",
            vec![(-10f64).exp()],
            Box::new(|tol: f64| {
                let s = ode::solve(decay, &1.0, &(), (0.0, 10.0), &Method::dp5(tol, tol)).unwrap();
                (vec![s.u], s.stats.steps)
            }) as Box<dyn Fn(f64) -> (Vec<f64>, usize)>,
        ),
        (
            "oscillator",
            vec![20f64.cos(), -20f64.sin()],
            Box::new(|tol: f64| {
                let s = ode::solve(
                    oscillator,
                    &[1.0, 0.0],
                    &(),
                    (0.0, 20.0),
                    &Method::dp5(tol, tol),
                )
                .unwrap();
                (s.u.to_vec(), s.stats.steps)
            }),
        ),
    ] {
        let (log_steps, log_errors): (Vec<f64>, Vec<f64>) = tolerances
            .iter()
            .map(|&tol| {
                let (u, steps) = run(tol);
                let error: f64 = u
                    .iter()
                    .zip(&exact)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max);
                ((steps as f64).ln(), error.ln())
            })
            .unzip();
        // least-squares slope of log(error) against log(steps)
        let n = log_steps.len() as f64;
        let (mx, my) = (
            log_steps.iter().sum::<f64>() / n,
            log_errors.iter().sum::<f64>() / n,
        );
        let sxy: f64 = log_steps
            .iter()
            .zip(&log_errors)
            .map(|(x, y)| (x - mx) * (y - my))
            .sum();
        let sxx: f64 = log_steps.iter().map(|x| (x - mx) * (x - mx)).sum();
        let slope = sxy / sxx;
        assert!((slope + 5.0).abs() < 0.6, "{name}: error ∝ N^{slope:.2}");
    }
}

/// The global error stays within a small multiple of the tolerance (the per-step error is held
/// below it; the global error is their propagated sum), and falls in proportion to it.
#[test]
fn dp5_step_control_meets_tolerances() {
    let exact = [10f64.cos(), -10f64.sin()];
    let mut previous = f64::INFINITY;
    for tol in [1e-4, 1e-6, 1e-8, 1e-10] {
        let s = ode::solve(
            oscillator,
            &[1.0, 0.0],
            &(),
            (0.0, 10.0),
            &Method::dp5(tol, tol),
        )
        .unwrap();
        let error =
            s.u.iter()
                .zip(&exact)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
        assert!(error < 10.0 * tol, "tol {tol:e}: error {error:e}");
        assert!(
            error < previous / 10.0,
            "tol {tol:e}: error {error:e} after {previous:e}"
        );
        previous = error;
    }
    // atol alone governs a state that decays to far below it ...
    let s = ode::solve(decay, &1.0, &(), (0.0, 40.0), &Method::dp5(0.0, 1e-8)).unwrap();
    assert!((s.u - (-40f64).exp()).abs() < 1e-7);
    // ... and rtol alone follows it all the way down, to relative accuracy
    let s = ode::solve(decay, &1.0, &(), (0.0, 40.0), &Method::dp5(1e-8, 0.0)).unwrap();
    assert!(((s.u - (-40f64).exp()) / (-40f64).exp()).abs() < 1e-6);
}

#[test]
fn dp5_rejects_steps_where_the_solution_changes_fast() {
    // u' = −50(u − cos t): a fast transient the first steps must resolve
    let rhs = |u: &f64, _: &(), t: f64| -50.0 * (u - t.cos());
    let s = ode::solve(
        rhs,
        &5.0,
        &(),
        (0.0, 1.0),
        &Method::Dp5(Tolerances {
            initial_step: Some(0.5),
            ..Tolerances::new(1e-6, 1e-6)
        }),
    )
    .unwrap();
    assert!(s.stats.rejected > 0, "{:?}", s.stats);
    assert_eq!(s.t, 1.0);
}

#[test]
fn errors_are_reported_not_panicked() {
    let invalid = |r: Result<ode::Solution<f64>, Error>| matches!(r, Err(Error::InvalidInput(_)));
    assert!(invalid(ode::solve(
        decay,
        &1.0,
        &(),
        (0.0, 1.0),
        &Method::rk4(0)
    )));
    assert!(invalid(ode::solve(
        decay,
        &1.0,
        &(),
        (0.0, 1.0),
        &Method::dp5(-1.0, 1e-6)
    )));
    assert!(invalid(ode::solve(
        decay,
        &1.0,
        &(),
        (0.0, f64::NAN),
        &Method::dp5(1e-6, 1e-6)
    )));
    let zero_segments = ode::adjoint_vjp(
        |u: &f64, _: &f64, _t: f64| -u,
        |_: &f64, _: &f64, _t: f64, l: &f64| (-l, 0.0),
        &1.0,
        &0.0,
        (0.0, 1.0),
        &Method::rk4(4),
        0,
    );
    assert!(matches!(zero_segments, Err(Error::InvalidInput(_))));

    // u' = u² from 1 blows up at t = 1
    let blow_up = |u: &f64, _: &(), _t: f64| u * u;
    let r = ode::solve(blow_up, &1.0, &(), (0.0, 2.0), &Method::dp5(1e-8, 1e-8));
    assert!(
        matches!(r, Err(Error::StepSizeTooSmall { t, .. } | Error::TooManySteps { t, .. }) if (t - 1.0).abs() < 1e-3),
        "{r:?}"
    );
    let few = Method::Dp5(Tolerances {
        max_steps: 10,
        ..Tolerances::new(1e-10, 1e-10)
    });
    let r = ode::solve(oscillator, &[1.0, 0.0], &(), (0.0, 100.0), &few);
    assert!(
        matches!(r, Err(Error::TooManySteps { max_steps: 10, .. })),
        "{r:?}"
    );
    // an empty span is the identity
    let s = ode::solve(decay, &2.0, &(), (1.0, 1.0), &Method::dp5(1e-8, 1e-8)).unwrap();
    assert_eq!((s.u, s.stats.steps), (2.0, 0));
}

// ------------------------------------------------------------- derivatives through the solver

/// The JVP and the VJP through the solver as the functions of x = (u₀, p) that the checks take.
fn lv_jvp(method: Method) -> impl Fn(&Point, &Point) -> ValueAndTangent {
    move |x, dx| {
        let (s, u_dot) = ode::solve_jvp(
            lotka_volterra,
            lotka_volterra_jvp,
            &x.0,
            &x.1,
            (0.0, LV_T),
            &method,
            (&dx.0, &dx.1),
        )
        .unwrap();
        (s.u, u_dot)
    }
}

fn lv_vjp(method: Method, checkpoints: usize) -> impl Fn(&Point, &Vec<f64>) -> Point {
    move |x, u_bar| {
        let (_, pullback) = ode::solve_vjp(
            lotka_volterra,
            lotka_volterra_vjp,
            &x.0,
            &x.1,
            (0.0, LV_T),
            &method,
            checkpoints,
        )
        .unwrap();
        let g = pullback.pullback(u_bar);
        (g.u0, g.p)
    }
}

/// Fixed steps make the solver a smooth function of (u₀, p): its forward mode matches finite
/// differences of the solver to their accuracy (not just to the integration error).
#[test]
fn rk4_tangent_matches_finite_differences() {
    let method = Method::rk4(60);
    let report = check::jvp(
        |x| lv_final(x, &method),
        lv_jvp(method),
        &(lv_u0(), lv_p()),
        &Config::for_jvp::<f64>(),
    )
    .unwrap();
    assert!(report.max_rel_error < 1e-8, "{report:?}");
}

/// The discrete adjoint is the transpose of the discrete tangent: ⟨ȳ, J·ẋ⟩ = ⟨Jᵀȳ, ẋ⟩ to
/// rounding, for fixed steps and for the adaptive method (whose step sizes both hold fixed).
#[test]
fn discrete_adjoint_passes_the_dot_product_test() {
    for (method, checkpoints) in [
        (Method::rk4(37), 1),
        (Method::rk4(37), 5),
        (Method::dp5(1e-6, 1e-6), 4),
    ] {
        let report = check::dot_product(
            lv_jvp(method),
            lv_vjp(method, checkpoints),
            &(lv_u0(), lv_p()),
            &Config::for_dot_product::<f64>().directions(5),
        )
        .unwrap();
        assert!(report.max_rel_error < 1e-12, "{method:?}: {report:?}");
    }
}

/// The gradient of G = |u(T)|² by the discrete adjoint against central differences of the same
/// solver, along each coordinate of (u₀, p).
#[test]
fn discrete_adjoint_matches_finite_differences() {
    let x = (lv_u0(), lv_p());
    for (method, tolerance) in [(Method::rk4(200), 1e-8), (Method::dp5(1e-11, 1e-11), 1e-6)] {
        let loss = |x: &Point| lv_final(x, &method).iter().map(|u| u * u).sum::<f64>();
        let u_t = lv_final(&x, &method);
        let (u0_bar, p_bar) = lv_vjp(method, 4)(&x, &u_t.iter().map(|u| 2.0 * u).collect());
        let gradient: Vec<f64> = u0_bar.iter().chain(&p_bar).copied().collect();
        let fd: Vec<f64> = (0..6)
            .map(|i| {
                let mut e = (vec![0.0; 2], vec![0.0; 4]);
                if i < 2 {
                    e.0[i] = 1.0
                } else {
                    e.1[i - 2] = 1.0
                }
                check::richardson(loss, &x, &e).0
            })
            .collect();
        let error = relative_error(&gradient, &fd);
        assert!(
            error < tolerance,
            "{method:?}: {gradient:?} vs {fd:?}: {error:e}"
        );
    }
}

/// A DVector state and parameter, and a right-hand side that depends on time.
#[test]
fn discrete_adjoint_of_a_time_dependent_problem_with_nalgebra_values() {
    let u0 = DVector::from_vec(vec![1.0, -0.5, 0.25]);
    let p = DVector::from_vec(vec![0.8, 3.0]);
    let method = Method::rk4(100);
    let x = (u0.clone(), p.clone());
    let w = DVector::from_vec(vec![0.3, -1.0, 2.0]);
    // G = ⟨w, u(T)⟩
    let loss = |x: &(DVector<f64>, DVector<f64>)| {
        ode::solve(forced, &x.0, &x.1, (0.0, 2.0), &method)
            .unwrap()
            .u
            .dot(&w)
    };
    let (_, pullback) =
        ode::solve_vjp(forced, forced_vjp, &u0, &p, (0.0, 2.0), &method, 3).unwrap();
    let g = pullback.pullback(&w);
    for i in 0..5 {
        let mut e = (DVector::zeros(3), DVector::zeros(2));
        if i < 3 {
            e.0[i] = 1.0
        } else {
            e.1[i - 3] = 1.0
        }
        let fd = check::richardson(loss, &x, &e).0;
        let ad = if i < 3 { g.u0[i] } else { g.p[i - 3] };
        assert!(
            (ad - fd).abs() < 1e-9 * fd.abs().max(1.0),
            "coordinate {i}: {ad} vs {fd}"
        );
    }
}

// ---------------------------------------------------------------------- the continuous adjoint

/// The continuous adjoint computes the derivative of the exact solution, the discrete one that
/// of the computed solution; they differ by the integration error, which vanishes as the
/// tolerance tightens or the steps shrink.
#[test]
fn continuous_adjoint_converges_to_the_discrete_one() {
    let (u0, p) = (lv_u0(), lv_p());
    let gradient = |g: ode::Gradient<Vec<f64>, Vec<f64>>| -> Vec<f64> {
        g.u0.into_iter().chain(g.p).collect()
    };
    let differences = |methods: &[Method]| -> Vec<f64> {
        methods
            .iter()
            .map(|method| {
                let (s, discrete) = ode::solve_vjp(
                    lotka_volterra,
                    lotka_volterra_vjp,
                    &u0,
                    &p,
                    (0.0, LV_T),
                    method,
                    8,
                )
                .unwrap();
                let u_bar: Vec<f64> = s.u.iter().map(|u| 2.0 * u).collect();
                let (_, continuous) = ode::adjoint_vjp(
                    lotka_volterra,
                    lotka_volterra_vjp,
                    &u0,
                    &p,
                    (0.0, LV_T),
                    method,
                    8,
                )
                .unwrap();
                relative_error(
                    &gradient(discrete.pullback(&u_bar)),
                    &gradient(continuous.pullback(&u_bar).unwrap()),
                )
            })
            .collect()
    };

    let adaptive = differences(&[1e-4, 1e-6, 1e-8, 1e-10].map(|tol| Method::dp5(tol, tol)));
    for w in adaptive.windows(2) {
        assert!(w[1] < w[0] / 10.0, "{adaptive:?}");
    }
    assert!(adaptive[3] < 1e-8, "{adaptive:?}");

    // with RK4 the difference is the O(h⁴) error of the backward integration
    let fixed = differences(&[25, 50, 100, 200].map(Method::rk4));
    for order in observed_orders(&fixed) {
        assert!((order - 4.0).abs() < 0.5, "{fixed:?}");
    }
}

/// Both methods against the exact gradient of a linear problem: for u' = Au with the rotation
/// generator A, u(T) = e^(AT)u₀ and ∇_{u₀}⟨w, u(T)⟩ = e^(AᵀT)w.
#[test]
fn adjoints_match_the_exact_gradient_of_a_linear_problem() {
    let rhs = |u: &[f64; 2], _: &[f64; 0], t: f64| oscillator(u, &(), t);
    let vjp = |_: &[f64; 2], _: &[f64; 0], _t: f64, l: &[f64; 2]| ([-l[1], l[0]], []);
    let t = 4.0f64;
    let w = [0.7, -1.1];
    let exact = [
        t.cos() * w[0] - t.sin() * w[1],
        t.sin() * w[0] + t.cos() * w[1],
    ];
    let method = Method::dp5(1e-12, 1e-12);
    let (_, discrete) = ode::solve_vjp(rhs, vjp, &[1.0, 0.0], &[], (0.0, t), &method, 4).unwrap();
    let (_, continuous) =
        ode::adjoint_vjp(rhs, vjp, &[1.0, 0.0], &[], (0.0, t), &method, 4).unwrap();
    assert!(relative_error(&discrete.pullback(&w).u0, &exact) < 1e-10);
    assert!(relative_error(&continuous.pullback(&w).unwrap().u0, &exact) < 1e-10);
}

// ------------------------------------------------------------------------------- checkpointing

/// The continuous adjoint keeps `checkpoints + 1` states however many steps the tolerance
/// takes; the discrete adjoint holds `checkpoints` states and one step's stages.
#[test]
fn checkpointing_bounds_the_stored_states() {
    let (u0, p) = (lv_u0(), lv_p());
    let checkpoints = 6;
    let mut steps_seen = Vec::new();
    for tol in [1e-4, 1e-7, 1e-10, 1e-13] {
        let method = Method::dp5(tol, tol);
        let (s, continuous) = ode::adjoint_vjp(
            lotka_volterra,
            lotka_volterra_vjp,
            &u0,
            &p,
            (0.0, LV_T),
            &method,
            checkpoints,
        )
        .unwrap();
        let g = continuous.pullback(&vec![1.0, 1.0]).unwrap();
        assert!(continuous.checkpoints() <= checkpoints + 1);
        assert_eq!(g.stats.stored_states, continuous.checkpoints());
        assert_eq!(s.stats.stored_states, continuous.checkpoints());
        steps_seen.push((s.stats.steps, g.stats.steps));

        let (s, discrete) = ode::solve_vjp(
            lotka_volterra,
            lotka_volterra_vjp,
            &u0,
            &p,
            (0.0, LV_T),
            &method,
            checkpoints,
        )
        .unwrap();
        let g = discrete.pullback(&vec![1.0, 1.0]);
        // the forward run holds u₀ and its current state, the pullback its snapshots and the
        // six stage states of DOPRI5's step being reversed, however many steps there are
        assert_eq!(s.stats.stored_states, 2);
        assert_eq!(g.stats.stored_states, checkpoints + 6, "{:?}", g.stats);
        assert_eq!(
            g.stats.steps as u64,
            binomial_optimum(s.stats.steps, checkpoints)
        );
    }
    // while the number of steps grew about fiftyfold
    assert!(steps_seen[3].0 > 40 * steps_seen[0].0, "{steps_seen:?}");
    assert!(steps_seen[3].1 > 40 * steps_seen[0].1, "{steps_seen:?}");

    // With equal steps too: the snapshots and RK4's four stage states.
    for (steps, checkpoints) in [(600, 6), (600, 24), (6000, 77)] {
        let (_, discrete) = ode::solve_vjp(
            lotka_volterra,
            lotka_volterra_vjp,
            &u0,
            &p,
            (0.0, LV_T),
            &Method::rk4(steps),
            checkpoints,
        )
        .unwrap();
        let stored = discrete.pullback(&vec![1.0, 1.0]).stats.stored_states;
        assert_eq!(
            stored,
            checkpoints + 4,
            "{steps} steps, {checkpoints} checkpoints"
        );
    }
}

/// The pullback of the discrete adjoint runs the binomial schedule: the steps it runs forward
/// again are the least any schedule with its snapshots needs, each one step of the scheme, and
/// the gradient is the same bit for bit however many snapshots it keeps (the same states
/// reversed by the same arithmetic in the same order). No snapshots asked for is the default.
#[test]
fn the_discrete_pullback_runs_the_binomial_optimum_with_any_number_of_snapshots() {
    let (u0, p) = (lv_u0(), lv_p());
    for (method, stages) in [(Method::rk4(90), 4), (Method::dp5(1e-9, 1e-9), 6)] {
        let run = |snapshots: usize| {
            let (s, pullback) = ode::solve_vjp(
                lotka_volterra,
                lotka_volterra_vjp,
                &u0,
                &p,
                (0.0, LV_T),
                &method,
                snapshots,
            )
            .unwrap();
            (
                s.stats.steps,
                pullback.checkpoints(),
                pullback.pullback(&vec![0.3, -0.7]),
            )
        };
        // every state kept: no step runs forward twice
        let (steps, _, reference) = run(1000);
        assert!(steps > 80, "{method:?}: {steps} steps");
        assert_eq!(reference.stats.steps, steps - 1);
        for snapshots in [0, 1, 2, 3, 7] {
            let (_, kept, g) = run(snapshots);
            let expected = if snapshots == 0 {
                default_snapshots(steps)
            } else {
                snapshots
            };
            assert_eq!(kept, expected);
            assert_eq!(g.stats.steps as u64, binomial_optimum(steps, kept));
            // a step run again evaluates its stages, a step reversed all but the last stage
            // and the VJP of each
            assert_eq!(
                g.stats.evaluations,
                g.stats.steps * stages + steps * (stages - 1)
            );
            assert_eq!(g.stats.derivatives, steps * stages);
            assert_eq!(
                (&g.u0, &g.p),
                (&reference.u0, &reference.p),
                "{method:?}, {snapshots} snapshots"
            );
        }
    }
}

/// The continuous gradient depends on the number of checkpoints only to the tolerance.
#[test]
fn the_continuous_gradient_depends_on_the_checkpoints_to_the_tolerance() {
    let (u0, p) = (lv_u0(), lv_p());
    for method in [Method::rk4(90), Method::dp5(1e-9, 1e-9)] {
        let continuous = |c: usize| {
            let (_, pb) = ode::adjoint_vjp(
                lotka_volterra,
                lotka_volterra_vjp,
                &u0,
                &p,
                (0.0, LV_T),
                &method,
                c,
            )
            .unwrap();
            let g = pb.pullback(&vec![0.3, -0.7]).unwrap();
            g.u0.into_iter().chain(g.p).collect::<Vec<f64>>()
        };
        let one = continuous(1);
        for c in [3, 20] {
            assert!(
                relative_error(&continuous(c), &one) < 1e-6,
                "{method:?}, {c} checkpoints"
            );
        }
    }
}

/// `f32` states, and spans that run backward in time, go through every path.
#[test]
fn f32_states_and_reversed_spans() {
    let rhs = |u: &f32, k: &f32, _t: f32| -k * u;
    let rhs_vjp = |u: &f32, k: &f32, _t: f32, l: &f32| (-k * l, -u * l);
    // u′ = −ku from u(2) = 1 back to t = 0, k = 0.5: u(0) = e^(2k) = e
    let exact = 1f32.exp();
    for method in [Method::rk4(40), Method::dp5(1e-5, 1e-6)] {
        let s = ode::solve(rhs, &1.0f32, &0.5f32, (2.0, 0.0), &method).unwrap();
        assert!((s.u - exact).abs() < 1e-4 * exact, "{method:?}: {}", s.u);
        // u(0) = e^(kT)·u(2): ∂/∂u(2) = e^(kT), ∂/∂k = T·u(0)
        let (_, discrete) =
            ode::solve_vjp(rhs, rhs_vjp, &1.0f32, &0.5f32, (2.0, 0.0), &method, 3).unwrap();
        let (_, continuous) =
            ode::adjoint_vjp(rhs, rhs_vjp, &1.0f32, &0.5f32, (2.0, 0.0), &method, 3).unwrap();
        for g in [discrete.pullback(&1.0), continuous.pullback(&1.0).unwrap()] {
            assert!((g.u0 - exact).abs() < 1e-4 * exact, "{method:?}: {g:?}");
            assert!(
                (g.p - 2.0 * exact).abs() < 1e-4 * exact,
                "{method:?}: {g:?}"
            );
        }
    }
}
