"""The `lic` dialect: a learned-image-compression codec graph.

Value semantics on static NCHW tensors (N = 1). Weights are `lic.constant`
ops (inline ``dense<…>`` or ``dense_resource<…>``), read and written as numpy
arrays through `lic_compiler.ir.to_numpy` / `from_numpy`.

Float semantics follow PyTorch exactly (`torch.nn.functional.conv2d`,
`conv_transpose2d`, CompressAI's GDN), so the imported float IR reproduces the
model. Layouts are PyTorch's: conv weights ``[Cout, Cin, kh, kw]``, transposed
conv weights ``[Cin, Cout, kh, kw]``, GDN ``gamma[i, j]`` weighting input
channel ``j`` in the norm of output channel ``i``.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    DictionaryAttr,
    Float32Type,
    Float64Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    Signedness,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    VarConstraint,
    base,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

GDN_FORMS = ("standard", "l1")


def tensor_shape(value: SSAValue) -> tuple[int, ...]:
    """The static shape of a tensor-typed value."""
    assert isinstance(value.type, TensorType)
    return tuple(value.type.get_shape())


def _element_type(value: SSAValue) -> Attribute:
    assert isinstance(value.type, TensorType)
    return value.type.get_element_type()


def _pair(array: DenseArrayBase, name: str, op: Operation) -> tuple[int, int]:
    values = array.get_values()
    if len(values) != 2:
        raise VerifyException(f"'{op.name}' {name} must have 2 values (h, w), got {len(values)}")
    return int(values[0]), int(values[1])


def _expect_shape(op: Operation, what: str, got: Sequence[int], want: Sequence[int]) -> None:
    if tuple(got) != tuple(want):
        raise VerifyException(
            f"'{op.name}' {what} has shape {list(got)}, expected {list(want)}"
        )


def _expect_same_element_type(op: Operation, *values: SSAValue) -> None:
    types = {str(_element_type(v)) for v in values}
    if len(types) > 1:
        raise VerifyException(f"'{op.name}' mixes element types {sorted(types)}")


def _expect_nchw(op: Operation, value: SSAValue, what: str) -> tuple[int, int, int, int]:
    shape = tensor_shape(value)
    if len(shape) != 4 or shape[0] != 1:
        raise VerifyException(f"'{op.name}' {what} must be 1xCxHxW, got {list(shape)}")
    return shape  # type: ignore[return-value]


def i64_pair(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(values))


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A weight tensor: ``%w = lic.constant dense<…> : tensor<…>``."""

    name = "lic.constant"

    value = prop_def(DenseIntOrFPElementsAttr | DenseResourceAttr)
    result = result_def(TensorType)

    traits = traits_def(ConstantLike(), Pure())

    def __init__(self, value: DenseIntOrFPElementsAttr | DenseResourceAttr):
        super().__init__(properties={"value": value}, result_types=[value.type])

    def verify_(self) -> None:
        if self.value.type != self.result.type:
            raise VerifyException(
                f"'lic.constant' value type {self.value.type} differs from result type "
                f"{self.result.type}"
            )

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        value = parser.parse_attribute()
        if not isinstance(value, DenseIntOrFPElementsAttr | DenseResourceAttr):
            parser.raise_error("expected a dense or dense_resource tensor constant")
        attrs = parser.parse_optional_attr_dict()
        op = cls(value)
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_attribute(self.value)
        printer.print_op_attributes(self.attributes)


class _FoldedOp(IRDLOperation, ABC):
    """An op that becomes a hardware stage whose folding `lic-set-parallelism` sets.

    ``pe`` output lanes × ``simd`` reduction lanes × ``mmv`` pixels at once
    (GDN only; absent means 1), ``ram_style`` (bram, lutram or uram) for the
    weights (with uram, the line buffers too), and ``cost``: the cost model's
    cycles per frame and resources (dsp, bram18, uram, lut, ff) for that
    folding. Legality and the formulas live in `lic_compiler.hw`.
    """

    pe = opt_prop_def(IntegerAttr[I64])
    simd = opt_prop_def(IntegerAttr[I64])
    mmv = opt_prop_def(IntegerAttr[I64])
    ram_style = opt_prop_def(StringAttr)
    cost = opt_prop_def(DictionaryAttr)


class _ConvBase(_FoldedOp):
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    output = result_def(TensorType)

    stride = prop_def(DenseArrayBase[I64])
    padding = prop_def(DenseArrayBase[I64])

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)"
    )
    traits = traits_def(Pure())

    def strides(self) -> tuple[int, int]:
        return _pair(self.stride, "stride", self)

    def paddings(self) -> tuple[int, int]:
        return _pair(self.padding, "padding", self)

    def kernel(self) -> tuple[int, int]:
        shape = tensor_shape(self.weight)
        return shape[2], shape[3]

    def _verify_common(self, cout: int, cin: int) -> tuple[int, int, int, int]:
        _, c, h, w = _expect_nchw(self, self.input, "input")
        if c != cin:
            raise VerifyException(
                f"'{self.name}' input has {c} channels but the weight expects {cin}"
            )
        if self.bias is not None:
            _expect_shape(self, "bias", tensor_shape(self.bias), [cout])
        if min(self.strides()) < 1 or min(self.paddings()) < 0:
            raise VerifyException(f"'{self.name}' needs stride >= 1 and padding >= 0")
        if is_integer(self.input) or is_integer(self.output):
            _verify_integer_conv(self)
        else:
            _expect_same_element_type(self, self.input, self.weight, self.output)
        return c, h, w, cout


