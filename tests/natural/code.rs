//! Functions written the way people write them, before reading what the macro supports: a
//! two-layer perceptron on nalgebra with `map(f64::tanh)` on a temporary, logistic regression
//! over rows with iterator chains, softmax cross-entropy with the max trick (over a slice and
//! over a `DVector` with its own `max()`), an integrator that starts from `*state`, and a ridge
//! penalty on a built diagonal. Each is checked in forward mode against finite differences, in
//! reverse mode by the dot-product test, and its Hessian-vector products against differences of
//! its gradient.

use crate::common::{check_both, check_hvp_by_gradient};
use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};

/// A two-layer tanh perceptron's squared error.
#[differentiate(wrt(w1, w2), hessian)]
fn mlp_loss(w1: &DMatrix<f64>, w2: &DVector<f64>, x: &DVector<f64>, target: f64) -> f64 {
    let hidden = (w1 * x).map(f64::tanh);
    let out = w2.dot(&hidden);
    (out - target) * (out - target)
}

/// The mean logistic loss of a linear model over rows of features.
#[differentiate(wrt(w), hessian)]
fn logistic_loss(w: &[f64], rows: &[Vec<f64>], labels: &[f64]) -> f64 {
    let mut total = 0.0;
    for (row, y) in rows.iter().zip(labels.iter()) {
        let z: f64 = row.iter().zip(w.iter()).map(|(a, b)| a * b).sum();
        total += (1.0 + (-y * z).exp()).ln();
    }
    total / rows.len() as f64
}

/// Softmax cross-entropy of logits against a class, with the max trick.
#[differentiate(wrt(logits), hessian)]
fn cross_entropy(logits: &[f64], class: usize) -> f64 {
    let m = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let log_total = logits.iter().map(|z| (z - m).exp()).sum::<f64>().ln();
    m + log_total - logits[class]
}

/// Softmax cross-entropy on a nalgebra vector, with the vector's own `max()`.
#[differentiate(wrt(z), hessian)]
fn vector_cross_entropy(z: &DVector<f64>, class: usize) -> f64 {
    let m = z.max();
    let shifted = z.map(|v| (v - m).exp());
    m + shifted.sum().ln() - z[class]
}

/// The largest and smallest entries and absolute values of a vector.
#[differentiate(hessian)]
fn spread(z: &DVector<f64>) -> f64 {
    z.max() - z.min() + z.amax() * z.amin()
}

/// A spring-mass system integrated by symplectic Euler from a copy of the initial state
/// (`*state`, an array behind a reference): the final energy.
#[differentiate(wrt(state, stiffness), hessian)]
fn spring_energy(state: &[f64; 2], stiffness: f64, dt: f64, steps: usize) -> f64 {
    let mut s = *state;
    for _ in 0..steps {
        s[1] -= dt * stiffness * s[0];
        s[0] += dt * s[1];
    }
    0.5 * s[1] * s[1] + 0.5 * stiffness * s[0] * s[0]
}

/// A least-squares fit with a ridge penalty whose weights are a diagonal matrix.
#[differentiate(wrt(beta), hessian)]
fn ridge(beta: &DVector<f64>, a: &DMatrix<f64>, y: &DVector<f64>, penalty: &DVector<f64>) -> f64 {
    let residual = a * beta - y;
    let weights = DMatrix::from_diagonal(penalty);
    residual.norm_squared() + beta.dot(&(weights * beta))
}

#[test]
fn a_perceptron_with_map_on_a_temporary() {
    let w1 = DMatrix::from_row_slice(3, 2, &[0.5, -0.3, 0.8, 0.1, -0.6, 0.4]);
    let w2 = DVector::from_vec(vec![1.0, -0.5, 0.25]);
    let x = DVector::from_vec(vec![0.7, -1.2]);
    type P = (DMatrix<f64>, DVector<f64>);
    let point: P = (w1, w2);
    check_both(
        |p: &P| mlp_loss(&p.0, &p.1, &x, 0.3),
        |p: &P, d: &P| mlp_loss_jvp(&p.0, &p.1, &x, 0.3, &d.0, &d.1),
        |p: &P, y: &f64| mlp_loss_vjp(&p.0, &p.1, &x, 0.3).1(*y),
        &point,
    );
    let (d1, d2) = (point.0.map(|v| 0.1 - v), point.1.map(|v| v * 0.3));
    let (_, _, (h1, h2)) = mlp_loss_hvp(&point.0, &point.1, &x, 0.3, &d1, &d2);
    let h = 1e-5;
    let grad = |s: f64| mlp_loss_grad(&(&point.0 + &d1 * s), &(&point.1 + &d2 * s), &x, 0.3).1;
    let (plus, minus) = (grad(h), grad(-h));
    assert!((h1 - (plus.0 - minus.0) / (2.0 * h)).norm() < 1e-8);
    assert!((h2 - (plus.1 - minus.1) / (2.0 * h)).norm() < 1e-8);
}

#[test]
fn logistic_regression_over_rows() {
    let rows = vec![
        vec![1.0, 0.5, -0.2],
        vec![0.3, -1.0, 0.8],
        vec![-0.7, 0.2, 0.4],
    ];
    let labels = [1.0, -1.0, 1.0];
    check_both(
        |w: &Vec<f64>| logistic_loss(w, &rows, &labels),
        |w: &Vec<f64>, d: &Vec<f64>| logistic_loss_jvp(w, &rows, &labels, d),
        |w: &Vec<f64>, y: &f64| logistic_loss_vjp(w, &rows, &labels).1(*y),
        &vec![0.2, -0.4, 0.9],
    );
    check_hvp_by_gradient(
        |w: &Vec<f64>| logistic_loss_grad(w, &rows, &labels).1,
        |w: &Vec<f64>, v: &Vec<f64>| {
            let (_, g, hv) = logistic_loss_hvp(w, &rows, &labels, v);
            (g, hv)
        },
        &vec![0.2, -0.4, 0.9],
        1e-6,
    );
}

