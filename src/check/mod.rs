//! Check kinds: how one assertion judges what it selects.
//!
//! One file per assertion kind, listed in [`kinds`]: its spec (name,
//! documentation, pattern, default files) and how it is judged. The engine
//! reads each file once and hands its bytes to every check that selects it
//! ([`Judge::Contents`]); assertions about existence only need the list of
//! selected paths ([`Judge::Paths`]); record checks judge records parsed from
//! repository documents or streamed from exports ([`Judge::Records`]).

mod absent;
mod contains;
mod content;
mod docker;
mod dockerfile_from;
mod dockerfile_user;
mod exists;
pub mod imported;
mod kind;
pub mod kinds;
mod not_contains;
mod record;

pub use kind::{Judge, Kind, Selected};
pub use record::{CompiledRecordCheck, Location};

use crate::dockerfile::{self, Stage};
use crate::outcome::{EvalError, Finding};
use std::cell::OnceCell;

/// What one check concluded about one input (a file, or an export file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Examined: `items` files or records judged, `failing` of them with
    /// findings; `findings` holds at most the run's `--max-findings`, and
    /// `omitted` counts the findings beyond them, found but not kept.
    Examined {
        findings: Vec<Finding>,
        omitted: usize,
        items: usize,
        failing: usize,
    },
    /// The input could not be evaluated.
    Error(EvalError),
}

impl Outcome {
    /// One file judged, failing when it has findings.
    pub fn file(findings: Vec<Finding>) -> Self {
        Self::file_capped(findings, 0)
    }

    /// One file judged, with `omitted` findings beyond those kept.
    pub fn file_capped(findings: Vec<Finding>, omitted: usize) -> Self {
        let failing = usize::from(!findings.is_empty() || omitted > 0);
        Outcome::Examined {
            findings,
            omitted,
            items: 1,
            failing,
        }
    }

    pub fn error(path: &str, message: impl Into<String>) -> Self {
        Outcome::Error(EvalError {
            path: Some(path.to_owned()).filter(|p| !p.is_empty()),
            message: message.into(),
        })
    }
}

/// A file's bytes and what is derived from them, computed at most once
/// however many checks look at the file.
pub struct FileContents<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
    binary: OnceCell<bool>,
    stages: OnceCell<Vec<Stage>>,
}

/// Git's heuristic: a NUL byte in the first 8000 bytes means binary.
const BINARY_SNIFF: usize = 8000;

impl<'a> FileContents<'a> {
    pub fn new(path: &'a str, bytes: &'a [u8]) -> Self {
        Self {
            path,
            bytes,
            binary: OnceCell::new(),
            stages: OnceCell::new(),
        }
    }

    /// Whether the file looks binary. It is judged all the same (a secret
    /// in a binary is still a secret); this only decides how a match is
    /// shown, so that no raw bytes reach a report.
    pub fn is_binary(&self) -> bool {
        *self.binary.get_or_init(|| {
            let head = self.bytes.get(..BINARY_SNIFF).unwrap_or(self.bytes);
            memchr::memchr(0, head).is_some()
        })
    }

    /// The file's build stages, parsed once.
    pub fn stages(&self) -> &[Stage] {
        self.stages.get_or_init(|| {
            let text = String::from_utf8_lossy(self.bytes);
            dockerfile::stages(&dockerfile::parse(&text))
        })
    }
}
