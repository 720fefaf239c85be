"""Shared fixtures: generated images and tiny untrained checkpoints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lic_compiler.models import build, save_checkpoint


def synthetic_image(height: int, width: int, seed: int) -> np.ndarray:
    """A smooth colour pattern with mild noise: compressible, unlike pure noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width] / max(height, width)
    channels = []
    for _ in range(3):
        fx, fy, phase = rng.uniform(0.5, 4.0), rng.uniform(0.5, 4.0), rng.uniform(0, 2 * np.pi)
        channels.append(0.5 + 0.4 * np.sin(2 * np.pi * (fx * xx + fy * yy) + phase))
    img = np.stack(channels, axis=-1) * 255 + rng.normal(0, 6, (height, width, 3))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def write_images(folder: Path, count: int, height: int, width: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.fromarray(synthetic_image(height, width, seed=i)).save(folder / f"img{i:02d}.png")
    return folder


@pytest.fixture
def rd_images(tmp_path: Path) -> Path:
    """Two images large enough for MS-SSIM, neither side a multiple of 64."""
    return write_images(tmp_path / "images", 2, 168, 200)


@pytest.fixture
def tiny_checkpoints(tmp_path: Path) -> list[Path]:
    """Four untrained FactorizedPrior(8, 12) checkpoints standing in for four rate points."""
    paths = []
    for i, lmbda in enumerate((0.001, 0.004, 0.016, 0.064)):
        torch.manual_seed(i)
        path = tmp_path / f"tiny-{i}.pt"
        save_checkpoint(path, build("bmshj2018-factorized", 8, 12), "bmshj2018-factorized", {"lmbda": lmbda})
        paths.append(path)
    return paths


@pytest.fixture(autouse=True, scope="package")
def single_thread():
    """One torch thread: tiny tensors gain nothing from two, and lose a lot when cores are shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
