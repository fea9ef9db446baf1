//! Repository walking and reading, with trees built in code: ignore files,
//! symbolic links, binary, huge and unreadable inputs, and thread counts.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use assay::engine::{self, EngineOptions, Evaluation};
use assay::outcome::{CheckResult, Status};
use assay::walk::{self, Tree, WalkOptions};
use std::fs;
use std::path::Path;

/// A key id assembled at run time, so this file holds none.
fn key() -> String {
    format!("AKIA{}", "TESTKEY123456789")
}

fn write(root: &Path, rel: &str, data: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, data).unwrap();
}

fn evaluate(
    root: &Path,
    walk_options: WalkOptions,
    engine_options: EngineOptions,
) -> (Tree, Evaluation) {
    let loaded = assay::load::load(root).unwrap();
    let options = EngineOptions {
        walk: walk_options,
        ..engine_options
    };
    let (tree, evaluation) = engine::evaluate(&loaded.catalog, &loaded.project, options).unwrap();
    (tree, evaluation)
}

fn check<'a>(evaluation: &'a Evaluation, id: &str) -> &'a CheckResult {
    evaluation
        .checks
        .iter()
        .find(|c| c.id.as_str() == id)
        .unwrap()
}

fn key_paths(evaluation: &Evaluation) -> Vec<String> {
    check(evaluation, "repo.secrets.aws-access-key")
        .findings
        .iter()
        .map(|f| f.path.clone().unwrap())
        .collect()
}

#[test]
fn gitignore_is_honoured_unless_no_ignore() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "*.local\nbuild/\n");
    write(dir.path(), "creds.local", key());
    write(dir.path(), "build/out.txt", key());
    write(dir.path(), "sub/.gitignore", "nested.txt\n");
    write(dir.path(), "sub/nested.txt", key());
    write(dir.path(), "sub/kept.txt", key());
    let (_, eval) = evaluate(dir.path(), WalkOptions::default(), EngineOptions::default());
    assert_eq!(key_paths(&eval), ["sub/kept.txt"]);
    let (_, all) = evaluate(
        dir.path(),
        WalkOptions {
            no_ignore: true,
            ..WalkOptions::default()
        },
        EngineOptions::default(),
    );
    assert_eq!(
        key_paths(&all),
        [
            "build/out.txt",
            "creds.local",
            "sub/kept.txt",
            "sub/nested.txt"
        ]
    );
}

#[test]
fn ignore_files_above_the_root_do_not_apply() {
    let outer = tempfile::tempdir().unwrap();
    write(outer.path(), ".gitignore", "*.txt\n");
    write(outer.path(), "repo/leak.txt", key());
    let (_, eval) = evaluate(
        &outer.path().join("repo"),
        WalkOptions::default(),
        EngineOptions::default(),
    );
    assert_eq!(key_paths(&eval), ["leak.txt"]);
}

#[test]
fn the_git_directory_is_not_evaluated_but_other_dotfiles_are() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".git/config", key());
    write(dir.path(), ".env", key());
    write(dir.path(), ".github/CODEOWNERS", "* @owners\n");
    let (_, eval) = evaluate(dir.path(), WalkOptions::default(), EngineOptions::default());
    assert_eq!(key_paths(&eval), [".env"]);
    assert_eq!(check(&eval, "repo.codeowners").status, Status::Pass);
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_never_followed_out_of_the_root() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.txt", key());
    write(outside.path(), "CODEOWNERS", "* @owners\n");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "hello\n");
    symlink(
        outside.path().join("secret.txt"),
        dir.path().join("secret-link.txt"),
    )
    .unwrap();
    symlink(outside.path(), dir.path().join("outside")).unwrap();
    symlink(
        outside.path().join("CODEOWNERS"),
        dir.path().join("CODEOWNERS"),
    )
    .unwrap();
    symlink(".", dir.path().join("loop")).unwrap();
    let (tree, eval) = evaluate(dir.path(), WalkOptions::default(), EngineOptions::default());
    assert!(key_paths(&eval).is_empty());
    assert_eq!(
        tree.symlinks,
        ["CODEOWNERS", "loop", "outside", "secret-link.txt"]
    );
    assert_eq!(
        tree.files
            .iter()
            .map(|f| f.relative.as_str())
            .collect::<Vec<_>>(),
        ["README.md"]
    );
    // A link is not the file: CODEOWNERS through a link does not count.
    assert_eq!(check(&eval, "repo.codeowners").status, Status::Fail);
}

/// Issue 11: one NUL byte must not turn a secret into `not_applicable`.
/// The binary file is judged like any other; only its excerpt is not the bytes.
#[test]
fn issue_11_binary_files_are_judged_and_their_matches_never_printed_raw() {
    let dir = tempfile::tempdir().unwrap();
    let mut blob = vec![0u8, 1, 2, 3];
    blob.extend(key().as_bytes());
    blob.extend([0u8, 0xff]);
    write(dir.path(), "image.bin", &blob);
    write(dir.path(), "text.txt", "nothing here\n");
    let (_, eval) = evaluate(dir.path(), WalkOptions::default(), EngineOptions::default());
    let result = check(&eval, "repo.secrets.aws-access-key");
    assert_eq!(
        (result.status, result.examined, result.failing),
        (Status::Fail, 2, 1)
    );
    let finding = &result.findings[0];
    assert_eq!(finding.path.as_deref(), Some("image.bin"));
    let excerpt = finding.excerpt.as_deref().unwrap();
    assert!(excerpt.starts_with("binary file matches"), "{excerpt}");
    assert!(!excerpt.contains(&key()[4..]), "{excerpt}");
    assert!(!excerpt.chars().any(char::is_control), "{excerpt:?}");
}

#[test]
fn a_file_above_the_size_limit_is_an_error_never_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.txt", "x".repeat(4096));
    write(dir.path(), "small.txt", "ok\n");
    let options = EngineOptions {
        max_file_size: 1024,
        ..EngineOptions::default()
    };
    let (_, eval) = evaluate(dir.path(), WalkOptions::default(), options);
    let result = check(&eval, "repo.secrets.aws-access-key");
    assert_eq!(result.status, Status::Error);
    assert_eq!(result.errors.len(), 1);
    assert_eq!(result.errors[0].path.as_deref(), Some("big.txt"));
    assert!(
        result.errors[0].message.contains("limit"),
        "{}",
        result.errors[0].message
    );
}

#[test]
fn a_missing_root_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let err = walk::walk(&dir.path().join("nope"), WalkOptions::default()).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    write(dir.path(), "file", "x");
    let err = walk::walk(&dir.path().join("file"), WalkOptions::default()).unwrap_err();
    assert!(err.to_string().contains("is not a directory"), "{err}");
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let root = Path::new("fixtures/repos/bad");
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| evaluate(root, WalkOptions::default(), EngineOptions::default()).1)
    };
    let one = run(1);
    assert_eq!(one, run(4));
    assert_eq!(one, run(7));
}
