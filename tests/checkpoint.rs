//! `#[checkpoint]` on loops: reverse mode keeps the state a loop starts from instead of a record
//! of every iteration, and recomputes iterations on the binomial schedule. Each checkpointed
//! function here has a twin without the attribute, and their gradients must be equal bit for
//! bit (the recomputed iterations run the very code of the recorded ones), at every trip count
//! and number of snapshots; the heat equation is also checked against central differences; and
//! the iterations the body runs are counted against the closed form of the binomial optimum.
//! Memory is measured in `tests/memory.rs`, time in the bench table.
// The loops are written the way the tests need them (index loops the macro differentiates).
#![allow(clippy::assign_op_pattern)]

mod common;
#[path = "common/heat.rs"]
mod heat;

use common::check_at;
use heat::{
    heat_checkpointed, heat_checkpointed_grad, heat_checkpointed_hvp, heat_checkpointed_jvp,
    heat_checkpointed_vjp, heat_grad, heat_hvp,
};
use matcalc::checkpoint::{binomial_optimum, default_snapshots};
use matcalc::differentiate;
use nalgebra::{DMatrix, DVector};
use std::cell::Cell;

// ================================================================ a scalar loop (logistic map)

#[differentiate(wrt(u0, r))]
fn logistic(u0: f64, r: f64, steps: usize, _snapshots: usize) -> f64 {
    let h = 1.0 / steps.max(1) as f64;
    let mut u = u0;
    for _ in 0..steps {
        u = u + h * r * u * (1.0 - u);
    }
    u
}

#[differentiate(wrt(u0, r))]
fn logistic_checkpointed(u0: f64, r: f64, steps: usize, snapshots: usize) -> f64 {
    let h = 1.0 / steps.max(1) as f64;
    let mut u = u0;
    #[checkpoint(snapshots = snapshots)]
    for _ in 0..steps {
        u = u + h * r * u * (1.0 - u);
    }
    u
}

#[differentiate(wrt(u0, r))]
fn logistic_default(u0: f64, r: f64, steps: usize) -> f64 {
    let h = 1.0 / steps.max(1) as f64;
    let mut u = u0;
    #[checkpoint]
    for _ in 0..steps {
        u = u + h * r * u * (1.0 - u);
    }
    u
}

#[test]
fn a_scalar_loop_at_every_trip_count_and_number_of_snapshots() {
    for steps in [0, 1, 2, 3, 7, 64, 100, 1000] {
        for snapshots in [1, 2, 3, 5, 40] {
            let recorded = logistic_grad(0.3, 2.5, steps, snapshots);
            assert_eq!(
                logistic_checkpointed_grad(0.3, 2.5, steps, snapshots),
                recorded,
                "{steps} steps, {snapshots} snapshots"
            );
            assert_eq!(logistic_default_grad(0.3, 2.5, steps), recorded);
        }
    }
}

#[test]
fn the_pullback_may_be_called_again() {
    let (value, pullback) = logistic_checkpointed_vjp(0.3, 2.5, 500, 4);
    let once = pullback(1.0);
    assert_eq!(pullback(1.0), once);
    assert_eq!(pullback(2.0), (2.0 * once.0, 2.0 * once.1));
    assert_eq!(value, logistic(0.3, 2.5, 500, 4));
}

// ===================================== a time-stepping simulation with a vector state (heat)

fn rod(cells: usize) -> Vec<f64> {
    (0..cells)
        .map(|j| {
            let x = j as f64 / (cells - 1) as f64;
            (std::f64::consts::PI * x).sin() + 0.3 * (5.0 * x).cos()
        })
        .collect()
}

#[test]
fn the_heat_equation_equals_the_recorded_gradient() {
    // 1,000 cells for 1,000 steps: the gradient with respect to the initial state and c
    let u0 = rod(1000);
    let recorded = heat_grad(&u0, 0.25, 1000);
    let checkpointed = heat_checkpointed_grad(&u0, 0.25, 1000);
    assert_eq!(checkpointed, recorded);
}

#[test]
fn the_heat_equation_against_central_differences() {
    let points = [(rod(12), 0.2), (rod(9), 0.35)];
    check_at(
        |p: &(Vec<f64>, f64)| heat_checkpointed(&p.0, p.1, 60),
        |p: &(Vec<f64>, f64), d: &(Vec<f64>, f64)| heat_checkpointed_jvp(&p.0, p.1, 60, &d.0, d.1),
        |p: &(Vec<f64>, f64), y: &f64| heat_checkpointed_vjp(&p.0, p.1, 60).1(*y),
        &points,
    );
}

