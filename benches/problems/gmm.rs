//! Case 7: ADBench's Gaussian mixture model objective (see `../shared/data/adbench/README.md`)
//! and its gradient with respect to the weights `alphas` (K), the means (K·d) and the inverse
//! covariance factors `icf` (K·d(d+1)/2).
//!
//! The objective is the sum of a data term over the points ([`gmm_data`], also the unit of the
//! parallel gradient), the terms without data ([`gmm_rest`]) and a constant; its gradient is the
//! sum of the two annotated terms' gradients. The data term is differentiated for the
//! parameters only (`wrt`), its points a plain `&[f64]`, and calls the annotated [`logsumexp`]
//! of case 2 once per point.

use super::logsumexp::logsumexp_generic;
use super::num::Num;
use matcalc::differentiate;
use std::f64::consts::PI;
use std::path::Path;

/// The instances of the benchmark, in order of size (all have n = 1000 points).
pub const INSTANCES: [&str; 7] = [
    "gmm_d2_K5",
    "gmm_d2_K10",
    "gmm_d10_K5",
    "gmm_d10_K25",
    "gmm_d20_K10",
    "gmm_d32_K25",
    "gmm_d64_K10",
];

/// An instance: sizes, parameters, points and the Wishart prior (γ, m).
#[derive(Clone, Debug)]
pub struct Gmm {
    pub d: usize,
    pub k: usize,
    pub alphas: Vec<f64>,
    pub means: Vec<f64>,
    pub icf: Vec<f64>,
    /// The points, d coordinates each, one after the other.
    pub x: Vec<f64>,
    pub gamma: f64,
    pub m: usize,
    /// The points split into chunks for the parallel gradient, 4 per thread of rayon's pool.
    pub chunks: Vec<Vec<f64>>,
}

impl Gmm {
    /// Reads an instance in ADBench's layout: `d K n`, alphas, means, icf, points, `gamma m`.
    pub fn read(path: &Path) -> Gmm {
        let v = super::read_numbers(path);
        let (d, k, n) = (v[0] as usize, v[1] as usize, v[2] as usize);
        let icf_sz = d * (d + 1) / 2;
        let mut at = 3;
        let mut take = |len: usize| {
            let part = v[at..at + len].to_vec();
            at += len;
            part
        };
        let alphas = take(k);
        let means = take(k * d);
        let icf = take(k * icf_sz);
        let x = take(n * d);
        let prior = take(2);
        let per_chunk = n.div_ceil(4 * rayon::current_num_threads()).max(1);
        let chunks = x.chunks(per_chunk * d).map(<[f64]>::to_vec).collect();
        Gmm {
            d,
            k,
            alphas,
            means,
            icf,
            x,
            gamma: prior[0],
            m: prior[1] as usize,
            chunks,
        }
    }

    /// The number of points.
    pub fn n(&self) -> usize {
        self.x.len() / self.d
    }

    /// The parameters in the order of the gradient: alphas, means, icf.
    pub fn params(&self) -> Vec<f64> {
        [&self.alphas[..], &self.means, &self.icf].concat()
    }

    /// The objective.
    pub fn objective(&self) -> f64 {
        gmm_objective(
            &self.alphas,
            &self.means,
            &self.icf,
            &self.x,
            self.d,
            self.k,
            self.gamma,
            self.m,
        )
    }

    /// The value and the gradient by matcalc's reverse mode, flattened: the data term's
    /// gradient over all the points, plus the other terms'.
    pub fn gradient(&self) -> (f64, Vec<f64>) {
        self.finish(self.data_gradient(&self.x))
    }

    /// The recording sweeps of the two annotated terms, without their pullbacks: the values
    /// their reverse modes return.
    pub fn sweep(&self) -> f64 {
        let (d, k) = (self.d, self.k);
        let (data, _) = gmm_data_vjp(&self.alphas, &self.means, &self.icf, &self.x, d, k);
        let (rest, _) = gmm_rest_vjp(&self.alphas, &self.icf, d, k, self.n(), self.gamma, self.m);
        data + rest
    }

    /// The value and the gradient by hand, flattened.
    pub fn gradient_by_hand(&self) -> (f64, Vec<f64>) {
        let (value, (a, mu, icf)) = gmm_objective_by_hand(
            &self.alphas,
            &self.means,
            &self.icf,
            &self.x,
            self.d,
            self.k,
            self.gamma,
            self.m,
        );
        (value, [a, mu, icf].concat())
    }

    /// The value and the gradient with the data term's gradient summed over [`Gmm::chunks`] of
    /// points in parallel (rayon), flattened.
    pub fn gradient_parallel(&self) -> (f64, Vec<f64>) {
        use rayon::prelude::*;
        let data = self
            .chunks
            .par_iter()
            .map(|x| self.data_gradient(x))
            .reduce(|| self.zero(), sum);
        self.finish(data)
    }

