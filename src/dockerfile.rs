//! A Dockerfile parser: instructions with their lines, and build stages.
//!
//! Follows the Dockerfile reference: parser directives (`# escape=`) at the
//! top, comments only at the start of a line, line continuations with the
//! escape character (comment and blank lines inside them skipped), heredoc
//! bodies (`RUN <<EOF ... EOF`) that are not instructions, CRLF line ends.
//! Stages resolve `FROM` against earlier `AS` names and global `ARG` defaults.

use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// One instruction, its continuation lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword, e.g. `FROM`.
    pub keyword: String,
    /// Everything after the keyword, trimmed.
    pub args: String,
    /// 1-based line where the instruction starts.
    pub line: u32,
}

/// Parses the instructions of a Dockerfile. Never fails: what is not an
/// instruction (comments, heredoc bodies) is skipped.
pub fn parse(text: &str) -> Vec<Instruction> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let (escape, first) = directives(&lines);
    let mut out = Vec::new();
    let mut i = first;
    while let Some(line) = lines.get(i) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let mut logical = String::new();
        let mut current = trimmed.to_owned();
        loop {
            match strip_continuation(&current, escape) {
                Some(head) => {
                    logical.push_str(head);
                    i += 1;
                    // Blank and comment lines inside a continuation are dropped.
                    while lines.get(i).is_some_and(|l| is_blank_or_comment(l)) {
                        i += 1;
                    }
                    match lines.get(i) {
                        Some(next) => current = (*next).to_owned(),
                        None => break,
                    }
                }
                None => {
                    logical.push_str(&current);
                    i += 1;
                    break;
                }
            }
        }
        let (keyword, args) = split_keyword(&logical);
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            i = skip_heredocs(&lines, i, &args);
        }
        out.push(Instruction {
            keyword,
            args,
            line: u32::try_from(start + 1).unwrap_or(u32::MAX),
        });
    }
    out
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// Reads parser directives; returns the escape character and the first line after them.
fn directives(lines: &[&str]) -> (char, usize) {
    static DIRECTIVE: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"^#\s*([A-Za-z]+)\s*=\s*(\S*)\s*$").ok());
    let mut escape = '\\';
    let mut i = 0;
    while let Some(caps) = lines.get(i).and_then(|l| DIRECTIVE.as_ref()?.captures(l)) {
        let name = caps.get(1).map_or("", |m| m.as_str());
        let value = caps.get(2).map_or("", |m| m.as_str());
        if name.eq_ignore_ascii_case("escape") && value == "`" {
            escape = '`';
        }
        i += 1;
    }
    (escape, i)
}

/// The line without its trailing escape character, if it continues.
fn strip_continuation(line: &str, escape: char) -> Option<&str> {
    line.trim_end_matches([' ', '\t']).strip_suffix(escape)
}

fn split_keyword(logical: &str) -> (String, String) {
    let logical = logical.trim();
    match logical.split_once(char::is_whitespace) {
        Some((k, rest)) => (k.to_ascii_uppercase(), rest.trim().to_owned()),
        None => (logical.to_ascii_uppercase(), String::new()),
    }
}

/// Skips the bodies of the heredocs an instruction opens; returns the next line to read.
fn skip_heredocs(lines: &[&str], mut i: usize, args: &str) -> usize {
    static HEREDOC: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r#"(?:^|[^<])<<(-?)(?:"([A-Za-z_][A-Za-z0-9_]*)"|'([A-Za-z_][A-Za-z0-9_]*)'|([A-Za-z_][A-Za-z0-9_]*))"#).ok()
    });
    let Some(re) = HEREDOC.as_ref() else { return i };
    for caps in re.captures_iter(args) {
        let strip_tabs = caps.get(1).is_some_and(|m| !m.as_str().is_empty());
        let word = (2..=4).find_map(|g| caps.get(g)).map_or("", |m| m.as_str());
        while let Some(line) = lines.get(i) {
            i += 1;
            let body = if strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if body == word {
                break;
            }
        }
    }
    i
}

/// What a stage is built on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// An earlier stage of the same Dockerfile, by index.
    Stage(usize),
    /// `scratch`, the empty image.
    Scratch,
    Image(ImageRef),
}

/// An image reference `name[:tag][@digest]`, after build-argument substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The reference as it reads after substitution.
    pub text: String,
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// Whether a build argument without a default is left in it.
    pub unresolved: bool,
}

impl ImageRef {
    pub fn parse(text: &str, unresolved: bool) -> Self {
        let (name_tag, digest) = match text.split_once('@') {
            Some((n, d)) => (n, Some(d.to_owned())),
            None => (text, None),
        };
        // A `:` before the last `/` is a registry port, not a tag.
        let last_segment = name_tag.rfind('/').map_or(0, |p| p + 1);
        let (name, tag) = match name_tag.rfind(':') {
            Some(colon) if colon >= last_segment => (
                name_tag.get(..colon).unwrap_or(""),
                name_tag.get(colon + 1..).map(str::to_owned),
            ),
            _ => (name_tag, None),
        };
        Self {
            text: text.to_owned(),
            name: name.to_owned(),
            tag: tag.filter(|t| !t.is_empty()),
            digest: digest.filter(|d| !d.is_empty()),
            unresolved,
        }
    }
}

