//! The HTML report: one self-contained page for people who read rather than
//! parse, and for auditors who print it.
//!
//! The page holds everything it shows: an inline style sheet, inline SVG, no
//! script, no font, no link out; a Content-Security-Policy says so to the
//! browser too, so a finding that slipped past the escaper (`Esc`) could
//! still load nothing. Every text taken from the report is escaped, since
//! findings quote repository files and exports. The same report gives the
//! same bytes: everything is written in the report's own order, and the only
//! date is the report's as-of date.
//!
//! Each section is an element with a stable `id` (`summary`, `matrix`,
//! `risks`, `exposed`, `fixes`, `value`, `failing`, `manual`), which the tests
//! and anyone linking into the page rely on.
//!
//! This module draws the page around the sections (head, header, navigation,
//! footer) and holds what every section shares: the escaper, the opening of a
//! section, status badges, classes and words. The sections live in one
//! submodule per group, in page order: `summary`, `risks` (drawing its
//! `chart`), `checks`, `controls`, `waivers`.

mod chart;
mod checks;
mod controls;
mod risks;
mod summary;
mod waivers;

use super::Report;
use crate::model::Severity;
use crate::outcome::Status;
use std::fmt::{self, Write};

/// Nothing but the inline style sheet and inline images may load.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The inline style sheet, kept in its own file so that it reads, and diffs,
/// as CSS. The page writes the newline that opens the `<style>` element.
const STYLE: &str = include_str!("style.css");

/// One self-contained HTML document.
pub fn render(report: &Report) -> String {
    let mut out = Vec::with_capacity(1 << 16);
    // Writing into a Vec cannot fail.
    let _ = write(report, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the page a part at a time: each section is made in one reused
/// buffer and written out before the next, so the page is never held whole.
pub fn write(report: &Report, out: &mut (impl std::io::Write + ?Sized)) -> std::io::Result<()> {
    let mut sink = Sink {
        buffer: String::with_capacity(1 << 16),
        out,
    };
    page(&mut sink, report)
}

/// Where the page goes: each part is drawn into `buffer`, then written.
struct Sink<'a, W: std::io::Write + ?Sized> {
    buffer: String,
    out: &'a mut W,
}

impl<W: std::io::Write + ?Sized> Sink<'_, W> {
    fn part(&mut self, draw: impl FnOnce(&mut String) -> fmt::Result) -> std::io::Result<()> {
        // Drawing into a String cannot fail.
        let _ = draw(&mut self.buffer);
        self.out.write_all(self.buffer.as_bytes())?;
        self.buffer.clear();
        Ok(())
    }
}

/// Text made safe for HTML element content and quoted attribute values.
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            let (plain, tail) = rest.split_at(i);
            f.write_str(plain)?;
            let mut chars = tail.chars();
            f.write_str(match chars.next() {
                Some('&') => "&amp;",
                Some('<') => "&lt;",
                Some('>') => "&gt;",
                Some('"') => "&quot;",
                _ => "&#39;",
            })?;
            rest = chars.as_str();
        }
        f.write_str(rest)
    }
}

fn page<W: std::io::Write + ?Sized>(
    sink: &mut Sink<'_, W>,
    report: &Report,
) -> std::io::Result<()> {
    let name = report.project.name.as_deref().unwrap_or("built-in checks");
    sink.part(|out| {
        write!(
            out,
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n\
         <title>{} · compliance report as of {}</title>\n\
         <link rel=\"icon\" href=\"data:,\">\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
            Esc(&report.tool.name),
            Esc(&report.tool.version),
            Esc(name),
            Esc(&report.as_of)
        )?;
        header(out, report, name)?;
        out.push_str(NAV);
        out.push_str("<main>\n");
        Ok(())
    })?;
    sink.part(|out| summary::summary(out, report))?;
    sink.part(|out| summary::matrix(out, report))?;
    sink.part(|out| risks::sections(out, report.risks.as_ref()))?;
    let failing = report.failing_checks();
    sink.part(|out| checks::failing_open(out, &failing))?;
    for c in &failing {
        sink.part(|out| checks::failing_one(out, c))?;
    }
    sink.part(|out| checks::failing_close(out, &failing))?;
    sink.part(|out| controls::manual(out, report))?;
    if !report.waivers.is_empty() {
        sink.part(|out| waivers::waivers(out, report))?;
    }
    sink.part(|out| {
        out.push_str("</main>\n");
        footer(out, report)?;
        out.push_str("</body>\n</html>\n");
        Ok(())
    })
}

const NAV: &str = "<nav><a href=\"#summary\">Summary</a><a href=\"#matrix\">Coverage matrix</a>\
<a href=\"#risks\">Risks</a><a href=\"#exposed\">Exposed</a><a href=\"#fixes\">Next best fixes</a>\
<a href=\"#value\">Control value</a><a href=\"#failing\">Failing checks</a>\
<a href=\"#manual\">Manual controls</a><a href=\"#waivers\">Waivers</a></nav>\n";

fn open(out: &mut String, id: &str, title: &str) -> fmt::Result {
    writeln!(out, "<section id=\"{id}\">\n<h2>{title}</h2>")
}