@irdl_op_definition
class Conv2dOp(_ConvBase):
    """2-D convolution, ``weight[Cout, Cin, kh, kw]``, optional ``bias[Cout]``.

    ``out[o, y, x] = bias[o] + Σ_{i,ky,kx} weight[o,i,ky,kx] · in_pad[i, y·s+ky, x·s+kx]``
    with zero padding ``padding`` on each side (PyTorch's conv2d, dilation 1).
    """

    name = "lic.conv2d"

    def __init__(
        self,
        input: SSAValue,
        weight: SSAValue,
        bias: SSAValue | None,
        stride: Sequence[int],
        padding: Sequence[int],
        result_type: Attribute,
    ):
        super().__init__(
            operands=[input, weight, [bias] if bias is not None else []],
            result_types=[result_type],
            properties={"stride": i64_pair(stride), "padding": i64_pair(padding)},
        )

    def verify_(self) -> None:
        wshape = tensor_shape(self.weight)
        if len(wshape) != 4:
            raise VerifyException(f"'lic.conv2d' weight must be 4-D, got {list(wshape)}")
        _, h, w, cout = self._verify_common(wshape[0], wshape[1])
        (sh, sw), (ph, pw), (kh, kw) = self.strides(), self.paddings(), self.kernel()
        want = [1, cout, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1]
        _expect_shape(self, "result", tensor_shape(self.output), want)


@irdl_op_definition
class ConvTranspose2dOp(_ConvBase):
    """Transposed 2-D convolution, ``weight[Cin, Cout, kh, kw]``, optional ``bias[Cout]``.

    The adjoint of conv2d with the same stride and padding (PyTorch's
    conv_transpose2d): output size ``(H-1)·s - 2p + k + output_padding``.
    """

    name = "lic.conv_transpose2d"

    output_padding = prop_def(DenseArrayBase[I64])

    def __init__(
        self,
        input: SSAValue,
        weight: SSAValue,
        bias: SSAValue | None,
        stride: Sequence[int],
        padding: Sequence[int],
        output_padding: Sequence[int],
        result_type: Attribute,
    ):
        super().__init__(
            operands=[input, weight, [bias] if bias is not None else []],
            result_types=[result_type],
            properties={
                "stride": i64_pair(stride),
                "padding": i64_pair(padding),
                "output_padding": i64_pair(output_padding),
            },
        )

    def output_paddings(self) -> tuple[int, int]:
        return _pair(self.output_padding, "output_padding", self)

    def verify_(self) -> None:
        wshape = tensor_shape(self.weight)
        if len(wshape) != 4:
            raise VerifyException(
                f"'lic.conv_transpose2d' weight must be 4-D, got {list(wshape)}"
            )
        _, h, w, cout = self._verify_common(wshape[1], wshape[0])
        (sh, sw), (ph, pw), (kh, kw) = self.strides(), self.paddings(), self.kernel()
        oph, opw = self.output_paddings()
        if not (0 <= oph < sh and 0 <= opw < sw):
            raise VerifyException(
                "'lic.conv_transpose2d' output_padding must be in [0, stride)"
            )
        want = [1, cout, (h - 1) * sh - 2 * ph + kh + oph, (w - 1) * sw - 2 * pw + kw + opw]
        _expect_shape(self, "result", tensor_shape(self.output), want)


@irdl_op_definition
class GdnOp(_FoldedOp):
    """Generalized divisive normalization (Ballé et al.), per pixel over channels.

    ``standard``: ``y_i = x_i / sqrt(β_i + Σ_j γ_ij x_j²)``;
    ``l1`` (simplified GDN): ``y_i = x_i / (β_i + Σ_j γ_ij |x_j|)``.
    With ``inverse`` (IGDN) the division becomes a multiplication. β and γ are
    the reparametrised (non-negative) values.
    """

    name = "lic.gdn"

    input = operand_def(TensorType)
    beta = operand_def(TensorType)
    gamma = operand_def(TensorType)
    output = result_def(TensorType)

    inverse = opt_prop_def(UnitAttr)
    form = prop_def(StringAttr, default_value=StringAttr("standard"))

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$input `,` $beta `,` $gamma attr-dict `:` functional-type(operands, results)"
    )
    traits = traits_def(Pure())

    def __init__(
        self,
        input: SSAValue,
        beta: SSAValue,
        gamma: SSAValue,
        *,
        inverse: bool = False,
        form: str = "standard",
    ):
        props: dict[str, Attribute] = {"inverse": UnitAttr()} if inverse else {}
        props["form"] = StringAttr(form)
        super().__init__(
            operands=[input, beta, gamma], result_types=[input.type], properties=props
        )

    @property
    def is_inverse(self) -> bool:
        return self.inverse is not None

    def verify_(self) -> None:
        _, c, _, _ = _expect_nchw(self, self.input, "input")
        _expect_shape(self, "beta", tensor_shape(self.beta), [c])
        _expect_shape(self, "gamma", tensor_shape(self.gamma), [c, c])
        if self.output.type != self.input.type:
            raise VerifyException("'lic.gdn' result type must equal the input type")
        if self.form.data not in GDN_FORMS:
            raise VerifyException(
                f"'lic.gdn' form must be one of {', '.join(GDN_FORMS)}, got '{self.form.data}'"
            )
        _expect_same_element_type(self, self.input, self.beta, self.gamma)


class _UnaryOp(IRDLOperation, ABC):
    T: ClassVar = VarConstraint("T", base(TensorType))
    input = operand_def(T)
    output = result_def(T)

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($output)"
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, **properties: Attribute):
        super().__init__(operands=[input], result_types=[input.type], properties=properties)

@irdl_op_definition
class ReluOp(_UnaryOp):
    """``max(x, 0)``; on integers the same, in the input's type."""

    name = "lic.relu"


