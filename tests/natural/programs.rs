//! Programs as an ML or scientific Rust user writes them, each with one active parameter and
//! `#[differentiate(hessian)]`, checked three ways: `f_jvp` against finite differences of `f`,
//! `f_vjp` against `f_jvp` by the dot-product test, and `f_hvp` against the
//! Richardson-extrapolated differences of `f_grad`.

use crate::common::{Sampler, check_all};
use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};

fn slice(n: usize) -> Vec<f64> {
    Sampler::seeded().vec(&crate::common::Domain::new(-1.2, 1.2), n)
}

// ===================================================================== regression and losses

/// Mean squared error of a line through points, with the parameters as a slice `[w, b]`.
#[differentiate(wrt(p), hessian)]
fn line_mse(p: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len() as f64;
    xs.iter()
        .zip(ys.iter())
        .map(|(x, y)| (p[0] * x + p[1] - y) * (p[0] * x + p[1] - y))
        .sum::<f64>()
        / n
}

/// The Huber loss of residuals, summed with a fold.
#[differentiate(wrt(r), hessian)]
fn huber_total(r: &[f64], delta: f64) -> f64 {
    r.iter().fold(0.0, |acc, v| {
        acc + if v.abs() <= delta {
            0.5 * v * v
        } else {
            delta * (v.abs() - 0.5 * delta)
        }
    })
}

/// L2-regularised logistic regression on a design matrix.
#[differentiate(wrt(w), hessian)]
fn logistic_ridge(w: &DVector<f64>, x: &DMatrix<f64>, labels: &DVector<f64>, lambda: f64) -> f64 {
    let margins = (x * w).component_mul(labels);
    margins.map(|m| (1.0 + (-m).exp()).ln()).sum() + lambda * w.norm_squared()
}

/// Polynomial evaluation by Horner's rule, differentiated in the coefficients.
#[differentiate(wrt(coefficients), hessian)]
fn horner(coefficients: &[f64], x: f64) -> f64 {
    coefficients.iter().fold(0.0, |acc, c| acc * x + c)
        * coefficients.iter().fold(0.0, |acc, c| acc * x + c)
}

/// Sample variance by the two-pass formula.
#[differentiate(hessian)]
fn variance(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
}

/// Cosine similarity against a fixed vector.
#[differentiate(wrt(a), hessian)]
fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b.iter()).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// The extended Rosenbrock function over a range of indices.
#[differentiate(hessian)]
fn rosenbrock(x: &[f64]) -> f64 {
    (0..x.len() - 1)
        .map(|i| 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2))
        .sum()
}

// ======================================================================= statistics, models

/// The log-likelihood of a one-dimensional Gaussian mixture with equal weights, in the means.
#[differentiate(wrt(means), hessian)]
fn mixture_log_likelihood(means: &[f64], points: &[f64], sigma: f64) -> f64 {
    let k = means.len() as f64;
    let mut total = 0.0;
    for x in points.iter() {
        let density: f64 = means
            .iter()
            .map(|m| (-(x - m) * (x - m) / (2.0 * sigma * sigma)).exp())
            .sum();
        total += (density / k).ln();
    }
    total
}

/// The log-likelihood of a scalar random walk observed with noise, by the Kalman filter, in the
/// log-variances `[ln q, ln r]`.
#[differentiate(wrt(log_variances), hessian)]
fn kalman_log_likelihood(log_variances: &[f64], observations: &[f64]) -> f64 {
    let q = log_variances[0].exp();
    let r = log_variances[1].exp();
    let mut mean = 0.0;
    let mut variance = 1.0;
    let mut total = 0.0;
    for y in observations.iter() {
        let predicted = variance + q;
        let s = predicted + r;
        let innovation = y - mean;
        total -= 0.5 * ((2.0 * std::f64::consts::PI * s).ln() + innovation * innovation / s);
        let gain = predicted / s;
        mean += gain * innovation;
        variance = (1.0 - gain) * predicted;
    }
    total
}

/// A PCA reconstruction loss: ‖x − W·Wᵀ·x‖² for a basis W.
#[differentiate(wrt(w), hessian)]
fn pca_reconstruction(w: &DMatrix<f64>, x: &DVector<f64>) -> f64 {
    let projected = w * (w.transpose() * x);
    (x - projected).norm_squared()
}

/// One head of scaled dot-product attention over tokens (columns of `tokens`), the output's
/// squared norm, in the query matrix.
#[differentiate(wrt(wq), hessian)]
fn attention(
    wq: &DMatrix<f64>,
    wk: &DMatrix<f64>,
    tokens: &DMatrix<f64>,
    query: &DVector<f64>,
) -> f64 {
    let q = wq * query;
    let keys = wk * tokens;
    let scores = keys.transpose() * &q / (q.len() as f64).sqrt();
    let m = scores.max();
    let weights = scores.map(|s| (s - m).exp());
    let total = weights.sum();
    let output = tokens * weights / total;
    output.norm_squared()
}

