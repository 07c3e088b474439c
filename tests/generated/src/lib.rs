//! Nothing here: the corpus lives in `tests/corpus.rs`, which includes the functions that
//! `build.rs` generates.
#![forbid(unsafe_code)]
