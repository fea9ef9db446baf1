//! Evidence bundles: written by `assay evidence`, checked by `assay verify`.
//! A bundle round-trips; altering, adding or removing any one file is named;
//! two runs are byte-identical; an interrupted write leaves no bundle; the
//! demo's planted secrets appear nowhere in it; signatures verify.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use assay::evidence::{self, Bundle, BundleFile};
use base64::Engine;
use common::planted_secrets;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DEMO: &str = "examples/acme";
const AS_OF: &str = "2026-11-20";

fn assay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Writes the demo's bundle to `out`; the demo fails its gate, so exit 1.
fn write_demo(out: &str, extra: &[&str]) -> Output {
    let mut args = vec!["evidence", DEMO, "--as-of", AS_OF, "--out", out];
    args.extend_from_slice(extra);
    let run = assay(&args);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    run
}

fn verify(bundle: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["verify", bundle.to_str().unwrap()];
    args.extend_from_slice(extra);
    assay(&args)
}

fn files_of(bundle: &Path) -> BTreeMap<String, Vec<u8>> {
    evidence::read_bundle(bundle).unwrap().0
}

#[test]
fn a_bundle_round_trips_through_verify() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme.tar.gz");
    write_demo(out.to_str().unwrap(), &[]);
    let run = verify(&out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert!(text(&run).contains("intact"), "{}", text(&run));
    // Nothing but the bundle is left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
}

/// Issue 13: `evidence` takes `check`'s `-q` and `--fail-coverage-below`.
#[test]
fn quiet_evidence_writes_the_bundle_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme.tar.gz");
    let run = write_demo(out.to_str().unwrap(), &["-q"]);
    assert_eq!(text(&run), "");
    assert!(files_of(&out).contains_key("manifest.json"));

    // The demo without its failing checks passes, unless coverage is asked for.
    let only = ["--check", "repo.codeowners"];
    let passing = assay(
        &[
            &["evidence", DEMO, "--as-of", AS_OF, "-q", "--out"][..],
            &[out.to_str().unwrap()],
            &only,
        ]
        .concat(),
    );
    assert_eq!(passing.status.code(), Some(0), "{}", text(&passing));
    let below = assay(
        &[
            &[
                "evidence",
                DEMO,
                "--as-of",
                AS_OF,
                "-q",
                "--fail-coverage-below",
                "90",
            ][..],
            &["--out", out.to_str().unwrap()],
            &only,
        ]
        .concat(),
    );
    assert_eq!(below.status.code(), Some(1), "{}", text(&below));
    let manifest: Value = serde_json::from_slice(&files_of(&out)["report.json"]).unwrap();
    assert_eq!(manifest["gate"]["passed"], false);
    assert!(
        !manifest["gate"]["coverage_below"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{}",
        manifest["gate"]
    );
}

