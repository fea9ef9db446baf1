//! One walk of a repository tree: which files exist, never leaving the root.
//! The walk is parallel; what it finds is sorted (by the bytes of each name,
//! never a lossy rendering of it), so nothing downstream depends on the order
//! threads happened to visit files in.
//!
//! Ignore rules (`.gitignore`, `.ignore`) inside the root are honoured, but
//! not ignore files above it or the user's global excludes, so the result
//! depends only on the tree. They are read by the walk itself, confined and
//! bounded like every other file, and they only ever narrow the *untracked*
//! files: in a git work tree every file git tracks is walked whatever an
//! ignore rule says, so a pull request cannot hide a committed file from the
//! checks by ignoring it. Every path an ignore rule excluded is recorded.
//!
//! Symbolic links are never followed: a link in an untrusted repository
//! could point anywhere on the machine running assay. FIFOs, sockets and
//! devices are listed with their kind and never opened.

use crate::confine::{self, Kind};
pub use crate::name::display_name;
use ignore::WalkBuilder;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// A file inside the root: a regular file, or a special one (never opened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Path relative to the root, `/`-separated, with any byte that is not
    /// printable UTF-8 escaped (see [`display_name`]); what globs match and
    /// reports show.
    pub relative: String,
    pub absolute: PathBuf,
    /// [`Kind::File`], or a special kind that checks selecting it report as an error.
    pub kind: Kind,
}

/// A part of the tree that could not be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub path: String,
    pub message: String,
}

/// A file the walk saw and did not use, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// Everything the walk found, sorted by relative path.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    pub root: PathBuf,
    pub files: Vec<TreeFile>,
    /// Symbolic links seen and not followed (relative paths).
    pub symlinks: Vec<String>,
    /// Ignore files not applied (links, special files, too large), with why.
    pub skipped: Vec<Skipped>,
    /// Untracked paths an ignore rule excluded (a directory ends with `/`;
    /// nothing below it was listed).
    pub ignored: Vec<String>,
    /// Whether the root is in a git work tree, so tracked files overrode ignore rules.
    pub git: bool,
    pub errors: Vec<WalkError>,
}

/// Options of the walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Read every file, even those `.gitignore` excludes.
    pub no_ignore: bool,
    /// `-f FILE`: only these files of the repository, relative to its root,
    /// are listed, and nothing is walked.
    pub only: Vec<PathBuf>,
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
    #[error("-f `{path}`: {reason}")]
    #[diagnostic(
        code(assay::walk::bad_file),
        help("-f names a file of the repository, relative to its root, e.g. `-f Dockerfile`")
    )]
    BadFile { path: String, reason: String },
}

/// Ignore files read in each directory, lowest precedence first.
const IGNORE_FILES: [&str; 2] = [".gitignore", ".ignore"];

/// Lists the tree under `root`.
pub fn walk(root: &Path, options: WalkOptions) -> Result<Tree, RootError> {
    walk_with(root, options, |_| ()).map(|(tree, _)| tree)
}

