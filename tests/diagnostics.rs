//! Every invalid definition under `fixtures/invalid/` fails to load with the
//! diagnostic its `expected.toml` names, at the right file, line and span; the
//! rendered report (no colour, fixed width) is pinned by a snapshot.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use assay::load::{self, LoadError};
use miette::Diagnostic;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    code: Option<String>,
    file: Option<String>,
    line: Option<usize>,
    label: Option<String>,
    count: Option<usize>,
}

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("fixtures/invalid")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The text under the primary label, and the 1-based line where it starts.
fn labelled(e: &LoadError) -> (String, usize, String) {
    let (file, offset) = e.position();
    let label = e
        .labels()
        .and_then(|mut l| l.next())
        .expect("a labelled span");
    let text = std::fs::read_to_string(&file).unwrap();
    let under = text[label.offset()..label.offset() + label.len()].to_owned();
    let line = text[..offset].matches('\n').count() + 1;
    (file, line, under)
}

#[test]
fn each_invalid_definition_gives_its_diagnostic_at_its_span() {
    let cases = cases();
    assert!(cases.len() >= 14, "{cases:?}");
    for dir in cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected: Expected =
            toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap()).unwrap();
        let errors = match load::load(&dir) {
            Ok(_) => panic!("{name}: loaded without errors"),
            Err(e) => e.errors,
        };
        let rendered: String = errors
            .iter()
            .map(|e| assay::cli::render(e, false))
            .collect();
        insta::assert_snapshot!(name.clone(), rendered);
        if let Some(count) = expected.count {
            assert_eq!(errors.len(), count, "{name}: {rendered}");
            let positions: Vec<_> = errors.iter().map(LoadError::position).collect();
            let mut sorted = positions.clone();
            sorted.sort();
            assert_eq!(
                positions, sorted,
                "{name}: errors are reported in file order"
            );
            continue;
        }
        assert_eq!(errors.len(), 1, "{name}: {rendered}");
        let e = &errors[0];
        assert_eq!(e.code().map(|c| c.to_string()), expected.code, "{name}");
        let (file, line, under) = labelled(e);
        let want_file = Path::new("fixtures/invalid")
            .join(&name)
            .join(expected.file.unwrap());
        assert_eq!(Path::new(&file), want_file, "{name}");
        assert_eq!(Some(line), expected.line, "{name}: line");
        assert_eq!(Some(under), expected.label, "{name}: labelled text");
    }
}

#[test]
fn duplicate_id_points_at_the_first_definition_too() {
    let errors = load::load(Path::new("fixtures/invalid/duplicate-id"))
        .unwrap_err()
        .errors;
    let related: Vec<_> = errors[0].related().expect("related diagnostics").collect();
    assert_eq!(related.len(), 1);
    let first = related[0].labels().unwrap().next().unwrap();
    let text = std::fs::read_to_string("fixtures/invalid/duplicate-id/policies/a.toml").unwrap();
    assert_eq!(
        &text[first.offset()..first.offset() + first.len()],
        "\"acme.ok\""
    );
}

#[test]
fn unknown_ids_suggest_the_closest_known_one() {
    let errors = load::load(Path::new("fixtures/invalid/unknown-check"))
        .unwrap_err()
        .errors;
    let help = errors[0].help().map(|h| h.to_string());
    assert_eq!(help.as_deref(), Some("did you mean `repo.codeowners`?"));
}

#[test]
fn the_built_in_definitions_load_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load::load(dir.path()).unwrap();
    assert!(loaded.catalog.risks.len() >= 12);
    assert!(loaded.catalog.frameworks.contains_key("soc2"));
    assert!(loaded.catalog.frameworks.contains_key("iso27001"));
}
