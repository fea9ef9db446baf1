//! The loss-per-event distribution: a lognormal whose 5th and 95th
//! percentiles are the estimate's `low` and `high`.

use crate::model::LossRange;

/// The standard normal's 95th percentile: `low` and `high` sit this many
/// standard deviations either side of the log-scale median.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// A lognormal distribution by the mean and standard deviation of its logarithm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lognormal {
    pub mu: f64,
    pub sigma: f64,
}

impl Lognormal {
    /// The lognormal with `low` at its 5th percentile and `high` at its 95th.
    pub fn fit(range: LossRange) -> Self {
        let (ln_low, ln_high) = (range.low.ln(), range.high.ln());
        Self {
            mu: (ln_low + ln_high) / 2.0,
            sigma: (ln_high - ln_low) / (2.0 * Z95),
        }
    }

    /// Expected loss per event: `exp(mu + sigma^2 / 2)`, above the median.
    pub fn mean(self) -> f64 {
        (self.mu + self.sigma * self.sigma / 2.0).exp()
    }

    pub fn median(self) -> f64 {
        self.mu.exp()
    }

    /// The value below which a fraction `p` of losses fall.
    pub fn quantile(self, p: f64) -> f64 {
        (self.mu + self.sigma * normal_quantile(p)).exp()
    }

    /// The same distribution with every loss multiplied by `factor > 0`.
    pub fn scaled(self, factor: f64) -> Self {
        Self {
            mu: self.mu + factor.ln(),
            sigma: self.sigma,
        }
    }
}

/// The standard normal's quantile function, by Wichura's algorithm AS 241
/// (PPND16): about 16 significant digits for `p` in `(0, 1)`.
pub fn normal_quantile(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * poly(&CENTRAL_A, r) / poly(&CENTRAL_B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail <= 0.0 {
        return if q < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let r = (-libm::log(tail)).sqrt();
    let z = if r <= 5.0 {
        let r = r - 1.6;
        poly(&NEAR_A, r) / poly(&NEAR_B, r)
    } else {
        let r = r - 5.0;
        poly(&FAR_A, r) / poly(&FAR_B, r)
    };
    if q < 0.0 { -z } else { z }
}

/// `c[0] + c[1] x + ... + c[n] x^n` by Horner's rule.
fn poly(c: &[f64; 8], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &k| acc * x + k)
}

// AS 241's coefficients as published (Wichura 1988), lowest order first.
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
const CENTRAL_A: [f64; 8] = [
    3.387132872796366608,
    133.14166789178437745,
    1971.5909503065514427,
    13731.693765509461125,
    45921.953931549871457,
    67265.770927008700853,
    33430.575583588128105,
    2509.0809287301226727,
];
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
const CENTRAL_B: [f64; 8] = [
    1.0,
    42.313330701600911252,
    687.1870074920579083,
    5394.1960214247511077,
    21213.794301586595867,
    39307.89580009271061,
    28729.085735721942674,
    5226.495278852854561,
];
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
const NEAR_A: [f64; 8] = [
    1.42343711074968357734,
    4.6303378461565452959,
    5.7694972214606914055,
    3.64784832476320460504,
    1.27045825245236838258,
    0.24178072517745061177,
    0.0227238449892691845833,
    7.7454501427834140764e-4,
];
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
const NEAR_B: [f64; 8] = [
    1.0,
    2.05319162663775882187,
    1.6763848301838038494,
    0.68976733498510000455,
    0.14810397642748007459,
    0.0151986665636164571966,
    5.475938084995344946e-4,
    1.05075007164441684324e-9,
];
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
const FAR_A: [f64; 8] = [
    6.6579046435011037772,
    5.4637849111641143699,
    1.7848265399172913358,
    0.29656057182850489123,
    0.026532189526576123093,
    0.0012426609473880784386,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
];
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
const FAR_B: [f64; 8] = [
    1.0,
    0.59983220655588793769,
    0.13692988092273580531,
    0.0148753612908506148525,
    7.868691311456132591e-4,
    1.8463183175100546818e-5,
    1.4215117583164458887e-7,
    2.04426310338993978564e-15,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn normal_quantiles_match_published_values() {
        // Reference values from scipy.stats.norm.ppf.
        assert!(close(normal_quantile(0.95), 1.644_853_626_951_472, 1e-14));
        assert!(close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-14));
        assert_eq!(normal_quantile(0.5), 0.0);
        assert!(close(normal_quantile(0.01), -2.326_347_874_040_841, 1e-14));
        assert!(close(normal_quantile(1e-10), -6.361_340_902_404_056, 1e-12));
        assert!(close(normal_quantile(1e-300), -37.047_096_299_361_2, 1e-12));
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
    }

    #[test]
    fn the_fit_puts_low_and_high_at_the_5th_and_95th_percentiles() {
        let d = Lognormal::fit(LossRange {
            low: 50_000.0,
            high: 2_000_000.0,
        });
        assert!(close(d.quantile(0.05), 50_000.0, 1e-12));
        assert!(close(d.quantile(0.95), 2_000_000.0, 1e-12));
        // The median is the geometric mean of low and high.
        assert!(close(d.median(), (50_000.0f64 * 2_000_000.0).sqrt(), 1e-12));
        // sigma = ln(40) / (2 * 1.6448536...) = 1.1213397...
        assert!(close(d.sigma, 40f64.ln() / (2.0 * Z95), 1e-15));
        assert!(close(d.sigma, 1.121_339_7, 1e-7));
        // mean = median * exp(sigma^2 / 2) = 316227.77 * 1.875170... = 592982.05
        assert!(close(d.mean(), 592_982.05, 1e-8));
    }

    #[test]
    fn a_point_estimate_is_a_degenerate_lognormal() {
        let d = Lognormal::fit(LossRange {
            low: 1000.0,
            high: 1000.0,
        });
        assert_eq!(d.sigma, 0.0);
        assert!(close(d.mean(), 1000.0, 1e-12));
    }

    #[test]
    fn scaling_multiplies_every_quantile() {
        let d = Lognormal::fit(LossRange {
            low: 10.0,
            high: 1000.0,
        });
        let s = d.scaled(0.25);
        for p in [0.05, 0.5, 0.9, 0.99] {
            assert!(close(s.quantile(p), 0.25 * d.quantile(p), 1e-12));
        }
        assert!(close(s.mean(), 0.25 * d.mean(), 1e-12));
    }
}
