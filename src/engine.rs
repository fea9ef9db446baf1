//! Evaluation: plan which checks look at which files, read each file once in
//! parallel, then merge and sort so the result never depends on thread count.

use crate::check::{self, FileContents, FileOutcome, presence};
use crate::model::{Assertion, Catalog, Check, FrameworkId, Project};
use crate::outcome::{CheckResult, ControlResult, EvalError, Status};
use crate::walk::{Tree, TreeFile};
use rayon::prelude::*;
use std::io::Read;

/// Files above this size are not read; checks selecting them report an error.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;

/// Settings of one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    pub max_file_size: u64,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// The controls of one framework, with their statuses.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameworkResult {
    pub id: FrameworkId,
    pub name: String,
    pub controls: Vec<ControlResult>,
}

/// Results of every check and of the selected frameworks' controls.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Files opened and read: each at most once, however many checks use it.
    pub files_read: usize,
    pub checks: Vec<CheckResult>,
    pub frameworks: Vec<FrameworkResult>,
}

/// Evaluates every check of `catalog` over `tree`, then rolls up the frameworks `project` selects.
pub fn evaluate(
    catalog: &Catalog,
    project: &Project,
    tree: &Tree,
    options: EngineOptions,
) -> Evaluation {
    let checks: Vec<&Check> = catalog.checks.values().collect();
    let selected = select(&checks, &tree.files);
    let per_file = read_and_match(&checks, &selected, &tree.files, options);
    let files_read = per_file.len();
    // Regroup by check, keeping file order: the merge below sees one check's inputs only.
    let mut paths: Vec<Vec<&str>> = vec![Vec::new(); checks.len()];
    for (file, cs) in tree.files.iter().zip(&selected) {
        for &ci in cs {
            if let Some(p) = paths.get_mut(ci) {
                p.push(file.relative.as_str());
            }
        }
    }
    let mut outcomes: Vec<Vec<(usize, FileOutcome)>> = vec![Vec::new(); checks.len()];
    for (fi, outs) in per_file {
        for (ci, outcome) in outs {
            if let Some(o) = outcomes.get_mut(ci) {
                o.push((fi, outcome));
            }
        }
    }
    let results: Vec<CheckResult> = checks
        .iter()
        .zip(paths.iter().zip(outcomes))
        .map(|(check, (files, outs))| merge(check, files, outs, tree))
        .collect();
    let frameworks = rollup(catalog, project, &results);
    Evaluation {
        files_read,
        checks: results,
        frameworks,
    }
}

/// For each file, the indexes of the checks that select it.
fn select(checks: &[&Check], files: &[TreeFile]) -> Vec<Vec<usize>> {
    files
        .par_iter()
        .map(|file| {
            checks
                .iter()
                .enumerate()
                .filter(|(_, c)| c.files.selects(&file.relative))
                .map(|(i, _)| i)
                .collect()
        })
        .collect()
}

type PerFile = Vec<(usize, Vec<(usize, FileOutcome)>)>;

/// Reads every file some content check selects, once, and runs those checks on it.
fn read_and_match(
    checks: &[&Check],
    selected: &[Vec<usize>],
    files: &[TreeFile],
    options: EngineOptions,
) -> PerFile {
    let mut out: PerFile = selected
        .par_iter()
        .enumerate()
        .filter_map(|(fi, cs)| {
            let readers: Vec<usize> = cs
                .iter()
                .copied()
                .filter(|&ci| checks.get(ci).is_some_and(|c| c.assertion.reads_contents()))
                .collect();
            if readers.is_empty() {
                return None;
            }
            let file = files.get(fi)?;
            let outcomes = match read_file(file, options.max_file_size) {
                Ok(bytes) => {
                    let contents = FileContents::new(&file.relative, &bytes);
                    readers
                        .iter()
                        .filter_map(|&ci| {
                            Some((ci, check::evaluate_file(checks.get(ci)?, &contents)))
                        })
                        .collect()
                }
                Err(message) => readers
                    .iter()
                    .map(|&ci| (ci, FileOutcome::Error(message.clone())))
                    .collect(),
            };
            Some((fi, outcomes))
        })
        .collect();
    out.sort_by_key(|(fi, _)| *fi);
    out
}

