"""The DSP48E2 packing rules (`primitives.packing`) are exact: the packed multiply-accumulate,
computed as the DSP does it (27-bit and 18-bit two's complement ports, a 48-bit P) and
extracted field by field as `packed_mac` does, gives every product sum for every operand
value (exhaustively where that is at most 2^20 cases, else every extreme and a random
2^16), over a cascade of the rule's length at the operands' extremes, and a cascade one
longer is not exact. Also the costs the rules imply."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lic_compiler.hw import primitives as hwp
from lic_compiler.hw.stages import array_cost

WIDTHS = [(w, a) for w in range(2, 9) for a in range(2, 10)]
RULES = [(w, a, s) for w, a in WIDTHS for s in hwp.PACK_SHAPES if hwp.packing(w, a, *s) is not None]


def wrap(x: np.ndarray, bits: int) -> np.ndarray:
    """`x` as a `bits`-bit two's complement register holds it."""
    m = np.int64(1) << bits
    return (x + (m >> 1)) % m - (m >> 1)


def packed_mac(p: hwp.Packing, ws: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Fields of Σ_steps (packed weights × packed activations) extracted like `packed_mac`:
    ws[step, i, case], xs[step, j, case] → sums[i, j, case]."""
    total = np.zeros(ws.shape[2], np.int64)
    for w, x in zip(ws, xs):
        wp = wrap(sum(w[i] << (i * p.activations * p.spacing) for i in range(p.weights)), p.weight_port)
        xp = wrap(sum(x[j] << (j * p.spacing) for j in range(p.activations)), p.activation_port)
        total = wrap(total + wp * xp, hwp.PORT_P)
    fields, low = [], (np.int64(1) << p.spacing) - 1
    for f in range(p.products):
        field = total if f == p.products - 1 else wrap(total & low, p.spacing)
        fields.append(field)
        total = (total - field) >> p.spacing
    return np.stack(fields).reshape(p.weights, p.activations, -1)


def exact(p: hwp.Packing, ws: np.ndarray, xs: np.ndarray) -> bool:
    want = np.einsum("sic,sjc->ijc", ws, xs)
    return np.array_equal(packed_mac(p, ws, xs), want)


def operands(p: hwp.Packing, w_bits: int, a_bits: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Every (weights, activations) value of one packed step, or its extremes and random ones."""
    lo_w, hi_w, lo_a, hi_a = -(1 << (w_bits - 1)), (1 << (w_bits - 1)) - 1, -(1 << (a_bits - 1)), (1 << (a_bits - 1)) - 1
    n = p.weights + p.activations
    if ((1 << w_bits) ** p.weights) * ((1 << a_bits) ** p.activations) <= 1 << 20:
        grids = [np.arange(lo_w, hi_w + 1)] * p.weights + [np.arange(lo_a, hi_a + 1)] * p.activations
        cases = np.stack(np.meshgrid(*grids, indexing="ij")).reshape(n, -1)
    else:
        edges = [(lo_w, -1, 0, 1, hi_w)] * p.weights + [(lo_a, -1, 0, 1, hi_a)] * p.activations
        corner = np.array(list(itertools.product(*edges))).T
        rand = np.concatenate([rng.integers(lo_w, hi_w + 1, (p.weights, 1 << 16)), rng.integers(lo_a, hi_a + 1, (p.activations, 1 << 16))])
        cases = np.concatenate([corner, rand], axis=1)
    return cases[: p.weights].astype(np.int64), cases[p.weights:].astype(np.int64)


def extremes(p: hwp.Packing, w_bits: int, a_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Each weight and activation at its minimum or maximum: every field's sum at the
    products' largest and smallest values together."""
    ext_w, ext_a = (-(1 << (w_bits - 1)), (1 << (w_bits - 1)) - 1), (-(1 << (a_bits - 1)), (1 << (a_bits - 1)) - 1)
    cases = np.array(list(itertools.product(*[ext_w] * p.weights, *[ext_a] * p.activations))).T
    return cases[: p.weights].astype(np.int64), cases[p.weights:].astype(np.int64)


@pytest.mark.parametrize("w_bits,a_bits,shape", RULES, ids=[f"w{w}a{a}-{s[0]}x{s[1]}" for w, a, s in RULES])
def test_packing_is_exact_and_its_cascade_is_the_longest(w_bits, a_bits, shape):
    p = hwp.packing(w_bits, a_bits, *shape)
    rng = np.random.default_rng(w_bits * 100 + a_bits)
    ws, xs = operands(p, w_bits, a_bits, rng)
    assert exact(p, ws[None], xs[None])
    chain = min(p.chain, 64)  # the rule's cascade, at most 64 steps long here
    ew, ex = extremes(p, w_bits, a_bits)
    steps = lambda n, v: np.repeat(v[None], n, axis=0)  # noqa: E731
    assert exact(p, steps(chain, ew), steps(chain, ex))
    assert exact(p, steps(chain, ws[:, :4096]), steps(chain, xs[:, :4096]))
    if p.chain <= 64:  # one product more overflows a field
        assert not exact(p, steps(p.chain + 1, ew), steps(p.chain + 1, ex))


def test_the_rules_reach_the_published_packings():
    # WP486: two INT8 products sharing the activation, fields 18 bits apart, 7 per cascade.
    assert hwp.packing(8, 8, 2, 1) == hwp.Packing(2, 1, 18, 7, hwp.PORT_AD)
    # Four 4-bit products (two weights × two pixels), 11-bit fields, 15 per cascade.
    assert hwp.packing(4, 4, 2, 2) == hwp.Packing(2, 2, 11, 15, hwp.PORT_AD)
    # 4-bit weights × 8-bit activations: three would need 12-bit fields 26 bits apart.
    assert hwp.packing(4, 8, 3, 1) is None and hwp.packing(4, 8, 2, 2) is None
    assert hwp.packing(2, 8, 3, 1).chain == 7
    assert hwp.packing(9, 9, 2, 1) is None  # products too wide to pair


def test_the_cost_model_counts_packed_dsps():
    # 2 PEs × 2 pixels × 9 SIMD of 4-bit products: a quarter of the products.
    assert array_cost(2, 9, 2, 4, 4, 20, "dsp", True)[0] == 9
    assert array_cost(3, 9, 1, 4, 4, 20, "dsp", True)[0] == 9  # three weights share an activation
    # The tools' pairs (no explicit packing): half, any lanes; wide operands: one DSP each.
    assert array_cost(2, 9, 2, 4, 4, 20, "dsp")[0] == 18
    assert array_cost(3, 9, 1, 8, 8, 20, "dsp", True)[0] == 18
    assert array_cost(2, 4, 1, 16, 16, 40, "dsp")[0] == 8
    # ≤ 4-bit products placed in DSPs take DSPs (they were costed as LUTs before).
    assert array_cost(4, 8, 1, 4, 4, 20, "dsp")[0] > 0
    # A cascade longer than the rule allows is cut, each cut an adder in fabric.
    short, long_ = array_cost(2, 36, 2, 4, 6, 20, "dsp", True), array_cost(2, 36, 2, 4, 4, 20, "dsp", True)
    assert short[0] == long_[0] and short[1] > long_[1]
    # Unsigned 8-bit activations take 9 signed bits: 3-bit weights no longer pack three.
    assert array_cost(3, 9, 1, 3, 8, 20, "dsp", True, True)[0] == 9
    assert array_cost(3, 9, 1, 3, 8, 20, "dsp", True, False)[0] == 18


def test_shift_weights_take_no_dsp_and_fewer_luts_than_multipliers():
    dsp, lut, _ = array_cost(4, 16, 2, 8, 8, 24, "shift")
    assert dsp == 0
    assert lut < array_cost(4, 16, 2, 8, 8, 24, "fabric")[1]
    assert hwp.shift_mult_luts(8, 8) == (8 + 7) * 3
