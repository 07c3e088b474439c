//! Custom rules, and the implicit function theorem as one.
//!
//! # The convention
//!
//! A call `g(p)` with an active argument inside an annotated function is differentiated through
//! companions found beside `g` by name:
//!
//! | companion | signature | used by |
//! |---|---|---|
//! | `g_jvp` | `(p, p_dot) -> (Y, Y)` | the caller's forward mode (`f_jvp`, `f_jacobian`) |
//! | `g_vjp` | `(p) -> (Y, impl Fn(Y) -> P)` | the caller's reverse mode (`f_vjp`, `f_grad`) |
//! | `g_jvp_vjp` | `(p, p_dot) -> ((Y, Y), impl Fn((Y, Y)) -> (P, P))` | the caller's second order (`f_hvp`, `f_hessian`) |
//!
//! `g` itself can be anything: here it is a Newton solver that the macro could not (and should
//! not) differentiate. `g_jvp_vjp` is reverse mode applied to `g_jvp`, so writing
//! `#[differentiate]` on a hand-written `g_jvp` whose body is differentiable code generates it
//! (and `g_jvp_jvp`, forward mode over `g_jvp`). Forward mode is a first-class citizen: the
//! Hessian of a caller is reverse mode over the caller's forward mode, which goes through `g_jvp`
//! — so a rule that only had a reverse mode (JAX's `custom_vjp`) could not give Hessians; ours
//! always has both.
//!
//! # The implicit function
//!
//! x(p) solves g(x, p) = A·x + 0.1·x³ − p = 0 (x³ elementwise; A well conditioned, so that
//! g(·, p) is a monotone map with one root). Differentiating g(x(p), p) = 0 gives
//! J·ẋ − ṗ = 0 with J = ∂g/∂x = A + 0.3·diag(x²): one linear solve, ẋ = J⁻¹ṗ, whatever method
//! found x and however many iterations it took. The pullback is its transpose, p̄ = J⁻ᵀx̄: the
//! adjoint method, one solve with Jᵀ. The tests compare this with differentiating through the
//! 30 iterations of an annotated Newton solver, and with finite differences.
//!
//! The rule takes and returns `Vec<f64>`; the same rule on `DVector`s, whose annotated forward
//! rule returns a tuple of vectors, is at the end.

mod common;

use common::assert_close;
use matcalc::check::{self, Config};
use matcalc::{Tangent, differentiate, linalg};
use nalgebra::{DMatrix, DVector};
use std::cell::Cell;
use std::thread::LocalKey;

/// The size of the system.
const N: usize = 3;

/// A: diagonally dominant and not symmetric (so that a pullback using J instead of Jᵀ fails).
fn system_matrix() -> DMatrix<f64> {
    DMatrix::from_row_slice(N, N, &[4.0, 1.0, 0.5, -0.5, 3.0, 1.0, 0.3, -1.0, 5.0])
}

/// g(x, p) = A·x + 0.1·x³ − p.
fn residual(x: &DVector<f64>, p: &DVector<f64>) -> DVector<f64> {
    system_matrix() * x + x.map(|v| 0.1 * v * v * v) - p
}

/// ∂g/∂x = A + 0.3·diag(x²).
fn jacobian_at(x: &DVector<f64>) -> DMatrix<f64> {
    system_matrix() + DMatrix::from_diagonal(&x.map(|v| 0.3 * v * v))
}

thread_local! {
    /// Calls of the Newton solver `solve_x` (each test runs on its own thread).
    static SOLVES: Cell<usize> = const { Cell::new(0) };
    /// Runs of the body of the forward rule `solve_x_jvp`, in any mode.
    static JVPS: Cell<usize> = const { Cell::new(0) };
    /// Calls of the reverse rule `solve_x_vjp`, and of the pullbacks it returns.
    static VJPS: Cell<usize> = const { Cell::new(0) };
    static PULLBACKS: Cell<usize> = const { Cell::new(0) };
}

