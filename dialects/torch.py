"""The subset of torch-mlir's `torch` dialect that licc's importer produces.

The textual syntax is torch-mlir's own, so the output of
``torch_mlir.fx.export_and_import(..., output_type="raw")`` parses unchanged::

    %w = torch.vtensor.literal(dense_resource<h> : tensor<8x3x5x5xf32>) : !torch.vtensor<[8,3,5,5],f32>
    %int2 = torch.constant.int 2
    %s = torch.prim.ListConstruct %int2, %int2 : (!torch.int, !torch.int) -> !torch.list<int>
    %y = torch.aten.convolution %x, %w, %b, %s, ... : !torch.vtensor<...>, ... -> !torch.vtensor<...>
    %z = torch.operator "torch.lic.gdn"(%y, %beta, %gamma, %false, %false) : (...) -> !torch.vtensor<...>

Every `torch.aten.*` / `torch.prims.*` op shares one syntax (operands,
attributes, operand types, result types), implemented once in `AtenOp`. Ops
licc converts have named classes with typed operands; any other one parses as
a generic `AtenOp` subclass made on demand by `generic_op` (the context in
`lic_compiler.ir` calls it), so that a model with an unsupported layer fails
in conversion with a diagnostic naming the op, not with a parse error.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Sequence
from functools import cache
from typing import TypeAlias

from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    ContainerType,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    Float64Type,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    NoneAttr,
    ShapedType,
    StringAttr,
    TensorType,
    i64,
)
from xdsl.ir import (
    Attribute,
    Dialect,
    Operation,
    ParametrizedAttribute,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    IRDLOperation,
    base,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import AttrParser, Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

# --- types -------------------------------------------------------------------


class _TorchType(ParametrizedAttribute, TypeAttribute, ABC):
    """A torch type; inside another torch type it is written without `!torch.`."""

    @property
    def mnemonic(self) -> str:
        return self.name.removeprefix("torch.")

    def print_nested(self, printer: Printer) -> None:
        printer.print_string(self.mnemonic)
        self.print_parameters(printer)


@irdl_attr_definition
class IntType(_TorchType):
    """`!torch.int`: a Python int (64-bit)."""

    name = "torch.int"


@irdl_attr_definition
class FloatType(_TorchType):
    """`!torch.float`: a Python float (64-bit)."""

    name = "torch.float"


@irdl_attr_definition
class BoolType(_TorchType):
    """`!torch.bool`."""

    name = "torch.bool"


@irdl_attr_definition
class NoneType(_TorchType):
    """`!torch.none`: the type of Python's None."""

    name = "torch.none"


@irdl_attr_definition
class StringType(_TorchType):
    """`!torch.str`."""

    name = "torch.str"


@irdl_attr_definition
class DeviceType(_TorchType):
    """`!torch.Device`, e.g. the `device=x.device` of a tensor factory."""

    name = "torch.Device"


@irdl_attr_definition
class ValueTensorType(_TorchType, ShapedType, ContainerType[Attribute]):
    """`!torch.vtensor<[d0,d1,…],dtype>`: a tensor with value semantics.

    Plain `!torch.vtensor` (no sizes, no dtype) appears only as the element of
    `!torch.list<vtensor>`; its `shape` and `element_type` are `NoneAttr`.
    """

    name = "torch.vtensor"

    shape: ArrayAttr[IntAttr] | NoneAttr
    element_type: Attribute

    def __init__(self, shape: Sequence[int] | None, element_type: Attribute | None) -> None:
        dims = NoneAttr() if shape is None else ArrayAttr(IntAttr(d) for d in shape)
        super().__init__(dims, NoneAttr() if element_type is None else element_type)

    @property
    def has_sizes(self) -> bool:
        return isinstance(self.shape, ArrayAttr)

    def get_num_dims(self) -> int:
        return len(self.get_shape())

    def get_shape(self) -> tuple[int, ...]:
        if not isinstance(self.shape, ArrayAttr):
            raise ValueError("!torch.vtensor without sizes has no shape")
        return tuple(d.data for d in self.shape.data)

    def get_element_type(self) -> Attribute:
        return self.element_type

    def to_tensor_type(self) -> TensorType:
        """The builtin tensor type with the same shape and element type."""
        return TensorType(self.element_type, self.get_shape())

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        if parser.parse_optional_punctuation("<") is None:
            return (NoneAttr(), NoneAttr())
        dims = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: IntAttr(parser.parse_integer())
        )
        parser.parse_punctuation(",")
        element_type = parser.parse_type()
        parser.parse_punctuation(">")
        return (ArrayAttr(dims), element_type)

    def print_parameters(self, printer: Printer) -> None:
        if not self.has_sizes:
            return
        printer.print_string(f"<[{','.join(map(str, self.get_shape()))}],")
        printer.print_attribute(self.element_type)
        printer.print_string(">")

    def verify(self) -> None:
        if self.has_sizes == isinstance(self.element_type, NoneAttr):
            raise VerifyException("!torch.vtensor needs both sizes and a dtype, or neither")
        if self.has_sizes and any(d < 0 for d in self.get_shape()):
            raise VerifyException(f"!torch.vtensor sizes must be static, got {self.get_shape()}")


