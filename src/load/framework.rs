//! Resolving a framework defined whole (built in, new in a project, or
//! replacing a built-in one with `replace = true`): every control's checks
//! and risks must exist. `extend.rs` merges a project file into a built-in
//! framework with the helpers here.

use super::error::LoadError;
use super::raw::{FrameworkFile, RawControl};
use super::registry::{Registry, suggest};
use super::source::{SourceFile, span};
use crate::model::id::shape;
use crate::model::{
    CheckId, Control, ControlId, Framework, FrameworkId, Function, Mitigation, Origin, RiskId,
};
use std::collections::BTreeMap;
use toml::Spanned;

/// The ids a control may refer to.
pub struct Known<'a> {
    pub checks: &'a BTreeMap<CheckId, crate::model::Check>,
    pub risks: &'a BTreeMap<RiskId, crate::model::Risk>,
}

/// Why a framework file is defined whole: a missing `name` says so, since
/// an extension may leave it out and the reader may have meant one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// No built-in framework has its id (or it is built in).
    New,
    /// `replace = true` over the built-in framework of its id.
    Replacing,
}

pub fn compile(
    raw: FrameworkFile,
    file: &SourceFile,
    known: &Known<'_>,
    whole: Whole,
    errors: &mut Vec<LoadError>,
) -> Option<Framework> {
    let before = errors.len();
    let id = raw.framework.id.get_ref().clone();
    let why = match whole {
        Whole::New => format!("`{id}` extends no built-in framework, so it is defined whole"),
        Whole::Replacing => format!("`replace = true` defines `{id}` whole"),
    };
    let name = required(
        raw.framework.name,
        "name",
        &why,
        &raw.framework.id,
        file,
        errors,
    );
    let baselines: Vec<String> = raw
        .framework
        .baselines
        .iter()
        .map(|b| b.get_ref().clone())
        .collect();
    let mut ids = Registry::new("control");
    let mut controls = Vec::with_capacity(raw.control.len());
    for control in raw.control {
        if !valid_control_id(&control.id, file, errors) {
            continue;
        }
        known_baselines(&control, &baselines, file, errors);
        if ids.admit(&control.id, file, errors) {
            let why = format!("control `{}` is defined whole here", control.id.get_ref());
            controls.extend(new_control(control, &why, file, known, errors));
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(Framework {
        id: FrameworkId::new(id),
        name: name?,
        version: raw.framework.version.unwrap_or_default(),
        publisher: raw.framework.publisher.unwrap_or_default(),
        notes: raw.framework.notes.unwrap_or_default(),
        baselines,
        controls,
        origin: Origin {
            file: file.name.clone(),
            line: file.line_of(raw.framework.id.span().start),
        },
    })
}

/// `value`, or a missing-field diagnostic at the definition's id saying `why` it is needed.
pub(super) fn required<T>(
    value: Option<T>,
    field: &str,
    why: &str,
    id: &Spanned<String>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<T> {
    if value.is_none() {
        errors.push(LoadError::MissingField {
            message: format!("missing field `{field}`: {why}"),
            src: file.src(),
            span: span(id.span()),
        });
    }
    value
}

pub(super) fn valid_control_id(
    id: &Spanned<String>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> bool {
    let ok = shape::is_control_id(id.get_ref());
    if !ok {
        errors.push(LoadError::InvalidId {
            kind: "control",
            id: id.get_ref().clone(),
            rule: "control ids are the framework's own (`CC6.1`, `A.5.15`): printable, without spaces or `:`",
            src: file.src(),
            span: span(id.span()),
        });
    }
    ok
}

/// Every baseline a control names must be one of its framework's.
pub(super) fn known_baselines(
    control: &RawControl,
    baselines: &[String],
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) {
    for b in control.baselines.iter().flat_map(|b| b.get_ref()) {
        if !baselines.contains(b.get_ref()) {
            errors.push(LoadError::UnknownReference {
                kind: "baseline",
                id: b.get_ref().clone(),
                help: Some(if baselines.is_empty() {
                    "declare the framework's baselines in `[framework] baselines = [...]`"
                        .to_owned()
                } else {
                    format!("this framework's baselines are: {}", baselines.join(", "))
                }),
                src: file.src(),
                span: span(b.span()),
            });
        }
    }
}

/// A control defined whole; `why` says why it needs a `title`.
pub(super) fn new_control(
    raw: RawControl,
    why: &str,
    file: &SourceFile,
    known: &Known<'_>,
    errors: &mut Vec<LoadError>,
) -> Option<Control> {
    let before = errors.len();
    let title = required(raw.title, "title", why, &raw.id, file, errors);
    let checks = resolve_checks(&raw.checks, file, known, errors);
    let mitigates = resolve_mitigates(&raw.mitigates, file, known, errors);
    let function = match &raw.function {
        None => Function::default(),
        Some(name) => Function::from_name(name.get_ref()).unwrap_or_else(|| {
            errors.push(LoadError::UnknownReference {
                kind: "control function",
                id: name.get_ref().clone(),
                help: Some(format!("functions are: {}", Function::NAMES)),
                src: file.src(),
                span: span(name.span()),
            });
            Function::default()
        }),
    };
    if errors.len() > before {
        return None;
    }
    Some(Control {
        id: ControlId::new(raw.id.get_ref().clone()),
        title: title?,
        checks,
        mitigates,
        function,
        overlap: raw.overlap.map(Spanned::into_inner),
        baselines: raw
            .baselines
            .map(Spanned::into_inner)
            .unwrap_or_default()
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        origin: Origin {
            file: file.name.clone(),
            line: file.line_of(raw.id.span().start),
        },
    })
}

/// The checks a control lists, each of which must exist.
pub(super) fn resolve_checks(
    raw: &[Spanned<String>],
    file: &SourceFile,
    known: &Known<'_>,
    errors: &mut Vec<LoadError>,
) -> Vec<CheckId> {
    let mut checks = Vec::with_capacity(raw.len());
    for check in raw {
        let id = check.get_ref();
        if known.checks.contains_key(id.as_str()) {
            checks.push(CheckId::new(id.clone()));
        } else {
            errors.push(LoadError::UnknownReference {
                kind: "check",
                id: id.clone(),
                help: suggest(id, known.checks.keys().map(CheckId::as_str)),
                src: file.src(),
                span: span(check.span()),
            });
        }
    }
    checks
}

/// The risks a control mitigates, each of which must exist, with an effect in `0..=1`.
pub(super) fn resolve_mitigates(
    raw: &BTreeMap<Spanned<String>, Spanned<f64>>,
    file: &SourceFile,
    known: &Known<'_>,
    errors: &mut Vec<LoadError>,
) -> Vec<Mitigation> {
    let mut mitigates = Vec::with_capacity(raw.len());
    for (risk, effect) in raw {
        let id = risk.get_ref();
        if !known.risks.contains_key(id.as_str()) {
            errors.push(LoadError::UnknownReference {
                kind: "risk",
                id: id.clone(),
                help: suggest(id, known.risks.keys().map(RiskId::as_str)),
                src: file.src(),
                span: span(risk.span()),
            });
        }
        let value = *effect.get_ref();
        if !(0.0..=1.0).contains(&value) {
            errors.push(LoadError::EffectOutOfRange {
                value,
                src: file.src(),
                span: span(effect.span()),
            });
        }
        mitigates.push(Mitigation {
            risk: RiskId::new(id.clone()),
            effect: value,
        });
    }
    mitigates
}
