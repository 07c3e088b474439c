//! 7.1 Derivatives of random functions: the reparameterization trick, and where it fails.

use super::{Checks, Limit};
use matcalc::differentiate;
use rand::distr::Open01;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// Samples per estimate.
const SAMPLES: usize = 100_000;

/// Standard errors allowed between a Monte Carlo estimate and the exact value.
const STANDARD_ERRORS: f64 = 4.0;

/// One sample of f(X) = X² with X = μ + σZ: the randomness Z no longer depends on the
/// parameters, so the derivative can move inside the expectation.
#[differentiate(wrt(mu, sigma))]
fn squared_sample(mu: f64, sigma: f64, z: f64) -> f64 {
    let x = mu + sigma * z;
    x * x
}

/// The Monte Carlo estimate (1/n) Σ (μ + σzᵢ)² of E[(μ + σZ)²] = μ² + σ².
#[differentiate(wrt(mu, sigma))]
fn squared_mean(mu: f64, sigma: f64, z: &[f64]) -> f64 {
    let mut sum = 0.0;
    for i in 0..z.len() {
        let x = mu + sigma * z[i];
        sum += x * x;
    }
    sum / z.len() as f64
}

/// An exponential sample of rate p by inversion, X = −ln(U)/p, with U uniform on (0, 1).
#[differentiate(wrt(p))]
fn exponential_sample(p: f64, u: f64) -> f64 {
    -u.ln() / p
}

/// A Bernoulli sample X = 1 if U < p, else 0: a step in p.
#[differentiate(wrt(p))]
fn bernoulli_sample(p: f64, u: f64) -> f64 {
    if u < p { 1.0 } else { 0.0 }
}

/// ln P(X = x) for a Bernoulli(p) variable: x ln p + (1 − x) ln(1 − p).
#[differentiate(wrt(p))]
fn bernoulli_log_pmf(p: f64, x: f64) -> f64 {
    x * p.ln() + (1.0 - x) * (1.0 - p).ln()
}

/// The reparameterization trick writes a random variable as a differentiable function of its
/// parameters and of randomness that does not depend on them (X = μ + σZ; X = −ln(U)/p); then
/// d/dθ E[f(X)] = E[d/dθ f(X(θ, Z))], and a Monte Carlo average of the generated gradients
/// estimates it, with an error measured by its standard error s/√n. A Bernoulli sample
/// 1[U < p] is a step in p: its pathwise derivative is 0 wherever it exists, yet d/dp E[X] = 1.
pub(crate) fn random_functions(checks: &mut Checks) {
    let mut rng = StdRng::seed_from_u64(71);
    let normal: Vec<f64> = (0..SAMPLES)
        .map(|_| rng.sample::<f64, _>(StandardNormal))
        .collect();
    let uniform: Vec<f64> = (0..SAMPLES).map(|_| rng.sample::<f64, _>(Open01)).collect();
    checks.note(&format!(
        "n = {SAMPLES} samples per estimate (StdRng, fixed seed); tolerance: {STANDARD_ERRORS} \
         standard errors of the estimate"
    ));

    let (mu, sigma) = (1.5, 0.8);
    let per_sample: Vec<(f64, f64)> = normal
        .iter()
        .map(|&z| squared_sample_grad(mu, sigma, z).1)
        .collect();
    let (d_mu, se_mu) = mean_and_error(per_sample.iter().map(|g| g.0));
    let (d_sigma, se_sigma) = mean_and_error(per_sample.iter().map(|g| g.1));
    let exact = (2.0 * mu, 2.0 * sigma);
    let (_, estimate) = squared_mean_grad(mu, sigma, &normal);
    checks.close(
        "∇ of the MC mean vs mean of per-sample ∇",
        &estimate,
        &(d_mu, d_sigma),
        1e-12,
    );
    checks.close(
        "X = μ + σZ: ∇_(μ,σ) E[X²] (pathwise MC) vs (2μ, 2σ)",
        &estimate,
        &exact,
        tolerance(&[se_mu, se_sigma], &[exact.0, exact.1]),
    );

    let p = 2.0;
    let (d_p, se_p) = mean_and_error(uniform.iter().map(|&u| exponential_sample_grad(p, u).1));
    checks.close(
        "X = −ln(U)/p: d/dp E[X] (pathwise MC) vs −1/p²",
        &d_p,
        &(-1.0 / (p * p)),
        tolerance(&[se_p], &[-1.0 / (p * p)]),
    );

    let p = 0.3;
    let (pathwise, _) = mean_and_error(uniform.iter().map(|&u| bernoulli_sample_grad(p, u).1));
    let (mean, _) = mean_and_error(uniform.iter().map(|&u| bernoulli_sample(p, u)));
    checks.note(&format!(
        "X = 1[U < p], p = {p}: E[X] = p (MC {mean:.4}), so d/dp E[X] = 1; but each sample path \
         p ↦ 1[U < p] is flat except for a jump at p = U,"
    ));
    checks.note(
        "so its derivative is 0 (a.e.) and their mean is 0: the jump, a Dirac δ(p − U) whose \
         mean is the density of U at p (= 1), is what E[d/dp] misses.",
    );
    checks.close(
        "Bernoulli: pathwise MC of d/dp 1[U < p] vs 0",
        &pathwise,
        &0.0,
        0.0,
    );
    checks.bound(
        "Bernoulli: |pathwise − d/dp E[X]| vs d/dp E[X] = 1",
        (pathwise - 1.0).abs(),
        1.0,
        Limit::Above(0.99),
    );
    // The score-function (likelihood-ratio) estimator differentiates the density instead of
    // the sample: d/dp E[X] = E[X · d/dp ln P(X; p)], with the generated gradient of ln P.
    let (score, se_score) = mean_and_error(uniform.iter().map(|&u| {
        let x = bernoulli_sample(p, u);
        x * bernoulli_log_pmf_grad(p, x).1
    }));
    checks.close(
        "Bernoulli: score function E[X·∂ₚ ln P(X)] vs 1",
        &score,
        &1.0,
        tolerance(&[se_score], &[1.0]),
    );
}

/// The mean of the samples and its standard error s/√n.
fn mean_and_error(samples: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = samples.clone().count() as f64;
    let mean = samples.clone().sum::<f64>() / n;
    let variance = samples.map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    (mean, (variance / n).sqrt())
}

/// The relative tolerance of an estimate of `exact` whose standard errors are `errors`:
/// [`STANDARD_ERRORS`] of them, in the norm of [`Checks::close`].
fn tolerance(errors: &[f64], exact: &[f64]) -> f64 {
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    STANDARD_ERRORS * norm(errors) / norm(exact)
}
