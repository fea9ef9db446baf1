//! A compact Markdown summary for a pull-request comment or
//! `$GITHUB_STEP_SUMMARY`: the gate, the frameworks, the failing checks, the
//! waived findings and the top risks.
//!
//! GitHub refuses comments over 65,536 characters, so the summary is capped:
//! at most [`MAX_CHECKS`] failing checks with [`MAX_FINDINGS`] findings each,
//! every quoted text cut to [`MAX_TEXT`] characters, and the whole cut at a
//! line below [`LIMIT`] as a last resort. The JSON report has everything.
//!
//! Findings quote repository files and exports: plain text is escaped so it
//! can neither break a table nor become markup, and paths, labels and
//! excerpts go in code spans, where no `@mention` or link is made of them.

use super::risks::money;
use super::{CheckReport, Report};
use crate::outcome::{Finding, Status};
use std::fmt::Write;

/// Failing checks listed.
pub const MAX_CHECKS: usize = 20;
/// Findings listed per failing check.
pub const MAX_FINDINGS: usize = 5;
/// Characters kept of any one quoted text.
pub const MAX_TEXT: usize = 160;
/// Characters of the whole summary: GitHub's comment limit, less a margin.
pub const LIMIT: usize = 60_000;
/// Risks on the top-risks line.
const TOP_RISKS: usize = 5;

/// The summary, at most [`LIMIT`] characters.
pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(1 << 13);
    heading(&mut out, report);
    frameworks(&mut out, report);
    // Waived checks are counted on their own line, not listed as failing.
    let failing: Vec<&CheckReport> = report
        .failing_checks()
        .into_iter()
        .filter(|c| c.result.status != Status::Waived || !c.result.errors.is_empty())
        .collect();
    failing_table(&mut out, &failing);
    waived(&mut out, report);
    top_risks(&mut out, report);
    findings(&mut out, &failing);
    cap(out)
}

fn heading(out: &mut String, report: &Report) {
    let gate = &report.gate;
    let (mark, word) = if gate.passed {
        ("✅", "passed")
    } else {
        ("❌", "failed")
    };
    let _ = writeln!(
        out,
        "## {mark} assay: gate {word} (fail-on {})\n",
        gate.fail_on
    );
    let name = report.project.name.as_deref().unwrap_or("built-in checks");
    let _ = writeln!(
        out,
        "**{}** · as of {} · {} {}\n",
        esc(name),
        esc(&report.as_of),
        esc(&report.tool.name),
        esc(&report.tool.version)
    );
    if !gate.gated.is_empty() {
        let shown: Vec<String> = gate
            .gated
            .iter()
            .take(MAX_CHECKS)
            .map(|id| code(id.as_str(), false))
            .collect();
        let _ = writeln!(
            out,
            "Gated: {}{}\n",
            shown.join(", "),
            more(gate.gated.len(), MAX_CHECKS, "")
        );
    }
    for s in &gate.coverage_below {
        let _ = writeln!(
            out,
            "Coverage: {} evaluated {}% of its controls, below the required {}%\n",
            code(&s.framework, false),
            s.percent,
            s.required
        );
    }
    for e in &gate.unread_exports {
        let _ = writeln!(out, "Unread: export {} could not be read\n", code(e, false));
    }
    for i in &gate.unread_imports {
        let _ = writeln!(out, "Unread: import {} could not be used\n", code(i, false));
    }
    let c = &report.summary.checks;
    let _ = writeln!(
        out,
        "Checks: {} pass · {} fail · {} error · {} not applicable · {} waived\n",
        c.pass, c.fail, c.error, c.not_applicable, c.waived
    );
    // Documents nobody judged: a reviewer must not read the gate as covering them.
    for t in &report.targets {
        for g in super::skipped_groups(&t.skipped_documents) {
            let n = g.locations.len();
            let shown: Vec<String> = g
                .locations
                .iter()
                .take(MAX_FINDINGS)
                .map(|l| code(l, false))
                .collect();
            let _ = writeln!(
                out,
                "Skipped, not judged: {n} {} document{} ({}): {}{}\n",
                esc(g.source),
                if n == 1 { "" } else { "s" },
                prose(g.reason),
                shown.join(", "),
                more(n, MAX_FINDINGS, "")
            );
        }
    }
}

