//! The failing checks: one article per check failing or not evaluated, with
//! its findings, errors, fix and the controls it evidences.

use super::{Esc, badge, class, open, plural, severity};
use crate::outcome::{CheckResult, Finding};
use crate::report::CheckReport;
use std::fmt::{self, Write};

/// Findings listed per check; the JSON report has more (up to `--max-findings`).
const MAX_FINDINGS: usize = 50;

/// The section's opening: how many checks fail. An empty list closes it too.
pub(super) fn failing_open(out: &mut String, failing: &[&CheckReport]) -> fmt::Result {
    open(out, "failing", "Failing checks")?;
    if failing.is_empty() {
        out.push_str("<p class=\"empty\">No check fails.</p>\n</section>\n");
        return Ok(());
    }
    writeln!(
        out,
        "<p class=\"lead\">{} check{} failing or not evaluated, most severe first. Matched \
         secrets are redacted.</p>",
        failing.len(),
        plural(failing.len())
    )
}

/// One failing check: the page writes each as it is drawn.
pub(super) fn failing_one(out: &mut String, c: &CheckReport) -> fmt::Result {
    failing_check(out, &c.result, &c.remediation, &c.controls)
}

pub(super) fn failing_close(out: &mut String, failing: &[&CheckReport]) -> fmt::Result {
    if !failing.is_empty() {
        out.push_str("</section>\n");
    }
    Ok(())
}

fn failing_check(
    out: &mut String,
    r: &CheckResult,
    remediation: &str,
    controls: &[String],
) -> fmt::Result {
    write!(
        out,
        "<article class=\"check {}\" id=\"check-{}\">\n<h3>{} {} <code>{}</code> {}</h3>\n\
         <p class=\"sub\">source {} · {} examined, {} failing</p>\n",
        class(r.status),
        Esc(r.id.as_str()),
        badge(r.status),
        severity(r.severity),
        Esc(r.id.as_str()),
        Esc(&r.title),
        Esc(&r.sources.join(", ")),
        r.examined,
        r.failing,
    )?;
    if let Some(note) = &r.note {
        writeln!(out, "<p>{}</p>", Esc(note))?;
    }
    if !r.findings.is_empty() {
        out.push_str(
            "<table class=\"findings\">\n<thead><tr><th>Where</th><th>Record</th><th>Finding</th>\
             <th>Excerpt</th></tr></thead>\n<tbody>\n",
        );
        for f in r.findings.iter().take(MAX_FINDINGS) {
            finding_row(out, f)?;
        }
        out.push_str("</tbody>\n</table>\n");
        let more = r.findings.len().saturating_sub(MAX_FINDINGS);
        if more > 0 {
            writeln!(
                out,
                "<p class=\"more\">and {more} more finding{}: the JSON report \
                 (<code>--format json</code>) lists them.</p>",
                plural(more)
            )?;
        }
    }
    if r.findings_omitted > 0 {
        writeln!(
            out,
            "<p class=\"more\">{}</p>",
            Esc(&super::super::omitted_note(r.findings_omitted))
        )?;
    }
    if !r.errors.is_empty() {
        out.push_str("<ul class=\"errors\">");
        for e in &r.errors {
            out.push_str("<li>");
            if let Some(p) = &e.path {
                write!(out, "<code>{}</code>: ", Esc(p))?;
            }
            write!(out, "error: {}</li>", Esc(&e.message))?;
        }
        out.push_str("</ul>\n");
    }
    if !remediation.trim().is_empty() {
        writeln!(
            out,
            "<div class=\"fix\"><strong>Fix</strong><p>{}</p></div>",
            Esc(remediation.trim())
        )?;
    }
    if !controls.is_empty() {
        out.push_str("<p class=\"chips sub\">evidences ");
        for c in controls {
            write!(out, "<span class=\"chip plain\">{}</span>", Esc(c))?;
        }
        out.push_str("</p>\n");
    }
    out.push_str("</article>\n");
    Ok(())
}

fn finding_row(out: &mut String, f: &Finding) -> fmt::Result {
    out.push_str("<tr><td><code>");
    match &f.path {
        Some(p) => write!(out, "{}", Esc(p))?,
        None => out.push_str("(repository)"),
    }
    if let Some(line) = f.line {
        write!(out, ":{line}")?;
        if let Some(col) = f.column {
            write!(out, ":{col}")?;
        }
    }
    out.push_str("</code>");
    if let Some(export) = &f.export {
        write!(
            out,
            "<br><span class=\"sub\">export <code>{}</code>",
            Esc(export)
        )?;
        if let Some(p) = f.pointer.as_deref().filter(|p| !p.is_empty()) {
            write!(out, " <code>{}</code>", Esc(p))?;
        }
        out.push_str("</span>");
    } else if let Some(p) = f.pointer.as_deref().filter(|p| !p.is_empty()) {
        write!(
            out,
            "<br><span class=\"sub\"><code>{}</code></span>",
            Esc(p)
        )?;
    }
    out.push_str("</td><td>");
    if let Some(label) = &f.label {
        write!(out, "<code>{}</code>", Esc(label))?;
    }
    write!(out, "</td><td>{}", Esc(&f.message))?;
    if let Some(w) = &f.waiver {
        write!(
            out,
            " <span class=\"chip waived\">waived: {}</span>",
            Esc(w)
        )?;
    }
    out.push_str("</td><td>");
    if let Some(x) = &f.excerpt {
        write!(out, "<code class=\"excerpt\">{}</code>", Esc(x))?;
    }
    out.push_str("</td></tr>\n");
    Ok(())
}
