"""The integer codec: bitstream round trip, bit-exact against the encoder side's reconstruction."""

import numpy as np
import pytest
import torch

from lic_compiler.calibration import load_images
from lic_compiler.eval.codec import ModelCodec, unpack
from lic_compiler.eval.integer import COMPILE_FRAME, IntegerCodec, compile_integer
from lic_compiler.errors import LiccError
from lic_compiler.models import build


@pytest.fixture(scope="module")
def codec():
    torch.manual_seed(0)
    model = build("bmshj2018-factorized", 8, 12)
    model.update(force=True)
    module = compile_integer(model, count=2)
    return IntegerCodec(model, module, "tiny (integer)"), model


@pytest.mark.parametrize("size", [(256, 256), (200, 136)])
def test_decoding_the_bitstream_reproduces_the_encoder_side_reconstruction(codec, size):
    integer, _ = codec
    image = torch.from_numpy(load_images(count=3, size=size)[2])
    data = integer.encode(image)
    decoded = integer.decode(data)
    assert decoded.shape == image.shape
    assert torch.equal(decoded, integer.reference(image))
    # A fresh codec (another process would do the same) decodes the same bytes identically.
    fresh = IntegerCodec(codec[1], integer.module, "fresh")
    assert torch.equal(fresh.decode(data), decoded)
    pixels = decoded.numpy() * 255.0
    assert np.array_equal(pixels, np.round(pixels))  # 8-bit values, as the decoder emits them


def test_latent_is_the_integer_encoders_output_and_round_trips_through_the_coder(codec):
    integer, _ = codec
    image = torch.from_numpy(load_images(count=1, size=COMPILE_FRAME)[0])
    q, frame = integer.latent(image)
    assert frame == (256, 256) and q.dtype.kind == "i"
    height, width, shape, strings = unpack(integer.encode(image))
    assert (height, width, shape) == (256, 256, q.shape[-2:])
    assert len(strings) == 1 and len(strings[0]) > 0


def test_hyperprior_models_are_refused():
    model = build("bmshj2018-hyperprior", 8, 12)
    with pytest.raises(LiccError, match="factorized prior"):
        IntegerCodec(model, None, "h")


def test_the_float_and_integer_codecs_share_the_container(codec):
    integer, model = codec
    image = torch.from_numpy(load_images(count=1)[0])
    float_data = ModelCodec(model, "float").encode(image)
    int_data = integer.encode(image)
    assert float_data[:5] == int_data[:5]  # height, width, latent rank


def test_licc_eval_rd_integer_curve(codec, tmp_path, monkeypatch, capsys):
    import sys

    from PIL import Image

    from lic_compiler.cli.eval import main
    from lic_compiler.eval.results import load_results
    from lic_compiler.models.checkpoint import save_checkpoint

    images = tmp_path / "images"
    images.mkdir()
    for i, x in enumerate(load_images(count=2, size=COMPILE_FRAME)):  # MS-SSIM needs 161 pixels a side
        Image.fromarray(np.round(x[0].transpose(1, 2, 0) * 255).astype(np.uint8)).save(images / f"{i}.png")
    checkpoint = tmp_path / "tiny.pt"
    # A trained checkpoint's config has its own "precision" (the training's, fp32): the results keep the codec's.
    save_checkpoint(checkpoint, codec[1], "bmshj2018-factorized", {"N": 8, "M": 12, "gdn": "standard", "precision": "fp32"})
    out = tmp_path / "int.json"
    argv = ["licc-eval", "--threads", "1", "rd", str(checkpoint), "--images", str(images),
            "--name", "tiny-int", "--integer", "--precision", "weights=8 activations=8 gdn-inputs=act",
            "--quantize", "scales=tensor clip=mse", "-o", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 0, capsys.readouterr().err
    results = load_results(out)
    assert results["name"] == "tiny-int"
    assert "tiny (integer)" in out.read_text()
    assert '"round-trip-checked": true' in out.read_text()
    assert "lic-quantize{scales=tensor clip=mse}" in out.read_text()  # the options reach the pipeline
    assert "lic-assign-precision{weights=8 activations=8 gdn-inputs=act}" in out.read_text()
