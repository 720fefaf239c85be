"""Calibration images: the shipped set, loading any folder, fitting to a frame, driving a codec."""

import numpy as np
import pytest
from PIL import Image

from lic_compiler.calibration import (
    CALIBRATION_COUNT,
    CALIBRATION_DIR,
    codec_psnr,
    fit_image,
    load_images,
    run_on_images,
)
from lic_compiler.errors import LiccError
from lic_compiler.ir import parse_module


def test_shipped_images():
    images = load_images()  # the default uses every shipped crop
    assert len(images) == CALIBRATION_COUNT == len(list(CALIBRATION_DIR.glob("*.png")))
    for x in images:
        assert x.shape == (1, 3, 128, 128) and x.dtype == np.float32
        assert 0.0 <= x.min() and x.max() <= 1.0 and x.std() > 0.05
    shipped = sum(p.stat().st_size for p in CALIBRATION_DIR.glob("*.png"))
    assert shipped <= 1.5e6


def test_count_and_size():
    images = load_images(count=3, size=(96, 40))
    assert [x.shape for x in images] == [(1, 3, 40, 96)] * 3
    # A center crop: the middle of the shipped image.
    full = load_images(count=1)[0]
    np.testing.assert_array_equal(images[0], full[:, :, 44:84, 16:112])


def test_fit_image_mirrors_where_the_image_is_smaller():
    x = np.arange(2 * 3, dtype=np.float32).reshape(1, 1, 2, 3)
    fitted = fit_image(x, (7, 4))  # width 7 > 3, height 4 > 2
    assert fitted.shape == (1, 1, 4, 7)
    np.testing.assert_array_equal(fitted[0, 0, 1, :], [1, 0, 0, 1, 2, 2, 1])
    np.testing.assert_array_equal(fitted[0, 0, :, 2], [0, 0, 3, 3])


def test_folder_errors(tmp_path):
    with pytest.raises(LiccError, match="does not exist"):
        load_images(tmp_path / "nope")
    with pytest.raises(LiccError, match="holds no images"):
        load_images(tmp_path)
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(LiccError, match="holds no images"):
        load_images(tmp_path)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(LiccError, match="broken.png is not a readable image"):
        load_images(tmp_path)
    with pytest.raises(LiccError, match="at least one image"):
        load_images(count=0)


def test_any_folder_grey_images_become_rgb(tmp_path):
    Image.fromarray(np.full((10, 12), 200, np.uint8)).save(tmp_path / "grey.png")
    (x,) = load_images(tmp_path)
    assert x.shape == (1, 3, 10, 12) and np.allclose(x, 200 / 255)


CODEC = """
func.func @encoder(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %s = lic.constant dense<[[[[8.0]], [[0.0]], [[0.0]]], [[[0.0]], [[8.0]], [[0.0]]], [[[0.0]], [[0.0]], [[8.0]]]]> : tensor<3x3x1x1xf32>
  %y = lic.conv2d %x, %s {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x8x8xf32>, tensor<3x3x1x1xf32>) -> tensor<1x3x8x8xf32>
  func.return %y : tensor<1x3x8x8xf32>
}
func.func @decoder(%y: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %s = lic.constant dense<[[[[0.125]], [[0.0]], [[0.0]]], [[[0.0]], [[0.125]], [[0.0]]], [[[0.0]], [[0.0]], [[0.125]]]]> : tensor<3x3x1x1xf32>
  %x = lic.conv2d %y, %s {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x8x8xf32>, tensor<3x3x1x1xf32>) -> tensor<1x3x8x8xf32>
  func.return %x : tensor<1x3x8x8xf32>
}
"""


def test_codec_runs_on_images_with_a_rounded_latent():
    # The encoder scales by 8 and the decoder back: rounding the latent
    # quantises each pixel to a step of 1/8, a known PSNR.
    module = parse_module(CODEC)
    images = load_images(count=2)
    runs = run_on_images(module, images)
    assert set(runs) == {"encoder", "decoder"}
    latents = runs["decoder"][0]
    assert all(np.array_equal(z, np.round(z)) for z in latents)
    x = runs["encoder"][0][0]
    np.testing.assert_allclose(runs["decoder"][1][0], np.round(x * 8) / 8, atol=1e-6)
    psnr = codec_psnr(runs)
    assert psnr is not None and len(psnr) == 2 and all(20 < p < 35 for p in psnr)


def test_no_psnr_without_a_decoder():
    encoder_only = parse_module(CODEC.split("func.func @decoder")[0])
    runs = run_on_images(encoder_only, load_images(count=1))
    assert set(runs) == {"encoder"} and codec_psnr(runs) is None
