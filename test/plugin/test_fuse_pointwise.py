"""The example plugin's `example-fuse-pointwise` computes what the two convolutions computed."""

import numpy as np

from lic_compiler.analysis import macs
from lic_compiler.dialects import lic
from lic_compiler.interpreter import run
from lic_compiler.ir import make_context, parse_module
from lic_compiler.registry import parse_pipeline

RNG = np.random.default_rng(0)


def _dense(shape: tuple[int, ...]) -> str:
    values = RNG.standard_normal(shape).astype(np.float32)
    body = np.array2string(values, separator=", ", threshold=10**6, floatmode="unique").replace("\n", "")
    return f"dense<{body}> : tensor<{'x'.join(map(str, shape))}xf32>"


def _module() -> str:
    # A strided 3×3 conv 3 → 8 with bias, then a 1×1 projection 8 → 4 with bias.
    return f"""
func.func @f(%x: tensor<1x3x12x10xf32>) -> tensor<1x4x6x5xf32> {{
  %w1 = lic.constant {_dense((8, 3, 3, 3))}
  %b1 = lic.constant {_dense((8,))}
  %y = lic.conv2d %x, %w1, %b1 {{stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}} : (tensor<1x3x12x10xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x6x5xf32>
  %w2 = lic.constant {_dense((4, 8, 1, 1))}
  %b2 = lic.constant {_dense((4,))}
  %z = lic.conv2d %y, %w2, %b2 {{stride = array<i64: 1, 1>, padding = array<i64: 0, 0>}} : (tensor<1x8x6x5xf32>, tensor<4x8x1x1xf32>, tensor<4xf32>) -> tensor<1x4x6x5xf32>
  func.return %z : tensor<1x4x6x5xf32>
}}
"""


def test_fused_conv_computes_the_same_with_fewer_macs():
    module = parse_module(_module())
    x = RNG.standard_normal((1, 3, 12, 10)).astype(np.float32)
    before = run(module, "f", x)[0]
    macs_before = sum(macs(op) for op in module.walk())
    parse_pipeline("example-fuse-pointwise").apply(make_context(), module)
    module.verify()
    convs = [op for op in module.walk() if isinstance(op, lic.Conv2dOp)]
    assert len(convs) == 1 and convs[0].strides() == (2, 2)
    assert sum(macs(op) for op in module.walk()) == 4 * 3 * 9 * 6 * 5 < macs_before
    np.testing.assert_allclose(run(module, "f", x)[0], before, rtol=1e-5, atol=1e-5)