/// A damped pendulum integrated by semi-implicit Euler from a copy of its initial state; the
/// final angle's square, in the initial state.
#[differentiate(wrt(start), hessian)]
fn pendulum(start: &[f64; 2], damping: f64, steps: usize) -> f64 {
    let mut state = *start;
    let dt = 0.01;
    for _ in 0..steps {
        state[1] += dt * (-state[0].sin() - damping * state[1]);
        state[0] += dt * state[1];
    }
    state[0] * state[0]
}

/// A softplus-weighted sum with the activation passed as a path.
#[differentiate(hessian)]
fn softplus_sum(x: &[f64]) -> f64 {
    x.iter().map(|v| v.exp().ln_1p()).map(f64::sqrt).sum()
}

// ================================================================================== tests

#[test]
fn regression_losses() {
    let (xs, ys) = (vec![0.5, 1.0, 2.0, -1.0], vec![1.2, 1.9, 4.1, -0.8]);
    check_all(
        |p: &Vec<f64>| line_mse(p, &xs, &ys),
        |p: &Vec<f64>, d: &Vec<f64>| line_mse_jvp(p, &xs, &ys, d),
        |p: &Vec<f64>| line_mse_vjp(p, &xs, &ys),
        |p: &Vec<f64>, v: &Vec<f64>| line_mse_hvp(p, &xs, &ys, v),
        |p: &Vec<f64>| line_mse_grad(p, &xs, &ys),
        &vec![1.5, 0.3],
    );
    // residuals away from ±δ, where the loss changes piece
    let r = vec![0.3, -2.5, 1.7, -0.1];
    check_all(
        |r: &Vec<f64>| huber_total(r, 1.0),
        |r: &Vec<f64>, d: &Vec<f64>| huber_total_jvp(r, 1.0, d),
        |r: &Vec<f64>| huber_total_vjp(r, 1.0),
        |r: &Vec<f64>, v: &Vec<f64>| huber_total_hvp(r, 1.0, v),
        |r: &Vec<f64>| huber_total_grad(r, 1.0),
        &r,
    );
    let x = DMatrix::from_row_slice(
        4,
        3,
        &[
            1.0, 0.5, -0.2, 0.3, -1.0, 0.8, -0.7, 0.2, 0.4, 0.1, 0.9, -0.5,
        ],
    );
    let labels = DVector::from_vec(vec![1.0, -1.0, 1.0, -1.0]);
    check_all(
        |w: &DVector<f64>| logistic_ridge(w, &x, &labels, 0.1),
        |w: &DVector<f64>, d: &DVector<f64>| logistic_ridge_jvp(w, &x, &labels, 0.1, d),
        |w: &DVector<f64>| logistic_ridge_vjp(w, &x, &labels, 0.1),
        |w: &DVector<f64>, v: &DVector<f64>| logistic_ridge_hvp(w, &x, &labels, 0.1, v),
        |w: &DVector<f64>| logistic_ridge_grad(w, &x, &labels, 0.1),
        &DVector::from_vec(vec![0.2, -0.4, 0.9]),
    );
}

#[test]
fn reductions_by_chains_and_folds() {
    check_all(
        |c: &Vec<f64>| horner(c, 0.7),
        |c: &Vec<f64>, d: &Vec<f64>| horner_jvp(c, 0.7, d),
        |c: &Vec<f64>| horner_vjp(c, 0.7),
        |c: &Vec<f64>, v: &Vec<f64>| horner_hvp(c, 0.7, v),
        |c: &Vec<f64>| horner_grad(c, 0.7),
        &slice(5),
    );
    check_all(
        |x: &Vec<f64>| variance(x),
        |x: &Vec<f64>, d: &Vec<f64>| variance_jvp(x, d),
        |x: &Vec<f64>| variance_vjp(x),
        |x: &Vec<f64>, v: &Vec<f64>| variance_hvp(x, v),
        |x: &Vec<f64>| variance_grad(x),
        &slice(6),
    );
    let b = vec![0.5, -1.0, 2.0, 0.25];
    check_all(
        |a: &Vec<f64>| cosine(a, &b),
        |a: &Vec<f64>, d: &Vec<f64>| cosine_jvp(a, &b, d),
        |a: &Vec<f64>| cosine_vjp(a, &b),
        |a: &Vec<f64>, v: &Vec<f64>| cosine_hvp(a, &b, v),
        |a: &Vec<f64>| cosine_grad(a, &b),
        &slice(4),
    );
    check_all(
        |x: &Vec<f64>| rosenbrock(x),
        |x: &Vec<f64>, d: &Vec<f64>| rosenbrock_jvp(x, d),
        |x: &Vec<f64>| rosenbrock_vjp(x),
        |x: &Vec<f64>, v: &Vec<f64>| rosenbrock_hvp(x, v),
        |x: &Vec<f64>| rosenbrock_grad(x),
        &slice(6),
    );
    check_all(
        |x: &Vec<f64>| softplus_sum(x),
        |x: &Vec<f64>, d: &Vec<f64>| softplus_sum_jvp(x, d),
        |x: &Vec<f64>| softplus_sum_vjp(x),
        |x: &Vec<f64>, v: &Vec<f64>| softplus_sum_hvp(x, v),
        |x: &Vec<f64>| softplus_sum_grad(x),
        &slice(5),
    );
}

