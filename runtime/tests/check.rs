//! Tests of `matcalc_runtime::check`: correct derivative pairs pass, wrong ones fail with a
//! `Failure` that says what and by how much, on scalar, tuple, array and `Vec` inputs; the
//! results depend on the seed alone.

// The checks take `&X`, so with `X = Vec<f64>` the functions under test take `&Vec<f64>`.
#![allow(clippy::ptr_arg)]

use matcalc_runtime::check::{self, Check, Config, Failure, Report};

// ----- f(x) = x³ + sin x: X = f64, Y = f64 -----

fn cubic(x: &f64) -> f64 {
    x.powi(3) + x.sin()
}

fn cubic_jvp(x: &f64, x_dot: &f64) -> (f64, f64) {
    (cubic(x), (3.0 * x * x + x.cos()) * x_dot)
}

fn cubic_vjp(x: &f64, y_bar: &f64) -> f64 {
    (3.0 * x * x + x.cos()) * y_bar
}

// ----- f(x, y, z) = (x·sin y, x·z + y²): X = (f64, f64, f64), Y = (f64, f64) -----

type Triple = (f64, f64, f64);

fn pair(p: &Triple) -> (f64, f64) {
    let (x, y, z) = *p;
    (x * y.sin(), x * z + y * y)
}

fn pair_jvp(p: &Triple, d: &Triple) -> ((f64, f64), (f64, f64)) {
    let (x, y, z) = *p;
    let (dx, dy, dz) = *d;
    (
        pair(p),
        (
            dx * y.sin() + x * y.cos() * dy,
            dx * z + x * dz + 2.0 * y * dy,
        ),
    )
}

fn pair_vjp(p: &Triple, y_bar: &(f64, f64)) -> Triple {
    let (x, y, z) = *p;
    let (u, w) = *y_bar;
    (u * y.sin() + w * z, u * x * y.cos() + 2.0 * w * y, w * x)
}

// ----- yᵢ = xᵢ·exp(xᵢ₊₁): X = Vec<f64>, Y = Vec<f64> -----

fn chain(x: &Vec<f64>) -> Vec<f64> {
    x.windows(2).map(|w| w[0] * w[1].exp()).collect()
}

fn chain_jvp(x: &Vec<f64>, dx: &Vec<f64>) -> (Vec<f64>, Vec<f64>) {
    let dy = (0..x.len() - 1)
        .map(|i| (dx[i] + x[i] * dx[i + 1]) * x[i + 1].exp())
        .collect();
    (chain(x), dy)
}

fn chain_vjp(x: &Vec<f64>, y_bar: &Vec<f64>) -> Vec<f64> {
    let mut x_bar = vec![0.0; x.len()];
    for (i, y_bar) in y_bar.iter().enumerate() {
        x_bar[i] += y_bar * x[i + 1].exp();
        x_bar[i + 1] += y_bar * x[i] * x[i + 1].exp();
    }
    x_bar
}

fn chain_point() -> Vec<f64> {
    vec![0.3, -1.2, 0.8, 2.0, -0.5]
}

// ----- f(x) = ‖x‖² · x₀ in f32: X = [f32; 3], Y = f32 -----

fn cubic3(x: &[f32; 3]) -> f32 {
    x.iter().map(|x| x * x).sum::<f32>() * x[0]
}

fn cubic3_jvp(x: &[f32; 3], dx: &[f32; 3]) -> (f32, f32) {
    let squares: f32 = x.iter().map(|x| x * x).sum();
    let d_squares: f32 = x.iter().zip(dx).map(|(x, dx)| 2.0 * x * dx).sum();
    (cubic3(x), d_squares * x[0] + squares * dx[0])
}

fn cubic3_vjp(x: &[f32; 3], y_bar: &f32) -> [f32; 3] {
    let squares: f32 = x.iter().map(|x| x * x).sum();
    let mut x_bar: [f32; 3] = core::array::from_fn(|i| 2.0 * x[i] * x[0] * y_bar);
    x_bar[0] += squares * y_bar;
    x_bar
}

fn jvp64() -> Config {
    Config::for_jvp::<f64>()
}

fn dot64() -> Config {
    Config::for_dot_product::<f64>()
}

// ----- correct pairs pass -----

