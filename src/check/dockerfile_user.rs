//! `dockerfile.final-user-not-root`: the final stage of each Dockerfile runs
//! as a user other than root.

use super::docker::{self, DOCKERFILE_EXCLUDES, DOCKERFILE_GLOBS};
use super::kind::{Judge, Kind};
use super::{FileContents, Outcome};
use crate::dockerfile::final_user;
use crate::model::{Assertion, AssertionDoc, AssertionSpec, Check, PatternUse};

pub static KIND: Kind = Kind {
    spec: AssertionSpec {
        name: "dockerfile.final-user-not-root",
        doc: AssertionDoc {
            what: "That the final stage of each selected Dockerfile sets an effective \
                   `USER` other than `root` or `0`. Stages built `FROM` an earlier stage \
                   inherit its `USER`; `ARG` and `ENV` values are substituted.",
            why: "A container that runs as root turns an escape from the application \
                  into root on the node's container runtime.",
            example: "assert = \"dockerfile.final-user-not-root\"\n\
                      # files default to Dockerfile, Dockerfile.*, *.Dockerfile, \
                      *.dockerfile, Containerfile, Containerfile.*",
            evidence: "Every selected Dockerfile is examined; one finding per Dockerfile, at \
                       the final `FROM` when no `USER` is set, or at the `USER` that names \
                       root. A file without `FROM` is an error.",
        },
        pattern: PatternUse::None,
        default_files: DOCKERFILE_GLOBS,
        default_excludes: DOCKERFILE_EXCLUDES,
    },
    judge: Judge::Contents(judge),
};

fn judge(
    check: &Check,
    _: &Assertion,
    file: &FileContents<'_>,
    _: Option<bool>,
    _: usize,
) -> Outcome {
    let stages = match docker::stages(file) {
        Ok(stages) => stages,
        Err(outcome) => return outcome,
    };
    let last_from = stages.last().map_or(1, |s| s.from_line);
    let findings = match final_user(stages) {
        None => vec![docker::finding(
            file,
            last_from,
            format!(
                "{}: the final stage sets no `USER`, so it runs as root",
                check.message
            ),
        )],
        Some(user) if user.is_root() => vec![docker::finding(
            file,
            user.line,
            format!("{}: the final stage runs as `{}`", check.message, user.user),
        )],
        Some(_) => Vec::new(),
    };
    Outcome::file(findings)
}
