//! One run, in order: load → select → evaluate → analyse → gate → report.
//!
//! The command line resolves its arguments once into [`RunOptions`]; each
//! step here takes what the previous one gave. `check`, `risks` and
//! `evidence` differ only in their options and in what they render.

use crate::baseline::{self, Baseline};
use crate::engine::{self, EngineOptions, Evaluation};
use crate::evidence::KeptInput;
use crate::gate;
use crate::load::{self, LoadErrors, Loaded};
use crate::model::{ExportKind, ExportSpec, Selection};
use crate::report::{Report, RunInfo};
use crate::risk::{self, RiskOptions};
use crate::since::SinceReport;
use crate::walk::{self, WalkOptions};
use miette::Diagnostic;
use std::path::{Path, PathBuf};

/// Everything a run needs to know, resolved and typed.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The project directory (or a bare repository).
    pub path: PathBuf,
    pub as_of: jiff::Timestamp,
    /// `--framework`: replaces the project's selection when not empty.
    pub frameworks: Vec<String>,
    /// `--check` globs: keep only the checks they match.
    pub checks: Vec<String>,
    /// `--skip-check` globs: then leave out the checks they match.
    pub skip_checks: Vec<String>,
    /// `--export KIND=PATH`, added to the project's exports.
    pub exports: Vec<String>,
    /// `--import [FORMAT=]PATH`, added to the project's imports.
    pub imports: Vec<String>,
    /// `--since REV`: evaluate only the checks whose inputs changed.
    pub since: Option<String>,
    pub baseline: Option<PathBuf>,
    pub walk: WalkOptions,
    pub inline_waivers: bool,
    pub max_file_size: u64,
    pub max_findings: usize,
    pub risk: RiskOptions,
    pub gate: gate::Rule,
    /// Hash every input as it is read, copying those up to this many bytes:
    /// for the formats that cite their inputs and for bundles.
    pub keep_inputs: Option<u64>,
}

/// Why a run stopped before it could report; exit code 2.
#[derive(Debug)]
pub enum RunError {
    /// The definitions did not load: every problem found.
    Definitions(LoadErrors),
    /// A bad argument, or an input the run cannot do without.
    Usage(Box<dyn Diagnostic + Send + Sync>),
}

impl<D: Diagnostic + Send + Sync + 'static> From<D> for RunError {
    fn from(d: D) -> Self {
        RunError::Usage(Box::new(d))
    }
}

/// Definitions loaded and the selections applied.
pub struct Selected {
    pub loaded: Loaded,
    pub since: Option<SinceReport>,
    pub baseline: Option<Baseline>,
}

/// A project evaluated, ready to report.
pub struct Evaluated {
    pub selected: Selected,
    pub tree: walk::Tree,
    pub evaluation: Evaluation,
    /// The catalog's secret patterns and the known shapes, compiled once:
    /// the report, the inputs' names and the bundle's copies are masked with them.
    pub secrets: crate::redact::Secrets,
}

/// Loads a project's definitions.
pub fn load(path: &Path) -> Result<Loaded, RunError> {
    if !path.is_dir() {
        return Err(walk::RootError::NotADirectory(path.display().to_string()).into());
    }
    load::load(path).map_err(RunError::Definitions)
}

/// Loads, reads the baseline, and applies `--framework`, `--check`,
/// `--export` and `--since`.
pub fn select(options: &RunOptions) -> Result<Selected, RunError> {
    let baseline = options
        .baseline
        .as_deref()
        .map(baseline::read)
        .transpose()?;
    let mut loaded = load(&options.path)?;
    if !options.frameworks.is_empty() {
        loaded.project.frameworks = Some(select_frameworks(&loaded, &options.frameworks)?);
    }
    if !options.checks.is_empty() {
        select_checks(&mut loaded, &options.checks)?;
    }
    skip_checks(&mut loaded, &options.skip_checks)?;
    if !options.walk.only.is_empty() {
        // Whether a file exists anywhere cannot be judged from a few named
        // files: those checks would fail (or pass) on what was not listed.
        loaded.catalog.checks.retain(|_, c| {
            !matches!(
                crate::check::kinds::kind_of(c).judge,
                crate::check::Judge::Paths(_)
            )
        });
    }
    let mut extra = cli_exports(&options.exports, &loaded.project.exports)?;
    loaded.project.exports.append(&mut extra);
    let mut extra = cli_imports(&options.imports, &loaded.project.imports)?;
    loaded.project.imports.append(&mut extra);
    let since = match &options.since {
        Some(rev) => {
            let changed = crate::since::changed_files(&loaded.project.repository, rev)?;
            Some(crate::since::select(
                &mut loaded,
                &options.path,
                rev,
                &changed,
            ))
        }
        None => None,
    };
    Ok(Selected {
        loaded,
        since,
        baseline,
    })
}

