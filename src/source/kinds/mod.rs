//! Export kinds: one file per kind, and the one table listing them.
//!
//! A kind's file holds everything about it: its name, file format, where its
//! records are, its record schema (`schemas/kinds/NAME.schema.json`), how a
//! record that matched the schema is shaped and labelled, and its user
//! documentation, which `assay explain KIND` prints. [`ExportKind`], the name
//! parsing of `kind = "..."` in `assay.toml` and `--export`, the help texts
//! listing kinds and the report schema's kind list all come from the table
//! in [`registry!`].
//!
//! Adding a kind: write `kinds/NAME.rs` with a `pub static KIND: Kind`, add
//! one line to the table, put its schema in `schemas/kinds/` and its name in
//! `schemas/report.schema.json` (a test keeps both lists equal), and add good,
//! bad and malformed fixtures under `fixtures/projects/`.
//!
//! This module imports nothing from the rest of assay: the model takes
//! [`ExportKind`] from here, so nothing here may reach back to it.

use serde_json::Value;
use std::fmt;

pub use k8s::{label as k8s_label, list_items as k8s_list_items, shape as k8s_shape};
pub use terraform_plan::normalize_plan_change;

/// Declares the kinds: one line each, `Variant => module`. The order is the
/// order of help texts and of the report schema's list; the model sorts
/// sources by it, so existing kinds keep their places.
macro_rules! registry {
    ($($(#[$doc:meta])* $variant:ident => $module:ident,)*) => {
        $(mod $module;)*

        /// What an export is: its format, expected shape and natural population.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ExportKind {
            $($(#[$doc])* $variant,)*
        }

        impl ExportKind {
            /// Every kind, in table order.
            pub const ALL: &'static [ExportKind] = &[$(Self::$variant,)*];

            /// The kind's definition, from its file.
            pub fn spec(self) -> &'static Kind {
                match self {
                    $(Self::$variant => &$module::KIND,)*
                }
            }
        }
    };
}

registry! {
    /// The CSV of `aws iam get-credential-report`: one record per row.
    AwsIamCredentialReport => aws_iam_credential_report,
    /// The JSON of `GET /repos/{owner}/{repo}/branches/{branch}/protection`: one record per file.
    GithubBranchProtection => github_branch_protection,
    /// The JSON of `terraform show -json PLANFILE`: one record per managed resource.
    TerraformPlan => terraform_plan,
    /// The JSON of Okta's `GET /api/v1/users`: one record per user.
    OktaUsers => okta_users,
    /// An HR system's roster as CSV: one record per employee.
    HrRoster => hr_roster,
    /// Any JSON document; checks choose the population with `each`.
    Json => json,
    /// Any YAML stream; each document, or `each` within it.
    Yaml => yaml,
    /// Any CSV with a header row: one record per row.
    Csv => csv,
    /// Rendered Kubernetes manifests (`helm template`, `kustomize build`): one record per object.
    K8s => k8s,
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Csv,
}

/// Where a kind's records are in its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Records {
    /// One per CSV row.
    Rows,
    /// The document, or the items of the array it is (or that a generic
    /// kind's `each` names); for YAML, each document.
    Document,
    /// The items of the document's top-level array; any other document is not
    /// of this kind, and `otherwise` says what was expected.
    Array { otherwise: &'static str },
    /// One per Kubernetes object of each YAML document (a `List` stands for
    /// its items); empty documents have none.
    Kubernetes,
    /// The items of the array at `pointer`, in a document that must have the
    /// top-level member `marker` (else `otherwise`); a document without the
    /// array has no records.
    Member {
        pointer: &'static str,
        marker: &'static str,
        otherwise: &'static str,
    },
}

/// A kind's record schema: the file it is kept in, and its text.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// Relative to the repository root, as the documentation links it.
    pub path: &'static str,
    pub text: &'static str,
}

/// A column of a CSV kind that an export declaration may rename
/// (`columns = { employee_id = "Employee ID" }`).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The record field, and the header expected when not renamed.
    pub field: &'static str,
    pub doc: &'static str,
}

/// What a record file is called, for kinds whose records carry no name.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub file_name: Option<&'a str>,
}

/// A record that matched the kind's schema, in the kind's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub value: Value,
    /// What findings call the record when its check names no `label`.
    pub label: Option<String>,
}

/// Shapes and labels a record that matched the schema; `None` leaves it out
/// of the population (a plan's deletions and data sources).
pub type Prepare = fn(Value, &Context<'_>) -> Option<Prepared>;

/// One export kind, as its file defines it.
#[derive(Debug)]
pub struct Kind {
    /// The name in `assay.toml`, `--export KIND=PATH` and checks' `source`.
    pub name: &'static str,
    pub format: Format,
    /// Generic kinds let a check choose its population with `each`; the
    /// vendor kinds define theirs.
    pub generic: bool,
    pub records: Records,
    /// The shape every record must have before any check sees it.
    pub schema: Option<Schema>,
    /// Columns a declaration may rename (CSV kinds only).
    pub columns: &'static [Column],
    pub prepare: Prepare,
    /// The user documentation, printed by `assay explain KIND`: sections
    /// `What it reads`, `Records` and `Example`.
    pub doc: &'static str,
}

/// The record unchanged and unlabelled: what most kinds do.
pub fn keep(value: Value, _: &Context<'_>) -> Option<Prepared> {
    Some(Prepared { value, label: None })
}

/// The record unchanged, labelled with the string at `pointer` if there is one.
fn labelled(value: Value, pointer: &str) -> Option<Prepared> {
    let label = value
        .pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    Some(Prepared { value, label })
}

impl ExportKind {
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }

    pub fn format(self) -> Format {
        self.spec().format
    }

    /// Generic kinds let a check choose its population with `each`; the
    /// vendor kinds define theirs.
    pub fn is_generic(self) -> bool {
        self.spec().generic
    }

    /// Whether a check may choose the population with `each`: generic kinds
    /// whose records are the document (JSON, YAML), not the rows of a CSV.
    pub fn takes_each(self) -> bool {
        let spec = self.spec();
        spec.generic && matches!(spec.records, Records::Document)
    }

    /// Every kind's name, for help texts.
    pub fn names() -> impl Iterator<Item = &'static str> + Clone {
        Self::ALL.iter().map(|k| k.name())
    }
}

impl fmt::Display for ExportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests;
