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
    """``max(x, 0)``."""

    name = "lic.relu"


@irdl_op_definition
class LeakyReluOp(_UnaryOp):
    """``x`` if ``x >= 0`` else ``negative_slope · x``."""

    name = "lic.leaky_relu"

    negative_slope = prop_def(FloatAttr[Float64Type])


@irdl_op_definition
class AbsOp(_UnaryOp):
    """``|x|`` (CompressAI's hyper-analysis input)."""

    name = "lic.abs"


class _BinaryOp(IRDLOperation, ABC):
    T: ClassVar = VarConstraint("T", base(TensorType))
    lhs = operand_def(T)
    rhs = operand_def(T)
    output = result_def(T)

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($output)"
    traits = traits_def(Pure())

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=[lhs.type])


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
    """An elementwise function of a positive float tensor, exact or approximated.

    ``mode`` selects ``exact`` or a fixed-point approximation with its
    parameters (``table_bits``, ``segments``, ``newton_steps``). The modes
    are defined exactly, bit for bit, in `lic_compiler.gdn_approx`:
    the argument is normalised to a mantissa ``m`` and exponent (``x = m·4^e``,
    ``m ∈ [1, 4)`` for the roots, ``x = m·2^e``, ``m ∈ [1, 2)`` for the
    reciprocal), the mantissa is truncated to 16 fractional bits and
    approximated in fixed point with 16 fractional bits, and the result is
    shifted back by ``e``:

    - ``table(table_bits = k)``: a 2^k-entry table indexed by the mantissa's
      top bits (for the roots: the exponent's parity and k−1 fraction bits);
      each entry is the bin's constant of least maximum relative error.
    - ``pwl(segments = s)``: s = 2^k segments over the same bins, each a line
      ``A + B·(m − lo)`` of least maximum error, rounded once.
    - ``newton(table_bits = k, newton_steps = n)``: the k-bit table as a
      seed, then n Newton–Raphson steps, each product rounded.

    Zero, negative, infinite and NaN arguments give the exact function's
    IEEE value. Syntax: ``lic.rsqrt %x pwl(segments = 32) : tensor<…>``; the
    ``exact`` mode prints no mode.
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
        props |= {n: IntegerAttr(v, i64) for n, v in params.items() if v is not None}
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
        input = parser.parse_operand()
        mode = parser.parse_optional_keyword_in(APPROX_MODES) or "exact"
        params: dict[str, int | None] = {}
        if mode != "exact":

            def parse_param() -> None:
                name = parser.parse_keyword_in(APPROX_PARAMS, "approximation parameter")
                parser.parse_punctuation("=")
                params[name] = parser.parse_integer(allow_boolean=False, allow_negative=False)

            parser.parse_comma_separated_list(parser.Delimiter.PAREN, parse_param)
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        result_type = parser.parse_type()
        if result_type != input.type:
            parser.raise_error(f"expected the operand's type {input.type}, got {result_type}")
        op = cls(input, mode, **params)
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
        RsqrtOp,
        SqrtOp,
        ReciprocalOp,
    ],
)
