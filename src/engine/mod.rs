//! Evaluation: plan which checks look at which inputs, read each repository
//! file once in parallel, stream each export once per population, then merge
//! and sort so the result never depends on thread count.

use crate::check::{self, CompiledRecordCheck, FileContents, Location, Outcome, presence};
use crate::model::{
    Assertion, Catalog, Check, CheckKind, FrameworkId, Project, RecordSource, Selection,
};
use crate::outcome::{CheckResult, ControlResult, EvalError, Finding, Status};
use crate::source::{self, HclFile, Parsed, Record};
use crate::walk::{Tree, TreeFile};
use jiff::Timestamp;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Read;

mod exports;

pub use exports::ExportTarget;

/// Files above this size are not read; checks selecting them report an error.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;

/// Settings of one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    pub max_file_size: u64,
    /// The date freshness keywords measure against.
    pub as_of: Timestamp,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            as_of: Timestamp::UNIX_EPOCH,
        }
    }
}

/// The controls of one framework, with their statuses.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameworkResult {
    pub id: FrameworkId,
    /// The baseline selected, if any: only its controls are here.
    pub baseline: Option<String>,
    pub name: String,
    pub controls: Vec<ControlResult>,
}

/// Results of every check and of the selected frameworks' controls.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Repository files opened and read: each at most once, however many checks use it.
    pub files_read: usize,
    pub exports: Vec<ExportTarget>,
    pub checks: Vec<CheckResult>,
    pub frameworks: Vec<FrameworkResult>,
}

/// A check ready to run: record checks have their schemas compiled for this run.
pub(crate) struct Planned<'a> {
    pub check: &'a Check,
    pub compiled: Option<Result<CompiledRecordCheck, String>>,
}

impl Planned<'_> {
    fn record_sources(&self) -> &[RecordSource] {
        match &self.check.kind {
            CheckKind::Records(r) => &r.sources,
            CheckKind::Files { .. } => &[],
        }
    }
}

/// What reads a repository file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// A file check that reads contents.
    Content(usize),
    /// A repository record source, parsed once for all its checks.
    Source(RecordSource),
}

/// Evaluates every check of `catalog` over `tree` and the project's exports,
/// then rolls up the frameworks `project` selects.
pub fn evaluate(
    catalog: &Catalog,
    project: &Project,
    tree: &Tree,
    options: EngineOptions,
) -> Evaluation {
    let planned: Vec<Planned<'_>> = catalog
        .checks
        .values()
        .map(|check| Planned {
            check,
            compiled: match &check.kind {
                CheckKind::Records(r) => Some(CompiledRecordCheck::new(r, options.as_of)),
                CheckKind::Files { .. } => None,
            },
        })
        .collect();
    let selected = select(&planned, &tree.files);
    let mut per_file = read_and_judge(&planned, &selected, &tree.files, options);
    judge_terraform(&planned, &tree.files, &mut per_file);
    let files_read = per_file.len();
    let (export_targets, export_outcomes) = exports::evaluate(&planned, &project.exports);

    // Regroup by check, keeping input order: each merge sees one check's inputs only.
    let mut paths: Vec<Vec<&str>> = vec![Vec::new(); planned.len()];
    for (file, (checks, _)) in tree.files.iter().zip(&selected) {
        for &ci in checks {
            if let Some(p) = paths.get_mut(ci) {
                p.push(file.relative.as_str());
            }
        }
    }
    let mut outcomes: Vec<Vec<Outcome>> = vec![Vec::new(); planned.len()];
    for (ci, outcome) in per_file
        .into_iter()
        .flat_map(|r| r.outcomes)
        .chain(export_outcomes)
    {
        if let Some(o) = outcomes.get_mut(ci) {
            o.push(outcome);
        }
    }
    let results: Vec<CheckResult> = planned
        .iter()
        .zip(paths.iter().zip(outcomes))
        .map(|(p, (files, outs))| merge(p, files, outs, tree, project))
        .collect();
    let frameworks = rollup(catalog, project, &results);
    Evaluation {
        files_read,
        exports: export_targets,
        checks: results,
        frameworks,
    }
}

