//! The binary end to end: formats, determinism and redaction, read back as
//! data. Exit codes and exact outputs of commands are cases in tests/cmd/.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{assay, assay_env, planted_secrets};
use std::path::Path;

#[test]
fn secrets_are_redacted_in_every_format() {
    let secrets = planted_secrets();
    for format in ["human", "json"] {
        let run = assay(&["check", "examples/acme", "--format", format]);
        for secret in &secrets {
            assert!(
                !run.stdout.contains(secret.as_str()),
                "{format} output leaks a secret"
            );
            assert!(
                !run.stderr.contains(secret.as_str()),
                "{format} stderr leaks a secret"
            );
        }
        assert!(
            run.stdout.contains("AKIA****************"),
            "{format}: redacted form shown"
        );
    }
}

#[test]
fn json_report_validates_against_the_shipped_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("schemas/report.schema.json").unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for dir in [
        "examples/acme",
        "fixtures/repos/bad",
        "fixtures/repos/good",
        "fixtures/repos/docs-only",
    ] {
        let run = assay(&["check", dir, "--format", "json", "--as-of", "2026-11-26"]);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{dir}: {errors:#?}");
        assert_eq!(report["as_of"], "2026-11-26T00:00:00Z");
    }
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let epoch = [("SOURCE_DATE_EPOCH", "1764115200")];
    for format in ["json", "human"] {
        let args = ["check", "examples/acme", "--format", format];
        let one = assay_env(&args, &[epoch[0], ("RAYON_NUM_THREADS", "1")]);
        let many = assay_env(&args, &[epoch[0], ("RAYON_NUM_THREADS", "8")]);
        let again = assay_env(&args, &[epoch[0]]);
        assert_eq!(one.stdout, many.stdout, "{format}");
        assert_eq!(one.stdout, again.stdout, "{format}");
        assert!(
            one.stdout.contains("2025-11-26T00:00:00Z"),
            "SOURCE_DATE_EPOCH pins as_of"
        );
    }
}

/// The other usage errors are cases in tests/cmd/; there the clock is pinned
/// for every case, so a malformed one is tried here.
#[test]
fn a_malformed_source_date_epoch_is_a_usage_error() {
    let epoch = assay_env(
        &["check", "fixtures/repos/good"],
        &[("SOURCE_DATE_EPOCH", "soon")],
    );
    assert_eq!(epoch.code, 2);
    assert!(
        epoch
            .stderr
            .contains("`SOURCE_DATE_EPOCH=soon` is not a number"),
        "{}",
        epoch.stderr
    );
    assert!(epoch.stdout.is_empty());
}

#[test]
fn framework_flag_restricts_the_report() {
    let run = assay(&[
        "check",
        "examples/acme",
        "--framework",
        "soc2",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = report["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["soc2"]);
}

#[test]
fn readme_commands_are_the_ones_tested() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert!(readme.contains("cargo run --release -- check examples/acme --as-of 2026-11-20"));
    assert!(readme.contains("./scripts/test"));
    assert!(Path::new("scripts/test").exists());
    let ci = std::fs::read_to_string(".ci/run").unwrap();
    assert!(
        ci.contains("./scripts/test"),
        ".ci/run runs the README's test command"
    );
}

#[test]
fn check_patterns_select_the_checks_they_name() {
    let run = assay(&[
        "check",
        "fixtures/repos/bad",
        "--check",
        "repo.secrets.*",
        "--check",
        "docker.non-root",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "docker.non-root",
            "repo.secrets.aws-access-key",
            "repo.secrets.private-key"
        ]
    );
}

#[test]
fn merge_folds_reports_whatever_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for name in ["bad", "good", "docs-only"] {
        let run = assay(&[
            "check",
            &format!("fixtures/repos/{name}"),
            "--format",
            "json",
            "--as-of",
            "2026-11-26",
        ]);
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, run.stdout).unwrap();
        paths.push(path.to_str().unwrap().to_owned());
    }
    let args = |order: &[usize]| {
        let mut a = vec!["merge".to_owned(), "--format".to_owned(), "json".to_owned()];
        a.extend(order.iter().map(|&i| paths[i].clone()));
        a
    };
    let forward = args(&[0, 1, 2]);
    let backward = args(&[2, 1, 0]);
    let one = assay(&forward.iter().map(String::as_str).collect::<Vec<_>>());
    let two = assay(&backward.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(one.code, 1, "{}", one.stderr);
    assert_eq!(
        one.stdout, two.stdout,
        "merge does not depend on the order of its inputs"
    );
    let report: serde_json::Value = serde_json::from_str(&one.stdout).unwrap();
    let check = |id: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    let keys = check("repo.secrets.aws-access-key");
    assert_eq!(keys["status"], "fail");
    // Five in bad: data/blob.bin is binary, and judged all the same (issue 11).
    assert_eq!(keys["findings"].as_array().unwrap().len(), 5);
    assert_eq!(keys["findings"][0]["path"], "bad/config/crlf.env");
    // good and docs-only have the dependency bot missing in one: fail wins over pass.
    assert_eq!(check("repo.dependency-updates")["status"], "fail");
    // bad examines 5 Dockerfiles (svc/f has no FROM: an error), good 3, docs-only none.
    assert_eq!(check("docker.non-root")["examined"], 5 + 3);
    assert_eq!(report["targets"].as_array().unwrap().len(), 3);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("schemas/report.schema.json").unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&report), "a merged report is a report");

    let bad = dir.path().join("bad-version.json");
    std::fs::write(&bad, r#"{"schema_version": 99}"#).unwrap();
    let version = assay(&["merge", bad.to_str().unwrap()]);
    assert_eq!(version.code, 2);
    assert!(
        version.stderr.contains("schema version 99"),
        "{}",
        version.stderr
    );
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "not json").unwrap();
    assert_eq!(assay(&["merge", garbage.to_str().unwrap()]).code, 2);
    assert_eq!(assay(&["merge"]).code, 2);
}