/// A `USER` instruction, its value substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub user: String,
    pub line: u32,
    pub unresolved: bool,
}

impl User {
    /// `root` or uid 0, whatever the group.
    pub fn is_root(&self) -> bool {
        let name = self.user.split(':').next().unwrap_or("").trim();
        name == "root" || (!name.is_empty() && name.bytes().all(|b| b == b'0'))
    }
}

/// One build stage: a `FROM` and the instructions up to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub name: Option<String>,
    pub base: Base,
    pub from_line: u32,
    pub users: Vec<User>,
}

/// The stages of a Dockerfile; empty when it has no `FROM`.
pub fn stages(instructions: &[Instruction]) -> Vec<Stage> {
    let mut globals: HashMap<String, Option<String>> = HashMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    let mut env: Vec<HashMap<String, Option<String>>> = Vec::new();
    for ins in instructions {
        match ins.keyword.as_str() {
            "ARG" if stages.is_empty() => {
                for (k, v) in parse_arg(&ins.args) {
                    globals.insert(k, v);
                }
            }
            "FROM" => {
                let (stage, parent) = from_stage(ins, &stages, &globals);
                env.push(parent.and_then(|p| env.get(p).cloned()).unwrap_or_default());
                stages.push(stage);
            }
            "ARG" => {
                let Some(vars) = env.last_mut() else { continue };
                for (k, v) in parse_arg(&ins.args) {
                    // An ARG without a default in a stage takes the global default.
                    let v = v.or_else(|| globals.get(&k).cloned().flatten());
                    vars.insert(k, v);
                }
            }
            "ENV" => {
                let Some(vars) = env.last_mut() else { continue };
                for (k, v) in parse_env(&ins.args) {
                    let (v, _) = substitute(&v, vars);
                    vars.insert(k, Some(v));
                }
            }
            "USER" => {
                let (Some(stage), Some(vars)) = (stages.last_mut(), env.last()) else {
                    continue;
                };
                let raw = ins.args.split_whitespace().next().unwrap_or("");
                let (user, unresolved) = substitute(raw, vars);
                stage.users.push(User {
                    user,
                    line: ins.line,
                    unresolved,
                });
            }
            _ => {}
        }
    }
    stages
}

fn from_stage(
    ins: &Instruction,
    earlier: &[Stage],
    globals: &HashMap<String, Option<String>>,
) -> (Stage, Option<usize>) {
    let mut words = ins.args.split_whitespace().filter(|w| !w.starts_with("--"));
    let image = words.next().unwrap_or("");
    let name = match (words.next(), words.next()) {
        (Some(kw), Some(name)) if kw.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    let (text, unresolved) = substitute(image, globals);
    let parent = earlier
        .iter()
        .rposition(|s| s.name.as_deref() == Some(text.to_ascii_lowercase().as_str()));
    let base = match parent {
        Some(index) => Base::Stage(index),
        None if text.eq_ignore_ascii_case("scratch") => Base::Scratch,
        None => Base::Image(ImageRef::parse(&text, unresolved)),
    };
    let stage = Stage {
        name,
        base,
        from_line: ins.line,
        users: Vec::new(),
    };
    (stage, parent)
}

/// `ARG NAME[=default] ...`
fn parse_arg(args: &str) -> Vec<(String, Option<String>)> {
    split_words(args)
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (w, None),
        })
        .collect()
}

/// `ENV KEY=VALUE ...` or the legacy `ENV KEY VALUE`.
fn parse_env(args: &str) -> Vec<(String, String)> {
    let words = split_words(args);
    if words.first().is_some_and(|w| w.contains('=')) {
        words
            .into_iter()
            .filter_map(|w| w.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect()
    } else {
        match args.trim().split_once(char::is_whitespace) {
            Some((k, v)) => vec![(k.to_owned(), v.trim().to_owned())],
            None => Vec::new(),
        }
    }
}

/// Splits on whitespace outside quotes, removing the quotes.
fn split_words(args: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut started = false;
    for c in args.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                started = true;
            }
            None if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            None => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// Replaces `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alt}`;
/// reports whether a variable without a value was left in place.
pub fn substitute(text: &str, vars: &HashMap<String, Option<String>>) -> (String, bool) {
    static VAR: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(
            r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))",
        )
        .ok()
    });
    let Some(re) = VAR.as_ref() else {
        return (text.to_owned(), text.contains('$'));
    };
    let mut unresolved = false;
    let out = re.replace_all(text, |caps: &regex::Captures<'_>| {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        let name = caps
            .get(1)
            .or_else(|| caps.get(4))
            .map_or("", |m| m.as_str());
        let value = vars.get(name).cloned().flatten().filter(|v| !v.is_empty());
        let word = caps.get(3).map_or("", |m| m.as_str()).to_owned();
        match (caps.get(2).map(|m| m.as_str()), value) {
            (Some(":-" | "-"), Some(v)) | (None, Some(v)) => v,
            (Some(":-" | "-"), None) => word,
            (Some(_), Some(_)) => word,
            (Some(_), None) => String::new(),
            (None, None) => {
                unresolved = true;
                whole.to_owned()
            }
        }
    });
    (out.into_owned(), unresolved)
}

