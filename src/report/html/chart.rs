//! The chart of the ranked risks: inline SVG, drawn to scale, no script.

use super::Esc;
use crate::report::risks::money;
use crate::risk::RiskAnalysis;
use std::fmt::{self, Write};

/// Inherent and residual ALE of each ranked risk as horizontal bars.
pub(super) fn chart(out: &mut String, a: &RiskAnalysis) -> fmt::Result {
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

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_long_labels() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
    }
}
