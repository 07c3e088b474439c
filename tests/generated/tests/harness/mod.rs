//! The harness of the generated corpus, shared by its test targets `tests/shard_<nn>.rs`: the
//! shape of a case, the sampling of its points, the checks, and the tests of a shard
//! ([`shard!`]).
//!
//! Each function is checked at four points (one per value of its inactive `k`):
//!
//! - forward mode against central differences with Richardson extrapolation
//!   (`matcalc::check::jvp`, relative 1e-7);
//! - reverse mode against forward mode by the dot-product test (`matcalc::check::dot_product`,
//!   relative 1e-10);
//! - for a float result, second order: the Hessian (`f_hessian`) is symmetric, its value and
//!   gradient are those of `f` and `f_grad`, it agrees with `f_hvp`, and `f_hvp` matches the
//!   finite differences of the gradient.
//!
//! The programs are smooth at the points they are checked at (see `build/program.rs`), so a
//! failure is a bug: the report gives the function's seed, its source (and its callees') and
//! the failed check, and the test fails after checking every function of its part.
//!
//! Each test target uses a part of this module.
#![allow(dead_code)]

use matcalc::Tangent;
use matcalc::check::{self, Config};
// Public for the generated functions, which see this module through `use harness::*`.
pub use nalgebra::{DMatrix, DVector, Matrix3, Vector3};
use std::fmt::Debug;

/// The tests of one shard of the corpus: includes the functions that `build.rs` wrote for the
/// test target (`$OUT_DIR/<target>.rs`) and checks them family by family.
macro_rules! shard {
    () => {
        mod generated {
            use super::harness::*;
            include!(concat!(
                env!("OUT_DIR"),
                "/",
                env!("CARGO_CRATE_NAME"),
                ".rs"
            ));
        }

        /// Helpers `h(u, v)` (to second order), pairs `h(u, v) -> (f64, f64)` and scalar
        /// programs `g(x, a, k) -> f64` (to second order).
        #[test]
        fn scalar_programs() {
            let c = generated::corpus();
            let seed = generated::CORPUS_SEED;
            let mut failures = harness::check_cases(&c.helpers, seed);
            failures.extend(harness::check_cases(&c.pairs, seed));
            failures.extend(harness::check_cases(&c.scalar, seed));
            let checked = c.helpers.len() + c.pairs.len() + c.scalar.len();
            harness::report("scalar programs", checked, failures);
        }

        /// Programs `g(x, a, k)` returning a `Vec<f64>` or a `[f64; 3]`.
        #[test]
        fn vector_programs() {
            let c = generated::corpus();
            let failures = harness::check_cases(&c.vector, generated::CORPUS_SEED);
            harness::report("vector programs", c.vector.len(), failures);
        }

        /// Programs `m(m, v, k)` of nalgebra matrices, returning a float (to second order), a
        /// vector or a matrix.
        #[test]
        fn matrix_programs() {
            let c = generated::corpus();
            let seed = generated::CORPUS_SEED;
            let mut failures = harness::check_cases(&c.matrix_scalar, seed);
            failures.extend(harness::check_cases(&c.matrix_vector, seed));
            let checked = c.matrix_scalar.len() + c.matrix_vector.len();
            harness::report("matrix programs", checked, failures);
        }

        /// Every function of the shard is a case.
        #[test]
        fn the_shard_is_complete() {
            let c = generated::corpus();
            let cases = c.helpers.len()
                + c.pairs.len()
                + c.scalar.len()
                + c.vector.len()
                + c.matrix_scalar.len()
                + c.matrix_vector.len();
            assert_eq!(cases, generated::SHARD_SIZE);
        }
    };
}
pub(crate) use shard;

/// A generated function wrapped over `&X` (its active parameters) and its inactive `k`, in the
/// shape of the harness: value, forward mode, reverse mode, and second order for a float result.
pub struct Case<X, Y> {
    pub name: &'static str,
    pub seed: u64,
    /// The function's source followed by the sources of the functions it calls.
    pub source: &'static str,
    pub f: fn(&X, usize) -> Y,
    pub jvp: fn(&X, usize, &X) -> (Y, Y),
    pub vjp: fn(&X, usize, &Y) -> X,
    pub second: Option<Second<X>>,
}

/// `f_grad`, `f_hvp`, `f_hessian` of a function with a float result.
pub struct Second<X> {
    pub grad: fn(&X, usize) -> (f64, X),
    pub hvp: fn(&X, usize, &X) -> (f64, X, X),
    pub hessian: fn(&X, usize) -> (f64, X, DMatrix<f64>),
}

