//! Issue 11: findings are bounded while scanning (`--max-findings`), the
//! counts stay exact, and every format is written within a fixed address
//! space, however many findings or files the repository has.
//!
//! The repositories are generated here, not committed: one file of
//! 1,000,000 AWS-key-shaped strings (about 21 MB), and 100,000 empty files
//! that a path check selects. Each format runs the real binary under
//! `ulimit -v`: a run that needed more would fail to allocate and abort.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::Command;

/// Every `--format` of `assay check`.
const FORMATS: [&str; 8] = [
    "human", "json", "html", "oscal", "sarif", "junit", "markdown", "csv",
];

/// The address-space bound, in KiB. Measured under `ulimit -v` with two
/// threads: a trivial run (one small file) needs 60 to 80 MiB, the million
/// keys about as much, and the 100,000 files about 300 MiB. What mimalloc
/// reserves varies from run to run: at 512 MiB one run in five or six of
/// the 100,000 files failed to allocate, at 640 MiB none did. Before
/// findings were bounded the million keys took 1.5 GiB of resident memory;
/// no bound here leaves room for holding a million findings.
const LIMIT_KIB: u64 = 768 * 1024;

const KEYS: usize = 1_000_000;

/// Key `i`: `AKIA` and 16 upper-case letters and digits, distinct for each `i`.
fn key(i: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut n = i;
    let mut tail = [b'A'; 16];
    for slot in tail.iter_mut().rev() {
        *slot = DIGITS[n % 36];
        n /= 36;
    }
    format!("AKIA{}", String::from_utf8(tail.to_vec()).unwrap())
}

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs assay under the address-space bound, with two threads whatever the machine.
fn bounded(args: &[&str]) -> Run {
    let script = format!("ulimit -v {LIMIT_KIB}; exec \"$0\" \"$@\"");
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1")
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_slice(&run.stdout).unwrap()
}

/// A repository of one file holding `KEYS` distinct key ids, one a line.
fn million_keys(root: &Path) {
    let mut text = String::with_capacity(KEYS * 21);
    for i in 0..KEYS {
        text.push_str(&key(i));
        text.push('\n');
    }
    std::fs::write(root.join("keys.txt"), text).unwrap();
}

/// Issue 11: a million keys in one file. Every format is written within the
/// bound; the exact count is reported, a thousand findings are kept, and no
/// key is printed whole.
#[test]
fn issue_11_a_million_findings_stay_bounded_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    million_keys(dir.path());
    let root = dir.path().to_str().unwrap();
    let whole_key = regex::bytes::Regex::new(r"(?:AKIA|ASIA)[A-Z0-9]{16}").unwrap();
    for format in FORMATS {
        let run = bounded(&[
            "check",
            root,
            "--check",
            "repo.secrets.aws-access-key",
            "--as-of",
            "2026-11-20",
            "--trials",
            "1000",
            "--format",
            format,
        ]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(
            !whole_key.is_match(&run.stdout),
            "{format}: a key is printed whole"
        );
        let text = String::from_utf8_lossy(&run.stdout);
        match format {
            "json" => {
                let report = json(&run);
                let check = &report["checks"][0];
                assert_eq!(check["failing"], 1, "one file fails");
                assert_eq!(check["findings"].as_array().unwrap().len(), 1000);
                assert_eq!(check["findings_omitted"], KEYS - 1000);
            }
            // The control matrix counts findings per control; it lists none.
            "csv" => assert!(text.contains(&KEYS.to_string()), "{format}: {text}"),
            // A pull-request comment shows five, and how many more there are.
            "markdown" => assert!(text.contains(&(KEYS - 5).to_string()), "{format}"),
            _ => assert!(
                text.contains(&format!(
                    "{} more findings counted but not kept",
                    KEYS - 1000
                )),
                "{format} does not say how many findings were left out"
            ),
        }
    }
}

/// Issue 11: 100,000 empty files that a path check selects (OSCAL once took
/// 1.1 GB here, citing each as evidence): every format within the bound.
#[test]
fn issue_11_a_hundred_thousand_selected_files_stay_bounded_in_every_format() {
    const FILES: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    for d in 0..100 {
        let sub = repo.join(format!("logs/{d:03}"));
        std::fs::create_dir_all(&sub).unwrap();
        for f in 0..FILES / 100 {
            std::fs::write(sub.join(format!("{f:04}.log")), "").unwrap();
        }
    }
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("assay.toml"),
        "[project]\nname = \"many\"\nrepository = \"repo\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policies/logs.toml"),
        "[[check]]\nid = \"many.no-logs\"\ntitle = \"No log files committed\"\n\
         severity = \"high\"\nfiles = [\"**/*.log\"]\nassert = \"absent\"\n",
    )
    .unwrap();
    let root = dir.path().to_str().unwrap();
    for format in FORMATS {
        let run = bounded(&[
            "check",
            root,
            "--check",
            "many.*",
            "--as-of",
            "2026-11-20",
            "--trials",
            "1000",
            "--format",
            format,
        ]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        if format == "json" {
            let report = json(&run);
            let check = &report["checks"][0];
            assert_eq!(check["examined"], FILES);
            assert_eq!(check["failing"], FILES);
            assert_eq!(check["findings"].as_array().unwrap().len(), 1000);
            assert_eq!(check["findings_omitted"], FILES - 1000);
        }
        if format == "oscal" {
            // Every file read is still cited by digest in back-matter.
            let doc = json(&run);
            let resources = &doc["assessment-results"]["back-matter"]["resources"];
            assert!(resources.as_array().unwrap().len() > FILES);
        }
    }
}

