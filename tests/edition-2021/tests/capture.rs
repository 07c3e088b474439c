//! The test of `tests/capture.rs` in the main crate (edition 2024), compiled here on edition
//! 2021, where `impl Trait` in return position captures lifetimes differently.

#[path = "../../capture.rs"]
mod capture;
