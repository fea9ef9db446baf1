//! Imports: other scanners' results read as evidence. Each format (one file
//! each) reads its files into [`ToolRun`]s: which tool ran, which rules it
//! says it ran, whether the run succeeded and when, and every result, with
//! its location normalised against the repository root. `imported` checks
//! judge those runs ([`crate::check`]'s `imported` kind).
//!
//! Everything in an imported file is untrusted: a location outside the
//! repository root is an error, never a finding elsewhere; messages are
//! bounded and scrubbed of secrets; code snippets are never read.

mod checkov;
mod sarif;

use crate::model::ImportFormat;
use std::collections::BTreeSet;
use std::path::Path;

/// The longest message kept of a result, in characters.
pub const MESSAGE_LIMIT: usize = 500;

/// One run of one tool, as an imported file records it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ToolRun {
    /// The tool's name as it gives it (SARIF `tool.driver.name`).
    pub tool: String,
    pub version: Option<String>,
    /// Rules the tool says it ran: declared in the log, or with a result.
    pub rules: BTreeSet<String>,
    /// Whether the tool says the run succeeded: `None` when it does not say.
    pub succeeded: Option<bool>,
    /// Why it failed, when it says.
    pub failure: Option<String>,
    /// When the run ended (or started), when the log says.
    pub ran_at: Option<jiff::Timestamp>,
    pub results: Vec<ToolResult>,
}

/// One result of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolResult {
    pub rule: String,
    /// Whether the result is a failure of its rule (SARIF `kind` `fail`,
    /// `open` or `review`), rather than a pass or a note.
    pub failing: bool,
    /// The tool's severity word (SARIF `level`: `none`, `note`, `warning`,
    /// `error`), one of a few: not a string per result.
    pub level: &'static str,
    pub message: String,
    /// Relative to the repository root.
    pub path: Option<String>,
    pub line: Option<u32>,
    /// A suppression the tool recorded, and its justification.
    pub suppressed: Option<Suppression>,
}

/// A suppression recorded in the tool's output (SARIF `suppressions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// `inSource` or `external`.
    pub kind: String,
    pub justification: Option<String>,
}

/// What reading an import needs beside the file.
pub struct Context<'a> {
    /// The repository root locations are normalised against.
    pub repository: &'a Path,
    /// Masks secrets in the messages kept.
    pub secrets: &'a crate::redact::Secrets,
}

/// Reads one imported file.
pub fn read(format: ImportFormat, file: &Path, cx: &Context<'_>) -> Result<Vec<ToolRun>, String> {
    match format {
        ImportFormat::Sarif => sarif::read(file, cx),
        ImportFormat::Checkov => checkov::read(file, cx),
    }
}

/// A message fit to keep: scrubbed of secrets, control characters escaped,
/// bounded.
fn clean_message(text: &str, cx: &Context<'_>) -> String {
    let scrubbed = cx.secrets.scrub(text);
    let one_line: String = scrubbed
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MESSAGE_LIMIT)
        .collect();
    if scrubbed.chars().count() > MESSAGE_LIMIT {
        format!("{one_line}…")
    } else {
        one_line
    }
}

/// The longest tool name, version, rule id or suppression kind kept.
pub const FIELD_LIMIT: usize = 200;

/// A short field a tool names (its name, version, a rule id): control
/// characters replaced, bounded, so no forged line reaches a report.
fn clean_field(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(FIELD_LIMIT)
        .collect();
    cleaned.trim().to_owned()
}

/// A location a tool reported, as a path relative to the repository root;
/// an error when it leaves the root (`..`, an absolute path elsewhere, a
/// URI of another scheme).
fn repository_path(uri: &str, repository: &Path) -> Result<String, String> {
    let shown = clean_field(uri);
    let decoded = percent_decode(uri);
    // A repository path, as the walker would name it: no control character,
    // no backslash (a Windows separator), no drive letter.
    if decoded.chars().any(|c| c.is_control() || c == '\\') {
        return Err(format!(
            "`{shown}` is not a repository path: control characters or `\\`"
        ));
    }
    let scheme = decoded
        .split_once(':')
        .filter(|(s, _)| {
            s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
        .map(|(s, _)| s.to_ascii_lowercase());
    if scheme.as_deref().is_some_and(|s| s != "file")
        || (scheme.is_some() && !decoded.to_ascii_lowercase().starts_with("file://"))
    {
        return Err(format!("`{shown}` is not a file of the repository"));
    }
    let uri = &shown;
    let local = if let Some(rest) = decoded
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("file://"))
        .and_then(|_| decoded.get(7..))
    {
        // `file:///abs/path` or `file://host/path`: only a local absolute path.
        let path = rest.strip_prefix("localhost").unwrap_or(rest);
        if !path.starts_with('/') {
            return Err(format!("`{uri}` is not a local file"));
        }
        path.to_owned()
    } else if decoded.contains("://") || decoded.starts_with("//") {
        return Err(format!("`{uri}` is not a file of the repository"));
    } else {
        decoded
    };
    let path = Path::new(&local);
    let relative = if path.is_absolute() {
        let root = std::path::absolute(repository).map_err(|e| e.to_string())?;
        let root = root.canonicalize().unwrap_or(root);
        path.strip_prefix(&root)
            .map_err(|_| format!("`{uri}` is outside the repository root"))?
            .to_path_buf()
    } else {
        path.to_path_buf()
    };
    let mut parts: Vec<String> = Vec::new();
    for component in relative.components() {
        match component {
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            std::path::Component::CurDir => {}
            _ => return Err(format!("`{uri}` is outside the repository root")),
        }
    }
    if parts.is_empty() {
        return Err(format!("`{uri}` names no file"));
    }
    Ok(parts.join("/"))
}

/// `%XX` escapes decoded; an invalid one is kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_normalised_and_confined() {
        let root = Path::new("/srv/repo");
        assert_eq!(repository_path("src/a.tf", root).unwrap(), "src/a.tf");
        assert_eq!(
            repository_path("./src/my%20file.tf", root).unwrap(),
            "src/my file.tf"
        );
        assert_eq!(
            repository_path("file:///srv/repo/main.tf", root).unwrap(),
            "main.tf"
        );
        for outside in [
            "../x.tf",
            "src/../../x.tf",
            "/etc/passwd",
            "file:///etc/passwd",
            "https://example.com/a.tf",
            "//host/share/a.tf",
            "%2e%2e/x.tf",
            "file://host/a.tf",
            "..\\..\\etc\\passwd",
            "C:/Windows/win.ini",
            "file:/etc/passwd",
            "src/a%0A  PASS   forged.tf",
            "src/%1b[31m.tf",
        ] {
            assert!(repository_path(outside, root).is_err(), "{outside}");
        }
    }

    #[test]
    fn messages_are_bounded_scrubbed_and_one_line() {
        let secrets = crate::redact::Secrets::known();
        let cx = Context {
            repository: Path::new("."),
            secrets,
        };
        let m = clean_message("key AKIAABCDEFGHIJKLMNOP found\n\x1b[31m", &cx);
        assert!(!m.contains("ABCDEFGHIJKLMNOP"), "{m}");
        assert!(!m.contains('\n') && !m.contains('\x1b'), "{m}");
        let long = "x".repeat(MESSAGE_LIMIT * 2);
        assert_eq!(clean_message(&long, &cx).chars().count(), MESSAGE_LIMIT + 1);
    }
}
