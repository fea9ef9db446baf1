//! Compiling a raw check: its globs and regex are built once, here.

use super::error::LoadError;
use super::raw::RawCheck;
use super::source::{SourceFile, span};
use crate::model::{Assertion, Check, CheckDoc, CheckId, DockerAssertion, FileSelector, Origin};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::bytes::{Regex, RegexBuilder};
use std::ops::Range;
use toml::Spanned;

/// Every assertion name a check may use, for the help text.
pub const ASSERTIONS: &str = "exists, absent, contains, not-contains, dockerfile.final-user-not-root, dockerfile.from-pinned";

/// Files a Dockerfile assertion looks at when the check names none.
pub const DOCKERFILE_GLOBS: [&str; 6] = [
    "**/Dockerfile",
    "**/Dockerfile.*",
    "**/*.Dockerfile",
    "**/*.dockerfile",
    "**/Containerfile",
    "**/Containerfile.*",
];

/// Per-Dockerfile ignore files (`Dockerfile.dockerignore`) match the globs above but are not Dockerfiles.
const DOCKERFILE_EXCLUDES: [&str; 1] = ["**/*.dockerignore"];

/// Compiled regexes are bounded so a hostile pattern cannot exhaust memory.
const REGEX_SIZE_LIMIT: usize = 64 * 1024 * 1024;

enum Kind {
    Exists,
    Absent,
    Contains,
    NotContains,
    Docker(DockerAssertion),
}

pub fn compile(raw: RawCheck, file: &SourceFile, errors: &mut Vec<LoadError>) -> Option<Check> {
    let before = errors.len();
    if let Some(source) = &raw.source
        && source.get_ref() != "repo"
    {
        errors.push(LoadError::UnknownSource {
            name: source.get_ref().clone(),
            src: file.src(),
            span: span(source.span()),
        });
    }
    let kind = assertion_kind(&raw.assert, file, errors);
    let pattern = match (&kind, &raw.pattern) {
        (Some(Kind::Contains | Kind::NotContains), Some(p)) => compile_regex(p, file, errors),
        (Some(Kind::Contains | Kind::NotContains), None) => {
            errors.push(LoadError::PatternRequired {
                assertion: raw.assert.get_ref().clone(),
                src: file.src(),
                span: span(raw.assert.span()),
            });
            None
        }
        (Some(_), Some(p)) => {
            errors.push(LoadError::PatternNotAllowed {
                assertion: raw.assert.get_ref().clone(),
                src: file.src(),
                span: span(p.span()),
            });
            None
        }
        _ => None,
    };
    let files = selector(&raw, matches!(kind, Some(Kind::Docker(_))), file, errors);
    if errors.len() > before {
        return None;
    }
    let assertion = match (kind?, pattern) {
        (Kind::Exists, _) => Assertion::Exists,
        (Kind::Absent, _) => Assertion::Absent,
        (Kind::Contains, Some(re)) => Assertion::Contains(re),
        (Kind::NotContains, Some(re)) => Assertion::NotContains(re),
        (Kind::Docker(d), _) => Assertion::Dockerfile(d),
        (Kind::Contains | Kind::NotContains, None) => return None,
    };
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
        files: files?,
        assertion,
        show_match: raw.show_match,
        remediation: raw.remediation.unwrap_or_default(),
        doc,
        origin: Origin {
            file: file.name.clone(),
            line: file.line_of(raw.id.span().start),
        },
    })
}

fn assertion_kind(
    name: &Spanned<String>,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<Kind> {
    let kind = match name.get_ref().as_str() {
        "exists" => Kind::Exists,
        "absent" => Kind::Absent,
        "contains" => Kind::Contains,
        "not-contains" => Kind::NotContains,
        "dockerfile.final-user-not-root" => Kind::Docker(DockerAssertion::FinalUserNotRoot),
        "dockerfile.from-pinned" => Kind::Docker(DockerAssertion::FromPinned),
        other => {
            errors.push(LoadError::UnknownAssertion {
                name: other.to_owned(),
                expected: ASSERTIONS,
                src: file.src(),
                span: span(name.span()),
            });
            return None;
        }
    };
    Some(kind)
}

fn selector(
    raw: &RawCheck,
    dockerfile: bool,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<FileSelector> {
    let given: Vec<&Spanned<String>> = raw
        .files
        .as_ref()
        .map_or(Vec::new(), |f| f.get_ref().iter().collect());
    if given.is_empty() && !dockerfile {
        let at = raw.files.as_ref().map_or(raw.assert.span(), Spanned::span);
        errors.push(LoadError::FilesRequired {
            assertion: raw.assert.get_ref().clone(),
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
        defaults(&DOCKERFILE_GLOBS)
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
    if dockerfile {
        exclude.extend(defaults(&DOCKERFILE_EXCLUDES));
    }
    let include_set = glob_set(&include, raw.ignore_case, file, errors)?;
    let exclude_set = glob_set(&exclude, raw.ignore_case, file, errors)?;
    Some(FileSelector::new(
        include.into_iter().map(|(g, _)| g).collect(),
        include_set,
        exclude.into_iter().map(|(g, _)| g).collect(),
        exclude_set,
    ))
}

fn glob_set(
    globs: &[(String, Range<usize>)],
    ignore_case: bool,
    file: &SourceFile,
    errors: &mut Vec<LoadError>,
) -> Option<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    let mut ok = true;
    for (glob, at) in globs {
        // `*` must not cross directories, or `*.md` would select every Markdown file in the tree.
        match GlobBuilder::new(glob)
            .literal_separator(true)
            .case_insensitive(ignore_case)
            .build()
        {
            Ok(g) => {
                builder.add(g);
            }
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
    let set = builder.build();
    match set {
        Ok(set) if ok => Some(set),
        Ok(_) => None,
        Err(e) => {
            errors.push(LoadError::InvalidGlob {
                message: e.to_string(),
                src: file.src(),
                span: span(globs.first().map_or(0..0, |g| g.1.clone())),
            });
            None
        }
    }
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
