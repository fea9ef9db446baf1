//! Checks: one assertion over a selection of evidence.

use super::{CheckId, Origin, Pointer, RecordSource};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::bytes::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// How much a failing check matters; `--fail-on` gates at a severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The severity its name (as the definitions write it) names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated check, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Check {
    pub id: CheckId,
    pub title: String,
    pub severity: Severity,
    pub kind: CheckKind,
    /// Message of each finding; the title when the definition gives none.
    pub message: String,
    /// Whether matched text may appear in output. Off for secrets, and off unless asked for.
    pub show_match: bool,
    pub remediation: String,
    pub doc: CheckDoc,
    /// Inputs with their expected verdicts, for `assay test`.
    pub examples: Vec<Example>,
    pub origin: Origin,
}

/// An input a check's author pairs with the verdict the check must give it.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub name: String,
    /// `pass`, `fail`, `not_applicable` or `error`.
    pub expect: String,
    /// The exact number of findings, when given.
    pub findings: Option<usize>,
    pub input: ExampleInput,
    /// The as-of time the example is judged at.
    pub as_of: jiff::Timestamp,
    pub origin: Origin,
}

/// What an example feeds the check.
#[derive(Debug, Clone, PartialEq)]
pub enum ExampleInput {
    /// A repository of these files (path -> contents).
    Files(std::collections::BTreeMap<String, String>),
    /// One export file of this kind.
    Export {
        kind: super::ExportKind,
        text: String,
    },
    /// One imported file of this format.
    Import {
        format: super::ImportFormat,
        text: String,
    },
}

/// The user documentation of a check, printed by `assay explain`.
#[derive(Debug, Clone, Default)]
pub struct CheckDoc {
    pub what: String,
    pub why: String,
    pub example: String,
    pub evidence: String,
}

impl CheckDoc {
    /// Names of the sections left empty; built-in checks must have none.
    pub fn missing_sections(&self) -> Vec<&'static str> {
        [
            ("what", &self.what),
            ("why", &self.why),
            ("example", &self.example),
            ("evidence", &self.evidence),
        ]
        .into_iter()
        .filter(|(_, text)| text.trim().is_empty())
        .map(|(name, _)| name)
        .collect()
    }
}

/// What a check looks at and asserts.
#[derive(Debug, Clone)]
pub enum CheckKind {
    /// An assertion over repository files selected by globs.
    Files {
        files: FileSelector,
        assertion: Assertion,
    },
    /// A JSON Schema asserted on every record of a population.
    Records(RecordCheck),
    /// Another scanner's verdicts on some of its rules, from imports.
    Imported(super::ImportedCheck),
}

impl Check {
    /// Source names, for reports: `repo` for file checks.
    pub fn source_names(&self) -> Vec<&'static str> {
        match &self.kind {
            CheckKind::Files { .. } => vec!["repo"],
            CheckKind::Records(r) => r.sources.iter().map(|s| s.name()).collect(),
            CheckKind::Imported(_) => vec!["import"],
        }
    }
}

impl CheckKind {
    /// Whether the check looks at repository files, so that a listing that
    /// could not be completed concerns it (and an example may give `files`).
    /// File checks do; record checks do when a source is a repository one.
    pub fn reads_repository(&self) -> bool {
        match self {
            CheckKind::Files { .. } => true,
            CheckKind::Records(r) => r
                .sources
                .iter()
                .any(|s| !matches!(s, RecordSource::Export(_))),
            CheckKind::Imported(_) => false,
        }
    }

    /// The files a file check selects.
    pub fn files(&self) -> Option<&FileSelector> {
        match self {
            CheckKind::Files { files, .. } => Some(files),
            CheckKind::Records(_) | CheckKind::Imported(_) => None,
        }
    }

    /// A file check's assertion.
    pub fn assertion(&self) -> Option<&Assertion> {
        match self {
            CheckKind::Files { assertion, .. } => Some(assertion),
            CheckKind::Records(_) | CheckKind::Imported(_) => None,
        }
    }

    /// A record check's population and schema.
    pub fn records(&self) -> Option<&RecordCheck> {
        match self {
            CheckKind::Records(r) => Some(r),
            CheckKind::Files { .. } | CheckKind::Imported(_) => None,
        }
    }

    /// An imported check's tool and rules.
    pub fn imported(&self) -> Option<&super::ImportedCheck> {
        match self {
            CheckKind::Imported(i) => Some(i),
            _ => None,
        }
    }

    /// The record sources a record check reads; none for a file check.
    pub fn record_sources(&self) -> &[RecordSource] {
        self.records().map_or(&[], |r| &r.sources)
    }
}