class _WrapperType(_TorchType, ContainerType[Attribute], ABC):
    """A torch type around one element type, written `!torch.NAME<T>`."""

    element_type: _TorchType

    def __init__(self, element_type: _TorchType) -> None:
        super().__init__(element_type)

    def get_element_type(self) -> _TorchType:
        return self.element_type

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            return (_parse_nested(parser),)

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            self.element_type.print_nested(printer)


@irdl_attr_definition
class ListType(_WrapperType):
    """`!torch.list<T>` with T a torch type written without `!torch.`."""

    name = "torch.list"


@irdl_attr_definition
class OptionalType(_WrapperType):
    """`!torch.optional<T>`: T or None, e.g. the indices in `!torch.list<optional<vtensor>>`."""

    name = "torch.optional"


def _parse_nested(parser: AttrParser) -> _TorchType:
    """A torch type written inside another one: `int`, `vtensor<[2],f32>`, …"""
    pos = parser.pos
    mnemonic = parser.parse_identifier(" (a torch type such as int or vtensor)")
    cls = _TYPES_BY_MNEMONIC.get(mnemonic)
    if cls is None:
        parser.raise_error(f"unknown torch type '{mnemonic}'", pos, parser.pos)
    return cls.new(cls.parse_parameters(parser))


_TYPES: tuple[type[_TorchType], ...] = (
    IntType,
    FloatType,
    BoolType,
    NoneType,
    StringType,
    DeviceType,
    ValueTensorType,
    ListType,
    OptionalType,
)
_TYPES_BY_MNEMONIC = {t.name.removeprefix("torch."): t for t in _TYPES}

# --- constants -----------------------------------------------------------------


@irdl_op_definition
class VtensorLiteralOp(IRDLOperation):
    """A tensor constant: the weights, as `dense<…>` or `dense_resource<…>`."""

    name = "torch.vtensor.literal"

    value = prop_def(base(DenseIntOrFPElementsAttr) | base(DenseResourceAttr))
    result = result_def(ValueTensorType)

    assembly_format = "`(` $value `)` attr-dict `:` type($result)"

    def __init__(self, value: DenseIntOrFPElementsAttr | DenseResourceAttr) -> None:
        ttype = value.type
        assert isinstance(ttype, TensorType)
        rtype = ValueTensorType(ttype.get_shape(), ttype.get_element_type())
        super().__init__(properties={"value": value}, result_types=[rtype])

    def verify_(self) -> None:
        result = self.result.type
        assert isinstance(result, ValueTensorType)
        if not result.has_sizes or self.value.type != result.to_tensor_type():
            raise VerifyException(
                f"literal of type {self.value.type} does not match its result type {result}"
            )


@irdl_op_definition
class ConstantIntOp(IRDLOperation):
    """`torch.constant.int 3`: a 64-bit integer constant."""

    name = "torch.constant.int"

    value = prop_def(IntegerAttr.constr(type=i64))
    result = result_def(IntType)

    assembly_format = "$value attr-dict"

    def __init__(self, value: int) -> None:
        super().__init__(properties={"value": IntegerAttr(value, i64)}, result_types=[IntType()])


@irdl_op_definition
class ConstantFloatOp(IRDLOperation):
    """`torch.constant.float 1.000000e-02`: a 64-bit float constant."""

    name = "torch.constant.float"

    value = prop_def(FloatAttr[Float64Type])
    result = result_def(FloatType)

    assembly_format = "$value attr-dict"

    def __init__(self, value: float) -> None:
        prop = FloatAttr(value, Float64Type())
        super().__init__(properties={"value": prop}, result_types=[FloatType()])


@irdl_op_definition
class ConstantBoolOp(IRDLOperation):
    """`torch.constant.bool true`."""

    name = "torch.constant.bool"

    value = prop_def(BoolAttr)
    result = result_def(BoolType)

    assembly_format = "$value attr-dict"

    def __init__(self, value: bool) -> None:
        super().__init__(properties={"value": BoolAttr.from_bool(value)}, result_types=[BoolType()])


