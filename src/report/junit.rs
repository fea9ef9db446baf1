//! JUnit XML, the test-report format every CI system reads (GitLab, Jenkins,
//! Azure Pipelines, GitHub test-reporter actions).
//!
//! A suite `checks` holds a test case per check; then a suite per framework
//! holds a test case per control. Failing is a `<failure>`, could not be
//! evaluated an `<error>`, and manual, not applicable or waived a
//! `<skipped>`, so a CI's test tab shows what fails and what nobody can judge
//! automatically. Counts on every suite are computed from the cases written,
//! so they cannot disagree with them.
//!
//! Findings quote repository files and exports, so every text is escaped and
//! stripped of the characters XML 1.0 forbids (NUL, ESC and the other C0
//! controls): one such byte would make the whole file unreadable.

use super::{CheckReport, ControlReport, FrameworkReport, Report};
use crate::model::{Severity, Validity};
use crate::outcome::{Finding, Status};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

/// Findings listed per failing check; the JSON report has them all.
const MAX_FINDINGS: usize = 100;

struct Suite {
    name: String,
    cases: Vec<Case>,
    /// What the suite did not judge, as its `<system-out>`.
    out: Option<String>,
}

struct Case {
    classname: String,
    name: String,
    outcome: Outcome,
}

enum Outcome {
    /// Passed; with what the pass did not cover, as the case's `<system-out>`.
    Pass(Option<String>),
    Failure {
        message: String,
        kind: String,
        body: String,
    },
    Error {
        message: String,
        body: String,
    },
    Skipped {
        message: String,
    },
}

#[derive(Default)]
struct Tally {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Tally {
    fn of<'a>(cases: impl Iterator<Item = &'a Case>) -> Self {
        let mut t = Tally::default();
        for case in cases {
            t.tests += 1;
            match case.outcome {
                Outcome::Pass(_) => {}
                Outcome::Failure { .. } => t.failures += 1,
                Outcome::Error { .. } => t.errors += 1,
                Outcome::Skipped { .. } => t.skipped += 1,
            }
        }
        t
    }

    fn attributes(&self) -> String {
        format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
            self.tests, self.failures, self.errors, self.skipped
        )
    }
}

/// The JUnit XML document.
pub fn render(report: &Report) -> String {
    let by_id: HashMap<&str, &CheckReport> = report
        .checks
        .iter()
        .map(|c| (c.result.id.as_str(), c))
        .collect();
    let suites: Vec<Suite> = std::iter::once(checks_suite(report))
        .chain(
            report
                .frameworks
                .iter()
                .map(|fw| framework_suite(fw, &by_id)),
        )
        .collect();
    write_document(report, &suites)
}

fn checks_suite(report: &Report) -> Suite {
    // Documents no check judged, named so a green suite is not read as covering them.
    let skipped: Vec<String> = report
        .targets
        .iter()
        .flat_map(|t| &t.skipped_documents)
        .map(|d| {
            let line = d.line.map(|l| format!(":{l}")).unwrap_or_default();
            format!(
                "skipped {} document {}{line}: {}",
                d.source, d.path, d.reason
            )
        })
        .collect();
    Suite {
        name: "checks".to_owned(),
        cases: report.checks.iter().map(check_case).collect(),
        out: (!skipped.is_empty()).then(|| skipped.join("\n") + "\n"),
    }
}

fn check_case(check: &CheckReport) -> Case {
    let r = &check.result;
    let source = r.sources.first().map_or("repo", String::as_str);
    let outcome = match r.status {
        Status::Fail => Outcome::Failure {
            message: format!("{}: {}", r.title, count(r.finding_count(), "finding")),
            kind: r.severity.to_string(),
            body: check_body(check),
        },
        Status::Error => Outcome::Error {
            message: format!("{}: could not be evaluated", r.title),
            body: check_body(check),
        },
        Status::NotApplicable => Outcome::Skipped {
            message: match &r.note {
                Some(note) => format!("not applicable: {note}"),
                None => "not applicable: nothing to evaluate".to_owned(),
            },
        },
        Status::Waived => Outcome::Skipped {
            message: format!("waived by {}", waivers(&r.findings)),
        },
        Status::Manual => Outcome::Skipped {
            message: "manual: no automated evidence".to_owned(),
        },
        Status::Pass => Outcome::Pass(r.note.clone()),
    };
    Case {
        classname: format!("assay.{source}"),
        name: r.id.to_string(),
        outcome,
    }
}

