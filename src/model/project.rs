//! The project: what `assay.toml` says about the organisation being evaluated.

use super::{Attestation, ExportSpec, ImportSpec, Selection, Waiver, WaiverPolicy};
use std::path::PathBuf;

/// Settings from `assay.toml`, or the defaults when there is none.
#[derive(Debug, Clone, Default)]
pub struct Project {
    pub name: Option<String>,
    /// The `assay.toml` read, if any.
    pub config: Option<PathBuf>,
    /// Frameworks (or baselines of them) to report on; `None` means every loaded framework.
    pub frameworks: Option<Vec<Selection>>,
    /// Root of the repository to evaluate.
    pub repository: PathBuf,
    /// Exports declared in `assay.toml`, then those given with `--export`.
    pub exports: Vec<ExportSpec>,
    /// Other scanners' results declared in `assay.toml`, then `--import`.
    pub imports: Vec<ImportSpec>,
    /// Statements that manual controls operate, with their evidence hashed.
    pub attestations: Vec<Attestation>,
    /// Accepted failures, from `assay.toml` and `waivers.toml`.
    pub waivers: Vec<Waiver>,
    pub waiver_policy: WaiverPolicy,
}
