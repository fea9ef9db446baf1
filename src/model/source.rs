//! Where evidence comes from: repository files, structured documents found in
//! the repository, and exports of live systems.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

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

    /// Every source name a check may use, for help texts.
    pub fn all_names() -> String {
        let mut names = vec!["repo"];
        names.extend(Self::REPO_SOURCES.iter().map(|s| s.name()));
        names.extend(ExportKind::ALL.iter().map(|k| k.name()));
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

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Csv,
}

/// What an export is: its format, expected shape and natural population.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExportKind {
    /// The CSV of `aws iam get-credential-report`: one record per row.
    AwsIamCredentialReport,
    /// The JSON of `GET /repos/{owner}/{repo}/branches/{branch}/protection`: one record per file.
    GithubBranchProtection,
    /// The JSON of `terraform show -json PLANFILE`: one record per managed resource.
    TerraformPlan,
    /// Any JSON document; checks choose the population with `each`.
    Json,
    /// Any YAML stream; each document, or `each` within it.
    Yaml,
    /// Any CSV with a header row: one record per row.
    Csv,
}

impl ExportKind {
    pub const ALL: [ExportKind; 6] = [
        Self::AwsIamCredentialReport,
        Self::GithubBranchProtection,
        Self::TerraformPlan,
        Self::Json,
        Self::Yaml,
        Self::Csv,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::AwsIamCredentialReport => "aws.iam.credential-report",
            Self::GithubBranchProtection => "github.branch-protection",
            Self::TerraformPlan => "terraform.plan",
            Self::Json => "json",
            Self::Yaml => "yaml",
            Self::Csv => "csv",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn format(self) -> Format {
        match self {
            Self::AwsIamCredentialReport | Self::Csv => Format::Csv,
            Self::GithubBranchProtection | Self::TerraformPlan | Self::Json => Format::Json,
            Self::Yaml => Format::Yaml,
        }
    }

    /// Generic kinds let a check choose its population with `each`; the
    /// vendor kinds define theirs.
    pub fn is_generic(self) -> bool {
        matches!(self, Self::Json | Self::Yaml | Self::Csv)
    }
}

impl fmt::Display for ExportKind {
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
}