    /// The same over the same chunks one after the other: the reference of the parallel
    /// speed-up.
    pub fn gradient_chunked(&self) -> (f64, Vec<f64>) {
        let data = self
            .chunks
            .iter()
            .map(|x| self.data_gradient(x))
            .fold(self.zero(), sum);
        self.finish(data)
    }

    fn data_gradient(&self, x: &[f64]) -> Flat {
        let (value, (a, mu, icf)) =
            gmm_data_grad(&self.alphas, &self.means, &self.icf, x, self.d, self.k);
        (value, [a, mu, icf].concat())
    }

    fn zero(&self) -> Flat {
        (
            0.0,
            vec![0.0; self.alphas.len() + self.means.len() + self.icf.len()],
        )
    }

    /// Adds the terms without data to the data term's value and gradient.
    fn finish(&self, (data, mut gradient): Flat) -> (f64, Vec<f64>) {
        let (d, k, n) = (self.d, self.k, self.n());
        let (rest, (a_rest, icf_rest, _)) =
            gmm_rest_grad(&self.alphas, &self.icf, d, k, n, self.gamma, self.m);
        let (a, rest_of_gradient) = gradient.split_at_mut(k);
        let icf = &mut rest_of_gradient[k * d..];
        for (g, r) in a
            .iter_mut()
            .zip(&a_rest)
            .chain(icf.iter_mut().zip(&icf_rest))
        {
            *g += r;
        }
        (
            data + rest + gmm_constant(d, k, n, self.gamma, self.m),
            gradient,
        )
    }

    /// The objective on any [`Num`], parameters flattened (alphas, means, icf).
    pub fn objective_generic<T: Num>(&self, params: &[T]) -> T {
        gmm_objective_generic(params, &self.x, self.d, self.k, self.gamma, self.m)
    }
}

/// A value and a flattened gradient.
type Flat = (f64, Vec<f64>);

fn sum((v1, mut g1): Flat, (v2, g2): Flat) -> Flat {
    for (a, b) in g1.iter_mut().zip(&g2) {
        *a += b;
    }
    (v1 + v2, g1)
}

/// The golden values of an instance: the objective, then the gradient (flattened).
pub fn read_golden(path: &Path) -> (f64, Vec<f64>) {
    let v = super::read_numbers(path);
    (v[0], v[1..].to_vec())
}

/// The index in `icf_k` of the entry (r, c), r > c, of the strictly lower part of Q_k, which
/// ADBench stores column by column after the d diagonal logs.
fn lower(d: usize, r: usize, c: usize) -> usize {
    d + c * (2 * d - c - 1) / 2 + r - c - 1
}

/// Σᵢ lse_k(α_k + Σ q_k − ½‖Q_k(xᵢ − μ_k)‖²) over the points `x` (d coordinates each, one
/// after the other).
#[differentiate(wrt(alphas, means, icf))]
pub fn gmm_data(alphas: &[f64], means: &[f64], icf: &[f64], x: &[f64], d: usize, k: usize) -> f64 {
    let icf_sz = d * (d + 1) / 2;
    let n = x.len() / d;
    // the diagonals of the Q_k and the sums of their logs
    let mut q_diag = vec![0.0; k * d];
    let mut sum_q = vec![0.0; k];
    for ik in 0..k {
        for r in 0..d {
            q_diag[ik * d + r] = icf[ik * icf_sz + r].exp();
            sum_q[ik] += icf[ik * icf_sz + r];
        }
    }
    let mut main = vec![0.0; k];
    let mut total = 0.0;
    for i in 0..n {
        for ik in 0..k {
            // ‖Q_k(xᵢ − μ_k)‖², row r of Q_k at a time
            let mut sq = 0.0;
            for r in 0..d {
                let mut qr = q_diag[ik * d + r] * (x[i * d + r] - means[ik * d + r]);
                for c in 0..r {
                    qr += icf[ik * icf_sz + lower(d, r, c)] * (x[i * d + c] - means[ik * d + c]);
                }
                sq += qr * qr;
            }
            main[ik] = alphas[ik] + sum_q[ik] - 0.5 * sq;
        }
        total += super::logsumexp::logsumexp(&main);
    }
    total
}

