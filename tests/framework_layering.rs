//! Issue 13: a project's `frameworks/ID.toml` with a built-in framework's id
//! extends it field by field, and replaces it only with `replace = true`.
//! Each test builds its project in a temporary directory and compares the
//! loaded framework with the built-in one.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use assay::load::{self, Layering, LoadError};
use assay::model::{Control, Framework};
use miette::Diagnostic;

/// A project whose only definition is `frameworks/soc2.toml` = `soc2`.
fn project(soc2: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("assay.toml"), "[project]\nname = \"t\"\n").unwrap();
    std::fs::create_dir(dir.path().join("frameworks")).unwrap();
    std::fs::write(dir.path().join("frameworks/soc2.toml"), soc2).unwrap();
    dir
}

fn builtin_soc2() -> Framework {
    let empty = tempfile::tempdir().unwrap();
    load::load(empty.path()).unwrap().catalog.frameworks["soc2"].clone()
}

fn control<'a>(fw: &'a Framework, id: &str) -> &'a Control {
    fw.controls
        .iter()
        .find(|c| c.id.as_str() == id)
        .unwrap_or_else(|| panic!("no control {id}"))
}

fn effect(control: &Control, risk: &str) -> Option<f64> {
    control
        .mitigates
        .iter()
        .find(|m| m.risk.as_str() == risk)
        .map(|m| m.effect)
}

fn errors(soc2: &str) -> Vec<LoadError> {
    let dir = project(soc2);
    match load::load(dir.path()) {
        Ok(_) => panic!("loaded without errors:\n{soc2}"),
        Err(e) => e.errors,
    }
}

fn codes(errors: &[LoadError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| e.code().map(|c| c.to_string()).unwrap_or_default())
        .collect()
}

#[test]
fn issue_13_an_extension_merges_field_by_field() {
    let builtin = builtin_soc2();
    let dir = project(
        r#"
[framework]
id = "soc2"
version = "2026 scope"
baselines = ["type1"]

[[control]]
id = "CC6.1"
title = "Access to production is restricted and authenticated"
checks = ["repo.secrets.aws-access-key", "repo.codeowners"]
mitigates = { "account-takeover" = 0.9, "ransomware" = 0.2 }

[[control]]
id = "ACME-1"
title = "Owners review changes"
checks = ["repo.codeowners"]
baselines = ["type1"]
"#,
    );
    let loaded = load::load(dir.path()).unwrap();
    let fw = &loaded.catalog.frameworks["soc2"];
    // Framework fields: given ones replace, the rest stay; baselines add.
    assert_eq!(fw.name, builtin.name);
    assert_eq!(fw.version, "2026 scope");
    assert_eq!(fw.publisher, builtin.publisher);
    assert_eq!(fw.baselines, ["type1"]);
    // Built-in controls first, in their order, then the added one.
    let ids: Vec<&str> = fw.controls.iter().map(|c| c.id.as_str()).collect();
    let mut want: Vec<&str> = builtin.controls.iter().map(|c| c.id.as_str()).collect();
    want.push("ACME-1");
    assert_eq!(ids, want);
    let (was, now) = (control(&builtin, "CC6.1"), control(fw, "CC6.1"));
    assert_eq!(
        now.title,
        "Access to production is restricted and authenticated"
    );
    // A check already there is kept once; a new one is added after the built-in's.
    let mut checks = was.checks.clone();
    checks.push(assay::model::CheckId::new("repo.codeowners"));
    assert_eq!(now.checks, checks);
    // A mapped risk's effect is set, a new risk is added, the others stay.
    assert_eq!(effect(was, "account-takeover"), Some(0.5));
    assert_eq!(effect(now, "account-takeover"), Some(0.9));
    assert_eq!(effect(now, "ransomware"), Some(0.2));
    assert_eq!(
        effect(now, "cloud-credential-leak"),
        effect(was, "cloud-credential-leak")
    );
    assert_eq!(now.mitigates.len(), was.mitigates.len() + 1);
    assert_eq!((now.function, &now.overlap), (was.function, &was.overlap));
    // Every other control is the built-in's.
    assert_eq!(
        control(fw, "CC6.2").checks,
        control(&builtin, "CC6.2").checks
    );
    assert_eq!(control(fw, "ACME-1").baselines, ["type1"]);
    assert_eq!(
        loaded.layering,
        [Layering::Extended {
            framework: assay::model::FrameworkId::new("soc2"),
            added: 1,
            changed: 1,
        }]
    );
}

