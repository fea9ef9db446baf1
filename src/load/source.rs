//! Definition files as loaded: their name, text and layer, and TOML parsing
//! that turns serde errors into located diagnostics.

use super::error::{LoadError, Src};
use miette::{NamedSource, SourceSpan};
use serde::de::DeserializeOwned;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// Built-in definitions are overridden (frameworks: extended) by the project's, never the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Builtin,
    Project,
}

/// One definition file's text and where it came from.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
    pub layer: Layer,
    /// Offsets of the line breaks, found once: a catalog of hundreds of
    /// controls asks for a line per definition.
    newlines: OnceLock<Vec<usize>>,
    /// The text as diagnostics quote it, masked once however many there are.
    excerpt: OnceLock<super::error::Excerpt>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>, layer: Layer) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
            layer,
            newlines: OnceLock::new(),
            excerpt: OnceLock::new(),
        }
    }

    /// The text as a miette source, cheap to clone.
    pub fn src(&self) -> Src {
        let excerpt = self
            .excerpt
            .get_or_init(|| super::error::Excerpt::new(&self.text));
        NamedSource::new(&self.name, excerpt.clone()).with_language("toml")
    }

    /// 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let newlines = self
            .newlines
            .get_or_init(|| memchr::memchr_iter(b'\n', self.text.as_bytes()).collect());
        newlines.partition_point(|&n| n < offset) + 1
    }

    /// Parses the whole file, classifying serde's error into a diagnostic.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, LoadError> {
        toml::from_str(&self.text).map_err(|e| self.toml_error(&e))
    }

    fn toml_error(&self, e: &toml::de::Error) -> LoadError {
        let message = e.message().trim().to_owned();
        let span = span(e.span().unwrap_or(0..0));
        let src = self.src();
        if message.starts_with("unknown field") {
            LoadError::UnknownField { message, src, span }
        } else if message.starts_with("missing field") {
            LoadError::MissingField { message, src, span }
        } else if message.starts_with("invalid type") || message.starts_with("unknown variant") {
            LoadError::InvalidValue { message, src, span }
        } else {
            LoadError::Syntax { message, src, span }
        }
    }
}

pub fn span(range: Range<usize>) -> SourceSpan {
    SourceSpan::from(range)
}
