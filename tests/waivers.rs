//! Waivers: narrowed, expiring, expired, too long, unused and inline, as
//! `fixtures/waivers/expected.toml` says; expiry follows `--as-of`;
//! `--no-inline-waivers` ignores every directive in the scanned files.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Command, Output};

const PROJECT: &str = "fixtures/waivers/project";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    waivers: BTreeMap<String, ExpectedWaiver>,
    checks: BTreeMap<String, ExpectedCheck>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedWaiver {
    state: String,
    matched: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedCheck {
    status: String,
    findings: BTreeMap<String, String>,
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .output()
        .unwrap()
}

fn report(extra: &[&str]) -> Value {
    let mut args = vec!["check", PROJECT, "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(
        out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn waiver<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == id)
        .unwrap_or_else(|| panic!("no waiver {id}"))
}

fn check<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

#[test]
fn each_waiver_and_finding_is_as_expected() {
    let expected: Expected =
        toml::from_str(&std::fs::read_to_string("fixtures/waivers/expected.toml").unwrap())
            .unwrap();
    let r = report(&["--as-of", "2026-11-20"]);
    assert_eq!(
        r["waivers"].as_array().unwrap().len(),
        expected.waivers.len()
    );
    for (id, want) in &expected.waivers {
        let w = waiver(&r, id);
        assert_eq!(w["state"], want.state.as_str(), "{id}: {w}");
        assert_eq!(w["matched"], want.matched, "{id}: {w}");
    }
    for (id, want) in &expected.checks {
        let c = check(&r, id);
        assert_eq!(c["status"], want.status.as_str(), "{id}");
        let got: BTreeMap<String, String> = c["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    format!("{}:{}", f["path"].as_str().unwrap(), f["line"]),
                    f["waiver"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        assert_eq!(got, want.findings, "{id}");
    }
    // A waived check never gates; a partly waived one still does.
    let gated: Vec<&str> = r["gate"]["gated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!gated.contains(&"docker.pinned-base-image"));
    assert!(gated.contains(&"repo.secrets.aws-access-key"));
    assert_eq!(r["summary"]["checks"]["waived"], 1);
}

#[test]
fn expiry_follows_the_as_of_date() {
    // The day before it expires the waiver applies; on the day, it does not.
    let before = report(&["--as-of", "2026-11-29"]);
    assert_eq!(waiver(&before, "base-image")["state"], "expiring");
    assert_eq!(
        check(&before, "docker.pinned-base-image")["status"],
        "waived"
    );
    let on = report(&["--as-of", "2026-11-30"]);
    assert_eq!(waiver(&on, "base-image")["state"], "expired");
    assert_eq!(check(&on, "docker.pinned-base-image")["status"], "fail");
    // Earlier, the expired one still held.
    let early = report(&["--as-of", "2026-09-01"]);
    assert_eq!(waiver(&early, "old-root")["state"], "active");
    assert_eq!(check(&early, "docker.non-root")["status"], "waived");
    // Far from expiry, a waiver is active, not expiring.
    assert_eq!(waiver(&early, "base-image")["state"], "active");
    // Before it was granted, a waiver does not apply yet.
    assert_eq!(waiver(&early, "legacy-key")["state"], "pending");
    assert_eq!(waiver(&early, "legacy-key")["matched"], 0);
}

#[test]
fn no_inline_waivers_ignores_every_directive() {
    let r = report(&["--as-of", "2026-11-20", "--no-inline-waivers"]);
    for id in ["inline:app/fixture.py:2", "inline:app/fixture.py:4"] {
        assert_eq!(waiver(&r, id)["state"], "ignored");
        assert_eq!(waiver(&r, id)["matched"], 0);
    }
    let findings = check(&r, "repo.secrets.aws-access-key")["findings"]
        .as_array()
        .unwrap()
        .clone();
    let waived: Vec<&Value> = findings
        .iter()
        .filter(|f| f["waiver"].is_string())
        .collect();
    // Only the waiver from assay.toml applies.
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["waiver"], "legacy-key");
}

#[test]
fn waivers_needing_attention_warn_on_stderr_and_show_in_the_summary() {
    let out = run(&["check", PROJECT, "--as-of", "2026-11-20"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for want in [
        "warning: waiver expiring base-image expires 2026-11-30, in 10 day(s)",
        "warning: waiver expired old-root expired 2026-10-01 and no longer applies",
        "warning: waiver unused nothing-here matched nothing",
        "warning: waiver too long too-long",
        "warning: waiver invalid inline:app/fixture.py:4 gives no reason",
    ] {
        assert!(stderr.contains(want), "missing `{want}` in:\n{stderr}");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("WAIVED docker.pinned-base-image"),
        "{stdout}"
    );
    assert!(stdout.contains("(waived: legacy-key)"), "{stdout}");
    assert!(stdout.contains("Waivers: 7 (3 applied)"), "{stdout}");
}

#[test]
fn every_report_format_lists_waived_findings() {
    let html = run(&[
        "check",
        PROJECT,
        "--as-of",
        "2026-11-20",
        "--format",
        "html",
    ]);
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(html.contains("id=\"waivers\""));
    assert!(html.contains("waived: legacy-key"));
    assert!(
        html.contains(">too_long<") && html.contains(">unused<"),
        "states shown"
    );
    let sarif = run(&[
        "check",
        PROJECT,
        "--as-of",
        "2026-11-20",
        "--format",
        "sarif",
    ]);
    let sarif: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let suppressed = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .count();
    assert_eq!(suppressed, 3);
}

/// The Markdown summary marks each waived finding with the waiver that
/// covers it, beside the same check's unwaived ones, and a check whose
/// every finding is waived counts as waived: not failing, not gated.
#[test]
fn markdown_marks_waived_findings_and_does_not_fail_on_them() {
    let md = run(&[
        "check",
        PROJECT,
        "--as-of",
        "2026-11-20",
        "--format",
        "markdown",
    ]);
    assert_eq!(md.status.code(), Some(1), "the unwaived keys gate");
    let md = String::from_utf8(md.stdout).unwrap();
    let lines: Vec<&str> = md.lines().collect();
    let heading = lines
        .iter()
        .position(|l| l.starts_with("`repo.secrets.aws-access-key` "))
        .unwrap_or_else(|| panic!("no findings of the secrets check in:\n{md}"));
    let listed: Vec<&str> = lines[heading + 2..]
        .iter()
        .copied()
        .take_while(|l| l.starts_with("- "))
        .collect();
    // As fixtures/waivers/expected.toml says: the inline directive and the
    // path-narrowed `legacy-key` cover one key each; the other two fail.
    assert_eq!(
        listed,
        [
            "- `app/fixture.py:3:11` AWS access key id committed `AKIA****************` (waived by `inline:app/fixture.py:2`)",
            "- `app/fixture.py:5:16` AWS access key id committed `AKIA****************`",
            "- `app/settings.py:2:11` AWS access key id committed `AKIA****************`",
            "- `legacy/settings.py:2:12` AWS access key id committed `AKIA****************` (waived by `legacy-key`)",
        ],
        "{md}"
    );
    // `docker.pinned-base-image` has one finding, waived by `base-image`: it
    // is the one waived check, and appears among neither the failing nor the gated.
    for want in [
        "Checks: 1 pass · 6 fail · 0 error · 11 not applicable · 1 waived",
        "Gated: `docker.non-root`, `repo.secrets.aws-access-key`",
        "### Failing checks (6)",
        "Waived findings: 3",
    ] {
        assert!(lines.contains(&want), "missing `{want}` in:\n{md}");
    }
    let failing_rows: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| {
            ["critical", "high", "medium", "low"]
                .iter()
                .any(|s| l.starts_with(&format!("| {s} |")))
        })
        .collect();
    assert_eq!(failing_rows.len(), 6, "{md}");
    assert!(
        !failing_rows
            .iter()
            .any(|r| r.contains("docker.pinned-base-image")),
        "{md}"
    );
}

#[test]
fn a_control_waiver_changes_the_control_not_the_check() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("repo")).unwrap();
    std::fs::write(dir.path().join("repo/Dockerfile"), "FROM python:3.12\n").unwrap();
    std::fs::write(
        dir.path().join("assay.toml"),
        r#"[project]
name = "c"
frameworks = ["soc2"]
repository = "repo"

[[waiver]]
control = "soc2:CC6.8"
justification = "Build images are rebuilt nightly; accepted until the migration."
approver = "CISO"
expires = 2027-01-01
"#,
    )
    .unwrap();
    let out = run(&[
        "check",
        dir.path().to_str().unwrap(),
        "--as-of",
        "2026-11-20",
        "--format",
        "json",
    ]);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cc68 = r["frameworks"][0]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "CC6.8")
        .unwrap();
    assert_eq!(cc68["status"], "waived");
    assert_eq!(check(&r, "docker.non-root")["status"], "fail");
    assert_eq!(r["waivers"][0]["matched"], 1);
}

#[cfg(unix)]
#[test]
fn a_waivers_file_that_is_a_link_is_refused_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("assay.toml"), "[project]\nname = \"l\"\n").unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.path().join("waivers.toml")).unwrap();
    let out = run(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("waivers.toml") && stderr.contains("links are not followed"),
        "{stderr}"
    );
}
