//! Exports end to end through the binary: `--export` with no configuration,
//! hostile inputs (YAML bombs, deep JSON, symbolic links out of the project),
//! and record values that must never reach a report.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::path::Path;
use std::process::Command;

fn assay(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap()
}

fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

#[test]
fn an_export_on_the_command_line_needs_no_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let report = "fixtures/projects/aws-bad/exports/credential-report.csv";
    let arg = format!("aws.iam.credential-report={report}");
    let (code, stdout, stderr) = assay(&[
        "check",
        dir.path().to_str().unwrap(),
        "--export",
        &arg,
        "--as-of",
        "2026-06-01",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = json(&stdout);
    let mfa = check(&report, "aws.iam.console-mfa");
    assert_eq!(mfa["status"], "fail");
    assert_eq!(
        (mfa["examined"].as_u64(), mfa["failing"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(mfa["findings"][0]["export"], "aws.iam.credential-report");
    assert_eq!(mfa["findings"][0]["label"], "alice");
    assert_eq!(report["exports"][0]["records"], 8);
}

#[test]
fn bad_export_arguments_exit_2() {
    let (code, _, stderr) = assay(&["check", ".", "--export", "aws.iam.credential_report=x.csv"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown export kind `aws.iam.credential_report`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `aws.iam.credential-report`?"),
        "{stderr}"
    );
    let (code, _, stderr) = assay(&["check", ".", "--export", "report.csv"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not KIND=PATH"), "{stderr}");
}

#[test]
fn record_values_never_reach_the_report() {
    let (code, stdout, _) = assay(&["check", "fixtures/projects/plan-bad", "--format", "json"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("aws_db_instance.legacy"),
        "the resource is reported"
    );
    assert!(
        !stdout.contains("Plan-Passw0rd-Never-Shown"),
        "a value from the plan leaked"
    );
    let (_, human, _) = assay(&["check", "fixtures/projects/plan-bad"]);
    assert!(!human.contains("Plan-Passw0rd-Never-Shown"));
}

/// A project whose export `rel` (declared `name`/`kind`) is a symbolic
/// link to a file holding `text` outside it: the error check `id` reports.
#[cfg(unix)]
fn linked_out_export(rel: &str, (name, kind): (&str, &str), text: &str, id: &str) -> String {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("target"), text).unwrap();
    let project = tempfile::tempdir().unwrap();
    let link = project.path().join(rel);
    fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(outside.path().join("target"), &link).unwrap();
    fs::write(
        project.path().join("assay.toml"),
        format!("[[export]]\nname = \"{name}\"\nkind = \"{kind}\"\npath = \"{rel}\"\n"),
    )
    .unwrap();
    let (code, stdout, _) = assay(&[
        "check",
        project.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let report = json(&stdout);
    let c = check(&report, id);
    assert_eq!(c["status"], "error");
    c["errors"][0]["message"].as_str().unwrap().to_owned()
}

#[cfg(unix)]
#[test]
fn a_project_export_cannot_lead_out_of_the_project_through_a_link() {
    let message = linked_out_export(
        "exports/report.csv",
        ("iam", "aws.iam.credential-report"),
        "user,arn\nroot,x\n",
        "aws.iam.console-mfa",
    );
    // Refused as a link before anything is resolved or read.
    assert!(message.contains("symbolic link"), "{message}");
}

#[test]
fn a_yaml_bomb_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a: &a [x,x,x,x,x,x,x,x,x]\n",
    );
    for (name, prev) in [
        ("b", "a"),
        ("c", "b"),
        ("d", "c"),
        ("e", "d"),
        ("f", "e"),
        ("g", "f"),
        ("h", "g"),
    ] {
        bomb.push_str(&format!("  {name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
    }
    fs::write(dir.path().join("bomb.yaml"), bomb).unwrap();
    let (code, stdout, _) = assay(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    let report = json(&stdout);
    let c = check(&report, "k8s.no-privileged");
    assert_eq!(c["status"], "error");
    assert!(
        c["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid YAML"),
        "{c}"
    );
}

#[test]
fn deeply_nested_json_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    fs::write(dir.path().join("deep.json"), deep).unwrap();
    fs::write(dir.path().join("README.md"), "x").unwrap();
    let policies = dir.path().join("policies");
    fs::create_dir(&policies).unwrap();
    fs::write(
        policies.join("p.toml"),
        "[[check]]\nid = \"x.deep\"\ntitle = \"Deep\"\nseverity = \"low\"\nsource = \"json\"\nschema = {}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("assay.toml"),
        "[[export]]\nname = \"deep\"\nkind = \"json\"\npath = \"deep.json\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) =
        assay(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report = json(&stdout);
    let c = check(&report, "x.deep");
    assert_eq!(c["status"], "error");
    let message = c["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("recursion limit"), "{message}");
}

#[test]
fn json_report_with_exports_validates_against_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&fs::read_to_string("schemas/report.schema.json").unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for dir in [
        "fixtures/projects/aws-bad",
        "fixtures/projects/export-missing",
        "fixtures/projects/k8s-bad",
        "fixtures/projects/okta-bad",
        "fixtures/projects/okta-wrong-kind",
        "fixtures/projects/k8s-rendered-bad",
        "fixtures/projects/k8s-rendered-malformed",
        "fixtures/repos/helm-chart",
    ] {
        let (_, stdout, _) = assay(&["check", dir, "--format", "json"]);
        let report = json(&stdout);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{dir}: {errors:#?}");
    }
    assert!(Path::new("schemas/kinds/aws.iam.credential-report.schema.json").exists());
}

#[test]
fn an_okta_export_that_is_not_json_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("policies")).unwrap();
    fs::copy(
        "fixtures/projects/okta-bad/policies/okta.toml",
        dir.path().join("policies/okta.toml"),
    )
    .unwrap();
    // A page cut off mid-download.
    let page = fs::read_to_string("fixtures/projects/okta-bad/exports/users-1.json").unwrap();
    fs::write(dir.path().join("users.json"), &page[..page.len() / 2]).unwrap();
    fs::write(
        dir.path().join("assay.toml"),
        "[[export]]\nname = \"okta\"\nkind = \"okta.users\"\npath = \"users.json\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = assay(&[
        "check",
        dir.path().to_str().unwrap(),
        "--check",
        "acme.okta.*",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = json(&stdout);
    let c = check(&report, "acme.okta.active-users-sign-in");
    assert_eq!(c["status"], "error");
    let message = c["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("invalid JSON"), "{message}");
}

#[test]
fn explain_prints_an_export_kinds_documentation_and_its_checks() {
    for kind in assay::model::ExportKind::ALL {
        let (code, stdout, stderr) = assay(&["explain", kind.name()]);
        assert_eq!(code, 0, "{kind}: {stderr}");
        assert!(
            stdout.starts_with(&format!("export kind {kind}\n")),
            "{stdout}"
        );
        for section in ["What it reads", "Records", "Example"] {
            assert!(
                stdout.contains(&format!("\n  {section}\n")),
                "{kind}: {stdout}"
            );
        }
    }
    let (_, stdout, _) = assay(&["explain", "aws.iam.credential-report"]);
    assert!(stdout.contains("schemas/kinds/aws.iam.credential-report.schema.json"));
    assert!(
        stdout.contains("aws.iam.console-mfa"),
        "the checks that read it"
    );
    let (code, _, stderr) = assay(&["explain", "okta.user"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `okta.users`?"), "{stderr}");
}

#[test]
fn the_example_checks_of_the_new_kinds_pass_their_examples() {
    for project in [
        "fixtures/projects/okta-good",
        "fixtures/projects/okta-bad",
        "fixtures/projects/hr-good",
        "fixtures/projects/hr-bad",
    ] {
        let (code, stdout, stderr) = assay(&["test", project]);
        assert_eq!(code, 0, "{project}: {stdout}{stderr}");
    }
}

#[test]
fn a_roster_column_missing_under_its_configured_name_is_an_error_that_names_both() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("policies")).unwrap();
    fs::copy(
        "fixtures/projects/hr-good/policies/hr.toml",
        dir.path().join("policies/hr.toml"),
    )
    .unwrap();
    // The file has the default headers; the declaration says the HR system's.
    fs::copy(
        "fixtures/projects/hr-good/exports/roster.csv",
        dir.path().join("roster.csv"),
    )
    .unwrap();
    fs::write(
        dir.path().join("assay.toml"),
        "[[export]]\nname = \"hr\"\nkind = \"hr.roster\"\npath = \"roster.csv\"\ncolumns = { employee_id = \"Employee ID\" }\n",
    )
    .unwrap();
    let (code, stdout, stderr) = assay(&[
        "check",
        dir.path().to_str().unwrap(),
        "--check",
        "acme.hr.*",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = json(&stdout);
    let c = check(&report, "acme.hr.leavers-terminated");
    assert_eq!(c["status"], "error");
    let message = c["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "missing required column `Employee ID` (the export's name for `employee_id`)"
        ),
        "{message}"
    );
}

/// Issue 13: an export declared in `assay.toml` is cited relative to the
/// project directory, as written there, wherever assay runs from; one given
/// with `--export` as typed.
#[test]
fn export_paths_do_not_depend_on_the_working_directory() {
    let findings = |cwd: &Path, project: &str, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_assay"))
            .current_dir(cwd)
            .args([
                "check",
                project,
                "--format",
                "json",
                "--as-of",
                "2026-11-20",
            ])
            .args(["--check", "aws.iam.console-mfa"])
            .args(extra)
            .output()
            .unwrap();
        let report = json(&String::from_utf8(out.stdout).unwrap());
        let paths: Vec<String> = check(&report, "aws.iam.console-mfa")["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_owned())
            .collect();
        let files = report["exports"][0]["files"].clone();
        (paths, files)
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let from_root = findings(root, "examples/acme", &[]);
    let from_inside = findings(&root.join("examples/acme"), ".", &[]);
    let from_examples = findings(&root.join("examples"), "acme", &[]);
    assert_eq!(
        from_root.0,
        [
            "exports/credential-report.csv",
            "exports/credential-report.csv"
        ]
    );
    assert_eq!(from_root, from_inside);
    assert_eq!(from_root, from_examples);
    assert_eq!(
        from_root.1,
        serde_json::json!(["exports/credential-report.csv"])
    );

    // `--export` paths are the user's own, cited as typed.
    let typed = findings(
        &root.join("examples"),
        "../fixtures/repos/good",
        &[
            "--export",
            "aws.iam.credential-report=acme/exports/credential-report.csv",
        ],
    );
    assert_eq!(typed.0[0], "acme/exports/credential-report.csv");
}

/// A project declaring a `k8s` export at `rendered.yaml` with `text`, and the
/// built-in Kubernetes checks' results on it.
fn rendered_export(text: &str) -> (i32, serde_json::Value) {
    let project = tempfile::tempdir().unwrap();
    fs::write(project.path().join("rendered.yaml"), text).unwrap();
    fs::write(
        project.path().join("assay.toml"),
        "[[export]]\nname = \"chart\"\nkind = \"k8s\"\npath = \"rendered.yaml\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = assay(&[
        "check",
        project.path().to_str().unwrap(),
        "--check",
        "k8s.*",
        "--format",
        "json",
    ]);
    assert_ne!(code, 2, "{stderr}");
    (code, json(&stdout))
}

/// Issue 13: a rendered chart's findings cite the export file, the object's
/// line and the template the `# Source:` comment names; the repository's
/// unrendered templates are named as skipped beside them.
#[test]
fn issue_13_a_rendered_chart_is_judged_and_its_templates_named_as_skipped() {
    let (code, stdout, stderr) = assay(&[
        "check",
        "fixtures/repos/helm-chart",
        "--export",
        "k8s=fixtures/projects/k8s-rendered-bad/rendered.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = json(&stdout);
    let c = check(&report, "k8s.no-privileged");
    assert_eq!(c["status"], "fail");
    let f = &c["findings"][0];
    assert_eq!(f["export"], "k8s");
    assert_eq!(
        f["path"],
        "fixtures/projects/k8s-rendered-bad/rendered.yaml"
    );
    assert_eq!(f["line"], 27);
    assert_eq!(
        f["label"],
        "Pod/lab/lab-node-shell (from lab/templates/node-shell.yaml)"
    );
    assert_eq!(report["exports"][0]["kind"], "k8s");
    let skipped = report["targets"][0]["skipped_documents"]
        .as_array()
        .unwrap();
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[0]["path"], "charts/app/templates/agent.yaml");
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .contains("helm template")
    );
}

#[test]
fn issue_13_a_rendered_yaml_bomb_is_an_error() {
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a: &a [x,x,x,x,x,x,x,x,x]\n",
    );
    for (name, prev) in [
        ("b", "a"),
        ("c", "b"),
        ("d", "c"),
        ("e", "d"),
        ("f", "e"),
        ("g", "f"),
        ("h", "g"),
    ] {
        bomb.push_str(&format!(
            "  {name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    let (code, report) = rendered_export(&bomb);
    assert_eq!(code, 1);
    let c = check(&report, "k8s.no-privileged");
    assert_eq!(c["status"], "error", "{c}");
    let message = c["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("invalid YAML"), "{message}");
}

#[test]
fn issue_13_a_deeply_nested_rendered_file_is_an_error() {
    let deep = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: deep}}\nspec: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (code, report) = rendered_export(&deep);
    assert_eq!(code, 1);
    let c = check(&report, "k8s.run-as-non-root");
    assert_eq!(c["status"], "error", "{c}");
    let message = c["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("invalid YAML"), "{message}");
}

/// A rendered file declared in assay.toml is refused when it is a link out of
/// the project, as every declared export is.
#[cfg(unix)]
#[test]
fn issue_13_a_rendered_file_linking_out_of_the_project_is_refused() {
    let message = linked_out_export(
        "rendered.yaml",
        ("chart", "k8s"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n",
        "k8s.no-privileged",
    );
    assert!(message.contains("symbolic link"), "{message}");
}

/// A declared export that is not there is missing evidence, whether or not
/// a selected check reads it: the gate fails, under any `--fail-on`.
#[test]
fn issue_13_a_missing_export_no_check_reads_still_fails_the_gate() {
    let project = "fixtures/projects/export-missing";
    for extra in [&[][..], &["--fail-on", "none"][..], &["--soft-fail"][..]] {
        let mut args = vec!["check", project, "--as-of", "2026-06-01"];
        args.extend(["--check", "repo.*", "--format", "json"]);
        args.extend(extra);
        let (code, stdout, stderr) = assay(&args);
        assert_eq!(code, 1, "{extra:?}: {stderr}");
        let report = json(&stdout);
        assert_eq!(report["gate"]["passed"], false);
        assert_eq!(report["gate"]["unread_exports"], serde_json::json!(["iam"]));
        // No selected check read it, so no check is what failed the gate.
        let errored = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "error")
            .count();
        assert_eq!(errored, 0);
    }
    let (code, stdout, _) = assay(&[
        "check",
        project,
        "--as-of",
        "2026-06-01",
        "--check",
        "repo.*",
    ]);
    assert_eq!(code, 1);
    let gate = stdout.lines().find(|l| l.starts_with("gate:")).unwrap();
    assert_eq!(
        gate,
        "gate: FAILED (fail-on high): export `iam` could not be read"
    );
    let (_, markdown, _) = assay(&[
        "check",
        project,
        "--as-of",
        "2026-06-01",
        "--check",
        "repo.*",
        "--format",
        "markdown",
    ]);
    assert!(
        markdown.contains("Unread: export `iam` could not be read"),
        "{markdown}"
    );
}
