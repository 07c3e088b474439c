//! 6.2 Calculus of variations: gradients of discretized functionals, the Euler–Lagrange
//! equation, and two minimizations with known answers (the straight line, the cycloid).

use super::Checks;
use super::Limit;
use super::plots::{Figure, Style};
use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};
use std::f64::consts::PI;

/// Gravity, m/s².
const G: f64 = 9.81;

/// The brachistochrone runs from (0, 0) to (πR, 2R), the lowest point of the cycloid of radius
/// R through the origin; u is the depth below the start.
const R: f64 = 1.0;
const WIDTH: f64 = PI * R;
const DEPTH: f64 = 2.0 * R;

/// J[u] = ∫₀¹ √(1 + u′²) dx, the length of the graph of u, with u(0) = 0 and u(1) = 1, on the
/// grid xₖ = k/N: the length of the polygon through (xₖ, uₖ), whose interior values u₁..u_{N−1}
/// are the parameter.
#[differentiate(hessian)]
fn arc_length(u: &[f64]) -> f64 {
    let n = u.len() + 1;
    let h = 1.0 / n as f64;
    let mut length = 0.0;
    let mut left = 0.0;
    for k in 0..n {
        let right = if k + 1 < n { u[k] } else { 1.0 };
        let slope = (right - left) / h;
        length += h * (1.0 + slope * slope).sqrt();
        left = right;
    }
    length
}

/// The grid of the brachistochrone, xₖ = W·(k/N)²: finer at the start, where the cycloid is
/// vertical.
fn grid(k: usize, n: usize) -> f64 {
    let t = k as f64 / n as f64;
    WIDTH * t * t
}

/// T[u] = ∫ √((1 + u′²)/(2gu)) dx, the time a bead takes to slide without friction from rest
/// at (0, 0) to (W, D) along the graph of u (u the depth), for the polygon through the points
/// (xₖ, uₖ) of [`grid`] with the interior depths u₁..u_{N−1} as the parameter. On a straight
/// segment the speed √(2gu) changes at a constant rate, so the segment takes exactly
/// 2·length/(v_left + v_right): this is the functional evaluated exactly on the polygon.
#[differentiate(hessian)]
fn travel_time(u: &[f64]) -> f64 {
    let n = u.len() + 1;
    let mut time = 0.0;
    let mut x_left = 0.0;
    let mut u_left = 0.0;
    let mut v_left = 0.0;
    for k in 1..=n {
        let x_right = grid(k, n);
        let u_right = if k < n { u[k - 1] } else { DEPTH };
        let v_right = (2.0 * G * u_right).sqrt();
        let (dx, du) = (x_right - x_left, u_right - u_left);
        time += 2.0 * (dx * dx + du * du).sqrt() / (v_left + v_right);
        x_left = x_right;
        u_left = u_right;
        v_left = v_right;
    }
    time
}

/// The gradient of a discretized functional, divided by the grid spacing, is the discretized
/// Euler–Lagrange expression, the functional derivative δJ/δu: for arc length, −u″/(1 + u′²)^{3/2}.
/// Minimizing arc length gives the straight line and minimizing travel time the cycloid, here
/// by Newton's method with the generated Hessian (and, with `--features argmin`, by argmin's
/// L-BFGS through `matcalc::argmin::Problem`).
pub(crate) fn variations(checks: &mut Checks) {
    euler_lagrange(checks);
    straight_line(checks);
    brachistochrone(checks);
}

/// u(x) = x + 0.3 sin πx and its two derivatives: a curve from (0, 0) to (1, 1).
fn test_curve(x: f64) -> (f64, f64, f64) {
    (
        x + 0.3 * (PI * x).sin(),
        1.0 + 0.3 * PI * (PI * x).cos(),
        -0.3 * PI * PI * (PI * x).sin(),
    )
}

/// The interior values of `curve` on the grid of N intervals of [0, 1].
fn sample(curve: impl Fn(f64) -> f64, intervals: usize) -> Vec<f64> {
    (1..intervals)
        .map(|i| curve(i as f64 / intervals as f64))
        .collect()
}

