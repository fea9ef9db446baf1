//! A project framework file with a built-in framework's id extends it,
//! unless it says `replace = true`: a project adds its own evidence to SOC 2
//! without copying (and then silently dropping) the 61 criteria it keeps.
//! `replace = true` where no built-in framework has the id is an error, not
//! a no-op: it most likely means a mistyped id.
//!
//! The merge, field by field:
//! - `[framework]`: `name`, `version`, `publisher` and `notes`, when given,
//!   replace the built-in's; `baselines` are added to the built-in's, whose
//!   controls refer to them.
//! - a `[[control]]` whose id no built-in control has is added after the
//!   built-in controls, defined whole (`title` required);
//! - a `[[control]]` with a built-in control's id (exactly: an id equal to one
//!   but for case is an error) is merged into it: its `checks` are added to
//!   the built-in's (each listed once), each `mitigates` entry adds that risk
//!   or sets its effect, and `title` replaces the built-in's when given.
//!   `function`, `overlap` and `baselines` are errors there: they change what
//!   every built-in mapping of the control means, so changing them takes
//!   `replace = true`.

use super::error::LoadError;
use super::framework::{
    self, Known, Whole, known_baselines, new_control, resolve_checks, resolve_mitigates,
    valid_control_id,
};
use super::raw::{FrameworkFile, RawControl};
use super::registry::Registry;
use super::source::{Layer, SourceFile, span};
use crate::model::{Control, Framework, FrameworkId};
use std::collections::BTreeMap;
use toml::Spanned;

/// What a project file did to the built-in definitions of its ids, as
/// `assay validate` says it: a framework extended or replaced, a check
/// replaced, risks re-estimated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layering {
    Replaced {
        framework: FrameworkId,
        builtin_controls: usize,
        file: String,
        controls: usize,
    },
    Extended {
        framework: FrameworkId,
        added: usize,
        changed: usize,
    },
    /// A project check with a built-in check's id: it replaces it whole.
    CheckReplaced { check: String, file: String },
    /// Project risks with built-in ids, per file; `generic` of them keep the
    /// catalog's figures unchanged.
    RisksReplaced {
        file: String,
        risks: usize,
        generic: usize,
    },
}

impl std::fmt::Display for Layering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Replaced {
                framework,
                builtin_controls,
                file,
                controls,
            } => write!(
                f,
                "replaced built-in framework {framework} ({}) with {file} ({})",
                count(*builtin_controls),
                count(*controls)
            ),
            Self::Extended {
                framework,
                added,
                changed,
            } => write!(
                f,
                "extended built-in framework {framework}: {} added, {changed} changed",
                count(*added)
            ),
            Self::CheckReplaced { check, file } => {
                write!(f, "replaced built-in check {check} with the one in {file}")
            }
            Self::RisksReplaced {
                file,
                risks,
                generic,
            } => {
                let mut parts = Vec::new();
                if risks > generic {
                    parts.push(format!("{} re-estimated", risks - generic));
                }
                if *generic > 0 {
                    parts.push(format!(
                        "{generic} with the catalog's generic figures unchanged"
                    ));
                }
                write!(
                    f,
                    "replaced {risks} built-in risk{} with {file}'s: {}",
                    if *risks == 1 { "" } else { "s" },
                    parts.join(", ")
                )
            }
        }
    }
}

fn count(n: usize) -> String {
    format!("{n} control{}", if n == 1 { "" } else { "s" })
}

/// A framework file compiled over the frameworks loaded before it: a
/// project file with a built-in framework's id extends it, or with
/// `replace = true` replaces it.
pub fn layer(
    raw: FrameworkFile,
    file: &SourceFile,
    loaded: &BTreeMap<FrameworkId, (Framework, Layer)>,
    known: &Known<'_>,
    errors: &mut Vec<LoadError>,
) -> Option<(Framework, Option<Layering>)> {
    let builtin = loaded
        .get(raw.framework.id.get_ref().as_str())
        .filter(|(_, layer)| *layer == Layer::Builtin && file.layer == Layer::Project)
        .map(|(fw, _)| fw);
    let replace = raw
        .framework
        .replace
        .as_ref()
        .map(|r| (*r.get_ref(), r.span()));
    match (builtin, replace) {
        (Some(builtin), Some((true, _))) => {
            let fw = framework::compile(raw, file, known, Whole::Replacing, errors)?;
            let how = Layering::Replaced {
                framework: fw.id.clone(),
                builtin_controls: builtin.controls.len(),
                file: file.name.clone(),
                controls: fw.controls.len(),
            };
            Some((fw, Some(how)))
        }
        (Some(builtin), _) => {
            let (fw, how) = extend(builtin, raw, file, known, errors)?;
            Some((fw, Some(how)))
        }
        (None, Some((true, at))) => {
            errors.push(LoadError::NothingToReplace {
                id: raw.framework.id.get_ref().clone(),
                src: file.src(),
                span: span(at),
            });
            None
        }
        (None, _) => framework::compile(raw, file, known, Whole::New, errors).map(|fw| (fw, None)),
    }
}