#[test]
fn correct_pairs_pass_on_scalars() {
    let reports = check::all(cubic, cubic_jvp, cubic_vjp, &0.7, &jvp64(), &dot64()).unwrap();
    assert!(reports.jvp.max_rel_error < 1e-9, "{reports:?}");
    assert_eq!(reports.jvp.directions, 3);
    assert!(reports.dot_product.max_rel_error < 1e-14, "{reports:?}");
}

#[test]
fn correct_pairs_pass_on_tuples() {
    let x = (1.5, 0.3, -2.0);
    let reports = check::all(pair, pair_jvp, pair_vjp, &x, &jvp64(), &dot64()).unwrap();
    assert!(reports.jvp.max_rel_error < 1e-9, "{reports:?}");
    assert!(reports.dot_product.max_rel_error < 1e-14, "{reports:?}");
}

#[test]
fn correct_pairs_pass_on_vecs() {
    let x = chain_point();
    let reports = check::all(
        chain,
        chain_jvp,
        chain_vjp,
        &x,
        &jvp64().directions(10),
        &dot64().directions(10),
    )
    .unwrap();
    assert_eq!(reports.jvp.directions, 10);
    assert!(reports.jvp.max_rel_error < 1e-9, "{reports:?}");
}

#[test]
fn correct_pairs_pass_on_f32_arrays() {
    let x = [0.5f32, -1.0, 2.0];
    let reports = check::all(
        cubic3,
        cubic3_jvp,
        cubic3_vjp,
        &x,
        &Config::for_jvp::<f32>(),
        &Config::for_dot_product::<f32>(),
    )
    .unwrap();
    assert!(reports.jvp.max_rel_error < 1e-3, "{reports:?}");
}

#[test]
fn inputs_at_other_scales_pass() {
    // large inputs: steps relative to x
    let big = |x: &f64| x.ln() * x;
    let big_jvp = |x: &f64, v: &f64| (big(x), (x.ln() + 1.0) * v);
    for x in [1e-3, 0.05, 3.0, 1e4, 1e8] {
        let report = check::jvp(big, big_jvp, &x, &jvp64()).unwrap();
        assert!(report.max_rel_error < 1e-7, "x = {x}: {report:?}");
    }
    // a function that varies on a unit scale at a large input: absolute steps
    let wave = |x: &f64| (x * 3.0).sin();
    let wave_jvp = |x: &f64, v: &f64| (wave(x), 3.0 * (x * 3.0).cos() * v);
    let report = check::jvp(wave, wave_jvp, &20.0, &jvp64()).unwrap();
    assert!(report.max_rel_error < 1e-7, "{report:?}");
}

// ----- wrong pairs fail -----

#[test]
fn a_jvp_off_by_one_percent_fails_on_every_input_type() {
    let off = |x: &f64, v: &f64| {
        let (y, y_dot) = cubic_jvp(x, v);
        (y, 1.01 * y_dot)
    };
    let failure = check::jvp(cubic, off, &0.7, &jvp64()).unwrap_err();
    assert_eq!(failure.check, Check::Jvp);
    assert_eq!(failure.direction, 0);
    assert!(
        (failure.relative_error - 0.01 / 1.01).abs() < 1e-8,
        "{failure}"
    );
    assert_eq!(failure.tolerance, 1e-7);

    let off = |p: &Triple, d: &Triple| {
        let (y, (a, b)) = pair_jvp(p, d);
        (y, (1.01 * a, 1.01 * b))
    };
    let failure = check::jvp(pair, off, &(1.5, 0.3, -2.0), &jvp64()).unwrap_err();
    assert_eq!(failure.check, Check::Jvp);
    assert_eq!((failure.expected.len(), failure.got.len()), (2, 2));

    let off = |x: &Vec<f64>, dx: &Vec<f64>| {
        let (y, mut y_dot) = chain_jvp(x, dx);
        y_dot.iter_mut().for_each(|d| *d *= 1.01);
        (y, y_dot)
    };
    let failure = check::jvp(chain, off, &chain_point(), &jvp64()).unwrap_err();
    assert_eq!(failure.check, Check::Jvp);
    assert!(
        (failure.relative_error - 0.01 / 1.01).abs() < 1e-8,
        "{failure}"
    );

    let off = |x: &[f32; 3], dx: &[f32; 3]| {
        let (y, y_dot) = cubic3_jvp(x, dx);
        (y, 1.01 * y_dot)
    };
    let failure = check::jvp(cubic3, off, &[0.5, -1.0, 2.0], &Config::for_jvp::<f32>());
    assert_eq!(failure.unwrap_err().check, Check::Jvp);
}

