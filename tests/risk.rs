//! The risk engine on `fixtures/risk/register`: closed-form results against
//! values worked out independently (its `expected.toml`), the no-double-counting
//! rule, the Monte Carlo's determinism and its percentiles against an
//! independent numpy/scipy implementation.
//!
//! The numpy comparison needs `ASSAY_NUMPY_PYTHON` (a Python with numpy and
//! scipy); `./scripts/test` installs pinned versions and sets it. When it is
//! missing the test is skipped with a message, unless `ASSAY_REQUIRE_PEERS=1`,
//! when it fails.

// Test helpers may panic: a panic is a test failure with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use assay::engine::{self, EngineOptions, FrameworkResult};
use assay::load::{self, Loaded};
use assay::model::{LossRange, Risk, RiskId, Selection};
use assay::risk::{self, RiskAnalysis, RiskEntry, RiskOptions};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const FIXTURE: &str = "fixtures/risk/register";

#[derive(Debug, Deserialize)]
struct Expected {
    risk: BTreeMap<String, ExpectedRisk>,
    fix: Vec<ExpectedFix>,
    value: Vec<ExpectedValue>,
    summary: ExpectedSummary,
}

#[derive(Debug, Deserialize)]
struct ExpectedRisk {
    mu: f64,
    sigma: f64,
    mean_loss: f64,
    inherent_ale: f64,
    frequency_factor: f64,
    loss_factor: f64,
    residual_ale: f64,
    exposed: bool,
    counted: Vec<String>,
    brier: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct ExpectedFix {
    controls: Vec<String>,
    reduction: f64,
}

#[derive(Debug, Deserialize)]
struct ExpectedValue {
    control: String,
    value: f64,
}

#[derive(Debug, Deserialize)]
struct ExpectedSummary {
    compliance_only: Vec<String>,
}

fn expected() -> Expected {
    let text = std::fs::read_to_string(Path::new(FIXTURE).join("expected.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

fn load_fixture() -> Loaded {
    load::load(Path::new(FIXTURE)).unwrap_or_else(|e| panic!("{e:?}"))
}

fn evaluate(loaded: &Loaded) -> Vec<FrameworkResult> {
    let options = EngineOptions {
        as_of: assay::time::as_of(Some("2026-11-20"), None).unwrap(),
        ..EngineOptions::default()
    };
    engine::evaluate(&loaded.catalog, &loaded.project, options)
        .unwrap()
        .1
        .frameworks
}

fn analyse(loaded: &Loaded, trials: u32) -> RiskAnalysis {
    risk::analyse(
        &loaded.catalog,
        &evaluate(loaded),
        RiskOptions { top: None, trials },
    )
}

fn entry<'a>(a: &'a RiskAnalysis, id: &str) -> &'a RiskEntry {
    a.risks
        .iter()
        .find(|r| r.id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} not ranked"))
}

fn close(actual: f64, expected: f64, what: &str) {
    let tolerance = 1e-9 * expected.abs().max(1e-9);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} is not {expected}"
    );
}