#[test]
fn risks_json_is_the_report_and_carries_each_risks_inputs() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("schemas/report.schema.json").unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let run = assay(&[
        "risks",
        "fixtures/risk/register",
        "--format",
        "json",
        "--as-of",
        "2026-11-20",
        "--trials",
        "5000",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let risks = &report["risks"];
    assert_eq!(risks["method"]["trials"], 5000);
    assert_eq!(risks["method"]["seed"], "assay-risk-v1");
    assert_eq!(risks["currency"], "USD");
    let breach = risks["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "fx.data-breach")
        .unwrap();
    // Enough to recompute: frequency, interval, each control's status, function and effect.
    assert_eq!(breach["frequency"], 0.5);
    assert_eq!(breach["loss"]["low"], 10000.0);
    assert_eq!(breach["loss"]["high"], 1000000.0);
    let al2 = breach["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == "alpha:AL-2")
        .unwrap();
    assert_eq!(al2["status"], "pass");
    assert_eq!(al2["function"], "detect");
    assert_eq!(al2["effect"], 0.3);
    assert_eq!(al2["counted"], false);
    assert_eq!(al2["safeguard"], "repo.security-policy");
}

#[test]
fn check_summarises_the_risks_and_merged_reports_carry_none() {
    let run = assay(&[
        "check",
        "examples/acme",
        "--as-of",
        "2026-11-20",
        "--trials",
        "5000",
    ]);
    assert!(
        run.stdout
            .contains("Risks (USD; `assay risks` shows the detail)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("next best fixes"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.json");
    let json = assay(&[
        "check",
        "examples/acme",
        "--format",
        "json",
        "--trials",
        "5000",
    ]);
    std::fs::write(&path, &json.stdout).unwrap();
    let merged = assay(&["merge", path.to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&merged.stdout).unwrap();
    assert!(
        report.get("risks").is_none(),
        "a merged report has no risk analysis"
    );
}

/// Issue 11: a NUL byte once made each of these `not_applicable`, exit 0.
/// Each file of fixtures/repos/binary is binary to git, and each fails alone.
#[test]
fn issue_11_binary_files_fail_their_checks_with_exit_1() {
    for (id, path) in [
        ("repo.secrets.aws-access-key", "assets/logo.bin"),
        ("docker.non-root", "Dockerfile"),
        ("terraform.sg-no-public-ssh", "infra/main.tf"),
        ("k8s.no-privileged", "k8s/pod.yaml"),
    ] {
        let run = assay(&[
            "check",
            "fixtures/repos/binary",
            "--check",
            id,
            "--format",
            "json",
            "--as-of",
            "2026-11-26",
        ]);
        assert_eq!(run.code, 1, "{id}: {}", run.stderr);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let check = &report["checks"][0];
        assert_eq!(
            (check["id"].as_str(), check["status"].as_str()),
            (Some(id), Some("fail"))
        );
        assert_eq!(check["findings"][0]["path"], path, "{id}");
    }
}

/// Issue 13: a check names the controls it evidences in the frameworks the
/// project selected only; the demo selects soc2, iso27001 and acme.
#[test]
fn checks_cite_controls_of_the_selected_frameworks_only() {
    let run = assay(&[
        "check",
        "examples/acme",
        "--as-of",
        "2026-11-20",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let cited: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["controls"].as_array().unwrap())
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(cited.iter().any(|c| c.starts_with("soc2:")), "{cited:?}");
    for c in &cited {
        let framework = c.split(':').next().unwrap();
        assert!(
            ["soc2", "iso27001", "acme"].contains(&framework),
            "{c} is not of a selected framework"
        );
    }
    for format in ["sarif", "html", "markdown"] {
        let run = assay(&[
            "check",
            "examples/acme",
            "--as-of",
            "2026-11-20",
            "--format",
            format,
        ]);
        assert!(!run.stdout.contains("nist-800-53:"), "{format} cites NIST");
    }
}
