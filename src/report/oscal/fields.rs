//! OSCAL's field syntax: props in assay's namespace, single-line strings,
//! timestamps with a zone, and figures as strings.

use super::NS;
use serde_json::{Value, json};

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

/// RFC 3339 with a zone, as OSCAL requires; a bare date is its midnight UTC.
pub(super) fn timestamp(text: &str) -> String {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return crate::time::format(ts);
    }
    match text.parse::<jiff::civil::Date>() {
        Ok(date) => format!("{date}T00:00:00Z"),
        Err(_) => text.to_owned(),
    }
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
