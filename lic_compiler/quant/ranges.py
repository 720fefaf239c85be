"""Value statistics of one tensor over calibration images.

Exact minimum and maximum; the percentile and the MSE-optimal clipping
thresholds come from a sample of |x| (every k-th element, at most
`SAMPLE_PER_TENSOR` over all images, shared equally), which keeps
calibration's memory and the sort in `summary` flat however many images
there are.

The MSE-optimal threshold T for b bits minimises the expected squared error
of a uniform quantiser with step Δ = T / L (L = 2^(b−1) − 1 levels each side
when signed, 2^b − 1 when the tensor is non-negative): rounding noise
Δ²/12 for every |x| ≤ T plus (|x| − T)² for every clipped |x|.

For NCHW tensors each channel's peak |x| is kept too (``channel_peak``):
`lic-quantize{scales=channel}` gives each channel of an activation its own scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SAMPLE_PER_TENSOR = 1 << 19
PERCENTILE = 99.99
CLIP_BITS = tuple(range(2, 17))
# Candidate thresholds: this many, spaced geometrically from max/2^12 to max.
_CANDIDATES = 400


@dataclass
class TensorStats:
    """Running statistics of one tensor; `add` each image's values, then `summary`."""

    images: int = 1  # how many times `add` will be called: each call samples its share
    min: float = np.inf
    max: float = -np.inf
    samples: list[np.ndarray] = field(default_factory=list)
    channel_peak: np.ndarray | None = None

    def add(self, values: np.ndarray) -> None:
        # Extremes in the values' own float type (exact), float64 only for the sample.
        array = np.asarray(values)
        if not np.issubdtype(array.dtype, np.floating):
            array = array.astype(np.float64)
        flat = array.ravel()
        if array.ndim == 4:  # per-channel extremes give the tensor's and the channel peaks
            lo, hi = array.min(axis=(0, 2, 3)), array.max(axis=(0, 2, 3))
            peak = np.maximum(np.abs(lo), np.abs(hi)).astype(np.float64)
            self.channel_peak = peak if self.channel_peak is None else np.maximum(self.channel_peak, peak)
        else:
            lo, hi = flat, flat
        self.min = min(self.min, float(lo.min()))
        self.max = max(self.max, float(hi.max()))
        step = max(1, flat.size * self.images // SAMPLE_PER_TENSOR)
        self.samples.append(np.abs(flat[::step].astype(np.float64)))

    def summary(self) -> dict[str, float | dict[str, float] | list[float]]:
        """``{min, max, p9999, mse_clip: {"b8": T, …}[, channel_peak: […]]}`` (plain floats)."""
        magnitudes = np.sort(np.concatenate(self.samples))
        peak = max(abs(self.min), abs(self.max))
        signed = self.min < 0
        errors = ClipErrors(magnitudes, peak)
        out: dict[str, float | dict[str, float] | list[float]] = {
            "min": self.min,
            "max": self.max,
            "p9999": float(np.percentile(magnitudes, PERCENTILE)),
            "mse_clip": {f"b{b}": errors.best(b, signed) for b in CLIP_BITS},
        }
        if self.channel_peak is not None:
            out["channel_peak"] = [float(v) for v in self.channel_peak]
        return out


def levels(bits: int, signed: bool) -> int:
    """Quantisation levels on each side of zero: 2^(b−1) − 1 signed, 2^b − 1 unsigned."""
    return (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1


def mse_clip(sorted_magnitudes: np.ndarray, peak: float, bits: int, signed: bool) -> float:
    """The threshold minimising the quantisation + clipping MSE (see the module docstring)."""
    return ClipErrors(sorted_magnitudes, peak).best(bits, signed)


class ClipErrors:
    """The clipping error of every candidate threshold, computed once for all bit widths."""

    def __init__(self, sorted_magnitudes: np.ndarray, peak: float) -> None:
        self.peak = peak
        n = sorted_magnitudes.size
        if peak <= 0.0 or n == 0:
            return
        self.candidates = peak * np.geomspace(2.0**-12, 1.0, _CANDIDATES)
        suffix_sum = np.concatenate([np.cumsum(sorted_magnitudes[::-1])[::-1], [0.0]])
        suffix_sq = np.concatenate([np.cumsum((sorted_magnitudes**2)[::-1])[::-1], [0.0]])
        self.kept = np.searchsorted(sorted_magnitudes, self.candidates, side="right")
        t, k = self.candidates, self.kept
        # Σ (|x| − T)² over the clipped = Σx² − 2TΣx + (n − kept)T²
        self.clip_error = suffix_sq[k] - 2 * t * suffix_sum[k] + (n - k) * t**2

    def best(self, bits: int, signed: bool) -> float:
        if not hasattr(self, "candidates"):
            return self.peak
        step = self.candidates / max(levels(bits, signed), 1)
        error = self.clip_error + self.kept * step**2 / 12.0
        return float(self.candidates[int(np.argmin(error))])
