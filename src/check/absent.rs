//! `absent`: no selected file exists; judged from the list of selected
//! paths alone.

use super::kind::{Judge, Kind, PathVerdict, Selected};
use crate::model::{AssertionDoc, AssertionSpec, Check, PatternUse};
use crate::outcome::Finding;

pub static KIND: Kind = Kind {
    spec: AssertionSpec {
        name: "absent",
        doc: AssertionDoc {
            what: "That no file matches the check's `files` globs (less its `exclude` \
                   globs). Contents are never read.",
            why: "Some files should never be committed: private keys, credential files, \
                  local environment files. Their presence is the finding.",
            example: "assert = \"absent\"\nfiles = [\"**/*.pem\", \"**/id_rsa\"]",
            evidence: "The paths selected, as the population examined; one finding per \
                       selected file.",
        },
        pattern: PatternUse::None,
        default_files: &[],
        default_excludes: &[],
    },
    judge: Judge::Paths(judge),
};

/// One finding per selected file, the first `cap` kept; returns them and
/// how many more files there were.
fn judge(check: &Check, selected: &Selected<'_>) -> PathVerdict {
    let kept = selected
        .paths
        .iter()
        .take(selected.cap)
        .map(|path| Finding {
            path: Some((*path).to_owned()),
            line: None,
            column: None,
            message: format!("{}: this file must not exist", check.message),
            excerpt: None,
            ..Finding::default()
        })
        .collect();
    Ok((kept, selected.paths.len().saturating_sub(selected.cap)))
}
