//! Validating a risk: the numbers must describe a possible world.

use super::error::LoadError;
use super::raw::RawRisk;
use super::source::{SourceFile, span};
use crate::model::{LossRange, Origin, Risk, RiskId};

pub const DEFAULT_CURRENCY: &str = "USD";

pub fn compile(raw: RawRisk, file: &SourceFile, errors: &mut Vec<LoadError>) -> Option<Risk> {
    let before = errors.len();
    let frequency = *raw.frequency.get_ref();
    if !(frequency.is_finite() && frequency >= 0.0) {
        errors.push(LoadError::InvalidFrequency {
            value: frequency,
            src: file.src(),
            span: span(raw.frequency.span()),
        });
    }
    let loss = raw.loss.get_ref();
    let (low, high) = (*loss.low.get_ref(), *loss.high.get_ref());
    for bound in [&loss.low, &loss.high] {
        let value = *bound.get_ref();
        if !(value.is_finite() && value >= 0.0) {
            errors.push(LoadError::InvalidLoss {
                value,
                src: file.src(),
                span: span(bound.span()),
            });
        }
    }
    if low > high {
        errors.push(LoadError::LossRangeInverted {
            low,
            high,
            src: file.src(),
            span: span(raw.loss.span()),
        });
    }
    if errors.len() > before {
        return None;
    }
    Some(Risk {
        id: RiskId::new(raw.id.get_ref().clone()),
        title: raw.title,
        scenario: raw.scenario,
        category: raw.category,
        owner: raw.owner,
        frequency,
        loss: LossRange { low, high },
        currency: raw.currency.unwrap_or_else(|| DEFAULT_CURRENCY.to_owned()),
        notes: raw.notes,
        origin: Origin {
            file: file.name.clone(),
            line: file.line_of(raw.id.span().start),
        },
    })
}