fn bump(counter: &'static LocalKey<Cell<usize>>) {
    counter.with(|c| c.set(c.get() + 1));
}

fn count(counter: &'static LocalKey<Cell<usize>>) -> usize {
    counter.with(Cell::get)
}

/// x(p), the root of g(·, p), by Newton's method from 0 until the step is at rounding level:
/// a plain function, which the macro never sees.
fn solve_x(p: &[f64]) -> Vec<f64> {
    bump(&SOLVES);
    let p = DVector::from_column_slice(p);
    let mut x = DVector::zeros(p.len());
    for _ in 0..50 {
        let step = jacobian_at(&x)
            .lu()
            .solve(&residual(&x, &p))
            .expect("J is invertible");
        x -= &step;
        if step.norm() <= 1e-15 * (1.0 + x.norm()) {
            break;
        }
    }
    x.as_slice().to_vec()
}

/// The forward rule: ẋ = J⁻¹ṗ with J = A + 0.3·diag(x²) at the root (implicit function
/// theorem). Annotated, so that it is differentiable itself: the macro writes `solve_x_jvp_vjp`
/// (the second-order companion callers' Hessians need) and `solve_x_jvp_jvp` from it; inside,
/// the call `solve_x(p)` goes through this very rule's companions (`solve_x_jvp`, `solve_x_vjp`).
#[differentiate]
fn solve_x_jvp(p: &[f64], p_dot: &[f64]) -> (Vec<f64>, Vec<f64>) {
    bump(&JVPS);
    let x = solve_x(p);
    let a = system_matrix();
    let j = DMatrix::from_fn(N, N, |i, k| {
        if i == k {
            a[(i, k)] + 0.3 * x[i] * x[i]
        } else {
            a[(i, k)]
        }
    });
    let v = linalg::solve(&j, &DVector::from_vec(p_dot.to_vec()));
    let mut x_dot = vec![0.0; N];
    for i in 0..N {
        x_dot[i] = v[i];
    }
    (x, x_dot)
}

/// The reverse rule: p̄ = J⁻ᵀx̄, one solve with Jᵀ (the adjoint method). The pullback keeps the
/// LU factors of Jᵀ, so each further call costs two triangular solves.
fn solve_x_vjp(p: &[f64]) -> (Vec<f64>, impl Fn(Vec<f64>) -> Vec<f64> + use<>) {
    bump(&VJPS);
    let x = solve_x(p);
    let lu_transposed = jacobian_at(&DVector::from_column_slice(&x))
        .transpose()
        .lu();
    (x, move |x_bar: Vec<f64>| {
        bump(&PULLBACKS);
        let p_bar = lu_transposed
            .solve(&DVector::from_vec(x_bar))
            .expect("J is invertible");
        p_bar.as_slice().to_vec()
    })
}

/// The same root by differentiating the iterations: `iterations` Newton steps from 0, all
/// through the macro (each step's solve through `linalg::solve`'s rules).
#[differentiate(wrt(p), hessian)]
fn solve_x_by_iterations(p: &[f64], iterations: usize) -> Vec<f64> {
    let a = system_matrix();
    let b = DVector::from_vec(p.to_vec());
    let mut x = b.clone() * 0.0;
    for _ in 0..iterations {
        let r = &a * &x + x.map(|v| 0.1 * v * v * v) - &b;
        let j = DMatrix::from_fn(N, N, |i, k| {
            if i == k {
                a[(i, k)] + 0.3 * x[i] * x[i]
            } else {
                a[(i, k)]
            }
        });
        x -= linalg::solve(&j, &r);
    }
    let mut out = vec![0.0; N];
    for i in 0..N {
        out[i] = x[i];
    }
    out
}

