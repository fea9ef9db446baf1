//! Confinement: the one way assay opens a file or lists a directory of an
//! untrusted tree (the evaluated repository, its `assay.toml`, definitions,
//! attestations, waivers and ignore files).
//!
//! A pull request controls every byte of that tree, links and special files
//! included. So a path is opened only when it is relative, climbs nowhere,
//! and no component of it is a symbolic link; the final component is opened
//! with `O_NOFOLLOW` and `O_NONBLOCK` (a FIFO swapped in after the check can
//! neither redirect nor hang the open) and must then be a regular file; and
//! every read is bounded. A refusal names the path and why, never content.

use std::fs::{File, FileType, Metadata};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Definition files (`assay.toml`, policies, frameworks, risks, waivers,
/// attestations) larger than this are refused: the largest built-in file is
/// a few hundred KiB.
pub const DEFINITION_LIMIT: u64 = 16 * 1024 * 1024;

/// Ignore files (`.gitignore`, `.ignore`) larger than this are refused.
pub const IGNORE_FILE_LIMIT: u64 = 1024 * 1024;

/// Files of an untrusted tree this process has opened, counted in
/// [`open_regular`], which every such open goes through: tests/read_once.rs
/// holds the engine to one read of a file however many checks look at it,
/// and none of a file no check selects. Not part of the API.
#[doc(hidden)]
pub static OPENED: AtomicUsize = AtomicUsize::new(0);

/// What kind of directory entry a path is, from its own metadata (never a link's target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    File,
    Directory,
    Symlink,
    Fifo,
    Socket,
    BlockDevice,
    CharDevice,
    Other,
}

impl Kind {
    pub fn of(file_type: FileType) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if file_type.is_fifo() {
                return Self::Fifo;
            }
            if file_type.is_socket() {
                return Self::Socket;
            }
            if file_type.is_block_device() {
                return Self::BlockDevice;
            }
            if file_type.is_char_device() {
                return Self::CharDevice;
            }
        }
        if file_type.is_symlink() {
            Self::Symlink
        } else if file_type.is_dir() {
            Self::Directory
        } else if file_type.is_file() {
            Self::File
        } else {
            Self::Other
        }
    }

    /// A FIFO, socket or device: never opened, whatever reads it.
    pub fn is_special(self) -> bool {
        matches!(
            self,
            Self::Fifo | Self::Socket | Self::BlockDevice | Self::CharDevice | Self::Other
        )
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::File => "a regular file",
            Self::Directory => "a directory",
            Self::Symlink => "a symbolic link",
            Self::Fifo => "a FIFO (named pipe)",
            Self::Socket => "a socket",
            Self::BlockDevice => "a block device",
            Self::CharDevice => "a character device",
            Self::Other => "not a regular file",
        }
    }
}

