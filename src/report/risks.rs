//! The human view of the risk analysis: `assay risks`, and its summary in
//! `assay check`.

use super::Report;
use crate::outcome::Status;
use crate::risk::{RiskAnalysis, RiskEntry};
use std::fmt::Write;

/// Ranked risks shown in `assay check`'s summary.
const SUMMARY_RISKS: usize = 5;

/// `assay risks`.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let name = report.project.name.as_deref().unwrap_or("built-in catalog");
    let _ = writeln!(
        out,
        "assay {} · {} · risks as of {}",
        report.tool.version, name, report.as_of
    );
    let Some(a) = &report.risks else {
        let _ = writeln!(out, "no risk analysis in this report");
        return out;
    };
    let _ = writeln!(
        out,
        "controls counted from: {}",
        if a.frameworks.is_empty() {
            "no framework".to_owned()
        } else {
            a.frameworks.join(", ")
        }
    );
    partial(&mut out, a);
    totals(&mut out, a);
    let _ = writeln!(
        out,
        "\nRisks by inherent expected annual loss (ALE), {}{}",
        a.currency,
        if a.ranked < a.register {
            format!(": top {} of {}", a.ranked, a.register)
        } else {
            String::new()
        }
    );
    table_header(&mut out);
    for r in &a.risks {
        ranked_line(&mut out, r);
    }
    for r in &a.risks {
        detail(&mut out, r, &a.currency);
    }
    exposed(&mut out, a);
    fixes(&mut out, a, usize::MAX);
    values(&mut out, a);
    compliance_only(&mut out, a, usize::MAX);
    forecasts(&mut out, a);
    method(&mut out, a);
    out
}

/// The few lines `assay check` adds after its framework results.
/// A partial run says so before any figure, and generic figures say whose they are.
fn partial(out: &mut String, a: &RiskAnalysis) {
    if a.generic > 0 {
        let _ = writeln!(
            out,
            "estimates: {} of the {} risks hold the built-in catalog's generic figures, not \
             this organisation's; re-estimate their frequency and loss in a risks file \
             (`assay init` writes one, risks.toml; a risk there replaces the built-in of its id)",
            a.generic, a.register
        );
    }
    if let Some(why) = &a.partial {
        let _ = writeln!(
            out,
            "partial: {why}; controls whose checks did not run count for nothing, \
             so residual losses are overstated and the fixes incomplete"
        );
    }
}

pub fn summary(out: &mut String, a: &RiskAnalysis) {
    let _ = writeln!(
        out,
        "\nRisks ({}; `assay risks` shows the detail)",
        a.currency
    );
    partial(out, a);
    totals(out, a);
    table_header(out);
    for r in a.risks.iter().take(SUMMARY_RISKS) {
        ranked_line(out, r);
    }
    exposed(out, a);
    fixes(out, a, 3);
    compliance_only(out, a, 0);
}

fn totals(out: &mut String, a: &RiskAnalysis) {
    let t = &a.totals;
    let saved = t.saved();
    let _ = writeln!(
        out,
        "expected annual loss: {} inherent, {} residual after passing controls ({} a year saved, {:.1}%)",
        money(t.inherent_ale),
        money(t.residual_ale),
        money(saved),
        t.saved_percent()
    );
    let _ = writeln!(
        out,
        "annual loss of the whole register, residual: median {}, 1 year in 10 above {}, 1 in 100 above {}",
        money(t.residual.p50),
        money(t.residual.p90),
        money(t.residual.p99)
    );
}

fn table_header(out: &mut String) {
    let _ = writeln!(
        out,
        "  {:>3}  {:<34} {:>6} {:>13} {:>13} {:>13} {:>13}",
        "#", "risk", "freq/y", "inherent ALE", "residual ALE", "residual P90", "residual P99"
    );
}

fn ranked_line(out: &mut String, r: &RiskEntry) {
    let _ = writeln!(
        out,
        "  {:>3}  {:<34} {:>6} {:>13} {:>13} {:>13} {:>13}{}",
        r.rank,
        truncate(r.id.as_str(), 34),
        trim_number(r.frequency),
        money(r.inherent.ale),
        money(r.residual.ale),
        money(r.residual.simulated.p90),
        money(r.residual.simulated.p99),
        if r.exposed { "  EXPOSED" } else { "" }
    );
}

