//! Dockerfile assertions over parsed build stages.

use super::{FileContents, Outcome};
use crate::dockerfile::{Base, final_user};
use crate::model::{Check, DockerAssertion};
use crate::outcome::Finding;

pub fn evaluate(check: &Check, assertion: DockerAssertion, file: &FileContents<'_>) -> Outcome {
    let stages = file.stages();
    if stages.is_empty() {
        return Outcome::error(
            file.path,
            "no `FROM` instruction: not a Dockerfile this check can evaluate",
        );
    }
    let finding = |line: u32, message: String| Finding {
        path: Some(file.path.to_owned()),
        line: Some(line),
        column: None,
        message,
        excerpt: None,
        ..Finding::default()
    };
    let findings = match assertion {
        DockerAssertion::FinalUserNotRoot => {
            let last_from = stages.last().map_or(1, |s| s.from_line);
            match final_user(stages) {
                None => vec![finding(
                    last_from,
                    format!("{}: the final stage sets no `USER`, so it runs as root", check.message),
                )],
                Some(user) if user.is_root() => vec![finding(
                    user.line,
                    format!("{}: the final stage runs as `{}`", check.message, user.user),
                )],
                Some(_) => Vec::new(),
            }
        }
        DockerAssertion::FromPinned => stages
            .iter()
            .filter_map(|stage| {
                let Base::Image(image) = &stage.base else { return None };
                let problem = if image.digest.is_some() {
                    return None;
                } else if image.tag.as_deref() == Some("latest") {
                    format!("`{}` uses the mutable `latest` tag", image.text)
                } else if image.tag.is_some() {
                    return None;
                } else if image.unresolved {
                    format!("`{}` comes from a build argument without a default; its tag cannot be verified", image.text)
                } else {
                    format!("`{}` has no tag, so it means `latest`", image.text)
                };
                Some(finding(stage.from_line, format!("{}: {problem}", check.message)))
            })
            .collect(),
    };
    Outcome::file(findings)
}
