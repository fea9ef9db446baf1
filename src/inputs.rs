//! The inputs a run examined, as hashed when they were read: what an auditor
//! needs to know that the evidence describes these bytes and no others.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One input file, its size and SHA-256 at the moment it was examined.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Input {
    pub kind: InputKind,
    /// Repository files relative to the repository root; exports, attestation
    /// evidence and the configuration relative to the project directory.
    pub path: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
}

/// Where an input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// `assay.toml` and the definition files it names.
    Config,
    /// A file of the evaluated repository.
    Repository,
    /// A configuration export (`[[export]]` or `--export`).
    Export,
    /// Another scanner's results (`[[import]]` or `--import`): hashed, never
    /// copied, since scanners quote the secrets they find.
    Import,
    /// A file an attestation cites.
    Attestation,
}

/// Lower-case hex SHA-256 of `bytes`: how every digest assay reports is written.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Size and lower-case hex SHA-256 of everything `reader` yields, streamed
/// through a fixed buffer.
pub fn sha256_reader(mut reader: impl std::io::Read) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = reader.read(&mut buffer)?;
        match buffer.get(..n) {
            Some(chunk) if !chunk.is_empty() => {
                hasher.update(chunk);
                size += n as u64;
            }
            _ => break,
        }
    }
    Ok((size, hex(&hasher.finalize())))
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
