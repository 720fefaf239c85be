"""Costs of the FPGA primitives every stage is built from (AMD UltraScale+).

Sources, quoted in docs/cost-model.md: block-RAM aspect ratios from UG573 as
encoded in FINN's MVAU ``bram_estimation``; UltraRAM 4K × 72 (UG573);
distributed RAM 64 × 1 per LUT6 (UG574); DSP48E2 27 × 18 multipliers
(UG579) and two INT8 products sharing one operand per DSP (WP486); LUT
multipliers after FINN-R (Blott et al., 2018).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import ceil

# A memory this shallow wastes most of a block RAM; it goes to LUTs.
LUTRAM_MAX_DEPTH = 64
# Both operands this narrow: a LUT multiplier is cheaper than a DSP.
LUT_MULT_MAX_BITS = 4
# WP486: two ≤ 8-bit products sharing the activation operand fit one DSP48E2,
# and the packed cascade can accumulate up to 7 of them before the low field spills.
PACK_MAX_BITS = 8
PACKED_CHAIN = 7
# UG579: a DSP column has 24 slices per clock region, so longer cascades restart.
DSP_CHAIN = 24


@dataclass(frozen=True)
class Memory:
    """On-chip storage of one memory (or a sum of them) in each primitive."""

    bram18: int = 0
    uram: int = 0
    lut: int = 0


def bram18(depth: int, width: int) -> int:
    """RAMB18s for a simple-dual-port memory of `depth` words of `width` bits."""
    if depth <= 0 or width <= 0:
        return 0
    if width == 1:
        return ceil(depth / 16384)
    if width == 2:
        return ceil(depth / 8192)
    if width <= 4:
        return ceil(depth / 4096) * ceil(width / 4)
    if width <= 9:
        return ceil(depth / 2048) * ceil(width / 9)
    if width <= 18 or depth > 512:
        return ceil(depth / 1024) * ceil(width / 18)
    return ceil(depth / 512) * ceil(width / 36)


def uram288(depth: int, width: int) -> int:
    """URAM288s (4096 × 72) for a memory of `depth` × `width` bits."""
    if depth <= 0 or width <= 0:
        return 0
    return ceil(depth / 4096) * ceil(width / 72)


def lutram(depth: int, width: int) -> int:
    """LUTs of a distributed RAM/ROM: one LUT6 holds 64 × 1 bit."""
    if depth <= 0 or width <= 0:
        return 0
    return width * ceil(depth / 64)


@lru_cache(maxsize=65536)  # thousands of options ask for the same few memories
def memory(depth: int, width: int, style: str) -> Memory:
    """A memory in the given style: ``bram``, ``uram`` or ``lutram``."""
    match style:
        case "bram":
            return Memory(bram18=bram18(depth, width))
        case "uram":
            return Memory(uram=uram288(depth, width))
        case "lutram":
            return Memory(lut=lutram(depth, width))
    raise ValueError(style)


@lru_cache(maxsize=65536)  # thousands of options ask for the same few memories
def buffer(depth: int, width: int, style: str = "bram") -> Memory:
    """A data buffer (line buffer, FIFO): LUTRAM when shallow, else block RAM, or
    UltraRAM when the stage keeps its storage there (a buffer needs no initial content)."""
    if depth <= LUTRAM_MAX_DEPTH:
        return memory(depth, width, "lutram")
    return memory(depth, width, "uram" if style == "uram" else "bram")


def mult_mapping(a_bits: int, b_bits: int) -> str:
    """Where an a × b multiply goes: ``lut``, ``dsp-packed`` (two per DSP) or ``dsp``."""
    if max(a_bits, b_bits) <= LUT_MULT_MAX_BITS:
        return "lut"
    if max(a_bits, b_bits) <= PACK_MAX_BITS:
        return "dsp-packed"
    return "dsp"


def dsp_per_mult(a_bits: int, b_bits: int) -> int:
    """DSP48E2s of one unpacked multiply (27 × 18 signed per slice)."""
    lo, hi = sorted((a_bits, b_bits))
    if lo <= 18 and hi <= 27:
        return 1
    return ceil(hi / 27) * ceil(lo / 18)


def lut_mult(a_bits: int, b_bits: int) -> int:
    """LUTs of one a × b multiplier in fabric (FINN-R's fitted formula)."""
    s = a_bits + b_bits
    return (2 * ceil(s / 6) - 1) * s


def array_dsps(pe: int, simd: int, w_bits: int, a_bits: int) -> int:
    """DSPs of a PE × SIMD multiplier array; packing pairs PEs sharing an activation."""
    match mult_mapping(w_bits, a_bits):
        case "lut":
            return 0
        case "dsp-packed":
            return ceil(pe / 2) * simd
    return pe * simd * dsp_per_mult(w_bits, a_bits)


def array_luts(pe: int, simd: int, w_bits: int, a_bits: int, acc_bits: int) -> int:
    """LUTs of a PE × SIMD array's multipliers, reduction and accumulators.

    In fabric (narrow operands) the multipliers and a binary adder tree are
    LUTs (FINN-R). In DSPs the products add up along the cascade, and only
    the partial sums of cascades cut short (packing, column height) are
    added in fabric.
    """
    mapping = mult_mapping(w_bits, a_bits)
    if mapping == "lut":
        per_pe = simd * lut_mult(w_bits, a_bits) + (w_bits + a_bits) * (2 * simd - 1)
    else:
        chain = PACKED_CHAIN if mapping == "dsp-packed" else DSP_CHAIN
        per_pe = (ceil(simd / chain) - 1) * acc_bits
    return ceil(1.1 * pe * (per_pe + acc_bits))
