//! `exists` / `absent`: judged from the list of selected paths alone.

use crate::model::{Check, FileSelector};
use crate::outcome::Finding;

/// `exists`: one finding when no file is selected.
pub fn exists(check: &Check, files: &FileSelector, selected: &[&str]) -> Vec<Finding> {
    if !selected.is_empty() {
        return Vec::new();
    }
    vec![Finding {
        path: None,
        line: None,
        column: None,
        message: format!(
            "{}: no file matches {}",
            check.message,
            files
                .patterns
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        excerpt: None,
        ..Finding::default()
    }]
}

/// `absent`: one finding per selected file, the first `cap` kept; returns
/// them and how many more files there were.
pub fn absent(check: &Check, selected: &[&str], cap: usize) -> (Vec<Finding>, usize) {
    let kept = selected
        .iter()
        .take(cap)
        .map(|path| Finding {
            path: Some((*path).to_owned()),
            line: None,
            column: None,
            message: format!("{}: this file must not exist", check.message),
            excerpt: None,
            ..Finding::default()
        })
        .collect();
    (kept, selected.len().saturating_sub(cap))
}
