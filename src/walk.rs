//! One walk of a repository tree: which files exist, never leaving the root.
//! The walk is parallel; what it finds is sorted, so nothing downstream
//! depends on the order threads happened to visit files in.
//!
//! The walk honours `.gitignore` (and `.ignore`) files inside the root, but
//! not ignore files above it or the user's global excludes, so the result
//! depends only on the tree. Symbolic links are never followed: a link in an
//! untrusted repository could point anywhere on the machine running assay.

use ignore::WalkBuilder;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// A regular file inside the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Path relative to the root, `/`-separated; what globs match and reports show.
    pub relative: String,
    pub absolute: PathBuf,
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
    walk_with(root, options, |_| ()).map(|(tree, _)| tree)
}

/// Walks the tree in parallel and calls `visit` on each regular file as soon
/// as it is found, so reading overlaps listing; returns the tree and the
/// visits' results, both sorted by relative path, whatever the thread count.
pub fn walk_with<R: Send>(
    root: &Path,
    options: WalkOptions,
    visit: impl Fn(&TreeFile) -> R + Sync,
) -> Result<(Tree, Vec<R>), RootError> {
    match std::fs::metadata(root) {
        Err(_) => return Err(RootError::Missing(root.display().to_string())),
        Ok(meta) if !meta.is_dir() => {
            return Err(RootError::NotADirectory(root.display().to_string()));
        }
        Ok(_) => {}
    }
    let files: Mutex<Vec<(TreeFile, R)>> = Mutex::new(Vec::new());
    let symlinks: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<WalkError>> = Mutex::new(Vec::new());
    WalkBuilder::new(root)
        .hidden(false)
        .parents(false)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(false)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .filter_entry(|entry| entry.file_name() != ".git")
        .threads(rayon::current_num_threads())
        .build_parallel()
        .run(|| {
            let (files, symlinks, errors, visit) = (&files, &symlinks, &errors, &visit);
            Box::new(move |entry| {
                match entry {
                    Ok(entry) => match entry.file_type() {
                        Some(kind) if kind.is_symlink() => {
                            lock(symlinks).push(relative(root, entry.path()))
                        }
                        Some(kind) if kind.is_file() => {
                            let file = TreeFile {
                                relative: relative(root, entry.path()),
                                absolute: entry.into_path(),
                            };
                            let result = visit(&file);
                            lock(files).push((file, result));
                        }
                        _ => {}
                    },
                    Err(e) => lock(errors).push(walk_error(root, &e)),
                }
                ignore::WalkState::Continue
            })
        });
    let mut files = files.into_inner().unwrap_or_else(PoisonError::into_inner);
    files.sort_by(|a, b| a.0.relative.cmp(&b.0.relative));
    let (files, results): (Vec<TreeFile>, Vec<R>) = files.into_iter().unzip();
    let mut symlinks = symlinks
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    symlinks.sort();
    let mut errors = errors.into_inner().unwrap_or_else(PoisonError::into_inner);
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    let tree = Tree {
        root: root.to_path_buf(),
        files,
        symlinks,
        errors,
    };
    Ok((tree, results))
}

/// A poisoned lock only means another walker thread panicked; its data is still sound.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // On Unix a path already reads with `/`; elsewhere its components are joined with it.
    if cfg!(unix) {
        return rel.to_string_lossy().into_owned();
    }
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
