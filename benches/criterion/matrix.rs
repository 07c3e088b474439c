//! Cases 4 to 6, matrix functions through matcalc's linear-algebra rules: the determinant by LU
//! (and by cofactor expansion as scalar code), logdet(A) + tr(A⁻¹B) with its JVP and
//! Hessian-vector product, and Σλᵢ² of a symmetric eigenproblem; against the primal, a
//! hand-written gradient where there is one, and num-dual for small n.
//!
//! ```text
//! cargo bench -p matcalc-bench --bench matrix
//! ```

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use nalgebra::DMatrix;
use problems::num::{gradient_tape, matrix_gradient_dual};
use problems::{Lcg, det, eig, logdet_trace};
use std::hint::black_box;
use std::time::Duration;

fn bench_det(c: &mut Criterion) {
    let mut rng = Lcg::new(4);
    for n in det::SIZES {
        let a = rng.general(n);
        let mut group = c.benchmark_group(format!("det_lu/{n}"));
        group.measurement_time(Duration::from_secs(2));
        let mut time = |name: &str, f: &mut dyn FnMut() -> f64| {
            group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(&mut *f));
        };
        time("primal", &mut || det::det_lu(black_box(&a)));
        time("grad", &mut || det::det_lu_grad(black_box(&a)).1[0]);
        time("jvp", &mut || det::det_lu_jvp(black_box(&a), &a).1);
        if n <= 8 {
            time("num_dual_dual64", &mut || {
                matrix_gradient_dual(|a| a.determinant(), black_box(&a)).1[0]
            });
        }
        group.finish();
    }
    for n in det::COFACTOR_SIZES {
        let a = rng.general(n);
        let mut group = c.benchmark_group(format!("det_cofactor/{n}"));
        group.measurement_time(Duration::from_secs(2));
        let mut time = |name: &str, f: &mut dyn FnMut() -> f64| {
            group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(&mut *f));
        };
        time("primal", &mut || {
            det::det_cofactor(black_box(a.as_slice()), n)
        });
        time("grad", &mut || {
            det::det_cofactor_grad(black_box(a.as_slice()), n).1[0]
        });
        time("rustquant_tape", &mut || {
            gradient_tape(|a| det::det_cofactor_generic(a, n), black_box(a.as_slice())).1[0]
        });
        group.finish();
    }
}

fn bench_logdet_trace(c: &mut Criterion) {
    let mut rng = Lcg::new(5);
    for n in logdet_trace::SIZES {
        let a = rng.spd(n);
        let b = DMatrix::from_fn(n, n, |_, _| rng.uniform());
        let da = DMatrix::from_fn(n, n, |_, _| rng.uniform());
        let db = DMatrix::from_fn(n, n, |_, _| rng.uniform());
        let mut group = c.benchmark_group(format!("logdet_trace/{n}"));
        group.measurement_time(Duration::from_secs(2));
        let mut time = |name: &str, f: &mut dyn FnMut() -> f64| {
            group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(&mut *f));
        };
        time("primal", &mut || {
            logdet_trace::logdet_trace(black_box(&a), black_box(&b))
        });
        time("grad", &mut || {
            logdet_trace::logdet_trace_grad(black_box(&a), &b).1.0[0]
        });
        time("by_hand", &mut || {
            logdet_trace::logdet_trace_by_hand(black_box(&a), &b).1.0[0]
        });
        time("jvp", &mut || {
            logdet_trace::logdet_trace_jvp(black_box(&a), &b, &da, &db).1
        });
        time("jvp_by_hand", &mut || {
            logdet_trace::logdet_trace_jvp_by_hand(black_box(&a), &b, &da, &db).1
        });
        time("hvp", &mut || {
            logdet_trace::logdet_trace_hvp(black_box(&a), &b, &da, &db)
                .2
                .0[0]
        });
        group.finish();
    }
}

fn bench_eig(c: &mut Criterion) {
    let mut rng = Lcg::new(6);
    for n in eig::SIZES {
        let a = rng.spd(n);
        let mut group = c.benchmark_group(format!("eig_sum_squares/{n}"));
        group.measurement_time(Duration::from_secs(2));
        let mut time = |name: &str, f: &mut dyn FnMut() -> f64| {
            group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(&mut *f));
        };
        time("primal", &mut || eig::eig_sum_squares(black_box(&a)));
        time("grad", &mut || {
            eig::eig_sum_squares_grad(black_box(&a)).1[0]
        });
        group.finish();
    }
}

criterion_group!(benches, bench_det, bench_logdet_trace, bench_eig);
criterion_main!(benches);
