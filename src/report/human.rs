//! The readable summary `assay check` prints by default: frameworks and their
//! controls first, then each failing check with its findings and the fix.

use super::{Counts, Report};
use crate::model::Validity;
use crate::outcome::{CheckResult, Finding, Status, WaiverReport, WaiverState};
use std::fmt::Write;

/// How much of the run's housekeeping the summary names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Paths excluded by ignore rules and links not followed are counted.
    #[default]
    Summary,
    /// ... and each one is named (`--verbose`).
    Verbose,
}

pub fn render(report: &Report, detail: Detail) -> String {
    let mut out = String::new();
    header(&mut out, report, detail);
    for fw in &report.frameworks {
        let id = fw.label();
        let c = &fw.coverage;
        let _ = writeln!(
            out,
            "\n{} ({id}): {} controls, {} automated ({} evaluated, {} pass), {} manual ({} attested)",
            fw.name, c.controls, c.automated, c.evaluated, c.passing, c.manual, c.attested
        );
        for control in fw.controls.iter().filter(|c| c.status != Status::Manual) {
            let _ = write!(
                out,
                "  {:<6} {:<8} {}",
                control.status.label(),
                control.id,
                control.title
            );
            if let Some(a) = &control.attestation {
                let _ = write!(
                    out,
                    " (attested by {}, expires {})",
                    a.attested_by, a.expires
                );
            }
            out.push('\n');
        }
        let manual: Vec<String> = fw
            .controls
            .iter()
            .filter(|c| c.status == Status::Manual)
            .map(|c| match &c.attestation {
                Some(a) if a.validity == Validity::Expired => {
                    format!("{} (attestation expired {})", c.id, a.expires)
                }
                Some(a) => format!("{} (attestation valid from {})", c.id, a.date),
                None => c.id.clone(),
            })
            .collect();
        // Without an assay.toml nobody chose these frameworks: hundreds of
        // manual ids would bury the findings, so count them and say where
        // the list is. A project's own selection, or --verbose, lists them.
        let listed = report.project.config.is_some() || detail == Detail::Verbose;
        if !manual.is_empty() && listed {
            let _ = writeln!(
                out,
                "  manual (no automated evidence): {}",
                manual.join(", ")
            );
        } else if !manual.is_empty() {
            let _ = writeln!(
                out,
                "  manual (no automated evidence): {} controls; `assay explain {}` or --verbose lists them",
                manual.len(),
                fw.id
            );
        }
    }
    if let Some(a) = &report.risks {
        super::risks::summary(&mut out, a);
    }
    let failing = report.failing_checks();
    if !failing.is_empty() {
        let _ = writeln!(out, "\nFailing checks");
        for check in failing {
            failing_check(&mut out, &check.result, &check.remediation);
        }
    }
    not_judged(&mut out, report);
    partly_judged(&mut out, report);
    if detail == Detail::Verbose {
        passing(&mut out, report);
    }
    if let Some(s) = &report.since {
        since(&mut out, s);
    }
    waivers(&mut out, &report.waivers);
    if let Some(b) = &report.baseline {
        baseline(&mut out, b);
    }
    footer(&mut out, report);
    out
}

/// The checks that judged nothing, grouped by why: a pass is only a pass
/// where something was judged, so what was not is named, not just counted.
fn not_judged(out: &mut String, report: &Report) {
    let mut by_reason: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for c in report
        .checks
        .iter()
        .filter(|c| c.result.status == Status::NotApplicable)
    {
        let reason = c.result.note.clone().unwrap_or_else(|| {
            let sources: Vec<&str> = c.result.sources.iter().map(|s| source_noun(s)).collect();
            format!("no {} in the repository", sources.join(" or "))
        });
        by_reason
            .entry(reason)
            .or_default()
            .push(c.result.id.as_str());
    }
    if by_reason.is_empty() {
        return;
    }
    let count: usize = by_reason.values().map(Vec::len).sum();
    let _ = writeln!(out, "\nNot applicable ({count})");
    for (reason, ids) in &by_reason {
        let _ = writeln!(out, "  {} — {reason}", ids.join(", "));
    }
}