@irdl_op_definition
class LeakyReluOp(_UnaryOp):
    """``x`` if ``x >= 0`` else ``negative_slope · x``.

    On integers the slope is the dyadic ``multiplier / 2^shift`` (both
    required there, refused on floats), rounded as `lic.rescale` rounds and
    saturated to the input's type, which the result keeps::

        y = x                                               if x >= 0
        y = saturate((x · multiplier + 2^(shift − 1)) >> shift)   otherwise

    ``negative_slope`` records the float slope it stands for.
    """

    name = "lic.leaky_relu"

    negative_slope = prop_def(FloatAttr[Float64Type])
    multiplier = opt_prop_def(IntegerAttr[I64])
    shift = opt_prop_def(IntegerAttr[I64])

    def slope_params(self) -> tuple[int, int]:
        """The integer slope's (multiplier, shift)."""
        assert self.multiplier is not None and self.shift is not None
        return self.multiplier.value.data, self.shift.value.data

    def verify_(self) -> None:
        if self.negative_slope.value.data < 0:
            raise VerifyException("'lic.leaky_relu' negative_slope must be >= 0")
        given = (self.multiplier is not None) + (self.shift is not None)
        if not is_integer(self.input):
            if given:
                raise VerifyException("'lic.leaky_relu' multiplier and shift apply to integer tensors only")
            return
        in_type = _int_type(self, self.input, "input")
        if given != 2:
            raise VerifyException(
                "'lic.leaky_relu' on integers needs multiplier and shift (the slope as multiplier / 2^shift)"
            )
        verify_rescale_factor(self, in_type, *self.slope_params())


@irdl_op_definition
class AbsOp(_UnaryOp):
    """``|x|`` (CompressAI's hyper-analysis input). On integers it saturates:
    ``|−2^(N−1)|`` gives ``2^(N−1) − 1``, so the result keeps the input's type."""

    name = "lic.abs"


class _ShuffleOp(IRDLOperation, ABC):
    """A sub-pixel reorder by ``factor`` r (no arithmetic: any element type, kept)."""

    input = operand_def(TensorType)
    output = result_def(TensorType)
    factor = prop_def(IntegerAttr[I64])

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, factor: int, result_type: Attribute):
        super().__init__(
            operands=[input], result_types=[result_type], properties={"factor": IntegerAttr(factor, i64)}
        )

    @property
    def r(self) -> int:
        return self.factor.value.data

    def expected_shape(self, c: int, h: int, w: int) -> list[int]: ...

    def verify_(self) -> None:
        _, c, h, w = _expect_nchw(self, self.input, "input")
        if self.r < 1:
            raise VerifyException(f"'{self.name}' factor must be at least 1, got {self.r}")
        _expect_shape(self, "result", tensor_shape(self.output), self.expected_shape(c, h, w))
        _expect_same_element_type(self, self.input, self.output)


