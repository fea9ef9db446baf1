//! Diagnostics for definition files: every one names its file and points at a span.

use miette::{Diagnostic, NamedSource, SourceSpan};
use std::sync::Arc;
use thiserror::Error;

/// Source text of a definition file, shared by all diagnostics about it.
pub type Src = NamedSource<Excerpt>;

/// A definition file's text as diagnostics quote it: secrets masked, and only
/// a bounded window of it around the marked span, however long its lines
/// are. The repository wrote the file; a diagnostic must not become a way
/// to print it.
#[derive(Debug, Clone)]
pub struct Excerpt {
    original: Arc<str>,
    /// Masked on first use: most files load without any diagnostic.
    masked: Arc<std::sync::OnceLock<Arc<str>>>,
}

/// Bytes of context a diagnostic shows on each side of its span.
const WINDOW: usize = 240;

impl Excerpt {
    pub fn new(text: &Arc<str>) -> Self {
        Self {
            original: Arc::clone(text),
            masked: Arc::new(std::sync::OnceLock::new()),
        }
    }

    fn text(&self) -> &str {
        self.masked.get_or_init(|| Self::mask(&self.original))
    }

    fn mask(text: &Arc<str>) -> Arc<str> {
        let secrets = crate::redact::Secrets::known();
        if text.chars().any(is_quoted_control) || secrets.finds(text.as_bytes()) {
            // Masked byte for byte, so every span still points at the same bytes.
            return Arc::from(mask_in_place(text, secrets));
        }
        Arc::clone(text)
    }
}