/// A loss of the solution (and of p directly): ‖x‖² + sin(x₀x₁) + x₂·p₀.
#[differentiate(hessian)]
fn loss(p: &[f64]) -> f64 {
    let x = solve_x(p);
    x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + (x[0] * x[1]).sin() + x[2] * p[0]
}

/// The same loss through `iterations` differentiated Newton steps.
#[differentiate(wrt(p), hessian)]
fn loss_by_iterations(p: &[f64], iterations: usize) -> f64 {
    let x = solve_x_by_iterations(p, iterations);
    x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + (x[0] * x[1]).sin() + x[2] * p[0]
}

/// The points of the tests: moderate, so that x³ matters but J stays well conditioned.
fn points() -> Vec<Vec<f64>> {
    vec![
        vec![1.0, -2.0, 0.5],
        vec![3.0, 2.5, -4.0],
        vec![-6.0, 0.7, 8.0],
    ]
}

fn column(v: &[f64]) -> DVector<f64> {
    DVector::from_column_slice(v)
}

fn relative_error<T: Tangent<Scalar = f64>>(a: &T, b: &T) -> f64 {
    let (a, b) = (a.to_flat(), b.to_flat());
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let difference: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    norm(&difference) / norm(&a).max(norm(&b)).max(f64::MIN_POSITIVE)
}

#[test]
fn the_solver_finds_the_root() {
    for p in points() {
        let x = solve_x(&p);
        assert!(residual(&column(&x), &column(&p)).norm() < 1e-13 * column(&p).norm());
        assert!(relative_error(&x, &solve_x_by_iterations(&p, 30)) < 1e-14);
    }
}

#[test]
fn the_rule_passes_the_checks() {
    // the forward rule against finite differences of the solver; the reverse rule against the
    // forward rule (the dot-product test would catch J⁻¹ in place of J⁻ᵀ: A is not symmetric)
    for p in points() {
        check::all(
            |p: &Vec<f64>| solve_x(p),
            |p: &Vec<f64>, d: &Vec<f64>| solve_x_jvp(p, d),
            |p: &Vec<f64>, x_bar: &Vec<f64>| solve_x_vjp(p).1(x_bar.clone()),
            &p,
            &Config::for_jvp::<f64>().rtol(1e-9),
            &Config::for_dot_product::<f64>(),
        )
        .unwrap_or_else(|failure| panic!("at p = {p:?}: {failure}"));
    }
}

#[test]
fn the_rule_matches_differentiating_the_iterations() {
    for p in points() {
        let p_dot = vec![0.3, -1.0, 0.8];
        let (x, x_dot) = solve_x_jvp(&p, &p_dot);
        let (x_iterated, x_dot_iterated) = solve_x_by_iterations_jvp(&p, 30, &p_dot);
        assert!(relative_error(&x, &x_iterated) < 1e-14);
        assert!(relative_error(&x_dot, &x_dot_iterated) < 1e-13);

        let x_bar = vec![-0.4, 2.0, 1.1];
        let (_, pullback) = solve_x_vjp(&p);
        let (_, pullback_iterated) = solve_x_by_iterations_vjp(&p, 30);
        assert!(relative_error(&pullback(x_bar.clone()), &pullback_iterated(x_bar)) < 1e-13);
    }
}

