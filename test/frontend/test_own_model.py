"""A user's own codec, by the routes the README names: a plain torch.export
program (.pt2), the module itself (`import_model` / `compile_model`), and
the frame, part and calibration rules that hold for any model.

The codec: three kernel-3, stride-2 convolutions with CompressAI's GDN
between them (IGDN in the decoder), GDN parameters moved off their initial
values, built here at 64×64.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compressai.layers import GDN, GDN1
from torch import nn
from xdsl.dialects.func import FuncOp

from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.frontend import import_model
from lic_compiler.interpreter import run
from lic_compiler.ir import make_context, to_numpy
from lic_compiler.quant import attrs
from lic_compiler.registry import parse_pipeline

FRAME = (64, 64)
M = 6  # latent channels


def perturbed(module: nn.Module, seed: int = 0) -> nn.Module:
    """`module` in eval mode with its GDN parameters away from their (symmetric) initial values."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith(("beta", "gamma")):
                p.uniform_(0.2, 1.0)
    return module.eval()


def encoder(gdn: type[nn.Module] = GDN) -> nn.Module:
    torch.manual_seed(1)
    return perturbed(nn.Sequential(
        nn.Conv2d(3, 8, 3, 2, 1), gdn(8), nn.Conv2d(8, 8, 3, 2, 1), gdn(8), nn.Conv2d(8, M, 3, 2, 1)))


def decoder(gdn: type[nn.Module] = GDN) -> nn.Module:
    torch.manual_seed(2)
    return perturbed(nn.Sequential(
        nn.ConvTranspose2d(M, 8, 3, 2, 1, 1), gdn(8, inverse=True), nn.ConvTranspose2d(8, 8, 3, 2, 1, 1),
        gdn(8, inverse=True), nn.ConvTranspose2d(8, 3, 3, 2, 1, 1)))


def export(module: nn.Module, shape: tuple[int, ...], path) -> None:
    """What a user does: torch's own export, nothing from licc."""
    torch.export.save(torch.export.export(module, (torch.zeros(shape),)), path)


def to_lic(source, **kwargs):
    result = import_model(source, **kwargs)
    parse_pipeline("convert-torch-to-lic").apply(make_context(), result.module)
    return result


def gdns(module) -> list[lic.GdnOp]:
    return [op for op in module.walk() if isinstance(op, lic.GdnOp)]


@pytest.mark.parametrize("gdn", [GDN, GDN1], ids=["gdn", "gdn1"])
def test_exported_gdn_becomes_lic_gdn_and_matches_pytorch(gdn, tmp_path):
    enc, dec = encoder(gdn), decoder(gdn)
    export(enc, (1, 3, 64, 64), tmp_path / "enc.pt2")
    export(dec, (1, M, 8, 8), tmp_path / "dec.pt2")
    form = "l1" if gdn is GDN1 else "standard"
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        y = torch.round(enc(x) * 4)  # a latent with some spread
    for path, module, name, arg, inverse in [
        (tmp_path / "enc.pt2", enc, "encoder", x, False), (tmp_path / "dec.pt2", dec, "decoder", y, True),
    ]:
        result = to_lic(path)
        assert result.info["parts"] == [name]
        ops = gdns(result.module)
        assert [(op.is_inverse, op.form.data) for op in ops] == [(inverse, form)] * 2
        assert {op.name for op in result.module.walk()} <= {
            "builtin.module", "func.func", "func.return", "lic.constant", "lic.conv2d", "lic.conv_transpose2d",
            "lic.gdn"}
        (got,) = run(result.module, name, arg.numpy())
        with torch.no_grad():
            want = module(arg).numpy()
        assert np.abs(got - want).max() <= 1e-5 * float(np.ptp(want))


