//! Case 2: log-sum-exp with the max trick, lse(x) = m + ln Σ exp(xᵢ − m), m = max xᵢ. Its
//! gradient is the softmax. Also the building block of the GMM objective (case 7).

use super::num::Num;
use matcalc::differentiate;

/// The sizes of the benchmark.
pub const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

/// log Σ exp(xᵢ), computed without overflow by subtracting the largest entry.
#[differentiate]
pub fn logsumexp(x: &[f64]) -> f64 {
    let mut m = x[0];
    for i in 1..x.len() {
        m = m.max(x[i]);
    }
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (x[i] - m).exp();
    }
    m + s.ln()
}

/// The same on any [`Num`]; the max is chosen by value (its derivative cancels anyway).
pub fn logsumexp_generic<T: Num>(x: &[T]) -> T {
    let mut m = x[0];
    for v in &x[1..] {
        if v.re() > m.re() {
            m = *v;
        }
    }
    let mut s = x[0].lift(0.0);
    for v in x {
        s = s + (*v - m).exp();
    }
    m + s.ln()
}

/// The value and the gradient by hand: the softmax exp(xᵢ − lse).
pub fn logsumexp_by_hand(x: &[f64]) -> (f64, Vec<f64>) {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut g: Vec<f64> = x.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = g.iter().sum();
    for gi in &mut g {
        *gi /= s;
    }
    (m + s.ln(), g)
}

/// Entries spread over [−5, 5], so that the max trick matters.
pub fn point(n: usize) -> Vec<f64> {
    (0..n).map(|i| 5.0 * (0.37 * i as f64).sin()).collect()
}
