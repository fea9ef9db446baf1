//! Issue 11 (items 3 and 5): the scanned repository is untrusted, and
//! nothing its git configuration names may run. Each hostile program
//! touches a marker; after `assay check --since` and `tracked_files` no
//! marker exists, and the changes are still found. Then plain `git status`
//! in the same tree runs them, which shows the trap was armed.
#![cfg(unix)]
// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use assay::git::{GitError, tracked_files};
use serde_json::Value;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

mod common;
use common::git;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// An executable that touches `marks/NAME` and passes its input through.
fn program(bin: &Path, marks: &Path, name: &str) -> PathBuf {
    let path = bin.join(name);
    write(
        &path,
        &format!("#!/bin/sh\ntouch '{}/{name}'\ncat\n", marks.display()),
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn fired(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

struct Hostile {
    _dir: tempfile::TempDir,
    root: PathBuf,
    marks: PathBuf,
}

const HOOKS: &[&str] = &[
    "pre-commit",
    "post-checkout",
    "post-index-change",
    "reference-transaction",
    "fsmonitor-watchman",
    "pre-auto-gc",
    "post-merge",
    "post-rewrite",
];

/// The project of tests/since.rs, committed twice, then armed: every
/// program-running setting in `.git/config` and an included file, applied
/// to every file by `.gitattributes`, hooks inside the repository, and
/// every tracked file stat-dirty so git would read its content again.
fn hostile() -> Hostile {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    let bin = dir.path().join("bin");
    let marks = dir.path().join("marks");
    std::fs::create_dir_all(&marks).unwrap();
    write(
        &root.join("assay.toml"),
        "[project]\nname = \"s\"\nframeworks = [\"soc2\"]\nrepository = \"repo\"\n",
    );
    write(
        &root.join("repo/Dockerfile"),
        "FROM python:3.12\nUSER app\n",
    );
    write(&root.join("repo/README.md"), "# service\n");
    write(
        &root.join("repo/deploy/svc.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
    );
    write(
        &root.join(".gitattributes"),
        "* filter=evil diff=evil\n*.md filter=evil2 diff=evil2\n*.yaml filter=proc diff=evil2\n",
    );
    // Committed hooks, so a hostile `core.hooksPath` finds them in the tree.
    let hooks = root.join(".githooks");
    for hook in HOOKS {
        let path = program(&hooks, &marks, &format!("hook-{hook}"));
        std::fs::rename(&path, hooks.join(hook)).unwrap();
    }
    git(&root, &["init", "-q"]);
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "one"]);
    write(&root.join("repo/README.md"), "# service, documented\n");
    git(&root, &["commit", "-q", "-a", "-m", "two"]);

    let p = |name: &str| program(&bin, &marks, name).display().to_string();
    let included = dir.path().join("included.gitconfig");
    write(
        &included,
        &format!(
            "[filter \"evil2\"]\n\tclean = {}\n\tsmudge = {}\n\trequired = true\n[diff \"evil2\"]\n\ttextconv = {}\n\tcommand = {}\n[core]\n\tfsmonitor = {}\n",
            p("included-clean"),
            p("included-smudge"),
            p("included-textconv"),
            p("included-diff-command"),
            p("included-fsmonitor"),
        ),
    );
    let conditional = dir.path().join("conditional.gitconfig");
    write(
        &conditional,
        &format!(
            "[core]\n\tpager = {}\n[diff]\n\texternal = {}\n",
            p("conditional-pager"),
            p("conditional-external"),
        ),
    );
    let config = root.join(".git/config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[filter \"evil\"]\n\tclean = {}\n\tsmudge = {}\n\trequired = true\n\
         [filter \"proc\"]\n\tprocess = {}\n\
         [diff \"evil\"]\n\ttextconv = {}\n\tcommand = {}\n\
         [diff]\n\texternal = {}\n\
         [core]\n\tfsmonitor = {}\n\tpager = {}\n\teditor = {}\n\tsshCommand = {}\n\taskPass = {}\n\thooksPath = {}\n\talternateRefsCommand = {}\n\
         [pager]\n\tls-files = {}\n\tdiff = {}\n\
         [credential]\n\thelper = {}\n\
         [gpg]\n\tprogram = {}\n\
         [log]\n\tshowSignature = true\n\
         [include]\n\tpath = {}\n\
         [includeIf \"gitdir:{}/\"]\n\tpath = {}\n",
        p("clean"),
        p("smudge"),
        p("process"),
        p("textconv"),
        p("diff-command"),
        p("external"),
        p("fsmonitor"),
        p("pager"),
        p("editor"),
        p("ssh"),
        p("askpass"),
        hooks.display(),
        p("alternate-refs"),
        p("pager-ls-files"),
        p("pager-diff"),
        p("credential"),
        p("gpg"),
        included.display(),
        root.join(".git").canonicalize().unwrap().display(),
        conditional.display(),
    ));
    std::fs::write(&config, text).unwrap();

    // Changes after the last commit: a tracked file rewritten, an untracked
    // manifest, and every tracked file's time moved so its stat data no
    // longer matches the index.
    write(&root.join("repo/Dockerfile"), "FROM python:latest\n");
    write(
        &root.join("repo/deploy/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext: {privileged: true}\n",
    );
    let later = SystemTime::now() + Duration::from_secs(3600);
    for file in [
        "assay.toml",
        ".gitattributes",
        "repo/Dockerfile",
        "repo/README.md",
        "repo/deploy/svc.yaml",
    ] {
        let f = std::fs::File::options()
            .append(true)
            .open(root.join(file))
            .unwrap();
        f.set_modified(later).unwrap();
    }
    Hostile {
        _dir: dir,
        root,
        marks,
    }
}

fn ran(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn issue_11_since_runs_nothing_from_the_repository_and_still_finds_changes() {
    let h = hostile();
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["check", "--format", "json", "--as-of", "2026-11-20"])
        .arg(&h.root)
        .args(["--since", "HEAD~1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(fired(&h.marks), Vec::<String>::new(), "{stderr}");
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let ran = ran(&report);
    for want in [
        "docker.non-root",
        "docker.pinned-base-image",
        "k8s.no-privileged",
    ] {
        assert!(ran.contains(&want.to_owned()), "{want} not run: {ran:?}");
    }
    assert!(!ran.contains(&"aws.iam.console-mfa".to_owned()));
    // README.md (committed), Dockerfile (modified), pod.yaml (untracked).
    assert_eq!(report["since"]["changed"], 3, "{}", report["since"]);

    let tracked = tracked_files(&h.root.join("repo")).unwrap().unwrap();
    assert_eq!(
        tracked,
        [&b"Dockerfile"[..], b"README.md", b"deploy/svc.yaml"]
    );
    // Since HEAD only the two work-tree changes count: the stat-dirty
    // files whose bytes match their blobs do not.
    let top = h.root.canonicalize().unwrap();
    assert_eq!(
        assay::since::changed_files(&h.root.join("repo"), "HEAD").unwrap(),
        [
            top.join("repo/Dockerfile"),
            top.join("repo/deploy/pod.yaml")
        ]
    );
    assert_eq!(fired(&h.marks), Vec::<String>::new());

    // The trap is armed: git's own status and diff run the programs.
    for args in [&["status"][..], &["diff", "HEAD"]] {
        let _ = Command::new("git")
            .arg("-C")
            .arg(&h.root)
            .args(args)
            .output()
            .unwrap();
    }
    let fired = fired(&h.marks);
    for want in [
        "clean",
        "process",
        "included-clean",
        "included-fsmonitor",
        "hook-post-index-change",
    ] {
        assert!(
            fired.contains(&want.to_owned()),
            "{want} not run by git: {fired:?}"
        );
    }
}

#[test]
fn tracked_files_lists_the_index_with_raw_names_and_ignored_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let latin1 = OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(root.join(latin1), "x").unwrap();
    write(&root.join(".gitignore"), "build/\n");
    write(&root.join("build/keep.txt"), "kept\n");
    write(&root.join("build/other.txt"), "ignored\n");
    write(&root.join("sub/inner.txt"), "inner\n");
    write(&root.join("sub/line\nbreak.txt"), "odd\n");
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["add", "-f", "build/keep.txt"]);
    write(&root.join("untracked.txt"), "new\n");
    let tracked = tracked_files(root).unwrap().unwrap();
    assert_eq!(
        tracked,
        [
            &b".gitignore"[..],
            b"build/keep.txt",
            b"caf\xe9.txt",
            b"sub/inner.txt",
            b"sub/line\nbreak.txt",
        ]
    );
    let sub = tracked_files(&root.join("sub")).unwrap().unwrap();
    assert_eq!(sub, [&b"inner.txt"[..], b"line\nbreak.txt"]);

    // Each name is hashed as itself, so an unchanged tree has no changes.
    git(root, &["commit", "-q", "-m", "one"]);
    std::fs::remove_file(root.join("untracked.txt")).unwrap();
    assert_eq!(
        assay::since::changed_files(root, "HEAD").unwrap(),
        Vec::<PathBuf>::new()
    );
    std::fs::write(root.join("sub/line\nbreak.txt"), "changed\n").unwrap();
    assert_eq!(
        assay::since::changed_files(root, "HEAD").unwrap(),
        [root.canonicalize().unwrap().join("sub/line\nbreak.txt")]
    );

    let plain = tempfile::tempdir().unwrap();
    assert!(tracked_files(plain.path()).unwrap().is_none());
}

#[test]
fn a_work_tree_elsewhere_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("outer/project");
    write(&root.join("README.md"), "x\n");
    git(&root, &["init", "-q"]);
    git(&root, &["add", "."]);
    // The work tree is now `outer`, which holds no repository of its own.
    git(&root, &["config", "core.worktree", "../.."]);
    let err = tracked_files(&root).unwrap_err();
    assert!(matches!(err, GitError::ForeignWorkTree { .. }), "{err}");
    assert!(assay::since::changed_files(&root, "HEAD").is_err());
}

#[test]
fn a_bare_repository_in_the_tree_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let marks = dir.path().join("marks");
    std::fs::create_dir_all(&marks).unwrap();
    let bare = dir.path().join("planted");
    git(dir.path(), &["init", "-q", "--bare", "planted"]);
    let hook = program(&dir.path().join("bin"), &marks, "fsmonitor");
    let config = bare.join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[core]\n\tbare = false\n\tworktree = ..\n\tfsmonitor = {}\n",
        hook.display()
    ));
    std::fs::write(&config, text).unwrap();
    assert!(tracked_files(&bare).unwrap().is_none());
    assert!(assay::since::changed_files(&bare, "HEAD").is_err());
    assert_eq!(fired(&marks), Vec::<String>::new());
}
