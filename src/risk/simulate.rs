//! The Monte Carlo of annual loss: Poisson event counts, lognormal losses.
//!
//! Every risk draws from its own stream, ChaCha8 keyed by SHA-256 of the
//! seed and the risk id, so a risk's numbers depend on nothing but its own
//! inputs: not on the thread count, not on which other risks exist. Event
//! counts are stratified: trial `s` of `T` draws its count by inversion at
//! `u = (s + v) / T` for a uniform `v`, so the share of trials with no event,
//! one event, two... is as the Poisson distribution says to within `1 / T`.
//! That removes the largest source of noise in the upper percentiles of rare
//! risks, where most trials see no event at all; the first loss of each year
//! is stratified the same way among the years of equal count. Residual losses reuse the
//! same draws: a trial keeps the first `n'` of its `n` events, where `n'` is
//! the inverse at the same `u` of the reduced frequency, and each loss is
//! scaled by the loss factor. Trials are then assigned to years by a random
//! injection, so the portfolio sums independent risks.

use super::lognormal::{Lognormal, normal_quantile};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Mutex;

/// The documented seed: changing it changes every number, so it is versioned.
pub const SEED: &str = "assay-risk-v1";

/// Trials of `assay risks`, unless `--trials` says otherwise: enough for every
/// percentile to be within 1% of the exact value (measured by tests/risk.rs).
pub const DEFAULT_TRIALS: u32 = 1_000_000;

/// Trials of the risk summary every `assay check` adds: a tenth of the cost,
/// percentiles within 5% (measured by tests/risk.rs).
pub const CHECK_TRIALS: u32 = 100_000;

/// Fewer trials than this cannot place a 99th percentile.
pub const MIN_TRIALS: u32 = 1_000;

/// One risk as the simulation sees it.
#[derive(Debug, Clone, Copy)]
pub struct Scenario<'a> {
    pub id: &'a str,
    /// Expected events per year before any control.
    pub frequency: f64,
    pub loss: Lognormal,
    /// Multiplies the frequency: the passing preventive controls.
    pub frequency_factor: f64,
    /// Multiplies each loss: the passing detective and responsive controls.
    pub loss_factor: f64,
}

/// Annual loss as the Monte Carlo found it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Simulated {
    pub mean: f64,
    /// Of the mean, as for independent trials; stratification only makes it smaller.
    pub standard_error: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

/// Inherent and residual annual loss of one risk, or of the whole register.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub inherent: Simulated,
    pub residual: Simulated,
}

/// The trials of one risk that saw at least one event, in hundredths of the currency.
#[derive(Default)]
struct Draws {
    trial: Vec<u32>,
    /// Events of each such year, and how many of them the controls leave.
    events: Vec<u32>,
    kept: Vec<u32>,
    inherent: Vec<u64>,
    residual: Vec<u64>,
}

impl Draws {
    fn clear(&mut self) {
        self.trial.clear();
        self.events.clear();
        self.kept.clear();
        self.inherent.clear();
        self.residual.clear();
    }

    fn reserve(&mut self, n: usize) {
        self.trial.reserve(n);
        self.events.reserve(n);
        self.kept.reserve(n);
        self.inherent.reserve(n);
        self.residual.reserve(n);
    }
}

