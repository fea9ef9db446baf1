//! Validating attestations: the control must exist and be manual, the dates
//! must parse and be in order, and every evidence file must be inside the
//! project, readable, and is hashed now, so that what was attested is fixed.

use super::Defined;
use super::error::LoadError;
use super::project::confined;
use super::raw::RawAttestation;
use super::registry::suggest;
use super::source::{SourceFile, span};
use crate::model::{Attestation, Control, ControlId, EvidenceFile, FrameworkId, Origin};
use jiff::civil::Date;
use std::path::Path;
use toml::Spanned;

pub fn compile(
    raw: &RawAttestation,
    file: &SourceFile,
    dir: &Path,
    defined: &Defined<'_>,
    errors: &mut Vec<LoadError>,
) -> Option<Attestation> {
    let before = errors.len();
    let control = resolve_control(&raw.control, file, defined, errors);
    let date = date_field(&raw.date, file, errors);
    let expires = date_field(&raw.expires, file, errors);
    if let (Some(d), Some(e)) = (date, expires)
        && e <= d
    {
        errors.push(LoadError::InvalidValue {
            message: format!("the attestation expires on {e}, not after its date {d}"),
            src: file.src(),
            span: span(raw.expires.span()),
        });
    }
    let evidence: Vec<EvidenceFile> = raw
        .evidence
        .iter()
        .filter_map(|path| evidence_file(dir, path, file, errors))
        .collect();
    if errors.len() > before {
        return None;
    }
    let (framework, control) = control?;
    Some(Attestation {
        framework,
        control,
        statement: raw.statement.clone(),
        attested_by: raw.attested_by.clone(),
        date: date?,
        expires: expires?,
        evidence,
        origin: Origin {
            file: file.name.clone(),
            line: file.line_of(raw.control.span().start),
        },
    })
}

/// `framework:control`, which must name a manual control.
fn resolve_control(
    name: &Spanned<String>,
    file: &SourceFile,
    defined: &Defined<'_>,
    errors: &mut Vec<LoadError>,
) -> Option<(FrameworkId, ControlId)> {
    let text = name.get_ref();
    let (framework, control) = find_control(name, file, defined, errors)?;
    if !control.is_manual() {
        errors.push(LoadError::InvalidValue {
            message: format!(
                "`{text}` is evidenced by checks ({}): its status comes from them, and only a manual control can be attested",
                control
                    .checks
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            src: file.src(),
            span: span(name.span()),
        });
        return None;
    }
    Some((framework, control.id.clone()))
}

/// The framework and control a `framework:control` names, or a diagnostic
/// with a suggestion; none for a control of a framework whose definition
/// failed, which has its own diagnostic.
pub(super) fn find_control<'c>(
    name: &Spanned<String>,
    file: &SourceFile,
    defined: &Defined<'c>,
    errors: &mut Vec<LoadError>,
) -> Option<(FrameworkId, &'c Control)> {
    let catalog = defined.catalog;
    let text = name.get_ref();
    let unknown = |help: Option<String>| LoadError::UnknownReference {
        kind: "control",
        id: text.clone(),
        help,
        src: file.src(),
        span: span(name.span()),
    };
    let Some((fw, id)) = text.split_once(':') else {
        let frameworks: Vec<String> = catalog
            .all_controls()
            .filter(|c| c.control.id.as_str() == text)
            .map(|c| c.qualified_id())
            .collect();
        let help = if frameworks.is_empty() {
            "write it as `framework:control`, e.g. `soc2:CC1.4`".to_owned()
        } else {
            format!("write it with its framework: {}", frameworks.join(" or "))
        };
        errors.push(unknown(Some(help)));
        return None;
    };
    let framework = FrameworkId::new(fw);
    let control = catalog
        .frameworks
        .get(&framework)
        .and_then(|f| f.controls.iter().find(|c| c.id.as_str() == id));
    let Some(control) = control else {
        if !defined.broken.contains(fw) {
            let known: Vec<String> = catalog.all_controls().map(|c| c.qualified_id()).collect();
            errors.push(unknown(suggest(text, known.iter().map(String::as_str))));
        }
        return None;
    };
    Some((framework, control))
}

/// A TOML local date (`2026-10-01`) or the same written as a string.
pub(super) fn date_field(
    value: &Spanned<toml::Value>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<Date> {
    let text = match value.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        other => other.to_string(),
    };
    match text.parse::<Date>() {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(LoadError::InvalidValue {
                message: format!("`{text}` is not a date: write it as `2026-10-01`"),
                src: file.src(),
                span: span(value.span()),
            });
            None
        }
    }
}

/// Reads and hashes one evidence file, which must stay inside the project
/// directory after symbolic links are resolved.
fn evidence_file(
    dir: &Path,
    path: &Spanned<String>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<EvidenceFile> {
    let rel = confined(path, file, errors)?;
    let problem = |message: String| LoadError::InvalidValue {
        message,
        src: file.src(),
        span: span(path.span()),
    };
    // Streamed through the hash: evidence may be a large export or recording.
    let hashed = crate::confine::Root::new(dir)
        .open(&rel)
        .map_err(|refusal| refusal.to_string())
        .and_then(|f| crate::inputs::sha256_reader(f).map_err(|e| e.to_string()));
    match hashed {
        Ok((size, sha256)) => Some(EvidenceFile {
            path: path.get_ref().clone(),
            size,
            sha256,
        }),
        Err(e) => {
            errors.push(problem(format!(
                "cannot read evidence file `{}`: {e}",
                path.get_ref()
            )));
            None
        }
    }
}
