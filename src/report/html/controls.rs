//! The manual controls: those no check evidences, with their attestations,
//! valid or not on the as-of date, and those still unattested.

use super::{Esc, open, plural};
use crate::model::Validity;
use crate::outcome::AttestationReport;
use crate::report::{ControlReport, FrameworkReport, Report};
use std::fmt::{self, Write};

/// Manual controls: attested, attested but not on the as-of date, unattested.
pub(super) fn manual(out: &mut String, report: &Report) -> fmt::Result {
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
