//! Inputs the fuzzers found (`scripts/fuzz`), replayed through the same
//! harness (`fuzz/src/lib.rs`): each must come back as a value, accepted or
//! an error, never a panic, and soon (the hangs pinned here took minutes to
//! hours). A crash or hang the fuzzer finds is fixed where it happens and its
//! input added to `fixtures/fuzz/<target>/`, beside interesting inputs that
//! never failed, so each directory has some.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Far above what any input here takes (milliseconds), far below a hang.
const PATIENCE: Duration = Duration::from_secs(20);

fn replay(target: &str, run: fn(&[u8]) -> Result<(), String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz")
        .join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no inputs in {}", dir.display());
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let start = Instant::now();
        let outcome = std::panic::catch_unwind(|| run(&bytes));
        assert!(outcome.is_ok(), "{} panicked", path.display());
        let took = start.elapsed();
        assert!(took < PATIENCE, "{} took {took:?}", path.display());
    }
}

#[test]
fn definition_files_found_by_the_fuzzer_load_or_fail_without_panicking() {
    replay("load", harness::load);
}

#[test]
fn exports_found_by_the_fuzzer_stream_or_fail_without_panicking() {
    replay("export", harness::export);
}

#[test]
fn dockerfiles_found_by_the_fuzzer_parse_without_panicking() {
    replay("dockerfile", harness::dockerfile);
}

#[test]
fn terraform_found_by_the_fuzzer_parses_or_fails_without_panicking() {
    replay("terraform", harness::terraform);
}

#[test]
fn bundles_found_by_the_fuzzer_verify_or_fail_without_panicking() {
    replay("evidence", harness::evidence);
}
