//! What `contains` and `not-contains` share: a regex over a file's bytes.
//!
//! Matching runs on bytes, so files that are not valid UTF-8, and binary
//! files, are still searched; excerpts are decoded lossily, and redacted
//! unless the check opts into showing them. A match in a binary file is
//! never shown as is: its excerpt says `binary file matches`, followed by
//! the redacted match with control bytes replaced, whatever the check says.

use crate::redact;

/// A match in a binary file: said to be one, then redacted, with bytes
/// that would garble a terminal or a report shown as `.`.
pub(super) fn binary_excerpt(text: &str) -> String {
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
pub(super) struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    line_start: usize,
}

impl<'a> LineCounter<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    pub(super) fn locate(&mut self, offset: usize) -> (u32, u32) {
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
