//! `matcalc::argmin`: annotated functions minimized by argmin's solvers through
//! `Problem::new(f, f_grad, f_hessian)`. Run with `cargo test --features argmin --test argmin`.
#![cfg(feature = "argmin")]

use argmin::core::{CostFunction, Executor, Gradient, Hessian, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::newton::{Newton, NewtonCG};
use argmin::solver::quasinewton::LBFGS;
use argmin::solver::trustregion::{Steihaug, TrustRegion};
use matcalc::argmin::{HessianMatrix, Problem};
use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};

/// The extended Rosenbrock function Σᵢ (1 − xᵢ)² + 100 (xᵢ₊₁ − xᵢ²)², minimal at (1, …, 1).
#[differentiate(hessian)]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        s += a * a + 100.0 * b * b;
    }
    s
}

/// The same function of a `DVector`.
#[differentiate(hessian)]
fn rosenbrock_dvector(x: &DVector<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        s += a * a + 100.0 * b * b;
    }
    s
}

/// The two-dimensional Rosenbrock function of an array, by value.
#[differentiate(hessian)]
fn rosenbrock_array(x: [f64; 2]) -> f64 {
    let a = 1.0 - x[0];
    let b = x[1] - x[0] * x[0];
    a * a + 100.0 * b * b
}

/// The two-dimensional Rosenbrock function of a `Vec`, by value, in single precision.
#[differentiate(hessian)]
fn rosenbrock_f32(x: Vec<f32>) -> f32 {
    let a = 1.0 - x[0];
    let b = x[1] - x[0] * x[0];
    a * a + 100.0 * b * b
}

/// The largest distance of `x` from (1, …, 1).
fn distance_from_ones(x: &[f64]) -> f64 {
    x.iter().map(|xi| (xi - 1.0).abs()).fold(0.0, f64::max)
}

/// The classic starting point (−1.2, 1, −1.2, 1, …).
fn start(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect()
}

#[test]
fn lbfgs_minimizes_rosenbrock() {
    for n in [2, 10] {
        let problem = Problem::new(rosenbrock, rosenbrock_grad, rosenbrock_hessian);
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
            .with_tolerance_grad(1e-10)
            .unwrap();
        let result = Executor::new(problem, solver)
            .configure(|state| state.param(start(n)).max_iters(500))
            .run()
            .unwrap();
        let state = result.state();
        let x = state.get_best_param().unwrap();
        assert!(distance_from_ones(x) < 1e-8, "n = {n}: {x:?}");
        assert!(state.get_best_cost() < 1e-16, "n = {n}");
        assert_eq!(
            state.get_termination_reason(),
            Some(&TerminationReason::SolverConverged),
            "n = {n}"
        );
    }
}

/// Newton's method with the generated Hessian, full steps, from the classic start: the iterates
/// leave the valley once and then converge quadratically.
#[test]
fn newton_with_the_generated_hessian_minimizes_rosenbrock() {
    let problem = Problem::new(rosenbrock, rosenbrock_grad, rosenbrock_hessian);
    let result = Executor::new(problem, Newton::<f64>::new())
        .configure(|state| state.param(vec![-1.2, 1.0]).max_iters(8))
        .run()
        .unwrap();
    let x = result.state().get_param().unwrap();
    assert!(distance_from_ones(x) < 1e-14, "{x:?}");
    assert_eq!(result.state().get_iter(), 8);
}

/// Σᵢ cosh(xᵢ − i/2) + ½(Σᵢ (xᵢ − i/2))²: convex, minimal at xᵢ = i/2.
#[differentiate(hessian)]
fn coupled_cosh(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut t = 0.0;
    for i in 0..x.len() {
        let d = x[i] - 0.5 * i as f64;
        s += d.cosh();
        t += d;
    }
    s + 0.5 * t * t
}

#[test]
fn newton_cg_minimizes_a_convex_function() {
    let n = 8;
    let problem = Problem::new(coupled_cosh, coupled_cosh_grad, coupled_cosh_hessian);
    let solver = NewtonCG::new(MoreThuenteLineSearch::new());
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(vec![2.0; n]).max_iters(50))
        .run()
        .unwrap();
    let x = result.state().get_best_param().unwrap();
    let error = (0..n)
        .map(|i| (x[i] - 0.5 * i as f64).abs())
        .fold(0.0, f64::max);
    assert!(error < 1e-6, "{x:?}");
    assert!(result.state().get_iter() < 50);
}