/// For each file: the file checks that select it, and who must read it.
fn select(planned: &[Planned<'_>], files: &[TreeFile]) -> Vec<(Vec<usize>, Vec<Reader>)> {
    let used_sources: Vec<RecordSource> = RecordSource::REPO_SOURCES
        .into_iter()
        .filter(|s| planned.iter().any(|p| p.record_sources().contains(s)))
        .collect();
    files
        .par_iter()
        .map(|file| {
            let mut checks = Vec::new();
            let mut readers = Vec::new();
            for (i, p) in planned.iter().enumerate() {
                if let CheckKind::Files { files, assertion } = &p.check.kind
                    && files.selects(&file.relative)
                {
                    checks.push(i);
                    if assertion.reads_contents() {
                        readers.push(Reader::Content(i));
                    }
                }
            }
            for &s in &used_sources {
                if source::repo_files(s).is_some_and(|sel| sel.selects(&file.relative)) {
                    readers.push(Reader::Source(s));
                }
            }
            (checks, readers)
        })
        .collect()
}

/// What reading one file produced: outcomes, and Terraform waiting for its module.
struct FileResult {
    index: usize,
    outcomes: Vec<(usize, Outcome)>,
    terraform: Option<HclFile>,
}

/// Reads every file something must read, once, and judges it for all of them.
fn read_and_judge(
    planned: &[Planned<'_>],
    selected: &[(Vec<usize>, Vec<Reader>)],
    files: &[TreeFile],
    options: EngineOptions,
) -> Vec<FileResult> {
    let mut out: Vec<FileResult> = selected
        .par_iter()
        .enumerate()
        .filter(|(_, (_, readers))| !readers.is_empty())
        .filter_map(|(index, (_, readers))| {
            let file = files.get(index)?;
            let (outcomes, terraform) = match read_file(file, options.max_file_size) {
                Ok(bytes) => {
                    judge_file(planned, readers, &FileContents::new(&file.relative, &bytes))
                }
                Err(message) => (
                    readers
                        .iter()
                        .flat_map(|r| readers_checks(planned, *r))
                        .map(|ci| (ci, Outcome::error(&file.relative, message.clone())))
                        .collect(),
                    None,
                ),
            };
            Some(FileResult {
                index,
                outcomes,
                terraform,
            })
        })
        .collect();
    out.sort_by_key(|r| r.index);
    out
}

/// Judges Terraform files once every file of their module (directory) is
/// read, with `var.NAME` replaced by the module's variable defaults.
fn judge_terraform(planned: &[Planned<'_>], files: &[TreeFile], results: &mut [FileResult]) {
    let module = |index: usize| {
        files
            .get(index)
            .and_then(|f| f.relative.rsplit_once('/').map(|(dir, _)| dir.to_owned()))
            .unwrap_or_default()
    };
    let mut variables: BTreeMap<String, BTreeMap<String, serde_json::Value>> = BTreeMap::new();
    for r in results.iter() {
        if let Some(hcl) = &r.terraform {
            let vars = variables.entry(module(r.index)).or_default();
            for (name, default) in &hcl.variables {
                vars.entry(name.clone()).or_insert_with(|| default.clone());
            }
        }
    }
    let checks = checks_of_source(planned, RecordSource::Terraform);
    for r in results.iter_mut() {
        let (Some(hcl), Some(file)) = (r.terraform.take(), files.get(r.index)) else {
            continue;
        };
        let vars = variables.get(&module(r.index)).cloned().unwrap_or_default();
        let mut records = hcl.records;
        for record in &mut records {
            source::resolve_variables(&mut record.value, &vars);
        }
        let at = Location {
            path: &file.relative,
            export: None,
        };
        for &ci in &checks {
            r.outcomes
                .push((ci, judge_records(planned, ci, &records, &at)));
        }
    }
}

/// The checks a reader stands for.
fn readers_checks(planned: &[Planned<'_>], reader: Reader) -> Vec<usize> {
    match reader {
        Reader::Content(ci) => vec![ci],
        Reader::Source(s) => checks_of_source(planned, s),
    }
}

fn checks_of_source(planned: &[Planned<'_>], source: RecordSource) -> Vec<usize> {
    planned
        .iter()
        .enumerate()
        .filter(|(_, p)| p.record_sources().contains(&source))
        .map(|(i, _)| i)
        .collect()
}

fn judge_file(
    planned: &[Planned<'_>],
    readers: &[Reader],
    contents: &FileContents<'_>,
) -> (Vec<(usize, Outcome)>, Option<HclFile>) {
    let mut out = Vec::new();
    let mut terraform = None;
    for reader in readers {
        match *reader {
            Reader::Content(ci) => {
                if let Some(p) = planned.get(ci) {
                    out.push((ci, check::evaluate_file(p.check, contents)));
                }
            }
            Reader::Source(source) => {
                if contents.is_binary() {
                    continue;
                }
                let text = String::from_utf8_lossy(contents.bytes);
                let records = match source::parse_repo_file(source, contents.path, &text) {
                    Ok(Parsed::Skipped) => continue,
                    Ok(Parsed::Terraform(hcl)) => {
                        terraform = Some(hcl);
                        continue;
                    }
                    Ok(Parsed::Records(records)) => Ok(records),
                    Err(message) => Err(message),
                };
                let at = Location {
                    path: contents.path,
                    export: None,
                };
                for ci in checks_of_source(planned, source) {
                    let outcome = match &records {
                        Ok(records) => judge_records(planned, ci, records, &at),
                        Err(message) => Outcome::error(contents.path, message.clone()),
                    };
                    out.push((ci, outcome));
                }
            }
        }
    }
    (out, terraform)
}

/// Judges records for one record check: population, failures, findings.
pub(crate) fn judge_records(
    planned: &[Planned<'_>],
    ci: usize,
    records: &[Record],
    at: &Location<'_>,
) -> Outcome {
    let Some(p) = planned.get(ci) else {
        return Outcome::file(Vec::new());
    };
    let (Some(compiled), CheckKind::Records(spec)) = (&p.compiled, &p.check.kind) else {
        return Outcome::file(Vec::new());
    };
    let compiled = match compiled {
        Ok(c) => c,
        Err(message) => {
            return Outcome::error(at.path, format!("schema does not compile: {message}"));
        }
    };
    let mut findings = Vec::new();
    let mut items = 0;
    for record in records.iter().filter(|r| compiled.selects(r)) {
        items += 1;
        findings.extend(compiled.judge(p.check, spec, record, at));
    }
    Outcome::Examined {
        failing: findings.len(),
        findings,
        items,
    }
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
    p: &Planned<'_>,
    selected: &[&str],
    outcomes: Vec<Outcome>,
    tree: &Tree,
    project: &Project,
) -> CheckResult {
    let check = p.check;
    let mut findings: Vec<Finding> = Vec::new();
    let mut errors: Vec<EvalError> = Vec::new();
    let (mut examined, mut failing, mut skipped_binary) = (0, 0, 0);
    let mut note = None;
    let reads_repo = match &check.kind {
        CheckKind::Files { .. } => true,
        CheckKind::Records(r) => r
            .sources
            .iter()
            .any(|s| !matches!(s, RecordSource::Export(_))),
    };
    if reads_repo {
        errors.extend(tree.errors.iter().map(|e| EvalError {
            path: Some(e.path.clone()).filter(|p| !p.is_empty()),
            message: format!("part of the repository could not be listed: {}", e.message),
        }));
    }
    match &check.kind {
        CheckKind::Files {
            files,
            assertion: Assertion::Exists,
        } => {
            examined = selected.len();
            // Without a complete listing, a missing file may only be unreadable.
            if selected.is_empty() && !errors.is_empty() {
                errors.push(EvalError {
                    path: None,
                    message: "no selected file found, but the listing was incomplete".to_owned(),
                });
            } else {
                findings = presence::exists(check, files, selected);
                failing = findings.len();
            }
        }
        CheckKind::Files {
            assertion: Assertion::Absent,
            ..
        } => {
            examined = selected.len();
            findings = presence::absent(check, selected);
            failing = findings.len();
        }
        _ => {
            for outcome in outcomes {
                match outcome {
                    Outcome::Examined {
                        findings: f,
                        items,
                        failing: n,
                    } => {
                        examined += items;
                        failing += n;
                        findings.extend(f);
                    }
                    Outcome::Binary => skipped_binary += 1,
                    Outcome::Error(e) => errors.push(e),
                }
            }
            if let CheckKind::Records(r) = &check.kind {
                note = missing_exports_note(&r.sources, project);
            }
        }
    }
    // Stable: records of one file keep their stream order.
    findings.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    errors.sort();
    let status = status_of(check, examined, &findings, &errors);
    CheckResult {
        id: check.id.clone(),
        title: check.title.clone(),
        severity: check.severity,
        sources: check.source_names(),
        assertion: check.assertion_name(),
        status,
        examined,
        failing,
        skipped_binary,
        findings,
        errors,
        note: note.filter(|_| status == Status::NotApplicable),
    }
}

/// Says which export kinds a record check needed and nobody declared.
fn missing_exports_note(sources: &[RecordSource], project: &Project) -> Option<String> {
    let missing: Vec<String> = sources
        .iter()
        .filter_map(|s| match s {
            RecordSource::Export(kind) if !project.exports.iter().any(|e| e.kind == *kind) => {
                Some(format!("`{kind}`"))
            }
            _ => None,
        })
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(format!(
        "no export of kind {} declared: add one to assay.toml or pass --export KIND=PATH",
        missing.join(" or ")
    ))
}

/// Findings make a failure; otherwise errors make an error; otherwise a check
/// with nothing to judge is not applicable.
fn status_of(check: &Check, examined: usize, findings: &[Finding], errors: &[EvalError]) -> Status {
    let needs_items = match &check.kind {
        CheckKind::Files { assertion, .. } => assertion.reads_contents(),
        CheckKind::Records(_) => true,
    };
    if !findings.is_empty() {
        Status::Fail
    } else if !errors.is_empty() {
        Status::Error
    } else if examined == 0 && needs_items {
        Status::NotApplicable
    } else {
        Status::Pass
    }
}

/// Control statuses of the frameworks the project selects (all, by default).
fn rollup(catalog: &Catalog, project: &Project, results: &[CheckResult]) -> Vec<FrameworkResult> {
    let all: Vec<Selection> = catalog
        .frameworks
        .keys()
        .map(|id| Selection::parse(id.as_str()))
        .collect();
    let selections = project.frameworks.as_ref().unwrap_or(&all);
    selections
        .iter()
        .filter_map(|sel| catalog.frameworks.get(&sel.framework).map(|fw| (sel, fw)))
        .map(|(sel, fw)| FrameworkResult {
            id: fw.id.clone(),
            baseline: sel.baseline.clone(),
            name: fw.name.clone(),
            controls: fw
                .controls
                .iter()
                .filter(|control| sel.includes(control))
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