#[test]
fn the_bundle_holds_what_an_auditor_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = format!("{}/bundle/", dir.path().display());
    write_demo(&out, &[]);
    let files = files_of(Path::new(&out));
    for name in [
        "manifest.json",
        "report.json",
        "report.html",
        "assessment-results.json",
        "controls/soc2/CC6.1/evidence.json",
        "controls/soc2/CC1.4/evidence.json",
        "inputs/config/assay.toml",
        "inputs/export/exports/credential-report.csv",
        "inputs/repository/Dockerfile",
    ] {
        assert!(files.contains_key(name), "{name} missing");
    }
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["as_of"], "2026-11-20T00:00:00Z");
    assert_eq!(manifest["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["command"][0], "assay");
    assert_eq!(manifest["command"][1], "evidence");
    assert_eq!(manifest["config"]["project"], "Acme Corp");
    // Every input's digest is that of the file on disk (sha256sum agrees).
    let inputs = manifest["inputs"].as_array().unwrap();
    let repo = Path::new(DEMO).join("service");
    let mut kinds = std::collections::BTreeSet::new();
    for input in inputs {
        let kind = input["kind"].as_str().unwrap();
        kinds.insert(kind.to_owned());
        let path = input["path"].as_str().unwrap();
        let on_disk = match kind {
            "repository" => repo.join(path),
            _ => Path::new(DEMO).join(path),
        };
        let sum = Command::new("sha256sum").arg(&on_disk).output().unwrap();
        let sum = String::from_utf8(sum.stdout).unwrap();
        assert_eq!(
            input["sha256"].as_str().unwrap(),
            sum.split_whitespace().next().unwrap(),
            "{path}"
        );
        assert_eq!(input["size"], std::fs::metadata(&on_disk).unwrap().len());
    }
    let want: std::collections::BTreeSet<String> =
        ["attestation", "config", "export", "repository"]
            .map(str::to_owned)
            .into();
    assert_eq!(kinds, want);
    // Each check's population is the report's.
    let report: Value = serde_json::from_slice(&files["report.json"]).unwrap();
    for check in report["checks"].as_array().unwrap() {
        let id = &check["id"];
        let population = manifest["populations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| &p["check"] == id)
            .unwrap();
        assert_eq!(population["population"], check["examined"], "{id}");
    }
    let creds = manifest["populations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["check"] == "aws.iam.console-mfa")
        .unwrap();
    assert!(creds["population"].as_u64().unwrap() > 0);
    assert_eq!(creds["sources"][0], "aws.iam.credential-report");
    // A control's folder: its checks' results and findings, and its inputs.
    let cc61: Value = serde_json::from_slice(&files["controls/soc2/CC6.1/evidence.json"]).unwrap();
    assert_eq!(cc61["status"], "fail");
    assert!(!cc61["checks"].as_array().unwrap().is_empty());
    assert!(
        cc61["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| !c["findings"].as_array().unwrap().is_empty())
    );
    assert!(cc61["inputs_total"].as_u64().unwrap() > 0);
    let cc14: Value = serde_json::from_slice(&files["controls/soc2/CC1.4/evidence.json"]).unwrap();
    assert_eq!(cc14["status"], "pass");
    assert_eq!(cc14["attestation"]["validity"], "valid");
    assert_eq!(cc14["inputs"][0]["kind"], "attestation");
}

#[test]
fn two_runs_give_byte_identical_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme.tar.gz");
    write_demo(out.to_str().unwrap(), &[]);
    let first = std::fs::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["evidence", DEMO, "--as-of", AS_OF, "--out"])
        .arg(&out)
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(first == std::fs::read(&out).unwrap(), "bundles differ");
}

/// Rewrites a directory bundle's file.
fn tamper(root: &Path, name: &str, change: impl FnOnce(&Path)) {
    change(&root.join(name));
}

#[test]
fn altering_adding_or_removing_any_one_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = format!("{}/pristine/", dir.path().display());
    write_demo(&pristine, &[]);
    let names: Vec<String> = files_of(Path::new(&pristine)).into_keys().collect();
    let copy = |label: &str| -> PathBuf {
        let to = dir.path().join(label);
        let status = Command::new("cp")
            .args(["-r", pristine.trim_end_matches('/')])
            .arg(&to)
            .status()
            .unwrap();
        assert!(status.success());
        to
    };
    // Every file, altered by one byte, is named as altered (then restored).
    let root = copy("altered");
    for name in &names {
        let original = std::fs::read(root.join(name)).unwrap();
        tamper(&root, name, |p| {
            let mut bytes = original.clone();
            bytes.push(b' ');
            std::fs::write(p, bytes).unwrap();
        });
        let run = verify(&root, &[]);
        std::fs::write(root.join(name), &original).unwrap();
        assert_eq!(run.status.code(), Some(1), "{name}: {}", text(&run));
        let out = text(&run);
        assert!(out.contains("NOT intact"), "{out}");
        assert!(
            out.lines().any(|l| l.contains(name.as_str())
                && (l.contains("altered") || l.contains("inconsistent"))),
            "{name} not named as altered: {out}"
        );
    }
    assert_eq!(verify(&root, &[]).status.code(), Some(0));
    // A file added anywhere is named.
    let root = copy("added");
    std::fs::write(root.join("controls/soc2/CC6.1/note.txt"), "looks fine").unwrap();
    let run = verify(&root, &[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run).contains("added        controls/soc2/CC6.1/note.txt"),
        "{}",
        text(&run)
    );
    // Any one file removed is named as missing.
    for name in names.iter().filter(|n| *n != "manifest.json").step_by(7) {
        let original = std::fs::read(root.join(name)).unwrap();
        std::fs::remove_file(root.join(name)).unwrap();
        let run = verify(&root, &[]);
        std::fs::write(root.join(name), &original).unwrap();
        assert_eq!(run.status.code(), Some(1), "{name}");
        assert!(
            text(&run).contains(&format!("missing      {name}")),
            "{name}: {}",
            text(&run)
        );
    }
    let root = copy("no-manifest");
    std::fs::remove_file(root.join("manifest.json")).unwrap();
    let run = verify(&root, &[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run).contains("missing      manifest.json"));
}

#[test]
fn tampering_inside_a_tar_gz_is_named_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme.tar.gz");
    write_demo(out.to_str().unwrap(), &[]);
    let mut files = files_of(&out);
    files.insert("report.json".into(), b"{}".to_vec());
    files.insert("extra.txt".into(), b"x".to_vec());
    files.remove("report.html");
    let bundle = Bundle {
        files: files
            .into_iter()
            .map(|(path, bytes)| BundleFile { path, bytes })
            .collect(),
    };
    let forged = dir.path().join("forged.tar.gz");
    evidence::write_bundle(&bundle, &forged, 0).unwrap();
    let run = verify(&forged, &[]);
    assert_eq!(run.status.code(), Some(1));
    let out = text(&run);
    assert!(out.contains("altered      report.json"), "{out}");
    assert!(out.contains("added        extra.txt"), "{out}");
    assert!(out.contains("missing      report.html"), "{out}");
}