fn detail(out: &mut String, r: &RiskEntry, currency: &str) {
    let _ = writeln!(out, "\n{}. {} ({})", r.rank, r.title, r.id);
    let _ = writeln!(out, "   {}", r.scenario);
    let _ = writeln!(
        out,
        "   {} events a year; loss per event {}–{} {currency} (90%), mean {}; ALE {} × {} = {}",
        trim_number(r.frequency),
        money(r.loss.low),
        money(r.loss.high),
        money(r.inherent.mean_loss),
        trim_number(r.frequency),
        money(r.inherent.mean_loss),
        money(r.inherent.ale)
    );
    let _ = writeln!(
        out,
        "   Monte Carlo: mean {} ± {} (closed form {}); P50 {}, P90 {}, P99 {}",
        money(r.inherent.simulated.mean),
        money(r.inherent.simulated.standard_error),
        money(r.inherent.ale),
        money(r.inherent.simulated.p50),
        money(r.inherent.simulated.p90),
        money(r.inherent.simulated.p99)
    );
    if r.controls.is_empty() {
        let _ = writeln!(out, "   no control of the selected frameworks mitigates it");
    }
    for c in r.controls.iter().filter(|c| c.status != Status::Manual) {
        let _ = writeln!(
            out,
            "   {:<6} {:<24} {:<8} effect {:.2}{}",
            c.status.label(),
            c.control,
            c.function.name(),
            c.effect,
            if c.counted {
                "  counted"
            } else if c.status == Status::Pass {
                "  not counted: same safeguard as a stronger control"
            } else {
                ""
            }
        );
    }
    let manual: Vec<String> = r
        .controls
        .iter()
        .filter(|c| c.status == Status::Manual)
        .map(|c| format!("{} {:.2}", c.control, c.effect))
        .collect();
    if !manual.is_empty() {
        let _ = writeln!(
            out,
            "   manual, not counted until evidenced: {}",
            manual.join(", ")
        );
    }
    if r.residual.ale < r.inherent.ale {
        let _ = writeln!(
            out,
            "   residual: frequency {} × {} = {}, mean loss {} × {} = {}; ALE {}",
            trim_number(r.frequency),
            trim_number(r.frequency_factor),
            trim_number(r.residual.frequency),
            money(r.inherent.mean_loss),
            trim_number(r.loss_factor),
            money(r.residual.mean_loss),
            money(r.residual.ale)
        );
    }
    if let Some(f) = &r.forecast {
        let _ = writeln!(
            out,
            "   forecast: Brier score {:.3} over {} period(s)",
            f.brier,
            f.periods.len()
        );
    }
}

fn exposed(out: &mut String, a: &RiskAnalysis) {
    if a.exposed.is_empty() {
        let _ = writeln!(
            out,
            "\nexposed risks: none, every ranked risk has a passing control"
        );
        return;
    }
    let ids: Vec<&str> = a.exposed.iter().map(|r| r.as_str()).collect();
    let _ = writeln!(
        out,
        "\nexposed risks (no passing control), highest first: {}",
        ids.join(", ")
    );
}

fn fixes(out: &mut String, a: &RiskAnalysis, limit: usize) {
    if a.next_best_fixes.is_empty() {
        let _ = writeln!(
            out,
            "next best fixes: no failing control would reduce a risk"
        );
        return;
    }
    let _ = writeln!(
        out,
        "next best fixes (residual ALE saved a year if they passed):"
    );
    for f in a.next_best_fixes.iter().take(limit) {
        let _ = writeln!(
            out,
            "  {:>13}  {} — {} [{}; checks: {}]",
            money(f.reduction),
            f.controls.join(", "),
            f.title,
            f.status,
            f.checks
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

fn values(out: &mut String, a: &RiskAnalysis) {
    if a.control_value.is_empty() {
        let _ = writeln!(out, "control value: no passing control mitigates a risk");
        return;
    }
    let _ = writeln!(out, "control value (residual ALE a year it prevents now):");
    for v in &a.control_value {
        let shared = if v.same_evidence.is_empty() {
            String::new()
        } else {
            format!(" (same evidence as {})", v.same_evidence.join(", "))
        };
        let _ = writeln!(
            out,
            "  {:>13}  {} — {}{shared}",
            money(v.value),
            v.control,
            v.title
        );
    }
}

fn compliance_only(out: &mut String, a: &RiskAnalysis, limit: usize) {
    if a.compliance_only.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "compliance-only controls (mitigate no ranked risk): {}",
        a.compliance_only.len()
    );
    if limit == 0 {
        let _ = writeln!(out);
        return;
    }
    let _ = writeln!(out);
    for c in a.compliance_only.iter().take(limit) {
        let _ = writeln!(out, "  {:<7} {} — {}", c.status.label(), c.control, c.title);
    }
}

fn forecasts(out: &mut String, a: &RiskAnalysis) {
    if let Some(b) = a.forecasts.brier {
        let _ = writeln!(
            out,
            "forecasts: Brier score {b:.3} over {} recorded period(s) (0 is perfect; always saying 50% scores 0.25)",
            a.forecasts.periods
        );
    }
}

fn method(out: &mut String, a: &RiskAnalysis) {
    let _ = writeln!(
        out,
        "\nmethod: loss per event {}; {} Monte Carlo trials, seed `{}`, {}",
        a.method.loss_model, a.method.trials, a.method.seed, a.method.generator
    );
}

/// Whole currency units with thousands separators: `1,234,567`.
pub fn money(amount: f64) -> String {
    let rounded = amount.round();
    let negative = rounded < 0.0;
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if negative { format!("-{out}") } else { out }
}

/// A factor or frequency with at most four decimals and no trailing zeros.
pub(crate) fn trim_number(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(0.0), "0");
        assert_eq!(money(999.4), "999");
        assert_eq!(money(1000.0), "1,000");
        assert_eq!(money(592_982.05), "592,982");
        assert_eq!(money(-1_234_567.0), "-1,234,567");
    }
}
