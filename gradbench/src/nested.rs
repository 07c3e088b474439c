//! What the nested evals (`particle`, `saddle`) share: the names of their modes, and the
//! gradient descent of GradBench's `gd.hpp` for their outer optimizations, plain Rust around
//! the generated derivatives.
//!
//! The descent, from `x`, with step η = 10⁻⁵: stop when ‖∇f(x)‖ ≤ 10⁻⁵; after ten accepted steps double η;
//! otherwise try x′ = x − η∇f(x), stop when ‖x′ − x‖ ≤ 10⁻⁵, accept x′ when f(x′) < f(x) and
//! halve η when not. The evals expect this exact sequence of steps.

/// The modes a function of a nested eval names, `(outer_reverse, inner_reverse)`: its first
/// letter is the mode of the outer derivative, its second that of the inner one (`rf`: reverse
/// mode over forward mode).
pub fn modes(eval: &str, function: &str) -> Result<(bool, bool), String> {
    match function {
        "rr" => Ok((true, true)),
        "rf" => Ok((true, false)),
        "fr" => Ok((false, true)),
        "ff" => Ok((false, false)),
        other => Err(crate::protocol::unknown_function(eval, other)),
    }
}

/// The tolerance on the gradient and on the step, and the first step size.
pub const TOLERANCE: f64 = 1e-5;

/// A minimizer of `f` from `start` by the descent above, with `gradient` its gradient.
pub fn argmin(
    f: impl Fn(&[f64]) -> f64,
    gradient: impl Fn(&[f64]) -> Vec<f64>,
    start: &[f64],
) -> Vec<f64> {
    let mut x = start.to_vec();
    let mut fx = f(&x);
    let mut gx = gradient(&x);
    let mut eta = TOLERANCE;
    let mut accepted = 0;
    loop {
        if norm(&gx) <= TOLERANCE {
            return x;
        }
        if accepted == 10 {
            eta *= 2.0;
            accepted = 0;
            continue;
        }
        let next: Vec<f64> = x.iter().zip(&gx).map(|(x, g)| x - eta * g).collect();
        let step: Vec<f64> = x.iter().zip(&next).map(|(a, b)| a - b).collect();
        if norm(&step) <= TOLERANCE {
            return x;
        }
        let f_next = f(&next);
        if f_next < fx {
            x = next;
            fx = f_next;
            gx = gradient(&x);
            accepted += 1;
        } else {
            eta /= 2.0;
            accepted = 0;
        }
    }
}

/// A maximizer of `f`: the minimizer of −f.
pub fn argmax(
    f: impl Fn(&[f64]) -> f64,
    gradient: impl Fn(&[f64]) -> Vec<f64>,
    start: &[f64],
) -> Vec<f64> {
    argmin(
        |x| -f(x),
        |x| gradient(x).iter().map(|g| -g).collect(),
        start,
    )
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descent_finds_the_minimum_of_a_quadratic() {
        // f(x) = (x₀ − 1)² + 2(x₁ + 0.5)²
        let f = |x: &[f64]| (x[0] - 1.0).powi(2) + 2.0 * (x[1] + 0.5).powi(2);
        let g = |x: &[f64]| vec![2.0 * (x[0] - 1.0), 4.0 * (x[1] + 0.5)];
        let x = argmin(f, g, &[0.0, 0.0]);
        assert!(
            (x[0] - 1.0).abs() < 1e-4 && (x[1] + 0.5).abs() < 1e-4,
            "{x:?}"
        );
        let y = argmax(
            |x| -f(x),
            |x| g(x).iter().map(|v| -v).collect(),
            &[0.0, 0.0],
        );
        assert_eq!(x, y);
    }
}
