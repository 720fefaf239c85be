"""The float lic interpreter against PyTorch and CompressAI, op by op."""

import numpy as np
import pytest
import torch
from compressai.layers import GDN, GDN1
from xdsl.dialects import func
from xdsl.dialects.builtin import FloatAttr, ModuleOp, TensorType, f32, f64
from xdsl.ir import Block, Region

from lic_compiler.dialects import lic
from lic_compiler.interpreter import run
from lic_compiler.ir import from_numpy, parse_module, print_module

RNG = np.random.default_rng(0)


def _const(array: np.ndarray) -> lic.ConstantOp:
    return lic.ConstantOp(from_numpy(array.astype(np.float32), f32))


def _function(x_shape, build) -> ModuleOp:
    """A module with @f(x) whose body `build(block, x)` returns the result op."""
    block = Block(arg_types=[TensorType(f32, x_shape)])
    ops = build(block.args[0])
    for op in ops:
        block.add_op(op)
    block.add_op(func.ReturnOp(ops[-1].results[0]))
    f = func.FuncOp("f", ([TensorType(f32, x_shape)], [ops[-1].results[0].type]), Region(block))
    module = ModuleOp([f])
    module.verify()
    # Through text and back, so the test covers printing and parsing too.
    return parse_module(print_module(module))


@pytest.mark.parametrize("stride,padding,k", [(1, 0, 1), (2, 2, 5), (1, 1, 3), (2, 1, 3)])
def test_conv2d_matches_torch(stride, padding, k):
    x = RNG.standard_normal((1, 5, 12, 10)).astype(np.float32)
    w = RNG.standard_normal((7, 5, k, k)).astype(np.float32)
    b = RNG.standard_normal(7).astype(np.float32)
    want = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride, padding)

    def build(arg):
        cw, cb = _const(w), _const(b)
        conv = lic.Conv2dOp(arg, cw.result, cb.result, [stride] * 2, [padding] * 2,
                            TensorType(f32, want.shape))
        return [cw, cb, conv]

    got = run(_function(x.shape, build), "f", x)[0]
    np.testing.assert_array_equal(got, want.numpy())


@pytest.mark.parametrize("stride,padding,out_pad,k", [(2, 2, 1, 5), (1, 1, 0, 3), (2, 1, 1, 3)])
def test_conv_transpose2d_matches_torch(stride, padding, out_pad, k):
    x = RNG.standard_normal((1, 6, 5, 7)).astype(np.float32)
    w = RNG.standard_normal((6, 4, k, k)).astype(np.float32)
    want = torch.nn.functional.conv_transpose2d(
        torch.tensor(x), torch.tensor(w), None, stride, padding, out_pad
    )

    def build(arg):
        cw = _const(w)
        op = lic.ConvTranspose2dOp(arg, cw.result, None, [stride] * 2, [padding] * 2,
                                   [out_pad] * 2, TensorType(f32, want.shape))
        return [cw, op]

    got = run(_function(x.shape, build), "f", x)[0]
    np.testing.assert_array_equal(got, want.numpy())


@pytest.mark.parametrize("layer", [GDN, GDN1])
@pytest.mark.parametrize("inverse", [False, True])
def test_gdn_matches_compressai(layer, inverse):
    c = 6
    gdn = layer(c, inverse=inverse)
    with torch.no_grad():  # a non-trivial, non-negative γ and β
        gdn.gamma.add_(torch.rand(c, c) * 0.3)
        gdn.beta.add_(torch.rand(c))
    beta = gdn.beta_reparam(gdn.beta).detach().numpy()
    gamma = gdn.gamma_reparam(gdn.gamma).detach().numpy()
    x = RNG.standard_normal((1, c, 9, 8)).astype(np.float32) * 3

    def build(arg):
        cb, cg = _const(beta), _const(gamma)
        op = lic.GdnOp(arg, cb.result, cg.result, inverse=inverse,
                       form="l1" if layer is GDN1 else "standard")
        return [cb, cg, op]

    got = run(_function(x.shape, build), "f", x)[0]
    np.testing.assert_allclose(got, gdn(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_elementwise_ops():
    x = RNG.standard_normal((1, 3, 4, 4)).astype(np.float32)

    def build(arg):
        relu = lic.ReluOp(arg)
        leaky = lic.LeakyReluOp(arg, negative_slope=FloatAttr(0.2, f64))
        ab = lic.AbsOp(arg)
        add = lic.AddOp(relu.output, leaky.output)
        mul = lic.MulOp(add.output, ab.output)
        return [relu, leaky, ab, add, mul]

    got = run(_function(x.shape, build), "f", x)[0]
    want = (np.maximum(x, 0) + np.where(x >= 0, x, 0.2 * x)) * np.abs(x)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_unknown_function_is_a_clear_error():
    module = _function((1, 1, 2, 2), lambda arg: [lic.ReluOp(arg)])
    from lic_compiler.errors import LiccError

    with pytest.raises(LiccError, match="no function @g in the IR; it has f"):
        run(module, "g", np.zeros((1, 1, 2, 2), np.float32))
