"""Imported and converted IR, run by the interpreter, reproduces PyTorch.

For each architecture and part: the torch-mlir import, `convert-torch-to-lic`
and the float interpreter together must match the PyTorch module to within
1e-4 of the output's range, on a real image (and what the encoder makes of
it) and on random input.
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lic_compiler.frontend import import_model
from lic_compiler.interpreter import run
from lic_compiler.ir import make_context, parse_module, print_module
from lic_compiler.models import build
from lic_compiler.registry import parse_pipeline

IMAGE = Path(__file__).parent.parent / "data" / "kodim23-128.png"

CASES = [
    ("bmshj2018-factorized", 32, 48, 64),
    ("bmshj2018-factorized", 128, 192, 64),
    ("bmshj2018-hyperprior", 16, 24, 128),
    ("mbt2018-mean", 16, 24, 128),
]


def _image(size: int) -> np.ndarray:
    pixels = np.asarray(Image.open(IMAGE).convert("RGB"), dtype=np.float32) / 255
    return np.ascontiguousarray(pixels[:size, :size].transpose(2, 0, 1)[None])


def _lic(result) -> "ModuleOp":  # noqa: F821
    module = result.module.clone()
    parse_pipeline("convert-torch-to-lic").apply(make_context(), module)
    return module


def _close(got: np.ndarray, want: torch.Tensor) -> None:
    want = want.detach().numpy()
    span = float(want.max() - want.min()) or 1.0
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-4 * span


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def imported(request):
    arch, n, m, size = request.param
    torch.manual_seed(0)
    model = build(arch, n, m).eval()
    result = import_model(model, frame=(size, size))
    return result, _lic(result), size


def test_every_part_matches_pytorch(imported):
    result, module, size = imported
    rng = np.random.default_rng(1)
    inputs = {"encoder": _image(size)}
    with torch.no_grad():
        y = result.reference("encoder")(torch.from_numpy(inputs["encoder"]))
        inputs["decoder"] = torch.round(y).numpy()
        if "hyper_encoder" in result.info["parts"]:
            inputs["hyper_encoder"] = y.numpy()
            z = result.reference("hyper_encoder")(y)
            inputs["hyper_decoder"] = torch.round(z).numpy()
    for part in result.info["parts"]:
        for x in (inputs[part], rng.standard_normal(inputs[part].shape).astype(np.float32)):
            with torch.no_grad():
                want = result.reference(part)(torch.from_numpy(x))
            (got,) = run(module, part, x)
            _close(got, want)


def test_print_parse_round_trip(imported):
    result, module, _ = imported
    for m in (result.module, module):
        text = print_module(m)
        assert print_module(parse_module(text)) == text


def test_720p_codec_round_trips():
    """The full-size (128, 192) encoder+decoder module prints and parses back."""
    torch.manual_seed(0)
    result = import_model(build("bmshj2018-factorized", 128, 192), frame=(1280, 720))
    module = _lic(result)
    for m in (result.module, module):
        text = print_module(m)
        assert print_module(parse_module(text)) == text
