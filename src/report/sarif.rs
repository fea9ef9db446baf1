//! SARIF 2.1.0, the format code-scanning platforms read (GitHub code
//! scanning, Azure DevOps, IDE viewers).
//!
//! One run: a rule per check of the report, a result per finding. Waived
//! findings stay in, marked as accepted suppressions, so a platform shows
//! them closed instead of forgetting them. Every result carries a partial
//! fingerprint that does not depend on its line: platforms match results
//! across commits by it, and a finding that moved down three lines is the
//! same alert, not a fixed one and a new one. The document is a pure
//! function of the report: keys are sorted and nothing reads the clock.
//! It is written as it is made: the results, which grow with the findings,
//! are serialised one by one, never held as one document. Findings past
//! `--max-findings` have no result; a warning notification counts them.

use super::stream::{Lazy, Spliced};
use super::{CheckReport, Report};
use crate::model::Severity;
use crate::outcome::Finding;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::fmt::Write;

/// The OASIS schema this document follows (2.1.0 with errata 01).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of `partialFingerprints`; the version changes if the hash does.
pub const FINGERPRINT_KEY: &str = "assay/v1";

const INFORMATION_URI: &str = "https://github.com/assay-compliance/assay";

/// Repository paths are relative to the repository examined.
const SRCROOT: &str = "%SRCROOT%";

/// Export files are named as given on the command line or in `assay.toml`,
/// so relative ones resolve against the directory assay ran in.
const WORKINGDIR: &str = "WORKINGDIR";

/// The SARIF log, pretty-printed, with a final newline.
pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, nor can serialising: every key is a string.
    let _ = write(report, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the SARIF log, pretty-printed, with a final newline, a result at a time.
pub fn write(report: &Report, out: &mut (impl std::io::Write + ?Sized)) -> std::io::Result<()> {
    let head = run_head(report);
    let empty = Map::new();
    let run = Spliced {
        head: head.as_object().unwrap_or(&empty),
        key: "results",
        value: Lazy(|| {
            report
                .checks
                .iter()
                .enumerate()
                .flat_map(|(index, check)| check_results(index, check, &report.waivers))
        }),
    };
    let top = json!({"$schema": SCHEMA_URI, "version": "2.1.0"});
    let log = Spliced {
        head: top.as_object().unwrap_or(&empty),
        key: "runs",
        value: [run],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

/// The run without its results.
fn run_head(report: &Report) -> Value {
    let target = report
        .targets
        .first()
        .map(|t| t.path.as_str())
        .unwrap_or(".");
    json!({
        "tool": {"driver": {
            "name": report.tool.name,
            "version": report.tool.version,
            "semanticVersion": report.tool.version,
            "informationUri": INFORMATION_URI,
            "rules": report.checks.iter().map(rule).collect::<Vec<_>>(),
        }},
        "invocations": [{
            // The tool ran to the end; checks it could not evaluate are
            // notifications, and the gate decides the exit code.
            "executionSuccessful": true,
            "toolExecutionNotifications": notifications(report),
        }],
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": format!("The repository examined: {target}")}},
            WORKINGDIR: {"description": {"text":
                "The directory assay ran in: relative export paths are relative to it"}},
        },
        // Columns are counted in bytes, which equals code points on the
        // ASCII lines findings almost always sit on.
        "columnKind": "unicodeCodePoints",
    })
}

fn rule(check: &CheckReport) -> Value {
    let r = &check.result;
    let remediation = match check.remediation.trim() {
        "" => "No remediation is recorded for this check.",
        text => text,
    };
    let mut markdown = remediation.to_owned();
    if !check.controls.is_empty() {
        let controls: Vec<String> = check.controls.iter().map(|c| format!("`{c}`")).collect();
        let _ = write!(markdown, "\n\nEvidence for: {}.", controls.join(", "));
    }
    json!({
        "id": r.id.as_str(),
        "name": pascal_case(r.id.as_str()),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": full_description(check)},
        "help": {"text": remediation, "markdown": markdown},
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "tags": tags(check),
            "security-severity": security_severity(r.severity),
            "severity": r.severity.as_str(),
            "controls": check.controls,
        },
    })
}

fn full_description(check: &CheckReport) -> String {
    let r = &check.result;
    let mut text = format!(
        "{}. A {} check ({} assertion) on {}.",
        r.title.trim_end_matches('.'),
        r.severity,
        r.assertion,
        r.sources.join(", ")
    );
    if !check.controls.is_empty() {
        let _ = write!(text, " Evidence for {}.", check.controls.join(", "));
    }
    text
}

/// `security` makes GitHub file results as security alerts; the framework
/// ids let them be filtered by framework.
fn tags(check: &CheckReport) -> Vec<String> {
    let frameworks: BTreeSet<&str> = check
        .controls
        .iter()
        .filter_map(|c| c.split_once(':').map(|(fw, _)| fw))
        .collect();
    ["security", "compliance"]
        .into_iter()
        .chain(check.result.sources.iter().map(String::as_str))
        .chain(frameworks)
        .map(str::to_owned)
        .collect()
}

/// `repo.secrets.aws-access-key` → `RepoSecretsAwsAccessKey`: SARIF rule
/// names are identifiers, not display text.
fn pascal_case(id: &str) -> String {
    id.split(['.', '-', '_'])
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The CVSS-like score GitHub code scanning ranks security alerts by.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "7.5",
        Severity::Medium => "5.0",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A result per finding. Only failing, erroring and waived checks have
/// findings, so no status filter is needed.
fn check_results(
    rule_index: usize,
    check: &CheckReport,
    waivers: &[crate::outcome::WaiverReport],
) -> Vec<Value> {
    let fingerprints = fingerprints(check);
    check
        .result
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(finding, fingerprint)| result(rule_index, check, finding, fingerprint, waivers))
        .collect()
}

fn result(
    rule_index: usize,
    check: &CheckReport,
    f: &Finding,
    fingerprint: String,
    waivers: &[crate::outcome::WaiverReport],
) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(check.result.id.as_str()));
    r.insert("ruleIndex".into(), json!(rule_index));
    r.insert("level".into(), json!(level(check.result.severity)));
    r.insert("message".into(), json!({"text": message(f)}));
    r.insert("locations".into(), json!([location(f)]));
    r.insert(
        "partialFingerprints".into(),
        json!({FINGERPRINT_KEY: fingerprint}),
    );
    if let Some(state) = f.baseline {
        let state = match state {
            crate::outcome::BaselineState::New => "new",
            crate::outcome::BaselineState::Unchanged => "unchanged",
        };
        r.insert("baselineState".into(), json!(state));
    }
    if let Some(id) = &f.waiver {
        let waiver = waivers.iter().find(|w| &w.id == id);
        let justification = match waiver {
            Some(w) if w.inline => {
                format!("{id}: {} (an assay:ignore in the file)", w.justification)
            }
            Some(w) => format!(
                "{id}: {} (approved by {}, expires {})",
                w.justification,
                w.approver.as_deref().unwrap_or(""),
                w.expires.as_deref().unwrap_or("")
            ),
            None => id.clone(),
        };
        r.insert(
            "suppressions".into(),
            json!([{
                "kind": if waiver.is_some_and(|w| w.inline) { "inSource" } else { "external" },
                "status": "accepted",
                "justification": justification,
            }]),
        );
    }
    Value::Object(r)
}

