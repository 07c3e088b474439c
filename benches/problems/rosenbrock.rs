//! Case 1: the extended Rosenbrock function, f(x) = Σ_{k} 100·(x_{2k+1} − x_{2k}²)² + (1 − x_{2k})²,
//! scalar loop code. Gradient, forward JVP and Hessian-vector product.

use super::num::Num;
use matcalc::differentiate;

/// The sizes of the benchmark.
pub const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// The extended Rosenbrock function, for an even length.
#[differentiate(hessian)]
pub fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..x.len() / 2 {
        let a = x[2 * k];
        let b = x[2 * k + 1];
        s += 100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2);
    }
    s
}

/// The same function on any [`Num`], for the dual-number and tape baselines.
pub fn rosenbrock_generic<T: Num>(x: &[T]) -> T {
    let mut s = x[0].lift(0.0);
    for k in 0..x.len() / 2 {
        let a = x[2 * k];
        let b = x[2 * k + 1];
        let r = b - a * a;
        let t = -a + 1.0;
        s = s + r * r * 100.0 + t * t;
    }
    s
}

/// The value and the gradient, derived by hand: with a = x_{2k}, b = x_{2k+1},
/// ∂f/∂a = −400·a·(b − a²) − 2·(1 − a) and ∂f/∂b = 200·(b − a²).
pub fn rosenbrock_by_hand(x: &[f64]) -> (f64, Vec<f64>) {
    let mut s = 0.0;
    let mut g = vec![0.0; x.len()];
    for (pair, g) in x.chunks_exact(2).zip(g.chunks_exact_mut(2)) {
        let (a, b) = (pair[0], pair[1]);
        let r = b - a * a;
        s += 100.0 * r * r + (1.0 - a) * (1.0 - a);
        g[0] = -400.0 * a * r - 2.0 * (1.0 - a);
        g[1] = 200.0 * r;
    }
    (s, g)
}

/// The value and the directional derivative along `v`, by hand.
pub fn rosenbrock_jvp_by_hand(x: &[f64], v: &[f64]) -> (f64, f64) {
    let mut s = 0.0;
    let mut ds = 0.0;
    for (pair, dir) in x.chunks_exact(2).zip(v.chunks_exact(2)) {
        let (a, b) = (pair[0], pair[1]);
        let r = b - a * a;
        s += 100.0 * r * r + (1.0 - a) * (1.0 - a);
        ds += (-400.0 * a * r - 2.0 * (1.0 - a)) * dir[0] + 200.0 * r * dir[1];
    }
    (s, ds)
}

/// The value, the gradient and the Hessian-vector product H·v, by hand: per pair the Hessian is
/// [[1200a² − 400b + 2, −400a], [−400a, 200]].
pub fn rosenbrock_hvp_by_hand(x: &[f64], v: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    let mut s = 0.0;
    let mut g = vec![0.0; x.len()];
    let mut hv = vec![0.0; x.len()];
    for (((pair, dir), g), hv) in x
        .chunks_exact(2)
        .zip(v.chunks_exact(2))
        .zip(g.chunks_exact_mut(2))
        .zip(hv.chunks_exact_mut(2))
    {
        let (a, b) = (pair[0], pair[1]);
        let r = b - a * a;
        s += 100.0 * r * r + (1.0 - a) * (1.0 - a);
        g[0] = -400.0 * a * r - 2.0 * (1.0 - a);
        g[1] = 200.0 * r;
        hv[0] = (1200.0 * a * a - 400.0 * b + 2.0) * dir[0] - 400.0 * a * dir[1];
        hv[1] = -400.0 * a * dir[0] + 200.0 * dir[1];
    }
    (s, g, hv)
}

/// A point away from the minimum (1, …, 1), so that every term contributes.
pub fn point(n: usize) -> Vec<f64> {
    (0..n).map(|i| 0.5 + 0.4 * (0.7 * i as f64).sin()).collect()
}

/// A direction for the JVP and the Hessian-vector product.
pub fn direction(n: usize) -> Vec<f64> {
    (0..n).map(|i| (0.3 * i as f64).cos()).collect()
}
