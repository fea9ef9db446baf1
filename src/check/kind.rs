//! What an assertion kind is: its spec and the way it is judged. Each kind's
//! file declares one; [`super::kinds`] lists them.

use super::{FileContents, Outcome};
use crate::model::{Assertion, AssertionSpec, Check};
use crate::outcome::{EvalError, Finding};

/// An assertion kind: what definitions and reports know of it, and how it is judged.
#[derive(Debug)]
pub struct Kind {
    pub spec: AssertionSpec,
    pub judge: Judge,
}

/// How a kind is judged, which decides what the engine reads for it.
#[derive(Debug, Clone, Copy)]
pub enum Judge {
    /// From the list of selected paths alone: no file is opened for it.
    Paths(fn(&Check, &Selected<'_>) -> PathVerdict),
    /// From each selected file's bytes, read once for every check; the
    /// `Option<bool>` says whether the pattern occurs, when a pass of every
    /// pattern at once already knows, and the `usize` caps the findings kept.
    Contents(fn(&Check, &Assertion, &FileContents<'_>, Option<bool>, usize) -> Outcome),
    /// Record by record, from the populations a record check's sources give.
    Records,
    /// From imported results: another scanner's verdicts on its rules.
    Imports,
}

impl Judge {
    /// Whether the kind judges repository files (a file check's `assert`).
    pub fn judges_files(self) -> bool {
        matches!(self, Judge::Paths(_) | Judge::Contents(_))
    }

    /// Whether judging needs inputs' contents, not only their paths; a
    /// check of such a kind with nothing to read is not applicable.
    pub fn reads_contents(self) -> bool {
        !matches!(self, Judge::Paths(_))
    }
}

/// A path assertion's findings (the first `cap`) and how many more there
/// were, or why it could not be judged.
pub type PathVerdict = Result<(Vec<Finding>, usize), EvalError>;

/// What a path assertion is judged on.
pub struct Selected<'a> {
    /// The check's globs as written, for messages.
    pub patterns: &'a [String],
    /// The selected paths, in walk order.
    pub paths: &'a [&'a str],
    /// Whether the listing was complete and every selected entry usable:
    /// otherwise a file that seems missing may only be unreadable.
    pub complete: bool,
    /// Findings kept; the others are counted.
    pub cap: usize,
}