/// Evaluates every selected check.
pub fn evaluate(selected: Selected, options: &RunOptions) -> Result<Evaluated, RunError> {
    let engine = EngineOptions {
        max_file_size: options.max_file_size,
        as_of: options.as_of,
        walk: options.walk.clone(),
        keep_inputs: options.keep_inputs,
        inline_waivers: options.inline_waivers,
        max_findings: options.max_findings,
    };
    let loaded = &selected.loaded;
    let (tree, evaluation) = engine::evaluate(&loaded.catalog, &loaded.project, engine)?;
    Ok(Evaluated {
        secrets: crate::redact::Secrets::of(&loaded.catalog),
        selected,
        tree,
        evaluation,
    })
}

impl Evaluated {
    /// The run's inputs with their digests (and copies up to `copy_limit`);
    /// empty unless the options kept them.
    pub fn inputs(&mut self, options: &RunOptions) -> Result<Vec<KeptInput>, RunError> {
        let Some(copy_limit) = options.keep_inputs else {
            return Ok(Vec::new());
        };
        let examined = std::mem::take(&mut self.evaluation.examined);
        let mut kept = crate::evidence::collect(
            &options.path,
            &self.selected.loaded,
            examined,
            &self.evaluation.exports,
            &self.evaluation.imports,
            &self.evaluation.checks,
            copy_limit,
        )
        .map_err(|e| InputError(e.to_string()))?;
        // A file named after a secret is cited by a masked name, like in the report.
        for k in &mut kept {
            if let std::borrow::Cow::Owned(clean) = self.secrets.scrub(&k.input.path) {
                k.input.path = clean;
            }
        }
        Ok(kept)
    }
}

#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("cannot hash an input: {0}")]
#[diagnostic(code(assay::evidence::input))]
struct InputError(String);

/// Analyses the risks, compares with the baseline, decides the gate and
/// builds the report, masking every secret repository text carried into it.
pub fn report(done: Evaluated, options: &RunOptions) -> Report {
    let loaded = &done.selected.loaded;
    let mut risks = risk::analyse(&loaded.catalog, &done.evaluation.frameworks, options.risk);
    risks.partial = partial(options, done.selected.since.as_ref());
    let info = RunInfo {
        catalog: &loaded.catalog,
        project: &loaded.project,
        tree: &done.tree,
        as_of: crate::time::format(options.as_of),
        fail_on: options.gate.fail_on,
    };
    let mut report = Report::new(&info, done.evaluation, risks);
    report.since = done.selected.since;
    let mut report = report.scrubbed(&done.secrets);
    if let Some(b) = &done.selected.baseline {
        baseline::apply(&mut report, b);
    }
    report.apply_gate(&options.gate);
    // The process ends soon: freeing a large tree path by path would only
    // delay the exit code.
    std::mem::forget((done.tree, done.selected.loaded));
    report
}

/// Why a run judged only part of its checks, for the risk analysis to say.
fn partial(options: &RunOptions, since: Option<&SinceReport>) -> Option<String> {
    let mut why = Vec::new();
    if !options.checks.is_empty() {
        why.push(format!(
            "only the checks `--check {}` selects ran",
            options.checks.join(" --check ")
        ));
    }
    if !options.skip_checks.is_empty() {
        why.push(format!(
            "`--skip-check {}` left checks out",
            options.skip_checks.join(" --skip-check ")
        ));
    }
    if !options.walk.only.is_empty() {
        why.push(
            "`-f` judged the named files only, and no check of what exists in the repository"
                .to_owned(),
        );
    }
    match since.map_or(0, |s| s.skipped.len()) {
        0 => {}
        n => why.push(format!(
            "`--since` skipped {n} checks whose inputs did not change"
        )),
    }
    (!why.is_empty()).then(|| why.join(", and "))
}

/// An evidence bundle of a run, and the report it holds.
pub struct Bundled {
    pub bundle: crate::evidence::Bundle,
    pub report: Report,
    /// How many inputs the bundle cites with their digests.
    pub inputs: usize,
}