fn frameworks(out: &mut String, report: &Report) {
    if report.frameworks.is_empty() {
        return;
    }
    out.push_str(
        "| Framework | Controls | Pass | Fail | Error | Waived | Manual | Coverage |\n\
         |:--|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for fw in &report.frameworks {
        let id = fw.label();
        let (s, c) = (&fw.summary, &fw.coverage);
        // Controls with evidence: evaluated by their checks, or attested.
        let coverage = match c.controls {
            0 => "–".to_owned(),
            n => format!(
                "{:.0}%",
                100.0 * (c.evaluated + c.attested) as f64 / n as f64
            ),
        };
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {} | {} | {} | {coverage} |",
            esc(&fw.name),
            code(&id, true),
            c.controls,
            s.pass,
            s.fail,
            s.error,
            s.waived,
            s.manual
        );
    }
    out.push_str(
        "\nCoverage: controls evaluated by their checks or attested, of all controls.\n\n",
    );
}

fn failing_table(out: &mut String, failing: &[&CheckReport]) {
    if failing.is_empty() {
        out.push_str("No failing checks.\n\n");
        return;
    }
    let _ = writeln!(
        out,
        "### Failing checks ({})\n\n\
         | Severity | Check | First finding | Findings |\n|:--|:--|:--|--:|",
        failing.len()
    );
    for check in failing.iter().take(MAX_CHECKS) {
        let r = &check.result;
        let first = match (r.findings.first(), r.errors.first()) {
            (Some(f), _) => code(&f.location(), true),
            (None, Some(e)) => format!("error: {}", prose(&e.message)),
            (None, None) => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} {} | {first} | {} |",
            r.severity,
            code(r.id.as_str(), true),
            esc(&r.title),
            r.finding_count()
        );
    }
    // A blank line ends the table: a plain line right after it would be a row.
    out.push('\n');
    let rest = more(failing.len(), MAX_CHECKS, " failing checks");
    if !rest.is_empty() {
        let _ = writeln!(out, "{}\n", rest.trim_start());
    }
}

fn waived(out: &mut String, report: &Report) {
    let n: usize = report
        .checks
        .iter()
        .map(|c| {
            c.result
                .findings
                .iter()
                .filter(|f| f.waiver.is_some())
                .count()
        })
        .sum();
    let _ = writeln!(out, "Waived findings: {n}\n");
}

/// The risks left with the most expected loss a year after passing controls.
fn top_risks(out: &mut String, report: &Report) {
    let Some(a) = &report.risks else {
        return;
    };
    let mut risks: Vec<_> = a.risks.iter().collect();
    risks.sort_by(|x, y| {
        y.residual
            .ale
            .total_cmp(&x.residual.ale)
            .then_with(|| x.rank.cmp(&y.rank))
    });
    let top: Vec<String> = risks
        .iter()
        .take(TOP_RISKS)
        .map(|r| format!("{} {}", code(r.id.as_str(), false), money(r.residual.ale)))
        .collect();
    if !top.is_empty() {
        let _ = writeln!(
            out,
            "Top risks (residual expected annual loss, {}): {}\n",
            esc(&a.currency),
            top.join(" · ")
        );
        if let Some(why) = &a.partial {
            let _ = writeln!(
                out,
                "Partial: {}; controls whose checks did not run count for nothing.\n",
                prose(why)
            );
        }
    }
}

fn findings(out: &mut String, failing: &[&CheckReport]) {
    if failing.iter().all(|c| c.result.finding_count() == 0) {
        return;
    }
    out.push_str("<details><summary>Findings</summary>\n\n");
    for check in failing.iter().take(MAX_CHECKS) {
        let r = &check.result;
        if r.finding_count() == 0 {
            continue;
        }
        let _ = writeln!(out, "{} {}\n", code(r.id.as_str(), false), esc(&r.title));
        for f in r.findings.iter().take(MAX_FINDINGS) {
            let _ = writeln!(out, "- {}", finding(f));
        }
        let rest = more(r.finding_count(), MAX_FINDINGS, " findings");
        if !rest.is_empty() {
            let _ = writeln!(out, "-{rest}");
        }
        out.push('\n');
    }
    out.push_str("</details>\n");
}