fn read_file(file: &TreeFile, limit: u64) -> Result<Vec<u8>, String> {
    let handle = std::fs::File::open(&file.absolute).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::with_capacity(usize::try_from(file.size.min(limit)).unwrap_or(0));
    // Read one byte past the limit to notice a file that grew since the walk.
    handle
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "file is larger than the {} MiB limit (--max-file-size); not read",
            limit / (1024 * 1024)
        ));
    }
    Ok(bytes)
}

fn merge(
    check: &Check,
    selected: &[&str],
    outcomes: Vec<(usize, FileOutcome)>,
    tree: &Tree,
) -> CheckResult {
    let mut findings = Vec::new();
    let mut errors: Vec<EvalError> = tree
        .errors
        .iter()
        .map(|e| EvalError {
            path: Some(e.path.clone()).filter(|p| !p.is_empty()),
            message: format!("part of the repository could not be listed: {}", e.message),
        })
        .collect();
    let (mut examined, mut skipped_binary) = (0, 0);
    match &check.assertion {
        Assertion::Exists => {
            examined = selected.len();
            // Without a complete listing, a missing file may only be unreadable.
            if errors.is_empty() || !selected.is_empty() {
                findings = presence::exists(check, selected);
            }
        }
        Assertion::Absent => {
            examined = selected.len();
            findings = presence::absent(check, selected);
        }
        _ => {
            for (fi, outcome) in outcomes {
                let path = tree.files.get(fi).map(|f| f.relative.clone());
                match outcome {
                    FileOutcome::Examined(f) => {
                        examined += 1;
                        findings.extend(f);
                    }
                    FileOutcome::Binary => skipped_binary += 1,
                    FileOutcome::Error(message) => errors.push(EvalError { path, message }),
                }
            }
        }
    }
    if matches!(check.assertion, Assertion::Exists) && selected.is_empty() && !errors.is_empty() {
        errors.push(EvalError {
            path: None,
            message: "no selected file found, but the listing was incomplete".to_owned(),
        });
    }
    findings.sort();
    errors.sort();
    let status = status_of(&check.assertion, examined, &findings, &errors);
    CheckResult {
        id: check.id.clone(),
        title: check.title.clone(),
        severity: check.severity,
        assertion: check.assertion.name(),
        status,
        examined,
        skipped_binary,
        findings,
        errors,
    }
}

/// Findings make a failure; otherwise errors make an error; otherwise a
/// content check with nothing to read is not applicable.
fn status_of(
    assertion: &Assertion,
    examined: usize,
    findings: &[crate::outcome::Finding],
    errors: &[EvalError],
) -> Status {
    if !findings.is_empty() {
        Status::Fail
    } else if !errors.is_empty() {
        Status::Error
    } else if examined == 0 && assertion.reads_contents() {
        Status::NotApplicable
    } else {
        Status::Pass
    }
}

/// Control statuses of the frameworks the project selects (all, by default).
fn rollup(catalog: &Catalog, project: &Project, results: &[CheckResult]) -> Vec<FrameworkResult> {
    catalog
        .frameworks
        .values()
        .filter(|fw| {
            project
                .frameworks
                .as_ref()
                .is_none_or(|sel| sel.contains(&fw.id))
        })
        .map(|fw| FrameworkResult {
            id: fw.id.clone(),
            name: fw.name.clone(),
            controls: fw
                .controls
                .iter()
                .map(|control| {
                    let statuses = control
                        .checks
                        .iter()
                        .filter_map(|id| results.iter().find(|r| &r.id == id).map(|r| r.status));
                    ControlResult {
                        framework: fw.id.clone(),
                        id: control.id.clone(),
                        title: control.title.clone(),
                        status: control_status(control.is_manual(), statuses),
                        checks: control.checks.clone(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// A control fails if any of its checks fails, errors if any errors, and
/// passes when the rest pass; checks with nothing to look at do not count.
pub fn control_status(manual: bool, checks: impl Iterator<Item = Status>) -> Status {
    if manual {
        return Status::Manual;
    }
    let statuses: Vec<Status> = checks.collect();
    if statuses.contains(&Status::Fail) {
        Status::Fail
    } else if statuses.contains(&Status::Error) {
        Status::Error
    } else if statuses.iter().all(|s| *s == Status::NotApplicable) {
        Status::NotApplicable
    } else {
        Status::Pass
    }
}
