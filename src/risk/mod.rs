//! The risk engine: which risks matter most, how much the passing controls
//! reduce them, and where the next hour of compliance work should go.
//!
//! Each risk's loss per event is a lognormal fitted to its 90% interval
//! ([`lognormal`]); its inherent annual loss expectancy (ALE) is frequency
//! times mean loss. A passing control reduces each risk it mitigates by its
//! effect, on frequency (avoid, deter, resist) or on loss per event (detect,
//! respond), as in Open FAIR's control analytics. Controls are grouped into
//! safeguards first, so that one piece of work counts once: controls
//! evidenced by the same checks are one safeguard wherever they are mapped,
//! and controls of one declared `overlap` group are one safeguard. A risk
//! takes the strongest passing control of each safeguard, and distinct
//! safeguards combine multiplicatively. [`simulate`] adds percentiles.

pub mod lognormal;
pub mod simulate;

use crate::engine::FrameworkResult;
use crate::model::{Catalog, CheckId, Control, Function, Risk, RiskId};
use crate::outcome::Status;
use lognormal::Lognormal;
use serde::{Deserialize, Serialize};
use simulate::{Scenario, Simulated};
use std::collections::{BTreeMap, BTreeSet};

/// What `assay risks` and the reports' `risks` section are computed with.
#[derive(Debug, Clone, Copy)]
pub struct RiskOptions {
    /// Rank only this many risks; the others still count in the totals.
    pub top: Option<usize>,
    pub trials: u32,
}

impl Default for RiskOptions {
    fn default() -> Self {
        Self {
            top: None,
            trials: simulate::DEFAULT_TRIALS,
        }
    }
}

/// The register ranked and set against the controls that pass now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskAnalysis {
    /// Of every amount below: a register uses one currency.
    pub currency: String,
    pub method: Method,
    /// The frameworks whose controls count, as selected (`nist-800-53@low`).
    pub frameworks: Vec<String>,
    /// Risks in the register; `risks` lists the top `ranked` of them.
    pub register: usize,
    /// Risks of the register whose figures are the built-in catalog's
    /// generic estimates, not re-estimated by the project.
    #[serde(default)]
    pub generic: usize,
    pub ranked: usize,
    /// The whole register, ranked or not.
    pub totals: Totals,
    /// By inherent ALE, highest first.
    pub risks: Vec<RiskEntry>,
    /// Ranked risks no passing control reduces, in rank order.
    pub exposed: Vec<RiskId>,
    /// Controls of the selected frameworks that mitigate no ranked risk.
    pub compliance_only: Vec<ControlBrief>,
    /// Passing controls by how much total residual ALE would rise if they stopped passing.
    pub control_value: Vec<ControlValue>,
    /// Failing controls by how much total residual ALE would drop if they passed.
    pub next_best_fixes: Vec<Fix>,
    /// How well past frequencies forecast what happened.
    pub forecasts: Forecasts,
    /// Why the analysis rests on part of the checks only (`--check`,
    /// `--since`): controls whose checks did not run count for nothing, so
    /// residual losses are overstated and the fixes incomplete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<String>,
}

/// How the numbers were computed, so anyone can recompute them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Method {
    pub loss_model: String,
    pub seed: String,
    pub trials: u32,
    pub generator: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub inherent_ale: f64,
    pub residual_ale: f64,
    pub inherent: Simulated,
    pub residual: Simulated,
}

impl Totals {
    /// Expected annual loss the passing controls save.
    pub fn saved(&self) -> f64 {
        self.inherent_ale - self.residual_ale
    }

    /// The saving as a percentage of the inherent loss (0 with no loss).
    pub fn saved_percent(&self) -> f64 {
        if self.inherent_ale > 0.0 {
            100.0 * self.saved() / self.inherent_ale
        } else {
            0.0
        }
    }
}