#[test]
fn closed_form_results_match_the_independent_computation() {
    let expected = expected();
    let a = analyse(&load_fixture(), 2_000);
    for (id, e) in &expected.risk {
        let r = entry(&a, id);
        close(r.mu, e.mu, &format!("{id} mu"));
        close(r.sigma, e.sigma, &format!("{id} sigma"));
        close(
            r.inherent.mean_loss,
            e.mean_loss,
            &format!("{id} mean loss"),
        );
        close(
            r.inherent.ale,
            e.inherent_ale,
            &format!("{id} inherent ALE"),
        );
        close(
            r.frequency_factor,
            e.frequency_factor,
            &format!("{id} frequency factor"),
        );
        close(r.loss_factor, e.loss_factor, &format!("{id} loss factor"));
        close(
            r.residual.ale,
            e.residual_ale,
            &format!("{id} residual ALE"),
        );
        close(
            r.residual.frequency * r.residual.mean_loss,
            e.residual_ale,
            &format!("{id} residual frequency x mean loss"),
        );
        assert_eq!(r.exposed, e.exposed, "{id} exposed");
        assert_eq!(a.exposed.contains(&r.id), e.exposed, "{id} in exposed list");
        let counted: Vec<&str> = r
            .controls
            .iter()
            .filter(|c| c.counted)
            .map(|c| c.control.as_str())
            .collect();
        assert_eq!(counted, e.counted, "{id} counted controls");
        match (e.brier, &r.forecast) {
            (Some(b), Some(f)) => close(f.brier, b, &format!("{id} Brier score")),
            (None, None) => {}
            (b, f) => panic!("{id}: Brier expected {b:?}, got {f:?}"),
        }
    }
    let fixes: Vec<(&[String], f64)> = a
        .next_best_fixes
        .iter()
        .map(|f| (f.controls.as_slice(), f.reduction))
        .collect();
    assert_eq!(fixes.len(), expected.fix.len(), "{fixes:?}");
    for (got, want) in fixes.iter().zip(&expected.fix) {
        assert_eq!(got.0, want.controls.as_slice());
        close(got.1, want.reduction, &format!("fix {:?}", want.controls));
    }
    let values: Vec<(&str, f64)> = a
        .control_value
        .iter()
        .map(|v| (v.control.as_str(), v.value))
        .collect();
    assert_eq!(values.len(), expected.value.len(), "{values:?}");
    for (got, want) in values.iter().zip(&expected.value) {
        assert_eq!(got.0, want.control);
        close(got.1, want.value, &format!("value of {}", want.control));
    }
    let compliance_only: Vec<&str> = a
        .compliance_only
        .iter()
        .map(|c| c.control.as_str())
        .collect();
    assert_eq!(compliance_only, expected.summary.compliance_only);
    // Totals are the sums over the whole register.
    let inherent: f64 = a.risks.iter().map(|r| r.inherent.ale).sum();
    let residual: f64 = a.risks.iter().map(|r| r.residual.ale).sum();
    close(a.totals.inherent_ale, inherent, "total inherent ALE");
    close(a.totals.residual_ale, residual, "total residual ALE");
    // Ranked by inherent ALE, highest first.
    assert!(
        a.risks
            .windows(2)
            .all(|w| w[0].inherent.ale >= w[1].inherent.ale)
    );
}

#[test]
fn a_second_framework_mapping_the_same_checks_counts_once() {
    let mut loaded = load_fixture();
    let alpha = analyse(&loaded, 2_000);
    loaded.project.frameworks = Some(vec![Selection::parse("alpha"), Selection::parse("beta")]);
    let both = analyse(&loaded, 2_000);
    assert_eq!(both.frameworks, ["alpha", "beta"]);
    let breach = entry(&both, "fx.data-breach");
    assert!(
        breach
            .controls
            .iter()
            .any(|c| c.control == "beta:BE-1" && c.status == assay::outcome::Status::Pass),
        "beta's control mitigates the risk and passes: {:?}",
        breach.controls
    );
    for (a, b) in alpha.risks.iter().zip(&both.risks) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.residual.ale, b.residual.ale, "{}", a.id);
        assert_eq!(a.residual.simulated, b.residual.simulated, "{}", a.id);
    }
    assert_eq!(alpha.totals, both.totals);
    // Were the same effect counted twice, the residual would be halved again.
    assert_eq!(breach.frequency_factor, 0.5);
}

