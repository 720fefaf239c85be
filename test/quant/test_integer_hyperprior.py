"""The integer hyperprior codecs: bitstream round trip, scale indexes from integers only,
the same indexes from the hyper-decoder's C simulation."""

import numpy as np
import pytest
import torch

from lic_compiler.calibration import load_images
from lic_compiler.errors import LiccError
from lic_compiler.eval.codec import unpack
from lic_compiler.eval.integer import HYPER_PARTS, IntegerCodec, IntegerHyperpriorCodec, compile_integer
from lic_compiler.models import build


@pytest.fixture(scope="module", params=["bmshj2018-hyperprior", "mbt2018-mean"])
def codec(request):
    torch.manual_seed(0)
    model = build(request.param, 8, 12)
    model.update(force=True)
    module = compile_integer(model, count=2, parts=HYPER_PARTS)
    return IntegerHyperpriorCodec(model, module, f"tiny {request.param} (integer)"), model


@pytest.mark.parametrize("size", [(256, 256), (200, 136)])
def test_decoding_the_bitstream_reproduces_the_encoder_side_reconstruction(codec, size):
    integer, model = codec
    image = torch.from_numpy(load_images(count=3, size=size)[2])
    data = integer.encode(image)
    height, width, shape, strings = unpack(data)
    assert (height, width) == size[::-1] and len(strings) == 2  # latent, hyper-latent
    decoded = integer.decode(data)
    assert decoded.shape == image.shape
    assert torch.equal(decoded, integer.reference(image))
    fresh = IntegerHyperpriorCodec(model, integer.module, "fresh")  # another process: same bytes, same image
    assert torch.equal(fresh.decode(data), decoded)


def test_the_tables_are_compressais_indexes_and_rounded_means(codec):
    """Each integer the hyper-decoder can return maps to the index CompressAI's
    `build_indexes` gives its real scale, and to its real value rounded (half up)."""
    from lic_compiler.dialects.lic import int_range
    from lic_compiler.quant import attrs
    from lic_compiler.quant.drive import functions

    integer, model = codec
    f = functions(integer.module)["hyper_decoder"]
    unit = attrs.get(f, attrs.RESULT_SCALES)[0]
    lo, hi = int_range(f.function_type.outputs.data[0].get_element_type())
    values = np.arange(lo, hi + 1)
    real = torch.from_numpy(values * unit)
    expected = model.gaussian_conditional.build_indexes(real).numpy()
    assert np.array_equal(integer._lookup(integer.index_table, values), expected)
    assert np.array_equal(integer._lookup(integer.mean_table, values), np.floor(values * unit + 0.5))


def test_the_hyper_decoder_in_c_simulation_gives_the_same_indexes(codec, tmp_path):
    """The decoder side's scale indexes (and means) do not depend on where the integer
    hyper-decoder runs: its C simulation returns the interpreter's integers for the
    hyper-latent of a real image."""
    from lic_compiler.backends.hls_cpp import write_project
    from lic_compiler.backends.hls_cpp.csim import build, run
    from lic_compiler.ir import make_context
    from lic_compiler.registry import parse_pipeline

    integer, _ = codec
    image = torch.from_numpy(load_images(count=1, size=(128, 128))[0])
    q, frame = integer.latent(image)
    z = integer.hyper_latent(q, frame)
    hls = integer._at(*frame).clone()
    parse_pipeline("convert-lic-to-hls,lic-set-parallelism").apply(make_context(), hls)
    write_project(hls, tmp_path / "hls")
    binary, _ = build(tmp_path / "hls", ["hyper_decoder"], ("std",), tmp_path)["std"]
    params, _, _ = run(binary, "hyper_decoder", z, tmp_path)
    assert np.array_equal(params, integer._run("hyper_decoder", z, frame))
    indexes, means = integer.parameters(z, frame)
    scales = np.split(params, 2, axis=1)[0] if integer.means else params
    assert np.array_equal(integer._lookup(integer.index_table, scales), indexes.numpy())


