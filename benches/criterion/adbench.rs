//! Cases 7 and 8, ADBench: the GMM objective gradient on every instance (sequential and
//! summed over chunks of points in parallel with rayon) and the BA sparse Jacobian by forward
//! mode and by two reverse passes per observation, against the objective, a hand-written GMM
//! gradient, num-dual and the RustQuant tape. Reads `../shared/data/adbench/`; skips if absent.
//!
//! ```text
//! cargo bench -p matcalc-bench --bench adbench
//! ```

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use problems::{adbench_dir, ba, gmm};
use std::hint::black_box;
use std::time::Duration;

fn bench_gmm(c: &mut Criterion) {
    let Some(dir) = adbench_dir() else {
        eprintln!("skipped: ../shared/data/adbench/ is absent");
        return;
    };
    for name in gmm::INSTANCES {
        let g = gmm::Gmm::read(&dir.join(format!("gmm/{name}.txt")));
        let mut group = c.benchmark_group(format!("gmm/{name}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(3));
        let mut time = |name: &str, f: &mut dyn FnMut() -> f64| {
            group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(&mut *f));
        };
        time("objective", &mut || black_box(&g).objective());
        time("grad", &mut || black_box(&g).gradient().1[0]);
        time("grad_chunked", &mut || {
            black_box(&g).gradient_chunked().1[0]
        });
        time("grad_parallel", &mut || {
            black_box(&g).gradient_parallel().1[0]
        });
        time("by_hand", &mut || black_box(&g).gradient_by_hand().1[0]);
        group.finish();
    }
}

fn bench_ba(c: &mut Criterion) {
    let Some(dir) = adbench_dir() else {
        eprintln!("skipped: ../shared/data/adbench/ is absent");
        return;
    };
    for name in ba::INSTANCES {
        let b = ba::Ba::read(&dir.join(format!("ba/{name}.txt")));
        let mut group = c.benchmark_group(format!("ba/{name}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(3));
        let mut time = |name: &str, f: &mut dyn FnMut() -> f64| {
            group.bench_function(BenchmarkId::from_parameter(name), |bench| {
                bench.iter(&mut *f)
            });
        };
        time("objective", &mut || black_box(&b).residuals()[0]);
        time("jacobian_forward", &mut || {
            black_box(&b).jacobian_forward()[0]
        });
        time("jacobian_reverse", &mut || {
            black_box(&b).jacobian_reverse()[0]
        });
        time("num_dual_dualsvec15", &mut || {
            black_box(&b).jacobian_dual_batched()[0]
        });
        time("rustquant_tape", &mut || black_box(&b).jacobian_tape()[0]);
        group.finish();
    }
}

criterion_group!(benches, bench_gmm, bench_ba);
criterion_main!(benches);