/// Simulates every scenario (in parallel) and their sum; outcomes come back
/// in the order of `scenarios`.
pub fn run(scenarios: &[Scenario<'_>], trials: u32) -> (Vec<Outcome>, Outcome) {
    use rayon::prelude::*;
    // The register's yearly totals in hundredths of the currency, one pair of
    // arrays per thread: integer sums do not depend on which thread added what.
    // Buffers are reused from risk to risk: no thread maps and unmaps memory per risk.
    let workers: Vec<Mutex<Worker>> = (0..rayon::current_num_threads().max(1))
        .map(|_| Mutex::new(Worker::default()))
        .collect();
    let outcomes: Vec<Outcome> = scenarios
        .par_iter()
        .map(|s| {
            let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
            match workers.get(slot).map(Mutex::lock) {
                Some(Ok(mut w)) => w.simulate(s, trials),
                _ => Worker::default().simulate(s, trials),
            }
        })
        .collect();
    let mut sum = Totals::default();
    for w in workers.into_iter().filter_map(|m| m.into_inner().ok()) {
        sum.merge(w.totals);
    }
    let total = Outcome {
        inherent: summarise(&mut sum.inherent, trials),
        residual: summarise(&mut sum.residual, trials),
    };
    (outcomes, total)
}

/// One thread's share of the work and its buffers.
#[derive(Default)]
struct Worker {
    totals: Totals,
    draws: Draws,
    grouped: Vec<u32>,
}

impl Worker {
    fn simulate(&mut self, s: &Scenario<'_>, trials: u32) -> Outcome {
        draw(s, trials, &mut self.draws);
        self.totals.add(&self.draws, trials, &mut self.grouped);
        Outcome {
            inherent: summarise(&mut self.draws.inherent, trials),
            residual: summarise(&mut self.draws.residual, trials),
        }
    }
}

/// Yearly totals of the register, in hundredths of the currency.
#[derive(Default)]
struct Totals {
    inherent: Vec<u64>,
    residual: Vec<u64>,
}

impl Totals {
    /// Adds one risk's years, grouped by block of years first so that the
    /// additions stay within a cache-sized window of the arrays.
    fn add(&mut self, d: &Draws, trials: u32, grouped: &mut Vec<u32>) {
        if self.inherent.is_empty() {
            // Written, not calloc'd: a read-then-write of a lazily zeroed page
            // faults twice and flushes every core's TLB.
            self.inherent = zeroed(trials as usize);
            self.residual = zeroed(trials as usize);
        }
        let shift = (32 - trials.leading_zeros()).saturating_sub(BLOCK_BITS);
        let mut starts = vec![0usize; (1 << BLOCK_BITS) + 1];
        for &t in &d.trial {
            if let Some(c) = starts.get_mut((t >> shift) as usize + 1) {
                *c += 1;
            }
        }
        for i in 1..starts.len() {
            let before = starts.get(i - 1).copied().unwrap_or(0);
            if let Some(c) = starts.get_mut(i) {
                *c += before;
            }
        }
        grouped.clear();
        grouped.resize(d.trial.len(), 0);
        for (i, &t) in d.trial.iter().enumerate() {
            if let Some(at) = starts.get_mut((t >> shift) as usize) {
                if let Some(slot) = grouped.get_mut(*at) {
                    *slot = i as u32;
                }
                *at += 1;
            }
        }
        for &i in grouped.iter() {
            let i = i as usize;
            let (Some(&t), Some(&a), Some(&b)) =
                (d.trial.get(i), d.inherent.get(i), d.residual.get(i))
            else {
                continue;
            };
            if let Some(x) = self.inherent.get_mut(t as usize) {
                *x = x.saturating_add(a);
            }
            if let Some(x) = self.residual.get_mut(t as usize) {
                *x = x.saturating_add(b);
            }
        }
    }

    fn merge(&mut self, other: Totals) {
        if self.inherent.is_empty() {
            *self = other;
            return;
        }
        for (a, b) in self.inherent.iter_mut().zip(other.inherent) {
            *a = a.saturating_add(b);
        }
        for (a, b) in self.residual.iter_mut().zip(other.residual) {
            *a = a.saturating_add(b);
        }
    }
}

#[allow(
    clippy::slow_vector_initialization,
    reason = "`vec![0; n]` is calloc: lazily zeroed pages that fault twice (measured: 0.28 s against 0.23 s)"
)]
fn zeroed(n: usize) -> Vec<u64> {
    let mut v = Vec::with_capacity(n);
    v.resize(n, 0);
    v
}

