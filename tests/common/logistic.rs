//! Logistic growth u′ = r·u·(1 − u) by explicit Euler steps: scalar state through a long loop,
//! shared by the tests of exact gradients and of reverse mode's memory.

use matcalc::differentiate;

/// The final state after `steps` Euler steps of size 1/steps.
#[differentiate(hessian)]
pub fn logistic(u0: f64, r: f64, steps: usize) -> f64 {
    let h = 1.0 / steps as f64;
    let mut u = u0;
    for _ in 0..steps {
        u = u + h * r * u * (1.0 - u);
    }
    u
}

/// The adjoint recurrence of [`logistic`], written by hand: the forward sweep stores the
/// trajectory, the backward sweep runs the transposed steps.
pub fn logistic_gradient_by_hand(u0: f64, r: f64, steps: usize) -> (f64, f64) {
    let h = 1.0 / steps as f64;
    let mut states = Vec::with_capacity(steps);
    let mut u = u0;
    for _ in 0..steps {
        states.push(u);
        u = u + h * r * u * (1.0 - u);
    }
    let (mut u_bar, mut r_bar) = (1.0, 0.0);
    for &u in states.iter().rev() {
        r_bar += u_bar * h * u * (1.0 - u);
        u_bar *= 1.0 + h * r * (1.0 - 2.0 * u);
    }
    (u_bar, r_bar)
}
