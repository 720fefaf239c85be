"""Residual connections at the integer level: `lic-quantize` on a float `lic.add`."""

from pathlib import Path

import numpy as np
from xdsl.dialects import func

from lic_compiler.calibration import load_images
from lic_compiler.dialects import lic
from lic_compiler.interpreter import run
from lic_compiler.ir import make_context, parse_module
from lic_compiler.registry import parse_pipeline

RESIDUAL = Path(__file__).parents[1] / "lit" / "passes" / "Inputs" / "residual.mlir"


def quantized():
    module = parse_module(RESIDUAL.read_text())
    parse_pipeline("lic-calibrate{count=2},lic-assign-precision,lic-quantize").apply(make_context(), module)
    return module


def named(f: func.FuncOp) -> dict[str, lic.RescaleOp | lic.AddOp]:
    return {op.results[0].name_hint: op for op in f.body.block.ops if op.results and op.results[0].name_hint}


def rescale_reference(x: np.ndarray, op: lic.RescaleOp) -> np.ndarray:
    """`lic.rescale` in Python integers: round(x · m / 2^s), ties up, plus offset, saturated."""
    m, s, o = (np.broadcast_to(np.asarray(v, object), (x.shape[1],)) for v in op.params())
    lo, hi = lic.int_range(op.output.type.get_element_type())
    out = np.empty(x.shape, object)
    for index, v in np.ndenumerate(x):
        c = index[1]
        t = (int(v) * int(m[c]) + ((1 << int(s[c])) >> 1)) >> int(s[c])
        out[index] = min(max(t + int(o[c]), lo), hi)
    return out


def test_a_residual_sum_is_both_operands_rescaled_added_exactly_and_saturated():
    """The interpreter's integer residual equals the definition in Python integers, on
    the operand values the codec computes (returned alongside the sum)."""
    module = quantized()
    f = next(op for op in module.ops if isinstance(op, func.FuncOp))
    ops = named(f)
    lhs, rhs, exact, out = ops["res_lhs"], ops["res_rhs"], ops["res_exact"], ops["res"]
    assert isinstance(exact, lic.AddOp) and exact.lhs == lhs.output and exact.rhs == rhs.output
    assert lic.tensor_shape(out.output) == lic.tensor_shape(exact.output)
    ret = f.body.block.last_op
    ret.operands = [lhs.input, rhs.input, out.output]
    f.update_function_type()
    module.verify()
    image = (load_images(count=1)[0][..., :16, :16] * 255).round().astype(np.uint8)
    a, b, total = run(module, "encoder", image)
    want = rescale_reference(rescale_reference(a, lhs) + rescale_reference(b, rhs), out)
    assert np.array_equal(total.astype(np.int64), want.astype(np.int64))
    assert total.dtype == np.uint8 and np.unique(total).size > 10


def test_the_integer_residual_tracks_the_float_one():
    """Where it does not saturate, the integer sum is the float sum to within 2 % of its
    peak (the operands' own 8-bit steps), each channel at its best-fitting scale."""
    module = quantized()
    floats = parse_module(RESIDUAL.read_text())
    for m in (module, floats):
        f = next(op for op in m.ops if isinstance(op, func.FuncOp))
        f.body.block.last_op.operands = [named(f)["res"].results[0]]
        f.update_function_type()
    image = load_images(count=1)[0][..., 100:116, 100:116].astype(np.float32)
    (want,) = run(floats, "encoder", image)
    (got,) = run(module, "encoder", (image * 255).round().astype(np.uint8))
    inside = (got > 0) & (got < 255)
    assert inside.mean() > 0.9
    got = got.astype(np.float64) * inside
    step = (got * want).sum(axis=(0, 2, 3), keepdims=True) / (got * got).sum(axis=(0, 2, 3), keepdims=True)
    assert (np.abs(got * step - want)[inside] < 0.02 * np.abs(want).max()).all()
