//! `assay check --format oscal`: the OSCAL assessment results hold every
//! control as a finding and every ranked risk with its figures, cite each
//! input with its SHA-256, are byte-identical from run to run, and are valid
//! OSCAL 1.1.3 as compliance-trestle reads them.
//!
//! The trestle validation needs `ASSAY_TRESTLE` (or `trestle` on `PATH`);
//! `./scripts/test` installs a pinned trestle and sets it. When it is missing
//! that test is skipped with a message, unless `ASSAY_REQUIRE_PEERS=1`, when
//! it fails.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use assay::inputs::{Input, InputKind};
use assay::model::{EvidenceFile, Validity};
use assay::outcome::{AttestationReport, Status};
use assay::report::Report;
use assay::report::oscal::{self, NS};
use regex::Regex;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

const AS_OF: &str = "2026-11-01";

fn assay(format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args([
            "check",
            "examples/acme",
            "--format",
            format,
            "--as-of",
            AS_OF,
        ])
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    // The demo has violations: exit 1, never a usage error.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn demo() -> Value {
    serde_json::from_str(&assay("oscal")).unwrap()
}

fn demo_report() -> Report {
    serde_json::from_str(&assay("json")).unwrap()
}

fn result(doc: &Value) -> &Value {
    &doc["assessment-results"]["results"][0]
}

fn prop<'a>(item: &'a Value, name: &str) -> Option<&'a str> {
    item["props"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name && p["ns"] == NS)
        .and_then(|p| p["value"].as_str())
}

fn items<'a>(doc: &'a Value, key: &str) -> &'a Vec<Value> {
    result(doc)[key].as_array().unwrap()
}

/// Every value of `key` anywhere in the document.
fn all<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k == key {
                    out.push(x);
                }
                all(x, key, out);
            }
        }
        Value::Array(xs) => xs.iter().for_each(|x| all(x, key, out)),
        _ => {}
    }
}

fn strings<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    all(v, key, &mut out);
    out.into_iter().map(|x| x.as_str().unwrap()).collect()
}

fn finding<'a>(doc: &'a Value, framework: &str, control: &str) -> &'a Value {
    items(doc, "findings")
        .iter()
        .find(|f| prop(f, "framework") == Some(framework) && prop(f, "control-id") == Some(control))
        .unwrap_or_else(|| panic!("no finding for {framework}:{control}"))
}

fn observation<'a>(doc: &'a Value, uuid: &str) -> &'a Value {
    items(doc, "observations")
        .iter()
        .find(|o| o["uuid"] == uuid)
        .unwrap_or_else(|| panic!("no observation {uuid}"))
}

fn check_observation<'a>(doc: &'a Value, check: &str) -> &'a Value {
    items(doc, "observations")
        .iter()
        .find(|o| prop(o, "check-id") == Some(check))
        .unwrap_or_else(|| panic!("no observation of {check}"))
}

fn resource<'a>(doc: &'a Value, href: &str) -> &'a Value {
    let uuid = href.strip_prefix('#').unwrap();
    doc["assessment-results"]["back-matter"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["uuid"] == uuid)
        .unwrap_or_else(|| panic!("no resource {href}"))
}

