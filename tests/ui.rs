//! Compile-fail cases of `#[differentiate]`: one misuse per file under `tests/ui/`, each with the
//! exact diagnostic it must produce in its `.stderr`. Regenerate the expectations after an
//! intended change of a message with `TRYBUILD=overwrite cargo test --test ui`, then read them.

/// One test, so that every case is compiled in a single trybuild build.
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
