//! Record sources: turning documents into records a JSON Schema can judge.
//!
//! Repository documents (Kubernetes manifests, Terraform HCL, GitHub Actions
//! workflows) are parsed from files the engine has already read; exports are
//! streamed from their files by [`export`], a batch of records at a time, as
//! their kind ([`kinds`], one file each) says.

pub mod export;
// Public for tests/json_scan.rs only, which checks it against serde_json.
#[doc(hidden)]
pub mod json_scan;
mod k8s;
pub mod kinds;
mod list_lines;
pub mod projection;
mod terraform;
mod workflows;

use crate::model::{FileSelector, RecordSource};
use globset::GlobBuilder;
use serde_json::Value;
use std::sync::LazyLock;

pub use k8s::TEMPLATE as HELM_TEMPLATE_REASON;
pub use kinds::normalize_plan_change;
pub use terraform::{HclFile, resolve_variables};

/// One item of a population, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// JSON Pointer of the item within its document, e.g. `/Users/17`.
    pub pointer: String,
    /// 1-based line where the item starts, when the format tells.
    pub line: Option<u32>,
    /// What a reader calls the item: a user name, a resource address.
    pub label: Option<String>,
    pub value: Value,
}

/// Records parsed from one repository file.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// Records, and the documents of the file the source could not judge
    /// (a Helm template, a document that is no object), which the report names.
    Records(Vec<Record>, Vec<SkippedDocument>),
    /// A Terraform file: judged once its module's variables are known.
    Terraform(HclFile),
    /// Not a document of the source at all (a YAML file that never mentions
    /// `apiVersion` and `kind`): nothing to judge, nothing to name.
    Unrelated,
}

/// A document of a repository file that a record source could not judge,
/// and why; never a pass, always named in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedDocument {
    /// 1-based line of the document; `None` for the whole file.
    pub line: Option<u32>,
    pub reason: String,
}

/// Parses a repository file for a repository record source.
pub fn parse_repo_file(source: RecordSource, path: &str, text: &str) -> Result<Parsed, String> {
    match source {
        RecordSource::Kubernetes => k8s::records(path, text),
        RecordSource::Terraform => terraform::hcl_file(text).map(Parsed::Terraform),
        RecordSource::Workflows => {
            workflows::records(text).map(|records| Parsed::Records(records, Vec::new()))
        }
        RecordSource::Export(_) => Ok(Parsed::Unrelated),
    }
}

/// The repository files a repository record source reads.
pub fn repo_files(source: RecordSource) -> Option<&'static FileSelector> {
    static K8S: LazyLock<Option<FileSelector>> =
        LazyLock::new(|| selector(&["**/*.yaml", "**/*.yml"], &[".github/**"]));
    static TF: LazyLock<Option<FileSelector>> = LazyLock::new(|| selector(&["**/*.tf"], &[]));
    static GHA: LazyLock<Option<FileSelector>> = LazyLock::new(|| {
        selector(
            &[".github/workflows/*.yml", ".github/workflows/*.yaml"],
            &[],
        )
    });
    match source {
        RecordSource::Kubernetes => K8S.as_ref(),
        RecordSource::Terraform => TF.as_ref(),
        RecordSource::Workflows => GHA.as_ref(),
        RecordSource::Export(_) => None,
    }
}

fn selector(include: &[&str], exclude: &[&str]) -> Option<FileSelector> {
    let globs = |patterns: &[&str]| {
        patterns
            .iter()
            .map(|p| GlobBuilder::new(p).literal_separator(true).build().ok())
            .collect::<Option<Vec<_>>>()
    };
    FileSelector::new(
        include.iter().map(|s| (*s).to_owned()).collect(),
        globs(include)?,
        exclude.iter().map(|s| (*s).to_owned()).collect(),
        globs(exclude)?,
    )
    .ok()
}

/// The first line of a parser's message: parsers quote the offending source
/// in later lines, and an untrusted file's content must not reach reports.
pub fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .trim_start_matches("error: ")
        .to_owned()
}

/// Options for YAML: snippets off (they would copy file content into messages).
fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options
}
