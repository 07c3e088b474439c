//! Case 1, the extended Rosenbrock function: the generated gradient, JVP and Hessian-vector
//! product against the primal and the baselines, n = 10, 100, 1000 and 10⁴. Each group
//! `rosenbrock/n` holds every method, so the ratios can be read within one group:
//!
//! ```text
//! cargo bench -p matcalc-bench --bench rosenbrock
//! ```
//!
//! The one-process table of every case is `cargo run --release -p matcalc-bench --bin bench_table`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use problems::num::{gradient_dual_batched, gradient_tape};
use problems::rosenbrock::*;
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    for n in SIZES {
        let x = point(n);
        let v = direction(n);

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
        group.measurement_time(Duration::from_secs(2));
        let mut time = |name: &str, f: &mut dyn FnMut() -> f64| {
            group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(&mut *f));
        };
        time("primal", &mut || rosenbrock(black_box(&x)));
        time("grad", &mut || rosenbrock_grad(black_box(&x)).1[0]);
        time("by_hand", &mut || rosenbrock_by_hand(black_box(&x)).1[0]);
        time("jvp", &mut || {
            rosenbrock_jvp(black_box(&x), black_box(&v)).1
        });
        time("jvp_by_hand", &mut || {
            rosenbrock_jvp_by_hand(black_box(&x), black_box(&v)).1
        });
        time("hvp", &mut || {
            rosenbrock_hvp(black_box(&x), black_box(&v)).2[0]
        });
        time("hvp_by_hand", &mut || {
            rosenbrock_hvp_by_hand(black_box(&x), black_box(&v)).2[0]
        });
        time("rustquant_tape", &mut || {
            gradient_tape(|x| rosenbrock_generic(x), black_box(&x)).1[0]
        });
        if n <= 1_000 {
            time("num_dual_dualsvec8", &mut || {
                gradient_dual_batched::<8>(rosenbrock_generic, black_box(&x)).1[0]
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
