//! Attestations make manual controls pass while they are valid: the fixture
//! under `fixtures/attestations/` holds valid, expired, not-yet-valid and
//! superseded attestations, and `expected.toml` says what each control is.

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
use std::path::Path;
use std::process::Command;

const PROJECT: &str = "fixtures/attestations/project";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    controls: BTreeMap<String, ExpectedControl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedControl {
    status: String,
    validity: Option<String>,
    evidence: Option<usize>,
}

fn check_json(dir: &Path, as_of: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["check", "--format", "json", "--as-of", as_of])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn soc2_control<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "soc2")
        .unwrap()["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no control {id}"))
}

#[test]
fn each_control_has_the_status_its_attestation_gives() {
    let expected: Expected =
        toml::from_str(&std::fs::read_to_string("fixtures/attestations/expected.toml").unwrap())
            .unwrap();
    let report = check_json(Path::new(PROJECT), "2026-11-01");
    for (id, want) in &expected.controls {
        let control = soc2_control(&report, id);
        assert_eq!(control["status"], want.status.as_str(), "{id}: {control}");
        let attestation = &control["attestation"];
        match &want.validity {
            Some(v) => assert_eq!(attestation["validity"], v.as_str(), "{id}"),
            None => assert!(attestation.is_null(), "{id}: {attestation}"),
        }
        if let Some(n) = want.evidence {
            assert_eq!(attestation["evidence"].as_array().unwrap().len(), n, "{id}");
        }
    }
    // The newer of CC1.1's two attestations decides it.
    assert!(
        soc2_control(&report, "CC1.1")["attestation"]["statement"]
            .as_str()
            .unwrap()
            .contains("(2026)")
    );
    let soc2 = report["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "soc2")
        .unwrap();
    assert_eq!(soc2["coverage"]["attested"], 2);
}

#[test]
fn evidence_files_are_hashed_as_they_were_when_loaded() {
    let report = check_json(Path::new(PROJECT), "2026-11-01");
    let evidence = &soc2_control(&report, "CC1.4")["attestation"]["evidence"];
    let roster = evidence
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "evidence/training-roster.csv")
        .unwrap();
    let bytes = std::fs::read(Path::new(PROJECT).join("evidence/training-roster.csv")).unwrap();
    assert_eq!(roster["size"], bytes.len());
    // sha256 of the roster, computed independently with `sha256sum`.
    let out = Command::new("sha256sum")
        .arg(Path::new(PROJECT).join("evidence/training-roster.csv"))
        .output()
        .unwrap();
    let want = String::from_utf8(out.stdout).unwrap();
    assert_eq!(roster["sha256"], want.split_whitespace().next().unwrap());
}

#[test]
fn an_attestation_stops_counting_on_its_expiry_date() {
    // Valid on the day before it expires; expired on the day itself.
    let before = check_json(Path::new(PROJECT), "2027-09-30");
    assert_eq!(soc2_control(&before, "CC1.4")["status"], "pass");
    let on = check_json(Path::new(PROJECT), "2027-10-01");
    let control = soc2_control(&on, "CC1.4");
    assert_eq!(control["status"], "manual");
    assert_eq!(control["attestation"]["validity"], "expired");
    // And before its date it does not count yet.
    let early = check_json(Path::new(PROJECT), "2026-09-30");
    assert_eq!(
        soc2_control(&early, "CC1.4")["attestation"]["validity"],
        "not_yet_valid"
    );
    assert_eq!(soc2_control(&early, "CC1.4")["status"], "manual");
}

#[test]
fn the_human_report_names_attested_and_expired_controls() {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["check", PROJECT, "--as-of", "2026-11-01"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("CC1.4") && text.contains("attested by Dana Reyes, Head of People"),
        "{text}"
    );
    assert!(
        text.contains("CC7.4 (attestation expired 2026-09-01)"),
        "{text}"
    );
    assert!(
        text.contains("CC2.2 (attestation valid from 2026-12-01)"),
        "{text}"
    );
    assert!(text.contains("51 manual (2 attested)"), "{text}");
}

#[test]
fn an_attested_control_reduces_the_risks_it_mitigates() {
    // CC1.4 mitigates account-takeover: attested, it lowers the residual loss.
    let attested = check_json(Path::new(PROJECT), "2026-11-01");
    let expired = check_json(Path::new(PROJECT), "2027-10-01");
    let residual = |report: &Value| {
        let risk = report["risks"]["risks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "account-takeover")
            .unwrap();
        let cc14 = risk["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["control"] == "soc2:CC1.4")
            .unwrap();
        (
            risk["residual"]["ale"].as_f64().unwrap(),
            cc14["status"].clone(),
        )
    };
    let (with, status_with) = residual(&attested);
    let (without, status_without) = residual(&expired);
    assert_eq!(status_with, "pass");
    assert_eq!(status_without, "manual");
    assert!(with < without, "{with} vs {without}");
}

#[cfg(unix)]
#[test]
fn an_evidence_file_linking_out_of_the_project_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "not yours").unwrap();
    std::fs::create_dir(dir.path().join("evidence")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("evidence/roster.csv"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("assay.toml"),
        r#"[project]
name = "escape"

[[attestation]]
control = "soc2:CC1.4"
statement = "Training done."
attested_by = "someone"
date = 2026-10-01
expires = 2027-10-01
evidence = ["evidence/roster.csv"]
"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["check", "--as-of", "2026-11-01"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("evidence/roster.csv"), "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
}