#[test]
fn an_error_in_one_partial_fails() {
    // only ∂/∂z is wrong (x instead of 2x): some direction exposes it
    let off = |p: &Triple, d: &Triple| {
        let (y, (a, b)) = pair_jvp(p, d);
        (y, (a, b + p.0 * d.2))
    };
    let failure = check::jvp(pair, off, &(1.5, 0.3, -2.0), &jvp64()).unwrap_err();
    assert_eq!(failure.check, Check::Jvp);
}

#[test]
fn a_vjp_with_a_wrong_sign_fails_on_every_input_type() {
    let wrong = |x: &f64, y_bar: &f64| -cubic_vjp(x, y_bar);
    let failure = check::dot_product(cubic_jvp, wrong, &0.7, &dot64()).unwrap_err();
    assert_eq!(failure.check, Check::DotProduct);
    // ⟨ȳ, J·ẋ⟩ = −⟨Jᵀ·ȳ, ẋ⟩ exactly
    assert_eq!(failure.expected, vec![-failure.got[0]]);

    let wrong = |p: &Triple, y_bar: &(f64, f64)| {
        let (a, b, c) = pair_vjp(p, y_bar);
        (a, -b, c)
    };
    let failure = check::dot_product(pair_jvp, wrong, &(1.5, 0.3, -2.0), &dot64()).unwrap_err();
    assert_eq!(failure.check, Check::DotProduct);
    assert!(failure.relative_error > 1e-3);

    let wrong = |x: &Vec<f64>, y_bar: &Vec<f64>| -> Vec<f64> {
        chain_vjp(x, y_bar).iter().map(|g| -g).collect()
    };
    let failure = check::dot_product(chain_jvp, wrong, &chain_point(), &dot64()).unwrap_err();
    assert_eq!(failure.check, Check::DotProduct);

    let wrong = |x: &[f32; 3], y_bar: &f32| cubic3_vjp(x, y_bar).map(|g| -g);
    let failure = check::dot_product(
        cubic3_jvp,
        wrong,
        &[0.5, -1.0, 2.0],
        &Config::for_dot_product::<f32>(),
    );
    assert_eq!(failure.unwrap_err().check, Check::DotProduct);

    // and `all` reports it after the jvp check passed
    let wrong = |x: &f64, y_bar: &f64| -cubic_vjp(x, y_bar);
    let failure = check::all(cubic, cubic_jvp, wrong, &0.7, &jvp64(), &dot64()).unwrap_err();
    assert_eq!(failure.check, Check::DotProduct);
}

#[test]
fn a_transposed_instead_of_adjoint_vjp_fails() {
    // a non-symmetric linear map: Jᵀȳ computed as J·ȳ
    let f_jvp = |_: &[f64; 2], v: &[f64; 2]| ([0.0, 0.0], [v[0] + 2.0 * v[1], 3.0 * v[0]]);
    let not_adjoint = |_: &[f64; 2], w: &[f64; 2]| [w[0] + 2.0 * w[1], 3.0 * w[0]];
    let adjoint = |_: &[f64; 2], w: &[f64; 2]| [w[0] + 3.0 * w[1], 2.0 * w[0]];
    assert!(check::dot_product(f_jvp, adjoint, &[1.0, 1.0], &dot64()).is_ok());
    assert!(check::dot_product(f_jvp, not_adjoint, &[1.0, 1.0], &dot64()).is_err());
}

#[test]
fn a_wrong_value_fails() {
    let wrong = |x: &f64, v: &f64| {
        let (y, y_dot) = cubic_jvp(x, v);
        (y + 1e-3, y_dot)
    };
    let failure = check::jvp(cubic, wrong, &0.7, &jvp64()).unwrap_err();
    assert_eq!(failure.check, Check::Value);
    assert_eq!(failure.expected, vec![cubic(&0.7)]);
    assert!(
        failure
            .to_string()
            .starts_with("value check failed in direction 0")
    );
}

