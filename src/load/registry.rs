//! Id bookkeeping while loading: duplicates within a layer are errors. A
//! project check or risk with a built-in one's id replaces it; a project
//! framework extends the built-in one (`extend.rs`).

use super::error::{FirstDefinition, LoadError, Src};
use super::source::{Layer, SourceFile, span};
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

struct Seen {
    layer: Layer,
    src: Src,
    at: Range<usize>,
}

/// Ids of one kind seen so far.
pub struct Registry {
    kind: &'static str,
    seen: HashMap<String, Seen>,
    /// Ids a later layer defined again, replacing the earlier definition,
    /// with the file that did, in load order: `validate` names them.
    pub replaced: Vec<(String, String)>,
}

impl Registry {
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            seen: HashMap::new(),
            replaced: Vec::new(),
        }
    }

    /// Records `id`; false (with a diagnostic) when the same layer already defined it.
    pub fn admit(
        &mut self,
        id: &Spanned<String>,
        file: &SourceFile,
        errors: &mut Vec<LoadError>,
    ) -> bool {
        if let Some(first) = self.seen.get(id.get_ref())
            && first.layer == file.layer
        {
            errors.push(LoadError::DuplicateId {
                kind: self.kind,
                id: id.get_ref().clone(),
                src: file.src(),
                span: span(id.span()),
                first: vec![FirstDefinition {
                    src: first.src.clone(),
                    span: span(first.at.clone()),
                }],
            });
            return false;
        }
        if self.seen.contains_key(id.get_ref()) {
            self.replaced
                .push((id.get_ref().clone(), file.name.clone()));
        }
        self.seen.insert(
            id.get_ref().clone(),
            Seen {
                layer: file.layer,
                src: file.src(),
                at: id.span(),
            },
        );
        true
    }
}

/// "did you mean" for a misspelt id, when one known id is close enough.
pub fn suggest<'a>(id: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    known
        .map(|k| (strsim::normalized_damerau_levenshtein(id, k), k))
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, k)| format!("did you mean `{k}`?"))
}
