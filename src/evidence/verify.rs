//! `assay verify`: recompute every digest, check that the manifest agrees
//! with itself and with the report, and check the signature when a key is
//! given. Every altered, added or missing file is named.

use super::manifest::{MANIFEST, Manifest};
use super::sign::{self, SIGNATURE};
use super::{canonical, sha256};
use ed25519_dalek::VerifyingKey;
use std::collections::{BTreeMap, BTreeSet};

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    /// Files whose digest was recomputed.
    pub checked: usize,
    pub altered: BTreeSet<String>,
    pub added: BTreeSet<String>,
    pub missing: BTreeSet<String>,
    /// Entries that are not regular files (links, devices), never read.
    pub unexpected: Vec<String>,
    /// Where the manifest contradicts itself or the report.
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

/// Verifies a bundle's files (as read by [`super::read_bundle`]).
pub fn verify(
    files: &BTreeMap<String, Vec<u8>>,
    unexpected: Vec<String>,
    key: Option<&VerifyingKey>,
) -> Verdict {
    let mut v = Verdict {
        unexpected,
        ..Verdict::default()
    };
    let Some(bytes) = files.get(MANIFEST) else {
        v.missing.insert(MANIFEST.to_owned());
        v.added
            .extend(files.keys().filter(|p| *p != SIGNATURE).cloned());
        return v;
    };
    match serde_json::from_slice::<Manifest>(bytes) {
        Ok(manifest) => {
            let mut again = canonical(&manifest);
            again.push(b'\n');
            if &again != bytes {
                v.inconsistent.push(format!(
                    "{MANIFEST} is not in the canonical form assay writes"
                ));
            }
            digests(&manifest, files, &mut v);
            consistency(&manifest, files, &mut v);
        }
        Err(e) => {
            v.altered.insert(MANIFEST.to_owned());
            v.inconsistent
                .push(format!("{MANIFEST} cannot be read: {e}"));
        }
    }
    v.signature = signature(files, key, &mut v);
    v
}

fn digests(manifest: &Manifest, files: &BTreeMap<String, Vec<u8>>, v: &mut Verdict) {
    for (path, digest) in &manifest.files {
        match files.get(path) {
            None => {
                v.missing.insert(path.clone());
            }
            Some(bytes) => {
                v.checked += 1;
                if bytes.len() as u64 != digest.size || sha256(bytes) != digest.sha256 {
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
fn consistency(manifest: &Manifest, files: &BTreeMap<String, Vec<u8>>, v: &mut Verdict) {
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
    let report = files
        .get("report.json")
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok());
    match report {
        Some(r) => {
            let at = |pointer: &str| r.pointer(pointer).and_then(|v| v.as_str());
            if at("/as_of") != Some(manifest.as_of.as_str())
                || at("/tool/version") != Some(manifest.tool.version.as_str())
            {
                v.inconsistent.push(
                    "report.json is not of the run the manifest describes (as-of or version differ)"
                        .to_owned(),
                );
            }
        }
        None if manifest.files.contains_key("report.json") => v
            .inconsistent
            .push("report.json is not readable JSON".to_owned()),
        None => v
            .inconsistent
            .push("the manifest lists no report.json".to_owned()),
    }
}

fn signature(
    files: &BTreeMap<String, Vec<u8>>,
    key: Option<&VerifyingKey>,
    v: &mut Verdict,
) -> SignatureState {
    let (envelope, key) = match (files.get(SIGNATURE), key) {
        (None, None) => return SignatureState::Unsigned,
        (None, Some(_)) => return SignatureState::Missing,
        (Some(_), None) => return SignatureState::NotChecked,
        (Some(e), Some(k)) => (e, k),
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
    for (path, bytes) in files.iter().filter(|(p, _)| *p != SIGNATURE) {
        match signed.get(path.as_str()) {
            None => {
                v.added.insert(path.clone());
                differs.push(path.clone());
            }
            Some(digest) if digest.is_none_or(|d| *d != sha256(bytes)) => {
                v.altered.insert(path.clone());
                differs.push(path.clone());
            }
            Some(_) => {}
        }
    }
    for name in signed.keys() {
        if !files.contains_key(*name) {
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
