//! `assay.toml`: the project's name, frameworks, repository and exports.
//!
//! `assay.toml` lives in the evaluated repository, which CI runs on pull
//! requests: every path it names must stay inside its directory, or a pull
//! request could point assay at files elsewhere on the machine.

use super::error::LoadError;
use super::raw::ProjectFile;
use super::registry::suggest;
use super::source::{SourceFile, span};
use crate::model::{Catalog, ExportKind, ExportSpec, FrameworkId, Project, Selection};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

/// Fills the project from `assay.toml`, reporting what does not resolve.
pub fn settle(
    project: &mut Project,
    raw: &ProjectFile,
    file: &SourceFile,
    dir: &Path,
    catalog: &Catalog,
    broken: &BTreeSet<String>,
    errors: &mut Vec<LoadError>,
) {
    project.name = raw.project.name.clone();
    if let Some(repo) = &raw.project.repository
        && let Some(rel) = confined(repo, file, errors)
    {
        // A link would have the walk (and the evidence bundle) read another directory.
        match crate::confine::Root::new(dir).kind(&rel) {
            // `repository = "."` is the project directory itself, shown as such.
            Ok(Some(crate::confine::Kind::Directory)) => {
                project.repository = rel
                    .components()
                    .filter(|c| !matches!(c, std::path::Component::CurDir))
                    .fold(dir.to_path_buf(), |at, c| at.join(c));
            }
            found => errors.push(LoadError::InvalidValue {
                message: format!(
                    "repository `{}` cannot be used: {}",
                    repo.get_ref(),
                    match found {
                        Ok(None) => "it does not exist".to_owned(),
                        Ok(Some(kind)) => format!("it is {}, not a directory", kind.describe()),
                        Err(refusal) => refusal.to_string(),
                    }
                ),
                src: file.src(),
                span: span(repo.span()),
            }),
        }
    }
    project.frameworks = raw
        .project
        .frameworks
        .as_deref()
        .map(|selected| select_frameworks(selected, catalog, broken, file, errors));
    project.exports = exports(raw, file, dir, errors);
    project.imports = imports(raw, file, dir, errors);
}

fn imports(
    raw: &ProjectFile,
    file: &SourceFile,
    dir: &Path,
    errors: &mut Vec<LoadError>,
) -> Vec<crate::model::ImportSpec> {
    let mut specs = Vec::new();
    for import in &raw.import {
        let name = import.name.get_ref();
        let duplicate = raw
            .import
            .iter()
            .find(|i| i.name.get_ref() == name)
            .filter(|first| first.name.span() != import.name.span());
        if let Some(first) = duplicate {
            errors.push(LoadError::DuplicateId {
                kind: "import",
                id: name.clone(),
                src: file.src(),
                span: span(import.name.span()),
                first: vec![super::FirstDefinition {
                    src: file.src(),
                    span: span(first.name.span()),
                }],
            });
            continue;
        }
        let format = crate::model::ImportFormat::from_name(import.format.get_ref());
        let Some(format) = format else {
            errors.push(LoadError::UnknownReference {
                kind: "import format",
                id: import.format.get_ref().clone(),
                help: Some(format!(
                    "import formats are: {}",
                    crate::model::ImportFormat::names()
                )),
                src: file.src(),
                span: span(import.format.span()),
            });
            continue;
        };
        let max_age_days = match &import.max_age_days {
            Some(days) => match u32::try_from(*days.get_ref()) {
                Ok(d) if d > 0 => Some(d),
                _ => {
                    errors.push(LoadError::InvalidValue {
                        message: "`max_age_days` must be a whole number of days above 0".to_owned(),
                        src: file.src(),
                        span: span(days.span()),
                    });
                    continue;
                }
            },
            None => None,
        };
        if confined(&import.path, file, errors).is_some() {
            specs.push(crate::model::ImportSpec {
                name: name.clone(),
                format,
                path: import.path.get_ref().clone(),
                base: dir.to_path_buf(),
                confined: true,
                max_age_days,
            });
        }
    }
    specs
}

