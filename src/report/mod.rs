//! Reports: one serialisable picture of a run, rendered per format.
//!
//! [`Report`] is the stable, versioned JSON document (its schema is
//! `schemas/report.schema.json`); the human format renders the same data.

pub mod csv;
pub mod examples;
pub mod html;
pub mod human;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod oscal;
pub mod risks;
pub mod sarif;
mod stream;

use crate::engine::{Evaluation, ExportTarget};
pub use crate::gate::{Gate, Shortfall};
use crate::gate::{Judged, Rule};
use crate::model::{Catalog, CheckId, FrameworkId, Project, RiskId, Selection};
use crate::outcome::{AttestationReport, CheckResult, Status};
use crate::risk::RiskAnalysis;
use crate::walk::{Tree, WalkError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Bumped when a field changes meaning or disappears; new fields keep it.
pub const SCHEMA_VERSION: u32 = 1;

/// Output formats of `assay check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    /// One self-contained HTML page.
    Html,
    /// OSCAL 1.1.3 assessment results (JSON).
    Oscal,
    /// SARIF 2.1.0, for code-scanning platforms.
    Sarif,
    /// JUnit XML: a test case per check and per control.
    Junit,
    /// A compact summary for a pull-request comment or `$GITHUB_STEP_SUMMARY`.
    Markdown,
    /// The control matrix, for spreadsheets (RFC 4180).
    Csv,
}

/// Writes a report in a format. JSON, HTML, OSCAL and SARIF are streamed:
/// none is built whole in memory. `inputs` are the hashed inputs OSCAL cites
/// as evidence (none for a merged report).
pub fn write(
    report: &Report,
    format: Format,
    inputs: &[crate::inputs::Input],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let text = match format {
        Format::Json => return report.write_json(out),
        Format::Html => return html::write(report, out),
        Format::Oscal => return oscal::write(report, inputs, out),
        Format::Sarif => return sarif::write(report, out),
        Format::Human => human::render(report, human::Detail::Summary),
        Format::Junit => junit::render(report),
        Format::Markdown => markdown::render(report),
        Format::Csv => csv::render(report),
    };
    out.write_all(text.as_bytes())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub as_of: String,
    pub project: ProjectInfo,
    pub targets: Vec<Target>,
    /// Exports declared or given with `--export`, and what was read from them.
    pub exports: Vec<ExportTarget>,
    /// Other scanners' results declared or given with `--import`: the tools
    /// and runs read from them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<crate::engine::ImportTarget>,
    pub gate: Gate,
    pub summary: Summary,
    pub checks: Vec<CheckReport>,
    pub frameworks: Vec<FrameworkReport>,
    /// The risk register against the selected frameworks' controls; absent
    /// from merged reports, whose controls passed in some repositories only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risks: Option<RiskAnalysis>,
    /// Every waiver and inline directive, with its state and what it covered.
    #[serde(default)]
    pub waivers: Vec<crate::outcome::WaiverReport>,
    /// With `--since`: the revision, and the checks skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<crate::since::SinceReport>,
    /// With `--baseline`: new, unchanged and fixed findings, and regressions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineReport>,
}

/// What comparing with the baseline found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineReport {
    pub source: String,
    /// Findings not in the baseline.
    pub new: usize,
    pub unchanged: usize,
    /// Baseline findings that are gone, by the verdict of a check that ran.
    pub fixed: Vec<Entry>,
    /// Baseline findings of checks that did not run (`--since`, `--check`) or
    /// could not read an input: neither fixed nor still there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_evaluated: Vec<Entry>,
    /// Controls that passed in the baseline report and fail now.
    pub regressions: Vec<String>,
}

/// One finding as recorded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub check: CheckId,
    /// Where it was: `path:line`, or the export and record, for people.
    pub location: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectInfo {
    pub name: Option<String>,
    /// The `assay.toml` used, as given; null when built-ins ran alone.
    pub config: Option<String>,
}

