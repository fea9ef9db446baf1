//! Imported checks: another scanner's verdicts on some of its rules, read
//! from imports (SARIF, ...). Fail closed:
//!
//! - `fail` when a result of a selected rule fails it; a suppression the
//!   tool recorded waives it only as an inline waiver does: with a
//!   justification, and not under `--no-inline-waivers` (the engine
//!   applies them with the `assay:ignore` directives);
//! - `pass` only when a run of the tool says it ran a selected rule, none
//!   of them failed, and the run says it succeeded;
//! - `not_applicable` when no run of the tool ran a selected rule, or a run
//!   ran them without saying it succeeded (the note says which);
//! - `error` when a run of the tool says it failed, or its file could not
//!   be read or is stale.

use super::kind::{Judge, Kind};
use super::{Location, Outcome};
use crate::import::{ToolResult, ToolRun};
use crate::model::{AssertionDoc, AssertionSpec, ImportedCheck, PatternUse};
use crate::outcome::Finding;

/// The kind of checks with `source = "import"`.
pub static KIND: Kind = Kind {
    spec: AssertionSpec {
        name: "imported",
        doc: AssertionDoc {
            what: "That another scanner, whose results a project imports (`[[import]]` or \
                   `--import`), ran the check's `rules` (ids or globs) of its `tool` and \
                   none of them failed.",
            why: "Teams already run Checkov, Semgrep, zizmor, hadolint or Trivy: importing \
                  their results maps them to controls and ranked risks, with the same \
                  evidence and gate as assay's own checks.",
            example: "source = \"import\"\ntool = \"checkov\"\nrules = [\"CKV_AWS_20\", \"CKV_AWS_57\"]",
            evidence: "The population is the selected rules the tool ran; one finding per \
                       failing result, at the file and line the tool reported, labelled with \
                       the rule. Messages are scrubbed of secrets; snippets are never read.",
        },
        pattern: PatternUse::None,
        default_files: &[],
        default_excludes: &[],
    },
    judge: Judge::Imports,
};

/// What one imported file says of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Judged: a pass, a failure or an error.
    Judged(Outcome),
    /// The tool ran selected rules, nothing failed, but no run says it
    /// succeeded: no pass can rest on it.
    Unproven(String),
}

/// The check's verdict on the runs of one imported file; `None` when no run
/// of its tool ran a selected rule.
pub fn judge(
    check: &ImportedCheck,
    condition: Option<&jsonschema::Validator>,
    runs: &[ToolRun],
    at: &Location<'_>,
    cap: usize,
) -> Option<Verdict> {
    let mine: Vec<&ToolRun> = runs.iter().filter(|r| check.is_for(&r.tool)).collect();
    if let Some(failed) = mine.iter().find(|r| r.succeeded == Some(false)) {
        let why = failed.failure.as_deref().unwrap_or("an invocation failed");
        return Some(Verdict::Judged(Outcome::error(
            at.path,
            format!("{}'s run did not succeed: {why}", failed.tool),
        )));
    }
    let ran: std::collections::BTreeSet<&str> = mine
        .iter()
        .flat_map(|r| r.rules.iter())
        .filter(|rule| check.selects(rule))
        .map(String::as_str)
        .collect();
    if ran.is_empty() {
        return None;
    }
    let failing: Vec<&ToolResult> = mine
        .iter()
        .flat_map(|r| r.results.iter())
        .filter(|r| r.failing && check.selects_result(&r.rule))
        .filter(|r| condition.is_none_or(|c| c.is_valid(&as_json(r))))
        .collect();
    if failing.is_empty() && mine.iter().any(|r| r.succeeded.is_none()) {
        return Some(Verdict::Unproven(format!(
            "{} ran {} selected rule{} with no failure, but its log does not say the run succeeded (no `invocations[].executionSuccessful`), so nothing passes on it",
            mine.first()
                .map_or(check.tool.as_str(), |r| r.tool.as_str()),
            ran.len(),
            if ran.len() == 1 { "" } else { "s" }
        )));
    }
    let failing_rules: std::collections::BTreeSet<&str> =
        failing.iter().map(|r| r.rule.as_str()).collect();
    let omitted = failing.len().saturating_sub(cap);
    let findings = failing
        .iter()
        .take(cap)
        .map(|r| finding(r, &check.tool))
        .collect();
    Some(Verdict::Judged(Outcome::Examined {
        findings,
        omitted,
        items: ran.len(),
        failing: failing_rules.len(),
    }))
}

fn finding(r: &ToolResult, tool: &str) -> Finding {
    // With a justification the suppression is an inline waiver (unless
    // --no-inline-waivers), reported with the others; without one it is not.
    let suppressed = r.suppressed.as_ref().map(|s| match &s.justification {
        Some(j) => format!(" (suppressed in {tool}'s output, {}: \"{j}\")", s.kind),
        None => format!(
            " (suppressed in {tool}'s output, {}, without a justification: not a waiver)",
            s.kind
        ),
    });
    Finding {
        path: r.path.clone(),
        line: r.line,
        column: None,
        message: format!("{}{}", r.message, suppressed.unwrap_or_default()),
        excerpt: None,
        // The tool's location is a repository file: cited as one, so SARIF
        // and code scanning place it in the file, not in the import.
        export: None,
        pointer: None,
        label: Some(r.rule.clone()),
        fingerprint: None,
        waiver: None,
        baseline: None,
    }
}

/// A result as a check's `where` sees it.
pub fn as_json(r: &ToolResult) -> serde_json::Value {
    serde_json::json!({
        "rule": r.rule,
        "level": r.level,
        "message": r.message,
        "path": r.path,
        "line": r.line,
        "suppressed": r.suppressed.is_some(),
    })
}
