//! Loading definitions: TOML files → raw serde types → the validated model.
//!
//! Built-in files come first, then the project's (`assay.toml`, `policies/`,
//! `frameworks/`, and the risk files `assay.toml` names). Every problem in
//! every file is collected and returned together, as located diagnostics.

mod attestation;
mod check;
mod error;
mod example;
mod extend;
mod framework;
mod project;
mod raw;
mod registry;
mod risk;
mod source;
mod waiver;

pub use check::{REGEX_SIZE_LIMIT, build_regex};
pub use error::{FirstDefinition, LoadError, LoadErrors};
pub use example::DEFAULT_AS_OF;
pub use extend::Layering;
pub use source::{Layer, SourceFile};

use crate::builtin;
use crate::confine::{Kind, Refusal, Root};
use crate::model::id::shape;
use crate::model::{Catalog, Project, RiskId};
pub use project::resolve_selection;
use raw::{FrameworkFile, PolicyFile, ProjectFile, RawRisk, RiskFile};
use registry::Registry;
pub use registry::suggest;
use source::span;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Name of the project file looked for in the evaluated directory.
pub const PROJECT_FILE: &str = "assay.toml";

/// A validated catalog and the project it is evaluated for.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub catalog: Catalog,
    pub project: Project,
    /// The project's own definition files (`assay.toml` first), path and
    /// text as read: the evidence bundle hashes what was loaded.
    pub definitions: Vec<(String, std::sync::Arc<str>)>,
    /// Each built-in framework the project replaced or extended, by id.
    pub layering: Vec<Layering>,
}

/// What kind of definitions a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Policies,
    Framework,
    Risks,
}

/// Loads the built-in definitions and, when `dir` holds an `assay.toml`, the project's.
pub fn load(dir: &Path) -> Result<Loaded, LoadErrors> {
    let mut errors = Vec::new();
    let mut files: Vec<(FileKind, SourceFile)> = builtin_files();
    let config = dir.join(PROJECT_FILE);
    let mut project = Project {
        repository: dir.to_path_buf(),
        ..Project::default()
    };
    let mut project_raw = None;
    let mut definitions = Vec::new();
    if let Some(read) = read_optional(&Root::new(dir), PROJECT_FILE) {
        match read {
            Ok(file) => {
                if let Some(raw) = keep(file.parse::<ProjectFile>(), &mut errors) {
                    files.extend(project_files(dir, &raw, &file, &mut errors));
                    project_raw = Some((raw, file));
                }
            }
            Err(e) => errors.push(e),
        }
        project.config = Some(config);
    }
    let (catalog, frameworks) = compile_catalog(&files, project_raw.as_mut(), &mut errors);
    if let Some((raw, file)) = &project_raw {
        project::settle(
            &mut project,
            raw,
            file,
            dir,
            &catalog,
            &frameworks.broken,
            &mut errors,
        );
        definitions.push((file.name.clone(), file.text.clone()));
        let defined = Defined {
            catalog: &catalog,
            broken: &frameworks.broken,
        };
        project.attestations =
            attestations(raw, file, dir, &defined, &mut errors, &mut definitions);
        project.waiver_policy = waiver::policy(raw.waiver_policy.as_ref(), file, &mut errors);
        project.waivers = waivers(
            raw,
            file,
            dir,
            &defined,
            project.waiver_policy,
            &mut errors,
            &mut definitions,
        );
    }
    definitions.extend(
        files
            .iter()
            .filter(|(_, f)| f.layer == Layer::Project)
            .map(|(_, f)| (f.name.clone(), f.text.clone())),
    );
    if errors.is_empty() {
        Ok(Loaded {
            catalog,
            project,
            definitions,
            layering: frameworks.layering,
        })
    } else {
        Err(LoadErrors::new(errors))
    }
}

/// Name of the waivers file read beside `assay.toml` when present.
pub const WAIVERS_FILE: &str = "waivers.toml";

