//! One pass over a bundle for `assay verify`: the size and SHA-256 of every
//! entry, streamed through a fixed buffer, and the few small files that
//! verification reads whole.
//!
//! Why streaming: a bundle is untrusted input, and a tar of zeros gzips a
//! thousandfold, so 18 MB on disk can unpack to gigabytes. Memory here is
//! bounded by [`BUFFER`], the manifest and the signature (at most
//! [`MAX_METADATA`] each), the strings of `report.json` that are parsed, and
//! a name and digest per entry (at most [`MAX_ENTRIES`] entries), never by
//! the size of an entry.

use super::BundleError;
use super::manifest::{FileDigest, MANIFEST};
use super::sign::SIGNATURE;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};
use std::path::Path;

/// The buffer every entry is hashed through.
pub const BUFFER: usize = 64 * 1024;

/// The most of `manifest.json` or `attestation.dsse.json` that is read.
/// A manifest lists about 120 bytes per file and 200 per input, so this
/// holds a 50,000-file repository with every file copied. Checking its
/// canonical form costs about ten times its size (measured), which sets
/// the memory bound the README states.
pub const MAX_METADATA: u64 = 16 << 20;

/// The most entries recorded. A manifest lists at least 95 bytes per file,
/// so one within [`MAX_METADATA`] lists fewer than 180,000: a bundle with
/// more entries is not intact whatever they hold.
pub const MAX_ENTRIES: usize = 200_000;

/// The longest GNU long name read (a path, so far above any `PATH_MAX`).
const MAX_NAME: u64 = 64 * 1024;

/// The longest JSON string of `report.json` let through to the parser, which
/// buffers object keys and the values it keeps whole.
const MAX_STRING: usize = 16 << 20;

const REPORT: &str = "report.json";

/// A small file read whole, unless it is larger than [`MAX_METADATA`].
#[derive(Debug)]
pub(crate) enum Small {
    Read(Vec<u8>),
    /// Its size: hashed, but not kept.
    TooLarge(u64),
}

/// What `report.json` says about its run: all verification reads of it.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReportHead {
    #[serde(default)]
    pub as_of: Option<String>,
    #[serde(default)]
    pub tool: Option<ReportTool>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReportTool {
    #[serde(default)]
    pub version: Option<String>,
}

/// A bundle as one pass over it found it.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Size and SHA-256 of every regular file, by `/`-separated path.
    pub files: BTreeMap<String, FileDigest>,
    pub manifest: Option<Small>,
    pub signature: Option<Small>,
    /// `report.json` as parsed, or why it could not be.
    pub report: Option<Result<ReportHead, String>>,
    /// Entries that are not regular files, and entries present twice.
    pub unexpected: Vec<String>,
    /// Why the archive could not be read to its end, or what follows its end.
    pub damage: Vec<String>,
    buffer: Vec<u8>,
}

/// Reads a bundle (a directory or a gzip tar) once. A file that is not gzip
/// at all, or a directory that cannot be listed, is an error: it is not a
/// bundle. Damage after a gzip header is found is in [`Scan::damage`].
pub(crate) fn scan(path: &Path) -> Result<Scan, BundleError> {
    let fail = |message: String| BundleError::Read {
        path: path.display().to_string(),
        message,
    };
    let mut scan = Scan {
        buffer: vec![0; BUFFER],
        ..Scan::default()
    };
    let meta = std::fs::symlink_metadata(path).map_err(|e| fail(e.to_string()))?;
    if meta.is_dir() {
        scan_dir(path, &mut scan).map_err(|e| fail(e.to_string()))?;
    } else {
        scan_tar_gz(path, &mut scan).map_err(fail)?;
    }
    scan.unexpected.sort();
    Ok(scan)
}

impl Scan {
    fn full(&self) -> bool {
        self.files.len() + self.unexpected.len() >= MAX_ENTRIES
    }

