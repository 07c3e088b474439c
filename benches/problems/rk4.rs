//! Case 3: a fixed-step RK4 integration of the Lotka–Volterra system
//! u′ = a·u − b·u·v, v′ = −c·v + d·u·v over t ∈ [0, 1], and the loss (u(1) − 1)² + (v(1) − 1)²;
//! the gradient with respect to the parameters p = (a, b, c, d) and the initial state u0.

use super::num::Num;
use matcalc::differentiate;

/// The numbers of steps of the benchmark.
pub const STEPS: [usize; 3] = [10, 100, 1_000];

/// The parameters (a, b, c, d) and the initial state of the benchmark.
pub const P: [f64; 4] = [1.5, 1.0, 3.0, 1.0];
pub const U0: [f64; 2] = [1.0, 0.5];

/// The right-hand side of the Lotka–Volterra system.
#[differentiate]
pub fn lotka_volterra(p: &[f64], u: f64, v: f64) -> (f64, f64) {
    (p[0] * u - p[1] * u * v, -p[2] * v + p[3] * u * v)
}

/// The loss at the end of `steps` RK4 steps of size 1/steps.
#[differentiate(wrt(p, u0))]
pub fn rk4_loss(p: &[f64], u0: &[f64], steps: usize) -> f64 {
    let h = 1.0 / steps as f64;
    let mut u = u0[0];
    let mut v = u0[1];
    for _ in 0..steps {
        let (k1u, k1v) = lotka_volterra(p, u, v);
        let (k2u, k2v) = lotka_volterra(p, u + 0.5 * h * k1u, v + 0.5 * h * k1v);
        let (k3u, k3v) = lotka_volterra(p, u + 0.5 * h * k2u, v + 0.5 * h * k2v);
        let (k4u, k4v) = lotka_volterra(p, u + h * k3u, v + h * k3v);
        u += h / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u);
        v += h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
    }
    (u - 1.0).powi(2) + (v - 1.0).powi(2)
}

/// The same on any [`Num`]: `x` is p (4) then u0 (2).
pub fn rk4_loss_generic<T: Num>(x: &[T], steps: usize) -> T {
    let f = |u: T, v: T| (x[0] * u - x[1] * u * v, -(x[2] * v) + x[3] * u * v);
    let h = 1.0 / steps as f64;
    let (mut u, mut v) = (x[4], x[5]);
    for _ in 0..steps {
        let (k1u, k1v) = f(u, v);
        let (k2u, k2v) = f(u + k1u * (0.5 * h), v + k1v * (0.5 * h));
        let (k3u, k3v) = f(u + k2u * (0.5 * h), v + k2v * (0.5 * h));
        let (k4u, k4v) = f(u + k3u * h, v + k3v * h);
        u = u + (k1u + k2u * 2.0 + k3u * 2.0 + k4u) * (h / 6.0);
        v = v + (k1v + k2v * 2.0 + k3v * 2.0 + k4v) * (h / 6.0);
    }
    let (du, dv) = (u - 1.0, v - 1.0);
    du * du + dv * dv
}

/// The value and the gradient (p̄, ū0) by a hand-written discrete adjoint: the forward sweep
/// stores the four stage states of every step, the backward sweep runs the RK4 stages in reverse
/// with the transposed Jacobians of the right-hand side.
pub fn rk4_loss_by_hand(p: &[f64], u0: &[f64], steps: usize) -> (f64, (Vec<f64>, Vec<f64>)) {
    let [a, b, c, d] = [p[0], p[1], p[2], p[3]];
    let f = |u: f64, v: f64| (a * u - b * u * v, -c * v + d * u * v);
    let h = 1.0 / steps as f64;
    let (mut u, mut v) = (u0[0], u0[1]);
    // the stage states y1..y4 of each step
    let mut stages = Vec::with_capacity(steps);
    for _ in 0..steps {
        let y1 = (u, v);
        let k1 = f(y1.0, y1.1);
        let y2 = (u + 0.5 * h * k1.0, v + 0.5 * h * k1.1);
        let k2 = f(y2.0, y2.1);
        let y3 = (u + 0.5 * h * k2.0, v + 0.5 * h * k2.1);
        let k3 = f(y3.0, y3.1);
        let y4 = (u + h * k3.0, v + h * k3.1);
        let k4 = f(y4.0, y4.1);
        stages.push([y1, y2, y3, y4]);
        u += h / 6.0 * (k1.0 + 2.0 * k2.0 + 2.0 * k3.0 + k4.0);
        v += h / 6.0 * (k1.1 + 2.0 * k2.1 + 2.0 * k3.1 + k4.1);
    }
    let loss = (u - 1.0).powi(2) + (v - 1.0).powi(2);
    let mut y_bar = (2.0 * (u - 1.0), 2.0 * (v - 1.0));
    let mut p_bar = [0.0; 4];
    // (ȳ, p̄) += J(y)ᵀ·k̄ for the stage at y; returns Jᵤᵀ·k̄.
    let mut stage_adjoint = |y: (f64, f64), k_bar: (f64, f64)| {
        let (u, v) = y;
        p_bar[0] += u * k_bar.0;
        p_bar[1] -= u * v * k_bar.0;
        p_bar[2] -= v * k_bar.1;
        p_bar[3] += u * v * k_bar.1;
        (
            (a - b * v) * k_bar.0 + d * v * k_bar.1,
            -b * u * k_bar.0 + (-c + d * u) * k_bar.1,
        )
    };
    for [y1, y2, y3, y4] in stages.iter().rev().copied() {
        let w = (h / 6.0 * y_bar.0, h / 6.0 * y_bar.1);
        let mut k_bar = [w, (2.0 * w.0, 2.0 * w.1), (2.0 * w.0, 2.0 * w.1), w];
        let mut y = y_bar;
        let g4 = stage_adjoint(y4, k_bar[3]);
        y = (y.0 + g4.0, y.1 + g4.1);
        k_bar[2] = (k_bar[2].0 + h * g4.0, k_bar[2].1 + h * g4.1);
        let g3 = stage_adjoint(y3, k_bar[2]);
        y = (y.0 + g3.0, y.1 + g3.1);
        k_bar[1] = (k_bar[1].0 + 0.5 * h * g3.0, k_bar[1].1 + 0.5 * h * g3.1);
        let g2 = stage_adjoint(y2, k_bar[1]);
        y = (y.0 + g2.0, y.1 + g2.1);
        k_bar[0] = (k_bar[0].0 + 0.5 * h * g2.0, k_bar[0].1 + 0.5 * h * g2.1);
        let g1 = stage_adjoint(y1, k_bar[0]);
        y_bar = (y.0 + g1.0, y.1 + g1.1);
    }
    (loss, (p_bar.to_vec(), vec![y_bar.0, y_bar.1]))
}
