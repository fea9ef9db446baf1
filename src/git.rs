//! The one place that runs git. The scanned repository is untrusted: CI runs
//! assay on pull requests and on directories unpacked from artefacts, whose
//! `.git/config` (and every file it includes) an attacker may have written.
//! That configuration cannot be switched off, and some of it names programs
//! git runs: filters (`filter.*.clean`, `smudge`, `process`) when it reads
//! work-tree content to compare or stage it, text conversion and external
//! diffs when it renders a content diff, the fsmonitor hook when it reads the
//! index, pagers, editors, credential helpers, ssh and hooks.
//!
//! So git is only asked questions that never need one of those programs:
//! the revision is compared with the index (`diff-index --cached`, names
//! only), the index is listed with its blob ids (`ls-files -s`), untracked
//! files are listed by name (`ls-files --others`), and work-tree files are
//! hashed as raw bytes (`hash-object --no-filters`) and compared with the
//! index here, never by git. The settings that run programs on reading the
//! index or for other commands are overridden on the command line, which
//! takes precedence over every configuration file. See `command` below.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long one git command may take: a FIFO planted as `.gitignore` or
/// `info/exclude` would otherwise block `ls-files --others` for ever.
const TIMEOUT: Duration = Duration::from_secs(300);
/// The most standard output read from one git command (an index listing of
/// a million paths is about 100 MiB).
const MAX_STDOUT: u64 = 1 << 30;
const MAX_STDERR: u64 = 64 * 1024;

/// Settings given with `-c`, which override the repository's configuration
/// and its includes. None of the commands run here should reach these
/// programs; they are turned off so that a git version that does (or a
/// command added later) still runs nothing from the repository.
const OVERRIDES: &[&str] = &[
    "core.fsmonitor=false",
    "core.useBuiltinFSMonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.editor=:",
    "core.askPass=",
    "core.sshCommand=",
    "core.alternateRefsCommand=",
    "core.untrackedCache=false",
    // A FIFO or device named here would block or feed `ls-files --others`;
    // ignoring fewer files only reports more untracked ones.
    "core.excludesFile=/dev/null",
    "core.attributesFile=/dev/null",
    "diff.external=",
    "credential.helper=",
    "gpg.program=false",
    "protocol.allow=never",
    // A bare repository planted in the scanned tree is not discovered.
    "safe.bareRepository=explicit",
    // Nothing configured in the repository runs, so one owned by another
    // user (a CI checkout in a container) is as safe to list as our own.
    "safe.directory=*",
    "submodule.recurse=false",
    "gc.auto=0",
    "maintenance.auto=false",
];

/// A failure to ask git.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GitError {
    #[error("cannot run git: {source}")]
    #[diagnostic(code(assay::git::spawn), help("install git and put it on `PATH`"))]
    Spawn { source: std::io::Error },
    #[error("`git {command}` failed: {message}")]
    #[diagnostic(code(assay::git::failed))]
    Failed { command: String, message: String },
    #[error("`git {command}` did not finish within {} s", TIMEOUT.as_secs())]
    #[diagnostic(code(assay::git::timeout))]
    TimedOut { command: String },
    #[error("`git {command}` wrote more than {limit} bytes")]
    #[diagnostic(code(assay::git::too_much_output))]
    TooMuchOutput { command: String, limit: u64 },
    #[error("unexpected output from `git {command}`")]
    #[diagnostic(code(assay::git::malformed))]
    Malformed { command: String },
    #[error(
        "the git work tree of `{dir}` is `{top}`, which does not hold `{dir}` and its repository `{git_dir}`"
    )]
    #[diagnostic(
        code(assay::git::foreign_work_tree),
        help("a `core.worktree` that points elsewhere is refused: scan the work tree itself")
    )]
    ForeignWorkTree {
        dir: PathBuf,
        top: PathBuf,
        git_dir: PathBuf,
    },
    #[error("the revision `{rev}` starts with `-`")]
    #[diagnostic(code(assay::git::bad_revision), help("name a branch, tag or commit"))]
    BadRevision { rev: String },
}

/// A git work tree, found from a directory inside it and checked to hold
/// its own repository.
#[derive(Debug, Clone)]
pub struct Repo {
    top: PathBuf,
    git_dir: PathBuf,
    /// The directory it was found from, relative to `top`, `/`-terminated
    /// (empty at the top).
    prefix: Vec<u8>,
}