/// What was examined.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    pub kind: String,
    pub path: String,
    pub files: usize,
    /// Files some check read; the others were judged by path alone.
    pub files_read: usize,
    /// Symbolic links seen and not followed.
    pub symlinks_not_followed: Vec<String>,
    /// In a git work tree: tracked files were walked whatever ignore rules say.
    #[serde(default)]
    pub git: bool,
    /// Untracked paths ignore rules excluded (directories end with `/`).
    #[serde(default)]
    pub ignored: Vec<String>,
    /// Files seen and not read (special files, ignore files not applied), with why.
    #[serde(default)]
    pub skipped: Vec<SkippedReport>,
    /// Documents read and not judged (a Helm template, a document that is no
    /// Kubernetes object), with why; absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_documents: Vec<crate::engine::DocumentSkipped>,
    pub errors: Vec<WalkErrorReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SkippedReport {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WalkErrorReport {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub not_applicable: usize,
    pub manual: usize,
    #[serde(default)]
    pub waived: usize,
}

impl Counts {
    pub fn of(statuses: impl Iterator<Item = Status>) -> Self {
        let mut c = Counts::default();
        for s in statuses {
            match s {
                Status::Pass => c.pass += 1,
                Status::Fail => c.fail += 1,
                Status::Error => c.error += 1,
                Status::NotApplicable => c.not_applicable += 1,
                Status::Manual => c.manual += 1,
                Status::Waived => c.waived += 1,
            }
        }
        c
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub checks: Counts,
    pub controls: Counts,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckReport {
    #[serde(flatten)]
    pub result: CheckResult,
    pub remediation: String,
    /// `framework:control` ids this check evidences.
    pub controls: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FrameworkReport {
    pub id: FrameworkId,
    /// The baseline selected (`nist-800-53@moderate`); null for the whole framework.
    pub baseline: Option<String>,
    pub name: String,
    pub version: String,
    pub summary: Counts,
    pub coverage: Coverage,
    pub controls: Vec<ControlReport>,
}

impl FrameworkReport {
    /// `id`, or `id@baseline` when one baseline was selected.
    pub fn label(&self) -> String {
        self.selection().to_string()
    }

    /// The framework as the run selected it.
    pub fn selection(&self) -> Selection {
        Selection {
            framework: self.id.clone(),
            baseline: self.baseline.clone(),
        }
    }
}

/// How much of a framework assay can evidence, and did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Coverage {
    pub controls: usize,
    /// Controls with at least one check.
    pub automated: usize,
    /// Controls with no check: they need an attestation.
    pub manual: usize,
    /// Manual controls passing on an attestation valid on the as-of date.
    pub attested: usize,
    /// Automated controls whose checks produced a verdict (pass or fail):
    /// errors and missing inputs count against coverage.
    pub evaluated: usize,
    /// Automated controls that pass.
    pub passing: usize,
}

impl Coverage {
    /// Controls evaluated (a check verdict, or a valid attestation), in
    /// percent; errors and missing exports count against it.
    pub fn percent(&self) -> f64 {
        if self.controls == 0 {
            0.0
        } else {
            100.0 * (self.evaluated + self.attested) as f64 / self.controls as f64
        }
    }

    pub(crate) fn of(controls: &[ControlReport]) -> Self {
        let summary = Counts::of(controls.iter().map(|c| c.status));
        let attested = controls
            .iter()
            .filter(|c| c.status == Status::Pass && c.checks.is_empty())
            .count();
        let manual = summary.manual + attested;
        Self {
            controls: controls.len(),
            automated: controls.len() - manual,
            manual,
            attested,
            evaluated: summary.pass + summary.fail + summary.waived - attested,
            passing: summary.pass - attested,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ControlReport {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub checks: Vec<CheckId>,
    pub mitigates: Vec<MitigationReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<AttestationReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MitigationReport {
    pub risk: RiskId,
    pub effect: f64,
}

/// Everything a report needs besides the evaluation itself.
pub struct RunInfo<'a> {
    pub catalog: &'a Catalog,
    pub project: &'a Project,
    pub tree: &'a Tree,
    pub as_of: String,
    pub fail_on: crate::gate::FailOn,
}

impl Format {
    /// Whether the format cites every input by digest (OSCAL does): the
    /// engine then hashes each input as it reads it.
    pub fn needs_inputs(self) -> bool {
        matches!(self, Format::Oscal)
    }
}

impl Report {
    /// Builds the report, taking the evaluation's results (findings can be many).
    pub fn new(run: &RunInfo<'_>, evaluation: Evaluation, risks: RiskAnalysis) -> Self {
        let gate = crate::gate::decide(
            &Judged::checks(&evaluation.checks)
                .with_exports(&evaluation.exports)
                .with_imports(&evaluation.imports),
            &Rule::fail_on(run.fail_on),
        );
        let frameworks: Vec<FrameworkReport> = evaluation
            .frameworks
            .iter()
            .map(|fw| framework_report(run.catalog, fw))
            .collect();
        let summary = Summary {
            checks: Counts::of(evaluation.checks.iter().map(|c| c.status)),
            controls: Counts::of(
                frameworks
                    .iter()
                    .flat_map(|f| f.controls.iter().map(|c| c.status)),
            ),
        };
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: env!("CARGO_PKG_NAME").to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            as_of: run.as_of.clone(),
            project: ProjectInfo {
                name: run.project.name.clone(),
                config: run.project.config.as_ref().map(|p| p.display().to_string()),
            },
            targets: vec![target(
                run.tree,
                evaluation.files_read,
                evaluation.skipped_documents,
            )],
            exports: evaluation.exports,
            imports: evaluation.imports,
            gate,
            summary,
            checks: {
                let selected: BTreeSet<&str> = frameworks.iter().map(|f| f.id.as_str()).collect();
                evaluation
                    .checks
                    .into_iter()
                    .map(|result| check_report(run.catalog, &selected, result))
                    .collect()
            },
            frameworks,
            risks: Some(risks),
            waivers: evaluation.waivers,
            since: None,
            baseline: None,
        }
    }

    /// Decides the gate again under `rule`, now that the findings may be
    /// compared with a baseline: see [`crate::gate`].
    pub fn apply_gate(&mut self, rule: &Rule) {
        let regressed = self.regressed_checks();
        let judged = Judged {
            checks: self.checks.iter().map(|c| &c.result).collect(),
            baselined: self.baseline.is_some(),
            regressed,
            coverage: self
                .frameworks
                .iter()
                .map(|fw| (fw.label(), fw.coverage.percent()))
                .collect(),
            unread: crate::gate::unread(&self.exports),
            unread_imports: crate::gate::unread_imports(&self.imports),
        };
        self.gate = crate::gate::decide(&judged, rule);
    }

    /// Checks of the controls the baseline report names as regressions.
    fn regressed_checks(&self) -> std::collections::BTreeSet<&CheckId> {
        let Some(baseline) = &self.baseline else {
            return Default::default();
        };
        self.frameworks
            .iter()
            .flat_map(|fw| {
                fw.controls.iter().filter(|c| {
                    baseline
                        .regressions
                        .contains(&format!("{}:{}", fw.id, c.id))
                })
            })
            .flat_map(|c| c.checks.iter())
            .collect()
    }

    /// Checks that fail or could not be evaluated, most severe first: what
    /// to fix comes before what to schedule.
    pub fn failing_checks(&self) -> Vec<&CheckReport> {
        let mut failing: Vec<&CheckReport> = self
            .checks
            .iter()
            .filter(|c| {
                matches!(
                    c.result.status,
                    Status::Fail | Status::Error | Status::Waived
                ) || !c.result.errors.is_empty()
            })
            .collect();
        failing.sort_by(|a, b| {
            b.result
                .severity
                .cmp(&a.result.severity)
                .then_with(|| a.result.id.cmp(&b.result.id))
        });
        failing
    }

    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        let _ = self.write_json(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Writes the JSON report, streamed: a report of many findings is not built as one string.
    pub fn write_json(&self, out: &mut (impl std::io::Write + ?Sized)) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }
}

/// What every format says of the findings a check counted but did not keep.
pub fn omitted_note(omitted: usize) -> String {
    format!(
        "{omitted} more finding{} counted but not kept (--max-findings)",
        if omitted == 1 { "" } else { "s" }
    )
}

impl Report {
    /// The report with every secret that repository text carried into it
    /// masked: file names, waiver reasons, messages, errors. One pass over
    /// everything it holds, so no field can be forgotten.
    pub fn scrubbed(self, secrets: &crate::redact::Secrets) -> Report {
        // The usual case, nothing to mask or escape, costs one pass over the JSON.
        if let Ok(text) = serde_json::to_string(&self)
            && !secrets.finds(text.as_bytes())
            && !text.contains("\\u00")
            && !text.chars().any(|c| c.is_control())
        {
            return self;
        }
        let Ok(mut value) = serde_json::to_value(&self) else {
            return self;
        };
        secrets.scrub_json(&mut value);
        serde_json::from_value(value).unwrap_or(self)
    }
}

fn target(
    tree: &Tree,
    files_read: usize,
    skipped_documents: Vec<crate::engine::DocumentSkipped>,
) -> Target {
    Target {
        kind: "repository".to_owned(),
        path: tree.root.display().to_string(),
        files: tree.files.len(),
        files_read,
        symlinks_not_followed: tree.symlinks.clone(),
        git: tree.git,
        ignored: tree.ignored.clone(),
        skipped: skipped(tree),
        skipped_documents,
        errors: tree.errors.iter().map(walk_error).collect(),
    }
}

/// Special files (listed, never opened) and ignore files not applied, by path.
fn skipped(tree: &Tree) -> Vec<SkippedReport> {
    let special = tree
        .files
        .iter()
        .filter(|f| f.kind != crate::confine::Kind::File)
        .map(|f| SkippedReport {
            path: f.relative.clone(),
            reason: format!("{}; never opened", f.kind.describe()),
        });
    let mut out: Vec<SkippedReport> = tree
        .skipped
        .iter()
        .map(|s| SkippedReport {
            path: s.path.clone(),
            reason: s.reason.clone(),
        })
        .chain(special)
        .collect();
    out.sort();
    out
}

/// Skipped documents of one source and one reason, in report order.
pub(crate) struct SkippedGroup<'a> {
    /// What people call the source's documents (`Kubernetes`).
    pub source: &'a str,
    pub reason: &'a str,
    /// `path` or `path:line`.
    pub locations: Vec<String>,
}

/// The skipped documents grouped by source and reason, first seen first:
/// thirty chart templates skipped for one reason are one line, not thirty.
pub(crate) fn skipped_groups(docs: &[crate::engine::DocumentSkipped]) -> Vec<SkippedGroup<'_>> {
    let mut groups: Vec<SkippedGroup<'_>> = Vec::new();
    for d in docs {
        let source = match d.source.as_str() {
            "k8s" => "Kubernetes",
            other => other,
        };
        let location = match d.line {
            Some(line) => format!("{}:{line}", d.path),
            None => d.path.clone(),
        };
        match groups
            .iter_mut()
            .find(|g| g.source == source && g.reason == d.reason)
        {
            Some(g) => g.locations.push(location),
            None => groups.push(SkippedGroup {
                source,
                reason: &d.reason,
                locations: vec![location],
            }),
        }
    }
    groups
}

fn walk_error(e: &WalkError) -> WalkErrorReport {
    WalkErrorReport {
        path: e.path.clone(),
        message: e.message.clone(),
    }
}

/// A check as reported, with the controls it evidences among the selected
/// frameworks only: a framework the project did not choose is not its concern.
fn check_report(catalog: &Catalog, selected: &BTreeSet<&str>, result: CheckResult) -> CheckReport {
    CheckReport {
        remediation: catalog
            .checks
            .get(&result.id)
            .map(|c| c.remediation.clone())
            .unwrap_or_default(),
        controls: catalog
            .controls_using(&result.id)
            .iter()
            .filter(|c| selected.contains(c.framework.id.as_str()))
            .map(|c| c.qualified_id())
            .collect(),
        result,
    }
}

fn framework_report(catalog: &Catalog, fw: &crate::engine::FrameworkResult) -> FrameworkReport {
    let model = catalog.frameworks.get(&fw.id);
    let controls: Vec<ControlReport> = fw
        .controls
        .iter()
        .map(|c| ControlReport {
            id: c.id.to_string(),
            title: c.title.clone(),
            status: c.status,
            checks: c.checks.clone(),
            attestation: c.attestation.clone(),
            mitigates: model
                .and_then(|m| m.controls.iter().find(|mc| mc.id == c.id))
                .map(|mc| {
                    mc.mitigates
                        .iter()
                        .map(|m| MitigationReport {
                            risk: m.risk.clone(),
                            effect: m.effect,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let summary = Counts::of(controls.iter().map(|c| c.status));
    FrameworkReport {
        id: fw.id.clone(),
        baseline: fw.baseline.clone(),
        name: fw.name.clone(),
        version: model.map(|m| m.version.clone()).unwrap_or_default(),
        coverage: Coverage::of(&controls),
        summary,
        controls,
    }
}
