//! The matrix part of the generated corpus (`build.rs`): functions `m(m, v, k)` of a 3×3
//! matrix and a 3-vector (dynamic `DMatrix`/`DVector` or fixed `Matrix3`/`Vector3`) built from
//! the linear-algebra rules (products, maps, `from_fn`, inverses, Cholesky factors, matrix
//! exponentials, powers, solves, determinants, log-determinants, eigenvalues and eigenvectors,
//! singular values, Kronecker products) mixed with scalar code, returning a float, a vector or a
//! matrix. See `harness/mod.rs` for the checks.

mod harness;

use harness::{Corpus, check_cases, report};

mod generated {
    use super::harness::*;
    use matcalc::differentiate;
    use nalgebra::{DMatrix, DVector, Matrix3, Vector3};
    include!(concat!(env!("OUT_DIR"), "/matrix.rs"));
}

fn corpus() -> Corpus {
    generated::corpus()
}

#[test]
fn matrix_programs() {
    let c = corpus();
    let seed = generated::CORPUS_SEED;
    let mut failures = check_cases(&c.matrix_scalar, seed);
    failures.extend(check_cases(&c.matrix_vector, seed));
    report(
        "matrix programs",
        c.matrix_scalar.len() + c.matrix_vector.len(),
        failures,
    );
}

#[test]
fn the_corpus_is_complete() {
    let c = corpus();
    assert_eq!(
        c.matrix_scalar.len() + c.matrix_vector.len(),
        generated::PART_SIZE
    );
    const { assert!(generated::PART_SIZE <= generated::CORPUS_SIZE) };
}
