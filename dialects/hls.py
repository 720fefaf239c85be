"""The `hls` dialect: a streaming dataflow design of hardware stages.

A function's body is one `hls.dataflow` region: stages (sliding-window
generators, matrix-vector units, polyphase transposed convolutions, GDN,
pointwise units, width converters) connected by streams. The region's
arguments are the AXI4-Stream inputs, `hls.yield` names the outputs.

A stream carries one C×H×W integer tensor in raster order (rows, then
pixels, channels innermost), ``lanes`` channels of ``pixels`` consecutive
pixels per beat, through a FIFO of ``depth`` beats:
``!hls.stream<64x32x32xi8, lanes = 8, pixels = 2, depth = 2>`` (``pixels``
is printed when above 1). With P pixels per beat, the beats of a pixel group
follow one another channel fold by channel fold, and a beat holds
``[pixel][lane]``.

Every stream has exactly one producer (a stage, or the region's argument)
and one consumer (a stage, or `hls.yield`): a tensor two stages read is
duplicated by an `hls.fork`, and a residual's two streams meet in an
`hls.add`. A stage's lanes match its
folding on both ends: an MVAU reads SIMD lanes and writes PE lanes; the
folding divides the channel counts. Knobs are properties set by
`lic-set-parallelism`: the folding (``pe``, ``simd``, ``mmv`` pixels at
once), where weights live (``ram_style``), where products are computed
(``mult_impl``: ``dsp`` or ``fabric``), and the stage's ``cost`` (cycles per
frame, DSP, BRAM18, URAM, LUT, FF); every stage lists the `lic` ops it
implements (``lic_ops``). Stage geometry lives in `hls_geometry`.

Integer semantics are the integer `lic` ops' (see `dialects/lic.py`): exact
accumulation in the declared accumulator type, then a chain of pointwise
steps (`#hls.rescale`, `#hls.table`, `#hls.relu`, `#hls.leaky_relu`, `#hls.abs`,
`#hls.square`) fused at a stage's output.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    DictionaryAttr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    Signedness,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
    Operation,
    ParametrizedAttribute,
    Region,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    opt_prop_def,
    operand_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsTerminator, Pure
from xdsl.utils.exceptions import VerifyException

from lic_compiler.dialects.hls_geometry import Beat, DeconvGeometry, WindowGeometry, beats

WeightAttr = DenseIntOrFPElementsAttr | DenseResourceAttr
RAM_STYLES = ("bram", "lutram", "uram")
MULT_IMPLS = ("dsp", "fabric")
TABLE_FUNCTIONS = ("rsqrt", "sqrt", "reciprocal")
TABLE_MODES = ("table", "pwl", "newton")
TABLE_PARAMS = ("table_bits", "segments", "newton_steps")


def int_range(t: IntegerType) -> tuple[int, int]:
    """Values of an integer type: signless and signed are two's complement."""
    n = t.width.data
    if t.signedness.data == Signedness.UNSIGNED:
        return 0, (1 << n) - 1
    return -(1 << (n - 1)), (1 << (n - 1)) - 1


