//! The gate: the one place that decides whether a run passes.
//!
//! Severity (`--fail-on`), errors, waivers, a baseline's new findings and
//! regressions, and the coverage threshold are all weighed here, for
//! `check`, `evidence` and `merge` alike (and `risks` asks only whether the
//! evidence was complete). Reports hand over what the gate
//! judges ([`Judged`]); nothing else sets [`Gate::passed`].

use crate::model::{CheckId, Severity};
use crate::outcome::{BaselineState, CheckResult, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The severity at which failing checks gate (`--fail-on`), or never
/// (`--fail-on none`, `--soft-fail`): checks that could not be evaluated gate
/// whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum FailOn {
    At(Severity),
    Never,
}

impl FailOn {
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::At(s) => s.as_str(),
            FailOn::Never => "none",
        }
    }

    /// Whether a failing check of this severity gates.
    pub fn gates(self, severity: Severity) -> bool {
        matches!(self, FailOn::At(at) if severity >= at)
    }
}

impl std::fmt::Display for FailOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<FailOn> for String {
    fn from(f: FailOn) -> Self {
        f.as_str().to_owned()
    }
}

impl TryFrom<String> for FailOn {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        if s == "none" {
            return Ok(FailOn::Never);
        }
        Severity::from_name(&s)
            .map(FailOn::At)
            .ok_or_else(|| format!("`{s}` is not a severity or `none`"))
    }
}

impl From<Severity> for FailOn {
    fn from(s: Severity) -> Self {
        FailOn::At(s)
    }
}

/// What the run asked the gate to enforce.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Failing checks at or above this severity gate.
    pub fail_on: FailOn,
    /// With `--fail-coverage-below`: the share of each framework's controls,
    /// in percent, that must have been evaluated.
    pub coverage: Option<f64>,
}

impl Rule {
    /// Gate on severity alone.
    pub fn fail_on(fail_on: impl Into<FailOn>) -> Self {
        Self {
            fail_on: fail_on.into(),
            coverage: None,
        }
    }
}

/// Whether the run passes its gate, and what failed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Gate {
    pub fail_on: FailOn,
    pub passed: bool,
    /// Checks that fail at or above `fail_on`, and checks that could not be evaluated.
    pub gated: Vec<CheckId>,
    /// With `--fail-coverage-below`: frameworks evaluated below the threshold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage_below: Vec<Shortfall>,
    /// Declared exports that could not be read (missing, unreadable,
    /// outside the root), whether or not a selected check reads them: a
    /// declared input that is not there is missing evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread_exports: Vec<String>,
    /// Declared imports that could not be read or are stale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread_imports: Vec<String>,
}

impl Gate {
    /// What failed the gate, in words: the gated checks, each framework
    /// below the coverage threshold and each export that could not be read,
    /// so a failed gate never shows an empty list.
    pub fn reasons(&self) -> Vec<String> {
        let checks = self.gated.iter().map(|c| c.as_str().to_owned());
        let coverage = self.coverage_below.iter().map(|s| {
            format!(
                "{} coverage {}% below {}%",
                s.framework, s.percent, s.required
            )
        });
        let exports = self
            .unread_exports
            .iter()
            .map(|e| format!("export `{e}` could not be read"));
        let imports = self
            .unread_imports
            .iter()
            .map(|i| format!("import `{i}` could not be used"));
        checks
            .chain(coverage)
            .chain(exports)
            .chain(imports)
            .collect()
    }
}

/// A framework whose evaluated share of controls is below the threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shortfall {
    pub framework: String,
    /// Controls evaluated (a check verdict or a valid attestation), in percent.
    pub percent: f64,
    pub required: f64,
}

/// Everything the gate weighs, as a report holds it.
pub struct Judged<'a> {
    pub checks: Vec<&'a CheckResult>,
    /// Whether findings were compared with a baseline (and marked new or unchanged).
    pub baselined: bool,
    /// Checks of controls that passed in the baseline report and fail now.
    pub regressed: BTreeSet<&'a CheckId>,
    /// Each selected framework (`id` or `id@baseline`) with the percent of
    /// its controls evaluated.
    pub coverage: Vec<(String, f64)>,
    /// The names of declared exports that could not be read.
    pub unread: Vec<String>,
    /// The names of declared imports that could not be read or are stale.
    pub unread_imports: Vec<String>,
}

