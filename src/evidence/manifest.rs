//! `manifest.json`: what the run was, what it examined, and the digest of
//! every other file in the bundle.

use crate::inputs::InputKind;
use crate::model::CheckId;
use crate::outcome::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The manifest's name in the bundle.
pub const MANIFEST: &str = "manifest.json";

/// Names the layout, so a future change of it is recognised.
pub const BUNDLE_FORMAT: &str = "assay-evidence-bundle/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub bundle: String,
    pub tool: Tool,
    /// The instant the run judged dates against (RFC 3339).
    pub as_of: String,
    /// The command line, program name first.
    pub command: Vec<String>,
    /// The run's settings: project, repository, frameworks, exports, limits.
    pub config: serde_json::Value,
    /// Every input examined, sorted by kind then path.
    pub inputs: Vec<ManifestInput>,
    /// How many items each check judged: files, or records of its population.
    pub populations: Vec<Population>,
    /// Every file of the bundle except this manifest and the signature.
    pub files: BTreeMap<String, FileDigest>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// An input as examined, and where its copy is, if it was copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestInput {
    pub kind: InputKind,
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// Path of the copy in the bundle.
    pub copy: Option<String>,
    /// Not copied because a secret pattern matches in it.
    pub withheld: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    pub check: CheckId,
    pub sources: Vec<String>,
    pub status: Status,
    /// Files examined (file checks) or records of the population (record checks).
    pub population: usize,
    pub failing: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDigest {
    pub size: u64,
    pub sha256: String,
}
