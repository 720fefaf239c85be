"""`interpreter.run` refuses inputs the function's signature does not take."""

import numpy as np
import pytest

from lic_compiler.errors import LiccError
from lic_compiler.interpreter import run
from lic_compiler.ir import parse_module

# An integer encoder as lic-quantize leaves it: ui8 pixels in, with their scale.
INTEGER = """
func.func @encoder(%x: tensor<1x2x2x2xui8>) -> tensor<1x2x2x2xi8> attributes {lic.arg_scales = [0.0039215686274509803 : f64]} {
  %y = lic.rescale %x {multiplier = array<i64: 1>, shift = array<i64: 1>} : tensor<1x2x2x2xui8> -> tensor<1x2x2x2xi8>
  func.return %y : tensor<1x2x2x2xi8>
}
func.func @decoder(%y: tensor<1x2x2x2xi8>) -> tensor<1x2x2x2xi8> {
  %r = lic.relu %y : tensor<1x2x2x2xi8>
  func.return %r : tensor<1x2x2x2xi8>
}
"""
FLOAT = """
func.func @f(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %r = lic.relu %x : tensor<1x2x2x2xf32>
  func.return %r : tensor<1x2x2x2xf32>
}
"""


def test_integers_in_range_run():
    pixels = np.arange(8, dtype=np.uint8).reshape(1, 2, 2, 2) * 36  # 0 … 252
    out = run(parse_module(INTEGER), "encoder", pixels)[0]
    np.testing.assert_array_equal(out, np.minimum((pixels.astype(np.int64) + 1) >> 1, 127))


def test_float_array_for_ui8_names_argument_range_and_scale():
    image = np.full((1, 2, 2, 2), 0.5, np.float32)
    with pytest.raises(LiccError) as e:
        run(parse_module(INTEGER), "encoder", image)
    message = str(e.value)
    assert message.startswith("@encoder argument 0 (%x: tensor<1x2x2x2xui8>) takes integers in [0, 255]")
    assert "got a float32 array" in message
    assert "np.round(x / 0.00392156863)" in message and "\n" not in message


def test_out_of_range_integers_are_refused():
    latent = np.full((1, 2, 2, 2), 200, np.int64)
    with pytest.raises(LiccError, match=r"@decoder argument 0 \(%y: tensor<1x2x2x2xi8>\) takes integers "
                                        r"in \[-128, 127\], got values in \[200, 200\]; round and clip"):
        run(parse_module(INTEGER), "decoder", latent)


def test_wrong_shape_and_count_are_refused():
    module = parse_module(FLOAT)
    with pytest.raises(LiccError, match=r"got an array of shape \(1, 2, 4, 4\); pass one of shape \(1, 2, 2, 2\)"):
        run(module, "f", np.zeros((1, 2, 4, 4), np.float32))
    with pytest.raises(LiccError, match=r"@f takes 1 argument\(s\), got 0"):
        run(module, "f")