fn finding(f: &Finding) -> String {
    let mut line = format!("{} {}", code(&f.location(), false), prose(&f.message));
    if let Some(x) = &f.excerpt {
        let _ = write!(line, " {}", code(x, false));
    }
    if let Some(w) = &f.waiver {
        let _ = write!(line, " (waived by {})", code(w, false));
    }
    line
}

/// ` and N more…` when `total` exceeds `shown`, else nothing.
fn more(total: usize, shown: usize, what: &str) -> String {
    if total > shown {
        format!(" …and {} more{what}", total - shown)
    } else {
        String::new()
    }
}

/// The summary cut at a line boundary below [`LIMIT`] characters, should the
/// per-item caps not have kept it there.
fn cap(out: String) -> String {
    const NOTE: &str = "\n…cut to fit a comment: the JSON report has everything.\n";
    if out.chars().count() <= LIMIT {
        return out;
    }
    let budget = LIMIT - NOTE.chars().count() - "</details>\n".len();
    let end = out.char_indices().nth(budget).map_or(out.len(), |(i, _)| i);
    let kept = out.get(..end).unwrap_or_default();
    let kept = kept
        .rfind('\n')
        .and_then(|i| kept.get(..=i))
        .unwrap_or(kept);
    let mut cut = kept.to_owned();
    if cut.contains("<details>") {
        cut.push_str("</details>\n");
    }
    cut.push_str(NOTE);
    cut
}

/// One line of at most [`MAX_TEXT`] characters: line breaks and control
/// characters would end a table row or a list item.
fn flatten(s: &str) -> String {
    let mut flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_TEXT)
        .collect();
    if s.chars().count() > MAX_TEXT {
        flat.push('…');
    }
    flat
}

/// Plain text: markup characters backslash-escaped, angle brackets and
/// ampersands as entities, so it renders as written in or out of a table.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in flatten(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A code span: shown verbatim, fenced by more backticks than it holds.
/// In a table a pipe must still be escaped, even inside the span.
/// A message in which `backticked` parts are code: those become code spans
/// and the rest is escaped text. Unpaired backticks leave it all text.
fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return esc(s);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| match i % 2 {
            0 => esc(part),
            _ if part.is_empty() => String::new(),
            _ => code(part, false),
        })
        .collect()
}

fn code(s: &str, in_table: bool) -> String {
    let mut text = flatten(s);
    if in_table {
        text = text.replace('|', "\\|");
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A span that starts or ends with a backtick needs a space inside its fence.
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_cannot_break_a_table_or_become_markup() {
        assert_eq!(
            esc("a | b <script> `x` *y*\nz"),
            "a \\| b &lt;script&gt; \\`x\\` \\*y\\* z"
        );
    }

    #[test]
    fn backticked_parts_of_a_message_are_code() {
        assert_eq!(
            prose("without MFA: `/mfa_active` must be \"true\""),
            "without MFA: `/mfa_active` must be \"true\""
        );
        assert_eq!(prose("a_b `c|d` *e*"), "a\\_b `c|d` \\*e\\*");
        // Unpaired: all text, the backtick escaped.
        assert_eq!(prose("it's `odd"), "it's \\`odd");
        // A span cannot be closed early by what it holds.
        assert_eq!(prose("`a` and ``"), "`a` and ");
    }

    #[test]
    fn code_spans_fence_their_backticks() {
        assert_eq!(code("a.py:3", false), "`a.py:3`");
        assert_eq!(code("x ``y`` z", false), "```x ``y`` z```");
        assert_eq!(code("`a`", false), "`` `a` ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
    }

    #[test]
    fn long_output_is_cut_at_a_line() {
        let long = "<details>\n".to_owned() + &"0123456789\n".repeat(10_000);
        let cut = cap(long);
        assert!(cut.chars().count() <= LIMIT);
        assert!(cut.ends_with("has everything.\n"));
        assert!(cut.contains("0123456789\n</details>\n"));
    }
}
