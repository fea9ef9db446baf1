//! Record checks: a JSON Schema asserted on every record of a population.
//!
//! Messages describe what failed from the schema's side only (which field,
//! which constraint). Record values can hold secrets (a plan's passwords, a
//! token in an export), so they never appear unless the check sets `show_match`.

use crate::model::{Check, RecordCheck};
use crate::outcome::Finding;
use crate::source::Record;
use jiff::Timestamp;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

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

/// What a schema error says, in terms of the schema alone.
pub fn describe_error(e: &ValidationError<'_>) -> String {
    match e.kind() {
        ValidationErrorKind::Required { property } => {
            format!("is missing required `{}`", plain(property))
        }
        ValidationErrorKind::Constant { expected_value } => format!("must be {expected_value}"),
        ValidationErrorKind::Enum { options } => format!("must be one of {options}"),
        ValidationErrorKind::Type { kind } => match kind {
            TypeKind::Single(t) => format!("must be of type {t}"),
            TypeKind::Multiple(set) => {
                let names: Vec<String> = set.iter().map(|t| t.to_string()).collect();
                format!("must be of type {}", names.join(" or "))
            }
        },
        ValidationErrorKind::Minimum { limit } => format!("must be >= {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("must be <= {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("must be > {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("must be < {limit}"),
        ValidationErrorKind::Pattern { pattern } => format!("must match `{pattern}`"),
        ValidationErrorKind::MinLength { limit } => format!("must be at least {limit} characters"),
        ValidationErrorKind::MaxLength { limit } => format!("must be at most {limit} characters"),
        ValidationErrorKind::MinItems { limit } => format!("must have at least {limit} items"),
        ValidationErrorKind::MaxItems { limit } => format!("must have at most {limit} items"),
        ValidationErrorKind::Contains => "contains no item that matches".to_owned(),
        ValidationErrorKind::Not { .. } => "is what this check forbids".to_owned(),
        ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
            "matches none of the allowed forms".to_owned()
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "matches more than one exclusive shape".to_owned()
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            format!("has fields that are not allowed: {}", unexpected.join(", "))
        }
        ValidationErrorKind::FalseSchema => "is not allowed".to_owned(),
        ValidationErrorKind::Format { format } => format!("is not a valid {format}"),
        ValidationErrorKind::Custom { message, .. } => message.clone(),
        ValidationErrorKind::UniqueItems => "has duplicate items".to_owned(),
        _ => "does not match the schema".to_owned(),
    }
}

fn plain(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn first_error(schema: Value, value: Value) -> String {
        let v = crate::schema::compile(&schema, Timestamp::UNIX_EPOCH).unwrap();
        let e = v.iter_errors(&value).next().unwrap();
        describe_error(&e)
    }

    #[test]
    fn descriptions_never_echo_the_instance() {
        let secret = "hunter2-secret-value";
        for (schema, expected) in [
            (json!({"const": "true"}), "must be \"true\""),
            (json!({"enum": ["a", "b"]}), "must be one of [\"a\",\"b\"]"),
            (json!({"type": "integer"}), "must be of type integer"),
            (json!({"pattern": "^x"}), "must match `^x`"),
            (
                json!({"not": {"type": "string"}}),
                "is what this check forbids",
            ),
            (json!({"maxLength": 3}), "must be at most 3 characters"),
        ] {
            let d = first_error(schema, json!(secret));
            assert_eq!(d, expected);
            assert!(!d.contains(secret));
        }
        assert_eq!(
            first_error(json!({"required": ["mfa"]}), json!({})),
            "is missing required `mfa`"
        );
    }
}
