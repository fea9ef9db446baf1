//! What CI pipelines rely on: selectors that name nothing fail closed, the
//! coverage threshold, quiet runs, colour only when asked or on a terminal,
//! several formats from one run, shell completions, the pre-commit hooks.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output};

fn assay(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_assay"));
    cmd.args(args).env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

const DEMO: [&str; 4] = ["check", "examples/acme", "--as-of", "2026-11-20"];

fn demo(extra: &[&str]) -> Output {
    let mut args = DEMO.to_vec();
    args.extend_from_slice(extra);
    assay(&args, &[])
}

#[test]
fn selectors_that_name_nothing_exit_2() {
    for extra in [
        ["--framework", "soc-2"],
        ["--framework", "nist-800-53@hihg"],
        ["--check", "repo.secret.*"],
    ] {
        let out = demo(&extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(
            out.stdout.is_empty(),
            "{extra:?}: a usage error reports nothing"
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("unknown"));
    }
}

#[test]
fn coverage_below_the_threshold_fails_the_gate() {
    // SOC 2 alone, checks that pass only: the gate passes on findings, and
    // fails on coverage once the threshold is above what was evaluated.
    let base = [
        "--framework",
        "soc2",
        "--check",
        "repo.security-policy",
        "--format",
        "json",
    ];
    let ok = demo(&base);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let mut args = base.to_vec();
    args.extend(["--fail-coverage-below", "50"]);
    let low = demo(&args);
    assert_eq!(low.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&low.stdout).unwrap();
    let shortfall = &r["gate"]["coverage_below"][0];
    assert_eq!(shortfall["framework"], "soc2");
    assert_eq!(shortfall["required"], 50.0);
    // One evaluated control of 61, plus the demo's two attested ones.
    assert!(shortfall["percent"].as_f64().unwrap() < 10.0, "{shortfall}");
    let mut args = base.to_vec();
    args.extend(["--fail-coverage-below", "3"]);
    assert_eq!(demo(&args).status.code(), Some(0));
    assert_eq!(
        demo(&["--fail-coverage-below", "101"]).status.code(),
        Some(2)
    );
}

#[test]
fn quiet_prints_nothing_but_keeps_the_exit_code_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("a.sarif");
    let junit = dir.path().join("a.xml");
    let out = demo(&[
        "--quiet",
        "--output",
        &format!("sarif={}", sarif.display()),
        "--output",
        &format!("junit={}", junit.display()),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::metadata(&sarif).unwrap().len() > 0);
    assert!(std::fs::metadata(&junit).unwrap().len() > 0);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_never_with_no_color() {
    const ESC: u8 = 0x1b;
    // Not a terminal here: auto means no colour.
    assert!(!demo(&[]).stdout.contains(&ESC));
    let always = demo(&["--color", "always"]);
    assert!(always.stdout.contains(&ESC));
    let text = String::from_utf8_lossy(&always.stdout);
    assert!(text.contains("\u{1b}[31mFAIL\u{1b}[0m"), "{text}");
    let mut args = DEMO.to_vec();
    args.extend(["--color", "auto"]);
    let no_color = assay(&args, &[("NO_COLOR", "1")]);
    assert!(!no_color.stdout.contains(&ESC));
    assert!(!demo(&["--color", "never"]).stdout.contains(&ESC));
    // Machine formats never carry colour.
    assert!(
        !demo(&["--color", "always", "--format", "json"])
            .stdout
            .contains(&ESC)
    );
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_assay()"),
        ("zsh", "#compdef assay"),
        ("fish", "complete -c assay"),
    ] {
        let out = assay(&["completions", shell], &[]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(marker), "{shell}: {text}");
        assert!(
            text.contains("evidence") && text.contains("baseline"),
            "{shell}"
        );
    }
    assert_eq!(assay(&["completions", "tcsh"], &[]).status.code(), Some(2));
}

#[test]
fn an_unknown_output_format_or_unwritable_path_exits_2() {
    let out = demo(&["--output", "pdf=x.pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown format `pdf`"));
    let out = demo(&["--output", "csv=/nonexistent/dir/x.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write"));
}

#[test]
fn the_pre_commit_hooks_run_assay_check() {
    #[derive(serde::Deserialize)]
    struct Hook {
        id: String,
        entry: String,
        language: String,
        pass_filenames: bool,
    }
    let hooks: Vec<Hook> =
        serde_saphyr::from_str(&std::fs::read_to_string(".pre-commit-hooks.yaml").unwrap())
            .unwrap();
    assert!(hooks.iter().any(|h| h.id == "assay"));
    for h in &hooks {
        assert!(h.entry.starts_with("assay check"), "{}", h.entry);
        assert_eq!(h.language, "rust");
        assert!(!h.pass_filenames);
        // The entry's arguments parse.
        let mut args: Vec<&str> = h.entry.split_whitespace().skip(1).collect();
        args.push("--help");
        assert_eq!(assay(&args, &[]).status.code(), Some(0), "{}", h.entry);
    }
}
