//! The scalar part of the generated corpus (`build.rs`): helpers `h(u, v)`, functions
//! `g(x, a, k)` of a buffer, a scalar and an inactive integer, with nested loops, branches,
//! early returns, indexed writes and calls between generated functions, returning a float or a
//! vector. See `harness/mod.rs` for the checks.
//!
//! `MATCALC_CORPUS=5000 cargo test -p matcalc-generated --release` checks a larger corpus,
//! `MATCALC_SEED=<u64>` another one, `MATCALC_ONLY=g42` one function of it.

mod harness;

use harness::{Corpus, check_cases, report};

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