/// Reports the run and builds its evidence bundle (the report in every
/// format a bundle holds, the inputs hashed and copied, the settings),
/// signed with `key` when one is given.
pub fn bundle(
    mut done: Evaluated,
    options: &RunOptions,
    command: Vec<String>,
    key: Option<&crate::evidence::Signer>,
) -> Result<Bundled, RunError> {
    let kept = done.inputs(options)?;
    let config = settings(&done.selected, options);
    let secrets = done.secrets.clone();
    let report = report(done, options);
    let inputs: Vec<crate::inputs::Input> = kept.iter().map(|k| k.input.clone()).collect();
    let mut bundle = crate::evidence::build(crate::evidence::BundleRun {
        report: &report,
        secrets: &secrets,
        inputs: kept,
        command,
        config,
        html: crate::report::html::render(&report),
        oscal: crate::report::oscal::assessment_results(&report, &inputs),
    });
    if let Some(key) = key {
        let envelope = key.sign(&bundle, &report);
        bundle.files.push(envelope);
        bundle.files.sort_by(|a, b| a.path.cmp(&b.path));
    }
    Ok(Bundled {
        bundle,
        report,
        inputs: inputs.len(),
    })
}

/// `--framework` selections that exist, or a diagnostic for the first that does not.
fn select_frameworks(
    loaded: &Loaded,
    names: &[String],
) -> Result<Vec<Selection>, UnknownSelection> {
    names
        .iter()
        .map(|name| {
            load::resolve_selection(&loaded.catalog, name)
                .map_err(|(kind, name, help)| UnknownSelection { kind, name, help })
        })
        .collect()
}

/// Keeps the checks `--check` patterns select (all of them when there are
/// none); a pattern that selects nothing is an error, never a run that
/// silently checks less.
pub fn select_checks(loaded: &mut Loaded, patterns: &[String]) -> Result<(), UnknownSelection> {
    if patterns.is_empty() {
        return Ok(());
    }
    let mut matchers = Vec::with_capacity(patterns.len());
    for pattern in patterns {
        let matcher = check_glob(pattern)?;
        if !loaded
            .catalog
            .checks
            .keys()
            .any(|id| matcher.is_match(id.as_str()))
        {
            let known = loaded.catalog.checks.keys().map(|k| k.as_str());
            return Err(UnknownSelection {
                kind: "check",
                name: pattern.clone(),
                help: load::suggest(pattern, known).or_else(|| {
                    Some(
                        "`assay list checks` shows every id; globs such as `repo.*` work"
                            .to_owned(),
                    )
                }),
            });
        }
        matchers.push(matcher);
    }
    loaded
        .catalog
        .checks
        .retain(|id, _| matchers.iter().any(|m| m.is_match(id.as_str())));
    Ok(())
}

/// A `--check` or `--skip-check` pattern, compiled, or why it is no glob.
fn check_glob(pattern: &str) -> Result<globset::GlobMatcher, UnknownSelection> {
    globset::Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| UnknownSelection {
            kind: "check pattern",
            name: pattern.to_owned(),
            help: Some(e.kind().to_string()),
        })
}

/// Leaves out the checks `--skip-check` patterns match; a pattern that
/// matches none is an error, as a mistyped skip would otherwise skip nothing.
fn skip_checks(loaded: &mut Loaded, patterns: &[String]) -> Result<(), UnknownSelection> {
    for pattern in patterns {
        let matcher = check_glob(pattern)?;
        let before = loaded.catalog.checks.len();
        loaded
            .catalog
            .checks
            .retain(|id, _| !matcher.is_match(id.as_str()));
        if loaded.catalog.checks.len() == before {
            return Err(UnknownSelection {
                kind: "check to skip",
                name: pattern.clone(),
                help: Some(
                    "`assay list checks` shows every id; globs such as `repo.*` work".to_owned(),
                ),
            });
        }
    }
    Ok(())
}

/// Exports given as `--export KIND=PATH`, named after their kind.
fn cli_exports(given: &[String], declared: &[ExportSpec]) -> Result<Vec<ExportSpec>, BadExport> {
    let mut out: Vec<ExportSpec> = Vec::new();
    for arg in given {
        let Some((kind_name, path)) = arg
            .split_once('=')
            .filter(|(k, p)| !k.is_empty() && !p.is_empty())
        else {
            return Err(BadExport {
                message: format!("`--export {arg}` is not KIND=PATH"),
                help: "for example `--export aws.iam.credential-report=report.csv`".to_owned(),
            });
        };
        let Some(kind) = ExportKind::from_name(kind_name) else {
            let names = ExportKind::ALL.iter().map(|k| k.name());
            return Err(BadExport {
                message: format!("unknown export kind `{kind_name}`"),
                help: load::suggest(kind_name, names.clone()).unwrap_or_else(|| {
                    format!("export kinds are: {}", names.collect::<Vec<_>>().join(", "))
                }),
            });
        };
        let taken = |n: &str| declared.iter().chain(&out).any(|e| e.name == n);
        let mut name = kind_name.to_owned();
        let mut n = 2;
        while taken(&name) {
            name = format!("{kind_name}#{n}");
            n += 1;
        }
        out.push(ExportSpec {
            name,
            kind,
            path: path.to_owned(),
            base: PathBuf::new(),
            confined: false,
            columns: Vec::new(),
        });
    }
    Ok(out)
}

