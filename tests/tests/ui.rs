//! trybuild UI tests: every misuse of `#[derive(GateConfig)]` and every way
//! around `Validated<T>` fails to compile with the message in its `.stderr`.
//!
//! Regenerate after an intended message change with
//! `TRYBUILD=overwrite cargo test -p asyncgate-tests --test ui`, then read
//! every changed `.stderr` as a user would.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/derive/*.rs");
    t.compile_fail("ui/typestate/*.rs");
}