#[test]
fn gradient_through_the_rule_matches_the_iterations_and_finite_differences() {
    for p in points() {
        let (value, gradient) = loss_grad(&p);
        let (value_iterated, gradient_iterated) = loss_by_iterations_grad(&p, 30);
        assert_close(value, value_iterated, 1e-14);
        assert!(relative_error(&gradient, &gradient_iterated) < 1e-13);

        // forward mode through `solve_x_jvp`, reverse mode through `solve_x_vjp`
        check::all(
            |p: &Vec<f64>| loss(p),
            |p: &Vec<f64>, d: &Vec<f64>| loss_jvp(p, d),
            |p: &Vec<f64>, y_bar: &f64| loss_vjp(p).1(*y_bar),
            &p,
            &Config::for_jvp::<f64>().rtol(1e-9),
            &Config::for_dot_product::<f64>(),
        )
        .unwrap_or_else(|failure| panic!("at p = {p:?}: {failure}"));

        // the adjoint method by hand: x̄ = ∂L/∂x, λ = J⁻ᵀx̄, ∇L = λ + ∂L/∂p (= λ + x₂·e₀)
        let x = solve_x(&p);
        let c = (x[0] * x[1]).cos();
        let x_bar = DVector::from_vec(vec![
            2.0 * x[0] + c * x[1],
            2.0 * x[1] + c * x[0],
            2.0 * x[2] + p[0],
        ]);
        let lambda = jacobian_at(&column(&x))
            .transpose()
            .lu()
            .solve(&x_bar)
            .expect("J is invertible");
        let by_hand = vec![lambda[0] + x[2], lambda[1], lambda[2]];
        assert!(relative_error(&gradient, &by_hand) < 1e-13);
    }
}

#[test]
fn hessian_through_the_rule_matches_the_iterations_and_finite_differences() {
    for p in points() {
        let (value, gradient, h) = loss_hessian(&p);
        let (_, gradient_iterated, h_iterated) = loss_by_iterations_hessian(&p, 30);
        assert_close(value, loss(&p), 1e-14);
        assert!(relative_error(&gradient, &gradient_iterated) < 1e-13);
        assert!(
            relative_error(&h, &h_iterated) < 1e-12,
            "Hessian by the rule\n{h}by the iterations\n{h_iterated}"
        );
        assert!((&h - h.transpose()).norm() <= 1e-14 * h.norm());

        // H·v is the derivative of the gradient map p ↦ ∇L(p)
        check::jvp(
            |p: &Vec<f64>| loss_grad(p).1,
            |p: &Vec<f64>, v: &Vec<f64>| {
                let (_, g, hv) = loss_hvp(p, v);
                (g, hv)
            },
            &p,
            &Config::for_jvp::<f64>().rtol(1e-9),
        )
        .unwrap_or_else(|failure| panic!("at p = {p:?}: {failure}"));
    }
}

#[test]
fn the_second_order_companion_is_the_reverse_of_the_forward_rule() {
    // `solve_x_jvp_jvp` (forward mode of the annotated forward rule) against finite differences
    // of the rule, and `solve_x_jvp_vjp` (its reverse mode, the companion Hessians use) against
    // `solve_x_jvp_jvp` by the dot-product test, over the map (p, ṗ) ↦ (x, ẋ).
    type Pair = (Vec<f64>, Vec<f64>);
    for p in points() {
        let point: Pair = (p, vec![0.5, 1.5, -1.0]);
        check::all(
            |q: &Pair| solve_x_jvp(&q.0, &q.1),
            |q: &Pair, d: &Pair| solve_x_jvp_jvp(&q.0, &q.1, &d.0, &d.1),
            |q: &Pair, y_bar: &Pair| solve_x_jvp_vjp(&q.0, &q.1).1(y_bar.clone()),
            &point,
            &Config::for_jvp::<f64>().rtol(1e-9),
            &Config::for_dot_product::<f64>(),
        )
        .unwrap_or_else(|failure| panic!("at {point:?}: {failure}"));
    }
}

/// How many times each counter moved while `run` ran: (Newton solves, runs of the forward
/// rule's body, calls of the reverse rule, calls of its pullbacks).
fn calls_of<R>(run: impl FnOnce() -> R) -> (usize, usize, usize, usize) {
    let snapshot = || {
        (
            count(&SOLVES),
            count(&JVPS),
            count(&VJPS),
            count(&PULLBACKS),
        )
    };
    let before = snapshot();
    let _ = run();
    let after = snapshot();
    (
        after.0 - before.0,
        after.1 - before.1,
        after.2 - before.2,
        after.3 - before.3,
    )
}

