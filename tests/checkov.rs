//! Parity with Checkov: every built-in check on Dockerfiles, Kubernetes and
//! Terraform gives the same per-item verdicts as its Checkov equivalent on the
//! same fixtures, except for the differences declared, one by one and with a
//! reason, in `fixtures/checkov/divergences.toml`.
//!
//! Checkov is found through `ASSAY_CHECKOV` (the path of the `checkov`
//! executable); `./scripts/test` installs the pinned release and sets it. When
//! it is missing the test is skipped with a message, unless
//! `ASSAY_REQUIRE_PEERS=1`, when it fails.
//!
//! An item is a Dockerfile (by path), a workload (`Kind/namespace/name`) or a
//! Terraform resource (by address). Checkov lists passing and failing items;
//! assay lists failing items (and items it could not evaluate) and counts the
//! items it examined. Items assay does not list are taken as passes, and their
//! number must equal assay's count, so an item only one tool sees cannot slip
//! through: it has to be declared, with `checkov = "none"`.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Each assay check and the Checkov checks it corresponds to. A Dockerfile
/// fails `docker.non-root` when CKV_DOCKER_3 (a `USER` exists) or CKV_DOCKER_8
/// (the last `USER` is not root) fails; the two RDS checks cover instances and
/// clusters.
const MAPPING: &[(&str, &[&str])] = &[
    ("docker.non-root", &["CKV_DOCKER_3", "CKV_DOCKER_8"]),
    ("docker.pinned-base-image", &["CKV_DOCKER_7"]),
    ("k8s.no-privileged", &["CKV_K8S_16"]),
    ("k8s.run-as-non-root", &["CKV_K8S_23"]),
    ("terraform.sg-no-public-ssh", &["CKV_AWS_24"]),
    ("terraform.rds-encrypted", &["CKV_AWS_16", "CKV_AWS_96"]),
    ("terraform.s3-kms-encryption", &["CKV_AWS_145"]),
];

