//! `exists`: at least one selected file exists; judged from the list of
//! selected paths alone.

use super::kind::{Judge, Kind, PathVerdict, Selected};
use crate::model::{AssertionDoc, AssertionSpec, Check, PatternUse};
use crate::outcome::{EvalError, Finding};

pub static KIND: Kind = Kind {
    spec: AssertionSpec {
        name: "exists",
        doc: AssertionDoc {
            what: "That at least one file matches the check's `files` globs (less its \
                   `exclude` globs). Contents are never read.",
            why: "Some files are controls in themselves: a security policy, a CODEOWNERS \
                  file, a dependency update configuration. Their absence is the finding.",
            example: "assert = \"exists\"\nfiles = [\"SECURITY.md\", \".github/SECURITY.md\"]",
            evidence: "The paths selected, as the population examined; one finding naming \
                       the globs when none matched. An incomplete listing with nothing \
                       selected is an error, not a failure.",
        },
        pattern: PatternUse::None,
        default_files: &[],
        default_excludes: &[],
    },
    judge: Judge::Paths(judge),
};

/// One finding when no file is selected.
fn judge(check: &Check, selected: &Selected<'_>) -> PathVerdict {
    if !selected.paths.is_empty() {
        return Ok((Vec::new(), 0));
    }
    // Without a complete listing, a missing file may only be unreadable.
    if !selected.complete {
        return Err(EvalError {
            path: None,
            message: "no selected file found, but the listing was incomplete".to_owned(),
        });
    }
    let finding = Finding {
        path: None,
        line: None,
        column: None,
        message: format!(
            "{}: no file matches {}",
            check.message,
            selected
                .patterns
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        excerpt: None,
        ..Finding::default()
    };
    Ok((vec![finding], 0))
}
