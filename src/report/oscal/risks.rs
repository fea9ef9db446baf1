//! The ranked risks, each with its figures as facets in assay's system and
//! the passing controls that reduce it as mitigating factors.

use super::fields::{Ids, NS, money, number, one_line, or, prop, props, tool_origin};
use crate::report::Report;
use crate::risk::RiskEntry;
use crate::risk::simulate::Simulated;
use serde_json::{Value, json};

/// The ranked risks, in rank order; findings link only to these.
pub(super) fn ranked(report: &Report) -> impl Iterator<Item = &RiskEntry> {
    report.risks.iter().flat_map(|a| &a.risks)
}

/// A ranked risk: its figures in words, as facets, and what mitigates it.
pub(super) fn risk(r: &RiskEntry, report: &Report, ids: &Ids) -> Value {
    let currency = report.risks.as_ref().map_or("", |a| a.currency.as_str());
    let register = report.risks.as_ref().map_or(0, |a| a.register);
    let exposed = if r.exposed {
        " No passing control reduces it."
    } else {
        ""
    };
    let statement = format!(
        "Rank {} of {register} by inherent expected annual loss: {} {currency} a year ({} events \
         a year, mean loss {} {currency}). After the controls that pass now: {} {currency} a \
         year.{exposed}",
        r.rank,
        money(r.inherent.ale),
        number(r.inherent.frequency),
        money(r.inherent.mean_loss),
        money(r.residual.ale),
    );
    json!({
        "uuid": ids.risk(r.id.as_str()),
        "title": one_line(&r.title),
        "description": or(&r.scenario, &r.title),
        "statement": statement,
        "props": props([
            prop("risk-id", r.id.as_str()),
            prop("rank", r.rank.to_string()),
            prop("category", &r.category),
            prop("owner", &r.owner),
            prop("exposed", r.exposed.to_string()),
        ]),
        "status": "open",
        "characterizations": [{ "origin": tool_origin(ids), "facets": facets(r, currency) }],
        "mitigating-factors": mitigating_factors(r, ids),
    })
}

/// The passing controls whose effect is in the residual.
fn mitigating_factors(r: &RiskEntry, ids: &Ids) -> Vec<Value> {
    r.controls
        .iter()
        .filter(|m| m.counted)
        .map(|m| {
            let on = if m.function.reduces_frequency() {
                "frequency"
            } else {
                "loss per event"
            };
            let description = format!(
                "{} passes: it {}s with effect {} on {on}, counted once for its safeguard {}.",
                m.control,
                m.function.name(),
                number(m.effect),
                m.safeguard
            );
            json!({
                "uuid": ids.of("mitigating-factor", &format!("{}/{}", r.id, m.control)),
                "description": description,
            })
        })
        .collect()
}

/// The risk's inputs and results, as strings in assay's facet system.
fn facets(r: &RiskEntry, currency: &str) -> Vec<Value> {
    let mut list: Vec<(String, String)> = [
        ("currency", currency.to_owned()),
        ("frequency", number(r.frequency)),
        ("loss-low", money(r.loss.low)),
        ("loss-high", money(r.loss.high)),
        ("lognormal-mu", number(r.mu)),
        ("lognormal-sigma", number(r.sigma)),
        ("frequency-factor", number(r.frequency_factor)),
        ("loss-factor", number(r.loss_factor)),
    ]
    .map(|(n, v)| (n.to_owned(), v))
    .into();
    for (stage, e) in [("inherent", &r.inherent), ("residual", &r.residual)] {
        list.extend([
            (format!("{stage}-frequency"), number(e.frequency)),
            (format!("{stage}-mean-loss"), money(e.mean_loss)),
            (format!("{stage}-ale"), money(e.ale)),
        ]);
        list.extend(simulated(stage, &e.simulated));
    }
    list.into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(name, value)| json!({ "name": name, "system": NS, "value": value }))
        .collect()
}

/// The Monte Carlo's figures of one stage (inherent or residual).
fn simulated(stage: &str, s: &Simulated) -> [(String, String); 5] {
    [
        (format!("{stage}-simulated-mean"), money(s.mean)),
        (
            format!("{stage}-simulated-standard-error"),
            money(s.standard_error),
        ),
        (format!("{stage}-p50"), money(s.p50)),
        (format!("{stage}-p90"), money(s.p90)),
        (format!("{stage}-p99"), money(s.p99)),
    ]
}