pub type Pair = (f64, f64);
pub type Buffer = (Vec<f64>, f64);
pub type Matrices = (DMatrix<f64>, DVector<f64>);

#[derive(Default)]
pub struct Corpus {
    /// `h(u, v) -> f64`
    pub helpers: Vec<Case<Pair, f64>>,
    /// `h(u, v) -> (f64, f64)`
    pub pairs: Vec<Case<Pair, Pair>>,
    /// `g(x, a, k) -> f64`
    pub scalar: Vec<Case<Buffer, f64>>,
    /// `g(x, a, k) -> Vec<f64>` or `[f64; 3]`
    pub vector: Vec<Case<Buffer, Vec<f64>>>,
    /// `m(m, v, k) -> f64`
    pub matrix_scalar: Vec<Case<Matrices, f64>>,
    /// `m(m, v, k) ->` a vector or a matrix, flattened column-major
    pub matrix_vector: Vec<Case<Matrices, Vec<f64>>>,
}

pub fn arr4(x: &[f64]) -> [f64; 4] {
    x.try_into().expect("4 entries")
}

pub fn arr3(x: &[f64]) -> [f64; 3] {
    x.try_into().expect("3 entries")
}

pub fn mat3(m: &DMatrix<f64>) -> Matrix3<f64> {
    Matrix3::from_column_slice(m.as_slice())
}

pub fn vec3(v: &DVector<f64>) -> Vector3<f64> {
    Vector3::from_column_slice(v.as_slice())
}

pub fn dmat(m: &Matrix3<f64>) -> DMatrix<f64> {
    DMatrix::from_column_slice(3, 3, m.as_slice())
}

pub fn dvec(v: &Vector3<f64>) -> DVector<f64> {
    DVector::from_column_slice(v.as_slice())
}

// ===================================================================== sampling

/// SplitMix64, seeded by the function's seed.
pub struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let z = self.0;
        let z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `±[lo, hi]`: away from 0, where the programs compare parameters with 0.
    fn signed(&mut self, lo: f64, hi: f64) -> f64 {
        let x = lo + (hi - lo) * self.unit();
        if self.next() & 1 == 0 { x } else { -x }
    }
}

/// The points a family is checked at: entries in `±[0.3, 1.2]` for scalars and buffers,
/// `±[0.3, 1.0]` for matrices (the bounds the generator assumes).
pub trait Point: Tangent<Scalar = f64> + Debug {
    fn sample(rng: &mut Rng) -> Self;
}

impl Point for Pair {
    fn sample(rng: &mut Rng) -> Self {
        (rng.signed(0.3, 1.2), rng.signed(0.3, 1.2))
    }
}

impl Point for Buffer {
    fn sample(rng: &mut Rng) -> Self {
        (
            (0..4).map(|_| rng.signed(0.3, 1.2)).collect(),
            rng.signed(0.3, 1.2),
        )
    }
}

impl Point for Matrices {
    fn sample(rng: &mut Rng) -> Self {
        (
            DMatrix::from_fn(3, 3, |_, _| rng.signed(0.3, 1.0)),
            DVector::from_fn(3, |_, _| rng.signed(0.3, 1.0)),
        )
    }
}

// ===================================================================== checks

/// `‖a − b‖ / max(‖a‖, ‖b‖)` over flat views, 0 for two zeros.
fn relative(a: &[f64], b: &[f64]) -> f64 {
    let d: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt();
    let n = a
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(b.iter().map(|x| x * x).sum::<f64>().sqrt());
    if a.len() != b.len() {
        f64::INFINITY
    } else if d == 0.0 {
        0.0
    } else {
        d / n
    }
}

