//! Serde mirrors of the definition files. Unknown fields are errors, and
//! values that later checks point at keep their spans.

use crate::model::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// A file of `[[check]]` tables (`policies/*.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    #[serde(default)]
    pub check: Vec<RawCheck>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub id: Spanned<String>,
    pub title: String,
    pub severity: Severity,
    pub source: Option<Spanned<SourceNames>>,
    pub files: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    pub ignore_case: Option<Spanned<bool>>,
    pub assert: Option<Spanned<String>>,
    pub pattern: Option<Spanned<String>>,
    pub each: Option<Spanned<String>>,
    #[serde(rename = "where")]
    pub condition: Option<Spanned<toml::Value>>,
    pub schema: Option<Spanned<toml::Value>>,
    pub label: Option<Spanned<String>>,
    /// An imported check's tool and rules (`source = "import"`).
    pub tool: Option<Spanned<String>>,
    pub rules: Option<Spanned<Vec<Spanned<String>>>>,
    pub message: Option<String>,
    #[serde(default)]
    pub show_match: bool,
    pub remediation: Option<String>,
    pub doc: Option<RawDoc>,
    /// Inputs with the verdict the check must give them; run by `assay test`.
    #[serde(default)]
    pub example: Vec<RawExample>,
}

/// `[[check.example]]`: an input and the verdict it must get.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExample {
    pub name: Option<String>,
    pub expect: Spanned<String>,
    pub findings: Option<usize>,
    /// Repository files: path -> contents.
    pub files: Option<Spanned<BTreeMap<String, String>>>,
    /// The contents of one export file.
    pub export: Option<Spanned<String>>,
    /// The export's kind, when the check reads more than one.
    pub kind: Option<Spanned<String>>,
    /// An imported check's input: one file of another scanner's results,
    /// in `format` (`sarif` unless named).
    pub import: Option<Spanned<String>>,
    pub format: Option<Spanned<String>>,
    pub as_of: Option<Spanned<String>>,
}

/// `source = "k8s"` or `source = ["terraform", "terraform.plan"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SourceNames {
    One(String),
    Many(Vec<String>),
}

impl SourceNames {
    pub fn names(&self) -> Vec<&str> {
        match self {
            SourceNames::One(s) => vec![s.as_str()],
            SourceNames::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDoc {
    #[serde(default)]
    pub what: String,
    #[serde(default)]
    pub why: String,
    #[serde(default)]
    pub example: String,
    #[serde(default)]
    pub evidence: String,
}

/// A framework file (`frameworks/*.toml`): one `[framework]` and its `[[control]]`s.
///
/// A project file with a built-in framework's id extends it, so every field
/// but the id may be left out here; [`super::framework`] says which are
/// required when the framework is defined whole.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkFile {
    pub framework: RawFramework,
    #[serde(default)]
    pub control: Vec<RawControl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFramework {
    pub id: Spanned<String>,
    /// Required unless the file extends a built-in framework.
    pub name: Option<String>,
    pub version: Option<String>,
    pub publisher: Option<String>,
    pub notes: Option<String>,
    /// Named subsets of the controls (`low`, `moderate`, `high`; `ig1`...).
    #[serde(default)]
    pub baselines: Vec<Spanned<String>>,
    /// A project file: define the built-in framework of this id anew
    /// instead of extending it.
    pub replace: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawControl {
    pub id: Spanned<String>,
    /// Required unless the control extends a built-in one.
    pub title: Option<String>,
    pub baselines: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub checks: Vec<Spanned<String>>,
    #[serde(default)]
    pub mitigates: BTreeMap<Spanned<String>, Spanned<f64>>,
    /// avoid, deter, resist (the default), detect or respond.
    pub function: Option<Spanned<String>>,
    pub overlap: Option<Spanned<String>>,
}

/// A risk register file: `[[risk]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskFile {
    #[serde(default)]
    pub risk: Vec<RawRisk>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRisk {
    pub id: Spanned<String>,
    pub title: String,
    pub scenario: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub owner: String,
    pub frequency: Spanned<f64>,
    pub loss: Spanned<RawLoss>,
    pub currency: Option<Spanned<String>>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub history: Vec<RawOccurrence>,
}

/// `history = [{ period = "2025", occurred = true }]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOccurrence {
    pub period: String,
    pub occurred: bool,
    pub years: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoss {
    pub low: Spanned<f64>,
    pub high: Spanned<f64>,
}

/// `assay.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    #[serde(default)]
    pub project: RawProject,
    #[serde(default)]
    pub risk: Vec<RawRisk>,
    #[serde(default)]
    pub export: Vec<RawExport>,
    #[serde(default)]
    pub import: Vec<RawImport>,
    #[serde(default)]
    pub attestation: Vec<RawAttestation>,
    #[serde(default)]
    pub waiver: Vec<RawWaiver>,
    #[serde(default)]
    pub waiver_policy: Option<RawWaiverPolicy>,
}

/// `[[waiver]]`, in `assay.toml` or `waivers.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWaiver {
    pub id: Option<Spanned<String>>,
    /// A check id; or else `control`.
    pub check: Option<Spanned<String>>,
    /// `framework:control`.
    pub control: Option<Spanned<String>>,
    /// A glob over repository paths.
    pub path: Option<Spanned<String>>,
    pub item: Option<String>,
    pub justification: Spanned<String>,
    pub approver: Spanned<String>,
    pub ticket: Option<String>,
    pub granted: Option<Spanned<toml::Value>>,
    pub expires: Spanned<toml::Value>,
}

/// `[waiver_policy]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWaiverPolicy {
    pub max_days: Option<Spanned<i64>>,
    pub warn_days: Option<Spanned<i64>>,
}

/// `waivers.toml`: `[[waiver]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverFile {
    #[serde(default)]
    pub waiver: Vec<RawWaiver>,
}

/// `[[attestation]]`, in `assay.toml` or a file its `attestations` names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttestation {
    /// `framework:control`.
    pub control: Spanned<String>,
    pub statement: String,
    pub attested_by: String,
    /// A TOML date (`2026-10-01`) or the same as a string.
    pub date: Spanned<toml::Value>,
    pub expires: Spanned<toml::Value>,
    #[serde(default)]
    pub evidence: Vec<Spanned<String>>,
}

/// A file of attestations: `[[attestation]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestationFile {
    #[serde(default)]
    pub attestation: Vec<RawAttestation>,
}

/// `[[export]]` in `assay.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExport {
    pub name: Spanned<String>,
    pub kind: Spanned<String>,
    pub path: Spanned<String>,
    /// Header names for the kind's columns: `{ employee_id = "Employee ID" }`.
    pub columns: Option<Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>,
}

/// `[[import]]`: another scanner's output.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawImport {
    pub name: Spanned<String>,
    pub format: Spanned<String>,
    pub path: Spanned<String>,
    pub max_age_days: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProject {
    pub name: Option<String>,
    pub frameworks: Option<Vec<Spanned<String>>>,
    pub repository: Option<Spanned<String>>,
    #[serde(default)]
    pub risks: Vec<Spanned<String>>,
    /// Files of `[[attestation]]` tables, relative to `assay.toml`.
    #[serde(default)]
    pub attestations: Vec<Spanned<String>>,
}