/// The finding's message, the record it is about, and the redacted excerpt:
/// a platform showing an export finding has no file line to show instead.
fn message(f: &Finding) -> String {
    let mut text = f.message.clone();
    if let Some(label) = &f.label {
        let _ = write!(text, " [{label}]");
    }
    if let Some(excerpt) = &f.excerpt {
        let _ = write!(text, ": `{excerpt}`");
    }
    text
}

fn location(f: &Finding) -> Value {
    let mut loc = Map::new();
    match &f.export {
        Some(export) => {
            // An export file is not in the repository: no region to show.
            if let Some(path) = &f.path {
                loc.insert(
                    "physicalLocation".into(),
                    json!({"artifactLocation": export_artifact(path)}),
                );
            }
            let pointer = f.pointer.as_deref().unwrap_or("");
            let name = f
                .label
                .as_deref()
                .or(Some(pointer).filter(|p| !p.is_empty()))
                .unwrap_or(export);
            loc.insert(
                "logicalLocations".into(),
                json!([{
                    "name": name,
                    "fullyQualifiedName": format!("export/{export}{pointer}"),
                    "kind": "object",
                }]),
            );
        }
        None => {
            loc.insert("physicalLocation".into(), repository_location(f));
        }
    }
    Value::Object(loc)
}

/// A repository file and region. A finding about the repository as a whole
/// (a required file missing) points at its root: code-scanning platforms
/// reject results without a location.
fn repository_location(f: &Finding) -> Value {
    let uri = f.path.as_deref().map_or_else(|| "./".to_owned(), uri_path);
    let mut physical = Map::new();
    physical.insert(
        "artifactLocation".into(),
        json!({"uri": uri, "uriBaseId": SRCROOT}),
    );
    if let Some(line) = f.line {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(line));
        if let Some(column) = f.column {
            region.insert("startColumn".into(), json!(column));
        }
        physical.insert("region".into(), Value::Object(region));
    }
    Value::Object(physical)
}

fn export_artifact(path: &str) -> Value {
    let path = path.replace('\\', "/");
    if path.starts_with('/') {
        json!({"uri": format!("file://{}", uri_path(&path))})
    } else if path.as_bytes().get(1) == Some(&b':') {
        // A Windows drive path: `C:/exports/report.csv`.
        json!({"uri": format!("file:///{}", uri_path(&path))})
    } else {
        let relative = path.strip_prefix("./").unwrap_or(&path);
        json!({"uri": uri_path(relative), "uriBaseId": WORKINGDIR})
    }
}

