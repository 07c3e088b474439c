//! Case 9: reverse mode through long loops, recorded in full and under `#[checkpoint]`: the
//! logistic map (a scalar state) and an explicit-Euler heat equation on 1,000 cells (a state of
//! 8 KB). Checkpointing keeps the state a loop starts from and recomputes iterations on the
//! binomial schedule: it trades time for memory, and the table shows how much time.

// The rod's update is written as index loops, which the macro differentiates (a copy between
// slice ranges is not among what an annotated function may contain).
#![allow(clippy::manual_memcpy)]

use matcalc::differentiate;

/// The trip counts of the logistic loop.
pub const LOGISTIC_STEPS: [usize; 2] = [100_000, 10_000_000];

/// The cells and steps of the heat equation.
pub const HEAT: (usize, usize) = (1_000, 1_000);

/// `steps` explicit Euler steps of logistic growth u′ = r·u·(1 − u), recorded in full.
#[differentiate]
pub fn logistic(u0: f64, r: f64, steps: usize) -> f64 {
    let h = 1.0 / steps as f64;
    let mut u = u0;
    for _ in 0..steps {
        u = u + h * r * u * (1.0 - u);
    }
    u
}

/// [`logistic`] under `#[checkpoint]`.
#[differentiate]
pub fn logistic_checkpointed(u0: f64, r: f64, steps: usize) -> f64 {
    let h = 1.0 / steps as f64;
    let mut u = u0;
    #[checkpoint]
    for _ in 0..steps {
        u = u + h * r * u * (1.0 - u);
    }
    u
}

/// Explicit Euler for u′ = c·u″ on a rod with fixed ends, recorded in full; the loss ½‖u(T)‖².
#[differentiate(wrt(u0, c))]
pub fn heat(u0: &[f64], c: f64, steps: usize) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = u0.to_vec();
    for _ in 0..steps {
        for j in 1..n - 1 {
            next[j] = u[j] + c * (u[j - 1] - 2.0 * u[j] + u[j + 1]);
        }
        for j in 1..n - 1 {
            u[j] = next[j];
        }
    }
    0.5 * u.iter().map(|v| v * v).sum::<f64>()
}

/// [`heat`] under `#[checkpoint]`.
#[differentiate(wrt(u0, c))]
pub fn heat_checkpointed(u0: &[f64], c: f64, steps: usize) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = u0.to_vec();
    #[checkpoint]
    for _ in 0..steps {
        for j in 1..n - 1 {
            next[j] = u[j] + c * (u[j - 1] - 2.0 * u[j] + u[j + 1]);
        }
        for j in 1..n - 1 {
            u[j] = next[j];
        }
    }
    0.5 * u.iter().map(|v| v * v).sum::<f64>()
}

/// The initial temperature of the rod: a sine bump.
pub fn rod(cells: usize) -> Vec<f64> {
    (0..cells)
        .map(|j| (std::f64::consts::PI * j as f64 / (cells - 1) as f64).sin())
        .collect()
}
