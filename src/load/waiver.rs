//! Validating waivers: a check or a control that exists, a path glob that
//! compiles, a justification and an approver that say something, dates in
//! order and a lifetime within the project's maximum.

use super::Defined;
use super::attestation::{date_field, find_control};
use super::error::LoadError;
use super::raw::{RawWaiver, RawWaiverPolicy};
use super::registry::suggest;
use super::source::{SourceFile, span};
use crate::model::{CheckId, Origin, Waiver, WaiverPolicy, WaiverTarget};
use globset::GlobBuilder;
use toml::Spanned;

pub fn policy(
    raw: Option<&RawWaiverPolicy>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> WaiverPolicy {
    let mut policy = WaiverPolicy::default();
    let Some(raw) = raw else { return policy };
    let mut days = |value: &Option<Spanned<i64>>, into: &mut i64| {
        if let Some(v) = value {
            if *v.get_ref() < 1 {
                errors.push(LoadError::InvalidValue {
                    message: format!("{} days: it must be at least 1", v.get_ref()),
                    src: file.src(),
                    span: span(v.span()),
                });
            } else {
                *into = *v.get_ref();
            }
        }
    };
    days(&raw.max_days, &mut policy.max_days);
    days(&raw.warn_days, &mut policy.warn_days);
    policy
}

pub fn compile(
    raw: &RawWaiver,
    file: &SourceFile,
    defined: &Defined<'_>,
    policy: WaiverPolicy,
    seen: &mut std::collections::BTreeSet<String>,
    errors: &mut Vec<LoadError>,
) -> Option<Waiver> {
    let before = errors.len();
    if let Some(id) = &raw.id
        && !seen.insert(id.get_ref().clone())
    {
        errors.push(LoadError::InvalidValue {
            message: format!("waiver id `{}` is used twice", id.get_ref()),
            src: file.src(),
            span: span(id.span()),
        });
    }
    let target = target(raw, file, defined, errors);
    for (what, value) in [
        ("a justification", &raw.justification),
        ("an approver", &raw.approver),
    ] {
        if value.get_ref().trim().is_empty() {
            errors.push(LoadError::InvalidValue {
                message: format!("a waiver needs {what}: who accepted this risk, and why"),
                src: file.src(),
                span: span(value.span()),
            });
        }
    }
    let expires = date_field(&raw.expires, file, errors);
    let granted = raw
        .granted
        .as_ref()
        .and_then(|g| date_field(g, file, errors));
    if let (Some(g), Some(e)) = (granted, expires) {
        lifetime(g, e, &raw.expires, file, policy, errors);
    }
    let path = raw.path.as_ref().and_then(|p| glob(p, file, errors));
    if errors.len() > before {
        return None;
    }
    let line = file.line_of(raw.justification.span().start);
    let origin = Origin {
        file: file.name.clone(),
        line,
    };
    Some(Waiver {
        id: raw
            .id
            .as_ref()
            .map(|i| i.get_ref().clone())
            .unwrap_or_else(|| format!("{}:{line}", file.name)),
        target: target?,
        path,
        item: raw.item.clone(),
        justification: raw.justification.get_ref().trim().to_owned(),
        approver: raw.approver.get_ref().trim().to_owned(),
        ticket: raw.ticket.clone(),
        granted,
        expires: expires?,
        origin,
    })
}

/// Exactly one of `check` and `control`, naming something that exists.
fn target(
    raw: &RawWaiver,
    file: &SourceFile,
    defined: &Defined<'_>,
    errors: &mut Vec<LoadError>,
) -> Option<WaiverTarget> {
    let catalog = defined.catalog;
    match (&raw.check, &raw.control) {
        (Some(check), None) => {
            let id = check.get_ref();
            if catalog.checks.contains_key(id.as_str()) {
                Some(WaiverTarget::Check(CheckId::new(id.as_str())))
            } else {
                errors.push(LoadError::UnknownReference {
                    kind: "check",
                    id: id.clone(),
                    help: suggest(id, catalog.checks.keys().map(|k| k.as_str())),
                    src: file.src(),
                    span: span(check.span()),
                });
                None
            }
        }
        (None, Some(control)) => {
            let (framework, found) = find_control(control, file, defined, errors)?;
            Some(WaiverTarget::Control {
                framework,
                control: found.id.clone(),
            })
        }
        (Some(_), Some(control)) => {
            errors.push(LoadError::InvalidValue {
                message: "a waiver names a check or a control, not both".to_owned(),
                src: file.src(),
                span: span(control.span()),
            });
            None
        }
        (None, None) => {
            errors.push(LoadError::InvalidValue {
                message: "a waiver must name the `check` or the `control` it waives".to_owned(),
                src: file.src(),
                span: span(raw.justification.span()),
            });
            None
        }
    }
}

fn lifetime(
    granted: jiff::civil::Date,
    expires: jiff::civil::Date,
    at: &Spanned<toml::Value>,
    file: &SourceFile,
    policy: WaiverPolicy,
    errors: &mut Vec<LoadError>,
) {
    let days = (expires - granted).get_days();
    let message = if days <= 0 {
        format!("the waiver expires on {expires}, not after it was granted on {granted}")
    } else if i64::from(days) > policy.max_days {
        format!(
            "the waiver lasts {days} days, more than the maximum of {} (`[waiver_policy] max_days`)",
            policy.max_days
        )
    } else {
        return;
    };
    errors.push(LoadError::InvalidValue {
        message,
        src: file.src(),
        span: span(at.span()),
    });
}

fn glob(
    path: &Spanned<String>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<(String, globset::GlobMatcher)> {
    match GlobBuilder::new(path.get_ref())
        .literal_separator(true)
        .build()
    {
        Ok(g) => Some((path.get_ref().clone(), g.compile_matcher())),
        Err(e) => {
            errors.push(LoadError::InvalidValue {
                message: format!("`{}` is not a valid glob: {e}", path.get_ref()),
                src: file.src(),
                span: span(path.span()),
            });
            None
        }
    }
}
