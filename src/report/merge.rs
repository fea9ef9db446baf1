//! `assay merge`: many repositories' JSON reports folded into one
//! organisation-level report, in the same formats.
//!
//! Each input is labelled by its project's name (else its file's stem);
//! findings, errors and exports carry the label as a path prefix so they
//! still say where they are. A check or control is as bad as its worst input:
//! fail over error over pass; not applicable only when every input is.

use super::{
    CheckReport, ControlReport, Counts, Coverage, FrameworkReport, ProjectInfo, Report, Summary,
};
use crate::model::CheckId;
use crate::outcome::Status;
use std::collections::BTreeMap;
use std::path::Path;

/// Why a report could not be merged.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum MergeError {
    #[error("cannot read report `{path}`: {message}")]
    #[diagnostic(
        code(assay::merge::read),
        help("pass JSON reports written by `assay check --format json`")
    )]
    Read { path: String, message: String },
    #[error("`{path}` is not an assay report: {message}")]
    #[diagnostic(
        code(assay::merge::format),
        help("pass JSON reports written by `assay check --format json`")
    )]
    Format { path: String, message: String },
    #[error("`{path}` has schema version {found}; this assay reads version {expected}")]
    #[diagnostic(
        code(assay::merge::version),
        help("re-run `assay check` with this version of assay")
    )]
    Version {
        path: String,
        found: u32,
        expected: u32,
    },
    #[error("no report to merge")]
    #[diagnostic(code(assay::merge::empty), help("pass at least one JSON report"))]
    Empty,
}

