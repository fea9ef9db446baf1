//! Evaluation: walk the repository once, reading and judging each file as it
//! is found; stream each export once per population; then merge and sort, so
//! the result never depends on thread count.

mod exports;
mod imports;
mod plan;
mod terraform;
pub mod waive;

pub use exports::ExportTarget;
pub use imports::{ImportTarget, RunSeen};

use crate::check::{Judge, Outcome, Selected, kinds};
use crate::model::{
    Catalog, CheckId, ControlId, FrameworkId, Project, RecordSource, Selection, Validity,
};
use crate::outcome::{AttestationReport, CheckResult, ControlResult, EvalError, Finding, Status};
use crate::walk::{self, RootError, Tree, WalkOptions};
use jiff::Timestamp;
use jiff::civil::Date;
use plan::{Plan, Planned};

/// Files above this size are not read; checks selecting them report an error.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;

/// Findings kept in full per check (`--max-findings`); more are counted only.
/// A thousand is more than anyone reads, and bounds a report's size by the
/// number of checks, not by what the repository holds.
pub const DEFAULT_MAX_FINDINGS: usize = 1000;

/// Settings of one evaluation.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub max_file_size: u64,
    /// The date freshness keywords measure against.
    pub as_of: Timestamp,
    pub walk: WalkOptions,
    /// Hash every file a check examines, as it is read, and keep a copy of
    /// those up to this many bytes: the evidence bundle needs both.
    pub keep_inputs: Option<u64>,
    /// Honour `assay:ignore` directives in scanned files.
    pub inline_waivers: bool,
    /// Findings kept in full per check; the rest are counted, not kept.
    pub max_findings: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            as_of: Timestamp::UNIX_EPOCH,
            walk: WalkOptions::default(),
            keep_inputs: None,
            inline_waivers: true,
            max_findings: DEFAULT_MAX_FINDINGS,
        }
    }
}

/// A repository file a check examined, hashed from the bytes that were judged.
#[derive(Debug, Clone, PartialEq)]
pub struct ExaminedFile {
    /// Relative to the repository root.
    pub path: String,
    pub size: u64,
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// The content, when it is within the copy limit.
    pub copy: Option<Vec<u8>>,
    /// The checks that examined it, sorted.
    pub checks: Vec<CheckId>,
}

/// A repository document a record source could not judge (a Helm template,
/// a document that is no Kubernetes object), and why: named in the report,
/// never judged, never a pass.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct DocumentSkipped {
    /// Relative to the repository root.
    pub path: String,
    /// 1-based line of the document; absent when the whole file is skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The record source that skipped it (`k8s`).
    pub source: String,
    pub reason: String,
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
    pub imports: Vec<ImportTarget>,
    pub checks: Vec<CheckResult>,
    pub frameworks: Vec<FrameworkResult>,
    /// With [`EngineOptions::keep_inputs`]: every file examined, in walk order.
    pub examined: Vec<ExaminedFile>,
    /// Every waiver and inline directive, with its state and what it covered.
    pub waivers: Vec<crate::outcome::WaiverReport>,
    /// Repository documents a record source could not judge, by path and line.
    pub skipped_documents: Vec<DocumentSkipped>,
}

