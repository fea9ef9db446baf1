//! The binary end to end: exit codes, formats, determinism and redaction.

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
fn demo_fails_its_gate_and_names_each_planted_violation() {
    let run = assay(&["check", "examples/acme", "--as-of", "2026-11-20"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for expected in [
        "credential-report.csv:4 [sam.support]  console user without MFA",
        "credential-report.csv:7 [ci-deploy]  access key not rotated in 90 days",
        "acme-service-main.json [acme/service@main]  administrators bypass branch protection",
        "infra/main.tf:1 [aws_security_group.support_bastion]  SSH (port 22) open to the internet",
        "deploy/k8s/api.yaml:24 [Deployment/support/support-tool]  container may run as root",
        ".github/workflows/ci.yml:15 [actions/setup-python@v5]  action not pinned to a commit SHA",
        "app/settings.py:8:21  AWS access key id committed",
        "deploy/bastion_ed25519:1:1  private key committed",
        "Dockerfile:9  container runs as root",
        "support-tool/Dockerfile:1  base image not pinned",
        "support-tool/config.toml  support tool audit logging is not enabled",
        "Acme Security Standard (acme)",
        "gate: FAILED (fail-on high)",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing `{expected}` in:\n{}",
            run.stdout
        );
    }
}

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

#[test]
fn exit_codes_follow_the_gate() {
    assert_eq!(assay(&["check", "fixtures/repos/good"]).code, 0);
    assert_eq!(assay(&["check", "fixtures/repos/bad"]).code, 1);
    // docs-only fails medium and low checks only.
    assert_eq!(assay(&["check", "fixtures/repos/docs-only"]).code, 0);
    assert_eq!(
        assay(&["check", "fixtures/repos/docs-only", "--fail-on", "medium"]).code,
        1
    );
    assert_eq!(
        assay(&["check", "fixtures/repos/docs-only", "--fail-on", "critical"]).code,
        0
    );
}

#[test]
fn bad_usage_and_bad_definitions_exit_2() {
    let missing = assay(&["check", "fixtures/no-such-dir"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("`fixtures/no-such-dir` is not a directory"),
        "{}",
        missing.stderr
    );

    let invalid = assay(&["check", "fixtures/invalid/many"]);
    assert_eq!(invalid.code, 2);
    assert!(
        invalid.stderr.contains("assay::load::invalid_regex"),
        "{}",
        invalid.stderr
    );
    assert!(
        invalid.stderr.contains("5 problem(s) in the definitions"),
        "{}",
        invalid.stderr
    );
    assert!(invalid.stdout.is_empty());

    let flag = assay(&["check", "--no-such-flag"]);
    assert_eq!(flag.code, 2);
    assert_eq!(assay(&["check", ".", "--fail-on", "severe"]).code, 2);

    let as_of = assay(&["check", "fixtures/repos/good", "--as-of", "next tuesday"]);
    assert_eq!(as_of.code, 2);
    assert!(
        as_of.stderr.contains("is not a date or timestamp"),
        "{}",
        as_of.stderr
    );

    let epoch = assay_env(
        &["check", "fixtures/repos/good"],
        &[("SOURCE_DATE_EPOCH", "soon")],
    );
    assert_eq!(epoch.code, 2);
    assert!(
        epoch.stderr.contains("SOURCE_DATE_EPOCH"),
        "{}",
        epoch.stderr
    );

    let framework = assay(&["check", "examples/acme", "--framework", "soc3"]);
    assert_eq!(framework.code, 2);
    assert!(
        framework.stderr.contains("unknown framework `soc3`"),
        "{}",
        framework.stderr
    );
    assert!(
        framework.stderr.contains("did you mean `soc2`?"),
        "{}",
        framework.stderr
    );
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
fn validate_reports_success_or_every_problem() {
    let ok = assay(&["validate", "examples/acme"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let count = |what: &str| {
        assay(&["list", what, "--project", "examples/acme"])
            .stdout
            .lines()
            .count()
    };
    let (checks, frameworks, risks) = (count("checks"), count("frameworks"), count("risks"));
    let controls = count("controls");
    assert_eq!(
        ok.stdout,
        format!(
            "definitions are valid: {checks} checks, {frameworks} frameworks with {controls} controls, {risks} risks\n"
        )
    );
    assert!(checks >= 20 && frameworks >= 5, "{}", ok.stdout);
    let bad = assay(&["validate", "fixtures/invalid/unknown-check"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("unknown check `repo.codeowner`"),
        "{}",
        bad.stderr
    );
    assert!(
        bad.stderr.contains("frameworks/fw.toml:8:11"),
        "{}",
        bad.stderr
    );
}

#[test]
fn explain_shows_links_in_both_directions() {
    let check = assay(&["explain", "repo.secrets.aws-access-key"]);
    assert_eq!(check.code, 0);
    for part in [
        "What it checks",
        "Why it matters",
        "Example",
        "Evidence produced",
        "Remediation",
        "soc2:CC6.1",
        "iso27001:A.5.17",
        "mitigates cloud-credential-leak",
    ] {
        assert!(
            check.stdout.contains(part),
            "missing `{part}`:\n{}",
            check.stdout
        );
    }
    let control = assay(&["explain", "soc2:CC8.1"]);
    assert!(
        control.stdout.contains("repo.codeowners"),
        "{}",
        control.stdout
    );
    assert!(
        control.stdout.contains("unreviewed-malicious-change"),
        "{}",
        control.stdout
    );
    let risk = assay(&[
        "explain",
        "insider-data-theft",
        "--project",
        "examples/acme",
    ]);
    assert!(
        risk.stdout
            .contains("Insider steals customer data through support tooling"),
        "project risk overrides the catalog"
    );
    assert!(risk.stdout.contains("acme:ACME-1"), "{}", risk.stdout);
    let framework = assay(&["explain", "soc2"]);
    assert!(
        framework.stdout.contains("framework soc2"),
        "{}",
        framework.stdout
    );
    let unknown = assay(&["explain", "repo.codeowner"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("did you mean `repo.codeowners`?"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn list_shows_every_kind() {
    let checks = assay(&["list", "checks"]).stdout;
    for id in [
        "repo.secrets.aws-access-key",
        "repo.secrets.private-key",
        "repo.codeowners",
        "repo.security-policy",
        "repo.dependency-updates",
        "docker.non-root",
        "docker.pinned-base-image",
    ] {
        assert!(checks.contains(id), "{id}");
    }
    assert!(assay(&["list", "risks"]).stdout.lines().count() >= 12);
    assert!(assay(&["list", "frameworks"]).stdout.contains("iso27001"));
    let project = assay(&["list", "controls", "--project", "examples/acme"]).stdout;
    assert!(
        project.contains("acme:ACME-3") && project.contains("manual"),
        "{project}"
    );
    assert_eq!(assay(&["list", "gadgets"]).code, 2);
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
fn assay_test_runs_every_example_and_fails_on_a_wrong_one() {
    let builtin = assay(&["test", "--require-examples"]);
    assert_eq!(builtin.code, 0, "{}", builtin.stdout);
    assert!(builtin.stdout.contains("did not"), "{}", builtin.stdout);
    let demo = assay(&["test", "examples/acme", "--require-examples"]);
    assert_eq!(demo.code, 0, "{}", demo.stdout);

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(dir.path().join("assay.toml"), "").unwrap();
    std::fs::write(
        dir.path().join("policies/p.toml"),
        "[[check]]\nid = \"x.readme\"\ntitle = \"A README\"\nseverity = \"low\"\nfiles = [\"README.md\"]\nassert = \"exists\"\n\n[[check.example]]\nname = \"wrongly declared\"\nexpect = \"pass\"\nfiles = { \"docs/x.md\" = \"no readme\" }\n",
    )
    .unwrap();
    let wrong = assay(&["test", dir.path().to_str().unwrap(), "--check", "x.readme"]);
    assert_eq!(wrong.code, 1, "{}", wrong.stdout);
    assert!(
        wrong.stdout.contains("wrongly declared"),
        "{}",
        wrong.stdout
    );
    assert!(
        wrong
            .stdout
            .contains("expected pass, got fail with 1 findings"),
        "{}",
        wrong.stdout
    );
    assert_eq!(assay(&["test", ".", "--check", "no.such-check"]).code, 2);
}

#[test]
fn check_patterns_select_checks_and_fail_closed() {
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
    let none = assay(&["check", "fixtures/repos/bad", "--check", "repo.secret"]);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("unknown check `repo.secret`"),
        "{}",
        none.stderr
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
fn risks_ranks_the_register_and_names_what_to_fix_next() {
    let args = [
        "risks",
        "fixtures/risk/register",
        "--as-of",
        "2026-11-20",
        "--trials",
        "20000",
    ];
    let run = assay(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for expected in [
        "controls counted from: alpha",
        "Risks by inherent expected annual loss (ALE), USD",
        "Customer data breach (fx.data-breach)",
        "0.5 events a year; loss per event 10,000–1,000,000 USD (90%), mean 266,398; ALE 0.5 × 266,398 = 133,199",
        "residual: frequency 0.5 × 0.5 = 0.25, mean loss 266,398 × 0.8 = 213,118; ALE 53,280",
        "PASS   alpha:AL-2               detect   effect 0.30  not counted: same safeguard as a stronger control",
        "manual, not counted until evidenced: alpha:AL-7 0.60",
        "37,296  alpha:AL-4, alpha:AL-6 — Containers do not run as root [fail; checks: docker.non-root]",
        "53,280  alpha:AL-1 — Vulnerability reports reach us (same evidence as alpha:AL-2)",
        "compliance-only controls (mitigate no ranked risk): 1",
        "MANUAL  alpha:AL-8 — The security policy is approved yearly",
        "forecast: Brier score 0.277 over 3 period(s)",
        "20000 Monte Carlo trials, seed `assay-risk-v1`",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing `{expected}` in:\n{}",
            run.stdout
        );
    }
    let exposed = run
        .stdout
        .lines()
        .find(|l| l.starts_with("exposed risks"))
        .unwrap();
    assert!(exposed.contains("fx.outage") && exposed.contains("fx.payment-fraud"));
    assert!(!exposed.contains("fx.data-breach"), "{exposed}");

    let top = assay(&[&args[..], &["--top", "2"]].concat());
    assert_eq!(top.code, 0);
    assert!(top.stdout.contains("top 2 of 25"), "{}", top.stdout);
    let ranked = top
        .stdout
        .lines()
        .filter(|l| {
            l.starts_with("    1  ") || l.starts_with("    2  ") || l.starts_with("    3  ")
        })
        .count();
    assert_eq!(ranked, 2, "{}", top.stdout);

    let beta = assay(&[&args[..], &["--framework", "beta"]].concat());
    assert!(
        beta.stdout.contains("controls counted from: beta"),
        "{}",
        beta.stdout
    );
    assert!(beta.stdout.contains("beta:BE-1"));
    assert!(!beta.stdout.contains("alpha:AL-1"));
}

#[test]
fn risks_rejects_bad_arguments_with_exit_2() {
    for bad in [
        &["--top", "0"][..],
        &["--trials", "10"],
        &["--trials", "lots"],
        &["--framework", "nonesuch"],
    ] {
        let run = assay(&[&["risks", "fixtures/risk/register"][..], bad].concat());
        assert_eq!(run.code, 2, "{bad:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty(), "{bad:?}");
    }
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

#[test]
fn risks_exits_1_when_evidence_could_not_be_read() {
    // A malformed export: its checks are `error`, so residual losses rest on missing evidence.
    let run = assay(&[
        "risks",
        "fixtures/projects/export-malformed",
        "--trials",
        "2000",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    // Failing checks alone are what `risks` reports on, not a reason to fail.
    let run = assay(&["risks", "examples/acme", "--trials", "2000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
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
