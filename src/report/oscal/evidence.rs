//! The hashed files behind the results: cited by observations as
//! `relevant-evidence`, and listed once each, with their SHA-256, as
//! back-matter resources (with the repository manifest and the plan).

use super::fields::{Ids, LISTED_FINDINGS, controls, one_line, or, prop, props};
use crate::inputs::{Input, InputKind};
use crate::model::{EvidenceFile, RecordSource};
use crate::report::{CheckReport, Report};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt::Write;

/// A hashed file cited as evidence: an input, or a file an attestation cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct File<'a> {
    kind: InputKind,
    path: &'a str,
    sha256: &'a str,
    size: u64,
}

impl File<'_> {
    fn uuid(&self, ids: &Ids) -> String {
        let kind = kind_name(self.kind);
        ids.of("resource", &format!("{kind}/{}/{}", self.path, self.sha256))
    }

    /// A `relevant-evidence` entry: the back-matter resource, and the hash at hand.
    pub(super) fn cite(&self, ids: &Ids) -> Value {
        let kind = kind_title(self.kind);
        json!({
            "href": format!("#{}", self.uuid(ids)),
            "description": format!("{kind} `{}`, {} bytes.", self.path, self.size),
            "props": props([prop("sha256", self.sha256), prop("path", self.path)]),
        })
    }

    /// The file once, with its hash where OSCAL puts hashes: on an rlink.
    fn resource(&self, ids: &Ids) -> Value {
        let kind = kind_title(self.kind);
        let hash = json!({ "algorithm": "SHA-256", "value": self.sha256 });
        json!({
            "uuid": self.uuid(ids),
            "title": one_line(self.path),
            "description": format!("{kind}, {} bytes, as hashed when assay read it.", self.size),
            "props": props([
                prop("kind", kind_name(self.kind)),
                prop("size", self.size.to_string()),
                prop("sha256", self.sha256),
            ]),
            "rlinks": [{ "href": href(self.path), "hashes": [hash] }],
        })
    }
}

fn input_file(i: &Input) -> File<'_> {
    File {
        kind: i.kind,
        path: &i.path,
        sha256: &i.sha256,
        size: i.size,
    }
}

pub(super) fn attested_file(e: &EvidenceFile) -> File<'_> {
    File {
        kind: InputKind::Attestation,
        path: &e.path,
        sha256: &e.sha256,
        size: e.size,
    }
}

/// Every hashed file, once, and which of them each observation cites.
pub(super) struct Evidence<'a> {
    files: BTreeSet<File<'a>>,
    inputs: &'a [Input],
    /// The repository manifest's SHA-256 and file count, if any repository file was read.
    manifest: Option<(String, usize)>,
}

impl<'a> Evidence<'a> {
    pub(super) fn new(report: &'a Report, inputs: &'a [Input]) -> Self {
        let mut files: BTreeSet<File<'a>> = inputs.iter().map(input_file).collect();
        files.extend(
            controls(report)
                .filter_map(|(_, c)| c.attestation.as_ref())
                .flat_map(|a| a.evidence.iter())
                .map(attested_file),
        );
        let manifest = manifest(files.iter().filter(|f| f.kind == InputKind::Repository));
        Self {
            files,
            inputs,
            manifest,
        }
    }

    /// A check's evidence: the export files of its sources; for repository
    /// sources, the manifest and the files of its listed findings (citing
    /// every repository file for every check would grow as files x checks).
    pub(super) fn for_check(&self, c: &CheckReport, report: &Report, ids: &Ids) -> Vec<Value> {
        let r = &c.result;
        let mut out: Vec<Value> = export_inputs(report, c, self.inputs)
            .map(|i| input_file(i).cite(ids))
            .collect();
        if r.sources.iter().all(|s| is_export(s)) {
            return out;
        }
        if let Some((digest, files)) = &self.manifest {
            let description = format!(
                "The repository: {files} files, each listed with its SHA-256 in back-matter; \
                 {} examined by this check.",
                r.examined
            );
            out.push(json!({
                "href": format!("#{}", ids.manifest()),
                "description": description,
                "props": props([prop("sha256", digest), prop("files", files.to_string())]),
            }));
        }
        let paths: BTreeSet<&str> = r
            .findings
            .iter()
            .take(LISTED_FINDINGS)
            .filter_map(|f| f.path.as_deref())
            .collect();
        out.extend(
            self.files
                .iter()
                .filter(|f| f.kind == InputKind::Repository && paths.contains(f.path))
                .map(|f| f.cite(ids)),
        );
        out
    }