/// Reads and merges reports; the result is the same whatever the order of `paths`.
pub fn merge_files(
    paths: &[impl AsRef<Path>],
    name: &str,
    fail_on: crate::gate::FailOn,
) -> Result<Report, MergeError> {
    let mut labelled = Vec::with_capacity(paths.len());
    for path in paths {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| MergeError::Read {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let version = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("schema_version").and_then(serde_json::Value::as_u64));
        if let Some(found) = version.and_then(|v| u32::try_from(v).ok())
            && found != super::SCHEMA_VERSION
        {
            return Err(MergeError::Version {
                path: shown,
                found,
                expected: super::SCHEMA_VERSION,
            });
        }
        let report: Report = serde_json::from_str(&text).map_err(|e| MergeError::Format {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let stem = path
            .file_stem()
            .map_or_else(|| shown.clone(), |s| s.to_string_lossy().into_owned());
        let label = report.project.name.clone().unwrap_or(stem);
        labelled.push((label, shown, report));
    }
    // Order-independent: inputs in label order, ties by file.
    labelled.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    merge(
        labelled
            .into_iter()
            .map(|(label, _, report)| (label, report))
            .collect(),
        name,
        fail_on,
    )
}

/// Folds labelled reports into one.
pub fn merge(
    inputs: Vec<(String, Report)>,
    name: &str,
    fail_on: crate::gate::FailOn,
) -> Result<Report, MergeError> {
    let Some(first) = inputs.first() else {
        return Err(MergeError::Empty);
    };
    let tool = first.1.tool.clone();
    let as_of = inputs
        .iter()
        .map(|(_, r)| r.as_of.clone())
        .max()
        .unwrap_or_default();
    let mut targets = Vec::new();
    let mut exports = Vec::new();
    let mut imports = Vec::new();
    let mut checks: BTreeMap<CheckId, CheckReport> = BTreeMap::new();
    let mut waivers = Vec::new();
    let mut frameworks: BTreeMap<(String, Option<String>), FrameworkReport> = BTreeMap::new();
    for (label, report) in inputs {
        let prefix = |p: &str| format!("{label}/{p}");
        targets.extend(report.targets.into_iter().map(|mut t| {
            t.path = format!("{label}: {}", t.path);
            t
        }));
        exports.extend(report.exports.into_iter().map(|mut e| {
            e.name = prefix(&e.name);
            e
        }));
        imports.extend(report.imports.into_iter().map(|mut i| {
            i.name = prefix(&i.name);
            i
        }));
        for mut check in report.checks {
            for f in &mut check.result.findings {
                f.path = Some(prefix(f.path.as_deref().unwrap_or("(repository)")));
                f.export = f.export.as_deref().map(prefix);
                f.waiver = f.waiver.as_deref().map(prefix);
            }
            for e in &mut check.result.errors {
                e.path = Some(prefix(e.path.as_deref().unwrap_or("(repository)")));
            }
            match checks.get_mut(&check.result.id) {
                Some(merged) => fold_check(merged, check),
                None => {
                    checks.insert(check.result.id.clone(), check);
                }
            }
        }
        waivers.extend(report.waivers.into_iter().map(|mut w| {
            w.id = prefix(&w.id);
            w.source = prefix(&w.source);
            w
        }));
        for fw in report.frameworks {
            let key = (fw.id.to_string(), fw.baseline.clone());
            match frameworks.get_mut(&key) {
                Some(merged) => fold_framework(merged, fw),
                None => {
                    frameworks.insert(key, fw);
                }
            }
        }
    }
    let checks: Vec<CheckReport> = checks
        .into_values()
        .map(|mut c| {
            c.result
                .findings
                .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
            c.result.errors.sort();
            c
        })
        .collect();
    let frameworks: Vec<FrameworkReport> = frameworks
        .into_values()
        .map(|mut fw| {
            fw.summary = Counts::of(fw.controls.iter().map(|c| c.status));
            fw.coverage = Coverage::of(&fw.controls);
            fw
        })
        .collect();
    waivers.sort_by(|a: &crate::outcome::WaiverReport, b| a.id.cmp(&b.id));
    let gate = crate::gate::decide(
        &crate::gate::Judged::checks(checks.iter().map(|c| &c.result))
            .with_exports(&exports)
            .with_imports(&imports),
        &crate::gate::Rule::fail_on(fail_on),
    );
    Ok(Report {
        schema_version: super::SCHEMA_VERSION,
        tool,
        as_of,
        project: ProjectInfo {
            name: Some(name.to_owned()),
            config: None,
        },
        targets,
        exports,
        imports,
        gate,
        summary: Summary {
            checks: Counts::of(checks.iter().map(|c| c.result.status)),
            controls: Counts::of(
                frameworks
                    .iter()
                    .flat_map(|f| f.controls.iter().map(|c| c.status)),
            ),
        },
        checks,
        frameworks,
        risks: None,
        waivers,
        since: None,
        baseline: None,
    })
}

/// The worse of two statuses: fail, then error, then pass, then not applicable.
fn worse(a: Status, b: Status) -> Status {
    let rank = |s: Status| match s {
        Status::Fail => 5,
        Status::Error => 4,
        Status::Waived => 3,
        Status::Pass => 2,
        Status::Manual => 1,
        Status::NotApplicable => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn fold_check(merged: &mut CheckReport, other: CheckReport) {
    let (m, o) = (&mut merged.result, other.result);
    m.status = worse(m.status, o.status);
    m.examined += o.examined;
    m.failing += o.failing;
    m.findings.extend(o.findings);
    m.findings_omitted += o.findings_omitted;
    m.errors.extend(o.errors);
    if m.status != Status::NotApplicable {
        m.note = None;
    }
    for control in other.controls {
        if !merged.controls.contains(&control) {
            merged.controls.push(control);
        }
    }
}

fn fold_framework(merged: &mut FrameworkReport, other: FrameworkReport) {
    for control in other.controls {
        match merged.controls.iter_mut().find(|c| c.id == control.id) {
            Some(m) => fold_control(m, control),
            None => merged.controls.push(control),
        }
    }
}

fn fold_control(merged: &mut ControlReport, other: ControlReport) {
    let status = worse(merged.status, other.status);
    // The attestation travels with the status it explains.
    if status != merged.status {
        merged.attestation = other.attestation;
    }
    merged.status = status;
    for check in other.checks {
        if !merged.checks.contains(&check) {
            merged.checks.push(check);
        }
    }
}
