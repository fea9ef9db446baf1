//! Table-driven: every repository under `fixtures/repos/` is evaluated and
//! compared, exactly, with `<name>.expected.toml` beside it. A fixture with an
//! `assay.toml` adds its own checks and names its repository.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use assay::engine::{self, EngineOptions};
use assay::outcome::{CheckResult, Finding};
use assay::walk::{self, WalkOptions};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    checks: BTreeMap<String, ExpectedCheck>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedCheck {
    status: String,
    #[serde(default)]
    findings: Vec<String>,
    #[serde(default)]
    errors: Vec<String>,
    skipped_binary: Option<usize>,
}

fn location(f: &Finding) -> String {
    let mut s = f.path.clone().unwrap_or_else(|| "(repository)".into());
    if let Some(line) = f.line {
        s.push_str(&format!(":{line}"));
    }
    if let Some(col) = f.column {
        s.push_str(&format!(":{col}"));
    }
    s
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn compare(name: &str, expected: &ExpectedCheck, actual: &CheckResult) -> Vec<String> {
    let mut problems = Vec::new();
    let id = &actual.id;
    if actual.status.as_str() != expected.status {
        problems.push(format!(
            "{name}: {id}: status {} != expected {}",
            actual.status, expected.status
        ));
    }
    let found = sorted(actual.findings.iter().map(location).collect());
    if found != sorted(expected.findings.clone()) {
        problems.push(format!(
            "{name}: {id}: findings {found:?} != expected {:?}",
            sorted(expected.findings.clone())
        ));
    }
    let errors = sorted(
        actual
            .errors
            .iter()
            .map(|e| e.path.clone().unwrap_or_default())
            .collect(),
    );
    if errors != sorted(expected.errors.clone()) {
        problems.push(format!(
            "{name}: {id}: errors {errors:?} != expected {:?}",
            expected.errors
        ));
    }
    if let Some(skipped) = expected.skipped_binary
        && skipped != actual.skipped_binary
    {
        problems.push(format!(
            "{name}: {id}: skipped_binary {} != expected {skipped}",
            actual.skipped_binary
        ));
    }
    problems
}

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/repos");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_fixture_repository_gives_exactly_its_expected_findings() {
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 3, "fixtures missing: {dirs:?}");
    let mut problems = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected_path = dir.with_file_name(format!("{name}.expected.toml"));
        let expected: Expected = toml::from_str(&std::fs::read_to_string(&expected_path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        let loaded = assay::load::load(&dir).unwrap();
        let tree = walk::walk(&loaded.project.repository, WalkOptions::default()).unwrap();
        let evaluation = engine::evaluate(
            &loaded.catalog,
            &loaded.project,
            &tree,
            EngineOptions::default(),
        );
        let actual: BTreeMap<String, &CheckResult> = evaluation
            .checks
            .iter()
            .map(|c| (c.id.to_string(), c))
            .collect();
        let expected_ids: Vec<&String> = expected.checks.keys().collect();
        let actual_ids: Vec<&String> = actual.keys().collect();
        assert_eq!(
            expected_ids, actual_ids,
            "{name}: the expected file must list every check"
        );
        for (id, exp) in &expected.checks {
            problems.extend(compare(&name, exp, actual[id]));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