/// The terms of the objective that depend on the parameters but not on the data: the Wishart
/// prior Σ_k ½γ²(‖e^{q_k}‖² + ‖l_k‖²) − m·Σq_k, and −n·lse(α).
/// (`gamma` is active too, so that the objective can call this function; its tangent is zero there.)
#[differentiate]
pub fn gmm_rest(
    alphas: &[f64],
    icf: &[f64],
    d: usize,
    k: usize,
    n: usize,
    gamma: f64,
    m: usize,
) -> f64 {
    let icf_sz = d * (d + 1) / 2;
    let mut prior = 0.0;
    for ik in 0..k {
        let mut frobenius = 0.0;
        let mut sum_q = 0.0;
        for r in 0..d {
            frobenius += icf[ik * icf_sz + r].exp().powi(2);
            sum_q += icf[ik * icf_sz + r];
        }
        for j in d..icf_sz {
            frobenius += icf[ik * icf_sz + j].powi(2);
        }
        prior += 0.5 * gamma * gamma * frobenius - m as f64 * sum_q;
    }
    prior - n as f64 * super::logsumexp::logsumexp(alphas)
}

/// The objective: [`gmm_data`] + [`gmm_rest`] + [`gmm_constant`].
#[allow(clippy::too_many_arguments)]
pub fn gmm_objective(
    alphas: &[f64],
    means: &[f64],
    icf: &[f64],
    x: &[f64],
    d: usize,
    k: usize,
    gamma: f64,
    m: usize,
) -> f64 {
    let n = x.len() / d;
    gmm_data(alphas, means, icf, x, d, k)
        + gmm_rest(alphas, icf, d, k, n, gamma, m)
        + gmm_constant(d, k, n, gamma, m)
}

/// The constant terms: −n·d/2·log 2π − K·C.
pub fn gmm_constant(d: usize, k: usize, n: usize, gamma: f64, m: usize) -> f64 {
    -(n as f64) * d as f64 * 0.5 * (2.0 * PI).ln() - k as f64 * wishart_constant(d, gamma, m)
}

/// C = N·d·(log γ − ½ log 2) − log Γ_d(N/2), N = d + m + 1, the normalization of the prior.
pub fn wishart_constant(d: usize, gamma: f64, m: usize) -> f64 {
    let big_n = (d + m + 1) as f64;
    let mut log_multigamma = 0.25 * (d * (d - 1)) as f64 * PI.ln();
    for j in 1..=d {
        log_multigamma += ln_gamma_half_integer(0.5 * big_n + 0.5 * (1.0 - j as f64));
    }
    big_n * d as f64 * (gamma.ln() - 0.5 * 2f64.ln()) - log_multigamma
}

/// ln Γ(a) for a positive multiple of ½, exactly by Γ(x + 1) = x·Γ(x) from Γ(1) = 1, Γ(½) = √π
/// (the standard library has no stable lgamma).
fn ln_gamma_half_integer(a: f64) -> f64 {
    let twice = (2.0 * a).round();
    assert!(
        twice >= 1.0 && (2.0 * a - twice).abs() < 1e-9,
        "ln Γ({a}) needs a multiple of ½"
    );
    let (mut x, mut s) = if (twice as u64).is_multiple_of(2) {
        (1.0, 0.0)
    } else {
        (0.5, 0.5 * PI.ln())
    };
    while x < a - 0.25 {
        s += f64::ln(x);
        x += 1.0;
    }
    s
}

/// The objective on any [`Num`], for the dual-number and tape baselines; `params` holds alphas,
/// means and icf one after the other.
pub fn gmm_objective_generic<T: Num>(
    params: &[T],
    x: &[f64],
    d: usize,
    k: usize,
    gamma: f64,
    m: usize,
) -> T {
    let icf_sz = d * (d + 1) / 2;
    let n = x.len() / d;
    let (alphas, rest) = params.split_at(k);
    let (means, icf) = rest.split_at(k * d);
    let zero = params[0].lift(0.0);
    let mut q_diag = vec![zero; k * d];
    let mut sum_q = vec![zero; k];
    for ik in 0..k {
        for r in 0..d {
            q_diag[ik * d + r] = icf[ik * icf_sz + r].exp();
            sum_q[ik] = sum_q[ik] + icf[ik * icf_sz + r];
        }
    }
    let mut main = vec![zero; k];
    let mut total = zero;
    for i in 0..n {
        for ik in 0..k {
            let mut sq = zero;
            for r in 0..d {
                let mut qr = q_diag[ik * d + r] * (-means[ik * d + r] + x[i * d + r]);
                for c in 0..r {
                    qr = qr
                        + icf[ik * icf_sz + lower(d, r, c)] * (-means[ik * d + c] + x[i * d + c]);
                }
                sq = sq + qr * qr;
            }
            main[ik] = alphas[ik] + sum_q[ik] - sq * 0.5;
        }
        total = total + logsumexp_generic(&main);
    }
    let mut prior = zero;
    for ik in 0..k {
        let mut frobenius = zero;
        for r in 0..d {
            frobenius = frobenius + q_diag[ik * d + r] * q_diag[ik * d + r];
        }
        for j in d..icf_sz {
            frobenius = frobenius + icf[ik * icf_sz + j] * icf[ik * icf_sz + j];
        }
        prior = prior + frobenius * (0.5 * gamma * gamma) - sum_q[ik] * m as f64;
    }
    let constant = gmm_constant(d, k, n, gamma, m);
    total + prior - logsumexp_generic(alphas) * n as f64 + constant
}

