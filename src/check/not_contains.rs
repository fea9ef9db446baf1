//! `not-contains`: no selected file matches the check's pattern; each match
//! is a finding.

use super::content::{LineCounter, binary_excerpt};
use super::kind::{Judge, Kind};
use super::{FileContents, Outcome};
use crate::model::{Assertion, AssertionDoc, AssertionSpec, Check, PatternUse};
use crate::outcome::Finding;
use crate::redact;

pub static KIND: Kind = Kind {
    spec: AssertionSpec {
        name: "not-contains",
        doc: AssertionDoc {
            what: "That no file the check selects matches its `pattern`, a Rust regex \
                   matched on the file's bytes, binary files included.",
            why: "Secrets, debug switches and forbidden calls do harm wherever they are \
                  committed; each occurrence is one to remove.",
            example: "assert = \"not-contains\"\nfiles = [\"**\"]\n\
                      pattern = '\\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b'",
            evidence: "Every selected file is examined; one finding per match, with line, \
                       column and the match redacted unless the check sets `show_match`. \
                       The pattern also masks matches wherever reports quote input.",
        },
        pattern: PatternUse::Forbidden,
        default_files: &[],
        default_excludes: &[],
    },
    judge: Judge::Contents(judge),
};

/// One finding per match, the first `cap` of them kept; past the cap
/// matches are only counted: a file of a million keys costs a count, not a
/// million findings. `matched`, known from a pass of every pattern at once,
/// spares the scan when the pattern does not occur.
fn judge(
    check: &Check,
    assertion: &Assertion,
    file: &FileContents<'_>,
    matched: Option<bool>,
    cap: usize,
) -> Outcome {
    let Some(re) = assertion.pattern() else {
        return Outcome::error(file.path, "`not-contains` has no pattern");
    };
    if matched == Some(false) {
        return Outcome::file(Vec::new());
    }
    let mut lines = LineCounter::new(file.bytes);
    let mut matches = re.find_iter(file.bytes);
    let kept: Vec<Finding> = matches
        .by_ref()
        .take(cap)
        .map(|m| {
            let (line, column) = lines.locate(m.start());
            let text = String::from_utf8_lossy(m.as_bytes());
            let excerpt = if file.is_binary() {
                binary_excerpt(&text)
            } else if check.show_match {
                redact::excerpt(&text)
            } else {
                redact::redact(&text)
            };
            Finding {
                path: Some(file.path.to_owned()),
                line: Some(line),
                column: Some(column),
                message: check.message.clone(),
                excerpt: Some(excerpt),
                // The matched bytes' hash, folded into the fingerprint later.
                fingerprint: Some(crate::fingerprint::content(m.as_bytes())),
                ..Finding::default()
            }
        })
        .collect();
    Outcome::file_capped(kept, matches.count())
}
