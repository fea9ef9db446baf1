//! Baselines: a run against the demo's own baseline gates only on a newly
//! planted violation; fingerprints survive lines inserted above a finding;
//! a previous report as baseline gates a control that regressed.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn assay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .output()
        .unwrap()
}

fn copy_demo(to: &Path) {
    let status = Command::new("cp")
        .args(["-r", "examples/acme"])
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn the_demo_against_its_baseline_gates_only_on_a_new_violation() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("acme");
    copy_demo(&demo);
    let demo = demo.to_str().unwrap();
    let base = dir.path().join("baseline.json");
    let base = base.to_str().unwrap();
    let first = assay(&[
        "check",
        demo,
        "--as-of",
        "2026-11-20",
        "--write-baseline",
        base,
    ]);
    assert_eq!(first.status.code(), Some(1), "the demo fails its gate");
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(base).unwrap()).unwrap();
    assert_eq!(recorded["format"], "assay-baseline/1");
    let entries = recorded["findings"].as_array().unwrap().len();
    assert!(entries >= 10, "{entries}");

    // Nothing new: the gate passes, and every finding is unchanged.
    let same = assay(&[
        "check",
        demo,
        "--as-of",
        "2026-11-20",
        "--baseline",
        base,
        "--format",
        "json",
    ]);
    assert_eq!(same.status.code(), Some(0));
    let r = json(&same);
    assert_eq!(r["baseline"]["new"], 0);
    assert_eq!(r["baseline"]["unchanged"], entries);
    assert!(r["gate"]["gated"].as_array().unwrap().is_empty());

    // Lines inserted above old findings move them, and they stay unchanged;
    // a key planted in another file is new, and gates alone.
    let settings = Path::new(demo).join("service/app/settings.py");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, format!("# moved\n# down\n# three lines\n{text}")).unwrap();
    let main = Path::new(demo).join("service/app/main.py");
    let mut code = std::fs::read_to_string(&main).unwrap();
    code.push_str("\nBACKUP_KEY = \"AKIAJ7QWERTYUIOPASDF\"\n");
    std::fs::write(&main, code).unwrap();
    let planted = assay(&[
        "check",
        demo,
        "--as-of",
        "2026-11-20",
        "--baseline",
        base,
        "--format",
        "json",
    ]);
    assert_eq!(planted.status.code(), Some(1));
    let r = json(&planted);
    assert_eq!(
        r["gate"]["gated"],
        serde_json::json!(["repo.secrets.aws-access-key"])
    );
    assert_eq!(r["baseline"]["new"], 1);
    assert_eq!(r["baseline"]["unchanged"], entries);
    let keys = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "repo.secrets.aws-access-key")
        .unwrap();
    for f in keys["findings"].as_array().unwrap() {
        let want = if f["path"] == "app/main.py" {
            "new"
        } else {
            "unchanged"
        };
        assert_eq!(f["baseline"], want, "{f}");
    }

    // Fixing an old finding lists it as fixed.
    std::fs::remove_file(Path::new(demo).join("service/deploy/bastion_ed25519")).unwrap();
    let fixed = assay(&["check", demo, "--as-of", "2026-11-20", "--baseline", base]);
    let text = String::from_utf8_lossy(&fixed.stdout);
    assert!(text.contains("1 fixed"), "{text}");
    assert!(
        text.contains("fixed      repo.secrets.private-key deploy/bastion_ed25519"),
        "{text}"
    );
}

