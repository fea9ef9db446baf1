//! Validating a check's examples: each must be an input the check can read.

use super::error::LoadError;
use super::raw::RawExample;
use super::source::{SourceFile, span};
use crate::model::{CheckKind, Example, ExampleInput, ExportKind, Origin, RecordSource};
use std::path::{Component, Path};

/// The time examples are judged at unless they say otherwise: fixed, so
/// examples with dates give the same verdict every day.
pub const DEFAULT_AS_OF: &str = "2026-01-01";

const STATUSES: [&str; 4] = ["pass", "fail", "not_applicable", "error"];

pub fn compile(
    raw: Vec<RawExample>,
    kind: &CheckKind,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Vec<Example> {
    raw.into_iter()
        .enumerate()
        .filter_map(|(i, ex)| compile_one(i, ex, kind, file, errors))
        .collect()
}

fn invalid(
    message: String,
    at: std::ops::Range<usize>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) {
    errors.push(LoadError::InvalidExample {
        message,
        src: file.src(),
        span: span(at),
    });
}

fn compile_one(
    i: usize,
    raw: RawExample,
    kind: &CheckKind,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<Example> {
    let before = errors.len();
    let at = raw.expect.span();
    if !STATUSES.contains(&raw.expect.get_ref().as_str()) {
        invalid(
            format!("`expect` must be one of {}", STATUSES.join(", ")),
            at.clone(),
            file,
            errors,
        );
    }
    let as_of_text = raw
        .as_of
        .as_ref()
        .map_or(DEFAULT_AS_OF, |a| a.get_ref().as_str());
    let as_of = crate::time::as_of(Some(as_of_text), None).ok();
    if as_of.is_none() {
        let at = raw.as_of.as_ref().map_or(at.clone(), toml::Spanned::span);
        invalid(
            format!("`as_of` `{as_of_text}` is not a date or timestamp"),
            at,
            file,
            errors,
        );
    }
    let input = input(&raw, kind, file, errors);
    if errors.len() > before {
        return None;
    }
    Some(Example {
        name: raw.name.unwrap_or_else(|| format!("example {}", i + 1)),
        expect: raw.expect.get_ref().clone(),
        findings: raw.findings,
        input: input?,
        as_of: as_of?,
        origin: Origin {
            file: file.name.clone(),
            line: file.line_of(at.start),
        },
    })
}

fn input(
    raw: &RawExample,
    kind: &CheckKind,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<ExampleInput> {
    let at = raw.expect.span();
    let export_kinds: Vec<ExportKind> = kind
        .record_sources()
        .iter()
        .filter_map(|s| match s {
            RecordSource::Export(k) => Some(*k),
            _ => None,
        })
        .collect();
    if let CheckKind::Imported(_) = kind {
        return import_input(raw, file, errors);
    }
    if let Some(import) = &raw.import {
        invalid(
            "only an imported check (`source = \"import\"`) takes an `import` example".to_owned(),
            import.span(),
            file,
            errors,
        );
        return None;
    }
    match (&raw.files, &raw.export) {
        (Some(files), None) => {
            if let Some(bad) = files.get_ref().keys().find(|p| !is_relative_inside(p)) {
                invalid(
                    format!("file path `{bad}` must be relative and stay inside the example"),
                    files.span(),
                    file,
                    errors,
                );
                return None;
            }
            if !kind.reads_repository() {
                invalid(
                    "this check reads exports: give `export`, not `files`".to_owned(),
                    files.span(),
                    file,
                    errors,
                );
                return None;
            }
            Some(ExampleInput::Files(files.get_ref().clone()))
        }
        (None, Some(text)) => {
            let chosen = match &raw.kind {
                Some(k) => ExportKind::from_name(k.get_ref()).filter(|k| export_kinds.contains(k)),
                None if export_kinds.len() == 1 => export_kinds.first().copied(),
                None => None,
            };
            let Some(kind) = chosen else {
                let names: Vec<&str> = export_kinds.iter().map(|k| k.name()).collect();
                let message = if names.is_empty() {
                    "this check reads no export: give `files`".to_owned()
                } else {
                    format!("name the export's `kind`: one of {}", names.join(", "))
                };
                invalid(
                    message,
                    raw.kind.as_ref().map_or(text.span(), toml::Spanned::span),
                    file,
                    errors,
                );
                return None;
            };
            Some(ExampleInput::Export {
                kind,
                text: text.get_ref().clone(),
            })
        }
        _ => {
            invalid(
                "an example needs either `files` or `export`".to_owned(),
                at,
                file,
                errors,
            );
            None
        }
    }
}

/// An imported check's example: the scanner's output, in `format`.
fn import_input(
    raw: &RawExample,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<ExampleInput> {
    let Some(text) = raw
        .import
        .as_ref()
        .filter(|_| raw.files.is_none() && raw.export.is_none())
    else {
        invalid(
            "an imported check's example gives `import`: the scanner's output".to_owned(),
            raw.expect.span(),
            file,
            errors,
        );
        return None;
    };
    let format = match &raw.format {
        None => crate::model::ImportFormat::Sarif,
        Some(f) => match crate::model::ImportFormat::from_name(f.get_ref()) {
            Some(format) => format,
            None => {
                invalid(
                    format!("`format` is one of {}", crate::model::ImportFormat::names()),
                    f.span(),
                    file,
                    errors,
                );
                return None;
            }
        },
    };
    Some(ExampleInput::Import {
        format,
        text: text.get_ref().clone(),
    })
}

fn is_relative_inside(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}