#[test]
fn statistical_models() {
    let points = vec![0.3, -1.1, 2.2, 0.8, -0.4, 1.5];
    check_all(
        |m: &Vec<f64>| mixture_log_likelihood(m, &points, 0.8),
        |m: &Vec<f64>, d: &Vec<f64>| mixture_log_likelihood_jvp(m, &points, 0.8, d),
        |m: &Vec<f64>| mixture_log_likelihood_vjp(m, &points, 0.8),
        |m: &Vec<f64>, v: &Vec<f64>| mixture_log_likelihood_hvp(m, &points, 0.8, v),
        |m: &Vec<f64>| mixture_log_likelihood_grad(m, &points, 0.8),
        &vec![-0.5, 0.4, 1.6],
    );
    let observations = vec![0.1, 0.4, 0.2, 0.9, 1.3, 1.1, 1.6];
    check_all(
        |l: &Vec<f64>| kalman_log_likelihood(l, &observations),
        |l: &Vec<f64>, d: &Vec<f64>| kalman_log_likelihood_jvp(l, &observations, d),
        |l: &Vec<f64>| kalman_log_likelihood_vjp(l, &observations),
        |l: &Vec<f64>, v: &Vec<f64>| kalman_log_likelihood_hvp(l, &observations, v),
        |l: &Vec<f64>| kalman_log_likelihood_grad(l, &observations),
        &vec![-1.5, -0.7],
    );
}

#[test]
fn linear_algebra_models() {
    let x = DVector::from_vec(vec![0.5, -1.0, 2.0, 0.3]);
    let w = DMatrix::from_row_slice(4, 2, &[0.5, 0.1, -0.3, 0.7, 0.2, -0.4, 0.6, 0.2]);
    check_all(
        |w: &DMatrix<f64>| pca_reconstruction(w, &x),
        |w: &DMatrix<f64>, d: &DMatrix<f64>| pca_reconstruction_jvp(w, &x, d),
        |w: &DMatrix<f64>| pca_reconstruction_vjp(w, &x),
        |w: &DMatrix<f64>, v: &DMatrix<f64>| pca_reconstruction_hvp(w, &x, v),
        |w: &DMatrix<f64>| pca_reconstruction_grad(w, &x),
        &w,
    );
    let wq = DMatrix::from_row_slice(2, 3, &[0.5, -0.2, 0.1, 0.3, 0.8, -0.6]);
    let wk = DMatrix::from_row_slice(2, 3, &[0.2, 0.4, -0.3, -0.5, 0.1, 0.7]);
    let tokens = DMatrix::from_row_slice(
        3,
        4,
        &[
            1.0, 0.2, -0.5, 0.3, -0.4, 0.9, 0.1, 0.6, 0.7, -0.8, 0.2, 0.5,
        ],
    );
    let query = DVector::from_vec(vec![0.4, -0.3, 0.9]);
    check_all(
        |wq: &DMatrix<f64>| attention(wq, &wk, &tokens, &query),
        |wq: &DMatrix<f64>, d: &DMatrix<f64>| attention_jvp(wq, &wk, &tokens, &query, d),
        |wq: &DMatrix<f64>| attention_vjp(wq, &wk, &tokens, &query),
        |wq: &DMatrix<f64>, v: &DMatrix<f64>| attention_hvp(wq, &wk, &tokens, &query, v),
        |wq: &DMatrix<f64>| attention_grad(wq, &wk, &tokens, &query),
        &wq,
    );
}

#[test]
fn simulations_from_copied_state() {
    check_all(
        |s: &[f64; 2]| pendulum(s, 0.1, 300),
        |s: &[f64; 2], d: &[f64; 2]| pendulum_jvp(s, 0.1, 300, d),
        |s: &[f64; 2]| pendulum_vjp(s, 0.1, 300),
        |s: &[f64; 2], v: &[f64; 2]| pendulum_hvp(s, 0.1, 300, v),
        |s: &[f64; 2]| pendulum_grad(s, 0.1, 300),
        &[0.8, -0.2],
    );
}