/// Evaluates every check of `catalog` over the project's repository and
/// exports, then rolls up the frameworks the project selects.
pub fn evaluate(
    catalog: &Catalog,
    project: &Project,
    options: EngineOptions,
) -> Result<(Tree, Evaluation), RootError> {
    let plan = Plan::new(catalog, options.as_of, options.max_file_size)
        .capping_findings(options.max_findings)
        .keeping_inputs(options.keep_inputs);
    let (tree, mut work) =
        walk::walk_with(&project.repository, options.walk, |file| plan.visit(file))?;
    terraform::judge(&plan, &tree.files, &mut work);
    let planned = &plan.planned;
    let files_read = work.iter().filter(|w| w.read).count();
    let (export_targets, export_outcomes) =
        exports::evaluate(planned, &project.exports, plan.max_findings);
    // The catalog's secret patterns scrub imported messages; compiled only
    // when there is something to import.
    let secrets = (!project.imports.is_empty()).then(|| crate::redact::Secrets::of(catalog));
    let imported = imports::evaluate(
        planned,
        &project.imports,
        &crate::import::Context {
            repository: &project.repository,
            secrets: secrets.as_ref().unwrap_or(crate::redact::Secrets::known()),
        },
        options.as_of,
        plan.max_findings,
    );

    // Regroup by check, keeping input order: each merge sees one check's inputs only.
    let mut paths: Vec<Vec<&str>> = vec![Vec::new(); planned.len()];
    let mut outcomes: Vec<Vec<Outcome>> = vec![Vec::new(); planned.len()];
    let mut examined = Vec::new();
    let mut inline = Vec::new();
    let mut skipped_documents = Vec::new();
    for (file, mut w) in tree.files.iter().zip(work) {
        inline.append(&mut w.inline);
        skipped_documents.extend(w.skipped.drain(..).map(|(source, s)| DocumentSkipped {
            path: file.relative.clone(),
            line: s.line,
            source: source.name().to_owned(),
            reason: s.reason,
        }));
        if let Some(kept) = w.kept.take() {
            let mut checks: Vec<CheckId> = kept
                .checks
                .iter()
                .filter_map(|&ci| planned.get(ci).map(|p| p.check.id.clone()))
                .collect();
            checks.sort();
            checks.dedup();
            examined.push(ExaminedFile {
                path: file.relative.clone(),
                size: kept.size,
                sha256: kept.sha256,
                copy: kept.copy,
                checks,
            });
        }
        for ci in w.selected {
            if let Some(p) = paths.get_mut(ci) {
                p.push(file.relative.as_str());
            }
        }
        for (ci, outcome) in w.outcomes {
            if let Some(o) = outcomes.get_mut(ci) {
                o.push(outcome);
            }
        }
    }
    for (ci, outcome) in export_outcomes.into_iter().chain(imported.outcomes) {
        if let Some(o) = outcomes.get_mut(ci) {
            o.push(outcome);
        }
    }
    inline.extend(imported.suppressions);
    let mut import_notes: Vec<Vec<String>> = vec![Vec::new(); planned.len()];
    for (ci, note) in imported.notes {
        if let Some(n) = import_notes.get_mut(ci) {
            n.push(note);
        }
    }
    let mut results: Vec<CheckResult> = planned
        .iter()
        .zip(paths.iter().zip(outcomes))
        .zip(&import_notes)
        .map(|((p, (files, outs)), notes)| {
            let inputs = Inputs {
                selected: files,
                tree: &tree,
                skipped: &skipped_documents,
                import_notes: notes,
            };
            merge(p, &inputs, outs, project, plan.max_findings)
        })
        .collect();
    let today = jiff::tz::Offset::UTC.to_datetime(options.as_of).date();
    let use_inline = options.inline_waivers;
    let mut matched = waive::apply(project, &inline, use_inline, &mut results, today);
    let frameworks = rollup(catalog, project, &results, today, &mut matched);
    let waivers = waive::reports(project, &inline, use_inline, &matched, today);
    let evaluation = Evaluation {
        files_read,
        exports: export_targets,
        imports: imported.targets,
        checks: results,
        frameworks,
        examined,
        waivers,
        skipped_documents,
    };
    Ok((tree, evaluation))
}

/// What a check's result is merged with besides its outcomes.
struct Inputs<'a> {
    /// The files its globs selected (file checks).
    selected: &'a [&'a str],
    tree: &'a Tree,
    /// Every repository document skipped, of every source.
    skipped: &'a [DocumentSkipped],
    /// Why imports could not make an imported check pass.
    import_notes: &'a [String],
}

