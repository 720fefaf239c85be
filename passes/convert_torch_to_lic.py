"""`convert-torch-to-lic`: torch-mlir's `torch` dialect → the `lic` codec graph.

Each function is rebuilt op by op: torch constants and lists fold into the
properties of the lic ops that use them, weight literals become
`lic.constant`, and `!torch.vtensor` becomes the builtin `tensor`. An op with
no lic counterpart stops the pass with a diagnostic naming the op, where it
is, and the supported set.

GDN/IGDN arrive either whole (``torch.lic.gdn``, the frontend's custom op) or
as a plain `torch.export` writes them: ``x · rsqrt(conv1x1(x², γ, β))``
(IGDN: ``sqrt``; simplified GDN: ``|x|`` and ``reciprocal``; also ``x / …``),
with β and γ computed from the parameters by CompressAI's reparametrisation
(``max(p, bound)² − pedestal``). Such parameter expressions are evaluated
here (`_FOLDERS`), and each decomposed GDN becomes one `lic.gdn`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

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
from lic_compiler.ir import from_numpy, to_numpy

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
    return sorted(set(_CONVERTERS) - {"func.return", "torch.vtensor.literal", *_RESHAPES, *_FRAME_OPS})


# Converted only as the parts of a pixel (un)shuffle.
_RESHAPES = ("torch.aten.clone", "torch.aten.permute", "torch.aten.view")
# The frontend's own padding of a frame and crop back (not a layer a model has).
_FRAME_OPS = ("torch.lic.pad", "torch.lic.crop")


_SUPPORTED_TAIL = (
    "GDN/IGDN and PixelShuffle/PixelUnshuffle as torch.export decomposes them, and arithmetic on constants "
    "(replace the layer, or add a conversion and a lic op)"
)


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
    gdns: dict[Operation, _GdnMatch] = field(default_factory=dict)
    absorbed: set[Operation] = field(default_factory=set)

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
            if (match := _match_gdn(op)) is not None:
                self.gdns[op] = match
                self.absorbed.update(match.absorbed)
        for op in self.source.body.ops:
            for new in self._convert_op(op):
                block.add_op(new)
        _erase_unused_constants(block)
        _name_values(block)
        out_types = [lic_type(t) for t in self.source.function_type.outputs.data]
        return func.FuncOp(
            self.source.sym_name.data, (in_types, out_types), Region(block)
        )

    def _convert_op(self, op: Operation) -> list[Operation]:
        if isinstance(op, _FOLDED) or op in self.absorbed:
            return []  # folded into the properties of the ops that use them, or into a lic.gdn
        if op in self.gdns:
            new_ops = _gdn_from_match(self, op, self.gdns[op])
        elif (folded := self._fold(op)) is not None:
            new_ops = [folded]
        elif (converter := _CONVERTERS.get(_op_name(op))) is not None:
            new_ops = converter(self, op)
        else:
            raise self.fail(
                op,
                "unsupported op; convert-torch-to-lic supports "
                + ", ".join(supported_ops())
                + ", "
                + _SUPPORTED_TAIL,
            )
        for old, new in zip(op.results, new_ops[-1].results if new_ops else ()):
            self.values[old] = new
        return new_ops

    def constant_array(self, value: SSAValue) -> np.ndarray | None:
        """The value of a converted tensor if it is a `lic.constant`, else None."""
        owner = self.values.get(value)
        owner = owner.owner if owner is not None else None
        return to_numpy(owner.value) if isinstance(owner, lic.ConstantOp) else None

    def _fold(self, op: Operation) -> lic.ConstantOp | None:
        """`op` evaluated, when it is a foldable op on constants only."""
        folder = _FOLDERS.get(_op_name(op))
        if folder is None or len(op.results) != 1:
            return None
        args: list[object] = []
        for operand in op.operands:
            if isinstance(operand.type, tt.ValueTensorType):
                if (array := self.constant_array(operand)) is None:
                    return None
                args.append(array)
            else:
                args.append(self.const(operand))
        result = lic_type(op.results[0].type)
        assert isinstance(result, TensorType)
        shape = tuple(result.get_shape())
        value = np.asarray(folder(*args), dtype=np.float32)
        value = value.reshape(shape) if value.size == np.prod(shape) else np.broadcast_to(value, shape)
        return lic.ConstantOp(from_numpy(value, result.element_type))


def _erase_unused_constants(block: Block) -> None:
    """Drop the constants that only fed folded expressions or a GDN's 4-D γ."""
    for op in reversed(list(block.ops)):
        if isinstance(op, lic.ConstantOp) and not op.results[0].uses:
            op.detach()
            op.erase()