#[test]
fn second_order_through_a_checkpointed_loop() {
    // `f_hvp` is reverse mode over the tangent program, which records its loops in full: the
    // Hessian-vector product is the unchecked one
    let u0 = rod(10);
    let direction: Vec<f64> = (0..10).map(|j| (j as f64 * 0.4).cos()).collect();
    assert_eq!(
        heat_checkpointed_hvp(&u0, 0.2, 40, &direction, 0.5),
        heat_hvp(&u0, 0.2, 40, &direction, 0.5)
    );
}

// ======================================= a `while` loop with `break`, `continue` and a counter

#[differentiate(wrt(x, k))]
fn damped(x: f64, k: f64, limit: usize) -> f64 {
    let mut v = x;
    let mut i = 0;
    while i < limit {
        i += 1;
        if v > 1.0 {
            v = v * 0.5;
            continue;
        }
        v = v * k + v.sin();
        if v > 50.0 {
            break;
        }
    }
    v * v
}

#[differentiate(wrt(x, k))]
fn damped_checkpointed(x: f64, k: f64, limit: usize) -> f64 {
    let mut v = x;
    let mut i = 0;
    #[checkpoint(snapshots = 2)]
    while i < limit {
        i += 1;
        if v > 1.0 {
            v = v * 0.5;
            continue;
        }
        v = v * k + v.sin();
        if v > 50.0 {
            break;
        }
    }
    v * v
}

#[test]
fn a_while_loop_that_breaks_and_continues() {
    for (x, k, limit) in [
        (0.3, 1.3, 25),
        (0.9, 2.5, 40),
        (2.0, 0.7, 12),
        (0.2, 9.0, 30),
    ] {
        assert_eq!(
            damped_checkpointed_grad(x, k, limit),
            damped_grad(x, k, limit),
            "x = {x}, k = {k}"
        );
    }
}

// ===================================================== a `return` from inside the loop

/// The first time the orbit passes 10, scaled by when; minus the last value if it never does.
#[differentiate(wrt(x, k), hessian)]
fn first_passage(x: f64, k: f64, limit: usize) -> f64 {
    let mut v = x;
    for i in 0..limit {
        v = v * k + (v * 0.3).sin();
        if v > 10.0 {
            return v * (i + 1) as f64;
        }
    }
    -v
}

#[differentiate(wrt(x, k), hessian)]
fn first_passage_checkpointed(x: f64, k: f64, limit: usize) -> f64 {
    let mut v = x;
    #[checkpoint(snapshots = 2)]
    for i in 0..limit {
        v = v * k + (v * 0.3).sin();
        if v > 10.0 {
            return v * (i + 1) as f64;
        }
    }
    -v
}

/// The same through nested checkpointed loops: the inner loop's `return` leaves both.
#[differentiate(wrt(x, k))]
fn first_passage_nested(x: f64, k: f64, rounds: usize) -> f64 {
    let mut v = x;
    #[checkpoint]
    for round in 0..rounds {
        #[checkpoint]
        for i in 0..5 {
            v = v * k + (v * 0.3).sin();
            if v > 10.0 {
                return v * (5 * round + i + 1) as f64;
            }
        }
    }
    -v
}

#[test]
fn a_return_from_inside_the_loop() {
    // x = 1.5, k = 1.2 passes 10 within 12 steps; k = 0.9 never does
    for (x, k) in [(1.5, 1.2), (1.5, 0.9), (0.2, 1.5)] {
        for limit in [0, 3, 12, 40] {
            let recorded = first_passage_grad(x, k, limit);
            assert_eq!(
                first_passage_checkpointed_grad(x, k, limit),
                recorded,
                "x = {x}, k = {k}, {limit} steps"
            );
            assert_eq!(
                first_passage_checkpointed_hvp(x, k, limit, 1.0, 0.5),
                first_passage_hvp(x, k, limit, 1.0, 0.5)
            );
        }
        for rounds in [0, 1, 3, 8] {
            assert_eq!(
                first_passage_nested_grad(x, k, rounds),
                first_passage_grad(x, k, 5 * rounds),
                "x = {x}, k = {k}, {rounds} rounds"
            );
        }
    }
}

// ================================ calls to annotated functions and matrix rules in the body

#[differentiate]
fn cell(w: &DMatrix<f64>, s: &DVector<f64>) -> DVector<f64> {
    (w * s).map(f64::tanh)
}

#[differentiate(wrt(w, s0))]
fn recurrent(w: &DMatrix<f64>, s0: &DVector<f64>, inputs: &[f64]) -> f64 {
    let mut s = s0.clone();
    for x in inputs.iter() {
        s = cell(w, &s) * 0.5 + s * x.cos();
    }
    s.norm_squared()
}

