//! `saddle`: Pearlmutter and Siskind's saddle point, min over x of max over y of
//! f(x, y) = (x₁² + x₂²) − (y₁² + y₂²), both by gradient descent from the input point; then the
//! maximizing y at that x. Nested derivatives: the gradient in x differentiates the inner
//! maximization, a loop of gradient steps in y.
//!
//! The four functions name the mode of the outer derivative (in x) and then of the inner one
//! (in y); the final maximization uses the outer mode. As in `particle`, the inner gradient is
//! [`gradient_y`], by either mode, and the outer mode differentiates it through its companions,
//! a custom rule whose derivatives are the macro's HVP of f.

use crate::nested::{self, TOLERANCE};
use crate::protocol::{Evaluation, Runs, measure, parse};
use matcalc::differentiate;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Input {
    start: [f64; 2],
}

/// f(x, y).
#[differentiate(hessian)]
pub fn objective(x1: f64, x2: f64, y1: f64, y2: f64) -> f64 {
    (x1 * x1 + x2 * x2) - (y1 * y1 + y2 * y2)
}

/// A gradient in y.
type Pair = (f64, f64);

/// ∇_y f, by reverse mode (one gradient) when `inner_reverse`, by forward mode (one JVP per
/// coordinate) otherwise.
pub fn gradient_y(x1: f64, x2: f64, y1: f64, y2: f64, inner_reverse: bool) -> Pair {
    if inner_reverse {
        let (_, (_, _, d1, d2)) = objective_grad(x1, x2, y1, y2);
        (d1, d2)
    } else {
        let (_, d1) = objective_jvp(x1, x2, y1, y2, 0.0, 0.0, 1.0, 0.0);
        let (_, d2) = objective_jvp(x1, x2, y1, y2, 0.0, 0.0, 0.0, 1.0);
        (d1, d2)
    }
}

/// The companion of [`gradient_y`] for forward mode: the tangent of ∇_y f along v = (ẋ, ẏ) is
/// (H·v)_y, H the Hessian of f (symmetric).
#[allow(clippy::too_many_arguments)] // the shape the macro calls: the arguments, then a tangent each
pub fn gradient_y_jvp(
    x1: f64,
    x2: f64,
    y1: f64,
    y2: f64,
    inner_reverse: bool,
    x1_dot: f64,
    x2_dot: f64,
    y1_dot: f64,
    y2_dot: f64,
) -> (Pair, Pair) {
    let (_, _, (_, _, h1, h2)) = objective_hvp(x1, x2, y1, y2, x1_dot, x2_dot, y1_dot, y2_dot);
    (gradient_y(x1, x2, y1, y2, inner_reverse), (h1, h2))
}

/// The companion of [`gradient_y`] for reverse mode: the adjoint ḡ goes to H·(0, 0, ḡ).
pub fn gradient_y_vjp(
    x1: f64,
    x2: f64,
    y1: f64,
    y2: f64,
    inner_reverse: bool,
) -> (Pair, impl Fn(Pair) -> (f64, f64, f64, f64)) {
    (
        gradient_y(x1, x2, y1, y2, inner_reverse),
        move |(g1, g2): Pair| objective_hvp(x1, x2, y1, y2, 0.0, 0.0, g1, g2).2,
    )
}

/// max over y of f(x, y): gradient ascent in y from `start` (the descent of
/// [`nested::argmin`] on −f, written out so that the outer derivative goes through it), the
/// inner gradient by reverse mode when `inner_reverse`.
#[differentiate(wrt(x1, x2))]
pub fn max_over_y(x1: f64, x2: f64, start: &[f64; 2], inner_reverse: bool) -> f64 {
    let mut y1 = start[0];
    let mut y2 = start[1];
    let mut fy = objective(x1, x2, y1, y2);
    let (first1, first2) = gradient_y(x1, x2, y1, y2, inner_reverse);
    let mut g1 = first1;
    let mut g2 = first2;
    let mut eta = TOLERANCE;
    let mut accepted = 0;
    loop {
        if (g1 * g1 + g2 * g2).sqrt() <= TOLERANCE {
            break;
        }
        if accepted == 10 {
            eta *= 2.0;
            accepted = 0;
            continue;
        }
        // a step against the gradient of −f
        let y1_next = y1 - eta * -g1;
        let y2_next = y2 - eta * -g2;
        let step = ((y1 - y1_next) * (y1 - y1_next) + (y2 - y2_next) * (y2 - y2_next)).sqrt();
        if step <= TOLERANCE {
            break;
        }
        let f_next = objective(x1, x2, y1_next, y2_next);
        if -f_next < -fy {
            y1 = y1_next;
            y2 = y2_next;
            fy = f_next;
            let (next1, next2) = gradient_y(x1, x2, y1, y2, inner_reverse);
            g1 = next1;
            g2 = next2;
            accepted += 1;
        } else {
            eta /= 2.0;
            accepted = 0;
        }
    }
    objective(x1, x2, y1, y2)
}

/// The saddle point (x, y) from `start`, the outer derivative by reverse mode when
/// `outer_reverse`, the inner one when `inner_reverse`.
fn saddle(start: [f64; 2], outer_reverse: bool, inner_reverse: bool) -> [f64; 4] {
    let outer = |x: &[f64]| max_over_y(x[0], x[1], &start, inner_reverse);
    let outer_gradient = |x: &[f64]| {
        if outer_reverse {
            let (d1, d2) = max_over_y_grad(x[0], x[1], &start, inner_reverse).1;
            vec![d1, d2]
        } else {
            let (_, d1) = max_over_y_jvp(x[0], x[1], &start, inner_reverse, 1.0, 0.0);
            let (_, d2) = max_over_y_jvp(x[0], x[1], &start, inner_reverse, 0.0, 1.0);
            vec![d1, d2]
        }
    };
    let x = nested::argmin(outer, outer_gradient, &start);
    // the maximizing y at x, its gradient by the outer mode
    let inner = |y: &[f64]| objective(x[0], x[1], y[0], y[1]);
    let inner_gradient = |y: &[f64]| {
        let (d1, d2) = gradient_y(x[0], x[1], y[0], y[1], outer_reverse);
        vec![d1, d2]
    };
    let y = nested::argmax(inner, inner_gradient, &start);
    [x[0], x[1], y[0], y[1]]
}

pub fn evaluate(function: &str, input: &Value) -> Result<Evaluation, String> {
    let Input { start } = parse(input)?;
    let (outer_reverse, inner_reverse) = nested::modes("saddle", function)?;
    Ok(measure(Runs::of(input), || {
        saddle(start, outer_reverse, inner_reverse)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inner_maximum_is_at_y_zero_and_its_gradient_is_two_x() {
        // max over y of |x|² − |y|² is |x|², reached at y = 0; its gradient is 2x
        for inner_reverse in [false, true] {
            let value = max_over_y(0.5, -0.25, &[1.0, 1.0], inner_reverse);
            assert!((value - 0.3125).abs() < 1e-8, "{value}");
            let (_, (d1, d2)) = max_over_y_grad(0.5, -0.25, &[1.0, 1.0], inner_reverse);
            let (_, t1) = max_over_y_jvp(0.5, -0.25, &[1.0, 1.0], inner_reverse, 1.0, 0.0);
            assert!(
                (d1 - 1.0).abs() < 1e-12 && (d2 + 0.5).abs() < 1e-12,
                "{d1} {d2}"
            );
            assert!((t1 - 1.0).abs() < 1e-12, "{t1}");
        }
    }
}