/// A project whose repository holds `a.txt` with three keys and `b.txt` with
/// two, and whose waivers file is `waivers`.
fn five_keys(root: &Path, waivers: &str) {
    std::fs::create_dir_all(root.join("repo")).unwrap();
    let lines = |from: usize, n: usize| -> String {
        (from..from + n).map(|i| format!("{}\n", key(i))).collect()
    };
    std::fs::write(root.join("repo/a.txt"), lines(0, 3)).unwrap();
    std::fs::write(root.join("repo/b.txt"), lines(3, 2)).unwrap();
    std::fs::write(
        root.join("assay.toml"),
        "[project]\nname = \"five\"\nrepository = \"repo\"\n",
    )
    .unwrap();
    std::fs::write(root.join("waivers.toml"), waivers).unwrap();
}

fn keys_check(root: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec![
        "check",
        root.to_str().unwrap(),
        "--check",
        "repo.secrets.aws-access-key",
        "--as-of",
        "2026-11-20",
        "--trials",
        "1000",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let run = bounded(&args);
    assert_ne!(run.code, 2, "{}", run.stderr);
    let report = json(&run);
    (run.code, report["checks"][0].clone())
}

fn waiver(path: Option<&str>) -> String {
    let path = path
        .map(|p| format!("path = \"{p}\"\n"))
        .unwrap_or_default();
    format!(
        "[[waiver]]\nid = \"w\"\ncheck = \"repo.secrets.aws-access-key\"\n{path}\
         justification = \"Test keys.\"\napprover = \"Jordan Kim\"\n\
         granted = 2026-11-01\nexpires = 2027-01-15\n"
    )
}

/// The findings kept are the first in report order, whatever the cap: the
/// same as the head of the full list; the count stays exact.
#[test]
fn max_findings_keeps_the_first_findings_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    five_keys(dir.path(), "");
    let (_, all) = keys_check(dir.path(), &[]);
    let (code, two) = keys_check(dir.path(), &["--max-findings", "2"]);
    assert_eq!(code, 1);
    assert_eq!(all["findings"].as_array().unwrap().len(), 5);
    assert_eq!(all["findings_omitted"], 0);
    assert_eq!(
        two["findings"].as_array().unwrap()[..],
        all["findings"].as_array().unwrap()[..2]
    );
    assert_eq!(two["findings_omitted"], 3);
    assert_eq!(two["failing"], 2, "two files fail");
    // None kept: still a failure, with every finding counted.
    let (code, none) = keys_check(dir.path(), &["--max-findings", "0"]);
    assert_eq!((code, none["status"].as_str()), (1, Some("fail")));
    assert_eq!(none["findings_omitted"], 5);
}

/// A waiver narrowed to a path cannot be said to cover findings that were
/// not kept, so the check still fails; a waiver of the whole check covers
/// them, and counts them.
#[test]
fn only_a_whole_check_waiver_covers_findings_past_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    five_keys(dir.path(), &waiver(Some("*.txt")));
    let (_, all) = keys_check(dir.path(), &[]);
    assert_eq!(all["status"], "waived", "every finding is known and waived");
    let (code, capped) = keys_check(dir.path(), &["--max-findings", "2"]);
    assert_eq!((code, capped["status"].as_str()), (1, Some("fail")));

    let dir = tempfile::tempdir().unwrap();
    five_keys(dir.path(), &waiver(None));
    let run = bounded(&[
        "check",
        dir.path().to_str().unwrap(),
        "--check",
        "repo.secrets.aws-access-key",
        "--as-of",
        "2026-11-20",
        "--trials",
        "1000",
        "--format",
        "json",
        "--max-findings",
        "2",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["checks"][0]["status"], "waived");
    let w = report["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == "w")
        .unwrap();
    assert_eq!(w["matched"], 5);
}

/// Against a baseline, findings past the cap may be new: the run gates.
#[test]
fn findings_past_the_cap_gate_against_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    five_keys(dir.path(), "");
    let baseline = dir.path().join("baseline.json");
    let (code, _) = keys_check(
        dir.path(),
        &["--write-baseline", baseline.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    let with = |extra: &[&str]| {
        let mut args = vec!["--baseline", baseline.to_str().unwrap()];
        args.extend_from_slice(extra);
        keys_check(dir.path(), &args).0
    };
    assert_eq!(with(&[]), 0, "every finding is in the baseline");
    assert_eq!(with(&["--max-findings", "2"]), 1, "three are unknown");
}
