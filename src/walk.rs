//! One walk of a repository tree: which files exist, never leaving the root.
//!
//! The walk honours `.gitignore` (and `.ignore`) files inside the root, but
//! not ignore files above it or the user's global excludes, so the result
//! depends only on the tree. Symbolic links are never followed: a link in an
//! untrusted repository could point anywhere on the machine running assay.

use ignore::WalkBuilder;
use std::path::{Path, PathBuf};

/// A regular file inside the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Path relative to the root, `/`-separated; what globs match and reports show.
    pub relative: String,
    pub absolute: PathBuf,
    pub size: u64,
}

/// A part of the tree that could not be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub path: String,
    pub message: String,
}

/// Everything the walk found, sorted by relative path.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    pub root: PathBuf,
    pub files: Vec<TreeFile>,
    /// Symbolic links seen and not followed (relative paths).
    pub symlinks: Vec<String>,
    pub errors: Vec<WalkError>,
}

/// Options of the walk.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Read every file, even those `.gitignore` excludes.
    pub no_ignore: bool,
}

/// Why a root cannot be walked at all.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RootError {
    #[error("repository `{0}` does not exist")]
    #[diagnostic(code(assay::walk::missing_root), help("pass the path of a directory"))]
    Missing(String),
    #[error("repository `{0}` is not a directory")]
    #[diagnostic(
        code(assay::walk::not_a_directory),
        help("pass the path of a directory")
    )]
    NotADirectory(String),
}

/// Lists the tree under `root`.
pub fn walk(root: &Path, options: WalkOptions) -> Result<Tree, RootError> {
    match std::fs::metadata(root) {
        Err(_) => return Err(RootError::Missing(root.display().to_string())),
        Ok(meta) if !meta.is_dir() => {
            return Err(RootError::NotADirectory(root.display().to_string()));
        }
        Ok(_) => {}
    }
    let mut tree = Tree {
        root: root.to_path_buf(),
        ..Tree::default()
    };
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .parents(false)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(false)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .filter_entry(|entry| entry.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => record(&mut tree, root, &entry),
            Err(e) => tree.errors.push(walk_error(root, &e)),
        }
    }
    // The walker sorts within a directory; reports need one total order.
    tree.files.sort_by(|a, b| a.relative.cmp(&b.relative));
    tree.symlinks.sort();
    Ok(tree)
}

fn record(tree: &mut Tree, root: &Path, entry: &ignore::DirEntry) {
    let Some(kind) = entry.file_type() else {
        return;
    };
    let relative = relative(root, entry.path());
    if kind.is_symlink() {
        tree.symlinks.push(relative);
    } else if kind.is_file() {
        let size = entry.metadata().map_or(0, |m| m.len());
        tree.files.push(TreeFile {
            relative,
            absolute: entry.path().to_path_buf(),
            size,
        });
    }
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

fn walk_error(root: &Path, e: &ignore::Error) -> WalkError {
    let path = error_path(e).map_or_else(String::new, |p| relative(root, p));
    WalkError {
        path,
        message: error_message(e),
    }
}

fn error_path(e: &ignore::Error) -> Option<&Path> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// The innermost message, without the path the report shows separately.
fn error_message(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => error_message(err),
        other => other.to_string(),
    }
}