@irdl_op_definition
class ConstantStrOp(IRDLOperation):
    """`torch.constant.str "nearest"`."""

    name = "torch.constant.str"

    value = prop_def(StringAttr)
    result = result_def(StringType)

    assembly_format = "$value attr-dict"

    def __init__(self, value: str) -> None:
        super().__init__(properties={"value": StringAttr(value)}, result_types=[StringType()])


@irdl_op_definition
class ConstantDeviceOp(IRDLOperation):
    """`torch.constant.device "cpu"`."""

    name = "torch.constant.device"

    value = prop_def(StringAttr)
    result = result_def(DeviceType)

    assembly_format = "$value attr-dict"

    def __init__(self, value: str) -> None:
        super().__init__(properties={"value": StringAttr(value)}, result_types=[DeviceType()])


@irdl_op_definition
class ConstantNoneOp(IRDLOperation):
    """`torch.constant.none`: an omitted optional argument (e.g. a missing bias)."""

    name = "torch.constant.none"

    result = result_def(NoneType)

    assembly_format = "attr-dict"

    def __init__(self) -> None:
        super().__init__(result_types=[NoneType()])


@irdl_op_definition
class PrimListConstructOp(IRDLOperation):
    """A list of values, e.g. the strides of a convolution."""

    name = "torch.prim.ListConstruct"

    elements = var_operand_def()
    result = result_def(ListType)

    assembly_format = "$elements attr-dict `:` functional-type($elements, $result)"

    def __init__(self, elements: Sequence[SSAValue], result_type: ListType) -> None:
        super().__init__(operands=[elements], result_types=[result_type])

    def verify_(self) -> None:
        assert isinstance(self.result.type, ListType)
        expected = self.result.type.element_type
        allowed: tuple[type[Attribute], ...] = (type(expected),)
        if isinstance(expected, OptionalType):
            allowed = (type(expected.element_type), NoneType)
        for element in self.elements:
            if not isinstance(element.type, allowed):
                raise VerifyException(f"element of type {element.type} in {self.result.type}")


# --- custom operators ----------------------------------------------------------


@irdl_op_definition
class OperatorOp(IRDLOperation):
    """A call of a custom `torch.library` operator, e.g. `"torch.lic.gdn"`."""

    name = "torch.operator"

    op_name = prop_def(StringAttr, prop_name="name")
    args = var_operand_def()
    outs = var_result_def()

    assembly_format = "$name `(` $args `)` attr-dict `:` functional-type($args, $outs)"

    def __init__(
        self, op_name: str, args: Sequence[SSAValue], result_types: Sequence[Attribute]
    ) -> None:
        super().__init__(
            operands=[args], result_types=[result_types], properties={"name": StringAttr(op_name)}
        )


# --- aten ops ----------------------------------------------------------------


class AtenOp(IRDLOperation, ABC):
    """Base of every `torch.aten.*` / `torch.prims.*` op, known or not.

    Syntax (torch-mlir's default): ``%r = torch.aten.NAME %a, %b {attrs} :
    type(a), type(b) -> type(r)``; without results, the arrow is left out.
    """

    @classmethod
    def parse(cls, parser: Parser) -> AtenOp:
        operands: list[UnresolvedOperand] = []
        if (first := parser.parse_optional_unresolved_operand()) is not None:
            operands = [first]
            while parser.parse_optional_punctuation(",") is not None:
                operands.append(parser.parse_unresolved_operand())
        attributes = parser.parse_optional_attr_dict()
        types_pos = parser.pos
        parser.parse_punctuation(":")
        operand_types = _parse_type_list(parser, len(operands))
        resolved = parser.resolve_operands(operands, operand_types, types_pos)
        result_types = []  # ops without results, like `_assert_tensor_metadata`, omit `->`
        if parser.parse_optional_punctuation("->") is not None:
            result_types = _parse_type_list(parser, None)
        return cls.create(operands=resolved, result_types=result_types, attributes=attributes)

    def print(self, printer: Printer) -> None:
        if self.operands:
            printer.print_string(" ")
            printer.print_list(self.operands, printer.print_operand)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_list((o.type for o in self.operands), printer.print_attribute)
        if self.results:
            printer.print_string(" -> ")
            printer.print_list(self.result_types, printer.print_attribute)


def _parse_type_list(parser: Parser, count: int | None) -> list[Attribute]:
    """`count` comma-separated types; at least one when `count` is None."""
    if count == 0:
        return []
    types = [parser.parse_type()]
    while (count is None or len(types) < count) and parser.parse_optional_punctuation(","):
        types.append(parser.parse_type())
    return types


class _GenericAtenOp(AtenOp, ABC):
    """An aten op licc does not convert: any operands, any results."""

    args = var_operand_def()
    outs = var_result_def()


