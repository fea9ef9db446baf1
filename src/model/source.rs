//! Where evidence comes from: repository files, structured documents found in
//! the repository, and exports of live systems.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// Export kinds are defined one file each, in `source/kinds/`, and listed in
/// its table: the model takes the kind type from there.
pub use crate::source::kinds::{ExportKind, Format};

/// A source of records: items a record check asserts a JSON Schema on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub enum RecordSource {
    /// Kubernetes manifests (multi-document YAML) in the repository: one record per object.
    Kubernetes,
    /// Terraform HCL files in the repository: one record per `resource` block.
    Terraform,
    /// GitHub Actions workflows in `.github/workflows/`: one record per `uses:`.
    Workflows,
    /// Exports of one kind, declared in `assay.toml` or with `--export`.
    Export(ExportKind),
}

impl RecordSource {
    pub const REPO_SOURCES: [RecordSource; 3] =
        [Self::Kubernetes, Self::Terraform, Self::Workflows];

    pub fn name(self) -> &'static str {
        match self {
            Self::Kubernetes => "k8s",
            Self::Terraform => "terraform",
            Self::Workflows => "gha",
            Self::Export(kind) => kind.name(),
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "k8s" => Some(Self::Kubernetes),
            "terraform" => Some(Self::Terraform),
            "gha" => Some(Self::Workflows),
            other => ExportKind::from_name(other).map(Self::Export),
        }
    }

    /// Whether the source reads exports of `kind`. `source = "k8s"` reads the
    /// repository's manifests and every `k8s` export (rendered charts,
    /// `kustomize build`): one set of checks judges both, so the export kind
    /// takes the source's name rather than a second one checks would have
    /// to list.
    pub fn reads_export(self, kind: ExportKind) -> bool {
        match self {
            Self::Export(k) => k == kind,
            Self::Kubernetes => kind == ExportKind::K8s,
            Self::Terraform | Self::Workflows => false,
        }
    }

    /// What one of the source's inputs is called, for "no ... in the repository".
    pub fn noun(self) -> &'static str {
        match self {
            Self::Kubernetes => "Kubernetes manifest",
            Self::Terraform => "Terraform resource",
            Self::Workflows => "GitHub Actions workflow step",
            Self::Export(kind) => kind.name(),
        }
    }

    /// Every source name a check may use, for help texts.
    pub fn all_names() -> String {
        let mut names = vec!["repo"];
        names.extend(Self::REPO_SOURCES.iter().map(|s| s.name()));
        // `k8s` is a repository source and an export kind: named once.
        let kinds: Vec<&str> = ExportKind::names().filter(|n| !names.contains(n)).collect();
        names.extend(kinds);
        // Other scanners' results: `imported` checks.
        names.push("import");
        names.join(", ")
    }
}

impl From<RecordSource> for String {
    fn from(s: RecordSource) -> Self {
        s.name().to_owned()
    }
}

impl fmt::Display for RecordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One declared export: a name, a kind, and where its files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSpec {
    pub name: String,
    pub kind: ExportKind,
    /// A path or glob, as written, relative to `base`.
    pub path: String,
    pub base: PathBuf,
    /// Declared in the evaluated project (untrusted): its files must resolve
    /// inside `base`, even through symbolic links. `--export` paths are not.
    pub confined: bool,
    /// Header names the declaration gives the kind's columns, as
    /// `(field, header)` sorted by field; a column not named keeps its field's name.
    pub columns: Vec<(String, String)>,
}
