//! The GitHub Action (`action.yml`): valid action metadata by SchemaStore's
//! schema (check-jsonschema, a peer tool `./scripts/test` installs and names
//! in `ASSAY_CHECK_JSONSCHEMA`), every input reaching the shell through the
//! environment only, every action it uses pinned, and its check step run for
//! real with bash on the demo, as a runner would run it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn action() -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string("action.yml").unwrap()).unwrap()
}

fn steps() -> Vec<Value> {
    action()["runs"]["steps"].as_array().unwrap().clone()
}

fn step(id: &str) -> Value {
    steps()
        .into_iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step `{id}`"))
}

fn schema_check(tool: &str, schema: &str, file: &Path) -> (bool, String) {
    let out = Command::new(tool)
        .args(["--builtin-schema", schema])
        .arg(file)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn the_action_is_valid_metadata_and_a_broken_copy_is_not() {
    let Some(tool) = common::check_jsonschema() else {
        return;
    };
    let (ok, text) = schema_check(&tool, "vendor.github-actions", Path::new("action.yml"));
    assert!(ok, "{text}");
    // The validator is not a rubber stamp: an action without `runs.using` is refused.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("action.yml");
    let text = std::fs::read_to_string("action.yml").unwrap();
    std::fs::write(&broken, text.replace("using: composite", "usin: composite")).unwrap();
    let (ok, text) = schema_check(&tool, "vendor.github-actions", &broken);
    assert!(!ok, "a broken action passed: {text}");
}

#[test]
fn no_script_interpolates_an_expression() {
    for step in steps() {
        if let Some(run) = step["run"].as_str() {
            assert!(
                !run.contains("${{"),
                "an expression inside a script can inject a command: {run}"
            );
        }
    }
}

#[test]
fn every_input_is_declared_used_and_documented() {
    let action = action();
    let declared: Vec<&String> = action["inputs"].as_object().unwrap().keys().collect();
    let text = std::fs::read_to_string("action.yml").unwrap();
    let used = regex::Regex::new(r"inputs\.([a-z-]+)").unwrap();
    let used: std::collections::BTreeSet<&str> = used
        .captures_iter(&text)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    for name in &used {
        assert!(
            declared.iter().any(|d| d == name),
            "`inputs.{name}` is not declared"
        );
    }
    for name in &declared {
        assert!(used.contains(name.as_str()), "input `{name}` is never used");
        assert!(
            action["inputs"][name.as_str()]["description"].is_string(),
            "input `{name}` has no description"
        );
    }
}

#[test]
fn every_action_it_uses_is_pinned_to_a_commit() {
    let pinned = regex::Regex::new(r"^[^./\s][^@\s]*@[0-9a-f]{40}$").unwrap();
    let uses: Vec<String> = steps()
        .iter()
        .filter_map(|s| s["uses"].as_str().map(str::to_owned))
        .collect();
    assert!(uses.len() >= 2, "{uses:?}");
    for u in uses {
        assert!(pinned.is_match(&u), "`{u}` is not pinned to a commit SHA");
    }
}

/// Runs the check step's script with bash, as a runner would: the inputs in
/// the environment, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` as files, and the
/// built assay on `PATH`.
struct StepRun {
    outputs: String,
    summary: String,
    dir: tempfile::TempDir,
}

fn run_check_step(inputs: &[(&str, &str)]) -> StepRun {
    let script = step("check")["run"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_assay")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let outputs = dir.path().join("output");
    let summary = dir.path().join("summary");
    let mut cmd = Command::new("bash");
    // GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
        .current_dir(std::env::current_dir().unwrap())
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", dir.path())
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH");
    let defaults = action();
    for (name, spec) in defaults["inputs"].as_object().unwrap() {
        let value = inputs.iter().find(|(n, _)| n == name).map_or_else(
            || spec["default"].as_str().unwrap().to_owned(),
            |(_, v)| (*v).to_owned(),
        );
        cmd.env(
            format!("INPUT_{}", name.to_uppercase().replace('-', "_")),
            value,
        );
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "the check step itself failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    StepRun {
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        dir,
    }
}

#[test]
fn the_check_step_reports_the_demo_and_hands_the_gate_on() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("assay.sarif");
    let run = run_check_step(&[
        ("path", "examples/acme"),
        ("args", "--as-of 2026-11-20"),
        ("sarif", sarif.to_str().unwrap()),
    ]);
    assert!(run.outputs.contains("exit-code=1\n"), "{}", run.outputs);
    assert!(
        run.outputs
            .contains(&format!("sarif={}\n", sarif.display())),
        "{}",
        run.outputs
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "repo.secrets.aws-access-key"),
        "the planted key is not in the SARIF log"
    );
    assert!(run.summary.contains("gate failed"), "{}", run.summary);
    assert!(
        run.summary.contains("repo.secrets.aws-access-key"),
        "{}",
        run.summary
    );
}