/// Passing checks that judged only part of their inputs (documents of their
/// sources skipped): always shown, since their pass says nothing of the rest.
fn partly_judged(out: &mut String, report: &Report) {
    let mut by_reason: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for c in report
        .checks
        .iter()
        .filter(|c| c.result.status == Status::Pass)
    {
        if let Some(note) = &c.result.note {
            by_reason
                .entry(note)
                .or_default()
                .push(c.result.id.as_str());
        }
    }
    if by_reason.is_empty() {
        return;
    }
    let count: usize = by_reason.values().map(Vec::len).sum();
    let _ = writeln!(out, "\nPassed on part of their inputs ({count})");
    for (reason, ids) in &by_reason {
        let _ = writeln!(out, "  {} — {reason}", ids.join(", "));
    }
}

/// What a source's inputs are called, for "no ... in the repository": the
/// model names each record source; `repo` is a file check's.
fn source_noun(source: &str) -> &str {
    match crate::model::RecordSource::from_name(source) {
        Some(s) => s.noun(),
        None if source == "repo" => "file its globs select",
        None => source,
    }
}

/// With `--verbose`: each passing check and how much it judged.
fn passing(out: &mut String, report: &Report) {
    let passed: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.result.status == Status::Pass)
        .collect();
    if passed.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nPassing checks ({})", passed.len());
    for c in passed {
        let _ = writeln!(
            out,
            "  PASS   {} — {} examined ({})",
            c.result.id,
            c.result.examined,
            c.result.sources.join(", ")
        );
    }
}

fn header(out: &mut String, report: &Report, detail: Detail) {
    let name = report.project.name.as_deref().unwrap_or("built-in checks");
    let _ = writeln!(
        out,
        "assay {} · {} · as of {}",
        report.tool.version, name, report.as_of
    );
    for target in &report.targets {
        let _ = write!(
            out,
            "{} {}: {} files",
            target.kind, target.path, target.files
        );
        if !target.symlinks_not_followed.is_empty() {
            let _ = write!(
                out,
                ", {} symbolic links not followed",
                target.symlinks_not_followed.len()
            );
        }
        if !target.ignored.is_empty() {
            let _ = write!(
                out,
                ", {} untracked paths excluded by ignore rules",
                target.ignored.len()
            );
            if detail == Detail::Summary {
                let _ = write!(out, " (named by --verbose)");
            }
        }
        let _ = writeln!(out);
        if detail == Detail::Verbose {
            for path in &target.symlinks_not_followed {
                let _ = writeln!(out, "  link not followed `{path}`");
            }
            for path in &target.ignored {
                let _ = writeln!(out, "  ignored `{path}`");
            }
        }
        for s in &target.skipped {
            let _ = writeln!(out, "  not read `{}`: {}", s.path, s.reason);
        }
        skipped_documents(out, &target.skipped_documents, detail);

        for e in &target.errors {
            let _ = writeln!(out, "  could not list `{}`: {}", e.path, e.message);
        }
    }
    for export in &report.exports {
        let _ = write!(out, "export {} ({}): ", export.name, export.kind);
        match &export.error {
            Some(e) => {
                let _ = writeln!(out, "error: {e}");
            }
            None => {
                let _ = writeln!(
                    out,
                    "{} file(s), {} records",
                    export.files.len(),
                    export.records
                );
            }
        }
    }
    imports(out, report);
}

