//! The summary (status counts, one row per framework) and the coverage
//! matrix of checks against framework controls.

use super::{Esc, badge, class, open, severity, words};
use crate::outcome::Status;
use crate::report::{ControlReport, Counts, FrameworkReport, Report};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

/// Status counts of the checks and the controls, then a row per framework.
pub(super) fn summary(out: &mut String, report: &Report) -> fmt::Result {
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
pub(super) fn matrix(out: &mut String, report: &Report) -> fmt::Result {
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

fn framework_id(fw: &FrameworkReport) -> String {
    fw.label()
}
