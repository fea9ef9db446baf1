//! The run's as-of time: pinned by `--as-of` or `SOURCE_DATE_EPOCH`, so
//! reports are reproducible; otherwise now.

use jiff::Timestamp;
use jiff::civil::Date;

/// Why an as-of value was rejected.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum TimeError {
    #[error("`--as-of {0}` is not a date or timestamp")]
    #[diagnostic(
        code(assay::time::as_of),
        help(
            "use a date such as `2026-11-26` or an RFC 3339 timestamp such as `2026-11-26T12:00:00Z`"
        )
    )]
    AsOf(String),
    #[error("`SOURCE_DATE_EPOCH={0}` is not a number of seconds since 1970")]
    #[diagnostic(
        code(assay::time::source_date_epoch),
        help("set it to an integer such as `1764115200`, or unset it")
    )]
    SourceDateEpoch(String),
}

/// Resolves the as-of time: the flag first, then `SOURCE_DATE_EPOCH`, then the clock.
pub fn as_of(flag: Option<&str>, source_date_epoch: Option<&str>) -> Result<Timestamp, TimeError> {
    if let Some(text) = flag {
        return parse_as_of(text).ok_or_else(|| TimeError::AsOf(text.to_owned()));
    }
    if let Some(text) = source_date_epoch.filter(|t| !t.trim().is_empty()) {
        return text
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|s| Timestamp::from_second(s).ok())
            .ok_or_else(|| TimeError::SourceDateEpoch(text.to_owned()));
    }
    Ok(Timestamp::now())
}

/// A date or timestamp as RFC 3339 with a zone (a date is its midnight
/// UTC); text that is neither is returned as it is.
pub fn rfc3339(text: &str) -> String {
    parse_as_of(text).map_or_else(|| text.to_owned(), format)
}

/// A date means its midnight UTC.
fn parse_as_of(text: &str) -> Option<Timestamp> {
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let date: Date = text.parse().ok()?;
    jiff::tz::TimeZone::UTC
        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .ok()
}

/// Seconds precision, `Z` suffix: the one format every report uses.
pub fn format(ts: Timestamp) -> String {
    ts.round(jiff::Unit::Second)
        .unwrap_or(ts)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_and_dates_mean_midnight() {
        let ts = as_of(Some("2026-11-26"), Some("0")).unwrap();
        assert_eq!(format(ts), "2026-11-26T00:00:00Z");
        let ts = as_of(Some("2026-11-26T12:30:00+01:00"), None).unwrap();
        assert_eq!(format(ts), "2026-11-26T11:30:00Z");
    }

    #[test]
    fn source_date_epoch() {
        assert_eq!(
            format(as_of(None, Some("86400")).unwrap()),
            "1970-01-02T00:00:00Z"
        );
        assert!(matches!(
            as_of(None, Some("yesterday")),
            Err(TimeError::SourceDateEpoch(_))
        ));
        assert!(matches!(as_of(Some("soon"), None), Err(TimeError::AsOf(_))));
    }
}
