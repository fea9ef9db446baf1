//! `contains` / `not-contains`: a regex over a file's bytes.
//!
//! Matching runs on bytes, so files that are not valid UTF-8, and binary
//! files, are still searched; excerpts are decoded lossily, and redacted
//! unless the check opts into showing them. A match in a binary file is
//! never shown as is: its excerpt says `binary file matches`, followed by
//! the redacted match with control bytes replaced, whatever the check says.

use super::FileContents;
use crate::model::Check;
use crate::outcome::Finding;
use crate::redact;
use regex::bytes::Regex;

/// One finding when the file lacks the pattern.
pub fn contains(check: &Check, re: &Regex, file: &FileContents<'_>) -> Vec<Finding> {
    if re.is_match(file.bytes) {
        return Vec::new();
    }
    vec![Finding {
        path: Some(file.path.to_owned()),
        line: None,
        column: None,
        message: format!("{}: pattern not found", check.message),
        excerpt: None,
        ..Finding::default()
    }]
}

/// One finding per match, the first `cap` of them kept; returns them and
/// how many more matched. Past the cap matches are only counted: a file of a
/// million keys costs a count, not a million findings.
pub fn not_contains(
    check: &Check,
    re: &Regex,
    file: &FileContents<'_>,
    cap: usize,
) -> (Vec<Finding>, usize) {
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
    (kept, matches.count())
}

/// A match in a binary file: said to be one, then redacted, with bytes
/// that would garble a terminal or a report shown as `.`.
fn binary_excerpt(text: &str) -> String {
    let printable: String = text
        .chars()
        .map(|c| {
            if c.is_control() || c == char::REPLACEMENT_CHARACTER {
                '.'
            } else {
                c
            }
        })
        .collect();
    format!("binary file matches: {}", redact::redact(&printable))
}

/// Turns increasing byte offsets into 1-based line and byte column, scanning
/// the text once however many matches it has.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    line_start: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn locate(&mut self, offset: usize) -> (u32, u32) {
        let upto = offset.min(self.bytes.len());
        if upto >= self.pos {
            let chunk = self.bytes.get(self.pos..upto).unwrap_or_default();
            for (i, &b) in chunk.iter().enumerate() {
                if b == b'\n' {
                    self.line = self.line.saturating_add(1);
                    self.line_start = self.pos + i + 1;
                }
            }
            self.pos = upto;
        }
        let column = u32::try_from(upto - self.line_start + 1).unwrap_or(u32::MAX);
        (self.line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::{LineCounter, binary_excerpt};

    #[test]
    fn binary_excerpts_are_redacted_and_printable() {
        assert_eq!(
            binary_excerpt("AKIA\u{0}BCDEFGHIJ\u{fffd}"),
            "binary file matches: AKIA***********"
        );
    }

    #[test]
    fn locates_lines_and_columns() {
        let text = b"ab\ncd\n\nxyz";
        let mut lines = LineCounter::new(text);
        assert_eq!(lines.locate(0), (1, 1));
        assert_eq!(lines.locate(4), (2, 2));
        assert_eq!(lines.locate(8), (4, 2));
    }
}