#[test]
fn wrong_shapes_fail_instead_of_panicking() {
    let short_tangent = |x: &Vec<f64>, dx: &Vec<f64>| {
        let (y, mut y_dot) = chain_jvp(x, dx);
        y_dot.pop();
        (y, y_dot)
    };
    let failure = check::jvp(chain, short_tangent, &chain_point(), &jvp64()).unwrap_err();
    assert_eq!(failure.check, Check::Jvp);
    assert_eq!(failure.relative_error, f64::INFINITY);

    let short_adjoint = |x: &Vec<f64>, y_bar: &Vec<f64>| {
        let mut x_bar = chain_vjp(x, y_bar);
        x_bar.pop();
        x_bar
    };
    let failure =
        check::dot_product(chain_jvp, short_adjoint, &chain_point(), &dot64()).unwrap_err();
    assert_eq!(failure.check, Check::DotProduct);
    assert_eq!(failure.relative_error, f64::INFINITY);
}

#[test]
fn nan_fails() {
    let nan_jvp = |x: &f64, _: &f64| (cubic(x), f64::NAN);
    let failure = check::jvp(cubic, nan_jvp, &0.7, &jvp64()).unwrap_err();
    assert!(failure.relative_error.is_nan());
    let nan_vjp = |_: &f64, _: &f64| f64::NAN;
    let failure = check::dot_product(cubic_jvp, nan_vjp, &0.7, &dot64()).unwrap_err();
    assert!(failure.relative_error.is_nan());
}

#[test]
fn exact_zeros_pass() {
    // a constant function: J = 0 in forward and reverse mode
    let f = |_: &(f64, f64)| 4.0;
    let f_jvp = |_: &(f64, f64), _: &(f64, f64)| (4.0, 0.0);
    let f_vjp = |_: &(f64, f64), _: &f64| (0.0, 0.0);
    let reports = check::all(f, f_jvp, f_vjp, &(1.0, 2.0), &jvp64(), &dot64()).unwrap();
    assert_eq!(reports.jvp.max_rel_error, 0.0);
    assert_eq!(reports.dot_product.max_rel_error, 0.0);
}

// ----- messages -----

#[test]
fn failures_say_what_failed_and_by_how_much() {
    let off = |x: &f64, v: &f64| {
        let (y, y_dot) = cubic_jvp(x, v);
        (y, 1.01 * y_dot)
    };
    let failure = check::jvp(cubic, off, &0.7, &jvp64()).unwrap_err();
    let message = failure.to_string();
    assert!(
        message.starts_with("jvp check failed in direction 0"),
        "{message}"
    );
    assert!(message.contains("relative error of 9.901e-3"), "{message}");
    assert!(message.contains("tolerance 1.0e-7"), "{message}");
    assert!(message.contains("finite difference = "), "{message}");

    let wrong = |x: &Vec<f64>, y_bar: &Vec<f64>| -> Vec<f64> {
        chain_vjp(x, y_bar).iter().map(|g| -g).collect()
    };
    let failure = check::dot_product(chain_jvp, wrong, &chain_point(), &dot64()).unwrap_err();
    let message = failure.to_string();
    assert!(
        message.starts_with(
            "dot-product check failed in direction 0: forward and reverse mode disagree"
        ),
        "{message}"
    );

    // a long output is shortened
    let long = |x: &Vec<f64>| x.clone();
    let long_jvp = |x: &Vec<f64>, v: &Vec<f64>| (x.clone(), v.iter().map(|v| 2.0 * v).collect());
    let failure = check::jvp(long, long_jvp, &vec![1.0; 20], &jvp64()).unwrap_err();
    assert!(
        failure.to_string().contains("... (20 entries)"),
        "{failure}"
    );
}

#[test]
fn failure_is_an_error() {
    fn run() -> Result<Report, Box<dyn std::error::Error>> {
        let wrong = |x: &f64, y_bar: &f64| -cubic_vjp(x, y_bar);
        Ok(check::dot_product(cubic_jvp, wrong, &0.7, &dot64())?)
    }
    let error = run().unwrap_err();
    assert!(error.to_string().starts_with("dot-product check failed"));
    assert!(error.downcast_ref::<Failure>().is_some());
}

// ----- determinism -----