/// What Checkov scans in a fixture.
enum Scan {
    /// A directory (relative to the fixture), with the Dockerfile, Kubernetes
    /// and Terraform frameworks: the repository assay reads.
    Dir(&'static str),
    /// A Terraform plan JSON file (relative to the fixture): the export assay reads.
    Plan(&'static str),
}

struct Fixture {
    /// Relative to `fixtures/`; assay is run on this directory.
    name: &'static str,
    scan: Scan,
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        name: "repos/bad",
        scan: Scan::Dir("."),
    },
    Fixture {
        name: "repos/good",
        scan: Scan::Dir("."),
    },
    Fixture {
        name: "projects/k8s-bad",
        scan: Scan::Dir("repo"),
    },
    Fixture {
        name: "projects/k8s-good",
        scan: Scan::Dir("repo"),
    },
    Fixture {
        name: "projects/tf-bad",
        scan: Scan::Dir("repo"),
    },
    Fixture {
        name: "projects/tf-good",
        scan: Scan::Dir("repo"),
    },
    Fixture {
        name: "projects/plan-bad",
        scan: Scan::Plan("exports/tfplan.json"),
    },
    Fixture {
        name: "projects/plan-good",
        scan: Scan::Plan("exports/tfplan.json"),
    },
    Fixture {
        name: "checkov/cases",
        scan: Scan::Dir("."),
    },
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Pass,
    Fail,
    /// assay could not evaluate the item (it fails the run instead).
    Error,
    /// The tool records nothing for the item.
    None,
}

impl Verdict {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "pass" => Some(Self::Pass),
            "fail" => Some(Self::Fail),
            "error" => Some(Self::Error),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Error => "error",
            Self::None => "none",
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Divergences {
    checkov_version: String,
    divergence: Vec<Divergence>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Divergence {
    check: String,
    fixture: String,
    item: String,
    checkov: String,
    assay: String,
    reason: String,
}

/// One compared item's two verdicts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Difference {
    check: String,
    fixture: String,
    item: String,
    checkov: Verdict,
    assay: Verdict,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} `{}`: checkov {}, assay {}",
            self.fixture, self.check, self.item, self.checkov, self.assay
        )
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[cfg(unix)]
/// The Checkov check ids to run: every mapped one.
fn checkov_ids() -> String {
    MAPPING
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect::<Vec<_>>()
        .join(",")
}

/// A Checkov result record: check id, item key, passed.
struct Record {
    check_id: String,
    file_path: String,
    resource: String,
    passed: bool,
}

/// Runs Checkov on a fixture; returns its records and the Checkov versions its
/// reports name.
fn run_checkov(checkov: &Path, fixture: &Fixture) -> (Vec<Record>, BTreeSet<String>) {
    let dir = root().join("fixtures").join(fixture.name);
    let mut cmd = Command::new(checkov);
    cmd.args(["--skip-download", "--compact", "-o", "json", "--check"])
        .arg(checkov_ids());
    match fixture.scan {
        Scan::Dir(sub) => {
            cmd.current_dir(dir.join(sub)).args([
                "-d",
                ".",
                "--framework",
                "dockerfile",
                "kubernetes",
                "terraform",
            ]);
        }
        Scan::Plan(file) => {
            cmd.current_dir(&dir)
                .args(["-f", file, "--framework", "terraform_plan"]);
        }
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{}: cannot run {}: {e}", fixture.name, checkov.display()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 0: every check passed; 1: some failed. Anything else is a crash.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}: checkov exited {:?}\n{stderr}",
        fixture.name,
        out.status
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: checkov output is not JSON ({e}):\n{}\n{stderr}",
            fixture.name,
            String::from_utf8_lossy(&out.stdout)
        )
    });
    // One report per framework that found something: a list when there are
    // several; a bare summary when nothing was found at all.
    let reports = match json {
        Value::Array(reports) => reports,
        report => vec![report],
    };
    let mut records = Vec::new();
    let mut versions = BTreeSet::new();
    for report in &reports {
        if let Some(v) = report
            .pointer("/summary/checkov_version")
            .or_else(|| report.get("checkov_version"))
            .and_then(Value::as_str)
        {
            versions.insert(v.to_owned());
        }
        let Some(results) = report.get("results") else {
            continue;
        };
        for (key, passed) in [("passed_checks", true), ("failed_checks", false)] {
            for r in results
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let field = |name: &str| {
                    r.get(name)
                        .and_then(Value::as_str)
                        .unwrap_or_else(|| {
                            panic!("{}: checkov record without {name}: {r}", fixture.name)
                        })
                        .to_owned()
                };
                records.push(Record {
                    check_id: field("check_id"),
                    file_path: field("file_path"),
                    resource: field("resource"),
                    passed,
                });
            }
        }
    }
    (records, versions)
}

/// The item a Checkov record is about, in the form assay's findings give it.
fn checkov_item(check: &str, r: &Record) -> String {
    if check.starts_with("docker.") {
        r.file_path.trim_start_matches('/').to_owned()
    } else if check.starts_with("k8s.") {
        // `Kind.namespace.name`: names may hold dots, kinds and namespaces not.
        r.resource.splitn(3, '.').collect::<Vec<_>>().join("/")
    } else {
        r.resource.clone()
    }
}

/// assay's view of one check on one fixture.
#[derive(Default)]
struct AssayCheck {
    failing: BTreeSet<String>,
    errors: BTreeSet<String>,
    examined: usize,
    failing_count: usize,
}

/// The item an assay finding is about.
fn assay_item(check: &str, finding: &Value) -> String {
    let s = |name: &str| finding.get(name).and_then(Value::as_str);
    if check.starts_with("docker.") {
        s("path").unwrap_or("(repository)").to_owned()
    } else {
        let label = s("label")
            .or_else(|| s("path"))
            .unwrap_or("(repository)")
            .to_owned();
        // A workload's `Kind/name` is in the default namespace.
        match label.split_once('/') {
            Some((kind, name)) if check.starts_with("k8s.") && !name.contains('/') => {
                format!("{kind}/default/{name}")
            }
            _ => label,
        }
    }
}