#[test]
fn inline_waivers_are_ignored_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("s.sarif");
    let waived = |value: &str| {
        let run = run_check_step(&[
            ("path", "fixtures/waivers/project"),
            ("args", "--as-of 2026-11-20"),
            ("no-inline-waivers", value),
            ("sarif", sarif.to_str().unwrap()),
        ]);
        run.summary
            .lines()
            .find(|l| l.starts_with("Waived findings: "))
            .unwrap_or_else(|| panic!("{}", run.summary))
            .to_owned()
    };
    // The fixture holds one valid inline waiver beside its waivers.toml ones.
    assert_eq!(waived("true"), "Waived findings: 2");
    assert_eq!(waived("false"), "Waived findings: 3");
}

#[test]
fn soft_fail_and_fail_on_reach_assay() {
    let run = run_check_step(&[
        ("path", "examples/acme"),
        ("args", "--as-of 2026-11-20"),
        ("soft-fail", "true"),
        ("upload-sarif", "false"),
        ("sarif", "/dev/null/none"),
    ]);
    // The SARIF path cannot be written: assay says so and exits 2, which the step hands on.
    assert!(run.outputs.contains("exit-code=2\n"), "{}", run.outputs);
    let sarif = run.dir.path().join("a.sarif");
    let run = run_check_step(&[
        ("path", "examples/acme"),
        ("args", "--as-of 2026-11-20"),
        ("soft-fail", "true"),
        ("sarif", sarif.to_str().unwrap()),
    ]);
    assert!(run.outputs.contains("exit-code=0\n"), "{}", run.outputs);
    let run = run_check_step(&[
        ("path", "examples/acme"),
        ("args", "--as-of 2026-11-20"),
        ("fail-on", "none"),
        ("sarif", sarif.to_str().unwrap()),
    ]);
    assert!(run.outputs.contains("exit-code=0\n"), "{}", run.outputs);
}

#[test]
fn an_input_cannot_run_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let planted = dir.path().join("pwned");
    let p = planted.display();
    let run = run_check_step(&[
        ("path", &format!("examples/acme;touch {p}")),
        (
            "args",
            &format!("$(touch {p}) `touch {p}` --as-of 2026-11-20"),
        ),
        ("framework", &format!("soc2;touch {p} *")),
        ("sarif", dir.path().join("s.sarif").to_str().unwrap()),
    ]);
    assert!(!planted.exists(), "an input ran a command");
    // The words reached assay as arguments, and it refused them.
    assert!(run.outputs.contains("exit-code=2\n"), "{}", run.outputs);
}

#[test]
fn the_last_step_exits_with_assays_code() {
    let last = steps().last().unwrap().clone();
    let script = last["run"].as_str().unwrap();
    for (code, want) in [("0", 0), ("1", 1), ("2", 2), ("", 2)] {
        let status = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .env("EXIT_CODE", code)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(want), "EXIT_CODE={code:?}");
    }
}

#[test]
fn the_readme_uses_the_action_with_its_inputs() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let at = readme
        .find("uses: assay-compliance/assay@")
        .expect("the README shows the action");
    let block = &readme[at..];
    let block = &block[..block.find("```").unwrap()];
    let action = action();
    let with = regex::Regex::new(r"(?m)^\s+([a-z-]+):").unwrap();
    let after_with = &block[block.find("with:").expect("the README passes inputs")..];
    let names: Vec<&str> = with
        .captures_iter(after_with)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert!(!names.is_empty());
    for name in names {
        assert!(
            action["inputs"].get(name).is_some(),
            "the README passes `{name}`, which the action does not declare"
        );
    }
}
