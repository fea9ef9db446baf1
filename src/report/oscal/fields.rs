//! OSCAL's field syntax: props in assay's namespace, single-line strings,
//! timestamps with a zone, and figures as strings.

use crate::model::Validity;
use crate::report::{ControlReport, FrameworkReport, Report};
use serde_json::{Value, json};
use uuid::Uuid;

/// RFC 3339 with a zone, as OSCAL requires; a bare date is its midnight UTC.
pub(super) use crate::time::rfc3339 as timestamp;

pub const NS: &str = "https://github.com/assay-compliance/assay/ns/oscal";

/// A prop in assay's namespace; none for a blank value, which OSCAL forbids.
pub(super) fn prop(name: &str, value: impl AsRef<str>) -> Option<Value> {
    let value = one_line(value.as_ref());
    (!value.is_empty()).then(|| json!({ "name": name, "ns": NS, "value": value }))
}

pub(super) fn props(list: impl IntoIterator<Item = Option<Value>>) -> Vec<Value> {
    list.into_iter().flatten().collect()
}

/// OSCAL's single-line strings (titles, prop values) allow no line break
/// and no leading or trailing space.
pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn or<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() { fallback } else { s }
}

pub(super) fn money(x: f64) -> String {
    format!("{x:.2}")
}

/// Up to six decimals, trailing zeros dropped: `0.08`, not `0.08000000000000002`.
pub(super) fn number(x: f64) -> String {
    let s = format!("{x:.6}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// Deterministic uuids, scoped to one run: the project and its as-of time.
pub(super) struct Ids {
    pub(super) namespace: Uuid,
    run: String,
}

impl Ids {
    pub(super) fn new(report: &Report) -> Self {
        Self {
            namespace: Uuid::new_v5(&Uuid::NAMESPACE_URL, NS.as_bytes()),
            run: format!("{}@{}", project_name(report), report.as_of),
        }
    }

    pub(super) fn of(&self, kind: &str, subject: &str) -> String {
        let name = format!("{kind}/{}/{subject}", self.run);
        Uuid::new_v5(&self.namespace, name.as_bytes()).to_string()
    }

    pub(super) fn tool(&self) -> String {
        self.of("component", "assay")
    }

    pub(super) fn plan(&self) -> String {
        self.of("resource", "assessment-plan")
    }

    pub(super) fn manifest(&self) -> String {
        self.of("resource", "repository-manifest")
    }

    pub(super) fn check(&self, id: &str) -> String {
        self.of("observation", &format!("check/{id}"))
    }

    pub(super) fn attestation(&self, framework: &str, control: &str) -> String {
        self.of("observation", &format!("attestation/{framework}/{control}"))
    }

    pub(super) fn risk(&self, id: &str) -> String {
        self.of("risk", id)
    }

    pub(super) fn party(&self, name: &str) -> String {
        self.of("party", name)
    }
}

pub(super) fn project_name(report: &Report) -> String {
    let p = &report.project;
    p.name
        .clone()
        .or_else(|| p.config.clone())
        .or_else(|| report.targets.first().map(|t| t.path.clone()))
        .unwrap_or_else(|| "assay".to_owned())
}

pub(super) fn controls(
    report: &Report,
) -> impl Iterator<Item = (&FrameworkReport, &ControlReport)> {
    report
        .frameworks
        .iter()
        .flat_map(|fw| fw.controls.iter().map(move |c| (fw, c)))
}

/// assay as the actor behind an observation, finding or risk.
pub(super) fn tool_origin(ids: &Ids) -> Value {
    json!({ "actors": [{ "type": "tool", "actor-uuid": ids.tool() }] })
}

/// Findings listed per observation: the JSON report holds them all.
pub(super) const LISTED_FINDINGS: usize = 10;

pub(super) fn validity(v: Validity) -> &'static str {
    match v {
        Validity::Valid => "Valid",
        Validity::Expired => "Expired",
        Validity::NotYetValid => "Not yet valid",
    }
}