#[test]
fn a_previous_report_as_baseline_gates_a_regressed_control() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    std::fs::create_dir_all(project.join("repo")).unwrap();
    std::fs::create_dir_all(project.join("frameworks")).unwrap();
    std::fs::write(
        project.join("repo/SECURITY.md"),
        "Mail security@example.com\n",
    )
    .unwrap();
    std::fs::write(
        project.join("assay.toml"),
        "[project]\nname = \"r\"\nframeworks = [\"own\"]\nrepository = \"repo\"\n",
    )
    .unwrap();
    let framework = |checks: &str| {
        format!(
            "[framework]\nid = \"own\"\nname = \"Own\"\nversion = \"1\"\n\n[[control]]\nid = \"OWN-1\"\ntitle = \"Reporting and ownership\"\nchecks = [{checks}]\n"
        )
    };
    std::fs::write(
        project.join("frameworks/own.toml"),
        framework("\"repo.security-policy\""),
    )
    .unwrap();
    let p = project.to_str().unwrap();
    let before = assay(&["check", p, "--as-of", "2026-11-20", "--format", "json"]);
    let report = project.join("before.json");
    std::fs::write(&report, &before.stdout).unwrap();
    assert_eq!(
        json(&before)["frameworks"][0]["controls"][0]["status"],
        "pass"
    );

    // The control now also needs code owners: its findings existed before
    // (the check ran), but the control passed then and fails now.
    std::fs::write(
        project.join("frameworks/own.toml"),
        framework("\"repo.security-policy\", \"repo.codeowners\""),
    )
    .unwrap();
    let after = assay(&[
        "check",
        p,
        "--as-of",
        "2026-11-20",
        "--format",
        "json",
        "--baseline",
        report.to_str().unwrap(),
    ]);
    let r = json(&after);
    assert_eq!(after.status.code(), Some(1));
    assert_eq!(r["baseline"]["new"], 0);
    assert_eq!(
        r["baseline"]["regressions"],
        serde_json::json!(["own:OWN-1"])
    );
    assert_eq!(r["gate"]["gated"], serde_json::json!(["repo.codeowners"]));
}

#[test]
fn an_unreadable_baseline_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("b.json");
    std::fs::write(&junk, "{\"something\": 1}").unwrap();
    let out = assay(&[
        "check",
        "examples/acme",
        "--baseline",
        junk.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither a baseline"));
    let out = assay(&[
        "check",
        "examples/acme",
        "--baseline",
        "/nonexistent/b.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_unwritable_baseline_is_a_usage_error_naming_it() {
    let out = assay(&[
        "check",
        "examples/acme",
        "--write-baseline",
        "/nonexistent/dir/b.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot write `/nonexistent/dir/b.json`")
    );
}

/// Issue 13: a check that did not run has no verdict on its baseline
/// findings. With `--check` (and so with `--since`, which selects checks the
/// same way) the other checks' findings are "not evaluated", never "fixed".
#[test]
fn findings_of_checks_that_did_not_run_are_not_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("baseline.json");
    let base = base.to_str().unwrap();
    let demo = ["check", "examples/acme", "--as-of", "2026-11-20"];
    let first = assay(&[&demo[..], &["--write-baseline", base]].concat());
    assert_eq!(first.status.code(), Some(1));
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(base).unwrap()).unwrap();
    let all = recorded["findings"].as_array().unwrap();
    let mfa = all
        .iter()
        .filter(|e| e["check"] == "aws.iam.console-mfa")
        .count();
    assert_eq!(mfa, 2);

    let only = [
        &demo[..],
        &["--baseline", base, "--check", "aws.iam.console-mfa"],
    ]
    .concat();
    let report = json(&assay(&[&only[..], &["--format", "json"]].concat()));
    let b = &report["baseline"];
    assert_eq!(b["unchanged"], 2, "{b}");
    assert_eq!(b["fixed"], serde_json::json!([]), "{b}");
    let not_evaluated = b["not_evaluated"].as_array().unwrap();
    assert_eq!(not_evaluated.len(), all.len() - mfa, "{b}");
    assert!(
        not_evaluated
            .iter()
            .all(|e| e["check"] != "aws.iam.console-mfa")
    );

    let human = assay(&only);
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains(", 0 fixed"), "{text}");
    assert!(
        text.contains(&format!(
            "not evaluated: {} baseline findings of checks that did not run:",
            all.len() - mfa
        )),
        "{text}"
    );
    assert!(!text.contains("  fixed "), "{text}");
}
