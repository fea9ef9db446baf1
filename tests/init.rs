//! `assay init`: a new project that validates, tests and checks cleanly; the
//! README's "Getting started" run step by step; never an overwrite, never a
//! write through a link, never a file written when the flags are wrong.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

/// assay run in `dir`, with no terminal (stdin closed) and the clock pinned.
fn assay_in(dir: &Path, args: &[&str]) -> common::Run {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1796601600") // 2026-12-07
        .output()
        .unwrap();
    common::Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walk(dir, dir);
    files.sort();
    files
}

fn walk(root: &Path, dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(root, &path));
        } else {
            out.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
    out
}

/// The `sh` block of the README's "Getting started": one command a line.
fn getting_started() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = &readme[readme
        .find("\n## Getting started")
        .expect("a Getting started section")..];
    let block = &section[section.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    block
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

#[test]
fn the_readmes_getting_started_runs_in_an_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    let steps = getting_started();
    assert!(steps.len() >= 4, "{steps:?}");
    let names: Vec<&str> = steps.iter().map(|s| s[1].as_str()).collect();
    assert_eq!(&names[..4], ["init", "validate", "test", "check"]);
    for step in &steps {
        assert_eq!(step[0], "assay", "{step:?}");
        let args: Vec<&str> = step[1..].iter().map(String::as_str).collect();
        let run = assay_in(dir.path(), &args);
        assert_eq!(
            run.code,
            0,
            "`{}` failed:\n{}\n{}",
            step.join(" "),
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn a_new_project_validates_tests_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let init = assay_in(dir.path(), &["init"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert_eq!(
        files_under(dir.path()),
        [
            ".github/workflows/assay.yml",
            "assay.toml",
            "frameworks/soc2.toml",
            "policies/local.toml",
            "risks.toml",
            "waivers.toml",
        ]
    );
    let validate = assay_in(dir.path(), &["validate"]);
    assert_eq!(validate.code, 0, "{}", validate.stderr);
    assert!(
        validate
            .stdout
            .contains("extended built-in framework soc2: 0 controls added, 1 changed"),
        "{}",
        validate.stdout
    );
    // The copied catalog is named as replacing the built-in risks, unchanged.
    assert!(
        validate.stdout.contains(
            "replaced 22 built-in risks with ./risks.toml's: 22 with the catalog's generic figures unchanged"
        ),
        "{}",
        validate.stdout
    );
    let test = assay_in(dir.path(), &["test", "--check", "local.*"]);
    assert_eq!(test.code, 0, "{}", test.stderr);
    assert!(
        test.stdout.contains("ok    local.no-dotenv (2 examples)"),
        "{}",
        test.stdout
    );
    let check = assay_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let report: Value = serde_json::from_str(&check.stdout).unwrap();
    // Only the selected framework is reported, with the sample check mapped into it.
    let frameworks: Vec<&str> = report["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(frameworks, ["soc2"]);
    let status = |id: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no check {id}"))
            .clone()
    };
    let sample = status("local.no-dotenv");
    assert_eq!(sample["status"], "pass");
    assert_eq!(sample["controls"], serde_json::json!(["soc2:CC6.1"]));
    // The workflow init wrote is judged by assay's own workflow checks, and passes.
    let pinned = status("gha.actions-pinned-sha");
    assert_eq!(pinned["status"], "pass");
    assert_eq!(pinned["examined"], 3);
    // The register is the catalog's, copied: still generic figures, and said so.
    assert_eq!(report["risks"]["register"], 22);
    assert_eq!(report["risks"]["generic"], 22);
    // The README's table quotes that count.
    let readme = std::fs::read_to_string("README.md").unwrap();
    let quoted = regex::Regex::new(r"the built-in catalog's (\d+) risks")
        .unwrap()
        .captures(&readme)
        .expect("the README says how many risks init copies");
    assert_eq!(
        quoted[1].parse::<u64>().unwrap(),
        report["risks"]["register"]
    );
}

#[test]
fn a_re_estimated_risk_is_no_longer_called_generic() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(assay_in(dir.path(), &["init", "--ci", "none"]).code, 0);
    let risks = dir.path().join("risks.toml");
    let text = std::fs::read_to_string(&risks).unwrap();
    let at = text.find("id = \"ransomware\"").unwrap();
    let freq = at + text[at..].find("frequency = ").unwrap();
    let end = freq + text[freq..].find('\n').unwrap();
    let edited = format!("{}frequency = 0.02{}", &text[..freq], &text[end..]);
    std::fs::write(&risks, edited).unwrap();
    let check = assay_in(dir.path(), &["check", "--format", "json"]);
    let report: Value = serde_json::from_str(&check.stdout).unwrap();
    assert_eq!(report["risks"]["generic"], 21);
    let human = assay_in(dir.path(), &["check"]);
    assert!(
        human
            .stdout
            .contains("estimates: 21 of the 22 risks hold the built-in catalog's generic figures"),
        "{}",
        human.stdout
    );
    let validate = assay_in(dir.path(), &["validate"]);
    assert!(
        validate.stdout.contains(
            "22 built-in risks with ./risks.toml's: 1 re-estimated, 21 with the catalog's"
        ),
        "{}",
        validate.stdout
    );
}

#[test]
fn flags_choose_frameworks_sources_and_ci() {
    let dir = tempfile::tempdir().unwrap();
    let run = assay_in(
        dir.path(),
        &[
            "init",
            "--name",
            "Example \"Co\"",
            "--framework",
            "iso27001",
            "--framework",
            "nist-800-53@moderate",
            "--export",
            "okta.users=exports/okta-users.json",
            "--export",
            "okta.users=exports/okta-admins.json",
            "--ci",
            "none",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        files_under(dir.path()),
        [
            "assay.toml",
            "frameworks/iso27001.toml",
            "frameworks/nist-800-53.toml",
            "policies/local.toml",
            "risks.toml",
            "waivers.toml",
        ]
    );
    let project: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.path().join("assay.toml")).unwrap()).unwrap();
    assert_eq!(project["project"]["name"].as_str(), Some("Example \"Co\""));
    let exports = project["export"].as_array().unwrap();
    assert_eq!(exports[0]["name"].as_str(), Some("okta-users"));
    assert_eq!(exports[1]["name"].as_str(), Some("okta-users-2"));
    assert_eq!(
        exports[1]["path"].as_str(),
        Some("exports/okta-admins.json")
    );
    assert_eq!(assay_in(dir.path(), &["validate"]).code, 0);
    // The exports are declared but not there yet: check says so, as errors.
    let check = assay_in(dir.path(), &["check"]);
    assert!(
        check
            .stdout
            .contains("`./exports/okta-users.json` does not exist"),
        "{}",
        check.stdout
    );
}

#[test]
fn it_never_overwrites_and_writes_nothing_when_anything_is_there() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("waivers.toml"), "# ours\n").unwrap();
    let run = assay_in(dir.path(), &["init"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`waivers.toml`"), "{}", run.stderr);
    assert!(run.stderr.contains("never overwrites"), "{}", run.stderr);
    assert_eq!(files_under(dir.path()), ["waivers.toml"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("waivers.toml")).unwrap(),
        "# ours\n"
    );
    // A second init over a first one: refused, the first one's files kept.
    let fresh = tempfile::tempdir().unwrap();
    assert_eq!(assay_in(fresh.path(), &["init"]).code, 0);
    let before = std::fs::read_to_string(fresh.path().join("assay.toml")).unwrap();
    assert_eq!(
        assay_in(fresh.path(), &["init", "--framework", "iso27001"]).code,
        2
    );
    assert_eq!(
        std::fs::read_to_string(fresh.path().join("assay.toml")).unwrap(),
        before
    );
}

#[cfg(unix)]
#[test]
fn it_never_writes_through_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    // A cloned repository can plant `.github` (or any directory init writes
    // into) as a link out of itself, or a dangling link where a file goes.
    std::os::unix::fs::symlink(outside.path(), dir.path().join(".github")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("x"), dir.path().join("risks.toml")).unwrap();
    let run = assay_in(dir.path(), &["init"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("`.github/workflows/"), "{}", run.stderr);
    assert!(run.stderr.contains("`risks.toml`"), "{}", run.stderr);
    assert!(files_under(outside.path()).is_empty());
    assert!(!dir.path().join("assay.toml").exists());
}

#[test]
fn bad_flags_are_diagnosed_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let run = assay_in(dir.path(), &["init", "--framework", "soc3"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown framework `soc3`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `soc2`?"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    let run = assay_in(dir.path(), &["init", "--framework", "nist-800-53@medium"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = assay_in(dir.path(), &["init", "--export", "okta.user=a.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `okta.users`?"),
        "{}",
        run.stderr
    );
    let run = assay_in(dir.path(), &["init", "--repository", "../elsewhere"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("repository `../elsewhere`"),
        "{}",
        run.stderr
    );
    let run = assay_in(dir.path(), &["init", "--repository", "missing"]);
    assert_eq!(run.code, 2);
    let run = assay_in(dir.path(), &["init", "no-such-dir"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no-such-dir is not a directory"),
        "{}",
        run.stderr
    );
    assert!(files_under(dir.path()).is_empty());
}

#[test]
fn the_workflow_it_writes_is_a_valid_github_workflow() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(assay_in(dir.path(), &["init"]).code, 0);
    let workflow = dir.path().join(".github/workflows/assay.yml");
    let text = std::fs::read_to_string(&workflow).unwrap();
    // Its version is the binary's: the cache key and the tag it installs.
    let version = env!("CARGO_PKG_VERSION");
    assert!(text.contains(&format!("--tag v{version} assay")), "{text}");
    assert!(text.contains(&format!("key: assay-{version}-")), "{text}");
    let parsed: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(
        parsed["jobs"]["assay"]["permissions"]["security-events"],
        "write"
    );
    let Some(tool) = common::check_jsonschema() else {
        return;
    };
    let out = Command::new(tool)
        .args(["--builtin-schema", "vendor.github-workflows"])
        .arg(&workflow)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
