//! Checkov's JSON report (`checkov -o json`): one object for one framework,
//! or a list of them, each with `check_type`, `results` (`passed_checks`,
//! `failed_checks`, `skipped_checks`, `parsing_errors`) and `summary`
//! (`checkov_version`, `parsing_errors`). Unlike SARIF it lists the passes,
//! so a check of Checkov's rules can pass on it.
//!
//! - Every framework object is one run of the tool `checkov`; the rules it
//!   ran are every `check_id` it lists, passed, failed or skipped.
//! - A file Checkov could not parse (`parsing_errors`) leaves its checks
//!   unknown: the run did not succeed, and the checks reading it are errors.
//! - A skipped check (a `checkov:skip=` comment) is a suppression with its
//!   `suppress_comment` as justification.
//! - Locations: `file_path` is relative to the directory Checkov scanned (run
//!   it from the repository root with `-d .`); the line is the first of
//!   `file_line_range`. `code_block` (the resource's source) is never read.
//! - `--quiet` reports leave the passes out: rules with no failure are then
//!   not listed, and nothing passes on them. Checkov records no time, so an
//!   import with `max_age_days` needs another format.

use super::{Context, Suppression, ToolResult, ToolRun, clean_message, repository_path};
use serde::Deserialize;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// One framework's report: `check_type` and `results` are required, so
/// that no other JSON reads as a Checkov report of nothing.
#[derive(Deserialize)]
struct Report {
    check_type: String,
    results: Results,
    #[serde(default)]
    summary: Summary,
}

#[derive(Deserialize, Default)]
struct Results {
    #[serde(default)]
    passed_checks: Vec<Entry>,
    #[serde(default)]
    failed_checks: Vec<Entry>,
    #[serde(default)]
    skipped_checks: Vec<Entry>,
    #[serde(default)]
    parsing_errors: Vec<String>,
}

#[derive(Deserialize, Default)]
struct Summary {
    checkov_version: Option<String>,
    #[serde(default)]
    parsing_errors: u64,
}

#[derive(Deserialize)]
struct Entry {
    check_id: String,
    check_name: Option<String>,
    file_path: Option<String>,
    file_line_range: Option<Vec<u32>>,
    resource: Option<String>,
    /// Where Checkov puts a skip's comment (`checkov:skip=ID:comment`).
    check_result: Option<CheckResult>,
    /// Where older reports put it.
    suppress_comment: Option<String>,
}

#[derive(Deserialize)]
struct CheckResult {
    suppress_comment: Option<String>,
}

/// What Checkov writes for a `checkov:skip` without a comment.
const NO_COMMENT: &str = "No comment provided";

/// Reads a Checkov JSON report's framework objects as runs.
pub fn read(file: &Path, cx: &Context<'_>) -> Result<Vec<ToolRun>, String> {
    let opened = std::fs::File::open(file).map_err(|e| format!("cannot read: {e}"))?;
    let mut reader = BufReader::with_capacity(1 << 16, opened);
    let list = first_byte(&mut reader).map_err(|e| format!("cannot read: {e}"))? == Some(b'[');
    let mut de = serde_json::Deserializer::from_reader(reader);
    let reports: Vec<Report> = if list {
        Vec::deserialize(&mut de)
    } else {
        Report::deserialize(&mut de).map(|r| vec![r])
    }
    .map_err(|e| format!("not a Checkov JSON report: {e}"))?;
    de.end()
        .map_err(|e| format!("not a Checkov JSON report: content after it: {e}"))?;
    reports
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let what = format!("report {i} ({})", super::clean_field(&r.check_type));
            run(r, cx).map_err(|e| format!("{what}: {e}"))
        })
        .collect()
}

/// The first byte that is not white space, left unread.
fn first_byte(reader: &mut impl BufRead) -> std::io::Result<Option<u8>> {
    loop {
        let buf = reader.fill_buf()?;
        let Some(&first) = buf.first() else {
            return Ok(None);
        };
        if first.is_ascii_whitespace() {
            reader.consume(1);
        } else {
            return Ok(Some(first));
        }
    }
}

fn run(report: Report, cx: &Context<'_>) -> Result<ToolRun, String> {
    let r = report.results;
    let unparsed = r
        .parsing_errors
        .len()
        .max(usize::try_from(report.summary.parsing_errors).unwrap_or(usize::MAX));
    let mut out = ToolRun {
        tool: "checkov".to_owned(),
        version: report.summary.checkov_version,
        succeeded: Some(unparsed == 0),
        ..ToolRun::default()
    };
    if unparsed > 0 {
        let named: Vec<String> = r
            .parsing_errors
            .iter()
            .take(3)
            .map(|p| clean_message(p, cx))
            .collect();
        out.failure = Some(format!(
            "{unparsed} file(s) could not be parsed{}",
            if named.is_empty() {
                String::new()
            } else {
                format!(": {}", named.join(", "))
            }
        ));
    }
    out.rules.extend(
        r.passed_checks
            .iter()
            .map(|e| super::clean_field(&e.check_id)),
    );
    for (entries, failing) in [(r.failed_checks, true), (r.skipped_checks, false)] {
        for entry in entries {
            out.rules.insert(super::clean_field(&entry.check_id));
            out.results.push(result(entry, failing, cx)?);
        }
    }
    Ok(out)
}

/// A failed check, or a skipped one (failing, suppressed: a skip comment is
/// not an assay waiver).
fn result(e: Entry, failed: bool, cx: &Context<'_>) -> Result<ToolResult, String> {
    let path = match e.file_path.as_deref() {
        Some(p) => Some(repository_path(p.trim_start_matches('/'), cx.repository)?),
        None => None,
    };
    let name = e.check_name.unwrap_or_else(|| e.check_id.clone());
    let message = match &e.resource {
        Some(resource) => format!("{name} ({resource})"),
        None => name,
    };
    let comment = e
        .check_result
        .and_then(|r| r.suppress_comment)
        .or(e.suppress_comment)
        .filter(|c| c.trim() != NO_COMMENT);
    Ok(ToolResult {
        rule: super::clean_field(&e.check_id),
        failing: true,
        level: if failed { "error" } else { "note" },
        message: clean_message(&message, cx),
        path,
        line: e.file_line_range.and_then(|r| r.first().copied()),
        suppressed: (!failed).then(|| Suppression {
            kind: "inSource".to_owned(),
            justification: comment
                .map(|j| clean_message(&j, cx))
                .filter(|j| !j.trim().is_empty()),
        }),
    })
}