def test_the_hyper_transforms_keep_their_leaky_relus(codec):
    """mbt2018-mean's LeakyReLUs reach the integer codec as integer leaky ReLUs, the slope
    as the 15-bit dyadic nearest it (so the tests above run them in the interpreter and
    in C simulation)."""
    from lic_compiler.dialects import lic
    from lic_compiler.quant.drive import functions

    integer, model = codec
    for name, transform in (("hyper_encoder", model.h_a), ("hyper_decoder", model.h_s)):
        slopes = [m.negative_slope for m in transform.modules() if isinstance(m, torch.nn.LeakyReLU)]
        f = functions(integer.module)[name]
        ops = [op for op in f.walk() if isinstance(op, lic.LeakyReluOp)]
        assert len(ops) == len(slopes)
        for op, slope in zip(ops, slopes):
            m, s = op.slope_params()
            assert lic.is_integer(op.output) and abs(m / 2**s - slope) <= slope * 2**-15


def test_each_codec_refuses_the_other_family(codec):
    _, model = codec
    with pytest.raises(LiccError, match="factorized prior"):
        IntegerCodec(model, None, "h")
    with pytest.raises(LiccError, match="hyperprior"):
        IntegerHyperpriorCodec(build("bmshj2018-factorized", 8, 12), None, "f")


def test_calibration_images_reach_a_hyper_latent_of_four_by_four():
    """A 128² crop gives a stride-64 hyperprior a 2×2 hyper-latent, all border; calibration
    mirror-extends the crops to 4 × 64 = 256 a side (a factorized prior's stride of 16
    keeps them as they are)."""
    from lic_compiler.frontend import import_model
    from lic_compiler.ir import make_context
    from lic_compiler.registry import parse_pipeline
    from lic_compiler.passes.calibrate import _large_enough

    crops = load_images(count=2)
    assert crops[0].shape[2:] == (128, 128)
    for arch, parts, side in (("bmshj2018-hyperprior", HYPER_PARTS, 256), ("bmshj2018-factorized", None, 128)):
        model = build(arch, 8, 12)
        module = import_model(model, parts=parts or ["encoder", "decoder"], frame=(256, 256)).module
        parse_pipeline("convert-torch-to-lic").apply(make_context(), module)
        fitted = _large_enough(module, crops)
        assert all(x.shape[2:] == (side, side) for x in fitted)
        middle = (side - 128) // 2  # the crop itself sits in the middle of its mirror extension
        assert np.array_equal(fitted[0][..., middle : middle + 128, middle : middle + 128], crops[0])


def test_licc_eval_rd_integer_on_a_hyperprior_checkpoint(tmp_path, monkeypatch, capsys):
    import sys

    from PIL import Image

    from lic_compiler.cli.eval import main
    from lic_compiler.models.checkpoint import save_checkpoint

    torch.manual_seed(0)
    arch = "bmshj2018-hyperprior"
    model = build(arch, 8, 12)
    images = tmp_path / "images"
    images.mkdir()
    for i, x in enumerate(load_images(count=2, size=(192, 192))):  # MS-SSIM needs 161 pixels a side
        Image.fromarray(np.round(x[0].transpose(1, 2, 0) * 255).astype(np.uint8)).save(images / f"{i}.png")
    checkpoint = tmp_path / "tiny-hyper.pt"
    save_checkpoint(checkpoint, model, arch, {"N": 8, "M": 12, "gdn": "standard"})
    out = tmp_path / "int.json"
    argv = ["licc-eval", "--threads", "1", "rd", str(checkpoint), "--images", str(images),
            "--name", "tiny-hyper-int", "--integer", "-o", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 0, capsys.readouterr().err
    text = out.read_text()
    assert "tiny-hyper (integer)" in text and '"round-trip-checked": true' in text
