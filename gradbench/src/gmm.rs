//! `gmm`: ADBench's Gaussian mixture model: the log-likelihood of n points under k Gaussians
//! in d dimensions with a Wishart prior on the inverse covariances, and its gradient with
//! respect to the weights `alpha`, the means `mu` and the inverse covariance factors `q` (the
//! log-diagonal) and `l` (the strictly lower triangle, column by column), by reverse mode.
//!
//! Written on matrices, as a user of nalgebra would: for each component, Q_k(X − μ_k·1ᵀ) for
//! all points at once, one matrix product whose derivative is a matrix rule, then the
//! log-sum-exp over the components point by point.

use crate::protocol::{Evaluation, Runs, measure, measure_as, parse, unknown_function};
use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};
use serde::Deserialize;
use serde_json::{Value, json};
use std::f64::consts::PI;

#[derive(Deserialize)]
struct Input {
    d: usize,
    k: usize,
    n: usize,
    x: Vec<Vec<f64>>,
    m: usize,
    gamma: f64,
    alpha: Vec<f64>,
    mu: Vec<Vec<f64>>,
    q: Vec<Vec<f64>>,
    l: Vec<Vec<f64>>,
}

/// ln Γ(x) for x > 0, by Lanczos' approximation (g = 7, nine terms; relative error below
/// 1e-15): the multivariate gamma function of the Wishart normalization is a constant.
fn ln_gamma(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // reflection: Γ(x)Γ(1 − x) = π / sin(πx)
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// ln Γ_p(a), the multivariate gamma function.
fn ln_multigamma(a: f64, p: usize) -> f64 {
    let mut out = 0.25 * (p * (p - 1)) as f64 * PI.ln();
    for j in 1..=p {
        out += ln_gamma(a + 0.5 * (1.0 - j as f64));
    }
    out
}

/// The log-posterior of the points `x` (one per column, d × n) under the mixture, with the
/// Wishart prior of parameters `gamma` and `m`.
#[differentiate(wrt(alpha, mu, q, l))]
pub fn gmm_objective(
    alpha: &DVector<f64>,
    mu: &DMatrix<f64>,
    q: &DMatrix<f64>,
    l: &DMatrix<f64>,
    x: &DMatrix<f64>,
    gamma: f64,
    m: usize,
) -> f64 {
    let d = x.nrows();
    let n = x.ncols();
    let k = alpha.len();
    let ones_n = DMatrix::from_element(1, n, 1.0);
    let ones_d = DMatrix::from_element(1, d, 1.0);
    // main[(j, i)]: αⱼ + Σ qⱼ − ½‖Qⱼ(xᵢ − μⱼ)‖²
    let mut main = DMatrix::zeros(k, n);
    let mut prior = 0.0;
    for j in 0..k {
        let mut qj = DMatrix::zeros(d, d);
        let mut sum_q = 0.0;
        let mut li = 0;
        for c in 0..d {
            qj[(c, c)] = q[(c, j)].exp();
            sum_q += q[(c, j)];
            for r in c + 1..d {
                qj[(r, c)] = l[(li, j)];
                li += 1;
            }
        }
        let centered = x - mu.column(j) * &ones_n;
        let qx = &qj * centered;
        let squared_norms = &ones_d * qx.component_mul(&qx);
        for i in 0..n {
            main[(j, i)] = alpha[j] + sum_q - 0.5 * squared_norms[(0, i)];
        }
        // the Wishart prior: ½γ²‖Qⱼ‖²_F − m Σ qⱼ
        prior += 0.5 * gamma * gamma * qj.norm_squared() - m as f64 * sum_q;
    }
    // Σᵢ log Σⱼ exp(main[(j, i)]), each shifted by its largest term
    let mut data = 0.0;
    for i in 0..n {
        let mut top = 0;
        for j in 1..k {
            if main[(j, i)] > main[(top, i)] {
                top = j;
            }
        }
        let shift = main[(top, i)];
        let mut sum = 0.0;
        for j in 0..k {
            sum += (main[(j, i)] - shift).exp();
        }
        data += sum.ln() + shift;
    }
    // log Σⱼ exp(αⱼ), the normalization of the weights
    let mut top = 0;
    for j in 1..k {
        if alpha[j] > alpha[top] {
            top = j;
        }
    }
    let mut sum = 0.0;
    for j in 0..k {
        sum += (alpha[j] - alpha[top]).exp();
    }
    let lse_alpha = sum.ln() + alpha[top];
    let dof = d + m + 1;
    let wishart_constant =
        (dof * d) as f64 * (gamma.ln() - 0.5 * 2f64.ln()) - ln_multigamma(0.5 * dof as f64, d);
    let constant = -((n * d) as f64) * 0.5 * (2.0 * PI).ln();
    constant + data - n as f64 * lse_alpha - prior + k as f64 * wishart_constant
}

/// A matrix whose column j is `rows[j]`, of `len` entries each.
fn columns(rows: &[Vec<f64>], len: usize) -> Result<DMatrix<f64>, String> {
    if rows.iter().any(|r| r.len() != len) {
        return Err(format!("a row of the input does not have {len} entries"));
    }
    Ok(DMatrix::from_fn(len, rows.len(), |r, c| rows[c][r]))
}

/// The JSON rows of the columns of a matrix.
fn rows(matrix: &DMatrix<f64>) -> Vec<&[f64]> {
    (0..matrix.ncols())
        .map(|c| &matrix.as_slice()[c * matrix.nrows()..(c + 1) * matrix.nrows()])
        .collect()
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let Input {
        d,
        k,
        n,
        x,
        m,
        gamma,
        alpha,
        mu,
        q,
        l,
    } = parse(input)?;
    let x = columns(&x, d)?;
    let alpha = DVector::from_vec(alpha);
    let (mu, q, l) = (
        columns(&mu, d)?,
        columns(&q, d)?,
        columns(&l, d * (d - 1) / 2)?,
    );
    if x.ncols() != n || alpha.len() != k || mu.ncols() != k || q.ncols() != k || l.ncols() != k {
        return Err("the sizes d, k and n do not match the data".to_string());
    }
    let runs = Runs::of(input);
    match function {
        "objective" => Ok(measure(runs, || {
            gmm_objective(&alpha, &mu, &q, &l, &x, gamma, m)
        })),
        "jacobian" => Ok(measure_as(
            runs,
            || gmm_objective_grad(&alpha, &mu, &q, &l, &x, gamma, m).1,
            |(alpha, mu, q, l)| json!({ "alpha": alpha.as_slice(), "mu": rows(&mu), "q": rows(&q), "l": rows(&l) }),
        )),
        other => Err(unknown_function("gmm", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials_and_the_half_integers() {
        let mut factorial = 1.0f64;
        for n in 1..20 {
            // Γ(n) = (n − 1)!
            assert!(
                (ln_gamma(n as f64) - factorial.ln()).abs() < 1e-13,
                "Γ({n})"
            );
            factorial *= n as f64;
        }
        // Γ(½) = √π, Γ(3/2) = √π/2
        assert!((ln_gamma(0.5) - PI.sqrt().ln()).abs() < 1e-14);
        assert!((ln_gamma(1.5) - (PI.sqrt() / 2.0).ln()).abs() < 1e-14);
    }
}
