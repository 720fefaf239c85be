"""Fixed-point arithmetic of the lowering: scales, weight quantization, rescale parameters.

A quantised tensor holds integers q with real value q · scale, one scale per
tensor or per channel (dimension 1 of activations, output channel of weights).
"""

from __future__ import annotations

import math

import numpy as np

from lic_compiler.quant.ranges import levels

# A rescale's multiplier has this many bits: m ∈ [2^14, 2^15) when no clamp
# applies, a 16-bit signed operand in hardware, and |x|·m < 2^62 for any
# accumulator of up to 47 bits (lic.rescale's limit).
MULTIPLIER_BITS = 15


def multiplier_shift(real: float) -> tuple[int, int]:
    """(m, s) with m / 2^s ≈ `real` to MULTIPLIER_BITS bits, 0 ≤ s ≤ 62, 0 ≤ m < 2^31."""
    if real <= 0.0:
        return 0, 0
    exponent = math.frexp(real)[1]  # real = f · 2^exponent, f ∈ [0.5, 1)
    shift = min(max(MULTIPLIER_BITS - exponent, 0), 62)
    m = round(real * 2.0**shift)
    if m >= 1 << MULTIPLIER_BITS and shift > 0 and m % 2 == 0:
        m, shift = m // 2, shift - 1
    if m >= 1 << 31:
        raise ValueError(f"rescale factor {real} is too large for a 31-bit multiplier")
    return int(m), int(shift)


def rescale_params(real: np.ndarray) -> tuple[list[int], list[int]]:
    """Per-channel (multipliers, shifts) for real factors (one per channel)."""
    pairs = [multiplier_shift(float(r)) for r in np.ravel(real)]
    return [m for m, _ in pairs], [s for _, s in pairs]


def quantize_weights(
    weight: np.ndarray, bits: int, axis: int, min_scale: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-channel quantization along `axis`: (int64 q, float64 scale per channel).

    scale = max|w| / (2^(b−1) − 1) per channel (1 for an all-zero channel), raised
    to `min_scale` where given; q = round(w / scale).
    """
    w = np.moveaxis(np.asarray(weight, np.float64), axis, 0)
    peak = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    scale = np.where(peak > 0, peak / levels(bits, True), 1.0)
    if min_scale is not None:
        scale = np.maximum(scale, min_scale)
    q = np.round(w / scale.reshape(-1, *([1] * (w.ndim - 1)))).astype(np.int64)
    return np.moveaxis(q, 0, axis), scale


def quantize_weights_pow2(
    weight: np.ndarray, bits: int, axis: int, min_scale: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Power-of-two quantization along `axis` (ShiftQuant): each weight 0 or ±2^k with
    0 ≤ k ≤ b − 2, so a product is a shift. Per channel scale = max|w| / 2^(b−2)
    (raised to `min_scale`); r = |w| / scale goes to 2^round(log2 r) (nearest in the
    log domain), or to 0 when r < 1/2 (nearer 0 than 1)."""
    w = np.moveaxis(np.asarray(weight, np.float64), axis, 0)
    peak = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    top = bits - 2
    scale = np.where(peak > 0, peak / float(1 << top), 1.0)
    if min_scale is not None:
        scale = np.maximum(scale, min_scale)
    r = np.abs(w) / scale.reshape(-1, *([1] * (w.ndim - 1)))
    k = np.clip(np.round(np.log2(np.maximum(r, 0.5))), 0, top).astype(np.int64)
    q = np.where(r < 0.5, 0, np.sign(w).astype(np.int64) << k)
    return np.moveaxis(q, 0, axis), scale


def activation_scale(threshold: float | np.ndarray, bits: int, signed: bool) -> float | np.ndarray:
    """The scale (per channel for an array of thresholds) that maps `threshold` to the largest b-bit level."""
    return np.maximum(threshold, 1e-12) / levels(bits, signed)


def unsigned_bits(hi: int) -> int:
    """The narrowest unsigned width holding [0, hi]."""
    return max(1, int(hi).bit_length())
