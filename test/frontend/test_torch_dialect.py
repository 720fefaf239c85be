"""The torch dialect: torch-mlir's syntax, generic aten ops, constant folding."""

from __future__ import annotations

import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32

from lic_compiler.dialects import torch as tt
from lic_compiler.errors import LiccError
from lic_compiler.ir import make_context, parse_module, print_module

# Copied from torch-mlir's output for a model with nn.Upsample (locations included).
TORCH_MLIR_TEXT = """
module {
  func.func @model(%arg0: !torch.vtensor<[1,3,8,8],f32> loc("/m.py":6:0)) -> !torch.vtensor<[1,3,16,16],f32> {
    %0 = torch.aten.abs %arg0 : !torch.vtensor<[1,3,8,8],f32> -> !torch.vtensor<[1,3,8,8],f32> loc("/m.py":6:0)
    %none = torch.constant.none loc(callsite("/torch/nn/modules/upsampling.py":174:0 at "/m.py":6:0))
    %float2.000000e00 = torch.constant.float 2.000000e+00 loc("/m.py":6:0)
    %float2.000000e00_0 = torch.constant.float 2.000000e+00 loc("/m.py":6:0)
    %1 = torch.prim.ListConstruct %float2.000000e00, %float2.000000e00_0 : (!torch.float, !torch.float) -> !torch.list<float> loc("/m.py":6:0)
    %2 = torch.aten.upsample_nearest2d.vec %0, %none, %1 : !torch.vtensor<[1,3,8,8],f32>, !torch.none, !torch.list<float> -> !torch.vtensor<[1,3,16,16],f32> loc(callsite("/torch/nn/modules/upsampling.py":174:0 at "/m.py":6:0))
    %int-1 = torch.constant.int -1 loc("/m.py":7:0)
    %false = torch.constant.bool false loc("/m.py":7:0)
    %3 = torch.aten._softmax %2, %int-1, %false : !torch.vtensor<[1,3,16,16],f32>, !torch.int, !torch.bool -> !torch.vtensor<[1,3,16,16],f32> loc("/m.py":7:0)
    return %3 : !torch.vtensor<[1,3,16,16],f32> loc("/m.py":6:0)
  } loc("/m.py":6:0)
} loc(unknown)
"""


def ops_of(module: ModuleOp) -> list:
    return [op for op in module.walk() if not isinstance(op, ModuleOp | func.FuncOp)]


def test_torch_mlir_output_parses_with_unknown_aten_ops_as_generic_ones():
    module = parse_module(TORCH_MLIR_TEXT)
    module.verify()
    ops = {op.name: op for op in ops_of(module)}
    upsample = ops["torch.aten.upsample_nearest2d.vec"]
    assert isinstance(upsample, tt.AtenOp)
    assert not isinstance(upsample, tt.AtenAbsOp | tt.AtenConvolutionOp)
    assert [str(o.type) for o in upsample.operands][1:] == ["!torch.none", "!torch.list<float>"]
    assert "upsampling.py" in str(upsample.location)
    assert isinstance(ops["torch.aten._softmax"], tt.AtenOp)
    assert isinstance(ops["torch.aten.abs"], tt.AtenAbsOp)


def test_generic_op_classes_are_shared_between_contexts():
    first = parse_module(TORCH_MLIR_TEXT, ctx=make_context())
    second = parse_module(TORCH_MLIR_TEXT, ctx=make_context())
    kinds = {type(op) for op in ops_of(first)}
    assert {type(op) for op in ops_of(second)} == kinds
    assert tt.generic_op("torch.aten._softmax") in kinds


def test_generic_ops_cover_only_aten_and_prims():
    assert tt.generic_op("torch.prims.squeeze") is not None
    assert tt.generic_op("torch.prim.TupleConstruct") is None
    assert tt.generic_op("arith.addf") is None
    with pytest.raises(LiccError, match="torch.prim.TupleConstruct is not registered"):
        parse_module("%0 = torch.prim.TupleConstruct : () -> !torch.none")


def test_cloned_context_still_parses_unknown_aten_ops():
    ctx = make_context().clone()
    module = parse_module(TORCH_MLIR_TEXT, ctx=ctx)
    assert any(op.name == "torch.aten._softmax" for op in ops_of(module))