/// ∇J/h against the Euler–Lagrange expression: exactly its consistent discretization
/// −D⁻[φ′(D⁺u)] with φ′(s) = s/√(1 + s²), and to O(h²) its value at the grid points.
fn euler_lagrange(checks: &mut Checks) {
    let mut errors = Vec::new();
    for intervals in [50, 100] {
        let h = 1.0 / intervals as f64;
        let u = sample(|x| test_curve(x).0, intervals);
        let (_, gradient) = arc_length_grad(&u);
        let scaled: Vec<f64> = gradient.iter().map(|g| g / h).collect();

        let with_ends = [&[0.0], u.as_slice(), &[1.0]].concat();
        let flux = |k: usize| {
            let s = (with_ends[k + 1] - with_ends[k]) / h;
            s / (1.0 + s * s).sqrt()
        };
        let discrete: Vec<f64> = (1..intervals)
            .map(|i| -(flux(i) - flux(i - 1)) / h)
            .collect();
        let continuous = sample(
            |x| {
                let (_, du, d2u) = test_curve(x);
                -d2u / (1.0 + du * du).powf(1.5)
            },
            intervals,
        );
        if intervals == 100 {
            checks.close(
                "arc length, N = 100: ∇J/h vs −D⁻[D⁺u/√(1+(D⁺u)²)]",
                &scaled,
                &discrete,
                1e-12,
            );
            checks.close(
                "arc length, N = 100: ∇J/h vs −u″/(1+u′²)^{3/2} at xᵢ",
                &scaled,
                &continuous,
                1e-3,
            );
        }
        errors.push(max_difference(&scaled, &continuous));
    }
    let order = (errors[0] / errors[1]).log2();
    checks.close(
        "order of ∇J/h → δJ/δu, from N = 50 to 100, vs h²",
        &order,
        &2.0,
        0.02,
    );
}

