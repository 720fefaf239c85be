"""Small codecs whose latents carry bits, saved as checkpoints; never the shared data sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn
from xdsl.dialects.builtin import ModuleOp

from lic_compiler.frontend import import_model
from lic_compiler.ir import make_context, print_module
from lic_compiler.models import build, save_checkpoint
from lic_compiler.registry import parse_pipeline

ARCHS = ["bmshj2018-factorized", "bmshj2018-hyperprior", "mbt2018-mean"]
FRAME = (64, 64)
DEAD = [0, 5]  # latent channels that are zero everywhere
IMAGE = Path(__file__).parent.parent / "data" / "kodim23-128.png"


def lively(arch: str, seed: int = 0) -> nn.Module:
    """An untrained N=8, M=12 codec scaled so its latents round to many values, with dead channels `DEAD`."""
    torch.manual_seed(seed)
    model = build(arch, 8, 12).eval()
    with torch.no_grad():
        last = model.g_a[6]
        last.weight *= 40
        last.weight[DEAD] = 0
        last.bias[DEAD] = 0
        if hasattr(model, "h_a"):
            model.h_a[4].weight *= 20
    return model


def lic_module(source: Path | nn.Module, parts: list[str] | None = None) -> ModuleOp:
    """The lic IR of every part (or `parts`) of a checkpoint or model at `FRAME`."""
    module = import_model(source, frame=FRAME, parts=parts).module
    parse_pipeline("convert-torch-to-lic").apply(make_context(), module)
    return module


def prune(module: ModuleOp, options: str) -> ModuleOp:
    parse_pipeline(f"lic-prune-channels{{{options}}}").apply(make_context(), module)
    return module


def functions_text(module: ModuleOp) -> str:
    """The printed functions and resources, without the module's attributes."""
    text = print_module(module)
    return text[text.index("func.func") :]


def image(size: int = 64) -> np.ndarray:
    pixels = np.asarray(Image.open(IMAGE).convert("RGB"), dtype=np.float32) / 255
    return np.ascontiguousarray(pixels[:size, :size].transpose(2, 0, 1)[None])


@pytest.fixture(scope="session", params=ARCHS)
def source(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpoint of each family, from `lively`."""
    path = tmp_path_factory.mktemp("source") / f"{request.param}.pt"
    save_checkpoint(path, lively(request.param), request.param, {"lmbda": 0.01})
    return path


@pytest.fixture
def images(tmp_path: Path) -> Path:
    """Four small smooth training images."""
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 180, 48)[None, :, None]
    for i in range(4):
        pixels = rng.random((40, 48, 3)) * 60 + ramp + i
        Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(folder / f"img{i}.png")
    return folder
