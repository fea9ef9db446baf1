//! The control matrix as CSV, for the spreadsheets GRC staff keep: a row per
//! control of every framework in the report, with its status, the checks and
//! risks behind it, how much evidence it has, and what its checks did not
//! judge.
//!
//! RFC 4180: fields quoted when they need it, CRLF line ends. Titles come
//! from framework files anyone can write, and a spreadsheet runs a cell that
//! starts with `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(...)` sends
//! data out), so such a cell, and one starting with a tab or carriage return,
//! is prefixed with `'`, as OWASP advises: shown as text, never run.

use super::{CheckReport, ControlReport, FrameworkReport, Report};
use crate::model::Validity;
use std::collections::HashMap;

pub const HEADER: [&str; 8] = [
    "framework",
    "control",
    "title",
    "status",
    "checks",
    "risks",
    "evidence",
    "notes",
];

/// The matrix, header first.
pub fn render(report: &Report) -> String {
    let checks: HashMap<&str, &CheckReport> = report
        .checks
        .iter()
        .map(|c| (c.result.id.as_str(), c))
        .collect();
    let mut rows = vec![HEADER.map(str::to_owned)];
    for fw in &report.frameworks {
        rows.extend(fw.controls.iter().map(|c| row(fw, c, &checks)));
    }
    // Writing to memory fails only on a bug; an empty matrix says so less
    // harmfully than a half-written one.
    write(&rows).unwrap_or_default()
}

fn row(
    fw: &FrameworkReport,
    control: &ControlReport,
    checks: &HashMap<&str, &CheckReport>,
) -> [String; 8] {
    let framework = fw.label();
    let check_ids: Vec<&str> = control.checks.iter().map(|c| c.as_str()).collect();
    let risks: Vec<&str> = control.mitigates.iter().map(|m| m.risk.as_str()).collect();
    [
        framework,
        control.id.clone(),
        control.title.clone(),
        control.status.to_string(),
        check_ids.join("; "),
        risks.join("; "),
        evidence(control, checks).to_string(),
        notes(control, checks),
    ]
}

/// What the control's checks did not judge: why one was not applicable, or
/// what a pass did not cover (documents skipped), as `check: note`.
fn notes(control: &ControlReport, checks: &HashMap<&str, &CheckReport>) -> String {
    let notes: Vec<String> = control
        .checks
        .iter()
        .filter_map(|id| checks.get(id.as_str()))
        .filter_map(|c| {
            c.result
                .note
                .as_ref()
                .map(|n| format!("{}: {n}", c.result.id))
        })
        .collect();
    notes.join("; ")
}

/// Findings across the control's checks; for a manual control, the evidence
/// files of an attestation valid on the as-of date.
fn evidence(control: &ControlReport, checks: &HashMap<&str, &CheckReport>) -> usize {
    if control.checks.is_empty() {
        return match &control.attestation {
            Some(a) if a.validity == Validity::Valid => a.evidence.len(),
            _ => 0,
        };
    }
    control
        .checks
        .iter()
        .filter_map(|id| checks.get(id.as_str()))
        .map(|c| c.result.finding_count())
        .sum()
}

fn write(rows: &[[String; 8]]) -> Result<String, Box<dyn std::error::Error>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        w.write_record(row.iter().map(|cell| neutralise(cell)))?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes)?)
}

/// A cell a spreadsheet would run as a formula, made text.
fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_text() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for c in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(c), format!("'{c}"));
        }
        assert_eq!(neutralise("a=b"), "a=b");
    }
}
