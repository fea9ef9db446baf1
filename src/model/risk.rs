//! Risks: undesirable future scenarios with an estimated frequency and loss.

use super::{Origin, RiskId};

/// One scenario of the risk register.
#[derive(Debug, Clone)]
pub struct Risk {
    pub id: RiskId,
    pub title: String,
    /// One sentence describing the undesirable future event.
    pub scenario: String,
    pub category: String,
    pub owner: String,
    /// Expected events per year, `>= 0`.
    pub frequency: f64,
    pub loss: LossRange,
    pub currency: String,
    pub notes: String,
    /// What happened in past periods, to score the frequency as a forecast.
    pub history: Vec<Occurrence>,
    pub origin: Origin,
    /// The built-in catalog's figures: a catalog risk, or a project's copy of
    /// one whose frequency and loss are unchanged (`assay init` writes such
    /// copies to be re-estimated). The report calls these generic estimates.
    pub generic: bool,
}

/// Whether a risk's scenario happened in one past period.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub period: String,
    pub occurred: bool,
    /// Length of the period in years.
    pub years: f64,
}

/// A 90% interval of the loss per event: `0 < low <= high`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossRange {
    pub low: f64,
    pub high: f64,
}