#[differentiate(wrt(w, s0))]
fn recurrent_checkpointed(w: &DMatrix<f64>, s0: &DVector<f64>, inputs: &[f64]) -> f64 {
    let mut s = s0.clone();
    #[checkpoint(snapshots = 3)]
    for x in inputs.iter() {
        s = cell(w, &s) * 0.5 + s * x.cos();
    }
    s.norm_squared()
}

#[test]
fn calls_and_matrices_in_the_body() {
    let w = DMatrix::from_fn(4, 4, |i, j| 0.4 * ((i * 3 + j) as f64).sin());
    let s0 = DVector::from_fn(4, |i, _| 0.2 * i as f64 - 0.3);
    let inputs: Vec<f64> = (0..30).map(|t| 0.1 * t as f64).collect();
    assert_eq!(
        recurrent_checkpointed_grad(&w, &s0, &inputs),
        recurrent_grad(&w, &s0, &inputs)
    );
}

// ========================== loops inside loops: a checkpointed loop in a loop and in another

#[differentiate]
fn sweeps(x: &[f64], rounds: usize) -> f64 {
    let mut total = 0.0;
    let mut y = x.to_vec();
    for round in 0..rounds {
        for j in 0..y.len() {
            y[j] = (y[j] + round as f64 * 0.1).sin();
        }
        for v in y.iter() {
            total += v * v;
        }
    }
    total
}

#[differentiate]
fn sweeps_checkpointed(x: &[f64], rounds: usize) -> f64 {
    let mut total = 0.0;
    let mut y = x.to_vec();
    #[checkpoint(snapshots = 2)]
    for round in 0..rounds {
        #[checkpoint(snapshots = 2)]
        for j in 0..y.len() {
            y[j] = (y[j] + round as f64 * 0.1).sin();
        }
        for v in y.iter() {
            total += v * v;
        }
    }
    total
}

/// A checkpointed loop over an active buffer's items, run once per round of an outer loop.
#[differentiate]
fn inner_checkpointed(x: &[f64], rounds: usize) -> f64 {
    let mut total = 0.0;
    for round in 0..rounds {
        let scale = 1.0 + round as f64;
        #[checkpoint]
        for v in x.iter() {
            total = total * 0.9 + (v * scale).sin();
        }
    }
    total
}

#[differentiate]
fn inner_recorded(x: &[f64], rounds: usize) -> f64 {
    let mut total = 0.0;
    for round in 0..rounds {
        let scale = 1.0 + round as f64;
        for v in x.iter() {
            total = total * 0.9 + (v * scale).sin();
        }
    }
    total
}

#[test]
fn nested_loops() {
    let x = [0.3, -1.2, 0.8, 2.0, -0.4];
    for rounds in [0, 1, 4, 9] {
        assert_eq!(
            sweeps_checkpointed_grad(&x, rounds),
            sweeps_grad(&x, rounds)
        );
        assert_eq!(
            inner_checkpointed_grad(&x, rounds),
            inner_recorded_grad(&x, rounds)
        );
    }
}

// ======================================================= the iterations the pullback runs

thread_local! {
    static RUNS: Cell<u64> = const { Cell::new(0) };
}

/// Counts a run of the loop's body.
fn ran() {
    RUNS.with(|r| r.set(r.get() + 1));
}

#[differentiate(wrt(u0))]
fn counted(u0: f64, steps: usize, snapshots: usize) -> f64 {
    let mut u = u0;
    #[checkpoint(snapshots = snapshots)]
    for _ in 0..steps {
        ran();
        u = (u * 1.1).sin();
    }
    u
}

#[test]
fn the_pullback_recomputes_the_binomial_optimum() {
    for (steps, snapshots) in [(1, 1), (10, 1), (10, 3), (100, 5), (1000, 7), (5000, 40)] {
        RUNS.with(|r| r.set(0));
        let _ = counted_grad(0.4, steps, snapshots);
        let runs = RUNS.with(Cell::get);
        // the forward sweep, the recomputations, and each iteration once more to record it
        let expected = 2 * steps as u64 + binomial_optimum(steps, snapshots);
        assert_eq!(runs, expected, "{steps} steps, {snapshots} snapshots");
    }
    // by default, no iteration runs forward more than twice in the pullback
    for steps in [10, 1000, 100_000] {
        let snapshots = default_snapshots(steps);
        assert!(binomial_optimum(steps, snapshots) <= 2 * steps as u64);
    }
}
