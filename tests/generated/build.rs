//! Writes `$OUT_DIR/shard_01.rs` to `$OUT_DIR/shard_<SHARDS>.rs`: a corpus of random
//! differentiable programs, each annotated with `#[differentiate]`, cut into shards of about
//! [`FUNCTIONS_PER_SHARD`] functions (more when the corpus needs more than [`SHARDS`] of them),
//! each with the table of cases that its test target `tests/shard_<nn>.rs` checks; the shards
//! left over are empty. One rustc compiles each target, so the shards build in parallel and no
//! compiler holds the whole corpus.
//!
//! - `MATCALC_CORPUS=<n>`: the number of functions (default [`DEFAULT_COUNT`]; `.ci/run` also
//!   checks the full corpus of 300 functions, in a step of its own).
//! - `MATCALC_SEED=<u64>`: the corpus seed (default [`DEFAULT_SEED`]); function `i` is generated
//!   from `mix(seed + i)`, the seed a failure prints.
//! - `MATCALC_KNOWN_BUGS=1`: also generate the constructs that [`KNOWN_BUGS`] keeps out.

#[path = "build/corpus.rs"]
mod corpus;
#[path = "build/interval.rs"]
mod interval;
#[path = "build/matrix.rs"]
mod matrix;
#[path = "build/program.rs"]
mod program;
#[path = "build/rng.rs"]
mod rng;

use std::path::{Path, PathBuf};

/// Functions compiled and checked by `cargo test`: as many as keep `cargo test --workspace`
/// within four minutes on two cores (README, On a fresh machine).
const DEFAULT_COUNT: usize = 60;
/// The test targets the corpus may be cut into, `tests/shard_01.rs` and on: enough that a shard
/// of the full corpus of 300 compiles in about 1.2 GB of memory.
const SHARDS: usize = 10;
/// The functions of a shard while targets are left: a shard also compiles every function its
/// functions call, so fewer, fuller shards compile fewer functions twice (a shard of 20 needs
/// about 0.9 GB).
const FUNCTIONS_PER_SHARD: usize = 20;
const DEFAULT_SEED: u64 = 0x6d61_7463_616c_6321;

/// Constructs kept out of the corpus because of a known bug of the macro (each with its
/// symptom; minimal reproducers are in the report that added them): the generator does not
/// write them unless `MATCALC_KNOWN_BUGS` is set.
const KNOWN_BUGS: &[&str] = &[];

fn main() {
    for var in ["MATCALC_CORPUS", "MATCALC_SEED", "MATCALC_KNOWN_BUGS"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=build");
    let count = std::env::var("MATCALC_CORPUS")
        .ok()
        .map(|v| v.parse().expect("MATCALC_CORPUS is a number of functions"))
        .unwrap_or(DEFAULT_COUNT);
    let seed = std::env::var("MATCALC_SEED")
        .ok()
        .map(|v| parse_seed(&v))
        .unwrap_or(DEFAULT_SEED);
    let features = program::Features {
        disabled: if std::env::var_os("MATCALC_KNOWN_BUGS").is_some() {
            Vec::new()
        } else {
            KNOWN_BUGS.to_vec()
        },
    };
    let functions = corpus::generate(count, seed, &features);
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let filled = count.div_ceil(FUNCTIONS_PER_SHARD).clamp(1, SHARDS);
    let mut runs = corpus::shards(&functions, filled);
    runs.resize(SHARDS, count..count);
    for (i, run) in runs.into_iter().enumerate() {
        let name = shard_name(i + 1);
        assert!(
            Path::new("tests").join(&name).is_file(),
            "tests/{name} is missing: each shard is a test target of its own"
        );
        let source = corpus::emit(&functions, seed, run, i + 1, SHARDS);
        std::fs::write(out.join(&name), source).expect("write the generated corpus");
    }
    assert!(
        !Path::new("tests").join(shard_name(SHARDS + 1)).exists(),
        "tests/{} has no shard: SHARDS is the number of tests/shard_<nn>.rs",
        shard_name(SHARDS + 1)
    );
}

/// The file of shard `number`, in `tests/` and in `$OUT_DIR`; the test target's name is its
/// stem, which `harness::shard!` includes by.
fn shard_name(number: usize) -> String {
    format!("shard_{number:02}.rs")
}

fn parse_seed(v: &str) -> u64 {
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => v.parse(),
    }
    .expect("MATCALC_SEED is a u64, decimal or 0x-hex")
}
