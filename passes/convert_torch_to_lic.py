"""`convert-torch-to-lic`: torch-mlir's `torch` dialect → the `lic` codec graph.

Each function is rebuilt op by op: torch constants and lists fold into the
properties of the lic ops that use them, weight literals become
`lic.constant`, and `!torch.vtensor` becomes the builtin `tensor`. An op with
no lic counterpart stops the pass with a diagnostic naming the op, where it
is, and the supported set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    FloatAttr,
    ModuleOp,
    TensorType,
    UnknownLoc,
    f64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from lic_compiler.dialects import lic
from lic_compiler.dialects import torch as tt
from lic_compiler.errors import LiccError

_Converter = Callable[["_FunctionConverter", Operation], list[Operation]]
_CONVERTERS: dict[str, _Converter] = {}


def _converts(name: str) -> Callable[[_Converter], _Converter]:
    def register(fn: _Converter) -> _Converter:
        _CONVERTERS[name] = fn
        return fn

    return register


# torch ops that only feed properties (strides, flags, …) of the ops using them.
_FOLDED = (
    tt.ConstantIntOp,
    tt.ConstantBoolOp,
    tt.ConstantFloatOp,
    tt.ConstantNoneOp,
    tt.ConstantStrOp,
    tt.PrimListConstructOp,
)


def supported_ops() -> list[str]:
    """The torch ops this pass converts (besides literals and the return)."""
    return sorted(set(_CONVERTERS) - {"func.return", "torch.vtensor.literal"})


def lic_type(t: Attribute) -> Attribute:
    """``!torch.vtensor<[1,3,H,W],f32>`` → ``tensor<1x3xHxWxf32>``."""
    if isinstance(t, tt.ValueTensorType):
        return TensorType(t.element_type, t.get_shape())
    return t


def _op_name(op: Operation) -> str:
    return op.op_name.data if isinstance(op, tt.OperatorOp) else op.name


@dataclass
class _FunctionConverter:
    """Rebuilds one function: torch values → lic values."""

    source: func.FuncOp
    values: dict[SSAValue, SSAValue]

    def lic(self, value: SSAValue) -> SSAValue:
        return self.values[value]

    def const(self, value: SSAValue) -> object:
        return tt.constant_value(value)

    def fail(self, op: Operation, why: str) -> LiccError:
        where = f"in @{self.source.sym_name.data}"
        if not isinstance(op.location, UnknownLoc):
            where += f" at {op.location}"
        return LiccError(f"{_op_name(op)} {where}: {why}")

    def convert(self) -> func.FuncOp:
        in_types = [lic_type(a.type) for a in self.source.args]
        block = Block(arg_types=in_types)
        self.values.update(zip(self.source.args, block.args))
        for op in self.source.body.ops:
            for new in self._convert_op(op):
                block.add_op(new)
        _name_values(block)
        out_types = [lic_type(t) for t in self.source.function_type.outputs.data]
        return func.FuncOp(
            self.source.sym_name.data, (in_types, out_types), Region(block)
        )

    def _convert_op(self, op: Operation) -> list[Operation]:
        if isinstance(op, _FOLDED):
            return []  # folded into the properties of the ops that use them
        converter = _CONVERTERS.get(_op_name(op))
        if converter is None:
            raise self.fail(
                op,
                "unsupported op; convert-torch-to-lic supports "
                + ", ".join(supported_ops())
                + " (replace the layer, or add a conversion and a lic op)",
            )
        new_ops = converter(self, op)
        for old, new in zip(op.results, new_ops[-1].results if new_ops else ()):
            self.values[old] = new
        return new_ops


_RESULT_NAMES = {
    lic.Conv2dOp: "conv",
    lic.ConvTranspose2dOp: "deconv",
    lic.GdnOp: "gdn",
    lic.ReluOp: "relu",
    lic.LeakyReluOp: "lrelu",
    lic.AbsOp: "abs",
    lic.AddOp: "add",
    lic.MulOp: "mul",
}
_OPERAND_NAMES = {"weight": "w", "bias": "b", "beta": "beta", "gamma": "gamma"}


def _name_values(block: Block) -> None:
    """Readable SSA names: %x, %conv, %w, %gdn, %beta, … (xDSL numbers repeats)."""
    for arg in block.args:
        arg.name_hint = "x"
    for op in block.ops:
        if (name := _RESULT_NAMES.get(type(op))) is not None:
            op.results[0].name_hint = "igdn" if name == "gdn" and op.is_inverse else name
        for field, hint in _OPERAND_NAMES.items():
            value = getattr(op, field, None)
            if isinstance(value, SSAValue) and isinstance(value.owner, lic.ConstantOp):
                value.name_hint = hint


def _unary(cls: type[lic._UnaryOp]) -> _Converter:
    def convert(c: _FunctionConverter, op: Operation) -> list[Operation]:
        return [cls(c.lic(op.operands[0]))]

    return convert


_converts("torch.aten.relu")(_unary(lic.ReluOp))
_converts("torch.aten.abs")(_unary(lic.AbsOp))


@_converts("func.return")
def _return(c: _FunctionConverter, op: Operation) -> list[Operation]:
    return [func.ReturnOp(*[c.lic(v) for v in op.operands])]


@_converts("torch.vtensor.literal")
def _literal(c: _FunctionConverter, op: Operation) -> list[Operation]:
    value = op.value
    assert isinstance(value, DenseIntOrFPElementsAttr | DenseResourceAttr)
    return [lic.ConstantOp(value)]


@_converts("torch.aten.leaky_relu")
def _leaky_relu(c: _FunctionConverter, op: Operation) -> list[Operation]:
    slope = float(c.const(op.operands[1]))  # type: ignore[arg-type]
    return [
        lic.LeakyReluOp(c.lic(op.operands[0]), negative_slope=FloatAttr(slope, f64))
    ]


def _binary(cls: type[lic._BinaryOp], has_alpha: bool) -> _Converter:
    def convert(c: _FunctionConverter, op: Operation) -> list[Operation]:
        if has_alpha and c.const(op.operands[2]) != 1:
            raise c.fail(op, "only alpha = 1 is supported")
        lhs, rhs = c.lic(op.operands[0]), c.lic(op.operands[1])
        if lhs.type != rhs.type:
            raise c.fail(op, f"operands must have one shape, got {lhs.type} and {rhs.type}")
        return [cls(lhs, rhs)]

    return convert


_converts("torch.aten.add.Tensor")(_binary(lic.AddOp, has_alpha=True))
_converts("torch.aten.mul.Tensor")(_binary(lic.MulOp, has_alpha=False))


@_converts("torch.aten.convolution")
def _convolution(c: _FunctionConverter, op: Operation) -> list[Operation]:
    x, w, b, stride, padding, dilation, transposed, out_pad, groups = op.operands
    if c.const(groups) != 1 or any(d != 1 for d in c.const(dilation)):  # type: ignore[union-attr]
        raise c.fail(op, "grouped or dilated convolutions are not supported")
    bias = None if isinstance(b.owner, tt.ConstantNoneOp) else c.lic(b)
    args = (c.lic(x), c.lic(w), bias, c.const(stride), c.const(padding))
    result = lic_type(op.results[0].type)
    if c.const(transposed):
        return [lic.ConvTranspose2dOp(*args, c.const(out_pad), result)]  # type: ignore[arg-type]
    return [lic.Conv2dOp(*args, result)]  # type: ignore[arg-type]


@_converts("torch.lic.gdn")
def _gdn(c: _FunctionConverter, op: Operation) -> list[Operation]:
    x, beta, gamma, inverse, l1 = op.operands
    return [
        lic.GdnOp(
            c.lic(x),
            c.lic(beta),
            c.lic(gamma),
            inverse=bool(c.const(inverse)),
            form="l1" if c.const(l1) else "standard",
        )
    ]


@dataclass(frozen=True)
class ConvertTorchToLicPass(ModulePass):
    """Convert torch-mlir's torch dialect into the lic codec graph."""

    name = "convert-torch-to-lic"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for source in list(op.ops):
            if isinstance(source, func.FuncOp):
                converted = _FunctionConverter(source, {}).convert()
                op.body.block.insert_op_before(converted, source)
                source.detach()
                source.erase()