    /// Hashes one regular file; `hint` is its size as announced.
    fn file(&mut self, name: String, hint: u64, reader: impl Read) -> io::Result<()> {
        if self.files.contains_key(&name) {
            self.unexpected.push(format!("{name} (twice)"));
            return Ok(());
        }
        let keep = if name == MANIFEST || name == SIGNATURE {
            MAX_METADATA
        } else {
            0
        };
        let mut hashed = Hashed::new(reader, keep, hint);
        if name == REPORT {
            self.report = Some(report_head(&mut hashed)?);
        }
        drain(&mut hashed, &mut self.buffer)?;
        let (digest, small) = hashed.finish();
        if name == MANIFEST {
            self.manifest = Some(small);
        } else if name == SIGNATURE {
            self.signature = Some(small);
        }
        self.files.insert(name, digest);
        Ok(())
    }
}

/// A reader that hashes what passes through it and keeps up to `keep` bytes.
struct Hashed<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
    keep: u64,
    kept: Vec<u8>,
    over: bool,
    /// The first read error, so that a parser's report of it is not taken
    /// for bad JSON.
    failed: Option<io::Error>,
}

impl<R: Read> Hashed<R> {
    /// `hint` is the size announced: a file announced larger than `keep`
    /// is not kept at all, so its bytes are never buffered.
    fn new(inner: R, keep: u64, hint: u64) -> Self {
        let over = hint > keep;
        let capacity = if over { 0 } else { hint };
        Hashed {
            inner,
            hasher: Sha256::new(),
            size: 0,
            keep,
            kept: Vec::with_capacity(usize::try_from(capacity).unwrap_or(0)),
            over,
            failed: None,
        }
    }

    fn finish(self) -> (FileDigest, Small) {
        let digest = FileDigest {
            size: self.size,
            sha256: crate::inputs::hex(&self.hasher.finalize()),
        };
        let small = if self.over {
            Small::TooLarge(self.size)
        } else {
            Small::Read(self.kept)
        };
        (digest, small)
    }
}

impl<R: Read> Read for Hashed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => {
                self.failed = Some(io::Error::new(e.kind(), e.to_string()));
                return Err(e);
            }
        };
        let chunk = buf.get(..n).unwrap_or_default();
        self.hasher.update(chunk);
        self.size += n as u64;
        if self.keep > 0 && !self.over {
            if self.kept.len() as u64 + n as u64 <= self.keep {
                self.kept.extend_from_slice(chunk);
            } else {
                self.over = true;
                self.kept = Vec::new();
            }
        }
        Ok(n)
    }
}

/// Reads `reader` to its end through `buffer`, discarding what it reads.
fn drain(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<()> {
    while reader.read(buffer)? > 0 {}
    Ok(())
}

/// Parses the head of `report.json` as it streams past; the parser skips
/// everything else without buffering it.
fn report_head<R: Read>(hashed: &mut Hashed<R>) -> io::Result<Result<ReportHead, String>> {
    let reader = io::BufReader::with_capacity(BUFFER, Strings::new(&mut *hashed));
    let parsed = serde_json::from_reader::<_, ReportHead>(reader);
    if let Some(e) = hashed.failed.take() {
        return Err(e);
    }
    Ok(parsed.map_err(|e| e.to_string()))
}

/// Fails once a JSON string runs past [`MAX_STRING`] bytes.
struct Strings<R> {
    inner: R,
    inside: bool,
    escaped: bool,
    run: usize,
}

impl<R> Strings<R> {
    fn new(inner: R) -> Self {
        Strings {
            inner,
            inside: false,
            escaped: false,
            run: 0,
        }
    }
}

impl<R: Read> Read for Strings<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in buf.get(..n).unwrap_or_default() {
            if !self.inside {
                self.inside = b == b'"';
                self.run = 0;
            } else if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.inside = false;
            }
            self.run += usize::from(self.inside);
        }
        if self.run > MAX_STRING {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a string longer than {} MiB", MAX_STRING >> 20),
            ));
        }
        Ok(n)
    }
}

fn scan_dir(root: &Path, scan: &mut Scan) -> io::Result<()> {
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            if scan.full() {
                scan.damage.push(too_many());
                return Ok(());
            }
            let entry = entry?;
            let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
            // `file_type` does not follow symbolic links: a link is unexpected, not read.
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push((entry.path(), format!("{rel}/")));
            } else if kind.is_file() {
                let file = std::fs::File::open(entry.path())?;
                let hint = file.metadata()?.len();
                scan.file(rel, hint, file)?;
            } else {
                scan.unexpected.push(rel);
            }
        }
    }
    Ok(())
}

