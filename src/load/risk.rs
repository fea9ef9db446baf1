//! Validating a risk: the numbers must describe a possible world the risk
//! engine can compute with.

use super::error::LoadError;
use super::raw::RawRisk;
use super::source::{SourceFile, span};
use crate::model::{LossRange, Occurrence, Origin, Risk, RiskId};

pub const DEFAULT_CURRENCY: &str = "USD";

/// Loss intervals wider than this (high / low) are more likely a typo than an
/// estimate: three orders of magnitude already spans "a bad week" to "the company".
pub const MAX_LOSS_RATIO: f64 = 1000.0;

/// The Monte Carlo simulates every event: a frequency bounds its cost.
pub const MAX_FREQUENCY: f64 = 100.0;

/// ISO 4217 codes of currencies in use.
const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

pub fn compile(raw: RawRisk, file: &SourceFile, errors: &mut Vec<LoadError>) -> Option<Risk> {
    let before = errors.len();
    let frequency = *raw.frequency.get_ref();
    if !(frequency.is_finite() && frequency > 0.0) {
        errors.push(LoadError::InvalidFrequency {
            value: frequency,
            src: file.src(),
            span: span(raw.frequency.span()),
        });
    } else if frequency > MAX_FREQUENCY {
        errors.push(LoadError::FrequencyTooHigh {
            value: frequency,
            max: MAX_FREQUENCY,
            src: file.src(),
            span: span(raw.frequency.span()),
        });
    }
    let loss = raw.loss.get_ref();
    let (low, high) = (*loss.low.get_ref(), *loss.high.get_ref());
    for bound in [&loss.low, &loss.high] {
        let value = *bound.get_ref();
        if !(value.is_finite() && value > 0.0) {
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
    } else if low > 0.0 && high / low > MAX_LOSS_RATIO {
        errors.push(LoadError::LossRangeTooWide {
            ratio: high / low,
            max: MAX_LOSS_RATIO,
            src: file.src(),
            span: span(raw.loss.span()),
        });
    }
    let currency = match &raw.currency {
        Some(c) if !CURRENCIES.contains(&c.get_ref().as_str()) => {
            errors.push(LoadError::UnknownCurrency {
                code: c.get_ref().clone(),
                src: file.src(),
                span: span(c.span()),
            });
            String::new()
        }
        Some(c) => c.get_ref().clone(),
        None => DEFAULT_CURRENCY.to_owned(),
    };
    let mut history = Vec::with_capacity(raw.history.len());
    for h in raw.history {
        let years = h.years.as_ref().map_or(1.0, |y| *y.get_ref());
        if !(years.is_finite() && years > 0.0) {
            let at = h.years.as_ref().map_or(raw.id.span(), toml::Spanned::span);
            errors.push(LoadError::InvalidValue {
                message: format!("a period of `{years}` years is not a length of time"),
                src: file.src(),
                span: span(at),
            });
        }
        history.push(Occurrence {
            period: h.period,
            occurred: h.occurred,
            years,
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
        currency,
        notes: raw.notes,
        history,
        origin: Origin {
            file: file.name.clone(),
            line: file.line_of(raw.id.span().start),
        },
        generic: file.layer == crate::load::Layer::Builtin,
    })
}