def test_torch_mlir_text_round_trips():
    text = print_module(parse_module(TORCH_MLIR_TEXT))
    assert print_module(parse_module(text)) == text
    assert "%float2.000000e00 = torch.constant.float 2.000000e+00" in text


def test_constant_value_folds_scalars_and_lists():
    module = parse_module(
        """
        func.func @f() {
          %i = torch.constant.int -3
          %f = torch.constant.float 2.500000e-01
          %b = torch.constant.bool true
          %s = torch.constant.str "nearest"
          %n = torch.constant.none
          %d = torch.constant.device "cpu"
          %l = torch.prim.ListConstruct %i, %i : (!torch.int, !torch.int) -> !torch.list<int>
          %e = torch.prim.ListConstruct : () -> !torch.list<int>
          return
        }
        """
    )
    values = [tt.constant_value(op.results[0]) for op in ops_of(module) if op.results]
    assert values == [-3, 0.25, True, "nearest", None, "cpu", [-3, -3], []]
    assert type(values[2]) is bool


def test_constant_value_names_what_is_not_constant():
    module = parse_module(TORCH_MLIR_TEXT)
    upsample = next(op for op in ops_of(module) if op.name.endswith("upsample_nearest2d.vec"))
    with pytest.raises(ValueError, match="torch.aten.abs"):
        tt.constant_value(upsample.operands[0].owner.results[0])
    with pytest.raises(ValueError, match="block argument"):
        tt.constant_value(upsample.operands[0].owner.operands[0])


def test_built_ops_print_in_torch_mlir_syntax_and_parse_back():
    vt = tt.ValueTensorType([1, 2, 4, 4], f32)
    fn = func.FuncOp("f", ([vt], [vt]))
    x = fn.body.block.args[0]
    ints = tt.ConstantIntOp(2)
    slope = tt.ConstantFloatOp(0.01)
    relu = tt.AtenLeakyReluOp.create(operands=[x, slope.result], result_types=[vt])
    gdn_flags = tt.ConstantBoolOp(False)
    lst = tt.PrimListConstructOp([ints.result, ints.result], tt.ListType(tt.IntType()))
    call = tt.OperatorOp("torch.lic.gdn", [relu.results[0], gdn_flags.result], [vt])
    ops = [ints, slope, relu, gdn_flags, lst, call, func.ReturnOp(call.outs[0])]
    fn.body.block.add_ops(ops)
    module = ModuleOp([fn])
    module.verify()
    text = print_module(module)
    assert 'torch.operator "torch.lic.gdn"(%' in text
    assert "torch.aten.leaky_relu %0, %" in text
    assert print_module(parse_module(text)) == text
    assert call.op_name.data == "torch.lic.gdn"


def test_optional_list_takes_values_and_none():
    module = parse_module(
        """
        func.func @f(%x: !torch.vtensor<[3],si64>) -> !torch.list<optional<vtensor>> {
          %n = torch.constant.none
          %l = torch.prim.ListConstruct %n, %x : (!torch.none, !torch.vtensor<[3],si64>) -> !torch.list<optional<vtensor>>
          return %l : !torch.list<optional<vtensor>>
        }
        """
    )
    module.verify()


def test_value_tensor_type():
    vt = tt.ValueTensorType([1, 3, 720, 1280], f32)
    assert vt.get_shape() == (1, 3, 720, 1280)
    assert vt.element_type == f32
    assert vt.to_tensor_type() == TensorType(f32, [1, 3, 720, 1280])
    bare = tt.ValueTensorType(None, None)
    assert not bare.has_sizes
    with pytest.raises(ValueError, match="no shape"):
        bare.get_shape()


def test_nested_list_types_print_without_prefix():
    module = parse_module(
        "func.func @f(%a: !torch.list<vtensor>, %b: !torch.list<vtensor<[2],f32>>, "
        "%c: !torch.list<list<int>>, %d: !torch.list<optional<vtensor>>) { return }"
    )
    text = print_module(module)
    assert (
        "(%a: !torch.list<vtensor>, %b: !torch.list<vtensor<[2],f32>>, %c: !torch.list<list<int>>, "
        "%d: !torch.list<optional<vtensor>>)"
    ) in text
    with pytest.raises(LiccError, match="unknown torch type 'tensor'"):
        parse_module("func.func @f(%a: !torch.list<tensor>) { return }")