@cache
def generic_op(name: str) -> type[AtenOp] | None:
    """The op class for an unknown `torch.aten.*`/`torch.prims.*` op name, else None.

    Cached, so one name always maps to one class (isinstance and pattern
    matching keep working across contexts).
    """
    if not name.startswith(("torch.aten.", "torch.prims.")):
        return None
    cls_name = "".join(p[:1].upper() + p[1:] for p in name.replace(".", "_").split("_"))
    op = type(cls_name + "Op", (_GenericAtenOp,), {"name": name, "__module__": __name__})
    return irdl_op_definition(op)


class _UnaryAtenOp(AtenOp, ABC):
    """An elementwise aten op on one tensor."""

    input = operand_def(ValueTensorType)
    result = result_def(ValueTensorType)

    def verify_(self) -> None:
        _verify_same_shape(self.input.type, self.result.type)


def _verify_same_shape(a: Attribute, b: Attribute) -> None:
    assert isinstance(a, ValueTensorType) and isinstance(b, ValueTensorType)
    if a.has_sizes and b.has_sizes and a.get_shape() != b.get_shape():
        raise VerifyException(f"elementwise op changes the shape: {a} -> {b}")


@irdl_op_definition
class AtenConvolutionOp(AtenOp):
    """`aten.convolution`: 2-D (transposed) convolution; stride, padding, dilation,
    output_padding are `!torch.list<int>`, `transposed` a bool, `groups` an int."""

    name = "torch.aten.convolution"

    input = operand_def(ValueTensorType)
    weight = operand_def(ValueTensorType)
    bias = operand_def(ValueTensorType | NoneType)
    stride = operand_def(ListType)
    padding = operand_def(ListType)
    dilation = operand_def(ListType)
    transposed = operand_def(BoolType)
    output_padding = operand_def(ListType)
    groups = operand_def(IntType)
    result = result_def(ValueTensorType)


@irdl_op_definition
class AtenReluOp(_UnaryAtenOp):
    name = "torch.aten.relu"


@irdl_op_definition
class AtenAbsOp(_UnaryAtenOp):
    name = "torch.aten.abs"


@irdl_op_definition
class AtenLeakyReluOp(AtenOp):
    """`aten.leaky_relu(input, negative_slope)`."""

    name = "torch.aten.leaky_relu"

    input = operand_def(ValueTensorType)
    negative_slope = operand_def(FloatType | IntType)
    result = result_def(ValueTensorType)

    def verify_(self) -> None:
        _verify_same_shape(self.input.type, self.result.type)


@irdl_op_definition
class AtenAddTensorOp(AtenOp):
    """`aten.add.Tensor(input, other, alpha)` = input + alpha·other (broadcasting)."""

    name = "torch.aten.add.Tensor"

    input = operand_def(ValueTensorType)
    other = operand_def(ValueTensorType)
    alpha = operand_def(IntType | FloatType)
    result = result_def(ValueTensorType)


@irdl_op_definition
class AtenMulTensorOp(AtenOp):
    """`aten.mul.Tensor(input, other)` (broadcasting)."""

    name = "torch.aten.mul.Tensor"

    input = operand_def(ValueTensorType)
    other = operand_def(ValueTensorType)
    result = result_def(ValueTensorType)


# --- constant folding ------------------------------------------------------------

Constant: TypeAlias = "int | float | bool | str | None | list[Constant]"


def constant_value(value: SSAValue) -> Constant:
    """The Python value of a constant or a `ListConstruct` of constants.

    Raises ValueError naming the defining op when `value` is not constant.
    """
    op = value.owner
    match op:
        case ConstantIntOp() | ConstantFloatOp():
            return op.value.value.data
        case ConstantBoolOp():
            return bool(op.value.value.data)
        case ConstantStrOp() | ConstantDeviceOp():
            return op.value.data
        case ConstantNoneOp():
            return None
        case PrimListConstructOp():
            return [constant_value(e) for e in op.elements]
        case Operation():
            raise ValueError(f"operand is not a torch constant: it is defined by {op.name}")
        case _:
            raise ValueError("operand is not a torch constant: it is a block argument")


Torch = Dialect(
    "torch",
    [
        VtensorLiteralOp,
        ConstantIntOp,
        ConstantFloatOp,
        ConstantBoolOp,
        ConstantStrOp,
        ConstantDeviceOp,
        ConstantNoneOp,
        PrimListConstructOp,
        OperatorOp,
        AtenConvolutionOp,
        AtenReluOp,
        AtenAbsOp,
        AtenLeakyReluOp,
        AtenAddTensorOp,
        AtenMulTensorOp,
    ],
    list(_TYPES),
)
