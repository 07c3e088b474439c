//! `llsq`: the linear least-squares objective of cmpad,
//! y(x) = ½ Σᵢ (sᵢ − Σⱼ xⱼ tᵢʲ)² with tᵢ = −1 + 2i/(n − 1) and sᵢ = sign(tᵢ), and its gradient
//! with respect to x by reverse mode.

use crate::protocol::{Evaluation, Runs, measure, parse, unknown_function};
use matcalc::differentiate;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Input {
    x: Vec<f64>,
    n: usize,
}

/// The objective at the n points tᵢ spread evenly over [−1, 1].
#[differentiate(wrt(x))]
pub fn llsq(x: &[f64], n: usize) -> f64 {
    let mut sum = 0.0;
    for i in 0..n {
        let ti = -1.0 + i as f64 * 2.0 / (n as f64 - 1.0);
        let mut inner = if ti > 0.0 {
            1.0
        } else if ti < 0.0 {
            -1.0
        } else {
            0.0
        };
        let mut power = 1.0;
        for j in 0..x.len() {
            inner -= x[j] * power;
            power *= ti;
        }
        sum += inner * inner;
    }
    sum / 2.0
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let Input { x, n } = parse(input)?;
    let runs = Runs::of(input);
    match function {
        "primal" => Ok(measure(runs, || llsq(&x, n))),
        "gradient" => Ok(measure(runs, || llsq_grad(&x, n).1)),
        other => Err(unknown_function("llsq", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gradient_is_minus_the_residuals_times_the_powers() {
        let (x, n) = ([0.3, -0.2, 0.5], 5);
        let (_, gradient) = llsq_grad(&x, n);
        // ∂y/∂xⱼ = −Σᵢ rᵢ tᵢʲ with rᵢ the residual at tᵢ
        let mut expected = [0.0; 3];
        for i in 0..n {
            let t = -1.0 + i as f64 * 2.0 / (n as f64 - 1.0);
            let s = if t > 0.0 {
                1.0
            } else if t < 0.0 {
                -1.0
            } else {
                0.0
            };
            let r = s - x[0] - x[1] * t - x[2] * t * t;
            for j in 0..3 {
                expected[j] -= r * t.powi(j as i32);
            }
        }
        for (g, e) in gradient.iter().zip(&expected) {
            assert!((g - e).abs() < 1e-14, "{g} against {e}");
        }
    }
}
