//! Evidence bundles: one archive that tells an auditor what was examined,
//! when, by what, how complete each population was, and whether anything
//! changed since. Every file of the bundle is listed in `manifest.json` with
//! its SHA-256; `assay verify` recomputes them, and `--sign` adds an in-toto
//! statement over the same digests in a DSSE envelope.
//!
//! The bundle is a pure function of the run: files in a fixed order, JSON
//! in canonical form (RFC 8785), archive headers with fixed owners, modes
//! and times. The same inputs and as-of date give the same bytes.

mod archive;
mod collect;
mod contents;
mod manifest;
mod scan;
mod sign;
pub mod verdict;
mod verify;

pub use archive::{BundleError, read_bundle, write_bundle, write_bundle_with};
pub use collect::collect;
pub use contents::{Bundle, BundleFile, BundleRun, KeptInput, build};
pub use manifest::{MANIFEST, Manifest};
pub use scan::{BUFFER, MAX_ENTRIES, MAX_METADATA};
pub use sign::{SIGNATURE, SignError, Signer, keyid, public_key_from_pem};
pub use verify::{SignatureState, Verdict, verify};

/// Copies of examined files above this size are left out of the bundle
/// (their digests are still in the manifest).
pub const DEFAULT_COPY_LIMIT: u64 = 64 * 1024;

/// Canonical JSON (RFC 8785) of a value: what is hashed or signed must
/// serialise to the same bytes on every run.
pub(crate) fn canonical<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(value).unwrap_or_default()
}

pub(crate) use crate::inputs::sha256;
