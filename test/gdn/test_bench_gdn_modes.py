"""bench/gdn_modes.py: real bitstreams through interpreted transforms, and its verdict."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lic_compiler.models import build, save_checkpoint

@pytest.fixture(scope="module")
def bench(load_bench):
    return load_bench("gdn_modes")


def _rate_points(folder: Path) -> list[Path]:
    """Four untrained models standing in for rate points: more latent channels, more bits."""
    paths = []
    for m in (4, 8, 12, 16):
        torch.manual_seed(m)
        path = folder / f"tiny-m{m}.pt"
        save_checkpoint(path, build("bmshj2018-factorized", 8, m), "bmshj2018-factorized", {"M": m})
        paths.append(path)
    return paths


def _images(folder: Path) -> Path:
    """One smooth colour pattern with mild noise, large enough for MS-SSIM."""
    folder.mkdir()
    yy, xx = np.mgrid[0:176, 0:192] / 64.0
    smooth = 127 + 100 * np.sin(xx + yy)[..., None] * np.array([1.0, 0.6, -0.8])
    noise = np.random.default_rng(0).normal(0, 4, smooth.shape)
    Image.fromarray(np.clip(smooth + noise, 0, 255).astype(np.uint8)).save(folder / "img.png")
    return folder


@pytest.mark.slow
def test_bench_runs_every_mode_against_exact(bench, tmp_path, capsys):
    checkpoints = _rate_points(tmp_path)
    args = [str(_images(tmp_path / "images")), "--mode", "table table-bits=3", "--out", str(tmp_path / "r.json")]
    for c in checkpoints:
        args += ["--checkpoint", str(c)]
    status = bench.main(args)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("1 image(s) from") and "4 rate points (tiny-m4, tiny-m8, tiny-m12, tiny-m16)" in lines[0]
    modes = [line.split("  ")[0] for line in lines[2:5]]
    assert modes == ["exact", "table table-bits=3", bench.default_mode()]
    exact = lines[2].split()
    assert exact[1:4] == ["+0.0000%", "+0.0000%", "+0.0000"]
    assert lines[5].startswith(f"default mode '{bench.default_mode()}': BD-rate")
    assert status == (0 if "within budget" in lines[5] else 1)
    assert (tmp_path / "r.json").stat().st_size > 0


def _row(mode, bd_cubic, bd_pchip, changes):
    return {"mode": mode, "bd-rate-cubic": bd_cubic, "bd-rate-pchip": bd_pchip, "psnr-change": changes}


@pytest.mark.parametrize(
    "bd,changes,ok",
    [
        ((0.05, 0.02), {"q1": -0.01, "q2": 0.0}, True),
        ((0.05, 0.12), {"q1": -0.01, "q2": 0.0}, False),  # the worse BD method counts
        ((0.0, 0.0), {"q1": -0.03, "q2": 0.01}, False),  # every rate point counts
    ],
)
def test_budget(bench, bd, changes, ok):
    got, sentence = bench.check_default([_row("pwl segments=32", *bd, changes)], "pwl segments=32")
    assert got == ok and ("within budget" in sentence) == ok


def test_default_mode_is_the_pass_default(bench):
    from lic_compiler.passes.rewrite_gdn import DEFAULT_MODE, MODE_DEFAULTS

    name, *params = bench.default_mode().split()
    assert name == DEFAULT_MODE
    assert {p.split("=")[0].replace("-", "_") for p in params} == set(MODE_DEFAULTS[DEFAULT_MODE])
