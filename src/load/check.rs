//! Compiling a raw check: its globs and regex are built once, here.

use super::error::LoadError;
use super::raw::RawCheck;
use super::source::{SourceFile, span};
use crate::check::kinds;
use crate::model::{
    Assertion, AssertionSpec, Check, CheckDoc, CheckId, CheckKind, FileSelector, Origin,
    PatternUse, Pointer, RecordCheck, RecordSource,
};
use globset::{Glob, GlobBuilder};
use regex::bytes::{Regex, RegexBuilder};
use serde_json::Value;
use std::ops::Range;
use std::sync::LazyLock;
use toml::Spanned;

/// Compiled regexes are bounded so a hostile pattern cannot exhaust memory.
pub const REGEX_SIZE_LIMIT: usize = 64 * 1024 * 1024;

/// What a check's `source` names.
enum Sources {
    Repo,
    Records(Vec<RecordSource>),
    /// `source = "import"`: other scanners' results.
    Import,
}

/// The source name of imported checks.
pub const IMPORT_SOURCE: &str = "import";

pub fn compile(raw: RawCheck, file: &SourceFile, errors: &mut Vec<LoadError>) -> Option<Check> {
    let before = errors.len();
    let kind = match sources(&raw, file, errors) {
        Some(Sources::Repo) => file_kind(&raw, file, errors),
        Some(Sources::Records(list)) => record_kind(&raw, list, file, errors),
        Some(Sources::Import) => imported_kind(&raw, file, errors),
        None => None,
    };
    let examples = match &kind {
        Some(kind) => super::example::compile(raw.example, kind, file, errors),
        None => Vec::new(),
    };
    if errors.len() > before {
        return None;
    }
    let doc = raw.doc.map_or_else(CheckDoc::default, |d| CheckDoc {
        what: d.what,
        why: d.why,
        example: d.example,
        evidence: d.evidence,
    });
    Some(Check {
        id: CheckId::new(raw.id.get_ref().clone()),
        message: raw.message.unwrap_or_else(|| raw.title.clone()),
        title: raw.title,
        severity: raw.severity,
        kind: kind?,
        show_match: raw.show_match,
        remediation: raw.remediation.unwrap_or_default(),
        doc,
        examples,
        origin: Origin {
            file: file.name.clone(),
            line: file.line_of(raw.id.span().start),
        },
    })
}

fn sources(raw: &RawCheck, file: &SourceFile, errors: &mut Vec<LoadError>) -> Option<Sources> {
    let Some(source) = &raw.source else {
        return Some(Sources::Repo);
    };
    let mut repo = false;
    let mut records = Vec::new();
    let names: Vec<&str> = source.get_ref().names();
    if names.contains(&IMPORT_SOURCE) {
        if names.len() > 1 {
            errors.push(LoadError::InvalidValue {
                message: "`import` is a source of its own: an imported check reads no other"
                    .to_owned(),
                src: file.src(),
                span: span(source.span()),
            });
            return None;
        }
        return Some(Sources::Import);
    }
    for name in names {
        if name == "repo" {
            repo = true;
        } else if let Some(s) = RecordSource::from_name(name) {
            if !records.contains(&s) {
                records.push(s);
            }
        } else {
            errors.push(LoadError::UnknownSource {
                name: name.to_owned(),
                known: RecordSource::all_names(),
                src: file.src(),
                span: span(source.span()),
            });
            return None;
        }
    }
    match (repo, records.is_empty()) {
        (true, false) => {
            errors.push(LoadError::MixedSources {
                src: file.src(),
                span: span(source.span()),
            });
            None
        }
        (false, false) => Some(Sources::Records(records)),
        _ => Some(Sources::Repo),
    }
}

/// Flags a field that the kind of check at hand does not use.
fn unused<T>(
    field: &'static str,
    value: Option<&Spanned<T>>,
    what: &'static str,
    help: &'static str,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) {
    if let Some(v) = value {
        errors.push(LoadError::FieldNotUsed {
            field,
            what,
            help,
            src: file.src(),
            span: span(v.span()),
        });
    }
}