    pub(super) fn resources(&self, report: &Report, ids: &Ids) -> Vec<Value> {
        self.each_resource(report, ids).collect()
    }

    /// The back-matter resources, made one at a time: there is one per
    /// input file, so a writer must not hold them all.
    pub(super) fn each_resource<'s>(
        &'s self,
        report: &Report,
        ids: &'s Ids,
    ) -> impl Iterator<Item = Value> + 's {
        let mut head = vec![plan_resource(report, ids)];
        if let Some((digest, files)) = &self.manifest {
            let description = format!(
                "The {files} repository files assay read, each a resource of this back-matter. \
                 Its sha256 is the SHA-256 of their `sha256sum` listing (`<hash>  <path>` lines, \
                 sorted by path in byte order), so one hash covers them all."
            );
            head.push(json!({
                "uuid": ids.manifest(),
                "title": "Repository manifest",
                "description": description,
                "props": props([prop("sha256", digest), prop("files", files.to_string())]),
            }));
        }
        head.into_iter()
            .chain(self.files.iter().map(|f| f.resource(ids)))
    }
}

/// SHA-256 of the files listed as `sha256sum` prints them (`<hash>  <path>`
/// lines, in the set's order: by path): one hash an auditor can recompute
/// that covers every repository file at once.
fn manifest<'a>(files: impl Iterator<Item = &'a File<'a>>) -> Option<(String, usize)> {
    let lines: Vec<String> = files
        .map(|f| format!("{}  {}\n", f.sha256, f.path))
        .collect();
    let digest = Sha256::digest(lines.concat().as_bytes());
    (!lines.is_empty()).then(|| (hex(&digest), lines.len()))
}

/// Export inputs read for a check: the files of the exports of its sources.
/// The report names them from the working directory, inputs from the
/// project's, so a path matches when one ends the other.
fn export_inputs<'a>(
    report: &'a Report,
    c: &'a CheckReport,
    inputs: &'a [Input],
) -> impl Iterator<Item = &'a Input> {
    let files: Vec<&str> = report
        .exports
        .iter()
        .filter(|t| c.result.sources.contains(&t.kind))
        .flat_map(|t| t.files.iter().map(String::as_str))
        .collect();
    inputs
        .iter()
        .filter(move |i| i.kind == InputKind::Export && files.iter().any(|f| same_file(f, &i.path)))
}

fn same_file(reported: &str, input: &str) -> bool {
    reported == input
        || reported
            .strip_suffix(input)
            .is_some_and(|p| p.ends_with('/'))
}

fn is_export(source: &str) -> bool {
    matches!(
        RecordSource::from_name(source),
        Some(RecordSource::Export(_))
    )
}

/// What `import-ap` points at: assay's plan is its configuration.
fn plan_resource(report: &Report, ids: &Ids) -> Value {
    let config = report.project.config.as_deref();
    let frameworks: Vec<String> = report.frameworks.iter().map(|fw| fw.label()).collect();
    let description = format!(
        "No OSCAL assessment plan was written. The plan is the assay configuration ({}): it \
         selects the frameworks ({}), the checks that evidence their controls and the risk \
         register. Its files are the back-matter resources of kind `config`.",
        config.unwrap_or("the built-in definitions alone"),
        or(&frameworks.join(", "), "none")
    );
    json!({
        "uuid": ids.plan(),
        "title": "Assessment plan: the assay configuration",
        "description": description,
        "props": props([config.and_then(|c| prop("config", c))]),
    })
}

fn kind_name(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Config => "config",
        InputKind::Repository => "repository",
        InputKind::Export => "export",
        InputKind::Import => "import",
        InputKind::Attestation => "attestation",
    }
}

fn kind_title(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Config => "Configuration file",
        InputKind::Repository => "Repository file",
        InputKind::Export => "Export",
        InputKind::Import => "Imported scanner results",
        InputKind::Attestation => "Attestation evidence",
    }
}

/// A relative path as a URI reference: bytes outside RFC 3986's unreserved
/// set (and `/`) percent-encoded, so spaces or `#` in a name stay a path.
fn href(path: &str) -> String {
    path.bytes()
        .fold(String::with_capacity(path.len()), |mut s, b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                s.push(char::from(b));
            } else {
                let _ = write!(s, "%{b:02X}");
            }
            s
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
