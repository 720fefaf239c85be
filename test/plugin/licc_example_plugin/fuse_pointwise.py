"""`example-fuse-pointwise`: fold a 1×1 convolution into the convolution that feeds it.

Two convolutions with nothing between them are one linear map: a k×k conv
(W1, b1) followed by a 1×1 conv (W2, b2) equals the k×k conv with weight
W2·W1 and bias W2·b1 + b2, at the first one's stride and padding. Fusing
saves the intermediate tensor and, when the 1×1 conv does not widen the
channels much, multiply-accumulates; the pass fuses only where it does not
add MACs.
"""

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from lic_compiler.analysis import macs
from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.ir import from_numpy, to_numpy


def _pointwise(op: lic.Conv2dOp) -> bool:
    return op.kernel() == (1, 1) and op.strides() == (1, 1) and op.paddings() == (0, 0)


def _parameters(conv: lic.Conv2dOp) -> tuple[np.ndarray, np.ndarray] | None:
    """The conv's weight and bias (zeros when it has none) in float64, or None
    where one is computed at run time rather than a `lic.constant`."""
    owners = [v.owner for v in (conv.weight, conv.bias) if v is not None]
    if not all(isinstance(o, lic.ConstantOp) for o in owners):
        return None
    weight = to_numpy(owners[0].value).astype(np.float64)
    bias = to_numpy(owners[1].value).astype(np.float64) if len(owners) == 2 else np.zeros(weight.shape[0])
    return weight, bias


class FusePointwise(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: lic.Conv2dOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        if not (isinstance(inner, lic.Conv2dOp) and _pointwise(op) and inner.output.has_one_use()):
            return
        first, second = _parameters(inner), _parameters(op)
        if first is None or second is None:
            return
        outer = second[0][:, :, 0, 0]  # [Cout2, Cout1]
        weight = np.einsum("oc,cikl->oikl", outer, first[0])
        _, _, h, w = lic.tensor_shape(op.output)
        if weight.size * h * w > macs(inner) + macs(op):
            return  # a widening 1×1 conv: fusing would cost more than it saves
        bias = outer @ first[1] + second[1]
        element = op.output.type.get_element_type()  # type: ignore[attr-defined]
        constants = [v.owner for v in (*inner.operands[1:], *op.operands[1:])]
        # New ops go in before the matched op: the rewriter's insertion point.
        new_weight = rewriter.insert(lic.ConstantOp(from_numpy(weight, element)))
        new_bias = rewriter.insert(lic.ConstantOp(from_numpy(bias, element, name="b")))
        fused = lic.Conv2dOp(inner.input, new_weight.result, new_bias.result,
                             inner.strides(), inner.paddings(), op.output.type)
        rewriter.replace(op, fused)  # the 1×1 conv's uses now read the fused conv
        rewriter.erase(inner)  # its only use is gone
        for const in dict.fromkeys(constants):
            if not const.results[0].uses:  # a weight other ops still read stays
                rewriter.erase(const)


@dataclass(frozen=True)
class FusePointwisePass(ModulePass):
    """Fold a 1×1 conv into the conv feeding it where that does not add MACs (float IR)."""

    name = "example-fuse-pointwise"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if any(isinstance(o, lic.Conv2dOp) and lic.is_integer(o.output) for o in op.walk()):
            raise LiccError(
                "example-fuse-pointwise: the IR is already integer (its rescales fix each conv's scale); "
                "fuse the float IR, before lic-quantize"
            )
        PatternRewriteWalker(FusePointwise()).rewrite_module(op)