/// One risk with its inputs and results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskEntry {
    pub rank: usize,
    pub id: RiskId,
    pub title: String,
    pub scenario: String,
    pub category: String,
    pub owner: String,
    /// Expected events per year, as estimated.
    pub frequency: f64,
    /// The 90% interval of the loss per event.
    pub loss: Interval,
    /// The fitted lognormal: the logarithm's mean and standard deviation.
    pub mu: f64,
    pub sigma: f64,
    /// Product of `1 - effect` over the preventive safeguards counted.
    pub frequency_factor: f64,
    /// Product of `1 - effect` over the detective and responsive safeguards counted.
    pub loss_factor: f64,
    pub inherent: Estimate,
    pub residual: Estimate,
    /// No passing control reduces it.
    pub exposed: bool,
    /// Every control of the selected frameworks that mitigates it.
    pub controls: Vec<Mitigating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast: Option<Forecast>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Annual loss of one risk, before or after controls.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub frequency: f64,
    pub mean_loss: f64,
    /// `frequency * mean_loss`, in closed form.
    pub ale: f64,
    pub simulated: Simulated,
}

/// A control that mitigates a risk, and whether it counts now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mitigating {
    /// `framework:control`.
    pub control: String,
    pub status: Status,
    pub function: Function,
    pub effect: f64,
    /// Controls of one safeguard count once: the strongest passing one.
    pub safeguard: String,
    /// Whether this control's effect is in the risk's residual.
    pub counted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlBrief {
    pub control: String,
    pub title: String,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlValue {
    pub control: String,
    pub title: String,
    /// Rise of total residual ALE if this control's evidence stopped passing.
    pub value: f64,
    /// Controls shown by the same checks: they stand or fall with this one.
    pub same_evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    /// Controls shown by the same checks: they pass together.
    pub controls: Vec<String>,
    pub title: String,
    pub status: Status,
    pub checks: Vec<CheckId>,
    /// Drop of total residual ALE if these controls passed.
    pub reduction: f64,
    pub residual_ale_after: f64,
}

/// Brier scores of the recorded history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecasts {
    pub periods: usize,
    /// Mean over every scored period of every risk; null with no history.
    pub brier: Option<f64>,
}

/// One risk's forecasts against what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Mean of `(probability - occurred)^2`: 0 is perfect, 0.25 is a coin's.
    pub brier: f64,
    pub periods: Vec<Scored>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub period: String,
    pub years: f64,
    /// Chance of at least one event in the period: `1 - exp(-frequency * years)`.
    pub probability: f64,
    pub occurred: bool,
}

/// A control of a selected framework, with its status now.
struct Scoped<'a> {
    qualified: String,
    control: &'a Control,
    status: Status,
    /// Controls with equal evidence pass and fail together.
    evidence: String,
    /// The evidence, or the declared overlap group.
    safeguard_key: String,
    safeguard: usize,
}

/// One control's effect on one risk.
#[derive(Clone, Copy)]
struct Mit {
    scoped: usize,
    effect: f64,
    function: Function,
    safeguard: usize,
}

/// The register and the scoped controls, ready to evaluate any set of passing controls.
struct Model<'a> {
    risks: Vec<(&'a Risk, Lognormal, Vec<Mit>)>,
    scoped: Vec<Scoped<'a>>,
}