/// The id a framework file that does not load meant to define: its
/// `[framework] id` when that much of it reads, else its file name's stem.
pub fn framework_id_of(file: &SourceFile) -> String {
    let table = toml::from_str::<toml::Table>(&file.text).ok();
    let id = table
        .as_ref()
        .and_then(|t| t.get("framework"))
        .and_then(|f| f.get("id"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned);
    id.unwrap_or_else(|| {
        std::path::Path::new(&file.name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    })
}

/// `builtin` with `raw` merged into it, or `None` after reporting why not.
fn extend(
    builtin: &Framework,
    raw: FrameworkFile,
    file: &SourceFile,
    known: &Known<'_>,
    errors: &mut Vec<LoadError>,
) -> Option<(Framework, Layering)> {
    let before = errors.len();
    let mut merged = builtin.clone();
    let head = raw.framework;
    for (field, given) in [
        (&mut merged.name, head.name),
        (&mut merged.version, head.version),
        (&mut merged.publisher, head.publisher),
        (&mut merged.notes, head.notes),
    ] {
        if let Some(value) = given {
            *field = value;
        }
    }
    for b in head.baselines {
        if !merged.baselines.contains(b.get_ref()) {
            merged.baselines.push(b.into_inner());
        }
    }
    let mut ids = Registry::new("control");
    let (mut added, mut changed) = (0, 0);
    for control in raw.control {
        if !valid_control_id(&control.id, file, errors) || !ids.admit(&control.id, file, errors) {
            continue;
        }
        let id = control.id.get_ref();
        if let Some(existing) = merged.controls.iter_mut().find(|c| c.id.as_str() == id) {
            merge(existing, control, &builtin.id, file, known, errors);
            changed += 1;
        } else if let Some(near) = builtin
            .controls
            .iter()
            .find(|c| c.id.as_str().eq_ignore_ascii_case(id))
        {
            // `cc6.1` beside `CC6.1` would be a 62nd control that looks like
            // the 6th: the evidence meant for one criterion silently lands on another.
            errors.push(LoadError::ControlIdCase {
                id: id.clone(),
                builtin: near.id.to_string(),
                framework: builtin.id.to_string(),
                src: file.src(),
                span: span(control.id.span()),
            });
        } else {
            known_baselines(&control, &merged.baselines, file, errors);
            let why = format!(
                "built-in `{}` has no control `{id}` to extend, so it is defined whole",
                builtin.id
            );
            merged
                .controls
                .extend(new_control(control, &why, file, known, errors));
            added += 1;
        }
    }
    if errors.len() > before {
        return None;
    }
    let layering = Layering::Extended {
        framework: merged.id.clone(),
        added,
        changed,
    };
    Some((merged, layering))
}

/// Merges `raw` into the built-in control of its id (see the module's rules).
fn merge(
    control: &mut Control,
    raw: RawControl,
    framework: &FrameworkId,
    file: &SourceFile,
    known: &Known<'_>,
    errors: &mut Vec<LoadError>,
) {
    let fixed = [
        ("function", raw.function.as_ref().map(Spanned::span)),
        ("overlap", raw.overlap.as_ref().map(Spanned::span)),
        ("baselines", raw.baselines.as_ref().map(Spanned::span)),
    ];
    for (field, at) in fixed {
        if let Some(at) = at {
            errors.push(LoadError::FieldNotMergeable {
                field,
                framework: framework.to_string(),
                control: control.id.to_string(),
                src: file.src(),
                span: span(at),
            });
        }
    }
    if let Some(title) = raw.title {
        control.title = title;
    }
    for check in resolve_checks(&raw.checks, file, known, errors) {
        if !control.checks.contains(&check) {
            control.checks.push(check);
        }
    }
    for m in resolve_mitigates(&raw.mitigates, file, known, errors) {
        match control.mitigates.iter_mut().find(|e| e.risk == m.risk) {
            Some(existing) => existing.effect = m.effect,
            None => control.mitigates.push(m),
        }
    }
}