#[test]
fn the_custom_companions_are_what_is_called() {
    let p = points().swap_remove(1);
    let ones = vec![1.0; N];

    // the primal: one Newton solve
    assert_eq!(calls_of(|| loss(&p)), (1, 0, 0, 0));
    // forward mode: the forward rule, whose body solves once
    assert_eq!(calls_of(|| loss_jvp(&p, &ones)), (1, 1, 0, 0));
    // reverse mode: the reverse rule, which solves once, and its pullback, one solve with Jᵀ
    assert_eq!(calls_of(|| loss_grad(&p)), (1, 0, 1, 1));
    let (_, pullback) = loss_vjp(&p);
    assert_eq!(calls_of(|| (pullback(1.0), pullback(2.0))), (0, 0, 0, 2));
    // second order: reverse mode of the forward rule (`solve_x_jvp_vjp`), which runs the forward
    // rule's body once and reaches `solve_x(p)` through the reverse rule
    assert_eq!(calls_of(|| loss_hvp(&p, &ones)), (1, 1, 1, 1));
    // and the Hessian is one such pass per column
    assert_eq!(calls_of(|| loss_hessian(&p)), (N, N, N, N));
}

#[test]
fn too_few_iterations_differentiate_the_wrong_function() {
    // Differentiating the iterations differentiates the approximation they compute: the
    // derivative of k Newton steps from 0 is off until the iterates have converged (here by
    // 9e-2, 2e-3, 2e-7 after 1, 2, 3 steps, then to rounding: Newton's derivative converges
    // with the iterates), while the implicit rule is exact at the root whatever the solver did.
    let p = points().swap_remove(2);
    let (_, exact) = loss_grad(&p);
    let errors: Vec<f64> = (1..=3)
        .map(|k| relative_error(&exact, &loss_by_iterations_grad(&p, k).1))
        .collect();
    assert!(
        errors[0] > 1e-2 && errors[1] > 1e-4 && errors[2] > 1e-8,
        "{errors:?}"
    );
    assert!(errors[0] > errors[1] && errors[1] > errors[2], "{errors:?}");
    let (_, converged) = loss_by_iterations_grad(&p, 30);
    assert!(relative_error(&exact, &converged) < 1e-13);
}

// The same rule between nalgebra vectors: its forward rule returns `(DVector, DVector)`, and
// annotating it generates its second-order companion.
mod on_vectors {
    use super::*;

    fn root(p: &DVector<f64>) -> DVector<f64> {
        column(&solve_x(p.as_slice()))
    }

    #[differentiate]
    fn root_jvp(p: &DVector<f64>, p_dot: &DVector<f64>) -> (DVector<f64>, DVector<f64>) {
        let x = root(p);
        let a = system_matrix();
        let j = DMatrix::from_fn(N, N, |i, k| {
            if i == k {
                a[(i, k)] + 0.3 * x[i] * x[i]
            } else {
                a[(i, k)]
            }
        });
        let x_dot = linalg::solve(&j, p_dot);
        (x, x_dot)
    }

    fn root_vjp(p: &DVector<f64>) -> (DVector<f64>, impl Fn(DVector<f64>) -> DVector<f64> + use<>) {
        let (x, pullback) = solve_x_vjp(p.as_slice());
        (column(&x), move |x_bar: DVector<f64>| {
            column(&pullback(x_bar.as_slice().to_vec()))
        })
    }

    #[differentiate(hessian)]
    fn loss_on_vectors(p: &DVector<f64>) -> f64 {
        let x = root(p);
        x.norm_squared() + (x[0] * x[1]).sin() + x[2] * p[0]
    }

    #[test]
    fn hessian_through_a_rule_on_vectors() {
        let p = points().swap_remove(0);
        let (_, _, h) = loss_on_vectors_hessian(&column(&p));
        assert!(relative_error(&h, &loss_hessian(&p).2) < 1e-13);
    }
}
