//! Evaluating imports: each file of each declared import is read once into
//! its tools' runs, and every imported check of a tool judges them. A file
//! that cannot be read, a run that failed and a run older than the import's
//! `max_age_days` are errors of the checks they concern, and fail the gate
//! even when no check reads them.

use super::plan::Planned;
use crate::check::imported::{self, Verdict};
use crate::check::{Location, Outcome};
use crate::import::{Context, ToolRun};
use crate::model::ImportSpec;
use crate::source::export::{Declared, resolve_declared};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// An import as read: its files and the tools that produced them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportTarget {
    pub name: String,
    pub format: String,
    /// The path or glob as declared.
    pub path: String,
    /// The files it matched, relative to the project directory (declared in
    /// `assay.toml`) or as typed (`--import`).
    pub files: Vec<String>,
    /// The same files as opened, for the evidence bundle's digests.
    #[serde(skip)]
    pub opened: Vec<PathBuf>,
    /// Each run read: the tool, its version, when it ran, and its results.
    pub runs: Vec<RunSeen>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A tool's run as an import recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSeen {
    pub tool: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ran_at: Option<String>,
    /// Rules it says it ran, and its results.
    pub rules: usize,
    pub results: usize,
}

/// What evaluating the imports gave each check: outcomes, and for a check
/// that could not pass on what was imported, why.
pub(super) struct Imported {
    pub targets: Vec<ImportTarget>,
    pub outcomes: Vec<(usize, Outcome)>,
    pub notes: Vec<(usize, String)>,
    /// Suppressions the tools recorded, as inline waivers.
    pub suppressions: Vec<super::waive::Inline>,
}

/// Reads every import and judges every imported check on it.
pub(super) fn evaluate(
    planned: &[Planned<'_>],
    imports: &[ImportSpec],
    cx: &Context<'_>,
    as_of: jiff::Timestamp,
    cap: usize,
) -> Imported {
    let checks: Vec<usize> = planned
        .iter()
        .enumerate()
        .filter(|(_, p)| p.check.kind.imported().is_some())
        .map(|(i, _)| i)
        .collect();
    let mut out = Imported {
        targets: Vec::new(),
        outcomes: Vec::new(),
        notes: Vec::new(),
        suppressions: Vec::new(),
    };
    let conditions = planned
        .iter()
        .map(|p| {
            let condition = p.check.kind.imported()?.condition.as_ref()?;
            Some(crate::schema::compile(condition, as_of))
        })
        .collect();
    let judging = Judging {
        planned,
        checks: &checks,
        cx,
        as_of,
        cap,
        conditions,
    };
    for spec in imports {
        let mut target = ImportTarget {
            name: spec.name.clone(),
            format: spec.format.name().to_owned(),
            path: spec.path.clone(),
            files: Vec::new(),
            opened: Vec::new(),
            runs: Vec::new(),
            error: None,
        };
        let declared = Declared {
            what: "import",
            name: &spec.name,
            path: &spec.path,
            base: &spec.base,
            confined: spec.confined,
        };
        let files = resolve_declared(&declared);
        match super::exports::resolved(files, &spec.path, &checks, &mut out.outcomes) {
            Err(message) => target.error = Some(message),
            Ok(files) => {
                for file in files {
                    let shown = file.strip_prefix(&spec.base).unwrap_or(&file);
                    let display = crate::name::display_name(shown);
                    judging.file(spec, (&file, &display), &mut out, &mut target);
                    target.files.push(display);
                    target.opened.push(file);
                }
            }
        }
        out.targets.push(target);
    }
    out
}

/// What judging imported files needs: the imported checks, and the run's settings.
struct Judging<'a> {
    planned: &'a [Planned<'a>],
    /// Indices of the imported checks in `planned`.
    checks: &'a [usize],
    cx: &'a Context<'a>,
    as_of: jiff::Timestamp,
    cap: usize,
    /// Each check's `where`, compiled once, by index in `planned`.
    conditions: Vec<Option<Result<jsonschema::Validator, String>>>,
}

