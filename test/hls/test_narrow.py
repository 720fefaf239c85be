"""Narrow arithmetic in C simulation, bit for bit: weights of 2 to 6 bits, activations of
4 and 6 bits, products packed several per DSP48E2 by the MVAU kernel itself
(``mult_pack``: 2×2 and 3×1 shapes, cascades cut where the packing rule says) and
power-of-two weights computed as shifts (``weight_pow2``) in convolutions and
transposed convolutions, in both integer-type variants, against the interpreter.
"""

from __future__ import annotations

import numpy as np
import pytest

from lic_compiler.backends.hls_cpp.csim import VARIANTS, ap_types_dir
from lic_compiler.dialects import hls

from nets import Conv, Deconv, Spec, build, random_input, simulate

FAB = "fabric"
PARTS = {
    # 4-bit activations into 4-bit weights: 2 PEs × 2 pixels per DSP (a cascade of 15;
    # SIMD 36 cuts it three times), then 3 PEs sharing an activation.
    "w4a4_quad": Spec(3, 6, 8, [Conv(6, 3, 1, 1, out_bits=4, pe=3, simd=9), Conv(6, 3, 1, 1, w_bits=4, pe=2, simd=27, mmv=2)], unsigned_input=False),
    "w4a4_triple": Spec(4, 5, 6, [Conv(6, 1, 1, 0, out_bits=4, pe=2, simd=4), Conv(6, 3, 2, 1, w_bits=4, relu=True, pe=3, simd=54, mmv=3)], unsigned_input=False),
    # 4-bit inputs, half of them and half the weights at -8: cascades of 15 products of 64
    # fill most of an 11-bit field (narrower fields would spill).
    "w4a4_extremes": Spec(4, 4, 6, [Conv(6, 3, 1, 1, w_bits=4, pe=2, simd=36, mmv=2)], unsigned_input=False, input_bits=4),
    # 6-bit activations: a 2×2 cascade of 3 (SIMD 9: three cascades per lane).
    "w4a6_quad": Spec(4, 4, 6, [Conv(4, 1, 1, 0, out_bits=6, pe=4, simd=2), Conv(4, 3, 1, 1, w_bits=4, pe=4, simd=9, mmv=2)], unsigned_input=False),
    # 2-bit weights × 8-bit activations: three per DSP, cascades of 7.
    "w2a8_triple": Spec(5, 4, 5, [Conv(6, 3, 1, 1, w_bits=2, pe=6, simd=15)], unsigned_input=False),
    # 3-bit weights on unsigned 8-bit pixels (a pair at most), 6-bit weights in fabric and DSPs.
    "w3_unsigned": Spec(3, 5, 6, [Conv(6, 3, 2, 1, w_bits=3, pe=3, simd=27, mmv=2), Conv(4, 1, 1, 0, w_bits=6, pe=2, simd=3, mult=FAB)]),
    "w6a8": Spec(4, 4, 6, [Conv(4, 3, 1, 1, w_bits=6, pe=2, simd=12, mmv=2), Deconv(3, w_bits=6, pe=3, simd=4)], unsigned_input=False),
    # Power-of-two weights: shifts in a conv (8- and 4-bit codes) and a transposed conv.
    "pow2": Spec(4, 4, 6, [
        Conv(6, 3, 1, 1, pow2=True, relu=True, pe=3, simd=12, mmv=2), Conv(6, 1, 1, 0, w_bits=4, pow2=True, pe=2, simd=6, mult=FAB),
        Deconv(4, pow2=True, pe=2, simd=25, mmv=1),
    ], unsigned_input=False),
}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    modules = [build(spec, seed=i, name=name) for i, (name, spec) in enumerate(PARTS.items())]
    inputs = {name: random_input(spec, seed=50 + i) for i, (name, spec) in enumerate(PARTS.items())}
    folder = tmp_path_factory.mktemp("narrow")
    return (*simulate(modules, inputs, PARTS, folder), folder)


def _stages(module, name: str) -> list[hls.FoldedStageOp]:
    f = next(op for op in module.ops if op.sym_name.data == name)
    return [op for op in f.walk() if isinstance(op, hls.FoldedStageOp)]


def _pack(op) -> tuple[int, ...] | None:
    return tuple(op.mult_pack.get_values()) if op.mult_pack is not None else None


def test_the_parts_pack_and_shift_where_the_rules_allow(simulated):
    module = simulated[3]
    assert _pack(_stages(module, "w4a4_quad")[1]) == (2, 2)
    assert _pack(_stages(module, "w4a4_extremes")[0]) == (2, 2)
    assert _pack(_stages(module, "w4a4_triple")[1]) == (3, 1)
    assert _pack(_stages(module, "w4a6_quad")[1]) == (2, 2)
    assert _pack(_stages(module, "w2a8_triple")[0]) == (3, 1)
    # Unsigned 8-bit pixels take 9 signed bits: 3-bit weights only pair (left to the tools).
    assert [_pack(op) for op in _stages(module, "w3_unsigned")] == [None, None]
    assert all(_pack(op) is None for op in _stages(module, "w6a8"))
    pow2 = _stages(module, "pow2")
    assert all(op.weight_pow2 is not None and op.mult_pack is None for op in pow2)
    assert {type(op) for op in pow2} == {hls.MvauOp, hls.DeconvOp}


def test_the_emitted_kernels_pack_and_shift(simulated):
    folder = simulated[4]
    packed = [p for p in folder.rglob("stages/*.h") if "packed_mac" in p.read_text()]
    assert {p.parts[-3] for p in packed} == {"w4a4_quad", "w4a4_extremes", "w4a4_triple", "w4a6_quad", "w2a8_triple"}
    text = "".join(p.read_text() for p in (folder / "pow2").rglob("stages/*.h"))
    assert text.count("w = ±(k + 1)") == 3 and "op = mul" not in text


def test_hls_interpreter_equals_lic_interpreter(simulated):
    references, hls_level = simulated[:2]
    for name, ref in references.items():
        assert np.array_equal(hls_level[name], ref), name


@pytest.mark.parametrize("variant", VARIANTS)
def test_csim_equals_interpreter(simulated, variant):
    if variant == "ap" and ap_types_dir() is None:
        pytest.skip("no ap_int.h installed")
    results = [r for r in simulated[2] if r.variant == variant]
    assert len(results) == len(PARTS)
    assert not [(r.part, r.mismatches) for r in results if not r.equal]
