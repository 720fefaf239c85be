"""Bit widths of the tensors a stage computes on: the one place the cost model reads them.

Integer IR (after `lic-quantize`) carries its widths in the element types
(``si8``, ``si16``, …), and those are used as they are. Float IR has none
yet, so it is costed as 8-bit weights and activations, the common W8A8
deployment point. Accumulators are sized by the exact worst-case bound of a
dot product of the given length (no overflow for any input).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, log2

from xdsl.dialects.builtin import IntegerType, TensorType
from xdsl.ir import SSAValue

DEFAULT_BITS = 8
# A float argument of a root or reciprocal is an accumulated norm: costed this wide.
ARGUMENT_BITS = 32
# GDN's reciprocal (square) root before `lic-rewrite-gdn` picks one: a table this deep.
TABLE_INDEX_BITS = 10


@dataclass(frozen=True)
class Widths:
    weight: int
    act_in: int
    act_out: int

    def acc(self, reduction: int, operand_bits: int | None = None) -> int:
        """Signed accumulator bits for `reduction` products of weight × operand."""
        a = self.act_in if operand_bits is None else operand_bits
        return self.weight + a - 1 + max(1, ceil(log2(max(reduction, 2))))


def value_bits(value: SSAValue) -> int:
    """Bits of one element of `value`: its integer width, or the float default."""
    t = value.type
    if isinstance(t, TensorType) and isinstance(t.get_element_type(), IntegerType):
        return t.get_element_type().width.data
    return DEFAULT_BITS


def argument_bits(value: SSAValue) -> int:
    """Bits of a root/reciprocal argument: its integer width, or `ARGUMENT_BITS`."""
    t = value.type
    if isinstance(t, TensorType) and isinstance(t.get_element_type(), IntegerType):
        return t.get_element_type().width.data
    return ARGUMENT_BITS


def op_widths(inputs: SSAValue, weights: SSAValue | None, output: SSAValue) -> Widths:
    """Widths of a stage from its input, weight (if any) and output values."""
    w = value_bits(weights) if weights is not None else DEFAULT_BITS
    return Widths(weight=w, act_in=value_bits(inputs), act_out=value_bits(output))
