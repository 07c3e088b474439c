//! The generated gradients against hand-written ones, to 1e-12 relative: the extended
//! Rosenbrock function at n = 1000, and a loop of 10^6 iterations (reverse mode keeps one tape
//! entry per iteration).

use matcalc::differentiate;

#[path = "common/logistic.rs"]
mod logistic;
use logistic::{logistic, logistic_grad, logistic_gradient_by_hand, logistic_jvp};

#[differentiate]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut f = 0.0;
    let mut i = 0;
    while i + 1 < x.len() {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        f += 100.0 * a * a + b * b;
        i += 2;
    }
    f
}

fn rosenbrock_gradient_by_hand(x: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; x.len()];
    for i in (0..x.len() - 1).step_by(2) {
        let a = x[i + 1] - x[i] * x[i];
        g[i] = -400.0 * a * x[i] - 2.0 * (1.0 - x[i]);
        g[i + 1] = 200.0 * a;
    }
    g
}

fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let diff: f64 = a
        .iter()
        .zip(b)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    let norm: f64 = b.iter().map(|b| b * b).sum::<f64>().sqrt();
    diff / norm
}

#[test]
fn rosenbrock_1000_matches_the_hand_written_gradient() {
    let x: Vec<f64> = (0..1000)
        .map(|i| 0.5 + 0.4 * (i as f64 * 0.37).sin())
        .collect();
    let (value, gradient) = rosenbrock_grad(&x);
    assert_eq!(value, rosenbrock(&x));
    let by_hand = rosenbrock_gradient_by_hand(&x);
    let error = relative_error(&gradient, &by_hand);
    assert!(error < 1e-12, "relative error {error:e}");
    for (g, h) in gradient.iter().zip(&by_hand) {
        assert!((g - h).abs() <= 1e-12 * h.abs().max(1.0), "{g} vs {h}");
    }
}

#[test]
fn a_loop_of_a_million_iterations_matches_the_hand_written_adjoint() {
    let steps = 1_000_000;
    let (value, (du0, dr)) = logistic_grad(0.1, 2.0, steps);
    assert_eq!(value, logistic(0.1, 2.0, steps));
    let (hand_du0, hand_dr) = logistic_gradient_by_hand(0.1, 2.0, steps);
    assert!(
        (du0 - hand_du0).abs() < 1e-12 * hand_du0.abs(),
        "{du0} vs {hand_du0}"
    );
    assert!(
        (dr - hand_dr).abs() < 1e-12 * hand_dr.abs(),
        "{dr} vs {hand_dr}"
    );
    // Forward mode agrees too, one direction at a time.
    let (_, t_u0) = logistic_jvp(0.1, 2.0, steps, 1.0, 0.0);
    let (_, t_r) = logistic_jvp(0.1, 2.0, steps, 0.0, 1.0);
    assert!((t_u0 - hand_du0).abs() < 1e-12 * hand_du0.abs());
    assert!((t_r - hand_dr).abs() < 1e-12 * hand_dr.abs());
}
