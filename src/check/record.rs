//! Record checks: a JSON Schema asserted on every record of a population.
//!
//! Messages describe what failed from the schema's side only (which field,
//! which constraint). Record values can hold secrets (a plan's passwords, a
//! token in an export), so they never appear unless the check sets `show_match`.

use super::kind::{Judge, Kind};
use crate::model::{AssertionDoc, AssertionSpec, Check, PatternUse, RecordCheck};
use crate::outcome::Finding;
use crate::schema::describe_error;
use crate::source::Record;
use jiff::Timestamp;
use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

/// The one assertion of record checks; a check with a record `source` may
/// leave `assert` out.
pub static KIND: Kind = Kind {
    spec: AssertionSpec {
        name: "schema",
        doc: AssertionDoc {
            what: "That every record of the population satisfies the check's `schema`, a \
                   JSON Schema (with `maxAgeDays` and `sincePeriodStart` judging dates \
                   against the as-of date). The population is every record of the \
                   check's sources (or the `each` array of a generic export) that \
                   matches the optional `where` schema.",
            why: "One declarative schema judges Kubernetes objects, Terraform resources, \
                  workflows and exports alike, and its errors name the failing field.",
            example: "source = \"k8s\"\nwhere = { properties = { kind = { const = \"Pod\" } } }\n\
                      schema = { properties = { spec = { required = [\"securityContext\"] } } }",
            evidence: "The population is the number examined; one finding per failing \
                       record, with its file or export, JSON pointer and label. Record \
                       values are never shown unless the check sets `show_match`.",
        },
        pattern: PatternUse::None,
        default_files: &[],
        default_excludes: &[],
    },
    judge: Judge::Records,
};

/// A record check with its schemas compiled for one run.
pub struct CompiledRecordCheck {
    schema: Validator,
    condition: Option<Validator>,
}

impl CompiledRecordCheck {
    pub fn new(check: &RecordCheck, as_of: Timestamp) -> Result<Self, String> {
        Ok(Self {
            schema: crate::schema::compile(&check.schema, as_of)?,
            condition: check
                .condition
                .as_ref()
                .map(|c| crate::schema::compile(c, as_of))
                .transpose()?,
        })
    }

    /// Whether the record is in the population (`where`).
    pub fn selects(&self, record: &Record) -> bool {
        self.condition
            .as_ref()
            .is_none_or(|c| c.is_valid(&record.value))
    }

    /// The finding for a record of the population that fails, if it does.
    /// Whether the record fails the schema, without describing how: what a
    /// finding past `--max-findings` costs.
    pub fn fails(&self, record: &Record) -> bool {
        !self.schema.is_valid(&record.value)
    }

    pub fn judge(
        &self,
        check: &Check,
        spec: &RecordCheck,
        record: &Record,
        at: &Location<'_>,
    ) -> Option<Finding> {
        if self.schema.is_valid(&record.value) {
            return None;
        }
        let problems: Vec<String> = self
            .schema
            .iter_errors(&record.value)
            .take(3)
            .map(|e| {
                let (path, detail) = most_specific(&e, check.show_match);
                match named_item(&record.value, &path) {
                    _ if path.is_empty() => detail,
                    Some(name) => format!("`{path}` ({name}) {detail}"),
                    None => format!("`{path}` {detail}"),
                }
            })
            .collect();
        let label = spec
            .label
            .as_ref()
            .and_then(|p| p.resolve(&record.value))
            .map(label_text)
            .or_else(|| record.label.clone());
        Some(Finding {
            path: Some(at.path.to_owned()),
            line: record.line,
            column: None,
            message: format!("{}: {}", check.message, problems.join("; ")),
            excerpt: None,
            export: at.export.map(str::to_owned),
            pointer: Some(record.pointer.clone()),
            label,
            ..Finding::default()
        })
    }
}

/// Where records come from, for findings.
pub struct Location<'a> {
    /// The repository file or export file, as reports show it.
    pub path: &'a str,
    /// The export's name, for export records.
    pub export: Option<&'a str>,
}

/// The `name` of the innermost array item on `path` (a container, a rule),
/// so a reader knows which one failed without counting indexes.
fn named_item(value: &Value, path: &str) -> Option<String> {
    let mut current = value;
    let mut name = None;
    for segment in path.split('/').skip(1) {
        current = match current {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => {
                let item = items.get(segment.parse::<usize>().ok()?)?;
                if let Some(n) = item.get("name").and_then(Value::as_str) {
                    name = Some(format!("`{n}`"));
                }
                item
            }
            _ => break,
        };
    }
    name
}

fn label_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Where and what failed: for "none of these shapes" errors, the first
/// shape's own first error, which names the field that did not match.
fn most_specific(e: &ValidationError<'_>, show_values: bool) -> (String, String) {
    if let ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } =
        e.kind()
        && let Some(first) = context.first().and_then(|branch| branch.first())
        && !is_alternative_form(e, first)
    {
        return most_specific(first, show_values);
    }
    let detail = if show_values {
        e.to_string()
    } else {
        describe_error(e)
    };
    (e.instance_path().to_string(), detail)
}

/// Whether the branches are alternative forms of one value (patterns, constants):
/// then the first form's complaint would mislead, and "none of the forms" is the truth.
fn is_alternative_form(any_of: &ValidationError<'_>, first: &ValidationError<'_>) -> bool {
    first.instance_path() == any_of.instance_path()
        && matches!(
            first.kind(),
            ValidationErrorKind::Pattern { .. }
                | ValidationErrorKind::Constant { .. }
                | ValidationErrorKind::Enum { .. }
                | ValidationErrorKind::Type { .. }
        )
}
