#!/usr/bin/env python3
"""Independent reference for assay's annual-loss percentiles (tests/risk.rs).

Reads JSON from stdin: {"scenarios": [{"id", "frequency", "mu", "sigma"}...]}
and writes {"id": {"p50", "p90", "p99"}} to stdout.

A different method from assay's, on purpose. assay runs a stratified Monte
Carlo with its own generator; this computes the annual loss distribution as
the Poisson mixture it is,

    F(x) = sum_k P(N = k) * P(S_k <= x),   S_k = sum of k lognormal losses,

with P(N = k) exact, P(S_1 <= x) exact (the lognormal CDF, scipy), and the
sums of two or more losses sampled with numpy's PCG64 (their share of the
mixture is small for rare risks). Each percentile is then found by bisection
on F. Linear interpolation between order statistics, which assay uses, and
the exact quantile differ by O(1 / trials), far below the tolerance.
"""

import json
import math
import sys

import numpy as np
from scipy.special import ndtr
from scipy.stats import poisson

SAMPLES = 4_000_000
PERCENTILES = (0.50, 0.90, 0.99)


def mixture(frequency, mu, sigma, rng):
    """The terms of F: (weight of no event, lognormal, [(weight, sorted S_k)])."""
    p0 = math.exp(-frequency)
    p1 = poisson.pmf(1, frequency)
    several = 1.0 - p0 - p1
    sums = []
    k = 2
    while several > 0 and poisson.sf(k - 1, frequency) > 1e-9:
        weight = poisson.pmf(k, frequency)
        n = int(SAMPLES * weight / several) + 20_000
        draws = rng.lognormal(mu, sigma, size=(n, k)).sum(axis=1)
        draws.sort()
        sums.append((weight, draws))
        k += 1
    return p0, p1, sums


def cdf(x, mu, sigma, p0, p1, sums):
    total = p0 + p1 * ndtr((math.log(x) - mu) / sigma)
    for weight, draws in sums:
        total += weight * np.searchsorted(draws, x, side="right") / len(draws)
    return total


def quantile(p, frequency, mu, sigma, terms):
    p0, p1, sums = terms
    if p <= p0:
        return 0.0
    lo, hi = 1e-9, math.exp(mu + 12 * sigma) * max(1.0, frequency * 20)
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if cdf(mid, mu, sigma, p0, p1, sums) < p:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1 + 1e-10:
            break
    return math.sqrt(lo * hi)


def main():
    rng = np.random.default_rng(20261126)
    request = json.load(sys.stdin)
    out = {}
    for s in request["scenarios"]:
        terms = mixture(s["frequency"], s["mu"], s["sigma"], rng)
        out[s["id"]] = {
            f"p{round(p * 100)}": quantile(p, s["frequency"], s["mu"], s["sigma"], terms)
            for p in PERCENTILES
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