#[test]
fn an_overlap_group_takes_its_strongest_passing_control() {
    // Make both image controls pass by dropping the Dockerfile checks' failures:
    // evaluate with the repository's Dockerfile fixed.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(FIXTURE), dir.path());
    std::fs::write(
        dir.path().join("repo/Dockerfile"),
        "FROM node:22.11.0-alpine\nUSER node\nCMD [\"node\", \"index.js\"]\n",
    )
    .unwrap();
    let loaded = load::load(dir.path()).unwrap();
    let a = analyse(&loaded, 2_000);
    let outage = entry(&a, "fx.outage");
    // AL-5 (0.5) and AL-6 (0.3) are one safeguard: 0.5, not 1 - 0.5 * 0.7.
    assert_eq!(outage.frequency_factor, 0.5);
    let breach = entry(&a, "fx.data-breach");
    // AL-4 (0.4) is a distinct safeguard from AL-1 (0.5): they multiply.
    close(
        breach.frequency_factor,
        0.5 * 0.6,
        "breach frequency factor",
    );
    assert!(a.next_best_fixes.is_empty(), "{:?}", a.next_best_fixes);
    assert!(!a.exposed.iter().any(|r| r.as_str() == "fx.outage"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn top_limits_the_ranking_and_what_counts_as_ranked() {
    let loaded = load_fixture();
    let frameworks = evaluate(&loaded);
    let all = risk::analyse(
        &loaded.catalog,
        &frameworks,
        RiskOptions {
            top: None,
            trials: 2_000,
        },
    );
    let top = risk::analyse(
        &loaded.catalog,
        &frameworks,
        RiskOptions {
            top: Some(3),
            trials: 2_000,
        },
    );
    assert_eq!(top.ranked, 3);
    assert_eq!(top.register, all.register);
    assert_eq!(top.risks.as_slice(), &all.risks[..3]);
    assert_eq!(top.totals, all.totals, "totals count the whole register");
    // None of alpha's controls mitigates a top-3 risk (all built-in): all compliance-only.
    assert_eq!(top.compliance_only.len(), 8);
    assert!(top.exposed.len() <= 3);
}

#[test]
fn the_monte_carlo_does_not_depend_on_thread_count() {
    let loaded = load_fixture();
    let frameworks = evaluate(&loaded);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                risk::analyse(
                    &loaded.catalog,
                    &frameworks,
                    RiskOptions {
                        top: None,
                        trials: 100_000,
                    },
                )
            })
    };
    let one = run(1);
    assert_eq!(one, run(3));
    assert_eq!(one, run(8));
}

#[test]
fn adding_a_risk_changes_no_other_risks_numbers() {
    let mut loaded = load_fixture();
    let before = analyse(&loaded, 100_000);
    let extra = Risk {
        id: RiskId::new("fx.added"),
        title: "Added".into(),
        scenario: "Something else goes wrong.".into(),
        category: String::new(),
        owner: String::new(),
        frequency: 1.5,
        loss: LossRange {
            low: 100.0,
            high: 10_000.0,
        },
        currency: "USD".into(),
        notes: String::new(),
        history: Vec::new(),
        origin: assay::model::Origin {
            file: "test".into(),
            line: 1,
        },
        generic: false,
    };
    loaded.catalog.risks.insert(extra.id.clone(), extra);
    let after = analyse(&loaded, 100_000);
    assert_eq!(after.register, before.register + 1);
    for r in &before.risks {
        let a = entry(&after, r.id.as_str());
        assert_eq!(r.inherent, a.inherent, "{}", r.id);
        assert_eq!(r.residual, a.residual, "{}", r.id);
    }
}

