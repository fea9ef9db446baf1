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

/// One JUnit `<testsuite>` as read back: its declared counts and its cases.
#[derive(Debug, Default)]
struct Suite {
    name: String,
    tests: usize,
    failures: usize,
    skipped: usize,
    /// Each case's name, and whether it failed or was skipped.
    cases: Vec<(String, Outcome)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failed,
    Skipped,
}

/// Reads a JUnit report with a real XML parser, failing on anything not
/// well-formed.
fn junit(xml: &str) -> Vec<Suite> {
    use quick_xml::events::{BytesStart, Event};
    let attr = |e: &BytesStart<'_>, key: &str| -> String {
        e.attributes()
            .map(|a| a.unwrap())
            .find(|a| a.key.0 == key)
            .map(|a| {
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .unwrap()
                    .into_owned()
            })
            .unwrap_or_else(|| panic!("no `{key}` attribute"))
    };
    let count = |e: &BytesStart<'_>, key: &str| attr(e, key).parse::<usize>().unwrap();
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut suites: Vec<Suite> = Vec::new();
    loop {
        let (Event::Start(e) | Event::Empty(e)) = (match reader.read_event().unwrap() {
            Event::Eof => break,
            event => event,
        }) else {
            continue;
        };
        match e.name().0 {
            "testsuite" => suites.push(Suite {
                name: attr(&e, "name"),
                tests: count(&e, "tests"),
                failures: count(&e, "failures"),
                skipped: count(&e, "skipped"),
                cases: Vec::new(),
            }),
            "testcase" => {
                let suite = suites.last_mut().expect("a testcase outside a testsuite");
                suite.cases.push((attr(&e, "name"), Outcome::Passed));
            }
            "failure" | "skipped" => {
                let case = suites
                    .last_mut()
                    .and_then(|s| s.cases.last_mut())
                    .expect("an outcome outside a testcase");
                assert_eq!(case.1, Outcome::Passed, "two outcomes for {}", case.0);
                case.1 = if e.name().0 == "failure" {
                    Outcome::Failed
                } else {
                    Outcome::Skipped
                };
            }
            _ => {}
        }
    }
    suites
}

#[test]
fn quiet_prints_nothing_but_keeps_the_exit_code_and_outputs() {
    use serde_json::Value;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("a.json");
    let sarif = dir.path().join("a.sarif");
    let junit_path = dir.path().join("a.xml");
    let out = demo(&[
        "--quiet",
        "--output",
        &format!("json={}", json.display()),
        "--output",
        &format!("sarif={}", sarif.display()),
        "--output",
        &format!("junit={}", junit_path.display()),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The JSON report: the run's time, its failed gate, its checks.
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["as_of"], "2026-11-20T00:00:00Z");
    assert_eq!(report["gate"]["passed"], false, "exit 1 is the failed gate");
    assert!(!report["gate"]["gated"].as_array().unwrap().is_empty());
    let checks = report["checks"].as_array().unwrap();
    let with_status = |status: &str| -> Vec<&str> {
        checks
            .iter()
            .filter(|c| c["status"] == status)
            .map(|c| c["id"].as_str().unwrap())
            .collect()
    };
    let failing = with_status("fail");
    assert_eq!(report["summary"]["checks"]["fail"], failing.len());
    assert!(
        failing.contains(&"repo.secrets.aws-access-key"),
        "{failing:?}"
    );
    let findings: usize = checks
        .iter()
        .map(|c| c["findings"].as_array().unwrap().len())
        .sum();

    // SARIF: one run by assay, a result per finding, each of a failing check
    // and naming its rule by index.
    let sarif: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["tool"]["driver"]["name"], "assay");
    let rules = runs[0]["tool"]["driver"]["rules"].as_array().unwrap();
    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings);
    let mut rule_ids: Vec<&str> = results
        .iter()
        .map(|r| {
            let id = r["ruleId"].as_str().unwrap();
            let index = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[index]["id"], id, "ruleIndex names the rule");
            assert!(matches!(
                r["level"].as_str(),
                Some("error" | "warning" | "note")
            ));
            id
        })
        .collect();
    rule_ids.dedup();
    assert_eq!(
        rule_ids, failing,
        "results in check order, of failing checks"
    );

    // JUnit: a case per check, then per control of each framework; the
    // failures are the failing checks and controls, and the declared
    // counts are the cases' own.
    let suites = junit(&std::fs::read_to_string(&junit_path).unwrap());
    for suite in &suites {
        let counted = |o: Outcome| suite.cases.iter().filter(|(_, c)| *c == o).count();
        assert_eq!(suite.tests, suite.cases.len(), "{}", suite.name);
        assert_eq!(suite.failures, counted(Outcome::Failed), "{}", suite.name);
        assert_eq!(suite.skipped, counted(Outcome::Skipped), "{}", suite.name);
    }
    assert_eq!(suites[0].name, "checks");
    let cases = |o: Outcome| -> Vec<&str> {
        suites[0]
            .cases
            .iter()
            .filter(|(_, c)| *c == o)
            .map(|(n, _)| n.as_str())
            .collect()
    };
    assert_eq!(suites[0].cases.len(), checks.len());
    assert_eq!(cases(Outcome::Failed), failing);
    assert_eq!(cases(Outcome::Skipped), with_status("not_applicable"));
    assert_eq!(cases(Outcome::Passed), with_status("pass"));
    let frameworks = report["frameworks"].as_array().unwrap();
    assert_eq!(suites.len(), 1 + frameworks.len());
    for (suite, framework) in suites[1..].iter().zip(frameworks) {
        assert_eq!(framework["id"], suite.name.as_str());
        let controls = framework["controls"].as_array().unwrap();
        assert_eq!(suite.cases.len(), controls.len(), "{}", suite.name);
        let failed = controls.iter().filter(|c| c["status"] == "fail").count();
        assert_eq!(suite.failures, failed, "{}", suite.name);
    }
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
