//! The extended Rosenbrock function: the cost of the generated gradient against the primal and
//! against a gradient written by hand.
//!
//! f(x) = Σ_{i even} 100·(x_{i+1} − x_i²)² + (1 − x_i)² for n = 10, 100, 1000 and 10⁴. Each
//! group `rosenbrock/n` times the primal, the generated `rosenbrock_grad` (value and gradient,
//! one reverse pass) and `rosenbrock_by_hand` (value and gradient), so the ratios
//! gradient / primal and generated / by hand can be read within one group:
//!
//! ```text
//! cargo bench --bench rosenbrock
//! ```

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use matcalc::differentiate;
use std::hint::black_box;

/// The extended Rosenbrock function, for an even length.
#[differentiate]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..x.len() / 2 {
        let a = x[2 * k];
        let b = x[2 * k + 1];
        s += 100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2);
    }
    s
}

/// The value and the gradient, derived by hand: with a = x_i, b = x_{i+1},
/// ∂f/∂a = −400·a·(b − a²) − 2·(1 − a) and ∂f/∂b = 200·(b − a²).
fn rosenbrock_by_hand(x: &[f64]) -> (f64, Vec<f64>) {
    let mut s = 0.0;
    let mut g = vec![0.0; x.len()];
    for (pair, g) in x.chunks_exact(2).zip(g.chunks_exact_mut(2)) {
        let (a, b) = (pair[0], pair[1]);
        let r = b - a * a;
        s += 100.0 * r * r + (1.0 - a) * (1.0 - a);
        g[0] = -400.0 * a * r - 2.0 * (1.0 - a);
        g[1] = 200.0 * r;
    }
    (s, g)
}

/// A point away from the minimum (1, …, 1), so that every term contributes.
fn point(n: usize) -> Vec<f64> {
    (0..n).map(|i| 0.5 + 0.4 * (0.7 * i as f64).sin()).collect()
}

fn bench(c: &mut Criterion) {
    for n in [10, 100, 1_000, 10_000] {
        let x = point(n);

        // Time only what agrees.
        let (value, gradient) = rosenbrock_grad(&x);
        let (value_by_hand, gradient_by_hand) = rosenbrock_by_hand(&x);
        assert!((value - value_by_hand).abs() <= 1e-12 * value.abs());
        assert!(
            gradient
                .iter()
                .zip(&gradient_by_hand)
                .all(|(g, h)| (g - h).abs() <= 1e-12 * h.abs().max(1.0))
        );

        let mut group = c.benchmark_group(format!("rosenbrock/{n}"));
        group.bench_with_input(BenchmarkId::from_parameter("primal"), &x, |bench, x| {
            bench.iter(|| rosenbrock(black_box(x)))
        });
        group.bench_with_input(BenchmarkId::from_parameter("grad"), &x, |bench, x| {
            bench.iter(|| rosenbrock_grad(black_box(x)))
        });
        group.bench_with_input(BenchmarkId::from_parameter("by_hand"), &x, |bench, x| {
            bench.iter(|| rosenbrock_by_hand(black_box(x)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