/// Years are added in `2^BLOCK_BITS` groups.
const BLOCK_BITS: u32 = 8;

/// Hundredths of the currency; sums saturate rather than wrap.
fn to_cents(amount: f64) -> u64 {
    // Amounts are never negative: adding a half and truncating rounds, without
    // a call into libm. `as` saturates at u64::MAX for amounts beyond any register.
    (amount * 100.0 + 0.5) as u64
}

/// The random stream of one risk.
pub fn stream(id: &str) -> ChaCha8Rng {
    let mut hasher = Sha256::new();
    hasher.update(SEED.as_bytes());
    hasher.update([0u8]);
    hasher.update(id.as_bytes());
    ChaCha8Rng::from_seed(hasher.finalize().into())
}

/// Fills `d` with the years of `s` that saw an event.
///
/// First the event counts, stratified; then the losses, block by block of
/// equal count: within the block of years with `k` events, the first loss
/// is stratified too (Latin hypercube: year `j` of `n` draws it at quantile
/// `(π(j) + w) / n` for a permutation `π`), the others are independent. For a
/// rare risk nearly every loss is the only one of its year, so its upper
/// percentiles carry almost no sampling noise.
fn draw(s: &Scenario<'_>, trials: u32, d: &mut Draws) {
    let mut rng = stream(s.id);
    let years = Shuffle::new(&mut rng, trials);
    let t = f64::from(trials);
    let inverse = Poisson::new(s.frequency);
    let reduced = Poisson::new(s.frequency * s.frequency_factor);
    d.clear();
    // Exact room for the expected count and a margin: no doubling of big buffers.
    let expected = t * (1.0 - libm::exp(-s.frequency));
    d.reserve((expected + 6.0 * expected.sqrt() + 64.0) as usize);
    // Strata wholly below P(no event) have no event: skip them.
    let first = (t * libm::exp(-s.frequency)).floor().clamp(0.0, t) as u32;
    for stratum in first..trials {
        let u = (f64::from(stratum) + open_unit(&mut rng)) / t;
        let events = inverse.count(u);
        if events > 0 {
            d.trial.push(years.apply(stratum));
            d.events.push(events);
            d.kept.push(if s.frequency_factor < 1.0 {
                reduced.count(u).min(events)
            } else {
                events
            });
        }
    }
    // Counts never decrease with the stratum: equal counts are one run.
    let mut start = 0;
    while start < d.events.len() {
        let events = d.events.get(start).copied().unwrap_or(0);
        let len = d
            .events
            .get(start..)
            .map_or(0, |rest| rest.iter().take_while(|&&k| k == events).count());
        let order = Shuffle::new(&mut rng, len as u32);
        for j in 0..len {
            let kept = d.kept.get(start + j).copied().unwrap_or(0);
            let (mut inherent, mut residual) = (0.0, 0.0);
            for event in 0..events {
                let p = if event == 0 {
                    (f64::from(order.apply(j as u32)) + open_unit(&mut rng)) / len as f64
                } else {
                    open_unit(&mut rng)
                };
                let loss = libm::exp(s.loss.mu + s.loss.sigma * normal_quantile(p));
                inherent += loss;
                if event < kept {
                    residual += loss;
                }
            }
            d.inherent.push(to_cents(inherent));
            d.residual.push(to_cents(residual * s.loss_factor));
        }
        start += len.max(1);
    }
}

/// A keyed pseudo-random permutation of `0..n`: a four-step Feistel network
/// over the next power of two (steps alternate between the high and the low
/// half, so halves may differ by a bit), walked until it lands below `n`:
/// fewer than two steps of the walk on average. It decides which simulated
/// year each stratum becomes, so that the strata of different risks pair up
/// at random, and which loss stratum each year draws, without shuffling an
/// array.
struct Shuffle {
    n: u32,
    low_bits: u32,
    low: u64,
    high: u64,
    keys: [u64; 4],
}

