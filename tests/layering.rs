//! The module graph has no circles: among the modules of one parent (the
//! crate's top level, `report/`, `report/oscal/`, ...), no module refers to
//! one that refers back to it, directly or through others. A child may use
//! its parent's items (the report document, say); siblings form layers.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `src/report/oscal/fields.rs` → `["report", "oscal", "fields"]`.
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

/// The modules a file's code (not its comments, not its tests) names, as
/// absolute paths of lower-case segments.
fn references(module: &[String], text: &str) -> Vec<Vec<String>> {
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or("")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let path =
        regex::Regex::new(r"\b(crate|super(?:::super)*)((?:::[a-z_][a-z0-9_]*)*)(::\{)?").unwrap();
    let mut out = Vec::new();
    for c in path.captures_iter(&code) {
        let ups = c[1].matches("super").count();
        let parent = if ups == 0 {
            0
        } else {
            module.len().saturating_sub(ups)
        };
        let mut base: Vec<String> = module[..parent].to_vec();
        base.extend(segments(&c[2]));
        match c.get(3) {
            Some(open) => expand(&base, group(&code[open.end()..]), &mut out),
            None if base.len() > parent => out.push(base),
            None => {}
        }
    }
    out
}

/// The lower-case path segments of `a::b::C`: `["a", "b"]`.
fn segments(path: &str) -> Vec<String> {
    path.trim_start_matches("::")
        .split("::")
        .map(str::trim)
        .take_while(|s| {
            !s.is_empty()
                && *s != "self"
                && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

/// The text inside a brace group whose `{` was just consumed.
fn group(rest: &str) -> &str {
    let mut depth = 1;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 1 => return &rest[..i],
            '}' => depth -= 1,
            _ => {}
        }
    }
    rest
}

/// The paths a `use` group names: `model::{a, b::{c}}, D` under `base`.
fn expand(base: &[String], items: &str, out: &mut Vec<Vec<String>>) {
    let mut depth = 0;
    let mut start = 0;
    let bytes = items.as_bytes();
    for i in 0..=bytes.len() {
        let end = i == bytes.len();
        match bytes.get(i) {
            Some(b'{') => depth += 1,
            Some(b'}') => depth -= 1,
            _ => {}
        }
        if end || (bytes[i] == b',' && depth == 0) {
            let item = items[start..i].trim();
            start = i + 1;
            let mut path = base.to_vec();
            match item.split_once("::{") {
                Some((head, inner)) => {
                    path.extend(segments(head));
                    expand(&path, inner.strip_suffix('}').unwrap_or(inner), out);
                }
                None => {
                    path.extend(segments(item));
                    // `a::{B}` and `a::{self}` name `a` itself.
                    if !path.is_empty() {
                        out.push(path);
                    }
                }
            }
        }
    }
}

/// Edges between siblings: `a → b` when something in `a` (or below it)
/// names something in its sibling `b` (or below it).
fn sibling_edges(
    refs: &BTreeMap<Vec<String>, Vec<Vec<String>>>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, targets) in refs {
        for to in targets {
            if self_contained_prefix(refs, from, to) {
                continue;
            }
            // The first segment where the two paths part, under a common parent.
            let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
            let (Some(a), Some(b)) = (from.get(common), to.get(common)) else {
                continue;
            };
            let parent = from[..common].join("::");
            edges
                .entry(format!("{parent}::{a}"))
                .or_default()
                .insert(format!("{parent}::{b}"));
        }
    }
    edges
}

/// Whether the module a reference lands in (or one of its parents, below
/// the point where `from` and `to` part) names nothing outside itself: such a
/// module can import nothing back, so depending on it closes no circle. The
/// export-kind table (`source::kinds`) is one: the model takes its types.
fn self_contained_prefix(
    refs: &BTreeMap<Vec<String>, Vec<Vec<String>>>,
    from: &[String],
    to: &[String],
) -> bool {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    (common + 1..=to.len()).any(|n| self_contained(refs, &to[..n]))
}

/// Whether every module at or under `prefix` names only modules under it.
fn self_contained(refs: &BTreeMap<Vec<String>, Vec<Vec<String>>>, prefix: &[String]) -> bool {
    let mut inside = refs
        .iter()
        .filter(|(m, _)| m.starts_with(prefix))
        .peekable();
    inside.peek().is_some()
        && inside.all(|(_, targets)| targets.iter().all(|t| t.starts_with(prefix)))
}

/// Every circle of the graph, each as the modules on it.
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for start in edges.keys() {
        // Depth-first from `start`, looking for a way back to it.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in edges.get(&node).into_iter().flatten() {
                if next == start {
                    let mut circle = path.clone();
                    circle.sort();
                    if !found.contains(&circle) {
                        found.push(circle);
                    }
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    found
}

/// What each module of `src/` names.
fn crate_references() -> BTreeMap<Vec<String>, Vec<Vec<String>>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut refs = BTreeMap::new();
    for file in sources(&root) {
        let module = module_of(&root, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        refs.insert(module.clone(), references(&module, &text));
    }
    refs
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    sibling_edges(&crate_references())
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = graph();
    // The graph is real: the layers it must see are there.
    for (from, to) in [
        ("::run", "::engine"),
        ("::report", "::gate"),
        ("::baseline", "::report"),
    ] {
        assert!(
            edges.get(from).is_some_and(|t| t.contains(to)),
            "{from} → {to} not seen: {edges:#?}"
        );
    }
    assert_eq!(circles(&edges), Vec::<Vec<String>>::new());
}

#[test]
fn the_export_kind_table_imports_nothing_from_the_rest_of_assay() {
    let refs = crate_references();
    let kinds = ["source".to_owned(), "kinds".to_owned()];
    assert!(self_contained(&refs, &kinds));
    assert!(!self_contained(&refs, &["source".to_owned()]));
}

#[test]
fn the_check_finds_a_circle() {
    let mut refs = BTreeMap::new();
    let m = |s: &str| s.split("::").map(str::to_owned).collect::<Vec<_>>();
    refs.insert(m("a"), references(&m("a"), "use crate::b::x;"));
    refs.insert(
        m("b::c"),
        references(&m("b::c"), "fn f() { super::super::a::y() }"),
    );
    refs.insert(m("b"), references(&m("b"), "use super::d; // crate::e"));
    let found = circles(&sibling_edges(&refs));
    assert_eq!(found, [vec!["::a".to_owned(), "::b".to_owned()]]);

    // Paths inside `use` groups count as well.
    let mut refs = BTreeMap::new();
    refs.insert(
        m("x::p"),
        references(&m("x::p"), "use crate::{y::{self, z::Q}, W};"),
    );
    refs.insert(m("y::z"), references(&m("y::z"), "use crate::{x::p::{R}};"));
    assert_eq!(
        references(&m("x::p"), "use crate::{y::{self, z::Q}, W};"),
        [m("y"), m("y::z")]
    );
    let found = circles(&sibling_edges(&refs));
    assert_eq!(found, [vec!["::x".to_owned(), "::y".to_owned()]]);
}
