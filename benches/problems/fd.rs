//! The finite-difference baseline: central differences, one coordinate at a time, 2n
//! evaluations of the objective per gradient, each step scaled to its coordinate.

/// The step of a central difference at `x`: ∛ε·max(1, |x|), which balances truncation (h²)
/// against rounding (ε/h).
fn step(x: f64) -> f64 {
    f64::EPSILON.cbrt() * x.abs().max(1.0)
}

/// The gradient of `f` at `x` by central differences.
pub fn gradient(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    let mut x = x.to_vec();
    let mut g = vec![0.0; x.len()];
    for i in 0..x.len() {
        let xi = x[i];
        let h = step(xi);
        x[i] = xi + h;
        let up = f(&x);
        x[i] = xi - h;
        let down = f(&x);
        x[i] = xi;
        g[i] = (up - down) / (2.0 * h);
    }
    g
}

/// The derivative of `f` at `x` in direction `v` by one central difference: two evaluations.
pub fn directional(f: impl Fn(&[f64]) -> f64, x: &[f64], v: &[f64]) -> f64 {
    let h = f64::EPSILON.cbrt();
    let at = |t: f64| -> Vec<f64> { x.iter().zip(v).map(|(x, v)| x + t * v).collect() };
    (f(&at(h)) - f(&at(-h))) / (2.0 * h)
}
