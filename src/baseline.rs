//! Baselines: gate on what a change made worse, not on years of history.
//!
//! `--write-baseline FILE` records every finding by fingerprint (see
//! [`crate::fingerprint`]: never by line). `--baseline FILE` then gates only
//! on findings whose fingerprint is not in it and lists the fixed ones. A
//! previous JSON report serves as a baseline too, and then a control that
//! passed in it and fails now is a regression, gated even when every one of
//! its findings is old.

use crate::model::CheckId;
use crate::outcome::{BaselineState, Status};
use crate::report::Report;
pub use crate::report::{BaselineReport, Entry};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Names the baseline file format.
pub const FORMAT: &str = "assay-baseline/1";

/// The file `--write-baseline` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    pub format: String,
    pub as_of: String,
    pub findings: Vec<Entry>,
}

/// A baseline as read: findings, and (from a report) control statuses.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub source: String,
    pub findings: Vec<Entry>,
    /// `framework:control` → status, when the baseline is a report.
    pub controls: BTreeMap<String, Status>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot read the baseline `{path}`: {message}")]
#[diagnostic(
    code(assay::baseline::read),
    help(
        "give a file written by `assay check --write-baseline`, or a JSON report of `assay check --format json`"
    )
)]
pub struct BaselineError {
    pub path: String,
    pub message: String,
}

/// The baseline of a report: every finding with its fingerprint.
pub fn of(report: &Report) -> BaselineFile {
    let mut findings: Vec<Entry> = report
        .checks
        .iter()
        .flat_map(|c| {
            c.result.findings.iter().filter_map(move |f| {
                Some(Entry {
                    fingerprint: f.fingerprint.clone()?,
                    check: c.result.id.clone(),
                    location: f.location(),
                })
            })
        })
        .collect();
    findings.sort();
    BaselineFile {
        format: FORMAT.to_owned(),
        as_of: report.as_of.clone(),
        findings,
    }
}

/// Reads a baseline file or a previous JSON report.
pub fn read(path: &std::path::Path) -> Result<Baseline, BaselineError> {
    let fail = |message: String| BaselineError {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
    let source = path.display().to_string();
    if value.get("format").and_then(|f| f.as_str()) == Some(FORMAT) {
        let file: BaselineFile = serde_json::from_value(value).map_err(|e| fail(e.to_string()))?;
        return Ok(Baseline {
            source,
            findings: file.findings,
            controls: BTreeMap::new(),
        });
    }
    if value.get("schema_version").is_some() {
        let report: Report = serde_json::from_value(value)
            .map_err(|e| fail(format!("not a report of this version: {e}")))?;
        let controls = report
            .frameworks
            .iter()
            .flat_map(|fw| {
                fw.controls
                    .iter()
                    .map(move |c| (format!("{}:{}", fw.id, c.id), c.status))
            })
            .collect();
        return Ok(Baseline {
            source,
            findings: of(&report).findings,
            controls,
        });
    }
    Err(fail(
        "neither a baseline (`format`) nor a report (`schema_version`)".to_owned(),
    ))
}

/// Marks each finding new or unchanged, names the fixed ones and the
/// regressed controls; the gate ([`crate::gate`]) then weighs only what is
/// new or regressed.
pub fn apply(report: &mut Report, baseline: &Baseline) {
    let known: BTreeSet<&str> = baseline
        .findings
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    let mut present: BTreeSet<String> = BTreeSet::new();
    let (mut new, mut unchanged) = (0, 0);
    for check in &mut report.checks {
        for f in &mut check.result.findings {
            let Some(fp) = &f.fingerprint else { continue };
            present.insert(fp.clone());
            if known.contains(fp.as_str()) {
                f.baseline = Some(BaselineState::Unchanged);
                unchanged += 1;
            } else {
                f.baseline = Some(BaselineState::New);
                new += 1;
            }
        }
    }
    let regressions: Vec<String> = report
        .frameworks
        .iter()
        .flat_map(|fw| {
            fw.controls.iter().filter_map(move |c| {
                let id = format!("{}:{}", fw.id, c.id);
                let before = baseline.controls.get(&id)?;
                (*before == Status::Pass && c.status == Status::Fail).then_some(id)
            })
        })
        .collect();
    // A finding of a check that omitted some may only be among those omitted.
    let incomplete: BTreeSet<&CheckId> = report
        .checks
        .iter()
        .filter(|c| c.result.findings_omitted > 0)
        .map(|c| &c.result.id)
        .collect();
    // Only a check that ran and judged all its inputs can say a finding is
    // gone: one skipped by `--since`, left out by `--check` or that could not
    // read an input has no verdict on its baseline findings.
    let judged: BTreeSet<&CheckId> = report
        .checks
        .iter()
        .filter(|c| c.result.status != Status::Error && c.result.errors.is_empty())
        .map(|c| &c.result.id)
        .collect();
    let (fixed, not_evaluated): (Vec<Entry>, Vec<Entry>) = baseline
        .findings
        .iter()
        .filter(|e| !present.contains(&e.fingerprint) && !incomplete.contains(&e.check))
        .cloned()
        .partition(|e| judged.contains(&e.check));
    report.baseline = Some(BaselineReport {
        source: baseline.source.clone(),
        new,
        unchanged,
        fixed,
        not_evaluated,
        regressions,
    });
}