/// `text` with every secret match replaced by `*`s of the same byte length.
fn mask_in_place(text: &str, secrets: &crate::redact::Secrets) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for range in secrets.ranges(text.as_bytes()) {
        // The first four characters stay readable, as in findings.
        let keep = text
            .get(range.clone())
            .map_or(0, |m| m.chars().take(4).map(char::len_utf8).sum::<usize>());
        for b in bytes.iter_mut().take(range.end).skip(range.start + keep) {
            *b = b'*';
        }
    }
    // Replacing whole characters' bytes with `*` keeps it UTF-8 where matches
    // are ASCII; anything else is decoded lossily (same offsets for ASCII).
    let masked = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    // Control characters (an escape sequence in a quoted line would drive
    // the terminal) become `?`, one per byte, so spans keep their place.
    if !masked.chars().any(is_quoted_control) {
        return masked;
    }
    masked
        .chars()
        .map(|c| {
            if is_quoted_control(c) {
                "?".repeat(c.len_utf8())
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A control character a quoted line must not carry to the terminal; line
/// breaks and tabs (CRLF files included) lay the excerpt out.
fn is_quoted_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\t' | '\r')
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text: &'a str = self.text();
        let full = text.read_span(span, context_lines_before, context_lines_after)?;
        let (start, len) = (full.span().offset(), full.span().len());
        if len <= 4 * WINDOW {
            return Ok(full);
        }
        let floor = |mut at: usize| {
            while at > 0 && !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let lo = floor(span.offset().saturating_sub(WINDOW).max(start));
        let hi = floor((span.offset() + span.len().min(WINDOW) + WINDOW).min(start + len));
        let before = text.get(start..lo).unwrap_or_default();
        let newlines = memchr::memchr_iter(b'\n', before.as_bytes()).count();
        let column = match before.rfind('\n') {
            Some(at) => before.get(at + 1..).unwrap_or_default().chars().count(),
            None => full.column() + before.chars().count(),
        };
        let data = text.get(lo..hi).unwrap_or_default();
        let lines = memchr::memchr_iter(b'\n', data.as_bytes()).count() + 1;
        Ok(Box::new(miette::MietteSpanContents::new(
            data.as_bytes(),
            SourceSpan::new(lo.into(), hi - lo),
            full.line() + newlines,
            column,
            lines,
        )))
    }
}

/// A problem in the definitions; loading collects all of them before failing.
#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    #[error("cannot read `{path}`: {source}")]
    #[diagnostic(
        code(assay::load::io),
        help("check that the path exists and is readable")
    )]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{message}")]
    #[diagnostic(
        code(assay::load::syntax),
        help("fix the TOML syntax at the marked place")
    )]
    Syntax {
        message: String,
        #[source_code]
        src: Src,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(
        code(assay::load::unknown_field),
        help("remove the field or fix its spelling; the message lists the fields allowed here")
    )]
    UnknownField {
        message: String,
        #[source_code]
        src: Src,
        #[label("not allowed here")]
        span: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(code(assay::load::missing_field), help("add the field to this table"))]
    MissingField {
        message: String,
        #[source_code]
        src: Src,
        #[label("in this table")]
        span: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(code(assay::load::invalid_value))]
    InvalidValue {
        message: String,
        #[source_code]
        src: Src,
        #[label("this value")]
        span: SourceSpan,
    },

    #[error("duplicate {kind} id `{id}`")]
    #[diagnostic(
        code(assay::load::duplicate_id),
        help("ids must be unique; rename one of the definitions")
    )]
    DuplicateId {
        kind: &'static str,
        id: String,
        #[source_code]
        src: Src,
        #[label("defined again here")]
        span: SourceSpan,
        #[related]
        first: Vec<FirstDefinition>,
    },

    #[error("{kind} id `{id}` is not valid")]
    #[diagnostic(code(assay::load::invalid_id), help("{rule}"))]
    InvalidId {
        kind: &'static str,
        id: String,
        rule: &'static str,
        #[source_code]
        src: Src,
        #[label("invalid id")]
        span: SourceSpan,
    },

    #[error("unknown {kind} `{id}`")]
    #[diagnostic(code(assay::load::unknown_reference))]
    UnknownReference {
        kind: &'static str,
        id: String,
        #[help]
        help: Option<String>,
        #[source_code]
        src: Src,
        #[label("no {kind} has this id")]
        span: SourceSpan,
    },

    #[error("effect `{value}` is outside 0..1")]
    #[diagnostic(
        code(assay::load::effect_out_of_range),
        help("an effect is the fraction of the risk the control removes: 0 for none, 1 for all")
    )]
    EffectOutOfRange {
        value: f64,
        #[source_code]
        src: Src,
        #[label("must be between 0 and 1")]
        span: SourceSpan,
    },

    #[error("loss range has low `{low}` above high `{high}`")]
    #[diagnostic(
        code(assay::load::loss_range_inverted),
        help("`low` and `high` bound the 90% interval of the loss per event: low <= high")
    )]
    LossRangeInverted {
        low: f64,
        high: f64,
        #[source_code]
        src: Src,
        #[label("low is greater than high")]
        span: SourceSpan,
    },

    #[error("loss range spans {ratio:.0}x from low to high")]
    #[diagnostic(
        code(assay::load::loss_range_too_wide),
        help(
            "a 90% interval wider than {max:.0}x is usually a typo (a missing or extra zero); narrow it, or split the scenario"
        )
    )]
    LossRangeTooWide {
        ratio: f64,
        max: f64,
        #[source_code]
        src: Src,
        #[label("high is too many times low")]
        span: SourceSpan,
    },

    #[error("the risk register mixes currencies: `{code}` here, `{main}` in {count} other risk(s)")]
    #[diagnostic(
        code(assay::load::mixed_currencies),
        help(
            "losses of different currencies cannot be ranked or summed: give every risk the same currency, overriding built-in risks (all `USD`) where needed"
        )
    )]
    MixedCurrencies {
        code: String,
        main: String,
        count: usize,
        #[source_code]
        src: Src,
        #[label("a different currency")]
        span: SourceSpan,
    },

    #[error("frequency `{value}` is more than {max} events a year")]
    #[diagnostic(
        code(assay::load::frequency_too_high),
        help(
            "an event expected more often than every few days is a cost of doing business, not a scenario: model its yearly total as one event (frequency 1, loss = the range of a year's total)"
        )
    )]
    FrequencyTooHigh {
        value: f64,
        max: f64,
        #[source_code]
        src: Src,
        #[label("too many events a year to simulate one by one")]
        span: SourceSpan,
    },

    #[error("unknown currency `{code}`")]
    #[diagnostic(
        code(assay::load::unknown_currency),
        help("use an ISO 4217 code such as `USD`, `EUR` or `GBP`")
    )]
    UnknownCurrency {
        code: String,
        #[source_code]
        src: Src,
        #[label("not an ISO 4217 currency code")]
        span: SourceSpan,
    },

    #[error("loss `{value}` is not an amount above 0")]
    #[diagnostic(
        code(assay::load::invalid_loss),
        help(
            "losses are amounts of money per event; the loss model is lognormal, so even `low` must be above 0"
        )
    )]
    InvalidLoss {
        value: f64,
        #[source_code]
        src: Src,
        #[label("must be a finite number > 0")]
        span: SourceSpan,
    },

    #[error("frequency `{value}` is not a number of events per year above 0")]
    #[diagnostic(
        code(assay::load::invalid_frequency),
        help(
            "frequency is how many times a year the scenario is expected, e.g. 0.1 for once a decade; a scenario that never happens is not a risk"
        )
    )]
    InvalidFrequency {
        value: f64,
        #[source_code]
        src: Src,
        #[label("must be a finite number > 0")]
        span: SourceSpan,
    },

    #[error("pattern does not compile: {message}")]
    #[diagnostic(
        code(assay::load::invalid_regex),
        help(
            "patterns use Rust regex syntax (https://docs.rs/regex); look-around and back-references are not supported"
        )
    )]
    InvalidRegex {
        message: String,
        #[source_code]
        src: Src,
        #[label("invalid regex")]
        span: SourceSpan,
    },

    #[error("glob does not compile: {message}")]
    #[diagnostic(
        code(assay::load::invalid_glob),
        help("globs use `*`, `**`, `?`, `[...]` and `{{a,b}}`")
    )]
    InvalidGlob {
        message: String,
        #[source_code]
        src: Src,
        #[label("invalid glob")]
        span: SourceSpan,
    },

    #[error("unknown assertion `{name}`")]
    #[diagnostic(
        code(assay::load::unknown_assertion),
        help("expected one of: {expected}")
    )]
    UnknownAssertion {
        name: String,
        expected: &'static str,
        #[source_code]
        src: Src,
        #[label("unknown assertion")]
        span: SourceSpan,
    },

    #[error("assertion `{assertion}` needs a `pattern`")]
    #[diagnostic(
        code(assay::load::pattern_required),
        help("add `pattern = '<regex>'` to the check")
    )]
    PatternRequired {
        assertion: String,
        #[source_code]
        src: Src,
        #[label("this assertion matches file contents")]
        span: SourceSpan,
    },

    #[error("assertion `{assertion}` takes no `pattern`")]
    #[diagnostic(
        code(assay::load::pattern_not_allowed),
        help("remove the pattern, or use `contains` / `not-contains`")
    )]
    PatternNotAllowed {
        assertion: String,
        #[source_code]
        src: Src,
        #[label("not used by this assertion")]
        span: SourceSpan,
    },

    #[error("assertion `{assertion}` needs `files`")]
    #[diagnostic(
        code(assay::load::files_required),
        help("add `files = [\"<glob>\", ...]` naming the files the check looks at")
    )]
    FilesRequired {
        assertion: String,
        #[source_code]
        src: Src,
        #[label("no files selected")]
        span: SourceSpan,
    },

    #[error("unknown source `{name}`")]
    #[diagnostic(code(assay::load::unknown_source), help("sources are: {known}"))]
    UnknownSource {
        name: String,
        known: String,
        #[source_code]
        src: Src,
        #[label("unknown source")]
        span: SourceSpan,
    },

    #[error("a check reads either repository files (`repo`) or records, not both")]
    #[diagnostic(
        code(assay::load::mixed_sources),
        help("split it into a file check and a record check")
    )]
    MixedSources {
        #[source_code]
        src: Src,
        #[label("`repo` mixed with record sources")]
        span: SourceSpan,
    },

    #[error("`{field}` is not used by {what}")]
    #[diagnostic(code(assay::load::field_not_used), help("{help}"))]
    FieldNotUsed {
        field: &'static str,
        what: &'static str,
        help: &'static str,
        #[source_code]
        src: Src,
        #[label("not used here")]
        span: SourceSpan,
    },

    #[error("a check on repository files needs `assert`")]
    #[diagnostic(
        code(assay::load::assert_required),
        help("expected one of: {expected}")
    )]
    AssertRequired {
        expected: &'static str,
        #[source_code]
        src: Src,
        #[label("this check")]
        span: SourceSpan,
    },

    #[error("a record check needs a `schema`")]
    #[diagnostic(
        code(assay::load::schema_required),
        help(
            "add `schema = {{ ... }}` (a JSON Schema as a TOML table, or JSON text) that every record must satisfy"
        )
    )]
    SchemaRequired {
        #[source_code]
        src: Src,
        #[label("this check")]
        span: SourceSpan,
    },

    #[error("invalid JSON Schema: {message}")]
    #[diagnostic(
        code(assay::load::invalid_schema),
        help(
            "write JSON Schema (draft 2020-12) as a TOML table or as JSON text; assay adds `maxAgeDays` and `sincePeriodStart`"
        )
    )]
    InvalidSchema {
        message: String,
        #[source_code]
        src: Src,
        #[label("this schema")]
        span: SourceSpan,
    },

    #[error("invalid pointer: {message}")]
    #[diagnostic(
        code(assay::load::invalid_pointer),
        help("write a JSON Pointer such as `/Users` or a dotted path such as `Users`")
    )]
    InvalidPointer {
        message: String,
        #[source_code]
        src: Src,
        #[label("invalid pointer")]
        span: SourceSpan,
    },

    #[error("invalid example: {message}")]
    #[diagnostic(
        code(assay::load::invalid_example),
        help(
            "an example has `expect` (pass, fail, not_applicable or error) and `files` or `export`"
        )
    )]
    InvalidExample {
        message: String,
        #[source_code]
        src: Src,
        #[label("in this example")]
        span: SourceSpan,
    },

    #[error(
        "built-in control `{framework}:{control}` keeps its `{field}`: an extension cannot change it"
    )]
    #[diagnostic(
        code(assay::load::field_not_mergeable),
        help(
            "a control with a built-in control's id adds `checks` and `mitigates` to it and may retitle it; to change its `function`, `overlap` or `baselines`, remove this field and give the framework `replace = true` with every control it keeps"
        )
    )]
    FieldNotMergeable {
        field: &'static str,
        framework: String,
        control: String,
        #[source_code]
        src: Src,
        #[label("cannot be merged into the built-in control")]
        span: SourceSpan,
    },

    #[error("control `{id}` differs from built-in control `{framework}:{builtin}` only in case")]
    #[diagnostic(
        code(assay::load::control_id_case),
        help(
            "write `{builtin}` to extend the built-in control, or give the new control an id no built-in control has"
        )
    )]
    ControlIdCase {
        id: String,
        builtin: String,
        framework: String,
        #[source_code]
        src: Src,
        #[label("not the built-in id")]
        span: SourceSpan,
    },

    #[error("`replace = true`, but there is no built-in framework `{id}` to replace")]
    #[diagnostic(
        code(assay::load::nothing_to_replace),
        help(
            "remove `replace`: a framework with a new id is added whole; to replace a built-in one, use its id (`assay list frameworks`)"
        )
    )]
    NothingToReplace {
        id: String,
        #[source_code]
        src: Src,
        #[label("nothing to replace")]
        span: SourceSpan,
    },

    #[error("path `{path}` leaves the project directory")]
    #[diagnostic(
        code(assay::load::path_escapes),
        help(
            "paths in assay.toml are relative to it and stay inside its directory; give outside files with --export KIND=PATH"
        )
    )]
    PathEscapes {
        path: String,
        #[source_code]
        src: Src,
        #[label("absolute, or climbs out with `..`")]
        span: SourceSpan,
    },
}

