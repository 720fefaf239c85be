"""The bundled student's design at 64×64, and two small generated images."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lic_compiler.driver import BuildOptions, compile_model

FRAME = (64, 64)
STUDENT = Path(__file__).parents[2] / "models" / "zoo" / "default.pt"


@pytest.fixture(scope="session")
def images(tmp_path_factory) -> Path:
    """Two 80×72 images: smooth gradients with texture, so every stage sees varied values."""
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:72, 0:80]
    for i in range(2):
        base = np.stack([xx * 3, yy * 3, (xx + yy) * 2], axis=-1) + 40 * np.sin((xx + i * 7) / 5.0)[..., None]
        pixels = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"img{i}.png")
    return folder


@pytest.fixture(scope="session")
def design(tmp_path_factory):
    """The final hls IR of the bundled student at 64×64, as licc builds it (a trained codec:
    an untrained one's latent is all zeros)."""
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("build") / "b"
    return compile_model(STUDENT, out, BuildOptions(parts=["encoder", "decoder"], frame=FRAME)).module