#[test]
fn the_monte_carlo_mean_agrees_with_the_closed_form() {
    let a = analyse(&load_fixture(), risk::simulate::DEFAULT_TRIALS);
    assert_eq!(a.method.trials, 1_000_000);
    for r in &a.risks {
        for (what, e) in [("inherent", &r.inherent), ("residual", &r.residual)] {
            let s = &e.simulated;
            // Five standard errors: a failure here is a bug, not bad luck (p < 1e-6).
            assert!(
                (s.mean - e.ale).abs() <= 5.0 * s.standard_error,
                "{} {what}: Monte Carlo mean {} ± {} against closed form {}",
                r.id,
                s.mean,
                s.standard_error,
                e.ale
            );
            assert!(s.p50 <= s.p90 && s.p90 <= s.p99, "{} {what}", r.id);
        }
        // Residual losses are the inherent ones thinned and scaled: never more.
        assert!(
            r.residual.simulated.p99 <= r.inherent.simulated.p99,
            "{}",
            r.id
        );
    }
    let t = &a.totals;
    assert!((t.inherent.mean - t.inherent_ale).abs() <= 5.0 * t.inherent.standard_error);
    assert!((t.residual.mean - t.residual_ale).abs() <= 5.0 * t.residual.standard_error);
}

/// The Python with numpy and scipy, or `None` when the test is to be skipped.
fn numpy_python() -> Option<String> {
    match std::env::var("ASSAY_NUMPY_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => common::unavailable(
            "numpy",
            "ASSAY_NUMPY_PYTHON is not set",
            "ASSAY_NUMPY_PYTHON",
        ),
    }
}

#[test]
fn percentiles_agree_with_an_independent_implementation_within_one_percent() {
    let Some(python) = numpy_python() else {
        return;
    };
    compare_with_reference(&python, risk::simulate::DEFAULT_TRIALS, 0.01);
}

#[test]
fn check_summary_percentiles_agree_within_five_percent() {
    let Some(python) = numpy_python() else {
        return;
    };
    compare_with_reference(&python, risk::simulate::CHECK_TRIALS, 0.05);
}

/// Runs the reference on every risk's inherent and residual scenario and
/// asserts each non-zero percentile within `tolerance` (relative).
fn compare_with_reference(python: &str, trials: u32, tolerance: f64) {
    let a = analyse(&load_fixture(), trials);
    // Inherent and residual of every risk, as (frequency, mu, sigma) scenarios.
    let mut scenarios = Vec::new();
    for r in &a.risks {
        scenarios.push(serde_json::json!({
            "id": format!("{}/inherent", r.id),
            "frequency": r.frequency, "mu": r.mu, "sigma": r.sigma,
        }));
        scenarios.push(serde_json::json!({
            "id": format!("{}/residual", r.id),
            "frequency": r.residual.frequency,
            "mu": r.mu + r.loss_factor.ln(), "sigma": r.sigma,
        }));
    }
    let mut child = Command::new(python)
        .arg("tests/reference/risk_percentiles.py")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    serde_json::to_writer(
        child.stdin.take().unwrap(),
        &serde_json::json!({ "scenarios": scenarios }),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "reference failed");
    let reference: BTreeMap<String, BTreeMap<String, f64>> =
        serde_json::from_slice(&out.stdout).unwrap();
    let mut compared = 0;
    let mut worst = (0.0f64, String::new());
    for r in &a.risks {
        for (what, s) in [
            ("inherent", &r.inherent.simulated),
            ("residual", &r.residual.simulated),
        ] {
            let want = &reference[&format!("{}/{what}", r.id)];
            for (p, got) in [("p50", s.p50), ("p90", s.p90), ("p99", s.p99)] {
                let exp = want[p];
                let label = format!("{} {what} {p}", r.id);
                if exp == 0.0 {
                    assert_eq!(got, 0.0, "{label}: reference 0, assay {got}");
                    continue;
                }
                let error = (got - exp).abs() / exp;
                assert!(
                    error <= tolerance,
                    "{label} at {trials} trials: assay {got}, reference {exp} ({:.2}%)",
                    error * 100.0
                );
                if error > worst.0 {
                    worst = (error, label);
                }
                compared += 1;
            }
        }
    }
    assert!(
        compared >= 60,
        "only {compared} non-zero percentiles compared"
    );
    println!(
        "{trials} trials: {compared} percentiles within {}%; largest difference {:.3}% ({})",
        tolerance * 100.0,
        worst.0 * 100.0,
        worst.1
    );
}