@irdl_op_definition
class PixelShuffleOp(_ShuffleOp):
    """Sub-pixel convolution's reorder (PyTorch's ``pixel_shuffle``), C·r²×H×W → C×rH×rW:
    ``out[c, h·r + i, w·r + j] = in[c·r² + i·r + j, h, w]``."""

    name = "lic.pixel_shuffle"

    def expected_shape(self, c: int, h: int, w: int) -> list[int]:
        r2 = self.r * self.r
        if c % r2:
            raise VerifyException(f"'{self.name}' needs channels divisible by factor² = {r2}, got {c}")
        return [1, c // r2, h * self.r, w * self.r]


@irdl_op_definition
class PixelUnshuffleOp(_ShuffleOp):
    """The inverse reorder (``pixel_unshuffle``), C×H×W → C·r²×H/r×W/r:
    ``out[c·r² + i·r + j, h, w] = in[c, h·r + i, w·r + j]``."""

    name = "lic.pixel_unshuffle"

    def expected_shape(self, c: int, h: int, w: int) -> list[int]:
        if h % self.r or w % self.r:
            raise VerifyException(f"'{self.name}' needs height and width divisible by {self.r}, got {h}x{w}")
        return [1, c * self.r * self.r, h // self.r, w // self.r]


def shuffle(x, r: int):
    """`lic.pixel_shuffle` on a 1×C·r²×H×W numpy array."""
    _, c, h, w = x.shape
    return x.reshape(1, c // (r * r), r, r, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(1, c // (r * r), h * r, w * r)


def unshuffle(x, r: int):
    """`lic.pixel_unshuffle` on a 1×C×H×W numpy array."""
    _, c, h, w = x.shape
    return x.reshape(1, c, h // r, r, w // r, r).transpose(0, 1, 3, 5, 2, 4).reshape(1, c * r * r, h // r, w // r)


class _FrameOp(IRDLOperation, ABC):
    """A change of frame size at the bottom and right edges (no arithmetic: any element
    type, kept; the channels kept); the result type gives the new size. An equal size is
    a copy (the same codec measured at a frame its stride divides, `quant.frame`)."""

    input = operand_def(TensorType)
    output = result_def(TensorType)

    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, result_type: Attribute):
        super().__init__(operands=[input], result_types=[result_type])

    GROWS: ClassVar[bool]  # the result is at least the input's size (else at most)

    def verify_(self) -> None:
        _, c, h, w = _expect_nchw(self, self.input, "input")
        _, co, ho, wo = _expect_nchw(self, self.output, "result")
        if co != c:
            raise VerifyException(f"'{self.name}' keeps the {c} channels, got {co}")
        if not (ho >= h and wo >= w if self.GROWS else ho <= h and wo <= w):
            raise VerifyException(
                f"'{self.name}' result must be {'at least' if self.GROWS else 'at most'} its {w}x{h} input "
                f"in width and height, got {wo}x{ho}"
            )
        _expect_same_element_type(self, self.input, self.output)


@irdl_op_definition
class PadOp(_FrameOp):
    """Edge replication to a larger frame, at the bottom and right:
    ``out[c, y, x] = in[c, min(y, H − 1), min(x, W − 1)]`` (a frame the model's stride
    does not divide, padded to the next multiple)."""

    name = "lic.pad"
    GROWS: ClassVar[bool] = True


@irdl_op_definition
class CropOp(_FrameOp):
    """The top-left corner of a larger frame: ``out[c, y, x] = in[c, y, x]`` (the padded
    frame's reconstruction, cropped back to the image)."""

    name = "lic.crop"
    GROWS: ClassVar[bool] = False


def pad_edge(x, height: int, width: int):
    """`lic.pad` on a 1×C×H×W numpy array, to `height` × `width`."""
    _, _, h, w = x.shape
    rows = [min(y, h - 1) for y in range(height)]
    return x[:, :, rows][:, :, :, [min(i, w - 1) for i in range(width)]]


def crop(x, height: int, width: int):
    """`lic.crop` on a 1×C×H×W numpy array, to `height` × `width`."""
    return x[:, :, :height, :width]


class _BinaryOp(IRDLOperation, ABC):
    """Elementwise on tensors of one shape. Float: one type for both operands and
    the result, ``: T``. Integer: exact, any widths, with a result type the
    verifier proves holds every result, ``: (T1, T2) -> T3`` when they differ."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    output = result_def(TensorType)

    traits = traits_def(Pure())

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: Attribute | None = None):
        super().__init__(operands=[lhs, rhs], result_types=[result_type or lhs.type])

    def verify_(self) -> None:
        values = (self.lhs, self.rhs, self.output)
        shapes = [list(tensor_shape(v)) for v in values]
        if shapes.count(shapes[0]) != 3:
            raise VerifyException(f"'{self.name}' operands and result need one shape, got {shapes}")
        if any(is_integer(v) for v in values):
            _verify_integer_binary(self)
        elif not self.lhs.type == self.rhs.type == self.output.type:
            raise VerifyException(f"'{self.name}' float operands and result need one type")

    @classmethod
    def parse(cls, parser: Parser) -> _BinaryOp:
        lhs = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        rhs = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        if parser.parse_optional_punctuation("(") is None:
            lhs_type = rhs_type = out_type = parser.parse_type()
        else:
            lhs_type = parser.parse_type()
            parser.parse_punctuation(",")
            rhs_type = parser.parse_type()
            parser.parse_punctuation(")")
            parser.parse_punctuation("->")
            out_type = parser.parse_type()
        op = cls(
            parser.resolve_operand(lhs, lhs_type), parser.resolve_operand(rhs, rhs_type), out_type
        )
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.lhs)
        printer.print_string(", ")
        printer.print_operand(self.rhs)
        printer.print_op_attributes(self.attributes)
        types = (self.lhs.type, self.rhs.type, self.output.type)
        if types[0] == types[1] == types[2]:
            printer.print_string(" : ")
            printer.print_attribute(types[0])
        else:
            printer.print_string(" : (")
            printer.print_attribute(types[0])
            printer.print_string(", ")
            printer.print_attribute(types[1])
            printer.print_string(") -> ")
            printer.print_attribute(types[2])


@irdl_op_definition
class AddOp(_BinaryOp):
    """Elementwise ``lhs + rhs``."""

    name = "lic.add"


@irdl_op_definition
class MulOp(_BinaryOp):
    """Elementwise ``lhs · rhs``."""

    name = "lic.mul"


# --- GDN's decomposition: root and reciprocal with hardware approximations ---

APPROX_FUNCTIONS = ("rsqrt", "sqrt", "reciprocal")
APPROX_MODES = ("exact", "table", "pwl", "newton")
APPROX_PARAMS = ("table_bits", "segments", "newton_steps")
_MODE_PARAMS = {
    "exact": (),
    "table": ("table_bits",),
    "pwl": ("segments",),
    "newton": ("table_bits", "newton_steps"),
}
# Limits of the fixed-point definitions (16 fractional bits in the mantissa).
TABLE_BITS_RANGE = (1, 16)
SEGMENTS_RANGE = (2, 4096)
NEWTON_STEPS_RANGE = (1, 3)


def approx_problem(
    mode: str, table_bits: int | None, segments: int | None, newton_steps: int | None
) -> str | None:
    """Why a mode and its parameters are not a valid approximation, or None."""
    if mode not in APPROX_MODES:
        return f"mode must be one of {', '.join(APPROX_MODES)}, got '{mode}'"
    given = {"table_bits": table_bits, "segments": segments, "newton_steps": newton_steps}
    wanted = _MODE_PARAMS[mode]
    if (extra := [n for n, v in given.items() if v is not None and n not in wanted]):
        return f"mode {mode} takes {', '.join(wanted) or 'no parameters'}, not {', '.join(extra)}"
    if (missing := [n for n in wanted if given[n] is None]):
        return f"mode {mode} needs {', '.join(missing)}"
    limits = {"table_bits": TABLE_BITS_RANGE, "newton_steps": NEWTON_STEPS_RANGE}
    for name, (lo, hi) in limits.items():
        value = given[name]
        if value is not None and not lo <= value <= hi:
            return f"{name} must be in [{lo}, {hi}], got {value}"
    lo, hi = SEGMENTS_RANGE
    if segments is not None and not (lo <= segments <= hi and segments & (segments - 1) == 0):
        return f"segments must be a power of two in [{lo}, {hi}], got {segments}"
    return None


class _ApproxOp(IRDLOperation, ABC):
    """An elementwise function g of a positive float tensor, exact or in fixed point.

    ``mode`` and its parameters define the result bit for bit
    (`lic_compiler.gdn_approx` implements exactly this):

    - Normalise: ``x = f·2^E``, ``f ∈ [1, 2)``; ``f_t`` is ``f`` truncated to
      16 fractional bits. rsqrt and sqrt use ``m = f·2^p ∈ [1, 4)``,
      ``p = E mod 2``, ``e = (E − p)/2``, so that ``x = m·4^e``; the
      reciprocal uses ``m = f``, ``e = E``. ``m_t`` is ``m`` with ``f_t``.
    - Bins: ``k`` index bits select one of 2^k bins ``[lo, hi)`` of ``m``:
      for the roots ``p`` then the top k−1 fraction bits of ``f``, for the
      reciprocal the top k fraction bits.
    - Fixed point: every value below has 16 fractional bits,
      ``rnd(v) = ⌊v·2^16 + ½⌋ / 2^16``.
    - ``exact``: g(x) in the element type.
    - ``table(table_bits = k)``: ``y = rnd(2·g(lo)·g(hi) / (g(lo) + g(hi)))``.
    - ``pwl(segments = 2^k)``: with ``b = (g(hi) − g(lo))/(hi − lo)`` and
      ``t`` where ``g'(t) = b``, ``A = rnd((g(lo) + g(t) + b·(lo − t))/2)``,
      ``B = rnd(b)`` and ``y = rnd(A + B·(m_t − lo))``.
    - ``newton(table_bits = k, newton_steps = n)``: ``y`` starts at the
      k-bit table entry (of rsqrt for rsqrt and sqrt); each step is
      ``y ← rnd(y·(3 − rnd(m_t·rnd(y·y)))/2)`` (roots) or
      ``y ← rnd(y·(2 − rnd(m_t·y)))`` (reciprocal); sqrt then takes
      ``y ← rnd(m_t·y)``.
    - The result is ``y·2^−e`` (rsqrt, reciprocal) or ``y·2^e`` (sqrt), exact
      in the element type unless it leaves its normal range.

    Zero, negative, infinite and NaN arguments give the exact function's IEEE
    value. Syntax: ``lic.rsqrt %x pwl(segments = 32) : tensor<…>``; ``exact``
    prints no mode.
    """

    T: ClassVar = VarConstraint("T", base(TensorType))
    input = operand_def(T)
    output = result_def(T)

    mode = prop_def(StringAttr, default_value=StringAttr("exact"))
    table_bits = opt_prop_def(IntegerAttr[I64])
    segments = opt_prop_def(IntegerAttr[I64])
    newton_steps = opt_prop_def(IntegerAttr[I64])

    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, mode: str = "exact", **params: int | None):
        props: dict[str, Attribute] = {"mode": StringAttr(mode)}
        unknown = set(params) - set(APPROX_PARAMS)
        assert not unknown, f"unknown approximation parameters {sorted(unknown)}"
        props |= {n: IntegerAttr(params[n], i64) for n in APPROX_PARAMS if params.get(n) is not None}
        super().__init__(operands=[input], result_types=[input.type], properties=props)

    def approx_params(self) -> dict[str, str | int]:
        """``mode`` and the parameters it has, as plain values."""
        params: dict[str, str | int] = {"mode": self.mode.data}
        for name in APPROX_PARAMS:
            if (attr := getattr(self, name)) is not None:
                params[name] = attr.value.data
        return params

    def verify_(self) -> None:
        element = _element_type(self.input)
        if not isinstance(element, Float32Type | Float64Type):
            raise VerifyException(f"'{self.name}' needs f32 or f64 elements, got {element}")
        p = self.approx_params()
        problem = approx_problem(
            self.mode.data, p.get("table_bits"), p.get("segments"), p.get("newton_steps")
        )  # type: ignore[arg-type]
        if problem:
            raise VerifyException(f"'{self.name}' {problem}")

    @classmethod
    def parse(cls, parser: Parser) -> _ApproxOp:
        unresolved = parser.parse_unresolved_operand()
        mode = parser.parse_optional_keyword_in(APPROX_MODES) or "exact"
        params: dict[str, int | None] = {}
        if mode != "exact":

            def parse_param() -> None:
                name = parser.parse_keyword_in(APPROX_PARAMS, " as an approximation parameter")
                parser.parse_punctuation("=")
                params[name] = parser.parse_integer(allow_boolean=False, allow_negative=False)

            parser.parse_comma_separated_list(parser.Delimiter.PAREN, parse_param)
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        op = cls(parser.resolve_operand(unresolved, parser.parse_type()), mode, **params)
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.input)
        p = self.approx_params()
        mode = p.pop("mode")
        if mode != "exact":
            printer.print_string(f" {mode}(" + ", ".join(f"{k} = {v}" for k, v in p.items()) + ")")
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.output.type)


@irdl_op_definition
class RsqrtOp(_ApproxOp):
    """``1 / sqrt(x)``: GDN's normalisation factor. See `_ApproxOp` for the modes."""

    name = "lic.rsqrt"


@irdl_op_definition
class SqrtOp(_ApproxOp):
    """``sqrt(x)``: IGDN's normalisation factor. See `_ApproxOp` for the modes."""

    name = "lic.sqrt"


@irdl_op_definition
class ReciprocalOp(_ApproxOp):
    """``1 / x``: the L1 (simplified) GDN's normalisation factor. See `_ApproxOp`."""

    name = "lic.reciprocal"


# --- The integer level ---------------------------------------------------------
#
# Integer tensors use builtin integer element types: signless ``iN`` (and
# ``siN``) hold two's-complement values in [−2^(N−1), 2^(N−1) − 1], as in
# MLIR's arith and TOSA, and ``uiN`` holds [0, 2^N − 1] (image pixels). Any
# N from 1 to `MAX_INT_BITS` is legal (``i24`` is a 24-bit register in the
# hardware, an int32 in numpy and in the standard-type C++ build). A value
# outside its type's range is never produced: the ops below either prove
# that no result can leave its range (convolutions, add, mul) or saturate
# (rescale, table, abs).
#
# `lic.conv2d`, `lic.conv_transpose2d`, `lic.add`, `lic.mul`, `lic.relu` and
# `lic.abs` keep their names on integer tensors; `lic.rescale` and
# `lic.table` exist only there.

# Widest integer element: every exact sum the verifier admits stays below 2^53,
# so float64 kernels compute it exactly, and every rescale product fits int64.
MAX_INT_BITS = 48
# lic.rescale: multiplier in [0, 2^31), shift in [0, 62], |offset| < 2^31, and
# |input| × multiplier + rounding term < 2^62 (one int64 product in C++).
RESCALE_MULTIPLIER_LIMIT = 1 << 31
RESCALE_MAX_SHIFT = 62
RESCALE_PRODUCT_LIMIT = 1 << 62


def is_integer(value: SSAValue) -> bool:
    """Whether `value` is a tensor of integers."""
    return isinstance(_element_type(value), IntegerType)


def int_range(element: Attribute) -> tuple[int, int]:
    """The least and greatest value of an integer element type (see above)."""
    assert isinstance(element, IntegerType)
    n = element.width.data
    if element.signedness.data == Signedness.UNSIGNED:
        return 0, (1 << n) - 1
    return -(1 << (n - 1)), (1 << (n - 1)) - 1


def signed_bits(lo: int, hi: int) -> int:
    """The narrowest signed (signless ``iN``) width that holds every value in [lo, hi]."""
    n = 1
    while not (-(1 << (n - 1)) <= lo and hi <= (1 << (n - 1)) - 1):
        n += 1
    return n


def _int_type(op: Operation, value: SSAValue, what: str) -> IntegerType:
    element = _element_type(value)
    if not isinstance(element, IntegerType):
        raise VerifyException(f"'{op.name}' {what} must have integer elements, got {element}")
    if element.width.data > MAX_INT_BITS:
        raise VerifyException(
            f"'{op.name}' {what} is {element}; integer tensors are at most {MAX_INT_BITS} bits"
        )
    return element


def constant_values(value: SSAValue):
    """The values of a `lic.constant` operand as an int64/float64 numpy array, else None."""
    if not isinstance(value.owner, ConstantOp):
        return None
    import numpy as np

    from lic_compiler.ir import to_numpy

    array = to_numpy(value.owner.value)
    return array.astype(np.int64 if is_integer(value) else np.float64)


def value_range(value: SSAValue) -> tuple[int, int]:
    """The range of an integer value: of its constant elements if constant, else of its type."""
    values = constant_values(value)
    if values is not None and values.size:
        return int(values.min()), int(values.max())
    return int_range(_element_type(value))


def _check_fits(op: Operation, lo: int, hi: int, where: str = "") -> None:
    """Refuse `op` unless its result's type holds every value in [lo, hi]."""
    out = _element_type(op.results[0])
    rlo, rhi = int_range(out)
    if lo < rlo or hi > rhi:
        raise VerifyException(
            f"'{op.name}' can overflow its result type {out}: {where}values reach "
            f"[{lo}, {hi}] for inputs of the declared types (needs i{signed_bits(lo, hi)} or wider)"
        )


def _tap_groups(op: _ConvBase, weight) -> list:
    """Per output phase, the weights that reach one output: [Cout, taps] arrays.

    A conv2d output sees every tap. A transposed conv's output at row phase
    r (row ≡ r mod stride) sees the kernel rows ky ≡ r + padding (mod
    stride), likewise for columns, so each phase is bounded separately.
    """
    if isinstance(op, Conv2dOp):
        return [weight.reshape(weight.shape[0], -1)]
    assert isinstance(op, ConvTranspose2dOp)
    (sh, sw), (ph, pw) = op.strides(), op.paddings()
    w = weight.transpose(1, 0, 2, 3)  # [Cout, Cin, kh, kw]
    kh, kw = w.shape[2:]
    groups = []
    for ry in range(sh):
        for rx in range(sw):
            taps = w[:, :, (ry + ph) % sh :: sh, (rx + pw) % sw :: sw]
            groups.append(taps.reshape(w.shape[0], -1))
    return [g for g in groups if g.shape[1]] or [w.reshape(w.shape[0], 0)]


def accumulator_range(op: _ConvBase) -> tuple[int, int, int]:
    """(least, greatest, output channel reaching the extreme) over any input of the declared type.

    Exact worst case from the constant weights (per output channel and
    phase: Σ max(w·lo, w·hi) and Σ min(w·lo, w·hi) over its taps, plus the
    bias); from the weight type's range when the weight is not a constant.
    Zero padding adds 0, which every input range contains.
    """
    import numpy as np

    lo, hi = int_range(_element_type(op.input))
    weight = constant_values(op.weight)
    cout = tensor_shape(op.output)[1]
    if weight is None:
        wlo, whi = int_range(_element_type(op.weight))
        corners = (wlo * lo, wlo * hi, whi * lo, whi * hi)
        taps = max(g.shape[1] for g in _tap_groups(op, np.zeros(tensor_shape(op.weight))))
        mins, maxs = [taps * min(corners)] * cout, [taps * max(corners)] * cout
    else:
        mins, maxs = [0] * cout, [0] * cout
        for g in _tap_groups(op, weight):
            pos = [int(v) for v in np.maximum(g, 0).sum(axis=1)]
            neg = [int(v) for v in np.minimum(g, 0).sum(axis=1)]
            mins = [min(m, p * lo + n * hi) for m, p, n in zip(mins, pos, neg)]
            maxs = [max(m, p * hi + n * lo) for m, p, n in zip(maxs, pos, neg)]
    if op.bias is not None:
        bias = constant_values(op.bias)
        if bias is None:
            blo, bhi = int_range(_element_type(op.bias))
            mins, maxs = [m + blo for m in mins], [m + bhi for m in maxs]
        else:
            mins = [m + int(b) for m, b in zip(mins, bias)]
            maxs = [m + int(b) for m, b in zip(maxs, bias)]
    channel = max(range(cout), key=lambda o: max(maxs[o], -mins[o]))
    return min(mins), max(maxs), channel


def _verify_integer_conv(op: _ConvBase) -> None:
    """Integer convolution: exact accumulation, proven to fit the result type."""
    _int_type(op, op.input, "input")
    _int_type(op, op.weight, "weight")
    out = _int_type(op, op.output, "result")
    if op.bias is not None and _element_type(op.bias) != out:
        raise VerifyException(
            f"'{op.name}' bias must have the result's element type {out}, got "
            f"{_element_type(op.bias)}"
        )
    lo, hi, channel = accumulator_range(op)
    _check_fits(op, lo, hi, f"output channel {channel}: ")


def _verify_integer_binary(op: _BinaryOp) -> None:
    for v, what in ((op.lhs, "lhs"), (op.rhs, "rhs"), (op.output, "result")):
        _int_type(op, v, what)
    (alo, ahi), (blo, bhi) = value_range(op.lhs), value_range(op.rhs)
    if isinstance(op, AddOp):
        _check_fits(op, alo + blo, ahi + bhi)
        return
    if op.lhs == op.rhs:  # a square: [0 or the least square, the greatest square]
        squares = (alo * alo, ahi * ahi)
        lo = 0 if alo <= 0 <= ahi else min(squares)
        _check_fits(op, lo, max(squares))
        return
    corners = (alo * blo, alo * bhi, ahi * blo, ahi * bhi)
    _check_fits(op, min(corners), max(corners))


@irdl_op_definition
class RescaleOp(IRDLOperation):
    """Requantise an integer tensor: per-channel (or per-tensor) multiply, shift, round, saturate.

    For each element ``x`` of channel ``c`` (dimension 1; arrays of one
    value apply to every channel)::

        t = x · multiplier[c]                                (exact)
        t = (t + 2^(shift[c] − 1)) >> shift[c]   if shift[c] > 0
        y = saturate(t + offset[c])                          (offset: 0 when absent)

    ``>>`` is an arithmetic shift (floor division by 2^shift), so the
    rounding is round-half-up (toward +∞ on ties), and ``saturate`` clamps
    to the result type's range. It computes ``round(x · multiplier / 2^shift)
    + offset``, a real scale factor with 31 bits of mantissa. Limits that
    make every step fit an int64: ``0 <= multiplier < 2^31``,
    ``0 <= shift <= 62``, ``|offset| < 2^31``, and the verifier proves
    ``|x| · multiplier + 2^(shift − 1) < 2^62`` for every ``x`` of the
    input type. Syntax::

        %y = lic.rescale %acc {multiplier = array<i64: 181, 176>, shift = array<i64: 15, 15>}
               : tensor<1x2x8x8xi32> -> tensor<1x2x8x8xi8>
    """

    name = "lic.rescale"

    input = operand_def(TensorType)
    output = result_def(TensorType)

    multiplier = prop_def(DenseArrayBase[I64])
    shift = prop_def(DenseArrayBase[I64])
    offset = opt_prop_def(DenseArrayBase[I64])

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"
    traits = traits_def(Pure())

    def __init__(
        self,
        input: SSAValue,
        multiplier: Sequence[int],
        shift: Sequence[int],
        result_type: Attribute,
        offset: Sequence[int] | None = None,
    ):
        props: dict[str, Attribute] = {
            "multiplier": DenseArrayBase.from_list(i64, [int(m) for m in multiplier]),
            "shift": DenseArrayBase.from_list(i64, [int(s) for s in shift]),
        }
        if offset is not None:
            props["offset"] = DenseArrayBase.from_list(i64, [int(o) for o in offset])
        super().__init__(operands=[input], result_types=[result_type], properties=props)

    def params(self) -> tuple[list[int], list[int], list[int]]:
        """(multiplier, shift, offset) as lists of equal length (1 or the channel count)."""
        m = [int(v) for v in self.multiplier.get_values()]
        s = [int(v) for v in self.shift.get_values()]
        o = [int(v) for v in self.offset.get_values()] if self.offset is not None else [0] * len(m)
        return m, s, o

    def verify_(self) -> None:
        _, c, _, _ = _expect_nchw(self, self.input, "input")
        in_type = _int_type(self, self.input, "input")
        _int_type(self, self.output, "result")
        _expect_shape(self, "result", tensor_shape(self.output), tensor_shape(self.input))
        m, s, o = self.params()
        if len(m) not in (1, c) or len(s) != len(m) or len(o) != len(m):
            raise VerifyException(
                f"'lic.rescale' multiplier, shift and offset need 1 or {c} values each, "
                f"got {len(m)}, {len(s)} and {len(o)}"
            )
        for ch, (mult, sh, off) in enumerate(zip(m, s, o)):
            verify_rescale_factor(self, in_type, mult, sh, f" (channel {ch})")
            if abs(off) >= 1 << 31:
                raise VerifyException(f"'lic.rescale' offset {off} (channel {ch}) is not in (-2^31, 2^31)")


def verify_rescale_factor(op: Operation, in_type: IntegerType, mult: int, sh: int, where: str = "") -> None:
    """Refuse a multiplier/shift pair outside `lic.rescale`'s limits for `in_type` inputs."""
    if not 0 <= mult < RESCALE_MULTIPLIER_LIMIT:
        raise VerifyException(f"'{op.name}' multiplier {mult}{where} is not in [0, 2^31)")
    if not 0 <= sh <= RESCALE_MAX_SHIFT:
        raise VerifyException(f"'{op.name}' shift {sh}{where} is not in [0, 62]")
    lo, hi = int_range(in_type)
    if max(-lo, hi) * mult + ((1 << sh) >> 1) >= RESCALE_PRODUCT_LIMIT:
        raise VerifyException(
            f"'{op.name}' product of a {in_type} input and multiplier {mult}{where} "
            "can reach 2^62; use a smaller multiplier and shift"
        )


@irdl_op_definition
class TableOp(IRDLOperation):
    """GDN's root or reciprocal of an integer tensor, as a fixed-point integer.

    ``function`` (rsqrt, sqrt or reciprocal) in an approximate ``mode``
    (table, pwl, newton, with their parameters) is exactly the function
    `lic_compiler.gdn_approx` defines for `lic.rsqrt`/`lic.sqrt`/
    `lic.reciprocal`, applied to the integer ``n`` itself: normalise ``n``
    to a mantissa and exponent (leading-one position), approximate on the
    mantissa's top 16 fractional bits, giving the dyadic value
    ``v = a · 2^−16 · 2^(∓e)`` with ``a`` the fixed-point table (or line, or
    Newton) result. The op returns ``v`` with ``frac_bits`` fractional bits::

        y = saturate(⌊v · 2^frac_bits + ½⌋)                          for n > 0

    (round half up, clamp to the result type; ``frac_bits`` may be
    negative). For ``n <= 0``, which GDN cannot produce (β > 0, γ ≥ 0):
    rsqrt and reciprocal give the result type's maximum, sqrt gives 0.
    Syntax::

        %r = lic.table %n rsqrt pwl(segments = 32) frac_bits = 20
               : tensor<1x64x8x8xi32> -> tensor<1x64x8x8xi16>
    """

    name = "lic.table"

    input = operand_def(TensorType)
    output = result_def(TensorType)

    function = prop_def(StringAttr)
    mode = prop_def(StringAttr)
    table_bits = opt_prop_def(IntegerAttr[I64])
    segments = opt_prop_def(IntegerAttr[I64])
    newton_steps = opt_prop_def(IntegerAttr[I64])
    frac_bits = prop_def(IntegerAttr[I64])

    traits = traits_def(Pure())

    def __init__(
        self,
        input: SSAValue,
        function: str,
        mode: str,
        frac_bits: int,
        result_type: Attribute,
        **params: int | None,
    ):
        unknown = set(params) - set(APPROX_PARAMS)
        assert not unknown, f"unknown approximation parameters {sorted(unknown)}"
        props: dict[str, Attribute] = {
            "function": StringAttr(function),
            "mode": StringAttr(mode),
            "frac_bits": IntegerAttr(frac_bits, i64),
        }
        props |= {n: IntegerAttr(params[n], i64) for n in APPROX_PARAMS if params.get(n) is not None}
        super().__init__(operands=[input], result_types=[result_type], properties=props)

    def approx_params(self) -> dict[str, str | int]:
        """``mode`` and the parameters it has, as plain values (as `_ApproxOp`'s)."""
        params: dict[str, str | int] = {"mode": self.mode.data}
        for name in APPROX_PARAMS:
            if (attr := getattr(self, name)) is not None:
                params[name] = attr.value.data
        return params

    def verify_(self) -> None:
        _int_type(self, self.input, "input")
        _int_type(self, self.output, "result")
        _expect_shape(self, "result", tensor_shape(self.output), tensor_shape(self.input))
        if self.function.data not in APPROX_FUNCTIONS:
            raise VerifyException(
                f"'lic.table' function must be one of {', '.join(APPROX_FUNCTIONS)}, "
                f"got '{self.function.data}'"
            )
        p = self.approx_params()
        if p["mode"] == "exact":
            raise VerifyException(
                "'lic.table' has no exact mode (it has no fixed-point definition); "
                "use table, pwl or newton"
            )
        problem = approx_problem(
            self.mode.data, p.get("table_bits"), p.get("segments"), p.get("newton_steps")
        )  # type: ignore[arg-type]
        if problem:
            raise VerifyException(f"'lic.table' {problem}")
        if abs(self.frac_bits.value.data) > 64:
            raise VerifyException(f"'lic.table' frac_bits must be in [-64, 64], got {self.frac_bits.value.data}")

    @classmethod
    def parse(cls, parser: Parser) -> TableOp:
        unresolved = parser.parse_unresolved_operand()
        function = parser.parse_keyword_in(APPROX_FUNCTIONS, " as the table's function")
        mode = parser.parse_keyword_in(APPROX_MODES, " as an approximation mode")
        params: dict[str, int | None] = {}

        def parse_param() -> None:
            name = parser.parse_keyword_in(APPROX_PARAMS, " as an approximation parameter")
            parser.parse_punctuation("=")
            params[name] = parser.parse_integer(allow_boolean=False, allow_negative=False)

        if mode != "exact":
            parser.parse_comma_separated_list(parser.Delimiter.PAREN, parse_param)
        parser.parse_keyword("frac_bits")
        parser.parse_punctuation("=")
        frac_bits = parser.parse_integer(allow_boolean=False)
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        in_type = parser.parse_type()
        parser.parse_punctuation("->")
        out_type = parser.parse_type()
        op = cls(parser.resolve_operand(unresolved, in_type), function, mode, frac_bits, out_type, **params)
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.input)
        p = self.approx_params()
        mode = p.pop("mode")
        printer.print_string(f" {self.function.data} {mode}")
        if mode != "exact":
            printer.print_string("(" + ", ".join(f"{k} = {v}" for k, v in p.items()) + ")")
        printer.print_string(f" frac_bits = {self.frac_bits.value.data}")
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.input.type)
        printer.print_string(" -> ")
        printer.print_attribute(self.output.type)


Lic = Dialect(
    "lic",
    [
        ConstantOp,
        Conv2dOp,
        ConvTranspose2dOp,
        GdnOp,
        ReluOp,
        LeakyReluOp,
        AbsOp,
        AddOp,
        MulOp,
        PixelShuffleOp,
        PixelUnshuffleOp,
        PadOp,
        CropOp,
        RsqrtOp,
        SqrtOp,
        ReciprocalOp,
        RescaleOp,
        TableOp,
    ],
)
