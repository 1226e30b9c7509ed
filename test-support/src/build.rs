//! For the build scripts of the crates whose tests need PostgreSQL: sets
//! `cfg(asyncgate_no_postgres)` where those tests cannot run, so that they
//! are reported as ignored, with the reason. Under `CI=true` it is never
//! set: there a missing database fails the tests.

use crate::probe;

/// Prints the build-script directives (call it from `build.rs`).
pub fn postgres_probe() {
    println!("cargo::rustc-check-cfg=cfg(asyncgate_no_postgres)");
    println!("cargo::rerun-if-env-changed={}", probe::DATABASE_URL_VAR);
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-changed={}", probe::DEBIAN_PG_ROOT);
    let ci = std::env::var("CI").as_deref() == Ok("true");
    if !ci && !runs_here() {
        println!("cargo::rustc-cfg=asyncgate_no_postgres");
    }
}

/// Whether the PostgreSQL tests can run on this machine.
fn runs_here() -> bool {
    probe::given_url(std::env::var(probe::DATABASE_URL_VAR).ok()).is_some()
        || probe::pg_bin_dir(std::env::var_os("PATH").as_deref()).is_some()
}
