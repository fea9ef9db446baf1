//! Resolving a framework: every control's checks and risks must exist.

use super::error::LoadError;
use super::raw::{FrameworkFile, RawControl};
use super::registry::{Registry, suggest};
use super::source::{SourceFile, span};
use crate::model::id::shape;
use crate::model::{
    CheckId, Control, ControlId, Framework, FrameworkId, Function, Mitigation, Origin, RiskId,
};
use std::collections::BTreeMap;

/// The ids a control may refer to.
pub struct Known<'a> {
    pub checks: &'a BTreeMap<CheckId, crate::model::Check>,
    pub risks: &'a BTreeMap<RiskId, crate::model::Risk>,
}

pub fn compile(
    raw: FrameworkFile,
    file: &SourceFile,
    known: &Known<'_>,
    errors: &mut Vec<LoadError>,
) -> Option<Framework> {
    let before = errors.len();
    let mut ids = Registry::new("control");
    let baselines: Vec<String> = raw
        .framework
        .baselines
        .iter()
        .map(|b| b.get_ref().clone())
        .collect();
    let mut controls = Vec::with_capacity(raw.control.len());
    for control in raw.control {
        if !shape::is_control_id(control.id.get_ref()) {
            errors.push(LoadError::InvalidId {
                kind: "control",
                id: control.id.get_ref().clone(),
                rule: "control ids are the framework's own (`CC6.1`, `A.5.15`): printable, without spaces or `:`",
                src: file.src(),
                span: span(control.id.span()),
            });
            continue;
        }
        for b in &control.baselines {
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
        if ids.admit(&control.id, file, errors) {
            controls.extend(resolve_control(control, file, known, errors));
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(Framework {
        id: FrameworkId::new(raw.framework.id.get_ref().clone()),
        name: raw.framework.name,
        version: raw.framework.version,
        publisher: raw.framework.publisher,
        notes: raw.framework.notes,
        baselines,
        controls,
        origin: Origin {
            file: file.name.clone(),
            line: file.line_of(raw.framework.id.span().start),
        },
    })
}

fn resolve_control(
    raw: RawControl,
    file: &SourceFile,
    known: &Known<'_>,
    errors: &mut Vec<LoadError>,
) -> Option<Control> {
    let before = errors.len();
    let mut checks = Vec::with_capacity(raw.checks.len());
    for check in &raw.checks {
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
    let mut mitigates = Vec::with_capacity(raw.mitigates.len());
    for (risk, effect) in &raw.mitigates {
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
        title: raw.title,
        checks,
        mitigates,
        function,
        overlap: raw.overlap,
        baselines: raw.baselines.iter().map(|b| b.get_ref().clone()).collect(),
        origin: Origin {
            file: file.name.clone(),
            line: file.line_of(raw.id.span().start),
        },
    })
}
