//! The risk sections: ranked risks with their chart, exposed risks, next
//! best fixes and what the passing controls are worth.

use super::chart::chart;
use super::{Esc, class, open, plural};
use crate::outcome::Status;
use crate::report::risks::{money, trim_number};
use crate::risk::{RiskAnalysis, RiskEntry};
use std::fmt::{self, Write};

const RISK_SECTIONS: [(&str, &str); 4] = [
    ("risks", "Ranked risks"),
    ("exposed", "Exposed risks"),
    ("fixes", "Next best fixes"),
    ("value", "What the controls are worth"),
];

/// The four risk sections, or, when the report has no risk analysis, the
/// same sections saying why, so that the navigation links still land.
pub(super) fn sections(out: &mut String, analysis: Option<&RiskAnalysis>) -> fmt::Result {
    match analysis {
        Some(a) => {
            risks(out, a)?;
            exposed(out, a)?;
            fixes(out, a)?;
            value(out, a)
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
            Ok(())
        }
    }
}

fn risks(out: &mut String, a: &RiskAnalysis) -> fmt::Result {
    open(out, "risks", "Ranked risks")?;
    if let Some(why) = &a.partial {
        writeln!(
            out,
            "<p class=\"lead\"><strong>Partial:</strong> {}; controls whose checks did not \
             run count for nothing, so residual losses are overstated and the fixes incomplete.</p>",
            Esc(why)
        )?;
    }
    let t = &a.totals;
    let saved = t.saved();
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
        t.saved_percent(),
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