impl<'a> Judged<'a> {
    /// Checks judged on their own: no baseline, no coverage, every export read.
    pub fn checks(checks: impl IntoIterator<Item = &'a CheckResult>) -> Self {
        Self {
            checks: checks.into_iter().collect(),
            baselined: false,
            regressed: BTreeSet::new(),
            coverage: Vec::new(),
            unread: Vec::new(),
            unread_imports: Vec::new(),
        }
    }

    /// The same, with the exports the run declared: those that could not
    /// be read gate.
    pub fn with_exports(mut self, exports: &[crate::engine::ExportTarget]) -> Self {
        self.unread = unread(exports);
        self
    }
}

impl Judged<'_> {
    /// The same, with the imports the run declared: one that could not be
    /// read, or is stale, gates.
    pub fn with_imports(mut self, imports: &[crate::engine::ImportTarget]) -> Self {
        self.unread_imports = unread_imports(imports);
        self
    }
}

/// The imports that could not be read or are stale, by name.
pub fn unread_imports(imports: &[crate::engine::ImportTarget]) -> Vec<String> {
    imports
        .iter()
        .filter(|i| i.error.is_some())
        .map(|i| i.name.clone())
        .collect()
}

/// The exports that could not be read, by name.
pub fn unread(exports: &[crate::engine::ExportTarget]) -> Vec<String> {
    exports
        .iter()
        .filter(|e| e.error.is_some())
        .map(|e| e.name.clone())
        .collect()
}

/// Decides the gate.
pub fn decide(judged: &Judged<'_>, rule: &Rule) -> Gate {
    let gated: Vec<CheckId> = judged
        .checks
        .iter()
        .filter(|c| gates(c, judged, rule.fail_on))
        .map(|c| c.id.clone())
        .collect();
    let coverage_below: Vec<Shortfall> = match rule.coverage {
        Some(required) => judged
            .coverage
            .iter()
            .filter(|(_, percent)| *percent < required)
            .map(|(framework, percent)| Shortfall {
                framework: framework.clone(),
                percent: (percent * 10.0).round() / 10.0,
                required,
            })
            .collect(),
        None => Vec::new(),
    };
    Gate {
        fail_on: rule.fail_on,
        passed: gated.is_empty()
            && coverage_below.is_empty()
            && judged.unread.is_empty()
            && judged.unread_imports.is_empty(),
        gated,
        coverage_below,
        unread_exports: judged.unread.clone(),
        unread_imports: judged.unread_imports.clone(),
    }
}

/// A check gates the run when any of its inputs could not be evaluated (an
/// unreadable input is never a pass, whatever its severity); when it fails
/// at or above the threshold, and, with a baseline, the failure is new; and
/// when it broke a control that passed in the baseline report.
fn gates(check: &CheckResult, judged: &Judged<'_>, fail_on: FailOn) -> bool {
    let errored = unevaluated(check);
    let fails = check.status == Status::Fail && fail_on.gates(check.severity);
    let regressed = check.status == Status::Fail && judged.regressed.contains(&check.id);
    errored || (fails && (!judged.baselined || worse(check))) || regressed
}

/// Whether any input of a check could not be evaluated.
fn unevaluated(check: &CheckResult) -> bool {
    !check.errors.is_empty() || check.status == Status::Error
}

/// Whether `assay risks` passes: it reports on failing checks, so only a
/// check that could not be evaluated fails it, since the residual losses
/// would rest on missing evidence.
pub fn evidence_complete<'a>(checks: impl IntoIterator<Item = &'a CheckResult>) -> bool {
    !checks.into_iter().any(unevaluated)
}