/// The value and the gradient (ᾱ, μ̄, īcf) by hand. Per point, with the softmax weights
/// w_k of the main terms and r_k = Q_k(x − μ_k): ᾱ_k += w_k; μ̄_k += w_k·Q_kᵀr_k;
/// q̄_kj += w_k·(1 − r_kj·e^{q_kj}·(x − μ_k)_j); l̄_k(r, c) −= w_k·r_kr·(x − μ_k)_c.
/// Then ᾱ −= n·softmax(α) and the prior: q̄ += γ²e^{2q} − m, l̄ += γ²l.
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn gmm_objective_by_hand(
    alphas: &[f64],
    means: &[f64],
    icf: &[f64],
    x: &[f64],
    d: usize,
    k: usize,
    gamma: f64,
    m: usize,
) -> (f64, (Vec<f64>, Vec<f64>, Vec<f64>)) {
    let icf_sz = d * (d + 1) / 2;
    let n = x.len() / d;
    let mut q_diag = vec![0.0; k * d];
    let mut sum_q = vec![0.0; k];
    for ik in 0..k {
        for r in 0..d {
            q_diag[ik * d + r] = icf[ik * icf_sz + r].exp();
            sum_q[ik] += icf[ik * icf_sz + r];
        }
    }
    let mut alphas_bar = vec![0.0; k];
    let mut means_bar = vec![0.0; k * d];
    let mut icf_bar = vec![0.0; k * icf_sz];
    let mut centered = vec![0.0; k * d];
    let mut rotated = vec![0.0; k * d];
    let mut main = vec![0.0; k];
    let mut total = 0.0;
    for xi in x.chunks_exact(d) {
        for ik in 0..k {
            let xc = &mut centered[ik * d..(ik + 1) * d];
            for r in 0..d {
                xc[r] = xi[r] - means[ik * d + r];
            }
            let qx = &mut rotated[ik * d..(ik + 1) * d];
            let mut sq = 0.0;
            for r in 0..d {
                let mut qr = q_diag[ik * d + r] * xc[r];
                for c in 0..r {
                    qr += icf[ik * icf_sz + lower(d, r, c)] * xc[c];
                }
                qx[r] = qr;
                sq += qr * qr;
            }
            main[ik] = alphas[ik] + sum_q[ik] - 0.5 * sq;
        }
        let top = main.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let s: f64 = main.iter().map(|v| (v - top).exp()).sum();
        let lse = top + s.ln();
        total += lse;
        for ik in 0..k {
            let w = (main[ik] - lse).exp();
            alphas_bar[ik] += w;
            let xc = &centered[ik * d..(ik + 1) * d];
            let qx = &rotated[ik * d..(ik + 1) * d];
            let icf_k = &icf[ik * icf_sz..(ik + 1) * icf_sz];
            let icf_bar_k = &mut icf_bar[ik * icf_sz..(ik + 1) * icf_sz];
            let means_bar_k = &mut means_bar[ik * d..(ik + 1) * d];
            for r in 0..d {
                // ∂main/∂(Q x)_r = −(Q x)_r
                let t = -w * qx[r];
                icf_bar_k[r] += t * q_diag[ik * d + r] * xc[r];
                means_bar_k[r] -= t * q_diag[ik * d + r];
                for c in 0..r {
                    let j = lower(d, r, c);
                    icf_bar_k[j] += t * xc[c];
                    means_bar_k[c] -= t * icf_k[j];
                }
            }
        }
    }
    // Σ q_k enters every main term of component k: its adjoint is ᾱ_k so far.
    for ik in 0..k {
        for r in 0..d {
            icf_bar[ik * icf_sz + r] += alphas_bar[ik];
        }
    }
    let (lse_alphas, softmax) = super::logsumexp::logsumexp_by_hand(alphas);
    let mut prior = 0.0;
    for ik in 0..k {
        let mut frobenius = 0.0;
        for r in 0..d {
            let q = q_diag[ik * d + r];
            frobenius += q * q;
            icf_bar[ik * icf_sz + r] += gamma * gamma * q * q - m as f64;
        }
        for j in d..icf_sz {
            let l = icf[ik * icf_sz + j];
            frobenius += l * l;
            icf_bar[ik * icf_sz + j] += gamma * gamma * l;
        }
        prior += 0.5 * gamma * gamma * frobenius - m as f64 * sum_q[ik];
        alphas_bar[ik] -= n as f64 * softmax[ik];
    }
    let constant = gmm_constant(d, k, n, gamma, m);
    (
        total - n as f64 * lse_alphas + prior + constant,
        (alphas_bar, means_bar, icf_bar),
    )
}
