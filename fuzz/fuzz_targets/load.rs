//! The TOML definition loaders: the input, after a first byte choosing the
//! kind, is written as one definition file of a project and loaded with
//! `assay::load::load`, which parses and compiles it with the built-ins.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// Where each kind of file sits, and the `assay.toml` that makes the loader read it.
const KINDS: [(&str, &str); 6] = [
    ("assay.toml", ""),
    ("policies/fuzz.toml", ""),
    ("frameworks/fuzz.toml", ""),
    ("risks.toml", "[project]\nrisks = [\"risks.toml\"]\n"),
    ("waivers.toml", ""),
    (
        "attestations.toml",
        "[project]\nattestations = [\"attestations.toml\"]\n",
    ),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let (file, config) = KINDS[usize::from(selector) % KINDS.len()];
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "assay.toml", config.as_bytes());
    write(dir.path(), file, text);
    // Errors are values; only a panic, a hang or a blown memory limit is a finding.
    let _ = assay::load::load(dir.path());
});

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
}
