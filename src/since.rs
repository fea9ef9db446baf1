//! Diff mode: `--since REV` evaluates only the checks whose inputs changed
//! since a git revision (repository files, export files) and names the ones
//! it skipped. A change to the definitions themselves runs everything. The
//! full status of a repository comes from a full run; this one is for fast
//! pull-request feedback.
//!
//! Git is asked only through [`crate::git`], which never runs a program the
//! untrusted repository's configuration names.

use crate::git;
use crate::load::Loaded;
use crate::model::{CheckId, CheckKind, ExportKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What `--since` did, for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SinceReport {
    pub rev: String,
    /// Files changed since `rev` (committed, staged, unstaged or untracked).
    pub changed: usize,
    /// Checks not run because none of their inputs changed.
    pub skipped: Vec<CheckId>,
    /// Whether a definition file changed, so every check ran.
    pub definitions_changed: bool,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("--since {rev}: {message}")]
#[diagnostic(
    code(assay::since),
    help(
        "--since needs the repository to be a git work tree with the revision fetched (in CI: fetch-depth 0, or fetch the base branch)"
    )
)]
pub struct SinceError {
    pub rev: String,
    pub message: String,
}

/// Changed files, as absolute paths, since `rev` in the work tree holding
/// `dir`: see [`crate::git::Repo::changed_since`] for what counts.
pub fn changed_files(dir: &Path, rev: &str) -> Result<Vec<PathBuf>, SinceError> {
    let fail = |message: String| SinceError {
        rev: rev.to_owned(),
        message,
    };
    let repo = git::Repo::discover(dir)
        .map_err(|e| fail(e.to_string()))?
        .ok_or_else(|| fail(format!("`{}` is not inside a git work tree", dir.display())))?;
    let changed = repo.changed_since(rev).map_err(|e| fail(e.to_string()))?;
    Ok(changed
        .iter()
        .map(|p| repo.top().join(git::path_from_bytes(p)))
        .collect())
}

/// Keeps in the catalog only the checks whose inputs changed; returns what
/// it did. `project_dir` holds the definitions.
pub fn select(
    loaded: &mut Loaded,
    project_dir: &Path,
    rev: &str,
    changed: &[PathBuf],
) -> SinceReport {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let definitions: BTreeSet<PathBuf> = loaded
        .definitions
        .iter()
        .map(|(name, _)| canonical(Path::new(name)))
        .collect();
    let policies = [project_dir.join("policies"), project_dir.join("frameworks")];
    let definitions_changed = changed.iter().any(|c| {
        definitions.contains(&canonical(c))
            || policies.iter().any(|d| c.starts_with(canonical(d)))
            || c.file_name()
                .is_some_and(|n| n == crate::load::PROJECT_FILE)
                && c.parent() == Some(canonical(project_dir).as_path())
    });
    let mut report = SinceReport {
        rev: rev.to_owned(),
        changed: changed.len(),
        skipped: Vec::new(),
        definitions_changed,
    };
    if definitions_changed {
        return report;
    }
    let repo = canonical(&loaded.project.repository);
    let in_repo: Vec<String> = changed
        .iter()
        .filter_map(|c| c.strip_prefix(&repo).ok())
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    let export_kinds: BTreeSet<&str> = loaded
        .project
        .exports
        .iter()
        .filter(|spec| {
            crate::source::export::resolve(spec)
                .map(|files| files.iter().any(|f| changed.contains(&canonical(f))))
                .unwrap_or(true)
        })
        .map(|spec| spec.kind.name())
        .collect();
    let affected = |kind: &CheckKind| {
        let selects = |files: &crate::model::FileSelector| in_repo.iter().any(|p| files.selects(p));
        kind.files().is_some_and(selects)
            || kind.record_sources().iter().any(|s| {
                // `k8s` reads repository manifests and `k8s` exports alike.
                ExportKind::ALL
                    .iter()
                    .any(|k| s.reads_export(*k) && export_kinds.contains(k.name()))
                    || crate::source::repo_files(*s).is_some_and(selects)
            })
    };
    report.skipped = loaded
        .catalog
        .checks
        .values()
        .filter(|c| !affected(&c.kind))
        .map(|c| c.id.clone())
        .collect();
    let skipped: BTreeSet<CheckId> = report.skipped.iter().cloned().collect();
    loaded.catalog.checks.retain(|id, _| !skipped.contains(id));
    report
}