impl Model<'_> {
    /// `(frequency factor, loss factor, counted mitigations)` of risk `r`.
    fn factors(&self, mits: &[Mit], passing: &[bool]) -> (f64, f64, Vec<usize>) {
        // Strongest passing control per safeguard; ties keep the first listed.
        let mut best: BTreeMap<usize, (usize, Mit)> = BTreeMap::new();
        for (i, m) in mits.iter().enumerate() {
            if !passing.get(m.scoped).copied().unwrap_or(false) {
                continue;
            }
            match best.get(&m.safeguard) {
                Some((_, b)) if b.effect >= m.effect => {}
                _ => {
                    best.insert(m.safeguard, (i, *m));
                }
            }
        }
        let (mut frequency, mut loss) = (1.0, 1.0);
        for (_, m) in best.values() {
            if m.function.reduces_frequency() {
                frequency *= 1.0 - m.effect;
            } else {
                loss *= 1.0 - m.effect;
            }
        }
        (frequency, loss, best.values().map(|(i, _)| *i).collect())
    }

    fn residual_ale(&self, passing: &[bool]) -> f64 {
        self.risks
            .iter()
            .map(|(risk, dist, mits)| {
                let (f, l, _) = self.factors(mits, passing);
                risk.frequency * f * dist.mean() * l
            })
            .sum()
    }

    /// Passing flags with every control of `evidence` set to `to`.
    fn with(&self, passing: &[bool], evidence: &str, to: bool) -> Vec<bool> {
        self.scoped
            .iter()
            .zip(passing)
            .map(|(s, &p)| if s.evidence == evidence { to } else { p })
            .collect()
    }
}

/// Ranks the register against the controls of `frameworks` as they stand.
pub fn analyse(
    catalog: &Catalog,
    frameworks: &[FrameworkResult],
    options: RiskOptions,
) -> RiskAnalysis {
    let model = build(catalog, frameworks);
    let passing: Vec<bool> = model
        .scoped
        .iter()
        .map(|s| s.status == Status::Pass)
        .collect();
    let mut order: Vec<usize> = (0..model.risks.len()).collect();
    let inherent = |i: usize| {
        model
            .risks
            .get(i)
            .map_or(0.0, |(r, d, _)| r.frequency * d.mean())
    };
    order.sort_by(|&a, &b| inherent(b).total_cmp(&inherent(a)).then(a.cmp(&b)));

    let factors: Vec<(f64, f64, Vec<usize>)> = model
        .risks
        .iter()
        .map(|(_, _, mits)| model.factors(mits, &passing))
        .collect();
    let scenarios: Vec<Scenario<'_>> = model
        .risks
        .iter()
        .zip(&factors)
        .map(|((risk, dist, _), (f, l, _))| Scenario {
            id: risk.id.as_str(),
            frequency: risk.frequency,
            loss: *dist,
            frequency_factor: *f,
            loss_factor: *l,
        })
        .collect();
    let (simulated, total) = simulate::run(&scenarios, options.trials);

    let ranked = options.top.unwrap_or(order.len()).min(order.len());
    let mut risks = Vec::with_capacity(ranked);
    for (rank, &i) in order.iter().take(ranked).enumerate() {
        if let (Some((risk, dist, mits)), Some(f), Some(sim)) =
            (model.risks.get(i), factors.get(i), simulated.get(i))
        {
            risks.push(entry(rank + 1, risk, *dist, mits, f, sim, &model));
        }
    }
    let ranked_ids: BTreeSet<&RiskId> = risks.iter().map(|r| &r.id).collect();
    let residual_now = model.residual_ale(&passing);
    RiskAnalysis {
        currency: model
            .risks
            .first()
            .map_or_else(String::new, |(r, _, _)| r.currency.clone()),
        method: Method {
            loss_model: "lognormal with the interval's low and high at its 5th and 95th percentiles"
                .to_owned(),
            seed: simulate::SEED.to_owned(),
            trials: options.trials,
            generator: "ChaCha8 (rand_chacha 0.10) keyed by SHA-256(seed, 0x00, risk id); stratified Poisson event counts".to_owned(),
        },
        frameworks: frameworks
            .iter()
            .map(|f| crate::model::Selection {
 framework: f.id.clone(),
 baseline: f.baseline.clone(),
 }
 .to_string())
            .collect(),
        register: model.risks.len(),
        ranked,
        totals: Totals {
            inherent_ale: (0..model.risks.len()).map(inherent).sum(),
            residual_ale: residual_now,
            inherent: total.inherent,
            residual: total.residual,
        },
        exposed: risks
            .iter()
            .filter(|r| r.exposed)
            .map(|r| r.id.clone())
            .collect(),
        compliance_only: model
            .scoped
            .iter()
            .filter(|s| !s.control.mitigates.iter().any(|m| ranked_ids.contains(&m.risk)))
            .map(|s| ControlBrief {
                control: s.qualified.clone(),
                title: s.control.title.clone(),
                status: s.status,
            })
            .collect(),
        control_value: control_value(&model, &passing, residual_now),
        next_best_fixes: next_best_fixes(&model, &passing, residual_now),
        forecasts: forecasts(&model),
        partial: None,
        generic: model
            .risks
            .iter()
            .filter(|(r, _, _)| r.generic)
            .count(),
        risks,
    }
}

