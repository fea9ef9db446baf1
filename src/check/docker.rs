//! What the Dockerfile assertions share: the files they select by default,
//! and the parsed stages a file must have to be judged.

use super::{FileContents, Outcome};
use crate::dockerfile::Stage;
use crate::outcome::Finding;

/// Files a Dockerfile assertion looks at when the check names none.
pub const DOCKERFILE_GLOBS: &[&str] = &[
    "**/Dockerfile",
    "**/Dockerfile.*",
    "**/*.Dockerfile",
    "**/*.dockerfile",
    "**/Containerfile",
    "**/Containerfile.*",
];

/// Per-Dockerfile ignore files (`Dockerfile.dockerignore`) match the globs above but are not Dockerfiles.
pub const DOCKERFILE_EXCLUDES: &[&str] = &["**/*.dockerignore"];

/// The file's build stages, or the error outcome of a file without any.
pub fn stages<'f>(file: &'f FileContents<'_>) -> Result<&'f [Stage], Outcome> {
    let stages = file.stages();
    if stages.is_empty() {
        return Err(Outcome::error(
            file.path,
            "no `FROM` instruction: not a Dockerfile this check can evaluate",
        ));
    }
    Ok(stages)
}

/// A finding at a line of the Dockerfile.
pub fn finding(file: &FileContents<'_>, line: u32, message: String) -> Finding {
    Finding {
        path: Some(file.path.to_owned()),
        line: Some(line),
        column: None,
        message,
        excerpt: None,
        ..Finding::default()
    }
}