fn max_difference(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Shortest path from (0, 0) to (1, 1): Newton from a wavy curve to the line u = x, against
/// gradient descent (and L-BFGS from argmin), in the figure `convergence.svg`.
fn straight_line(checks: &mut Checks) {
    let intervals = 100;
    let start = sample(
        |x| x + 0.3 * (PI * x).sin() + 0.1 * (3.0 * PI * x).sin(),
        intervals,
    );
    let run = newton(arc_length, arc_length_hessian, start.clone(), 1e-13, 20);
    let line = sample(|x| x, intervals);
    checks.note(&format!(
        "arc length: Newton with the generated Hessian, {} iterations, ‖∇J‖ {:.1e} → {:.1e}",
        run.gradient_norms.len() - 1,
        run.gradient_norms[0],
        run.gradient_norms.last().unwrap()
    ));
    checks.close(
        "arc length minimized (Newton): u vs the line u = x",
        &run.x,
        &line,
        1e-13,
    );
    checks.close(
        "arc length minimized: J vs √2",
        &arc_length(&run.x),
        &2f64.sqrt(),
        1e-14,
    );

    let descent = gradient_descent(arc_length, arc_length_grad, start.clone(), 200);
    // the title names the optimizers drawn: L-BFGS needs the argmin feature
    let optimizers = if cfg!(feature = "argmin") {
        "Newton, gradient descent and L-BFGS"
    } else {
        "Newton and gradient descent"
    };
    let convergence = Figure::new(
        "convergence.svg",
        &format!(
            "Shortest path, {} unknowns: convergence of {optimizers}",
            intervals - 1
        ),
    )
    .labels("iteration", "‖∇J‖")
    .log(false, true)
    .series(
        "Newton, generated Hessian",
        Style::Line,
        enumerate(&run.gradient_norms),
    )
    .series(
        "gradient descent, backtracking",
        Style::Line,
        enumerate(&descent),
    );
    #[cfg(feature = "argmin")]
    let convergence = {
        let (x, norms) = with_argmin::lbfgs_arc_length(start);
        checks.note(&format!(
            "arc length: L-BFGS from argmin, {} iterations, ‖∇J‖ {:.1e} → {:.1e}",
            norms.len() - 1,
            norms[0],
            norms.last().unwrap()
        ));
        checks.close(
            "arc length minimized (argmin L-BFGS): u vs u = x",
            &x,
            &line,
            1e-6,
        );
        convergence.series(
            "L-BFGS (argmin), m = 7, generated gradient",
            Style::Line,
            enumerate(&norms),
        )
    };
    #[cfg(not(feature = "argmin"))]
    checks.note("(with --features argmin: argmin's L-BFGS and Newton through matcalc::argmin too)");
    convergence.save(checks);
}

/// The cycloid x = R(θ − sin θ), u = R(1 − cos θ): its depth at x.
fn cycloid_depth(x: f64) -> f64 {
    // θ − sin θ increases on [0, π]: bisect.
    let (mut low, mut high) = (0.0, PI);
    for _ in 0..60 {
        let mid = 0.5 * (low + high);
        if R * (mid - mid.sin()) < x {
            low = mid;
        } else {
            high = mid;
        }
    }
    let theta = 0.5 * (low + high);
    R * (1.0 - theta.cos())
}

/// Fastest slide from (0, 0) to (πR, 2R): Newton from the straight line to the cycloid, whose
/// travel time π√(R/g) no polygon can beat.
fn brachistochrone(checks: &mut Checks) {
    let intervals = 64;
    let x: Vec<f64> = (0..=intervals).map(|k| grid(k, intervals)).collect();
    let interior = &x[1..intervals];
    let line: Vec<f64> = interior.iter().map(|x| DEPTH * x / WIDTH).collect();
    let cycloid: Vec<f64> = interior.iter().map(|&x| cycloid_depth(x)).collect();
    let exact_time = PI * (R / G).sqrt();

    let run = newton(travel_time, travel_time_hessian, line.clone(), 1e-12, 50);
    let time = travel_time(&run.x);
    checks.note(&format!(
        "brachistochrone, N = {intervals}: Newton, {} iterations, T = {time:.10} s \
         (straight line {:.10} s)",
        run.gradient_norms.len() - 1,
        travel_time(&line)
    ));
    checks.close(
        "brachistochrone minimized (Newton): T vs π√(R/g)",
        &time,
        &exact_time,
        1e-4,
    );
    checks.bound(
        "a polygon is never faster: T / π√(R/g)",
        time,
        exact_time,
        Limit::Above(1.0),
    );
    checks.close(
        "brachistochrone minimized: uₖ vs the cycloid at xₖ",
        &run.x,
        &cycloid,
        1e-3,
    );
    #[cfg(feature = "argmin")]
    checks.close(
        "brachistochrone (argmin Newton): u vs Newton's",
        &with_argmin::newton_brachistochrone(line.clone()),
        &run.x,
        1e-10,
    );

    let curve = (0..=200).map(|i| {
        let theta = PI * i as f64 / 200.0;
        (R * (theta - theta.sin()), -R * (1.0 - theta.cos()))
    });
    let with_ends = |u: &[f64]| {
        let depths = [&[0.0], u, &[DEPTH]].concat();
        x.iter()
            .zip(depths)
            .map(|(&x, u)| (x, -u))
            .collect::<Vec<_>>()
    };
    Figure::new(
        "brachistochrone.svg",
        &format!("Brachistochrone: minimizer of the discretized travel time, N = {intervals}"),
    )
    .labels("x (m)", "height (m)")
    .series("cycloid (exact)", Style::Line, curve)
    .series(
        &format!("Newton on T[u], T = {time:.4} s"),
        Style::Points,
        with_ends(&run.x),
    )
    .series(
        &format!("straight line, T = {:.4} s", travel_time(&line)),
        Style::Dashed,
        with_ends(&line),
    )
    .save(checks);
}

/// (k, vₖ) for plotting against the iteration.
fn enumerate(values: &[f64]) -> Vec<(f64, f64)> {
    values
        .iter()
        .enumerate()
        .map(|(k, &v)| (k as f64, v))
        .collect()
}

/// A minimizer and the gradient norm at each iterate.
struct Run {
    x: Vec<f64>,
    gradient_norms: Vec<f64>,
}

/// Newton's method with the Hessian of `f_hessian`: the step solves H·d = −∇f by Cholesky
/// (with H + λI, λ growing, where H is not positive definite) and halves until f decreases.
fn newton(
    f: impl Fn(&[f64]) -> f64,
    f_hessian: impl Fn(&[f64]) -> (f64, Vec<f64>, DMatrix<f64>),
    mut x: Vec<f64>,
    tolerance: f64,
    max_iterations: usize,
) -> Run {
    let mut gradient_norms = Vec::new();
    for _ in 0..max_iterations {
        let (value, gradient, hessian) = f_hessian(&x);
        gradient_norms.push(norm(&gradient));
        if norm(&gradient) <= tolerance {
            break;
        }
        let n = x.len();
        let mut shift = 0.0;
        let cholesky = loop {
            let shifted = &hessian + DMatrix::identity(n, n) * shift;
            match shifted.cholesky() {
                Some(cholesky) => break cholesky,
                None => shift = (2.0 * shift).max(1e-8 * hessian.norm()),
            }
        };
        let step = cholesky.solve(&-DVector::from_column_slice(&gradient));
        let Some(next) = backtrack(&f, &x, value, step.as_slice()) else {
            break;
        };
        x = next;
    }
    Run { x, gradient_norms }
}

/// Gradient descent with a backtracking line search; the gradient norm at each iterate.
fn gradient_descent(
    f: impl Fn(&[f64]) -> f64,
    f_grad: impl Fn(&[f64]) -> (f64, Vec<f64>),
    mut x: Vec<f64>,
    iterations: usize,
) -> Vec<f64> {
    let mut norms = Vec::new();
    let mut scale = 1.0;
    for _ in 0..iterations {
        let (value, gradient) = f_grad(&x);
        norms.push(norm(&gradient));
        let step: Vec<f64> = gradient.iter().map(|g| -scale * g).collect();
        let Some(next) = backtrack(&f, &x, value, &step) else {
            break;
        };
        // Let the next search start from twice the step that was accepted.
        let taken = norm(&next.iter().zip(&x).map(|(a, b)| a - b).collect::<Vec<_>>());
        scale = 2.0 * taken / norm(&gradient);
        x = next;
    }
    norms
}

/// x + t·step for the largest t = 1, ½, ¼, … at which f decreases (a NaN, outside the
/// domain, does not), or `None` after 50 halvings. A full step that raises f by less than its
/// rounding error (taken as 1000 ulps, for a sum of many terms) is taken: close to a minimum,
/// f cannot tell the better point, but the gradient can.
fn backtrack(f: impl Fn(&[f64]) -> f64, x: &[f64], value: f64, step: &[f64]) -> Option<Vec<f64>> {
    let mut t = 1.0;
    for halvings in 0..50 {
        let trial: Vec<f64> = x.iter().zip(step).map(|(x, s)| x + t * s).collect();
        let trial_value = f(&trial);
        let roundoff = 1e3 * f64::EPSILON * value.abs();
        if trial_value < value || (halvings == 0 && trial_value <= value + roundoff) {
            return Some(trial);
        }
        t *= 0.5;
    }
    None
}

/// argmin's solvers on the generated derivatives, through `matcalc::argmin::Problem`.
#[cfg(feature = "argmin")]
mod with_argmin {
    use super::{arc_length, arc_length_grad, arc_length_hessian, norm};
    use super::{travel_time, travel_time_grad, travel_time_hessian};
    use argmin::core::observers::{Observe, ObserverMode};
    use argmin::core::{Error, Executor, IterState, KV, State};
    use argmin::solver::linesearch::MoreThuenteLineSearch;
    use argmin::solver::newton::Newton;
    use argmin::solver::quasinewton::LBFGS;
    use matcalc::argmin::Problem;
    use std::sync::{Arc, Mutex};

    type LbfgsState = IterState<Vec<f64>, Vec<f64>, (), (), (), f64>;

    /// Records the gradient norm of every iterate.
    struct Record(Arc<Mutex<Vec<f64>>>);

    impl Observe<LbfgsState> for Record {
        fn observe_iter(&mut self, state: &LbfgsState, _: &KV) -> Result<(), Error> {
            if let Some(gradient) = state.get_gradient() {
                self.0.lock().unwrap().push(norm(gradient));
            }
            Ok(())
        }
    }

    /// The shortest path by L-BFGS, and the gradient norm of each iterate.
    pub(super) fn lbfgs_arc_length(start: Vec<f64>) -> (Vec<f64>, Vec<f64>) {
        let norms = Arc::new(Mutex::new(vec![norm(&arc_length_grad(&start).1)]));
        let problem = Problem::new(arc_length, arc_length_grad, arc_length_hessian);
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
            .with_tolerance_grad(1e-12)
            .expect("a positive tolerance");
        let result = Executor::new(problem, solver)
            .configure(|state| state.param(start).max_iters(500))
            .add_observer(Record(norms.clone()), ObserverMode::Always)
            .run()
            .expect("L-BFGS runs");
        let x = result
            .state()
            .get_best_param()
            .expect("a best point")
            .clone();
        let norms = norms.lock().unwrap().clone();
        (x, norms)
    }

    /// The brachistochrone by argmin's (undamped) Newton method with the generated Hessian.
    pub(super) fn newton_brachistochrone(start: Vec<f64>) -> Vec<f64> {
        let problem = Problem::new(travel_time, travel_time_grad, travel_time_hessian);
        let result = Executor::new(problem, Newton::<f64>::new())
            .configure(|state| state.param(start).max_iters(20))
            .run()
            .expect("Newton runs");
        result.state().get_param().expect("an iterate").clone()
    }
}
