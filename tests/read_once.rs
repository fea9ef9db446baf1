//! Each repository file is opened once however many checks look at it, and
//! a file no check selects is never opened: counted by `confine::OPENED`,
//! which every open of an untrusted file goes through.
//!
//! Alone in its own test binary, and one test: the counter is per process,
//! so no other evaluation may run beside the one being counted.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use assay::confine::OPENED;
use assay::engine::{self, EngineOptions, Evaluation};
use assay::load::Loaded;
use std::fs;
use std::path::Path;
use std::sync::atomic::Ordering;

fn write(root: &Path, rel: &str, data: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, data).unwrap();
}

/// Evaluates `loaded`, returning the files the walk listed, the evaluation,
/// and how many files were opened while it ran.
fn opened_by(loaded: &Loaded) -> (usize, Evaluation, usize) {
    let before = OPENED.load(Ordering::SeqCst);
    let (tree, eval) =
        engine::evaluate(&loaded.catalog, &loaded.project, EngineOptions::default()).unwrap();
    let opened = OPENED.load(Ordering::SeqCst) - before;
    (tree.files.len(), eval, opened)
}

/// Where a check found something, as `path` list.
fn found_in(eval: &Evaluation, id: &str) -> Vec<String> {
    let check = eval.checks.iter().find(|c| c.id.as_str() == id).unwrap();
    let mut paths: Vec<String> = check
        .findings
        .iter()
        .filter_map(|f| f.path.clone())
        .collect();
    paths.dedup();
    paths
}

#[test]
fn each_selected_file_is_opened_once_and_an_unselected_one_never() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // No USER and an unpinned base: both Docker checks find something in
    // each Dockerfile, so each must have been read; the secrets check (every
    // file) reads them too, and finds the key in README.md.
    write(root, "Dockerfile", "FROM python:latest\n");
    write(root, "svc/Dockerfile", "FROM node\n");
    write(
        root,
        "README.md",
        format!("key AKIA{}\n", "TESTKEY123456789"),
    );
    write(root, "notes/todo.txt", "nothing to see\n");

    let mut loaded = assay::load::load(root).unwrap();
    let (files, eval, opened) = opened_by(&loaded);
    assert_eq!(files, 4);
    for id in ["docker.non-root", "docker.pinned-base-image"] {
        assert_eq!(
            found_in(&eval, id),
            ["Dockerfile", "svc/Dockerfile"],
            "{id}"
        );
    }
    assert_eq!(
        found_in(&eval, "repo.secrets.aws-access-key"),
        ["README.md"]
    );
    let readers = eval.checks.iter().filter(|c| c.examined > 0).count();
    assert!(readers >= 4, "several checks look at the files: {readers}");
    // The secrets check selects every file: four files, four opens, although
    // at least three checks read each Dockerfile.
    assert_eq!(opened, 4, "files opened for {files} files");
    assert_eq!(eval.files_read, 4);

    // Only the Docker checks: README.md and notes/todo.txt are selected by
    // none, so only the two Dockerfiles are opened, once each.
    loaded
        .catalog
        .checks
        .retain(|id, _| id.as_str().starts_with("docker."));
    assert!(loaded.catalog.checks.len() >= 2);
    let (files, eval, opened) = opened_by(&loaded);
    assert_eq!(files, 4, "the walk still lists every file");
    for id in ["docker.non-root", "docker.pinned-base-image"] {
        assert_eq!(
            found_in(&eval, id),
            ["Dockerfile", "svc/Dockerfile"],
            "{id}"
        );
    }
    assert_eq!(opened, 2);
    assert_eq!(eval.files_read, 2);
}
