//! Evaluating exports: each file of each declared export is streamed once
//! per distinct population (`each`), and every record check over its kind
//! judges each batch of records in parallel.

use super::plan::{Planned, judge_records};
use crate::check::{Location, Outcome};
use crate::model::{ExportSpec, Pointer};
use crate::source::Record;
use crate::source::export;
use serde::{Deserialize, Serialize};

/// An export as examined: its files and how many records they held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportTarget {
    pub name: String,
    pub kind: String,
    /// The path or glob as declared.
    pub path: String,
    /// The files it matched, as findings cite them: relative to the project
    /// directory for an export declared in `assay.toml` (like the path
    /// there), as typed for `--export`; never relative to where assay runs.
    pub files: Vec<String>,
    /// The same files as opened, for the evidence bundle's digests.
    #[serde(skip)]
    pub opened: Vec<std::path::PathBuf>,
    /// Records read from the files, for the first population streamed.
    pub records: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

type Outcomes = Vec<(usize, Outcome)>;

/// Streams every export; each check keeps at most `cap` findings per export file.
pub(super) fn evaluate(
    planned: &[Planned<'_>],
    exports: &[ExportSpec],
    cap: usize,
) -> (Vec<ExportTarget>, Outcomes) {
    let mut targets = Vec::new();
    let mut outcomes = Vec::new();
    for spec in exports {
        let checks: Vec<usize> = planned
            .iter()
            .enumerate()
            .filter(|(_, p)| p.record_sources().iter().any(|s| s.reads_export(spec.kind)))
            .map(|(i, _)| i)
            .collect();
        let mut target = ExportTarget {
            name: spec.name.clone(),
            kind: spec.kind.name().to_owned(),
            path: spec.path.clone(),
            files: Vec::new(),
            opened: Vec::new(),
            records: 0,
            error: None,
        };
        match resolved(export::resolve(spec), &spec.path, &checks, &mut outcomes) {
            Err(message) => target.error = Some(message),
            Ok(files) => {
                for file in files {
                    let shown = file.strip_prefix(&spec.base).unwrap_or(&file);
                    let display = crate::name::display_name(shown);
                    let records = evaluate_file(
                        planned,
                        spec,
                        &checks,
                        (&file, &display),
                        cap,
                        &mut outcomes,
                    );
                    target.records += records;
                    target.files.push(display);
                    target.opened.push(file);
                }
            }
        }
        targets.push(target);
    }
    (targets, outcomes)
}

/// A declared input's files, or its error given to every check reading it
/// (`path` as declared, since no file was found to cite).
pub(super) fn resolved(
    files: Result<Vec<std::path::PathBuf>, String>,
    path: &str,
    checks: &[usize],
    outcomes: &mut Outcomes,
) -> Result<Vec<std::path::PathBuf>, String> {
    files.inspect_err(|message| {
        outcomes.extend(
            checks
                .iter()
                .map(|&ci| (ci, Outcome::error(path, message.clone()))),
        );
    })
}

/// Streams one export file for every population its checks ask for; returns
/// the number of records in the first one.
fn evaluate_file(
    planned: &[Planned<'_>],
    spec: &ExportSpec,
    checks: &[usize],
    (file, display): (&std::path::Path, &str),
    cap: usize,
    outcomes: &mut Outcomes,
) -> usize {
    let kind_schema = export::kind_schema(spec.kind);
    let mut first_count = None;
    for (each, group) in populations(planned, checks) {
        let at = Location {
            path: display,
            export: Some(&spec.name),
        };
        let empty = || Outcome::Examined {
            findings: Vec::new(),
            omitted: 0,
            items: 0,
            failing: 0,
        };
        let projection = projection(planned, &group);
        let judge = |records: &[Record]| -> Vec<Outcome> {
            group
                .iter()
                .map(|&ci| judge_records(planned, ci, records, &at, cap))
                .collect()
        };
        match export::stream(
            spec,
            file,
            each.as_ref(),
            kind_schema,
            projection.as_ref(),
            &judge,
        ) {
            Ok((s, batches)) => {
                first_count.get_or_insert(s.records);
                let mut partial: Vec<Outcome> = group.iter().map(|_| empty()).collect();
                for judged in batches {
                    for (acc, o) in partial.iter_mut().zip(judged) {
                        absorb(acc, o, cap);
                    }
                }
                outcomes.extend(group.iter().copied().zip(partial));
                // A record that does not match the kind's shape makes every check of it an error.
                if let Some((pointer, problem)) = s.invalid {
                    let more = match s.invalid_count {
                        1 => String::new(),
                        n => format!(" ({} more records do not match)", n - 1),
                    };
                    let error =
                        Outcome::error(display, format!("record {pointer} {problem}{more}"));
                    outcomes.extend(group.iter().map(|&ci| (ci, error.clone())));
                }
            }
            Err(message) => {
                outcomes.extend(
                    group
                        .iter()
                        .map(|&ci| (ci, Outcome::error(display, message.clone()))),
                );
            }
        }
    }
    first_count.unwrap_or(0)
}

/// The record members a group's checks can read, when the checks say.
fn projection(
    planned: &[Planned<'_>],
    group: &[usize],
) -> Option<std::collections::BTreeSet<String>> {
    let checks: Option<Vec<&crate::model::RecordCheck>> = group
        .iter()
        .map(|&ci| planned.get(ci)?.check.kind.records())
        .collect();
    crate::source::projection::needed_members(checks?)
}

/// Folds one batch's outcome into the running one, keeping the first `cap`
/// findings in stream order and counting the rest.
fn absorb(acc: &mut Outcome, o: Outcome, cap: usize) {
    match (acc, o) {
        (
            Outcome::Examined {
                findings,
                omitted,
                items,
                failing,
            },
            Outcome::Examined {
                findings: f,
                omitted: o,
                items: i,
                failing: n,
            },
        ) => {
            let room = cap.saturating_sub(findings.len());
            *omitted += o + f.len().saturating_sub(room);
            findings.extend(f.into_iter().take(room));
            *items += i;
            *failing += n;
        }
        (acc, other @ Outcome::Error(_)) => *acc = other,
        _ => {}
    }
}

/// The checks grouped by the population they stream (`each`), in check order.
fn populations(planned: &[Planned<'_>], checks: &[usize]) -> Vec<(Option<Pointer>, Vec<usize>)> {
    let mut groups: Vec<(Option<Pointer>, Vec<usize>)> = Vec::new();
    for &ci in checks {
        let each = planned
            .get(ci)
            .and_then(|p| p.check.kind.records()?.each.clone());
        match groups.iter_mut().find(|(e, _)| *e == each) {
            Some((_, g)) => g.push(ci),
            None => groups.push((each, vec![ci])),
        }
    }
    groups
}
