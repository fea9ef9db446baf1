//! What evaluation produces: statuses, findings and per-check results.

use crate::model::{
    Attestation, CheckId, ControlId, EvidenceFile, FrameworkId, Severity, Validity,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The status of a check or control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// Could not be evaluated: unreadable or malformed input. Never a pass.
    Error,
    /// Nothing to evaluate: no file selected.
    NotApplicable,
    /// A control with no automated checks.
    Manual,
    /// Failed, but every failing finding is covered by a waiver in force:
    /// reported, never gated.
    Waived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::NotApplicable => "not_applicable",
            Status::Manual => "manual",
            Status::Waived => "waived",
        }
    }

    /// The status as a fixed-width label, as human reports print it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::NotApplicable => "N/A",
            Status::Manual => "MANUAL",
            Status::Waived => "WAIVED",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failing item.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    /// File relative to the repository root; absent when the finding is about
    /// the repository as a whole (a required file missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, counted in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: String,
    /// The matched text, redacted unless the check allows showing it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// The export the record came from, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<String>,
    /// JSON Pointer of the record within its document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// What the record is called: a user, a resource address, a workload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Stable across commits: the check, the file or export, the item and a
    /// hash of the matched content; never the line, which shifts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The waiver in force that covers this finding, by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<String>,
    /// With `--baseline`: whether the baseline had this finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
}

impl Finding {
    /// `path:line:column`, or the file, record pointer and label of an export finding.
    pub fn location(&self) -> String {
        use std::fmt::Write;
        let mut at = self
            .path
            .clone()
            .unwrap_or_else(|| "(repository)".to_owned());
        if let Some(line) = self.line {
            let _ = write!(at, ":{line}");
            if let Some(col) = self.column {
                let _ = write!(at, ":{col}");
            }
        } else if let Some(pointer) = self.pointer.as_deref().filter(|p| !p.is_empty()) {
            let _ = write!(at, " {pointer}");
        }
        if let Some(label) = &self.label {
            let _ = write!(at, " [{label}]");
        }
        at
    }
}

/// A finding compared with the baseline (SARIF's `baselineState` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineState {
    New,
    Unchanged,
}

/// Something that kept a check from being fully evaluated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EvalError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
}

/// The result of one check over its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: CheckId,
    pub title: String,
    pub severity: Severity,
    /// `repo` for file checks; the record sources of a record check.
    pub sources: Vec<String>,
    pub assertion: String,
    pub status: Status,
    /// Files examined (file checks) or records of the population (record checks).
    pub examined: usize,
    /// How many of those failed.
    pub failing: usize,
    /// At most `--max-findings` of them, the first in report order.
    pub findings: Vec<Finding>,
    /// Findings found but not kept, beyond `--max-findings`: counted exactly,
    /// never listed.
    #[serde(default)]
    pub findings_omitted: usize,
    pub errors: Vec<EvalError>,
    /// Why a check had nothing to evaluate, or what its pass did not cover
    /// (documents of its sources skipped), when that needs saying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl CheckResult {
    /// Every finding, kept or not.
    pub fn finding_count(&self) -> usize {
        self.findings.len() + self.findings_omitted
    }
}

/// A control's status within its framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlResult {
    pub framework: FrameworkId,
    pub id: ControlId,
    pub title: String,
    pub status: Status,
    pub checks: Vec<CheckId>,
    /// For a manual control: the attestation that decides its status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<AttestationReport>,
}

/// An attestation as reported: what was stated, by whom, for when, and
/// whether it held on the as-of date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttestationReport {
    pub statement: String,
    pub attested_by: String,
    /// `YYYY-MM-DD`, the first day it holds.
    pub date: String,
    /// `YYYY-MM-DD`, the first day it no longer holds.
    pub expires: String,
    pub validity: Validity,
    pub evidence: Vec<EvidenceFile>,
    /// `file:line` of its definition.
    pub source: String,
}

impl AttestationReport {
    pub fn new(a: &Attestation, on: jiff::civil::Date) -> Self {
        Self {
            statement: a.statement.clone(),
            attested_by: a.attested_by.clone(),
            date: a.date.to_string(),
            expires: a.expires.to_string(),
            validity: a.validity(on),
            evidence: a.evidence.clone(),
            source: format!("{}:{}", a.origin.file, a.origin.line),
        }
    }
}

/// How a waiver stands on the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaiverState {
    /// In force.
    Active,
    /// In force, and expires within the warning period.
    Expiring,
    /// Past its expiry date: it no longer applies.
    Expired,
    /// Before the date it was granted: it does not apply yet.
    Pending,
    /// Would last longer than the policy allows from the as-of date: not applied.
    TooLong,
    /// An inline waiver without a reason: not applied.
    Invalid,
    /// An inline waiver, and `--no-inline-waivers` was given: not applied.
    Ignored,
}

/// A waiver as reported: what it covers, why, until when, and what it matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaiverReport {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// `framework:control`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Days from the as-of date to expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    pub state: WaiverState,
    /// Findings (or, for a control waiver, controls) it covered: 0 is unused.
    pub matched: usize,
    /// `file:line` of its definition.
    pub source: String,
    /// Written in a scanned file (`assay:ignore`).
    pub inline: bool,
}