/// Where a duplicated id was first defined.
#[derive(Debug, Error, Diagnostic)]
#[error("first defined here")]
#[diagnostic(severity(Advice))]
pub struct FirstDefinition {
    #[source_code]
    pub src: Src,
    #[label("first definition")]
    pub span: SourceSpan,
}

impl LoadError {
    /// Sort key: file name, then offset, so all errors print in reading order.
    pub fn position(&self) -> (String, usize) {
        use LoadError::*;
        let located = match self {
            Io { path, .. } => return (path.clone(), 0),
            Syntax { src, span, .. }
            | UnknownField { src, span, .. }
            | MissingField { src, span, .. }
            | InvalidValue { src, span, .. }
            | DuplicateId { src, span, .. }
            | InvalidId { src, span, .. }
            | UnknownReference { src, span, .. }
            | EffectOutOfRange { src, span, .. }
            | LossRangeInverted { src, span, .. }
            | InvalidLoss { src, span, .. }
            | LossRangeTooWide { src, span, .. }
            | UnknownCurrency { src, span, .. }
            | MixedCurrencies { src, span, .. }
            | FrequencyTooHigh { src, span, .. }
            | InvalidFrequency { src, span, .. }
            | InvalidRegex { src, span, .. }
            | InvalidGlob { src, span, .. }
            | UnknownAssertion { src, span, .. }
            | PatternRequired { src, span, .. }
            | PatternNotAllowed { src, span, .. }
            | FilesRequired { src, span, .. }
            | UnknownSource { src, span, .. }
            | MixedSources { src, span, .. }
            | FieldNotUsed { src, span, .. }
            | AssertRequired { src, span, .. }
            | SchemaRequired { src, span, .. }
            | InvalidSchema { src, span, .. }
            | InvalidPointer { src, span, .. }
            | InvalidExample { src, span, .. }
            | PathEscapes { src, span, .. }
            | FieldNotMergeable { src, span, .. }
            | ControlIdCase { src, span, .. }
            | NothingToReplace { src, span, .. } => (src, span),
        };
        (located.0.name().to_owned(), located.1.offset())
    }
}

/// Every problem found while loading, in file and offset order.
#[derive(Debug, Error, Diagnostic)]
#[error("{} problem(s) in the definitions", .errors.len())]
#[diagnostic(code(assay::load::failed))]
pub struct LoadErrors {
    #[related]
    pub errors: Vec<LoadError>,
}

impl LoadErrors {
    pub fn new(mut errors: Vec<LoadError>) -> Self {
        errors.sort_by_key(|e| e.position());
        Self { errors }
    }
}