#[test]
fn two_runs_give_byte_identical_documents() {
    let first = assay("oscal");
    assert_eq!(first, assay("oscal"));
    let report = demo_report();
    let inputs = inputs();
    assert_eq!(
        oscal::assessment_results(&report, &inputs),
        oscal::assessment_results(&report, &inputs)
    );
    let doc: Value = serde_json::from_str(&first).unwrap();
    let meta = &doc["assessment-results"]["metadata"];
    assert_eq!(meta["oscal-version"], "1.1.3");
    assert_eq!(meta["published"], "2026-11-01T00:00:00Z");
    assert_eq!(meta["last-modified"], "2026-11-01T00:00:00Z");
    assert_eq!(meta["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(result(&doc)["start"], "2026-11-01T00:00:00Z");
}

#[test]
fn every_control_is_a_finding_with_its_status() {
    let (doc, report) = (demo(), demo_report());
    let mut expected = 0;
    for fw in &report.frameworks {
        let selection = result(&doc)["reviewed-controls"]["control-selections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| prop(s, "framework") == Some(fw.id.as_str()))
            .unwrap();
        assert_eq!(
            selection["include-controls"].as_array().unwrap().len(),
            fw.controls.len()
        );
        for c in &fw.controls {
            expected += 1;
            let f = finding(&doc, fw.id.as_str(), &c.id);
            let (state, reason) = match c.status {
                Status::Pass => ("satisfied", "pass"),
                Status::Fail => ("not-satisfied", "fail"),
                _ => ("not-satisfied", "other"),
            };
            assert_eq!(f["target"]["type"], "objective-id");
            assert_eq!(f["target"]["status"]["state"], state, "{}:{}", fw.id, c.id);
            assert_eq!(
                f["target"]["status"]["reason"], reason,
                "{}:{}",
                fw.id, c.id
            );
            assert_eq!(prop(f, "status"), Some(c.status.as_str()));
            // Each check of the control is an observation the finding cites.
            let cited: BTreeSet<&str> = strings(f, "observation-uuid").into_iter().collect();
            for check in &c.checks {
                let o = check_observation(&doc, check.as_str());
                assert!(
                    cited.contains(o["uuid"].as_str().unwrap()),
                    "{}:{} {check}",
                    fw.id,
                    c.id
                );
                assert_eq!(o["methods"], json!(["TEST"]));
            }
            // And its attestation, if it has one.
            assert_eq!(
                cited.len(),
                c.checks.len() + usize::from(c.attestation.is_some())
            );
        }
    }
    assert!(expected > 100, "{expected}");
    assert_eq!(items(&doc, "findings").len(), expected);
    let attested = report
        .frameworks
        .iter()
        .flat_map(|f| &f.controls)
        .filter(|c| c.attestation.is_some())
        .count();
    assert_eq!(
        items(&doc, "observations").len(),
        report.checks.len() + attested
    );
    assert_eq!(
        finding(&doc, "iso27001", "A.5.1")["target"]["target-id"],
        "A.5.1"
    );
}

/// CIS and NIST, which the demo's `assay.toml` does not select.
fn cis_and_nist() -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args([
            "check",
            "examples/acme",
            "--format",
            "oscal",
            "--as-of",
            AS_OF,
        ])
        .args([
            "--framework",
            "cis-v8",
            "--framework",
            "nist-800-53@moderate",
        ])
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn control_ids_become_oscal_tokens() {
    let doc = cis_and_nist();
    // NIST's ids as NIST's OSCAL catalog spells them; ids that start with a
    // digit prefixed with their framework. The exact id stays in a prop.
    assert_eq!(
        finding(&doc, "nist-800-53", "AC-2(1)")["target"]["target-id"],
        "ac-2.1"
    );
    assert_eq!(
        finding(&doc, "nist-800-53", "IA-5")["target"]["target-id"],
        "ia-5"
    );
    assert_eq!(
        finding(&doc, "cis-v8", "6.3")["target"]["target-id"],
        "cis-v8-6.3"
    );
    let selections = result(&doc)["reviewed-controls"]["control-selections"].clone();
    let ids = strings(&selections, "control-id");
    assert!(ids.contains(&"ac-2.1") && ids.contains(&"cis-v8-6.3"));
    let token = Regex::new(r"^[_A-Za-z][_A-Za-z0-9.\-]*$").unwrap();
    for id in ids.iter().chain(&strings(&doc, "target-id")) {
        assert!(token.is_match(id), "{id}");
    }
}

#[test]
fn observations_summarise_the_findings_of_their_check() {
    let (doc, report) = (demo(), demo_report());
    for check in &report.checks {
        let r = &check.result;
        let o = check_observation(&doc, r.id.as_str());
        assert_eq!(prop(o, "status"), Some(r.status.as_str()));
        assert_eq!(
            prop(o, "findings"),
            Some(r.findings.len().to_string().as_str())
        );
        let description = o["description"].as_str().unwrap();
        for f in r.findings.iter().take(10) {
            assert!(description.contains(&f.message), "{}: {description}", r.id);
            if let Some(path) = &f.path {
                assert!(
                    description.contains(path.as_str()),
                    "{}: {description}",
                    r.id
                );
            }
        }
    }
    // Each attestation cites its evidence files with their SHA-256.
    let text = serde_json::to_string(&doc).unwrap();
    for c in report.frameworks.iter().flat_map(|f| &f.controls) {
        for e in c.attestation.iter().flat_map(|a| &a.evidence) {
            assert!(text.contains(&e.sha256), "{} {}", c.id, e.path);
        }
    }
    // The planted secret is reported by place, never by value.
    let settings = std::fs::read_to_string("examples/acme/service/app/settings.py").unwrap();
    let key = Regex::new(r"AKIA[A-Z0-9]{16}").unwrap();
    for secret in key.find_iter(&settings) {
        assert!(!text.contains(secret.as_str()));
    }
}

#[test]
fn ranked_risks_carry_their_figures_as_facets() {
    let (doc, report) = (demo(), demo_report());
    let analysis = report.risks.as_ref().unwrap();
    let risks = items(&doc, "risks");
    assert_eq!(risks.len(), analysis.risks.len());
    for (entry, risk) in analysis.risks.iter().zip(risks) {
        assert_eq!(prop(risk, "risk-id"), Some(entry.id.as_str()));
        assert_eq!(risk["status"], "open");
        assert_eq!(risk["description"], entry.scenario.as_str());
        assert!(!risk["statement"].as_str().unwrap().is_empty());
        let facets: BTreeMap<&str, &str> = risk["characterizations"][0]["facets"]
            .as_array()
            .unwrap()
            .iter()
            .inspect(|f| assert_eq!(f["system"], NS))
            .map(|f| (f["name"].as_str().unwrap(), f["value"].as_str().unwrap()))
            .collect();
        assert_eq!(facets["inherent-ale"], format!("{:.2}", entry.inherent.ale));
        assert_eq!(facets["residual-ale"], format!("{:.2}", entry.residual.ale));
        assert_eq!(
            facets["inherent-p99"],
            format!("{:.2}", entry.inherent.simulated.p99)
        );
        assert_eq!(
            facets["residual-p90"],
            format!("{:.2}", entry.residual.simulated.p90)
        );
        assert_eq!(facets["currency"], analysis.currency);
        for name in [
            "frequency",
            "loss-low",
            "loss-high",
            "residual-frequency",
            "loss-factor",
        ] {
            assert!(facets.contains_key(name), "{name}");
        }
        let counted = entry.controls.iter().filter(|m| m.counted).count();
        let factors = risk["mitigating-factors"].as_array().map_or(0, Vec::len);
        assert_eq!(factors, counted, "{}", entry.id);
    }
    // A control that mitigates a ranked risk links to it.
    let uuid_of: BTreeMap<&str, &str> = risks
        .iter()
        .map(|r| (prop(r, "risk-id").unwrap(), r["uuid"].as_str().unwrap()))
        .collect();
    let mut links = 0;
    for fw in &report.frameworks {
        for c in &fw.controls {
            let linked: BTreeSet<&str> = strings(finding(&doc, fw.id.as_str(), &c.id), "risk-uuid")
                .into_iter()
                .collect();
            let expected: BTreeSet<&str> = c
                .mitigates
                .iter()
                .filter_map(|m| uuid_of.get(m.risk.as_str()).copied())
                .collect();
            assert_eq!(linked, expected, "{}:{}", fw.id, c.id);
            links += linked.len();
        }
    }
    assert!(links > 0);
}

#[test]
fn uuids_are_unique_valid_and_every_reference_resolves() {
    let report = demo_report();
    for doc in [demo(), attested(&report)] {
        let uuids = strings(&doc, "uuid");
        let unique: BTreeSet<&str> = uuids.iter().copied().collect();
        assert_eq!(unique.len(), uuids.len(), "duplicate uuids");
        for u in &uuids {
            let parsed = uuid::Uuid::parse_str(u).unwrap();
            assert_eq!(parsed.get_version_num(), 5, "{u}");
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{u}");
            assert_eq!(parsed.hyphenated().to_string(), *u);
        }
        for key in [
            "observation-uuid",
            "risk-uuid",
            "actor-uuid",
            "component-uuid",
        ] {
            for r in strings(&doc, key) {
                assert!(unique.contains(r), "{key} {r} resolves to nothing");
            }
        }
        for href in strings(&doc, "href")
            .into_iter()
            .filter(|h| h.starts_with('#'))
        {
            resource(&doc, href);
        }
    }
}

#[test]
fn names_and_strings_are_what_oscal_allows() {
    let doc = attested(&demo_report());
    let token = Regex::new(r"^[_A-Za-z][_A-Za-z0-9.\-]*$").unwrap();
    let line = Regex::new(r"^\S(.*\S)?$").unwrap();
    for key in ["target-id", "control-id", "reason"] {
        for t in strings(&doc, key) {
            assert!(token.is_match(t), "{key} {t:?}");
        }
    }
    let mut named = Vec::new();
    all(&doc, "props", &mut named);
    all(&doc, "facets", &mut named);
    for list in named {
        for p in list.as_array().unwrap() {
            assert!(token.is_match(p["name"].as_str().unwrap()), "{p}");
            assert!(line.is_match(p["value"].as_str().unwrap()), "{p}");
        }
    }
    for title in strings(&doc, "title") {
        assert!(line.is_match(title), "{title:?}");
    }
    for description in strings(&doc, "description") {
        assert!(!description.trim().is_empty());
    }
    // OSCAL's JSON schema: no empty arrays, no nulls.
    fn walk(v: &Value) {
        match v {
            Value::Null => panic!("null in the document"),
            Value::Array(xs) => {
                assert!(!xs.is_empty(), "empty array");
                xs.iter().for_each(walk);
            }
            Value::Object(map) => map.values().for_each(walk),
            _ => {}
        }
    }
    walk(&doc);
}

/// A repository file with a finding, one without, an export, an attestation's
/// evidence and the configuration.
fn inputs() -> Vec<Input> {
    let input = |kind, path: &str, body: &str| Input {
        kind,
        path: path.to_owned(),
        size: body.len() as u64,
        sha256: hex(&Sha256::digest(body.as_bytes())),
    };
    vec![
        input(InputKind::Repository, "app/settings.py", "settings"),
        input(InputKind::Repository, "README.md", "readme"),
        input(InputKind::Export, "exports/credential-report.csv", "report"),
        input(
            InputKind::Attestation,
            "evidence/access review.pdf",
            "review",
        ),
        input(InputKind::Config, "assay.toml", "config"),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The demo's report with an attestation on each of two manual controls:
/// a valid one that passes `acme:ACME-3` and an expired one on `acme:ACME-4`.
fn attested(report: &Report) -> Value {
    let mut report = report.clone();
    let inputs = inputs();
    let evidence = &inputs[3];
    let acme = report
        .frameworks
        .iter_mut()
        .find(|f| f.id.as_str() == "acme")
        .unwrap();
    for (id, validity, status) in [
        ("ACME-3", Validity::Valid, Status::Pass),
        ("ACME-4", Validity::Expired, Status::Manual),
    ] {
        let c = acme.controls.iter_mut().find(|c| c.id == id).unwrap();
        assert!(
            c.checks.is_empty() && c.status == Status::Manual,
            "{id} is manual"
        );
        c.status = status;
        c.attestation = Some(AttestationReport {
            statement: format!("{id} operated\nthroughout the period."),
            attested_by: "Dana Reviewer".to_owned(),
            date: "2026-01-15".to_owned(),
            expires: if validity == Validity::Valid {
                "2027-01-15"
            } else {
                "2026-07-15"
            }
            .to_owned(),
            validity,
            evidence: vec![EvidenceFile {
                path: evidence.path.clone(),
                size: evidence.size,
                sha256: evidence.sha256.clone(),
            }],
            source: "attestations.toml:3".to_owned(),
        });
    }
    oscal::assessment_results(&report, &inputs)
}

#[test]
fn evidence_cites_each_input_with_its_sha256() {
    let doc = attested(&demo_report());
    let inputs = inputs();
    let cited = |o: &Value, input: &Input| {
        let e = o["relevant-evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| prop(e, "path") == Some(input.path.as_str()))
            .unwrap_or_else(|| panic!("{} not cited in {}", input.path, o["title"]));
        assert_eq!(prop(e, "sha256"), Some(input.sha256.as_str()));
        let r = resource(&doc, e["href"].as_str().unwrap());
        assert_eq!(
            r["rlinks"][0]["hashes"][0],
            json!({ "algorithm": "SHA-256", "value": input.sha256 })
        );
    };
    // An export check cites the export it read.
    cited(check_observation(&doc, "aws.iam.console-mfa"), &inputs[2]);
    // A repository check cites the files of its findings, and the manifest
    // hash that covers every repository file.
    let secrets = check_observation(&doc, "repo.secrets.aws-access-key");
    cited(secrets, &inputs[0]);
    let listing: String = {
        let mut files: Vec<&Input> = inputs
            .iter()
            .filter(|i| i.kind == InputKind::Repository)
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
            .iter()
            .map(|i| format!("{}  {}\n", i.sha256, i.path))
            .collect()
    };
    let manifest = hex(&Sha256::digest(listing.as_bytes()));
    let evidence = secrets["relevant-evidence"].as_array().unwrap();
    assert!(
        evidence
            .iter()
            .any(|e| prop(e, "sha256") == Some(manifest.as_str()))
    );
    // Every input is a back-matter resource carrying its hash, once.
    let resources = doc["assessment-results"]["back-matter"]["resources"]
        .as_array()
        .unwrap();
    for input in &inputs {
        let r: Vec<&Value> = resources
            .iter()
            .filter(|r| r["title"] == input.path.as_str())
            .collect();
        assert_eq!(r.len(), 1, "{}", input.path);
        assert_eq!(prop(r[0], "sha256"), Some(input.sha256.as_str()));
        assert_eq!(prop(r[0], "size"), Some(input.size.to_string().as_str()));
    }
    assert!(strings(&doc, "href").contains(&"evidence/access%20review.pdf"));
    // import-ap points at the resource that says what the plan is.
    let plan = resource(
        &doc,
        doc["assessment-results"]["import-ap"]["href"]
            .as_str()
            .unwrap(),
    );
    assert!(
        plan["description"]
            .as_str()
            .unwrap()
            .contains("assay configuration")
    );
}

#[test]
fn a_valid_attestation_satisfies_its_manual_control() {
    let doc = attested(&demo_report());
    let valid = finding(&doc, "acme", "ACME-3");
    assert_eq!(valid["target"]["status"]["state"], "satisfied");
    let cited = strings(valid, "observation-uuid");
    assert_eq!(cited.len(), 1);
    let o = observation(&doc, cited[0]);
    assert_eq!(o["methods"], json!(["INTERVIEW", "EXAMINE"]));
    assert_eq!(o["collected"], "2026-01-15T00:00:00Z");
    assert_eq!(o["expires"], "2027-01-15T00:00:00Z");
    assert_eq!(prop(o, "attested-by"), Some("Dana Reviewer"));
    assert_eq!(prop(o, "validity"), Some("valid"));
    assert!(
        o["description"]
            .as_str()
            .unwrap()
            .contains("ACME-3 operated")
    );
    let party = &o["origins"][0]["actors"][0];
    assert_eq!(party["type"], "party");
    let parties = doc["assessment-results"]["metadata"]["parties"]
        .as_array()
        .unwrap();
    assert!(
        parties
            .iter()
            .any(|p| p["uuid"] == party["actor-uuid"] && p["name"] == "Dana Reviewer")
    );
    cited_evidence(o, &inputs()[3]);

    let expired = finding(&doc, "acme", "ACME-4");
    assert_eq!(expired["target"]["status"]["state"], "not-satisfied");
    assert_eq!(expired["target"]["status"]["reason"], "other");
    assert!(
        expired["target"]["status"]["remarks"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    let o = observation(&doc, strings(expired, "observation-uuid")[0]);
    assert_eq!(prop(o, "validity"), Some("expired"));
}

fn cited_evidence(o: &Value, input: &Input) {
    let e = &o["relevant-evidence"][0];
    assert_eq!(prop(e, "sha256"), Some(input.sha256.as_str()));
    assert_eq!(prop(e, "path"), Some(input.path.as_str()));
}

/// The zizmor import fixture's document: the scanner is an assessment asset.
fn imported() -> Value {
    let run = common::assay(&[
        "check",
        "fixtures/projects/import-sarif",
        "--as-of",
        "2026-06-01",
        "--format",
        "oscal",
    ]);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn an_imported_scanner_is_an_assessment_asset() {
    let doc = imported();
    let components = result(&doc)["local-definitions"]["assessment-assets"]["components"]
        .as_array()
        .unwrap();
    let zizmor = components
        .iter()
        .find(|c| c["title"] == "zizmor 1.5.2")
        .unwrap();
    let description = zizmor["description"].as_str().unwrap();
    assert!(
        description.contains(
            "import `zizmor` (sarif), run at 2026-05-30T10:00:04Z; 3 rules run, 2 results"
        ),
        "{description}"
    );
}

/// The trestle executable, if there is one.
fn trestle() -> Option<String> {
    if let Ok(path) = std::env::var("ASSAY_TRESTLE")
        && !path.is_empty()
    {
        return Some(path);
    }
    let on_path = Command::new("trestle").arg("version").output();
    if on_path.is_ok_and(|o| o.status.success()) {
        return Some("trestle".to_owned());
    }
    common::unavailable(
        "compliance-trestle",
        "neither ASSAY_TRESTLE nor `trestle` on PATH is set",
        "ASSAY_TRESTLE",
    )
}

/// A trestle workspace (`trestle init`) to validate documents in.
struct Workspace {
    dir: tempfile::TempDir,
    trestle: String,
}

impl Workspace {
    fn new(trestle: String) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ws = Self { dir, trestle };
        let (ok, output) = ws.run(&["init"]);
        assert!(ok, "trestle init failed:\n{output}");
        ws
    }

    fn run(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(&self.trestle)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.trestle));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// Whether `trestle validate` accepts `doc`, and what it said.
    fn validate(&self, name: &str, doc: &Value) -> (bool, String) {
        let file = format!("assessment-results/{name}/assessment-results.json");
        let path = self.dir.path().join(&file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
        self.run(&["validate", "-f", &file])
    }
}

#[test]
fn trestle_accepts_the_documents_and_rejects_broken_ones() {
    let Some(trestle) = trestle() else {
        return;
    };
    let ws = Workspace::new(trestle);
    let report = demo_report();
    let documents = [
        ("demo", demo()),
        ("attested", attested(&report)),
        ("cis-nist", cis_and_nist()),
        ("imported", imported()),
    ];
    for (name, doc) in documents {
        let (ok, output) = ws.validate(name, &doc);
        assert!(ok, "trestle rejects the {name} document:\n{output}");
    }
    // The validator validates: a status OSCAL does not know, a missing
    // required uuid and a duplicated uuid are each rejected.
    let mut bogus = demo();
    bogus["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] =
        json!("bogus");
    let mut missing = demo();
    missing["assessment-results"]["results"][0]["observations"][0]
        .as_object_mut()
        .unwrap()
        .remove("uuid");
    let mut duplicate = demo();
    let first = duplicate["assessment-results"]["results"][0]["findings"][0]["uuid"].clone();
    duplicate["assessment-results"]["results"][0]["findings"][1]["uuid"] = first;
    for (name, doc, why) in [
        ("bogus", bogus, "not a valid enumeration member"),
        ("missing", missing, "field required"),
        ("duplicate", duplicate, "Duplicate detected"),
    ] {
        let (ok, output) = ws.validate(name, &doc);
        assert!(!ok, "trestle accepts the {name} document:\n{output}");
        assert!(output.contains(why), "{name}: {output}");
    }
}

#[test]
fn the_demo_has_what_the_tests_rely_on() {
    // Guards the fixtures above: the demo's acme framework has manual
    // ACME-3 and ACME-4, and its checks read the credential report.
    assert!(Path::new("examples/acme/exports/credential-report.csv").is_file());
    let report = demo_report();
    // Cited relative to the project directory, as assay.toml declares it and
    // as the bundle's inputs name it.
    assert!(
        report
            .exports
            .iter()
            .any(|e| { e.files.iter().any(|f| f == "exports/credential-report.csv") })
    );
}

/// Issue 11: the CLI streams the document (`oscal::write`) without building
/// it; the bytes are those of the document built whole, uuid included.
#[test]
fn the_streamed_document_is_the_document_built_whole() {
    let report = demo_report();
    let inputs = inputs();
    let mut whole =
        serde_json::to_string_pretty(&oscal::assessment_results(&report, &inputs)).unwrap();
    whole.push('\n');
    let mut streamed = Vec::new();
    oscal::write(&report, &inputs, &mut streamed).unwrap();
    assert_eq!(String::from_utf8(streamed).unwrap(), whole);
}
