"""Power-of-two weights: the quantiser, `lic-pow2-weights` and `lic-quantize` on a tiny codec."""

from pathlib import Path

import numpy as np
import pytest

from lic_compiler.dialects import hls, lic
from lic_compiler.errors import LiccError
from lic_compiler.interpreter import run
from lic_compiler.ir import make_context, parse_module, to_numpy
from lic_compiler.quant import attrs
from lic_compiler.quant.fixed import quantize_weights_pow2
from lic_compiler.quant.plan import roles
from lic_compiler.registry import parse_pipeline

CODEC = Path(__file__).parents[1] / "lit" / "passes" / "Inputs" / "codec.mlir"


def is_pow2_or_zero(q: np.ndarray) -> bool:
    m = np.abs(q)
    return bool(np.all((m == 0) | (m & (m - 1) == 0)))


@pytest.mark.parametrize("bits", [2, 4, 8])
def test_pow2_weights_are_the_nearest_power_in_the_log_domain(bits):
    rng = np.random.default_rng(bits)
    w = rng.normal(size=(6, 5, 3, 3)) * rng.uniform(0.1, 3.0, (6, 1, 1, 1))
    q, scale = quantize_weights_pow2(w, bits, 0)
    assert is_pow2_or_zero(q) and np.abs(q).max() <= 1 << (bits - 2)
    # Each channel's largest weight maps to the largest power.
    assert np.array_equal(np.abs(q).reshape(6, -1).max(axis=1), np.full(6, 1 << (bits - 2)))
    r = np.abs(w) / scale.reshape(-1, 1, 1, 1)
    nonzero = q != 0
    # From 1 up, no other power is nearer in log2; from 1/2 to 1, 1 (nearer than 0); below, 0.
    above = r >= 1
    assert np.all(np.abs(np.log2(r[above]) - np.log2(np.abs(q[above]))) <= 0.5 + 1e-9)
    assert np.all(np.abs(q[(r >= 0.5) & ~above]) == 1) and np.all(q[r < 0.5] == 0)
    assert np.all(np.sign(q[nonzero]) == np.sign(w[nonzero]))


def compile_codec(pipeline: str):
    module = parse_module(CODEC.read_text())
    parse_pipeline(pipeline).apply(make_context(), module)
    return module


def test_marked_convolutions_get_power_of_two_weights_and_shifting_stages():
    module = compile_codec("lic-calibrate{count=2},lic-assign-precision{weights=6},lic-pow2-weights,lic-quantize")
    convs = [op for op in module.walk() if isinstance(op, lic.Conv2dOp | lic.ConvTranspose2dOp)]
    marked = [op for op in convs if attrs.get(op, attrs.WEIGHT_POW2)]
    assert len(marked) == 4 and all("norm" in op.output.name_hint for op in convs if op not in marked)
    for op in marked:
        assert is_pow2_or_zero(np.asarray(to_numpy(op.weight.owner.value)))
    # The integer codec still runs; its stages shift where the weights are powers of two.
    x = np.random.default_rng(0).integers(0, 256, (1, 3, 16, 16)).astype(np.uint8)
    y = run(module, "encoder", x)[0]
    parse_pipeline("convert-lic-to-hls").apply(make_context(), module)
    stages = [op for op in module.walk() if isinstance(op, hls.MvauOp | hls.DeconvOp)]
    assert stages and all(op.weight_pow2 is not None for op in stages)
    assert np.array_equal(run(module, "encoder", x)[0], y)


def test_pow2_on_gdn_gamma_and_unknown_functions_are_refused():
    module = parse_module(CODEC.read_text())
    parse_pipeline("lic-calibrate{count=2},lic-assign-precision").apply(make_context(), module)
    gamma = next(op for f in module.ops for op, role in roles(f).items() if role == "norm")
    attrs.put(gamma, attrs.WEIGHT_POW2, True)
    with pytest.raises(LiccError, match="lic.weight_pow2 on GDN's γ"):
        parse_pipeline("lic-quantize").apply(make_context(), module)
    with pytest.raises(LiccError, match="no function decodr; choose from decoder, encoder or all"):
        compile_codec("lic-pow2-weights{functions=decodr}")