/// The scoped controls (each once, in framework order) and each risk's mitigations.
fn build<'a>(catalog: &'a Catalog, frameworks: &[FrameworkResult]) -> Model<'a> {
    let mut scoped: Vec<Scoped<'a>> = Vec::new();
    let mut safeguards: BTreeMap<String, usize> = BTreeMap::new();
    for fw in frameworks {
        let Some(model) = catalog.frameworks.get(&fw.id) else {
            continue;
        };
        for result in &fw.controls {
            let qualified = format!("{}:{}", fw.id, result.id);
            let Some(control) = model.controls.iter().find(|c| c.id == result.id) else {
                continue;
            };
            if scoped.iter().any(|s| s.qualified == qualified) {
                continue;
            }
            let evidence = if control.is_manual() {
                format!("manual {qualified}")
            } else {
                let mut checks: Vec<&str> = control.checks.iter().map(|c| c.as_str()).collect();
                checks.sort_unstable();
                checks.dedup();
                checks.join(" + ")
            };
            let safeguard_key = match &control.overlap {
                Some(group) => format!("overlap {group}"),
                None => evidence.clone(),
            };
            let next = safeguards.len();
            let safeguard = *safeguards.entry(safeguard_key.clone()).or_insert(next);
            scoped.push(Scoped {
                qualified,
                control,
                status: result.status,
                evidence,
                safeguard_key,
                safeguard,
            });
        }
    }
    let risks = catalog
        .risks
        .values()
        .map(|risk| {
            let mits = scoped
                .iter()
                .enumerate()
                .flat_map(|(i, s)| {
                    s.control
                        .mitigates
                        .iter()
                        .filter(|m| m.risk == risk.id)
                        .map(move |m| Mit {
                            scoped: i,
                            effect: m.effect,
                            function: s.control.function,
                            safeguard: s.safeguard,
                        })
                })
                .collect();
            (risk, Lognormal::fit(risk.loss), mits)
        })
        .collect();
    Model { risks, scoped }
}

fn entry(
    rank: usize,
    risk: &Risk,
    dist: Lognormal,
    mits: &[Mit],
    (frequency_factor, loss_factor, counted): &(f64, f64, Vec<usize>),
    sim: &simulate::Outcome,
    model: &Model<'_>,
) -> RiskEntry {
    let mean = dist.mean();
    let residual_frequency = risk.frequency * frequency_factor;
    let residual_mean = mean * loss_factor;
    let controls: Vec<Mitigating> = mits
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let s = model.scoped.get(m.scoped)?;
            Some(Mitigating {
                control: s.qualified.clone(),
                status: s.status,
                function: m.function,
                effect: m.effect,
                safeguard: s.safeguard_key.clone(),
                counted: counted.contains(&i),
            })
        })
        .collect();
    RiskEntry {
        rank,
        id: risk.id.clone(),
        title: risk.title.clone(),
        scenario: risk.scenario.clone(),
        category: risk.category.clone(),
        owner: risk.owner.clone(),
        frequency: risk.frequency,
        loss: Interval {
            low: risk.loss.low,
            high: risk.loss.high,
        },
        mu: dist.mu,
        sigma: dist.sigma,
        frequency_factor: *frequency_factor,
        loss_factor: *loss_factor,
        inherent: Estimate {
            frequency: risk.frequency,
            mean_loss: mean,
            ale: risk.frequency * mean,
            simulated: sim.inherent,
        },
        residual: Estimate {
            frequency: residual_frequency,
            mean_loss: residual_mean,
            ale: residual_frequency * residual_mean,
            simulated: sim.residual,
        },
        exposed: !controls.iter().any(|c| c.status == Status::Pass),
        controls,
        forecast: forecast(risk),
    }
}

