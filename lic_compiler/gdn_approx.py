"""GDN's root and reciprocal approximations: their exact numeric definition and hardware cost.

The one definition that the interpreter (`lic.rsqrt`, `lic.sqrt`,
`lic.reciprocal`), `lic-rewrite-gdn`, the integer lowering, the cost model
and the C++ emitter share. Every approximate mode is a fixed-point algorithm
written with float64 operations that are all exact, so an integer
implementation reproduces it bit for bit.

**Normalisation.** A finite ``x > 0`` is ``x = f · 2^E`` with ``f ∈ [1, 2)``
(for an integer: ``E`` is the leading one's position, ``f`` the bits below it).
``f`` is truncated to `FRAC_BITS` = 16 fractional bits: ``f_t = ⌊f·2^16⌋ / 2^16``.

- rsqrt, sqrt: ``x = m · 4^e`` with ``m = f·2^p ∈ [1, 4)``, ``p = E mod 2``,
  ``e = (E − p) / 2``; ``rsqrt(x) = rsqrt(m) · 2^−e``, ``sqrt(x) = sqrt(m) · 2^e``.
- reciprocal: ``m = f ∈ [1, 2)``, ``e = E``; ``1/x = (1/m) · 2^−e``.

The approximation works on ``m_t`` (``m`` with ``f`` truncated) and is exact
under scaling by powers of 4 (root functions) or of 2 (reciprocal): an
integer implementation whose argument's scale is such a power reproduces it.

**Bins.** With ``k`` index bits the mantissa range is split into ``2^k``
bins: for the root functions the index is ``p`` followed by the top ``k−1``
fractional bits of ``f`` (``2^(k−1)`` bins on [1, 2) and on [2, 4)); for the
reciprocal it is the top ``k`` fractional bits of ``f``.

**Fixed point.** Table entries, coefficients and every intermediate value
have `FRAC_BITS` fractional bits; ``rnd(v) = ⌊v · 2^16 + ½⌋ / 2^16``
(round half up).

**Modes** (``g`` is the function on the mantissa):

- ``exact``: ``g(x)`` in the element type (PyTorch's kernel, within 2 ulp).
- ``table`` (``table_bits = k``): ``T[i] = rnd(2·g(lo)·g(hi) / (g(lo) + g(hi)))``
  on bin ``i = [lo, hi)`` (the constant of least maximum relative error);
  the result is ``T[index] · 2^(∓e)``.
- ``pwl`` (``segments = s = 2^k``): on bin ``[lo, hi)`` the line halfway
  between the chord and the parallel tangent (least maximum error),
  ``A = rnd(its value at lo)``, ``B = rnd(its slope)``; the result is
  ``rnd(A + B · (m_t − lo)) · 2^(∓e)``.
- ``newton`` (``table_bits = k``, ``newton_steps = n``): the seed is the
  ``table`` mode's entry (of rsqrt for rsqrt and sqrt, of 1/m for the
  reciprocal), then ``n`` Newton–Raphson steps:
  rsqrt ``u = rnd(y·y)``, ``v = rnd(m_t·u)``, ``y = rnd(y·(3 − v)/2)``;
  reciprocal ``v = rnd(m_t·y)``, ``y = rnd(y·(2 − v))``;
  sqrt is ``rnd(m_t · y)`` of the rsqrt iteration. The result is ``y · 2^(∓e)``.

Zero, negative, infinite and NaN arguments (which GDN cannot produce:
β > 0, γ ≥ 0) follow IEEE arithmetic: the exact function's value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from lic_compiler.dialects.lic import APPROX_FUNCTIONS, APPROX_MODES, approx_problem
from lic_compiler.errors import LiccError

FRAC_BITS = 16
# An entry or intercept in (0, 2) needs FRAC_BITS + 1 unsigned bits; a slope
# (|b| ≤ 1) FRAC_BITS + 2 signed bits.
ENTRY_WIDTH = FRAC_BITS + 1
SLOPE_WIDTH = FRAC_BITS + 2
_SCALE = float(1 << FRAC_BITS)

__all__ = [
    "APPROX_FUNCTIONS",
    "APPROX_MODES",
    "ENTRY_WIDTH",
    "FRAC_BITS",
    "SLOPE_WIDTH",
    "Approx",
    "HardwareCost",
]


def _rnd(v: np.ndarray) -> np.ndarray:
    return np.floor(v * _SCALE + 0.5) / _SCALE


def _g(function: str, m: np.ndarray) -> np.ndarray:
    if function == "rsqrt":
        return 1.0 / np.sqrt(m)
    if function == "sqrt":
        return np.sqrt(m)
    return 1.0 / m


def _tangent_point(function: str, slope: np.ndarray) -> np.ndarray:
    """Where g' equals `slope` (the inverse of g' for each function)."""
    if function == "rsqrt":  # g' = −m^(−3/2) / 2
        return (-2.0 * slope) ** (-2.0 / 3.0)
    if function == "sqrt":  # g' = m^(−1/2) / 2
        return (2.0 * slope) ** -2.0
    return (-slope) ** -0.5  # g' = −m^(−2)


def _is_root(function: str) -> bool:
    return function != "reciprocal"


@dataclass(frozen=True)
class Approx:
    """One function (rsqrt, sqrt, reciprocal) in one mode with its parameters."""

    function: str
    mode: str = "exact"
    table_bits: int | None = None
    segments: int | None = None
    newton_steps: int | None = None

    def __post_init__(self) -> None:
        if self.function not in APPROX_FUNCTIONS:
            raise LiccError(
                f"unknown function {self.function!r}; one of {', '.join(APPROX_FUNCTIONS)}"
            )
        problem = approx_problem(self.mode, self.table_bits, self.segments, self.newton_steps)
        if problem:
            raise LiccError(problem)

    @classmethod
    def of(cls, op: Any) -> Approx:
        """The approximation an `lic.rsqrt` / `lic.sqrt` / `lic.reciprocal` op computes."""
        return cls(op.name.removeprefix("lic."), **op.approx_params())

    def params(self) -> dict[str, Any]:
        """The mode and its parameters, as the op's properties name them."""
        names = ("mode", "table_bits", "segments", "newton_steps")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def describe(self) -> str:
        """``rsqrt pwl(segments=32)``."""
        args = ", ".join(f"{k}={v}" for k, v in self.params().items() if k != "mode")
        return f"{self.function} {self.mode}" + (f"({args})" if args else "")

    @property
    def index_bits(self) -> int:
        """k: the bins' index width (table or seed bits; log2 of the segments)."""
        if self.mode == "pwl":
            assert self.segments is not None
            return self.segments.bit_length() - 1
        assert self.table_bits is not None
        return self.table_bits

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The function of `x` (float32 or float64 array) in this mode, same dtype."""
        x = np.asarray(x)
        if self.mode == "exact":
            return _exact(self.function, x)
        # frexp is exact in float32 too: no float64 copy of a float32 argument.
        work = x if x.dtype == np.float32 else x.astype(np.float64)
        regular = np.isfinite(work) & (work > 0)
        everywhere = bool(regular.all())
        f, exponent = np.frexp(work if everywhere else np.where(regular, work, 1.0))
        exponent = exponent - 1  # x = 2f · 2^exponent, 2f ∈ [1, 2)
        # f_t = 1 + step / _SCALE: the truncated mantissa's FRAC_BITS fraction bits.
        step = (f * (2.0 * _SCALE)).astype(np.int64) - (1 << FRAC_BITS)
        if _is_root(self.function):  # m_t = f_t · 2^p, p = exponent mod 2 (a row of the table)
            step += (exponent & 1).astype(np.int64) << FRAC_BITS
            shift = exponent >> 1
            shift = shift if self.function == "sqrt" else -shift
        else:
            shift = -exponent
        y = np.asarray(np.ldexp(np.take(_mantissa_values(self).ravel(), step), shift))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if not everywhere:  # zero, negative, inf, nan: g's own IEEE value
                y[~regular] = _g(self.function, work[~regular].astype(np.float64))
            return y.astype(x.dtype)  # may overflow to inf

    def table(self) -> np.ndarray:
        """The table (or Newton seed) entries: int64, FRAC_BITS fractional bits, by bin index."""
        seed_function = "rsqrt" if self.function == "sqrt" and self.mode == "newton" else self.function
        return _table(seed_function, self.index_bits)

    def pwl_coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """Per segment: intercepts A at the segment's start and slopes B (int64, FRAC_BITS)."""
        return _pwl(self.function, self.index_bits)

    def max_relative_error(self) -> float:
        """The supremum of |approx(x)/g(x) − 1| over all positive x (normal results).

        Exact, by enumeration: the result depends only on m_t, so the worst
        case over each truncation interval is at one of its ends.
        """
        if self.mode == "exact":
            return 2.0**-22  # 2 ulp of float32
        return _max_relative_error(self)

    def cost(self, input_bits: int = 32) -> HardwareCost:
        """Hardware cost of one lane (one result per cycle) for a `input_bits`-wide argument."""
        return hardware_cost(self, input_bits)


