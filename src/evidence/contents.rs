//! What goes into a bundle: the reports, one folder per control with what
//! evidences it, copies of small inputs (never one holding a secret), and the manifest that
//! hashes everything else.

use super::manifest::{FileDigest, Manifest, ManifestInput, Population, Tool};
use super::{canonical, sha256};
use crate::inputs::{Input, InputKind};
use crate::model::CheckId;
use crate::report::{CheckReport, ControlReport, FrameworkReport, Report};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path};

/// Findings and inputs listed per check or control in a control's folder;
/// `report.json` and the manifest hold them all.
const LIST_LIMIT: usize = 1000;

/// One file of the bundle: a `/`-separated relative path and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Every file of a bundle, sorted by path; `manifest.json` among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub files: Vec<BundleFile>,
}

/// An input with what the bundle needs of it besides its digest.
#[derive(Debug, Clone)]
pub struct KeptInput {
    pub input: Input,
    /// The content, when small enough to copy.
    pub copy: Option<Vec<u8>>,
    /// Checks that examined it.
    pub checks: Vec<CheckId>,
}

/// Everything a bundle is built from.
pub struct BundleRun<'a> {
    pub report: &'a Report,
    /// Copies in which one matches are withheld.
    pub secrets: &'a crate::redact::Secrets,
    /// As [`super::collect`] gives them: sorted, each input once.
    pub inputs: Vec<KeptInput>,
    /// The command line, program name first.
    pub command: Vec<String>,
    /// The settings of the run, as the manifest records them.
    pub config: serde_json::Value,
    pub html: String,
    pub oscal: serde_json::Value,
}

/// Builds the bundle's files; the manifest comes last and hashes the rest.
pub fn build(run: BundleRun<'_>) -> Bundle {
    // A pattern marks where a secret is, not where it ends (a private key's
    // header, not its body): a file holding one is withheld whole.
    let secrets = run.secrets;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut inputs: Vec<ManifestInput> = Vec::new();
    let kept = run.inputs;
    for k in &kept {
        let mut entry = ManifestInput {
            kind: k.input.kind,
            path: k.input.path.clone(),
            size: k.input.size,
            sha256: k.input.sha256.clone(),
            copy: None,
            // A scanner's output quotes what it found, secrets included:
            // hashed, never copied.
            withheld: k.input.kind == InputKind::Import,
        };
        if let Some(bytes) = &k.copy {
            let at = copy_path(k.input.kind, &k.input.path);
            if secrets.finds(bytes) {
                entry.withheld = true;
            } else if !files.contains_key(&at) {
                files.insert(at.clone(), bytes.clone());
                entry.copy = Some(at);
            }
        }
        inputs.push(entry);
    }
    let mut report_json = canonical(run.report);
    report_json.push(b'\n');
    files.insert("report.json".to_owned(), report_json);
    files.insert("report.html".to_owned(), run.html.into_bytes());
    let mut oscal = canonical(&run.oscal);
    oscal.push(b'\n');
    files.insert("assessment-results.json".to_owned(), oscal);
    let by_check = inputs_by_check(&kept, &inputs);
    for fw in &run.report.frameworks {
        for control in &fw.controls {
            let folder = control_folder(fw, control);
            let evidence = control_evidence(run.report, fw, control, &by_check, &inputs);
            let mut bytes = canonical(&evidence);
            bytes.push(b'\n');
            files.insert(format!("{folder}/evidence.json"), bytes);
        }
    }
    let manifest = Manifest {
        bundle: super::manifest::BUNDLE_FORMAT.to_owned(),
        tool: Tool {
            name: run.report.tool.name.clone(),
            version: run.report.tool.version.clone(),
        },
        as_of: run.report.as_of.clone(),
        command: run.command,
        config: run.config,
        inputs,
        populations: run.report.checks.iter().map(population).collect(),
        files: files
            .iter()
            .map(|(path, bytes)| {
                (
                    path.clone(),
                    FileDigest {
                        size: bytes.len() as u64,
                        sha256: sha256(bytes),
                    },
                )
            })
            .collect(),
    };
    let mut manifest_bytes = canonical(&manifest);
    manifest_bytes.push(b'\n');
    files.insert(super::MANIFEST.to_owned(), manifest_bytes);
    Bundle {
        files: files
            .into_iter()
            .map(|(path, bytes)| BundleFile { path, bytes })
            .collect(),
    }
}

