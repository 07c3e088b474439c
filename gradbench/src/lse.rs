//! `lse`: log-sum-exp with the max trick, LSE(x) = a + ln Σᵢ exp(xᵢ − a) with a = max x, and
//! its gradient (the softmax) by reverse mode.
//!
//! The maximum is found by its index, whose search is integer code the derivatives copy
//! unchanged; `a = x[k]` is then a single read that reverse mode differentiates. (A running
//! `a = a.max(x[i])` is the same function, but its reverse mode records a branch per entry:
//! the gradient took twice as long.)

use crate::protocol::{Evaluation, Runs, measure, parse, unknown_function};
use matcalc::differentiate;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Input {
    x: Vec<f64>,
}

/// log Σᵢ exp(xᵢ), shifted by the largest entry so that no exponential overflows.
#[differentiate]
pub fn logsumexp(x: &[f64]) -> f64 {
    let mut k = 0;
    for i in 1..x.len() {
        if x[i] > x[k] {
            k = i;
        }
    }
    let a = x[k];
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (x[i] - a).exp();
    }
    s.ln() + a
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let Input { x } = parse(input)?;
    let runs = Runs::of(input);
    match function {
        "primal" => Ok(measure(runs, || logsumexp(&x))),
        "gradient" => Ok(measure(runs, || logsumexp_grad(&x).1)),
        other => Err(unknown_function("lse", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gradient_is_the_softmax() {
        let x = [0.5, -1.0, 2.0, 2.0, 0.0];
        let (value, gradient) = logsumexp_grad(&x);
        let total: f64 = x.iter().map(|v| v.exp()).sum();
        assert!((value - total.ln()).abs() < 1e-14);
        let softmax: Vec<f64> = x.iter().map(|v| v.exp() / total).collect();
        crate::testing::assert_close("softmax", &gradient, &softmax, 1e-14);
    }
}