fn file_kind(raw: &RawCheck, file: &SourceFile, errors: &mut Vec<LoadError>) -> Option<CheckKind> {
    const WHAT: &str = "checks on repository files";
    const HELP: &str =
        "record fields need a record `source` such as `k8s`, `terraform` or an export kind";
    unused("each", raw.each.as_ref(), WHAT, HELP, file, errors);
    unused("where", raw.condition.as_ref(), WHAT, HELP, file, errors);
    unused("schema", raw.schema.as_ref(), WHAT, HELP, file, errors);
    unused("label", raw.label.as_ref(), WHAT, HELP, file, errors);
    unused_import_fields(raw, WHAT, file, errors);
    let Some(assert) = &raw.assert else {
        errors.push(LoadError::AssertRequired {
            expected: kinds::file_assertion_names(),
            src: file.src(),
            span: span(raw.id.span()),
        });
        return None;
    };
    let spec = assertion_spec(assert, file, errors);
    let takes_pattern = spec.map(|s| s.pattern != PatternUse::None);
    let pattern = match (takes_pattern, &raw.pattern) {
        (Some(true), Some(p)) => compile_regex(p, file, errors),
        (Some(true), None) => {
            errors.push(LoadError::PatternRequired {
                assertion: assert.get_ref().clone(),
                src: file.src(),
                span: span(assert.span()),
            });
            None
        }
        (Some(false), Some(p)) => {
            errors.push(LoadError::PatternNotAllowed {
                assertion: assert.get_ref().clone(),
                src: file.src(),
                span: span(p.span()),
            });
            None
        }
        _ => None,
    };
    let files = selector(raw, assert, spec, file, errors);
    // `None` when the pattern was missing or did not compile: reported above.
    let assertion = Assertion::new(spec?, pattern)?;
    Some(CheckKind::Files {
        files: files?,
        assertion,
    })
}