fn run_assay(fixture: &Fixture) -> BTreeMap<String, AssayCheck> {
    let dir = root().join("fixtures").join(fixture.name);
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .arg("check")
        .arg(&dir)
        .args(["--format", "json", "--as-of", "2026-06-01"])
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}: assay exited {:?}\n{stderr}",
        fixture.name,
        out.status
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: assay output is not JSON ({e})\n{stderr}", fixture.name));
    let mut checks = BTreeMap::new();
    for c in report["checks"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        if !MAPPING.iter().any(|(check, _)| *check == id) {
            continue;
        }
        let failing = c["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| assay_item(id, f))
            .collect();
        let errors = c["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap_or("(repository)").to_owned())
            .collect();
        checks.insert(
            id.to_owned(),
            AssayCheck {
                failing,
                errors,
                examined: usize::try_from(c["examined"].as_u64().unwrap()).unwrap(),
                failing_count: usize::try_from(c["failing"].as_u64().unwrap()).unwrap(),
            },
        );
    }
    checks
}

#[derive(Default)]
struct Tally {
    items: usize,
    both_pass: usize,
    both_fail: usize,
    differ: usize,
}

fn load_divergences() -> (Divergences, BTreeSet<Difference>, Vec<String>) {
    let path = root().join("fixtures/checkov/divergences.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let divergences: Divergences =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut problems = Vec::new();
    let mut declared = BTreeSet::new();
    for d in &divergences.divergence {
        let at = format!("divergence {} {} `{}`", d.fixture, d.check, d.item);
        if !MAPPING.iter().any(|(c, _)| *c == d.check) {
            problems.push(format!("{at}: unknown check"));
        }
        if !FIXTURES.iter().any(|f| f.name == d.fixture) {
            problems.push(format!("{at}: unknown fixture"));
        }
        let checkov = Verdict::parse(&d.checkov).filter(|v| *v != Verdict::Error);
        let assay = Verdict::parse(&d.assay).filter(|v| *v != Verdict::None);
        if checkov.is_none() {
            problems.push(format!("{at}: checkov must be pass, fail or none"));
        }
        if assay.is_none() {
            problems.push(format!("{at}: assay must be pass, fail or error"));
        }
        if d.reason.trim().is_empty() {
            problems.push(format!("{at}: no reason"));
        }
        if let (Some(checkov), Some(assay)) = (checkov, assay) {
            if checkov == assay {
                problems.push(format!(
                    "{at}: both verdicts are {checkov}: not a divergence"
                ));
            }
            let diff = Difference {
                check: d.check.clone(),
                fixture: d.fixture.clone(),
                item: d.item.clone(),
                checkov,
                assay,
            };
            if !declared.insert(diff) {
                problems.push(format!("{at}: declared twice"));
            }
        }
    }
    (divergences, declared, problems)
}

#[test]
fn verdicts_match_checkov_except_declared_divergences() {
    let Some(checkov) = common::checkov() else {
        return;
    };
    let (divergences, declared, mut problems) = load_divergences();

    // Both tools on every fixture, in parallel: Checkov takes seconds a run.
    let runs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = FIXTURES
            .iter()
            .map(|f| {
                let checkov = &checkov;
                s.spawn(move || (run_checkov(checkov, f), run_assay(f)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut observed = BTreeSet::new();
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for (fixture, ((records, versions), assay)) in FIXTURES.iter().zip(runs) {
        let name = fixture.name;
        if versions.iter().any(|v| *v != divergences.checkov_version) || versions.is_empty() {
            problems.push(format!(
                "{name}: Checkov {versions:?} ran, but divergences.toml is for {}; install that release",
                divergences.checkov_version
            ));
        }
        let mut compared = 0;
        for (check, ids) in MAPPING {
            // Checkov's verdict per item: fail when any of its records fails.
            let mut theirs: BTreeMap<String, Verdict> = BTreeMap::new();
            for r in records
                .iter()
                .filter(|r| ids.contains(&r.check_id.as_str()))
            {
                let v = theirs
                    .entry(checkov_item(check, r))
                    .or_insert(Verdict::Pass);
                if !r.passed {
                    *v = Verdict::Fail;
                }
            }
            let ours = assay.get(*check).unwrap_or_else(|| {
                panic!("{name}: assay's report has no check {check}");
            });
            if ours.failing.len() != ours.failing_count {
                problems.push(format!(
                    "{name} {check}: {} failing items named, {} counted: items are not told apart",
                    ours.failing.len(),
                    ours.failing_count
                ));
            }
            let mut items: BTreeSet<String> = theirs.keys().cloned().collect();
            items.extend(ours.failing.iter().cloned());
            items.extend(ours.errors.iter().cloned());
            items.extend(
                declared
                    .iter()
                    .filter(|d| d.fixture == name && d.check == *check)
                    .map(|d| d.item.clone()),
            );
            let mut passes = 0;
            // Items taken as assay passes that Checkov does not report.
            let mut unreported = Vec::new();
            let tally = tallies.entry(*check).or_default();
            for item in items {
                let checkov = theirs.get(&item).copied().unwrap_or(Verdict::None);
                let assay = if ours.errors.contains(&item) {
                    Verdict::Error
                } else if ours.failing.contains(&item) {
                    Verdict::Fail
                } else {
                    passes += 1;
                    if checkov == Verdict::None {
                        unreported.push(item.clone());
                    }
                    Verdict::Pass
                };
                compared += 1;
                tally.items += 1;
                match (checkov, assay) {
                    (Verdict::Pass, Verdict::Pass) => tally.both_pass += 1,
                    (Verdict::Fail, Verdict::Fail) => tally.both_fail += 1,
                    _ => {
                        tally.differ += 1;
                        observed.insert(Difference {
                            check: (*check).to_owned(),
                            fixture: name.to_owned(),
                            item,
                            checkov,
                            assay,
                        });
                    }
                }
            }
            // The items taken as assay passes must be exactly those it examined
            // and did not fail: an item assay does not examine, or one only it
            // examines and Checkov does not name, shows up here.
            if passes + ours.failing.len() != ours.examined {
                problems.push(format!(
                    "{name} {check}: assay examined {} items, but the comparison takes {passes} as passing \
                     ({unreported:?} of them declared, Checkov reporting nothing) and {} as failing: \
                     declare an item assay examines and Checkov does not report with checkov = \"none\"; \
                     an item Checkov reports that assay does not examine is a gap in assay",
                    ours.examined,
                    ours.failing.len()
                ));
            }
        }
        if records.is_empty() || compared == 0 {
            problems.push(format!(
                "{name}: nothing compared ({} Checkov records, {compared} items)",
                records.len()
            ));
        }
    }

    for d in observed.difference(&declared) {
        problems.push(format!("undeclared difference: {d}"));
    }
    for d in declared.difference(&observed) {
        problems.push(format!("declared difference does not occur: {d}"));
    }

    println!("check                       items  both pass  both fail  divergences");
    for (check, t) in &tallies {
        println!(
            "{check:<27} {:>5}  {:>9}  {:>9}  {:>11}",
            t.items, t.both_pass, t.both_fail, t.differ
        );
        // The comparison means something only when both tools agree on a
        // pass and on a failure somewhere.
        if t.both_pass == 0 || t.both_fail == 0 {
            problems.push(format!(
                "{check}: the fixtures need an item both tools pass and one both fail \
                 ({} both pass, {} both fail)",
                t.both_pass, t.both_fail
            ));
        }
    }
    for (check, _) in MAPPING {
        if !tallies.contains_key(check) {
            problems.push(format!("{check}: not compared"));
        }
    }

    assert!(
        problems.is_empty(),
        "assay and Checkov {} disagree beyond fixtures/checkov/divergences.toml:\n  {}",
        divergences.checkov_version,
        problems.join("\n  ")
    );
}
