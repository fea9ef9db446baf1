//! The built-in library: documented, remediable, and wired to frameworks.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use assay::model::Catalog;

fn builtin() -> Catalog {
    let dir = tempfile::tempdir().unwrap();
    assay::load::load(dir.path()).unwrap().catalog
}

#[test]
fn every_built_in_check_documents_every_section() {
    let catalog = builtin();
    assert!(catalog.checks.len() >= 7);
    for check in catalog.checks.values() {
        let missing = check.doc.missing_sections();
        assert!(
            missing.is_empty(),
            "{} lacks doc sections {missing:?}",
            check.id
        );
        assert!(
            !check.remediation.trim().is_empty(),
            "{} lacks remediation",
            check.id
        );
    }
}

#[test]
fn every_built_in_check_evidences_soc2_and_iso_controls() {
    let catalog = builtin();
    for check in catalog.checks.values() {
        let frameworks: Vec<String> = catalog
            .controls_using(&check.id)
            .iter()
            .map(|c| c.framework.id.to_string())
            .collect();
        for fw in ["soc2", "iso27001"] {
            assert!(
                frameworks.iter().any(|f| f == fw),
                "{} evidences no {fw} control",
                check.id
            );
        }
    }
}

#[test]
fn the_catalog_has_at_least_twelve_estimated_risks() {
    let catalog = builtin();
    assert!(catalog.risks.len() >= 12);
    for risk in catalog.risks.values() {
        assert!(
            risk.frequency > 0.0 && risk.loss.low > 0.0 && risk.loss.low < risk.loss.high,
            "{}",
            risk.id
        );
        assert!(!risk.scenario.is_empty(), "{}", risk.id);
    }
}

#[test]
fn every_built_in_check_has_passing_and_failing_examples_that_behave() {
    let catalog = builtin();
    for check in catalog.checks.values() {
        for verdict in ["pass", "fail"] {
            assert!(
                check.examples.iter().any(|e| e.expect == verdict),
                "{} has no `{verdict}` example",
                check.id
            );
        }
    }
    let results = assay::policy_test::run(&catalog);
    let bad: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| {
            format!(
                "{} / {}: expected {}, got {} ({} findings) {:?}",
                r.check, r.name, r.expected, r.got, r.findings, r.detail
            )
        })
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
}
