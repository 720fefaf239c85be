"""Costs of the FPGA primitives every stage is built from (AMD UltraScale+).

Sources, quoted in docs/cost-model.md: block-RAM aspect ratios from UG573 as
encoded in FINN's MVAU ``bram_estimation``; UltraRAM 4K × 72 (UG573);
distributed RAM 64 × 1 per LUT6 (UG574); DSP48E2 27 × 18 multipliers
(UG579) and two INT8 products sharing one operand per DSP (WP486),
generalised to three and four narrow products per DSP (`packing`, after
WP521's INT4 packing); LUT multipliers after FINN-R (Blott et al., 2018).
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
# and the packed cascade can accumulate up to 7 of them before the low field spills
# (`packing` derives both for any widths).
PACK_MAX_BITS = 8
PACKED_CHAIN = 7
# DSP48E2 (UG579): the pre-adder's output (A:D) and B are the multiplier's 27 × 18
# signed operands; P accumulates 48 bits.
PORT_AD, PORT_B, PORT_P = 27, 18, 48
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


@dataclass(frozen=True)
class Packing:
    """`weights` × `activations` products computed by one DSP48E2 multiply.

    The packed weight operand is Σ_i w_i·2^(i·activations·S) and the packed
    activation operand Σ_j x_j·2^(j·S), so product (i, j) lands in the field at
    bit (i·activations + j)·S of P. A cascade of `chain` packed products sums
    in P with every field exact (signed, S bits; the top field the rest of P);
    extraction takes the fields from the bottom, each sign-extended and
    subtracted before the shift (the borrow a negative field leaves above it).
    `weight_port` says which multiplier port (27 or 18 bits) the packed weights
    take; the activations take the other.
    """

    weights: int
    activations: int
    spacing: int
    chain: int
    weight_port: int

    @property
    def products(self) -> int:
        return self.weights * self.activations

    @property
    def activation_port(self) -> int:
        return PORT_B if self.weight_port == PORT_AD else PORT_AD


def _signed_range(bits: int) -> tuple[int, int]:
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def packed_range(bits: int, count: int, spacing: int) -> tuple[int, int]:
    """Values of Σ_i x_i·2^(i·spacing) over `count` signed `bits`-bit x_i."""
    lo, hi = _signed_range(bits)
    scale = sum(1 << (i * spacing) for i in range(count))
    return lo * scale, hi * scale


def _fits(bounds: tuple[int, int], port: int) -> bool:
    lo, hi = _signed_range(port)
    return lo <= bounds[0] and bounds[1] <= hi


def _chain(w_bits: int, a_bits: int, spacing: int, fields: int) -> int:
    """Packed products a cascade can sum with each S-bit field (and the top one) exact."""
    lo_w, hi_w = _signed_range(w_bits)
    lo_a, hi_a = _signed_range(a_bits)
    corners = [x * y for x in (lo_w, hi_w) for y in (lo_a, hi_a)]
    p_lo, p_hi = min(corners), max(corners)
    f_lo, f_hi = _signed_range(spacing)
    t_lo, t_hi = _signed_range(PORT_P - (fields - 1) * spacing)
    return min(f_hi // p_hi, f_lo // p_lo, t_hi // p_hi, t_lo // p_lo) if fields > 1 else min(t_hi // p_hi, t_lo // p_lo)


# Shapes tried, most products first: 2×2 (two PEs × two pixels), three PEs sharing
# an activation, then pairs sharing the activation (WP486) or the weight.
PACK_SHAPES = ((2, 2), (3, 1), (2, 1), (1, 2))


@lru_cache(maxsize=4096)
def packing(w_bits: int, a_bits: int, weights: int, activations: int) -> Packing | None:
    """The packing of `weights` × `activations` signed products of these widths into one
    DSP48E2 with the longest exact cascade (field spacing and port assignment
    searched), or None when no cascade of even one product is exact."""
    best = None
    fields = weights * activations
    for port in (PORT_AD, PORT_B):
        other = PORT_B if port == PORT_AD else PORT_AD
        for s in range(max(w_bits, a_bits), PORT_P):
            if not (_fits(packed_range(w_bits, weights, activations * s), port)
                    and _fits(packed_range(a_bits, activations, s), other)):
                continue
            chain = _chain(w_bits, a_bits, s, fields)
            if chain >= 1 and (best is None or chain > best.chain):
                best = Packing(weights, activations, s, chain, port)
    return best


def signed_bits(bits: int, signed: bool) -> int:
    """Bits of the signed operand an integer takes in a DSP port (unsigned: one more)."""
    return bits if signed else bits + 1


def best_packing(w_bits: int, a_bits: int, pe: int, mmv: int) -> Packing | None:
    """The packing with the fewest DSPs for `pe` output lanes × `mmv` pixels: a 2×2 or
    3×1 shape when it divides them, else pairs (WP486: any lanes pair up, an odd one
    alone), or None when no product pair packs."""
    for gw, ga in PACK_SHAPES[:2]:
        if pe % gw == 0 and mmv % ga == 0 and (p := packing(w_bits, a_bits, gw, ga)) is not None:
            return p
    return pair_packing(w_bits, a_bits)


def pair_packing(w_bits: int, a_bits: int) -> Packing | None:
    """Two products sharing an operand in one DSP, whichever operand is shared: the
    shorter of the two cascades (either pairing may be used)."""
    pairs = [packing(w_bits, a_bits, 2, 1), packing(w_bits, a_bits, 1, 2)]
    if None in pairs:
        return None
    return min(pairs, key=lambda p: p.chain)  # type: ignore[union-attr]


def packed_dsps(p: Packing | None, pe: int, mmv: int, simd: int, dsp_per_product: int = 1) -> int:
    """DSPs of PE × MMV lanes × SIMD products packed as `p` (None: one product each)."""
    lanes = pe * mmv
    if p is None:
        return lanes * simd * dsp_per_product
    if p.products == 2:
        return ceil(lanes / 2) * simd
    return lanes // p.products * simd


def explicit_packing(w_bits: int, a_bits: int, pe: int, mmv: int) -> Packing | None:
    """The packing an MVAU in DSPs computes explicitly (``mult_pack``): one of more
    than two products per DSP, else None (pairs stay one product per multiply, for
    the tools to pack)."""
    p = best_packing(w_bits, a_bits, pe, mmv)
    return p if p is not None and p.products > 2 else None


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


def shift_mult_luts(a_bits: int, shifts: int) -> int:
    """LUTs of one product of an a-bit activation and a power-of-two weight (0 or ±2^k,
    k < `shifts`): a barrel shift, whose a + shifts − 1 output bits each pick one of
    shifts + 1 inputs (zero included) through LUT6 4:1 multiplexers chained (one
    LUT6 per 3 more inputs); the sign goes to the adder tree as add or subtract."""
    return (a_bits + shifts - 1) * ceil(shifts / 3)


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