fn record_kind(
    raw: &RawCheck,
    sources: Vec<RecordSource>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<CheckKind> {
    const WHAT: &str = "record checks";
    const HELP: &str =
        "a record check selects records with `each` and `where` and judges them with `schema`";
    unused("pattern", raw.pattern.as_ref(), WHAT, HELP, file, errors);
    unused("files", raw.files.as_ref(), WHAT, HELP, file, errors);
    unused_import_fields(raw, WHAT, file, errors);
    unused(
        "ignore_case",
        raw.ignore_case.as_ref(),
        WHAT,
        HELP,
        file,
        errors,
    );
    if let Some(first) = raw.exclude.first() {
        unused("exclude", Some(first), WHAT, HELP, file, errors);
    }
    if let Some(assert) = &raw.assert
        && assert.get_ref() != kinds::record_assertion().name
    {
        static EXPECTED: LazyLock<String> = LazyLock::new(|| {
            format!(
                "{} (the only assertion of record checks)",
                kinds::record_assertion().name
            )
        });
        errors.push(LoadError::UnknownAssertion {
            name: assert.get_ref().clone(),
            expected: EXPECTED.as_str(),
            src: file.src(),
            span: span(assert.span()),
        });
    }
    let each = match &raw.each {
        Some(e)
            if !sources
                .iter()
                .all(|s| matches!(s, RecordSource::Export(k) if k.takes_each())) =>
        {
            unused(
                "each",
                Some(e),
                "sources with their own population",
                "`each` chooses the array of a generic `json` or `yaml` export; other sources define their records",
                file,
                errors,
            );
            None
        }
        Some(e) => pointer(e, file, errors),
        None => None,
    };
    let label = raw.label.as_ref().and_then(|l| pointer(l, file, errors));
    let condition = raw
        .condition
        .as_ref()
        .and_then(|c| json_schema(c, file, errors));
    let Some(schema) = &raw.schema else {
        errors.push(LoadError::SchemaRequired {
            src: file.src(),
            span: span(raw.id.span()),
        });
        return None;
    };
    let schema = json_schema(schema, file, errors)?;
    Some(CheckKind::Records(RecordCheck {
        sources,
        each,
        condition,
        schema,
        label,
    }))
}

/// `tool` and `rules` belong to imported checks only.
fn unused_import_fields(
    raw: &RawCheck,
    what: &'static str,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) {
    const HELP: &str =
        "`tool` and `rules` choose another scanner's rules: they need `source = \"import\"`";
    unused("tool", raw.tool.as_ref(), what, HELP, file, errors);
    unused("rules", raw.rules.as_ref(), what, HELP, file, errors);
}

/// An imported check: a tool, and its rules by id or glob.
fn imported_kind(
    raw: &RawCheck,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<CheckKind> {
    const WHAT: &str = "imported checks";
    const HELP: &str = "an imported check names a `tool` and its `rules`; the tool judges them";
    unused("pattern", raw.pattern.as_ref(), WHAT, HELP, file, errors);
    unused("files", raw.files.as_ref(), WHAT, HELP, file, errors);
    unused("each", raw.each.as_ref(), WHAT, HELP, file, errors);
    unused("schema", raw.schema.as_ref(), WHAT, HELP, file, errors);
    unused("label", raw.label.as_ref(), WHAT, HELP, file, errors);
    unused(
        "ignore_case",
        raw.ignore_case.as_ref(),
        WHAT,
        HELP,
        file,
        errors,
    );
    let condition = raw
        .condition
        .as_ref()
        .and_then(|c| json_schema(c, file, errors));
    if let Some(first) = raw.exclude.first() {
        unused("exclude", Some(first), WHAT, HELP, file, errors);
    }
    if let Some(assert) = &raw.assert
        && assert.get_ref() != crate::check::imported::KIND.spec.name
    {
        errors.push(LoadError::UnknownAssertion {
            name: assert.get_ref().clone(),
            expected: "imported (the only assertion of imported checks)",
            src: file.src(),
            span: span(assert.span()),
        });
    }
    let tool = match &raw.tool {
        Some(t) if !t.get_ref().trim().is_empty() => t.get_ref().trim().to_owned(),
        Some(t) => {
            errors.push(LoadError::InvalidValue {
                message: "`tool` names the scanner whose results the check reads".to_owned(),
                src: file.src(),
                span: span(t.span()),
            });
            return None;
        }
        None => {
            errors.push(LoadError::InvalidValue {
                message: "an imported check needs `tool`: the scanner, as its results name it (`checkov`, `zizmor`)".to_owned(),
                src: file.src(),
                span: span(raw.id.span()),
            });
            return None;
        }
    };
    let Some(rules) = raw.rules.as_ref().filter(|r| !r.get_ref().is_empty()) else {
        errors.push(LoadError::InvalidValue {
            message: "an imported check needs `rules`: the tool's rule ids or globs (`CKV_AWS_*`)"
                .to_owned(),
            src: file.src(),
            span: span(raw.rules.as_ref().map_or(raw.id.span(), Spanned::span)),
        });
        return None;
    };
    let mut builder = globset::GlobSetBuilder::new();
    let mut written = Vec::new();
    for rule in rules.get_ref() {
        match GlobBuilder::new(rule.get_ref())
            .literal_separator(true)
            .build()
        {
            Ok(glob) => {
                builder.add(glob);
                written.push(rule.get_ref().clone());
            }
            Err(e) => errors.push(LoadError::InvalidGlob {
                message: format!("`{}`: {}", rule.get_ref(), e.kind()),
                src: file.src(),
                span: span(rule.span()),
            }),
        }
    }
    let matcher = builder.build().ok()?;
    if raw.condition.is_some() && condition.is_none() {
        return None;
    }
    Some(CheckKind::Imported(crate::model::ImportedCheck {
        tool,
        rules: written,
        matcher,
        condition,
    }))
}

fn pointer(
    text: &Spanned<String>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<Pointer> {
    Pointer::parse(text.get_ref())
        .map_err(|message| {
            errors.push(LoadError::InvalidPointer {
                message,
                src: file.src(),
                span: span(text.span()),
            });
        })
        .ok()
}

/// A schema written as a TOML table, or as JSON text in a string; compiled
/// once here so a broken schema is a load error, not a run-time surprise.
fn json_schema(
    value: &Spanned<toml::Value>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<Value> {
    let fail = |message: String, errors: &mut Vec<LoadError>| {
        errors.push(LoadError::InvalidSchema {
            message,
            src: file.src(),
            span: span(value.span()),
        });
    };
    let json = match value.get_ref() {
        toml::Value::String(text) => {
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))
        }
        other => serde_json::to_value(other).map_err(|e| e.to_string()),
    };
    let json = match json {
        Ok(j) => j,
        Err(message) => {
            fail(message, errors);
            return None;
        }
    };
    if let Err(message) = crate::schema::compile(&json, jiff::Timestamp::UNIX_EPOCH) {
        fail(message, errors);
        return None;
    }
    Some(json)
}

fn assertion_spec(
    name: &Spanned<String>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<&'static AssertionSpec> {
    let Some(kind) = kinds::file_assertion(name.get_ref()) else {
        errors.push(LoadError::UnknownAssertion {
            name: name.get_ref().clone(),
            expected: kinds::file_assertion_names(),
            src: file.src(),
            span: span(name.span()),
        });
        return None;
    };
    Some(&kind.spec)
}

/// The files a check selects: its own globs, or its kind's defaults when it
/// names none; a kind without defaults needs `files`. An unknown kind has no
/// defaults, so its missing `files` is reported with it.
fn selector(
    raw: &RawCheck,
    assert: &Spanned<String>,
    spec: Option<&'static AssertionSpec>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<FileSelector> {
    let given: Vec<&Spanned<String>> = raw
        .files
        .as_ref()
        .map_or(Vec::new(), |f| f.get_ref().iter().collect());
    let (default_files, default_excludes) = spec.map_or((&[][..], &[][..]), |s| {
        (s.default_files, s.default_excludes)
    });
    if given.is_empty() && default_files.is_empty() {
        let at = raw.files.as_ref().map_or(assert.span(), Spanned::span);
        errors.push(LoadError::FilesRequired {
            assertion: assert.get_ref().clone(),
            src: file.src(),
            span: span(at),
        });
        return None;
    }
    let defaults = |globs: &[&str]| {
        globs
            .iter()
            .map(|g| ((*g).to_owned(), 0..0))
            .collect::<Vec<_>>()
    };
    let include: Vec<(String, Range<usize>)> = if given.is_empty() {
        defaults(default_files)
    } else {
        given
            .iter()
            .map(|g| (g.get_ref().clone(), g.span()))
            .collect()
    };
    let mut exclude: Vec<(String, Range<usize>)> = raw
        .exclude
        .iter()
        .map(|g| (g.get_ref().clone(), g.span()))
        .collect();
    exclude.extend(defaults(default_excludes));
    let ignore_case = raw.ignore_case.as_ref().is_some_and(|i| *i.get_ref());
    let include_globs = compile_globs(&include, ignore_case, file, errors);
    let exclude_globs = compile_globs(&exclude, ignore_case, file, errors);
    let selector = FileSelector::new(
        include.iter().map(|(g, _)| g.clone()).collect(),
        include_globs?,
        exclude.iter().map(|(g, _)| g.clone()).collect(),
        exclude_globs?,
    );
    selector
        .map_err(|e| {
            errors.push(LoadError::InvalidGlob {
                message: e.to_string(),
                src: file.src(),
                span: span(include.first().map_or(0..0, |g| g.1.clone())),
            });
        })
        .ok()
}

fn compile_globs(
    globs: &[(String, Range<usize>)],
    ignore_case: bool,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<Vec<Glob>> {
    let mut out = Vec::with_capacity(globs.len());
    let mut ok = true;
    for (glob, at) in globs {
        // `*` must not cross directories, or `*.md` would select every Markdown file in the tree.
        match GlobBuilder::new(glob)
            .literal_separator(true)
            .case_insensitive(ignore_case)
            .build()
        {
            Ok(g) => out.push(g),
            Err(e) => {
                ok = false;
                errors.push(LoadError::InvalidGlob {
                    message: e.kind().to_string(),
                    src: file.src(),
                    span: span(at.clone()),
                });
            }
        }
    }
    ok.then_some(out)
}

/// Builds a pattern the way every content assertion uses it: `^`/`$` match at
/// line boundaries (also before `\r\n`), as in grep.
pub fn build_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .multi_line(true)
        .crlf(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

fn compile_regex(
    pattern: &Spanned<String>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<Regex> {
    match build_regex(pattern.get_ref()) {
        Ok(re) => Some(re),
        Err(e) => {
            let (message, at) = regex_error(pattern, file, &e);
            errors.push(LoadError::InvalidRegex {
                message,
                src: file.src(),
                span: span(at),
            });
            None
        }
    }
}

/// A one-line message and the narrowest span we can honestly point at: inside
/// a literal (single-quoted) string, offsets in the pattern are offsets in the
/// file, so the error's own span can be used; otherwise the whole string.
fn regex_error(
    pattern: &Spanned<String>,
    file: &SourceFile,
    e: &regex::Error,
) -> (String, Range<usize>) {
    let whole = pattern.span();
    let parsed = regex_syntax::ast::parse::Parser::new().parse(pattern.get_ref());
    let (message, inner) = match parsed {
        Err(ast) => (
            ast.kind().to_string(),
            Some(ast.span().start.offset..ast.span().end.offset),
        ),
        Ok(_) => (first_line(e), None),
    };
    let literal = file.text.get(whole.clone()).is_some_and(|raw| {
        raw.len() == pattern.get_ref().len() + 2 && raw.starts_with('\'') && !raw.starts_with("'''")
    });
    let at = match inner {
        Some(inner) if literal => {
            let start = whole.start + 1 + inner.start;
            start..(whole.start + 1 + inner.end).max(start + 1)
        }
        _ => whole,
    };
    (message, at)
}

fn first_line(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text.lines().rfind(|l| l.starts_with("error:"));
    last.map_or_else(
        || text.lines().next().unwrap_or("").to_owned(),
        |l| l.trim_start_matches("error:").trim().to_owned(),
    )
}
