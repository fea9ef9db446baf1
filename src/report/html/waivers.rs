//! The waivers: every waiver of the project with its state on the as-of
//! date, applied or not.

use super::{Esc, open, plural};
use crate::outcome::WaiverState;
use crate::report::Report;
use std::fmt::{self, Write};

/// Every waiver: what it covers, why, who approved it, until when, its state
/// on the as-of date and how many findings it covered.
pub(super) fn waivers(out: &mut String, report: &Report) -> fmt::Result {
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
        let unused = w.state == WaiverState::Active && w.matched == 0;
        let state = if unused { "unused".to_owned() } else { state };
        let class = match w.state {
            _ if unused => "waived",
            WaiverState::Active => "pass",
            WaiverState::Expiring => "waived",
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
