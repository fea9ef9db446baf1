//! `assay verify`: recompute every digest, check that the manifest agrees
//! with itself and with the report, and check the signature when a key is
//! given. Every altered, added or missing file is named. The bundle is read
//! once, streaming (see [`super::scan`]): memory does not grow with the size
//! of its files.

use super::BundleError;
use super::canonical;
use super::manifest::{FileDigest, MANIFEST, Manifest};
use super::scan::{self, MAX_METADATA, Scan, Small};
use super::sign::{self, SIGNATURE};
use ed25519_dalek::VerifyingKey;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const REPORT: &str = "report.json";

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    /// Files whose digest was recomputed.
    pub checked: usize,
    pub altered: BTreeSet<String>,
    pub added: BTreeSet<String>,
    pub missing: BTreeSet<String>,
    /// Entries that are not regular files (links, devices), never read, and
    /// entries present twice.
    pub unexpected: Vec<String>,
    /// Where the manifest contradicts itself or the report, and where the
    /// archive is damaged or too large to read.
    pub inconsistent: Vec<String>,
    pub signature: SignatureState,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SignatureState {
    /// No envelope, and no key asked for one.
    #[default]
    Unsigned,
    /// An envelope is present; no key was given to check it.
    NotChecked,
    /// Signed by the given key, over exactly these files.
    Verified {
        keyid: String,
    },
    Invalid(String),
    /// A key was given but the bundle is not signed.
    Missing,
}

impl Verdict {
    pub fn intact(&self) -> bool {
        self.altered.is_empty()
            && self.added.is_empty()
            && self.missing.is_empty()
            && self.unexpected.is_empty()
            && self.inconsistent.is_empty()
            && !matches!(
                self.signature,
                SignatureState::Invalid(_) | SignatureState::Missing
            )
    }
}

/// Verifies the bundle at `path` (a directory or a gzip tar), reading it
/// once and streaming every entry through its hash. A file that cannot be
/// read as a bundle at all is an error; damage found inside one is part of
/// the verdict.
pub fn verify(path: &Path, key: Option<&VerifyingKey>) -> Result<Verdict, BundleError> {
    let scan = scan::scan(path)?;
    Ok(judge(scan, key))
}

fn judge(mut scan: Scan, key: Option<&VerifyingKey>) -> Verdict {
    let mut v = Verdict {
        inconsistent: std::mem::take(&mut scan.damage),
        ..Verdict::default()
    };
    // Taken out, so that its bytes are freed before the signature is read.
    let raw = scan.manifest.take();
    match &raw {
        None => {
            v.missing.insert(MANIFEST.to_owned());
            v.added
                .extend(scan.files.keys().filter(|p| *p != SIGNATURE).cloned());
        }
        Some(Small::TooLarge(size)) => {
            v.altered.insert(MANIFEST.to_owned());
            v.inconsistent.push(format!(
                "{MANIFEST} is {size} bytes, more than the {} MiB verify reads",
                MAX_METADATA >> 20
            ));
        }
        Some(Small::Read(bytes)) => match serde_json::from_slice::<Manifest>(bytes) {
            Ok(manifest) => {
                let mut again = canonical(&manifest);
                again.push(b'\n');
                if &again != bytes {
                    v.inconsistent.push(format!(
                        "{MANIFEST} is not in the canonical form assay writes"
                    ));
                }
                digests(&manifest, &scan.files, &mut v);
                consistency(&manifest, &scan, &mut v);
            }
            Err(e) => {
                v.altered.insert(MANIFEST.to_owned());
                v.inconsistent
                    .push(format!("{MANIFEST} cannot be read: {e}"));
            }
        },
    }
    drop(raw);
    v.signature = signature(&scan, key, &mut v);
    v.unexpected = scan.unexpected;
    v
}

