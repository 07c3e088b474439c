//! The heat equation u′ = c·u″ by explicit Euler steps on a rod with fixed ends, recorded in
//! full and under `#[checkpoint]`: a time-stepping simulation whose state is a vector, shared by
//! the tests of checkpointing and of reverse mode's memory.
// Index loops, which the macro differentiates (a copy between slice ranges is not among what an
// annotated function may contain); each test crate uses a part of this module.
#![allow(clippy::manual_memcpy, dead_code)]

use matcalc::differentiate;

/// Explicit Euler for u′ = c·u″ on a rod with fixed ends; the loss is ½‖u‖² at the end.
#[differentiate(wrt(u0, c), hessian)]
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

/// [`heat`] with its time loop under `#[checkpoint]`.
#[differentiate(wrt(u0, c), hessian)]
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
