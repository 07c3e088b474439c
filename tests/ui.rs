//! Compile-fail cases of `#[differentiate]`: one misuse per file under `tests/ui/`, each with the
//! exact diagnostic it must produce in its `.stderr`. Regenerate the expectations after an
//! intended change of a message with `TRYBUILD=overwrite cargo test --test ui`, then read them.

/// One test, so that every case is compiled in a single trybuild build. It takes a while the
/// first time: trybuild builds the crate and its dependencies again, in a target directory of
/// its own (`target/tests/trybuild/`), before it checks the cases, all in one `cargo check`.
#[test]
fn all_cases_in_one_build_after_trybuild_compiles_the_dependencies() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
