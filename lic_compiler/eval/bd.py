"""Bjøntegaard metrics between two rate-distortion curves.

BD-rate is the average rate difference of the *test* curve against the
*anchor* at equal quality, in percent (negative: the test codec needs fewer
bits); BD-PSNR is the average quality difference at equal rate, in dB.
Both integrate over the interval where the two curves overlap.

Two interpolations of each curve, in log-rate:

- ``"cubic"``: the classic VCEG-M33 method, a least-squares cubic polynomial;
- ``"pchip"``: piecewise cubic Hermite interpolation through the points
  (the variant of JCTVC-C108/the common test conditions' spreadsheets),
  which cannot overshoot between points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from numpy.polynomial import Polynomial
from scipy.interpolate import PchipInterpolator

from lic_compiler.errors import LiccError

Method = Literal["cubic", "pchip"]
METHODS: tuple[Method, ...] = ("cubic", "pchip")
MIN_POINTS = 4


def bd_rate(
    anchor_rate: Sequence[float],
    anchor_quality: Sequence[float],
    test_rate: Sequence[float],
    test_quality: Sequence[float],
    method: Method = "cubic",
) -> float:
    """BD-rate of test against anchor, in percent."""
    ra, qa = _curve(anchor_rate, anchor_quality, "anchor")
    rt, qt = _curve(test_rate, test_quality, "test")
    diff = _mean_difference(qa, np.log(ra), qt, np.log(rt), method, "quality")
    return float((np.exp(diff) - 1.0) * 100.0)


def bd_psnr(
    anchor_rate: Sequence[float],
    anchor_quality: Sequence[float],
    test_rate: Sequence[float],
    test_quality: Sequence[float],
    method: Method = "cubic",
) -> float:
    """BD-PSNR (or BD of any quality metric) of test against anchor, in the metric's unit."""
    ra, qa = _curve(anchor_rate, anchor_quality, "anchor")
    rt, qt = _curve(test_rate, test_quality, "test")
    return _mean_difference(np.log(ra), qa, np.log(rt), qt, method, "rate")


def _curve(rate: Sequence[float], quality: Sequence[float], which: str) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(rate, dtype=np.float64)
    q = np.asarray(quality, dtype=np.float64)
    if r.shape != q.shape or r.ndim != 1:
        raise LiccError(f"BD: the {which} curve's rate and quality lists differ in length")
    if len(r) < MIN_POINTS:
        raise LiccError(
            f"BD: the {which} curve has {len(r)} points; Bjøntegaard metrics need at least {MIN_POINTS}"
        )
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(q)) and np.all(r > 0)):
        raise LiccError(f"BD: the {which} curve needs finite qualities and positive finite rates")
    return r, q


def _mean_difference(
    xa: np.ndarray, ya: np.ndarray, xt: np.ndarray, yt: np.ndarray, method: Method, axis: str
) -> float:
    """Mean of (test − anchor) of y over the common x interval of both curves."""
    if method not in METHODS:
        raise LiccError(f"BD: unknown method {method!r}; choose one of {', '.join(METHODS)}")
    lo, hi = max(xa.min(), xt.min()), min(xa.max(), xt.max())
    if lo >= hi:
        raise LiccError(f"BD: the two curves' {axis} ranges do not overlap")
    test, anchor = _integral(xt, yt, method, axis), _integral(xa, ya, method, axis)
    return (test(lo, hi) - anchor(lo, hi)) / (hi - lo)


def _integral(x: np.ndarray, y: np.ndarray, method: Method, axis: str) -> Callable[[float, float], float]:
    """∫ y dx between two bounds, for y interpolated from the points by `method`."""
    if method == "cubic":
        antiderivative = Polynomial.fit(x, y, 3).integ()
        return lambda a, b: float(antiderivative(b) - antiderivative(a))
    order = np.argsort(x)
    xs, ys = x[order], y[order]
    if np.any(np.diff(xs) <= 0):
        raise LiccError(f"BD (pchip): a curve has two points with the same {axis}")
    interpolant = PchipInterpolator(xs, ys)
    return lambda a, b: float(interpolant.integrate(a, b))
