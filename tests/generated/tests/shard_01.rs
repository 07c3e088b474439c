//! Shard 1 of the generated corpus (`build.rs`), with the test of the harness itself. The
//! corpus mixes helpers `h(u, v)`, functions `g(x, a, k)` of a buffer, a scalar and an inactive
//! integer, with nested loops, branches, early returns, indexed writes and calls between
//! generated functions, returning a float or a vector, and functions `m(m, v, k)` of a 3×3
//! matrix and a 3-vector (dynamic `DMatrix`/`DVector` or fixed `Matrix3`/`Vector3`) built from
//! the linear-algebra rules (products, maps, `from_fn`, inverses, Cholesky factors, matrix
//! exponentials, powers, solves, determinants, log-determinants, eigenvalues and eigenvectors,
//! singular values, Kronecker products) mixed with scalar code, returning a float, a vector or a
//! matrix. See `harness/mod.rs` for the checks.
//!
//! `cargo test -p matcalc-generated` checks the default corpus, `MATCALC_CORPUS=300` the full
//! one (as `.ci/run` does), `MATCALC_CORPUS=5000 cargo test -p matcalc-generated --release` a
//! larger one, `MATCALC_SEED=<u64>` another one, `MATCALC_ONLY=g42` one function of it.

mod harness;

use harness::{Case, Pair, Second, check_cases};
use nalgebra::DMatrix;

harness::shard!();

/// The checks are not vacuous: a wrong tangent, a wrong adjoint, and a wrong Hessian of
/// f(u, v) = u·sin(v) are each reported.
#[test]
fn the_checks_catch_wrong_derivatives() {
    fn f(p: &Pair, _: usize) -> f64 {
        p.0 * p.1.sin()
    }
    fn jvp(p: &Pair, _: usize, d: &Pair) -> (f64, f64) {
        (f(p, 0), d.0 * p.1.sin() + d.1 * p.0 * p.1.cos())
    }
    fn vjp(p: &Pair, _: usize, y: &f64) -> Pair {
        (y * p.1.sin(), y * p.0 * p.1.cos())
    }
    fn grad(p: &Pair, k: usize) -> (f64, Pair) {
        (f(p, k), vjp(p, k, &1.0))
    }
    fn hessian(p: &Pair, k: usize) -> (f64, Pair, DMatrix<f64>) {
        let (c, s) = (p.1.cos(), p.1.sin());
        let h = DMatrix::from_row_slice(2, 2, &[0.0, c, c, -p.0 * s]);
        (f(p, k), vjp(p, k, &1.0), h)
    }
    fn hvp(p: &Pair, k: usize, d: &Pair) -> (f64, Pair, Pair) {
        let (_, g, h) = hessian(p, k);
        let hv = &h * nalgebra::Vector2::new(d.0, d.1);
        (f(p, k), g, (hv[0], hv[1]))
    }
    let case = |jvp: fn(&Pair, usize, &Pair) -> (f64, f64),
                vjp: fn(&Pair, usize, &f64) -> Pair,
                hessian: fn(&Pair, usize) -> (f64, Pair, DMatrix<f64>)| Case {
        name: "u_sin_v",
        seed: 1,
        source: "fn u_sin_v(u: f64, v: f64) -> f64 { u * v.sin() }",
        f,
        jvp,
        vjp,
        second: Some(Second { grad, hvp, hessian }),
    };
    assert!(check_cases(&[case(jvp, vjp, hessian)], 0).is_empty());
    let wrong_jvp = |p: &Pair, k: usize, d: &Pair| (f(p, k), 1.01 * jvp(p, k, d).1);
    let wrong_vjp = |p: &Pair, _: usize, y: &f64| (y * p.1.sin(), -y * p.0 * p.1.cos());
    let asymmetric = |p: &Pair, k: usize| {
        let (v, g, mut h) = hessian(p, k);
        h[(0, 1)] += 0.1;
        (v, g, h)
    };
    for (what, wrong) in [
        ("jvp", case(wrong_jvp, vjp, hessian)),
        ("vjp", case(jvp, wrong_vjp, hessian)),
        ("hessian", case(jvp, vjp, asymmetric)),
    ] {
        let failures = check_cases(&[wrong], 0);
        assert_eq!(failures.len(), 1, "a wrong {what} passed");
        assert!(failures[0].contains("seed 0x0000000000000001") && failures[0].contains("u_sin_v"));
    }
}
