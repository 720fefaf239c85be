"""Statistical fault injection: sample sizes, margins and confidence intervals.

Leveugle, Calvez, Maistri and Vanhauwaert, "Statistical fault injection:
quantified error and confidence", DATE 2009: drawing n faults at random from a
population of N possible ones estimates a proportion p within a margin e at
the confidence whose normal quantile is t when

    n = N / (1 + e² (N − 1) / (t² p (1 − p))),

with p = 0.5 when nothing is known (the largest n). The interval on a
measured proportion k/n is Wilson's score interval, which stays inside
[0, 1] and is sound for the rare events a campaign counts.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def quantile(confidence: float) -> float:
    """t: the two-sided normal quantile of `confidence` (0.95 → 1.96)."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def sample_size(population: int, margin: float, confidence: float, p: float = 0.5) -> int:
    """Leveugle's n for a population of `population` faults (rounded up)."""
    t = quantile(confidence)
    n = population / (1 + margin**2 * (population - 1) / (t**2 * p * (1 - p)))
    return math.ceil(n - 1e-9)


def margin(n: int, population: int, confidence: float, p: float = 0.5) -> float:
    """The error margin e that `n` injections give (Leveugle's formula solved for e)."""
    if n >= population:
        return 0.0
    t = quantile(confidence)
    return t * math.sqrt(p * (1 - p) * (population - n) / (n * (population - 1)))


def wilson(k: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson's score interval for k successes in n trials."""
    if n == 0:
        return 0.0, 1.0
    t = quantile(confidence)
    phat = k / n
    centre = (phat + t * t / (2 * n)) / (1 + t * t / n)
    half = t / (1 + t * t / n) * math.sqrt(phat * (1 - phat) / n + t * t / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)