/// Waivers inline in `assay.toml`, then those of `waivers.toml`.
fn waivers(
    raw: &ProjectFile,
    config: &SourceFile,
    dir: &Path,
    defined: &Defined<'_>,
    policy: crate::model::WaiverPolicy,
    errors: &mut Vec<LoadError>,
    definitions: &mut Vec<(String, std::sync::Arc<str>)>,
) -> Vec<crate::model::Waiver> {
    let mut seen = BTreeSet::new();
    let mut out: Vec<crate::model::Waiver> = raw
        .waiver
        .iter()
        .filter_map(|w| waiver::compile(w, config, defined, policy, &mut seen, errors))
        .collect();
    if let Some(read) = read_optional(&Root::new(dir), WAIVERS_FILE) {
        match read {
            Ok(file) => {
                definitions.push((file.name.clone(), file.text.clone()));
                if let Some(parsed) = keep(file.parse::<raw::WaiverFile>(), errors) {
                    out.extend(parsed.waiver.iter().filter_map(|w| {
                        waiver::compile(w, &file, defined, policy, &mut seen, errors)
                    }));
                }
            }
            Err(e) => errors.push(e),
        }
    }
    out
}

/// Attestations inline in `assay.toml`, then those of the files it names.
fn attestations(
    raw: &ProjectFile,
    config: &SourceFile,
    dir: &Path,
    defined: &Defined<'_>,
    errors: &mut Vec<LoadError>,
    definitions: &mut Vec<(String, std::sync::Arc<str>)>,
) -> Vec<crate::model::Attestation> {
    let mut out: Vec<crate::model::Attestation> = raw
        .attestation
        .iter()
        .filter_map(|a| attestation::compile(a, config, dir, defined, errors))
        .collect();
    for named in &raw.project.attestations {
        let Some(path) = project::confined(named, config, errors) else {
            continue;
        };
        let file = match read(&Root::new(dir), &path, Layer::Project) {
            Ok(file) => file,
            Err(LoadError::Io { source, .. }) => {
                errors.push(LoadError::InvalidValue {
                    message: format!("cannot read attestations `{}`: {source}", named.get_ref()),
                    src: config.src(),
                    span: span(named.span()),
                });
                continue;
            }
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        definitions.push((file.name.clone(), file.text.clone()));
        if let Some(parsed) = keep(file.parse::<raw::AttestationFile>(), errors) {
            out.extend(
                parsed
                    .attestation
                    .iter()
                    .filter_map(|a| attestation::compile(a, &file, dir, defined, errors)),
            );
        }
    }
    out
}

fn builtin_files() -> Vec<(FileKind, SourceFile)> {
    builtin::FILES
        .iter()
        .filter_map(|(path, text)| {
            let kind = kind_of_dir(path.split('/').next().unwrap_or(""))?;
            let name = format!("{}/{path}", builtin::PREFIX);
            Some((kind, SourceFile::new(name, *text, Layer::Builtin)))
        })
        .collect()
}

fn kind_of_dir(dir: &str) -> Option<FileKind> {
    match dir {
        "policies" => Some(FileKind::Policies),
        "frameworks" => Some(FileKind::Framework),
        "risks" => Some(FileKind::Risks),
        _ => None,
    }
}

/// The project's `policies/*.toml`, `frameworks/*.toml` and named risk files, sorted.
fn project_files(
    dir: &Path,
    raw: &ProjectFile,
    config: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Vec<(FileKind, SourceFile)> {
    let mut files = Vec::new();
    let root = Root::new(dir);
    for (sub, kind) in [
        ("policies", FileKind::Policies),
        ("frameworks", FileKind::Framework),
    ] {
        for path in toml_files_in(&root, Path::new(sub), errors) {
            match read(&root, &path, Layer::Project) {
                Ok(file) => files.push((kind, file)),
                Err(e) => errors.push(e),
            }
        }
    }
    for named in &raw.project.risks {
        let Some(path) = project::confined(named, config, errors) else {
            continue;
        };
        match read(&root, &path, Layer::Project) {
            Ok(file) => files.push((FileKind::Risks, file)),
            Err(LoadError::Io { source, .. }) => errors.push(LoadError::InvalidValue {
                message: format!("cannot read risk register `{}`: {source}", named.get_ref()),
                src: config.src(),
                span: span(named.span()),
            }),
            Err(e) => errors.push(e),
        }
    }
    files
}

/// The `*.toml` entries of `sub`, sorted. Anything but a regular file is an
/// error, never skipped: a pull request must not hide a policy file from the
/// run by making it a link or a FIFO.
fn toml_files_in(root: &Root, sub: &Path, errors: &mut Vec<LoadError>) -> Vec<PathBuf> {
    let entries = match root.list(sub) {
        Ok(entries) => entries,
        Err(refusal) => {
            errors.push(refused(&root.path().join(sub), refusal));
            return Vec::new();
        }
    };
    let mut paths = Vec::new();
    for (path, kind) in entries {
        if path.extension().is_none_or(|x| x != "toml") || kind == Kind::Directory {
            continue;
        }
        let refusal = match kind {
            Kind::File => {
                paths.push(path);
                continue;
            }
            Kind::Symlink => Refusal::Link(crate::walk::display_name(&path)),
            other => Refusal::NotRegular(other),
        };
        errors.push(refused(&root.path().join(&path), refusal));
    }
    paths
}

/// The project file `name` of `root`, when it exists (a link or special
/// file there exists, and is refused).
fn read_optional(root: &Root, name: &str) -> Option<Result<SourceFile, LoadError>> {
    let rel = Path::new(name);
    match root.kind(rel) {
        Ok(None) => None,
        Ok(Some(_)) => Some(read(root, rel, Layer::Project)),
        Err(refusal) => Some(Err(refused(&root.path().join(rel), refusal))),
    }
}

/// Reads the definition file `rel` of `root`, confined and bounded.
fn read(root: &Root, rel: &Path, layer: Layer) -> Result<SourceFile, LoadError> {
    let path = root.path().join(rel);
    let bytes = root
        .read(rel, crate::confine::DEFINITION_LIMIT)
        .map_err(|refusal| refused(&path, refusal))?;
    let text = String::from_utf8(bytes).map_err(|e| LoadError::Io {
        path: crate::walk::display_name(&path),
        // Not the bytes: only where the first invalid one is.
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ),
    })?;
    Ok(SourceFile::new(
        crate::walk::display_name(&path),
        text,
        layer,
    ))
}

/// A refusal to open a definition file, naming it, never quoting it.
fn refused(path: &Path, refusal: Refusal) -> LoadError {
    LoadError::Io {
        path: crate::walk::display_name(path),
        source: match refusal {
            Refusal::Io(e) => e,
            other => std::io::Error::other(other.to_string()),
        },
    }
}

fn keep<T>(result: Result<T, LoadError>, errors: &mut Vec<LoadError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// What a project's waivers and attestations resolve against: the catalog,
/// and the frameworks whose definition failed, whose controls are then not
/// reported again as unknown (the framework's own error is the real one).
pub(super) struct Defined<'a> {
    pub catalog: &'a Catalog,
    pub broken: &'a BTreeSet<String>,
}

/// What loading the frameworks found beside the frameworks themselves.
#[derive(Default)]
struct Frameworks {
    /// What each project file did to the built-in framework of its id.
    layering: Vec<Layering>,
    /// Ids of frameworks whose definition has an error: a reference to one
    /// is not reported again as unknown, since the first error is the real one.
    broken: BTreeSet<String>,
}

/// Checks and risks first, then frameworks, which refer to both.
fn compile_catalog(
    files: &[(FileKind, SourceFile)],
    project: Option<&mut (ProjectFile, SourceFile)>,
    errors: &mut Vec<LoadError>,
) -> (Catalog, Frameworks) {
    let mut catalog = Catalog::default();
    let mut check_ids = Registry::new("check");
    let mut risk_ids = Registry::new("risk");
    let mut sites = CurrencySites::new();
    let mut frameworks = Vec::new();
    let mut broken = BTreeSet::new();
    for (kind, file) in files {
        match kind {
            FileKind::Policies => {
                let Some(raw) = keep(file.parse::<PolicyFile>(), errors) else {
                    continue;
                };
                for raw in raw.check {
                    if valid_slug("check", &raw.id, file, errors)
                        && check_ids.admit(&raw.id, file, errors)
                        && let Some(check) = check::compile(raw, file, errors)
                    {
                        catalog.checks.insert(check.id.clone(), check);
                    }
                }
            }
            FileKind::Risks => {
                let Some(raw) = keep(file.parse::<RiskFile>(), errors) else {
                    continue;
                };
                add_risks(
                    raw.risk,
                    file,
                    &mut risk_ids,
                    &mut catalog,
                    &mut sites,
                    errors,
                );
            }
            FileKind::Framework => match file.parse::<FrameworkFile>() {
                Ok(raw) => frameworks.push((raw, file)),
                Err(e) => {
                    errors.push(e);
                    broken.insert(extend::framework_id_of(file));
                }
            },
        }
    }
    // Risks written inline in assay.toml belong to the project layer, after the catalog.
    if let Some((raw, file)) = project {
        add_risks(
            std::mem::take(&mut raw.risk),
            file,
            &mut risk_ids,
            &mut catalog,
            &mut sites,
            errors,
        );
    }
    one_currency(&catalog, &sites, errors);
    let mut framework_ids = Registry::new("framework");
    let known = framework::Known {
        checks: &catalog.checks,
        risks: &catalog.risks,
    };
    let mut compiled = BTreeMap::new();
    let mut layering = Vec::new();
    for (raw, file) in frameworks {
        let id = raw.framework.id.clone();
        let before = errors.len();
        if valid_slug("framework", &id, file, errors) && framework_ids.admit(&id, file, errors) {
            let layered = extend::layer(raw, file, &compiled, &known, errors);
            if let Some((fw, how)) = layered {
                layering.extend(how);
                compiled.insert(fw.id.clone(), (fw, file.layer));
            }
        }
        if errors.len() > before {
            broken.insert(id.into_inner());
        }
    }
    catalog.frameworks = compiled.into_iter().map(|(id, (fw, _))| (id, fw)).collect();
    layering.extend(
        check_ids
            .replaced
            .into_iter()
            .map(|(check, file)| Layering::CheckReplaced { check, file }),
    );
    layering.extend(risks_replaced(&risk_ids.replaced, &catalog));
    (catalog, Frameworks { layering, broken })
}

/// The built-in risks each project file replaced, and how many of them
/// still hold the catalog's generic figures.
fn risks_replaced(replaced: &[(String, String)], catalog: &Catalog) -> Vec<Layering> {
    let mut by_file: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (id, file) in replaced {
        let entry = by_file.entry(file.as_str()).or_default();
        entry.0 += 1;
        if catalog.risks.get(id.as_str()).is_some_and(|r| r.generic) {
            entry.1 += 1;
        }
    }
    by_file
        .into_iter()
        .map(|(file, (risks, generic))| Layering::RisksReplaced {
            file: file.to_owned(),
            risks,
            generic,
        })
        .collect()
}

/// Where each risk's currency is written (or its id, when it is the default).
type CurrencySites = BTreeMap<RiskId, (error::Src, std::ops::Range<usize>)>;

fn add_risks(
    raws: Vec<RawRisk>,
    file: &SourceFile,
    ids: &mut Registry,
    catalog: &mut Catalog,
    sites: &mut CurrencySites,
    errors: &mut Vec<LoadError>,
) {
    for raw in raws {
        let at = raw.currency.as_ref().map_or(raw.id.span(), Spanned::span);
        if valid_slug("risk", &raw.id, file, errors)
            && ids.admit(&raw.id, file, errors)
            && let Some(mut risk) = risk::compile(raw, file, errors)
        {
            risk.generic |= catalog
                .risks
                .get(&risk.id)
                .is_some_and(|old| old.generic && same_figures(old, &risk));
            sites.insert(risk.id.clone(), (file.src(), at));
            catalog.risks.insert(risk.id.clone(), risk);
        }
    }
}

/// A project's copy of a catalog risk still holding the catalog's estimate.
fn same_figures(old: &crate::model::Risk, new: &crate::model::Risk) -> bool {
    old.frequency == new.frequency
        && old.loss == new.loss
        && old.currency == new.currency
        && new.history.is_empty()
}

/// One register, one currency: the engine ranks and sums losses. Each
/// currency other than the most used one is reported once, where it first appears.
fn one_currency(catalog: &Catalog, sites: &CurrencySites, errors: &mut Vec<LoadError>) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for risk in catalog.risks.values() {
        *counts.entry(risk.currency.as_str()).or_default() += 1;
    }
    let Some((&main, &main_count)) = counts.iter().max_by_key(|(code, n)| (**n, code.len())) else {
        return;
    };
    let mut reported: BTreeSet<&str> = BTreeSet::new();
    for risk in catalog.risks.values() {
        let code = risk.currency.as_str();
        if code == main || !reported.insert(code) {
            continue;
        }
        if let Some((src, at)) = sites.get(&risk.id) {
            errors.push(LoadError::MixedCurrencies {
                code: code.to_owned(),
                main: main.to_owned(),
                count: main_count,
                src: src.clone(),
                span: span(at.clone()),
            });
        }
    }
}

fn valid_slug(
    kind: &'static str,
    id: &Spanned<String>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> bool {
    let ok = shape::is_slug(id.get_ref());
    if !ok {
        errors.push(LoadError::InvalidId {
            kind,
            id: id.get_ref().clone(),
            rule: "ids are lower-case letters and digits joined by `.`, `-` or `_`, e.g. `repo.secrets.aws-access-key`",
            src: file.src(),
            span: span(id.span()),
        });
    }
    ok
}
