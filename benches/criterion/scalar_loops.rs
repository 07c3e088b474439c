//! Cases 2 and 3, scalar loop code: log-sum-exp with the max trick (n = 10³..10⁶) and an RK4
//! integration of the Lotka–Volterra system (10..1000 steps, gradient with respect to the
//! parameters and the initial state), each against the primal, a hand-written gradient,
//! num-dual and the RustQuant tape.
//!
//! ```text
//! cargo bench -p matcalc-bench --bench scalar_loops
//! ```

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use problems::num::{gradient_dual_batched, gradient_tape};
use problems::{logsumexp, rk4};
use std::hint::black_box;
use std::time::Duration;

fn bench_logsumexp(c: &mut Criterion) {
    for n in logsumexp::SIZES {
        let x = logsumexp::point(n);
        let mut group = c.benchmark_group(format!("logsumexp/{n}"));
        group.measurement_time(Duration::from_secs(2));
        let mut time = |name: &str, f: &mut dyn FnMut() -> f64| {
            group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(&mut *f));
        };
        time("primal", &mut || logsumexp::logsumexp(black_box(&x)));
        time("grad", &mut || {
            logsumexp::logsumexp_grad(black_box(&x)).1[0]
        });
        time("by_hand", &mut || {
            logsumexp::logsumexp_by_hand(black_box(&x)).1[0]
        });
        time("rustquant_tape", &mut || {
            gradient_tape(|x| logsumexp::logsumexp_generic(x), black_box(&x)).1[0]
        });
        group.finish();
    }
}

fn bench_rk4(c: &mut Criterion) {
    let (p, u0) = (rk4::P, rk4::U0);
    let x = [&p[..], &u0].concat();
    for steps in rk4::STEPS {
        let mut group = c.benchmark_group(format!("rk4/{steps}"));
        group.measurement_time(Duration::from_secs(2));
        let mut time = |name: &str, f: &mut dyn FnMut() -> f64| {
            group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(&mut *f));
        };
        time("primal", &mut || rk4::rk4_loss(black_box(&p), &u0, steps));
        time("grad", &mut || {
            rk4::rk4_loss_grad(black_box(&p), &u0, steps).1.0[0]
        });
        time("by_hand", &mut || {
            rk4::rk4_loss_by_hand(black_box(&p), &u0, steps).1.0[0]
        });
        time("num_dual_dualsvec6", &mut || {
            gradient_dual_batched::<6>(|x| rk4::rk4_loss_generic(x, steps), black_box(&x)).1[0]
        });
        time("rustquant_tape", &mut || {
            gradient_tape(|x| rk4::rk4_loss_generic(x, steps), black_box(&x)).1[0]
        });
        group.finish();
    }
}

criterion_group!(benches, bench_logsumexp, bench_rk4);
criterion_main!(benches);
