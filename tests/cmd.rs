//! Command-line cases as data: each `tests/cmd/NAME.toml` runs assay from the
//! repository root with its arguments, and its exit status, standard output
//! and standard error must be exactly `NAME.stdout` and `NAME.stderr` beside
//! it. After an intended change, `TRYCMD=overwrite cargo test --test cmd`
//! rewrites them; review the diff like code.
//!
//! The run's clock is pinned here, for every case: 2026-11-20T00:00:00Z
//! (a case cannot override it: tests/cli.rs runs with a malformed one).

// Test helpers may panic: a panic is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::panic)]

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .env("SOURCE_DATE_EPOCH", "1795132800")
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.toml");
}

/// The recorded output of case `name` (`stdout` or `stderr`).
fn recorded(name: &str, stream: &str) -> String {
    let path = format!("tests/cmd/{name}.{stream}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn assert_says(name: &str, stream: &str, expected: &[&str]) {
    let text = recorded(name, stream);
    for line in expected {
        assert!(
            text.contains(line),
            "tests/cmd/{name}.{stream} no longer says `{line}`:\n{text}"
        );
    }
}

/// What the recorded outputs must go on saying, whatever `TRYCMD=overwrite`
/// wrote: an overwrite that loses one of these is a regression, not a
/// snapshot update.
#[test]
fn recorded_outputs_keep_their_meaning() {
    assert_says(
        "demo-check",
        "stdout",
        &[
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
        ],
    );
    assert_says(
        "check-missing-directory",
        "stderr",
        &["`fixtures/no-such-dir` is not a directory"],
    );
    assert_says(
        "check-invalid-definitions",
        "stderr",
        &[
            "assay::load::invalid_regex",
            "5 problem(s) in the definitions",
        ],
    );
    assert_eq!(recorded("check-invalid-definitions", "stdout"), "");
    assert_says("check-bad-as-of", "stderr", &["is not a date or timestamp"]);
    assert_says(
        "check-unknown-framework",
        "stderr",
        &["unknown framework `soc3`", "did you mean `soc2`?"],
    );
    assert_says(
        "check-unknown-check-pattern",
        "stderr",
        &["unknown check `repo.secret`"],
    );
    assert_says(
        "validate-unknown-check",
        "stderr",
        &["unknown check `repo.codeowner`", "frameworks/fw.toml:8:11"],
    );
    assert_says(
        "explain-check",
        "stdout",
        &[
            "What it checks",
            "Why it matters",
            "Evidence produced",
            "Remediation",
            "soc2:CC6.1",
            "iso27001:A.5.17",
            "mitigates cloud-credential-leak",
        ],
    );
    assert_says(
        "explain-control",
        "stdout",
        &["repo.codeowners", "unreviewed-malicious-change"],
    );
    assert_says(
        "explain-project-risk",
        "stdout",
        &[
            "Insider steals customer data through support tooling",
            "acme:ACME-1",
        ],
    );
    assert_says(
        "explain-unknown",
        "stderr",
        &["did you mean `repo.codeowners`?"],
    );
    assert_says(
        "test-wrong-example",
        "stdout",
        &[
            "wrongly declared",
            "expected pass, got fail with 1 findings",
        ],
    );
    assert_says(
        "risks-register",
        "stdout",
        &[
            "controls counted from: alpha",
            "0.5 events a year; loss per event 10,000–1,000,000 USD (90%), mean 266,398; ALE 0.5 × 266,398 = 133,199",
            "residual: frequency 0.5 × 0.5 = 0.25, mean loss 266,398 × 0.8 = 213,118; ALE 53,280",
            "PASS   alpha:AL-2               detect   effect 0.30  not counted: same safeguard as a stronger control",
            "manual, not counted until evidenced: alpha:AL-7 0.60",
            "compliance-only controls (mitigate no ranked risk): 1",
            "forecast: Brier score 0.277 over 3 period(s)",
        ],
    );
    assert_says("risks-top", "stdout", &["top 2 of 25"]);
    assert_says(
        "check-coverage-below",
        "stdout",
        &["gate: FAILED (fail-on critical): cis-v8 coverage 5.2% below 50%"],
    );
    assert_says(
        "demo-markdown",
        "stdout",
        &["console user without MFA: `/mfa_active` must be \"true\""],
    );
    assert_says("test-glob", "stdout", &["12 examples of 2 checks"]);
    assert_says(
        "check-file",
        "stdout",
        &[
            "repository fixtures/repos/bad: 2 files",
            "partial: `-f` judged the named files only",
        ],
    );
    assert!(!recorded("check-file", "stdout").contains("FAIL   repo.codeowners"));
    assert_says("check-file-outside", "stderr", &["climbs out with `..`"]);
    assert_says(
        "check-file-missing",
        "stderr",
        &["-f `nope`: no such file in `fixtures/repos/bad`"],
    );
    assert_says(
        "check-file-directory",
        "stderr",
        &["-f `svc`: is a directory"],
    );
    assert_says(
        "check-fail-on-none",
        "stdout",
        &["gate: passed (fail-on none)", "Failing checks"],
    );
    assert_says(
        "check-soft-fail",
        "stdout",
        &["gate: passed (fail-on none)", "Failing checks"],
    );
    assert_says(
        "check-soft-fail-conflict",
        "stderr",
        &["cannot be used with"],
    );
    assert_says(
        "check-skip-check",
        "stdout",
        &[
            "gate: FAILED (fail-on high): acme.support-tool-audit-log, docker.non-root, terraform.sg-no-public-ssh",
        ],
    );
    assert!(!recorded("check-skip-check", "stdout").contains("aws.iam.console-mfa"));
    assert_says(
        "check-skip-unknown",
        "stderr",
        &["unknown check to skip `repo.secret`"],
    );
    assert_says(
        "check-good",
        "stdout",
        &[
            "Not applicable (12)",
            "k8s.no-privileged, k8s.run-as-non-root — no Kubernetes manifest in the repository",
        ],
    );
    assert_says(
        "check-good-verbose",
        "stdout",
        &[
            "Passing checks (7)",
            "  PASS   repo.secrets.aws-access-key — 8 examined (repo)",
        ],
    );
    assert_says(
        "check-good",
        "stdout",
        &[
            "manual (no automated evidence): 138 controls; `assay explain cis-v8` or --verbose lists them",
        ],
    );
    assert_says(
        "demo-check",
        "stdout",
        &[
            "manual (no automated evidence): CC1.1, CC1.2",
            "estimates: 21 of the 23 risks hold the built-in catalog's generic figures",
        ],
    );
    assert_says(
        "risks-partial",
        "stdout",
        &[
            "partial: only the checks `--check aws.*` selects ran; controls whose checks did not run count for nothing",
        ],
    );
    assert_says(
        "risks-framework",
        "stdout",
        &["controls counted from: beta", "beta:BE-1"],
    );
    assert!(!recorded("risks-framework", "stdout").contains("alpha:AL-1"));
    // Issue 13: a project framework file over a built-in one is announced.
    assert_says(
        "validate-framework-extend",
        "stdout",
        &["extended built-in framework soc2: 1 control added, 1 changed"],
    );
    assert_says(
        "validate-framework-replace",
        "stdout",
        &[
            "replaced built-in framework soc2 (61 controls) with fixtures/projects/framework-replace/frameworks/soc2.toml (1 control)",
        ],
    );
    assert_says(
        "validate-check-replace",
        "stdout",
        &[
            "replaced built-in check repo.codeowners with the one in fixtures/projects/check-replace/policies/owners.toml",
        ],
    );
    assert_says(
        "validate-demo",
        "stdout",
        &["replaced 1 built-in risk with examples/acme/risks.toml's: 1 re-estimated"],
    );
}

/// Every case file has its recorded outputs, and every recorded output its case.
#[test]
fn every_case_has_its_outputs() {
    let mut cases = Vec::new();
    let mut outputs = Vec::new();
    for entry in std::fs::read_dir("tests/cmd").unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        match name.rsplit_once('.') {
            Some((case, "toml")) => cases.push(case.to_owned()),
            Some((case, "stdout" | "stderr")) => outputs.push(case.to_owned()),
            _ => panic!("tests/cmd/{name}: neither a case nor an output"),
        }
    }
    cases.sort();
    outputs.sort();
    outputs.dedup();
    assert_eq!(cases, outputs);
    assert!(cases.len() >= 40, "{cases:?}");
}

/// The README's `assay validate` lines are what the recorded cases print,
/// the project directory left out of their paths.
#[test]
fn the_readme_quotes_validate_as_it_prints() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let at = readme
        .find("`assay validate` says what a project did to the built-in definitions")
        .unwrap();
    let block = &readme[at..];
    let start = block.find("```\n").unwrap() + 4;
    let end = start + block[start..].find("```").unwrap();
    let mut printed = Vec::new();
    for entry in std::fs::read_dir("tests/cmd").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("validate-") && name.ends_with(".stdout") {
            let text = std::fs::read_to_string(&path).unwrap();
            printed.extend(text.lines().map(|l| {
                let l = l.replace("examples/acme/", "");
                match l.find("fixtures/projects/") {
                    Some(i) => {
                        let rest = &l[i + "fixtures/projects/".len()..];
                        let after = rest.find('/').map_or(rest, |j| &rest[j + 1..]);
                        format!("{}{after}", &l[..i])
                    }
                    None => l,
                }
            }));
        }
    }
    let quoted: Vec<&str> = block[start..end].lines().collect();
    assert_eq!(quoted.len(), 4);
    for line in quoted {
        assert!(
            printed.iter().any(|p| p == line),
            "{line:?} not in {printed:#?}"
        );
    }
}
