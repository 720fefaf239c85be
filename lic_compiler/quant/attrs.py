"""The IR attributes the three passes write and read, as plain Python values.

- ``lic.range`` on an op (and ``lic.arg_ranges`` on a function, one entry per
  argument): `lic-calibrate`'s statistics of the op's result, a dictionary
  ``{min, max, p9999, mse_clip = {b2 … b16}}`` (see `ranges`).
- ``lic.bits`` on an op: the width of its integer result chosen by
  `lic-assign-precision`; ``lic.weight_bits`` on a convolution: its weights'.
  ``lic.arg_bits`` on a function: its latent arguments' widths.
  ``lic.weight_pow2`` (true) on a convolution or transposed convolution: its
  weights are quantised to 0 or ±2^k (k ≤ ``lic.weight_bits`` − 2); it stays
  on the integer op, where `convert-lic-to-hls` makes the stage shift.
- ``lic.precision`` on the module: the assignment's summary (mode, budget,
  measured PSNR drop, cost).
- after `lic-quantize`, ``lic.arg_scales`` / ``lic.result_scales`` on a
  function: the real value of one unit of each argument and result.
"""

from __future__ import annotations

from typing import Any

from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    DenseArrayBase,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    f64,
    i64,
)
from xdsl.ir import Attribute, Operation

RANGE = "lic.range"
ARG_RANGES = "lic.arg_ranges"
BITS = "lic.bits"
WEIGHT_BITS = "lic.weight_bits"
WEIGHT_POW2 = "lic.weight_pow2"
ARG_BITS = "lic.arg_bits"
PRECISION = "lic.precision"
ARG_SCALES = "lic.arg_scales"
RESULT_SCALES = "lic.result_scales"


def to_attr(value: Any) -> Attribute:
    """bool, int, float, str, list and dict values as builtin attributes."""
    if isinstance(value, bool):
        return BoolAttr.from_bool(value)
    if isinstance(value, int):
        return IntegerAttr(value, i64)
    if isinstance(value, float):
        return FloatAttr(value, f64)
    if isinstance(value, str):
        return StringAttr(value)
    if isinstance(value, list | tuple):
        return ArrayAttr([to_attr(v) for v in value])
    return DictionaryAttr({str(k): to_attr(v) for k, v in value.items()})


def from_attr(attr: Attribute) -> Any:
    """Inverse of `to_attr`."""
    if isinstance(attr, IntegerAttr):
        width = attr.type.width.data  # type: ignore[attr-defined]
        return bool(attr.value.data) if width == 1 else attr.value.data
    if isinstance(attr, FloatAttr):
        return attr.value.data
    if isinstance(attr, StringAttr):
        return attr.data
    if isinstance(attr, DenseArrayBase):
        return [int(v) for v in attr.get_values()]
    if isinstance(attr, ArrayAttr):
        return [from_attr(a) for a in attr.data]
    assert isinstance(attr, DictionaryAttr)
    return {k: from_attr(v) for k, v in attr.data.items()}


def get(op: Operation, name: str) -> Any:
    """The plain value of attribute `name` of `op`, or None."""
    attr = op.attributes.get(name)
    return None if attr is None else from_attr(attr)


def put(op: Operation, name: str, value: Any) -> None:
    op.attributes[name] = to_attr(value)