/// Whether a failing check has findings the baseline does not know.
fn worse(check: &CheckResult) -> bool {
    check
        .findings
        .iter()
        .any(|f| f.baseline == Some(BaselineState::New) && f.waiver.is_none())
        // Findings past --max-findings are not known, so they may be new.
        || (check.findings_omitted > 0 && check.status == Status::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_reads_every_severity_and_none() {
        for severity in Severity::ALL {
            let parsed = FailOn::try_from(severity.as_str().to_owned());
            assert_eq!(parsed, Ok(FailOn::At(severity)));
        }
        assert_eq!(FailOn::try_from("none".to_owned()), Ok(FailOn::Never));
        assert!(FailOn::try_from("High".to_owned()).is_err());
        assert!(FailOn::try_from("\"high\"".to_owned()).is_err());
    }

    fn check(id: &str, status: &str, severity: &str, findings: serde_json::Value) -> CheckResult {
        serde_json::from_value(serde_json::json!({
            "id": id, "title": id, "severity": severity, "sources": ["repo"],
            "assertion": "content", "status": status, "examined": 1, "failing": 1,
            "findings": findings, "errors": [],
        }))
        .unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn gated(judged: &Judged<'_>, rule: Rule) -> Vec<String> {
        let gate = decide(judged, &rule);
        assert_eq!(
            gate.passed,
            gate.gated.is_empty() && gate.coverage_below.is_empty()
        );
        gate.gated.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn severity_decides_without_a_baseline() {
        let high = check("a.high", "fail", "high", serde_json::json!([]));
        let low = check("a.low", "fail", "low", serde_json::json!([]));
        let error = check("a.error", "error", "info", serde_json::json!([]));
        let judged = Judged::checks([&high, &low, &error]);
        assert_eq!(
            gated(&judged, Rule::fail_on(Severity::High)),
            ["a.high", "a.error"]
        );
        assert_eq!(
            gated(&judged, Rule::fail_on(Severity::Low)),
            ["a.high", "a.low", "a.error"]
        );
    }

    #[test]
    fn a_baseline_gates_only_new_findings_errors_and_regressions() {
        let old = check(
            "a.old",
            "fail",
            "high",
            serde_json::json!([{"message": "m", "baseline": "unchanged"}]),
        );
        let new = check(
            "a.new",
            "fail",
            "high",
            serde_json::json!([{"message": "m", "baseline": "new"}]),
        );
        let waived = check(
            "a.waived",
            "fail",
            "high",
            serde_json::json!([{"message": "m", "baseline": "new", "waiver": "w"}]),
        );
        let error = check("a.error", "error", "info", serde_json::json!([]));
        let regressed = check(
            "a.regressed",
            "fail",
            "info",
            serde_json::json!([{"message": "m", "baseline": "unchanged"}]),
        );
        let mut judged = Judged::checks([&old, &new, &waived, &error, &regressed]);
        judged.baselined = true;
        judged.regressed.insert(&regressed.id);
        assert_eq!(
            gated(&judged, Rule::fail_on(Severity::High)),
            ["a.new", "a.error", "a.regressed"]
        );
    }

    #[test]
    fn fail_on_none_gates_only_what_could_not_be_evaluated() {
        let critical = check("a.critical", "fail", "critical", serde_json::json!([]));
        let error = check("a.error", "error", "info", serde_json::json!([]));
        let judged = Judged::checks([&critical, &error]);
        assert_eq!(gated(&judged, Rule::fail_on(FailOn::Never)), ["a.error"]);
        assert!(decide(&Judged::checks([&critical]), &Rule::fail_on(FailOn::Never)).passed);
        // Reports name it `none`, and read it back, and old reports still read.
        for (text, value) in [
            ("\"none\"", FailOn::Never),
            ("\"high\"", FailOn::At(Severity::High)),
        ] {
            assert_eq!(serde_json::to_string(&value).ok().as_deref(), Some(text));
            assert_eq!(serde_json::from_str::<FailOn>(text).ok(), Some(value));
        }
        assert!(serde_json::from_str::<FailOn>("\"severe\"").is_err());
    }

    #[test]
    fn risks_fail_only_on_checks_that_could_not_be_evaluated() {
        let failing = check("a.high", "fail", "critical", serde_json::json!([]));
        let error = check("a.error", "error", "info", serde_json::json!([]));
        let mut partly = check("a.partly", "pass", "info", serde_json::json!([]));
        partly.errors.push(
            serde_json::from_value(serde_json::json!({"message": "unreadable"}))
                .unwrap_or_else(|e| unreachable!("{e}")),
        );
        assert!(evidence_complete([&failing]));
        assert!(!evidence_complete([&failing, &error]));
        assert!(!evidence_complete([&partly]));
    }

    #[test]
    fn coverage_below_the_threshold_fails_the_gate() {
        let pass = check("a.pass", "pass", "high", serde_json::json!([]));
        let mut judged = Judged::checks([&pass]);
        judged.coverage = vec![("soc2".to_owned(), 42.04), ("iso27001".to_owned(), 80.0)];
        let rule = Rule {
            fail_on: Severity::High.into(),
            coverage: Some(50.0),
        };
        let gate = decide(&judged, &rule);
        assert!(!gate.passed);
        assert_eq!(
            gate.coverage_below,
            [Shortfall {
                framework: "soc2".to_owned(),
                percent: 42.0,
                required: 50.0
            }]
        );
        assert!(decide(&judged, &Rule::fail_on(Severity::High)).passed);
    }
}
