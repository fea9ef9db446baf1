//! Writing a bundle as a `.tar.gz` or a directory, atomically, and reading
//! one back whole. `assay verify` does not read it whole: it streams the
//! bundle through `scan`, so that memory does not follow the bundle's size.
//!
//! Atomic: everything is written under a temporary name beside the target
//! and renamed into place only when complete, so an interrupted run leaves
//! no bundle that looks finished. Deterministic: entries in path order,
//! mode 0644, owner 0, mtime the run's as-of time.

use super::{Bundle, BundleFile};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// An entry larger than this is not read back: a bundle is not a place for
/// gigabytes, and a crafted archive must not exhaust memory.
const MAX_ENTRY: u64 = 1 << 30;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BundleError {
    #[error("cannot write the bundle `{path}`: {source}")]
    #[diagnostic(code(assay::evidence::write))]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("`{0}` already exists and is not empty")]
    #[diagnostic(
        code(assay::evidence::exists),
        help(
            "a directory bundle is written to a new or empty directory; remove it or choose another --out"
        )
    )]
    Exists(String),
    #[error("cannot read the bundle `{path}`: {message}")]
    #[diagnostic(code(assay::evidence::read))]
    Read { path: String, message: String },
}

/// Writes the bundle to `out`: a directory when it ends in `/`, else a gzip tar.
pub fn write_bundle(bundle: &Bundle, out: &Path, mtime: u64) -> Result<(), BundleError> {
    write_bundle_with(bundle, out, mtime, |_| Ok(()))
}

/// As [`write_bundle`], calling `between` after each file is written: tests
/// use it to interrupt a write half-way.
pub fn write_bundle_with(
    bundle: &Bundle,
    out: &Path,
    mtime: u64,
    mut between: impl FnMut(&BundleFile) -> std::io::Result<()>,
) -> Result<(), BundleError> {
    let as_dir = out.as_os_str().to_string_lossy().ends_with('/');
    let target = PathBuf::from(out.as_os_str().to_string_lossy().trim_end_matches('/'));
    let err = |source| BundleError::Write {
        path: out.display().to_string(),
        source,
    };
    let temp = temporary(&target);
    let written = if as_dir {
        if target.exists() && !is_empty_dir(&target) {
            return Err(BundleError::Exists(out.display().to_string()));
        }
        write_dir(bundle, &temp, &mut between)
    } else {
        write_tar_gz(bundle, &temp, mtime, &mut between)
    };
    if let Err(e) = written {
        let _ = remove(&temp);
        return Err(err(e));
    }
    if as_dir && target.exists() {
        // Only an empty directory is here (checked above): replace it.
        let _ = std::fs::remove_dir(&target);
    }
    std::fs::rename(&temp, &target).map_err(|e| {
        let _ = remove(&temp);
        err(e)
    })
}

/// `.NAME.partial-PID` beside the target: same file system, so the rename is atomic.
fn temporary(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".to_owned());
    target.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

fn is_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}

fn remove(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

fn write_dir(
    bundle: &Bundle,
    dir: &Path,
    between: &mut impl FnMut(&BundleFile) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let _ = remove(dir);
    std::fs::create_dir_all(dir)?;
    for file in &bundle.files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.bytes)?;
        between(file)?;
    }
    sync_dir(dir)
}

fn write_tar_gz(
    bundle: &Bundle,
    path: &Path,
    mtime: u64,
    between: &mut impl FnMut(&BundleFile) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    // The gzip header carries no name and no time: `GzEncoder::new` writes mtime 0.
    // Level 1: deflate dominated the run at the default level (68% of a
    // 20,000-file bundle); level 1 is several times faster for a larger file.
    let gz = GzEncoder::new(std::io::BufWriter::new(file), Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for f in &bundle.files {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(f.bytes.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(mtime);
        tar.append_data(&mut header, &f.path, f.bytes.as_slice())?;
        between(f)?;
    }
    let gz = tar.into_inner()?;
    let buffered = gz.finish()?;
    let file = buffered.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// A bundle as read: its files by path, and the entries that are not
/// regular files.
pub type Read = (BTreeMap<String, Vec<u8>>, Vec<String>);

/// Reads every file of a bundle (a directory or a gzip tar) into memory by
/// its `/`-separated path, for tools and tests that inspect a bundle of
/// their own making; [`super::verify()`] streams instead. Anything that is not
/// a regular file is named as an unexpected entry, never followed.
pub fn read_bundle(path: &Path) -> Result<Read, BundleError> {
    let fail = |message: String| BundleError::Read {
        path: path.display().to_string(),
        message,
    };
    let meta = std::fs::symlink_metadata(path).map_err(|e| fail(e.to_string()))?;
    if meta.is_dir() {
        read_dir(path).map_err(|e| fail(e.to_string()))
    } else {
        read_tar_gz(path).map_err(fail)
    }
}

fn read_dir(root: &Path) -> std::io::Result<Read> {
    let mut files = BTreeMap::new();
    let mut odd = Vec::new();
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
            // `file_type` does not follow symbolic links: a link is odd, not read.
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push((entry.path(), format!("{rel}/")));
            } else if kind.is_file() && entry.metadata()?.len() <= MAX_ENTRY {
                files.insert(rel, std::fs::read(entry.path())?);
            } else {
                odd.push(rel);
            }
        }
    }
    odd.sort();
    Ok((files, odd))
}

fn read_tar_gz(path: &Path) -> Result<Read, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let gz = flate2::read::GzDecoder::new(std::io::BufReader::new(file));
    let mut archive = tar::Archive::new(gz);
    let mut files = BTreeMap::new();
    let mut odd = Vec::new();
    let entries = archive
        .entries()
        .map_err(|e| format!("not a gzip tar archive: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("not a gzip tar archive: {e}"))?;
        let name = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .map_err(|e| e.to_string())?;
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() || entry.size() > MAX_ENTRY {
            odd.push(name);
            continue;
        }
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| format!("`{name}`: {e}"))?;
        if files.insert(name.clone(), bytes).is_some() {
            odd.push(format!("{name} (twice)"));
        }
    }
    Ok((files, odd))
}