def _exact(function: str, x: np.ndarray) -> np.ndarray:
    import torch

    t = torch.from_numpy(np.array(x, order="C"))
    out = {"rsqrt": torch.rsqrt, "sqrt": torch.sqrt, "reciprocal": torch.reciprocal}[function](t)
    return out.numpy()


def _bins(function: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The mantissa bins [lo, hi) in index order."""
    if _is_root(function):
        half = 1 << (k - 1)
        j = np.arange(half, dtype=np.float64)
        lo1, hi1 = 1.0 + j / half, 1.0 + (j + 1) / half
        return np.concatenate([lo1, 2 * lo1]), np.concatenate([hi1, 2 * hi1])
    j = np.arange(1 << k, dtype=np.float64)
    return 1.0 + j / (1 << k), 1.0 + (j + 1) / (1 << k)


def _index(function: str, k: int, f_t: np.ndarray, p: np.ndarray) -> np.ndarray:
    if _is_root(function):
        half = 1 << (k - 1)
        return p.astype(np.int64) * half + np.floor((f_t - 1.0) * half).astype(np.int64)
    return np.floor((f_t - 1.0) * (1 << k)).astype(np.int64)


def _to_int(v: np.ndarray) -> np.ndarray:
    return np.floor(v * _SCALE + 0.5).astype(np.int64)


@cache
def _table(function: str, k: int) -> np.ndarray:
    lo, hi = _bins(function, k)
    g_lo, g_hi = _g(function, lo), _g(function, hi)
    table = _to_int(2.0 * g_lo * g_hi / (g_lo + g_hi))
    table.flags.writeable = False
    return table


@cache
def _pwl(function: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = _bins(function, k)
    g_lo = _g(function, lo)
    slope = (_g(function, hi) - g_lo) / (hi - lo)
    t = _tangent_point(function, slope)
    # Halfway between the chord and the tangent parallel to it, evaluated at lo.
    intercept = 0.5 * (g_lo + _g(function, t) + slope * (lo - t))
    a, b = _to_int(intercept), _to_int(slope)
    a.flags.writeable = b.flags.writeable = False
    return a, b


def _mantissa_value(approx: Approx, f_t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The approximation of g(m_t), m_t = f_t · 2^p, as an exact float64 fixed-point value."""
    m_t = f_t * np.exp2(p)
    k = approx.index_bits
    if approx.mode == "table":
        return approx.table()[_index(approx.function, k, f_t, p)] / _SCALE
    if approx.mode == "pwl":
        a, b = approx.pwl_coefficients()
        i = _index(approx.function, k, f_t, p)
        lo = _bins(approx.function, k)[0][i]
        return _rnd(a[i] / _SCALE + (b[i] / _SCALE) * (m_t - lo))
    y = approx.table()[_index(approx.function, k, f_t, p)] / _SCALE
    assert approx.newton_steps is not None
    for _ in range(approx.newton_steps):
        if approx.function == "reciprocal":
            y = _rnd(y * (2.0 - _rnd(m_t * y)))
        else:
            y = _rnd(y * (3.0 - _rnd(m_t * _rnd(y * y))) / 2.0)
    return _rnd(m_t * y) if approx.function == "sqrt" else y


@cache
def _mantissa_values(approx: Approx) -> np.ndarray:
    """`_mantissa_value` at every f_t (columns: its FRAC_BITS fraction bits) for each
    parity p (rows): the result depends on nothing else, so calls look it up."""
    f_t = 1.0 + np.arange(1 << FRAC_BITS, dtype=np.float64) / _SCALE
    parities = (0, 1) if _is_root(approx.function) else (0,)
    values = np.stack([_mantissa_value(approx, f_t, np.full_like(f_t, p)) for p in parities])
    values.flags.writeable = False
    return values


@cache
def _max_relative_error(approx: Approx) -> float:
    steps = np.arange(1 << FRAC_BITS, dtype=np.float64)
    f_t = 1.0 + steps / _SCALE
    parities = (0, 1) if _is_root(approx.function) else (0,)
    worst = 0.0
    for p in parities:
        pp = np.full_like(f_t, p)
        y = _mantissa_value(approx, f_t, pp)
        for end in (f_t, f_t + 1.0 / _SCALE):
            exact = _g(approx.function, end * 2.0**p)
            worst = max(worst, float(np.max(np.abs(y / exact - 1.0))))
    return worst


# --- hardware cost ------------------------------------------------------------

# Structural model of one pipelined lane on a UltraScale+ fabric (II = 1):
# - normalise: leading-one detector (≈ 1 LUT per argument bit) and a barrel
#   shifter delivering the ENTRY_WIDTH-bit mantissa (4:1 mux per LUT6, so
#   ⌈log2 w⌉/2 LUT levels per output bit); 2 cycles.
# - denormalise: the same shifter on the result; 1 cycle.
# - tables: ≤ 64 entries in LUTRAM (one LUT6 per 64 × 1 bits, 1-cycle read),
#   larger ones in BRAM18 (1024 × 18 per block, 2-cycle registered read).
# - multipliers: ≤ 18 × 27 bits fit one DSP48E2 (3 cycles with its A/B, M, P
#   registers); the rounding constant and pwl's addition use its post-adder.
# - Newton: one LUT per bit for each subtraction (3 − v, 2 − v), 1 cycle.
# `exact` has no fixed-point definition: it is costed as a unit of float32
# accuracy, an 8-bit seed and two Newton steps on a 24-bit datapath (two
# DSP48E2 per 24 × 24 product, one more cycle each).
_NORMALISE_CYCLES, _DENORMALISE_CYCLES, _MULTIPLY_CYCLES, _SUBTRACT_CYCLES = 2, 1, 3, 1
_LUTRAM_ENTRIES, _BRAM18_DEPTH, _BRAM18_WIDTH = 64, 1024, 18


@dataclass(frozen=True)
class HardwareCost:
    """One lane of a root/reciprocal unit: memory, DSPs, LUTs and pipeline latency."""

    memory_bits: int  # table or coefficient ROM
    bram18: int  # ROM blocks (0 when the ROM sits in LUTRAM)
    multipliers: int  # fixed-point multiplies per result
    dsp: int
    luts: int  # normaliser, shifters, subtractors, LUTRAM
    latency_cycles: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _rom(entries: int, width: int) -> tuple[int, int, int]:
    """(memory bits, BRAM18 blocks, LUTs) of a ROM of `entries` × `width` bits."""
    bits = entries * width
    if entries <= _LUTRAM_ENTRIES:
        return bits, 0, width
    blocks = math.ceil(entries / _BRAM18_DEPTH) * math.ceil(width / _BRAM18_WIDTH)
    return bits, blocks, 0


def hardware_cost(approx: Approx, input_bits: int = 32) -> HardwareCost:
    """The cost formulas above, for one lane and an `input_bits`-wide argument."""
    if input_bits < 2:
        raise LiccError(f"a root/reciprocal unit needs an argument of 2 bits or more, got {input_bits}")
    levels = math.ceil(math.ceil(math.log2(input_bits)) / 2)
    shifters = 2 * ENTRY_WIDTH * levels
    logic = input_bits + shifters
    if approx.mode == "exact":
        unit = Approx(approx.function, "newton", table_bits=8, newton_steps=2).cost(input_bits)
        wide = unit.multipliers  # each 24 × 24 product: two DSPs, one more cycle
        return HardwareCost(
            unit.memory_bits, unit.bram18, wide, 2 * wide, unit.luts, unit.latency_cycles + wide
        )
    k = approx.index_bits
    if approx.mode == "pwl":
        bits, blocks, rom_luts = _rom(1 << k, ENTRY_WIDTH + SLOPE_WIDTH)
        read = 1 if blocks == 0 else 2
        latency = _NORMALISE_CYCLES + read + _MULTIPLY_CYCLES + _DENORMALISE_CYCLES
        return HardwareCost(bits, blocks, 1, 1, logic + rom_luts, latency)
    bits, blocks, rom_luts = _rom(1 << k, ENTRY_WIDTH)
    read = 1 if blocks == 0 else 2
    if approx.mode == "table":
        latency = _NORMALISE_CYCLES + read + _DENORMALISE_CYCLES
        return HardwareCost(bits, blocks, 0, 0, logic + rom_luts, latency)
    n = approx.newton_steps or 0
    reciprocal = approx.function == "reciprocal"
    per_step = 2 if reciprocal else 3
    multipliers = n * per_step + (approx.function == "sqrt")
    step_cycles = per_step * _MULTIPLY_CYCLES + _SUBTRACT_CYCLES
    latency = (
        _NORMALISE_CYCLES + read + n * step_cycles
        + (approx.function == "sqrt") * _MULTIPLY_CYCLES + _DENORMALISE_CYCLES
    )  # fmt: skip
    luts = logic + rom_luts + n * (ENTRY_WIDTH + 1)
    return HardwareCost(bits, blocks, multipliers, multipliers, luts, latency)
