//! What assay concludes per framework control: the controls it reviewed,
//! and a finding for each, targeting the control by its OSCAL token.

use super::fields::{Ids, one_line, prop, props, tool_origin, validity};
use crate::outcome::Status;
use crate::report::{ControlReport, FrameworkReport, Report};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// One selection per framework; OSCAL requires at least one selection.
pub(super) fn control_selections(report: &Report) -> Vec<Value> {
    let mut selections: Vec<Value> = report.frameworks.iter().map(control_selection).collect();
    if selections.is_empty() {
        selections.push(json!({ "description": "No framework was selected." }));
    }
    selections
}

fn control_selection(fw: &FrameworkReport) -> Value {
    let include: Vec<Value> = fw
        .controls
        .iter()
        .map(|c| json!({ "control-id": control_token(fw.id.as_str(), &c.id) }))
        .collect();
    let description = format!(
        "{} {} ({}): {} controls.",
        fw.name,
        fw.version,
        fw.label(),
        fw.controls.len()
    );
    let baseline = fw.baseline.as_deref().and_then(|b| prop("baseline", b));
    json!({
        "description": description,
        "props": props([prop("framework", fw.id.as_str()), baseline]),
        "include-controls": include,
    })
}

pub(super) fn finding(
    fw: &FrameworkReport,
    c: &ControlReport,
    report: &Report,
    ids: &Ids,
    ranked: &BTreeSet<&str>,
) -> Value {
    let (state, reason) = match c.status {
        Status::Pass => ("satisfied", "pass"),
        Status::Fail => ("not-satisfied", "fail"),
        Status::Error | Status::NotApplicable | Status::Manual | Status::Waived => {
            ("not-satisfied", "other")
        }
    };
    let explanation = control_explanation(c, report);
    let mut observed: Vec<String> = c
        .checks
        .iter()
        .filter(|id| report.checks.iter().any(|k| &k.result.id == *id))
        .map(|id| ids.check(id.as_str()))
        .collect();
    if c.attestation.is_some() {
        observed.push(ids.attestation(fw.id.as_str(), &c.id));
    }
    let risks: BTreeSet<String> = c
        .mitigates
        .iter()
        .filter(|m| ranked.contains(m.risk.as_str()))
        .map(|m| ids.risk(m.risk.as_str()))
        .collect();
    let remarks = (reason == "other").then_some(&explanation);
    let observed: Vec<Value> = observed
        .iter()
        .map(|u| json!({ "observation-uuid": u }))
        .collect();
    json!({
        "uuid": ids.of("finding", &format!("{}/{}", fw.id, c.id)),
        "title": one_line(&format!("{} {}: {}", fw.name, c.id, c.title)),
        "description": explanation,
        "props": props([
            prop("framework", fw.id.as_str()),
            prop("control-id", &c.id),
            prop("status", c.status.as_str()),
        ]),
        "origins": [tool_origin(ids)],
        "target": {
            "type": "objective-id",
            "target-id": control_token(fw.id.as_str(), &c.id),
            "title": one_line(&c.title),
            "status": { "state": state, "reason": reason, "remarks": remarks },
        },
        "related-observations": observed,
        "related-risks": risks.iter().map(|u| json!({ "risk-uuid": u })).collect::<Vec<_>>(),
    })
}

fn control_explanation(c: &ControlReport, report: &Report) -> String {
    let with = |status: Status| -> String {
        let ids: Vec<&str> = c
            .checks
            .iter()
            .filter(|id| {
                let check = report.checks.iter().find(|k| &k.result.id == *id);
                check.is_some_and(|k| k.result.status == status)
            })
            .map(|id| id.as_str())
            .collect();
        ids.join(", ")
    };
    match (c.status, &c.attestation) {
        (Status::Pass, Some(a)) if c.checks.is_empty() => format!(
            "A manual control, satisfied by an attestation of {} valid from {} until {}.",
            a.attested_by, a.date, a.expires
        ),
        (Status::Pass, _) => format!(
            "Every check evidencing this control passes: {}.",
            with(Status::Pass)
        ),
        (Status::Fail, _) => format!("Failing checks: {}.", with(Status::Fail)),
        (Status::Error, _) => format!(
            "Checks that could not be evaluated: {}. An unevaluated check is never a pass.",
            with(Status::Error)
        ),
        (Status::Waived, _) => format!(
            "Failing, with every failing finding waived (risk accepted until the waiver expires): {}.",
            with(Status::Waived)
        ),
        (Status::NotApplicable, _) => {
            "Its checks had nothing to evaluate (no file or record selected): not assessed."
                .to_owned()
        }
        (Status::Manual, Some(a)) => format!(
            "A manual control: its attestation by {} ({} until {}) is {} on the as-of date, \
             so it is not assessed.",
            a.attested_by,
            a.date,
            a.expires,
            validity(a.validity).to_lowercase()
        ),
        (Status::Manual, None) => "A manual control: no check evidences it and no attestation \
                                   was recorded, so it is not assessed."
            .to_owned(),
    }
}

/// A control id as an OSCAL token (an XML NCName). NIST's ids take the form
/// of NIST's own OSCAL catalog (`AC-2(1)` is `ac-2.1`); ids that do not
/// start with a letter are prefixed with their framework (`cis-v8-6.3`).
fn control_token(framework: &str, id: &str) -> String {
    if framework == "nist-800-53" {
        return token(&id.to_ascii_lowercase().replace('(', ".").replace(')', ""));
    }
    let t = token_chars(id);
    if starts_token(&t) {
        t
    } else {
        token(&format!("{framework}-{t}"))
    }
}

/// `s` with a `_` before it when it does not start as a token must.
fn token(s: &str) -> String {
    let t = token_chars(s);
    if starts_token(&t) { t } else { format!("_{t}") }
}

/// Characters outside the (ASCII) token alphabet become `_`.
fn token_chars(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn starts_token(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}