fn digests(manifest: &Manifest, files: &BTreeMap<String, FileDigest>, v: &mut Verdict) {
    for (path, digest) in &manifest.files {
        match files.get(path) {
            None => {
                v.missing.insert(path.clone());
            }
            Some(found) => {
                v.checked += 1;
                if found != digest {
                    v.altered.insert(path.clone());
                }
            }
        }
    }
    for path in files.keys() {
        if path != MANIFEST && path != SIGNATURE && !manifest.files.contains_key(path) {
            v.added.insert(path.clone());
        }
    }
}

/// The manifest's own claims: copies are listed, unredacted copies match
/// their input's digest, and the report is of the same run.
fn consistency(manifest: &Manifest, scan: &Scan, v: &mut Verdict) {
    for name in [MANIFEST, SIGNATURE] {
        if manifest.files.contains_key(name) {
            v.inconsistent
                .push(format!("the manifest lists {name}, which it cannot hash"));
        }
    }
    for input in &manifest.inputs {
        let Some(copy) = &input.copy else { continue };
        if !manifest.files.contains_key(copy) {
            v.inconsistent.push(format!(
                "the copy of `{}` is not among the manifest's files",
                input.path
            ));
        } else if manifest
            .files
            .get(copy)
            .is_some_and(|d| d.sha256 != input.sha256)
        {
            v.inconsistent.push(format!(
                "the copy `{copy}` differs from the input `{}` as examined",
                input.path
            ));
        }
    }
    match &scan.report {
        Some(Ok(head)) => {
            let version = head.tool.as_ref().and_then(|t| t.version.as_deref());
            if head.as_of.as_deref() != Some(manifest.as_of.as_str())
                || version != Some(manifest.tool.version.as_str())
            {
                v.inconsistent.push(
                    "report.json is not of the run the manifest describes (as-of or version differ)"
                        .to_owned(),
                );
            }
        }
        Some(Err(e)) if manifest.files.contains_key(REPORT) => v
            .inconsistent
            .push(format!("{REPORT} is not readable JSON: {e}")),
        None if manifest.files.contains_key(REPORT) => v
            .inconsistent
            .push(format!("{REPORT} is not readable JSON")),
        _ => v
            .inconsistent
            .push(format!("the manifest lists no {REPORT}")),
    }
}

fn signature(scan: &Scan, key: Option<&VerifyingKey>, v: &mut Verdict) -> SignatureState {
    let (envelope, key) = match (&scan.signature, key) {
        (None, None) => return SignatureState::Unsigned,
        (None, Some(_)) => return SignatureState::Missing,
        (Some(_), None) => return SignatureState::NotChecked,
        (Some(Small::TooLarge(size)), Some(_)) => {
            return SignatureState::Invalid(format!(
                "{SIGNATURE} is {size} bytes, more than the {} MiB verify reads",
                MAX_METADATA >> 20
            ));
        }
        (Some(Small::Read(e)), Some(k)) => (e, k),
    };
    let statement = match sign::open(envelope, key) {
        Ok(s) => s,
        Err(e) => return SignatureState::Invalid(e),
    };
    // The signed digests must describe exactly the files present.
    let signed: BTreeMap<&str, Option<&String>> = statement
        .subject
        .iter()
        .map(|s| (s.name.as_str(), s.digest.get("sha256")))
        .collect();
    let mut differs = Vec::new();
    for (path, found) in scan.files.iter().filter(|(p, _)| *p != SIGNATURE) {
        match signed.get(path.as_str()) {
            None => {
                v.added.insert(path.clone());
                differs.push(path.clone());
            }
            Some(digest) if digest.is_none_or(|d| *d != found.sha256) => {
                v.altered.insert(path.clone());
                differs.push(path.clone());
            }
            Some(_) => {}
        }
    }
    for name in signed.keys() {
        if !scan.files.contains_key(*name) {
            v.missing.insert((*name).to_owned());
            differs.push((*name).to_owned());
        }
    }
    if differs.is_empty() {
        SignatureState::Verified {
            keyid: sign::keyid(key),
        }
    } else {
        SignatureState::Invalid(format!(
            "the signed statement does not match: {}",
            differs.join(", ")
        ))
    }
}