/// Walks the tree in parallel and calls `visit` on each file as soon as it
/// is found, so reading overlaps listing; returns the tree and the visits'
/// results, both sorted by relative path, whatever the thread count.
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
    if !options.only.is_empty() {
        return listed(root, &options.only, visit);
    }
    let (tracked, failure) = Tracked::of(root);
    let rules = Rules {
        root,
        // Without the list of tracked files an ignore rule could hide a committed one.
        enabled: !options.no_ignore && failure.is_none(),
        cache: RwLock::new(HashMap::new()),
        skipped: Mutex::new(failure.into_iter().collect()),
    };
    let found = Found::default();
    WalkBuilder::new(root)
        .standard_filters(false)
        .follow_links(false)
        .threads(rayon::current_num_threads())
        .build_parallel()
        .run(|| {
            let (found, visit, rules, tracked) = (&found, &visit, &rules, &tracked);
            Box::new(move |entry| match entry {
                Ok(entry) => found.entry(root, entry, rules, tracked, visit),
                Err(e) => {
                    lock(&found.errors).push(walk_error(root, &e));
                    ignore::WalkState::Continue
                }
            })
        });
    let mut files = into_inner(found.files);
    files.sort_by(|a, b| sort_key(&a.0.absolute).cmp(sort_key(&b.0.absolute)));
    let (files, results): (Vec<TreeFile>, Vec<R>) = files.into_iter().unzip();
    let sorted = |mut v: Vec<(Vec<u8>, String)>| {
        v.sort();
        v.into_iter().map(|(_, name)| name).collect::<Vec<String>>()
    };
    let mut skipped = into_inner(rules.skipped);
    skipped.sort();
    // Two threads may read one directory's rules at once: each says so.
    skipped.dedup();
    let mut errors = into_inner(found.errors);
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    let tree = Tree {
        root: root.to_path_buf(),
        files,
        symlinks: sorted(into_inner(found.symlinks)),
        skipped,
        ignored: sorted(into_inner(found.ignored)),
        git: tracked.paths.is_some(),
        errors,
    };
    Ok((tree, results))
}

/// The tree of `-f` files: each must be a regular file or a special one
/// (which checks report as an error) inside the root, reached without a
/// link. Ignore rules do not apply: the user named the file.
fn listed<R: Send>(
    root: &Path,
    only: &[PathBuf],
    visit: impl Fn(&TreeFile) -> R + Sync,
) -> Result<(Tree, Vec<R>), RootError> {
    let confined = crate::confine::Root::new(root);
    let mut files: Vec<TreeFile> = Vec::with_capacity(only.len());
    for rel in only {
        let bad = |reason: String| RootError::BadFile {
            path: rel.display().to_string(),
            reason,
        };
        let kind = match confined.kind(rel) {
            Ok(Some(Kind::Directory)) => return Err(bad("is a directory".to_owned())),
            Ok(Some(kind)) => kind,
            Ok(None) => return Err(bad(format!("no such file in `{}`", root.display()))),
            Err(e) => return Err(bad(e.to_string())),
        };
        let clean: PathBuf = rel
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .collect();
        let relative = display_name(&clean);
        if files.iter().any(|f| f.relative == relative) {
            continue;
        }
        files.push(TreeFile {
            relative,
            absolute: root.join(&clean),
            kind,
        });
    }
    // In the walker's order, so a file judged alone sorts as it does in a walk.
    files.sort_by(|a, b| sort_key(&a.absolute).cmp(sort_key(&b.absolute)));
    let results: Vec<R> = {
        use rayon::prelude::*;
        files.par_iter().map(&visit).collect()
    };
    let tree = Tree {
        root: root.to_path_buf(),
        files,
        symlinks: Vec::new(),
        skipped: Vec::new(),
        ignored: Vec::new(),
        git: false,
        errors: Vec::new(),
    };
    Ok((tree, results))
}

/// What the walker threads collect.
struct Found<R> {
    files: Mutex<Vec<(TreeFile, R)>>,
    symlinks: Mutex<Vec<(Vec<u8>, String)>>,
    ignored: Mutex<Vec<(Vec<u8>, String)>>,
    /// Ignored directories walked only because they hold tracked files:
    /// their untracked contents stay ignored.
    forced: Mutex<HashSet<PathBuf>>,
    any_forced: std::sync::atomic::AtomicBool,
    errors: Mutex<Vec<WalkError>>,
}

impl<R> Default for Found<R> {
    fn default() -> Self {
        Self {
            files: Mutex::new(Vec::new()),
            symlinks: Mutex::new(Vec::new()),
            ignored: Mutex::new(Vec::new()),
            forced: Mutex::new(HashSet::new()),
            any_forced: std::sync::atomic::AtomicBool::new(false),
            errors: Mutex::new(Vec::new()),
        }
    }
}