/// Each import: the tools whose runs it held, or why it could not be used.
fn imports(out: &mut String, report: &Report) {
    for import in &report.imports {
        let _ = write!(out, "import {} ({}): ", import.name, import.format);
        if let Some(e) = &import.error {
            let _ = writeln!(out, "error: {e}");
            continue;
        }
        let runs: Vec<String> = import
            .runs
            .iter()
            .map(|r| {
                let version = r
                    .version
                    .as_deref()
                    .map(|v| format!(" {v}"))
                    .unwrap_or_default();
                format!(
                    "{}{version} ({} rules, {} results)",
                    r.tool, r.rules, r.results
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "{} file(s): {}",
            import.files.len(),
            if runs.is_empty() {
                "no run".to_owned()
            } else {
                runs.join(", ")
            }
        );
    }
}

/// Paths of one skipped group the summary names before counting the rest.
const SKIPPED_SHOWN: usize = 5;

/// Documents read and not judged, one line per source and reason: never a
/// silent gap in what was examined.
fn skipped_documents(out: &mut String, docs: &[crate::engine::DocumentSkipped], detail: Detail) {
    let groups = super::skipped_groups(docs);
    let Some(first) = groups.first() else {
        return;
    };
    let noun = |n: usize| if n == 1 { "document" } else { "documents" };
    let line = |g: &super::SkippedGroup<'_>| {
        let shown = if detail == Detail::Verbose {
            g.locations.len()
        } else {
            SKIPPED_SHOWN
        };
        let mut paths = g
            .locations
            .iter()
            .take(shown)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if g.locations.len() > shown {
            let _ = write!(
                paths,
                " and {} more (named by --verbose)",
                g.locations.len() - shown
            );
        }
        format!("{paths} ({})", g.reason)
    };
    if groups.len() == 1 {
        let n = first.locations.len();
        let _ = writeln!(
            out,
            "  skipped {n} {} {}: {}",
            first.source,
            noun(n),
            line(first)
        );
        return;
    }
    let _ = writeln!(
        out,
        "  skipped {} {}, not judged:",
        docs.len(),
        noun(docs.len())
    );
    for g in &groups {
        let n = g.locations.len();
        let _ = writeln!(out, "    {n} {} {}: {}", g.source, noun(n), line(g));
    }
}

fn failing_check(out: &mut String, check: &CheckResult, remediation: &str) {
    let _ = writeln!(
        out,
        "  {:<6} {} [{}] {}",
        check.status.label(),
        check.id,
        check.severity,
        check.title
    );
    for finding in &check.findings {
        let _ = writeln!(out, "      {}", finding_line(finding));
    }
    if check.findings_omitted > 0 {
        let _ = writeln!(out, "      {}", super::omitted_note(check.findings_omitted));
    }
    for error in &check.errors {
        let at = error
            .path
            .as_deref()
            .map(|p| format!("{p}: "))
            .unwrap_or_default();
        let _ = writeln!(out, "      {at}error: {}", error.message);
    }
    if !remediation.trim().is_empty() {
        let _ = writeln!(out, "      fix: {}", remediation.trim());
    }
}

fn finding_line(f: &Finding) -> String {
    let at = f.location();
    let mut waived = f
        .waiver
        .as_deref()
        .map(|w| format!("  (waived: {w})"))
        .unwrap_or_default();
    if f.baseline == Some(crate::outcome::BaselineState::New) {
        waived.push_str("  [new]");
    }
    match &f.excerpt {
        Some(x) => format!("{at}  {}  `{x}`{waived}", f.message),
        None => format!("{at}  {}{waived}", f.message),
    }
}

fn since(out: &mut String, s: &crate::since::SinceReport) {
    if s.definitions_changed {
        let _ = writeln!(
            out,
            "\nSince {}: {} file(s) changed, definitions among them: every check ran",
            s.rev, s.changed
        );
        return;
    }
    let ids: Vec<&str> = s.skipped.iter().map(|c| c.as_str()).collect();
    let _ = writeln!(
        out,
        "\nSince {}: {} file(s) changed; {} check(s) skipped, their inputs unchanged: {}",
        s.rev,
        s.changed,
        ids.len(),
        if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.join(", ")
        }
    );
}

fn baseline(out: &mut String, b: &super::BaselineReport) {
    let _ = writeln!(
        out,
        "\nBaseline {}: {} new, {} unchanged, {} fixed",
        b.source,
        b.new,
        b.unchanged,
        b.fixed.len()
    );
    for e in &b.fixed {
        let _ = writeln!(out, "  fixed      {} {}", e.check, e.location);
    }
    if !b.not_evaluated.is_empty() {
        let mut checks: Vec<&str> = b.not_evaluated.iter().map(|e| e.check.as_str()).collect();
        checks.sort_unstable();
        checks.dedup();
        let _ = writeln!(
            out,
            "  not evaluated: {} baseline findings of checks that did not run: {}",
            b.not_evaluated.len(),
            checks.join(", ")
        );
    }
    for c in &b.regressions {
        let _ = writeln!(out, "  regressed  {c}: passed in the baseline, fails now");
    }
}

