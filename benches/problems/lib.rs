//! The problems of the benchmarks, the library of the `matcalc-bench` crate, shared by the
//! criterion benches (`benches/criterion/`), the table printer (`benches/bench_table/`) and the
//! ADBench correctness test (`benches/tests/adbench.rs`), so that every figure and every check
//! runs the same code.
//!
//! Each problem module holds the function annotated with `#[differentiate]` (its primal is the
//! function itself), the baselines written for it (a hand-written derivative, a generic version
//! for dual numbers and for the RustQuant tape), and the inputs it is measured at.
#![forbid(unsafe_code)]

pub mod ba;
pub mod checkpointing;
pub mod det;
pub mod eig;
pub mod fd;
pub mod gmm;
pub mod logdet_trace;
pub mod logsumexp;
pub mod num;
pub mod rk4;
pub mod rosenbrock;

use std::path::PathBuf;

/// The ADBench data folder, if it is there: `$MATCALC_ADBENCH_DIR` when set (a checkout that
/// does not sit beside `shared/`, such as a second git worktree), else
/// `../shared/data/adbench/` beside the project (this crate is `benches/` in it).
pub fn adbench_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("MATCALC_ADBENCH_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/adbench"),
        PathBuf::from,
    );
    dir.is_dir().then_some(dir)
}

/// Reads a whitespace-separated file of numbers.
pub fn read_numbers(path: &std::path::Path) -> Vec<f64> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
        .map(|word| {
            word.parse()
                .unwrap_or_else(|e| panic!("{}: `{word}` is not a number: {e}", path.display()))
        })
        .collect()
}

/// ADBench's agreement rule: |x − y| / max(1, |x| + |y|) < 1e-8.
pub fn adbench_close(x: f64, y: f64) -> bool {
    (x - y).abs() / (x.abs() + y.abs()).max(1.0) < 1e-8
}

/// A deterministic pseudo-random sequence in [−1, 1) (splitmix64), so that inputs need no seeding
/// crate and are the same in every target.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Lcg(seed)
    }

    /// The next number of the sequence, uniform in [−1, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    pub fn vec(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.uniform()).collect()
    }

    /// A well-conditioned symmetric positive definite matrix, A·Aᵀ/n + I.
    pub fn spd(&mut self, n: usize) -> nalgebra::DMatrix<f64> {
        let a = nalgebra::DMatrix::from_fn(n, n, |_, _| self.uniform());
        &a * a.transpose() / n as f64 + nalgebra::DMatrix::identity(n, n)
    }

    /// A general matrix with a dominant diagonal, so that it is far from singular.
    pub fn general(&mut self, n: usize) -> nalgebra::DMatrix<f64> {
        nalgebra::DMatrix::from_fn(n, n, |i, j| self.uniform() + if i == j { 2.0 } else { 0.0 })
    }
}