#[test]
fn results_depend_on_the_seed_alone() {
    let x = chain_point();
    let run = |seed: u64| check::jvp(chain, chain_jvp, &x, &jvp64().seed(seed)).unwrap();
    assert_eq!(run(3), run(3));
    assert_ne!(run(3).max_rel_error, run(4).max_rel_error);

    let wrong = |x: &Vec<f64>, y_bar: &Vec<f64>| -> Vec<f64> {
        chain_vjp(x, y_bar).iter().map(|g| -g).collect()
    };
    let fail =
        |seed: u64| check::dot_product(chain_jvp, wrong, &x, &dot64().seed(seed)).unwrap_err();
    assert_eq!(fail(11), fail(11));
    assert_ne!(fail(11).expected, fail(12).expected);
}

#[test]
fn zero_directions_check_nothing() {
    let wrong = |x: &f64, y_bar: &f64| -cubic_vjp(x, y_bar);
    let report = check::dot_product(cubic_jvp, wrong, &0.7, &dot64().directions(0)).unwrap();
    assert_eq!(
        report,
        Report {
            max_rel_error: 0.0,
            directions: 0
        }
    );
}

// ----- configuration -----

#[test]
fn configurations_choose_tolerances_by_precision() {
    let c = Config::for_jvp::<f64>();
    assert_eq!((c.seed, c.directions, c.rtol), (0, 3, 1e-7));
    assert_eq!(Config::for_jvp::<f32>().rtol, 1e-3);
    let c = Config::for_dot_product::<f64>();
    assert_eq!((c.seed, c.directions, c.rtol), (0, 3, 1e-10));
    assert_eq!(Config::for_dot_product::<f32>().rtol, 1e-4);
    let c = Config::for_jvp::<f64>().seed(9).directions(2).rtol(0.5);
    assert_eq!(
        c,
        Config {
            seed: 9,
            directions: 2,
            rtol: 0.5
        }
    );
}

// ----- the finite-difference helpers -----

#[test]
fn forward_differences_are_first_order_and_central_second() {
    let f = |x: &f64| x.powi(3);
    // at x = 1: f' = 3, f'' = 6, f''' = 6
    for h in [1e-2, 1e-3] {
        let forward = check::forward_difference(f, &1.0, &1.0, h);
        // error ≈ f''/2·h = 3h
        assert!(((forward - 3.0) / (3.0 * h) - 1.0).abs() < 0.02, "h = {h}");
        let central = check::central_difference(f, &1.0, &1.0, h);
        // error = f'''/6·h² = h² exactly for a cubic
        assert!(((central - 3.0) / (h * h) - 1.0).abs() < 1e-3, "h = {h}");
    }
    // a direction scales the derivative
    let central = check::central_difference(f, &1.0, &-2.0, 1e-4);
    assert!((central + 6.0).abs() < 1e-6);
}

#[test]
fn forward_differences_lose_to_rounding_at_tiny_steps() {
    let f = |x: &f64| x.exp();
    let error = |h: f64| (check::forward_difference(f, &1.0, &1.0, h) - 1f64.exp()).abs();
    // the error falls with h, then rises as rounding takes over
    assert!(error(1e-8) < error(1e-4));
    assert!(error(1e-14) > error(1e-8));
}

#[test]
fn richardson_reaches_near_machine_precision() {
    let (d, error) = check::richardson(|x: &f64| x.exp(), &1.0, &1.0);
    assert!((d - 1f64.exp()).abs() < 1e-12, "{d}");
    assert!(error < 1e-9 && error > 0.0, "{error}");

    // tuple input and output: the directional derivative of pair at p in the direction d
    let p = (1.5, 0.3, -2.0);
    let d = (0.2, -1.0, 0.7);
    let (fd, _) = check::richardson(pair, &p, &d);
    let (_, exact) = pair_jvp(&p, &d);
    assert!((fd.0 - exact.0).abs() < 1e-11 && (fd.1 - exact.1).abs() < 1e-11);

    // a zero direction has a zero derivative
    let (fd, error) = check::richardson(chain, &chain_point(), &vec![0.0; 5]);
    assert_eq!((fd, error), (vec![0.0; 4], 0.0));
}

#[test]
fn richardson_in_f32() {
    let (d, error) = check::richardson(|x: &f32| x.sin(), &0.5f32, &1.0f32);
    assert!((d - 0.5f32.cos()).abs() < 1e-5, "{d}");
    assert!(error < 1e-4, "{error}");
}