/// Each finding on a line (location, message, excerpt), the errors, the fix.
fn check_body(check: &CheckReport) -> String {
    let r = &check.result;
    let mut body = String::new();
    for f in r.findings.iter().take(MAX_FINDINGS) {
        let _ = write!(body, "{}  {}", f.location(), f.message);
        if let Some(x) = &f.excerpt {
            let _ = write!(body, "  `{x}`");
        }
        if let Some(w) = &f.waiver {
            let _ = write!(body, "  (waived by {w})");
        }
        body.push('\n');
    }
    if r.findings.len() > MAX_FINDINGS {
        let _ = writeln!(
            body,
            "and {} more findings: the JSON report has them",
            r.findings.len() - MAX_FINDINGS
        );
    }
    if r.findings_omitted > 0 {
        let _ = writeln!(body, "{}", super::omitted_note(r.findings_omitted));
    }
    for e in &r.errors {
        let at = e
            .path
            .as_deref()
            .map(|p| format!("{p}: "))
            .unwrap_or_default();
        let _ = writeln!(body, "{at}error: {}", e.message);
    }
    if !check.remediation.trim().is_empty() {
        let _ = writeln!(body, "fix: {}", check.remediation.trim());
    }
    body
}

/// The waiver ids of the findings, once each, in order.
fn waivers(findings: &[Finding]) -> String {
    let ids: BTreeSet<&str> = findings
        .iter()
        .filter_map(|f| f.waiver.as_deref())
        .collect();
    if ids.is_empty() {
        "a waiver".to_owned()
    } else {
        ids.into_iter().collect::<Vec<_>>().join(", ")
    }
}

fn framework_suite(fw: &FrameworkReport, checks: &HashMap<&str, &CheckReport>) -> Suite {
    let name = fw.label();
    Suite {
        cases: fw
            .controls
            .iter()
            .map(|c| control_case(&name, c, checks))
            .collect(),
        name,
        out: None,
    }
}

fn control_case(
    framework: &str,
    control: &ControlReport,
    checks: &HashMap<&str, &CheckReport>,
) -> Case {
    let with = |status: Status| -> Vec<&CheckReport> {
        control
            .checks
            .iter()
            .filter_map(|id| checks.get(id.as_str()).copied())
            .filter(|c| c.result.status == status)
            .collect()
    };
    let outcome = match control.status {
        Status::Fail => {
            let failing = with(Status::Fail);
            let worst = failing.iter().map(|c| c.result.severity).max();
            Outcome::Failure {
                message: format!("{}: failing {}", control.title, ids(&failing)),
                kind: worst.unwrap_or(Severity::Info).to_string(),
                body: control_body(&failing),
            }
        }
        Status::Error => {
            let erroring = with(Status::Error);
            Outcome::Error {
                message: format!("{}: not evaluated {}", control.title, ids(&erroring)),
                body: control_body(&erroring),
            }
        }
        Status::Manual => Outcome::Skipped {
            message: manual(control),
        },
        Status::NotApplicable => Outcome::Skipped {
            message: "not applicable: its checks had nothing to evaluate".to_owned(),
        },
        Status::Waived => {
            let findings: Vec<Finding> = with(Status::Waived)
                .iter()
                .flat_map(|c| c.result.findings.iter().cloned())
                .collect();
            Outcome::Skipped {
                message: format!("waived by {}", waivers(&findings)),
            }
        }
        Status::Pass => Outcome::Pass(None),
    };
    Case {
        classname: format!("assay.{framework}"),
        name: control.id.clone(),
        outcome,
    }
}

