"""Fixtures for the model tests: small generated images, never the shared data sets."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lic_compiler.cli.train import main


def write_images(folder: Path, count: int, size: tuple[int, int] = (48, 40), seed: int = 0) -> Path:
    """`count` smooth random RGB images of (width, height) `size` as PNG files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    w, h = size
    ramp = np.linspace(0, 180, w)[None, :, None]
    for i in range(count):
        pixels = rng.random((h, w, 3)) * 60 + ramp + i
        Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(folder / f"img{i}.png")
    return folder


@pytest.fixture
def images(tmp_path: Path) -> Path:
    return write_images(tmp_path / "train", 4)


@pytest.fixture
def val_images(tmp_path: Path) -> Path:
    return write_images(tmp_path / "val", 2, size=(32, 32), seed=1)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """Run licc-train as its console script does: (exit code, stderr)."""

    def run(*args: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["licc-train", *args])
        with pytest.raises(SystemExit) as exit_info:
            main()
        return exit_info.value.code, capsys.readouterr().err

    return run