def test_program_and_module_give_the_same_weights(tmp_path):
    """β and γ folded from the exported reparametrisation equal CompressAI's own, bit for bit."""
    enc = encoder()
    export(enc, (1, 3, 64, 64), tmp_path / "enc.pt2")
    from_program, from_module = to_lic(tmp_path / "enc.pt2").module, to_lic(enc, frame=FRAME).module

    def constants(module) -> list[np.ndarray]:
        return [to_numpy(op.value) for op in module.walk() if isinstance(op, lic.ConstantOp)]

    a, b = constants(from_program), constants(from_module)
    assert len(a) == len(b) == 10
    assert all(np.array_equal(p, q) for p, q in zip(a, b))


def test_a_shared_square_is_not_taken_for_a_gdn():
    """x² used twice is not a GDN's own: the conversion names the op it cannot convert."""

    class Shared(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.norm = nn.Conv2d(4, 4, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            square = x**2
            return x * torch.rsqrt(self.norm(square)) + square

    program = torch.export.export(Shared().eval(), (torch.rand(1, 4, 8, 8),))
    with pytest.raises(LiccError, match=r"torch.aten.pow.Tensor_Scalar in @model.*unsupported op"):
        to_lic_program(program)


def to_lic_program(program):
    from lic_compiler.frontend.importer import _to_ir

    module = _to_ir({"model": program}, "<test>", {})
    parse_pipeline("convert-torch-to-lic").apply(make_context(), module)
    return module


# --- roles, shapes and the frame -----------------------------------------------------


class Codec(nn.Module):
    """A user's own codec split like CompressAI's."""

    def __init__(self) -> None:
        super().__init__()
        self.g_a, self.g_s = encoder(), decoder()


def test_a_decoder_module_gets_a_latent_not_an_image():
    result = import_model(decoder(), frame=FRAME)
    (fn,) = [op for op in result.module.ops if isinstance(op, FuncOp)]
    assert fn.sym_name.data == "decoder"
    assert fn.args[0].type.get_shape() == (1, M, 8, 8)
    assert result.info["frame"] == [64, 64]


@pytest.mark.parametrize("model", [Codec, encoder, decoder], ids=["codec", "encoder", "decoder"])
def test_any_model_pads_a_frame_its_stride_does_not_divide(model):
    """68x64 at stride 8: computed at 72x64, the image in and out at 68x64, the latent
    of the padded frame (a decoder alone takes it too)."""
    result = import_model(model(), frame=(68, 64))
    assert result.info["frame"] == [68, 64] and result.info["padded_frame"] == [72, 64]
    for fn in (op for op in result.module.ops if isinstance(op, FuncOp)):
        image = fn.args[0].type if fn.sym_name.data == "encoder" else fn.function_type.outputs.data[0]
        latent = fn.function_type.outputs.data[0] if fn.sym_name.data == "encoder" else fn.args[0].type
        assert image.get_shape() == (1, 3, 64, 68)
        assert latent.get_shape() == (1, M, 8, 9)


def test_a_program_at_a_frame_its_stride_does_not_divide(tmp_path):
    export(encoder(), (1, 3, 64, 68), tmp_path / "odd.pt2")
    with pytest.raises(LiccError, match=r"^frame 68x64 is not divisible by the total stride 8 of odd.pt2; "
                                        r"use 64x64 or 72x64 \(re-export the program at that size\)$"):
        import_model(tmp_path / "odd.pt2")


def test_a_decoder_program_is_named_and_framed_by_its_image(tmp_path):
    export(decoder(), (1, M, 8, 8), tmp_path / "dec.pt2")
    result = import_model(tmp_path / "dec.pt2")
    assert result.info["parts"] == ["decoder"] and result.info["frame"] == [64, 64]
    with pytest.raises(LiccError, match="dec.pt2 was exported for 64x64 images, not 32x32"):
        import_model(tmp_path / "dec.pt2", frame=(32, 32))
    with pytest.raises(LiccError, match="its only part is 'decoder'"):
        import_model(tmp_path / "dec.pt2", parts=["encoder"])


# --- calibrating a decoder alone ---------------------------------------------------


CALIBRATE = "convert-torch-to-lic,lic-rewrite-gdn{measure=false},lic-calibrate{count=2%s}"


def calibrated_decoder(path, options: str = "") -> FuncOp:
    module = import_model(path).module
    parse_pipeline(CALIBRATE % options).apply(make_context(), module)
    (fn,) = [op for op in module.ops if isinstance(op, FuncOp)]
    return fn


def test_a_decoder_alone_is_calibrated_on_random_latents_in_range(tmp_path):
    export(decoder(), (1, M, 8, 8), tmp_path / "dec.pt2")
    wide = attrs.get(calibrated_decoder(tmp_path / "dec.pt2"), attrs.ARG_RANGES)[0]
    narrow = attrs.get(calibrated_decoder(tmp_path / "dec.pt2", " latent-scale=0.5 latent-range=2"),
                       attrs.ARG_RANGES)[0]
    assert -32 <= wide["min"] < -2 and 2 < wide["max"] <= 32  # Laplacian(1) integers over 2×6×8×8 draws
    assert (narrow["min"], narrow["max"]) == (-2, 2)


def latent_range(enc: nn.Module, frame: tuple[int, int]) -> tuple[float, float]:
    """The range of `enc`'s rounded latents of the first two calibration images at `frame`."""
    from lic_compiler.calibration import fit_image, load_images

    with torch.no_grad():
        latents = [torch.round(enc(torch.from_numpy(fit_image(x, frame)))) for x in load_images(count=2)]
    return min(float(y.min()) for y in latents), max(float(y.max()) for y in latents)


@pytest.mark.parametrize("size", [64, 32], ids=["same-frame", "encoder-at-32x32"])
def test_a_decoder_alone_is_calibrated_with_its_encoder(tmp_path, size):
    """The encoder's rounded latents drive the decoder, at the size the encoder was exported for."""
    enc = encoder()
    with torch.no_grad():
        enc[-1].weight *= 8  # latents beyond ±1
    export(enc, (1, 3, size, size), tmp_path / "enc.pt2")
    export(decoder(), (1, M, 8, 8), tmp_path / "dec.pt2")
    fn = calibrated_decoder(tmp_path / "dec.pt2", ' encoder="%s"' % (tmp_path / "enc.pt2"))
    assert fn.args[0].type.get_shape() == (1, M, 8, 8)  # compiled at 64x64 whatever the calibration size
    got = attrs.get(fn, attrs.ARG_RANGES)[0]
    assert (got["min"], got["max"]) == latent_range(enc, (size, size))
    assert got["max"] - got["min"] >= 2


def test_an_encoder_of_another_latent_is_refused(tmp_path):
    export(nn.Conv2d(3, 4, 8, 8).eval(), (1, 3, 64, 64), tmp_path / "enc.pt2")  # 4 channels, not 6
    export(decoder(), (1, M, 8, 8), tmp_path / "dec.pt2")
    with pytest.raises(LiccError, match=r"the encoder enc.pt2 gives 1×4×8×8 latents, the decoder takes 1×6×8×8"):
        calibrated_decoder(tmp_path / "dec.pt2", ' encoder="%s"' % (tmp_path / "enc.pt2"))


def test_a_program_with_dynamic_shapes_is_refused(tmp_path):
    class Enc(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, 2, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.conv(x)

    program = torch.export.export(Enc().eval(), (torch.zeros(2, 3, 16, 16),),
                                  dynamic_shapes={"x": {0: torch.export.Dim("batch")}})
    torch.export.save(program, tmp_path / "dynamic.pt2")
    with pytest.raises(LiccError, match=r"^dynamic.pt2 takes \[\[s\w+, 3, 16, 16\]\]; licc needs one static NCHW "
                                        r"tensor \(export without dynamic_shapes\)$"):
        import_model(tmp_path / "dynamic.pt2")


def test_latent_options_are_checked(tmp_path):
    export(decoder(), (1, M, 8, 8), tmp_path / "dec.pt2")
    with pytest.raises(LiccError, match="latent-scale must be positive and latent-range at least 1"):
        calibrated_decoder(tmp_path / "dec.pt2", " latent-scale=0")
