//! Observations: one per check, saying what it examined and found, and one
//! per attestation, a person's statement with the files it cites.

use super::evidence::{Evidence, attested_file};
use super::fields::{
    Ids, LISTED_FINDINGS, one_line, or, prop, props, timestamp, tool_origin, validity,
};
use crate::model::Validity;
use crate::outcome::{AttestationReport, Finding, Status};
use crate::report::{CheckReport, ControlReport, FrameworkReport, Report};
use serde_json::{Value, json};
use std::fmt::Write;

/// What a check examined and found; a failing check's is also a `finding`.
pub(super) fn check(c: &CheckReport, report: &Report, ids: &Ids, evidence: &Evidence<'_>) -> Value {
    let r = &c.result;
    let failed = r.status == Status::Fail;
    let types = if failed {
        vec!["control-objective", "finding"]
    } else {
        vec!["control-objective"]
    };
    let mut list = vec![
        prop("check-id", r.id.as_str()),
        prop("status", r.status.as_str()),
        prop("severity", r.severity.as_str()),
        prop("examined", r.examined.to_string()),
        prop("failing", r.failing.to_string()),
        prop("findings", r.finding_count().to_string()),
        prop("findings-omitted", r.findings_omitted.to_string()),
        prop("errors", r.errors.len().to_string()),
    ];
    list.extend(r.sources.iter().map(|s| prop("source", s)));
    list.extend(c.controls.iter().map(|q| prop("control", q)));
    let remediation = (failed && !c.remediation.trim().is_empty())
        .then(|| format!("Remediation: {}", c.remediation));
    json!({
        "uuid": ids.check(r.id.as_str()),
        "title": one_line(&format!("{}: {}", r.id, r.title)),
        "description": check_description(c),
        "props": props(list),
        "methods": ["TEST"],
        "types": types,
        "origins": [tool_origin(ids)],
        "relevant-evidence": evidence.for_check(c, report, ids),
        "collected": timestamp(&report.as_of),
        "remarks": remediation,
    })
}

/// What was asserted and found: counts, then the first findings' places.
/// Excerpts stay in the JSON report: places and messages are enough here.
fn check_description(c: &CheckReport) -> String {
    let r = &c.result;
    let mut out = format!(
        "{} (check `{}`: a `{}` assertion over {}).\n\n\
         Status: {}. {} of {} examined failed; {} finding(s).",
        or(&r.title, r.id.as_str()),
        r.id,
        r.assertion,
        or(&r.sources.join(", "), "nothing"),
        r.status,
        r.failing,
        r.examined,
        r.finding_count()
    );
    if let Some(note) = &r.note {
        let _ = write!(out, "\n\n{note}");
    }
    if r.findings_omitted > 0 {
        let _ = write!(out, " {}", super::super::omitted_note(r.findings_omitted));
    }
    if !r.findings.is_empty() {
        let shown = r.findings.len().min(LISTED_FINDINGS);
        let _ = write!(out, "\n\nFindings ({shown} of {}):\n", r.finding_count());
        for f in r.findings.iter().take(LISTED_FINDINGS) {
            let _ = write!(out, "\n- `{}` {}", location(f), one_line(&f.message));
        }
    }
    if !r.errors.is_empty() {
        out.push_str("\n\nCould not be evaluated:\n");
        for e in &r.errors {
            let at = e.path.as_deref().map(|p| format!("`{p}`: "));
            let _ = write!(
                out,
                "\n- {}{}",
                at.unwrap_or_default(),
                one_line(&e.message)
            );
        }
    }
    out
}

/// A finding's place, fit to go between backticks in Markdown.
fn location(f: &Finding) -> String {
    let at = f.location();
    one_line(&at.replace('`', "'"))
}

/// A person's statement, examined with the files it cites.
pub(super) fn attestation(
    fw: &FrameworkReport,
    c: &ControlReport,
    a: &AttestationReport,
    ids: &Ids,
) -> Value {
    let methods = if a.evidence.is_empty() {
        vec!["INTERVIEW"]
    } else {
        vec!["INTERVIEW", "EXAMINE"]
    };
    let party = json!({ "type": "party", "actor-uuid": ids.party(&a.attested_by) });
    let origins = (!a.attested_by.trim().is_empty()).then(|| json!([{ "actors": [party] }]));
    let description = format!(
        "{}\n\nAttested by {} on {}; holds until {} (exclusive). {} on the as-of date. \
         Defined at `{}`.",
        or(&a.statement, "(no statement)"),
        a.attested_by,
        a.date,
        a.expires,
        validity(a.validity),
        a.source
    );
    let evidence: Vec<Value> = a
        .evidence
        .iter()
        .map(|e| attested_file(e).cite(ids))
        .collect();
    json!({
        "uuid": ids.attestation(fw.id.as_str(), &c.id),
        "title": one_line(&format!("Attestation of {}:{}", fw.id, c.id)),
        "description": description,
        "props": props([
            prop("control", format!("{}:{}", fw.id, c.id)),
            prop("attested-by", &a.attested_by),
            prop("attestation-date", &a.date),
            prop("attestation-expires", &a.expires),
            prop("validity", validity_token(a.validity)),
            prop("source", &a.source),
        ]),
        "methods": methods,
        "types": ["control-objective"],
        "origins": origins,
        "relevant-evidence": evidence,
        "collected": timestamp(&a.date),
        "expires": timestamp(&a.expires),
    })
}

fn validity_token(v: Validity) -> &'static str {
    match v {
        Validity::Valid => "valid",
        Validity::Expired => "expired",
        Validity::NotYetValid => "not-yet-valid",
    }
}