# Ops evaluated at conversion when every tensor operand is a constant: what
# torch.export makes of a parameter's reparametrisation (NonNegativeParametrizer).
_FOLDERS: dict[str, Callable[..., object]] = {
    "torch.aten.maximum": np.maximum,
    "torch.aten.minimum": np.minimum,
    "torch.aten.clamp_min": np.maximum,
    "torch.aten.pow.Tensor_Scalar": lambda a, k: a**k,
    "torch.aten.add.Tensor": lambda a, b, alpha: a + alpha * b,
    "torch.aten.sub.Tensor": lambda a, b, alpha: a - alpha * b,
    "torch.aten.mul.Tensor": np.multiply,
    "torch.aten.div.Tensor": np.divide,
    "torch.aten.mul.Scalar": np.multiply,
    "torch.aten.sqrt": np.sqrt,
    "torch.aten.view": lambda a, _shape: a,  # reshaped to the result type by `_fold`
    "torch.aten.reshape": lambda a, _shape: a,
}


_RESULT_NAMES = {
    lic.Conv2dOp: "conv",
    lic.ConvTranspose2dOp: "deconv",
    lic.GdnOp: "gdn",
    lic.ReluOp: "relu",
    lic.LeakyReluOp: "lrelu",
    lic.AbsOp: "abs",
    lic.AddOp: "add",
    lic.MulOp: "mul",
    lic.PadOp: "pad",
    lic.CropOp: "crop",
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


@_converts("torch.aten.clone")
def _clone(c: _FunctionConverter, op: Operation) -> list[Operation]:
    if op.operands[0] in c.values:  # a copy in value semantics: the same value
        c.values[op.results[0]] = c.values[op.operands[0]]
    return []


@_converts("torch.aten.permute")
def _permute(c: _FunctionConverter, op: Operation) -> list[Operation]:
    return []  # a pixel (un)shuffle's transpose: its final view converts it


@_converts("torch.aten.view")
def _view(c: _FunctionConverter, op: Operation) -> list[Operation]:
    """A pixel (un)shuffle, as torch.export decomposes it: a view to 6-D, a permute,
    a view back to 4-D (with clones between); the 6-D view converts with the last."""
    if len(op.results[0].type.get_shape()) != 4:  # type: ignore[attr-defined]
        return []
    permute = _through_clones(op.operands[0])
    split = _through_clones(permute.operands[0]) if _op_name(permute) == "torch.aten.permute" else None
    if split is None or _op_name(split) != "torch.aten.view" or split.operands[0] not in c.values:
        raise c.fail(op, "only PixelShuffle's and PixelUnshuffle's reshapes convert (view, permute, view)")
    x = c.lic(split.operands[0])
    _, ch, h, w = lic.tensor_shape(x)
    dims = list(split.results[0].type.get_shape())  # type: ignore[attr-defined]
    perm = list(c.const(permute.operands[1]))  # type: ignore[call-overload]
    out = lic_type(op.results[0].type)
    r = dims[2] if len(dims) == 6 else 0
    if perm == [0, 1, 4, 2, 5, 3] and dims == [1, ch // (r * r), r, r, h, w]:
        return [lic.PixelShuffleOp(x, r, out)]
    r = dims[3] if len(dims) == 6 else 0
    if perm == [0, 1, 3, 5, 2, 4] and r and dims == [1, ch, h // r, r, w // r, r]:
        return [lic.PixelUnshuffleOp(x, r, out)]
    raise c.fail(op, "only PixelShuffle's and PixelUnshuffle's reshapes convert (view, permute, view)")


def _through_clones(value: SSAValue) -> Operation:
    op = value.owner
    while isinstance(op, Operation) and _op_name(op) == "torch.aten.clone":
        op = op.operands[0].owner
    return op  # type: ignore[return-value]


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


@_converts(_FRAME_OPS[0])
@_converts(_FRAME_OPS[1])
def _frame(c: _FunctionConverter, op: Operation) -> list[Operation]:
    """The frontend's padding of a frame the stride does not divide, and the crop back
    (`lic_compiler.frontend.frame_op`); the result type carries the size."""
    kind = lic.PadOp if _op_name(op) == _FRAME_OPS[0] else lic.CropOp
    return [kind(c.lic(op.operands[0]), lic_type(op.results[0].type))]


# --- GDN as torch.export decomposes it ----------------------------------------------------

# The op that makes the per-pixel factor from the norm: (form, inverse).
_ROOTS = {
    "torch.aten.rsqrt": ("standard", False),
    "torch.aten.sqrt": ("standard", True),
    "torch.aten.reciprocal": ("l1", False),
}


@dataclass(frozen=True)
class _GdnMatch:
    x: SSAValue
    norm: tt.AtenConvolutionOp  # conv1x1(x² or |x|, γ, β)
    inverse: bool
    form: str
    absorbed: tuple[Operation, ...]  # the ops the lic.gdn replaces, besides the final product


def _owner(value: SSAValue) -> tuple[Operation | None, str]:
    owner = value.owner
    return (owner, _op_name(owner)) if isinstance(owner, Operation) else (None, "")


def _match_gdn(op: Operation) -> _GdnMatch | None:
    """`op` as the last op of a decomposed GDN: ``x * factor`` or ``x / divisor``."""
    name = _op_name(op)
    if name == "torch.aten.mul.Tensor":
        a, b = op.operands
        return _match_factor(a, b, divides=False) or _match_factor(b, a, divides=False)
    if name == "torch.aten.div.Tensor":
        return _match_factor(op.operands[0], op.operands[1], divides=True)
    return None


def _match_factor(x: SSAValue, factor: SSAValue, *, divides: bool) -> _GdnMatch | None:
    chain: list[Operation] = []
    owner, name = _owner(factor)
    if name == "torch.aten.mul.Scalar" and _is_const(owner.operands[1], 1):  # type: ignore[union-attr]
        chain.append(owner)  # type: ignore[arg-type]  # GDN1's `1.0 / norm`
        owner, name = _owner(owner.operands[0])  # type: ignore[union-attr]
    if isinstance(owner, tt.AtenConvolutionOp):  # x · norm (IGDN1) or x / norm (GDN1)
        form, inverse, norm = "l1", not divides, owner
    elif name in _ROOTS:
        form, inverse = _ROOTS[name]
        if divides:  # x / sqrt(norm) is GDN; x / rsqrt or x / reciprocal are not
            if name != "torch.aten.sqrt":
                return None
            inverse = False
        chain.append(owner)  # type: ignore[arg-type]
        norm, _ = _owner(owner.operands[0])  # type: ignore[union-attr]
    else:
        return None
    if not isinstance(norm, tt.AtenConvolutionOp) or not _is_pointwise_conv(norm, x):
        return None
    pre, pre_name = _owner(norm.input)
    expected = {"standard": ("torch.aten.pow.Tensor_Scalar", "torch.aten.mul.Tensor"), "l1": ("torch.aten.abs",)}
    if pre is None or pre_name not in expected[form] or not _applies_to(pre, x, pre_name):
        return None
    absorbed = (pre, norm, *chain)
    if any(not o.results[0].has_one_use() for o in absorbed):
        return None
    return _GdnMatch(x, norm, inverse, form, absorbed)


def _is_const(value: SSAValue, expected: float) -> bool:
    try:
        return tt.constant_value(value) == expected
    except ValueError:
        return False


def _applies_to(pre: Operation, x: SSAValue, name: str) -> bool:
    """`pre` is x², x·x or |x| of exactly `x`."""
    if name == "torch.aten.pow.Tensor_Scalar":
        return pre.operands[0] == x and _is_const(pre.operands[1], 2)
    if name == "torch.aten.mul.Tensor":
        return pre.operands[0] == x and pre.operands[1] == x
    return pre.operands[0] == x


def _is_pointwise_conv(conv: tt.AtenConvolutionOp, x: SSAValue) -> bool:
    """A 1×1 C→C convolution with a bias, stride 1, no padding, on x's shape."""
    shape = x.type.get_shape() if isinstance(x.type, tt.ValueTensorType) else ()
    if len(shape) != 4 or isinstance(conv.bias.type, tt.NoneType):
        return False
    channels = shape[1]
    try:
        plain = (
            tt.constant_value(conv.stride) == [1, 1]
            and tt.constant_value(conv.padding) == [0, 0]
            and tt.constant_value(conv.dilation) == [1, 1]
            and tt.constant_value(conv.transposed) is False
            and tt.constant_value(conv.groups) == 1
        )
    except ValueError:
        return False
    weight = conv.weight.type
    return plain and isinstance(weight, tt.ValueTensorType) and weight.get_shape() == (channels, channels, 1, 1)


def _gdn_from_match(c: _FunctionConverter, op: Operation, match: _GdnMatch) -> list[Operation]:
    gamma, beta = c.constant_array(match.norm.weight), c.constant_array(match.norm.bias)
    if gamma is None or beta is None:
        raise c.fail(op, "a GDN's β and γ must be parameters or constant expressions of them")
    channels = gamma.shape[0]
    element = lic_type(match.norm.weight.type).element_type  # type: ignore[attr-defined]
    gamma_op = lic.ConstantOp(from_numpy(gamma.reshape(channels, channels), element))
    gdn = lic.GdnOp(c.lic(match.x), c.lic(match.norm.bias), gamma_op.results[0],
                    inverse=match.inverse, form=match.form)
    return [gamma_op, gdn]


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