/// A trust region with the Steihaug (truncated CG) subproblem, from where the iterates of
/// (−1.2, 1, …) would go to the local minimum near (−1, 1, …) that n = 4..7 have.
#[test]
fn a_trust_region_minimizes_extended_rosenbrock() {
    let problem = Problem::new(rosenbrock, rosenbrock_grad, rosenbrock_hessian);
    let solver = TrustRegion::new(Steihaug::new().with_max_iters(20));
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(vec![0.0; 6]).max_iters(100))
        .run()
        .unwrap();
    let x = result.state().get_best_param().unwrap();
    assert!(distance_from_ones(x) < 1e-10, "{x:?}");
}

/// Every supported parameter form gives argmin the same cost, gradient and Hessian.
#[test]
fn parameter_forms_agree() {
    let x = vec![-0.7, 0.4, 1.3];
    let by_slice = Problem::new(rosenbrock, rosenbrock_grad, rosenbrock_hessian);
    let by_dvector = Problem::new(
        rosenbrock_dvector,
        rosenbrock_dvector_grad,
        rosenbrock_dvector_hessian,
    );
    assert_eq!(by_slice.cost(&x).unwrap(), rosenbrock(&x));
    assert_eq!(by_dvector.cost(&x).unwrap(), rosenbrock(&x));
    assert_eq!(by_slice.gradient(&x).unwrap(), rosenbrock_grad(&x).1);
    assert_eq!(by_dvector.gradient(&x).unwrap(), rosenbrock_grad(&x).1);
    let h = HessianMatrix(rosenbrock_hessian(&x).2);
    assert_eq!(by_slice.hessian(&x).unwrap(), h);
    assert_eq!(by_dvector.hessian(&x).unwrap(), h);

    let x = vec![-0.7, 0.4];
    let by_array = Problem::new(
        rosenbrock_array,
        rosenbrock_array_grad,
        rosenbrock_array_hessian,
    );
    assert_eq!(by_array.cost(&x).unwrap(), rosenbrock(&x));
    assert_eq!(by_array.gradient(&x).unwrap(), rosenbrock_grad(&x).1);
    assert_eq!(
        by_array.hessian(&x).unwrap(),
        HessianMatrix(rosenbrock_hessian(&x).2)
    );
}

/// A parameter of the wrong length for an array is an error that stops the solver, not a panic.
#[test]
fn wrong_length_for_an_array_is_an_error() {
    let problem = Problem::new(
        rosenbrock_array,
        rosenbrock_array_grad,
        rosenbrock_array_hessian,
    );
    let error = problem.gradient(&vec![1.0, 2.0, 3.0]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the argmin parameter has 3 entries but the function takes an array of 2"
    );
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 3);
    let run = Executor::new(problem, solver)
        .configure(|state| state.param(vec![0.0; 3]).max_iters(10))
        .run();
    assert!(run.is_err());
}

/// Closures over one slice pass extra arguments; `first_order` needs no Hessian; `f32` works.
#[test]
fn closures_first_order_and_single_precision() {
    let scale = 0.5;
    let problem = Problem::first_order(
        |x: &[f64]| scale * rosenbrock(x),
        |x: &[f64]| {
            let (value, gradient) = rosenbrock_grad(x);
            (scale * value, gradient.iter().map(|g| scale * g).collect())
        },
    );
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 5);
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(start(4)).max_iters(300))
        .run()
        .unwrap();
    assert!(distance_from_ones(result.state().get_best_param().unwrap()) < 1e-6);

    let problem = Problem::new(rosenbrock_f32, rosenbrock_f32_grad, rosenbrock_f32_hessian);
    let result = Executor::new(problem, Newton::<f32>::new())
        .configure(|state| state.param(vec![-1.2f32, 1.0]).max_iters(8))
        .run()
        .unwrap();
    let x = result.state().get_param().unwrap();
    assert!(
        (x[0] - 1.0).abs() < 1e-5 && (x[1] - 1.0).abs() < 1e-5,
        "{x:?}"
    );
}

#[test]
fn singular_hessian_is_an_error() {
    use argmin_math::ArgminInv;
    let singular = HessianMatrix(DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 4.0]));
    assert_eq!(
        singular.inv().unwrap_err().to_string(),
        "the Hessian is singular"
    );
}