/// The checks of one case at one point; an error says which and by how much.
fn check_point<X: Point, Y: Tangent<Scalar = f64>>(
    case: &Case<X, Y>,
    x: &X,
    k: usize,
) -> Result<(), String> {
    let seed = case.seed ^ k as u64;
    let f = |p: &X| (case.f)(p, k);
    let jvp = |p: &X, d: &X| (case.jvp)(p, k, d);
    let vjp = |p: &X, y: &Y| (case.vjp)(p, k, y);
    check::jvp(f, jvp, x, &Config::for_jvp::<f64>().seed(seed)).map_err(|e| e.to_string())?;
    check::dot_product(jvp, vjp, x, &Config::for_dot_product::<f64>().seed(seed))
        .map_err(|e| e.to_string())?;
    let Some(second) = &case.second else {
        return Ok(());
    };
    let (value, gradient, h) = (second.hessian)(x, k);
    let (v0, g0) = (second.grad)(x, k);
    let y0 = flat(&(case.f)(x, k));
    if relative(&[value], &y0) > 1e-13 || relative(&[v0], &y0) > 1e-13 {
        return Err(format!(
            "second order: f = {y0:?}, f_grad gives {v0:e}, f_hessian gives {value:e}"
        ));
    }
    let e = relative(&gradient.to_flat(), &g0.to_flat());
    if e > 1e-10 {
        return Err(format!(
            "second order: the gradient of f_hessian differs from f_grad by {e:.2e}: {:?} vs {:?}",
            gradient.to_flat(),
            g0.to_flat()
        ));
    }
    // Second derivatives are compared relative to their size, with a floor at the size of the
    // rounding noise of a function whose gradient has norm ‖g‖: where the Hessian vanishes (a
    // function linear in its inputs) its computed entries are noise of about ε·‖g‖.
    let noise = 1e-13 * (norm(&g0.to_flat()) + norm(&y0));
    let asym = (&h - h.transpose()).amax();
    if asym > 1e-9 * h.amax() + noise {
        return Err(format!(
            "second order: the Hessian is not symmetric (max |H - Hᵀ| = {asym:.2e}, max |H| = \
             {:.2e}):\n{h}",
            h.amax()
        ));
    }
    // f_hvp against H·d, and against finite differences of the gradient
    let mut rng = Rng(seed ^ 0xd1ec);
    let d = {
        let flat: Vec<f64> = (0..x.dim()).map(|_| rng.signed(0.5, 1.0)).collect();
        x.read_flat(&mut flat.as_slice())
    };
    let (_, g1, hv) = (second.hvp)(x, k, &d);
    let (hv, d) = (hv.to_flat(), d.to_flat());
    let hd = &h * DVector::from_column_slice(&d);
    let e_grad = relative(&g1.to_flat(), &g0.to_flat());
    if !close(&hv, hd.as_slice(), 1e-9, noise * norm(&d)) || e_grad > 1e-10 {
        return Err(format!(
            "second order: f_hvp differs from H·d (or its gradient from f_grad by {e_grad:.2e}): \
             {hv:?} vs {:?}",
            hd.as_slice()
        ));
    }
    // finite differences of the gradient are accurate to about 1e-9 of its size
    let (fd, _) = check::richardson(
        |p: &X| (second.grad)(p, k).1,
        x,
        &x.read_flat(&mut d.as_slice()),
    );
    let fd = fd.to_flat();
    if !close(&hv, &fd, 1e-6, 1e-9 * norm(&g0.to_flat()) * norm(&d)) {
        return Err(format!(
            "second order: f_hvp differs from the finite differences of f_grad: {hv:?} vs {fd:?}"
        ));
    }
    Ok(())
}

fn flat<Y: Tangent<Scalar = f64>>(y: &Y) -> Vec<f64> {
    y.to_flat()
}

fn norm(a: &[f64]) -> f64 {
    a.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// `‖a − b‖ ≤ rtol·max(‖a‖, ‖b‖) + atol` (and finite).
fn close(a: &[f64], b: &[f64], rtol: f64, atol: f64) -> bool {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    a.len() == b.len() && norm(&d) <= rtol * norm(a).max(norm(b)) + atol
}

/// Checks every case at one point per `k` in 0..4 (all of them, or the one named by
/// `MATCALC_ONLY`); returns the failure reports, which it also prints.
pub fn check_cases<X: Point, Y: Tangent<Scalar = f64>>(
    cases: &[Case<X, Y>],
    corpus_seed: u64,
) -> Vec<String> {
    let only = std::env::var("MATCALC_ONLY").ok();
    let mut failures = Vec::new();
    for case in cases {
        if only.as_deref().is_some_and(|o| o != case.name) {
            continue;
        }
        let mut rng = Rng(case.seed);
        for k in 0..4 {
            let x = X::sample(&mut rng);
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check_point(case, &x, k)))
                    .unwrap_or_else(|panic| {
                        let msg = panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        Err(format!("panicked: {msg}"))
                    });
            if let Err(e) = outcome {
                let report = format!(
                    "=== {} (seed {:#018x}, corpus seed {:#018x}) failed at k = {k}, \
                     x = {x:?}:\n{e}\n--- source:\n{}",
                    case.name, case.seed, corpus_seed, case.source
                );
                eprintln!("{report}");
                failures.push(report);
                break;
            }
        }
    }
    failures
}

/// Fails with the first report if there is one.
pub fn report(what: &str, checked: usize, failures: Vec<String>) {
    eprintln!(
        "{what}: {checked} functions checked, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} {what} failed (reports above); the first:\n{}",
        failures.len(),
        failures[0]
    );
}
