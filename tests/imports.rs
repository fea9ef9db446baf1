//! Imports end to end through the binary (issue 14): a SARIF log's results
//! as `imported` checks, failing closed on every kind of bad log, and never
//! letting a secret in a scanner's message or snippet reach any output.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::Command;

const FIXTURE: &str = "fixtures/projects/import-sarif";

/// The binary's exit code, standard output and standard error.
fn assay(args: &[&str]) -> (i32, String, String) {
    let run = common::assay(args);
    (run.code, run.stdout, run.stderr)
}

/// The fixture's log, as text to mutate.
fn log() -> String {
    fs::read_to_string(Path::new(FIXTURE).join("imports/zizmor.sarif")).unwrap()
}

/// A copy of the fixture project whose import holds `sarif`.
fn project(sarif: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["repo/.github/workflows", "imports", "policies"] {
        fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    for file in [
        "assay.toml",
        "policies/imported.toml",
        "repo/.github/workflows/ci.yml",
    ] {
        fs::copy(Path::new(FIXTURE).join(file), dir.path().join(file)).unwrap();
    }
    fs::write(dir.path().join("imports/zizmor.sarif"), sarif).unwrap();
    dir
}

/// The imported checks' report on a project, with the exit code.
fn run(dir: &Path, as_of: &str, format: &str) -> (i32, String) {
    let (code, stdout, stderr) = assay(&[
        "check",
        dir.to_str().unwrap(),
        "--as-of",
        as_of,
        "--check",
        "imported.*",
        "--format",
        format,
    ]);
    assert_ne!(code, 2, "{stderr}");
    (code, stdout)
}

fn json_run(dir: &Path, as_of: &str) -> (i32, Value) {
    let (code, stdout) = run(dir, as_of, "json");
    (code, serde_json::from_str(&stdout).unwrap())
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

/// Every zizmor check is an error naming the file and `what`; nothing
/// passes; the import fails the gate.
fn assert_zizmor_errors(report: &Value, what: &str) {
    for id in [
        "imported.zizmor.unpinned-uses",
        "imported.zizmor.artipacked",
        "imported.zizmor.excessive-permissions",
    ] {
        let c = check(report, id);
        assert_eq!(c["status"], "error", "{id}: {c:#}");
        let message = c["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(what), "{id}: {message}");
        assert_eq!(c["errors"][0]["path"], "imports/zizmor.sarif", "{id}");
    }
    assert_eq!(report["gate"]["passed"], false);
    assert_eq!(
        report["gate"]["unread_imports"],
        serde_json::json!(["zizmor"])
    );
}

#[test]
fn a_truncated_log_is_an_error_naming_the_file() {
    let text = log();
    let dir = project(&text[..text.len() / 2]);
    let (code, report) = json_run(dir.path(), "2026-06-01");
    assert_eq!(code, 1);
    assert_zizmor_errors(
        &report,
        "import `zizmor`: `imports/zizmor.sarif`: not a SARIF log",
    );
    // A tool the log never mentions is judged on nothing either way.
    assert_eq!(
        check(&report, "imported.hadolint.latest-tag")["status"],
        "error"
    );
}

#[test]
fn a_sarif_2_0_log_is_refused() {
    let dir = project(&log().replace("\"2.1.0\"", "\"2.0.0\""));
    let (code, report) = json_run(dir.path(), "2026-06-01");
    assert_eq!(code, 1);
    assert_zizmor_errors(&report, "SARIF version `2.0.0` is not supported");
}

#[test]
fn not_json_and_deep_nesting_are_errors() {
    for text in [
        "PK\u{3}\u{4} not json".to_owned(),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    ] {
        let dir = project(&text);
        let (code, report) = json_run(dir.path(), "2026-06-01");
        assert_eq!(code, 1);
        assert_zizmor_errors(&report, "not a SARIF log");
    }
}

#[test]
fn a_failed_run_is_an_error_never_a_pass() {
    let dir = project(&log().replace(
        "\"executionSuccessful\": true",
        "\"executionSuccessful\": false, \"exitCode\": 3",
    ));
    let (code, report) = json_run(dir.path(), "2026-06-01");
    assert_eq!(code, 1);
    let c = check(&report, "imported.zizmor.artipacked");
    assert_eq!(c["status"], "error");
    assert!(
        c["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("zizmor's run did not succeed: an invocation failed (exit code 3)")
    );
}

#[test]
fn a_stale_log_is_an_error_and_an_undated_one_with_max_age_too() {
    // Ran 2026-05-30; max_age_days = 30.
    let dir = project(&log());
    let (_, fresh) = json_run(dir.path(), "2026-06-28");
    assert_eq!(
        check(&fresh, "imported.zizmor.artipacked")["status"],
        "pass"
    );
    let (code, stale) = json_run(dir.path(), "2026-07-01");
    assert_eq!(code, 1);
    assert_zizmor_errors(
        &stale,
        "stale evidence: zizmor ran at 2026-05-30T10:00:04Z, more than 30 days before the as-of date",
    );
    let undated = log().replace(
        ", \"startTimeUtc\": \"2026-05-30T10:00:00Z\", \"endTimeUtc\": \"2026-05-30T10:00:04Z\"",
        "",
    );
    let dir = project(&undated);
    let (_, report) = json_run(dir.path(), "2026-06-01");
    assert_zizmor_errors(&report, "its age is unknown");
}

#[test]
fn a_location_outside_the_repository_is_an_error() {
    for uri in [
        "../../../etc/passwd",
        "file:///etc/passwd",
        "https://example.com/ci.yml",
    ] {
        let dir = project(&log().replacen(".github/workflows/ci.yml", uri, 1));
        let (code, report) = json_run(dir.path(), "2026-06-01");
        assert_eq!(code, 1, "{uri}");
        assert_zizmor_errors(&report, "result 0: ");
        let message = check(&report, "imported.zizmor.artipacked")["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            message.contains("outside the repository root") || message.contains("not a"),
            "{uri}: {message}"
        );
    }
}

#[test]
fn without_invocations_nothing_passes() {
    let text = log();
    let start = text.find("\"invocations\"").unwrap();
    let end = start + text[start..].find("],").unwrap() + 2;
    let dir = project(&format!("{}{}", &text[..start], &text[end..]));
    // No time either: drop max_age_days so only success is in question.
    let config = dir.path().join("assay.toml");
    let toml = fs::read_to_string(&config)
        .unwrap()
        .replace("max_age_days = 30\n", "");
    fs::write(&config, toml).unwrap();
    let (_, report) = json_run(dir.path(), "2026-06-01");
    let c = check(&report, "imported.zizmor.artipacked");
    assert_eq!(c["status"], "not_applicable", "{c:#}");
    assert!(
        c["note"]
            .as_str()
            .unwrap()
            .contains("does not say the run succeeded"),
        "{c:#}"
    );
    // A failure needs no statement of success.
    assert_eq!(
        check(&report, "imported.zizmor.unpinned-uses")["status"],
        "fail"
    );
}

/// A secret in a scanner's message, snippet or justification reaches no
/// output of any format.
#[test]
fn a_secret_in_the_log_reaches_no_output() {
    let key = "AKIAQWERTYUIOPASDFGH";
    let text = log()
        .replace(
            "action is not pinned to a hash (required by blanket policy)",
            &format!("found key {key} in step"),
        )
        .replace(
            "\"snippet\": {\"text\": \"uses: actions/checkout@v4\"}",
            &format!("\"snippet\": {{\"text\": \"aws_key = 'hunter2-{key}'\"}}"),
        )
        .replace("titles are sanitised upstream", &format!("ok {key}"));
    let dir = project(&text);
    for format in [
        "json", "human", "sarif", "junit", "markdown", "html", "csv", "oscal",
    ] {
        let (_, out) = run(dir.path(), "2026-06-01", format);
        assert!(!out.contains(key), "{format} holds the key");
        assert!(!out.contains("hunter2"), "{format} holds the snippet");
    }
    let (_, report) = json_run(dir.path(), "2026-06-01");
    let f = &check(&report, "imported.zizmor.unpinned-uses")["findings"][0];
    assert!(
        f["message"].as_str().unwrap().starts_with("found key AKIA"),
        "{f}"
    );
}

#[test]
fn import_on_the_command_line_detects_sarif() {
    let repo = tempfile::tempdir().unwrap();
    let file = Path::new(FIXTURE).join("imports/zizmor.sarif");
    let file = file.to_str().unwrap();
    for arg in [file.to_owned(), format!("sarif={file}")] {
        let (code, stdout, stderr) = assay(&[
            "check",
            repo.path().to_str().unwrap(),
            "--import",
            &arg,
            "--format",
            "json",
        ]);
        assert_ne!(code, 2, "{stderr}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        let import = &report["imports"][0];
        assert_eq!(import["name"], "zizmor.sarif");
        assert_eq!(import["format"], "sarif");
        assert_eq!(import["runs"][0]["tool"], "zizmor");
        assert_eq!(import["runs"][0]["rules"], 3);
    }
    let (code, _, stderr) = assay(&[
        "check",
        repo.path().to_str().unwrap(),
        "--import",
        "Cargo.toml",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("its format cannot be told from its content"),
        "{stderr}"
    );
    let (code, _, stderr) = assay(&["check", repo.path().to_str().unwrap(), "--import", "sarif="]);
    assert_eq!(code, 2);
    assert!(stderr.contains("names no file"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_declared_import_cannot_lead_out_of_the_project() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("zizmor.sarif"), log()).unwrap();
    let dir = project(&log());
    let inside = dir.path().join("imports/zizmor.sarif");
    fs::remove_file(&inside).unwrap();
    std::os::unix::fs::symlink(outside.path().join("zizmor.sarif"), &inside).unwrap();
    let (code, report) = json_run(dir.path(), "2026-06-01");
    assert_eq!(code, 1);
    assert_zizmor_errors(&report, "symbolic link");
}

#[test]
fn bad_import_declarations_are_diagnostics() {
    for (table, needle) in [
        (
            "[[import]]\nname = \"a\"\nformat = \"sarif2\"\npath = \"a.sarif\"\n",
            "unknown import format `sarif2`",
        ),
        (
            "[[import]]\nname = \"a\"\nformat = \"sarif\"\npath = \"../a.sarif\"\n",
            "a.sarif",
        ),
        (
            "[[import]]\nname = \"a\"\nformat = \"sarif\"\npath = \"a.sarif\"\nmax_age_days = 0\n",
            "max_age_days",
        ),
        (
            "[[import]]\nname = \"a\"\nformat = \"sarif\"\npath = \"a.sarif\"\n[[import]]\nname = \"a\"\nformat = \"sarif\"\npath = \"b.sarif\"\n",
            "a",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("assay.toml"), table).unwrap();
        let (code, _, stderr) = assay(&["validate", dir.path().to_str().unwrap()]);
        assert_eq!(code, 2, "{table}");
        assert!(stderr.contains(needle), "{table}: {stderr}");
    }
}

#[test]
fn bad_imported_check_definitions_are_diagnostics() {
    for (check, needle) in [
        ("source = \"import\"\nrules = [\"X\"]\n", "needs `tool`"),
        ("source = \"import\"\ntool = \"zizmor\"\n", "needs `rules`"),
        (
            "source = \"import\"\ntool = \"zizmor\"\nrules = [\"a[\"]\n",
            "invalid glob",
        ),
        (
            "source = [\"import\", \"k8s\"]\ntool = \"zizmor\"\nrules = [\"X\"]\n",
            "a source of its own",
        ),
        (
            "source = \"k8s\"\ntool = \"zizmor\"\nschema = {}\n",
            "`tool`",
        ),
        (
            "source = \"import\"\ntool = \"zizmor\"\nrules = [\"X\"]\nschema = {}\n",
            "`schema`",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("assay.toml"), "[project]\nname = \"x\"\n").unwrap();
        fs::create_dir(dir.path().join("policies")).unwrap();
        fs::write(
            dir.path().join("policies/p.toml"),
            format!("[[check]]\nid = \"x.y\"\ntitle = \"t\"\nseverity = \"low\"\n{check}"),
        )
        .unwrap();
        let (code, _, stderr) = assay(&["validate", dir.path().to_str().unwrap()]);
        assert_eq!(code, 2, "{check}");
        assert!(stderr.contains(needle), "{check}: {stderr}");
    }
}

/// An import is an input of the bundle: hashed, withheld (never copied), and
/// no secret of its messages or snippets is in any file of the bundle.
#[test]
fn a_bundle_hashes_the_import_and_holds_no_secret_of_it() {
    let key = "AKIAQWERTYUIOPASDFGH";
    let text = log()
        .replace(
            "action is not pinned to a hash (required by blanket policy)",
            &format!("found key {key} in step"),
        )
        .replace(
            "\"snippet\": {\"text\": \"uses: actions/checkout@v4\"}",
            "\"snippet\": {\"text\": \"password = 'hunter2hunter2'\"}",
        );
    let dir = project(&text);
    let out = tempfile::tempdir().unwrap();
    let bundle = out.path().join("b.tar.gz");
    let (code, _, stderr) = assay(&[
        "evidence",
        dir.path().to_str().unwrap(),
        "--as-of",
        "2026-06-01",
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert_ne!(code, 2, "{stderr}");
    let (files, _) = assay::evidence::read_bundle(&bundle).unwrap();
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(key), "{name} holds the key");
        assert!(!text.contains("hunter2"), "{name} holds the snippet");
    }
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let import = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "import")
        .unwrap();
    assert_eq!(import["path"], "imports/zizmor.sarif");
    assert_eq!(import["withheld"], true);
    assert_eq!(import["copy"], Value::Null);
    assert_eq!(import["sha256"], assay::inputs::sha256(text.as_bytes()));
    let (code, stdout, _) = assay(&["verify", bundle.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
}

/// Imported checks of Checkov's rules, for the runs of the real Checkov.
const CHECKOV_CHECKS: &str = r#"
[[check]]
id = "imp.ckv.ssh"
title = "Checkov: no SSH open to the world"
severity = "high"
source = "import"
tool = "checkov"
rules = ["CKV_AWS_24"]

[[check]]
id = "imp.ckv.all-ports"
title = "Checkov: no security group open to the world on every port"
severity = "high"
source = "import"
tool = "checkov"
rules = ["CKV_AWS_277"]

[[check]]
id = "imp.ckv.k8s"
title = "Checkov: Kubernetes"
severity = "high"
source = "import"
tool = "checkov"
rules = ["CKV_K8S_*"]
"#;

/// Checkov's JSON and SARIF of one Terraform fixture, run by the real
/// Checkov from the repository root as the README says (`-d .`).
fn checkov_outputs(checkov: &Path, repo: &Path, out: &Path) {
    let status = Command::new(checkov)
        .current_dir(repo)
        .args([
            "-d",
            ".",
            "--framework",
            "terraform",
            "-o",
            "json",
            "-o",
            "sarif",
        ])
        .arg("--output-file-path")
        .arg(out)
        .output()
        .unwrap();
    // Checkov exits 1 when a check fails; its reports are written either way.
    assert!(out.join("results_json.json").is_file(), "{status:?}");
    assert!(out.join("results_sarif.sarif").is_file(), "{status:?}");
}

/// Issue 14: the same Checkov run, imported as JSON and as SARIF, gives the
/// same failures at the same places; a rule Checkov passed passes on the
/// JSON, which lists passes, and is not applicable on the SARIF, whose
/// Checkov logs declare only the failed rules and no invocation (a declared
/// divergence: nothing passes on a log that does not say it ran the rule).
#[test]
fn checkov_json_and_sarif_of_one_run_agree() {
    let Some(checkov) = common::checkov() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    fs::create_dir_all(&repo).unwrap();
    // variables.tf too: a resource whose CIDR is a variable fails on its default.
    for entry in fs::read_dir("fixtures/checkov/cases/terraform").unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, repo.join(path.file_name().unwrap())).unwrap();
    }
    let out = dir.path().join("out");
    checkov_outputs(&checkov, &repo, &out);
    fs::create_dir(dir.path().join("policies")).unwrap();
    fs::write(dir.path().join("policies/checkov.toml"), CHECKOV_CHECKS).unwrap();
    let mut verdicts = Vec::new();
    for (format, file) in [
        ("checkov", "out/results_json.json"),
        ("sarif", "out/results_sarif.sarif"),
    ] {
        fs::write(
            dir.path().join("assay.toml"),
            format!("[project]\nname = \"ckv\"\nrepository = \"repo\"\n\n[[import]]\nname = \"checkov\"\nformat = \"{format}\"\npath = \"{file}\"\n"),
        )
        .unwrap();
        let (code, stdout, stderr) = assay(&[
            "check",
            dir.path().to_str().unwrap(),
            "--check",
            "imp.*",
            "--format",
            "json",
        ]);
        assert_eq!(code, 1, "{format}: {stderr}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        let ssh = check(&report, "imp.ckv.ssh");
        assert_eq!(ssh["status"], "fail", "{format}");
        let places: Vec<String> = ssh["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}:{}", f["path"].as_str().unwrap(), f["line"]))
            .collect();
        assert_eq!(
            places,
            [
                "main.tf:4",
                "main.tf:14",
                "main.tf:24",
                "main.tf:131",
                "main.tf:142"
            ],
            "{format}"
        );
        assert_eq!(
            check(&report, "imp.ckv.k8s")["status"],
            "not_applicable",
            "{format}"
        );
        verdicts.push(check(&report, "imp.ckv.all-ports")["status"].clone());
    }
    assert_eq!(verdicts, ["pass", "not_applicable"]);
}

/// Checkov's JSON as a list of frameworks: a skipped check (a
/// `checkov:skip=` comment) fails with its comment quoted, a framework with
/// files Checkov could not parse makes its checks errors, and a `--quiet`
/// report, which leaves the passes out, passes nothing.
#[test]
fn checkov_skips_parse_errors_and_quiet_reports() {
    let entry = |id: &str, line: u32| {
        format!(
            r#"{{"check_id": "{id}", "check_name": "n {id}", "file_path": "/main.tf", "file_line_range": [{line}, {}], "resource": "aws_s3_bucket.b", "code_block": [[{line}, "password = \"hunter2hunter2\""]]}}"#,
            line + 3
        )
    };
    let report = format!(
        r#"[
  {{"check_type": "terraform", "results": {{
      "passed_checks": [{}],
      "failed_checks": [{}],
      "skipped_checks": [{{"check_id": "CKV_AWS_18", "file_path": "/main.tf", "file_line_range": [9, 12], "suppress_comment": "logs go to the SIEM"}}],
      "parsing_errors": []}},
    "summary": {{"passed": 1, "failed": 1, "skipped": 1, "parsing_errors": 0, "checkov_version": "3.3.30"}}}},
  {{"check_type": "kubernetes", "results": {{"passed_checks": [], "failed_checks": [], "skipped_checks": [], "parsing_errors": ["/k8s/broken.yaml"]}},
    "summary": {{"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 1, "checkov_version": "3.3.30"}}}}
]"#,
        entry("CKV_AWS_20", 1),
        entry("CKV_AWS_19", 1)
    );
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("repo")).unwrap();
    fs::create_dir(dir.path().join("policies")).unwrap();
    fs::write(
        dir.path().join("policies/c.toml"),
        [("acl", "CKV_AWS_20"), ("sse", "CKV_AWS_19"), ("logging", "CKV_AWS_18")]
            .iter()
            .map(|(id, rule)| {
                format!("[[check]]\nid = \"ckv.{id}\"\ntitle = \"t\"\nseverity = \"high\"\nsource = \"import\"\ntool = \"checkov\"\nrules = [\"{rule}\"]\n\n")
            })
            .collect::<String>(),
    )
    .unwrap();
    let judge = |text: &str| {
        fs::write(dir.path().join("checkov.json"), text).unwrap();
        fs::write(
            dir.path().join("assay.toml"),
            "[project]\nname = \"c\"\nrepository = \"repo\"\n\n[[import]]\nname = \"ckv\"\nformat = \"checkov\"\npath = \"checkov.json\"\n",
        )
        .unwrap();
        let (code, stdout, stderr) = assay(&[
            "check",
            dir.path().to_str().unwrap(),
            "--check",
            "ckv.*",
            "--format",
            "json",
        ]);
        assert_ne!(code, 2, "{stderr}");
        assert!(
            !stdout.contains("hunter2"),
            "the code block reached the report"
        );
        serde_json::from_str::<Value>(&stdout).unwrap()
    };
    // The Kubernetes framework did not parse a file: every checkov check is
    // an error, since any of them might have judged it.
    let report_with_errors = judge(&report);
    for id in ["ckv.acl", "ckv.sse", "ckv.logging"] {
        let c = check(&report_with_errors, id);
        assert_eq!(c["status"], "error", "{id}");
        assert!(
            c["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("1 file(s) could not be parsed: /k8s/broken.yaml"),
            "{c:#}"
        );
    }
    // Without it: pass, fail, and the skip quoting its comment.
    let (terraform, _) = report
        .rsplit_once(",\n  {\"check_type\": \"kubernetes\"")
        .unwrap();
    let clean = judge(&format!("{terraform}\n]"));
    assert_eq!(check(&clean, "ckv.acl")["status"], "pass");
    let sse = check(&clean, "ckv.sse");
    assert_eq!(sse["status"], "fail");
    assert_eq!(sse["findings"][0]["path"], "main.tf");
    assert_eq!(sse["findings"][0]["line"], 1);
    assert_eq!(
        sse["findings"][0]["message"],
        "n CKV_AWS_19 (aws_s3_bucket.b)"
    );
    // A skip with its comment is an inline waiver, reported as one.
    let logging = check(&clean, "ckv.logging");
    assert_eq!(logging["status"], "waived");
    assert!(
        logging["findings"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(suppressed in checkov's output, inSource: \"logs go to the SIEM\")"),
        "{logging:#}"
    );
    let waiver = clean["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["check"] == "ckv.logging")
        .unwrap();
    assert_eq!(waiver["justification"], "logs go to the SIEM");
    assert_eq!(waiver["inline"], true);
    assert_eq!(
        waiver["source"],
        "checkov (inSource) in import `ckv`, at main.tf:9"
    );
    // `--quiet`: no passed_checks listed, so the rule Checkov passed is not known to have run.
    let quiet = terraform.replacen(
        &format!("\"passed_checks\": [{}],", entry("CKV_AWS_20", 1)),
        "",
        1,
    );
    let quiet = judge(&format!("{quiet}\n]"));
    assert_eq!(check(&quiet, "ckv.acl")["status"], "not_applicable");
    assert_eq!(check(&quiet, "ckv.sse")["status"], "fail");
}

/// The README's import and imported check, as written, judge the fixture's
/// zizmor log.
#[test]
fn the_readme_import_example_works_as_written() {
    let readme = fs::read_to_string("README.md").unwrap();
    let section = &readme[readme.find("### Importing other scanners").unwrap()..];
    let blocks: Vec<&str> = section
        .split("```toml\n")
        .skip(1)
        .take(2)
        .map(|b| &b[..b.find("```").unwrap()])
        .collect();
    assert!(blocks[0].starts_with("[[import]]") && blocks[1].starts_with("[[check]]"));
    let dir = project(&log());
    fs::write(
        dir.path().join("assay.toml"),
        format!(
            "[project]\nname = \"readme\"\nrepository = \"repo\"\n\n{}",
            blocks[0]
        ),
    )
    .unwrap();
    fs::write(dir.path().join("policies/imported.toml"), blocks[1]).unwrap();
    let (code, report) = json_run(dir.path(), "2026-06-01");
    assert_eq!(code, 0, "a medium failure does not gate at fail-on high");
    let c = check(&report, "imported.zizmor.unpinned-uses");
    assert_eq!(c["status"], "fail");
    assert_eq!(c["findings"][0]["path"], ".github/workflows/ci.yml");
    assert_eq!(c["findings"][0]["line"], 7);
}

#[test]
fn list_checks_by_tool_names_the_rules_each_maps() {
    let (code, stdout, stderr) =
        assay(&["list", "checks", "--tool", "ZIZMOR", "--project", FIXTURE]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines.iter().all(|l| l.starts_with("imported.zizmor.")),
        "{stdout}"
    );
    assert!(stdout.contains("zizmor/unpinned-uses"), "{stdout}");
    let (code, _, _) = assay(&["list", "risks", "--tool", "zizmor"]);
    assert_eq!(code, 2);
}

/// A suppression the tool recorded waives only as an inline waiver does:
/// with a justification, and never under `--no-inline-waivers`.
#[test]
fn a_tools_suppression_waives_only_as_an_inline_waiver_does() {
    let id = "imported.zizmor.template-injection";
    let dir = project(&log());
    let (_, report) = json_run(dir.path(), "2026-06-01");
    assert_eq!(check(&report, id)["status"], "waived");
    let (code, stdout, _) = assay(&[
        "check",
        dir.path().to_str().unwrap(),
        "--as-of",
        "2026-06-01",
        "--check",
        "imported.*",
        "--no-inline-waivers",
        "--format",
        "json",
    ]);
    assert_eq!(
        code, 1,
        "a high failure gates once its suppression is ignored"
    );
    let ignored: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(check(&ignored, id)["status"], "fail");
    let unjustified =
        project(&log().replace(", \"justification\": \"titles are sanitised upstream\"", ""));
    let (code, report) = json_run(unjustified.path(), "2026-06-01");
    assert_eq!(code, 1);
    let c = check(&report, id);
    assert_eq!(c["status"], "fail");
    assert!(
        c["findings"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("without a justification: not a waiver)"),
        "{c:#}"
    );
    // A rejected suppression suppresses nothing.
    let rejected = project(&log().replace(
        "{\"kind\": \"inSource\"",
        "{\"kind\": \"inSource\", \"status\": \"rejected\"",
    ));
    let (_, report) = json_run(rejected.path(), "2026-06-01");
    let c = check(&report, id);
    assert_eq!(c["status"], "fail");
    assert!(
        !c["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("suppressed"),
        "{c:#}"
    );
}

/// An imported check's examples give the scanner's output; `assay test`
/// runs them, and one that misbehaves fails it.
#[test]
fn imported_examples_run_under_assay_test() {
    let (code, stdout, stderr) = assay(&["test", FIXTURE, "--check", "imported.checkov.*"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("ok    imported.checkov.s3-public-access (4 examples)"),
        "{stdout}"
    );
    let dir = project(&log());
    let policies = dir.path().join("policies/imported.toml");
    let text = fs::read_to_string(&policies).unwrap();
    fs::write(
        &policies,
        text.replacen("expect = \"error\"", "expect = \"pass\"", 1),
    )
    .unwrap();
    let (code, stdout, _) = assay(&[
        "test",
        dir.path().to_str().unwrap(),
        "--check",
        "imported.checkov.*",
    ]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("3 behaved as declared, 1 did not"),
        "{stdout}"
    );
    // An import example needs an imported check, and a known format.
    fs::write(
        &policies,
        text.replacen("format = \"checkov\"", "format = \"prowler\"", 1),
    )
    .unwrap();
    let (code, _, stderr) = assay(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`format` is one of sarif, checkov"),
        "{stderr}"
    );
}

/// The review's attacks on the SARIF reader: each must be an error or a
/// failure, never a pass or a waiver (issue 14).
#[test]
fn crafted_logs_never_pass_or_waive() {
    let error_of = |text: &str, id: &str| {
        let dir = project(text);
        let (_, report) = json_run(dir.path(), "2026-06-01");
        let c = check(&report, id).clone();
        assert_eq!(c["status"], "error", "{c:#}");
        c["errors"][0]["message"].as_str().unwrap().to_owned()
    };
    let art = "imported.zizmor.artipacked";
    // A `kind` SARIF does not have, and a non-failing kind with a level.
    let kinded = log().replacen(
        "\"level\": \"warning\",",
        "\"kind\": \"Fail\", \"level\": \"warning\",",
        1,
    );
    assert!(error_of(&kinded, art).contains("`kind` `Fail` is not one of SARIF's"));
    let passing = log().replacen(
        "\"level\": \"warning\",",
        "\"kind\": \"pass\", \"level\": \"error\",",
        1,
    );
    assert!(error_of(&passing, art).contains("kind `pass` with level `error`"));
    // No `results`: the analysis produced none.
    let text = log();
    let start = text.find("\"results\": [").unwrap();
    let bare = format!("{}\"x\": []\n    }}\n  ]\n}}\n", &text[..start]);
    assert!(error_of(&bare, art).contains("has no `results`"));
    // A result whose ruleId and ruleIndex disagree, or whose index is out of range.
    let disagree = log().replacen(
        "\"ruleId\": \"zizmor/unpinned-uses\",",
        "\"ruleId\": \"zizmor/unpinned-uses\", \"ruleIndex\": 2,",
        1,
    );
    assert!(error_of(&disagree, art).contains("disagree"));
    let beyond = log().replacen(
        "\"ruleId\": \"zizmor/unpinned-uses\",",
        "\"rule\": {\"index\": 0, \"toolComponent\": {\"index\": 5}},",
        1,
    );
    assert!(error_of(&beyond, art).contains("`toolComponent` 5 is not an extension"));
    // A run dated after the as-of date.
    let future = log().replace("2026-05-30T10:00:04Z", "2099-01-01T00:00:00Z");
    assert!(error_of(&future, art).contains("after the as-of date"));
}

#[test]
fn an_extension_rules_failure_is_charged_to_it() {
    // The failure names rule 0 of extension 0, `zizmor/artipacked`.
    let text = log()
        .replacen(
            "\"ruleId\": \"zizmor/unpinned-uses\",",
            "\"rule\": {\"index\": 0, \"toolComponent\": {\"index\": 0}},",
            1,
        )
        .replacen(
            "          ]\n        }\n      },",
            "          ]\n        },\n        \"extensions\": [{\"name\": \"pack\", \"rules\": [{\"id\": \"zizmor/artipacked\"}]}]\n      },",
            1,
        );
    let dir = project(&text);
    let (_, report) = json_run(dir.path(), "2026-06-01");
    assert_eq!(
        check(&report, "imported.zizmor.artipacked")["status"],
        "fail"
    );
    assert_eq!(
        check(&report, "imported.zizmor.unpinned-uses")["status"],
        "pass"
    );
}

#[test]
fn a_suppression_waives_only_its_own_rule_and_only_when_none_rejects_it() {
    // One check over both rules; the template-injection result is
    // suppressed at ci.yml:8, and an unpinned-uses result sits on that line too.
    let dir = project(&log().replacen("\"startLine\": 7", "\"startLine\": 8", 1));
    let policies = dir.path().join("policies/imported.toml");
    let mut text = fs::read_to_string(&policies).unwrap();
    text.push_str("\n[[check]]\nid = \"imported.zizmor.both\"\ntitle = \"t\"\nseverity = \"high\"\nsource = \"import\"\ntool = \"zizmor\"\nrules = [\"zizmor/template-injection\", \"zizmor/unpinned-uses\"]\n");
    fs::write(&policies, text).unwrap();
    let (_, report) = json_run(dir.path(), "2026-06-01");
    let both = check(&report, "imported.zizmor.both");
    assert_eq!(both["status"], "fail", "{both:#}");
    let waived: Vec<&Value> = both["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["waiver"].is_string())
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["label"], "zizmor/template-injection");
    // A rejected entry beside an accepted one: not suppressed.
    let mixed = project(&log().replace(
        "\"suppressions\": [{\"kind\": \"inSource\"",
        "\"suppressions\": [{\"kind\": \"external\", \"status\": \"rejected\"}, {\"kind\": \"inSource\"",
    ));
    let (_, report) = json_run(mixed.path(), "2026-06-01");
    assert_eq!(
        check(&report, "imported.zizmor.template-injection")["status"],
        "fail"
    );
}

#[test]
fn forged_lines_and_sneaky_detection_are_refused() {
    // A version with a line break prints no forged line.
    let dir = project(&log().replace(
        "\"version\": \"1.5.2\"",
        "\"version\": \"1.5.2\\ngate: passed (forged)\"",
    ));
    let (_, human) = run(dir.path(), "2026-06-01", "human");
    assert!(
        !human
            .lines()
            .any(|l| l.starts_with("gate: passed (forged)")),
        "{human}"
    );
    // A path with an encoded line break is not a repository path.
    let dir = project(&log().replacen(".github/workflows/ci.yml", "ci%0A  PASS   forged.yml", 1));
    let (_, report) = json_run(dir.path(), "2026-06-01");
    assert_eq!(
        check(&report, "imported.zizmor.artipacked")["status"],
        "error"
    );
    // A SARIF log mentioning "check_type" is still read as SARIF.
    let sneaky = tempfile::tempdir().unwrap();
    let file = sneaky.path().join("log.sarif");
    fs::write(
        &file,
        log().replacen(".github/workflows/ci.yml", "check_type", 1),
    )
    .unwrap();
    let (_, stdout, stderr) = assay(&[
        "check",
        sneaky.path().to_str().unwrap(),
        "--import",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
    assert_eq!(report["imports"][0]["format"], "sarif");
    // An object that is neither is refused, whatever it mentions.
    fs::write(&file, "{\"check_type\": \"terraform\", \"runs\": 1}").unwrap();
    let (code, _, stderr) = assay(&[
        "check",
        sneaky.path().to_str().unwrap(),
        "--import",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn a_failed_run_fails_the_gate_even_when_no_check_reads_it() {
    let dir = project(&log().replace(
        "\"executionSuccessful\": true",
        "\"executionSuccessful\": false",
    ));
    let (code, stdout, _) = assay(&[
        "check",
        dir.path().to_str().unwrap(),
        "--as-of",
        "2026-06-01",
        "--check",
        "imported.hadolint.*",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report["gate"]["unread_imports"],
        serde_json::json!(["zizmor"])
    );
}

/// Checkov puts a skip's comment in `check_result.suppress_comment`, and
/// writes "No comment provided" for a bare skip, which waives nothing.
#[test]
fn checkov_skip_comments_are_read_where_checkov_writes_them() {
    let report = |comment: &str| {
        format!(
            r#"{{"check_type": "terraform", "results": {{"passed_checks": [], "failed_checks": [],
  "skipped_checks": [{{"check_id": "CKV_AWS_18", "file_path": "/main.tf", "file_line_range": [9, 12],
    "check_result": {{"result": "SKIPPED", "suppress_comment": "{comment}"}}}}], "parsing_errors": []}},
  "summary": {{"parsing_errors": 0, "checkov_version": "3.3.30"}}}}"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("repo")).unwrap();
    fs::create_dir(dir.path().join("policies")).unwrap();
    fs::write(
        dir.path().join("policies/c.toml"),
        "[[check]]\nid = \"ckv.logging\"\ntitle = \"t\"\nseverity = \"high\"\nsource = \"import\"\ntool = \"checkov\"\nrules = [\"CKV_AWS_18\"]\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("assay.toml"),
        "[project]\nname = \"c\"\nrepository = \"repo\"\n\n[[import]]\nname = \"ckv\"\nformat = \"checkov\"\npath = \"c.json\"\n",
    )
    .unwrap();
    for (comment, status) in [
        ("logs go to the SIEM", "waived"),
        ("No comment provided", "fail"),
    ] {
        fs::write(dir.path().join("c.json"), report(comment)).unwrap();
        let (_, stdout, stderr) = assay(&[
            "check",
            dir.path().to_str().unwrap(),
            "--check",
            "ckv.*",
            "--format",
            "json",
        ]);
        let parsed: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
        assert_eq!(check(&parsed, "ckv.logging")["status"], status, "{comment}");
    }
}

/// `where` chooses the results that count, on `{rule, level, message,
/// path, line, suppressed}`: a warning-level result does not fail a check
/// of errors only, and the rule, which ran, passes.
#[test]
fn where_chooses_the_results_that_count() {
    let dir = project(&log());
    let policies = dir.path().join("policies/imported.toml");
    let mut text = fs::read_to_string(&policies).unwrap();
    text.push_str("\n[[check]]\nid = \"imported.zizmor.pinning-errors\"\ntitle = \"t\"\nseverity = \"high\"\nsource = \"import\"\ntool = \"zizmor\"\nrules = [\"zizmor/unpinned-uses\"]\nwhere = { properties = { level = { const = \"error\" } } }\n");
    fs::write(&policies, &text).unwrap();
    let (_, report) = json_run(dir.path(), "2026-06-01");
    assert_eq!(
        check(&report, "imported.zizmor.pinning-errors")["status"],
        "pass"
    );
    assert_eq!(
        check(&report, "imported.zizmor.unpinned-uses")["status"],
        "fail"
    );
    let warnings = text.replace("const = \"error\"", "const = \"warning\"");
    fs::write(&policies, &warnings).unwrap();
    let (_, report) = json_run(dir.path(), "2026-06-01");
    assert_eq!(
        check(&report, "imported.zizmor.pinning-errors")["status"],
        "fail"
    );
    fs::write(
        &policies,
        text.replace("where = { properties", "where = { type = 3, properties"),
    )
    .unwrap();
    let (code, _, stderr) = assay(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
}

/// The real zizmor (1.5.2, pinned by `./scripts/test`) on the fixture's
/// workflow, offline: its SARIF, imported, fails the three audits it found
/// at the lines it gives. zizmor declares only the rules it has results for,
/// so an audit it found nothing for is not applicable, never a pass.
#[test]
fn the_real_zizmors_sarif_is_imported_with_exact_verdicts() {
    let Some(zizmor) = common::peer("zizmor", "ASSAY_ZIZMOR") else {
        return;
    };
    let dir = project(&log());
    let out = Command::new(&zizmor)
        .current_dir(dir.path().join("repo"))
        .args(["--offline", "--format", "sarif", ".github/workflows/ci.yml"])
        .output()
        .unwrap();
    let sarif = String::from_utf8(out.stdout).unwrap();
    assert!(
        sarif.contains("\"2.1.0\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::write(dir.path().join("imports/zizmor.sarif"), &sarif).unwrap();
    fs::write(
        dir.path().join("assay.toml"),
        "[project]\nname = \"z\"\nrepository = \"repo\"\n\n[[import]]\nname = \"zizmor\"\nformat = \"sarif\"\npath = \"imports/zizmor.sarif\"\n",
    )
    .unwrap();
    let checks: String = ["artipacked", "template-injection", "excessive-permissions", "unpinned-uses"]
        .iter()
        .map(|rule| format!("[[check]]\nid = \"imported.real.{rule}\"\ntitle = \"t\"\nseverity = \"low\"\nsource = \"import\"\ntool = \"zizmor\"\nrules = [\"{rule}\"]\n\n"))
        .collect();
    fs::write(dir.path().join("policies/imported.toml"), checks).unwrap();
    let (_, report) = json_run(dir.path(), "2026-06-01");
    for (rule, line) in [
        ("artipacked", 7),
        ("template-injection", 8),
        ("excessive-permissions", 4),
    ] {
        let c = check(&report, &format!("imported.real.{rule}"));
        assert_eq!(c["status"], "fail", "{rule}: {c:#}");
        assert_eq!(
            c["findings"][0]["path"], ".github/workflows/ci.yml",
            "{rule}"
        );
        assert_eq!(c["findings"][0]["line"], line, "{rule}");
    }
    assert_eq!(
        check(&report, "imported.real.unpinned-uses")["status"],
        "not_applicable"
    );
    assert_eq!(report["imports"][0]["runs"][0]["version"], "1.5.2");
}

/// The real hadolint (2.15.1, pinned by `./scripts/test`): its SARIF
/// declares no rules and no invocation, so its failures fail their checks at
/// its lines and a rule it did not report is not applicable, never a pass.
#[test]
fn the_real_hadolints_sarif_is_imported_with_exact_verdicts() {
    let Some(hadolint) = common::peer("hadolint", "ASSAY_HADOLINT") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for sub in ["repo", "imports", "policies"] {
        fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    fs::write(
        dir.path().join("repo/Dockerfile"),
        "FROM ubuntu:latest\nRUN apt-get update && apt-get install -y curl\nUSER root\n",
    )
    .unwrap();
    let out = Command::new(&hadolint)
        .current_dir(dir.path().join("repo"))
        .args(["--format", "sarif", "Dockerfile"])
        .output()
        .unwrap();
    fs::write(dir.path().join("imports/hadolint.sarif"), &out.stdout).unwrap();
    fs::write(
        dir.path().join("assay.toml"),
        "[project]\nname = \"h\"\nrepository = \"repo\"\n\n[[import]]\nname = \"hadolint\"\nformat = \"sarif\"\npath = \"imports/hadolint.sarif\"\n",
    )
    .unwrap();
    let checks: String = [("latest", "DL3007"), ("root", "DL3002"), ("maintainer", "DL4000")]
        .iter()
        .map(|(id, rule)| format!("[[check]]\nid = \"imported.hadolint.{id}\"\ntitle = \"t\"\nseverity = \"low\"\nsource = \"import\"\ntool = \"hadolint\"\nrules = [\"{rule}\"]\n\n"))
        .collect();
    fs::write(dir.path().join("policies/imported.toml"), checks).unwrap();
    let (_, report) = json_run(dir.path(), "2026-06-01");
    for (id, line) in [("latest", 1), ("root", 3)] {
        let c = check(&report, &format!("imported.hadolint.{id}"));
        assert_eq!(c["status"], "fail", "{id}: {c:#}");
        assert_eq!(c["findings"][0]["path"], "Dockerfile", "{id}");
        assert_eq!(c["findings"][0]["line"], line, "{id}");
    }
    assert_eq!(
        check(&report, "imported.hadolint.maintainer")["status"],
        "not_applicable"
    );
    assert_eq!(report["imports"][0]["runs"][0]["tool"], "Hadolint");
}