/// Each passing control that mitigates something, by what losing its evidence would cost.
fn control_value(model: &Model<'_>, passing: &[bool], now: f64) -> Vec<ControlValue> {
    let mut cache: BTreeMap<&str, f64> = BTreeMap::new();
    let mut out: Vec<ControlValue> = model
        .scoped
        .iter()
        .filter(|s| s.status == Status::Pass && !s.control.mitigates.is_empty())
        .map(|s| {
            let value = *cache.entry(s.evidence.as_str()).or_insert_with(|| {
                model.residual_ale(&model.with(passing, &s.evidence, false)) - now
            });
            ControlValue {
                control: s.qualified.clone(),
                title: s.control.title.clone(),
                value: value.max(0.0),
                same_evidence: model
                    .scoped
                    .iter()
                    .filter(|o| o.evidence == s.evidence && o.qualified != s.qualified)
                    .map(|o| o.qualified.clone())
                    .collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then_with(|| a.control.cmp(&b.control))
    });
    out
}

/// Failing or erroring controls, one entry per evidence, by the drop in
/// total residual ALE if they passed; those that would change nothing are left out.
fn next_best_fixes(model: &Model<'_>, passing: &[bool], now: f64) -> Vec<Fix> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for s in &model.scoped {
        let failing = matches!(s.status, Status::Fail | Status::Error);
        if !failing || s.control.mitigates.is_empty() || !seen.insert(s.evidence.as_str()) {
            continue;
        }
        let after = model.residual_ale(&model.with(passing, &s.evidence, true));
        let reduction = now - after;
        if reduction <= now * 1e-12 {
            continue;
        }
        out.push(Fix {
            controls: model
                .scoped
                .iter()
                .filter(|o| o.evidence == s.evidence && !o.control.mitigates.is_empty())
                .map(|o| o.qualified.clone())
                .collect(),
            title: s.control.title.clone(),
            status: s.status,
            checks: s.control.checks.clone(),
            reduction,
            residual_ale_after: after,
        });
    }
    out.sort_by(|a, b| {
        b.reduction
            .total_cmp(&a.reduction)
            .then_with(|| a.controls.cmp(&b.controls))
    });
    out
}

fn forecast(risk: &Risk) -> Option<Forecast> {
    if risk.history.is_empty() {
        return None;
    }
    let periods: Vec<Scored> = risk
        .history
        .iter()
        .map(|h| Scored {
            period: h.period.clone(),
            years: h.years,
            probability: 1.0 - (-risk.frequency * h.years).exp(),
            occurred: h.occurred,
        })
        .collect();
    Some(Forecast {
        brier: brier(&periods),
        periods,
    })
}

/// Mean squared distance between forecast probability and outcome (1 or 0).
pub fn brier(periods: &[Scored]) -> f64 {
    let sum: f64 = periods
        .iter()
        .map(|p| (p.probability - f64::from(u8::from(p.occurred))).powi(2))
        .sum();
    sum / periods.len().max(1) as f64
}

/// Every scored period of the whole register, ranked or not.
fn forecasts(model: &Model<'_>) -> Forecasts {
    let scored: Vec<Scored> = model
        .risks
        .iter()
        .filter_map(|(risk, _, _)| forecast(risk))
        .flat_map(|f| f.periods)
        .collect();
    Forecasts {
        periods: scored.len(),
        brier: (!scored.is_empty()).then(|| brier(&scored)),
    }
}
