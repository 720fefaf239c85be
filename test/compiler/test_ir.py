"""Weight constants: inline vs resource, numpy round trips, content-addressed handles."""

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, DenseResourceAttr, ModuleOp, f32, i8, i32
from xdsl.ir import Block, Region

from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.ir import INLINE_LIMIT, from_numpy, parse_module, print_module, to_numpy


@pytest.mark.parametrize("dtype,etype", [(np.float32, f32), (np.int8, i8), (np.int32, i32)])
@pytest.mark.parametrize("size", [3, INLINE_LIMIT + 1])
def test_numpy_round_trip(dtype, etype, size):
    array = (np.arange(size * 2) - size).astype(dtype).reshape(2, size)
    attr = from_numpy(array, etype)
    expected_kind = DenseIntOrFPElementsAttr if array.size <= INLINE_LIMIT else DenseResourceAttr
    assert isinstance(attr, expected_kind)
    np.testing.assert_array_equal(to_numpy(attr), array)


def test_resource_handles_are_content_hashes():
    a = np.linspace(0, 1, 100, dtype=np.float32)
    b = a + 1
    ha, ha2, hb = (from_numpy(x, f32).resource_handle.data for x in (a, a.copy(), b))
    assert ha == ha2 and ha != hb


def test_resources_survive_print_and_parse():
    w = np.linspace(-1, 1, 2 * 3 * 5 * 5, dtype=np.float32).reshape(3, 2, 5, 5)
    const = lic.ConstantOp(from_numpy(w, f32))
    body = Block()
    body.add_ops([const, func.ReturnOp(const.result)])
    module = ModuleOp([func.FuncOp("f", ([], [const.result.type]), Region(body))])
    printed = print_module(module)
    assert "dialect_resources" in printed
    reparsed = parse_module(printed)
    (parsed,) = [op for op in reparsed.walk() if isinstance(op, lic.ConstantOp)]
    np.testing.assert_array_equal(to_numpy(parsed.value), w)
    assert print_module(reparsed) == printed


def test_malformed_ir_is_one_line_error():
    with pytest.raises(LiccError, match=r"malformed IR: <input>:1:\d+: .*lic.bogus") as e:
        parse_module("func.func @f() { lic.bogus }")
    assert "\n" not in str(e.value)


def test_missing_blob_is_reported():
    text = (
        "func.func @f() -> tensor<2xf32> {\n"
        "  %w = lic.constant dense_resource<nowhere_000> : tensor<2xf32>\n"
        "  func.return %w : tensor<2xf32>\n}\n"
    )
    (const,) = [op for op in parse_module(text).walk() if op.name == "lic.constant"]
    with pytest.raises(LiccError, match="nowhere_000"):
        to_numpy(const.value)
