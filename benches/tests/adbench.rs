//! The ADBench problems of the benchmarks against ADBench's golden values
//! (`../shared/data/adbench/`): the GMM objective and its gradient on the small instances, the
//! BA residuals and sparse Jacobian on `ba/test.txt`, by matcalc's forward and reverse modes and
//! by every baseline the benchmarks time, to ADBench's tolerance
//! |x − y| / max(1, |x| + |y|) < 1e-8 (finite differences to 1e-6).
//!
//! The problems are the benchmarks' own code (`benches/problems/`); the large instances are
//! timed by the bench table (`benches/bench_table/`), not tested here. Each test skips with a
//! message when the data folder is absent:
//!
//! ```text
//! cargo test -p matcalc-bench --test adbench
//! ```
// The reference values are ADBench's golden numbers, digit for digit as published.
#![allow(clippy::excessive_precision)]

use problems::ba::Ba;
use problems::gmm::{Gmm, read_golden};
use problems::{adbench_close, adbench_dir, read_numbers};

/// The data folder, or `None` after saying why the test is skipped.
fn data() -> Option<std::path::PathBuf> {
    let dir = adbench_dir();
    if dir.is_none() {
        eprintln!("skipped: ../shared/data/adbench/ is absent");
    }
    dir
}

/// Asserts that `got` agrees with `want` entry by entry under `close`, naming the first entry
/// that does not.
fn assert_all(what: &str, got: &[f64], want: &[f64], close: impl Fn(f64, f64) -> bool) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(close(*g, *w), "{what}: entry {i} is {g:e}, expected {w:e}");
    }
}

fn fd_close(x: f64, y: f64) -> bool {
    (x - y).abs() / (x.abs() + y.abs()).max(1.0) < 1e-6
}

/// The objective and the gradient of one GMM instance by every method.
fn check_gmm(name: &str) {
    let Some(dir) = data() else { return };
    let gmm = Gmm::read(&dir.join(format!("gmm/{name}.txt")));
    let (value, gradient) = read_golden(&dir.join(format!("gmm/golden/{name}.txt")));
    assert!(
        adbench_close(gmm.objective(), value),
        "{name}: objective {}",
        gmm.objective()
    );

    let (v, g) = gmm.gradient();
    assert!(adbench_close(v, value), "{name}: value of the gradient");
    assert_all(
        &format!("{name}: matcalc reverse mode"),
        &g,
        &gradient,
        adbench_close,
    );

    let (v, g) = gmm.gradient_by_hand();
    assert!(adbench_close(v, value), "{name}: value by hand");
    assert_all(&format!("{name}: by hand"), &g, &gradient, adbench_close);

    let (v, g) = gmm.gradient_parallel();
    assert!(adbench_close(v, value), "{name}: value in parallel");
    assert_all(
        &format!("{name}: in parallel"),
        &g,
        &gradient,
        adbench_close,
    );
}

#[test]
fn gmm_test_instance() {
    check_gmm("test");
    // the baselines that run the objective on their own number types, on the smallest instance
    let Some(dir) = data() else { return };
    let gmm = Gmm::read(&dir.join("gmm/test.txt"));
    let (value, gradient) = read_golden(&dir.join("gmm/golden/test.txt"));
    assert!(adbench_close(gmm.objective(), 8.07380408004975791));
    let params = gmm.params();
    let (v, g) = problems::num::gradient_dual(|p| gmm.objective_generic(p), &params);
    assert!(adbench_close(v, value));
    assert_all("num-dual Dual64", &g, &gradient, adbench_close);
    let (v, g) = problems::num::gradient_dual_batched::<8>(|p| gmm.objective_generic(p), &params);
    assert!(adbench_close(v, value));
    assert_all("num-dual DualSVec64<8>", &g, &gradient, adbench_close);
    let (v, g) = problems::num::gradient_tape(|p| gmm.objective_generic(p), &params);
    assert!(adbench_close(v, value));
    assert_all("RustQuant_autodiff", &g, &gradient, adbench_close);
    let g = problems::fd::gradient(|p| gmm.objective_generic(p), &params);
    assert_all("central differences", &g, &gradient, fd_close);
}

#[test]
fn gmm_d2_k5() {
    check_gmm("gmm_d2_K5");
}

#[test]
fn gmm_d10_k5() {
    check_gmm("gmm_d10_K5");
}

#[test]
fn ba_test_instance() {
    let Some(dir) = data() else { return };
    let ba = Ba::read(&dir.join("ba/test.txt"));
    assert_eq!((ba.n, ba.m, ba.p), (2, 10, 10));
    let golden = read_numbers(&dir.join("ba/golden/test.txt"));
    assert_eq!(golden.len(), 31 * ba.p);

    // the residuals, from the comments of the golden file (ADBench's own test)
    let r = ba.residuals();
    for i in 0..ba.p {
        assert!(
            adbench_close(r[2 * i], -2.69048849235189402e-01),
            "reprojection x {i}"
        );
        assert!(
            adbench_close(r[2 * i + 1], 2.59944792677901881e-01),
            "reprojection y {i}"
        );
        assert!(
            adbench_close(r[2 * ba.p + i], 8.26092651515999976e-01),
            "weight {i}"
        );
    }

    assert_all(
        "forward mode",
        &ba.jacobian_forward(),
        &golden,
        adbench_close,
    );
    assert_all(
        "reverse mode",
        &ba.jacobian_reverse(),
        &golden,
        adbench_close,
    );
    assert_all(
        "generated jacobian",
        &ba.jacobian_generated(),
        &golden,
        adbench_close,
    );
    assert_all(
        "num-dual DualSVec64<15>",
        &ba.jacobian_dual_batched(),
        &golden,
        adbench_close,
    );
    assert_all(
        "num-dual Dual64",
        &ba.jacobian_dual(),
        &golden,
        adbench_close,
    );
    assert_all(
        "RustQuant_autodiff",
        &ba.jacobian_tape(),
        &golden,
        adbench_close,
    );
    assert_all("central differences", &ba.jacobian_fd(), &golden, fd_close);
}
