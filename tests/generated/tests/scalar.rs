//! The scalar part of the generated corpus (`build.rs`): helpers `h(u, v)`, functions
//! `g(x, a, k)` of a buffer, a scalar and an inactive integer, with nested loops, branches,
//! early returns, indexed writes and calls between generated functions, returning a float or a
//! vector. See `harness/mod.rs` for the checks.
//!
//! `MATCALC_CORPUS=5000 cargo test -p matcalc-generated --release` checks a larger corpus,
//! `MATCALC_SEED=<u64>` another one, `MATCALC_ONLY=g42` one function of it.

mod harness;

use harness::{Case, Corpus, Pair, Second, check_cases, report};
use nalgebra::DMatrix;

mod generated {
    use super::harness::*;
    use matcalc::differentiate;
    include!(concat!(env!("OUT_DIR"), "/scalar.rs"));
}

fn corpus() -> Corpus {
    generated::corpus()
}

#[test]
fn scalar_programs() {
    let c = corpus();
    let seed = generated::CORPUS_SEED;
    let mut failures = check_cases(&c.helpers, seed);
    failures.extend(check_cases(&c.pairs, seed));
    failures.extend(check_cases(&c.scalar, seed));
    report(
        "scalar programs",
        c.helpers.len() + c.pairs.len() + c.scalar.len(),
        failures,
    );
}

#[test]
fn vector_programs() {
    let c = corpus();
    report(
        "vector programs",
        c.vector.len(),
        check_cases(&c.vector, generated::CORPUS_SEED),
    );
}

/// Every function of the part is a case, and CI compiles the default corpus of 300 functions.
#[test]
fn the_corpus_is_complete() {
    let c = corpus();
    let n = c.helpers.len() + c.pairs.len() + c.scalar.len() + c.vector.len();
    assert_eq!(n, generated::PART_SIZE);
    const {
        assert!(option_env!("MATCALC_CORPUS").is_some() || generated::CORPUS_SIZE >= 300);
    };
}

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