/// One check's result from its inputs' outcomes: counts summed, at most
/// `cap` findings kept (the first in report order), the rest counted.
fn merge(
    p: &Planned<'_>,
    inputs: &Inputs<'_>,
    outcomes: Vec<Outcome>,
    project: &Project,
    cap: usize,
) -> CheckResult {
    let (selected, tree) = (inputs.selected, inputs.tree);
    let check = p.check;
    let mut findings: Vec<Finding> = Vec::new();
    let mut omitted = 0;
    let mut errors: Vec<EvalError> = Vec::new();
    let (mut examined, mut failing) = (0, 0);
    if check.kind.reads_repository() {
        errors.extend(tree.errors.iter().map(|e| EvalError {
            path: Some(e.path.clone()).filter(|p| !p.is_empty()),
            message: format!("part of the repository could not be listed: {}", e.message),
        }));
    }
    match (p.judge, check.kind.files()) {
        (Judge::Paths(judge), Some(files)) => {
            // A path check reads nothing: its only outcomes are special files it selected.
            errors.extend(outcomes.iter().filter_map(|o| match o {
                Outcome::Error(e) => Some(e.clone()),
                _ => None,
            }));
            examined = selected.len();
            let on = Selected {
                patterns: &files.patterns,
                paths: selected,
                complete: errors.is_empty(),
                cap,
            };
            match judge(check, &on) {
                Ok((f, o)) => {
                    (findings, omitted) = (f, o);
                    failing = findings.len() + omitted;
                }
                Err(e) => errors.push(e),
            }
        }
        _ => {
            for outcome in outcomes {
                match outcome {
                    Outcome::Examined {
                        findings: f,
                        omitted: o,
                        items,
                        failing: n,
                    } => {
                        examined += items;
                        failing += n;
                        omitted += o;
                        findings.extend(f);
                        // Trim as the findings come: never more than twice the cap held.
                        if findings.len() > cap.saturating_mul(2).max(64) {
                            keep_first(&mut findings, cap, &mut omitted);
                        }
                    }
                    Outcome::Error(e) => errors.push(e),
                }
            }
        }
    }
    keep_first(&mut findings, cap, &mut omitted);
    crate::fingerprint::assign(&check.id, &mut findings);
    errors.sort();
    let status = status_of(p.judge, examined, findings.len() + omitted, &errors);
    let note = if let Some(i) = check.kind.imported() {
        (status == Status::NotApplicable).then(|| imported_note(i, project, inputs.import_notes))
    } else {
        records_note(check, status, project, inputs)
    };
    CheckResult {
        id: check.id.clone(),
        title: check.title.clone(),
        severity: check.severity,
        sources: check
            .source_names()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        assertion: kinds::kind_of(check).spec.name.to_owned(),
        status,
        examined,
        failing,
        findings,
        findings_omitted: omitted,
        errors,
        note,
    }
}

/// Why a record check was not applicable, or what its pass did not cover.
fn records_note(
    check: &crate::model::Check,
    status: Status,
    project: &Project,
    inputs: &Inputs<'_>,
) -> Option<String> {
    check.kind.records().and_then(|r| {
        match status {
            Status::NotApplicable => missing_exports_note(&r.sources, project)
                .or_else(|| skipped_note(&r.sources, inputs.skipped, "nothing judged")),
            // A pass over some documents says nothing of those skipped.
            Status::Pass => skipped_note(&r.sources, inputs.skipped, "passed on what it judged"),
            _ => None,
        }
    })
}

/// Why an imported check had nothing to judge: no import declared, or no
/// run of its tool ran its rules, or ran them without saying it succeeded.
fn imported_note(
    check: &crate::model::ImportedCheck,
    project: &Project,
    notes: &[String],
) -> String {
    if let Some(first) = notes.first() {
        return first.clone();
    }
    if project.imports.is_empty() {
        return "no import declared: add an `[[import]]` to assay.toml or pass --import FILE"
            .to_owned();
    }
    format!(
        "no run of {} in the imports ran {}",
        check.tool,
        check.rules.join(", ")
    )
}

