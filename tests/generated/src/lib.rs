//! Nothing here: the corpus lives in the test targets `tests/shard_<nn>.rs`, each of which
//! includes the functions that `build.rs` generates for it.
#![forbid(unsafe_code)]