#[test]
fn an_interrupted_write_leaves_no_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<BundleFile> = (0..10)
        .map(|i| BundleFile {
            path: format!("f{i}.txt"),
            bytes: vec![b'x'; 1000],
        })
        .collect();
    let bundle = Bundle { files };
    for out in [
        dir.path().join("b.tar.gz"),
        PathBuf::from(format!("{}/d/", dir.path().display())),
    ] {
        let mut written = 0;
        let result = evidence::write_bundle_with(&bundle, &out, 0, |_| {
            written += 1;
            if written == 4 {
                Err(std::io::Error::other("interrupted"))
            } else {
                Ok(())
            }
        });
        assert!(result.is_err());
        // Neither the bundle nor its temporary remains.
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{out:?} left something behind"
        );
    }
    // A process killed part-way never leaves a bundle that looks complete:
    // whatever is at the target verifies, or nothing is there.
    for delay_ms in [0u64, 5, 20, 50, 100] {
        let out = dir.path().join(format!("killed-{delay_ms}.tar.gz"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_assay"))
            .args(["evidence", DEMO, "--as-of", AS_OF, "--out"])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        if out.exists() {
            let run = verify(&out, &[]);
            assert_eq!(run.status.code(), Some(0), "{}", text(&run));
        }
    }
}

#[test]
fn an_existing_directory_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let out = format!("{}/", dir.path().display());
    let run = assay(&["evidence", DEMO, "--as-of", AS_OF, "--out", &out]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    assert!(text(&run).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn planted_secrets_appear_nowhere_in_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme.tar.gz");
    write_demo(out.to_str().unwrap(), &[]);
    let files = files_of(&out);
    let secrets = planted_secrets();
    for (name, bytes) in &files {
        let content = String::from_utf8_lossy(bytes);
        for secret in &secrets {
            assert!(!content.contains(secret.as_str()), "{name} holds {secret}");
        }
    }
    // The files that hold them are listed by digest but not copied.
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    for path in ["app/settings.py", "deploy/bastion_ed25519"] {
        let input = manifest["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["path"] == path)
            .unwrap();
        assert_eq!(input["withheld"], true, "{path}");
        assert!(input["copy"].is_null());
    }
}

fn keys(dir: &Path, seed: u8) -> (PathBuf, PathBuf) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let private = dir.join(format!("key-{seed}.pem"));
    let public = dir.join(format!("key-{seed}.pub"));
    std::fs::write(
        &private,
        key.to_pkcs8_pem(Default::default()).unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(
        &public,
        key.verifying_key()
            .to_public_key_pem(Default::default())
            .unwrap(),
    )
    .unwrap();
    (private, public)
}

#[test]
fn a_signed_bundle_verifies_with_its_key_and_only_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = keys(dir.path(), 7);
    let (_, other) = keys(dir.path(), 9);
    let out = dir.path().join("signed.tar.gz");
    write_demo(
        out.to_str().unwrap(),
        &["--sign", private.to_str().unwrap()],
    );
    let run = verify(&out, &["--key", public.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert!(text(&run).contains("signature verified"), "{}", text(&run));
    // Without a key the signature is present but unchecked.
    let run = verify(&out, &[]);
    assert_eq!(run.status.code(), Some(0));
    assert!(text(&run).contains("not checked"));
    // Another key does not verify it.
    let run = verify(&out, &["--key", other.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(text(&run).contains("signature INVALID"));

    // The envelope: DSSE around an in-toto statement over every other file.
    let files = files_of(&out);
    let envelope: Value = serde_json::from_slice(&files["attestation.dsse.json"]).unwrap();
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    let statement: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        statement["predicateType"],
        "https://in-toto.io/attestation/test-result/v0.1"
    );
    assert_eq!(statement["predicate"]["result"], "FAILED");
    assert!(
        statement["predicate"]["failedTests"]
            .as_array()
            .unwrap()
            .contains(&Value::from("repo.secrets.aws-access-key"))
    );
    let subjects: Vec<&str> = statement["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let others: Vec<&str> = files
        .keys()
        .map(String::as_str)
        .filter(|n| *n != "attestation.dsse.json")
        .collect();
    assert_eq!(subjects, others);

    // Forging a file and rewriting the manifest to match it fools the
    // digests, not the signature.
    let mut forged = files.clone();
    forged.insert("report.html".into(), b"<p>all good</p>".to_vec());
    let mut manifest: Value = serde_json::from_slice(&forged["manifest.json"]).unwrap();
    manifest["files"]["report.html"] = serde_json::json!({
        "size": 15,
        "sha256": "3c6a1bf5b7f01c6d27ab8f0ff1b06a1b4f3a36ba8d9b2a6c2a4dd6c0e0b4c8f7",
    });
    let digest = assay::inputs::sha256(b"<p>all good</p>");
    manifest["files"]["report.html"]["sha256"] = Value::from(digest);
    let mut bytes = serde_json_canonicalizer::to_vec(&manifest).unwrap();
    bytes.push(b'\n');
    forged.insert("manifest.json".into(), bytes);
    let bundle = Bundle {
        files: forged
            .into_iter()
            .map(|(path, bytes)| BundleFile { path, bytes })
            .collect(),
    };
    let forged = dir.path().join("forged.tar.gz");
    evidence::write_bundle(&bundle, &forged, 0).unwrap();
    let unsigned_check = verify(&forged, &[]);
    assert_eq!(
        unsigned_check.status.code(),
        Some(0),
        "{}",
        text(&unsigned_check)
    );
    let run = verify(&forged, &["--key", public.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(
        text(&run).contains("altered      report.html"),
        "{}",
        text(&run)
    );

    // Asking for a signature on an unsigned bundle fails.
    let plain = dir.path().join("plain.tar.gz");
    write_demo(plain.to_str().unwrap(), &[]);
    let run = verify(&plain, &["--key", public.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run).contains("NOT signed"));
}

#[test]
fn bad_keys_and_unreadable_bundles_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a key").unwrap();
    let out = dir.path().join("x.tar.gz");
    let run = assay(&[
        "evidence",
        DEMO,
        "--out",
        out.to_str().unwrap(),
        "--sign",
        junk.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    assert!(text(&run).contains("not an Ed25519 private key"));
    assert!(!out.exists());
    let run = verify(&dir.path().join("missing.tar.gz"), &[]);
    assert_eq!(run.status.code(), Some(2));
    let run = verify(&junk, &[]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    assert!(text(&run).contains("cannot read the bundle"));
}

#[cfg(unix)]
#[test]
fn a_link_inside_a_directory_bundle_is_named_and_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let out = format!("{}/b/", dir.path().display());
    write_demo(&out, &[]);
    std::os::unix::fs::symlink("/etc/passwd", Path::new(&out).join("passwd")).unwrap();
    let run = verify(Path::new(&out), &[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run).contains("unexpected   passwd"), "{}", text(&run));
}

#[test]
fn an_unwritable_destination_is_a_usage_error_naming_it() {
    let run = assay(&[
        "evidence",
        DEMO,
        "--as-of",
        AS_OF,
        "--out",
        "/nonexistent/dir/acme.tar.gz",
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run).contains("cannot write the bundle `/nonexistent/dir/acme.tar.gz`"),
        "{}",
        text(&run)
    );
}