fn too_many() -> String {
    format!("the bundle has more than {MAX_ENTRIES} entries; the rest were not read")
}

/// Reads a gzip tar. Only a file that does not start as gzip is an error;
/// damage further on is recorded, naming the last entry read whole.
fn scan_tar_gz(path: &Path, scan: &mut Scan) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut input = io::BufReader::with_capacity(BUFFER, file);
    let head = input.fill_buf().map_err(|e| e.to_string())?;
    if !head.starts_with(&[0x1f, 0x8b]) {
        return Err("not a gzip tar archive".to_owned());
    }
    let mut archive = tar::Archive::new(flate2::bufread::GzDecoder::new(input));
    if let Err(why) = tar_entries(&mut archive, scan) {
        scan.damage.push(why);
        return Ok(());
    }
    // Past the end of the archive: the rest of the gzip stream (read to its
    // end, so its checksum is checked) holds only zeros, and nothing follows it.
    let mut gz = archive.into_inner();
    let buffer = &mut scan.buffer;
    let mut zeros = true;
    loop {
        match gz.read(buffer) {
            Ok(0) => break,
            Ok(n) => zeros &= buffer.get(..n).unwrap_or_default().iter().all(|b| *b == 0),
            Err(e) => {
                scan.damage.push(format!("the gzip stream is damaged: {e}"));
                return Ok(());
            }
        }
    }
    let after = gz
        .into_inner()
        .fill_buf()
        .map_or(true, |rest| !rest.is_empty());
    if !zeros || after {
        scan.damage
            .push("data follows the end of the archive".to_owned());
    }
    Ok(())
}

/// Every entry of the archive, taken raw so that no extension header is read
/// whole without a bound. assay writes GNU long names and nothing else of
/// the kind; PAX headers and long link names are named as unexpected.
fn tar_entries(archive: &mut tar::Archive<impl Read>, scan: &mut Scan) -> Result<(), String> {
    let mut last: Option<String> = None;
    let damaged = |e: io::Error, last: &Option<String>| match last {
        Some(name) => format!("the archive is damaged after `{name}`: {e}"),
        None => format!("the archive is damaged before its first entry: {e}"),
    };
    let mut long_name: Option<String> = None;
    let entries = archive.entries().map_err(|e| damaged(e, &None))?;
    for entry in entries.raw(true) {
        if scan.full() {
            return Err(too_many());
        }
        let mut entry = entry.map_err(|e| damaged(e, &last))?;
        let kind = entry.header().entry_type();
        if kind.is_gnu_longname() {
            let size = entry.size();
            if size > MAX_NAME {
                return Err(format!(
                    "a long name of {size} bytes, more than {} KiB, after `{}`",
                    MAX_NAME >> 10,
                    last.as_deref().unwrap_or("the start")
                ));
            }
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| damaged(e, &last))?;
            let bytes = bytes.strip_suffix(&[0]).unwrap_or(&bytes);
            long_name = Some(String::from_utf8_lossy(bytes).into_owned());
            continue;
        }
        let name = long_name
            .take()
            .unwrap_or_else(|| String::from_utf8_lossy(&entry.path_bytes()).into_owned());
        if kind.is_file() {
            let size = entry.size();
            scan.file(name.clone(), size, &mut entry)
                .map_err(|e| format!("the archive is damaged in `{name}`: {e}"))?;
        } else if kind.is_pax_local_extensions()
            || kind.is_pax_global_extensions()
            || kind.is_gnu_longlink()
        {
            scan.unexpected
                .push(format!("{name} (an extension header assay does not write)"));
        } else if !kind.is_dir() {
            scan.unexpected.push(name.clone());
        }
        last = Some(name);
    }
    if long_name.is_some() {
        return Err("the archive ends with a long name that names no entry".to_owned());
    }
    Ok(())
}