impl Shuffle {
    fn new(rng: &mut ChaCha8Rng, n: u32) -> Self {
        let bits = (32 - n.saturating_sub(1).leading_zeros()).max(2);
        let low_bits = bits.div_ceil(2);
        Self {
            n,
            low_bits,
            low: (1u64 << low_bits) - 1,
            high: (1u64 << (bits - low_bits)) - 1,
            keys: [
                rng.next_u64(),
                rng.next_u64(),
                rng.next_u64(),
                rng.next_u64(),
            ],
        }
    }

    fn apply(&self, x: u32) -> u32 {
        let mut y = u64::from(x);
        loop {
            let (mut high, mut low) = (y >> self.low_bits, y & self.low);
            for (i, key) in self.keys.iter().enumerate() {
                if i % 2 == 0 {
                    low ^= mix(high ^ key) & self.low;
                } else {
                    high ^= mix(low ^ key) & self.high;
                }
            }
            y = (high << self.low_bits) | low;
            if y < u64::from(self.n) {
                return y as u32;
            }
        }
    }
}

/// SplitMix64's finaliser: every input bit moves every output bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform draw in the open interval (0, 1): never 0, whose logarithm is infinite.
pub fn open_unit(rng: &mut ChaCha8Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Poisson counts by inversion of the distribution function.
#[derive(Debug, Clone, Copy)]
pub struct Poisson {
    lambda: f64,
    /// `P(0) = exp(-lambda)`, computed once.
    zero: f64,
}

impl Poisson {
    pub fn new(lambda: f64) -> Self {
        Self {
            lambda,
            zero: libm::exp(-lambda),
        }
    }

    /// The count whose cumulative probability first exceeds `u`.
    pub fn count(self, u: f64) -> u32 {
        let mut k = 0u32;
        let mut p = self.zero;
        let mut cdf = p;
        while u > cdf {
            k += 1;
            p *= self.lambda / f64::from(k);
            let next = cdf + p;
            // Past the mode, once the terms no longer move the sum it has converged.
            if next == cdf && f64::from(k) > self.lambda {
                break;
            }
            cdf = next;
        }
        k
    }
}

/// Mean, standard error and percentiles of `trials` annual losses in
/// hundredths, of which `values` are the ones drawn and the rest are years
/// without an event.
fn summarise(values: &mut [u64], trials: u32) -> Simulated {
    let t = f64::from(trials);
    let (sum, sum_sq) = values.iter().fold((0u128, 0.0f64), |(s, q), &c| {
        let x = c as f64 / 100.0;
        (s + u128::from(c), q + x * x)
    });
    let mean = sum as f64 / 100.0 / t;
    let variance = ((sum_sq / t - mean * mean) * t / (t - 1.0)).max(0.0);
    let [p50, p90, p99] = percentiles(values, trials, [0.50, 0.90, 0.99]);
    Simulated {
        mean,
        standard_error: (variance / t).sqrt(),
        p50,
        p90,
        p99,
    }
}

/// Quantiles `ps` with linear interpolation between order statistics
/// (numpy's default), of `values` and `trials - values.len()` zeros.
fn percentiles<const N: usize>(values: &mut [u64], trials: u32, ps: [f64; N]) -> [f64; N] {
    let zeros = (trials as usize).saturating_sub(values.len());
    let positions = ps.map(|p| f64::from(trials.saturating_sub(1)) * p);
    // The order statistics needed, ascending: each quantile's floor and the next.
    let mut wanted: Vec<usize> = positions
        .iter()
        .flat_map(|h| [h.floor() as usize, h.floor() as usize + 1])
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let found = order_statistics(values, zeros, &wanted);
    let stat = |k: usize| {
        wanted
            .iter()
            .position(|&w| w == k)
            .and_then(|i| found.get(i).copied())
            .map_or(0.0, |c| c as f64 / 100.0)
    };
    positions.map(|h| {
        let lo = h.floor();
        let a = stat(lo as usize);
        if h == lo {
            a
        } else {
            a + (h - lo) * (stat(lo as usize + 1) - a)
        }
    })
}

/// The order statistics at ascending ranks `wanted` (from 0) of `values`
/// and `zeros` zeros. Each selection narrows the next one's slice.
fn order_statistics(values: &mut [u64], zeros: usize, wanted: &[usize]) -> Vec<u64> {
    let mut rest: &mut [u64] = values;
    let mut offset = zeros;
    let mut out = Vec::with_capacity(wanted.len());
    for &k in wanted {
        if k < offset {
            out.push(out.last().copied().unwrap_or(0));
            continue;
        }
        let i = k - offset;
        if i >= rest.len() {
            out.push(out.last().copied().unwrap_or(0));
            continue;
        }
        let (_, nth, right) = rest.select_nth_unstable(i);
        out.push(*nth);
        offset = k + 1;
        rest = right;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_chacha8_as_specified() {
        // The ChaCha block function (RFC 8439) with 8 rounds, an all-zero key,
        // counter 0 and nonce 0, words read little-endian, two per u64: the
        // values an independent implementation gives. A crate upgrade that
        // changed the stream fails here instead of silently moving every figure.
        let mut rng = ChaCha8Rng::from_seed([0; 32]);
        assert_eq!(rng.next_u64(), 0xd640_5f89_2fef_003e);
        assert_eq!(rng.next_u64(), 0xa1a5_091f_e8b8_5b7f);
    }

    #[test]
    fn the_shuffle_is_a_permutation() {
        for n in [1u32, 2, 3, 1000, 1 << 16, 1_000_000] {
            let shuffle = Shuffle::new(&mut stream("x"), n);
            let mut seen = vec![false; n as usize];
            for x in 0..n {
                let y = shuffle.apply(x) as usize;
                assert!(!seen[y], "{y} twice for n = {n}");
                seen[y] = true;
            }
        }
        // Neighbouring strata land far apart.
        let shuffle = Shuffle::new(&mut stream("x"), 1_000_000);
        let gaps = (0..1000).filter(|&x| shuffle.apply(x).abs_diff(shuffle.apply(x + 1)) < 1000);
        assert!(gaps.count() < 10);
    }

    #[test]
    fn poisson_inversion_matches_the_distribution() {
        let lambda = 0.3f64;
        let p0 = (-lambda).exp();
        let poisson = Poisson::new(lambda);
        assert_eq!(poisson.count(p0 * 0.999), 0);
        assert_eq!(poisson.count(p0 * 1.001), 1);
        let p1 = p0 * (1.0 + lambda);
        assert_eq!(poisson.count(p1 * 0.9999), 1);
        assert_eq!(poisson.count(p1 * 1.0001), 2);
        // Near 1 the search stops once the terms vanish.
        assert!(poisson.count(1.0 - 1e-17) < 30);
        // The median of Poisson(50) is 50 (50 - ln 2 / 3 rounded up).
        assert_eq!(Poisson::new(50.0).count(0.5), 50);
    }

    #[test]
    fn percentiles_interpolate_like_numpy() {
        // numpy.percentile([0, 0, 0, 1, 2, 3, 4, 5, 6, 7], [50, 90, 99])
        // is [2.5, 6.1, 6.91]: three implicit zeros, seven drawn values.
        let mut values = vec![700, 100, 0, 500, 200, 600, 300, 400];
        values.retain(|&v| v > 0);
        let s = summarise(&mut values, 10);
        assert!((s.p50 - 2.5).abs() < 1e-12);
        assert!((s.p90 - 6.1).abs() < 1e-12);
        assert!((s.p99 - 6.91).abs() < 1e-12);
        assert!((s.mean - 2.8).abs() < 1e-12);
    }
}