/// Sorts the findings into report order and keeps the first `cap`, counting
/// the others in `omitted`. Stable: records of one file keep their stream
/// order. Trimming early and again at the end keeps the same findings as
/// sorting them all at once: each input arrives in its own order, and the
/// findings dropped are never among the first `cap` of the whole.
fn keep_first(findings: &mut Vec<Finding>, cap: usize, omitted: &mut usize) {
    findings.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    if findings.len() > cap {
        *omitted += findings.len() - cap;
        findings.truncate(cap);
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

/// Says that a record check had documents of its sources skipped: not
/// applicable is then "nothing we could read", and a pass covers only what
/// was read; the report names them.
fn skipped_note(
    sources: &[RecordSource],
    skipped: &[DocumentSkipped],
    verdict: &str,
) -> Option<String> {
    let mine: Vec<&DocumentSkipped> = skipped
        .iter()
        .filter(|d| sources.iter().any(|s| s.name() == d.source))
        .collect();
    let n = mine.len();
    if n == 0 {
        return None;
    }
    let helm = if mine
        .iter()
        .any(|d| d.reason == crate::source::HELM_TEMPLATE_REASON)
    {
        "; render a Helm chart with `helm template CHART > rendered.yaml` and pass --export k8s=rendered.yaml"
    } else {
        ""
    };
    Some(format!(
        "{verdict}: {n} document{} skipped, named in the report{helm}",
        if n == 1 { "" } else { "s" }
    ))
}

/// Findings make a failure; otherwise errors make an error; otherwise a check
/// with nothing to judge is not applicable.
fn status_of(judge: Judge, examined: usize, findings: usize, errors: &[EvalError]) -> Status {
    let needs_items = judge.reads_contents();
    if findings > 0 {
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
fn rollup(
    catalog: &Catalog,
    project: &Project,
    results: &[CheckResult],
    today: Date,
    matched: &mut std::collections::BTreeMap<String, usize>,
) -> Vec<FrameworkResult> {
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
                    let attestation = attestation_for(project, &fw.id, &control.id, today);
                    let attested = attestation
                        .as_ref()
                        .is_some_and(|a| a.validity == Validity::Valid);
                    let mut status = match control_status(control.is_manual(), statuses) {
                        Status::Manual if attested => Status::Pass,
                        status => status,
                    };
                    if status == Status::Fail {
                        let checks: Vec<&CheckResult> = control
                            .checks
                            .iter()
                            .filter_map(|id| results.iter().find(|r| &r.id == id))
                            .collect();
                        if let Some(w) =
                            waive::control_waiver(project, &fw.id, &control.id, &checks, today)
                        {
                            *matched.entry(w.id.clone()).or_default() += 1;
                            status = Status::Waived;
                        }
                    }
                    ControlResult {
                        framework: fw.id.clone(),
                        id: control.id.clone(),
                        title: control.title.clone(),
                        status,
                        checks: control.checks.clone(),
                        attestation,
                    }
                })
                .collect(),
        })
        .collect()
}

/// The attestation that decides a manual control: the valid one made last;
/// failing that, the latest made, so the report says why it does not count.
fn attestation_for(
    project: &Project,
    framework: &FrameworkId,
    control: &ControlId,
    today: Date,
) -> Option<AttestationReport> {
    project
        .attestations
        .iter()
        .filter(|a| &a.framework == framework && &a.control == control)
        .max_by_key(|a| {
            let valid = a.validity(today) == Validity::Valid;
            (
                valid,
                a.date,
                a.expires,
                a.origin.file.clone(),
                a.origin.line,
            )
        })
        .map(|a| AttestationReport::new(a, today))
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
    } else if statuses.contains(&Status::Waived) {
        Status::Waived
    } else if statuses.iter().all(|s| *s == Status::NotApplicable) {
        Status::NotApplicable
    } else {
        Status::Pass
    }
}