#[test]
fn issue_13_replace_false_is_an_extension() {
    let dir = project(
        "[framework]\nid = \"soc2\"\nreplace = false\n\n[[control]]\nid = \"CC6.1\"\nchecks = [\"repo.codeowners\"]\n",
    );
    let loaded = load::load(dir.path()).unwrap();
    assert_eq!(
        loaded.catalog.frameworks["soc2"].controls.len(),
        builtin_soc2().controls.len()
    );
}

#[test]
fn issue_13_replace_true_defines_the_framework_whole() {
    let dir = project(
        "[framework]\nid = \"soc2\"\nname = \"SOC 2, our scope\"\nreplace = true\n\n[[control]]\nid = \"CC6.1\"\ntitle = \"Access\"\n",
    );
    let loaded = load::load(dir.path()).unwrap();
    let fw = &loaded.catalog.frameworks["soc2"];
    assert_eq!(fw.name, "SOC 2, our scope");
    // Nothing of the built-in survives: not its version, not CC6.1's checks.
    assert_eq!(fw.version, "");
    assert_eq!(fw.controls.len(), 1);
    assert!(fw.controls[0].checks.is_empty());
    assert!(matches!(
        &loaded.layering[..],
        [Layering::Replaced {
            builtin_controls: 61,
            controls: 1,
            ..
        }]
    ));
}

#[test]
fn issue_13_a_merged_control_cannot_change_function_overlap_or_baselines() {
    let errors = errors(
        r#"
[framework]
id = "soc2"
baselines = ["type1"]

[[control]]
id = "CC6.1"
function = "detect"
overlap = "access"
baselines = ["type1"]
"#,
    );
    // All three collected, each at its own value.
    assert_eq!(codes(&errors), ["assay::load::field_not_mergeable"; 3]);
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    for field in ["function", "overlap", "baselines"] {
        assert!(
            messages.iter().any(|m| m.contains(&format!("`{field}`"))),
            "{messages:?}"
        );
    }
}

#[test]
fn issue_13_references_of_a_merged_control_are_checked() {
    let errors = errors(
        r#"
[framework]
id = "soc2"

[[control]]
id = "CC6.1"
checks = ["repo.codeowner"]
mitigates = { "ransomwar" = 0.2, "ransomware" = -0.1 }
"#,
    );
    assert_eq!(
        codes(&errors),
        [
            "assay::load::unknown_reference",
            "assay::load::unknown_reference",
            "assay::load::effect_out_of_range",
        ]
    );
}

#[test]
fn issue_13_a_control_named_twice_in_an_extension_is_a_duplicate() {
    let errors = errors(
        "[framework]\nid = \"soc2\"\n\n[[control]]\nid = \"CC6.1\"\n\n[[control]]\nid = \"CC6.1\"\n",
    );
    assert_eq!(codes(&errors), ["assay::load::duplicate_id"]);
}

#[test]
fn issue_13_an_extension_with_an_error_leaves_the_built_in_selectable() {
    // `soc2` still resolves to the built-in, and `soc2@type1` (a baseline
    // the broken file may have meant to add) is not called unknown: only
    // the extension's own error is reported.
    let dir = project("[framework]\nid = \"soc2\"\nnmae = \"typo\"\n");
    std::fs::write(
        dir.path().join("assay.toml"),
        "[project]\nname = \"t\"\nframeworks = [\"soc2\", \"soc2@type1\"]\n",
    )
    .unwrap();
    let errors = load::load(dir.path()).unwrap_err().errors;
    assert_eq!(codes(&errors), ["assay::load::unknown_field"]);
}
