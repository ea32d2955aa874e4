//! For the integration tests only: sets `cfg(pg_tests)` when PERMIT_FOLLOWUP_TEST_PG (the
//! PostgreSQL server of the test suite) is set and non-empty at build time, so that without it
//! `tests/it` marks its PostgreSQL tests `#[ignore]` and cargo reports them as ignored instead of
//! passing them unrun. Nothing in `src/` reads the cfg; the library and binary are the same either
//! way.
//!
//! Cargo re-runs this script only when that variable changes (not on every edit of the package),
//! and then rebuilds this crate's targets, not its dependencies.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(pg_tests)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PERMIT_FOLLOWUP_TEST_PG");
    if std::env::var_os("PERMIT_FOLLOWUP_TEST_PG").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=pg_tests");
    }
}