#[test]
fn softmax_cross_entropy_with_the_max_trick() {
    let logits = vec![0.5, 2.0, -1.0, 0.3];
    check_both(
        |z: &Vec<f64>| cross_entropy(z, 1),
        |z: &Vec<f64>, d: &Vec<f64>| cross_entropy_jvp(z, 1, d),
        |z: &Vec<f64>, y: &f64| cross_entropy_vjp(z, 1).1(*y),
        &logits,
    );
    // the gradient is softmax minus the one-hot class
    let total: f64 = logits.iter().map(|z: &f64| z.exp()).sum();
    let (_, gradient) = cross_entropy_grad(&logits, 1);
    for (i, g) in gradient.iter().enumerate() {
        let want = logits[i].exp() / total - if i == 1 { 1.0 } else { 0.0 };
        assert!((g - want).abs() < 1e-14, "{g} against {want}");
    }
    check_hvp_by_gradient(
        |z: &Vec<f64>| cross_entropy_grad(z, 1).1,
        |z: &Vec<f64>, v: &Vec<f64>| {
            let (_, g, hv) = cross_entropy_hvp(z, 1, v);
            (g, hv)
        },
        &logits,
        1e-6,
    );
}

#[test]
fn ridge_with_a_built_diagonal() {
    let a = DMatrix::from_row_slice(3, 2, &[1.0, 0.5, -0.3, 2.0, 0.7, -1.1]);
    let y = DVector::from_vec(vec![0.4, -0.2, 1.3]);
    let penalty = DVector::from_vec(vec![0.1, 0.5]);
    check_both(
        |b: &DVector<f64>| ridge(b, &a, &y, &penalty),
        |b: &DVector<f64>, d: &DVector<f64>| ridge_jvp(b, &a, &y, &penalty, d),
        |b: &DVector<f64>, s: &f64| ridge_vjp(b, &a, &y, &penalty).1(*s),
        &DVector::from_vec(vec![0.3, -0.8]),
    );
    check_hvp_by_gradient(
        |b: &DVector<f64>| ridge_grad(b, &a, &y, &penalty).1,
        |b: &DVector<f64>, v: &DVector<f64>| {
            let (_, g, hv) = ridge_hvp(b, &a, &y, &penalty, v);
            (g, hv)
        },
        &DVector::from_vec(vec![0.3, -0.8]),
        1e-6,
    );
}

#[test]
fn extrema_of_a_vector() {
    let z = DVector::from_vec(vec![0.5, 2.0, -1.0, 0.3]);
    check_both(
        |z: &DVector<f64>| vector_cross_entropy(z, 2),
        |z: &DVector<f64>, d: &DVector<f64>| vector_cross_entropy_jvp(z, 2, d),
        |z: &DVector<f64>, y: &f64| vector_cross_entropy_vjp(z, 2).1(*y),
        &z,
    );
    check_both(
        |z: &DVector<f64>| spread(z),
        |z: &DVector<f64>, d: &DVector<f64>| spread_jvp(z, d),
        |z: &DVector<f64>, y: &f64| spread_vjp(z).1(*y),
        &z,
    );
    // max 2 (entry 1), min −1 (entry 2), amax 2 (entry 1), amin 0.3 (entry 3)
    let (value, gradient) = spread_grad(&z);
    assert_eq!(value, 2.0 + 1.0 + 2.0 * 0.3);
    assert_eq!(gradient, DVector::from_vec(vec![0.0, 1.0 + 0.3, -1.0, 2.0]));
    check_hvp_by_gradient(
        |z: &DVector<f64>| vector_cross_entropy_grad(z, 2).1,
        |z: &DVector<f64>, v: &DVector<f64>| {
            let (_, g, hv) = vector_cross_entropy_hvp(z, 2, v);
            (g, hv)
        },
        &z,
        1e-6,
    );
    check_hvp_by_gradient(
        |z: &DVector<f64>| spread_grad(z).1,
        |z: &DVector<f64>, v: &DVector<f64>| {
            let (_, g, hv) = spread_hvp(z, v);
            (g, hv)
        },
        &z,
        1e-6,
    );
}

#[test]
fn an_integrator_from_a_copy_of_its_state() {
    type P = ([f64; 2], f64);
    let point: P = ([1.0, -0.5], 2.5);
    check_both(
        |p: &P| spring_energy(&p.0, p.1, 0.01, 200),
        |p: &P, d: &P| spring_energy_jvp(&p.0, p.1, 0.01, 200, &d.0, d.1),
        |p: &P, y: &f64| spring_energy_vjp(&p.0, p.1, 0.01, 200).1(*y),
        &point,
    );
    // the state the caller passed is unchanged
    let state = [1.0, -0.5];
    let _ = spring_energy_grad(&state, 2.5, 0.01, 200);
    assert_eq!(state, [1.0, -0.5]);
    check_hvp_by_gradient(
        |p: &P| spring_energy_grad(&p.0, p.1, 0.01, 200).1,
        |p: &P, v: &P| {
            let (_, g, hv) = spring_energy_hvp(&p.0, p.1, 0.01, 200, &v.0, v.1);
            (g, hv)
        },
        &point,
        1e-6,
    );
}
