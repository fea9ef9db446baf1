//! Table-driven: every fixture under `fixtures/repos/` and `fixtures/projects/`
//! is evaluated and compared, exactly, with `<name>.expected.toml` beside it.
//! A fixture with an `assay.toml` adds its own checks, names its repository
//! and declares exports.
//!
//! Findings are written `path:line:column`, `path:line`, `path` or
//! `(repository)` for repository files, and `export:line` (CSV rows),
//! `export:label` or `export/pointer` for export records. With `only`, the
//! checks matching those globs are compared and must all be listed; without
//! it, every check must be listed.
//!
//! `[frameworks.ID]` (optional) asserts the framework `ID` as reported: its
//! control ids exactly and in order (`ids`), how many controls it has
//! (`count`), that every control of the built-in framework `ID` is among them
//! (`all_builtin`), and per `[frameworks.ID.control."CTRL"]` that control's
//! status and its checks in order.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use assay::engine::{self, EngineOptions};
use assay::outcome::{CheckResult, Finding};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    as_of: Option<String>,
    only: Option<Vec<String>>,
    /// Repository documents a record source skipped (`path` or `path:line`):
    /// every fixture lists all of them, so none is ever dropped unseen.
    #[serde(default)]
    skipped: Vec<String>,
    checks: BTreeMap<String, ExpectedCheck>,
    #[serde(default)]
    frameworks: BTreeMap<String, ExpectedFramework>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFramework {
    ids: Option<Vec<String>>,
    count: Option<usize>,
    #[serde(default)]
    all_builtin: bool,
    #[serde(default)]
    control: BTreeMap<String, ExpectedControl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedControl {
    status: String,
    checks: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedCheck {
    status: String,
    #[serde(default)]
    findings: Vec<String>,
    #[serde(default)]
    errors: Vec<String>,
    #[serde(default)]
    error_contains: Vec<String>,
    population: Option<usize>,
    /// A phrase the check's note must hold (a not-applicable check says why).
    note_contains: Option<String>,
}

fn location(f: &Finding) -> String {
    if let Some(export) = &f.export {
        return match (f.line, &f.label, &f.pointer) {
            (Some(line), _, _) => format!("{export}:{line}"),
            (None, Some(label), _) => format!("{export}:{label}"),
            (None, None, pointer) => format!("{export}{}", pointer.clone().unwrap_or_default()),
        };
    }
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

fn compare(name: &str, dir: &Path, expected: &ExpectedCheck, actual: &CheckResult) -> Vec<String> {
    let mut problems = Vec::new();
    let id = &actual.id;
    if actual.status.as_str() != expected.status {
        problems.push(format!(
            "{name}: {id}: status {} != expected {} ({:?})",
            actual.status, expected.status, actual.errors
        ));
    }
    let found = sorted(actual.findings.iter().map(location).collect());
    if found != sorted(expected.findings.clone()) {
        problems.push(format!(
            "{name}: {id}: findings {found:?} != expected {:?}",
            sorted(expected.findings.clone())
        ));
    }
    // Export paths are shown as declared (under the project directory); compare them relative to it.
    let prefix = format!("{}/", dir.display());
    let errors = sorted(
        actual
            .errors
            .iter()
            .map(|e| {
                e.path
                    .clone()
                    .unwrap_or_default()
                    .trim_start_matches(&prefix)
                    .to_owned()
            })
            .collect(),
    );
    if errors != sorted(expected.errors.clone()) {
        problems.push(format!(
            "{name}: {id}: errors {errors:?} != expected {:?} ({:?})",
            expected.errors, actual.errors
        ));
    }
    for needle in &expected.error_contains {
        if !actual
            .errors
            .iter()
            .any(|e| e.message.contains(needle.as_str()))
        {
            problems.push(format!(
                "{name}: {id}: no error says `{needle}`: {:?}",
                actual.errors
            ));
        }
    }
    if let Some(needle) = &expected.note_contains
        && !actual
            .note
            .as_deref()
            .is_some_and(|n| n.contains(needle.as_str()))
    {
        problems.push(format!(
            "{name}: {id}: the note does not say `{needle}`: {:?}",
            actual.note
        ));
    }
    if let Some(population) = expected.population
        && population != actual.examined
    {
        problems.push(format!(
            "{name}: {id}: population {} != expected {population}",
            actual.examined
        ));
    }
    if actual.failing != actual.findings.len() && actual.sources != ["repo"] {
        problems.push(format!(
            "{name}: {id}: failing {} but {} findings",
            actual.failing,
            actual.findings.len()
        ));
    }
    problems
}

fn compare_framework(
    name: &str,
    id: &str,
    expected: &ExpectedFramework,
    evaluation: &engine::Evaluation,
    builtin: &assay::model::Catalog,
) -> Vec<String> {
    let Some(actual) = evaluation.frameworks.iter().find(|f| f.id.as_str() == id) else {
        return vec![format!("{name}: framework {id} is not in the report")];
    };
    let mut problems = Vec::new();
    let ids: Vec<&str> = actual.controls.iter().map(|c| c.id.as_str()).collect();
    if let Some(want) = &expected.ids
        && ids != *want
    {
        problems.push(format!(
            "{name}: {id}: controls {ids:?} != expected {want:?}"
        ));
    }
    if let Some(count) = expected.count
        && ids.len() != count
    {
        problems.push(format!(
            "{name}: {id}: {} controls != expected {count}",
            ids.len()
        ));
    }
    if expected.all_builtin {
        let missing: Vec<&str> = builtin.frameworks[id]
            .controls
            .iter()
            .map(|c| c.id.as_str())
            .filter(|c| !ids.contains(c))
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "{name}: {id}: built-in controls missing: {missing:?}"
            ));
        }
    }
    for (control, want) in &expected.control {
        let Some(got) = actual.controls.iter().find(|c| c.id.as_str() == control) else {
            problems.push(format!("{name}: {id}:{control} is not in the report"));
            continue;
        };
        let checks: Vec<&str> = got.checks.iter().map(|c| c.as_str()).collect();
        if got.status.as_str() != want.status || checks != want.checks {
            problems.push(format!(
                "{name}: {id}:{control}: {} with checks {checks:?} != expected {} with {:?}",
                got.status, want.status, want.checks
            ));
        }
    }
    problems
}

fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for group in ["fixtures/repos", "fixtures/projects"] {
        for entry in std::fs::read_dir(group).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            }
        }
    }
    dirs.sort();
    dirs
}

fn selected(only: Option<&Vec<String>>, id: &str) -> bool {
    only.is_none_or(|globs| {
        globs.iter().any(|g| {
            globset::Glob::new(g)
                .unwrap()
                .compile_matcher()
                .is_match(id)
        })
    })
}

#[test]
fn every_fixture_gives_exactly_its_expected_findings() {
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 20, "fixtures missing: {dirs:?}");
    let mut problems = Vec::new();
    let empty = tempfile::tempdir().unwrap();
    let builtin = assay::load::load(empty.path()).unwrap().catalog;
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected_path = dir.with_file_name(format!("{name}.expected.toml"));
        let expected: Expected = toml::from_str(&std::fs::read_to_string(&expected_path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        let loaded = assay::load::load(&dir).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let as_of = assay::time::as_of(expected.as_of.as_deref(), Some("1780000000")).unwrap();
        let options = EngineOptions {
            as_of,
            ..EngineOptions::default()
        };
        let (_, evaluation) = engine::evaluate(&loaded.catalog, &loaded.project, options).unwrap();
        let actual: BTreeMap<String, &CheckResult> = evaluation
            .checks
            .iter()
            .filter(|c| selected(expected.only.as_ref(), c.id.as_str()))
            .map(|c| (c.id.to_string(), c))
            .collect();
        let expected_ids: Vec<&String> = expected.checks.keys().collect();
        let actual_ids: Vec<&String> = actual.keys().collect();
        assert_eq!(
            expected_ids, actual_ids,
            "{name}: the expected file must list every compared check"
        );
        let skipped: Vec<String> = evaluation
            .skipped_documents
            .iter()
            .map(|d| match d.line {
                Some(line) => format!("{}:{line}", d.path),
                None => d.path.clone(),
            })
            .collect();
        if sorted(skipped.clone()) != sorted(expected.skipped.clone()) {
            problems.push(format!(
                "{name}: skipped documents {skipped:?} != expected {:?} ({:?})",
                expected.skipped, evaluation.skipped_documents
            ));
        }
        for (id, exp) in &expected.checks {
            problems.extend(compare(&name, &dir, exp, actual[id]));
        }
        for (id, exp) in &expected.frameworks {
            problems.extend(compare_framework(&name, id, exp, &evaluation, &builtin));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
