//! `assay test`: every check's examples, judged by the real engine.
//!
//! Each example becomes a small repository (its `files`) or one export file
//! in a temporary directory, evaluated with the check alone, as of the
//! example's date. An example passes when the check's status, and the number
//! of findings if given, are what the example declares.

use crate::engine::{self, EngineOptions};
use crate::model::{
    Catalog, Check, CheckId, Example, ExampleInput, ExportKind, ExportSpec, Format, Origin, Project,
};
use rayon::prelude::*;
use std::path::Path;

/// The verdict on one example.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleResult {
    pub check: CheckId,
    pub name: String,
    pub origin: Origin,
    pub expected: String,
    pub expected_findings: Option<usize>,
    pub got: String,
    pub findings: usize,
    /// Why the example could not run, or the check's errors.
    pub detail: Option<String>,
}

impl ExampleResult {
    pub fn passed(&self) -> bool {
        self.detail
            .as_deref()
            .is_none_or(|_| self.expected == "error")
            && self.got == self.expected
            && self.expected_findings.is_none_or(|n| n == self.findings)
    }
}

/// Runs the examples of every check in the catalog (already narrowed by `--check`).
pub fn run(catalog: &Catalog) -> Vec<ExampleResult> {
    let work: Vec<(&Check, &Example)> = catalog
        .checks
        .values()
        .flat_map(|c| c.examples.iter().map(move |e| (c, e)))
        .collect();
    work.par_iter()
        .map(|(check, example)| run_one(check, example))
        .collect()
}

fn run_one(check: &Check, example: &Example) -> ExampleResult {
    let mut result = ExampleResult {
        check: check.id.clone(),
        name: example.name.clone(),
        origin: example.origin.clone(),
        expected: example.expect.clone(),
        expected_findings: example.findings,
        got: String::new(),
        findings: 0,
        detail: None,
    };
    match evaluate(check, example) {
        Ok(r) => {
            result.got = r.status.as_str().to_owned();
            result.findings = r.finding_count();
            if !r.errors.is_empty() {
                let messages: Vec<String> = r.errors.iter().map(|e| e.message.clone()).collect();
                result.detail = Some(messages.join("; "));
            }
        }
        Err(message) => {
            result.got = "error".to_owned();
            result.detail = Some(message);
        }
    }
    result
}

fn evaluate(check: &Check, example: &Example) -> Result<crate::outcome::CheckResult, String> {
    let dir =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).map_err(|e| e.to_string())?;
    let mut exports = Vec::new();
    let mut imports = Vec::new();
    match &example.input {
        ExampleInput::Files(files) => {
            for (path, text) in files {
                write(&repo.join(path), text)?;
            }
        }
        ExampleInput::Export { kind, text } => {
            let name = format!("export.{}", extension(*kind));
            write(&dir.path().join(&name), text)?;
            exports.push(ExportSpec {
                name: "example".to_owned(),
                kind: *kind,
                path: name,
                base: dir.path().to_path_buf(),
                confined: false,
                columns: Vec::new(),
            });
        }
        ExampleInput::Import { format, text } => {
            let name = format!("import.{format}.json");
            write(&dir.path().join(&name), text)?;
            imports.push(crate::model::ImportSpec {
                name: "example".to_owned(),
                format: *format,
                path: name,
                base: dir.path().to_path_buf(),
                confined: false,
                max_age_days: None,
            });
        }
    }
    let mut catalog = Catalog::default();
    catalog.checks.insert(check.id.clone(), check.clone());
    let project = Project {
        repository: repo.clone(),
        exports,
        imports,
        frameworks: Some(Vec::new()),
        ..Project::default()
    };
    let options = EngineOptions {
        as_of: example.as_of,
        ..EngineOptions::default()
    };
    let (_, evaluation) =
        engine::evaluate(&catalog, &project, options).map_err(|e| e.to_string())?;
    evaluation
        .checks
        .into_iter()
        .next()
        .ok_or_else(|| "the check did not run".to_owned())
}

fn extension(kind: ExportKind) -> &'static str {
    match kind.format() {
        Format::Csv => "csv",
        Format::Json => "json",
        Format::Yaml => "yaml",
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::write(path, text).map_err(|e| e.to_string())
}
