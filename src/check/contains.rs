//! `contains`: every selected file matches the check's pattern.

use super::kind::{Judge, Kind};
use super::{FileContents, Outcome};
use crate::model::{Assertion, AssertionDoc, AssertionSpec, Check, PatternUse};
use crate::outcome::Finding;

pub static KIND: Kind = Kind {
    spec: AssertionSpec {
        name: "contains",
        doc: AssertionDoc {
            what: "That every file the check selects matches its `pattern`, a Rust regex \
                   matched on the file's bytes (`^` and `$` at line boundaries).",
            why: "A required setting is only in force where it is written: a licence \
                  header, a `permissions:` block in every workflow, a security contact.",
            example: "assert = \"contains\"\nfiles = [\".github/workflows/*.yml\"]\n\
                      pattern = '^permissions:'",
            evidence: "Every selected file is examined; one finding per file without a \
                       match. With no file selected the check is not applicable.",
        },
        pattern: PatternUse::Required,
        default_files: &[],
        default_excludes: &[],
    },
    judge: Judge::Contents(judge),
};

/// One finding when the file lacks the pattern; `matched`, known from a
/// pass of every pattern at once, spares the scan when the pattern occurs.
fn judge(
    check: &Check,
    assertion: &Assertion,
    file: &FileContents<'_>,
    matched: Option<bool>,
    _cap: usize,
) -> Outcome {
    let Some(re) = assertion.pattern() else {
        return Outcome::error(file.path, "`contains` has no pattern");
    };
    if matched == Some(true) || re.is_match(file.bytes) {
        return Outcome::file(Vec::new());
    }
    Outcome::file(vec![Finding {
        path: Some(file.path.to_owned()),
        line: None,
        column: None,
        message: format!("{}: pattern not found", check.message),
        excerpt: None,
        ..Finding::default()
    }])
}
