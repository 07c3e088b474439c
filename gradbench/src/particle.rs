//! `particle`: Pearlmutter and Siskind's charged particle. A particle starts at (0, 8) with
//! velocity (0.75, 0) in the potential p(x; w) = 1/‖x − (10, 10 − w)‖ + 1/‖x − (10, 0)‖; Euler
//! steps of 0.1 with acceleration −∇ₓp until it would cross the x axis, where it lands by a
//! linear step; the control w minimizes the square of the landing abscissa, by gradient
//! descent from the input w. Nested derivatives: the gradient in w differentiates a trajectory
//! whose every step takes a gradient in x.
//!
//! The four functions name the mode of the outer derivative (in w, for the descent) and then
//! of the inner one (in x, for the acceleration): `rf` is reverse mode over forward mode.
//! The inner gradient is [`force`], two JVPs of [`potential`] or its gradient. The outer mode
//! differentiates a call to it through its companions, a custom rule whose derivatives come
//! from the macro's second order: the tangent and the pullback of −∇ₓp are −H·v, H the Hessian
//! of p, by `potential_hvp` (reverse mode over the tangent program). Whichever modes are named, the product with the second derivatives is that HVP:
//! only `rf` is the nesting of the macro's own modes, the others need one it does not write
//! (see GAPS.md).

use crate::nested;
use crate::protocol::{Evaluation, Runs, measure, parse};
use matcalc::differentiate;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Input {
    w: f64,
}

/// The potential of the two unit charges at (10, 10 − w) and (10, 0).
#[differentiate(hessian)]
pub fn potential(x1: f64, x2: f64, w: f64) -> f64 {
    let near = ((x1 - 10.0) * (x1 - 10.0) + (x2 - (10.0 - w)) * (x2 - (10.0 - w))).sqrt();
    let far = ((x1 - 10.0) * (x1 - 10.0) + x2 * x2).sqrt();
    1.0 / near + 1.0 / far
}

/// A force, or a point, in the plane.
type Pair = (f64, f64);

/// The force −∇ₓp, by reverse mode (one gradient) when `inner_reverse`, by forward mode (one
/// JVP per coordinate) otherwise.
pub fn force(x1: f64, x2: f64, w: f64, inner_reverse: bool) -> Pair {
    let (dx1, dx2) = if inner_reverse {
        let (_, (dx1, dx2, _)) = potential_grad(x1, x2, w);
        (dx1, dx2)
    } else {
        let (_, dx1) = potential_jvp(x1, x2, w, 1.0, 0.0, 0.0);
        let (_, dx2) = potential_jvp(x1, x2, w, 0.0, 1.0, 0.0);
        (dx1, dx2)
    };
    (-dx1, -dx2)
}

/// The companion of [`force`] for forward mode: the tangent of −∇ₓp along (ẋ, ẇ) is
/// −(H·(ẋ, ẇ))ₓ, H symmetric.
#[allow(clippy::too_many_arguments)] // the shape the macro calls: the arguments, then a tangent each
pub fn force_jvp(
    x1: f64,
    x2: f64,
    w: f64,
    inner_reverse: bool,
    x1_dot: f64,
    x2_dot: f64,
    w_dot: f64,
) -> (Pair, Pair) {
    let (_, _, (h1, h2, _)) = potential_hvp(x1, x2, w, x1_dot, x2_dot, w_dot);
    (force(x1, x2, w, inner_reverse), (-h1, -h2))
}

/// The companion of [`force`] for reverse mode: the force's adjoint ā goes to −H·(ā, 0).
pub fn force_vjp(
    x1: f64,
    x2: f64,
    w: f64,
    inner_reverse: bool,
) -> (Pair, impl Fn(Pair) -> (f64, f64, f64)) {
    (force(x1, x2, w, inner_reverse), move |(a1, a2): Pair| {
        let (_, _, (h1, h2, hw)) = potential_hvp(x1, x2, w, a1, a2, 0.0);
        (-h1, -h2, -hw)
    })
}

/// The square of the abscissa where the particle lands, for the control `w`; the force by
/// reverse mode when `inner_reverse`, by forward mode otherwise.
#[differentiate(wrt(w))]
pub fn landing(w: f64, inner_reverse: bool) -> f64 {
    let dt = 0.1;
    let mut x1 = 0.0;
    let mut x2 = 8.0;
    let mut v1 = 0.75;
    let mut v2 = 0.0;
    loop {
        let (a1, a2) = force(x1, x2, w, inner_reverse);
        let x1_next = x1 + dt * v1;
        let x2_next = x2 + dt * v2;
        if x2_next <= 0.0 {
            break;
        }
        x1 = x1_next;
        x2 = x2_next;
        v1 += dt * a1;
        v2 += dt * a2;
    }
    // the last step, shortened to land on the axis
    let dt_final = -x2 / v2;
    let x1_final = x1 + dt_final * v1;
    x1_final * x1_final
}

/// The control that minimizes the landing's square, from `w0`, with the outer derivative by
/// reverse mode when `outer_reverse`.
fn control(w0: f64, outer_reverse: bool, inner_reverse: bool) -> f64 {
    let objective = |w: &[f64]| landing(w[0], inner_reverse);
    let gradient = |w: &[f64]| {
        vec![if outer_reverse {
            landing_grad(w[0], inner_reverse).1
        } else {
            landing_jvp(w[0], inner_reverse, 1.0).1
        }]
    };
    nested::argmin(objective, gradient, &[w0])[0]
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let Input { w } = parse(input)?;
    let (outer_reverse, inner_reverse) = nested::modes("particle", function)?;
    Ok(measure(Runs::of(input), || {
        control(w, outer_reverse, inner_reverse)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forces_by_both_modes_agree() {
        let (f, r) = (force(1.0, 7.0, 0.3, false), force(1.0, 7.0, 0.3, true));
        assert!((f.0 - r.0).abs() < 1e-15 && (f.1 - r.1).abs() < 1e-15);
    }

    #[test]
    fn the_landing_derivative_is_the_same_in_every_mode() {
        let reverse = landing_grad(0.1, true).1;
        for inner_reverse in [false, true] {
            let forward = landing_jvp(0.1, inner_reverse, 1.0).1;
            let backward = landing_grad(0.1, inner_reverse).1;
            assert!(
                (forward - reverse).abs() < 1e-10 * reverse.abs(),
                "{forward} against {reverse}"
            );
            assert!(
                (backward - reverse).abs() < 1e-10 * reverse.abs(),
                "{backward} against {reverse}"
            );
        }
        // and finite differences agree, with the trajectory's step count unchanged nearby
        let h = 1e-6;
        let difference = (landing(0.1 + h, true) - landing(0.1 - h, true)) / (2.0 * h);
        assert!(
            (difference - reverse).abs() < 1e-6 * reverse.abs(),
            "{difference} against {reverse}"
        );
    }
}
