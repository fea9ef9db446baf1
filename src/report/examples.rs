//! The output of `assay test`: one line per check, the failures in detail.

use crate::model::Catalog;
use crate::policy_test::ExampleResult;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The text to print, and whether every example behaved (and, if required, every check had some).
pub fn render(
    catalog: &Catalog,
    results: &[ExampleResult],
    require_examples: bool,
) -> (String, bool) {
    let mut by_check: BTreeMap<&str, Vec<&ExampleResult>> = BTreeMap::new();
    for r in results {
        by_check.entry(r.check.as_str()).or_default().push(r);
    }
    let mut out = String::new();
    let mut failed = 0;
    for (check, examples) in &by_check {
        let bad: Vec<&&ExampleResult> = examples.iter().filter(|r| !r.passed()).collect();
        let status = if bad.is_empty() { "ok" } else { "FAIL" };
        let _ = writeln!(out, "{status:<5} {check} ({} examples)", examples.len());
        for r in bad {
            failed += 1;
            let findings = r
                .expected_findings
                .map(|n| format!(" with {n} findings"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "      {} ({}:{}): expected {}{findings}, got {} with {} findings",
                r.name, r.origin.file, r.origin.line, r.expected, r.got, r.findings
            );
            if let Some(detail) = &r.detail {
                let _ = writeln!(out, "      {detail}");
            }
        }
    }
    let missing: Vec<&str> = catalog
        .checks
        .keys()
        .map(|k| k.as_str())
        .filter(|id| !by_check.contains_key(id))
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(out, "no examples: {}", missing.join(", "));
    }
    let _ = writeln!(
        out,
        "{} examples of {} checks: {} behaved as declared, {failed} did not",
        results.len(),
        by_check.len(),
        results.len() - failed
    );
    let ok = failed == 0 && (!require_examples || missing.is_empty());
    (out, ok)
}
