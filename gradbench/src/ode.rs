//! `ode`: cmpad's Runge–Kutta benchmark. y' = f(x, y) with f(x, y)₀ = x₀ and
//! f(x, y)ᵢ = xᵢ·yᵢ₋₁, from y(0) = 0 to t = 2 by s steps of the classical fourth-order scheme;
//! `primal` is y(2), `gradient` the gradient of its last entry with respect to x, by reverse
//! mode through every step.

use crate::protocol::{Evaluation, Runs, measure, parse, unknown_function};
use matcalc::differentiate;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Input {
    x: Vec<f64>,
    s: usize,
}

/// The right-hand side f(x, y).
#[differentiate]
pub fn ode_fun(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; x.len()];
    z[0] = x[0];
    for i in 1..x.len() {
        z[i] = x[i] * y[i - 1];
    }
    z
}

/// y(2) by `s` steps of the classical Runge–Kutta scheme.
#[differentiate(wrt(x))]
pub fn runge_kutta(x: &[f64], s: usize) -> Vec<f64> {
    let n = x.len();
    let h = 2.0 / s as f64;
    let mut y = vec![0.0; n];
    let mut stage = vec![0.0; n];
    for _ in 0..s {
        let k1 = ode_fun(x, &y);
        for i in 0..n {
            stage[i] = y[i] + h * k1[i] / 2.0;
        }
        let k2 = ode_fun(x, &stage);
        for i in 0..n {
            stage[i] = y[i] + h * k2[i] / 2.0;
        }
        let k3 = ode_fun(x, &stage);
        for i in 0..n {
            stage[i] = y[i] + h * k3[i];
        }
        let k4 = ode_fun(x, &stage);
        for i in 0..n {
            y[i] += h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0;
        }
    }
    y
}

/// The gradient of the last entry of y(2) with respect to x: the pullback of
/// [`runge_kutta`] at the last unit vector.
fn gradient(x: &[f64], s: usize) -> Vec<f64> {
    let (y, pullback) = runge_kutta_vjp(x, s);
    let mut last = vec![0.0; y.len()];
    last[y.len() - 1] = 1.0;
    pullback(last)
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let Input { x, s } = parse(input)?;
    if x.is_empty() || s == 0 {
        return Err("x must not be empty and s must be positive".to_string());
    }
    let runs = Runs::of(input);
    match function {
        "primal" => Ok(measure(runs, || runge_kutta(&x, s))),
        "gradient" => Ok(measure(runs, || gradient(&x, s))),
        other => Err(unknown_function("ode", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_solution_approaches_the_exact_one() {
        // yᵢ(t) = x₀x₁⋯xᵢ tⁱ⁺¹/(i + 1)!: RK4 is exact for the polynomials of degree ≤ 4
        let x = [0.5, 1.5, 0.8, 1.2];
        let y = runge_kutta(&x, 10);
        let mut product = 1.0;
        let mut factorial = 1.0;
        for i in 0..4 {
            product *= x[i] * 2.0;
            factorial *= (i + 1) as f64;
            let exact = product / factorial;
            assert!(
                (y[i] - exact).abs() < 1e-12,
                "y[{i}] = {} against {exact}",
                y[i]
            );
        }
    }

    #[test]
    fn the_gradient_of_the_last_entry_is_its_value_over_each_x() {
        // the last entry is x₀x₁x₂x₃·2⁴/4! (exactly, as above): ∂/∂xᵢ = value / xᵢ
        let x = [0.5, 1.5, 0.8, 1.2];
        let g = gradient(&x, 10);
        let last = runge_kutta(&x, 10)[3];
        for i in 0..4 {
            assert!(
                (g[i] - last / x[i]).abs() < 1e-12,
                "g[{i}] = {} against {}",
                g[i],
                last / x[i]
            );
        }
    }
}
