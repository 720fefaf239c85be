"""`lic.rsqrt`, `lic.sqrt`, `lic.reciprocal`: construction, printing, verification, interpretation."""

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32, f64, i32
from xdsl.ir import Block, Region
from xdsl.utils.exceptions import VerifyException

from lic_compiler.dialects import lic
from lic_compiler.gdn_approx import Approx
from lic_compiler.interpreter import run
from lic_compiler.ir import parse_module, print_module

OPS = {"rsqrt": lic.RsqrtOp, "sqrt": lic.SqrtOp, "reciprocal": lic.ReciprocalOp}
MODES = [
    ("exact", {}),
    ("table", {"table_bits": 8}),
    ("pwl", {"segments": 16}),
    ("newton", {"table_bits": 4, "newton_steps": 2}),
]


def _module(op_cls, element=f32, mode="exact", **params) -> ModuleOp:
    ttype = TensorType(element, [1, 2, 3, 4])
    block = Block(arg_types=[ttype])
    op = op_cls(block.args[0], mode, **params)
    block.add_ops([op, func.ReturnOp(op.output)])
    return ModuleOp([func.FuncOp("f", ([ttype], [ttype]), Region(block))])


@pytest.mark.parametrize("function", OPS)
@pytest.mark.parametrize("mode,params", MODES)
def test_interpreter_runs_the_definition_after_a_round_trip(function, mode, params):
    module = _module(OPS[function], mode=mode, **params)
    module.verify()
    text = print_module(module)
    assert (f"{mode}(" in text) == (mode != "exact")
    parsed = parse_module(text)
    assert print_module(parsed) == text
    x = np.random.default_rng(1).uniform(1e-3, 1e3, (1, 2, 3, 4)).astype(np.float32)
    got = run(parsed, "f", x)[0]
    np.testing.assert_array_equal(got, Approx(function, mode, **params)(x))
    assert got.dtype == np.float32


def test_f64_tensors_stay_f64():
    x = np.linspace(0.5, 9.0, 24).reshape(1, 2, 3, 4)
    got = run(_module(lic.RsqrtOp, f64, "pwl", segments=8), "f", x)[0]
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, Approx("rsqrt", "pwl", segments=8)(x))


def test_approx_of_reads_the_op():
    module = _module(lic.SqrtOp, mode="newton", table_bits=5, newton_steps=1)
    op = next(o for o in module.walk() if isinstance(o, lic.SqrtOp))
    assert Approx.of(op) == Approx("sqrt", "newton", table_bits=5, newton_steps=1)
    assert op.approx_params() == {"mode": "newton", "table_bits": 5, "newton_steps": 1}


@pytest.mark.parametrize(
    "element,mode,params,message",
    [
        (i32, "exact", {}, "'lic.rsqrt' needs f32 or f64 elements, got i32"),
        (f32, "pwl", {"segments": 12}, "'lic.rsqrt' segments must be a power of two"),
        (f32, "table", {}, "'lic.rsqrt' mode table needs table_bits"),
        (f32, "exact", {"table_bits": 4}, "'lic.rsqrt' mode exact takes no parameters"),
    ],
)
def test_verifier_refuses(element, mode, params, message):
    with pytest.raises(VerifyException, match=message):
        _module(lic.RsqrtOp, element, mode, **params).verify()
