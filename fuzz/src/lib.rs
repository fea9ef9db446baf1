//! The fuzz harness: one function per target, each feeding arbitrary bytes
//! through the real parsing or loading code of `assay`. The targets in
//! `fuzz_targets/` call these, and `tests/fuzz_regressions.rs` includes this
//! file to replay `fixtures/fuzz/<target>/` through the same functions.
//!
//! Each returns whether the input was accepted (`Ok`) or reported as an error
//! (`Err`, the message). Either is fine: only a panic, a hang or a blown
//! memory limit is a finding.

use assay::dockerfile::{self, ImageRef};
use assay::evidence::{MANIFEST, SIGNATURE};
use assay::model::{ExportKind, Pointer, RecordSource};
use assay::source::{self, Parsed, export};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Where each kind of definition file sits, and the `assay.toml` that makes
/// the loader read it; the input's first byte chooses the kind.
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

/// `load`: the input, after its kind byte, is one definition file of a
/// project (`assay.toml`, a policy, a framework, a risk register, waivers or
/// attestations), loaded with `assay::load::load`: parsed and compiled with
/// the built-in definitions.
pub fn load(data: &[u8]) -> Result<(), String> {
    let Some((&selector, text)) = data.split_first() else {
        return Ok(());
    };
    let (file, config) = KINDS[usize::from(selector) % KINDS.len()];
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "assay.toml", config.as_bytes());
    write(dir.path(), file, text);
    assay::load::load(dir.path())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The formats of exports and the kinds read in each; the input's first
/// byte chooses the format (and, for JSON, whether records are projected).
const FORMATS: [(&str, &[ExportKind]); 3] = [
    (
        "export.json",
        &[
            ExportKind::Json,
            ExportKind::GithubBranchProtection,
            ExportKind::TerraformPlan,
        ],
    ),
    ("export.yaml", &[ExportKind::Yaml]),
    (
        "export.csv",
        &[ExportKind::Csv, ExportKind::AwsIamCredentialReport],
    ),
];

/// `export`: the input, after its format byte, is an export file streamed
/// with `assay::source::export::stream` as every kind of its format, with
/// the kind's schema. An input starting with `/` gives the `each` pointer on
/// its first line.
pub fn export(data: &[u8]) -> Result<(), String> {
    let Some((&selector, rest)) = data.split_first() else {
        return Ok(());
    };
    let (name, kinds) = FORMATS[usize::from(selector) % FORMATS.len()];
    let projected = (selector / 3) % 2 == 1;
    let (each, body) = match rest.strip_prefix(b"/") {
        Some(_) => {
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let pointer = String::from_utf8_lossy(&rest[..end]).into_owned();
            (
                Pointer::parse(&pointer).ok(),
                rest.get(end + 1..).unwrap_or(&[]),
            )
        }
        None => (None, rest),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    let keep: BTreeSet<String> = ["id", "name", "user", "values"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut result = Ok(());
    for &kind in kinds {
        let streamed = export::stream(
            kind,
            &path,
            each.as_ref(),
            export::kind_schema(kind),
            projected.then_some(&keep),
            &|records| records.len(),
        );
        if let Err(e) = streamed {
            result = Err(e);
        }
    }
    result
}

/// `dockerfile`: instructions, build stages and the final user, then the
/// build-argument substitution and image reference of every instruction.
pub fn dockerfile(data: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(data).map_err(|e| e.to_string())?;
    let instructions = dockerfile::parse(text);
    let stages = dockerfile::stages(&instructions);
    if let Some(user) = dockerfile::final_user(&stages) {
        let _ = user.is_root();
    }
    let vars: HashMap<String, Option<String>> = [
        ("TAG".to_owned(), Some("1.0".to_owned())),
        ("EMPTY".to_owned(), Some(String::new())),
        ("UNSET".to_owned(), None),
    ]
    .into_iter()
    .collect();
    for ins in &instructions {
        let (text, unresolved) = dockerfile::substitute(&ins.args, &vars);
        let _ = ImageRef::parse(&text, unresolved);
    }
    Ok(())
}

/// `terraform`: the resources and variable defaults of a `.tf` file as the
/// engine reads them, with `var.NAME` values resolved.
pub fn terraform(data: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(data).map_err(|e| e.to_string())?;
    match source::parse_repo_file(RecordSource::Terraform, "main.tf", text)? {
        Parsed::Terraform(mut file) => {
            for record in &mut file.records {
                source::resolve_variables(&mut record.value, &file.variables);
            }
            Ok(())
        }
        _ => Err("not read as Terraform".to_owned()),
    }
}

/// `evidence`: the input, after a byte choosing the form, becomes a bundle
/// on disk that `assay::evidence::verify` checks with the seeds' key and
/// without one: a `.tar.gz` as given, a tar this harness compresses (so the
/// fuzzer reaches the tar reader), or a bundle directory. The directory form
/// is sections separated by NUL bytes: `manifest.json`, `report.json`,
/// `attestation.dsse.json`, then files whose first line is their path.
pub fn evidence(data: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let Some((&selector, rest)) = data.split_first() else {
        return Ok(());
    };
    let dir = tempfile::tempdir().unwrap();
    let bundle = match selector % 3 {
        0 => archive(dir.path(), rest),
        1 => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(rest).unwrap();
            archive(dir.path(), &gz.finish().unwrap())
        }
        _ => bundle_dir(dir.path(), rest),
    };
    // The key scripts/fuzz signs the seed bundles with: 32 bytes of 7.
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    let mut result = Ok(());
    for key in [Some(&key), None] {
        match assay::evidence::verify(&bundle, key) {
            Ok(verdict) if verdict.intact() => {}
            Ok(verdict) => result = Err(format!("not intact: {verdict:?}")),
            Err(e) => result = Err(e.to_string()),
        }
    }
    result
}

fn archive(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("bundle.tar.gz");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn bundle_dir(dir: &Path, bytes: &[u8]) -> PathBuf {
    let root = dir.join("bundle");
    std::fs::create_dir(&root).unwrap();
    // At most 64 files: creating thousands would time the file system, not assay.
    for (i, section) in bytes.split(|&b| b == 0).take(64).enumerate() {
        let (name, contents) = match i {
            0 => (MANIFEST.to_owned(), section),
            1 => ("report.json".to_owned(), section),
            2 if section.is_empty() => continue,
            2 => (SIGNATURE.to_owned(), section),
            _ => {
                let end = section
                    .iter()
                    .position(|&b| b == b'\n')
                    .unwrap_or(section.len());
                (
                    safe_name(&section[..end], i),
                    section.get(end + 1..).unwrap_or(&[]),
                )
            }
        };
        let path = root.join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        // A name taken by a directory (or the reverse) is skipped.
        let _ = std::fs::write(path, contents);
    }
    root
}

/// The path a section names, kept inside the bundle: relative, no `..`.
fn safe_name(line: &[u8], i: usize) -> String {
    let name = String::from_utf8_lossy(line);
    let ok = name.split('/').all(|part| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    });
    if ok {
        name.into_owned()
    } else {
        format!("file-{i}")
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
}
