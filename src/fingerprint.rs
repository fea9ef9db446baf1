//! Finding fingerprints: the same finding keeps its fingerprint across
//! commits, so baselines and code-scanning platforms can follow it.
//!
//! A fingerprint hashes the check, the file or export, the item (record
//! label, else its pointer) and the matched content (its hash, for content
//! matches; else the message). Never the line or column, which shift when
//! lines are inserted above. The path is always in it, so one baseline
//! entry cannot stand for findings in other files. Equal findings in one
//! file are told apart by their order.

use crate::model::CheckId;
use crate::outcome::Finding;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Hex digits kept: 128 bits.
const LENGTH: usize = 32;

/// The hash of matched bytes, kept on a finding until [`assign`] folds it in.
pub fn content(bytes: &[u8]) -> String {
    crate::inputs::sha256(bytes)
}

/// Sets every finding's fingerprint; `findings` are in their report order.
pub fn assign(check: &CheckId, findings: &mut [Finding]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in findings.iter_mut() {
        let base = base(check, f);
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        let mut h = Sha256::new();
        h.update(base.as_bytes());
        h.update(n.to_string().as_bytes());
        let mut hex = crate::inputs::hex(&h.finalize());
        hex.truncate(LENGTH);
        f.fingerprint = Some(hex);
    }
}

fn base(check: &CheckId, f: &Finding) -> String {
    let item = f.label.as_deref().or(f.pointer.as_deref()).unwrap_or("");
    let matched = f.fingerprint.as_deref().unwrap_or(&f.message);
    let mut h = Sha256::new();
    for part in [
        check.as_str(),
        f.path.as_deref().unwrap_or(""),
        f.export.as_deref().unwrap_or(""),
        item,
        matched,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    crate::inputs::hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, line: u32, matched: &str) -> Finding {
        Finding {
            path: Some(path.to_owned()),
            line: Some(line),
            message: "secret".to_owned(),
            fingerprint: Some(content(matched.as_bytes())),
            ..Finding::default()
        }
    }

    #[test]
    fn lines_do_not_count_paths_and_content_do() {
        let id = CheckId::new("repo.secrets.x");
        let mut a = vec![finding("a.py", 3, "AKIA1")];
        let mut moved = vec![finding("a.py", 9, "AKIA1")];
        let mut other_file = vec![finding("b.py", 3, "AKIA1")];
        let mut other_key = vec![finding("a.py", 3, "AKIA2")];
        for v in [&mut a, &mut moved, &mut other_file, &mut other_key] {
            assign(&id, v);
        }
        assert_eq!(a[0].fingerprint, moved[0].fingerprint);
        assert_ne!(a[0].fingerprint, other_file[0].fingerprint);
        assert_ne!(a[0].fingerprint, other_key[0].fingerprint);
    }

    #[test]
    fn equal_findings_in_one_file_are_told_apart() {
        let id = CheckId::new("repo.secrets.x");
        let mut v = vec![finding("a.py", 3, "AKIA1"), finding("a.py", 7, "AKIA1")];
        assign(&id, &mut v);
        assert_ne!(v[0].fingerprint, v[1].fingerprint);
    }
}