/// Why a path was not opened.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("the path is absolute or climbs out with `..`")]
    Escapes,
    #[error("`{0}` is a symbolic link; links are not followed")]
    Link(String),
    #[error("it is {}; only regular files are read", .0.describe())]
    NotRegular(Kind),
    #[error("it is larger than the {} limit; not read", size(*.0))]
    TooLarge(u64),
    #[error("it resolves outside the root")]
    Outside,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Refusal {
    /// The file does not exist (as opposed to existing and being refused).
    pub fn is_missing(&self) -> bool {
        matches!(self, Self::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

fn size(limit: u64) -> String {
    if limit >= 1024 * 1024 && limit.is_multiple_of(1024 * 1024) {
        format!("{} MiB", limit / (1024 * 1024))
    } else {
        format!("{limit}-byte")
    }
}

/// A directory that confines every path opened beneath it.
#[derive(Debug, Clone)]
pub struct Root {
    path: PathBuf,
}

impl Root {
    /// The root itself is the caller's choice (a command-line argument) and trusted.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `root/rel`, after checking that `rel` is relative, does not climb, and
    /// that no existing component of it is a symbolic link. The final
    /// component may be missing; it is not opened.
    pub fn resolve(&self, rel: &Path) -> Result<PathBuf, Refusal> {
        let mut at = self.path.clone();
        for component in rel.components() {
            match component {
                Component::Normal(name) => at.push(name),
                Component::CurDir => continue,
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                    return Err(Refusal::Escapes);
                }
            }
            match std::fs::symlink_metadata(&at) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(Refusal::Link(rel_display(&self.path, &at)));
                }
                Ok(_) => {}
                // Nothing below a missing component exists either.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(Refusal::Io(e)),
            }
        }
        Ok(at)
    }

    /// The kind of `rel`, or `None` when it does not exist; links are refused.
    pub fn kind(&self, rel: &Path) -> Result<Option<Kind>, Refusal> {
        let at = self.resolve(rel)?;
        match std::fs::symlink_metadata(&at) {
            Ok(meta) => Ok(Some(Kind::of(meta.file_type()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Refusal::Io(e)),
        }
    }

    /// Opens the regular file `rel`.
    pub fn open(&self, rel: &Path) -> Result<File, Refusal> {
        let at = self.resolve(rel)?;
        let file = open_regular(&at)?;
        // Belt and braces: whatever the components were, the file is inside.
        if let (Ok(real), Ok(root)) = (at.canonicalize(), self.path.canonicalize())
            && !real.starts_with(&root)
        {
            return Err(Refusal::Outside);
        }
        Ok(file)
    }

    /// Reads the regular file `rel`, refusing one larger than `limit` bytes.
    pub fn read(&self, rel: &Path, limit: u64) -> Result<Vec<u8>, Refusal> {
        let mut bytes = Vec::new();
        read_bounded(self.open(rel)?, limit, &mut bytes)?;
        Ok(bytes)
    }

    /// The entries of directory `rel` (none when it does not exist), sorted by
    /// name, each with its own kind; a link is listed as a link, not followed.
    pub fn list(&self, rel: &Path) -> Result<Vec<(PathBuf, Kind)>, Refusal> {
        let at = self.resolve(rel)?;
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) => return Err(Refusal::NotRegular(Kind::of(meta.file_type()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Refusal::Io(e)),
        }
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&at)? {
            let entry = entry?;
            out.push((rel.join(entry.file_name()), Kind::of(entry.file_type()?)));
        }
        out.sort();
        Ok(out)
    }
}

/// Opens `path` without following a link in its final component and without
/// blocking on a FIFO, and refuses anything but a regular file. For paths
/// whose directories are already known to be inside the root (the walk's).
pub fn open_regular(path: &Path) -> Result<File, Refusal> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    // Checked first so that a FIFO or device is never opened at all.
    let before = std::fs::symlink_metadata(path)?;
    let kind = Kind::of(before.file_type());
    if kind == Kind::Symlink {
        return Err(Refusal::Link(crate::name::display_name(path)));
    }
    if kind != Kind::File {
        return Err(Refusal::NotRegular(kind));
    }
    let file = options.open(path).map_err(|e| match e.raw_os_error() {
        #[cfg(unix)]
        Some(libc::ELOOP) => Refusal::Link(crate::name::display_name(path)),
        _ => Refusal::Io(e),
    })?;
    OPENED.fetch_add(1, Ordering::Relaxed);
    let meta: Metadata = file.metadata()?;
    if !meta.is_file() {
        return Err(Refusal::NotRegular(Kind::of(meta.file_type())));
    }
    Ok(file)
}

/// Reads the regular file `path` (see [`open_regular`]), refusing one larger than `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, Refusal> {
    let mut bytes = Vec::new();
    read_bounded(open_regular(path)?, limit, &mut bytes)?;
    Ok(bytes)
}

/// Reads at most `limit` bytes of `file` into `buffer`, replacing what it
/// held; a file with more is refused rather than cut short.
pub fn read_bounded(file: File, limit: u64, buffer: &mut Vec<u8>) -> Result<(), Refusal> {
    buffer.clear();
    // One byte past the limit notices a file that grew since it was opened.
    file.take(limit.saturating_add(1)).read_to_end(buffer)?;
    if buffer.len() as u64 > limit {
        buffer.clear();
        return Err(Refusal::TooLarge(limit));
    }
    Ok(())
}

fn rel_display(root: &Path, at: &Path) -> String {
    crate::name::display_name(at.strip_prefix(root).unwrap_or(at))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let _ = std::fs::create_dir(dir.path().join("sub"));
        let _ = std::fs::write(dir.path().join("sub/a.toml"), "a = 1\n");
        dir
    }

    #[test]
    fn reads_inside_and_refuses_links_and_climbs() {
        let dir = tree();
        let outside = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let _ = std::fs::write(outside.path().join("key"), "secret");
        let _ = symlink(outside.path().join("key"), dir.path().join("sub/link.toml"));
        let _ = symlink(outside.path(), dir.path().join("linkdir"));
        let root = Root::new(dir.path());
        assert_eq!(
            root.read(Path::new("sub/a.toml"), 100).ok(),
            Some(b"a = 1\n".to_vec())
        );
        assert!(matches!(
            root.read(Path::new("sub/link.toml"), 100),
            Err(Refusal::Link(_))
        ));
        assert!(matches!(
            root.read(Path::new("linkdir/key"), 100),
            Err(Refusal::Link(_))
        ));
        assert!(matches!(
            root.read(Path::new("../x"), 100),
            Err(Refusal::Escapes)
        ));
        assert!(matches!(
            root.read(Path::new("/etc/passwd"), 100),
            Err(Refusal::Escapes)
        ));
        assert!(matches!(
            root.read(Path::new("sub/a.toml"), 3),
            Err(Refusal::TooLarge(3))
        ));
        assert!(matches!(
            root.list(Path::new("linkdir")),
            Err(Refusal::Link(_))
        ));
        assert!(
            root.read(Path::new("nope"), 3)
                .is_err_and(|e| e.is_missing())
        );
    }
}