/// `--import` arguments as imports: `FORMAT=PATH`, or a path whose format
/// its content tells. Named after the file, made unique.
fn cli_imports(
    given: &[String],
    declared: &[crate::model::ImportSpec],
) -> Result<Vec<crate::model::ImportSpec>, BadExport> {
    use crate::model::ImportFormat;
    let mut out: Vec<crate::model::ImportSpec> = Vec::new();
    for arg in given {
        let named = arg
            .split_once('=')
            .and_then(|(f, p)| Some((ImportFormat::from_name(f)?, p)));
        let (format, path) = match named {
            Some((format, path)) if !path.is_empty() => (format, path),
            Some(_) => {
                return Err(BadExport {
                    message: format!("`--import {arg}` names no file"),
                    help: "for example `--import sarif=results.sarif`".to_owned(),
                });
            }
            None => (detect_import(arg)?, arg.as_str()),
        };
        let stem = std::path::Path::new(path)
            .file_name()
            .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned());
        let taken = |n: &str| declared.iter().chain(&out).any(|i| i.name == n);
        let mut name = stem.clone();
        let mut n = 2;
        while taken(&name) {
            name = format!("{stem}#{n}");
            n += 1;
        }
        out.push(crate::model::ImportSpec {
            name,
            format,
            path: path.to_owned(),
            base: PathBuf::new(),
            confined: false,
            max_age_days: None,
        });
    }
    Ok(out)
}

/// The format of an import file, from its top-level members (read without
/// building the values): a SARIF log has `version` and `runs`, a Checkov
/// report (or each of a list of them) `check_type` and `results`.
fn detect_import(path: &str) -> Result<crate::model::ImportFormat, BadExport> {
    use crate::model::ImportFormat;
    use serde::de::IgnoredAny;
    use std::collections::BTreeMap;
    type Keys = BTreeMap<String, IgnoredAny>;
    let unknown = |why: String| BadExport {
        message: format!("`--import {path}`: {why}"),
        help: format!(
            "name the format: `--import FORMAT={path}`, where FORMAT is one of {}",
            ImportFormat::names()
        ),
    };
    let read = || {
        std::fs::File::open(path)
            .map(std::io::BufReader::new)
            .map_err(|e| unknown(format!("cannot read it: {e}")))
    };
    let has = |keys: &Keys, a: &str, b: &str| keys.contains_key(a) && keys.contains_key(b);
    let cannot = || unknown("its format cannot be told from its content".to_owned());
    if let Ok(keys) = serde_json::from_reader::<_, Keys>(read()?) {
        if has(&keys, "version", "runs") {
            return Ok(ImportFormat::Sarif);
        }
        if has(&keys, "check_type", "results") {
            return Ok(ImportFormat::Checkov);
        }
        return Err(cannot());
    }
    match serde_json::from_reader::<_, Vec<Keys>>(read()?) {
        Ok(list) if !list.is_empty() && list.iter().all(|k| has(k, "check_type", "results")) => {
            Ok(ImportFormat::Checkov)
        }
        _ => Err(cannot()),
    }
}

/// A malformed `--export` or `--import`.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(assay::cli::export))]
pub struct BadExport {
    message: String,
    #[help]
    help: String,
}

/// A selector (`--framework`, `--check`) named nothing that is loaded.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("unknown {kind} `{name}`")]
#[diagnostic(code(assay::cli::unknown_selection))]
pub struct UnknownSelection {
    kind: &'static str,
    name: String,
    #[help]
    help: Option<String>,
}

/// The settings a bundle's manifest records.
pub fn settings(selected: &Selected, options: &RunOptions) -> serde_json::Value {
    let project = &selected.loaded.project;
    serde_json::json!({
        "project": project.name,
        "directory": options.path.display().to_string(),
        "config": project.config.as_ref().map(|p| p.display().to_string()),
        "repository": project.repository.display().to_string(),
        "frameworks": project.frameworks.as_ref().map(|s| s.iter().map(|f| f.to_string()).collect::<Vec<_>>()),
        "checks": options.checks,
        "exports": project.exports.iter().map(|e| serde_json::json!({
            "name": e.name, "kind": e.kind.name(), "path": e.path,
        })).collect::<Vec<_>>(),
        "no_ignore": options.walk.no_ignore,
        "max_file_size": options.max_file_size,
        "copy_limit": options.keep_inputs.unwrap_or(0),
        "fail_on": options.gate.fail_on,
        "trials": options.risk.trials,
    })
}
