//! Signing: an in-toto Statement v1 whose subjects are the bundle's files
//! and digests, with the test-result predicate, in a DSSE envelope signed
//! with Ed25519. The signature covers the PAE encoding of the payload, as
//! DSSE requires, never the payload bytes alone.

use super::{Bundle, BundleFile, canonical, sha256};
use crate::report::Report;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The envelope's name in the bundle.
pub const SIGNATURE: &str = "attestation.dsse.json";
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://in-toto.io/attestation/test-result/v0.1";

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SignError {
    #[error("cannot read the key `{path}`: {message}")]
    #[diagnostic(
        code(assay::evidence::key),
        help(
            "give an Ed25519 key in PEM (PKCS#8), e.g. from `openssl genpkey -algorithm ed25519 -out key.pem`; its public half from `openssl pkey -in key.pem -pubout -out key.pub`"
        )
    )]
    Key { path: String, message: String },
}

/// An Ed25519 key that signs bundles.
pub struct Signer {
    key: SigningKey,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub payload: String,
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    pub keyid: String,
    pub sig: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub kind: String,
    pub subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    pub predicate: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    pub digest: BTreeMap<String, String>,
}

impl Signer {
    pub fn from_pem(path: &str, text: &str) -> Result<Self, SignError> {
        SigningKey::from_pkcs8_pem(text)
            .map(|key| Self { key })
            .map_err(|e| SignError::Key {
                path: path.to_owned(),
                message: format!("not an Ed25519 private key in PKCS#8 PEM ({e})"),
            })
    }

    pub fn keyid(&self) -> String {
        keyid(&self.key.verifying_key())
    }

    /// The envelope signing every file of `bundle`, to be added to it.
    pub fn sign(&self, bundle: &Bundle, report: &Report) -> BundleFile {
        let statement = Statement {
            kind: STATEMENT_TYPE.to_owned(),
            subject: bundle
                .files
                .iter()
                .map(|f| Subject {
                    name: f.path.clone(),
                    digest: BTreeMap::from([("sha256".to_owned(), sha256(&f.bytes))]),
                })
                .collect(),
            predicate_type: PREDICATE_TYPE.to_owned(),
            predicate: test_result(report, bundle),
        };
        let payload = canonical(&statement);
        let signature = self.key.sign(&pae(PAYLOAD_TYPE, &payload));
        let envelope = Envelope {
            payload: STANDARD.encode(&payload),
            payload_type: PAYLOAD_TYPE.to_owned(),
            signatures: vec![EnvelopeSignature {
                keyid: keyid(&self.key.verifying_key()),
                sig: STANDARD.encode(signature.to_bytes()),
            }],
        };
        let mut bytes = canonical(&envelope);
        bytes.push(b'\n');
        BundleFile {
            path: SIGNATURE.to_owned(),
            bytes,
        }
    }
}

/// Reads an Ed25519 public key in PEM (SubjectPublicKeyInfo).
pub fn public_key_from_pem(path: &str, text: &str) -> Result<VerifyingKey, SignError> {
    VerifyingKey::from_public_key_pem(text).map_err(|e| SignError::Key {
        path: path.to_owned(),
        message: format!("not an Ed25519 public key in PEM ({e})"),
    })
}

/// A key's id: the SHA-256 of its 32 raw bytes.
pub fn keyid(key: &VerifyingKey) -> String {
    sha256(key.as_bytes())
}

/// DSSE's pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The test-result predicate: FAILED when the gate failed, WARNED when
/// checks failed below the gate, else PASSED; the configuration is the
/// project's definition files as copied into the bundle.
fn test_result(report: &Report, bundle: &Bundle) -> serde_json::Value {
    use crate::outcome::Status;
    let ids = |keep: &dyn Fn(&crate::report::CheckReport) -> bool| -> Vec<String> {
        report
            .checks
            .iter()
            .filter(|c| keep(c))
            .map(|c| c.result.id.to_string())
            .collect()
    };
    let gated = |c: &crate::report::CheckReport| report.gate.gated.contains(&c.result.id);
    let passed = ids(&|c| c.result.status == Status::Pass);
    let failed = ids(&|c| gated(c));
    let warned = ids(&|c| matches!(c.result.status, Status::Fail | Status::Error) && !gated(c));
    let result = if !failed.is_empty() {
        "FAILED"
    } else if !warned.is_empty() {
        "WARNED"
    } else {
        "PASSED"
    };
    let configuration: Vec<serde_json::Value> = bundle
        .files
        .iter()
        .filter(|f| f.path.starts_with("inputs/config/"))
        .map(|f| serde_json::json!({ "name": f.path, "digest": { "sha256": sha256(&f.bytes) } }))
        .collect();
    serde_json::json!({
        "result": result,
        "configuration": configuration,
        "passedTests": passed,
        "warnedTests": warned,
        "failedTests": failed,
    })
}

/// Checks the envelope against `key` and returns its statement.
pub fn open(bytes: &[u8], key: &VerifyingKey) -> Result<Statement, String> {
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| format!("not a DSSE envelope: {e}"))?;
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(format!(
            "payload type `{}`, expected `{PAYLOAD_TYPE}`",
            envelope.payload_type
        ));
    }
    let payload = STANDARD
        .decode(&envelope.payload)
        .map_err(|e| format!("payload is not base64: {e}"))?;
    let message = pae(&envelope.payload_type, &payload);
    let good = envelope.signatures.iter().any(|s| {
        STANDARD
            .decode(&s.sig)
            .ok()
            .and_then(|b| Signature::from_slice(&b).ok())
            .is_some_and(|sig| key.verify_strict(&message, &sig).is_ok())
    });
    if !good {
        return Err(format!("no signature by key {} verifies", keyid(key)));
    }
    let statement: Statement =
        serde_json::from_slice(&payload).map_err(|e| format!("not an in-toto statement: {e}"))?;
    if statement.kind != STATEMENT_TYPE || statement.predicate_type != PREDICATE_TYPE {
        return Err(format!(
            "statement type `{}` with predicate `{}`, expected `{STATEMENT_TYPE}` with `{PREDICATE_TYPE}`",
            statement.kind, statement.predicate_type
        ));
    }
    Ok(statement)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_follows_the_dsse_specification() {
        // The example of the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }
}
