//! Calculus of variations through the macro (lecture 6.2): gradients of discretized functionals
//! against the Euler–Lagrange expression, and their minimizers against the exact answers.

use matcalc::{check, differentiate};
use nalgebra::{DMatrix, DVector};
use std::f64::consts::PI;

const G: f64 = 9.81;
/// The brachistochrone from (0, 0) to (π, 2), the lowest point of the unit cycloid.
const WIDTH: f64 = PI;
const DEPTH: f64 = 2.0;

/// J[u] = ∫₀¹ √(1 + u′²) dx with u(0) = 0, u(1) = 1 on N uniform intervals: the length of the
/// polygon through the interior values u₁..u_{N−1}.
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

/// xₖ = W·(k/N)².
fn grid(k: usize, n: usize) -> f64 {
    let t = k as f64 / n as f64;
    WIDTH * t * t
}

/// The time to slide from rest at (0, 0) to (W, D) along the polygon through the depths uₖ at
/// the points of [`grid`]: 2·length/(v_left + v_right) per segment, v = √(2gu).
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

/// The interior values of `curve` on N intervals of [0, 1].
fn sample(curve: impl Fn(f64) -> f64, intervals: usize) -> Vec<f64> {
    (1..intervals)
        .map(|i| curve(i as f64 / intervals as f64))
        .collect()
}

