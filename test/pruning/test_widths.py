"""Per-layer widths in the model builder, checkpoints and warm starts."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lic_compiler.errors import LiccError
from lic_compiler.models import build, load_checkpoint
from lic_compiler.models.arch import conv_widths
from lic_compiler.models.checkpoint import FORMAT, atomic_save
from lic_compiler.models.train import TrainConfig, train

from .conftest import ARCHS

NARROW = {
    "bmshj2018-factorized": {"g_a": [6, 5, 4, 10], "g_s": [4, 5, 6, 3]},
    "bmshj2018-hyperprior": {"g_a": [6, 5, 4, 10], "g_s": [4, 5, 6, 3], "h_a": [7, 6, 5], "h_s": [6, 7, 10]},
    "mbt2018-mean": {"g_a": [6, 5, 4, 10], "g_s": [4, 5, 6, 3], "h_a": [7, 6, 5], "h_s": [9, 12, 20]},
}


@pytest.mark.parametrize("arch", ARCHS)
def test_build_at_per_layer_widths(arch: str) -> None:
    model = build(arch, 8, 12, "simplified", NARROW[arch]).eval()
    assert conv_widths(model) == NARROW[arch] and model.M == 10
    with torch.no_grad():
        out = model(torch.rand(1, 3, 64, 64))
    assert out["x_hat"].shape == (1, 3, 64, 64)
    key, coded = ("z", NARROW[arch]["h_a"][-1]) if "h_a" in NARROW[arch] else ("y", 10)
    assert out["likelihoods"][key].shape[1] == coded  # the entropy bottleneck's channels


@pytest.mark.parametrize("arch", ARCHS)
def test_checkpoint_with_widths_loads(arch: str, tmp_path: Path) -> None:
    model = build(arch, 8, 12, widths=NARROW[arch])
    model.update(force=True)
    config = {"N": 8, "M": 10, "gdn": "standard", "widths": NARROW[arch]}
    atomic_save({"format": FORMAT, "arch": arch, "config": config, "state_dict": model.state_dict()}, tmp_path / "m.pt")
    loaded, meta = load_checkpoint(tmp_path / "m.pt")
    assert conv_widths(loaded) == NARROW[arch] and meta["config"]["widths"] == NARROW[arch]
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), model.state_dict().values()))


def test_widths_are_checked() -> None:
    with pytest.raises(LiccError, match=r"widths must give \{'g_a': 4, 'g_s': 4\} positive"):
        build("bmshj2018-factorized", 8, 12, widths={"g_a": [6, 5, 10], "g_s": [4, 5, 6, 3]})
    with pytest.raises(LiccError, match="the last convolution of g_s must have 3 channels, got 4"):
        build("bmshj2018-factorized", 8, 12, widths={"g_a": [6, 5, 4, 10], "g_s": [4, 5, 6, 4]})
    wrong = NARROW["mbt2018-mean"] | {"h_s": [9, 12, 10]}
    with pytest.raises(LiccError, match="the last convolution of h_s must have 20 channels"):
        build("mbt2018-mean", 8, 12, widths=wrong)


def test_warm_start_needs_the_same_widths(images: Path, tmp_path: Path) -> None:
    arch = "bmshj2018-factorized"
    model = build(arch, 8, 12, widths=NARROW[arch])
    model.update(force=True)
    config = {"N": 8, "M": 10, "gdn": "standard", "widths": NARROW[arch]}
    atomic_save({"format": FORMAT, "arch": arch, "config": config, "state_dict": model.state_dict()}, tmp_path / "m.pt")
    cfg = TrainConfig(arch=arch, N=8, M=10, lmbda=0.01, steps=1, crop=16, init=str(tmp_path / "m.pt"))
    with pytest.raises(LiccError, match=r"has N=8, M=10, widths=\{.*\}, not N=8, M=10; warm-start"):
        train(cfg, [images], None, tmp_path / "run", threads=1)
