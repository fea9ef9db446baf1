//! Gathering the inputs of a run with their digests: repository files as
//! the engine hashed them while judging them, exports and definition files
//! as read, attestation evidence as hashed when the project was loaded.

use super::contents::KeptInput;
use super::sha256;
use crate::engine::{ExaminedFile, ExportTarget, ImportTarget};
use crate::inputs::{Input, InputKind};
use crate::load::Loaded;
use crate::model::CheckId;
use crate::outcome::CheckResult;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Every input of the run, sorted by kind then path, each once (two
/// attestations may cite one file). `dir` is the project directory, which
/// paths of definitions, exports and attestation evidence are made relative to.
pub fn collect(
    dir: &Path,
    loaded: &Loaded,
    examined: Vec<ExaminedFile>,
    exports: &[ExportTarget],
    imports: &[ImportTarget],
    checks: &[CheckResult],
    copy_limit: u64,
) -> std::io::Result<Vec<KeptInput>> {
    let mut kept: Vec<KeptInput> = examined
        .into_iter()
        .map(|f| KeptInput {
            input: Input {
                kind: InputKind::Repository,
                path: f.path,
                size: f.size,
                sha256: f.sha256,
            },
            copy: f.copy,
            checks: f.checks,
        })
        .collect();
    for (name, text) in &loaded.definitions {
        let bytes = text.as_bytes();
        kept.push(KeptInput {
            input: Input {
                kind: InputKind::Config,
                path: relative(dir, name),
                size: bytes.len() as u64,
                sha256: sha256(bytes),
            },
            copy: Some(bytes.to_vec()),
            checks: Vec::new(),
        });
    }
    kept.extend(export_inputs(dir, exports, checks, copy_limit)?);
    kept.extend(import_inputs(dir, imports, checks)?);
    for a in &loaded.project.attestations {
        for e in &a.evidence {
            let copy = (e.size <= copy_limit)
                .then(|| {
                    crate::confine::Root::new(dir)
                        .read(std::path::Path::new(&e.path), copy_limit)
                        .ok()
                })
                .flatten();
            kept.push(KeptInput {
                input: Input {
                    kind: InputKind::Attestation,
                    path: e.path.clone(),
                    size: e.size,
                    sha256: e.sha256.clone(),
                },
                copy,
                checks: Vec::new(),
            });
        }
    }
    kept.sort_by(|a, b| a.input.cmp(&b.input));
    kept.dedup_by(|a, b| a.input.kind == b.input.kind && a.input.path == b.input.path);
    Ok(kept)
}

/// Export files, hashed in parallel and streamed: they can be large.
fn export_inputs(
    dir: &Path,
    exports: &[ExportTarget],
    checks: &[CheckResult],
    copy_limit: u64,
) -> std::io::Result<Vec<KeptInput>> {
    let files: Vec<(&ExportTarget, &std::path::PathBuf)> = exports
        .iter()
        .flat_map(|t| t.opened.iter().map(move |f| (t, f)))
        .collect();
    files
        .par_iter()
        .map(|(target, file)| {
            let (size, sha256, copy) = hash_file(file, copy_limit)?;
            let users: Vec<CheckId> = checks
                .iter()
                .filter(|c| c.sources.iter().any(|s| s == &target.kind))
                .map(|c| c.id.clone())
                .collect();
            Ok(KeptInput {
                input: Input {
                    kind: InputKind::Export,
                    path: relative(dir, &file.to_string_lossy()),
                    size,
                    sha256,
                },
                copy,
                checks: users,
            })
        })
        .collect()
}

/// Imported files, hashed in parallel and never copied: a scanner's output
/// quotes what it found, secrets included.
fn import_inputs(
    dir: &Path,
    imports: &[ImportTarget],
    checks: &[CheckResult],
) -> std::io::Result<Vec<KeptInput>> {
    let users: Vec<CheckId> = checks
        .iter()
        .filter(|c| c.sources.iter().any(|s| s == "import"))
        .map(|c| c.id.clone())
        .collect();
    imports
        .iter()
        .flat_map(|t| &t.opened)
        .collect::<Vec<_>>()
        .par_iter()
        .map(|file| {
            let (size, sha256, _) = hash_file(file, 0)?;
            Ok(KeptInput {
                input: Input {
                    kind: InputKind::Import,
                    path: relative(dir, &file.to_string_lossy()),
                    size,
                    sha256,
                },
                copy: None,
                checks: users.clone(),
            })
        })
        .collect()
}

fn hash_file(path: &Path, copy_limit: u64) -> std::io::Result<(u64, String, Option<Vec<u8>>)> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut copy = Vec::new();
    let mut size: u64 = 0;
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        let Some(chunk) = buffer.get(..n).filter(|c| !c.is_empty()) else {
            break;
        };
        hasher.update(chunk);
        size += n as u64;
        if size <= copy_limit {
            copy.extend_from_slice(chunk);
        }
    }
    let copy = (size <= copy_limit).then_some(copy);
    Ok((size, crate::inputs::hex(&hasher.finalize()), copy))
}

/// `path` relative to the project directory when it lies inside it.
fn relative(dir: &Path, path: &str) -> String {
    Path::new(path)
        .strip_prefix(dir)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_owned())
}