def _ints(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


# --- streams ------------------------------------------------------------------


@irdl_attr_definition
class StreamType(ParametrizedAttribute, TypeAttribute):
    """``!hls.stream<CxHxWxT, lanes = L, pixels = P, depth = D>``: a tensor streamed L
    channels of P pixels per beat."""

    name = "hls.stream"

    shape: ArrayAttr[IntAttr]
    element_type: IntegerType
    lanes: IntAttr
    depth: IntAttr
    pixels: IntAttr

    def __init__(
        self, shape: Sequence[int], element_type: IntegerType, lanes: int, depth: int = 2, pixels: int = 1
    ):
        super().__init__(
            ArrayAttr([IntAttr(d) for d in shape]), element_type, IntAttr(lanes), IntAttr(depth),
            IntAttr(pixels),
        )

    def get_shape(self) -> tuple[int, int, int]:
        c, h, w = (d.data for d in self.shape.data)
        return c, h, w

    @property
    def channels(self) -> int:
        return self.get_shape()[0]

    @property
    def grid(self) -> int:
        """Pixels per frame."""
        _, h, w = self.get_shape()
        return h * w

    @property
    def beat(self) -> Beat:
        return Beat(self.lanes.data, self.pixels.data)

    @property
    def beats(self) -> int:
        """Beats per frame."""
        return beats(*self.get_shape(), self.beat)

    @property
    def bits(self) -> int:
        return self.element_type.width.data

    @property
    def beat_bits(self) -> int:
        """Bits of one beat: the width of the FIFO that holds the stream."""
        return self.beat.values * self.bits

    def with_depth(self, depth: int) -> StreamType:
        return StreamType(self.get_shape(), self.element_type, self.lanes.data, depth, self.pixels.data)

    def with_beat(self, beat: Beat) -> StreamType:
        return StreamType(self.get_shape(), self.element_type, beat.lanes, self.depth.data, beat.pixels)

    def verify(self) -> None:
        dims = [d.data for d in self.shape.data]
        if len(dims) != 3 or min(dims) < 1:
            raise VerifyException(f"!hls.stream needs a CxHxW shape of positive sizes, got {dims}")
        if self.lanes.data < 1 or dims[0] % self.lanes.data:
            raise VerifyException(
                f"!hls.stream lanes ({self.lanes.data}) must divide the {dims[0]} channels"
            )
        if not 1 <= self.pixels.data <= dims[2]:
            raise VerifyException(
                f"!hls.stream pixels ({self.pixels.data}) must be between 1 and the row of {dims[2]} pixels"
            )
        if self.depth.data < 1:
            raise VerifyException(f"!hls.stream depth must be at least 1, got {self.depth.data}")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        parser.parse_punctuation("<")
        dims, element = parser.parse_ranked_shape()
        if not isinstance(element, IntegerType):
            parser.raise_error(f"!hls.stream carries integers, got {element}")

        def value() -> int:
            parser.parse_punctuation("=")
            return parser.parse_integer(allow_boolean=False, allow_negative=False)

        parser.parse_punctuation(",")
        parser.parse_keyword("lanes")
        values = {"lanes": value(), "pixels": 1}
        parser.parse_punctuation(",")
        if parser.parse_optional_keyword("pixels") is not None:
            values["pixels"] = value()
            parser.parse_punctuation(",")
        parser.parse_keyword("depth")
        values["depth"] = value()
        parser.parse_punctuation(">")
        return (
            ArrayAttr([IntAttr(d) for d in dims]),
            element,
            IntAttr(values["lanes"]),
            IntAttr(values["depth"]),
            IntAttr(values["pixels"]),
        )

    def print_parameters(self, printer: Printer) -> None:
        dims = "x".join(str(d) for d in self.get_shape())
        printer.print_string(f"<{dims}x")
        printer.print_attribute(self.element_type)
        pixels = f", pixels = {self.pixels.data}" if self.pixels.data > 1 else ""
        printer.print_string(f", lanes = {self.lanes.data}{pixels}, depth = {self.depth.data}>")


def stream_of(value: SSAValue) -> StreamType:
    assert isinstance(value.type, StreamType), f"{value} is not a stream"
    return value.type


# --- pointwise steps ------------------------------------------------------------


class PointwiseStep(ParametrizedAttribute, ABC):
    """One elementwise integer function, as the `lic` op of the same name defines it."""

    @abstractmethod
    def result_type(self, input: IntegerType) -> IntegerType: ...

    def verify_channels(self, channels: int) -> None:
        """Refuse per-channel parameters of another channel count."""


def _parse_keyword_value(parser: AttrParser, key: str) -> Attribute:
    parser.parse_keyword(key)
    parser.parse_punctuation("=")
    return parser.parse_attribute()


@irdl_attr_definition
class RescaleStep(PointwiseStep):
    """`lic.rescale`: ``saturate(((x·multiplier + 2^(shift−1)) >> shift) + offset)`` per channel.

    ``#hls.rescale<multiplier = array<i64: …>, shift = array<i64: …>, offset = array<i64: …> -> i8>``;
    arrays of one value apply to every channel.
    """

    name = "hls.rescale"

    multiplier: DenseArrayBase[I64]
    shift: DenseArrayBase[I64]
    offset: DenseArrayBase[I64]
    type: IntegerType

    def __init__(
        self, multiplier: Sequence[int], shift: Sequence[int], offset: Sequence[int], type: IntegerType
    ):
        super().__init__(_ints(multiplier), _ints(shift), _ints(offset), type)

    def params(self) -> tuple[list[int], list[int], list[int]]:
        return (
            [int(v) for v in self.multiplier.get_values()],
            [int(v) for v in self.shift.get_values()],
            [int(v) for v in self.offset.get_values()],
        )

    def result_type(self, input: IntegerType) -> IntegerType:
        return self.type

    def verify(self) -> None:
        m, s, o = self.params()
        if not (len(m) == len(s) == len(o) >= 1):
            raise VerifyException("#hls.rescale needs as many shifts and offsets as multipliers")
        if min(m) < 0 or min(s) < 0 or max(s) > 62:
            raise VerifyException("#hls.rescale needs multipliers >= 0 and shifts in [0, 62]")

    def verify_channels(self, channels: int) -> None:
        n = len(self.params()[0])
        if n not in (1, channels):
            raise VerifyException(f"#hls.rescale has {n} values for {channels} channels")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        parser.parse_punctuation("<")
        values = []
        for i, key in enumerate(("multiplier", "shift", "offset")):
            if i:
                parser.parse_punctuation(",")
            values.append(_parse_keyword_value(parser, key))
        parser.parse_punctuation("->")
        values.append(parser.parse_type())
        parser.parse_punctuation(">")
        return values

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<multiplier = ")
        printer.print_attribute(self.multiplier)
        printer.print_string(", shift = ")
        printer.print_attribute(self.shift)
        printer.print_string(", offset = ")
        printer.print_attribute(self.offset)
        printer.print_string(" -> ")
        printer.print_attribute(self.type)
        printer.print_string(">")


@irdl_attr_definition
class TableStep(PointwiseStep):
    """`lic.table`: GDN's root or reciprocal as a fixed-point integer with ``frac_bits``.

    ``#hls.table<rsqrt pwl(segments = 32) frac_bits = 14 -> i16>``.
    """

    name = "hls.table"

    function: StringAttr
    mode: StringAttr
    params: DictionaryAttr
    frac_bits: IntAttr
    type: IntegerType

    def __init__(
        self, function: str, mode: str, params: dict[str, int], frac_bits: int, type: IntegerType
    ):
        super().__init__(
            StringAttr(function),
            StringAttr(mode),
            DictionaryAttr({k: IntegerAttr(v, i64) for k, v in sorted(params.items())}),
            IntAttr(frac_bits),
            type,
        )

    def approx_params(self) -> dict[str, int | str]:
        """``mode`` and its parameters, as `lic.table`'s `approx_params` gives them."""
        out: dict[str, int | str] = {"mode": self.mode.data}
        out |= {k: v.value.data for k, v in self.params.data.items()}  # type: ignore[attr-defined]
        return out

    def result_type(self, input: IntegerType) -> IntegerType:
        return self.type

    def verify(self) -> None:
        if self.function.data not in TABLE_FUNCTIONS or self.mode.data not in TABLE_MODES:
            raise VerifyException(
                f"#hls.table needs a function in {TABLE_FUNCTIONS} and a mode in {TABLE_MODES}"
            )
        if set(self.params.data) - set(TABLE_PARAMS):
            raise VerifyException(f"#hls.table parameters are {', '.join(TABLE_PARAMS)}")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        parser.parse_punctuation("<")
        function = parser.parse_keyword_in(TABLE_FUNCTIONS, " as the table's function")
        mode = parser.parse_keyword_in(TABLE_MODES, " as the table's mode")
        params: dict[str, Attribute] = {}

        def parse_param() -> None:
            key = parser.parse_keyword_in(TABLE_PARAMS, " as a table parameter")
            parser.parse_punctuation("=")
            params[key] = IntegerAttr(parser.parse_integer(allow_boolean=False), i64)

        parser.parse_comma_separated_list(parser.Delimiter.PAREN, parse_param)
        parser.parse_keyword("frac_bits")
        parser.parse_punctuation("=")
        frac_bits = parser.parse_integer(allow_boolean=False)
        parser.parse_punctuation("->")
        type = parser.parse_type()
        parser.parse_punctuation(">")
        return (
            StringAttr(function),
            StringAttr(mode),
            DictionaryAttr(dict(sorted(params.items()))),
            IntAttr(frac_bits),
            type,
        )

    def print_parameters(self, printer: Printer) -> None:
        args = ", ".join(f"{k} = {v.value.data}" for k, v in self.params.data.items())  # type: ignore[attr-defined]
        printer.print_string(
            f"<{self.function.data} {self.mode.data}({args}) frac_bits = {self.frac_bits.data} -> "
        )
        printer.print_attribute(self.type)
        printer.print_string(">")


@irdl_attr_definition
class ReluStep(PointwiseStep):
    """`lic.relu`: ``max(x, 0)`` in the input's type."""

    name = "hls.relu"

    def result_type(self, input: IntegerType) -> IntegerType:
        return input


@irdl_attr_definition
class LeakyReluStep(PointwiseStep):
    """`lic.leaky_relu` on integers: ``x`` if ``x >= 0``, else ``x`` rescaled by
    ``multiplier / 2^shift`` (rounded as `#hls.rescale`), saturated to the input's type.

    ``#hls.leaky_relu<multiplier = 20972, shift = 21>``.
    """

    name = "hls.leaky_relu"

    multiplier: IntAttr
    shift: IntAttr

    def __init__(self, multiplier: int, shift: int):
        super().__init__(IntAttr(multiplier), IntAttr(shift))

    def result_type(self, input: IntegerType) -> IntegerType:
        return input

    def verify(self) -> None:
        if self.multiplier.data < 0 or not 0 <= self.shift.data <= 62:
            raise VerifyException("#hls.leaky_relu needs a multiplier >= 0 and a shift in [0, 62]")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        parser.parse_punctuation("<")
        values = []
        for i, key in enumerate(("multiplier", "shift")):
            if i:
                parser.parse_punctuation(",")
            parser.parse_keyword(key)
            parser.parse_punctuation("=")
            values.append(IntAttr(parser.parse_integer(allow_boolean=False)))
        parser.parse_punctuation(">")
        return values

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<multiplier = {self.multiplier.data}, shift = {self.shift.data}>")


@irdl_attr_definition
class AbsStep(PointwiseStep):
    """`lic.abs`: ``|x|``, saturated to the input's type."""

    name = "hls.abs"

    def result_type(self, input: IntegerType) -> IntegerType:
        return input


@irdl_attr_definition
class SquareStep(PointwiseStep):
    """`lic.mul %x, %x`: the exact square, in ``type``: ``#hls.square<i16>``."""

    name = "hls.square"

    type: IntegerType

    def result_type(self, input: IntegerType) -> IntegerType:
        return self.type


def chain_type(steps: ArrayAttr, input: IntegerType, channels: int, op: Operation) -> IntegerType:
    """The element type after `steps`, checking each step's channel count."""
    t = input
    for step in steps.data:
        if not isinstance(step, PointwiseStep):
            raise VerifyException(f"'{op.name}' pointwise steps must be #hls steps, got {step}")
        step.verify_channels(channels)
        t = step.result_type(t)
    return t


# --- the dataflow region ----------------------------------------------------------


@irdl_op_definition
class DataflowOp(IRDLOperation):
    """One streaming design: tensors in, tensors out, stages in between.

    The block's arguments are the input streams (one per operand, same tensor),
    `hls.yield` gives the output streams (one per result). `period`, set by
    `hls-size-fifos`, is the frame period in cycles its FIFOs are sized for: at
    least the slowest loop's iterations per frame, more where a pause between
    frames saves the FIFO memory that would bridge it.
    """

    name = "hls.dataflow"

    inputs = var_operand_def(TensorType)
    outputs = var_result_def(TensorType)
    body = region_def("single_block")
    period = opt_prop_def(IntegerAttr[I64])

    irdl_options = (ParsePropInAttrDict(),)

    assembly_format = "$inputs attr-dict `:` functional-type($inputs, $outputs) $body"

    def __init__(self, inputs: Sequence[SSAValue], result_types: Sequence[Attribute], body: Region):
        super().__init__(operands=[inputs], result_types=[result_types], regions=[body])

    @property
    def block(self) -> Block:
        return self.body.block

    def stages(self) -> list[StageOp]:
        return [op for op in self.block.ops if isinstance(op, StageOp)]

    def verify_(self) -> None:
        block = self.block
        if self.period is not None and self.period.value.data < 1:
            raise VerifyException(f"'hls.dataflow' period must be a positive cycle count, got {self.period.value.data}")
        if len(block.args) != len(self.inputs):
            raise VerifyException("'hls.dataflow' needs one block argument per input")
        for tensor, arg in zip(self.inputs, block.args):
            _expect_streams_tensor(self, "input", tensor.type, arg.type)
        terminator = block.last_op
        if not isinstance(terminator, YieldOp) or len(terminator.operands) != len(self.outputs):
            raise VerifyException("'hls.dataflow' must end in hls.yield of one stream per result")
        for tensor, stream in zip(self.outputs, terminator.operands):
            _expect_streams_tensor(self, "result", tensor.type, stream.type)
        for op in block.ops:
            if not isinstance(op, StageOp | YieldOp):
                raise VerifyException(f"'hls.dataflow' holds stages only, got '{op.name}'")
        streams = [*block.args, *(r for op in block.ops for r in op.results)]
        for s in streams:
            uses = len(list(s.uses))
            if uses != 1:
                raise VerifyException(
                    f"stream %{s.name_hint or '?'} has {uses} consumers; every stream needs exactly one"
                )


def _expect_streams_tensor(op: Operation, what: str, tensor: Attribute, stream: Attribute) -> None:
    if not isinstance(stream, StreamType) or not isinstance(tensor, TensorType):
        raise VerifyException(f"'{op.name}' {what} must be a tensor streamed as !hls.stream")
    shape = tuple(tensor.get_shape())
    if shape != (1, *stream.get_shape()) or tensor.get_element_type() != stream.element_type:
        raise VerifyException(
            f"'{op.name}' {what} {tensor} does not match its stream {stream}"
        )


@irdl_op_definition
class YieldOp(IRDLOperation):
    """The streams a dataflow region writes to its AXI4-Stream outputs."""

    name = "hls.yield"

    streams = var_operand_def(StreamType)

    assembly_format = "$streams attr-dict `:` type($streams)"
    traits = traits_def(IsTerminator(), HasParent(DataflowOp))

    def __init__(self, *streams: SSAValue):
        super().__init__(operands=[streams])


# --- stages ------------------------------------------------------------------------


class StageOp(IRDLOperation, ABC):
    """A hardware stage: one input stream, one output stream, configuration as properties."""

    input = operand_def(StreamType)
    output = result_def(StreamType)
    # The `lic` ops this stage implements ("lic.conv2d %conv", …): for reports and diagnostics.
    lic_ops = opt_prop_def(ArrayAttr[StringAttr])
    cost = opt_prop_def(DictionaryAttr)

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"
    traits = traits_def(HasParent(DataflowOp), Pure())

    @property
    def in_type(self) -> StreamType:
        return stream_of(self.input)

    @property
    def out_type(self) -> StreamType:
        return stream_of(self.output)

    def _expect(self, condition: bool, message: str) -> None:
        if not condition:
            raise VerifyException(f"'{self.name}' {message}")

    def sources(self) -> list[str]:
        return [a.data for a in self.lic_ops.data] if self.lic_ops is not None else []


class FoldedStageOp(StageOp, ABC):
    """A stage with PE × SIMD lanes, an exact accumulator and a fused pointwise epilogue."""

    pe = prop_def(IntegerAttr[I64])
    simd = prop_def(IntegerAttr[I64])
    mmv = opt_prop_def(IntegerAttr[I64])
    ram_style = opt_prop_def(StringAttr)
    mult_impl = opt_prop_def(StringAttr)
    # [weights, activations] products per DSP48E2 the MVAU kernel packs itself
    # (`lic_compiler.hw.primitives.packing`); unset: one product per multiply.
    mult_pack = opt_prop_def(DenseArrayBase[I64])
    # Every weight is 0 or ±2^k: the products are shifts (MVAU, transposed conv).
    weight_pow2 = opt_prop_def(UnitAttr)
    acc_type = prop_def(IntegerType)
    epilogue = prop_def(ArrayAttr, default_value=ArrayAttr([]))

    @property
    def pe_value(self) -> int:
        return self.pe.value.data

    @property
    def simd_value(self) -> int:
        return self.simd.value.data

    @property
    def mmv_value(self) -> int:
        return self.mmv.value.data if self.mmv is not None else 1

    def _verify_folding(self, pe_divides: int) -> None:
        pe, simd = self.pe_value, self.simd_value
        self._expect(pe >= 1 and simd >= 1, "needs pe >= 1 and simd >= 1")
        self._expect(pe_divides % pe == 0, f"pe = {pe} must divide the {pe_divides} output channels")
        self._expect(
            self.out_type.lanes.data == pe,
            f"writes {self.out_type.lanes.data} lanes but has pe = {pe}",
        )
        if self.ram_style is not None:
            self._expect(self.ram_style.data in RAM_STYLES, f"ram_style must be one of {RAM_STYLES}")
        if self.mult_impl is not None:
            self._expect(
                self.mult_impl.data in MULT_IMPLS,
                f"mult_impl must be one of {', '.join(MULT_IMPLS)}, got '{self.mult_impl.data}'",
            )
        self._expect(self.mmv_value >= 1, "needs mmv >= 1")

    def _verify_arithmetic(self, weight: Attribute, packs: bool = True, shifts: bool = True) -> None:
        """`weight_pow2`: every weight 0 or ±2^k, no packing; `mult_pack`: a shape
        the widths fit in one DSP48E2, dividing the PE lanes and MMV pixels (each
        only on the stages whose kernels have it: `packs`, `shifts`)."""
        from lic_compiler.hw import primitives as hwp
        from lic_compiler.ir import to_numpy

        self._expect(shifts or self.weight_pow2 is None, "cannot take weight_pow2 (shift products are for hls.mvau and hls.deconv)")
        self._expect(packs or self.mult_pack is None, "cannot take mult_pack (explicit packing is for hls.mvau)")
        if self.weight_pow2 is not None:
            values = np.abs(np.asarray(to_numpy(weight), np.int64))  # type: ignore[arg-type]
            bad = values[(values != 0) & (values & (values - 1) != 0)]
            self._expect(bad.size == 0, f"has weight_pow2 but weight {int(bad[0]) if bad.size else 0} is not 0 or ±2^k; drop weight_pow2 or quantise with lic.weight_pow2")
            self._expect(self.mult_pack is None, "has weight_pow2 and mult_pack: shifts need no multiplier; drop mult_pack")
        if self.mult_pack is None:
            return
        shape = tuple(int(v) for v in self.mult_pack.get_values())
        self._expect(shape in hwp.PACK_SHAPES[:2], f"mult_pack must be one of {', '.join(str(list(s)) for s in hwp.PACK_SHAPES[:2])}, got {list(shape)}")
        self._expect(self.mult_impl is None or self.mult_impl.data == "dsp", "has mult_pack but mult_impl is not dsp; packing is for DSP48E2 products")
        w_bits = weight.type.get_element_type().width.data  # type: ignore[attr-defined]
        a_type = self.in_type.element_type
        a_bits = hwp.signed_bits(a_type.width.data, a_type.signedness.data != Signedness.UNSIGNED)
        legal = [list(s) for s in hwp.PACK_SHAPES[:2] if hwp.packing(w_bits, a_bits, *s) is not None]
        self._expect(
            hwp.packing(w_bits, a_bits, *shape) is not None,
            f"mult_pack = {list(shape)} does not fit one DSP48E2 for {w_bits}-bit weights × {a_type} activations "
            f"(legal here: {', '.join(map(str, legal)) or 'none'}); narrow the operands or drop mult_pack",
        )
        self._expect(self.pe_value % shape[0] == 0, f"mult_pack = {list(shape)} needs pe divisible by {shape[0]}, got {self.pe_value}")
        self._expect(self.mmv_value % shape[1] == 0, f"mult_pack = {list(shape)} needs mmv divisible by {shape[1]}, got {self.mmv_value}")

    def _verify_pixels(self, stream: StreamType, end: str, want: int) -> None:
        self._expect(
            stream.pixels.data == want,
            f"{end} {stream.pixels.data} pixels per beat but needs {want} (mmv = {self.mmv_value})",
        )

    def _verify_epilogue(self, channels: int) -> None:
        out = chain_type(self.epilogue, self.acc_type, channels, self)
        self._expect(
            out == self.out_type.element_type,
            f"epilogue gives {out} but the output stream carries {self.out_type.element_type}",
        )

    def _verify_weight(self, attr: Attribute, name: str, shape: Sequence[int]) -> None:
        t = attr.type  # type: ignore[attr-defined]
        self._expect(
            isinstance(t, TensorType) and tuple(t.get_shape()) == tuple(shape)
            and isinstance(t.get_element_type(), IntegerType),
            f"{name} must be an integer tensor of shape {list(shape)}, got {t}",
        )


def _pair(attr: DenseArrayBase, name: str, op: Operation) -> tuple[int, int]:
    values = attr.get_values()
    if len(values) != 2:
        raise VerifyException(f"'{op.name}' {name} needs 2 values (h, w)")
    return int(values[0]), int(values[1])


@irdl_op_definition
class WindowOp(StageOp):
    """Sliding-window generator: for each output pixel, the kh·kw·C window in (ky, kx, c)
    order, zero outside the input (``padding`` on each side), moved by ``stride``.

    Input ``C×H×W``, output ``(kh·kw·C)×Ho×Wo`` with ``Ho = (H + 2·ph − kh) / sh + 1``.
    """

    name = "hls.window"

    kernel = prop_def(DenseArrayBase[I64])
    stride = prop_def(DenseArrayBase[I64])
    padding = prop_def(DenseArrayBase[I64])

    def __init__(self, input: SSAValue, kernel, stride, padding, output_type: StreamType):
        super().__init__(
            operands=[input],
            result_types=[output_type],
            properties={"kernel": _ints(kernel), "stride": _ints(stride), "padding": _ints(padding)},
        )

    def geometry(self) -> WindowGeometry:
        (kh, kw), (sh, sw), (ph, pw) = (
            _pair(self.kernel, "kernel", self),
            _pair(self.stride, "stride", self),
            _pair(self.padding, "padding", self),
        )
        c, h, w = self.in_type.get_shape()
        return WindowGeometry(c, h, w, kh, kw, sh, sw, ph, pw)

    def verify_(self) -> None:
        g = self.geometry()
        self._expect(
            min(g.kh, g.kw, g.sh, g.sw) >= 1 and min(g.ph, g.pw) >= 0,
            "needs kernel, stride >= 1, padding >= 0",
        )
        want = (g.k, g.ho, g.wo)
        self._expect(
            self.out_type.get_shape() == want,
            f"output must be {'x'.join(map(str, want))}, got {'x'.join(map(str, self.out_type.get_shape()))}",
        )
        self._expect(self.in_type.element_type == self.out_type.element_type, "keeps the element type")


@irdl_op_definition
class MvauOp(FoldedStageOp):
    """Matrix-vector unit: ``y[o] = epilogue(bias[o] + Σ_k weight[o, k]·x[k])`` per pixel,
    accumulated exactly in ``acc_type``; PE output channels × SIMD inputs per cycle.

    Input ``K×H×W`` (SIMD lanes), output ``Cout×H×W`` (PE lanes), ``weight[Cout, K]``.
    """

    name = "hls.mvau"

    weight = prop_def(WeightAttr)
    bias = opt_prop_def(WeightAttr)

    def verify_(self) -> None:
        k, h, w = self.in_type.get_shape()
        cout, ho, wo = self.out_type.get_shape()
        self._expect((h, w) == (ho, wo), "keeps the pixel grid")
        self._verify_weight(self.weight, "weight", (cout, k))
        if self.bias is not None:
            self._verify_weight(self.bias, "bias", (cout,))
        self._verify_folding(cout)
        simd = self.simd_value
        self._expect(k % simd == 0, f"simd = {simd} must divide the reduction of {k}")
        self._expect(self.in_type.lanes.data == simd, f"reads {self.in_type.lanes.data} lanes but has simd = {simd}")
        self._expect(self.mmv_value <= w, f"mmv = {self.mmv_value} exceeds the row of {w} pixels")
        self._verify_pixels(self.in_type, "reads", self.mmv_value)
        self._verify_pixels(self.out_type, "writes", self.mmv_value)
        self._verify_epilogue(cout)
        self._verify_arithmetic(self.weight)


@irdl_op_definition
class DeconvOp(FoldedStageOp):
    """Polyphase transposed convolution (`lic.conv_transpose2d`): each output phase
    (row ≡ r, column ≡ q mod stride) is a convolution of the input with the kernel
    taps that reach it, so no multiply meets an inserted zero.

    Input ``Cin×H×W``, output ``Cout×Ho×Wo`` (PE lanes), ``weight[Cin, Cout, kh, kw]``;
    SIMD (tap, channel) products per cycle of the current phase's reduction.
    """

    name = "hls.deconv"

    weight = prop_def(WeightAttr)
    bias = opt_prop_def(WeightAttr)
    stride = prop_def(DenseArrayBase[I64])
    padding = prop_def(DenseArrayBase[I64])
    output_padding = prop_def(DenseArrayBase[I64])

    def geometry(self) -> DeconvGeometry:
        shape = self.weight.type.get_shape()  # type: ignore[attr-defined]
        (sh, sw), (ph, pw), (oph, opw) = (
            _pair(self.stride, "stride", self),
            _pair(self.padding, "padding", self),
            _pair(self.output_padding, "output_padding", self),
        )
        cin, h, w = self.in_type.get_shape()
        cout = self.out_type.channels
        return DeconvGeometry(cin, h, w, cout, int(shape[2]), int(shape[3]), sh, sw, ph, pw, oph, opw)

    def verify_(self) -> None:
        cin, h, w = self.in_type.get_shape()
        cout, ho, wo = self.out_type.get_shape()
        wshape = tuple(self.weight.type.get_shape())  # type: ignore[attr-defined]
        self._expect(len(wshape) == 4, "weight must be [Cin, Cout, kh, kw]")
        self._verify_weight(self.weight, "weight", (cin, cout, wshape[2], wshape[3]))
        g = self.geometry()
        self._expect((ho, wo) == (g.ho, g.wo), f"output must be {g.ho}x{g.wo} pixels")
        if self.bias is not None:
            self._verify_weight(self.bias, "bias", (cout,))
        self._verify_folding(cout)
        problem = g.verify()
        self._expect(problem is None, problem or "")
        self._expect(
            self.simd_value in g.simd_choices(),
            f"simd = {self.simd_value} is not legal: a divisor of Cin = {cin}, Cin × taps, "
            f"or {g.all_taps} taps × a divisor of Cin",
        )
        mmv = self.mmv_value
        self._expect(
            mmv == 1 or (g.mmv_choices(self.simd_value) != [1] and mmv <= g.qw),
            f"mmv = {mmv} is not legal: blocks at once need all phases at once "
            f"(simd = {g.all_taps} × a divisor of Cin) and at most the {g.qw} blocks of a row",
        )
        if g.at_once_channels(self.simd_value) is None:
            self._verify_pixels(self.out_type, "writes", 1)
        else:  # finished block rows leave in whole pixel groups
            p = self.out_type.pixels.data
            self._expect(g.wo % p == 0, f"writes {p} pixels per beat, which must divide the output row of {g.wo}")
        self._verify_epilogue(cout)
        self._verify_arithmetic(self.weight, packs=False)


@irdl_op_definition
class GdnOp(FoldedStageOp):
    """GDN / IGDN per pixel, the x path buffered while its norm is computed:

        n[o] = norm(beta[o] + Σ_j gamma[o, j] · prologue(x[j]))   (exact in acc_type)
        y[o] = epilogue(x[o] · n[o])                              (exact in product_type)

    ``prologue`` is the square (or |x|, L1 form), ``norm`` the steps to the
    normalisation factor (rescales, the root's table); PE output channels ×
    SIMD input channels per cycle. Input (SIMD lanes) and output (PE lanes) ``C×H×W``.
    """

    name = "hls.gdn"

    gamma = prop_def(WeightAttr)
    beta = prop_def(WeightAttr)
    prologue = prop_def(ArrayAttr)
    norm = prop_def(ArrayAttr, default_value=ArrayAttr([]))
    product_type = prop_def(IntegerType)

    def norm_type(self) -> IntegerType:
        return chain_type(self.norm, self.acc_type, self.in_type.channels, self)

    def operand_type(self) -> IntegerType:
        """The type the norm's MVAU multiplies γ with: x after the prologue."""
        return chain_type(self.prologue, self.in_type.element_type, self.in_type.channels, self)

    def verify_(self) -> None:
        c = self.in_type.channels
        self._expect(self.out_type.get_shape() == self.in_type.get_shape(), "keeps the shape")
        self._verify_weight(self.gamma, "gamma", (c, c))
        self._verify_weight(self.beta, "beta", (c,))
        self.operand_type()
        self.norm_type()
        self._verify_folding(c)
        simd = self.simd_value
        self._expect(c % simd == 0, f"simd = {simd} must divide the {c} channels")
        self._expect(self.in_type.lanes.data == simd, f"reads {self.in_type.lanes.data} lanes but has simd = {simd}")
        w = self.in_type.get_shape()[2]
        self._expect(self.mmv_value <= w, f"mmv = {self.mmv_value} exceeds the row of {w} pixels")
        self._verify_pixels(self.in_type, "reads", self.mmv_value)
        self._verify_pixels(self.out_type, "writes", self.mmv_value)
        out = chain_type(self.epilogue, self.product_type, c, self)
        self._expect(
            out == self.out_type.element_type,
            f"epilogue gives {out} but the output stream carries {self.out_type.element_type}",
        )
        self._verify_arithmetic(self.gamma, packs=False, shifts=False)


@irdl_op_definition
class PointwiseOp(StageOp):
    """``y = steps(x)`` elementwise, for elementwise ops with no producer to fuse into."""

    name = "hls.pointwise"

    steps = prop_def(ArrayAttr)

    def __init__(self, input: SSAValue, steps: Sequence[PointwiseStep], output_type: StreamType):
        super().__init__(
            operands=[input], result_types=[output_type], properties={"steps": ArrayAttr(steps)}
        )

    def verify_(self) -> None:
        i, o = self.in_type, self.out_type
        self._expect(i.get_shape() == o.get_shape() and i.beat == o.beat, "keeps shape, lanes and pixels")
        out = chain_type(self.steps, i.element_type, i.channels, self)
        self._expect(out == o.element_type, f"steps give {out} but the output carries {o.element_type}")


@irdl_op_definition
class LanesOp(StageOp):
    """Width converter: the same tensor, regrouped from one lane count to another."""

    name = "hls.lanes"

    def __init__(self, input: SSAValue, beat: Beat):
        super().__init__(operands=[input], result_types=[stream_of(input).with_beat(beat)])

    def verify_(self) -> None:
        i, o = self.in_type, self.out_type
        self._expect(
            i.get_shape() == o.get_shape() and i.element_type == o.element_type,
            "keeps the tensor",
        )


@irdl_op_definition
class ForkOp(StageOp):
    """Duplicates a stream: every beat read is written to ``output`` and to ``copy``
    (an ``hls::stream`` has one reader; a tensor that two stages read is forked)."""

    name = "hls.fork"

    output = result_def(StreamType)  # redeclared: the results in this order
    copy = result_def(StreamType)

    assembly_format = "$input attr-dict `:` type($input) `->` type($output) `,` type($copy)"

    def __init__(self, input: SSAValue):
        t = stream_of(input)
        super().__init__(operands=[input], result_types=[t, t])

    def verify_(self) -> None:
        i = self.in_type
        for name, o in (("output", self.out_type), ("copy", stream_of(self.copy))):
            self._expect(
                o.get_shape() == i.get_shape() and o.element_type == i.element_type and o.beat == i.beat,
                f"{name} must carry its input's tensor with its beat",
            )


@irdl_op_definition
class AddOp(StageOp):
    """A residual's join: ``y = epilogue(input + addend)`` elementwise, the sum exact in
    ``sum_type``; both streams arrive with one beat and leave with it.

    The stream that bypasses the other path's stages (the skip) waits in its FIFO
    while they fill: `hls-size-fifos` gives it the other path's latency in beats.
    """

    name = "hls.add"

    input = operand_def(StreamType)  # redeclared: the operands in this order
    addend = operand_def(StreamType)
    sum_type = prop_def(IntegerType)
    epilogue = prop_def(ArrayAttr, default_value=ArrayAttr([]))

    assembly_format = "$input `,` $addend attr-dict `:` type($input) `,` type($addend) `->` type($output)"

    def __init__(
        self, input: SSAValue, addend: SSAValue, sum_type: IntegerType, epilogue: Sequence[PointwiseStep],
        output_type: StreamType,
    ):
        super().__init__(
            operands=[input, addend], result_types=[output_type],
            properties={"sum_type": sum_type, "epilogue": ArrayAttr(epilogue)},
        )

    @property
    def addend_type(self) -> StreamType:
        return stream_of(self.addend)

    def verify_(self) -> None:
        i, a, o = self.in_type, self.addend_type, self.out_type
        self._expect(
            i.get_shape() == a.get_shape() == o.get_shape(),
            f"needs one shape on both inputs and the output, got {'x'.join(map(str, i.get_shape()))}, "
            f"{'x'.join(map(str, a.get_shape()))} and {'x'.join(map(str, o.get_shape()))}",
        )
        self._expect(
            i.beat == a.beat == o.beat,
            f"reads both inputs and writes with one beat, got lanes/pixels {i.lanes.data}/{i.pixels.data}, "
            f"{a.lanes.data}/{a.pixels.data} and {o.lanes.data}/{o.pixels.data}",
        )
        (ilo, ihi), (alo, ahi) = int_range(i.element_type), int_range(a.element_type)
        slo, shi = int_range(self.sum_type)
        self._expect(
            slo <= ilo + alo and ihi + ahi <= shi,
            f"sum type {self.sum_type} cannot hold every sum of {i.element_type} and {a.element_type}",
        )
        out = chain_type(self.epilogue, self.sum_type, i.channels, self)
        self._expect(out == o.element_type, f"epilogue gives {out} but the output carries {o.element_type}")


@irdl_op_definition
class ShuffleOp(StageOp):
    """Sub-pixel reorder (`lic.pixel_shuffle`, with ``inverse`` `lic.pixel_unshuffle`) by
    ``factor`` r, one pixel per beat on both ends. It buffers a *group* — the input row
    that gives r output rows (shuffle), the r input rows that give one output row
    (unshuffle) — and writes it in the output's order while the next arrives."""

    name = "hls.shuffle"

    factor = prop_def(IntegerAttr[I64])
    inverse = opt_prop_def(UnitAttr)

    def __init__(self, input: SSAValue, factor: int, inverse: bool, output_type: StreamType):
        props: dict[str, Attribute] = {"factor": IntegerAttr(factor, i64)}
        if inverse:
            props["inverse"] = UnitAttr()
        super().__init__(operands=[input], result_types=[output_type], properties=props)

    @property
    def r(self) -> int:
        return self.factor.value.data

    @property
    def is_inverse(self) -> bool:
        return self.inverse is not None

    def group(self) -> int:
        """Elements per group (the same in and out)."""
        c, _, w = self.in_type.get_shape()
        return c * w * (self.r if self.is_inverse else 1)

    def groups(self) -> int:
        _, h, _ = self.in_type.get_shape()
        return h // self.r if self.is_inverse else h

    def verify_(self) -> None:
        c, h, w = self.in_type.get_shape()
        r = self.r
        self._expect(r >= 1, f"factor must be at least 1, got {r}")
        if self.is_inverse:
            self._expect(h % r == 0 and w % r == 0, f"needs height and width divisible by {r}, got {h}x{w}")
            want = (c * r * r, h // r, w // r)
        else:
            self._expect(c % (r * r) == 0, f"needs channels divisible by factor² = {r * r}, got {c}")
            want = (c // (r * r), h * r, w * r)
        o = self.out_type
        self._expect(
            o.get_shape() == want,
            f"output must be {'x'.join(map(str, want))}, got {'x'.join(map(str, o.get_shape()))}",
        )
        self._expect(self.in_type.element_type == o.element_type, "keeps the element type")
        self._expect(self.in_type.pixels.data == o.pixels.data == 1, "reads and writes one pixel per beat")


class _FrameStageOp(StageOp, ABC):
    """A change of frame size at the bottom and right edges, one pixel per beat on both
    ends, the lanes kept (`lic.pad` / `lic.crop`)."""

    def _verify_frame(self, grows: bool) -> None:
        i, o = self.in_type, self.out_type
        (c, h, w), (co, ho, wo) = i.get_shape(), o.get_shape()
        self._expect(co == c, f"keeps the {c} channels, got {co}")
        self._expect(
            ho >= h and wo >= w if grows else ho <= h and wo <= w,
            f"output must be {'at least' if grows else 'at most'} its {w}x{h} input in width and height, "
            f"got {wo}x{ho}",
        )
        self._expect(i.element_type == o.element_type, "keeps the element type")
        self._expect(i.pixels.data == o.pixels.data == 1, "reads and writes one pixel per beat")
        self._expect(i.lanes == o.lanes, f"keeps the lanes, got {i.lanes.data} and {o.lanes.data}")


@irdl_op_definition
class PadOp(_FrameStageOp):
    """The design's input stage for a frame the stride does not divide (`lic.pad`): each
    input row passes through, followed by its last pixel repeated to the padded width;
    with padded rows, a row buffer keeps the current row and the last one is written
    again to the padded height."""

    name = "hls.pad"

    def __init__(self, input: SSAValue, output_type: StreamType):
        super().__init__(operands=[input], result_types=[output_type])

    def verify_(self) -> None:
        self._verify_frame(grows=True)


@irdl_op_definition
class CropOp(_FrameStageOp):
    """The decoder's output stage for a padded frame (`lic.crop`): it reads the padded
    frame and writes the beats of the top-left corner, dropping the rest."""

    name = "hls.crop"

    def __init__(self, input: SSAValue, output_type: StreamType):
        super().__init__(operands=[input], result_types=[output_type])

    def verify_(self) -> None:
        self._verify_frame(grows=False)


def stage_names(ops: Sequence[StageOp]) -> dict[StageOp, str]:
    """C++ identifiers of a dataflow's stages, from their result names, unique within it:
    the names the emitter gives the stage functions and the reports use. A stage with
    more results (a fork) also takes ``name_1``…, its other streams' names."""
    names: dict[StageOp, str] = {}
    taken: set[str] = set()
    for i, op in enumerate(ops):
        hint = op.output.name_hint or f"stage{i}"
        base = "".join(ch if ch.isalnum() else "_" for ch in hint)
        base = base if base[0].isalpha() else f"s_{base}"
        name, n = base, 1
        while not taken.isdisjoint(_stream_names(name, len(op.results))):
            name, n = f"{base}_{n}", n + 1
        taken |= _stream_names(name, len(op.results))
        names[op] = name
    return names


def _stream_names(name: str, results: int) -> set[str]:
    """The names of a stage's output streams in the emitted top function."""
    return {name} | {f"{name}_{i}" for i in range(1, results)}


Hls = Dialect(
    "hls",
    [
        DataflowOp, YieldOp, WindowOp, MvauOp, DeconvOp, GdnOp, PointwiseOp, LanesOp, ForkOp, AddOp, ShuffleOp,
        PadOp, CropOp,
    ],
    [StreamType, RescaleStep, TableStep, ReluStep, LeakyReluStep, AbsStep, SquareStep],
)
