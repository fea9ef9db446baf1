//! The HTML report: one self-contained page for people who read rather than
//! parse, and for auditors who print it.
//!
//! The page holds everything it shows: an inline style sheet, inline SVG, no
//! script, no font, no link out; a Content-Security-Policy says so to the
//! browser too, so a finding that slipped past [`Esc`] could still load
//! nothing. Every text taken from the report is escaped, since findings quote
//! repository files and exports. The same report gives the same bytes:
//! everything is written in the report's own order, and the only date is the
//! report's as-of date.
//!
//! Each section is an element with a stable `id` (`summary`, `matrix`,
//! `risks`, `exposed`, `fixes`, `value`, `failing`, `manual`), which the tests
//! and anyone linking into the page rely on.

use super::human::label;
use super::risks::{money, trim_number};
use super::{ControlReport, Counts, FrameworkReport, Report};
use crate::model::{Severity, Validity};
use crate::outcome::{AttestationReport, CheckResult, Finding, Status};
use crate::risk::{RiskAnalysis, RiskEntry};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

/// Findings listed per check; the JSON report has them all.
const MAX_FINDINGS: usize = 50;

/// Nothing but the inline style sheet and inline images may load.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// One self-contained HTML document.
pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(1 << 16);
    // Writing into a String cannot fail.
    let _ = page(&mut out, report);
    out
}

/// Text made safe for HTML element content and quoted attribute values.
pub struct Esc<'a>(pub &'a str);

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

/// `text` escaped, as a String.
pub fn escape(text: &str) -> String {
    Esc(text).to_string()
}

fn page(out: &mut String, report: &Report) -> fmt::Result {
    let name = report.project.name.as_deref().unwrap_or("built-in checks");
    write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n\
         <title>{} · compliance report as of {}</title>\n\
         <link rel=\"icon\" href=\"data:,\">\n<style>{STYLE}</style>\n</head>\n<body>\n",
        Esc(&report.tool.name),
        Esc(&report.tool.version),
        Esc(name),
        Esc(&report.as_of)
    )?;
    header(out, report, name)?;
    out.push_str(NAV);
    out.push_str("<main>\n");
    summary(out, report)?;
    matrix(out, report)?;
    match &report.risks {
        Some(a) => {
            risks(out, a)?;
            exposed(out, a)?;
            fixes(out, a)?;
            value(out, a)?;
        }
        None => {
            for (id, title) in RISK_SECTIONS {
                open(out, id, title)?;
                out.push_str(
                    "<p class=\"empty\">No risk analysis in this report: a merged report \
                     carries none, since its controls pass in some repositories only. Run \
                     <code>assay risks</code> on each repository.</p>\n</section>\n",
                );
            }
        }
    }
    failing(out, report)?;
    manual(out, report)?;
    if !report.waivers.is_empty() {
        waivers(out, report)?;
    }
    out.push_str("</main>\n");
    footer(out, report)?;
    out.push_str("</body>\n</html>\n");
    Ok(())
}

const RISK_SECTIONS: [(&str, &str); 4] = [
    ("risks", "Ranked risks"),
    ("exposed", "Exposed risks"),
    ("fixes", "Next best fixes"),
    ("value", "What the controls are worth"),
];

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

