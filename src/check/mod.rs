//! Check kinds: how one assertion judges the files it selects.
//!
//! The engine reads each file once and hands its bytes to every check that
//! selects it ([`evaluate_file`]); assertions about existence only need the
//! list of selected paths ([`presence`]).

mod content;
mod docker;
pub mod presence;

use crate::dockerfile::{self, Stage};
use crate::model::{Assertion, Check};
use crate::outcome::Finding;
use std::cell::OnceCell;

/// What one check concluded about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// The file was examined; empty findings means it passed.
    Examined(Vec<Finding>),
    /// Binary files are not text and are skipped by content assertions.
    Binary,
    /// The file could not be evaluated.
    Error(String),
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

    pub fn is_binary(&self) -> bool {
        *self
            .binary
            .get_or_init(|| self.bytes.iter().take(BINARY_SNIFF).any(|&b| b == 0))
    }

    /// The file's build stages, parsed once.
    pub fn stages(&self) -> &[Stage] {
        self.stages.get_or_init(|| {
            let text = String::from_utf8_lossy(self.bytes);
            dockerfile::stages(&dockerfile::parse(&text))
        })
    }
}

/// Evaluates a content-reading check against one file.
pub fn evaluate_file(check: &Check, file: &FileContents<'_>) -> FileOutcome {
    if file.is_binary() {
        return FileOutcome::Binary;
    }
    match &check.assertion {
        Assertion::Contains(re) => FileOutcome::Examined(content::contains(check, re, file)),
        Assertion::NotContains(re) => FileOutcome::Examined(content::not_contains(check, re, file)),
        Assertion::Dockerfile(assertion) => docker::evaluate(check, *assertion, file),
        Assertion::Exists | Assertion::Absent => FileOutcome::Examined(Vec::new()),
    }
}