/// Where a copy of an input lives in the bundle: only plain path
/// components survive, so no name can climb out of `inputs/`.
fn copy_path(kind: InputKind, path: &str) -> String {
    let kind = match kind {
        InputKind::Config => "config",
        InputKind::Repository => "repository",
        InputKind::Export => "export",
        InputKind::Import => "import",
        InputKind::Attestation => "attestation",
    };
    let parts: Vec<String> = Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    format!("inputs/{kind}/{}", parts.join("/"))
}

/// A control's folder: `controls/<framework>/<control>`, ids made safe as names.
fn control_folder(fw: &FrameworkReport, control: &ControlReport) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let framework = fw.label();
    format!("controls/{}/{}", safe(&framework), safe(&control.id))
}

/// For each check, indices into the manifest's inputs that it examined.
fn inputs_by_check(
    kept: &[KeptInput],
    inputs: &[ManifestInput],
) -> BTreeMap<CheckId, BTreeSet<usize>> {
    let mut out: BTreeMap<CheckId, BTreeSet<usize>> = BTreeMap::new();
    for (k, i) in kept.iter().zip(0..inputs.len()) {
        for check in &k.checks {
            out.entry(check.clone()).or_default().insert(i);
        }
    }
    out
}

#[derive(Serialize)]
struct ControlEvidence<'a> {
    framework: String,
    control: &'a str,
    title: &'a str,
    status: crate::outcome::Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    attestation: Option<&'a crate::outcome::AttestationReport>,
    checks: Vec<CheckEvidence<'a>>,
    /// Inputs its checks examined (the first `LIST_LIMIT`; all are in the manifest).
    inputs: Vec<&'a ManifestInput>,
    inputs_total: usize,
}

#[derive(Serialize)]
struct CheckEvidence<'a> {
    id: &'a CheckId,
    title: &'a str,
    severity: crate::model::Severity,
    status: crate::outcome::Status,
    sources: &'a [String],
    examined: usize,
    failing: usize,
    findings: &'a [crate::outcome::Finding],
    findings_total: usize,
    errors: &'a [crate::outcome::EvalError],
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    remediation: &'a str,
}

fn control_evidence<'a>(
    report: &'a Report,
    fw: &'a FrameworkReport,
    control: &'a ControlReport,
    by_check: &BTreeMap<CheckId, BTreeSet<usize>>,
    inputs: &'a [ManifestInput],
) -> ControlEvidence<'a> {
    let checks: Vec<&CheckReport> = control
        .checks
        .iter()
        .filter_map(|id| report.checks.iter().find(|c| &c.result.id == id))
        .collect();
    let mut indices: BTreeSet<usize> = control
        .checks
        .iter()
        .filter_map(|id| by_check.get(id))
        .flatten()
        .copied()
        .collect();
    if let Some(a) = &control.attestation {
        for e in &a.evidence {
            if let Some(i) = inputs
                .iter()
                .position(|i| i.kind == InputKind::Attestation && i.path == e.path)
            {
                indices.insert(i);
            }
        }
    }
    ControlEvidence {
        framework: fw.label(),
        control: &control.id,
        title: &control.title,
        status: control.status,
        attestation: control.attestation.as_ref(),
        checks: checks.iter().map(|c| check_evidence(c)).collect(),
        inputs_total: indices.len(),
        inputs: indices
            .iter()
            .take(LIST_LIMIT)
            .filter_map(|&i| inputs.get(i))
            .collect(),
    }
}

fn check_evidence(c: &CheckReport) -> CheckEvidence<'_> {
    let r = &c.result;
    CheckEvidence {
        id: &r.id,
        title: &r.title,
        severity: r.severity,
        status: r.status,
        sources: &r.sources,
        examined: r.examined,
        failing: r.failing,
        findings: r.findings.get(..LIST_LIMIT).unwrap_or(&r.findings),
        findings_total: r.finding_count(),
        errors: &r.errors,
        note: r.note.as_deref(),
        remediation: &c.remediation,
    }
}

fn population(c: &CheckReport) -> Population {
    let r = &c.result;
    Population {
        check: r.id.clone(),
        sources: r.sources.clone(),
        status: r.status,
        population: r.examined,
        failing: r.failing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_stay_inside_inputs() {
        assert_eq!(
            copy_path(InputKind::Export, "../../etc/passwd"),
            "inputs/export/etc/passwd"
        );
        assert_eq!(
            copy_path(InputKind::Repository, "src/main.rs"),
            "inputs/repository/src/main.rs"
        );
    }
}