fn summary(out: &mut String, report: &Report) -> fmt::Result {
    open(out, "summary", "Summary")?;
    out.push_str("<div class=\"cards\">");
    card(out, "Checks", &report.summary.checks)?;
    card(out, "Controls", &report.summary.controls)?;
    out.push_str("</div>\n");
    if report.frameworks.is_empty() {
        out.push_str("<p class=\"empty\">No framework selected.</p>\n</section>\n");
        return Ok(());
    }
    out.push_str(
        "<div class=\"scroll\"><table class=\"frameworks\">\n<thead><tr><th>Framework</th>\
         <th class=\"n\">Controls</th><th class=\"n\">Pass</th><th class=\"n\">Fail</th>\
         <th class=\"n\">Error</th><th class=\"n\">N/A</th><th class=\"n\">Manual</th>\
         <th>Automated coverage</th><th>Manual coverage</th><th class=\"bar-col\">Status of controls</th>\
         </tr></thead>\n<tbody>\n",
    );
    for fw in &report.frameworks {
        let (s, c) = (&fw.summary, &fw.coverage);
        write!(
            out,
            "<tr><th scope=\"row\">{}<br><span class=\"sub\"><code>{}</code>{}</span></th>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td>{} automated: {} evaluated, <strong>{} pass</strong></td>\
             <td>{} manual: <strong>{} attested</strong></td><td class=\"bar-cell\">",
            Esc(&fw.name),
            Esc(&framework_id(fw)),
            if fw.version.is_empty() {
                String::new()
            } else {
                format!(" · {}", Esc(&fw.version))
            },
            c.controls,
            s.pass,
            s.fail,
            s.error,
            s.not_applicable,
            s.manual,
            c.automated,
            c.evaluated,
            c.passing,
            c.manual,
            c.attested
        )?;
        bar(out, s)?;
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    legend(out)?;
    out.push_str("</section>\n");
    Ok(())
}

fn card(out: &mut String, title: &str, c: &Counts) -> fmt::Result {
    let total = c.pass + c.fail + c.error + c.not_applicable + c.manual;
    write!(
        out,
        "<div class=\"card\"><h3>{title} <span class=\"sub\">{total}</span></h3><p>"
    )?;
    for (status, n) in statuses(c) {
        write!(
            out,
            "<span class=\"count {}\"><b>{n}</b> {}</span>",
            class(status),
            words(status)
        )?;
    }
    out.push_str("</p>");
    bar(out, c)?;
    out.push_str("</div>");
    Ok(())
}

fn statuses(c: &Counts) -> [(Status, usize); 5] {
    [
        (Status::Pass, c.pass),
        (Status::Fail, c.fail),
        (Status::Error, c.error),
        (Status::NotApplicable, c.not_applicable),
        (Status::Manual, c.manual),
    ]
}

/// A stacked bar of statuses, in proportion.
fn bar(out: &mut String, c: &Counts) -> fmt::Result {
    let total = c.pass + c.fail + c.error + c.not_applicable + c.manual;
    out.push_str("<span class=\"bar\">");
    if total > 0 {
        for (status, n) in statuses(c).into_iter().filter(|(_, n)| *n > 0) {
            write!(
                out,
                "<span class=\"{}\" style=\"width:{:.2}%\" title=\"{n} {}\"></span>",
                class(status),
                100.0 * n as f64 / total as f64,
                words(status)
            )?;
        }
    }
    out.push_str("</span>");
    Ok(())
}

fn legend(out: &mut String) -> fmt::Result {
    out.push_str("<p class=\"legend\">");
    for status in [
        Status::Pass,
        Status::Fail,
        Status::Error,
        Status::NotApplicable,
        Status::Manual,
    ] {
        write!(
            out,
            "<span class=\"chip {}\">{}</span>",
            class(status),
            words(status)
        )?;
    }
    out.push_str(" Manual controls need an attestation; an attested one counts as a pass.</p>\n");
    Ok(())
}

/// Checks down, frameworks across; each cell the controls the check evidences.
fn matrix(out: &mut String, report: &Report) -> fmt::Result {
    open(out, "matrix", "Coverage matrix")?;
    // Per framework: check id → the controls it evidences, in framework order.
    let by_check: Vec<BTreeMap<&str, Vec<&ControlReport>>> = report
        .frameworks
        .iter()
        .map(|fw| {
            let mut m: BTreeMap<&str, Vec<&ControlReport>> = BTreeMap::new();
            for c in &fw.controls {
                for check in &c.checks {
                    m.entry(check.as_str()).or_default().push(c);
                }
            }
            m
        })
        .collect();
    let known: BTreeSet<&str> = report.checks.iter().map(|c| c.result.id.as_str()).collect();
    let unreported: BTreeSet<&str> = by_check
        .iter()
        .flat_map(|m| m.keys().copied())
        .filter(|id| !known.contains(id))
        .collect();
    if report.checks.is_empty() && unreported.is_empty() {
        out.push_str("<p class=\"empty\">No check ran.</p>\n</section>\n");
        return Ok(());
    }
    out.push_str(
        "<p class=\"lead\">Each row is a check, each column a framework; a cell lists the \
         framework's controls the check evidences, coloured by the control's status.</p>\n\
         <div class=\"scroll\"><table class=\"matrix\">\n<thead><tr><th>Check</th><th>Status</th>",
    );
    for fw in &report.frameworks {
        write!(
            out,
            "<th>{}<br><span class=\"sub\"><code>{}</code></span></th>",
            Esc(&fw.name),
            Esc(&framework_id(fw))
        )?;
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for check in &report.checks {
        let r = &check.result;
        let id = r.id.as_str();
        if matches!(r.status, Status::Fail | Status::Error) {
            write!(
                out,
                "<tr><th scope=\"row\"><a href=\"#check-{0}\"><code>{0}</code></a>",
                Esc(id)
            )?;
        } else {
            write!(out, "<tr><th scope=\"row\"><code>{}</code>", Esc(id))?;
        }
        write!(
            out,
            "<br><span class=\"sub\">{}</span></th><td>{} {}</td>",
            Esc(&r.title),
            badge(r.status),
            severity(r.severity)
        )?;
        cells(out, &by_check, id)?;
        out.push_str("</tr>\n");
    }
    for id in unreported {
        write!(
            out,
            "<tr><th scope=\"row\"><code>{}</code><br><span class=\"sub\">not run</span></th><td>—</td>",
            Esc(id)
        )?;
        cells(out, &by_check, id)?;
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    Ok(())
}

fn cells(
    out: &mut String,
    by_check: &[BTreeMap<&str, Vec<&ControlReport>>],
    id: &str,
) -> fmt::Result {
    for m in by_check {
        out.push_str("<td class=\"chips\">");
        match m.get(id) {
            Some(controls) => {
                for c in controls {
                    write!(
                        out,
                        "<span class=\"chip {}\" title=\"{}: {}\">{}</span>",
                        class(c.status),
                        Esc(&c.title),
                        words(c.status),
                        Esc(&c.id)
                    )?;
                }
            }
            None => out.push_str("<span class=\"none\">—</span>"),
        }
        out.push_str("</td>");
    }
    Ok(())
}

fn risks(out: &mut String, a: &RiskAnalysis) -> fmt::Result {
    open(out, "risks", "Ranked risks")?;
    let t = &a.totals;
    let saved = t.inherent_ale - t.residual_ale;
    let cur = Esc(&a.currency);
    write!(
        out,
        "<p class=\"lead\">Expected annual loss (ALE) in {cur}, before controls (inherent) and \
         after the controls that pass now (residual); controls counted from {}.{}</p>\n\
         <div class=\"cards\"><div class=\"card\"><h3>Inherent ALE</h3><p class=\"big\">{}</p></div>\
         <div class=\"card\"><h3>Residual ALE</h3><p class=\"big\">{}</p></div>\
         <div class=\"card\"><h3>Saved a year</h3><p class=\"big\">{} <span class=\"sub\">{:.1}%</span></p></div>\
         <div class=\"card wide\"><h3>Residual annual loss of the whole register</h3><p>median {} · \
         1 year in 10 above {} · 1 in 100 above {}</p></div></div>\n",
        if a.frameworks.is_empty() {
            "no framework".to_owned()
        } else {
            a.frameworks
                .iter()
                .map(|f| format!("<code>{}</code>", Esc(f)))
                .collect::<Vec<_>>()
                .join(", ")
        },
        if a.ranked < a.register {
            format!(
                " Top {} of the {} risks of the register.",
                a.ranked, a.register
            )
        } else {
            String::new()
        },
        money(t.inherent_ale),
        money(t.residual_ale),
        money(saved),
        if t.inherent_ale > 0.0 {
            100.0 * saved / t.inherent_ale
        } else {
            0.0
        },
        money(t.residual.p50),
        money(t.residual.p90),
        money(t.residual.p99),
    )?;
    if a.risks.is_empty() {
        out.push_str("<p class=\"empty\">The register is empty.</p>\n</section>\n");
        return Ok(());
    }
    chart(out, a)?;
    out.push_str(
        "<div class=\"scroll\"><table class=\"risks\">\n<thead><tr><th class=\"n\">#</th>\
         <th>Risk</th><th class=\"n\">Events a year</th><th class=\"n\">Loss per event (90%)</th>\
         <th class=\"n\">Inherent ALE</th><th class=\"n\">Residual ALE</th>\
         <th class=\"n\">Residual P90</th><th class=\"n\">Residual P99</th>\
         <th>Counted controls</th></tr></thead>\n<tbody>\n",
    );
    for r in &a.risks {
        risk_row(out, r)?;
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    Ok(())
}

fn risk_row(out: &mut String, r: &RiskEntry) -> fmt::Result {
    write!(
        out,
        "<tr id=\"risk-{}\"><td class=\"n\">{}</td><td class=\"risk\"><strong>{}</strong>{}<br>\
         <span class=\"sub\"><code>{}</code> · {} · owner {}</span></td>\
         <td class=\"n\">{}</td><td class=\"n\">{}–{}</td><td class=\"n\">{}</td>\
         <td class=\"n\"><strong>{}</strong></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"chips\">",
        Esc(r.id.as_str()),
        r.rank,
        Esc(&r.title),
        if r.exposed {
            " <span class=\"chip fail\">exposed</span>"
        } else {
            ""
        },
        Esc(r.id.as_str()),
        Esc(&r.category),
        Esc(&r.owner),
        trim_number(r.frequency),
        money(r.loss.low),
        money(r.loss.high),
        money(r.inherent.ale),
        money(r.residual.ale),
        money(r.residual.simulated.p90),
        money(r.residual.simulated.p99)
    )?;
    let counted: Vec<_> = r.controls.iter().filter(|c| c.counted).collect();
    if counted.is_empty() {
        out.push_str("<span class=\"none\">none</span>");
    }
    for c in counted {
        write!(
            out,
            "<span class=\"chip pass\" title=\"{} {:.2}\">{}</span>",
            c.function.name(),
            c.effect,
            Esc(&c.control)
        )?;
    }
    out.push_str("</td></tr>\n");
    Ok(())
}

/// Inherent and residual ALE of each ranked risk as horizontal bars.
fn chart(out: &mut String, a: &RiskAnalysis) -> fmt::Result {
    const WIDTH: f64 = 960.0;
    const LABEL: f64 = 270.0;
    const BARS: f64 = 520.0;
    const ROW: f64 = 24.0;
    const TOP: f64 = 30.0;
    let max = a
        .risks
        .iter()
        .map(|r| r.inherent.ale.max(r.residual.ale))
        .fold(0.0, f64::max);
    let scale = |v: f64| if max > 0.0 { v / max * BARS } else { 0.0 };
    let height = TOP + ROW * a.risks.len() as f64 + 6.0;
    write!(
        out,
        "<figure class=\"chart\"><svg role=\"img\" \
         aria-labelledby=\"chart-title\" viewBox=\"0 0 {WIDTH} {height:.0}\" \
         preserveAspectRatio=\"xMinYMin meet\">\n<title id=\"chart-title\">Expected annual loss \
         per ranked risk, inherent and residual</title>\n\
         <rect class=\"inh\" x=\"{LABEL}\" y=\"6\" width=\"14\" height=\"12\"/>\
         <text x=\"{:.0}\" y=\"16\">inherent</text>\
         <rect class=\"res\" x=\"{:.0}\" y=\"9\" width=\"14\" height=\"6\"/>\
         <text x=\"{:.0}\" y=\"16\">residual</text>\
         <rect class=\"res exposed\" x=\"{:.0}\" y=\"9\" width=\"14\" height=\"6\"/>\
         <text x=\"{:.0}\" y=\"16\">residual of an exposed risk (no passing control)</text>\n",
        LABEL + 20.0,
        LABEL + 100.0,
        LABEL + 120.0,
        LABEL + 200.0,
        LABEL + 220.0,
    )?;
    for (i, r) in a.risks.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let (inh, res) = (scale(r.inherent.ale), scale(r.residual.ale));
        writeln!(
            out,
            "<g><title>{}. {}: inherent {} → residual {} {}</title>\
             <text class=\"label\" x=\"{:.0}\" y=\"{:.1}\">{}. {}</text>\
             <rect class=\"inh\" x=\"{LABEL}\" y=\"{:.1}\" width=\"{inh:.1}\" height=\"{:.1}\"/>\
             <rect class=\"res{}\" x=\"{LABEL}\" y=\"{:.1}\" width=\"{res:.1}\" height=\"{:.1}\"/>\
             <text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{} → {}</text></g>",
            r.rank,
            Esc(&r.title),
            money(r.inherent.ale),
            money(r.residual.ale),
            Esc(&a.currency),
            LABEL - 8.0,
            y + ROW / 2.0 + 4.0,
            r.rank,
            Esc(&truncate(r.id.as_str(), 34)),
            y + 3.0,
            ROW - 6.0,
            if r.exposed { " exposed" } else { "" },
            y + 8.0,
            ROW - 16.0,
            LABEL + inh.max(res) + 6.0,
            y + ROW / 2.0 + 4.0,
            money(r.inherent.ale),
            money(r.residual.ale),
        )?;
    }
    writeln!(
        out,
        "</svg><figcaption>Expected annual loss per ranked risk, {}; bars to scale.</figcaption></figure>",
        Esc(&a.currency)
    )
}

fn exposed(out: &mut String, a: &RiskAnalysis) -> fmt::Result {
    open(out, "exposed", "Exposed risks")?;
    if a.exposed.is_empty() {
        out.push_str(
            "<p class=\"empty\">None: every ranked risk has a passing control.</p>\n</section>\n",
        );
        return Ok(());
    }
    write!(
        out,
        "<p class=\"lead\">{} ranked risk{} no passing control reduces, highest first, with \
         the controls that would.</p>\n<div class=\"scroll\"><table class=\"exposed\">\n<thead><tr>\
         <th class=\"n\">#</th><th>Risk</th><th class=\"n\">ALE ({})</th>\
         <th>Failing controls that mitigate it</th><th>Manual controls that would, once attested</th>\
         </tr></thead>\n<tbody>\n",
        a.exposed.len(),
        plural(a.exposed.len()),
        Esc(&a.currency)
    )?;
    for id in &a.exposed {
        let Some(r) = a.risks.iter().find(|r| &r.id == id) else {
            continue;
        };
        write!(
            out,
            "<tr><td class=\"n\">{}</td><td><strong>{}</strong><br><span class=\"sub\"><code>{}</code> · {}</span></td>\
             <td class=\"n\">{}</td><td class=\"chips\">",
            r.rank,
            Esc(&r.title),
            Esc(r.id.as_str()),
            Esc(&r.scenario),
            money(r.inherent.ale)
        )?;
        let mut any = false;
        for c in r.controls.iter().filter(|c| c.status != Status::Manual) {
            any = true;
            write!(
                out,
                "<span class=\"chip {}\" title=\"{} {:.2}\">{}</span>",
                class(c.status),
                c.function.name(),
                c.effect,
                Esc(&c.control)
            )?;
        }
        if !any {
            out.push_str("<span class=\"none\">none</span>");
        }
        out.push_str("</td><td class=\"chips\">");
        let manual: Vec<_> = r
            .controls
            .iter()
            .filter(|c| c.status == Status::Manual)
            .collect();
        if manual.is_empty() {
            out.push_str("<span class=\"none\">none</span>");
        }
        for c in manual {
            write!(
                out,
                "<span class=\"chip manual\" title=\"{} {:.2}\">{}</span>",
                c.function.name(),
                c.effect,
                Esc(&c.control)
            )?;
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    Ok(())
}

fn fixes(out: &mut String, a: &RiskAnalysis) -> fmt::Result {
    open(out, "fixes", "Next best fixes")?;
    if a.next_best_fixes.is_empty() {
        out.push_str(
            "<p class=\"empty\">No failing control would reduce a ranked risk.</p>\n</section>\n",
        );
        return Ok(());
    }
    write!(
        out,
        "<p class=\"lead\">Failing controls by how much residual expected annual loss would \
         drop if they passed; controls shown by the same checks pass together.</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th class=\"n\">#</th>\
         <th class=\"n\">Saved a year ({0})</th><th>Controls</th><th>Make these checks pass</th>\
         <th class=\"n\">Residual ALE after ({0})</th></tr></thead>\n<tbody>\n",
        Esc(&a.currency)
    )?;
    for (i, f) in a.next_best_fixes.iter().enumerate() {
        write!(
            out,
            "<tr><td class=\"n\">{}</td><td class=\"n\"><strong>{}</strong></td><td>{}<br><span class=\"chips\">",
            i + 1,
            money(f.reduction),
            Esc(&f.title)
        )?;
        for c in &f.controls {
            write!(
                out,
                "<span class=\"chip {}\">{}</span>",
                class(f.status),
                Esc(c)
            )?;
        }
        out.push_str("</span></td><td class=\"checks\">");
        for (j, c) in f.checks.iter().enumerate() {
            if j > 0 {
                out.push_str("<br>");
            }
            write!(out, "<code>{}</code>", Esc(c.as_str()))?;
        }
        writeln!(
            out,
            "</td><td class=\"n\">{}</td></tr>",
            money(f.residual_ale_after)
        )?;
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    Ok(())
}

/// What the passing controls are worth, and which mitigate nothing ranked.
fn value(out: &mut String, a: &RiskAnalysis) -> fmt::Result {
    open(out, "value", "What the controls are worth")?;
    if a.control_value.is_empty() {
        out.push_str("<p class=\"empty\">No passing control mitigates a ranked risk.</p>\n");
    } else {
        write!(
            out,
            "<p class=\"lead\">Passing controls by how much residual expected annual loss \
             would rise if they stopped passing.</p>\n<div class=\"scroll\"><table>\n\
             <thead><tr><th class=\"n\">Worth a year ({})</th><th>Control</th>\
             <th>Same evidence as</th></tr></thead>\n<tbody>\n",
            Esc(&a.currency)
        )?;
        for v in &a.control_value {
            write!(
                out,
                "<tr><td class=\"n\"><strong>{}</strong></td><td><span class=\"chip pass\">{}</span> {}</td><td class=\"chips\">",
                money(v.value),
                Esc(&v.control),
                Esc(&v.title)
            )?;
            for s in &v.same_evidence {
                write!(out, "<span class=\"chip pass\">{}</span>", Esc(s))?;
            }
            out.push_str("</td></tr>\n");
        }
        out.push_str("</tbody>\n</table></div>\n");
    }
    if !a.compliance_only.is_empty() {
        write!(
            out,
            "<h3 id=\"compliance-only\">Compliance only</h3>\n<p class=\"lead\">{} control{} of \
             the selected frameworks mitigate{} no ranked risk.</p>\n<p class=\"chips\">",
            a.compliance_only.len(),
            plural(a.compliance_only.len()),
            if a.compliance_only.len() == 1 {
                "s"
            } else {
                ""
            }
        )?;
        for c in &a.compliance_only {
            write!(
                out,
                "<span class=\"chip {}\" title=\"{}\">{}</span>",
                class(c.status),
                Esc(&c.title),
                Esc(&c.control)
            )?;
        }
        out.push_str("</p>\n");
    }
    out.push_str("</section>\n");
    Ok(())
}

fn failing(out: &mut String, report: &Report) -> fmt::Result {
    open(out, "failing", "Failing checks")?;
    let failing = report.failing_checks();
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
    )?;
    for c in failing {
        failing_check(out, &c.result, &c.remediation, &c.controls)?;
    }
    out.push_str("</section>\n");
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
         <p class=\"sub\">source {} · {} examined, {} failing{}</p>\n",
        class(r.status),
        Esc(r.id.as_str()),
        badge(r.status),
        severity(r.severity),
        Esc(r.id.as_str()),
        Esc(&r.title),
        Esc(&r.sources.join(", ")),
        r.examined,
        r.failing,
        if r.skipped_binary > 0 {
            format!(", {} binary files skipped", r.skipped_binary)
        } else {
            String::new()
        }
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
                 (<code>--format json</code>) lists them all.</p>",
                plural(more)
            )?;
        }
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

/// Every waiver: what it covers, why, who approved it, until when, its state
/// on the as-of date and how many findings it covered.
fn waivers(out: &mut String, report: &Report) -> fmt::Result {
    open(out, "waivers", "Waivers")?;
    let applied = report.waivers.iter().filter(|w| w.matched > 0).count();
    writeln!(
        out,
        "<p class=\"lead\">{} waiver{}, {applied} applied. Waived findings do not gate; an \
         expired waiver no longer applies.</p>",
        report.waivers.len(),
        plural(report.waivers.len())
    )?;
    out.push_str(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Waiver</th><th>Covers</th><th>Justification</th>\
         <th>Approver</th><th>Expires</th><th>State</th><th>Matched</th></tr></thead>\n<tbody>\n",
    );
    for w in &report.waivers {
        let covers = [
            w.check.as_deref(),
            w.control.as_deref(),
            w.path.as_deref(),
            w.item.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        // The state's name as the JSON report spells it (`too_long`).
        let state = serde_json::to_value(w.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let unused = w.state == crate::outcome::WaiverState::Active && w.matched == 0;
        let state = if unused { "unused".to_owned() } else { state };
        let class = match w.state {
            _ if unused => "waived",
            crate::outcome::WaiverState::Active => "pass",
            crate::outcome::WaiverState::Expiring => "waived",
            _ => "fail",
        };
        writeln!(
            out,
            "<tr><td><code>{}</code><div class=\"sub\">{}</div></td><td><code>{}</code></td><td>{}</td>\
             <td>{}</td><td>{}</td><td><span class=\"chip {class}\">{}</span></td><td>{}</td></tr>",
            Esc(&w.id),
            Esc(&w.source),
            Esc(&covers),
            Esc(&w.justification),
            Esc(w
                .approver
                .as_deref()
                .unwrap_or(if w.inline { "inline" } else { "" })),
            Esc(w.expires.as_deref().unwrap_or("")),
            Esc(&state),
            w.matched
        )?;
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    Ok(())
}

/// Manual controls: attested, attested but not on the as-of date, unattested.
fn manual(out: &mut String, report: &Report) -> fmt::Result {
    open(out, "manual", "Manual controls")?;
    type Rows<'a> = Vec<(&'a FrameworkReport, &'a ControlReport)>;
    let (mut valid, mut invalid, mut none): (Rows<'_>, Rows<'_>, Rows<'_>) = Default::default();
    for fw in &report.frameworks {
        for c in fw.controls.iter().filter(|c| c.checks.is_empty()) {
            match &c.attestation {
                Some(a) if a.validity == Validity::Valid => valid.push((fw, c)),
                Some(_) => invalid.push((fw, c)),
                None => none.push((fw, c)),
            }
        }
    }
    let total = valid.len() + invalid.len() + none.len();
    if total == 0 {
        out.push_str(
            "<p class=\"empty\">The selected frameworks have no manual control.</p>\n</section>\n",
        );
        return Ok(());
    }
    writeln!(
        out,
        "<p class=\"lead\">{total} control{} no check evidences: {} attested on {}, {} with an \
         attestation not valid on that date, {} unattested.</p>",
        plural(total),
        valid.len(),
        Esc(&report.as_of),
        invalid.len(),
        none.len()
    )?;
    writeln!(out, "<h3>Attested ({})</h3>", valid.len())?;
    if valid.is_empty() {
        out.push_str("<p class=\"empty\">No valid attestation.</p>\n");
    }
    for (fw, c) in &valid {
        if let Some(a) = &c.attestation {
            attestation(out, fw, c, a)?;
        }
    }
    if !invalid.is_empty() {
        writeln!(
            out,
            "<h3>Attestation not valid on {} ({})</h3>",
            Esc(&report.as_of),
            invalid.len()
        )?;
        for (fw, c) in &invalid {
            if let Some(a) = &c.attestation {
                attestation(out, fw, c, a)?;
            }
        }
    }
    writeln!(out, "<h3>Unattested ({})</h3>", none.len())?;
    if none.is_empty() {
        out.push_str("<p class=\"empty\">Every manual control is attested.</p>\n");
    } else {
        unattested(out, &none)?;
    }
    out.push_str("</section>\n");
    Ok(())
}

/// Unattested controls as compact lists of ids per framework, titled: a
/// table of a hundred rows nobody reads. Those that mitigate a risk of the
/// register are marked, since attesting them lowers a loss.
fn unattested(out: &mut String, none: &[(&FrameworkReport, &ControlReport)]) -> fmt::Result {
    out.push_str(
        "<p class=\"sub\">Marked <span class=\"chip manual risky\">thus</span>: mitigates a \
         risk of the register, so an attestation would lower its loss. Titles on hover and in \
         report.json.</p>\n<dl class=\"unattested\">\n",
    );
    let mut rest = none;
    while let Some((fw, _)) = rest.first() {
        let split = rest
            .iter()
            .position(|(f, _)| f.id != fw.id)
            .unwrap_or(rest.len());
        let (group, tail) = rest.split_at(split);
        rest = tail;
        write!(
            out,
            "<dt>{} ({})</dt><dd class=\"chips\">",
            Esc(&fw.name),
            group.len()
        )?;
        for (_, c) in group {
            let risks: Vec<&str> = c.mitigates.iter().map(|m| m.risk.as_str()).collect();
            let (class, tip) = if risks.is_empty() {
                ("", c.title.clone())
            } else {
                (
                    " risky",
                    format!("{}. Mitigates: {}", c.title, risks.join(", ")),
                )
            };
            write!(
                out,
                "<span class=\"chip manual{class}\" title=\"{}\">{}</span>",
                Esc(&tip),
                Esc(&c.id)
            )?;
        }
        out.push_str("</dd>\n");
    }
    out.push_str("</dl>\n");
    Ok(())
}

fn attestation(
    out: &mut String,
    fw: &FrameworkReport,
    c: &ControlReport,
    a: &AttestationReport,
) -> fmt::Result {
    let (state, class) = match a.validity {
        Validity::Valid => (format!("valid until {}", Esc(&a.expires)), "pass"),
        Validity::Expired => (format!("expired on {}", Esc(&a.expires)), "fail"),
        Validity::NotYetValid => (format!("not valid before {}", Esc(&a.date)), "error"),
    };
    write!(
        out,
        "<article class=\"attestation {class}\">\n<h4><span class=\"chip {class}\">{}:{}</span> {}</h4>\n\
         <blockquote>{}</blockquote>\n<dl class=\"facts\"><dt>Attested by</dt><dd>{}</dd>\
         <dt>Valid</dt><dd>{} to {} (exclusive) · <strong>{state}</strong></dd>\
         <dt>Declared at</dt><dd><code>{}</code></dd>",
        Esc(fw.id.as_str()),
        Esc(&c.id),
        Esc(&c.title),
        Esc(&a.statement),
        Esc(&a.attested_by),
        Esc(&a.date),
        Esc(&a.expires),
        Esc(&a.source)
    )?;
    out.push_str("<dt>Evidence</dt><dd>");
    if a.evidence.is_empty() {
        out.push_str("<span class=\"none\">no file cited</span>");
    } else {
        out.push_str(
            "<table class=\"evidence\"><thead><tr><th>File</th><th class=\"n\">Bytes</th>\
             <th>SHA-256</th></tr></thead><tbody>",
        );
        for e in &a.evidence {
            write!(
                out,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td><code class=\"hash\">{}</code></td></tr>",
                Esc(&e.path),
                e.size,
                Esc(&e.sha256)
            )?;
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</dd></dl>\n</article>\n");
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

fn framework_id(fw: &FrameworkReport) -> String {
    match &fw.baseline {
        Some(b) => format!("{}@{b}", fw.id),
        None => fw.id.to_string(),
    }
}

fn badge(status: Status) -> String {
    format!(
        "<span class=\"badge {}\">{}</span>",
        class(status),
        label(status)
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

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

const STYLE: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--line:#d8dee4;--soft:#f6f8fa;--accent:#0b5cad;
--pass:#116329;--pass-bg:#dcf5e3;--fail:#b42318;--fail-bg:#fde8e6;--error:#8a4b00;--error-bg:#fdf0d5;
--na:#57606a;--na-bg:#eef1f4;--manual:#0b5cad;--manual-bg:#e3effc}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--fg);background:#fff;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
code,.hash{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.92em}
header.top,nav,main,footer{max-width:1240px;margin:0 auto;padding:0 28px}
header.top{display:grid;grid-template-columns:1fr auto;gap:8px 24px;padding-top:28px;padding-bottom:16px;border-bottom:1px solid var(--line)}
.kicker{margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.08em;font-size:12px}
h1{margin:2px 0 4px;font-size:28px;font-weight:650}
.meta{margin:0;color:var(--muted)}
.gate{align-self:start;border-radius:8px;padding:10px 14px;display:flex;flex-direction:column;gap:4px;max-width:460px}
.gate.ok{background:var(--pass-bg);color:var(--pass)}
.gate.bad{background:var(--fail-bg);color:var(--fail)}
.gate-word{font-weight:700;font-size:18px}
dl.inputs{grid-column:1/-1;display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0 0;color:var(--muted);font-size:13px}
dl.inputs dt{font-weight:600}
dl.inputs dd{margin:0}
nav{display:flex;flex-wrap:wrap;gap:4px 18px;padding-top:10px;padding-bottom:10px;font-size:13px;position:sticky;top:0;background:#fff;border-bottom:1px solid var(--line);z-index:1}
nav a{color:var(--accent);text-decoration:none}
nav a:hover{text-decoration:underline}
main a{color:var(--accent);text-decoration-color:#9ec0e6;text-underline-offset:2px}
section{padding:18px 0 8px;border-bottom:1px solid var(--line);scroll-margin-top:44px}
article,tr{scroll-margin-top:48px}
h2{font-size:20px;margin:8px 0 10px;font-weight:650}
h3{font-size:15px;margin:18px 0 8px}
h4{font-size:14px;margin:0 0 6px}
.lead{color:var(--muted);margin:0 0 12px;max-width:900px}
.sub{color:var(--muted);font-size:12px;font-weight:400}
.empty{color:var(--muted);font-style:italic}
.none{color:#8c959f}
.bad-text{color:var(--fail)}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 14px}
.card{flex:1 1 220px;border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:var(--soft)}
.card.wide{flex:2 1 340px}
.card h3{margin:0 0 6px;font-size:13px;color:var(--muted);font-weight:600}
.card p{margin:0 0 8px}
.big{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.count{margin-right:12px;white-space:nowrap}
.count b{font-size:16px}
.count.pass b{color:var(--pass)}.count.fail b{color:var(--fail)}.count.error b{color:var(--error)}
.count.na b{color:var(--na)}.count.manual b{color:var(--manual)}
.bar{display:flex;height:10px;min-width:160px;border-radius:5px;overflow:hidden;background:var(--na-bg)}
.bar span{display:block;height:100%}
.bar .pass{background:#2da44e}.bar .fail{background:#d1453b}.bar .error{background:#d4a72c}
.bar .na{background:#afb8c1}.bar .manual{background:#79b0ef}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:0 0 12px;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
thead th{background:var(--soft);font-weight:600;border-bottom:1px solid #c4ccd4;white-space:nowrap}
tbody th{font-weight:500}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th.bar-col{min-width:180px}
table.risks td.risk{min-width:260px}
table.risks thead th{white-space:normal}
table.findings{table-layout:fixed}
table.findings th:nth-child(1){width:34%}table.findings th:nth-child(2){width:14%}
table.findings th:nth-child(3){width:34%}table.findings th:nth-child(4){width:18%}
table.findings td{overflow-wrap:anywhere}
td.checks code{white-space:nowrap}
table.matrix td.chips{min-width:150px}
table.matrix tbody th{min-width:200px}
.chips{line-height:1.9}
.chip{display:inline-block;padding:0 7px;margin:0 4px 2px 0;border-radius:10px;font-size:12px;line-height:1.6;white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-decoration:none}
.chip.pass,.badge.pass{background:var(--pass-bg);color:var(--pass)}
.chip.fail,.badge.fail{background:var(--fail-bg);color:var(--fail)}
.chip.error,.badge.error{background:var(--error-bg);color:var(--error)}
.chip.na,.badge.na{background:var(--na-bg);color:var(--na)}
.chip.waived,.badge.waived{background:#fff4d6;color:#7a5200}
.chip.manual,.badge.manual{background:var(--manual-bg);color:var(--manual)}
.chip.manual.risky{font-weight:700;box-shadow:inset 0 0 0 1px var(--manual)}
dl.unattested dt{font-weight:600;margin-top:8px}
dl.unattested dd{margin:2px 0 0}
.chip.plain{background:var(--soft);color:var(--muted);border:1px solid var(--line)}
.legend{font-size:12px;color:var(--muted)}
.badge{display:inline-block;padding:1px 7px;border-radius:4px;font-size:11px;font-weight:700;letter-spacing:.04em;vertical-align:1px}
.sev{display:inline-block;padding:0 6px;border-radius:4px;font-size:11px;font-weight:600;border:1px solid currentColor;vertical-align:1px}
.sev.critical{color:#8e1519}.sev.high{color:#b42318}.sev.medium{color:#8a4b00}.sev.low{color:#0b5cad}.sev.info{color:var(--muted)}
figure.chart{margin:0 0 16px;border:1px solid var(--line);border-radius:8px;padding:12px 12px 6px}
figure.chart svg{display:block;width:100%;height:auto}
figure.chart text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:12px;fill:var(--fg)}
figure.chart text.label{text-anchor:end}
figure.chart text.value{fill:var(--muted);font-variant-numeric:tabular-nums}
figure.chart rect.inh{fill:#c9d6e3}
figure.chart rect.res{fill:#0b5cad}
figure.chart rect.res.exposed{fill:#c0392b}
figcaption{font-size:12px;color:var(--muted);margin-top:4px}
article.check{border:1px solid var(--line);border-left:4px solid var(--fail);border-radius:6px;padding:10px 14px;margin:0 0 14px}
article.check.error{border-left-color:#d4a72c}
article.check h3{margin:0 0 4px;font-size:15px}
article.check table{margin-top:6px}
code.excerpt{background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:0 4px;word-break:break-all}
.more{color:var(--muted);font-style:italic;margin:0 0 8px}
.errors{color:var(--error);margin:6px 0}
.fix{background:var(--soft);border-radius:6px;padding:8px 12px;margin:8px 0}
.fix strong{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--pass)}
.fix p{margin:2px 0 0;white-space:pre-line}
article.attestation{border:1px solid var(--line);border-radius:6px;padding:10px 14px;margin:0 0 12px}
blockquote{margin:6px 0 8px;padding:2px 12px;border-left:3px solid var(--line);color:var(--fg)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0;font-size:13px}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
table.evidence{margin:0;width:auto}
.hash{word-break:break-all}
footer{padding-top:16px;padding-bottom:32px;color:var(--muted);font-size:12px}
@media print{
@page{margin:14mm 12mm}
body{font-size:10.5pt;background:#fff;-webkit-print-color-adjust:exact;print-color-adjust:exact}
nav{display:none}
header.top,main,footer{max-width:none;padding-left:0;padding-right:0}
.scroll{overflow:visible}
thead{display:table-header-group}
tr,article.attestation,figure,.card,blockquote,dl.facts,.fix{break-inside:avoid;page-break-inside:avoid}
h2,h3,h4{break-after:avoid;page-break-after:avoid}
section{border-bottom:none}
th.bar-col,td.bar-cell{display:none}
table{font-size:8.5pt}
th,td{padding:4px 5px}
td.n,th.n{white-space:normal}
table.risks td.risk{min-width:0}
table.matrix{table-layout:fixed}
table.matrix thead th:first-child{width:30%}
table.matrix thead th:nth-child(2){width:12%}
figure.chart text{font-size:13px}
table.risks,table.exposed{table-layout:fixed}
.chip{font-size:7.5pt;padding:0 5px}
table.risks thead th:nth-child(1),table.exposed thead th:nth-child(1){width:4%}
table.risks thead th:nth-child(2){width:22%}
table.risks thead th:nth-child(4){width:12%}
table.risks thead th:nth-child(9){width:19%}
table.exposed thead th:nth-child(2){width:34%}
table.exposed thead th:nth-child(3){width:10%}
table.matrix td.chips{min-width:0}
code{overflow-wrap:anywhere}
a{color:inherit;text-decoration:none}
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn truncates_long_labels() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
    }
}