/// `path`, when it is relative and does not climb out of `dir`; links are
/// refused when it is opened, through [`crate::confine::Root`].
pub fn confined(
    path: &Spanned<String>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<PathBuf> {
    let rel = Path::new(path.get_ref());
    let escapes = rel.is_absolute()
        || rel.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
    if escapes {
        errors.push(LoadError::PathEscapes {
            path: path.get_ref().clone(),
            src: file.src(),
            span: span(path.span()),
        });
        return None;
    }
    Some(rel.to_path_buf())
}

/// The frameworks `assay.toml` selects. A framework whose own file has an
/// error is not also called unknown (nor its baseline): that error is the
/// one to fix, and a second one would send the reader looking for a typo.
fn select_frameworks(
    selected: &[Spanned<String>],
    catalog: &Catalog,
    broken: &BTreeSet<String>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Vec<Selection> {
    let mut out = Vec::with_capacity(selected.len());
    for name in selected {
        match resolve_selection(catalog, name.get_ref()) {
            Ok(selection) => out.push(selection),
            Err(_) if broken.contains(Selection::parse(name.get_ref()).framework.as_str()) => {}
            Err((kind, id, help)) => errors.push(LoadError::UnknownReference {
                kind,
                id,
                help,
                src: file.src(),
                span: span(name.span()),
            }),
        }
    }
    out
}

/// `id` or `id@baseline`, checked against the catalog; the error is
/// (what is unknown, the unknown name, a suggestion).
pub fn resolve_selection(
    catalog: &Catalog,
    text: &str,
) -> Result<Selection, (&'static str, String, Option<String>)> {
    let selection = Selection::parse(text);
    let Some(framework) = catalog.frameworks.get(&selection.framework) else {
        let known = catalog.frameworks.keys().map(FrameworkId::as_str);
        let help = suggest(selection.framework.as_str(), known).or_else(|| {
            Some(format!(
                "loaded frameworks: {}",
                catalog
                    .frameworks
                    .keys()
                    .map(FrameworkId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        });
        return Err(("framework", selection.framework.to_string(), help));
    };
    if let Some(baseline) = &selection.baseline
        && !framework.baselines.contains(baseline)
    {
        let help = if framework.baselines.is_empty() {
            format!("`{}` has no baselines", framework.id)
        } else {
            format!(
                "`{}` has baselines: {}",
                framework.id,
                framework.baselines.join(", ")
            )
        };
        return Err(("baseline", baseline.clone(), Some(help)));
    }
    Ok(selection)
}

fn exports(
    raw: &ProjectFile,
    file: &SourceFile,
    dir: &Path,
    errors: &mut Vec<LoadError>,
) -> Vec<ExportSpec> {
    let mut specs: Vec<ExportSpec> = Vec::new();
    for export in &raw.export {
        let name = export.name.get_ref();
        if let Some(first) = raw.export.iter().find(|e| e.name.get_ref() == name)
            && first.name.span() != export.name.span()
        {
            errors.push(LoadError::DuplicateId {
                kind: "export",
                id: name.clone(),
                src: file.src(),
                span: span(export.name.span()),
                first: vec![super::FirstDefinition {
                    src: file.src(),
                    span: span(first.name.span()),
                }],
            });
            continue;
        }
        let Some(kind) = ExportKind::from_name(export.kind.get_ref()) else {
            errors.push(LoadError::UnknownReference {
                kind: "export kind",
                id: export.kind.get_ref().clone(),
                help: suggest(export.kind.get_ref(), ExportKind::names()).or_else(|| {
                    Some(format!(
                        "export kinds are: {}",
                        ExportKind::names().collect::<Vec<_>>().join(", ")
                    ))
                }),
                src: file.src(),
                span: span(export.kind.span()),
            });
            continue;
        };
        let Some(columns) = columns(export.columns.as_ref(), kind, file, errors) else {
            continue;
        };
        if confined(&export.path, file, errors).is_some() {
            specs.push(ExportSpec {
                name: name.clone(),
                kind,
                path: export.path.get_ref().clone(),
                base: dir.to_path_buf(),
                confined: true,
                columns,
            });
        }
    }
    specs
}

/// The header names a declaration gives its kind's columns, as `(field,
/// header)` sorted by field; `None` after reporting a column the kind does
/// not have, an empty header, or one header named for two fields.
fn columns(
    raw: Option<&Spanned<std::collections::BTreeMap<Spanned<String>, Spanned<String>>>>,
    kind: ExportKind,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<Vec<(String, String)>> {
    let Some(raw) = raw else {
        return Some(Vec::new());
    };
    let known = kind.spec().columns;
    if known.is_empty() {
        errors.push(LoadError::FieldNotUsed {
            field: "columns",
            what: "this export kind: its columns have fixed names",
            help: "remove `columns`; `assay explain KIND` says which kinds take it and which columns they have",
            src: file.src(),
            span: span(raw.span()),
        });
        return None;
    }
    let before = errors.len();
    let mut out: Vec<(String, String)> = Vec::new();
    for (field, header) in raw.get_ref() {
        if !known.iter().any(|c| c.field == field.get_ref()) {
            let names = known.iter().map(|c| c.field);
            errors.push(LoadError::UnknownReference {
                kind: "column",
                id: field.get_ref().clone(),
                help: suggest(field.get_ref(), names.clone()).or_else(|| {
                    Some(format!(
                        "`{kind}` columns are: {}",
                        names.collect::<Vec<_>>().join(", ")
                    ))
                }),
                src: file.src(),
                span: span(field.span()),
            });
        } else if header.get_ref().trim().is_empty() {
            errors.push(LoadError::InvalidValue {
                message: format!("the header of column `{}` is empty", field.get_ref()),
                src: file.src(),
                span: span(header.span()),
            });
        } else if let Some(other) = known.iter().find(|c| {
            c.field == header.get_ref()
                && c.field != field.get_ref()
                && !raw.get_ref().keys().any(|f| f.get_ref() == c.field)
        }) {
            errors.push(LoadError::InvalidValue {
                message: format!(
                    "header `{}` is where column `{}` is read unless it is renamed too",
                    header.get_ref(),
                    other.field
                ),
                src: file.src(),
                span: span(header.span()),
            });
        } else if let Some((other, _)) = out.iter().find(|(_, h)| h == header.get_ref()) {
            errors.push(LoadError::InvalidValue {
                message: format!(
                    "header `{}` is already the column of `{other}`",
                    header.get_ref()
                ),
                src: file.src(),
                span: span(header.span()),
            });
        } else {
            out.push((field.get_ref().clone(), header.get_ref().clone()));
        }
    }
    (errors.len() == before).then_some(out)
}
