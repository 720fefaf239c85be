"""Sub-pixel convolution: `nn.PixelShuffle` and `nn.PixelUnshuffle`, as torch.export
decomposes them (view, permute, view), become `lic.pixel_shuffle` /
`lic.pixel_unshuffle`; the float IR reproduces the module and the integer IR
keeps each channel's scale through the reorder."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from xdsl.dialects.func import FuncOp

from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.frontend import import_model
from lic_compiler.interpreter import run
from lic_compiler.ir import make_context
from lic_compiler.registry import parse_pipeline


def decoder() -> nn.Module:  # 6×8×8 → 3×16×16 through a 12-channel conv and a shuffle
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(6, 12, 3, 1, 1), nn.PixelShuffle(2), nn.Conv2d(3, 3, 3, 1, 1)).eval()


def encoder() -> nn.Module:  # 3×16×16 → 6×8×8 through an unshuffle
    torch.manual_seed(1)
    return nn.Sequential(nn.Conv2d(3, 4, 3, 1, 1), nn.ReLU(), nn.PixelUnshuffle(2), nn.Conv2d(16, 6, 3, 1, 1)).eval()


def imported(module: nn.Module, shape: tuple[int, ...], tmp_path):
    path = tmp_path / "m.pt2"
    torch.export.save(torch.export.export(module, (torch.zeros(shape),)), path)
    module_ir = import_model(path).module
    parse_pipeline("convert-torch-to-lic").apply(make_context(), module_ir)
    return module_ir


@pytest.mark.parametrize("make, shape, name, op", [
    (decoder, (1, 6, 8, 8), "decoder", lic.PixelShuffleOp),
    (encoder, (1, 3, 16, 16), "encoder", lic.PixelUnshuffleOp),
])
def test_the_reorder_converts_and_reproduces_torch(make, shape, name, op, tmp_path):
    module = imported(make(), shape, tmp_path)
    f = next(o for o in module.ops if isinstance(o, FuncOp))
    assert [o.r for o in f.walk() if isinstance(o, op)] == [2]
    x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    (got,) = run(module, name, x)
    want = make()(torch.from_numpy(x)).detach().numpy()
    assert np.abs(got - want).max() < 1e-5


def test_reorders_equal_torch_on_integers():
    x = np.arange(2 * 9 * 3 * 4).reshape(1, 18, 3, 4)
    assert np.array_equal(lic.shuffle(x, 3), torch.nn.functional.pixel_shuffle(torch.from_numpy(x), 3).numpy())
    assert np.array_equal(lic.unshuffle(lic.shuffle(x, 3), 3), x)


def test_the_integer_shuffle_keeps_the_scales_it_moves(tmp_path):
    """After lic-quantize the shuffle's input has one scale per group of r² channels
    (the conv's rescale gives them one), so the integer decoder tracks the float one."""
    module = imported(decoder(), (1, 6, 8, 8), tmp_path)
    floats = imported(decoder(), (1, 6, 8, 8), tmp_path)
    parse_pipeline("lic-calibrate{count=2},lic-assign-precision,lic-quantize").apply(make_context(), module)
    f = next(o for o in module.ops if isinstance(o, FuncOp))
    shuffle = next(o for o in f.walk() if isinstance(o, lic.PixelShuffleOp))
    # Straight from the conv's activation: no rescale to a shared scale was needed.
    assert isinstance(shuffle.input.owner, lic.RescaleOp)
    assert isinstance(shuffle.input.owner.input.owner, lic.Conv2dOp)
    y = np.random.default_rng(1).laplace(0, 1, (1, 6, 8, 8)).round().clip(-20, 20)
    (want,) = run(floats, "decoder", y.astype(np.float32))
    (got,) = run(module, "decoder", y.astype(np.int8))
    pixels = np.clip(np.round(want * 255), 0, 255)
    assert np.abs(got.astype(np.int64) - pixels).mean() < 2


def test_other_reshapes_name_what_converts(tmp_path):
    class Flip(nn.Module):
        def forward(self, x):
            return x.view(1, 3, 2, 8, 16).permute(0, 1, 3, 2, 4).reshape(1, 3, 16, 16)

    with pytest.raises(LiccError, match="only PixelShuffle's and PixelUnshuffle's reshapes convert"):
        imported(nn.Sequential(nn.Conv2d(3, 3, 1), Flip()), (1, 3, 16, 16), tmp_path)