fn max_difference(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// u(x) = x + 0.3 sin πx, u′ and u″.
fn test_curve(x: f64) -> (f64, f64, f64) {
    (
        x + 0.3 * (PI * x).sin(),
        1.0 + 0.3 * PI * (PI * x).cos(),
        -0.3 * PI * PI * (PI * x).sin(),
    )
}

/// ∇J/h − δJ/δu at the grid points, δJ/δu = −u″/(1 + u′²)^{3/2}, and ∇J/h itself.
fn gradient_and_euler_lagrange(intervals: usize) -> (Vec<f64>, Vec<f64>) {
    let h = 1.0 / intervals as f64;
    let u = sample(|x| test_curve(x).0, intervals);
    let scaled = arc_length_grad(&u).1.iter().map(|g| g / h).collect();
    let euler_lagrange = sample(
        |x| {
            let (_, du, d2u) = test_curve(x);
            -d2u / (1.0 + du * du).powf(1.5)
        },
        intervals,
    );
    (scaled, euler_lagrange)
}

#[test]
fn arc_length_gradient_is_the_discretized_euler_lagrange_expression() {
    let intervals = 40;
    let h = 1.0 / intervals as f64;
    let u = sample(|x| test_curve(x).0, intervals);
    let (_, gradient) = arc_length_grad(&u);
    let with_ends = [&[0.0], u.as_slice(), &[1.0]].concat();
    let flux = |k: usize| {
        let s = (with_ends[k + 1] - with_ends[k]) / h;
        s / (1.0 + s * s).sqrt()
    };
    let discrete: Vec<f64> = (1..intervals)
        .map(|i| -(flux(i) - flux(i - 1)) / h)
        .collect();
    let scaled: Vec<f64> = gradient.iter().map(|g| g / h).collect();
    assert!(max_difference(&scaled, &discrete) < 1e-12);
}

#[test]
fn arc_length_gradient_converges_to_the_functional_derivative_at_second_order() {
    let errors: Vec<f64> = [25, 50, 100, 200]
        .into_iter()
        .map(|n| {
            let (scaled, euler_lagrange) = gradient_and_euler_lagrange(n);
            max_difference(&scaled, &euler_lagrange)
        })
        .collect();
    for pair in errors.windows(2) {
        let order = (pair[0] / pair[1]).log2();
        assert!((order - 2.0).abs() < 0.05, "order {order} from {errors:?}");
    }
    assert!(errors[3] < 1e-3);
}

/// At the straight line every slope is 1: the gradient vanishes and the Hessian is
/// (1/h)·2^{−3/2}·tridiag(−1, 2, −1), positive definite.
#[test]
fn the_straight_line_is_a_strict_minimum() {
    let intervals = 20;
    let h = 1.0 / intervals as f64;
    let line = sample(|x| x, intervals);
    let (length, gradient, hessian) = arc_length_hessian(&line);
    assert!((length - 2f64.sqrt()).abs() < 1e-15);
    assert!(gradient.iter().all(|g| g.abs() < 1e-15), "{gradient:?}");
    let n = intervals - 1;
    let curvature = 2f64.powf(-1.5) / h;
    let expected = DMatrix::from_fn(n, n, |i, j| match i.abs_diff(j) {
        0 => 2.0 * curvature,
        1 => -curvature,
        _ => 0.0,
    });
    assert!((&hessian - &expected).amax() < 1e-12 * curvature);
    assert!(hessian.cholesky().is_some());
}

/// Newton's method with the Hessian of `f_hessian`, halving steps until `f` decreases.
fn newton(
    f: impl Fn(&[f64]) -> f64,
    f_hessian: impl Fn(&[f64]) -> (f64, Vec<f64>, DMatrix<f64>),
    mut x: Vec<f64>,
    iterations: usize,
) -> Vec<f64> {
    for _ in 0..iterations {
        let (value, gradient, hessian) = f_hessian(&x);
        let step = hessian
            .cholesky()
            .expect("positive definite")
            .solve(&-DVector::from_column_slice(&gradient));
        let mut t = 1.0;
        let next = loop {
            let trial: Vec<f64> = x.iter().zip(step.iter()).map(|(x, s)| x + t * s).collect();
            if f(&trial) <= value + 1e-13 * value.abs() || t < 1e-10 {
                break trial;
            }
            t *= 0.5;
        };
        x = next;
    }
    x
}

#[test]
fn newton_on_arc_length_finds_the_straight_line() {
    let intervals = 50;
    let start = sample(|x| x * x * (3.0 - 2.0 * x), intervals);
    let u = newton(arc_length, arc_length_hessian, start, 15);
    assert!(max_difference(&u, &sample(|x| x, intervals)) < 1e-13);
}

/// On a straight incline the acceleration is constant, so any polygon along it takes exactly
/// √(2L/a) with a = gD/L: the discretization is exact there.
#[test]
fn travel_time_along_a_straight_incline_is_exact() {
    for intervals in [4, 31] {
        let line: Vec<f64> = (1..intervals)
            .map(|k| DEPTH * grid(k, intervals) / WIDTH)
            .collect();
        let length = (WIDTH * WIDTH + DEPTH * DEPTH).sqrt();
        let exact = (2.0 * length * length / (G * DEPTH)).sqrt();
        assert!((travel_time(&line) - exact).abs() < 1e-14 * exact);
    }
}

#[test]
fn travel_time_derivatives_pass_the_checks() {
    let intervals = 16;
    let line: Vec<f64> = (1..intervals)
        .map(|k| DEPTH * grid(k, intervals) / WIDTH)
        .collect();
    let jvp = |u: &Vec<f64>, du: &Vec<f64>| travel_time_jvp(u, du);
    let vjp = |u: &Vec<f64>, t_bar: &f64| travel_time_vjp(u).1(*t_bar);
    check::jvp(
        |u: &Vec<f64>| travel_time(u),
        jvp,
        &line,
        &check::Config::for_jvp::<f64>(),
    )
    .unwrap();
    check::dot_product(jvp, vjp, &line, &check::Config::for_dot_product::<f64>()).unwrap();
}

/// The depth of the unit cycloid x = θ − sin θ, u = 1 − cos θ at x.
fn cycloid_depth(x: f64) -> f64 {
    let (mut low, mut high) = (0.0, PI);
    for _ in 0..60 {
        let mid = 0.5 * (low + high);
        if mid - mid.sin() < x {
            low = mid;
        } else {
            high = mid;
        }
    }
    1.0 - (0.5 * (low + high)).cos()
}

/// No polygon is faster than the cycloid's π/√g, and the fastest one approaches it.
#[test]
fn the_fastest_polygon_approaches_the_cycloid() {
    let exact = PI / G.sqrt();
    let mut previous = f64::INFINITY;
    for intervals in [16, 32, 64] {
        let x: Vec<f64> = (1..intervals).map(|k| grid(k, intervals)).collect();
        let line: Vec<f64> = x.iter().map(|x| DEPTH * x / WIDTH).collect();
        let u = newton(travel_time, travel_time_hessian, line, 30);
        let (time, gradient) = travel_time_grad(&u);
        assert!(gradient.iter().all(|g| g.abs() < 1e-9), "N = {intervals}");
        assert!(time > exact && time < previous, "N = {intervals}: {time}");
        previous = time;
        let cycloid: Vec<f64> = x.iter().map(|&x| cycloid_depth(x)).collect();
        let error = max_difference(&u, &cycloid);
        // About 0.17/N^1.3 (and the time 0.15/N^1.9): the cycloid's start, u ~ x^(2/3), is
        // where the polygon is least accurate.
        assert!(error < 0.2 / intervals as f64, "N = {intervals}: {error}");
    }
    assert!(previous - exact < 1e-4 * exact);
}