impl Judging<'_> {
    /// Reads one imported file and judges each imported check on its runs.
    fn file(
        &self,
        spec: &ImportSpec,
        (file, display): (&Path, &str),
        out: &mut Imported,
        target: &mut ImportTarget,
    ) {
        let (planned, checks, cx, as_of, cap) =
            (self.planned, self.checks, self.cx, self.as_of, self.cap);
        let runs = match crate::import::read(spec.format, file, cx) {
            Ok(runs) => runs,
            Err(message) => {
                let message = format!("import `{}`: `{display}`: {message}", spec.name);
                out.outcomes.extend(
                    checks
                        .iter()
                        .map(|&ci| (ci, Outcome::error(display, message.clone()))),
                );
                target.error.get_or_insert(message);
                return;
            }
        };
        target.runs.extend(runs.iter().map(|r| RunSeen {
            tool: r.tool.clone(),
            version: r.version.clone(),
            ran_at: r.ran_at.map(|t| t.to_string()),
            rules: r.rules.len(),
            results: r.results.len(),
        }));
        let stale: Vec<(&ToolRun, String)> = runs
            .iter()
            .filter_map(|r| staleness(r, spec.max_age_days, as_of).map(|why| (r, why)))
            .collect();
        if let Some((_, why)) = stale.first() {
            target
                .error
                .get_or_insert_with(|| format!("import `{}`: `{display}`: {why}", spec.name));
        }
        // A run that says it failed makes the import unusable, read or not.
        if let Some(failed) = runs.iter().find(|r| r.succeeded == Some(false)) {
            let why = failed.failure.as_deref().unwrap_or("an invocation failed");
            target.error.get_or_insert_with(|| {
                format!(
                    "import `{}`: `{display}`: {}'s run did not succeed: {why}",
                    spec.name, failed.tool
                )
            });
        }
        let at = Location {
            path: display,
            export: Some(&spec.name),
        };
        for &ci in checks {
            let Some(check) = planned.get(ci).and_then(|p| p.check.kind.imported()) else {
                continue;
            };
            if let Some((_, why)) = stale.iter().find(|(r, _)| check.is_for(&r.tool)) {
                out.outcomes
                    .push((ci, Outcome::error(display, why.clone())));
                continue;
            }
            if let Some(p) = planned.get(ci) {
                out.suppressions.extend(suppressions(
                    p.check.id.as_str(),
                    check,
                    &runs,
                    &spec.name,
                ));
            }
            let condition = match self.conditions.get(ci) {
                Some(Some(Ok(v))) => Some(v),
                Some(Some(Err(e))) => {
                    out.outcomes.push((ci, Outcome::error(display, e.clone())));
                    continue;
                }
                _ => None,
            };
            match imported::judge(check, condition, &runs, &at, cap) {
                Some(Verdict::Judged(outcome)) => out.outcomes.push((ci, outcome)),
                Some(Verdict::Unproven(why)) => out.notes.push((ci, format!("`{display}`: {why}"))),
                None => {}
            }
        }
    }
}

/// Why a run is too old (or of unknown age) for an import's `max_age_days`.
fn staleness(run: &ToolRun, max_age_days: Option<u32>, as_of: jiff::Timestamp) -> Option<String> {
    let days = max_age_days?;
    let Some(ran_at) = run.ran_at else {
        return Some(format!(
            "max_age_days is {days}, but {}'s run records no time (invocations[].endTimeUtc), so its age is unknown",
            run.tool
        ));
    };
    // A run after the as-of date (beyond a day of clock skew) is not
    // evidence of that date.
    let skew = as_of.checked_add(jiff::SignedDuration::from_hours(24));
    if skew.is_ok_and(|latest| ran_at > latest) {
        return Some(format!(
            "{} ran at {ran_at}, after the as-of date: not evidence of it",
            run.tool
        ));
    }
    let limit = as_of.checked_sub(jiff::SignedDuration::from_hours(i64::from(days) * 24));
    match limit {
        Ok(limit) if ran_at < limit => Some(format!(
            "stale evidence: {} ran at {ran_at}, more than {days} days before the as-of date",
            run.tool
        )),
        _ => None,
    }
}

/// The suppressions the tool recorded on failing results of the check's
/// rules, as inline waivers of the check at the result's file and line: the
/// engine applies them as it applies `assay:ignore` directives (a
/// justification required, none under `--no-inline-waivers`), and reports them.
fn suppressions(
    check_id: &str,
    check: &crate::model::ImportedCheck,
    runs: &[ToolRun],
    import: &str,
) -> Vec<super::waive::Inline> {
    runs.iter()
        .filter(|r| check.is_for(&r.tool))
        .flat_map(|run| {
            run.results
                .iter()
                .filter(|r| r.failing && check.selects_result(&r.rule))
                .filter_map(move |r| {
                    let s = r.suppressed.as_ref()?;
                    Some(super::waive::Inline {
                        path: r.path.clone()?,
                        line: r.line?,
                        whole_file: false,
                        check: check_id.to_owned(),
                        rule: Some(r.rule.clone()),
                        reason: s.justification.clone(),
                        suppressed_by: Some(format!(
                            "{} ({}) in import `{import}`",
                            run.tool, s.kind
                        )),
                    })
                })
        })
        .collect()
}