impl<R> Found<R> {
    fn entry(
        &self,
        root: &Path,
        entry: ignore::DirEntry,
        rules: &Rules<'_>,
        tracked: &Tracked,
        visit: &(impl Fn(&TreeFile) -> R + Sync),
    ) -> ignore::WalkState {
        if entry.depth() == 0 {
            return ignore::WalkState::Continue;
        }
        let path = entry.path();
        let Some(kind) = entry.file_type().map(Kind::of) else {
            return ignore::WalkState::Continue;
        };
        let is_dir = kind == Kind::Directory;
        if entry.file_name() == ".git" {
            // A nested repository's metadata, or a tarball's: not the tree,
            // but named, so nothing vanishes without a word.
            if entry.depth() > 1 && is_dir {
                let rel = path.strip_prefix(root).unwrap_or(path);
                rules.note(rel, "a nested `.git` directory; not walked");
            }
            return ignore::WalkState::Skip;
        }
        let rel = path.strip_prefix(root).unwrap_or(path);
        let is_tracked = if is_dir {
            tracked.holds_dir(rel)
        } else {
            tracked.holds(rel)
        };
        if !is_tracked && (self.under_forced(root, path) || rules.ignores(path, is_dir)) {
            let mut name = display_name(rel);
            if is_dir {
                name.push('/');
            }
            lock(&self.ignored).push((sort_key(path).to_vec(), name));
            return ignore::WalkState::Skip;
        }
        if is_dir {
            if is_tracked && rules.ignores(path, true) {
                lock(&self.forced).insert(path.to_path_buf());
                self.any_forced
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            return ignore::WalkState::Continue;
        }
        if kind == Kind::Symlink {
            lock(&self.symlinks).push((sort_key(path).to_vec(), display_name(rel)));
            return ignore::WalkState::Continue;
        }
        let file = TreeFile {
            relative: display_name(rel),
            absolute: entry.into_path(),
            kind,
        };
        let result = visit(&file);
        lock(&self.files).push((file, result));
        ignore::WalkState::Continue
    }

    /// Whether an ancestor of `path` is an ignored directory walked for its tracked files.
    fn under_forced(&self, root: &Path, path: &Path) -> bool {
        if !self.any_forced.load(std::sync::atomic::Ordering::Relaxed) {
            return false;
        }
        let forced = lock(&self.forced);
        !forced.is_empty()
            && path
                .ancestors()
                .skip(1)
                .take_while(|a| *a != root)
                .any(|a| forced.contains(a))
    }
}

/// The files git tracks under the root, and the directories holding them.
struct Tracked {
    paths: Option<HashSet<PathBuf>>,
    dirs: HashSet<PathBuf>,
}

impl Tracked {
    /// The tracked files, or why git could not list them.
    fn of(root: &Path) -> (Self, Option<Skipped>) {
        let (paths, failure) = match crate::git::tracked_files(root) {
            Ok(names) => (names, None),
            Err(e) => (
                None,
                Some(Skipped {
                    path: ".git".to_owned(),
                    reason: format!(
                        "git could not list the tracked files ({e}); no ignore rule was applied"
                    ),
                }),
            ),
        };
        let paths: Option<HashSet<PathBuf>> =
            paths.map(|names| names.into_iter().map(path_of_bytes).collect());
        let mut dirs = HashSet::new();
        for p in paths.iter().flatten() {
            for a in p.ancestors().skip(1) {
                if a.as_os_str().is_empty() || !dirs.insert(a.to_path_buf()) {
                    break;
                }
            }
        }
        (Self { paths, dirs }, failure)
    }

    fn holds(&self, rel: &Path) -> bool {
        self.paths.as_ref().is_some_and(|p| p.contains(rel))
    }