/// A path as a URI path: every byte outside the unreserved set, `/` and a
/// drive's `:` percent-encoded, so spaces, `#`, `?` and `%` in file names
/// make a valid URI reference.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/' | b':') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The finding's own fingerprint when the engine set one; otherwise (a
/// report from before fingerprints, merged) the engine's fingerprint
/// computed now, from the message in place of the matched content. Never
/// the line or the column, which shift when lines are inserted above.
fn fingerprints(check: &CheckReport) -> Vec<String> {
    let findings = &check.result.findings;
    let own = |f: &Finding| f.fingerprint.clone();
    if findings.iter().all(|f| f.fingerprint.is_some()) {
        return findings.iter().filter_map(own).collect();
    }
    let mut computed = findings.clone();
    for f in &mut computed {
        f.fingerprint = None;
    }
    crate::fingerprint::assign(&check.result.id, &mut computed);
    findings
        .iter()
        .zip(computed)
        .map(|(f, c)| own(f).or(c.fingerprint).unwrap_or_default())
        .collect()
}

/// Checks that could not be fully evaluated, and directories that could not
/// be listed: the run is incomplete, and the platform should say so.
fn notifications(report: &Report) -> Vec<Value> {
    let checks = report.checks.iter().enumerate().flat_map(|(index, check)| {
        check.result.errors.iter().map(move |e| {
            let at = e
                .path
                .as_deref()
                .map(|p| format!("`{p}`: "))
                .unwrap_or_default();
            json!({
                "level": "error",
                "message": {"text": format!("{}: {at}{}", check.result.id, e.message)},
                "associatedRule": {"id": check.result.id.as_str(), "index": index},
            })
        })
    });
    // Findings past --max-findings have no result: say how many there were.
    let omitted = report
        .checks
        .iter()
        .enumerate()
        .filter(|(_, c)| c.result.findings_omitted > 0)
        .map(|(index, check)| {
            json!({
                "level": "warning",
                "message": {"text": format!(
                    "{}: {} of {} findings reported; {}",
                    check.result.id,
                    check.result.findings.len(),
                    check.result.finding_count(),
                    super::omitted_note(check.result.findings_omitted),
                )},
                "associatedRule": {"id": check.result.id.as_str(), "index": index},
            })
        });
    let walk = report.targets.iter().flat_map(|t| {
        t.errors.iter().map(|e| {
            json!({
                "level": "error",
                "message": {"text": format!("could not list `{}`: {}", e.path, e.message)},
            })
        })
    });
    // Documents no check judged: a clean SARIF must not read as covering them.
    let skipped = report.targets.iter().flat_map(|t| {
        t.skipped_documents.iter().map(|d| {
            let mut physical = serde_json::Map::new();
            physical.insert(
                "artifactLocation".into(),
                json!({"uri": uri_path(&d.path), "uriBaseId": SRCROOT}),
            );
            if let Some(line) = d.line {
                physical.insert("region".into(), json!({"startLine": line}));
            }
            json!({
                "level": "warning",
                "message": {"text": format!("{} document not judged: {}", d.source, d.reason)},
                "locations": [{"physicalLocation": physical}],
            })
        })
    });
    let exports = report.exports.iter().filter_map(|e| {
        e.error.as_ref().map(|message| {
            json!({
                "level": "error",
                "message": {"text": format!("export `{}` could not be read: {message}", e.name)},
            })
        })
    });
    checks
        .chain(omitted)
        .chain(walk)
        .chain(skipped)
        .chain(exports)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_identifiers() {
        assert_eq!(
            pascal_case("repo.secrets.aws-access-key"),
            "RepoSecretsAwsAccessKey"
        );
        assert_eq!(pascal_case("k8s.run_as"), "K8sRunAs");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_path("app/my file#1.py"), "app/my%20file%231.py");
        assert_eq!(uri_path("données/x.csv"), "donn%C3%A9es/x.csv");
        assert_eq!(
            export_artifact("./exports/a.csv"),
            json!({"uri": "exports/a.csv", "uriBaseId": WORKINGDIR})
        );
        assert_eq!(
            export_artifact("/srv/a b.csv"),
            json!({"uri": "file:///srv/a%20b.csv"})
        );
        assert_eq!(
            export_artifact(r"C:\exports\a.csv"),
            json!({"uri": "file:///C:/exports/a.csv"})
        );
    }

    #[test]
    fn equal_findings_get_distinct_fingerprints_and_lines_do_not_count() {
        let finding = |line| Finding {
            path: Some("a.py".into()),
            line: Some(line),
            message: "key".into(),
            ..Finding::default()
        };
        let check = |lines: &[u32]| CheckReport {
            result: crate::outcome::CheckResult {
                id: crate::model::CheckId::new("x.y"),
                title: "t".into(),
                severity: Severity::High,
                sources: vec!["repo".into()],
                assertion: "not-contains".into(),
                status: crate::outcome::Status::Fail,
                examined: 1,
                failing: 1,
                findings: lines.iter().map(|l| finding(*l)).collect(),
                findings_omitted: 0,
                errors: vec![],
                note: None,
            },
            remediation: String::new(),
            controls: vec![],
        };
        let before = fingerprints(&check(&[3, 9]));
        let after = fingerprints(&check(&[6, 12]));
        assert_eq!(before, after);
        assert_ne!(before.first(), before.get(1));
    }
}