/// One index entry, as `ls-files -s` lists it.
struct Entry {
    mode: u32,
    oid: Vec<u8>,
    stage: u8,
    path: Vec<u8>,
}

/// Every path git tracks under `root`, relative to `root`, as raw bytes with
/// `/` separators (names that are not UTF-8 are kept as they are), read from
/// the index. Submodules are not listed: their files belong to another
/// repository. A listed path may be missing from the work tree (deleted, or
/// outside a sparse checkout), or be a symbolic link.
///
/// `None` when `root` is not inside a git work tree, and also when git is not
/// installed: either way there is no index to read.
pub fn tracked_files(root: &Path) -> Result<Option<Vec<Vec<u8>>>, GitError> {
    match Repo::discover(root) {
        Ok(Some(repo)) => repo.tracked().map(Some),
        Ok(None) => Ok(None),
        Err(GitError::Spawn { source }) if source.kind() == std::io::ErrorKind::NotFound => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// A path git printed, for the file system.
pub fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

impl Repo {
    /// The work tree holding `dir`; `None` when `dir` is not in one. Refuses
    /// a work tree that does not contain `dir`, or whose `.git` is not the
    /// repository git found (a `core.worktree` pointing elsewhere).
    pub fn discover(dir: &Path) -> Result<Option<Repo>, GitError> {
        let inside = match run(
            command(dir, None),
            "rev-parse",
            &["rev-parse", "--is-inside-work-tree"],
            None,
        ) {
            Ok(out) => out,
            // Not a repository, or a bare one that `safe.bareRepository`
            // keeps from being found: either way no work tree.
            Err(GitError::Failed { message, .. })
                if message.contains("not a git repository")
                    || message.contains("cannot use bare repository") =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if trim_newline(&inside) != b"true" {
            return Ok(None);
        }
        let args = [
            "rev-parse",
            "--show-toplevel",
            "--absolute-git-dir",
            "--show-prefix",
        ];
        let out = run(command(dir, None), "rev-parse", &args, None)?;
        let malformed = || GitError::Malformed {
            command: "rev-parse".to_owned(),
        };
        let mut lines = trim_newline(&out).split(|b| *b == b'\n');
        let (Some(top), Some(git_dir), Some(prefix), None) =
            (lines.next(), lines.next(), lines.next(), lines.next())
        else {
            return Err(malformed());
        };
        let repo = Repo {
            top: path_from_bytes(top),
            git_dir: path_from_bytes(git_dir),
            prefix: prefix.to_vec(),
        };
        if !repo.holds(dir) {
            return Err(GitError::ForeignWorkTree {
                dir: dir.to_path_buf(),
                top: repo.top,
                git_dir: repo.git_dir,
            });
        }
        Ok(Some(repo))
    }

    /// The top directory of the work tree.
    pub fn top(&self) -> &Path {
        &self.top
    }

    /// Whether `dir` is inside the work tree and the work tree's `.git` (a
    /// directory, or a `gitdir:` file as in linked work trees and submodules)
    /// is the repository git found.
    fn holds(&self, dir: &Path) -> bool {
        let canonical = |p: &Path| p.canonicalize().ok();
        let (Some(top), Some(git_dir), Some(dir)) = (
            canonical(&self.top),
            canonical(&self.git_dir),
            canonical(dir),
        ) else {
            return false;
        };
        if !dir.starts_with(&top) {
            return false;
        }
        let dot_git = top.join(".git");
        let Ok(meta) = std::fs::symlink_metadata(&dot_git) else {
            return false;
        };
        let found = if meta.is_dir() || meta.is_symlink() {
            canonical(&dot_git)
        } else if meta.is_file() && meta.len() < 4096 {
            std::fs::read_to_string(&dot_git).ok().and_then(|text| {
                let target = text.strip_prefix("gitdir:")?.trim();
                canonical(&top.join(target))
            })
        } else {
            None
        };
        found == Some(git_dir)
    }

    /// See [`tracked_files`].
    pub fn tracked(&self) -> Result<Vec<Vec<u8>>, GitError> {
        let mut out: Vec<Vec<u8>> = self
            .index()?
            .into_iter()
            .filter(|e| e.mode & 0o170000 != 0o160000)
            .filter_map(|e| {
                e.path
                    .strip_prefix(self.prefix.as_slice())
                    .map(<[u8]>::to_vec)
            })
            .collect();
        out.dedup();
        Ok(out)
    }

    /// Paths that differ between `rev` and the work tree, relative to
    /// [`Repo::top`]: changed in commits since `rev`, staged, modified in the
    /// work tree (including deleted, and type or executable-bit changes) and
    /// untracked (not ignored). When in doubt a path is reported: a work-tree
    /// file whose bytes differ from its blob only by a clean filter or
    /// line-ending conversion counts as changed.
    pub fn changed_since(&self, rev: &str) -> Result<Vec<Vec<u8>>, GitError> {
        if rev.starts_with('-') {
            return Err(GitError::BadRevision {
                rev: rev.to_owned(),
            });
        }
        let spec = format!("{rev}^{{commit}}");
        let oid = self.git(
            "rev-parse",
            &["rev-parse", "--verify", "--end-of-options", &spec],
            None,
        )?;
        let oid = String::from_utf8_lossy(trim_newline(&oid)).into_owned();
        let committed = self.git(
            "diff-index",
            &[
                "diff-index",
                "--cached",
                "--name-only",
                "-z",
                "--no-renames",
                "--no-ext-diff",
                "--no-textconv",
                &oid,
                "--",
            ],
            None,
        )?;
        let untracked = self.git(
            "ls-files",
            &["ls-files", "--others", "--exclude-standard", "-z"],
            None,
        )?;
        let mut out: Vec<Vec<u8>> = nul_separated(&committed)
            .chain(nul_separated(&untracked))
            .map(<[u8]>::to_vec)
            .collect();
        out.extend(self.modified(&self.index()?)?);
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Index entries whose work-tree file differs: missing, conflicted, of
    /// another type or executable bit, behind a symbolic link, or with other
    /// bytes (hashed raw by `hash-object --no-filters`; link targets compared
    /// with their blobs from `cat-file --batch`). Submodules are not compared.
    fn modified(&self, index: &[Entry]) -> Result<Vec<Vec<u8>>, GitError> {
        let mut changed = Vec::new();
        let (mut files, mut links) = (Vec::new(), Vec::new());
        let mut dirs = HashMap::new();
        for e in index {
            let kind = e.mode & 0o170000;
            if kind == 0o160000 {
                continue;
            }
            let real = path_from_bytes(&e.path);
            let meta = if self.real_parents(&e.path, &mut dirs) {
                std::fs::symlink_metadata(self.top.join(&real)).ok()
            } else {
                None
            };
            match meta {
                Some(m) if e.stage == 0 && kind == 0o100000 && m.is_file() => {
                    if executable(&m) == Some(e.mode & 0o111 == 0) {
                        changed.push(e.path.clone());
                    } else {
                        files.push(e);
                    }
                }
                Some(m) if e.stage == 0 && kind == 0o120000 && m.is_symlink() => links.push(e),
                _ => changed.push(e.path.clone()),
            }
        }
        changed.extend(self.differing_files(&files)?);
        changed.extend(self.differing_links(&links)?);
        Ok(changed)
    }

    /// Whether every directory above `path` is a directory, not a symbolic
    /// link (git does not follow one to a tracked path, nor do we).
    fn real_parents(&self, path: &[u8], seen: &mut HashMap<Vec<u8>, bool>) -> bool {
        let mut end = 0;
        while let Some(slash) = path
            .get(end..)
            .and_then(|rest| rest.iter().position(|b| *b == b'/'))
        {
            end += slash;
            let Some(dir) = path.get(..end) else {
                return false;
            };
            let ok = *seen.entry(dir.to_vec()).or_insert_with(|| {
                std::fs::symlink_metadata(self.top.join(path_from_bytes(dir)))
                    .is_ok_and(|m| m.is_dir())
            });
            if !ok {
                return false;
            }
            end += 1;
        }
        true
    }

    /// Regular files whose raw bytes hash to another blob than the index's.
    fn differing_files(&self, files: &[&Entry]) -> Result<Vec<Vec<u8>>, GitError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let mut input = Vec::new();
        for e in files {
            input.extend(c_quote(&e.path));
            input.push(b'\n');
        }
        let out = self.git(
            "hash-object",
            &["hash-object", "--no-filters", "--stdin-paths"],
            Some(&input),
        )?;
        let hashes: Vec<&[u8]> = trim_newline(&out).split(|b| *b == b'\n').collect();
        if hashes.len() != files.len() {
            return Err(GitError::Malformed {
                command: "hash-object".to_owned(),
            });
        }
        Ok(files
            .iter()
            .zip(hashes)
            .filter(|(e, hash)| e.oid != *hash)
            .map(|(e, _)| e.path.clone())
            .collect())
    }

    /// Symbolic links whose target differs from the index's blob.
    fn differing_links(&self, links: &[&Entry]) -> Result<Vec<Vec<u8>>, GitError> {
        if links.is_empty() {
            return Ok(Vec::new());
        }
        let mut input = Vec::new();
        for e in links {
            input.extend(&e.oid);
            input.push(b'\n');
        }
        let out = self.git("cat-file", &["cat-file", "--batch"], Some(&input))?;
        let blobs = parse_batch(&out).ok_or_else(|| GitError::Malformed {
            command: "cat-file".to_owned(),
        })?;
        Ok(links
            .iter()
            .zip(blobs.into_iter().chain(std::iter::repeat(None)))
            .filter(|(e, blob)| {
                let target = std::fs::read_link(self.top.join(path_from_bytes(&e.path)));
                match (target, blob) {
                    (Ok(t), Some(b)) => link_bytes(&t).as_deref() != Some(*b),
                    _ => true,
                }
            })
            .map(|(e, _)| e.path.clone())
            .collect())
    }

    /// The whole index, paths relative to [`Repo::top`], in index order.
    fn index(&self) -> Result<Vec<Entry>, GitError> {
        let out = self.git("ls-files", &["ls-files", "-s", "-z"], None)?;
        nul_separated(&out)
            .map(|record| {
                parse_entry(record).ok_or_else(|| GitError::Malformed {
                    command: "ls-files".to_owned(),
                })
            })
            .collect()
    }

    /// Runs git in this work tree, with the repository named explicitly so
    /// that nothing is discovered twice.
    fn git(&self, name: &str, args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, GitError> {
        run(command(&self.top, Some(self)), name, args, input)
    }
}

/// `<mode> SP <oid> SP <stage> TAB <path>`
fn parse_entry(record: &[u8]) -> Option<Entry> {
    let tab = record.iter().position(|b| *b == b'\t')?;
    let (head, path) = (record.get(..tab)?, record.get(tab + 1..)?);
    let mut fields = head.split(|b| *b == b' ');
    let mode = u32::from_str_radix(std::str::from_utf8(fields.next()?).ok()?, 8).ok()?;
    let oid = fields.next()?.to_vec();
    let stage = std::str::from_utf8(fields.next()?).ok()?.parse().ok()?;
    Some(Entry {
        mode,
        oid,
        stage,
        path: path.to_vec(),
    })
}

/// The contents of each object in `cat-file --batch` output, `None` for a
/// missing one.
fn parse_batch(mut out: &[u8]) -> Option<Vec<Option<&[u8]>>> {
    let mut blobs = Vec::new();
    while !out.is_empty() {
        let eol = out.iter().position(|b| *b == b'\n')?;
        let header = std::str::from_utf8(out.get(..eol)?).ok()?;
        out = out.get(eol + 1..)?;
        if header.ends_with(" missing") {
            blobs.push(None);
            continue;
        }
        let size: usize = header.rsplit(' ').next()?.parse().ok()?;
        blobs.push(Some(out.get(..size)?));
        out = out.get(size + 1..)?;
    }
    Some(blobs)
}

/// Whether a work-tree file is executable; `None` where the file system
/// has no such bit.
fn executable(meta: &std::fs::Metadata) -> Option<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o100 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// A link target as git stores it; `None` where that is not known (then the
/// link counts as changed).
fn link_bytes(target: &Path) -> Option<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(target.as_os_str().as_bytes().to_vec())
    }
    #[cfg(not(unix))]
    {
        let _ = target;
        None
    }
}

fn nul_separated(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes.split(|b| *b == 0).filter(|p| !p.is_empty())
}

fn trim_newline(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\n").unwrap_or(bytes)
}

/// A git command with every setting that could run a program overridden and
/// the caller's `GIT_*` environment removed (it could name another
/// repository, index or work tree, or more configuration; only
/// `GIT_CEILING_DIRECTORIES` is kept), run in `dir`
/// (`-C`, so the process itself starts in assay's own directory).
fn command(dir: &Path, repo: Option<&Repo>) -> Command {
    let mut cmd = Command::new("git");
    for (key, _) in std::env::vars_os() {
        // The ceiling only stops discovery early, so the caller's is kept.
        if key.as_encoded_bytes().starts_with(b"GIT_") && key != "GIT_CEILING_DIRECTORIES" {
            cmd.env_remove(key);
        }
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_ATTR_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        .env("GIT_PAGER", "cat")
        .env("PAGER", "cat")
        .env("LC_ALL", "C")
        .env_remove("LANGUAGE")
        .env_remove("SSH_ASKPASS");
    cmd.arg("--no-pager").arg("-C").arg(dir);
    if let Some(repo) = repo {
        let mut git_dir = OsString::from("--git-dir=");
        git_dir.push(&repo.git_dir);
        let mut work_tree = OsString::from("--work-tree=");
        work_tree.push(&repo.top);
        cmd.arg(git_dir).arg(work_tree);
    }
    for o in OVERRIDES {
        cmd.arg("-c").arg(o);
    }
    cmd
}

enum Stream {
    Out(Result<Vec<u8>, u64>),
    Err(Result<Vec<u8>, u64>),
}

/// Runs `cmd args`, feeding `input` (standard input is closed without it),
/// with bounded output and time. `name` names the command in errors.
fn run(
    mut cmd: Command,
    name: &str,
    args: &[&str],
    input: Option<&[u8]>,
) -> Result<Vec<u8>, GitError> {
    cmd.args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|source| GitError::Spawn { source })?;
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let (tx, rx) = mpsc::channel();
    let (out, err, timed_out) = std::thread::scope(|s| {
        if let (Some(mut pipe), Some(bytes)) = (stdin, input) {
            // An error here is git exiting early; its status says why.
            s.spawn(move || pipe.write_all(bytes).is_ok());
        }
        let tx_err = tx.clone();
        s.spawn(move || tx.send(Stream::Out(read_bounded(stdout, MAX_STDOUT))));
        s.spawn(move || tx_err.send(Stream::Err(read_bounded(stderr, MAX_STDERR))));
        let deadline = Instant::now() + TIMEOUT;
        let (mut out, mut err) = (None, None);
        while out.is_none() || err.is_none() {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Stream::Out(r)) => out = Some(r),
                Ok(Stream::Err(r)) => err = Some(r),
                Err(_) => {
                    // Killing git closes its pipes, which ends the readers.
                    let _ = child.kill();
                    return (out, err, true);
                }
            }
            if matches!(out, Some(Err(_))) || matches!(err, Some(Err(_))) {
                let _ = child.kill();
            }
        }
        (out, err, false)
    });
    let status = child.wait().map_err(|source| GitError::Spawn { source })?;
    let command = name.to_owned();
    if timed_out {
        return Err(GitError::TimedOut { command });
    }
    let (Some(out), Some(err)) = (out, err) else {
        return Err(GitError::Malformed { command });
    };
    let out = out.map_err(|limit| GitError::TooMuchOutput {
        command: command.clone(),
        limit,
    })?;
    if !status.success() {
        let err = err.unwrap_or_default();
        let message = String::from_utf8_lossy(&err).trim().replace('\n', "; ");
        return Err(GitError::Failed { command, message });
    }
    Ok(out)
}

fn read_bounded(pipe: Option<impl Read>, limit: u64) -> Result<Vec<u8>, u64> {
    let mut buf = Vec::new();
    if let Some(pipe) = pipe {
        // A read error ends the output early; git's exit status tells.
        let _ = pipe.take(limit + 1).read_to_end(&mut buf);
    }
    if buf.len() as u64 > limit {
        return Err(limit);
    }
    Ok(buf)
}

/// Quotes `path` the way `--stdin-paths` unquotes it, so that a name with a
/// newline or a leading quote is read back as itself.
fn c_quote(path: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &b in path {
        match b {
            b'"' | b'\\' => out.extend([b'\\', b]),
            0x20..=0x7e => out.push(b),
            _ => out.extend(format!("\\{b:03o}").into_bytes()),
        }
    }
    out.push(b'"');
    out
}