/// A record check: which records, which of them, and what each must satisfy.
#[derive(Debug, Clone)]
pub struct RecordCheck {
    /// Sources of records, in the order written.
    pub sources: Vec<RecordSource>,
    /// For generic exports, the array whose items are the population.
    pub each: Option<Pointer>,
    /// Only records matching this JSON Schema are in the population (`where`).
    pub condition: Option<Value>,
    /// The JSON Schema every record of the population must satisfy.
    pub schema: Value,
    /// Where in a record its label is (a user name, a resource address).
    pub label: Option<Pointer>,
}

/// Which repository files a check looks at.
#[derive(Debug, Clone)]
pub struct FileSelector {
    /// The glob patterns as written, for reports and messages.
    pub patterns: Vec<String>,
    pub exclude_patterns: Vec<String>,
    /// The compiled include globs, so the engine can match every check's
    /// globs against a path in one pass.
    include_globs: Vec<Glob>,
    include: GlobSet,
    exclude: GlobSet,
}

impl FileSelector {
    /// Builds a selector; the globs are compiled with the options the caller chose.
    pub fn new(
        patterns: Vec<String>,
        include_globs: Vec<Glob>,
        exclude_patterns: Vec<String>,
        exclude_globs: Vec<Glob>,
    ) -> Result<Self, globset::Error> {
        let set = |globs: &[Glob]| {
            let mut builder = GlobSetBuilder::new();
            for g in globs {
                builder.add(g.clone());
            }
            builder.build()
        };
        Ok(Self {
            include: set(&include_globs)?,
            exclude: set(&exclude_globs)?,
            patterns,
            exclude_patterns,
            include_globs,
        })
    }

    /// Whether a path relative to the repository root (with `/` separators) is selected.
    pub fn selects(&self, relative: &str) -> bool {
        self.include.is_match(relative) && !self.excludes(relative)
    }

    /// Whether an exclude glob matches the path.
    pub fn excludes(&self, relative: &str) -> bool {
        self.exclude.is_match(relative)
    }

    pub fn include_globs(&self) -> &[Glob] {
        &self.include_globs
    }
}

/// What an assertion kind is, as definitions, reports and `assay explain`
/// know it. Each kind declares one in its own file under `src/check/`, and
/// `check::kinds` lists them; nothing else spells a kind's name.
#[derive(Debug)]
pub struct AssertionSpec {
    /// The name definitions write in `assert` and reports show.
    pub name: &'static str,
    /// The user documentation `assay explain NAME` prints.
    pub doc: AssertionDoc,
    /// What the assertion does with a `pattern`.
    pub pattern: PatternUse,
    /// Files selected when a check names none; a kind without defaults
    /// requires `files`.
    pub default_files: &'static [&'static str],
    /// Files never selected, whatever the check names.
    pub default_excludes: &'static [&'static str],
}

/// An assertion kind's documentation: every section must be written.
#[derive(Debug)]
pub struct AssertionDoc {
    pub what: &'static str,
    pub why: &'static str,
    pub example: &'static str,
    pub evidence: &'static str,
}

impl AssertionDoc {
    /// The sections, titled as `assay explain` prints them.
    pub fn sections(&self) -> [(&'static str, &'static str); 4] {
        [
            ("What it checks", self.what),
            ("Why it matters", self.why),
            ("Example", self.example),
            ("Evidence produced", self.evidence),
        ]
    }
}

/// What an assertion does with the check's `pattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternUse {
    /// It takes none.
    None,
    /// Every selected file must match it.
    Required,
    /// Every match is a finding: the matched text may be a secret, so it is
    /// masked wherever reports quote input.
    Forbidden,
}

/// What a check asserts about the files it selects: a kind, and the
/// pattern when the kind takes one.
#[derive(Debug, Clone)]
pub struct Assertion {
    spec: &'static AssertionSpec,
    pattern: Option<Regex>,
}

impl Assertion {
    /// An assertion of this kind; `None` when a pattern is given to a kind
    /// that takes none, or missing from one that needs it.
    pub fn new(spec: &'static AssertionSpec, pattern: Option<Regex>) -> Option<Self> {
        ((spec.pattern == PatternUse::None) == pattern.is_none()).then_some(Self { spec, pattern })
    }

    pub fn spec(&self) -> &'static AssertionSpec {
        self.spec
    }

    /// The name used in definitions and reports.
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    pub fn pattern(&self) -> Option<&Regex> {
        self.pattern.as_ref()
    }

    /// The pattern, when its matches are findings (and may be secrets).
    pub fn forbidden_pattern(&self) -> Option<&Regex> {
        self.pattern
            .as_ref()
            .filter(|_| self.spec.pattern == PatternUse::Forbidden)
    }
}
