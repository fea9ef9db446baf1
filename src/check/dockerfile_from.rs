//! `dockerfile.from-pinned`: every `FROM` image of each Dockerfile is pinned.

use super::docker::{self, DOCKERFILE_EXCLUDES, DOCKERFILE_GLOBS};
use super::kind::{Judge, Kind};
use super::{FileContents, Outcome};
use crate::dockerfile::Base;
use crate::model::{Assertion, AssertionDoc, AssertionSpec, Check, PatternUse};

pub static KIND: Kind = Kind {
    spec: AssertionSpec {
        name: "dockerfile.from-pinned",
        doc: AssertionDoc {
            what: "That every `FROM` image of each selected Dockerfile has a tag other than \
                   `latest`, or a digest. Earlier stages and `scratch` are not images; \
                   global `ARG` defaults are substituted.",
            why: "A mutable tag builds whatever was pushed last: builds stop being \
                  reproducible, and a compromised upstream image arrives unreviewed.",
            example: "assert = \"dockerfile.from-pinned\"\n\
                      # files default to Dockerfile, Dockerfile.*, *.Dockerfile, \
                      *.dockerfile, Containerfile, Containerfile.*",
            evidence: "Every selected Dockerfile is examined; one finding per unpinned \
                       `FROM`, at its line. A file without `FROM` is an error.",
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
    let findings = stages
        .iter()
        .filter_map(|stage| {
            let Base::Image(image) = &stage.base else {
                return None;
            };
            let problem = if image.digest.is_some() {
                return None;
            } else if image.tag.as_deref() == Some("latest") {
                format!("`{}` uses the mutable `latest` tag", image.text)
            } else if image.tag.is_some() {
                return None;
            } else if image.unresolved {
                format!(
                    "`{}` comes from a build argument without a default; its tag cannot be verified",
                    image.text
                )
            } else {
                format!("`{}` has no tag, so it means `latest`", image.text)
            };
            Some(docker::finding(
                file,
                stage.from_line,
                format!("{}: {problem}", check.message),
            ))
        })
        .collect();
    Outcome::file(findings)
}
