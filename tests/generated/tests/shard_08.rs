//! Shard 8 of the generated corpus (`build.rs`; what it holds: `shard_01.rs`; the checks:
//! `harness/mod.rs`).

mod harness;

harness::shard!();
