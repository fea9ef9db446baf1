//! The project: what `assay.toml` says about the organisation being evaluated.

use super::FrameworkId;
use std::path::PathBuf;

/// Settings from `assay.toml`, or the defaults when there is none.
#[derive(Debug, Clone, Default)]
pub struct Project {
    pub name: Option<String>,
    /// The `assay.toml` read, if any.
    pub config: Option<PathBuf>,
    /// Frameworks to report on; `None` means every loaded framework.
    pub frameworks: Option<Vec<FrameworkId>>,
    /// Root of the repository to evaluate.
    pub repository: PathBuf,
}
