//! JSON Schema for record checks: compiled once per check and run, with two
//! keywords of our own for dates measured against the run's as-of time.
//!
//! - `maxAgeDays: N` — a string that is a date or timestamp no more than N
//!   days before the as-of time. Any other string (`N/A`, `no_information`)
//!   fails; other types are left to `type`, as JSON Schema keywords do.
//! - `sincePeriodStart: "month" | "quarter" | "year"` — a date on or after the
//!   start of the as-of time's calendar month, quarter or year (a review done
//!   this quarter).
//!
//! Remote `$ref`s are never fetched (the crate's network features are off),
//! and `pattern` uses the linear-time `regex` engine.

use jiff::civil::Date;
use jiff::{Timestamp, tz::TimeZone};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::Location;
use jsonschema::{Keyword, PatternOptions, ValidationError, Validator};
use serde_json::{Map, Value};

pub const MAX_AGE_DAYS: &str = "maxAgeDays";
pub const SINCE_PERIOD_START: &str = "sincePeriodStart";

/// Compiles `schema` for a run as of `as_of`; the error is one line.
pub fn compile(schema: &Value, as_of: Timestamp) -> Result<Validator, String> {
    let today = TimeZone::UTC.to_datetime(as_of).date();
    jsonschema::options()
        .should_validate_formats(true)
        .with_pattern_options(PatternOptions::regex())
        .with_keyword(
            MAX_AGE_DAYS,
            move |_: &Map<String, Value>, value: &Value, _: Location| max_age(value, as_of),
        )
        .with_keyword(
            SINCE_PERIOD_START,
            move |_: &Map<String, Value>, value: &Value, _: Location| since_period(value, today),
        )
        .build(schema)
        .map_err(|e| {
            e.to_string()
                .lines()
                .next()
                .unwrap_or("invalid schema")
                .to_owned()
        })
}

type Boxed = Box<dyn for<'i> Keyword<'i>>;

fn max_age(value: &Value, as_of: Timestamp) -> Result<Boxed, ValidationError<'_>> {
    match value.as_f64() {
        Some(days) if days >= 0.0 && days.is_finite() => {
            #[expect(
                clippy::cast_possible_truncation,
                reason = "bounded by the check above and by i64 seconds"
            )]
            let limit = (days * 86_400.0).min(1e15) as i64;
            Ok(Box::new(DateKeyword {
                accepts: Box::new(move |t: Timestamp| as_of.as_second() - t.as_second() <= limit),
                failure: format!("is more than {days} days before the as-of date"),
            }))
        }
        _ => Err(ValidationError::custom(format!(
            "`{MAX_AGE_DAYS}` must be a number of days >= 0"
        ))),
    }
}

fn since_period(value: &Value, today: Date) -> Result<Boxed, ValidationError<'_>> {
    let period = value.as_str().unwrap_or("");
    let start = match period {
        "month" => today.first_of_month(),
        "quarter" => {
            let first_month = (today.month() - 1) / 3 * 3 + 1;
            Date::new(today.year(), first_month, 1).unwrap_or(today)
        }
        "year" => today.first_of_year(),
        _ => {
            return Err(ValidationError::custom(format!(
                "`{SINCE_PERIOD_START}` must be \"month\", \"quarter\" or \"year\""
            )));
        }
    };
    Ok(Box::new(DateKeyword {
        accepts: Box::new(move |t: Timestamp| TimeZone::UTC.to_datetime(t).date() >= start),
        failure: format!("is before the start of the as-of {period}"),
    }))
}

/// A date (`2026-01-15`) or a timestamp with offset (`2026-01-15T10:00:00+00:00`), as UTC.
pub fn parse_instant(text: &str) -> Option<Timestamp> {
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let date: Date = text.parse().ok()?;
    TimeZone::UTC
        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .ok()
}

/// A keyword on date strings: other strings fail as "not a date", other
/// types are left to `type`, as JSON Schema keywords do.
struct DateKeyword {
    accepts: Box<dyn Fn(Timestamp) -> bool + Send + Sync>,
    failure: String,
}

impl<'i> Keyword<'i> for DateKeyword {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else if instance.as_str().and_then(parse_instant).is_none() {
            Err(ValidationError::custom("is not a date"))
        } else {
            Err(ValidationError::custom(self.failure.clone()))
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        let Some(text) = instance.as_str() else {
            return true;
        };
        parse_instant(text).is_some_and(|t| (self.accepts)(t))
    }
}

/// What a schema error says, in terms of the schema alone: never the
/// instance, whose values can be secrets. Record checks and the export kinds'
/// record schemas both describe failures with it.
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

    fn as_of() -> Timestamp {
        "2026-05-20T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn max_age_days() {
        let v = compile(&json!({"maxAgeDays": 90}), as_of()).unwrap();
        assert!(v.is_valid(&json!("2026-03-01T10:00:00+00:00")));
        assert!(v.is_valid(&json!("2026-02-19")));
        assert!(!v.is_valid(&json!("2026-02-18T23:59:59Z")));
        assert!(!v.is_valid(&json!("N/A")));
        assert!(v.is_valid(&json!(null)), "other types are left to `type`");
        let na = json!("N/A");
        let err = v.iter_errors(&na).next().unwrap();
        assert_eq!(err.to_string(), "is not a date");
    }

    #[test]
    fn since_period_start() {
        let v = compile(&json!({"sincePeriodStart": "quarter"}), as_of()).unwrap();
        assert!(v.is_valid(&json!("2026-04-01")));
        assert!(!v.is_valid(&json!("2026-03-31T23:00:00Z")));
        let y = compile(&json!({"sincePeriodStart": "year"}), as_of()).unwrap();
        assert!(y.is_valid(&json!("2026-01-01")));
        assert!(compile(&json!({"sincePeriodStart": "week"}), as_of()).is_err());
        assert!(compile(&json!({"maxAgeDays": "ninety"}), as_of()).is_err());
    }

    #[test]
    fn remote_refs_are_not_fetched_and_patterns_are_linear() {
        let remote = compile(&json!({"$ref": "https://example.com/schema.json"}), as_of());
        assert!(remote.is_err());
        let v = compile(&json!({"pattern": "^(a+)+$"}), as_of()).unwrap();
        assert!(!v.is_valid(&json!(format!("{}b", "a".repeat(5000)))));
    }

    fn first_error(schema: Value, value: Value) -> String {
        let v = compile(&schema, Timestamp::UNIX_EPOCH).unwrap();
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
