//! Diff mode: `--since REV` runs only the checks whose inputs changed since
//! the revision, names the skipped ones, and runs everything when the
//! definitions changed.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::git;

fn check(dir: &Path, extra: &[&str]) -> (Output, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["check", "--format", "json", "--as-of", "2026-11-20"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out, json)
}

fn ids(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A git work tree with a project and a committed repository.
fn work_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("repo/deploy")).unwrap();
    std::fs::write(
        root.join("assay.toml"),
        "[project]\nname = \"s\"\nframeworks = [\"soc2\"]\nrepository = \"repo\"\n",
    )
    .unwrap();
    std::fs::write(root.join("repo/Dockerfile"), "FROM python:3.12\nUSER app\n").unwrap();
    std::fs::write(root.join("repo/README.md"), "# service\n").unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "start"]);
    dir
}

#[test]
fn nothing_changed_skips_every_check() {
    let dir = work_tree();
    let (out, r) = check(dir.path(), &["--since", "HEAD"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(ids(&r).is_empty());
    assert_eq!(r["since"]["changed"], 0);
    assert!(r["since"]["skipped"].as_array().unwrap().len() >= 19);
}

#[test]
fn a_changed_dockerfile_runs_the_checks_that_read_it() {
    let dir = work_tree();
    std::fs::write(dir.path().join("repo/Dockerfile"), "FROM python:latest\n").unwrap();
    let (out, r) = check(dir.path(), &["--since", "HEAD"]);
    let ran = ids(&r);
    for want in [
        "docker.non-root",
        "docker.pinned-base-image",
        "repo.secrets.aws-access-key",
    ] {
        assert!(ran.contains(&want.to_owned()), "{want} not run: {ran:?}");
    }
    for skipped in [
        "k8s.no-privileged",
        "terraform.sg-no-public-ssh",
        "aws.iam.console-mfa",
    ] {
        assert!(!ran.contains(&skipped.to_owned()), "{skipped} ran");
        assert!(
            r["since"]["skipped"]
                .as_array()
                .unwrap()
                .contains(&Value::from(skipped))
        );
    }
    assert_eq!(out.status.code(), Some(1), "the root Dockerfile gates");
    // An untracked new manifest counts as changed.
    std::fs::write(
        dir.path().join("repo/deploy/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext: {privileged: true}\n",
    )
    .unwrap();
    let (_, r) = check(dir.path(), &["--since", "HEAD"]);
    assert!(ids(&r).contains(&"k8s.no-privileged".to_owned()));
}

#[test]
fn a_changed_definition_runs_everything() {
    let dir = work_tree();
    let config = dir.path().join("assay.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("# reviewed\n");
    std::fs::write(&config, text).unwrap();
    let (_, r) = check(dir.path(), &["--since", "HEAD"]);
    assert_eq!(r["since"]["definitions_changed"], true);
    assert!(r["since"]["skipped"].as_array().unwrap().is_empty());
    assert!(ids(&r).len() >= 19);
}

#[test]
fn a_bad_revision_or_no_git_tree_is_a_usage_error() {
    let dir = work_tree();
    let (out, _) = check(dir.path(), &["--since", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since no-such-branch"));
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("README.md"), "x").unwrap();
    let (out, _) = check(plain.path(), &["--since", "HEAD"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Every file under `dir` named `name`, however deep.
fn files_named(dir: &Path, name: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_named(&path, name));
        } else if path.file_name().is_some_and(|n| n == name) {
            found.push(path);
        }
    }
    found
}

/// A revision beginning with `-` would reach git as an option:
/// `--output=x` makes `git diff-index` write its output to the file `x`. The
/// guard in `git::Repo::changed_since` refuses it before any git command runs.
#[test]
fn a_revision_that_looks_like_an_option_is_refused_before_git_sees_it() {
    let dir = work_tree();
    // Run from the work tree, where git's `x` would land.
    let run = |since: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_assay"))
            .current_dir(dir.path())
            .args(["check", ".", "--format", "json"])
            .args(since)
            .output()
            .unwrap()
    };
    let out = run(&["--since=--output=x"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--since --output=x: the revision `--output=x` starts with `-`"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing is evaluated or reported");
    assert_eq!(
        files_named(dir.path(), "x"),
        Vec::<std::path::PathBuf>::new()
    );
    // As two arguments the value is an option to assay, not a revision.
    let out = run(&["--since", "--output=x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        files_named(dir.path(), "x"),
        Vec::<std::path::PathBuf>::new()
    );
}

/// Issue 11: changes are found by comparing the revision with the index and
/// the index with work-tree bytes, so each kind of change is pinned here.
#[cfg(unix)]
#[test]
fn staged_deleted_mode_and_link_changes_count_and_nothing_else() {
    use std::os::unix::fs::PermissionsExt;
    let dir = work_tree();
    let root = dir.path();
    std::os::unix::fs::symlink("Dockerfile", root.join("repo/Dockerfile.link")).unwrap();
    std::fs::write(root.join("repo/run.sh"), "echo hi\n").unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "more"]);
    let changed = |rev: &str| {
        let top = root.canonicalize().unwrap();
        let mut names: Vec<String> = assay::since::changed_files(&root.join("repo"), rev)
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(&top).unwrap().display().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(changed("HEAD"), Vec::<String>::new());
    assert_eq!(changed("HEAD~1"), ["repo/Dockerfile.link", "repo/run.sh"]);

    // Staged, then the work tree put back: the index still differs.
    std::fs::write(root.join("repo/Dockerfile"), "FROM python:latest\n").unwrap();
    git(root, &["add", "repo/Dockerfile"]);
    std::fs::write(root.join("repo/Dockerfile"), "FROM python:3.12\nUSER app\n").unwrap();
    std::fs::remove_file(root.join("repo/README.md")).unwrap();
    let script = root.join("repo/run.sh");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::remove_file(root.join("repo/Dockerfile.link")).unwrap();
    std::os::unix::fs::symlink("README.md", root.join("repo/Dockerfile.link")).unwrap();
    assert_eq!(
        changed("HEAD"),
        [
            "repo/Dockerfile",
            "repo/Dockerfile.link",
            "repo/README.md",
            "repo/run.sh"
        ]
    );
}

/// Issue 13: with `--since` and a baseline, the baseline findings of the
/// checks skipped are "not evaluated", never "fixed".
#[test]
fn skipped_checks_leave_their_baseline_findings_not_evaluated() {
    let dir = work_tree();
    let base = dir.path().join("baseline.json");
    let (_, full) = check(dir.path(), &["--write-baseline", base.to_str().unwrap()]);
    let failing = full["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .count();
    assert!(failing > 0, "the work tree has findings to record");
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let entries = recorded["findings"].as_array().unwrap().len();

    let (_, r) = check(
        dir.path(),
        &["--since", "HEAD", "--baseline", base.to_str().unwrap()],
    );
    assert!(ids(&r).is_empty(), "nothing changed, nothing ran");
    // The risk analysis of a partial run says so; that of a full one does not.
    assert!(full["risks"].get("partial").is_none());
    let partial = r["risks"]["partial"].as_str().unwrap_or_default();
    assert!(partial.starts_with("`--since` skipped "), "{partial}");
    assert_eq!(
        r["baseline"]["fixed"],
        serde_json::json!([]),
        "{}",
        r["baseline"]
    );
    assert_eq!(
        r["baseline"]["not_evaluated"].as_array().map(Vec::len),
        Some(entries),
        "{}",
        r["baseline"]
    );
}