fn header(out: &mut String, report: &Report, name: &str) -> fmt::Result {
    writeln!(
        out,
        "<header class=\"top\">\n<div class=\"title\"><p class=\"kicker\">Compliance report</p>\
         <h1>{}</h1>\n<p class=\"meta\">as of <strong>{}</strong> · {} {}{}</p></div>",
        Esc(name),
        Esc(&report.as_of),
        Esc(&report.tool.name),
        Esc(&report.tool.version),
        match &report.project.config {
            Some(c) => format!(" · <code>{}</code>", Esc(c)),
            None => String::new(),
        }
    )?;
    let gate = &report.gate;
    if gate.passed {
        writeln!(
            out,
            "<div class=\"gate ok\"><span class=\"gate-word\">Gate passed</span>\
             <span>no check fails at {} or above</span></div>",
            gate.fail_on
        )?;
    } else {
        write!(
            out,
            "<div class=\"gate bad\"><span class=\"gate-word\">Gate failed</span>\
             <span>fail-on {}: {} check{}</span><span class=\"chips\">",
            gate.fail_on,
            gate.gated.len(),
            plural(gate.gated.len())
        )?;
        for id in &gate.gated {
            write!(
                out,
                "<a class=\"chip fail\" href=\"#check-{0}\">{0}</a>",
                Esc(id.as_str())
            )?;
        }
        // The other reasons, past the checks: coverage and unread exports.
        for reason in gate.reasons().iter().skip(gate.gated.len()) {
            write!(out, "<span class=\"chip fail\">{}</span>", Esc(reason))?;
        }
        out.push_str("</span></div>\n");
    }
    out.push_str("<dl class=\"inputs\">");
    for t in &report.targets {
        write!(
            out,
            "<dt>{}</dt><dd><code>{}</code>: {} files, {} read",
            Esc(&t.kind),
            Esc(&t.path),
            t.files,
            t.files_read
        )?;
        if !t.symlinks_not_followed.is_empty() {
            write!(
                out,
                ", {} symbolic links not followed",
                t.symlinks_not_followed.len()
            )?;
        }
        for g in super::skipped_groups(&t.skipped_documents) {
            let n = g.locations.len();
            write!(
                out,
                "<br>skipped {n} {} document{}, not judged ({}):",
                Esc(g.source),
                plural(n),
                Esc(g.reason)
            )?;
            for l in &g.locations {
                write!(out, " <code>{}</code>", Esc(l))?;
            }
        }
        for e in &t.errors {
            write!(
                out,
                "<br><span class=\"bad-text\">could not list <code>{}</code>: {}</span>",
                Esc(&e.path),
                Esc(&e.message)
            )?;
        }
        out.push_str("</dd>");
    }
    for e in &report.exports {
        write!(
            out,
            "<dt>export <code>{}</code></dt><dd>{}: ",
            Esc(&e.name),
            Esc(&e.kind)
        )?;
        match &e.error {
            Some(err) => write!(out, "<span class=\"bad-text\">error: {}</span>", Esc(err))?,
            None => write!(
                out,
                "{} file{}, {} records",
                e.files.len(),
                plural(e.files.len()),
                e.records
            )?,
        }
        out.push_str("</dd>");
    }
    out.push_str("</dl>\n</header>\n");
    Ok(())
}

fn footer(out: &mut String, report: &Report) -> fmt::Result {
    write!(
        out,
        "<footer>\n<p>{} {} · report schema version {} · as of {} · gate fail-on {}.",
        Esc(&report.tool.name),
        Esc(&report.tool.version),
        report.schema_version,
        Esc(&report.as_of),
        report.gate.fail_on
    )?;
    if let Some(a) = &report.risks {
        write!(
            out,
            " Risk method: loss per event {}; {} Monte Carlo trials, seed <code>{}</code>, {}.",
            Esc(&a.method.loss_model),
            a.method.trials,
            Esc(&a.method.seed),
            Esc(&a.method.generator)
        )?;
        if let Some(b) = a.forecasts.brier {
            write!(
                out,
                " Forecasts: Brier score {b:.3} over {} recorded period{}.",
                a.forecasts.periods,
                plural(a.forecasts.periods)
            )?;
        }
    }
    out.push_str("</p>\n</footer>\n");
    Ok(())
}

fn badge(status: Status) -> String {
    format!(
        "<span class=\"badge {}\">{}</span>",
        class(status),
        status.label()
    )
}

fn severity(s: Severity) -> String {
    format!("<span class=\"sev {0}\">{0}</span>", s.as_str())
}

/// The CSS class of a status.
fn class(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
        Status::NotApplicable => "na",
        Status::Manual => "manual",
        Status::Waived => "waived",
    }
}

/// A status in words, for counts, chips and tooltips.
fn words(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
        Status::NotApplicable => "not applicable",
        Status::Manual => "manual",
        Status::Waived => "waived",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escape(text: &str) -> String {
        Esc(text).to_string()
    }

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            escape(r#"<script>alert("x&y's")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;y&#39;s&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape("plain é ✓"), "plain é ✓");
        assert_eq!(escape(""), "");
        assert_eq!(escape("&&"), "&amp;&amp;");
    }
}
