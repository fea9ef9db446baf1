//! Imports: other scanners' results, read as evidence. A project declares
//! them (`[[import]]` in `assay.toml`, or `--import`), and `imported` checks
//! map their rules to controls.

use globset::GlobSet;
use std::fmt;
use std::path::PathBuf;

/// The formats an import can be read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ImportFormat {
    /// A SARIF 2.1.0 log: any scanner that writes one.
    Sarif,
    /// Checkov's JSON report (`checkov -o json`), which lists the passes too.
    Checkov,
}

impl ImportFormat {
    pub const ALL: [ImportFormat; 2] = [ImportFormat::Sarif, ImportFormat::Checkov];

    pub fn name(self) -> &'static str {
        match self {
            Self::Sarif => "sarif",
            Self::Checkov => "checkov",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Every format's name, for help texts.
    pub fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }
}

impl fmt::Display for ImportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One declared import: a scanner's output file (or a glob of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSpec {
    pub name: String,
    pub format: ImportFormat,
    /// A path or glob, as written, relative to `base`.
    pub path: String,
    pub base: PathBuf,
    /// Declared in the evaluated project (untrusted): its files must resolve
    /// inside `base`, even through symbolic links. `--import` paths are not.
    pub confined: bool,
    /// The oldest run accepted, in days before the as-of date; an older one
    /// is stale evidence, an `error`.
    pub max_age_days: Option<u32>,
}

/// A check over imported results: a tool's rules, by id or glob.
#[derive(Debug, Clone)]
pub struct ImportedCheck {
    /// The tool, as its results name it (SARIF `tool.driver.name`),
    /// compared without regard to case.
    pub tool: String,
    /// The rule ids or globs as written, for reports.
    pub rules: Vec<String>,
    /// The same, compiled.
    pub matcher: GlobSet,
    /// Only results matching this JSON Schema count (`where`), on
    /// `{rule, level, message, path, line, suppressed}`.
    pub condition: Option<serde_json::Value>,
}

impl ImportedCheck {
    /// Whether the check is about this tool.
    pub fn is_for(&self, tool: &str) -> bool {
        self.tool.eq_ignore_ascii_case(tool)
    }

    /// Whether the check selects this rule.
    pub fn selects(&self, rule: &str) -> bool {
        self.matcher.is_match(rule)
    }

    /// Whether a result of this rule fails the check: its rule is selected,
    /// or a rule it is a sub-rule of (SARIF's hierarchical ids, `X/sub`).
    pub fn selects_result(&self, rule: &str) -> bool {
        self.selects(rule)
            || rule
                .match_indices('/')
                .any(|(i, _)| rule.get(..i).is_some_and(|parent| self.selects(parent)))
    }
}
