"""Analyses of lic IR that return plain dicts (written as JSON by the tools)."""

from __future__ import annotations

from math import prod

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from lic_compiler.dialects import lic


def _params(op: Operation) -> int:
    return sum(
        prod(lic.tensor_shape(v))
        for v in op.operands
        if isinstance(v.owner, lic.ConstantOp)
    )


def _deconv_taps(n_in: int, n_out: int, k: int, stride: int, pad: int) -> int:
    """Input-pixel × kernel-tap pairs along one axis that land inside the output.

    A polyphase transposed conv computes exactly these: no multiply touches an
    inserted zero or an output cropped away by the padding.
    """
    return sum(1 for i in range(n_in) for t in range(k) if 0 <= i * stride + t - pad < n_out)


def macs(op: Operation) -> int:
    """Multiply-accumulates per frame; transposed convs skip the inserted zeros."""
    match op:
        case lic.Conv2dOp():
            _, _, h, w = lic.tensor_shape(op.output)
            return prod(lic.tensor_shape(op.weight)) * h * w
        case lic.ConvTranspose2dOp():
            cin, cout, kh, kw = lic.tensor_shape(op.weight)
            (_, _, hi, wi), (_, _, ho, wo) = lic.tensor_shape(op.input), lic.tensor_shape(op.output)
            (sh, sw), (ph, pw) = op.strides(), op.paddings()
            return cin * cout * _deconv_taps(hi, ho, kh, sh, ph) * _deconv_taps(wi, wo, kw, sw, pw)
        case lic.GdnOp():
            _, c, h, w = lic.tensor_shape(op.input)
            return c * c * h * w
        case _:
            return 0


def layer_table(module: ModuleOp) -> list[dict]:
    """One row per compute op: function, op, input/output shapes, params, MACs."""
    rows = []
    for f in module.ops:
        if not isinstance(f, func.FuncOp):
            continue
        index = 0
        for op in f.body.ops:
            if op.dialect_name() != "lic" or isinstance(op, lic.ConstantOp):
                continue  # layers are lic ops: IR left in the torch dialect (`licc -p ''`) has none
            rows.append(
                {
                    "function": f.sym_name.data,
                    "layer": index,
                    "op": op.name,
                    "input": list(lic.tensor_shape(op.operands[0])),
                    "output": list(lic.tensor_shape(op.results[0])),
                    "params": _params(op),
                    "macs": macs(op),
                }
            )
            index += 1
    return rows


def summary(module: ModuleOp) -> dict:
    """Per-function totals of parameters and MACs per frame, plus the layer table."""
    rows = layer_table(module)
    functions: dict[str, dict] = {}
    for row in rows:
        total = functions.setdefault(row["function"], {"layers": 0, "params": 0, "macs": 0})
        total["layers"] += 1
        total["params"] += row["params"]
        total["macs"] += row["macs"]
    return {"functions": functions, "layers": rows}