/// What needs attention among the waivers: those not in force, expiring,
/// or matching nothing. Active waivers that applied are counted only.
fn waivers(out: &mut String, waivers: &[WaiverReport]) {
    if waivers.is_empty() {
        return;
    }
    let applied = waivers.iter().filter(|w| w.matched > 0).count();
    let _ = writeln!(out, "\nWaivers: {} ({applied} applied)", waivers.len());
    for w in waivers {
        if let Some(line) = waiver_note(w) {
            let _ = writeln!(out, "  {line}");
        }
    }
}

/// ANSI colours for a terminal: status labels at the start of a line and the gate.
pub fn colourise(text: &str) -> String {
    const RESET: &str = "\x1b[0m";
    let colour = |label: &str| match label {
        "PASS" => Some("\x1b[32m"),
        "FAIL" | "ERROR" => Some("\x1b[31m"),
        "WAIVED" | "MANUAL" => Some("\x1b[33m"),
        "N/A" => Some("\x1b[90m"),
        _ => None,
    };
    let mut out = String::with_capacity(text.len() + 1024);
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let label = body.split(' ').next().unwrap_or("");
        match (indent, colour(label)) {
            (2, Some(c)) => {
                let _ = write!(
                    out,
                    "{}{c}{label}{RESET}{}",
                    &line[..indent],
                    &body[label.len()..]
                );
            }
            _ if line.starts_with("gate: FAILED") => {
                let _ = writeln!(out, "\x1b[1;31m{}{RESET}", line.trim_end());
            }
            _ if line.starts_with("gate: passed") => {
                let _ = writeln!(out, "\x1b[1;32m{}{RESET}", line.trim_end());
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// One line on a waiver that needs attention; `None` when it applied and is not expiring.
pub fn waiver_note(w: &WaiverReport) -> Option<String> {
    let id = &w.id;
    let expires = w.expires.as_deref().unwrap_or("");
    let days = w.days_left.unwrap_or(0);
    let text = match w.state {
        WaiverState::Expiring => format!("expiring  {id} expires {expires}, in {days} day(s)"),
        WaiverState::Expired => format!("expired   {id} expired {expires} and no longer applies"),
        WaiverState::TooLong => format!(
            "too long  {id} expires {expires}, {days} days away: more than the policy allows, so it does not apply"
        ),
        WaiverState::Pending => format!(
            "pending   {id} is granted from {}, after the as-of date: not applied yet",
            w.granted.as_deref().unwrap_or("")
        ),
        WaiverState::Invalid => {
            format!("invalid   {id} gives no reason (`-- reason`), so it does not apply")
        }
        WaiverState::Ignored => format!("ignored   {id} (--no-inline-waivers)"),
        WaiverState::Active if w.matched == 0 => {
            format!("unused    {id} matched nothing ({})", w.source)
        }
        WaiverState::Active => return None,
    };
    let unused = if w.state == WaiverState::Expiring && w.matched == 0 {
        "; it matched nothing"
    } else {
        ""
    };
    Some(format!("{text}{unused}"))
}

fn footer(out: &mut String, report: &Report) {
    let _ = writeln!(out, "\nchecks: {}", counts(&report.summary.checks));
    let _ = writeln!(out, "controls: {}", counts(&report.summary.controls));
    for s in &report.gate.coverage_below {
        let _ = writeln!(
            out,
            "coverage: {} evaluated {}% of its controls, below the required {}%",
            s.framework, s.percent, s.required
        );
    }
    if report.gate.passed {
        let _ = writeln!(out, "gate: passed (fail-on {})", report.gate.fail_on);
    } else {
        let _ = writeln!(
            out,
            "gate: FAILED (fail-on {}): {}",
            report.gate.fail_on,
            report.gate.reasons().join(", ")
        );
    }
}

fn counts(c: &Counts) -> String {
    let waived = if c.waived > 0 {
        format!(", {} waived", c.waived)
    } else {
        String::new()
    };
    format!(
        "{} pass, {} fail, {} error, {} not applicable, {} manual{waived}",
        c.pass, c.fail, c.error, c.not_applicable, c.manual
    )
}