fn ids(checks: &[&CheckReport]) -> String {
    let ids: Vec<&str> = checks.iter().map(|c| c.result.id.as_str()).collect();
    ids.join(", ")
}

fn control_body(checks: &[&CheckReport]) -> String {
    let mut body = String::new();
    for c in checks {
        let r = &c.result;
        let _ = writeln!(
            body,
            "{} [{}] {}: {}, {}",
            r.id,
            r.severity,
            r.title,
            count(r.finding_count(), "finding"),
            count(r.errors.len(), "error")
        );
    }
    body
}

fn manual(control: &ControlReport) -> String {
    match &control.attestation {
        Some(a) if a.validity == Validity::Expired => format!(
            "manual: attestation by {} expired {}",
            a.attested_by, a.expires
        ),
        Some(a) => format!(
            "manual: attestation by {} valid from {}",
            a.attested_by, a.date
        ),
        None => "manual: no automated evidence and no attestation".to_owned(),
    }
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn write_document(report: &Report, suites: &[Suite]) -> String {
    let mut out = String::with_capacity(1 << 14);
    let all = Tally::of(suites.iter().flat_map(|s| s.cases.iter()));
    let stamp = format!("time=\"0\" timestamp=\"{}\"", attr(&report.as_of));
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{}\" {} {stamp}>",
        attr(&report.tool.name),
        all.attributes()
    );
    for suite in suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" {} {stamp}>",
            attr(&suite.name),
            Tally::of(suite.cases.iter()).attributes()
        );
        for case in &suite.cases {
            write_case(&mut out, case);
        }
        if let Some(o) = &suite.out {
            let _ = writeln!(out, "    <system-out>{}</system-out>", text(o));
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn write_case(out: &mut String, case: &Case) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
        attr(&case.classname),
        attr(&case.name)
    );
    let _ = match &case.outcome {
        Outcome::Pass(None) => writeln!(out, "/>"),
        Outcome::Pass(Some(note)) => writeln!(
            out,
            ">\n      <system-out>{}</system-out>\n    </testcase>",
            text(note)
        ),
        Outcome::Failure {
            message,
            kind,
            body,
        } => writeln!(
            out,
            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
            attr(message),
            attr(kind),
            text(body)
        ),
        Outcome::Error { message, body } => writeln!(
            out,
            ">\n      <error message=\"{}\" type=\"error\">{}</error>\n    </testcase>",
            attr(message),
            text(body)
        ),
        Outcome::Skipped { message } => writeln!(
            out,
            ">\n      <skipped message=\"{}\"/>\n    </testcase>",
            attr(message)
        ),
    };
}

/// Whether XML 1.0 allows the character at all, even as a reference.
fn allowed(c: char) -> bool {
    // Rust chars exclude surrogates, so the rest of XML's Char production
    // reduces to these exclusions.
    match c {
        '\t' | '\n' | '\r' => true,
        '\u{FFFE}' | '\u{FFFF}' => false,
        _ => c >= ' ',
    }
}

/// Element content: markup escaped, forbidden characters dropped, and a
/// carriage return kept as a reference (a parser would turn it into `\n`).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| allowed(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
    out
}

/// A double-quoted attribute value: as [`text`], with quotes escaped and
/// whitespace written as references, which attribute-value normalisation
/// would otherwise turn into spaces.
fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| allowed(*c)) {
        match c {
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            _ => out.push_str(&text(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_are_dropped_and_markup_escaped() {
        assert_eq!(text("a\0b\x1b[31m<c>&]]>"), "ab[31m&lt;c&gt;&amp;]]&gt;");
        assert_eq!(text("tab\tnl\ncr\r"), "tab\tnl\ncr&#13;");
        assert_eq!(text("\u{FFFE}\u{FFFF}é🙂"), "é🙂");
        assert_eq!(
            attr("say \"hi\"\n\tthere\r"),
            "say &quot;hi&quot;&#10;&#9;there&#13;"
        );
    }
}