/// The user the final stage runs as: its last `USER`, else inherited from the
/// stage it builds on. `None` when no stage in its chain sets one.
pub fn final_user(stages: &[Stage]) -> Option<&User> {
    let mut stage = stages.last()?;
    loop {
        if let Some(user) = stage.users.last() {
            return Some(user);
        }
        match stage.base {
            Base::Stage(parent) => stage = stages.get(parent)?,
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keywords(text: &str) -> Vec<(String, u32)> {
        parse(text)
            .into_iter()
            .map(|i| (i.keyword, i.line))
            .collect()
    }

    #[test]
    fn comments_continuations_and_crlf() {
        let text = "# syntax=docker/dockerfile:1\r\nFROM alpine:3.19 \\\r\n  AS base\r\n# comment\r\nRUN echo a \\\n# inside\n\n  && echo b\nUSER app\n";
        let ins = parse(text);
        assert_eq!(
            keywords(text),
            [("FROM".into(), 2), ("RUN".into(), 5), ("USER".into(), 9)]
        );
        assert_eq!(ins[0].args, "alpine:3.19   AS base");
        assert_eq!(ins[1].args, "echo a   && echo b");
    }

    #[test]
    fn escape_directive() {
        let text =
            "# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022 `\n  AS w\nUSER ContainerUser\n";
        assert_eq!(keywords(text), [("FROM".into(), 2), ("USER".into(), 4)]);
    }

    #[test]
    fn heredoc_bodies_are_not_instructions() {
        let text = "FROM alpine:3\nRUN <<EOF\nUSER root\nEOF\nCOPY <<-\"A\" <<'B' /x\n\tFROM evil\n\tA\nUSER root\nB\nUSER app\n";
        assert_eq!(
            keywords(text),
            [
                ("FROM".into(), 1),
                ("RUN".into(), 2),
                ("COPY".into(), 5),
                ("USER".into(), 10)
            ]
        );
    }

    #[test]
    fn stages_resolve_names_args_and_scratch() {
        let text = "ARG BASE=python:3.12-slim\nARG TAG\nFROM --platform=$BUILDPLATFORM ${BASE} AS Build\nFROM build\nFROM node:${TAG}\nFROM scratch\nFROM localhost:5000/app\nFROM img@sha256:abc\n";
        let stages = stages(&parse(text));
        assert_eq!(stages.len(), 6);
        let Base::Image(first) = &stages[0].base else {
            panic!()
        };
        assert_eq!(
            (first.name.as_str(), first.tag.as_deref()),
            ("python", Some("3.12-slim"))
        );
        assert_eq!(stages[1].base, Base::Stage(0));
        let Base::Image(node) = &stages[2].base else {
            panic!()
        };
        assert!(node.unresolved);
        assert_eq!(node.tag.as_deref(), Some("${TAG}"));
        assert_eq!(stages[3].base, Base::Scratch);
        let Base::Image(local) = &stages[4].base else {
            panic!()
        };
        assert_eq!(
            (local.name.as_str(), local.tag.as_deref()),
            ("localhost:5000/app", None)
        );
        let Base::Image(pinned) = &stages[5].base else {
            panic!()
        };
        assert_eq!(pinned.digest.as_deref(), Some("sha256:abc"));
    }

    #[test]
    fn final_user_is_inherited_through_stages() {
        let text = "FROM alpine:3 AS base\nUSER app\nFROM base\nRUN true\n";
        let user = final_user(&stages(&parse(text))).map(|u| u.user.clone());
        assert_eq!(user.as_deref(), Some("app"));
        let text = "FROM alpine:3 AS base\nUSER app\nFROM alpine:3\n";
        assert!(final_user(&stages(&parse(text))).is_none());
    }

    #[test]
    fn users_substitute_stage_variables() {
        let text = "FROM alpine:3\nARG UID=0\nUSER ${UID}:0\nENV NAME=svc\nUSER $NAME\n";
        let stages = stages(&parse(text));
        let users: Vec<(String, bool)> = stages[0]
            .users
            .iter()
            .map(|u| (u.user.clone(), u.is_root()))
            .collect();
        assert_eq!(users, [("0:0".into(), true), ("svc".into(), false)]);
    }

    #[test]
    fn root_detection() {
        let user = |u: &str| User {
            user: u.into(),
            line: 1,
            unresolved: false,
        };
        assert!(user("root").is_root());
        assert!(user("0").is_root());
        assert!(user("root:staff").is_root());
        assert!(user("0:1000").is_root());
        assert!(!user("1000:0").is_root());
        assert!(!user("rootless").is_root());
        assert!(!user("").is_root());
    }
}