    fn holds_dir(&self, rel: &Path) -> bool {
        self.dirs.contains(rel)
    }
}

#[cfg(unix)]
fn path_of_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_of_bytes(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

/// Ignore rules per directory, each directory's files read once, confined and bounded.
struct Rules<'a> {
    root: &'a Path,
    enabled: bool,
    /// Read by every walker thread for every entry, written once per directory.
    /// Keyed by the path's bytes: hashing a `Path` parses its components.
    cache: RwLock<HashMap<Vec<u8>, Chain>>,
    skipped: Mutex<Vec<Skipped>>,
}

impl Rules<'_> {
    /// Whether the nearest rule about `path`, from its own directory up to
    /// the root, ignores it.
    fn ignores(&self, path: &Path, is_dir: bool) -> bool {
        if !self.enabled {
            return false;
        }
        let Some(parent) = path.parent() else {
            return false;
        };
        for rules in self.chain_of(parent).iter().rev() {
            let matched = rules.matched(path, is_dir);
            if matched.is_ignore() {
                return true;
            }
            if matched.is_whitelist() {
                return false;
            }
        }
        false
    }

    fn note(&self, rel: &Path, reason: &str) {
        lock(&self.skipped).push(Skipped {
            path: display_name(rel),
            reason: reason.to_owned(),
        });
    }

    /// The non-empty rule sets that apply in `dir`, the root's first: built
    /// once per directory, so an entry costs one lookup however deep it is.
    fn chain_of(&self, dir: &Path) -> Chain {
        if let Some(found) = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(sort_key(dir))
        {
            return Arc::clone(found);
        }
        let mut chain: Vec<Arc<Gitignore>> = match dir.parent() {
            Some(parent) if dir != self.root && dir.starts_with(self.root) => {
                self.chain_of(parent).to_vec()
            }
            _ => Vec::new(),
        };
        let own = self.read_dir_rules(dir);
        if !own.is_empty() {
            chain.push(Arc::new(own));
        }
        let chain = Arc::new(chain);
        self.cache
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(sort_key(dir).to_vec(), Arc::clone(&chain));
        chain
    }

    fn read_dir_rules(&self, dir: &Path) -> Gitignore {
        let mut builder = GitignoreBuilder::new(dir);
        let mut found = false;
        // `.ignore` is added last, so its rules win over `.gitignore`'s.
        for name in IGNORE_FILES {
            let path = dir.join(name);
            let text = match confine::read_regular(&path, confine::IGNORE_FILE_LIMIT) {
                Ok(bytes) => bytes,
                Err(refusal) if refusal.is_missing() => continue,
                Err(refusal) => {
                    let rel = path.strip_prefix(self.root).unwrap_or(&path);
                    self.note(rel, &format!("ignore file not applied: {refusal}"));
                    continue;
                }
            };
            found = true;
            for line in String::from_utf8_lossy(&text).lines() {
                // A malformed pattern is git's business too: git skips it.
                let _ = builder.add_line(Some(path.clone()), line);
            }
        }
        // Most directories have no ignore file: building an empty matcher is not free.
        if !found {
            return Gitignore::empty();
        }
        builder.build().unwrap_or_else(|_| Gitignore::empty())
    }
}

/// Rule sets from the root down to a directory.
type Chain = Arc<Vec<Arc<Gitignore>>>;

/// Paths order by their bytes: total, and the same whatever they display as.
fn sort_key(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

/// A poisoned lock only means another walker thread panicked; its data is still sound.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn into_inner<T>(m: Mutex<T>) -> T {
    m.into_inner().unwrap_or_else(PoisonError::into_inner)
}

fn walk_error(root: &Path, e: &ignore::Error) -> WalkError {
    let path = error_path(e).map_or_else(String::new, |p| {
        display_name(p.strip_prefix(root).unwrap_or(p))
    });
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn names_are_lossless_and_distinct() {
        let name = |b: &[u8]| display_name(Path::new(std::ffi::OsStr::from_bytes(b)));
        assert_eq!(name(b"src/main.rs"), "src/main.rs");
        assert_eq!(name(b"bad\xff.py"), "bad\\xFF.py");
        assert_ne!(name(b"bad\xff.py"), name(b"bad\xfe.py"));
        assert_ne!(name(b"bad\xff.py"), name(b"bad\\xFF.py"));
        assert_eq!(name(b"a\nb"), "a\\nb");
        assert_eq!(name(b"a\x1b[31m"), "a\\u{1b}[31m");
    }
}
